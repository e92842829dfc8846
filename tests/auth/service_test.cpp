// AuthService against a real SQLite store: deactivation, organisation scope, passwords through the
// service (history, expiry), lockout, sessions, password + certificate login with a real SM2 key,
// two-person approvals, maker-checker and custodian exclusivity.
#include <gtest/gtest.h>

#include <algorithm>

#include "auth_fixture.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/device/custodian.h"

namespace yinxin::auth::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

Bytes sm3_of(std::string_view s) {
    const auto d = crypto::sm3(as_bytes(s));
    return {d.begin(), d.end()};
}

class ServiceTest : public AuthFixture {
protected:
    // ra ─┬─ b1 ─┬─ ap1 (sponsored, quota 3)
    //     │      └─ ap2
    //     ├─ b2 ─── ap3
    //     └─ ap0
    void build_tree() {
        create("root.admin", "ba.ra", Role::business_admin, "ra", Subsystem::ra);
        YX_ASSERT_OK(svc->create_org_node("ba.ra", node("b1", "ra", OrgKind::branch)));
        YX_ASSERT_OK(svc->create_org_node("ba.ra", node("b2", "ra", OrgKind::branch)));
        YX_ASSERT_OK(svc->create_org_node("ba.ra", node("ap1", "b1", OrgKind::acceptance_point, true, 3)));
        YX_ASSERT_OK(svc->create_org_node("ba.ra", node("ap2", "b1", OrgKind::acceptance_point)));
        YX_ASSERT_OK(svc->create_org_node("ba.ra", node("ap3", "b2", OrgKind::acceptance_point)));
        YX_ASSERT_OK(svc->create_org_node("root.admin", node("ap0", "ra", OrgKind::acceptance_point)));
    }
};

// ------------------------------------------------------------------------------ deactivation

TEST_F(ServiceTest, DeactivationRemovesEveryPermissionAtOnce) {
    create("root.admin", "ba.ra", Role::business_admin, "ra", Subsystem::ra);
    create("ba.ra", "op", Role::business_operator, "ra");
    activate("op");
    auto login = svc->login(cert_login("op"));
    YX_ASSERT_OK(login);
    const std::string token = login->value.token;
    YX_ASSERT_OK(svc->authenticate(token));
    YX_ASSERT_OK(svc->authorize("op", Action::ra_application_review, "ra"));

    auto ev = svc->deactivate_staff("ba.ra", "op");
    YX_ASSERT_OK(ev);
    EXPECT_EQ(ev->action, "staff.deactivate");
    EXPECT_EQ(ev->actor, "ba.ra");
    EXPECT_EQ(ev->role, "business_admin");
    EXPECT_EQ(ev->target, "op");

    // §8.3.3 h: every path is closed immediately.
    YX_EXPECT_CODE(svc->authenticate(token), Errc::auth_session_invalid);
    EXPECT_FALSE(store->find_session(sm3_of(token)).value().has_value());
    for (const ActionInfo& a : action_table())
        YX_EXPECT_CODE(svc->authorize("op", a.action, "ra"), Errc::auth_inactive);
    YX_EXPECT_CODE(svc->login(cert_login("op")), Errc::auth_bad_credentials);
    YX_EXPECT_CODE(svc->create_staff("op", spec("app.x", Role::applicant, "ra")), Errc::auth_inactive);
    YX_EXPECT_CODE(svc->deactivate_staff("ba.ra", "op"), Errc::auth_inactive);
    // A stale record written back cannot revive the member.
    StaffRecord stale = svc->find_staff("op").value().value();
    stale.failed_logins = 2;
    YX_ASSERT_OK(store->update_staff(stale));
    EXPECT_FALSE(svc->find_staff("op").value()->active);
}

// ------------------------------------------------------------------------------ organisation

TEST_F(ServiceTest, ScopeCoversOwnNodeAndDescendantsOnly) {
    build_tree();
    create("ba.ra", "op.b1", Role::business_operator, "b1");
    create("ba.ra", "op.ap1", Role::business_operator, "ap1");
    create("ba.ra", "op.ra", Role::business_operator, "ra");
    const auto review = Action::ra_application_review;
    for (const char* n : {"b1", "ap1", "ap2"}) YX_ASSERT_OK(svc->authorize("op.b1", review, n));
    for (const char* n : {"ra", "b2", "ap3", "ap0", "nowhere"})
        YX_EXPECT_CODE(svc->authorize("op.b1", review, n), Errc::auth_out_of_scope);
    YX_ASSERT_OK(svc->authorize("op.ap1", review, "ap1"));
    for (const char* n : {"ap2", "b1", "ra", "ap3"})  // sibling, parent, root, cousin
        YX_EXPECT_CODE(svc->authorize("op.ap1", review, n), Errc::auth_out_of_scope);
    for (const char* n : {"ra", "b1", "b2", "ap0", "ap1", "ap2", "ap3"})
        YX_ASSERT_OK(svc->authorize("op.ra", review, n));
    // Scoped actions need the object's node; unscoped ones ignore it.
    YX_EXPECT_CODE(svc->authorize("op.ra", review, ""), Errc::auth_bad_request);
    EXPECT_TRUE(svc->covers("b1", "ap2").value());
    EXPECT_FALSE(svc->covers("ap2", "b1").value());
    EXPECT_FALSE(svc->covers("b1", "b2").value());
    EXPECT_FALSE(svc->covers("nowhere", "nowhere").value());

    // Staff can be created and managed only inside the manager's subtree.
    create("root.admin", "ba.b1", Role::business_admin, "b1", Subsystem::ra);
    create("ba.b1", "op.ap2", Role::business_operator, "ap2");
    YX_EXPECT_CODE(svc->create_staff("ba.b1", spec("op.ap3", Role::business_operator, "ap3")), Errc::auth_out_of_scope);
    YX_EXPECT_CODE(svc->deactivate_staff("ba.b1", "op.ra"), Errc::auth_out_of_scope);
    YX_ASSERT_OK(svc->deactivate_staff("ba.b1", "op.ap2"));
    // Listings show the subtree only.
    std::vector<std::string> ids;
    const std::vector<StaffRecord> listed = svc->list_staff("ba.b1").value();
    for (const StaffRecord& s : listed) ids.push_back(s.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"ba.b1", "op.ap1", "op.ap2", "op.b1"}));
    EXPECT_EQ(svc->list_staff("root.admin").value().size(), 7U);
    YX_EXPECT_CODE(svc->list_staff("op.b1"), Errc::auth_denied);
    ids.clear();
    const std::vector<OrgNode> nodes = svc->list_org_nodes("op.b1").value();
    for (const OrgNode& n : nodes) ids.push_back(n.id);
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<std::string>{"ap1", "ap2", "b1"}));
    EXPECT_EQ(svc->list_org_nodes("op.ap1").value().size(), 1U);
    // Organisation nodes too.
    YX_ASSERT_OK(svc->create_org_node("ba.b1", node("ap4", "b1", OrgKind::acceptance_point)));
    YX_EXPECT_CODE(svc->create_org_node("ba.b1", node("ap5", "b2", OrgKind::acceptance_point)),
                   Errc::auth_out_of_scope);
}

TEST_F(ServiceTest, OrganisationTreeShape) {
    build_tree();
    // SDCA CPS §1.3.3/1.3.4: branches under the RA, acceptance points under the RA or a branch.
    YX_EXPECT_CODE(svc->create_org_node("ba.ra", node("b3", "b1", OrgKind::branch)), Errc::auth_bad_org_tree);
    YX_EXPECT_CODE(svc->create_org_node("ba.ra", node("ap9", "ap1", OrgKind::acceptance_point)),
                   Errc::auth_bad_org_tree);
    YX_EXPECT_CODE(svc->create_org_node("ba.ra", node("ra2", "ra", OrgKind::ra)), Errc::auth_bad_org_tree);
    YX_EXPECT_CODE(svc->create_org_node("ba.ra", node("b4", "ra", OrgKind::branch, true, 5)), Errc::auth_bad_org_tree);
    YX_EXPECT_CODE(svc->create_org_node("ba.ra", node("ap8", "ra", OrgKind::acceptance_point, false, 5)),
                   Errc::auth_bad_request);
    YX_EXPECT_CODE(svc->create_org_node("ba.ra", node("b1", "ra", OrgKind::branch)), Errc::auth_duplicate);
    YX_EXPECT_CODE(svc->create_org_node("ba.ra", node("Bad Id", "ra", OrgKind::branch)), Errc::auth_bad_request);
    // A CA-subsystem business admin does not run the RA tree.
    create("root.admin", "ba.ca", Role::business_admin, "ra", Subsystem::ca);
    YX_EXPECT_CODE(svc->create_org_node("ba.ca", node("b5", "ra", OrgKind::branch)), Errc::auth_denied);
    EXPECT_EQ(store->org_nodes().value().size(), 7U);
}

TEST_F(ServiceTest, SponsoredQuota) {
    build_tree();
    create("ba.ra", "op.b1", Role::business_operator, "b1");
    create("ba.ra", "op.b2", Role::business_operator, "b2");
    auto used = svc->consume_quota("op.b1", "ap1");
    YX_ASSERT_OK(used);
    EXPECT_EQ(used->value, 2);
    EXPECT_EQ(used->event.action, "org.quota.consume");
    // More than is left takes nothing.
    YX_EXPECT_CODE(svc->consume_quota("op.b1", "ap1", 3), Errc::auth_quota_exhausted);
    EXPECT_EQ(store->find_org_node("ap1").value()->quota_remaining, 2);
    EXPECT_EQ(svc->consume_quota("op.b1", "ap1", 2).value().value, 0);
    YX_EXPECT_CODE(svc->consume_quota("op.b1", "ap1"), Errc::auth_quota_exhausted);
    YX_EXPECT_CODE(svc->consume_quota("op.b1", "ap2"), Errc::auth_not_sponsored);
    YX_EXPECT_CODE(svc->consume_quota("op.b2", "ap1"), Errc::auth_out_of_scope);
    // Operators consume, admins top up.
    YX_EXPECT_CODE(svc->topup_quota("op.b1", "ap1", 10), Errc::auth_denied);
    EXPECT_EQ(svc->topup_quota("ba.ra", "ap1", 10).value().value, 10);
    EXPECT_EQ(svc->consume_quota("op.b1", "ap1").value().value, 9);
    YX_EXPECT_CODE(svc->consume_quota("op.b1", "ap1", 0), Errc::auth_bad_request);
}

// ------------------------------------------------------------------------------ passwords

TEST_F(ServiceTest, PasswordRulesHistoryAndExpiry) {
    create("root.admin", "sec", Role::security_admin, "ra");
    // Policy applies to initial passwords too, with the member's own personal data.
    NewStaff weak = spec("wang.fang", Role::audit_admin, "ra");
    weak.initial_password = "Wang#7x9Qz";
    YX_EXPECT_CODE(svc->create_staff("root.admin", weak), Errc::auth_password_personal_data);
    weak.initial_password = "short1!";
    YX_EXPECT_CODE(svc->create_staff("root.admin", weak), Errc::auth_password_too_short);

    // An administrator-set password must be changed before the first login.
    YX_EXPECT_CODE(svc->login(cert_login("sec")), Errc::auth_password_expired);
    YX_EXPECT_CODE(svc->change_password("sec", k_initial_pw, k_initial_pw), Errc::auth_password_reused);
    YX_EXPECT_CODE(svc->change_password("sec", "Wrong#pw77x", k_new_pw), Errc::auth_bad_credentials);
    activate("sec");
    YX_ASSERT_OK(svc->login(cert_login("sec")));

    // History 3: the current and the two before cannot come back; the fourth-newest can.
    const std::string p3 = "Hy6*qT2^cM";
    const std::string p4 = "Jd4!sF7#uE";
    YX_ASSERT_OK(svc->change_password("sec", k_new_pw, p3));
    YX_EXPECT_CODE(svc->change_password("sec", p3, k_new_pw), Errc::auth_password_reused);
    YX_EXPECT_CODE(svc->change_password("sec", p3, k_initial_pw), Errc::auth_password_reused);
    YX_ASSERT_OK(svc->change_password("sec", p3, p4));
    YX_ASSERT_OK(svc->change_password("sec", p4, k_initial_pw));
    const StaffRecord rec = svc->find_staff("sec").value().value();
    EXPECT_EQ(rec.password_history.size(), 2U);
    passwords["sec"] = std::string(k_initial_pw);

    // §8.2.3 b: the password expires after max_age (90 days by default).
    clock.advance(hours(24 * 89));
    YX_ASSERT_OK(svc->login(cert_login("sec")));
    clock.advance(hours(24 * 2));
    YX_EXPECT_CODE(svc->login(cert_login("sec")), Errc::auth_password_expired);
    YX_ASSERT_OK(svc->change_password("sec", k_initial_pw, "Ns5&gW2!pX"));
    passwords["sec"] = "Ns5&gW2!pX";
    YX_ASSERT_OK(svc->login(cert_login("sec")));

    // An administrator reset forces a change again.
    YX_ASSERT_OK(svc->reset_password("root.admin", "sec", "Vm8@kR3!tY"));
    passwords["sec"] = "Vm8@kR3!tY";
    YX_EXPECT_CODE(svc->login(cert_login("sec")), Errc::auth_password_expired);
}

TEST_F(ServiceTest, LockoutAfterFailuresAndUnlockAfterTime) {
    create("root.admin", "sec", Role::security_admin, "ra");
    create("root.admin", "sm", Role::system_maintainer, "ra");
    activate("sec");
    activate("sm");
    LoginRequest wrong = cert_login("sm");
    wrong.password = "Wrong#pw77x";
    for (int i = 0; i < 4; ++i) YX_EXPECT_CODE(svc->login(wrong), Errc::auth_bad_credentials);
    YX_ASSERT_OK(svc->login(cert_login("sm")));  // success resets the counter
    for (int i = 0; i < 5; ++i) YX_EXPECT_CODE(svc->login(wrong), Errc::auth_bad_credentials);
    // Locked: even the right password is refused, and change_password too.
    YX_EXPECT_CODE(svc->login(cert_login("sm")), Errc::auth_locked);
    YX_EXPECT_CODE(svc->change_password("sm", k_new_pw, "Hy6*qT2^cM"), Errc::auth_locked);
    clock.advance(minutes(14));
    YX_EXPECT_CODE(svc->login(cert_login("sm")), Errc::auth_locked);
    clock.advance(minutes(1));
    YX_ASSERT_OK(svc->login(cert_login("sm")));

    // A wrong certificate counts as a failure too; the security admin lifts a lock early.
    LoginRequest bad_cert = cert_login("sm");
    bad_cert.certificate = ClientCertificate{cert_for("sec")};
    for (int i = 0; i < 5; ++i) YX_EXPECT_CODE(svc->login(bad_cert), Errc::auth_certificate_mismatch);
    YX_EXPECT_CODE(svc->login(cert_login("sm")), Errc::auth_locked);
    YX_EXPECT_CODE(svc->unlock("sm", "sm"), Errc::auth_denied);
    auto ev = svc->unlock("sec", "sm");
    YX_ASSERT_OK(ev);
    EXPECT_EQ(ev->action, "staff.unlock");
    YX_ASSERT_OK(svc->login(cert_login("sm")));
    // Unknown names get the same answer as wrong passwords.
    LoginRequest ghost = cert_login("sm");
    ghost.login = "ghost";
    YX_EXPECT_CODE(svc->login(ghost), Errc::auth_bad_credentials);
}

// ------------------------------------------------------------------------------ sessions

TEST_F(ServiceTest, SessionIdleAndAbsoluteExpiry) {
    auto r = svc->login(cert_login("root.admin"));
    YX_ASSERT_OK(r);
    EXPECT_EQ(r->event.action, "auth.login");
    const std::string token = r->value.token;
    EXPECT_EQ(token.size(), 64U);
    EXPECT_EQ(r->value.session.token_hash, sm3_of(token));
    EXPECT_EQ(svc->authenticate(token).value().id, "root.admin");
    YX_EXPECT_CODE(svc->authenticate(token.substr(0, 63) + (token[63] == '0' ? "1" : "0")), Errc::auth_session_invalid);
    YX_EXPECT_CODE(svc->authenticate("not a token"), Errc::auth_session_invalid);
    // Idle limit 15 minutes, refreshed by use.
    clock.advance(minutes(14));
    YX_ASSERT_OK(svc->authenticate(token));
    clock.advance(minutes(14));
    YX_ASSERT_OK(svc->authenticate(token));
    clock.advance(minutes(15));
    YX_EXPECT_CODE(svc->authenticate(token), Errc::auth_session_invalid);

    // Absolute limit 8 hours even when in constant use.
    const std::string t2 = svc->login(cert_login("root.admin")).value().value.token;
    for (int i = 0; i < 47; ++i) {
        clock.advance(minutes(10));
        YX_ASSERT_OK(svc->authenticate(t2));
    }
    clock.advance(minutes(10));  // 8 h
    YX_EXPECT_CODE(svc->authenticate(t2), Errc::auth_session_invalid);

    // Logout ends a session.
    const std::string t3 = svc->login(cert_login("root.admin")).value().value.token;
    EXPECT_EQ(svc->logout(t3).value().action, "auth.logout");
    YX_EXPECT_CODE(svc->authenticate(t3), Errc::auth_session_invalid);
}

TEST_F(ServiceTest, TokensAreNotStoredInTheClear) {
    const std::string token = svc->login(cert_login("root.admin")).value().value.token;
    store.reset();  // checkpoint-free: read the database and its WAL as they are
    svc.reset();
    std::string all;
    for (const char* f : {"auth.db", "auth.db-wal"}) {
        const auto p = dir / f;
        if (std::filesystem::exists(p)) all += test::read_text(p);
    }
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all.find(token), std::string::npos);
    const Bytes raw = hex_decode(token).value();
    EXPECT_EQ(all.find(std::string(raw.begin(), raw.end())), std::string::npos);
}

// ------------------------------------------------------------------------------ certificate login

TEST_F(ServiceTest, SignedChallengeLoginWithRealSm2Certificate) {
    create("root.admin", "sec", Role::security_admin, "ra");
    activate("sec");
    const auto sign = [&](const std::string& who, const Challenge& c) {
        return crypto::sm2_sign(keys.at(who), as_bytes(c.text)).value();
    };
    const auto request = [&](const Challenge& c, Bytes sig) {
        LoginRequest r;
        r.login = "sec";
        r.password = passwords["sec"];
        r.challenge = SignedChallenge{c.id, std::move(sig)};
        return r;
    };
    Challenge c = svc->issue_challenge("sec").value();
    EXPECT_NE(c.text.find("login: sec"), std::string::npos);
    auto ok = svc->login(request(c, sign("sec", c)));
    YX_ASSERT_OK(ok);
    EXPECT_NE(ok->event.detail.find("signed_challenge"), std::string::npos);
    // Single use.
    YX_EXPECT_CODE(svc->login(request(c, sign("sec", c))), Errc::auth_challenge_invalid);
    // Signed by another key (a valid certificate of somebody else).
    create("root.admin", "sm", Role::system_maintainer, "ra");
    c = svc->issue_challenge("sec").value();
    YX_EXPECT_CODE(svc->login(request(c, sign("sm", c))), Errc::auth_challenge_invalid);
    // Signed with another SM2 ID (GM/T 0009 default expected).
    c = svc->issue_challenge("sec").value();
    YX_EXPECT_CODE(svc->login(request(c, crypto::sm2_sign(keys.at("sec"), as_bytes(c.text), "other-id").value())),
                   Errc::auth_challenge_invalid);
    // Issued for another login name.
    c = svc->issue_challenge("sm").value();
    YX_EXPECT_CODE(svc->login(request(c, sign("sec", c))), Errc::auth_challenge_invalid);
    // Expired.
    c = svc->issue_challenge("sec").value();
    clock.advance(minutes(3));
    YX_EXPECT_CODE(svc->login(request(c, sign("sec", c))), Errc::auth_challenge_invalid);
    // Those five failures (reuse, wrong key, wrong ID, wrong login, expired) locked the account.
    c = svc->issue_challenge("sec").value();
    YX_EXPECT_CODE(svc->login(request(c, sign("sec", c))), Errc::auth_locked);
    clock.advance(minutes(16));
    // Right signature, wrong password: the password is checked too.
    c = svc->issue_challenge("sec").value();
    LoginRequest r = request(c, sign("sec", c));
    r.password = "Wrong#pw77x";
    YX_EXPECT_CODE(svc->login(r), Errc::auth_bad_credentials);
    // Staff cannot log in with the password alone.
    LoginRequest pw_only;
    pw_only.login = "sec";
    pw_only.password = passwords["sec"];
    YX_EXPECT_CODE(svc->login(pw_only), Errc::auth_certificate_mismatch);
    c = svc->issue_challenge("sec").value();
    YX_ASSERT_OK(svc->login(request(c, sign("sec", c))));
    YX_EXPECT_CODE(svc->issue_challenge("Not Valid"), Errc::auth_bad_request);
}

// ------------------------------------------------------------------------------ two-person rule

TEST_F(ServiceTest, ConfigurationChangeWaitsForSecondApprover) {
    create("root.admin", "sec", Role::security_admin, "ra");
    create("root.admin", "aa", Role::audit_admin, "ra");
    create("aa", "au", Role::auditor, "ra");
    const std::string payload = R"({"password.max_age_days": 60})";
    const Bytes hash = sm3_of(payload);
    YX_EXPECT_CODE(svc->request_approval("au", Action::config_change, as_bytes(payload)), Errc::auth_denied);
    YX_EXPECT_CODE(svc->request_approval("root.admin", Action::ca_issue, as_bytes(payload)), Errc::auth_bad_request);
    auto req = svc->request_approval("root.admin", Action::config_change, as_bytes(payload));
    YX_ASSERT_OK(req);
    const std::string id = req->value.id;
    EXPECT_EQ(req->event.action, "config.change.request");
    EXPECT_EQ(req->value.status, ApprovalStatus::pending);
    // Not executable before approval.
    YX_EXPECT_CODE(svc->execute_approved("root.admin", id, as_bytes(payload)), Errc::auth_approval_required);
    // §8.2.1 b: a second person: not the requester, and only a permitted role.
    YX_EXPECT_CODE(svc->approve("root.admin", id, hash), Errc::auth_same_person);
    YX_EXPECT_CODE(svc->approve("au", id, hash), Errc::auth_denied);
    YX_EXPECT_CODE(svc->approve("sec", id, sm3_of("something else")), Errc::auth_approval_mismatch);
    auto ok = svc->approve("sec", id, hash);
    YX_ASSERT_OK(ok);
    EXPECT_EQ(ok->action, "config.change.approve");
    EXPECT_EQ(ok->actor, "sec");
    YX_EXPECT_CODE(svc->approve("sec", id, hash), Errc::auth_approval_not_pending);
    // The approver does not carry it out; the payload must be the approved one; once only.
    YX_EXPECT_CODE(svc->execute_approved("sec", id, as_bytes(payload)), Errc::auth_same_person);
    YX_EXPECT_CODE(svc->execute_approved("root.admin", id, as_bytes(std::string("{}"))), Errc::auth_approval_mismatch);
    auto ex = svc->execute_approved("root.admin", id, as_bytes(payload));
    YX_ASSERT_OK(ex);
    EXPECT_EQ(ex->action, "config.change.execute");
    YX_EXPECT_CODE(svc->execute_approved("root.admin", id, as_bytes(payload)), Errc::auth_approval_required);
    EXPECT_EQ(store->find_approval(id).value()->status, ApprovalStatus::executed);

    // Rejected requests stay rejected; expired ones cannot be approved.
    const std::string id2 = svc->request_approval("sec", Action::config_change, as_bytes(payload)).value().value.id;
    YX_ASSERT_OK(svc->reject("root.admin", id2, hash, "not planned"));
    YX_EXPECT_CODE(svc->approve("root.admin", id2, hash), Errc::auth_approval_not_pending);
    const std::string id3 = svc->request_approval("sec", Action::config_change, as_bytes(payload)).value().value.id;
    clock.advance(hours(25));
    YX_EXPECT_CODE(svc->approve("root.admin", id3, hash), Errc::auth_approval_not_pending);
}

TEST_F(ServiceTest, KeyRecoveryNeedsKmcAdminInScope) {
    build_tree();
    create("root.admin", "ba.kmc", Role::business_admin, "ra", Subsystem::kmc);
    create("root.admin", "ba.kmc.b2", Role::business_admin, "b2", Subsystem::kmc);
    create("ba.kmc", "bo.kmc", Role::business_operator, "b1");
    const std::string payload = "recover enc key of cert serial 01ab for holder 3701...";
    YX_EXPECT_CODE(svc->request_approval("bo.kmc", Action::kmc_recover, as_bytes(payload), "ap3"),
                   Errc::auth_out_of_scope);
    const Approval ap = svc->request_approval("bo.kmc", Action::kmc_recover, as_bytes(payload), "ap1").value().value;
    EXPECT_TRUE(ap.approvers.contains(Role::business_admin));
    YX_EXPECT_CODE(svc->approve("ba.ra", ap.id, ap.payload_hash), Errc::auth_denied);  // RA subsystem
    YX_EXPECT_CODE(svc->approve("ba.kmc.b2", ap.id, ap.payload_hash), Errc::auth_out_of_scope);
    YX_ASSERT_OK(svc->approve("ba.kmc", ap.id, ap.payload_hash));
    YX_ASSERT_OK(svc->execute_approved("bo.kmc", ap.id, as_bytes(payload)));
    // A deactivated approver approves nothing.
    const Approval ap2 = svc->request_approval("bo.kmc", Action::kmc_recover, as_bytes(payload), "ap1").value().value;
    YX_ASSERT_OK(svc->deactivate_staff("root.admin", "ba.kmc"));
    YX_EXPECT_CODE(svc->approve("ba.kmc", ap2.id, ap2.payload_hash), Errc::auth_inactive);
}

TEST_F(ServiceTest, MakerChecker) {
    EXPECT_EQ(check_maker_checker("clerk.1", "clerk.1").code(), Errc::auth_same_person);
    EXPECT_EQ(check_maker_checker("clerk.1", "").code(), Errc::auth_bad_request);
    EXPECT_TRUE(check_maker_checker("clerk.1", "clerk.2").ok());
    build_tree();
    create("ba.ra", "clerk.1", Role::business_operator, "b1");
    create("ba.ra", "clerk.2", Role::business_operator, "b1");
    // The clerk who entered the application may not review it (CPS: 录入员 ≠ 审核员).
    YX_EXPECT_CODE(svc->authorize_checker("clerk.1", Action::ra_application_review, "ap1", "clerk.1"),
                   Errc::auth_same_person);
    YX_ASSERT_OK(svc->authorize_checker("clerk.2", Action::ra_application_review, "ap1", "clerk.1"));
    YX_EXPECT_CODE(svc->authorize_checker("clerk.2", Action::ra_application_review, "ap3", "clerk.1"),
                   Errc::auth_out_of_scope);
}

// ------------------------------------------------------------------------------ custodians

TEST_F(ServiceTest, CustodianExclusivityBothWays) {
    create("root.admin", "sec", Role::security_admin, "ra");
    create("root.admin", "aa", Role::audit_admin, "ra");
    create("root.admin", "sm", Role::system_maintainer, "ra");
    create("root.admin", "ba.ca", Role::business_admin, "ra", Subsystem::ca);
    create("root.admin", "aa2", Role::audit_admin, "ra");
    create("aa", "au", Role::auditor, "ra");
    create("ba.ca", "bo.ca", Role::business_operator, "ra");
    // It plugs into the device layer's custodian check as it is.
    const device::CustodianPolicy policy = svc->custodian_policy();

    // §8.3.6 d: a super admin, business admin, business operator or system maintainer cannot be named ...
    for (const char* id : {"root.admin", "ba.ca", "bo.ca", "sm"}) {
        YX_EXPECT_CODE(svc->designate_custodian("sec", id, true), Errc::auth_custodian_conflict);
        YX_EXPECT_CODE(policy(id), Errc::auth_custodian_conflict);
    }
    YX_EXPECT_CODE(svc->designate_custodian("aa", "au", true), Errc::auth_denied);  // security admin's duty
    for (const char* id : {"au", "aa", "sec"}) {
        YX_EXPECT_CODE(policy(id), Errc::auth_custodian_conflict);  // not yet designated
        auto ev = svc->designate_custodian("sec", id, true);
        YX_ASSERT_OK(ev);
        EXPECT_EQ(ev->action, "staff.custodian.designate");
        YX_ASSERT_OK(policy(id));
    }
    YX_EXPECT_CODE(policy("nobody"), Errc::auth_not_found);
    // ... and a custodian cannot be given one of those roles.
    YX_EXPECT_CODE(svc->assign_role("root.admin", "aa", Role::system_maintainer), Errc::auth_custodian_conflict);
    YX_EXPECT_CODE(svc->assign_role("root.admin", "sec", Role::business_admin, Subsystem::ca),
                   Errc::auth_custodian_conflict);
    EXPECT_EQ(svc->find_staff("aa").value()->role, Role::audit_admin);
    // Allowed roles are fine; once no longer custodian the change is possible.
    YX_ASSERT_OK(svc->assign_role("root.admin", "aa", Role::security_admin));
    YX_ASSERT_OK(svc->designate_custodian("sec", "aa", false));
    YX_ASSERT_OK(svc->assign_role("root.admin", "aa", Role::system_maintainer));
    YX_EXPECT_CODE(policy("aa"), Errc::auth_custodian_conflict);
    // Deactivated custodians are refused.
    YX_ASSERT_OK(svc->deactivate_staff("aa2", "au"));
    YX_EXPECT_CODE(policy("au"), Errc::auth_inactive);
}

}  // namespace
}  // namespace yinxin::auth::testing
