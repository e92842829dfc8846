// Verification of RSA and ECDSA signatures, for foreign certificates in chains and interop
// (RSA-SHA256/384/512, RSA-PSS, ECDSA P-256/P-384 with SHA-2; RSA with SM3, 1.2.156.10197.1.504).
#pragma once

#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::crypto {

enum class ForeignAlgorithm {
    rsa_pkcs1_sha256,
    rsa_pkcs1_sha384,
    rsa_pkcs1_sha512,
    rsa_pkcs1_sm3,
    rsa_pss_sha256,
    ecdsa_sha256,
    ecdsa_sha384,
    ecdsa_sha512,
};

// `spki_der` is a SubjectPublicKeyInfo. RSA keys below 2048 bits are crypto.bad_key; a key type
// that does not match the algorithm is crypto.unsupported_algorithm.
Status verify_foreign(BytesView spki_der, ForeignAlgorithm alg, BytesView message, BytesView signature);

}  // namespace yinxin::crypto
