// One-shot message digests by algorithm, for formats that name their hash (RFC 3161
// messageImprint, ESS certificate identifiers, CMS digestAlgorithm): SM3 and the SHA family.
// Mapping OIDs to these values is the caller's (crypto sits below asn1).
#pragma once

#include <cstdint>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::crypto {

enum class DigestAlgorithm : std::uint8_t { sm3, sha1, sha256, sha384, sha512 };

// "SM3", "SHA-1", "SHA-256", "SHA-384", "SHA-512".
std::string_view to_string(DigestAlgorithm alg) noexcept;
std::size_t digest_size(DigestAlgorithm alg) noexcept;

Result<Bytes> digest(DigestAlgorithm alg, BytesView data);

}  // namespace yinxin::crypto
