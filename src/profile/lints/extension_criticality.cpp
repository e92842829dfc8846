// Extension criticality rules: RFC 5280 4.2.1.1 and 4.2.1.2 (AKI and SKI MUST NOT be critical),
// 4.2.1.9 (basicConstraints MUST be critical in CA certificates), 4.2.2.1 (AIA MUST NOT be
// critical), 4.2.1.13 (cRLDistributionPoints SHOULD NOT be), GM/T 0015-2012 5.3 (identity
// extensions non-critical), and 4.2: no critical extension a relying party may not know.
#include "lints.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/x509/extensions.h"

namespace yinxin::profile::lints {
namespace {

class ExtensionCriticality final : public Lint {
public:
    std::string_view name() const override { return "extension_criticality"; }
    std::string_view citation() const override {
        return "RFC 5280 4.2, 4.2.1.1, 4.2.1.2, 4.2.1.9, 4.2.1.13, 4.2.2.1; GM/T 0015-2012 5.3";
    }

    std::optional<std::string> check(const LintContext& ctx) const override {
        namespace o = asn1::oids;
        for (const x509::Extension& e : ctx.cert.extensions().list()) {
            // "subjectKeyIdentifier (2.5.29.14)": the name for people, the OID for searching.
            const std::string_view label = asn1::oid_name(e.oid);
            const std::string oid =
                label.empty() ? e.oid.to_string() : std::string(label) + " (" + e.oid.to_string() + ")";
            if (e.critical) {
                if (e.oid == o::ce_authority_key_identifier || e.oid == o::ce_subject_key_identifier ||
                    e.oid == o::pe_authority_info_access || e.oid == o::ce_crl_distribution_points ||
                    x509::is_gm_identity_oid(e.oid))
                    return "extension " + oid + " must not be critical";
                if (!x509::Extensions::is_known(e.oid)) return "unknown extension " + oid + " is critical";
            } else if (e.oid == o::ce_basic_constraints && ctx.profile.is_ca()) {
                return "basicConstraints must be critical in a CA certificate";
            }
        }
        return std::nullopt;
    }
};

}  // namespace

const Lint& extension_criticality() {
    static const ExtensionCriticality lint;
    return lint;
}

}  // namespace yinxin::profile::lints
