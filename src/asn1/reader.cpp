#include "yinxin/asn1/reader.h"

#include <algorithm>

#include "yinxin/asn1/strings.h"
#include "yinxin/base/tlv.h"

namespace yinxin::asn1 {

namespace {

Error error_at(Errc code, std::size_t offset, const std::string& what) {
    return make_error(code, "at offset " + std::to_string(offset) + ": " + what);
}

// tlv::read_header plus the rules of X.690 that depend on the mode and the limits.
Result<tlv::Header> checked_header(BytesView in, const ReaderOptions& opts, std::size_t offset) {
    auto h = tlv::read_header(in);
    if (!h.ok()) return error_at(h.code(), offset, h.error().message);
    // X.690 8.1.2.2 / 8.1.2.4.2: the high-tag-number form is for numbers >= 31 and its first
    // subsequent octet is not 0x80. Both are errors in BER too.
    if ((in[0] & 0x1f) == 0x1f && (in[1] == 0x80 || h->tag_number < 31))
        return error_at(Errc::asn1_bad_tag, offset, "tag number not in the shortest form");
    if (h->tag_class == 0 && h->tag_number == 0)
        return error_at(Errc::asn1_bad_tag, offset, "end-of-contents where an element was expected");
    if (opts.mode == Mode::der) {
        // X.690 10.1: definite form, fewest length octets.
        if (h->indefinite) return error_at(Errc::asn1_not_der, offset, "indefinite length");
        if (!h->minimal) return error_at(Errc::asn1_not_der, offset, "length not in the shortest form");
    }
    if (!h->indefinite && h->length > opts.max_element_length)
        return error_at(Errc::asn1_too_long, offset,
                        "element of " + std::to_string(h->length) + " octets exceeds the limit of " +
                            std::to_string(opts.max_element_length));
    return h;
}

// Length of the content of an indefinite-length encoding that starts at data[0] (right after its
// header), up to but excluding its end-of-contents octets (X.690 8.1.3.6). Nested definite
// elements are skipped whole; nested indefinite ones are counted, so this is iterative and
// linear. `depth` is the depth of the elements directly inside.
Result<std::size_t> find_end_of_contents(BytesView data, const ReaderOptions& opts, std::uint32_t depth,
                                         std::size_t offset) {
    std::size_t pos = 0;
    std::uint32_t level = 1;
    while (true) {
        if (pos >= data.size())
            return error_at(Errc::asn1_truncated, offset + pos, "indefinite length without end-of-contents");
        if (data.size() - pos >= 2 && data[pos] == 0 && data[pos + 1] == 0) {
            pos += 2;
            if (--level == 0) return pos - 2;
            continue;
        }
        if (depth + level - 1 >= opts.max_depth)
            return error_at(Errc::asn1_too_deep, offset + pos, "nesting deeper than " + std::to_string(opts.max_depth));
        YX_ASSIGN_OR_RETURN(tlv::Header h, checked_header(data.subspan(pos), opts, offset + pos));
        if (h.indefinite) {
            ++level;
            pos += h.header_len;
        } else {
            pos += h.header_len + h.length;
        }
    }
}

const char* string_type_name(std::uint32_t n) {
    switch (n) {
        case 12: return "UTF8String";
        case 18: return "NumericString";
        case 19: return "PrintableString";
        case 20: return "T61String";
        case 22: return "IA5String";
        case 26: return "VisibleString";
        case 28: return "UniversalString";
        case 30: return "BMPString";
        default: return nullptr;
    }
}

// Appends the content of a string encoding; in BER a constructed one is the concatenation of
// its OCTET STRING segments, which may themselves be constructed (X.690 8.7.3.2, 8.23.6).
Status gather_segments(const Element& e, Bytes& out) {
    if (!e.tag().constructed) {
        if (out.size() + e.content().size() > e.options().max_element_length)
            return make_error(Errc::asn1_too_long, "at offset " + std::to_string(e.offset()) +
                                                       ": concatenated string exceeds the element limit");
        out.insert(out.end(), e.content().begin(), e.content().end());
        return ok_status();
    }
    Reader r = e.children();
    while (!r.at_end()) {
        YX_ASSIGN_OR_RETURN(Element seg, r.read());
        if (!seg.tag().same_type(tags::octet_string))
            return make_error(Errc::asn1_bad_tag, "at offset " + std::to_string(seg.offset()) +
                                                      ": segment of a constructed string is not an OCTET STRING");
        YX_TRY(gather_segments(seg, out));
    }
    return ok_status();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Integer

bool Integer::is_zero() const {
    return std::all_of(m_bytes.begin(), m_bytes.end(), [](std::uint8_t b) { return b == 0; });
}

Result<BytesView> Integer::magnitude() const {
    if (is_negative()) return make_error(Errc::asn1_bad_value, "negative INTEGER where a non-negative one is required");
    std::size_t i = 0;
    while (i < m_bytes.size() && m_bytes[i] == 0) ++i;
    return m_bytes.subspan(i);
}

Result<std::int64_t> Integer::to_int64() const {
    if (m_bytes.empty()) return make_error(Errc::asn1_bad_value, "empty INTEGER");
    // Skip redundant sign-extension octets (possible in BER) before the size check.
    std::size_t i = 0;
    std::uint8_t fill = is_negative() ? 0xff : 0x00;
    while (i + 1 < m_bytes.size() && m_bytes[i] == fill && ((m_bytes[i + 1] ^ fill) & 0x80) == 0) ++i;
    if (m_bytes.size() - i > 8) return make_error(Errc::asn1_bad_value, "INTEGER does not fit in 64 bits");
    std::uint64_t v = is_negative() ? ~std::uint64_t{0} : 0;
    for (; i < m_bytes.size(); ++i) v = (v << 8) | m_bytes[i];
    return static_cast<std::int64_t>(v);
}

Result<std::uint64_t> Integer::to_uint64() const {
    YX_ASSIGN_OR_RETURN(BytesView mag, magnitude());
    if (mag.size() > 8) return make_error(Errc::asn1_bad_value, "INTEGER does not fit in 64 bits");
    std::uint64_t v = 0;
    for (std::uint8_t b : mag) v = (v << 8) | b;
    return v;
}

// ---------------------------------------------------------------------------------------------
// Element

Error Element::error(Errc code, const std::string& what) const {
    return error_at(code, m_offset, what + " (" + m_tag.to_string() + ")");
}

Reader Element::children() const { return Reader(m_content, m_opts, m_depth + 1, m_offset + header_size()); }

Result<BytesView> Element::primitive_content(const char* what) const {
    if (m_tag.constructed) return error(Errc::asn1_bad_tag, std::string(what) + " must use the primitive form");
    return m_content;
}

Result<std::string> Element::string_content(const char* what) const {
    if (!m_tag.constructed) return std::string(m_content.begin(), m_content.end());
    if (m_opts.mode == Mode::der) return error(Errc::asn1_not_der, std::string("constructed ") + what);
    Bytes all;
    YX_TRY(gather_segments(*this, all));
    return std::string(all.begin(), all.end());
}

Result<bool> Element::as_boolean() const {
    YX_ASSIGN_OR_RETURN(BytesView c, primitive_content("BOOLEAN"));
    if (c.size() != 1) return error(Errc::asn1_bad_value, "BOOLEAN content is not one octet");
    // X.690 11.1: DER TRUE is FF.
    if (m_opts.mode == Mode::der && c[0] != 0x00 && c[0] != 0xff) return error(Errc::asn1_not_der, "BOOLEAN not 00/FF");
    return c[0] != 0;
}

Result<Integer> Element::as_integer() const {
    YX_ASSIGN_OR_RETURN(BytesView c, primitive_content("INTEGER"));
    // X.690 8.3.1: one or more octets; 8.3.2: in DER (and strictly in BER) the first nine bits
    // are not all equal. Real non-minimal integers exist (spec §1.3), so BER accepts them.
    if (c.empty()) return error(Errc::asn1_bad_value, "empty INTEGER");
    if (m_opts.mode == Mode::der && c.size() > 1 &&
        ((c[0] == 0x00 && (c[1] & 0x80) == 0) || (c[0] == 0xff && (c[1] & 0x80) != 0)))
        return error(Errc::asn1_not_der, "INTEGER with redundant leading octets");
    return Integer(c);
}

Result<std::int64_t> Element::as_int64() const {
    YX_ASSIGN_OR_RETURN(Integer i, as_integer());
    auto v = i.to_int64();
    if (!v.ok()) return error(v.code(), v.error().message);
    return v;
}

Result<BitString> Element::as_bit_string() const {
    if (m_tag.constructed) {
        if (m_opts.mode == Mode::der) return error(Errc::asn1_not_der, "constructed BIT STRING");
        return error(Errc::unsupported, "constructed BIT STRING is not supported");
    }
    // X.690 8.6.2: initial octet 0-7; an empty string has initial octet 0 and nothing else.
    if (m_content.empty()) return error(Errc::asn1_bad_value, "BIT STRING without the unused-bits octet");
    std::uint8_t unused = m_content[0];
    if (unused > 7) return error(Errc::asn1_bad_value, "BIT STRING unused-bits octet above 7");
    if (unused != 0 && m_content.size() == 1) return error(Errc::asn1_bad_value, "empty BIT STRING with unused bits");
    // X.690 11.2.1: DER unused bits are zero.
    if (m_opts.mode == Mode::der && unused != 0 &&
        (m_content.back() & static_cast<std::uint8_t>((1u << unused) - 1)) != 0)
        return error(Errc::asn1_not_der, "BIT STRING unused bits are not zero");
    return BitString{m_content.subspan(1), unused};
}

Result<BytesView> Element::as_octet_string() const {
    if (m_tag.constructed) {
        if (m_opts.mode == Mode::der) return error(Errc::asn1_not_der, "constructed OCTET STRING");
        return error(Errc::unsupported, "constructed OCTET STRING: use octet_string_bytes()");
    }
    return m_content;
}

Result<Bytes> Element::octet_string_bytes() const {
    if (m_tag.constructed && m_opts.mode == Mode::der) return error(Errc::asn1_not_der, "constructed OCTET STRING");
    Bytes out;
    YX_TRY(gather_segments(*this, out));
    return out;
}

Status Element::as_null() const {
    YX_TRY(primitive_content("NULL"));
    if (!m_content.empty()) return error(Errc::asn1_bad_value, "NULL with content");
    return ok_status();
}

Result<Oid> Element::as_oid() const {
    YX_ASSIGN_OR_RETURN(BytesView c, primitive_content("OBJECT IDENTIFIER"));
    auto o = Oid::from_der(c);
    if (!o.ok()) return error(o.code(), o.error().message);
    return o;
}

Result<std::string> Element::as_utf8_string() const {
    YX_ASSIGN_OR_RETURN(std::string s, string_content("UTF8String"));
    if (!is_utf8(s)) return error(Errc::asn1_bad_value, "UTF8String is not valid UTF-8");
    return s;
}

Result<std::string> Element::as_printable_string() const {
    YX_ASSIGN_OR_RETURN(std::string s, string_content("PrintableString"));
    bool ok = m_opts.mode == Mode::der ? is_printable_string(s) : is_visible_string(s);
    if (!ok) return error(Errc::asn1_bad_value, "character outside the PrintableString set");
    return s;
}

Result<std::string> Element::as_ia5_string() const {
    YX_ASSIGN_OR_RETURN(std::string s, string_content("IA5String"));
    if (!is_ia5_string(s)) return error(Errc::asn1_bad_value, "character outside the IA5String set");
    return s;
}

Result<std::string> Element::as_visible_string() const {
    YX_ASSIGN_OR_RETURN(std::string s, string_content("VisibleString"));
    if (!is_visible_string(s)) return error(Errc::asn1_bad_value, "character outside the VisibleString set");
    return s;
}

Result<std::string> Element::as_numeric_string() const {
    YX_ASSIGN_OR_RETURN(std::string s, string_content("NumericString"));
    if (!is_numeric_string(s)) return error(Errc::asn1_bad_value, "character outside the NumericString set");
    return s;
}

Result<std::string> Element::as_t61_string() const {
    YX_ASSIGN_OR_RETURN(std::string s, string_content("T61String"));
    return latin1_to_utf8(as_bytes(s));
}

Result<std::string> Element::as_bmp_string() const {
    YX_ASSIGN_OR_RETURN(std::string s, string_content("BMPString"));
    auto u = bmp_to_utf8(as_bytes(s));
    if (!u.ok()) return error(u.code(), u.error().message);
    return u;
}

Result<std::string> Element::as_universal_string() const {
    YX_ASSIGN_OR_RETURN(std::string s, string_content("UniversalString"));
    auto u = universal_to_utf8(as_bytes(s));
    if (!u.ok()) return error(u.code(), u.error().message);
    return u;
}

Result<std::string> Element::as_string() const {
    if (m_tag.tag_class == TagClass::universal) {
        switch (m_tag.number) {
            case 12: return as_utf8_string();
            case 18: return as_numeric_string();
            case 19: return as_printable_string();
            case 20: return as_t61_string();
            case 22: return as_ia5_string();
            case 26: return as_visible_string();
            case 28: return as_universal_string();
            case 30: return as_bmp_string();
            default: break;
        }
    }
    return error(Errc::asn1_unexpected_tag, "expected a character string");
}

Result<UnixTime> Element::as_utc_time() const {
    YX_ASSIGN_OR_RETURN(std::string s, string_content("UTCTime"));
    auto t = parse_utc_time(s, m_opts.mode);
    if (!t.ok()) return error(t.code(), t.error().message);
    return t;
}

Result<UnixTime> Element::as_generalized_time() const {
    YX_ASSIGN_OR_RETURN(std::string s, string_content("GeneralizedTime"));
    auto t = parse_generalized_time(s, m_opts.mode);
    if (!t.ok()) return error(t.code(), t.error().message);
    return t;
}

Result<UnixTime> Element::as_unix_time() const {
    if (m_tag.same_type(tags::utc_time)) return as_utc_time();
    if (m_tag.same_type(tags::generalized_time)) return as_generalized_time();
    return error(Errc::asn1_unexpected_tag, "expected UTCTime or GeneralizedTime");
}

Result<TimePoint> Element::as_time() const {
    YX_ASSIGN_OR_RETURN(UnixTime t, as_unix_time());
    return to_time_point(t);
}

// ---------------------------------------------------------------------------------------------
// Reader

Reader::Reader(BytesView input, ReaderOptions options) : m_input(input), m_opts(options) {}

Reader::Reader(BytesView input, ReaderOptions options, std::uint32_t depth, std::size_t base_offset)
    : m_input(input), m_opts(options), m_depth(depth), m_base_offset(base_offset) {}

Status Reader::expect_end() const {
    if (at_end()) return ok_status();
    return error_at(Errc::asn1_trailing_data, m_base_offset + m_pos,
                    std::to_string(m_input.size() - m_pos) + " octets after the last element");
}

Result<Element> Reader::parse_next() const {
    std::size_t offset = m_base_offset + m_pos;
    if (m_depth == 0 && m_input.size() > m_opts.max_input_length)
        return error_at(Errc::asn1_too_long, 0,
                        "input of " + std::to_string(m_input.size()) + " octets exceeds the limit of " +
                            std::to_string(m_opts.max_input_length));
    if (at_end()) return error_at(Errc::asn1_truncated, offset, "expected an element, found the end");
    if (m_depth >= m_opts.max_depth)
        return error_at(Errc::asn1_too_deep, offset, "nesting deeper than " + std::to_string(m_opts.max_depth));
    BytesView rest = m_input.subspan(m_pos);
    YX_ASSIGN_OR_RETURN(tlv::Header h, checked_header(rest, m_opts, offset));
    std::size_t content_len = h.length;
    std::size_t raw_len = h.header_len + h.length;
    if (h.indefinite) {
        YX_ASSIGN_OR_RETURN(
            content_len, find_end_of_contents(rest.subspan(h.header_len), m_opts, m_depth + 1, offset + h.header_len));
        if (content_len > m_opts.max_element_length)
            return error_at(Errc::asn1_too_long, offset, "indefinite-length element exceeds the limit");
        raw_len = h.header_len + content_len + 2;
    }
    Element e;
    e.m_tag = Tag{static_cast<TagClass>(h.tag_class), h.constructed, h.tag_number};
    e.m_raw = rest.first(raw_len);
    e.m_content = rest.subspan(h.header_len, content_len);
    e.m_offset = offset;
    e.m_opts = m_opts;
    e.m_depth = m_depth;
    e.m_der = h.minimal && !h.indefinite;
    e.m_indefinite = h.indefinite;
    return e;
}

Result<Tag> Reader::peek_tag() const {
    std::size_t offset = m_base_offset + m_pos;
    if (at_end()) return error_at(Errc::asn1_truncated, offset, "expected an element, found the end");
    YX_ASSIGN_OR_RETURN(tlv::Header h, checked_header(m_input.subspan(m_pos), m_opts, offset));
    return Tag{static_cast<TagClass>(h.tag_class), h.constructed, h.tag_number};
}

bool Reader::next_is(Tag t) const {
    auto tag = peek_tag();
    return tag.ok() && *tag == t;
}

Result<Element> Reader::read() {
    YX_ASSIGN_OR_RETURN(Element e, parse_next());
    advance(e);
    return e;
}

Status Reader::skip() {
    YX_ASSIGN_OR_RETURN(Element e, parse_next());
    advance(e);
    return ok_status();
}

Result<Element> Reader::read(Tag t) {
    YX_ASSIGN_OR_RETURN(Element e, parse_next());
    if (e.tag() != t)
        return error_at(Errc::asn1_unexpected_tag, e.offset(),
                        "expected " + t.to_string() + ", found " + e.tag().to_string());
    advance(e);
    return e;
}

Result<std::optional<Element>> Reader::read_optional(Tag t) {
    if (at_end()) return std::optional<Element>();
    YX_ASSIGN_OR_RETURN(Tag next, peek_tag());
    if (next != t) return std::optional<Element>();
    YX_ASSIGN_OR_RETURN(Element e, read(t));
    return std::optional<Element>(e);
}

Result<Element> Reader::read_context_explicit(std::uint32_t n) {
    YX_ASSIGN_OR_RETURN(Element outer, parse_next());
    if (outer.tag() != Tag::context(n, true))
        return error_at(Errc::asn1_unexpected_tag, outer.offset(),
                        "expected " + Tag::context(n, true).to_string() + ", found " + outer.tag().to_string());
    Reader inner = outer.children();
    YX_ASSIGN_OR_RETURN(Element e, inner.read());
    YX_TRY(inner.expect_end());
    advance(outer);
    return e;
}

Result<std::optional<Element>> Reader::read_optional_context_explicit(std::uint32_t n) {
    if (at_end()) return std::optional<Element>();
    YX_ASSIGN_OR_RETURN(Tag next, peek_tag());
    if (next != Tag::context(n, true)) return std::optional<Element>();
    YX_ASSIGN_OR_RETURN(Element e, read_context_explicit(n));
    return std::optional<Element>(e);
}

Result<Element> Reader::read_context_implicit(std::uint32_t n) {
    YX_ASSIGN_OR_RETURN(Element e, parse_next());
    if (!e.tag().same_type(Tag::context(n)))
        return error_at(Errc::asn1_unexpected_tag, e.offset(),
                        "expected [" + std::to_string(n) + "], found " + e.tag().to_string());
    advance(e);
    return e;
}

Result<std::optional<Element>> Reader::read_optional_context_implicit(std::uint32_t n) {
    if (at_end()) return std::optional<Element>();
    YX_ASSIGN_OR_RETURN(Tag next, peek_tag());
    if (!next.same_type(Tag::context(n))) return std::optional<Element>();
    YX_ASSIGN_OR_RETURN(Element e, read_context_implicit(n));
    return std::optional<Element>(e);
}

template <class T, class F>
Result<T> Reader::read_typed(Tag t, bool any_form, F&& decode) {
    YX_ASSIGN_OR_RETURN(Element e, parse_next());
    if (any_form ? !e.tag().same_type(t) : e.tag() != t)
        return error_at(Errc::asn1_unexpected_tag, e.offset(),
                        "expected " + t.to_string() + ", found " + e.tag().to_string());
    Result<T> v = decode(e);
    if (v.ok()) advance(e);
    return v;
}

Result<bool> Reader::read_boolean() {
    return read_typed<bool>(tags::boolean, false, [](const Element& e) { return e.as_boolean(); });
}
Result<Integer> Reader::read_integer() {
    return read_typed<Integer>(tags::integer, false, [](const Element& e) { return e.as_integer(); });
}
Result<std::int64_t> Reader::read_int64() {
    return read_typed<std::int64_t>(tags::integer, false, [](const Element& e) { return e.as_int64(); });
}
Result<std::int64_t> Reader::read_enumerated() {
    return read_typed<std::int64_t>(tags::enumerated, false, [](const Element& e) { return e.as_int64(); });
}
Result<BitString> Reader::read_bit_string() {
    return read_typed<BitString>(tags::bit_string, true, [](const Element& e) { return e.as_bit_string(); });
}
Result<BytesView> Reader::read_octet_string() {
    return read_typed<BytesView>(tags::octet_string, true, [](const Element& e) { return e.as_octet_string(); });
}
Status Reader::read_null() {
    auto r = read_typed<bool>(tags::null, false, [](const Element& e) -> Result<bool> {
        YX_TRY(e.as_null());
        return true;
    });
    if (!r.ok()) return std::move(r).error();
    return ok_status();
}
Result<Oid> Reader::read_oid() {
    return read_typed<Oid>(tags::oid, false, [](const Element& e) { return e.as_oid(); });
}
Result<std::string> Reader::read_utf8_string() {
    return read_typed<std::string>(tags::utf8_string, true, [](const Element& e) { return e.as_utf8_string(); });
}
Result<std::string> Reader::read_printable_string() {
    return read_typed<std::string>(tags::printable_string, true,
                                   [](const Element& e) { return e.as_printable_string(); });
}
Result<std::string> Reader::read_ia5_string() {
    return read_typed<std::string>(tags::ia5_string, true, [](const Element& e) { return e.as_ia5_string(); });
}
Result<std::string> Reader::read_string() {
    YX_ASSIGN_OR_RETURN(Element e, parse_next());
    if (e.tag().tag_class != TagClass::universal || string_type_name(e.tag().number) == nullptr)
        return error_at(Errc::asn1_unexpected_tag, e.offset(),
                        "expected a character string, found " + e.tag().to_string());
    auto s = e.as_string();
    if (s.ok()) advance(e);
    return s;
}
Result<UnixTime> Reader::read_utc_time() {
    return read_typed<UnixTime>(tags::utc_time, true, [](const Element& e) { return e.as_utc_time(); });
}
Result<UnixTime> Reader::read_generalized_time() {
    return read_typed<UnixTime>(tags::generalized_time, true, [](const Element& e) { return e.as_generalized_time(); });
}
Result<TimePoint> Reader::read_time() {
    YX_ASSIGN_OR_RETURN(Element e, parse_next());
    auto t = e.as_time();
    if (t.ok()) advance(e);
    return t;
}

Result<Element> read_single(BytesView input, ReaderOptions options) {
    Reader r(input, options);
    YX_ASSIGN_OR_RETURN(Element e, r.read());
    YX_TRY(r.expect_end());
    return e;
}

Result<bool> is_sorted_set_of(const Element& set) {
    Reader r = set.children();
    BytesView prev;
    while (!r.at_end()) {
        YX_ASSIGN_OR_RETURN(Element e, r.read());
        if (!prev.empty() && std::lexicographical_compare(e.raw().begin(), e.raw().end(), prev.begin(), prev.end()))
            return false;
        prev = e.raw();
    }
    return true;
}

}  // namespace yinxin::asn1
