// The audit log (src/audit, src/store/sqlite/audit_store.cpp): the hash chain, tamper detection
// through raw SQLite edits, signed checkpoints, concurrency and crash safety (LD/T 03-2022 §8.3.8).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "audit_test_util.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::audit {
namespace {

using store::SqliteAuditStore;
using testing::drop_protections;
using testing::event;
using testing::raw_exec;

class AuditTest : public ::testing::Test {
protected:
    void SetUp() override { reopen(); }
    void reopen() {
        m_log.reset();
        m_store.reset();
        auto s = SqliteAuditStore::open(m_path);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        m_store = std::move(s).value();
        AuditLogOptions o;
        o.clock = &m_clock;
        if (m_key.device) {
            o.device = m_key.device.get();
            o.key_index = m_key.index;
        }
        m_log = std::make_unique<AuditLog>(*m_store, o);
    }
    // Closes our connection so raw edits see a quiet file.
    void close() {
        m_log.reset();
        m_store.reset();
    }
    void append_n(int n) {
        for (int i = 1; i <= n; ++i) {
            m_clock.advance(std::chrono::seconds(1));
            auto r = m_log->append(event(i));
            ASSERT_TRUE(r.ok()) << r.error().to_string();
        }
    }
    VerifyReport verify_now(const VerifyOptions& o = {}) {
        if (!m_store) reopen();
        auto r = audit::verify(*m_store, o);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return r.ok() ? std::move(r).value() : VerifyReport{};
    }
    AuditRecord record(std::uint64_t seq) {
        auto r = m_store->read_range(seq, 1);
        EXPECT_TRUE(r.ok() && r->size() == 1);
        return r.ok() && !r->empty() ? r->front() : AuditRecord{};
    }

    test::ScratchDir m_dir;
    std::string m_path = (m_dir / "store.db").string();
    FixedClock m_clock{from_unix(1'700'000'000)};
    testing::AuditKey m_key;
    std::unique_ptr<SqliteAuditStore> m_store;
    std::unique_ptr<AuditLog> m_log;
};

TEST(AuditEncoding, CanonicalLayoutIsAsDocumented) {
    AuditRecord r;
    r.seq = 0x0102;
    r.time = from_unix_ms(1000);
    r.source = "s";
    r.actor = "ab";
    r.role = "";
    r.action = "x.y";
    r.target = "";
    r.detail = "";
    r.success = false;
    r.error_code = 7003;
    const std::string expected_hex =
        "5958415544495431"  // "YXAUDIT1"
        "0000000000000102"  // seq
        "00000000000003e8"  // time, ms
        "0000000173"        // source "s"
        "000000026162"      // actor "ab"
        "00000000"          // role ""
        "00000003782e79"    // action "x.y"
        "00000000"          // target ""
        "00000000"          // detail ""
        "00"                // failure
        "00001b5b";         // error code 7003
    EXPECT_EQ(hex_encode(canonical_encoding(r)), expected_hex);

    r.prev_hash = Bytes(32, 0xab);
    Bytes input = r.prev_hash;
    const Bytes enc = canonical_encoding(r);
    input.insert(input.end(), enc.begin(), enc.end());
    const auto d = crypto::sm3(input);
    EXPECT_EQ(compute_record_hash(r), Bytes(d.begin(), d.end()));

    // Length prefixes keep field boundaries: moving a byte between fields changes the encoding.
    AuditRecord moved = r;
    moved.source = "sa";
    moved.actor = "b";
    EXPECT_NE(canonical_encoding(moved), canonical_encoding(r));
}

TEST(AuditEncoding, ActionNames) {
    EXPECT_TRUE(validate_action("ca.issue").ok());
    EXPECT_TRUE(validate_action("device.key.access_granted").ok());
    for (const char* bad : {"", "ca", "ca.", ".issue", "ca..issue", "CA.issue", "ca.issue ", "ca-issue"})
        EXPECT_EQ(validate_action(bad).code(), Errc::audit_bad_event) << bad;
}

TEST_F(AuditTest, AppendChainsAndVerifies) {
    append_n(5);
    auto last = m_store->last();
    ASSERT_TRUE(last.ok() && last->has_value());
    EXPECT_EQ((*last)->seq, 5u);
    Bytes prev(32, 0);
    for (std::uint64_t s = 1; s <= 5; ++s) {
        const AuditRecord r = record(s);
        EXPECT_EQ(r.seq, s);
        EXPECT_EQ(r.prev_hash, prev);
        EXPECT_EQ(r.record_hash, compute_record_hash(r));
        EXPECT_EQ(r.time, from_unix(1'700'000'000 + static_cast<long long>(s)));
        prev = r.record_hash;
    }
    const VerifyReport rep = verify_now();
    EXPECT_TRUE(rep.intact()) << rep.findings.front().message;
    EXPECT_EQ(rep.records, 5u);
    EXPECT_EQ(rep.head_seq, 5u);
    EXPECT_EQ(rep.unanchored, 5u);
}

TEST_F(AuditTest, FailedOperationsAreRecordedWithTheirCode) {
    AuditEvent e = event(1);
    e.failed(make_error(Errc::device_wrong_pin, "wrong PIN for key 3"));
    auto r = m_log->append(e);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const AuditRecord stored = record(1);
    EXPECT_FALSE(stored.success);
    EXPECT_EQ(stored.error_code, 7012u);
    EXPECT_NE(stored.detail.find("device.wrong_pin"), std::string::npos);
}

TEST_F(AuditTest, BadEventsAreRefusedAndWriteNothing) {
    AuditEvent e = event(1);
    e.action = "Issue";
    EXPECT_EQ(m_log->append(e).code(), Errc::audit_bad_event);
    e = event(1);
    e.detail.assign(k_max_field_len + 1, 'x');
    EXPECT_EQ(m_log->append(e).code(), Errc::audit_bad_event);
    e = event(1);
    e.error_code = 42;  // success with an error code
    EXPECT_EQ(m_log->append(e).code(), Errc::audit_bad_event);
    auto last = m_store->last();
    ASSERT_TRUE(last.ok());
    EXPECT_FALSE(last->has_value());
}

TEST_F(AuditTest, StoreRefusesARecordThatDoesNotExtendTheHead) {
    append_n(2);
    AuditRecord r = record(2);
    r.seq = 3;  // prev_hash still that of record 1
    r.record_hash = compute_record_hash(r);
    EXPECT_EQ(m_store->append(r).code(), Errc::audit_conflict);
    r.seq = 2;
    EXPECT_EQ(m_store->append(r).code(), Errc::audit_conflict);
}

TEST_F(AuditTest, TriggersRefuseUpdateAndDelete) {
    append_n(3);
    close();
    EXPECT_FALSE(raw_exec(m_path, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"));
    EXPECT_FALSE(raw_exec(m_path, "DELETE FROM audit_log WHERE seq = 2"));
    EXPECT_TRUE(verify_now().intact());
}

TEST_F(AuditTest, EditedFieldIsNamed) {
    append_n(5);
    close();
    ASSERT_TRUE(drop_protections(m_path));
    ASSERT_TRUE(raw_exec(m_path, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"));
    const VerifyReport rep = verify_now();
    ASSERT_FALSE(rep.intact());
    EXPECT_EQ(rep.findings[0].kind, FindingKind::edited);
    EXPECT_EQ(rep.findings[0].seq, 3u);
    EXPECT_EQ(rep.findings[0].row_id, 3);
    EXPECT_NE(rep.findings[0].message.find("record 3"), std::string::npos) << rep.findings[0].message;
}

TEST_F(AuditTest, EditedResultFlagIsNamed) {
    append_n(4);
    close();
    ASSERT_TRUE(drop_protections(m_path));
    ASSERT_TRUE(raw_exec(m_path, "UPDATE audit_log SET success = 0, error_code = 7012 WHERE seq = 2"));
    const VerifyReport rep = verify_now();
    ASSERT_FALSE(rep.intact());
    EXPECT_EQ(rep.findings[0].kind, FindingKind::edited);
    EXPECT_EQ(rep.findings[0].seq, 2u);
}

TEST_F(AuditTest, EditWithRecomputedHashIsNamed) {
    append_n(5);
    AuditRecord r = record(3);
    close();
    r.actor = "mallory";
    r.record_hash = compute_record_hash(r);  // the format is public: the forger recomputes
    ASSERT_TRUE(drop_protections(m_path));
    ASSERT_TRUE(raw_exec(m_path, "UPDATE audit_log SET actor = 'mallory', record_hash = " +
                                     testing::sql_blob(r.record_hash) + " WHERE seq = 3"));
    const VerifyReport rep = verify_now();
    ASSERT_FALSE(rep.intact());
    EXPECT_EQ(rep.findings[0].kind, FindingKind::edited);
    EXPECT_EQ(rep.findings[0].seq, 3u);
    EXPECT_EQ(rep.findings[0].row_id, 3);
}

TEST_F(AuditTest, DeletedRowIsNamed) {
    append_n(5);
    close();
    ASSERT_TRUE(drop_protections(m_path));
    ASSERT_TRUE(raw_exec(m_path, "DELETE FROM audit_log WHERE seq = 3"));
    const VerifyReport rep = verify_now();
    ASSERT_FALSE(rep.intact());
    EXPECT_EQ(rep.findings[0].kind, FindingKind::deleted);
    EXPECT_EQ(rep.findings[0].seq, 3u);
    EXPECT_NE(rep.findings[0].message.find("record 3 missing"), std::string::npos) << rep.findings[0].message;
}

TEST_F(AuditTest, DeletedRowWithRenumberedSuccessorsIsNamed) {
    append_n(5);
    close();
    ASSERT_TRUE(drop_protections(m_path));
    ASSERT_TRUE(
        raw_exec(m_path, "DELETE FROM audit_log WHERE seq = 3; UPDATE audit_log SET seq = seq - 1 WHERE seq > 3"));
    const VerifyReport rep = verify_now();
    ASSERT_FALSE(rep.intact());
    EXPECT_EQ(rep.findings[0].kind, FindingKind::deleted);
    EXPECT_EQ(rep.findings[0].seq, 3u);
}

TEST_F(AuditTest, SwappedRowsAreNamed) {
    append_n(5);
    close();
    ASSERT_TRUE(drop_protections(m_path));
    // Swap every column but the row id between rows 2 and 4.
    ASSERT_TRUE(raw_exec(
        m_path,
        "CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE id IN (2, 4);"
        "UPDATE audit_log SET (seq, time_ms, source, actor, role, action, target, detail, success, error_code, "
        "prev_hash, record_hash) = (SELECT seq, time_ms, source, actor, role, action, target, detail, success, "
        "error_code, prev_hash, record_hash FROM t WHERE t.id = 6 - audit_log.id) WHERE id IN (2, 4);"));
    const VerifyReport rep = verify_now();
    ASSERT_FALSE(rep.intact());
    EXPECT_EQ(rep.findings[0].kind, FindingKind::reordered);
    EXPECT_EQ(rep.findings[0].row_id, 2);
    EXPECT_EQ(rep.findings[0].seq, 4u);
    EXPECT_NE(rep.findings[0].message.find("record 2 is at row id 4"), std::string::npos) << rep.findings[0].message;
}

TEST_F(AuditTest, ForgedDuplicateIsNamed) {
    append_n(5);
    // A well-formed forgery claiming to be record 3, chained to record 2, stored at the end.
    AuditRecord forged = record(3);
    forged.actor = "mallory";
    forged.prev_hash = record(2).record_hash;
    forged.record_hash = compute_record_hash(forged);
    close();
    ASSERT_TRUE(drop_protections(m_path));
    ASSERT_TRUE(raw_exec(m_path, testing::insert_sql(forged, 6)));
    const VerifyReport rep = verify_now();
    ASSERT_FALSE(rep.intact());
    EXPECT_EQ(rep.findings[0].kind, FindingKind::inserted);
    EXPECT_EQ(rep.findings[0].row_id, 6);
    EXPECT_EQ(rep.findings[0].seq, 3u);
}

TEST_F(AuditTest, ForgedRowSlippedIntoTheMiddleIsNamed) {
    append_n(5);
    AuditRecord forged = record(3);
    forged.actor = "mallory";
    forged.prev_hash = record(2).record_hash;
    forged.record_hash = compute_record_hash(forged);
    close();
    ASSERT_TRUE(drop_protections(m_path));
    // Make room at row id 3 / seq 3: shift every later row up by one, then insert the forgery.
    ASSERT_TRUE(raw_exec(m_path,
                         "UPDATE audit_log SET id = -id WHERE id >= 3;"
                         "UPDATE audit_log SET id = 1 - id, seq = seq + 1 WHERE id < 0;" +
                             testing::insert_sql(forged, 3)));
    const VerifyReport rep = verify_now();
    ASSERT_FALSE(rep.intact());
    EXPECT_EQ(rep.findings[0].kind, FindingKind::inserted);
    EXPECT_EQ(rep.findings[0].row_id, 3);
    EXPECT_EQ(rep.findings[0].seq, 3u);
}

TEST_F(AuditTest, CheckpointIsSignedWithTheDeviceKey) {
    m_key = testing::make_audit_key((m_dir / "device.db").string());
    reopen();
    append_n(3);
    auto cp = m_log->checkpoint();
    ASSERT_TRUE(cp.ok()) << cp.error().to_string();
    EXPECT_EQ(cp->seq, 3u);
    EXPECT_EQ(cp->record_hash, record(3).record_hash);
    EXPECT_EQ(cp->public_key, m_key.public_key);
    // Independently: an SM2 signature with the default ID over the documented TBS.
    auto pub = crypto::Sm2PublicKey::from_spki_der(m_key.public_key);
    ASSERT_TRUE(pub.ok());
    EXPECT_TRUE(crypto::sm2_verify(*pub, checkpoint_tbs(*cp), cp->signature, crypto::k_default_sm2_id).ok());
    append_n(2);

    auto rep = m_log->verify();
    ASSERT_TRUE(rep.ok()) << rep.error().to_string();
    EXPECT_TRUE(rep->intact()) << rep->findings.front().message;
    EXPECT_TRUE(rep->key_pinned);
    EXPECT_EQ(rep->checkpoints, 1u);
    EXPECT_EQ(rep->anchored_seq, 3u);
    EXPECT_EQ(rep->unanchored, 2u);
}

TEST_F(AuditTest, CheckpointNeedsAKeyAndRecords) {
    EXPECT_EQ(m_log->checkpoint().code(), Errc::audit_no_key);
    m_key = testing::make_audit_key((m_dir / "device.db").string());
    reopen();
    EXPECT_EQ(m_log->checkpoint().code(), Errc::invalid_argument);
}

TEST_F(AuditTest, TamperedCheckpointIsDetected) {
    m_key = testing::make_audit_key((m_dir / "device.db").string());
    reopen();
    append_n(3);
    ASSERT_TRUE(m_log->checkpoint().ok());
    VerifyOptions pinned;
    pinned.trusted_public_key = m_key.public_key;
    close();
    ASSERT_TRUE(drop_protections(m_path));
    // Move the signed head back to record 2 without re-signing.
    ASSERT_TRUE(raw_exec(m_path, "UPDATE audit_checkpoints SET seq = 2"));
    const VerifyReport rep = verify_now(pinned);
    ASSERT_EQ(rep.findings.size(), 1u);
    EXPECT_EQ(rep.findings[0].kind, FindingKind::bad_checkpoint);
    EXPECT_EQ(rep.findings[0].checkpoint_id, 1);
    EXPECT_EQ(rep.checkpoints, 0u);
    // The same without a pinned key: the stored key still catches a change the forger did not re-sign.
    EXPECT_EQ(verify_now().findings.at(0).kind, FindingKind::bad_checkpoint);
}

TEST_F(AuditTest, CheckpointResignedByAnotherKeyIsCaughtOnlyWithThePinnedKey) {
    m_key = testing::make_audit_key((m_dir / "device.db").string());
    reopen();
    append_n(3);
    ASSERT_TRUE(m_log->checkpoint().ok());
    auto cps = m_store->checkpoints();
    ASSERT_TRUE(cps.ok() && cps->size() == 1);
    // The forger signs with a key of their own and stores it alongside.
    auto forger_key = crypto::Sm2PrivateKey::generate();
    ASSERT_TRUE(forger_key.ok());
    AuditCheckpoint c = cps->front();
    c.public_key = forger_key->public_key().spki_der();
    auto sig = crypto::sm2_sign(*forger_key, checkpoint_tbs(c));
    ASSERT_TRUE(sig.ok());
    close();
    ASSERT_TRUE(drop_protections(m_path));
    ASSERT_TRUE(raw_exec(m_path, "UPDATE audit_checkpoints SET public_key = " + testing::sql_blob(c.public_key) +
                                     ", signature = " + testing::sql_blob(*sig)));
    const VerifyReport unpinned = verify_now();
    EXPECT_TRUE(unpinned.intact());
    EXPECT_FALSE(unpinned.key_pinned);
    VerifyOptions pinned;
    pinned.trusted_public_key = m_key.public_key;
    const VerifyReport rep = verify_now(pinned);
    ASSERT_FALSE(rep.intact());
    EXPECT_EQ(rep.findings[0].kind, FindingKind::bad_checkpoint);
}

TEST_F(AuditTest, RewrittenChainIsCaughtByTheCheckpoint) {
    m_key = testing::make_audit_key((m_dir / "device.db").string());
    reopen();
    append_n(4);
    ASSERT_TRUE(m_log->checkpoint().ok());
    // The forger edits record 2 and recomputes every later hash: the chain alone looks intact.
    std::vector<AuditRecord> rs;
    for (std::uint64_t s = 1; s <= 4; ++s) rs.push_back(record(s));
    rs[1].actor = "mallory";
    for (std::size_t i = 1; i < rs.size(); ++i) {
        rs[i].prev_hash = rs[i - 1].record_hash;
        rs[i].record_hash = compute_record_hash(rs[i]);
    }
    const Bytes pub = m_key.public_key;
    close();
    ASSERT_TRUE(drop_protections(m_path));
    std::string sql = "DELETE FROM audit_log WHERE seq >= 2;";
    for (std::size_t i = 1; i < rs.size(); ++i) sql += testing::insert_sql(rs[i], rs[i].row_id) + ";";
    ASSERT_TRUE(raw_exec(m_path, sql));
    VerifyOptions pinned;
    pinned.trusted_public_key = pub;
    const VerifyReport rep = verify_now(pinned);
    ASSERT_EQ(rep.findings.size(), 1u);
    EXPECT_EQ(rep.findings[0].kind, FindingKind::checkpoint_mismatch);
    EXPECT_EQ(rep.findings[0].seq, 4u);
    EXPECT_EQ(rep.findings[0].row_id, 4);
}

TEST_F(AuditTest, TruncationBelowACheckpointIsCaught) {
    m_key = testing::make_audit_key((m_dir / "device.db").string());
    reopen();
    append_n(4);
    ASSERT_TRUE(m_log->checkpoint().ok());
    close();
    ASSERT_TRUE(drop_protections(m_path));
    ASSERT_TRUE(raw_exec(m_path, "DELETE FROM audit_log WHERE seq >= 3"));
    const VerifyReport rep = verify_now();
    ASSERT_EQ(rep.findings.size(), 1u);
    EXPECT_EQ(rep.findings[0].kind, FindingKind::checkpoint_mismatch);
    EXPECT_EQ(rep.findings[0].seq, 4u);
    EXPECT_NE(rep.findings[0].message.find("missing"), std::string::npos);
}

TEST_F(AuditTest, ConcurrentAppendersKeepOneChain) {
    // Two connections (as two processes would have), two threads on each.
    auto second = SqliteAuditStore::open(m_path);
    ASSERT_TRUE(second.ok());
    AuditLog other(**second, AuditLogOptions{});
    constexpr int k_per_thread = 25;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        AuditLog* log = t % 2 ? &other : m_log.get();
        threads.emplace_back([log, t] {
            for (int i = 0; i < k_per_thread; ++i) {
                AuditEvent e = event(i);
                e.actor = "thread-" + std::to_string(t);
                auto r = log->append(e);
                ASSERT_TRUE(r.ok()) << r.error().to_string();
            }
        });
    }
    for (auto& th : threads) th.join();
    const VerifyReport rep = verify_now();
    EXPECT_TRUE(rep.intact()) << rep.findings.front().message;
    EXPECT_EQ(rep.records, 4u * k_per_thread);
    EXPECT_EQ(rep.head_seq, 4u * k_per_thread);
}

TEST_F(AuditTest, KilledAppenderLeavesAnIntactChain) {
    close();
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // Child: append until killed. No gtest assertions here.
        auto s = SqliteAuditStore::open(m_path);
        if (!s.ok()) _exit(3);
        AuditLog log(**s, AuditLogOptions{});
        for (int i = 0;; ++i) {
            if (!log.append(event(i)).ok()) _exit(4);
        }
    }
    // Kill at a point that is certainly inside some append: after the first records exist.
    std::uint64_t seen = 0;
    for (int tries = 0; tries < 500 && seen < 20; ++tries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        auto s = SqliteAuditStore::open(m_path);
        if (!s.ok()) continue;
        auto last = (*s)->last();
        if (last.ok() && last->has_value()) seen = (*last)->seq;
    }
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "appender exited early with " << WEXITSTATUS(status);
    reopen();
    const VerifyReport rep = verify_now();
    EXPECT_TRUE(rep.intact()) << rep.findings.front().message;
    EXPECT_GE(rep.records, 20u);
    // And the log goes on from where the killed process left it.
    auto r = m_log->append(event(1));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->seq, rep.head_seq + 1);
    EXPECT_TRUE(verify_now().intact());
}

TEST_F(AuditTest, ReadRangeAndScan) {
    append_n(7);
    auto page = m_store->read_range(3, 2);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].seq, 3u);
    EXPECT_EQ((*page)[1].seq, 4u);
    auto scan = m_store->scan(5, 100);
    ASSERT_TRUE(scan.ok());
    ASSERT_EQ(scan->size(), 2u);
    EXPECT_EQ((*scan)[0].row_id, 6);
}

}  // namespace
}  // namespace yinxin::audit
