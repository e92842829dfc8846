// Certificate extensions (RFC 5280 4.2) and GM/T 0015 identity extensions: the generic Extension,
// typed values with decoders (extnValue → value) and encoders (value → Extension), and the
// Extensions set shared by certificates and CSR extensionRequest attributes (RFC 2985 5.4.2).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/x509/name.h"
#include "yinxin/x509/options.h"

namespace yinxin::x509 {

struct Extension {
    asn1::Oid oid;
    bool critical = false;
    Bytes value;  // extnValue: the octets inside the OCTET STRING, as received
};

// ---------------------------------------------------------------------------------------------
// GeneralName (RFC 5280 4.2.1.6)

enum class GeneralNameType : std::uint8_t {
    other_name = 0,
    rfc822_name = 1,
    dns_name = 2,
    x400_address = 3,
    directory_name = 4,
    edi_party_name = 5,
    uri = 6,
    ip_address = 7,
    registered_id = 8,
};

struct GeneralName {
    GeneralNameType type = GeneralNameType::dns_name;
    std::string text;  // rfc822Name, dNSName, uniformResourceIdentifier (IA5String)
    Name directory;    // directoryName
    Bytes ip;          // iPAddress octets
    asn1::Oid oid;     // registeredID, or the type-id of an otherName
    Bytes raw;         // the GeneralName TLV as received (empty when built)

    static GeneralName rfc822(std::string email);
    static GeneralName dns(std::string name);
    static GeneralName uri(std::string uri);
    static GeneralName directory_name(Name name);
    static GeneralName ip_address(Bytes octets);
    static GeneralName registered(asn1::Oid oid);
};

// ---------------------------------------------------------------------------------------------
// Typed values

struct BasicConstraints {  // RFC 5280 4.2.1.9
    bool ca = false;
    std::optional<std::uint32_t> path_len;
};

enum class KeyUsageBit : std::uint8_t {  // RFC 5280 4.2.1.3 named bits
    digital_signature = 0,
    non_repudiation = 1,  // contentCommitment
    key_encipherment = 2,
    data_encipherment = 3,
    key_agreement = 4,
    key_cert_sign = 5,
    crl_sign = 6,
    encipher_only = 7,
    decipher_only = 8,
};

struct KeyUsage {
    std::uint32_t bits = 0;  // bit i = named bit i

    static KeyUsage of(std::initializer_list<KeyUsageBit> list);
    bool has(KeyUsageBit b) const { return (bits >> static_cast<unsigned>(b)) & 1u; }
    KeyUsage& set(KeyUsageBit b) {
        bits |= 1u << static_cast<unsigned>(b);
        return *this;
    }
    friend bool operator==(KeyUsage, KeyUsage) = default;
};

struct ExtendedKeyUsage {  // RFC 5280 4.2.1.12
    std::vector<asn1::Oid> purposes;
    bool has(const asn1::Oid& purpose) const;
};

struct AuthorityKeyIdentifier {  // RFC 5280 4.2.1.1
    std::optional<Bytes> key_id;
    std::vector<GeneralName> issuer;  // authorityCertIssuer
    std::optional<Bytes> serial;      // authorityCertSerialNumber, INTEGER content octets
};

struct DistributionPoint {  // RFC 5280 4.2.1.13
    std::vector<GeneralName> full_name;
    bool relative_name = false;            // nameRelativeToCRLIssuer present (kept as a flag only)
    std::optional<std::uint32_t> reasons;  // ReasonFlags named bits
    std::vector<GeneralName> crl_issuer;
};

struct CrlDistributionPoints {
    std::vector<DistributionPoint> points;
    // Every URI of every fullName, in order.
    std::vector<std::string> uris() const;
};

struct AccessDescription {  // RFC 5280 4.2.2.1
    asn1::Oid method;
    GeneralName location;
};

struct AuthorityInfoAccess {
    std::vector<AccessDescription> descriptions;
    std::vector<std::string> ocsp_uris() const;
    std::vector<std::string> ca_issuers_uris() const;
};

struct PolicyInformation {  // RFC 5280 4.2.1.4
    asn1::Oid policy;
    std::vector<std::string> cps_uris;            // id-qt-cps qualifiers
    std::optional<std::string> user_notice_text;  // id-qt-unotice explicitText, UTF-8
};

struct CertificatePolicies {
    std::vector<PolicyInformation> policies;
    bool has(const asn1::Oid& policy) const;
};

struct SubjectAltName {  // RFC 5280 4.2.1.6
    std::vector<GeneralName> names;
    std::vector<std::string> of_type(GeneralNameType type) const;  // text values (email, DNS, URI)
};

// GM/T 0015-2012 identity extensions 1.2.156.10260.4.1.1-.5, the 2023 additions (4.1.1.1,
// 4.1.1.2, 4.4 USCC) and the legacy 1.2.86.11.7.x arc (gm-and-seal-formats §3).
enum class IdentifyCodeKind : std::uint8_t {
    unspecified,            // a bare string, or any extension other than IdentifyCode
    resident_card,          // [0] residenterCardNumber PrintableString
    military_officer_card,  // [1] militaryOfficerCardNumber UTF8String
    passport,               // [2] passportNumber PrintableString
};

struct GmIdentity {
    asn1::Oid oid;
    IdentifyCodeKind kind = IdentifyCodeKind::unspecified;
    std::string value;
};

// True for the OIDs above (decoded into GmIdentity by Extensions).
bool is_gm_identity_oid(const asn1::Oid& oid);

// ---------------------------------------------------------------------------------------------
// Decoders: extnValue octets → value. x509.bad_extension on malformed input. `options.lenient`
// reads BER.

Result<BasicConstraints> decode_basic_constraints(BytesView value, const ParseOptions& options = {});
Result<KeyUsage> decode_key_usage(BytesView value, const ParseOptions& options = {});
Result<ExtendedKeyUsage> decode_ext_key_usage(BytesView value, const ParseOptions& options = {});
Result<Bytes> decode_subject_key_identifier(BytesView value, const ParseOptions& options = {});
Result<AuthorityKeyIdentifier> decode_authority_key_identifier(BytesView value, const ParseOptions& options = {});
Result<CrlDistributionPoints> decode_crl_distribution_points(BytesView value, const ParseOptions& options = {});
Result<AuthorityInfoAccess> decode_authority_info_access(BytesView value, const ParseOptions& options = {});
Result<CertificatePolicies> decode_certificate_policies(BytesView value, const ParseOptions& options = {});
Result<SubjectAltName> decode_subject_alt_name(BytesView value, const ParseOptions& options = {});
Result<std::vector<GeneralName>> decode_general_names(BytesView value, const ParseOptions& options = {});
// RFC 6960 4.2.2.2.1: the value is NULL; empty octets are accepted too, as some producers write.
Status decode_ocsp_no_check(BytesView value, const ParseOptions& options = {});
// GM/T 0015: a PrintableString inside extnValue. Parsed leniently whatever the options: any
// character string type is accepted, and so are bare text octets without a TLV (producers that
// forgot the tag; clients strip `13 12` anyway). IdentifyCode's CHOICE is read with EXPLICIT
// (XiPKI) or IMPLICIT context tags, or as a bare string (kind unspecified).
Result<GmIdentity> decode_gm_identity(const asn1::Oid& oid, BytesView value);

// ---------------------------------------------------------------------------------------------
// Encoders: value → Extension (DER). Defaults for `critical` follow RFC 5280 (basicConstraints
// critical in CA certificates, keyUsage SHOULD be critical) and GM/T 0015 (identity extensions
// non-critical). Invalid input (a URI outside IA5String, an empty list) is base.invalid_argument.

Result<Extension> encode_basic_constraints(const BasicConstraints& v, bool critical = true);
Result<Extension> encode_key_usage(KeyUsage v, bool critical = true);
Result<Extension> encode_ext_key_usage(const ExtendedKeyUsage& v, bool critical = false);
Result<Extension> encode_subject_key_identifier(BytesView key_id);
Result<Extension> encode_authority_key_identifier(const AuthorityKeyIdentifier& v);
Result<Extension> encode_crl_distribution_points(const CrlDistributionPoints& v);
Result<Extension> encode_authority_info_access(const AuthorityInfoAccess& v);
Result<Extension> encode_certificate_policies(const CertificatePolicies& v, bool critical = false);
Result<Extension> encode_subject_alt_name(const SubjectAltName& v, bool critical = false);
Result<Extension> encode_ocsp_no_check();
// PrintableString value (GM/T 0015-2012); a value outside PrintableString is base.invalid_argument.
// For IdentifyCode (1.2.156.10260.4.1.1) a kind other than unspecified is written as the CHOICE
// with an EXPLICIT context tag, as XiPKI does ([1] militaryOfficerCardNumber as UTF8String).
Result<Extension> encode_gm_identity(const GmIdentity& v, bool critical = false);

// Convenience: URI lists.
CrlDistributionPoints crl_distribution_points_from_uris(const std::vector<std::string>& uris);
AuthorityInfoAccess authority_info_access_from_uris(const std::vector<std::string>& ocsp,
                                                    const std::vector<std::string>& ca_issuers);

// RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. Here with SM3
// truncated to 20 octets (method (1) allows "other methods"; GM CAs commonly use SHA-1 or SM3),
// or SHA-1 when `sha1` is set, for interoperability with tools that recompute it.
Bytes key_identifier(BytesView subject_public_key_bits, bool sha1 = false);

// ---------------------------------------------------------------------------------------------
// Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension, decoded.

class Extensions {
public:
    Extensions() = default;

    // `seq` is the SEQUENCE OF Extension. A repeated OID is x509.duplicate_extension (RFC 5280
    // 4.2: "MUST NOT include more than one instance of a particular extension"); a known
    // extension that does not decode is x509.bad_extension (lenient: recorded, see options.h).
    static Result<Extensions> parse(const asn1::Element& seq, const ParseOptions& options = {});
    // Decodes a list built in memory (same checks).
    static Result<Extensions> from_list(std::vector<Extension> list, const ParseOptions& options = {});

    const std::vector<Extension>& list() const { return m_list; }
    bool empty() const { return m_list.empty(); }
    std::size_t size() const { return m_list.size(); }
    const Extension* find(const asn1::Oid& oid) const;

    const std::optional<BasicConstraints>& basic_constraints() const { return m_basic_constraints; }
    const std::optional<KeyUsage>& key_usage() const { return m_key_usage; }
    const std::optional<ExtendedKeyUsage>& ext_key_usage() const { return m_ext_key_usage; }
    const std::optional<Bytes>& subject_key_identifier() const { return m_ski; }
    const std::optional<AuthorityKeyIdentifier>& authority_key_identifier() const { return m_aki; }
    const std::optional<CrlDistributionPoints>& crl_distribution_points() const { return m_crldp; }
    const std::optional<AuthorityInfoAccess>& authority_info_access() const { return m_aia; }
    const std::optional<CertificatePolicies>& certificate_policies() const { return m_policies; }
    const std::optional<SubjectAltName>& subject_alt_name() const { return m_san; }
    bool ocsp_no_check() const { return m_ocsp_no_check; }
    const std::vector<GmIdentity>& gm_identities() const { return m_gm; }
    std::optional<std::string> gm_identity(const asn1::Oid& oid) const;

    // Lenient parsing only: known extensions that did not decode (their typed value is absent).
    const std::vector<Error>& decode_errors() const { return m_decode_errors; }

    // Extensions this library decodes, and so understands when they are critical (RFC 5280 4.2:
    // a certificate with an unrecognised critical extension MUST be rejected).
    static bool is_known(const asn1::Oid& oid);

private:
    Status decode_one(const Extension& ext, const ParseOptions& options);

    std::vector<Extension> m_list;
    std::optional<BasicConstraints> m_basic_constraints;
    std::optional<KeyUsage> m_key_usage;
    std::optional<ExtendedKeyUsage> m_ext_key_usage;
    std::optional<Bytes> m_ski;
    std::optional<AuthorityKeyIdentifier> m_aki;
    std::optional<CrlDistributionPoints> m_crldp;
    std::optional<AuthorityInfoAccess> m_aia;
    std::optional<CertificatePolicies> m_policies;
    std::optional<SubjectAltName> m_san;
    bool m_ocsp_no_check = false;
    std::vector<GmIdentity> m_gm;
    std::vector<Error> m_decode_errors;
};

// Writes `Extensions ::= SEQUENCE OF Extension` (critical FALSE omitted, X.690 11.5).
Result<Bytes> encode_extensions(const std::vector<Extension>& list);

}  // namespace yinxin::x509
