#include "yinxin/profile/profile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <utility>

#include "yinxin/asn1/oids.h"

namespace yinxin::profile {
namespace {

using nlohmann::json;

// The DN labels a profile may name. LD/T 03 and the CPSs (sdca §3.1, sheca §3.1) use C, ST, L, O,
// OU, CN and E.
constexpr std::array<std::string_view, 7> k_dn_labels{"C", "ST", "L", "O", "OU", "CN", "E"};

struct NamedBit {
    std::string_view name;
    x509::KeyUsageBit bit;
};
// RFC 5280 4.2.1.3 names (nonRepudiation is now contentCommitment; both spellings accepted).
constexpr std::array<NamedBit, 10> k_key_usage_names{{
    {"digitalSignature", x509::KeyUsageBit::digital_signature},
    {"nonRepudiation", x509::KeyUsageBit::non_repudiation},
    {"contentCommitment", x509::KeyUsageBit::non_repudiation},
    {"keyEncipherment", x509::KeyUsageBit::key_encipherment},
    {"dataEncipherment", x509::KeyUsageBit::data_encipherment},
    {"keyAgreement", x509::KeyUsageBit::key_agreement},
    {"keyCertSign", x509::KeyUsageBit::key_cert_sign},
    {"cRLSign", x509::KeyUsageBit::crl_sign},
    {"encipherOnly", x509::KeyUsageBit::encipher_only},
    {"decipherOnly", x509::KeyUsageBit::decipher_only},
}};

std::optional<asn1::Oid> eku_oid(std::string_view name) {
    // RFC 5280 4.2.1.12 key purposes.
    if (name == "serverAuth") return asn1::oids::kp_server_auth;
    if (name == "clientAuth") return asn1::oids::kp_client_auth;
    if (name == "codeSigning") return asn1::oids::kp_code_signing;
    if (name == "emailProtection") return asn1::oids::kp_email_protection;
    if (name == "timeStamping") return asn1::oids::kp_time_stamping;
    if (name == "OCSPSigning") return asn1::oids::kp_ocsp_signing;
    return std::nullopt;
}

// Keys every profile document may have; anything else is refused (a typo must not silently drop
// an extension).
constexpr std::array<std::string_view, 21> k_known_keys{"id",
                                                        "name_zh",
                                                        "description",
                                                        "kind",
                                                        "validity_days",
                                                        "key_algorithms",
                                                        "key_usage",
                                                        "key_usage_critical",
                                                        "ext_key_usage",
                                                        "ext_key_usage_critical",
                                                        "path_len",
                                                        "subject",
                                                        "identity_extensions",
                                                        "identity_required",
                                                        "san_email",
                                                        "san_hosts",
                                                        "dual",
                                                        "crl_distribution_points",
                                                        "authority_info_access",
                                                        "certificate_policies",
                                                        "ocsp_no_check"};

bool known_key(std::string_view key) {
    return std::find(k_known_keys.begin(), k_known_keys.end(), key) != k_known_keys.end();
}

// 30 years: a root CA lifetime (the CPSs give none; 20 years is usual for a root).
constexpr std::int64_t k_max_validity_days = 10958;

class Parser {
public:
    explicit Parser(std::string_view source) : m_source(source) {}

    Error field_error(std::string_view field, std::string_view why) const {
        return make_error(Errc::profile_bad_field,
                          std::string(m_source) + ": field '" + std::string(field) + "': " + std::string(why));
    }

    Result<std::string> string_field(const json& doc, std::string_view key, bool required) const {
        auto it = doc.find(key);
        if (it == doc.end()) {
            if (required) return field_error(key, "missing");
            return std::string();
        }
        if (!it->is_string()) return field_error(key, "must be a string");
        std::string v = it->get<std::string>();
        if (required && v.empty()) return field_error(key, "must not be empty");
        return v;
    }

    Result<bool> bool_field(const json& doc, std::string_view key, bool fallback) const {
        auto it = doc.find(key);
        if (it == doc.end()) return fallback;
        if (!it->is_boolean()) return field_error(key, "must be true or false");
        return it->get<bool>();
    }

    Result<std::vector<std::string>> string_list(const json& doc, std::string_view key, std::string_view field,
                                                 bool required) const {
        auto it = doc.find(key);
        if (it == doc.end()) {
            if (required) return field_error(field, "missing");
            return std::vector<std::string>{};
        }
        if (!it->is_array()) return field_error(field, "must be an array of strings");
        std::vector<std::string> out;
        for (const json& e : *it) {
            if (!e.is_string()) return field_error(field, "must be an array of strings");
            std::string s = e.get<std::string>();
            if (std::find(out.begin(), out.end(), s) != out.end())
                return field_error(field, "'" + s + "' appears twice");
            out.push_back(std::move(s));
        }
        return out;
    }

private:
    std::string_view m_source;
};

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

std::optional<asn1::Oid> identity_extension_oid(std::string_view name) {
    namespace o = asn1::oids;
    if (name == "identify_code") return o::gm_identify_code;
    if (name == "insurance_number") return o::gm_insurance_number;
    if (name == "ic_registration_number") return o::gm_ic_registration_number;
    if (name == "organization_code") return o::gm_organization_code;
    if (name == "taxation_number") return o::gm_taxation_number;
    if (name == "resident_id_number") return o::gm_resident_id_number;
    if (name == "passport_number") return o::gm_passport_number;
    if (name == "unified_social_credit_code") return o::gm_unified_social_credit_code;
    return std::nullopt;
}

bool Profile::subject_allows(std::string_view label) const { return contains(m_subject_allowed, label); }

const IdentityExtensionSpec* Profile::identity_spec(std::string_view name) const {
    for (const auto& s : m_identity)
        if (s.name == name) return &s;
    return nullptr;
}

Result<Profile> Profile::parse(std::string_view json_text, std::string_view source) {
    json doc = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return make_error(Errc::profile_bad_file, std::string(source) + ": not valid JSON");
    if (!doc.is_object())
        return make_error(Errc::profile_bad_file, std::string(source) + ": the document must be a JSON object");
    Parser p(source);
    for (const auto& item : doc.items())
        if (!known_key(item.key())) return p.field_error(item.key(), "unknown key");

    Profile prof;
    YX_ASSIGN_OR_RETURN(prof.m_id, p.string_field(doc, "id", true));
    if (!valid_id(prof.m_id)) return p.field_error("id", "only a-z, 0-9 and '-' (at most 64)");
    YX_ASSIGN_OR_RETURN(prof.m_name_zh, p.string_field(doc, "name_zh", true));
    YX_ASSIGN_OR_RETURN(prof.m_description, p.string_field(doc, "description", false));

    YX_ASSIGN_OR_RETURN(std::string kind, p.string_field(doc, "kind", true));
    if (kind == "end_entity")
        prof.m_kind = ProfileKind::end_entity;
    else if (kind == "sub_ca")
        prof.m_kind = ProfileKind::sub_ca;
    else if (kind == "root_ca")
        prof.m_kind = ProfileKind::root_ca;
    else
        return p.field_error("kind", "must be end_entity, sub_ca or root_ca");

    {
        auto it = doc.find("validity_days");
        if (it == doc.end()) return p.field_error("validity_days", "missing");
        if (!it->is_number_integer()) return p.field_error("validity_days", "must be an integer");
        auto days = it->get<std::int64_t>();
        if (days < 1 || days > k_max_validity_days)
            return p.field_error("validity_days", "must be between 1 and " + std::to_string(k_max_validity_days));
        prof.m_validity_days = static_cast<std::uint32_t>(days);
    }

    YX_ASSIGN_OR_RETURN(prof.m_key_algorithms, p.string_list(doc, "key_algorithms", "key_algorithms", true));
    if (prof.m_key_algorithms.empty()) return p.field_error("key_algorithms", "must not be empty");
    for (const auto& a : prof.m_key_algorithms)
        if (a != "sm2" && a != "ecdsa-p256")
            return p.field_error("key_algorithms", "'" + a + "' is not supported (sm2, ecdsa-p256)");

    YX_ASSIGN_OR_RETURN(auto ku, p.string_list(doc, "key_usage", "key_usage", true));
    if (ku.empty()) return p.field_error("key_usage", "must not be empty");
    for (const auto& n : ku) {
        auto it = std::find_if(k_key_usage_names.begin(), k_key_usage_names.end(),
                               [&](const NamedBit& b) { return b.name == n; });
        if (it == k_key_usage_names.end()) return p.field_error("key_usage", "unknown bit '" + n + "'");
        prof.m_key_usage.set(it->bit);
    }
    YX_ASSIGN_OR_RETURN(prof.m_key_usage_critical, p.bool_field(doc, "key_usage_critical", true));

    YX_ASSIGN_OR_RETURN(auto eku, p.string_list(doc, "ext_key_usage", "ext_key_usage", false));
    for (const auto& n : eku) {
        auto oid = eku_oid(n);
        if (!oid) return p.field_error("ext_key_usage", "unknown purpose '" + n + "'");
        prof.m_ext_key_usage.push_back(*oid);
    }
    YX_ASSIGN_OR_RETURN(prof.m_ext_key_usage_critical, p.bool_field(doc, "ext_key_usage_critical", false));

    if (auto it = doc.find("path_len"); it != doc.end()) {
        if (!it->is_number_integer()) return p.field_error("path_len", "must be an integer");
        auto v = it->get<std::int64_t>();
        if (v < 0 || v > 16) return p.field_error("path_len", "must be between 0 and 16");
        prof.m_path_len = static_cast<std::uint32_t>(v);
    }

    {
        auto it = doc.find("subject");
        if (it == doc.end()) return p.field_error("subject", "missing");
        if (!it->is_object()) return p.field_error("subject", "must be an object {required, allowed}");
        for (const auto& item : it->items())
            if (item.key() != "required" && item.key() != "allowed")
                return p.field_error("subject." + item.key(), "unknown key");
        YX_ASSIGN_OR_RETURN(prof.m_subject_allowed, p.string_list(*it, "allowed", "subject.allowed", true));
        YX_ASSIGN_OR_RETURN(prof.m_subject_required, p.string_list(*it, "required", "subject.required", true));
        for (const auto& l : prof.m_subject_allowed)
            if (std::find(k_dn_labels.begin(), k_dn_labels.end(), l) == k_dn_labels.end())
                return p.field_error("subject.allowed", "unknown DN label '" + l + "' (C, ST, L, O, OU, CN, E)");
        for (const auto& l : prof.m_subject_required)
            if (!contains(prof.m_subject_allowed, l))
                return p.field_error("subject.required", "'" + l + "' is not in subject.allowed");
        // CPS 3.1 (sdca §7.1.9, itrus 3.1.3): no anonymous certificates; the holder is named by CN.
        if (!contains(prof.m_subject_required, "CN"))
            return p.field_error("subject.required", "must contain CN (anonymous subjects are not allowed)");
    }

    YX_ASSIGN_OR_RETURN(auto ids, p.string_list(doc, "identity_extensions", "identity_extensions", false));
    for (const auto& n : ids) {
        auto oid = identity_extension_oid(n);
        if (!oid) return p.field_error("identity_extensions", "unknown GM/T 0015 extension '" + n + "'");
        prof.m_identity.push_back({n, *oid});
    }
    YX_ASSIGN_OR_RETURN(prof.m_identity_required, p.string_list(doc, "identity_required", "identity_required", false));
    for (const auto& n : prof.m_identity_required)
        if (!contains(ids, n)) return p.field_error("identity_required", "'" + n + "' is not in identity_extensions");

    YX_ASSIGN_OR_RETURN(prof.m_san_email, p.bool_field(doc, "san_email", false));
    YX_ASSIGN_OR_RETURN(prof.m_san_hosts, p.bool_field(doc, "san_hosts", false));

    YX_ASSIGN_OR_RETURN(std::string dual, p.string_field(doc, "dual", false));
    if (dual.empty() || dual == "none")
        prof.m_dual = DualRole::none;
    else if (dual == "sign")
        prof.m_dual = DualRole::sign;
    else if (dual == "encrypt")
        prof.m_dual = DualRole::encrypt;
    else
        return p.field_error("dual", "must be none, sign or encrypt");

    const bool root = prof.m_kind == ProfileKind::root_ca;
    YX_ASSIGN_OR_RETURN(prof.m_crl_dp, p.bool_field(doc, "crl_distribution_points", !root));
    YX_ASSIGN_OR_RETURN(prof.m_aia, p.bool_field(doc, "authority_info_access", !root));
    YX_ASSIGN_OR_RETURN(prof.m_policies, p.bool_field(doc, "certificate_policies", true));
    YX_ASSIGN_OR_RETURN(prof.m_ocsp_no_check, p.bool_field(doc, "ocsp_no_check", false));

    // Consistency.
    using B = x509::KeyUsageBit;
    const x509::KeyUsage k = prof.m_key_usage;
    if (prof.is_ca()) {
        // RFC 5280 4.2.1.3/4.2.1.9: a CA certificate asserts keyCertSign; ours also sign CRLs.
        if (!k.has(B::key_cert_sign) || !k.has(B::crl_sign))
            return p.field_error("key_usage", "a CA profile must have keyCertSign and cRLSign");
        if (!prof.m_key_usage_critical)
            return p.field_error("key_usage_critical", "must be true in a CA profile (RFC 5280 4.2.1.3)");
        if (prof.m_dual != DualRole::none) return p.field_error("dual", "a CA profile has no dual variant");
        if (!prof.m_identity.empty())
            return p.field_error("identity_extensions", "a CA profile carries no holder identity");
    } else {
        if (k.has(B::key_cert_sign) || k.has(B::crl_sign))
            return p.field_error("key_usage", "keyCertSign/cRLSign are for CA profiles only");
        if (prof.m_path_len) return p.field_error("path_len", "only CA profiles have a path length");
    }
    const bool signs = k.has(B::digital_signature) || k.has(B::non_repudiation);
    const bool encrypts = k.has(B::key_encipherment) || k.has(B::data_encipherment) || k.has(B::key_agreement);
    if (prof.m_dual == DualRole::sign && encrypts)
        return p.field_error("key_usage", "a signing certificate (dual=sign) must not have encryption bits");
    if (prof.m_dual == DualRole::encrypt && (signs || !encrypts))
        return p.field_error("key_usage", "an encryption certificate (dual=encrypt) has only encryption bits");
    if ((k.has(B::encipher_only) || k.has(B::decipher_only)) && !k.has(B::key_agreement))
        return p.field_error("key_usage", "encipherOnly/decipherOnly need keyAgreement (RFC 5280 4.2.1.3)");
    if (prof.m_ocsp_no_check && !contains(eku, "OCSPSigning"))
        return p.field_error("ocsp_no_check", "only for OCSP signing profiles (RFC 6960 4.2.2.2.1)");
    if (contains(eku, "OCSPSigning") && !k.has(B::digital_signature))
        return p.field_error("key_usage", "OCSP signing needs digitalSignature");
    return prof;
}

Result<Profile> Profile::load_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::io_error, path.string() + ": cannot open");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return make_error(Errc::io_error, path.string() + ": read failed");
    return parse(ss.str(), path.filename().string());
}

Result<ProfileSet> ProfileSet::load_directory(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) return make_error(Errc::io_error, dir.string() + ": " + ec.message());
    std::vector<std::filesystem::path> files;
    for (const auto& entry : it)
        if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    ProfileSet set;
    for (const auto& f : files) {
        YX_ASSIGN_OR_RETURN(Profile p, Profile::load_file(f));
        if (p.id() != f.stem().string())
            return make_error(Errc::profile_bad_field,
                              f.filename().string() + ": field 'id': '" + p.id() + "' differs from the file name");
        if (set.m_profiles.contains(p.id()))
            return make_error(Errc::profile_duplicate_id, f.filename().string() + ": id '" + p.id() + "' twice");
        std::string id = p.id();
        set.m_profiles.emplace(std::move(id), std::make_shared<const Profile>(std::move(p)));
    }
    return set;
}

Result<const Profile*> ProfileSet::find(std::string_view id) const {
    auto it = m_profiles.find(id);
    if (it == m_profiles.end()) return make_error(Errc::profile_not_found, "no profile '" + std::string(id) + "'");
    return it->second.get();
}

std::vector<std::string> ProfileSet::ids() const {
    std::vector<std::string> out;
    for (const auto& [id, p] : m_profiles) out.push_back(id);
    return out;
}

}  // namespace yinxin::profile
