// RFC 5280 4.2.1.1: authorityKeyIdentifier MUST be present in every certificate a conforming CA
// generates (self-signed ones may omit it; Yinxin always writes it), with keyIdentifier, which
// must name the issuer's key so path building finds it (GM/T 0015-2012 5.3.1 lists AKI too).
#include "lints.h"
#include "yinxin/base/bytes.h"
#include "yinxin/x509/extensions.h"

namespace yinxin::profile::lints {
namespace {

class AuthorityKeyIdentifier final : public Lint {
public:
    std::string_view name() const override { return "authority_key_identifier"; }
    std::string_view citation() const override { return "RFC 5280 4.2.1.1; GM/T 0015-2012 5.3"; }

    std::optional<std::string> check(const LintContext& ctx) const override {
        const auto& aki = ctx.cert.extensions().authority_key_identifier();
        if (!aki) return "authorityKeyIdentifier is missing";
        if (!aki->key_id || aki->key_id->empty()) return "authorityKeyIdentifier has no keyIdentifier";
        if (ctx.profile.kind() == ProfileKind::root_ca) {
            const auto& ski = ctx.cert.extensions().subject_key_identifier();
            if (ski && *ski != *aki->key_id) return "a self-signed certificate's AKI differs from its SKI";
            return std::nullopt;
        }
        if (*aki->key_id != ctx.issuer.key_id)
            return "keyIdentifier " + hex_encode(*aki->key_id) + " is not the issuer's " +
                   hex_encode(ctx.issuer.key_id);
        return std::nullopt;
    }
};

}  // namespace

const Lint& authority_key_identifier() {
    static const AuthorityKeyIdentifier lint;
    return lint;
}

}  // namespace yinxin::profile::lints
