// Shared fixture for the seal system tests: the real pieces on one SQLite file in a scratch
// directory (CA store, revocations, staff, audit log, seal system), the soft device holding the
// demo hierarchy's keys (demo-seal-root issues the seal and system certificates), the CA's issuer
// and status service, and staff whose decisions are SM2-signed with their own keys.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ca/ca_test_util.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/ca/status.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/sealsys/registry.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_auth_store.h"
#include "yinxin/store/sqlite_revocation_store.h"
#include "yinxin/store/sqlite_sealsys_store.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/csr.h"

namespace yinxin::sealsys::test {

#define YX_ASSERT_OK(expr)                                                     \
    do {                                                                       \
        auto&& yx_r_ = (expr);                                                 \
        ASSERT_TRUE(yx_r_.ok()) << #expr << ": " << yx_r_.error().to_string(); \
    } while (false)
#define YX_EXPECT_CODE(expr, want)                                                         \
    do {                                                                                   \
        auto&& yx_r_ = (expr);                                                             \
        ASSERT_FALSE(yx_r_.ok()) << #expr << " succeeded, expected " << errc_name(want);   \
        EXPECT_EQ(yx_r_.error().code, want) << #expr << ": " << yx_r_.error().to_string(); \
    } while (false)

inline constexpr std::string_view k_pw = "Kx7#mP9!vQ";

// A 4x4 red PNG (made with Python's zlib and struct: IHDR 4x4 RGB, one IDAT, IEND).
inline Bytes red_png() {
    return hex_decode(
               "89504e470d0a1a0a0000000d494844520000000400000004080200000026930929000000104944415478da63f8cfc000"
               "470cc47100ae930ff1385e8c110000000049454e44ae426082")
        .value();
}

// GB 11643 numbers: the standard's example (check character X) and one computed by ISO 7064 MOD 11-2.
inline const std::string k_zhang_id = "11010519491231002X";
// GB 32100 codes, check characters computed by an independent script (Python, MOD 31).
inline const std::string k_unit_code = "11370100MB2867521T";
inline const std::string k_other_unit_code = "12370100MB1234567U";

class SealSystemFixture : public ca::test::CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        run_demo();
        open_services();
        using auth::OrgKind;
        using auth::Role;
        using auth::Subsystem;
        YX_ASSERT_OK(auth->bootstrap({"ra", "", OrgKind::ra, "人社电子印章制发中心", false, 0, {}},
                                     spec("admin", Role::super_admin, "ra")));
        YX_ASSERT_OK(auth->create_staff("admin", spec("seal.admin", Role::business_admin, "ra", Subsystem::seal)));
        YX_ASSERT_OK(auth->create_org_node("admin", {"jinan", "ra", OrgKind::branch, "济南分中心", false, 0, {}}));
        YX_ASSERT_OK(auth->create_org_node(
            "admin", {"jinan.hall", "jinan", OrgKind::acceptance_point, "济南市人社局", false, 0, {}}));
        YX_ASSERT_OK(auth->create_org_node("admin", {"qingdao", "ra", OrgKind::branch, "青岛分中心", false, 0, {}}));
        for (const char* id : {"op1", "op2"})
            YX_ASSERT_OK(auth->create_staff("seal.admin", spec(id, Role::business_operator, "jinan", Subsystem::seal)));
        YX_ASSERT_OK(
            auth->create_staff("seal.admin", spec("qd.op", Role::business_operator, "qingdao", Subsystem::seal)));
        YX_ASSERT_OK(auth->create_staff("admin", spec("ra.admin", Role::business_admin, "ra", Subsystem::ra)));
        YX_ASSERT_OK(auth->create_staff("ra.admin", spec("ra.op", Role::business_operator, "jinan", Subsystem::ra)));
        YX_ASSERT_OK(auth->create_staff("seal.admin", spec("apv", Role::approver, "jinan.hall")));
        YX_ASSERT_OK(auth->create_staff("ra.op", spec("zhang", Role::applicant, "jinan.hall", {}, k_zhang_id)));
        YX_ASSERT_OK(auth->create_staff("seal.admin", spec("yongzhang", Role::seal_user, "jinan.hall")));
        YX_ASSERT_OK(registry->open_signers());
    }

    void open_services() {
        const std::string db = store_path();
        auth_store = store::SqliteAuthStore::open(db).value();
        auth::AuthConfig ac;
        ac.password.iterations = 10'000;
        auth = std::make_unique<auth::AuthService>(*auth_store, m_clock, rng, ac);
        audit_store = store::SqliteAuditStore::open(db).value();
        audit_log = std::make_unique<audit::AuditLog>(*audit_store, audit::AuditLogOptions{});
        revocations = store::SqliteRevocationStore::open(db).value();
        const auto ca_keys = ca::device_key_resolver(*m_device, "soft", std::string(ca::test::k_key_pin));
        status = std::make_unique<ca::StatusService>(stores(), *revocations, ca_keys, m_clock,
                                                     [this](const ca::CaEvent& e) { m_events.push_back(e); });
        seal_issuer =
            std::make_unique<ca::Issuer>(stores(), ca::test::profiles(), ca_keys, demo_config().publication, m_clock,
                                         m_rng, [this](const ca::CaEvent& e) { m_events.push_back(e); });
        seal_store = store::SqliteSealSystemStore::open(db).value();
        SealSystemConfig config;
        config.key_pin = std::string(ca::test::k_key_pin);
        config.system_name = "济南市人社电子印章系统";
        registry = std::make_unique<SealRegistry>(*seal_store, *auth, *audit_log, *seal_issuer, *status, *m_store,
                                                  *m_store, *m_device, platform, m_clock, rng, config);
    }

    Bytes cert_for(const std::string& id) {
        auto key = crypto::Sm2PrivateKey::generate().value();
        x509::TbsCertificateBuilder b;
        b.serial(crypto::random_serial(rng).value())
            .issuer(x509::Name::build({{"CN", "Yinxin Test Staff CA"}, {"C", "CN"}}).value())
            .subject(x509::Name::build({{"CN", id}, {"C", "CN"}}).value())
            .validity(m_clock.now() - std::chrono::hours(24), m_clock.now() + std::chrono::hours(24 * 365 * 12))
            .public_key(key.public_key());
        x509::Certificate cert = b.sign_with(staff_ca).value();
        keys.emplace(id, key);
        Bytes der(cert.der().begin(), cert.der().end());
        certs[id] = der;
        return der;
    }
    auth::NewStaff spec(const std::string& id, auth::Role role, const std::string& node,
                        auth::Subsystem sub = auth::Subsystem::none, const std::string& id_number = {}) {
        auth::NewStaff s;
        s.id = id;
        s.display_name = "Person " + id;
        s.role = role;
        s.subsystem = sub;
        s.org_node = node;
        s.id_number = id_number;
        s.certificate_der = cert_for(id);
        s.initial_password = std::string(k_pw);
        return s;
    }

    static Caller as(const std::string& id) { return Caller{id, "test"}; }

    static SealForm form(const std::string& seal_name = "济南市人力资源和社会保障局业务专用章") {
        SealForm f;
        f.credit_code = k_unit_code;
        f.division_code = "370100";
        f.unit_type = UnitType::administrative_organ;
        f.unit_name = "济南市人力资源和社会保障局";
        f.handler_name = "张三";
        f.handler_id_number = k_zhang_id;
        f.handler_mobile = "13805310000";
        f.unit_address = "济南市历下区龙鼎大道 1 号";
        f.approving_unit_name = "山东省人力资源和社会保障厅";
        f.approving_division_code = "370000";
        f.seal_name = seal_name;
        f.seal_type = 1;
        f.picture_type = "PNG";
        f.picture = red_png();
        f.width_mm = 42;
        f.height_mm = 42;
        return f;
    }

    static std::vector<Material> materials(const std::vector<MaterialKind>& kinds) {
        std::vector<Material> out;
        for (MaterialKind k : kinds) {
            Material m;
            m.kind = k;
            m.name = std::string(material_kind_name(k)) + ".pdf";
            m.content = to_bytes("%PDF-1.4 scanned " + std::string(material_kind_name(k)));
            out.push_back(std::move(m));
        }
        return out;
    }

    // A PKCS#10 for a fresh token key (the key is kept in token_keys by its CSR's SM3).
    Bytes token_csr(const std::string& name = "seal key") {
        auto key = crypto::Sm2PrivateKey::generate().value();
        x509::CsrBuilder b;
        b.subject(x509::Name::build({{"C", "CN"}, {"CN", name}}).value()).public_key(key.public_key());
        auto csr = b.sign_with(key);
        EXPECT_TRUE(csr.ok());
        Bytes der(csr->der().begin(), csr->der().end());
        token_keys.emplace(hex_encode(der), key);
        return der;
    }

    NewApplication application(Delivery delivery = Delivery::token, const std::string& seal_name = "业务专用章") {
        NewApplication a;
        a.org_node = "jinan.hall";
        a.form = form(seal_name);
        a.delivery = delivery;
        if (delivery == Delivery::token) a.csr = token_csr(seal_name);
        a.materials = materials(required_application_materials());
        return a;
    }

    Bytes sign_decision(const std::string& who, std::string_view decision, const std::string& id,
                        const Bytes& payload_hash) {
        const std::string text = auth::decision_text(decision, id, hex_encode(payload_hash));
        return crypto::sm2_sign(keys.at(who), as_bytes(text)).value();
    }
    Bytes sign(const std::string& who, std::string_view decision, const SealApplication& a) {
        return sign_decision(who, decision, a.id, application_payload_hash(a));
    }
    Bytes sign(const std::string& who, std::string_view decision, const LifecycleRequest& r) {
        return sign_decision(who, decision, r.id, lifecycle_payload_hash(r));
    }

    // submitted by zhang (the handler) → approved by apv → made by op1.
    SealRecord made_seal(Delivery delivery = Delivery::token, const std::string& seal_name = "业务专用章") {
        auto a = registry->submit(as("zhang"), application(delivery, seal_name));
        EXPECT_TRUE(a.ok()) << a.error().to_string();
        if (!a) return {};
        auto ok = registry->approve(as("apv"), a->id, sign("apv", "approve", *a));
        EXPECT_TRUE(ok.ok()) << ok.error().to_string();
        auto s = registry->make(as("op1"), a->id);
        EXPECT_TRUE(s.ok()) << s.error().to_string();
        return s.ok() ? *s : SealRecord{};
    }

    std::vector<audit::AuditRecord> audit_records(const std::string& action) {
        std::vector<audit::AuditRecord> out;
        const auto all = audit_store->read_range(1, 100000);
        EXPECT_TRUE(all.ok());
        if (!all.ok()) return out;
        for (const auto& r : *all)
            if (r.action == action) out.push_back(r);
        return out;
    }

    // The revocation state of a certificate in the CA store (the CRL/OCSP source).
    std::optional<int> revocation_reason(const SealRecord& s) {
        auto rec = revocations->revocation(s.ca_id, hex_decode(s.serial_hex).value());
        EXPECT_TRUE(rec.ok()) << rec.error().to_string();
        if (!rec.ok() || !rec->has_value()) return std::nullopt;
        return (*rec)->reason;
    }

    crypto::OpensslRng rng;
    crypto::Sm2PrivateKey staff_ca = crypto::Sm2PrivateKey::generate().value();
    std::map<std::string, crypto::Sm2PrivateKey> keys;
    std::map<std::string, Bytes> certs;
    std::map<std::string, crypto::Sm2PrivateKey> token_keys;
    std::unique_ptr<store::SqliteAuthStore> auth_store;
    std::unique_ptr<auth::AuthService> auth;
    std::unique_ptr<store::SqliteAuditStore> audit_store;
    std::unique_ptr<audit::AuditLog> audit_log;
    std::unique_ptr<store::SqliteRevocationStore> revocations;
    std::unique_ptr<ca::StatusService> status;
    std::unique_ptr<ca::Issuer> seal_issuer;
    std::unique_ptr<store::SqliteSealSystemStore> seal_store;
    LocalCodeAllocator platform;
    std::unique_ptr<SealRegistry> registry;
};

}  // namespace yinxin::sealsys::test
