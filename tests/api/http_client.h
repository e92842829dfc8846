// Real HTTP clients for the api tests: a Boost.Beast client (plain or TLS, keep-alive) and a raw
// POSIX socket for misbehaving clients (half headers, stalls, oversize headers). Test code only.
#pragma once

#include <arpa/inet.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace yinxin::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct Reply {
    http::response<http::string_body> msg;
    unsigned status() const { return msg.result_int(); }
    const std::string& body() const { return msg.body(); }
    std::string header(std::string_view name) const {
        auto it = msg.find(beast::string_view(name.data(), name.size()));
        return it == msg.end() ? std::string() : std::string(it->value());
    }
    nlohmann::json json() const { return nlohmann::json::parse(msg.body(), nullptr, false); }
};

struct TlsClientOptions {
    std::string ca_file;    // trust anchor for the server certificate
    std::string cert_file;  // optional client certificate chain (PEM)
    std::string key_file;   // its key
};

// One connection; requests reuse it (keep-alive) until the server closes it.
class HttpClient {
public:
    explicit HttpClient(std::uint16_t port, std::optional<TlsClientOptions> tls = std::nullopt) {
        tcp::socket sock(m_ioc);
        sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), m_ec);
        if (m_ec) return;
        if (tls) {
            m_ssl_ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
            m_ssl_ctx->load_verify_file(tls->ca_file, m_ec);
            if (!tls->cert_file.empty() && !m_ec) m_ssl_ctx->use_certificate_chain_file(tls->cert_file, m_ec);
            if (!tls->key_file.empty() && !m_ec)
                m_ssl_ctx->use_private_key_file(tls->key_file, net::ssl::context::pem, m_ec);
            if (m_ec) return;
            m_ssl_ctx->set_verify_mode(net::ssl::verify_peer);
            m_tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(sock), *m_ssl_ctx);
            m_tls->set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
            m_tls->handshake(net::ssl::stream_base::client, m_ec);
        } else {
            m_plain = std::make_unique<beast::tcp_stream>(std::move(sock));
        }
    }

    bool ok() const { return !m_ec; }
    std::string error() const { return m_ec.message(); }

    std::optional<Reply> request(http::verb method, const std::string& target, const std::string& body = {},
                                 const std::string& content_type = {},
                                 const std::vector<std::pair<std::string, std::string>>& headers = {}) {
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, "127.0.0.1");
        if (!content_type.empty()) req.set(http::field::content_type, content_type);
        for (const auto& [k, v] : headers) req.set(k, v);
        req.body() = body;
        if (!body.empty() || method == http::verb::post || method == http::verb::put) req.prepare_payload();
        Reply r;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        if (method == http::verb::head) parser.skip(true);
        if (m_tls) {
            http::write(*m_tls, req, m_ec);
            if (!m_ec) http::read(*m_tls, m_buffer, parser, m_ec);
        } else if (m_plain) {
            http::write(*m_plain, req, m_ec);
            if (!m_ec) http::read(*m_plain, m_buffer, parser, m_ec);
        } else {
            return std::nullopt;
        }
        if (m_ec) return std::nullopt;
        r.msg = parser.release();
        return r;
    }
    std::optional<Reply> get(const std::string& target) { return request(http::verb::get, target); }

    // True when the server has closed the connection (EOF within `wait`).
    bool closed_by_server(std::chrono::milliseconds wait) {
        const int fd = native();
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
        char c;
        return ::recv(fd, &c, 1, MSG_PEEK) <= 0;
    }

private:
    int native() {
        return m_tls ? beast::get_lowest_layer(*m_tls).socket().native_handle() : m_plain->socket().native_handle();
    }
    net::io_context m_ioc;
    std::unique_ptr<net::ssl::context> m_ssl_ctx;
    std::unique_ptr<beast::tcp_stream> m_plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> m_tls;
    beast::flat_buffer m_buffer;
    beast::error_code m_ec;
};

// A plain TCP connection driven byte by byte.
class RawConnection {
public:
    explicit RawConnection(std::uint16_t port) {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    ~RawConnection() {
        if (m_fd >= 0) ::close(m_fd);
    }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool connected() const { return m_connected; }
    // False when the peer has gone (EPIPE/ECONNRESET).
    bool send(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    struct ReadResult {
        std::string data;
        bool closed = false;  // EOF or reset seen before the deadline
        std::chrono::milliseconds elapsed{0};
    };
    // Reads until the server closes the connection or `deadline` passes.
    ReadResult read_until_close(std::chrono::milliseconds deadline) {
        ReadResult r;
        const auto t0 = std::chrono::steady_clock::now();
        for (;;) {
            const auto left =
                deadline - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
            if (left.count() <= 0) break;
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            char buf[4096];
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n <= 0) {
                r.closed = true;
                break;
            }
            r.data.append(buf, static_cast<std::size_t>(n));
        }
        r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
        return r;
    }

private:
    int m_fd = -1;
    bool m_connected = false;
};

}  // namespace yinxin::test
