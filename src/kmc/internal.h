// Helpers shared by the kmc sources (not part of the public interface).
#pragma once

#include <string>

#include "yinxin/asn1/oid.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/kmc/envelope.h"

namespace yinxin::kmc {

// The OID of an AlgorithmIdentifier whose parameters are NULL or absent (kmc.bad_message otherwise).
Result<asn1::Oid> read_algorithm(const asn1::Element& alg);

// Opens an SM2-wrapped SM4 key and an SM4-ECB encrypted scalar, and checks the scalar against the
// public point (kmc.envelope_invalid): shared by SM2EnvelopedKey and SignedAndEnvelopedData.
Result<crypto::Sm2PrivateKey> open_parts(BytesView sm2_cipher, BytesView encrypted_scalar, BytesView public_point,
                                         const DecryptFunction& decrypt);

// Lower-case hex of an INTEGER magnitude without leading zero octets ("" for zero).
inline std::string magnitude_hex(BytesView magnitude) {
    std::size_t i = 0;
    while (i < magnitude.size() && magnitude[i] == 0) ++i;
    return hex_encode(magnitude.subspan(i));
}

}  // namespace yinxin::kmc
