#include "yinxin/api/http.h"

#include <algorithm>
#include <cctype>

namespace yinxin::api {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) return std::string_view(v);
    }
    return std::nullopt;
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
    for (const auto& [k, v] : query) {
        if (k == name) return std::string_view(v);
    }
    return std::nullopt;
}

std::string_view Request::path_param(std::string_view name) const {
    auto it = path_params.find(std::string(name));
    return it == path_params.end() ? std::string_view{} : std::string_view(it->second);
}

Response Response::json(const nlohmann::json& body, unsigned status) {
    Response r;
    r.status = status;
    r.content_type = k_json;
    // Invalid UTF-8 in a string is replaced rather than thrown on: a response must always render.
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

Response Response::text(std::string body, std::string content_type, unsigned status) {
    Response r;
    r.status = status;
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    return r;
}

Response Response::no_content() {
    Response r;
    r.status = 204;
    return r;
}

std::string media_type(std::string_view content_type) {
    std::string out;
    for (char c : content_type.substr(0, content_type.find(';'))) {
        if (c == ' ' || c == '\t') continue;
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

Result<std::string> percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return make_error(Errc::api_bad_request, "truncated percent-escape");
            const int hi = hex_value(s[i + 1]);
            const int lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) return make_error(Errc::api_bad_request, "malformed percent-escape");
            const char decoded = static_cast<char>(hi * 16 + lo);
            if (decoded == '\0') return make_error(Errc::api_bad_request, "encoded NUL in the request target");
            out += decoded;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

Result<nlohmann::json> parse_json(std::string_view text, int max_depth) {
    if (text.empty()) return make_error(Errc::api_bad_json, "empty body where a JSON document is required");
    bool too_deep = false;
    // The callback sees every container start with its depth; refusing deep input here keeps the
    // document (and its later traversal) bounded.
    nlohmann::json::parser_callback_t cb = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        if ((event == nlohmann::json::parse_event_t::object_start ||
             event == nlohmann::json::parse_event_t::array_start) &&
            depth >= max_depth) {
            too_deep = true;
            return false;
        }
        return !too_deep;
    };
    nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/false);
    if (too_deep) {
        return make_error(Errc::api_bad_json, "JSON nested deeper than " + std::to_string(max_depth) + " levels");
    }
    if (j.is_discarded()) return make_error(Errc::api_bad_json, "the body is not a well-formed JSON document");
    return j;
}

}  // namespace yinxin::api
