// Metrics registry and its text exposition output.
#include "yinxin/api/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace yinxin::api {
namespace {

TEST(Metrics, RendersExpositionFormat) {
    MetricsRegistry reg;
    reg.counter("t_requests_total", "Requests", {{"route", "/a"}}).inc();
    reg.counter("t_requests_total", "Requests", {{"route", "/a"}}).inc(2);
    reg.counter("t_requests_total", "Requests", {{"route", "q\"x\\y\nz"}}).inc();
    reg.gauge("t_open", "Open things").set(3);
    auto& h = reg.histogram("t_latency_seconds", "Latency", {0.1, 1});
    h.observe(0.0625);
    h.observe(0.5);
    h.observe(4);
    const std::string text = reg.render();
    EXPECT_NE(text.find("# HELP t_requests_total Requests\n# TYPE t_requests_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("t_requests_total{route=\"/a\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("t_requests_total{route=\"q\\\"x\\\\y\\nz\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE t_open gauge\nt_open 3\n"), std::string::npos);
    EXPECT_NE(text.find("t_latency_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("t_latency_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("t_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("t_latency_seconds_sum 4.5625\n"), std::string::npos);
    EXPECT_NE(text.find("t_latency_seconds_count 3\n"), std::string::npos);
}

TEST(Metrics, MisuseIsABug) {
    MetricsRegistry reg;
    reg.counter("t_x", "x");
    EXPECT_THROW(reg.gauge("t_x", "x"), std::logic_error);
    EXPECT_THROW(reg.counter("1bad", "x"), std::logic_error);
    EXPECT_THROW(reg.counter("t_y", "y", {{"le", "1"}}), std::logic_error);
}

TEST(Metrics, CountsFromManyThreads) {
    MetricsRegistry reg;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&reg] {
            for (int i = 0; i < 1000; ++i) reg.counter("t_c", "c", {{"k", "v"}}).inc();
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(reg.counter("t_c", "c", {{"k", "v"}}).value(), 8000.0);
}

}  // namespace
}  // namespace yinxin::api
