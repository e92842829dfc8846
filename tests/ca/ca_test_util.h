// Shared fixture for the ca tests: a real SQLite store and a real soft device (five custodians,
// unlocked by three) on scratch files, the repository's profiles, a fixed clock, and helpers to
// make SM2 requests whose private keys the test knows (for the no-key-in-clear scan).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/device/custodian.h"
#include "yinxin/device/soft_device.h"
#include "yinxin/profile/profile.h"
#include "yinxin/store/sqlite_store.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/csr.h"
#include "yinxin/x509/name.h"

namespace yinxin::ca::test {

using yinxin::test::ScratchDir;

inline constexpr std::string_view k_key_pin = "ca-key-pin-2026";
// The PBKDF2 floor (crypto::pbkdf2_sm3) keeps the tests fast; production uses 200,000.
inline constexpr unsigned k_test_iterations = 10'000;

inline const profile::ProfileSet& profiles() {
    static const profile::ProfileSet set = [] {
        auto r = profile::ProfileSet::load_directory(YINXIN_PROFILES_DIR);
        if (!r) throw std::runtime_error(r.error().to_string());
        return std::move(r).value();
    }();
    return set;
}

// 2026-11-01T00:00:00Z
inline TimePoint t0() { return from_unix(1793491200); }

inline std::vector<device::Credential> custodians() {
    std::vector<device::Credential> out;
    for (const char* n : {"alice", "bob", "carol", "dave", "erin"})
        out.emplace_back(n, std::string(n) + "-passphrase-1");
    return out;
}

// The demo hierarchy (tests/data/ca/demo-ceremony.json has the same shape).
inline std::string demo_config_json() {
    return R"json({
  "publication": {"base_url": "http://127.0.0.1:8080", "cps_oid": "1.2.156.112570.150", "cps_uri": "http://127.0.0.1:8080/cps"},
  "cas": [
    {"id": "demo-root", "name": "Yinxin Demo SM2 Root", "kind": "root",
     "subject": [["C", "CN"], ["O", "Yinxin Demo"], ["CN", "Yinxin Demo SM2 Root CA"]]},
    {"id": "demo-sub", "name": "Yinxin Demo SM2 Issuing CA", "kind": "sub", "parent": "demo-root",
     "subject": {"C": "CN", "O": "Yinxin Demo", "OU": "Issuing", "CN": "Yinxin Demo SM2 Issuing CA"}},
    {"id": "demo-seal-root", "name": "Yinxin Demo Seal Root", "kind": "seal_root",
     "subject": [["C", "CN"], ["O", "Yinxin Demo"], ["CN", "Yinxin Demo Seal Root CA"]]},
    {"id": "demo-external", "name": "Yinxin Demo Nationally Certified CA", "kind": "external",
     "subject": [["C", "CN"], ["O", "Yinxin Demo"], ["CN", "Yinxin Demo Externally Certified CA"]]}
  ]
})json";
}

class CaFixture : public ::testing::Test {
protected:
    void SetUp() override { open_all(); }

    void open_all() {
        store::SqliteOptions so;
        so.clock = &m_clock;
        auto st = store::SqliteStore::open(store_path(), so);
        ASSERT_TRUE(st.ok()) << st.error().to_string();
        m_store = std::move(st).value();
        device::SoftDeviceOptions dopt;
        dopt.pbkdf2_iterations = k_test_iterations;
        dopt.clock = &m_clock;
        auto dev = device::open_soft_device(device_path(), dopt);
        ASSERT_TRUE(dev.ok()) << dev.error().to_string();
        m_device = std::move(dev).value();
        if (m_device->info().state == device::DeviceState::uninitialised) {
            auto ev = m_device->custodian_control()->init(custodians(), 3, device::unchecked_custodian_policy());
            ASSERT_TRUE(ev.ok()) << ev.error().to_string();
        }
        auto all = custodians();
        std::vector<device::Credential> three(all.begin() + 1, all.begin() + 4);
        auto ev = m_device->custodian_control()->unlock(three);
        ASSERT_TRUE(ev.ok()) << ev.error().to_string();
    }
    void close_all() {
        m_device.reset();
        m_store.reset();
    }

    std::string store_path() const { return (m_dir / "ca.db").string(); }
    std::string device_path() const { return (m_dir / "device.db").string(); }

    CaStores stores() { return CaStores{m_store.get(), m_store.get(), m_store.get(), m_store.get()}; }

    CaContext context() {
        CaContext ctx;
        ctx.stores = stores();
        ctx.profiles = &profiles();
        ctx.device = m_device.get();
        ctx.key_pin = std::string(k_key_pin);
        ctx.clock = &m_clock;
        ctx.rng = &m_rng;
        ctx.events = [this](const CaEvent& e) { m_events.push_back(e); };
        return ctx;
    }

    CeremonyConfig demo_config() {
        auto c = CeremonyConfig::parse(demo_config_json(), "demo");
        EXPECT_TRUE(c.ok()) << c.error().to_string();
        return c.ok() ? std::move(c).value() : CeremonyConfig{};
    }

    // Runs the demo ceremony (the external CA stays unregistered until imported).
    CeremonyResult run_demo() {
        auto ctx = context();
        auto r = run_ceremony(demo_config(), ctx);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return r.ok() ? std::move(r).value() : CeremonyResult{};
    }

    Issuer issuer(KeyResolver keys = {}) {
        if (!keys) keys = device_key_resolver(*m_device, "soft", std::string(k_key_pin));
        return Issuer(stores(), profiles(), std::move(keys), demo_config().publication, m_clock, m_rng,
                      [this](const CaEvent& e) { m_events.push_back(e); });
    }

    x509::Certificate ca_cert(const std::string& id) {
        auto r = m_store->get_ca(id);
        EXPECT_TRUE(r.ok()) << id << ": " << (r.ok() ? "" : r.error().to_string());
        return x509::Certificate::parse(r->certificate_der).value();
    }

    // A fresh SM2 request (proof of possession with the GM ID); the private key is kept for the
    // no-key-in-clear scan.
    Bytes make_csr(const std::vector<std::pair<std::string, std::string>>& subject,
                   std::string_view id = "1234567812345678") {
        auto key = crypto::Sm2PrivateKey::generate().value();
        m_subject_keys.push_back(key);
        x509::CsrBuilder b;
        b.subject(x509::Name::build(subject).value()).public_key(key.public_key());
        auto csr = b.sign_with(key, id);
        EXPECT_TRUE(csr.ok()) << csr.error().to_string();
        return Bytes(csr->der().begin(), csr->der().end());
    }

    // Every row of the certificates table of a CA.
    std::vector<CertificateRecord> all_certificates(const std::string& ca_id) {
        std::vector<CertificateRecord> out;
        std::int64_t after = 0;
        for (;;) {
            auto page = m_store->list_certificates(ca_id, after, 1000);
            EXPECT_TRUE(page.ok());
            if (!page.ok()) return out;
            out.insert(out.end(), page->records.begin(), page->records.end());
            if (!page->next_after_id) return out;
            after = *page->next_after_id;
        }
    }

    ScratchDir m_dir;
    FixedClock m_clock{t0()};
    FixedRng m_rng{20261123};
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<device::Device> m_device;
    std::vector<CaEvent> m_events;
    std::vector<crypto::Sm2PrivateKey> m_subject_keys;
};

// Runs bc/ChainCheck.java over named chains (each leaf first, self-signed root last) at `at`;
// returns its output lines ("<name> explicit OK", "<name> pkix FAIL ...").
inline std::vector<std::string> bouncycastle_check(
    const std::filesystem::path& dir, const std::vector<std::pair<std::string, std::vector<x509::Certificate>>>& chains,
    TimePoint at) {
    std::string list;
    for (const auto& [name, certs] : chains) {
        list += name;
        for (std::size_t i = 0; i < certs.size(); ++i) {
            const auto file = dir / (name + "." + std::to_string(i) + ".der");
            yinxin::test::write_file(file, certs[i].der());
            list += " " + file.string();
        }
        list += "\n";
    }
    const auto in = dir / "bc-chains.txt";
    const auto out = dir / "bc-result.txt";
    yinxin::test::write_file(in, list);
    const std::vector<std::string> argv{std::string(yinxin::test::k_java),
                                        "-cp",
                                        yinxin::test::bouncycastle_classpath(YX_CA_BC_CLASS_DIR),
                                        "ChainCheck",
                                        in.string(),
                                        out.string(),
                                        std::to_string(to_unix(at))};
    auto r = yinxin::test::run_process(argv);
    EXPECT_EQ(r.exit_code, 0) << yinxin::test::describe(argv, r);
    std::vector<std::string> lines;
    std::string text = yinxin::test::read_text(out);
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto nl = text.find('\n', pos);
        lines.push_back(text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    return lines;
}

// A request body for a profile: subject and identity extensions it accepts.
inline profile::CertificateRequestData request_data(const profile::Profile& p) {
    profile::CertificateRequestData r;
    r.subject.emplace_back("C", "CN");
    if (p.subject_allows("ST")) r.subject.emplace_back("ST", "山东省");
    if (p.subject_allows("O")) r.subject.emplace_back("O", "某某市人民政府办公室");
    r.subject.emplace_back("CN", p.id() == "seal" ? "37030000001721" : "张三 " + p.id());
    for (const auto& spec : p.identity_extensions()) {
        r.identities.emplace_back(
            spec.name, spec.name.find("code") != std::string::npos ? "91370300MA3C5XYZ1Q" : "370302199001011234");
    }
    if (p.san_email()) r.san_emails.push_back("zhangsan@example.gov.cn");
    return r;
}

}  // namespace yinxin::ca::test
