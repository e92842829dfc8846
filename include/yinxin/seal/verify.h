// Verification of seals and electronic signatures by the GB/T 38540 procedure
// (gm-and-seal-formats.md §1.4), giving a structured report of named checks.
//
// "Intact" and "valid" are separate (issue 7): a signature made years ago by a certificate whose
// root is not in our trust store is intact (every signature and hash checks out) but not valid.
//  - intact: format, seal_signature and (for a signature) signature pass, and data_hash is not
//    `fail` (it is not_checked when no data was given);
//  - valid: intact, no check is `fail`, and trust_chain passes (the maker's and the signer's
//    certificates chain to a caller-given trust anchor).
// `warn` never changes either.
//
// Time stamps (RFC 3161 tokens in timeStamp): the token's TSA signature, ESS certificate
// identifier, critical id-kp-timeStamping, and messageImprint over the signature value (seal
// signature value for a v5 seal) are checked; when the TSA certificate also chains to a trust
// anchor at genTime the check passes and genTime becomes the signing time (GB/T 38540 step 4,
// signing_time_source "time_stamp"); a sound token from an untrusted TSA is `warn` and timeInfo is
// used; a token that does not verify or covers other data is `fail`.
//
// Revocation (check "revocation"): with options.revocation, every certificate on the validated
// trust paths is asked for. Revoked → fail, unless a trusted time stamp shows the signature was made
// before the revocation (then pass, saying so); status unknown (no current CRL) → warn; without a
// checker or without established trust → not_checked.
//
// Check names (stable, used in the JSON): format, maker_certificate, seal_signature,
// seal_validity, signer_in_cert_list, signature, signer_certificate, time_stamp, seal_time_stamp,
// data_hash, trust_chain, revocation, seal_status (only with VerifyOptions::seal_status). A seal
// report has format, maker_certificate, seal_signature, seal_validity, time_stamp (v5), trust_chain,
// revocation.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/error.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/seal/ses.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/revocation.h"

namespace yinxin::seal {

enum class CheckResult : std::uint8_t { pass, fail, not_checked, warn };
// "pass", "fail", "not_checked", "warn".
std::string_view to_string(CheckResult r);

struct Check {
    std::string name;
    CheckResult result = CheckResult::not_checked;
    std::string message;
};

// What a seal status publishing system said of a seal (VerifyOptions::seal_status).
struct SealStatusAnswer {
    bool answered = false;  // false: the status could not be had (message says why)
    bool valid = false;
    std::string status;  // "valid", "lost", "cancelled", "expired", ...
    std::string message;
};

struct VerifyOptions {
    // The verification time ("now"; injected). A bare seal's validity period and certificates are
    // checked at it; inside a signature they are checked at the signing time (GB/T 38540 step 4).
    TimePoint time{};
    std::vector<x509::Certificate> trust_anchors;
    std::vector<x509::Certificate> intermediates;
    // SM2 signer ID for the seal and signature (GM/T 0009 default); only this ID is tried.
    std::string sm2_id = std::string(crypto::k_default_sm2_id);
    // The signed data (detached file; for OFD, Signature.xml) or its SM3 digest: data_hash
    // compares SM3(data) with TBS_Sign.dataHash. Neither given: data_hash is not_checked.
    std::optional<BytesView> data;
    std::optional<crypto::Sm3Digest> data_digest;
    // Revocation status of each certificate on the trust paths (x509/revocation.h), e.g. from the
    // CRLs of their distribution points. Absent: revocation is not_checked.
    x509::RevocationChecker revocation;
    // LD/T 01.1-2022 §8.3.1 c, §8.3.2 b: the seal's status from a seal status publishing system, asked
    // by the seal code (esID). Given, the report gets a "seal_status" check: pass when the answer is
    // valid, fail when it is anything else ("seal not valid: lost ..."), warn when no answer could be
    // had. Absent: no such check.
    std::function<SealStatusAnswer(std::string_view seal_code)> seal_status;
};

enum class ReportKind : std::uint8_t { seal, signature };

struct Report {
    ReportKind kind = ReportKind::seal;
    bool intact = false;
    bool valid = false;
    std::vector<Check> checks;

    // Filled as far as parsing got.
    std::optional<int> version;  // 1, 4 or 5
    std::string es_id;
    std::string vendor_id;
    std::string seal_name;
    std::string property_info;  // signature only
    std::string sm2_id;
    TimePoint verification_time{};
    // Signature only: the time certificates and the seal period were checked at, and where it
    // came from: "time_stamp" (a trusted RFC 3161 token's genTime), "time_info" (TBS_Sign.timeInfo)
    // or "verification_time" (unreadable timeInfo).
    std::optional<TimePoint> signing_time;
    std::string signing_time_source;
    // The parse error when format fails.
    std::optional<Error> error;

    const Check* find(std::string_view name) const;
    CheckResult result_of(std::string_view name) const;  // not_checked when absent

    // Stable field names: kind, intact, valid, version, es_id, vendor_id, seal_name, property_info,
    // sm2_id, verification_time, signing_time, signing_time_source (RFC 3339 UTC, "...Z"),
    // error {code, name, message}, checks [{name, result, message}]. Absent values are omitted.
    nlohmann::json to_json() const;
    std::string to_json_string(int indent = 2) const;
    // Human-readable, one check per line.
    std::string to_text() const;
};

// A bare seal (.esl).
Report verify_seal(BytesView seal_der, const VerifyOptions& options);
Report verify_seal(const Seal& seal, const VerifyOptions& options);
// An SES_Signature (detached .ses / OFD SignedValue.dat).
Report verify_signature(BytesView signature_der, const VerifyOptions& options);
Report verify_signature(const SesSignature& signature, const VerifyOptions& options);

}  // namespace yinxin::seal
