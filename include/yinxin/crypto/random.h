// Random numbers from OpenSSL's DRBG, and certificate serial numbers.
#pragma once

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"

namespace yinxin::crypto {

// RAND_priv_bytes: OpenSSL's private DRBG seeded from the kernel.
class OpensslRng final : public Rng {
public:
    Status fill(std::span<std::uint8_t> out) override;
};

// A certificate serial number as the content octets of a positive DER INTEGER: RFC 5280 4.1.2.2
// (positive, at most 20 octets) with at least 64 random bits (CA/B BR 7.1). Yinxin draws 127 bits
// from `rng` into 16 octets with the top bit cleared and a non-zero first octet (so the encoding is
// always exactly 16 octets and never needs a 0x00 pad).
Result<Bytes> random_serial(Rng& rng);

}  // namespace yinxin::crypto
