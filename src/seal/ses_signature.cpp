// SES_Signature parsing: GB/T 38540 v4, v5 and GM/T 0031-2014 v1 (spec gm-and-seal-formats.md §1.1,
// §1.2). TBS_Sign is kept as received: it is what the signer signed.
#include <utility>

#include "ses_internal.h"
#include "yinxin/asn1/tag.h"
#include "yinxin/seal/ses.h"

namespace yinxin::seal {

using detail::all_children;
using detail::bad_encoding;

namespace {

Result<BytesView> primitive_octets(const asn1::Element& e, std::string_view where) {
    if (!e.tag().same_type(asn1::tags::octet_string) || e.tag().constructed)
        return bad_encoding(where, "expected a primitive OCTET STRING, got " + e.tag().to_string());
    return e.content();
}

Result<BytesView> hash_octets(const asn1::Element& e, std::string_view where) {
    // dataHash BIT STRING; non-standard v1 producers write an OCTET STRING (spec §1.2).
    if (e.tag().same_type(asn1::tags::bit_string)) {
        auto bits = e.as_bit_string();
        if (!bits) return bad_encoding(where, bits.error());
        return bits->bytes;
    }
    return primitive_octets(e, where);
}

}  // namespace

Result<SesSignature> SesSignature::parse(BytesView der) {
    SesSignature sig;
    sig.m_der = std::make_shared<const Bytes>(der.begin(), der.end());
    asn1::Reader top(*sig.m_der, detail::reader_options());
    auto outer = top.read();
    if (!outer) return bad_encoding("SES_Signature", outer.error());
    if (outer->tag() != asn1::tags::sequence)
        return bad_encoding("SES_Signature", "expected SEQUENCE, got " + outer->tag().to_string());
    if (auto end = top.expect_end(); !end) return bad_encoding("SES_Signature", end.error());
    YX_ASSIGN_OR_RETURN(auto f, all_children(*outer, "SES_Signature"));
    // v4/v5: {toSign, cert, signatureAlgID, signature, timeStamp OPTIONAL}; v1: {toSign, signature}.
    if (f.size() != 2 && f.size() != 4 && f.size() != 5)
        return bad_encoding("SES_Signature", "expected 2, 4 or 5 fields, got " + std::to_string(f.size()));
    const asn1::Element& tbs = f[0];
    if (tbs.tag() != asn1::tags::sequence) return bad_encoding("TBS_Sign", "expected SEQUENCE");
    sig.m_tbs = tbs.raw();
    YX_ASSIGN_OR_RETURN(auto t, all_children(tbs, "TBS_Sign"));
    if (t.size() < 5) return bad_encoding("TBS_Sign", "expected at least 5 fields, got " + std::to_string(t.size()));

    if (t[0].tag() != asn1::tags::integer) return bad_encoding("TBS_Sign.version", "expected INTEGER");
    auto version = t[0].as_int64();
    if (!version) return bad_encoding("TBS_Sign.version", version.error());
    if (*version != 1 && *version != 4 && *version != 5) {
        return make_error(Errc::seal_unsupported_version,
                          "TBS_Sign.version " + std::to_string(*version) + " (1, 4 or 5 supported)");
    }
    sig.m_version = static_cast<SealVersion>(*version);

    if (t[1].tag() != asn1::tags::sequence) return bad_encoding("TBS_Sign.eseal", "expected SEQUENCE");
    auto seal = Seal::parse(t[1].raw());
    if (!seal) return Error{seal.error().code, "TBS_Sign.eseal: " + seal.error().message};
    sig.m_seal = std::move(seal).value();
    // GB/T 38540 verification (e-signature) step 1: the TBS version equals the seal's.
    if (sig.m_version != sig.m_seal.version()) {
        return make_error(Errc::seal_version_mismatch, "TBS_Sign.version " + std::to_string(*version) +
                                                           " but the seal's header version is " +
                                                           std::to_string(sig.m_seal.header().version));
    }

    // timeInfo: GeneralizedTime (v4/v5); v1: BIT STRING holding the time as text. Non-standard v1
    // files use either (dms360: BIT STRING "2020-01-25T07:31:56.377Z").
    const asn1::Element& time = t[2];
    if (time.tag() == asn1::tags::generalized_time || time.tag() == asn1::tags::utc_time) {
        YX_ASSIGN_OR_RETURN(auto tp, detail::element_time(time, "TBS_Sign.timeInfo"));
        sig.m_time_info = tp;
        sig.m_time_info_text.assign(time.content().begin(), time.content().end());
    } else if (time.tag().same_type(asn1::tags::bit_string) || time.tag().same_type(asn1::tags::octet_string) ||
               time.tag() == asn1::tags::ia5_string || time.tag() == asn1::tags::printable_string) {
        BytesView text;
        if (time.tag().same_type(asn1::tags::bit_string)) {
            auto bits = time.as_bit_string();
            if (!bits) return bad_encoding("TBS_Sign.timeInfo", bits.error());
            text = bits->bytes;
        } else {
            text = time.content();
        }
        sig.m_time_info_text.assign(text.begin(), text.end());
        sig.m_time_info = detail::parse_time_text(sig.m_time_info_text);
    } else {
        return bad_encoding("TBS_Sign.timeInfo", "unexpected " + time.tag().to_string());
    }
    YX_ASSIGN_OR_RETURN(sig.m_data_hash, hash_octets(t[3], "TBS_Sign.dataHash"));
    auto property = t[4].as_string();
    if (!property) return bad_encoding("TBS_Sign.propertyInfo", property.error());
    sig.m_property_info = std::move(property).value();

    if (sig.m_version == SealVersion::v1) {
        // GM/T 0031-2014: TBS_Sign also holds {cert, signatureAlgorithm}; SES_Signature is
        // {toSign, signature}.
        if (t.size() != 7) return bad_encoding("TBS_Sign (v1)", "expected 7 fields, got " + std::to_string(t.size()));
        YX_ASSIGN_OR_RETURN(sig.m_signer_cert, primitive_octets(t[5], "TBS_Sign.cert"));
        YX_ASSIGN_OR_RETURN(sig.m_sig_alg, detail::algorithm_oid(t[6], "TBS_Sign.signatureAlgorithm"));
        if (f.size() != 2) return bad_encoding("SES_Signature (v1)", "expected 2 fields");
        YX_ASSIGN_OR_RETURN(sig.m_signature, detail::signature_octets(f[1], "SES_Signature.signature"));
        return sig;
    }

    if (t.size() > 6) return bad_encoding("TBS_Sign", "expected 5 or 6 fields, got " + std::to_string(t.size()));
    if (t.size() == 6) {
        // extDatas: [0] EXPLICIT (ofdrw), [0] IMPLICIT (CEGN: A0 {ExtData...}) or untagged.
        const asn1::Element& ext = t[5];
        if (ext.tag() == asn1::Tag::context(0, true)) {
            asn1::Reader r = ext.children();
            auto first = r.read();
            // EXPLICIT holds one SEQUENCE OF ExtData, whose first child is itself a SEQUENCE;
            // IMPLICIT holds the ExtData SEQUENCEs directly, whose first child is an OID.
            bool explicit_form = false;
            if (first && r.at_end() && first->tag() == asn1::tags::sequence) {
                asn1::Reader inner = first->children();
                explicit_form = inner.at_end() || inner.next_is(asn1::tags::sequence);
            }
            if (explicit_form) {
                YX_ASSIGN_OR_RETURN(sig.m_ext_datas, detail::parse_ext_datas(*first));
            } else {
                YX_ASSIGN_OR_RETURN(sig.m_ext_datas, detail::parse_ext_datas(ext));
            }
        } else if (ext.tag() == asn1::tags::sequence) {
            YX_ASSIGN_OR_RETURN(sig.m_ext_datas, detail::parse_ext_datas(ext));
        } else {
            return bad_encoding("TBS_Sign.extDatas", "unexpected " + ext.tag().to_string());
        }
    }
    if (f.size() < 4) return bad_encoding("SES_Signature", "expected cert, signatureAlgID and signature");
    YX_ASSIGN_OR_RETURN(sig.m_signer_cert, primitive_octets(f[1], "SES_Signature.cert"));
    YX_ASSIGN_OR_RETURN(sig.m_sig_alg, detail::algorithm_oid(f[2], "SES_Signature.signatureAlgID"));
    YX_ASSIGN_OR_RETURN(sig.m_signature, detail::signature_octets(f[3], "SES_Signature.signature"));
    if (f.size() == 5) {
        YX_ASSIGN_OR_RETURN(auto ts, detail::parse_time_stamp(f[4]));
        sig.m_time_stamp = std::move(ts);
    }
    return sig;
}

}  // namespace yinxin::seal
