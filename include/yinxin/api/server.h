// The HTTP/1.1 server (Boost.Beast/Asio; RFC 9110/9112): route table, limits, optional TLS with
// client certificates, built-in /health and /metrics, JSON access logs, graceful shutdown. It holds no
// business rules (ARCHITECTURE.md: api turns requests into calls and renders errors).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "yinxin/api/http.h"
#include "yinxin/api/metrics.h"
#include "yinxin/base/result.h"

namespace spdlog {
class logger;
}

namespace yinxin::api {

struct TlsConfig {
    std::string certificate_chain_file;  // PEM: server certificate first, then intermediates
    std::string private_key_file;        // PEM (unencrypted; the key file is protected by file mode)
    // PEM bundle of CAs whose client certificates are accepted. Non-empty: the server asks for a
    // client certificate during the handshake; a presented certificate that does not verify fails
    // the handshake; a verified one reaches handlers as Request::client_cert_der.
    std::string client_ca_file;
    bool require_client_certificate = false;  // with client_ca_file: refuse handshakes without one
};

struct Limits {
    std::size_t max_header_bytes = std::size_t{16} * 1024;
    std::uint64_t max_body_bytes = std::uint64_t{1024} * 1024;
    // From the start of a request (or of the connection) until its header is complete; a client
    // that sends its header slowly (slowloris) is disconnected when it runs out.
    std::chrono::milliseconds header_timeout{10'000};
    // Reading the body, and separately writing the response.
    std::chrono::milliseconds body_timeout{30'000};
    std::chrono::milliseconds write_timeout{30'000};
    // How long a kept-alive connection may wait for its next request.
    std::chrono::milliseconds idle_timeout{30'000};
    // Connections beyond this are accepted and closed at once.
    std::size_t max_connections = 512;
};

struct ServerConfig {
    std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
    std::uint16_t port = 0;             // 0: an ephemeral port, see Server::port()
    unsigned io_threads = 2;            // network I/O
    unsigned handler_threads = 4;       // handlers run here, so a slow handler never stalls I/O
    Limits limits;
    std::optional<TlsConfig> tls;
    // With TLS: also serve plain HTTP on this port of the same address, which must be loopback (the
    // http:// CRL distribution point and AIA URLs of the demo hierarchy; 0 = an ephemeral port).
    std::optional<std::uint16_t> plain_port;
    // LD/T 03-2022 requires protected channels for everything that crosses the network (§8.2.1 /
    // §8.2.3: staff log in with certificates over protected links), so plain HTTP is refused on a
    // non-loopback address unless this is set explicitly (e.g. behind a TLS-terminating proxy on the
    // same host). Loopback plain HTTP exists for the demo and the tests.
    bool allow_plain_http_on_non_loopback = false;
    std::string version = "0";  // reported by /health and yinxin_build_info
    // Receives one JSON object per line: access log (one per request) and connection events.
    // Null: a logger writing to stderr.
    std::shared_ptr<spdlog::logger> logger;
    // WWW-Authenticate value sent with 401 problems (RFC 9110 §11.6.1 requires one).
    std::string auth_challenge = "Bearer realm=\"yinxin\"";
};

class Server {
public:
    explicit Server(ServerConfig config);
    ~Server();  // NOLINT(bugprone-exception-escape): stops with a zero grace period if still running
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Adds a route (before start(); afterwards api.bad_config). See Router::add.
    Status add_route(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
    // A named check run by GET /health; any failure turns the answer into 503 "fail".
    void add_health_check(std::string name, std::function<Status()> check);
    MetricsRegistry& metrics() noexcept;

    // Validates the configuration, loads TLS material, binds, and starts the I/O and handler threads.
    // api.bad_config / api.tls_error / api.bind_failed.
    Status start();
    std::uint16_t port() const noexcept;        // the bound port (after start)
    std::string url() const;                    // "https://127.0.0.1:8443"
    std::uint16_t plain_port() const noexcept;  // the bound plain_port (0 without one)
    std::string plain_url() const;              // "http://127.0.0.1:8080" ("" without one)

    // Graceful shutdown: stop accepting, close idle and half-read connections, let requests already
    // being handled finish and be answered (with Connection: close) for up to `grace`, then close
    // whatever is left. Returns true when every connection ended within `grace`. Idempotent.
    bool stop(std::chrono::milliseconds grace);
    // Blocks until stop() has completed (from another thread or a signal handler's thread).
    void wait();

    std::size_t open_connections() const noexcept;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

// Blocks SIGINT and SIGTERM's default action from the moment it is constructed (asio signal_set),
// so construct it before starting the server; wait() returns the signal number that arrived.
class TerminationSignals {
public:
    TerminationSignals();
    ~TerminationSignals();
    TerminationSignals(const TerminationSignals&) = delete;
    TerminationSignals& operator=(const TerminationSignals&) = delete;
    int wait();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace yinxin::api
