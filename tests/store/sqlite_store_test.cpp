// SqliteStore: migrations, CA registry, serial uniqueness, the pending → issued/failed flow, paging.
#include <gtest/gtest.h>

#include "store_test_util.h"
#include "yinxin/base/clock.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::store {
namespace {

using test::TempDir;

class SqliteStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_path = m_dir.file("ca.db");
        auto s = SqliteStore::open(m_path, SqliteOptions{.busy_timeout_ms = 5000, .clock = &m_clock});
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        m_store = std::move(s).value();
        ASSERT_TRUE(m_store->add_ca(test::test_ca("root")).ok());
        ASSERT_TRUE(m_store->add_ca(test::test_ca("sub", "root")).ok());
    }

    TempDir m_dir;
    std::string m_path;
    FixedClock m_clock{from_unix(1'790'000'000)};
    std::unique_ptr<SqliteStore> m_store;
};

TEST(SqliteStoreMigrations, FreshFileThenIdempotentReopen) {
    TempDir dir;
    const std::string path = dir.file("fresh.db");
    {
        auto s = SqliteStore::open(path);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        EXPECT_EQ((*s)->schema_version(), SqliteStore::latest_schema_version());
        ASSERT_TRUE((*s)->add_ca(test::test_ca("root")).ok());
    }
    {
        auto s = SqliteStore::open(path);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        EXPECT_EQ((*s)->schema_version(), SqliteStore::latest_schema_version());
        auto cas = (*s)->list_cas();
        ASSERT_TRUE(cas.ok());
        EXPECT_EQ(cas->size(), 1u);  // data kept, nothing re-created
    }
    EXPECT_EQ(test::query_int(path, "SELECT COUNT(*) FROM schema_migrations"), SqliteStore::latest_schema_version());
    EXPECT_EQ(test::query_text(path, "PRAGMA journal_mode"), "wal");
}

TEST(SqliteStoreMigrations, NewerSchemaRefused) {
    TempDir dir;
    const std::string path = dir.file("newer.db");
    ASSERT_TRUE(SqliteStore::open(path).ok());
    ASSERT_EQ(test::query_text(path,
                               "INSERT INTO schema_migrations (version, name, applied_at) "
                               "VALUES (9999, 'from_the_future', 0) RETURNING version"),
              "9999");
    auto s = SqliteStore::open(path);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), Errc::store_schema_newer);
    EXPECT_EQ(errc_name(s.code()), "store.schema_newer");
}

TEST(SqliteStoreMigrations, UnwritablePathIsIo) {
    auto s = SqliteStore::open("/nonexistent-dir/x/y.db");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), Errc::store_io);
}

TEST_F(SqliteStoreTest, CaRegistry) {
    EXPECT_EQ(m_store->add_ca(test::test_ca("root")).code(), Errc::store_conflict);
    EXPECT_EQ(m_store->add_ca(test::test_ca("orphan", "nope")).code(), Errc::store_not_found);
    auto sub = m_store->get_ca("sub");
    ASSERT_TRUE(sub.ok());
    EXPECT_EQ(sub->parent_id, "root");
    EXPECT_EQ(sub->kind, ca::CaKind::sub);
    EXPECT_EQ(sub->key.backend, "soft");
    EXPECT_EQ(sub->key.index, 3);
    EXPECT_EQ(sub->key.label, "sub-key");
    EXPECT_EQ(sub->certificate_der, test::test_ca("sub").certificate_der);
    EXPECT_EQ(sub->created_at, 1'790'000'000);
    EXPECT_EQ(sub->status, ca::CaStatus::active);
    ASSERT_TRUE(m_store->set_ca_status("sub", ca::CaStatus::retired).ok());
    EXPECT_EQ(m_store->get_ca("sub")->status, ca::CaStatus::retired);
    EXPECT_EQ(m_store->set_ca_status("ghost", ca::CaStatus::retired).code(), Errc::store_not_found);
    EXPECT_EQ(m_store->get_ca("ghost").code(), Errc::store_not_found);
    auto all = m_store->list_cas();
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].id, "root");
    EXPECT_TRUE((*all)[0].parent_id.empty());
}

TEST_F(SqliteStoreTest, DuplicateSerialRefusedAndNothingWritten) {
    const Bytes serial = test::serial_n(42);
    ASSERT_TRUE(m_store->record_pending(test::pending_for("root", serial, "req-1")).ok());
    const long long serials_before = test::query_int(m_path, "SELECT COUNT(*) FROM serials");

    auto dup = m_store->record_pending(test::pending_for("root", serial, "req-2"));
    EXPECT_EQ(dup.code(), Errc::store_duplicate_serial);
    EXPECT_EQ(m_store->reserve_serial("root", serial).code(), Errc::store_duplicate_serial);
    EXPECT_EQ(test::query_int(m_path, "SELECT COUNT(*) FROM certificates WHERE request_id = 'req-2'"), 0);
    EXPECT_EQ(test::query_int(m_path, "SELECT COUNT(*) FROM serials"), serials_before);
    EXPECT_EQ(m_store->certificate_by_serial("root", serial)->request_id, "req-1");

    // A bare reservation blocks a later pending row with the same serial, and writes no certificate row.
    const Bytes reserved = test::serial_n(43);
    ASSERT_TRUE(m_store->reserve_serial("root", reserved).ok());
    EXPECT_EQ(m_store->record_pending(test::pending_for("root", reserved, "req-3")).code(),
              Errc::store_duplicate_serial);
    EXPECT_EQ(m_store->certificate_by_serial("root", reserved).code(), Errc::store_not_found);

    // Serials are unique per CA, not globally.
    EXPECT_TRUE(m_store->record_pending(test::pending_for("sub", serial, "req-4")).ok());
    // Unknown CA: not_found, and no serial row.
    EXPECT_EQ(m_store->record_pending(test::pending_for("ghost", test::serial_n(44), "req-5")).code(),
              Errc::store_not_found);
    EXPECT_EQ(test::query_int(m_path, "SELECT COUNT(*) FROM serials WHERE ca_id = 'ghost'"), 0);
    // RFC 5280 4.1.2.2: at most 20 octets.
    EXPECT_EQ(m_store->reserve_serial("root", Bytes(21, 0x11)).code(), Errc::invalid_argument);
    EXPECT_EQ(m_store->reserve_serial("root", Bytes{}).code(), Errc::invalid_argument);
}

TEST_F(SqliteStoreTest, PendingThenFinalize) {
    const Bytes serial = test::serial_n(7);
    const auto p = test::pending_for("sub", serial, "req-7");
    ASSERT_TRUE(m_store->record_pending(p).ok());

    auto rec = m_store->certificate_by_serial("sub", serial);
    ASSERT_TRUE(rec.ok());
    EXPECT_EQ(rec->status, ca::CertificateStatus::pending);
    EXPECT_EQ(rec->tbs_der, p.tbs_der);
    EXPECT_TRUE(rec->certificate_der.empty());
    EXPECT_TRUE(rec->fingerprint_sm3.empty());
    EXPECT_EQ(rec->serial, serial);
    EXPECT_EQ(rec->not_before, p.not_before);
    EXPECT_EQ(rec->not_after, p.not_after);
    EXPECT_EQ(rec->subject_dn, p.subject_dn);
    EXPECT_EQ(rec->profile_id, "person-sign");
    EXPECT_EQ(rec->created_at, 1'790'000'000);
    auto pending = m_store->list_pending("");
    ASSERT_TRUE(pending.ok());
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ((*pending)[0].request_id, "req-7");
    EXPECT_EQ(m_store->list_pending("root")->size(), 0u);

    // A certificate over another TBS is refused: the signed bytes must be the persisted ones.
    const Bytes wrong = test::fake_cert(test::fake_tbs(serial, 999));
    EXPECT_EQ(m_store->finalize("sub", serial, wrong).code(), Errc::store_conflict);
    EXPECT_EQ(m_store->finalize("sub", serial, Bytes{0x04, 0x00}).code(), Errc::invalid_argument);
    EXPECT_EQ(m_store->finalize("root", serial, test::fake_cert(p.tbs_der)).code(), Errc::store_not_found);

    const Bytes cert = test::fake_cert(p.tbs_der);
    ASSERT_TRUE(m_store->finalize("sub", serial, cert).ok());
    rec = m_store->certificate_by_serial("sub", serial);
    ASSERT_TRUE(rec.ok());
    EXPECT_EQ(rec->status, ca::CertificateStatus::issued);
    EXPECT_EQ(rec->certificate_der, cert);
    const auto fp = crypto::sm3(cert);
    EXPECT_EQ(rec->fingerprint_sm3, Bytes(fp.begin(), fp.end()));
    auto by_fp = m_store->certificate_by_fingerprint(Bytes(fp.begin(), fp.end()));
    ASSERT_TRUE(by_fp.ok());
    EXPECT_EQ(by_fp->serial, serial);
    EXPECT_EQ(m_store->certificate_by_fingerprint(Bytes(32, 0)).code(), Errc::store_not_found);

    EXPECT_EQ(m_store->finalize("sub", serial, cert).code(), Errc::store_conflict);
    EXPECT_EQ(m_store->fail_pending("sub", serial, "late").code(), Errc::store_conflict);
    EXPECT_TRUE(m_store->list_pending("")->empty());
}

TEST_F(SqliteStoreTest, FailPending) {
    const Bytes serial = test::serial_n(8);
    const auto p = test::pending_for("root", serial, "req-8");
    ASSERT_TRUE(m_store->record_pending(p).ok());
    ASSERT_TRUE(m_store->fail_pending("root", serial, "device refused to sign").ok());
    auto rec = m_store->certificate_by_serial("root", serial);
    ASSERT_TRUE(rec.ok());
    EXPECT_EQ(rec->status, ca::CertificateStatus::failed);
    EXPECT_EQ(rec->failure_reason, "device refused to sign");
    EXPECT_TRUE(rec->certificate_der.empty());
    EXPECT_EQ(m_store->finalize("root", serial, test::fake_cert(p.tbs_der)).code(), Errc::store_conflict);
    EXPECT_EQ(m_store->fail_pending("root", serial, "again").code(), Errc::store_conflict);
    EXPECT_EQ(m_store->fail_pending("root", test::serial_n(9), "none").code(), Errc::store_not_found);
    // A failed issuance still burns its serial.
    EXPECT_EQ(m_store->reserve_serial("root", serial).code(), Errc::store_duplicate_serial);
    EXPECT_TRUE(m_store->list_pending("root")->empty());
}

TEST_F(SqliteStoreTest, BatchesAreAllOrNothing) {
    // A batch whose last item reuses a serial writes none of its items.
    std::vector<ca::PendingIssuance> batch;
    for (int i = 0; i < 5; ++i)
        batch.push_back(test::pending_for("sub", test::serial_n(100 + i), "batch-" + std::to_string(i)));
    ASSERT_TRUE(m_store->record_pending(test::pending_for("sub", test::serial_n(200), "single")).ok());
    batch.push_back(test::pending_for("sub", test::serial_n(200), "batch-dup"));
    const long long serials_before = test::query_int(m_path, "SELECT COUNT(*) FROM serials");
    EXPECT_EQ(m_store->record_pending_batch(batch).code(), Errc::store_duplicate_serial);
    EXPECT_EQ(test::query_int(m_path, "SELECT COUNT(*) FROM serials"), serials_before);
    EXPECT_EQ(test::query_int(m_path, "SELECT COUNT(*) FROM certificates WHERE request_id LIKE 'batch-%'"), 0);
    // The same serial twice inside one batch is refused as well.
    batch.back() = test::pending_for("sub", test::serial_n(100), "batch-dup2");
    EXPECT_EQ(m_store->record_pending_batch(batch).code(), Errc::store_duplicate_serial);
    EXPECT_EQ(test::query_int(m_path, "SELECT COUNT(*) FROM certificates WHERE request_id LIKE 'batch-%'"), 0);
    batch.pop_back();
    ASSERT_TRUE(m_store->record_pending_batch(batch).ok());
    EXPECT_EQ(m_store->list_pending("sub")->size(), batch.size() + 1);

    // finalize_batch: one item over another TBS refuses the whole batch.
    std::vector<ca::SignedCertificate> certs;
    for (const auto& p : batch)
        certs.push_back({.ca_id = p.ca_id, .serial = p.serial, .certificate_der = test::fake_cert(p.tbs_der)});
    certs[2].certificate_der = test::fake_cert(test::fake_tbs(certs[2].serial, 999));
    EXPECT_EQ(m_store->finalize_batch(certs).code(), Errc::store_conflict);
    EXPECT_EQ(test::query_int(m_path, "SELECT COUNT(*) FROM certificates WHERE status = 'issued'"), 0);
    certs[2].certificate_der = test::fake_cert(batch[2].tbs_der);
    ASSERT_TRUE(m_store->finalize_batch(certs).ok());
    EXPECT_EQ(test::query_int(m_path, "SELECT COUNT(*) FROM certificates WHERE status = 'issued'"),
              static_cast<long long>(certs.size()));
    // Finalized rows are not pending any more: a second finalize_batch is a conflict.
    EXPECT_EQ(m_store->finalize_batch(certs).code(), Errc::store_conflict);
    EXPECT_EQ(m_store->list_pending("sub")->size(), 1u);

    // Size limit.
    std::vector<ca::PendingIssuance> huge(ca::k_max_store_batch + 1, batch.front());
    EXPECT_EQ(m_store->record_pending_batch(huge).code(), Errc::invalid_argument);
    EXPECT_TRUE(m_store->record_pending_batch({}).ok());
}

TEST_F(SqliteStoreTest, ReaderPaging) {
    for (std::uint64_t i = 0; i < 25; ++i) {
        const Bytes serial = test::serial_n(1000 + i);
        const auto p = test::pending_for("root", serial, "req-" + std::to_string(i));
        ASSERT_TRUE(m_store->record_pending(p).ok());
        if (i % 2 == 0) {
            ASSERT_TRUE(m_store->finalize("root", serial, test::fake_cert(p.tbs_der)).ok());
        }
    }
    ASSERT_TRUE(m_store->record_pending(test::pending_for("sub", test::serial_n(5), "other-ca")).ok());

    std::vector<std::string> seen;
    std::int64_t after = 0;
    std::vector<std::size_t> sizes;
    for (;;) {
        auto page = m_store->list_certificates("root", after, 10);
        ASSERT_TRUE(page.ok()) << page.error().to_string();
        sizes.push_back(page->records.size());
        for (const auto& r : page->records) {
            EXPECT_EQ(r.ca_id, "root");
            EXPECT_GT(r.id, after);
            seen.push_back(r.request_id);
        }
        if (!page->next_after_id) break;
        after = *page->next_after_id;
    }
    EXPECT_EQ(sizes, (std::vector<std::size_t>{10, 10, 5}));
    ASSERT_EQ(seen.size(), 25u);
    for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], "req-" + std::to_string(i));

    auto exact = m_store->list_certificates("sub", 0, 1);
    ASSERT_TRUE(exact.ok());
    EXPECT_EQ(exact->records.size(), 1u);
    EXPECT_FALSE(exact->next_after_id.has_value());
    EXPECT_EQ(m_store->list_certificates("root", 0, 0).code(), Errc::invalid_argument);
    EXPECT_EQ(m_store->list_certificates("root", 0, 1001).code(), Errc::invalid_argument);
    EXPECT_EQ(m_store->list_pending("root")->size(), 12u);
}

TEST_F(SqliteStoreTest, SchemaRefusesHalfWrittenRows) {
    // The CHECK constraints are the last line: an 'issued' row without a certificate cannot exist.
    EXPECT_EQ(test::query_text(m_path,
                               "INSERT INTO serials (ca_id, serial, created_at) VALUES ('root', 'aa', 0) RETURNING 1"),
              "1");
    EXPECT_EQ(test::query_text(m_path,
                               "INSERT INTO certificates (ca_id, serial, tbs_der, subject_dn, not_before, not_after,"
                               " status, profile_id, request_id, created_at, updated_at)"
                               " VALUES ('root', 'aa', x'3000', '', 0, 0, 'issued', 'p', 'r', 0, 0) RETURNING 1"),
              "<error>");
}

}  // namespace
}  // namespace yinxin::store
