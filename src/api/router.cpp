#include "yinxin/api/router.h"

#include <algorithm>
#include <set>

namespace yinxin::api {

namespace {

bool is_param(std::string_view seg) { return seg.size() >= 3 && seg.front() == '{' && seg.back() == '}'; }

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    // path starts with '/'; "/" has one empty segment, "/a/b" has "a", "b".
    std::size_t start = 1;
    for (;;) {
        const std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            out.push_back(path.substr(start));
            return out;
        }
        out.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
}

bool valid_method(std::string_view m) {
    return !m.empty() && std::all_of(m.begin(), m.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool valid_literal(std::string_view seg) {
    // RFC 3986 unreserved characters: literal segments never need percent-encoding.
    return std::all_of(seg.begin(), seg.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
               c == '_' || c == '~';
    });
}

bool valid_param_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// Negative when a is more specific than b (a literal where b has a parameter, at the first difference).
int compare_specificity(const Route& a, const Route& b) {
    for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
        const bool pa = is_param(a.segments[i]);
        const bool pb = is_param(b.segments[i]);
        if (pa != pb) return pa ? 1 : -1;
    }
    return 0;
}

}  // namespace

Status Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
    if (!valid_method(method))
        return make_error(Errc::invalid_argument, "route method '" + method + "' is not a token");
    if (pattern.empty() || pattern.front() != '/') {
        return make_error(Errc::invalid_argument, "route pattern '" + pattern + "' must start with '/'");
    }
    if (!handler) return make_error(Errc::invalid_argument, "route " + method + " " + pattern + " has no handler");
    Route r;
    std::set<std::string, std::less<>> names;
    for (std::string_view seg : split_path(pattern)) {
        if (is_param(seg)) {
            const std::string_view name = seg.substr(1, seg.size() - 2);
            if (!valid_param_name(name) || !names.insert(std::string(name)).second) {
                return make_error(Errc::invalid_argument, "route pattern '" + pattern + "': bad or repeated parameter");
            }
        } else if (!valid_literal(seg)) {
            return make_error(Errc::invalid_argument, "route pattern '" + pattern + "': segment '" + std::string(seg) +
                                                          "' is neither literal nor {param}");
        }
        r.segments.emplace_back(seg);
    }
    for (const auto& other : m_routes) {
        if (other.method != method || other.segments.size() != r.segments.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < r.segments.size() && same; ++i) {
            const bool p1 = is_param(r.segments[i]);
            const bool p2 = is_param(other.segments[i]);
            same = p1 == p2 && (p1 || r.segments[i] == other.segments[i]);
        }
        if (same) {
            std::string message = method;
            message.append(" ").append(pattern).append(" duplicates ").append(other.pattern);
            return make_error(Errc::api_route_conflict, std::move(message));
        }
    }
    r.method = std::move(method);
    r.pattern = std::move(pattern);
    r.handler = std::move(handler);
    r.options = std::move(options);
    m_routes.push_back(std::move(r));
    return ok_status();
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
    RouteMatch m;
    if (path.empty() || path.front() != '/') {
        m.error = make_error(Errc::api_bad_request, "the request target must be an absolute path");
        return m;
    }
    const auto segs = split_path(path);
    std::vector<std::string> decoded;
    decoded.reserve(segs.size());
    for (std::string_view s : segs) {
        // Segments are split before decoding, so an encoded "%2F" stays inside its parameter.
        auto d = percent_decode(s, false);
        if (!d.ok()) {
            m.error = std::move(d).error();
            return m;
        }
        decoded.push_back(std::move(d).value());
    }
    const std::string_view effective = method == "HEAD" ? std::string_view("GET") : method;
    const Route* best = nullptr;
    std::set<std::string> allowed;
    for (const auto& r : m_routes) {
        if (r.segments.size() != decoded.size()) continue;
        bool ok = true;
        for (std::size_t i = 0; i < decoded.size() && ok; ++i) {
            if (is_param(r.segments[i])) {
                ok = !decoded[i].empty();
            } else {
                ok = r.segments[i] == decoded[i];
            }
        }
        if (!ok) continue;
        allowed.insert(r.method);
        if (r.method == "GET") allowed.insert("HEAD");
        if (r.method != effective && r.method != method) continue;
        if (best == nullptr || compare_specificity(r, *best) < 0) best = &r;
    }
    if (best == nullptr) {
        if (allowed.empty()) {
            m.error = make_error(Errc::api_route_not_found, "no resource at this path");
        } else {
            m.allowed.assign(allowed.begin(), allowed.end());
            m.error =
                make_error(Errc::api_method_not_allowed, "method " + std::string(method) + " is not allowed here");
        }
        return m;
    }
    for (std::size_t i = 0; i < decoded.size(); ++i) {
        if (is_param(best->segments[i])) {
            m.params[best->segments[i].substr(1, best->segments[i].size() - 2)] = std::move(decoded[i]);
        }
    }
    m.route = best;
    return m;
}

}  // namespace yinxin::api
