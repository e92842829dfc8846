// The operator console (issue 10): a browser application (console/ at the repository root: HTML,
// CSS and JavaScript ES modules, no framework) embedded into the binary at build time and served
// by `yinxin serve` under /console/. It drives the staff, registration and public APIs with the
// member's bearer token; decisions and logins are SM2-signed in the browser (docs/console.md).
//
//   GET /                    302 → /console/
//   GET /console             302 → /console/
//   GET /console/            index.html
//   GET /console/<file>      an embedded file (unknown files: 404 problem)
//   GET /console/meta.json   what the views are built from, taken from the C++ tables so the
//                            console never carries a second copy: the role × action matrix
//                            (auth::action_table, who manages whom), the registration forms
//                            A.1–A.4 (ra::form_fields), request kinds and states, the SM2 ID
//
// Every console response carries a strict Content-Security-Policy (scripts and styles only from
// the console itself, no inline code, no framing, Trusted Types for DOM sinks) next to the
// server's X-Content-Type-Options: nosniff and Cache-Control: no-store.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "yinxin/api/server.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::api {

struct ConsoleOptions {
    // The SM2 signer ID the browser signs with: auth::AuthConfig::sm2_id of the staff routes.
    std::string sm2_id{crypto::k_default_sm2_id};
};

Status add_console_routes(Server& server, const ConsoleOptions& options = {});

// The Content-Security-Policy value of every console response.
std::string_view console_content_security_policy() noexcept;

// The body of GET /console/meta.json.
nlohmann::json console_metadata(const ConsoleOptions& options);

}  // namespace yinxin::api
