// The publication queue in the SQLite store (migration 0006): triggers queue an issued
// certificate, a new CA and a new CRL in the transaction that writes it, one row per enabled
// target; a new target is backfilled with the CA certificates and the newest CRLs; rows keep their
// order behind one that waits for a retry; the state changes refuse what is not pending; the
// back-off doubles up to its cap; migration 6 is applied to a file already at 7.
#include <gtest/gtest.h>

#include "publish/publish_test_util.h"
#include "yinxin/sqlite/database.h"

namespace yinxin::publish::test {
namespace {

Target callback(const std::string& id, bool enabled = true) {
    return Target{.id = id,
                  .kind = TargetKind::callback,
                  .config = R"({"url":"http://127.0.0.1:9/x","timeout_seconds":1})",
                  .enabled = enabled};
}

class PublicationQueueTest : public PublishFixture {};

TEST_F(PublicationQueueTest, TriggersQueueEachObjectForEachEnabledTarget) {
    ASSERT_TRUE(m_queue->add_target(callback("on")).ok());
    ASSERT_TRUE(m_queue->add_target(callback("off", false)).ok());
    EXPECT_EQ(rows("on").size(), 3u);
    EXPECT_TRUE(rows("off").empty());

    const auto [serial, der] = issue("q-1", "Wu Shi");
    auto on = rows("on");
    ASSERT_EQ(on.size(), 4u);
    EXPECT_EQ(on[3].object_kind, ObjectKind::certificate);
    EXPECT_EQ(on[3].ca_id, "demo-sub");
    EXPECT_EQ(on[3].state, ItemState::pending);
    EXPECT_EQ(on[3].next_attempt_at, 0);
    auto obj = m_queue->load(on[3]);
    ASSERT_TRUE(obj.ok()) << obj.error().to_string();
    EXPECT_EQ(obj->der, der);
    EXPECT_EQ(obj->serial, serial);
    EXPECT_EQ(obj->request_id, "q-1");
    EXPECT_FALSE(obj->opted_out);
    EXPECT_EQ(obj->ca_certificate_der, ca_der("demo-sub"));

    auto svc = status_service();
    const ca::CrlRecord crl = revoke(svc, serial);
    on = rows("on");
    ASSERT_EQ(on.size(), 5u);
    EXPECT_EQ(on[4].object_kind, ObjectKind::crl);
    obj = m_queue->load(on[4]);
    ASSERT_TRUE(obj.ok());
    EXPECT_EQ(obj->der, crl.der);
    EXPECT_EQ(obj->crl_number, crl.number);
    EXPECT_EQ(obj->scope, ca::CrlScope::full);
    EXPECT_FALSE(obj->delta_base);

    // An opt-out recorded after issuance still counts at delivery time.
    ASSERT_TRUE(m_queue->add_opt_out({.ca_id = "demo-sub", .serial = serial, .request_id = "", .reason = "x"}).ok());
    EXPECT_TRUE(m_queue->load(on[3])->opted_out);
    EXPECT_EQ(m_queue->add_opt_out({.ca_id = "demo-sub", .serial = serial, .request_id = "", .reason = "x"}).code(),
              Errc::store_conflict);
    EXPECT_EQ(m_queue->add_opt_out({.ca_id = "demo-sub", .serial = serial, .request_id = "r", .reason = "x"}).code(),
              Errc::invalid_argument);
    EXPECT_EQ(m_queue->add_opt_out({.ca_id = "demo-sub", .serial = {}, .request_id = "", .reason = "x"}).code(),
              Errc::invalid_argument);

    // A disabled target gets nothing new; enabled again, it does.
    ASSERT_TRUE(m_queue->set_target_enabled("on", false).ok());
    issue("q-2", "Zheng Shiyi");
    EXPECT_EQ(rows("on").size(), 5u);
    ASSERT_TRUE(m_queue->set_target_enabled("off", true).ok());
    issue("q-3", "Wang Shier");
    EXPECT_EQ(rows("off").size(), 1u);
    EXPECT_EQ(m_queue->set_target_enabled("nope", true).code(), Errc::store_not_found);

    // A new CA (key changeover) is queued as a CA certificate.
    auto ctx = context();
    auto rolled = ca::rollover("demo-root", "demo-root-2", ctx, demo_config().publication);
    ASSERT_TRUE(rolled.ok()) << rolled.error().to_string();
    const auto off = rows("off");
    EXPECT_TRUE(std::any_of(off.begin(), off.end(), [](const QueueItem& r) {
        return r.object_kind == ObjectKind::ca_certificate && r.ca_id == "demo-root-2";
    }));
}

TEST_F(PublicationQueueTest, NewTargetGetsTheCaCertificatesAndTheNewestCrls) {
    auto svc = status_service();
    ASSERT_TRUE(svc.issue_crl("demo-sub").ok());
    auto newest = svc.issue_crl("demo-sub");
    ASSERT_TRUE(newest.ok());
    auto arl = svc.issue_arl("demo-root");
    ASSERT_TRUE(arl.ok());
    issue("before", "Feng Shisan");  // issued before the target: not backfilled

    ASSERT_TRUE(m_queue->add_target(callback("late")).ok());
    const auto r = rows("late");
    ASSERT_EQ(r.size(), 5u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(r[i].object_kind, ObjectKind::ca_certificate);
    EXPECT_EQ(r[0].ca_id, "demo-root");  // parents first
    std::vector<std::pair<std::string, std::uint64_t>> crls;
    for (std::size_t i = 3; i < 5; ++i) {
        ASSERT_EQ(r[i].object_kind, ObjectKind::crl);
        auto o = m_queue->load(r[i]);
        ASSERT_TRUE(o.ok());
        crls.emplace_back(std::string(ca::crl_scope_name(o->scope)) + ":" + o->ca_id, o->crl_number);
    }
    EXPECT_NE(std::find(crls.begin(), crls.end(), std::make_pair(std::string("full:demo-sub"), newest->number)),
              crls.end());
    EXPECT_NE(std::find(crls.begin(), crls.end(), std::make_pair(std::string("arl:demo-root"), arl->number)),
              crls.end());

    EXPECT_EQ(m_queue->add_target(callback("late")).code(), Errc::store_conflict);
    EXPECT_EQ(m_queue->add_target(callback("no spaces")).code(), Errc::invalid_argument);
    EXPECT_EQ(m_queue->add_target(callback("")).code(), Errc::invalid_argument);
}

TEST_F(PublicationQueueTest, OrderIsKeptBehindARowWaitingForItsRetry) {
    ASSERT_TRUE(m_queue->add_target(callback("t")).ok());
    const std::int64_t now = to_unix(m_clock.now());
    auto due = m_queue->next_due("t", now, 10);
    ASSERT_TRUE(due.ok());
    ASSERT_EQ(due->size(), 3u);
    ASSERT_TRUE(m_queue->mark_failed((*due)[0].id, "[17002 publish.unreachable] down", now + 100).ok());
    EXPECT_TRUE(m_queue->next_due("t", now, 10)->empty());
    EXPECT_EQ(m_queue->next_due("t", now + 100, 10)->size(), 3u);
    EXPECT_EQ(m_queue->next_due("t", now, 0).code(), Errc::invalid_argument);

    ASSERT_TRUE(m_queue->mark_done((*due)[1].id, now).ok());
    EXPECT_EQ(m_queue->mark_done((*due)[1].id, now).code(), Errc::store_conflict);
    EXPECT_EQ(m_queue->mark_failed((*due)[1].id, "x", now).code(), Errc::store_conflict);
    ASSERT_TRUE(m_queue->mark_skipped((*due)[2].id, "operator", now).ok());
    auto all = rows("t");
    EXPECT_EQ(all[0].attempts, 1);
    EXPECT_EQ(all[0].last_error, "[17002 publish.unreachable] down");
    EXPECT_EQ(all[1].state, ItemState::done);
    EXPECT_EQ(all[1].done_at, std::optional<std::int64_t>(now));
    EXPECT_EQ(all[2].state, ItemState::skipped);
    EXPECT_EQ(all[2].last_error, "operator");

    // An operator's retry: due now, in its old place.
    ASSERT_TRUE(m_queue->requeue(all[0].id).ok());
    ASSERT_TRUE(m_queue->requeue(all[2].id).ok());
    due = m_queue->next_due("t", now, 10);
    ASSERT_EQ(due->size(), 2u);
    EXPECT_EQ((*due)[0].id, all[0].id);
    EXPECT_EQ((*due)[1].id, all[2].id);
    EXPECT_EQ(m_queue->requeue(999999).code(), Errc::store_not_found);

    auto counts = m_queue->counts();
    ASSERT_TRUE(counts.ok());
    std::map<std::string, std::int64_t> by_state;
    for (const auto& c : *counts) by_state[std::string(item_state_name(c.state))] += c.count;
    EXPECT_EQ(by_state["pending"], 2);
    EXPECT_EQ(by_state["done"], 1);
}

TEST(Backoff, DoublesFromTheBaseUpToTheCap) {
    PublisherOptions o;  // 5 s, capped at 5 min
    EXPECT_EQ(backoff_delay(1, o).count(), 5);
    EXPECT_EQ(backoff_delay(2, o).count(), 10);
    EXPECT_EQ(backoff_delay(3, o).count(), 20);
    EXPECT_EQ(backoff_delay(6, o).count(), 160);
    EXPECT_EQ(backoff_delay(7, o).count(), 300);
    EXPECT_EQ(backoff_delay(1000, o).count(), 300);
    EXPECT_EQ(backoff_delay(0, o).count(), 5);
}

// Migration 6 was numbered after 7 was released: a file at 7 (or 8) without 6 gets it.
TEST(PublicationMigration, AppliedToAFileAlreadyPastIt) {
    yinxin::test::ScratchDir dir;
    const std::string path = dir.file("store.db");
    {
        auto st = store::SqlitePublicationStore::open(path);
        ASSERT_TRUE(st.ok()) << st.error().to_string();
    }
    {
        auto db = yinxin::sqlite::Database::open(path, {});
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db->exec("DROP TRIGGER publication_on_certificate; DROP TRIGGER publication_on_crl; "
                             "DROP TRIGGER publication_on_ca; DROP TABLE publication_queue; "
                             "DROP TABLE publication_opt_outs; DROP TABLE publication_targets; "
                             "DELETE FROM schema_migrations WHERE version = 6")
                        .ok());
    }
    auto st = store::SqlitePublicationStore::open(path);
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    EXPECT_TRUE((*st)->list_targets().ok());
    auto db = yinxin::sqlite::Database::open(path, {});
    ASSERT_TRUE(db.ok());
    auto q = db->prepare("SELECT COUNT(*) FROM schema_migrations WHERE version = 6");
    ASSERT_TRUE(q.ok());
    ASSERT_TRUE(q->step().value());
    EXPECT_EQ(q->column_int(0), 1);
}

}  // namespace
}  // namespace yinxin::publish::test
