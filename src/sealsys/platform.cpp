#include "yinxin/sealsys/platform.h"

#include <algorithm>

namespace yinxin::sealsys {

Result<std::optional<std::string>> LocalCodeAllocator::assign_code(const CodeRequest& request) {
    if (!valid_division_code(request.division_code))
        return make_error(Errc::seal_application_invalid, "division code '" + request.division_code + "' is not valid");
    // §7.4: industry seals take the industry code. A cross-industry seal would take the national
    // platform's code; the platform is not reachable from here, so it gets the industry code too
    // (docs/seal-system.md).
    return std::optional<std::string>{};
}

Result<std::string> LocalCodeAllocator::file_seal(const SealFiling& filing) {
    if (!valid_seal_code(filing.seal_code))
        return make_error(Errc::seal_application_invalid, "seal code '" + filing.seal_code + "' is not valid");
    return "local:" + filing.seal_code + ":" + hex_encode(filing.seal_sm3);
}

bool valid_seal_code(std::string_view code) noexcept {
    if (code.size() != 14) return false;
    if (!valid_division_code(code.substr(0, 6))) return false;
    const std::string_view seq = code.substr(6);
    if (!std::all_of(seq.begin(), seq.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    return seq != "00000000";
}

}  // namespace yinxin::sealsys
