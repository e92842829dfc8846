// SqliteOutboxStore: the notification outbox (yinxin/ra/notify.h Outbox) in an SQLite file, the same
// file as the other stores (migration 0010). Other SQLite stores add notifications inside their
// own transactions with store/sqlite/outbox_sql.h insert_notifications. Same durability as the
// other stores (WAL + synchronous=FULL, one transaction per write).
#pragma once

#include <memory>
#include <string>

#include "yinxin/base/result.h"
#include "yinxin/ra/notify.h"

namespace yinxin::store {

struct SqliteOutboxOptions {
    int busy_timeout_ms = 5000;
};

class SqliteOutboxStore final : public ra::Outbox {
public:
    static Result<std::unique_ptr<SqliteOutboxStore>> open(const std::string& path, SqliteOutboxOptions options = {});
    ~SqliteOutboxStore() override;
    SqliteOutboxStore(const SqliteOutboxStore&) = delete;
    SqliteOutboxStore& operator=(const SqliteOutboxStore&) = delete;

    Result<std::vector<std::int64_t>> enqueue(std::span<const ra::NewNotification> items, TimePoint now) override;
    Result<std::vector<ra::Notification>> due(TimePoint now, std::size_t limit) override;
    Status mark_delivered(std::int64_t id, TimePoint at) override;
    Status mark_failed(std::int64_t id, std::string_view error, TimePoint next_attempt_at) override;
    Status retry_now(std::int64_t id, TimePoint now) override;
    Result<std::vector<ra::Notification>> list(const ra::NotificationFilter& filter) override;
    Result<ra::Notification> find(std::int64_t id) override;
    Result<ra::OutboxCounts> counts() override;

private:
    struct Impl;
    explicit SqliteOutboxStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
