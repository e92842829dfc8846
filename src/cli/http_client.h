// The one HTTP/1.1 client of the `yinxin` commands (Boost.Beast over OpenSSL): staff login and
// session calls, RFC 3161 time-stamp requests, CRL downloads. Over HTTPS the server's certificate
// must chain to the given CA bundle and name the host (RFC 9525), else the request fails.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "yinxin/base/result.h"

namespace yinxin::cli {

struct HttpTarget {
    std::string host;
    std::string port;
    bool tls = false;
    std::string cacert;  // PEM bundle the server certificate must chain to (HTTPS)
    // Mutual TLS (the CA calling `serve --role kmc`): the client certificate chain and its key (PEM).
    std::string client_cert;
    std::string client_key;
    std::string path;  // the URL's path and query ("/" when none)
};

// http://host[:port][/path] or https://... (which needs `cacert`). Errors: base.invalid_argument.
Result<HttpTarget> parse_http_url(const std::string& url, const std::string& cacert = {});

struct HttpCall {
    std::string method = "GET";
    std::string path;  // empty: the target's own path
    std::string body;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::seconds timeout{30};
    std::uint64_t body_limit = std::uint64_t{64} * 1024 * 1024;
};

struct HttpReply {
    unsigned status = 0;
    std::string body;
    std::string content_type;
};

// One request on a new connection. Errors: base.io_error (connection, TLS, timeout, a reply over
// the limit), base.invalid_argument (a bad host name or method).
Result<HttpReply> http_call(const HttpTarget& target, const HttpCall& call);

}  // namespace yinxin::cli
