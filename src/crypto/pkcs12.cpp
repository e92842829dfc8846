#include "yinxin/crypto/pkcs12.h"

#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <climits>
#include <string>

#include "openssl_util.h"

namespace yinxin::crypto {

namespace {

using Pkcs12Ptr = std::unique_ptr<PKCS12, detail::Deleter<PKCS12_free>>;
using X509Ptr = std::unique_ptr<X509, detail::Deleter<X509_free>>;

struct CertStackFree {
    void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};

Bytes der_of(X509* cert) {
    unsigned char* out = nullptr;
    const int n = i2d_X509(cert, &out);
    if (n <= 0) return {};
    Bytes b(out, out + n);
    OPENSSL_free(out);
    return b;
}

}  // namespace

Result<Pkcs12Contents> read_pkcs12(BytesView der, std::string_view password) {
    if (der.size() > INT_MAX) return make_error(Errc::crypto_bad_key, "PKCS#12 input too large");
    const unsigned char* p = der.data();
    Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
    if (!p12) return detail::openssl_error(Errc::crypto_bad_key, "not a PKCS#12 file");
    const std::string pass(password);
    EVP_PKEY* raw_key = nullptr;
    X509* raw_cert = nullptr;
    STACK_OF(X509)* raw_ca = nullptr;
    if (PKCS12_parse(p12.get(), pass.c_str(), &raw_key, &raw_cert, &raw_ca) != 1) {
        return detail::openssl_error(Errc::crypto_bad_key, "PKCS#12: wrong password, bad MAC or unreadable contents");
    }
    detail::PkeyPtr key(raw_key);
    X509Ptr cert(raw_cert);
    std::unique_ptr<STACK_OF(X509), CertStackFree> ca(raw_ca);
    if (!key) return make_error(Errc::crypto_bad_key, "the PKCS#12 file holds no private key");
    // Through PKCS#8 so the key takes the same checks as any other (SM2 curve, scalar range).
    unsigned char* pk8 = nullptr;
    const int n = i2d_PrivateKey(key.get(), &pk8);
    if (n <= 0) return detail::openssl_error(Errc::crypto_bad_key, "PKCS#12 key export");
    SecretBytes encoded(pk8, pk8 + n);
    OPENSSL_clear_free(pk8, static_cast<std::size_t>(n));
    YX_ASSIGN_OR_RETURN(Sm2PrivateKey sm2, Sm2PrivateKey::from_pkcs8_der(encoded));
    Pkcs12Contents out{std::move(sm2), {}, {}};
    if (cert) out.certificate = der_of(cert.get());
    if (ca) {
        for (int i = 0; i < sk_X509_num(ca.get()); ++i)
            out.ca_certificates.push_back(der_of(sk_X509_value(ca.get(), i)));
    }
    return out;
}

}  // namespace yinxin::crypto
