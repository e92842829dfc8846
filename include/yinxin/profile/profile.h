// Certificate profiles as validated, immutable data (STYLE.md 6; Boulder issuance profiles).
//
// One JSON file per profile in profiles/ (see docs in profiles/README.md). Loading is strict: an
// unknown key, a value out of range or an inconsistent combination (keyCertSign in an end-entity
// profile, an encryption variant with digitalSignature ...) is refused with an error naming the
// file and the field. A loaded Profile cannot change.
//
//     YX_ASSIGN_OR_RETURN(ProfileSet set, ProfileSet::load_directory("/etc/yinxin/profiles"));
//     YX_ASSIGN_OR_RETURN(const Profile* p, set.find("personnel-sign"));
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/base/result.h"
#include "yinxin/x509/extensions.h"

namespace yinxin::profile {

enum class ProfileKind : std::uint8_t {
    end_entity,  // "end_entity"
    sub_ca,      // "sub_ca": subordinate CA (basicConstraints CA:TRUE, issued by another CA)
    root_ca,     // "root_ca": self-signed
};

// Dual certificates (GM/T 0014, LD/T 03): a signing certificate for the holder's own key and an
// encryption certificate for the key the KMC generates and escrows.
enum class DualRole : std::uint8_t {
    none,     // "none": single certificate
    sign,     // "sign"
    encrypt,  // "encrypt"
};

// A GM/T 0015 identity extension a profile may carry, by its JSON name.
struct IdentityExtensionSpec {
    std::string name;  // "identify_code", "organization_code", "unified_social_credit_code", ...
    asn1::Oid oid;
};

// Name ↔ OID for GM/T 0015 identity extensions (2012 arcs 1.2.156.10260.4.1.1-.5 and the 2023
// 1.2.156.10260.4.1.1.1, .4.1.1.2, .4.4; gm-and-seal-formats §3). nullopt when unknown.
std::optional<asn1::Oid> identity_extension_oid(std::string_view name);

class Profile {
public:
    // Parses and validates one profile document. `source` names the file in error messages.
    // Errors: profile.bad_file (not JSON, not an object), profile.bad_field ("<source>: field
    // '<name>': why").
    static Result<Profile> parse(std::string_view json_text, std::string_view source);
    static Result<Profile> load_file(const std::filesystem::path& path);

    const std::string& id() const { return m_id; }
    const std::string& name_zh() const { return m_name_zh; }
    const std::string& description() const { return m_description; }
    ProfileKind kind() const { return m_kind; }
    bool is_ca() const { return m_kind != ProfileKind::end_entity; }
    // Default and maximum validity in days (LD/T 03: 5 years for end entities, 10 for cardholders).
    std::uint32_t validity_days() const { return m_validity_days; }
    // Key algorithms accepted for the subject key: "sm2" (only SM2 is issued today).
    const std::vector<std::string>& key_algorithms() const { return m_key_algorithms; }
    x509::KeyUsage key_usage() const { return m_key_usage; }
    bool key_usage_critical() const { return m_key_usage_critical; }
    // Empty when the profile has no extendedKeyUsage extension.
    const std::vector<asn1::Oid>& ext_key_usage() const { return m_ext_key_usage; }
    bool ext_key_usage_critical() const { return m_ext_key_usage_critical; }
    const std::optional<std::uint32_t>& path_len() const { return m_path_len; }
    // Subject DN labels (C, ST, L, O, OU, CN, E) that must / may appear.
    const std::vector<std::string>& subject_required() const { return m_subject_required; }
    const std::vector<std::string>& subject_allowed() const { return m_subject_allowed; }
    bool subject_allows(std::string_view label) const;
    // GM/T 0015 identity extensions the request may carry, and those it must carry.
    const std::vector<IdentityExtensionSpec>& identity_extensions() const { return m_identity; }
    const std::vector<std::string>& identity_required() const { return m_identity_required; }
    const IdentityExtensionSpec* identity_spec(std::string_view name) const;
    bool san_email() const { return m_san_email; }
    // TLS server profiles: subjectAltName dNSName / iPAddress entries, at least one required
    // (RFC 9525 §6.3: clients match the host against these, never against the CN).
    bool san_hosts() const { return m_san_hosts; }
    DualRole dual() const { return m_dual; }
    bool crl_distribution_points() const { return m_crl_dp; }
    bool authority_info_access() const { return m_aia; }
    bool certificate_policies() const { return m_policies; }
    bool ocsp_no_check() const { return m_ocsp_no_check; }

private:
    Profile() = default;

    std::string m_id;
    std::string m_name_zh;
    std::string m_description;
    ProfileKind m_kind = ProfileKind::end_entity;
    std::uint32_t m_validity_days = 0;
    std::vector<std::string> m_key_algorithms;
    x509::KeyUsage m_key_usage;
    bool m_key_usage_critical = true;
    std::vector<asn1::Oid> m_ext_key_usage;
    bool m_ext_key_usage_critical = false;
    std::optional<std::uint32_t> m_path_len;
    std::vector<std::string> m_subject_required;
    std::vector<std::string> m_subject_allowed;
    std::vector<IdentityExtensionSpec> m_identity;
    std::vector<std::string> m_identity_required;
    bool m_san_email = false;
    bool m_san_hosts = false;
    DualRole m_dual = DualRole::none;
    bool m_crl_dp = true;
    bool m_aia = true;
    bool m_policies = true;
    bool m_ocsp_no_check = false;
};

// Every profile of a directory (*.json), keyed by id. A file whose id differs from its file name
// stem, or two files with one id, is refused (profile.duplicate_id / profile.bad_field).
class ProfileSet {
public:
    static Result<ProfileSet> load_directory(const std::filesystem::path& dir);

    // profile.not_found when absent.
    Result<const Profile*> find(std::string_view id) const;
    std::vector<std::string> ids() const;
    std::size_t size() const { return m_profiles.size(); }

private:
    std::map<std::string, std::shared_ptr<const Profile>, std::less<>> m_profiles;
};

}  // namespace yinxin::profile
