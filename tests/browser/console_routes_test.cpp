// The console routes on a real loopback server (api::Server, port 0) driven by a real HTTP client:
// every file of console/ comes back byte for byte with its content type and the security headers,
// unknown files are 404 problems, / redirects, and /console/meta.json carries the server's own
// role × action matrix and forms. Static guards for the CSP: no inline script or style in the
// HTML, no string-to-markup or eval in the JavaScript.
#include "yinxin/api/console_routes.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <set>
#include <string>

#include "api/http_client.h"
#include "yinxin/api/server.h"
#include "yinxin/auth/roles.h"
#include "yinxin/ra/application.h"

namespace yinxin::test {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::string expected_type(const fs::path& p) {
    const std::string ext = p.extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".json") return "application/json";
    if (ext == ".png") return "image/png";
    return "?";
}

class ConsoleRoutes : public ::testing::Test {
protected:
    void SetUp() override {
        api::ServerConfig c;
        c.address = "127.0.0.1";
        c.port = 0;
        c.logger = std::make_shared<spdlog::logger>("console", std::make_shared<spdlog::sinks::null_sink_mt>());
        m_server = std::make_unique<api::Server>(c);
        ASSERT_TRUE(api::add_console_routes(*m_server).ok());
        auto st = m_server->start();
        ASSERT_TRUE(st.ok()) << st.error().to_string();
    }
    void TearDown() override { m_server->stop(std::chrono::milliseconds(500)); }

    std::optional<Reply> get(const std::string& target) {
        HttpClient c(m_server->port());
        EXPECT_TRUE(c.ok()) << c.error();
        return c.get(target);
    }

    std::unique_ptr<api::Server> m_server;
};

TEST_F(ConsoleRoutes, EveryFileIsServedAsIsWithItsTypeAndSecurityHeaders) {
    const fs::path root = YINXIN_CONSOLE_DIR;
    std::size_t files = 0;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file()) continue;
        const std::string rel = fs::relative(e.path(), root).generic_string();
        auto r = get("/console/" + rel);
        ASSERT_TRUE(r) << rel;
        EXPECT_EQ(r->status(), 200u) << rel;
        EXPECT_EQ(r->body(), slurp(e.path())) << rel << ": the embedded copy differs from the file";
        EXPECT_EQ(r->header("Content-Type"), expected_type(e.path())) << rel;
        EXPECT_EQ(r->header("Content-Security-Policy"), api::console_content_security_policy()) << rel;
        EXPECT_EQ(r->header("X-Content-Type-Options"), "nosniff") << rel;
        EXPECT_EQ(r->header("Cache-Control"), "no-store") << rel;
        EXPECT_EQ(r->header("X-Frame-Options"), "DENY") << rel;
        EXPECT_EQ(r->header("Referrer-Policy"), "no-referrer") << rel;
        ++files;
    }
    EXPECT_GT(files, 20u);
    auto index = get("/console/");
    ASSERT_TRUE(index);
    EXPECT_EQ(index->status(), 200u);
    EXPECT_EQ(index->body(), slurp(root / "index.html"));
    EXPECT_EQ(index->header("Content-Type"), "text/html; charset=utf-8");
}

TEST_F(ConsoleRoutes, PolicyIsStrict) {
    const std::string csp(api::console_content_security_policy());
    for (const char* part :
         {"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'",
          "form-action 'none'", "require-trusted-types-for 'script'", "connect-src 'self'"}) {
        EXPECT_NE(csp.find(part), std::string::npos) << part;
    }
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
    EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);
}

TEST_F(ConsoleRoutes, UnknownFilesAre404AndRootRedirects) {
    for (const char* path : {"/console/nope.js", "/console/js/nope.js", "/console/js/views/../app.js.bak",
                             "/console/js/crypto/sm3.js/x"}) {
        auto r = get(path);
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status(), 404u) << path;
        EXPECT_EQ(r->header("Content-Type"), "application/problem+json") << path;
        EXPECT_EQ(r->json().value("error", ""), "api.route_not_found") << path;
    }
    for (const char* path : {"/", "/console"}) {
        auto r = get(path);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status(), 302u) << path;
        EXPECT_EQ(r->header("Location"), "/console/") << path;
    }
    HttpClient c(m_server->port());
    auto post = c.request(http::verb::post, "/console/index.html", "x", "text/plain");
    ASSERT_TRUE(post);
    EXPECT_EQ(post->status(), 405u);
}

TEST_F(ConsoleRoutes, MetadataIsTheServersOwnTables) {
    auto r = get("/console/meta.json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status(), 200u);
    EXPECT_EQ(r->header("Content-Type"), "application/json");
    const auto j = r->json();
    ASSERT_TRUE(j.is_object()) << r->body();
    EXPECT_EQ(j["sm2_id"], "1234567812345678");
    EXPECT_EQ(j["actions"].size(), auth::action_table().size());
    EXPECT_EQ(j["roles"].size(), auth::k_role_count);
    for (const auto& a : j["actions"]) {
        const auto action = auth::action_from_name(a["name"].get<std::string>());
        ASSERT_TRUE(action) << a.dump();
        for (auth::Role role : auth::k_all_roles) {
            bool listed = false;
            for (const auto& n : a["roles"]) listed = listed || n == auth::role_name(role);
            EXPECT_EQ(listed, auth::role_allows(role, *action)) << a["name"] << " " << auth::role_name(role);
        }
    }
    // Spot checks against docs/roles.md.
    auto roles_of = [&](std::string_view name) {
        std::set<std::string> out;
        for (const auto& a : j["actions"])
            if (a["name"] == name)
                for (const auto& r2 : a["roles"]) out.insert(r2.get<std::string>());
        return out;
    };
    EXPECT_EQ(roles_of("audit.verify"), (std::set<std::string>{"audit_admin", "auditor"}));
    EXPECT_EQ(roles_of("ra.application.approve"), (std::set<std::string>{"business_operator", "approver"}));
    for (const auto& role : j["roles"]) {
        if (role["name"] == "audit_admin") {
            EXPECT_EQ(role["manages"], nlohmann::json::array({"auditor"}));
        }
    }
    const auto& person = j["forms"]["person"]["fields"];
    ASSERT_EQ(person.size(), ra::form_fields(ra::SubjectKind::person).size());
    EXPECT_EQ(person[0]["key"], "name");
    EXPECT_EQ(person[0]["label_zh"], "姓名");
    EXPECT_EQ(person[2]["syntax"], "id_number");
    EXPECT_EQ(j["forms"]["organisation"]["profile"], "organisation-sign");
    EXPECT_EQ(j["request_states"].size(), 6u);
}

// The CSP forbids inline code; these checks keep the sources from needing it.
TEST(ConsoleSources, NoInlineCodeNoMarkupFromStrings) {
    const fs::path root = YINXIN_CONSOLE_DIR;
    const std::string html = slurp(root / "index.html");
    const std::regex script_tag("<script([^>]*)>");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), script_tag); it != std::sregex_iterator(); ++it) {
        EXPECT_NE((*it)[1].str().find("src="), std::string::npos) << "inline <script> in index.html";
    }
    EXPECT_EQ(html.find("<style"), std::string::npos);
    EXPECT_EQ(html.find(" style="), std::string::npos);
    EXPECT_FALSE(std::regex_search(html, std::regex(R"( on[a-z]+=)"))) << "inline event handler in index.html";
    std::size_t scripts = 0;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file() || e.path().extension() != ".js") continue;
        const std::string js = slurp(e.path());
        const std::string rel = fs::relative(e.path(), root).string();
        for (const char* banned : {".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                                   "new Function", "setAttribute(\"style\""}) {
            EXPECT_EQ(js.find(banned), std::string::npos) << rel << " uses " << banned;
        }
        ++scripts;
    }
    EXPECT_GT(scripts, 15u);
}

}  // namespace
}  // namespace yinxin::test
