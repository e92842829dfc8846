// Certification path validation: an RFC 5280 §6 subset with the GM rules.
//
// What is checked, for the path leaf = path[0], path[1], ..., path[n-1] issued by a trust anchor:
//  - chain building by name (RFC 5280 6.1.4 (a)(4) name chaining, compared per 7.1) with the
//    authorityKeyIdentifier/subjectKeyIdentifier pair used to select among issuers with the same
//    name (a keyIdentifier mismatch excludes the candidate, as OpenSSL's X509_check_akid does);
//    several candidates are tried in turn (re-keyed CAs);
//  - every signature, SM2 with the signer ID `options.sm2_id` on EVERY certificate
//    (gm-and-seal-formats §6.3: OpenSSL's `verify -vfyopt` sets it on the leaf only);
//  - validity at `time` for every certificate (6.1.3 (a)(2)), and for the trust anchor
//    certificate unless options.check_anchor_validity is false;
//  - 6.1.4 (k): basicConstraints cA on every issuing certificate;
//  - 6.1.4 (n): keyUsage, when present, asserts keyCertSign on every issuing certificate;
//  - 6.1.4 (l)(m): pathLenConstraint;
//  - 6.1.3/6.1.4 (o): an unrecognised critical extension (Extensions::is_known and
//    options.extra_known_critical) refuses the certificate;
//  - a maximum number of certificates, and a bound on the work spent building the path;
//  - revocation through options.revocation (a hook; CRL/OCSP checking lives higher up).
// Not done: policy processing (6.1.3 (d)-(f)), name constraints (a critical nameConstraints is an
// unknown critical extension and refuses the path), leaf extendedKeyUsage (the caller's purpose).
// RFC 5280 6.1.1 (d): the trust anchor is a name and a key; its own extensions are not checked
// unless options.check_anchor_constraints is set.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::x509 {

struct PathOptions {
    std::string sm2_id = std::string(crypto::k_default_sm2_id);
    // Certificates in the path including the leaf, excluding the trust anchor.
    std::size_t max_path_length = 8;
    // Signature verifications path building may spend before giving up with
    // x509.path_search_limit: many same-name issuers (a hostile certificate bag in a CMS message)
    // would otherwise make the depth-first search exponential.
    std::size_t max_signature_checks = 128;
    bool check_anchor_validity = true;
    bool check_anchor_constraints = false;
    // Critical extensions the caller processes itself (e.g. a profile-specific extension).
    std::vector<asn1::Oid> extra_known_critical;
    // Called for each certificate of the path once the path is otherwise valid, leaf first, with
    // its issuer (the next certificate or the anchor). An error makes the path fail with that
    // error's code (callers use x509.path_revoked for a revoked certificate).
    std::function<Status(const Certificate& cert, const Certificate& issuer, std::size_t index)> revocation;
};

struct PathResult {
    Errc code = Errc::ok;  // a x509.path_* code, or ok
    // Index into `path` (0 = leaf) of the certificate that failed; path.size() names the trust
    // anchor. Meaningful only on failure.
    std::size_t index = 0;
    std::string message;
    // On success: leaf ... last intermediate. On failure: the candidate path that came furthest.
    std::vector<Certificate> path;
    std::optional<Certificate> anchor;  // the trust anchor that terminated the path

    bool ok() const { return code == Errc::ok; }
    // As a Status: "[4052 x509.path_expired] certificate 1 (CN=...): ..." on failure.
    Status status() const;
};

PathResult validate_path(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                         const std::vector<Certificate>& trust_anchors, TimePoint time,
                         const PathOptions& options = {});

}  // namespace yinxin::x509
