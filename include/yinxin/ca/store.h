// The narrow store interfaces the CA is given (STYLE.md 4, after Boulder sa/proto/subsets.go): the
// CA sees a CA registry, a pending-issuance writer, a certificate writer and a certificate reader,
// never the whole database. Each holds only bytes and plain metadata, so SQLite (store/sqlite) and
// a later PostgreSQL backend implement the same contracts.
//
// Issuance order (STYLE.md 5, Boulder issuance/cert.go + ca/ca.go): prepare → lint →
// PendingIssuanceWriter::record_pending (serial + linted TBS, one transaction) → sign in the device →
// CertificateWriter::finalize. A crash after record_pending leaves a `pending` row that
// CertificateReader::list_pending returns for recovery; the serial stays reserved forever
// (ARCHITECTURE.md "Data that must never be lost": a serial is never reused, even after a crash).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::ca {

enum class CaStatus { active, retired };
enum class CaKind { root, sub, seal_root, external };

// Where the CA's private key lives: a device backend by name ("soft", "pkcs11", ...) and the key's
// index or label inside it. The key itself never leaves the device.
struct KeyRef {
    std::string backend;
    std::int64_t index = 0;
    std::string label;
};

struct CaRecord {
    std::string id;          // stable identifier chosen by the operator, e.g. "gov-sm2-root-2026"
    std::string name;        // display name
    std::string subject_dn;  // RFC 4514 string of the CA certificate's subject
    Bytes certificate_der;   // the CA's own certificate
    KeyRef key;              // empty backend for kind external (no key here)
    std::string parent_id;   // empty for a root, a seal root or an external CA
    CaStatus status = CaStatus::active;
    CaKind kind = CaKind::root;
    std::int64_t created_at = 0;  // unix seconds; set by the store
};

// Registry of the CAs this installation operates or trusts.
class CaRegistry {
public:
    virtual ~CaRegistry() = default;
    // store.conflict when the id exists; store.not_found when parent_id names no CA.
    virtual Status add_ca(const CaRecord& ca) = 0;
    virtual Result<std::vector<CaRecord>> list_cas() = 0;
    // store.not_found when unknown.
    virtual Result<CaRecord> get_ca(std::string_view id) = 0;
    virtual Status set_ca_status(std::string_view id, CaStatus status) = 0;
};

// What the CA knows about a certificate before it is signed: the linted TBSCertificate and the
// metadata taken from it. Serial bytes are the INTEGER content octets; the store keys them as
// lower-case hex.
struct PendingIssuance {
    std::string ca_id;
    Bytes serial;
    Bytes tbs_der;  // the linted TBSCertificate, exactly the bytes that will be signed
    std::string subject_dn;
    std::int64_t not_before = 0;  // unix seconds
    std::int64_t not_after = 0;
    std::string profile_id;
    std::string request_id;  // the RA request this issuance answers
};

// Persists a serial (and the linted TBS) before anything is signed.
class PendingIssuanceWriter {
public:
    virtual ~PendingIssuanceWriter() = default;
    // Reserves a serial with no certificate behind it (e.g. a TBS abandoned before it was
    // linted). store.duplicate_serial when the CA has ever used or reserved it.
    virtual Status reserve_serial(std::string_view ca_id, BytesView serial) = 0;
    // Reserves the serial and records the pending certificate in ONE transaction: either both
    // exist afterwards or neither. store.duplicate_serial when the serial was ever reserved for
    // this CA (nothing is written then); store.not_found when the CA is unknown.
    virtual Status record_pending(const PendingIssuance& pending) = 0;
    // record_pending for many issuances in ONE transaction (batched issuance: one durable commit
    // instead of one per certificate). All or nothing: a duplicate serial or unknown CA in any
    // item writes none of them. invalid_argument when `batch` is larger than k_max_store_batch.
    virtual Status record_pending_batch(std::span<const PendingIssuance> batch) = 0;
};

// The most rows one batched store call takes (one transaction must stay short).
inline constexpr std::size_t k_max_store_batch = 1000;

// A signed certificate for CertificateWriter::finalize_batch.
struct SignedCertificate {
    std::string ca_id;
    Bytes serial;
    Bytes certificate_der;
};

// Completes or abandons a pending issuance.
class CertificateWriter {
public:
    virtual ~CertificateWriter() = default;
    // Stores the signed certificate and marks the pending row issued, atomically. The store checks
    // that the certificate's TBSCertificate is byte-for-byte the recorded TBS and computes the SM3
    // fingerprint itself. store.not_found without a pending row; store.conflict when the row is
    // not pending any more (already issued or failed) or the TBS differs.
    virtual Status finalize(std::string_view ca_id, BytesView serial, BytesView certificate_der) = 0;
    // finalize for many certificates in ONE transaction, all or nothing, with the same checks on
    // each item (the error names the first item refused).
    virtual Status finalize_batch(std::span<const SignedCertificate> batch) = 0;
    // Marks a pending row failed (signing refused, recovery decided not to sign). The serial stays
    // reserved. store.not_found / store.conflict as for finalize.
    virtual Status fail_pending(std::string_view ca_id, BytesView serial, std::string_view reason) = 0;
};

enum class CertificateStatus { pending, issued, failed };

struct CertificateRecord {
    std::int64_t id = 0;  // store row id; the paging cursor
    std::string ca_id;
    Bytes serial;
    Bytes tbs_der;
    Bytes certificate_der;  // empty unless issued
    Bytes fingerprint_sm3;  // SM3 of certificate_der; empty unless issued
    std::string subject_dn;
    std::int64_t not_before = 0;
    std::int64_t not_after = 0;
    CertificateStatus status = CertificateStatus::pending;
    std::string profile_id;
    std::string request_id;
    std::string failure_reason;  // only for failed
    std::int64_t created_at = 0;
};

struct CertificatePage {
    std::vector<CertificateRecord> records;
    // Pass as `after_id` to get the next page; nullopt when this was the last page.
    std::optional<std::int64_t> next_after_id;
};

class CertificateReader {
public:
    virtual ~CertificateReader() = default;
    // store.not_found when absent.
    virtual Result<CertificateRecord> certificate_by_serial(std::string_view ca_id, BytesView serial) = 0;
    virtual Result<CertificateRecord> certificate_by_fingerprint(BytesView fingerprint_sm3) = 0;
    // Keyset paging in insertion order: rows with id > after_id, at most `limit` (1..1000).
    virtual Result<CertificatePage> list_certificates(std::string_view ca_id, std::int64_t after_id,
                                                      std::size_t limit) = 0;
    // Issued certificates whose subject DN (RFC 4514 string) contains `subject_part`, case-
    // insensitively, newest first, at most `limit` (1..100); of one CA unless ca_id is empty.
    // base.invalid_argument for an empty search.
    virtual Result<std::vector<CertificateRecord>> find_by_subject(std::string_view ca_id,
                                                                   std::string_view subject_part,
                                                                   std::size_t limit) = 0;
    // Rows still pending (a crash between record_pending and finalize), oldest first; every CA
    // when ca_id is empty.
    virtual Result<std::vector<CertificateRecord>> list_pending(std::string_view ca_id) = 0;
};

// A revocation or a hold (RFC 5280 5.3.1 reason 6, certificateHold: the SDCA CPS's suspension)
// of one issued certificate.
struct RevocationRecord {
    std::int64_t id = 0;  // store row id; the paging cursor
    std::string ca_id;
    Bytes serial;
    std::int64_t revoked_at = 0;                  // unix seconds
    int reason = 0;                               // CRLReason number
    std::optional<std::int64_t> invalidity_date;  // unix seconds (RFC 5280 5.3.2)
    std::string actor;                            // who revoked it (audit identity)
    bool ca_certificate = false;                  // a CA certificate: listed on the ARL too
};

struct RevocationPage {
    std::vector<RevocationRecord> records;
    std::optional<std::int64_t> next_after_id;
};

// One certificate whose status changed: the newest change of that serial, with its status now
// (revoked or on hold; empty when the hold was lifted since).
struct StatusChange {
    std::int64_t id = 0;  // change log id; the paging cursor
    Bytes serial;
    std::int64_t changed_at = 0;
    std::optional<RevocationRecord> current;
};

struct StatusChangePage {
    std::vector<StatusChange> changes;
    std::optional<std::int64_t> next_after_id;
};

// What a CRL covers: every revoked certificate of the CA (full), the changes since a full CRL
// (delta, RFC 5280 5.2.4), or the revoked CA certificates only (arl: an authority revocation list,
// issuingDistributionPoint onlyContainsCACerts).
enum class CrlScope { full, delta, arl };
constexpr std::string_view crl_scope_name(CrlScope s) noexcept {
    switch (s) {
        case CrlScope::delta: return "delta";
        case CrlScope::arl: return "arl";
        case CrlScope::full: break;
    }
    return "full";
}

// A CRL as published.
struct CrlRecord {
    std::string ca_id;
    std::uint64_t number = 0;
    CrlScope scope = CrlScope::full;
    std::optional<std::uint64_t> delta_base;  // the base CRL number of a delta
    // The last status change (RevocationStore::last_status_change) the CRL covers: a delta lists
    // the changes after its base's. Empty for CRLs made before the change log existed.
    std::optional<std::int64_t> status_change_id;
    std::int64_t this_update = 0;
    std::int64_t next_update = 0;
    std::uint64_t entries = 0;
    Bytes der;
};

// A delegated OCSP responder of a CA (RFC 6960 4.2.2.2): a certificate the CA issued with
// id-kp-OCSPSigning and the device key behind it.
struct OcspSignerRecord {
    std::string ca_id;
    Bytes serial;
    KeyRef key;
    std::int64_t not_before = 0;
    std::int64_t not_after = 0;
    Bytes certificate_der;  // from the certificates table
};

// Certificate status: what the CRLs, OCSP and the status services read, and what revocation
// writes. Every write is one transaction.
class RevocationStore {
public:
    virtual ~RevocationStore() = default;
    // Records the revocation (or hold) of an issued certificate of `r.ca_id`. store.not_found when
    // the CA has no issued certificate with that serial; store.conflict when it is already revoked.
    // A certificate on hold may be revoked for good (the hold is replaced, keeping nothing of it).
    virtual Status revoke(const RevocationRecord& r) = 0;
    // Lifts a hold (RFC 5280 removeFromCRL); store.not_found unless the certificate is on hold.
    virtual Status release_hold(std::string_view ca_id, BytesView serial) = 0;
    virtual Result<std::optional<RevocationRecord>> revocation(std::string_view ca_id, BytesView serial) = 0;
    // Keyset paging in insertion order (limit 1..10000); only revoked CA certificates when
    // `ca_certificates_only` (the ARL).
    virtual Result<RevocationPage> list_revocations(std::string_view ca_id, std::int64_t after_id, std::size_t limit,
                                                    bool ca_certificates_only) = 0;
    // The newest status change of the CA (0 when none): read before a full CRL is built, so a
    // change made while it is built is in the next delta.
    virtual Result<std::int64_t> last_status_change(std::string_view ca_id) = 0;
    // The certificates of the CA whose status changed after change `after_id`, each once (its
    // newest change), in change order (limit 1..10000).
    virtual Result<StatusChangePage> list_status_changes(std::string_view ca_id, std::int64_t after_id,
                                                         std::size_t limit) = 0;
    // Reserves the CA's next CRL number: monotonic and never reused (RFC 5280 5.2.3; a crash may
    // leave a gap, which is allowed).
    virtual Result<std::uint64_t> next_crl_number(std::string_view ca_id) = 0;
    // Keeps a signed CRL; store.conflict when that CA already has a CRL with this number.
    virtual Status put_crl(const CrlRecord& crl) = 0;
    // The newest CRL of that scope of the CA, if any.
    virtual Result<std::optional<CrlRecord>> latest_crl(std::string_view ca_id, CrlScope scope) = 0;
    // A number that changes with every revoke and release_hold of any CA (readers in other
    // processes included): cached status answers made under another number are stale.
    virtual Result<std::int64_t> status_version() = 0;

    // Names the device key of an OCSP-signing certificate the CA issued (store.not_found unless
    // it is issued; store.conflict when already named).
    virtual Status add_ocsp_signer(const OcspSignerRecord& signer) = 0;
    // The CA's OCSP signers, newest first.
    virtual Result<std::vector<OcspSignerRecord>> ocsp_signers(std::string_view ca_id) = 0;
};

}  // namespace yinxin::ca
