// `yinxin sealsys register|access-test|peers|parent|sync`: the ministry/province/city hierarchy of
// seal systems (yinxin/sealsys/hierarchy.h) over the HTTP API with a staff session token. Parsing
// and printing only; the rules live in src/sealsys/hierarchy.cpp.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <string>

#include "cli_util.h"
#include "http_client.h"
#include "sealsys_cmd.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/bytes.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::cli {
namespace {

struct Args {
    std::string url = "http://127.0.0.1:8080";
    std::string cacert;
    std::string token_file;
};

struct Reply {
    unsigned status = 0;
    nlohmann::json json;
};

Reply call(const Args& a, bool token, const std::string& method, const std::string& path,
           const std::string& body = {}) {
    HttpTarget t = take(parse_http_url(a.url, a.cacert));
    HttpCall c;
    c.method = method;
    c.path = path;
    c.body = body;
    if (!body.empty()) c.content_type = "application/json";
    if (token)
        c.headers.emplace_back("Authorization",
                               "Bearer " + take(read_secret(a.token_file, "YINXIN_TOKEN", "session token")));
    c.timeout = std::chrono::seconds(120);
    HttpReply r = take(http_call(t, c));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return Reply{r.status, j.is_discarded() ? nlohmann::json() : j};
}

nlohmann::json expect(const Reply& r, unsigned want) {
    if (r.status != want) {
        const auto code = r.json.is_object() ? r.json.value("code", std::uint32_t{0}) : 0U;
        const std::string detail = r.json.is_object() ? r.json.value("detail", std::string()) : std::string();
        fail(make_error(code != 0 ? static_cast<Errc>(code) : Errc::io_error,
                        "HTTP " + std::to_string(r.status) + (detail.empty() ? "" : ": " + detail)));
    }
    return r.json;
}

void print(const nlohmann::json& j) { std::cout << j.dump(2) << "\n"; }

void add_client(CLI::App* c, Args& a, bool token = true) {
    c->add_option("--url", a.url, "Server base URL (https://, or http:// on loopback)")->capture_default_str();
    c->add_option("--cacert", a.cacert, "CA certificate(s) the HTTPS server certificate must chain to (PEM)");
    if (token)
        c->add_option("--token-file", a.token_file,
                      "File with the session token from `yinxin staff login` (default: env YINXIN_TOKEN)");
}

struct RegisterArgs {
    Args a;
    std::string child_url, name, level, division, province, city, public_key;
};

nlohmann::json registration_body(const RegisterArgs& r) {
    std::string pem;
    if (!r.public_key.empty()) {
        pem = to_string(take(read_binary_file(r.public_key)));
    } else {
        // The child's identity interface names its status key (checked again by the access test).
        Args child;
        child.url = r.child_url;
        child.cacert = r.a.cacert;
        pem = expect(call(child, false, "GET", "/api/v1/sealsys/identity"), 200).value("public_key", std::string());
    }
    return {{"name", r.name},          {"level", r.level},       {"division_code", r.division},
            {"base_url", r.child_url}, {"province", r.province}, {"city", r.city},
            {"public_key", pem}};
}

void add_registration(CLI::App* c, RegisterArgs& r) {
    add_client(c, r.a);
    c->add_option("--child-url", r.child_url, "Base URL (IP and port) of the system being registered")->required();
    c->add_option("--name", r.name, "System name")->required();
    c->add_option("--level", r.level, "province or city")->required();
    c->add_option("--division", r.division, "Administrative division code (6 digits)")->required();
    c->add_option("--province", r.province, "Province");
    c->add_option("--city", r.city, "City");
    c->add_option("--public-key", r.public_key,
                  "The system's SM2 public key (PEM); default: fetched from its identity interface");
}

}  // namespace

void register_sealsys_hierarchy_commands(CLI::App& top) {
    const std::string base = "/api/v1/sealsys";

    auto reg = std::make_shared<RegisterArgs>();
    auto* rc = top.add_subcommand("register",
                                  "Register a subordinate seal system with this (parent) instance: access test, "
                                  "then wait for the super admin's signed approval (§7.3)");
    add_registration(rc, *reg);
    rc->callback([reg, base] {
        print(expect(call(reg->a, true, "POST", base + "/peers", registration_body(*reg).dump()), 201));
    });

    auto at = std::make_shared<RegisterArgs>();
    auto* ac =
        top.add_subcommand("access-test", "Run the access test (接入测试) against a seal system, registering nothing");
    add_registration(ac, *at);
    ac->callback([at, base] {
        const auto j = expect(call(at->a, true, "POST", base + "/access-test", registration_body(*at).dump()), 200);
        print(j);
        if (!j.value("passed", false)) throw CLI::RuntimeError(1);
    });

    auto* pc = top.add_subcommand("peers", "Registered subordinate seal systems");
    pc->require_subcommand(1);
    auto pa = std::make_shared<Args>();
    auto* pl = pc->add_subcommand("list", "List them");
    add_client(pl, *pa);
    pl->callback([pa, base] { print(expect(call(*pa, true, "GET", base + "/peers"), 200)); });
    auto show_id = std::make_shared<std::string>();
    auto* ps = pc->add_subcommand("show", "Show one");
    add_client(ps, *pa);
    ps->add_option("ID", *show_id, "Peer id")->required();
    ps->callback([pa, show_id, base] { print(expect(call(*pa, true, "GET", base + "/peers/" + *show_id), 200)); });
    struct Approve {
        std::string id, key_file, sm2_id{crypto::k_default_sm2_id};
    };
    auto ap = std::make_shared<Approve>();
    auto* pp = pc->add_subcommand("approve", "Approve a tested system (super admin), signed with your key");
    add_client(pp, *pa);
    pp->add_option("ID", ap->id, "Peer id")->required();
    pp->add_option("--key", ap->key_file, "Your SM2 private key (PKCS#8 PEM)")->required();
    pp->add_option("--sm2-id", ap->sm2_id, "SM2 signer ID")->capture_default_str();
    pp->callback([pa, ap, base] {
        // The hash shown by the server is what the approval signs.
        const auto peer = expect(call(*pa, true, "GET", base + "/peers/" + ap->id), 200);
        const std::string hash = peer.value("payload_sm3", std::string());
        const auto key = take(crypto::Sm2PrivateKey::from_pem(to_string(take(read_binary_file(ap->key_file)))));
        const Bytes sig =
            take(crypto::sm2_sign(key, as_bytes(auth::decision_text("approve", ap->id, hash)), ap->sm2_id));
        const nlohmann::json body{{"signature", base64_encode(sig)}};
        print(expect(call(*pa, true, "POST", base + "/peers/" + ap->id + "/approve", body.dump()), 200));
    });

    struct Parent {
        Args a;
        std::string parent_url, peer_id;
    };
    auto pr = std::make_shared<Parent>();
    auto* prc =
        top.add_subcommand("parent", "Link this system to the parent it was registered with (fetches its certificate)");
    add_client(prc, pr->a);
    prc->add_option("--parent-url", pr->parent_url, "The parent's base URL")->required();
    prc->add_option("--peer-id", pr->peer_id, "Our id at the parent (from `sealsys register`)")->required();
    prc->callback([pr, base] {
        const nlohmann::json body{{"parent_url", pr->parent_url}, {"peer_id", pr->peer_id}};
        print(expect(call(pr->a, true, "POST", base + "/parent", body.dump()), 200));
    });

    auto sa = std::make_shared<Args>();
    auto* sc = top.add_subcommand("sync", "Seal status synchronisation with the parent (signed messages)");
    sc->require_subcommand(1);
    auto* push = sc->add_subcommand("push", "Send status changes up to the parent now");
    add_client(push, *sa);
    push->callback([sa, base] { print(expect(call(*sa, true, "POST", base + "/sync/push-now"), 200)); });
    auto* pull = sc->add_subcommand("pull", "Ask the parent for the statuses it knows");
    add_client(pull, *sa);
    pull->callback([sa, base] { print(expect(call(*sa, true, "POST", base + "/sync/pull-now"), 200)); });
}

}  // namespace yinxin::cli
