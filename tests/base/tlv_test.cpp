#include "yinxin/base/tlv.h"

#include <gtest/gtest.h>

namespace yinxin {
namespace {

TEST(Tlv, ShortAndLongLengths) {
    Bytes out;
    tlv::append_length(out, 5);
    EXPECT_EQ(out, (Bytes{0x05}));
    out.clear();
    tlv::append_length(out, 200);
    EXPECT_EQ(out, (Bytes{0x81, 0xc8}));
    out.clear();
    tlv::append_length(out, 0x1234);
    EXPECT_EQ(out, (Bytes{0x82, 0x12, 0x34}));
}

TEST(Tlv, ReadHeaderFlagsNonMinimal) {
    Bytes der{0x30, 0x03, 0x02, 0x01, 0x05};
    auto h = tlv::read_header(der);
    ASSERT_TRUE(h.ok());
    EXPECT_TRUE(h->constructed);
    EXPECT_EQ(h->tag_number, 16u);
    EXPECT_EQ(h->length, 3u);
    EXPECT_TRUE(h->minimal);

    Bytes ber{0x30, 0x81, 0x03, 0x02, 0x01, 0x05};  // long form for a short length
    auto hb = tlv::read_header(ber);
    ASSERT_TRUE(hb.ok());
    EXPECT_FALSE(hb->minimal);
    EXPECT_EQ(hb->header_len, 3u);

    Bytes indef{0x30, 0x80, 0x00, 0x00};
    auto hi = tlv::read_header(indef);
    ASSERT_TRUE(hi.ok());
    EXPECT_TRUE(hi->indefinite);

    Bytes high_tag{0xbf, 0x81, 0x00, 0x00};  // [128] constructed, 0 length
    auto ht = tlv::read_header(high_tag);
    ASSERT_TRUE(ht.ok());
    EXPECT_EQ(ht->tag_number, 128u);
    EXPECT_EQ(ht->tag_class, 2);
}

TEST(Tlv, ReadHeaderErrors) {
    EXPECT_EQ(tlv::read_header(Bytes{}).code(), Errc::asn1_truncated);
    EXPECT_EQ(tlv::read_header(Bytes{0x30}).code(), Errc::asn1_truncated);
    EXPECT_EQ(tlv::read_header(Bytes{0x30, 0x05, 0x00}).code(), Errc::asn1_truncated);
    EXPECT_EQ(tlv::read_header(Bytes{0x04, 0x80}).code(), Errc::asn1_bad_length);
    EXPECT_EQ(tlv::read_header(Bytes{0x04, 0x85, 1, 1, 1, 1, 1}).code(), Errc::asn1_too_long);
    EXPECT_EQ(tlv::read_header(Bytes{0x04, 0xff}).code(), Errc::asn1_bad_length);
}

TEST(Tlv, UnsignedIntegerContent) {
    EXPECT_EQ(tlv::unsigned_integer_content(Bytes{0x00, 0x00, 0x7f}), (Bytes{0x7f}));
    EXPECT_EQ(tlv::unsigned_integer_content(Bytes{0x80}), (Bytes{0x00, 0x80}));
    EXPECT_EQ(tlv::unsigned_integer_content(Bytes{0x00, 0x00}), (Bytes{0x00}));
    EXPECT_EQ(tlv::unsigned_integer_content(Bytes{}), (Bytes{0x00}));
}

}  // namespace
}  // namespace yinxin
