// Centralized seal use with approval (LD/T 01.1-2022 §8.1.2, §8.2) over the real pieces: one SQLite
// store file (certificates, staff, audit log, seal-use tables), the soft device holding the demo CA
// keys, the seal maker key and the central seal key, a seal certificate issued from demo-seal-root
// with the `seal` profile, an SES_Seal made with seal::make_seal, reviewers' decisions SM2-signed
// with their own keys, the signed OFD checked by seal::verify_ofd and by BouncyCastle (SesCheck.java,
// sharing no code with Yinxin), the HTTP routes on a loopback port and the `yinxin seal-use` CLI.
#include "yinxin/sealsys/use.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/http_client.h"
#include "api/server_fixture.h"
#include "ca/ca_test_util.h"
#include "sealsys_fixture.h"
#include "yinxin/api/seal_use_routes.h"
#include "yinxin/auth/service.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/ofd/package.h"
#include "yinxin/seal/ofd_verify.h"
#include "yinxin/seal/ses.h"
#include "yinxin/seal/verify.h"
#include "yinxin/sqlite/database.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_auth_store.h"
#include "yinxin/store/sqlite_seal_use_store.h"
#include "yinxin/x509/builder.h"

namespace yinxin::sealsys {
namespace {

using auth::OrgKind;
using auth::Role;
using auth::Subsystem;

constexpr std::string_view k_pw = "Kx7#mP9!vQ";
constexpr std::string_view k_new_pw = "Wb3%nL8&zR";
constexpr auto k_day = std::chrono::hours(24);
const std::string k_code = "37010000000001";
const std::string k_seal_name = "济南市人力资源和社会保障局电子公章";

// A minimal two-page OFD (GB/T 33190: OFD.xml → Document.xml → pages).
Bytes minimal_ofd() {
    ofd::Package p;
    auto put = [&](std::string_view path, std::string_view text) { EXPECT_TRUE(p.put(path, to_bytes(text)).ok()); };
    put("OFD.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">)"
        R"(<ofd:DocBody><ofd:DocInfo><ofd:DocID>seal-use-test</ofd:DocID></ofd:DocInfo>)"
        R"(<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>)");
    put("Doc_0/Document.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016">)"
        R"(<ofd:CommonData><ofd:MaxUnitID>10</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>)"
        R"(<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/><ofd:Page ID="5" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages></ofd:Document>)");
    put("Doc_0/Pages/Page_0/Content.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2">)"
        R"(<ofd:TextObject ID="3" Boundary="10 10 100 10" Font="4" Size="5"><ofd:TextCode X="0" Y="5">劳动合同 第 1 页</ofd:TextCode></ofd:TextObject>)"
        R"(</ofd:Layer></ofd:Content></ofd:Page>)");
    put("Doc_0/Pages/Page_1/Content.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content/></ofd:Page>)");
    return p.write().value();
}

Bytes seal_picture() {
    return {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!line.empty()) out.push_back(line);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

// Query builders (designated initializers would need every member under -Wextra).
UseListQuery in_state(UseState s) {
    UseListQuery q;
    q.state = s;
    return q;
}
UseLogQuery log_query(const std::string& seal_code, std::optional<TimePoint> from = std::nullopt,
                      std::optional<TimePoint> to = std::nullopt, std::int64_t after_seq = 0, std::size_t limit = 100) {
    UseLogQuery q;
    q.seal_code = seal_code;
    q.from = from;
    q.to = to;
    q.after_seq = after_seq;
    q.limit = limit;
    return q;
}

class SealUseTest : public ca::test::CaFixture {
protected:
    void SetUp() override {
        CaFixture::SetUp();
        run_demo();
        const std::string db = store_path();
        auth_store = store::SqliteAuthStore::open(db).value();
        auth::AuthConfig ac;
        ac.password.iterations = 10'000;
        auth = std::make_unique<auth::AuthService>(*auth_store, m_clock, rng, ac);
        YX_ASSERT_OK(auth->bootstrap({"ra", "", OrgKind::ra, "人社数字证书与电子印章中心", false, 0, {}},
                                     spec("admin", Role::super_admin, "ra")));
        YX_ASSERT_OK(auth->create_org_node("admin", {"jinan", "ra", OrgKind::branch, "济南市人社局", false, 0, {}}));
        YX_ASSERT_OK(auth->create_org_node("admin", {"qingdao", "ra", OrgKind::branch, "青岛市人社局", false, 0, {}}));
        YX_ASSERT_OK(auth->create_staff("admin", spec("seal.admin", Role::business_admin, "ra", Subsystem::seal)));
        YX_ASSERT_OK(auth->create_staff("admin", spec("ra.admin", Role::business_admin, "ra", Subsystem::ra)));
        YX_ASSERT_OK(auth->create_staff("admin", spec("audit.admin", Role::audit_admin, "ra")));
        YX_ASSERT_OK(auth->create_staff("audit.admin", spec("auditor", Role::auditor, "ra")));
        // §9.4: seal users and their permissions belong to the seal use system, with its own admins.
        YX_ASSERT_OK(
            auth->create_staff("admin", spec("sealuse.admin", Role::business_admin, "ra", Subsystem::seal_use)));
        YX_ASSERT_OK(auth->create_staff("sealuse.admin",
                                        spec("seal.op", Role::business_operator, "jinan", Subsystem::seal_use)));
        YX_ASSERT_OK(auth->create_staff("ra.admin", spec("ra.op", Role::business_operator, "jinan", Subsystem::ra)));
        for (const char* id : {"clerk", "clerk2"})
            YX_ASSERT_OK(auth->create_staff("seal.admin", spec(id, Role::seal_user, "jinan")));
        YX_ASSERT_OK(auth->create_staff("seal.admin", spec("qd.clerk", Role::seal_user, "qingdao")));
        YX_ASSERT_OK(auth->create_staff("seal.admin", spec("hr.system", Role::business_system, "jinan")));
        for (const char* id : {"reviewer", "reviewer2"})
            YX_ASSERT_OK(auth->create_staff("seal.admin", spec(id, Role::seal_reviewer, "jinan")));

        audit_store = store::SqliteAuditStore::open(db).value();
        audit_log = std::make_unique<audit::AuditLog>(*audit_store, audit::AuditLogOptions{});
        use_store = store::SqliteSealUseStore::open(db).value();
        make_maker();
        seals[k_code] = make_central_seal(k_code, "jinan", k_seal_name);
        open_service();
    }

    void open_service(std::chrono::seconds review_ttl = std::chrono::hours(24)) {
        SealUseConfig config;
        config.key_pin = std::string(ca::test::k_key_pin);
        config.review_ttl = review_ttl;
        config.max_document_bytes = std::size_t{1} << 20;
        svc = std::make_unique<SealUseService>(
            *use_store,
            [this](std::string_view code) -> Result<CentralSeal> {
                auto it = seals.find(std::string(code));
                if (it == seals.end()) return make_error(Errc::seal_not_found, "no seal " + std::string(code));
                return it->second;
            },
            *m_device, *auth, *audit_log, m_clock, rng, config);
    }

    Bytes cert_for(const std::string& id) {
        auto key = crypto::Sm2PrivateKey::generate().value();
        x509::TbsCertificateBuilder b;
        b.serial(crypto::random_serial(rng).value())
            .issuer(x509::Name::build({{"CN", "Yinxin Test Staff CA"}, {"C", "CN"}}).value())
            .subject(x509::Name::build({{"CN", id}, {"C", "CN"}}).value())
            .validity(m_clock.now() - k_day, m_clock.now() + 365 * 12 * k_day)
            .public_key(key.public_key());
        x509::Certificate cert = b.sign_with(staff_ca).value();
        keys.emplace(id, key);
        Bytes der(cert.der().begin(), cert.der().end());
        certs[id] = der;
        return der;
    }
    auth::NewStaff spec(const std::string& id, Role role, const std::string& node, Subsystem sub = Subsystem::none) {
        auth::NewStaff s;
        s.id = id;
        s.display_name = "Person " + id;
        s.role = role;
        s.subsystem = sub;
        s.org_node = node;
        s.certificate_der = cert_for(id);
        s.initial_password = std::string(k_pw);
        return s;
    }
    static UseCaller as(const std::string& id) { return UseCaller{id, "test"}; }

    // A certificate from demo-seal-root for a key in the device.
    Bytes issue_for(const std::string& profile_id, const std::string& cn, const Bytes& spki) {
        ca::IssueRequest r;
        r.ca_id = "demo-seal-root";
        r.profile_id = profile_id;
        r.data = ca::test::request_data(*ca::test::profiles().find(profile_id).value());
        for (auto& [label, value] : r.data.subject) {
            if (label == "CN") value = cn;
            if (label == "O") value = "济南市人力资源和社会保障局";
        }
        r.data.spki_der = spki;
        r.request_id = "seal-use-test-" + profile_id + "-" + cn;
        auto issued = issuer().issue(r);
        EXPECT_TRUE(issued.ok()) << issued.error().to_string();
        return issued.ok() ? issued->certificate_der : Bytes{};
    }

    // The seal maker system's key (device) and certificate (seal-maker-system profile).
    void make_maker() {
        auto key = m_device->generate_key_pair(device::KeyAlgorithm::sm2, "seal-maker", ca::test::k_key_pin);
        ASSERT_TRUE(key.ok()) << key.error().to_string();
        YX_ASSERT_OK(m_device->get_private_key_access_right(key->key.index, ca::test::k_key_pin));
        maker_index = key->key.index;
        maker_cert = issue_for("seal-maker-system", "Yinxin 电子印章制作系统", key->key.public_key);
        ASSERT_FALSE(maker_cert.empty());
    }

    // A central seal: its key made inside the device, a `seal` certificate, and the SES_Seal.
    CentralSeal make_central_seal(const std::string& code, const std::string& node, const std::string& name) {
        CentralSeal s;
        const std::string label = "seal-" + code;
        auto key = m_device->generate_key_pair(device::KeyAlgorithm::sm2, label, ca::test::k_key_pin);
        EXPECT_TRUE(key.ok()) << key.error().to_string();
        if (!key) return s;
        seal_certs[code] = issue_for("seal", code, key->key.public_key);
        seal::SealRequest r;
        r.vendor_id = "YINXIN";
        r.es_id = code;
        r.type = 1;
        r.name = name;
        r.create_date = ca::test::t0();
        r.valid_start = ca::test::t0();
        r.valid_end = ca::test::t0() + 730 * k_day;
        r.signer_certificates.push_back(seal_certs[code]);
        r.picture = seal_picture();
        const device::KeyIndex maker = maker_index;
        auto der = seal::make_seal(r, maker_cert,
                                   [this, maker](BytesView m) -> Result<Bytes> { return m_device->sign(maker, m); });
        EXPECT_TRUE(der.ok()) << der.error().to_string();
        s.seal_code = code;
        s.org_node = node;
        s.unit_name = "济南市人力资源和社会保障局";
        s.seal_name = name;
        if (der) s.ses_seal_der = *der;
        s.device_key_label = label;
        s.state = "valid";
        s.valid_from = r.valid_start;
        s.valid_to = r.valid_end;
        return s;
    }

    // grant use to clerk and hr.system, review to reviewer.
    void grant_defaults() {
        YX_ASSERT_OK(svc->grant(as("seal.op"), k_code, "clerk", SealPermission::use));
        YX_ASSERT_OK(svc->grant(as("seal.op"), k_code, "hr.system", SealPermission::use));
        YX_ASSERT_OK(svc->grant(as("sealuse.admin"), k_code, "reviewer", SealPermission::review));
    }

    NewUseRequest ofd_request(std::optional<seal::OfdStamp> stamp = seal::OfdStamp{0, {120, 200, 40, 40}}) {
        NewUseRequest in;
        in.seal_code = k_code;
        in.document_name = "劳动合同-2026-001.ofd";
        in.document = minimal_ofd();
        in.purpose = "劳动合同盖章";
        in.stamp = stamp;
        return in;
    }

    // The member's signature over decision_text(decision, id, SM3(use_payload)).
    Bytes sign(const std::string& who, std::string_view decision, const UseRequest& r) {
        const std::string text = auth::decision_text(decision, r.id, hex_encode(use_payload_hash(r)));
        return crypto::sm2_sign(keys.at(who), as_bytes(text)).value();
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

    UseRequest state_of(const std::string& id) {
        auto r = use_store->find_request(id);
        EXPECT_TRUE(r.ok() && r->has_value());
        return r.ok() && r->has_value() ? **r : UseRequest{};
    }

    seal::OfdVerifyOptions verify_options() {
        seal::OfdVerifyOptions o;
        o.verify.time = m_clock.now() + k_day;
        o.verify.trust_anchors.push_back(ca_cert("demo-seal-root"));
        return o;
    }

    // BouncyCastle's verdict on SES_Signatures over their data (tests/seal/bc/SesCheck.java).
    std::vector<std::string> bc_check(const std::vector<std::pair<Bytes, Bytes>>& pairs) {
        EXPECT_TRUE(yinxin::test::bouncycastle_available());
        std::vector<std::string> argv{std::string(yinxin::test::k_java),
                                      "-Xshare:auto",
                                      "-XX:TieredStopAtLevel=1",
                                      "-XX:+UseSerialGC",
                                      "-Xmx256m",
                                      "-cp",
                                      yinxin::test::bouncycastle_classpath(YX_SEAL_BC_CLASS_DIR),
                                      "SesCheck"};
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            const auto ses = m_dir.path() / ("bc" + std::to_string(i) + ".ses");
            const auto data = m_dir.path() / ("bc" + std::to_string(i) + ".bin");
            yinxin::test::write_file(ses, pairs[i].first);
            yinxin::test::write_file(data, pairs[i].second);
            argv.push_back(ses.string());
            argv.push_back(data.string());
        }
        const auto r = yinxin::test::run_process(argv);
        EXPECT_EQ(r.exit_code, 0) << yinxin::test::describe(argv, r);
        return lines_of(r.output);
    }

    crypto::OpensslRng rng;
    crypto::Sm2PrivateKey staff_ca = crypto::Sm2PrivateKey::generate().value();
    std::map<std::string, crypto::Sm2PrivateKey> keys;
    std::map<std::string, Bytes> certs;
    std::unique_ptr<store::SqliteAuthStore> auth_store;
    std::unique_ptr<auth::AuthService> auth;
    std::unique_ptr<store::SqliteAuditStore> audit_store;
    std::unique_ptr<audit::AuditLog> audit_log;
    std::unique_ptr<store::SqliteSealUseStore> use_store;
    device::KeyIndex maker_index = 0;
    Bytes maker_cert;
    std::map<std::string, Bytes> seal_certs;
    std::map<std::string, CentralSeal> seals;
    std::unique_ptr<SealUseService> svc;
};

TEST(SealUsePayload, NamesTheObjectWithSortedKeysAndChangesWithIt) {
    UseRequest r;
    r.id = "su-0011223344556677";
    r.seal_code = k_code;
    r.seal_name = k_seal_name;
    r.org_node = "jinan";
    r.document_name = "a.ofd";
    r.document_kind = DocumentKind::ofd;
    r.document_sm3 = std::string(64, 'a');
    r.document_size = 10;
    r.purpose = "p";
    r.requested_by = "clerk";
    r.requested_at = from_unix(1793491200);
    const std::string p = use_payload(r);
    EXPECT_EQ(p.find("{\"document_kind\":\"ofd\","), 0u) << p;
    EXPECT_NE(p.find("\"requested_at\":\"2026-11-01T00:00:00Z\""), std::string::npos) << p;
    EXPECT_NE(p.find("\"stamp\":null"), std::string::npos) << p;
    EXPECT_EQ(use_payload_hash(r).size(), 32u);
    UseRequest moved = r;
    moved.stamp = seal::OfdStamp{1, {10, 20, 40, 40}};
    EXPECT_NE(use_payload(moved), p);
    EXPECT_NE(use_payload(moved).find("\"stamp\":{\"height\":40.0,\"page\":1,"), std::string::npos)
        << use_payload(moved);
    UseRequest other = r;
    other.document_sm3 = std::string(64, 'b');
    EXPECT_NE(use_payload_hash(other), use_payload_hash(r));
    // Decision fields are not part of what the decision signs.
    UseRequest decided = r;
    decided.state = UseState::approved;
    decided.reviewed_by = "reviewer";
    EXPECT_EQ(use_payload(decided), p);

    for (UseState s :
         {UseState::requested, UseState::approved, UseState::refused, UseState::signed_, UseState::expired})
        EXPECT_EQ(use_state_from_name(use_state_name(s)), s);
    EXPECT_EQ(use_state_name(UseState::signed_), "signed");
    EXPECT_FALSE(use_state_from_name("done"));
    EXPECT_EQ(permission_from_name("review"), SealPermission::review);
    EXPECT_FALSE(permission_from_name("admin"));
    EXPECT_EQ(document_kind_from_name("file"), DocumentKind::file);
}

TEST(SealUsability, StateAndPeriod) {
    CentralSeal s;
    s.seal_code = k_code;
    s.state = "valid";
    s.valid_from = from_unix(1000);
    s.valid_to = from_unix(2000);
    EXPECT_TRUE(check_seal_usable(s, from_unix(1500)).ok());
    EXPECT_EQ(check_seal_usable(s, from_unix(999)).code(), Errc::seal_not_valid);
    EXPECT_EQ(check_seal_usable(s, from_unix(2001)).code(), Errc::seal_not_valid);
    for (const char* st : {"lost", "cancelled", "expired", ""}) {
        s.state = st;
        auto r = check_seal_usable(s, from_unix(1500));
        EXPECT_EQ(r.code(), Errc::seal_not_valid) << st;
    }
}

TEST_F(SealUseTest, GrantRequestApproveSignTheOfdVerifies) {
    grant_defaults();
    auto req = svc->request(as("clerk"), ofd_request());
    ASSERT_TRUE(req.ok()) << req.error().to_string();
    EXPECT_EQ(req->state, UseState::requested);
    EXPECT_EQ(req->id.rfind("su-", 0), 0u);
    EXPECT_EQ(req->seal_name, k_seal_name);
    EXPECT_EQ(req->requester_role, "seal_user");
    EXPECT_EQ(req->document_kind, DocumentKind::ofd);
    EXPECT_EQ(req->document_sm3, hex_encode(crypto::sm3(minimal_ofd())));
    EXPECT_EQ(req->review_deadline, m_clock.now() + k_day);

    // The reviewer reads what they sign, and sees the submitted document.
    auto payload = svc->payload(as("reviewer"), req->id);
    ASSERT_TRUE(payload.ok()) << payload.error().to_string();
    EXPECT_NE(payload->find(req->document_sm3), std::string::npos);
    EXPECT_EQ(svc->original(as("reviewer"), req->id).value(), minimal_ofd());
    // Signing before the decision is refused.
    YX_EXPECT_CODE(svc->sign(as("clerk"), req->id), Errc::seal_illegal_state);

    auto approved = svc->approve(as("reviewer"), req->id, sign("reviewer", "approve", *req));
    ASSERT_TRUE(approved.ok()) << approved.error().to_string();
    EXPECT_EQ(approved->state, UseState::approved);
    EXPECT_EQ(approved->reviewed_by, "reviewer");
    EXPECT_NE(approved->decision_note.find("approve signed by reviewer"), std::string::npos);
    // The decision and its signature are kept.
    EXPECT_EQ(state_of(req->id).decision_signature, approved->decision_signature);
    EXPECT_TRUE(
        crypto::sm2_verify(keys.at("reviewer").public_key(),
                           as_bytes(auth::decision_text("approve", req->id, hex_encode(use_payload_hash(*req)))),
                           state_of(req->id).decision_signature)
            .ok());

    auto signed_r = svc->sign(as("clerk"), req->id);
    ASSERT_TRUE(signed_r.ok()) << signed_r.error().to_string();
    EXPECT_EQ(signed_r->state, UseState::signed_);
    EXPECT_EQ(signed_r->signed_by, "clerk");
    // A request signs at most once.
    YX_EXPECT_CODE(svc->sign(as("clerk"), req->id), Errc::seal_illegal_state);
    // Only the requester takes the result, once.
    YX_EXPECT_CODE(svc->fetch(as("clerk2"), req->id), Errc::seal_use_denied);
    auto doc = svc->fetch(as("clerk"), req->id);
    ASSERT_TRUE(doc.ok()) << doc.error().to_string();
    EXPECT_EQ(doc->content_type, "application/ofd");
    EXPECT_EQ(doc->file_name, "劳动合同-2026-001.ofd");
    EXPECT_EQ(hex_encode(crypto::sm3(doc->content)), signed_r->result_sm3);
    YX_EXPECT_CODE(svc->fetch(as("clerk"), req->id), Errc::seal_illegal_state);
    EXPECT_EQ(state_of(req->id).fetched_by, "clerk");

    // GB/T 38540 verification of the document: valid under the seal root, signed by the seal's
    // certificate, with the visible stamp on page 1.
    const seal::OfdReport report = seal::verify_ofd(doc->content, verify_options());
    ASSERT_EQ(report.signatures.size(), 1u) << report.to_text();
    EXPECT_TRUE(report.valid) << report.to_text();
    EXPECT_EQ(report.status, seal::DocumentStatus::valid) << report.to_text();
    const seal::OfdSignatureReport& sig = report.signatures[0];
    ASSERT_TRUE(sig.seal_report.has_value());
    EXPECT_EQ(sig.seal_report->es_id, k_code);
    EXPECT_EQ(sig.seal_report->seal_name, k_seal_name);
    EXPECT_EQ(sig.result_of("trust_chain"), seal::CheckResult::pass);
    EXPECT_EQ(sig.result_of("signer_in_cert_list"), seal::CheckResult::pass);
    EXPECT_EQ(sig.result_of("references"), seal::CheckResult::pass);

    // The interop rules (ofdrw OFDValidator, GB/T 33190 §18): Seal.esl is TBS_Sign.eseal byte for
    // byte, the SES_Signature's signer is the seal certificate, and BouncyCastle verifies the SM2
    // signatures (ID 1234567812345678) and dataHash = SM3(Signature.xml).
    auto pkg = ofd::Package::read(doc->content);
    ASSERT_TRUE(pkg.ok()) << pkg.error().to_string();
    const Bytes value(pkg->get(sig.signed_value_file).value().begin(), pkg->get(sig.signed_value_file).value().end());
    const Bytes signature_xml(pkg->get(sig.signature_file).value().begin(), pkg->get(sig.signature_file).value().end());
    const Bytes seal_file(pkg->get(sig.seal_file).value().begin(), pkg->get(sig.seal_file).value().end());
    auto ses = seal::SesSignature::parse(value);
    ASSERT_TRUE(ses.ok()) << ses.error().to_string();
    EXPECT_TRUE(std::equal(seal_file.begin(), seal_file.end(), ses->seal_der().begin(), ses->seal_der().end()));
    EXPECT_EQ(seal_file, seals[k_code].ses_seal_der);
    EXPECT_TRUE(std::equal(ses->signer_certificate().begin(), ses->signer_certificate().end(),
                           seal_certs[k_code].begin(), seal_certs[k_code].end()));
    EXPECT_EQ(ses->time_info(), m_clock.now());
    const auto bc = bc_check({{value, signature_xml}});
    ASSERT_EQ(bc.size(), 1u);
    EXPECT_EQ(bc[0], "0 signature=OK seal=OK data=OK version=4 empty_id=FAIL");

    // §8.2.4 b 3: the use log.
    auto log = svc->use_log(as("auditor"), {});
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    ASSERT_EQ(log->size(), 1u);
    const UseLogEntry& e = (*log)[0];
    EXPECT_EQ(e.request_id, req->id);
    EXPECT_EQ(e.document_name, "劳动合同-2026-001.ofd");
    EXPECT_EQ(e.document_sm3, req->document_sm3);
    EXPECT_EQ(e.result_sm3, signed_r->result_sm3);
    EXPECT_EQ(e.seal_code, k_code);
    EXPECT_EQ(e.seal_name, k_seal_name);
    EXPECT_EQ(e.requested_by, "clerk");
    EXPECT_EQ(e.reviewed_by, "reviewer");
    EXPECT_EQ(e.operator_id, "clerk");
    EXPECT_EQ(e.signed_at, m_clock.now());

    // One audit record per step, each naming the actor and role.
    for (const char* action :
         {"seal.use.grant", "seal.use.request", "seal.use.approve", "seal.use.sign", "seal.use.fetch"}) {
        const auto recs = audit_records(action);
        ASSERT_FALSE(recs.empty()) << action;
        EXPECT_TRUE(std::any_of(recs.begin(), recs.end(), [](const auto& r) { return r.success; })) << action;
    }
    const auto approvals = audit_records("seal.use.approve");
    ASSERT_EQ(approvals.size(), 1u);
    EXPECT_EQ(approvals[0].actor, "reviewer");
    EXPECT_EQ(approvals[0].role, "seal_reviewer");
    EXPECT_NE(approvals[0].detail.find("SM2 signature "), std::string::npos);
    const auto signs = audit_records("seal.use.sign");
    EXPECT_EQ(signs.back().error_code, static_cast<std::uint32_t>(Errc::seal_illegal_state));
    EXPECT_TRUE(std::any_of(signs.begin(), signs.end(), [&](const auto& r) {
        return r.success && r.detail.find("seal-" + k_code) != std::string::npos;
    }));
    // The seal key's access right was taken once, audited.
    EXPECT_EQ(audit_records("device.key.access_granted").size(), 1u);
}

TEST_F(SealUseTest, DetachedSignatureOverAPlainFile) {
    grant_defaults();
    NewUseRequest in;
    in.seal_code = k_code;
    in.document_name = "社保待遇核定表.pdf";
    in.document = to_bytes("%PDF-1.7 not really, but any file is sealed by a detached SES_Signature");
    in.purpose = "待遇核定";
    auto req = svc->request(as("clerk"), in);
    ASSERT_TRUE(req.ok()) << req.error().to_string();
    EXPECT_EQ(req->document_kind, DocumentKind::file);
    YX_ASSERT_OK(svc->approve(as("reviewer"), req->id, sign("reviewer", "approve", *req)));
    YX_ASSERT_OK(svc->sign(as("clerk"), req->id));
    auto doc = svc->fetch(as("clerk"), req->id);
    ASSERT_TRUE(doc.ok()) << doc.error().to_string();
    EXPECT_EQ(doc->file_name, "社保待遇核定表.pdf.ses");
    seal::VerifyOptions o;
    o.time = m_clock.now() + k_day;
    o.trust_anchors.push_back(ca_cert("demo-seal-root"));
    o.data = BytesView(in.document);
    const seal::Report r = seal::verify_signature(doc->content, o);
    EXPECT_TRUE(r.valid) << r.to_text();
    // propertyInfo is IA5: the UTF-8 name percent-encoded ("社" is E7 A4 BE).
    EXPECT_EQ(r.property_info.rfind("%E7%A4%BE", 0), 0u) << r.property_info;
    EXPECT_TRUE(r.property_info.size() > 4 && r.property_info.substr(r.property_info.size() - 4) == ".pdf");
    EXPECT_EQ(r.es_id, k_code);
    const auto bc = bc_check({{doc->content, in.document}, {doc->content, to_bytes("another file")}});
    ASSERT_EQ(bc.size(), 2u);
    EXPECT_EQ(bc[0], "0 signature=OK seal=OK data=OK version=4 empty_id=FAIL");
    EXPECT_EQ(bc[1], "1 signature=OK seal=OK data=FAIL version=4 empty_id=FAIL");
}

TEST_F(SealUseTest, RefusedRequestCannotSign) {
    grant_defaults();
    auto req = svc->request(as("clerk"), ofd_request());
    ASSERT_TRUE(req.ok()) << req.error().to_string();
    YX_EXPECT_CODE(svc->refuse(as("reviewer"), req->id, "", sign("reviewer", "reject", *req)),
                   Errc::seal_application_invalid);
    // A refusal is signed as "reject": an approval signature does not refuse.
    YX_EXPECT_CODE(svc->refuse(as("reviewer"), req->id, "盖章对象与用途不符", sign("reviewer", "approve", *req)),
                   Errc::auth_decision_signature_invalid);
    auto refused = svc->refuse(as("reviewer"), req->id, "盖章对象与用途不符", sign("reviewer", "reject", *req));
    ASSERT_TRUE(refused.ok()) << refused.error().to_string();
    EXPECT_EQ(refused->state, UseState::refused);
    EXPECT_EQ(refused->refuse_reason, "盖章对象与用途不符");
    YX_EXPECT_CODE(svc->sign(as("clerk"), req->id), Errc::seal_illegal_state);
    YX_EXPECT_CODE(svc->approve(as("reviewer"), req->id, sign("reviewer", "approve", *req)), Errc::seal_illegal_state);
    YX_EXPECT_CODE(svc->fetch(as("clerk"), req->id), Errc::seal_illegal_state);
    EXPECT_EQ(state_of(req->id).state, UseState::refused);
    auto log = svc->use_log(as("auditor"), {});
    ASSERT_TRUE(log.ok());
    EXPECT_TRUE(log->empty());
}

TEST_F(SealUseTest, PermissionsAndRolesAreCheckedAndAudited) {
    grant_defaults();
    // A seal user without "use" on this seal.
    YX_EXPECT_CODE(svc->request(as("clerk2"), ofd_request()), Errc::seal_use_denied);
    auto refused = audit_records("seal.use.request");
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_EQ(refused[0].actor, "clerk2");
    EXPECT_EQ(refused[0].role, "seal_user");
    EXPECT_FALSE(refused[0].success);
    EXPECT_EQ(refused[0].error_code, static_cast<std::uint32_t>(Errc::seal_use_denied));
    // A reviewer is not a requester.
    YX_EXPECT_CODE(svc->request(as("reviewer"), ofd_request()), Errc::auth_denied);

    auto req = svc->request(as("clerk"), ofd_request());
    ASSERT_TRUE(req.ok()) << req.error().to_string();
    // A reviewer without "review" on that seal.
    YX_EXPECT_CODE(svc->approve(as("reviewer2"), req->id, sign("reviewer2", "approve", *req)), Errc::seal_use_denied);
    // The requester reviewing their own request: a seal user has no review right at all ...
    YX_EXPECT_CODE(svc->approve(as("clerk"), req->id, sign("clerk", "approve", *req)), Errc::auth_denied);
    // ... and the same person never reviews what they asked for, even with the role and permission.
    YX_ASSERT_OK(auth->assign_role("seal.admin", "clerk", Role::seal_reviewer));
    YX_ASSERT_OK(svc->grant(as("seal.op"), k_code, "clerk", SealPermission::review));
    YX_EXPECT_CODE(svc->approve(as("clerk"), req->id, sign("clerk", "approve", *req)), Errc::auth_same_person);
    YX_ASSERT_OK(svc->withdraw(as("seal.op"), k_code, "clerk", SealPermission::review));
    YX_ASSERT_OK(auth->assign_role("seal.admin", "clerk", Role::seal_user));
    const auto approvals = audit_records("seal.use.approve");
    ASSERT_EQ(approvals.size(), 3u);
    for (const auto& a : approvals) EXPECT_FALSE(a.success);
    EXPECT_EQ(approvals[0].error_code, static_cast<std::uint32_t>(Errc::seal_use_denied));
    EXPECT_EQ(approvals[1].error_code, static_cast<std::uint32_t>(Errc::auth_denied));
    EXPECT_EQ(approvals[2].error_code, static_cast<std::uint32_t>(Errc::auth_same_person));
    EXPECT_EQ(state_of(req->id).state, UseState::requested);

    YX_ASSERT_OK(svc->approve(as("reviewer"), req->id, sign("reviewer", "approve", *req)));
    // Only the requester signs; another seal user with "use" does not.
    YX_ASSERT_OK(svc->grant(as("seal.op"), k_code, "clerk2", SealPermission::use));
    YX_EXPECT_CODE(svc->sign(as("clerk2"), req->id), Errc::seal_use_denied);
    // A requester whose permission was withdrawn no longer signs (§8.2.4 b 2).
    YX_ASSERT_OK(svc->withdraw(as("sealuse.admin"), k_code, "clerk", SealPermission::use));
    YX_EXPECT_CODE(svc->sign(as("clerk"), req->id), Errc::seal_use_denied);
    EXPECT_EQ(state_of(req->id).state, UseState::approved);
    YX_ASSERT_OK(svc->grant(as("seal.op"), k_code, "clerk", SealPermission::use));
    YX_ASSERT_OK(svc->sign(as("clerk"), req->id));

    // Managing permissions: seal subsystem staff only, for the right roles and units.
    YX_EXPECT_CODE(svc->grant(as("ra.op"), k_code, "clerk2", SealPermission::use), Errc::auth_denied);
    YX_EXPECT_CODE(svc->grant(as("clerk"), k_code, "clerk2", SealPermission::use), Errc::auth_denied);
    YX_EXPECT_CODE(svc->grant(as("seal.op"), k_code, "clerk2", SealPermission::use), Errc::seal_duplicate);
    YX_EXPECT_CODE(svc->grant(as("seal.op"), k_code, "clerk2", SealPermission::review), Errc::seal_application_invalid);
    YX_EXPECT_CODE(svc->grant(as("seal.op"), k_code, "reviewer2", SealPermission::use), Errc::seal_application_invalid);
    YX_EXPECT_CODE(svc->grant(as("seal.op"), k_code, "qd.clerk", SealPermission::use), Errc::auth_out_of_scope);
    YX_EXPECT_CODE(svc->grant(as("seal.op"), k_code, "nobody", SealPermission::use), Errc::seal_not_found);
    YX_EXPECT_CODE(svc->grant(as("seal.op"), "37010000009999", "clerk2", SealPermission::use), Errc::seal_not_found);
    YX_EXPECT_CODE(svc->withdraw(as("seal.op"), k_code, "reviewer2", SealPermission::review), Errc::seal_not_found);
    auto grants = svc->grants(as("seal.op"), k_code);
    ASSERT_TRUE(grants.ok()) << grants.error().to_string();
    std::vector<std::string> held;
    for (const auto& g : *grants) held.push_back(g.staff_id + ":" + std::string(permission_name(g.permission)));
    EXPECT_EQ(held, (std::vector<std::string>{"clerk:use", "clerk2:use", "hr.system:use", "reviewer:review"}));
    YX_EXPECT_CODE(svc->grants(as("clerk"), k_code), Errc::auth_denied);
    const auto grant_records = audit_records("seal.use.grant");
    EXPECT_TRUE(std::any_of(grant_records.begin(), grant_records.end(), [](const auto& r) {
        return !r.success && r.actor == "ra.op" && r.error_code == static_cast<std::uint32_t>(Errc::auth_denied);
    }));

    // Reading: the requester, the seal's reviewer and seal staff; not another seal user.
    YX_ASSERT_OK(svc->get(as("clerk"), req->id));
    YX_ASSERT_OK(svc->get(as("reviewer"), req->id));
    YX_ASSERT_OK(svc->get(as("seal.op"), req->id));
    YX_EXPECT_CODE(svc->get(as("clerk2"), req->id), Errc::auth_denied);
    YX_EXPECT_CODE(svc->get(as("reviewer2"), req->id), Errc::seal_use_denied);
    EXPECT_EQ(svc->list(as("clerk"), {}).value().size(), 1u);
    EXPECT_EQ(svc->list(as("clerk2"), {}).value().size(), 0u);
    EXPECT_EQ(svc->list(as("reviewer"), {}).value().size(), 1u);
    EXPECT_EQ(svc->list(as("reviewer2"), {}).value().size(), 0u);
    EXPECT_EQ(svc->list(as("seal.op"), {}).value().size(), 1u);
}

TEST_F(SealUseTest, InvalidSealIsRefusedAtRequestReviewAndSign) {
    grant_defaults();
    // Request: a lost seal.
    seals[k_code].state = "lost";
    YX_EXPECT_CODE(svc->request(as("clerk"), ofd_request()), Errc::seal_not_valid);
    EXPECT_TRUE(svc->list(as("seal.op"), {}).value().empty());

    // Review: cancelled after the request.
    seals[k_code].state = "valid";
    auto a = svc->request(as("clerk"), ofd_request());
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    seals[k_code].state = "cancelled";
    YX_EXPECT_CODE(svc->approve(as("reviewer"), a->id, sign("reviewer", "approve", *a)), Errc::seal_not_valid);
    EXPECT_EQ(state_of(a->id).state, UseState::requested);

    // Sign: approved, then the seal's period ended.
    seals[k_code].state = "valid";
    auto b = svc->request(as("clerk"), ofd_request());
    ASSERT_TRUE(b.ok()) << b.error().to_string();
    YX_ASSERT_OK(svc->approve(as("reviewer"), b->id, sign("reviewer", "approve", *b)));
    seals[k_code].state = "expired";
    YX_EXPECT_CODE(svc->sign(as("clerk"), b->id), Errc::seal_not_valid);
    seals[k_code].state = "valid";
    seals[k_code].valid_to = m_clock.now() - std::chrono::seconds(1);
    YX_EXPECT_CODE(svc->sign(as("clerk"), b->id), Errc::seal_not_valid);
    EXPECT_EQ(state_of(b->id).state, UseState::approved);
    const auto signs = audit_records("seal.use.sign");
    ASSERT_EQ(signs.size(), 2u);
    for (const auto& s : signs) EXPECT_EQ(s.error_code, static_cast<std::uint32_t>(Errc::seal_not_valid));

    // A device failure (no such key) leaves the request approved and writes nothing else.
    seals[k_code].valid_to = m_clock.now() + 365 * k_day;
    seals[k_code].device_key_label = "seal-missing";
    YX_EXPECT_CODE(svc->sign(as("clerk"), b->id), Errc::device_key_not_found);
    EXPECT_EQ(state_of(b->id).state, UseState::approved);
    EXPECT_TRUE(svc->use_log(as("auditor"), {}).value().empty());
    seals[k_code].device_key_label = "seal-" + k_code;
    YX_ASSERT_OK(svc->sign(as("clerk"), b->id));
    EXPECT_EQ(svc->use_log(as("auditor"), {}).value().size(), 1u);
}

TEST_F(SealUseTest, BadDecisionSignatureIsRefusedAndNothingChanges) {
    grant_defaults();
    auto req = svc->request(as("clerk"), ofd_request());
    ASSERT_TRUE(req.ok()) << req.error().to_string();
    // Another member's key, a signature over another payload, garbage, nothing.
    YX_EXPECT_CODE(svc->approve(as("reviewer"), req->id, sign("reviewer2", "approve", *req)),
                   Errc::auth_decision_signature_invalid);
    UseRequest other = *req;
    other.document_sm3 = std::string(64, '0');
    YX_EXPECT_CODE(svc->approve(as("reviewer"), req->id, sign("reviewer", "approve", other)),
                   Errc::auth_decision_signature_invalid);
    YX_EXPECT_CODE(svc->approve(as("reviewer"), req->id, to_bytes("not a signature")),
                   Errc::auth_decision_signature_invalid);
    YX_EXPECT_CODE(svc->approve(as("reviewer"), req->id, Bytes{}), Errc::auth_decision_signature_invalid);
    const UseRequest now = state_of(req->id);
    EXPECT_EQ(now.state, UseState::requested);
    EXPECT_TRUE(now.reviewed_by.empty());
    EXPECT_TRUE(now.decision_signature.empty());
    const auto recs = audit_records("seal.use.approve");
    ASSERT_EQ(recs.size(), 4u);
    for (const auto& r : recs)
        EXPECT_EQ(r.error_code, static_cast<std::uint32_t>(Errc::auth_decision_signature_invalid));
}

TEST_F(SealUseTest, BadInputIsRefusedAndPersistsNothing) {
    grant_defaults();
    auto expect_invalid = [&](NewUseRequest in, const std::string& what) {
        auto r = svc->request(as("clerk"), in);
        ASSERT_FALSE(r.ok()) << what;
        EXPECT_EQ(r.code(), Errc::seal_application_invalid) << what << ": " << r.error().to_string();
    };
    NewUseRequest in = ofd_request();
    in.document.clear();
    expect_invalid(in, "empty document");
    in = ofd_request();
    in.document.assign((std::size_t{1} << 20) + 1, 0x20);
    in.kind = DocumentKind::file;
    in.stamp.reset();
    expect_invalid(in, "over the size limit");
    in = ofd_request();
    in.document_name = "../etc/passwd";
    expect_invalid(in, "a path as the name");
    in = ofd_request();
    in.document_name.clear();
    expect_invalid(in, "no name");
    in = ofd_request();
    in.purpose.clear();
    expect_invalid(in, "no purpose");
    in = ofd_request();
    in.kind = DocumentKind::file;
    expect_invalid(in, "a stamp on a plain file");
    in = ofd_request();
    in.document = to_bytes("PK\x03\x04 not a zip at all");
    expect_invalid(in, "not an OFD package");
    in = ofd_request(seal::OfdStamp{7, {10, 10, 40, 40}});
    expect_invalid(in, "no page 8");
    in = ofd_request(seal::OfdStamp{0, {10, 10, 0, 40}});
    expect_invalid(in, "zero width");
    in = ofd_request(seal::OfdStamp{0, {-5, 10, 40, 40}});
    expect_invalid(in, "negative x");
    EXPECT_TRUE(svc->list(as("seal.op"), {}).value().empty());
    for (const auto& r : audit_records("seal.use.request")) EXPECT_FALSE(r.success);
    // An invisible signature (no stamp) is fine.
    YX_ASSERT_OK(svc->request(as("clerk"), ofd_request(std::nullopt)));
}

TEST_F(SealUseTest, UnreviewedRequestsExpire) {
    grant_defaults();
    auto req = svc->request(as("clerk"), ofd_request());
    ASSERT_TRUE(req.ok()) << req.error().to_string();
    m_clock.advance(k_day + std::chrono::seconds(1));
    YX_EXPECT_CODE(svc->approve(as("reviewer"), req->id, sign("reviewer", "approve", *req)), Errc::seal_illegal_state);
    EXPECT_EQ(state_of(req->id).state, UseState::requested);  // a refused call writes nothing
    // The next use of the service sweeps: the overdue request expires (its own transaction and
    // audit record), the new one is open.
    auto fresh = svc->request(as("clerk"), ofd_request());
    ASSERT_TRUE(fresh.ok()) << fresh.error().to_string();
    EXPECT_EQ(state_of(req->id).state, UseState::expired);
    EXPECT_EQ(state_of(req->id).expired_at, m_clock.now());
    EXPECT_EQ(state_of(fresh->id).state, UseState::requested);
    EXPECT_EQ(svc->expire_overdue().value(), 0u);
    auto recs = audit_records("seal.use.expire");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].actor, "system");
    EXPECT_EQ(recs[0].target, req->id);
    EXPECT_TRUE(recs[0].success);
    YX_EXPECT_CODE(svc->sign(as("clerk"), req->id), Errc::seal_illegal_state);
    YX_EXPECT_CODE(svc->approve(as("reviewer"), req->id, sign("reviewer", "approve", *req)), Errc::seal_illegal_state);
    EXPECT_EQ(svc->list(as("clerk"), in_state(UseState::expired)).value().size(), 1u);
    // A scheduler may run the sweep itself.
    m_clock.advance(k_day + std::chrono::seconds(1));
    auto n = svc->expire_overdue();
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    EXPECT_EQ(*n, 1u);
    EXPECT_EQ(state_of(fresh->id).state, UseState::expired);
    EXPECT_EQ(audit_records("seal.use.expire").size(), 2u);
}

TEST_F(SealUseTest, BusinessSystemRequestIsSignedOnApproval) {
    grant_defaults();
    auto req = svc->request(as("hr.system"), ofd_request());
    ASSERT_TRUE(req.ok()) << req.error().to_string();
    EXPECT_EQ(req->requester_role, "business_system");
    auto approved = svc->approve(as("reviewer"), req->id, sign("reviewer", "approve", *req));
    ASSERT_TRUE(approved.ok()) << approved.error().to_string();
    EXPECT_EQ(approved->state, UseState::signed_);
    EXPECT_EQ(approved->signed_by, "hr.system");
    auto doc = svc->fetch(as("hr.system"), req->id);
    ASSERT_TRUE(doc.ok()) << doc.error().to_string();
    EXPECT_TRUE(seal::verify_ofd(doc->content, verify_options()).valid);
    const auto log = svc->use_log(as("auditor"), log_query(k_code)).value();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].operator_id, "hr.system");
    EXPECT_EQ(log[0].reviewed_by, "reviewer");
    const auto signs = audit_records("seal.use.sign");
    ASSERT_EQ(signs.size(), 1u);
    EXPECT_EQ(signs[0].actor, "hr.system");
    EXPECT_NE(signs[0].detail.find("on approval by reviewer"), std::string::npos) << signs[0].detail;
}

TEST_F(SealUseTest, UseLogPerSealAndPeriodForSealStaffAndAuditors) {
    grant_defaults();
    seals["37010000000002"] = make_central_seal("37010000000002", "jinan", "济南市社会保险事业中心业务专用章");
    YX_ASSERT_OK(svc->grant(as("seal.op"), "37010000000002", "clerk", SealPermission::use));
    YX_ASSERT_OK(svc->grant(as("seal.op"), "37010000000002", "reviewer", SealPermission::review));
    auto run = [&](const std::string& code, const std::string& name) {
        NewUseRequest in = ofd_request();
        in.seal_code = code;
        in.document_name = name;
        auto r = svc->request(as("clerk"), in);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        YX_ASSERT_OK(svc->approve(as("reviewer"), r->id, sign("reviewer", "approve", *r)));
        YX_ASSERT_OK(svc->sign(as("clerk"), r->id));
    };
    run(k_code, "d1.ofd");
    m_clock.advance(k_day);
    run("37010000000002", "d2.ofd");
    m_clock.advance(k_day);
    run(k_code, "d3.ofd");
    const TimePoint start = ca::test::t0();

    auto all = svc->use_log(as("auditor"), {});
    ASSERT_TRUE(all.ok()) << all.error().to_string();
    ASSERT_EQ(all->size(), 3u);
    EXPECT_LT((*all)[0].seq, (*all)[1].seq);
    auto names = [](const std::vector<UseLogEntry>& v) {
        std::vector<std::string> out;
        for (const auto& e : v) out.push_back(e.document_name);
        return out;
    };
    EXPECT_EQ(names(svc->use_log(as("seal.op"), log_query(k_code)).value()),
              (std::vector<std::string>{"d1.ofd", "d3.ofd"}));
    EXPECT_EQ(names(svc->use_log(as("audit.admin"), log_query("", start + k_day, start + k_day)).value()),
              (std::vector<std::string>{"d2.ofd"}));
    EXPECT_EQ(names(svc->use_log(as("seal.admin"), log_query("", start + k_day)).value()),
              (std::vector<std::string>{"d2.ofd", "d3.ofd"}));
    EXPECT_EQ(names(svc->use_log(as("auditor"), log_query("", std::nullopt, std::nullopt, (*all)[0].seq, 1)).value()),
              (std::vector<std::string>{"d2.ofd"}));
    YX_EXPECT_CODE(svc->use_log(as("clerk"), {}), Errc::auth_denied);
    YX_EXPECT_CODE(svc->use_log(as("reviewer"), log_query(k_code)), Errc::auth_denied);
    YX_EXPECT_CODE(svc->use_log(as("ra.op"), log_query(k_code)), Errc::auth_denied);
    YX_EXPECT_CODE(svc->use_log(as("auditor"), log_query("", start + k_day, start)), Errc::seal_application_invalid);
    // The use log is append-only in the store itself.
    auto raw = sqlite::Database::open(store_path(), {});
    ASSERT_TRUE(raw.ok()) << raw.error().to_string();
    EXPECT_FALSE(raw->exec("DELETE FROM seal_use_log").ok());
    EXPECT_FALSE(raw->exec("UPDATE seal_use_log SET operator = 'someone'").ok());
    EXPECT_EQ(svc->use_log(as("auditor"), {}).value().size(), 3u);
}

// --- HTTP and CLI -------------------------------------------------------------------------------

namespace http = yinxin::test::http;

class SealUseHttpTest : public SealUseTest {
protected:
    void SetUp() override {
        SealUseTest::SetUp();
        server = std::make_unique<api::Server>(yinxin::test::test_config(sink));
        YX_ASSERT_OK(api::add_seal_use_routes(*server, {svc.get(), auth.get(), audit_log.get(), std::nullopt}));
        YX_ASSERT_OK(server->start());
    }
    void TearDown() override {
        if (server) server->stop(std::chrono::milliseconds(500));
    }

    // A session token (password + registered certificate).
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
                             const std::string& body = {}) {
        yinxin::test::HttpClient c(server->port());
        std::vector<std::pair<std::string, std::string>> headers;
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        auto r = c.request(method, target, body, body.empty() ? std::string() : "application/json", headers);
        EXPECT_TRUE(r.has_value()) << target;
        return r ? *r : yinxin::test::Reply{};
    }

    std::shared_ptr<yinxin::test::CaptureSink> sink = std::make_shared<yinxin::test::CaptureSink>();
    std::unique_ptr<api::Server> server;
};

TEST_F(SealUseHttpTest, RequestApproveSignFetchOverHttp) {
    const std::string op = login("seal.op");
    const std::string clerk = login("clerk");
    const std::string reviewer = login("reviewer");
    const std::string auditor = login("auditor");
    const std::string users = "/api/v1/seal-use/seals/" + k_code + "/users";

    auto r = call(http::verb::post, users, "", nlohmann::json{{"staff_id", "clerk"}, {"permission", "use"}}.dump());
    EXPECT_EQ(r.status(), 401u);
    r = call(http::verb::post, users, op, nlohmann::json{{"staff_id", "clerk"}, {"permission", "sign"}}.dump());
    EXPECT_EQ(r.status(), 400u) << r.body();
    r = call(http::verb::post, users, op, nlohmann::json{{"staff_id", "clerk"}, {"permission", "use"}}.dump());
    ASSERT_EQ(r.status(), 201u) << r.body();
    EXPECT_EQ(r.json()["granted_by"], "seal.op");
    r = call(http::verb::post, users, op, nlohmann::json{{"staff_id", "reviewer"}, {"permission", "review"}}.dump());
    ASSERT_EQ(r.status(), 201u) << r.body();
    r = call(http::verb::get, users, op);
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["grants"].size(), 2u);

    const Bytes doc = minimal_ofd();
    nlohmann::json body{{"seal_code", k_code},
                        {"document_name", "劳动合同-2026-002.ofd"},
                        {"document", base64_encode(doc)},
                        {"purpose", "劳动合同盖章"},
                        {"stamp", {{"page", 1}, {"x", 100}, {"y", 150}, {"width", 40}, {"height", 40}}}};
    r = call(http::verb::post, "/api/v1/seal-use/requests", reviewer, body.dump());
    EXPECT_EQ(r.status(), 403u) << r.body();
    EXPECT_EQ(r.json()["error"], "auth.denied");
    nlohmann::json bad = body;
    bad["document"] = "%%%";
    EXPECT_EQ(call(http::verb::post, "/api/v1/seal-use/requests", clerk, bad.dump()).status(), 400u);
    r = call(http::verb::post, "/api/v1/seal-use/requests", clerk, body.dump());
    ASSERT_EQ(r.status(), 201u) << r.body();
    const std::string id = r.json()["id"];
    EXPECT_EQ(r.json()["state"], "requested");
    EXPECT_EQ(r.json()["stamp"]["page"], 1);
    const std::string base = "/api/v1/seal-use/requests/" + id;

    // The reviewer reads the payload text, checks its SM3 and signs the decision text.
    r = call(http::verb::get, base + "/payload", reviewer);
    ASSERT_EQ(r.status(), 200u) << r.body();
    const std::string payload = r.json()["payload"];
    const std::string sm3 = hex_encode(crypto::sm3(as_bytes(payload)));
    EXPECT_EQ(r.json()["payload_sm3"], sm3);
    EXPECT_EQ(r.json()["approve_text"], auth::decision_text("approve", id, sm3));
    r = call(http::verb::get, base + "/original", reviewer);
    ASSERT_EQ(r.status(), 200u);
    EXPECT_EQ(r.body(), to_string(doc));
    EXPECT_EQ(r.header("Content-Type"), "application/ofd");
    const Bytes sig = crypto::sm2_sign(keys.at("reviewer"), as_bytes(auth::decision_text("approve", id, sm3))).value();
    r = call(http::verb::post, base + "/approve", reviewer, nlohmann::json{{"signature", "%%%"}}.dump());
    EXPECT_EQ(r.status(), 400u);
    r = call(http::verb::post, base + "/approve", reviewer, nlohmann::json{{"signature", base64_encode(sig)}}.dump());
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["state"], "approved");
    EXPECT_EQ(r.json()["decision_signature"], base64_encode(sig));

    EXPECT_EQ(call(http::verb::get, base + "/document", clerk).status(), 409u);
    r = call(http::verb::post, base + "/sign", clerk);
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["state"], "signed");
    const std::string result_sm3 = r.json()["result_sm3"];
    r = call(http::verb::post, base + "/sign", clerk);
    EXPECT_EQ(r.status(), 409u);
    EXPECT_EQ(r.json()["error"], "seal.illegal_state");

    r = call(http::verb::get, base + "/document", clerk);
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    EXPECT_EQ(r.header("X-Yinxin-SM3"), result_sm3);
    EXPECT_NE(r.header("Content-Disposition").find("filename*=UTF-8''%E5%8A%B3"), std::string::npos);
    const Bytes signed_doc = to_bytes(r.body());
    EXPECT_EQ(hex_encode(crypto::sm3(signed_doc)), result_sm3);
    EXPECT_TRUE(seal::verify_ofd(signed_doc, verify_options()).valid);
    EXPECT_EQ(call(http::verb::get, base + "/document", clerk).status(), 409u);

    r = call(http::verb::get, "/api/v1/seal-use/log?seal=" + k_code + "&from=2026-11-01&to=2026-11-01T23:59:59Z",
             auditor);
    ASSERT_EQ(r.status(), 200u) << r.body();
    ASSERT_EQ(r.json()["entries"].size(), 1u);
    EXPECT_EQ(r.json()["entries"][0]["operator"], "clerk");
    EXPECT_EQ(r.json()["entries"][0]["reviewed_by"], "reviewer");
    EXPECT_EQ(r.json()["entries"][0]["signed_at"], "2026-11-01T00:00:00Z");
    r = call(http::verb::get, "/api/v1/seal-use/log?from=2026-11-02", auditor);
    ASSERT_EQ(r.status(), 200u);
    EXPECT_TRUE(r.json()["entries"].empty());
    EXPECT_EQ(call(http::verb::get, "/api/v1/seal-use/log?from=yesterday", auditor).status(), 400u);
    EXPECT_EQ(call(http::verb::get, "/api/v1/seal-use/log", clerk).status(), 403u);

    r = call(http::verb::delete_, users + "?staff_id=clerk&permission=use", op);
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["withdrawn_by"], "seal.op");
    EXPECT_EQ(call(http::verb::delete_, users + "?staff_id=clerk&permission=use", op).status(), 404u);

    // Refusals before the service (no token) are audited here.
    const auto grants = audit_records("seal.use.grant");
    ASSERT_FALSE(grants.empty());
    EXPECT_EQ(grants[0].actor, "anonymous");
    EXPECT_EQ(grants[0].error_code, static_cast<std::uint32_t>(Errc::auth_session_invalid));
    EXPECT_EQ(audit_records("seal.use.fetch").size(), 3u);
}

TEST_F(SealUseHttpTest, CliGrantsRequestsDecidesSignsAndFetches) {
    const std::string op = login("seal.op");
    const std::string clerk = login("clerk");
    const std::string reviewer = login("reviewer");
    const std::string auditor = login("auditor");
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
    auto r = run({"seal-use", "grant", k_code, "--staff", "clerk", "--permission", "use"}, token_file("op", op));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run({"seal-use", "grant", k_code, "--staff", "reviewer", "--permission", "review"}, token_file("op", op));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run({"seal-use", "grant", k_code, "--staff", "reviewer", "--permission", "review"}, token_file("op", op));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.duplicate"), std::string::npos) << r.output;

    const auto ofd_file = dir / "contract.ofd";
    yinxin::test::write_file(ofd_file, minimal_ofd());
    r = run({"seal-use", "request", ofd_file.string(), "--seal", k_code, "--purpose", "劳动合同盖章", "--page", "0",
             "--x", "120", "--y", "200"},
            token_file("clerk", clerk));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string id = nlohmann::json::parse(r.output)["id"];

    auto key_file = [&](const std::string& who) {
        const auto p = dir / (who + ".key.pem");
        yinxin::test::write_file(p, keys.at(who).pkcs8_pem());
        return p.string();
    };
    // The requester cannot approve; the reviewer signs with their own key.
    r = run({"seal-use", "approve", id, "--key", key_file("clerk")}, token_file("clerk", clerk));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("auth.denied"), std::string::npos) << r.output;
    r = run({"seal-use", "approve", id, "--key", key_file("reviewer")}, token_file("reviewer", reviewer));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"state\": \"approved\""), std::string::npos) << r.output;
    r = run({"seal-use", "sign", id}, token_file("clerk", clerk));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto out = dir / "contract.signed.ofd";
    r = run({"seal-use", "fetch", id, "--out", out.string()}, token_file("clerk", clerk));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const seal::OfdReport report = seal::verify_ofd(yinxin::test::read_file(out), verify_options());
    EXPECT_TRUE(report.valid) << report.to_text();
    r = run({"seal-use", "fetch", id, "--out", (dir / "again.ofd").string()}, token_file("clerk", clerk));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.illegal_state"), std::string::npos) << r.output;

    r = run({"seal-use", "log", "--seal", k_code}, token_file("auditor", auditor));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto log = nlohmann::json::parse(r.output);
    ASSERT_EQ(log["entries"].size(), 1u) << r.output;
    EXPECT_EQ(log["entries"][0]["request_id"], id);
    EXPECT_EQ(log["entries"][0]["document_name"], "contract.ofd");

    // A refusal through the CLI.
    r = run({"seal-use", "request", ofd_file.string(), "--seal", k_code, "--purpose", "再次盖章"},
            token_file("clerk", clerk));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string id2 = nlohmann::json::parse(r.output)["id"];
    r = run({"seal-use", "refuse", id2, "--reason", "重复申请", "--key", key_file("reviewer")},
            token_file("reviewer", reviewer));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run({"seal-use", "list", "--state", "refused"}, token_file("clerk", clerk));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["requests"].size(), 1u);
    r = run({"seal-use", "sign", id2}, token_file("clerk", clerk));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.illegal_state"), std::string::npos) << r.output;
}

// --- with the seal making system's registry -----------------------------------------------------

// The central seal comes from the real registry (sealsys/registry.h): made through an approved
// application with delivery "central" (key generated in the device, seal certificate, SES_Seal by
// the seal maker system), used here, and refused as soon as its loss is executed (§7.7).
class SealUseWithRegistry : public test::SealSystemFixture {};

TEST_F(SealUseWithRegistry, CentralSealFromTheRegistryIsUsedAndItsLossStopsUse) {
    YX_ASSERT_OK(auth->create_staff("seal.admin", spec("shenhe", Role::seal_reviewer, "jinan.hall")));
    const SealRecord made = made_seal(Delivery::central, "电子公章");
    ASSERT_FALSE(made.seal_code.empty());
    auto use_store = store::SqliteSealUseStore::open(store_path());
    ASSERT_TRUE(use_store.ok()) << use_store.error().to_string();
    SealUseConfig config;
    config.key_pin = std::string(ca::test::k_key_pin);
    SealUseService use(
        **use_store, [this](std::string_view code) { return registry->central_seal(code); }, *m_device, *auth,
        *audit_log, m_clock, rng, config);
    // §9.4: the grants are the seal use system's business, with its own admin and operator.
    YX_ASSERT_OK(
        auth->create_staff("admin", spec("sealuse.admin", Role::business_admin, "ra", auth::Subsystem::seal_use)));
    YX_ASSERT_OK(auth->create_staff("sealuse.admin", spec("use.op", Role::business_operator, "jinan")));
    const UseCaller op{"use.op", "test"};
    const UseCaller user{"yongzhang", "test"};
    YX_ASSERT_OK(use.grant(op, made.seal_code, "yongzhang", SealPermission::use));
    YX_ASSERT_OK(use.grant(op, made.seal_code, "shenhe", SealPermission::review));

    NewUseRequest in;
    in.seal_code = made.seal_code;
    in.document_name = "待遇核定通知书.ofd";
    in.document = minimal_ofd();
    in.purpose = "待遇核定通知";
    in.stamp = seal::OfdStamp{0, {140, 230, 42, 42}};
    auto r = use.request(user, in);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->org_node, "jinan.hall");
    EXPECT_EQ(r->seal_name, "电子公章");
    YX_ASSERT_OK(
        use.approve({"shenhe", "test"}, r->id, sign_decision("shenhe", "approve", r->id, use_payload_hash(*r))));
    YX_ASSERT_OK(use.sign(user, r->id));
    auto doc = use.fetch(user, r->id);
    ASSERT_TRUE(doc.ok()) << doc.error().to_string();
    seal::OfdVerifyOptions o;
    o.verify.time = m_clock.now() + std::chrono::hours(1);
    o.verify.trust_anchors.push_back(ca_cert("demo-seal-root"));
    const seal::OfdReport report = seal::verify_ofd(doc->content, o);
    EXPECT_TRUE(report.valid) << report.to_text();
    ASSERT_EQ(report.signatures.size(), 1u);
    ASSERT_TRUE(report.signatures[0].seal_report.has_value());
    EXPECT_EQ(report.signatures[0].seal_report->es_id, made.seal_code);

    // §7.7: the unit reports the seal lost; once executed, the seal is no longer used.
    NewLifecycleRequest loss;
    loss.kind = LifecycleKind::loss;
    loss.seal_code = made.seal_code;
    loss.reason = "集中用章系统管理员报告印章数据泄露";
    loss.materials = materials(required_lifecycle_materials(LifecycleKind::loss));
    auto lr = registry->request_lifecycle(as("zhang"), loss);
    ASSERT_TRUE(lr.ok()) << lr.error().to_string();
    YX_ASSERT_OK(registry->approve_lifecycle(as("apv"), lr->id, sign("apv", "approve", *lr)));
    YX_ASSERT_OK(registry->execute_lifecycle(as("op1"), lr->id));
    YX_EXPECT_CODE(use.request(user, in), Errc::seal_not_valid);
}

}  // namespace
}  // namespace yinxin::sealsys
