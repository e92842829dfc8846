// OBJECT IDENTIFIER value type (X.660, X.690 8.19).
//
// An Oid holds the DER content octets (the base-128 subidentifiers, first two arcs combined as
// 40*X+Y). That makes decoding from a certificate a copy, equality a memcmp, and the type a literal
// type, so named constants are compile-time data:
//     inline constexpr Oid sm2_with_sm3{"1.2.156.10197.1.501"};   // bad text fails to compile
// Arcs of any size are supported (2.25.<UUID> has 128-bit arcs); the whole content is limited to
// max_der_size octets, which no OID in use comes near.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::asn1 {

namespace detail {

inline constexpr std::size_t max_oid_der_size_v = 127;

// Shared by the compile-time literal constructor and Oid::from_string. Returns nullptr on success,
// else a message.
constexpr const char* encode_dotted_oid(std::string_view text, std::uint8_t* out, std::size_t cap,
                                        std::size_t& out_len) {
    out_len = 0;
    if (text.empty()) return "empty OID text";
    // Each arc is converted to base-128 by schoolbook multiplication so that arcs above 2^64 work.
    std::size_t pos = 0;
    std::size_t arc_index = 0;
    std::uint32_t first_arc = 0;
    while (true) {
        std::size_t end = pos;
        while (end < text.size() && text[end] != '.') ++end;
        if (end == pos) return "empty arc in OID text";
        std::string_view arc = text.substr(pos, end - pos);
        for (char c : arc)
            if (c < '0' || c > '9') return "OID arc is not a decimal number";
        // X.660: arcs are written without leading zeros ("1.02" is not an OID).
        if (arc.size() > 1 && arc[0] == '0') return "OID arc has a leading zero";
        if (arc_index == 0) {
            if (arc.size() != 1 || arc[0] > '2') return "first OID arc must be 0, 1 or 2";
            first_arc = static_cast<std::uint32_t>(arc[0] - '0');
        } else {
            // Little-endian base-128 digits of this arc (of 40*X+Y for the second one).
            std::uint8_t digits[max_oid_der_size_v]{};
            std::size_t n = 0;
            auto mul_add = [&](std::uint32_t mul, std::uint32_t add) -> bool {
                std::uint32_t carry = add;
                for (std::size_t i = 0; i < n; ++i) {
                    std::uint32_t v = digits[i] * mul + carry;
                    digits[i] = static_cast<std::uint8_t>(v & 0x7f);
                    carry = v >> 7;
                }
                while (carry != 0) {
                    if (n >= max_oid_der_size_v) return false;
                    digits[n++] = static_cast<std::uint8_t>(carry & 0x7f);
                    carry >>= 7;
                }
                return true;
            };
            for (char c : arc)
                if (!mul_add(10, static_cast<std::uint32_t>(c - '0'))) return "OID too long";
            if (arc_index == 1) {
                // X.690 8.19.4: the first subidentifier is 40*X+Y; Y < 40 unless X is 2.
                if (first_arc < 2 && (arc.size() > 2 || (arc.size() == 2 && arc[0] >= '4')))
                    return "second OID arc must be below 40 under arcs 0 and 1";
                if (!mul_add(1, first_arc * 40)) return "OID too long";
            }
            if (n == 0) digits[n++] = 0;
            if (out_len + n > cap) return "OID too long";
            for (std::size_t i = n; i-- > 0;)
                out[out_len++] = static_cast<std::uint8_t>(digits[i] | (i != 0 ? 0x80 : 0));
        }
        ++arc_index;
        if (end == text.size()) break;
        pos = end + 1;
        if (pos == text.size()) return "OID text ends with a dot";
    }
    if (arc_index < 2) return "OID needs at least two arcs";
    return nullptr;
}

void oid_literal_is_invalid(const char* why);  // not constexpr: calling it stops compilation

}  // namespace detail

class Oid {
public:
    static constexpr std::size_t max_der_size = detail::max_oid_der_size_v;

    constexpr Oid() = default;

    // Compile-time literal; an invalid string is a compile error.
    consteval explicit Oid(const char* dotted) {  // NOLINT(cppcoreguidelines-pro-type-member-init)
        std::size_t len = 0;
        const char* err = detail::encode_dotted_oid(dotted, m_der.data(), m_der.size(), len);
        if (err != nullptr) detail::oid_literal_is_invalid(err);
        m_size = static_cast<std::uint8_t>(len);
    }

    // Dotted decimal, e.g. "1.2.156.10197.1.501"; anything else is asn1.bad_oid.
    static Result<Oid> from_string(std::string_view dotted);
    // The content octets of an OBJECT IDENTIFIER TLV. X.690 8.19.2: every subidentifier is minimal
    // (no leading 0x80 octet) and complete; anything else is asn1.bad_oid. This holds in BER too.
    static Result<Oid> from_der(BytesView content);

    std::string to_string() const;
    // Arcs as integers; asn1.bad_oid when an arc does not fit in 64 bits.
    Result<std::vector<std::uint64_t>> arcs() const;

    constexpr BytesView der() const { return {m_der.data(), m_size}; }
    constexpr bool empty() const { return m_size == 0; }
    // True when `prefix` names this OID or one of its ancestors (arc-wise, e.g. 1.2.156 of
    // 1.2.156.10197.1.501). Byte prefix is arc prefix because every subidentifier ends with an
    // octet whose top bit is clear.
    constexpr bool starts_with(const Oid& prefix) const {
        if (prefix.m_size > m_size) return false;
        for (std::size_t i = 0; i < prefix.m_size; ++i)
            if (m_der[i] != prefix.m_der[i]) return false;
        return true;
    }
    std::size_t hash() const noexcept;

    friend constexpr bool operator==(const Oid& a, const Oid& b) {
        if (a.m_size != b.m_size) return false;
        for (std::size_t i = 0; i < a.m_size; ++i)
            if (a.m_der[i] != b.m_der[i]) return false;
        return true;
    }
    // A total order on the encoding (not numeric arc order); good for maps and sorting.
    friend constexpr std::strong_ordering operator<=>(const Oid& a, const Oid& b) {
        return std::lexicographical_compare_three_way(a.m_der.begin(), a.m_der.begin() + a.m_size, b.m_der.begin(),
                                                      b.m_der.begin() + b.m_size);
    }

private:
    std::array<std::uint8_t, detail::max_oid_der_size_v> m_der{};
    std::uint8_t m_size = 0;
};

}  // namespace yinxin::asn1

template <>
struct std::hash<yinxin::asn1::Oid> {
    std::size_t operator()(const yinxin::asn1::Oid& o) const noexcept { return o.hash(); }
};
