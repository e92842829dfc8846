// Shamir secret sharing over GF(2^8) (Shamir 1979, "How to share a secret"), used to split the
// software device's master key among custodians: LD/T 03-2022 §8.3.6 b and the CPSs' 3-of-5 rule.
// Each byte of the secret is shared with its own random polynomial of degree threshold-1.
// Arithmetic is branch-free in the secret values.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/base/secure.h"

namespace yinxin::crypto {

struct ShamirShare {
    std::uint8_t x = 0;  // evaluation point, 1..255; 0 would be the secret itself
    SecretBytes y;       // one byte per secret byte
};

// 2 <= threshold <= count <= 255, secret not empty; else base.invalid_argument.
Result<std::vector<ShamirShare>> shamir_split(BytesView secret, unsigned threshold, unsigned count, Rng& rng);

// Interpolates at x = 0 from `shares`. Fewer than `threshold` shares, duplicate or zero x, or
// shares of different lengths → base.invalid_argument. With enough consistent shares the result
// is the secret; wrong shares give a wrong value, so callers keep a check value (device layer).
Result<SecretBytes> shamir_combine(std::span<const ShamirShare> shares, unsigned threshold);

}  // namespace yinxin::crypto
