// The staff API (api/staff_routes.h) against a server on a loopback port, driven by a real HTTP
// client: login with password + signed challenge, the authorisation matrix (every endpoint × every
// role × in-scope/out-of-scope organisation node, expected results taken from the documented role
// table, docs/roles.md), the two-person rule for configuration, lockout, and the audit trail of
// every request (audit verify over HTTP, and a row edited directly in SQLite is named).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "auth/auth_fixture.h"
#include "http_client.h"
#include "server_fixture.h"
#include "yinxin/api/staff_routes.h"
#include "yinxin/audit/audit.h"
#include "yinxin/store/sqlite_audit_store.h"

namespace yinxin::auth::testing {
namespace {

namespace http = yinxin::test::http;
using yinxin::test::HttpClient;
using yinxin::test::Reply;

// One actor per role. Staff sit on branch b1 (objects under b1 are in scope, under b2 out of
// scope); the super admin sits on the RA root and covers both.
struct Actor {
    std::string id;
    Role role;
    std::string node;
    Subsystem subsystem = Subsystem::none;
};

const std::vector<Actor>& actors() {
    static const std::vector<Actor> a{
        {"root.admin", Role::super_admin, "ra"},
        {"aa", Role::audit_admin, "b1"},
        {"au", Role::auditor, "b1"},
        {"ba", Role::business_admin, "b1", Subsystem::ra},
        {"bo", Role::business_operator, "b1", Subsystem::ra},
        {"sec", Role::security_admin, "b1"},
        {"sm", Role::system_maintainer, "b1"},
        {"app", Role::applicant, "ap1"},
        {"apv", Role::approver, "ap1"},
        {"ci", Role::card_issuer, "ap1"},
        {"bs", Role::business_system, "ap1"},
    };
    return a;
}

class StaffApiTest : public AuthFixture {
protected:
    void SetUp() override {
        AuthFixture::SetUp();
        // Organisation: ra → b1 → ap1 (sponsored), ra → b2 → ap2 (sponsored).
        YX_ASSERT_OK(svc->create_org_node("root.admin", node("b1", "ra", OrgKind::branch)));
        YX_ASSERT_OK(svc->create_org_node("root.admin", node("b2", "ra", OrgKind::branch)));
        YX_ASSERT_OK(svc->create_org_node("root.admin", node("ap1", "b1", OrgKind::acceptance_point, true, 5)));
        YX_ASSERT_OK(svc->create_org_node("root.admin", node("ap2", "b2", OrgKind::acceptance_point, true, 5)));
        // Staff, each created by the role that manages it (LD/T 03-2022 §5.4).
        create("root.admin", "aa", Role::audit_admin, "b1");
        create("root.admin", "ba", Role::business_admin, "b1", Subsystem::ra);
        create("root.admin", "sec", Role::security_admin, "b1");
        create("root.admin", "sm", Role::system_maintainer, "b1");
        create("aa", "au", Role::auditor, "b1");
        create("ba", "bo", Role::business_operator, "b1", Subsystem::ra);
        create("bo", "app", Role::applicant, "ap1");
        create("ba", "apv", Role::approver, "ap1");
        create("ba", "ci", Role::card_issuer, "ap1");
        create("ba", "bs", Role::business_system, "ap1");
        // Objects of the scoped probes: one member in scope, one out of scope.
        create("bo", "target.in", Role::applicant, "ap1");
        create("root.admin", "ba2", Role::business_admin, "b2", Subsystem::ra);
        create("ba2", "bo2", Role::business_operator, "b2", Subsystem::ra);
        create("bo2", "target.out", Role::applicant, "ap2");
        for (const auto& a : actors())
            if (a.id != "root.admin") activate(a.id);

        audit_store = store::SqliteAuditStore::open((dir / "auth.db").string()).value();
        audit_log = std::make_unique<audit::AuditLog>(*audit_store, audit::AuditLogOptions{});
        config_value = {{"base_url", "http://127.0.0.1:8080"}, {"cps_uri", "http://127.0.0.1:8080/cps"}};
        api::StaffApi api{.auth = svc.get(), .audit = audit_log.get(), .audit_store = audit_store.get(), .config = {}};
        api.config["publication"] =
            api::ConfigEntry{.read = [this]() -> Result<nlohmann::json> { return config_value; },
                             .write = [this](const nlohmann::json& v) -> Status {
                                 if (!v.is_object() || !v.contains("base_url"))
                                     return make_error(Errc::api_bad_request, "publication needs base_url");
                                 config_value = v;
                                 return ok_status();
                             }};
        server = std::make_unique<api::Server>(yinxin::test::test_config(sink));
        ASSERT_TRUE(api::add_staff_routes(*server, api).ok());
        ASSERT_TRUE(server->start().ok());
    }

    void TearDown() override {
        if (server) server->stop(std::chrono::milliseconds(500));
    }

    Reply call(http::verb method, const std::string& target, const nlohmann::json& body = nullptr,
               const std::string& token = {}) {
        HttpClient c(server->port());
        std::vector<std::pair<std::string, std::string>> headers;
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        auto r = body.is_null() ? c.request(method, target, {}, {}, headers)
                                : c.request(method, target, body.dump(), "application/json", headers);
        EXPECT_TRUE(r.has_value()) << target;
        return r ? *r : Reply{};
    }

    // Password + SM2 signature over a fresh challenge (staff), or password alone (external
    // principals registered without a certificate).
    Reply login_reply(const std::string& id, const std::string& password) {
        nlohmann::json body{{"login", id}, {"password", password}};
        if (keys.count(id) != 0) {
            auto ch = call(http::verb::post, "/api/v1/auth/challenge", {{"login", id}});
            EXPECT_EQ(ch.status(), 200u) << ch.body();
            const std::string text = ch.json()["challenge"];
            const Bytes sig = crypto::sm2_sign(keys.at(id), as_bytes(text)).value();
            body["challenge_id"] = ch.json()["challenge_id"];
            body["signature"] = base64_encode(sig);
        }
        return call(http::verb::post, "/api/v1/auth/login", body);
    }
    std::string login(const std::string& id) {
        auto r = login_reply(id, passwords[id]);
        EXPECT_EQ(r.status(), 200u) << id << ": " << r.body();
        return r.json().value("token", "");
    }

    // A decision body signed by `id` (api::decision_text).
    nlohmann::json decision(const std::string& id, const std::string& what, const std::string& approval,
                            const std::string& hash) {
        const Bytes sig = crypto::sm2_sign(keys.at(id), as_bytes(api::decision_text(what, approval, hash))).value();
        return {{"payload_sm3", hash}, {"signature", base64_encode(sig)}};
    }

    std::vector<audit::AuditRecord> audit_records() { return audit_store->read_range(1, 100000).value(); }

    std::shared_ptr<yinxin::test::CaptureSink> sink = std::make_shared<yinxin::test::CaptureSink>();
    std::unique_ptr<store::SqliteAuditStore> audit_store;
    std::unique_ptr<audit::AuditLog> audit_log;
    nlohmann::json config_value;
    std::unique_ptr<api::Server> server;
};

// Staff members are registered without certificates for external roles: only staff roles need one.
TEST_F(StaffApiTest, LoginNeedsPasswordAndCertificateForStaff) {
    const std::string token = login("sec");
    ASSERT_FALSE(token.empty());
    auto me = call(http::verb::get, "/api/v1/auth/me", nullptr, token);
    EXPECT_EQ(me.status(), 200u);
    EXPECT_EQ(me.json()["id"], "sec");
    EXPECT_EQ(me.json()["role"], "security_admin");
    EXPECT_FALSE(me.json().contains("password"));

    // Password without the second factor: 401 problem with a stable code.
    auto r = call(http::verb::post, "/api/v1/auth/login", {{"login", "sec"}, {"password", passwords["sec"]}});
    EXPECT_EQ(r.status(), 401u);
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
    EXPECT_EQ(r.json()["error"], "auth.certificate_mismatch");
    // A signature by another key.
    auto ch = call(http::verb::post, "/api/v1/auth/challenge", {{"login", "sec"}});
    const Bytes sig = crypto::sm2_sign(keys.at("aa"), as_bytes(ch.json()["challenge"].get<std::string>())).value();
    r = call(http::verb::post, "/api/v1/auth/login",
             {{"login", "sec"},
              {"password", passwords["sec"]},
              {"challenge_id", ch.json()["challenge_id"]},
              {"signature", base64_encode(sig)}});
    EXPECT_EQ(r.status(), 401u);
    EXPECT_EQ(r.json()["error"], "auth.challenge_invalid");
    // No token, a made-up token, a logged-out token.
    EXPECT_EQ(call(http::verb::get, "/api/v1/auth/me").status(), 401u);
    EXPECT_EQ(call(http::verb::get, "/api/v1/auth/me", nullptr, "bogus").status(), 401u);
    EXPECT_EQ(call(http::verb::post, "/api/v1/auth/logout", nullptr, token).status(), 204u);
    EXPECT_EQ(call(http::verb::get, "/api/v1/auth/me", nullptr, token).status(), 401u);
}

TEST_F(StaffApiTest, LockoutAfterRepeatedFailuresAndUnlockBySecurityAdmin) {
    for (std::uint32_t i = 0; i < svc->config().max_failed_logins; ++i)
        EXPECT_EQ(login_reply("ba", "Wrong#Pass1").status(), 401u);
    auto r = login_reply("ba", passwords["ba"]);
    EXPECT_EQ(r.status(), 403u);
    EXPECT_EQ(r.json()["error"], "auth.locked");
    const std::string sec = login("sec");
    EXPECT_EQ(call(http::verb::post, "/api/v1/staff/ba/unlock", nullptr, sec).status(), 200u);
    EXPECT_EQ(login_reply("ba", passwords["ba"]).status(), 200u);
}

TEST_F(StaffApiTest, PasswordPolicyOverHttp) {
    create("bo", "newbie", Role::applicant, "ap1");
    auto change = [&](const std::string& pw) {
        return call(http::verb::post, "/api/v1/auth/password",
                    {{"login", "newbie"}, {"old_password", passwords["newbie"]}, {"new_password", pw}});
    };
    EXPECT_EQ(change("short1!").json()["error"], "auth.password_too_short");
    EXPECT_EQ(change("abcdefghij").json()["error"], "auth.password_composition");
    EXPECT_EQ(change("Abc12345!").status(), 400u);  // a run of digits
    // Logging in before the first change is refused with password_expired.
    EXPECT_EQ(login_reply("newbie", passwords["newbie"]).json()["error"], "auth.password_expired");
    EXPECT_EQ(change("Qz7$Lm4!Tp").status(), 204u);
    passwords["newbie"] = "Qz7$Lm4!Tp";
    EXPECT_EQ(login_reply("newbie", passwords["newbie"]).status(), 200u);
}

// Every endpoint × every role × (where the action is scoped) an object inside and outside the
// actor's subtree. Expected: the role table (auth::role_allows + subsystem, as documented in
// docs/roles.md), the management relation for creating staff, and the scope rule.
TEST_F(StaffApiTest, AuthorisationMatrix) {
    std::map<std::string, std::string> tokens;
    for (const auto& a : actors()) tokens[a.id] = login(a.id);

    struct Probe {
        std::string name;
        Action action;
        bool scoped;
        // Makes the request for an actor; `in` selects the in-scope object.
        std::function<Reply(const Actor&, bool in, int n)> send;
        // Extra documented condition (e.g. who manages whom); true when none.
        std::function<bool(const Actor&)> also = [](const Actor&) { return true; };
    };
    auto managed_role = [](Role r) {
        for (Role t : k_all_roles)
            if (may_manage(r, t)) return t;
        return Role::applicant;
    };
    std::vector<Probe> probes{
        {"GET /api/v1/staff/{id}", Action::staff_read, true,
         [&](const Actor& a, bool in, int) {
             return call(http::verb::get, std::string("/api/v1/staff/") + (in ? "target.in" : "target.out"), nullptr,
                         tokens[a.id]);
         }},
        {"GET /api/v1/staff", Action::staff_read, false,
         [&](const Actor& a, bool, int) { return call(http::verb::get, "/api/v1/staff", nullptr, tokens[a.id]); }},
        {"GET /api/v1/org-nodes", Action::org_read, false,
         [&](const Actor& a, bool, int) { return call(http::verb::get, "/api/v1/org-nodes", nullptr, tokens[a.id]); }},
        {"POST /api/v1/org-nodes", Action::org_create, true,
         [&](const Actor& a, bool in, int n) {
             return call(http::verb::post, "/api/v1/org-nodes",
                         {{"id", "new." + a.id + "." + std::to_string(n)},
                          {"parent", in ? "b1" : "b2"},
                          {"kind", "acceptance_point"},
                          {"name", "new point"}},
                         tokens[a.id]);
         }},
        {"POST /api/v1/org-nodes/{id}/quota", Action::org_quota_topup, true,
         [&](const Actor& a, bool in, int) {
             return call(http::verb::post, std::string("/api/v1/org-nodes/") + (in ? "ap1" : "ap2") + "/quota",
                         {{"add", 1}}, tokens[a.id]);
         }},
        {"POST /api/v1/staff", Action::staff_create, true,
         [&](const Actor& a, bool in, int n) {
             const Role r = managed_role(a.role);
             const std::string id = "made." + a.id + "." + std::to_string(n);
             nlohmann::json body{{"id", id},
                                 {"display_name", "Made " + id},
                                 {"role", std::string(role_name(r))},
                                 {"org_node", in ? "ap1" : "ap2"},
                                 {"initial_password", std::string(k_initial_pw)}};
             if (r == Role::business_admin || r == Role::business_operator) body["subsystem"] = "ra";
             if (is_staff_role(r)) body["certificate_pem"] = pem_encode("CERTIFICATE", cert_for(id));
             return call(http::verb::post, "/api/v1/staff", body, tokens[a.id]);
         },
         [&](const Actor& a) {
             for (Role t : k_all_roles)
                 if (may_manage(a.role, t)) return true;
             return false;
         }},
        {"PUT /api/v1/staff/{id}/custodian", Action::staff_custodian_designate, false,
         [&](const Actor& a, bool, int) {
             return call(http::verb::put, "/api/v1/staff/target.in/custodian", {{"custodian", false}}, tokens[a.id]);
         }},
        {"POST /api/v1/staff/{id}/unlock", Action::staff_unlock, false,
         [&](const Actor& a, bool, int) {
             return call(http::verb::post, "/api/v1/staff/target.in/unlock", nullptr, tokens[a.id]);
         }},
        {"GET /api/v1/audit/records", Action::audit_read, false,
         [&](const Actor& a, bool, int) {
             return call(http::verb::get, "/api/v1/audit/records?limit=5", nullptr, tokens[a.id]);
         }},
        {"GET /api/v1/audit/verify", Action::audit_verify, false,
         [&](const Actor& a, bool, int) {
             return call(http::verb::get, "/api/v1/audit/verify", nullptr, tokens[a.id]);
         }},
        {"GET /api/v1/config/{key}", Action::config_read, false,
         [&](const Actor& a, bool, int) {
             return call(http::verb::get, "/api/v1/config/publication", nullptr, tokens[a.id]);
         }},
        {"POST /api/v1/approvals (config.change)", Action::config_change, false,
         [&](const Actor& a, bool, int) {
             return call(http::verb::post, "/api/v1/approvals",
                         {{"action", "config.change"},
                          {"payload", {{"key", "publication"}, {"value", {{"base_url", "http://x.example"}}}}}},
                         tokens[a.id]);
         }},
    };

    int n = 0;
    std::size_t allowed_seen = 0;
    std::size_t denied_seen = 0;
    for (const auto& p : probes) {
        for (const auto& a : actors()) {
            const bool by_role =
                role_allows(a.role, p.action) && subsystem_allows(a.role, a.subsystem, p.action) && p.also(a);
            for (bool in : {true, false}) {
                if (!p.scoped && !in) continue;
                // The super admin on the RA root covers every node: nothing is out of its scope.
                const bool in_scope = in || a.node == "ra";
                const bool expected = by_role && (!p.scoped || in_scope);
                const Reply r = p.send(a, in, ++n);
                const bool ok = r.status() >= 200 && r.status() < 300;
                EXPECT_EQ(ok, expected) << p.name << " as " << a.id << " (" << role_name(a.role) << "), "
                                        << (in ? "in scope" : "out of scope") << ": " << r.status() << " " << r.body();
                if (!ok) {
                    EXPECT_TRUE(r.status() == 403u || r.status() == 404u)
                        << p.name << " as " << a.id << ": " << r.body();
                    const std::string code = r.json().value("error", "");
                    EXPECT_TRUE(code == "auth.denied" || code == "auth.out_of_scope" || code == "auth.cannot_manage")
                        << p.name << " as " << a.id << ": " << code;
                }
                (ok ? allowed_seen : denied_seen)++;
            }
        }
    }
    EXPECT_GT(allowed_seen, 15u);
    EXPECT_GT(denied_seen, 60u);
}

TEST_F(StaffApiTest, DeactivationRemovesEveryPermissionAtOnce) {
    const std::string bo = login("bo");
    ASSERT_EQ(call(http::verb::get, "/api/v1/org-nodes", nullptr, bo).status(), 200u);
    const std::string ba = login("ba");
    auto r = call(http::verb::post, "/api/v1/staff/bo/deactivate", nullptr, ba);
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_FALSE(r.json()["active"].get<bool>());
    // The session is gone and a new login is refused.
    EXPECT_EQ(call(http::verb::get, "/api/v1/org-nodes", nullptr, bo).status(), 401u);
    EXPECT_EQ(login_reply("bo", passwords["bo"]).status(), 401u);
    // The super admin may not deactivate the security admin's ... who it does manage: allowed; an
    // auditor cannot deactivate anybody.
    const std::string au = login("au");
    EXPECT_EQ(call(http::verb::post, "/api/v1/staff/app/deactivate", nullptr, au).status(), 403u);
}

TEST_F(StaffApiTest, ConfigChangeWaitsForTheSecondApprover) {
    const std::string sa = login("root.admin");
    const std::string sec = login("sec");
    const nlohmann::json value{{"base_url", "https://pki.example.gov.cn"},
                               {"cps_uri", "https://pki.example.gov.cn/cps"}};
    const nlohmann::json payload{{"key", "publication"}, {"value", value}};
    auto req = call(http::verb::post, "/api/v1/approvals", {{"action", "config.change"}, {"payload", payload}}, sa);
    ASSERT_EQ(req.status(), 201u) << req.body();
    const std::string id = req.json()["id"];
    const std::string hash = req.json()["payload_sm3"];
    EXPECT_EQ(hash, hex_encode(crypto::sm3(as_bytes(api::config_change_payload("publication", value)))));

    // Not approved yet: the change is refused and nothing changes.
    auto early = call(http::verb::put, "/api/v1/config/publication", {{"approval_id", id}, {"value", value}}, sa);
    EXPECT_EQ(early.status(), 403u) << early.body();
    EXPECT_EQ(early.json()["error"], "auth.approval_required");
    EXPECT_EQ(config_value["base_url"], "http://127.0.0.1:8080");
    // The requester cannot approve their own request.
    auto self =
        call(http::verb::post, "/api/v1/approvals/" + id + "/approve", decision("root.admin", "approve", id, hash), sa);
    EXPECT_EQ(self.json()["error"], "auth.same_person");
    // Approval of other bytes is refused.
    const std::string zeros(64, '0');
    auto wrong =
        call(http::verb::post, "/api/v1/approvals/" + id + "/approve", decision("sec", "approve", id, zeros), sec);
    EXPECT_EQ(wrong.json()["error"], "auth.approval_mismatch");
    // The decision must carry the approver's own signature over the decision text.
    auto unsigned_decision =
        call(http::verb::post, "/api/v1/approvals/" + id + "/approve", {{"payload_sm3", hash}}, sec);
    EXPECT_EQ(unsigned_decision.json()["error"], "auth.decision_signature_invalid");
    auto other_key = call(http::verb::post, "/api/v1/approvals/" + id + "/approve",
                          decision("root.admin", "approve", id, hash), sec);
    EXPECT_EQ(other_key.json()["error"], "auth.decision_signature_invalid");
    auto as_reject =
        call(http::verb::post, "/api/v1/approvals/" + id + "/approve", decision("sec", "reject", id, hash), sec);
    EXPECT_EQ(as_reject.json()["error"], "auth.decision_signature_invalid");
    auto ok = call(http::verb::post, "/api/v1/approvals/" + id + "/approve", decision("sec", "approve", id, hash), sec);
    ASSERT_EQ(ok.status(), 200u) << ok.body();
    // The signed decision is kept in the audit log, signature included.
    const auto recs = audit_records();
    auto it = std::find_if(recs.rbegin(), recs.rend(),
                           [](const audit::AuditRecord& r) { return r.action == "approval.approve" && r.success; });
    ASSERT_NE(it, recs.rend());
    EXPECT_EQ(it->actor, "sec");
    EXPECT_NE(it->detail.find("SM2 signature "), std::string::npos) << it->detail;
    // A different value than the approved one is refused; the approved one goes through once.
    nlohmann::json other = value;
    other["base_url"] = "https://evil.example";
    EXPECT_EQ(call(http::verb::put, "/api/v1/config/publication", {{"approval_id", id}, {"value", other}}, sa)
                  .json()["error"],
              "auth.approval_mismatch");
    auto done = call(http::verb::put, "/api/v1/config/publication", {{"approval_id", id}, {"value", value}}, sa);
    ASSERT_EQ(done.status(), 200u) << done.body();
    EXPECT_EQ(config_value, value);
    // Executed once: a replay is refused.
    EXPECT_EQ(call(http::verb::put, "/api/v1/config/publication", {{"approval_id", id}, {"value", value}}, sa).status(),
              403u);
    auto read = call(http::verb::get, "/api/v1/config/publication", nullptr, sec);
    EXPECT_EQ(read.json()["value"], value);
}

TEST_F(StaffApiTest, BadInputIsAProblemAndPersistsNothing) {
    const std::string ba = login("ba");
    const auto before = svc->list_staff("root.admin").value().size();
    HttpClient c(server->port());
    auto r = c.request(http::verb::post, "/api/v1/staff", "{\"id\": ", "application/json",
                       {{"Authorization", "Bearer " + ba}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status(), 400u);
    EXPECT_EQ(r->json()["error"], "api.bad_json");
    r = HttpClient(server->port())
            .request(http::verb::post, "/api/v1/staff", "id=x", "application/x-www-form-urlencoded",
                     {{"Authorization", "Bearer " + ba}});
    EXPECT_EQ(r->status(), 415u);
    auto missing = call(http::verb::post, "/api/v1/staff", {{"id", "half"}}, ba);
    EXPECT_EQ(missing.status(), 400u);
    EXPECT_EQ(missing.json()["error"], "api.bad_request");
    auto bad_role = call(http::verb::post, "/api/v1/staff",
                         {{"id", "x1"},
                          {"display_name", "X"},
                          {"role", "emperor"},
                          {"org_node", "ap1"},
                          {"initial_password", std::string(k_initial_pw)}},
                         ba);
    EXPECT_EQ(bad_role.status(), 400u);
    EXPECT_EQ(svc->list_staff("root.admin").value().size(), before);
    EXPECT_FALSE(svc->find_staff("half").value().has_value());
}

TEST_F(StaffApiTest, EveryRequestIsAuditedAndTamperingIsNamed) {
    const auto start = audit_records().size();
    const std::string ba = login("ba");
    auto made = call(http::verb::post, "/api/v1/org-nodes",
                     {{"id", "ap9"}, {"parent", "b1"}, {"kind", "acceptance_point"}, {"name", "Point 9"}}, ba);
    ASSERT_EQ(made.status(), 201u) << made.body();
    auto refused = call(http::verb::post, "/api/v1/org-nodes",
                        {{"id", "ap10"}, {"parent", "b2"}, {"kind", "acceptance_point"}, {"name", "Point 10"}}, ba);
    EXPECT_EQ(refused.status(), 403u);
    EXPECT_EQ(login_reply("ba", "Wrong#Pass1").status(), 401u);

    auto records = audit_records();
    ASSERT_EQ(records.size(), start + 4);  // login, org.create ok, org.create refused, failed login
    const auto& login_rec = records[start];
    EXPECT_EQ(login_rec.action, "auth.login");
    EXPECT_EQ(login_rec.actor, "ba");
    EXPECT_TRUE(login_rec.success);
    EXPECT_EQ(login_rec.source.rfind("127.0.0.1:", 0), 0u) << login_rec.source;
    EXPECT_EQ(records[start + 1].action, "org.create");
    EXPECT_EQ(records[start + 1].role, "business_admin");
    EXPECT_EQ(records[start + 1].target, "ap9");
    EXPECT_TRUE(records[start + 1].success);
    EXPECT_EQ(records[start + 2].action, "org.create");
    EXPECT_FALSE(records[start + 2].success);
    EXPECT_EQ(records[start + 2].error_code, static_cast<std::uint32_t>(Errc::auth_out_of_scope));
    EXPECT_EQ(records[start + 3].action, "auth.login");
    EXPECT_FALSE(records[start + 3].success);

    // Auditors read and verify it over HTTP.
    const std::string au = login("au");
    auto v = call(http::verb::get, "/api/v1/audit/verify", nullptr, au);
    ASSERT_EQ(v.status(), 200u) << v.body();
    EXPECT_TRUE(v.json()["intact"].get<bool>()) << v.body();
    auto page = call(http::verb::get, "/api/v1/audit/records?from=1&limit=2", nullptr, au);
    ASSERT_EQ(page.status(), 200u);
    EXPECT_EQ(page.json()["records"].size(), 2u);
    EXPECT_EQ(page.json()["next_from"], 3);

    // The table refuses updates (append-only triggers); somebody with file access removes them and
    // edits one record directly: verify fails and names it.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "auth.db").string().c_str(), &db), SQLITE_OK);
    const std::string sql = "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET target = 'ap-forged' WHERE seq = " +
                            std::to_string(records[start + 1].seq);
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_close(db);
    v = call(http::verb::get, "/api/v1/audit/verify", nullptr, au);
    ASSERT_EQ(v.status(), 200u);
    EXPECT_FALSE(v.json()["intact"].get<bool>());
    ASSERT_FALSE(v.json()["findings"].empty());
    EXPECT_EQ(v.json()["findings"][0]["seq"], records[start + 1].seq);
    EXPECT_EQ(v.json()["findings"][0]["kind"], "edited");
}

// LD/T 01.1-2022 §9.4: each seal system has its own audit admin; an audit admin and the auditors of
// one subsystem manage and read that subsystem only, the unscoped ones read everything.
TEST_F(StaffApiTest, AuditStaffOfOneSubsystemReadAndManageThatSubsystemOnly) {
    create("root.admin", "aa.sealuse", Role::audit_admin, "b1", Subsystem::seal_use);
    create("aa.sealuse", "au.sealuse", Role::auditor, "b1");  // inherits seal_use
    activate("au.sealuse");
    EXPECT_EQ(svc->find_staff("au.sealuse").value()->subsystem, Subsystem::seal_use);
    YX_EXPECT_CODE(svc->create_staff("aa.sealuse", spec("au.ra", Role::auditor, "b1", Subsystem::ra)),
                   Errc::auth_cannot_manage);
    YX_EXPECT_CODE(svc->deactivate_staff("aa.sealuse", "au"), Errc::auth_cannot_manage);
    YX_EXPECT_CODE(svc->create_staff("root.admin", spec("sm.seal", Role::system_maintainer, "b1", Subsystem::seal)),
                   Errc::auth_bad_request);

    for (const char* action : {"seal.use.approve", "seal.make", "sealsys.sync.push", "ra.request.submit"}) {
        audit::AuditEvent e;
        e.source = "test";
        e.actor = "someone";
        e.action = action;
        e.target = "t";
        YX_ASSERT_OK(audit_log->append(e));
    }
    const auto actions_read_by = [&](const std::string& id) {
        auto page = call(http::verb::get, "/api/v1/audit/records?from=1&limit=1000", nullptr, login(id));
        EXPECT_EQ(page.status(), 200u) << page.body();
        std::set<std::string> seen;
        const nlohmann::json body = page.json();  // not a temporary in the range-for (C++20)
        for (const auto& r : body["records"]) seen.insert(r["action"].get<std::string>());
        return std::pair{seen, body.value("subsystem", std::string())};
    };
    const auto [scoped, scope] = actions_read_by("au.sealuse");
    EXPECT_EQ(scope, "seal_use");
    EXPECT_EQ(scoped, (std::set<std::string>{"seal.use.approve"}));  // not even the logins
    const auto [all, no_scope] = actions_read_by("au");
    EXPECT_EQ(no_scope, "");
    for (const char* a : {"seal.use.approve", "seal.make", "sealsys.sync.push", "ra.request.submit", "auth.login"})
        EXPECT_EQ(all.count(a), 1u) << a;
}

}  // namespace
}  // namespace yinxin::auth::testing
