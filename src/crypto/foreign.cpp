#include "yinxin/crypto/foreign.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>

#include "openssl_util.h"

namespace yinxin::crypto {

using namespace detail;

namespace {

struct AlgInfo {
    const char* digest;
    bool rsa;
    bool pss;
};

AlgInfo info(ForeignAlgorithm alg) {
    switch (alg) {
        case ForeignAlgorithm::rsa_pkcs1_sha256: return {"SHA256", true, false};
        case ForeignAlgorithm::rsa_pkcs1_sha384: return {"SHA384", true, false};
        case ForeignAlgorithm::rsa_pkcs1_sha512: return {"SHA512", true, false};
        case ForeignAlgorithm::rsa_pkcs1_sm3: return {"SM3", true, false};
        case ForeignAlgorithm::rsa_pss_sha256: return {"SHA256", true, true};
        case ForeignAlgorithm::ecdsa_sha256: return {"SHA256", false, false};
        case ForeignAlgorithm::ecdsa_sha384: return {"SHA384", false, false};
        case ForeignAlgorithm::ecdsa_sha512: return {"SHA512", false, false};
    }
    return {"SHA256", true, false};
}

// ECDSA is accepted on the NIST prime curves only; an SM2 key is never an ECDSA key.
bool ecdsa_curve_ok(EVP_PKEY* pkey) {
    char name[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) {
        ERR_clear_error();
        return false;
    }
    const std::string_view n(name, len);
    return n == "prime256v1" || n == "P-256" || n == "secp384r1" || n == "P-384" || n == "secp521r1" || n == "P-521";
}

// RSA PKCS#1 v1.5 with SM3 (RSA-with-SM3, 1.2.156.10197.1.504). OpenSSL 3.0's RSA signature
// provider refuses SM3 ("digest not allowed"), so the public-key operation is done with
// EVP_PKEY_verify_recover (PKCS#1 type 1 unpadding, no digest) and the recovered DigestInfo
// (RFC 8017 9.2) is compared with the expected one. Both encodings of the AlgorithmIdentifier are
// accepted: with NULL parameters (what BouncyCastle and most GM toolkits write) and without
// (RFC 8017 9.2 note 2 allows verifiers to accept it).
Status verify_rsa_sm3(EVP_PKEY* pkey, BytesView message, BytesView signature) {
    static constexpr std::uint8_t k_with_null[] = {0x30, 0x30, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x81, 0x1c,
                                                   0xcf, 0x55, 0x01, 0x83, 0x11, 0x05, 0x00, 0x04, 0x20};
    static constexpr std::uint8_t k_without_null[] = {0x30, 0x2e, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x81,
                                                      0x1c, 0xcf, 0x55, 0x01, 0x83, 0x11, 0x04, 0x20};
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!ctx || EVP_PKEY_verify_recover_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1)
        return openssl_error(Errc::crypto_engine, "RSA verify_recover setup");
    Bytes recovered(static_cast<std::size_t>(EVP_PKEY_get_size(pkey)));
    std::size_t len = recovered.size();
    if (EVP_PKEY_verify_recover(ctx.get(), recovered.data(), &len, signature.data(), signature.size()) != 1)
        return openssl_error(Errc::crypto_signature_invalid, "RSA-SM3 signature does not verify");
    recovered.resize(len);
    std::uint8_t digest[32];
    sm3_concat({message}, digest);
    auto matches = [&](const std::uint8_t* prefix, std::size_t prefix_len) {
        if (recovered.size() != prefix_len + 32) return false;
        return std::equal(prefix, prefix + prefix_len, recovered.begin()) &&
               std::equal(digest, digest + 32, recovered.begin() + static_cast<std::ptrdiff_t>(prefix_len));
    };
    if (matches(k_with_null, sizeof k_with_null) || matches(k_without_null, sizeof k_without_null)) return ok_status();
    return make_error(Errc::crypto_signature_invalid, "RSA-SM3 signature does not verify: DigestInfo mismatch");
}

}  // namespace

Status verify_foreign(BytesView spki_der, ForeignAlgorithm alg, BytesView message, BytesView signature) {
    if (spki_der.size() > INT32_MAX) return make_error(Errc::crypto_bad_key, "SubjectPublicKeyInfo too large");
    const unsigned char* p = spki_der.data();
    PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
    if (!pkey) return openssl_error(Errc::crypto_bad_key, "cannot decode SubjectPublicKeyInfo");
    if (p != spki_der.data() + spki_der.size())
        return make_error(Errc::crypto_bad_key, "trailing bytes after SubjectPublicKeyInfo");

    const AlgInfo ai = info(alg);
    if (ai.rsa) {
        const bool is_rsa = EVP_PKEY_is_a(pkey.get(), "RSA") == 1;
        const bool is_pss_key = EVP_PKEY_is_a(pkey.get(), "RSA-PSS") == 1;
        if (!(is_rsa || (ai.pss && is_pss_key)))
            return make_error(Errc::crypto_unsupported_algorithm, "key type does not match the RSA algorithm");
        // RSA below 2048 bits is refused outright (NIST SP 800-131A; GM/T 0015 forbids it too).
        if (EVP_PKEY_get_bits(pkey.get()) < 2048)
            return make_error(Errc::crypto_bad_key,
                              "RSA key of " + std::to_string(EVP_PKEY_get_bits(pkey.get())) + " bits (< 2048)");
    } else {
        if (EVP_PKEY_is_a(pkey.get(), "EC") != 1 || !ecdsa_curve_ok(pkey.get()))
            return make_error(Errc::crypto_unsupported_algorithm, "key is not an ECDSA key on P-256/P-384/P-521");
    }

    if (alg == ForeignAlgorithm::rsa_pkcs1_sm3) return verify_rsa_sm3(pkey.get(), message, signature);

    EVP_PKEY_CTX* pctx = nullptr;  // owned by mctx
    MdCtxPtr mctx(EVP_MD_CTX_new());
    if (!mctx || EVP_DigestVerifyInit_ex(mctx.get(), &pctx, ai.digest, nullptr, nullptr, pkey.get(), nullptr) != 1)
        return openssl_error(Errc::crypto_engine, "EVP_DigestVerifyInit_ex");
    if (ai.pss) {
        // RFC 4055 3.1 with SHA-256 and MGF1-SHA-256; the salt length is taken from the signature.
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", nullptr) != 1 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1)
            return openssl_error(Errc::crypto_engine, "RSA-PSS parameters");
    } else if (ai.rsa) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
            return openssl_error(Errc::crypto_engine, "RSA PKCS#1 padding");
    }
    const int rc = EVP_DigestVerify(mctx.get(), signature.data(), signature.size(), message.data(), message.size());
    if (rc == 1) return ok_status();
    return openssl_error(Errc::crypto_signature_invalid, "signature does not verify");
}

namespace {

std::shared_ptr<evp_pkey_st> share(PkeyPtr p) { return {p.release(), Deleter<EVP_PKEY_free>{}}; }

bool is_p256(EVP_PKEY* pkey) {
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) return false;
    char name[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) {
        ERR_clear_error();
        return false;
    }
    const std::string_view n(name, len);
    return n == "prime256v1" || n == "P-256";
}

}  // namespace

Result<EcdsaP256PrivateKey> EcdsaP256PrivateKey::generate() {
    PkeyPtr pkey(EVP_EC_gen("P-256"));
    if (!pkey) return openssl_error(Errc::crypto_engine, "P-256 key generation");
    return EcdsaP256PrivateKey(share(std::move(pkey)));
}

Result<EcdsaP256PrivateKey> EcdsaP256PrivateKey::from_pkcs8_der(BytesView der) {
    if (der.size() > INT32_MAX) return make_error(Errc::crypto_bad_key, "PKCS#8 input too large");
    const unsigned char* p = der.data();
    ERR_set_mark();
    PkeyPtr pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
    if (!pkey) {
        ERR_clear_last_mark();
        return openssl_error(Errc::crypto_bad_key, "not a PKCS#8 PrivateKeyInfo");
    }
    ERR_pop_to_mark();
    if (p != der.data() + der.size()) return make_error(Errc::crypto_bad_key, "trailing bytes after private key");
    if (!is_p256(pkey.get())) return make_error(Errc::crypto_bad_key, "not an EC key on P-256");
    return EcdsaP256PrivateKey(share(std::move(pkey)));
}

SecretBytes EcdsaP256PrivateKey::pkcs8_der() const { return pkcs8_der_of(m_pkey.get(), "P-256"); }

std::string EcdsaP256PrivateKey::pkcs8_pem() const {
    const SecretBytes der = pkcs8_der();
    return pem_encode("PRIVATE KEY", BytesView(der.data(), der.size()));
}

Bytes EcdsaP256PrivateKey::spki_der() const {
    unsigned char* data = nullptr;
    const int len = i2d_PUBKEY(m_pkey.get(), &data);
    if (len <= 0) engine_panic("P-256 SubjectPublicKeyInfo encoding");
    Bytes out(data, data + len);
    OPENSSL_free(data);
    return out;
}

Result<Bytes> EcdsaP256PrivateKey::sign_sha256(BytesView message) const {
    MdCtxPtr mctx(EVP_MD_CTX_new());
    if (!mctx || EVP_DigestSignInit_ex(mctx.get(), nullptr, "SHA256", nullptr, nullptr, m_pkey.get(), nullptr) != 1)
        return openssl_error(Errc::crypto_engine, "EVP_DigestSignInit_ex");
    std::size_t len = 0;
    if (EVP_DigestSign(mctx.get(), nullptr, &len, message.data(), message.size()) != 1)
        return openssl_error(Errc::crypto_engine, "EVP_DigestSign (size)");
    Bytes sig(len);
    if (EVP_DigestSign(mctx.get(), sig.data(), &len, message.data(), message.size()) != 1)
        return openssl_error(Errc::crypto_engine, "EVP_DigestSign");
    sig.resize(len);
    return sig;
}

}  // namespace yinxin::crypto
