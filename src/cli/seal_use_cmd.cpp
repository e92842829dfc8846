#include "seal_use_cmd.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "cli_util.h"
#include "http_client.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/bytes.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::cli {
namespace {

struct ClientArgs {
    std::string url = "http://127.0.0.1:8080";
    std::string cacert;
    std::string token_file;
};

struct Session {
    HttpTarget target;
    std::string token;
};

Session open_session(const ClientArgs& a) {
    Session s;
    s.target = take(parse_http_url(a.url, a.cacert));
    s.token = take(read_secret(a.token_file, "YINXIN_TOKEN", "session token"));
    return s;
}

HttpReply call(const Session& s, const std::string& method, const std::string& path, const std::string& body = {},
               const std::string& content_type = {}) {
    HttpCall c;
    c.method = method;
    c.path = path;
    c.body = body;
    c.content_type = content_type;
    c.headers.emplace_back("Authorization", "Bearer " + s.token);
    c.timeout = std::chrono::seconds(120);
    return take(http_call(s.target, c));
}

// The problem document of a refused request as an Error with the server's stable code.
[[noreturn]] void fail_reply(const HttpReply& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    const auto code = j.is_object() ? j.value("code", std::uint32_t{0}) : 0U;
    const std::string detail = j.is_object() ? j.value("detail", std::string()) : std::string();
    fail(make_error(code != 0 ? static_cast<Errc>(code) : Errc::io_error,
                    "HTTP " + std::to_string(r.status) + (detail.empty() ? "" : ": " + detail)));
}

nlohmann::json expect_json(const HttpReply& r, unsigned want) {
    if (r.status != want) fail_reply(r);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) fail(make_error(Errc::io_error, "the server's answer is not JSON"));
    return j;
}

std::string encode(std::string_view v) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += k_hex[u >> 4];
            out += k_hex[u & 0x0f];
        }
    }
    return out;
}

constexpr std::string_view k_base_path = "/api/v1/seal-use/requests";
std::string base_path() { return std::string(k_base_path); }

void add_client_options(CLI::App* c, ClientArgs& a) {
    c->add_option("--url", a.url, "Server base URL (https://, or http:// on loopback)")->capture_default_str();
    c->add_option("--cacert", a.cacert, "CA certificate(s) the HTTPS server certificate must chain to (PEM)");
    c->add_option("--token-file", a.token_file,
                  "File with the session token from `yinxin staff login` (default: env YINXIN_TOKEN)");
}

struct RequestArgs {
    std::string file;
    std::string seal;
    std::string name;
    std::string purpose;
    std::string kind;
    int page = -1;
    double x = 0;
    double y = 0;
    double width = 40;
    double height = 40;
};

void run_request(const ClientArgs& c, const RequestArgs& a) {
    const Session s = open_session(c);
    const Bytes doc = take(read_binary_file(a.file));
    nlohmann::json body{{"seal_code", a.seal},
                        {"document_name", a.name.empty() ? std::filesystem::path(a.file).filename().string() : a.name},
                        {"document", base64_encode(doc)},
                        {"purpose", a.purpose}};
    if (!a.kind.empty()) body["kind"] = a.kind;
    if (a.page >= 0)
        body["stamp"] = {{"page", a.page}, {"x", a.x}, {"y", a.y}, {"width", a.width}, {"height", a.height}};
    std::cout << expect_json(call(s, "POST", base_path(), body.dump(), "application/json"), 201).dump(2) << "\n";
}

struct DecisionArgs {
    std::string id;
    std::string key_file;
    std::string reason;
    std::string sm2_id{crypto::k_default_sm2_id};
};

// Shows the payload, recomputes its SM3 and signs decision_text over it.
void run_decision(const ClientArgs& c, const DecisionArgs& d, bool approve) {
    const Session s = open_session(c);
    const std::string path = base_path() + "/" + encode(d.id);
    const nlohmann::json shown = expect_json(call(s, "GET", path + "/payload"), 200);
    const std::string payload = shown.value("payload", std::string());
    std::cerr << "seal-use request " << d.id << ":\n" << payload << "\n";
    const std::string hash = hex_encode(crypto::sm3(as_bytes(payload)));
    if (hash != shown.value("payload_sm3", std::string()))
        fail(
            make_error(Errc::seal_application_invalid, "the server's payload_sm3 does not match the payload it shows"));
    const Bytes key_pem = take(read_binary_file(d.key_file));
    const auto key = take(crypto::Sm2PrivateKey::from_pem(to_string(key_pem)));
    const std::string decision = approve ? "approve" : "reject";
    const Bytes sig = take(crypto::sm2_sign(key, as_bytes(auth::decision_text(decision, d.id, hash)), d.sm2_id));
    nlohmann::json body{{"signature", base64_encode(sig)}};
    if (!approve) body["reason"] = d.reason;
    const nlohmann::json done =
        expect_json(call(s, "POST", path + (approve ? "/approve" : "/refuse"), body.dump(), "application/json"), 200);
    std::cout << done.dump(2) << "\n";
}

}  // namespace

void register_seal_use_commands(CLI::App& app) {
    auto* su = app.add_subcommand("seal-use", "Centralized seal use with approval (集中式用章, LD/T 01.1-2022 §8.2)");
    su->require_subcommand(1);
    auto c = std::make_shared<ClientArgs>();

    auto ra = std::make_shared<RequestArgs>();
    auto* rq = su->add_subcommand("request", "Ask for a seal on a document (OFD or any file)");
    rq->add_option("FILE", ra->file, "The document")->required()->check(CLI::ExistingFile);
    rq->add_option("--seal", ra->seal, "Seal code")->required();
    rq->add_option("--purpose", ra->purpose, "What the seal is for")->required();
    rq->add_option("--name", ra->name, "Document name (default: the file name)");
    rq->add_option("--kind", ra->kind, "ofd or file (default: ofd for *.ofd)");
    rq->add_option("--page", ra->page, "OFD: 0-based page of the visible stamp (absent: invisible signature)")
        ->check(CLI::NonNegativeNumber);
    rq->add_option("--x", ra->x, "Stamp left edge, mm")->capture_default_str();
    rq->add_option("--y", ra->y, "Stamp top edge, mm")->capture_default_str();
    rq->add_option("--width", ra->width, "Stamp width, mm")->capture_default_str();
    rq->add_option("--height", ra->height, "Stamp height, mm")->capture_default_str();
    add_client_options(rq, *c);
    rq->callback([c, ra] { run_request(*c, *ra); });

    struct ListArgs {
        std::string seal;
        std::string state;
        std::string after;
        unsigned limit = 100;
    };
    auto la = std::make_shared<ListArgs>();
    auto* lc = su->add_subcommand("list", "List the seal-use requests you may see");
    lc->add_option("--seal", la->seal, "Only this seal");
    lc->add_option("--state", la->state, "requested, approved, refused, signed or expired");
    lc->add_option("--after", la->after, "Request id to continue after (paging)");
    lc->add_option("--limit", la->limit, "At most this many (1..1000)")->capture_default_str();
    add_client_options(lc, *c);
    lc->callback([c, la] {
        const Session s = open_session(*c);
        std::string path = base_path() + "?limit=" + std::to_string(la->limit);
        if (!la->seal.empty()) path += "&seal=" + encode(la->seal);
        if (!la->state.empty()) path += "&state=" + encode(la->state);
        if (!la->after.empty()) path += "&after=" + encode(la->after);
        std::cout << expect_json(call(s, "GET", path), 200).dump(2) << "\n";
    });

    auto show_id = std::make_shared<std::string>();
    auto* sc = su->add_subcommand("show", "Show one request and the payload decisions sign");
    sc->add_option("ID", *show_id, "Request id")->required();
    add_client_options(sc, *c);
    sc->callback([c, show_id] {
        const Session s = open_session(*c);
        nlohmann::json j = expect_json(call(s, "GET", base_path() + "/" + encode(*show_id)), 200);
        j["payload"] = expect_json(call(s, "GET", base_path() + "/" + encode(*show_id) + "/payload"), 200)["payload"];
        std::cout << j.dump(2) << "\n";
    });

    for (const bool approve : {true, false}) {
        auto d = std::make_shared<DecisionArgs>();
        auto* dc = su->add_subcommand(approve ? "approve" : "refuse",
                                      std::string(approve ? "Approve" : "Refuse, with a reason,") +
                                          " a request as its seal reviewer, signed with your SM2 key (§8.2.3)");
        dc->add_option("ID", d->id, "Request id")->required();
        dc->add_option("--key", d->key_file, "Your SM2 private key (PKCS#8 PEM)")->required();
        dc->add_option("--sm2-id", d->sm2_id, "SM2 signer ID")->capture_default_str();
        if (!approve) dc->add_option("--reason", d->reason, "Why")->required();
        add_client_options(dc, *c);
        dc->callback([c, d, approve] { run_decision(*c, *d, approve); });
    }

    auto sign_id = std::make_shared<std::string>();
    auto* sg = su->add_subcommand("sign", "Have an approved request signed with the seal key in the device");
    sg->add_option("ID", *sign_id, "Request id")->required();
    add_client_options(sg, *c);
    sg->callback([c, sign_id] {
        const Session s = open_session(*c);
        std::cout << expect_json(call(s, "POST", base_path() + "/" + encode(*sign_id) + "/sign"), 200).dump(2) << "\n";
    });

    struct FetchArgs {
        std::string id;
        std::string out;
    };
    auto fa = std::make_shared<FetchArgs>();
    auto* fc = su->add_subcommand("fetch", "Download the signed document (once) and check its SM3");
    fc->add_option("ID", fa->id, "Request id")->required();
    fc->add_option("--out", fa->out, "Where to write it")->required();
    add_client_options(fc, *c);
    fc->callback([c, fa] {
        const Session s = open_session(*c);
        const std::string path = base_path() + "/" + encode(fa->id);
        const nlohmann::json r = expect_json(call(s, "GET", path), 200);
        const HttpReply doc = call(s, "GET", path + "/document");
        if (doc.status != 200) fail_reply(doc);
        const std::string sm3 = hex_encode(crypto::sm3(as_bytes(doc.body)));
        if (sm3 != r.value("result_sm3", std::string()))
            fail(make_error(Errc::io_error, "the downloaded document's SM3 " + sm3 + " is not the recorded " +
                                                r.value("result_sm3", std::string())));
        check(write_binary_file(fa->out, as_bytes(doc.body)));
        std::cout << nlohmann::json{{"id", fa->id}, {"file", fa->out}, {"bytes", doc.body.size()}, {"sm3", sm3}}.dump(2)
                  << "\n";
    });

    struct LogArgs {
        std::string seal;
        std::string from;
        std::string to;
        std::string after;
        unsigned limit = 100;
    };
    auto lg = std::make_shared<LogArgs>();
    auto* lgc = su->add_subcommand("log", "The use log: object, seal, requester, reviewer, operator, time (§8.2.4)");
    lgc->add_option("--seal", lg->seal, "Only this seal");
    lgc->add_option("--from", lg->from, "From (unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)");
    lgc->add_option("--to", lg->to, "Until (same forms)");
    lgc->add_option("--after", lg->after, "Log seq to continue after (paging)");
    lgc->add_option("--limit", lg->limit, "At most this many (1..1000)")->capture_default_str();
    add_client_options(lgc, *c);
    lgc->callback([c, lg] {
        const Session s = open_session(*c);
        std::string path = "/api/v1/seal-use/log?limit=" + std::to_string(lg->limit);
        if (!lg->seal.empty()) path += "&seal=" + encode(lg->seal);
        if (!lg->from.empty()) path += "&from=" + encode(lg->from);
        if (!lg->to.empty()) path += "&to=" + encode(lg->to);
        if (!lg->after.empty()) path += "&after=" + encode(lg->after);
        std::cout << expect_json(call(s, "GET", path), 200).dump(2) << "\n";
    });

    struct GrantArgs {
        std::string seal;
        std::string staff;
        std::string permission;
        bool withdraw = false;
    };
    auto ga = std::make_shared<GrantArgs>();
    auto* gc = su->add_subcommand("grant", "Grant (or --withdraw) a member's permission on a seal");
    gc->add_option("SEAL", ga->seal, "Seal code")->required();
    gc->add_option("--staff", ga->staff, "Staff id of the seal user, business system or reviewer")->required();
    gc->add_option("--permission", ga->permission, "use (seal users, business systems) or review (seal reviewers)")
        ->required()
        ->check(CLI::IsMember({"use", "review"}));
    gc->add_flag("--withdraw", ga->withdraw, "Withdraw the permission instead");
    add_client_options(gc, *c);
    gc->callback([c, ga] {
        const Session s = open_session(*c);
        const std::string path = "/api/v1/seal-use/seals/" + encode(ga->seal) + "/users";
        if (ga->withdraw) {
            std::cout << expect_json(
                             call(s, "DELETE",
                                  path + "?staff_id=" + encode(ga->staff) + "&permission=" + encode(ga->permission)),
                             200)
                             .dump(2)
                      << "\n";
            return;
        }
        const nlohmann::json body{{"staff_id", ga->staff}, {"permission", ga->permission}};
        std::cout << expect_json(call(s, "POST", path, body.dump(), "application/json"), 201).dump(2) << "\n";
    });

    auto users_seal = std::make_shared<std::string>();
    auto* uc = su->add_subcommand("users", "The members holding a permission on a seal");
    uc->add_option("SEAL", *users_seal, "Seal code")->required();
    add_client_options(uc, *c);
    uc->callback([c, users_seal] {
        const Session s = open_session(*c);
        std::cout
            << expect_json(call(s, "GET", "/api/v1/seal-use/seals/" + encode(*users_seal) + "/users"), 200).dump(2)
            << "\n";
    });
}

}  // namespace yinxin::cli
