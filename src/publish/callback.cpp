#include "yinxin/publish/callback.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <charconv>

#include "yinxin/asn1/oids.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/signature.h"

namespace yinxin::publish {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::size_t k_max_answer = std::size_t{64} * 1024;

struct Url {
    bool tls = false;
    std::string host;  // without brackets
    std::string port;
    std::string target;  // path and query, "/" at least
    bool host_is_ip = false;
};

Result<Url> parse_url(std::string_view url) {
    Url u;
    std::string_view rest;
    if (url.starts_with("https://")) {
        u.tls = true;
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        rest = url.substr(7);
    } else {
        return make_error(Errc::publish_bad_config,
                          "callback URL '" + std::string(url) + "': expected https:// or http://");
    }
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (authority.find('@') != std::string_view::npos)
        return make_error(Errc::publish_bad_config, "callback URL '" + std::string(url) + "': no user info allowed");
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos)
            return make_error(Errc::publish_bad_config, "callback URL '" + std::string(url) + "': bad IPv6 address");
        u.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':')
                return make_error(Errc::publish_bad_config, "callback URL '" + std::string(url) + "': bad port");
            port = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (u.host.empty()) return make_error(Errc::publish_bad_config, "callback URL '" + std::string(url) + "': no host");
    if (!port.empty()) {
        unsigned v = 0;
        auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
        if (ec != std::errc() || ptr != port.data() + port.size() || v == 0 || v > 65535)
            return make_error(Errc::publish_bad_config, "callback URL '" + std::string(url) + "': bad port");
        u.port = std::string(port);
    } else {
        u.port = u.tls ? "443" : "80";
    }
    boost::system::error_code ec;
    (void)net::ip::make_address(u.host, ec);
    u.host_is_ip = !ec;
    return u;
}

std::string time_text(std::int64_t unix_seconds) { return format_rfc3339(from_unix(unix_seconds)); }

std::string_view algorithm_name(const asn1::Oid& oid) {
    if (oid == asn1::oids::sm2_with_sm3) return "SM2-with-SM3";
    if (oid == asn1::oids::ecdsa_with_sha256) return "ecdsa-with-SHA256";
    return {};
}

// One request over a fresh connection, every step under the timeout (Beast's tcp_stream timeouts
// apply to asynchronous operations; a synchronous read would wait for ever on a stalled peer).
template <class Stream>
class Exchange {
public:
    Exchange(Stream& stream, tcp::resolver& resolver, const Url& url, http::request<http::string_body>& request,
             std::chrono::seconds timeout)
        : m_stream(stream), m_resolver(resolver), m_url(url), m_request(request), m_timeout(timeout) {
        m_parser.body_limit(k_max_answer);
    }

    void start() {
        m_resolver.async_resolve(m_url.host, m_url.port,
                                 [this](beast::error_code ec, const tcp::resolver::results_type& r) {
                                     if (ec) return finish(ec, "resolve");
                                     lowest().expires_after(m_timeout);
                                     lowest().async_connect(r, [this](beast::error_code ec2, const tcp::endpoint&) {
                                         if (ec2) return finish(ec2, "connect");
                                         handshake();
                                     });
                                 });
    }

    beast::error_code error() const { return m_ec; }
    const std::string& stage() const { return m_stage; }
    http::response<http::string_body> answer() { return m_parser.release(); }

private:
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(m_stream); }

    void handshake() {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            send();
        } else {
            lowest().expires_after(m_timeout);
            m_stream.async_handshake(net::ssl::stream_base::client, [this](beast::error_code ec) {
                if (ec) return finish(ec, "TLS handshake");
                send();
            });
        }
    }
    void send() {
        lowest().expires_after(m_timeout);
        http::async_write(m_stream, m_request, [this](beast::error_code ec, std::size_t) {
            if (ec) return finish(ec, "send");
            lowest().expires_after(m_timeout);
            http::async_read(m_stream, m_buffer, m_parser,
                             [this](beast::error_code ec2, std::size_t) { finish(ec2, "read the answer"); });
        });
    }
    void finish(beast::error_code ec, const char* stage) {
        m_ec = ec;
        m_stage = stage;
    }

    Stream& m_stream;
    tcp::resolver& m_resolver;
    const Url& m_url;
    http::request<http::string_body>& m_request;
    std::chrono::seconds m_timeout;
    beast::flat_buffer m_buffer;
    http::response_parser<http::string_body> m_parser;
    beast::error_code m_ec;
    std::string m_stage;
};

template <class Stream>
Result<HttpAnswer> exchange(net::io_context& ioc, Stream& stream, const Url& url, const CallbackConfig& config,
                            http::request<http::string_body>& request) {
    tcp::resolver resolver(ioc);
    Exchange<Stream> x(stream, resolver, url, request, config.timeout);
    x.start();
    ioc.run();
    if (x.error()) {
        std::string what = x.error().message();
        if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
            const long verify = SSL_get_verify_result(stream.native_handle());
            if (verify != X509_V_OK) what += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
        }
        return make_error(Errc::publish_unreachable, "POST " + config.url + ": " + x.stage() + " failed: " + what);
    }
    auto res = x.answer();
    HttpAnswer a;
    a.status = res.result_int();
    a.body = std::move(res.body());
    return a;
}

}  // namespace

Result<CallbackConfig> parse_callback_config(std::string_view json_text) {
    auto j = nlohmann::json::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return make_error(Errc::publish_bad_config, "callback target: not a JSON object");
    CallbackConfig c;
    for (const auto& [key, v] : j.items()) {
        if (key == "url" || key == "ca_file") {
            if (!v.is_string())
                return make_error(Errc::publish_bad_config, "callback target: '" + key + "' must be a string");
            (key == "url" ? c.url : c.ca_file) = v.get<std::string>();
        } else if (key == "timeout_seconds") {
            if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 300)
                return make_error(Errc::publish_bad_config, "callback target: 'timeout_seconds' must be 1..300");
            c.timeout = std::chrono::seconds(v.get<long long>());
        } else {
            return make_error(Errc::publish_bad_config, "callback target: unknown key '" + key + "'");
        }
    }
    YX_ASSIGN_OR_RETURN(Url u, parse_url(c.url));
    if (!u.tls && !c.ca_file.empty())
        return make_error(Errc::publish_bad_config, "callback target: 'ca_file' goes with an https:// URL");
    return c;
}

std::string callback_config_json(const CallbackConfig& c) {
    nlohmann::json j{{"url", c.url}, {"timeout_seconds", c.timeout.count()}};
    if (!c.ca_file.empty()) j["ca_file"] = c.ca_file;
    return j.dump();
}

std::string callback_body(const QueueItem& item, const PublishObject& object, TimePoint sync_time) {
    nlohmann::json j{{"version", 1},           {"business_type", std::string(object_kind_name(object.kind))},
                     {"ca_id", object.ca_id},  {"sync_time", format_rfc3339(sync_time)},
                     {"delivery_id", item.id}, {"object", base64_encode(object.der)}};
    if (auto ca = x509::Certificate::parse(object.ca_certificate_der); ca.ok())
        j["ca_subject"] = ca->subject().to_string();
    if (object.kind == ObjectKind::crl) {
        j["crl_number"] = object.crl_number;
        j["crl_scope"] = std::string(ca::crl_scope_name(object.scope));
        if (object.delta_base) j["delta_base"] = *object.delta_base;
        j["this_update"] = time_text(object.this_update);
        j["next_update"] = time_text(object.next_update);
    } else if (auto cert = x509::Certificate::parse(object.der); cert.ok()) {
        j["serial"] = cert->serial_hex();
        j["subject"] = cert->subject().to_string();
        j["not_before"] = format_rfc3339(cert->not_before());
        j["not_after"] = format_rfc3339(cert->not_after());
    }
    return j.dump();
}

Result<CallbackRequest> sign_callback(std::string body, const ca::SigningKey& key, BytesView signer_certificate_der) {
    if (key.device == nullptr) return make_error(Errc::ca_no_key, "no signing key for the callback");
    YX_ASSIGN_OR_RETURN(x509::Certificate signer, x509::Certificate::parse(signer_certificate_der));
    YX_ASSIGN_OR_RETURN(x509::AlgorithmIdentifier alg, x509::signature_algorithm_for(signer.public_key_info()));
    YX_ASSIGN_OR_RETURN(Bytes sig, key.device->sign(key.index, as_bytes(body), key.sm2_id));
    // A device that signed with another key or ID is caught before anything leaves.
    YX_TRY(x509::verify_signature(alg, signer.public_key_info(), as_bytes(body), sig, key.sm2_id));
    CallbackRequest r;
    r.body = std::move(body);
    r.headers.emplace_back(k_header_signature, base64_encode(sig));
    r.headers.emplace_back(k_header_algorithm, std::string(algorithm_name(alg.oid)));
    if (alg.oid == asn1::oids::sm2_with_sm3) r.headers.emplace_back(k_header_signer_id, key.sm2_id);
    const auto fp = signer.fingerprint_sm3();
    r.headers.emplace_back(k_header_signer_sm3, hex_encode(BytesView(fp.data(), fp.size())));
    return r;
}

Status verify_callback(std::string_view body, std::string_view signature_b64, std::string_view algorithm,
                       std::string_view signer_sm3_hex, BytesView signer_certificate_der, std::string_view sm2_id) {
    if (signature_b64.empty() || algorithm.empty() || signer_sm3_hex.empty())
        return make_error(Errc::publish_bad_callback, "callback without its signature headers");
    YX_ASSIGN_OR_RETURN(x509::Certificate signer, x509::Certificate::parse(signer_certificate_der));
    const auto fp = signer.fingerprint_sm3();
    std::string want = hex_encode(BytesView(fp.data(), fp.size()));
    std::string got(signer_sm3_hex);
    std::transform(got.begin(), got.end(), got.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (got != want)
        return make_error(Errc::publish_bad_callback, "callback signed by certificate " + got + ", expected " + want);
    YX_ASSIGN_OR_RETURN(x509::AlgorithmIdentifier alg, x509::signature_algorithm_for(signer.public_key_info()));
    if (algorithm != algorithm_name(alg.oid))
        return make_error(Errc::publish_bad_callback, "callback algorithm '" + std::string(algorithm) + "', expected " +
                                                          std::string(algorithm_name(alg.oid)));
    auto sig = base64_decode(signature_b64);
    if (!sig) return make_error(Errc::publish_bad_callback, "callback signature is not base64");
    return x509::verify_signature(alg, signer.public_key_info(), as_bytes(body), *sig, sm2_id);
}

Result<HttpAnswer> post_callback(const CallbackConfig& config, const CallbackRequest& request) {
    YX_ASSIGN_OR_RETURN(Url url, parse_url(config.url));
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    const bool default_port = url.port == (url.tls ? "443" : "80");
    const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    req.set(http::field::host, default_port ? host : host + ":" + url.port);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, "yinxin-publish/1");
    req.set(http::field::connection, "close");
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = request.body;
    req.prepare_payload();
    net::io_context ioc;
    try {
        if (!url.tls) {
            beast::tcp_stream stream(ioc);
            return exchange(ioc, stream, url, config, req);
        }
        net::ssl::context ctx(net::ssl::context::tls_client);
        ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                        net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
        boost::system::error_code ec;
        if (config.ca_file.empty())
            ctx.set_default_verify_paths(ec);
        else
            ctx.load_verify_file(config.ca_file, ec);
        if (ec)
            return make_error(Errc::publish_bad_config,
                              "callback CA file '" + config.ca_file + "' cannot be loaded: " + ec.message());
        ctx.set_verify_mode(net::ssl::verify_peer);
        beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
        SSL* ssl = stream.native_handle();
        // RFC 9525: the certificate must name the host of the URL (an IP address as iPAddress).
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        if (url.host_is_ip) {
            if (X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str()) != 1)
                return make_error(Errc::publish_bad_config, "callback URL: bad IP address '" + url.host + "'");
        } else if (SSL_set_tlsext_host_name(ssl, url.host.c_str()) != 1 || SSL_set1_host(ssl, url.host.c_str()) != 1) {
            return make_error(Errc::publish_bad_config, "callback URL: bad host name '" + url.host + "'");
        }
        return exchange(ioc, stream, url, config, req);
    } catch (const std::exception& e) {
        // Asio reports resource exhaustion (no sockets, no memory) by exception.
        return make_error(Errc::publish_unreachable, "POST " + config.url + ": " + e.what());
    }
}

}  // namespace yinxin::publish
