#include "yinxin/crypto/shamir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace yinxin::crypto {
namespace {

Bytes sample_secret() {
    Bytes s(32);
    std::iota(s.begin(), s.end(), std::uint8_t{0xa0});
    return s;
}

TEST(Shamir, AnyThreeOfFiveRecoverTheSecret) {
    FixedRng rng(7);
    auto secret = sample_secret();
    auto shares = shamir_split(secret, 3, 5, rng);
    ASSERT_TRUE(shares.ok());
    ASSERT_EQ(shares->size(), 5u);
    // Every 3-subset of the 5 custodians (10 of them) yields the secret.
    int subsets = 0;
    for (int a = 0; a < 5; ++a)
        for (int b = a + 1; b < 5; ++b)
            for (int c = b + 1; c < 5; ++c) {
                std::vector<ShamirShare> pick{(*shares)[a], (*shares)[b], (*shares)[c]};
                auto got = shamir_combine(pick, 3);
                ASSERT_TRUE(got.ok());
                EXPECT_EQ(Bytes(got->begin(), got->end()), secret);
                ++subsets;
            }
    EXPECT_EQ(subsets, 10);
}

TEST(Shamir, TwoSharesAreRefusedAndRevealNothingUseful) {
    FixedRng rng(8);
    auto secret = sample_secret();
    auto shares = *shamir_split(secret, 3, 5, rng);
    std::vector<ShamirShare> two{shares[0], shares[1]};
    EXPECT_EQ(shamir_combine(two, 3).code(), Errc::invalid_argument);
    // Interpolating two shares as if the threshold were 2 gives a different value.
    auto wrong = shamir_combine(two, 2);
    ASSERT_TRUE(wrong.ok());
    EXPECT_NE(Bytes(wrong->begin(), wrong->end()), secret);
}

TEST(Shamir, SharesDifferFromSecretAndEachOther) {
    FixedRng rng(9);
    auto secret = sample_secret();
    auto shares = *shamir_split(secret, 3, 5, rng);
    for (const auto& s : shares) EXPECT_NE(Bytes(s.y.begin(), s.y.end()), secret);
    EXPECT_NE(shares[0].y, shares[1].y);
}

TEST(Shamir, RejectsBadParameters) {
    FixedRng rng(1);
    auto secret = sample_secret();
    EXPECT_EQ(shamir_split(secret, 1, 5, rng).code(), Errc::invalid_argument);
    EXPECT_EQ(shamir_split(secret, 6, 5, rng).code(), Errc::invalid_argument);
    EXPECT_EQ(shamir_split(secret, 3, 256, rng).code(), Errc::invalid_argument);
    EXPECT_EQ(shamir_split(Bytes{}, 3, 5, rng).code(), Errc::invalid_argument);
    auto shares = *shamir_split(secret, 3, 5, rng);
    std::vector<ShamirShare> dup{shares[0], shares[0], shares[1]};
    EXPECT_EQ(shamir_combine(dup, 3).code(), Errc::invalid_argument);
    shares[2].y.pop_back();
    std::vector<ShamirShare> ragged{shares[0], shares[1], shares[2]};
    EXPECT_EQ(shamir_combine(ragged, 3).code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace yinxin::crypto
