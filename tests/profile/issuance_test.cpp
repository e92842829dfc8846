// For every profile a TBS is built from a sample request, signed with a throw-away SM2 key, parsed
// back with x509 and its extensions checked against the profile; lints pass on it.
#include "test_util.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/profile/lint.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::profile {
namespace {

namespace o = asn1::oids;

const crypto::Sm2PrivateKey& ca_key() {
    static const crypto::Sm2PrivateKey k = crypto::Sm2PrivateKey::generate().value();
    return k;
}

x509::Certificate sign(BytesView tbs, const crypto::Sm2PrivateKey& key) {
    Bytes sig = crypto::sm2_sign(key, tbs).value();
    Bytes der = x509::assemble_certificate(tbs, x509::AlgorithmIdentifier::sm2_with_sm3(), sig).value();
    return x509::Certificate::parse(der).value();
}

TEST(Issuance, EveryProfileBuildsSignsParsesAndLints) {
    const IssuerContext iss = test::issuer();
    for (const std::string& id : test::profiles().ids()) {
        SCOPED_TRACE(id);
        const Profile& p = test::profile(id);
        // The TLS CA's P-256 profiles are built, signed and checked in tests/ca/tls_ca_test.cpp.
        if (p.key_algorithms() == std::vector<std::string>{"ecdsa-p256"}) continue;
        const CertificateRequestData req = test::sample_request(p);
        auto tbs = build_tbs(p, req, iss, test::good_serial(), test::t0());
        ASSERT_TRUE(tbs) << tbs.error().to_string();
        const bool root = p.kind() == ProfileKind::root_ca;
        x509::Certificate cert = sign(*tbs, root ? test::subject_key() : ca_key());
        const auto& x = cert.extensions();

        ASSERT_TRUE(x.key_usage());
        EXPECT_EQ(*x.key_usage(), p.key_usage());
        EXPECT_EQ(x.find(o::ce_key_usage)->critical, p.key_usage_critical());
        ASSERT_TRUE(x.basic_constraints());
        EXPECT_EQ(x.basic_constraints()->ca, p.is_ca());
        EXPECT_TRUE(x.find(o::ce_basic_constraints)->critical);
        if (p.ext_key_usage().empty()) {
            EXPECT_FALSE(x.ext_key_usage());
        } else {
            ASSERT_TRUE(x.ext_key_usage());
            EXPECT_EQ(x.ext_key_usage()->purposes, p.ext_key_usage());
        }
        ASSERT_TRUE(x.subject_key_identifier());
        ASSERT_TRUE(x.authority_key_identifier());
        ASSERT_TRUE(x.authority_key_identifier()->key_id);
        if (root) {
            EXPECT_EQ(*x.authority_key_identifier()->key_id, *x.subject_key_identifier());
            EXPECT_TRUE(cert.is_self_issued());
            EXPECT_TRUE(cert.verify_signature_with(cert.public_key_info()));
        } else {
            EXPECT_EQ(*x.authority_key_identifier()->key_id, iss.key_id);
            EXPECT_EQ(cert.issuer(), iss.name);
            EXPECT_TRUE(cert.verify_signature_with(x509::SubjectPublicKeyInfo::from_sm2(ca_key().public_key())));
        }
        EXPECT_EQ(x.crl_distribution_points().has_value(), p.crl_distribution_points());
        if (p.crl_distribution_points()) {
            EXPECT_EQ(x.crl_distribution_points()->uris().at(0), iss.crl_url);
        }
        EXPECT_EQ(x.authority_info_access().has_value(), p.authority_info_access());
        if (p.authority_info_access()) {
            EXPECT_EQ(x.authority_info_access()->ocsp_uris().at(0), iss.ocsp_url);
            EXPECT_EQ(x.authority_info_access()->ca_issuers_uris().at(0), iss.ca_issuers_url);
        }
        EXPECT_EQ(x.certificate_policies().has_value(), p.certificate_policies());
        if (p.certificate_policies()) {
            EXPECT_TRUE(x.certificate_policies()->has(*iss.cps_oid));
            EXPECT_EQ(x.certificate_policies()->policies.at(0).cps_uris.at(0), iss.cps_uri);
        }
        EXPECT_EQ(x.ocsp_no_check(), p.ocsp_no_check());
        EXPECT_EQ(x.gm_identities().size(), p.identity_extensions().size());
        for (const auto& spec : p.identity_extensions()) {
            EXPECT_TRUE(x.gm_identity(spec.oid)) << spec.name;
            EXPECT_FALSE(x.find(spec.oid)->critical);
        }
        EXPECT_EQ(x.subject_alt_name().has_value(), p.san_email());
        EXPECT_EQ(cert.subject().get(o::at_common_name), req.subject.back().second);
        EXPECT_EQ(cert.not_after() - cert.not_before(), std::chrono::days(p.validity_days()) - std::chrono::seconds(1));

        auto report = lint_tbs(*tbs, p, iss);
        ASSERT_TRUE(report) << report.error().to_string();
        EXPECT_TRUE(report->ok()) << report->to_string();
        EXPECT_TRUE(check_tbs(*tbs, p, iss));
        // The same report on the really signed certificate.
        EXPECT_TRUE(lint_certificate(cert, p, iss).ok());
    }
}

TEST(Issuance, RequestOutsideTheProfileIsRejected) {
    const Profile& p = test::profile("personnel-sign");
    const IssuerContext iss = test::issuer();
    auto req = test::sample_request(p);
    req.subject.emplace_back("UID", "x");
    EXPECT_EQ(build_tbs(p, req, iss, test::good_serial(), test::t0()).code(), Errc::profile_request_rejected);

    req = test::sample_request(p);
    req.subject.pop_back();  // no CN
    EXPECT_EQ(build_tbs(p, req, iss, test::good_serial(), test::t0()).code(), Errc::profile_request_rejected);

    req = test::sample_request(p);
    req.subject.emplace_back("CN", "李四");
    EXPECT_EQ(build_tbs(p, req, iss, test::good_serial(), test::t0()).code(), Errc::profile_request_rejected);

    req = test::sample_request(p);
    req.identities.emplace_back("unified_social_credit_code", "91370300MA3C5XYZ1Q");
    EXPECT_EQ(build_tbs(p, req, iss, test::good_serial(), test::t0()).code(), Errc::profile_request_rejected);

    req = test::sample_request(p);
    req.validity_days = p.validity_days() + 1;
    EXPECT_EQ(build_tbs(p, req, iss, test::good_serial(), test::t0()).code(), Errc::profile_request_rejected);

    req = test::sample_request(test::profile("seal"));
    req.san_emails.push_back("a@example.gov.cn");
    EXPECT_EQ(build_tbs(test::profile("seal"), req, iss, test::good_serial(), test::t0()).code(),
              Errc::profile_request_rejected);
}

TEST(Issuance, ShorterRequestedValidity) {
    const Profile& p = test::profile("device-sign");
    auto req = test::sample_request(p);
    req.validity_days = 365;
    auto tbs = build_tbs(p, req, test::issuer(), test::good_serial(), test::t0());
    ASSERT_TRUE(tbs);
    x509::Certificate cert = sign(*tbs, ca_key());
    EXPECT_EQ(cert.not_after() - cert.not_before(), std::chrono::days(365) - std::chrono::seconds(1));
}

// The builder does not clamp to the issuer's validity (issuance.h); the lint refuses it.
TEST(Issuance, OutlivingTheIssuerIsALintFailureNotAClamp) {
    const Profile& p = test::profile("cardholder-sign");
    IssuerContext iss = test::issuer();
    iss.not_after = test::t0() + std::chrono::days(1000);
    auto tbs = build_tbs(p, test::sample_request(p), iss, test::good_serial(), test::t0());
    ASSERT_TRUE(tbs);
    Status s = check_tbs(*tbs, p, iss);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.code(), Errc::lint_failed);
    EXPECT_NE(s.error().message.find("validity_within_issuer"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace yinxin::profile
