// Extension decoders, encoders and the Extensions set (RFC 5280 4.2, GM/T 0015).
#include "yinxin/x509/extensions.h"

#include <openssl/evp.h>

#include <algorithm>
#include <set>

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/strings.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::x509 {

namespace oids = asn1::oids;
namespace tags = asn1::tags;
using asn1::Element;
using asn1::Reader;
using asn1::Tag;
using asn1::Writer;

namespace {

// Seen in real tax certificates but undocumented (gm-and-seal-formats §3).
constexpr asn1::Oid k_cn_legacy_2{"1.2.86.11.7.2"};

Error bad_ext(std::string_view what, std::string msg) {
    return make_error(Errc::x509_bad_extension, std::string(what) + ": " + std::move(msg));
}

// The single element of an extnValue.
Result<Element> open_value(BytesView value, const ParseOptions& options, std::string_view what) {
    auto e = asn1::read_single(value, options.reader_options());
    if (!e.ok()) return detail::relabel(std::move(e).error(), Errc::x509_bad_extension, what);
    return e;
}

#define EXT_TRY(what, expr) YX_X509_TRY(Errc::x509_bad_extension, what, expr)
#define EXT_ASSIGN(lhs, what, expr) YX_X509_ASSIGN(lhs, Errc::x509_bad_extension, what, expr)

Result<GeneralName> parse_general_name(const Element& e) {
    constexpr std::string_view what = "GeneralName";
    if (e.tag().tag_class != asn1::TagClass::context || e.tag().number > 8)
        return bad_ext(what, "unexpected tag " + e.tag().to_string());
    GeneralName g;
    g.type = static_cast<GeneralNameType>(e.tag().number);
    g.raw = Bytes(e.raw().begin(), e.raw().end());
    switch (g.type) {
        case GeneralNameType::other_name: {
            // [0] IMPLICIT SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY }
            if (!e.tag().constructed) return bad_ext(what, "otherName must be constructed");
            Reader r = e.children();
            EXT_ASSIGN(g.oid, "otherName type-id", r.read_oid());
            break;
        }
        case GeneralNameType::rfc822_name:
        case GeneralNameType::dns_name:
        case GeneralNameType::uri: {
            EXT_ASSIGN(g.text, "GeneralName IA5String", e.as_ia5_string());
            break;
        }
        case GeneralNameType::directory_name: {
            // Name is a CHOICE, so [4] is EXPLICIT (X.680 31.2.7).
            if (!e.tag().constructed) return bad_ext(what, "directoryName must be constructed");
            Reader r = e.children();
            EXT_ASSIGN(Element n, "directoryName", r.read_sequence());
            EXT_TRY("directoryName", r.expect_end());
            EXT_ASSIGN(g.directory, "directoryName", Name::from_element(n));
            break;
        }
        case GeneralNameType::ip_address: {
            EXT_ASSIGN(BytesView ip, "iPAddress", e.as_octet_string());
            g.ip = Bytes(ip.begin(), ip.end());
            break;
        }
        case GeneralNameType::registered_id: {
            EXT_ASSIGN(g.oid, "registeredID", e.as_oid());
            break;
        }
        case GeneralNameType::x400_address:
        case GeneralNameType::edi_party_name: break;  // kept as raw only
    }
    return g;
}

Result<std::vector<GeneralName>> parse_general_names_in(Reader r, bool allow_empty) {
    std::vector<GeneralName> out;
    while (!r.at_end()) {
        EXT_ASSIGN(Element e, "GeneralNames", r.read());
        YX_ASSIGN_OR_RETURN(GeneralName g, parse_general_name(e));
        out.push_back(std::move(g));
    }
    // RFC 5280 4.2.1.6: GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName.
    if (out.empty() && !allow_empty) return bad_ext("GeneralNames", "empty");
    return out;
}

Status write_general_name(Writer& w, const GeneralName& g) {
    switch (g.type) {
        case GeneralNameType::rfc822_name:
        case GeneralNameType::dns_name:
        case GeneralNameType::uri:
            if (!asn1::is_ia5_string(g.text) || g.text.empty())
                return make_error(Errc::invalid_argument,
                                  "GeneralName text must be non-empty IA5String: \"" + g.text + "\"");
            w.context_implicit(static_cast<std::uint32_t>(g.type), [&](Writer& s) { s.ia5_string(g.text); });
            return ok_status();
        case GeneralNameType::directory_name:
            w.context_explicit(4, [&](Writer& s) { s.raw(g.directory.der()); });
            return ok_status();
        case GeneralNameType::ip_address:
            if (g.ip.size() != 4 && g.ip.size() != 16)
                return make_error(Errc::invalid_argument, "iPAddress must be 4 or 16 octets (RFC 5280 4.2.1.6)");
            w.context_implicit(7, [&](Writer& s) { s.octet_string(g.ip); });
            return ok_status();
        case GeneralNameType::registered_id:
            w.context_implicit(8, [&](Writer& s) { s.oid(g.oid); });
            return ok_status();
        case GeneralNameType::other_name:
        case GeneralNameType::x400_address:
        case GeneralNameType::edi_party_name:
            if (g.raw.empty())
                return make_error(Errc::invalid_argument, "this GeneralName type is written from raw only");
            w.raw(g.raw);
            return ok_status();
    }
    return make_error(Errc::invalid_argument, "unknown GeneralName type");
}

Status write_general_names(Writer& w, const std::vector<GeneralName>& names) {
    Status st;
    for (const auto& g : names) {
        st = write_general_name(w, g);
        if (!st.ok()) return st;
    }
    return ok_status();
}

Result<Extension> finish_extension(const asn1::Oid& oid, bool critical, Writer& w, const Status& st) {
    if (!st.ok()) return st.error();
    YX_ASSIGN_OR_RETURN(Bytes value, w.finish());
    return Extension{oid, critical, std::move(value)};
}

std::vector<std::string> uris_of(const std::vector<GeneralName>& names) {
    std::vector<std::string> out;
    for (const auto& g : names)
        if (g.type == GeneralNameType::uri) out.push_back(g.text);
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Small types

GeneralName GeneralName::rfc822(std::string email) {
    GeneralName g;
    g.type = GeneralNameType::rfc822_name;
    g.text = std::move(email);
    return g;
}
GeneralName GeneralName::dns(std::string name) {
    GeneralName g;
    g.type = GeneralNameType::dns_name;
    g.text = std::move(name);
    return g;
}
GeneralName GeneralName::uri(std::string u) {
    GeneralName g;
    g.type = GeneralNameType::uri;
    g.text = std::move(u);
    return g;
}
GeneralName GeneralName::directory_name(Name name) {
    GeneralName g;
    g.type = GeneralNameType::directory_name;
    g.directory = std::move(name);
    return g;
}
GeneralName GeneralName::ip_address(Bytes octets) {
    GeneralName g;
    g.type = GeneralNameType::ip_address;
    g.ip = std::move(octets);
    return g;
}
GeneralName GeneralName::registered(asn1::Oid oid) {
    GeneralName g;
    g.type = GeneralNameType::registered_id;
    g.oid = oid;
    return g;
}

KeyUsage KeyUsage::of(std::initializer_list<KeyUsageBit> list) {
    KeyUsage k;
    for (KeyUsageBit b : list) k.set(b);
    return k;
}

bool ExtendedKeyUsage::has(const asn1::Oid& purpose) const {
    return std::find(purposes.begin(), purposes.end(), purpose) != purposes.end();
}

std::vector<std::string> CrlDistributionPoints::uris() const {
    std::vector<std::string> out;
    for (const auto& p : points)
        for (auto& u : uris_of(p.full_name)) out.push_back(std::move(u));
    return out;
}

std::vector<std::string> AuthorityInfoAccess::ocsp_uris() const {
    std::vector<std::string> out;
    for (const auto& d : descriptions)
        if (d.method == oids::ad_ocsp && d.location.type == GeneralNameType::uri) out.push_back(d.location.text);
    return out;
}

std::vector<std::string> AuthorityInfoAccess::ca_issuers_uris() const {
    std::vector<std::string> out;
    for (const auto& d : descriptions)
        if (d.method == oids::ad_ca_issuers && d.location.type == GeneralNameType::uri) out.push_back(d.location.text);
    return out;
}

bool CertificatePolicies::has(const asn1::Oid& policy) const {
    return std::any_of(policies.begin(), policies.end(),
                       [&](const PolicyInformation& p) { return p.policy == policy; });
}

std::vector<std::string> SubjectAltName::of_type(GeneralNameType type) const {
    std::vector<std::string> out;
    for (const auto& g : names)
        if (g.type == type) out.push_back(g.text);
    return out;
}

bool is_gm_identity_oid(const asn1::Oid& oid) {
    return oid == oids::gm_identify_code || oid == oids::gm_insurance_number ||
           oid == oids::gm_ic_registration_number || oid == oids::gm_organization_code ||
           oid == oids::gm_taxation_number || oid == oids::gm_resident_id_number || oid == oids::gm_passport_number ||
           oid == oids::gm_unified_social_credit_code || oid == oids::cn_legacy_id_card || oid == k_cn_legacy_2 ||
           oid == oids::cn_legacy_business_licence || oid == oids::cn_legacy_uscc ||
           oid == oids::cn_legacy_taxpayer_number;
}

// ---------------------------------------------------------------------------------------------
// Decoders

Result<BasicConstraints> decode_basic_constraints(BytesView value, const ParseOptions& options) {
    constexpr std::string_view what = "basicConstraints";
    YX_ASSIGN_OR_RETURN(Element e, open_value(value, options, what));
    if (!e.is(tags::sequence)) return bad_ext(what, "not a SEQUENCE");
    Reader r = e.children();
    BasicConstraints bc;
    if (r.next_is(tags::boolean)) {
        EXT_ASSIGN(bc.ca, "basicConstraints cA", r.read_boolean());
        // X.690 11.5: a DEFAULT value is not encoded in DER.
        if (!bc.ca && !options.lenient) return bad_ext(what, "cA FALSE encoded explicitly (X.690 11.5)");
    }
    if (!r.at_end()) {
        EXT_ASSIGN(asn1::Integer n, "pathLenConstraint", r.read_integer());
        auto v = n.to_uint64();
        if (!v.ok() || *v > 0xffffffffu) return bad_ext(what, "pathLenConstraint out of range");
        bc.path_len = static_cast<std::uint32_t>(*v);
    }
    EXT_TRY(what, r.expect_end());
    return bc;
}

Result<KeyUsage> decode_key_usage(BytesView value, const ParseOptions& options) {
    constexpr std::string_view what = "keyUsage";
    YX_ASSIGN_OR_RETURN(Element e, open_value(value, options, what));
    if (!e.is(tags::bit_string)) return bad_ext(what, "not a BIT STRING");
    EXT_ASSIGN(asn1::BitString bits, what, e.as_bit_string());
    KeyUsage k;
    for (std::size_t i = 0; i < bits.bit_length() && i < 32; ++i)
        if (bits.bit(i)) k.bits |= 1u << i;
    if (!options.lenient) {
        // X.690 11.2.2: DER drops trailing zero bits of a named bit list.
        if (bits.bit_length() > 0 && !bits.bit(bits.bit_length() - 1))
            return bad_ext(what, "trailing zero bits (X.690 11.2.2)");
        // RFC 5280 4.2.1.3: at least one bit MUST be set.
        if (k.bits == 0) return bad_ext(what, "no bit set (RFC 5280 4.2.1.3)");
    }
    return k;
}

Result<ExtendedKeyUsage> decode_ext_key_usage(BytesView value, const ParseOptions& options) {
    constexpr std::string_view what = "extKeyUsage";
    YX_ASSIGN_OR_RETURN(Element e, open_value(value, options, what));
    if (!e.is(tags::sequence)) return bad_ext(what, "not a SEQUENCE");
    Reader r = e.children();
    ExtendedKeyUsage eku;
    while (!r.at_end()) {
        EXT_ASSIGN(asn1::Oid o, what, r.read_oid());
        eku.purposes.push_back(o);
    }
    if (eku.purposes.empty()) return bad_ext(what, "empty");
    return eku;
}

Result<Bytes> decode_subject_key_identifier(BytesView value, const ParseOptions& options) {
    constexpr std::string_view what = "subjectKeyIdentifier";
    YX_ASSIGN_OR_RETURN(Element e, open_value(value, options, what));
    if (!e.tag().same_type(tags::octet_string)) return bad_ext(what, "not an OCTET STRING");
    EXT_ASSIGN(Bytes id, what, e.octet_string_bytes());
    return id;
}

Result<AuthorityKeyIdentifier> decode_authority_key_identifier(BytesView value, const ParseOptions& options) {
    constexpr std::string_view what = "authorityKeyIdentifier";
    YX_ASSIGN_OR_RETURN(Element e, open_value(value, options, what));
    if (!e.is(tags::sequence)) return bad_ext(what, "not a SEQUENCE");
    Reader r = e.children();
    AuthorityKeyIdentifier aki;
    EXT_ASSIGN(auto kid, "keyIdentifier", r.read_optional_context_implicit(0));
    if (kid) {
        EXT_ASSIGN(Bytes id, "keyIdentifier", kid->octet_string_bytes());
        aki.key_id = std::move(id);
    }
    EXT_ASSIGN(auto issuer, "authorityCertIssuer", r.read_optional_context_implicit(1));
    if (issuer) {
        if (!issuer->tag().constructed) return bad_ext(what, "authorityCertIssuer must be constructed");
        YX_ASSIGN_OR_RETURN(aki.issuer, parse_general_names_in(issuer->children(), false));
    }
    EXT_ASSIGN(auto serial, "authorityCertSerialNumber", r.read_optional_context_implicit(2));
    if (serial) {
        EXT_ASSIGN(asn1::Integer n, "authorityCertSerialNumber", serial->as_integer());
        aki.serial = Bytes(n.bytes().begin(), n.bytes().end());
    }
    EXT_TRY(what, r.expect_end());
    // RFC 5280 4.2.1.1: issuer and serial are present together or not at all.
    if (aki.issuer.empty() != !aki.serial.has_value())
        return bad_ext(what, "authorityCertIssuer and authorityCertSerialNumber must be present together");
    return aki;
}

Result<CrlDistributionPoints> decode_crl_distribution_points(BytesView value, const ParseOptions& options) {
    constexpr std::string_view what = "cRLDistributionPoints";
    YX_ASSIGN_OR_RETURN(Element e, open_value(value, options, what));
    if (!e.is(tags::sequence)) return bad_ext(what, "not a SEQUENCE");
    Reader r = e.children();
    CrlDistributionPoints out;
    while (!r.at_end()) {
        EXT_ASSIGN(Element dp, "DistributionPoint", r.read_sequence());
        Reader d = dp.children();
        DistributionPoint p;
        // distributionPoint [0] DistributionPointName: EXPLICIT because the type is a CHOICE.
        EXT_ASSIGN(auto name, "distributionPoint", d.read_optional_context_explicit(0));
        if (name) {
            if (name->tag() == Tag::context(0, true)) {
                YX_ASSIGN_OR_RETURN(p.full_name, parse_general_names_in(name->children(), false));
            } else if (name->tag() == Tag::context(1, true)) {
                p.relative_name = true;
            } else {
                return bad_ext(what, "unexpected DistributionPointName " + name->tag().to_string());
            }
        }
        EXT_ASSIGN(auto reasons, "reasons", d.read_optional_context_implicit(1));
        if (reasons) {
            EXT_ASSIGN(asn1::BitString bits, "reasons", reasons->as_bit_string());
            std::uint32_t v = 0;
            for (std::size_t i = 0; i < bits.bit_length() && i < 32; ++i)
                if (bits.bit(i)) v |= 1u << i;
            p.reasons = v;
        }
        EXT_ASSIGN(auto crl_issuer, "cRLIssuer", d.read_optional_context_implicit(2));
        if (crl_issuer) {
            if (!crl_issuer->tag().constructed) return bad_ext(what, "cRLIssuer must be constructed");
            YX_ASSIGN_OR_RETURN(p.crl_issuer, parse_general_names_in(crl_issuer->children(), false));
        }
        EXT_TRY("DistributionPoint", d.expect_end());
        // RFC 5280 4.2.1.13: a DistributionPoint MUST NOT consist of only the reasons field.
        if (!name && !crl_issuer) return bad_ext(what, "DistributionPoint without distributionPoint or cRLIssuer");
        out.points.push_back(std::move(p));
    }
    if (out.points.empty()) return bad_ext(what, "empty");
    return out;
}

Result<AuthorityInfoAccess> decode_authority_info_access(BytesView value, const ParseOptions& options) {
    constexpr std::string_view what = "authorityInfoAccess";
    YX_ASSIGN_OR_RETURN(Element e, open_value(value, options, what));
    if (!e.is(tags::sequence)) return bad_ext(what, "not a SEQUENCE");
    Reader r = e.children();
    AuthorityInfoAccess out;
    while (!r.at_end()) {
        EXT_ASSIGN(Element ad, "AccessDescription", r.read_sequence());
        Reader a = ad.children();
        AccessDescription d;
        EXT_ASSIGN(d.method, "accessMethod", a.read_oid());
        EXT_ASSIGN(Element loc, "accessLocation", a.read());
        YX_ASSIGN_OR_RETURN(d.location, parse_general_name(loc));
        EXT_TRY("AccessDescription", a.expect_end());
        out.descriptions.push_back(std::move(d));
    }
    if (out.descriptions.empty()) return bad_ext(what, "empty");
    return out;
}

Result<CertificatePolicies> decode_certificate_policies(BytesView value, const ParseOptions& options) {
    constexpr std::string_view what = "certificatePolicies";
    YX_ASSIGN_OR_RETURN(Element e, open_value(value, options, what));
    if (!e.is(tags::sequence)) return bad_ext(what, "not a SEQUENCE");
    Reader r = e.children();
    CertificatePolicies out;
    while (!r.at_end()) {
        EXT_ASSIGN(Element pi, "PolicyInformation", r.read_sequence());
        Reader p = pi.children();
        PolicyInformation info;
        EXT_ASSIGN(info.policy, "policyIdentifier", p.read_oid());
        if (!p.at_end()) {
            EXT_ASSIGN(Element quals, "policyQualifiers", p.read_sequence());
            Reader q = quals.children();
            while (!q.at_end()) {
                EXT_ASSIGN(Element pq, "PolicyQualifierInfo", q.read_sequence());
                Reader x = pq.children();
                EXT_ASSIGN(asn1::Oid qid, "policyQualifierId", x.read_oid());
                EXT_ASSIGN(Element qv, "qualifier", x.read());
                EXT_TRY("PolicyQualifierInfo", x.expect_end());
                if (qid == oids::qt_cps) {
                    // CPSuri ::= IA5String; other string types seen in the wild are read as text.
                    EXT_ASSIGN(std::string uri, "CPSuri", qv.as_string());
                    info.cps_uris.push_back(std::move(uri));
                } else if (qid == oids::qt_unotice && qv.is(tags::sequence)) {
                    // UserNotice ::= SEQUENCE { noticeRef NoticeReference OPTIONAL,
                    //                           explicitText DisplayText OPTIONAL }
                    Reader u = qv.children();
                    if (u.next_is(tags::sequence)) EXT_TRY("noticeRef", u.skip());
                    if (!u.at_end()) {
                        EXT_ASSIGN(Element t, "explicitText", u.read());
                        EXT_ASSIGN(std::string text, "explicitText", t.as_string());
                        info.user_notice_text = std::move(text);
                    }
                    EXT_TRY("UserNotice", u.expect_end());
                }
                // Other qualifiers are not defined by RFC 5280 and are ignored.
            }
        }
        EXT_TRY("PolicyInformation", p.expect_end());
        out.policies.push_back(std::move(info));
    }
    if (out.policies.empty()) return bad_ext(what, "empty");
    return out;
}

Result<std::vector<GeneralName>> decode_general_names(BytesView value, const ParseOptions& options) {
    YX_ASSIGN_OR_RETURN(Element e, open_value(value, options, "GeneralNames"));
    if (!e.is(tags::sequence)) return bad_ext("GeneralNames", "not a SEQUENCE");
    return parse_general_names_in(e.children(), false);
}

Result<SubjectAltName> decode_subject_alt_name(BytesView value, const ParseOptions& options) {
    auto names = decode_general_names(value, options);
    if (!names.ok()) return bad_ext("subjectAltName", names.error().message);
    return SubjectAltName{std::move(names).value()};
}

Status decode_ocsp_no_check(BytesView value, const ParseOptions& options) {
    if (value.empty()) return ok_status();
    YX_ASSIGN_OR_RETURN(Element e, open_value(value, options, "ocspNoCheck"));
    if (!e.is(tags::null)) return bad_ext("ocspNoCheck", "not NULL");
    EXT_TRY("ocspNoCheck", e.as_null());
    return ok_status();
}

Result<GmIdentity> decode_gm_identity(const asn1::Oid& oid, BytesView value) {
    const std::string what = "GM/T 0015 extension " + oid.to_string();
    GmIdentity g;
    g.oid = oid;
    Reader r(value, asn1::ReaderOptions::ber());
    auto e = r.read();
    if (e.ok() && r.at_end()) {
        const Tag t = e->tag();
        if (detail::is_string_tag(t)) {
            EXT_ASSIGN(g.value, what, e->as_string());
            return g;
        }
        // IdentifyCode ::= CHOICE { residenterCardNumber [0] PrintableString,
        //   militaryOfficerCardNumber [1] UTF8String, passportNumber [2] PrintableString }.
        // GM/T 0015-2012 does not say EXPLICIT or IMPLICIT; XiPKI writes EXPLICIT. Read both.
        if (t.tag_class == asn1::TagClass::context && t.number <= 2) {
            g.kind = static_cast<IdentifyCodeKind>(t.number + 1);
            if (t.constructed) {
                Reader in = e->children();
                EXT_ASSIGN(Element s, what, in.read());
                EXT_TRY(what, in.expect_end());
                EXT_ASSIGN(g.value, what, s.as_string());
            } else {
                std::string text(e->content().begin(), e->content().end());
                if (!asn1::is_utf8(text)) return bad_ext(what, "IdentifyCode value is not text");
                g.value = std::move(text);
            }
            return g;
        }
    }
    // No TLV at all: some producers put the bare characters in extnValue.
    std::string text(value.begin(), value.end());
    if (!text.empty() && asn1::is_visible_string(text)) {
        g.value = std::move(text);
        return g;
    }
    return bad_ext(what, "value is not a character string");
}

// ---------------------------------------------------------------------------------------------
// Encoders

Result<Extension> encode_basic_constraints(const BasicConstraints& v, bool critical) {
    Writer w;
    w.sequence([&](Writer& s) {
        if (v.ca) s.boolean(true);
        if (v.path_len) s.integer(static_cast<std::int64_t>(*v.path_len));
    });
    // RFC 5280 4.2.1.9: pathLenConstraint only when cA is asserted.
    if (v.path_len && !v.ca) return make_error(Errc::invalid_argument, "pathLenConstraint without cA");
    return finish_extension(oids::ce_basic_constraints, critical, w, ok_status());
}

Result<Extension> encode_key_usage(KeyUsage v, bool critical) {
    if (v.bits == 0) return make_error(Errc::invalid_argument, "keyUsage with no bit set (RFC 5280 4.2.1.3)");
    Writer w;
    w.named_bit_string(v.bits);
    return finish_extension(oids::ce_key_usage, critical, w, ok_status());
}

Result<Extension> encode_ext_key_usage(const ExtendedKeyUsage& v, bool critical) {
    if (v.purposes.empty()) return make_error(Errc::invalid_argument, "empty extKeyUsage");
    Writer w;
    w.sequence([&](Writer& s) {
        for (const auto& p : v.purposes) s.oid(p);
    });
    return finish_extension(oids::ce_ext_key_usage, critical, w, ok_status());
}

Result<Extension> encode_subject_key_identifier(BytesView key_id) {
    if (key_id.empty()) return make_error(Errc::invalid_argument, "empty subjectKeyIdentifier");
    Writer w;
    w.octet_string(key_id);
    // RFC 5280 4.2.1.2: MUST NOT be critical.
    return finish_extension(oids::ce_subject_key_identifier, false, w, ok_status());
}

Result<Extension> encode_authority_key_identifier(const AuthorityKeyIdentifier& v) {
    if (v.issuer.empty() != !v.serial.has_value())
        return make_error(Errc::invalid_argument, "authorityCertIssuer and authorityCertSerialNumber go together");
    if (!v.key_id && v.issuer.empty()) return make_error(Errc::invalid_argument, "empty authorityKeyIdentifier");
    Writer w;
    Status st;
    w.sequence([&](Writer& s) {
        if (v.key_id) s.context_implicit(0, [&](Writer& x) { x.octet_string(*v.key_id); });
        if (!v.issuer.empty())
            s.constructed(Tag::context(1, true), [&](Writer& x) { st = write_general_names(x, v.issuer); });
        if (v.serial) s.context_implicit(2, [&](Writer& x) { x.integer_unsigned(*v.serial); });
    });
    // RFC 5280 4.2.1.1: MUST NOT be critical.
    return finish_extension(oids::ce_authority_key_identifier, false, w, st);
}

Result<Extension> encode_crl_distribution_points(const CrlDistributionPoints& v) {
    if (v.points.empty()) return make_error(Errc::invalid_argument, "no distribution point");
    Writer w;
    Status st;
    w.sequence([&](Writer& s) {
        for (const auto& p : v.points) {
            s.sequence([&](Writer& dp) {
                if (!p.full_name.empty()) {
                    dp.context_explicit(0, [&](Writer& dpn) {
                        dpn.constructed(Tag::context(0, true), [&](Writer& fn) {
                            if (st.ok()) st = write_general_names(fn, p.full_name);
                        });
                    });
                }
                if (p.reasons) dp.context_implicit(1, [&](Writer& x) { x.named_bit_string(*p.reasons); });
                if (!p.crl_issuer.empty())
                    dp.constructed(Tag::context(2, true), [&](Writer& x) {
                        if (st.ok()) st = write_general_names(x, p.crl_issuer);
                    });
            });
            if (p.full_name.empty() && p.crl_issuer.empty() && st.ok())
                st = make_error(Errc::invalid_argument, "DistributionPoint needs a fullName or cRLIssuer");
        }
    });
    return finish_extension(oids::ce_crl_distribution_points, false, w, st);
}

Result<Extension> encode_authority_info_access(const AuthorityInfoAccess& v) {
    if (v.descriptions.empty()) return make_error(Errc::invalid_argument, "empty authorityInfoAccess");
    Writer w;
    Status st;
    w.sequence([&](Writer& s) {
        for (const auto& d : v.descriptions) {
            s.sequence([&](Writer& ad) {
                ad.oid(d.method);
                if (st.ok()) st = write_general_name(ad, d.location);
            });
        }
    });
    // RFC 5280 4.2.2.1: MUST be non-critical.
    return finish_extension(oids::pe_authority_info_access, false, w, st);
}

Result<Extension> encode_certificate_policies(const CertificatePolicies& v, bool critical) {
    if (v.policies.empty()) return make_error(Errc::invalid_argument, "empty certificatePolicies");
    Writer w;
    Status st;
    w.sequence([&](Writer& s) {
        for (const auto& p : v.policies) {
            s.sequence([&](Writer& pi) {
                pi.oid(p.policy);
                if (p.cps_uris.empty() && !p.user_notice_text) return;
                pi.sequence([&](Writer& quals) {
                    for (const auto& uri : p.cps_uris) {
                        if (!asn1::is_ia5_string(uri) && st.ok())
                            st = make_error(Errc::invalid_argument, "CPS URI is not IA5String");
                        quals.sequence([&](Writer& q) {
                            q.oid(oids::qt_cps);
                            q.ia5_string(uri);
                        });
                    }
                    if (p.user_notice_text) {
                        quals.sequence([&](Writer& q) {
                            q.oid(oids::qt_unotice);
                            // RFC 5280 4.2.1.4: explicitText SHOULD be UTF8String, at most 200 characters.
                            q.sequence([&](Writer& un) { un.utf8_string(*p.user_notice_text); });
                        });
                    }
                });
            });
        }
    });
    return finish_extension(oids::ce_certificate_policies, critical, w, st);
}

Result<Extension> encode_subject_alt_name(const SubjectAltName& v, bool critical) {
    if (v.names.empty()) return make_error(Errc::invalid_argument, "empty subjectAltName");
    Writer w;
    Status st;
    w.sequence([&](Writer& s) { st = write_general_names(s, v.names); });
    return finish_extension(oids::ce_subject_alt_name, critical, w, st);
}

Result<Extension> encode_ocsp_no_check() {
    Writer w;
    w.null();
    // RFC 6960 4.2.2.2.1: SHOULD be non-critical.
    return finish_extension(oids::pkix_ocsp_nocheck, false, w, ok_status());
}

Result<Extension> encode_gm_identity(const GmIdentity& v, bool critical) {
    if (!is_gm_identity_oid(v.oid))
        return make_error(Errc::invalid_argument, v.oid.to_string() + " is not a GM/T 0015 identity extension");
    if (v.value.empty()) return make_error(Errc::invalid_argument, "empty identity value");
    Writer w;
    Status st;
    if (v.kind == IdentifyCodeKind::unspecified) {
        st = detail::write_string(w, tags::printable_string, v.value);
    } else {
        if (v.oid != oids::gm_identify_code)
            return make_error(Errc::invalid_argument, "an IdentifyCode kind is only for 1.2.156.10260.4.1.1");
        const auto n = static_cast<std::uint32_t>(v.kind) - 1;
        w.context_explicit(n, [&](Writer& x) {
            st = detail::write_string(x, n == 1 ? tags::utf8_string : tags::printable_string, v.value);
        });
    }
    return finish_extension(v.oid, critical, w, st);
}

CrlDistributionPoints crl_distribution_points_from_uris(const std::vector<std::string>& uris) {
    CrlDistributionPoints out;
    for (const auto& u : uris) {
        DistributionPoint p;
        p.full_name.push_back(GeneralName::uri(u));
        out.points.push_back(std::move(p));
    }
    return out;
}

AuthorityInfoAccess authority_info_access_from_uris(const std::vector<std::string>& ocsp,
                                                    const std::vector<std::string>& ca_issuers) {
    AuthorityInfoAccess out;
    for (const auto& u : ocsp) out.descriptions.push_back({oids::ad_ocsp, GeneralName::uri(u)});
    for (const auto& u : ca_issuers) out.descriptions.push_back({oids::ad_ca_issuers, GeneralName::uri(u)});
    return out;
}

Bytes key_identifier(BytesView subject_public_key_bits, bool sha1) {
    if (sha1) {
        Bytes out(20);
        unsigned int len = 0;
        if (EVP_Digest(subject_public_key_bits.data(), subject_public_key_bits.size(), out.data(), &len, EVP_sha1(),
                       nullptr) != 1 ||
            len != 20)
            throw std::runtime_error("EVP_Digest(SHA-1) failed");  // allocation failure only: a bug-level event
        return out;
    }
    const crypto::Sm3Digest d = crypto::sm3(subject_public_key_bits);
    return Bytes(d.begin(), d.begin() + 20);
}

// ---------------------------------------------------------------------------------------------
// Extensions

bool Extensions::is_known(const asn1::Oid& oid) {
    return oid == oids::ce_basic_constraints || oid == oids::ce_key_usage || oid == oids::ce_ext_key_usage ||
           oid == oids::ce_subject_key_identifier || oid == oids::ce_authority_key_identifier ||
           oid == oids::ce_crl_distribution_points || oid == oids::pe_authority_info_access ||
           oid == oids::ce_certificate_policies || oid == oids::ce_subject_alt_name || oid == oids::pkix_ocsp_nocheck ||
           is_gm_identity_oid(oid);
}

const Extension* Extensions::find(const asn1::Oid& oid) const {
    for (const auto& e : m_list)
        if (e.oid == oid) return &e;
    return nullptr;
}

std::optional<std::string> Extensions::gm_identity(const asn1::Oid& oid) const {
    for (const auto& g : m_gm)
        if (g.oid == oid) return g.value;
    return std::nullopt;
}

Status Extensions::decode_one(const Extension& ext, const ParseOptions& options) {
    const asn1::Oid& o = ext.oid;
    const BytesView v = ext.value;
    Status st;
    auto take = [&st](auto r, auto& slot) {
        if (r.ok())
            slot = std::move(r).value();
        else
            st = std::move(r).error();
    };
    if (o == oids::ce_basic_constraints)
        take(decode_basic_constraints(v, options), m_basic_constraints);
    else if (o == oids::ce_key_usage)
        take(decode_key_usage(v, options), m_key_usage);
    else if (o == oids::ce_ext_key_usage)
        take(decode_ext_key_usage(v, options), m_ext_key_usage);
    else if (o == oids::ce_subject_key_identifier)
        take(decode_subject_key_identifier(v, options), m_ski);
    else if (o == oids::ce_authority_key_identifier)
        take(decode_authority_key_identifier(v, options), m_aki);
    else if (o == oids::ce_crl_distribution_points)
        take(decode_crl_distribution_points(v, options), m_crldp);
    else if (o == oids::pe_authority_info_access)
        take(decode_authority_info_access(v, options), m_aia);
    else if (o == oids::ce_certificate_policies)
        take(decode_certificate_policies(v, options), m_policies);
    else if (o == oids::ce_subject_alt_name)
        take(decode_subject_alt_name(v, options), m_san);
    else if (o == oids::pkix_ocsp_nocheck) {
        st = decode_ocsp_no_check(v, options);
        m_ocsp_no_check = st.ok();
    } else if (is_gm_identity_oid(o)) {
        auto g = decode_gm_identity(o, v);
        if (g.ok())
            m_gm.push_back(std::move(g).value());
        else
            st = std::move(g).error();
    }
    if (st.ok()) return st;
    if (options.lenient) {
        m_decode_errors.push_back(st.error());
        return ok_status();
    }
    return st;
}

Result<Extensions> Extensions::from_list(std::vector<Extension> list, const ParseOptions& options) {
    Extensions ex;
    // A set, not a pairwise scan: a hostile certificate may carry tens of thousands of extensions.
    std::set<asn1::Oid> seen;
    for (const auto& e : list)
        if (!seen.insert(e.oid).second)
            return make_error(Errc::x509_duplicate_extension,
                              "extension " + asn1::oid_display(e.oid) + " appears twice (RFC 5280 4.2)");
    for (const auto& e : list) YX_TRY(ex.decode_one(e, options));
    ex.m_list = std::move(list);
    return ex;
}

Result<Extensions> Extensions::parse(const Element& seq, const ParseOptions& options) {
    if (!seq.is(tags::sequence)) return bad_ext("Extensions", "not a SEQUENCE");
    Reader r = seq.children();
    // RFC 5280 4.1: Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension.
    if (r.at_end() && !options.lenient) return bad_ext("Extensions", "empty SEQUENCE");
    std::vector<Extension> list;
    while (!r.at_end()) {
        YX_X509_ASSIGN(Element e, Errc::x509_bad_encoding, "Extension", r.read_sequence());
        Reader x = e.children();
        Extension ext;
        YX_X509_ASSIGN(ext.oid, Errc::x509_bad_encoding, "extnID", x.read_oid());
        if (x.next_is(tags::boolean)) {
            YX_X509_ASSIGN(ext.critical, Errc::x509_bad_encoding, "critical", x.read_boolean());
            // X.690 11.5: DEFAULT FALSE is not encoded in DER.
            if (!ext.critical && !options.lenient)
                return bad_ext(asn1::oid_display(ext.oid), "critical FALSE encoded explicitly (X.690 11.5)");
        }
        YX_X509_ASSIGN(Element v, Errc::x509_bad_encoding, "extnValue", x.read());
        if (!v.tag().same_type(tags::octet_string))
            return make_error(Errc::x509_bad_encoding, "extnValue is not an OCTET STRING");
        YX_X509_ASSIGN(ext.value, Errc::x509_bad_encoding, "extnValue", v.octet_string_bytes());
        YX_X509_TRY(Errc::x509_bad_encoding, "Extension", x.expect_end());
        list.push_back(std::move(ext));
    }
    return from_list(std::move(list), options);
}

Result<Bytes> encode_extensions(const std::vector<Extension>& list) {
    Writer w;
    w.sequence([&](Writer& s) {
        for (const auto& e : list) {
            s.sequence([&](Writer& x) {
                x.oid(e.oid);
                if (e.critical) x.boolean(true);
                x.octet_string(e.value);
            });
        }
    });
    return w.finish();
}

}  // namespace yinxin::x509
