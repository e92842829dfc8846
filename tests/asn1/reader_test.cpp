#include "yinxin/asn1/reader.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/base/tlv.h"

namespace yinxin::asn1 {
namespace {

using testing::hex;

const ReaderOptions der = ReaderOptions::der();
const ReaderOptions ber = ReaderOptions::ber();

// The first element of `bytes` in the given mode.
Result<Element> first(const Bytes& bytes, ReaderOptions o = der) {
    Reader r(bytes, o);
    return r.read();
}

TEST(Reader, CursorOverSequence) {
    // SEQUENCE { INTEGER 5, OID 1.2.156.10197.1.501, BOOLEAN TRUE, NULL, OCTET STRING 'ab' }
    Bytes in =
        hex("3016"
            "020105"
            "06082a811ccf55018375"
            "0101ff"
            "0500"
            "04026162");
    Reader r(in);
    auto seq = r.read_sequence();
    ASSERT_TRUE(seq.ok()) << seq.error().to_string();
    EXPECT_TRUE(r.at_end());
    EXPECT_TRUE(r.expect_end().ok());
    // raw and content are views into the caller's buffer.
    EXPECT_EQ(seq->raw().data(), in.data());
    EXPECT_EQ(seq->raw().size(), in.size());
    EXPECT_EQ(seq->content().data(), in.data() + 2);
    EXPECT_EQ(seq->header_size(), 2u);
    EXPECT_TRUE(seq->der());
    EXPECT_EQ(seq->tag(), tags::sequence);

    Reader c = seq->children();
    EXPECT_EQ(c.peek_tag().value(), tags::integer);
    EXPECT_TRUE(c.next_is(tags::integer));
    EXPECT_EQ(c.read_int64().value(), 5);
    EXPECT_EQ(c.read_oid().value(), oids::sm2_with_sm3);
    auto absent = c.read_optional(tags::integer);
    ASSERT_TRUE(absent.ok());
    EXPECT_FALSE(absent->has_value());
    EXPECT_TRUE(c.read_boolean().value());
    EXPECT_TRUE(c.read_null().ok());
    auto os = c.read_octet_string();
    ASSERT_TRUE(os.ok());
    EXPECT_EQ(to_string(*os), "ab");
    EXPECT_EQ(os->data(), in.data() + in.size() - 2);
    EXPECT_TRUE(c.at_end());
    EXPECT_EQ(c.peek_tag().code(), Errc::asn1_truncated);
    EXPECT_EQ(c.read().code(), Errc::asn1_truncated);
    auto opt_at_end = c.read_optional(tags::integer);
    ASSERT_TRUE(opt_at_end.ok());
    EXPECT_FALSE(opt_at_end->has_value());
}

TEST(Reader, ElementOffsetsAndDepth) {
    Bytes in =
        hex("3006"
            "3005"
            "020101"
            "05");  // the inner SEQUENCE runs past the outer one
    auto e = first(in);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->children().read().code(), Errc::asn1_truncated);

    Bytes ok =
        hex("3005"
            "3003"
            "020107");
    auto outer = first(ok);
    ASSERT_TRUE(outer.ok());
    Reader c = outer->children();
    auto inner = c.read_sequence().value();
    EXPECT_EQ(inner.offset(), 2u);
    EXPECT_EQ(inner.depth(), 1u);
    auto i = inner.children().read().value();
    EXPECT_EQ(i.offset(), 4u);
    EXPECT_EQ(i.depth(), 2u);
}

TEST(Reader, ErrorsCarryTheOffset) {
    Bytes in =
        hex("3005"
            "020100"
            "0101");  // BOOLEAN runs past the end of the SEQUENCE
    Reader c = first(in)->children();
    ASSERT_TRUE(c.read_integer().ok());
    auto b = c.read_boolean();
    EXPECT_EQ(b.code(), Errc::asn1_truncated);
    EXPECT_NE(b.error().message.find("offset 5"), std::string::npos) << b.error().message;
}

TEST(Reader, FailedReadDoesNotMove) {
    Bytes in =
        hex("0101ff"
            "020102");
    Reader r(in);
    EXPECT_EQ(r.read_integer().code(), Errc::asn1_unexpected_tag);
    EXPECT_EQ(r.read_sequence().code(), Errc::asn1_unexpected_tag);
    EXPECT_TRUE(r.read_boolean().value());
    EXPECT_EQ(r.read_int64().value(), 2);
    EXPECT_TRUE(r.expect_end().ok());
}

TEST(Reader, ExpectEndAndReadSingle) {
    Bytes in = hex("050000");
    Reader r(in);
    ASSERT_TRUE(r.read_null().ok());
    EXPECT_EQ(r.expect_end().code(), Errc::asn1_trailing_data);
    EXPECT_EQ(r.remaining().size(), 1u);
    EXPECT_EQ(read_single(in).code(), Errc::asn1_trailing_data);
    EXPECT_TRUE(read_single(hex("0500")).ok());
}

TEST(Reader, HeaderErrors) {
    EXPECT_EQ(first(hex("")).code(), Errc::asn1_truncated);
    EXPECT_EQ(first(hex("30")).code(), Errc::asn1_truncated);
    EXPECT_EQ(first(hex("3005020100")).code(), Errc::asn1_truncated);
    EXPECT_EQ(first(hex("1f")).code(), Errc::asn1_truncated);
    // X.690 8.1.2.2: numbers below 31 use the low form; 8.1.2.4.2 c: no leading 0x80 octet.
    EXPECT_EQ(first(hex("9f0500"), der).code(), Errc::asn1_bad_tag);
    EXPECT_EQ(first(hex("9f0500"), ber).code(), Errc::asn1_bad_tag);
    EXPECT_EQ(first(hex("9f801f00"), ber).code(), Errc::asn1_bad_tag);
    // End-of-contents where an element is expected.
    EXPECT_EQ(first(hex("0000"), ber).code(), Errc::asn1_bad_tag);
    EXPECT_EQ(first(hex("3002"
                        "0000"),
                    ber)
                  ->children()
                  .read()
                  .code(),
              Errc::asn1_bad_tag);
    // Reserved length octet, indefinite length on a primitive encoding (X.690 8.1.3.2 a).
    EXPECT_EQ(first(hex("02ff01")).code(), Errc::asn1_bad_length);
    EXPECT_EQ(first(hex("0480616200 00"), ber).code(), Errc::asn1_bad_length);
    // More than 4 length octets.
    EXPECT_EQ(first(hex("02850000000001 05"), ber).code(), Errc::asn1_too_long);
    // High tag numbers work.
    auto ht = first(hex("9f1f0107"));
    ASSERT_TRUE(ht.ok());
    EXPECT_EQ(ht->tag(), Tag::context(31));
    auto big =
        first(hex("bf8100"
                  "00"));
    ASSERT_TRUE(big.ok());
    EXPECT_EQ(big->tag(), Tag::context(128, true));
}

TEST(Reader, StrictRefusesNonMinimalLengthLenientKeepsIt) {
    Bytes in =
        hex("308103"
            "020105");
    EXPECT_EQ(first(in, der).code(), Errc::asn1_not_der);
    auto e = first(in, ber);
    ASSERT_TRUE(e.ok());
    EXPECT_FALSE(e->der());
    EXPECT_EQ(e->raw().size(), in.size());
    EXPECT_EQ(e->content().size(), 3u);
    EXPECT_EQ(e->children().read_int64().value(), 5);

    Bytes leading_zero = hex("0482000161");  // 2 length octets for 1
    EXPECT_EQ(first(leading_zero, der).code(), Errc::asn1_not_der);
    EXPECT_TRUE(first(leading_zero, ber).ok());
}

TEST(Reader, IndefiniteLength) {
    // SEQUENCE(indef) { INTEGER 1, SEQUENCE(indef) { NULL }, OCTET STRING 'a' } then NULL after it
    Bytes in =
        hex("3080"
            "020101"
            "3080"
            "0500"
            "0000"
            "040161"
            "0000"
            "0500");
    EXPECT_EQ(first(in, der).code(), Errc::asn1_not_der);
    Reader r(in, ber);
    auto seq = r.read_sequence();
    ASSERT_TRUE(seq.ok()) << seq.error().to_string();
    EXPECT_TRUE(seq->indefinite());
    EXPECT_FALSE(seq->der());
    // raw spans exactly the received bytes, end-of-contents included; content excludes it.
    EXPECT_EQ(seq->raw().size(), in.size() - 2);
    EXPECT_EQ(seq->raw().data(), in.data());
    EXPECT_EQ(seq->content().size(), in.size() - 2 - 4);
    EXPECT_EQ(seq->header_size(), 2u);
    EXPECT_TRUE(r.read_null().ok());
    EXPECT_TRUE(r.expect_end().ok());

    Reader c = seq->children();
    EXPECT_EQ(c.read_int64().value(), 1);
    auto inner = c.read_sequence();
    ASSERT_TRUE(inner.ok());
    EXPECT_EQ(to_string(inner->raw()), to_string(hex("308005000000")));
    EXPECT_TRUE(inner->children().read_null().ok());
    EXPECT_EQ(to_string(c.read_octet_string().value()), "a");
    EXPECT_TRUE(c.expect_end().ok());
}

TEST(Reader, IndefiniteLengthErrors) {
    EXPECT_EQ(first(hex("3080020101"), ber).code(), Errc::asn1_truncated);         // no end-of-contents
    EXPECT_EQ(first(hex("3080308000 00"), ber).code(), Errc::asn1_truncated);      // inner closed only
    EXPECT_EQ(first(hex("3080020101 00"), ber).code(), Errc::asn1_truncated);      // half an EOC
    EXPECT_EQ(first(hex("3080 000100 0000"), ber).code(), Errc::asn1_bad_tag);     // EOC with content
    EXPECT_EQ(first(hex("3080 0203 01 0000"), ber).code(), Errc::asn1_truncated);  // inner runs past
}

TEST(Reader, DepthLimit) {
    auto nested = [](int levels, bool indefinite) {
        Bytes b;
        if (indefinite) {
            for (int i = 0; i < levels; ++i) b.insert(b.end(), {0x30, 0x80});
            b.insert(b.end(), {0x05, 0x00});
            for (int i = 0; i < levels; ++i) b.insert(b.end(), {0x00, 0x00});
            return b;
        }
        b = {0x05, 0x00};
        for (int i = 0; i < levels; ++i) {
            Bytes outer{0x30};
            tlv::append_length(outer, b.size());
            outer.insert(outer.end(), b.begin(), b.end());
            b = outer;
        }
        return b;
    };
    // Walks down to the NULL; returns the first error.
    auto walk = [](const Bytes& in, ReaderOptions o) -> Status {
        Reader r(in, o);
        while (true) {
            YX_ASSIGN_OR_RETURN(Element e, r.read());
            if (e.tag() != tags::sequence) return ok_status();
            r = e.children();
        }
    };
    // 63 SEQUENCEs + NULL = 64 levels (depths 0..63): fine. One more is too deep.
    EXPECT_TRUE(walk(nested(63, false), der).ok());
    EXPECT_EQ(walk(nested(64, false), der).code(), Errc::asn1_too_deep);
    EXPECT_TRUE(walk(nested(63, true), ber).ok());
    // With indefinite lengths the depth is already checked when the outer end is searched.
    EXPECT_EQ(first(nested(64, true), ber).code(), Errc::asn1_too_deep);
    ReaderOptions shallow = ber;
    shallow.max_depth = 3;
    EXPECT_TRUE(walk(nested(2, false), shallow).ok());
    EXPECT_EQ(walk(nested(3, false), shallow).code(), Errc::asn1_too_deep);
    // Deep nesting of indefinite lengths does not recurse: 100000 levels just fail cleanly.
    EXPECT_EQ(first(nested(100000, true), ber).code(), Errc::asn1_too_deep);
}

TEST(Reader, LengthLimits) {
    ReaderOptions o = der;
    o.max_element_length = 4;
    EXPECT_TRUE(first(hex("040461626364"), o).ok());
    EXPECT_EQ(first(hex("04056162636465"), o).code(), Errc::asn1_too_long);
    ReaderOptions ob = ber;
    ob.max_element_length = 4;
    EXPECT_EQ(first(hex("3080 040161 040161 0000"), ob).code(), Errc::asn1_too_long);
    ReaderOptions oi = der;
    oi.max_input_length = 3;
    EXPECT_TRUE(first(hex("020101"), oi).ok());
    EXPECT_EQ(first(hex("02020101"), oi).code(), Errc::asn1_too_long);
}

TEST(Reader, Boolean) {
    EXPECT_FALSE(first(hex("010100"))->as_boolean().value());
    EXPECT_TRUE(first(hex("0101ff"))->as_boolean().value());
    // X.690 11.1: DER TRUE is FF; BER accepts any non-zero octet.
    EXPECT_EQ(first(hex("010101"))->as_boolean().code(), Errc::asn1_not_der);
    EXPECT_TRUE(first(hex("010101"), ber)->as_boolean().value());
    EXPECT_EQ(first(hex("0100"))->as_boolean().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("01020000"))->as_boolean().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("2103010100"), ber)->as_boolean().code(), Errc::asn1_bad_tag);
}

TEST(Reader, ExplicitCriticalFalseKeptVerbatim) {
    // Extension { keyUsage, critical BOOLEAN FALSE (explicit DEFAULT: not DER, X.690 11.5),
    // extnValue } as the tax seals carry it (spec §1.3). Readable in both modes, raw unchanged.
    Bytes in =
        hex("300e"
            "0603551d0f"
            "010100"
            "0404"
            "030205a0");
    for (auto mode : {der, ber}) {
        Reader r(in, mode);
        auto ext = r.read_sequence();
        ASSERT_TRUE(ext.ok());
        EXPECT_EQ(ext->raw().size(), in.size());
        EXPECT_TRUE(std::equal(ext->raw().begin(), ext->raw().end(), in.begin()));
        Reader c = ext->children();
        EXPECT_EQ(c.read_oid().value(), oids::ce_key_usage);
        auto crit = c.read_optional(tags::boolean);
        ASSERT_TRUE(crit.ok() && crit->has_value());
        EXPECT_FALSE((*crit)->as_boolean().value());
        EXPECT_EQ(to_string((*crit)->raw()), to_string(hex("010100")));
        auto value = c.read(tags::octet_string).value();
        auto ku = value.children().read_bit_string().value();
        EXPECT_TRUE(ku.bit(0));  // digitalSignature
        EXPECT_FALSE(ku.bit(1));
        EXPECT_TRUE(ku.bit(2));  // keyEncipherment
        EXPECT_EQ(ku.bit_length(), 3u);
        EXPECT_FALSE(ku.bit(100));
        EXPECT_TRUE(c.expect_end().ok());
    }
}

TEST(Reader, Integer) {
    EXPECT_EQ(first(hex("020100"))->as_int64().value(), 0);
    EXPECT_EQ(first(hex("02017f"))->as_int64().value(), 127);
    EXPECT_EQ(first(hex("02020080"))->as_int64().value(), 128);
    EXPECT_EQ(first(hex("020180"))->as_int64().value(), -128);
    EXPECT_EQ(first(hex("0202ff7f"))->as_int64().value(), -129);
    EXPECT_EQ(first(hex("0201ff"))->as_int64().value(), -1);
    EXPECT_EQ(first(hex("02087fffffffffffffff"))->as_int64().value(), INT64_MAX);
    EXPECT_EQ(first(hex("02088000000000000000"))->as_int64().value(), INT64_MIN);
    EXPECT_EQ(first(hex("0209008000000000000000"))->as_int64().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("0209ff7fffffffffffffff"))->as_int64().code(), Errc::asn1_bad_value);

    // Integer is a view: keep the bytes alive.
    Bytes u_bytes = hex("0209008000000000000000");
    auto u = first(u_bytes)->as_integer().value();
    EXPECT_FALSE(u.is_negative());
    EXPECT_EQ(u.to_uint64().value(), 0x8000000000000000ull);
    EXPECT_EQ(u.magnitude().value().size(), 8u);
    EXPECT_EQ(u.bytes().size(), 9u);
    Bytes neg_bytes = hex("0201ff");
    auto neg = first(neg_bytes)->as_integer().value();
    EXPECT_TRUE(neg.is_negative());
    EXPECT_EQ(neg.magnitude().code(), Errc::asn1_bad_value);
    EXPECT_EQ(neg.to_uint64().code(), Errc::asn1_bad_value);
    EXPECT_TRUE(first(hex("020100"))->as_integer()->is_zero());
    EXPECT_TRUE(first(hex("020100"))->as_integer()->magnitude()->empty());

    // X.690 8.3.2: redundant leading octets are not DER; BER keeps them (real SM2 signatures).
    EXPECT_EQ(first(hex("02020005"))->as_integer().code(), Errc::asn1_not_der);
    EXPECT_EQ(first(hex("0202ff80"))->as_integer().code(), Errc::asn1_not_der);
    EXPECT_EQ(first(hex("02020005"), ber)->as_int64().value(), 5);
    EXPECT_EQ(first(hex("0203ffff80"), ber)->as_int64().value(), -128);
    EXPECT_EQ(first(hex("020a00000000000000000005"), ber)->as_int64().value(), 5);
    EXPECT_EQ(first(hex("0200"))->as_integer().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("0200"), ber)->as_integer().code(), Errc::asn1_bad_value);
    EXPECT_EQ(Integer().to_int64().code(), Errc::asn1_bad_value);

    Bytes en = hex("0a0103");
    Reader r(en);
    EXPECT_EQ(r.read_enumerated().value(), 3);
}

TEST(Reader, BitString) {
    Bytes bs_bytes = hex("0303060440");
    auto bs = first(bs_bytes)->as_bit_string().value();  // 10 bits: 0000 0100 01
    EXPECT_EQ(bs.unused_bits, 6);
    EXPECT_EQ(bs.bit_length(), 10u);
    EXPECT_TRUE(bs.bit(5));
    EXPECT_TRUE(bs.bit(9));
    EXPECT_FALSE(bs.bit(10));
    EXPECT_FALSE(bs.octet_aligned());
    Bytes empty_bytes = hex("030100");
    auto empty = first(empty_bytes)->as_bit_string().value();
    EXPECT_EQ(empty.bit_length(), 0u);
    EXPECT_EQ(first(hex("0300"))->as_bit_string().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("030108"))->as_bit_string().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("030101"))->as_bit_string().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("03020880"))->as_bit_string().code(), Errc::asn1_bad_value);
    // X.690 11.2.1: DER unused bits are zero.
    EXPECT_EQ(first(hex("030201ff"))->as_bit_string().code(), Errc::asn1_not_der);
    EXPECT_EQ(first(hex("030201ff"), ber)->as_bit_string()->unused_bits, 1);
    EXPECT_EQ(first(hex("2304030200ff"), ber)->as_bit_string().code(), Errc::unsupported);
    EXPECT_EQ(first(hex("2304030200ff"), der)->as_bit_string().code(), Errc::asn1_not_der);
}

TEST(Reader, OctetStringAndNull) {
    EXPECT_EQ(first(hex("0400"))->as_octet_string()->size(), 0u);
    EXPECT_TRUE(first(hex("0500"))->as_null().ok());
    EXPECT_EQ(first(hex("050100"))->as_null().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("2500"), ber)->as_null().code(), Errc::asn1_bad_tag);

    // BER constructed OCTET STRING (X.690 8.7.3), nested segments and indefinite length.
    Bytes cons =
        hex("2480"
            "04026162"
            "2404"
            "04026364"
            "0000");
    EXPECT_EQ(first(cons, der).code(), Errc::asn1_not_der);
    auto e = first(cons, ber).value();
    EXPECT_EQ(e.as_octet_string().code(), Errc::unsupported);
    EXPECT_EQ(to_string(e.octet_string_bytes().value()), "abcd");
    Reader r(cons, ber);
    EXPECT_EQ(r.read_octet_string().code(), Errc::unsupported);
    EXPECT_EQ(to_string(first(hex("04026162"))->octet_string_bytes().value()), "ab");
    // A segment that is not an OCTET STRING.
    EXPECT_EQ(first(hex("2403020101"), ber)->octet_string_bytes().code(), Errc::asn1_bad_tag);
    // DER mode refuses the constructed form even when read as bytes.
    Bytes definite = hex("240404026162");
    EXPECT_EQ(first(definite, der)->octet_string_bytes().code(), Errc::asn1_not_der);
}

TEST(Reader, Oid) {
    EXPECT_EQ(first(hex("06082a811ccf55018375"))->as_oid()->to_string(), "1.2.156.10197.1.501");
    EXPECT_EQ(first(hex("0600"))->as_oid().code(), Errc::asn1_bad_oid);
    EXPECT_EQ(first(hex("06028001"))->as_oid().code(), Errc::asn1_bad_oid);  // X.690 8.19.2
    EXPECT_EQ(first(hex("06028001"), ber)->as_oid().code(), Errc::asn1_bad_oid);
    EXPECT_EQ(first(hex("060181"))->as_oid().code(), Errc::asn1_bad_oid);
    EXPECT_EQ(first(hex("26020101"), ber)->as_oid().code(), Errc::asn1_bad_tag);
}

TEST(Reader, Strings) {
    EXPECT_EQ(first(hex("0c03e6b58b"))->as_utf8_string().value(), "\xe6\xb5\x8b");
    EXPECT_EQ(first(hex("0c02c0af"))->as_utf8_string().code(), Errc::asn1_bad_value);  // overlong
    EXPECT_EQ(first(hex("1302 4142"))->as_printable_string().value(), "AB");
    // '@' is not in the PrintableString set (X.680 41.4); lenient mode accepts it.
    EXPECT_EQ(first(hex("1303 614062"))->as_printable_string().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("1303 614062"), ber)->as_printable_string().value(), "a@b");
    EXPECT_EQ(first(hex("1301 0a"), ber)->as_printable_string().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("16024553"))->as_ia5_string().value(), "ES");
    EXPECT_EQ(first(hex("160180"))->as_ia5_string().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("1a0141"))->as_visible_string().value(), "A");
    EXPECT_EQ(first(hex("1a0109"))->as_visible_string().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("12023120"))->as_numeric_string().value(), "1 ");
    EXPECT_EQ(first(hex("12014a"))->as_numeric_string().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("1402e9 41"))->as_t61_string().value(),
              "\xc3\xa9"
              "A");
    // BMPString: U+6D4B, then a surrogate pair U+1F600; lone surrogate and odd length refused.
    EXPECT_EQ(first(hex("1e026d4b"))->as_bmp_string().value(), "\xe6\xb5\x8b");
    EXPECT_EQ(first(hex("1e04d83dde00"))->as_bmp_string().value(), "\xf0\x9f\x98\x80");
    EXPECT_EQ(first(hex("1e02d83d"))->as_bmp_string().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("1e03004100"))->as_bmp_string().code(), Errc::asn1_bad_value);
    EXPECT_EQ(first(hex("1c0400006d4b"))->as_universal_string().value(), "\xe6\xb5\x8b");
    EXPECT_EQ(first(hex("1c0400110000"))->as_universal_string().code(), Errc::asn1_bad_value);
    // as_string dispatches on the tag.
    EXPECT_EQ(first(hex("1e026d4b"))->as_string().value(), "\xe6\xb5\x8b");
    EXPECT_EQ(first(hex("0c0141"))->as_string().value(), "A");
    EXPECT_EQ(first(hex("020101"))->as_string().code(), Errc::asn1_unexpected_tag);
    Bytes two =
        hex("020101"
            "130141");
    Reader r(two);
    EXPECT_EQ(r.read_string().code(), Errc::asn1_unexpected_tag);
    ASSERT_TRUE(r.skip().ok());
    EXPECT_EQ(r.read_string().value(), "A");
    // BER constructed strings are concatenated; DER refuses them.
    Bytes cons =
        hex("2c80"
            "0401e6"
            "0402b58b"
            "0000");
    EXPECT_EQ(first(cons, ber)->as_utf8_string().value(), "\xe6\xb5\x8b");
    EXPECT_EQ(first(cons, der).code(), Errc::asn1_not_der);
    EXPECT_EQ(first(hex("2c03040141"), der)->as_utf8_string().code(), Errc::asn1_not_der);
    Reader rc(cons, ber);
    EXPECT_EQ(rc.read_utf8_string().value(), "\xe6\xb5\x8b");
}

TEST(Reader, Times) {
    auto utc = first(hex("170d3439313233313233353935395a"))->as_time().value();  // 491231235959Z
    EXPECT_EQ(to_unix(utc), 2524607999);
    EXPECT_EQ(first(hex("170b3439313233313233353935"))->as_utc_time().code(), Errc::asn1_bad_time);
    auto gen = first(hex("180f32303530303130313030303030305a"))->as_unix_time().value();
    EXPECT_EQ(gen.seconds, 2524608000);
    EXPECT_EQ(first(hex("020100"))->as_unix_time().code(), Errc::asn1_unexpected_tag);
    // BER form in strict mode is not DER: UTCTime without seconds.
    Bytes no_secs = hex("170b 343931323331323335395a");
    EXPECT_EQ(first(no_secs, der)->as_utc_time().code(), Errc::asn1_not_der);
    EXPECT_EQ(first(no_secs, ber)->as_utc_time()->seconds, 2524607940);
    Bytes two =
        hex("170d3439313233313233353935395a"
            "180f32303530303130313030303030305a");
    Reader r(two);
    EXPECT_EQ(to_unix(r.read_time().value()), 2524607999);
    EXPECT_EQ(r.read_utc_time().code(), Errc::asn1_unexpected_tag);
    EXPECT_EQ(r.read_generalized_time()->seconds, 2524608000);
}

TEST(Reader, ContextTags) {
    // [0] EXPLICIT INTEGER 2, [1] IMPLICIT OCTET STRING, [2] IMPLICIT SEQUENCE { NULL }
    Bytes in =
        hex("a003020102"
            "81026869"
            "a2020500");
    Reader r(in);
    EXPECT_EQ(r.read_context_implicit(0).value().tag(), Tag::context(0, true));
    r = Reader(in);
    EXPECT_EQ(r.read_optional_context_explicit(1)->has_value(), false);
    auto v = r.read_context_explicit(0);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->as_int64().value(), 2);
    EXPECT_EQ(r.read_context_explicit(1).code(), Errc::asn1_unexpected_tag);  // primitive [1]
    auto os = r.read_optional_context_implicit(1);
    ASSERT_TRUE(os.ok() && os->has_value());
    EXPECT_EQ(to_string((*os)->as_octet_string().value()), "hi");
    EXPECT_EQ(r.read_optional_context_implicit(3)->has_value(), false);
    auto seq = r.read_context_implicit(2);
    ASSERT_TRUE(seq.ok());
    EXPECT_TRUE(seq->children().read_null().ok());
    EXPECT_TRUE(r.expect_end().ok());
    EXPECT_FALSE(r.read_optional_context_explicit(0)->has_value());
    EXPECT_FALSE(r.read_optional_context_implicit(0)->has_value());

    // Two elements inside an EXPLICIT tag, and an empty one.
    Bytes two = hex("a0060201020201 03");
    Reader r2(two);
    EXPECT_EQ(r2.read_context_explicit(0).code(), Errc::asn1_trailing_data);
    Bytes empty = hex("a000");
    Reader r3(empty);
    EXPECT_EQ(r3.read_context_explicit(0).code(), Errc::asn1_truncated);
    auto opt = Reader(empty).read_optional_context_explicit(0);
    EXPECT_EQ(opt.code(), Errc::asn1_truncated);
}

TEST(Reader, ReadOptionalPropagatesMalformedNext) {
    Bytes in = hex("02ff");
    Reader r(in);
    EXPECT_EQ(r.read_optional(tags::integer).code(), Errc::asn1_bad_length);
    EXPECT_FALSE(r.next_is(tags::integer));
}

TEST(Reader, SortedSetOf) {
    EXPECT_TRUE(is_sorted_set_of(first(hex("3106020101020102")).value()).value());
    EXPECT_FALSE(is_sorted_set_of(first(hex("3106020102020101")).value()).value());
    EXPECT_TRUE(is_sorted_set_of(first(hex("3100")).value()).value());
}

TEST(Reader, TagToString) {
    EXPECT_EQ(tags::sequence.to_string(), "SEQUENCE");
    EXPECT_EQ(Tag::universal(16).to_string(), "SEQUENCE prim");
    EXPECT_EQ(Tag::universal(4, true).to_string(), "OCTET STRING cons");
    EXPECT_EQ(Tag::context(0, true).to_string(), "[0] cons");
    EXPECT_EQ(Tag::application(3).to_string(), "[APPLICATION 3] prim");
    EXPECT_EQ(Tag::private_use(7).to_string(), "[PRIVATE 7] prim");
    EXPECT_EQ(Tag::universal(99).to_string(), "[UNIVERSAL 99]");
}

}  // namespace
}  // namespace yinxin::asn1
