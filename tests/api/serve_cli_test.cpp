// `yinxin serve` as a process: prints its URLs, answers /health, exits 0 on SIGTERM.
#include <gtest/gtest.h>
#include <poll.h>

#include <regex>

#include "http_client.h"
#include "support/test_support.h"

namespace yinxin::test {
namespace {

using namespace std::chrono_literals;

// Reads the child's output until `pattern` matches or `deadline` passes.
std::string read_until(int fd, const std::regex& pattern, std::chrono::milliseconds deadline, std::smatch* m) {
    std::string out;
    const auto t0 = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - t0 < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buf[1024];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (std::regex_search(out, *m, pattern)) return out;
    }
    return out;
}

TEST(ServeCommand, ServesHealthAndStopsOnSigterm) {
    int fd = -1;
    std::string err;
    const pid_t pid = spawn_process({std::string(k_yinxin_cli), "serve", "--listen", "127.0.0.1:0"}, &fd, &err);
    ASSERT_GT(pid, 0) << err;
    std::smatch m;
    const std::regex listening(R"(listening on (http://127\.0\.0\.1:(\d+))\n)");
    std::string out = read_until(fd, listening, 20s, &m);
    ASSERT_FALSE(m.empty()) << out;
    const std::string url = m[1];
    const auto port = static_cast<std::uint16_t>(std::stoi(m[2]));
    EXPECT_NE(out.find(url + "/health"), std::string::npos);
    EXPECT_NE(out.find(url + "/metrics"), std::string::npos);

    HttpClient c(port);
    auto r = c.get("/health");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status(), 200u);
    EXPECT_EQ(r->json()["status"], "ok");
    r = c.get("/metrics");
    ASSERT_TRUE(r) << c.error();
    EXPECT_NE(r->body().find("yinxin_http_requests_total"), std::string::npos);

    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    const std::regex stopped("stopped");
    out += read_until(fd, stopped, 20s, &m);
    ::close(fd);
    EXPECT_EQ(wait_exit_code(pid), 0) << out;
    EXPECT_NE(out.find("stopped"), std::string::npos) << out;
}

TEST(ServeCommand, RefusesPlainHttpOffLoopback) {
    auto r = run_process({std::string(k_yinxin_cli), "serve", "--listen", "0.0.0.0:0"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("api.bad_config"), std::string::npos) << r.output;
    r = run_process({std::string(k_yinxin_cli), "serve", "--listen", "127.0.0.1"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
}

}  // namespace
}  // namespace yinxin::test
