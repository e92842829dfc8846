// Certificate status (status.h): revocation, holds and their release, each followed at once by a
// signed CRL; the CRL read back by Yinxin, by `openssl crl` and by BouncyCastle (bc/CrlCheck.java,
// SM2 with the explicit signer ID); the refusals with their stable codes, and the audit events.
#include "yinxin/ca/status.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "ca_test_util.h"
#include "yinxin/store/sqlite_revocation_store.h"

namespace yinxin::ca::test {
namespace {

using yinxin::test::openssl;
using yinxin::test::openssl_available;
using yinxin::test::write_file;

class StatusTest : public CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        run_demo();
        auto st = store::SqliteRevocationStore::open(store_path(), {.busy_timeout_ms = 5000, .clock = &m_clock});
        ASSERT_TRUE(st.ok()) << st.error().to_string();
        m_status = std::move(st).value();
    }

    StatusService service() {
        return StatusService(stores(), *m_status, device_key_resolver(*m_device, "soft", std::string(k_key_pin)),
                             m_clock, [this](const CaEvent& e) { m_events.push_back(e); });
    }

    // A freshly issued personnel certificate of demo-sub.
    Bytes issue_one(const std::string& request_id) {
        IssueRequest r;
        r.ca_id = "demo-sub";
        r.profile_id = "personnel-sign";
        r.csr = make_csr({{"C", "CN"}, {"O", "Applicant Org"}, {"CN", "applicant " + request_id}});
        r.data = request_data(*profiles().find("personnel-sign").value());
        r.request_id = request_id;
        auto issued = issuer().issue(r);
        EXPECT_TRUE(issued.ok()) << issued.error().to_string();
        return issued.ok() ? issued->serial : Bytes{};
    }

    StatusService delta_service() {
        return StatusService(
            stores(), *m_status, device_key_resolver(*m_device, "soft", std::string(k_key_pin)), m_clock,
            [this](const CaEvent& e) { m_events.push_back(e); },
            CrlPolicy{.validity = std::chrono::hours(24),
                      .deltas = true,
                      .delta_validity = std::chrono::hours(1),
                      .base_url = "http://127.0.0.1:8080"});
    }

    // BouncyCastle's reading of a CRL of `ca_id` (bc/CrlCheck.java): the first line, then entries.
    std::string bc_check(const CrlRecord& crl, const std::string& ca_id) {
        write_file(m_dir / "check.crl", crl.der);
        write_file(m_dir / "check-ca.der", ca_cert(ca_id).der());
        const std::vector<std::string> java{std::string(yinxin::test::k_java),
                                            "-cp",
                                            yinxin::test::bouncycastle_classpath(YX_CA_BC_CLASS_DIR),
                                            "CrlCheck",
                                            (m_dir / "check.crl").string(),
                                            (m_dir / "check-ca.der").string()};
        auto bc = yinxin::test::run_process(java);
        EXPECT_EQ(bc.exit_code, 0) << yinxin::test::describe(java, bc);
        return bc.output;
    }

    bool has_event(const std::string& action) const {
        return std::any_of(m_events.begin(), m_events.end(), [&](const CaEvent& e) { return e.action == action; });
    }

    std::unique_ptr<store::SqliteRevocationStore> m_status;
};

TEST_F(StatusTest, RevocationAndHoldAppearInTheNextCrlWithReasons) {
    const Bytes a = issue_one("a");
    const Bytes b = issue_one("b");
    const Bytes c = issue_one("c");
    auto svc = service();

    RevokeRequest rev{.ca_id = "demo-sub",
                      .serial = a,
                      .reason = x509::CrlReason::key_compromise,
                      .invalidity_date = t0() - std::chrono::hours(5),
                      .actor = "operator-1"};
    auto r1 = svc.revoke(rev);
    ASSERT_TRUE(r1.ok()) << r1.error().to_string();
    ASSERT_TRUE(r1->crl.has_value()) << (r1->crl_error ? r1->crl_error->to_string() : "");
    EXPECT_EQ(r1->crl->entries, 1u);
    const std::uint64_t first_number = r1->crl->number;

    auto r2 = svc.revoke({.ca_id = "demo-sub",
                          .serial = b,
                          .reason = x509::CrlReason::certificate_hold,
                          .invalidity_date = std::nullopt,
                          .actor = "operator-1"});
    ASSERT_TRUE(r2.ok()) << r2.error().to_string();
    ASSERT_TRUE(r2->crl.has_value());
    EXPECT_GT(r2->crl->number, first_number);  // RFC 5280 5.2.3: monotonically increasing

    auto crl = x509::Crl::parse(r2->crl->der);
    ASSERT_TRUE(crl.ok()) << crl.error().to_string();
    const x509::Certificate sub = ca_cert("demo-sub");
    EXPECT_TRUE(crl->verify_signature_with(sub.public_key_info()).ok());
    EXPECT_EQ(crl->verify_signature_with(sub.public_key_info(), "").code(), Errc::x509_signature_invalid);
    EXPECT_EQ(crl->version(), 2);
    EXPECT_EQ(crl->issuer(), sub.subject());
    EXPECT_EQ(crl->crl_number(), std::optional<std::uint64_t>(r2->crl->number));
    EXPECT_EQ(crl->authority_key_id(), sub.extensions().subject_key_identifier());
    ASSERT_TRUE(crl->next_update().has_value());
    EXPECT_EQ(*crl->next_update() - crl->this_update(), std::chrono::hours(24));
    ASSERT_EQ(crl->entries().size(), 2u);
    const auto* ea = crl->find(a);
    ASSERT_NE(ea, nullptr);
    EXPECT_EQ(ea->reason, x509::CrlReason::key_compromise);
    EXPECT_EQ(ea->invalidity_date, std::optional<TimePoint>(t0() - std::chrono::hours(5)));
    const auto* eb = crl->find(b);
    ASSERT_NE(eb, nullptr);
    EXPECT_EQ(eb->reason, x509::CrlReason::certificate_hold);
    EXPECT_EQ(crl->find(c), nullptr);
    EXPECT_TRUE(has_event("ca.revoke"));
    EXPECT_TRUE(has_event("ca.hold"));
    EXPECT_TRUE(has_event("ca.crl"));

    // The newest CRL is what the store serves.
    auto latest = m_status->latest_crl("demo-sub", CrlScope::full);
    ASSERT_TRUE(latest.ok() && latest->has_value());
    EXPECT_EQ((*latest)->der, r2->crl->der);

    // Independent readers: the openssl CLI parses it (it cannot check an SM2 signature with the ID),
    // BouncyCastle parses it and verifies the SM2 signature with the explicit ID.
    ASSERT_TRUE(openssl_available());
    write_file(m_dir / "sub.crl", r2->crl->der);
    write_file(m_dir / "sub.der", sub.der());
    auto text = openssl({"crl", "-inform", "DER", "-in", (m_dir / "sub.crl").string(), "-noout", "-text"});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    EXPECT_NE(text.output.find("Key Compromise"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("Certificate Hold"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("X509v3 CRL Number"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("Invalidity Date"), std::string::npos) << text.output;
    const std::vector<std::string> java{std::string(yinxin::test::k_java),
                                        "-cp",
                                        yinxin::test::bouncycastle_classpath(YX_CA_BC_CLASS_DIR),
                                        "CrlCheck",
                                        (m_dir / "sub.crl").string(),
                                        (m_dir / "sub.der").string()};
    auto bc = yinxin::test::run_process(java);
    ASSERT_EQ(bc.exit_code, 0) << yinxin::test::describe(java, bc);
    EXPECT_EQ(bc.output.rfind("OK number=" + std::to_string(r2->crl->number) + " entries=2", 0), 0u) << bc.output;
    EXPECT_NE(bc.output.find("KEY_COMPROMISE"), std::string::npos) << bc.output;
    EXPECT_NE(bc.output.find("CERTIFICATE_HOLD"), std::string::npos) << bc.output;
}

TEST_F(StatusTest, HoldIsReleasedOrMadeFinal) {
    const Bytes a = issue_one("a");
    const Bytes b = issue_one("b");
    auto svc = service();
    auto hold = [&](const Bytes& s) {
        return svc.revoke({.ca_id = "demo-sub",
                           .serial = s,
                           .reason = x509::CrlReason::certificate_hold,
                           .invalidity_date = std::nullopt,
                           .actor = "op"});
    };
    ASSERT_TRUE(hold(a).ok());
    ASSERT_TRUE(hold(b).ok());
    EXPECT_EQ(hold(a).code(), Errc::ca_already_revoked);

    // Unsuspended: gone from the next CRL.
    auto released = svc.release_hold("demo-sub", a, "op");
    ASSERT_TRUE(released.ok()) << released.error().to_string();
    ASSERT_TRUE(released->crl.has_value());
    auto crl = x509::Crl::parse(released->crl->der).value();
    EXPECT_EQ(crl.find(a), nullptr);
    EXPECT_NE(crl.find(b), nullptr);
    EXPECT_EQ(svc.release_hold("demo-sub", a, "op").code(), Errc::ca_not_on_hold);
    EXPECT_TRUE(has_event("ca.hold.release"));
    EXPECT_TRUE(has_event("ca.hold.release.failed"));

    // A held certificate may be revoked for good, and then no longer released.
    auto final_rev = svc.revoke({.ca_id = "demo-sub",
                                 .serial = b,
                                 .reason = x509::CrlReason::superseded,
                                 .invalidity_date = std::nullopt,
                                 .actor = "op"});
    ASSERT_TRUE(final_rev.ok()) << final_rev.error().to_string();
    crl = x509::Crl::parse(final_rev->crl->der).value();
    ASSERT_NE(crl.find(b), nullptr);
    EXPECT_EQ(crl.find(b)->reason, x509::CrlReason::superseded);
    EXPECT_EQ(svc.release_hold("demo-sub", b, "op").code(), Errc::ca_not_on_hold);
    EXPECT_EQ(hold(b).code(), Errc::ca_already_revoked);
}

TEST_F(StatusTest, RefusalsHaveStableCodesAndChangeNothing) {
    const Bytes a = issue_one("a");
    auto svc = service();
    auto revoke = [&](RevokeRequest r) { return svc.revoke(r); };
    EXPECT_EQ(revoke({.ca_id = "demo-sub",
                      .serial = Bytes{0x01, 0x02},
                      .reason = x509::CrlReason::unspecified,
                      .invalidity_date = std::nullopt,
                      .actor = "op"})
                  .code(),
              Errc::ca_certificate_not_found);
    EXPECT_EQ(revoke({.ca_id = "no-such-ca",
                      .serial = a,
                      .reason = x509::CrlReason::unspecified,
                      .invalidity_date = std::nullopt,
                      .actor = "op"})
                  .code(),
              Errc::ca_not_found);
    // Another CA's serial space.
    EXPECT_EQ(revoke({.ca_id = "demo-root",
                      .serial = a,
                      .reason = x509::CrlReason::unspecified,
                      .invalidity_date = std::nullopt,
                      .actor = "op"})
                  .code(),
              Errc::ca_certificate_not_found);
    EXPECT_EQ(revoke({.ca_id = "demo-sub",
                      .serial = a,
                      .reason = x509::CrlReason::remove_from_crl,
                      .invalidity_date = std::nullopt,
                      .actor = "op"})
                  .code(),
              Errc::invalid_argument);
    EXPECT_EQ(revoke({.ca_id = "demo-sub",
                      .serial = a,
                      .reason = x509::CrlReason::key_compromise,
                      .invalidity_date = t0() + std::chrono::hours(1),
                      .actor = "op"})
                  .code(),
              Errc::invalid_argument);
    auto none = m_status->revocation("demo-sub", a);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    EXPECT_TRUE(has_event("ca.revoke.failed"));

    ASSERT_TRUE(revoke({.ca_id = "demo-sub",
                        .serial = a,
                        .reason = x509::CrlReason::affiliation_changed,
                        .invalidity_date = std::nullopt,
                        .actor = "op"})
                    .ok());
    EXPECT_EQ(revoke({.ca_id = "demo-sub",
                      .serial = a,
                      .reason = x509::CrlReason::key_compromise,
                      .invalidity_date = std::nullopt,
                      .actor = "op"})
                  .code(),
              Errc::ca_already_revoked);
    auto kept = m_status->revocation("demo-sub", a);
    ASSERT_TRUE(kept.ok() && kept->has_value());
    EXPECT_EQ((*kept)->reason, static_cast<int>(x509::CrlReason::affiliation_changed));
    EXPECT_EQ((*kept)->actor, "op");
}

TEST_F(StatusTest, EmptyCrlOfARootAndCrlNumbersNeverRepeat) {
    auto svc = service();
    auto first = svc.issue_crl("demo-root");
    ASSERT_TRUE(first.ok()) << first.error().to_string();
    EXPECT_EQ(first->entries, 0u);
    auto parsed = x509::Crl::parse(first->der);
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    EXPECT_TRUE(parsed->entries().empty());
    EXPECT_TRUE(parsed->verify_signature_with(ca_cert("demo-root").public_key_info()).ok());
    std::uint64_t last = first->number;
    for (int i = 0; i < 3; ++i) {
        auto next = svc.issue_crl("demo-root");
        ASSERT_TRUE(next.ok());
        EXPECT_GT(next->number, last);
        last = next->number;
    }
    // A number reserved but never used (a crash before put_crl) is skipped, not reused.
    auto reserved = m_status->next_crl_number("demo-root");
    ASSERT_TRUE(reserved.ok());
    auto after = svc.issue_crl("demo-root");
    ASSERT_TRUE(after.ok());
    EXPECT_GT(after->number, *reserved);
    EXPECT_EQ(svc.issue_crl("no-such-ca").code(), Errc::ca_not_found);
}

TEST_F(StatusTest, DeltaCrlsListTheChangesSinceTheirBase) {
    const Bytes a = issue_one("a");
    const Bytes b = issue_one("b");
    auto svc = delta_service();
    auto base = svc.issue_crl("demo-sub");
    ASSERT_TRUE(base.ok()) << base.error().to_string();
    EXPECT_EQ(base->scope, CrlScope::full);
    ASSERT_TRUE(openssl_available());
    write_file(m_dir / "base.crl", base->der);
    auto text = openssl({"crl", "-inform", "DER", "-in", (m_dir / "base.crl").string(), "-noout", "-text"});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    // The full CRL says where its deltas are (RFC 5280 5.2.6).
    EXPECT_NE(text.output.find("http://127.0.0.1:8080/crl/demo-sub-delta.crl"), std::string::npos) << text.output;

    // With deltas on, each change is published at once as a delta against the newest full CRL.
    auto r1 = svc.revoke({.ca_id = "demo-sub",
                          .serial = a,
                          .reason = x509::CrlReason::key_compromise,
                          .invalidity_date = std::nullopt,
                          .actor = "op"});
    ASSERT_TRUE(r1.ok()) << r1.error().to_string();
    ASSERT_TRUE(r1->crl.has_value()) << (r1->crl_error ? r1->crl_error->to_string() : "");
    EXPECT_EQ(r1->crl->scope, CrlScope::delta);
    EXPECT_EQ(r1->crl->delta_base, base->number);
    EXPECT_EQ(r1->crl->entries, 1u);
    auto hold = svc.revoke({.ca_id = "demo-sub",
                            .serial = b,
                            .reason = x509::CrlReason::certificate_hold,
                            .invalidity_date = std::nullopt,
                            .actor = "op"});
    ASSERT_TRUE(hold.ok() && hold->crl.has_value());
    EXPECT_EQ(hold->crl->entries, 2u);

    // A released hold stays in the delta as removeFromCRL (the base may list it).
    auto released = svc.release_hold("demo-sub", b, "op");
    ASSERT_TRUE(released.ok() && released->crl.has_value());
    const CrlRecord delta = *released->crl;
    EXPECT_EQ(delta.scope, CrlScope::delta);
    auto parsed = x509::Crl::parse(delta.der);
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    EXPECT_EQ(parsed->delta_base(), base->number);
    EXPECT_TRUE(parsed->verify_signature_with(ca_cert("demo-sub").public_key_info()).ok());
    ASSERT_NE(parsed->find(a), nullptr);
    EXPECT_EQ(parsed->find(a)->reason, x509::CrlReason::key_compromise);
    ASSERT_NE(parsed->find(b), nullptr);
    EXPECT_EQ(parsed->find(b)->reason, x509::CrlReason::remove_from_crl);
    EXPECT_TRUE(has_event("ca.crl.delta"));

    write_file(m_dir / "delta.crl", delta.der);
    text = openssl({"crl", "-inform", "DER", "-in", (m_dir / "delta.crl").string(), "-noout", "-text"});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    EXPECT_NE(text.output.find("Delta CRL Indicator"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("Remove From CRL"), std::string::npos) << text.output;
    const std::string bc = bc_check(delta, "demo-sub");
    EXPECT_EQ(
        bc.rfind("OK number=" + std::to_string(delta.number) + " entries=2 delta_base=" + std::to_string(base->number),
                 0),
        0u)
        << bc;
    EXPECT_NE(bc.find("REMOVE_FROM_CRL"), std::string::npos) << bc;

    // The schedule: a new full CRL (a, not b) becomes the base; the delta after it is empty.
    auto scheduled = svc.issue_scheduled("demo-sub");
    ASSERT_TRUE(scheduled.ok()) << scheduled.error().to_string();
    ASSERT_EQ(scheduled->size(), 2u);  // full + delta; demo-sub is no root, so no ARL
    const CrlRecord& full = (*scheduled)[0];
    EXPECT_EQ(full.scope, CrlScope::full);
    EXPECT_EQ(full.entries, 1u);
    EXPECT_EQ((*scheduled)[1].scope, CrlScope::delta);
    EXPECT_EQ((*scheduled)[1].delta_base, full.number);
    EXPECT_EQ((*scheduled)[1].entries, 0u);
    auto latest = m_status->latest_crl("demo-sub", CrlScope::delta);
    ASSERT_TRUE(latest.ok() && latest->has_value());
    EXPECT_EQ((*latest)->number, (*scheduled)[1].number);
}

TEST_F(StatusTest, ArlListsRevokedCaCertificatesOnly) {
    // The sub CA's certificate was issued by demo-root through the pipeline.
    const x509::Certificate sub = ca_cert("demo-sub");
    auto svc = service();
    auto scheduled = svc.issue_scheduled("demo-root");
    ASSERT_TRUE(scheduled.ok()) << scheduled.error().to_string();
    ASSERT_EQ(scheduled->size(), 2u);  // a root: full CRL + ARL
    EXPECT_EQ((*scheduled)[1].scope, CrlScope::arl);
    EXPECT_EQ((*scheduled)[1].entries, 0u);

    const Bytes user = issue_one("u");
    ASSERT_TRUE(svc.revoke({.ca_id = "demo-sub",
                            .serial = user,
                            .reason = x509::CrlReason::superseded,
                            .invalidity_date = std::nullopt,
                            .actor = "op"})
                    .ok());
    auto r = svc.revoke({.ca_id = "demo-root",
                         .serial = Bytes(sub.serial().begin(), sub.serial().end()),
                         .reason = x509::CrlReason::ca_compromise,
                         .invalidity_date = std::nullopt,
                         .actor = "op"});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(r->revocation.ca_certificate);
    ASSERT_TRUE(r->arl.has_value()) << (r->crl_error ? r->crl_error->to_string() : "");
    auto arl = x509::Crl::parse(r->arl->der);
    ASSERT_TRUE(arl.ok()) << arl.error().to_string();
    EXPECT_TRUE(arl->only_ca_certs());
    EXPECT_EQ(arl->entries().size(), 1u);
    EXPECT_NE(arl->find(sub.serial()), nullptr);
    EXPECT_TRUE(has_event("ca.arl"));
    const std::string bc = bc_check(*r->arl, "demo-root");
    EXPECT_EQ(bc.rfind("OK number=" + std::to_string(r->arl->number) + " entries=1 only_ca_certs", 0), 0u) << bc;
    EXPECT_NE(bc.find("CA_COMPROMISE"), std::string::npos) << bc;
    // The sub CA's certificate points at that ARL.
    write_file(m_dir / "sub.der", sub.der());
    auto text = openssl({"x509", "-inform", "DER", "-in", (m_dir / "sub.der").string(), "-noout", "-text"});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    EXPECT_NE(text.output.find("/crl/demo-root.arl"), std::string::npos) << text.output;
}

TEST_F(StatusTest, CertificatesOfADeltaPublishingCaPointToTheDeltas) {
    auto pub = demo_config().publication;
    pub.delta_crls = true;
    Issuer iss(stores(), profiles(), device_key_resolver(*m_device, "soft", std::string(k_key_pin)), pub, m_clock,
               m_rng, [](const CaEvent&) {});
    IssueRequest req;
    req.ca_id = "demo-sub";
    req.profile_id = "personnel-sign";
    req.csr = make_csr({{"C", "CN"}, {"O", "Applicant Org"}, {"CN", "delta reader"}});
    req.data = request_data(*profiles().find("personnel-sign").value());
    req.request_id = "d";
    auto issued = iss.issue(req);
    ASSERT_TRUE(issued.ok()) << issued.error().to_string();
    write_file(m_dir / "ee.der", issued->certificate_der);
    auto text = openssl({"x509", "-inform", "DER", "-in", (m_dir / "ee.der").string(), "-noout", "-text"});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    EXPECT_NE(text.output.find("Freshest CRL"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("/crl/demo-sub-delta.crl"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("/crl/demo-sub.crl"), std::string::npos) << text.output;
}

TEST(CrlScheduleTest, DueByIntervalAndDailyTime) {
    using namespace std::chrono;
    CrlSchedule s;
    s.interval = hours(6);
    const TimePoint day = floor<days>(from_unix(1'790'000'000));
    EXPECT_TRUE(s.due(std::nullopt, day));
    EXPECT_FALSE(s.due(day, day + hours(5) + minutes(59)));
    EXPECT_TRUE(s.due(day, day + hours(6)));
    s.interval = hours(24);
    s.daily_at = parse_time_of_day("16:00").value();
    EXPECT_FALSE(s.due(day + hours(10), day + hours(15) + minutes(59)));
    EXPECT_TRUE(s.due(day + hours(10), day + hours(16)));
    EXPECT_FALSE(s.due(day + hours(16), day + hours(20)));
    // Yesterday's slot counts before today's.
    EXPECT_TRUE(s.due(day - hours(9), day + hours(1)));
    EXPECT_TRUE(validate(s).ok());
    s.interval = hours(25);
    EXPECT_EQ(validate(s).code(), Errc::invalid_argument);
    s.interval = seconds(30);
    EXPECT_EQ(validate(s).code(), Errc::invalid_argument);
    EXPECT_EQ(parse_time_of_day("24:00").code(), Errc::invalid_argument);
    EXPECT_EQ(parse_time_of_day("7:00").code(), Errc::invalid_argument);
    EXPECT_EQ(parse_time_of_day("07:60").code(), Errc::invalid_argument);
    EXPECT_EQ(parse_time_of_day("00:00").value(), minutes(0));
}

TEST_F(StatusTest, TheScheduleSignsWhatIsDueOnly) {
    auto svc = service();
    CrlSchedule schedule;
    schedule.interval = std::chrono::hours(1);
    auto first = run_crl_schedule(svc, stores(), *m_status, schedule, m_clock.now());
    ASSERT_TRUE(first.ok()) << first.error().to_string();
    EXPECT_TRUE(first->failed.empty());
    // Every CA of the demo that signs: full CRLs, and ARLs for the roots.
    std::size_t full = 0;
    std::size_t arl = 0;
    for (const auto& c : first->issued) (c.scope == CrlScope::full ? full : arl) += 1;
    EXPECT_GE(full, 3u);
    EXPECT_GE(arl, 2u);
    EXPECT_TRUE(m_status->latest_crl("demo-root", CrlScope::arl).value().has_value());
    // Nothing is due a minute later; everything an hour later.
    auto again = run_crl_schedule(svc, stores(), *m_status, schedule, m_clock.now() + std::chrono::minutes(1));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->issued.empty());
}

TEST_F(StatusTest, AfterAKeyChangeoverTheOldKeySignsTheCrlsOfItsCertificates) {
    const Bytes old_holder = issue_one("before-changeover");
    auto ctx = context();
    auto ro = rollover("demo-sub", "demo-sub-2027", ctx, demo_config().publication);
    ASSERT_TRUE(ro.ok()) << ro.error().to_string();
    ASSERT_EQ(m_store->get_ca("demo-sub").value().status, CaStatus::retired);
    auto svc = service();
    auto r = svc.revoke({.ca_id = "demo-sub",
                         .serial = old_holder,
                         .reason = x509::CrlReason::affiliation_changed,
                         .invalidity_date = std::nullopt,
                         .actor = "op"});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_TRUE(r->crl.has_value()) << (r->crl_error ? r->crl_error->to_string() : "");
    // Signed by the retired CA's (old) key, naming it by its AKI; the new CA's key does not verify it.
    auto crl = x509::Crl::parse(r->crl->der).value();
    EXPECT_NE(crl.find(old_holder), nullptr);
    EXPECT_TRUE(crl.verify_signature_with(ca_cert("demo-sub").public_key_info()).ok());
    EXPECT_FALSE(crl.verify_signature_with(ca_cert("demo-sub-2027").public_key_info()).ok());
    EXPECT_EQ(crl.authority_key_id(), ca_cert("demo-sub").extensions().subject_key_identifier());
    const std::string bc = bc_check(*r->crl, "demo-sub");
    EXPECT_EQ(bc.rfind("OK number=" + std::to_string(r->crl->number) + " entries=1", 0), 0u) << bc;
    // The new CA has its own CRLs, numbered on their own.
    auto fresh = svc.issue_crl("demo-sub-2027");
    ASSERT_TRUE(fresh.ok()) << fresh.error().to_string();
    EXPECT_EQ(fresh->entries, 0u);
    EXPECT_TRUE(
        x509::Crl::parse(fresh->der).value().verify_signature_with(ca_cert("demo-sub-2027").public_key_info()).ok());
}

}  // namespace
}  // namespace yinxin::ca::test
