#include "yinxin/asn1/writer.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "yinxin/asn1/strings.h"
#include "yinxin/base/tlv.h"

namespace yinxin::asn1 {

namespace {

// RFC 5280 4.1.2.5: UTCTime for 1950-01-01T00:00:00Z <= t < 2050-01-01T00:00:00Z.
constexpr std::int64_t utc_time_first = -631152000;  // 1950-01-01
constexpr std::int64_t utc_time_end = 2524608000;    // 2050-01-01

void encode_identifier(Bytes& out, Tag tag) {
    auto lead = static_cast<std::uint8_t>((static_cast<unsigned>(tag.tag_class) << 6) | (tag.constructed ? 0x20 : 0));
    if (tag.number < 31) {
        out.push_back(static_cast<std::uint8_t>(lead | tag.number));
        return;
    }
    // X.690 8.1.2.4: high-tag-number form, base 128, fewest octets.
    out.push_back(static_cast<std::uint8_t>(lead | 0x1f));
    std::uint8_t tmp[5];
    int n = 0;
    std::uint32_t v = tag.number;
    do {
        tmp[n++] = static_cast<std::uint8_t>(v & 0x7f);
        v >>= 7;
    } while (v != 0);
    while (n > 1) out.push_back(static_cast<std::uint8_t>(tmp[--n] | 0x80));
    out.push_back(tmp[0]);
}

// Minimal two's complement of v (X.690 8.3.2).
Bytes int_content(std::int64_t v) {
    Bytes b(8);
    auto u = static_cast<std::uint64_t>(v);
    for (int i = 7; i >= 0; --i) {
        b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(u & 0xff);
        u >>= 8;
    }
    std::size_t i = 0;
    while (i + 1 < b.size() && ((b[i] == 0x00 && (b[i + 1] & 0x80) == 0) || (b[i] == 0xff && (b[i + 1] & 0x80) != 0)))
        ++i;
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(i), b.end());
}

ReaderOptions unlimited_ber() {
    ReaderOptions o = ReaderOptions::ber();
    o.max_depth = std::numeric_limits<std::uint32_t>::max();
    o.max_element_length = std::numeric_limits<std::size_t>::max();
    o.max_input_length = std::numeric_limits<std::size_t>::max();
    return o;
}

}  // namespace

void Writer::fail(Errc code, std::string message) {
    if (m_status.ok()) m_status = make_error(code, "asn1 writer: " + std::move(message));
}

void Writer::append_identifier(Tag tag) { encode_identifier(m_buf, tag); }

Writer& Writer::primitive(Tag tag, BytesView content) {
    if (!ok()) return *this;
    append_identifier(tag);
    tlv::append_length(m_buf, content.size());
    m_buf.insert(m_buf.end(), content.begin(), content.end());
    return *this;
}

void Writer::close(std::size_t start, Tag tag) {
    if (!ok()) return;
    Bytes header;
    encode_identifier(header, tag);
    tlv::append_length(header, m_buf.size() - start);
    m_buf.insert(m_buf.begin() + static_cast<std::ptrdiff_t>(start), header.begin(), header.end());
}

void Writer::retag(std::size_t start, Tag tag) {
    if (!ok()) return;
    BytesView region = BytesView(m_buf).subspan(start);
    auto h = tlv::read_header(region);
    if (!h.ok() || h->indefinite || h->header_len + h->length != region.size()) {
        fail(Errc::invalid_argument, "an IMPLICIT tag needs exactly one element");
        return;
    }
    std::size_t id_len = 1;
    if ((region[0] & 0x1f) == 0x1f)
        while (region[id_len++] & 0x80) {
        }
    Bytes id;
    encode_identifier(id, Tag{tag.tag_class, (region[0] & 0x20) != 0, tag.number});
    auto at = m_buf.begin() + static_cast<std::ptrdiff_t>(start);
    m_buf.erase(at, at + static_cast<std::ptrdiff_t>(id_len));
    m_buf.insert(m_buf.begin() + static_cast<std::ptrdiff_t>(start), id.begin(), id.end());
}

void Writer::sort_children(std::size_t start, bool by_encoding) {
    if (!ok()) return;
    Bytes region(m_buf.begin() + static_cast<std::ptrdiff_t>(start), m_buf.end());
    std::vector<Element> children;
    Reader r(region, unlimited_ber());
    while (!r.at_end()) {
        auto e = r.read();
        if (!e.ok()) {
            fail(Errc::internal, "SET content is not a list of elements: " + e.error().message);
            return;
        }
        children.push_back(*e);
    }
    if (by_encoding) {
        // X.690 11.6: ascending order of the encodings, compared as octet strings.
        std::stable_sort(children.begin(), children.end(), [](const Element& a, const Element& b) {
            return std::lexicographical_compare(a.raw().begin(), a.raw().end(), b.raw().begin(), b.raw().end());
        });
    } else {
        // X.690 10.3 / X.680 8.6: canonical order of tags, class first, then number.
        std::stable_sort(children.begin(), children.end(), [](const Element& a, const Element& b) {
            if (a.tag().tag_class != b.tag().tag_class) return a.tag().tag_class < b.tag().tag_class;
            return a.tag().number < b.tag().number;
        });
    }
    m_buf.resize(start);
    for (const Element& e : children) m_buf.insert(m_buf.end(), e.raw().begin(), e.raw().end());
}

Writer& Writer::raw(BytesView tlvs) {
    if (!ok()) return *this;
    Reader r(tlvs, unlimited_ber());
    while (!r.at_end()) {
        auto e = r.read();
        if (!e.ok()) {
            fail(Errc::invalid_argument, "raw() needs complete TLVs: " + e.error().message);
            return *this;
        }
    }
    m_buf.insert(m_buf.end(), tlvs.begin(), tlvs.end());
    return *this;
}

Writer& Writer::boolean(bool v) {
    const std::uint8_t c = v ? 0xff : 0x00;
    return primitive(tags::boolean, BytesView(&c, 1));
}

Writer& Writer::integer(std::int64_t v) { return primitive(tags::integer, int_content(v)); }

Writer& Writer::integer_unsigned(BytesView magnitude) {
    return primitive(tags::integer, tlv::unsigned_integer_content(magnitude));
}

Writer& Writer::integer(const Integer& v) {
    BytesView b = v.bytes();
    if (b.empty()) {
        fail(Errc::invalid_argument, "empty INTEGER");
        return *this;
    }
    std::size_t i = 0;
    while (i + 1 < b.size() && ((b[i] == 0x00 && (b[i + 1] & 0x80) == 0) || (b[i] == 0xff && (b[i + 1] & 0x80) != 0)))
        ++i;
    return primitive(tags::integer, b.subspan(i));
}

Writer& Writer::enumerated(std::int64_t v) { return primitive(tags::enumerated, int_content(v)); }

Writer& Writer::null() { return primitive(tags::null, {}); }

Writer& Writer::oid(const Oid& v) {
    if (v.empty()) {
        fail(Errc::invalid_argument, "empty OBJECT IDENTIFIER");
        return *this;
    }
    return primitive(tags::oid, v.der());
}

Writer& Writer::octet_string(BytesView v) { return primitive(tags::octet_string, v); }

Writer& Writer::bit_string(BytesView v, std::uint8_t unused_bits) {
    if (unused_bits > 7 || (unused_bits > 0 && v.empty())) {
        fail(Errc::invalid_argument, "BIT STRING unused bits must be 0-7 and 0 for an empty string");
        return *this;
    }
    Bytes c;
    c.reserve(v.size() + 1);
    c.push_back(unused_bits);
    c.insert(c.end(), v.begin(), v.end());
    if (unused_bits != 0) c.back() = static_cast<std::uint8_t>(c.back() & ~((1u << unused_bits) - 1));
    return primitive(tags::bit_string, c);
}

Writer& Writer::named_bit_string(std::uint32_t bits) {
    Bytes c{0x00};
    if (bits != 0) {
        std::size_t nbits = 0;
        for (std::size_t i = 0; i < 32; ++i)
            if (bits & (1u << i)) nbits = i + 1;
        std::size_t nbytes = (nbits + 7) / 8;
        c[0] = static_cast<std::uint8_t>(nbytes * 8 - nbits);
        c.resize(1 + nbytes, 0);
        for (std::size_t i = 0; i < nbits; ++i)
            if (bits & (1u << i)) c[1 + i / 8] = static_cast<std::uint8_t>(c[1 + i / 8] | (0x80u >> (i % 8)));
    }
    return primitive(tags::bit_string, c);
}

void Writer::text(Tag tag, std::string_view v) {
    bool valid = true;
    switch (tag.number) {
        case 12: valid = is_utf8(v); break;
        case 18: valid = is_numeric_string(v); break;
        case 19: valid = is_printable_string(v); break;
        case 22: valid = is_ia5_string(v); break;
        case 26: valid = is_visible_string(v); break;
        default: break;
    }
    if (!valid) {
        fail(Errc::invalid_argument, "text not valid for " + tag.to_string());
        return;
    }
    primitive(tag, as_bytes(v));
}

Writer& Writer::utf8_string(std::string_view v) {
    text(tags::utf8_string, v);
    return *this;
}
Writer& Writer::printable_string(std::string_view v) {
    text(tags::printable_string, v);
    return *this;
}
Writer& Writer::ia5_string(std::string_view v) {
    text(tags::ia5_string, v);
    return *this;
}
Writer& Writer::visible_string(std::string_view v) {
    text(tags::visible_string, v);
    return *this;
}
Writer& Writer::numeric_string(std::string_view v) {
    text(tags::numeric_string, v);
    return *this;
}
Writer& Writer::bmp_string(std::string_view utf8) {
    auto b = utf8_to_bmp(utf8);
    if (!b.ok()) {
        fail(Errc::invalid_argument, b.error().message);
        return *this;
    }
    return primitive(tags::bmp_string, *b);
}

Writer& Writer::utc_time(UnixTime t) {
    auto s = format_utc_time(t);
    if (!s.ok()) {
        fail(s.code(), s.error().message);
        return *this;
    }
    return primitive(tags::utc_time, as_bytes(*s));
}
Writer& Writer::utc_time(TimePoint t) { return utc_time(to_unix_time(t)); }

Writer& Writer::generalized_time(UnixTime t, bool with_fraction) {
    auto s = format_generalized_time(t, with_fraction);
    if (!s.ok()) {
        fail(s.code(), s.error().message);
        return *this;
    }
    return primitive(tags::generalized_time, as_bytes(*s));
}
Writer& Writer::generalized_time(TimePoint t, bool with_fraction) {
    return generalized_time(to_unix_time(t), with_fraction);
}

Writer& Writer::time_rfc5280(UnixTime t) {
    if (t.seconds >= utc_time_first && t.seconds < utc_time_end) return utc_time(t);
    return generalized_time(t, false);
}
Writer& Writer::time_rfc5280(TimePoint t) { return time_rfc5280(to_unix_time(t)); }

Result<Bytes> Writer::finish() {
    Bytes out = std::move(m_buf);
    m_buf.clear();
    Status st = std::move(m_status);
    m_status = ok_status();
    if (!st.ok()) return std::move(st).error();
    return out;
}

}  // namespace yinxin::asn1
