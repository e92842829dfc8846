#include "yinxin/cms/timestamp.h"

#include <algorithm>
#include <utility>

#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/asn1/writer.h"

namespace yinxin::cms {

namespace oids = asn1::oids;
namespace tags = asn1::tags;

namespace {

Error bad(std::string what) { return make_error(Errc::cms_bad_time_stamp, std::move(what)); }

// Any failure of `r` relabelled as cms.bad_time_stamp with what was being read.
template <class T>
Result<T> need(Result<T> r, std::string_view what) {
    if (r.ok()) return r;
    return bad(std::string(what) + ": " + r.error().message);
}

void write_digest_alg(asn1::Writer& w, crypto::DigestAlgorithm alg) {
    w.sequence([&](asn1::Writer& a) {
        a.oid(digest_oid(alg));
        a.null();  // what OpenSSL, BouncyCastle and GM producers write
    });
}

void write_imprint(asn1::Writer& w, const MessageImprint& m) {
    w.sequence([&](asn1::Writer& s) {
        write_digest_alg(s, m.algorithm);
        s.octet_string(m.hashed_message);
    });
}

Result<MessageImprint> read_imprint(asn1::Reader& r) {
    YX_ASSIGN_OR_RETURN(auto seq, need(r.read_sequence(), "messageImprint"));
    asn1::Reader s = seq.children();
    YX_ASSIGN_OR_RETURN(auto alg_el, need(s.read_sequence(), "messageImprint hashAlgorithm"));
    asn1::Reader a = alg_el.children();
    YX_ASSIGN_OR_RETURN(auto oid, need(a.read_oid(), "messageImprint hashAlgorithm"));
    const auto alg = digest_algorithm_of(oid);
    if (!alg) return make_error(Errc::cms_unsupported, "messageImprint hash " + asn1::oid_display(oid));
    YX_ASSIGN_OR_RETURN(auto hashed, need(s.read_octet_string(), "hashedMessage"));
    if (!s.at_end()) return bad("messageImprint: unexpected fields");
    if (hashed.size() != crypto::digest_size(*alg)) {
        return make_error(Errc::cms_unsupported, "hashedMessage of " + std::to_string(hashed.size()) + " bytes for " +
                                                     std::string(crypto::to_string(*alg)));
    }
    return MessageImprint{*alg, Bytes(hashed.begin(), hashed.end())};
}

Result<Bytes> read_integer_bytes(asn1::Reader& r, std::string_view what) {
    YX_ASSIGN_OR_RETURN(auto i, need(r.read_integer(), what));
    return Bytes(i.bytes().begin(), i.bytes().end());
}

bool equal_integer(BytesView a, BytesView b) {
    auto strip = [](BytesView v) {
        while (v.size() > 1 && v[0] == 0) v = v.subspan(1);
        return v;
    };
    const BytesView x = strip(a);
    const BytesView y = strip(b);
    return std::equal(x.begin(), x.end(), y.begin(), y.end());
}

// RFC 5035 ESSCertIDv2 / RFC 2634 ESSCertID: the first certificate identifier of a
// signingCertificate(V2) attribute value must be the signer's.
Status check_ess(const SignerInfo& si, const x509::Certificate& cert) {
    const Attribute* found = nullptr;
    bool v2 = false;
    for (const auto& a : si.signed_attrs) {
        if (a.type == oids::aa_signing_certificate_v2 || a.type == oids::aa_signing_certificate) {
            if (found != nullptr) return make_error(Errc::cms_bad_attribute, "more than one ESS signing certificate");
            found = &a;
            v2 = a.type == oids::aa_signing_certificate_v2;
        }
    }
    if (found == nullptr) {
        return make_error(Errc::cms_bad_attribute,
                          "no ESS signingCertificate(V2) attribute (RFC 3161 2.4.1 requires it)");
    }
    auto fail = [](const std::string& m) {
        return make_error(Errc::cms_bad_attribute, "ESS signing certificate: " + m);
    };
    auto values = asn1::read_single(found->values, asn1::ReaderOptions::ber());
    if (!values) return fail("does not parse");
    asn1::Reader vr = values->children();
    auto sc = vr.read_sequence();
    if (!sc) return fail("no SigningCertificate");
    asn1::Reader scr = sc->children();
    auto certs = scr.read_sequence();
    if (!certs) return fail("no certs");
    asn1::Reader cr = certs->children();
    auto id = cr.read_sequence();
    if (!id) return fail("no certificate identifier");
    asn1::Reader ir = id->children();
    crypto::DigestAlgorithm alg = v2 ? crypto::DigestAlgorithm::sha256 : crypto::DigestAlgorithm::sha1;
    if (v2 && ir.next_is(tags::sequence)) {
        auto ae = ir.read_sequence();
        if (!ae) return fail("hashAlgorithm");
        asn1::Reader ar = ae->children();
        auto oid = ar.read_oid();
        if (!oid) return fail("hashAlgorithm");
        auto a = digest_algorithm_of(*oid);
        if (!a) return fail("unsupported hash " + asn1::oid_display(*oid));
        alg = *a;
    }
    auto hash = ir.read_octet_string();
    if (!hash) return fail("certHash");
    YX_ASSIGN_OR_RETURN(Bytes expected, crypto::digest(alg, cert.der()));
    if (!std::equal(hash->begin(), hash->end(), expected.begin(), expected.end())) {
        return fail("certHash does not match the signer certificate");
    }
    return ok_status();
}

}  // namespace

Result<MessageImprint> MessageImprint::of(crypto::DigestAlgorithm algorithm, BytesView data) {
    YX_ASSIGN_OR_RETURN(Bytes d, crypto::digest(algorithm, data));
    return MessageImprint{algorithm, std::move(d)};
}

// ------------------------------------------------------------------------------------------------

Result<Bytes> TimeStampRequest::encode() const {
    asn1::Writer w;
    w.sequence([&](asn1::Writer& s) {
        s.integer(1);
        write_imprint(s, imprint);
        if (policy) s.oid(*policy);
        if (!nonce.empty()) s.primitive(tags::integer, nonce);
        if (cert_req) s.boolean(true);
    });
    return w.finish();
}

Result<TimeStampRequest> TimeStampRequest::parse(BytesView der) {
    YX_ASSIGN_OR_RETURN(auto top, need(asn1::read_single(der, asn1::ReaderOptions::ber()), "TimeStampReq"));
    if (top.tag() != tags::sequence) return bad("TimeStampReq is not a SEQUENCE");
    asn1::Reader r = top.children();
    YX_ASSIGN_OR_RETURN(auto version, need(r.read_int64(), "TimeStampReq version"));
    if (version != 1) return bad("TimeStampReq version " + std::to_string(version));
    TimeStampRequest req;
    YX_ASSIGN_OR_RETURN(req.imprint, read_imprint(r));
    if (r.next_is(tags::oid)) {
        YX_ASSIGN_OR_RETURN(auto p, need(r.read_oid(), "reqPolicy"));
        req.policy = p;
    }
    if (r.next_is(tags::integer)) {
        YX_ASSIGN_OR_RETURN(req.nonce, read_integer_bytes(r, "nonce"));
    }
    if (r.next_is(tags::boolean)) {
        YX_ASSIGN_OR_RETURN(req.cert_req, need(r.read_boolean(), "certReq"));
    }
    if (!r.at_end()) {
        YX_ASSIGN_OR_RETURN(auto ext, need(r.read_context_implicit(0), "extensions"));
        (void)ext;
        req.has_extensions = true;
    }
    if (!r.at_end()) return bad("TimeStampReq: unexpected fields");
    return req;
}

// ------------------------------------------------------------------------------------------------

Result<TstInfo> TstInfo::parse(BytesView der) {
    YX_ASSIGN_OR_RETURN(auto top, need(asn1::read_single(der, asn1::ReaderOptions::ber()), "TSTInfo"));
    if (top.tag() != tags::sequence) return bad("TSTInfo is not a SEQUENCE");
    asn1::Reader r = top.children();
    YX_ASSIGN_OR_RETURN(auto version, need(r.read_int64(), "TSTInfo version"));
    if (version != 1) return bad("TSTInfo version " + std::to_string(version));
    TstInfo t;
    YX_ASSIGN_OR_RETURN(t.policy, need(r.read_oid(), "TSTInfo policy"));
    YX_ASSIGN_OR_RETURN(t.imprint, read_imprint(r));
    YX_ASSIGN_OR_RETURN(t.serial, read_integer_bytes(r, "TSTInfo serialNumber"));
    YX_ASSIGN_OR_RETURN(auto gen, need(r.read(tags::generalized_time), "TSTInfo genTime"));
    YX_ASSIGN_OR_RETURN(t.gen_time, need(gen.as_time(), "TSTInfo genTime"));
    if (r.next_is(tags::sequence)) {
        YX_ASSIGN_OR_RETURN(auto acc, need(r.read_sequence(), "accuracy"));
        asn1::Reader a = acc.children();
        std::int64_t us = 0;
        if (a.next_is(tags::integer)) {
            YX_ASSIGN_OR_RETURN(auto s, need(a.read_int64(), "accuracy seconds"));
            us += s * 1'000'000;
        }
        YX_ASSIGN_OR_RETURN(auto ms, need(a.read_optional_context_implicit(0), "accuracy millis"));
        if (ms) {
            YX_ASSIGN_OR_RETURN(auto v, need(ms->as_int64(), "accuracy millis"));
            us += v * 1000;
        }
        YX_ASSIGN_OR_RETURN(auto mic, need(a.read_optional_context_implicit(1), "accuracy micros"));
        if (mic) {
            YX_ASSIGN_OR_RETURN(auto v, need(mic->as_int64(), "accuracy micros"));
            us += v;
        }
        if (us < 0) return bad("negative accuracy");
        t.accuracy = std::chrono::microseconds(us);
    }
    if (r.next_is(tags::boolean)) {
        YX_ASSIGN_OR_RETURN(t.ordering, need(r.read_boolean(), "ordering"));
    }
    if (r.next_is(tags::integer)) {
        YX_ASSIGN_OR_RETURN(t.nonce, read_integer_bytes(r, "nonce"));
    }
    // tsa [0] and extensions [1] are not used by the checks; they are read to reject trailing junk.
    YX_ASSIGN_OR_RETURN(auto tsa, need(r.read_optional_context_explicit(0), "tsa"));
    (void)tsa;
    YX_ASSIGN_OR_RETURN(auto ext, need(r.read_optional_context_implicit(1), "extensions"));
    (void)ext;
    if (!r.at_end()) return bad("TSTInfo: unexpected fields");
    return t;
}

Result<TimeStampToken> TimeStampToken::parse(BytesView der) {
    auto sd = SignedData::parse(der);
    if (!sd) return bad("not a time-stamp token: " + sd.error().message);
    if (sd->content_type() != oids::ct_tst_info) {
        return bad("the SignedData's content is " + asn1::oid_display(sd->content_type()) + ", not TSTInfo");
    }
    if (!sd->content()) return bad("the token does not carry its TSTInfo");
    YX_ASSIGN_OR_RETURN(TstInfo info, TstInfo::parse(*sd->content()));
    return TimeStampToken(std::move(sd).value(), std::move(info));
}

// ------------------------------------------------------------------------------------------------

Result<Bytes> TimeStampResponse::encode() const {
    asn1::Writer w;
    w.sequence([&](asn1::Writer& s) {
        s.sequence([&](asn1::Writer& st) {
            st.integer(static_cast<std::int64_t>(status));
            if (!status_text.empty()) st.sequence([&](asn1::Writer& t) { t.utf8_string(status_text); });
            if (failure_bits != 0) st.named_bit_string(failure_bits);
        });
        if (!token.empty()) s.raw(token);
    });
    return w.finish();
}

Result<TimeStampResponse> TimeStampResponse::parse(BytesView der) {
    YX_ASSIGN_OR_RETURN(auto top, need(asn1::read_single(der, asn1::ReaderOptions::ber()), "TimeStampResp"));
    if (top.tag() != tags::sequence) return bad("TimeStampResp is not a SEQUENCE");
    asn1::Reader r = top.children();
    YX_ASSIGN_OR_RETURN(auto status, need(r.read_sequence(), "PKIStatusInfo"));
    asn1::Reader sr = status.children();
    TimeStampResponse resp;
    YX_ASSIGN_OR_RETURN(auto code, need(sr.read_int64(), "PKIStatus"));
    if (code < 0 || code > 5) return bad("PKIStatus " + std::to_string(code));
    resp.status = static_cast<PkiStatus>(code);
    if (sr.next_is(tags::sequence)) {
        YX_ASSIGN_OR_RETURN(auto texts, need(sr.read_sequence(), "statusString"));
        asn1::Reader tr = texts.children();
        while (!tr.at_end()) {
            YX_ASSIGN_OR_RETURN(auto t, need(tr.read_string(), "statusString"));
            if (!resp.status_text.empty()) resp.status_text += "; ";
            resp.status_text += t;
        }
    }
    if (sr.next_is(tags::bit_string)) {
        YX_ASSIGN_OR_RETURN(auto bits, need(sr.read_bit_string(), "failInfo"));
        for (std::size_t i = 0; i < 32 && i < bits.bytes.size() * 8; ++i) {
            if (bits.bit(i)) resp.failure_bits |= std::uint32_t{1} << i;
        }
    }
    if (!r.at_end()) {
        YX_ASSIGN_OR_RETURN(auto tok, need(r.read_sequence(), "timeStampToken"));
        resp.token.assign(tok.raw().begin(), tok.raw().end());
    }
    if (!r.at_end()) return bad("TimeStampResp: unexpected fields");
    if (resp.granted() && resp.token.empty()) return bad("a granted TimeStampResp without a token");
    return resp;
}

// ------------------------------------------------------------------------------------------------

Result<TimeStampCheck> check_time_stamp_digest(const TimeStampToken& token, BytesView digest,
                                               const TimeStampCheckOptions& options) {
    const SignedData& sd = token.signed_data();
    if (sd.signers().size() != 1) {
        return bad("a time-stamp token has exactly one signer, this one " + std::to_string(sd.signers().size()));
    }
    VerifyOptions vo;
    vo.sm2_id = options.sm2_id;
    vo.extra_certificates = options.extra_certificates;
    YX_ASSIGN_OR_RETURN(VerifyResult vr, verify(sd, std::nullopt, vo));
    const SignerVerification& sv = vr.signers.front();
    if (!sv.ok()) return vr.status().error();
    const x509::Certificate& cert = *sv.signer_certificate;

    // RFC 3161 2.3: the TSA's certificate has one critical extendedKeyUsage, id-kp-timeStamping.
    const auto& eku = cert.extensions().ext_key_usage();
    const x509::Extension* eku_ext = cert.extensions().find(oids::ce_ext_key_usage);
    if (!eku || eku_ext == nullptr || !eku_ext->critical || eku->purposes.size() != 1 ||
        eku->purposes.front() != oids::kp_time_stamping) {
        return bad("the signer " + cert.subject().to_string() +
                   " is not a TSA: its extendedKeyUsage is not a critical id-kp-timeStamping only (RFC 3161 2.3)");
    }
    YX_TRY(check_ess(sd.signers().front(), cert));

    const TstInfo& info = token.info();
    if (!cert.valid_at(info.gen_time)) {
        return bad("the TSA certificate " + cert.subject().to_string() + " was not valid at the genTime");
    }
    if (!std::equal(digest.begin(), digest.end(), info.imprint.hashed_message.begin(),
                    info.imprint.hashed_message.end())) {
        return make_error(Errc::cms_time_stamp_mismatch, "the token's messageImprint is not the " +
                                                             std::string(crypto::to_string(info.imprint.algorithm)) +
                                                             " of the time-stamped data");
    }
    if (!options.nonce.empty() && !equal_integer(options.nonce, info.nonce)) {
        return make_error(Errc::cms_time_stamp_mismatch, "the token's nonce is not the request's");
    }
    return TimeStampCheck{info.gen_time, cert, info};
}

Result<TimeStampCheck> check_time_stamp(const TimeStampToken& token, BytesView data,
                                        const TimeStampCheckOptions& options) {
    YX_ASSIGN_OR_RETURN(Bytes d, crypto::digest(token.info().imprint.algorithm, data));
    return check_time_stamp_digest(token, d, options);
}

// ------------------------------------------------------------------------------------------------

namespace {

TsaOutcome refuse(PkiFailure failure, std::string text, std::string detail) {
    TimeStampResponse resp;
    resp.status = PkiStatus::rejection;
    resp.status_text = std::move(text);
    resp.failure_bits = std::uint32_t{1} << static_cast<unsigned>(failure);
    TsaOutcome out;
    out.status = PkiStatus::rejection;
    out.detail = std::move(detail);
    auto der = resp.encode();
    if (der) out.response = std::move(der).value();
    return out;
}

// RFC 5035 signingCertificateV2 with the certificate's SM3 hash and its issuer and serial.
Result<Bytes> signing_certificate_v2(const x509::Certificate& cert) {
    YX_ASSIGN_OR_RETURN(Bytes hash, crypto::digest(crypto::DigestAlgorithm::sm3, cert.der()));
    asn1::Writer w;
    w.sequence([&](asn1::Writer& sc) {
        sc.sequence([&](asn1::Writer& certs) {
            certs.sequence([&](asn1::Writer& id) {
                write_digest_alg(id, crypto::DigestAlgorithm::sm3);
                id.octet_string(hash);
                id.sequence([&](asn1::Writer& is) {
                    is.sequence([&](asn1::Writer& names) {
                        names.constructed(asn1::Tag::context(4, true),
                                          [&](asn1::Writer& n) { n.raw(cert.issuer().der()); });
                    });
                    is.primitive(tags::integer, cert.serial());
                });
            });
        });
    });
    return w.finish();
}

}  // namespace

TsaOutcome respond_time_stamp(BytesView request_der, const TsaConfig& config, TimePoint now, BytesView serial) {
    auto req = TimeStampRequest::parse(request_der);
    if (!req) {
        const bool alg = req.code() == Errc::cms_unsupported;
        return refuse(alg ? PkiFailure::bad_alg : PkiFailure::bad_data_format,
                      alg ? "unsupported hash algorithm" : "malformed request", req.error().to_string());
    }
    if (std::find(config.accepted_digests.begin(), config.accepted_digests.end(), req->imprint.algorithm) ==
        config.accepted_digests.end()) {
        return refuse(PkiFailure::bad_alg, "unsupported hash algorithm",
                      std::string(crypto::to_string(req->imprint.algorithm)) + " is not accepted");
    }
    if (req->policy && *req->policy != config.policy) {
        return refuse(PkiFailure::unaccepted_policy, "unaccepted policy",
                      "policy " + req->policy->to_string() + " requested");
    }
    if (req->has_extensions) return refuse(PkiFailure::unaccepted_extension, "unaccepted extension", "extensions");

    asn1::Writer tw;
    tw.sequence([&](asn1::Writer& t) {
        t.integer(1);
        t.oid(config.policy);
        write_imprint(t, req->imprint);
        t.integer_unsigned(serial);
        t.generalized_time(now, true);
        const auto ms = config.accuracy.count();
        if (ms > 0) {
            t.sequence([&](asn1::Writer& a) {
                if (ms / 1000 > 0) a.integer(ms / 1000);
                if (const auto m = ms % 1000; m > 0) {
                    // millis [0] IMPLICIT INTEGER (1..999): minimal two's complement content.
                    Bytes v;
                    if (m >= 128) v.push_back(static_cast<std::uint8_t>(m >> 8));
                    v.push_back(static_cast<std::uint8_t>(m & 0xff));
                    a.primitive(asn1::Tag::context(0), v);
                }
            });
        }
        if (!req->nonce.empty()) t.primitive(tags::integer, req->nonce);
    });
    auto tst = tw.finish();
    if (!tst) return refuse(PkiFailure::system_failure, "system failure", tst.error().to_string());
    auto ess = signing_certificate_v2(config.certificate);
    if (!ess) return refuse(PkiFailure::system_failure, "system failure", ess.error().to_string());

    SignOptions so;
    so.flavor = Flavor::pkcs7;
    so.content_type = oids::ct_tst_info;
    so.attach_content = true;
    so.signing_time = now;
    so.signature_algorithm = oids::sm2_with_sm3;
    so.include_signer_certificate = req->cert_req;
    if (req->cert_req) so.extra_certificates = config.chain;
    so.extra_signed_attributes.emplace_back(oids::aa_signing_certificate_v2, std::move(ess).value());
    so.sm2_id = config.sm2_id;
    auto token = sign(*tst, config.certificate, config.sign, so);
    if (!token) return refuse(PkiFailure::system_failure, "system failure", token.error().to_string());

    TimeStampResponse resp;
    resp.status = PkiStatus::granted;
    resp.token = std::move(token).value();
    auto der = resp.encode();
    if (!der) return refuse(PkiFailure::system_failure, "system failure", der.error().to_string());
    return TsaOutcome{std::move(der).value(), PkiStatus::granted, {}};
}

}  // namespace yinxin::cms
