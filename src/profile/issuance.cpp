#include "yinxin/profile/issuance.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

#include "yinxin/asn1/oids.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/extensions.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::profile {
namespace {

Error rejected(std::string why) { return make_error(Errc::profile_request_rejected, std::move(why)); }

// RFC 1123 host name: labels of letters, digits and hyphens, not starting or ending with a hyphen.
bool valid_dns_name(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        const std::string_view label = name.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label)
            if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-')) return false;
        start = dot + 1;
    }
    return true;
}

Result<x509::GeneralName> host_name(const std::string& host) {
    std::array<std::uint8_t, 16> addr{};
    if (inet_pton(AF_INET, host.c_str(), addr.data()) == 1)
        return x509::GeneralName::ip_address(Bytes(addr.begin(), addr.begin() + 4));
    if (inet_pton(AF_INET6, host.c_str(), addr.data()) == 1)
        return x509::GeneralName::ip_address(Bytes(addr.begin(), addr.end()));
    if (!valid_dns_name(host)) return rejected("'" + host + "' is neither an IP address nor a host name");
    std::string lower = host;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return x509::GeneralName::dns(lower);
}

}  // namespace

bool key_algorithm_allowed(const Profile& profile, const x509::SubjectPublicKeyInfo& spki) {
    for (const auto& a : profile.key_algorithms()) {
        if (a == "sm2" && spki.is_sm2() && spki.sm2_public_key().ok()) return true;
        if (a == "ecdsa-p256" && spki.is_p256()) return true;
    }
    return false;
}

Result<x509::Name> build_subject(const Profile& profile, const CertificateRequestData& request) {
    std::vector<std::pair<std::string, std::string>> attrs;
    for (const auto& attr : request.subject) {
        const std::string& label = attr.first;
        const std::string& value = attr.second;
        if (!profile.subject_allows(label))
            return rejected("profile " + profile.id() + ": subject attribute " + label + " is not allowed");
        if (value.empty()) return rejected("profile " + profile.id() + ": subject attribute " + label + " is empty");
        // One value per attribute so the DN names one entity unambiguously; OU may repeat
        // (department hierarchies).
        if (label != "OU") {
            auto n = std::count_if(request.subject.begin(), request.subject.end(),
                                   [&](const auto& a) { return a.first == label; });
            if (n > 1) return rejected("profile " + profile.id() + ": subject attribute " + label + " repeated");
        }
        attrs.emplace_back(label, value);
    }
    for (const auto& label : profile.subject_required()) {
        bool found = std::any_of(request.subject.begin(), request.subject.end(),
                                 [&](const auto& a) { return a.first == label; });
        if (!found) return rejected("profile " + profile.id() + ": subject attribute " + label + " is required");
    }
    return x509::Name::build(attrs);
}

Result<Bytes> build_tbs(const Profile& profile, const CertificateRequestData& request, const IssuerContext& issuer,
                        BytesView serial, TimePoint not_before) {
    YX_ASSIGN_OR_RETURN(x509::Name subject, build_subject(profile, request));
    YX_ASSIGN_OR_RETURN(x509::SubjectPublicKeyInfo spki, x509::SubjectPublicKeyInfo::parse(request.spki_der));
    if (!key_algorithm_allowed(profile, spki))
        return rejected("profile " + profile.id() + ": the subject key algorithm is not allowed");

    std::uint32_t days = profile.validity_days();
    if (request.validity_days) {
        if (*request.validity_days == 0 || *request.validity_days > profile.validity_days())
            return rejected("profile " + profile.id() + ": requested validity " +
                            std::to_string(*request.validity_days) + " days, the profile allows 1.." +
                            std::to_string(profile.validity_days()));
        days = *request.validity_days;
    }
    // RFC 5280 4.1.2.5: notAfter is inclusive, so the last second of the period.
    const TimePoint not_after = not_before + std::chrono::days(days) - std::chrono::seconds(1);

    const bool root = profile.kind() == ProfileKind::root_ca;
    x509::TbsCertificateBuilder b;
    b.signature_algorithm(issuer.signature_algorithm);
    b.serial(serial)
        .issuer(root ? subject : issuer.name)
        .subject(subject)
        .validity(not_before, not_after)
        .public_key(spki);

    // RFC 5280 4.2.1.9: basicConstraints MUST be critical in CA certificates; end entities carry
    // CA:FALSE (GM/T 0015 5.2 lists it for every certificate), critical as well.
    b.basic_constraints({.ca = profile.is_ca(), .path_len = profile.path_len()}, true);
    b.key_usage(profile.key_usage(), profile.key_usage_critical());
    if (!profile.ext_key_usage().empty())
        b.ext_key_usage({.purposes = profile.ext_key_usage()}, profile.ext_key_usage_critical());
    b.subject_key_identifier_from_key();
    // RFC 5280 4.2.1.1: keyIdentifier of the issuer's key; a self-signed root repeats its own SKI.
    if (root) {
        b.authority_key_identifier(x509::key_identifier(spki.key_bytes()));
    } else {
        if (issuer.key_id.empty()) return make_error(Errc::profile_bad_field, "issuer context: key_id is empty");
        b.authority_key_identifier(issuer.key_id);
    }
    if (profile.certificate_policies()) {
        if (!issuer.cps_oid) return make_error(Errc::profile_bad_field, "issuer context: cps_oid is missing");
        x509::PolicyInformation pi{.policy = *issuer.cps_oid, .cps_uris = {}, .user_notice_text = std::nullopt};
        if (!issuer.cps_uri.empty()) pi.cps_uris.push_back(issuer.cps_uri);
        b.certificate_policies({.policies = {pi}});
    }
    if (profile.crl_distribution_points()) {
        if (issuer.crl_url.empty()) return make_error(Errc::profile_bad_field, "issuer context: crl_url is empty");
        // A CA certificate is checked against its issuer's ARL, an end entity against the CRL and
        // its deltas.
        const bool arl = profile.is_ca() && !root && !issuer.arl_url.empty();
        b.crl_distribution_points({arl ? issuer.arl_url : issuer.crl_url});
        if (!arl && !issuer.delta_crl_url.empty()) b.freshest_crl({issuer.delta_crl_url});
    }
    if (profile.authority_info_access()) {
        std::vector<std::string> ocsp;
        std::vector<std::string> ca_issuers;
        if (!issuer.ocsp_url.empty()) ocsp.push_back(issuer.ocsp_url);
        if (!issuer.ca_issuers_url.empty()) ca_issuers.push_back(issuer.ca_issuers_url);
        if (ocsp.empty() && ca_issuers.empty())
            return make_error(Errc::profile_bad_field, "issuer context: no OCSP or caIssuers URL for AIA");
        b.authority_info_access(ocsp, ca_issuers);
    }
    if (!request.san_emails.empty() && !profile.san_email())
        return rejected("profile " + profile.id() + ": subjectAltName e-mail is not allowed");
    if (!request.san_hosts.empty() && !profile.san_hosts())
        return rejected("profile " + profile.id() + ": subjectAltName host names are not allowed");
    if (profile.san_hosts() && request.san_hosts.empty())
        return rejected("profile " + profile.id() + ": a TLS server certificate names at least one host (SAN)");
    if (!request.san_emails.empty() || !request.san_hosts.empty()) {
        x509::SubjectAltName san;
        for (const auto& e : request.san_emails) san.names.push_back(x509::GeneralName::rfc822(e));
        for (const auto& h : request.san_hosts) {
            YX_ASSIGN_OR_RETURN(x509::GeneralName g, host_name(h));
            san.names.push_back(std::move(g));
        }
        // RFC 5280 4.2.1.6: critical only when the subject is empty, which profiles never allow.
        b.subject_alt_name(san, false);
    }
    if (profile.ocsp_no_check()) b.ocsp_no_check();

    // GM/T 0015-2012 5.3: identity extensions, non-critical, PrintableString values.
    for (const auto& [name, value] : request.identities) {
        const IdentityExtensionSpec* spec = profile.identity_spec(name);
        if (spec == nullptr)
            return rejected("profile " + profile.id() + ": identity extension " + name + " is not allowed");
        if (value.empty()) return rejected("profile " + profile.id() + ": identity extension " + name + " is empty");
        b.gm_identity({.oid = spec->oid, .kind = x509::IdentifyCodeKind::unspecified, .value = value}, false);
    }
    for (const auto& name : profile.identity_required()) {
        bool found = std::any_of(request.identities.begin(), request.identities.end(),
                                 [&](const auto& i) { return i.first == name; });
        if (!found) return rejected("profile " + profile.id() + ": identity extension " + name + " is required");
    }
    return b.build_tbs();
}

}  // namespace yinxin::profile
