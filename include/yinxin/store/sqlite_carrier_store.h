// SqliteCarrierStore: the carrier inventory and the carrier PIN-unlock requests
// (yinxin/ra/carrier.h CarrierStore) in an SQLite file, the same file as the other stores
// (migration 0012). Same durability as SqliteStore: WAL + synchronous=FULL, one transaction per
// call; state changes are compare-and-set on the row's state, so two operators racing on one
// carrier or request cannot both win.
#pragma once

#include <memory>
#include <string>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ra/carrier.h"

namespace yinxin::store {

struct SqliteCarrierOptions {
    int busy_timeout_ms = 5000;
    const Clock* clock = nullptr;  // migration timestamps; SystemClock when null. Must outlive the store.
};

class SqliteCarrierStore final : public ra::CarrierStore {
public:
    static Result<std::unique_ptr<SqliteCarrierStore>> open(const std::string& path, SqliteCarrierOptions options = {});
    ~SqliteCarrierStore() override;
    SqliteCarrierStore(const SqliteCarrierStore&) = delete;
    SqliteCarrierStore& operator=(const SqliteCarrierStore&) = delete;

    Status insert_carriers(std::span<const ra::Carrier> carriers) override;
    Result<std::optional<ra::Carrier>> find_carrier(std::string_view carrier_no) override;
    Result<std::vector<ra::Carrier>> list_carriers(const ra::CarrierFilter& filter) override;
    Status update_carrier(const ra::Carrier& carrier, ra::CarrierState expected) override;
    Status insert_unlock_request(const ra::UnlockRequest& request) override;
    Result<std::optional<ra::UnlockRequest>> find_unlock_request(std::string_view id) override;
    Result<std::vector<ra::UnlockRequest>> list_unlock_requests(const ra::UnlockFilter& filter) override;
    Status update_unlock_request(const ra::UnlockRequest& request, ra::UnlockState expected) override;

private:
    struct Impl;
    explicit SqliteCarrierStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
