#include "yinxin/profile/lint.h"

#include "lints/lints.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/x509/builder.h"

namespace yinxin::profile {
namespace {

// tbsCertificate.signature (RFC 5280 4.1.2.3), which the outer signatureAlgorithm must repeat.
Result<x509::AlgorithmIdentifier> inner_signature_algorithm(BytesView tbs_der) {
    YX_ASSIGN_OR_RETURN(asn1::Element tbs, asn1::read_single(tbs_der));
    asn1::Reader r = tbs.children();
    YX_TRY(r.read_optional_context_explicit(0));
    YX_TRY(r.read_integer());
    YX_ASSIGN_OR_RETURN(asn1::Element alg, r.read_sequence());
    return x509::AlgorithmIdentifier::from_element(alg);
}

}  // namespace

bool LintReport::failed(std::string_view lint) const {
    for (const auto& f : failures)
        if (f.lint == lint) return true;
    return false;
}

std::string LintReport::to_string() const {
    std::string out;
    for (const auto& f : failures) {
        if (!out.empty()) out += "; ";
        out += "lint " + f.lint + " (" + f.citation + "): " + f.reason;
    }
    return out;
}

const std::vector<const Lint*>& all_lints() {
    static const std::vector<const Lint*> k_all{
        &lints::serial_number(),
        &lints::authority_key_identifier(),
        &lints::key_usage_matches_profile(),
        &lints::basic_constraints_matches_profile(),
        &lints::validity_within_issuer(),
        &lints::subject_key(),
        &lints::subject_not_empty(),
        &lints::extension_criticality(),
    };
    return k_all;
}

const Lint* find_lint(std::string_view name) {
    for (const Lint* l : all_lints())
        if (l->name() == name) return l;
    return nullptr;
}

LintReport lint_certificate(const x509::Certificate& cert, const Profile& profile, const IssuerContext& issuer) {
    LintReport report;
    const LintContext ctx{cert, profile, issuer};
    for (const Lint* l : all_lints())
        if (auto why = l->check(ctx))
            report.failures.push_back({std::string(l->name()), std::string(l->citation()), std::move(*why)});
    return report;
}

Result<LintReport> lint_tbs(BytesView tbs_der, const Profile& profile, const IssuerContext& issuer) {
    // x509 parses whole certificates only. A placeholder ECDSA-Sig-Value SEQUENCE { r 1, s 1 } makes
    // one; it is never verified and the certificate is dropped after linting, so no key is needed.
    static const Bytes k_placeholder_signature{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    YX_ASSIGN_OR_RETURN(x509::AlgorithmIdentifier alg, inner_signature_algorithm(tbs_der));
    YX_ASSIGN_OR_RETURN(Bytes der, x509::assemble_certificate(tbs_der, alg, k_placeholder_signature));
    YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(der));
    return lint_certificate(cert, profile, issuer);
}

Status check_tbs(BytesView tbs_der, const Profile& profile, const IssuerContext& issuer) {
    YX_ASSIGN_OR_RETURN(LintReport report, lint_tbs(tbs_der, profile, issuer));
    if (!report.ok()) return make_error(Errc::lint_failed, "profile " + profile.id() + ": " + report.to_string());
    return {};
}

}  // namespace yinxin::profile
