// Accessor walks shared by the x509 harnesses: every accessor of a parsed value is called, and the
// invariants that must hold for any value the parser accepted are checked (re-parsing what was
// accepted succeeds and gives the same value; decoders and encoders agree). Parsers that accept
// something their own accessors then mishandle show up here, not only parsers that crash.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "driver.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/x509/extensions.h"
#include "yinxin/x509/name.h"
#include "yinxin/x509/options.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::fuzz {

inline void walk_algorithm(const x509::AlgorithmIdentifier& a) {
    (void)a.oid.to_string();
    (void)a.parameters_absent_or_null();
    check(a.same_as(a, true) && a.same_as(a, false), "AlgorithmIdentifier equals itself");
}

inline void walk_name(const x509::Name& n, const x509::ParseOptions& options) {
    namespace oids = asn1::oids;
    (void)n.empty();
    std::vector<x509::NameAttribute> attrs_flat;
    std::vector<std::vector<x509::NameAttribute>> rebuilt;
    bool rebuildable = true;
    for (const auto& rdn : n.rdns()) {
        check(!rdn.empty(), "RDN has at least one attribute (X.501 SET SIZE (1..MAX))");
        std::vector<x509::NameAttribute> attrs;
        for (const auto& atv : rdn) {
            (void)atv.type.to_string();
            check(!atv.raw.empty(), "AttributeTypeAndValue keeps its TLV");
            std::string_view label = x509::name_attribute_label(atv.type);
            if (!label.empty()) {
                auto back = x509::name_attribute_from_label(label);
                check(back.has_value() && *back == atv.type, "attribute label maps back to its type");
            }
            if (!atv.is_string) rebuildable = false;
            attrs.push_back({atv.type, atv.value, atv.value_tag});
        }
        rebuilt.push_back(std::move(attrs));
    }
    (void)n.get(oids::at_common_name);
    (void)n.get_all(oids::at_organizational_unit);
    (void)n.get(oids::at_country);
    (void)n.to_string();
    (void)n.to_display_string();
    check(n == n, "Name equals itself (RFC 5280 7.1)");

    // The DER kept as received parses again, under the same options, to an equal Name.
    auto again = x509::Name::parse(n.der(), options);
    check(again.ok(), "Name::der() parses again");
    check(*again == n && same(again->der(), n.der()), "Name re-parse is equal");

    // Building the same attributes with the same string types gives a Name equal by RFC 5280 7.1,
    // whenever the builder accepts them (it is stricter: empty values, bad country codes ...).
    if (rebuildable) {
        auto built = x509::Name::build_rdns(rebuilt);
        if (built.ok()) {
            check(*built == n, "Name rebuilt from its attributes is equal");
            auto reparsed = x509::Name::parse(built->der());
            check(reparsed.ok() && *reparsed == *built, "built Name parses strictly");
        }
    }
}

inline void walk_general_name(const x509::GeneralName& g, const x509::ParseOptions& options) {
    (void)g.text.size();
    (void)g.ip.size();
    (void)g.oid.to_string();
    (void)g.raw.size();
    if (g.type == x509::GeneralNameType::directory_name) walk_name(g.directory, options);
}

inline void walk_general_names(const std::vector<x509::GeneralName>& v, const x509::ParseOptions& options) {
    for (const auto& g : v) walk_general_name(g, options);
}

inline void walk_spki(const x509::SubjectPublicKeyInfo& k, const x509::ParseOptions& options) {
    walk_algorithm(k.algorithm());
    if (k.curve()) (void)k.curve()->to_string();
    (void)k.key_bytes().size();
    const x509::KeyType type = k.key_type();
    check(k.is_sm2() == (type == x509::KeyType::sm2), "is_sm2 agrees with key_type");
    auto sm2 = k.sm2_public_key();
    if (sm2.ok()) {
        check(k.is_sm2(), "only an SM2 SPKI yields an SM2 key");
        check(same(sm2->point(), k.key_bytes()), "SM2 point is the subjectPublicKey");
    }
    auto bits = k.rsa_modulus_bits();
    if (bits.ok()) check(type == x509::KeyType::rsa, "only an RSA SPKI has a modulus");
    auto again = x509::SubjectPublicKeyInfo::parse(k.der(), options);
    check(again.ok() && *again == k, "SubjectPublicKeyInfo::der() parses again");
}

// Re-decodes every extension value with the standalone decoders and round-trips the simple ones
// through their encoders.
inline void walk_extensions(const x509::Extensions& e, const x509::ParseOptions& options) {
    namespace oids = asn1::oids;
    check(e.size() == e.list().size() && e.empty() == e.list().empty(), "Extensions size");
    for (const auto& ext : e.list()) {
        const x509::Extension* found = e.find(ext.oid);
        check(found != nullptr && found->oid == ext.oid, "Extensions::find finds a listed OID");
        (void)x509::Extensions::is_known(ext.oid);
        if (x509::is_gm_identity_oid(ext.oid)) {
            (void)x509::decode_gm_identity(ext.oid, ext.value);
            (void)e.gm_identity(ext.oid);
        }
    }
    if (const auto* ext = e.find(oids::ce_basic_constraints)) {
        auto bc = x509::decode_basic_constraints(ext->value, options);
        check(bc.ok() == e.basic_constraints().has_value(), "basicConstraints decodes as in the parse");
        if (bc.ok()) {
            auto enc = x509::encode_basic_constraints(*bc, ext->critical);
            check(enc.ok(), "basicConstraints encodes");
            auto dec = x509::decode_basic_constraints(enc->value);
            check(dec.ok() && dec->ca == bc->ca && dec->path_len == bc->path_len, "basicConstraints round trip");
        }
    }
    if (const auto* ext = e.find(oids::ce_key_usage)) {
        auto ku = x509::decode_key_usage(ext->value, options);
        check(ku.ok() == e.key_usage().has_value(), "keyUsage decodes as in the parse");
        if (ku.ok() && ku->bits != 0) {
            auto enc = x509::encode_key_usage(*ku, ext->critical);
            check(enc.ok(), "keyUsage encodes");
            auto dec = x509::decode_key_usage(enc->value);
            check(dec.ok() && *dec == *ku, "keyUsage round trip");
        }
    }
    if (const auto* ext = e.find(oids::ce_ext_key_usage)) {
        auto eku = x509::decode_ext_key_usage(ext->value, options);
        check(eku.ok() == e.ext_key_usage().has_value(), "extKeyUsage decodes as in the parse");
        if (eku.ok()) {
            for (const auto& p : eku->purposes) check(eku->has(p), "extKeyUsage has its purposes");
            auto enc = x509::encode_ext_key_usage(*eku, ext->critical);
            if (enc.ok()) {
                auto dec = x509::decode_ext_key_usage(enc->value);
                check(dec.ok() && dec->purposes == eku->purposes, "extKeyUsage round trip");
            }
        }
    }
    if (const auto* ext = e.find(oids::ce_subject_key_identifier))
        (void)x509::decode_subject_key_identifier(ext->value, options);
    if (const auto* ext = e.find(oids::ce_subject_alt_name)) {
        (void)x509::decode_subject_alt_name(ext->value, options);
        (void)x509::decode_general_names(ext->value, options);
    }
    if (const auto* ext = e.find(oids::pe_authority_info_access))
        (void)x509::decode_authority_info_access(ext->value, options);
    if (const auto* ext = e.find(oids::ce_crl_distribution_points))
        (void)x509::decode_crl_distribution_points(ext->value, options);
    if (const auto* ext = e.find(oids::ce_certificate_policies))
        (void)x509::decode_certificate_policies(ext->value, options);
    if (const auto* ext = e.find(oids::ce_authority_key_identifier))
        (void)x509::decode_authority_key_identifier(ext->value, options);
    if (const auto* ext = e.find(oids::pkix_ocsp_nocheck)) (void)x509::decode_ocsp_no_check(ext->value, options);

    if (const auto& aki = e.authority_key_identifier()) walk_general_names(aki->issuer, options);
    if (const auto& dp = e.crl_distribution_points()) {
        (void)dp->uris();
        for (const auto& p : dp->points) {
            walk_general_names(p.full_name, options);
            walk_general_names(p.crl_issuer, options);
        }
    }
    if (const auto& aia = e.authority_info_access()) {
        (void)aia->ocsp_uris();
        (void)aia->ca_issuers_uris();
        for (const auto& d : aia->descriptions) walk_general_name(d.location, options);
    }
    if (const auto& pol = e.certificate_policies())
        for (const auto& p : pol->policies) check(pol->has(p.policy), "certificatePolicies has its policies");
    if (const auto& san = e.subject_alt_name()) {
        walk_general_names(san->names, options);
        for (auto t : {x509::GeneralNameType::rfc822_name, x509::GeneralNameType::dns_name, x509::GeneralNameType::uri})
            (void)san->of_type(t);
    }
    (void)e.ocsp_no_check();
    for (const auto& g : e.gm_identities()) (void)g.value.size();
    for (const auto& err : e.decode_errors()) {
        check(options.lenient, "decode errors are recorded only by lenient parses");
        (void)err.message;
    }

    // The list re-encodes (critical FALSE omitted) and parses again under the same options, unless
    // it is the empty SEQUENCE a lenient parse tolerates.
    if (!e.empty()) {
        auto der = x509::encode_extensions(e.list());
        check(der.ok(), "Extensions re-encode");
        auto seq = asn1::read_single(*der, asn1::ReaderOptions::der());
        check(seq.ok(), "re-encoded Extensions are DER");
        auto again = x509::Extensions::parse(*seq, options);
        check(again.ok() && again->size() == e.size(), "re-encoded Extensions parse again");
    }
}

}  // namespace yinxin::fuzz
