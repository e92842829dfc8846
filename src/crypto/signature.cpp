#include "yinxin/crypto/signature.h"

#include <algorithm>
#include <array>

#include "yinxin/base/tlv.h"

namespace yinxin::crypto {

namespace {

using Scalar = std::array<std::uint8_t, 32>;

Error bad(std::string why) { return make_error(Errc::crypto_bad_signature_encoding, "signature: " + std::move(why)); }

bool is_zero(const Scalar& s) {
    return std::all_of(s.begin(), s.end(), [](std::uint8_t b) { return b == 0; });
}

struct ParsedInteger {
    Scalar value{};
    bool minimal = true;
};

// One INTEGER at the start of `in`; `consumed` gets its full TLV length. Accepts non-minimal
// lengths and redundant leading zero octets (seen in real seals, gm-and-seal-formats.md §1.3),
// refuses negative values, zero and anything wider than 256 bits.
Result<ParsedInteger> read_integer(BytesView in, std::size_t& consumed, const char* name) {
    auto h = tlv::read_header(in);
    if (!h) return bad(std::string(name) + ": " + h.error().message);
    if (h->tag_class != 0 || h->constructed || h->tag_number != 2 || h->indefinite)
        return bad(std::string(name) + " is not an INTEGER");
    BytesView c = in.subspan(h->header_len, h->length);
    if (c.empty()) return bad(std::string(name) + " has no content octets");
    if (c[0] & 0x80) return bad(std::string(name) + " is negative");
    ParsedInteger out;
    out.minimal = h->minimal && !(c.size() > 1 && c[0] == 0 && (c[1] & 0x80) == 0);
    std::size_t i = 0;
    while (i < c.size() && c[i] == 0) ++i;
    const BytesView mag = c.subspan(i);
    if (mag.size() > 32) return bad(std::string(name) + " wider than 256 bits");
    std::copy(mag.begin(), mag.end(), out.value.begin() + static_cast<std::ptrdiff_t>(32 - mag.size()));
    if (is_zero(out.value)) return bad(std::string(name) + " is zero");
    consumed = h->header_len + h->length;
    return out;
}

struct ParsedSignature {
    Scalar r{}, s{};
    bool minimal = true;
};

// SM2Signature ::= SEQUENCE { R INTEGER, S INTEGER } (GM/T 0009 7.3), DER or BER definite lengths.
Result<ParsedSignature> parse_der(BytesView sig) {
    auto h = tlv::read_header(sig);
    if (!h) return bad(h.error().message);
    if (h->tag_class != 0 || !h->constructed || h->tag_number != 16 || h->indefinite) return bad("not a SEQUENCE");
    if (h->header_len + h->length != sig.size()) return bad("trailing bytes after SEQUENCE");
    BytesView body = sig.subspan(h->header_len, h->length);
    ParsedSignature out;
    std::size_t used = 0;
    YX_ASSIGN_OR_RETURN(ParsedInteger r, read_integer(body, used, "r"));
    body = body.subspan(used);
    YX_ASSIGN_OR_RETURN(ParsedInteger s, read_integer(body, used, "s"));
    body = body.subspan(used);
    if (!body.empty()) return bad("extra elements in SEQUENCE");
    out.r = r.value;
    out.s = s.value;
    out.minimal = h->minimal && r.minimal && s.minimal;
    return out;
}

Result<ParsedSignature> parse_raw(BytesView raw) {
    if (raw.size() != 64) return bad("raw r||s must be 64 bytes, got " + std::to_string(raw.size()));
    ParsedSignature out;
    std::copy(raw.begin(), raw.begin() + 32, out.r.begin());
    std::copy(raw.begin() + 32, raw.end(), out.s.begin());
    if (is_zero(out.r)) return bad("r is zero");
    if (is_zero(out.s)) return bad("s is zero");
    return out;
}

Bytes encode_der(const Scalar& r, const Scalar& s) {
    Bytes body;
    tlv::append_tlv(body, 0x02, tlv::unsigned_integer_content(r));
    tlv::append_tlv(body, 0x02, tlv::unsigned_integer_content(s));
    Bytes out;
    tlv::append_tlv(out, 0x30, body);
    return out;
}

}  // namespace

Result<NormalisedSignature> normalise_signature(BytesView sig) {
    // DER is tried first: a 64-byte input that parses completely as SEQUENCE{INTEGER, INTEGER}
    // is taken as DER (a raw r||s would have to start 30 3E 02 .. by chance and parse exactly).
    auto der = parse_der(sig);
    if (der) {
        return NormalisedSignature{encode_der(der->r, der->s),
                                   der->minimal ? SignatureEncoding::der : SignatureEncoding::non_minimal_der};
    }
    if (sig.size() == 64) {
        YX_ASSIGN_OR_RETURN(ParsedSignature raw, parse_raw(sig));
        return NormalisedSignature{encode_der(raw.r, raw.s), SignatureEncoding::raw};
    }
    return std::move(der).error();
}

Result<Bytes> raw_to_der(BytesView raw64) {
    YX_ASSIGN_OR_RETURN(ParsedSignature raw, parse_raw(raw64));
    return encode_der(raw.r, raw.s);
}

Result<Bytes> der_to_raw(BytesView der) {
    YX_ASSIGN_OR_RETURN(ParsedSignature p, parse_der(der));
    Bytes out(p.r.begin(), p.r.end());
    out.insert(out.end(), p.s.begin(), p.s.end());
    return out;
}

}  // namespace yinxin::crypto
