// Certificate carriers and the one-time unlock code (LD/T 03-2022 §6.4.1 g, §6.6, 表 A.4) over the
// real pieces: one SQLite store file (certificates, staff, audit log, carriers), the soft device
// that holds the demo CA keys and the carrier-code key, real certificates from the demo issuing CA,
// staff decisions SM2-signed with the members' own keys, the HTTP routes on a loopback port, and
// the `yinxin carrier` CLI against that server.
#include "yinxin/ra/carrier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/http_client.h"
#include "api/server_fixture.h"
#include "ca/ca_test_util.h"
#include "yinxin/api/carrier_routes.h"
#include "yinxin/auth/service.h"
#include "yinxin/crypto/random.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_auth_store.h"
#include "yinxin/store/sqlite_carrier_store.h"
#include "yinxin/x509/builder.h"

namespace yinxin::ra {
namespace {

using auth::OrgKind;
using auth::Role;
using auth::Subsystem;

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

constexpr std::string_view k_pw = "Kx7#mP9!vQ";
constexpr std::string_view k_new_pw = "Wb3%nL8&zR";
constexpr std::string_view k_code_pin = "carrier-code-pin-2026";

// GB 11643: the 18th character from the first 17 (ISO 7064 MOD 11-2).
std::string citizen_id(const std::string& first17) {
    static constexpr int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += (first17[static_cast<std::size_t>(i)] - '0') * w[i];
    return first17 + "10X98765432"[sum % 11];
}

const std::string k_zhang_id = "11010519491231002X";  // the GB 11643 example, check character X
const std::string k_li_id = citizen_id("37010219800101123");

class CarrierTest : public ca::test::CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        run_demo();
        const std::string db = store_path();
        auth_store = store::SqliteAuthStore::open(db).value();
        auth::AuthConfig ac;
        ac.password.iterations = 10'000;
        auth = std::make_unique<auth::AuthService>(*auth_store, m_clock, rng, ac);
        YX_ASSERT_OK(auth->bootstrap({"ra", "", OrgKind::ra, "市数字证书注册中心", false, 0, {}},
                                     spec("admin", Role::super_admin, "ra")));
        YX_ASSERT_OK(auth->create_staff("admin", spec("ra.admin", Role::business_admin, "ra", Subsystem::ra)));
        YX_ASSERT_OK(auth->create_org_node("ra.admin", {"jinan", "ra", OrgKind::branch, "济南分中心", false, 0, {}}));
        YX_ASSERT_OK(auth->create_org_node(
            "ra.admin", {"jinan.hall", "jinan", OrgKind::acceptance_point, "济南市民中心受理点", false, 0, {}}));
        YX_ASSERT_OK(auth->create_org_node("ra.admin", {"qingdao", "ra", OrgKind::branch, "青岛分中心", false, 0, {}}));
        for (const char* id : {"clerk", "checker"})
            YX_ASSERT_OK(auth->create_staff("ra.admin", spec(id, Role::business_operator, "jinan", Subsystem::ra)));
        YX_ASSERT_OK(auth->create_staff("ra.admin", spec("qd.op", Role::business_operator, "qingdao", Subsystem::ra)));
        YX_ASSERT_OK(auth->create_staff("ra.admin", spec("apv", Role::approver, "jinan.hall")));
        YX_ASSERT_OK(auth->create_staff("clerk", spec("zhang", Role::applicant, "jinan.hall", {}, k_zhang_id)));
        YX_ASSERT_OK(auth->create_staff("clerk", spec("li", Role::applicant, "jinan.hall", {}, k_li_id)));

        audit_store = store::SqliteAuditStore::open(db).value();
        audit_log = std::make_unique<audit::AuditLog>(*audit_store, audit::AuditLogOptions{});
        carriers = store::SqliteCarrierStore::open(db).value();
        auto key = open_code_key(*m_device, k_code_pin, *audit_log);
        ASSERT_TRUE(key.ok()) << key.error().to_string();
        code_key = *key;
        svc = std::make_unique<CarrierService>(*carriers, *auth, *audit_log, code_key, m_clock, rng, m_store.get());
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
    auth::NewStaff spec(const std::string& id, Role role, const std::string& node, Subsystem sub = Subsystem::none,
                        const std::string& id_number = {}) {
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

    // A personnel certificate of the demo issuing CA; returns its serial (hex).
    std::string issue(const std::string& cn) {
        ca::IssueRequest r;
        r.ca_id = "demo-sub";
        r.profile_id = "personnel-sign";
        r.csr = make_csr({{"C", "CN"}, {"O", "济南市人力资源和社会保障局"}, {"CN", cn}});
        r.data = ca::test::request_data(*ca::test::profiles().find("personnel-sign").value());
        for (auto& [label, value] : r.data.subject)
            if (label == "CN") value = cn;
        r.request_id = "carrier-test-" + cn;
        auto issued = issuer().issue(r);
        EXPECT_TRUE(issued.ok()) << issued.error().to_string();
        return issued.ok() ? hex_encode(issued->serial) : std::string();
    }

    static std::string delivery(const std::vector<std::string>& lines) {
        std::string s = "carrier_no,kind,model,vendor,batch,unblock_code\n";
        for (const auto& l : lines) s += l + "\n";
        return s;
    }
    static std::string line(const std::string& no, const std::string& code, const std::string& kind = "usb_key") {
        return no + "," + kind + ",HSIC-K3,华大电子,2026-11-A," + code;
    }

    std::vector<Carrier> all_carriers(const std::string& who = "ra.admin") {
        auto r = svc->list(as(who), std::nullopt, {}, 1000);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return r.ok() ? *r : std::vector<Carrier>{};
    }
    std::vector<UnlockRequest> all_requests() {
        auto r = svc->list_unlock(as("ra.admin"), std::nullopt, {}, 1000);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return r.ok() ? *r : std::vector<UnlockRequest>{};
    }

    // Imports two carriers into jinan and assigns the first to 张三 (a real certificate).
    void stock_and_assign() {
        YX_ASSERT_OK(svc->import_csv(
            as("clerk"), "jinan",
            delivery({line("6201000000000001", "PUK-Zq81v7Rw"), line("6201000000000002", "PUK-Mx30c2Lp")})));
        serial = issue("张三");
        ASSERT_FALSE(serial.empty());
        YX_ASSERT_OK(
            svc->assign(as("clerk"), "6201000000000001", "demo-sub", serial, {"张三", k_zhang_id, "jinan.hall"}));
    }

    UnlockForm form(const std::string& carrier_no = "6201000000000001") const {
        UnlockForm f;
        f.name = "张三";
        f.gender = Gender::male;
        f.id_number = k_zhang_id;
        f.province_city = "山东省济南市";
        f.address = "济南市历下区经十路 100 号";
        f.postcode = "250014";
        f.email = "zhangsan@example.gov.cn";
        f.phone = "0531-88880000";
        f.unit = "济南市人力资源和社会保障局 信息中心";
        f.position = "科员";
        f.carrier_no = carrier_no;
        return f;
    }

    // The member's signature over decision_text(decision, id, SM3(unlock_payload)).
    Bytes sign(const std::string& who, std::string_view decision, const UnlockRequest& r) {
        const std::string text = auth::decision_text(decision, r.id, hex_encode(unlock_payload_hash(r)));
        return crypto::sm2_sign(keys.at(who), as_bytes(text)).value();
    }

    std::vector<audit::AuditRecord> audit_records(const std::string& action) {
        std::vector<audit::AuditRecord> out;
        const auto all = audit_store->read_range(1, 10000);
        EXPECT_TRUE(all.ok());
        if (!all.ok()) return out;
        for (const auto& r : *all)
            if (r.action == action) out.push_back(r);
        return out;
    }

    crypto::OpensslRng rng;
    crypto::Sm2PrivateKey staff_ca = crypto::Sm2PrivateKey::generate().value();
    std::map<std::string, crypto::Sm2PrivateKey> keys;
    std::map<std::string, Bytes> certs;
    std::unique_ptr<store::SqliteAuthStore> auth_store;
    std::unique_ptr<auth::AuthService> auth;
    std::unique_ptr<store::SqliteAuditStore> audit_store;
    std::unique_ptr<audit::AuditLog> audit_log;
    std::unique_ptr<store::SqliteCarrierStore> carriers;
    CodeKey code_key;
    std::unique_ptr<CarrierService> svc;
    std::string serial;
};

TEST(CarrierFormat, NumbersIdsAndPayload) {
    EXPECT_TRUE(valid_carrier_no("6201000000000001"));
    EXPECT_FALSE(valid_carrier_no("620100000000001"));
    EXPECT_FALSE(valid_carrier_no("62010000000000012"));
    EXPECT_FALSE(valid_carrier_no("620100000000000A"));
    EXPECT_TRUE(valid_citizen_id(k_zhang_id));
    EXPECT_TRUE(valid_citizen_id("11010519491231002x"));
    EXPECT_FALSE(valid_citizen_id("110105194912310021"));
    EXPECT_TRUE(valid_citizen_id(k_li_id));
    UnlockRequest r;
    r.id = "ul-0011223344556677";
    r.form.name = "张三";
    r.form.carrier_no = "6201000000000001";
    const std::string p = unlock_payload(r);
    EXPECT_EQ(p.find("{\"address\":"), 0u);  // sorted keys, compact
    EXPECT_NE(p.find("\"id\":\"ul-0011223344556677\""), std::string::npos);
    EXPECT_EQ(unlock_payload_hash(r).size(), 32u);
    r.form.postcode = "250014";
    EXPECT_NE(unlock_payload(r), p);
}

TEST_F(CarrierTest, ImportSealsEachCodeToTheDeviceKey) {
    // Header columns in another order, CRLF line ends, a quoted field with a comma and a quote.
    const std::string csv =
        "\xEF\xBB\xBFunblock_code,carrier_no,kind,model,vendor,batch\r\n"
        "PUK-11aa22bb,6201000000000001,usb_key,HSIC-K3,\"华大电子, \"\"HED\"\"\",2026-11-A\r\n"
        "\r\n"
        "SOPIN-77x,6201000000000002,card,CPU-SSC3,金邦达,2026-11-B\r\n";
    auto r = svc->import_csv(as("clerk"), "jinan", csv);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->imported, 2u);
    EXPECT_EQ(r->delivery_batches, "2026-11-A,2026-11-B");

    const auto list = all_carriers("clerk");
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].carrier_no, "6201000000000001");
    EXPECT_EQ(list[0].vendor, "华大电子, \"HED\"");
    EXPECT_EQ(list[0].state, CarrierState::in_stock);
    EXPECT_EQ(list[0].org_node, "jinan");
    EXPECT_EQ(list[0].imported_by, "clerk");
    EXPECT_EQ(list[1].kind, CarrierKind::card);
    // Only the device opens the ciphertext, and it names the carrier it belongs to.
    for (const auto& [c, code] : {std::pair{list[0], std::string("PUK-11aa22bb")}, {list[1], "SOPIN-77x"}}) {
        EXPECT_EQ(to_string(c.code_ciphertext).find(code), std::string::npos);
        auto plain = m_device->decrypt(code_key.index, c.code_ciphertext);
        ASSERT_TRUE(plain.ok()) << plain.error().to_string();
        EXPECT_EQ(std::string(plain->begin(), plain->end()), unblock_code_plaintext(c.carrier_no, code));
    }
    const auto recs = audit_records("ra.carrier.import");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_TRUE(recs[0].success);
    EXPECT_EQ(recs[0].actor, "clerk");
    EXPECT_EQ(recs[0].role, "business_operator");
    EXPECT_EQ(recs[0].detail.find("PUK-11aa22bb"), std::string::npos);
    // The code key generation and its access right are audited too.
    EXPECT_EQ(audit_records("device.key.generate").size(), 1u);
}

TEST_F(CarrierTest, BadLineRefusesTheWholeFileNamingIt) {
    const std::string good1 = line("6201000000000001", "PUK-aaaa1111");
    const std::string good2 = line("6201000000000002", "PUK-bbbb2222");
    const std::vector<std::pair<std::string, std::string>> bad{
        {line("620100000000003", "PUK-cccc3333"), "16 digits"},
        {line("62010000000000O3", "PUK-cccc3333"), "16 digits"},
        {line("6201000000000003", "PUK-cccc3333", "usb"), "usb_key or card"},
        {line("6201000000000003", "abc"), "unblock_code"},
        {line("6201000000000003", "PUK cccc"), "unblock_code"},
        {"6201000000000003,usb_key,HSIC-K3,华大电子,2026-11-A", "fields"},
        {"6201000000000003,usb_key,,华大电子,2026-11-A,PUK-cccc3333", "model"},
        {"6201000000000003,usb_key,\"HSIC,2026-11-A,PUK-cccc3333", "quoted"},
    };
    for (const auto& [l, why] : bad) {
        auto r = svc->import_csv(as("clerk"), "jinan", delivery({good1, good2, l}));
        ASSERT_FALSE(r.ok()) << l;
        EXPECT_EQ(r.code(), Errc::ra_bad_request) << r.error().to_string();
        EXPECT_NE(r.error().message.find("line 4"), std::string::npos) << r.error().message;
        EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
        EXPECT_TRUE(all_carriers().empty()) << l;
    }
    YX_EXPECT_CODE(svc->import_csv(as("clerk"), "jinan", "carrier_no,kind,model,vendor,batch\n" + good1 + "\n"),
                   Errc::ra_bad_request);
    YX_EXPECT_CODE(svc->import_csv(as("clerk"), "jinan", delivery({})), Errc::ra_bad_request);
    YX_EXPECT_CODE(svc->import_csv(as("clerk"), "jinan", ""), Errc::ra_bad_request);
    EXPECT_TRUE(all_carriers().empty());
    // Every refusal is in the audit log with its code.
    const auto recs = audit_records("ra.carrier.import");
    ASSERT_EQ(recs.size(), bad.size() + 3);
    for (const auto& rec : recs) {
        EXPECT_FALSE(rec.success);
        EXPECT_EQ(rec.error_code, static_cast<std::uint32_t>(Errc::ra_bad_request));
    }
}

TEST_F(CarrierTest, DuplicateCarrierNumbersAreRefused) {
    auto twice =
        svc->import_csv(as("clerk"), "jinan",
                        delivery({line("6201000000000001", "PUK-aaaa1111"), line("6201000000000002", "PUK-bbbb2222"),
                                  line("6201000000000001", "PUK-cccc3333")}));
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.code(), Errc::ra_duplicate);
    EXPECT_NE(twice.error().message.find("line 4"), std::string::npos) << twice.error().message;
    EXPECT_NE(twice.error().message.find("line 2"), std::string::npos) << twice.error().message;
    EXPECT_TRUE(all_carriers().empty());

    YX_ASSERT_OK(svc->import_csv(as("clerk"), "jinan", delivery({line("6201000000000001", "PUK-aaaa1111")})));
    // A later file repeating a known number stores none of its carriers.
    auto again =
        svc->import_csv(as("qd.op"), "qingdao",
                        delivery({line("6201000000000005", "PUK-eeee5555"), line("6201000000000001", "PUK-ffff6666")}));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.code(), Errc::ra_duplicate);
    EXPECT_NE(again.error().message.find("6201000000000001"), std::string::npos);
    const auto list = all_carriers();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].org_node, "jinan");
}

TEST_F(CarrierTest, AssignmentNeedsAnInStockCarrierOfTheSubtreeAndAnIssuedCertificate) {
    YX_ASSERT_OK(svc->import_csv(
        as("clerk"), "jinan",
        delivery({line("6201000000000001", "PUK-aaaa1111"), line("6201000000000002", "PUK-bbbb2222")})));
    YX_ASSERT_OK(svc->import_csv(as("qd.op"), "qingdao", delivery({line("6202000000000001", "PUK-qqqq1111")})));
    serial = issue("张三");
    ASSERT_FALSE(serial.empty());
    const CarrierHolder zhang{"张三", k_zhang_id, "jinan.hall"};

    // Another branch's stock, an unknown number, a certificate that does not exist.
    YX_EXPECT_CODE(svc->assign(as("clerk"), "6202000000000001", "demo-sub", serial, zhang),
                   Errc::ra_carrier_unavailable);
    YX_EXPECT_CODE(svc->assign(as("clerk"), "6209999999999999", "demo-sub", serial, zhang),
                   Errc::ra_carrier_unavailable);
    YX_EXPECT_CODE(svc->assign(as("clerk"), "6201000000000001", "demo-sub", "0badc0de", zhang), Errc::ra_not_found);
    YX_EXPECT_CODE(svc->assign(as("clerk"), "6201000000000001", "demo-sub", "xyz", zhang), Errc::ra_bad_request);
    YX_EXPECT_CODE(svc->assign(as("clerk"), "6201000000000001", "demo-sub", serial, {"", "", ""}),
                   Errc::ra_bad_request);
    YX_EXPECT_CODE(svc->assign(as("clerk"), "6201000000000001", "demo-sub", serial, {"张三", "123", ""}),
                   Errc::ra_bad_request);
    // The holder's node must lie in the operator's subtree too; applicants do not assign.
    YX_EXPECT_CODE(svc->assign(as("clerk"), "6201000000000001", "demo-sub", serial, {"张三", k_zhang_id, "qingdao"}),
                   Errc::auth_out_of_scope);
    YX_EXPECT_CODE(svc->assign(as("zhang"), "6201000000000001", "demo-sub", serial, zhang), Errc::auth_denied);
    for (const auto& c : all_carriers()) EXPECT_EQ(c.state, CarrierState::in_stock) << c.carrier_no;

    auto a = svc->assign(as("clerk"), "6201000000000001", "demo-sub", serial, zhang);
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    auto c = svc->get(as("checker"), "6201000000000001");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->state, CarrierState::assigned);
    EXPECT_EQ(c->ca_id, "demo-sub");
    EXPECT_EQ(c->serial_hex, serial);
    EXPECT_EQ(c->holder.name, "张三");
    EXPECT_EQ(c->holder_node(), "jinan.hall");
    EXPECT_EQ(c->assigned_by, "clerk");
    EXPECT_EQ(c->assigned_at, m_clock.now());
    // Assigned once only.
    YX_EXPECT_CODE(svc->assign(as("checker"), "6201000000000001", "demo-sub", serial, zhang),
                   Errc::ra_carrier_unavailable);

    // §6.6.1: a lost carrier leaves service, once.
    auto r = svc->retire(as("checker"), "6201000000000001", RetireReason::lost, "reported lost by the holder");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->state, CarrierState::retired);
    EXPECT_EQ(r->serial_hex, serial);  // the history stays
    YX_EXPECT_CODE(svc->retire(as("checker"), "6201000000000001", RetireReason::lost, ""), Errc::ra_illegal_transition);
    YX_EXPECT_CODE(svc->assign(as("clerk"), "6201000000000001", "demo-sub", serial, zhang),
                   Errc::ra_carrier_unavailable);
    YX_EXPECT_CODE(svc->retire(as("clerk"), "6202000000000001", RetireReason::damaged, ""), Errc::auth_out_of_scope);

    auto in_stock = svc->list(as("clerk"), CarrierState::in_stock);
    ASSERT_TRUE(in_stock.ok());
    ASSERT_EQ(in_stock->size(), 1u);
    EXPECT_EQ((*in_stock)[0].carrier_no, "6201000000000002");
    EXPECT_EQ(audit_records("ra.carrier.assign").size(), 11u);
    EXPECT_EQ(audit_records("ra.carrier.retire").size(), 3u);
}

TEST_F(CarrierTest, UnlockCodeIsReleasedOnceAfterBothSignedApprovals) {
    stock_and_assign();
    // The holder submits form A.4 for their own carrier.
    auto sub = svc->submit_unlock(as("zhang"), form());
    ASSERT_TRUE(sub.ok()) << sub.error().to_string();
    const UnlockRequest req = *sub;
    EXPECT_EQ(req.state, UnlockState::submitted);
    EXPECT_EQ(req.org_node, "jinan.hall");
    EXPECT_EQ(req.id.size(), 19u);
    // Nothing is released before both approvals.
    YX_EXPECT_CODE(svc->release_code(as("checker"), req.id), Errc::ra_illegal_transition);

    auto approved = svc->approve_unlock(as("apv"), req.id, sign("apv", "approve", req));
    ASSERT_TRUE(approved.ok()) << approved.error().to_string();
    EXPECT_EQ(approved->state, UnlockState::approved);
    EXPECT_NE(approved->approval_signature.find("approve signed by apv"), std::string::npos);
    YX_EXPECT_CODE(svc->release_code(as("checker"), req.id), Errc::ra_illegal_transition);

    auto reviewed = svc->review_unlock(as("clerk"), req.id, sign("clerk", "approve", req));
    ASSERT_TRUE(reviewed.ok()) << reviewed.error().to_string();
    EXPECT_EQ(reviewed->state, UnlockState::reviewed);

    auto code = svc->release_code(as("checker"), req.id);
    ASSERT_TRUE(code.ok()) << code.error().to_string();
    EXPECT_EQ(std::string(code->code.begin(), code->code.end()), "PUK-Zq81v7Rw");
    EXPECT_EQ(code->request.state, UnlockState::released);
    EXPECT_EQ(code->request.released_by, "checker");
    // Once: not again, not to anybody.
    YX_EXPECT_CODE(svc->release_code(as("checker"), req.id), Errc::ra_code_released);
    YX_EXPECT_CODE(svc->release_code(as("clerk"), req.id), Errc::ra_code_released);
    auto stored = svc->get_unlock(as("clerk"), req.id);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->state, UnlockState::released);
    EXPECT_EQ(stored->released_by, "checker");
    EXPECT_TRUE(stored->released_at.has_value());

    // The decisions' signatures are in the audit trail; the code is not.
    const auto approvals = audit_records("ra.unlock.approve");
    ASSERT_EQ(approvals.size(), 1u);
    EXPECT_NE(approvals[0].detail.find("approve signed by apv (certificate"), std::string::npos);
    EXPECT_NE(approvals[0].detail.find("; SM2 signature "), std::string::npos);
    EXPECT_EQ(approvals[0].role, "approver");
    const auto reviews = audit_records("ra.unlock.review");
    ASSERT_EQ(reviews.size(), 1u);
    EXPECT_NE(reviews[0].detail.find("signed by clerk"), std::string::npos);
    const auto releases = audit_records("ra.unlock.release");
    ASSERT_EQ(releases.size(), 5u);  // two too early, one success, two refused
    int ok = 0;
    for (const auto& rec : releases) {
        EXPECT_EQ(rec.detail.find("PUK-Zq81v7Rw"), std::string::npos);
        ok += rec.success ? 1 : 0;
    }
    EXPECT_EQ(ok, 1);
    EXPECT_EQ(releases.back().error_code, static_cast<std::uint32_t>(Errc::ra_code_released));

    // The applicant sees their request; a new request for the carrier may follow.
    auto mine = svc->list_unlock(as("zhang"), std::nullopt);
    ASSERT_TRUE(mine.ok());
    ASSERT_EQ(mine->size(), 1u);
    YX_ASSERT_OK(svc->submit_unlock(as("zhang"), form()));
}

TEST_F(CarrierTest, TheOperatorWhoEnteredTheFormCannotReviewIt) {
    stock_and_assign();
    auto sub = svc->submit_unlock(as("clerk"), form());
    ASSERT_TRUE(sub.ok()) << sub.error().to_string();
    const UnlockRequest req = *sub;
    // The first step is the 主管部门's: an RA operator cannot take it.
    YX_EXPECT_CODE(svc->approve_unlock(as("checker"), req.id, sign("checker", "approve", req)), Errc::auth_denied);
    YX_ASSERT_OK(svc->approve_unlock(as("apv"), req.id, sign("apv", "approve", req)));
    // The approver cannot also review.
    YX_EXPECT_CODE(svc->review_unlock(as("apv"), req.id, sign("apv", "approve", req)), Errc::auth_denied);
    YX_EXPECT_CODE(svc->review_unlock(as("clerk"), req.id, sign("clerk", "approve", req)), Errc::auth_same_person);
    YX_EXPECT_CODE(svc->reject_unlock(as("clerk"), req.id, "no", sign("clerk", "reject", req)), Errc::auth_same_person);
    auto still = svc->get_unlock(as("checker"), req.id);
    ASSERT_TRUE(still.ok());
    EXPECT_EQ(still->state, UnlockState::approved);
    YX_ASSERT_OK(svc->review_unlock(as("checker"), req.id, sign("checker", "approve", req)));
    auto code = svc->release_code(as("clerk"), req.id);
    ASSERT_TRUE(code.ok()) << code.error().to_string();
    EXPECT_EQ(std::string(code->code.begin(), code->code.end()), "PUK-Zq81v7Rw");
}

TEST_F(CarrierTest, RejectedOrBadlySignedRequestsReleaseNothing) {
    stock_and_assign();
    const UnlockRequest req = svc->submit_unlock(as("zhang"), form()).value();
    // A review before the 主管部门's approval, a signature by somebody else, over other content, none.
    YX_EXPECT_CODE(svc->review_unlock(as("checker"), req.id, sign("checker", "approve", req)),
                   Errc::ra_illegal_transition);
    YX_EXPECT_CODE(svc->approve_unlock(as("apv"), req.id, sign("clerk", "approve", req)),
                   Errc::auth_decision_signature_invalid);
    UnlockRequest other = req;
    other.form.postcode = "250000";
    YX_EXPECT_CODE(svc->approve_unlock(as("apv"), req.id, sign("apv", "approve", other)),
                   Errc::auth_decision_signature_invalid);
    YX_EXPECT_CODE(svc->approve_unlock(as("apv"), req.id, {}), Errc::auth_decision_signature_invalid);
    YX_EXPECT_CODE(svc->approve_unlock(as("apv"), "ul-0000000000000000", sign("apv", "approve", req)),
                   Errc::ra_not_found);
    YX_EXPECT_CODE(svc->reject_unlock(as("apv"), req.id, "", sign("apv", "reject", req)), Errc::ra_bad_request);
    // An approval signature does not reject.
    YX_EXPECT_CODE(svc->reject_unlock(as("apv"), req.id, "身份材料不全", sign("apv", "approve", req)),
                   Errc::auth_decision_signature_invalid);
    EXPECT_EQ(svc->get_unlock(as("clerk"), req.id)->state, UnlockState::submitted);

    auto rej = svc->reject_unlock(as("apv"), req.id, "身份材料不全", sign("apv", "reject", req));
    ASSERT_TRUE(rej.ok()) << rej.error().to_string();
    EXPECT_EQ(rej->state, UnlockState::rejected);
    EXPECT_EQ(rej->reject_reason, "身份材料不全");
    YX_EXPECT_CODE(svc->release_code(as("checker"), req.id), Errc::ra_illegal_transition);
    YX_EXPECT_CODE(svc->approve_unlock(as("apv"), req.id, sign("apv", "approve", req)), Errc::ra_illegal_transition);
    YX_EXPECT_CODE(svc->reject_unlock(as("apv"), req.id, "again", sign("apv", "reject", req)),
                   Errc::ra_illegal_transition);

    // Rejected by the certificate management department after the 主管部门's approval.
    const UnlockRequest second = svc->submit_unlock(as("zhang"), form()).value();
    YX_ASSERT_OK(svc->approve_unlock(as("apv"), second.id, sign("apv", "approve", second)));
    YX_EXPECT_CODE(svc->reject_unlock(as("apv"), second.id, "no", sign("apv", "reject", second)), Errc::auth_denied);
    YX_ASSERT_OK(svc->reject_unlock(as("checker"), second.id, "载体已注销", sign("checker", "reject", second)));
    YX_EXPECT_CODE(svc->release_code(as("checker"), second.id), Errc::ra_illegal_transition);
    const auto rejects = audit_records("ra.unlock.reject");
    ASSERT_FALSE(rejects.empty());
    EXPECT_NE(rejects.back().detail.find("reject signed by checker"), std::string::npos);
}

TEST_F(CarrierTest, BadFormsAndWrongCarriersPersistNothing) {
    stock_and_assign();
    auto with = [this](auto change) {
        UnlockForm f = form();
        change(f);
        return svc->submit_unlock(as("clerk"), f);
    };
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.id_number = "11010519491231002"; }), Errc::ra_bad_request);
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.id_number = "110105194912310021"; }), Errc::ra_bad_request);
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.postcode = "2500"; }), Errc::ra_bad_request);
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.email = "zhangsan.example.gov.cn"; }), Errc::ra_bad_request);
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.phone = "call me"; }), Errc::ra_bad_request);
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.name = ""; }), Errc::ra_bad_request);
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.unit = ""; }), Errc::ra_bad_request);
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.carrier_no = "620100000000001"; }), Errc::ra_bad_request);
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.carrier_no = "6209999999999999"; }), Errc::ra_not_found);
    // An unassigned carrier has no holder to unlock it for; the holder's data must match.
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.carrier_no = "6201000000000002"; }), Errc::ra_carrier_unavailable);
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.name = "李四"; }), Errc::ra_bad_request);
    YX_EXPECT_CODE(with([](UnlockForm& f) { f.id_number = k_li_id; }), Errc::ra_bad_request);
    // Another applicant cannot ask for 张三's carrier, even with 张三's data.
    YX_EXPECT_CODE(svc->submit_unlock(as("li"), form()), Errc::auth_denied);
    EXPECT_TRUE(all_requests().empty());

    // One open request per carrier.
    YX_ASSERT_OK(svc->submit_unlock(as("clerk"), form()));
    YX_EXPECT_CODE(svc->submit_unlock(as("zhang"), form()), Errc::ra_duplicate);
    EXPECT_EQ(all_requests().size(), 1u);
    EXPECT_EQ(audit_records("ra.unlock.submit").size(), 15u);
}

TEST_F(CarrierTest, OtherBranchesAndOtherRolesAreRefused) {
    stock_and_assign();
    const UnlockRequest req = svc->submit_unlock(as("zhang"), form()).value();
    YX_ASSERT_OK(svc->approve_unlock(as("apv"), req.id, sign("apv", "approve", req)));

    // An operator of another branch: nothing of jinan's is visible or changeable.
    EXPECT_TRUE(all_carriers("qd.op").empty());
    YX_EXPECT_CODE(svc->get(as("qd.op"), "6201000000000001"), Errc::auth_out_of_scope);
    YX_EXPECT_CODE(svc->import_csv(as("qd.op"), "jinan", delivery({line("6201000000000009", "PUK-9999aaaa")})),
                   Errc::auth_out_of_scope);
    YX_EXPECT_CODE(svc->review_unlock(as("qd.op"), req.id, sign("qd.op", "approve", req)), Errc::auth_out_of_scope);
    YX_EXPECT_CODE(svc->get_unlock(as("qd.op"), req.id), Errc::auth_out_of_scope);
    auto theirs = svc->list_unlock(as("qd.op"), std::nullopt);
    ASSERT_TRUE(theirs.ok());
    EXPECT_TRUE(theirs->empty());
    YX_ASSERT_OK(svc->review_unlock(as("checker"), req.id, sign("checker", "approve", req)));
    YX_EXPECT_CODE(svc->release_code(as("qd.op"), req.id), Errc::auth_out_of_scope);
    // Applicants and approvers neither hold the inventory nor receive codes.
    YX_EXPECT_CODE(svc->import_csv(as("zhang"), "jinan.hall", delivery({line("6201000000000009", "PUK-9999aaaa")})),
                   Errc::auth_denied);
    YX_EXPECT_CODE(svc->list(as("zhang"), std::nullopt), Errc::auth_denied);
    YX_EXPECT_CODE(svc->list(as("apv"), std::nullopt), Errc::auth_denied);
    YX_EXPECT_CODE(svc->get(as("apv"), "6201000000000001"), Errc::auth_denied);
    YX_EXPECT_CODE(svc->release_code(as("zhang"), req.id), Errc::auth_denied);
    YX_EXPECT_CODE(svc->release_code(as("apv"), req.id), Errc::auth_denied);
    YX_EXPECT_CODE(svc->get_unlock(as("li"), req.id), Errc::auth_denied);
    // ... and the code is still there for the authorised operator.
    auto code = svc->release_code(as("checker"), req.id);
    ASSERT_TRUE(code.ok()) << code.error().to_string();
    // A deactivated operator loses the right at once.
    YX_ASSERT_OK(auth->deactivate_staff("ra.admin", "clerk"));
    YX_EXPECT_CODE(svc->list(as("clerk"), std::nullopt), Errc::auth_inactive);
}

TEST_F(CarrierTest, UnblockCodesAreNeverInTheFilesInClear) {
    const std::vector<std::string> codes{"PUK-Qz7Kx2Wm9", "SOPIN-Vb5Nc8Rt", "PUK-Hj4Lp6Yd3"};
    YX_ASSERT_OK(svc->import_csv(as("clerk"), "jinan",
                                 delivery({line("6201000000000001", codes[0]), line("6201000000000002", codes[1]),
                                           line("6201000000000003", codes[2])})));
    serial = issue("张三");
    YX_ASSERT_OK(svc->assign(as("clerk"), "6201000000000001", "demo-sub", serial, {"张三", k_zhang_id, "jinan.hall"}));
    const UnlockRequest req = svc->submit_unlock(as("zhang"), form()).value();
    YX_ASSERT_OK(svc->approve_unlock(as("apv"), req.id, sign("apv", "approve", req)));
    YX_ASSERT_OK(svc->review_unlock(as("checker"), req.id, sign("checker", "approve", req)));
    auto released = svc->release_code(as("clerk"), req.id);
    ASSERT_TRUE(released.ok());
    EXPECT_EQ(std::string(released->code.begin(), released->code.end()), codes[0]);

    // Every file the system wrote (store, its WAL, the device store), before and after closing.
    auto scan = [&](const char* when) {
        for (const auto& entry : std::filesystem::directory_iterator(m_dir.path())) {
            const Bytes data = yinxin::test::read_file(entry.path());
            for (const auto& code : codes)
                EXPECT_FALSE(yinxin::test::contains(data, as_bytes(code)))
                    << code << " in clear in " << entry.path() << " (" << when << ")";
        }
    };
    scan("open");
    svc.reset();
    carriers.reset();
    audit_log.reset();
    audit_store.reset();
    auth.reset();
    auth_store.reset();
    close_all();
    scan("closed");
}

// --- HTTP and CLI -----------------------------------------------------------------------------

namespace http = yinxin::test::http;

class CarrierHttpTest : public CarrierTest {
protected:
    void SetUp() override {
        CarrierTest::SetUp();
        server = std::make_unique<api::Server>(yinxin::test::test_config(sink));
        YX_ASSERT_OK(api::add_carrier_routes(*server, {svc.get(), auth.get(), audit_log.get()}));
        YX_ASSERT_OK(server->start());
    }
    void TearDown() override {
        if (server) server->stop(std::chrono::milliseconds(500));
    }

    // A session token (password + registered certificate, as a verified TLS client certificate).
    std::string login(const std::string& id) {
        EXPECT_TRUE(auth->change_password(id, k_pw, k_new_pw).ok());
        auth::LoginRequest lr;
        lr.login = id;
        lr.password = std::string(k_new_pw);
        lr.certificate = auth::ClientCertificate{certs.at(id)};
        auto r = auth->login(lr);
        EXPECT_TRUE(r.ok()) << id << ": " << r.error().to_string();
        return r.ok() ? r->value.token : std::string();
    }

    yinxin::test::Reply call(http::verb method, const std::string& target, const std::string& token,
                             const std::string& body = {}, const std::string& type = "application/json") {
        yinxin::test::HttpClient c(server->port());
        std::vector<std::pair<std::string, std::string>> headers;
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        auto r = c.request(method, target, body, body.empty() ? std::string() : type, headers);
        EXPECT_TRUE(r.has_value()) << target;
        return r ? *r : yinxin::test::Reply{};
    }

    // Signs decision_text over the payload hash the CLIENT recomputes from the shown form.
    std::string signature(const std::string& who, std::string_view decision, const nlohmann::json& shown) {
        UnlockRequest r;
        r.id = shown["id"];
        const auto& f = shown["form"];
        r.form.name = f["name"];
        r.form.gender = gender_from_name(f["gender"].get<std::string>()).value();
        r.form.id_number = f["id_number"];
        r.form.province_city = f["province_city"];
        r.form.address = f["address"];
        r.form.postcode = f["postcode"];
        r.form.email = f["email"];
        r.form.phone = f["phone"];
        r.form.unit = f["unit"];
        r.form.position = f["position"];
        r.form.carrier_no = f["carrier_no"];
        EXPECT_EQ(hex_encode(unlock_payload_hash(r)), shown["payload_sm3"]);
        return base64_encode(sign(who, decision, r));
    }

    nlohmann::json form_json() const {
        const UnlockForm f = form();
        return {{"name", f.name},
                {"gender", "male"},
                {"id_number", f.id_number},
                {"province_city", f.province_city},
                {"address", f.address},
                {"postcode", f.postcode},
                {"email", f.email},
                {"phone", f.phone},
                {"unit", f.unit},
                {"position", f.position},
                {"carrier_no", f.carrier_no}};
    }

    std::shared_ptr<yinxin::test::CaptureSink> sink = std::make_shared<yinxin::test::CaptureSink>();
    std::unique_ptr<api::Server> server;
};

TEST_F(CarrierHttpTest, ImportUnlockAndReleaseOnceOverHttp) {
    const std::string clerk = login("clerk");
    const std::string checker = login("checker");
    const std::string apv = login("apv");
    const std::string zhang = login("zhang");
    const std::string qd = login("qd.op");

    // Import: no token (audited refusal), bad line (nothing stored), good file.
    auto r = call(http::verb::post, "/api/v1/ra/carriers?org_node=jinan", "",
                  delivery({line("6201000000000001", "PUK-Zq81v7Rw")}), "text/csv");
    EXPECT_EQ(r.status(), 401u);
    r = call(http::verb::post, "/api/v1/ra/carriers?org_node=jinan", clerk,
             delivery({line("6201000000000001", "PUK-Zq81v7Rw"), line("62010000000000x2", "PUK-Mx30c2Lp")}),
             "text/csv");
    EXPECT_EQ(r.status(), 400u) << r.body();
    EXPECT_EQ(r.json()["error"], "ra.bad_request");
    EXPECT_NE(r.json()["detail"].get<std::string>().find("line 3"), std::string::npos);
    r = call(http::verb::post, "/api/v1/ra/carriers?org_node=jinan", clerk,
             delivery({line("6201000000000001", "PUK-Zq81v7Rw"), line("6201000000000002", "PUK-Mx30c2Lp")}),
             "text/csv");
    ASSERT_EQ(r.status(), 201u) << r.body();
    EXPECT_EQ(r.json()["imported"], 2);
    r = call(http::verb::get, "/api/v1/ra/carriers?state=in_stock", clerk);
    ASSERT_EQ(r.status(), 200u) << r.body();
    ASSERT_EQ(r.json()["carriers"].size(), 2u);
    EXPECT_FALSE(r.json()["carriers"][0].contains("code_ciphertext"));
    EXPECT_EQ(r.body().find("PUK-"), std::string::npos);
    EXPECT_EQ(call(http::verb::get, "/api/v1/ra/carriers/6201000000000001", qd).status(), 403u);
    EXPECT_EQ(call(http::verb::get, "/api/v1/ra/carriers/6201000000000009", clerk).status(), 404u);

    serial = issue("张三");
    r = call(http::verb::post, "/api/v1/ra/carriers/6201000000000001/assign", clerk,
             nlohmann::json{{"ca_id", "demo-sub"},
                            {"serial", serial},
                            {"holder_name", "张三"},
                            {"holder_id_number", k_zhang_id},
                            {"holder_org_node", "jinan.hall"}}
                 .dump());
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["state"], "assigned");

    // Form A.4 from the holder, the two signed approvals, then the code once.
    r = call(http::verb::post, "/api/v1/ra/unlock-requests", zhang, form_json().dump());
    ASSERT_EQ(r.status(), 201u) << r.body();
    const std::string id = r.json()["id"];
    const std::string base = "/api/v1/ra/unlock-requests/" + id;
    EXPECT_EQ(call(http::verb::post, base + "/release", checker).status(), 409u);
    r = call(http::verb::get, base, apv);
    ASSERT_EQ(r.status(), 200u);
    const nlohmann::json shown = r.json();
    r = call(http::verb::post, base + "/approve", apv,
             nlohmann::json{{"signature", signature("apv", "approve", shown)}}.dump());
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["state"], "approved");
    r = call(http::verb::post, base + "/review", qd,
             nlohmann::json{{"signature", signature("qd.op", "approve", shown)}}.dump());
    EXPECT_EQ(r.status(), 403u);
    EXPECT_EQ(r.json()["error"], "auth.out_of_scope");
    r = call(http::verb::post, base + "/review", checker, nlohmann::json{{"signature", "%%%"}}.dump());
    EXPECT_EQ(r.status(), 400u);
    r = call(http::verb::post, base + "/review", checker,
             nlohmann::json{{"signature", signature("checker", "approve", shown)}}.dump());
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["state"], "reviewed");

    r = call(http::verb::post, base + "/release", clerk);
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["unblock_code"], "PUK-Zq81v7Rw");
    EXPECT_EQ(r.json()["released_by"], "clerk");
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    r = call(http::verb::post, base + "/release", clerk);
    EXPECT_EQ(r.status(), 409u);
    EXPECT_EQ(r.json()["error"], "ra.code_released");
    EXPECT_EQ(r.body().find("PUK-Zq81v7Rw"), std::string::npos);

    // The audit trail has the refused anonymous import and the refused body too.
    const auto imports = audit_records("ra.carrier.import");
    ASSERT_EQ(imports.size(), 3u);
    EXPECT_EQ(imports[0].actor, "anonymous");
    EXPECT_EQ(imports[0].error_code, static_cast<std::uint32_t>(Errc::auth_session_invalid));
    const auto reviews = audit_records("ra.unlock.review");
    ASSERT_EQ(reviews.size(), 3u);
    EXPECT_EQ(reviews[1].actor, "checker");
    EXPECT_FALSE(reviews[1].success);
}

TEST_F(CarrierHttpTest, CliImportsListsAndDecides) {
    const std::string clerk = login("clerk");
    const std::string checker = login("checker");
    const std::string apv = login("apv");
    const auto dir = m_dir.path();
    auto token_file = [&](const std::string& who, const std::string& token) {
        const auto p = dir / (who + ".token");
        yinxin::test::write_file(p, token + "\n");
        return p.string();
    };
    const std::string url = "http://127.0.0.1:" + std::to_string(server->port());
    auto run = [&](std::vector<std::string> args, const std::string& token_path) {
        args.insert(args.begin(), std::string(yinxin::test::k_yinxin_cli));
        args.insert(args.end(), {"--url", url, "--token-file", token_path});
        return yinxin::test::run_process(args);
    };
    const auto csv = dir / "delivery.csv";
    yinxin::test::write_file(csv, delivery({line("6201000000000001", "PUK-Zq81v7Rw")}));
    auto r = run({"carrier", "import", csv.string(), "--org-node", "jinan"}, token_file("clerk", clerk));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"imported\": 1"), std::string::npos) << r.output;
    r = run({"carrier", "import", csv.string(), "--org-node", "jinan"}, token_file("clerk", clerk));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("ra.duplicate"), std::string::npos) << r.output;
    r = run({"carrier", "list", "--state", "in_stock"}, token_file("clerk", clerk));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("6201000000000001"), std::string::npos) << r.output;

    serial = issue("张三");
    YX_ASSERT_OK(svc->assign(as("clerk"), "6201000000000001", "demo-sub", serial, {"张三", k_zhang_id, "jinan.hall"}));
    const auto form_file = dir / "form.json";
    yinxin::test::write_file(form_file, form_json().dump());
    r = run({"carrier", "unlock-request", "submit", form_file.string()}, token_file("clerk", clerk));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string id = nlohmann::json::parse(r.output)["id"];

    auto key_file = [&](const std::string& who) {
        const auto p = dir / (who + ".key.pem");
        yinxin::test::write_file(p, keys.at(who).pkcs8_pem());
        return p.string();
    };
    r = run({"carrier", "unlock-request", "approve", id, "--key", key_file("apv")}, token_file("apv", apv));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // The clerk entered it: the review must be somebody else's.
    r = run({"carrier", "unlock-request", "review", id, "--key", key_file("clerk")}, token_file("clerk", clerk));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("auth.same_person"), std::string::npos) << r.output;
    r = run({"carrier", "unlock-request", "review", id, "--key", key_file("checker")}, token_file("checker", checker));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run({"carrier", "unlock-request", "release", id}, token_file("checker", checker));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("PUK-Zq81v7Rw"), std::string::npos) << r.output;
    r = run({"carrier", "unlock-request", "release", id}, token_file("checker", checker));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("ra.code_released"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace yinxin::ra
