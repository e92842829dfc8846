// The narrow store the key management centre needs (STYLE.md 4): escrowed keys, the pool of
// pre-generated keys, the CA task log and recovery requests. store/ implements it
// (yinxin/store/sqlite_kmc_store.h, migration 0013). Every call is one transaction.
//
// No private key is ever given to the store in clear: `escrow` is the scalar SM2-encrypted to the
// KMC's escrow key inside the crypto device (kmc.h), which only the device can decrypt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"

namespace yinxin::kmc {

// active → revoked (the CA revoked the encryption certificate) → archived (the certificate expired;
// active keys are archived too) → purged (past retention: the escrow is wiped, the row stays as a
// tombstone so a certificate number is never reused).
enum class KeyState : std::uint8_t { active, revoked, archived, purged };
std::string_view key_state_name(KeyState s) noexcept;  // "active", "revoked", "archived", "purged"
std::optional<KeyState> key_state_from_name(std::string_view name) noexcept;

struct EscrowedKey {
    std::string key_id;     // "k-" + 16 lower-case hex digits, chosen at generation
    std::string ca_id;      // the trusted CA that asked for it
    std::string cert_no;    // userCertNo: lower-case hex of the INTEGER magnitude
    Bytes public_key;       // SubjectPublicKeyInfo DER of the encryption key pair
    Bytes escrow;           // SM2Cipher (DER) of escrow_plaintext() under the device escrow key
    Bytes user_public_key;  // the holder's signing key given at apply (SubjectPublicKeyInfo DER)
    std::string user_name;
    TimePoint not_before{};
    TimePoint not_after{};  // of the encryption certificate: archiving starts here
    KeyState state = KeyState::active;
    std::int64_t task_no = 0;  // the CA task that asked for it
    TimePoint created_at{};    // generation (pool keys: when the pool was filled)
    TimePoint escrowed_at{};   // given to the CA
    std::optional<TimePoint> revoked_at;
    std::optional<TimePoint> archived_at;
    std::optional<TimePoint> purged_at;
};

// A pre-generated key pair not given to anybody yet.
struct PooledKey {
    std::string key_id;
    Bytes public_key;
    Bytes escrow;
    TimePoint created_at{};
};

// One answered CA task: the request's SM3 and the signed response, so a CA that repeats the SAME
// request (a lost answer) gets the same answer, and a different request with a used taskNO is
// kmc.duplicate.
struct TaskRecord {
    std::string ca_id;
    std::int64_t task_no = 0;
    Bytes request_sm3;
    Bytes response_der;
    TimePoint at{};
};

struct RevokeMark {
    std::string ca_id;
    std::string cert_no;
};

enum class RecoveryKind : std::uint8_t { holder, judicial };
enum class RecoveryState : std::uint8_t { pending, approved, completed, rejected };
std::string_view recovery_kind_name(RecoveryKind k) noexcept;    // "holder", "judicial"
std::string_view recovery_state_name(RecoveryState s) noexcept;  // "pending", "approved", ...
std::optional<RecoveryKind> recovery_kind_from_name(std::string_view name) noexcept;
std::optional<RecoveryState> recovery_state_from_name(std::string_view name) noexcept;

struct RecoveryRecord {
    std::string id;  // "rec-" + 16 lower-case hex digits
    RecoveryKind kind = RecoveryKind::holder;
    std::string ra_request_id;  // the reviewed RA request (§6.4.5 figures 5 and 6)
    std::string org_node;       // the request's node (holder recovery is scoped)
    std::string ca_id;
    std::string cert_no;
    std::string key_id;
    // Holder: the holder's CURRENT signing key; judicial: the dedicated medium's public key.
    Bytes target_public_key;
    // Judicial: the officer's signed request (the text of judicial_request_text), certificate (DER,
    // then any intermediates, concatenated DER) and SM2 signature; the case reference.
    std::string case_reference;
    Bytes officer_certificate;
    Bytes officer_chain;
    Bytes officer_signature;
    std::string approval_id;  // auth::Approval (two-person rule)
    RecoveryState state = RecoveryState::pending;
    std::string requested_by;
    TimePoint requested_at{};
    std::string decided_by;  // approver or rejecter
    std::optional<TimePoint> decided_at;
    std::string reason;        // rejection reason
    std::string completed_by;  // the operator who carried it out, or "ca:<id>" for a CA restore
    std::optional<TimePoint> completed_at;
    Bytes output_sm3;  // SM3 of the SM2EnvelopedKey handed out (never the envelope itself)
};

// Everything one answered CA task changes, committed in ONE transaction.
struct TaskCommit {
    TaskRecord task;
    std::vector<EscrowedKey> new_keys;         // kmc.duplicate when (ca_id, cert_no) exists
    std::vector<std::string> pool_keys_taken;  // removed from the pool (kmc.pool_empty if gone)
    std::vector<RevokeMark> revocations;       // active → revoked (kmc.not_found, kmc.illegal_state)
    TimePoint revoked_at{};
    std::optional<RecoveryRecord> completed_recovery;  // approved → completed (compare-and-set)
};

struct KeyFilter {
    std::string ca_id;              // empty: any
    std::optional<KeyState> state;  // empty: any
    std::string after_key_id;       // keyset paging by key id
    std::size_t limit = 100;        // 1..1000
};

class KmcStore {
public:
    virtual ~KmcStore() = default;

    virtual Result<std::optional<TaskRecord>> find_task(std::string_view ca_id, std::int64_t task_no) = 0;
    // kmc.duplicate when the task exists (another writer answered it first) or a cert number is
    // taken; nothing is written then.
    virtual Status commit_task(const TaskCommit& commit) = 0;

    virtual Status add_to_pool(std::span<const PooledKey> keys) = 0;
    // The oldest `n` pool keys (not removed: commit_task takes them).
    virtual Result<std::vector<PooledKey>> peek_pool(std::size_t n) = 0;
    virtual Result<std::size_t> pool_size() = 0;

    virtual Result<std::optional<EscrowedKey>> find_key(std::string_view ca_id, std::string_view cert_no) = 0;
    virtual Result<std::vector<EscrowedKey>> list_keys(const KeyFilter& filter) = 0;
    // active/revoked keys with not_after <= now → archived, at most `limit`; returns them.
    virtual Result<std::vector<EscrowedKey>> archive_expired(TimePoint now, std::size_t limit) = 0;
    // archived keys with not_after <= cutoff → purged (escrow wiped), at most `limit`; returns them.
    virtual Result<std::vector<EscrowedKey>> purge_archived(TimePoint cutoff, TimePoint now, std::size_t limit) = 0;

    // kmc.duplicate when the id exists, or the key has another open (pending/approved) recovery.
    virtual Status insert_recovery(const RecoveryRecord& record) = 0;
    virtual Result<std::optional<RecoveryRecord>> find_recovery(std::string_view id) = 0;
    // The approved holder recovery of this key whose target is `target_public_key`, if any.
    virtual Result<std::optional<RecoveryRecord>> find_approved_holder_recovery(std::string_view ca_id,
                                                                                std::string_view cert_no,
                                                                                BytesView target_public_key) = 0;
    // Compare-and-set on the state: kmc.illegal_state when it is no longer `expected`,
    // kmc.not_found when there is no such record.
    virtual Status update_recovery(const RecoveryRecord& record, RecoveryState expected) = 0;
    virtual Result<std::vector<RecoveryRecord>> list_recoveries(std::optional<RecoveryState> state,
                                                                std::string_view after_id, std::size_t limit) = 0;

protected:
    KmcStore() = default;
    KmcStore(const KmcStore&) = default;
    KmcStore& operator=(const KmcStore&) = default;
};

}  // namespace yinxin::kmc
