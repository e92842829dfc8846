// SM2 public-key encryption (GB/T 32918.4) and the three ciphertext encodings (sm2_cipher.h).
#include "yinxin/crypto/sm2_cipher.h"

#include <algorithm>
#include <array>

#include "openssl_util.h"
#include "sm2_internal.h"
#include "yinxin/base/tlv.h"

namespace yinxin::crypto {

using namespace detail;

namespace {

constexpr std::size_t k_c1_len = 65;  // 04 || x1 || y1
constexpr std::size_t k_c3_len = 32;  // SM3 output

struct CipherParts {
    std::array<std::uint8_t, k_c1_len> c1{};
    std::array<std::uint8_t, k_c3_len> c3{};
    BytesView c2;  // points into the caller's input
};

Error bad(std::string why) { return make_error(Errc::crypto_bad_ciphertext, "SM2 ciphertext: " + std::move(why)); }

Result<CipherParts> parse_raw(BytesView in, bool c3_first) {
    if (in.size() < k_c1_len + k_c3_len) return bad("shorter than C1 || C3");
    if (in[0] != 0x04) return bad("C1 is not an uncompressed point (first byte is not 04)");
    CipherParts p;
    std::copy_n(in.begin(), k_c1_len, p.c1.begin());
    const std::size_t c2_len = in.size() - k_c1_len - k_c3_len;
    if (c3_first) {
        std::copy_n(in.begin() + k_c1_len, k_c3_len, p.c3.begin());
        p.c2 = in.subspan(k_c1_len + k_c3_len);
    } else {
        p.c2 = in.subspan(k_c1_len, c2_len);
        std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(k_c1_len + c2_len), k_c3_len, p.c3.begin());
    }
    return p;
}

// A coordinate INTEGER: DER allows a leading 00 (33 octets) and drops leading zero octets (fewer
// than 32). Some encoders also omit the 00 before a high bit; a coordinate is never negative, so
// up to 32 octets are read as an unsigned magnitude and left-padded to 32 bytes.
Status read_coordinate(BytesView& body, std::uint8_t* out, const char* name) {
    auto h = tlv::read_header(body);
    if (!h) return bad(std::string(name) + ": " + h.error().message);
    if (h->tag_class != 0 || h->constructed || h->tag_number != 2 || h->indefinite)
        return bad(std::string(name) + " is not an INTEGER");
    BytesView c = body.subspan(h->header_len, h->length);
    if (c.empty()) return bad(std::string(name) + " is empty");
    while (c.size() > 32 && c[0] == 0) c = c.subspan(1);
    if (c.size() > 32) return bad(std::string(name) + " wider than 256 bits");
    std::fill_n(out, 32 - c.size(), std::uint8_t{0});
    std::copy(c.begin(), c.end(), out + (32 - c.size()));
    body = body.subspan(h->header_len + h->length);
    return ok_status();
}

Result<BytesView> read_octets(BytesView& body, const char* name) {
    auto h = tlv::read_header(body);
    if (!h) return bad(std::string(name) + ": " + h.error().message);
    if (h->tag_class != 0 || h->constructed || h->tag_number != 4 || h->indefinite)
        return bad(std::string(name) + " is not a primitive OCTET STRING");
    BytesView c = body.subspan(h->header_len, h->length);
    body = body.subspan(h->header_len + h->length);
    return c;
}

// GM/T 0009 7.2 SM2Cipher ::= SEQUENCE { XCoordinate INTEGER, YCoordinate INTEGER,
//                                        HASH OCTET STRING (SIZE(32)), CipherText OCTET STRING }
Result<CipherParts> parse_asn1(BytesView in) {
    auto h = tlv::read_header(in);
    if (!h) return bad(h.error().message);
    if (h->tag_class != 0 || !h->constructed || h->tag_number != 16 || h->indefinite) return bad("not a SEQUENCE");
    if (h->header_len + h->length != in.size()) return bad("trailing bytes after SEQUENCE");
    BytesView body = in.subspan(h->header_len, h->length);
    CipherParts p;
    p.c1[0] = 0x04;
    YX_TRY(read_coordinate(body, p.c1.data() + 1, "XCoordinate"));
    YX_TRY(read_coordinate(body, p.c1.data() + 33, "YCoordinate"));
    YX_ASSIGN_OR_RETURN(BytesView hash, read_octets(body, "HASH"));
    if (hash.size() != k_c3_len) return bad("HASH is not 32 bytes");
    std::copy(hash.begin(), hash.end(), p.c3.begin());
    YX_ASSIGN_OR_RETURN(p.c2, read_octets(body, "CipherText"));
    if (!body.empty()) return bad("extra elements in SM2Cipher");
    return p;
}

Result<CipherParts> parse(BytesView in, Sm2CipherFormat format) {
    switch (format) {
        case Sm2CipherFormat::asn1: return parse_asn1(in);
        case Sm2CipherFormat::c1c3c2: return parse_raw(in, true);
        case Sm2CipherFormat::c1c2c3: return parse_raw(in, false);
    }
    return make_error(Errc::invalid_argument, "unknown SM2 ciphertext format");
}

Bytes encode(const CipherParts& p, Sm2CipherFormat format) {
    Bytes out;
    switch (format) {
        case Sm2CipherFormat::asn1: {
            Bytes body;
            tlv::append_tlv(body, 0x02, tlv::unsigned_integer_content(BytesView(p.c1).subspan(1, 32)));
            tlv::append_tlv(body, 0x02, tlv::unsigned_integer_content(BytesView(p.c1).subspan(33, 32)));
            tlv::append_tlv(body, 0x04, p.c3);
            tlv::append_tlv(body, 0x04, p.c2);
            tlv::append_tlv(out, 0x30, body);
            break;
        }
        case Sm2CipherFormat::c1c3c2:
        case Sm2CipherFormat::c1c2c3: {
            // Sized up front and filled with copy: also keeps GCC 12 -O3 from a false
            // -Wstringop-overflow on chained vector::insert.
            out.resize(k_c1_len + k_c3_len + p.c2.size());
            auto it = std::copy(p.c1.begin(), p.c1.end(), out.begin());
            if (format == Sm2CipherFormat::c1c3c2) {
                it = std::copy(p.c3.begin(), p.c3.end(), it);
                std::copy(p.c2.begin(), p.c2.end(), it);
            } else {
                it = std::copy(p.c2.begin(), p.c2.end(), it);
                std::copy(p.c3.begin(), p.c3.end(), it);
            }
            break;
        }
    }
    return out;
}

}  // namespace

Result<Bytes> sm2_cipher_convert(BytesView ciphertext, Sm2CipherFormat from, Sm2CipherFormat to) {
    YX_ASSIGN_OR_RETURN(CipherParts p, parse(ciphertext, from));
    return encode(p, to);
}

Result<Bytes> sm2_encrypt(const Sm2PublicKey& key, BytesView plaintext, Sm2CipherFormat format) {
    // GB/T 32918.4 needs klen > 0 (the all-zero t check of step A5 is meaningless otherwise).
    if (plaintext.empty()) return make_error(Errc::crypto_bad_length, "SM2 encryption of an empty message");
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1) return openssl_error(Errc::crypto_engine, "SM2 encrypt init");
    std::size_t len = 0;
    if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plaintext.data(), plaintext.size()) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 encrypt size");
    Bytes out(len);
    if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plaintext.data(), plaintext.size()) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 EVP_PKEY_encrypt");
    out.resize(len);
    // OpenSSL 3.0 writes the GM/T 0009 SM2Cipher SEQUENCE.
    if (format == Sm2CipherFormat::asn1) return out;
    return sm2_cipher_convert(out, Sm2CipherFormat::asn1, format);
}

Result<SecretBytes> sm2_decrypt(const Sm2PrivateKey& key, BytesView ciphertext, Sm2CipherFormat format) {
    // Everything is re-encoded as minimal DER SM2Cipher for OpenSSL, so BER lengths and short
    // or padded coordinates from other encoders are accepted.
    YX_ASSIGN_OR_RETURN(Bytes der, sm2_cipher_convert(ciphertext, format, Sm2CipherFormat::asn1));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1) return openssl_error(Errc::crypto_engine, "SM2 decrypt init");
    std::size_t len = 0;
    if (EVP_PKEY_decrypt(ctx.get(), nullptr, &len, der.data(), der.size()) != 1)
        return openssl_error(Errc::crypto_decrypt_failed, "SM2 decrypt size");
    SecretBytes out(len);
    // A wrong key or a modified ciphertext fails the C3 = SM3(x2 || M || y2) check (GB/T 32918.4
    // 7.1 step B7), or C1 is not on the curve (step B1).
    if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, der.data(), der.size()) != 1)
        return openssl_error(Errc::crypto_decrypt_failed, "SM2 decryption failed");
    out.resize(len);
    return out;
}

namespace kat {

Result<Bytes> sm2_encrypt_with_k(const Sm2PublicKey& key, BytesView plaintext, BytesView k_bytes) {
    // GB/T 32918.4-2016 6.1 steps A1-A8 with k supplied by the caller; h = 1 on sm2p256v1.
    if (plaintext.empty()) return make_error(Errc::crypto_bad_length, "SM2 encryption of an empty message");
    if (k_bytes.size() != 32) return make_error(Errc::invalid_argument, "k must be 32 bytes");
    const EC_GROUP* g = sm2_group();
    BnCtxPtr ctx(BN_CTX_secure_new());
    SecretBnPtr k(BN_bin2bn(k_bytes.data(), 32, nullptr));
    EcPointPtr c1(EC_POINT_new(g)), kp(EC_POINT_new(g));
    if (!ctx || !k || !c1 || !kp) return openssl_error(Errc::crypto_engine, "SM2 k encrypt");
    if (BN_is_zero(k.get()) || BN_cmp(k.get(), sm2_order()) >= 0)
        return make_error(Errc::invalid_argument, "k out of range [1, n-1]");
    YX_ASSIGN_OR_RETURN(EcPointPtr pb, point_from_uncompressed(key.point()));
    // A2: C1 = [k]G; A4: (x2, y2) = [k]PB.
    if (EC_POINT_mul(g, c1.get(), k.get(), nullptr, nullptr, ctx.get()) != 1 ||
        EC_POINT_mul(g, kp.get(), nullptr, pb.get(), k.get(), ctx.get()) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 point multiplication");
    YX_ASSIGN_OR_RETURN(Bytes c1_bytes, point_to_uncompressed(c1.get()));
    YX_ASSIGN_OR_RETURN(Bytes x2y2, point_to_uncompressed(kp.get()));
    const BytesView x2 = BytesView(x2y2).subspan(1, 32);
    const BytesView y2 = BytesView(x2y2).subspan(33, 32);
    // A5: t = KDF(x2 || y2, klen), GB/T 32918.4 5.4.3: SM3(x2 || y2 || ct) for ct = 1, 2, ...
    Bytes t;
    for (std::uint32_t ct = 1; t.size() < plaintext.size(); ++ct) {
        const std::uint8_t ctr[4] = {static_cast<std::uint8_t>(ct >> 24), static_cast<std::uint8_t>(ct >> 16),
                                     static_cast<std::uint8_t>(ct >> 8), static_cast<std::uint8_t>(ct)};
        std::uint8_t h[32];
        sm3_concat({BytesView(x2y2).subspan(1), BytesView(ctr, 4)}, h);
        t.insert(t.end(), h, h + 32);
    }
    t.resize(plaintext.size());
    if (std::all_of(t.begin(), t.end(), [](std::uint8_t b) { return b == 0; }))
        return make_error(Errc::invalid_argument, "k gives an all-zero KDF output");
    // A6: C2 = M xor t; A7: C3 = SM3(x2 || M || y2); A8: C = C1 || C3 || C2 (2016 order).
    Bytes out = c1_bytes;
    std::uint8_t c3[32];
    sm3_concat({x2, plaintext, y2}, c3);
    out.insert(out.end(), c3, c3 + 32);
    for (std::size_t i = 0; i < plaintext.size(); ++i) out.push_back(static_cast<std::uint8_t>(plaintext[i] ^ t[i]));
    return out;
}

}  // namespace kat

}  // namespace yinxin::crypto
