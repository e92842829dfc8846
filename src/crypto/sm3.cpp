#include "yinxin/crypto/sm3.h"

#include "openssl_util.h"

namespace yinxin::crypto {

using detail::engine_panic;

struct Sm3::Impl {
    detail::MdCtxPtr ctx{EVP_MD_CTX_new()};
};

Sm3::Sm3() : m_impl(std::make_unique<Impl>()) {
    if (!m_impl->ctx || EVP_DigestInit_ex2(m_impl->ctx.get(), detail::sm3_md(), nullptr) != 1) engine_panic("SM3 init");
}
Sm3::~Sm3() = default;
Sm3::Sm3(Sm3&&) noexcept = default;
Sm3& Sm3::operator=(Sm3&&) noexcept = default;

void Sm3::update(BytesView data) {
    if (EVP_DigestUpdate(m_impl->ctx.get(), data.data(), data.size()) != 1) engine_panic("SM3 update");
}

Sm3Digest Sm3::finish() {
    Sm3Digest d{};
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(m_impl->ctx.get(), d.data(), &n) != 1 || n != d.size()) engine_panic("SM3 final");
    if (EVP_DigestInit_ex2(m_impl->ctx.get(), nullptr, nullptr) != 1) engine_panic("SM3 reset");
    return d;
}

Sm3Digest sm3(BytesView data) {
    Sm3Digest d{};
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), d.data(), &n, detail::sm3_md(), nullptr) != 1 || n != d.size())
        engine_panic("SM3");
    return d;
}

Sm3Digest hmac_sm3(BytesView key, BytesView data) {
    Sm3Digest d{};
    std::size_t n = 0;
    // EVP_Q_mac rejects a NULL key pointer even with length 0; an empty key is legal in RFC 2104.
    static const std::uint8_t k_empty = 0;
    const std::uint8_t* kp = key.empty() ? &k_empty : key.data();
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SM3", nullptr, kp, key.size(), data.data(), data.size(), d.data(),
                  d.size(), &n) == nullptr ||
        n != d.size())
        engine_panic("HMAC-SM3");
    return d;
}

}  // namespace yinxin::crypto
