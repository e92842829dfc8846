// SqliteRevocationStore: certificate status (yinxin/ca/store.h RevocationStore) in an SQLite file,
// normally the same file as the SqliteStore (migration 0004 adds the tables next to the
// certificates they refer to). Same durability as SqliteStore: WAL + synchronous=FULL, one
// transaction per write, foreign keys on (a revocation names an existing certificate).
#pragma once

#include <memory>
#include <string>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/store.h"

namespace yinxin::store {

struct SqliteRevocationOptions {
    int busy_timeout_ms = 5000;
    const Clock* clock = nullptr;  // created_at; SystemClock when null. Must outlive the store.
};

class SqliteRevocationStore final : public ca::RevocationStore {
public:
    static Result<std::unique_ptr<SqliteRevocationStore>> open(const std::string& path,
                                                               SqliteRevocationOptions options = {});
    ~SqliteRevocationStore() override;
    SqliteRevocationStore(const SqliteRevocationStore&) = delete;
    SqliteRevocationStore& operator=(const SqliteRevocationStore&) = delete;

    Status revoke(const ca::RevocationRecord& r) override;
    Status release_hold(std::string_view ca_id, BytesView serial) override;
    Result<std::optional<ca::RevocationRecord>> revocation(std::string_view ca_id, BytesView serial) override;
    Result<ca::RevocationPage> list_revocations(std::string_view ca_id, std::int64_t after_id, std::size_t limit,
                                                bool ca_certificates_only) override;
    Result<std::int64_t> last_status_change(std::string_view ca_id) override;
    Result<ca::StatusChangePage> list_status_changes(std::string_view ca_id, std::int64_t after_id,
                                                     std::size_t limit) override;
    Result<std::uint64_t> next_crl_number(std::string_view ca_id) override;
    Status put_crl(const ca::CrlRecord& crl) override;
    Result<std::optional<ca::CrlRecord>> latest_crl(std::string_view ca_id, ca::CrlScope scope) override;
    Result<std::int64_t> status_version() override;
    Status add_ocsp_signer(const ca::OcspSignerRecord& signer) override;
    Result<std::vector<ca::OcspSignerRecord>> ocsp_signers(std::string_view ca_id) override;

private:
    struct Impl;
    explicit SqliteRevocationStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
