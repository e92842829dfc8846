// The registration workflow (issue 5) over the real pieces: the SQLite store of the CA (certificates,
// revocations, requests, notifications, staff and audit log in one file), the soft device holding
// the demo CA keys, the issuer and status service, and staff whose decisions are SM2-signed with
// their own keys.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "ca/ca_test_util.h"
#include "yinxin/auth/service.h"
#include "yinxin/ca/status.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/sm2_cipher.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/kmc/client.h"
#include "yinxin/kmc/envelope.h"
#include "yinxin/kmc/kmc.h"
#include "yinxin/ra/workflow.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_auth_store.h"
#include "yinxin/store/sqlite_kmc_store.h"
#include "yinxin/store/sqlite_outbox_store.h"
#include "yinxin/store/sqlite_ra_store.h"
#include "yinxin/store/sqlite_revocation_store.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::ra {
namespace {

using auth::OrgKind;
using auth::Role;
using auth::Subsystem;

#define YX_ASSERT_OK(expr)                                                     \
    do {                                                                       \
        auto&& yx_r_ = (expr);                                                 \
        ASSERT_TRUE(yx_r_.ok()) << #expr << ": " << yx_r_.error().to_string(); \
    } while (false)
#define YX_EXPECT_CODE(expr, want)                                                         \
    do {                                                                                   \
        auto&& yx_r_ = (expr);                                                             \
        ASSERT_FALSE(yx_r_.ok()) << #expr << " succeeded, expected " << errc_name(want);   \
        EXPECT_EQ(yx_r_.error().code, want) << #expr << ": " << yx_r_.error().to_string(); \
    } while (false)

constexpr std::string_view k_pw = "Kx7#mP9!vQ";
constexpr std::string_view k_citizen_id = "11010519491231002X";  // GB 11643 example with check X

class Workflow : public ca::test::CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        run_demo();
        const std::string db = store_path();
        auth_store = store::SqliteAuthStore::open(db).value();
        auth::AuthConfig ac;
        ac.password.iterations = 10'000;
        auth = std::make_unique<auth::AuthService>(*auth_store, m_clock, rng, ac);
        auth::OrgNode root{"ra", "", OrgKind::ra, "市数字证书注册中心", false, 0, {}};
        YX_ASSERT_OK(auth->bootstrap(root, spec("admin", Role::super_admin, "ra")));
        YX_ASSERT_OK(auth->create_staff("admin", spec("ra.admin", Role::business_admin, "ra", Subsystem::ra)));
        YX_ASSERT_OK(auth->create_org_node("ra.admin", {"jinan", "ra", OrgKind::branch, "济南分中心", false, 0, {}}));
        YX_ASSERT_OK(auth->create_org_node(
            "ra.admin", {"jinan.hall", "jinan", OrgKind::acceptance_point, "济南市民中心受理点", false, 0, {}}));
        YX_ASSERT_OK(auth->create_org_node("ra.admin", {"qingdao", "ra", OrgKind::branch, "青岛分中心", false, 0, {}}));
        YX_ASSERT_OK(auth->create_org_node(
            "ra.admin", {"jinan.prepaid", "jinan", OrgKind::acceptance_point, "垫付型受理点", true, 1, {}}));
        for (const char* id : {"clerk", "reviewer"})
            YX_ASSERT_OK(auth->create_staff("ra.admin", spec(id, Role::business_operator, "jinan", Subsystem::ra)));
        YX_ASSERT_OK(auth->create_staff("ra.admin", spec("qd.op", Role::business_operator, "qingdao", Subsystem::ra)));
        YX_ASSERT_OK(auth->create_staff("ra.admin", spec("approver", Role::approver, "jinan")));
        YX_ASSERT_OK(auth->create_staff("clerk", spec("zhang", Role::applicant, "jinan.hall")));
        YX_ASSERT_OK(auth->create_staff("admin", spec("stats", Role::business_admin, "jinan", Subsystem::ra)));

        revocations = store::SqliteRevocationStore::open(db).value();
        audit_store = store::SqliteAuditStore::open(db).value();
        audit_log = std::make_unique<audit::AuditLog>(*audit_store, audit::AuditLogOptions{});
        store::SqliteRaOptions ro;
        ro.clock = &m_clock;
        ra_store = store::SqliteRaStore::open(db, ro).value();
        outbox = store::SqliteOutboxStore::open(db).value();
        the_issuer = std::make_unique<ca::Issuer>(issuer());
        status = std::make_unique<ca::StatusService>(
            stores(), *revocations, ca::device_key_resolver(*m_device, "soft", std::string(ca::test::k_key_pin)),
            m_clock, [](const ca::CaEvent&) {});
        WorkflowConfig wc;
        wc.webhook = "default";
        wf = std::make_unique<ra::Workflow>(*ra_store, *auth, *the_issuer, *status, *m_store, *revocations, *audit_log,
                                            m_clock, rng, wc);
    }

    Bytes cert_for(const std::string& id) {
        auto key = crypto::Sm2PrivateKey::generate().value();
        x509::TbsCertificateBuilder b;
        b.serial(crypto::random_serial(rng).value())
            .issuer(x509::Name::build({{"CN", "Yinxin Test Staff CA"}, {"C", "CN"}}).value())
            .subject(x509::Name::build({{"CN", id}, {"C", "CN"}}).value())
            .validity(m_clock.now() - std::chrono::hours(24), m_clock.now() + std::chrono::hours(24 * 365 * 12))
            .public_key(key.public_key());
        x509::Certificate cert = b.sign_with(staff_ca).value();
        keys.emplace(id, key);
        return Bytes(cert.der().begin(), cert.der().end());
    }
    auth::NewStaff spec(const std::string& id, Role role, const std::string& node, Subsystem sub = Subsystem::none) {
        auth::NewStaff s;
        s.id = id;
        s.display_name = "Person " + id;
        s.role = role;
        s.subsystem = sub;
        s.org_node = node;
        s.certificate_der = cert_for(id);
        s.initial_password = std::string(k_pw);
        return s;
    }

    // The member's signature over decision_text(step, id, SM3(payload)).
    Bytes sign(const std::string& who, std::string_view step, const RaRequest& r) {
        const auto h = crypto::sm3(as_bytes(request_payload(r)));
        const std::string text = auth::decision_text(step, r.id, hex_encode(h));
        return crypto::sm2_sign(keys.at(who), as_bytes(text)).value();
    }

    ApplicationForm person_form() {
        ApplicationForm f;
        f.kind = SubjectKind::person;
        f.fields = {{"name", "张三"},
                    {"gender", "男"},
                    {"id_number", std::string(k_citizen_id)},
                    {"province_city", "山东省济南市"},
                    {"email", "zhangsan@example.gov.cn"},
                    {"phone", "13800000000"},
                    {"unit_department", "济南市人力资源和社会保障局"},
                    {"position", "科员"}};
        return f;
    }

    SubmitRequest new_application() {
        SubmitRequest s;
        s.kind = RequestKind::issue;
        s.form = person_form();
        s.org_node = "jinan.hall";
        s.ca_id = "demo-sub";
        holder_key = crypto::Sm2PrivateKey::generate().value();
        x509::CsrBuilder b;
        b.subject(x509::Name::build({{"CN", "张三"}}).value()).public_key(holder_key->public_key());
        auto csr = b.sign_with(*holder_key, crypto::k_default_sm2_id).value();
        s.csr.assign(csr.der().begin(), csr.der().end());
        s.challenge_phrase = "my cat is orange";
        return s;
    }

    // Submitted by the applicant, approved by the 主管部门, reviewed (and issued) by the operator.
    RaRequest issued_request() {
        auto r = wf->submit("zhang", new_application());
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        auto a = wf->approve("approver", r->id, sign("approver", "approve", *r));
        EXPECT_TRUE(a.ok()) << a.error().to_string();
        auto v = wf->review("reviewer", a->id, sign("reviewer", "review", *a));
        EXPECT_TRUE(v.ok()) << v.error().to_string();
        return v.ok() ? *v : RaRequest{};
    }

    std::vector<Notification> notifications_for(const std::string& object) {
        NotificationFilter f;
        f.object_id = object;
        return outbox->list(f).value();
    }

    bool audited(std::string_view action, bool success) {
        auto recs = audit_store->read_range(1, 10000).value();
        return std::any_of(recs.begin(), recs.end(),
                           [&](const audit::AuditRecord& r) { return r.action == action && r.success == success; });
    }

    crypto::OpensslRng rng;
    crypto::Sm2PrivateKey staff_ca = crypto::Sm2PrivateKey::generate().value();
    std::map<std::string, crypto::Sm2PrivateKey> keys;
    std::optional<crypto::Sm2PrivateKey> holder_key;
    std::unique_ptr<store::SqliteAuthStore> auth_store;
    std::unique_ptr<auth::AuthService> auth;
    std::unique_ptr<store::SqliteRevocationStore> revocations;
    std::unique_ptr<store::SqliteAuditStore> audit_store;
    std::unique_ptr<audit::AuditLog> audit_log;
    std::unique_ptr<store::SqliteRaStore> ra_store;
    std::unique_ptr<store::SqliteOutboxStore> outbox;
    std::unique_ptr<ca::Issuer> the_issuer;
    std::unique_ptr<ca::StatusService> status;
    std::unique_ptr<ra::Workflow> wf;
};

TEST(RaForm, CitizenIdAndCreditCodeCheckCharacters) {
    EXPECT_TRUE(valid_citizen_id("11010519491231002X"));
    EXPECT_FALSE(valid_citizen_id("110105194912310021"));
    EXPECT_FALSE(valid_citizen_id("11010519491231002"));
    EXPECT_TRUE(valid_social_credit_code("91350100M000100Y43"));
    EXPECT_FALSE(valid_social_credit_code("91350100M000100Y44"));
    ApplicationForm f;
    f.kind = SubjectKind::organisation;
    f.fields = {{"org_name", "某某人力资源服务有限公司"},
                {"province_city", "山东省"},
                {"org_code", "91350100M000100Y43"},
                {"contact_name", "李四"},
                {"phone", "0531-88888888"}};
    EXPECT_TRUE(validate_form(f).ok());
    f.fields["mac"] = "00:11:22:33:44:55";  // a device field on the organisation form
    EXPECT_EQ(validate_form(f).error().code, Errc::ra_bad_request);
}

TEST_F(Workflow, ApplicationGoesThroughTheChainAndIsDelivered) {
    auto r = wf->submit("zhang", new_application());
    YX_ASSERT_OK(r);
    EXPECT_EQ(r->state, RequestState::submitted);
    EXPECT_EQ(r->decision_due, m_clock.now() + std::chrono::hours(48));
    auto a = wf->approve("approver", r->id, sign("approver", "approve", *r));
    YX_ASSERT_OK(a);
    EXPECT_EQ(a->state, RequestState::approved);
    auto v = wf->review("reviewer", a->id, sign("reviewer", "review", *a));
    YX_ASSERT_OK(v);
    EXPECT_EQ(v->state, RequestState::completed);
    ASSERT_FALSE(v->result.empty());

    auto der = wf->download("zhang", v->id);
    YX_ASSERT_OK(der);
    auto cert = x509::Certificate::parse(*der).value();
    EXPECT_NE(cert.subject().to_string().find("CN=张三"), std::string::npos) << cert.subject().to_string();
    EXPECT_EQ("demo-sub:" + cert.serial_hex(), v->result);
    EXPECT_EQ(cert.public_key_info().sm2_public_key()->point(), holder_key->public_key().point());

    auto d = wf->deliver("reviewer", v->id, DeliveryMethod::collection, "张三本人", "1234567890123456",
                         sign("reviewer", "deliver", *v));
    YX_ASSERT_OK(d);
    EXPECT_EQ(d->state, RequestState::delivered);
    EXPECT_EQ(d->carrier_no, "1234567890123456");

    auto h = wf->history("zhang", r->id).value();
    ASSERT_EQ(h.size(), 5u);
    EXPECT_EQ(h[1].action, "approve");
    EXPECT_NE(h[1].signature.find("approve signed by approver"), std::string::npos) << h[1].signature;
    EXPECT_NE(h[2].signature.find("review signed by reviewer"), std::string::npos);
    EXPECT_EQ(h[3].detail, "issued " + v->result);
    for (const char* action :
         {"ra.request.submit", "ra.request.approve", "ra.request.review", "ra.request.complete", "ra.request.deliver"})
        EXPECT_TRUE(audited(action, true)) << action;
    // The approval and the issuance were announced by e-mail and webhook, in the same transactions.
    auto notes = notifications_for(r->id);
    std::map<std::string, int> events;
    for (const auto& n : notes) ++events[n.event + "/" + std::string(notify_channel_name(n.channel))];
    EXPECT_EQ(events["ra.request.approved/email"], 1);
    EXPECT_EQ(events["ra.request.approved/webhook"], 1);
    EXPECT_EQ(events["ra.certificate.issued/email"], 1);
}

TEST_F(Workflow, TheClerkDoesNotReviewWhatHeEntered) {
    auto r = wf->submit("clerk", new_application());
    YX_ASSERT_OK(r);
    auto a = wf->approve("approver", r->id, sign("approver", "approve", *r));
    YX_ASSERT_OK(a);
    YX_EXPECT_CODE(wf->review("clerk", a->id, sign("clerk", "review", *a)), Errc::auth_same_person);
    EXPECT_TRUE(audited("ra.request.review", false));
    // Nobody else in scope: the Qingdao operator is outside the Jinan subtree.
    YX_EXPECT_CODE(wf->review("qd.op", a->id, sign("qd.op", "review", *a)), Errc::auth_out_of_scope);
    YX_ASSERT_OK(wf->review("reviewer", a->id, sign("reviewer", "review", *a)));
}

TEST_F(Workflow, IllegalTransitionsAndBadSignaturesChangeNothing) {
    auto r = wf->submit("zhang", new_application());
    YX_ASSERT_OK(r);
    // Reviewing before the 主管部门, delivering before issuance.
    YX_EXPECT_CODE(wf->review("reviewer", r->id, sign("reviewer", "review", *r)), Errc::ra_illegal_transition);
    YX_EXPECT_CODE(wf->deliver("reviewer", r->id, DeliveryMethod::mail, "张三", "", sign("reviewer", "deliver", *r)),
                   Errc::ra_illegal_transition);
    // A signature for another step, or by somebody else, does not count.
    YX_EXPECT_CODE(wf->approve("approver", r->id, sign("approver", "reject", *r)),
                   Errc::auth_decision_signature_invalid);
    YX_EXPECT_CODE(wf->approve("approver", r->id, sign("reviewer", "approve", *r)),
                   Errc::auth_decision_signature_invalid);
    // Applicants cannot approve their own application.
    YX_EXPECT_CODE(wf->approve("zhang", r->id, sign("zhang", "approve", *r)), Errc::auth_denied);
    auto now = wf->get("zhang", r->id).value();
    EXPECT_EQ(now.state, RequestState::submitted);
    EXPECT_EQ(now.version, r->version);
    EXPECT_EQ(wf->history("zhang", r->id)->size(), 1u);

    auto a = wf->approve("approver", r->id, sign("approver", "approve", *r));
    YX_ASSERT_OK(a);
    YX_EXPECT_CODE(wf->approve("approver", a->id, sign("approver", "approve", *a)), Errc::ra_illegal_transition);
    // The 主管部门 does not reject what it approved; the department does, with a reason, and it is sent.
    YX_EXPECT_CODE(wf->reject("approver", a->id, "x", sign("approver", "reject", *a)), Errc::auth_denied);
    YX_EXPECT_CODE(wf->reject("reviewer", a->id, "", sign("reviewer", "reject", *a)), Errc::ra_bad_request);
    auto rej = wf->reject("reviewer", a->id, "身份证明材料不全", sign("reviewer", "reject", *a));
    YX_ASSERT_OK(rej);
    EXPECT_EQ(rej->state, RequestState::rejected);
    YX_EXPECT_CODE(wf->review("reviewer", a->id, sign("reviewer", "review", *rej)), Errc::ra_illegal_transition);
    auto notes = notifications_for(r->id);
    EXPECT_TRUE(std::any_of(notes.begin(), notes.end(), [](const Notification& n) {
        return n.event == "ra.request.rejected" && n.body.find("身份证明材料不全") != std::string::npos;
    }));
}

TEST_F(Workflow, BadFormsAndRequestsAreRefusedAndNothingIsStored) {
    auto s = new_application();
    s.form.fields["id_number"] = "110105194912310021";  // wrong check digit
    YX_EXPECT_CODE(wf->submit("zhang", s), Errc::ra_bad_request);
    s = new_application();
    s.form.fields.erase("name");
    YX_EXPECT_CODE(wf->submit("zhang", s), Errc::ra_bad_request);
    s = new_application();
    s.form.fields["favourite_colour"] = "blue";
    YX_EXPECT_CODE(wf->submit("zhang", s), Errc::ra_bad_request);
    s = new_application();
    s.csr = Bytes{0x30, 0x03, 0x02, 0x01, 0x00};
    EXPECT_FALSE(wf->submit("zhang", s).ok());
    s = new_application();
    s.csr.back() ^= 0x01;  // breaks the proof of possession
    EXPECT_FALSE(wf->submit("zhang", s).ok());
    s = new_application();
    s.org_node = "qingdao";  // outside the applicant's node
    YX_EXPECT_CODE(wf->submit("zhang", s), Errc::auth_out_of_scope);
    RequestFilter f;
    EXPECT_TRUE(wf->list("reviewer", f)->empty());
    EXPECT_TRUE(audited("ra.request.submit", false));
}

TEST_F(Workflow, OverdueListFollowsTheFortyEightHourClock) {
    auto r = wf->submit("zhang", new_application());
    YX_ASSERT_OK(r);
    EXPECT_TRUE(wf->overdue("reviewer")->empty());
    m_clock.advance(std::chrono::hours(49));
    auto late = wf->overdue("reviewer");
    YX_ASSERT_OK(late);
    ASSERT_EQ(late->size(), 1u);
    EXPECT_EQ(late->front().id, r->id);
    EXPECT_TRUE(wf->overdue("qd.op")->empty());  // not in Qingdao's subtree
    auto a = wf->approve("approver", r->id, sign("approver", "approve", *r));
    YX_ASSERT_OK(wf->review("reviewer", a->id, sign("reviewer", "review", *a)));
    EXPECT_TRUE(wf->overdue("reviewer")->empty());
}

TEST_F(Workflow, OnlineRenewalWindowOldKeyAndSupersededCertificate) {
    RaRequest issued = issued_request();
    auto cert = x509::Certificate::parse(wf->download("zhang", issued.id).value()).value();
    const TimePoint not_after = cert.not_after();
    auto renewal = [&](const crypto::Sm2PrivateKey& signer) {
        OnlineRenewal o;
        o.ca_id = "demo-sub";
        o.serial_hex = cert.serial_hex();
        auto key = crypto::Sm2PrivateKey::generate().value();
        x509::CsrBuilder b;
        b.subject(x509::Name::build({{"CN", "张三"}}).value()).public_key(key.public_key());
        auto csr = b.sign_with(key, crypto::k_default_sm2_id).value();
        o.csr.assign(csr.der().begin(), csr.der().end());
        o.signature = crypto::sm2_sign(signer, as_bytes(online_renewal_text(o.ca_id, o.serial_hex, o.csr))).value();
        return o;
    };
    // Too early: the window opens 30 days before expiry.
    YX_EXPECT_CODE(wf->renew_online("zhang", renewal(*holder_key)), Errc::ra_not_renewable);
    m_clock.set(not_after - std::chrono::hours(24 * 30) + std::chrono::seconds(1));
    // Not signed with the old key.
    YX_EXPECT_CODE(wf->renew_online("zhang", renewal(crypto::Sm2PrivateKey::generate().value())),
                   Errc::ra_bad_signature);
    auto rr = wf->renew_online("zhang", renewal(*holder_key));
    YX_ASSERT_OK(rr);
    EXPECT_EQ(rr->state, RequestState::approved);
    EXPECT_TRUE(rr->self_service);
    auto done = wf->review("reviewer", rr->id, sign("reviewer", "review", *rr));
    YX_ASSERT_OK(done);
    EXPECT_EQ(done->state, RequestState::completed);
    auto renewed = x509::Certificate::parse(wf->download("zhang", rr->id).value()).value();
    EXPECT_GT(renewed.not_after(), not_after);
    // The old certificate is revoked as superseded, so it cannot be renewed again.
    auto old = revocations->revocation("demo-sub", cert.serial()).value();
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(old->reason, static_cast<int>(x509::CrlReason::superseded));
    YX_EXPECT_CODE(wf->renew_online("zhang", renewal(*holder_key)), Errc::ra_not_renewable);
}

TEST_F(Workflow, ExpiredCertificatesNeedTheFullChainAndRevokedOnesNoRenewalAtAll) {
    RaRequest issued = issued_request();
    auto cert = x509::Certificate::parse(wf->download("zhang", issued.id).value()).value();
    m_clock.set(cert.not_after() + std::chrono::hours(24));
    OnlineRenewal o;
    o.ca_id = "demo-sub";
    o.serial_hex = cert.serial_hex();
    auto csr = new_application().csr;
    o.csr = csr;
    o.signature = crypto::sm2_sign(*holder_key, as_bytes(online_renewal_text(o.ca_id, o.serial_hex, o.csr))).value();
    YX_EXPECT_CODE(wf->renew_online("zhang", o), Errc::ra_not_renewable);
    // At a registration point, through the whole chain: open until 30 days after expiry.
    SubmitRequest manual = new_application();
    manual.kind = RequestKind::renewal;
    manual.challenge_phrase.clear();
    manual.target = issued.result;
    YX_ASSERT_OK(wf->submit("zhang", manual));
    m_clock.set(cert.not_after() + std::chrono::hours(24 * 31));
    manual = new_application();
    manual.kind = RequestKind::renewal;
    manual.challenge_phrase.clear();
    manual.target = issued.result;
    YX_EXPECT_CODE(wf->submit("zhang", manual), Errc::ra_not_renewable);
}

TEST_F(Workflow, RevocationRequestSuspensionAndSelfService) {
    RaRequest first = issued_request();
    // Suspension by the operator, release, and the applicant may not do either.
    YX_EXPECT_CODE(wf->suspend("zhang", first.result, "lost the key"), Errc::auth_denied);
    auto s = wf->suspend("reviewer", first.result, "holder reported the key missing");
    YX_ASSERT_OK(s);
    EXPECT_EQ(s->status, "suspended");
    EXPECT_TRUE(s->crl_number.has_value());
    auto ref = parse_certificate_ref(first.result).value();
    EXPECT_EQ(revocations->revocation(ref.first, ref.second).value()->reason, 6);
    YX_EXPECT_CODE(wf->suspend("reviewer", first.result, "again"), Errc::ca_already_revoked);
    YX_ASSERT_OK(wf->unsuspend("reviewer", first.result, "key found"));
    EXPECT_FALSE(revocations->revocation(ref.first, ref.second).value().has_value());

    // A revocation request through the chain (§6.4.4).
    SubmitRequest rv;
    rv.kind = RequestKind::revocation;
    rv.form = person_form();
    rv.org_node = "jinan.hall";
    rv.target = first.result;
    rv.reason = x509::CrlReason::affiliation_changed;
    auto r = wf->submit("zhang", rv);
    YX_ASSERT_OK(r);
    auto a = wf->approve("approver", r->id, sign("approver", "approve", *r));
    YX_ASSERT_OK(a);
    auto done = wf->review("reviewer", a->id, sign("reviewer", "review", *a));
    YX_ASSERT_OK(done);
    EXPECT_EQ(done->state, RequestState::completed);
    EXPECT_EQ(revocations->revocation(ref.first, ref.second).value()->reason, 3);
    YX_EXPECT_CODE(
        wf->deliver("reviewer", done->id, DeliveryMethod::mail, "张三", "", sign("reviewer", "deliver", *done)),
        Errc::ra_illegal_transition);

    // Web self-service with the challenge phrase of the second certificate.
    RaRequest second = issued_request();
    YX_EXPECT_CODE(wf->self_revoke(second.result, "my dog is orange", x509::CrlReason::key_compromise, "127.0.0.1"),
                   Errc::ra_challenge_mismatch);
    auto ref2 = parse_certificate_ref(second.result).value();
    EXPECT_FALSE(revocations->revocation(ref2.first, ref2.second).value().has_value());
    // Guessing is limited: after five wrong phrases even the right one waits for the window to end.
    for (int i = 0; i < 4; ++i)
        YX_EXPECT_CODE(
            wf->self_revoke(second.result, "guess " + std::to_string(i), x509::CrlReason::key_compromise, "127.0.0.1"),
            Errc::ra_challenge_mismatch);
    YX_EXPECT_CODE(wf->self_revoke(second.result, "my cat is orange", x509::CrlReason::key_compromise, "127.0.0.1"),
                   Errc::auth_locked);
    m_clock.advance(std::chrono::minutes(61));
    auto self = wf->self_revoke(second.result, "my cat is orange", x509::CrlReason::key_compromise, "127.0.0.1");
    YX_ASSERT_OK(self);
    EXPECT_EQ(revocations->revocation(ref2.first, ref2.second).value()->reason, 1);
    EXPECT_TRUE(audited("ra.revoke.self_service", false));
    EXPECT_TRUE(audited("ra.revoke.self_service", true));
    // Forced revocation needs a reason text and the revocation permission.
    RaRequest third = issued_request();
    YX_EXPECT_CODE(wf->force_revoke("zhang", third.result, x509::CrlReason::privilege_withdrawn, "rules"),
                   Errc::auth_denied);
    YX_ASSERT_OK(wf->force_revoke("reviewer", third.result, x509::CrlReason::privilege_withdrawn, "违反规定"));
}

TEST_F(Workflow, ExpiryRemindersOnceAndExpiredHoldsRevoked) {
    RaRequest issued = issued_request();
    auto cert = x509::Certificate::parse(wf->download("zhang", issued.id).value()).value();
    EXPECT_EQ(wf->queue_expiry_reminders().value(), 0u);
    m_clock.set(cert.not_after() - std::chrono::hours(24 * 59));
    auto soon = wf->expiring("reviewer");
    YX_ASSERT_OK(soon);
    ASSERT_EQ(soon->size(), 1u);
    EXPECT_EQ(soon->front().request_id, issued.id);
    EXPECT_TRUE(wf->expiring("qd.op")->empty());
    EXPECT_EQ(wf->queue_expiry_reminders().value(), 2u);  // e-mail and webhook
    EXPECT_EQ(wf->queue_expiry_reminders().value(), 0u);  // once
    YX_ASSERT_OK(wf->suspend("reviewer", issued.result, "pending investigation"));
    m_clock.set(cert.not_after() + std::chrono::seconds(1));
    auto revoked = wf->revoke_expired_holds();
    YX_ASSERT_OK(revoked);
    ASSERT_EQ(revoked->size(), 1u);
    auto ref = parse_certificate_ref(issued.result).value();
    EXPECT_EQ(revocations->revocation(ref.first, ref.second).value()->reason, 5);
}

TEST_F(Workflow, StatisticsByProfileRegionStatusAndPeriod) {
    RaRequest a = issued_request();
    RaRequest b = issued_request();
    YX_ASSERT_OK(wf->force_revoke("reviewer", b.result, x509::CrlReason::unspecified, "test"));
    YX_EXPECT_CODE(wf->statistics("reviewer", from_unix(0), m_clock.now() + std::chrono::hours(1)), Errc::auth_denied);
    auto rows = wf->statistics("stats", from_unix(0), m_clock.now() + std::chrono::hours(1));
    YX_ASSERT_OK(rows);
    std::map<std::string, std::int64_t> by_status;
    for (const auto& r : *rows) {
        EXPECT_EQ(r.profile_id, "personnel-sign");
        EXPECT_EQ(r.region, "山东省济南市");
        EXPECT_EQ(r.org_node, "jinan.hall");
        EXPECT_EQ(r.period, format_rfc3339(m_clock.now()).substr(0, 7));
        by_status[r.status] += r.count;
    }
    EXPECT_EQ(by_status["valid"], 1);
    EXPECT_EQ(by_status["revoked"], 1);
}

TEST_F(Workflow, KeyRecoveryRequestsWaitForTheKmcAfterBothApprovals) {
    RaRequest issued = issued_request();
    SubmitRequest k;
    k.kind = RequestKind::key_recovery;
    k.form.kind = SubjectKind::carrier;
    k.form.fields = person_form().fields;
    k.form.fields.erase("position");
    k.form.fields["carrier_no"] = "620100000000001";  // 15 digits
    k.org_node = "jinan.hall";
    k.target = issued.result;
    YX_EXPECT_CODE(wf->submit("zhang", k), Errc::ra_bad_request);
    k.form.fields["carrier_no"] = "6201000000000017";
    k.form.kind = SubjectKind::person;  // form A.1 is not the recovery form
    YX_EXPECT_CODE(wf->submit("zhang", k), Errc::ra_bad_request);
    k.form.kind = SubjectKind::carrier;
    k.kind = RequestKind::judicial_recovery;  // entered by staff only
    YX_EXPECT_CODE(wf->submit("zhang", k), Errc::auth_denied);
    k.kind = RequestKind::key_recovery;
    auto r = wf->submit("zhang", k);
    YX_ASSERT_OK(r);
    auto a = wf->approve("approver", r->id, sign("approver", "approve", *r));
    YX_ASSERT_OK(a);
    auto v = wf->review("reviewer", a->id, sign("reviewer", "review", *a));
    YX_ASSERT_OK(v);
    EXPECT_EQ(v->state, RequestState::reviewed);
    YX_EXPECT_CODE(wf->complete("reviewer", v->id), Errc::ra_illegal_transition);
    RequestFilter f;
    f.kind = RequestKind::key_recovery;
    f.state = RequestState::reviewed;
    auto queue = wf->list("reviewer", f);
    YX_ASSERT_OK(queue);
    ASSERT_EQ(queue->size(), 1u);
    EXPECT_EQ(queue->front().form.get("carrier_no"), "6201000000000017");
    // A judicial request entered by an operator goes through the same two approvals.
    k.kind = RequestKind::judicial_recovery;
    auto j = wf->submit("clerk", k);
    YX_ASSERT_OK(j);
    auto ja = wf->approve("approver", j->id, sign("approver", "approve", *j));
    YX_ASSERT_OK(ja);
    YX_EXPECT_CODE(wf->review("clerk", ja->id, sign("clerk", "review", *ja)), Errc::auth_same_person);
    YX_ASSERT_OK(wf->review("reviewer", ja->id, sign("reviewer", "review", *ja)));
}

TEST_F(Workflow, SponsoredAcceptancePointsIssueFromTheirPrepaidQuota) {
    auto run = [&]() {
        auto s = new_application();
        s.org_node = "jinan.prepaid";
        auto r = wf->submit("clerk", s);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        auto a = wf->approve("approver", r->id, sign("approver", "approve", *r));
        EXPECT_TRUE(a.ok()) << a.error().to_string();
        return wf->review("reviewer", a->id, sign("reviewer", "review", *a));
    };
    auto first = run();
    YX_ASSERT_OK(first);
    EXPECT_EQ(first->state, RequestState::completed);
    auto nodes = auth->list_org_nodes("reviewer").value();
    auto node =
        std::find_if(nodes.begin(), nodes.end(), [](const auth::OrgNode& n) { return n.id == "jinan.prepaid"; });
    ASSERT_NE(node, nodes.end());
    EXPECT_EQ(node->quota_remaining, 0);
    // The quota is used up: the second request stays reviewed, nothing is issued, until a top-up.
    auto second = run();
    YX_EXPECT_CODE(second, Errc::auth_quota_exhausted);
    RequestFilter f;
    f.state = RequestState::reviewed;
    auto waiting = wf->list("reviewer", f).value();
    ASSERT_EQ(waiting.size(), 1u);
    EXPECT_TRUE(waiting.front().result.empty());
    YX_ASSERT_OK(auth->topup_quota("ra.admin", "jinan.prepaid", 5));
    auto done = wf->complete("reviewer", waiting.front().id);
    YX_ASSERT_OK(done);
    EXPECT_EQ(done->state, RequestState::completed);
}

// 双证书 (issue 9): the workflow asks the KMC — in process here, through KmcService::handle, over
// the signed GM/T 0014 messages — for an escrowed key pair and issues the encryption certificate
// under the serial the KMC knows it by.
class DualWorkflow : public Workflow {
protected:
    void SetUp() override {
        Workflow::SetUp();
        if (HasFatalFailure()) return;
        const std::string db = store_path();
        kmc_store = store::SqliteKmcStore::open(db).value();
        auto kmc_keys = kmc::open_kmc_keys(*m_device, ca::test::k_key_pin, *audit_log);
        YX_ASSERT_OK(kmc_keys);
        ca::IssueRequest req;
        req.ca_id = "demo-sub";
        req.profile_id = "device-sign";
        req.data = ca::test::request_data(*ca::test::profiles().find("device-sign").value());
        req.data.spki_der = kmc_keys->sign_public_key;
        req.request_id = "kmc-certificate";
        auto issued = the_issuer->issue(req);
        YX_ASSERT_OK(issued);
        kmc_cert = x509::Certificate::parse(issued->certificate_der).value();
        const x509::Certificate ca = ca_cert("demo-sub");
        kmc::KmcConfig kc;
        kc.trusted_cas.push_back(kmc::TrustedCa{"demo-sub", ca});
        auto svc = kmc::KmcService::create(*kmc_store, *kmc_keys, *kmc_cert, *auth, *audit_log, m_clock, kc);
        YX_ASSERT_OK(svc);
        kmc_service = std::move(svc).value();
        auto resolver = ca::device_key_resolver(*m_device, "soft", std::string(ca::test::k_key_pin));
        auto key = resolver(m_store->get_ca("demo-sub").value());
        YX_ASSERT_OK(key);
        kmc::SignFunction sign = [dev = key->device, index = key->index, id = key->sm2_id](BytesView m) {
            return dev->sign(index, m, id);
        };
        kmc::Transport transport = [this](BytesView der) -> Result<Bytes> {
            ++exchanges;
            if (fail_transport) return make_error(Errc::io_error, "the KMC is unreachable");
            return kmc_service->handle(der, "127.0.0.1:test");
        };
        client = std::make_unique<kmc::KmcClient>(ca, sign, *kmc_cert, transport, m_clock, rng);
        wf->set_kmc(client.get());
    }

    RaRequest dual_request() {
        SubmitRequest s = new_application();
        s.dual = true;
        auto r = wf->submit("zhang", s);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        EXPECT_TRUE(r->dual);
        auto a = wf->approve("approver", r->id, sign("approver", "approve", *r));
        EXPECT_TRUE(a.ok()) << a.error().to_string();
        return *a;
    }

    std::unique_ptr<store::SqliteKmcStore> kmc_store;
    std::optional<x509::Certificate> kmc_cert;
    std::unique_ptr<kmc::KmcService> kmc_service;
    std::unique_ptr<kmc::KmcClient> client;
    int exchanges = 0;
    bool fail_transport = false;
};

TEST_F(DualWorkflow, SigningAndEncryptionCertificatesWithTheKeyEnvelopedToTheHolder) {
    RaRequest approved = dual_request();
    auto done = wf->review("reviewer", approved.id, sign("reviewer", "review", approved));
    YX_ASSERT_OK(done);
    EXPECT_EQ(done->state, RequestState::completed);
    const Bytes response_der = wf->download_key_response("zhang", done->id).value();
    auto response = kmc::parse_csr_response(response_der);
    YX_ASSERT_OK(response);
    ASSERT_EQ(response->sign_certificates.size(), 1u);
    ASSERT_EQ(response->encrypt_certificates.size(), 1u);
    const x509::Certificate& sign_cert = response->sign_certificates.front();
    const x509::Certificate& enc_cert = response->encrypt_certificates.front();
    // The signing certificate is the PKCS#10 key's; the encryption certificate is of the twin
    // profile, for another key, under the serial the KMC escrowed it by.
    EXPECT_EQ(Bytes(sign_cert.der().begin(), sign_cert.der().end()), wf->download("zhang", done->id).value());
    EXPECT_EQ(sign_cert.public_key_info().der(), holder_key->public_key().spki_der());
    EXPECT_NE(enc_cert.public_key_info().der(), sign_cert.public_key_info().der());
    EXPECT_EQ(sign_cert.subject().to_string(), enc_cert.subject().to_string());
    EXPECT_TRUE(enc_cert.verify_signature_with(ca_cert("demo-sub").public_key_info()).ok());
    std::string cert_no = hex_encode(Bytes(enc_cert.serial().begin(), enc_cert.serial().end()));
    while (cert_no.rfind("00", 0) == 0) cert_no.erase(0, 2);  // the KMC's userCertNo: the magnitude
    auto escrowed = kmc_store->find_key("demo-sub", cert_no).value();
    ASSERT_TRUE(escrowed.has_value()) << cert_no;
    EXPECT_EQ(escrowed->public_key, enc_cert.public_key_info().der());
    EXPECT_EQ(escrowed->user_public_key, sign_cert.public_key_info().der());
    // Only the holder's signing key opens the envelope; what it opens is the encryption key pair.
    auto key = kmc::open_enveloped_key(*response->encrypted_private_key, *holder_key);
    YX_ASSERT_OK(key);
    EXPECT_EQ(key->public_key().spki_der(), enc_cert.public_key_info().der());
    auto stranger = crypto::Sm2PrivateKey::generate().value();
    EXPECT_FALSE(kmc::open_enveloped_key(*response->encrypted_private_key, stranger).ok());
    // Data encrypted to the encryption certificate decrypts with the delivered key.
    const std::string secret = "社保卡个人数据 / card holder data";
    auto enc_pub = crypto::Sm2PublicKey::from_spki_der(enc_cert.public_key_info().der()).value();
    auto ct = crypto::sm2_encrypt(enc_pub, as_bytes(secret)).value();
    auto pt = crypto::sm2_decrypt(*key, ct);
    YX_ASSERT_OK(pt);
    EXPECT_EQ(std::string(pt->begin(), pt->end()), secret);
    EXPECT_EQ(exchanges, 1);
    // The fuzz seeds of fuzz/corpus/kmc_fuzz come from here:
    // YINXIN_WRITE_KMC_SEEDS=fuzz/corpus/kmc_fuzz ra_workflow_test --gtest_filter=DualWorkflow.Signing*
    if (const char* dir = std::getenv("YINXIN_WRITE_KMC_SEEDS")) {
        const std::filesystem::path d(dir);
        std::ofstream(d / "csr_response.der", std::ios::binary)
            .write(reinterpret_cast<const char*>(response_der.data()),
                   static_cast<std::streamsize>(response_der.size()));
        const Bytes& env = *response->encrypted_private_key;
        std::ofstream(d / "sm2_enveloped_key.der", std::ios::binary)
            .write(reinterpret_cast<const char*>(env.data()), static_cast<std::streamsize>(env.size()));
        const Bytes task = ra_store->dual_key(done->id).value()->kmc_request;
        std::ofstream(d / "ca_request_apply.der", std::ios::binary)
            .write(reinterpret_cast<const char*>(task.data()), static_cast<std::streamsize>(task.size()));
        const Bytes answer = kmc_service->handle(task, "seed");
        std::ofstream(d / "km_respond_apply.der", std::ios::binary)
            .write(reinterpret_cast<const char*>(answer.data()), static_cast<std::streamsize>(answer.size()));
    }
}

TEST_F(DualWorkflow, AKmcOutageIsRetriedWithoutASecondKeyOrCertificate) {
    RaRequest approved = dual_request();
    fail_transport = true;
    YX_EXPECT_CODE(wf->review("reviewer", approved.id, sign("reviewer", "review", approved)), Errc::io_error);
    // The signing certificate is issued, the request waits in reviewed, the task is kept.
    auto waiting = wf->get("reviewer", approved.id).value();
    EXPECT_EQ(waiting.state, RequestState::reviewed);
    auto pair = ra_store->dual_key(approved.id).value();
    ASSERT_TRUE(pair.has_value());
    EXPECT_FALSE(pair->kmc_request.empty());
    EXPECT_TRUE(pair->csr_response.empty());
    fail_transport = false;
    auto done = wf->complete("reviewer", approved.id);
    YX_ASSERT_OK(done);
    EXPECT_EQ(done->state, RequestState::completed);
    // Sending the kept task again: the KMC answers from its record, no second key is escrowed.
    const Bytes task = ra_store->dual_key(approved.id).value()->kmc_request;
    EXPECT_EQ(task, pair->kmc_request);
    auto again = client->send_apply(task);
    YX_ASSERT_OK(again);
    kmc::KeyFilter all;
    EXPECT_EQ(kmc_store->list_keys(all).value().size(), 1u);
    // A repeated complete on the finished request changes nothing.
    YX_EXPECT_CODE(wf->complete("reviewer", approved.id), Errc::ra_illegal_transition);
}

TEST_F(DualWorkflow, RevokingOneHalfRevokesThePairAndMarksTheEscrowedKey) {
    RaRequest approved = dual_request();
    auto done = wf->review("reviewer", approved.id, sign("reviewer", "review", approved));
    YX_ASSERT_OK(done);
    auto pair = ra_store->dual_key(done->id).value().value();
    ASSERT_FALSE(pair.enc_result.empty());
    YX_ASSERT_OK(wf->force_revoke("reviewer", done->result, x509::CrlReason::key_compromise, "USB key lost"));
    auto sign_serial = parse_certificate_ref(done->result).value();
    auto enc_serial = parse_certificate_ref(pair.enc_result).value();
    auto r1 = revocations->revocation("demo-sub", sign_serial.second).value();
    auto r2 = revocations->revocation("demo-sub", enc_serial.second).value();
    ASSERT_TRUE(r1.has_value());
    ASSERT_TRUE(r2.has_value());
    EXPECT_EQ(r2->reason, static_cast<int>(x509::CrlReason::key_compromise));
    std::string cert_no = hex_encode(pair.encryption_serial);
    while (cert_no.rfind("00", 0) == 0) cert_no.erase(0, 2);
    auto escrowed = kmc_store->find_key("demo-sub", cert_no).value();
    ASSERT_TRUE(escrowed.has_value());
    EXPECT_EQ(escrowed->state, kmc::KeyState::revoked);
    EXPECT_TRUE(ra_store->dual_key(done->id).value()->kmc_revoked);
    EXPECT_TRUE(audited("ra.revoke.pair", true));
}

TEST_F(DualWorkflow, DualRequestsNeedASignProfileAnSm2KeyAndAKmc) {
    SubmitRequest s = new_application();
    s.dual = true;
    s.profile_id = "tls-server";
    YX_EXPECT_CODE(wf->submit("zhang", s), Errc::ra_bad_request);
    wf->set_kmc(nullptr);
    s.profile_id.clear();
    YX_EXPECT_CODE(wf->submit("zhang", s), Errc::ra_bad_request);
    EXPECT_EQ(encryption_profile_of("personnel-sign"), "personnel-encrypt");
    EXPECT_EQ(encryption_profile_of("tls-server"), "");
    // Not a dual request: no key response to download.
    wf->set_kmc(client.get());
    auto plain = issued_request();
    YX_EXPECT_CODE(wf->download_key_response("zhang", plain.id), Errc::ra_illegal_transition);
}

}  // namespace
}  // namespace yinxin::ra
