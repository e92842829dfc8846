#include "yinxin/asn1/time.h"

#include <cstdio>

namespace yinxin::asn1 {

namespace {

using Dur = TimePoint::duration;
static_assert(Dur::period::num == 1 && 1'000'000'000 % Dur::period::den == 0,
              "system_clock ticks must divide a second into a divisor of 1e9");
constexpr std::int64_t ticks_per_second = Dur::period::den;
constexpr std::int64_t ns_per_tick = 1'000'000'000 / ticks_per_second;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level
// Date Algorithms", days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month, day, hour, minute, second;
};

Civil civil_from_seconds(std::int64_t secs) {
    std::int64_t days = secs / 86400;
    std::int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    // civil_from_days (same source as above).
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2),
            m,
            d,
            static_cast<unsigned>(rem / 3600),
            static_cast<unsigned>(rem % 3600 / 60),
            static_cast<unsigned>(rem % 60)};
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr unsigned table[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : table[m - 1];
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// n decimal digits at text[pos], or -1.
int digits(std::string_view text, std::size_t pos, std::size_t n) {
    if (pos + n > text.size()) return -1;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!is_digit(text[pos + i])) return -1;
        v = v * 10 + (text[pos + i] - '0');
    }
    return v;
}

Error bad_time(std::string_view kind, std::string_view text, const char* why) {
    std::string t(text.substr(0, 40));
    for (char& c : t)
        if (c < 0x20 || c > 0x7e) c = '?';
    return make_error(Errc::asn1_bad_time, std::string(kind) + " \"" + t + "\": " + why);
}

// Parses an optional zone designator at text[p]: Z, +hh[mm] / -hh[mm] (4 digits only when
// `four_digits`), or nothing. Sets offset_minutes; returns false if malformed.
enum class Zone { none, z, offset };
bool parse_zone(std::string_view text, std::size_t& p, bool four_digits, Zone& zone, int& offset_minutes) {
    offset_minutes = 0;
    if (p == text.size()) {
        zone = Zone::none;
        return true;
    }
    if (text[p] == 'Z') {
        zone = Zone::z;
        ++p;
        return true;
    }
    if (text[p] != '+' && text[p] != '-') return false;
    int sign = text[p] == '+' ? 1 : -1;
    int hh = digits(text, p + 1, 2);
    if (hh < 0 || hh > 23) return false;
    int mm = 0;
    std::size_t len = 3;
    if (four_digits || p + 3 < text.size()) {
        mm = digits(text, p + 3, 2);
        if (mm < 0 || mm > 59) return false;
        len = 5;
    }
    p += len;
    zone = Zone::offset;
    offset_minutes = sign * (hh * 60 + mm);
    return true;
}

Result<UnixTime> assemble(std::string_view kind, std::string_view text, std::int64_t year, int month, int day, int hour,
                          int minute, int second, std::uint32_t ns, int offset_minutes) {
    if (month < 1 || month > 12) return bad_time(kind, text, "month out of range");
    if (day < 1 || static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)))
        return bad_time(kind, text, "day out of range");
    if (hour > 23) return bad_time(kind, text, "hour out of range");
    if (minute > 59) return bad_time(kind, text, "minute out of range");
    if (second > 59) return bad_time(kind, text, "second out of range");
    std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    std::int64_t secs = days * 86400 + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second -
                        std::int64_t{offset_minutes} * 60;
    return UnixTime{secs, ns};
}

}  // namespace

TimePoint to_time_point(UnixTime t) noexcept {
    constexpr std::int64_t max_s = Dur::max().count() / ticks_per_second - 1;
    constexpr std::int64_t min_s = Dur::min().count() / ticks_per_second + 1;
    if (t.seconds > max_s) return TimePoint::max();
    if (t.seconds < min_s) return TimePoint::min();
    return TimePoint(
        Dur(t.seconds * ticks_per_second + static_cast<std::int64_t>(t.nanoseconds % 1'000'000'000) / ns_per_tick));
}

UnixTime to_unix_time(TimePoint t) noexcept {
    std::int64_t c = t.time_since_epoch().count();
    std::int64_t s = c / ticks_per_second;
    std::int64_t r = c % ticks_per_second;
    if (r < 0) {
        r += ticks_per_second;
        --s;
    }
    return {s, static_cast<std::uint32_t>(r * ns_per_tick)};
}

Result<UnixTime> parse_utc_time(std::string_view text, Mode mode) {
    constexpr std::string_view kind = "UTCTime";
    // X.680 47.3: YYMMDDhhmm[ss](Z|+hhmm|-hhmm).
    int yy = digits(text, 0, 2), mo = digits(text, 2, 2), dd = digits(text, 4, 2), hh = digits(text, 6, 2),
        mi = digits(text, 8, 2);
    if (yy < 0 || mo < 0 || dd < 0 || hh < 0 || mi < 0) return bad_time(kind, text, "expected YYMMDDHHMM");
    std::size_t p = 10;
    int ss = 0;
    bool has_seconds = false;
    if (p + 2 <= text.size() && is_digit(text[p])) {
        ss = digits(text, p, 2);
        if (ss < 0) return bad_time(kind, text, "bad seconds");
        has_seconds = true;
        p += 2;
    }
    Zone zone = Zone::none;
    int offset = 0;
    if (!parse_zone(text, p, true, zone, offset) || zone == Zone::none || p != text.size())
        return bad_time(kind, text, "expected Z or a +hhmm/-hhmm offset at the end");
    // RFC 5280 4.1.2.5.1: YY >= 50 is 19YY, else 20YY.
    std::int64_t year = yy >= 50 ? 1900 + yy : 2000 + yy;
    YX_ASSIGN_OR_RETURN(UnixTime t, assemble(kind, text, year, mo, dd, hh, mi, ss, 0, offset));
    // X.690 11.8: DER is YYMMDDHHMMSSZ.
    if (mode == Mode::der && (!has_seconds || zone != Zone::z))
        return make_error(Errc::asn1_not_der, "UTCTime not in DER form YYMMDDHHMMSSZ");
    return t;
}

Result<UnixTime> parse_generalized_time(std::string_view text, Mode mode) {
    constexpr std::string_view kind = "GeneralizedTime";
    // X.680 46.2: YYYYMMDDHH[MM[SS[(.|,)f+]]][Z|+hh[mm]|-hh[mm]].
    int yyyy = digits(text, 0, 4), mo = digits(text, 4, 2), dd = digits(text, 6, 2), hh = digits(text, 8, 2);
    if (yyyy < 0 || mo < 0 || dd < 0 || hh < 0) return bad_time(kind, text, "expected YYYYMMDDHH");
    std::size_t p = 10;
    int mi = 0, ss = 0;
    bool has_minutes = false, has_seconds = false;
    if (p < text.size() && is_digit(text[p])) {
        mi = digits(text, p, 2);
        if (mi < 0) return bad_time(kind, text, "bad minutes");
        has_minutes = true;
        p += 2;
        if (p < text.size() && is_digit(text[p])) {
            ss = digits(text, p, 2);
            if (ss < 0) return bad_time(kind, text, "bad seconds");
            has_seconds = true;
            p += 2;
        }
    }
    std::uint32_t ns = 0;
    bool has_fraction = false, comma = false, trailing_zero = false;
    if (p < text.size() && (text[p] == '.' || text[p] == ',')) {
        if (!has_seconds) return bad_time(kind, text, "fractions of hours or minutes are not supported");
        comma = text[p] == ',';
        ++p;
        std::size_t start = p;
        std::uint32_t scale = 100'000'000;
        while (p < text.size() && is_digit(text[p])) {
            ns += static_cast<std::uint32_t>(text[p] - '0') * scale;
            scale /= 10;
            ++p;
        }
        if (p == start) return bad_time(kind, text, "empty fraction");
        has_fraction = true;
        trailing_zero = text[p - 1] == '0';
    }
    Zone zone = Zone::none;
    int offset = 0;
    if (!parse_zone(text, p, false, zone, offset) || p != text.size())
        return bad_time(kind, text, "expected Z, an offset or nothing at the end");
    YX_ASSIGN_OR_RETURN(UnixTime t, assemble(kind, text, yyyy, mo, dd, hh, mi, ss, ns, offset));
    // X.690 11.7: seconds present, Z, '.' separator, no trailing zeros in the fraction.
    if (mode == Mode::der &&
        (!has_minutes || !has_seconds || zone != Zone::z || comma || (has_fraction && trailing_zero)))
        return make_error(Errc::asn1_not_der, "GeneralizedTime not in DER form YYYYMMDDHHMMSS[.f]Z");
    return t;
}

Result<std::string> format_utc_time(UnixTime t) {
    Civil c = civil_from_seconds(t.seconds);
    if (c.year < 1950 || c.year > 2049)
        return make_error(Errc::asn1_bad_time, "UTCTime covers 1950-2049 only, got year " + std::to_string(c.year));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02u%02u%02u%02u%02u%02uZ", static_cast<unsigned>(c.year % 100), c.month, c.day,
                  c.hour, c.minute, c.second);
    return std::string(buf);
}

Result<std::string> format_generalized_time(UnixTime t, bool with_fraction) {
    Civil c = civil_from_seconds(t.seconds);
    if (c.year < 0 || c.year > 9999)
        return make_error(Errc::asn1_bad_time, "GeneralizedTime covers years 0000-9999 only");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04u%02u%02u%02u%02u%02u", static_cast<unsigned>(c.year), c.month, c.day, c.hour,
                  c.minute, c.second);
    std::string out(buf);
    std::uint32_t ns = t.nanoseconds % 1'000'000'000;
    if (with_fraction && ns != 0) {
        std::snprintf(buf, sizeof buf, ".%09u", ns);
        std::string frac(buf);
        while (frac.back() == '0') frac.pop_back();
        out += frac;
    }
    out.push_back('Z');
    return out;
}

}  // namespace yinxin::asn1
