// Transport-neutral request/response types for the HTTP API (ARCHITECTURE.md "Interfaces"): handlers
// see only these, never Boost.Beast, so business wiring stays testable and the transport replaceable.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::api {

using Header = std::pair<std::string, std::string>;

// NOLINTNEXTLINE(bugprone-exception-escape): the implicit move of a member (std::map) is not noexcept
struct Request {
    std::string method;                                      // as sent, e.g. "GET"
    std::string target;                                      // request-target as received, e.g. "/v1/certs/01?fmt=pem"
    std::string path;                                        // the target without the query, still percent-encoded
    std::string route;                                       // the matched pattern, e.g. "/v1/certs/{serial}"
    std::map<std::string, std::string> path_params;          // percent-decoded
    std::vector<std::pair<std::string, std::string>> query;  // percent-decoded, in order
    std::vector<Header> headers;                             // in order, names as sent
    std::string body;                                        // raw body octets
    nlohmann::json json;     // the parsed body on routes that consume application/json; null otherwise
    std::string peer;        // "127.0.0.1:54321" / "[::1]:54321"
    Bytes client_cert_der;   // TLS client certificate, verified against the client CA bundle; empty if none
    std::string request_id;  // unique per request; in the X-Request-Id response header and the logs

    // First header with this name (case-insensitive), if any.
    std::optional<std::string_view> header(std::string_view name) const;
    // First query parameter with this name, if any.
    std::optional<std::string_view> query_param(std::string_view name) const;
    // The {name} path parameter; empty when the route has none of that name.
    std::string_view path_param(std::string_view name) const;
};

struct Response {
    unsigned status = 200;
    std::string content_type;  // empty: no Content-Type (e.g. 204)
    std::vector<Header> headers;
    std::string body;

    static Response json(const nlohmann::json& body, unsigned status = 200);
    static Response text(std::string body, std::string content_type = "text/plain; charset=utf-8",
                         unsigned status = 200);
    static Response no_content();
};

// Handlers return expected failures as Error values; the server renders them as RFC 9457 problem
// documents (problem.h). A thrown exception is a bug: it becomes a 500 and is logged.
using Handler = std::function<Result<Response>(const Request&)>;

struct RouteOptions {
    // Media types the route accepts as request content (lower case, no parameters). Empty: the route
    // takes whatever is sent. When "application/json" is listed (also matching "application/*+json"),
    // the body is parsed into Request::json before the handler runs; malformed JSON is a 400 problem
    // and never reaches the handler. Another type → 415.
    std::vector<std::string> consumes;
    // Overrides Limits::max_body_bytes for this route (e.g. a larger limit for OFD uploads).
    std::optional<std::uint64_t> max_body_bytes;
};

// NOLINTNEXTLINE(cert-err58-cpp): a short literal; allocation failure at start-up is fatal anyway
inline const std::string k_json = "application/json";

// Media type of a Content-Type value: lower case, parameters and spaces removed.
std::string media_type(std::string_view content_type);
// RFC 3986 percent-decoding; `plus_is_space` for application/x-www-form-urlencoded query strings.
// Fails on a malformed escape or an encoded NUL.
Result<std::string> percent_decode(std::string_view s, bool plus_is_space);
// Parses a JSON document with a nesting limit (deep nesting is refused before it can exhaust memory
// or stack further down): api.bad_json on failure.
Result<nlohmann::json> parse_json(std::string_view text, int max_depth = 64);

}  // namespace yinxin::api
