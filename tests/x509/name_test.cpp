#include "yinxin/x509/name.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/writer.h"

namespace yinxin::x509 {
namespace {

namespace oids = asn1::oids;
using testing::make_name;

Bytes hex(std::string_view h) { return hex_decode(h).value(); }

TEST(Name, BuildChoosesStringTypesPerAttribute) {
    auto n = Name::build({{"C", "CN"},
                          {"O", "印信"},
                          {"CN", "张三"},
                          {"E", "a@b.cn"},
                          {"serialNumber", "110101199003071234"},
                          {"x500UniqueIdentifier", "B00102"}});
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    const auto& rdns = n->rdns();
    ASSERT_EQ(rdns.size(), 6u);
    EXPECT_EQ(rdns[0][0].value_tag, asn1::tags::printable_string);  // X.520 countryName
    EXPECT_EQ(rdns[1][0].value_tag, asn1::tags::utf8_string);       // RFC 5280 4.1.2.6
    EXPECT_EQ(rdns[2][0].value_tag, asn1::tags::utf8_string);
    EXPECT_EQ(rdns[3][0].value_tag, asn1::tags::ia5_string);        // PKCS#9 emailAddress
    EXPECT_EQ(rdns[4][0].value_tag, asn1::tags::printable_string);  // X.520 serialNumber
    EXPECT_EQ(rdns[5][0].value_tag, asn1::tags::utf8_string);
    EXPECT_EQ(n->get(oids::at_common_name), "张三");
    EXPECT_EQ(n->get(oids::at_email_address), "a@b.cn");
    EXPECT_FALSE(n->get(oids::at_locality).has_value());
    // The first RDN exactly: SET { SEQUENCE { 2.5.4.6, PrintableString "CN" } }.
    EXPECT_EQ(hex_encode(BytesView(n->der()).subspan(2, 13)), "310b300906035504061302434e");
}

TEST(Name, ExactDerOfSimpleName) {
    auto n = Name::build({{"C", "CN"}, {"CN", "a"}});
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(hex_encode(n->der()), "3019310b300906035504061302434e310a300806035504030c0161");
}

TEST(Name, ToStringRfc4514AndDisplayOrder) {
    Name n = make_name({{"C", "CN"}, {"ST", "浙江省"}, {"O", "测试单位"}, {"CN", "张三"}});
    EXPECT_EQ(n.to_string(), "CN=张三,O=测试单位,ST=浙江省,C=CN");
    EXPECT_EQ(n.to_display_string(), "C=CN, ST=浙江省, O=测试单位, CN=张三");
}

TEST(Name, EscapingPerRfc4514) {
    Name n = make_name({{"CN", "a,b+c\"d\\e<f>g;h"}, {"O", "#lead"}, {"OU", " both "}});
    EXPECT_EQ(n.to_string(), "OU=\\ both\\ ,O=\\#lead,CN=a\\,b\\+c\\\"d\\\\e\\<f\\>g\\;h");
}

TEST(Name, UnknownTypeIsDottedWithHexValue) {
    auto n = Name::build(std::vector<NameAttribute>{{asn1::Oid("1.2.3.4"), "abc", std::nullopt}});
    ASSERT_TRUE(n.ok());
    // RFC 4514 2.4: dotted type, '#' and the hex of the value's encoding (UTF8String "abc").
    EXPECT_EQ(n->to_string(), "1.2.3.4=#0c03616263");
}

TEST(Name, LabelsAndAliases) {
    EXPECT_EQ(name_attribute_from_label("E"), oids::at_email_address);
    EXPECT_EQ(name_attribute_from_label("emailAddress"), oids::at_email_address);
    EXPECT_EQ(name_attribute_from_label("ST"), oids::at_state);
    EXPECT_EQ(name_attribute_from_label("2.5.4.3"), oids::at_common_name);
    EXPECT_FALSE(name_attribute_from_label("Nope").has_value());
    EXPECT_EQ(name_attribute_label(oids::at_email_address), "E");
    EXPECT_EQ(name_attribute_label(asn1::Oid("1.2.3")), "");
}

TEST(Name, BuildRefusesBadInput) {
    EXPECT_EQ(Name::build({{"C", "CHN"}}).code(), Errc::x509_bad_name);  // X.520: two letters
    EXPECT_EQ(Name::build({{"Nope", "x"}}).code(), Errc::x509_bad_name);
    EXPECT_EQ(Name::build({{"CN", ""}}).code(), Errc::x509_bad_name);
    EXPECT_EQ(Name::build({{"serialNumber", "身份证"}}).code(), Errc::x509_bad_name);  // PrintableString
    EXPECT_EQ(Name::build({{"E", "张@b.cn"}}).code(), Errc::x509_bad_name);            // IA5String
    EXPECT_EQ(Name::build_rdns({{}}).code(), Errc::x509_bad_name);
}

TEST(Name, ExplicitTagOverride) {
    auto n = Name::build(std::vector<NameAttribute>{{oids::at_common_name, "Test", asn1::tags::printable_string},
                                                    {oids::at_organization, "中文", asn1::tags::bmp_string}});
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(n->rdns()[0][0].value_tag, asn1::tags::printable_string);
    EXPECT_EQ(n->rdns()[1][0].value_tag, asn1::tags::bmp_string);
    EXPECT_EQ(n->rdns()[1][0].value, "中文");  // BMPString decoded back to UTF-8
}

TEST(Name, EqualityRfc5280Section7_1) {
    // Byte-different encodings of the same name: PrintableString vs UTF8String, case, spaces.
    auto a = Name::build(std::vector<NameAttribute>{{oids::at_country, "CN", std::nullopt},
                                                    {oids::at_common_name, "Test  CA", asn1::tags::printable_string}});
    auto b = Name::build(std::vector<NameAttribute>{{oids::at_country, "cn", std::nullopt},
                                                    {oids::at_common_name, " test ca ", asn1::tags::utf8_string}});
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    EXPECT_NE(a->der(), b->der());
    EXPECT_TRUE(*a == *b);
    EXPECT_FALSE(*a == make_name({{"C", "CN"}, {"CN", "Test CB"}}));
    EXPECT_FALSE(*a == make_name({{"C", "CN"}}));                    // RDN count
    EXPECT_FALSE(*a == make_name({{"C", "CN"}, {"O", "Test CA"}}));  // type
    EXPECT_FALSE(make_name({{"CN", "张三"}}) == make_name({{"CN", "张四"}}));
    EXPECT_TRUE(make_name({{"CN", "张三"}}) == make_name({{"CN", "张三"}}));
}

TEST(Name, MultiValuedRdnIsASet) {
    auto a =
        Name::build_rdns({{{oids::at_common_name, "x", std::nullopt}, {oids::at_serial_number, "1", std::nullopt}}});
    auto b =
        Name::build_rdns({{{oids::at_serial_number, "1", std::nullopt}, {oids::at_common_name, "X", std::nullopt}}});
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(*a == *b);
    EXPECT_EQ(a->rdns().size(), 1u);
    EXPECT_EQ(a->rdns()[0].size(), 2u);
    // The writer sorts SET OF by encoding, so the printable order is the DER order.
    EXPECT_NE(a->to_string().find('+'), std::string::npos);
}

TEST(Name, ParseKeepsDerAndReadsAnyDirectoryString) {
    // T61String (read as ISO 8859-1), BMPString, and a non-string value (X.520 UniqueIdentifier).
    asn1::Writer w;
    w.sequence([](asn1::Writer& s) {
        s.set_of([](asn1::Writer& r) {
            r.sequence([](asn1::Writer& a) {
                a.oid(oids::at_common_name);
                a.primitive(asn1::tags::t61_string, hex_decode("636166e9").value());
            });
        });
        s.set_of([](asn1::Writer& r) {
            r.sequence([](asn1::Writer& a) {
                a.oid(oids::at_organization);
                a.bmp_string("中国");
            });
        });
        s.set_of([](asn1::Writer& r) {
            r.sequence([](asn1::Writer& a) {
                a.oid(oids::at_x500_unique_identifier);
                a.bit_string(hex_decode("0102").value());
            });
        });
    });
    const Bytes built = w.finish().value();
    auto n = Name::parse(built);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(n->der(), built);
    EXPECT_EQ(n->get(oids::at_common_name), "café");
    EXPECT_EQ(n->get(oids::at_organization), "中国");
    const auto& uid = n->rdns()[2][0];
    EXPECT_FALSE(uid.is_string);
    EXPECT_EQ(uid.value, "#0303000102");  // BIT STRING kept as '#' + hex of its TLV
    EXPECT_EQ(n->to_display_string(), "CN=café, O=中国, x500UniqueIdentifier=#0303000102");
}

TEST(Name, ParseErrors) {
    EXPECT_EQ(Name::parse(hex("3002"
                              "3100"))
                  .code(),
              Errc::x509_bad_name);  // empty RDN
    EXPECT_EQ(Name::parse(hex("3103"
                              "020100"))
                  .code(),
              Errc::x509_bad_name);  // not a SEQUENCE
    EXPECT_EQ(Name::parse(hex("30")).code(), Errc::x509_bad_encoding);
    EXPECT_EQ(Name::parse(hex("3000"
                              "00"))
                  .code(),
              Errc::x509_bad_encoding);  // trailing octet
    // PrintableString with '@': refused strictly, read leniently (seen in real names).
    const Bytes at = hex("300f310d300b0603550403130461406263");
    EXPECT_EQ(Name::parse(at).code(), Errc::x509_bad_name);
    auto lenient = Name::parse(at, ParseOptions::relaxed());
    ASSERT_TRUE(lenient.ok()) << lenient.error().to_string();
    EXPECT_EQ(lenient->get(oids::at_common_name), "a@bc");
}

TEST(Name, EmptyName) {
    Name n;
    EXPECT_TRUE(n.empty());
    EXPECT_EQ(hex_encode(n.der()), "3000");
    EXPECT_EQ(n.to_string(), "");
    auto p = Name::parse(hex("3000"));
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(*p == n);
}

}  // namespace
}  // namespace yinxin::x509
