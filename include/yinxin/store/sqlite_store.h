// SqliteStore: the embedded default store (ARCHITECTURE.md), one SQLite file implementing the CA's
// narrow interfaces (yinxin/ca/store.h). A PostgreSQL store implements the same interfaces.
//
// Durability: WAL journal with synchronous=FULL, so a committed transaction survives a process
// crash and a power loss; every state change is one transaction; foreign keys are enforced.
// One connection per SqliteStore, guarded by a mutex; several processes may share the file (busy
// timeout, BEGIN IMMEDIATE).
#pragma once

#include <memory>
#include <string>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/store.h"

namespace yinxin::store {

struct SqliteOptions {
    int busy_timeout_ms = 5000;
    // Timestamps for created_at/updated_at; SystemClock when null. Must outlive the store.
    const Clock* clock = nullptr;
};

class SqliteStore final : public ca::CaRegistry,
                          public ca::PendingIssuanceWriter,
                          public ca::CertificateWriter,
                          public ca::CertificateReader {
public:
    // Opens or creates the file and applies the pending migrations. store.schema_newer when the
    // file was written by a newer Yinxin (it is left untouched); store.io when it cannot be opened.
    static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, SqliteOptions options = {});
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    // The highest migration this build knows, and the one the file is at.
    static int latest_schema_version() noexcept;
    int schema_version() const noexcept;

    // CaRegistry
    Status add_ca(const ca::CaRecord& ca) override;
    Result<std::vector<ca::CaRecord>> list_cas() override;
    Result<ca::CaRecord> get_ca(std::string_view id) override;
    Status set_ca_status(std::string_view id, ca::CaStatus status) override;

    // PendingIssuanceWriter
    Status reserve_serial(std::string_view ca_id, BytesView serial) override;
    Status record_pending(const ca::PendingIssuance& pending) override;
    Status record_pending_batch(std::span<const ca::PendingIssuance> batch) override;

    // CertificateWriter
    Status finalize(std::string_view ca_id, BytesView serial, BytesView certificate_der) override;
    Status finalize_batch(std::span<const ca::SignedCertificate> batch) override;
    Status fail_pending(std::string_view ca_id, BytesView serial, std::string_view reason) override;

    // CertificateReader
    Result<ca::CertificateRecord> certificate_by_serial(std::string_view ca_id, BytesView serial) override;
    Result<ca::CertificateRecord> certificate_by_fingerprint(BytesView fingerprint_sm3) override;
    Result<std::vector<ca::CertificateRecord>> find_by_subject(std::string_view ca_id, std::string_view subject_part,
                                                               std::size_t limit) override;
    Result<ca::CertificatePage> list_certificates(std::string_view ca_id, std::int64_t after_id,
                                                  std::size_t limit) override;
    Result<std::vector<ca::CertificateRecord>> list_pending(std::string_view ca_id) override;

private:
    struct Impl;
    explicit SqliteStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
