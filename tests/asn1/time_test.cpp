#include "yinxin/asn1/time.h"

#include <gtest/gtest.h>

namespace yinxin::asn1 {
namespace {

std::int64_t utc(std::string_view s, Mode m = Mode::der) {
    auto r = parse_utc_time(s, m);
    return r.ok() ? r->seconds : -1;
}
Errc utc_err(std::string_view s, Mode m = Mode::der) { return parse_utc_time(s, m).code(); }
UnixTime gen(std::string_view s, Mode m = Mode::der) {
    auto r = parse_generalized_time(s, m);
    return r.ok() ? *r : UnixTime{-1, 0};
}
Errc gen_err(std::string_view s, Mode m = Mode::der) { return parse_generalized_time(s, m).code(); }

TEST(Time, UtcTimePivot) {
    // RFC 5280 4.1.2.5.1: YY >= 50 → 19YY, YY < 50 → 20YY.
    EXPECT_EQ(utc("500101000000Z"), -631152000);  // 1950-01-01
    EXPECT_EQ(utc("491231235959Z"), 2524607999);  // 2049-12-31T23:59:59
    EXPECT_EQ(utc("700101000000Z"), 0);
    EXPECT_EQ(utc("991231235959Z"), 946684799);
    EXPECT_EQ(utc("000101000000Z"), 946684800);
    EXPECT_EQ(utc("200422020900Z"), 1587521340);
}

TEST(Time, UtcTimeCalendar) {
    EXPECT_EQ(utc("000229000000Z"), 951782400);  // 2000 is a leap year
    EXPECT_EQ(utc_err("010229000000Z"), Errc::asn1_bad_time);
    EXPECT_EQ(utc_err("991301000000Z"), Errc::asn1_bad_time);
    EXPECT_EQ(utc_err("990001000000Z"), Errc::asn1_bad_time);
    EXPECT_EQ(utc_err("990100000000Z"), Errc::asn1_bad_time);
    EXPECT_EQ(utc_err("990431000000Z"), Errc::asn1_bad_time);
    EXPECT_EQ(utc_err("990101240000Z"), Errc::asn1_bad_time);
    EXPECT_EQ(utc_err("990101006000Z"), Errc::asn1_bad_time);
    EXPECT_EQ(utc_err("990101000060Z"), Errc::asn1_bad_time);  // no leap seconds
}

TEST(Time, UtcTimeForms) {
    // Strict: exactly YYMMDDHHMMSSZ (X.690 11.8). Lenient: X.680 47.3 forms.
    EXPECT_EQ(utc_err("9901010000Z"), Errc::asn1_not_der);
    EXPECT_EQ(utc("9901010000Z", Mode::ber), 915148800);
    EXPECT_EQ(utc_err("990101000000+0800"), Errc::asn1_not_der);
    EXPECT_EQ(utc("990101080000+0800", Mode::ber), 915148800);
    EXPECT_EQ(utc("981231160000-0800", Mode::ber), 915148800);
    EXPECT_EQ(utc("9901010800+0800", Mode::ber), 915148800);
    for (Mode m : {Mode::der, Mode::ber}) {
        EXPECT_EQ(utc_err("990101000000", m), Errc::asn1_bad_time);  // no zone
        EXPECT_EQ(utc_err("990101000000z", m), Errc::asn1_bad_time);
        EXPECT_EQ(utc_err("990101000000Z ", m), Errc::asn1_bad_time);
        EXPECT_EQ(utc_err("990101000000.5Z", m), Errc::asn1_bad_time);  // no fractions in UTCTime
        EXPECT_EQ(utc_err("990101000000+08", m), Errc::asn1_bad_time);
        EXPECT_EQ(utc_err("990101000000+2400", m), Errc::asn1_bad_time);
        EXPECT_EQ(utc_err("99010100000Z", m), Errc::asn1_bad_time);
        EXPECT_EQ(utc_err("", m), Errc::asn1_bad_time);
        EXPECT_EQ(utc_err("9x0101000000Z", m), Errc::asn1_bad_time);
        EXPECT_EQ(utc_err("19990101000000Z", m), Errc::asn1_bad_time);
    }
}

TEST(Time, GeneralizedTimeForms) {
    EXPECT_EQ(gen("20500101000000Z").seconds, 2524608000);
    EXPECT_EQ(gen("99991231235959Z").seconds, 253402300799);  // RFC 5280 4.1.2.5 "no expiry"
    EXPECT_EQ(gen("00000101000000Z").seconds, -62167219200);  // year 0 (proleptic Gregorian)
    EXPECT_EQ(gen("19691231235959Z").seconds, -1);
    // Fractions: DER allows them without trailing zeros and with '.' (X.690 11.7).
    UnixTime f = gen("20200723130907.763Z");
    EXPECT_EQ(f.seconds, 1595509747);
    EXPECT_EQ(f.nanoseconds, 763000000u);
    EXPECT_EQ(gen("20200723130907.123456789123Z").nanoseconds, 123456789u);
    EXPECT_EQ(gen_err("20200723130907.760Z"), Errc::asn1_not_der);
    EXPECT_EQ(gen("20200723130907.760Z", Mode::ber).nanoseconds, 760000000u);
    EXPECT_EQ(gen_err("20200723130907,7Z"), Errc::asn1_not_der);
    EXPECT_EQ(gen("20200723130907,7Z", Mode::ber).nanoseconds, 700000000u);
    EXPECT_EQ(gen_err("20200723130907.Z"), Errc::asn1_bad_time);
    EXPECT_EQ(gen_err("20200723130907.Z", Mode::ber), Errc::asn1_bad_time);
    // Lenient: no seconds, no minutes, offsets, no zone (taken as UTC).
    EXPECT_EQ(gen_err("202007231309Z"), Errc::asn1_not_der);
    EXPECT_EQ(gen("202007231309Z", Mode::ber).seconds, 1595509740);
    EXPECT_EQ(gen("2020072313Z", Mode::ber).seconds, 1595509200);
    EXPECT_EQ(gen("20200723210907+0800", Mode::ber).seconds, 1595509747);
    EXPECT_EQ(gen("20200723210907+08", Mode::ber).seconds, 1595509747);
    EXPECT_EQ(gen("20200723130907", Mode::ber).seconds, 1595509747);
    EXPECT_EQ(gen_err("20200723130907"), Errc::asn1_not_der);
    EXPECT_EQ(gen_err("20200723130907+0800"), Errc::asn1_not_der);
    // Fractions of minutes/hours are not supported; junk is refused.
    EXPECT_EQ(gen_err("2020072313.5Z", Mode::ber), Errc::asn1_bad_time);
    EXPECT_EQ(gen_err("20200723130907Zx", Mode::ber), Errc::asn1_bad_time);
    EXPECT_EQ(gen_err("20200723130907+08:00", Mode::ber), Errc::asn1_bad_time);
    EXPECT_EQ(gen_err("20200723130907+0860", Mode::ber), Errc::asn1_bad_time);
    EXPECT_EQ(gen_err("2020-07-23T13:09:07Z", Mode::ber), Errc::asn1_bad_time);
    EXPECT_EQ(gen_err("200723130907Z", Mode::ber), Errc::asn1_bad_time);
    EXPECT_EQ(gen_err("20200230000000Z"), Errc::asn1_bad_time);
    EXPECT_EQ(gen_err("21000229000000Z"), Errc::asn1_bad_time);  // 2100 is not a leap year
    EXPECT_EQ(gen("24000229000000Z").seconds, 13574563200);      // 2400 is
}

TEST(Time, TimePointConversionSaturates) {
    EXPECT_EQ(to_time_point(UnixTime{253402300799, 0}), TimePoint::max());
    EXPECT_EQ(to_time_point(UnixTime{-62167219200, 0}), TimePoint::min());
    TimePoint t = to_time_point(UnixTime{1595509747, 763000000});
    EXPECT_EQ(to_unix(t), 1595509747);
    UnixTime back = to_unix_time(t);
    EXPECT_EQ(back.seconds, 1595509747);
    EXPECT_EQ(back.nanoseconds, 763000000u);
    // Negative times floor to the previous second.
    UnixTime neg = to_unix_time(from_unix(-1) + std::chrono::milliseconds(250));
    EXPECT_EQ(neg.seconds, -1);
    EXPECT_EQ(neg.nanoseconds, 250000000u);
    UnixTime mn = to_unix_time(TimePoint::min());
    UnixTime mx = to_unix_time(TimePoint::max());
    EXPECT_LT(mn.seconds, 0);
    EXPECT_GT(mx.seconds, 0);
    EXPECT_LT(mn.nanoseconds, 1000000000u);
}

TEST(Time, Format) {
    EXPECT_EQ(format_utc_time({0, 0}).value(), "700101000000Z");
    EXPECT_EQ(format_utc_time({-631152000, 0}).value(), "500101000000Z");
    EXPECT_EQ(format_utc_time({-631152001, 0}).code(), Errc::asn1_bad_time);
    EXPECT_EQ(format_utc_time({2524608000, 0}).code(), Errc::asn1_bad_time);
    EXPECT_EQ(format_generalized_time({1595509747, 763000000}).value(), "20200723130907Z");
    EXPECT_EQ(format_generalized_time({1595509747, 763000000}, true).value(), "20200723130907.763Z");
    EXPECT_EQ(format_generalized_time({1595509747, 1}, true).value(), "20200723130907.000000001Z");
    EXPECT_EQ(format_generalized_time({-62167219200, 0}).value(), "00000101000000Z");
    EXPECT_EQ(format_generalized_time({-62167219201, 0}).code(), Errc::asn1_bad_time);
    EXPECT_EQ(format_generalized_time({253402300800, 0}).code(), Errc::asn1_bad_time);
    // Round trips across the whole range, including a leap day and both pivots.
    for (std::int64_t s : {std::int64_t{-62167219200}, std::int64_t{-631152001}, std::int64_t{951782400},
                           std::int64_t{2524607999}, std::int64_t{2524608000}, std::int64_t{253402300799}}) {
        auto text = format_generalized_time({s, 0});
        ASSERT_TRUE(text.ok());
        EXPECT_EQ(gen(*text).seconds, s) << *text;
    }
}

}  // namespace
}  // namespace yinxin::asn1
