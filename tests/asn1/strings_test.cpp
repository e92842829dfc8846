#include "yinxin/asn1/strings.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace yinxin::asn1 {
namespace {

using testing::hex;

TEST(Strings, CharacterSets) {
    EXPECT_TRUE(is_printable_string("Yinxin CA (Test) 1+1=2, a-b./:?'"));
    for (char c : std::string("@*_&!\"#$%;<>[]\\^`{|}~\t")) EXPECT_FALSE(is_printable_string(std::string(1, c))) << c;
    EXPECT_TRUE(is_visible_string("a@b_c~"));
    EXPECT_FALSE(is_visible_string("a\tb"));
    EXPECT_FALSE(is_visible_string("\x7f"));
    EXPECT_TRUE(is_ia5_string(std::string("\x00\x7f", 2)));
    EXPECT_FALSE(is_ia5_string("\x80"));
    EXPECT_TRUE(is_numeric_string("0123 456789"));
    EXPECT_FALSE(is_numeric_string("12-3"));
}

TEST(Strings, Utf8Validation) {
    EXPECT_TRUE(is_utf8(""));
    EXPECT_TRUE(is_utf8("\xe5\x8d\xb0\xe4\xbf\xa1"));
    EXPECT_TRUE(is_utf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
    EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_utf8("\xc0\x80"));          // overlong NUL
    EXPECT_FALSE(is_utf8("\xe0\x80\xaf"));      // overlong
    EXPECT_FALSE(is_utf8("\xe5\x8d"));          // truncated
    EXPECT_FALSE(is_utf8("\x80"));
    EXPECT_FALSE(is_utf8("\xf8\x88\x80\x80\x80"));
}

TEST(Strings, Conversions) {
    EXPECT_EQ(bmp_to_utf8(hex("0041 00e9 6d4b")).value(), "A\xc3\xa9\xe6\xb5\x8b");
    EXPECT_EQ(bmp_to_utf8(hex("dc00")).code(), Errc::asn1_bad_value);
    EXPECT_EQ(bmp_to_utf8(hex("d83d0041")).code(), Errc::asn1_bad_value);
    EXPECT_EQ(universal_to_utf8(hex("0001f600")).value(), "\xf0\x9f\x98\x80");
    EXPECT_EQ(universal_to_utf8(hex("000041")).code(), Errc::asn1_bad_value);
    EXPECT_EQ(universal_to_utf8(hex("0000d800")).code(), Errc::asn1_bad_value);
    EXPECT_EQ(latin1_to_utf8(hex("41ff")), "A\xc3\xbf");
    EXPECT_EQ(hex_encode(utf8_to_bmp("A\xe6\xb5\x8b").value()), "00416d4b");
    EXPECT_EQ(utf8_to_bmp("\xff").code(), Errc::asn1_bad_value);
}

}  // namespace
}  // namespace yinxin::asn1
