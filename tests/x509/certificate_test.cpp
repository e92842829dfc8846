#include "yinxin/x509/certificate.h"

#include <gtest/gtest.h>

#include <cctype>

#include "test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/signature.h"

namespace yinxin::x509 {
namespace {

namespace oids = asn1::oids;
namespace tags = asn1::tags;
using namespace testing;       // NOLINT(google-build-using-namespace): test helpers
using namespace yinxin::test;  // NOLINT(google-build-using-namespace): test helpers

// ---------------------------------------------------------------------------------------------
// Certificates made by the openssl CLI (tests/data/x509/README.md)

TEST(Certificate, OpensslLeafParsesEveryField) {
    const Certificate c = load_cert("x509/openssl_sm2_leaf.pem");
    EXPECT_EQ(c.version(), 3);
    EXPECT_EQ(c.signature_algorithm().oid, oids::sm2_with_sm3);
    EXPECT_FALSE(c.signature_algorithm().parameters.has_value());
    EXPECT_EQ(c.issuer().to_display_string(), "C=CN, O=Yinxin 测试, CN=Yinxin OpenSSL SM2 Sub CA");
    EXPECT_EQ(c.subject().to_display_string(),
              "C=CN, ST=浙江省, L=杭州市, O=测试单位, OU=信息中心, CN=张三, E=zhangsan@example.cn, "
              "serialNumber=110101199003071234");
    EXPECT_EQ(c.subject().to_string(),
              "serialNumber=110101199003071234,E=zhangsan@example.cn,CN=张三,OU=信息中心,O=测试单位,L=杭州市,"
              "ST=浙江省,C=CN");
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::hours>(c.not_after() - c.not_before()).count(), 365 * 24);
    EXPECT_TRUE(c.public_key_info().is_sm2());
    EXPECT_EQ(c.public_key_info().curve(), oids::sm2);
    EXPECT_EQ(c.public_key_info().key_bytes().size(), 65u);
    ASSERT_TRUE(c.public_key_info().sm2_public_key().ok());
    EXPECT_EQ(c.serial().size(), 20u);  // openssl's random 159-bit serials
    EXPECT_FALSE(c.is_self_issued());

    const Extensions& ex = c.extensions();
    ASSERT_TRUE(ex.basic_constraints().has_value());
    EXPECT_FALSE(ex.basic_constraints()->ca);
    ASSERT_TRUE(ex.key_usage().has_value());
    EXPECT_EQ(ex.key_usage()->bits, KeyUsage::of({KeyUsageBit::digital_signature, KeyUsageBit::non_repudiation}).bits);
    EXPECT_TRUE(ex.find(oids::ce_key_usage)->critical);
    EXPECT_EQ(ex.ext_key_usage()->purposes, (std::vector<asn1::Oid>{oids::kp_client_auth, oids::kp_email_protection}));
    EXPECT_EQ(ex.subject_key_identifier()->size(), 20u);
    EXPECT_EQ(ex.authority_key_identifier()->key_id->size(), 20u);
    const auto& san = *ex.subject_alt_name();
    EXPECT_EQ(san.of_type(GeneralNameType::rfc822_name), std::vector<std::string>{"zhangsan@example.cn"});
    EXPECT_EQ(san.of_type(GeneralNameType::dns_name), std::vector<std::string>{"www.example.cn"});
    EXPECT_EQ(san.of_type(GeneralNameType::uri), std::vector<std::string>{"https://www.example.cn/"});
    ASSERT_EQ(san.names.size(), 4u);
    EXPECT_EQ(san.names[3].directory.to_display_string(), "C=CN, O=Alt Org, CN=Alt Name");
    EXPECT_EQ(ex.crl_distribution_points()->uris(),
              (std::vector<std::string>{"http://crl.example.cn/sub.crl", "ldap://ldap.example.cn/cn=sub"}));
    EXPECT_EQ(ex.authority_info_access()->ocsp_uris(), std::vector<std::string>{"http://ocsp.example.cn/"});
    EXPECT_EQ(ex.authority_info_access()->ca_issuers_uris(), std::vector<std::string>{"http://ca.example.cn/sub.cer"});
    ASSERT_EQ(ex.certificate_policies()->policies.size(), 1u);
    EXPECT_EQ(ex.certificate_policies()->policies[0].policy, asn1::Oid("1.2.156.112559.1.1.1"));
    EXPECT_EQ(ex.certificate_policies()->policies[0].cps_uris, std::vector<std::string>{"http://www.example.cn/cps"});
    EXPECT_TRUE(ex.ocsp_no_check());
    // GM/T 0015 identity extensions as OpenSSL's ASN1 generator wrote them.
    ASSERT_EQ(ex.gm_identities().size(), 4u);
    EXPECT_EQ(ex.gm_identities()[0].oid, oids::gm_identify_code);
    EXPECT_EQ(ex.gm_identities()[0].kind, IdentifyCodeKind::resident_card);
    EXPECT_EQ(ex.gm_identities()[0].value, "110101199003071234");
    EXPECT_EQ(ex.gm_identity(oids::gm_organization_code), "12345678-9");
    EXPECT_EQ(ex.gm_identity(oids::gm_unified_social_credit_code), "91330100MA2CFXXX0X");
    EXPECT_EQ(ex.gm_identity(oids::cn_legacy_business_licence), "330100000012345");
    EXPECT_TRUE(ex.decode_errors().empty());

    // The slices are views into der(): tbs_raw() is the TBS as received.
    EXPECT_EQ(c.tbs_raw().data(), c.der().data() + 4);
    EXPECT_EQ(c.signature_value()[0], 0x30);
}

TEST(Certificate, OpensslChainVerifiesWithTheIdOnly) {
    const Certificate root = load_cert("x509/openssl_sm2_root.pem");
    const Certificate sub = load_cert("x509/openssl_sm2_sub.pem");
    const Certificate leaf = load_cert("x509/openssl_sm2_leaf.pem");
    EXPECT_TRUE(root.is_self_issued());
    EXPECT_TRUE(root.verify_signature_with(root.public_key_info(), k_gm_id).ok());
    EXPECT_TRUE(sub.verify_signature_with(root.public_key_info(), k_gm_id).ok());
    EXPECT_TRUE(leaf.verify_signature_with(sub.public_key_info(), k_gm_id).ok());
    EXPECT_TRUE(leaf.verify_signature_with(sub.public_key_info()).ok());  // library default is GM/T 0009's
    EXPECT_EQ(leaf.verify_signature_with(sub.public_key_info(), "").code(), Errc::x509_signature_invalid);
    EXPECT_EQ(leaf.verify_signature_with(root.public_key_info(), k_gm_id).code(), Errc::x509_signature_invalid);
    EXPECT_EQ(sub.extensions().basic_constraints()->path_len, 0u);
    EXPECT_EQ(*sub.extensions().authority_key_identifier()->key_id, *root.extensions().subject_key_identifier());
}

TEST(Certificate, EmptyIdCertificateFailsWithTheDefaultId) {
    // gm-and-seal-formats §6.2: `openssl req -x509` without -sigopt signs with the EMPTY ID.
    const Certificate c = load_cert("x509/openssl_sm2_emptyid_root.pem");
    EXPECT_EQ(c.verify_signature_with(c.public_key_info()).code(), Errc::x509_signature_invalid);
    EXPECT_TRUE(c.verify_signature_with(c.public_key_info(), "").ok());
}

TEST(Certificate, ForeignSignatureAlgorithms) {
    for (const char* f : {"x509/openssl_rsa_sha256.pem", "x509/openssl_rsa_pss.pem", "x509/openssl_ecdsa_p256.pem",
                          "x509/openssl_ecdsa_p384.pem"}) {
        SCOPED_TRACE(f);
        const Certificate c = load_cert(f);
        EXPECT_TRUE(c.verify_signature_with(c.public_key_info()).ok())
            << c.verify_signature_with(c.public_key_info()).error().to_string();
        // The same signature over other bytes.
        Bytes tbs(c.tbs_raw().begin(), c.tbs_raw().end());
        tbs.back() ^= 1;
        EXPECT_EQ(verify_signature(c.signature_algorithm(), c.public_key_info(), tbs, c.signature_value()).code(),
                  Errc::x509_signature_invalid);
    }
    const Certificate pss = load_cert("x509/openssl_rsa_pss.pem");
    EXPECT_EQ(pss.signature_algorithm().oid, oids::rsassa_pss);
    EXPECT_EQ(pss.public_key_info().rsa_modulus_bits().value(), 2048u);
    // Key type and algorithm must match: an SM2 signature algorithm with an RSA key, ECDSA with SM2.
    const Certificate rsa = load_cert("x509/openssl_rsa_sha256.pem");
    const Certificate sm2 = load_cert("x509/openssl_sm2_root.pem");
    const Certificate p256 = load_cert("x509/openssl_ecdsa_p256.pem");
    EXPECT_EQ(
        verify_signature(sm2.signature_algorithm(), rsa.public_key_info(), sm2.tbs_raw(), sm2.signature_value()).code(),
        Errc::x509_unsupported_algorithm);
    EXPECT_EQ(
        verify_signature(p256.signature_algorithm(), sm2.public_key_info(), p256.tbs_raw(), p256.signature_value())
            .code(),
        Errc::x509_unsupported_algorithm);
    EXPECT_EQ(verify_signature(AlgorithmIdentifier::make(asn1::Oid("1.2.3.4")), sm2.public_key_info(), sm2.tbs_raw(),
                               sm2.signature_value())
                  .code(),
              Errc::x509_unsupported_algorithm);
    // RSASSA-PSS with SHA-1 defaults (absent parameters) is refused.
    EXPECT_EQ(verify_signature(AlgorithmIdentifier::make(oids::rsassa_pss), pss.public_key_info(), pss.tbs_raw(),
                               pss.signature_value())
                  .code(),
              Errc::x509_unsupported_algorithm);
    EXPECT_TRUE(is_supported_signature_algorithm(oids::sm2_with_sm3));
    EXPECT_FALSE(is_supported_signature_algorithm(oids::sha1_with_rsa_encryption));
}

TEST(Certificate, FingerprintsMatchOpenssl) {
    ASSERT_TRUE(openssl_available());
    const std::string path = data_path("x509/openssl_sm2_leaf.pem");
    const Certificate c = load_cert("x509/openssl_sm2_leaf.pem");
    auto fp = openssl({"x509", "-in", path, "-noout", "-fingerprint", "-sha256"});
    ASSERT_EQ(fp.exit_code, 0) << fp.output;
    std::string expect;
    for (char ch : fp.output.substr(fp.output.find('=') + 1))
        if (std::isxdigit(static_cast<unsigned char>(ch))) expect += static_cast<char>(std::tolower(ch));
    const auto sha = c.fingerprint_sha256();
    EXPECT_EQ(hex_encode(sha), expect);

    ScratchDir dir;
    write_file(dir / "leaf.der", c.der());
    auto sm3 = openssl({"dgst", "-sm3", "-r", (dir / "leaf.der").string()});
    ASSERT_EQ(sm3.exit_code, 0) << sm3.output;
    const auto d = c.fingerprint_sm3();
    EXPECT_EQ(hex_encode(d), sm3.output.substr(0, 64));
    EXPECT_EQ(c.serial_hex(), [&] {
        auto s = openssl({"x509", "-in", path, "-noout", "-serial"});
        std::string v = s.output.substr(s.output.find('=') + 1);
        std::string out;
        for (char ch : v)
            if (std::isxdigit(static_cast<unsigned char>(ch))) out += static_cast<char>(std::tolower(ch));
        return out;
    }());
}

// ---------------------------------------------------------------------------------------------
// Builder

TEST(CertificateBuilder, EveryTypedExtensionRoundTrips) {
    const auto key = new_key();
    const auto ca_key = new_key();
    const Name issuer = make_name({{"C", "CN"}, {"O", "印信测试"}, {"CN", "Builder CA"}});
    const Name subject = make_name({{"C", "CN"}, {"O", "某某单位"}, {"CN", "李四"}, {"E", "lisi@example.cn"}});
    CertificatePolicies cp;
    cp.policies.push_back({asn1::Oid("1.2.156.112559.1.1.2"), {"https://ca.example.cn/cps"}, std::nullopt});
    SubjectAltName san{{GeneralName::rfc822("lisi@example.cn"), GeneralName::dns("lisi.example.cn"),
                        GeneralName::uri("https://example.cn/lisi"),
                        GeneralName::directory_name(make_name({{"CN", "别名"}}))}};
    TbsCertificateBuilder b;
    b.serial(hex_decode("7f0102030405060708090a0b0c0d0e0f").value())
        .issuer(issuer)
        .subject(subject)
        .validity(t0(), t0() + 365 * k_day)
        .public_key(key.public_key())
        .basic_constraints({false, std::nullopt}, false)
        .key_usage(KeyUsage::of({KeyUsageBit::digital_signature}))
        .ext_key_usage({{oids::kp_client_auth}})
        .subject_key_identifier_from_key()
        .authority_key_identifier(hex_decode("0102030405").value())
        .crl_distribution_points({"http://crl.example.cn/1.crl"})
        .authority_info_access({"http://ocsp.example.cn"}, {"http://ca.example.cn/ca.cer"})
        .certificate_policies(cp)
        .subject_alt_name(san)
        .ocsp_no_check()
        .gm_identity({oids::gm_identify_code, IdentifyCodeKind::resident_card, "110101199003071234"})
        .gm_identity({oids::gm_unified_social_credit_code, IdentifyCodeKind::unspecified, "91330100MA2CFXXX0X"})
        .add_extension(Extension{asn1::Oid("1.2.3.4.5"), false, {0x05, 0x00}});
    auto cert = b.sign_with(ca_key);
    ASSERT_TRUE(cert.ok()) << cert.error().to_string();
    const Certificate& c = *cert;
    EXPECT_EQ(c.version(), 3);
    EXPECT_EQ(c.serial_hex(), "7f0102030405060708090a0b0c0d0e0f");
    EXPECT_TRUE(c.issuer() == issuer);
    EXPECT_EQ(c.issuer().der(), issuer.der());
    EXPECT_EQ(c.subject().get(oids::at_email_address), "lisi@example.cn");
    EXPECT_EQ(c.not_before(), t0());
    EXPECT_EQ(c.not_after(), t0() + 365 * k_day);
    EXPECT_TRUE(c.verify_signature_with(SubjectPublicKeyInfo::from_sm2(ca_key.public_key()), k_gm_id).ok());
    const Extensions& ex = c.extensions();
    EXPECT_EQ(ex.size(), 13u);
    EXPECT_EQ(ex.list()[0].oid, oids::ce_basic_constraints);  // in the order added
    EXPECT_EQ(*ex.subject_key_identifier(),
              key_identifier(SubjectPublicKeyInfo::from_sm2(key.public_key()).key_bytes()));
    EXPECT_EQ(ex.crl_distribution_points()->uris(), std::vector<std::string>{"http://crl.example.cn/1.crl"});
    EXPECT_EQ(ex.authority_info_access()->ocsp_uris(), std::vector<std::string>{"http://ocsp.example.cn"});
    EXPECT_EQ(ex.subject_alt_name()->names.size(), 4u);
    EXPECT_TRUE(ex.ocsp_no_check());
    EXPECT_EQ(ex.gm_identities()[0].kind, IdentifyCodeKind::resident_card);
    EXPECT_EQ(ex.gm_identity(oids::gm_unified_social_credit_code), "91330100MA2CFXXX0X");
    EXPECT_EQ(ex.certificate_policies()->policies[0].cps_uris[0], "https://ca.example.cn/cps");

    // PEM out and in, and a bundle.
    auto again = Certificate::parse_pem(c.pem());
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(*again == c);
    auto both = Certificate::parse_pem_all(c.pem() + load_cert("x509/openssl_sm2_root.pem").pem());
    ASSERT_TRUE(both.ok());
    EXPECT_EQ(both->size(), 2u);
    EXPECT_EQ(Certificate::parse_pem_all("-----BEGIN X-----\nAAAA\n-----END X-----\n").code(), Errc::bad_pem);
}

TEST(CertificateBuilder, RefusesBadFields) {
    const auto key = new_key();
    const Name n = make_name({{"CN", "x"}});
    auto base = [&] {
        TbsCertificateBuilder b;
        b.serial(serial_of(1)).issuer(n).subject(n).validity(t0(), t0() + k_day).public_key(key.public_key());
        return b;
    };
    EXPECT_TRUE(base().build_tbs().ok());
    EXPECT_EQ(base().serial(Bytes{0, 0}).build_tbs().code(), Errc::x509_bad_serial);
    EXPECT_EQ(base().serial(Bytes(21, 1)).build_tbs().code(), Errc::x509_bad_serial);
    EXPECT_EQ(base().serial(Bytes(20, 0x80)).build_tbs().code(), Errc::x509_bad_serial);  // 21 with the sign octet
    EXPECT_TRUE(base().serial(Bytes(20, 0x7f)).build_tbs().ok());
    EXPECT_EQ(base().validity(t0(), t0() - k_day).build_tbs().code(), Errc::x509_bad_validity);
    EXPECT_EQ(base().version(2).build_tbs().code(), Errc::x509_bad_version);
    EXPECT_EQ(base().version(1).key_usage(KeyUsage::of({KeyUsageBit::crl_sign})).build_tbs().code(),
              Errc::x509_bad_version);
    EXPECT_EQ(base()
                  .key_usage(KeyUsage::of({KeyUsageBit::crl_sign}))
                  .key_usage(KeyUsage::of({KeyUsageBit::crl_sign}))
                  .build_tbs()
                  .code(),
              Errc::x509_duplicate_extension);
    EXPECT_EQ(base().key_usage(KeyUsage{}).build_tbs().code(), Errc::invalid_argument);
    EXPECT_EQ(base().issuer(Name{}).build_tbs().code(), Errc::x509_bad_name);
    EXPECT_EQ(base().subject(Name{}).build_tbs().code(), Errc::x509_bad_name);
    EXPECT_TRUE(base().subject(Name{}).subject_alt_name({{GeneralName::dns("a.cn")}}, true).build_tbs().ok());
    EXPECT_EQ(TbsCertificateBuilder().build_tbs().code(), Errc::invalid_argument);
    // A v1 certificate has no version field at all.
    auto v1 = base().version(1).sign_with(key);
    ASSERT_TRUE(v1.ok()) << v1.error().to_string();
    EXPECT_EQ(v1->version(), 1);
}

TEST(CertificateBuilder, TimesFollowRfc5280) {
    const auto key = new_key();
    const Name n = make_name({{"CN", "x"}});
    TbsCertificateBuilder b;
    // 2049-12-31T23:59:59Z as UTCTime, 2050-01-01T00:00:00Z as GeneralizedTime (RFC 5280 4.1.2.5).
    b.serial(serial_of(1))
        .issuer(n)
        .subject(n)
        .validity(from_unix(2524607999), from_unix(2524608000))
        .public_key(key.public_key());
    auto tbs = b.build_tbs();
    ASSERT_TRUE(tbs.ok());
    const std::string h = hex_encode(*tbs);
    EXPECT_NE(h.find("170d" + hex_encode(as_bytes("491231235959Z"))), std::string::npos);
    EXPECT_NE(h.find("180f" + hex_encode(as_bytes("20500101000000Z"))), std::string::npos);
    auto c = b.sign_with(key);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(to_unix(c->not_after()), 2524608000);
    EXPECT_TRUE(c->valid_at(from_unix(2524608000)));
    EXPECT_FALSE(c->valid_at(from_unix(2524608001)));
}

TEST(CertificateBuilder, AssembleChecksTheAlgorithm) {
    const auto key = new_key();
    const Name n = make_name({{"CN", "x"}});
    TbsCertificateBuilder b;
    b.serial(serial_of(1)).issuer(n).subject(n).validity(t0(), t0() + k_day).public_key(key.public_key());
    const Bytes tbs = b.build_tbs().value();
    const Bytes sig = crypto::sm2_sign(key, tbs).value();
    EXPECT_EQ(assemble_certificate(tbs, AlgorithmIdentifier::make(oids::ecdsa_with_sha256), sig).code(),
              Errc::x509_algorithm_mismatch);
    auto der = assemble_certificate(tbs, AlgorithmIdentifier::sm2_with_sm3(), sig);
    ASSERT_TRUE(der.ok());
    auto c = Certificate::parse(*der);
    ASSERT_TRUE(c.ok());
    // The TBS is spliced verbatim: the certificate's TBS is byte-identical to what was signed.
    EXPECT_TRUE(std::equal(c->tbs_raw().begin(), c->tbs_raw().end(), tbs.begin(), tbs.end()));
    EXPECT_EQ(assemble_certificate(Bytes{0x30, 0x00}, AlgorithmIdentifier::sm2_with_sm3(), sig).code(),
              Errc::x509_bad_encoding);
}

// ---------------------------------------------------------------------------------------------
// Hand-made TBS for the parser's strict and lenient paths

struct TbsParts {
    std::optional<std::int64_t> version = 2;
    Bytes serial = {0x01, 0x02};  // INTEGER content as written
    Bytes inner_alg = AlgorithmIdentifier::sm2_with_sm3().raw;
    Bytes outer_alg = AlgorithmIdentifier::sm2_with_sm3().raw;
    Bytes issuer = make_name({{"C", "CN"}, {"CN", "Hand CA"}}).der();
    Bytes subject = make_name({{"C", "CN"}, {"CN", "Hand Leaf"}}).der();
    std::optional<Bytes> not_after_generalized;  // GeneralizedTime text instead of UTCTime
    Bytes unique_ids;                            // raw [1]/[2] TLVs
    std::optional<Bytes> extensions;             // raw SEQUENCE OF Extension
};

struct Made {
    Bytes der;
    Bytes tbs;
};

Made make_cert(const TbsParts& p, const crypto::Sm2PrivateKey& key) {
    asn1::Writer w;
    w.sequence([&](asn1::Writer& t) {
        if (p.version) t.context_explicit(0, [&](asn1::Writer& v) { v.integer(*p.version); });
        t.primitive(tags::integer, p.serial);
        t.raw(p.inner_alg);
        t.raw(p.issuer);
        t.sequence([&](asn1::Writer& v) {
            v.utc_time(from_unix(1767225600));
            if (p.not_after_generalized)
                v.primitive(tags::generalized_time, *p.not_after_generalized);
            else
                v.utc_time(from_unix(1798761600));
        });
        t.raw(p.subject);
        t.raw(SubjectPublicKeyInfo::from_sm2(key.public_key()).der());
        if (!p.unique_ids.empty()) t.raw(p.unique_ids);
        if (p.extensions) t.context_explicit(3, [&](asn1::Writer& x) { x.raw(*p.extensions); });
    });
    Made m;
    m.tbs = w.finish().value();
    const Bytes sig = crypto::sm2_sign(key, m.tbs).value();
    asn1::Writer c;
    c.sequence([&](asn1::Writer& s) {
        s.raw(m.tbs);
        s.raw(p.outer_alg);
        s.bit_string(sig);
    });
    m.der = c.finish().value();
    return m;
}

class CertificateParse : public ::testing::Test {
protected:
    crypto::Sm2PrivateKey key = new_key();
    Errc strict(const TbsParts& p) { return Certificate::parse(make_cert(p, key).der).code(); }
    Errc lenient(const TbsParts& p) {
        return Certificate::parse(make_cert(p, key).der, ParseOptions::relaxed()).code();
    }
};

TEST_F(CertificateParse, HandMadeBaselineParses) {
    TbsParts p;
    auto c = Certificate::parse(make_cert(p, key).der);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->serial_hex(), "0102");
    EXPECT_TRUE(c->verify_signature_with(c->public_key_info()).ok());
}

TEST_F(CertificateParse, OuterAndInnerAlgorithmMustMatch) {
    TbsParts p;
    p.outer_alg = AlgorithmIdentifier::make(oids::ecdsa_with_sha256).raw;
    EXPECT_EQ(strict(p), Errc::x509_algorithm_mismatch);
    EXPECT_EQ(lenient(p), Errc::x509_algorithm_mismatch);
    // Absent vs NULL parameters: a byte difference only lenient parsing forgives.
    p.outer_alg = AlgorithmIdentifier::make(oids::sm2_with_sm3, Bytes{0x05, 0x00}).raw;
    EXPECT_EQ(strict(p), Errc::x509_algorithm_mismatch);
    EXPECT_EQ(lenient(p), Errc::ok);
}

TEST_F(CertificateParse, Versions) {
    TbsParts p;
    p.version = 0;  // v1 written explicitly: X.690 11.5
    EXPECT_EQ(strict(p), Errc::x509_bad_version);
    EXPECT_EQ(lenient(p), Errc::ok);
    p.version = 3;  // "v4"
    EXPECT_EQ(strict(p), Errc::x509_bad_version);
    EXPECT_EQ(lenient(p), Errc::x509_bad_version);
    p.version = std::nullopt;  // v1 with extensions (RFC 5280 4.1.2.9)
    p.extensions = encode_extensions({encode_key_usage(KeyUsage::of({KeyUsageBit::crl_sign})).value()}).value();
    EXPECT_EQ(strict(p), Errc::x509_bad_version);
    EXPECT_EQ(lenient(p), Errc::ok);
    p.extensions.reset();
    p.unique_ids = {0x81, 0x02, 0x00, 0x01};  // issuerUniqueID in v1 (RFC 5280 4.1.2.8)
    EXPECT_EQ(strict(p), Errc::x509_bad_version);
    p.version = 2;
    EXPECT_EQ(strict(p), Errc::ok);  // skipped in v3
}

TEST_F(CertificateParse, SerialNumbers) {
    TbsParts p;
    p.serial = {0xff};  // -1
    EXPECT_EQ(strict(p), Errc::x509_bad_serial);
    EXPECT_EQ(lenient(p), Errc::ok);
    p.serial = {0x00};
    EXPECT_EQ(strict(p), Errc::x509_bad_serial);
    EXPECT_EQ(lenient(p), Errc::ok);
    p.serial = Bytes(21, 0x11);
    EXPECT_EQ(strict(p), Errc::x509_bad_serial);
    EXPECT_EQ(lenient(p), Errc::ok);
    p.serial = {0x00, 0x01};  // non-minimal INTEGER: BER only
    EXPECT_EQ(strict(p), Errc::x509_bad_serial);
    EXPECT_EQ(lenient(p), Errc::ok);
    p.serial = Bytes(20, 0x11);
    EXPECT_EQ(strict(p), Errc::ok);
}

TEST_F(CertificateParse, TimesAndNames) {
    TbsParts p;
    p.not_after_generalized = to_bytes("20300101000000Z");  // GeneralizedTime before 2050
    EXPECT_EQ(strict(p), Errc::x509_bad_validity);
    EXPECT_EQ(lenient(p), Errc::ok);
    p.not_after_generalized = to_bytes("20300101000000");  // no zone: BER local time
    EXPECT_EQ(strict(p), Errc::x509_bad_validity);
    p.not_after_generalized = to_bytes("99991231235959Z");  // RFC 5280 4.1.2.5 "no expiration"
    auto c = Certificate::parse(make_cert(p, key).der);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->not_after(), TimePoint::max());  // saturated; the exact value is kept
    EXPECT_EQ(c->not_after_exact().seconds, 253402300799);
    p = TbsParts{};
    p.issuer = Name{}.der();
    EXPECT_EQ(strict(p), Errc::x509_bad_name);
    EXPECT_EQ(lenient(p), Errc::ok);
    p = TbsParts{};
    p.subject = Name{}.der();
    EXPECT_EQ(strict(p), Errc::x509_bad_name);  // RFC 5280 4.1.2.6 needs a critical SAN
    p.extensions = encode_extensions({encode_subject_alt_name({{GeneralName::dns("a.cn")}}, true).value()}).value();
    EXPECT_EQ(strict(p), Errc::ok);
}

TEST_F(CertificateParse, ExtensionsInCertificates) {
    TbsParts p;
    const Extension ku = encode_key_usage(KeyUsage::of({KeyUsageBit::crl_sign})).value();
    p.extensions = encode_extensions({ku, ku}).value();
    EXPECT_EQ(strict(p), Errc::x509_duplicate_extension);
    EXPECT_EQ(lenient(p), Errc::x509_duplicate_extension);
    p.extensions = Bytes{0x30, 0x00};
    EXPECT_EQ(strict(p), Errc::x509_bad_extension);
    EXPECT_EQ(lenient(p), Errc::ok);
    p.extensions = encode_extensions({Extension{oids::ce_basic_constraints, true, {0x02, 0x01, 0x01}}}).value();
    EXPECT_EQ(strict(p), Errc::x509_bad_extension);
    auto c = Certificate::parse(make_cert(p, key).der, ParseOptions::relaxed());
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->extensions().decode_errors().size(), 1u);
}

TEST_F(CertificateParse, SizeTrailingDataAndGarbage) {
    const Made m = make_cert(TbsParts{}, key);
    Bytes trailing = m.der;
    trailing.push_back(0);
    EXPECT_EQ(Certificate::parse(trailing).code(), Errc::x509_trailing_data);
    EXPECT_EQ(Certificate::parse(trailing, ParseOptions::relaxed()).code(), Errc::x509_trailing_data);
    Bytes truncated(m.der.begin(), m.der.end() - 1);
    EXPECT_EQ(Certificate::parse(truncated).code(), Errc::x509_bad_encoding);
    EXPECT_EQ(Certificate::parse(as_bytes("not a certificate")).code(), Errc::x509_bad_encoding);
    EXPECT_EQ(Certificate::parse({}).code(), Errc::x509_bad_encoding);
    ParseOptions small;
    small.max_size = m.der.size() - 1;
    EXPECT_EQ(Certificate::parse(m.der, small).code(), Errc::x509_too_large);
    EXPECT_EQ(Certificate::parse_pem("nothing").code(), Errc::bad_pem);
}

// The signature covers tbsCertificate as received (RFC 5280 4.1.1.3): a BER TBS (a non-minimal
// length) is refused strictly, and once read leniently it verifies over its own bytes.
TEST_F(CertificateParse, SignatureIsOverTheTbsAsReceived) {
    const Made m = make_cert(TbsParts{}, key);
    ASSERT_EQ(m.tbs[1], 0x81);  // one length octet after 0x81
    Bytes ber_tbs{0x30, 0x82, 0x00};
    ber_tbs.insert(ber_tbs.end(), m.tbs.begin() + 2, m.tbs.end());
    const Bytes sig = crypto::sm2_sign(key, ber_tbs).value();
    asn1::Writer w;
    w.sequence([&](asn1::Writer& s) {
        s.raw(ber_tbs);
        s.raw(AlgorithmIdentifier::sm2_with_sm3().raw);
        s.bit_string(sig);
    });
    const Bytes der = w.finish().value();
    EXPECT_EQ(Certificate::parse(der).code(), Errc::x509_bad_encoding);
    auto c = Certificate::parse(der, ParseOptions::relaxed());
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE(std::equal(c->tbs_raw().begin(), c->tbs_raw().end(), ber_tbs.begin(), ber_tbs.end()));
    EXPECT_TRUE(c->verify_signature_with(c->public_key_info()).ok());
}

// ---------------------------------------------------------------------------------------------
// The openssl CLI as an independent parser and verifier of certificates we build

TEST(CertificateOpenssl, OpensslParsesAndVerifiesOurCertificates) {
    ASSERT_TRUE(openssl_available());
    const auto root_key = new_key();
    const auto leaf_key = new_key();
    const Name root_name = make_name({{"C", "CN"}, {"O", "印信测试"}, {"CN", "Yinxin Root For OpenSSL"}});
    const Name leaf_name = make_name({{"C", "CN"}, {"O", "印信测试"}, {"CN", "王五"}});
    const auto root_spki = SubjectPublicKeyInfo::from_sm2(root_key.public_key());
    // Validity around the real clock: openssl verify checks against the current time.
    const TimePoint now = std::chrono::system_clock::now();
    auto rb = ca_builder(root_name, root_name, root_key.public_key(), root_spki, 1);
    rb.validity(now - k_day, now + 3650 * k_day);
    const Certificate root = must(rb.sign_with(root_key));
    auto lb = leaf_builder(leaf_name, root_name, leaf_key.public_key(), root_spki, 2);
    lb.validity(now - k_day, now + 365 * k_day)
        .gm_identity({asn1::oids::gm_identify_code, IdentifyCodeKind::resident_card, "110101199003071234"})
        .crl_distribution_points({"http://crl.example.cn/root.crl"});
    const Certificate leaf = must(lb.sign_with(root_key));

    ScratchDir dir;
    const auto root_pem = dir / "root.pem";
    const auto leaf_pem = dir / "leaf.pem";
    write_file(root_pem, root.pem());
    write_file(leaf_pem, leaf.pem());

    auto text = openssl({"x509", "-in", root_pem.string(), "-noout", "-text", "-nameopt", "utf8"});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    EXPECT_NE(text.output.find("Signature Algorithm: SM2-with-SM3"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("CN=Yinxin Root For OpenSSL"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("CA:TRUE"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("Certificate Sign, CRL Sign"), std::string::npos) << text.output;
    auto ltext = openssl({"x509", "-in", leaf_pem.string(), "-noout", "-text", "-nameopt", "utf8"});
    ASSERT_EQ(ltext.exit_code, 0) << ltext.output;
    EXPECT_NE(ltext.output.find("CN=王五"), std::string::npos) << ltext.output;
    EXPECT_NE(ltext.output.find("URI:http://crl.example.cn/root.crl"), std::string::npos) << ltext.output;
    EXPECT_NE(ltext.output.find("1.2.156.10260.4.1.1"), std::string::npos) << ltext.output;

    // gm-and-seal-formats §6.3: -vfyopt sets the ID on the leaf only, so root → leaf directly.
    auto ok =
        openssl({"verify", "-CAfile", root_pem.string(), "-vfyopt", "distid:1234567812345678", leaf_pem.string()});
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find(": OK"), std::string::npos) << ok.output;
    // Without the ID OpenSSL 3.0 uses the empty one and the same leaf fails.
    auto bad = openssl({"verify", "-CAfile", root_pem.string(), leaf_pem.string()});
    EXPECT_NE(bad.exit_code, 0) << bad.output;
}

TEST(CertificateOpenssl, CertificatesMadeByOpensslReqX509) {
    ASSERT_TRUE(openssl_available());
    ScratchDir dir;
    const auto key = dir / "k.pem";
    const auto cert = dir / "c.pem";
    auto g = openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", key.string()});
    ASSERT_EQ(g.exit_code, 0) << g.output;
    auto r = openssl({"req", "-x509", "-new", "-key", key.string(), "-sm3", "-sigopt", "distid:1234567812345678",
                      "-days", "30", "-subj", "/C=CN/O=Yinxin/CN=req -x509 now", "-out", cert.string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto c = Certificate::parse_pem(read_text(cert));
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE(c->verify_signature_with(c->public_key_info(), k_gm_id).ok());
    EXPECT_EQ(c->verify_signature_with(c->public_key_info(), "").code(), Errc::x509_signature_invalid);
    EXPECT_EQ(c->subject().get(asn1::oids::at_common_name), "req -x509 now");
}

}  // namespace
}  // namespace yinxin::x509
