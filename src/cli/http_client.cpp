#include "http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <exception>

namespace yinxin::cli {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

template <class Stream>
HttpReply exchange(Stream& stream, const HttpTarget& t, http::verb method, const HttpCall& call) {
    http::request<http::string_body> req{method, call.path.empty() ? t.path : call.path, 11};
    req.set(http::field::host, t.host);
    for (const auto& [name, value] : call.headers) req.set(name, value);
    if (!call.content_type.empty()) req.set(http::field::content_type, call.content_type);
    req.body() = call.body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(call.body_limit);
    http::read(stream, buffer, parser);
    auto res = parser.release();
    return HttpReply{res.result_int(), std::move(res.body()), std::string(res[http::field::content_type])};
}

}  // namespace

Result<HttpTarget> parse_http_url(const std::string& url, const std::string& cacert) {
    HttpTarget t;
    std::string rest;
    if (url.rfind("https://", 0) == 0) {
        t.tls = true;
        rest = url.substr(8);
        if (cacert.empty())
            return make_error(Errc::invalid_argument,
                              "'" + url + "': HTTPS needs --cacert (the CA the server certificate chains to)");
        t.cacert = cacert;
    } else if (url.rfind("http://", 0) == 0) {
        rest = url.substr(7);
    } else {
        return make_error(Errc::invalid_argument, "'" + url + "': expected https:// or http://");
    }
    t.path = "/";
    if (const auto slash = rest.find('/'); slash != std::string::npos) {
        t.path = rest.substr(slash);
        rest.resize(slash);
    }
    const auto colon = rest.rfind(':');
    t.host = colon == std::string::npos ? rest : rest.substr(0, colon);
    t.port = colon == std::string::npos ? (t.tls ? "443" : "80") : rest.substr(colon + 1);
    if (t.host.empty() || t.port.empty()) return make_error(Errc::invalid_argument, "'" + url + "': no host");
    return t;
}

Result<HttpReply> http_call(const HttpTarget& t, const HttpCall& call) {
    const http::verb method = http::string_to_verb(call.method);
    if (method == http::verb::unknown) return make_error(Errc::invalid_argument, "HTTP method " + call.method);
    const std::string where = t.host + ":" + t.port + (call.path.empty() ? t.path : call.path);
    try {
        net::io_context ioc;
        net::ip::tcp::resolver resolver(ioc);
        if (t.tls) {
            net::ssl::context ctx(net::ssl::context::tls_client);
            ctx.load_verify_file(t.cacert);
            ctx.set_verify_mode(net::ssl::verify_peer);
            if (!t.client_cert.empty()) {
                ctx.use_certificate_chain_file(t.client_cert);
                ctx.use_private_key_file(t.client_key, net::ssl::context::pem);
            }
            beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
            if (SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str()) != 1 ||
                SSL_set1_host(stream.native_handle(), t.host.c_str()) != 1)
                return make_error(Errc::invalid_argument, "bad host name '" + t.host + "'");
            beast::get_lowest_layer(stream).expires_after(call.timeout);
            beast::get_lowest_layer(stream).connect(resolver.resolve(t.host, t.port));
            stream.handshake(net::ssl::stream_base::client);
            HttpReply reply = exchange(stream, t, method, call);
            beast::error_code ec;
            stream.shutdown(ec);  // the peer may close first; the answer is already read
            return reply;
        }
        beast::tcp_stream stream(ioc);
        stream.expires_after(call.timeout);
        stream.connect(resolver.resolve(t.host, t.port));
        HttpReply reply = exchange(stream, t, method, call);
        beast::error_code ec;
        stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
        return reply;
    } catch (const std::exception& e) {
        return make_error(Errc::io_error, "HTTP request to " + where + " failed: " + e.what());
    }
}

}  // namespace yinxin::cli
