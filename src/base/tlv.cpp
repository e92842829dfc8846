#include "yinxin/base/tlv.h"

namespace yinxin::tlv {

Result<Header> read_header(BytesView in) {
    Header h;
    std::size_t p = 0;
    if (in.empty()) return make_error(Errc::asn1_truncated, "empty input where a TLV was expected");
    std::uint8_t id = in[p++];
    h.tag_class = static_cast<std::uint8_t>(id >> 6);
    h.constructed = (id & 0x20) != 0;
    std::uint32_t num = id & 0x1f;
    if (num == 0x1f) {
        // X.690 8.1.2.4: high tag number form, base-128, first octet must not be 0x80.
        num = 0;
        bool first = true;
        while (true) {
            if (p >= in.size()) return make_error(Errc::asn1_truncated, "truncated high tag number");
            std::uint8_t b = in[p++];
            if (first && b == 0x80) h.minimal = false;
            first = false;
            if (num > (0x0fffffffu >> 7)) return make_error(Errc::asn1_bad_tag, "tag number too large");
            num = (num << 7) | (b & 0x7f);
            if ((b & 0x80) == 0) break;
        }
        if (num < 0x1f) h.minimal = false;
    }
    h.tag_number = num;
    if (p >= in.size()) return make_error(Errc::asn1_truncated, "truncated length octets");
    std::uint8_t l0 = in[p++];
    if (l0 < 0x80) {
        h.length = l0;
    } else if (l0 == 0x80) {
        h.indefinite = true;
        h.minimal = false;
        if (!h.constructed) return make_error(Errc::asn1_bad_length, "indefinite length on a primitive encoding");
    } else if (l0 == 0xff) {
        return make_error(Errc::asn1_bad_length, "reserved length octet 0xff");
    } else {
        std::size_t n = l0 & 0x7f;
        if (n > 4) return make_error(Errc::asn1_too_long, "length field longer than 4 octets");
        if (p + n > in.size()) return make_error(Errc::asn1_truncated, "truncated length octets");
        std::size_t len = 0;
        for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[p + i];
        // X.690 10.1: DER uses the fewest octets, and the short form below 128.
        if (in[p] == 0 || len < 0x80) h.minimal = false;
        p += n;
        h.length = len;
    }
    h.header_len = p;
    if (!h.indefinite && h.length > in.size() - p)
        return make_error(Errc::asn1_truncated, "content runs past the end of the input");
    return h;
}

void append_length(Bytes& out, std::size_t len) {
    if (len < 0x80) {
        out.push_back(static_cast<std::uint8_t>(len));
        return;
    }
    std::uint8_t buf[sizeof(std::size_t)];
    int n = 0;
    while (len > 0) {
        buf[n++] = static_cast<std::uint8_t>(len & 0xff);
        len >>= 8;
    }
    out.push_back(static_cast<std::uint8_t>(0x80 | n));
    while (n > 0) out.push_back(buf[--n]);
}

void append_tlv(Bytes& out, std::uint8_t identifier, BytesView content) {
    out.push_back(identifier);
    append_length(out, content.size());
    out.insert(out.end(), content.begin(), content.end());
}

Bytes unsigned_integer_content(BytesView magnitude) {
    std::size_t i = 0;
    while (i < magnitude.size() && magnitude[i] == 0) ++i;
    Bytes out;
    if (i == magnitude.size()) {
        out.push_back(0);
        return out;
    }
    if (magnitude[i] & 0x80) out.push_back(0);
    out.insert(out.end(), magnitude.begin() + static_cast<std::ptrdiff_t>(i), magnitude.end());
    return out;
}

}  // namespace yinxin::tlv
