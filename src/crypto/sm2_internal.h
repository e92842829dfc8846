// Internal SM2 helpers shared by the key, signature and encryption code. Not public.
#pragma once

#include <string_view>

#include "openssl_util.h"
#include "yinxin/base/result.h"

namespace yinxin::crypto::detail {

// 04||X||Y → a point on sm2p256v1; coordinates >= p or off-curve → crypto.point_not_on_curve.
Result<EcPointPtr> point_from_uncompressed(BytesView uncompressed);
Result<Bytes> point_to_uncompressed(const EC_POINT* pt);
// An SM2 EVP_PKEY from a validated point and, when `d` is not null, the private scalar.
Result<PkeyPtr> pkey_from_params(const BIGNUM* d, BytesView uncompressed);
Result<Bytes> pkey_point(EVP_PKEY* pkey);
Result<SecretBnPtr> pkey_scalar(EVP_PKEY* pkey);
Status check_sm2_group(EVP_PKEY* pkey);
Status check_id(std::string_view id);

// The largest DER SM2Signature: SEQUENCE{INTEGER(33), INTEGER(33)}.
inline constexpr std::size_t k_max_sm2_der_sig = 72;

}  // namespace yinxin::crypto::detail
