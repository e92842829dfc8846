// Reader for the known-answer vector files in tests/data/kat/ (Botan-style .vec files, STYLE.md 10).
//
// Format, line oriented:
//   # comment lines (provenance goes here), anywhere
//   Name = value
//   (one blank line between vectors)
// A vector is a run of consecutive `Name = value` lines. Values are kept as written (surrounding
// spaces trimmed); the accessors interpret them:
//   bytes("Key")  hex (spaces allowed), or, when the value is in double quotes, the literal
//                 characters between them ("message digest" → 14 bytes; "" → empty)
//   text("Id")    the value without the quotes, if any
//   number("N")   a non-negative decimal integer
// Shared by every test suite; a malformed file throws std::runtime_error, which GoogleTest
// reports as a test failure with the file and line.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "yinxin/base/bytes.h"

namespace yinxin::testing {

class KatVector {
public:
    KatVector(std::string file, int line) : m_file(std::move(file)), m_line(line) {}

    bool has(const std::string& name) const { return m_fields.count(name) != 0; }

    const std::string& raw(const std::string& name) const {
        auto it = m_fields.find(name);
        if (it == m_fields.end()) throw std::runtime_error(where() + ": no field '" + name + "'");
        return it->second;
    }

    std::string text(const std::string& name) const {
        const std::string& v = raw(name);
        return quoted(v) ? v.substr(1, v.size() - 2) : v;
    }

    Bytes bytes(const std::string& name) const {
        const std::string& v = raw(name);
        if (quoted(v)) return to_bytes(std::string_view(v).substr(1, v.size() - 2));
        auto b = hex_decode(v);
        if (!b) throw std::runtime_error(where() + ": field '" + name + "' is not hex: " + b.error().message);
        return std::move(b).value();
    }

    std::uint64_t number(const std::string& name) const {
        const std::string& v = raw(name);
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
            throw std::runtime_error(where() + ": field '" + name + "' is not a decimal number");
        return std::stoull(v);
    }

    // "file:line" of the vector's first field, for assertion messages.
    std::string where() const { return m_file + ":" + std::to_string(m_line); }
    const std::map<std::string, std::string>& fields() const { return m_fields; }

    void set(const std::string& name, std::string value, int line) {
        if (!m_fields.emplace(name, std::move(value)).second)
            throw std::runtime_error(m_file + ":" + std::to_string(line) + ": duplicate field '" + name + "'");
    }

private:
    static bool quoted(const std::string& v) { return v.size() >= 2 && v.front() == '"' && v.back() == '"'; }

    std::string m_file;
    int m_line;
    std::map<std::string, std::string> m_fields;
};

inline std::string kat_trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

// Parses KAT text; `name` is used in error messages and KatVector::where().
inline std::vector<KatVector> parse_kat(const std::string& text, const std::string& name) {
    std::vector<KatVector> out;
    std::istringstream in(text);
    std::string line;
    int lineno = 0;
    bool open = false;
    while (std::getline(in, line)) {
        ++lineno;
        const std::string t = kat_trim(line);
        if (t.empty()) {
            open = false;
            continue;
        }
        if (t[0] == '#') continue;
        const auto eq = t.find('=');
        if (eq == std::string::npos)
            throw std::runtime_error(name + ":" + std::to_string(lineno) + ": expected 'Name = value'");
        const std::string key = kat_trim(t.substr(0, eq));
        if (key.empty()) throw std::runtime_error(name + ":" + std::to_string(lineno) + ": empty field name");
        if (!open) {
            out.emplace_back(name, lineno);
            open = true;
        }
        out.back().set(key, kat_trim(t.substr(eq + 1)), lineno);
    }
    return out;
}

// Loads tests/data/<relative> (YINXIN_TEST_DATA_DIR is set by yinxin_test() in tests/CMakeLists.txt).
inline std::vector<KatVector> load_kat(const std::string& relative) {
#ifndef YINXIN_TEST_DATA_DIR
#error "YINXIN_TEST_DATA_DIR must be defined (use yinxin_test() in CMake)"
#endif
    const std::string path = std::string(YINXIN_TEST_DATA_DIR) + "/" + relative;
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open KAT file " + path);
    std::ostringstream ss;
    ss << f.rdbuf();
    auto v = parse_kat(ss.str(), relative);
    if (v.empty()) throw std::runtime_error("KAT file " + path + " has no vectors");
    return v;
}

}  // namespace yinxin::testing
