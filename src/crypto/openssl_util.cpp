#include "openssl_util.h"

#include <openssl/encoder.h>
#include <openssl/obj_mac.h>

#include <stdexcept>

namespace yinxin::crypto::detail {

Error openssl_error(Errc code, std::string_view what) {
    std::string msg(what);
    bool first = true;
    unsigned long e = 0;
    while ((e = ERR_get_error()) != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        msg += first ? ": " : "; ";
        msg += buf;
        first = false;
    }
    ERR_clear_error();
    return make_error(code, std::move(msg));
}

void engine_panic(std::string_view what) {
    Error e = openssl_error(Errc::crypto_engine, what);
    throw std::runtime_error(e.to_string());
}

namespace {

template <class T, auto Fetch, auto Free>
struct Fetched {
    explicit Fetched(const char* name) : ptr(Fetch(nullptr, name, nullptr)) {
        if (ptr == nullptr) engine_panic(std::string("cannot fetch ") + name + " from the default provider");
    }
    ~Fetched() { Free(ptr); }
    Fetched(const Fetched&) = delete;
    Fetched& operator=(const Fetched&) = delete;
    T* ptr;
};

using FetchedMd = Fetched<EVP_MD, EVP_MD_fetch, EVP_MD_free>;
using FetchedCipher = Fetched<EVP_CIPHER, EVP_CIPHER_fetch, EVP_CIPHER_free>;

}  // namespace

// Function-local statics: initialised once and thread-safely (C++11 magic statics). They are
// destroyed before OpenSSL's own atexit cleanup, which was registered earlier by the first fetch.
const EVP_MD* sm3_md() {
    static const FetchedMd md("SM3");
    return md.ptr;
}
const EVP_CIPHER* sm4_ecb_cipher() {
    static const FetchedCipher c("SM4-ECB");
    return c.ptr;
}
const EVP_CIPHER* sm4_cbc_cipher() {
    static const FetchedCipher c("SM4-CBC");
    return c.ptr;
}
const EVP_CIPHER* sm4_ctr_cipher() {
    static const FetchedCipher c("SM4-CTR");
    return c.ptr;
}

const EC_GROUP* sm2_group() {
    struct Holder {
        Holder() : g(EC_GROUP_new_by_curve_name(NID_sm2)) {
            if (g == nullptr) engine_panic("EC_GROUP_new_by_curve_name(NID_sm2)");
        }
        EcGroupPtr g;
    };
    static const Holder h;
    return h.g.get();
}

const BIGNUM* sm2_order() { return EC_GROUP_get0_order(sm2_group()); }

bool bn_to_fixed(const BIGNUM* bn, std::uint8_t* out, std::size_t len) {
    if (len > static_cast<std::size_t>(INT32_MAX)) return false;
    return BN_bn2binpad(bn, out, static_cast<int>(len)) == static_cast<int>(len);
}

void sm3_concat(std::initializer_list<BytesView> parts, std::uint8_t out[32]) {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex2(ctx.get(), sm3_md(), nullptr) != 1) engine_panic("SM3 init");
    for (BytesView p : parts) {
        if (EVP_DigestUpdate(ctx.get(), p.data(), p.size()) != 1) engine_panic("SM3 update");
    }
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx.get(), out, &n) != 1 || n != 32) engine_panic("SM3 final");
}

SecretBytes pkcs8_der_of(EVP_PKEY* pkey, std::string_view what) {
    using EncoderCtxPtr = std::unique_ptr<OSSL_ENCODER_CTX, Deleter<OSSL_ENCODER_CTX_free>>;
    EncoderCtxPtr enc(OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr));
    unsigned char* data = nullptr;
    std::size_t len = 0;
    if (!enc || OSSL_ENCODER_CTX_get_num_encoders(enc.get()) == 0 || OSSL_ENCODER_to_data(enc.get(), &data, &len) != 1)
        engine_panic(std::string(what) + " PKCS#8 encoding");
    SecretBytes out(data, data + len);
    OPENSSL_clear_free(data, len);
    return out;
}

}  // namespace yinxin::crypto::detail
