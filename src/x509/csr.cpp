#include "yinxin/x509/csr.h"

#include <set>

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/strings.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/x509/signature.h"

namespace yinxin::x509 {

namespace oids = asn1::oids;
namespace tags = asn1::tags;
using asn1::Element;
using asn1::Reader;
using asn1::Writer;

namespace {

Error bad_attr(std::string msg) { return make_error(Errc::x509_bad_attribute, std::move(msg)); }

}  // namespace

Result<CertificationRequest> CertificationRequest::parse(BytesView der, const ParseOptions& options) {
    // Checked before any parsing: the limit bounds the work an anonymous submitter can cause.
    if (der.size() > options.max_size)
        return make_error(Errc::x509_too_large, "certification request of " + std::to_string(der.size()) +
                                                    " bytes exceeds the " + std::to_string(options.max_size) +
                                                    "-byte limit");
    CertificationRequest c;
    c.m_der = std::make_shared<const Bytes>(der.begin(), der.end());
    const BytesView buf = *c.m_der;

    Reader top(buf, options.reader_options());
    YX_X509_ASSIGN(Element req, Errc::x509_bad_encoding, "CertificationRequest", top.read_sequence());
    if (!top.at_end())
        return make_error(Errc::x509_trailing_data,
                          std::to_string(top.remaining().size()) + " bytes after the CertificationRequest");
    Reader rr = req.children();
    YX_X509_ASSIGN(Element info, Errc::x509_bad_encoding, "certificationRequestInfo", rr.read_sequence());
    YX_X509_ASSIGN(Element alg, Errc::x509_bad_encoding, "signatureAlgorithm", rr.read_sequence());
    YX_X509_ASSIGN(asn1::BitString sig, Errc::x509_bad_encoding, "signature", rr.read_bit_string());
    YX_X509_TRY(Errc::x509_bad_encoding, "CertificationRequest", rr.expect_end());
    if (!sig.octet_aligned()) return make_error(Errc::x509_bad_encoding, "signature is not octet-aligned");
    c.m_info = info.raw();
    c.m_signature = sig.bytes;
    YX_ASSIGN_OR_RETURN(c.m_sig_alg, AlgorithmIdentifier::from_element(alg));

    Reader ir = info.children();
    YX_X509_ASSIGN(asn1::Integer version, Errc::x509_bad_encoding, "version", ir.read_integer());
    // RFC 2986 4.1: version is 0 for this version of the standard.
    if (!version.is_zero()) {
        auto v = version.to_int64();
        return make_error(Errc::x509_bad_version, "certification request version " +
                                                      (v.ok() ? std::to_string(*v) : std::string("(huge)")) +
                                                      ", expected 0 (RFC 2986 4.1)");
    }
    YX_X509_ASSIGN(Element subject, Errc::x509_bad_encoding, "subject", ir.read_sequence());
    YX_ASSIGN_OR_RETURN(c.m_subject, Name::from_element(subject));
    YX_X509_ASSIGN(Element spki, Errc::x509_bad_public_key, "subjectPKInfo", ir.read_sequence());
    YX_ASSIGN_OR_RETURN(c.m_spki, SubjectPublicKeyInfo::from_element(spki));

    // attributes [0] IMPLICIT SET OF Attribute (mandatory, possibly empty: RFC 2986 4.1).
    YX_X509_ASSIGN(auto attrs, Errc::x509_bad_encoding, "attributes", ir.read_optional_context_implicit(0));
    if (!attrs && !options.lenient) return make_error(Errc::x509_bad_encoding, "attributes [0] missing (RFC 2986 4.1)");
    if (attrs) {
        if (!attrs->tag().constructed) return bad_attr("attributes [0] must be constructed");
        Reader ar = attrs->children();
        std::set<asn1::Oid> seen_types;
        while (!ar.at_end()) {
            YX_X509_ASSIGN(Element a, Errc::x509_bad_attribute, "Attribute", ar.read_sequence());
            Reader x = a.children();
            CsrAttribute attr;
            YX_X509_ASSIGN(attr.type, Errc::x509_bad_attribute, "Attribute type", x.read_oid());
            YX_X509_ASSIGN(Element set, Errc::x509_bad_attribute, "Attribute values", x.read_set());
            YX_X509_TRY(Errc::x509_bad_attribute, "Attribute", x.expect_end());
            if (!seen_types.insert(attr.type).second)
                return bad_attr("attribute " + asn1::oid_display(attr.type) + " repeated");
            std::vector<Element> values;
            Reader vr = set.children();
            while (!vr.at_end()) {
                YX_X509_ASSIGN(Element v, Errc::x509_bad_attribute, "AttributeValue", vr.read());
                values.push_back(v);
                attr.values.emplace_back(v.raw().begin(), v.raw().end());
            }
            // RFC 2986 4.1 / X.501: values SET SIZE (1..MAX).
            if (values.empty()) return bad_attr("attribute " + asn1::oid_display(attr.type) + " has no value");
            if (attr.type == oids::pkcs9_challenge_password) {
                // RFC 2985 5.4.1: SINGLE VALUE, DirectoryString.
                if (values.size() != 1) return bad_attr("challengePassword must have a single value");
                auto s = values[0].as_string();
                if (!s.ok()) return bad_attr("challengePassword: " + s.error().to_string());
                c.m_challenge_password = std::move(s).value();
            } else if (attr.type == oids::pkcs9_extension_request) {
                // RFC 2985 5.4.2: SINGLE VALUE, Extensions.
                if (values.size() != 1) return bad_attr("extensionRequest must have a single value");
                if (!values[0].is(tags::sequence)) return bad_attr("extensionRequest value is not a SEQUENCE");
                auto ex = Extensions::parse(values[0], options);
                if (!ex.ok())
                    return detail::relabel(std::move(ex).error(), Errc::x509_bad_attribute, "extensionRequest");
                c.m_extensions = std::move(ex).value();
            }
            c.m_attributes.push_back(std::move(attr));
        }
    }
    YX_X509_TRY(Errc::x509_bad_encoding, "certificationRequestInfo", ir.expect_end());
    return c;
}

Result<CertificationRequest> CertificationRequest::parse_pem(std::string_view pem, const ParseOptions& options) {
    YX_ASSIGN_OR_RETURN(auto blocks, pem_decode_all(pem));
    for (const auto& b : blocks)
        if (b.label == "CERTIFICATE REQUEST" || b.label == "NEW CERTIFICATE REQUEST") return parse(b.der, options);
    return make_error(Errc::bad_pem, "no CERTIFICATE REQUEST block");
}

std::string CertificationRequest::pem() const { return pem_encode("CERTIFICATE REQUEST", *m_der); }

Status CertificationRequest::verify_pop(std::string_view sm2_id) const {
    switch (m_spki.key_type()) {
        case KeyType::sm2:
            if (m_sig_alg.oid != oids::sm2_with_sm3)
                return make_error(Errc::x509_unsupported_algorithm,
                                  "SM2 key with signature algorithm " + asn1::oid_display(m_sig_alg.oid));
            break;
        case KeyType::ec: {
            // Foreign EC keys: the NIST curves P-256 and P-384 only (secp256k1, P-192, P-521 ... refused).
            const auto& curve = m_spki.curve();
            if (!curve || (*curve != oids::prime256v1 && *curve != oids::secp384r1))
                return make_error(Errc::x509_unsupported_curve,
                                  "EC key on curve " + (curve ? asn1::oid_display(*curve) : std::string("(none)")) +
                                      "; accepted: SM2, P-256, P-384");
            break;
        }
        case KeyType::rsa: {
            YX_ASSIGN_OR_RETURN(std::size_t bits, m_spki.rsa_modulus_bits());
            if (bits < 2048)
                return make_error(Errc::x509_weak_key, "RSA key of " + std::to_string(bits) + " bits (minimum 2048)");
            break;
        }
        case KeyType::other:
            return make_error(Errc::x509_unsupported_algorithm,
                              "unsupported public key algorithm " + asn1::oid_display(m_spki.algorithm().oid));
    }
    // RFC 2986 3 step 3: the signature covers the DER CertificationRequestInfo, here as received.
    return verify_signature(m_sig_alg, m_spki, m_info, m_signature, sm2_id);
}

// ---------------------------------------------------------------------------------------------
// CsrBuilder

void CsrBuilder::fail(Errc code, std::string message) {
    if (m_status.ok()) m_status = make_error(code, std::move(message));
}

CsrBuilder& CsrBuilder::subject(const Name& name) {
    m_subject = name;
    return *this;
}
CsrBuilder& CsrBuilder::public_key(const SubjectPublicKeyInfo& spki) {
    m_spki = spki;
    return *this;
}
CsrBuilder& CsrBuilder::public_key(const crypto::Sm2PublicKey& key) {
    m_spki = SubjectPublicKeyInfo::from_sm2(key);
    return *this;
}
CsrBuilder& CsrBuilder::challenge_password(std::string password) {
    m_password = std::move(password);
    return *this;
}
CsrBuilder& CsrBuilder::add_extension(Extension ext) {
    for (const auto& e : m_extensions)
        if (e.oid == ext.oid)
            fail(Errc::x509_duplicate_extension, "extension " + asn1::oid_display(ext.oid) + " added twice");
    m_extensions.push_back(std::move(ext));
    return *this;
}
CsrBuilder& CsrBuilder::add_extension(Result<Extension> ext) {
    if (!ext.ok()) {
        fail(ext.code(), ext.error().message);
        return *this;
    }
    return add_extension(std::move(ext).value());
}
CsrBuilder& CsrBuilder::signature_algorithm(const AlgorithmIdentifier& alg) {
    m_alg = alg;
    return *this;
}

Result<Bytes> CsrBuilder::build_info() const {
    if (!m_status.ok()) return m_status.error();
    if (!m_spki) return make_error(Errc::invalid_argument, "request public key not set");
    Bytes exts;
    if (!m_extensions.empty()) {
        YX_ASSIGN_OR_RETURN(exts, encode_extensions(m_extensions));
    }
    Status st;
    Writer w;
    w.sequence([&](Writer& i) {
        i.integer(0);
        i.raw(m_subject.der());
        i.raw(m_spki->der());
        i.context_implicit(0, [&](Writer& a) {
            a.set_of([&](Writer& set) {
                if (m_password) {
                    set.sequence([&](Writer& attr) {
                        attr.oid(oids::pkcs9_challenge_password);
                        attr.set_of([&](Writer& v) {
                            st = detail::write_string(
                                v, asn1::is_printable_string(*m_password) ? tags::printable_string : tags::utf8_string,
                                *m_password);
                        });
                    });
                }
                if (!exts.empty()) {
                    set.sequence([&](Writer& attr) {
                        attr.oid(oids::pkcs9_extension_request);
                        attr.set_of([&](Writer& v) { v.raw(exts); });
                    });
                }
            });
        });
    });
    if (!st.ok()) return st.error();
    return w.finish();
}

Result<CertificationRequest> CsrBuilder::sign_with(const crypto::Sm2PrivateKey& key, std::string_view sm2_id) const {
    if (m_alg.oid != oids::sm2_with_sm3)
        return make_error(Errc::x509_unsupported_algorithm, "sign_with() signs SM2 only");
    YX_ASSIGN_OR_RETURN(Bytes info, build_info());
    YX_ASSIGN_OR_RETURN(Bytes sig, crypto::sm2_sign(key, info, sm2_id));
    YX_ASSIGN_OR_RETURN(Bytes der, assemble_csr(info, m_alg, sig));
    return CertificationRequest::parse(der);
}

Result<Bytes> assemble_csr(BytesView info_der, const AlgorithmIdentifier& alg, BytesView signature) {
    Writer w;
    w.sequence([&](Writer& c) {
        c.raw(info_der);
        c.raw(alg.raw);
        c.bit_string(signature);
    });
    return detail::relabel(w.finish(), Errc::x509_bad_encoding, "CertificationRequest");
}

}  // namespace yinxin::x509
