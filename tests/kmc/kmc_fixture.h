// Shared fixture for the kmc tests: the CA fixture (real SQLite store, real soft device unlocked by
// three of five custodians, the demo hierarchy issued by a real ceremony), plus in the same store
// file the audit log, the auth store with KMC staff, and the KMC store; the KMC's own keys in the
// same device and its certificate issued by demo-sub; a KmcClient signing as demo-sub with the
// CA's device key and talking to KmcService::handle in process.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ca/ca_test_util.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/crypto/random.h"
#include "yinxin/kmc/client.h"
#include "yinxin/kmc/kmc.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_auth_store.h"
#include "yinxin/store/sqlite_kmc_store.h"
#include "yinxin/x509/builder.h"

namespace yinxin::kmc::test {

#define YX_ASSERT_OK(expr)                                                     \
    do {                                                                       \
        auto&& yx_r_ = (expr);                                                 \
        ASSERT_TRUE(yx_r_.ok()) << #expr << ": " << yx_r_.error().to_string(); \
    } while (false)
#define YX_EXPECT_CODE(expr, want)                                                       \
    do {                                                                                 \
        auto&& yx_r_ = (expr);                                                           \
        ASSERT_FALSE(yx_r_.ok()) << #expr << " succeeded, expected " << errc_name(want); \
        EXPECT_EQ(yx_r_.code(), want) << #expr << ": " << yx_r_.error().to_string();     \
    } while (false)

inline constexpr std::string_view k_pw = "Kx7#mP9!vQ";

// A certificate holder: the signing key stays with the test (their USB key), the signing
// certificate comes from demo-sub.
struct Holder {
    crypto::Sm2PrivateKey sign_key;
    x509::Certificate sign_cert;
};

class KmcFixture : public ca::test::CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        if (HasFatalFailure()) return;
        run_demo();
        open_services();
    }

    void open_services(KmcConfig config = {}) {
        m_client.reset();
        m_kmc.reset();
        auto as = store::SqliteAuditStore::open(store_path());
        ASSERT_TRUE(as.ok()) << as.error().to_string();
        m_audit_store = std::move(as).value();
        audit::AuditLogOptions ao;
        ao.clock = &m_clock;
        m_audit = std::make_unique<audit::AuditLog>(*m_audit_store, ao);
        auto st = store::SqliteAuthStore::open(store_path());
        ASSERT_TRUE(st.ok()) << st.error().to_string();
        m_auth_store = std::move(st).value();
        auth::AuthConfig ac;
        ac.password.iterations = 10'000;
        m_auth = std::make_unique<auth::AuthService>(*m_auth_store, m_clock, m_os_rng, ac);
        if (!m_staff_made) make_staff();
        auto ks = store::SqliteKmcStore::open(store_path());
        ASSERT_TRUE(ks.ok()) << ks.error().to_string();
        m_kmc_store = std::move(ks).value();
        auto keys = open_kmc_keys(*m_device, ca::test::k_key_pin, *m_audit);
        ASSERT_TRUE(keys.ok()) << keys.error().to_string();
        m_keys = std::move(keys).value();
        if (!m_kmc_cert) m_kmc_cert = issue_for_key("device-sign", m_keys.sign_public_key);
        ASSERT_TRUE(m_kmc_cert.has_value());
        m_ca_cert = ca_cert("demo-sub");
        if (config.trusted_cas.empty()) config.trusted_cas.push_back(TrustedCa{"demo-sub", *m_ca_cert});
        if (config.judicial_trust_anchors.empty()) config.judicial_trust_anchors.push_back(ca_cert("demo-root"));
        auto svc = KmcService::create(*m_kmc_store, m_keys, *m_kmc_cert, *m_auth, *m_audit, m_clock, config);
        ASSERT_TRUE(svc.ok()) << svc.error().to_string();
        m_kmc = std::move(svc).value();
        m_client =
            std::make_unique<KmcClient>(*m_ca_cert, ca_signer("demo-sub"), *m_kmc_cert, transport(), m_clock, m_rng);
    }

    // demo-sub's signing key in the device (the CA key never leaves it).
    SignFunction ca_signer(const std::string& ca_id) {
        auto rec = m_store->get_ca(ca_id);
        EXPECT_TRUE(rec.ok());
        auto resolver = ca::device_key_resolver(*m_device, "soft", std::string(ca::test::k_key_pin));
        auto key = resolver(*rec);
        EXPECT_TRUE(key.ok()) << (key.ok() ? "" : key.error().to_string());
        device::Device* dev = key->device;
        const device::KeyIndex index = key->index;
        const std::string id = key->sm2_id;
        return [dev, index, id](BytesView m) { return dev->sign(index, m, id); };
    }

    Transport transport() {
        return [this](BytesView req) -> Result<Bytes> {
            ++m_exchanges;
            Bytes answer = m_kmc->handle(req, "127.0.0.1:test");
            if (m_tamper_response) m_tamper_response(answer);
            return answer;
        };
    }

    // A certificate of `profile` from demo-sub for a key given as SubjectPublicKeyInfo.
    std::optional<x509::Certificate> issue_for_key(const std::string& profile, BytesView spki) {
        ca::IssueRequest req;
        req.ca_id = "demo-sub";
        req.profile_id = profile;
        req.data = ca::test::request_data(*ca::test::profiles().find(profile).value());
        req.data.spki_der.assign(spki.begin(), spki.end());
        req.request_id = "kmc-test-" + std::to_string(++m_requests);
        auto issued = issuer().issue(req);
        EXPECT_TRUE(issued.ok()) << profile << ": " << (issued.ok() ? "" : issued.error().to_string());
        if (!issued.ok()) return std::nullopt;
        return x509::Certificate::parse(issued->certificate_der).value();
    }

    Holder make_holder() {
        auto key = crypto::Sm2PrivateKey::generate().value();
        auto cert = issue_for_key("personnel-sign", key.public_key().spki_der());
        return Holder{key, *cert};
    }

    AppUserInfo user_info(const Holder& h, std::string name = "张三") {
        AppUserInfo u;
        u.user_cert_no = crypto::random_serial(m_os_rng).value();
        u.user_public_key.assign(h.sign_cert.public_key_info().der().begin(),
                                 h.sign_cert.public_key_info().der().end());
        u.not_before = m_clock.now();
        u.not_after = m_clock.now() + std::chrono::hours(24 * 365);
        u.user_name = std::move(name);
        return u;
    }

    // --- staff ---
    Bytes staff_cert(const std::string& id) {
        auto key = crypto::Sm2PrivateKey::generate().value();
        m_staff_keys.insert_or_assign(id, key);
        x509::TbsCertificateBuilder b;
        b.serial(crypto::random_serial(m_os_rng).value())
            .issuer(x509::Name::build({{"CN", "Yinxin Test Staff CA"}, {"C", "CN"}}).value())
            .subject(x509::Name::build({{"CN", id}, {"C", "CN"}}).value())
            .validity(m_clock.now() - std::chrono::hours(24), m_clock.now() + std::chrono::hours(24 * 365))
            .public_key(key.public_key());
        auto cert = b.sign_with(m_staff_ca_key).value();
        return Bytes(cert.der().begin(), cert.der().end());
    }
    auth::NewStaff spec(const std::string& id, auth::Role role, auth::Subsystem sub, const std::string& node) {
        auth::NewStaff s;
        s.id = id;
        s.display_name = "Staff " + id;
        s.role = role;
        s.subsystem = sub;
        s.org_node = node;
        s.certificate_der = staff_cert(id);
        s.initial_password = std::string(k_pw);
        return s;
    }
    void make_staff() {
        auth::OrgNode root;
        root.id = "ra";
        root.kind = auth::OrgKind::ra;
        root.name = "某某市数字证书注册中心";
        auto sa = spec("root.admin", auth::Role::super_admin, auth::Subsystem::none, "ra");
        YX_ASSERT_OK(m_auth->bootstrap(root, sa));
        auth::OrgNode branch;
        branch.id = "branch-a";
        branch.parent_id = "ra";
        branch.kind = auth::OrgKind::branch;
        branch.name = "branch A";
        YX_ASSERT_OK(m_auth->create_org_node("root.admin", branch));
        YX_ASSERT_OK(m_auth->create_staff("root.admin",
                                          spec("kmc.admin", auth::Role::business_admin, auth::Subsystem::kmc, "ra")));
        YX_ASSERT_OK(m_auth->create_staff("kmc.admin",
                                          spec("kmc.op1", auth::Role::business_operator, auth::Subsystem::kmc, "ra")));
        YX_ASSERT_OK(m_auth->create_staff("kmc.admin",
                                          spec("kmc.op2", auth::Role::business_operator, auth::Subsystem::kmc, "ra")));
        // An operator of a branch: out of scope for requests of other nodes.
        YX_ASSERT_OK(m_auth->create_staff(
            "kmc.admin", spec("kmc.branch.op", auth::Role::business_operator, auth::Subsystem::kmc, "branch-a")));
        // An RA operator: no KMC permission at all.
        YX_ASSERT_OK(m_auth->create_staff("root.admin",
                                          spec("ra.admin", auth::Role::business_admin, auth::Subsystem::ra, "ra")));
        YX_ASSERT_OK(
            m_auth->create_staff("ra.admin", spec("ra.op", auth::Role::business_operator, auth::Subsystem::ra, "ra")));
        m_staff_made = true;
    }

    // Every audit record (few in a test).
    std::vector<audit::AuditRecord> audit_records() {
        auto r = m_audit_store->read_range(1, 100'000);
        EXPECT_TRUE(r.ok());
        return r.ok() ? std::move(r).value() : std::vector<audit::AuditRecord>{};
    }
    std::size_t count_audit(const std::string& action, bool success) {
        std::size_t n = 0;
        for (const auto& rec : audit_records())
            if (rec.action == action && rec.success == success) ++n;
        return n;
    }

    crypto::OpensslRng m_os_rng;
    crypto::Sm2PrivateKey m_staff_ca_key = crypto::Sm2PrivateKey::generate().value();
    bool m_staff_made = false;
    std::map<std::string, crypto::Sm2PrivateKey> m_staff_keys;  // each member's login-certificate key
    int m_requests = 0;
    int m_exchanges = 0;
    std::function<void(Bytes&)> m_tamper_response;
    std::unique_ptr<store::SqliteAuditStore> m_audit_store;
    std::unique_ptr<audit::AuditLog> m_audit;
    std::unique_ptr<store::SqliteAuthStore> m_auth_store;
    std::unique_ptr<auth::AuthService> m_auth;
    std::unique_ptr<store::SqliteKmcStore> m_kmc_store;
    KmcKeys m_keys;
    std::optional<x509::Certificate> m_kmc_cert;
    std::optional<x509::Certificate> m_ca_cert;
    std::unique_ptr<KmcService> m_kmc;
    std::unique_ptr<KmcClient> m_client;
};

}  // namespace yinxin::kmc::test
