// Helpers shared by the route files of api/ (staff, registration, card batches): audited handlers,
// JSON field readers with api.bad_request errors, the bearer-token caller. Internal to api/.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "yinxin/api/http.h"
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

}  // namespace yinxin::api::route_util
