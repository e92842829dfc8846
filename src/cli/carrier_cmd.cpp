#include "carrier_cmd.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
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
#include "yinxin/ra/carrier.h"

namespace yinxin::cli {
namespace {

struct ClientArgs {
    std::string url = "http://127.0.0.1:8080";
    std::string cacert;
    std::string token_file;
};

using Target = HttpTarget;

struct Reply {
    unsigned status = 0;
    nlohmann::json body;
};

// One request with the session token.
Result<Reply> call(const Target& t, const std::string& token, const std::string& method, const std::string& path,
                   const std::string& body = {}, const std::string& content_type = {}) {
    HttpCall c;
    c.method = method;
    c.path = path;
    c.body = body;
    c.content_type = content_type;
    c.headers.emplace_back("Authorization", "Bearer " + token);
    c.timeout = std::chrono::seconds(120);
    YX_ASSIGN_OR_RETURN(HttpReply r, http_call(t, c));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return Reply{r.status, j.is_discarded() ? nlohmann::json() : j};
}

// The problem document of a refused request as an Error with the server's stable code.
Error problem_error(const Reply& r) {
    const auto code = r.body.is_object() ? r.body.value("code", std::uint32_t{0}) : 0U;
    const std::string detail = r.body.is_object() ? r.body.value("detail", std::string()) : std::string();
    return make_error(code != 0 ? static_cast<Errc>(code) : Errc::io_error,
                      "HTTP " + std::to_string(r.status) + (detail.empty() ? "" : ": " + detail));
}

struct Session {
    Target target;
    std::string token;
};

Session open_session(const ClientArgs& a) {
    Session s;
    s.target = take(parse_http_url(a.url, a.cacert));
    s.token = take(read_secret(a.token_file, "YINXIN_TOKEN", "session token"));
    return s;
}

nlohmann::json expect(Result<Reply> r, unsigned want) {
    Reply reply = take(std::move(r));
    if (reply.status != want) fail(problem_error(reply));
    return reply.body;
}

std::string encode_query(std::string_view v) {
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

// The request as the server shows it, with the decision payload hash recomputed here from the
// form: the member signs what they read, not a hash the server asserts.
std::string checked_payload_sm3(const nlohmann::json& j) {
    ra::UnlockRequest r;
    r.id = j.value("id", std::string());
    const nlohmann::json& f = j.at("form");
    r.form.name = f.value("name", std::string());
    r.form.gender = ra::gender_from_name(f.value("gender", std::string())).value_or(ra::Gender::male);
    r.form.id_number = f.value("id_number", std::string());
    r.form.province_city = f.value("province_city", std::string());
    r.form.address = f.value("address", std::string());
    r.form.postcode = f.value("postcode", std::string());
    r.form.email = f.value("email", std::string());
    r.form.phone = f.value("phone", std::string());
    r.form.unit = f.value("unit", std::string());
    r.form.position = f.value("position", std::string());
    r.form.carrier_no = f.value("carrier_no", std::string());
    std::string mine = hex_encode(ra::unlock_payload_hash(r));
    if (mine != j.value("payload_sm3", std::string()))
        fail(make_error(Errc::ra_bad_request, "the server's payload_sm3 does not match the form it shows"));
    return mine;
}

struct DecisionArgs {
    std::string id;
    std::string key_file;
    std::string reason;
    std::string sm2_id{crypto::k_default_sm2_id};
};

void run_decision(const ClientArgs& c, const DecisionArgs& d, const std::string& step) {
    const Session s = open_session(c);
    const std::string path = "/api/v1/ra/unlock-requests/" + encode_query(d.id);
    const nlohmann::json shown = expect(call(s.target, s.token, "GET", path), 200);
    std::cerr << "unlock request " << d.id << " (" << shown.value("state", std::string()) << "):\n"
              << shown.at("form").dump(2) << "\n";
    const std::string hash = checked_payload_sm3(shown);
    const Bytes key_pem = take(read_binary_file(d.key_file));
    const auto key = take(crypto::Sm2PrivateKey::from_pem(to_string(key_pem)));
    const std::string decision = step == "reject" ? "reject" : "approve";
    const Bytes sig = take(crypto::sm2_sign(key, as_bytes(auth::decision_text(decision, d.id, hash)), d.sm2_id));
    nlohmann::json body{{"signature", base64_encode(sig)}};
    if (step == "reject") body["reason"] = d.reason;
    const nlohmann::json done =
        expect(call(s.target, s.token, "POST", path + "/" + step, body.dump(), "application/json"), 200);
    std::cout << done.dump(2) << "\n";
}

void add_client_options(CLI::App* c, ClientArgs& a) {
    c->add_option("--url", a.url, "Server base URL (https://, or http:// on loopback)")->capture_default_str();
    c->add_option("--cacert", a.cacert, "CA certificate(s) the HTTPS server certificate must chain to (PEM)");
    c->add_option("--token-file", a.token_file,
                  "File with the session token from `yinxin staff login` (default: env YINXIN_TOKEN)");
}

}  // namespace

void register_carrier_commands(CLI::App& app) {
    auto* carrier = app.add_subcommand("carrier", "Certificate carriers (USB keys, cards) and PIN-unlock requests");
    carrier->require_subcommand(1);
    auto a = std::make_shared<ClientArgs>();

    struct ImportArgs {
        std::string file;
        std::string org_node;
    };
    auto imp = std::make_shared<ImportArgs>();
    auto* ic = carrier->add_subcommand(
        "import", "Import a delivery file (CSV: carrier_no,kind,model,vendor,batch,unblock_code) into a node's stock");
    ic->add_option("FILE", imp->file, "CSV delivery file")->required();
    ic->add_option("--org-node", imp->org_node, "Organisation node receiving the stock")->required();
    add_client_options(ic, *a);
    ic->callback([a, imp] {
        const Session s = open_session(*a);
        const Bytes csv = take(read_binary_file(imp->file));
        const nlohmann::json r =
            expect(call(s.target, s.token, "POST", "/api/v1/ra/carriers?org_node=" + encode_query(imp->org_node),
                        to_string(csv), "text/csv"),
                   201);
        std::cout << r.dump(2) << "\n";
    });

    struct ListArgs {
        std::string state;
        std::string after;
        unsigned limit = 100;
    };
    auto la = std::make_shared<ListArgs>();
    auto* lc = carrier->add_subcommand("list", "List the carriers of your subtree");
    lc->add_option("--state", la->state, "in_stock, assigned or retired");
    lc->add_option("--after", la->after, "Carrier number to continue after (paging)");
    lc->add_option("--limit", la->limit, "At most this many (1..1000)")->capture_default_str();
    add_client_options(lc, *a);
    lc->callback([a, la] {
        const Session s = open_session(*a);
        std::string path = "/api/v1/ra/carriers?limit=" + std::to_string(la->limit);
        if (!la->state.empty()) path += "&state=" + encode_query(la->state);
        if (!la->after.empty()) path += "&after=" + encode_query(la->after);
        std::cout << expect(call(s.target, s.token, "GET", path), 200).dump(2) << "\n";
    });

    auto show_no = std::make_shared<std::string>();
    auto* sc = carrier->add_subcommand("show", "Show one carrier");
    sc->add_option("NUMBER", *show_no, "The 16-digit carrier number")->required();
    add_client_options(sc, *a);
    sc->callback([a, show_no] {
        const Session s = open_session(*a);
        std::cout
            << expect(call(s.target, s.token, "GET", "/api/v1/ra/carriers/" + encode_query(*show_no)), 200).dump(2)
            << "\n";
    });

    // --- unlock requests ---
    auto* ur = carrier->add_subcommand("unlock-request", "Carrier PIN-unlock requests (证书载体解锁申请, 表 A.4)");
    ur->require_subcommand(1);

    auto form_file = std::make_shared<std::string>();
    auto* us = ur->add_subcommand("submit",
                                  "Submit form A.4 (JSON: name, gender, id_number, province_city, address, "
                                  "postcode, email, phone, unit, position, carrier_no)");
    us->add_option("FORM", *form_file, "JSON file with the form")->required();
    add_client_options(us, *a);
    us->callback([a, form_file] {
        const Session s = open_session(*a);
        const Bytes form = take(read_binary_file(*form_file));
        std::cout << expect(call(s.target, s.token, "POST", "/api/v1/ra/unlock-requests", to_string(form),
                                 "application/json"),
                            201)
                         .dump(2)
                  << "\n";
    });

    auto ul_state = std::make_shared<std::string>();
    auto* ul = ur->add_subcommand("list", "List the unlock requests you may see");
    ul->add_option("--state", *ul_state, "submitted, approved, reviewed, released or rejected");
    add_client_options(ul, *a);
    ul->callback([a, ul_state] {
        const Session s = open_session(*a);
        std::string path = "/api/v1/ra/unlock-requests";
        if (!ul_state->empty()) path += "?state=" + encode_query(*ul_state);
        std::cout << expect(call(s.target, s.token, "GET", path), 200).dump(2) << "\n";
    });

    auto show_id = std::make_shared<std::string>();
    auto* ushow = ur->add_subcommand("show", "Show one unlock request");
    ushow->add_option("ID", *show_id, "Request id")->required();
    add_client_options(ushow, *a);
    ushow->callback([a, show_id] {
        const Session s = open_session(*a);
        std::cout << expect(call(s.target, s.token, "GET", "/api/v1/ra/unlock-requests/" + encode_query(*show_id)), 200)
                         .dump(2)
                  << "\n";
    });

    for (const char* step : {"approve", "review", "reject"}) {
        auto d = std::make_shared<DecisionArgs>();
        const std::string what = std::string(step) == "approve"  ? "主管部门 approval (approver)"
                                 : std::string(step) == "review" ? "Certificate management department review"
                                                                 : "Reject with a reason";
        auto* dc = ur->add_subcommand(step, what + ", signed with your SM2 key");
        dc->add_option("ID", d->id, "Request id")->required();
        dc->add_option("--key", d->key_file, "Your SM2 private key (PKCS#8 PEM)")->required();
        dc->add_option("--sm2-id", d->sm2_id, "SM2 signer ID")->capture_default_str();
        if (std::string(step) == "reject") dc->add_option("--reason", d->reason, "Why")->required();
        add_client_options(dc, *a);
        dc->callback([a, d, s = std::string(step)] { run_decision(*a, *d, s); });
    }

    auto rel_id = std::make_shared<std::string>();
    auto* rc = ur->add_subcommand("release", "Receive the carrier's unblock code (once) after both approvals");
    rc->add_option("ID", *rel_id, "Request id")->required();
    add_client_options(rc, *a);
    rc->callback([a, rel_id] {
        const Session s = open_session(*a);
        const nlohmann::json r = expect(
            call(s.target, s.token, "POST", "/api/v1/ra/unlock-requests/" + encode_query(*rel_id) + "/release"), 200);
        std::cout << r.dump(2) << "\n";
    });
}

}  // namespace yinxin::cli
