// SM2 (GB/T 32918 / GM/T 0003) keys, signatures and the Z value, through OpenSSL 3.
//
// gm-and-seal-formats.md §6.1: OpenSSL 3.0 signs and verifies SM2 with an EMPTY distinguishing ID
// unless told otherwise. Every function here takes the ID explicitly, with the GM/T 0009 default.
#pragma once

#include <memory>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/base/secure.h"
#include "yinxin/crypto/sm3.h"

typedef struct evp_pkey_st EVP_PKEY;  // NOLINT(modernize-use-using): OpenSSL's own forward name

namespace yinxin::crypto {

// GM/T 0009 §10: the default user ID, 16 ASCII bytes (ENTL = 0x0080).
inline constexpr std::string_view k_default_sm2_id = "1234567812345678";

// An SM2 public key on the sm2p256v1 curve (OID 1.2.156.10197.1.301).
class Sm2PublicKey {
public:
    // Uncompressed point 04 || X || Y (65 bytes); off-curve points are crypto.point_not_on_curve.
    static Result<Sm2PublicKey> from_point(BytesView uncompressed);
    // SubjectPublicKeyInfo DER with id-ecPublicKey + namedCurve 1.2.156.10197.1.301.
    static Result<Sm2PublicKey> from_spki_der(BytesView der);
    static Result<Sm2PublicKey> from_pem(std::string_view pem);  // "PUBLIC KEY"

    Bytes point() const;  // 65 bytes, 04 || X || Y
    Bytes spki_der() const;
    std::string pem() const;
    EVP_PKEY* native() const noexcept { return m_pkey.get(); }

private:
    struct Free {
        void operator()(EVP_PKEY* p) const noexcept;
    };
    // Takes ownership of `p` (freed with EVP_PKEY_free). Shared: copies of a key are cheap.
    explicit Sm2PublicKey(EVP_PKEY* p) : m_pkey(p, Free{}) {}
    std::shared_ptr<EVP_PKEY> m_pkey;
    friend class Sm2PrivateKey;
};

// An SM2 private key held in process memory. Inside Yinxin, long-term keys live in a device (the
// device layer); this type is the software engine under it and for tests and tools.
class Sm2PrivateKey {
public:
    static Result<Sm2PrivateKey> generate();
    // 32-byte big-endian scalar d, 1 <= d <= n-2 (GB/T 32918.1 6.1), else crypto.bad_key.
    static Result<Sm2PrivateKey> from_scalar(BytesView d);
    // PKCS#8 PrivateKeyInfo DER (unencrypted; a SEC1 ECPrivateKey with the SM2 curve OID is
    // accepted too), or PEM "PRIVATE KEY" / "EC PRIVATE KEY" / "SM2 PRIVATE KEY" (OpenSSL 3.0's
    // label for SEC1 SM2 keys). Another curve, or an encrypted key, is crypto.bad_key.
    static Result<Sm2PrivateKey> from_pkcs8_der(BytesView der);
    static Result<Sm2PrivateKey> from_pem(std::string_view pem);

    SecretBytes scalar() const;  // 32 bytes
    SecretBytes pkcs8_der() const;
    std::string pkcs8_pem() const;  // caller must treat as secret
    Sm2PublicKey public_key() const;
    EVP_PKEY* native() const noexcept { return m_pkey.get(); }

private:
    Sm2PrivateKey(EVP_PKEY* p, Sm2PublicKey pub) : m_pkey(p, Sm2PublicKey::Free{}), m_public(std::move(pub)) {}
    std::shared_ptr<EVP_PKEY> m_pkey;  // key pair: private scalar and public point
    Sm2PublicKey m_public;             // public half only, for verification and Z
};

// Longest ID accepted (crypto.bad_id beyond): ENTL allows 8191 bytes, OpenSSL 3.0 one fewer.
inline constexpr std::size_t k_max_sm2_id_len = 8190;

// Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2 5.5).
Result<Sm3Digest> sm2_z(const Sm2PublicKey& key, std::string_view id = k_default_sm2_id);
// e = SM3(Z || M): the value actually signed.
Result<Sm3Digest> sm2_e(const Sm3Digest& z, BytesView message);

// One-shot signing: DER SEQUENCE{r, s}.
Result<Bytes> sm2_sign(const Sm2PrivateKey& key, BytesView message, std::string_view id = k_default_sm2_id);
// Accepts DER, raw 64-byte r||s and non-minimal DER (normalised first, see signature.h).
// A wrong signature is crypto.signature_invalid; an unparseable one crypto.bad_signature_encoding.
Status sm2_verify(const Sm2PublicKey& key, BytesView message, BytesView signature,
                  std::string_view id = k_default_sm2_id);

// Signer for a fixed key and ID: Z is computed once (the CA, OCSP responder and seal signer sign
// many messages with one key).
class Sm2Signer {
public:
    static Result<Sm2Signer> create(const Sm2PrivateKey& key, std::string_view id = k_default_sm2_id);
    Result<Bytes> sign(BytesView message) const;
    // Signs a precomputed e = SM3(Z || M) (for devices that hash outside, GM/T 0018 InternalSign_ECC).
    Result<Bytes> sign_digest(const Sm3Digest& e) const;
    const Sm3Digest& z() const noexcept { return m_z; }

private:
    Sm2Signer(Sm2PrivateKey key, Sm3Digest z) : m_key(std::move(key)), m_z(z) {}
    Sm2PrivateKey m_key;
    Sm3Digest m_z;
};

class Sm2Verifier {
public:
    static Result<Sm2Verifier> create(const Sm2PublicKey& key, std::string_view id = k_default_sm2_id);
    Status verify(BytesView message, BytesView signature) const;
    Status verify_digest(const Sm3Digest& e, BytesView signature) const;
    const Sm3Digest& z() const noexcept { return m_z; }

private:
    Sm2Verifier(Sm2PublicKey key, Sm3Digest z) : m_key(std::move(key)), m_z(z) {}
    Sm2PublicKey m_key;
    Sm3Digest m_z;
};

namespace kat {
// Deterministic signing with a caller-chosen k, ONLY for reproducing the GM/T 0003 annex
// known-answer vectors in tests. Production signing never takes k from outside.
Result<Bytes> sm2_sign_with_k(const Sm2PrivateKey& key, const Sm3Digest& e, BytesView k);
// SM2 encryption with a caller-chosen k, C1C3C2 raw output (same purpose).
Result<Bytes> sm2_encrypt_with_k(const Sm2PublicKey& key, BytesView plaintext, BytesView k);
}  // namespace kat

}  // namespace yinxin::crypto
