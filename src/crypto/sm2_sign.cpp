// SM2 signatures (GB/T 32918.2), the Z value, and the fixed-k known-answer helper.
#include <openssl/core_names.h>

#include <array>

#include "openssl_util.h"
#include "sm2_internal.h"
#include "yinxin/crypto/signature.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::crypto {

using namespace detail;

namespace {

// a || b || xG || yG of sm2p256v1 (GB/T 32918.5 recommended curve), read from OpenSSL's
// built-in group once rather than retyped.
const std::array<std::uint8_t, 128>& curve_z_block() {
    struct Holder {
        Holder() {
            const EC_GROUP* g = sm2_group();
            BnPtr a(BN_new()), b(BN_new()), x(BN_new()), y(BN_new());
            BnCtxPtr ctx(BN_CTX_new());
            if (!a || !b || !x || !y || !ctx || EC_GROUP_get_curve(g, nullptr, a.get(), b.get(), ctx.get()) != 1 ||
                EC_POINT_get_affine_coordinates(g, EC_GROUP_get0_generator(g), x.get(), y.get(), ctx.get()) != 1 ||
                !bn_to_fixed(a.get(), block.data(), 32) || !bn_to_fixed(b.get(), block.data() + 32, 32) ||
                !bn_to_fixed(x.get(), block.data() + 64, 32) || !bn_to_fixed(y.get(), block.data() + 96, 32))
                engine_panic("sm2p256v1 parameters");
        }
        std::array<std::uint8_t, 128> block{};
    };
    static const Holder h;
    return h.block;
}

Status check_digest_verify_result(int rc, const char* what) {
    if (rc == 1) {
        return ok_status();
    }
    // 0 is a wrong signature; a negative value is a malformed one or an engine failure. Both are
    // reported as an invalid signature, with OpenSSL's reason in the message.
    return openssl_error(Errc::crypto_signature_invalid, what);
}

}  // namespace

Result<Sm3Digest> sm2_z(const Sm2PublicKey& key, std::string_view id) {
    YX_TRY(check_id(id));
    // Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), GB/T 32918.2-2016 5.5; ENTL is the
    // bit length of ID as two big-endian bytes.
    const std::size_t bits = id.size() * 8;
    const std::uint8_t entl[2] = {static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits)};
    const Bytes point = key.point();
    Sm3Digest z{};
    sm3_concat({BytesView(entl, 2), as_bytes(id), BytesView(curve_z_block()), BytesView(point).subspan(1)}, z.data());
    return z;
}

Result<Sm3Digest> sm2_e(const Sm3Digest& z, BytesView message) {
    Sm3Digest e{};
    sm3_concat({BytesView(z), message}, e.data());
    return e;
}

// ---- one-shot, through EVP_DigestSign / EVP_DigestVerify ------------------------------------

Result<Bytes> sm2_sign(const Sm2PrivateKey& key, BytesView message, std::string_view id) {
    YX_TRY(check_id(id));
    // gm-and-seal-formats.md §6.6: OpenSSL 3.0 defaults to an EMPTY distinguishing ID, so the ID
    // is always set on the EVP_PKEY_CTX before EVP_DigestSignInit_ex. pctx is declared first so
    // that it outlives mctx (EVP_MD_CTX_set_pkey_ctx does not transfer ownership).
    PkeyCtxPtr pctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
    MdCtxPtr mctx(EVP_MD_CTX_new());
    if (!pctx || !mctx || EVP_PKEY_CTX_set1_id(pctx.get(), id.data(), static_cast<int>(id.size())) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 sign setup");
    EVP_MD_CTX_set_pkey_ctx(mctx.get(), pctx.get());
    if (EVP_DigestSignInit_ex(mctx.get(), nullptr, "SM3", nullptr, nullptr, key.native(), nullptr) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 EVP_DigestSignInit_ex");
    Bytes sig(k_max_sm2_der_sig);
    std::size_t len = sig.size();
    if (EVP_DigestSign(mctx.get(), sig.data(), &len, message.data(), message.size()) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 EVP_DigestSign");
    sig.resize(len);
    return sig;
}

Status sm2_verify(const Sm2PublicKey& key, BytesView message, BytesView signature, std::string_view id) {
    YX_TRY(check_id(id));
    YX_ASSIGN_OR_RETURN(NormalisedSignature norm, normalise_signature(signature));
    PkeyCtxPtr pctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
    MdCtxPtr mctx(EVP_MD_CTX_new());
    if (!pctx || !mctx || EVP_PKEY_CTX_set1_id(pctx.get(), id.data(), static_cast<int>(id.size())) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 verify setup");
    EVP_MD_CTX_set_pkey_ctx(mctx.get(), pctx.get());
    if (EVP_DigestVerifyInit_ex(mctx.get(), nullptr, "SM3", nullptr, nullptr, key.native(), nullptr) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 EVP_DigestVerifyInit_ex");
    const int rc = EVP_DigestVerify(mctx.get(), norm.der.data(), norm.der.size(), message.data(), message.size());
    return check_digest_verify_result(rc, "SM2 signature does not verify");
}

// ---- Signer / Verifier with a precomputed Z --------------------------------------------------
// EVP_PKEY_sign on an SM2 context signs the 32-byte value it is given as e (OpenSSL's SM2
// signature provider without a digest set), so Z is computed once per key and ID.

Result<Sm2Signer> Sm2Signer::create(const Sm2PrivateKey& key, std::string_view id) {
    YX_ASSIGN_OR_RETURN(Sm3Digest z, sm2_z(key.public_key(), id));
    return Sm2Signer(key, z);
}

Result<Bytes> Sm2Signer::sign(BytesView message) const {
    YX_ASSIGN_OR_RETURN(Sm3Digest e, sm2_e(m_z, message));
    return sign_digest(e);
}

Result<Bytes> Sm2Signer::sign_digest(const Sm3Digest& e) const {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, m_key.native(), nullptr));
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) return openssl_error(Errc::crypto_engine, "SM2 sign init");
    Bytes sig(k_max_sm2_der_sig);
    std::size_t len = sig.size();
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, e.data(), e.size()) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 EVP_PKEY_sign");
    sig.resize(len);
    return sig;
}

Result<Sm2Verifier> Sm2Verifier::create(const Sm2PublicKey& key, std::string_view id) {
    YX_ASSIGN_OR_RETURN(Sm3Digest z, sm2_z(key, id));
    return Sm2Verifier(key, z);
}

Status Sm2Verifier::verify(BytesView message, BytesView signature) const {
    YX_ASSIGN_OR_RETURN(Sm3Digest e, sm2_e(m_z, message));
    return verify_digest(e, signature);
}

Status Sm2Verifier::verify_digest(const Sm3Digest& e, BytesView signature) const {
    YX_ASSIGN_OR_RETURN(NormalisedSignature norm, normalise_signature(signature));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, m_key.native(), nullptr));
    if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) return openssl_error(Errc::crypto_engine, "SM2 verify init");
    const int rc = EVP_PKEY_verify(ctx.get(), norm.der.data(), norm.der.size(), e.data(), e.size());
    return check_digest_verify_result(rc, "SM2 signature does not verify");
}

// ---- known-answer helper ---------------------------------------------------------------------

namespace kat {

Result<Bytes> sm2_sign_with_k(const Sm2PrivateKey& key, const Sm3Digest& e_digest, BytesView k_bytes) {
    // GB/T 32918.2-2016 6.1, steps A3-A7, with k supplied by the caller.
    if (k_bytes.size() != 32) return make_error(Errc::invalid_argument, "k must be 32 bytes");
    const EC_GROUP* g = sm2_group();
    const BIGNUM* n = sm2_order();
    BnCtxPtr ctx(BN_CTX_secure_new());
    YX_ASSIGN_OR_RETURN(SecretBnPtr d, pkey_scalar(key.native()));
    SecretBnPtr k(BN_bin2bn(k_bytes.data(), 32, nullptr));
    BnPtr e(BN_bin2bn(e_digest.data(), 32, nullptr));
    BnPtr x1(BN_new()), r(BN_new()), s(BN_new()), t(BN_new()), u(BN_new());
    EcPointPtr kg(EC_POINT_new(g));
    if (!ctx || !k || !e || !x1 || !r || !s || !t || !u || !kg) return openssl_error(Errc::crypto_engine, "SM2 k sign");
    if (BN_is_zero(k.get()) || BN_cmp(k.get(), n) >= 0)
        return make_error(Errc::invalid_argument, "k out of range [1, n-1]");
    // A4: (x1, y1) = [k]G.
    if (EC_POINT_mul(g, kg.get(), k.get(), nullptr, nullptr, ctx.get()) != 1 ||
        EC_POINT_get_affine_coordinates(g, kg.get(), x1.get(), nullptr, ctx.get()) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 [k]G");
    // A5: r = (e + x1) mod n; r = 0 or r + k = n means another k is needed.
    if (BN_mod_add(r.get(), e.get(), x1.get(), n, ctx.get()) != 1 || BN_add(t.get(), r.get(), k.get()) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 r");
    if (BN_is_zero(r.get()) || BN_cmp(t.get(), n) == 0)
        return make_error(Errc::invalid_argument, "k gives r = 0 or r + k = n");
    // A6: s = ((1 + d)^-1 * (k - r*d)) mod n.
    if (BN_copy(t.get(), d.get()) == nullptr || BN_add_word(t.get(), 1) != 1 ||
        BN_mod_inverse(u.get(), t.get(), n, ctx.get()) == nullptr ||
        BN_mod_mul(t.get(), r.get(), d.get(), n, ctx.get()) != 1 ||
        BN_mod_sub(t.get(), k.get(), t.get(), n, ctx.get()) != 1 ||
        BN_mod_mul(s.get(), u.get(), t.get(), n, ctx.get()) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 s");
    if (BN_is_zero(s.get())) return make_error(Errc::invalid_argument, "k gives s = 0");
    Bytes raw(64);
    if (!bn_to_fixed(r.get(), raw.data(), 32) || !bn_to_fixed(s.get(), raw.data() + 32, 32))
        return make_error(Errc::crypto_engine, "SM2 signature encoding");
    return raw_to_der(raw);
}

}  // namespace kat

}  // namespace yinxin::crypto
