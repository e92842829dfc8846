#include "yinxin/api/carrier_routes.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "route_util.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"

namespace yinxin::api {
namespace {

using namespace route_util;

// RFC 3339 or JSON null.
nlohmann::json time_json(const std::optional<TimePoint>& t) {
    if (!t) return nullptr;
    return format_rfc3339(*t);
}

nlohmann::json carrier_json(const ra::Carrier& c) {
    nlohmann::json j{{"carrier_no", c.carrier_no},
                     {"kind", ra::carrier_kind_name(c.kind)},
                     {"model", c.model},
                     {"vendor", c.vendor},
                     {"delivery_batch", c.delivery_batch},
                     {"org_node", c.org_node},
                     {"state", ra::carrier_state_name(c.state)},
                     {"imported_by", c.imported_by},
                     {"imported_at", format_rfc3339(c.imported_at)}};
    if (c.assigned_at) {
        j["ca_id"] = c.ca_id;
        j["serial"] = c.serial_hex;
        j["holder"] = {{"name", c.holder.name}, {"id_number", c.holder.id_number}, {"org_node", c.holder_node()}};
        j["assigned_by"] = c.assigned_by;
        j["assigned_at"] = format_rfc3339(*c.assigned_at);
    }
    if (c.retired_at) {
        j["retire_reason"] = c.retire_reason ? ra::retire_reason_name(*c.retire_reason) : "";
        j["retire_note"] = c.retire_note;
        j["retired_by"] = c.retired_by;
        j["retired_at"] = format_rfc3339(*c.retired_at);
    }
    return j;
}

nlohmann::json unlock_json(const ra::UnlockRequest& r) {
    const ra::UnlockForm& f = r.form;
    return {{"id", r.id},
            {"state", ra::unlock_state_name(r.state)},
            {"org_node", r.org_node},
            {"carrier_no", f.carrier_no},
            {"form",
             {{"name", f.name},
              {"gender", ra::gender_name(f.gender)},
              {"id_number", f.id_number},
              {"province_city", f.province_city},
              {"address", f.address},
              {"postcode", f.postcode},
              {"email", f.email},
              {"phone", f.phone},
              {"unit", f.unit},
              {"position", f.position},
              {"carrier_no", f.carrier_no}}},
            {"payload_sm3", hex_encode(ra::unlock_payload_hash(r))},
            {"entered_by", r.entered_by},
            {"entered_at", format_rfc3339(r.entered_at)},
            {"approved_by", r.approved_by},
            {"approved_at", time_json(r.approved_at)},
            {"approval_signature", r.approval_signature},
            {"reviewed_by", r.reviewed_by},
            {"reviewed_at", time_json(r.reviewed_at)},
            {"review_signature", r.review_signature},
            {"rejected_by", r.rejected_by},
            {"rejected_at", time_json(r.rejected_at)},
            {"reject_reason", r.reject_reason},
            {"released_by", r.released_by},
            {"released_at", time_json(r.released_at)}};
}

Result<std::size_t> limit_param(const Request& req) {
    auto v = req.query_param("limit");
    if (!v) return std::size_t{100};
    auto n = parse_u64(*v);
    if (!n || *n == 0 || *n > ra::k_max_page) return bad_request("limit must be 1..1000");
    return static_cast<std::size_t>(*n);
}

Result<Bytes> signature_field(const nlohmann::json& body) {
    YX_ASSIGN_OR_RETURN(std::string text, text_field(body, "signature"));
    auto sig = base64_decode(text);
    if (!sig || sig->empty()) return bad_request("field \"signature\" must be base64 (DER SM2 signature)");
    return std::move(sig).value();
}

Result<ra::UnlockForm> form_of(const nlohmann::json& j) {
    ra::UnlockForm f;
    YX_ASSIGN_OR_RETURN(f.name, text_field(j, "name"));
    YX_ASSIGN_OR_RETURN(std::string gender, text_field(j, "gender"));
    auto g = ra::gender_from_name(gender);
    if (!g) return bad_request("gender must be male or female");
    f.gender = *g;
    YX_ASSIGN_OR_RETURN(f.id_number, text_field(j, "id_number"));
    YX_ASSIGN_OR_RETURN(f.province_city, text_field(j, "province_city"));
    YX_ASSIGN_OR_RETURN(f.address, text_field(j, "address"));
    YX_ASSIGN_OR_RETURN(f.postcode, text_field(j, "postcode"));
    YX_ASSIGN_OR_RETURN(f.email, text_field(j, "email", false));
    YX_ASSIGN_OR_RETURN(f.phone, text_field(j, "phone"));
    YX_ASSIGN_OR_RETURN(f.unit, text_field(j, "unit"));
    YX_ASSIGN_OR_RETURN(f.position, text_field(j, "position", false));
    YX_ASSIGN_OR_RETURN(f.carrier_no, text_field(j, "carrier_no"));
    return f;
}

// A state-changing body: gets the authenticated caller; sets `reached` just before it calls the
// service (which audits from then on).
using ChangingBody = ServiceBody<ra::Caller>;

class Routes : public std::enable_shared_from_this<Routes> {
public:
    explicit Routes(const CarrierApi& api) : m_api(api) {}

    Status add(Server& server) {
        const RouteOptions json_body{.consumes = {k_json}, .max_body_bytes = std::uint64_t{64} * 1024};
        // 100,000 carriers of ~120 bytes each.
        const RouteOptions csv_body{.consumes = {"text/csv"}, .max_body_bytes = std::uint64_t{16} * 1024 * 1024};
        ra::CarrierService& svc = *m_api.carriers;

        route(server, "POST", "/api/v1/ra/carriers",
              changing("ra.carrier.import",
                       [&svc](const Request& req, const ra::Caller& who, bool& reached) -> Result<Response> {
                           auto node = req.query_param("org_node");
                           if (!node || node->empty())
                               return bad_request("query parameter org_node names the node receiving the stock");
                           reached = true;
                           YX_ASSIGN_OR_RETURN(ra::ImportResult r, svc.import_csv(who, *node, req.body));
                           return Response::json({{"imported", r.imported},
                                                  {"org_node", std::string(*node)},
                                                  {"delivery_batches", r.delivery_batches}},
                                                 201);
                       }),
              csv_body);
        route(server, "GET", "/api/v1/ra/carriers", [this, &svc](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(ra::Caller who, caller(req));
            std::optional<ra::CarrierState> state;
            if (auto s = req.query_param("state"); s && !s->empty()) {
                state = ra::carrier_state_from_name(*s);
                if (!state) return bad_request("state must be in_stock, assigned or retired");
            }
            YX_ASSIGN_OR_RETURN(std::size_t limit, limit_param(req));
            YX_ASSIGN_OR_RETURN(auto list, svc.list(who, state, req.query_param("after").value_or(""), limit));
            nlohmann::json items = nlohmann::json::array();
            for (const auto& c : list) items.push_back(carrier_json(c));
            return Response::json({{"carriers", items}});
        });
        route(server, "GET", "/api/v1/ra/carriers/{no}", [this, &svc](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(ra::Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(ra::Carrier c, svc.get(who, req.path_param("no")));
            return Response::json(carrier_json(c));
        });
        route(server, "POST", "/api/v1/ra/carriers/{no}/assign",
              changing("ra.carrier.assign",
                       [&svc](const Request& req, const ra::Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(std::string ca_id, text_field(req.json, "ca_id"));
                           YX_ASSIGN_OR_RETURN(std::string serial, text_field(req.json, "serial"));
                           ra::CarrierHolder h;
                           YX_ASSIGN_OR_RETURN(h.name, text_field(req.json, "holder_name"));
                           YX_ASSIGN_OR_RETURN(h.id_number, text_field(req.json, "holder_id_number", false));
                           YX_ASSIGN_OR_RETURN(h.org_node, text_field(req.json, "holder_org_node", false));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(ra::Carrier c, svc.assign(who, req.path_param("no"), ca_id, serial, h));
                           return Response::json(carrier_json(c));
                       }),
              json_body);
        route(server, "POST", "/api/v1/ra/carriers/{no}/retire",
              changing("ra.carrier.retire",
                       [&svc](const Request& req, const ra::Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(std::string reason_name, text_field(req.json, "reason"));
                           auto reason = ra::retire_reason_from_name(reason_name);
                           if (!reason) return bad_request("reason must be lost, damaged or returned");
                           YX_ASSIGN_OR_RETURN(std::string note, text_field(req.json, "note", false));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(ra::Carrier c, svc.retire(who, req.path_param("no"), *reason, note));
                           return Response::json(carrier_json(c));
                       }),
              json_body);

        route(server, "POST", "/api/v1/ra/unlock-requests",
              changing("ra.unlock.submit",
                       [&svc](const Request& req, const ra::Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(ra::UnlockForm form, form_of(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(ra::UnlockRequest r, svc.submit_unlock(who, form));
                           return Response::json(unlock_json(r), 201);
                       }),
              json_body);
        route(server, "GET", "/api/v1/ra/unlock-requests", [this, &svc](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(ra::Caller who, caller(req));
            std::optional<ra::UnlockState> state;
            if (auto s = req.query_param("state"); s && !s->empty()) {
                state = ra::unlock_state_from_name(*s);
                if (!state) return bad_request("state must be submitted, approved, reviewed, released or rejected");
            }
            YX_ASSIGN_OR_RETURN(std::size_t limit, limit_param(req));
            YX_ASSIGN_OR_RETURN(auto list, svc.list_unlock(who, state, req.query_param("after").value_or(""), limit));
            nlohmann::json items = nlohmann::json::array();
            for (const auto& r : list) items.push_back(unlock_json(r));
            return Response::json({{"unlock_requests", items}});
        });
        route(server, "GET", "/api/v1/ra/unlock-requests/{id}", [this, &svc](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(ra::Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(ra::UnlockRequest r, svc.get_unlock(who, req.path_param("id")));
            return Response::json(unlock_json(r));
        });
        route(server, "POST", "/api/v1/ra/unlock-requests/{id}/approve",
              changing("ra.unlock.approve",
                       [&svc](const Request& req, const ra::Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(Bytes sig, signature_field(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(ra::UnlockRequest r, svc.approve_unlock(who, req.path_param("id"), sig));
                           return Response::json(unlock_json(r));
                       }),
              json_body);
        route(server, "POST", "/api/v1/ra/unlock-requests/{id}/review",
              changing("ra.unlock.review",
                       [&svc](const Request& req, const ra::Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(Bytes sig, signature_field(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(ra::UnlockRequest r, svc.review_unlock(who, req.path_param("id"), sig));
                           return Response::json(unlock_json(r));
                       }),
              json_body);
        route(server, "POST", "/api/v1/ra/unlock-requests/{id}/reject",
              changing("ra.unlock.reject",
                       [&svc](const Request& req, const ra::Caller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(std::string reason, text_field(req.json, "reason"));
                           YX_ASSIGN_OR_RETURN(Bytes sig, signature_field(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(ra::UnlockRequest r,
                                               svc.reject_unlock(who, req.path_param("id"), reason, sig));
                           return Response::json(unlock_json(r));
                       }),
              json_body);
        route(server, "POST", "/api/v1/ra/unlock-requests/{id}/release",
              changing("ra.unlock.release",
                       [&svc](const Request& req, const ra::Caller& who, bool& reached) -> Result<Response> {
                           reached = true;
                           YX_ASSIGN_OR_RETURN(ra::ReleasedCode rc, svc.release_code(who, req.path_param("id")));
                           nlohmann::json j{{"id", rc.request.id},
                                            {"carrier_no", rc.request.form.carrier_no},
                                            {"unblock_code", std::string(rc.code.begin(), rc.code.end())},
                                            {"released_by", rc.request.released_by},
                                            {"released_at", time_json(rc.request.released_at)}};
                           Response res = Response::json(j);
                           // Shown once: no cache may keep it.
                           res.headers.emplace_back("Cache-Control", "no-store");
                           return res;
                       }));
        return m_status;
    }

private:
    Result<ra::Caller> caller(const Request& req) const {
        YX_ASSIGN_OR_RETURN(auth::StaffRecord me, bearer_caller(*m_api.auth, req));
        return ra::Caller{me.id, req.peer};
    }

    // Failures before the service is reached (authentication, malformed body) get their audit
    // record here; from the service call on, the service writes it.
    Handler changing(std::string action, ChangingBody body) {
        return service_audited<ra::Caller>(m_api.audit, m_api.auth, std::move(action), std::move(body));
    }

    // Every handler keeps this table alive; the first failure is kept and returned by add().
    void route(Server& server, std::string method, std::string pattern, Handler handler, RouteOptions options = {}) {
        add_owned_route(server, m_status, shared_from_this(), std::move(method), std::move(pattern), std::move(handler),
                        std::move(options));
    }

    CarrierApi m_api;
    Status m_status;
};

}  // namespace

Status add_carrier_routes(Server& server, const CarrierApi& api) {
    if (api.carriers == nullptr || api.auth == nullptr || api.audit == nullptr)
        return make_error(Errc::api_bad_config,
                          "carrier routes need the carrier service, the auth service and the "
                          "audit log");
    return std::make_shared<Routes>(api)->add(server);
}

}  // namespace yinxin::api
