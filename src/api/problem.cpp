#include "yinxin/api/problem.h"

#include <string>

namespace yinxin::api {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

}  // namespace

// The stable Errc → HTTP status table. Explicit entries first; codes not listed (new codes that other
// modules append later) fall back to rules on their dotted name, so a new "*.not_found" is a 404
// without touching this file. Changing an existing entry changes the public API: don't.
unsigned http_status_for(Errc code) noexcept {
    switch (code) {
        case Errc::ok: return 200;

        // base
        case Errc::invalid_argument:
        case Errc::bad_hex:
        case Errc::bad_base64:
        case Errc::bad_pem: return 400;
        case Errc::not_found: return 404;
        case Errc::unsupported: return 400;
        case Errc::limit_exceeded: return 413;
        case Errc::io_error:
        case Errc::internal:
        case Errc::rng_failure: return 500;

        // api
        case Errc::api_route_not_found: return 404;
        case Errc::api_method_not_allowed: return 405;
        case Errc::api_unsupported_media_type: return 415;
        case Errc::api_bad_json: return 400;
        case Errc::api_body_too_large: return 413;
        case Errc::api_header_too_large: return 431;  // RFC 6585 §5
        case Errc::api_bad_request: return 400;
        case Errc::api_unauthenticated: return 401;
        case Errc::api_forbidden: return 403;
        case Errc::api_route_conflict:
        case Errc::api_bad_config:
        case Errc::api_tls_error:
        case Errc::api_bind_failed: return 500;
        case Errc::api_unavailable: return 503;

        // auth (LD/T 03 §8.2.3): who you are → 401; what you may do → 403
        case Errc::auth_bad_credentials:
        case Errc::auth_session_invalid:
        case Errc::auth_challenge_invalid:
        case Errc::auth_certificate_mismatch: return 401;
        case Errc::auth_password_expired:
        case Errc::auth_denied:
        case Errc::auth_out_of_scope:
        case Errc::auth_locked:
        case Errc::auth_inactive:
        case Errc::auth_cannot_manage:
        case Errc::auth_same_person:
        case Errc::auth_not_sponsored: return 403;
        case Errc::auth_password_too_short:
        case Errc::auth_password_composition:
        case Errc::auth_password_sequence:
        case Errc::auth_password_repeat:
        case Errc::auth_password_personal_data:
        case Errc::auth_password_reused:
        case Errc::auth_bad_org_tree:
        case Errc::auth_bad_request: return 400;
        case Errc::auth_custodian_conflict:
        case Errc::auth_approval_not_pending:
        case Errc::auth_approval_mismatch:
        case Errc::auth_quota_exhausted:
        case Errc::auth_duplicate: return 409;
        // Not allowed alone (§8.2.1 b two-person rule). A handler that records the change for a
        // second approver answers 202 itself; as an error it is a refusal.
        case Errc::auth_approval_required:
        case Errc::auth_decision_signature_invalid: return 403;
        case Errc::auth_not_found:
        case Errc::ca_certificate_not_found:
            return 404;  // certificate status: no such serial

        // registration workflows
        case Errc::ra_bad_request:
        case Errc::ra_bad_signature: return 400;
        case Errc::ra_challenge_mismatch: return 403;
        case Errc::ra_not_found: return 404;
        case Errc::ra_illegal_transition:
        case Errc::ra_duplicate:
        case Errc::ra_carrier_unavailable:
        case Errc::ra_code_released:
        case Errc::ra_conflict: return 409;
        case Errc::ra_not_renewable:
        case Errc::ra_batch_mismatch: return 422;
        case Errc::ra_delivery_failed: return 502;

        // key management centre
        case Errc::kmc_bad_message:
        case Errc::kmc_bad_signature:
        case Errc::kmc_envelope_invalid: return 400;
        case Errc::kmc_recovery_denied: return 403;
        case Errc::kmc_not_found: return 404;
        case Errc::kmc_illegal_state:
        case Errc::kmc_duplicate: return 409;
        case Errc::kmc_pool_empty: return 503;
        case Errc::kmc_error_response:
        case Errc::seal_peer_unreachable:
        case Errc::cms_time_stamp_refused: return 502;

        // electronic seal system services
        case Errc::seal_application_invalid:
        case Errc::seal_bad_sync_message: return 400;
        case Errc::seal_use_denied: return 403;
        case Errc::seal_not_found: return 404;
        case Errc::seal_illegal_state:
        case Errc::seal_duplicate:
        case Errc::seal_not_valid: return 409;
        case Errc::seal_access_test_failed: return 422;

        // store, and certificate status changes that conflict with the current status
        case Errc::ca_already_revoked:
        case Errc::ca_not_on_hold:
        case Errc::store_duplicate_serial:
        case Errc::store_conflict: return 409;
        case Errc::store_not_found: return 404;
        case Errc::store_io:
        case Errc::store_schema_newer: return 500;

        // request content that parses but breaks a rule (lints, profiles, path validation)
        case Errc::lint_failed:
        case Errc::profile_request_rejected: return 422;

        // device: the key store is not usable (an operator must act) → 503
        case Errc::device_not_initialised:
        case Errc::device_locked: return 503;
        case Errc::device_module_error:
        case Errc::device_store_error:
        case Errc::device_store_version:
        case Errc::device_store_tampered:
        case Errc::audit_tampered: return 500;
        default: break;
    }
    const std::string_view name = errc_name(code);
    if (ends_with(name, "not_found")) return 404;
    if (contains(name, "conflict") || contains(name, "duplicate") || contains(name, "already")) return 409;
    if (contains(name, "too_large") || contains(name, "too_many") || contains(name, "too_long")) return 413;
    if (contains(name, ".bad_") || contains(name, ".invalid") || contains(name, "malformed") ||
        contains(name, "unsupported") || contains(name, "truncated") || contains(name, "trailing")) {
        return 400;
    }
    if (contains(name, "denied") || contains(name, "forbidden")) return 403;
    if (contains(name, "unauthenticated")) return 401;
    const auto numeric = static_cast<std::uint32_t>(code);
    // Parsing bands (asn1, x509/cms, seal, ofd): the client sent something unusable.
    if ((numeric >= 3000 && numeric < 5000) || (numeric >= 10000 && numeric < 11000) ||
        (numeric >= 16000 && numeric < 17000)) {
        return 422;
    }
    return 500;
}

std::string_view reason_phrase(unsigned status) noexcept {
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 413: return "Content Too Large";
        case 415: return "Unsupported Media Type";
        case 422: return "Unprocessable Content";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default: return "Unknown";
    }
}

nlohmann::json problem_json(const Error& e, unsigned status, std::string_view request_id) {
    const std::string name(errc_name(e.code));
    nlohmann::json j;
    // RFC 9457 §3.1 members, then our extensions (§3.2): the numeric code and dotted name.
    j["type"] = std::string(k_problem_type_prefix) + name;
    j["title"] = std::string(reason_phrase(status));
    j["status"] = status;
    j["detail"] =
        status >= 500 ? "the server could not complete the request; quote the request id to the operator" : e.message;
    j["code"] = e.numeric();
    j["error"] = name;
    j["instance"] = "urn:yinxin:request:" + std::string(request_id);
    j["request_id"] = std::string(request_id);
    return j;
}

Response problem_response(const Error& e, std::string_view request_id) {
    const unsigned status = http_status_for(e.code);
    Response r = Response::json(problem_json(e, status, request_id), status);
    r.content_type = std::string(k_problem_json);
    return r;
}

}  // namespace yinxin::api
