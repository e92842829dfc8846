// The operator console's files, embedded at build time (console_assets.cmake generates the table
// from console/ at the repository root). Internal to api/: console_routes.cpp serves them.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace yinxin::api::console_assets {

struct Asset {
    std::string_view path;          // relative to console/, e.g. "js/app.js"
    std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
    const unsigned char* data;
    std::size_t size;
};

// Every file of console/, sorted by path.
std::span<const Asset> all() noexcept;

}  // namespace yinxin::api::console_assets
