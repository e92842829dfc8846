#include "yinxin/crypto/shamir.h"

#include <set>

namespace yinxin::crypto {
namespace {

// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (0x11b), without secret-dependent branches.
std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b) {
    std::uint8_t r = 0;
    for (int i = 0; i < 8; ++i) {
        r ^= static_cast<std::uint8_t>(-(b & 1) & a);
        std::uint8_t hi = static_cast<std::uint8_t>(-(a >> 7));
        a = static_cast<std::uint8_t>((a << 1) ^ (hi & 0x1b));
        b >>= 1;
    }
    return r;
}

// a^254 = a^-1 for a != 0 (the multiplicative group has order 255).
std::uint8_t gf_inv(std::uint8_t a) {
    std::uint8_t result = 1;
    std::uint8_t base = a;
    for (int e = 254; e > 0; e >>= 1) {
        if (e & 1) result = gf_mul(result, base);  // the exponent is public
        base = gf_mul(base, base);
    }
    return result;
}

}  // namespace

Result<std::vector<ShamirShare>> shamir_split(BytesView secret, unsigned threshold, unsigned count, Rng& rng) {
    if (secret.empty()) return make_error(Errc::invalid_argument, "shamir: empty secret");
    if (threshold < 2 || threshold > count || count > 255)
        return make_error(Errc::invalid_argument, "shamir: need 2 <= threshold <= count <= 255");

    std::vector<ShamirShare> shares(count);
    for (unsigned i = 0; i < count; ++i) {
        shares[i].x = static_cast<std::uint8_t>(i + 1);
        shares[i].y.resize(secret.size());
    }
    SecretBytes coeffs(threshold);
    for (std::size_t b = 0; b < secret.size(); ++b) {
        coeffs[0] = secret[b];
        YX_TRY(rng.fill(std::span<std::uint8_t>(coeffs.data() + 1, threshold - 1)));
        for (auto& share : shares) {
            // Horner: f(x) = c0 + x(c1 + x(c2 + ...)).
            std::uint8_t acc = 0;
            for (unsigned k = threshold; k-- > 0;) acc = static_cast<std::uint8_t>(gf_mul(acc, share.x) ^ coeffs[k]);
            share.y[b] = acc;
        }
    }
    return shares;
}

Result<SecretBytes> shamir_combine(std::span<const ShamirShare> shares, unsigned threshold) {
    if (threshold < 2) return make_error(Errc::invalid_argument, "shamir: threshold below 2");
    if (shares.size() < threshold)
        return make_error(Errc::invalid_argument, "shamir: " + std::to_string(shares.size()) + " shares given, " +
                                                      std::to_string(threshold) + " needed");
    std::set<std::uint8_t> xs;
    for (const auto& s : shares) {
        if (s.x == 0 || !xs.insert(s.x).second)
            return make_error(Errc::invalid_argument, "shamir: zero or duplicate share index");
        if (s.y.size() != shares[0].y.size() || s.y.empty())
            return make_error(Errc::invalid_argument, "shamir: shares of different lengths");
    }
    const auto used = shares.first(threshold);
    // Lagrange basis at 0: l_i = prod_{j != i} x_j / (x_j - x_i); subtraction is XOR in GF(2^8).
    std::vector<std::uint8_t> basis(used.size());
    for (std::size_t i = 0; i < used.size(); ++i) {
        std::uint8_t num = 1, den = 1;
        for (std::size_t j = 0; j < used.size(); ++j) {
            if (i == j) continue;
            num = gf_mul(num, used[j].x);
            den = gf_mul(den, static_cast<std::uint8_t>(used[j].x ^ used[i].x));
        }
        basis[i] = gf_mul(num, gf_inv(den));
    }
    SecretBytes secret(used[0].y.size());
    for (std::size_t b = 0; b < secret.size(); ++b) {
        std::uint8_t acc = 0;
        for (std::size_t i = 0; i < used.size(); ++i) acc ^= gf_mul(basis[i], used[i].y[b]);
        secret[b] = acc;
    }
    return secret;
}

}  // namespace yinxin::crypto
