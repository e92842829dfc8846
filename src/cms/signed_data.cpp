#include "yinxin/cms/signed_data.h"

#include <algorithm>
#include <utility>

#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/crypto/digest.h"
#include "yinxin/crypto/signature.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/x509/signature.h"

namespace yinxin::cms {

namespace oids = asn1::oids;
namespace tags = asn1::tags;
using asn1::Element;
using asn1::Reader;

namespace {

// A lower-layer error (asn1.*, x509.*) becomes cms.bad_encoding with the field named; cms errors
// pass through.
Error relabel(Error e, std::string_view what) {
    const auto n = static_cast<std::uint32_t>(e.code);
    if (n > 4100 && n < 4200) return e;
    std::string msg(what);
    msg += ": ";
    msg += e.to_string();
    return make_error(Errc::cms_bad_encoding, std::move(msg));
}

#define YX_CMS_ASSIGN(lhs, what, expr) YX_CMS_ASSIGN_IMPL_(YX_CONCAT_(yx_cms_tmp_, __LINE__), lhs, what, expr)
#define YX_CMS_ASSIGN_IMPL_(tmp, lhs, what, expr)                \
    auto tmp = (expr);                                           \
    if (!tmp.ok()) return relabel(std::move(tmp).error(), what); \
    lhs = std::move(tmp).value()
#define YX_CMS_TRY(what, expr)                                                   \
    do {                                                                         \
        auto&& yx_cms_r_ = (expr);                                               \
        if (!yx_cms_r_.ok()) return relabel(std::move(yx_cms_r_).error(), what); \
    } while (false)

bool is_data_type(const asn1::Oid& oid) { return oid == oids::gm_data || oid == oids::pkcs7_data; }

bool is_sm3(const asn1::Oid& oid) { return oid == oids::sm3 || oid == oids::sm3_without_key; }

// GM/T 0010 writes 1.2.156.10197.1.301.1 (sm2-1 sign) as digestEncryptionAlgorithm; PKCS#7/CMS
// producers write SM2-with-SM3 or the bare SM2 OID.
bool is_sm2_signature(const asn1::Oid& oid) {
    return oid == oids::sm2_sign || oid == oids::sm2 || oid == oids::sm2_with_sm3;
}

Result<Bytes> digest(const x509::AlgorithmIdentifier& alg, BytesView data) {
    const auto a = digest_algorithm_of(alg.oid);
    if (!a) return make_error(Errc::cms_unsupported, "digest algorithm " + alg.oid.to_string() + " is not supported");
    return crypto::digest(*a, data);
}

// The X.509 signature algorithm a foreign (non-SM2) SignerInfo stands for: CMS producers write
// either the combined OID (ecdsa-with-SHA256, sha256WithRSAEncryption) or rsaEncryption with the
// hash in digestAlgorithm (RFC 3370 3.2). nullopt when the pair does not make sense.
std::optional<asn1::Oid> foreign_signature_oid(const asn1::Oid& sig, const asn1::Oid& dig) {
    struct Row {
        asn1::Oid digest, ecdsa, rsa;
    };
    static const Row rows[] = {
        {oids::sha256, oids::ecdsa_with_sha256, oids::sha256_with_rsa_encryption},
        {oids::sha384, oids::ecdsa_with_sha384, oids::sha384_with_rsa_encryption},
        {oids::sha512, oids::ecdsa_with_sha512, oids::sha512_with_rsa_encryption},
    };
    for (const auto& r : rows) {
        if (dig != r.digest) continue;
        if (sig == r.ecdsa || sig == r.rsa) return sig;
        if (sig == oids::rsa_encryption) return r.rsa;
    }
    return std::nullopt;
}

Result<SignerIdentifier> parse_sid(Reader& r) {
    SignerIdentifier sid;
    YX_CMS_ASSIGN(auto tag, "SignerIdentifier", r.peek_tag());
    if (tag == tags::sequence) {
        YX_CMS_ASSIGN(Element ias, "issuerAndSerialNumber", r.read_sequence());
        Reader c = ias.children();
        YX_CMS_ASSIGN(Element name, "issuer", c.read_sequence());
        YX_CMS_ASSIGN(x509::Name issuer, "issuer", x509::Name::from_element(name));
        sid.issuer = std::move(issuer);
        YX_CMS_ASSIGN(asn1::Integer serial, "serialNumber", c.read_integer());
        sid.serial.assign(serial.bytes().begin(), serial.bytes().end());
        YX_CMS_TRY("issuerAndSerialNumber", c.expect_end());
    } else if (tag.same_type(asn1::Tag::context(0))) {
        // RFC 5652 5.3: subjectKeyIdentifier [0] SubjectKeyIdentifier (IMPLICIT OCTET STRING).
        YX_CMS_ASSIGN(Element ski, "subjectKeyIdentifier", r.read_context_implicit(0));
        YX_CMS_ASSIGN(Bytes id, "subjectKeyIdentifier", ski.octet_string_bytes());
        sid.subject_key_identifier = std::move(id);
    } else {
        return make_error(Errc::cms_bad_encoding, "SignerIdentifier: unexpected " + tag.to_string());
    }
    return sid;
}

Status parse_signed_attrs(const Element& attrs, SignerInfo& si) {
    Reader r = attrs.children();
    while (!r.at_end()) {
        YX_CMS_ASSIGN(Element attr, "Attribute", r.read_sequence());
        Reader a = attr.children();
        YX_CMS_ASSIGN(asn1::Oid type, "Attribute type", a.read_oid());
        YX_CMS_ASSIGN(Element values, "Attribute values", a.read_set());
        YX_CMS_TRY("Attribute", a.expect_end());
        si.signed_attrs.push_back(Attribute{type, values.raw()});

        const bool known =
            type == oids::pkcs9_content_type || type == oids::pkcs9_message_digest || type == oids::pkcs9_signing_time;
        if (!known) continue;
        // RFC 5652 5.3: contentType, messageDigest and signingTime hold exactly one value and
        // appear at most once.
        Reader v = values.children();
        YX_CMS_ASSIGN(Element value, "Attribute value", v.read());
        if (!v.at_end()) {
            return make_error(Errc::cms_bad_attribute, "attribute " + asn1::oid_display(type) + " has several values");
        }
        auto dup = [&](bool present) -> Status {
            if (present)
                return make_error(Errc::cms_bad_attribute, "attribute " + asn1::oid_display(type) + " repeated");
            return ok_status();
        };
        if (type == oids::pkcs9_content_type) {
            YX_TRY(dup(si.content_type.has_value()));
            auto oid = value.as_oid();
            if (!value.is(tags::oid) || !oid.ok())
                return make_error(Errc::cms_bad_attribute, "contentType is not an OID");
            si.content_type = *oid;
        } else if (type == oids::pkcs9_message_digest) {
            YX_TRY(dup(si.message_digest.has_value()));
            auto md = value.octet_string_bytes();
            if (!value.tag().same_type(tags::octet_string) || !md.ok()) {
                return make_error(Errc::cms_bad_attribute, "messageDigest is not an OCTET STRING");
            }
            si.message_digest = std::move(*md);
        } else {
            YX_TRY(dup(si.signing_time.has_value()));
            auto t = value.as_time();
            if (!t.ok()) return make_error(Errc::cms_bad_attribute, "signingTime: " + t.error().to_string());
            si.signing_time = *t;
        }
    }
    return ok_status();
}

Result<SignerInfo> parse_signer_info(const Element& e) {
    SignerInfo si;
    Reader r = e.children();
    YX_CMS_ASSIGN(std::int64_t version, "SignerInfo version", r.read_int64());
    if (version < 0 || version > 5) return make_error(Errc::cms_bad_encoding, "SignerInfo version out of range");
    si.version = static_cast<int>(version);
    YX_CMS_ASSIGN(si.sid, "SignerInfo sid", parse_sid(r));
    YX_CMS_ASSIGN(Element dalg, "digestAlgorithm", r.read_sequence());
    YX_CMS_ASSIGN(si.digest_algorithm, "digestAlgorithm", x509::AlgorithmIdentifier::from_element(dalg));
    YX_CMS_ASSIGN(auto attrs, "authenticatedAttributes", r.read_optional_context_implicit(0));
    if (attrs) {
        if (!attrs->tag().constructed) {
            return make_error(Errc::cms_bad_encoding, "authenticatedAttributes is not constructed");
        }
        si.signed_attrs_raw = attrs->raw();
        YX_TRY(parse_signed_attrs(*attrs, si));
    }
    YX_CMS_ASSIGN(Element salg, "digestEncryptionAlgorithm", r.read_sequence());
    YX_CMS_ASSIGN(si.signature_algorithm, "digestEncryptionAlgorithm", x509::AlgorithmIdentifier::from_element(salg));
    YX_CMS_ASSIGN(Element sig, "encryptedDigest", r.read(tags::octet_string));
    YX_CMS_ASSIGN(si.signature, "encryptedDigest", sig.as_octet_string());
    YX_CMS_ASSIGN(auto unsigned_attrs, "unauthenticatedAttributes", r.read_optional_context_implicit(1));
    if (unsigned_attrs) si.unsigned_attrs_raw = unsigned_attrs->raw();
    YX_CMS_TRY("SignerInfo", r.expect_end());
    return si;
}

}  // namespace

std::optional<crypto::DigestAlgorithm> digest_algorithm_of(const asn1::Oid& oid) {
    using D = crypto::DigestAlgorithm;
    if (is_sm3(oid)) return D::sm3;
    if (oid == oids::sha1) return D::sha1;
    if (oid == oids::sha256) return D::sha256;
    if (oid == oids::sha384) return D::sha384;
    if (oid == oids::sha512) return D::sha512;
    return std::nullopt;
}

asn1::Oid digest_oid(crypto::DigestAlgorithm alg) {
    switch (alg) {
        case crypto::DigestAlgorithm::sha1: return oids::sha1;
        case crypto::DigestAlgorithm::sha256: return oids::sha256;
        case crypto::DigestAlgorithm::sha384: return oids::sha384;
        case crypto::DigestAlgorithm::sha512: return oids::sha512;
        case crypto::DigestAlgorithm::sm3: break;
    }
    return oids::sm3;
}

bool SignerIdentifier::matches(const x509::Certificate& cert) const {
    if (subject_key_identifier) {
        const auto& ski = cert.extensions().subject_key_identifier();
        return ski && *ski == *subject_key_identifier;
    }
    if (!issuer || !(cert.issuer() == *issuer)) return false;
    auto mine = asn1::Integer(serial).magnitude();
    auto theirs = asn1::Integer(cert.serial()).magnitude();
    if (!mine.ok() || !theirs.ok()) return false;
    return std::equal(mine->begin(), mine->end(), theirs->begin(), theirs->end());
}

Bytes SignerInfo::signed_attrs_for_signature() const {
    Bytes b(signed_attrs_raw.begin(), signed_attrs_raw.end());
    if (!b.empty()) b[0] = 0x31;
    return b;
}

Result<SignedData> SignedData::parse(BytesView der) {
    SignedData sd;
    sd.m_der = std::make_shared<const Bytes>(der.begin(), der.end());
    Reader top(*sd.m_der, asn1::ReaderOptions::ber());
    YX_CMS_ASSIGN(Element ci, "ContentInfo", top.read_sequence());
    YX_CMS_TRY("ContentInfo", top.expect_end());
    Reader c = ci.children();
    YX_CMS_ASSIGN(asn1::Oid type, "ContentInfo contentType", c.read_oid());
    if (type == oids::gm_signed_data) {
        sd.m_flavor = Flavor::gm;
    } else if (type == oids::pkcs7_signed_data) {
        sd.m_flavor = Flavor::pkcs7;
    } else {
        return make_error(Errc::cms_unsupported, "content type " + asn1::oid_display(type) + " is not signedData");
    }
    YX_CMS_ASSIGN(Element body, "ContentInfo content", c.read_context_explicit(0));
    YX_CMS_TRY("ContentInfo", c.expect_end());
    if (!body.is(tags::sequence)) return make_error(Errc::cms_bad_encoding, "SignedData is not a SEQUENCE");

    Reader s = body.children();
    YX_CMS_ASSIGN(std::int64_t version, "SignedData version", s.read_int64());
    if (version < 0 || version > 5) return make_error(Errc::cms_bad_encoding, "SignedData version out of range");
    sd.m_version = static_cast<int>(version);
    YX_CMS_ASSIGN(Element dalgs, "digestAlgorithms", s.read_set());
    for (Reader d = dalgs.children(); !d.at_end();) {
        YX_CMS_ASSIGN(Element alg, "digestAlgorithms", d.read_sequence());
        YX_CMS_ASSIGN(auto a, "digestAlgorithms", x509::AlgorithmIdentifier::from_element(alg));
        sd.m_digest_algorithms.push_back(std::move(a));
    }
    YX_CMS_ASSIGN(Element eci, "contentInfo", s.read_sequence());
    {
        Reader e = eci.children();
        YX_CMS_ASSIGN(sd.m_content_type, "contentInfo contentType", e.read_oid());
        YX_CMS_ASSIGN(auto content, "contentInfo content", e.read_optional_context_explicit(0));
        if (content) {
            // RFC 2315 allows any type here; GM/T 0010 and CMS put the data in an OCTET STRING.
            if (!content->tag().same_type(tags::octet_string)) {
                return make_error(Errc::cms_unsupported, "eContent is not an OCTET STRING");
            }
            YX_CMS_ASSIGN(Bytes bytes, "eContent", content->octet_string_bytes());
            sd.m_content = std::move(bytes);
        }
        YX_CMS_TRY("contentInfo", e.expect_end());
    }
    YX_CMS_ASSIGN(auto certs, "certificates", s.read_optional_context_implicit(0));
    if (certs) {
        for (Reader cr = certs->children(); !cr.at_end();) {
            YX_CMS_ASSIGN(Element cert, "certificates", cr.read());
            auto parsed = x509::Certificate::parse(cert.raw(), x509::ParseOptions::relaxed());
            if (parsed.ok()) {
                sd.m_certificates.push_back(std::move(*parsed));
            } else {
                sd.m_unparsed_certificates.push_back(cert.raw());
            }
        }
    }
    YX_CMS_ASSIGN(auto crls, "crls", s.read_optional_context_implicit(1));
    if (crls) {
        for (Reader cr = crls->children(); !cr.at_end();) {
            YX_CMS_ASSIGN(Element crl, "crls", cr.read());
            sd.m_crls.push_back(crl.raw());
        }
    }
    YX_CMS_ASSIGN(Element infos, "signerInfos", s.read_set());
    for (Reader ir = infos.children(); !ir.at_end();) {
        YX_CMS_ASSIGN(Element info, "SignerInfo", ir.read_sequence());
        YX_CMS_ASSIGN(SignerInfo si, "SignerInfo", parse_signer_info(info));
        sd.m_signers.push_back(std::move(si));
    }
    YX_CMS_TRY("SignedData", s.expect_end());
    return sd;
}

// ------------------------------------------------------------------------------------------------

bool SignerVerification::ok() const {
    auto good = [](CheckOutcome o) { return o != CheckOutcome::failed; };
    return errors.empty() && signer_found == CheckOutcome::passed && good(content_type) && good(message_digest) &&
           signature == CheckOutcome::passed;
}

bool VerifyResult::ok() const {
    return !signers.empty() && std::all_of(signers.begin(), signers.end(), [](const auto& s) { return s.ok(); });
}

Status VerifyResult::status() const {
    if (signers.empty()) return make_error(Errc::cms_no_signer, "SignedData has no SignerInfo");
    for (const auto& s : signers) {
        if (!s.errors.empty()) return s.errors.front();
        if (!s.ok()) return make_error(Errc::cms_signature_invalid, "signer " + std::to_string(s.index) + " failed");
    }
    return ok_status();
}

namespace {

void verify_signer(const SignedData& sd, const SignerInfo& si, BytesView content, const VerifyOptions& options,
                   SignerVerification& out) {
    out.signing_time = si.signing_time;

    const x509::Certificate* cert = nullptr;
    for (const auto& c : sd.certificates()) {
        if (si.sid.matches(c)) {
            cert = &c;
            break;
        }
    }
    if (cert == nullptr) {
        for (const auto& c : options.extra_certificates) {
            if (si.sid.matches(c)) {
                cert = &c;
                break;
            }
        }
    }
    if (cert == nullptr) {
        out.signer_found = CheckOutcome::failed;
        out.errors.push_back(make_error(Errc::cms_signer_not_found, "no certificate matches the signer identifier"));
    } else {
        out.signer_found = CheckOutcome::passed;
        out.signer_certificate = *cert;
    }

    if (si.has_signed_attrs()) {
        // RFC 5652 5.3: with signed attributes, contentType and messageDigest are mandatory.
        if (!si.content_type) {
            out.content_type = CheckOutcome::failed;
            out.errors.push_back(make_error(Errc::cms_bad_attribute, "signed attributes lack contentType"));
        } else if (*si.content_type == sd.content_type() ||
                   (is_data_type(*si.content_type) && is_data_type(sd.content_type()))) {
            out.content_type = CheckOutcome::passed;
        } else {
            out.content_type = CheckOutcome::failed;
            out.errors.push_back(make_error(
                Errc::cms_bad_attribute,
                "contentType attribute " + asn1::oid_display(*si.content_type) + " differs from the content's type"));
        }
        if (!si.message_digest) {
            out.message_digest = CheckOutcome::failed;
            out.errors.push_back(make_error(Errc::cms_bad_attribute, "signed attributes lack messageDigest"));
        } else {
            auto d = digest(si.digest_algorithm, content);
            if (!d.ok()) {
                out.message_digest = CheckOutcome::failed;
                out.errors.push_back(d.error());
            } else if (*d == *si.message_digest) {
                out.message_digest = CheckOutcome::passed;
            } else {
                out.message_digest = CheckOutcome::failed;
                out.errors.push_back(make_error(Errc::cms_digest_mismatch, "messageDigest does not match the content"));
            }
        }
    }

    if (cert == nullptr) {
        out.signature = CheckOutcome::failed;
        return;
    }
    const Bytes attrs = si.signed_attrs_for_signature();
    const BytesView message = si.has_signed_attrs() ? BytesView(attrs) : content;
    if (!is_sm2_signature(si.signature_algorithm.oid)) {
        // A foreign signer (an RFC 3161 TSA with ECDSA or RSA): checked through x509's dispatch.
        const auto alg = foreign_signature_oid(si.signature_algorithm.oid, si.digest_algorithm.oid);
        if (!alg) {
            out.signature = CheckOutcome::failed;
            out.errors.push_back(make_error(Errc::cms_unsupported,
                                            "signature algorithm " + asn1::oid_display(si.signature_algorithm.oid) +
                                                " with " + asn1::oid_display(si.digest_algorithm.oid) +
                                                " (SM2 with SM3, ECDSA or RSA with SHA-2 are supported)"));
            return;
        }
        auto st = x509::verify_signature(x509::AlgorithmIdentifier::make(*alg), cert->public_key_info(), message,
                                         si.signature);
        out.signature = st.ok() ? CheckOutcome::passed : CheckOutcome::failed;
        if (!st.ok()) {
            out.errors.push_back(make_error(
                st.code() == Errc::x509_signature_invalid ? Errc::cms_signature_invalid : Errc::cms_unsupported,
                st.error().to_string()));
        }
        return;
    }
    if (!is_sm3(si.digest_algorithm.oid)) {
        out.signature = CheckOutcome::failed;
        out.errors.push_back(make_error(
            Errc::cms_unsupported,
            "SM2 signature with digest " + asn1::oid_display(si.digest_algorithm.oid) + " (SM2 goes with SM3)"));
        return;
    }
    auto key = cert->public_key_info().sm2_public_key();
    if (!key.ok()) {
        out.signature = CheckOutcome::failed;
        out.errors.push_back(make_error(Errc::cms_unsupported, "signer key is not SM2: " + key.error().to_string()));
        return;
    }
    // RFC 5652 5.4 / GM/T 0010: the signature covers DER(SET OF signedAttrs) as received, else the content.
    auto st = crypto::sm2_verify(*key, message, si.signature, options.sm2_id);
    if (st.ok()) {
        out.signature = CheckOutcome::passed;
    } else {
        out.signature = CheckOutcome::failed;
        out.errors.push_back(make_error(Errc::cms_signature_invalid, "SM2 signature: " + st.error().to_string()));
    }
}

}  // namespace

Result<VerifyResult> verify(const SignedData& sd, std::optional<BytesView> content, const VerifyOptions& options) {
    VerifyResult result;
    if (sd.signers().empty()) return make_error(Errc::cms_no_signer, "SignedData has no SignerInfo");
    BytesView signed_content;
    if (sd.content()) {
        signed_content = *sd.content();
        result.binding = ContentBinding::embedded;
        if (content) {
            const Bytes& e = *sd.content();
            if (std::equal(e.begin(), e.end(), content->begin(), content->end())) {
                result.binding = ContentBinding::embedded;
            } else {
                // keyword.ofd Sign_3: the eContent is SM3(Signature.xml), signed without attributes.
                bool digest_match = false;
                for (const auto& alg : sd.digest_algorithms()) {
                    auto d = digest(alg, *content);
                    if (d.ok() && *d == e) digest_match = true;
                }
                if (!digest_match) {
                    return make_error(Errc::cms_digest_mismatch,
                                      "the attached content is neither the given content nor its digest");
                }
                result.binding = ContentBinding::embedded_digest;
            }
        }
    } else {
        if (!content) return make_error(Errc::cms_content_missing, "detached SignedData and no content given");
        signed_content = *content;
        result.binding = ContentBinding::detached;
    }
    for (std::size_t i = 0; i < sd.signers().size(); ++i) {
        SignerVerification v;
        v.index = i;
        verify_signer(sd, sd.signers()[i], signed_content, options, v);
        result.signers.push_back(std::move(v));
    }
    return result;
}

// ------------------------------------------------------------------------------------------------

namespace {

asn1::Oid data_oid(Flavor f) { return f == Flavor::gm ? oids::gm_data : oids::pkcs7_data; }
asn1::Oid signed_data_oid(Flavor f) { return f == Flavor::gm ? oids::gm_signed_data : oids::pkcs7_signed_data; }

}  // namespace

Result<Bytes> sign(BytesView content, const x509::Certificate& signer, const SignFunction& sign_fn,
                   const SignOptions& options) {
    if (!sign_fn) return make_error(Errc::invalid_argument, "no sign function");
    if (options.signed_attributes && !options.signing_time) {
        return make_error(Errc::invalid_argument, "signed attributes need a signing time");
    }
    auto key = signer.public_key_info().sm2_public_key();
    if (!key.ok()) return make_error(Errc::cms_unsupported, "signer key is not SM2: " + key.error().to_string());
    const auto& ski = signer.extensions().subject_key_identifier();
    if (options.identify_by_subject_key_identifier && !ski) {
        return make_error(Errc::invalid_argument, "the signer certificate has no subjectKeyIdentifier");
    }
    const bool by_ski = options.identify_by_subject_key_identifier;
    const std::int64_t version = by_ski ? 3 : 1;  // RFC 5652 5.1, 5.3

    const asn1::Oid content_type = options.content_type.value_or(data_oid(options.flavor));
    const auto md = crypto::sm3(content);

    // GM/T 0010 sample: AlgorithmIdentifiers carry NULL parameters.
    auto write_alg = [](asn1::Writer& w, const asn1::Oid& oid) {
        w.sequence([&](asn1::Writer& a) {
            a.oid(oid);
            a.null();
        });
    };

    Bytes attrs_der;  // the SET OF Attribute, tag 0x31: what the signature covers
    if (options.signed_attributes) {
        asn1::Writer w;
        w.set_of([&](asn1::Writer& set) {
            set.sequence([&](asn1::Writer& a) {
                a.oid(oids::pkcs9_content_type);
                a.set_of([&](asn1::Writer& v) { v.oid(content_type); });
            });
            set.sequence([&](asn1::Writer& a) {
                a.oid(oids::pkcs9_message_digest);
                a.set_of([&](asn1::Writer& v) { v.octet_string(md); });
            });
            set.sequence([&](asn1::Writer& a) {
                a.oid(oids::pkcs9_signing_time);
                a.set_of([&](asn1::Writer& v) { v.time_rfc5280(*options.signing_time); });  // RFC 5652 11.3
            });
            for (const auto& attr : options.extra_signed_attributes) {
                set.sequence([&](asn1::Writer& a) {
                    a.oid(attr.first);
                    a.set_of([&](asn1::Writer& v) { v.raw(attr.second); });
                });
            }
        });
        YX_ASSIGN_OR_RETURN(attrs_der, w.finish());
    }
    const BytesView message = options.signed_attributes ? BytesView(attrs_der) : content;
    YX_ASSIGN_OR_RETURN(Bytes raw_sig, sign_fn(message));
    YX_ASSIGN_OR_RETURN(auto norm, crypto::normalise_signature(raw_sig));
    if (auto st = crypto::sm2_verify(*key, message, norm.der, options.sm2_id); !st.ok()) {
        return make_error(Errc::cms_signature_invalid,
                          "the signature made does not verify with the signer certificate: " + st.error().to_string());
    }

    asn1::Writer w;
    w.sequence([&](asn1::Writer& ci) {
        ci.oid(signed_data_oid(options.flavor));
        ci.context_explicit(0, [&](asn1::Writer& x) {
            x.sequence([&](asn1::Writer& sd) {
                sd.integer(version);
                sd.set_of([&](asn1::Writer& d) { write_alg(d, oids::sm3); });
                sd.sequence([&](asn1::Writer& eci) {
                    eci.oid(content_type);
                    if (options.attach_content) {
                        eci.context_explicit(0, [&](asn1::Writer& c) { c.octet_string(content); });
                    }
                });
                if (options.include_signer_certificate || !options.extra_certificates.empty()) {
                    sd.constructed(asn1::Tag::context(0, true), [&](asn1::Writer& certs) {
                        if (options.include_signer_certificate) certs.raw(signer.der());
                        for (const auto& c : options.extra_certificates) certs.raw(c.der());
                    });
                }
                sd.set_of([&](asn1::Writer& infos) {
                    infos.sequence([&](asn1::Writer& si) {
                        si.integer(version);
                        if (by_ski) {
                            si.primitive(asn1::Tag::context(0), *ski);
                        } else {
                            si.sequence([&](asn1::Writer& ias) {
                                ias.raw(signer.issuer().der());
                                ias.primitive(tags::integer, signer.serial());
                            });
                        }
                        write_alg(si, oids::sm3);
                        if (options.signed_attributes) {
                            // [0] IMPLICIT: the same content octets as the SET signed above.
                            Reader r(attrs_der);
                            auto set = r.read_set();
                            si.constructed(asn1::Tag::context(0, true), [&](asn1::Writer& a) {
                                if (set.ok()) a.raw(set->content());
                            });
                        }
                        write_alg(si, options.signature_algorithm);
                        si.octet_string(norm.der);
                    });
                });
            });
        });
    });
    return w.finish();
}

SignFunction software_signer(const crypto::Sm2PrivateKey& key, std::string_view sm2_id) {
    return [key, id = std::string(sm2_id)](BytesView message) { return crypto::sm2_sign(key, message, id); };
}

}  // namespace yinxin::cms
