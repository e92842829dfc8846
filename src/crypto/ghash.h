// GHASH (NIST SP 800-38D 6.4) for the SM4-GCM mode in sm4.cpp. Internal.
//
// Two implementations with the same results: a portable one that follows SP 800-38D Algorithm 1
// bit by bit with masks instead of branches (no tables, so no key-dependent memory access), and
// one using the x86-64 carry-less multiply instruction (PCLMULQDQ), chosen at run time when the
// CPU has it. The test suite checks that both agree.
#pragma once

#include <cstddef>
#include <cstdint>

namespace yinxin::crypto::detail {

class Ghash {
public:
    enum class Impl { best, portable, clmul };

    // `h` is the hash subkey H = CIPH_K(0^128). Impl::clmul falls back to portable when the CPU
    // lacks PCLMULQDQ.
    explicit Ghash(const std::uint8_t h[16], Impl impl = Impl::best);
    ~Ghash();
    Ghash(const Ghash&) = default;
    Ghash& operator=(const Ghash&) = default;

    // Y := 0.
    void reset() noexcept;
    // Absorbs `data` as whole 16-byte blocks; a final partial block is padded with zeros
    // (the "|| 0^v" padding of SP 800-38D 7.1 step 5), so call once per field (A, then C).
    void absorb(const std::uint8_t* data, std::size_t len) noexcept;
    // Absorbs [len(A)]64 || [len(C)]64, lengths in bits.
    void absorb_lengths(std::uint64_t aad_bits, std::uint64_t text_bits) noexcept;
    void state(std::uint8_t out[16]) const noexcept;

    bool uses_clmul() const noexcept { return m_clmul; }
    static bool clmul_available() noexcept;

private:
    void block(const std::uint8_t b[16]) noexcept;
    void blocks(const std::uint8_t* p, std::size_t n) noexcept;

    std::uint64_t m_h_hi = 0, m_h_lo = 0;
    std::uint64_t m_y_hi = 0, m_y_lo = 0;
    bool m_clmul = false;
};

}  // namespace yinxin::crypto::detail
