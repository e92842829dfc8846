#include "yinxin/x509/public_key.h"

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/writer.h"

namespace yinxin::x509 {

namespace oids = asn1::oids;
namespace tags = asn1::tags;

namespace {

constexpr std::uint8_t k_null_tlv[] = {0x05, 0x00};

bool takes_null_parameters(const asn1::Oid& oid) {
    // RFC 4055 5 / RFC 8017 A.2.4: PKCS#1 v1.5 identifiers carry NULL parameters.
    return oid == oids::rsa_encryption || oid == oids::sha1_with_rsa_encryption ||
           oid == oids::sha256_with_rsa_encryption || oid == oids::sha384_with_rsa_encryption ||
           oid == oids::sha512_with_rsa_encryption || oid == oids::rsa_with_sm3;
}

}  // namespace

Result<AlgorithmIdentifier> AlgorithmIdentifier::from_element(const asn1::Element& e) {
    if (!e.is(tags::sequence))
        return make_error(Errc::x509_bad_encoding,
                          "AlgorithmIdentifier is not a SEQUENCE (" + e.tag().to_string() + ")");
    asn1::Reader r = e.children();
    AlgorithmIdentifier a;
    YX_X509_ASSIGN(a.oid, Errc::x509_bad_encoding, "AlgorithmIdentifier algorithm", r.read_oid());
    if (!r.at_end()) {
        YX_X509_ASSIGN(asn1::Element p, Errc::x509_bad_encoding, "AlgorithmIdentifier parameters", r.read());
        a.parameters = Bytes(p.raw().begin(), p.raw().end());
    }
    YX_X509_TRY(Errc::x509_bad_encoding, "AlgorithmIdentifier", r.expect_end());
    a.raw = Bytes(e.raw().begin(), e.raw().end());
    return a;
}

AlgorithmIdentifier AlgorithmIdentifier::make(const asn1::Oid& oid) {
    if (takes_null_parameters(oid)) return make(oid, k_null_tlv);
    AlgorithmIdentifier a;
    a.oid = oid;
    asn1::Writer w;
    w.sequence([&](asn1::Writer& s) { s.oid(oid); });
    a.raw = w.finish().value();  // an OID and nothing else cannot fail
    return a;
}

AlgorithmIdentifier AlgorithmIdentifier::make(const asn1::Oid& oid, BytesView parameters_tlv) {
    AlgorithmIdentifier a;
    a.oid = oid;
    a.parameters = Bytes(parameters_tlv.begin(), parameters_tlv.end());
    asn1::Writer w;
    w.sequence([&](asn1::Writer& s) {
        s.oid(oid);
        s.raw(parameters_tlv);
    });
    // A parameters value that is not one TLV is a programming error in the caller.
    a.raw = w.finish().value();
    return a;
}

bool AlgorithmIdentifier::parameters_absent_or_null() const {
    return !parameters || *parameters == Bytes(std::begin(k_null_tlv), std::end(k_null_tlv));
}

bool AlgorithmIdentifier::same_as(const AlgorithmIdentifier& other, bool strict) const {
    if (strict) return raw == other.raw;
    if (oid != other.oid) return false;
    if (parameters_absent_or_null() && other.parameters_absent_or_null()) return true;
    return parameters == other.parameters;
}

Result<SubjectPublicKeyInfo> SubjectPublicKeyInfo::from_element(const asn1::Element& e) {
    if (!e.is(tags::sequence))
        return make_error(Errc::x509_bad_public_key,
                          "SubjectPublicKeyInfo is not a SEQUENCE (" + e.tag().to_string() + ")");
    asn1::Reader r = e.children();
    SubjectPublicKeyInfo k;
    YX_X509_ASSIGN(asn1::Element alg, Errc::x509_bad_public_key, "SubjectPublicKeyInfo algorithm", r.read_sequence());
    auto a = AlgorithmIdentifier::from_element(alg);
    if (!a.ok()) return make_error(Errc::x509_bad_public_key, "SubjectPublicKeyInfo algorithm: " + a.error().message);
    k.m_algorithm = std::move(a).value();
    YX_X509_ASSIGN(asn1::BitString bits, Errc::x509_bad_public_key, "subjectPublicKey", r.read_bit_string());
    YX_X509_TRY(Errc::x509_bad_public_key, "SubjectPublicKeyInfo", r.expect_end());
    if (!bits.octet_aligned()) return make_error(Errc::x509_bad_public_key, "subjectPublicKey is not octet-aligned");
    k.m_key = Bytes(bits.bytes.begin(), bits.bytes.end());
    k.m_raw = Bytes(e.raw().begin(), e.raw().end());
    // RFC 5480 2.1.1: ECParameters ::= CHOICE { namedCurve OBJECT IDENTIFIER, ... }; only the
    // named form is allowed in PKIX.
    if (k.m_algorithm.oid == oids::id_ec_public_key && k.m_algorithm.parameters) {
        asn1::Reader pr(*k.m_algorithm.parameters, e.options());
        auto curve = pr.read_oid();
        if (curve.ok() && pr.at_end()) k.m_curve = *curve;
    }
    if (k.m_algorithm.oid == oids::id_ec_public_key && !k.m_curve)
        return make_error(Errc::x509_bad_public_key, "EC public key without a namedCurve (RFC 5480 2.1.1)");
    return k;
}

Result<SubjectPublicKeyInfo> SubjectPublicKeyInfo::parse(BytesView der, const ParseOptions& options) {
    YX_X509_ASSIGN(asn1::Element e, Errc::x509_bad_public_key, "SubjectPublicKeyInfo",
                   asn1::read_single(der, options.reader_options()));
    return from_element(e);
}

SubjectPublicKeyInfo SubjectPublicKeyInfo::from_sm2(const crypto::Sm2PublicKey& key) {
    // crypto writes id-ecPublicKey + namedCurve SM2; not parsing it back is a bug there.
    return parse(key.spki_der()).value();
}

KeyType SubjectPublicKeyInfo::key_type() const {
    if (m_algorithm.oid == oids::sm2) return KeyType::sm2;
    if (m_algorithm.oid == oids::id_ec_public_key) {
        if (m_curve && *m_curve == oids::sm2) return KeyType::sm2;
        return KeyType::ec;
    }
    // RFC 4055 1.2: an RSASSA-PSS key is an RSA key restricted to PSS.
    if (m_algorithm.oid == oids::rsa_encryption || m_algorithm.oid == oids::rsassa_pss) return KeyType::rsa;
    return KeyType::other;
}

Result<crypto::Sm2PublicKey> SubjectPublicKeyInfo::sm2_public_key() const {
    if (!is_sm2()) return make_error(Errc::x509_unsupported_algorithm, "public key is not an SM2 key");
    return detail::relabel(crypto::Sm2PublicKey::from_point(m_key), Errc::x509_bad_public_key, "SM2 public key");
}

Result<std::size_t> SubjectPublicKeyInfo::rsa_modulus_bits() const {
    if (key_type() != KeyType::rsa) return make_error(Errc::x509_bad_public_key, "not an RSA key");
    // RFC 8017 A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }.
    asn1::Reader r(m_key, asn1::ReaderOptions::ber());
    YX_X509_ASSIGN(asn1::Element seq, Errc::x509_bad_public_key, "RSAPublicKey", r.read_sequence());
    asn1::Reader s = seq.children();
    YX_X509_ASSIGN(asn1::Integer n, Errc::x509_bad_public_key, "RSA modulus", s.read_integer());
    YX_X509_ASSIGN(BytesView mag, Errc::x509_bad_public_key, "RSA modulus", n.magnitude());
    if (mag.empty()) return make_error(Errc::x509_bad_public_key, "RSA modulus is zero");
    std::size_t bits = (mag.size() - 1) * 8;
    for (std::uint8_t top = mag[0]; top != 0; top >>= 1) ++bits;
    return bits;
}

Result<AlgorithmIdentifier> signature_algorithm_for(const SubjectPublicKeyInfo& key) {
    if (key.is_sm2()) return AlgorithmIdentifier::sm2_with_sm3();
    if (key.is_p256()) return AlgorithmIdentifier::ecdsa_with_sha256();
    return make_error(Errc::x509_unsupported_algorithm,
                      "a CA key must be SM2 or ECDSA P-256, not " + key.algorithm().oid.to_string());
}

}  // namespace yinxin::x509
