// The key ceremony config file (hierarchy.h). Strict, like the profiles: a typo must not silently
// drop a CA or change its key.
//
//   {
//     "publication": {"base_url": "http://127.0.0.1:8080", "cps_oid": "1.2.156.xxx", "cps_uri": "...",
//                     "delta_crls": false},
//     "cas": [
//       {"id": "demo-root", "name": "Demo Root", "kind": "root",
//        "subject": [["C", "CN"], ["O", "Yinxin Demo"], ["CN", "Yinxin Demo SM2 Root"]]},
//       {"id": "demo-sub", "kind": "sub", "parent": "demo-root", "subject": {"C": "CN", "O": "...", "CN": "..."},
//        "validity_days": 3652, "key_label": "demo-sub-2026", "key_algorithm": "sm2", "profile": "sub-ca"}
//     ]
//   }
// "subject" is either an array of [label, value] pairs or an object (its member order is kept).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <sstream>

#include "yinxin/ca/hierarchy.h"

namespace yinxin::ca {
namespace {

using nlohmann::ordered_json;

Error bad(std::string_view source, const std::string& where, const std::string& why) {
    return make_error(Errc::ca_bad_config, std::string(source) + ": " + where + ": " + why);
}

template <std::size_t N>
Status only_known(const ordered_json& obj, const std::array<std::string_view, N>& known, std::string_view source,
                  const std::string& where) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        if (std::find(known.begin(), known.end(), it.key()) == known.end())
            return bad(source, where, "unknown field '" + it.key() + "'");
    }
    return ok_status();
}

Result<std::string> get_string(const ordered_json& obj, std::string_view key, bool required, std::string_view source,
                               const std::string& where) {
    auto it = obj.find(key);
    if (it == obj.end()) {
        if (required) return bad(source, where, "field '" + std::string(key) + "' is missing");
        return std::string();
    }
    if (!it->is_string()) return bad(source, where, "field '" + std::string(key) + "' must be a string");
    std::string v = it->get<std::string>();
    if (required && v.empty()) return bad(source, where, "field '" + std::string(key) + "' is empty");
    return v;
}

Result<PublicationConfig> publication_from(const ordered_json& pub, std::string_view source) {
    const std::string where = "publication";
    if (!pub.is_object()) return bad(source, where, "must be an object");
    static constexpr std::array<std::string_view, 4> k_pub{"base_url", "cps_oid", "cps_uri", "delta_crls"};
    YX_TRY(only_known(pub, k_pub, source, where));
    PublicationConfig p;
    YX_ASSIGN_OR_RETURN(std::string base, get_string(pub, "base_url", false, source, where));
    if (!base.empty()) {
        if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0)
            return bad(source, where, "field 'base_url' must be an http(s) URL");
        p.base_url = base;
    }
    YX_ASSIGN_OR_RETURN(std::string oid, get_string(pub, "cps_oid", false, source, where));
    if (!oid.empty()) {
        auto parsed = asn1::Oid::from_string(oid);
        if (!parsed) return bad(source, where, "field 'cps_oid': " + parsed.error().message);
        p.cps_oid = *parsed;
    }
    YX_ASSIGN_OR_RETURN(p.cps_uri, get_string(pub, "cps_uri", false, source, where));
    if (auto d = pub.find("delta_crls"); d != pub.end()) {
        if (!d->is_boolean()) return bad(source, where, "field 'delta_crls' must be true or false");
        p.delta_crls = d->get<bool>();
    }
    return p;
}

Result<CaKind> parse_kind(std::string_view s) {
    if (s == "root") return CaKind::root;
    if (s == "sub") return CaKind::sub;
    if (s == "seal_root") return CaKind::seal_root;
    if (s == "external") return CaKind::external;
    return make_error(Errc::ca_bad_config, "kind must be root, sub, seal_root or external");
}

Result<std::vector<std::pair<std::string, std::string>>> parse_subject(const ordered_json& v, std::string_view source,
                                                                       const std::string& where) {
    std::vector<std::pair<std::string, std::string>> out;
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (!it->is_string()) return bad(source, where, "field 'subject': values must be strings");
            out.emplace_back(it.key(), it->get<std::string>());
        }
    } else if (v.is_array()) {
        for (const auto& pair : v) {
            if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
                return bad(source, where, "field 'subject': each entry must be [label, value]");
            out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
        }
    } else {
        return bad(source, where, "field 'subject' must be an object or an array of [label, value]");
    }
    if (out.empty()) return bad(source, where, "field 'subject' is empty (no anonymous CA)");
    for (const auto& [label, value] : out) {
        if (value.empty()) return bad(source, where, "field 'subject': " + label + " is empty");
    }
    return out;
}

}  // namespace

Result<PublicationConfig> parse_publication(std::string_view json_text, std::string_view source) {
    ordered_json doc = ordered_json::parse(json_text, nullptr, false);
    if (doc.is_discarded()) return bad(source, "publication", "not JSON");
    return publication_from(doc, source);
}

std::string publication_json(const PublicationConfig& p) {
    ordered_json j{{"base_url", p.base_url}, {"cps_uri", p.cps_uri}};
    if (p.cps_oid) j["cps_oid"] = p.cps_oid->to_string();
    j["delta_crls"] = p.delta_crls;
    return j.dump(2) + "\n";
}

Result<CeremonyConfig> CeremonyConfig::parse(std::string_view json_text, std::string_view source) {
    ordered_json doc = ordered_json::parse(json_text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return bad(source, "document", "not a JSON object");
    static constexpr std::array<std::string_view, 2> k_top{"publication", "cas"};
    YX_TRY(only_known(doc, k_top, source, "document"));

    CeremonyConfig config;
    if (auto pub = doc.find("publication"); pub != doc.end()) {
        YX_ASSIGN_OR_RETURN(config.publication, publication_from(*pub, source));
    }

    auto cas = doc.find("cas");
    if (cas == doc.end() || !cas->is_array() || cas->empty())
        return bad(source, "document", "field 'cas' must be a non-empty array");
    static constexpr std::array<std::string_view, 10> k_ca{
        "id", "name", "kind", "parent", "profile", "subject", "key_label", "key_algorithm", "validity_days", "comment"};
    std::set<std::string, std::less<>> ids;
    std::set<std::string, std::less<>> labels;
    std::size_t n = 0;
    for (const auto& entry : *cas) {
        std::string where = "cas[" + std::to_string(n++) + "]";
        if (!entry.is_object()) return bad(source, where, "must be an object");
        YX_TRY(only_known(entry, k_ca, source, where));
        CaSpec spec;
        YX_ASSIGN_OR_RETURN(spec.id, get_string(entry, "id", true, source, where));
        where += " (" + spec.id + ")";
        // The id ends up in URLs (<base>/crl/<id>.crl) and file names.
        for (char c : spec.id) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.';
            if (!ok) return bad(source, where, "field 'id' may hold only letters, digits, '-', '_' and '.'");
        }
        if (!ids.insert(spec.id).second) return bad(source, where, "duplicate id '" + spec.id + "'");
        YX_ASSIGN_OR_RETURN(spec.name, get_string(entry, "name", false, source, where));
        if (spec.name.empty()) spec.name = spec.id;
        YX_ASSIGN_OR_RETURN(std::string kind, get_string(entry, "kind", true, source, where));
        auto k = parse_kind(kind);
        if (!k) return bad(source, where, "field 'kind': " + k.error().message);
        spec.kind = *k;
        YX_ASSIGN_OR_RETURN(spec.parent_id, get_string(entry, "parent", false, source, where));
        if (spec.kind == CaKind::sub) {
            if (spec.parent_id.empty()) return bad(source, where, "field 'parent' is required for a sub CA");
            if (spec.parent_id == spec.id) return bad(source, where, "field 'parent' names the CA itself");
            // A parent listed later in the file would be created after its child; a parent not in
            // the file at all must already be registered (checked by run_ceremony).
            bool later = false;
            for (std::size_t j = n; j < cas->size(); ++j) {
                const auto& other = (*cas)[j];
                if (other.is_object() && other.contains("id") && other["id"] == spec.parent_id) later = true;
            }
            if (later)
                return bad(source, where, "field 'parent': '" + spec.parent_id + "' is defined later in the file");
        } else if (!spec.parent_id.empty()) {
            return bad(source, where, "field 'parent' is only for kind sub");
        }
        YX_ASSIGN_OR_RETURN(spec.profile_id, get_string(entry, "profile", false, source, where));
        if (spec.profile_id.empty()) {
            spec.profile_id = spec.kind == CaKind::root        ? "root-ca"
                              : spec.kind == CaKind::seal_root ? "seal-root-ca"
                                                               : "sub-ca";
        }
        auto subject = entry.find("subject");
        if (subject == entry.end()) return bad(source, where, "field 'subject' is missing");
        YX_ASSIGN_OR_RETURN(spec.subject, parse_subject(*subject, source, where));
        YX_ASSIGN_OR_RETURN(spec.key_label, get_string(entry, "key_label", false, source, where));
        if (spec.key_label.empty()) spec.key_label = spec.id;
        if (!labels.insert(spec.key_label).second)
            return bad(source, where, "field 'key_label': '" + spec.key_label + "' is used twice");
        YX_ASSIGN_OR_RETURN(std::string alg, get_string(entry, "key_algorithm", false, source, where));
        if (!alg.empty()) {
            auto a = device::parse_key_algorithm(alg);
            if (!a) return bad(source, where, "field 'key_algorithm': " + a.error().message);
            // GM CAs are SM2 (GM/T 0015; LD/T 03); the TLS CA is ECDSA P-256 (browsers cannot check
            // SM2 chains). Whether the CA's own profile takes the key is checked by the ceremony.
            if (*a != device::KeyAlgorithm::sm2 && *a != device::KeyAlgorithm::ecdsa_p256)
                return bad(source, where, "field 'key_algorithm': CA keys are sm2 or ecdsa-p256 (the TLS CA)");
            spec.key_algorithm = *a;
        }
        if (auto v = entry.find("validity_days"); v != entry.end()) {
            if (!v->is_number_unsigned() || v->get<std::uint64_t>() == 0 || v->get<std::uint64_t>() > 36525)
                return bad(source, where, "field 'validity_days' must be an integer in 1..36525");
            spec.validity_days = static_cast<std::uint32_t>(v->get<std::uint64_t>());
        }
        config.cas.push_back(std::move(spec));
    }
    return config;
}

Result<CeremonyConfig> CeremonyConfig::load_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return make_error(Errc::io_error, "cannot read ceremony config " + path);
    std::ostringstream ss;
    ss << f.rdbuf();
    return parse(ss.str(), path);
}

}  // namespace yinxin::ca
