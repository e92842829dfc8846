#include "yinxin/base/clock.h"

#include <ctime>

namespace yinxin {

std::string format_rfc3339(TimePoint t) {
    const std::time_t secs = static_cast<std::time_t>(to_unix(t));
    std::tm tm{};
    if (::gmtime_r(&secs, &tm) == nullptr) return "invalid-time";
    char buf[32];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return n == 0 ? std::string("invalid-time") : std::string(buf, n);
}

}  // namespace yinxin
