// SqliteAuditStore: the audit log's store (yinxin/audit/audit.h AuditStore) in an SQLite file,
// normally the same file as the SqliteStore (migration 0002 adds the tables next to the CA's).
//
// Append-only: the code never updates or deletes an audit row, and triggers make UPDATE and DELETE
// on the audit tables fail for everybody else too. The triggers only stop mistakes: whoever can
// write the file can drop them, which is why audit::verify rechecks the hash chain and the signed
// checkpoints instead of trusting the database.
#pragma once

#include <memory>
#include <string>

#include "yinxin/audit/audit.h"
#include "yinxin/base/result.h"

namespace yinxin::store {

struct SqliteAuditOptions {
    int busy_timeout_ms = 5000;
    // false: a missing file is base.not_found (for readers such as `yinxin audit verify`).
    bool create_if_missing = true;
};

class SqliteAuditStore final : public audit::AuditStore {
public:
    // Opens the file and applies the pending store migrations (store.schema_newer when the file is
    // newer than this build).
    static Result<std::unique_ptr<SqliteAuditStore>> open(const std::string& path, SqliteAuditOptions options = {});
    ~SqliteAuditStore() override;
    SqliteAuditStore(const SqliteAuditStore&) = delete;
    SqliteAuditStore& operator=(const SqliteAuditStore&) = delete;

    Status append(const audit::AuditRecord& record) override;
    Result<std::optional<audit::AuditRecord>> last() override;
    Result<std::vector<audit::AuditRecord>> read_range(std::uint64_t from_seq, std::size_t limit) override;
    Result<std::vector<audit::AuditRecord>> scan(std::int64_t after_row_id, std::size_t limit) override;
    Status add_checkpoint(const audit::AuditCheckpoint& checkpoint) override;
    Result<std::vector<audit::AuditCheckpoint>> checkpoints() override;

private:
    struct Impl;
    explicit SqliteAuditStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
