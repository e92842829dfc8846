// Injectable random source (Botan fixed-output RNG in tests). Production draws from the kernel
// CSPRNG (getrandom); the crypto layer adds an OpenSSL DRBG-backed source.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin {

class Rng {
public:
    virtual ~Rng() = default;
    virtual Status fill(std::span<std::uint8_t> out) = 0;

    Result<Bytes> bytes(std::size_t n) {
        Bytes b(n);
        YX_TRY(fill(b));
        return b;
    }
};

// getrandom(2), blocking until the pool is initialised.
class SystemRng final : public Rng {
public:
    Status fill(std::span<std::uint8_t> out) override;
};

// Deterministic output for tests: replays `script` first, then a SplitMix64 stream from `seed`.
// Never use outside tests.
class FixedRng final : public Rng {
public:
    explicit FixedRng(std::uint64_t seed, Bytes script = {}) : m_state(seed), m_script(std::move(script)) {}
    Status fill(std::span<std::uint8_t> out) override;

private:
    std::uint64_t m_state;
    Bytes m_script;
    std::size_t m_pos = 0;
};

}  // namespace yinxin
