// RFC 5280 4.2.1.9: basicConstraints cA is TRUE exactly in CA certificates (which must also assert
// keyCertSign, 4.2.1.3), pathLenConstraint only there. GM/T 0015-2012 5.3 lists basicConstraints
// for every certificate, so end entities carry cA FALSE explicitly.
#include "lints.h"

namespace yinxin::profile::lints {
namespace {

class BasicConstraintsMatchesProfile final : public Lint {
public:
    std::string_view name() const override { return "basic_constraints_matches_profile"; }
    std::string_view citation() const override { return "RFC 5280 4.2.1.9; GM/T 0015-2012 5.3"; }

    std::optional<std::string> check(const LintContext& ctx) const override {
        const auto& bc = ctx.cert.extensions().basic_constraints();
        if (!bc) return "basicConstraints is missing";
        if (bc->ca != ctx.profile.is_ca())
            return std::string("basicConstraints cA is ") + (bc->ca ? "TRUE" : "FALSE") + " for a " +
                   (ctx.profile.is_ca() ? "CA" : "end-entity") + " profile";
        if (bc->path_len != ctx.profile.path_len()) return "pathLenConstraint differs from the profile";
        return std::nullopt;
    }
};

}  // namespace

const Lint& basic_constraints_matches_profile() {
    static const BasicConstraintsMatchesProfile lint;
    return lint;
}

}  // namespace yinxin::profile::lints
