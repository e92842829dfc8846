// SqliteKmcStore: the key management centre's escrowed keys, key pool, CA task log and recovery
// requests (yinxin/kmc/store.h KmcStore) in an SQLite file, usually the same file as the other
// stores (migration 0013). Same durability as SqliteStore (WAL + synchronous=FULL), one transaction
// per call; state changes are compare-and-set, so two writers cannot both win. secure_delete is on
// for this connection, so purged escrow blobs are overwritten in the file, not just unlinked.
#pragma once

#include <memory>
#include <string>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/kmc/store.h"

namespace yinxin::store {

struct SqliteKmcOptions {
    int busy_timeout_ms = 5000;
    const Clock* clock = nullptr;  // migration timestamps; SystemClock when null. Must outlive the store.
};

class SqliteKmcStore final : public kmc::KmcStore {
public:
    static Result<std::unique_ptr<SqliteKmcStore>> open(const std::string& path, SqliteKmcOptions options = {});
    ~SqliteKmcStore() override;
    SqliteKmcStore(const SqliteKmcStore&) = delete;
    SqliteKmcStore& operator=(const SqliteKmcStore&) = delete;

    Result<std::optional<kmc::TaskRecord>> find_task(std::string_view ca_id, std::int64_t task_no) override;
    Status commit_task(const kmc::TaskCommit& commit) override;
    Status add_to_pool(std::span<const kmc::PooledKey> keys) override;
    Result<std::vector<kmc::PooledKey>> peek_pool(std::size_t n) override;
    Result<std::size_t> pool_size() override;
    Result<std::optional<kmc::EscrowedKey>> find_key(std::string_view ca_id, std::string_view cert_no) override;
    Result<std::vector<kmc::EscrowedKey>> list_keys(const kmc::KeyFilter& filter) override;
    Result<std::vector<kmc::EscrowedKey>> archive_expired(TimePoint now, std::size_t limit) override;
    Result<std::vector<kmc::EscrowedKey>> purge_archived(TimePoint cutoff, TimePoint now, std::size_t limit) override;
    Status insert_recovery(const kmc::RecoveryRecord& record) override;
    Result<std::optional<kmc::RecoveryRecord>> find_recovery(std::string_view id) override;
    Result<std::optional<kmc::RecoveryRecord>> find_approved_holder_recovery(std::string_view ca_id,
                                                                             std::string_view cert_no,
                                                                             BytesView target_public_key) override;
    Status update_recovery(const kmc::RecoveryRecord& record, kmc::RecoveryState expected) override;
    Result<std::vector<kmc::RecoveryRecord>> list_recoveries(std::optional<kmc::RecoveryState> state,
                                                             std::string_view after_id, std::size_t limit) override;

private:
    struct Impl;
    explicit SqliteKmcStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
