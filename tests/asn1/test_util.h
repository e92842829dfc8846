// Helpers shared by the asn1 tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "yinxin/base/bytes.h"

namespace yinxin::asn1::testing {

inline Bytes hex(std::string_view h) {
    auto r = hex_decode(h);
    if (!r.ok()) throw std::runtime_error("bad hex in test: " + std::string(h));
    return *r;
}

inline Bytes read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline std::string data_path(const std::string& name) { return std::string(YINXIN_TEST_DATA_DIR) + "/asn1/" + name; }

}  // namespace yinxin::asn1::testing
