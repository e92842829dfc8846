// UTCTime and GeneralizedTime text forms (X.680 46-47, X.690 11.7-11.8, RFC 5280 4.1.2.5).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "yinxin/asn1/tag.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"

namespace yinxin::asn1 {

// Exact instant as encoded: seconds since 1970-01-01T00:00:00Z and a sub-second part. Unlike
// TimePoint (nanosecond system_clock, years 1677-2262 with libstdc++), it holds any year 0000-9999,
// e.g. RFC 5280 4.1.2.5's "no well-defined expiration" 99991231235959Z.
struct UnixTime {
    std::int64_t seconds = 0;
    std::uint32_t nanoseconds = 0;  // < 1e9
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 false positive on a defaulted <=>
    friend auto operator<=>(const UnixTime&, const UnixTime&) = default;
};

// Saturates outside TimePoint's range (to TimePoint::min()/max()), which keeps comparisons
// (validity periods) right; the exact value stays available as UnixTime.
TimePoint to_time_point(UnixTime t) noexcept;
UnixTime to_unix_time(TimePoint t) noexcept;

// Strict (Mode::der): exactly YYMMDDHHMMSSZ (X.690 11.8; RFC 5280 4.1.2.5.1). Lenient (Mode::ber,
// X.680 47.3): seconds optional, Z or a +hhmm/-hhmm offset. Years: RFC 5280 pivot, YY >= 50 is 19YY,
// else 20YY. Calendar errors (month 13, 30 Feb, hour 24, second 60) are asn1.bad_time in both modes;
// well-formed BER that is not DER is asn1.not_der in strict mode.
Result<UnixTime> parse_utc_time(std::string_view text, Mode mode);

// Strict: YYYYMMDDHHMMSS[.f+]Z with no trailing zero in the fraction and '.' as separator (X.690
// 11.7). Lenient (X.680 46.2): minutes and seconds optional, ',' separator, trailing zeros, Z,
// +hh[mm]/-hh[mm] offsets, and no zone at all (local time, taken as UTC: the only reading that
// does not depend on the host). A fraction is only accepted after the seconds. Fraction digits
// past nanoseconds are truncated.
Result<UnixTime> parse_generalized_time(std::string_view text, Mode mode);

// DER text for the writer. UTCTime only for 1950-2049 (asn1.bad_time otherwise). GeneralizedTime
// without fraction truncates to the second (RFC 5280 4.1.2.5.2); with fraction it writes the
// nanoseconds without trailing zeros and no fraction at all when they are zero (X.690 11.7).
Result<std::string> format_utc_time(UnixTime t);
Result<std::string> format_generalized_time(UnixTime t, bool with_fraction = false);

}  // namespace yinxin::asn1
