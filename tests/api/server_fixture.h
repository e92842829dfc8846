// A server started in-process on 127.0.0.1 port 0 with short limits, test routes, and its log lines
// captured; shared by server_test.cpp and tls_test.cpp.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "yinxin/api/server.h"

namespace yinxin::test {

// Keeps every log line (the server writes one JSON object per line).
class CaptureSink final : public spdlog::sinks::sink {
public:
    void log(const spdlog::details::log_msg& msg) override {
        std::lock_guard lock(m_mutex);
        m_lines.emplace_back(msg.payload.data(), msg.payload.size());
    }
    void flush() override {}
    void set_pattern(const std::string&) override {}
    void set_formatter(std::unique_ptr<spdlog::formatter>) override {}
    std::vector<std::string> lines() const {
        std::lock_guard lock(m_mutex);
        return m_lines;
    }

private:
    mutable std::mutex m_mutex;
    std::vector<std::string> m_lines;
};

inline api::ServerConfig test_config(std::shared_ptr<CaptureSink> sink) {
    api::ServerConfig c;
    c.address = "127.0.0.1";
    c.port = 0;
    c.version = "test-1.2.3";
    c.limits.max_header_bytes = 4096;
    c.limits.max_body_bytes = 1024;
    c.limits.header_timeout = std::chrono::milliseconds(400);
    c.limits.body_timeout = std::chrono::milliseconds(400);
    c.limits.idle_timeout = std::chrono::milliseconds(600);
    c.limits.write_timeout = std::chrono::milliseconds(2000);
    c.logger = std::make_shared<spdlog::logger>("test", std::move(sink));
    return c;
}

// Routes the tests talk to.
inline void add_test_routes(api::Server& s) {
    using api::Request;
    using api::Response;
    auto ok = [](Status st) { ASSERT_TRUE(st.ok()) << st.error().to_string(); };
    ok(s.add_route("POST", "/echo",
                   [](const Request& r) -> Result<Response> {
                       return Response::json({{"echo", r.json}, {"request_id", r.request_id}});
                   },
                   {.consumes = {api::k_json}, .max_body_bytes = std::nullopt}));
    ok(s.add_route("GET", "/items/{id}", [](const Request& r) -> Result<Response> {
        return Response::json({{"id", r.path_param("id")}, {"q", r.query_param("q").value_or("")}});
    }));
    ok(s.add_route("GET", "/items/special", [](const Request&) -> Result<Response> {
        return Response::json({{"special", true}});
    }));
    ok(s.add_route("GET", "/fail/{code}", [](const Request& r) -> Result<Response> {
        return make_error(static_cast<Errc>(std::stoul(std::string(r.path_param("code")))), "failed on purpose");
    }));
    ok(s.add_route("GET", "/throw",
                   [](const Request&) -> Result<Response> { throw std::runtime_error("secret internal detail"); }));
    ok(s.add_route("GET", "/slow", [](const Request&) -> Result<Response> {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        return Response::json({{"slow", "done"}});
    }));
    ok(s.add_route("POST", "/raw",
                   [](const Request& r) -> Result<Response> {
                       return Response::json({{"size", r.body.size()}});
                   },
                   {.consumes = {"application/octet-stream"}, .max_body_bytes = 16}));
    ok(s.add_route("GET", "/whoami", [](const Request& r) -> Result<Response> {
        return Response::json({{"peer", r.peer}, {"client_cert_der_hex", hex_encode(r.client_cert_der)}});
    }));
}

}  // namespace yinxin::test
