// Internal: the GCTR function of SM4-GCM, exposed for white-box tests of the inc32 counter wrap.
#pragma once

#include <cstdint>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::crypto::detail {

// GCTR_K(icb, in) (NIST SP 800-38D 6.5) with SM4: counter blocks icb, inc32(icb), ...
// `out` must have room for in.size() bytes.
Status sm4_gctr(BytesView key, const std::uint8_t icb[16], BytesView in, std::uint8_t* out);

}  // namespace yinxin::crypto::detail
