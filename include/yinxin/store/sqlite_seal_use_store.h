// SqliteSealUseStore: seal-use permissions, seal-use requests with their documents and signed
// results, and the append-only use log (yinxin/sealsys/use_store.h; LD/T 01.1-2022 §8.1.2, §8.2) in
// an SQLite file, the same file as the other stores (migration 0015). Same durability as SqliteStore:
// WAL + synchronous=FULL, one transaction per call; state changes are compare-and-set on the
// request's state, so a request is decided, signed and handed out at most once even when callers race.
#pragma once

#include <memory>
#include <string>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/sealsys/use_store.h"

namespace yinxin::store {

struct SqliteSealUseOptions {
    int busy_timeout_ms = 5000;
    const Clock* clock = nullptr;  // migration timestamps; SystemClock when null. Must outlive the store.
};

class SqliteSealUseStore final : public sealsys::SealUseStore {
public:
    static Result<std::unique_ptr<SqliteSealUseStore>> open(const std::string& path, SqliteSealUseOptions options = {});
    ~SqliteSealUseStore() override;
    SqliteSealUseStore(const SqliteSealUseStore&) = delete;
    SqliteSealUseStore& operator=(const SqliteSealUseStore&) = delete;

    Status insert_grant(const sealsys::SealGrant& grant) override;
    Result<sealsys::SealGrant> withdraw_grant(std::string_view seal_code, std::string_view staff_id,
                                              sealsys::SealPermission permission, std::string_view withdrawn_by,
                                              TimePoint at) override;
    Result<bool> has_grant(std::string_view seal_code, std::string_view staff_id,
                           sealsys::SealPermission permission) override;
    Result<std::vector<sealsys::SealGrant>> list_grants(std::string_view seal_code) override;
    Result<std::vector<sealsys::SealGrant>> grants_of(std::string_view staff_id) override;
    Status insert_request(const sealsys::UseRequest& request, BytesView document) override;
    Result<std::optional<sealsys::UseRequest>> find_request(std::string_view id) override;
    Result<std::vector<sealsys::UseRequest>> list_requests(const sealsys::UseRequestFilter& filter) override;
    Result<Bytes> document(std::string_view id) override;
    Status update_request(const sealsys::UseRequest& request, sealsys::UseState expected) override;
    Status complete_request(const sealsys::UseRequest& request, BytesView result,
                            const sealsys::UseLogEntry& entry) override;
    Result<Bytes> take_result(std::string_view id, std::string_view fetched_by, TimePoint at) override;
    Result<std::vector<sealsys::UseLogEntry>> list_use_log(const sealsys::UseLogFilter& filter) override;
    Result<std::vector<std::string>> overdue_requests(TimePoint now, std::size_t limit) override;

private:
    struct Impl;
    explicit SqliteSealUseStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
