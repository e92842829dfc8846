#include "yinxin/x509/csr.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/writer.h"

namespace yinxin::x509 {
namespace {

namespace oids = asn1::oids;
using namespace testing;       // NOLINT(google-build-using-namespace): test helpers
using namespace yinxin::test;  // NOLINT(google-build-using-namespace): test helpers

// Reads a fixture of tests/data/csr (PEM or DER by extension) and parses it with the defaults.
Result<CertificationRequest> parse_fixture(const std::string& name,
                                           const ParseOptions& opt = CertificationRequest::default_options()) {
    const Bytes raw = read_file(data_path("csr/" + name));
    if (name.ends_with(".pem")) return CertificationRequest::parse_pem(to_string(raw), opt);
    return CertificationRequest::parse(raw, opt);
}

// tests/data/csr/README.md: each file and its outcome.
struct Case {
    const char* file;
    Errc parse;  // expected parse result
    Errc pop;    // expected verify_pop() with the default ID (when parsing succeeds)
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.file; }

class CsrFixture : public ::testing::TestWithParam<Case> {};

TEST_P(CsrFixture, ExpectedOutcome) {
    const Case& c = GetParam();
    auto r = parse_fixture(c.file);
    ASSERT_EQ(r.code(), c.parse) << (r.ok() ? std::string("parsed") : r.error().to_string());
    if (!r.ok()) return;
    const Status pop = r->verify_pop();
    EXPECT_EQ(pop.code(), c.pop) << (pop.ok() ? std::string("verified") : pop.error().to_string());
}

INSTANTIATE_TEST_SUITE_P(Files, CsrFixture,
                         ::testing::Values(Case{"good_sm2_distid.csr.pem", Errc::ok, Errc::ok},
                                           Case{"sm2_empty_id.csr.pem", Errc::ok, Errc::x509_signature_invalid},
                                           Case{"good_p256.csr.pem", Errc::ok, Errc::ok},
                                           Case{"good_p384.csr.pem", Errc::ok, Errc::ok},
                                           Case{"good_rsa2048.csr.pem", Errc::ok, Errc::ok},
                                           Case{"rsa1024.csr.pem", Errc::ok, Errc::x509_weak_key},
                                           Case{"secp256k1.csr.pem", Errc::ok, Errc::x509_unsupported_curve},
                                           Case{"p192.csr.pem", Errc::ok, Errc::x509_unsupported_curve},
                                           Case{"oversize.csr.der", Errc::x509_too_large, Errc::ok},
                                           Case{"bad_signature.csr.der", Errc::ok, Errc::x509_signature_invalid},
                                           Case{"tampered_info.csr.der", Errc::ok, Errc::x509_signature_invalid},
                                           Case{"truncated.csr.der", Errc::x509_bad_encoding, Errc::ok},
                                           Case{"trailing_garbage.csr.der", Errc::x509_trailing_data, Errc::ok},
                                           Case{"version1.csr.der", Errc::x509_bad_version, Errc::ok},
                                           Case{"garbage.csr.der", Errc::x509_bad_encoding, Errc::ok}),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                             std::string n = param_info.param.file;
                             n = n.substr(0, n.find('.'));
                             return n;
                         });

TEST(Csr, GoodSm2RequestContents) {
    auto r = parse_fixture("good_sm2_distid.csr.pem");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->version(), 0);
    EXPECT_EQ(r->subject().to_display_string(), "C=CN, O=Yinxin Test, CN=csr sm2 distid");
    EXPECT_TRUE(r->public_key_info().is_sm2());
    EXPECT_EQ(r->signature_algorithm().oid, oids::sm2_with_sm3);
    EXPECT_EQ(r->challenge_password(), "pass1234");
    EXPECT_EQ(r->attributes().size(), 2u);
    const Extensions& ex = r->requested_extensions();
    ASSERT_TRUE(ex.subject_alt_name().has_value());
    EXPECT_EQ(ex.subject_alt_name()->of_type(GeneralNameType::rfc822_name),
              std::vector<std::string>{"zhangsan@example.cn"});
    EXPECT_EQ(ex.subject_alt_name()->of_type(GeneralNameType::uri),
              std::vector<std::string>{"https://www.example.cn/"});
    ASSERT_TRUE(ex.key_usage().has_value());
    EXPECT_TRUE(ex.key_usage()->has(KeyUsageBit::non_repudiation));
    EXPECT_TRUE(ex.find(oids::ce_key_usage)->critical);
    // The signature covers CertificationRequestInfo as received.
    EXPECT_EQ(r->info_raw().data(), r->der().data() + 4);
    EXPECT_TRUE(r->verify_pop(k_gm_id).ok());
    EXPECT_EQ(r->verify_pop("").code(), Errc::x509_signature_invalid);
    auto again = CertificationRequest::parse_pem(r->pem());
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(std::equal(again->der().begin(), again->der().end(), r->der().begin(), r->der().end()));
}

TEST(Csr, EmptyIdRequestVerifiesOnlyWithTheEmptyId) {
    // gm-and-seal-formats §6.2: made by `openssl req` without -sigopt distid:...
    auto r = parse_fixture("sm2_empty_id.csr.pem");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->verify_pop().code(), Errc::x509_signature_invalid);
    EXPECT_EQ(r->verify_pop(k_gm_id).code(), Errc::x509_signature_invalid);
    EXPECT_TRUE(r->verify_pop("").ok());
}

TEST(Csr, OversizeIsRefusedBeforeParsingButIsAValidRequest) {
    ParseOptions big = CertificationRequest::default_options();
    big.max_size = 128 * 1024;
    auto r = parse_fixture("oversize.csr.der", big);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(r->verify_pop().ok());
    EXPECT_EQ(r->requested_extensions().size(), 1u);
}

TEST(Csr, ForeignKeysAndTheirChecks) {
    auto k1 = parse_fixture("secp256k1.csr.pem");
    ASSERT_TRUE(k1.ok());
    EXPECT_EQ(k1->public_key_info().curve(), asn1::Oid("1.3.132.0.10"));
    auto p384 = parse_fixture("good_p384.csr.pem");
    ASSERT_TRUE(p384.ok());
    EXPECT_EQ(p384->signature_algorithm().oid, oids::ecdsa_with_sha384);
    auto rsa = parse_fixture("rsa1024.csr.pem");
    ASSERT_TRUE(rsa.ok());
    EXPECT_EQ(rsa->public_key_info().rsa_modulus_bits().value(), 1024u);
}

TEST(Csr, BuilderRoundTripAndOpensslVerifiesIt) {
    ASSERT_TRUE(openssl_available());
    const auto key = new_key();
    CsrBuilder b;
    b.subject(make_name({{"C", "CN"}, {"O", "印信测试"}, {"CN", "赵六"}}))
        .public_key(key.public_key())
        .challenge_password("口令1234")
        .add_extension(encode_subject_alt_name({{GeneralName::rfc822("zhaoliu@example.cn")}}))
        .add_extension(encode_gm_identity({oids::gm_identify_code, IdentifyCodeKind::unspecified, "110101"}));
    auto r = b.sign_with(key);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(r->verify_pop().ok());
    EXPECT_EQ(r->challenge_password(), "口令1234");
    EXPECT_EQ(r->requested_extensions().gm_identity(oids::gm_identify_code), "110101");

    ScratchDir dir;
    write_file(dir / "req.pem", r->pem());
    auto ok =
        openssl({"req", "-in", (dir / "req.pem").string(), "-noout", "-verify", "-vfyopt", "distid:1234567812345678"});
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find("verify OK"), std::string::npos) << ok.output;
    auto empty = openssl({"req", "-in", (dir / "req.pem").string(), "-noout", "-verify"});
    EXPECT_EQ(empty.output.find("verify OK"), std::string::npos) << empty.output;
    auto text = openssl({"req", "-in", (dir / "req.pem").string(), "-noout", "-text", "-nameopt", "utf8"});
    EXPECT_EQ(text.exit_code, 0) << text.output;
    EXPECT_NE(text.output.find("CN=赵六"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("email:zhaoliu@example.cn"), std::string::npos) << text.output;

    // Signed with another ID, the request fails with the default one.
    auto other = b.sign_with(key, "another-id");
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(other->verify_pop().code(), Errc::x509_signature_invalid);
    EXPECT_TRUE(other->verify_pop("another-id").ok());
}

TEST(Csr, BuilderErrors) {
    const auto key = new_key();
    EXPECT_EQ(CsrBuilder().build_info().code(), Errc::invalid_argument);
    CsrBuilder dup;
    dup.public_key(key.public_key()).add_extension(encode_ocsp_no_check()).add_extension(encode_ocsp_no_check());
    EXPECT_EQ(dup.build_info().code(), Errc::x509_duplicate_extension);
    // Without attributes the [0] field is still written (RFC 2986 4.1: a0 00).
    CsrBuilder bare;
    bare.public_key(key.public_key());
    auto info = bare.build_info();
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->at(info->size() - 2), 0xa0);
    EXPECT_EQ(info->back(), 0x00);
    auto r = bare.sign_with(key);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(r->subject().empty());
    EXPECT_TRUE(r->attributes().empty());
}

TEST(Csr, StructuralErrors) {
    const auto key = new_key();
    CsrBuilder b;
    b.public_key(key.public_key());
    const Bytes info = b.build_info().value();
    // Missing [0] attributes: strict refuses, lenient accepts.
    Bytes no_attrs(info.begin(), info.end() - 2);
    no_attrs[1] = static_cast<std::uint8_t>(no_attrs[1] - 2);
    const Bytes sig2 = crypto::sm2_sign(key, no_attrs).value();
    const Bytes der = assemble_csr(no_attrs, AlgorithmIdentifier::sm2_with_sm3(), sig2).value();
    EXPECT_EQ(CertificationRequest::parse(der).code(), Errc::x509_bad_encoding);
    auto lenient = CertificationRequest::parse(der, ParseOptions::relaxed());
    ASSERT_TRUE(lenient.ok()) << lenient.error().to_string();
    EXPECT_TRUE(lenient->verify_pop().ok());
    // A repeated attribute, and a challengePassword that is not a string.
    auto with_attrs = [&](const Bytes& attrs) {
        asn1::Writer w;
        w.sequence([&](asn1::Writer& i) {
            i.integer(0);
            i.raw(Name{}.der());
            i.raw(SubjectPublicKeyInfo::from_sm2(key.public_key()).der());
            i.constructed(asn1::Tag::context(0, true), [&](asn1::Writer& a) { a.raw(attrs); });
        });
        const Bytes inf = w.finish().value();
        return CertificationRequest::parse(
            assemble_csr(inf, AlgorithmIdentifier::sm2_with_sm3(), crypto::sm2_sign(key, inf).value()).value());
    };
    asn1::Writer pw;
    pw.sequence([](asn1::Writer& a) {
        a.oid(oids::pkcs9_challenge_password);
        a.set_of([](asn1::Writer& v) { v.utf8_string("x"); });
    });
    const Bytes pw_attr = pw.finish().value();
    Bytes twice = pw_attr;
    twice.insert(twice.end(), pw_attr.begin(), pw_attr.end());
    EXPECT_TRUE(with_attrs(pw_attr).ok());
    EXPECT_EQ(with_attrs(twice).code(), Errc::x509_bad_attribute);
    asn1::Writer bad;
    bad.sequence([](asn1::Writer& a) {
        a.oid(oids::pkcs9_challenge_password);
        a.set_of([](asn1::Writer& v) { v.integer(5); });
    });
    EXPECT_EQ(with_attrs(bad.finish().value()).code(), Errc::x509_bad_attribute);
    asn1::Writer empty_set;
    empty_set.sequence([](asn1::Writer& a) {
        a.oid(asn1::Oid("1.2.3"));
        a.set_of([](asn1::Writer&) {});
    });
    EXPECT_EQ(with_attrs(empty_set.finish().value()).code(), Errc::x509_bad_attribute);
    // extensionRequest with a duplicate extension keeps its own code.
    asn1::Writer er;
    er.sequence([&](asn1::Writer& a) {
        a.oid(oids::pkcs9_extension_request);
        a.set_of([&](asn1::Writer& v) {
            const Extension e = encode_ocsp_no_check().value();
            v.raw(encode_extensions({e, e}).value());
        });
    });
    EXPECT_EQ(with_attrs(er.finish().value()).code(), Errc::x509_duplicate_extension);
}

}  // namespace
}  // namespace yinxin::x509
