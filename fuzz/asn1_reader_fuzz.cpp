// libFuzzer harness for the asn1 layer: walks the input as a TLV tree in both modes, decodes every
// primitive with every typed decoder, exercises the cursor API, and checks that whatever the
// strict reader accepts the writer re-encodes to the same octets (DER is unique, X.690 10-11).
// Also feeds the input to the OID and time text parsers. Any crash, sanitizer report, leak or
// failed check is a finding.
#include <cstdint>
#include <string_view>

#include "driver.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/asn1/strings.h"
#include "yinxin/asn1/time.h"
#include "yinxin/asn1/writer.h"

namespace {

using namespace yinxin;        // NOLINT(google-build-using-namespace)
using namespace yinxin::asn1;  // NOLINT(google-build-using-namespace)

using fuzz::check;
using fuzz::same;

// Writer output for a single element must equal the element as received.
template <class F>
void expect_reencodes(const Element& e, F&& write, const char* what) {
    Writer w;
    write(w);
    auto out = w.finish();
    check(out.ok(), what);
    check(same(*out, e.raw()), what);
}

void oid_checks(const Oid& o) {
    std::string text = o.to_string();
    auto back = Oid::from_string(text);
    check(back.ok() && *back == o, "OID text round trip");
    (void)o.arcs();
    (void)oid_name(o);
    (void)o.hash();
}

void decode_all(const Element& e) {
    const bool der = e.options().mode == Mode::der;
    const Tag t = e.tag();
    // Views stay inside raw, content inside raw.
    check(e.content().data() >= e.raw().data() &&
              e.content().data() + e.content().size() <= e.raw().data() + e.raw().size(),
          "content inside raw");
    if (der) check(e.der() && !e.indefinite(), "strict elements are DER");
    if (t.constructed) {
        // Only the decoders that take the constructed form (BER strings) do real work here; one
        // primitive-only decoder covers the refusal path. Error messages allocate, and fewer
        // allocations per input mean more inputs per second.
        (void)e.as_integer();
        (void)e.as_bit_string();
        (void)e.as_octet_string();
        if (auto b = e.octet_string_bytes(); b.ok()) check(!der, "constructed OCTET STRING only in BER");
        if (auto s = e.as_string(); s.ok()) check(is_utf8(*s), "string decodes to UTF-8");
        (void)e.as_unix_time();
        return;
    }

    if (auto b = e.as_boolean(); b.ok() && der && t == tags::boolean)
        expect_reencodes(
            e, [&](Writer& w) { w.boolean(*b); }, "BOOLEAN re-encoding");
    if (auto i = e.as_integer(); i.ok()) {
        (void)i->to_int64();
        (void)i->to_uint64();
        (void)i->magnitude();
        (void)i->is_zero();
        if (der && t == tags::integer) {
            expect_reencodes(
                e, [&](Writer& w) { w.integer(*i); }, "INTEGER re-encoding");
            if (auto v = i->to_int64(); v.ok())
                expect_reencodes(
                    e, [&](Writer& w) { w.integer(*v); }, "INTEGER re-encoding (int64)");
        }
    }
    (void)e.as_int64();
    if (auto bs = e.as_bit_string(); bs.ok()) {
        std::size_t n = bs->bit_length();
        for (std::size_t k = 0; k < n && k < 64; ++k) (void)bs->bit(k);
        (void)bs->bit(n);
        if (der && t == tags::bit_string)
            expect_reencodes(
                e, [&](Writer& w) { w.bit_string(bs->bytes, bs->unused_bits); }, "BIT STRING re-encoding");
    }
    if (auto os = e.as_octet_string(); os.ok() && der && t == tags::octet_string)
        expect_reencodes(
            e, [&](Writer& w) { w.octet_string(*os); }, "OCTET STRING re-encoding");
    (void)e.octet_string_bytes();
    if (e.as_null().ok() && der && t == tags::null)
        expect_reencodes(
            e, [](Writer& w) { w.null(); }, "NULL");
    if (auto o = e.as_oid(); o.ok()) {
        oid_checks(*o);
        if (t == tags::oid)
            expect_reencodes(
                e, [&](Writer& w) { w.oid(*o); }, "OID re-encoding");
    }
    if (auto s = e.as_utf8_string(); s.ok()) {
        check(is_utf8(*s), "UTF8String decodes to UTF-8");
        if (der && t == tags::utf8_string)
            expect_reencodes(
                e, [&](Writer& w) { w.utf8_string(*s); }, "UTF8String");
    }
    if (auto s = e.as_printable_string(); s.ok() && der && t == tags::printable_string)
        expect_reencodes(
            e, [&](Writer& w) { w.printable_string(*s); }, "PrintableString");
    if (auto s = e.as_ia5_string(); s.ok() && der && t == tags::ia5_string)
        expect_reencodes(
            e, [&](Writer& w) { w.ia5_string(*s); }, "IA5String");
    (void)e.as_visible_string();
    (void)e.as_numeric_string();
    if (auto s = e.as_t61_string(); s.ok()) check(is_utf8(*s), "T61String decodes to UTF-8");
    if (auto s = e.as_bmp_string(); s.ok()) check(is_utf8(*s), "BMPString decodes to UTF-8");
    if (auto s = e.as_universal_string(); s.ok()) check(is_utf8(*s), "UniversalString decodes to UTF-8");
    if (auto s = e.as_string(); s.ok()) check(is_utf8(*s), "string decodes to UTF-8");
    if (auto u = e.as_utc_time(); u.ok()) {
        (void)to_time_point(*u);
        if (der && t == tags::utc_time)
            expect_reencodes(
                e, [&](Writer& w) { w.utc_time(*u); }, "UTCTime");
    }
    if (auto g = e.as_generalized_time(); g.ok()) {
        (void)to_time_point(*g);
        // Up to 9 fraction digits survive the nanosecond representation exactly.
        if (der && t == tags::generalized_time && e.content().size() <= 25)
            expect_reencodes(
                e, [&](Writer& w) { w.generalized_time(*g, true); }, "GeneralizedTime");
    }
    (void)e.as_unix_time();
    (void)e.as_time();
}

// Cursor API over a content: optional reads, explicit/implicit tags, typed reads. Results are
// ignored; the point is that none of them misbehaves on any input.
void poke_cursor(Reader r) {
    (void)r.peek_tag();
    (void)r.next_is(tags::sequence);
    (void)r.read_optional(tags::boolean);
    (void)r.read_optional_context_explicit(0);
    (void)r.read_optional_context_implicit(1);
    (void)r.read_context_explicit(0);
    (void)r.read_context_implicit(2);
    (void)r.read_integer();
    (void)r.read_int64();
    (void)r.read_enumerated();
    (void)r.read_bit_string();
    (void)r.read_octet_string();
    (void)r.read_null();
    (void)r.read_oid();
    (void)r.read_utf8_string();
    (void)r.read_printable_string();
    (void)r.read_ia5_string();
    (void)r.read_string();
    (void)r.read_utc_time();
    (void)r.read_generalized_time();
    (void)r.read_time();
    (void)r.read_set();
    (void)r.read_sequence();
    for (int i = 0; i < 4 && !r.at_end(); ++i)
        if (!r.skip().ok()) break;
    (void)r.expect_end();
}

void walk(const Element& e) {
    decode_all(e);
    const Tag t = e.tag();
    if (!t.constructed) {
        // DER inside OCTET STRINGs (extnValue, certificates in seals): try it.
        if (t == tags::octet_string && !e.content().empty()) {
            Reader inner = e.children();
            while (!inner.at_end()) {
                auto c = inner.read();
                if (!c.ok()) break;
                walk(*c);
            }
        }
        return;
    }
    (void)is_sorted_set_of(e);
    poke_cursor(e.children());
    Reader r = e.children();
    const std::uint8_t* expected = e.content().data();
    while (!r.at_end()) {
        auto c = r.read();
        if (!c.ok()) return;
        // Children tile the content in order.
        check(c->raw().data() == expected, "children tile the content");
        expected += c->raw().size();
        check(c->depth() == e.depth() + 1, "child depth");
        walk(*c);
    }
    check(expected == e.content().data() + e.content().size(), "children cover the content");
}

void walk_input(BytesView in, ReaderOptions o) {
    Reader r(in, o);
    poke_cursor(r);
    while (!r.at_end()) {
        auto e = r.read();
        if (!e.ok()) return;
        walk(*e);
    }
    (void)read_single(in, o);
}

void text_parsers(BytesView in) {
    std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
    if (auto o = Oid::from_string(text); o.ok()) {
        check(o->to_string() == text, "OID text is canonical");
        auto d = Oid::from_der(o->der());
        check(d.ok() && *d == *o, "OID DER round trip");
    }
    if (auto o = Oid::from_der(in); o.ok()) oid_checks(*o);
    for (Mode m : {Mode::der, Mode::ber}) {
        if (auto u = parse_utc_time(text, m); u.ok() && m == Mode::der) {
            auto f = format_utc_time(*u);
            check(f.ok() && *f == text, "UTCTime text round trip");
        }
        if (auto g = parse_generalized_time(text, m); g.ok()) {
            (void)format_generalized_time(*g, true);
            if (m == Mode::der && text.size() <= 25) {
                auto f = format_generalized_time(*g, true);
                check(f.ok() && *f == text, "GeneralizedTime text round trip");
            }
        }
    }
    (void)bmp_to_utf8(in);
    (void)universal_to_utf8(in);
    if (is_utf8(text)) (void)utf8_to_bmp(text);
}

}  // namespace

void yinxin::fuzz::fuzz_one(BytesView in) {
    walk_input(in, ReaderOptions::der());
    walk_input(in, ReaderOptions::ber());
    if (in.size() <= 4096) {  // limits hit early: cheap, and only worth it where mutations are dense
        ReaderOptions tight = ReaderOptions::ber();
        tight.max_depth = 4;
        tight.max_element_length = 256;
        walk_input(in, tight);
    }
    text_parsers(in);
}
