// libFuzzer harness for profile::Profile::parse (the JSON profile loader). An accepted profile has
// every accessor walked and the consistency rules profile.h promises checked on the result: a
// CA profile has keyCertSign, an end-entity profile does not, validity is 1..10958 days, required
// subject labels are allowed, required identity extensions are listed.
#include <string_view>

#include "driver.h"
#include "yinxin/profile/profile.h"

namespace yinxin::fuzz {
namespace {

void walk_profile(const profile::Profile& p) {
    check(!p.id().empty(), "profile id is not empty");
    (void)p.name_zh();
    (void)p.description();
    check(p.is_ca() == (p.kind() != profile::ProfileKind::end_entity), "is_ca agrees with kind");
    check(p.validity_days() >= 1 && p.validity_days() <= 10958, "validity within limits");
    check(!p.key_algorithms().empty(), "at least one key algorithm");
    const x509::KeyUsage ku = p.key_usage();
    if (p.is_ca())
        check(ku.has(x509::KeyUsageBit::key_cert_sign) && ku.has(x509::KeyUsageBit::crl_sign) && p.key_usage_critical(),
              "a CA profile has critical keyCertSign and cRLSign");
    else
        check(!ku.has(x509::KeyUsageBit::key_cert_sign) && !p.path_len(), "no keyCertSign or pathLen in an EE profile");
    (void)p.key_usage_critical();
    for (const auto& o : p.ext_key_usage()) (void)o.to_string();
    (void)p.ext_key_usage_critical();
    (void)p.path_len();
    for (const auto& l : p.subject_required()) check(p.subject_allows(l), "required subject labels are allowed");
    for (const auto& l : p.subject_allowed()) check(p.subject_allows(l), "subject_allows agrees with the list");
    (void)p.subject_allows("");
    check(p.subject_allows("CN"), "every profile names its holder by CN");
    for (const auto& spec : p.identity_extensions()) {
        const auto* found = p.identity_spec(spec.name);
        check(found != nullptr && found->oid == spec.oid, "identity_spec finds a listed extension");
        auto oid = profile::identity_extension_oid(spec.name);
        check(oid.has_value() && *oid == spec.oid, "identity extension name maps to its OID");
    }
    for (const auto& name : p.identity_required())
        check(p.identity_spec(name) != nullptr, "required identity extensions are listed");
    (void)p.san_email();
    (void)p.dual();
    (void)p.crl_distribution_points();
    (void)p.authority_info_access();
    (void)p.certificate_policies();
    (void)p.ocsp_no_check();
}

}  // namespace

void fuzz_one(BytesView in) {
    const std::string_view text = as_text(in);
    if (auto p = profile::Profile::parse(text, "fuzz.json"); p.ok()) walk_profile(*p);
    (void)profile::identity_extension_oid(text);
}

}  // namespace yinxin::fuzz
