#include "yinxin/asn1/strings.h"

namespace yinxin::asn1 {

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

bool is_surrogate(std::uint32_t cp) { return cp >= 0xd800 && cp <= 0xdfff; }

// Decodes one UTF-8 sequence at s[i]; returns its length, 0 if malformed (RFC 3629 4).
std::size_t decode_utf8(std::string_view s, std::size_t i, std::uint32_t& cp) {
    auto b0 = static_cast<std::uint8_t>(s[i]);
    std::size_t n = 0;
    std::uint32_t min = 0;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    } else if ((b0 & 0xe0) == 0xc0) {
        n = 2;
        cp = b0 & 0x1f;
        min = 0x80;
    } else if ((b0 & 0xf0) == 0xe0) {
        n = 3;
        cp = b0 & 0x0f;
        min = 0x800;
    } else if ((b0 & 0xf8) == 0xf0) {
        n = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (s.size() - i < n) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        auto b = static_cast<std::uint8_t>(s[i + k]);
        if ((b & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || is_surrogate(cp)) return 0;
    return n;
}

}  // namespace

bool is_printable_string(std::string_view s) noexcept {
    for (char c : s) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        switch (c) {
            case ' ':
            case '\'':
            case '(':
            case ')':
            case '+':
            case ',':
            case '-':
            case '.':
            case '/':
            case ':':
            case '=':
            case '?': ok = true; break;
            default: break;
        }
        if (!ok) return false;
    }
    return true;
}

bool is_visible_string(std::string_view s) noexcept {
    for (char c : s)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

bool is_ia5_string(std::string_view s) noexcept {
    for (char c : s)
        if (static_cast<std::uint8_t>(c) > 0x7f) return false;
    return true;
}

bool is_numeric_string(std::string_view s) noexcept {
    for (char c : s)
        if (!(c == ' ' || (c >= '0' && c <= '9'))) return false;
    return true;
}

bool is_utf8(std::string_view s) noexcept {
    std::uint32_t cp = 0;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = decode_utf8(s, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

Result<std::string> bmp_to_utf8(BytesView content) {
    if (content.size() % 2 != 0) return make_error(Errc::asn1_bad_value, "BMPString with an odd number of octets");
    std::string out;
    out.reserve(content.size() * 3 / 2);
    for (std::size_t i = 0; i < content.size(); i += 2) {
        std::uint32_t cp = (std::uint32_t{content[i]} << 8) | content[i + 1];
        if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < content.size()) {
            std::uint32_t lo = (std::uint32_t{content[i + 2]} << 8) | content[i + 3];
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                append_utf8(out, 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00));
                i += 2;
                continue;
            }
        }
        if (is_surrogate(cp)) return make_error(Errc::asn1_bad_value, "BMPString with a lone surrogate");
        append_utf8(out, cp);
    }
    return out;
}

Result<std::string> universal_to_utf8(BytesView content) {
    if (content.size() % 4 != 0)
        return make_error(Errc::asn1_bad_value, "UniversalString length is not a multiple of 4");
    std::string out;
    for (std::size_t i = 0; i < content.size(); i += 4) {
        std::uint32_t cp = (std::uint32_t{content[i]} << 24) | (std::uint32_t{content[i + 1]} << 16) |
                           (std::uint32_t{content[i + 2]} << 8) | content[i + 3];
        if (cp > 0x10ffff || is_surrogate(cp))
            return make_error(Errc::asn1_bad_value, "UniversalString with an invalid character");
        append_utf8(out, cp);
    }
    return out;
}

std::string latin1_to_utf8(BytesView content) {
    std::string out;
    out.reserve(content.size());
    for (std::uint8_t b : content) append_utf8(out, b);
    return out;
}

Result<Bytes> utf8_to_bmp(std::string_view s) {
    Bytes out;
    out.reserve(s.size() * 2);
    std::uint32_t cp = 0;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = decode_utf8(s, i, cp);
        if (n == 0) return make_error(Errc::asn1_bad_value, "invalid UTF-8");
        if (cp > 0xffff) return make_error(Errc::asn1_bad_value, "character outside the BMP in a BMPString");
        out.push_back(static_cast<std::uint8_t>(cp >> 8));
        out.push_back(static_cast<std::uint8_t>(cp & 0xff));
        i += n;
    }
    return out;
}

}  // namespace yinxin::asn1
