// SM3 hash (GB/T 32905 / GM/T 0004), through OpenSSL 3's EVP.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::crypto {

using Sm3Digest = std::array<std::uint8_t, 32>;

// Incremental SM3. Not copyable; movable.
class Sm3 {
public:
    Sm3();
    ~Sm3();
    Sm3(Sm3&&) noexcept;
    Sm3& operator=(Sm3&&) noexcept;
    Sm3(const Sm3&) = delete;
    Sm3& operator=(const Sm3&) = delete;

    void update(BytesView data);
    // Returns the digest and resets the state for reuse.
    Sm3Digest finish();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

Sm3Digest sm3(BytesView data);

// HMAC-SM3 (RFC 2104 construction with SM3).
Sm3Digest hmac_sm3(BytesView key, BytesView data);

}  // namespace yinxin::crypto
