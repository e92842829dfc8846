#include "yinxin/asn1/writer.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "yinxin/asn1/oids.h"

namespace yinxin::asn1 {
namespace {

using testing::hex;

std::string hex_of(Writer& w) {
    auto r = w.finish();
    if (!r.ok()) return "error: " + r.error().to_string();
    return hex_encode(*r);
}

TEST(Writer, MatchesOpenSslGenconf) {
    // tests/data/asn1/openssl_genconf.der was made by `openssl asn1parse -genconf` from
    // openssl_genconf.cnf (PROVENANCE.md); the writer must produce the same octets.
    Bytes expected = testing::read_file(testing::data_path("openssl_genconf.der"));
    Writer w;
    w.sequence([&](Writer& s) {
        s.oid(Oid::from_string("2.999.3").value());
        s.oid(Oid::from_string("2.25.329800735698586629295641978511506172918").value());
        s.oid(oids::sm2_with_sm3);
        s.integer(-129);
        s.integer(128);
        s.integer(0);
        s.integer(-1);
        s.integer_unsigned(hex("0000ff0000000000000000"));
        s.boolean(true);
        s.null();
        s.utc_time(from_unix(2524607999));          // 2049-12-31T23:59:59Z
        s.generalized_time(from_unix(2524608000));  // 2050-01-01T00:00:00Z
        s.bmp_string("ABC");
        s.utf8_string("seal");
        s.printable_string("Yinxin CA");
        s.ia5_string("ES");
        s.enumerated(3);
        s.bit_string(hex("0ff0"));
        s.context_explicit(0, [](Writer& e) { e.integer(5); });
        s.context_implicit(1, [](Writer& e) { e.octet_string(as_bytes("hi")); });
        s.set_of([](Writer& set) {
            set.integer(300);
            set.integer(2);
            set.octet_string(as_bytes("a"));
        });
        s.context_implicit(31, [](Writer& e) { e.integer(7); });
    });
    auto out = w.finish();
    ASSERT_TRUE(out.ok()) << out.error().to_string();
    EXPECT_EQ(hex_encode(*out), hex_encode(expected));
}

TEST(Writer, Integers) {
    Writer w;
    w.integer(0).integer(127).integer(128).integer(-128).integer(-129).integer(INT64_MAX).integer(INT64_MIN);
    EXPECT_EQ(hex_of(w),
              "020100"
              "02017f"
              "02020080"
              "020180"
              "0202ff7f"
              "02087fffffffffffffff"
              "02088000000000000000");
    w.integer_unsigned({}).integer_unsigned(hex("80")).integer_unsigned(hex("000001"));
    EXPECT_EQ(hex_of(w),
              "020100"
              "02020080"
              "020101");
    // Re-emitting a BER integer drops the redundant octets.
    Bytes ber = hex("0000ff");
    w.integer(Integer(ber)).integer(Integer(hex("ffff80")));
    EXPECT_EQ(hex_of(w),
              "020200ff"
              "020180");
    w.integer(Integer());
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
}

TEST(Writer, BitStrings) {
    Writer w;
    w.bit_string(hex("ff"), 3).bit_string({});
    EXPECT_EQ(hex_of(w),
              "030203f8"
              "030100");
    // KeyUsage digitalSignature | keyEncipherment → 03 02 05 a0 (RFC 5280 4.2.1.3, X.690 11.2.2).
    w.named_bit_string((1u << 0) | (1u << 2)).named_bit_string(0).named_bit_string(1u << 8).named_bit_string(1u << 7);
    EXPECT_EQ(hex_of(w),
              "030205a0"
              "030100"
              "0303070080"
              "03020001");
    w.bit_string({}, 1);
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
    w.bit_string(hex("00"), 8);
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
    w.wrap_bit_string([](Writer& b) { b.null(); });
    EXPECT_EQ(hex_of(w), "0303000500");
}

TEST(Writer, Strings) {
    Writer w;
    w.printable_string("a@b");
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
    w.utf8_string("\xc0\xaf");
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
    w.ia5_string("\x80");
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
    w.bmp_string("\xf0\x9f\x98\x80");
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
    w.visible_string("x").numeric_string("12 3");
    EXPECT_EQ(hex_of(w),
              "1a0178"
              "120431322033");
    w.numeric_string("1a");
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
}

TEST(Writer, StickyErrorIgnoresLaterCalls) {
    Writer w;
    w.sequence([](Writer& s) {
        s.integer(1);
        s.printable_string("bad_underscore");
        s.integer(2);
    });
    EXPECT_FALSE(w.ok());
    EXPECT_EQ(w.status().code(), Errc::invalid_argument);
    auto r = w.finish();
    EXPECT_EQ(r.code(), Errc::invalid_argument);
    // finish() resets the writer.
    EXPECT_TRUE(w.ok());
    w.null();
    EXPECT_EQ(hex_of(w), "0500");
}

TEST(Writer, Times) {
    Writer w;
    // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 and before 1950.
    w.time_rfc5280(from_unix(2524607999));
    w.time_rfc5280(from_unix(2524608000));
    w.time_rfc5280(from_unix(-631152000));  // 1950-01-01
    w.time_rfc5280(from_unix(-631152001));  // 1949-12-31T23:59:59Z
    EXPECT_EQ(hex_of(w), hex_encode(hex("170d3439313233313233353935395a"
                                        "180f32303530303130313030303030305a"
                                        "170d3530303130313030303030305a"
                                        "180f31393439313233313233353935395a")));
    w.utc_time(from_unix(2524608000));
    EXPECT_EQ(w.finish().code(), Errc::asn1_bad_time);
    // Fractions: only on request, without trailing zeros; sub-seconds are truncated otherwise.
    TimePoint t = from_unix(1700000000) + std::chrono::milliseconds(120);
    w.generalized_time(t).generalized_time(t, true).generalized_time(from_unix(1700000000), true).utc_time(t);
    auto out = w.finish().value();
    Reader r(out);
    EXPECT_EQ(to_string(r.read().value().content()), "20231114221320Z");
    EXPECT_EQ(to_string(r.read().value().content()), "20231114221320.12Z");
    EXPECT_EQ(to_string(r.read().value().content()), "20231114221320Z");
    EXPECT_EQ(to_string(r.read().value().content()), "231114221320Z");
    // UnixTime beyond TimePoint's range: 9999-12-31T23:59:59Z (RFC 5280 4.1.2.5).
    w.time_rfc5280(UnixTime{253402300799, 0});
    EXPECT_EQ(hex_of(w), hex_encode(hex("180f39393939313233313233353935395a")));
    w.generalized_time(UnixTime{253402300800, 0});
    EXPECT_EQ(w.finish().code(), Errc::asn1_bad_time);
}

TEST(Writer, SetSortsByTagAndSetOfByEncoding) {
    Writer w;
    w.set([](Writer& s) {
        s.context_implicit(1, [](Writer& e) { e.integer(1); });
        s.context_explicit(0, [](Writer& e) { e.integer(1); });  // [0] cons sorts before [1] prim
        s.boolean(false);
    });
    EXPECT_EQ(hex_of(w),
              "310b"
              "010100"
              "a003020101"
              "810101");
    w.set_of([](Writer& s) {
        s.utf8_string("b");
        s.utf8_string("a");
        s.sequence([](Writer& q) { q.null(); });
    });
    EXPECT_EQ(hex_of(w),
              "310a"
              "0c0161"
              "0c0162"
              "30020500");
}

TEST(Writer, ImplicitTagsKeepTheForm) {
    Writer w;
    w.context_implicit(2, [](Writer& e) { e.sequence([](Writer& s) { s.null(); }); });
    w.context_implicit(40, [](Writer& e) { e.octet_string(as_bytes("x")); });
    w.constructed(Tag::application(1), [](Writer& e) { e.null(); });
    w.primitive(Tag::private_use(5), as_bytes("z"));
    EXPECT_EQ(hex_of(w),
              "a2020500"
              "9f280178"
              "61020500"
              "c5017a");
    w.context_implicit(0, [](Writer& e) {
        e.null();
        e.null();
    });
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
    w.context_implicit(0, [](Writer&) {});
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
}

TEST(Writer, RawSplicesVerbatim) {
    // A BER TLV (non-minimal length, explicit critical FALSE) goes in unchanged.
    Bytes received = hex("3081080603551d0f010100");
    Writer w;
    w.sequence([&](Writer& s) {
        s.raw(received);
        s.raw({});
    });
    auto out = w.finish().value();
    EXPECT_EQ(hex_encode(out), "300b" + hex_encode(received));
    Reader r(out, ReaderOptions::ber());
    auto inner = r.read_sequence().value().children().read().value();
    EXPECT_EQ(inner.raw().size(), received.size());
    EXPECT_TRUE(std::equal(received.begin(), received.end(), inner.raw().begin()));
    w.raw(hex("3005"));
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
    w.raw(hex("0500ff"));
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
    w.raw(hex("3080050000 00"));
    EXPECT_EQ(hex_of(w), "308005000000");
}

TEST(Writer, WrapOctetStringAndLongLengths) {
    Writer w;
    Bytes big(300, 0x61);
    w.wrap_octet_string([&](Writer& o) { o.octet_string(big); });
    auto out = w.finish().value();
    EXPECT_EQ(hex_encode(BytesView(out).first(8)), "048201300482012c");
    EXPECT_EQ(out.size(), 4 + 4 + 300u);
    w.oid(Oid());
    EXPECT_EQ(w.finish().code(), Errc::invalid_argument);
}

TEST(Writer, RoundTripThroughStrictReader) {
    Writer w;
    w.sequence([](Writer& s) {
        s.integer(-5);
        s.oid(oids::sm3);
        s.utf8_string("\xe5\x8d\xb0\xe4\xbf\xa1");  // 印信
        s.bmp_string("\xe5\x8d\xb0\xe4\xbf\xa1");
        s.generalized_time(from_unix(1600000000));
        s.named_bit_string(0x5);
        s.set_of([](Writer& set) {
            set.integer(3);
            set.integer(1);
        });
    });
    auto der = w.finish().value();
    auto seq = read_single(der);
    ASSERT_TRUE(seq.ok()) << seq.error().to_string();
    Reader c = seq->children();
    EXPECT_EQ(c.read_int64().value(), -5);
    EXPECT_EQ(c.read_oid().value(), oids::sm3);
    EXPECT_EQ(c.read_utf8_string().value(), "\xe5\x8d\xb0\xe4\xbf\xa1");
    EXPECT_EQ(c.read_string().value(), "\xe5\x8d\xb0\xe4\xbf\xa1");
    EXPECT_EQ(to_unix(c.read_time().value()), 1600000000);
    auto bits = c.read_bit_string().value();
    EXPECT_TRUE(bits.bit(0));
    EXPECT_TRUE(bits.bit(2));
    auto set = c.read_set().value();
    EXPECT_TRUE(is_sorted_set_of(set).value());
    EXPECT_TRUE(c.expect_end().ok());
}

}  // namespace
}  // namespace yinxin::asn1
