// Helpers shared by the route files of api/ (staff, registration, card batches): audited handlers,
// JSON field readers with api.bad_request errors, the bearer-token caller. Internal to api/.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "yinxin/api/http.h"
#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/model.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"

namespace yinxin::api::route_util {

// What a request's audit record says besides time, source, action and result; handlers fill it as
// they learn who is acting and on what.
struct AuditNote {
    std::string actor;
    std::string role;
    std::string target;
    std::string detail;

    void from(const auth::AuthEvent& e) {
        actor = e.actor;
        role = e.role;
        target = e.target;
        detail = e.detail;
    }
};

using AuditedBody = std::function<Result<Response>(const Request&, AuditNote&)>;

// A state-changing route: whatever the outcome, one audit record (LD/T 03-2022 §8.3.8 a/b/c; failed
// operations too). An action whose record cannot be written is reported as failed.
Handler audited(audit::AuditLog* log, std::string action, AuditedBody body);

Error bad_request(std::string message);
// JSON body fields: api.bad_request when missing (and required) or of the wrong type.
Result<std::string> text_field(const nlohmann::json& j, std::string_view name, bool required = true);
Result<bool> bool_field(const nlohmann::json& j, std::string_view name, std::optional<bool> fallback = {});
Result<std::int64_t> int_field(const nlohmann::json& j, std::string_view name, std::optional<std::int64_t> fallback);
Result<Bytes> hex_field(const nlohmann::json& j, std::string_view name);
// A base64 field (api.bad_request when not base64); empty when optional and absent.
Result<Bytes> base64_field(const nlohmann::json& j, std::string_view name, bool required = true);

std::optional<std::string> time_or_null(const std::optional<TimePoint>& t);
std::optional<std::uint64_t> parse_u64(std::string_view s);

// The active member behind "Authorization: Bearer <token>" (auth.session_invalid otherwise); fills
// the note's actor and role.
Result<auth::StaffRecord> bearer_caller(auth::AuthService& auth, const Request& req, AuditNote* note = nullptr);

// The audit record of a request that failed before its service was reached (no session, malformed
// body): the note's actor ("anonymous" before login), the route as target. Returns `failure`, or the
// error of the audit log when the record cannot be written.
Result<Response> audit_unreached(audit::AuditLog& log, const Request& req, const AuditNote& note,
                                 const std::string& action, Result<Response> failure);

// A state-changing route whose service writes its own audit record: the body sets `reached` right
// before calling the service, which records success and failure from then on; failures before that
// are recorded here under `action`. `C` is the service's caller type, built as C{staff id, peer}.
template <class C>
using ServiceBody = std::function<Result<Response>(const Request&, const C&, bool& reached)>;

template <class C>
Handler service_audited(audit::AuditLog* log, auth::AuthService* auth, std::string action, ServiceBody<C> body) {
    return [log, auth, action = std::move(action), body = std::move(body)](const Request& req) -> Result<Response> {
        bool reached = false;
        AuditNote note;
        Result<Response> r = [&]() -> Result<Response> {
            YX_ASSIGN_OR_RETURN(auth::StaffRecord me, bearer_caller(*auth, req, &note));
            return body(req, C{me.id, req.peer}, reached);
        }();
        if (r || reached) return r;
        return audit_unreached(*log, req, note, action, std::move(r));
    };
}

// Adds a route whose handler keeps `owner` (the route table that the handlers' references live in)
// alive as long as the server holds the route. After the first failure nothing more is added and
// `status` keeps that failure.
template <class Owner>
void add_owned_route(Server& server, Status& status, const std::shared_ptr<Owner>& owner, std::string method,
                     std::string pattern, Handler handler, RouteOptions options = {}) {
    if (!status) return;
    status = server.add_route(
        std::move(method), std::move(pattern), [owner, h = std::move(handler)](const Request& req) { return h(req); },
        std::move(options));
}

}  // namespace yinxin::api::route_util
