// Password-based key derivation: PBKDF2 (RFC 8018 §5.2) with HMAC-SM3. Used to protect custodian
// shares of the device master key and for staff password hashes (LD/T 03-2022 §8.2.3).
#pragma once

#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/base/secure.h"

namespace yinxin::crypto {

// Salt at least 16 bytes and at least 10,000 iterations, else base.invalid_argument: weaker
// parameters are a configuration bug, not a choice.
Result<SecretBytes> pbkdf2_sm3(std::string_view password, BytesView salt, unsigned iterations, std::size_t out_len);

}  // namespace yinxin::crypto
