#include "yinxin/crypto/random.h"

#include <gtest/gtest.h>

#include <set>

namespace yinxin::crypto {
namespace {

TEST(OpensslRng, FillsAndDiffers) {
    OpensslRng rng;
    Bytes a(3 * 1024 * 1024 + 3), b(32), c(32);
    ASSERT_TRUE(rng.fill(a).ok());
    ASSERT_TRUE(rng.fill(b).ok());
    ASSERT_TRUE(rng.fill(c).ok());
    EXPECT_NE(b, c);
    EXPECT_TRUE(rng.fill(std::span<std::uint8_t>{}).ok());
}

TEST(RandomSerial, TenThousandDrawsArePositiveSixteenOctetsAndUnique) {
    OpensslRng rng;
    std::set<Bytes> seen;
    for (int i = 0; i < 10000; ++i) {
        auto s = random_serial(rng);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        ASSERT_EQ(s->size(), 16u);
        // Positive DER INTEGER content with no pad: top bit clear, first octet non-zero.
        ASSERT_EQ((*s)[0] & 0x80, 0);
        ASSERT_NE((*s)[0], 0);
        ASSERT_TRUE(seen.insert(*s).second) << "duplicate serial";
    }
    EXPECT_EQ(seen.size(), 10000u);
}

TEST(RandomSerial, ClearsTopBitAndRedrawsAZeroFirstOctet) {
    // Scripted first draw 0x80 00..: top bit cleared gives a zero first octet, so it is discarded.
    Bytes script(16, 0x00);
    script[0] = 0x80;
    script.insert(script.end(),
                  {0xff, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f});
    FixedRng rng(7, script);
    const Bytes s = random_serial(rng).value();
    EXPECT_EQ(s,
              (Bytes{0x7f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f}));
}

class ZeroRng final : public Rng {
public:
    Status fill(std::span<std::uint8_t> out) override {
        std::fill(out.begin(), out.end(), 0);
        return ok_status();
    }
};

class FailingRng final : public Rng {
public:
    Status fill(std::span<std::uint8_t>) override { return make_error(Errc::rng_failure, "entropy source down"); }
};

TEST(RandomSerial, BrokenRngsAreErrors) {
    ZeroRng zero;
    EXPECT_EQ(random_serial(zero).code(), Errc::rng_failure);
    FailingRng failing;
    EXPECT_EQ(random_serial(failing).code(), Errc::rng_failure);
}

}  // namespace
}  // namespace yinxin::crypto
