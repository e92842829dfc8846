// RFC 5280 6.1.3 (a)(2): every certificate of a path must be valid at the time of use, so a
// certificate that outlives its issuer is unusable at its end; GM/T 0015 and the CPSs (sheca 6.3)
// require the subject validity to lie inside the issuer's. The period must also not exceed the
// profile's (LD/T 03 defaults). build_tbs does not clamp: this lint is where it is refused.
#include <chrono>

#include "lints.h"

namespace yinxin::profile::lints {
namespace {

class ValidityWithinIssuer final : public Lint {
public:
    std::string_view name() const override { return "validity_within_issuer"; }
    std::string_view citation() const override { return "RFC 5280 4.1.2.5, 6.1.3; LD/T 03 validity"; }

    std::optional<std::string> check(const LintContext& ctx) const override {
        const TimePoint nb = ctx.cert.not_before();
        const TimePoint na = ctx.cert.not_after();
        if (na < nb) return "notAfter is before notBefore";
        // notAfter is inclusive (RFC 5280 4.1.2.5): a period of N days ends one second before day N.
        const auto max = std::chrono::days(ctx.profile.validity_days());
        if (na - nb >= max)
            return "validity exceeds the profile's " + std::to_string(ctx.profile.validity_days()) + " days";
        if (ctx.profile.kind() == ProfileKind::root_ca) return std::nullopt;
        if (nb < ctx.issuer.not_before) return "notBefore is before the issuer's notBefore";
        if (na > ctx.issuer.not_after) return "notAfter is after the issuer's notAfter";
        return std::nullopt;
    }
};

}  // namespace

const Lint& validity_within_issuer() {
    static const ValidityWithinIssuer lint;
    return lint;
}

}  // namespace yinxin::profile::lints
