// Route table: method + path pattern with {param} segments → handler. Fixed before the server starts
// (read concurrently afterwards without locks).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/api/http.h"
#include "yinxin/base/result.h"

namespace yinxin::api {

struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    Handler handler;
    RouteOptions options;
};

struct RouteMatch {
    const Route* route = nullptr;               // set on success
    std::map<std::string, std::string> params;  // percent-decoded path parameters
    std::vector<std::string> allowed;           // on api.method_not_allowed: the methods the path has
    Error error{Errc::ok, {}};                  // api.route_not_found / api.method_not_allowed / api.bad_request
};

class Router {
public:
    // `pattern` is "/" followed by segments separated by "/"; a segment is either literal text
    // (unreserved characters) or a whole "{name}". api.route_conflict when method + pattern (with
    // parameter names ignored) is already taken; base.invalid_argument for a malformed pattern.
    Status add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

    // Matches an origin-form path (no query). When several patterns match, the most specific wins:
    // at the first segment where they differ, a literal beats a parameter. A HEAD request matches GET
    // routes. No route for the path → api.route_not_found; routes for the path but not for the
    // method → api.method_not_allowed with `allowed` filled (for the Allow header, RFC 9110 §15.5.6).
    RouteMatch match(std::string_view method, std::string_view path) const;

    const std::vector<Route>& routes() const noexcept { return m_routes; }

private:
    std::vector<Route> m_routes;
};

}  // namespace yinxin::api
