#include "cli_util.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "yinxin/base/secure.h"

namespace yinxin::cli {

void fail(const Error& e, int exit_code) {
    std::cerr << "error: " << e.to_string() << "\n";
    throw CLI::RuntimeError(exit_code);
}

nlohmann::json error_json(const Error& e) {
    return {{"code", e.numeric()}, {"error", std::string(errc_name(e.code))}, {"message", e.message}};
}

Result<std::vector<device::Credential>> read_credentials(std::istream& in, const std::string& source) {
    std::vector<device::Credential> out;
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') {
            secure_zero(line.data(), line.capacity());
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0) {
            secure_zero(line.data(), line.capacity());
            return make_error(Errc::invalid_argument,
                              source + " line " + std::to_string(n) + ": expected name:password");
        }
        out.emplace_back(line.substr(0, colon), line.substr(colon + 1));
        secure_zero(line.data(), line.capacity());
    }
    return out;
}

Result<std::vector<device::Credential>> read_credentials_file(const std::string& path) {
    if (path.empty() || path == "-") return read_credentials(std::cin, "stdin");
    std::ifstream f(path);
    if (!f) return make_error(Errc::io_error, "cannot read '" + path + "'");
    return read_credentials(f, path);
}

Result<std::string> read_secret(const std::string& file, const std::string& env, const std::string& what) {
    if (!file.empty()) {
        std::ifstream f(file);
        if (!f) return make_error(Errc::io_error, "cannot read " + what + " file '" + file + "'");
        std::string line;
        std::getline(f, line);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) return make_error(Errc::invalid_argument, what + " file '" + file + "' is empty");
        return line;
    }
    const char* v = env.empty() ? nullptr : std::getenv(env.c_str());
    if (v == nullptr || *v == '\0') {
        return make_error(Errc::invalid_argument, "no " + what + ": set " + env + " or give a file");
    }
    return std::string(v);
}

Result<Bytes> read_binary_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return make_error(Errc::io_error, "cannot read '" + path + "'");
    return Bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

Status write_binary_file(const std::string& path, BytesView data) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    f.close();
    if (!f) return make_error(Errc::io_error, "cannot write '" + path + "'");
    return {};
}

Result<Bytes> read_der_or_pem(const std::string& path, const std::string& label) {
    YX_ASSIGN_OR_RETURN(Bytes raw, read_binary_file(path));
    const std::string text = to_string(raw);
    if (text.find("-----BEGIN ") != std::string::npos) return pem_decode(text, label);
    return raw;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

std::string cli_actor() {
    const char* user = std::getenv("USER");
    return std::string("cli:") + (user != nullptr && *user != '\0' ? user : std::to_string(::getuid()));
}

}  // namespace yinxin::cli
