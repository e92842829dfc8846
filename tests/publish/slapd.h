// A real OpenLDAP slapd (Debian `slapd`) for the publication tests: its own slapd.conf (core,
// cosine and inetorgperson schemas, one mdb database) in a scratch directory, listening on an
// ephemeral port of 127.0.0.1 only; stop() and start() again keep the database (an outage).
// `ldapsearch` (Debian `ldap-utils`) reads back what was published. Missing tools FAIL the tests
// (CI installs them), they never skip.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"
#include "yinxin/base/bytes.h"

namespace yinxin::test {

inline constexpr std::string_view k_slapd = YX_SLAPD;
inline constexpr std::string_view k_ldapsearch = YX_LDAPSEARCH;
inline constexpr std::string_view k_ldap_schema_dir = "/etc/ldap/schema";
inline constexpr std::string_view k_ldap_password = "slapd-test-secret";

inline ::testing::AssertionResult slapd_available() {
    auto s = executable_available(k_slapd, "slapd");
    if (!s) return s;
    auto l = executable_available(k_ldapsearch, "ldap-utils");
    if (!l) return l;
    if (!std::filesystem::exists(std::string(k_ldap_schema_dir) + "/cosine.schema"))
        return ::testing::AssertionFailure()
               << k_ldap_schema_dir << "/cosine.schema missing (apt-get install -y slapd)";
    return ::testing::AssertionSuccess();
}

// A free TCP port on 127.0.0.1 (bound and released; the kernel does not hand it out again at once).
inline std::uint16_t free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        if (fd >= 0) ::close(fd);
        return 0;
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

class Slapd {
public:
    // `suffix` is the database's naming context, e.g. "dc=yinxin,dc=test"; the root DN is
    // "cn=admin," + suffix with password k_ldap_password.
    Slapd(std::filesystem::path dir, std::string suffix) : m_dir(std::move(dir)), m_suffix(std::move(suffix)) {
        std::filesystem::create_directories(m_dir / "db");
        m_port = free_loopback_port();
        const std::string schema(k_ldap_schema_dir);
        write_file(m_dir / "slapd.conf",
                   "include " + schema + "/core.schema\n" + "include " + schema + "/cosine.schema\n" + "include " +
                       schema + "/inetorgperson.schema\n" + "pidfile " + (m_dir / "slapd.pid").string() + "\n" +
                       "argsfile " + (m_dir / "slapd.args").string() + "\n" +
                       "modulepath /usr/lib/ldap\nmoduleload back_mdb\n" + "database mdb\nmaxsize 104857600\n" +
                       "suffix \"" + m_suffix + "\"\n" + "rootdn \"" + root_dn() + "\"\n" + "rootpw " +
                       std::string(k_ldap_password) + "\n" + "directory " + (m_dir / "db").string() + "\n");
        write_file(m_dir / "bind.secret", std::string(k_ldap_password) + "\n");
    }
    ~Slapd() { stop(); }
    Slapd(const Slapd&) = delete;
    Slapd& operator=(const Slapd&) = delete;

    std::string url() const { return "ldap://127.0.0.1:" + std::to_string(m_port); }
    std::string root_dn() const { return "cn=admin," + m_suffix; }
    const std::string& suffix() const { return m_suffix; }
    std::string password_file() const { return (m_dir / "bind.secret").string(); }

    // Starts slapd in the foreground (-d 0) on 127.0.0.1:port and waits until it answers.
    ::testing::AssertionResult start() {
        auto avail = slapd_available();
        if (!avail) return avail;
        const std::string log = (m_dir / "slapd.log").string();
        std::vector<std::string> argv = {
            std::string(k_slapd), "-f", (m_dir / "slapd.conf").string(), "-h", url() + "/", "-d", "0"};
        posix_spawn_file_actions_t actions;
        ::posix_spawn_file_actions_init(&actions);
        ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        ::posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        const int rc = ::posix_spawn(&m_pid, args[0], &actions, nullptr, args.data(), environ);
        ::posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) {
            m_pid = -1;
            return ::testing::AssertionFailure() << "posix_spawn slapd: " << std::strerror(rc);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        ProcessResult r;
        while (std::chrono::steady_clock::now() < deadline) {
            r = run_process(
                {std::string(k_ldapsearch), "-x", "-LLL", "-H", url(), "-b", "", "-s", "base", "namingContexts"});
            if (r.exit_code == 0) return ::testing::AssertionSuccess();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return ::testing::AssertionFailure() << "slapd did not answer on " << url() << ": " << r.output << "\n"
                                             << read_text(log);
    }
    void stop() {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGTERM);
        wait_exit_code(m_pid);
        m_pid = -1;
    }

    // The values of `attribute` (e.g. "userCertificate;binary") of one entry, read anonymously
    // with ldapsearch; `exit_code` 32 when the entry does not exist.
    struct Values {
        int exit_code = -1;
        std::vector<Bytes> values;
        std::string output;
    };
    Values read(std::string_view dn, const std::string& attribute) const {
        Values v;
        auto r = run_process({std::string(k_ldapsearch), "-x", "-LLL", "-o", "ldif-wrap=no", "-H", url(), "-b",
                              std::string(dn), "-s", "base", "(objectClass=*)", attribute});
        v.exit_code = r.exit_code;
        v.output = r.output;
        // LDIF (RFC 2849): binary values as "attr:: base64" on one line (ldif-wrap=no).
        const std::string prefix = attribute + ":: ";
        std::size_t pos = 0;
        while (pos < r.output.size()) {
            const auto nl = r.output.find('\n', pos);
            const std::string line = r.output.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
            if (line.rfind(prefix, 0) == 0) {
                auto b = base64_decode(line.substr(prefix.size()));
                if (b) v.values.push_back(std::move(b).value());
            }
            if (nl == std::string::npos) break;
            pos = nl + 1;
        }
        return v;
    }
    // The plain values of an attribute (objectClass ...), one per "attr: value" line.
    std::vector<std::string> read_text_values(std::string_view dn, const std::string& attribute) const {
        auto r = run_process({std::string(k_ldapsearch), "-x", "-LLL", "-o", "ldif-wrap=no", "-H", url(), "-b",
                              std::string(dn), "-s", "base", "(objectClass=*)", attribute});
        std::vector<std::string> out;
        const std::string prefix = attribute + ": ";
        std::size_t pos = 0;
        while (pos < r.output.size()) {
            const auto nl = r.output.find('\n', pos);
            const std::string line = r.output.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
            if (line.rfind(prefix, 0) == 0) out.push_back(line.substr(prefix.size()));
            if (nl == std::string::npos) break;
            pos = nl + 1;
        }
        return out;
    }

private:
    std::filesystem::path m_dir;
    std::string m_suffix;
    std::uint16_t m_port = 0;
    pid_t m_pid = -1;
};

}  // namespace yinxin::test
