// `yinxin staff login`: a staff login from the command line over the HTTP API (HTTPS with the
// server certificate checked against --cacert, or plain HTTP on loopback): asks for a challenge,
// signs it with the member's SM2 key and the SM2 ID, logs in with password + signature and prints
// the session token for curl's "Authorization: Bearer".
#include "staff_cmd.h"

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <string>

#include "cli_util.h"
#include "yinxin/base/bytes.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::cli {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

struct LoginArgs {
    std::string url = "http://127.0.0.1:8080";
    std::string cacert;
    std::string login;
    std::string password_file;
    std::string key_file;
    std::string sm2_id{crypto::k_default_sm2_id};
};

struct Target {
    std::string host;
    std::string port;
    bool tls = false;
    std::string cacert;  // PEM bundle the server certificate must chain to (HTTPS)
};

Result<Target> parse_url(const std::string& url, const std::string& cacert) {
    Target t;
    std::string rest;
    if (url.rfind("https://", 0) == 0) {
        t.tls = true;
        rest = url.substr(8);
        if (cacert.empty())
            return make_error(Errc::invalid_argument,
                              "--url '" + url + "': HTTPS needs --cacert (the CA the server certificate chains to)");
        t.cacert = cacert;
    } else if (url.rfind("http://", 0) == 0) {
        rest = url.substr(7);
    } else {
        return make_error(Errc::invalid_argument, "--url '" + url + "': expected https:// or http://");
    }
    if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
    const auto colon = rest.rfind(':');
    t.host = colon == std::string::npos ? rest : rest.substr(0, colon);
    t.port = colon == std::string::npos ? (t.tls ? "443" : "80") : rest.substr(colon + 1);
    return t;
}

template <class Stream>
http::response<http::string_body> exchange(Stream& stream, const Target& t, const std::string& path,
                                           const nlohmann::json& body) {
    http::request<http::string_body> req{http::verb::post, path, 11};
    req.set(http::field::host, t.host);
    req.set(http::field::content_type, "application/json");
    req.body() = body.dump();
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return res;
}

// POST `path` with a JSON body; the reply's status and parsed body. Over HTTPS the server's
// certificate must chain to `t.cacert` and name `t.host` (RFC 9525), else the request fails.
Result<std::pair<unsigned, nlohmann::json>> post_json(const Target& t, const std::string& path,
                                                      const nlohmann::json& body) {
    try {
        net::io_context ioc;
        net::ip::tcp::resolver resolver(ioc);
        http::response<http::string_body> res;
        if (t.tls) {
            net::ssl::context ctx(net::ssl::context::tls_client);
            ctx.load_verify_file(t.cacert);
            ctx.set_verify_mode(net::ssl::verify_peer);
            beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
            if (SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str()) != 1 ||
                SSL_set1_host(stream.native_handle(), t.host.c_str()) != 1)
                return make_error(Errc::invalid_argument, "bad host name '" + t.host + "'");
            beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
            beast::get_lowest_layer(stream).connect(resolver.resolve(t.host, t.port));
            stream.handshake(net::ssl::stream_base::client);
            res = exchange(stream, t, path, body);
            beast::error_code ec;
            stream.shutdown(ec);  // the peer may close first; the answer is already read
        } else {
            beast::tcp_stream stream(ioc);
            stream.expires_after(std::chrono::seconds(30));
            stream.connect(resolver.resolve(t.host, t.port));
            res = exchange(stream, t, path, body);
            beast::error_code ec;
            stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
        }
        auto j = nlohmann::json::parse(res.body(), nullptr, false);
        return std::make_pair(res.result_int(), j.is_discarded() ? nlohmann::json() : j);
    } catch (const std::exception& e) {
        return make_error(Errc::io_error, "HTTP request to " + t.host + ":" + t.port + path + " failed: " + e.what());
    }
}

Error problem_error(unsigned status, const nlohmann::json& j) {
    return make_error(Errc::auth_bad_credentials, "HTTP " + std::to_string(status) + ": " +
                                                      j.value("error", std::string("error")) + ": " +
                                                      j.value("detail", std::string()));
}

void run_login(const LoginArgs& a) {
    const Target t = take(parse_url(a.url, a.cacert));
    const std::string password = take(read_secret(a.password_file, "YINXIN_STAFF_PASSWORD", "password"));
    const Bytes key_pem = take(read_binary_file(a.key_file));
    const auto key = take(crypto::Sm2PrivateKey::from_pem(to_string(key_pem)));

    auto [st1, challenge] = take(post_json(t, "/api/v1/auth/challenge", {{"login", a.login}}));
    if (st1 != 200) fail(problem_error(st1, challenge));
    const std::string text = challenge.value("challenge", std::string());
    const Bytes sig = take(crypto::sm2_sign(key, as_bytes(text), a.sm2_id));
    auto [st2, session] = take(post_json(t, "/api/v1/auth/login",
                                         {{"login", a.login},
                                          {"password", password},
                                          {"challenge_id", challenge.value("challenge_id", std::string())},
                                          {"signature", base64_encode(sig)}}));
    if (st2 != 200) fail(problem_error(st2, session));
    std::cout << session.dump() << "\n";
}

}  // namespace

void register_staff_login_command(CLI::App& staff) {
    auto a = std::make_shared<LoginArgs>();
    auto* c = staff.add_subcommand("login",
                                   "Log in over the HTTP API (password + SM2-signed challenge); prints the "
                                   "session token as JSON");
    c->add_option("--url", a->url, "Server base URL (https://, or http:// on loopback)")->capture_default_str();
    c->add_option("--cacert", a->cacert, "CA certificate(s) the HTTPS server certificate must chain to (PEM)");
    c->add_option("--login", a->login, "Login name")->required();
    c->add_option("--password-file", a->password_file, "File with the password (default: env YINXIN_STAFF_PASSWORD)");
    c->add_option("--key", a->key_file, "The member's SM2 private key (PKCS#8 PEM)")->required();
    c->add_option("--sm2-id", a->sm2_id, "SM2 signer ID")->capture_default_str();
    c->callback([a] { run_login(*a); });
}

}  // namespace yinxin::cli
