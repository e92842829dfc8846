// SqliteRaStore: registration requests (yinxin/ra/application.h RaStore) in the SQLite file of the
// CA (migration 0009, beside the certificates and revocations its queries join). A transition's
// notifications go into the outbox table (migration 0010) in the same transaction.
#pragma once

#include <memory>
#include <string>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ra/application.h"

namespace yinxin::store {

struct SqliteRaOptions {
    int busy_timeout_ms = 5000;
    const Clock* clock = nullptr;  // notification times; SystemClock when null. Must outlive the store.
};

class SqliteRaStore final : public ra::RaStore {
public:
    static Result<std::unique_ptr<SqliteRaStore>> open(const std::string& path, SqliteRaOptions options = {});
    ~SqliteRaStore() override;
    SqliteRaStore(const SqliteRaStore&) = delete;
    SqliteRaStore& operator=(const SqliteRaStore&) = delete;

    Status insert_request(const ra::RaRequest& request, const ra::RequestEvent& event,
                          std::span<const ra::NewNotification> notes) override;
    Result<std::optional<ra::RaRequest>> find_request(std::string_view id) override;
    Status update_request(const ra::RaRequest& request, std::int64_t expected_version, const ra::RequestEvent& event,
                          std::span<const ra::NewNotification> notes) override;
    Result<std::vector<ra::RaRequest>> list_requests(const ra::RequestFilter& filter) override;
    Result<std::vector<ra::RequestEvent>> history(std::string_view request_id) override;
    Result<std::optional<std::string>> certificate_for_request(std::string_view request_id) override;
    Result<std::optional<ra::RaRequest>> request_for_certificate(std::string_view certificate_ref) override;
    Result<std::vector<ra::ExpiringCertificate>> expiring(TimePoint now, TimePoint until, std::size_t limit) override;
    Result<std::vector<std::string>> expired_holds(TimePoint now, std::size_t limit) override;
    Result<std::vector<ra::StatisticsRow>> statistics(TimePoint from, TimePoint to, TimePoint now,
                                                      std::span<const std::string> org_nodes) override;
    Result<std::size_t> add_notifications(std::span<const ra::NewNotification> notes) override;
    Result<std::optional<ra::DualKeyRecord>> dual_key(std::string_view request_id) override;
    Result<std::optional<ra::DualKeyRecord>> dual_key_for_certificate(std::string_view certificate_ref) override;
    Status save_dual_key(const ra::DualKeyRecord& record) override;

private:
    struct Impl;
    explicit SqliteRaStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
