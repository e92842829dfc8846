// SqliteAuthStore: the auth module's store (yinxin/auth/store.h) in an SQLite file, normally the
// same file as the CA store and the audit log (migration 0003 adds the auth tables).
#pragma once

#include <memory>
#include <string>

#include "yinxin/auth/store.h"
#include "yinxin/base/result.h"

namespace yinxin::store {

struct SqliteAuthOptions {
    int busy_timeout_ms = 5000;
};

class SqliteAuthStore final : public auth::AuthStore {
public:
    // Opens (creating when absent) and applies the pending store migrations (store.schema_newer
    // when the file is newer than this build). Several instances may share one file: every state
    // change is one BEGIN IMMEDIATE transaction.
    static Result<std::unique_ptr<SqliteAuthStore>> open(const std::string& path, SqliteAuthOptions options = {});
    ~SqliteAuthStore() override;
    SqliteAuthStore(const SqliteAuthStore&) = delete;
    SqliteAuthStore& operator=(const SqliteAuthStore&) = delete;

    Status insert_org_node(const auth::OrgNode& node) override;
    Result<std::optional<auth::OrgNode>> find_org_node(std::string_view id) override;
    Result<std::vector<auth::OrgNode>> org_nodes() override;
    Result<std::int64_t> consume_quota(std::string_view node_id, std::int64_t count) override;
    Result<std::int64_t> add_quota(std::string_view node_id, std::int64_t count) override;

    Result<std::int64_t> staff_count() override;
    Status insert_staff(const auth::StaffRecord& staff) override;
    Result<std::optional<auth::StaffRecord>> find_staff(std::string_view id) override;
    Result<std::vector<auth::StaffRecord>> staff() override;
    Status update_staff(const auth::StaffRecord& staff) override;
    Status deactivate_staff(std::string_view id, TimePoint at) override;

    Status insert_session(const auth::Session& session) override;
    Result<std::optional<auth::Session>> find_session(BytesView token_hash) override;
    Status touch_session(BytesView token_hash, TimePoint last_seen) override;
    Status delete_session(BytesView token_hash) override;
    Status delete_sessions_of(std::string_view staff_id) override;

    Status insert_approval(const auth::Approval& approval) override;
    Result<std::optional<auth::Approval>> find_approval(std::string_view id) override;
    Status update_approval(const auth::Approval& approval, auth::ApprovalStatus expected) override;

private:
    struct Impl;
    explicit SqliteAuthStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
