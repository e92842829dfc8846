// Helpers shared by the seal system's source files. Internal to sealsys/.
#pragma once

#include <string>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/x509/csr.h"

namespace yinxin::sealsys::detail {

inline std::string str(std::string_view s) { return std::string(s); }

inline Error invalid(std::string message) { return make_error(Errc::seal_application_invalid, std::move(message)); }
inline Error illegal(std::string message) { return make_error(Errc::seal_illegal_state, std::move(message)); }
inline Error not_found(std::string message) { return make_error(Errc::seal_not_found, std::move(message)); }

// A PKCS#10 (DER or PEM) for an SM2 seal key with a valid proof of possession (signer ID
// `sm2_id`); seal.application_invalid naming what is wrong.
Result<x509::CertificationRequest> checked_csr(BytesView csr, std::string_view sm2_id);

// Text of at most `max` bytes without control characters (empty allowed when `optional`).
bool valid_text(std::string_view s, std::size_t max, bool optional = false);

}  // namespace yinxin::sealsys::detail
