// The shared KAT reader (tests/kat_file.h).
#include "kat_file.h"

#include <gtest/gtest.h>

namespace yinxin::testing {
namespace {

TEST(KatFile, ParsesVectorsCommentsAndQuotes) {
    const std::string text =
        "# provenance\n"
        "Key = 00 01 ff\n"
        "Msg = \"message digest\"\n"
        "\n"
        "# second\n"
        "Key = \n"
        "Id = \"\"\n"
        "N = 1000000\n";
    auto v = parse_kat(text, "x.vec");
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].bytes("Key"), (Bytes{0x00, 0x01, 0xff}));
    EXPECT_EQ(to_string(v[0].bytes("Msg")), "message digest");
    EXPECT_EQ(v[0].text("Msg"), "message digest");
    EXPECT_EQ(v[0].where(), "x.vec:2");
    EXPECT_TRUE(v[1].bytes("Key").empty());
    EXPECT_TRUE(v[1].bytes("Id").empty());
    EXPECT_EQ(v[1].number("N"), 1000000u);
    EXPECT_FALSE(v[1].has("Msg"));
}

TEST(KatFile, RejectsMalformedInput) {
    EXPECT_THROW(parse_kat("Key = 00\nKey = 01\n", "dup.vec"), std::runtime_error);
    EXPECT_THROW(parse_kat("no equals sign\n", "bad.vec"), std::runtime_error);
    auto v = parse_kat("Key = zz\nN = -1\n", "hex.vec");
    EXPECT_THROW((void)v[0].bytes("Key"), std::runtime_error);
    EXPECT_THROW((void)v[0].number("N"), std::runtime_error);
    EXPECT_THROW((void)v[0].raw("Missing"), std::runtime_error);
}

TEST(KatFile, LoadsEveryShippedFile) {
    for (const char* f :
         {"kat/sm3.vec", "kat/hmac_sm3.vec", "kat/sm4.vec", "kat/sm4_gcm.vec", "kat/sm2_sign.vec",
          "kat/sm2_encrypt.vec", "kat/sm2_sign_negative.vec", "kat/pbkdf2_sm3.vec", "kat/rsa_sm3.vec"}) {
        SCOPED_TRACE(f);
        EXPECT_FALSE(load_kat(f).empty());
    }
}

}  // namespace
}  // namespace yinxin::testing
