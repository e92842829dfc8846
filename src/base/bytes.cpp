#include "yinxin/base/bytes.h"

#include <array>
#include <cctype>

namespace yinxin {
namespace {

constexpr char k_hex_digits[] = "0123456789abcdef";
constexpr char k_b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

constexpr std::array<int, 256> make_b64_table() {
    std::array<int, 256> t{};
    for (auto& v : t) v = -1;
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(k_b64_alphabet[i])] = i;
    return t;
}
constexpr auto k_b64_table = make_b64_table();

}  // namespace

std::string hex_encode(BytesView data) {
    std::string out;
    out.reserve(data.size() * 2);
    for (auto b : data) {
        out.push_back(k_hex_digits[b >> 4]);
        out.push_back(k_hex_digits[b & 0x0f]);
    }
    return out;
}

Result<Bytes> hex_decode(std::string_view text) {
    Bytes out;
    out.reserve(text.size() / 2);
    int hi = -1;
    for (char c : text) {
        if (is_space(c)) continue;
        int v = hex_value(c);
        if (v < 0) return make_error(Errc::bad_hex, "not a hex digit in input");
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::uint8_t>((hi << 4) | v));
            hi = -1;
        }
    }
    if (hi >= 0) return make_error(Errc::bad_hex, "odd number of hex digits");
    return out;
}

std::string base64_encode(BytesView data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
        out.push_back(k_b64_alphabet[(v >> 18) & 63]);
        out.push_back(k_b64_alphabet[(v >> 12) & 63]);
        out.push_back(k_b64_alphabet[(v >> 6) & 63]);
        out.push_back(k_b64_alphabet[v & 63]);
    }
    std::size_t rest = data.size() - i;
    if (rest == 1) {
        std::uint32_t v = std::uint32_t{data[i]} << 16;
        out.push_back(k_b64_alphabet[(v >> 18) & 63]);
        out.push_back(k_b64_alphabet[(v >> 12) & 63]);
        out += "==";
    } else if (rest == 2) {
        std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
        out.push_back(k_b64_alphabet[(v >> 18) & 63]);
        out.push_back(k_b64_alphabet[(v >> 12) & 63]);
        out.push_back(k_b64_alphabet[(v >> 6) & 63]);
        out.push_back('=');
    }
    return out;
}

Result<Bytes> base64_decode(std::string_view text) {
    Bytes out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int nbits = 0;
    int pad = 0;
    std::size_t nchars = 0;
    for (char c : text) {
        if (is_space(c)) continue;
        if (c == '=') {
            ++pad;
            ++nchars;
            continue;
        }
        if (pad > 0) return make_error(Errc::bad_base64, "data after base64 padding");
        int v = k_b64_table[static_cast<unsigned char>(c)];
        if (v < 0) return make_error(Errc::bad_base64, "character outside the base64 alphabet");
        ++nchars;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out.push_back(static_cast<std::uint8_t>((acc >> nbits) & 0xff));
        }
    }
    if (pad > 2 || nchars % 4 != 0) return make_error(Errc::bad_base64, "base64 length is not a multiple of 4");
    // Leftover bits must be zero (canonical encoding); 2 pads leave 4 bits, 1 pad leaves 2.
    if (nbits > 0 && (acc & ((1u << nbits) - 1)) != 0)
        return make_error(Errc::bad_base64, "non-zero bits in base64 padding");
    return out;
}

std::string pem_encode(std::string_view label, BytesView der) {
    std::string b64 = base64_encode(der);
    std::string out = "-----BEGIN " + std::string(label) + "-----\n";
    for (std::size_t i = 0; i < b64.size(); i += 64) {
        out.append(b64, i, 64);
        out.push_back('\n');
    }
    out += "-----END " + std::string(label) + "-----\n";
    return out;
}

Result<std::vector<PemBlock>> pem_decode_all(std::string_view text) {
    std::vector<PemBlock> blocks;
    constexpr std::string_view begin_mark = "-----BEGIN ";
    constexpr std::string_view dashes = "-----";
    std::size_t pos = 0;
    while (true) {
        std::size_t b = text.find(begin_mark, pos);
        if (b == std::string_view::npos) break;
        std::size_t label_start = b + begin_mark.size();
        std::size_t label_end = text.find(dashes, label_start);
        if (label_end == std::string_view::npos) return make_error(Errc::bad_pem, "unterminated PEM BEGIN line");
        std::string label(text.substr(label_start, label_end - label_start));
        std::string end_line = "-----END " + label + "-----";
        std::size_t body_start = label_end + dashes.size();
        std::size_t e = text.find(end_line, body_start);
        if (e == std::string_view::npos) return make_error(Errc::bad_pem, "missing PEM END line for " + label);
        std::string_view body = text.substr(body_start, e - body_start);
        // RFC 1421 headers (Proc-Type etc.) mean encrypted legacy PEM: not supported here.
        if (body.find(':') != std::string_view::npos)
            return make_error(Errc::bad_pem, "PEM headers (encrypted legacy PEM) are not supported");
        auto der = base64_decode(body);
        if (!der) return make_error(Errc::bad_pem, "bad base64 in PEM block " + label);
        blocks.push_back(PemBlock{std::move(label), std::move(der).value()});
        pos = e + end_line.size();
    }
    if (blocks.empty()) return make_error(Errc::bad_pem, "no PEM block found");
    return blocks;
}

Result<Bytes> pem_decode(std::string_view text, std::string_view label) {
    YX_ASSIGN_OR_RETURN(auto blocks, pem_decode_all(text));
    for (auto& blk : blocks)
        if (blk.label == label) return std::move(blk.der);
    return make_error(Errc::bad_pem, "no PEM block labelled " + std::string(label));
}

bool constant_time_equal(BytesView a, BytesView b) noexcept {
    if (a.size() != b.size()) return false;
    std::uint8_t diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace yinxin
