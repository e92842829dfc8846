// RFC 5280 4.1.2.6: a CA's subject and (here) every subject is a non-empty DN; CPS 3.1 (sdca
// §7.1.9, itrus 3.1.3): no anonymous certificates, so the holder is named by CN, and every DN
// attribute the profile requires is present.
#include "lints.h"
#include "yinxin/x509/name.h"

namespace yinxin::profile::lints {
namespace {

class SubjectNotEmpty final : public Lint {
public:
    std::string_view name() const override { return "subject_not_empty"; }
    std::string_view citation() const override { return "RFC 5280 4.1.2.6; CPS 3.1 (no anonymity)"; }

    std::optional<std::string> check(const LintContext& ctx) const override {
        const x509::Name& subject = ctx.cert.subject();
        if (subject.empty()) return "subject is empty";
        for (const auto& label : ctx.profile.subject_required()) {
            auto oid = x509::name_attribute_from_label(label);
            if (!oid || !subject.get(*oid)) return "subject has no " + label;
        }
        for (const auto& rdn : subject.rdns())
            for (const auto& atv : rdn)
                if (atv.is_string && atv.value.empty()) return "subject has an empty attribute value";
        return std::nullopt;
    }
};

}  // namespace

const Lint& subject_not_empty() {
    static const SubjectNotEmpty lint;
    return lint;
}

}  // namespace yinxin::profile::lints
