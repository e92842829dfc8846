#include "route_util.h"

#include <charconv>
#include <utility>

namespace yinxin::api::route_util {

// A state-changing route: whatever the outcome, one audit record (LD/T 03-2022 §8.3.8 a/b/c; failed
// operations too). An action whose record cannot be written is reported as failed.
Handler audited(audit::AuditLog* log, std::string action, AuditedBody body) {
    return [log, action = std::move(action), body = std::move(body)](const Request& req) -> Result<Response> {
        AuditNote note;
        Result<Response> r = body(req, note);
        audit::AuditEvent ev;
        ev.source = req.peer;
        ev.actor = note.actor.empty() ? "anonymous" : note.actor;
        ev.role = note.role;
        ev.action = action;
        ev.target = note.target;
        ev.detail = note.detail.empty() ? req.method + " " + req.path : note.detail;
        if (!r) ev.failed(r.error());
        auto appended = log->append(ev);
        if (!appended && r) return std::move(appended).error();
        return r;
    };
}

Result<Response> audit_unreached(audit::AuditLog& log, const Request& req, const AuditNote& note,
                                 const std::string& action, Result<Response> failure) {
    audit::AuditEvent ev;
    ev.source = req.peer;
    ev.actor = note.actor.empty() ? "anonymous" : note.actor;
    ev.role = note.role;
    ev.action = action;
    ev.target = req.path;
    ev.detail = req.method + " " + req.path;
    if (!failure) ev.failed(failure.error());
    auto appended = log.append(ev);
    if (!appended) return std::move(appended).error();
    return failure;
}

Error bad_request(std::string message) { return make_error(Errc::api_bad_request, std::move(message)); }

Result<std::string> text_field(const nlohmann::json& j, std::string_view name, bool required) {
    if (!j.is_object()) return bad_request("the request body must be a JSON object");
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) {
        if (required) return bad_request("missing field \"" + std::string(name) + "\"");
        return std::string();
    }
    if (!it->is_string()) return bad_request("field \"" + std::string(name) + "\" must be a string");
    return it->get<std::string>();
}

Result<bool> bool_field(const nlohmann::json& j, std::string_view name, std::optional<bool> fallback) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) {
        if (fallback) return *fallback;
        return bad_request("missing field \"" + std::string(name) + "\"");
    }
    if (!it->is_boolean()) return bad_request("field \"" + std::string(name) + "\" must be true or false");
    return it->get<bool>();
}

Result<std::int64_t> int_field(const nlohmann::json& j, std::string_view name, std::optional<std::int64_t> fallback) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) {
        if (fallback) return *fallback;
        return bad_request("missing field \"" + std::string(name) + "\"");
    }
    if (!it->is_number_integer()) return bad_request("field \"" + std::string(name) + "\" must be an integer");
    return it->get<std::int64_t>();
}

Result<Bytes> hex_field(const nlohmann::json& j, std::string_view name) {
    YX_ASSIGN_OR_RETURN(std::string text, text_field(j, name));
    auto bytes = hex_decode(text);
    if (!bytes) return bad_request("field \"" + std::string(name) + "\" must be hexadecimal");
    return std::move(bytes).value();
}

std::optional<std::string> time_or_null(const std::optional<TimePoint>& t) {
    if (!t) return std::nullopt;
    return format_rfc3339(*t);
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

Result<Bytes> base64_field(const nlohmann::json& j, std::string_view name, bool required) {
    YX_ASSIGN_OR_RETURN(std::string text, text_field(j, name, required));
    if (text.empty() && !required) return Bytes{};
    auto bytes = base64_decode(text);
    if (!bytes) return bad_request("field \"" + std::string(name) + "\" must be base64");
    return std::move(bytes).value();
}

Result<auth::StaffRecord> bearer_caller(auth::AuthService& auth, const Request& req, AuditNote* note) {
    auto h = req.header("Authorization");
    constexpr std::string_view scheme = "Bearer ";
    if (!h || h->size() <= scheme.size() || h->substr(0, scheme.size()) != scheme)
        return make_error(Errc::auth_session_invalid, "an Authorization: Bearer <token> header is required");
    YX_ASSIGN_OR_RETURN(auth::StaffRecord s, auth.authenticate(h->substr(scheme.size())));
    if (note) {
        note->actor = s.id;
        note->role = std::string(auth::role_name(s.role));
    }
    return s;
}

}  // namespace yinxin::api::route_util
