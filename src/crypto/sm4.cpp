#include "yinxin/crypto/sm4.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "gcm_internal.h"
#include "ghash.h"
#include "openssl_util.h"

namespace yinxin::crypto {

namespace {

using detail::CipherCtxPtr;
using detail::openssl_error;

constexpr std::size_t k_chunk = std::size_t{1} << 30;  // EVP_CipherUpdate takes an int length

Status check_key(BytesView key) {
    if (key.size() != k_sm4_key_len)
        return make_error(Errc::crypto_bad_length, "SM4 key must be 16 bytes, got " + std::to_string(key.size()));
    return ok_status();
}

Status check_iv(BytesView iv) {
    if (iv.size() != k_sm4_block_len)
        return make_error(Errc::crypto_bad_length, "SM4 IV must be 16 bytes, got " + std::to_string(iv.size()));
    return ok_status();
}

// One EVP pass over `in`. With padding on decryption, a bad PKCS#7 pad is crypto.decrypt_failed.
Result<Bytes> evp_cipher(const EVP_CIPHER* cipher, bool encrypt, BytesView key, const std::uint8_t* iv, BytesView in,
                         bool pad) {
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), iv, encrypt ? 1 : 0, nullptr) != 1)
        return openssl_error(Errc::crypto_engine, "SM4 init");
    if (EVP_CIPHER_CTX_set_padding(ctx.get(), pad ? 1 : 0) != 1)
        return openssl_error(Errc::crypto_engine, "SM4 set padding");
    Bytes out(in.size() + k_sm4_block_len);
    std::size_t total = 0;
    for (std::size_t off = 0; off < in.size(); off += k_chunk) {
        const std::size_t n = std::min(k_chunk, in.size() - off);
        int got = 0;
        if (EVP_CipherUpdate(ctx.get(), out.data() + total, &got, in.data() + off, static_cast<int>(n)) != 1)
            return openssl_error(Errc::crypto_engine, "SM4 update");
        total += static_cast<std::size_t>(got);
    }
    int got = 0;
    if (EVP_CipherFinal_ex(ctx.get(), out.data() + total, &got) != 1) {
        if (!encrypt && pad) return openssl_error(Errc::crypto_decrypt_failed, "SM4: bad PKCS#7 padding");
        return openssl_error(Errc::crypto_engine, "SM4 final");
    }
    total += static_cast<std::size_t>(got);
    out.resize(total);
    return out;
}

Status check_block_multiple(BytesView data, Padding padding, bool encrypt) {
    if (padding == Padding::none || !encrypt) {
        if (data.size() % k_sm4_block_len != 0)
            return make_error(Errc::crypto_bad_length,
                              "SM4 input length " + std::to_string(data.size()) + " is not a multiple of 16");
        if (padding == Padding::pkcs7 && data.empty())
            return make_error(Errc::crypto_bad_length, "SM4: empty ciphertext cannot carry PKCS#7 padding");
    }
    return ok_status();
}

}  // namespace

Result<Bytes> sm4_ecb_encrypt(BytesView key, BytesView plaintext, Padding padding) {
    YX_TRY(check_key(key));
    YX_TRY(check_block_multiple(plaintext, padding, true));
    return evp_cipher(detail::sm4_ecb_cipher(), true, key, nullptr, plaintext, padding == Padding::pkcs7);
}

Result<Bytes> sm4_ecb_decrypt(BytesView key, BytesView ciphertext, Padding padding) {
    YX_TRY(check_key(key));
    YX_TRY(check_block_multiple(ciphertext, padding, false));
    return evp_cipher(detail::sm4_ecb_cipher(), false, key, nullptr, ciphertext, padding == Padding::pkcs7);
}

Result<Bytes> sm4_cbc_encrypt(BytesView key, BytesView iv, BytesView plaintext, Padding padding) {
    YX_TRY(check_key(key));
    YX_TRY(check_iv(iv));
    YX_TRY(check_block_multiple(plaintext, padding, true));
    return evp_cipher(detail::sm4_cbc_cipher(), true, key, iv.data(), plaintext, padding == Padding::pkcs7);
}

Result<Bytes> sm4_cbc_decrypt(BytesView key, BytesView iv, BytesView ciphertext, Padding padding) {
    YX_TRY(check_key(key));
    YX_TRY(check_iv(iv));
    YX_TRY(check_block_multiple(ciphertext, padding, false));
    return evp_cipher(detail::sm4_cbc_cipher(), false, key, iv.data(), ciphertext, padding == Padding::pkcs7);
}

Result<Bytes> sm4_ctr(BytesView key, BytesView iv, BytesView data) {
    YX_TRY(check_key(key));
    YX_TRY(check_iv(iv));
    return evp_cipher(detail::sm4_ctr_cipher(), true, key, iv.data(), data, false);
}

// ---------------------------------------------------------------------------------------------
// GCM (NIST SP 800-38D) with SM4 as the block cipher. OpenSSL 3.0 ships no SM4-GCM, so the mode
// is built here from SM4 (OpenSSL's SM4-CTR for GCTR) and our GHASH (ghash.h).

namespace {

using Block = std::array<std::uint8_t, 16>;

// SP 800-38D 5.2.1.1: at most 2^39 - 256 bits of plaintext; 2^64 - 1 bits of AAD.
constexpr std::uint64_t k_gcm_max_plaintext = (std::uint64_t{1} << 36) - 32;

class GcmKey {
public:
    static Result<GcmKey> create(BytesView key) {
        YX_TRY(check_key(key));
        GcmKey k;
        k.m_ctr.reset(EVP_CIPHER_CTX_new());
        if (!k.m_ctr || EVP_EncryptInit_ex2(k.m_ctr.get(), detail::sm4_ctr_cipher(), key.data(), nullptr, nullptr) != 1)
            return openssl_error(Errc::crypto_engine, "SM4-GCM key setup");
        // H = CIPH_K(0^128) (SP 800-38D 7.1 step 1): the CTR keystream of an all-zero counter block.
        Block zero{};
        Block h{};
        YX_TRY(k.gctr_segment(zero, zero.data(), h.data(), 16));
        k.m_h = h;
        secure_zero(h.data(), h.size());
        return k;
    }

    const Block& h() const noexcept { return m_h; }

    // GCTR_K(icb, in) (SP 800-38D 6.5) with inc32: OpenSSL's SM4-CTR increments all 128 bits,
    // so the input is cut where the low 32 bits of the counter would wrap.
    Status gctr(const Block& icb, const std::uint8_t* in, std::uint8_t* out, std::size_t len) {
        Block cb = icb;
        while (len > 0) {
            const std::uint32_t low = load32(cb.data() + 12);
            const std::uint64_t blocks_left = (std::uint64_t{1} << 32) - low;
            const std::uint64_t room = blocks_left * 16;
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(len, room));
            YX_TRY(gctr_segment(cb, in, out, n));
            in += n;
            out += n;
            len -= n;
            store32(cb.data() + 12, 0);  // wrapped: high 96 bits unchanged, low 32 bits back to 0
        }
        return ok_status();
    }

    ~GcmKey() { secure_zero(m_h.data(), m_h.size()); }
    GcmKey(GcmKey&&) noexcept = default;
    GcmKey& operator=(GcmKey&&) noexcept = default;
    GcmKey(const GcmKey&) = delete;
    GcmKey& operator=(const GcmKey&) = delete;

private:
    GcmKey() = default;

    static std::uint32_t load32(const std::uint8_t* p) {
        return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    }
    static void store32(std::uint8_t* p, std::uint32_t v) {
        p[0] = static_cast<std::uint8_t>(v >> 24);
        p[1] = static_cast<std::uint8_t>(v >> 16);
        p[2] = static_cast<std::uint8_t>(v >> 8);
        p[3] = static_cast<std::uint8_t>(v);
    }

    Status gctr_segment(const Block& icb, const std::uint8_t* in, std::uint8_t* out, std::size_t len) {
        if (EVP_EncryptInit_ex2(m_ctr.get(), nullptr, nullptr, icb.data(), nullptr) != 1)
            return openssl_error(Errc::crypto_engine, "SM4-GCM counter setup");
        for (std::size_t off = 0; off < len; off += k_chunk) {
            const std::size_t n = std::min(k_chunk, len - off);
            int got = 0;
            if (EVP_EncryptUpdate(m_ctr.get(), out + off, &got, in + off, static_cast<int>(n)) != 1 ||
                static_cast<std::size_t>(got) != n)
                return openssl_error(Errc::crypto_engine, "SM4-GCM counter mode");
        }
        return ok_status();
    }

    CipherCtxPtr m_ctr;
    Block m_h{};
};

// J0 (SP 800-38D 7.1 step 2).
Block make_j0(const detail::Ghash& proto, BytesView iv) {
    Block j0{};
    if (iv.size() == 12) {
        std::copy(iv.begin(), iv.end(), j0.begin());
        j0[15] = 1;
        return j0;
    }
    detail::Ghash g = proto;
    g.reset();
    g.absorb(iv.data(), iv.size());
    g.absorb_lengths(0, static_cast<std::uint64_t>(iv.size()) * 8);
    g.state(j0.data());
    return j0;
}

void inc32(Block& b) {
    std::uint32_t v = (std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) | (std::uint32_t{b[14]} << 8) | b[15];
    ++v;
    b[12] = static_cast<std::uint8_t>(v >> 24);
    b[13] = static_cast<std::uint8_t>(v >> 16);
    b[14] = static_cast<std::uint8_t>(v >> 8);
    b[15] = static_cast<std::uint8_t>(v);
}

// T = MSB_128(GCTR_K(J0, S)) with S = GHASH_H(A || pad || C || pad || [len A]64 || [len C]64).
Result<Block> compute_tag(GcmKey& key, const detail::Ghash& proto, const Block& j0, BytesView aad, BytesView ct) {
    detail::Ghash g = proto;
    g.reset();
    g.absorb(aad.data(), aad.size());
    g.absorb(ct.data(), ct.size());
    g.absorb_lengths(static_cast<std::uint64_t>(aad.size()) * 8, static_cast<std::uint64_t>(ct.size()) * 8);
    Block s{};
    g.state(s.data());
    Block t{};
    YX_TRY(key.gctr(j0, s.data(), t.data(), 16));
    return t;
}

Status check_gcm_inputs(BytesView iv, BytesView aad, std::size_t text_len) {
    if (iv.empty()) return make_error(Errc::crypto_bad_length, "SM4-GCM: empty IV");
    if (iv.size() > (std::size_t{1} << 32)) return make_error(Errc::crypto_bad_length, "SM4-GCM: IV too long");
    if (text_len > k_gcm_max_plaintext)
        return make_error(Errc::crypto_bad_length, "SM4-GCM: text longer than 2^39-256 bits");
    if (aad.size() > (std::uint64_t{1} << 60)) return make_error(Errc::crypto_bad_length, "SM4-GCM: AAD too long");
    return ok_status();
}

}  // namespace

namespace detail {

Status sm4_gctr(BytesView key, const std::uint8_t icb[16], BytesView in, std::uint8_t* out) {
    YX_ASSIGN_OR_RETURN(GcmKey gk, GcmKey::create(key));
    Block cb{};
    std::copy(icb, icb + 16, cb.begin());
    return gk.gctr(cb, in.data(), out, in.size());
}

}  // namespace detail

Result<Bytes> sm4_gcm_seal(BytesView key, BytesView iv, BytesView aad, BytesView plaintext) {
    YX_TRY(check_gcm_inputs(iv, aad, plaintext.size()));
    YX_ASSIGN_OR_RETURN(GcmKey gk, GcmKey::create(key));
    const detail::Ghash proto(gk.h().data());
    const Block j0 = make_j0(proto, iv);
    Block icb = j0;
    inc32(icb);
    Bytes out(plaintext.size() + k_sm4_gcm_tag_len);
    YX_TRY(gk.gctr(icb, plaintext.data(), out.data(), plaintext.size()));
    YX_ASSIGN_OR_RETURN(Block tag, compute_tag(gk, proto, j0, aad, BytesView(out.data(), plaintext.size())));
    std::copy(tag.begin(), tag.end(), out.begin() + static_cast<std::ptrdiff_t>(plaintext.size()));
    return out;
}

Result<SecretBytes> sm4_gcm_open(BytesView key, BytesView iv, BytesView aad, BytesView sealed) {
    if (sealed.size() < k_sm4_gcm_tag_len)
        return make_error(Errc::crypto_bad_length, "SM4-GCM: input shorter than the 16-byte tag");
    const std::size_t ct_len = sealed.size() - k_sm4_gcm_tag_len;
    YX_TRY(check_gcm_inputs(iv, aad, ct_len));
    YX_ASSIGN_OR_RETURN(GcmKey gk, GcmKey::create(key));
    const detail::Ghash proto(gk.h().data());
    const Block j0 = make_j0(proto, iv);
    const BytesView ct = sealed.first(ct_len);
    YX_ASSIGN_OR_RETURN(Block tag, compute_tag(gk, proto, j0, aad, ct));
    // SP 800-38D 7.2 step 8: no plaintext is released unless the tag matches (compared in constant time).
    if (CRYPTO_memcmp(tag.data(), sealed.data() + ct_len, k_sm4_gcm_tag_len) != 0)
        return make_error(Errc::crypto_auth_tag_mismatch, "SM4-GCM: authentication tag mismatch");
    Block icb = j0;
    inc32(icb);
    SecretBytes out(ct_len);
    YX_TRY(gk.gctr(icb, ct.data(), out.data(), ct_len));
    return out;
}

}  // namespace yinxin::crypto
