// DER/BER reader that keeps the raw bytes of every TLV.
//
// Signatures are checked over bytes as received (GB/T 38540 7.2: the seal signature covers
// SES_SealInfo as received; RFC 5280 4.1.1.1 tbsCertificate), so an Element is a view into the
// caller's buffer: raw() is the whole TLV exactly as received, content() its content octets.
// Nothing is copied or re-encoded; the buffer must outlive every Element and Reader over it.
//
//     Reader r(bytes, ReaderOptions::ber());
//     YX_ASSIGN_OR_RETURN(auto seal, r.read_sequence());
//     YX_TRY(r.expect_end());
//     Reader s = seal.children();
//     YX_ASSIGN_OR_RETURN(auto info, s.read_sequence());   // verify the signature over info.raw()
//     Reader i = info.children();
//     YX_ASSIGN_OR_RETURN(auto header, i.read_sequence());
//     ...
//
// Modes (ReaderOptions::mode):
//  - der: X.690 clause 10/11. Refused with asn1.not_der: non-minimal or indefinite lengths, BOOLEAN
//    other than 00/FF, INTEGER/ENUMERATED with redundant leading octets, BIT STRING with non-zero
//    unused bits, constructed strings, UTCTime/GeneralizedTime outside the DER forms.
//    Not checked (a caller needing them checks its own type): SET OF sort order (X.690 11.6; many
//    real CMS producers write unsorted SET OF signedAttrs, see is_sorted_set_of()), DEFAULT values
//    encoded explicitly (X.690 11.5; e.g. `critical FALSE`, which real seals carry and which must
//    stay verbatim in raw()), trailing zero bits of named bit lists (X.690 11.2.2).
//  - ber: also accepts non-minimal lengths, indefinite lengths on constructed encodings (X.690
//    8.1.3.6; the end-of-contents octets are consumed, raw() spans them, content() excludes them),
//    non-minimal INTEGER, constructed OCTET STRING and character strings (X.690 8.7.3, 8.23.6;
//    segments are concatenated by the string decoders and octet_string_bytes()), BER time forms,
//    and in PrintableString any VisibleString character ('@', '*', '_', ... seen in real names).
//    Constructed BIT STRING (X.690 8.6.3) is asn1.unsupported in both modes.
//  In both modes: a high tag number form for numbers below 31 or with a leading 0x80 octet (X.690
//  8.1.2.4.2) is asn1.bad_tag, an end-of-contents where an element is expected is asn1.bad_tag,
//  a length field over 4 octets is asn1.too_long.
//
// Errors carry the offset of the offending element from the start of the top-level input.
// On error a Reader does not move: a failed read can be retried as something else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "yinxin/asn1/oid.h"
#include "yinxin/asn1/tag.h"
#include "yinxin/asn1/time.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"

namespace yinxin::asn1 {

class Reader;

// INTEGER / ENUMERATED value as received: big-endian two's complement content octets (a view).
class Integer {
public:
    Integer() = default;
    explicit Integer(BytesView twos_complement) : m_bytes(twos_complement) {}

    // Content octets as received (includes a 0x00 sign octet, and in BER any redundant ones).
    BytesView bytes() const { return m_bytes; }
    bool is_negative() const { return !m_bytes.empty() && (m_bytes[0] & 0x80) != 0; }
    bool is_zero() const;
    // Unsigned big-endian magnitude of a non-negative value without leading zero octets (empty
    // for zero); asn1.bad_value if negative. For serial numbers and RSA/SM2 key components.
    Result<BytesView> magnitude() const;
    // asn1.bad_value when the value does not fit.
    Result<std::int64_t> to_int64() const;
    Result<std::uint64_t> to_uint64() const;

private:
    BytesView m_bytes;
};

struct BitString {
    BytesView bytes;               // the octets after the unused-bits octet
    std::uint8_t unused_bits = 0;  // 0-7, bits of the last octet that are not part of the value

    std::size_t bit_length() const { return bytes.size() * 8 - unused_bits; }
    // Named bit i (X.680 22.7: bit 0 is the most significant bit of the first octet); false past
    // the end, as DER drops trailing zero bits.
    bool bit(std::size_t i) const {
        if (i >= bit_length()) return false;
        return (bytes[i / 8] >> (7 - i % 8)) & 1;
    }
    bool octet_aligned() const { return unused_bits == 0; }
};

class Element {
public:
    Element() = default;

    Tag tag() const { return m_tag; }
    bool is(Tag t) const { return m_tag == t; }
    // The whole TLV exactly as received (identifier, length, content, and end-of-contents octets
    // for an indefinite length).
    BytesView raw() const { return m_raw; }
    BytesView content() const { return m_content; }
    // Identifier and length octets: raw() = header, content(), and 2 end-of-contents octets if
    // indefinite. (CMS signs signedAttrs as a SET: copy raw() and change its first octet.)
    std::size_t header_size() const { return static_cast<std::size_t>(m_content.data() - m_raw.data()); }
    // Identifier and length octets in DER form (definite, minimal length). Says nothing about the
    // content; in Mode::der every element read has it.
    bool der() const { return m_der; }
    bool indefinite() const { return m_indefinite; }
    // Offset of raw() from the start of the top-level input.
    std::size_t offset() const { return m_offset; }
    std::uint32_t depth() const { return m_depth; }
    const ReaderOptions& options() const { return m_opts; }

    // A reader over the content octets, one level deeper, with the same options. Meant for
    // constructed elements; on a primitive one it parses the content as TLVs, which is how
    // DER-in-OCTET-STRING (extnValue, SubjectPublicKeyInfo bits) is opened.
    Reader children() const;

    // Typed decoders. They check the content and the form (primitive/constructed) but not the tag,
    // so they work on IMPLICIT-tagged elements too; Reader::read_xxx() checks the universal tag.
    Result<bool> as_boolean() const;
    Result<Integer> as_integer() const;     // also for ENUMERATED
    Result<std::int64_t> as_int64() const;  // as_integer() + to_int64()
    Result<BitString> as_bit_string() const;
    Result<BytesView> as_octet_string() const;  // primitive only; see octet_string_bytes()
    // Any form: in BER, constructed segments are concatenated (X.690 8.7.3).
    Result<Bytes> octet_string_bytes() const;
    Status as_null() const;
    Result<Oid> as_oid() const;
    Result<std::string> as_utf8_string() const;
    Result<std::string> as_printable_string() const;
    Result<std::string> as_ia5_string() const;
    Result<std::string> as_visible_string() const;
    Result<std::string> as_numeric_string() const;
    Result<std::string> as_t61_string() const;        // as ISO 8859-1, to UTF-8
    Result<std::string> as_bmp_string() const;        // to UTF-8
    Result<std::string> as_universal_string() const;  // to UTF-8
    // Any of the string types above, chosen by the universal tag (DirectoryString, DisplayText);
    // UTF-8 result. Other tags are asn1.unexpected_tag.
    Result<std::string> as_string() const;
    Result<UnixTime> as_utc_time() const;
    Result<UnixTime> as_generalized_time() const;
    // UTCTime or GeneralizedTime by universal tag (RFC 5280 Time); other tags asn1.unexpected_tag.
    Result<UnixTime> as_unix_time() const;
    Result<TimePoint> as_time() const;  // as_unix_time(), saturated into TimePoint

private:
    friend class Reader;
    Result<BytesView> primitive_content(const char* what) const;
    Result<std::string> string_content(const char* what) const;
    Error error(Errc code, const std::string& what) const;

    Tag m_tag;
    BytesView m_raw;
    BytesView m_content;
    std::size_t m_offset = 0;
    ReaderOptions m_opts;
    std::uint32_t m_depth = 0;
    bool m_der = true;
    bool m_indefinite = false;
};

class Reader {
public:
    // A top-level reader; inputs above options.max_input_length fail on the first read.
    explicit Reader(BytesView input, ReaderOptions options = {});

    bool at_end() const { return m_pos >= m_input.size(); }
    // asn1.trailing_data if anything is left.
    Status expect_end() const;
    // The bytes not read yet.
    BytesView remaining() const { return m_input.subspan(m_pos); }
    const ReaderOptions& options() const { return m_opts; }

    // Tag of the next element (identifier and length octets are checked, the content is not).
    // asn1.truncated at the end.
    Result<Tag> peek_tag() const;
    // False at the end or when the next header is malformed (a read then reports why).
    bool next_is(Tag t) const;

    // Any element.
    Result<Element> read();
    // asn1.unexpected_tag if the next tag is not exactly `t`.
    Result<Element> read(Tag t);
    // The next element if its tag is exactly `t`, nullopt if another tag follows or at the end.
    Result<std::optional<Element>> read_optional(Tag t);
    Status skip();

    Result<Element> read_sequence() { return read(tags::sequence); }
    Result<Element> read_set() { return read(tags::set); }
    // [n] EXPLICIT: reads the constructed [n] and returns the single element inside it
    // (asn1.trailing_data if there is more than one).
    Result<Element> read_context_explicit(std::uint32_t n);
    Result<std::optional<Element>> read_optional_context_explicit(std::uint32_t n);
    // [n] IMPLICIT: the element with context tag n in either form; decode it with the Element's
    // as_xxx() of the underlying type, or children() for an implicitly tagged SEQUENCE.
    Result<Element> read_context_implicit(std::uint32_t n);
    Result<std::optional<Element>> read_optional_context_implicit(std::uint32_t n);

    // Tag check + typed decoder. Strings accept the constructed form in BER.
    Result<bool> read_boolean();
    Result<Integer> read_integer();
    Result<std::int64_t> read_int64();
    Result<std::int64_t> read_enumerated();
    Result<BitString> read_bit_string();
    Result<BytesView> read_octet_string();
    Status read_null();
    Result<Oid> read_oid();
    Result<std::string> read_utf8_string();
    Result<std::string> read_printable_string();
    Result<std::string> read_ia5_string();
    Result<std::string> read_string();  // any character string type, see Element::as_string()
    Result<UnixTime> read_utc_time();
    Result<UnixTime> read_generalized_time();
    Result<TimePoint> read_time();  // UTCTime or GeneralizedTime (RFC 5280 Time)

private:
    friend class Element;
    Reader(BytesView input, ReaderOptions options, std::uint32_t depth, std::size_t base_offset);
    Result<Element> parse_next() const;
    void advance(const Element& e) {
        m_pos = static_cast<std::size_t>(e.m_raw.data() + e.m_raw.size() - m_input.data());
    }
    template <class T, class F>
    Result<T> read_typed(Tag t, bool any_form, F&& decode);

    BytesView m_input;
    std::size_t m_pos = 0;
    ReaderOptions m_opts;
    std::uint32_t m_depth = 0;
    std::size_t m_base_offset = 0;
};

// Reads exactly one element covering all of `input` (asn1.trailing_data otherwise).
Result<Element> read_single(BytesView input, ReaderOptions options = {});

// X.690 11.6: the children of a DER SET OF appear in ascending order of their encodings.
// Checks it; the reader does not (see above).
Result<bool> is_sorted_set_of(const Element& set);

}  // namespace yinxin::asn1
