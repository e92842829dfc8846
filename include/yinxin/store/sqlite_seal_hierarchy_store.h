// SqliteSealHierarchyStore: the hierarchy of seal systems (yinxin/sealsys/hierarchy.h
// HierarchyStore) in the instance's SQLite file (migration 0017; the local status events are read
// from migration 0014's seal_status_events). One transaction per call.
#pragma once

#include <memory>
#include <string>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/sealsys/hierarchy.h"

namespace yinxin::store {

class SqliteSealHierarchyStore final : public sealsys::HierarchyStore {
public:
    static Result<std::unique_ptr<SqliteSealHierarchyStore>> open(const std::string& path, int busy_timeout_ms = 5000,
                                                                  const Clock* clock = nullptr);
    ~SqliteSealHierarchyStore() override;
    SqliteSealHierarchyStore(const SqliteSealHierarchyStore&) = delete;
    SqliteSealHierarchyStore& operator=(const SqliteSealHierarchyStore&) = delete;

    Status insert_peer(const sealsys::PeerRecord& peer) override;
    Result<std::optional<sealsys::PeerRecord>> find_peer(std::string_view id) override;
    Result<std::vector<sealsys::PeerRecord>> list_peers() override;
    Status register_peer(const sealsys::PeerRecord& peer) override;
    Result<std::size_t> accept_sync(std::string_view peer_id, std::int64_t sequence, TimePoint at,
                                    const std::vector<sealsys::RemoteSealStatus>& statuses) override;
    Status store_pulled(const std::vector<sealsys::RemoteSealStatus>& statuses, std::int64_t pulled_version) override;
    Result<std::optional<sealsys::RemoteSealStatus>> find_remote(std::string_view seal_code) override;
    Result<std::vector<sealsys::RemoteSealStatus>> remote_after(std::int64_t after, std::size_t limit) override;
    Result<LocalEvents> local_events_after(std::int64_t after, std::size_t limit) override;
    Result<std::optional<sealsys::ParentLink>> parent() override;
    Status set_parent(const sealsys::ParentLink& link) override;
    Result<std::int64_t> take_sequence() override;
    Status set_push_cursor(std::int64_t event_id, std::int64_t remote_version) override;

private:
    struct Impl;
    explicit SqliteSealHierarchyStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
