#include "ghash.h"

#include <cstring>

#include "yinxin/base/secure.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define YX_GHASH_CLMUL 1
#include <immintrin.h>
#endif

namespace yinxin::crypto::detail {

namespace {

std::uint64_t load64(const std::uint8_t* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return v;
}

void store64(std::uint8_t* p, std::uint64_t v) noexcept {
    for (int i = 7; i >= 0; --i) {
        p[i] = static_cast<std::uint8_t>(v);
        v >>= 8;
    }
}

// X * Y in GF(2^128) with the GCM bit order, SP 800-38D 6.3 Algorithm 1. Every step runs the
// same instructions whatever the bits of X and V are (masks, no branches, no tables).
void gf128_mul_portable(std::uint64_t& x_hi, std::uint64_t& x_lo, std::uint64_t y_hi, std::uint64_t y_lo) noexcept {
    std::uint64_t z_hi = 0, z_lo = 0;
    std::uint64_t v_hi = y_hi, v_lo = y_lo;
    for (int i = 0; i < 128; ++i) {
        const std::uint64_t word = i < 64 ? x_hi : x_lo;
        const std::uint64_t bit = (word >> (63 - (i & 63))) & 1;
        const std::uint64_t m = 0 - bit;
        z_hi ^= v_hi & m;
        z_lo ^= v_lo & m;
        // V := V >> 1, and if the bit shifted out was 1, V := V xor R with R = 11100001 || 0^120.
        const std::uint64_t carry = 0 - (v_lo & 1);
        v_lo = (v_lo >> 1) | (v_hi << 63);
        v_hi = (v_hi >> 1) ^ (carry & 0xE100000000000000ULL);
    }
    x_hi = z_hi;
    x_lo = z_lo;
}

#ifdef YX_GHASH_CLMUL
// Carry-less multiplication and reduction as described by S. Gueron and M. Kounavis, "Intel
// Carry-Less Multiplication Instruction and its Usage for Computing the GCM Mode" (2010 rev.),
// section "Reflected bits": operands are byte-swapped so that the register holds the block as
// a big-endian 128-bit value, the 256-bit product is shifted left by one bit to undo the bit
// reflection, then reduced modulo x^128 + x^7 + x^2 + x + 1.
__attribute__((target("pclmul,ssse3"))) __m128i gf128_mul_clmul(__m128i a, __m128i b) noexcept {
    __m128i lo = _mm_clmulepi64_si128(a, b, 0x00);
    __m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x10), _mm_clmulepi64_si128(a, b, 0x01));
    __m128i hi = _mm_clmulepi64_si128(a, b, 0x11);
    lo = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
    hi = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));

    // Shift the 256-bit value hi:lo left by one bit.
    __m128i lo_carry = _mm_srli_epi32(lo, 31);
    __m128i hi_carry = _mm_srli_epi32(hi, 31);
    lo = _mm_slli_epi32(lo, 1);
    hi = _mm_slli_epi32(hi, 1);
    const __m128i cross = _mm_srli_si128(lo_carry, 12);
    hi_carry = _mm_slli_si128(hi_carry, 4);
    lo_carry = _mm_slli_si128(lo_carry, 4);
    lo = _mm_or_si128(lo, lo_carry);
    hi = _mm_or_si128(hi, hi_carry);
    hi = _mm_or_si128(hi, cross);

    // Reduction, first phase.
    __m128i t = _mm_xor_si128(_mm_xor_si128(_mm_slli_epi32(lo, 31), _mm_slli_epi32(lo, 30)), _mm_slli_epi32(lo, 25));
    const __m128i t_hi = _mm_srli_si128(t, 4);
    t = _mm_slli_si128(t, 12);
    lo = _mm_xor_si128(lo, t);
    // Second phase.
    __m128i u = _mm_xor_si128(_mm_xor_si128(_mm_srli_epi32(lo, 1), _mm_srli_epi32(lo, 2)), _mm_srli_epi32(lo, 7));
    u = _mm_xor_si128(u, t_hi);
    lo = _mm_xor_si128(lo, u);
    return _mm_xor_si128(hi, lo);
}

__attribute__((target("pclmul,ssse3"))) void ghash_blocks_clmul(std::uint64_t& y_hi, std::uint64_t& y_lo,
                                                                std::uint64_t h_hi, std::uint64_t h_lo,
                                                                const std::uint8_t* p, std::size_t n) noexcept {
    const __m128i swap = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    // As 128-bit big-endian integers: high 64 bits in the upper lane.
    const __m128i h = _mm_set_epi64x(static_cast<long long>(h_hi), static_cast<long long>(h_lo));
    __m128i y = _mm_set_epi64x(static_cast<long long>(y_hi), static_cast<long long>(y_lo));
    for (std::size_t i = 0; i < n; ++i) {
        const __m128i x = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i)), swap);
        y = gf128_mul_clmul(_mm_xor_si128(y, x), h);
    }
    y_lo = static_cast<std::uint64_t>(_mm_cvtsi128_si64(y));
    y_hi = static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(y, y)));
}
#endif

}  // namespace

bool Ghash::clmul_available() noexcept {
#ifdef YX_GHASH_CLMUL
    static const bool available = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("ssse3");
    return available;
#else
    return false;
#endif
}

Ghash::Ghash(const std::uint8_t h[16], Impl impl)
    : m_h_hi(load64(h)), m_h_lo(load64(h + 8)), m_clmul(impl != Impl::portable && clmul_available()) {}

Ghash::~Ghash() {
    secure_zero(&m_h_hi, sizeof m_h_hi);
    secure_zero(&m_h_lo, sizeof m_h_lo);
    secure_zero(&m_y_hi, sizeof m_y_hi);
    secure_zero(&m_y_lo, sizeof m_y_lo);
}

void Ghash::reset() noexcept {
    m_y_hi = 0;
    m_y_lo = 0;
}

void Ghash::block(const std::uint8_t b[16]) noexcept { blocks(b, 1); }

void Ghash::blocks(const std::uint8_t* p, std::size_t n) noexcept {
#ifdef YX_GHASH_CLMUL
    if (m_clmul) {
        ghash_blocks_clmul(m_y_hi, m_y_lo, m_h_hi, m_h_lo, p, n);
        return;
    }
#endif
    for (std::size_t i = 0; i < n; ++i) {
        m_y_hi ^= load64(p + 16 * i);
        m_y_lo ^= load64(p + 16 * i + 8);
        gf128_mul_portable(m_y_hi, m_y_lo, m_h_hi, m_h_lo);
    }
}

void Ghash::absorb(const std::uint8_t* data, std::size_t len) noexcept {
    const std::size_t full = len / 16;
    if (full > 0) blocks(data, full);
    const std::size_t rest = len % 16;
    if (rest != 0) {
        std::uint8_t last[16] = {};
        std::memcpy(last, data + full * 16, rest);
        block(last);
        secure_zero(last, sizeof last);
    }
}

void Ghash::absorb_lengths(std::uint64_t aad_bits, std::uint64_t text_bits) noexcept {
    std::uint8_t b[16];
    store64(b, aad_bits);
    store64(b + 8, text_bits);
    block(b);
}

void Ghash::state(std::uint8_t out[16]) const noexcept {
    store64(out, m_y_hi);
    store64(out + 8, m_y_lo);
}

}  // namespace yinxin::crypto::detail
