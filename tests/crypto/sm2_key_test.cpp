#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sm2_test_util.h"

namespace yinxin::crypto {
namespace {

using test::expect_clean_error_queue;
using yinxin::testing::load_kat;

// DER of AlgorithmIdentifier { id-ecPublicKey, namedCurve 1.2.156.10197.1.301 }.
const Bytes k_alg = hex_decode("301306072a8648ce3d020106082a811ccf5501822d").value();

bool contains(const Bytes& hay, const Bytes& needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

Bytes n_minus(unsigned k) {
    Bytes n = hex_decode("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123").value();
    n[31] = static_cast<std::uint8_t>(n[31] - k);  // no borrow for small k (last byte 0x23)
    return n;
}

TEST(Sm2Key, KnownScalarGivesKnownPoint) {
    const auto v = load_kat("kat/sm2_sign.vec").at(0);
    auto key = Sm2PrivateKey::from_scalar(v.bytes("D"));
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    EXPECT_EQ(key->public_key().point(), test::point_of(v));
    const SecretBytes d = key->scalar();
    EXPECT_EQ(Bytes(d.begin(), d.end()), v.bytes("D"));
}

TEST(Sm2Key, ScalarRange) {
    // GB/T 32918.1 6.1: d in [1, n-2].
    Bytes one(32, 0);
    one[31] = 1;
    EXPECT_TRUE(Sm2PrivateKey::from_scalar(one).ok());
    EXPECT_TRUE(Sm2PrivateKey::from_scalar(n_minus(2)).ok());
    EXPECT_EQ(Sm2PrivateKey::from_scalar(Bytes(32, 0)).code(), Errc::crypto_bad_key);
    EXPECT_EQ(Sm2PrivateKey::from_scalar(n_minus(1)).code(), Errc::crypto_bad_key);
    EXPECT_EQ(Sm2PrivateKey::from_scalar(n_minus(0)).code(), Errc::crypto_bad_key);
    EXPECT_EQ(Sm2PrivateKey::from_scalar(Bytes(32, 0xff)).code(), Errc::crypto_bad_key);
    EXPECT_EQ(Sm2PrivateKey::from_scalar(Bytes(31, 1)).code(), Errc::crypto_bad_key);
    EXPECT_EQ(Sm2PrivateKey::from_scalar(Bytes(33, 1)).code(), Errc::crypto_bad_key);
    expect_clean_error_queue();
}

TEST(Sm2Key, GenerateAndRoundTripAllEncodings) {
    auto key = Sm2PrivateKey::generate();
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    const Sm2PublicKey pub = key->public_key();
    const Bytes point = pub.point();
    ASSERT_EQ(point.size(), 65u);
    EXPECT_EQ(point[0], 0x04);

    // SPKI: id-ecPublicKey + namedCurve sm2, bit-for-bit what OpenSSL's i2d_PUBKEY writes.
    const Bytes spki = pub.spki_der();
    EXPECT_EQ(Bytes(spki.begin() + 2, spki.begin() + 2 + static_cast<std::ptrdiff_t>(k_alg.size())), k_alg);
    unsigned char* ossl = nullptr;
    const int n = i2d_PUBKEY(pub.native(), &ossl);
    ASSERT_GT(n, 0);
    EXPECT_EQ(Bytes(ossl, ossl + n), spki);
    OPENSSL_free(ossl);
    EXPECT_EQ(Sm2PublicKey::from_spki_der(spki).value().point(), point);
    EXPECT_EQ(Sm2PublicKey::from_pem(pub.pem()).value().point(), point);
    EXPECT_EQ(Sm2PublicKey::from_point(point).value().spki_der(), spki);

    // PKCS#8 carries the same AlgorithmIdentifier and gives back the same key.
    const SecretBytes p8 = key->pkcs8_der();
    EXPECT_TRUE(contains(Bytes(p8.begin(), p8.end()), k_alg));
    auto back = Sm2PrivateKey::from_pkcs8_der(BytesView(p8.data(), p8.size()));
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->scalar(), key->scalar());
    EXPECT_EQ(back->public_key().point(), point);
    auto from_pem = Sm2PrivateKey::from_pem(key->pkcs8_pem());
    ASSERT_TRUE(from_pem.ok());
    EXPECT_EQ(from_pem->scalar(), key->scalar());

    // Two generations differ.
    EXPECT_NE(Sm2PrivateKey::generate().value().scalar(), key->scalar());
}

TEST(Sm2Key, ImportsOpensslSec1AndPkcs8) {
    // Keys written by OpenSSL's own encoders: PKCS#8 "PRIVATE KEY" and SEC1 "SM2 PRIVATE KEY".
    EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2");
    ASSERT_NE(raw, nullptr);
    for (const char* structure : {"PrivateKeyInfo", "type-specific"}) {
        SCOPED_TRACE(structure);
        OSSL_ENCODER_CTX* ectx = OSSL_ENCODER_CTX_new_for_pkey(raw, EVP_PKEY_KEYPAIR, "PEM", structure, nullptr);
        ASSERT_NE(ectx, nullptr);
        unsigned char* data = nullptr;
        std::size_t len = 0;
        ASSERT_EQ(OSSL_ENCODER_to_data(ectx, &data, &len), 1);
        const std::string pem(reinterpret_cast<char*>(data), len);
        OPENSSL_free(data);
        OSSL_ENCODER_CTX_free(ectx);
        auto key = Sm2PrivateKey::from_pem(pem);
        ASSERT_TRUE(key.ok()) << key.error().to_string() << "\n" << pem.substr(0, 40);
        BIGNUM* d = nullptr;
        ASSERT_EQ(EVP_PKEY_get_bn_param(raw, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
        Bytes expect(32);
        BN_bn2binpad(d, expect.data(), 32);
        BN_clear_free(d);
        const SecretBytes got = key->scalar();
        EXPECT_EQ(Bytes(got.begin(), got.end()), expect);
    }
    EVP_PKEY_free(raw);
    expect_clean_error_queue();
}

TEST(Sm2Key, RefusesOtherCurvesAndGarbage) {
    EVP_PKEY* p256 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    ASSERT_NE(p256, nullptr);
    unsigned char* der = nullptr;
    int n = i2d_PUBKEY(p256, &der);
    ASSERT_GT(n, 0);
    EXPECT_EQ(Sm2PublicKey::from_spki_der(Bytes(der, der + n)).code(), Errc::crypto_bad_key);
    OPENSSL_free(der);
    der = nullptr;
    n = i2d_PrivateKey(p256, &der);  // SEC1 for EC
    ASSERT_GT(n, 0);
    EXPECT_EQ(Sm2PrivateKey::from_pkcs8_der(Bytes(der, der + n)).code(), Errc::crypto_bad_key);
    OPENSSL_free(der);
    EVP_PKEY_free(p256);

    EXPECT_EQ(Sm2PrivateKey::from_pkcs8_der(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}).code(), Errc::crypto_bad_key);
    EXPECT_EQ(Sm2PrivateKey::from_pkcs8_der(Bytes{}).code(), Errc::crypto_bad_key);
    EXPECT_EQ(Sm2PrivateKey::from_pem("no pem here").code(), Errc::bad_pem);
    EXPECT_EQ(Sm2PrivateKey::from_pem(pem_encode("CERTIFICATE", Bytes{1, 2, 3})).code(), Errc::bad_pem);

    const Bytes spki = Sm2PrivateKey::generate().value().public_key().spki_der();
    Bytes trailing = spki;
    trailing.push_back(0);
    EXPECT_EQ(Sm2PublicKey::from_spki_der(trailing).code(), Errc::crypto_bad_key);
    EXPECT_EQ(Sm2PublicKey::from_spki_der(BytesView(spki).first(spki.size() - 1)).code(), Errc::crypto_bad_key);
    Bytes unused_bits = spki;
    unused_bits[k_alg.size() + 4] = 0x01;  // the BIT STRING's unused-bits octet
    EXPECT_EQ(Sm2PublicKey::from_spki_der(unused_bits).code(), Errc::crypto_bad_key);
    Bytes off_curve = spki;
    off_curve.back() ^= 0x01;
    EXPECT_EQ(Sm2PublicKey::from_spki_der(off_curve).code(), Errc::crypto_point_not_on_curve);
    expect_clean_error_queue();
}

TEST(Sm2Key, PointChecks) {
    const Bytes point = Sm2PrivateKey::generate().value().public_key().point();
    Bytes compressed(point.begin(), point.begin() + 33);
    compressed[0] = static_cast<std::uint8_t>(0x02 | (point[64] & 1));
    EXPECT_EQ(Sm2PublicKey::from_point(compressed).code(), Errc::crypto_bad_key);
    EXPECT_EQ(Sm2PublicKey::from_point(Bytes(65, 0)).code(), Errc::crypto_bad_key);
    Bytes zero_point(65, 0);
    zero_point[0] = 0x04;
    EXPECT_EQ(Sm2PublicKey::from_point(zero_point).code(), Errc::crypto_point_not_on_curve);
    Bytes bad = point;
    bad[64] ^= 1;
    EXPECT_EQ(Sm2PublicKey::from_point(bad).code(), Errc::crypto_point_not_on_curve);
    expect_clean_error_queue();
}

TEST(Sm2Key, CopiesShareTheKey) {
    auto key = Sm2PrivateKey::generate().value();
    Sm2PrivateKey copy = key;
    EXPECT_EQ(copy.native(), key.native());
    EXPECT_EQ(copy.public_key().point(), key.public_key().point());
    // The public half is a separate, public-only object.
    EXPECT_NE(key.public_key().native(), key.native());
}

}  // namespace
}  // namespace yinxin::crypto
