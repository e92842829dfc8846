// The KMC's HTTP routes (api/kmc_routes.h) on a real api::Server on 127.0.0.1: GM/T 0014 requests
// over POST /api/v1/kmc from a KmcClient whose transport is HTTP, and holder recovery carried out
// by three staff members who log in with password + SM2 challenge signature, the approval signed
// with the approver's key. One person alone gets nothing; every refusal is a problem document
// with its code.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "api/http_client.h"
#include "kmc_fixture.h"
#include "yinxin/api/kmc_routes.h"
#include "yinxin/api/server.h"
#include "yinxin/api/staff_routes.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::kmc::test {
namespace {

namespace http = boost::beast::http;
using yinxin::test::HttpClient;

constexpr std::string_view k_new_pw = "Tq8!zR4#wN";

class KmcHttpTest : public KmcFixture {
protected:
    void SetUp() override {
        KmcFixture::SetUp();
        if (HasFatalFailure()) return;
        for (const char* id : {"kmc.op1", "kmc.op2", "kmc.admin"})
            YX_ASSERT_OK(m_auth->change_password(id, k_pw, k_new_pw));
        api::ServerConfig c;
        c.address = "127.0.0.1";
        c.port = 0;
        m_server = std::make_unique<api::Server>(c);
        api::StaffApi staff;
        staff.auth = m_auth.get();
        staff.audit = m_audit.get();
        staff.audit_store = m_audit_store.get();
        YX_ASSERT_OK(api::add_staff_routes(*m_server, staff));
        YX_ASSERT_OK(api::add_kmc_routes(*m_server, {m_kmc.get(), m_auth.get(), false}));
        YX_ASSERT_OK(m_server->start());
        m_port = m_server->port();
    }
    void TearDown() override {
        if (m_server) m_server->stop(std::chrono::milliseconds(2000));
        KmcFixture::TearDown();
    }

    std::optional<yinxin::test::Reply> call(http::verb method, const std::string& target, const std::string& body,
                                            const std::string& token, const std::string& type = "application/json") {
        HttpClient c(m_port);
        std::vector<std::pair<std::string, std::string>> headers;
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        return c.request(method, target, body, body.empty() ? std::string() : type, headers);
    }

    // Password + the SM2 signature over a fresh challenge with the member's certificate key.
    std::string login(const std::string& id) {
        auto ch = call(http::verb::post, "/api/v1/auth/challenge", nlohmann::json{{"login", id}}.dump(), "");
        EXPECT_TRUE(ch && ch->status() == 200) << (ch ? ch->body() : "no reply");
        const auto j = ch->json();
        const std::string challenge = j["challenge"];
        auto sig = crypto::sm2_sign(m_staff_keys.at(id), as_bytes(challenge)).value();
        auto r = call(http::verb::post, "/api/v1/auth/login",
                      nlohmann::json{{"login", id},
                                     {"password", std::string(k_new_pw)},
                                     {"challenge_id", j["challenge_id"]},
                                     {"signature", base64_encode(sig)}}
                          .dump(),
                      "");
        EXPECT_TRUE(r && r->status() == 200) << (r ? r->body() : "no reply");
        return r->json()["token"];
    }

    std::unique_ptr<api::Server> m_server;
    std::uint16_t m_port = 0;
};

TEST_F(KmcHttpTest, CaRequestsOverHttpAndAHolderRecoveryByThreePeople) {
    // The CA side talks GM/T 0014 over HTTP: the same signed messages as in process.
    Transport over_http = [this](BytesView der) -> Result<Bytes> {
        auto r = call(http::verb::post, "/api/v1/kmc", to_string(der), "", "application/octet-stream");
        if (!r || r->status() != 200) return make_error(Errc::io_error, r ? r->body() : "no reply");
        return Bytes(r->body().begin(), r->body().end());
    };
    KmcClient client(*m_ca_cert, ca_signer("demo-sub"), *m_kmc_cert, over_http, m_clock, m_rng);
    const Holder holder = make_holder();
    const AppUserInfo user = user_info(holder);
    auto delivered = client.apply(user);
    YX_ASSERT_OK(delivered);
    auto original = open_enveloped_key(delivered->enveloped_key, holder.sign_key);
    YX_ASSERT_OK(original);
    EXPECT_EQ(original->public_key().spki_der(), delivered->respond.ret_public_key);
    // Garbage gets a signed refusal, never a crash or an unsigned answer.
    auto raw = call(http::verb::post, "/api/v1/kmc", "not a CARequest", "", "application/octet-stream");
    ASSERT_TRUE(raw && raw->status() == 200);
    auto refusal = parse_km_respond(as_bytes(raw->body()));
    YX_ASSERT_OK(refusal);
    ASSERT_EQ(refusal->ks_respond.responds.size(), 1u);
    EXPECT_EQ(refusal->ks_respond.responds.front().kind, RespondKind::error);
    YX_ASSERT_OK(verify_km_respond(*refusal, *m_kmc_cert));

    // Holder recovery (§6.4.5.2): started by one operator, approved (signed) by the KMC business
    // admin, carried out by another operator; the key comes back enveloped to the NEW signing key.
    const Holder renewed = make_holder();
    const nlohmann::json start{{"kind", "holder"},
                               {"ra_request_id", "req-00000000000000ab"},
                               {"org_node", "ra"},
                               {"ca", "demo-sub"},
                               {"cert_no", hex_encode(user.user_cert_no)},
                               {"holder_public_key", base64_encode(renewed.sign_cert.public_key_info().der())}};
    auto r = call(http::verb::post, "/api/v1/kmc/recoveries", start.dump(), "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status(), 401u) << r->body();
    const std::string op1 = login("kmc.op1");
    const std::string op2 = login("kmc.op2");
    const std::string admin = login("kmc.admin");
    r = call(http::verb::post, "/api/v1/kmc/recoveries", start.dump(), op1);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status(), 201u) << r->body();
    const std::string id = r->json()["id"];
    const std::string payload = r->json()["payload_sm3"];
    auto signed_by = [&](const std::string& who, const std::string& step) {
        const std::string text = auth::decision_text(step, id, payload);
        return nlohmann::json{
            {"signature", base64_encode(crypto::sm2_sign(m_staff_keys.at(who), as_bytes(text)).value())}}
            .dump();
    };
    const std::string approve = "/api/v1/kmc/recoveries/" + id + "/approve";
    const std::string execute = "/api/v1/kmc/recoveries/" + id + "/execute";
    // Nobody alone: the starter cannot approve, nor carry it out before approval.
    r = call(http::verb::post, approve, signed_by("kmc.op1", "approve"), op1);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status(), 403u) << r->body();
    r = call(http::verb::post, execute, "", op1);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status(), 403u) << r->body();
    // The approval must carry the approver's own signature over this recovery.
    r = call(http::verb::post, approve, signed_by("kmc.op2", "approve"), admin);
    ASSERT_TRUE(r);
    EXPECT_NE(r->body().find("auth.decision_signature_invalid"), std::string::npos) << r->body();
    r = call(http::verb::post, approve, signed_by("kmc.admin", "reject"), admin);
    ASSERT_TRUE(r);
    EXPECT_NE(r->body().find("auth.decision_signature_invalid"), std::string::npos) << r->body();
    r = call(http::verb::post, approve, signed_by("kmc.admin", "approve"), admin);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status(), 200u) << r->body();
    EXPECT_EQ(r->json()["state"], "approved");
    EXPECT_EQ(r->json()["decided_by"], "kmc.admin");
    // The approver does not carry it out; a second operator does.
    r = call(http::verb::post, execute, "", admin);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status(), 403u) << r->body();
    r = call(http::verb::post, execute, "", op2);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status(), 200u) << r->body();
    EXPECT_EQ(r->header("Cache-Control"), "no-store");
    const auto envelope = base64_decode(r->json()["enveloped_key"].get<std::string>());
    YX_ASSERT_OK(envelope);
    auto recovered = open_enveloped_key(*envelope, renewed.sign_key);
    YX_ASSERT_OK(recovered);
    const SecretBytes got = recovered->scalar();
    const SecretBytes want = original->scalar();
    EXPECT_TRUE(std::equal(got.begin(), got.end(), want.begin(), want.end()));
    EXPECT_FALSE(open_enveloped_key(*envelope, holder.sign_key).ok());
    // Listed as completed; the key list shows metadata only.
    r = call(http::verb::get, "/api/v1/kmc/recoveries?state=completed", "", op1);
    ASSERT_TRUE(r);
    EXPECT_NE(r->body().find(id), std::string::npos) << r->body();
    r = call(http::verb::get, "/api/v1/kmc/keys", "", op1);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status(), 200u) << r->body();
    EXPECT_EQ(r->body().find("escrow\""), std::string::npos) << r->body();
    EXPECT_EQ(r->json()["keys"].size(), 1u) << r->body();
    EXPECT_GE(count_audit("kmc.recovery.execute", true), 1u);
    EXPECT_GE(count_audit("kmc.recovery.approve", false), 1u);
}

}  // namespace
}  // namespace yinxin::kmc::test
