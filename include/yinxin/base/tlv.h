// Minimal DER tag-length-value primitives shared by the crypto layer (which sits below asn1 and
// needs only SEQUENCE{INTEGER,...} for SM2Signature and SM2Cipher) and the asn1 reader/writer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::tlv {

struct Header {
    std::uint8_t tag_class = 0;  // 0 universal, 1 application, 2 context, 3 private
    bool constructed = false;
    std::uint32_t tag_number = 0;
    std::size_t header_len = 0;  // identifier + length octets
    std::size_t length = 0;      // content length (undefined when indefinite)
    bool indefinite = false;     // BER 0x80 length
    bool minimal = true;         // length (and tag) in DER minimal form
};

// Parses identifier and length octets at the start of `in`. Checks that the content fits in
// `in` unless indefinite. Tag numbers above 2^28 and lengths above 2^32 are refused.
Result<Header> read_header(BytesView in);

// Appends DER length octets.
void append_length(Bytes& out, std::size_t len);
// Appends a complete TLV with a single-octet identifier.
void append_tlv(Bytes& out, std::uint8_t identifier, BytesView content);
// Minimal two's-complement content octets for a non-negative big-endian magnitude (strips
// leading zeros, adds 0x00 if the top bit is set). An all-zero or empty input encodes 0.
Bytes unsigned_integer_content(BytesView magnitude);

}  // namespace yinxin::tlv
