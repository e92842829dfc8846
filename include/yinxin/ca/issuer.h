// The certificate issuer: PKCS#10 or KMC key in, signed certificate out, crash-safe.
//
// Pipeline (STYLE.md 5, Boulder issuance/cert.go + ca/ca.go; LD/T 03-2022 §6.4):
//   1. validate   PKCS#10 parsed strictly (size limit, DER), proof of possession with the SM2 ID,
//                 key policy (SM2 on the SM2 curve; RSA >= 2048 only where a profile allows RSA);
//   2. prepare    profile + request + issuer context → TBS with a fresh 127-bit random serial;
//   3. lint       every lint of profile/lint.h; a failure is lint.failed and NOTHING is persisted;
//   4. persist    PendingIssuanceWriter::record_pending(serial, TBS) in one transaction;
//   5. sign       in the device (the CA key never leaves it), with the CA's SM2 ID;
//   6. finalize   CertificateWriter::finalize (the store checks the TBS is the recorded one).
// A crash after 4 leaves a pending row; recover_pending() finishes it (signs the recorded TBS
// again: SM2 signatures are randomised, but the TBS and serial are the recorded ones, so the
// certificate is the one that was approved) or fails it cleanly when the CA cannot sign any more.
// A crash before 4 leaves nothing; the serial was never used.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/ca/store.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/device/device.h"
#include "yinxin/profile/issuance.h"
#include "yinxin/profile/profile.h"

namespace yinxin::ca {

// What a CA did, for the audit log (the CA does not write the log: the caller knows the actor and
// session; LD/T 03-2022 §8.3.8 b/c). Failures are reported too.
struct CaEvent {
    // "ca.issue", "ca.issue.failed", "ca.recover.finalized", "ca.recover.failed", "ca.create",
    // "ca.csr", "ca.import", "ca.rollover", "ca.ceremony.step"
    std::string action;
    std::string ca_id;
    std::string serial_hex;  // lower-case hex of the serial, when one is involved
    std::string subject_dn;
    std::string profile_id;
    std::string request_id;
    bool success = true;
    std::string error_code;  // errc_name when !success
    Errc error = Errc::ok;   // the same code as a value (its numeric() goes to the audit record)
    std::string detail;
    TimePoint at{};
};
using EventSink = std::function<void(const CaEvent&)>;

// A CA key ready to sign: the device holds the private key access right for `index`.
struct SigningKey {
    device::Device* device = nullptr;
    device::KeyIndex index = 0;
    std::string sm2_id{crypto::k_default_sm2_id};
};
// Finds the signing key for a CA record (its KeyRef): opens/unlocks nothing itself, the caller
// has done that. device.key_not_found / ca.no_key when the CA has no usable key here.
using KeyResolver = std::function<Result<SigningKey>(const CaRecord& ca)>;

// Where the certificates a CA issues point to (CRL DP, AIA) and its certificate policy.
// URLs are formed as <base_url>/crl/<ca_id>.crl, <base_url>/ocsp/<ca_id>, <base_url>/ca/<ca_id>.cer
// (the status service of issue 6 serves exactly these paths).
struct PublicationConfig {
    std::string base_url = "http://127.0.0.1:8080";
    std::optional<asn1::Oid> cps_oid;  // e.g. the operator's CPS OID
    std::string cps_uri;
    // Delta CRLs (RFC 5280 5.2.4): certificates carry freshestCRL <base_url>/crl/<ca_id>-delta.crl
    // and each status change is published as a delta at once.
    bool delta_crls = false;
};
// Where the CRLs of a CA are published: <base_url>/crl/<ca_id>.crl, -delta.crl, .arl.
std::string crl_url(std::string_view base_url, std::string_view ca_id, CrlScope scope);

// The issuer context of a registered CA: its certificate's subject, SKI and validity, plus URLs.
Result<profile::IssuerContext> issuer_context(const CaRecord& ca, const PublicationConfig& publication);

struct CaStores {
    CaRegistry* registry = nullptr;
    PendingIssuanceWriter* pending = nullptr;
    CertificateWriter* writer = nullptr;
    CertificateReader* reader = nullptr;
};

// Limits on what a request may carry (external input).
inline constexpr std::size_t k_max_csr_size = std::size_t{64} * 1024;

struct IssueRequest {
    std::string ca_id;
    std::string profile_id;
    // PKCS#10 DER (or PEM text as bytes). When present its key is the subject key and its proof
    // of possession is checked with `csr_sm2_id`; when empty, data.spki_der must be set (an
    // encryption key from the KMC has no PKCS#10).
    Bytes csr;
    std::string csr_sm2_id{crypto::k_default_sm2_id};
    // The approved attributes. When data.subject is empty the CSR's subject is used.
    profile::CertificateRequestData data;
    std::string request_id;
    std::optional<TimePoint> not_before;  // default: now
    // A serial chosen before issuance (big-endian magnitude, 8-20 bytes, not all zero): the
    // encryption certificate of a dual pair must carry the userCertNo under which the KMC escrowed
    // its key (GM/T 0014). ca.bad_request unless well formed; store.duplicate_serial when it was
    // ever used by this CA. Default: a fresh random serial.
    std::optional<Bytes> serial;
};

struct IssuedCertificate {
    Bytes serial;
    Bytes certificate_der;
    std::string profile_id;
};

struct RecoveryReport {
    std::vector<std::string> finalized;  // "<ca_id>:<serial hex>"
    std::vector<std::string> failed;     // "<ca_id>:<serial hex>: reason"
};

class Issuer {
public:
    Issuer(CaStores stores, const profile::ProfileSet& profiles, KeyResolver keys, PublicationConfig publication,
           const Clock& clock, Rng& rng, EventSink events = {});

    // The whole pipeline above. Errors: x509.* / ca.bad_csr for a bad request (nothing
    // persisted), profile.request_rejected, lint.failed (nothing persisted), ca.not_found /
    // ca.retired (the CA does not issue any more), device.* from signing (the pending row is then
    // failed with the reason), store.* from persistence.
    Result<IssuedCertificate> issue(const IssueRequest& request);

    // Batched issuance (a card batch, a bulk renewal): requests for ONE CA through the same
    // pipeline, with step 4 for all of them in one transaction (record_pending_batch) and step 6
    // in another (finalize_batch), so a batch costs two durable commits instead of two per
    // certificate. One result per request, in order: a request refused in steps 1-3 (bad CSR,
    // profile, lint) or by the device in step 5 fails alone. The outer error is for the whole
    // batch, with nothing persisted: invalid_argument for mixed CAs or more than k_max_batch
    // requests, ca.not_found / ca.retired / ca.no_key, store.* from record_pending_batch. A
    // finalize_batch error leaves every signed row pending (each result carries it) for
    // recover_pending().
    static constexpr std::size_t k_max_batch = k_max_store_batch;
    Result<std::vector<Result<IssuedCertificate>>> issue_batch(std::span<const IssueRequest> requests);

    // Finishes every pending row left by a crash (see the file comment). Run at start-up before
    // serving. A row of an unknown or retired CA, of an expired CA certificate or TBS, or whose
    // TBS names another issuer is failed (fail_pending, the serial stays reserved). A row whose
    // CA key cannot be resolved now (device locked ...) is LEFT PENDING for the next run and
    // listed in `failed` as "<ca_id>:<serial hex>: left pending: <error>".
    Result<RecoveryReport> recover_pending();

private:
    CaStores m_stores;
    const profile::ProfileSet& m_profiles;
    KeyResolver m_keys;
    PublicationConfig m_publication;
    const Clock& m_clock;
    Rng& m_rng;
    EventSink m_events;
};

}  // namespace yinxin::ca
