// SM2/ECDSA signature value encodings (gm-and-seal-formats.md §1.3, §6.8). Real seals carry
// DER SEQUENCE{r,s}, raw 64-byte r||s (SDF/SKF blobs, Koal, CEGN) and non-minimal DER; everything
// is normalised to minimal DER before it reaches OpenSSL.
#pragma once

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::crypto {

enum class SignatureEncoding { der, raw, non_minimal_der };

struct NormalisedSignature {
    Bytes der;                   // minimal DER SEQUENCE{INTEGER r, INTEGER s}
    SignatureEncoding received;  // what the input was
};

// Accepts any of the three encodings for a 256-bit curve. r or s zero, negative, or wider than
// 32 bytes, trailing bytes, or garbage → crypto.bad_signature_encoding.
Result<NormalisedSignature> normalise_signature(BytesView sig);
Result<Bytes> raw_to_der(BytesView raw64);
// DER (minimal or not) → raw 64-byte r||s, each left-padded to 32 bytes.
Result<Bytes> der_to_raw(BytesView der);

}  // namespace yinxin::crypto
