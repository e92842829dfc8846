// AlgorithmIdentifier (RFC 5280 4.1.1.2) and SubjectPublicKeyInfo (RFC 5280 4.1.2.7, RFC 5480).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "yinxin/asn1/oid.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/options.h"

namespace yinxin::x509 {

struct AlgorithmIdentifier {
    asn1::Oid oid;
    std::optional<Bytes> parameters;  // the parameters TLV as received, absent when omitted
    Bytes raw;                        // the whole AlgorithmIdentifier TLV as received (or as built)

    static Result<AlgorithmIdentifier> from_element(const asn1::Element& e);
    // Builds the DER. Per algorithm convention: no parameters for SM2-with-SM3 (GM/T 0006 and every
    // real GM certificate) and ECDSA (RFC 5758 3.2); NULL for RSA PKCS#1 v1.5 (RFC 4055 5).
    static AlgorithmIdentifier make(const asn1::Oid& oid);
    static AlgorithmIdentifier make(const asn1::Oid& oid, BytesView parameters_tlv);
    static AlgorithmIdentifier sm2_with_sm3() { return make(asn1::oids::sm2_with_sm3); }
    // RFC 5758 3.2: no parameters.
    static AlgorithmIdentifier ecdsa_with_sha256() { return make(asn1::oids::ecdsa_with_sha256); }

    bool parameters_absent_or_null() const;
    // RFC 5280 4.1.1.2 (signatureAlgorithm equals tbsCertificate.signature): byte-equal when
    // `strict`, else the same OID and parameters with absent treated as NULL.
    bool same_as(const AlgorithmIdentifier& other, bool strict) const;
};

enum class KeyType { sm2, ec, rsa, other };

class SubjectPublicKeyInfo {
public:
    // x509.bad_public_key for a malformed SPKI; asn1 errors become x509.bad_encoding.
    static Result<SubjectPublicKeyInfo> parse(BytesView der, const ParseOptions& options = {});
    static Result<SubjectPublicKeyInfo> from_element(const asn1::Element& e);
    static SubjectPublicKeyInfo from_sm2(const crypto::Sm2PublicKey& key);

    const Bytes& der() const { return m_raw; }
    const AlgorithmIdentifier& algorithm() const { return m_algorithm; }
    // The namedCurve of an id-ecPublicKey key (RFC 5480 2.1.1); nullopt for other key types or
    // explicit curve parameters.
    const std::optional<asn1::Oid>& curve() const { return m_curve; }
    // subjectPublicKey BIT STRING octets (04||X||Y for EC keys, RSAPublicKey DER for RSA).
    const Bytes& key_bytes() const { return m_key; }

    // SM2: id-ecPublicKey with namedCurve 1.2.156.10197.1.301 (gm-and-seal-formats §3), or the
    // algorithm OID 1.2.156.10197.1.301 itself, which some GM producers write.
    KeyType key_type() const;
    bool is_sm2() const { return key_type() == KeyType::sm2; }
    // id-ecPublicKey on prime256v1 (RFC 5480), the TLS CA's key type.
    bool is_p256() const { return key_type() == KeyType::ec && m_curve && *m_curve == asn1::oids::prime256v1; }
    // x509.unsupported_algorithm when the key is not SM2; crypto errors for a bad point.
    Result<crypto::Sm2PublicKey> sm2_public_key() const;
    // RSA modulus size in bits (RFC 8017 A.1.1); x509.bad_public_key when not an RSA key.
    Result<std::size_t> rsa_modulus_bits() const;

    friend bool operator==(const SubjectPublicKeyInfo& a, const SubjectPublicKeyInfo& b) { return a.m_raw == b.m_raw; }

private:
    Bytes m_raw;
    AlgorithmIdentifier m_algorithm;
    std::optional<asn1::Oid> m_curve;
    Bytes m_key;
};

// The algorithm a CA key signs with: SM2-with-SM3 for SM2 keys (every GM certificate, CRL and
// OCSP response), ecdsa-with-SHA256 for P-256 keys (the TLS CA only). x509.unsupported_algorithm
// for any other key.
Result<AlgorithmIdentifier> signature_algorithm_for(const SubjectPublicKeyInfo& key);

}  // namespace yinxin::x509
