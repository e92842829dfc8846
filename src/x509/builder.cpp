#include "yinxin/x509/builder.h"

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/writer.h"

namespace yinxin::x509 {

namespace oids = asn1::oids;
using asn1::Writer;

void TbsCertificateBuilder::fail(Errc code, std::string message) {
    if (m_status.ok()) m_status = make_error(code, std::move(message));
}

TbsCertificateBuilder& TbsCertificateBuilder::version(int v) {
    if (v != 1 && v != 3) fail(Errc::x509_bad_version, "certificate version must be 1 or 3");
    m_version = v;
    return *this;
}

TbsCertificateBuilder& TbsCertificateBuilder::serial(BytesView magnitude) {
    std::size_t i = 0;
    while (i < magnitude.size() && magnitude[i] == 0) ++i;
    Bytes m(magnitude.begin() + static_cast<std::ptrdiff_t>(i), magnitude.end());
    // RFC 5280 4.1.2.2: a positive INTEGER of at most 20 content octets (including the sign octet).
    if (m.empty()) {
        fail(Errc::x509_bad_serial, "serial number must be positive");
    } else if (m.size() + ((m[0] & 0x80) != 0 ? 1 : 0) > 20) {
        fail(Errc::x509_bad_serial, "serial number longer than 20 octets");
    }
    m_serial = std::move(m);
    return *this;
}

TbsCertificateBuilder& TbsCertificateBuilder::signature_algorithm(const AlgorithmIdentifier& alg) {
    m_alg = alg;
    return *this;
}

TbsCertificateBuilder& TbsCertificateBuilder::issuer(const Name& name) {
    m_issuer = name;
    return *this;
}

TbsCertificateBuilder& TbsCertificateBuilder::subject(const Name& name) {
    m_subject = name;
    return *this;
}

TbsCertificateBuilder& TbsCertificateBuilder::validity(TimePoint not_before, TimePoint not_after) {
    if (not_after < not_before) fail(Errc::x509_bad_validity, "notAfter is before notBefore");
    m_not_before = not_before;
    m_not_after = not_after;
    return *this;
}

TbsCertificateBuilder& TbsCertificateBuilder::public_key(const SubjectPublicKeyInfo& spki) {
    m_spki = spki;
    return *this;
}

TbsCertificateBuilder& TbsCertificateBuilder::public_key(const crypto::Sm2PublicKey& key) {
    m_spki = SubjectPublicKeyInfo::from_sm2(key);
    return *this;
}

TbsCertificateBuilder& TbsCertificateBuilder::add_extension(Extension ext) {
    for (const auto& e : m_extensions)
        if (e.oid == ext.oid)
            fail(Errc::x509_duplicate_extension, "extension " + asn1::oid_display(ext.oid) + " added twice");
    m_extensions.push_back(std::move(ext));
    return *this;
}

TbsCertificateBuilder& TbsCertificateBuilder::add_extension(Result<Extension> ext) {
    if (!ext.ok()) {
        fail(ext.code(), ext.error().message);
        return *this;
    }
    return add_extension(std::move(ext).value());
}

TbsCertificateBuilder& TbsCertificateBuilder::basic_constraints(const BasicConstraints& v, bool critical) {
    return add_extension(encode_basic_constraints(v, critical));
}
TbsCertificateBuilder& TbsCertificateBuilder::key_usage(KeyUsage v, bool critical) {
    return add_extension(encode_key_usage(v, critical));
}
TbsCertificateBuilder& TbsCertificateBuilder::ext_key_usage(const ExtendedKeyUsage& v, bool critical) {
    return add_extension(encode_ext_key_usage(v, critical));
}
TbsCertificateBuilder& TbsCertificateBuilder::subject_key_identifier(BytesView key_id) {
    return add_extension(encode_subject_key_identifier(key_id));
}
TbsCertificateBuilder& TbsCertificateBuilder::subject_key_identifier_from_key() {
    if (!m_spki) {
        fail(Errc::invalid_argument, "subject_key_identifier_from_key() before public_key()");
        return *this;
    }
    return subject_key_identifier(key_identifier(m_spki->key_bytes()));
}
TbsCertificateBuilder& TbsCertificateBuilder::authority_key_identifier(BytesView key_id) {
    AuthorityKeyIdentifier aki;
    aki.key_id = Bytes(key_id.begin(), key_id.end());
    return add_extension(encode_authority_key_identifier(aki));
}
TbsCertificateBuilder& TbsCertificateBuilder::crl_distribution_points(const std::vector<std::string>& uris) {
    return add_extension(encode_crl_distribution_points(crl_distribution_points_from_uris(uris)));
}
TbsCertificateBuilder& TbsCertificateBuilder::freshest_crl(const std::vector<std::string>& uris) {
    // Same syntax as cRLDistributionPoints (RFC 5280 4.2.1.15), its own OID.
    auto ext = encode_crl_distribution_points(crl_distribution_points_from_uris(uris));
    if (ext) ext->oid = asn1::oids::ce_freshest_crl;
    return add_extension(std::move(ext));
}
TbsCertificateBuilder& TbsCertificateBuilder::authority_info_access(const std::vector<std::string>& ocsp,
                                                                    const std::vector<std::string>& ca_issuers) {
    return add_extension(encode_authority_info_access(authority_info_access_from_uris(ocsp, ca_issuers)));
}
TbsCertificateBuilder& TbsCertificateBuilder::certificate_policies(const CertificatePolicies& v, bool critical) {
    return add_extension(encode_certificate_policies(v, critical));
}
TbsCertificateBuilder& TbsCertificateBuilder::subject_alt_name(const SubjectAltName& v, bool critical) {
    return add_extension(encode_subject_alt_name(v, critical));
}
TbsCertificateBuilder& TbsCertificateBuilder::ocsp_no_check() { return add_extension(encode_ocsp_no_check()); }
TbsCertificateBuilder& TbsCertificateBuilder::gm_identity(const GmIdentity& v, bool critical) {
    return add_extension(encode_gm_identity(v, critical));
}

Result<Bytes> TbsCertificateBuilder::build_tbs() const {
    if (!m_status.ok()) return m_status.error();
    if (!m_serial) return make_error(Errc::invalid_argument, "certificate serial number not set");
    if (!m_issuer) return make_error(Errc::invalid_argument, "certificate issuer not set");
    if (m_issuer->empty()) return make_error(Errc::x509_bad_name, "empty issuer name (RFC 5280 4.1.2.4)");
    if (!m_not_before || !m_not_after) return make_error(Errc::invalid_argument, "certificate validity not set");
    if (!m_spki) return make_error(Errc::invalid_argument, "certificate public key not set");
    if (!m_extensions.empty() && m_version != 3)
        return make_error(Errc::x509_bad_version, "extensions need a v3 certificate (RFC 5280 4.1.2.9)");
    if (m_subject.empty()) {
        // RFC 5280 4.1.2.6: with an empty subject, subjectAltName is present and critical.
        bool ok = false;
        for (const auto& e : m_extensions)
            if (e.oid == oids::ce_subject_alt_name && e.critical) ok = true;
        if (!ok)
            return make_error(Errc::x509_bad_name, "empty subject needs a critical subjectAltName (RFC 5280 4.1.2.6)");
    }
    Bytes exts;
    if (!m_extensions.empty()) {
        YX_ASSIGN_OR_RETURN(exts, encode_extensions(m_extensions));
    }
    Writer w;
    w.sequence([&](Writer& t) {
        if (m_version == 3) t.context_explicit(0, [](Writer& v) { v.integer(2); });
        t.integer_unsigned(*m_serial);
        t.raw(m_alg.raw);
        t.raw(m_issuer->der());
        t.sequence([&](Writer& v) {
            v.time_rfc5280(*m_not_before);
            v.time_rfc5280(*m_not_after);
        });
        t.raw(m_subject.der());
        t.raw(m_spki->der());
        if (!exts.empty()) t.context_explicit(3, [&](Writer& x) { x.raw(exts); });
    });
    return w.finish();
}

Result<Certificate> TbsCertificateBuilder::sign_with(const crypto::Sm2PrivateKey& key, std::string_view sm2_id) const {
    if (m_alg.oid != oids::sm2_with_sm3)
        return make_error(Errc::x509_unsupported_algorithm, "sign_with() signs SM2-with-SM3 only");
    YX_ASSIGN_OR_RETURN(Bytes tbs, build_tbs());
    YX_ASSIGN_OR_RETURN(Bytes sig, crypto::sm2_sign(key, tbs, sm2_id));
    YX_ASSIGN_OR_RETURN(Bytes der, assemble_certificate(tbs, m_alg, sig));
    return Certificate::parse(der);
}

Result<Bytes> assemble_certificate(BytesView tbs_der, const AlgorithmIdentifier& alg, BytesView signature) {
    // RFC 5280 4.1.1.2: the outer signatureAlgorithm repeats tbsCertificate.signature.
    {
        YX_X509_ASSIGN(asn1::Element tbs, Errc::x509_bad_encoding, "tbsCertificate",
                       asn1::read_single(tbs_der, asn1::ReaderOptions::ber()));
        asn1::Reader t = tbs.children();
        YX_X509_TRY(Errc::x509_bad_encoding, "version", t.read_optional_context_explicit(0));
        YX_X509_TRY(Errc::x509_bad_encoding, "serialNumber", t.read_integer());
        YX_X509_ASSIGN(asn1::Element inner, Errc::x509_bad_encoding, "signature", t.read_sequence());
        YX_ASSIGN_OR_RETURN(AlgorithmIdentifier in, AlgorithmIdentifier::from_element(inner));
        if (!in.same_as(alg, true))
            return make_error(Errc::x509_algorithm_mismatch, "tbsCertificate.signature is " +
                                                                 asn1::oid_display(in.oid) + ", signatureAlgorithm " +
                                                                 asn1::oid_display(alg.oid));
    }
    Writer w;
    w.sequence([&](Writer& c) {
        c.raw(tbs_der);
        c.raw(alg.raw);
        c.bit_string(signature);
    });
    YX_X509_ASSIGN(Bytes der, Errc::x509_bad_encoding, "Certificate", w.finish());
    YX_TRY(Certificate::parse(der));
    return der;
}

}  // namespace yinxin::x509
