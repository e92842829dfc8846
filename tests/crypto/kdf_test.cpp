#include "yinxin/crypto/kdf.h"

#include <gtest/gtest.h>

#include "kat_file.h"

namespace yinxin::crypto {
namespace {

// Vectors computed by the OpenSSL CLI and BouncyCastle independently (provenance in the file).
TEST(Pbkdf2Sm3, KnownAnswers) {
    auto vectors = testing::load_kat("kat/pbkdf2_sm3.vec");
    ASSERT_EQ(vectors.size(), 2u);
    for (const auto& v : vectors) {
        auto want = v.bytes("Output");
        auto got =
            pbkdf2_sm3(v.text("Password"), v.bytes("Salt"), static_cast<unsigned>(v.number("Iterations")), want.size());
        ASSERT_TRUE(got.ok()) << got.error().to_string();
        EXPECT_EQ(Bytes(got->begin(), got->end()), want);
    }
}

TEST(Pbkdf2Sm3, RefusesWeakParameters) {
    Bytes salt(16, 1);
    EXPECT_EQ(pbkdf2_sm3("pw", Bytes(8, 1), 10000, 32).code(), Errc::invalid_argument);
    EXPECT_EQ(pbkdf2_sm3("pw", salt, 1000, 32).code(), Errc::invalid_argument);
    EXPECT_EQ(pbkdf2_sm3("pw", salt, 10000, 0).code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace yinxin::crypto
