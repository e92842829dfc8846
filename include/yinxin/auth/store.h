// The auth module's narrow store (STYLE.md 4): staff, organisation nodes and quotas, sessions and
// approvals. The SQLite implementation is store::SqliteAuthStore (yinxin/store/sqlite_auth_store.h).
//
// Every method that changes state is one transaction. Errors: store.io, store.conflict (retryable
// or a lost compare-and-set), and the auth codes named below.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "yinxin/auth/model.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::auth {

class AuthStore {
public:
    virtual ~AuthStore() = default;

    // --- organisation ---
    // auth.duplicate when the id exists; auth.bad_org_tree when the parent does not.
    virtual Status insert_org_node(const OrgNode& node) = 0;
    virtual Result<std::optional<OrgNode>> find_org_node(std::string_view id) = 0;
    virtual Result<std::vector<OrgNode>> org_nodes() = 0;
    // Atomically takes `count` from a sponsored node's quota and returns what is left:
    // auth.quota_exhausted when fewer than `count` remain (nothing is taken), auth.not_sponsored,
    // auth.not_found.
    virtual Result<std::int64_t> consume_quota(std::string_view node_id, std::int64_t count) = 0;
    // Adds prepaid certificates; auth.not_sponsored, auth.not_found.
    virtual Result<std::int64_t> add_quota(std::string_view node_id, std::int64_t count) = 0;

    // --- staff ---
    virtual Result<std::int64_t> staff_count() = 0;
    // auth.duplicate when the id exists.
    virtual Status insert_staff(const StaffRecord& staff) = 0;
    virtual Result<std::optional<StaffRecord>> find_staff(std::string_view id) = 0;
    virtual Result<std::vector<StaffRecord>> staff() = 0;
    // Replaces the whole record (including the password history); auth.not_found.
    virtual Status update_staff(const StaffRecord& staff) = 0;
    // LD/T 03-2022 §8.3.3 h: marks the member inactive and deletes every session of theirs in the
    // same transaction; auth.not_found.
    virtual Status deactivate_staff(std::string_view id, TimePoint at) = 0;

    // --- sessions ---
    virtual Status insert_session(const Session& session) = 0;
    virtual Result<std::optional<Session>> find_session(BytesView token_hash) = 0;
    virtual Status touch_session(BytesView token_hash, TimePoint last_seen) = 0;
    virtual Status delete_session(BytesView token_hash) = 0;
    virtual Status delete_sessions_of(std::string_view staff_id) = 0;

    // --- approvals ---
    virtual Status insert_approval(const Approval& approval) = 0;
    virtual Result<std::optional<Approval>> find_approval(std::string_view id) = 0;
    // Compare-and-set: writes status, decided_by, reason and decided_at only while the stored
    // status is still `expected`; store.conflict otherwise (somebody decided first).
    virtual Status update_approval(const Approval& approval, ApprovalStatus expected) = 0;
};

}  // namespace yinxin::auth
