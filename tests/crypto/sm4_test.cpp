#include "yinxin/crypto/sm4.h"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include "kat_file.h"

namespace yinxin::crypto {
namespace {

using yinxin::testing::load_kat;

TEST(Sm4, KnownAnswers) {
    int checked = 0;
    for (const auto& v : load_kat("kat/sm4.vec")) {
        SCOPED_TRACE(v.where());
        const std::string mode = v.text("Mode");
        const Bytes key = v.bytes("Key");
        const Bytes pt = v.bytes("Plaintext");
        const Bytes ct = v.bytes("Ciphertext");
        if (mode == "ECB") {
            const std::uint64_t n = v.has("Iterations") ? v.number("Iterations") : 1;
            Bytes block = pt;
            for (std::uint64_t i = 0; i < n; ++i) block = sm4_ecb_encrypt(key, block).value();
            EXPECT_EQ(block, ct);
            if (n == 1) {
                EXPECT_EQ(sm4_ecb_decrypt(key, ct).value(), pt);
            }
        } else if (mode == "CBC") {
            EXPECT_EQ(sm4_cbc_encrypt(key, v.bytes("IV"), pt, Padding::none).value(), ct);
            EXPECT_EQ(sm4_cbc_decrypt(key, v.bytes("IV"), ct, Padding::none).value(), pt);
        } else if (mode == "CTR") {
            EXPECT_EQ(sm4_ctr(key, v.bytes("IV"), pt).value(), ct);
            EXPECT_EQ(sm4_ctr(key, v.bytes("IV"), ct).value(), pt);
        } else {
            ADD_FAILURE() << "unknown mode " << mode;
        }
        ++checked;
    }
    EXPECT_GE(checked, 8);
}

TEST(Sm4, CbcPkcs7RoundTripsEveryLength) {
    const Bytes key(16, 0x11), iv(16, 0x22);
    for (std::size_t len = 0; len <= 49; ++len) {
        SCOPED_TRACE(len);
        Bytes pt(len);
        for (std::size_t i = 0; i < len; ++i) pt[i] = static_cast<std::uint8_t>(i * 3);
        auto ct = sm4_cbc_encrypt(key, iv, pt);
        ASSERT_TRUE(ct.ok());
        // PKCS#7 always adds 1..16 bytes.
        EXPECT_EQ(ct->size(), (len / 16 + 1) * 16);
        EXPECT_EQ(sm4_cbc_decrypt(key, iv, *ct).value(), pt);
        auto ect = sm4_ecb_encrypt(key, pt, Padding::pkcs7);
        ASSERT_TRUE(ect.ok());
        EXPECT_EQ(sm4_ecb_decrypt(key, *ect, Padding::pkcs7).value(), pt);
    }
}

TEST(Sm4, BadPaddingIsDecryptFailed) {
    const Bytes key(16, 0x11), iv(16, 0x22);
    // A final block that decrypts to ... || 0x00 is never valid PKCS#7.
    Bytes bad_last(16, 0x00);
    auto ct = sm4_ecb_encrypt(key, bad_last, Padding::none).value();
    EXPECT_EQ(sm4_ecb_decrypt(key, ct, Padding::pkcs7).code(), Errc::crypto_decrypt_failed);
    Bytes pad17 = bad_last;
    pad17[15] = 17;
    ct = sm4_cbc_encrypt(key, iv, pad17, Padding::none).value();
    EXPECT_EQ(sm4_cbc_decrypt(key, iv, ct, Padding::pkcs7).code(), Errc::crypto_decrypt_failed);
    // No error text left behind in OpenSSL's queue for the next caller.
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(Sm4, LengthChecks) {
    const Bytes key(16, 1), iv(16, 2), block(16, 3);
    EXPECT_EQ(sm4_ecb_encrypt(Bytes(15, 1), block).code(), Errc::crypto_bad_length);
    EXPECT_EQ(sm4_ecb_encrypt(Bytes(32, 1), block).code(), Errc::crypto_bad_length);
    EXPECT_EQ(sm4_cbc_encrypt(key, Bytes(12, 2), block).code(), Errc::crypto_bad_length);
    EXPECT_EQ(sm4_ctr(key, Bytes(8, 2), block).code(), Errc::crypto_bad_length);
    EXPECT_EQ(sm4_ecb_encrypt(key, Bytes(17, 0), Padding::none).code(), Errc::crypto_bad_length);
    EXPECT_EQ(sm4_cbc_decrypt(key, iv, Bytes(20, 0)).code(), Errc::crypto_bad_length);
    EXPECT_EQ(sm4_cbc_decrypt(key, iv, Bytes{}).code(), Errc::crypto_bad_length);
    EXPECT_TRUE(sm4_cbc_encrypt(key, iv, Bytes{}, Padding::none).ok());
}

TEST(Sm4, CtrIncrementsTheWhole128BitCounter) {
    // CTR block i uses IV + i (mod 2^128): check against ECB of explicit counter blocks across a
    // carry out of the low 64 bits.
    const Bytes key(16, 0x5c);
    Bytes iv(16, 0x00);
    for (int i = 8; i < 16; ++i) iv[i] = 0xff;
    iv[15] = 0xfe;
    const Bytes zeros(48, 0);
    const Bytes stream = sm4_ctr(key, iv, zeros).value();
    Bytes counters;
    Bytes c = iv;
    for (int b = 0; b < 3; ++b) {
        counters.insert(counters.end(), c.begin(), c.end());
        for (int i = 15; i >= 0; --i)
            if (++c[i] != 0) break;
    }
    EXPECT_EQ(stream, sm4_ecb_encrypt(key, counters).value());
    // Partial final block.
    const Bytes odd(37, 0x99);
    EXPECT_EQ(sm4_ctr(key, iv, sm4_ctr(key, iv, odd).value()).value(), odd);
}

}  // namespace
}  // namespace yinxin::crypto
