// SM2 key objects: generation, import and export (sm2.h).
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <array>
#include <cstring>

#include "openssl_util.h"
#include "sm2_internal.h"
#include "yinxin/base/tlv.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::crypto {

using namespace detail;

void Sm2PublicKey::Free::operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }

namespace detail {

namespace {

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
// OSSL_PARAM_BLD keeps BN_FLG_SECURE values in a separate block that OSSL_PARAM_free wipes.
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;

// DER of AlgorithmIdentifier { id-ecPublicKey 1.2.840.10045.2.1, namedCurve sm2 1.2.156.10197.1.301 }
// (gm-and-seal-formats.md §3: what every real SM2 certificate carries).
constexpr std::array<std::uint8_t, 21> k_sm2_spki_alg = {0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                                         0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
                                                         0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d};

}  // namespace

Result<EcPointPtr> point_from_uncompressed(BytesView uncompressed) {
    if (uncompressed.size() != 65 || uncompressed[0] != 0x04)
        return make_error(Errc::crypto_bad_key, "SM2 public key must be an uncompressed point 04||X||Y (65 bytes)");
    const EC_GROUP* g = sm2_group();
    BnPtr x(BN_bin2bn(uncompressed.data() + 1, 32, nullptr));
    BnPtr y(BN_bin2bn(uncompressed.data() + 33, 32, nullptr));
    BnPtr p(BN_new());
    BnCtxPtr ctx(BN_CTX_new());
    EcPointPtr pt(EC_POINT_new(g));
    if (!x || !y || !p || !ctx || !pt || EC_GROUP_get_curve(g, p.get(), nullptr, nullptr, ctx.get()) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 point setup");
    // EC_POINT_set_affine_coordinates reduces coordinates mod p, which would silently accept a
    // second encoding of the same point; GB/T 32918.1 5.2.9 requires 0 <= x, y < p.
    if (BN_cmp(x.get(), p.get()) >= 0 || BN_cmp(y.get(), p.get()) >= 0)
        return make_error(Errc::crypto_point_not_on_curve, "SM2 public key coordinate not below p");
    if (EC_POINT_set_affine_coordinates(g, pt.get(), x.get(), y.get(), ctx.get()) != 1 ||
        EC_POINT_is_on_curve(g, pt.get(), ctx.get()) != 1) {
        ERR_clear_error();
        return make_error(Errc::crypto_point_not_on_curve, "SM2 public key is not a point on sm2p256v1");
    }
    return pt;
}

Result<Bytes> point_to_uncompressed(const EC_POINT* pt) {
    Bytes out(65);
    BnCtxPtr ctx(BN_CTX_new());
    if (!ctx || EC_POINT_point2oct(sm2_group(), pt, POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(), ctx.get()) !=
                    out.size())
        return openssl_error(Errc::crypto_engine, "SM2 point encoding");
    return out;
}

Result<PkeyPtr> pkey_from_params(const BIGNUM* d, BytesView uncompressed) {
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, uncompressed.data(),
                                         uncompressed.size()) != 1 ||
        (d != nullptr && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d) != 1))
        return openssl_error(Errc::crypto_engine, "SM2 key parameters");
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 key import setup");
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &raw, d != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return openssl_error(Errc::crypto_bad_key, "SM2 key import");
    return PkeyPtr(raw);
}

Result<Bytes> pkey_point(EVP_PKEY* pkey) {
    Bytes out(65);
    std::size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len) != 1)
        return openssl_error(Errc::crypto_bad_key, "SM2 key has no public point");
    if (len != 65 || out[0] != 0x04) {
        // A point stored compressed: decode and re-encode uncompressed.
        EcPointPtr pt(EC_POINT_new(sm2_group()));
        BnCtxPtr ctx(BN_CTX_new());
        if (!pt || !ctx || EC_POINT_oct2point(sm2_group(), pt.get(), out.data(), len, ctx.get()) != 1)
            return openssl_error(Errc::crypto_bad_key, "SM2 public point");
        return point_to_uncompressed(pt.get());
    }
    return out;
}

Result<SecretBnPtr> pkey_scalar(EVP_PKEY* pkey) {
    BIGNUM* d = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1)
        return openssl_error(Errc::crypto_bad_key, "SM2 key has no private scalar");
    return SecretBnPtr(d);
}

Status check_sm2_group(EVP_PKEY* pkey) {
    char name[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) {
        ERR_clear_error();
        return make_error(Errc::crypto_bad_key, "not an elliptic-curve key");
    }
    if (std::string_view(name, len) != "SM2")
        return make_error(Errc::crypto_bad_key, "key is on curve " + std::string(name, len) + ", not sm2p256v1");
    return ok_status();
}

Status check_id(std::string_view id) {
    // GB/T 32918.2 5.5: ENTL is two bytes holding the ID length in bits, so at most 8191 bytes;
    // OpenSSL 3.0 (ossl_sm2_compute_z_digest) refuses 8191 as well, and the one-shot and the
    // precomputed-Z paths must accept the same IDs, so the limit is 8190.
    if (id.size() > k_max_sm2_id_len)
        return make_error(Errc::crypto_bad_id, "SM2 ID longer than " + std::to_string(k_max_sm2_id_len) + " bytes");
    return ok_status();
}

}  // namespace detail

// ---- Sm2PublicKey ---------------------------------------------------------------------------

Result<Sm2PublicKey> Sm2PublicKey::from_point(BytesView uncompressed) {
    YX_TRY(point_from_uncompressed(uncompressed));  // range and on-curve checks with precise codes
    YX_ASSIGN_OR_RETURN(PkeyPtr pkey, pkey_from_params(nullptr, uncompressed));
    return Sm2PublicKey(pkey.release());
}

Result<Sm2PublicKey> Sm2PublicKey::from_spki_der(BytesView der) {
    // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
    // (RFC 5280 4.1.2.7). Parsed here with base/tlv.h: the crypto layer sits below asn1.
    auto fail = [](const std::string& why) {
        return make_error(Errc::crypto_bad_key, "SM2 SubjectPublicKeyInfo: " + why);
    };
    auto outer = tlv::read_header(der);
    if (!outer || outer->tag_class != 0 || !outer->constructed || outer->tag_number != 16 || outer->indefinite)
        return fail("not a SEQUENCE");
    if (outer->header_len + outer->length != der.size()) return fail("trailing bytes");
    BytesView body = der.subspan(outer->header_len, outer->length);
    auto alg = tlv::read_header(body);
    if (!alg || alg->tag_class != 0 || !alg->constructed || alg->tag_number != 16 || alg->indefinite)
        return fail("bad AlgorithmIdentifier");
    const BytesView alg_full = body.first(alg->header_len + alg->length);
    if (!std::equal(alg_full.begin(), alg_full.end(), k_sm2_spki_alg.begin(), k_sm2_spki_alg.end()))
        return fail("algorithm is not id-ecPublicKey with namedCurve 1.2.156.10197.1.301");
    BytesView rest = body.subspan(alg_full.size());
    auto bits = tlv::read_header(rest);
    if (!bits || bits->tag_class != 0 || bits->constructed || bits->tag_number != 3)
        return fail("subjectPublicKey is not a BIT STRING");
    if (bits->header_len + bits->length != rest.size()) return fail("trailing bytes after subjectPublicKey");
    BytesView content = rest.subspan(bits->header_len, bits->length);
    if (content.empty() || content[0] != 0) return fail("BIT STRING with unused bits");
    return from_point(content.subspan(1));
}

Result<Sm2PublicKey> Sm2PublicKey::from_pem(std::string_view pem) {
    YX_ASSIGN_OR_RETURN(Bytes der, pem_decode(pem, "PUBLIC KEY"));
    return from_spki_der(der);
}

Bytes Sm2PublicKey::point() const {
    auto p = pkey_point(m_pkey.get());
    // The key was validated on construction; failure here means OpenSSL itself broke.
    if (!p) engine_panic("SM2 public point export");
    return std::move(p).value();
}

Bytes Sm2PublicKey::spki_der() const {
    const Bytes pt = point();
    Bytes bitstring{0x00};
    bitstring.insert(bitstring.end(), pt.begin(), pt.end());
    Bytes body(k_sm2_spki_alg.begin(), k_sm2_spki_alg.end());
    tlv::append_tlv(body, 0x03, bitstring);
    Bytes out;
    tlv::append_tlv(out, 0x30, body);
    return out;
}

std::string Sm2PublicKey::pem() const { return pem_encode("PUBLIC KEY", spki_der()); }

// ---- Sm2PrivateKey --------------------------------------------------------------------------

Result<Sm2PrivateKey> Sm2PrivateKey::generate() {
    // EVP_PKEY_Q_keygen draws d in [1, n-2] from OpenSSL's private DRBG; the scalar is then
    // re-imported so that every private key object has the same shape (sm2 key pair + public half).
    PkeyPtr gen(EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"));
    if (!gen) return openssl_error(Errc::crypto_engine, "SM2 key generation");
    YX_ASSIGN_OR_RETURN(SecretBnPtr d, pkey_scalar(gen.get()));
    std::array<std::uint8_t, 32> buf{};
    if (!bn_to_fixed(d.get(), buf.data(), buf.size())) return make_error(Errc::crypto_engine, "SM2 scalar export");
    auto key = from_scalar(buf);
    secure_zero(buf.data(), buf.size());
    return key;
}

Result<Sm2PrivateKey> Sm2PrivateKey::from_scalar(BytesView d_bytes) {
    if (d_bytes.size() != 32) return make_error(Errc::crypto_bad_key, "SM2 private key must be a 32-byte scalar");
    SecretBnPtr d(BN_secure_new());
    BnPtr n_minus_1(BN_dup(sm2_order()));
    if (!d || !n_minus_1 || BN_bin2bn(d_bytes.data(), 32, d.get()) == nullptr || BN_sub_word(n_minus_1.get(), 1) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 scalar");
    // GB/T 32918.1 6.1: d in [1, n-2] (n-1 would make 1+d non-invertible in signing).
    if (BN_is_zero(d.get()) || BN_cmp(d.get(), n_minus_1.get()) >= 0)
        return make_error(Errc::crypto_bad_key, "SM2 private key out of range [1, n-2]");
    EcPointPtr pub(EC_POINT_new(sm2_group()));
    BnCtxPtr ctx(BN_CTX_secure_new());
    if (!pub || !ctx) return openssl_error(Errc::crypto_engine, "SM2 point");
    BN_set_flags(d.get(), BN_FLG_CONSTTIME);
    if (EC_POINT_mul(sm2_group(), pub.get(), d.get(), nullptr, nullptr, ctx.get()) != 1)
        return openssl_error(Errc::crypto_engine, "SM2 public key derivation");
    YX_ASSIGN_OR_RETURN(Bytes point, point_to_uncompressed(pub.get()));
    YX_ASSIGN_OR_RETURN(PkeyPtr pair, pkey_from_params(d.get(), point));
    YX_ASSIGN_OR_RETURN(PkeyPtr pub_only, pkey_from_params(nullptr, point));
    return Sm2PrivateKey(pair.release(), Sm2PublicKey(pub_only.release()));
}

namespace {

Result<Sm2PrivateKey> from_decoded(EVP_PKEY* pkey) {
    YX_TRY(check_sm2_group(pkey));
    YX_ASSIGN_OR_RETURN(SecretBnPtr d, pkey_scalar(pkey));
    std::array<std::uint8_t, 32> buf{};
    if (!bn_to_fixed(d.get(), buf.data(), buf.size()))
        return make_error(Errc::crypto_bad_key, "SM2 private scalar wider than 32 bytes");
    auto key = Sm2PrivateKey::from_scalar(buf);
    secure_zero(buf.data(), buf.size());
    return key;
}

}  // namespace

Result<Sm2PrivateKey> Sm2PrivateKey::from_pkcs8_der(BytesView der) {
    if (der.size() > INT32_MAX) return make_error(Errc::crypto_bad_key, "PKCS#8 input too large");
    const unsigned char* p = der.data();
    ERR_set_mark();
    PkeyPtr pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
    if (!pkey) {
        ERR_clear_last_mark();
        return openssl_error(Errc::crypto_bad_key, "not a PKCS#8 PrivateKeyInfo or ECPrivateKey");
    }
    ERR_pop_to_mark();  // decoder attempts may leave errors behind even on success
    if (p != der.data() + der.size()) return make_error(Errc::crypto_bad_key, "trailing bytes after private key");
    return from_decoded(pkey.get());
}

Result<Sm2PrivateKey> Sm2PrivateKey::from_pem(std::string_view pem) {
    YX_ASSIGN_OR_RETURN(auto blocks, pem_decode_all(pem));
    for (auto& b : blocks) {
        // "SM2 PRIVATE KEY" is what OpenSSL 3.0 writes for SEC1 (`openssl ec`) with an SM2 key.
        if (b.label == "PRIVATE KEY" || b.label == "EC PRIVATE KEY" || b.label == "SM2 PRIVATE KEY") {
            auto key = from_pkcs8_der(b.der);
            secure_zero(b.der.data(), b.der.size());
            return key;
        }
    }
    for (auto& b : blocks) secure_zero(b.der.data(), b.der.size());
    return make_error(Errc::bad_pem, "no PRIVATE KEY, EC PRIVATE KEY or SM2 PRIVATE KEY block");
}

SecretBytes Sm2PrivateKey::scalar() const {
    auto d = pkey_scalar(m_pkey.get());
    if (!d) engine_panic("SM2 scalar export");
    SecretBytes out(32);
    if (!bn_to_fixed(d->get(), out.data(), out.size())) engine_panic("SM2 scalar export");
    return out;
}

SecretBytes Sm2PrivateKey::pkcs8_der() const { return pkcs8_der_of(m_pkey.get(), "SM2"); }

std::string Sm2PrivateKey::pkcs8_pem() const {
    const SecretBytes der = pkcs8_der();
    return pem_encode("PRIVATE KEY", BytesView(der.data(), der.size()));
}

Sm2PublicKey Sm2PrivateKey::public_key() const { return m_public; }

}  // namespace yinxin::crypto
