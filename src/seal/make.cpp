// Building GB/T 38540 v4 seals and SES_Signatures (spec gm-and-seal-formats.md §1.1, §1.3).
#include <utility>

#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/strings.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/crypto/signature.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/seal/ses.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::seal {

namespace {

Error bad_request(std::string message) { return make_error(Errc::seal_bad_request, std::move(message)); }

Result<x509::Certificate> parse_cert(BytesView der, std::string_view what) {
    auto cert = x509::Certificate::parse(der, x509::ParseOptions::relaxed());
    if (!cert) return bad_request(std::string(what) + " does not parse: " + cert.error().to_string());
    return std::move(cert).value();
}

void write_ext_datas(asn1::Writer& w, const std::vector<ExtData>& exts) {
    w.sequence([&](asn1::Writer& list) {
        for (const auto& e : exts) {
            list.sequence([&](asn1::Writer& x) {
                x.oid(e.id);
                if (e.critical) x.boolean(true);  // DER: DEFAULT FALSE is omitted (X.690 11.5)
                x.octet_string(e.value);
            });
        }
    });
}

// Calls the signer, checks that it produced a signature that verifies with `cert`'s key over
// `tbs` under the default ID (a wrong key or ID would make a seal nobody can verify), and returns
// it as minimal DER.
Result<Bytes> sign_and_check(const SignCallback& sign, BytesView tbs, const x509::Certificate& cert,
                             std::string_view who) {
    if (!sign) return bad_request("no signing callback");
    auto sig = sign(tbs);
    if (!sig)
        return make_error(Errc::seal_signer_failed, std::string(who) + " signing failed: " + sig.error().to_string());
    auto norm = crypto::normalise_signature(*sig);
    if (!norm) {
        return make_error(Errc::seal_signer_failed,
                          std::string(who) + " signer returned no SM2 signature: " + norm.error().to_string());
    }
    auto key = cert.public_key_info().sm2_public_key();
    if (!key) return bad_request(std::string(who) + " certificate has no SM2 key: " + key.error().to_string());
    if (auto v = crypto::sm2_verify(*key, tbs, norm->der, crypto::k_default_sm2_id); !v) {
        return make_error(Errc::seal_signer_failed,
                          std::string(who) + " signature does not verify with the " + std::string(who) +
                              " certificate's key and the ID 1234567812345678 (wrong key or signer ID?)");
    }
    return std::move(norm->der);
}

}  // namespace

SignCallback sm2_sign_callback(const crypto::Sm2PrivateKey& key, std::string_view sm2_id) {
    return [key, id = std::string(sm2_id)](BytesView tbs) -> Result<Bytes> { return crypto::sm2_sign(key, tbs, id); };
}

Result<Bytes> make_seal(const SealRequest& req, BytesView maker_certificate_der, const SignCallback& sign) {
    if (req.es_id.empty() || !asn1::is_ia5_string(req.es_id)) return bad_request("esID must be non-empty IA5 text");
    if (req.vendor_id.empty() || !asn1::is_ia5_string(req.vendor_id))
        return bad_request("vendor id must be non-empty IA5 text");
    if (req.name.empty() || !asn1::is_utf8(req.name)) return bad_request("seal name must be non-empty UTF-8");
    if (req.picture.empty()) return bad_request("no seal picture");
    if (req.picture_type.empty() || !asn1::is_ia5_string(req.picture_type))
        return bad_request("picture type must be non-empty IA5 text");
    if (req.width_mm <= 0 || req.height_mm <= 0) return bad_request("picture size must be positive millimetres");
    if (req.valid_end < req.valid_start) return bad_request("validEnd is before validStart");
    if (req.signer_certificates.empty()) return bad_request("no signer certificate for the certList");
    for (const auto& c : req.signer_certificates) YX_TRY(parse_cert(c, "a signer certificate"));
    YX_ASSIGN_OR_RETURN(auto maker, parse_cert(maker_certificate_der, "the maker certificate"));

    // SES_SealInfo (GB/T 38540, spec §1.1).
    asn1::Writer w;
    w.sequence([&](asn1::Writer& info) {
        info.sequence([&](asn1::Writer& h) {
            h.ia5_string("ES");
            h.integer(4);
            h.ia5_string(req.vendor_id);
        });
        info.ia5_string(req.es_id);
        info.sequence([&](asn1::Writer& p) {
            p.integer(req.type);
            p.utf8_string(req.name);
            p.integer(static_cast<std::int64_t>(CertListType::certificates));
            p.sequence([&](asn1::Writer& list) {
                for (const auto& c : req.signer_certificates) list.octet_string(c);
            });
            p.generalized_time(req.create_date);
            p.generalized_time(req.valid_start);
            p.generalized_time(req.valid_end);
        });
        info.sequence([&](asn1::Writer& pic) {
            pic.ia5_string(req.picture_type);
            pic.octet_string(req.picture);
            pic.integer(req.width_mm);
            pic.integer(req.height_mm);
        });
        if (!req.ext_datas.empty()) write_ext_datas(info, req.ext_datas);
    });
    auto info = w.finish();
    if (!info) return bad_request("SES_SealInfo: " + info.error().to_string());

    // GB/T 38540: the maker signs SES_SealInfo (spec §1.3).
    YX_ASSIGN_OR_RETURN(Bytes signature, sign_and_check(sign, *info, maker, "maker"));

    asn1::Writer s;
    s.sequence([&](asn1::Writer& seal) {
        seal.raw(*info);
        seal.octet_string(maker_certificate_der);
        seal.oid(asn1::oids::sm2_with_sm3);
        seal.bit_string(signature);
    });
    auto der = s.finish();
    if (!der) return bad_request("SESeal: " + der.error().to_string());
    if (auto back = Seal::parse(*der); !back)
        return make_error(Errc::internal, "made seal does not parse: " + back.error().to_string());
    return std::move(der).value();
}

Result<Bytes> make_signature(const SignatureRequest& req, const SignCallback& sign) {
    auto seal = Seal::parse(req.seal);
    if (!seal) return bad_request("the seal does not parse: " + seal.error().to_string());
    if (seal->version() == SealVersion::v1)
        return make_error(Errc::seal_unsupported_version, "signing with a GM/T 0031-2014 (v1) seal is not supported");
    if (req.data_hash.empty()) return bad_request("empty dataHash");
    if (!asn1::is_ia5_string(req.property_info)) return bad_request("propertyInfo must be IA5 text");
    YX_ASSIGN_OR_RETURN(auto signer, parse_cert(req.signer_certificate, "the signer certificate"));

    // TBS_Sign (GB/T 38540, spec §1.1): version = the seal's header version.
    asn1::Writer w;
    w.sequence([&](asn1::Writer& tbs) {
        tbs.integer(seal->header().version);
        tbs.raw(req.seal);
        tbs.generalized_time(req.time);
        tbs.bit_string(req.data_hash);
        tbs.ia5_string(req.property_info);
        if (!req.ext_datas.empty())
            tbs.context_explicit(0, [&](asn1::Writer& x) { write_ext_datas(x, req.ext_datas); });
    });
    auto tbs = w.finish();
    if (!tbs) return bad_request("TBS_Sign: " + tbs.error().to_string());

    YX_ASSIGN_OR_RETURN(Bytes signature, sign_and_check(sign, *tbs, signer, "signer"));
    std::optional<Bytes> token;
    if (req.time_stamp) {
        auto t = req.time_stamp(signature);
        if (!t) return Error{t.error().code, "time stamp: " + t.error().message};
        token = std::move(t).value();
    }

    asn1::Writer s;
    s.sequence([&](asn1::Writer& out) {
        out.raw(*tbs);
        out.octet_string(req.signer_certificate);
        out.oid(asn1::oids::sm2_with_sm3);
        out.bit_string(signature);
        // timeStamp [0] EXPLICIT BIT STRING OPTIONAL, as ofdrw writes it (spec §1.1).
        if (token) out.context_explicit(0, [&](asn1::Writer& x) { x.bit_string(*token); });
    });
    auto der = s.finish();
    if (!der) return bad_request("SES_Signature: " + der.error().to_string());
    if (auto back = SesSignature::parse(*der); !back)
        return make_error(Errc::internal, "made signature does not parse: " + back.error().to_string());
    return std::move(der).value();
}

Result<Bytes> make_detached_signature(BytesView seal_der, BytesView data, std::string property_info,
                                      BytesView signer_certificate_der, TimePoint time, const SignCallback& sign,
                                      const TimeStampCallback& time_stamp) {
    SignatureRequest req;
    req.seal.assign(seal_der.begin(), seal_der.end());
    req.time = time;
    const crypto::Sm3Digest digest = crypto::sm3(data);
    req.data_hash.assign(digest.begin(), digest.end());
    req.property_info = std::move(property_info);
    req.signer_certificate.assign(signer_certificate_der.begin(), signer_certificate_der.end());
    req.time_stamp = time_stamp;
    return make_signature(req, sign);
}

}  // namespace yinxin::seal
