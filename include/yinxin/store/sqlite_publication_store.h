// SqlitePublicationStore: the publication queue (yinxin/publish/queue.h PublicationQueue) in an
// SQLite file, the same file as the SqliteStore and SqliteRevocationStore: migration 0006 adds the
// targets, the queue and the opt-outs, and the triggers that queue an issued certificate, a new CA
// and a new CRL inside the transaction that writes it. Same durability as the other stores (WAL +
// synchronous=FULL, one transaction per write).
#pragma once

#include <memory>
#include <string>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/publish/queue.h"

namespace yinxin::store {

struct SqlitePublicationOptions {
    int busy_timeout_ms = 5000;
    const Clock* clock = nullptr;  // created_at of targets, opt-outs and backfilled rows; SystemClock when null
};

class SqlitePublicationStore final : public publish::PublicationQueue {
public:
    static Result<std::unique_ptr<SqlitePublicationStore>> open(const std::string& path,
                                                                SqlitePublicationOptions options = {});
    ~SqlitePublicationStore() override;
    SqlitePublicationStore(const SqlitePublicationStore&) = delete;
    SqlitePublicationStore& operator=(const SqlitePublicationStore&) = delete;

    Status add_target(const publish::Target& target) override;
    Result<std::vector<publish::Target>> list_targets() override;
    Status set_target_enabled(std::string_view id, bool enabled) override;
    Result<std::vector<publish::QueueItem>> next_due(std::string_view target_id, std::int64_t now,
                                                     std::size_t limit) override;
    Result<publish::PublishObject> load(const publish::QueueItem& item) override;
    Status mark_done(std::int64_t item_id, std::int64_t now) override;
    Status mark_skipped(std::int64_t item_id, std::string_view reason, std::int64_t now) override;
    Status mark_failed(std::int64_t item_id, std::string_view error, std::int64_t next_attempt_at) override;
    Status requeue(std::int64_t item_id) override;
    Result<std::vector<publish::QueueItem>> list_items(const publish::QueueFilter& filter) override;
    Result<std::vector<Count>> counts() override;
    Status add_opt_out(const publish::OptOut& opt_out) override;

private:
    struct Impl;
    explicit SqlitePublicationStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
