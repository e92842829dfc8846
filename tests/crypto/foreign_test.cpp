#include "yinxin/crypto/foreign.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include "kat_file.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::crypto {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Bytes spki_of(EVP_PKEY* k) {
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(k, &der);
    EXPECT_GT(n, 0);
    Bytes out(der, der + n);
    OPENSSL_free(der);
    return out;
}

// Signs with OpenSSL directly (the "foreign" signer).
Bytes ossl_sign(EVP_PKEY* k, const char* md, BytesView msg, bool pss = false) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EXPECT_EQ(EVP_DigestSignInit_ex(ctx, &pctx, md, nullptr, nullptr, k, nullptr), 1);
    if (pss) {
        EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
        EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32), 1);
    }
    std::size_t len = 0;
    EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &len, msg.data(), msg.size()), 1);
    Bytes sig(len);
    EXPECT_EQ(EVP_DigestSign(ctx, sig.data(), &len, msg.data(), msg.size()), 1);
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    return sig;
}

class Foreign : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_rsa.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)));
        s_rsa1024.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024)));
        s_p256.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
        s_p384.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    }
    static void TearDownTestSuite() {
        s_rsa.reset();
        s_rsa1024.reset();
        s_p256.reset();
        s_p384.reset();
    }
    static inline Pkey s_rsa, s_rsa1024, s_p256, s_p384;
    const Bytes m_msg = to_bytes("foreign certificate TBS");
};

TEST_F(Foreign, RsaPkcs1AndPss) {
    ASSERT_TRUE(s_rsa);
    const Bytes spki = spki_of(s_rsa.get());
    const struct {
        ForeignAlgorithm alg;
        const char* md;
        bool pss;
    } cases[] = {{ForeignAlgorithm::rsa_pkcs1_sha256, "SHA256", false},
                 {ForeignAlgorithm::rsa_pkcs1_sha384, "SHA384", false},
                 {ForeignAlgorithm::rsa_pkcs1_sha512, "SHA512", false},
                 {ForeignAlgorithm::rsa_pss_sha256, "SHA256", true}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.md);
        Bytes sig = ossl_sign(s_rsa.get(), c.md, m_msg, c.pss);
        ASSERT_FALSE(sig.empty());
        EXPECT_TRUE(verify_foreign(spki, c.alg, m_msg, sig).ok());
        EXPECT_EQ(verify_foreign(spki, c.alg, to_bytes("other"), sig).code(), Errc::crypto_signature_invalid);
        sig[10] ^= 1;
        EXPECT_EQ(verify_foreign(spki, c.alg, m_msg, sig).code(), Errc::crypto_signature_invalid);
        EXPECT_EQ(ERR_peek_error(), 0u);
    }
    // A PKCS#1 SHA-256 signature is not a PSS one, nor a SHA-384 one.
    const Bytes sig = ossl_sign(s_rsa.get(), "SHA256", m_msg);
    EXPECT_EQ(verify_foreign(spki, ForeignAlgorithm::rsa_pss_sha256, m_msg, sig).code(),
              Errc::crypto_signature_invalid);
    EXPECT_EQ(verify_foreign(spki, ForeignAlgorithm::rsa_pkcs1_sha384, m_msg, sig).code(),
              Errc::crypto_signature_invalid);
    // An RSA key with an ECDSA algorithm.
    EXPECT_EQ(verify_foreign(spki, ForeignAlgorithm::ecdsa_sha256, m_msg, sig).code(),
              Errc::crypto_unsupported_algorithm);
}

TEST_F(Foreign, RsaSm3KnownAnswersFromBouncyCastle) {
    int n = 0;
    for (const auto& v : yinxin::testing::load_kat("kat/rsa_sm3.vec")) {
        SCOPED_TRACE(v.where());
        const Bytes spki = v.bytes("Spki"), msg = v.bytes("Msg");
        Bytes sig = v.bytes("Sig");
        EXPECT_TRUE(verify_foreign(spki, ForeignAlgorithm::rsa_pkcs1_sm3, msg, sig).ok());
        EXPECT_EQ(verify_foreign(spki, ForeignAlgorithm::rsa_pkcs1_sha256, msg, sig).code(),
                  Errc::crypto_signature_invalid);
        Bytes other = msg;
        other.push_back('!');
        EXPECT_EQ(verify_foreign(spki, ForeignAlgorithm::rsa_pkcs1_sm3, other, sig).code(),
                  Errc::crypto_signature_invalid);
        sig[5] ^= 0x40;
        EXPECT_EQ(verify_foreign(spki, ForeignAlgorithm::rsa_pkcs1_sm3, msg, sig).code(),
                  Errc::crypto_signature_invalid);
        EXPECT_EQ(ERR_peek_error(), 0u);
        ++n;
    }
    EXPECT_EQ(n, 2);
}

TEST_F(Foreign, RsaSm3DigestInfoWithoutNull) {
    // Raw PKCS#1 type 1 signature over a DigestInfo without the NULL parameters: accepted (RFC
    // 8017 9.2 note 2). A SHA-256 DigestInfo under the SM3 algorithm is not.
    std::uint8_t d[32];
    const Bytes h = [&] {
        unsigned int n = 0;
        EVP_Digest(m_msg.data(), m_msg.size(), d, &n, EVP_sm3(), nullptr);
        return Bytes(d, d + 32);
    }();
    Bytes info = hex_decode("302e300a06082a811ccf55018311 0420").value();
    info.insert(info.end(), h.begin(), h.end());
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, s_rsa.get(), nullptr);
    ASSERT_EQ(EVP_PKEY_sign_init(ctx), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    std::size_t len = 512;
    Bytes sig(len);
    ASSERT_EQ(EVP_PKEY_sign(ctx, sig.data(), &len, info.data(), info.size()), 1);
    sig.resize(len);
    EVP_PKEY_CTX_free(ctx);
    const Bytes spki = spki_of(s_rsa.get());
    EXPECT_TRUE(verify_foreign(spki, ForeignAlgorithm::rsa_pkcs1_sm3, m_msg, sig).ok());
    const Bytes sha = ossl_sign(s_rsa.get(), "SHA256", m_msg);
    EXPECT_EQ(verify_foreign(spki, ForeignAlgorithm::rsa_pkcs1_sm3, m_msg, sha).code(), Errc::crypto_signature_invalid);
}

TEST_F(Foreign, Rsa1024IsRefused) {
    ASSERT_TRUE(s_rsa1024);
    const Bytes sig = ossl_sign(s_rsa1024.get(), "SHA256", m_msg);
    EXPECT_EQ(verify_foreign(spki_of(s_rsa1024.get()), ForeignAlgorithm::rsa_pkcs1_sha256, m_msg, sig).code(),
              Errc::crypto_bad_key);
}

TEST_F(Foreign, Ecdsa) {
    ASSERT_TRUE(s_p256 && s_p384);
    const Bytes spki256 = spki_of(s_p256.get()), spki384 = spki_of(s_p384.get());
    Bytes sig = ossl_sign(s_p256.get(), "SHA256", m_msg);
    EXPECT_TRUE(verify_foreign(spki256, ForeignAlgorithm::ecdsa_sha256, m_msg, sig).ok());
    EXPECT_EQ(verify_foreign(spki256, ForeignAlgorithm::ecdsa_sha384, m_msg, sig).code(),
              Errc::crypto_signature_invalid);
    const Bytes sig384 = ossl_sign(s_p384.get(), "SHA384", m_msg);
    EXPECT_TRUE(verify_foreign(spki384, ForeignAlgorithm::ecdsa_sha384, m_msg, sig384).ok());
    sig.back() ^= 1;
    EXPECT_EQ(verify_foreign(spki256, ForeignAlgorithm::ecdsa_sha256, m_msg, sig).code(),
              Errc::crypto_signature_invalid);
    // ECDSA key with an RSA algorithm.
    EXPECT_EQ(verify_foreign(spki256, ForeignAlgorithm::rsa_pkcs1_sha256, m_msg, sig).code(),
              Errc::crypto_unsupported_algorithm);
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST_F(Foreign, Sm2KeyIsNotEcdsaAndGarbageIsBadKey) {
    const auto sm2 = Sm2PrivateKey::generate().value();
    const Bytes sig = sm2_sign(sm2, m_msg).value();
    EXPECT_EQ(verify_foreign(sm2.public_key().spki_der(), ForeignAlgorithm::ecdsa_sha256, m_msg, sig).code(),
              Errc::crypto_unsupported_algorithm);
    EXPECT_EQ(verify_foreign(Bytes{0x30, 0x00}, ForeignAlgorithm::ecdsa_sha256, m_msg, sig).code(),
              Errc::crypto_bad_key);
    Bytes trailing = spki_of(s_p256.get());
    trailing.push_back(0);
    EXPECT_EQ(verify_foreign(trailing, ForeignAlgorithm::ecdsa_sha256, m_msg, sig).code(), Errc::crypto_bad_key);
    EXPECT_EQ(ERR_peek_error(), 0u);
}

}  // namespace
}  // namespace yinxin::crypto
