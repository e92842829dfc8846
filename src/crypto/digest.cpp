#include "yinxin/crypto/digest.h"

#include <openssl/evp.h>

#include "yinxin/crypto/sm3.h"

namespace yinxin::crypto {

std::string_view to_string(DigestAlgorithm alg) noexcept {
    switch (alg) {
        case DigestAlgorithm::sm3: return "SM3";
        case DigestAlgorithm::sha1: return "SHA-1";
        case DigestAlgorithm::sha256: return "SHA-256";
        case DigestAlgorithm::sha384: return "SHA-384";
        case DigestAlgorithm::sha512: return "SHA-512";
    }
    return "?";
}

std::size_t digest_size(DigestAlgorithm alg) noexcept {
    switch (alg) {
        case DigestAlgorithm::sha1: return 20;
        case DigestAlgorithm::sha384: return 48;
        case DigestAlgorithm::sha512: return 64;
        case DigestAlgorithm::sm3:
        case DigestAlgorithm::sha256: return 32;
    }
    return 0;
}

Result<Bytes> digest(DigestAlgorithm alg, BytesView data) {
    if (alg == DigestAlgorithm::sm3) {
        const auto d = sm3(data);
        return Bytes(d.begin(), d.end());
    }
    const EVP_MD* md = alg == DigestAlgorithm::sha1     ? EVP_sha1()
                       : alg == DigestAlgorithm::sha256 ? EVP_sha256()
                       : alg == DigestAlgorithm::sha384 ? EVP_sha384()
                                                        : EVP_sha512();
    Bytes out(digest_size(alg));
    unsigned len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 || len != out.size()) {
        return make_error(Errc::crypto_engine, std::string(to_string(alg)) + " digest failed");
    }
    return out;
}

}  // namespace yinxin::crypto
