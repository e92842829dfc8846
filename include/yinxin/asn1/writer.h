// DER writer (X.690 clause 10/11).
//
//     Writer w;
//     w.sequence([&](Writer& s) {
//         s.integer(2);
//         s.sequence([&](Writer& alg) { alg.oid(oids::sm2_with_sm3); });
//         s.raw(received_tbs);              // pre-encoded TLV spliced verbatim
//     });
//     YX_ASSIGN_OR_RETURN(Bytes der, w.finish());
//
// The lambda receives the same Writer; nested structures are built in one buffer and their
// headers inserted when the lambda returns. Invalid input (a non-printable character in a
// PrintableString, a UTCTime after 2049, a raw() that is not whole TLVs ...) does not throw: the
// first error is kept, later calls are ignored, and finish() returns it.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "yinxin/asn1/oid.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/asn1/tag.h"
#include "yinxin/asn1/time.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"

namespace yinxin::asn1 {

class Writer;
template <class F>
concept WriterBody = std::invocable<F&, Writer&>;

class Writer {
public:
    Writer() = default;

    Writer& boolean(bool v);  // X.690 11.1: TRUE is FF
    Writer& integer(std::int64_t v);
    // From an unsigned big-endian magnitude (serial numbers, key components); leading zeros are
    // stripped and a 0x00 sign octet added when needed (X.690 8.3.2).
    Writer& integer_unsigned(BytesView magnitude);
    // Re-emits a read INTEGER with redundant leading octets removed.
    Writer& integer(const Integer& v);
    Writer& enumerated(std::int64_t v);
    Writer& null();
    Writer& oid(const Oid& v);
    Writer& octet_string(BytesView v);
    // Unused bits of the last octet are cleared (X.690 11.2.1). unused_bits > 7, or > 0 with no
    // octets, is base.invalid_argument.
    Writer& bit_string(BytesView v, std::uint8_t unused_bits = 0);
    // Named bit list (KeyUsage, ReasonFlags): bit i of `bits` is named bit i. Trailing zero bits
    // are removed (X.690 11.2.2).
    Writer& named_bit_string(std::uint32_t bits);
    Writer& utf8_string(std::string_view v);       // must be valid UTF-8
    Writer& printable_string(std::string_view v);  // X.680 41.4 character set
    Writer& ia5_string(std::string_view v);
    Writer& visible_string(std::string_view v);
    Writer& numeric_string(std::string_view v);
    Writer& bmp_string(std::string_view utf8);  // BMP characters only
    // YYMMDDHHMMSSZ, 1950-2049 only (asn1.bad_time otherwise); sub-seconds truncated.
    Writer& utc_time(TimePoint t);
    Writer& utc_time(UnixTime t);
    // YYYYMMDDHHMMSSZ; with_fraction adds .fff (no trailing zeros) for RFC 3161 genTime.
    Writer& generalized_time(TimePoint t, bool with_fraction = false);
    Writer& generalized_time(UnixTime t, bool with_fraction = false);
    // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (and before 1950).
    Writer& time_rfc5280(TimePoint t);
    Writer& time_rfc5280(UnixTime t);

    // Generic primitive TLV with the given tag and content.
    Writer& primitive(Tag tag, BytesView content);
    // Pre-encoded TLVs spliced verbatim (a certificate or TBS as received). Must be zero or more
    // complete TLVs (BER accepted, not re-encoded); else base.invalid_argument.
    Writer& raw(BytesView tlvs);

    template <WriterBody F>
    Writer& sequence(F&& body) {
        return constructed(tags::sequence, std::forward<F>(body));
    }
    // SET: children in ascending tag order (X.690 10.3, X.680 8.6).
    template <WriterBody F>
    Writer& set(F&& body) {
        std::size_t start = m_buf.size();
        body(*this);
        sort_children(start, false);
        close(start, tags::set);
        return *this;
    }
    // SET OF: children in ascending order of their encodings (X.690 11.6).
    template <WriterBody F>
    Writer& set_of(F&& body) {
        std::size_t start = m_buf.size();
        body(*this);
        sort_children(start, true);
        close(start, tags::set);
        return *this;
    }
    // Any constructed tag around what the body writes.
    template <WriterBody F>
    Writer& constructed(Tag tag, F&& body) {
        std::size_t start = m_buf.size();
        body(*this);
        close(start, tag.as_constructed());
        return *this;
    }
    // [n] EXPLICIT: a constructed [n] around the element(s) the body writes.
    template <WriterBody F>
    Writer& context_explicit(std::uint32_t n, F&& body) {
        return constructed(Tag::context(n, true), std::forward<F>(body));
    }
    // [n] IMPLICIT: the body writes exactly one element, whose tag is replaced by [n]; the form
    // (primitive/constructed) is kept (X.690 8.14.3).
    template <WriterBody F>
    Writer& context_implicit(std::uint32_t n, F&& body) {
        std::size_t start = m_buf.size();
        body(*this);
        retag(start, Tag::context(n));
        return *this;
    }
    // OCTET STRING / BIT STRING (0 unused bits) wrapping DER the body writes (extnValue,
    // subjectPublicKey).
    template <WriterBody F>
    Writer& wrap_octet_string(F&& body) {
        std::size_t start = m_buf.size();
        body(*this);
        close(start, tags::octet_string);
        return *this;
    }
    template <WriterBody F>
    Writer& wrap_bit_string(F&& body) {
        std::size_t start = m_buf.size();
        m_buf.push_back(0);
        body(*this);
        close(start, tags::bit_string);
        return *this;
    }

    bool ok() const { return m_status.ok(); }
    const Status& status() const { return m_status; }
    // The encoding written so far (meaningful only when ok()).
    BytesView view() const { return m_buf; }
    // The encoding, or the first error. The writer is left empty.
    Result<Bytes> finish();

private:
    void fail(Errc code, std::string message);
    void append_identifier(Tag tag);
    void close(std::size_t start, Tag tag);
    void retag(std::size_t start, Tag tag);
    void sort_children(std::size_t start, bool by_encoding);
    void text(Tag tag, std::string_view v);

    Bytes m_buf;
    Status m_status;
};

}  // namespace yinxin::asn1
