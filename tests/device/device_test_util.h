// Helpers shared by the device tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.h"
#include "yinxin/base/bytes.h"
#include "yinxin/device/custodian.h"

namespace yinxin::device::testing {

// Tests use the PBKDF2 floor (crypto::pbkdf2_sm3) to stay fast; production defaults to 200,000.
inline constexpr unsigned k_test_iterations = 10'000;

// Scratch directories, file reading and byte search come from tests/support/test_support.h: a
// directory per test (and per instance) under <build>/test_tmp, removed when the test passed and
// kept for inspection when it failed.
using TempDir = ::yinxin::test::ScratchDir;
using ::yinxin::test::contains;
using ::yinxin::test::read_file_or_empty;

inline std::vector<Credential> custodians(const std::vector<std::string>& names) {
    std::vector<Credential> out;
    for (const auto& n : names) out.emplace_back(n, n + "-secret-passphrase");
    return out;
}

inline std::vector<Credential> first_five() { return custodians({"alice", "bob", "carol", "dave", "erin"}); }
inline std::vector<Credential> second_five() { return custodians({"frank", "grace", "heidi", "ivan", "judy"}); }

}  // namespace yinxin::device::testing
