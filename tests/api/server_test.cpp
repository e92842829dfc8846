// The HTTP server end to end over loopback with real clients (Beast and curl): built-in endpoints,
// routing, problem documents, limits, timeouts, keep-alive, concurrency, graceful shutdown, logs.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <sstream>
#include <thread>

#include "http_client.h"
#include "server_fixture.h"
#include "support/test_support.h"

namespace yinxin::test {
namespace {

using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
protected:
    void SetUp() override { start(test_config(m_sink)); }
    void TearDown() override {
        if (m_server) m_server->stop(2s);
    }
    void start(api::ServerConfig c) {
        if (m_server) m_server->stop(0ms);
        m_server = std::make_unique<api::Server>(std::move(c));
        add_test_routes(*m_server);
        auto st = m_server->start();
        ASSERT_TRUE(st.ok()) << st.error().to_string();
        ASSERT_NE(m_server->port(), 0);
    }
    std::uint16_t port() const { return m_server->port(); }

    // Checks an RFC 9457 problem document and returns it.
    static nlohmann::json expect_problem(const Reply& r, unsigned status, std::string_view error) {
        EXPECT_EQ(r.status(), status) << r.body();
        EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
        auto j = r.json();
        EXPECT_TRUE(j.is_object()) << r.body();
        if (!j.is_object()) return j;
        EXPECT_EQ(j["status"], status);
        EXPECT_EQ(j["error"], error);
        EXPECT_EQ(j["type"], "urn:yinxin:problem:" + std::string(error));
        EXPECT_TRUE(j["code"].is_number_unsigned());
        EXPECT_TRUE(j["title"].is_string());
        EXPECT_TRUE(j["detail"].is_string());
        EXPECT_EQ(j["request_id"], r.header("X-Request-Id"));
        EXPECT_EQ(j["instance"], "urn:yinxin:request:" + r.header("X-Request-Id"));
        return j;
    }

    std::shared_ptr<CaptureSink> m_sink = std::make_shared<CaptureSink>();
    std::unique_ptr<api::Server> m_server;
};

TEST_F(ServerTest, HealthReportsStatusVersionUptime) {
    HttpClient c(port());
    ASSERT_TRUE(c.ok()) << c.error();
    auto r = c.get("/health");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status(), 200u);
    EXPECT_EQ(r->header("Content-Type"), "application/json");
    EXPECT_FALSE(r->header("Date").empty());
    EXPECT_FALSE(r->header("X-Request-Id").empty());
    EXPECT_EQ(r->header("Cache-Control"), "no-store");
    auto j = r->json();
    EXPECT_EQ(j["status"], "ok");
    EXPECT_EQ(j["version"], "test-1.2.3");
    EXPECT_GE(j["uptime_seconds"].get<double>(), 0.0);

    // HEAD: same header, no content.
    auto h = c.request(http::verb::head, "/health");
    ASSERT_TRUE(h) << c.error();
    EXPECT_EQ(h->status(), 200u);
    EXPECT_NE(h->header("Content-Length"), "0");
    EXPECT_TRUE(h->body().empty());
}

TEST(ServerHealth, FailingCheckGives503) {
    auto sink = std::make_shared<CaptureSink>();
    api::Server s(test_config(sink));
    s.add_health_check("store", [] { return Status(make_error(Errc::store_io, "database locked")); });
    ASSERT_TRUE(s.start().ok());
    HttpClient c(s.port());
    auto r = c.get("/health");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status(), 503u);
    EXPECT_EQ(r->json()["status"], "fail");
    EXPECT_NE(r->json()["checks"]["store"].get<std::string>().find("store.io"), std::string::npos);
    EXPECT_TRUE(s.stop(1s));
}

// A handler's own Cache-Control (and X-Content-Type-Options) replaces the server's default instead
// of standing beside it; without one the default "no-store" stays.
TEST(ServerHeaders, HandlerCacheControlReplacesTheDefault) {
    auto sink = std::make_shared<CaptureSink>();
    api::Server s(test_config(sink));
    ASSERT_TRUE(s.add_route("GET", "/cached", [](const api::Request&) -> Result<api::Response> {
                     api::Response r = api::Response::json({{"cached", true}});
                     r.headers.emplace_back("cache-control", "max-age=60");
                     r.headers.emplace_back("Link", "</a>; rel=\"next\"");
                     r.headers.emplace_back("Link", "</b>; rel=\"prev\"");
                     return r;
                 }).ok());
    ASSERT_TRUE(s.start().ok());
    HttpClient c(s.port());
    auto r = c.get("/cached");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status(), 200u);
    EXPECT_EQ(r->msg.count(http::field::cache_control), 1u);
    EXPECT_EQ(r->header("Cache-Control"), "max-age=60");
    EXPECT_EQ(r->msg.count("X-Content-Type-Options"), 1u);
    EXPECT_EQ(r->msg.count(http::field::link), 2u) << "other repeated headers are all kept";
    auto d = c.get("/health");
    ASSERT_TRUE(d) << c.error();
    EXPECT_EQ(d->msg.count(http::field::cache_control), 1u);
    EXPECT_EQ(d->header("Cache-Control"), "no-store");
    EXPECT_TRUE(s.stop(1s));
}

// Parses the text exposition format line by line: every sample belongs to a family announced by
// HELP and TYPE, names and labels are well-formed, values are numbers.
TEST_F(ServerTest, MetricsInPrometheusTextFormat) {
    HttpClient c(port());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.get("/health"));
    ASSERT_TRUE(c.get("/nope"));
    auto r = c.get("/metrics");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status(), 200u);
    EXPECT_EQ(r->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");

    const std::regex help(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$)");
    const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$)");
    const std::regex sample(
        R"re(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*)\})? (-?[0-9.e+-]+|\+Inf|NaN)$)re");
    std::map<std::string, std::string> types;
    std::map<std::string, double> values;  // full series text → value
    std::istringstream in(r->body());
    std::string line;
    std::string current;
    int samples = 0;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, m, help)) {
            current = m[1];
        } else if (std::regex_match(line, m, type)) {
            EXPECT_EQ(m[1], current) << "TYPE without HELP: " << line;
            types[m[1]] = m[2];
        } else if (std::regex_match(line, m, sample)) {
            std::string name = m[1];
            std::string family = name;
            for (std::string suffix : {"_bucket", "_sum", "_count"}) {
                if (types.count(family) == 0 && name.ends_with(suffix))
                    family = name.substr(0, name.size() - suffix.size());
            }
            EXPECT_EQ(family, current) << "sample outside its family: " << line;
            values[line.substr(0, line.rfind(' '))] = std::stod(line.substr(line.rfind(' ') + 1));
            ++samples;
        } else {
            ADD_FAILURE() << "not exposition format: '" << line << "'";
        }
    }
    EXPECT_GT(samples, 10);
    EXPECT_EQ(types["yinxin_http_requests_total"], "counter");
    EXPECT_EQ(types["yinxin_http_request_duration_seconds"], "histogram");
    EXPECT_EQ(types["yinxin_http_open_connections"], "gauge");
    EXPECT_EQ(types["process_start_time_seconds"], "gauge");
    EXPECT_EQ((values["yinxin_http_requests_total{method=\"GET\",route=\"/health\",status=\"2xx\"}"]), 3.0);
    EXPECT_EQ((values["yinxin_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"4xx\"}"]), 1.0);
    EXPECT_GE(values["yinxin_http_open_connections"], 1.0);
    EXPECT_EQ((values["yinxin_http_request_duration_seconds_count{route=\"/health\"}"]), 3.0);
    EXPECT_EQ((values["yinxin_http_request_duration_seconds_bucket{route=\"/health\",le=\"+Inf\"}"]), 3.0);
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_NEAR(values["process_start_time_seconds"], now, 60.0);
}

TEST_F(ServerTest, EchoesJsonAndRoutesParameters) {
    HttpClient c(port());
    const nlohmann::json doc = {{"name", "张三"}, {"list", {1, 2, {{"deep", nullptr}}}}};
    auto r = c.request(http::verb::post, "/echo", doc.dump(), "application/json; charset=utf-8");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status(), 200u) << r->body();
    EXPECT_EQ(r->json()["echo"], doc);
    EXPECT_EQ(r->json()["request_id"], r->header("X-Request-Id"));

    r = c.request(http::verb::post, "/echo", "{}", "application/merge-patch+json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status(), 200u);

    r = c.get("/items/a%20b?q=x%26y&other=1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->json()["id"], "a b");
    EXPECT_EQ(r->json()["q"], "x&y");
    r = c.get("/items/special");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->json()["special"], true);
}

TEST_F(ServerTest, ProblemDocumentsForBadRequests) {
    HttpClient c(port());
    auto r = c.get("/no/such/route");
    ASSERT_TRUE(r);
    EXPECT_EQ(expect_problem(*r, 404, "api.route_not_found")["code"], 15001);

    r = c.request(http::verb::delete_, "/echo");
    ASSERT_TRUE(r);
    expect_problem(*r, 405, "api.method_not_allowed");
    EXPECT_EQ(r->header("Allow"), "POST");

    r = c.request(http::verb::post, "/echo", "{\"a\":1}", "text/plain");
    ASSERT_TRUE(r);
    expect_problem(*r, 415, "api.unsupported_media_type");
    r = c.request(http::verb::post, "/echo", "{\"a\":1}");  // no Content-Type at all
    ASSERT_TRUE(r);
    expect_problem(*r, 415, "api.unsupported_media_type");

    r = c.request(http::verb::post, "/echo", "{\"a\":", "application/json");
    ASSERT_TRUE(r);
    expect_problem(*r, 400, "api.bad_json");
    r = c.request(http::verb::post, "/echo", std::string(1000, '['), "application/json");
    ASSERT_TRUE(r);
    expect_problem(*r, 400, "api.bad_json");

    // Handler errors through the status table; 5xx hide the message.
    r = c.get("/fail/8002");
    ASSERT_TRUE(r);
    EXPECT_EQ(expect_problem(*r, 404, "store.not_found")["detail"], "failed on purpose");
    r = c.get("/fail/14002");
    ASSERT_TRUE(r);
    expect_problem(*r, 403, "auth.out_of_scope");
    r = c.get("/fail/15008");
    ASSERT_TRUE(r);
    expect_problem(*r, 401, "api.unauthenticated");
    EXPECT_EQ(r->header("WWW-Authenticate"), "Bearer realm=\"yinxin\"");
    r = c.get("/throw");
    ASSERT_TRUE(r);
    auto j = expect_problem(*r, 500, "base.internal");
    EXPECT_EQ(j["detail"].get<std::string>().find("secret"), std::string::npos);
    const auto id = r->header("X-Request-Id");
    bool logged = false;
    for (const auto& l : m_sink->lines()) {
        logged = logged || (l.find(id) != std::string::npos && l.find("secret internal detail") != std::string::npos);
    }
    EXPECT_TRUE(logged) << "the real error is logged with the request id";

    // The connection survived all of these (none had an unread body).
    r = c.get("/health");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status(), 200u);
}

TEST_F(ServerTest, OversizeBodyGets413AndClose) {
    HttpClient c(port());
    auto r = c.request(http::verb::post, "/echo", "[" + std::string(2000, '1') + "]", "application/json");
    ASSERT_TRUE(r) << c.error();
    expect_problem(*r, 413, "api.body_too_large");
    EXPECT_EQ(r->header("Connection"), "close");
    EXPECT_TRUE(c.closed_by_server(2s));

    // A per-route limit (16 bytes on /raw), announced by Content-Length without sending the body.
    RawConnection raw(port());
    ASSERT_TRUE(
        raw.send("POST /raw HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                 "Content-Length: 17\r\n\r\n"));
    auto rr = raw.read_until_close(3s);
    EXPECT_TRUE(rr.data.starts_with("HTTP/1.1 413")) << rr.data;
    EXPECT_TRUE(rr.closed);

    // Chunked bodies are counted as they arrive.
    RawConnection chunked(port());
    ASSERT_TRUE(
        chunked.send("POST /raw HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n5\r\nxxxxx\r\n0\r\n\r\n"));
    rr = chunked.read_until_close(3s);
    EXPECT_TRUE(rr.data.starts_with("HTTP/1.1 413")) << rr.data;
    EXPECT_TRUE(rr.closed);

    HttpClient ok(port());
    r = ok.request(http::verb::post, "/raw", std::string(16, 'x'), "application/octet-stream");
    ASSERT_TRUE(r) << ok.error();
    EXPECT_EQ(r->json()["size"], 16);
}

TEST_F(ServerTest, OversizeHeaderGets431AndClose) {
    RawConnection raw(port());
    ASSERT_TRUE(raw.connected());
    raw.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n");
    auto rr = raw.read_until_close(3s);
    EXPECT_TRUE(rr.closed);
    EXPECT_TRUE(rr.data.starts_with("HTTP/1.1 431")) << rr.data.substr(0, 200);
    EXPECT_NE(rr.data.find("api.header_too_large"), std::string::npos);
}

TEST_F(ServerTest, MalformedRequestsGet400) {
    for (std::string bad :
         {std::string("GARBAGE\r\n\r\n"), std::string("GET /health HTTP/1.1\r\n\r\n"),
          std::string("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
          std::string("GET /items/%zz HTTP/1.1\r\nHost: a\r\n\r\n"),
          std::string("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")}) {
        RawConnection raw(port());
        raw.send(bad);
        auto rr = raw.read_until_close(3s);
        EXPECT_TRUE(rr.data.starts_with("HTTP/1.1 400")) << bad << " → " << rr.data.substr(0, 200);
    }
}

TEST_F(ServerTest, SlowClientIsDisconnected) {
    // Half a header, then silence (slowloris): closed once the 400 ms header timeout runs out.
    RawConnection raw(port());
    ASSERT_TRUE(raw.send("GET /health HTTP/1.1\r\nHost: x\r\n"));
    auto rr = raw.read_until_close(5s);
    EXPECT_TRUE(rr.closed);
    EXPECT_TRUE(rr.data.empty()) << rr.data;
    EXPECT_GE(rr.elapsed, 300ms);
    EXPECT_LT(rr.elapsed, 2000ms);

    // Dripping a byte every 100 ms does not extend the deadline.
    RawConnection drip(port());
    const std::string header = "GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    const auto t0 = std::chrono::steady_clock::now();
    bool cut = false;
    for (char ch : header) {
        if (!drip.send(std::string_view(&ch, 1))) {
            cut = true;
            break;
        }
        auto r = drip.read_until_close(100ms);
        if (r.closed) {
            cut = true;
            break;
        }
    }
    EXPECT_TRUE(cut);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);

    // A client that connects and sends nothing at all.
    RawConnection silent(port());
    rr = silent.read_until_close(5s);
    EXPECT_TRUE(rr.closed);
    EXPECT_LT(rr.elapsed, 2000ms);

    bool logged = false;
    for (const auto& l : m_sink->lines()) logged = logged || l.find("\"header_timeout\"") != std::string::npos;
    EXPECT_TRUE(logged);
}

TEST_F(ServerTest, KeepAliveReusesTheConnectionUntilIdleTimeout) {
    HttpClient c(port());
    for (int i = 0; i < 10; ++i) {
        auto r = c.get("/items/" + std::to_string(i));
        ASSERT_TRUE(r) << "request " << i << ": " << c.error();
        EXPECT_EQ(r->json()["id"], std::to_string(i));
        EXPECT_NE(r->header("Connection"), "close");
    }
    EXPECT_EQ(m_server->open_connections(), 1u);
    // Idle longer than the 600 ms keep-alive timeout: the server closes.
    EXPECT_TRUE(c.closed_by_server(3s));

    // Pipelined requests are answered in order.
    RawConnection raw(port());
    raw.send("GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto rr = raw.read_until_close(3s);
    EXPECT_TRUE(rr.closed);
    const auto first = rr.data.find("\"id\":\"1\"");
    const auto second = rr.data.find("\"id\":\"2\"");
    EXPECT_NE(first, std::string::npos);
    EXPECT_NE(second, std::string::npos);
    EXPECT_LT(first, second);
}

TEST_F(ServerTest, ManyConcurrentClients) {
    constexpr int k_clients = 16;
    constexpr int k_requests = 20;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < k_clients; ++t) {
        threads.emplace_back([&, t] {
            HttpClient c(port());
            for (int i = 0; i < k_requests; ++i) {
                const nlohmann::json doc = {{"client", t}, {"i", i}};
                auto r = c.request(http::verb::post, "/echo", doc.dump(), "application/json");
                if (r && r->status() == 200 && r->json()["echo"] == doc) ++ok;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), k_clients * k_requests);
}

TEST_F(ServerTest, ConnectionLimitClosesExtraConnections) {
    auto c = test_config(m_sink);
    c.limits.max_connections = 2;
    c.limits.header_timeout = 3s;
    start(c);
    HttpClient a(port()), b(port());
    ASSERT_TRUE(a.get("/health"));
    ASSERT_TRUE(b.get("/health"));
    RawConnection extra(port());
    auto rr = extra.read_until_close(2s);
    EXPECT_TRUE(rr.closed);
    EXPECT_TRUE(rr.data.empty());
    auto r = a.get("/health");
    ASSERT_TRUE(r) << a.error();
    EXPECT_EQ(r->status(), 200u);
}

TEST_F(ServerTest, GracefulShutdownFinishesInFlightRequests) {
    HttpClient idle(port());
    ASSERT_TRUE(idle.get("/health"));  // a kept-alive, idle connection

    std::optional<Reply> slow;
    std::string slow_error;
    std::thread t([&] {
        HttpClient c(port());
        slow = c.get("/slow");
        if (!slow) slow_error = c.error();
    });
    // Wait until the slow request is being handled.
    for (int i = 0; i < 100 && m_server->open_connections() < 2; ++i) std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(100ms);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(m_server->stop(5s));
    const auto took = std::chrono::steady_clock::now() - t0;
    t.join();
    ASSERT_TRUE(slow) << slow_error;
    EXPECT_EQ(slow->status(), 200u);
    EXPECT_EQ(slow->json()["slow"], "done");
    EXPECT_EQ(slow->header("Connection"), "close");
    EXPECT_LT(took, 3s);
    EXPECT_TRUE(idle.closed_by_server(1s));
    // No longer accepting.
    RawConnection after(port());
    EXPECT_FALSE(after.connected());
}

TEST_F(ServerTest, ShutdownGraceExpiresForStuckHandlers) {
    std::thread t([&] {
        HttpClient c(port());
        (void)c.get("/slow");
    });
    for (int i = 0; i < 100 && m_server->open_connections() < 1; ++i) std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(m_server->stop(100ms));  // the 500 ms handler outlives a 100 ms grace period
    t.join();
}

TEST_F(ServerTest, AccessLogIsOneJsonObjectPerRequest) {
    HttpClient c(port());
    auto r = c.get("/items/42?secret=1");
    ASSERT_TRUE(r);
    const auto id = r->header("X-Request-Id");
    // The line is written once the response is on the wire, so it may trail the client a little.
    nlohmann::json entry;
    for (int attempt = 0; attempt < 200 && !entry.is_object(); ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(10ms);
        for (const auto& l : m_sink->lines()) {
            auto j = nlohmann::json::parse(l, nullptr, false);
            ASSERT_FALSE(j.is_discarded()) << "not JSON: " << l;
            if (j.value("request_id", "") == id) entry = j;
        }
    }
    ASSERT_TRUE(entry.is_object());
    EXPECT_EQ(entry["type"], "access");
    EXPECT_EQ(entry["method"], "GET");
    EXPECT_EQ(entry["route"], "/items/{id}");
    EXPECT_EQ(entry["path"], "/items/42");
    EXPECT_EQ(entry["status"], 200);
    EXPECT_EQ(entry["bytes"], r->body().size());
    EXPECT_TRUE(entry["duration_ms"].is_number());
    EXPECT_TRUE(entry["peer"].get<std::string>().starts_with("127.0.0.1:"));
    EXPECT_TRUE(
        std::regex_match(entry["time"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    for (const auto& l : m_sink->lines()) EXPECT_EQ(l.find("secret=1"), std::string::npos);
}

TEST(ServerConfig, PlainHttpRefusedOffLoopback) {
    auto sink = std::make_shared<CaptureSink>();
    auto c = test_config(sink);
    c.address = "0.0.0.0";
    api::Server s(c);
    auto st = s.start();
    EXPECT_EQ(st.code(), Errc::api_bad_config);
    EXPECT_NE(st.error().message.find("LD/T 03"), std::string::npos);

    c.address = "not-an-ip";
    api::Server s2(c);
    EXPECT_EQ(s2.start().code(), Errc::api_bad_config);

    c.address = "::1";
    api::Server s3(c);
    if (s3.start().ok()) {  // hosts without IPv6 loopback cannot bind; the point is it is not refused
        EXPECT_TRUE(s3.url().starts_with("http://[::1]:"));
    }

    c.address = "0.0.0.0";
    c.allow_plain_http_on_non_loopback = true;
    api::Server s4(c);
    EXPECT_TRUE(s4.start().ok());
    EXPECT_TRUE(s4.stop(1s));
}

TEST(ServerConfig, RoutesAreFixedAfterStartAndBuiltinsCannotBeShadowed) {
    auto sink = std::make_shared<CaptureSink>();
    api::Server s(test_config(sink));
    auto h = [](const api::Request&) -> Result<api::Response> { return api::Response::no_content(); };
    EXPECT_EQ(s.add_route("GET", "/health", h).code(), Errc::api_route_conflict);
    ASSERT_TRUE(s.start().ok());
    EXPECT_EQ(s.add_route("GET", "/late", h).code(), Errc::api_bad_config);
    api::Server other(test_config(sink));
    auto port_taken = test_config(sink);
    port_taken.port = s.port();
    api::Server clash(port_taken);
    EXPECT_EQ(clash.start().code(), Errc::api_bind_failed);
}

// curl, an independent HTTP client.
TEST_F(ServerTest, CurlTalksToTheServer) {
    ASSERT_TRUE(executable_available(YINXIN_CURL, "curl"));
    const std::string base = m_server->url();
    auto r = run_process({YINXIN_CURL, "-sS", "-i", base + "/health"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(r.output.starts_with("HTTP/1.1 200")) << r.output;
    EXPECT_NE(r.output.find("\"status\":\"ok\""), std::string::npos);

    r = run_process(
        {YINXIN_CURL, "-sS", "-H", "Content-Type: application/json", "--data", R"({"k":"v"})", base + "/echo"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output, nullptr, false)["echo"]["k"], "v") << r.output;

    // A large body sent with Expect: 100-continue is refused before it is sent.
    r = run_process({YINXIN_CURL, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                     "Content-Type: application/json", "-H", "Expect: 100-continue", "--data-binary",
                     "[" + std::string(5000, '1') + "]", base + "/echo"});
    EXPECT_EQ(r.output, "413") << r.output;
    r = run_process({YINXIN_CURL, "-sS", "-w", "%{http_code}", "-H", "Content-Type: application/json", "-H",
                     "Expect: 100-continue", "--data-binary", "[1,2,3]", base + "/echo"});
    EXPECT_NE(r.output.find("200"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace yinxin::test
