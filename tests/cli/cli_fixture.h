// A data directory prepared through the real `yinxin` binary: a soft device with five custodians
// (`yinxin device init`) and the demo hierarchy from a ceremony config (`yinxin ca init`), plus
// helpers to run the CLI and to make PKCS#10 requests. Shared by the CLI tests and the crash
// tests (fast and slow tiers).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>

#include <string>
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

}  // namespace yinxin::test
