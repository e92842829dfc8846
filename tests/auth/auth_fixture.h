// Shared fixture for the auth tests: a real SQLite auth store in a scratch directory, a fixed
// clock, OpenSSL randomness, and real SM2 keys with certificates for every staff member.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "support/test_support.h"
#include "yinxin/auth/service.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/store/sqlite_auth_store.h"
#include "yinxin/x509/builder.h"

namespace yinxin::auth::testing {

// 2026-11-18T...Z: a fixed start so lockouts and expiries are exact.
inline const TimePoint k_start = from_unix(1'795'000'000);
inline constexpr std::string_view k_initial_pw = "Kx7#mP9!vQ";
inline constexpr std::string_view k_new_pw = "Wb3%nL8&zR";

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

class AuthFixture : public ::testing::Test {
protected:
    static AuthConfig config() {
        AuthConfig c;
        c.password.iterations = 10'000;  // the floor crypto::pbkdf2_sm3 accepts; keeps tests fast
        c.password.history = 3;
        return c;
    }

    void SetUp() override {
        open();
        OrgNode root;
        root.id = "ra";
        root.kind = OrgKind::ra;
        root.name = "某某市数字证书注册中心";
        NewStaff sa = spec("root.admin", Role::super_admin, "ra");
        sa.initial_password = std::string(k_new_pw);
        YX_ASSERT_OK(svc->bootstrap(root, sa));
        passwords["root.admin"] = std::string(k_new_pw);
    }

    void open() {
        svc.reset();
        store.reset();
        store = store::SqliteAuthStore::open((dir / "auth.db").string()).value();
        svc = std::make_unique<AuthService>(*store, clock, rng, config());
    }

    Bytes cert_for(const std::string& id) {
        auto it = certs.find(id);
        if (it != certs.end()) return it->second;
        crypto::Sm2PrivateKey key = crypto::Sm2PrivateKey::generate().value();
        x509::TbsCertificateBuilder b;
        const Bytes serial = crypto::random_serial(rng).value();
        b.serial(serial)
            .issuer(x509::Name::build({{"CN", "Yinxin Test Staff CA"}, {"C", "CN"}}).value())
            .subject(x509::Name::build({{"CN", id}, {"C", "CN"}}).value())
            .validity(clock.now() - std::chrono::hours(24), clock.now() + std::chrono::hours(24 * 365))
            .public_key(key.public_key());
        x509::Certificate cert = b.sign_with(ca_key).value();
        Bytes der(cert.der().begin(), cert.der().end());
        keys.emplace(id, key);
        certs[id] = der;
        return der;
    }

    NewStaff spec(const std::string& id, Role role, const std::string& node, Subsystem sub = Subsystem::none) {
        NewStaff s;
        s.id = id;
        s.display_name = "Person " + id;
        s.role = role;
        s.subsystem = sub;
        s.org_node = node;
        s.certificate_der = cert_for(id);
        s.initial_password = std::string(k_initial_pw);
        return s;
    }

    // Creates and activates (first password change) a staff member.
    void create(const std::string& actor, const std::string& id, Role role, const std::string& node,
                Subsystem sub = Subsystem::none) {
        auto r = svc->create_staff(actor, spec(id, role, node, sub));
        ASSERT_TRUE(r.ok()) << actor << " creating " << id << ": " << r.error().to_string();
        EXPECT_EQ(r->action, "staff.create");
        EXPECT_EQ(r->actor, actor);
        EXPECT_EQ(r->target, id);
        passwords[id] = std::string(k_initial_pw);
    }

    void activate(const std::string& id) {
        YX_ASSERT_OK(svc->change_password(id, k_initial_pw, k_new_pw));
        passwords[id] = std::string(k_new_pw);
    }

    OrgNode node(const std::string& id, const std::string& parent, OrgKind kind, bool sponsored = false,
                 std::int64_t quota = 0) {
        OrgNode n;
        n.id = id;
        n.parent_id = parent;
        n.kind = kind;
        n.name = "node " + id;
        n.sponsored = sponsored;
        n.quota_remaining = quota;
        return n;
    }

    LoginRequest cert_login(const std::string& id) {
        LoginRequest r;
        r.login = id;
        r.password = passwords[id];
        r.certificate = ClientCertificate{cert_for(id)};
        return r;
    }

    test::ScratchDir dir;
    FixedClock clock{k_start};
    crypto::OpensslRng rng;
    crypto::Sm2PrivateKey ca_key = crypto::Sm2PrivateKey::generate().value();
    std::map<std::string, crypto::Sm2PrivateKey> keys;
    std::map<std::string, Bytes> certs;
    std::map<std::string, std::string> passwords;
    std::unique_ptr<store::SqliteAuthStore> store;
    std::unique_ptr<AuthService> svc;
};

}  // namespace yinxin::auth::testing
