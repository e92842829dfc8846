// Small helpers shared by the command files: failing a CLI11 callback with an Error, reading
// secrets from files or the environment, reading and writing PEM/DER files.
#pragma once

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/device/custodian.h"

namespace yinxin::cli {

// Prints "error: [code name] message" to stderr and throws CLI::RuntimeError(exit_code), which
// CLI11_PARSE turns into the process exit status.
[[noreturn]] void fail(const Error& e, int exit_code = 1);

template <class T>
T take(Result<T> r) {
    if (!r.ok()) fail(r.error());
    return std::move(r).value();
}
inline void check(const Status& s) {
    if (!s.ok()) fail(s.error());
}

// {"code": 4052, "error": "x509.path_expired", "message": "..."}
nlohmann::json error_json(const Error& e);

// Custodian files hold one "name:password" per line; blank lines and lines starting with '#' are
// skipped. The password is everything after the first ':' (it may contain ':'). "-" or an empty
// path reads stdin.
Result<std::vector<device::Credential>> read_credentials(std::istream& in, const std::string& source);
Result<std::vector<device::Credential>> read_credentials_file(const std::string& path);

// A secret (key PIN) from a file (first line) or, when `file` is empty, from the environment
// variable `env` (never from argv: visible in ps and shell history). base.invalid_argument when
// neither gives one.
Result<std::string> read_secret(const std::string& file, const std::string& env, const std::string& what);

// The operator as the audit log names them: "cli:<login name of the process owner>" (the CLI runs on
// the CA host under a named account; staff sessions come with the server).
std::string cli_actor();

Result<Bytes> read_binary_file(const std::string& path);
Status write_binary_file(const std::string& path, BytesView data);
// DER bytes from a file holding DER or a PEM block with `label`.
Result<Bytes> read_der_or_pem(const std::string& path, const std::string& label);

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ");

}  // namespace yinxin::cli
