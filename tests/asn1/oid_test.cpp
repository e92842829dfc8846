#include "yinxin/asn1/oid.h"

#include <gtest/gtest.h>

#include <map>
#include <unordered_set>

#include "test_util.h"
#include "yinxin/asn1/oids.h"

namespace yinxin::asn1 {
namespace {

using testing::hex;

std::string der_hex(std::string_view dotted) {
    auto o = Oid::from_string(dotted);
    return o.ok() ? hex_encode(o->der()) : "error";
}

TEST(Oid, KnownEncodings) {
    // X.690 8.19.5 example: {2 999 3} is 88 37 03.
    EXPECT_EQ(der_hex("2.999.3"), "883703");
    EXPECT_EQ(der_hex("1.2.156.10197.1.501"), "2a811ccf55018375");
    EXPECT_EQ(der_hex("1.2.840.113549.1.1.11"), "2a864886f70d01010b");
    EXPECT_EQ(der_hex("0.0"), "00");
    EXPECT_EQ(der_hex("0.39"), "27");
    EXPECT_EQ(der_hex("1.0"), "28");
    EXPECT_EQ(der_hex("1.39"), "4f");
    EXPECT_EQ(der_hex("2.0"), "50");
    EXPECT_EQ(der_hex("2.47"), "7f");
    EXPECT_EQ(der_hex("2.48"), "8100");
    // 2.25.<UUID> (X.667): a 128-bit arc, value taken from openssl_genconf.der.
    EXPECT_EQ(der_hex("2.25.329800735698586629295641978511506172918"), "6983f09da7ebcfdee0c7a1a7b2c0948cc8f9d776");
    EXPECT_EQ(der_hex("1.2.18446744073709551615"), "2a81ffffffffffffffff7f");
}

TEST(Oid, TextRoundTrips) {
    for (const char* s :
         {"0.0", "0.39", "1.0", "1.39", "2.0", "2.39", "2.40", "2.999.3", "2.100.3", "1.2.156.10197.1.301.1",
          "2.25.329800735698586629295641978511506172918", "1.2.18446744073709551615", "1.2.18446744073709551616",
          "2.18446744073709551536", "2.18446744073709551535", "2.340282366920938463463374607431768211456.1"}) {
        auto o = Oid::from_string(s);
        ASSERT_TRUE(o.ok()) << s << ": " << o.error().to_string();
        EXPECT_EQ(o->to_string(), s);
        auto back = Oid::from_der(o->der());
        ASSERT_TRUE(back.ok());
        EXPECT_EQ(*back, *o);
    }
}

TEST(Oid, BadText) {
    for (const char* s : {"", "1", "3.1", "1.40", "0.40", "1.100", "1..2", "1.2.", ".1.2", "1.2a", "1.-2", "1.02",
                          "01.2", "1.2.3 ", " 1.2", "+1.2"}) {
        EXPECT_EQ(Oid::from_string(s).code(), Errc::asn1_bad_oid) << s;
    }
    // Too long for the 127-octet limit.
    std::string long_oid = "1.2";
    for (int i = 0; i < 130; ++i) long_oid += ".1";
    EXPECT_EQ(Oid::from_string(long_oid).code(), Errc::asn1_bad_oid);
    std::string huge_arc = "1.2." + std::string(400, '9');
    EXPECT_EQ(Oid::from_string(huge_arc).code(), Errc::asn1_bad_oid);
}

TEST(Oid, BadDer) {
    EXPECT_EQ(Oid::from_der({}).code(), Errc::asn1_bad_oid);
    EXPECT_EQ(Oid::from_der(hex("2a8001")).code(), Errc::asn1_bad_oid);  // non-minimal subidentifier
    EXPECT_EQ(Oid::from_der(hex("80012a")).code(), Errc::asn1_bad_oid);  // in the first one too
    EXPECT_EQ(Oid::from_der(hex("2a86")).code(), Errc::asn1_bad_oid);    // truncated
    EXPECT_EQ(Oid::from_der(Bytes(128, 0x01)).code(), Errc::asn1_bad_oid);
    EXPECT_TRUE(Oid::from_der(Bytes(127, 0x01)).ok());
}

TEST(Oid, Arcs) {
    auto a = Oid::from_string("2.999.3")->arcs();
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(*a, (std::vector<std::uint64_t>{2, 999, 3}));
    EXPECT_EQ(oids::sm2_with_sm3.arcs().value(), (std::vector<std::uint64_t>{1, 2, 156, 10197, 1, 501}));
    EXPECT_EQ(Oid::from_string("1.2.18446744073709551616")->arcs().code(), Errc::asn1_bad_oid);
}

TEST(Oid, CompareHashPrefix) {
    constexpr Oid a{"1.2.156.10197.1.301"};
    static_assert(a == oids::sm2);
    static_assert(oids::sm2_sign.starts_with(oids::sm2));
    static_assert(!oids::sm2.starts_with(oids::sm2_sign));
    static_assert(!oids::sm2_with_sm3.starts_with(oids::sm2));
    EXPECT_TRUE(Oid().empty());
    EXPECT_NE(oids::sm2, oids::sm3);
    EXPECT_TRUE(oids::sm2 < oids::sm2_sign || oids::sm2_sign < oids::sm2);
    std::unordered_set<Oid> set{oids::sm2, oids::sm3, oids::sm2};
    EXPECT_EQ(set.size(), 2u);
    std::map<Oid, int> m{{oids::sm2, 1}, {oids::sm3, 2}};
    EXPECT_EQ(m.at(oids::sm3), 2);
    EXPECT_EQ(Oid::from_string("1.2.156.10197.1.301").value().hash(), oids::sm2.hash());
}

TEST(OidRegistry, NamesAndLookups) {
    EXPECT_EQ(oid_name(oids::sm2_with_sm3), "SM2-with-SM3");
    EXPECT_EQ(oid_name(oids::kp_ocsp_signing), "OCSPSigning");
    EXPECT_EQ(oid_name(oids::at_common_name), "CN");
    EXPECT_EQ(oid_name(Oid::from_string("1.2.3.4").value()), "");
    EXPECT_EQ(oid_display(Oid::from_string("1.2.3.4").value()), "1.2.3.4");
    EXPECT_EQ(oid_display(oids::sm3), "SM3");
    EXPECT_EQ(oid_from_name("SM2-with-SM3"), oids::sm2_with_sm3);
    EXPECT_EQ(oid_from_name("E"), oids::at_email_address);
    EXPECT_EQ(oid_from_name("id-pkix-ocsp-nocheck"), oids::pkix_ocsp_nocheck);
    EXPECT_FALSE(oid_from_name("no-such-name").has_value());
    // Every registered entry round-trips through its name and text form.
    EXPECT_GT(oid_registry().size(), 100u);
    for (const OidInfo& info : oid_registry()) {
        EXPECT_EQ(oid_from_name(info.name), info.oid) << info.name;
        EXPECT_EQ(Oid::from_string(info.oid.to_string()).value(), info.oid) << info.name;
        EXPECT_FALSE(info.description.empty());
    }
}

TEST(OidRegistry, GmOidsFromSpec) {
    // spec/gm-and-seal-formats.md §3.
    EXPECT_EQ(oids::sm2.to_string(), "1.2.156.10197.1.301");
    EXPECT_EQ(oids::sm2_encrypt.to_string(), "1.2.156.10197.1.301.3");
    EXPECT_EQ(oids::sm3_with_key.to_string(), "1.2.156.10197.1.401.2");
    EXPECT_EQ(oids::rsa_with_sm3.to_string(), "1.2.156.10197.1.504");
    EXPECT_EQ(oids::sm4_cbc.to_string(), "1.2.156.10197.1.104.2");
    EXPECT_EQ(oids::gm_key_agreement_info.to_string(), "1.2.156.10197.6.1.4.2.6");
    EXPECT_EQ(oids::gm_taxation_number.to_string(), "1.2.156.10260.4.1.5");
    EXPECT_EQ(oids::cn_legacy_taxpayer_number.to_string(), "1.2.86.11.7.5");
    EXPECT_EQ(oids::ct_tst_info.to_string(), "1.2.840.113549.1.9.16.1.4");
}

}  // namespace
}  // namespace yinxin::asn1
