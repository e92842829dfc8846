// ASN.1 tags (X.680 8, X.690 8.1.2) and the reader options shared by the reader and the decoders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace yinxin::asn1 {

enum class TagClass : std::uint8_t { universal = 0, application = 1, context = 2, private_use = 3 };

// A tag together with the constructed bit of its encoding. Two tags compare equal only when the
// class, the number and the form all match; use same_type() to ignore the form (BER strings).
struct Tag {
    TagClass tag_class = TagClass::universal;
    bool constructed = false;
    std::uint32_t number = 0;

    static constexpr Tag universal(std::uint32_t n, bool cons = false) { return {TagClass::universal, cons, n}; }
    static constexpr Tag context(std::uint32_t n, bool cons = false) { return {TagClass::context, cons, n}; }
    static constexpr Tag application(std::uint32_t n, bool cons = false) { return {TagClass::application, cons, n}; }
    static constexpr Tag private_use(std::uint32_t n, bool cons = false) { return {TagClass::private_use, cons, n}; }

    constexpr bool same_type(Tag o) const { return tag_class == o.tag_class && number == o.number; }
    constexpr Tag as_constructed(bool cons = true) const { return {tag_class, cons, number}; }

    friend constexpr bool operator==(Tag, Tag) = default;

    // "SEQUENCE", "INTEGER", "[0] cons", "[APPLICATION 3] prim" ...
    std::string to_string() const;
};

// Universal tags (X.680 8.6 Table 1) in the form DER requires; strings may be constructed in BER.
namespace tags {
inline constexpr Tag end_of_contents = Tag::universal(0);
inline constexpr Tag boolean = Tag::universal(1);
inline constexpr Tag integer = Tag::universal(2);
inline constexpr Tag bit_string = Tag::universal(3);
inline constexpr Tag octet_string = Tag::universal(4);
inline constexpr Tag null = Tag::universal(5);
inline constexpr Tag oid = Tag::universal(6);
inline constexpr Tag enumerated = Tag::universal(10);
inline constexpr Tag utf8_string = Tag::universal(12);
inline constexpr Tag sequence = Tag::universal(16, true);
inline constexpr Tag set = Tag::universal(17, true);
inline constexpr Tag numeric_string = Tag::universal(18);
inline constexpr Tag printable_string = Tag::universal(19);
inline constexpr Tag t61_string = Tag::universal(20);
inline constexpr Tag ia5_string = Tag::universal(22);
inline constexpr Tag utc_time = Tag::universal(23);
inline constexpr Tag generalized_time = Tag::universal(24);
inline constexpr Tag visible_string = Tag::universal(26);
inline constexpr Tag universal_string = Tag::universal(28);
inline constexpr Tag bmp_string = Tag::universal(30);
}  // namespace tags

// der: X.690 clause 10/11 only; anything else is asn1.not_der.
// ber: also accepts what X.690 clause 8 allows and real producers emit (see reader.h for the list).
enum class Mode : std::uint8_t { der, ber };

struct ReaderOptions {
    Mode mode = Mode::der;
    // Nesting depth: elements at depth >= max_depth are asn1.too_deep (the outermost is depth 0).
    std::uint32_t max_depth = 64;
    // Content length of any single element, and total input given to a top-level Reader
    // (asn1.too_long). Large CRLs may need more; callers parsing them raise these.
    std::size_t max_element_length = std::size_t{64} << 20;
    std::size_t max_input_length = std::size_t{64} << 20;

    static ReaderOptions der() { return {}; }
    static ReaderOptions ber() {
        ReaderOptions o;
        o.mode = Mode::ber;
        return o;
    }
};

}  // namespace yinxin::asn1
