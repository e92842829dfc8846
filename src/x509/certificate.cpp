#include "yinxin/x509/certificate.h"

#include <openssl/evp.h>

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/x509/signature.h"

namespace yinxin::x509 {

namespace tags = asn1::tags;
using asn1::Element;
using asn1::Reader;

namespace {

// 1950-01-01T00:00:00Z and 2050-01-01T00:00:00Z.
constexpr std::int64_t k_1950 = -631152000;
constexpr std::int64_t k_2050 = 2524608000;

Result<asn1::UnixTime> read_time(Reader& r, const ParseOptions& options, std::string_view what) {
    YX_X509_ASSIGN(Element e, Errc::x509_bad_validity, what, r.read());
    YX_X509_ASSIGN(asn1::UnixTime t, Errc::x509_bad_validity, what, e.as_unix_time());
    // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    if (!options.lenient) {
        const bool utc_range = t.seconds >= k_1950 && t.seconds < k_2050;
        if (e.tag().same_type(tags::generalized_time) && utc_range)
            return make_error(Errc::x509_bad_validity,
                              std::string(what) + ": GeneralizedTime before 2050 (RFC 5280 4.1.2.5)");
        if (e.tag().same_type(tags::utc_time) && !utc_range)
            return make_error(Errc::x509_bad_validity, std::string(what) + ": UTCTime outside 1950-2049");
    }
    return t;
}

}  // namespace

Result<Certificate> Certificate::parse(BytesView der, const ParseOptions& options) {
    if (der.size() > options.max_size)
        return make_error(Errc::x509_too_large, "certificate of " + std::to_string(der.size()) + " bytes exceeds the " +
                                                    std::to_string(options.max_size) + "-byte limit");
    Certificate c;
    c.m_der = std::make_shared<const Bytes>(der.begin(), der.end());
    const BytesView buf = *c.m_der;
    const bool strict = !options.lenient;

    Reader top(buf, options.reader_options());
    YX_X509_ASSIGN(Element cert, Errc::x509_bad_encoding, "Certificate", top.read_sequence());
    if (!top.at_end())
        return make_error(Errc::x509_trailing_data,
                          std::to_string(top.remaining().size()) + " bytes after the Certificate");

    Reader cr = cert.children();
    YX_X509_ASSIGN(Element tbs, Errc::x509_bad_encoding, "tbsCertificate", cr.read_sequence());
    YX_X509_ASSIGN(Element outer_alg, Errc::x509_bad_encoding, "signatureAlgorithm", cr.read_sequence());
    YX_X509_ASSIGN(asn1::BitString sig, Errc::x509_bad_encoding, "signatureValue", cr.read_bit_string());
    YX_X509_TRY(Errc::x509_bad_encoding, "Certificate", cr.expect_end());
    if (!sig.octet_aligned()) return make_error(Errc::x509_bad_encoding, "signatureValue is not octet-aligned");
    c.m_tbs = tbs.raw();
    c.m_signature = sig.bytes;
    YX_ASSIGN_OR_RETURN(c.m_sig_alg, AlgorithmIdentifier::from_element(outer_alg));

    Reader t = tbs.children();
    // version [0] EXPLICIT Version DEFAULT v1
    YX_X509_ASSIGN(auto ver, Errc::x509_bad_encoding, "version", t.read_optional_context_explicit(0));
    if (ver) {
        YX_X509_ASSIGN(std::int64_t v, Errc::x509_bad_version, "version", ver->as_int64());
        if (v < 0 || v > 2)
            return make_error(Errc::x509_bad_version, "unknown certificate version " + std::to_string(v));
        if (v == 0 && strict) return make_error(Errc::x509_bad_version, "v1 encoded explicitly (X.690 11.5)");
        c.m_version = static_cast<int>(v) + 1;
    }

    YX_X509_ASSIGN(asn1::Integer serial, Errc::x509_bad_serial, "serialNumber", t.read_integer());
    c.m_serial = serial.bytes();
    // RFC 5280 4.1.2.2: positive, at most 20 octets.
    if (strict && (serial.is_negative() || serial.is_zero()))
        return make_error(Errc::x509_bad_serial, "serialNumber is not positive (RFC 5280 4.1.2.2)");
    if (strict && serial.bytes().size() > 20)
        return make_error(Errc::x509_bad_serial, "serialNumber longer than 20 octets (RFC 5280 4.1.2.2)");

    YX_X509_ASSIGN(Element inner_alg, Errc::x509_bad_encoding, "signature", t.read_sequence());
    YX_ASSIGN_OR_RETURN(AlgorithmIdentifier inner, AlgorithmIdentifier::from_element(inner_alg));
    // RFC 5280 4.1.1.2: signatureAlgorithm MUST contain the same algorithm identifier as the
    // signature field in the sequence tbsCertificate.
    if (!c.m_sig_alg.same_as(inner, strict))
        return make_error(Errc::x509_algorithm_mismatch, "signatureAlgorithm " + asn1::oid_display(c.m_sig_alg.oid) +
                                                             " differs from tbsCertificate.signature " +
                                                             asn1::oid_display(inner.oid));

    YX_X509_ASSIGN(Element issuer, Errc::x509_bad_encoding, "issuer", t.read_sequence());
    YX_ASSIGN_OR_RETURN(c.m_issuer, Name::from_element(issuer));
    // RFC 5280 4.1.2.4: the issuer field MUST contain a non-empty distinguished name.
    if (strict && c.m_issuer.empty()) return make_error(Errc::x509_bad_name, "empty issuer name");

    YX_X509_ASSIGN(Element validity, Errc::x509_bad_validity, "validity", t.read_sequence());
    Reader vr = validity.children();
    YX_ASSIGN_OR_RETURN(c.m_not_before, read_time(vr, options, "notBefore"));
    YX_ASSIGN_OR_RETURN(c.m_not_after, read_time(vr, options, "notAfter"));
    YX_X509_TRY(Errc::x509_bad_validity, "validity", vr.expect_end());

    YX_X509_ASSIGN(Element subject, Errc::x509_bad_encoding, "subject", t.read_sequence());
    YX_ASSIGN_OR_RETURN(c.m_subject, Name::from_element(subject));

    YX_X509_ASSIGN(Element spki, Errc::x509_bad_public_key, "subjectPublicKeyInfo", t.read_sequence());
    YX_ASSIGN_OR_RETURN(c.m_spki, SubjectPublicKeyInfo::from_element(spki));

    // issuerUniqueID [1] / subjectUniqueID [2] IMPLICIT UniqueIdentifier: skipped (RFC 5280
    // 4.1.2.8: CAs MUST NOT generate them; only v2 and v3 may carry them).
    for (std::uint32_t n : {1u, 2u}) {
        YX_X509_ASSIGN(auto uid, Errc::x509_bad_encoding, "uniqueIdentifier", t.read_optional_context_implicit(n));
        if (uid && strict && c.m_version < 2)
            return make_error(Errc::x509_bad_version, "unique identifier in a v1 certificate (RFC 5280 4.1.2.8)");
    }

    YX_X509_ASSIGN(auto exts, Errc::x509_bad_encoding, "extensions", t.read_optional_context_explicit(3));
    if (exts) {
        // RFC 5280 4.1.2.9: extensions only in v3.
        if (strict && c.m_version != 3)
            return make_error(Errc::x509_bad_version,
                              "extensions in a v" + std::to_string(c.m_version) + " certificate");
        YX_ASSIGN_OR_RETURN(c.m_extensions, Extensions::parse(*exts, options));
    }
    YX_X509_TRY(Errc::x509_bad_encoding, "tbsCertificate", t.expect_end());

    // RFC 5280 4.1.2.6: an empty subject needs a (critical) subjectAltName.
    if (strict && c.m_subject.empty()) {
        const Extension* san = c.m_extensions.find(asn1::oids::ce_subject_alt_name);
        if (san == nullptr || !san->critical)
            return make_error(Errc::x509_bad_name,
                              "empty subject without a critical subjectAltName (RFC 5280 4.1.2.6)");
    }
    return c;
}

Result<Certificate> Certificate::parse_pem(std::string_view pem, const ParseOptions& options) {
    YX_ASSIGN_OR_RETURN(Bytes der, pem_decode(pem, "CERTIFICATE"));
    return parse(der, options);
}

Result<std::vector<Certificate>> Certificate::parse_pem_all(std::string_view pem, const ParseOptions& options) {
    YX_ASSIGN_OR_RETURN(auto blocks, pem_decode_all(pem));
    std::vector<Certificate> out;
    for (const auto& b : blocks) {
        if (b.label != "CERTIFICATE") continue;
        YX_ASSIGN_OR_RETURN(Certificate c, parse(b.der, options));
        out.push_back(std::move(c));
    }
    if (out.empty()) return make_error(Errc::bad_pem, "no CERTIFICATE block");
    return out;
}

std::string Certificate::serial_hex() const {
    asn1::Integer i(m_serial);
    if (i.is_negative()) return "-" + hex_encode(m_serial);
    auto mag = i.magnitude();
    if (!mag.ok() || mag->empty()) return "0";
    return hex_encode(*mag);
}

bool Certificate::valid_at(TimePoint t) const {
    const asn1::UnixTime u = asn1::to_unix_time(t);
    return u >= m_not_before && u <= m_not_after;
}

std::string Certificate::pem() const { return pem_encode("CERTIFICATE", *m_der); }

crypto::Sm3Digest Certificate::fingerprint_sm3() const { return crypto::sm3(*m_der); }

Sha256Digest Certificate::fingerprint_sha256() const {
    Sha256Digest d{};
    unsigned int len = 0;
    if (EVP_Digest(m_der->data(), m_der->size(), d.data(), &len, EVP_sha256(), nullptr) != 1 || len != d.size())
        throw std::runtime_error("EVP_Digest(SHA-256) failed");  // only on allocation failure: a bug-level event
    return d;
}

Status Certificate::verify_signature_with(const SubjectPublicKeyInfo& issuer_key, std::string_view sm2_id) const {
    return verify_signature(m_sig_alg, issuer_key, m_tbs, m_signature, sm2_id);
}

}  // namespace yinxin::x509
