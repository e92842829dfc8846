// Error → HTTP: the one place where Errc values become status codes and RFC 9457 problem documents
// (STYLE.md 9: problem documents are made only in api/).
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "yinxin/api/http.h"
#include "yinxin/base/error.h"

namespace yinxin::api {

inline constexpr std::string_view k_problem_json = "application/problem+json";
// RFC 9457 §3.1.1: "type" is a URI reference naming the problem type; ours are stable URNs built
// from the dotted error name, e.g. "urn:yinxin:problem:api.bad_json".
inline constexpr std::string_view k_problem_type_prefix = "urn:yinxin:problem:";

// The stable Errc → HTTP status table (see problem.cpp for the whole table and the fallback rules
// for codes added later by other modules).
unsigned http_status_for(Errc code) noexcept;

// Standard reason phrase ("Not Found"); "Unknown" for codes without one.
std::string_view reason_phrase(unsigned status) noexcept;

// {"type","title","status","detail","code","error","instance","request_id"}. For 5xx statuses the
// detail is replaced by a generic text (internal messages may name files or keys; they go to the
// log instead).
nlohmann::json problem_json(const Error& e, unsigned status, std::string_view request_id);

// A complete problem response with the mapped status, application/problem+json, and the headers a
// status needs (Allow for 405 is added by the server, which knows the route table).
Response problem_response(const Error& e, std::string_view request_id);

}  // namespace yinxin::api
