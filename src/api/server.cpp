// The Beast/Asio transport behind api::Server. One coroutine per connection on its own strand;
// handlers run on a separate thread pool so a slow handler never stalls reads, writes or timers.
#include "yinxin/api/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <time.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "yinxin/api/problem.h"
#include "yinxin/api/router.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/rng.h"

namespace yinxin::api {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

// What a connection is doing; stop() closes connections in the first three phases at once and lets
// the others finish their current request.
enum class Phase { handshake, waiting, reading_header, reading_body, handling, writing, closing };

struct SessionHandle {
    std::atomic<Phase> phase{Phase::handshake};
    net::any_io_executor executor;
    std::function<void()> close;  // set, called and cleared on `executor` only
};

std::string format_time_ms(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const time_t secs = static_cast<time_t>(ms / 1000);
    tm g{};
    gmtime_r(&secs, &g);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", g.tm_year + 1900, g.tm_mon + 1, g.tm_mday,
                  g.tm_hour, g.tm_min, g.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

// RFC 9110 §5.6.7 IMF-fixdate.
std::string http_date(std::chrono::system_clock::time_point t) {
    const time_t secs = std::chrono::system_clock::to_time_t(t);
    tm g{};
    gmtime_r(&secs, &g);
    static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", k_days[g.tm_wday], g.tm_mday,
                  k_months[g.tm_mon], g.tm_year + 1900, g.tm_hour, g.tm_min, g.tm_sec);
    return buf;
}

std::string format_endpoint(const tcp::endpoint& ep) {
    const auto addr = ep.address();
    std::string host = addr.to_string();
    if (addr.is_v6()) host = "[" + host + "]";
    return host + ":" + std::to_string(ep.port());
}

std::string openssl_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out.empty() ? "unknown OpenSSL error" : out;
}

bool is_loopback(const net::ip::address& a) {
    if (a.is_loopback()) return true;
    if (a.is_v6() && a.to_v6().is_v4_mapped()) {
        return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).is_loopback();
    }
    return false;
}

bool is_http_parse_error(const beast::error_code& ec) {
    return ec.category() == http::make_error_code(http::error::bad_target).category();
}

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

std::string method_label(std::string_view m) {
    static constexpr std::string_view k_known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    for (auto k : k_known) {
        if (m == k) return std::string(k);
    }
    return "other";
}

// Runs `work` on the handler pool and resumes the awaiting coroutine on its own executor (strand).
// `work` is taken by reference: GCC 12 destroys some temporaries of a co_await expression twice,
// so callers pass a named object and no temporary with a destructor appears in the expression.
template <class Token>
auto async_on_pool(net::thread_pool& pool, std::function<Response()>& work, Token&& token) {
    return net::async_initiate<Token, void(Response)>(
        [&pool](auto handler, std::function<Response()> w) {
            auto ex = net::get_associated_executor(handler);
            net::post(pool, [handler = std::move(handler), w = std::move(w), ex]() mutable {
                Response r = w();
                net::post(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
                    std::move(handler)(std::move(r));
                });
            });
        },
        token, std::move(work));
}

}  // namespace

struct Server::Impl {
    explicit Impl(ServerConfig c) : config(std::move(c)) {}

    ServerConfig config;
    Router router;
    std::vector<std::pair<std::string, std::function<Status()>>> health_checks;
    MetricsRegistry metrics;
    std::shared_ptr<spdlog::logger> log;
    std::chrono::steady_clock::time_point started_steady = std::chrono::steady_clock::now();
    std::string id_prefix;
    std::atomic<std::uint64_t> id_counter{0};

    Gauge* open_gauge = nullptr;
    Counter* connections_total = nullptr;
    Counter* connections_rejected = nullptr;

    std::atomic<bool> started{false};
    std::atomic<bool> stopping{false};
    std::mutex mutex;
    std::condition_variable cv;
    std::set<std::shared_ptr<SessionHandle>> sessions;  // guarded by mutex
    std::size_t open = 0;                               // guarded by mutex
    bool stopped = false;                               // guarded by mutex
    std::atomic<std::size_t> open_count{0};

    std::optional<net::ssl::context> ssl_ctx;
    std::uint16_t bound_port = 0;
    std::uint16_t bound_plain_port = 0;
    std::string url_host;

    // Declared last so they are destroyed first, while everything their pending handlers and
    // connection coroutines touch is still alive.
    std::unique_ptr<net::thread_pool> workers;
    net::io_context ioc;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    std::optional<tcp::acceptor> acceptor;
    std::optional<tcp::acceptor> plain_acceptor;  // ServerConfig::plain_port
    std::vector<std::thread> threads;

    std::string next_request_id() { return id_prefix + std::to_string(id_counter.fetch_add(1) + 1); }

    void log_json(const nlohmann::json& j) {
        log->info("{}", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    void log_event(std::string_view event, std::string_view peer, std::string_view detail = {}) {
        nlohmann::json j;
        j["time"] = format_time_ms(std::chrono::system_clock::now());
        j["type"] = "connection";
        j["event"] = event;
        j["peer"] = peer;
        if (!detail.empty()) j["detail"] = detail;
        log_json(j);
        metrics
            .counter("yinxin_http_connection_events_total", "Connection-level events (timeouts, refusals)",
                     {{"event", std::string(event)}})
            .inc();
    }

    void session_ended(const std::shared_ptr<SessionHandle>& h) {
        {
            std::lock_guard lock(mutex);
            sessions.erase(h);
            --open;
            open_count.store(open);
        }
        open_gauge->dec();
        cv.notify_all();
    }

    Status setup_tls(const TlsConfig& t);
    Response health() const;
    net::awaitable<void> accept_loop(tcp::acceptor& acc, bool tls);
    Result<std::uint16_t> listen(std::optional<tcp::acceptor>& acc, const tcp::endpoint& ep);
    template <class Stream>
    net::awaitable<void> serve_connection(Stream stream, std::shared_ptr<SessionHandle> handle, std::string peer);
    Response dispatch(const Route& route, const Request& req);
    void record(const Request& req, std::string_view route, unsigned status, std::size_t bytes,
                std::chrono::steady_clock::time_point t0, bool tls, std::string_view error);
};

Status Server::Impl::setup_tls(const TlsConfig& t) {
    ssl_ctx.emplace(net::ssl::context::tls_server);
    SSL_CTX* c = ssl_ctx->native_handle();
    ERR_clear_error();
    // TLS 1.2 minimum with forward-secret AEAD suites only; TLS 1.3 suites are OpenSSL's defaults.
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    if (SSL_CTX_set_cipher_list(c, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
        return make_error(Errc::api_tls_error, "cipher list: " + openssl_errors());
    }
    if (SSL_CTX_use_certificate_chain_file(c, t.certificate_chain_file.c_str()) != 1) {
        return make_error(Errc::api_tls_error,
                          "server certificate chain '" + t.certificate_chain_file + "': " + openssl_errors());
    }
    if (SSL_CTX_use_PrivateKey_file(c, t.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        return make_error(Errc::api_tls_error, "server private key '" + t.private_key_file + "': " + openssl_errors());
    }
    if (SSL_CTX_check_private_key(c) != 1) {
        return make_error(Errc::api_tls_error, "the private key does not match the server certificate");
    }
    if (!t.client_ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(c, t.client_ca_file.c_str(), nullptr) != 1) {
            return make_error(Errc::api_tls_error, "client CA bundle '" + t.client_ca_file + "': " + openssl_errors());
        }
        // The CertificateRequest names the acceptable CAs (RFC 8446 §4.2.4), so clients pick the
        // right certificate.
        STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(t.client_ca_file.c_str());
        if (names == nullptr) {
            return make_error(Errc::api_tls_error, "client CA bundle '" + t.client_ca_file + "' has no certificates");
        }
        SSL_CTX_set_client_CA_list(c, names);
        SSL_CTX_set_verify(c, SSL_VERIFY_PEER | (t.require_client_certificate ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                           nullptr);
        // Needed for session resumption when client certificates are verified.
        static constexpr unsigned char k_sid_ctx[] = "yinxin-api";
        SSL_CTX_set_session_id_context(c, k_sid_ctx, sizeof k_sid_ctx - 1);
    } else if (t.require_client_certificate) {
        return make_error(Errc::api_bad_config, "require_client_certificate needs a client CA bundle");
    }
    return ok_status();
}

Response Server::Impl::health() const {
    nlohmann::json j;
    bool ok = true;
    nlohmann::json checks = nlohmann::json::object();
    for (const auto& [name, check] : health_checks) {
        Status s = check();
        checks[name] = s.ok() ? std::string("ok") : s.error().to_string();
        ok = ok && s.ok();
    }
    j["status"] = ok ? "ok" : "fail";
    j["version"] = config.version;
    j["uptime_seconds"] = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - started_steady)
                                                  .count()) /
                          1000.0;
    if (!health_checks.empty()) j["checks"] = checks;
    return Response::json(j, ok ? 200 : 503);
}

Response Server::Impl::dispatch(const Route& route, const Request& req) {
    Error err{Errc::internal, {}};
    try {
        Result<Response> r = route.handler(req);
        if (r.ok()) return std::move(r).value();
        err = std::move(r).error();
    } catch (const std::exception& e) {
        err = make_error(Errc::internal, std::string("handler threw (a bug): ") + e.what());
    } catch (...) {
        err = make_error(Errc::internal, "handler threw a non-standard exception (a bug)");
    }
    if (http_status_for(err.code) >= 500) {
        // The client gets a generic detail; the real message stays here, tied by the request id.
        nlohmann::json j;
        j["time"] = format_time_ms(std::chrono::system_clock::now());
        j["type"] = "error";
        j["request_id"] = req.request_id;
        j["route"] = req.route;
        j["error"] = err.to_string();
        log_json(j);
    }
    return problem_response(err, req.request_id);
}

void Server::Impl::record(const Request& req, std::string_view route, unsigned status, std::size_t bytes,
                          std::chrono::steady_clock::time_point t0, bool tls, std::string_view error) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::string route_label = route.empty() ? std::string("unmatched") : std::string(route);
    const std::string status_class = std::to_string(status / 100) + "xx";
    metrics
        .counter("yinxin_http_requests_total", "HTTP requests by route and status class",
                 {{"method", method_label(req.method)}, {"route", route_label}, {"status", status_class}})
        .inc();
    metrics
        .histogram("yinxin_http_request_duration_seconds", "Time from complete request header to response written",
                   default_latency_buckets(), {{"route", route_label}})
        .observe(secs);
    nlohmann::json j;
    j["time"] = format_time_ms(std::chrono::system_clock::now());
    j["type"] = "access";
    j["request_id"] = req.request_id;
    j["peer"] = req.peer;
    j["method"] = req.method;
    j["route"] = route_label;
    j["path"] = req.path;  // never the query: it may carry personal data
    j["status"] = status;
    j["bytes"] = bytes;
    j["duration_ms"] = secs * 1000.0;
    j["tls"] = tls;
    if (!req.client_cert_der.empty()) j["client_cert"] = true;
    if (!error.empty()) j["error"] = error;
    log_json(j);
}

net::awaitable<void> Server::Impl::accept_loop(tcp::acceptor& acc, bool tls) {
    for (;;) {
        tcp::socket socket(net::make_strand(ioc));
        beast::error_code ec;
        co_await acc.async_accept(socket, net::redirect_error(net::use_awaitable, ec));
        if (stopping.load() || ec == net::error::operation_aborted || !acc.is_open()) co_return;
        if (ec) {
            log_event("accept_failed", "", ec.message());
            // Out of descriptors and similar: back off briefly instead of spinning.
            net::steady_timer t(acc.get_executor(), std::chrono::milliseconds(50));
            co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
            continue;
        }
        std::string peer = format_endpoint(socket.remote_endpoint(ec));
        auto handle = std::make_shared<SessionHandle>();
        handle->executor = socket.get_executor();
        {
            std::lock_guard lock(mutex);
            if (open >= config.limits.max_connections) {
                handle.reset();
            } else {
                ++open;
                open_count.store(open);
                sessions.insert(handle);
            }
        }
        if (!handle) {
            connections_rejected->inc();
            log_event("connection_limit", peer);
            socket.close(ec);
            continue;
        }
        open_gauge->inc();
        connections_total->inc();
        auto on_done = [this, peer](const std::exception_ptr& e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log_event("session_exception", peer, ex.what());
            } catch (...) {
                log_event("session_exception", peer, "unknown");
            }
        };
        auto ex = socket.get_executor();
        if (tls) {
            net::co_spawn(ex, serve_connection(TlsStream(std::move(socket), *ssl_ctx), handle, peer), on_done);
        } else {
            net::co_spawn(ex, serve_connection(PlainStream(std::move(socket)), handle, peer), on_done);
        }
    }
}

template <class Stream>
net::awaitable<void> Server::Impl::serve_connection(Stream stream, std::shared_ptr<SessionHandle> handle,
                                                    std::string peer) {
    constexpr bool k_tls = std::is_same_v<Stream, TlsStream>;
    struct Guard {
        Impl* impl = nullptr;
        std::shared_ptr<SessionHandle> handle;
        ~Guard() {
            handle->close = nullptr;
            impl->session_ended(handle);
        }
    } guard{this, handle};
    auto& lowest = beast::get_lowest_layer(stream);
    handle->close = [&lowest] { lowest.close(); };
    if (stopping.load()) co_return;

    const Limits& limits = config.limits;
    beast::error_code ec;
    Bytes client_cert;
    if constexpr (k_tls) {
        lowest.expires_after(limits.header_timeout);
        co_await stream.async_handshake(net::ssl::stream_base::server, net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            log_event("tls_handshake_failed", peer, ec.message());
            co_return;
        }
        if (X509* cert = SSL_get0_peer_certificate(stream.native_handle()); cert != nullptr) {
            const int len = i2d_X509(cert, nullptr);
            if (len > 0) {
                client_cert.resize(static_cast<std::size_t>(len));
                unsigned char* p = client_cert.data();
                i2d_X509(cert, &p);
            }
        }
    }

    beast::flat_buffer buffer;
    bool first = true;
    bool unread_input = false;  // a rejected request's body may still be arriving
    for (;;) {
        if (!first) {
            handle->phase.store(Phase::waiting);
            // Phase is published before the check; stop() sets the flag before it reads phases, so
            // either we see the flag or stop() sees us waiting and closes us.
            if (stopping.load()) break;
            if (buffer.size() == 0) {
                lowest.expires_after(limits.idle_timeout);
                const std::size_t n =
                    co_await stream.async_read_some(buffer.prepare(8192), net::redirect_error(net::use_awaitable, ec));
                if (ec) {
                    if (ec == beast::error::timeout) log_event("idle_timeout", peer);
                    break;
                }
                buffer.commit(n);
            }
        }
        handle->phase.store(Phase::reading_header);
        if (stopping.load()) break;
        first = false;

        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
        parser.body_limit(boost::none);  // checked per route once the header is known
        lowest.expires_after(limits.header_timeout);
        co_await http::async_read_header(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
        const auto t0 = std::chrono::steady_clock::now();

        auto req = std::make_shared<Request>();
        req->request_id = next_request_id();
        req->peer = peer;
        req->client_cert_der = client_cert;
        std::optional<Error> err;
        bool must_close = false;
        unsigned version = 11;
        if (ec) {
            if (ec == beast::error::timeout) {
                log_event("header_timeout", peer);
                break;
            }
            if (ec == http::error::header_limit) {
                err = make_error(Errc::api_header_too_large,
                                 "the request header exceeds " + std::to_string(limits.max_header_bytes) + " bytes");
            } else if (is_http_parse_error(ec) && ec != http::error::end_of_stream &&
                       ec != http::error::partial_message) {
                err = make_error(Errc::api_bad_request, "malformed HTTP request: " + ec.message());
            } else {
                break;  // peer closed, or an I/O error: nobody to answer
            }
            must_close = true;
            unread_input = true;
        }

        const Route* route = nullptr;
        std::vector<std::string> allowed;
        bool head = false;
        if (!err) {
            auto& msg = parser.get();
            version = msg.version();
            head = msg.method() == http::verb::head;
            req->method = std::string(msg.method_string());
            req->target = std::string(msg.target());
            for (const auto& f : msg) req->headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
            const auto q = req->target.find('?');
            req->path = req->target.substr(0, q);
            const std::size_t hosts = msg.count(http::field::host);
            // RFC 9112 §3.2: a request with no Host (HTTP/1.1) or several Host fields gets a 400.
            if ((version >= 11 && hosts == 0) || hosts > 1) {
                err = make_error(Errc::api_bad_request, "exactly one Host header field is required");
            }
            if (!err && q != std::string::npos) {
                std::string_view query = std::string_view(req->target).substr(q + 1);
                while (!query.empty() && !err) {
                    const auto amp = query.find('&');
                    const std::string_view pair = query.substr(0, amp);
                    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
                    if (pair.empty()) continue;
                    const auto eq = pair.find('=');
                    auto k = percent_decode(pair.substr(0, eq), true);
                    auto v =
                        percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
                    if (!k.ok() || !v.ok()) {
                        err = make_error(Errc::api_bad_request, "malformed query string");
                    } else {
                        req->query.emplace_back(std::move(k).value(), std::move(v).value());
                    }
                }
            }
            if (!err) {
                RouteMatch m = router.match(req->method, req->path);
                if (m.route == nullptr) {
                    err = std::move(m.error);
                    allowed = std::move(m.allowed);
                } else {
                    route = m.route;
                    req->route = route->pattern;
                    req->path_params = std::move(m.params);
                }
            }
            const auto content_length = parser.content_length();
            const bool has_body = content_length ? *content_length > 0 : parser.chunked();
            const bool wants_json =
                route != nullptr && std::find(route->options.consumes.begin(), route->options.consumes.end(), k_json) !=
                                        route->options.consumes.end();
            if (!err && route != nullptr && !route->options.consumes.empty() &&
                (has_body || msg.method() == http::verb::post || msg.method() == http::verb::put ||
                 msg.method() == http::verb::patch)) {
                const std::string mt = media_type(req->header("Content-Type").value_or(""));
                const bool json_like = wants_json && mt.starts_with("application/") && mt.ends_with("+json");
                if (std::find(route->options.consumes.begin(), route->options.consumes.end(), mt) ==
                        route->options.consumes.end() &&
                    !json_like) {
                    std::string accepted;
                    for (const auto& c : route->options.consumes) accepted += (accepted.empty() ? "" : ", ") + c;
                    err = make_error(Errc::api_unsupported_media_type, "Content-Type '" +
                                                                           (mt.empty() ? std::string("(none)") : mt) +
                                                                           "' is not accepted here; send " + accepted);
                }
            }
            const std::uint64_t limit = route != nullptr ? route->options.max_body_bytes.value_or(limits.max_body_bytes)
                                                         : limits.max_body_bytes;
            if (!err && content_length && *content_length > limit) {
                err = make_error(Errc::api_body_too_large,
                                 "the request body exceeds " + std::to_string(limit) + " bytes");
            }
            const auto expect = req->header("Expect");
            const bool expect_continue = expect && media_type(*expect) == "100-continue";
            // A request refused before its body is read keeps the connection when the body is small
            // enough to read and drop; an oversize body, or one the client holds back until it gets
            // 100 Continue, ends the connection after the answer.
            bool read_body = has_body;
            if (err && has_body && (err->code == Errc::api_body_too_large || expect_continue)) {
                read_body = false;
                must_close = true;
                unread_input = !expect_continue;
            }
            if (read_body) {
                if (!err && expect_continue) {
                    // RFC 9110 §10.1.1: the client waits for this before sending the body.
                    http::response<http::empty_body> cont{http::status::continue_, version};
                    lowest.expires_after(limits.write_timeout);
                    co_await http::async_write(stream, cont, net::redirect_error(net::use_awaitable, ec));
                    if (ec) break;
                }
                handle->phase.store(Phase::reading_body);
                parser.body_limit(limit);
                lowest.expires_after(limits.body_timeout);
                co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
                if (ec == http::error::body_limit) {
                    if (!err) {
                        err = make_error(Errc::api_body_too_large,
                                         "the request body exceeds " + std::to_string(limit) + " bytes");
                    }
                    must_close = true;
                    unread_input = true;
                } else if (ec == beast::error::timeout) {
                    log_event("body_timeout", peer);
                    break;
                } else if (ec && is_http_parse_error(ec) && ec != http::error::end_of_stream &&
                           ec != http::error::partial_message) {
                    if (!err) err = make_error(Errc::api_bad_request, "malformed HTTP request body: " + ec.message());
                    must_close = true;
                    unread_input = true;
                } else if (ec) {
                    break;
                } else if (!err) {
                    req->body = std::move(parser.get().body());
                }
            }
            if (!err && wants_json) {
                auto j = parse_json(req->body);
                if (j.ok()) {
                    req->json = std::move(j).value();
                } else {
                    err = std::move(j).error();
                }
            }
        }

        Response res;
        if (err) {
            res = problem_response(*err, req->request_id);
            if (!allowed.empty()) {
                std::string allow;
                for (const auto& a : allowed) allow += (allow.empty() ? "" : ", ") + a;
                res.headers.emplace_back("Allow", allow);  // RFC 9110 §15.5.6
            }
        } else {
            handle->phase.store(Phase::handling);
            std::shared_ptr<const Request> creq = req;
            std::function<Response()> job = [this, route, creq] { return dispatch(*route, *creq); };
            res = co_await async_on_pool(*workers, job, net::use_awaitable);
        }

        const bool keep_alive = !must_close && !stopping.load() && parser.is_header_done() && parser.get().keep_alive();
        http::response<http::string_body> out{static_cast<http::status>(res.status), version};
        out.set(http::field::date, http_date(std::chrono::system_clock::now()));
        out.set("X-Request-Id", req->request_id);
        out.set(http::field::cache_control, "no-store");
        out.set("X-Content-Type-Options", "nosniff");
        if (!res.content_type.empty()) out.set(http::field::content_type, res.content_type);
        bool has_challenge = false;
        // A handler's own Cache-Control / X-Content-Type-Options replaces the server's default
        // (never a second header beside it); its further headers of the same name are kept.
        bool own_cache_control = false;
        bool own_nosniff = false;
        for (const auto& [name, value] : res.headers) {
            if (has_crlf(name) || has_crlf(value) || name.empty()) continue;  // never split the response
            has_challenge = has_challenge || beast::iequals(name, "WWW-Authenticate");
            if (!own_cache_control && beast::iequals(name, "Cache-Control")) {
                out.erase(http::field::cache_control);
                own_cache_control = true;
            } else if (!own_nosniff && beast::iequals(name, "X-Content-Type-Options")) {
                out.erase("X-Content-Type-Options");
                own_nosniff = true;
            }
            out.insert(name, value);
        }
        if (res.status == 401 && !has_challenge) out.set(http::field::www_authenticate, config.auth_challenge);
        out.keep_alive(keep_alive);
        const std::size_t body_bytes = res.body.size();
        if (res.status == 204 || res.status == 304 || res.status < 200) {
            // RFC 9110 §8.6: no Content-Length and no content on these statuses.
        } else if (head) {
            out.content_length(body_bytes);
        } else {
            out.body() = std::move(res.body);
            out.prepare_payload();
        }
        handle->phase.store(Phase::writing);
        lowest.expires_after(limits.write_timeout);
        co_await http::async_write(stream, out, net::redirect_error(net::use_awaitable, ec));
        record(*req, req->route, res.status, body_bytes, t0, k_tls, err ? errc_name(err->code) : std::string_view{});
        if (ec || !keep_alive) break;
    }

    handle->phase.store(Phase::closing);
    if (lowest.socket().is_open()) {
        lowest.expires_after(std::chrono::seconds(1));
        if constexpr (k_tls) {
            co_await stream.async_shutdown(net::redirect_error(net::use_awaitable, ec));
        } else {
            lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
            // Lingering close: drain what the client is still sending (a rejected body), so our
            // response is not destroyed by a TCP reset before the client has read it.
            std::size_t drained = 0;
            while (unread_input && !ec && drained < std::size_t{1024} * 1024) {
                char sink[8192];
                drained +=
                    co_await lowest.async_read_some(net::buffer(sink), net::redirect_error(net::use_awaitable, ec));
            }
        }
        lowest.close();
    }
}

Server::Server(ServerConfig config) : m_impl(std::make_unique<Impl>(std::move(config))) {
    Impl& d = *m_impl;
    d.log = d.config.logger;
    if (!d.log) {
        d.log = std::make_shared<spdlog::logger>("yinxin.http", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        d.log->set_pattern("%v");
    }
    SystemRng rng;
    auto prefix = rng.bytes(4);
    d.id_prefix = (prefix.ok() ? hex_encode(*prefix) : std::string("00000000")) + "-";
    d.open_gauge = &d.metrics.gauge("yinxin_http_open_connections", "Connections currently open");
    d.connections_total = &d.metrics.counter("yinxin_http_connections_total", "Connections accepted");
    d.connections_rejected =
        &d.metrics.counter("yinxin_http_connections_rejected_total", "Connections closed at once: connection limit");
    d.metrics.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds")
        .set(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    d.metrics.gauge("yinxin_build_info", "Build information", {{"version", d.config.version}}).set(1);
    Impl* impl = m_impl.get();
    (void)d.router.add("GET", "/health", [impl](const Request&) -> Result<Response> { return impl->health(); });
    (void)d.router.add("GET", "/metrics", [impl](const Request&) -> Result<Response> {
        return Response::text(impl->metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    });
}

// stop() reports failures as values; an exception here is a bug (allocation failure), and
// terminating is the right answer to it in a destructor.
Server::~Server() { stop(std::chrono::milliseconds(0)); }  // NOLINT(bugprone-exception-escape)

Status Server::add_route(std::string method, std::string pattern, Handler handler, RouteOptions options) {
    if (m_impl->started.load()) return make_error(Errc::api_bad_config, "routes are fixed once the server started");
    return m_impl->router.add(std::move(method), std::move(pattern), std::move(handler), std::move(options));
}

void Server::add_health_check(std::string name, std::function<Status()> check) {
    if (!m_impl->started.load()) m_impl->health_checks.emplace_back(std::move(name), std::move(check));
}

MetricsRegistry& Server::metrics() noexcept { return m_impl->metrics; }

Status Server::start() {
    Impl& d = *m_impl;
    if (d.started.load()) return make_error(Errc::api_bad_config, "the server is already started");
    const auto& c = d.config;
    beast::error_code ec;
    const auto address = net::ip::make_address(c.address, ec);
    if (ec) return make_error(Errc::api_bad_config, "listen address '" + c.address + "' is not an IP address");
    if (!c.tls && !is_loopback(address) && !c.allow_plain_http_on_non_loopback) {
        return make_error(Errc::api_bad_config,
                          "plain HTTP on non-loopback address " + c.address +
                              " refused: LD/T 03-2022 requires protected channels; configure TLS (or allow it "
                              "explicitly behind a local TLS terminator)");
    }
    if (c.io_threads == 0 || c.handler_threads == 0)
        return make_error(Errc::api_bad_config, "thread counts must be > 0");
    if (c.limits.max_connections == 0 || c.limits.max_header_bytes < 512) {
        return make_error(Errc::api_bad_config, "limits too small (max_connections > 0, max_header_bytes >= 512)");
    }
    if (c.plain_port && !c.tls)
        return make_error(Errc::api_bad_config, "plain_port is a second listener next to a TLS one");
    if (c.plain_port && !is_loopback(address))
        return make_error(Errc::api_bad_config, "the plain HTTP listener next to TLS is for loopback addresses only");
    if (c.tls) YX_TRY(d.setup_tls(*c.tls));

    YX_ASSIGN_OR_RETURN(d.bound_port, d.listen(d.acceptor, tcp::endpoint(address, c.port)));
    if (c.plain_port) {
        auto plain = d.listen(d.plain_acceptor, tcp::endpoint(address, *c.plain_port));
        if (!plain) {
            d.acceptor.reset();
            return std::move(plain).error();
        }
        d.bound_plain_port = *plain;
    }
    d.url_host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    d.started_steady = std::chrono::steady_clock::now();
    d.workers = std::make_unique<net::thread_pool>(c.handler_threads);
    d.work.emplace(d.ioc.get_executor());
    d.started.store(true);
    auto on_loop_done = [impl = &d](const std::exception_ptr& e) {
        if (e) impl->log_event("accept_loop_exception", "");
    };
    net::co_spawn(d.acceptor->get_executor(), d.accept_loop(*d.acceptor, c.tls.has_value()), on_loop_done);
    if (d.plain_acceptor)
        net::co_spawn(d.plain_acceptor->get_executor(), d.accept_loop(*d.plain_acceptor, false), on_loop_done);
    for (unsigned i = 0; i < c.io_threads; ++i) {
        d.threads.emplace_back([impl = &d] { impl->ioc.run(); });
    }
    return ok_status();
}

Result<std::uint16_t> Server::Impl::listen(std::optional<tcp::acceptor>& acc, const tcp::endpoint& ep) {
    beast::error_code ec;
    acc.emplace(net::make_strand(ioc));
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        acc.reset();
        return make_error(Errc::api_bind_failed, "cannot listen on " + format_endpoint(ep) + ": " + ec.message());
    }
    return acc->local_endpoint(ec).port();
}

std::uint16_t Server::port() const noexcept { return m_impl->bound_port; }

std::uint16_t Server::plain_port() const noexcept { return m_impl->bound_plain_port; }

std::string Server::plain_url() const {
    if (m_impl->bound_plain_port == 0) return {};
    return "http://" + m_impl->url_host + ":" + std::to_string(m_impl->bound_plain_port);
}

std::string Server::url() const {
    return std::string(m_impl->config.tls ? "https" : "http") + "://" + m_impl->url_host + ":" +
           std::to_string(m_impl->bound_port);
}

std::size_t Server::open_connections() const noexcept { return m_impl->open_count.load(); }

bool Server::stop(std::chrono::milliseconds grace) {
    Impl& d = *m_impl;
    if (!d.started.load()) return true;
    if (d.stopping.exchange(true)) {
        wait();
        return true;
    }
    net::post(d.acceptor->get_executor(), [impl = &d] {
        beast::error_code ec;
        impl->acceptor->close(ec);
    });
    if (d.plain_acceptor) {
        net::post(d.plain_acceptor->get_executor(), [impl = &d] {
            beast::error_code ec;
            impl->plain_acceptor->close(ec);
        });
    }
    auto close_sessions = [&d](bool all) {
        std::lock_guard lock(d.mutex);
        for (const auto& h : d.sessions) {
            if (all || h->phase.load() <= Phase::reading_header) {
                net::post(h->executor, [h] {
                    if (h->close) h->close();
                });
            }
        }
    };
    close_sessions(false);
    bool clean = false;
    {
        std::unique_lock lock(d.mutex);
        clean = d.cv.wait_for(lock, grace, [&d] { return d.open == 0; });
    }
    if (!clean) {
        close_sessions(true);
        std::unique_lock lock(d.mutex);
        d.cv.wait_for(lock, std::chrono::seconds(1), [&d] { return d.open == 0; });
    }
    d.work.reset();
    d.ioc.stop();
    for (auto& t : d.threads) t.join();
    d.threads.clear();
    d.workers->join();
    {
        std::lock_guard lock(d.mutex);
        d.stopped = true;
    }
    d.cv.notify_all();
    return clean;
}

void Server::wait() {
    Impl& d = *m_impl;
    std::unique_lock lock(d.mutex);
    d.cv.wait(lock, [&d] { return d.stopped || !d.started.load(); });
}

struct TerminationSignals::State {
    net::io_context ioc;
    net::signal_set signals{ioc, SIGINT, SIGTERM};
};

TerminationSignals::TerminationSignals() : m_state(std::make_unique<State>()) {}
TerminationSignals::~TerminationSignals() = default;

int TerminationSignals::wait() {
    int received = 0;
    m_state->signals.async_wait([&received](const beast::error_code& ec, int sig) {
        if (!ec) received = sig;
    });
    m_state->ioc.restart();
    m_state->ioc.run();
    return received;
}

}  // namespace yinxin::api
