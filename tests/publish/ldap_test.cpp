// LDAP publication to a real OpenLDAP slapd started by the test: certificates as
// userCertificate;binary on entries named by the subject DN (created with their parents), CA
// certificates as cACertificate;binary and CRLs (full, delta, ARL) on the CA's entry, all found
// again with the real `ldapsearch`; holders who opted out are not listed; a directory outage
// (slapd stopped while revocations happen) loses nothing and keeps the CRL order.
#include "yinxin/publish/ldap.h"

#include <gtest/gtest.h>

#include "publish/publish_test_util.h"
#include "publish/slapd.h"
#include "yinxin/x509/crl.h"

namespace yinxin::publish::test {
namespace {

using yinxin::test::openssl;
using yinxin::test::Slapd;

constexpr std::string_view k_suffix = "dc=yinxin,dc=test";
// The entries (RFC 4514, most specific first) of the demo CAs and a holder under k_suffix.
constexpr std::string_view k_sub_entry =
    "cn=Yinxin Demo SM2 Issuing CA,ou=Issuing,o=Yinxin Demo,c=CN,dc=yinxin,dc=test";
constexpr std::string_view k_root_entry = "cn=Yinxin Demo SM2 Root CA,o=Yinxin Demo,c=CN,dc=yinxin,dc=test";

class LdapPublish : public PublishFixture {
protected:
    void SetUp() override {
        PublishFixture::SetUp();
        m_slapd = std::make_unique<Slapd>(m_dir / "slapd", std::string(k_suffix));
        ASSERT_TRUE(m_slapd->start());
    }

    Target ldap_target(const std::string& id = "directory", const std::string& base = std::string(k_suffix)) {
        LdapConfig c;
        c.url = m_slapd->url();
        c.bind_dn = m_slapd->root_dn();
        c.password_file = m_slapd->password_file();
        c.base_dn = base;
        c.timeout = std::chrono::seconds(5);
        Target t;
        t.id = id;
        t.kind = TargetKind::ldap;
        t.config = ldap_config_json(c);
        return t;
    }

    static std::string holder_entry(const std::string& cn) {
        return "cn=" + cn + ",o=Applicant Org,st=山东省,c=CN,dc=yinxin,dc=test";
    }

    std::unique_ptr<Slapd> m_slapd;
};

TEST_F(LdapPublish, CertificatesCaCertificatesAndCrlsAreFoundWithLdapsearch) {
    // A target added after the CAs exist gets their certificates at once (backfill).
    ASSERT_TRUE(m_queue->add_target(ldap_target()).ok());
    auto queued = rows("directory");
    ASSERT_EQ(queued.size(), 3u);  // demo-root, demo-sub, demo-seal-root (the external CA is not imported)
    for (const auto& r : queued) EXPECT_EQ(r.object_kind, ObjectKind::ca_certificate);

    // The holder of request "hidden" opted out before issuance; a CA certificate is published by
    // its own row, not as a userCertificate of the CA's entry.
    ASSERT_TRUE(m_queue->add_opt_out({.ca_id = "", .serial = {}, .request_id = "hidden", .reason = "holder"}).ok());
    const auto [serial_a, der_a] = issue("a", "Zhang San");
    const auto [serial_b, der_b] = issue("b", "Li Si");
    const auto [serial_h, der_h] = issue("hidden", "Wang Wu");
    auto svc = status_service();
    const ca::CrlRecord crl = revoke(svc, serial_b);
    auto root_arl = svc.issue_arl("demo-root");
    ASSERT_TRUE(root_arl.ok()) << root_arl.error().to_string();

    auto pub = publisher(false);
    auto round = pub.run_once();
    ASSERT_TRUE(round.ok()) << round.error().to_string();
    ASSERT_EQ(round->targets.size(), 1u);
    EXPECT_FALSE(round->targets[0].failure) << round->targets[0].failure->to_string();
    EXPECT_EQ(round->targets[0].delivered, 3u + 2u + 2u);  // CA certificates, 2 holders, CRL + ARL
    EXPECT_EQ(round->targets[0].skipped, 1u);              // the opted-out holder
    EXPECT_TRUE(rows("directory", true).empty());

    // ldapsearch finds each object on its entry, byte for byte.
    auto a = m_slapd->read(holder_entry("Zhang San"), "userCertificate;binary");
    ASSERT_EQ(a.exit_code, 0) << a.output;
    ASSERT_EQ(a.values.size(), 1u) << a.output;
    EXPECT_EQ(a.values[0], der_a);
    auto b = m_slapd->read(holder_entry("Li Si"), "userCertificate;binary");
    ASSERT_EQ(b.values.size(), 1u) << b.output;
    EXPECT_EQ(b.values[0], der_b);
    const auto classes = m_slapd->read_text_values(holder_entry("Zhang San"), "objectClass");
    EXPECT_NE(std::find(classes.begin(), classes.end(), "pkiUser"), classes.end());
    EXPECT_NE(std::find(classes.begin(), classes.end(), "inetOrgPerson"), classes.end());
    // Not listed: ldapsearch answers 32 (noSuchObject).
    auto hidden = m_slapd->read(holder_entry("Wang Wu"), "userCertificate;binary");
    EXPECT_EQ(hidden.exit_code, 32) << hidden.output;

    auto cacert = m_slapd->read(k_sub_entry, "cACertificate;binary");
    ASSERT_EQ(cacert.values.size(), 1u) << cacert.output;
    EXPECT_EQ(cacert.values[0], ca_der("demo-sub"));
    EXPECT_TRUE(m_slapd->read(k_sub_entry, "userCertificate;binary").values.empty());
    auto crl_values = m_slapd->read(k_sub_entry, "certificateRevocationList;binary");
    ASSERT_EQ(crl_values.values.size(), 1u) << crl_values.output;
    EXPECT_EQ(crl_values.values[0], crl.der);
    auto arl_values = m_slapd->read(k_root_entry, "authorityRevocationList;binary");
    ASSERT_EQ(arl_values.values.size(), 1u) << arl_values.output;
    EXPECT_EQ(arl_values.values[0], root_arl->der);

    // The CRL as a relying party fetches it from the directory: openssl reads it, Yinxin verifies
    // the SM2 signature with the ID and finds the revoked serial.
    ASSERT_TRUE(yinxin::test::openssl_available());
    yinxin::test::write_file(m_dir / "from-ldap.crl", crl_values.values[0]);
    auto text = openssl({"crl", "-inform", "DER", "-in", (m_dir / "from-ldap.crl").string(), "-noout", "-text"});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    auto parsed = x509::Crl::parse(crl_values.values[0]);
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    EXPECT_TRUE(parsed->verify_signature_with(ca_cert("demo-sub").public_key_info()).ok());
    EXPECT_NE(parsed->find(serial_b), nullptr);

    // Each delivery and skip is an audit event.
    EXPECT_EQ(count_events("publish.ldap"), 7u);
    EXPECT_EQ(count_events("publish.ldap.skipped"), 1u);
    EXPECT_EQ(count_events("publish.ldap.failed"), 0u);
    auto ev = std::find_if(m_published.begin(), m_published.end(),
                           [](const PublishEvent& e) { return e.action == "publish.ldap.skipped"; });
    ASSERT_NE(ev, m_published.end());
    EXPECT_NE(ev->detail.find("opted out"), std::string::npos) << ev->detail;
    const auto audit = audit_event_of(*ev, "serve", "system");
    EXPECT_TRUE(audit::validate_action(audit.action).ok());
    EXPECT_NE(audit.target.find("directory #"), std::string::npos) << audit.target;

    // A delivery repeated (an operator's retry) is harmless: the value is there once.
    const auto done = rows("directory");
    const auto cert_row = std::find_if(done.begin(), done.end(), [](const QueueItem& r) {
        return r.object_kind == ObjectKind::certificate && r.state == ItemState::done;
    });
    ASSERT_NE(cert_row, done.end());
    ASSERT_TRUE(m_queue->requeue(cert_row->id).ok());
    round = pub.run_once();
    ASSERT_TRUE(round.ok());
    EXPECT_EQ(round->delivered(), 1u);
    EXPECT_EQ(m_slapd->read(holder_entry("Zhang San"), "userCertificate;binary").values.size(), 1u);
}

// A holder's second certificate (dual certificates share the subject DN) is added beside the
// first; delta CRLs go to deltaRevocationList;binary and each new full CRL replaces the last.
TEST_F(LdapPublish, SecondCertificateIsAddedAndDeltasArePublished) {
    ASSERT_TRUE(m_queue->add_target(ldap_target()).ok());
    const auto [s1, der1] = issue("sign", "Zhao Liu");
    const auto [s2, der2] = issue("renewal", "Zhao Liu");
    auto svc = status_service(true);
    auto full = svc.issue_crl("demo-sub");
    ASSERT_TRUE(full.ok()) << full.error().to_string();
    auto r = svc.revoke({.ca_id = "demo-sub",
                         .serial = s1,
                         .reason = x509::CrlReason::superseded,
                         .invalidity_date = std::nullopt,
                         .actor = "operator-1"});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_TRUE(r->crl && r->crl->scope == ca::CrlScope::delta);
    auto full2 = svc.issue_crl("demo-sub");
    ASSERT_TRUE(full2.ok());

    auto pub = publisher(false);
    auto round = pub.run_once();
    ASSERT_TRUE(round.ok());
    ASSERT_FALSE(round->targets[0].failure) << round->targets[0].failure->to_string();

    auto certs = m_slapd->read(holder_entry("Zhao Liu"), "userCertificate;binary");
    ASSERT_EQ(certs.values.size(), 2u) << certs.output;
    EXPECT_NE(std::find(certs.values.begin(), certs.values.end(), der1), certs.values.end());
    EXPECT_NE(std::find(certs.values.begin(), certs.values.end(), der2), certs.values.end());
    auto delta = m_slapd->read(k_sub_entry, "deltaRevocationList;binary");
    ASSERT_EQ(delta.values.size(), 1u) << delta.output;
    EXPECT_EQ(delta.values[0], r->crl->der);
    auto crl = m_slapd->read(k_sub_entry, "certificateRevocationList;binary");
    ASSERT_EQ(crl.values.size(), 1u);
    EXPECT_EQ(crl.values[0], full2->der);  // the newest full CRL replaced the first
    const auto classes = m_slapd->read_text_values(k_sub_entry, "objectClass");
    EXPECT_NE(std::find(classes.begin(), classes.end(), "deltaCRL"), classes.end());
    EXPECT_NE(std::find(classes.begin(), classes.end(), "pkiCA"), classes.end());
}

// Issue 6: "stop slapd, revoke, start slapd, and find the CRL published afterwards". Nothing is
// lost while the directory is down, retries back off, and CRL n reaches it before CRL n+1.
TEST_F(LdapPublish, DirectoryOutageLosesNothingAndKeepsTheOrder) {
    ASSERT_TRUE(m_queue->add_target(ldap_target()).ok());
    const auto [s1, d1] = issue("o1", "Sun Qi");
    const auto [s2, d2] = issue("o2", "Zhou Ba");
    auto pub = publisher(false);
    ASSERT_TRUE(pub.run_once().ok());
    ASSERT_TRUE(rows("directory", true).empty());

    m_slapd->stop();
    auto svc = status_service();
    const ca::CrlRecord crl1 = revoke(svc, s1);
    const ca::CrlRecord crl2 = revoke(svc, s2);
    ASSERT_LT(crl1.number, crl2.number);
    ASSERT_EQ(rows("directory", true).size(), 2u);

    auto round = pub.run_once();
    ASSERT_TRUE(round.ok());
    ASSERT_TRUE(round->targets[0].failure.has_value());
    EXPECT_EQ(round->targets[0].failure->code, Errc::publish_unreachable) << round->targets[0].failure->to_string();
    auto pending = rows("directory", true);
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[0].attempts, 1);
    EXPECT_EQ(pending[0].next_attempt_at, to_unix(m_clock.now()) + 5);
    EXPECT_NE(pending[0].last_error.find("publish.unreachable"), std::string::npos) << pending[0].last_error;
    EXPECT_EQ(pending[1].attempts, 0);  // the second waits behind the first: never tried
    EXPECT_EQ(count_events("publish.ldap.failed"), 1u);

    // Not due yet: nothing is tried. Then the back-off doubles.
    round = pub.run_once();
    ASSERT_TRUE(round.ok());
    EXPECT_FALSE(round->targets[0].failure);
    EXPECT_EQ(rows("directory", true)[0].attempts, 1);
    m_clock.advance(std::chrono::seconds(5));
    round = pub.run_once();
    ASSERT_TRUE(round->targets[0].failure.has_value());
    pending = rows("directory", true);
    EXPECT_EQ(pending[0].attempts, 2);
    EXPECT_EQ(pending[0].next_attempt_at, to_unix(m_clock.now()) + 10);

    ASSERT_TRUE(m_slapd->start());
    m_clock.advance(std::chrono::seconds(10));
    round = pub.run_once();
    ASSERT_TRUE(round.ok());
    EXPECT_FALSE(round->targets[0].failure) << round->targets[0].failure->to_string();
    EXPECT_EQ(round->targets[0].delivered, 2u);
    EXPECT_TRUE(rows("directory", true).empty());

    auto crl = m_slapd->read(k_sub_entry, "certificateRevocationList;binary");
    ASSERT_EQ(crl.values.size(), 1u) << crl.output;
    EXPECT_EQ(crl.values[0], crl2.der);  // the newest: CRL n went first, n+1 replaced it
    std::vector<std::string> order;
    for (const auto& e : m_published)
        if (e.action == "publish.ldap" && e.object.rfind("crl ", 0) == 0) order.push_back(e.object);
    ASSERT_EQ(order.size(), 2u);
    EXPECT_EQ(order[0], "crl demo-sub #" + std::to_string(crl1.number) + " (full)");
    EXPECT_EQ(order[1], "crl demo-sub #" + std::to_string(crl2.number) + " (full)");
}

// Entries named by the subject DN itself when it already ends with the base DN (a directory whose
// naming context is c=CN); the base entry is created when missing.
TEST_F(LdapPublish, SubjectDnEndingWithTheBaseIsUsedAsIs) {
    Slapd country(m_dir / "slapd-cn", "c=CN");
    ASSERT_TRUE(country.start());
    LdapConfig c;
    c.url = country.url();
    c.bind_dn = country.root_dn();
    c.password_file = country.password_file();
    c.base_dn = "c=CN";
    ASSERT_TRUE(m_queue->add_target({.id = "national", .kind = TargetKind::ldap, .config = ldap_config_json(c)}).ok());
    auto pub = publisher(false);
    auto round = pub.run_once();
    ASSERT_TRUE(round.ok());
    for (const auto& t : round->targets) EXPECT_FALSE(t.failure) << t.target_id << ": " << t.failure->to_string();
    auto v = country.read("cn=Yinxin Demo SM2 Root CA,o=Yinxin Demo,c=CN", "cACertificate;binary");
    ASSERT_EQ(v.values.size(), 1u) << v.output;
    EXPECT_EQ(v.values[0], ca_der("demo-root"));
}

TEST_F(LdapPublish, WrongPasswordIsAFailureThatIsRetried) {
    yinxin::test::write_file(m_dir / "wrong.secret", "not-the-password\n");
    auto t = ldap_target();
    LdapConfig c = parse_ldap_config(t.config).value();
    c.password_file = (m_dir / "wrong.secret").string();
    t.config = ldap_config_json(c);
    ASSERT_TRUE(m_queue->add_target(t).ok());
    auto pub = publisher(false);
    auto round = pub.run_once();
    ASSERT_TRUE(round.ok());
    ASSERT_TRUE(round->targets[0].failure.has_value());
    EXPECT_EQ(round->targets[0].failure->code, Errc::publish_unreachable);
    EXPECT_NE(round->targets[0].failure->message.find("Invalid credentials"), std::string::npos)
        << round->targets[0].failure->message;
    EXPECT_EQ(rows("directory", true).size(), 3u);  // nothing lost, nothing skipped
}

TEST(LdapNames, EntryDnIsBuiltByLibldapWithEscaping) {
    auto n = x509::Name::build({{"C", "CN"}, {"O", "Acme, Inc. + Sons"}, {"CN", "#Zhang=San"}}).value();
    auto dn = entry_dn(n, "dc=yinxin,dc=test");
    ASSERT_TRUE(dn.ok()) << dn.error().to_string();
    auto s = dn_string(*dn);
    ASSERT_TRUE(s.ok());
    // RFC 4514 2.4: a leading '#', ',' and '+' escaped (as hex pairs, libldap's choice).
    EXPECT_EQ(*s, "cn=\\23Zhang\\3DSan,o=Acme\\2C Inc. \\2B Sons,c=CN,dc=yinxin,dc=test");
    // An attribute type no standard schema names cannot name an entry.
    auto odd = x509::Name::build({{"C", "CN"}, {"2.5.4.97", "VATCN-91370300MA3C5XYZ1Q"}}).value();
    EXPECT_EQ(entry_dn(odd, "dc=x").code(), Errc::publish_unsupported_name);
    EXPECT_EQ(entry_dn(n, "not a dn").code(), Errc::publish_bad_config);
}

TEST(LdapConfigs, StrictParsing) {
    EXPECT_TRUE(parse_ldap_config(R"({"url":"ldap://127.0.0.1:389","bind_dn":"cn=a,dc=x","password_file":"/p",
                                      "base_dn":"dc=x"})")
                    .ok());
    for (
        const char* bad : {
            R"({"url":"http://127.0.0.1","bind_dn":"cn=a,dc=x","password_file":"/p","base_dn":"dc=x"})",
            R"({"url":"ldap://127.0.0.1","bind_dn":"cn=a,dc=x","password_file":"/p"})",
            R"({"url":"ldap://127.0.0.1","bind_dn":"cn=a,dc=x","password_file":"/p","base_dn":"dc=x","pw":"x"})",
            R"({"url":"ldaps://127.0.0.1","bind_dn":"cn=a,dc=x","password_file":"/p","base_dn":"dc=x","start_tls":true})",
            R"({"url":"ldap://127.0.0.1","bind_dn":"cn=a,dc=x","password_file":"/p","base_dn":"dc=x","timeout_seconds":0})",
            "[]",
        }) {
        EXPECT_EQ(parse_ldap_config(bad).code(), Errc::publish_bad_config) << bad;
    }
}

}  // namespace
}  // namespace yinxin::publish::test
