// A data directory prepared through the real `yinxin` binary: a soft device with five custodians
// (`yinxin device init`) and the demo hierarchy from a ceremony config (`yinxin ca init`), plus
// helpers to run the CLI and to make PKCS#10 requests, and ServeProcess (`yinxin serve` as a child
// process). Shared by the CLI tests and the crash tests (fast and slow tiers).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/csr.h"
#include "yinxin/x509/name.h"

namespace yinxin::test {

inline constexpr std::string_view k_demo_pin = "demo-ca-key-pin-2026";

// The demo ceremony: a root, a sub CA under it and a seal root (docs/operations.md).
inline std::string demo_ceremony_json() {
    return R"({
  "publication": {"base_url": "http://127.0.0.1:8080", "cps_oid": "1.2.156.112570.150",
                  "cps_uri": "http://127.0.0.1:8080/cps"},
  "cas": [
    {"id": "demo-root", "name": "Demo Root CA", "kind": "root",
     "subject": [["C", "CN"], ["O", "Yinxin Demo"], ["CN", "Yinxin Demo Root CA"]]},
    {"id": "demo-sub", "name": "Demo Sub CA", "kind": "sub", "parent": "demo-root",
     "subject": [["C", "CN"], ["O", "Yinxin Demo"], ["CN", "Yinxin Demo Sub CA"]]},
    {"id": "demo-seal-root", "name": "Demo Seal Root", "kind": "seal_root",
     "subject": [["C", "CN"], ["O", "Yinxin Demo"], ["CN", "Yinxin Demo Seal Root CA"]]}
  ]
})";
}

class CliData {
public:
    explicit CliData(const std::filesystem::path& dir) : m_dir(dir) {}

    std::string dir() const { return m_dir.string(); }
    std::string store() const { return (m_dir / "store.db").string(); }
    std::string device() const { return (m_dir / "device.db").string(); }
    std::string shares() const { return (m_dir / "shares.txt").string(); }
    std::string pin_file() const { return (m_dir / "pin.txt").string(); }

    // yinxin <args...>, with the data directory options appended where `signing` is set.
    ProcessResult run(std::vector<std::string> args) const {
        args.insert(args.begin(), std::string(k_yinxin_cli));
        return run_process(args);
    }
    std::vector<std::string> signing_opts() const {
        return {"--data-dir", dir(), "--shares-file", shares(), "--pin-file", pin_file()};
    }

    // device init + ca init. Failures are reported with ADD_FAILURE and leave ok() false.
    void prepare() {
        std::filesystem::create_directories(m_dir);
        write_file(m_dir / "custodians.txt",
                   "alice:alice-pass-1\nbob:bob-pass-22\ncarol:carol-pass-3\ndave:dave-pass-44\nerin:erin-pass-55\n");
        write_file(shares(), "alice:alice-pass-1\ncarol:carol-pass-3\nerin:erin-pass-55\n");
        write_file(pin_file(), std::string(k_demo_pin) + "\n");
        write_file(m_dir / "ceremony.json", demo_ceremony_json());
        std::vector<std::string> init = {
            "device",       "init", "--store", device(), "--password-file", (m_dir / "custodians.txt").string(),
            "--iterations", "10000"};
        for (const char* n : {"alice", "bob", "carol", "dave", "erin"}) {
            init.push_back("--custodian");
            init.push_back(n);
        }
        auto r = run(init);
        if (r.exit_code != 0) {
            ADD_FAILURE() << "device init failed:\n" << r.output;
            return;
        }
        std::vector<std::string> ca = {"ca", "init", "--config", (m_dir / "ceremony.json").string()};
        for (auto& o : signing_opts()) ca.push_back(o);
        r = run(ca);
        if (r.exit_code != 0) {
            ADD_FAILURE() << "ca init failed:\n" << r.output;
            return;
        }
        m_ok = true;
    }
    bool ok() const { return m_ok; }

    // A fresh SM2 key's PKCS#10 (PEM) written to <dir>/<name>.csr.pem; returns the path.
    std::string make_csr(const std::string& name,
                         const std::vector<std::pair<std::string, std::string>>& subject) const {
        auto key = crypto::Sm2PrivateKey::generate();
        EXPECT_TRUE(key.ok());
        auto n = x509::Name::build(subject);
        EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().to_string());
        auto csr = x509::CsrBuilder().subject(n.value()).public_key(key.value().public_key()).sign_with(key.value());
        EXPECT_TRUE(csr.ok()) << (csr.ok() ? "" : csr.error().to_string());
        const std::string path = (m_dir / (name + ".csr.pem")).string();
        write_file(path, pem_encode("CERTIFICATE REQUEST", csr.value().der()));
        return path;
    }

private:
    std::filesystem::path m_dir;
    bool m_ok = false;
};

// `yinxin serve --listen 127.0.0.1:0 [--data-dir <dir>] <extra...>`, running until stop(). Its
// stdout and stderr are read all the time by a thread (a server whose pipe is full blocks on its
// next log line), and kept for output() / wait_for_output().
class ServeProcess {
public:
    // data_dir may be empty (then no --data-dir).
    explicit ServeProcess(const std::string& data_dir, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv = {std::string(k_yinxin_cli), "serve", "--listen", "127.0.0.1:0"};
        if (!data_dir.empty()) argv.insert(argv.end(), {"--data-dir", data_dir});
        argv.insert(argv.end(), extra.begin(), extra.end());
        std::string error;
        m_pid = spawn_process(argv, &m_fd, &error);
        if (m_pid <= 0) {
            ADD_FAILURE() << error;
            return;
        }
        m_reader = std::thread([this] { drain(); });
        // Start-up ends with the "metrics:" line (or the process ends).
        const std::string out = wait_for_output("/metrics", std::chrono::seconds(120));
        const auto at = out.find("listening on ");
        if (at == std::string::npos) {
            ADD_FAILURE() << out;
            return;
        }
        m_url = out.substr(at + 13, out.find('\n', at) - at - 13);
        // With --plain-port: "listening on http://... (plain HTTP, ...)" on the next line.
        if (const auto plain = out.find("listening on http://", at + 13); plain != std::string::npos)
            m_plain_url = out.substr(plain + 13, out.find(' ', plain + 13) - plain - 13);
    }
    ~ServeProcess() { stop(); }
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    const std::string& url() const { return m_url; }
    const std::string& plain_url() const { return m_plain_url; }
    // Everything the server wrote so far.
    std::string output() const {
        std::lock_guard lock(m_mu);
        return m_out;
    }
    // Waits until the output contains `text` (or the server closed its output, or the timeout);
    // returns the output so far.
    std::string wait_for_output(const std::string& text, std::chrono::milliseconds timeout) const {
        std::unique_lock lock(m_mu);
        m_grew.wait_for(lock, timeout, [&] { return m_out.find(text) != std::string::npos || m_closed; });
        return m_out;
    }
    // SIGTERM, read the output to its end, and the exit code (0 after a graceful shutdown); -1 when
    // not running.
    int stop() {
        if (m_pid <= 0) return -1;
        ::kill(m_pid, SIGTERM);
        if (m_reader.joinable()) m_reader.join();
        ::close(m_fd);
        const int code = wait_exit_code(m_pid);
        m_pid = -1;
        return code;
    }

private:
    void drain() {
        char buf[4096];
        for (;;) {
            const ssize_t n = ::read(m_fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            std::lock_guard lock(m_mu);
            if (n <= 0) {
                m_closed = true;
                m_grew.notify_all();
                return;
            }
            m_out.append(buf, static_cast<std::size_t>(n));
            m_grew.notify_all();
        }
    }

    pid_t m_pid = -1;
    int m_fd = -1;
    std::thread m_reader;
    mutable std::mutex m_mu;
    mutable std::condition_variable m_grew;
    std::string m_out;
    bool m_closed = false;
    std::string m_url;
    std::string m_plain_url;
};

}  // namespace yinxin::test
