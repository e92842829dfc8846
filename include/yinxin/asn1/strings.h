// Character sets of the ASN.1 restricted string types (X.680 41) and their conversion to UTF-8.
#pragma once

#include <string>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::asn1 {

// X.680 41.4 Table 10: A-Z a-z 0-9 space ' ( ) + , - . / : = ?
bool is_printable_string(std::string_view s) noexcept;
// 0x20-0x7e (ISO 646 graphic characters and space).
bool is_visible_string(std::string_view s) noexcept;
// 0x00-0x7f.
bool is_ia5_string(std::string_view s) noexcept;
// 0-9 and space.
bool is_numeric_string(std::string_view s) noexcept;
// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_utf8(std::string_view s) noexcept;

// BMPString content (big-endian UCS-2) to UTF-8. Valid UTF-16 surrogate pairs are decoded too,
// since some producers write UTF-16; a lone surrogate or an odd length is asn1.bad_value.
Result<std::string> bmp_to_utf8(BytesView content);
// UniversalString content (big-endian UCS-4) to UTF-8.
Result<std::string> universal_to_utf8(BytesView content);
// T61String (TeletexString) content read as ISO 8859-1, as OpenSSL and most PKI software do; true
// T.61 escape sequences are not interpreted.
std::string latin1_to_utf8(BytesView content);
// UTF-8 to BMPString content; characters outside the BMP are asn1.bad_value.
Result<Bytes> utf8_to_bmp(std::string_view s);

}  // namespace yinxin::asn1
