// SqliteAuthStore: state survives reopening the file, and sponsored quotas are consumed atomically
// by threads on two connections to one file.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "auth_fixture.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::auth::testing {
namespace {

class StoreTest : public AuthFixture {};

TEST_F(StoreTest, EverythingPersistsAcrossReopen) {
    create("root.admin", "sec", Role::security_admin, "ra");
    create("root.admin", "ba.ra", Role::business_admin, "ra", Subsystem::ra);
    YX_ASSERT_OK(svc->create_org_node("ba.ra", node("b1", "ra", OrgKind::branch)));
    YX_ASSERT_OK(svc->create_org_node("ba.ra", node("ap1", "b1", OrgKind::acceptance_point, true, 7)));
    create("ba.ra", "op", Role::business_operator, "ap1");
    activate("op");
    YX_ASSERT_OK(svc->change_password("op", k_new_pw, "Hy6*qT2^cM"));
    passwords["op"] = "Hy6*qT2^cM";
    YX_ASSERT_OK(svc->designate_custodian("sec", "sec", true));
    LoginRequest wrong = cert_login("op");
    wrong.password = "Wrong#pw77x";
    YX_EXPECT_CODE(svc->login(wrong), Errc::auth_bad_credentials);
    EXPECT_EQ(svc->consume_quota("op", "ap1", 2).value().value, 5);
    const std::string token = svc->login(cert_login("op")).value().value.token;
    YX_EXPECT_CODE(svc->login(wrong), Errc::auth_bad_credentials);
    const std::string payload = "config v2";
    const Approval ap = svc->request_approval("sec", Action::config_change, as_bytes(payload)).value().value;
    create("root.admin", "gone", Role::system_maintainer, "ra");
    YX_ASSERT_OK(svc->deactivate_staff("root.admin", "gone"));
    const StaffRecord before = svc->find_staff("op").value().value();

    open();  // a new connection and a new service on the same file

    const StaffRecord after = svc->find_staff("op").value().value();
    EXPECT_EQ(after.display_name, before.display_name);
    EXPECT_EQ(after.role, Role::business_operator);
    EXPECT_EQ(after.subsystem, Subsystem::ra);
    EXPECT_EQ(after.org_node, "ap1");
    EXPECT_EQ(after.certificate_der, before.certificate_der);
    EXPECT_EQ(after.password.salt, before.password.salt);
    EXPECT_EQ(after.password.hash, before.password.hash);
    EXPECT_EQ(after.password.iterations, 10'000U);
    EXPECT_EQ(after.password.set_at, before.password.set_at);
    ASSERT_EQ(after.password_history.size(), 2U);
    EXPECT_EQ(after.password_history[0].hash, before.password_history[0].hash);
    EXPECT_EQ(after.password_history[1].salt, before.password_history[1].salt);
    EXPECT_EQ(after.failed_logins, 1U);
    EXPECT_FALSE(after.must_change_password);
    EXPECT_EQ(after.created_by, "ba.ra");
    EXPECT_TRUE(svc->find_staff("sec").value()->custodian);
    const StaffRecord gone = svc->find_staff("gone").value().value();
    EXPECT_FALSE(gone.active);
    EXPECT_EQ(gone.deactivated_at, clock.now());

    EXPECT_EQ(svc->authenticate(token).value().id, "op");
    YX_ASSERT_OK(svc->authorize("op", Action::ra_application_review, "ap1"));
    YX_EXPECT_CODE(svc->authorize("op", Action::ra_application_review, "b1"), Errc::auth_out_of_scope);
    EXPECT_EQ(store->find_org_node("ap1").value()->quota_remaining, 5);
    EXPECT_EQ(store->find_org_node("ap1").value()->parent_id, "b1");
    EXPECT_TRUE(store->find_org_node("ap1").value()->sponsored);
    EXPECT_EQ(store->find_org_node("ra").value()->kind, OrgKind::ra);

    const Approval stored = store->find_approval(ap.id).value().value();
    EXPECT_EQ(stored.kind, Action::config_change);
    EXPECT_EQ(stored.requester, "sec");
    EXPECT_EQ(stored.approvers, action_info(Action::config_change).approvers);
    EXPECT_EQ(stored.payload_hash, ap.payload_hash);
    EXPECT_EQ(stored.expires_at, ap.expires_at);
    YX_ASSERT_OK(svc->approve("root.admin", ap.id, ap.payload_hash));
    YX_ASSERT_OK(svc->execute_approved("sec", ap.id, as_bytes(payload)));
    EXPECT_EQ(store->staff().value().size(), 5U);

    // Bootstrapping twice is refused.
    OrgNode root = node("ra", "", OrgKind::ra);
    YX_EXPECT_CODE(svc->bootstrap(root, spec("sa2", Role::super_admin, "ra")), Errc::auth_duplicate);
}

TEST_F(StoreTest, CompareAndSetOnApprovals) {
    create("root.admin", "sec", Role::security_admin, "ra");
    const Approval ap = svc->request_approval("sec", Action::config_change, as_bytes(std::string("x"))).value().value;
    Approval a = ap;
    a.status = ApprovalStatus::approved;
    a.decided_by = "root.admin";
    YX_ASSERT_OK(store->update_approval(a, ApprovalStatus::pending));
    a.status = ApprovalStatus::rejected;
    YX_EXPECT_CODE(store->update_approval(a, ApprovalStatus::pending), Errc::store_conflict);
    EXPECT_EQ(store->find_approval(ap.id).value()->status, ApprovalStatus::approved);
}

TEST_F(StoreTest, QuotaIsConsumedAtomicallyUnderConcurrency) {
    create("root.admin", "ba.ra", Role::business_admin, "ra", Subsystem::ra);
    constexpr std::int64_t k_quota = 60;
    YX_ASSERT_OK(svc->create_org_node("ba.ra", node("ap1", "ra", OrgKind::acceptance_point, true, k_quota)));
    create("ba.ra", "op", Role::business_operator, "ap1");

    // A second connection to the same file, as a second server process would have.
    auto store2 = store::SqliteAuthStore::open((dir / "auth.db").string()).value();
    AuthService svc2(*store2, clock, rng, config());
    constexpr int k_threads = 8;
    constexpr int k_attempts = 12;  // 96 attempts for 60 certificates
    std::atomic<int> ok{0};
    std::atomic<int> exhausted{0};
    std::atomic<int> other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            AuthService& s = t % 2 == 0 ? *svc : svc2;
            for (int i = 0; i < k_attempts; ++i) {
                auto r = s.consume_quota("op", "ap1");
                if (r.ok())
                    ++ok;
                else if (r.code() == Errc::auth_quota_exhausted)
                    ++exhausted;
                else
                    ++other;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(ok.load(), k_quota);
    EXPECT_EQ(exhausted.load(), k_threads * k_attempts - k_quota);
    EXPECT_EQ(store->find_org_node("ap1").value()->quota_remaining, 0);
    EXPECT_EQ(store2->find_org_node("ap1").value()->quota_remaining, 0);
}

}  // namespace
}  // namespace yinxin::auth::testing
