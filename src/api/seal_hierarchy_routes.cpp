#include "yinxin/api/seal_hierarchy_routes.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "route_util.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::api {
namespace {

using namespace route_util;
using sealsys::Caller;

std::string pem_of(BytesView der) {
    auto c = x509::Certificate::parse(der);
    return c ? c->pem() : std::string();
}

Result<sealsys::PeerRegistration> registration_of(const nlohmann::json& j) {
    sealsys::PeerRegistration r;
    YX_ASSIGN_OR_RETURN(r.name, text_field(j, "name"));
    YX_ASSIGN_OR_RETURN(std::string level, text_field(j, "level"));
    auto l = sealsys::system_level_from_name(level);
    if (!l) return bad_request("level must be ministry, province or city");
    r.level = *l;
    YX_ASSIGN_OR_RETURN(r.division_code, text_field(j, "division_code"));
    YX_ASSIGN_OR_RETURN(r.base_url, text_field(j, "base_url"));
    YX_ASSIGN_OR_RETURN(r.province, text_field(j, "province", false));
    YX_ASSIGN_OR_RETURN(r.city, text_field(j, "city", false));
    YX_ASSIGN_OR_RETURN(std::string pem, text_field(j, "public_key"));
    auto key = crypto::Sm2PublicKey::from_pem(pem);
    if (!key) return make_error(Errc::seal_application_invalid, "public_key: not an SM2 public key (PEM)");
    r.public_key = key->spki_der();
    return r;
}

nlohmann::json checks_json(const std::vector<sealsys::AccessCheck>& checks) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& c : checks) a.push_back({{"name", c.name}, {"passed", c.passed}, {"message", c.message}});
    return a;
}

nlohmann::json opt_time(const std::optional<TimePoint>& t) {
    return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json();
}

nlohmann::json peer_json(const sealsys::PeerRecord& p) {
    const auto& r = p.registration;
    auto key = crypto::Sm2PublicKey::from_spki_der(r.public_key);
    nlohmann::json j{{"id", p.id},
                     {"name", r.name},
                     {"level", sealsys::system_level_name(r.level)},
                     {"division_code", r.division_code},
                     {"base_url", r.base_url},
                     {"province", r.province},
                     {"city", r.city},
                     {"public_key", key ? key->pem() : std::string()},
                     {"state", sealsys::peer_state_name(p.state)},
                     {"access_report", checks_json(p.access_report)},
                     {"tested_at", format_rfc3339(p.tested_at)},
                     {"submitted_by", p.submitted_by},
                     {"approved_by", p.approved_by},
                     {"approved_at", opt_time(p.approved_at)},
                     {"serial", p.serial_hex},
                     {"last_sequence", p.last_sequence},
                     {"last_sync_at", opt_time(p.last_sync_at)},
                     {"payload_sm3", hex_encode(sealsys::peer_payload_hash(p))}};
    if (!p.certificate_der.empty()) j["certificate"] = pem_of(p.certificate_der);
    return j;
}

// The TLS client certificate of a peer call, for the audit record: subject and SM3 fingerprint.
std::string tls_client_note(const Request& req) {
    if (req.client_cert_der.empty()) return {};
    const auto fp = crypto::sm3(req.client_cert_der);
    std::string subject = "?";
    if (auto c = x509::Certificate::parse(req.client_cert_der); c) subject = c->subject().to_string();
    return "TLS client " + subject + " (SM3 " + hex_encode(BytesView(fp.data(), fp.size())) + ")";
}

nlohmann::json sync_json(const sealsys::SyncResult& r) {
    return {{"sent", r.sent}, {"accepted", r.accepted}, {"sequence", r.sequence}};
}

using ChangingBody = ServiceBody<Caller>;

class Routes : public std::enable_shared_from_this<Routes> {
public:
    explicit Routes(const SealHierarchyApi& api) : m_api(api) {}

    Status add(Server& server) {
        const RouteOptions small_body{.consumes = {k_json}, .max_body_bytes = std::uint64_t{64} * 1024};
        const RouteOptions sync_body{.consumes = {k_json}, .max_body_bytes = std::uint64_t{32} * 1024 * 1024};
        sealsys::Hierarchy& h = *m_api.hierarchy;
        const std::string base = "/api/v1/sealsys";

        route(server, "GET", base + "/identity", [&h](const Request&) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(auto id, h.identity());
            auto key = crypto::Sm2PublicKey::from_spki_der(id.public_key);
            return Response::json({{"name", id.name},
                                   {"level", sealsys::system_level_name(id.level)},
                                   {"public_key", key ? key->pem() : std::string()},
                                   {"status_certificate", pem_of(id.status_certificate_der)},
                                   {"seal_ca_certificate", pem_of(id.seal_ca_certificate_der)}});
        });
        route(
            server, "POST", base + "/probe",
            [this, &h](const Request& req) -> Result<Response> {
                YX_TRY(peer_transport(req));
                YX_ASSIGN_OR_RETURN(Bytes nonce, base64_field(req.json, "nonce"));
                YX_ASSIGN_OR_RETURN(std::string url, text_field(req.json, "base_url"));
                YX_ASSIGN_OR_RETURN(Bytes sig, h.sign_probe(nonce, url));
                return Response::json({{"signature", base64_encode(sig)}});
            },
            small_body);
        route(server, "POST", base + "/access-test",
              changing("sealsys.access_test",
                       [&h](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(auto reg, registration_of(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto checks, h.access_test(who, reg));
                           bool passed = true;
                           for (const auto& c : checks) passed = passed && c.passed;
                           return Response::json({{"passed", passed}, {"checks", checks_json(checks)}});
                       }),
              small_body);
        route(server, "POST", base + "/peers",
              changing("sealsys.peer.submit",
                       [&h](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(auto reg, registration_of(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto p, h.submit_peer(who, reg));
                           return Response::json(peer_json(p), 201);
                       }),
              small_body);
        route(server, "GET", base + "/peers", [this, &h](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(auto peers, h.list_peers(who));
            nlohmann::json a = nlohmann::json::array();
            for (const auto& p : peers) a.push_back(peer_json(p));
            return Response::json({{"peers", a}});
        });
        route(server, "GET", base + "/peers/{id}", [this, &h](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(auto p, h.get_peer(who, req.path_param("id")));
            return Response::json(peer_json(p));
        });
        route(server, "POST", base + "/peers/{id}/approve",
              changing("sealsys.peer.approve",
                       [&h](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(Bytes sig, base64_field(req.json, "signature"));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto p, h.approve_peer(who, req.path_param("id"), sig));
                           return Response::json(peer_json(p));
                       }),
              small_body);
        route(server, "GET", base + "/peers/{id}/certificate", [&h](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(auto c, h.peer_certificate(req.path_param("id")));
            return Response::json({{"certificate", pem_of(c.certificate_der)},
                                   {"seal_ca_certificate", pem_of(c.seal_ca_der)},
                                   {"status_certificate", pem_of(c.status_certificate_der)}});
        });
        route(server, "POST", base + "/parent",
              changing("sealsys.parent.link",
                       [&h](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(std::string url, text_field(req.json, "parent_url"));
                           YX_ASSIGN_OR_RETURN(std::string peer, text_field(req.json, "peer_id"));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto l, h.link_parent(who, url, peer));
                           return Response::json({{"parent_url", l.parent_url},
                                                  {"peer_id", l.peer_id},
                                                  {"certificate", pem_of(l.certificate_der)},
                                                  {"linked_at", format_rfc3339(l.linked_at)}});
                       }),
              small_body);
        route(server, "GET", base + "/parent", [this, &h](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Caller who, caller(req));
            (void)who;
            YX_ASSIGN_OR_RETURN(auto l, h.parent_link());
            if (!l) return make_error(Errc::seal_not_found, "this seal system has no parent");
            return Response::json({{"parent_url", l->parent_url},
                                   {"peer_id", l->peer_id},
                                   {"certificate", pem_of(l->certificate_der)},
                                   {"next_sequence", l->next_sequence},
                                   {"pushed_event_id", l->pushed_event_id},
                                   {"pushed_remote_version", l->pushed_remote_version},
                                   {"pulled_version", l->pulled_version}});
        });
        route(
            server, "POST", base + "/sync",
            [this, &h](const Request& req) -> Result<Response> {
                YX_TRY(peer_transport(req));
                auto message = base64_field(req.json, "message");
                auto sig = base64_field(req.json, "signature");
                if (!message || !sig)
                    return make_error(Errc::seal_bad_sync_message, "sync message: message and signature (base64)");
                YX_ASSIGN_OR_RETURN(
                    auto r, h.receive_sync(Caller{"seal-system", req.peer}, *message, *sig, tls_client_note(req)));
                return Response::json(sync_json(r));
            },
            sync_body);
        route(
            server, "POST", base + "/sync/pull",
            [this, &h](const Request& req) -> Result<Response> {
                YX_TRY(peer_transport(req));
                auto peer = text_field(req.json, "peer_id");
                auto after = int_field(req.json, "after", std::nullopt);
                auto time = int_field(req.json, "time", std::nullopt);
                auto sig = base64_field(req.json, "signature");
                if (!peer || !after || !time || !sig)
                    return make_error(Errc::seal_bad_sync_message, "pull: peer_id, after, time and signature");
                YX_ASSIGN_OR_RETURN(auto m, h.answer_pull(Caller{"seal-system", req.peer}, *peer, *after, *time, *sig,
                                                          tls_client_note(req)));
                return Response::json(
                    {{"message", base64_encode(m.message)}, {"signature", base64_encode(m.signature)}});
            },
            small_body);
        route(server, "POST", base + "/sync/push-now",
              changing("sealsys.sync.push", [&h](const Request&, const Caller& who, bool& reached) -> Result<Response> {
                  reached = true;
                  YX_ASSIGN_OR_RETURN(auto r, h.push_to_parent(who));
                  return Response::json(sync_json(r));
              }));
        route(server, "POST", base + "/sync/pull-now",
              changing("sealsys.sync.pull", [&h](const Request&, const Caller& who, bool& reached) -> Result<Response> {
                  reached = true;
                  YX_ASSIGN_OR_RETURN(auto r, h.pull_from_parent(who));
                  return Response::json(sync_json(r));
              }));
        return m_status;
    }

private:
    // Peer routes over mutual TLS (serve with TLS): the server verified the client certificate
    // against --client-ca during the handshake; without one the caller is not a seal system. The
    // refusal is audited (the receiving action), so probing attempts are visible.
    Status peer_transport(const Request& req) const {
        if (!m_api.require_client_cert || !req.client_cert_der.empty()) return ok_status();
        Error e = make_error(Errc::api_unauthenticated,
                             "seal system calls need mutual TLS: no verified TLS client certificate");
        audit::AuditEvent ev;
        ev.source = req.peer;
        ev.actor = "anonymous";
        ev.role = "seal_system";
        ev.action = req.route == "/api/v1/sealsys/sync"        ? "sealsys.sync.receive"
                    : req.route == "/api/v1/sealsys/sync/pull" ? "sealsys.sync.answer"
                                                               : "sealsys.probe";
        ev.target = req.path;
        ev.detail = req.method + " " + req.path + " without a TLS client certificate";
        ev.failed(e);
        YX_TRY(m_api.audit->append(ev));
        return e;
    }

    Result<Caller> caller(const Request& req) const {
        YX_ASSIGN_OR_RETURN(auth::StaffRecord me, bearer_caller(*m_api.auth, req));
        return Caller{me.id, req.peer};
    }

    // Failures before the hierarchy is reached (authentication, malformed body) are audited here.
    Handler changing(std::string action, ChangingBody body) {
        return service_audited<Caller>(m_api.audit, m_api.auth, std::move(action), std::move(body));
    }

    void route(Server& server, std::string method, std::string pattern, Handler handler, RouteOptions options = {}) {
        add_owned_route(server, m_status, shared_from_this(), std::move(method), std::move(pattern), std::move(handler),
                        std::move(options));
    }

    SealHierarchyApi m_api;
    Status m_status;
};

}  // namespace

Status add_seal_hierarchy_routes(Server& server, const SealHierarchyApi& api) {
    if (api.hierarchy == nullptr || api.auth == nullptr || api.audit == nullptr)
        return make_error(Errc::api_bad_config,
                          "seal hierarchy routes need the hierarchy, the auth service and the audit log");
    return std::make_shared<Routes>(api)->add(server);
}

}  // namespace yinxin::api
