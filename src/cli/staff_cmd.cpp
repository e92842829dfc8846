// `yinxin staff login`: a staff login from the command line over the HTTP API (HTTPS with the
// server certificate checked against --cacert, or plain HTTP on loopback): asks for a challenge,
// signs it with the member's SM2 key and the SM2 ID, logs in with password + signature and prints
// the session token for curl's "Authorization: Bearer".
#include "staff_cmd.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <string>

#include "cli_util.h"
#include "http_client.h"
#include "yinxin/base/bytes.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::cli {
namespace {

struct LoginArgs {
    std::string url = "http://127.0.0.1:8080";
    std::string cacert;
    std::string login;
    std::string password_file;
    std::string key_file;
    std::string sm2_id{crypto::k_default_sm2_id};
};

using Target = HttpTarget;

// POST `path` with a JSON body; the reply's status and parsed body.
Result<std::pair<unsigned, nlohmann::json>> post_json(const Target& t, const std::string& path,
                                                      const nlohmann::json& body) {
    HttpCall c;
    c.method = "POST";
    c.path = path;
    c.body = body.dump();
    c.content_type = "application/json";
    YX_ASSIGN_OR_RETURN(HttpReply r, http_call(t, c));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return std::make_pair(r.status, j.is_discarded() ? nlohmann::json() : j);
}

Error problem_error(unsigned status, const nlohmann::json& j) {
    return make_error(Errc::auth_bad_credentials, "HTTP " + std::to_string(status) + ": " +
                                                      j.value("error", std::string("error")) + ": " +
                                                      j.value("detail", std::string()));
}

void run_login(const LoginArgs& a) {
    const Target t = take(parse_http_url(a.url, a.cacert));
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
