// Test helper: makes ZIP archives with arbitrary (also hostile) entry names through libzip, which
// Package::write() rightly refuses to produce.
#pragma once

#include <zip.h>

#include <string>
#include <utility>
#include <vector>

#include "yinxin/base/bytes.h"

namespace yinxin::ofd::test {

struct RawEntry {
    std::string name;
    Bytes data;
    bool deflate = true;
};

inline Bytes make_zip(const std::vector<RawEntry>& entries) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
    zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    zip_error_fini(&err);
    if (za == nullptr) return {};
    zip_source_keep(src);
    for (const auto& e : entries) {
        zip_source_t* s = zip_source_buffer(za, e.data.data(), e.data.size(), 0);
        const zip_int64_t idx = zip_file_add(za, e.name.c_str(), s, ZIP_FL_ENC_RAW);
        if (idx < 0) {
            zip_source_free(s);
            continue;
        }
        zip_set_file_compression(za, static_cast<zip_uint64_t>(idx), e.deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 9);
    }
    Bytes out;
    if (zip_close(za) != 0) {
        zip_discard(za);
        zip_source_free(src);
        return out;
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
        out.resize(st.size);
        const zip_int64_t got = zip_source_read(src, out.data(), out.size());
        if (got < 0) out.clear();
        zip_source_close(src);
    }
    zip_source_free(src);
    return out;
}

// Replaces every occurrence of `from` by `to` (same length) in the archive bytes: names appear in
// the local headers and the central directory and are not covered by any CRC.
inline void patch_bytes(Bytes& b, std::string_view from, std::string_view to) {
    for (std::size_t i = 0; i + from.size() <= b.size(); ++i) {
        if (std::equal(from.begin(), from.end(), b.begin() + static_cast<std::ptrdiff_t>(i))) {
            std::copy(to.begin(), to.end(), b.begin() + static_cast<std::ptrdiff_t>(i));
        }
    }
}

}  // namespace yinxin::ofd::test
