#include "yinxin/base/rng.h"

#include <gtest/gtest.h>

#include <set>

#include "yinxin/base/clock.h"

namespace yinxin {
namespace {

TEST(Rng, SystemRngProducesDistinctOutput) {
    SystemRng rng;
    std::set<Bytes> seen;
    for (int i = 0; i < 100; ++i) {
        auto b = rng.bytes(16);
        ASSERT_TRUE(b.ok());
        seen.insert(*b);
    }
    EXPECT_EQ(seen.size(), 100u);
}

TEST(Rng, FixedRngIsDeterministicAndReplaysScript) {
    FixedRng a(42, Bytes{9, 8, 7}), b(42, Bytes{9, 8, 7}), c(43);
    auto x = *a.bytes(32), y = *b.bytes(32), z = *c.bytes(32);
    EXPECT_EQ(x, y);
    EXPECT_NE(x, z);
    EXPECT_EQ(x[0], 9);
    EXPECT_EQ(x[2], 7);
}

TEST(Clock, FixedClockAdvances) {
    FixedClock clk(from_unix(1'700'000'000));
    EXPECT_EQ(to_unix(clk.now()), 1'700'000'000);
    clk.advance(std::chrono::hours(48));
    EXPECT_EQ(to_unix(clk.now()), 1'700'000'000 + 48 * 3600);
}

}  // namespace
}  // namespace yinxin
