// Byte buffers and text encodings: hex, base64, PEM.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/result.h"

namespace yinxin {

using Bytes = std::vector<std::uint8_t>;
using BytesView = std::span<const std::uint8_t>;

inline BytesView as_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
inline Bytes to_bytes(std::string_view s) { return {s.begin(), s.end()}; }
inline std::string to_string(BytesView b) { return {b.begin(), b.end()}; }

// Lower-case hex.
std::string hex_encode(BytesView data);
// Accepts upper/lower case; ignores ASCII whitespace; odd length or a non-hex digit is bad_hex.
Result<Bytes> hex_decode(std::string_view text);

// RFC 4648 base64 with padding.
std::string base64_encode(BytesView data);
// Accepts standard alphabet with padding; ignores ASCII whitespace (PEM bodies, XML text).
Result<Bytes> base64_decode(std::string_view text);

struct PemBlock {
    std::string label;  // e.g. "CERTIFICATE"
    Bytes der;
};

// RFC 7468 textual encoding, 64-column lines.
std::string pem_encode(std::string_view label, BytesView der);
// Every block in the text, in order. No block at all is bad_pem.
Result<std::vector<PemBlock>> pem_decode_all(std::string_view text);
// The first block with this label.
Result<Bytes> pem_decode(std::string_view text, std::string_view label);

// Constant-time equality for secrets (MACs, hashes of secrets).
bool constant_time_equal(BytesView a, BytesView b) noexcept;

}  // namespace yinxin
