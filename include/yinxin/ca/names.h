// Stable names of the CA enums, as the CLI and the HTTP API print them.
#pragma once

#include <string_view>

#include "yinxin/ca/store.h"

namespace yinxin::ca {

inline std::string_view ca_kind_name(CaKind k) noexcept {
    switch (k) {
        case CaKind::root: return "root";
        case CaKind::sub: return "sub";
        case CaKind::seal_root: return "seal_root";
        case CaKind::external: return "external";
    }
    return "unknown";
}

inline std::string_view certificate_status_name(CertificateStatus s) noexcept {
    switch (s) {
        case CertificateStatus::pending: return "pending";
        case CertificateStatus::issued: return "issued";
        case CertificateStatus::failed: return "failed";
    }
    return "unknown";
}

}  // namespace yinxin::ca
