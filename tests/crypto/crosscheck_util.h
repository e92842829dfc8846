// Helpers for the SM2 cross-checks against independent implementations (issue 2): the
// BouncyCastle checker (Sm2Check.java) and the openssl batch script, their batch-file encoding,
// and the fixed-seed message corpus. Processes, scratch directories, files and tool paths come
// from tests/support/test_support.h (yinxin::test). Test code only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "support/test_support.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/rng.h"

namespace yinxin::crosscheck {

// Fixed by tests/crypto/CMakeLists.crosscheck.cmake: where Sm2Check.class is compiled, and the
// directory of openssl_batch.sh.
inline constexpr std::string_view k_class_dir = YX_XC_CLASS_DIR;
inline constexpr std::string_view k_script_dir = YX_XC_SCRIPT_DIR;

// ASSERT_TRUE(sm2check_available()): java and the BouncyCastle jars are required (a missing one
// is a failure naming the Debian package), and the checker must have been compiled.
inline ::testing::AssertionResult sm2check_available() {
    auto bc = test::bouncycastle_available();
    if (!bc) return bc;
    const auto cls = std::filesystem::path(k_class_dir) / "Sm2Check.class";
    if (!std::filesystem::exists(cls)) {
        return ::testing::AssertionFailure() << cls << " was not built (target crypto_crosscheck_java)";
    }
    return ::testing::AssertionSuccess();
}

// Lines of a text, split into whitespace-separated fields; blank lines dropped.
inline std::vector<std::vector<std::string>> split_lines(std::string_view text) {
    std::vector<std::vector<std::string>> lines;
    std::istringstream in{std::string(text)};
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::vector<std::string> f{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
        if (!f.empty()) lines.push_back(std::move(f));
    }
    return lines;
}

// The batch-file encoding shared with Sm2Check.java: lower-case hex, "-" for the empty string
// (an empty field would vanish when the line is split on whitespace).
inline std::string hex_field(BytesView b) { return b.empty() ? "-" : hex_encode(b); }
inline Bytes unhex_field(std::string_view s) {
    if (s == "-") return {};
    auto r = hex_decode(s);
    if (!r.ok()) ADD_FAILURE() << "bad hex field from checker: " << s;
    return r.ok() ? std::move(r).value() : Bytes{};
}

// `count` messages with lengths min_len..max_len drawn from FixedRng(seed), so every run and
// every machine checks the same corpus. Message 0 has min_len and message 1 max_len, so both
// edges are always covered.
inline std::vector<Bytes> random_messages(std::uint64_t seed, std::size_t count, std::size_t min_len,
                                          std::size_t max_len) {
    FixedRng rng(seed);
    std::vector<Bytes> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t len = 0;
        if (i == 0) {
            len = min_len;
        } else if (i == 1) {
            len = max_len;
        } else {
            std::uint8_t raw[8];
            EXPECT_TRUE(rng.fill(raw).ok());
            std::uint64_t v = 0;
            for (std::uint8_t b : raw) v = (v << 8) | b;
            len = min_len + static_cast<std::size_t>(v % (max_len - min_len + 1));
        }
        Bytes m(len);
        EXPECT_TRUE(rng.fill(m).ok());
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace yinxin::crosscheck
