#include "yinxin/publish/ldap.h"

#include <ldap.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "yinxin/asn1/oids.h"

namespace yinxin::publish {

namespace {

namespace oids = asn1::oids;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// X.520 attribute types → their names in OpenLDAP's core schema (RFC 4519, RFC 4524). Anything
// else cannot name an entry in a standard directory.
std::optional<std::string_view> ldap_attribute_name(const asn1::Oid& type) {
    struct Entry {
        const asn1::Oid* oid;
        std::string_view name;
    };
    static const Entry k_names[] = {
        {&oids::at_common_name, "cn"},
        {&oids::at_surname, "sn"},
        {&oids::at_serial_number, "serialNumber"},
        {&oids::at_country, "c"},
        {&oids::at_locality, "l"},
        {&oids::at_state, "st"},
        {&oids::at_street, "street"},
        {&oids::at_organization, "o"},
        {&oids::at_organizational_unit, "ou"},
        {&oids::at_title, "title"},
        {&oids::at_postal_code, "postalCode"},
        {&oids::at_given_name, "givenName"},
        {&oids::at_dn_qualifier, "dnQualifier"},
        {&oids::at_pseudonym, "pseudonym"},
        {&oids::at_email_address, "email"},
        {&oids::at_user_id, "uid"},
        {&oids::at_domain_component, "dc"},
    };
    for (const Entry& e : k_names)
        if (*e.oid == type) return e.name;
    return std::nullopt;
}

// libldap's DN structures over our strings (ldap_dn2str reads them, never writes).
class DnView {
public:
    explicit DnView(const LdapDn& dn) {
        std::size_t n = 0;
        for (const auto& rdn : dn) n += rdn.size();
        m_avas.reserve(n);
        m_rdns.reserve(dn.size());
        for (const auto& rdn : dn) {
            std::vector<LDAPAVA*> ptrs;
            for (const auto& a : rdn) {
                LDAPAVA ava{};
                ava.la_attr.bv_val = const_cast<char*>(a.type.data());
                ava.la_attr.bv_len = a.type.size();
                ava.la_value.bv_val = const_cast<char*>(a.value.data());
                ava.la_value.bv_len = a.value.size();
                ava.la_flags = LDAP_AVA_STRING;
                m_avas.push_back(ava);
                ptrs.push_back(&m_avas.back());
            }
            ptrs.push_back(nullptr);
            m_rdns.push_back(std::move(ptrs));
        }
        for (auto& r : m_rdns) m_dn.push_back(r.data());
        m_dn.push_back(nullptr);
    }
    LDAPDN get() { return m_dn.data(); }

private:
    std::vector<LDAPAVA> m_avas;
    std::vector<std::vector<LDAPAVA*>> m_rdns;
    std::vector<LDAPRDN> m_dn;
};

Result<LdapDn> parse_dn(std::string_view text) {
    LDAPDN dn = nullptr;
    const std::string s(text);
    const int rc = ldap_str2dn(s.c_str(), &dn, LDAP_DN_FORMAT_LDAPV3);
    if (rc != LDAP_SUCCESS) return make_error(Errc::publish_bad_config, "DN '" + s + "': " + ldap_err2string(rc));
    LdapDn out;
    for (LDAPRDN* r = dn; r != nullptr && *r != nullptr; ++r) {
        LdapRdn rdn;
        for (LDAPAVA** a = *r; *a != nullptr; ++a) {
            const bool binary = ((*a)->la_flags & LDAP_AVA_BINARY) != 0;
            rdn.push_back({std::string((*a)->la_attr.bv_val, (*a)->la_attr.bv_len),
                           std::string((*a)->la_value.bv_val, (*a)->la_value.bv_len)});
            if (binary) {
                ldap_dnfree(dn);
                return make_error(Errc::publish_bad_config, "DN '" + s + "': binary (#hex) values are not supported");
            }
        }
        out.push_back(std::move(rdn));
    }
    ldap_dnfree(dn);
    return out;
}

bool same_rdn(const LdapRdn& a, const LdapRdn& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i].type) != lower(b[i].type) || lower(a[i].value) != lower(b[i].value)) return false;
    }
    return true;
}

bool ends_with(const LdapDn& dn, const LdapDn& suffix) {
    if (suffix.size() > dn.size()) return false;
    const std::size_t off = dn.size() - suffix.size();
    for (std::size_t i = 0; i < suffix.size(); ++i)
        if (!same_rdn(dn[off + i], suffix[i])) return false;
    return true;
}

Result<std::string> read_password(const std::string& path) {
    std::ifstream f(path);
    if (!f) return make_error(Errc::publish_bad_config, "LDAP password file '" + path + "' cannot be read");
    std::string line;
    std::getline(f, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return make_error(Errc::publish_bad_config, "LDAP password file '" + path + "' is empty");
    return line;
}

// Who an entry is for: its structural class and the values it must carry depend on it.
enum class EntryRole { holder, ca, intermediate };

struct Classes {
    std::string structural;
    std::set<std::string> allows;  // lower-case attribute names the class allows (RDN attributes)
};

std::optional<Classes> structural_for(const std::string& rdn_type, EntryRole role) {
    const std::string t = lower(rdn_type);
    if (t == "c") return Classes{"country", {"c"}};
    if (t == "o") return Classes{"organization", {"o", "l", "st", "street", "postalcode"}};
    if (t == "ou") return Classes{"organizationalUnit", {"ou", "l", "st", "street", "postalcode"}};
    if (t == "l" || t == "st") return Classes{"locality", {"l", "st", "street"}};
    if (t == "dc") return Classes{"domain", {"dc", "o", "l", "st", "street", "postalcode"}};
    if (t == "uid") return Classes{"account", {"uid", "ou", "o", "l"}};
    if (t == "cn") {
        if (role == EntryRole::holder)
            return Classes{"inetOrgPerson",
                           {"cn", "sn", "uid", "ou", "o", "l", "st", "street", "postalcode", "title", "givenname"}};
        return Classes{"applicationProcess", {"cn", "ou", "l"}};
    }
    return std::nullopt;
}

// Owns the strings and values of one LDAPMod array.
class Mods {
public:
    void add(int op, std::string type, std::vector<std::string> values) {
        m_items.push_back({op, std::move(type), std::move(values), {}, {}});
    }
    LDAPMod** get() {
        m_mods.clear();
        m_ptrs.clear();
        m_mods.reserve(m_items.size());
        for (auto& it : m_items) {
            it.bvs.clear();
            it.bv_ptrs.clear();
            it.bvs.reserve(it.values.size());
            for (auto& v : it.values) it.bvs.push_back(berval{v.size(), v.data()});
            for (auto& b : it.bvs) it.bv_ptrs.push_back(&b);
            it.bv_ptrs.push_back(nullptr);
            LDAPMod m{};
            m.mod_op = it.op | LDAP_MOD_BVALUES;
            m.mod_type = it.type.data();
            m.mod_vals.modv_bvals = it.bv_ptrs.data();
            m_mods.push_back(m);
        }
        for (auto& m : m_mods) m_ptrs.push_back(&m);
        m_ptrs.push_back(nullptr);
        return m_ptrs.data();
    }

private:
    struct Item {
        int op;
        std::string type;
        std::vector<std::string> values;
        std::vector<berval> bvs;
        std::vector<berval*> bv_ptrs;
    };
    std::vector<Item> m_items;
    std::vector<LDAPMod> m_mods;
    std::vector<LDAPMod*> m_ptrs;
};

std::string bytes_string(BytesView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

}  // namespace

Result<LdapConfig> parse_ldap_config(std::string_view json_text) {
    auto j = nlohmann::json::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return make_error(Errc::publish_bad_config, "LDAP target: not a JSON object");
    LdapConfig c;
    for (const auto& item : j.items()) {
        const std::string& key = item.key();
        const nlohmann::json& v = item.value();
        auto text = [&](std::string& out) -> Status {
            if (!v.is_string())
                return make_error(Errc::publish_bad_config, "LDAP target: '" + key + "' must be a string");
            out = v.get<std::string>();
            return ok_status();
        };
        if (key == "url") {
            YX_TRY(text(c.url));
        } else if (key == "bind_dn") {
            YX_TRY(text(c.bind_dn));
        } else if (key == "password_file") {
            YX_TRY(text(c.password_file));
        } else if (key == "base_dn") {
            YX_TRY(text(c.base_dn));
        } else if (key == "ca_file") {
            YX_TRY(text(c.ca_file));
        } else if (key == "start_tls") {
            if (!v.is_boolean())
                return make_error(Errc::publish_bad_config, "LDAP target: 'start_tls' must be true or false");
            c.start_tls = v.get<bool>();
        } else if (key == "timeout_seconds") {
            if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 300)
                return make_error(Errc::publish_bad_config, "LDAP target: 'timeout_seconds' must be 1..300");
            c.timeout = std::chrono::seconds(v.get<long long>());
        } else {
            return make_error(Errc::publish_bad_config, "LDAP target: unknown key '" + key + "'");
        }
    }
    if (c.url.rfind("ldap://", 0) != 0 && c.url.rfind("ldaps://", 0) != 0)
        return make_error(Errc::publish_bad_config, "LDAP target: 'url' must be ldap://host:port or ldaps://host:port");
    if (c.bind_dn.empty() || c.password_file.empty() || c.base_dn.empty())
        return make_error(Errc::publish_bad_config,
                          "LDAP target: 'bind_dn', 'password_file' and 'base_dn' are required");
    YX_TRY(parse_dn(c.bind_dn));
    YX_ASSIGN_OR_RETURN(LdapDn base, parse_dn(c.base_dn));
    if (base.empty()) return make_error(Errc::publish_bad_config, "LDAP target: 'base_dn' must not be empty");
    if (c.start_tls && c.url.rfind("ldaps://", 0) == 0)
        return make_error(Errc::publish_bad_config, "LDAP target: 'start_tls' goes with ldap://, not ldaps://");
    return c;
}

std::string ldap_config_json(const LdapConfig& c) {
    nlohmann::json j{{"url", c.url},         {"bind_dn", c.bind_dn},     {"password_file", c.password_file},
                     {"base_dn", c.base_dn}, {"start_tls", c.start_tls}, {"timeout_seconds", c.timeout.count()}};
    if (!c.ca_file.empty()) j["ca_file"] = c.ca_file;
    return j.dump();
}

Result<LdapDn> entry_dn(const x509::Name& subject, std::string_view base_dn) {
    YX_ASSIGN_OR_RETURN(LdapDn base, parse_dn(base_dn));
    LdapDn dn;
    const auto& rdns = subject.rdns();
    if (rdns.empty()) return make_error(Errc::publish_unsupported_name, "an empty subject names no directory entry");
    // RFC 4514 2.1: the last RDN of the sequence comes first.
    for (auto it = rdns.rbegin(); it != rdns.rend(); ++it) {
        LdapRdn rdn;
        for (const auto& ava : *it) {
            auto name = ldap_attribute_name(ava.type);
            if (!name)
                return make_error(Errc::publish_unsupported_name,
                                  "subject attribute " + ava.type.to_string() + " has no LDAP attribute type");
            if (!ava.is_string || ava.value.empty())
                return make_error(Errc::publish_unsupported_name,
                                  "subject attribute " + std::string(*name) + " is not a character string");
            rdn.push_back({std::string(*name), ava.value});
        }
        dn.push_back(std::move(rdn));
    }
    if (!ends_with(dn, base)) dn.insert(dn.end(), base.begin(), base.end());
    return dn;
}

Result<std::string> dn_string(const LdapDn& dn) {
    DnView view(dn);
    char* out = nullptr;
    const int rc = ldap_dn2str(view.get(), &out, LDAP_DN_FORMAT_LDAPV3);
    if (rc != LDAP_SUCCESS || out == nullptr)
        return make_error(Errc::publish_unsupported_name, std::string("DN cannot be written: ") + ldap_err2string(rc));
    std::string s(out);
    ldap_memfree(out);
    return s;
}

struct LdapDirectory::Impl {
    LDAP* ld = nullptr;
    LdapConfig config;
    LdapDn base;
    timeval timeout{};

    ~Impl() {
        if (ld != nullptr) ldap_unbind_ext_s(ld, nullptr, nullptr);
    }

    // A libldap result as an error: client-side codes (negative: server down, timeout, connect
    // error) are publish.unreachable, the server's answers publish.rejected.
    Error failure(int rc, const std::string& what) const {
        std::string msg = what + ": " + ldap_err2string(rc) + " (" + std::to_string(rc) + ")";
        char* diag = nullptr;
        if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS && diag != nullptr) {
            if (*diag != '\0') msg += ": " + std::string(diag);
            ldap_memfree(diag);
        }
        const bool unreachable = rc < 0 || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
        return make_error(unreachable ? Errc::publish_unreachable : Errc::publish_rejected, msg);
    }

    // The entry's object classes (lower case), nullopt when it does not exist.
    Result<std::optional<std::set<std::string>>> object_classes(const std::string& dn) {
        char attr[] = "objectClass";
        char* attrs[] = {attr, nullptr};
        char filter[] = "(objectClass=*)";
        LDAPMessage* res = nullptr;
        timeval tv = timeout;
        const int rc =
            ldap_search_ext_s(ld, dn.c_str(), LDAP_SCOPE_BASE, filter, attrs, 0, nullptr, nullptr, &tv, 1, &res);
        if (rc == LDAP_NO_SUCH_OBJECT) {
            ldap_msgfree(res);
            return std::optional<std::set<std::string>>();
        }
        if (rc != LDAP_SUCCESS) {
            ldap_msgfree(res);
            return failure(rc, "search " + dn);
        }
        std::set<std::string> classes;
        if (LDAPMessage* e = ldap_first_entry(ld, res); e != nullptr) {
            berval** vals = ldap_get_values_len(ld, e, attr);
            for (berval** v = vals; v != nullptr && *v != nullptr; ++v)
                classes.insert(lower(std::string_view((*v)->bv_val, (*v)->bv_len)));
            ldap_value_free_len(vals);
        }
        ldap_msgfree(res);
        return std::optional<std::set<std::string>>(std::move(classes));
    }

    // Adds the entry dn[at..] with its RDN values, the classes for `role` and `extra` values.
    // LDAP_ALREADY_EXISTS is returned, not an error (another writer was first).
    Result<int> add_entry(const LdapDn& dn, std::size_t at, EntryRole role, const std::vector<std::string>& aux,
                          const std::vector<std::pair<std::string, std::string>>& extra) {
        const LdapDn sub(dn.begin() + static_cast<std::ptrdiff_t>(at), dn.end());
        YX_ASSIGN_OR_RETURN(std::string name, dn_string(sub));
        const LdapRdn& rdn = sub.front();
        auto cls = structural_for(rdn.front().type, role);
        if (!cls)
            return make_error(Errc::publish_unsupported_name,
                              "no object class for an entry named by '" + rdn.front().type + "' (" + name + ")");
        std::vector<std::string> classes{"top", cls->structural};
        bool extensible = false;
        Mods mods;
        std::map<std::string, std::vector<std::string>> values;
        for (const auto& a : rdn) {
            if (!cls->allows.contains(lower(a.type))) extensible = true;
            values[a.type].push_back(a.value);
        }
        // inetOrgPerson (RFC 2798) is a person: sn is mandatory (RFC 4519 2.32); the CN stands in.
        if (cls->structural == "inetOrgPerson" && !values.contains("sn")) values["sn"].push_back(rdn.front().value);
        if (extensible) classes.emplace_back("extensibleObject");
        classes.insert(classes.end(), aux.begin(), aux.end());
        mods.add(LDAP_MOD_ADD, "objectClass", classes);
        for (auto& [type, vs] : values) mods.add(LDAP_MOD_ADD, type, vs);
        for (const auto& [type, v] : extra) mods.add(LDAP_MOD_ADD, type, {v});
        const int rc = ldap_add_ext_s(ld, name.c_str(), mods.get(), nullptr, nullptr);
        if (rc == LDAP_SUCCESS || rc == LDAP_ALREADY_EXISTS) return rc;
        return failure(rc, "add " + name);
    }

    // Creates the missing parents of dn[0], down from the nearest existing ancestor (the base
    // entry at most: nothing above the base DN is created).
    Status ensure_parents(const LdapDn& dn) {
        const std::size_t base_at = dn.size() - base.size();
        std::size_t missing_from = 1;  // the first index (towards the root) of an existing ancestor
        for (missing_from = 1; missing_from <= base_at; ++missing_from) {
            YX_ASSIGN_OR_RETURN(std::string name,
                                dn_string(LdapDn(dn.begin() + static_cast<std::ptrdiff_t>(missing_from), dn.end())));
            YX_ASSIGN_OR_RETURN(auto classes, object_classes(name));
            if (classes) break;
        }
        for (std::size_t i = missing_from; i-- > 1;) {
            YX_TRY(add_entry(dn, i, EntryRole::intermediate, {}, {}));
        }
        return ok_status();
    }

    // Puts `value` into `attribute` of the entry, creating it (and its parents) when missing and
    // adding the auxiliary classes the attribute needs. `replace`: the value replaces all others.
    Status put(const LdapDn& dn, EntryRole role, const std::vector<std::string>& aux, const std::string& attribute,
               BytesView value, bool replace) {
        YX_ASSIGN_OR_RETURN(std::string name, dn_string(dn));
        YX_ASSIGN_OR_RETURN(auto classes, object_classes(name));
        if (!classes) {
            YX_TRY(ensure_parents(dn));
            YX_ASSIGN_OR_RETURN(int rc, add_entry(dn, 0, role, aux, {{attribute, bytes_string(value)}}));
            if (rc == LDAP_SUCCESS) return ok_status();
            YX_ASSIGN_OR_RETURN(classes, object_classes(name));  // added by someone else meanwhile
            if (!classes) return make_error(Errc::publish_rejected, "add " + name + ": exists and does not");
        }
        Mods mods;
        std::vector<std::string> missing;
        for (const auto& c : aux)
            if (!classes->contains(lower(c))) missing.push_back(c);
        if (!missing.empty()) mods.add(LDAP_MOD_ADD, "objectClass", missing);
        mods.add(replace ? LDAP_MOD_REPLACE : LDAP_MOD_ADD, attribute, {bytes_string(value)});
        const int rc = ldap_modify_ext_s(ld, name.c_str(), mods.get(), nullptr, nullptr);
        // RFC 4511 4.6: adding a value that is present is attributeOrValueExists; it is published.
        if (rc == LDAP_SUCCESS || (!replace && rc == LDAP_TYPE_OR_VALUE_EXISTS)) return ok_status();
        return failure(rc, "modify " + name + " (" + attribute + ")");
    }
};

LdapDirectory::LdapDirectory(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
LdapDirectory::~LdapDirectory() = default;

Result<std::unique_ptr<LdapDirectory>> LdapDirectory::connect(const LdapConfig& config) {
    auto impl = std::make_unique<Impl>();
    impl->config = config;
    impl->timeout = timeval{static_cast<time_t>(config.timeout.count()), 0};
    YX_ASSIGN_OR_RETURN(impl->base, parse_dn(config.base_dn));
    YX_ASSIGN_OR_RETURN(std::string password, read_password(config.password_file));
    int rc = ldap_initialize(&impl->ld, config.url.c_str());
    if (rc != LDAP_SUCCESS)
        return make_error(Errc::publish_bad_config, "LDAP URL '" + config.url + "': " + ldap_err2string(rc));
    const int version = LDAP_VERSION3;
    ldap_set_option(impl->ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(impl->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    ldap_set_option(impl->ld, LDAP_OPT_NETWORK_TIMEOUT, &impl->timeout);
    ldap_set_option(impl->ld, LDAP_OPT_TIMEOUT, &impl->timeout);
    if (!config.ca_file.empty()) {
        const int demand = LDAP_OPT_X_TLS_DEMAND;
        const int new_ctx = 0;
        if (ldap_set_option(impl->ld, LDAP_OPT_X_TLS_CACERTFILE, config.ca_file.c_str()) != LDAP_OPT_SUCCESS ||
            ldap_set_option(impl->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
            ldap_set_option(impl->ld, LDAP_OPT_X_TLS_NEWCTX, &new_ctx) != LDAP_OPT_SUCCESS)
            return make_error(Errc::publish_bad_config, "LDAP CA file '" + config.ca_file + "' cannot be used");
    }
    if (config.start_tls) {
        rc = ldap_start_tls_s(impl->ld, nullptr, nullptr);
        if (rc != LDAP_SUCCESS) {
            Error e = impl->failure(rc, "StartTLS with " + config.url);
            e.code = Errc::publish_unreachable;
            return e;
        }
    }
    berval cred{password.size(), password.data()};
    rc = ldap_sasl_bind_s(impl->ld, config.bind_dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
    std::fill(password.begin(), password.end(), '\0');
    if (rc != LDAP_SUCCESS) {
        Error e = impl->failure(rc, "bind to " + config.url + " as " + config.bind_dn);
        e.code = Errc::publish_unreachable;
        return e;
    }
    return std::unique_ptr<LdapDirectory>(new LdapDirectory(std::move(impl)));
}

Status LdapDirectory::publish_certificate(const x509::Certificate& certificate) {
    YX_ASSIGN_OR_RETURN(LdapDn dn, entry_dn(certificate.subject(), m_impl->config.base_dn));
    return m_impl->put(dn, EntryRole::holder, {"pkiUser"}, "userCertificate;binary", certificate.der(), false);
}

Status LdapDirectory::publish_ca_certificate(const x509::Certificate& ca_certificate) {
    YX_ASSIGN_OR_RETURN(LdapDn dn, entry_dn(ca_certificate.subject(), m_impl->config.base_dn));
    return m_impl->put(dn, EntryRole::ca, {"pkiCA", "deltaCRL"}, "cACertificate;binary", ca_certificate.der(), false);
}

Status LdapDirectory::publish_crl(const x509::Certificate& ca_certificate, ca::CrlScope scope, BytesView crl_der) {
    YX_ASSIGN_OR_RETURN(LdapDn dn, entry_dn(ca_certificate.subject(), m_impl->config.base_dn));
    std::string attribute = "certificateRevocationList;binary";
    if (scope == ca::CrlScope::delta) attribute = "deltaRevocationList;binary";
    if (scope == ca::CrlScope::arl) attribute = "authorityRevocationList;binary";
    return m_impl->put(dn, EntryRole::ca, {"pkiCA", "deltaCRL"}, attribute, crl_der, true);
}

}  // namespace yinxin::publish
