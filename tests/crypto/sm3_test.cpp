#include "yinxin/crypto/sm3.h"

#include <gtest/gtest.h>

#include "kat_file.h"

namespace yinxin::crypto {
namespace {

using yinxin::testing::load_kat;

Bytes to_vec(const Sm3Digest& d) { return {d.begin(), d.end()}; }

TEST(Sm3, KnownAnswersOneShotAndIncremental) {
    for (const auto& v : load_kat("kat/sm3.vec")) {
        SCOPED_TRACE(v.where());
        const Bytes msg = v.bytes("Msg");
        EXPECT_EQ(to_vec(sm3(msg)), v.bytes("Digest"));
        // Incremental, split at every position: the state must not depend on how input arrives.
        for (std::size_t cut = 0; cut <= msg.size(); cut += 7) {
            Sm3 h;
            h.update(BytesView(msg).first(cut));
            h.update(BytesView(msg).subspan(cut));
            EXPECT_EQ(to_vec(h.finish()), v.bytes("Digest"));
        }
    }
}

TEST(Sm3, FinishResetsForReuseAndMoves) {
    Sm3 h;
    h.update(as_bytes("abc"));
    const auto first = h.finish();
    h.update(as_bytes("abc"));
    EXPECT_EQ(h.finish(), first);
    Sm3 moved(std::move(h));
    moved.update(as_bytes("abc"));
    EXPECT_EQ(moved.finish(), first);
    Sm3 assigned;
    assigned = std::move(moved);
    EXPECT_EQ(assigned.finish(), sm3({}));
}

TEST(Sm3, LargeInput) {
    Bytes big(3 * 1024 * 1024 + 5, 0x5a);
    Sm3 h;
    for (std::size_t off = 0; off < big.size(); off += 65536)
        h.update(BytesView(big).subspan(off, std::min<std::size_t>(65536, big.size() - off)));
    EXPECT_EQ(h.finish(), sm3(big));
}

TEST(HmacSm3, KnownAnswers) {
    for (const auto& v : load_kat("kat/hmac_sm3.vec")) {
        SCOPED_TRACE(v.where());
        EXPECT_EQ(to_vec(hmac_sm3(v.bytes("Key"), v.bytes("Msg"))), v.bytes("Tag"));
    }
}

TEST(HmacSm3, KeyHandling) {
    // RFC 2104 2: a key longer than the block (64 bytes) is hashed first, so K and SM3(K) agree.
    const Bytes long_key(100, 0x42);
    const auto hk = sm3(long_key);
    EXPECT_EQ(hmac_sm3(long_key, as_bytes("data")), hmac_sm3(hk, as_bytes("data")));
    // An empty key is legal and differs from a different key.
    EXPECT_NE(hmac_sm3({}, as_bytes("data")), hmac_sm3(as_bytes("k"), as_bytes("data")));
}

}  // namespace
}  // namespace yinxin::crypto
