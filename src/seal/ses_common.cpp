#include <cctype>

#include "ses_internal.h"
#include "yinxin/asn1/tag.h"
#include "yinxin/asn1/time.h"

namespace yinxin::seal::detail {

Error bad_encoding(std::string_view where, const Error& cause) {
    return make_error(Errc::seal_bad_encoding, std::string(where) + ": " + cause.to_string());
}

Error bad_encoding(std::string_view where, std::string_view what) {
    return make_error(Errc::seal_bad_encoding, std::string(where) + ": " + std::string(what));
}

Result<std::vector<asn1::Element>> all_children(const asn1::Element& e, std::string_view where) {
    std::vector<asn1::Element> out;
    asn1::Reader r = e.children();
    while (!r.at_end()) {
        auto c = r.read();
        if (!c) return bad_encoding(where, c.error());
        out.push_back(*c);
    }
    return out;
}

asn1::ReaderOptions reader_options() {
    asn1::ReaderOptions o = asn1::ReaderOptions::ber();
    o.max_depth = 32;
    return o;
}

Result<std::vector<ExtData>> parse_ext_datas(const asn1::Element& seq) {
    std::vector<ExtData> out;
    asn1::Reader r = seq.children();
    while (!r.at_end()) {
        auto ext = r.read_sequence();
        if (!ext) return bad_encoding("ExtData", ext.error());
        asn1::Reader e = ext->children();
        ExtData d;
        auto id = e.read_oid();
        if (!id) return bad_encoding("ExtData.extnID", id.error());
        d.id = *id;
        // X.690 11.5 forbids an explicit DEFAULT in DER, but real seals (tax, Hebei Gede) write
        // `critical FALSE`; it is read and, like everything, hashed as received.
        if (e.next_is(asn1::tags::boolean)) {
            auto crit = e.read_boolean();
            if (!crit) return bad_encoding("ExtData.critical", crit.error());
            d.critical = *crit;
        }
        auto value = e.read();
        if (!value) return bad_encoding("ExtData.extnValue", value.error());
        auto bytes = value->octet_string_bytes();
        if (!bytes) return bad_encoding("ExtData.extnValue", bytes.error());
        d.value = std::move(bytes).value();
        if (auto end = e.expect_end(); !end) return bad_encoding("ExtData", end.error());
        out.push_back(std::move(d));
    }
    return out;
}

Result<TimePoint> element_time(const asn1::Element& e, std::string_view where) {
    if (e.tag() == asn1::tags::utc_time || e.tag() == asn1::tags::generalized_time) {
        auto t = e.as_time();
        if (!t) return bad_encoding(where, t.error());
        return *t;
    }
    return bad_encoding(where, "expected UTCTime or GeneralizedTime, got " + e.tag().to_string());
}

std::optional<TimePoint> parse_time_text(std::string_view text) {
    std::string digits;
    std::size_t i = 0;
    for (; i < text.size() && digits.size() < 14; ++i) {
        const char c = text[i];
        if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
            digits.push_back(c);
        } else if (c != '-' && c != ':' && c != 'T' && c != ' ') {
            return std::nullopt;
        }
    }
    if (digits.size() != 14) return std::nullopt;
    std::string fraction;
    if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
        ++i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) fraction.push_back(text[i++]);
    }
    std::string zone;
    if (i < text.size() && text[i] == 'Z') {
        ++i;
    } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
        for (; i < text.size(); ++i)
            if (text[i] != ':') zone.push_back(text[i]);
    }
    if (i != text.size()) return std::nullopt;
    std::string canonical = digits;
    if (!fraction.empty()) canonical += "." + fraction;
    canonical += zone.empty() ? "Z" : zone;
    auto t = asn1::parse_generalized_time(canonical, asn1::Mode::ber);
    if (!t) return std::nullopt;
    return asn1::to_time_point(*t);
}

Result<BytesView> signature_octets(const asn1::Element& e, std::string_view where) {
    if (e.tag().same_type(asn1::tags::bit_string)) {
        auto bits = e.as_bit_string();
        if (!bits) return bad_encoding(where, bits.error());
        if (bits->unused_bits != 0) return bad_encoding(where, "signature BIT STRING has unused bits");
        return bits->bytes;
    }
    if (e.tag() == asn1::tags::octet_string) {
        auto octets = e.as_octet_string();
        if (!octets) return bad_encoding(where, octets.error());
        return *octets;
    }
    return bad_encoding(where, "expected BIT STRING, got " + e.tag().to_string());
}

namespace {

Result<Bytes> token_from(const asn1::Element& e) {
    if (e.tag().same_type(asn1::tags::bit_string)) {
        auto bits = e.as_bit_string();
        if (!bits) return bad_encoding("timeStamp", bits.error());
        return Bytes(bits->bytes.begin(), bits->bytes.end());
    }
    if (e.tag().same_type(asn1::tags::octet_string)) {
        auto octets = e.octet_string_bytes();
        if (!octets) return bad_encoding("timeStamp", octets.error());
        return std::move(octets).value();
    }
    // A token SEQUENCE (ContentInfo) written directly.
    return Bytes(e.raw().begin(), e.raw().end());
}

}  // namespace

Result<TimeStampField> parse_time_stamp(const asn1::Element& e) {
    TimeStampField ts;
    const asn1::Tag tag = e.tag();
    if (tag.tag_class == asn1::TagClass::context && tag.number == 0 && tag.constructed) {
        // [0] EXPLICIT: exactly one element inside. A constructed [0] holding several elements is
        // an IMPLICIT SEQUENCE (a token written with its tag replaced).
        asn1::Reader r = e.children();
        auto inner = r.read();
        if (inner && r.at_end() &&
            (inner->tag().same_type(asn1::tags::bit_string) || inner->tag().same_type(asn1::tags::octet_string) ||
             inner->tag() == asn1::tags::sequence)) {
            ts.form = TimeStampForm::explicit_tagged;
            YX_ASSIGN_OR_RETURN(ts.token, token_from(*inner));
            return ts;
        }
        ts.form = TimeStampForm::implicit_tagged;
        ts.token = Bytes(e.content().begin(), e.content().end());
        return ts;
    }
    if (tag.tag_class == asn1::TagClass::context && tag.number == 0) {
        // [0] IMPLICIT BIT STRING: the content is unused-bits octet + token.
        ts.form = TimeStampForm::implicit_tagged;
        auto bits = e.as_bit_string();
        if (!bits) return bad_encoding("timeStamp [0] IMPLICIT", bits.error());
        ts.token = Bytes(bits->bytes.begin(), bits->bytes.end());
        return ts;
    }
    if (tag.same_type(asn1::tags::bit_string) || tag.same_type(asn1::tags::octet_string)) {
        ts.form = TimeStampForm::untagged;
        YX_ASSIGN_OR_RETURN(ts.token, token_from(e));
        return ts;
    }
    return bad_encoding("timeStamp", "unexpected " + tag.to_string());
}

Result<asn1::Oid> algorithm_oid(const asn1::Element& e, std::string_view where) {
    if (e.tag() == asn1::tags::oid) {
        auto oid = e.as_oid();
        if (!oid) return bad_encoding(where, oid.error());
        return *oid;
    }
    if (e.tag() == asn1::tags::sequence) {
        asn1::Reader r = e.children();
        auto oid = r.read_oid();
        if (!oid) return bad_encoding(where, oid.error());
        return *oid;
    }
    return bad_encoding(where, "expected OBJECT IDENTIFIER, got " + e.tag().to_string());
}

}  // namespace yinxin::seal::detail
