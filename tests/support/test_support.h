// Helpers shared by every test binary: child processes (the openssl CLI, BouncyCastle through
// java, the yinxin binary itself), scratch directories under the build tree, and file I/O.
// Test code only; the tool paths come from tests/CMakeLists.txt.
//
// The external tools are REQUIRED at test time: a missing one fails the test with the Debian
// package to install, it never skips (CI installs them).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for posix_spawn

namespace yinxin::test {

inline constexpr std::string_view k_gm_id = "1234567812345678";
inline constexpr std::string_view k_openssl_cli = YINXIN_OPENSSL_CLI;
inline constexpr std::string_view k_java = YINXIN_JAVA;
inline constexpr std::string_view k_javac = YINXIN_JAVAC;
inline constexpr std::string_view k_bcprov_jar = YINXIN_BCPROV_JAR;
inline constexpr std::string_view k_bcpkix_jar = YINXIN_BCPKIX_JAR;
inline constexpr std::string_view k_bcutil_jar = YINXIN_BCUTIL_JAR;
// The yinxin executable of this build (for CLI and crash tests).
inline constexpr std::string_view k_yinxin_cli = YINXIN_CLI_PATH;

inline std::string data_path(std::string_view rel) {
    return std::string(YINXIN_TEST_DATA_DIR) + "/" + std::string(rel);
}
inline std::string shared_path(std::string_view rel) { return std::string(YINXIN_SHARED_DIR) + "/" + std::string(rel); }

inline ::testing::AssertionResult executable_available(std::string_view path, std::string_view package) {
    if (!path.empty() && ::access(std::string(path).c_str(), X_OK) == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "required tool '" << path << "' missing (apt-get install -y " << package
                                         << ")";
}
inline ::testing::AssertionResult openssl_available() { return executable_available(k_openssl_cli, "openssl"); }
// java plus the BouncyCastle provider and PKIX jars (Debian libbcprov-java, libbcpkix-java).
inline ::testing::AssertionResult bouncycastle_available() {
    auto java = executable_available(k_java, "default-jdk-headless");
    if (!java) return java;
    for (std::string_view jar : {k_bcprov_jar, k_bcpkix_jar}) {
        if (!std::filesystem::exists(jar)) {
            return ::testing::AssertionFailure()
                   << jar << " missing (apt-get install -y libbcprov-java libbcpkix-java)";
        }
    }
    return ::testing::AssertionSuccess();
}
// Class path with the BouncyCastle jars, plus `extra` (a directory of compiled test classes).
inline std::string bouncycastle_classpath(std::string_view extra = {}) {
    std::string cp = std::string(k_bcprov_jar) + ":" + std::string(k_bcpkix_jar);
    if (!k_bcutil_jar.empty() && std::filesystem::exists(k_bcutil_jar)) cp += ":" + std::string(k_bcutil_jar);
    if (!extra.empty()) cp += ":" + std::string(extra);
    return cp;
}

struct ProcessResult {
    int exit_code = -1;  // 128 + signal number when killed by a signal, -1 when it never started
    std::string output;  // stdout and stderr interleaved
};

// Starts argv[0] (an absolute path) with argv, no shell, stdin from /dev/null, stdout and stderr
// into one pipe whose read end is returned in *out_fd. Returns the pid, or -1 with errno text in
// *error.
inline pid_t spawn_process(const std::vector<std::string>& argv, int* out_fd, std::string* error) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        *error = std::string("pipe2: ") + std::strerror(errno);
        return -1;
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
        *error = "posix_spawn " + argv[0] + ": " + std::strerror(rc);
        return -1;
    }
    *out_fd = fds[0];
    return pid;
}

inline int wait_exit_code(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// Runs the command to completion, collecting its output (one pipe, so a chatty child cannot
// dead-lock us).
inline ProcessResult run_process(const std::vector<std::string>& argv) {
    ProcessResult result;
    int fd = -1;
    const pid_t pid = spawn_process(argv, &fd, &result.output);
    if (pid < 0) return result;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            result.output.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    ::close(fd);
    result.exit_code = wait_exit_code(pid);
    return result;
}

inline ProcessResult openssl(std::vector<std::string> args) {
    args.insert(args.begin(), std::string(k_openssl_cli));
    return run_process(args);
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
// Empty when the file does not exist (no failure recorded).
inline Bytes read_file_or_empty(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) return {};
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
inline std::string read_text(const std::filesystem::path& p) { return to_string(read_file(p)); }

inline bool contains(BytesView haystack, BytesView needle) {
    if (needle.empty()) return true;
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

// A scratch directory <build>/test_tmp/<suite>.<test>-<pid>: removed when the test passed, kept for
// inspection when it failed.
class ScratchDir {
public:
    ScratchDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string name = info != nullptr ? std::string(info->test_suite_name()) + "." + info->name() : "global";
        std::replace(name.begin(), name.end(), '/', '_');
        // A second ScratchDir in the same test (a fixture's plus the test's own) gets its own
        // directory, <name>-2-<pid> ..., instead of wiping the first.
        const int n = instance_number(name);
        if (n > 1) name += "-" + std::to_string(n);
        m_path = std::filesystem::path(YINXIN_BINARY_DIR) / "test_tmp" / (name + "-" + std::to_string(::getpid()));
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
    std::string str() const { return m_path.string(); }
    std::filesystem::path operator/(std::string_view name) const { return m_path / name; }
    std::string file(std::string_view name) const { return (m_path / name).string(); }

private:
    static int instance_number(const std::string& test_name) {
        static std::map<std::string, int> seen;  // one per process (inline function)
        return ++seen[test_name];
    }

    std::filesystem::path m_path;
};

}  // namespace yinxin::test
