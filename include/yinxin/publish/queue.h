// The persistent publication queue (issue 6: "a persistent publish queue with retries, so a
// directory outage loses nothing"): the narrow store interface the Publisher is given (STYLE.md 4;
// like ca/store.h it lives with its consumer, the SQLite implementation is in store/).
//
// The store feeds the queue itself, in the transaction that writes the object: an issued
// certificate, a new CA and every CRL (full, delta, ARL) get one row per enabled target. Rows are
// delivered per target in id order, so CRL n reaches a directory before CRL n+1. A row stays
// pending until it is delivered (done) or deliberately not delivered (skipped, with the reason).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/store.h"

namespace yinxin::publish {

// ldap: an LDAP directory (ldap.h); callback: a registered business system (callback.h).
enum class TargetKind { ldap, callback };
enum class ObjectKind { certificate, ca_certificate, crl };
enum class ItemState { pending, done, skipped };

constexpr std::string_view target_kind_name(TargetKind k) noexcept {
    return k == TargetKind::callback ? "callback" : "ldap";
}
constexpr std::string_view object_kind_name(ObjectKind k) noexcept {
    switch (k) {
        case ObjectKind::ca_certificate: return "ca_certificate";
        case ObjectKind::crl: return "crl";
        case ObjectKind::certificate: break;
    }
    return "certificate";
}
constexpr std::string_view item_state_name(ItemState s) noexcept {
    switch (s) {
        case ItemState::done: return "done";
        case ItemState::skipped: return "skipped";
        case ItemState::pending: break;
    }
    return "pending";
}

struct Target {
    std::string id;  // chosen by the operator: [A-Za-z0-9._-], 1..64 characters
    TargetKind kind = TargetKind::ldap;
    std::string config;  // JSON: LdapConfig (ldap.h) or CallbackConfig (callback.h)
    bool enabled = true;
    std::int64_t created_at = 0;  // unix seconds; set by the store
};

// One row of the queue.
struct QueueItem {
    std::int64_t id = 0;  // delivery order within a target
    std::string target_id;
    ObjectKind object_kind = ObjectKind::certificate;
    std::string ca_id;
    std::optional<std::int64_t> object_id;  // the certificate or CRL row; none for a CA certificate
    ItemState state = ItemState::pending;
    std::int64_t attempts = 0;         // failed deliveries so far
    std::int64_t next_attempt_at = 0;  // unix seconds; 0: due now
    std::string last_error;            // the last failure, or why the row was skipped
    std::int64_t created_at = 0;
    std::optional<std::int64_t> done_at;
};

// What a row publishes, read when it is delivered.
struct PublishObject {
    ObjectKind kind = ObjectKind::certificate;
    std::string ca_id;
    Bytes der;                 // the certificate, the CA certificate or the CRL
    Bytes ca_certificate_der;  // the CA's own certificate: its subject names the CA's entry
    // certificate
    Bytes serial;
    std::string request_id;
    bool opted_out = false;  // the holder asked not to be listed in directories
    // crl
    ca::CrlScope scope = ca::CrlScope::full;
    std::uint64_t crl_number = 0;
    std::optional<std::uint64_t> delta_base;
    std::int64_t this_update = 0;
    std::int64_t next_update = 0;
};

// A holder who opted out of directory publication: by certificate (ca_id + serial) or, before
// issuance, by the RA request (request_id). Exactly one of the two.
struct OptOut {
    std::string ca_id;
    Bytes serial;
    std::string request_id;
    std::string reason;
};

struct QueueFilter {
    std::string target_id;     // empty: every target
    bool pending_only = true;  // false: done and skipped rows too
    std::int64_t after_id = 0;
    std::size_t limit = 100;  // 1..10000
};

class PublicationQueue {
public:
    virtual ~PublicationQueue() = default;

    // Adds a target and, in the same transaction, queues for it what a new directory or business
    // system needs to be complete: every CA certificate, then the newest full CRL, ARL and delta
    // CRL of each CA. store.conflict when the id exists; base.invalid_argument for a bad id.
    virtual Status add_target(const Target& target) = 0;
    virtual Result<std::vector<Target>> list_targets() = 0;
    // store.not_found when unknown. A disabled target gets no new rows; its pending rows wait.
    virtual Status set_target_enabled(std::string_view id, bool enabled) = 0;

    // The oldest pending rows of a target, in id order, at most `limit` (1..10000). Empty when
    // there is none, or when the oldest one waits for its next attempt (after `now`): later rows
    // never overtake it.
    virtual Result<std::vector<QueueItem>> next_due(std::string_view target_id, std::int64_t now,
                                                    std::size_t limit) = 0;
    // The object of a row. store.not_found when it is gone (never for rows the triggers wrote).
    virtual Result<PublishObject> load(const QueueItem& item) = 0;
    // pending → done / skipped (reason kept in last_error). store.conflict unless pending.
    virtual Status mark_done(std::int64_t item_id, std::int64_t now) = 0;
    virtual Status mark_skipped(std::int64_t item_id, std::string_view reason, std::int64_t now) = 0;
    // A failed delivery: attempts + 1, last_error, next_attempt_at. store.conflict unless pending.
    virtual Status mark_failed(std::int64_t item_id, std::string_view error, std::int64_t next_attempt_at) = 0;
    // An operator puts a skipped (or done) row back to pending, due now (it keeps its place).
    virtual Status requeue(std::int64_t item_id) = 0;

    virtual Result<std::vector<QueueItem>> list_items(const QueueFilter& filter) = 0;
    // Rows per target and state: (target id, state) → count.
    struct Count {
        std::string target_id;
        ItemState state = ItemState::pending;
        std::int64_t count = 0;
    };
    virtual Result<std::vector<Count>> counts() = 0;

    // store.conflict when that certificate or request has opted out already.
    virtual Status add_opt_out(const OptOut& opt_out) = 0;
};

}  // namespace yinxin::publish
