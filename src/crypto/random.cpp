#include "yinxin/crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "openssl_util.h"

namespace yinxin::crypto {

Status OpensslRng::fill(std::span<std::uint8_t> out) {
    constexpr std::size_t k_chunk = 1 << 20;
    for (std::size_t off = 0; off < out.size(); off += k_chunk) {
        const std::size_t n = std::min(k_chunk, out.size() - off);
        if (RAND_priv_bytes(out.data() + off, static_cast<int>(n)) != 1)
            return detail::openssl_error(Errc::rng_failure, "RAND_priv_bytes");
    }
    return ok_status();
}

Result<Bytes> random_serial(Rng& rng) {
    // RFC 5280 4.1.2.2 and CA/B BR 7.1: positive, at most 20 octets, >= 64 bits from a CSPRNG.
    // 16 octets with the top bit cleared (positive without a 0x00 pad) and a non-zero first
    // octet (so the DER INTEGER is always exactly 16 octets). A draw with a zero first octet is
    // discarded whole rather than patched, so the accepted values stay uniform.
    constexpr int k_max_draws = 64;  // 1/128 chance per draw: 64 rejections means a broken RNG
    for (int i = 0; i < k_max_draws; ++i) {
        Bytes s(16);
        YX_TRY(rng.fill(s));
        s[0] &= 0x7f;
        if (s[0] != 0) return s;
    }
    return make_error(Errc::rng_failure, "random_serial: RNG keeps returning a zero leading octet");
}

}  // namespace yinxin::crypto
