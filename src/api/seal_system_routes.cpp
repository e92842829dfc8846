#include "yinxin/api/seal_system_routes.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "route_util.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::api {
namespace {

using namespace route_util;
using sealsys::Caller;

nlohmann::json time_json(const std::optional<TimePoint>& t) {
    if (!t) return nullptr;
    return format_rfc3339(*t);
}

nlohmann::json form_json(const sealsys::SealForm& f) {
    return {{"credit_code", f.credit_code},
            {"division_code", f.division_code},
            {"unit_type", sealsys::unit_type_name(f.unit_type)},
            {"unit_name", f.unit_name},
            {"handler_name", f.handler_name},
            {"handler_id_number", f.handler_id_number},
            {"handler_mobile", f.handler_mobile},
            {"unit_address", f.unit_address},
            {"approving_unit_name", f.approving_unit_name},
            {"approving_division_code", f.approving_division_code},
            {"seal_name", f.seal_name},
            {"seal_type", f.seal_type},
            {"picture_type", f.picture_type},
            {"picture", base64_encode(f.picture)},
            {"width_mm", f.width_mm},
            {"height_mm", f.height_mm}};
}

nlohmann::json materials_json(const std::vector<sealsys::MaterialInfo>& ms) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : ms)
        out.push_back({{"kind", sealsys::material_kind_name(m.kind)},
                       {"name", m.name},
                       {"sm3", hex_encode(m.sm3)},
                       {"size", m.size}});
    return out;
}

nlohmann::json application_json(const sealsys::SealApplication& a) {
    return {{"id", a.id},
            {"state", sealsys::application_state_name(a.state)},
            {"org_node", a.org_node},
            {"form", form_json(a.form)},
            {"scope", sealsys::code_scope_name(a.scope)},
            {"delivery", sealsys::delivery_name(a.delivery)},
            {"csr", a.csr.empty() ? nlohmann::json(nullptr) : nlohmann::json(pem_encode("CERTIFICATE REQUEST", a.csr))},
            {"validity_days", a.validity_days},
            {"materials", materials_json(a.materials)},
            {"payload_sm3", hex_encode(sealsys::application_payload_hash(a))},
            {"submitted_by", a.submitted_by},
            {"submitted_at", format_rfc3339(a.submitted_at)},
            {"approved_by", a.approved_by},
            {"approved_at", time_json(a.approved_at)},
            {"approval_signature", a.approval_signature},
            {"rejected_by", a.rejected_by},
            {"rejected_at", time_json(a.rejected_at)},
            {"reject_reason", a.reject_reason},
            {"made_by", a.made_by},
            {"made_at", time_json(a.made_at)},
            {"seal_code", a.seal_code},
            {"delivered_by", a.delivered_by},
            {"delivered_at", time_json(a.delivered_at)},
            {"received_by", a.received_by},
            {"origin_request", a.origin_request},
            {"replaces", a.replaces}};
}

nlohmann::json seal_json(const sealsys::SealRecord& s) {
    return {{"seal_code", s.seal_code},
            {"application_id", s.application_id},
            {"org_node", s.org_node},
            {"credit_code", s.credit_code},
            {"division_code", s.division_code},
            {"unit_name", s.unit_name},
            {"seal_name", s.seal_name},
            {"seal_type", s.seal_type},
            {"delivery", sealsys::delivery_name(s.delivery)},
            {"scope", sealsys::code_scope_name(s.scope)},
            {"state", sealsys::seal_state_name(s.state)},
            {"certificate", s.ca_id + ":" + s.serial_hex},
            {"certificate_pem", pem_encode("CERTIFICATE", s.certificate_der)},
            {"ses_seal", base64_encode(s.ses_seal_der)},
            {"device_key_label", s.device_key_label},
            {"valid_from", format_rfc3339(s.valid_from)},
            {"valid_to", format_rfc3339(s.valid_to)},
            {"generation", s.generation},
            {"made_by", s.made_by},
            {"made_at", format_rfc3339(s.made_at)},
            {"changed_at", format_rfc3339(s.changed_at)},
            {"state_reason", s.state_reason},
            {"replaces", s.replaces},
            {"replaced_by", s.replaced_by},
            {"filing_ref", s.filing_ref}};
}

nlohmann::json lifecycle_json(const sealsys::LifecycleRequest& r) {
    return {{"id", r.id},
            {"kind", sealsys::lifecycle_kind_name(r.kind)},
            {"seal_code", r.seal_code},
            {"org_node", r.org_node},
            {"state", sealsys::request_state_name(r.state)},
            {"reason", r.reason},
            {"materials", materials_json(r.materials)},
            {"new_form", r.new_form ? form_json(*r.new_form) : nlohmann::json(nullptr)},
            {"csr", r.csr.empty() ? nlohmann::json(nullptr) : nlohmann::json(pem_encode("CERTIFICATE REQUEST", r.csr))},
            {"validity_days", r.validity_days},
            {"online", r.online},
            {"payload_sm3", hex_encode(sealsys::lifecycle_payload_hash(r))},
            {"submitted_by", r.submitted_by},
            {"submitted_at", format_rfc3339(r.submitted_at)},
            {"approved_by", r.approved_by},
            {"approved_at", time_json(r.approved_at)},
            {"approval_signature", r.approval_signature},
            {"rejected_by", r.rejected_by},
            {"rejected_at", time_json(r.rejected_at)},
            {"reject_reason", r.reject_reason},
            {"completed_by", r.completed_by},
            {"completed_at", time_json(r.completed_at)},
            {"result", r.result}};
}

Result<std::size_t> limit_param(const Request& req) {
    auto v = req.query_param("limit");
    if (!v) return std::size_t{100};
    auto n = parse_u64(*v);
    if (!n || *n == 0 || *n > sealsys::k_max_page) return bad_request("limit must be 1..1000");
    return static_cast<std::size_t>(*n);
}

Result<Bytes> signature_field(const nlohmann::json& body) {
    YX_ASSIGN_OR_RETURN(std::string text, text_field(body, "signature"));
    auto sig = base64_decode(text);
    if (!sig || sig->empty()) return bad_request("field \"signature\" must be base64 (DER SM2 signature)");
    return std::move(sig).value();
}

Result<std::uint32_t> days_field(const nlohmann::json& j) {
    YX_ASSIGN_OR_RETURN(std::int64_t days, int_field(j, "validity_days", 0));
    if (days < 0 || days > 36500) return bad_request("validity_days must be 0..36500");
    return static_cast<std::uint32_t>(days);
}

// A PKCS#10 as PEM text or base64 DER; empty when absent.
Result<Bytes> csr_field(const nlohmann::json& j) {
    YX_ASSIGN_OR_RETURN(std::string text, text_field(j, "csr", false));
    if (text.empty()) return Bytes{};
    if (text.find("-----BEGIN") != std::string::npos) return to_bytes(text);
    auto der = base64_decode(text);
    if (!der) return bad_request("field \"csr\" must be a PEM PKCS#10 or base64 DER");
    return std::move(der).value();
}

Result<sealsys::SealForm> form_of(const nlohmann::json& j) {
    if (!j.is_object()) return bad_request("field \"form\" must be an object");
    sealsys::SealForm f;
    YX_ASSIGN_OR_RETURN(f.credit_code, text_field(j, "credit_code"));
    YX_ASSIGN_OR_RETURN(f.division_code, text_field(j, "division_code"));
    YX_ASSIGN_OR_RETURN(std::string unit_type, text_field(j, "unit_type"));
    auto t = sealsys::unit_type_from_name(unit_type);
    if (!t) return bad_request("unit_type must be administrative_organ or public_institution");
    f.unit_type = *t;
    YX_ASSIGN_OR_RETURN(f.unit_name, text_field(j, "unit_name"));
    YX_ASSIGN_OR_RETURN(f.handler_name, text_field(j, "handler_name"));
    YX_ASSIGN_OR_RETURN(f.handler_id_number, text_field(j, "handler_id_number"));
    YX_ASSIGN_OR_RETURN(f.handler_mobile, text_field(j, "handler_mobile"));
    YX_ASSIGN_OR_RETURN(f.unit_address, text_field(j, "unit_address"));
    YX_ASSIGN_OR_RETURN(f.approving_unit_name, text_field(j, "approving_unit_name"));
    YX_ASSIGN_OR_RETURN(f.approving_division_code, text_field(j, "approving_division_code"));
    YX_ASSIGN_OR_RETURN(f.seal_name, text_field(j, "seal_name"));
    YX_ASSIGN_OR_RETURN(f.seal_type, int_field(j, "seal_type", 1));
    YX_ASSIGN_OR_RETURN(f.picture_type, text_field(j, "picture_type"));
    YX_ASSIGN_OR_RETURN(f.picture, base64_field(j, "picture"));
    YX_ASSIGN_OR_RETURN(f.width_mm, int_field(j, "width_mm", std::nullopt));
    YX_ASSIGN_OR_RETURN(f.height_mm, int_field(j, "height_mm", std::nullopt));
    return f;
}

Result<std::vector<sealsys::Material>> materials_of(const nlohmann::json& j) {
    auto it = j.find("materials");
    if (it == j.end() || !it->is_array()) return bad_request("field \"materials\" must be an array");
    std::vector<sealsys::Material> out;
    for (const auto& e : *it) {
        if (!e.is_object()) return bad_request("each material is an object {kind, name, content}");
        sealsys::Material m;
        YX_ASSIGN_OR_RETURN(std::string kind, text_field(e, "kind"));
        auto k = sealsys::material_kind_from_name(kind);
        if (!k)
            return bad_request(
                "material kind must be application_letter, reason_statement, handler_id, "
                "handler_contact or establishment_document");
        m.kind = *k;
        YX_ASSIGN_OR_RETURN(m.name, text_field(e, "name"));
        YX_ASSIGN_OR_RETURN(m.content, base64_field(e, "content"));
        out.push_back(std::move(m));
    }
    return out;
}

Result<std::size_t> index_param(std::string_view s) {
    auto n = parse_u64(s);
    if (!n || *n >= sealsys::k_max_materials) return bad_request("material index must be 0..15");
    return static_cast<std::size_t>(*n);
}

// A state-changing body: gets the authenticated caller; sets `reached` just before it calls the
// registry (which audits from then on).
using ChangingBody = ServiceBody<Caller>;

class Routes : public std::enable_shared_from_this<Routes> {
public:
    explicit Routes(const SealSystemApi& api) : m_api(api) {}

    Status add(Server& server) {
        // A form with its picture and four scanned materials.
        const RouteOptions json_body{.consumes = {k_json}, .max_body_bytes = std::uint64_t{48} * 1024 * 1024};
        const RouteOptions small_body{.consumes = {k_json}, .max_body_bytes = std::uint64_t{64} * 1024};
        sealsys::SealRegistry& reg = *m_api.registry;
        const std::string apps = "/api/v1/seal/applications";
        const std::string seals = "/api/v1/seal/seals";
        const std::string reqs = "/api/v1/seal/lifecycle-requests";

        // --- applications ---
        route(server, "POST", apps,
              changing("seal.application.submit",
                       [&reg](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           sealsys::NewApplication in;
                           YX_ASSIGN_OR_RETURN(in.org_node, text_field(req.json, "org_node", false));
                           auto f = req.json.find("form");
                           if (f == req.json.end()) return bad_request("field \"form\" is required");
                           YX_ASSIGN_OR_RETURN(in.form, form_of(*f));
                           YX_ASSIGN_OR_RETURN(std::string scope, text_field(req.json, "scope", false));
                           if (!scope.empty()) {
                               auto s = sealsys::code_scope_from_name(scope);
                               if (!s) return bad_request("scope must be industry or cross_industry");
                               in.scope = *s;
                           }
                           YX_ASSIGN_OR_RETURN(std::string delivery, text_field(req.json, "delivery"));
                           auto d = sealsys::delivery_from_name(delivery);
                           if (!d) return bad_request("delivery must be token or central");
                           in.delivery = *d;
                           YX_ASSIGN_OR_RETURN(in.csr, csr_field(req.json));
                           YX_ASSIGN_OR_RETURN(in.validity_days, days_field(req.json));
                           YX_ASSIGN_OR_RETURN(in.materials, materials_of(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(sealsys::SealApplication a, reg.submit(who, in));
                           return Response::json(application_json(a), 201);
                       }),
              json_body);
        route(server, "GET", apps, [this, &reg](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Caller who, caller(req));
            std::optional<sealsys::ApplicationState> state;
            if (auto s = req.query_param("state"); s && !s->empty()) {
                state = sealsys::application_state_from_name(*s);
                if (!state) return bad_request("state must be submitted, approved, rejected, made or delivered");
            }
            YX_ASSIGN_OR_RETURN(std::size_t limit, limit_param(req));
            YX_ASSIGN_OR_RETURN(auto list,
                                reg.list_applications(who, state, req.query_param("after").value_or(""), limit));
            nlohmann::json items = nlohmann::json::array();
            for (const auto& a : list) items.push_back(application_json(a));
            return Response::json({{"applications", items}});
        });
        route(server, "GET", apps + "/{id}", [this, &reg](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(sealsys::SealApplication a, reg.get_application(who, req.path_param("id")));
            return Response::json(application_json(a));
        });
        route(server, "GET", apps + "/{id}/materials/{n}", [this, &reg](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(std::size_t n, index_param(req.path_param("n")));
            YX_ASSIGN_OR_RETURN(sealsys::Material m, reg.material(who, req.path_param("id"), n));
            Response res = Response::text(to_string(m.content), "application/octet-stream");
            res.headers.emplace_back("X-Material-Kind", std::string(sealsys::material_kind_name(m.kind)));
            return res;
        });
        route(server, "POST", apps + "/{id}/approve",
              changing("seal.application.approve",
                       [&reg](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(Bytes sig, signature_field(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto a, reg.approve(who, req.path_param("id"), sig));
                           return Response::json(application_json(a));
                       }),
              small_body);
        route(server, "POST", apps + "/{id}/reject",
              changing("seal.application.reject",
                       [&reg](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(std::string reason, text_field(req.json, "reason"));
                           YX_ASSIGN_OR_RETURN(Bytes sig, signature_field(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto a, reg.reject(who, req.path_param("id"), reason, sig));
                           return Response::json(application_json(a));
                       }),
              small_body);
        route(server, "POST", apps + "/{id}/make",
              changing("seal.make", [&reg](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                  reached = true;
                  YX_ASSIGN_OR_RETURN(auto s, reg.make(who, req.path_param("id")));
                  return Response::json(seal_json(s), 201);
              }));
        route(server, "POST", apps + "/{id}/deliver",
              changing("seal.deliver",
                       [&reg](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           std::string received_by;
                           if (req.json.is_object()) {
                               YX_ASSIGN_OR_RETURN(received_by, text_field(req.json, "received_by", false));
                           }
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto a, reg.deliver(who, req.path_param("id"), received_by));
                           return Response::json(application_json(a));
                       }),
              small_body);

        // --- seals ---
        route(server, "GET", seals, [this, &reg](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Caller who, caller(req));
            std::optional<sealsys::SealState> state;
            if (auto s = req.query_param("state"); s && !s->empty()) {
                state = sealsys::seal_state_from_name(*s);
                if (!state || *state == sealsys::SealState::pending)
                    return bad_request("state must be valid, lost or cancelled");
            }
            YX_ASSIGN_OR_RETURN(std::size_t limit, limit_param(req));
            YX_ASSIGN_OR_RETURN(auto list, reg.list_seals(who, state, req.query_param("after").value_or(""), limit));
            nlohmann::json items = nlohmann::json::array();
            for (const auto& s : list) items.push_back(seal_json(s));
            return Response::json({{"seals", items}});
        });
        route(server, "GET", seals + "/{code}", [this, &reg](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(auto s, reg.get_seal(who, req.path_param("code")));
            return Response::json(seal_json(s));
        });
        route(server, "GET", seals + "/{code}/package", [this, &reg](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(sealsys::SealPackage p, reg.download(who, req.path_param("code")));
            nlohmann::json chain = nlohmann::json::array();
            for (const auto& c : p.chain) chain.push_back(pem_encode("CERTIFICATE", c));
            return Response::json({{"seal_code", p.seal_code},
                                   {"ses_seal", base64_encode(p.ses_seal_der)},
                                   {"certificate", pem_encode("CERTIFICATE", p.certificate_der)},
                                   {"chain", chain}});
        });
        route(server, "POST", seals + "/{code}/renew-online",
              changing("seal.lifecycle.renew_online",
                       [&reg](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           sealsys::OnlineRenewal in;
                           in.seal_code = std::string(req.path_param("code"));
                           YX_ASSIGN_OR_RETURN(in.validity_days, days_field(req.json));
                           YX_ASSIGN_OR_RETURN(in.signature, signature_field(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto r, reg.renew_online(who, in));
                           return Response::json(lifecycle_json(r), 201);
                       }),
              small_body);

        // --- lifecycle requests ---
        route(server, "POST", reqs,
              changing("seal.lifecycle.request",
                       [&reg](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           sealsys::NewLifecycleRequest in;
                           YX_ASSIGN_OR_RETURN(std::string kind, text_field(req.json, "kind"));
                           auto k = sealsys::lifecycle_kind_from_name(kind);
                           if (!k) return bad_request("kind must be change, loss, cancel, renew or replace");
                           in.kind = *k;
                           YX_ASSIGN_OR_RETURN(in.seal_code, text_field(req.json, "seal_code"));
                           YX_ASSIGN_OR_RETURN(in.reason, text_field(req.json, "reason"));
                           YX_ASSIGN_OR_RETURN(in.materials, materials_of(req.json));
                           if (auto f = req.json.find("new_form"); f != req.json.end() && !f->is_null()) {
                               YX_ASSIGN_OR_RETURN(auto form, form_of(*f));
                               in.new_form = std::move(form);
                           }
                           YX_ASSIGN_OR_RETURN(in.csr, csr_field(req.json));
                           YX_ASSIGN_OR_RETURN(in.validity_days, days_field(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto r, reg.request_lifecycle(who, in));
                           return Response::json(lifecycle_json(r), 201);
                       }),
              json_body);
        route(server, "GET", reqs, [this, &reg](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Caller who, caller(req));
            std::optional<sealsys::RequestState> state;
            if (auto s = req.query_param("state"); s && !s->empty()) {
                state = sealsys::request_state_from_name(*s);
                if (!state) return bad_request("state must be submitted, approved, rejected or completed");
            }
            YX_ASSIGN_OR_RETURN(std::size_t limit, limit_param(req));
            YX_ASSIGN_OR_RETURN(auto list, reg.list_lifecycle(who, state, req.query_param("seal_code").value_or(""),
                                                              req.query_param("after").value_or(""), limit));
            nlohmann::json items = nlohmann::json::array();
            for (const auto& r : list) items.push_back(lifecycle_json(r));
            return Response::json({{"lifecycle_requests", items}});
        });
        route(server, "GET", reqs + "/{id}", [this, &reg](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(auto r, reg.get_lifecycle(who, req.path_param("id")));
            return Response::json(lifecycle_json(r));
        });
        route(server, "POST", reqs + "/{id}/approve",
              changing("seal.lifecycle.approve",
                       [&reg](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(Bytes sig, signature_field(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto r, reg.approve_lifecycle(who, req.path_param("id"), sig));
                           return Response::json(lifecycle_json(r));
                       }),
              small_body);
        route(server, "POST", reqs + "/{id}/reject",
              changing("seal.lifecycle.reject",
                       [&reg](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(std::string reason, text_field(req.json, "reason"));
                           YX_ASSIGN_OR_RETURN(Bytes sig, signature_field(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto r, reg.reject_lifecycle(who, req.path_param("id"), reason, sig));
                           return Response::json(lifecycle_json(r));
                       }),
              small_body);
        route(server, "POST", reqs + "/{id}/execute",
              changing("seal.lifecycle.execute",
                       [&reg](const Request& req, const Caller& who, bool& reached) -> Result<Response> {
                           reached = true;
                           YX_ASSIGN_OR_RETURN(auto r, reg.execute_lifecycle(who, req.path_param("id")));
                           return Response::json(lifecycle_json(r));
                       }));

        // --- status publishing (public, §8.3) ---
        route(server, "GET", "/api/v1/seal-status/revocation-list", [&reg](const Request&) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(Bytes der, reg.revocation_list());
            Response res = Response::text(to_string(der), "application/pkcs7-mime; smime-type=signed-data");
            res.headers.emplace_back("Content-Disposition", "attachment; filename=\"seal-revocation-list.p7m\"");
            res.headers.emplace_back("Cache-Control", "max-age=60");
            return res;
        });
        sealsys::SealStatusSource& source = m_api.status_source != nullptr ? *m_api.status_source : reg;
        route(server, "GET", "/api/v1/seal-status/{code}", [&source](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(sealsys::SealStatusInfo st, source.seal_status(req.path_param("code")));
            return Response::json({{"seal_code", st.seal_code},
                                   {"status", sealsys::seal_status_name(st.status)},
                                   {"changed_at", format_rfc3339(st.changed_at)},
                                   {"valid_from", format_rfc3339(st.valid_from)},
                                   {"valid_to", format_rfc3339(st.valid_to)},
                                   {"unit_name", st.unit_name},
                                   {"seal_name", st.seal_name},
                                   {"reason", st.reason}});
        });
        return m_status;
    }

private:
    Result<Caller> caller(const Request& req) const {
        YX_ASSIGN_OR_RETURN(auth::StaffRecord me, bearer_caller(*m_api.auth, req));
        return Caller{me.id, req.peer};
    }

    // Failures before the registry is reached (authentication, malformed body) get their audit
    // record here; from the registry call on, the registry writes it.
    Handler changing(std::string action, ChangingBody body) {
        return service_audited<Caller>(m_api.audit, m_api.auth, std::move(action), std::move(body));
    }

    // Every handler keeps this table alive; the first failure is kept and returned by add().
    void route(Server& server, std::string method, std::string pattern, Handler handler, RouteOptions options = {}) {
        add_owned_route(server, m_status, shared_from_this(), std::move(method), std::move(pattern), std::move(handler),
                        std::move(options));
    }

    SealSystemApi m_api;
    Status m_status;
};

}  // namespace

Status add_seal_system_routes(Server& server, const SealSystemApi& api) {
    if (api.registry == nullptr || api.auth == nullptr || api.audit == nullptr)
        return make_error(Errc::api_bad_config,
                          "seal system routes need the seal registry, the auth service and the audit log");
    return std::make_shared<Routes>(api)->add(server);
}

}  // namespace yinxin::api
