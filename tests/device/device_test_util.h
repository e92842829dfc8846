// Helpers shared by the device tests.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/device/custodian.h"

namespace yinxin::device::testing {

// Tests use the PBKDF2 floor (crypto::pbkdf2_sm3) to stay fast; production defaults to 200,000.
inline constexpr unsigned k_test_iterations = 10'000;

// A fresh directory under $TMPDIR, removed with its contents at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "yinxin-device-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        m_path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
    std::filesystem::path m_path;
};

inline Bytes read_file_or_empty(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return {};
    return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline bool contains(BytesView haystack, BytesView needle) {
    if (needle.empty()) return true;
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

inline std::vector<Credential> custodians(const std::vector<std::string>& names) {
    std::vector<Credential> out;
    for (const auto& n : names) out.emplace_back(n, n + "-secret-passphrase");
    return out;
}

inline std::vector<Credential> first_five() { return custodians({"alice", "bob", "carol", "dave", "erin"}); }
inline std::vector<Credential> second_five() { return custodians({"frank", "grace", "heidi", "ivan", "judy"}); }

}  // namespace yinxin::device::testing
