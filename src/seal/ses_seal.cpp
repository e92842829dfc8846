// SESeal parsing: GB/T 38540 v4, v5, and GM/T 0031-2014 v1 (spec gm-and-seal-formats.md §1.1-1.3).
#include <utility>

#include "ses_internal.h"
#include "yinxin/asn1/tag.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/seal/ses.h"

namespace yinxin::seal {

using detail::all_children;
using detail::bad_encoding;

namespace {

Result<std::int64_t> int_field(const asn1::Element& e, std::string_view where) {
    if (e.tag() != asn1::tags::integer) return bad_encoding(where, "expected INTEGER, got " + e.tag().to_string());
    auto v = e.as_int64();
    if (!v) return make_error(Errc::seal_bad_field, std::string(where) + ": " + v.error().to_string());
    return *v;
}

Result<std::string> string_field(const asn1::Element& e, std::string_view where) {
    auto s = e.as_string();
    if (!s) return bad_encoding(where, s.error());
    return std::move(s).value();
}

Result<SealHeader> parse_header(const asn1::Element& e) {
    if (e.tag() != asn1::tags::sequence) return bad_encoding("SES_Header", "expected SEQUENCE");
    YX_ASSIGN_OR_RETURN(auto f, all_children(e, "SES_Header"));
    if (f.size() != 3) return bad_encoding("SES_Header", "expected 3 fields, got " + std::to_string(f.size()));
    SealHeader h;
    YX_ASSIGN_OR_RETURN(h.id, string_field(f[0], "SES_Header.id"));
    YX_ASSIGN_OR_RETURN(h.version, int_field(f[1], "SES_Header.version"));
    YX_ASSIGN_OR_RETURN(h.vendor_id, string_field(f[2], "SES_Header.vid"));
    // GB/T 38540 verification step 1: id == "ES".
    if (h.id != "ES") return make_error(Errc::seal_bad_header, "SES_Header.id is \"" + h.id + "\", not \"ES\"");
    return h;
}

Result<Bytes> octets(const asn1::Element& e, std::string_view where) {
    if (!e.tag().same_type(asn1::tags::octet_string))
        return bad_encoding(where, "expected OCTET STRING, got " + e.tag().to_string());
    auto b = e.octet_string_bytes();
    if (!b) return bad_encoding(where, b.error());
    return std::move(b).value();
}

Status parse_cert_list(const asn1::Element& list, SealProperty& p) {
    if (list.tag() != asn1::tags::sequence) return bad_encoding("SES_CertList", "expected SEQUENCE");
    YX_ASSIGN_OR_RETURN(auto entries, all_children(list, "SES_CertList"));
    for (const auto& entry : entries) {
        if (p.cert_list_type == CertListType::digests) {
            if (entry.tag() != asn1::tags::sequence) return bad_encoding("CertDigestObj", "expected SEQUENCE");
            YX_ASSIGN_OR_RETURN(auto f, all_children(entry, "CertDigestObj"));
            if (f.size() != 2) return bad_encoding("CertDigestObj", "expected 2 fields");
            CertDigest d;
            YX_ASSIGN_OR_RETURN(d.hash_name, string_field(f[0], "CertDigestObj.type"));
            YX_ASSIGN_OR_RETURN(d.value, octets(f[1], "CertDigestObj.value"));
            p.cert_digests.push_back(std::move(d));
        } else if (entry.tag().same_type(asn1::tags::octet_string)) {
            YX_ASSIGN_OR_RETURN(auto cert, octets(entry, "SES_CertList certificate"));
            p.certificates.push_back(std::move(cert));
        } else {
            // Lenient (non-standard v1 producers, e.g. dms360's IA5String "1"): kept, never a signer.
            p.other_cert_list_entries.emplace_back(entry.raw().begin(), entry.raw().end());
        }
    }
    return ok_status();
}

// SES_ESPropertyInfo, v4/v5: {type, name, certListType, certList, createDate, validStart, validEnd};
// v1: the same without certListType and with UTCTime. Non-standard v1 files use GeneralizedTime,
// so the layout is recognised by the fields present, not the version.
Result<SealProperty> parse_property(const asn1::Element& e) {
    if (e.tag() != asn1::tags::sequence) return bad_encoding("SES_ESPropertyInfo", "expected SEQUENCE");
    YX_ASSIGN_OR_RETURN(auto f, all_children(e, "SES_ESPropertyInfo"));
    SealProperty p;
    std::size_t i = 0;
    if (f.size() != 6 && f.size() != 7)
        return bad_encoding("SES_ESPropertyInfo", "expected 6 or 7 fields, got " + std::to_string(f.size()));
    YX_ASSIGN_OR_RETURN(p.type, int_field(f[i++], "SES_ESPropertyInfo.type"));
    YX_ASSIGN_OR_RETURN(p.name, string_field(f[i++], "SES_ESPropertyInfo.name"));
    if (f.size() == 7) {
        YX_ASSIGN_OR_RETURN(auto list_type, int_field(f[i++], "SES_ESPropertyInfo.certListType"));
        if (list_type != 1 && list_type != 2) {
            return make_error(Errc::seal_bad_field,
                              "SES_ESPropertyInfo.certListType is " + std::to_string(list_type) + " (1 or 2 expected)");
        }
        p.cert_list_type = list_type == 1 ? CertListType::certificates : CertListType::digests;
    }
    YX_TRY(parse_cert_list(f[i++], p));
    YX_ASSIGN_OR_RETURN(p.create_date, detail::element_time(f[i++], "SES_ESPropertyInfo.createDate"));
    YX_ASSIGN_OR_RETURN(p.valid_start, detail::element_time(f[i++], "SES_ESPropertyInfo.validStart"));
    YX_ASSIGN_OR_RETURN(p.valid_end, detail::element_time(f[i++], "SES_ESPropertyInfo.validEnd"));
    return p;
}

Result<SealPicture> parse_picture(const asn1::Element& e) {
    if (e.tag() != asn1::tags::sequence) return bad_encoding("SES_ESPictrueInfo", "expected SEQUENCE");
    YX_ASSIGN_OR_RETURN(auto f, all_children(e, "SES_ESPictrueInfo"));
    if (f.size() != 4) return bad_encoding("SES_ESPictrueInfo", "expected 4 fields, got " + std::to_string(f.size()));
    SealPicture p;
    YX_ASSIGN_OR_RETURN(p.type, string_field(f[0], "SES_ESPictrueInfo.type"));
    YX_ASSIGN_OR_RETURN(p.data, octets(f[1], "SES_ESPictrueInfo.data"));
    YX_ASSIGN_OR_RETURN(p.width_mm, int_field(f[2], "SES_ESPictrueInfo.width"));
    YX_ASSIGN_OR_RETURN(p.height_mm, int_field(f[3], "SES_ESPictrueInfo.height"));
    if (p.width_mm < 0 || p.height_mm < 0) return make_error(Errc::seal_bad_field, "negative picture size");
    return p;
}

}  // namespace

BytesView Seal::signed_bytes() const {
    // GB/T 38540 (v4/v5): the maker signs SES_SealInfo as received; GM/T 0031-2014 (v1):
    // SEQUENCE{sealInfo, cert, signatureAlgorithm} (spec §1.3, both verified on real seals).
    if (m_v1_tbs) return *m_v1_tbs;
    return m_seal_info;
}

Result<Seal> Seal::parse(BytesView der) {
    Seal s;
    // Owned copy: every view of the Seal points into it.
    s.m_der = std::make_shared<const Bytes>(der.begin(), der.end());
    asn1::Reader top(*s.m_der, detail::reader_options());
    auto outer = top.read();
    if (!outer) return bad_encoding("SESeal", outer.error());
    if (outer->tag() != asn1::tags::sequence)
        return bad_encoding("SESeal", "expected SEQUENCE, got " + outer->tag().to_string());
    if (auto end = top.expect_end(); !end) return bad_encoding("SESeal", end.error());
    YX_ASSIGN_OR_RETURN(auto f, all_children(*outer, "SESeal"));

    // Spec §1.2 (ofdrw VersionParser): 2 elements → v1; 4 → v4 (v5 when header.version is 5);
    // 5 → v5 (the timeStamp).
    if (f.size() != 2 && f.size() != 4 && f.size() != 5)
        return bad_encoding("SESeal", "expected 2, 4 or 5 fields, got " + std::to_string(f.size()));
    const asn1::Element& info = f[0];
    if (info.tag() != asn1::tags::sequence) return bad_encoding("SES_SealInfo", "expected SEQUENCE");
    s.m_seal_info = info.raw();
    YX_ASSIGN_OR_RETURN(auto info_fields, all_children(info, "SES_SealInfo"));
    if (info_fields.size() != 4 && info_fields.size() != 5)
        return bad_encoding("SES_SealInfo", "expected 4 or 5 fields, got " + std::to_string(info_fields.size()));
    YX_ASSIGN_OR_RETURN(s.m_header, parse_header(info_fields[0]));
    const std::int64_t v = s.m_header.version;
    if (v != 1 && v != 4 && v != 5)
        return make_error(Errc::seal_unsupported_version,
                          "SES_Header.version " + std::to_string(v) + " (1, 4 or 5 supported)");
    if ((f.size() == 2) != (v == 1)) {
        return make_error(
            Errc::seal_version_mismatch,
            "SES_Header.version " + std::to_string(v) + " but the SESeal has " + std::to_string(f.size()) + " fields");
    }
    if (f.size() == 5 && v != 5)
        return make_error(Errc::seal_version_mismatch,
                          "SESeal with a timeStamp field but SES_Header.version " + std::to_string(v));
    s.m_version = static_cast<SealVersion>(v);
    YX_ASSIGN_OR_RETURN(s.m_es_id, string_field(info_fields[1], "SES_SealInfo.esID"));
    YX_ASSIGN_OR_RETURN(s.m_property, parse_property(info_fields[2]));
    YX_ASSIGN_OR_RETURN(s.m_picture, parse_picture(info_fields[3]));
    if (info_fields.size() == 5) {
        // extDatas: untagged SEQUENCE OF in every real seal (spec §1.1); [0] accepted too.
        const asn1::Element& ext = info_fields[4];
        if (ext.tag() == asn1::tags::sequence) {
            YX_ASSIGN_OR_RETURN(s.m_ext_datas, detail::parse_ext_datas(ext));
        } else if (ext.tag() == asn1::Tag::context(0, true)) {
            asn1::Reader r = ext.children();
            auto inner = r.read_sequence();
            if (inner && r.at_end()) {
                YX_ASSIGN_OR_RETURN(s.m_ext_datas, detail::parse_ext_datas(*inner));
            } else {
                YX_ASSIGN_OR_RETURN(s.m_ext_datas, detail::parse_ext_datas(ext));
            }
        } else {
            return bad_encoding("SES_SealInfo.extDatas", "unexpected " + ext.tag().to_string());
        }
    }

    if (s.m_version == SealVersion::v1) {
        // SES_SignInfo ::= SEQUENCE { cert OCTET STRING, signatureAlgorithm OID, signData BIT STRING }
        const asn1::Element& sign_info = f[1];
        if (sign_info.tag() != asn1::tags::sequence) return bad_encoding("SES_SignInfo", "expected SEQUENCE");
        YX_ASSIGN_OR_RETURN(auto si, all_children(sign_info, "SES_SignInfo"));
        if (si.size() != 3) return bad_encoding("SES_SignInfo", "expected 3 fields, got " + std::to_string(si.size()));
        if (!si[0].tag().same_type(asn1::tags::octet_string) || si[0].tag().constructed)
            return bad_encoding("SES_SignInfo.cert", "expected a primitive OCTET STRING");
        s.m_maker_cert = si[0].content();
        YX_ASSIGN_OR_RETURN(s.m_sig_alg, detail::algorithm_oid(si[1], "SES_SignInfo.signatureAlgorithm"));
        YX_ASSIGN_OR_RETURN(s.m_signature, detail::signature_octets(si[2], "SES_SignInfo.signData"));
        asn1::Writer w;
        w.sequence([&](asn1::Writer& q) {
            q.raw(info.raw());
            q.raw(si[0].raw());
            q.raw(si[1].raw());
        });
        auto tbs = w.finish();
        if (!tbs) return bad_encoding("SES_SignInfo", tbs.error());
        s.m_v1_tbs = std::make_shared<const Bytes>(std::move(tbs).value());
        return s;
    }

    if (!f[1].tag().same_type(asn1::tags::octet_string) || f[1].tag().constructed)
        return bad_encoding("SESeal.cert", "expected a primitive OCTET STRING, got " + f[1].tag().to_string());
    s.m_maker_cert = f[1].content();
    YX_ASSIGN_OR_RETURN(s.m_sig_alg, detail::algorithm_oid(f[2], "SESeal.signAlgID"));
    YX_ASSIGN_OR_RETURN(s.m_signature, detail::signature_octets(f[3], "SESeal.signedValue"));
    if (f.size() == 5) {
        YX_ASSIGN_OR_RETURN(auto ts, detail::parse_time_stamp(f[4]));
        s.m_time_stamp = std::move(ts);
    }
    return s;
}

}  // namespace yinxin::seal
