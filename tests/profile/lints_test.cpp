// One TEST per lint (src/profile/lints/*.cpp): a passing certificate and a failing one. Failing
// certificates are built with x509's TbsCertificateBuilder directly, since build_tbs never makes
// them; each must fail the lint under test and no other.
#include <functional>

#include "test_util.h"
#include "yinxin/profile/lint.h"
#include "yinxin/x509/builder.h"

namespace yinxin::profile {
namespace {

namespace o = asn1::oids;
using x509::KeyUsageBit;

// What a personnel-sign certificate from build_tbs looks like, with knobs to break one rule.
struct Knobs {
    Bytes serial = test::good_serial();
    std::optional<Bytes> aki = test::issuer().key_id;
    x509::KeyUsage ku = x509::KeyUsage::of({KeyUsageBit::digital_signature, KeyUsageBit::non_repudiation});
    bool ku_critical = true;
    x509::BasicConstraints bc{};
    TimePoint not_before = test::t0();
    TimePoint not_after = test::t0() + std::chrono::days(1826) - std::chrono::seconds(1);
    std::vector<std::pair<std::string, std::string>> subject{
        {"C", "CN"}, {"O", "某某市人民政府办公室"}, {"CN", "张三"}};
    std::optional<Bytes> spki;
    bool ski_critical = false;
    std::optional<x509::Extension> extra;
};

x509::Certificate make(const Knobs& k) {
    const IssuerContext iss = test::issuer();
    x509::TbsCertificateBuilder b;
    b.serial(k.serial)
        .issuer(iss.name)
        .subject(x509::Name::build(k.subject).value())
        .validity(k.not_before, k.not_after);
    if (k.spki)
        b.public_key(x509::SubjectPublicKeyInfo::parse(*k.spki).value());
    else
        b.public_key(test::subject_key().public_key());
    b.basic_constraints(k.bc, true).key_usage(k.ku, k.ku_critical);
    b.ext_key_usage({.purposes = {o::kp_client_auth}});
    auto ski = x509::encode_subject_key_identifier(Bytes(20, 0x11)).value();
    ski.critical = k.ski_critical;
    b.add_extension(ski);
    if (k.aki) b.authority_key_identifier(*k.aki);
    b.crl_distribution_points({iss.crl_url});
    if (k.extra) b.add_extension(*k.extra);
    auto tbs = b.build_tbs();
    EXPECT_TRUE(tbs) << tbs.error().to_string();
    static const Bytes sig{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    return x509::Certificate::parse(
               x509::assemble_certificate(*tbs, x509::AlgorithmIdentifier::sm2_with_sm3(), sig).value())
        .value();
}

std::optional<std::string> run(std::string_view lint, const Knobs& k, const Profile* p = nullptr) {
    const Lint* l = find_lint(lint);
    EXPECT_NE(l, nullptr) << lint;
    if (l == nullptr) return "no such lint";
    const IssuerContext iss = test::issuer();
    const Profile& prof = p != nullptr ? *p : test::profile("personnel-sign");
    x509::Certificate cert = make(k);
    // Only the lint under test may fail.
    LintReport report = lint_certificate(cert, prof, iss);
    for (const auto& f : report.failures) EXPECT_EQ(f.lint, lint) << f.reason;
    return l->check({cert, prof, iss});
}

TEST(Lints, RegistryHasEveryLintOnceWithCitation) {
    EXPECT_EQ(all_lints().size(), 8u);
    for (const Lint* l : all_lints()) {
        EXPECT_EQ(find_lint(l->name()), l);
        EXPECT_FALSE(l->citation().empty());
    }
    EXPECT_EQ(find_lint("nope"), nullptr);
}

TEST(Lints, BaselinePasses) {
    EXPECT_TRUE(lint_certificate(make({}), test::profile("personnel-sign"), test::issuer()).ok());
}

TEST(Lints, SerialNumber) {
    EXPECT_FALSE(run("serial_number", {}));
    Knobs k;
    k.serial = {0x01, 0x02, 0x03, 0x04};
    EXPECT_NE(run("serial_number", k).value_or("").find("at least 8"), std::string::npos);
    k.serial = Bytes(16, 0x42);
    EXPECT_TRUE(run("serial_number", k));
    k.serial = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};
    EXPECT_NE(run("serial_number", k).value_or("").find("arithmetic"), std::string::npos);
    k.serial = {0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x07};
    EXPECT_TRUE(run("serial_number", k));
}

TEST(Lints, AuthorityKeyIdentifier) {
    EXPECT_FALSE(run("authority_key_identifier", {}));
    Knobs k;
    k.aki.reset();
    EXPECT_EQ(run("authority_key_identifier", k), "authorityKeyIdentifier is missing");
    k.aki = Bytes(20, 0xCD);
    EXPECT_TRUE(run("authority_key_identifier", k));
}

TEST(Lints, KeyUsageMatchesProfile) {
    EXPECT_FALSE(run("key_usage_matches_profile", {}));
    Knobs k;
    k.ku = x509::KeyUsage::of({KeyUsageBit::digital_signature, KeyUsageBit::key_encipherment});
    EXPECT_TRUE(run("key_usage_matches_profile", k));
    k = {};
    k.ku_critical = false;
    EXPECT_NE(run("key_usage_matches_profile", k).value_or("").find("not critical"), std::string::npos);
}

TEST(Lints, BasicConstraintsMatchesProfile) {
    EXPECT_FALSE(run("basic_constraints_matches_profile", {}));
    Knobs k;
    k.bc.ca = true;
    EXPECT_TRUE(run("basic_constraints_matches_profile", k));
}

TEST(Lints, ValidityWithinIssuer) {
    EXPECT_FALSE(run("validity_within_issuer", {}));
    Knobs k;
    k.not_before = test::issuer().not_before - std::chrono::days(1);
    k.not_after = k.not_before + std::chrono::days(30);
    EXPECT_NE(run("validity_within_issuer", k).value_or("").find("issuer's notBefore"), std::string::npos);
    k = {};
    k.not_after = test::t0() + std::chrono::days(1826);  // one second longer than the profile's period
    EXPECT_NE(run("validity_within_issuer", k).value_or("").find("1826 days"), std::string::npos);
    const Profile& card = test::profile("cardholder-sign");
    k = {};
    k.subject = {{"C", "CN"}, {"CN", "张三"}};
    k.not_after = test::issuer().not_after + std::chrono::days(1);
    k.not_before = k.not_after - std::chrono::days(100);
    const Lint* l = find_lint("validity_within_issuer");
    const IssuerContext iss = test::issuer();
    EXPECT_NE(l->check({make(k), card, iss}).value_or("").find("issuer's notAfter"), std::string::npos);
}

TEST(Lints, SubjectKey) {
    EXPECT_FALSE(run("subject_key", {}));
    // The same point under the P-256 curve OID: both OIDs are 8 content octets, so the SPKI keeps
    // its length. 06 08 2A 81 1C CF 55 01 82 2D (SM2) → 06 08 2A 86 48 CE 3D 03 01 07 (prime256v1).
    Bytes spki = x509::SubjectPublicKeyInfo::from_sm2(test::subject_key().public_key()).der();
    const Bytes sm2{0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D};
    const Bytes p256{0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    auto it = std::search(spki.begin(), spki.end(), sm2.begin(), sm2.end());
    ASSERT_NE(it, spki.end());
    std::copy(p256.begin(), p256.end(), it);
    Knobs k;
    k.spki = spki;
    EXPECT_NE(run("subject_key", k).value_or("").find("not a key algorithm of profile"), std::string::npos);
}

TEST(Lints, SubjectNotEmpty) {
    EXPECT_FALSE(run("subject_not_empty", {}));
    Knobs k;
    k.subject = {{"C", "CN"}, {"O", "某某市人民政府办公室"}};
    EXPECT_EQ(run("subject_not_empty", k), "subject has no CN");
}

TEST(Lints, ExtensionCriticality) {
    EXPECT_FALSE(run("extension_criticality", {}));
    Knobs k;
    k.ski_critical = true;
    EXPECT_NE(run("extension_criticality", k).value_or("").find("2.5.29.14"), std::string::npos);
    k = {};
    k.extra = x509::Extension{.oid = asn1::Oid("1.3.6.1.4.1.99999.1"), .critical = true, .value = {0x05, 0x00}};
    EXPECT_NE(run("extension_criticality", k).value_or("").find("unknown extension"), std::string::npos);
}

TEST(Lints, CheckTbsNamesTheLintAndWhy) {
    const Profile& p = test::profile("personnel-sign");
    Knobs k;
    k.aki.reset();
    x509::Certificate cert = make(k);
    Status s = check_tbs(cert.tbs_raw(), p, test::issuer());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.code(), Errc::lint_failed);
    EXPECT_NE(s.error().message.find("lint authority_key_identifier (RFC 5280 4.2.1.1"), std::string::npos)
        << s.error().message;
}

}  // namespace
}  // namespace yinxin::profile
