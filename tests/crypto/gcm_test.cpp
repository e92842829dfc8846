// SM4-GCM: OpenSSL 3.0 has none, so this is Yinxin's own mode code (sm4.cpp, ghash.cpp).
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include "gcm_internal.h"
#include "ghash.h"
#include "kat_file.h"
#include "yinxin/crypto/sm4.h"

namespace yinxin::crypto {
namespace {

using yinxin::testing::load_kat;

Bytes concat(const Bytes& a, const Bytes& b) {
    Bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

Bytes random_bytes(std::size_t n) {
    Bytes b(n);
    if (n > 0) {
        EXPECT_EQ(RAND_bytes(b.data(), static_cast<int>(n)), 1);
    }
    return b;
}

TEST(Sm4Gcm, KnownAnswers) {
    int n = 0;
    for (const auto& v : load_kat("kat/sm4_gcm.vec")) {
        SCOPED_TRACE(v.where());
        const Bytes key = v.bytes("Key"), iv = v.bytes("IV"), aad = v.bytes("AAD");
        const Bytes expected = concat(v.bytes("Ciphertext"), v.bytes("Tag"));
        auto sealed = sm4_gcm_seal(key, iv, aad, v.bytes("Plaintext"));
        ASSERT_TRUE(sealed.ok()) << sealed.error().to_string();
        EXPECT_EQ(hex_encode(*sealed), hex_encode(expected));
        auto opened = sm4_gcm_open(key, iv, aad, expected);
        ASSERT_TRUE(opened.ok()) << opened.error().to_string();
        EXPECT_EQ(Bytes(opened->begin(), opened->end()), v.bytes("Plaintext"));
        ++n;
    }
    EXPECT_GE(n, 8);
}

TEST(Sm4Gcm, TagCheckCatchesEveryModification) {
    const Bytes key = random_bytes(16), iv = random_bytes(12), aad = random_bytes(21), pt = random_bytes(40);
    const Bytes sealed = sm4_gcm_seal(key, iv, aad, pt).value();
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        Bytes t = sealed;
        t[i] ^= 0x01;
        EXPECT_EQ(sm4_gcm_open(key, iv, aad, t).code(), Errc::crypto_auth_tag_mismatch) << "byte " << i;
    }
    for (std::size_t i = 0; i < aad.size(); ++i) {
        Bytes a = aad;
        a[i] ^= 0x80;
        EXPECT_EQ(sm4_gcm_open(key, iv, a, sealed).code(), Errc::crypto_auth_tag_mismatch);
    }
    Bytes iv2 = iv;
    iv2[0] ^= 1;
    EXPECT_EQ(sm4_gcm_open(key, iv2, aad, sealed).code(), Errc::crypto_auth_tag_mismatch);
    Bytes key2 = key;
    key2[15] ^= 1;
    EXPECT_EQ(sm4_gcm_open(key2, iv, aad, sealed).code(), Errc::crypto_auth_tag_mismatch);
    // Truncation: drop one byte of ciphertext, or lose the tag entirely.
    EXPECT_EQ(sm4_gcm_open(key, iv, aad, BytesView(sealed).first(sealed.size() - 1)).code(),
              Errc::crypto_auth_tag_mismatch);
    EXPECT_EQ(sm4_gcm_open(key, iv, aad, BytesView(sealed).first(15)).code(), Errc::crypto_bad_length);
    EXPECT_TRUE(sm4_gcm_open(key, iv, aad, sealed).ok());
}

TEST(Sm4Gcm, RoundTripsAcrossLengthsAndIvSizes) {
    const Bytes key = random_bytes(16);
    for (std::size_t iv_len : {1u, 8u, 12u, 16u, 60u}) {
        for (std::size_t len : {0u, 1u, 15u, 16u, 17u, 31u, 32u, 33u, 255u, 4097u}) {
            SCOPED_TRACE(::testing::Message() << "iv " << iv_len << " len " << len);
            const Bytes iv = random_bytes(iv_len), aad = random_bytes(len % 23), pt = random_bytes(len);
            auto sealed = sm4_gcm_seal(key, iv, aad, pt);
            ASSERT_TRUE(sealed.ok());
            ASSERT_EQ(sealed->size(), len + k_sm4_gcm_tag_len);
            auto opened = sm4_gcm_open(key, iv, aad, *sealed);
            ASSERT_TRUE(opened.ok());
            EXPECT_EQ(Bytes(opened->begin(), opened->end()), pt);
        }
    }
}

TEST(Sm4Gcm, ArgumentChecks) {
    EXPECT_EQ(sm4_gcm_seal(Bytes(16, 0), Bytes{}, {}, Bytes(4, 0)).code(), Errc::crypto_bad_length);
    EXPECT_EQ(sm4_gcm_seal(Bytes(24, 0), Bytes(12, 0), {}, Bytes(4, 0)).code(), Errc::crypto_bad_length);
    EXPECT_EQ(sm4_gcm_open(Bytes(16, 0), Bytes(12, 0), {}, Bytes(3, 0)).code(), Errc::crypto_bad_length);
}

TEST(Sm4Gcm, CounterWrapsInLow32BitsOnly) {
    // SP 800-38D 6.2 inc32: only the low 32 bits of the counter block count, modulo 2^32. With an
    // IV other than 96 bits J0 is a GHASH output, so the wrap can happen inside a message; OpenSSL's
    // SM4-CTR carries into all 128 bits, so GCTR splits the input there. Reference: ECB over
    // explicitly computed counter blocks.
    const Bytes key = random_bytes(16);
    Bytes icb = random_bytes(16);
    icb[12] = icb[13] = icb[14] = 0xff;
    icb[15] = 0xfd;  // blocks use ...fffffffd, fffffffe, ffffffff, 00000000, 00000001
    const Bytes pt = random_bytes(16 * 4 + 9);
    Bytes out(pt.size());
    ASSERT_TRUE(detail::sm4_gctr(key, icb.data(), pt, out.data()).ok());
    Bytes ctrs;
    Bytes cb = icb;
    for (int i = 0; i < 5; ++i) {
        ctrs.insert(ctrs.end(), cb.begin(), cb.end());
        for (int j = 15; j >= 12; --j)
            if (++cb[j] != 0) break;
    }
    // The fourth counter block wrapped to 00000000 and kept the high 96 bits of icb.
    EXPECT_EQ(Bytes(ctrs.begin() + 60, ctrs.begin() + 64), (Bytes{0, 0, 0, 0}));
    EXPECT_EQ(Bytes(ctrs.begin() + 48, ctrs.begin() + 60), Bytes(icb.begin(), icb.begin() + 12));
    const Bytes ks = sm4_ecb_encrypt(key, ctrs).value();
    for (std::size_t i = 0; i < pt.size(); ++i) EXPECT_EQ(out[i], pt[i] ^ ks[i]) << i;
}

TEST(Ghash, PortableAndClmulAgree) {
    if (!detail::Ghash::clmul_available()) GTEST_SKIP() << "CPU without PCLMULQDQ";
    for (int round = 0; round < 200; ++round) {
        const Bytes h = random_bytes(16);
        const Bytes data = random_bytes(static_cast<std::size_t>(round) * 7);
        detail::Ghash a(h.data(), detail::Ghash::Impl::portable);
        detail::Ghash b(h.data(), detail::Ghash::Impl::clmul);
        ASSERT_FALSE(a.uses_clmul());
        ASSERT_TRUE(b.uses_clmul());
        a.absorb(data.data(), data.size());
        b.absorb(data.data(), data.size());
        a.absorb_lengths(round, data.size() * 8);
        b.absorb_lengths(round, data.size() * 8);
        std::uint8_t sa[16], sb[16];
        a.state(sa);
        b.state(sb);
        ASSERT_EQ(Bytes(sa, sa + 16), Bytes(sb, sb + 16)) << "round " << round;
    }
}

TEST(Ghash, PortableMatchesKnownProduct) {
    // GHASH of a single block X with H: X * H. With H = 0x80 00..00 (the field's 1 in GCM bit
    // order) the product is X itself.
    Bytes one(16, 0);
    one[0] = 0x80;
    const Bytes x = random_bytes(16);
    for (auto impl : {detail::Ghash::Impl::portable, detail::Ghash::Impl::best}) {
        detail::Ghash g(one.data(), impl);
        g.absorb(x.data(), 16);
        std::uint8_t s[16];
        g.state(s);
        EXPECT_EQ(Bytes(s, s + 16), x);
    }
}

}  // namespace
}  // namespace yinxin::crypto
