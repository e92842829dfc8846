// Helpers for the SM2 cross-checks against independent implementations (issue 2): running the
// openssl CLI and the BouncyCastle checker as child processes, scratch directories under the build
// tree, and the fixed-seed message corpus. Test code only.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/rng.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for posix_spawn

namespace yinxin::crosscheck {

// GM/T 0009 §10 default signer ID, spelled out here on purpose instead of using
// crypto::k_default_sm2_id: if Yinxin's default ever changed (e.g. to OpenSSL's empty ID), these
// tests must fail rather than follow it.
inline constexpr std::string_view k_gm_default_id = "1234567812345678";

// Tool locations, fixed by tests/crypto/CMakeLists.crosscheck.cmake. Empty means "not found at
// configure time"; the tests then fail with YX_XC_MISSING as the reason (never skip: CI has them).
inline constexpr std::string_view k_openssl_cli = YX_XC_OPENSSL;
inline constexpr std::string_view k_java = YX_XC_JAVA;
inline constexpr std::string_view k_bcprov_jar = YX_XC_BCPROV_JAR;
inline constexpr std::string_view k_class_dir = YX_XC_CLASS_DIR;
inline constexpr std::string_view k_script_dir = YX_XC_SCRIPT_DIR;
inline constexpr std::string_view k_missing = YX_XC_MISSING;

// ASSERT_TRUE(openssl_cli_available()): the tools are required, a missing one is a failure that
// says which Debian package to install.
inline ::testing::AssertionResult openssl_cli_available() {
    if (!k_openssl_cli.empty() && ::access(std::string(k_openssl_cli).c_str(), X_OK) == 0) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "the openssl CLI is required (Debian package openssl); configure found '"
                                         << k_openssl_cli << "'";
}

inline ::testing::AssertionResult bouncycastle_available() {
    if (!k_missing.empty()) {
        return ::testing::AssertionFailure() << "BouncyCastle cross-check unavailable: missing " << k_missing
                                             << " (apt-get install -y libbcprov-java default-jdk-headless, then "
                                                "re-run cmake)";
    }
    const auto cls = std::filesystem::path(k_class_dir) / "Sm2Check.class";
    if (!std::filesystem::exists(cls)) {
        return ::testing::AssertionFailure() << cls << " was not built (target crypto_crosscheck_java)";
    }
    return ::testing::AssertionSuccess();
}

struct ProcessResult {
    int exit_code = -1;  // 128 + signal number when killed by a signal, -1 when it never started
    std::string output;  // stdout and stderr interleaved
};

// Runs argv[0] (an absolute path) with argv, no shell, inheriting the environment; collects
// stdout and stderr through one pipe so a chatty child cannot dead-lock us.
inline ProcessResult run_process(const std::vector<std::string>& argv) {
    ProcessResult result;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        result.output = std::string("pipe2: ") + std::strerror(errno);
        return result;
    }
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        result.output = "posix_spawn " + argv[0] + ": " + std::strerror(rc);
        return result;
    }
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n > 0) {
            result.output.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.exit_code = 128 + WTERMSIG(status);
    }
    return result;
}

inline std::string describe(const std::vector<std::string>& argv, const ProcessResult& r) {
    std::string s = "command:";
    for (const auto& a : argv) s += " " + a;
    s += "\nexit code: " + std::to_string(r.exit_code) + "\noutput:\n" + r.output;
    return s;
}

inline void write_file(const std::filesystem::path& p, BytesView data) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f) ADD_FAILURE() << "cannot write " << p;
}

inline void write_file(const std::filesystem::path& p, std::string_view text) { write_file(p, as_bytes(text)); }

inline Bytes read_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) {
        ADD_FAILURE() << "cannot read " << p;
        return {};
    }
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline std::string read_text(const std::filesystem::path& p) {
    const Bytes b = read_file(p);
    return to_string(b);
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

// A scratch directory <build>/crosscheck_tmp/<test name>-<pid>, removed again when the test passed
// and kept for inspection when it failed.
class ScratchDir {
public:
    ScratchDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        const std::string name =
            std::string(info->test_suite_name()) + "." + info->name() + "-" + std::to_string(::getpid());
        m_path = std::filesystem::path(YINXIN_BINARY_DIR) / "crosscheck_tmp" / name;
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    ~ScratchDir() {
        if (!::testing::Test::HasFailure()) {
            std::error_code ec;
            std::filesystem::remove_all(m_path, ec);
        }
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::filesystem::path& path() const noexcept { return m_path; }
    std::filesystem::path operator/(std::string_view name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

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
