// Verification of RSA and ECDSA signatures, for foreign certificates in chains and interop
// (RSA-SHA256/384/512, RSA-PSS, ECDSA P-256/P-384 with SHA-2; RSA with SM3, 1.2.156.10197.1.504).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/base/secure.h"

namespace yinxin::crypto {

enum class ForeignAlgorithm {
    rsa_pkcs1_sha256,
    rsa_pkcs1_sha384,
    rsa_pkcs1_sha512,
    rsa_pkcs1_sm3,
    rsa_pss_sha256,
    ecdsa_sha256,
    ecdsa_sha384,
    ecdsa_sha512,
};

// `spki_der` is a SubjectPublicKeyInfo. RSA keys below 2048 bits are crypto.bad_key; a key type
// that does not match the algorithm is crypto.unsupported_algorithm.
Status verify_foreign(BytesView spki_der, ForeignAlgorithm alg, BytesView message, BytesView signature);

}  // namespace yinxin::crypto

struct evp_pkey_st;

namespace yinxin::crypto {

// An ECDSA P-256 private key in process memory: the software engine under the soft device's
// "ecdsa-p256" keys. It exists for the TLS certificate authority: browsers, curl and OpenSSL 3.0
// cannot check an SM2 chain with the GM signer ID (gm-and-seal-formats.md §6), so the HTTPS server
// certificate comes from a P-256 CA while every GM certificate stays SM2.
class EcdsaP256PrivateKey {
public:
    static Result<EcdsaP256PrivateKey> generate();
    // Unencrypted PKCS#8 PrivateKeyInfo DER on P-256; another curve or key type is crypto.bad_key.
    static Result<EcdsaP256PrivateKey> from_pkcs8_der(BytesView der);

    SecretBytes pkcs8_der() const;
    std::string pkcs8_pem() const;  // caller must treat as secret
    Bytes spki_der() const;
    // ECDSA-Sig-Value DER over SHA-256(message) (RFC 5758 ecdsa-with-SHA256).
    Result<Bytes> sign_sha256(BytesView message) const;

private:
    explicit EcdsaP256PrivateKey(std::shared_ptr<evp_pkey_st> p) : m_pkey(std::move(p)) {}
    std::shared_ptr<evp_pkey_st> m_pkey;
};

}  // namespace yinxin::crypto
