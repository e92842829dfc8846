// Revocation status of a certificate from CRLs the caller has (fetched from the CRL distribution
// points, read from files, or taken from the store): RFC 5280 6.3 in the subset Yinxin needs.
// A CRL counts when its issuer is the certificate's issuer (name, RFC 5280 7.1), its signature
// verifies with the issuer's key (SM2 with the ID), it is a complete CRL (not a delta) and it is
// current at `now` (nextUpdate not passed). With no such CRL the status is unknown, never good.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/clock.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/crl.h"

namespace yinxin::x509 {

enum class RevocationState : std::uint8_t { good, revoked, unknown };
// "good", "revoked", "unknown".
std::string_view to_string(RevocationState s) noexcept;

struct RevocationStatus {
    RevocationState state = RevocationState::unknown;
    TimePoint revoked_at{};
    CrlReason reason = CrlReason::unspecified;
    std::string source;   // e.g. "CRL 12 of CN=..., this update ..."
    std::string message;  // why unknown
};

// The status of `cert` (issued by `issuer`) from the CRLs given.
RevocationStatus status_from_crls(const Certificate& cert, const Certificate& issuer, const std::vector<Crl>& crls,
                                  TimePoint now, std::string_view sm2_id = crypto::k_default_sm2_id);

// What verifiers call for each certificate of a validated path (leaf first) with its issuer.
using RevocationChecker = std::function<RevocationStatus(const Certificate& cert, const Certificate& issuer)>;

}  // namespace yinxin::x509
