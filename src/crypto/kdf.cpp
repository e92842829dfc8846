#include "yinxin/crypto/kdf.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <climits>

namespace yinxin::crypto {

Result<SecretBytes> pbkdf2_sm3(std::string_view password, BytesView salt, unsigned iterations, std::size_t out_len) {
    if (salt.size() < 16) return make_error(Errc::invalid_argument, "pbkdf2: salt shorter than 16 bytes");
    if (iterations < 10'000) return make_error(Errc::invalid_argument, "pbkdf2: fewer than 10000 iterations");
    if (out_len == 0 || out_len > 1024 || password.size() > INT_MAX || salt.size() > INT_MAX || iterations > INT_MAX)
        return make_error(Errc::invalid_argument, "pbkdf2: bad output length");
    SecretBytes out(out_len);
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                          static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sm3(),
                          static_cast<int>(out_len), out.data()) != 1) {
        ERR_clear_error();
        return make_error(Errc::crypto_engine, "PKCS5_PBKDF2_HMAC with SM3 failed");
    }
    return out;
}

}  // namespace yinxin::crypto
