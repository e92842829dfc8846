// RFC 5280 4.1.2.2: the serial is a positive INTEGER of at most 20 octets. CA/B BR 7.1 (the
// practice Yinxin follows, ARCHITECTURE.md): at least 64 bits from a CSPRNG. A DER INTEGER cannot
// prove its entropy, so this lint checks what it can: at least 8 octets of magnitude and no
// low-entropy pattern (all octets equal, a counter-like run, mostly zero octets, few distinct
// octets) that a broken or non-random generator would produce.
#include <algorithm>
#include <set>

#include "lints.h"

namespace yinxin::profile::lints {
namespace {

class SerialNumber final : public Lint {
public:
    std::string_view name() const override { return "serial_number"; }
    std::string_view citation() const override { return "RFC 5280 4.1.2.2; CA/B BR 7.1 (64 random bits)"; }

    std::optional<std::string> check(const LintContext& ctx) const override {
        BytesView content = ctx.cert.serial();
        if (content.empty()) return "serial is empty";
        if ((content[0] & 0x80) != 0) return "serial is negative";
        std::size_t start = 0;
        while (start < content.size() && content[start] == 0) ++start;
        if (start == content.size()) return "serial is zero";
        BytesView mag = content.subspan(start);
        if (content.size() > 20) return "serial is " + std::to_string(content.size()) + " octets (at most 20)";
        if (mag.size() < 8)
            return "serial has " + std::to_string(mag.size()) + " octets (at least 8 for 64 random bits)";
        std::set<std::uint8_t> distinct(mag.begin(), mag.end());
        if (distinct.size() == 1) return "serial repeats one octet";
        const auto zeros = static_cast<std::size_t>(std::count(mag.begin(), mag.end(), std::uint8_t{0}));
        if (zeros * 2 > mag.size()) return "serial is mostly zero octets";
        // 16 random octets have ~15.5 distinct values on average; fewer than half is a pattern.
        if (distinct.size() * 2 < mag.size()) return "serial has too few distinct octets";
        bool counter = true;
        for (std::size_t i = 1; i < mag.size() && counter; ++i)
            counter = static_cast<std::uint8_t>(mag[i] - mag[i - 1]) == static_cast<std::uint8_t>(mag[1] - mag[0]);
        if (counter) return "serial octets form an arithmetic sequence";
        return std::nullopt;
    }
};

}  // namespace

const Lint& serial_number() {
    static const SerialNumber lint;
    return lint;
}

}  // namespace yinxin::profile::lints
