// The card service's routes (yinxin/api/card_batch_routes.h): parameters in, ra::CardBatchService
// calls, JSON or CSV out. No business rule lives here.
#include "yinxin/api/card_batch_routes.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "route_util.h"
#include "yinxin/base/bytes.h"

namespace yinxin::api {
namespace {

using namespace route_util;

// Batch files and card data may be large (ra::k_max_card_file_bytes).
constexpr std::uint64_t k_max_file_body = ra::k_max_card_file_bytes;

// What a handler knows when it fails: who called, and whether the service was reached (the
// service audits everything from there on).
struct Entry {
    AuditNote note;
    bool reached = false;
};
using EntryBody = std::function<Result<Response>(const Request&, Entry&)>;

// A state-changing route whose failures before the service are audited here (LD/T 03-2022 §8.3.8:
// failed operations too); the service writes the record of everything it is asked.
Handler audited_entry(audit::AuditLog* log, std::string action, EntryBody body) {
    return [log, action = std::move(action), body = std::move(body)](const Request& req) -> Result<Response> {
        Entry e;
        Result<Response> r = body(req, e);
        if (!r && !e.reached) {
            audit::AuditEvent ev;
            ev.source = req.peer;
            ev.actor = e.note.actor.empty() ? "anonymous" : e.note.actor;
            ev.role = e.note.role;
            ev.action = action;
            ev.target = e.note.target;
            ev.detail = req.method + " " + req.path;
            ev.failed(r.error());
            (void)log->append(ev);
        }
        return r;
    };
}

nlohmann::json time_json(std::int64_t unix_seconds) {
    if (unix_seconds == 0) return nullptr;
    return format_rfc3339(from_unix(unix_seconds));
}

nlohmann::json batch_json(const ra::CardBatch& b) {
    return {{"id", b.id},
            {"state", std::string(ra::batch_state_name(b.state))},
            {"mode", static_cast<int>(b.mode)},
            {"mode_name", std::string(ra::card_mode_name(b.mode))},
            {"format", b.format},
            {"ca", b.ca_id},
            {"profile", b.profile_id},
            {"org_node", b.org_node},
            {"submitted_by", b.submitted_by},
            {"source", b.source},
            {"content_sm3", b.content_sm3},
            {"total", b.total},
            {"done", b.done()},
            {"issued", b.issued},
            {"failed", b.failed},
            {"pending", b.total - b.done()},
            {"created_at", time_json(b.created_at)},
            {"updated_at", time_json(b.updated_at)},
            {"completed_at", time_json(b.completed_at)},
            {"result", "/api/v1/ra/card-batches/" + b.id + "/result"}};
}

Result<ra::CardMode> mode_param(const Request& req, ra::CardMode fallback) {
    auto text = req.query_param("mode");
    if (!text || text->empty()) return fallback;
    auto n = parse_u64(*text);
    auto mode = n ? ra::card_mode_from_number(static_cast<std::int64_t>(*n)) : std::nullopt;
    if (!mode) return bad_request("mode must be 1..5 (LD/T 03-2022 §6.4.7.1)");
    return *mode;
}

// public_key: 130 hex digits (04||X||Y) or base64 SubjectPublicKeyInfo DER.
Result<Bytes> public_key_field(const nlohmann::json& j) {
    YX_ASSIGN_OR_RETURN(std::string text, text_field(j, "public_key", false));
    if (text.empty()) return Bytes{};
    if (text.size() == 130 && text.starts_with("04")) {
        auto point = hex_decode(text);
        if (point) return std::move(point).value();
    }
    auto der = base64_decode(text);
    if (!der) return bad_request("field \"public_key\": base64 SubjectPublicKeyInfo DER or 04||X||Y in hex");
    return std::move(der).value();
}

class Routes {
public:
    explicit Routes(const CardBatchApi& api) : m_api(api) {}

    Status add(Server& server) {
        ra::CardBatchService& svc = *m_api.service;
        auth::AuthService& auth = *m_api.auth;
        audit::AuditLog* log = m_api.audit;
        ra::CardBatchWorker* worker = m_api.worker;
        const RouteOptions csv_body{.consumes = {"text/csv", "text/plain"}, .max_body_bytes = k_max_file_body};
        const RouteOptions batch_body{
            .consumes = {"text/csv", "text/plain", "application/x-ndjson", "application/jsonl"},
            .max_body_bytes = k_max_file_body};
        const RouteOptions json_body{.consumes = {k_json}, .max_body_bytes = std::uint64_t{256} * 1024};

        YX_TRY(server.add_route(
            "POST", "/api/v1/ra/card-data",
            audited_entry(log, "ra.card_data.import",
                          [&svc, &auth](const Request& req, Entry& e) -> Result<Response> {
                              YX_ASSIGN_OR_RETURN(auto me, bearer_caller(auth, req, &e.note));
                              e.reached = true;
                              YX_ASSIGN_OR_RETURN(auto counts, svc.import_card_data({me.id, req.peer}, req.body));
                              return Response::json({{"added", counts.added}, {"unchanged", counts.unchanged}});
                          }),
            csv_body));

        YX_TRY(server.add_route(
            "POST", "/api/v1/ra/card-batches",
            audited_entry(log, "ra.card_batch.submit",
                          [&svc, &auth, worker](const Request& req, Entry& e) -> Result<Response> {
                              YX_ASSIGN_OR_RETURN(auto me, bearer_caller(auth, req, &e.note));
                              ra::BatchRequest br;
                              br.ca_id = std::string(req.query_param("ca").value_or(""));
                              if (br.ca_id.empty())
                                  return bad_request("query parameter \"ca\" (the issuing CA) is required");
                              br.profile_id = std::string(req.query_param("profile").value_or(""));
                              br.org_node = std::string(req.query_param("org_node").value_or(""));
                              YX_ASSIGN_OR_RETURN(br.mode, mode_param(req, ra::CardMode::vendor_batch));
                              const std::string name(req.query_param("name").value_or(""));
                              br.source = name.empty() ? req.peer : name + " from " + req.peer;
                              br.content = req.body;
                              e.reached = true;
                              YX_ASSIGN_OR_RETURN(ra::SubmitResult sub, svc.submit({me.id, req.peer}, br));
                              ra::CardBatch b = std::move(sub.batch);
                              unsigned status = sub.created ? 202 : 200;
                              if (b.state != ra::BatchState::done) {
                                  if (worker != nullptr) {
                                      worker->enqueue(b.id);
                                  } else {
                                      ra::ProcessOptions o;
                                      o.source = req.peer;
                                      YX_ASSIGN_OR_RETURN(b, svc.process(b.id, o));
                                      status = 200;
                                  }
                              }
                              auto j = batch_json(b);
                              j["created"] = sub.created;
                              auto resp = Response::json(j, status);
                              resp.headers.emplace_back("Location", "/api/v1/ra/card-batches/" + b.id);
                              return resp;
                          }),
            batch_body));

        YX_TRY(server.add_route("GET", "/api/v1/ra/card-batches/{id}",
                                [&svc, &auth](const Request& req) -> Result<Response> {
                                    YX_ASSIGN_OR_RETURN(auto me, bearer_caller(auth, req));
                                    YX_ASSIGN_OR_RETURN(auto b, svc.batch_for(me.id, req.path_param("id")));
                                    return Response::json(batch_json(b));
                                }));

        YX_TRY(server.add_route(
            "GET", "/api/v1/ra/card-batches/{id}/result", [&svc, &auth](const Request& req) -> Result<Response> {
                YX_ASSIGN_OR_RETURN(auto me, bearer_caller(auth, req));
                const std::string id(req.path_param("id"));
                YX_ASSIGN_OR_RETURN(std::string csv, svc.result_csv_for(me.id, id));
                auto resp = Response::text(std::move(csv), "text/csv; charset=utf-8");
                resp.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + id + "-result.csv\"");
                return resp;
            }));

        YX_TRY(server.add_route(
            "POST", "/api/v1/ra/card-requests",
            audited_entry(log, "ra.card_request",
                          [&svc, &auth](const Request& req, Entry& e) -> Result<Response> {
                              YX_ASSIGN_OR_RETURN(auto me, bearer_caller(auth, req, &e.note));
                              const auto& j = req.json;
                              ra::SingleRequest sr;
                              YX_ASSIGN_OR_RETURN(sr.ca_id, text_field(j, "ca"));
                              YX_ASSIGN_OR_RETURN(sr.profile_id, text_field(j, "profile", false));
                              YX_ASSIGN_OR_RETURN(sr.org_node, text_field(j, "org_node", false));
                              YX_ASSIGN_OR_RETURN(std::int64_t mode, int_field(j, "mode", 3));
                              auto m = ra::card_mode_from_number(mode);
                              if (!m) return bad_request("mode must be 3 (quick_issue) or 5 (service_window)");
                              sr.mode = *m;
                              YX_ASSIGN_OR_RETURN(sr.card_number, text_field(j, "card_number"));
                              e.note.target = sr.card_number;
                              YX_ASSIGN_OR_RETURN(sr.id_number, text_field(j, "id_number"));
                              YX_ASSIGN_OR_RETURN(sr.name, text_field(j, "name"));
                              YX_ASSIGN_OR_RETURN(sr.public_key, public_key_field(j));
                              YX_ASSIGN_OR_RETURN(sr.pkcs10, base64_field(j, "pkcs10", false));
                              e.reached = true;
                              YX_ASSIGN_OR_RETURN(ra::SingleResult r, svc.request_single({me.id, req.peer}, sr));
                              auto resp =
                                  Response::json({{"batch_id", r.batch_id},
                                                  {"card_number", sr.card_number},
                                                  {"serial", r.serial_hex},
                                                  {"certificate", base64_encode(r.certificate_der)},
                                                  {"certificate_pem", pem_encode("CERTIFICATE", r.certificate_der)},
                                                  {"created", r.created}},
                                                 r.created ? 201 : 200);
                              resp.headers.emplace_back("Location", "/api/v1/ra/card-batches/" + r.batch_id);
                              return resp;
                          }),
            json_body));

        YX_TRY(server.add_route(
            "GET", "/api/v1/ra/card-certificates/{card}", [&svc, &auth](const Request& req) -> Result<Response> {
                YX_ASSIGN_OR_RETURN(auto me, bearer_caller(auth, req));
                YX_ASSIGN_OR_RETURN(ra::ResultRow row, svc.certificate_for_card(me.id, req.path_param("card")));
                return Response::json({{"card_number", row.item.card_number},
                                       {"serial", row.item.serial_hex},
                                       {"certificate", base64_encode(row.certificate_der)},
                                       {"certificate_pem", pem_encode("CERTIFICATE", row.certificate_der)}});
            }));
        return ok_status();
    }

private:
    CardBatchApi m_api;
};

}  // namespace

Status add_card_batch_routes(Server& server, const CardBatchApi& api) {
    if (api.service == nullptr || api.auth == nullptr || api.audit == nullptr)
        return make_error(Errc::api_bad_config, "card batch routes need the card service, auth service and audit log");
    return Routes(api).add(server);
}

}  // namespace yinxin::api
