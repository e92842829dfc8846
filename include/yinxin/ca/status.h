// Certificate status: revocation, suspension (certificateHold) and the CRLs of each CA
// (LD/T 03-2022 §6.4.4 and §6.4.6; RFC 5280 §5; CPS digests: a CRL at least every 24 hours and
// immediately after each revocation).
//
// A revocation is one store transaction; the new CRL is signed right after it. A crash between the
// two leaves the revocation recorded and the next CRL (schedule or `yinxin crl issue`) carries it.
// CRLs are built by paging through the revocations, never loading them all as records.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/store.h"
#include "yinxin/x509/crl.h"

namespace yinxin::ca {

struct CrlPolicy {
    // nextUpdate − thisUpdate. The CPSs publish at least daily, so at most 24 hours.
    std::chrono::seconds validity{std::chrono::hours(24)};
};

struct RevokeRequest {
    std::string ca_id;
    Bytes serial;
    // certificateHold suspends (SDCA CPS); removeFromCRL is not a revocation (release_hold).
    x509::CrlReason reason = x509::CrlReason::unspecified;
    std::optional<TimePoint> invalidity_date;  // when the key is known or suspected to be compromised
    std::string actor;
};

struct RevocationResult {
    RevocationRecord revocation;
    // The CRL signed right after it; empty when signing failed (the revocation stands and the next
    // CRL carries it; `crl_error` says why).
    std::optional<CrlRecord> crl;
    std::optional<Error> crl_error;
};

class StatusService {
public:
    // `keys` resolves the CA's signing key (device_key_resolver); events go to the audit log:
    // "ca.revoke", "ca.hold", "ca.hold.release", "ca.crl" (each also as a failure).
    StatusService(CaStores stores, RevocationStore& status, KeyResolver keys, const Clock& clock, EventSink events,
                  CrlPolicy policy = {});

    // Errors: ca.not_found (no CA), ca.certificate_not_found (no issued certificate with that
    // serial), ca.already_revoked (revoked, or already on hold for a hold), base.invalid_argument
    // (removeFromCRL, an invalidity date in the future).
    Result<RevocationResult> revoke(const RevokeRequest& request);
    // Unsuspends; ca.not_on_hold unless the certificate is on hold. A new CRL follows.
    Result<RevocationResult> release_hold(std::string_view ca_id, BytesView serial, const std::string& actor);

    // Signs and stores a full CRL of the CA: every certificate it has revoked or holds, with
    // reason codes and invalidity dates, CRL number, AKI, thisUpdate now and nextUpdate now +
    // policy.validity. A retired CA signs while may_sign_crls() says so (ca.retired otherwise).
    Result<CrlRecord> issue_crl(std::string_view ca_id);

private:
    Result<CaRecord> crl_signer(std::string_view ca_id);
    RevocationResult with_crl(RevocationRecord rec);

    CaStores m_stores;
    RevocationStore& m_status;
    KeyResolver m_keys;
    const Clock& m_clock;
    EventSink m_events;
    CrlPolicy m_policy;
};

}  // namespace yinxin::ca
