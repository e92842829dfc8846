// The seal system over HTTP: the routes of api/seal_system_routes.h on a real server on 127.0.0.1
// (Boost.Beast client), with staff logged in by password + registered certificate: apply with
// materials, approve with a signature over the payload hash the server shows, make, download the
// token package, report the loss, and read the public status and the signed revocation list.
#include <gtest/gtest.h>

#include <string>

#include "api/http_client.h"
#include "api/server_fixture.h"
#include "sealsys_fixture.h"
#include "yinxin/api/seal_system_routes.h"
#include "yinxin/seal/verify.h"

namespace yinxin::sealsys::test {
namespace {

namespace http = yinxin::test::http;

constexpr std::string_view k_new_pw = "Wb3%nL8&zR";

class SealSystemHttp : public SealSystemFixture {
protected:
    void SetUp() override {
        SealSystemFixture::SetUp();
        if (HasFatalFailure()) return;
        server = std::make_unique<api::Server>(yinxin::test::test_config(sink));
        YX_ASSERT_OK(api::add_seal_system_routes(*server, {registry.get(), auth.get(), audit_log.get()}));
        YX_ASSERT_OK(server->start());
    }
    void TearDown() override {
        if (server) server->stop(std::chrono::milliseconds(500));
    }

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
                             const nlohmann::json& body = nullptr) {
        yinxin::test::HttpClient c(server->port());
        std::vector<std::pair<std::string, std::string>> headers;
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        const std::string text = body.is_null() ? std::string() : body.dump();
        auto r = c.request(method, target, text, text.empty() ? std::string() : "application/json", headers);
        EXPECT_TRUE(r.has_value()) << target;
        return r ? *r : yinxin::test::Reply{};
    }

    static nlohmann::json materials_json(const std::vector<Material>& ms) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& m : ms)
            out.push_back(
                {{"kind", material_kind_name(m.kind)}, {"name", m.name}, {"content", base64_encode(m.content)}});
        return out;
    }

    nlohmann::json application_body(const NewApplication& a) {
        const SealForm& f = a.form;
        return {{"org_node", a.org_node},
                {"delivery", delivery_name(a.delivery)},
                {"csr", pem_encode("CERTIFICATE REQUEST", a.csr)},
                {"form",
                 {{"credit_code", f.credit_code},
                  {"division_code", f.division_code},
                  {"unit_type", unit_type_name(f.unit_type)},
                  {"unit_name", f.unit_name},
                  {"handler_name", f.handler_name},
                  {"handler_id_number", f.handler_id_number},
                  {"handler_mobile", f.handler_mobile},
                  {"unit_address", f.unit_address},
                  {"approving_unit_name", f.approving_unit_name},
                  {"approving_division_code", f.approving_division_code},
                  {"seal_name", f.seal_name},
                  {"seal_type", f.seal_type},
                  {"picture_type", f.picture_type},
                  {"picture", base64_encode(f.picture)},
                  {"width_mm", f.width_mm},
                  {"height_mm", f.height_mm}}},
                {"materials", materials_json(a.materials)}};
    }

    std::shared_ptr<yinxin::test::CaptureSink> sink = std::make_shared<yinxin::test::CaptureSink>();
    std::unique_ptr<api::Server> server;
};

TEST_F(SealSystemHttp, ApplyMakeReportLossAndPublishOverHttp) {
    const std::string zhang = login("zhang");
    const std::string apv = login("apv");
    const std::string op1 = login("op1");
    const std::string apps = "/api/v1/seal/applications";

    // No token: 401, audited. A bad credit code: 400 with the stable code, nothing stored.
    NewApplication in = application(Delivery::token, "人事专用章");
    auto r = call(http::verb::post, apps, "", application_body(in));
    EXPECT_EQ(r.status(), 401u) << r.body();
    NewApplication bad = in;
    bad.form.credit_code = "11370100MB2867521A";
    r = call(http::verb::post, apps, zhang, application_body(bad));
    EXPECT_EQ(r.status(), 400u) << r.body();
    EXPECT_EQ(r.json().value("code", 0), static_cast<int>(Errc::seal_application_invalid)) << r.body();
    const auto submits = audit_records("seal.application.submit");
    ASSERT_EQ(submits.size(), 2u);
    EXPECT_EQ(submits[0].actor, "anonymous");
    EXPECT_FALSE(submits[1].success);

    r = call(http::verb::post, apps, zhang, application_body(in));
    ASSERT_EQ(r.status(), 201u) << r.body();
    const nlohmann::json shown = r.json();
    const std::string id = shown["id"];
    EXPECT_EQ(shown["state"], "submitted");
    EXPECT_EQ(shown["materials"].size(), 4u);
    // The approver signs the payload hash; the server's matches the registry's own.
    auto rec = registry->get_application(as("op1"), id);
    YX_ASSERT_OK(rec);
    EXPECT_EQ(shown["payload_sm3"], hex_encode(application_payload_hash(*rec)));
    EXPECT_EQ(shown["form"]["picture"], base64_encode(red_png()));
    const Bytes sig = sign_decision("apv", "approve", id, hex_decode(shown["payload_sm3"].get<std::string>()).value());
    r = call(http::verb::post, apps + "/" + id + "/make", op1);
    EXPECT_EQ(r.status(), 409u) << r.body();
    r = call(http::verb::post, apps + "/" + id + "/approve", apv, {{"signature", base64_encode(sig)}});
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["state"], "approved");
    r = call(http::verb::post, apps + "/" + id + "/make", zhang);
    EXPECT_EQ(r.status(), 403u) << r.body();
    r = call(http::verb::post, apps + "/" + id + "/make", op1);
    ASSERT_EQ(r.status(), 201u) << r.body();
    const std::string code = r.json()["seal_code"];
    EXPECT_EQ(code, "37010000000001");

    // A material comes back as the bytes uploaded.
    r = call(http::verb::get, apps + "/" + id + "/materials/2", zhang);
    ASSERT_EQ(r.status(), 200u);
    EXPECT_EQ(r.body(), to_string(in.materials[2].content));
    EXPECT_EQ(r.header("X-Material-Kind"), "handler_contact");

    // The handler downloads the token package; the SES_Seal verifies under the seal root.
    r = call(http::verb::get, "/api/v1/seal/seals/" + code + "/package", zhang);
    ASSERT_EQ(r.status(), 200u) << r.body();
    const Bytes ses = base64_decode(r.json()["ses_seal"].get<std::string>()).value();
    seal::VerifyOptions vo;
    vo.time = m_clock.now();
    vo.trust_anchors = {x509::Certificate::parse_pem(r.json()["chain"][0].get<std::string>()).value()};
    EXPECT_TRUE(seal::verify_seal(ses, vo).valid);
    r = call(http::verb::post, apps + "/" + id + "/deliver", op1, nlohmann::json::object());
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["received_by"], "张三");

    // Public status: no token needed.
    r = call(http::verb::get, "/api/v1/seal-status/" + code, "");
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["status"], "valid");
    r = call(http::verb::get, "/api/v1/seal-status/37010099999999", "");
    EXPECT_EQ(r.status(), 404u);

    // Loss: request with materials, signed approval, execution.
    nlohmann::json loss{{"kind", "loss"},
                        {"seal_code", code},
                        {"reason", "USBKey 遗失"},
                        {"materials", materials_json(materials(required_lifecycle_materials(LifecycleKind::loss)))}};
    r = call(http::verb::post, "/api/v1/seal/lifecycle-requests", zhang, loss);
    ASSERT_EQ(r.status(), 201u) << r.body();
    const nlohmann::json lr = r.json();
    const std::string rid = lr["id"];
    const Bytes lsig = sign_decision("apv", "approve", rid, hex_decode(lr["payload_sm3"].get<std::string>()).value());
    r = call(http::verb::post, "/api/v1/seal/lifecycle-requests/" + rid + "/approve", apv,
             {{"signature", base64_encode(lsig)}});
    ASSERT_EQ(r.status(), 200u) << r.body();
    r = call(http::verb::post, "/api/v1/seal/lifecycle-requests/" + rid + "/execute", op1);
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["state"], "completed");
    r = call(http::verb::post, "/api/v1/seal/lifecycle-requests/" + rid + "/execute", op1);
    EXPECT_EQ(r.status(), 409u) << r.body();
    EXPECT_EQ(r.json().value("code", 0), static_cast<int>(Errc::seal_illegal_state));
    r = call(http::verb::get, "/api/v1/seal-status/" + code, "");
    EXPECT_EQ(r.json()["status"], "lost");

    // The signed revocation list, downloaded without a token.
    r = call(http::verb::get, "/api/v1/seal-status/revocation-list", "");
    ASSERT_EQ(r.status(), 200u);
    EXPECT_EQ(r.header("Content-Type").rfind("application/pkcs7-mime", 0), 0u) << r.header("Content-Type");
    auto v = verify_revocation_list(to_bytes(r.body()), {ca_cert("demo-seal-root")}, m_clock.now());
    YX_ASSERT_OK(v);
    ASSERT_EQ(v->list.entries.size(), 1u);
    EXPECT_EQ(v->list.entries[0].seal_code, code);
    EXPECT_EQ(v->list.entries[0].status, SealStatus::lost);
}

}  // namespace
}  // namespace yinxin::sealsys::test
