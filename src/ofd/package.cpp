#include "yinxin/ofd/package.h"

#include <zip.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <memory>
#include <utility>

namespace yinxin::ofd {

namespace {

bool bad_char(unsigned char c) { return c < 0x20 || c == 0x7f || c == '\\'; }

// A first segment like "C:" would be a drive on Windows tools that extract the package.
bool looks_like_drive(std::string_view seg) { return seg.find(':') != std::string_view::npos; }

Error path_error(std::string_view path, const char* why) {
    return make_error(Errc::ofd_bad_path, "package path \"" + std::string(path) + "\": " + why);
}

std::vector<std::string_view> split(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        std::size_t end = s.find('/', pos);
        if (end == std::string_view::npos) end = s.size();
        out.push_back(s.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

// Entry names in the archive must already be plain relative paths: nothing is "resolved", because
// an extractor would not resolve them the same way (zip-slip).
Status validate_entry_name(std::string_view name, bool is_dir) {
    if (name.empty()) return path_error(name, "empty entry name");
    for (unsigned char c : name) {
        if (bad_char(c)) return path_error(name, "backslash or control character in entry name");
    }
    if (name.front() == '/') return path_error(name, "absolute entry name");
    std::string_view body = name;
    if (is_dir) body.remove_suffix(1);
    if (body.empty()) return path_error(name, "empty entry name");
    const auto segs = split(body);
    for (std::size_t i = 0; i < segs.size(); ++i) {
        const auto s = segs[i];
        if (s.empty()) return path_error(name, "empty path segment");
        if (s == "." || s == "..") return path_error(name, "'.' or '..' segment");
        if (i == 0 && looks_like_drive(s)) return path_error(name, "drive letter or scheme");
    }
    return ok_status();
}

std::string zip_error_text(zip_error_t* e) {
    const char* s = zip_error_strerror(e);
    return s != nullptr ? s : "unknown libzip error";
}

struct ZipDiscard {
    void operator()(zip_t* z) const noexcept { zip_discard(z); }
};
struct ZipFileClose {
    void operator()(zip_file_t* f) const noexcept { zip_fclose(f); }
};

}  // namespace

Result<std::string> resolve_path(std::string_view path, std::string_view base_dir) {
    if (path.empty()) return path_error(path, "empty");
    for (unsigned char c : path) {
        if (bad_char(c)) return path_error(path, "backslash or control character");
    }
    std::vector<std::string> out;
    std::string_view rest = path;
    if (rest.front() == '/') {
        // Absolute inside the package; "//Doc_0/..." (Koal) is the same.
        while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    } else if (!base_dir.empty()) {
        for (auto s : split(base_dir)) {
            if (!s.empty()) out.emplace_back(s);
        }
    }
    const auto segs = split(rest);
    for (std::size_t i = 0; i < segs.size(); ++i) {
        const auto s = segs[i];
        if (s.empty() || s == ".") continue;
        if (s == "..") {
            if (out.empty()) return path_error(path, "climbs above the package root");
            out.pop_back();
            continue;
        }
        if (out.empty() && looks_like_drive(s)) return path_error(path, "drive letter or scheme");
        out.emplace_back(s);
    }
    if (out.empty()) return path_error(path, "names no file");
    std::string r;
    for (const auto& s : out) {
        if (!r.empty()) r += '/';
        r += s;
    }
    return r;
}

std::string parent_dir(std::string_view entry_name) {
    const auto p = entry_name.rfind('/');
    return p == std::string_view::npos ? std::string() : std::string(entry_name.substr(0, p));
}

std::string absolute(std::string_view entry_name) { return "/" + std::string(entry_name); }

Result<Package> Package::read(BytesView zip, const ReadLimits& limits) {
    if (zip.size() > limits.max_package_size) {
        return make_error(Errc::ofd_too_large, "package of " + std::to_string(zip.size()) + " bytes exceeds the limit");
    }
    // APPNOTE 4.3.16: the end of central directory record alone is 22 bytes.
    if (zip.size() < 22) return make_error(Errc::ofd_bad_zip, "too short for a ZIP archive");
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(zip.data(), zip.size(), 0, &err);
    if (src == nullptr) {
        Error e = make_error(Errc::ofd_bad_zip, "libzip: " + zip_error_text(&err));
        zip_error_fini(&err);
        return e;
    }
    std::unique_ptr<zip_t, ZipDiscard> za(zip_open_from_source(src, ZIP_RDONLY, &err));
    if (!za) {
        zip_source_free(src);
        Error e = make_error(Errc::ofd_bad_zip, "not a readable ZIP archive: " + zip_error_text(&err));
        zip_error_fini(&err);
        return e;
    }
    zip_error_fini(&err);

    const zip_int64_t n = zip_get_num_entries(za.get(), 0);
    if (n < 0) return make_error(Errc::ofd_bad_zip, "cannot count the entries");
    if (static_cast<std::uint64_t>(n) > limits.max_entries) {
        return make_error(Errc::ofd_too_many_entries,
                          std::to_string(n) + " entries exceed the limit of " + std::to_string(limits.max_entries));
    }

    Package pkg;
    pkg.m_limits = limits;
    std::uint64_t total = 0;
    std::array<std::uint8_t, std::size_t{64} << 10> buf{};
    for (zip_int64_t i = 0; i < n; ++i) {
        const auto idx = static_cast<zip_uint64_t>(i);
        zip_stat_t st;
        zip_stat_init(&st);
        // Raw names: libzip's CP437 "guess" would turn control characters into printable symbols
        // and garble GBK names; OFD names are ASCII.
        if (zip_stat_index(za.get(), idx, ZIP_FL_ENC_RAW, &st) != 0 || (st.valid & ZIP_STAT_NAME) == 0) {
            return make_error(Errc::ofd_bad_zip, "entry " + std::to_string(i) + ": " + zip_strerror(za.get()));
        }
        std::string name(st.name);
        const bool is_dir = !name.empty() && name.back() == '/';
        YX_TRY(validate_entry_name(name, is_dir));
        if (is_dir) continue;
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 && st.encryption_method != ZIP_EM_NONE) {
            return make_error(Errc::ofd_unsupported, "entry \"" + name + "\" is encrypted");
        }
        if ((st.valid & ZIP_STAT_COMP_METHOD) != 0 && st.comp_method != ZIP_CM_STORE &&
            st.comp_method != ZIP_CM_DEFLATE) {
            return make_error(Errc::ofd_unsupported, "entry \"" + name + "\" uses compression method " +
                                                         std::to_string(st.comp_method) + " (OFD uses deflate)");
        }
        if (pkg.m_index.count(name) != 0) {
            return make_error(Errc::ofd_duplicate_entry, "entry \"" + name + "\" appears twice");
        }
        // Declared sizes are only a first filter; the real count happens while inflating.
        if ((st.valid & ZIP_STAT_SIZE) != 0 && st.size > limits.max_entry_size) {
            return make_error(Errc::ofd_too_large,
                              "entry \"" + name + "\" declares " + std::to_string(st.size) + " bytes, above the limit");
        }
        const std::uint64_t comp = (st.valid & ZIP_STAT_COMP_SIZE) != 0 ? st.comp_size : 0;

        std::unique_ptr<zip_file_t, ZipFileClose> f(zip_fopen_index(za.get(), idx, 0));
        if (!f) {
            return make_error(Errc::ofd_bad_zip, "cannot open entry \"" + name + "\": " + zip_strerror(za.get()));
        }
        Bytes data;
        for (;;) {
            const zip_int64_t got = zip_fread(f.get(), buf.data(), buf.size());
            if (got < 0) {
                return make_error(Errc::ofd_bad_zip,
                                  "cannot inflate entry \"" + name + "\": " + zip_file_strerror(f.get()));
            }
            if (got == 0) break;
            const auto g = static_cast<std::uint64_t>(got);
            if (data.size() + g > limits.max_entry_size) {
                return make_error(Errc::ofd_too_large, "entry \"" + name + "\" inflates above the entry limit");
            }
            if (total + g > limits.max_total_size) {
                return make_error(Errc::ofd_too_large, "the package inflates above the total size limit");
            }
            const std::uint64_t produced = data.size() + g;
            if (produced > limits.ratio_threshold && produced / std::max<std::uint64_t>(comp, 1) > limits.max_ratio) {
                return make_error(Errc::ofd_zip_bomb, "entry \"" + name + "\" expands more than " +
                                                          std::to_string(limits.max_ratio) + ":1");
            }
            data.insert(data.end(), buf.begin(), buf.begin() + got);
            total += g;
        }
        pkg.m_index.emplace(name, pkg.m_entries.size());
        pkg.m_entries.push_back(Entry{std::move(name), std::move(data)});
    }
    return pkg;
}

Result<Package> Package::read_file(const std::filesystem::path& path, const ReadLimits& limits) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return make_error(Errc::io_error, "cannot read " + path.string() + ": " + ec.message());
    if (size > limits.max_package_size) {
        return make_error(Errc::ofd_too_large, path.string() + " exceeds the package size limit");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::io_error, "cannot open " + path.string());
    Bytes data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return read(data, limits);
}

const Entry* Package::find(std::string_view name) const {
    auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : &m_entries[it->second];
}

bool Package::contains(std::string_view path) const {
    auto name = resolve_path(path);
    return name.ok() && find(*name) != nullptr;
}

Result<BytesView> Package::get(std::string_view path) const {
    YX_ASSIGN_OR_RETURN(std::string name, resolve_path(path));
    const Entry* e = find(name);
    if (e == nullptr) return make_error(Errc::ofd_missing_part, "the package has no \"" + absolute(name) + "\"");
    return BytesView(e->data);
}

Status Package::put(std::string_view path, Bytes data) {
    YX_ASSIGN_OR_RETURN(std::string name, resolve_path(path));
    auto it = m_index.find(name);
    if (it != m_index.end()) {
        m_entries[it->second].data = std::move(data);
    } else {
        m_index.emplace(name, m_entries.size());
        m_entries.push_back(Entry{std::move(name), std::move(data)});
    }
    return ok_status();
}

bool Package::remove(std::string_view path) {
    auto name = resolve_path(path);
    if (!name.ok()) return false;
    auto it = m_index.find(*name);
    if (it == m_index.end()) return false;
    m_entries.erase(m_entries.begin() + static_cast<std::ptrdiff_t>(it->second));
    m_index.clear();
    for (std::size_t i = 0; i < m_entries.size(); ++i) m_index.emplace(m_entries[i].name, i);
    return true;
}

Result<Bytes> Package::write() const {
    if (m_entries.empty()) {
        // libzip removes an archive left empty; an empty ZIP is just the end-of-central-directory record.
        Bytes eocd(22, 0);
        eocd[0] = 'P';
        eocd[1] = 'K';
        eocd[2] = 5;
        eocd[3] = 6;
        return eocd;
    }
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
    if (src == nullptr) {
        Error e = make_error(Errc::internal, "libzip: " + zip_error_text(&err));
        zip_error_fini(&err);
        return e;
    }
    zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    if (za == nullptr) {
        zip_source_free(src);
        Error e = make_error(Errc::internal, "libzip: " + zip_error_text(&err));
        zip_error_fini(&err);
        return e;
    }
    zip_error_fini(&err);
    zip_source_keep(src);  // still ours after zip_close, to read the archive back
    auto fail = [&](const std::string& what) -> Error {
        Error e = make_error(Errc::internal, what + ": " + zip_strerror(za));
        zip_discard(za);
        zip_source_free(src);
        return e;
    };
    for (const auto& e : m_entries) {
        zip_source_t* s = zip_source_buffer(za, e.data.data(), e.data.size(), 0);
        if (s == nullptr) return fail("zip_source_buffer");
        const zip_int64_t idx = zip_file_add(za, e.name.c_str(), s, ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(s);
            return fail("zip_file_add " + e.name);
        }
        const auto u = static_cast<zip_uint64_t>(idx);
        // Deterministic output: fixed compression and the DOS epoch (date 1980-01-01 = 0x0021,
        // time 00:00) instead of "now" in the local time zone.
        if (zip_set_file_compression(za, u, ZIP_CM_DEFLATE, 9) != 0) return fail("zip_set_file_compression");
        if (zip_file_set_dostime(za, u, 0x0000, 0x0021, 0) != 0) return fail("zip_file_set_dostime");
    }
    if (zip_close(za) != 0) return fail("zip_close");

    Bytes out;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_stat(src, &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0 || zip_source_open(src) != 0) {
        zip_source_free(src);
        return make_error(Errc::internal, "cannot read back the written archive");
    }
    out.resize(st.size);
    const zip_int64_t got = zip_source_read(src, out.data(), out.size());
    zip_source_close(src);
    zip_source_free(src);
    if (got < 0 || static_cast<zip_uint64_t>(got) != st.size) {
        return make_error(Errc::internal, "short read of the written archive");
    }
    return out;
}

}  // namespace yinxin::ofd
