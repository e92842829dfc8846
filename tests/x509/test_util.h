// Helpers shared by the x509 tests: fixture files, the openssl CLI as a child process, scratch
// directories, and a root → sub CA → leaf SM2 chain made with our builders. Test code only.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/asn1/oids.h"
#include "yinxin/base/bytes.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/name.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for posix_spawn

namespace yinxin::x509::testing {

// The GM/T 0009 default ID spelled out: if the library default ever changed, these tests fail.
inline constexpr std::string_view k_gm_id = "1234567812345678";
inline constexpr std::string_view k_openssl = YX_X509_OPENSSL;

inline std::string data_path(std::string_view rel) {
    return std::string(YINXIN_TEST_DATA_DIR) + "/" + std::string(rel);
}
inline std::string shared_path(std::string_view rel) { return std::string(YINXIN_SHARED_DIR) + "/" + std::string(rel); }

inline Bytes read_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) {
        ADD_FAILURE() << "cannot read " << p;
        return {};
    }
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
inline std::string read_text(const std::filesystem::path& p) { return to_string(read_file(p)); }
inline void write_file(const std::filesystem::path& p, BytesView data) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f) ADD_FAILURE() << "cannot write " << p;
}
inline void write_file(const std::filesystem::path& p, std::string_view text) { write_file(p, as_bytes(text)); }

inline Certificate load_cert(std::string_view rel, const ParseOptions& opt = {}) {
    auto c = Certificate::parse_pem(read_text(data_path(rel)), opt);
    if (!c.ok()) throw std::runtime_error("fixture " + std::string(rel) + ": " + c.error().to_string());
    return std::move(c).value();
}

struct ProcessResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

// argv[0] is an absolute path; no shell.
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
    if (WIFEXITED(status))
        result.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.exit_code = 128 + WTERMSIG(status);
    return result;
}

inline ProcessResult openssl(std::vector<std::string> args) {
    args.insert(args.begin(), std::string(k_openssl));
    return run_process(args);
}

inline ::testing::AssertionResult openssl_available() {
    if (!k_openssl.empty() && ::access(std::string(k_openssl).c_str(), X_OK) == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the openssl CLI is required (Debian package openssl)";
}

// <build>/x509_tmp/<suite>.<test>-<pid>; removed when the test passed.
class ScratchDir {
public:
    ScratchDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_path = std::filesystem::path(YINXIN_BINARY_DIR) / "x509_tmp" /
                 (std::string(info->test_suite_name()) + "." + info->name() + "-" + std::to_string(::getpid()));
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
    std::filesystem::path operator/(std::string_view name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

inline Name make_name(std::initializer_list<std::pair<std::string_view, std::string_view>> attrs) {
    auto n = Name::build(attrs);
    if (!n.ok()) throw std::runtime_error(n.error().to_string());
    return std::move(n).value();
}

inline crypto::Sm2PrivateKey new_key() {
    auto k = crypto::Sm2PrivateKey::generate();
    if (!k.ok()) throw std::runtime_error(k.error().to_string());
    return std::move(k).value();
}

// 2026-01-01T00:00:00Z, the "now" of the chain tests.
inline TimePoint t0() { return from_unix(1767225600); }
inline constexpr auto k_day = std::chrono::hours(24);

inline Bytes serial_of(std::uint8_t n) { return Bytes{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, n}; }

// Builder for a CA or leaf certificate with the usual GM extensions; tests adjust it before signing.
inline TbsCertificateBuilder ca_builder(const Name& subject, const Name& issuer, const crypto::Sm2PublicKey& key,
                                        const SubjectPublicKeyInfo& issuer_key, std::uint8_t serial,
                                        std::optional<std::uint32_t> path_len = std::nullopt) {
    TbsCertificateBuilder b;
    const auto spki = SubjectPublicKeyInfo::from_sm2(key);
    b.serial(serial_of(serial))
        .issuer(issuer)
        .subject(subject)
        .validity(t0() - 365 * k_day, t0() + 3650 * k_day)
        .public_key(spki)
        .basic_constraints({true, path_len})
        .key_usage(KeyUsage::of({KeyUsageBit::key_cert_sign, KeyUsageBit::crl_sign}))
        .subject_key_identifier(key_identifier(spki.key_bytes()))
        .authority_key_identifier(key_identifier(issuer_key.key_bytes()));
    return b;
}

inline TbsCertificateBuilder leaf_builder(const Name& subject, const Name& issuer, const crypto::Sm2PublicKey& key,
                                          const SubjectPublicKeyInfo& issuer_key, std::uint8_t serial) {
    TbsCertificateBuilder b;
    const auto spki = SubjectPublicKeyInfo::from_sm2(key);
    b.serial(serial_of(serial))
        .issuer(issuer)
        .subject(subject)
        .validity(t0() - 30 * k_day, t0() + 365 * k_day)
        .public_key(spki)
        .basic_constraints({false, std::nullopt}, false)
        .key_usage(KeyUsage::of({KeyUsageBit::digital_signature, KeyUsageBit::non_repudiation}))
        .subject_key_identifier(key_identifier(spki.key_bytes()))
        .authority_key_identifier(key_identifier(issuer_key.key_bytes()));
    return b;
}

inline Certificate must(Result<Certificate> r) {
    if (!r.ok()) throw std::runtime_error(r.error().to_string());
    return std::move(r).value();
}

// root → sub CA → leaf, all SM2, signed with the GM/T 0009 default ID.
struct Chain {
    crypto::Sm2PrivateKey root_key = new_key();
    crypto::Sm2PrivateKey sub_key = new_key();
    crypto::Sm2PrivateKey leaf_key = new_key();
    Name root_name = make_name({{"C", "CN"}, {"O", "印信测试"}, {"CN", "Yinxin Test Root CA"}});
    Name sub_name = make_name({{"C", "CN"}, {"O", "印信测试"}, {"OU", "业务部"}, {"CN", "Yinxin Test Sub CA"}});
    Name leaf_name = make_name({{"C", "CN"}, {"ST", "浙江省"}, {"L", "杭州市"}, {"O", "印信测试"}, {"CN", "张三"}});
    SubjectPublicKeyInfo root_spki = SubjectPublicKeyInfo::from_sm2(root_key.public_key());
    SubjectPublicKeyInfo sub_spki = SubjectPublicKeyInfo::from_sm2(sub_key.public_key());

    Certificate root = must(ca_builder(root_name, root_name, root_key.public_key(), root_spki, 1).sign_with(root_key));
    Certificate sub = must(ca_builder(sub_name, root_name, sub_key.public_key(), root_spki, 2, 0).sign_with(root_key));
    Certificate leaf = must(leaf_builder(leaf_name, sub_name, leaf_key.public_key(), sub_spki, 3).sign_with(sub_key));
};

}  // namespace yinxin::x509::testing
