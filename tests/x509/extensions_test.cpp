#include "yinxin/x509/extensions.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/writer.h"

namespace yinxin::x509 {
namespace {

namespace oids = asn1::oids;
using testing::make_name;

Bytes hex(std::string_view h) { return hex_decode(h).value(); }

Extension must_ext(Result<Extension> r) {
    if (!r.ok()) throw std::runtime_error(r.error().to_string());
    return std::move(r).value();
}

// Known encodings: RFC 5280 ASN.1 encoded by hand, matching what OpenSSL writes.
TEST(Extensions, BasicConstraintsKnownEncodings) {
    EXPECT_EQ(hex_encode(must_ext(encode_basic_constraints({true, 0})).value), "30060101ff020100");
    EXPECT_EQ(hex_encode(must_ext(encode_basic_constraints({true, std::nullopt})).value), "30030101ff");
    EXPECT_EQ(hex_encode(must_ext(encode_basic_constraints({false, std::nullopt})).value), "3000");
    EXPECT_EQ(encode_basic_constraints({false, 1}).code(), Errc::invalid_argument);

    auto bc = decode_basic_constraints(hex("30060101ff020103"));
    ASSERT_TRUE(bc.ok());
    EXPECT_TRUE(bc->ca);
    EXPECT_EQ(bc->path_len, 3u);
    auto empty = decode_basic_constraints(hex("3000"));
    ASSERT_TRUE(empty.ok());
    EXPECT_FALSE(empty->ca);
    EXPECT_FALSE(empty->path_len.has_value());
    // X.690 11.5: cA FALSE written explicitly is not DER; real CAs do it, lenient reads it.
    EXPECT_EQ(decode_basic_constraints(hex("3003010100")).code(), Errc::x509_bad_extension);
    EXPECT_TRUE(decode_basic_constraints(hex("3003010100"), ParseOptions::relaxed()).ok());
    EXPECT_EQ(decode_basic_constraints(hex("30030201ff")).code(), Errc::x509_bad_extension);  // negative
    EXPECT_EQ(decode_basic_constraints(hex("0500")).code(), Errc::x509_bad_extension);
}

TEST(Extensions, KeyUsageNamedBits) {
    const auto ku = KeyUsage::of({KeyUsageBit::digital_signature, KeyUsageBit::non_repudiation});
    EXPECT_EQ(hex_encode(must_ext(encode_key_usage(ku)).value), "030206c0");
    const auto ca = KeyUsage::of({KeyUsageBit::key_cert_sign, KeyUsageBit::crl_sign});
    EXPECT_EQ(hex_encode(must_ext(encode_key_usage(ca)).value), "03020106");
    const auto dec = KeyUsage::of({KeyUsageBit::decipher_only});
    EXPECT_EQ(hex_encode(must_ext(encode_key_usage(dec)).value), "0303070080");
    EXPECT_EQ(encode_key_usage(KeyUsage{}).code(), Errc::invalid_argument);

    auto k = decode_key_usage(hex("03020106"));
    ASSERT_TRUE(k.ok());
    EXPECT_TRUE(k->has(KeyUsageBit::key_cert_sign));
    EXPECT_TRUE(k->has(KeyUsageBit::crl_sign));
    EXPECT_FALSE(k->has(KeyUsageBit::digital_signature));
    auto d = decode_key_usage(hex("0303070080"));
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(d->has(KeyUsageBit::decipher_only));
    // Trailing zero bits (X.690 11.2.2) and an empty key usage (RFC 5280 4.2.1.3).
    EXPECT_EQ(decode_key_usage(hex("03020080")).code(), Errc::x509_bad_extension);
    EXPECT_TRUE(decode_key_usage(hex("03020080"), ParseOptions::relaxed()).ok());
    EXPECT_EQ(decode_key_usage(hex("030100")).code(), Errc::x509_bad_extension);
}

TEST(Extensions, ExtKeyUsageRoundTrip) {
    ExtendedKeyUsage eku{{oids::kp_client_auth, oids::kp_email_protection}};
    auto e = must_ext(encode_ext_key_usage(eku));
    EXPECT_EQ(e.oid, oids::ce_ext_key_usage);
    EXPECT_FALSE(e.critical);
    auto back = decode_ext_key_usage(e.value);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->purposes, eku.purposes);
    EXPECT_TRUE(back->has(oids::kp_client_auth));
    EXPECT_FALSE(back->has(oids::kp_server_auth));
    EXPECT_EQ(decode_ext_key_usage(hex("3000")).code(), Errc::x509_bad_extension);
}

TEST(Extensions, KeyIdentifiers) {
    const Bytes id = hex("0102030405");
    auto ski = must_ext(encode_subject_key_identifier(id));
    EXPECT_EQ(hex_encode(ski.value), "04050102030405");
    EXPECT_EQ(decode_subject_key_identifier(ski.value).value(), id);

    AuthorityKeyIdentifier aki;
    aki.key_id = id;
    auto e = must_ext(encode_authority_key_identifier(aki));
    EXPECT_EQ(hex_encode(e.value),
              "30078005"
              "0102030405");
    auto back = decode_authority_key_identifier(e.value);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->key_id, id);
    EXPECT_TRUE(back->issuer.empty());

    AuthorityKeyIdentifier full;
    full.key_id = id;
    full.issuer.push_back(GeneralName::directory_name(make_name({{"C", "CN"}, {"CN", "Root"}})));
    full.serial = hex("00ff");
    auto fe = must_ext(encode_authority_key_identifier(full));
    auto fb = decode_authority_key_identifier(fe.value);
    ASSERT_TRUE(fb.ok()) << fb.error().to_string();
    ASSERT_EQ(fb->issuer.size(), 1u);
    EXPECT_EQ(fb->issuer[0].type, GeneralNameType::directory_name);
    EXPECT_EQ(fb->issuer[0].directory.get(oids::at_common_name), "Root");
    EXPECT_EQ(hex_encode(*fb->serial), "00ff");
    // RFC 5280 4.2.1.1: issuer and serial go together.
    AuthorityKeyIdentifier half;
    half.serial = hex("01");
    EXPECT_EQ(encode_authority_key_identifier(half).code(), Errc::invalid_argument);
    EXPECT_EQ(decode_authority_key_identifier(hex("3003820101")).code(), Errc::x509_bad_extension);

    // SM3 truncated by default, SHA-1 on request (RFC 5280 4.2.1.2 method 1).
    const Bytes bits = hex("04aabb");
    EXPECT_EQ(key_identifier(bits).size(), 20u);
    EXPECT_EQ(hex_encode(key_identifier(as_bytes("abc"), true)), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Extensions, CrlDistributionPointsAndAia) {
    auto crl = must_ext(encode_crl_distribution_points(
        crl_distribution_points_from_uris({"http://crl.example.cn/a.crl", "ldap://l/x"})));
    auto dp = decode_crl_distribution_points(crl.value);
    ASSERT_TRUE(dp.ok()) << dp.error().to_string();
    EXPECT_EQ(dp->uris(), (std::vector<std::string>{"http://crl.example.cn/a.crl", "ldap://l/x"}));
    // 30 35 30 21 a0 1f a0 1d 86 1b "http://crl.example.cn/a.crl" ... (fullName [0] inside [0])
    EXPECT_EQ(hex_encode(BytesView(crl.value).subspan(0, 10)),
              "3035"
              "30"
              "21"
              "a01f"
              "a01d"
              "861b");

    CrlDistributionPoints with_reasons;
    DistributionPoint p;
    p.full_name.push_back(GeneralName::uri("http://x/y.crl"));
    p.reasons = 0x06;  // keyCompromise, cACompromise
    p.crl_issuer.push_back(GeneralName::directory_name(make_name({{"CN", "CRL Issuer"}})));
    with_reasons.points.push_back(p);
    auto wr = decode_crl_distribution_points(must_ext(encode_crl_distribution_points(with_reasons)).value);
    ASSERT_TRUE(wr.ok()) << wr.error().to_string();
    EXPECT_EQ(wr->points[0].reasons, 0x06u);
    EXPECT_EQ(wr->points[0].crl_issuer[0].directory.get(oids::at_common_name), "CRL Issuer");

    auto aia = must_ext(encode_authority_info_access(
        authority_info_access_from_uris({"http://ocsp.example.cn/"}, {"http://ca.example.cn/ca.cer"})));
    EXPECT_FALSE(aia.critical);
    auto a = decode_authority_info_access(aia.value);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->ocsp_uris(), std::vector<std::string>{"http://ocsp.example.cn/"});
    EXPECT_EQ(a->ca_issuers_uris(), std::vector<std::string>{"http://ca.example.cn/ca.cer"});
    EXPECT_EQ(encode_crl_distribution_points(crl_distribution_points_from_uris({"http://中文"})).code(),
              Errc::invalid_argument);
}

TEST(Extensions, CertificatePolicies) {
    CertificatePolicies cp;
    cp.policies.push_back(
        {asn1::Oid("1.2.156.112559.1.1.1"), {"http://www.example.cn/cps"}, std::string("测试用户须知")});
    cp.policies.push_back({oids::any_policy, {}, std::nullopt});
    auto e = must_ext(encode_certificate_policies(cp));
    auto back = decode_certificate_policies(e.value);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    ASSERT_EQ(back->policies.size(), 2u);
    EXPECT_EQ(back->policies[0].policy, asn1::Oid("1.2.156.112559.1.1.1"));
    EXPECT_EQ(back->policies[0].cps_uris, std::vector<std::string>{"http://www.example.cn/cps"});
    EXPECT_EQ(back->policies[0].user_notice_text, "测试用户须知");
    EXPECT_TRUE(back->has(oids::any_policy));
}

TEST(Extensions, SubjectAltNameAllTypes) {
    SubjectAltName san;
    san.names = {GeneralName::rfc822("zhangsan@example.cn"),
                 GeneralName::dns("www.example.cn"),
                 GeneralName::uri("https://www.example.cn/"),
                 GeneralName::directory_name(make_name({{"C", "CN"}, {"CN", "目录名"}})),
                 GeneralName::ip_address(hex("c0a80001")),
                 GeneralName::registered(asn1::Oid("1.2.3.4"))};
    auto e = must_ext(encode_subject_alt_name(san));
    auto back = decode_subject_alt_name(e.value);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    ASSERT_EQ(back->names.size(), 6u);
    EXPECT_EQ(back->of_type(GeneralNameType::rfc822_name), std::vector<std::string>{"zhangsan@example.cn"});
    EXPECT_EQ(back->of_type(GeneralNameType::dns_name), std::vector<std::string>{"www.example.cn"});
    EXPECT_EQ(back->of_type(GeneralNameType::uri), std::vector<std::string>{"https://www.example.cn/"});
    EXPECT_EQ(back->names[3].directory.get(oids::at_common_name), "目录名");
    EXPECT_EQ(hex_encode(back->names[4].ip), "c0a80001");
    EXPECT_EQ(back->names[5].oid, asn1::Oid("1.2.3.4"));
    // otherName is kept raw: [0] { OID 1.2.3, [0] { UTF8String "x" } }
    auto other = decode_subject_alt_name(hex("300ca00a06022a03a0040c027878"));
    ASSERT_TRUE(other.ok()) << other.error().to_string();
    EXPECT_EQ(other->names[0].type, GeneralNameType::other_name);
    EXPECT_EQ(other->names[0].oid, asn1::Oid("1.2.3"));
    EXPECT_EQ(decode_subject_alt_name(hex("3000")).code(), Errc::x509_bad_extension);
    EXPECT_EQ(decode_subject_alt_name(hex("3003890100")).code(), Errc::x509_bad_extension);  // [9]
    EXPECT_EQ(encode_subject_alt_name(SubjectAltName{{GeneralName::ip_address(hex("01"))}}).code(),
              Errc::invalid_argument);
}

TEST(Extensions, OcspNoCheck) {
    auto e = must_ext(encode_ocsp_no_check());
    EXPECT_EQ(hex_encode(e.value), "0500");
    EXPECT_TRUE(decode_ocsp_no_check(e.value).ok());
    EXPECT_TRUE(decode_ocsp_no_check({}).ok());
    EXPECT_EQ(decode_ocsp_no_check(hex("020100")).code(), Errc::x509_bad_extension);
}

// GM/T 0015: values are PrintableString inside extnValue; IdentifyCode's CHOICE tagging is not
// specified, so explicit, implicit, bare-string and bare-octet forms are all read.
TEST(Extensions, GmIdentityDecodingIsLenient) {
    const std::string id = "110101199003071234";
    Bytes ps = hex("1312");
    ps.insert(ps.end(), id.begin(), id.end());
    auto a = decode_gm_identity(oids::gm_identify_code, ps);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->value, id);
    EXPECT_EQ(a->kind, IdentifyCodeKind::unspecified);

    Bytes expl = hex("a0141312");  // [0] EXPLICIT PrintableString (XiPKI)
    expl.insert(expl.end(), id.begin(), id.end());
    auto b = decode_gm_identity(oids::gm_identify_code, expl);
    ASSERT_TRUE(b.ok()) << b.error().to_string();
    EXPECT_EQ(b->value, id);
    EXPECT_EQ(b->kind, IdentifyCodeKind::resident_card);

    Bytes impl = hex("8212");  // [2] IMPLICIT PrintableString: passport
    impl.insert(impl.end(), id.begin(), id.end());
    auto c = decode_gm_identity(oids::gm_identify_code, impl);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->kind, IdentifyCodeKind::passport);
    EXPECT_EQ(c->value, id);

    Bytes mil = hex("a1080c06");  // [1] EXPLICIT UTF8String "军官"
    const std::string jg = "军官";
    mil.insert(mil.end(), jg.begin(), jg.end());
    auto d = decode_gm_identity(oids::gm_identify_code, mil);
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    EXPECT_EQ(d->kind, IdentifyCodeKind::military_officer_card);
    EXPECT_EQ(d->value, jg);

    // Bare characters without a TLV.
    auto e = decode_gm_identity(oids::gm_taxation_number, as_bytes("91330100MA2CFXXX0X"));
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->value, "91330100MA2CFXXX0X");
    // UTF8String is accepted too.
    auto f = decode_gm_identity(oids::gm_unified_social_credit_code, hex("0c03414243"));
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->value, "ABC");
    EXPECT_EQ(decode_gm_identity(oids::gm_identify_code, hex("0000ff")).code(), Errc::x509_bad_extension);
}

TEST(Extensions, GmIdentityEncoding) {
    auto a = must_ext(encode_gm_identity({oids::gm_organization_code, IdentifyCodeKind::unspecified, "12345678-9"}));
    EXPECT_EQ(hex_encode(a.value), "130a" + hex_encode(as_bytes("12345678-9")));
    EXPECT_FALSE(a.critical);
    auto b = must_ext(encode_gm_identity({oids::gm_identify_code, IdentifyCodeKind::resident_card, "110101"}));
    EXPECT_EQ(hex_encode(b.value), "a0081306" + hex_encode(as_bytes("110101")));
    auto back = decode_gm_identity(oids::gm_identify_code, b.value);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->kind, IdentifyCodeKind::resident_card);
    EXPECT_EQ(encode_gm_identity({oids::gm_organization_code, IdentifyCodeKind::unspecified, "中文"}).code(),
              Errc::invalid_argument);
    EXPECT_EQ(encode_gm_identity({oids::ce_key_usage, IdentifyCodeKind::unspecified, "x"}).code(),
              Errc::invalid_argument);
    EXPECT_TRUE(is_gm_identity_oid(oids::cn_legacy_taxpayer_number));
    EXPECT_TRUE(is_gm_identity_oid(asn1::Oid("1.2.86.11.7.2")));
}

Result<Extensions> parse_ext_der(const Bytes& der, const ParseOptions& opt = {}) {
    auto e = asn1::read_single(der, opt.reader_options());
    if (!e.ok()) return e.error();
    return Extensions::parse(*e, opt);
}

TEST(Extensions, SetDecodesAndRefusesDuplicates) {
    std::vector<Extension> list{must_ext(encode_basic_constraints({true, 1})),
                                must_ext(encode_key_usage(KeyUsage::of({KeyUsageBit::key_cert_sign}))),
                                must_ext(encode_gm_identity({oids::gm_taxation_number, {}, "330100"})),
                                Extension{asn1::Oid("1.2.3.4"), false, hex("0500")}};
    auto der = encode_extensions(list);
    ASSERT_TRUE(der.ok());
    auto ex = parse_ext_der(*der);
    ASSERT_TRUE(ex.ok()) << ex.error().to_string();
    EXPECT_EQ(ex->size(), 4u);
    EXPECT_EQ(ex->basic_constraints()->path_len, 1u);
    EXPECT_TRUE(ex->list()[0].critical);
    EXPECT_TRUE(ex->key_usage()->has(KeyUsageBit::key_cert_sign));
    EXPECT_EQ(ex->gm_identity(oids::gm_taxation_number), "330100");
    EXPECT_NE(ex->find(asn1::Oid("1.2.3.4")), nullptr);
    EXPECT_FALSE(Extensions::is_known(asn1::Oid("1.2.3.4")));
    EXPECT_TRUE(Extensions::is_known(oids::ce_basic_constraints));
    EXPECT_FALSE(Extensions::is_known(oids::ce_name_constraints));

    list.push_back(must_ext(encode_basic_constraints({false, std::nullopt})));
    auto dup = parse_ext_der(encode_extensions(list).value());
    EXPECT_EQ(dup.code(), Errc::x509_duplicate_extension);
    EXPECT_EQ(Extensions::from_list(list).code(), Errc::x509_duplicate_extension);
    // Duplicates are refused in lenient mode too (RFC 5280 4.2).
    EXPECT_EQ(parse_ext_der(encode_extensions(list).value(), ParseOptions::relaxed()).code(),
              Errc::x509_duplicate_extension);
}

TEST(Extensions, StrictAndLenientSet) {
    EXPECT_EQ(parse_ext_der(hex("3000")).code(), Errc::x509_bad_extension);  // SIZE (1..MAX)
    EXPECT_TRUE(parse_ext_der(hex("3000"), ParseOptions::relaxed()).ok());
    // Extension { 2.5.29.15, critical FALSE, 03 02 01 06 }: FALSE encoded explicitly.
    const Bytes explicit_false = hex("3010300e0603551d0f010100040403020106");
    EXPECT_EQ(parse_ext_der(explicit_false).code(), Errc::x509_bad_extension);
    auto lenient = parse_ext_der(explicit_false, ParseOptions::relaxed());
    ASSERT_TRUE(lenient.ok());
    EXPECT_FALSE(lenient->list()[0].critical);
    // A known extension that does not decode: strict refuses, lenient records it.
    const Bytes bad_ku = hex("300d300b0603551d0f0101ff0401ff");
    EXPECT_EQ(parse_ext_der(bad_ku).code(), Errc::x509_bad_extension);
    auto rec = parse_ext_der(bad_ku, ParseOptions::relaxed());
    ASSERT_TRUE(rec.ok());
    EXPECT_FALSE(rec->key_usage().has_value());
    EXPECT_EQ(rec->decode_errors().size(), 1u);
    // extnValue that is not an OCTET STRING.
    EXPECT_EQ(parse_ext_der(hex("300a30080603551d0f020101")).code(), Errc::x509_bad_encoding);
}

}  // namespace
}  // namespace yinxin::x509
