// RFC 5280 4.2.1.3: keyUsage, which conforming CAs SHOULD mark critical; GM/T 0015-2012 5.3 and
// LD/T 03: the bits follow the certificate type (signing vs encryption certificate of a dual pair,
// seal certificates digitalSignature+nonRepudiation critical). The certificate must carry exactly
// the profile's bits with the profile's criticality.
#include "lints.h"

namespace yinxin::profile::lints {
namespace {

class KeyUsageMatchesProfile final : public Lint {
public:
    std::string_view name() const override { return "key_usage_matches_profile"; }
    std::string_view citation() const override { return "RFC 5280 4.2.1.3; GM/T 0015-2012 5.3"; }

    std::optional<std::string> check(const LintContext& ctx) const override {
        const x509::Extension* ext = ctx.cert.extensions().find(asn1::oids::ce_key_usage);
        const auto& ku = ctx.cert.extensions().key_usage();
        if (ext == nullptr || !ku) return "keyUsage is missing";
        if (ku->bits != ctx.profile.key_usage().bits)
            return "keyUsage bits 0x" + to_hex(ku->bits) + " differ from profile " + ctx.profile.id() + "'s 0x" +
                   to_hex(ctx.profile.key_usage().bits);
        if (ext->critical != ctx.profile.key_usage_critical())
            return std::string("keyUsage is ") + (ext->critical ? "critical" : "not critical") + ", the profile says " +
                   (ctx.profile.key_usage_critical() ? "critical" : "not critical");
        return std::nullopt;
    }

private:
    static std::string to_hex(std::uint32_t v) {
        static constexpr char k_digits[] = "0123456789abcdef";
        std::string s;
        do {
            s.insert(s.begin(), k_digits[v & 0xf]);
            v >>= 4;
        } while (v != 0);
        return s;
    }
};

}  // namespace

const Lint& key_usage_matches_profile() {
    static const KeyUsageMatchesProfile lint;
    return lint;
}

}  // namespace yinxin::profile::lints
