#include "yinxin/x509/name.h"

#include <algorithm>
#include <array>

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/strings.h"
#include "yinxin/asn1/writer.h"

namespace yinxin::x509 {

namespace oids = asn1::oids;
using asn1::Tag;
namespace tags = asn1::tags;

namespace detail {

bool is_string_tag(Tag tag) {
    if (tag.tag_class != asn1::TagClass::universal) return false;
    switch (tag.number) {
        case 12:
        case 18:
        case 19:
        case 20:
        case 22:
        case 26:
        case 28:
        case 30: return true;
        default: return false;
    }
}

Status write_string(asn1::Writer& w, Tag tag, std::string_view value) {
    const Tag t = tag.as_constructed(false);
    auto bad = [&](const char* type) {
        return make_error(Errc::invalid_argument,
                          std::string("value not representable as ") + type + ": \"" + std::string(value) + "\"");
    };
    if (t == tags::utf8_string) {
        if (!asn1::is_utf8(value)) return bad("UTF8String");
        w.utf8_string(value);
    } else if (t == tags::printable_string) {
        if (!asn1::is_printable_string(value)) return bad("PrintableString");
        w.printable_string(value);
    } else if (t == tags::ia5_string) {
        if (!asn1::is_ia5_string(value)) return bad("IA5String");
        w.ia5_string(value);
    } else if (t == tags::visible_string) {
        if (!asn1::is_visible_string(value)) return bad("VisibleString");
        w.visible_string(value);
    } else if (t == tags::numeric_string) {
        if (!asn1::is_numeric_string(value)) return bad("NumericString");
        w.numeric_string(value);
    } else if (t == tags::bmp_string) {
        if (!asn1::is_utf8(value) || !asn1::utf8_to_bmp(value).ok()) return bad("BMPString");
        w.bmp_string(value);
    } else {
        return make_error(Errc::invalid_argument, "cannot write a string with tag " + tag.to_string());
    }
    return w.status();
}

}  // namespace detail

namespace {

struct Label {
    asn1::Oid oid;
    std::string_view label;
};

// GM-familiar labels: RFC 4514 3 (CN L ST O OU C STREET DC UID) plus the ones OpenSSL and GM
// certificate tools print (E, serialNumber, SN, GN, title, x500UniqueIdentifier ...).
constexpr std::array k_labels{
    Label{oids::at_country, "C"},
    Label{oids::at_state, "ST"},
    Label{oids::at_locality, "L"},
    Label{oids::at_organization, "O"},
    Label{oids::at_organizational_unit, "OU"},
    Label{oids::at_common_name, "CN"},
    Label{oids::at_email_address, "E"},
    Label{oids::at_serial_number, "serialNumber"},
    Label{oids::at_surname, "SN"},
    Label{oids::at_given_name, "GN"},
    Label{oids::at_street, "STREET"},
    Label{oids::at_title, "title"},
    Label{oids::at_postal_code, "postalCode"},
    Label{oids::at_x500_unique_identifier, "x500UniqueIdentifier"},
    Label{oids::at_dn_qualifier, "dnQualifier"},
    Label{oids::at_pseudonym, "pseudonym"},
    Label{oids::at_organization_identifier, "organizationIdentifier"},
    Label{oids::at_user_id, "UID"},
    Label{oids::at_domain_component, "DC"},
};

// Extra spellings accepted by Name::build.
constexpr std::array k_label_aliases{
    Label{oids::at_email_address, "emailAddress"},
    Label{oids::at_email_address, "email"},
    Label{oids::at_state, "S"},
    Label{oids::at_street, "street"},
    Label{oids::at_given_name, "givenName"},
    Label{oids::at_surname, "surname"},
    Label{oids::at_common_name, "commonName"},
    Label{oids::at_country, "countryName"},
    Label{oids::at_locality, "localityName"},
    Label{oids::at_state, "stateOrProvinceName"},
    Label{oids::at_organization, "organizationName"},
    Label{oids::at_organizational_unit, "organizationalUnitName"},
    Label{oids::at_serial_number, "SERIALNUMBER"},
};

// X.520 / RFC 5280 Appendix A value types.
Tag default_tag(const asn1::Oid& type) {
    if (type == oids::at_country || type == oids::at_serial_number || type == oids::at_dn_qualifier)
        return tags::printable_string;
    if (type == oids::at_email_address || type == oids::at_domain_component) return tags::ia5_string;
    return tags::utf8_string;
}

Error bad_name(std::string msg) { return make_error(Errc::x509_bad_name, std::move(msg)); }

Result<AttributeTypeAndValue> parse_atv(const asn1::Element& atv) {
    asn1::Reader a = atv.children();
    AttributeTypeAndValue x;
    YX_X509_ASSIGN(x.type, Errc::x509_bad_encoding, "AttributeTypeAndValue type", a.read_oid());
    YX_X509_ASSIGN(asn1::Element v, Errc::x509_bad_encoding, "AttributeTypeAndValue value", a.read());
    YX_X509_TRY(Errc::x509_bad_encoding, "AttributeTypeAndValue", a.expect_end());
    x.value_tag = v.tag();
    x.raw = Bytes(atv.raw().begin(), atv.raw().end());
    if (detail::is_string_tag(v.tag())) {
        auto s = v.as_string();
        if (!s.ok()) return bad_name("attribute " + x.type.to_string() + ": " + s.error().to_string());
        x.value = std::move(s).value();
        x.is_string = true;
    } else {
        x.value = "#" + hex_encode(v.raw());
        x.is_string = false;
    }
    return x;
}

// RFC 4514 2.4 escaping.
std::string escape_value(const AttributeTypeAndValue& atv) {
    if (!atv.is_string) return atv.value;
    const std::string& v = atv.value;
    std::string out;
    out.reserve(v.size() + 4);
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        const bool special = c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' || c == '\\';
        const bool lead = i == 0 && (c == ' ' || c == '#');
        const bool trail = i + 1 == v.size() && c == ' ';
        if (c == '\0') {
            out += "\\00";
        } else {
            if (special || lead || trail) out += '\\';
            out += c;
        }
    }
    return out;
}

std::string format_atv(const AttributeTypeAndValue& atv) {
    std::string_view label = name_attribute_label(atv.type);
    if (label.empty()) {
        // RFC 4514 2.4: a dotted type is followed by '#' and the hex of the value's BER encoding.
        std::string s = atv.type.to_string() + "=";
        if (atv.is_string) {
            asn1::Reader r(atv.raw);
            auto seq = r.read_sequence();
            if (seq.ok()) {
                asn1::Reader in = seq->children();
                (void)in.skip();
                s += "#" + hex_encode(in.remaining());
                return s;
            }
        }
        return s + atv.value;
    }
    return std::string(label) + "=" + escape_value(atv);
}

std::string format_rdn(const RelativeDistinguishedName& rdn, std::string_view plus) {
    std::string s;
    for (std::size_t i = 0; i < rdn.size(); ++i) {
        if (i != 0) s += plus;
        s += format_atv(rdn[i]);
    }
    return s;
}

// RFC 4518-style preparation for comparison (RFC 5280 7.1): insignificant space handling and
// ASCII case folding.
std::string prepare(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    bool pending_space = false;
    for (char c : v) {
        const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        if (space) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

// Comparison key of one attribute: type, then the prepared string or the raw TLV.
std::pair<Bytes, std::string> compare_key(const AttributeTypeAndValue& atv) {
    const BytesView t = atv.type.der();
    return {Bytes(t.begin(), t.end()), atv.is_string ? "s" + prepare(atv.value) : "r" + hex_encode(atv.raw)};
}

}  // namespace

std::string_view name_attribute_label(const asn1::Oid& type) {
    for (const Label& l : k_labels)
        if (l.oid == type) return l.label;
    return {};
}

std::optional<asn1::Oid> name_attribute_from_label(std::string_view label) {
    for (const Label& l : k_labels)
        if (l.label == label) return l.oid;
    for (const Label& l : k_label_aliases)
        if (l.label == label) return l.oid;
    if (!label.empty() && label[0] >= '0' && label[0] <= '2') {
        auto o = asn1::Oid::from_string(label);
        if (o.ok()) return *o;
    }
    return std::nullopt;
}

Result<Name> Name::from_element(const asn1::Element& e) {
    if (!e.is(tags::sequence)) return bad_name("Name is not a SEQUENCE (" + e.tag().to_string() + ")");
    Name n;
    n.m_der = Bytes(e.raw().begin(), e.raw().end());
    asn1::Reader r = e.children();
    while (!r.at_end()) {
        YX_X509_ASSIGN(asn1::Element set, Errc::x509_bad_encoding, "RelativeDistinguishedName", r.read_set());
        asn1::Reader rr = set.children();
        // X.501: RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue.
        if (rr.at_end()) return bad_name("empty RelativeDistinguishedName");
        RelativeDistinguishedName rdn;
        while (!rr.at_end()) {
            YX_X509_ASSIGN(asn1::Element atv, Errc::x509_bad_encoding, "AttributeTypeAndValue", rr.read_sequence());
            YX_ASSIGN_OR_RETURN(AttributeTypeAndValue x, parse_atv(atv));
            rdn.push_back(std::move(x));
        }
        n.m_rdns.push_back(std::move(rdn));
    }
    return n;
}

Result<Name> Name::parse(BytesView der, const ParseOptions& options) {
    YX_X509_ASSIGN(asn1::Element e, Errc::x509_bad_encoding, "Name", asn1::read_single(der, options.reader_options()));
    return from_element(e);
}

Result<Name> Name::build_rdns(const std::vector<std::vector<NameAttribute>>& rdns) {
    asn1::Writer w;
    Status st;
    w.sequence([&](asn1::Writer& seq) {
        for (const auto& rdn : rdns) {
            if (rdn.empty() && st.ok()) st = bad_name("empty RelativeDistinguishedName");
            seq.set_of([&](asn1::Writer& set) {
                for (const NameAttribute& a : rdn) {
                    if (!st.ok()) return;
                    if (a.value.empty()) {
                        st = bad_name("empty value for attribute " + a.type.to_string());
                        return;
                    }
                    // X.520 6.3.1: countryName is a two-letter ISO 3166 code.
                    if (a.type == oids::at_country && (a.value.size() != 2 || !asn1::is_printable_string(a.value))) {
                        st = bad_name("countryName must be a two-letter code, got \"" + a.value + "\"");
                        return;
                    }
                    set.sequence([&](asn1::Writer& atv) {
                        atv.oid(a.type);
                        Status s = detail::write_string(atv, a.tag.value_or(default_tag(a.type)), a.value);
                        if (!s.ok()) st = bad_name("attribute " + a.type.to_string() + ": " + s.error().message);
                    });
                }
            });
        }
    });
    if (!st.ok()) return st.error();
    YX_X509_ASSIGN(Bytes der, Errc::x509_bad_name, "Name", w.finish());
    return parse(der);
}

Result<Name> Name::build(const std::vector<NameAttribute>& attrs) {
    std::vector<std::vector<NameAttribute>> rdns;
    rdns.reserve(attrs.size());
    for (const auto& a : attrs) rdns.push_back({a});
    return build_rdns(rdns);
}

Result<Name> Name::build(const std::vector<std::pair<std::string, std::string>>& attrs) {
    std::vector<NameAttribute> list;
    for (const auto& [label, value] : attrs) {
        auto oid = name_attribute_from_label(label);
        if (!oid) return bad_name("unknown name attribute label \"" + label + "\"");
        list.push_back({*oid, value, std::nullopt});
    }
    return build(list);
}

Result<Name> Name::build(std::initializer_list<std::pair<std::string_view, std::string_view>> attrs) {
    std::vector<std::pair<std::string, std::string>> list;
    for (const auto& [l, v] : attrs) list.emplace_back(std::string(l), std::string(v));
    return build(list);
}

std::optional<std::string> Name::get(const asn1::Oid& type) const {
    for (const auto& rdn : m_rdns)
        for (const auto& atv : rdn)
            if (atv.type == type) return atv.value;
    return std::nullopt;
}

std::vector<std::string> Name::get_all(const asn1::Oid& type) const {
    std::vector<std::string> out;
    for (const auto& rdn : m_rdns)
        for (const auto& atv : rdn)
            if (atv.type == type) out.push_back(atv.value);
    return out;
}

std::string Name::to_string() const {
    std::string s;
    for (std::size_t i = m_rdns.size(); i-- > 0;) {
        if (i + 1 != m_rdns.size()) s += ',';
        s += format_rdn(m_rdns[i], "+");
    }
    return s;
}

std::string Name::to_display_string() const {
    std::string s;
    for (std::size_t i = 0; i < m_rdns.size(); ++i) {
        if (i != 0) s += ", ";
        s += format_rdn(m_rdns[i], " + ");
    }
    return s;
}

bool operator==(const Name& a, const Name& b) {
    if (a.m_der == b.m_der) return true;
    if (a.m_rdns.size() != b.m_rdns.size()) return false;
    for (std::size_t i = 0; i < a.m_rdns.size(); ++i) {
        const auto& ra = a.m_rdns[i];
        const auto& rb = b.m_rdns[i];
        if (ra.size() != rb.size()) return false;
        if (ra.size() == 1) {
            if (compare_key(ra[0]) != compare_key(rb[0])) return false;
            continue;
        }
        // An RDN is a set: compare sorted keys (n log n even for a hostile multi-valued RDN).
        std::vector<std::pair<Bytes, std::string>> ka;
        std::vector<std::pair<Bytes, std::string>> kb;
        for (const auto& x : ra) ka.push_back(compare_key(x));
        for (const auto& x : rb) kb.push_back(compare_key(x));
        std::sort(ka.begin(), ka.end());
        std::sort(kb.begin(), kb.end());
        if (ka != kb) return false;
    }
    return true;
}

}  // namespace yinxin::x509
