// The tamper-evident audit log (LD/T 03-2022 §8.3.8; issue 4 "Audit").
//
// §8.3.8 a: every call between functional modules records 1) the time the request was received,
// 2) the network address it came from, 3) the identity of its originator, 4) its content, 5) how
// it was processed and 6) the result. §8.3.8 b/c: the business admin's (CA certificate and CRL
// loading, CRL update, system configuration, permission assignment) and business operator's
// (approve, reject, assign requests; revoke, renew certificates; key recovery) operations, failed
// ones included. An AuditRecord carries exactly those fields plus a sequence number.
//
// Tamper evidence: records form an SM3 hash chain (each record's hash covers the previous hash and
// the canonical encoding below), and checkpoints sign the head (seq, hash, time) with an audit key
// held in a device::Device. verify() walks the chain and the checkpoints and names the first
// edited, deleted, inserted or reordered record. The chain alone cannot tell genuine records
// appended after the newest checkpoint from forged ones, nor detect the removal of such trailing
// records: take checkpoints often (the report counts the unanchored records).
//
// Read access: only the auditor and the audit admin may read the log (issue 4; LD/T 03 §5.4). That
// rule belongs to the caller (auth/api): nothing here checks roles, and `yinxin audit` reads
// whatever file it is given, so the file itself must be protected by the operating system.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/device/device.h"

namespace yinxin::audit {

inline constexpr std::size_t k_hash_len = 32;  // SM3
// Upper bound per text field (bytes), so one record stays small and a malicious caller cannot
// bloat the log with a single call.
inline constexpr std::size_t k_max_field_len = std::size_t{64} * 1024;

// What a component reports. §8.3.8 a 1–6 map to time, source, actor (+ role), target, detail and
// success/error_code; `action` names the operation.
struct AuditEvent {
    // Unset: the AuditLog's clock at append time.
    std::optional<TimePoint> time;
    std::string source;  // network address of the request ("198.51.100.7:51234", "local", "cli")
    std::string actor;   // identity of the originator (staff id, certificate subject, "system")
    std::string role;    // LD/T 03 §5.4 role the actor acted in ("business_operator", ...); may be empty
    // Stable dotted name, lower case: "ca.issue", "device.unlock", "ra.request.approve".
    std::string action;
    std::string target;  // what the request was about / its content (serial, request id, key label)
    std::string detail;  // how it was processed
    bool success = true;
    std::uint32_t error_code = 0;  // Errc numeric value when !success, 0 otherwise

    // Marks the event failed with the error's stable code, appending its message to detail.
    AuditEvent& failed(const Error& e);
};

struct AuditRecord {
    std::uint64_t seq = 0;  // 1, 2, 3, ... without gaps
    TimePoint time{};       // stored and hashed with millisecond precision
    std::string source;
    std::string actor;
    std::string role;
    std::string action;
    std::string target;
    std::string detail;
    bool success = true;
    std::uint32_t error_code = 0;
    Bytes prev_hash;    // record_hash of seq - 1; 32 zero bytes for seq 1
    Bytes record_hash;  // SM3(prev_hash || canonical_encoding(record))
    // Assigned by the store: the physical position (SQLite rowid). 0 before it is stored.
    std::int64_t row_id = 0;
};

// A signed statement "the log had `seq` records and the last one hashed to `record_hash`".
struct AuditCheckpoint {
    std::int64_t id = 0;  // assigned by the store
    std::uint64_t seq = 0;
    Bytes record_hash;
    TimePoint time{};
    device::KeyIndex key_index = 0;
    Bytes public_key;  // SubjectPublicKeyInfo DER of the signing key (informational: see verify)
    std::string sm2_id;
    Bytes signature;  // DER SM2 signature over checkpoint_tbs()
};

// Canonical encoding of a record (version 1), the input to its hash after prev_hash:
//   "YXAUDIT1"                      8 ASCII bytes (domain separation and version)
//   seq                             8 bytes, unsigned big-endian
//   time                            8 bytes, signed big-endian, milliseconds since the Unix epoch
//   source, actor, role, action,
//   target, detail                  each: 4-byte big-endian byte length, then the UTF-8 bytes
//   result                          1 byte: 1 success, 0 failure
//   error_code                      4 bytes, unsigned big-endian
// record_hash = SM3(prev_hash (32 bytes) || canonical_encoding). Every field has a fixed size or a
// length prefix, so no two different records share an encoding.
Bytes canonical_encoding(const AuditRecord& r);
Bytes compute_record_hash(const AuditRecord& r);

// The bytes a checkpoint signature covers (version 1):
//   "YXAUDCP1" || seq (8, BE) || record_hash (32) || time (8, BE, ms since epoch)
Bytes checkpoint_tbs(const AuditCheckpoint& c);

// Time <-> the stored millisecond count.
std::int64_t to_unix_ms(TimePoint t);
TimePoint from_unix_ms(std::int64_t ms);

// audit.bad_event unless the name is lower-case dotted words: [a-z0-9_]+ ( "." [a-z0-9_]+ )+.
Status validate_action(std::string_view action);

// The narrow store interface the log needs (STYLE.md 4). Implemented by the store module
// (yinxin/store/sqlite_audit_store.h). The store never updates or deletes a record.
class AuditStore {
public:
    virtual ~AuditStore() = default;
    // In one transaction: reads the head and inserts `record` only when it extends it
    // (record.seq == head.seq + 1 and record.prev_hash == head.record_hash; seq 1 and zero hash on
    // an empty log). audit.conflict when another writer appended first: nothing was written.
    virtual Status append(const AuditRecord& record) = 0;
    // The record with the highest seq, nullopt on an empty log.
    virtual Result<std::optional<AuditRecord>> last() = 0;
    // Up to `limit` records with seq >= from_seq, by seq (then row id).
    virtual Result<std::vector<AuditRecord>> read_range(std::uint64_t from_seq, std::size_t limit) = 0;
    // Up to `limit` records with row id > after_row_id, in physical (row id) order: what verify walks.
    virtual Result<std::vector<AuditRecord>> scan(std::int64_t after_row_id, std::size_t limit) = 0;
    virtual Status add_checkpoint(const AuditCheckpoint& checkpoint) = 0;
    // All checkpoints in the order they were stored.
    virtual Result<std::vector<AuditCheckpoint>> checkpoints() = 0;

protected:
    AuditStore() = default;
    AuditStore(const AuditStore&) = default;
    AuditStore& operator=(const AuditStore&) = default;
};

enum class FindingKind {
    edited,               // the record's fields do not hash to its stored hash, or were rewritten
                          // with a recomputed hash (its successor or a checkpoint no longer matches)
    deleted,              // a sequence number is missing
    inserted,             // a record that is not part of the chain (duplicate seq, or nothing chains to it)
    reordered,            // a genuine record stored out of its place
    bad_checkpoint,       // signature invalid, wrong key, or malformed checkpoint
    checkpoint_mismatch,  // a validly signed checkpoint does not match the record at its seq
};
std::string_view finding_kind_name(FindingKind k) noexcept;  // "edited", "deleted", ...

struct Finding {
    FindingKind kind = FindingKind::edited;
    std::uint64_t seq = 0;    // the record's (or, for deleted, the first missing) sequence number
    std::int64_t row_id = 0;  // where it was found; 0 when the row is gone
    std::int64_t checkpoint_id = 0;
    std::string message;
};

struct VerifyReport {
    bool intact() const noexcept { return findings.empty(); }
    std::uint64_t records = 0;       // rows walked
    std::uint64_t head_seq = 0;      // highest seq accepted into the chain
    std::size_t checkpoints = 0;     // checkpoints whose signature verified and matched
    std::uint64_t anchored_seq = 0;  // highest seq covered by a good checkpoint
    std::uint64_t unanchored = 0;    // records after anchored_seq (protected by the chain only)
    bool key_pinned = false;         // checkpoints were checked against a trusted key
    // The first problem in the chain (at most one: later records cannot be judged once the chain
    // breaks), then every checkpoint problem.
    std::vector<Finding> findings;
};

struct VerifyOptions {
    // The trusted checkpoint key (SubjectPublicKeyInfo DER). Empty: each checkpoint is checked
    // against the key stored with it, which only detects accidental damage, not a forger with file
    // access (report.key_pinned is false).
    Bytes trusted_public_key;
};

// Walks the log through `store` and reports; does not need the device. Fails only when the store
// cannot be read.
Result<VerifyReport> verify(AuditStore& store, const VerifyOptions& options = {});

struct AuditLogOptions {
    const Clock* clock = nullptr;  // nullptr: system clock; must outlive the log
    // Checkpoint signing key (an SM2 key in `device`, access right already granted).
    device::Device* device = nullptr;
    device::KeyIndex key_index = 0;
    std::string sm2_id = std::string(crypto::k_default_sm2_id);
};

// Every component writes through one AuditLog. Appends are serialised by a mutex in this process
// and by the store's transaction across processes (a lost race is retried).
class AuditLog {
public:
    AuditLog(AuditStore& store, AuditLogOptions options);
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    // Validates the event (action name, field sizes), chains it to the head and stores it in one
    // transaction. audit.bad_event for invalid input.
    Result<AuditRecord> append(const AuditEvent& event);
    // Signs the current head with the audit key and stores the checkpoint. audit.no_key without a
    // device or key, invalid_argument on an empty log.
    Result<AuditCheckpoint> checkpoint();
    // verify(store) with the audit key's public key pinned when a device is configured.
    Result<VerifyReport> verify();

private:
    AuditStore& m_store;
    AuditLogOptions m_options;
    SystemClock m_system_clock;
    std::mutex m_mutex;
};

}  // namespace yinxin::audit
