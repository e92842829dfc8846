// Shared fixture of the card batch tests: the ca tests' real SQLite store, soft device and demo
// hierarchy (tests/ca/ca_test_util.h) plus, in the same file, the auth register (an RA tree with
// two branches and one member per role the card service meets), the audit log, the card batch
// store and the service. Cardholders are generated: valid GB 11643 ID numbers, card numbers, and
// SM2 keys derived from fixed scalars (fast, and the private key is at hand for PKCS#10).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ca/ca_test_util.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/ra/card_batch.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_auth_store.h"
#include "yinxin/store/sqlite_card_batch_store.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/csr.h"

namespace yinxin::ra::test {

#define YX_CARD_ASSERT_OK(expr)                                                \
    do {                                                                       \
        auto&& yx_r_ = (expr);                                                 \
        ASSERT_TRUE(yx_r_.ok()) << #expr << ": " << yx_r_.error().to_string(); \
    } while (false)

inline constexpr std::string_view k_password = "Kx7#mP9!vQ";
inline constexpr std::string_view k_new_password = "Wb3%nL8&zR";

// 17 digits plus their GB 11643 check character (computed here independently of the code under test).
inline std::string with_check_digit(const std::string& body17) {
    static constexpr int k_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static constexpr char k_check[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) sum += (body17[i] - '0') * k_weights[i];
    return body17 + k_check[sum % 11];
}
// A valid 公民身份号码 for cardholder n: division 370302, a birth date from n, sequence, check digit.
inline std::string citizen_id(std::uint32_t n) {
    char body[18];
    std::snprintf(body, sizeof body, "370302%04u%02u%02u%03u", 1950U + n % 50U, 1U + (n / 50U) % 12U,
                  1U + (n / 600U) % 28U, n % 1000U);
    return with_check_digit(std::string(body, 17));
}
inline std::string card_number(std::uint32_t n) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "A%08u", n);
    return buf;
}
inline std::string holder_name(std::uint32_t n) { return "持卡人" + std::to_string(n); }

// The card's signing key pair for cardholder n (a scalar from SM3, as a card would make one).
inline crypto::Sm2PrivateKey card_key(std::uint32_t n, std::string_view salt = "card") {
    const auto d = crypto::sm3(as_bytes(std::string(salt) + "-" + std::to_string(n)));
    auto k = crypto::Sm2PrivateKey::from_scalar(d);
    if (!k) throw std::runtime_error("card key " + std::to_string(n) + ": " + k.error().to_string());
    return std::move(k).value();
}

inline std::string pkcs10_base64(const crypto::Sm2PrivateKey& key, const std::string& name) {
    auto subject = x509::Name::build({{"C", "CN"}, {"CN", name}}).value();
    auto csr = x509::CsrBuilder().subject(subject).public_key(key.public_key()).sign_with(key);
    if (!csr) throw std::runtime_error(csr.error().to_string());
    return base64_encode(csr->der());
}

// One CSV record (RFC 4180), for reading result files.
inline std::vector<std::string> csv_split(std::string_view line) {
    std::vector<std::string> out;
    std::string f;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                f += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                f += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(std::move(f));
            f.clear();
        } else {
            f += c;
        }
    }
    out.push_back(std::move(f));
    return out;
}
inline std::vector<std::string> text_lines(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        out.emplace_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

// Card-issuance CSV for cardholders [from, to) on `org_node`.
inline std::string card_data_csv(std::uint32_t from, std::uint32_t to, const std::string& org_node = "city-a") {
    std::string csv = "card_number,id_number,name,division_code,org_node\n";
    for (std::uint32_t n = from; n < to; ++n)
        csv += card_number(n) + "," + citizen_id(n) + "," + holder_name(n) + ",370302," + org_node + "\n";
    return csv;
}

// A batch line of cardholder n with its key as a hex point.
inline std::string batch_line(std::uint32_t n, std::string_view salt = "card") {
    return card_number(n) + "," + citizen_id(n) + "," + holder_name(n) + "," +
           hex_encode(card_key(n, salt).public_key().point()) + ",\n";
}
inline std::string batch_csv(std::uint32_t from, std::uint32_t to, std::string_view salt = "card") {
    std::string csv = "card_number,id_number,name,public_key,pkcs10\n";
    for (std::uint32_t n = from; n < to; ++n) csv += batch_line(n, salt);
    return csv;
}

class CardBatchFixture : public ca::test::CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        if (HasFatalFailure()) return;
        run_demo();
        const std::string db = store_path();
        auth_store = store::SqliteAuthStore::open(db).value();
        auth::AuthConfig ac;
        ac.password.iterations = 10'000;  // the PBKDF2 floor; keeps set-up fast
        auth = std::make_unique<auth::AuthService>(*auth_store, m_clock, rng, ac);
        audit_store = store::SqliteAuditStore::open(db).value();
        audit_log = std::make_unique<audit::AuditLog>(*audit_store, audit::AuditLogOptions{});
        cards = store::SqliteCardBatchStore::open(db).value();
        ca_issuer = std::make_unique<ca::Issuer>(issuer());

        // ra ─┬─ city-a ── city-a.hall (acceptance point)
        //     └─ city-b
        auth::OrgNode root;
        root.id = "ra";
        root.kind = auth::OrgKind::ra;
        root.name = "某某省社会保障卡数字证书注册中心";
        YX_CARD_ASSERT_OK(auth->bootstrap(root, spec("root.admin", auth::Role::super_admin, "ra")));
        YX_CARD_ASSERT_OK(auth->create_org_node("root.admin", node("city-a", "ra", auth::OrgKind::branch)));
        YX_CARD_ASSERT_OK(auth->create_org_node("root.admin", node("city-b", "ra", auth::OrgKind::branch)));
        YX_CARD_ASSERT_OK(
            auth->create_org_node("root.admin", node("city-a.hall", "city-a", auth::OrgKind::acceptance_point)));
        create("root.admin", "ra.admin", auth::Role::business_admin, "ra", auth::Subsystem::ra);
        create("ra.admin", "bo", auth::Role::business_operator, "city-a", auth::Subsystem::ra);
        create("ra.admin", "bo.b", auth::Role::business_operator, "city-b", auth::Subsystem::ra);
        create("ra.admin", "ci", auth::Role::card_issuer, "city-a");
        create("ra.admin", "ci.b", auth::Role::card_issuer, "city-b");
        create("bo", "app", auth::Role::applicant, "city-a.hall");  // operators register applicants
        make_service();
    }

    void make_service(CardBatchOptions options = {}) {
        CardBatchDeps deps;
        deps.store = cards.get();
        deps.issuer = ca_issuer.get();
        deps.cas = m_store.get();
        deps.profiles = &ca::test::profiles();
        deps.auth = auth.get();
        deps.audit = audit_log.get();
        deps.clock = &m_clock;
        deps.rng = &rng;
        service = std::make_unique<CardBatchService>(deps, std::move(options));
    }

    Bytes staff_certificate(const std::string& id) {
        auto key = crypto::Sm2PrivateKey::generate().value();
        x509::TbsCertificateBuilder b;
        b.serial(crypto::random_serial(rng).value())
            .issuer(x509::Name::build({{"CN", "Yinxin Test Staff CA"}, {"C", "CN"}}).value())
            .subject(x509::Name::build({{"CN", id}, {"C", "CN"}}).value())
            .validity(m_clock.now() - std::chrono::hours(24), m_clock.now() + std::chrono::hours(24 * 365))
            .public_key(key.public_key());
        auto cert = b.sign_with(staff_ca_key).value();
        staff_certs[id] = Bytes(cert.der().begin(), cert.der().end());
        return staff_certs[id];
    }

    auth::NewStaff spec(const std::string& id, auth::Role role, const std::string& org_node,
                        auth::Subsystem sub = auth::Subsystem::none) {
        auth::NewStaff s;
        s.id = id;
        s.display_name = "Person " + id;
        s.role = role;
        s.subsystem = sub;
        s.org_node = org_node;
        if (auth::is_staff_role(role)) s.certificate_der = staff_certificate(id);
        s.initial_password = std::string(k_password);
        return s;
    }

    void create(const std::string& actor, const std::string& id, auth::Role role, const std::string& org_node,
                auth::Subsystem sub = auth::Subsystem::none) {
        auto r = auth->create_staff(actor, spec(id, role, org_node, sub));
        ASSERT_TRUE(r.ok()) << actor << " creating " << id << ": " << r.error().to_string();
    }

    static auth::OrgNode node(const std::string& id, const std::string& parent, auth::OrgKind kind) {
        auth::OrgNode n;
        n.id = id;
        n.parent_id = parent;
        n.kind = kind;
        n.name = "node " + id;
        return n;
    }

    void import(const std::string& csv, const std::string& actor = "bo") {
        auto r = service->import_card_data({actor, "test"}, csv);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
    }

    SubmitResult submit(const std::string& content, const std::string& actor = "ci",
                        CardMode mode = CardMode::vendor_batch) {
        BatchRequest req;
        req.ca_id = "demo-sub";
        req.mode = mode;
        req.source = "test";
        req.content = content;
        auto r = service->submit({actor, "test"}, req);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return r.ok() ? std::move(r).value() : SubmitResult{};
    }

    // Issued certificate rows of demo-sub by RA request id.
    std::map<std::string, std::vector<ca::CertificateRecord>> certificates_by_request() {
        std::map<std::string, std::vector<ca::CertificateRecord>> out;
        for (auto& c : all_certificates("demo-sub"))
            if (c.status == ca::CertificateStatus::issued) out[c.request_id].push_back(std::move(c));
        return out;
    }

    std::vector<audit::AuditRecord> audit_records(std::string_view action) {
        std::vector<audit::AuditRecord> out;
        std::uint64_t from = 1;
        for (;;) {
            auto page = audit_store->read_range(from, 10'000);
            EXPECT_TRUE(page.ok());
            if (!page.ok() || page->empty()) return out;
            from = page->back().seq + 1;
            for (auto& r : *page)
                if (r.action == action) out.push_back(std::move(r));
        }
    }

    crypto::OpensslRng rng;
    crypto::Sm2PrivateKey staff_ca_key = crypto::Sm2PrivateKey::generate().value();
    std::map<std::string, Bytes> staff_certs;
    std::unique_ptr<store::SqliteAuthStore> auth_store;
    std::unique_ptr<auth::AuthService> auth;
    std::unique_ptr<store::SqliteAuditStore> audit_store;
    std::unique_ptr<audit::AuditLog> audit_log;
    std::unique_ptr<store::SqliteCardBatchStore> cards;
    std::unique_ptr<ca::Issuer> ca_issuer;
    std::unique_ptr<CardBatchService> service;
};

}  // namespace yinxin::ra::test
