#include "yinxin/asn1/oid.h"

#include <bit>

namespace yinxin::asn1 {

namespace detail {
void oid_literal_is_invalid(const char* /*why*/) {}
}  // namespace detail

namespace {

// One subidentifier as base-128 digits, most significant first (top bits stripped).
using Digits = std::vector<std::uint8_t>;

// Decimal text of a base-128 number of any size (schoolbook division by 10).
std::string big_to_decimal(Digits d) {
    std::string out;
    std::size_t first = 0;
    while (first < d.size() && d[first] == 0) ++first;
    if (first == d.size()) return "0";
    while (first < d.size()) {
        std::uint32_t rem = 0;
        for (std::size_t i = first; i < d.size(); ++i) {
            std::uint32_t cur = (rem << 7) | d[i];
            d[i] = static_cast<std::uint8_t>(cur / 10);
            rem = cur % 10;
        }
        out.push_back(static_cast<char>('0' + rem));
        while (first < d.size() && d[first] == 0) ++first;
    }
    return {out.rbegin(), out.rend()};
}

// Significant bits of a minimal subidentifier d[0..n).
std::size_t subid_bits(const std::uint8_t* d, std::size_t n) {
    return 7 * (n - 1) + static_cast<std::size_t>(std::bit_width(static_cast<unsigned>(d[0] & 0x7f)));
}

std::uint64_t subid_value(const std::uint8_t* d, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 7) | (d[i] & 0x7f);
    return v;
}

Digits subid_digits(const std::uint8_t* d, std::size_t n) {
    Digits out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = d[i] & 0x7f;
    return out;
}

// Subtracts a small value from a base-128 number known to be larger.
void big_sub(Digits& d, std::uint32_t v) {
    std::int32_t borrow = static_cast<std::int32_t>(v);
    for (std::size_t i = d.size(); i-- > 0 && borrow != 0;) {
        std::int32_t cur = d[i] - (borrow & 0x7f);
        borrow >>= 7;
        if (cur < 0) {
            cur += 128;
            ++borrow;
        }
        d[i] = static_cast<std::uint8_t>(cur);
    }
}

// Calls f(ptr, len) for each subidentifier of validated content.
template <class F>
void for_each_subid(BytesView der, F&& f) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < der.size(); ++i) {
        if ((der[i] & 0x80) == 0) {
            f(der.data() + start, i + 1 - start);
            start = i + 1;
        }
    }
}

}  // namespace

Result<Oid> Oid::from_string(std::string_view dotted) {
    Oid o;
    std::size_t len = 0;
    if (const char* err = detail::encode_dotted_oid(dotted, o.m_der.data(), o.m_der.size(), len))
        return make_error(Errc::asn1_bad_oid, std::string(err) + ": \"" + std::string(dotted.substr(0, 64)) + "\"");
    o.m_size = static_cast<std::uint8_t>(len);
    return o;
}

Result<Oid> Oid::from_der(BytesView content) {
    // X.690 8.19.2: at least one subidentifier, each in the fewest octets (first octet not 0x80)
    // and complete (last octet with bit 8 clear).
    if (content.empty()) return make_error(Errc::asn1_bad_oid, "empty OBJECT IDENTIFIER");
    if (content.size() > max_der_size)
        return make_error(Errc::asn1_bad_oid,
                          "OBJECT IDENTIFIER longer than " + std::to_string(max_der_size) + " octets is not supported");
    bool at_start = true;
    for (std::uint8_t b : content) {
        if (at_start && b == 0x80) return make_error(Errc::asn1_bad_oid, "OID subidentifier with a leading 0x80 octet");
        at_start = (b & 0x80) == 0;
    }
    if (!at_start) return make_error(Errc::asn1_bad_oid, "OID ends inside a subidentifier");
    Oid o;
    std::copy(content.begin(), content.end(), o.m_der.begin());
    o.m_size = static_cast<std::uint8_t>(content.size());
    return o;
}

std::string Oid::to_string() const {
    std::string out;
    bool first = true;
    for_each_subid(der(), [&](const std::uint8_t* d, std::size_t n) {
        if (first) {
            first = false;
            // X.690 8.19.4: first subidentifier = 40*X + Y, X = 2 for everything from 80 up.
            if (subid_bits(d, n) <= 64) {
                std::uint64_t v = subid_value(d, n);
                if (v < 40) {
                    out = "0." + std::to_string(v);
                } else if (v < 80) {
                    out = "1." + std::to_string(v - 40);
                } else {
                    out = "2." + std::to_string(v - 80);
                }
            } else {
                Digits big = subid_digits(d, n);
                big_sub(big, 80);
                out = "2." + big_to_decimal(std::move(big));
            }
            return;
        }
        out.push_back('.');
        if (subid_bits(d, n) <= 64) {
            out += std::to_string(subid_value(d, n));
        } else {
            out += big_to_decimal(subid_digits(d, n));
        }
    });
    return out;
}

Result<std::vector<std::uint64_t>> Oid::arcs() const {
    std::vector<std::uint64_t> out;
    bool too_big = false;
    for_each_subid(der(), [&](const std::uint8_t* d, std::size_t n) {
        if (subid_bits(d, n) > 64) {
            too_big = true;
            return;
        }
        std::uint64_t v = subid_value(d, n);
        if (out.empty()) {
            std::uint64_t x = v < 40 ? 0 : v < 80 ? 1 : 2;
            out.push_back(x);
            out.push_back(v - 40 * x);
        } else {
            out.push_back(v);
        }
    });
    if (too_big) return make_error(Errc::asn1_bad_oid, "OID arc does not fit in 64 bits: " + to_string());
    return out;
}

std::size_t Oid::hash() const noexcept {
    // FNV-1a over the content octets.
    std::uint64_t h = 1469598103934665603ull;
    for (std::size_t i = 0; i < m_size; ++i) {
        h ^= m_der[i];
        h *= 1099511628211ull;
    }
    return static_cast<std::size_t>(h);
}

}  // namespace yinxin::asn1
