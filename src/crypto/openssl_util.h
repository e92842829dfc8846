// Internal helpers for the OpenSSL-backed crypto layer: owning handles, error conversion and
// cached algorithm fetches. Not part of the public include tree.
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/error.h"
#include "yinxin/base/secure.h"

namespace yinxin::crypto::detail {

template <auto Fn>
struct Deleter {
    template <class T>
    void operator()(T* p) const noexcept {
        Fn(p);
    }
};

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
// For private scalars: BN_clear_free wipes the limbs.
using SecretBnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT_free>>;

// Drains the OpenSSL error queue into an Error, so a failure never leaks into a later call.
// The message is "<what>: <ERR_error_string of each queued error>".
Error openssl_error(Errc code, std::string_view what);

// Algorithms fetched once from the default provider and shared (fetched objects are
// reference-counted and safe to use from several threads).
const EVP_MD* sm3_md();
const EVP_CIPHER* sm4_ecb_cipher();
const EVP_CIPHER* sm4_cbc_cipher();
const EVP_CIPHER* sm4_ctr_cipher();

// sm2p256v1 (GB/T 32918.5 recommended curve), created once.
const EC_GROUP* sm2_group();
// The group order n as a BIGNUM, created once.
const BIGNUM* sm2_order();

// Big-endian bytes of `bn`, left-padded to `len` (fails if it does not fit).
bool bn_to_fixed(const BIGNUM* bn, std::uint8_t* out, std::size_t len);

// SM3 of the concatenation of the given views (used for Z and e without an extra copy).
void sm3_concat(std::initializer_list<BytesView> parts, std::uint8_t out[32]);

// [[noreturn]] for failures that can only come from a broken OpenSSL installation or memory
// exhaustion inside functions whose signature has no error channel (SM3).
[[noreturn]] void engine_panic(std::string_view what);

// Unencrypted PKCS#8 PrivateKeyInfo DER of a key pair (engine_panic if OpenSSL cannot encode it;
// `what` names the key type in that message).
SecretBytes pkcs8_der_of(EVP_PKEY* pkey, std::string_view what);

}  // namespace yinxin::crypto::detail
