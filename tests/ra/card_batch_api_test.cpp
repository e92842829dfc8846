// The card routes (api/card_batch_routes.h) on a loopback server with the background worker,
// driven by a real HTTP client: card data import, a batch answered 202 and finished by the worker,
// progress and the result file, idempotent re-submission, the mode 3 request, mode 4 download,
// problem documents with stable codes, and audit records of requests refused before the service.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "api/http_client.h"
#include "api/server_fixture.h"
#include "card_batch_fixture.h"
#include "yinxin/api/card_batch_routes.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::ra::test {
namespace {

namespace http = yinxin::test::http;
using yinxin::test::HttpClient;
using yinxin::test::Reply;

class CardBatchApiTest : public CardBatchFixture {
protected:
    void SetUp() override {
        CardBatchFixture::SetUp();
        if (HasFatalFailure()) return;
        tokens["ci"] = login("ci");
        tokens["bo"] = login("bo");
        tokens["app"] = login("app");
        worker = std::make_unique<CardBatchWorker>(*service);
        YX_CARD_ASSERT_OK(worker->start());
        server = std::make_unique<api::Server>(yinxin::test::test_config(sink));
        api::CardBatchApi a;
        a.service = service.get();
        a.worker = worker.get();
        a.auth = auth.get();
        a.audit = audit_log.get();
        YX_CARD_ASSERT_OK(api::add_card_batch_routes(*server, a));
        YX_CARD_ASSERT_OK(server->start());
    }
    void TearDown() override {
        if (server) server->stop(std::chrono::milliseconds(500));
        if (worker) worker->stop();
    }

    std::string login(const std::string& id) {
        EXPECT_TRUE(auth->change_password(id, k_password, k_new_password).ok());
        auth::LoginRequest req;
        req.login = id;
        req.password = std::string(k_new_password);
        if (staff_certs.count(id) != 0) req.certificate = auth::ClientCertificate{staff_certs.at(id)};
        auto r = auth->login(req);
        EXPECT_TRUE(r.ok()) << id << ": " << r.error().to_string();
        return r.ok() ? r->value.token : std::string();
    }

    Reply call(http::verb method, const std::string& target, const std::string& who, const std::string& body = {},
               const std::string& type = {}) {
        HttpClient c(server->port());
        std::vector<std::pair<std::string, std::string>> headers;
        if (!who.empty()) headers.emplace_back("Authorization", "Bearer " + tokens[who]);
        auto r = c.request(method, target, body, type, headers);
        EXPECT_TRUE(r.has_value()) << target;
        return r ? *r : Reply{};
    }

    // Polls the batch until the worker finished it.
    nlohmann::json wait_done(const std::string& id, const std::string& who) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        nlohmann::json j;
        while (std::chrono::steady_clock::now() < deadline) {
            auto r = call(http::verb::get, "/api/v1/ra/card-batches/" + id, who);
            EXPECT_EQ(r.status(), 200u) << r.body();
            j = r.json();
            if (j.value("state", "") == "done") return j;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ADD_FAILURE() << "batch " << id << " not done: " << j.dump();
        return j;
    }

    std::shared_ptr<yinxin::test::CaptureSink> sink = std::make_shared<yinxin::test::CaptureSink>();
    std::map<std::string, std::string> tokens;
    std::unique_ptr<CardBatchWorker> worker;
    std::unique_ptr<api::Server> server;
};

TEST_F(CardBatchApiTest, BatchThroughTheWorkerWithProgressAndResultFile) {
    // Card-issuance data: RA operators only.
    auto r = call(http::verb::post, "/api/v1/ra/card-data", "ci", card_data_csv(0, 40), "text/csv");
    EXPECT_EQ(r.status(), 403u) << r.body();
    EXPECT_EQ(r.json()["error"], "auth.denied");
    r = call(http::verb::post, "/api/v1/ra/card-data", "bo", card_data_csv(0, 40), "text/csv");
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["added"], 40);

    // 36 good items and 2 whose names do not match.
    std::string csv = batch_csv(0, 36);
    csv += card_number(36) + "," + citizen_id(36) + ",Somebody Else," + hex_encode(card_key(36).public_key().point()) +
           ",\n";
    csv += card_number(37) + "," + citizen_id(37) + ",Nobody," + hex_encode(card_key(37).public_key().point()) + ",\n";
    r = call(http::verb::post, "/api/v1/ra/card-batches?ca=demo-sub&name=vendor-2026-11.csv", "ci", csv, "text/csv");
    ASSERT_EQ(r.status(), 202u) << r.body();
    const std::string id = r.json()["id"];
    EXPECT_EQ(r.header("Location"), "/api/v1/ra/card-batches/" + id);
    EXPECT_TRUE(r.json()["created"].get<bool>());
    EXPECT_EQ(r.json()["total"], 38);
    EXPECT_EQ(r.json()["mode_name"], "vendor_batch");

    const auto done = wait_done(id, "ci");
    EXPECT_EQ(done["issued"], 36);
    EXPECT_EQ(done["failed"], 2);
    EXPECT_EQ(done["pending"], 0);
    EXPECT_FALSE(done["completed_at"].is_null());

    r = call(http::verb::get, "/api/v1/ra/card-batches/" + id + "/result", "bo");
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.header("Content-Type"), "text/csv; charset=utf-8");
    const auto lines = text_lines(r.body());
    ASSERT_EQ(lines.size(), 39u);
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const auto f = csv_split(lines[i]);
        ASSERT_EQ(f.size(), 6u);
        EXPECT_EQ(f[0], std::to_string(i + 1));
        if (i <= 36) {
            EXPECT_EQ(f[2], "issued");
            auto cert = x509::Certificate::parse(base64_decode(f[4]).value());
            ASSERT_TRUE(cert.ok());
            EXPECT_EQ(cert->public_key_info().key_bytes(),
                      card_key(static_cast<std::uint32_t>(i - 1)).public_key().point());
        } else {
            EXPECT_EQ(f[2], "failed");
            EXPECT_EQ(f[4], "ra.batch_mismatch");
        }
    }

    // The same file again: 200, the same batch, nothing new.
    const std::size_t certs = certificates_by_request().size();
    r = call(http::verb::post, "/api/v1/ra/card-batches?ca=demo-sub", "ci", csv, "text/csv");
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["id"], id);
    EXPECT_FALSE(r.json()["created"].get<bool>());
    EXPECT_EQ(certificates_by_request().size(), certs);

    // JSON lines are accepted as application/x-ndjson.
    std::string jsonl;
    for (std::uint32_t n = 38; n < 40; ++n)
        jsonl += "{\"card_number\":\"" + card_number(n) + "\",\"id_number\":\"" + citizen_id(n) + "\",\"name\":\"" +
                 holder_name(n) + "\",\"public_key\":\"" + hex_encode(card_key(n).public_key().point()) + "\"}\n";
    r = call(http::verb::post, "/api/v1/ra/card-batches?ca=demo-sub&mode=2", "ci", jsonl, "application/x-ndjson");
    ASSERT_EQ(r.status(), 202u) << r.body();
    EXPECT_EQ(r.json()["mode_name"], "personalisation_batch");
    EXPECT_EQ(wait_done(r.json()["id"], "ci")["issued"], 2);
}

TEST_F(CardBatchApiTest, RefusalsAreProblemDocumentsAndAudited) {
    const std::string csv = batch_csv(0, 2);
    auto r = call(http::verb::post, "/api/v1/ra/card-batches?ca=demo-sub", "", csv, "text/csv");
    EXPECT_EQ(r.status(), 401u);
    EXPECT_EQ(r.json()["error"], "auth.session_invalid");
    r = call(http::verb::post, "/api/v1/ra/card-batches", "ci", csv, "text/csv");
    EXPECT_EQ(r.status(), 400u);
    EXPECT_EQ(r.json()["error"], "api.bad_request");
    r = call(http::verb::post, "/api/v1/ra/card-batches?ca=demo-sub&mode=9", "ci", csv, "text/csv");
    EXPECT_EQ(r.status(), 400u);
    r = call(http::verb::post, "/api/v1/ra/card-batches?ca=demo-sub", "ci", csv, "application/json");
    EXPECT_EQ(r.status(), 415u);
    r = call(http::verb::post, "/api/v1/ra/card-batches?ca=demo-sub", "ci", csv + "A1,2,3\n", "text/csv");
    EXPECT_EQ(r.status(), 400u);
    EXPECT_EQ(r.json()["error"], "ra.bad_request");
    EXPECT_NE(r.json()["detail"].get<std::string>().find("line 4"), std::string::npos) << r.body();
    r = call(http::verb::post, "/api/v1/ra/card-batches?ca=demo-sub", "app", csv, "text/csv");
    EXPECT_EQ(r.status(), 403u);
    EXPECT_EQ(r.json()["error"], "auth.denied");
    r = call(http::verb::get, "/api/v1/ra/card-batches/cb-0123456789abcdef", "ci");
    EXPECT_EQ(r.status(), 404u);
    EXPECT_EQ(r.json()["error"], "ra.not_found");

    // Every refused submission has an audit record: the anonymous one from the route, the others
    // from the route (bad parameters) or the service.
    std::size_t anonymous = 0;
    std::size_t failed = 0;
    for (const auto& a : audit_records("ra.card_batch.submit")) {
        EXPECT_FALSE(a.success);
        ++failed;
        if (a.actor == "anonymous") ++anonymous;
    }
    EXPECT_EQ(anonymous, 1u);
    EXPECT_EQ(failed, 5u);  // 401, missing ca, bad mode, bad line, applicant (415 never reaches the route)
}

TEST_F(CardBatchApiTest, QuickIssueRequestAndLaterDownload) {
    import(card_data_csv(0, 2));
    nlohmann::json body{{"ca", "demo-sub"},
                        {"card_number", card_number(0)},
                        {"id_number", citizen_id(0)},
                        {"name", holder_name(0)},
                        {"public_key", hex_encode(card_key(0).public_key().point())}};
    auto r = call(http::verb::post, "/api/v1/ra/card-requests", "ci", body.dump(), "application/json");
    ASSERT_EQ(r.status(), 201u) << r.body();
    const std::string serial = r.json()["serial"];
    auto cert = x509::Certificate::parse(base64_decode(r.json()["certificate"].get<std::string>()).value());
    ASSERT_TRUE(cert.ok());
    // The terminal retries: 200 with the same certificate.
    r = call(http::verb::post, "/api/v1/ra/card-requests", "ci", body.dump(), "application/json");
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["serial"], serial);
    // 模式四-style download of the card's certificate.
    r = call(http::verb::get, "/api/v1/ra/card-certificates/" + card_number(0), "bo");
    ASSERT_EQ(r.status(), 200u) << r.body();
    EXPECT_EQ(r.json()["serial"], serial);
    // A holder the card data does not know: 422 with the stable code.
    body["card_number"] = card_number(1);
    body["name"] = "Wrong Name";
    r = call(http::verb::post, "/api/v1/ra/card-requests", "ci", body.dump(), "application/json");
    EXPECT_EQ(r.status(), 422u) << r.body();
    EXPECT_EQ(r.json()["error"], "ra.batch_mismatch");
    body.erase("public_key");
    r = call(http::verb::post, "/api/v1/ra/card-requests", "ci", body.dump(), "application/json");
    EXPECT_EQ(r.status(), 400u) << r.body();
    EXPECT_EQ(r.json()["error"], "ra.bad_request");
}

}  // namespace
}  // namespace yinxin::ra::test
