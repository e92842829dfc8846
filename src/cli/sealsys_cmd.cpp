#include "sealsys_cmd.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli_util.h"
#include "http_client.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/sealsys/model.h"
#include "yinxin/sealsys/status_list.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::cli {
namespace {

struct ClientArgs {
    std::string url = "http://127.0.0.1:8080";
    std::string cacert;
    std::string token_file;
};

struct Reply {
    unsigned status = 0;
    std::string body;
    nlohmann::json json;
};

Result<Reply> call(const HttpTarget& t, const std::string& token, const std::string& method, const std::string& path,
                   const std::string& body = {}) {
    HttpCall c;
    c.method = method;
    c.path = path;
    c.body = body;
    if (!body.empty()) c.content_type = "application/json";
    if (!token.empty()) c.headers.emplace_back("Authorization", "Bearer " + token);
    c.timeout = std::chrono::seconds(120);
    YX_ASSIGN_OR_RETURN(HttpReply r, http_call(t, c));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return Reply{r.status, r.body, j.is_discarded() ? nlohmann::json() : j};
}

// The problem document of a refused request as an Error with the server's stable code.
Error problem_error(const Reply& r) {
    const auto code = r.json.is_object() ? r.json.value("code", std::uint32_t{0}) : 0U;
    const std::string detail = r.json.is_object() ? r.json.value("detail", std::string()) : std::string();
    return make_error(code != 0 ? static_cast<Errc>(code) : Errc::io_error,
                      "HTTP " + std::to_string(r.status) + (detail.empty() ? "" : ": " + detail));
}

struct Session {
    HttpTarget target;
    std::string token;
};

Session open_session(const ClientArgs& a, bool needs_token = true) {
    Session s;
    s.target = take(parse_http_url(a.url, a.cacert));
    if (needs_token) s.token = take(read_secret(a.token_file, "YINXIN_TOKEN", "session token"));
    return s;
}

Reply expect(Result<Reply> r, unsigned want) {
    Reply reply = take(std::move(r));
    if (reply.status != want) fail(problem_error(reply));
    return reply;
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

void add_client_options(CLI::App* c, ClientArgs& a, bool token = true) {
    c->add_option("--url", a.url, "Server base URL (https://, or http:// on loopback)")->capture_default_str();
    c->add_option("--cacert", a.cacert, "CA certificate(s) the HTTPS server certificate must chain to (PEM)");
    if (token)
        c->add_option("--token-file", a.token_file,
                      "File with the session token from `yinxin staff login` (default: env YINXIN_TOKEN)");
}

void print(const nlohmann::json& j) { std::cout << j.dump(2) << "\n"; }

// --- what the server shows, read back to recompute the payload a decision signs -----------------

std::string text(const nlohmann::json& j, const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

sealsys::SealForm form_from(const nlohmann::json& f) {
    sealsys::SealForm form;
    form.credit_code = text(f, "credit_code");
    form.division_code = text(f, "division_code");
    form.unit_type =
        sealsys::unit_type_from_name(text(f, "unit_type")).value_or(sealsys::UnitType::administrative_organ);
    form.unit_name = text(f, "unit_name");
    form.handler_name = text(f, "handler_name");
    form.handler_id_number = text(f, "handler_id_number");
    form.handler_mobile = text(f, "handler_mobile");
    form.unit_address = text(f, "unit_address");
    form.approving_unit_name = text(f, "approving_unit_name");
    form.approving_division_code = text(f, "approving_division_code");
    form.seal_name = text(f, "seal_name");
    form.seal_type = f.value("seal_type", std::int64_t{1});
    form.picture_type = text(f, "picture_type");
    form.picture = base64_decode(text(f, "picture")).value_or(Bytes{});
    form.width_mm = f.value("width_mm", std::int64_t{0});
    form.height_mm = f.value("height_mm", std::int64_t{0});
    return form;
}

std::vector<sealsys::MaterialInfo> materials_from(const nlohmann::json& j) {
    std::vector<sealsys::MaterialInfo> out;
    for (const auto& m : j) {
        sealsys::MaterialInfo i;
        i.kind = sealsys::material_kind_from_name(text(m, "kind")).value_or(sealsys::MaterialKind::application_letter);
        i.name = text(m, "name");
        i.sm3 = hex_decode(text(m, "sm3")).value_or(Bytes{});
        i.size = m.value("size", std::size_t{0});
        out.push_back(std::move(i));
    }
    return out;
}

Bytes csr_from(const nlohmann::json& j) {
    const std::string pem = text(j, "csr");
    if (pem.empty()) return {};
    return pem_decode(pem, "CERTIFICATE REQUEST").value_or(Bytes{});
}

// The application as shown, with the decision payload hash recomputed here: the member signs what
// they read, not a hash the server asserts.
std::string application_sm3(const nlohmann::json& j) {
    sealsys::SealApplication a;
    a.id = text(j, "id");
    a.org_node = text(j, "org_node");
    a.form = form_from(j.at("form"));
    a.scope = sealsys::code_scope_from_name(text(j, "scope")).value_or(sealsys::CodeScope::industry);
    a.delivery = sealsys::delivery_from_name(text(j, "delivery")).value_or(sealsys::Delivery::token);
    a.csr = csr_from(j);
    a.validity_days = j.value("validity_days", std::uint32_t{0});
    a.materials = materials_from(j.at("materials"));
    a.origin_request = text(j, "origin_request");
    a.replaces = text(j, "replaces");
    std::string mine = hex_encode(sealsys::application_payload_hash(a));
    if (mine != text(j, "payload_sm3"))
        fail(make_error(Errc::seal_application_invalid, "the server's payload_sm3 does not match what it shows"));
    return mine;
}

std::string lifecycle_sm3(const nlohmann::json& j) {
    sealsys::LifecycleRequest r;
    r.id = text(j, "id");
    r.kind = sealsys::lifecycle_kind_from_name(text(j, "kind")).value_or(sealsys::LifecycleKind::cancel);
    r.seal_code = text(j, "seal_code");
    r.org_node = text(j, "org_node");
    r.reason = text(j, "reason");
    r.validity_days = j.value("validity_days", std::uint32_t{0});
    r.csr = csr_from(j);
    if (auto f = j.find("new_form"); f != j.end() && f->is_object()) r.new_form = form_from(*f);
    r.materials = materials_from(j.at("materials"));
    std::string mine = hex_encode(sealsys::lifecycle_payload_hash(r));
    if (mine != text(j, "payload_sm3"))
        fail(make_error(Errc::seal_application_invalid, "the server's payload_sm3 does not match what it shows"));
    return mine;
}

struct DecisionArgs {
    std::string id;
    std::string key_file;
    std::string reason;
    std::string sm2_id{crypto::k_default_sm2_id};
};

// GET the object, recompute its payload hash, sign the decision and POST it.
void run_decision(const ClientArgs& c, const DecisionArgs& d, const std::string& base, const std::string& step,
                  bool lifecycle) {
    const Session s = open_session(c);
    const std::string path = base + "/" + encode(d.id);
    const nlohmann::json shown = expect(call(s.target, s.token, "GET", path), 200).json;
    const std::string hash = lifecycle ? lifecycle_sm3(shown) : application_sm3(shown);
    const auto key = take(crypto::Sm2PrivateKey::from_pem(to_string(take(read_binary_file(d.key_file)))));
    const std::string decision = step == "reject" ? "reject" : "approve";
    const Bytes sig = take(crypto::sm2_sign(key, as_bytes(auth::decision_text(decision, d.id, hash)), d.sm2_id));
    nlohmann::json body{{"signature", base64_encode(sig)}};
    if (step == "reject") body["reason"] = d.reason;
    print(expect(call(s.target, s.token, "POST", path + "/" + step, body.dump()), 200).json);
}

// "kind=path" → a material read from the file.
nlohmann::json material_json(const std::string& spec) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
        fail(make_error(Errc::invalid_argument, "--material takes kind=file, e.g. handler_id=id-card.pdf"));
    const std::string path = spec.substr(eq + 1);
    const Bytes content = take(read_binary_file(path));
    return {{"kind", spec.substr(0, eq)},
            {"name", std::filesystem::path(path).filename().string()},
            {"content", base64_encode(content)}};
}

// The §7.5 form: a JSON file with the fields of docs/seal-system.md; the picture from --picture.
nlohmann::json form_file_json(const std::string& form_file, const std::string& picture_file) {
    auto j = nlohmann::json::parse(to_string(take(read_binary_file(form_file))), nullptr, false);
    if (!j.is_object()) fail(make_error(Errc::invalid_argument, form_file + " is not a JSON object"));
    if (!picture_file.empty()) {
        j["picture"] = base64_encode(take(read_binary_file(picture_file)));
        if (!j.contains("picture_type")) {
            std::string ext = std::filesystem::path(picture_file).extension().string();
            for (char& ch : ext) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            j["picture_type"] = ext == ".JPEG" ? "JPG" : ext.empty() ? "" : ext.substr(1);
        }
    }
    return j;
}

std::string csr_text(const std::string& file) {
    if (file.empty()) return {};
    return pem_encode("CERTIFICATE REQUEST", take(read_der_or_pem(file, "CERTIFICATE REQUEST")));
}

std::vector<x509::Certificate> read_anchors(const std::string& file) {
    const Bytes raw = take(read_binary_file(file));
    const std::string_view pem(reinterpret_cast<const char*>(raw.data()), raw.size());
    if (pem.find("-----BEGIN") != std::string_view::npos) return take(x509::Certificate::parse_pem_all(pem));
    return {take(x509::Certificate::parse(raw))};
}

void print_list(const sealsys::VerifiedRevocationList& v, bool json) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : v.list.entries)
        entries.push_back({{"seal_code", e.seal_code},
                           {"status", sealsys::seal_status_name(e.status)},
                           {"date", format_rfc3339(e.date)},
                           {"reason", e.reason}});
    const nlohmann::json j{{"verified", true},
                           {"current", v.current},
                           {"issuer", v.list.issuer},
                           {"signer", v.signer.subject().to_string()},
                           {"this_update", format_rfc3339(v.list.this_update)},
                           {"next_update", format_rfc3339(v.list.next_update)},
                           {"entries", entries}};
    if (json) {
        print(j);
        return;
    }
    std::cout << "seal revocation list of " << v.list.issuer << " (signed by " << v.signer.subject().to_string()
              << "): verified" << (v.current ? "" : ", NOT CURRENT") << "\n  thisUpdate " << j["this_update"]
              << ", nextUpdate " << j["next_update"] << "\n";
    for (const auto& e : v.list.entries)
        std::cout << "  " << e.seal_code << " " << sealsys::seal_status_name(e.status) << " " << format_rfc3339(e.date)
                  << " " << e.reason << "\n";
}

}  // namespace

void register_sealsys_commands(CLI::App& app) {
    auto* top = app.add_subcommand(
        "sealsys", "Seal making and status publishing (applications, lifecycle, seal status, revocation list)");
    top->require_subcommand(1);
    register_sealsys_hierarchy_commands(*top);
    auto a = std::make_shared<ClientArgs>();
    const std::string apps = "/api/v1/seal/applications";
    const std::string reqs = "/api/v1/seal/lifecycle-requests";

    // --- applications ---
    struct ApplyArgs {
        std::string form;
        std::string picture;
        std::string delivery = "token";
        std::string scope;
        std::string csr;
        std::string org_node;
        unsigned validity_days = 0;
        std::vector<std::string> materials;
    };
    auto ap = std::make_shared<ApplyArgs>();
    auto* apply = top->add_subcommand("apply", "Submit a seal application (申领, §7.5) with its materials (Table 1)");
    apply->add_option("FORM", ap->form, "JSON file with the §7.5 fields (docs/seal-system.md)")->required();
    apply->add_option("--picture", ap->picture, "The seal impression (PNG, JPG or GIF)")->required();
    apply
        ->add_option("--material", ap->materials,
                     "kind=file, repeated: application_letter, handler_id, handler_contact, establishment_document")
        ->required();
    apply->add_option("--delivery", ap->delivery, "token (the handler's USBKey) or central (held for centralized use)")
        ->capture_default_str();
    apply->add_option("--csr", ap->csr, "Token delivery: PKCS#10 (PEM or DER) of the seal key in the token");
    apply->add_option("--scope", ap->scope, "industry (default) or cross_industry (§7.4)");
    apply->add_option("--org-node", ap->org_node, "Organisation node (default: yours)");
    apply->add_option("--validity-days", ap->validity_days, "Shorter than the seal profile's validity");
    add_client_options(apply, *a);
    apply->callback([a, ap, apps] {
        const Session s = open_session(*a);
        nlohmann::json body{{"form", form_file_json(ap->form, ap->picture)},
                            {"delivery", ap->delivery},
                            {"validity_days", ap->validity_days},
                            {"materials", nlohmann::json::array()}};
        for (const auto& m : ap->materials) body["materials"].push_back(material_json(m));
        if (!ap->csr.empty()) body["csr"] = csr_text(ap->csr);
        if (!ap->scope.empty()) body["scope"] = ap->scope;
        if (!ap->org_node.empty()) body["org_node"] = ap->org_node;
        print(expect(call(s.target, s.token, "POST", apps, body.dump()), 201).json);
    });

    auto list_state = std::make_shared<std::string>();
    auto* list = top->add_subcommand("list", "List the seal applications you may see");
    list->add_option("--state", *list_state, "submitted, approved, rejected, made or delivered");
    add_client_options(list, *a);
    list->callback([a, list_state, apps] {
        const Session s = open_session(*a);
        const std::string q = list_state->empty() ? "" : "?state=" + encode(*list_state);
        print(expect(call(s.target, s.token, "GET", apps + q), 200).json);
    });

    auto show_id = std::make_shared<std::string>();
    auto* show = top->add_subcommand("show", "Show one application");
    show->add_option("ID", *show_id, "Application id")->required();
    add_client_options(show, *a);
    show->callback([a, show_id, apps] {
        const Session s = open_session(*a);
        print(expect(call(s.target, s.token, "GET", apps + "/" + encode(*show_id)), 200).json);
    });

    for (const char* step : {"approve", "reject"}) {
        auto d = std::make_shared<DecisionArgs>();
        auto* dc = top->add_subcommand(step, std::string(step) == std::string("approve")
                                                 ? "Approve an application, signed with your SM2 key"
                                                 : "Reject an application with a reason, signed with your SM2 key");
        dc->add_option("ID", d->id, "Application id")->required();
        dc->add_option("--key", d->key_file, "Your SM2 private key (PKCS#8 PEM)")->required();
        dc->add_option("--sm2-id", d->sm2_id, "SM2 signer ID")->capture_default_str();
        if (std::string(step) == "reject") dc->add_option("--reason", d->reason, "Why")->required();
        add_client_options(dc, *a);
        dc->callback([a, d, apps, st = std::string(step)] { run_decision(*a, *d, apps, st, false); });
    }

    auto make_id = std::make_shared<std::string>();
    auto* make = top->add_subcommand("make", "Make the seal of an approved application (code, certificate, SES_Seal)");
    make->add_option("ID", *make_id, "Application id")->required();
    add_client_options(make, *a);
    make->callback([a, make_id, apps] {
        const Session s = open_session(*a);
        print(expect(call(s.target, s.token, "POST", apps + "/" + encode(*make_id) + "/make"), 201).json);
    });

    auto del_id = std::make_shared<std::string>();
    auto received = std::make_shared<std::string>();
    auto* deliver = top->add_subcommand("deliver", "Record the delivery of a made seal");
    deliver->add_option("ID", *del_id, "Application id")->required();
    deliver->add_option("--received-by", *received, "Who received it (default: the handler)");
    add_client_options(deliver, *a);
    deliver->callback([a, del_id, received, apps] {
        const Session s = open_session(*a);
        const nlohmann::json body{{"received_by", *received}};
        print(
            expect(call(s.target, s.token, "POST", apps + "/" + encode(*del_id) + "/deliver", body.dump()), 200).json);
    });

    auto dl_code = std::make_shared<std::string>();
    auto dl_dir = std::make_shared<std::string>(".");
    auto* download = top->add_subcommand("download", "Write a token seal's <code>.esl and <code>.cer.pem");
    download->add_option("CODE", *dl_code, "Seal code")->required();
    download->add_option("--out-dir", *dl_dir, "Directory for the files")->capture_default_str();
    add_client_options(download, *a);
    download->callback([a, dl_code, dl_dir] {
        const Session s = open_session(*a);
        const nlohmann::json p =
            expect(call(s.target, s.token, "GET", "/api/v1/seal/seals/" + encode(*dl_code) + "/package"), 200).json;
        const auto dir = std::filesystem::path(*dl_dir);
        const std::string esl = (dir / (*dl_code + ".esl")).string();
        const std::string cer = (dir / (*dl_code + ".cer.pem")).string();
        check(write_binary_file(esl, take(base64_decode(text(p, "ses_seal")))));
        std::string chain = text(p, "certificate");
        for (const auto& c : p.at("chain")) chain += c.get<std::string>();
        check(write_binary_file(cer, as_bytes(chain)));
        print({{"seal_code", *dl_code}, {"seal", esl}, {"certificates", cer}});
    });

    // --- seals ---
    auto seals_state = std::make_shared<std::string>();
    auto* seals = top->add_subcommand("seals", "List the seals you may see, or show one");
    auto seal_code = std::make_shared<std::string>();
    seals->add_option("CODE", *seal_code, "Seal code (omit to list)");
    seals->add_option("--state", *seals_state, "valid, lost or cancelled");
    add_client_options(seals, *a);
    seals->callback([a, seals_state, seal_code] {
        const Session s = open_session(*a);
        if (!seal_code->empty()) {
            print(expect(call(s.target, s.token, "GET", "/api/v1/seal/seals/" + encode(*seal_code)), 200).json);
            return;
        }
        const std::string q = seals_state->empty() ? "" : "?state=" + encode(*seals_state);
        print(expect(call(s.target, s.token, "GET", "/api/v1/seal/seals" + q), 200).json);
    });

    // --- lifecycle ---
    auto* lc = top->add_subcommand("lifecycle", "Change, loss, cancellation, renewal, replacement (§7.6-§7.10)");
    lc->require_subcommand(1);
    struct RequestArgs {
        std::string kind;
        std::string seal;
        std::string reason;
        std::vector<std::string> materials;
        std::string csr;
        std::string new_form;
        std::string picture;
        unsigned validity_days = 0;
    };
    auto ra = std::make_shared<RequestArgs>();
    auto* lr = lc->add_subcommand("request", "Ask for a lifecycle operation with its materials (Tables 2-6)");
    lr->add_option("--kind", ra->kind, "change, loss, cancel, renew or replace")->required();
    lr->add_option("--seal", ra->seal, "Seal code")->required();
    lr->add_option("--reason", ra->reason, "Why")->required();
    lr->add_option("--material", ra->materials,
                   "kind=file, repeated: reason_statement, handler_id, handler_contact, establishment_document")
        ->required();
    lr->add_option("--csr", ra->csr, "Token seal: PKCS#10 of the new key (change, replace; renew optional)");
    lr->add_option("--new-form", ra->new_form, "Change: JSON file with the new seal's §7.5 fields");
    lr->add_option("--picture", ra->picture, "Change: the new seal impression");
    lr->add_option("--validity-days", ra->validity_days, "Validity of the new certificate");
    add_client_options(lr, *a);
    lr->callback([a, ra, reqs] {
        const Session s = open_session(*a);
        nlohmann::json body{{"kind", ra->kind},
                            {"seal_code", ra->seal},
                            {"reason", ra->reason},
                            {"validity_days", ra->validity_days},
                            {"materials", nlohmann::json::array()}};
        for (const auto& m : ra->materials) body["materials"].push_back(material_json(m));
        if (!ra->csr.empty()) body["csr"] = csr_text(ra->csr);
        if (!ra->new_form.empty()) body["new_form"] = form_file_json(ra->new_form, ra->picture);
        print(expect(call(s.target, s.token, "POST", reqs, body.dump()), 201).json);
    });
    auto lc_state = std::make_shared<std::string>();
    auto lc_seal = std::make_shared<std::string>();
    auto* ll = lc->add_subcommand("list", "List lifecycle requests");
    ll->add_option("--state", *lc_state, "submitted, approved, rejected or completed");
    ll->add_option("--seal", *lc_seal, "Only this seal's");
    add_client_options(ll, *a);
    ll->callback([a, lc_state, lc_seal, reqs] {
        const Session s = open_session(*a);
        std::string q;
        if (!lc_state->empty()) q += "state=" + encode(*lc_state);
        if (!lc_seal->empty()) q += (q.empty() ? "" : "&") + std::string("seal_code=") + encode(*lc_seal);
        print(expect(call(s.target, s.token, "GET", reqs + (q.empty() ? "" : "?" + q)), 200).json);
    });
    auto lc_show = std::make_shared<std::string>();
    auto* ls = lc->add_subcommand("show", "Show one lifecycle request");
    ls->add_option("ID", *lc_show, "Request id")->required();
    add_client_options(ls, *a);
    ls->callback([a, lc_show, reqs] {
        const Session s = open_session(*a);
        print(expect(call(s.target, s.token, "GET", reqs + "/" + encode(*lc_show)), 200).json);
    });
    for (const char* step : {"approve", "reject"}) {
        auto d = std::make_shared<DecisionArgs>();
        auto* dc = lc->add_subcommand(step, std::string(step) + " a lifecycle request, signed with your SM2 key");
        dc->add_option("ID", d->id, "Request id")->required();
        dc->add_option("--key", d->key_file, "Your SM2 private key (PKCS#8 PEM)")->required();
        dc->add_option("--sm2-id", d->sm2_id, "SM2 signer ID")->capture_default_str();
        if (std::string(step) == "reject") dc->add_option("--reason", d->reason, "Why")->required();
        add_client_options(dc, *a);
        dc->callback([a, d, reqs, st = std::string(step)] { run_decision(*a, *d, reqs, st, true); });
    }
    auto ex_id = std::make_shared<std::string>();
    auto* ex = lc->add_subcommand("execute", "Carry out an approved request (revocation, new seal or certificate)");
    ex->add_option("ID", *ex_id, "Request id")->required();
    add_client_options(ex, *a);
    ex->callback([a, ex_id, reqs] {
        const Session s = open_session(*a);
        print(expect(call(s.target, s.token, "POST", reqs + "/" + encode(*ex_id) + "/execute"), 200).json);
    });

    // --- online renewal (§7.9 note) ---
    auto rn_code = std::make_shared<std::string>();
    auto rn_key = std::make_shared<std::string>();
    auto rn_days = std::make_shared<unsigned>(0);
    auto* rn = top->add_subcommand("renew-online", "Self-service renewal signed with the seal's own key");
    rn->add_option("CODE", *rn_code, "Seal code")->required();
    rn->add_option("--seal-key", *rn_key, "The seal's SM2 private key (PKCS#8 PEM; a token exports no key: tests)")
        ->required();
    rn->add_option("--validity-days", *rn_days, "Validity of the new certificate");
    add_client_options(rn, *a);
    rn->callback([a, rn_code, rn_key, rn_days] {
        const Session s = open_session(*a);
        const std::string path = "/api/v1/seal/seals/" + encode(*rn_code);
        const nlohmann::json seal = expect(call(s.target, s.token, "GET", path), 200).json;
        const x509::Certificate cert = take(x509::Certificate::parse_pem(text(seal, "certificate_pem")));
        const auto key = take(crypto::Sm2PrivateKey::from_pem(to_string(take(read_binary_file(*rn_key)))));
        const std::string t = sealsys::online_renewal_text(*rn_code, cert.serial_hex(), *rn_days);
        const Bytes sig = take(crypto::sm2_sign(key, as_bytes(t)));
        const nlohmann::json body{{"validity_days", *rn_days}, {"signature", base64_encode(sig)}};
        print(expect(call(s.target, s.token, "POST", path + "/renew-online", body.dump()), 201).json);
    });

    // --- status publishing (public) ---
    auto st_code = std::make_shared<std::string>();
    auto* st = top->add_subcommand("status", "The published status of a seal (no login)");
    st->add_option("CODE", *st_code, "Seal code")->required();
    add_client_options(st, *a, false);
    st->callback([a, st_code] {
        const Session s = open_session(*a, false);
        print(expect(call(s.target, {}, "GET", "/api/v1/seal-status/" + encode(*st_code)), 200).json);
    });

    auto* rl = top->add_subcommand("revocation-list", "The signed seal revocation list");
    rl->require_subcommand(1);
    struct ListArgs {
        std::string out;
        std::string file;
        std::string trust;
        std::string sm2_id{crypto::k_default_sm2_id};
        bool json = false;
    };
    auto la = std::make_shared<ListArgs>();
    auto* fetch = rl->add_subcommand("fetch", "Download the list (no login); verify it when --trust is given");
    fetch->add_option("--out", la->out, "Where to write the list (DER SignedData)");
    fetch->add_option("--trust", la->trust, "Seal root certificate(s) (PEM or DER) to verify against");
    fetch->add_flag("--json", la->json, "Print JSON");
    add_client_options(fetch, *a, false);
    fetch->callback([a, la] {
        const Session s = open_session(*a, false);
        const Reply r = expect(call(s.target, {}, "GET", "/api/v1/seal-status/revocation-list"), 200);
        const Bytes der = to_bytes(r.body);
        if (!la->out.empty()) check(write_binary_file(la->out, der));
        if (la->trust.empty()) {
            std::cout << "fetched " << der.size() << " bytes" << (la->out.empty() ? "" : " into " + la->out)
                      << " (not verified: no --trust)\n";
            return;
        }
        print_list(take(sealsys::verify_revocation_list(der, read_anchors(la->trust), SystemClock().now(), la->sm2_id)),
                   la->json);
    });
    auto* verify = rl->add_subcommand("verify", "Verify a downloaded list against the seal root");
    verify->add_option("FILE", la->file, "The list (DER SignedData)")->required();
    verify->add_option("--trust", la->trust, "Seal root certificate(s) (PEM or DER)")->required();
    verify->add_option("--sm2-id", la->sm2_id, "SM2 signer ID")->capture_default_str();
    verify->add_flag("--json", la->json, "Print JSON");
    verify->callback([la] {
        const Bytes der = take(read_binary_file(la->file));
        print_list(take(sealsys::verify_revocation_list(der, read_anchors(la->trust), SystemClock().now(), la->sm2_id)),
                   la->json);
    });
}

}  // namespace yinxin::cli
