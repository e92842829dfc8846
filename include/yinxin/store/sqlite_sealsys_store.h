// SqliteSealSystemStore: the seal system's records (yinxin/sealsys/store.h SealSystemStore) in an
// SQLite file, the same file as the other stores (migration 0014). Same durability as SqliteStore:
// WAL + synchronous=FULL, one transaction per call; state changes are compare-and-set on the
// row's state, and the seal code is allocated in the transaction that records the seal.
#pragma once

#include <memory>
#include <string>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/sealsys/store.h"

namespace yinxin::store {

struct SqliteSealSystemOptions {
    int busy_timeout_ms = 5000;
    const Clock* clock = nullptr;  // migration timestamps; SystemClock when null. Must outlive the store.
};

class SqliteSealSystemStore final : public sealsys::SealSystemStore {
public:
    static Result<std::unique_ptr<SqliteSealSystemStore>> open(const std::string& path,
                                                               SqliteSealSystemOptions options = {});
    ~SqliteSealSystemStore() override;
    SqliteSealSystemStore(const SqliteSealSystemStore&) = delete;
    SqliteSealSystemStore& operator=(const SqliteSealSystemStore&) = delete;

    Status insert_application(const sealsys::SealApplication& application,
                              std::span<const sealsys::Material> materials) override;
    Result<std::optional<sealsys::SealApplication>> find_application(std::string_view id) override;
    Result<std::vector<sealsys::SealApplication>> list_applications(const sealsys::ApplicationFilter& filter) override;
    Status update_application(const sealsys::SealApplication& application, sealsys::ApplicationState expected) override;
    Result<sealsys::Material> material(std::string_view owner_id, std::size_t index) override;

    Result<std::string> reserve_seal(const sealsys::SealRecord& pending, std::optional<std::string> code) override;
    Result<std::optional<sealsys::SealRecord>> find_seal(std::string_view seal_code) override;
    Result<std::optional<sealsys::SealRecord>> seal_for_application(std::string_view application_id) override;
    Result<std::vector<sealsys::SealRecord>> list_seals(const sealsys::SealFilter& filter) override;
    Status finish_making(const sealsys::SealRecord& seal, const sealsys::SealApplication& application,
                         sealsys::ApplicationState expected) override;

    Status insert_lifecycle(const sealsys::LifecycleRequest& request,
                            std::span<const sealsys::Material> materials) override;
    Result<std::optional<sealsys::LifecycleRequest>> find_lifecycle(std::string_view id) override;
    Result<std::vector<sealsys::LifecycleRequest>> list_lifecycle(const sealsys::LifecycleFilter& filter) override;
    Status update_lifecycle(const sealsys::LifecycleRequest& request, sealsys::RequestState expected) override;
    Status apply_lifecycle(const sealsys::LifecycleEffect& effect) override;

    Result<std::vector<sealsys::SealRecord>> list_revoked(std::string_view after_code, std::size_t limit) override;
    Result<std::int64_t> status_version() override;
    Result<std::vector<sealsys::StatusEvent>> status_history(std::string_view seal_code) override;

    Result<std::optional<sealsys::SystemSigner>> find_signer(sealsys::SignerRole role) override;
    Status insert_signer(const sealsys::SystemSigner& signer) override;

private:
    struct Impl;
    explicit SqliteSealSystemStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
