#include "yinxin/sealsys/status_list.h"

#include <algorithm>
#include <utility>

#include "yinxin/asn1/reader.h"
#include "yinxin/asn1/time.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/sealsys/platform.h"
#include "yinxin/x509/extensions.h"
#include "yinxin/x509/path.h"

namespace yinxin::sealsys {
namespace {

// RevokedSeal.status: lost(1), cancelled(2).
constexpr std::int64_t k_lost = 1;
constexpr std::int64_t k_cancelled = 2;
// SM2-with-SM3 as the signature algorithm: what BouncyCastle and OpenSSL-based verifiers expect.
constexpr asn1::Oid k_sm2_with_sm3{"1.2.156.10197.1.501"};

Error bad(std::string message) {
    return make_error(Errc::seal_bad_sync_message, "seal revocation list: " + std::move(message));
}

// An error from a lower layer, as a bad list naming what failed.
Error bad(const std::string& what, const Error& e) { return bad(what + ": " + e.to_string()); }

}  // namespace

Result<Bytes> encode_revocation_list(const SealRevocationList& list) {
    if (list.version != 1) return bad("version must be 1");
    if (list.issuer.empty()) return bad("issuer is required");
    if (list.next_update < list.this_update) return bad("nextUpdate is before thisUpdate");
    for (const RevokedSeal& e : list.entries) {
        if (!valid_seal_code(e.seal_code)) return bad("'" + e.seal_code + "' is not a 14-digit seal code");
        if (e.status != SealStatus::lost && e.status != SealStatus::cancelled)
            return bad("seal " + e.seal_code + ": only lost and cancelled seals are listed");
    }
    asn1::Writer w;
    w.sequence([&](asn1::Writer& s) {
        s.integer(list.version);
        s.utf8_string(list.issuer);
        s.generalized_time(list.this_update);
        s.generalized_time(list.next_update);
        s.sequence([&](asn1::Writer& seq) {
            for (const RevokedSeal& e : list.entries) {
                seq.sequence([&](asn1::Writer& r) {
                    r.printable_string(e.seal_code);
                    r.enumerated(e.status == SealStatus::lost ? k_lost : k_cancelled);
                    r.generalized_time(e.date);
                    r.utf8_string(e.reason);
                });
            }
        });
    });
    auto der = w.finish();
    if (!der) return bad("encoding", der.error());
    return der;
}

Result<SealRevocationList> decode_revocation_list(BytesView der) {
    auto parse = [&]() -> Result<SealRevocationList> {
        YX_ASSIGN_OR_RETURN(asn1::Element top, asn1::read_single(der));
        if (!top.is(asn1::tags::sequence)) return bad("not a SEQUENCE");
        asn1::Reader r = top.children();
        SealRevocationList list;
        YX_ASSIGN_OR_RETURN(list.version, r.read_int64());
        if (list.version != 1) return bad("version " + std::to_string(list.version) + " is not supported");
        YX_ASSIGN_OR_RETURN(list.issuer, r.read_utf8_string());
        YX_ASSIGN_OR_RETURN(asn1::UnixTime this_update, r.read_generalized_time());
        YX_ASSIGN_OR_RETURN(asn1::UnixTime next_update, r.read_generalized_time());
        list.this_update = asn1::to_time_point(this_update);
        list.next_update = asn1::to_time_point(next_update);
        YX_ASSIGN_OR_RETURN(asn1::Element entries, r.read_sequence());
        YX_TRY(r.expect_end());
        asn1::Reader er = entries.children();
        while (!er.at_end()) {
            YX_ASSIGN_OR_RETURN(asn1::Element e, er.read_sequence());
            asn1::Reader fr = e.children();
            RevokedSeal s;
            YX_ASSIGN_OR_RETURN(s.seal_code, fr.read_printable_string());
            YX_ASSIGN_OR_RETURN(std::int64_t status, fr.read_enumerated());
            if (status != k_lost && status != k_cancelled)
                return bad("seal " + s.seal_code + ": unknown status " + std::to_string(status));
            s.status = status == k_lost ? SealStatus::lost : SealStatus::cancelled;
            YX_ASSIGN_OR_RETURN(asn1::UnixTime date, fr.read_generalized_time());
            s.date = asn1::to_time_point(date);
            YX_ASSIGN_OR_RETURN(s.reason, fr.read_utf8_string());
            YX_TRY(fr.expect_end());
            if (!valid_seal_code(s.seal_code)) return bad("'" + s.seal_code + "' is not a 14-digit seal code");
            list.entries.push_back(std::move(s));
        }
        if (list.next_update < list.this_update) return bad("nextUpdate is before thisUpdate");
        return list;
    };
    auto list = parse();
    if (!list && list.code() != Errc::seal_bad_sync_message) return bad("malformed", list.error());
    return list;
}

Result<Bytes> sign_revocation_list(const SealRevocationList& list, const x509::Certificate& signer,
                                   const cms::SignFunction& sign, const std::vector<x509::Certificate>& chain,
                                   std::string_view sm2_id) {
    YX_ASSIGN_OR_RETURN(Bytes content, encode_revocation_list(list));
    cms::SignOptions o;
    o.flavor = cms::Flavor::pkcs7;
    o.signed_attributes = true;
    o.signing_time = list.this_update;
    o.extra_certificates = chain;
    o.signature_algorithm = k_sm2_with_sm3;
    o.attach_content = true;
    o.content_type = k_seal_revocation_list_oid;
    o.sm2_id = std::string(sm2_id);
    return cms::sign(content, signer, sign, o);
}

Result<VerifiedRevocationList> verify_revocation_list(BytesView signed_der,
                                                      const std::vector<x509::Certificate>& trust_anchors, TimePoint at,
                                                      std::string_view sm2_id) {
    if (signed_der.size() > k_max_revocation_list_bytes) return bad("larger than 64 MiB");
    auto sd = cms::SignedData::parse(signed_der);
    if (!sd) return bad("not a SignedData", sd.error());
    if (sd->content_type() != k_seal_revocation_list_oid)
        return bad("content type " + sd->content_type().to_string() + " is not a seal revocation list");
    if (!sd->content()) return bad("no attached content");
    if (sd->signers().size() != 1) return bad("exactly one signer expected");
    cms::VerifyOptions vo;
    vo.sm2_id = std::string(sm2_id);
    auto checked = cms::verify(*sd, std::nullopt, vo);
    if (!checked) return bad("signature", checked.error());
    if (!checked->ok()) return bad("signature", checked->status().error());
    const cms::SignerVerification& sv = checked->signers.front();
    if (!sv.signer_certificate) return bad("signer certificate missing");
    const x509::Certificate& signer = *sv.signer_certificate;
    const auto& ku = signer.extensions().key_usage();
    if (!ku || !ku->has(x509::KeyUsageBit::digital_signature))
        return bad("the signer certificate lacks digitalSignature");
    std::vector<x509::Certificate> others;
    for (const auto& c : sd->certificates())
        if (c.der().size() != signer.der().size() || !std::equal(c.der().begin(), c.der().end(), signer.der().begin()))
            others.push_back(c);
    x509::PathOptions po;
    po.sm2_id = std::string(sm2_id);
    const x509::PathResult path = x509::validate_path(signer, others, trust_anchors, at, po);
    if (!path.ok()) return bad("signer certificate", path.status().error());
    auto list = decode_revocation_list(*sd->content());
    if (!list) return std::move(list).error();
    VerifiedRevocationList out{std::move(list).value(), signer, false};
    out.current = out.list.this_update <= at && at < out.list.next_update;
    return out;
}

Result<SealStatusInfo> RevocationListStatusSource::seal_status(std::string_view seal_code) {
    if (!valid_seal_code(seal_code))
        return make_error(Errc::seal_not_found, "'" + std::string(seal_code) + "' is not a seal code");
    SealStatusInfo info;
    info.seal_code = std::string(seal_code);
    auto it = std::find_if(m_list.entries.begin(), m_list.entries.end(),
                           [&](const RevokedSeal& e) { return e.seal_code == seal_code; });
    if (it == m_list.entries.end()) {
        info.status = SealStatus::valid;
        info.reason = "not on the revocation list of " + m_list.issuer;
        return info;
    }
    info.status = it->status;
    info.changed_at = it->date;
    info.reason = it->reason;
    return info;
}

}  // namespace yinxin::sealsys
