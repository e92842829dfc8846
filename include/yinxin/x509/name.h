// X.501 Name as used by RFC 5280 4.1.2.4: an RDNSequence of SETs of AttributeTypeAndValue.
//
// A parsed Name keeps its DER exactly as received (der()), so issuer/subject chaining can compare
// bytes first and a certificate or CRL built from it repeats the issuer verbatim.
//
//     YX_ASSIGN_OR_RETURN(Name n, Name::build({{"C", "CN"}, {"O", "某某市数字证书中心"}, {"CN", "张三"}}));
//     n.to_string();             // "CN=张三,O=某某市数字证书中心,C=CN"    (RFC 4514: last RDN first)
//     n.to_display_string();     // "C=CN, O=某某市数字证书中心, CN=张三"  (encoding order, as GM tools show)
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/asn1/tag.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/x509/options.h"

namespace yinxin::x509 {

struct AttributeTypeAndValue {
    asn1::Oid type;
    // Tag of the value as received; a DirectoryString choice (UTF8String, PrintableString,
    // TeletexString, BMPString, UniversalString) or IA5String for emailAddress/domainComponent.
    asn1::Tag value_tag;
    // The value as UTF-8 when value_tag is a character string type. Any other value type (X.520
    // x500UniqueIdentifier is formally a BIT STRING) is kept as "#" + hex of its TLV (RFC 4514 2.4)
    // and is_string is false.
    std::string value;
    bool is_string = true;
    Bytes raw;  // the AttributeTypeAndValue TLV as received (or as built)
};

using RelativeDistinguishedName = std::vector<AttributeTypeAndValue>;

// One attribute for Name::build. The value is UTF-8. Without `tag`, X.520 / RFC 5280 Appendix A
// decide: PrintableString for countryName, serialNumber and dnQualifier, IA5String for
// emailAddress and domainComponent, UTF8String otherwise (RFC 5280 4.1.2.6: new certificates use
// UTF8String for DirectoryString).
struct NameAttribute {
    asn1::Oid type;
    std::string value;
    std::optional<asn1::Tag> tag;
};

class Name {
public:
    Name() = default;  // the empty RDNSequence (DER 30 00)

    // Parses the Name TLV (a SEQUENCE). x509.bad_name for a structure that is not an RDNSequence
    // (empty RDN SET, value not decodable under its tag ...); asn1 errors become x509.bad_encoding.
    static Result<Name> parse(BytesView der, const ParseOptions& options = {});
    static Result<Name> from_element(const asn1::Element& e);

    // Attributes by label ("C", "ST", "L", "O", "OU", "CN", "E", "emailAddress", "serialNumber",
    // "x500UniqueIdentifier", "DC", "UID", or a dotted OID), one RDN each, in encoding order.
    // An unknown label, an empty value, a value outside the chosen string type, or a country that
    // is not two letters (X.520 6.3.1) is x509.bad_name.
    static Result<Name> build(std::initializer_list<std::pair<std::string_view, std::string_view>> attrs);
    static Result<Name> build(const std::vector<std::pair<std::string, std::string>>& attrs);
    static Result<Name> build(const std::vector<NameAttribute>& attrs);
    // Multi-valued RDNs: each inner vector is one RDN (a DER SET OF, sorted by the writer).
    static Result<Name> build_rdns(const std::vector<std::vector<NameAttribute>>& rdns);

    // The Name TLV (as received when parsed).
    const Bytes& der() const { return m_der; }
    const std::vector<RelativeDistinguishedName>& rdns() const { return m_rdns; }
    bool empty() const { return m_rdns.empty(); }

    // First value of an attribute in encoding order (e.g. oids::at_common_name).
    std::optional<std::string> get(const asn1::Oid& type) const;
    std::vector<std::string> get_all(const asn1::Oid& type) const;

    // RFC 4514 2.1: RDNs from last to first, ',' between RDNs, '+' inside one, values escaped per
    // 2.4. Labels are the GM-familiar short names (C, ST, L, O, OU, CN, E, serialNumber, ...);
    // an attribute type without one is printed as a dotted OID with '#' + hex of the value TLV.
    std::string to_string() const;
    // Encoding order with ", " separators and no escaping beyond RFC 4514's special characters, as
    // OpenSSL's default output and GM certificate tools show names (C=CN, O=..., CN=...).
    std::string to_display_string() const;

    // RFC 5280 7.1: byte-equal DER, or the same RDN structure with the same attribute types and
    // values that compare equal after RFC 4518-style preparation (leading/trailing white space
    // removed, inner runs collapsed to one space, ASCII case folded) whatever their string types.
    // Non-string values compare by their raw TLV.
    friend bool operator==(const Name& a, const Name& b);

private:
    Bytes m_der{0x30, 0x00};
    std::vector<RelativeDistinguishedName> m_rdns;
};

// The label Name::to_string uses for an attribute type ("CN", "E", ...), empty when none.
std::string_view name_attribute_label(const asn1::Oid& type);
// Label (as accepted by Name::build) to attribute type; nullopt when unknown.
std::optional<asn1::Oid> name_attribute_from_label(std::string_view label);

}  // namespace yinxin::x509
