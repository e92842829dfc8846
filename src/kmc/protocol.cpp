#include "yinxin/kmc/protocol.h"

#include <algorithm>
#include <string>
#include <utility>

#include "internal.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/crypto/sm2_cipher.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/crypto/sm4.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::kmc {

namespace oids = asn1::oids;
namespace tags = asn1::tags;
using asn1::Element;
using asn1::Reader;
using asn1::Writer;

namespace {

Error bad(const std::string& what) { return make_error(Errc::kmc_bad_message, what); }

// A lower-layer parse error (asn1.*, x509.*) becomes kmc.bad_message naming the structure.
template <class T>
Result<T> relabel(Result<T> r, const std::string& what) {
    if (r.ok() || r.code() == Errc::kmc_bad_message) return r;
    return bad(what + ": " + r.error().to_string());
}

void write_alg(Writer& w, const asn1::Oid& oid) {
    w.sequence([&](Writer& a) { a.oid(oid).null(); });
}

void write_ent_name(Writer& w, const EntName& e) {
    w.sequence([&](Writer& s) {
        write_alg(s, oids::sm3);
        s.context_explicit(4, [&](Writer& g) { g.raw(e.name.der()); });  // GeneralName directoryName
        s.octet_string(e.public_key_hash);
        s.integer_unsigned(e.serial);
    });
}

Result<Bytes> magnitude_of(const Element& e) {
    YX_ASSIGN_OR_RETURN(asn1::Integer i, e.as_integer());
    YX_ASSIGN_OR_RETURN(BytesView m, i.magnitude());
    return Bytes(m.begin(), m.end());
}
Result<Bytes> read_magnitude(Reader& r) {
    YX_ASSIGN_OR_RETURN(Element e, r.read(tags::integer));
    return magnitude_of(e);
}
Result<std::int64_t> read_task_no(Reader& r) {
    YX_ASSIGN_OR_RETURN(std::int64_t n, r.read_int64());
    if (n < 0) return bad("taskNO is negative");
    return n;
}
Result<asn1::Oid> read_alg(Reader& r) {
    YX_ASSIGN_OR_RETURN(Element e, r.read_sequence());
    return read_algorithm(e);
}
// OCTET STRING in either form (BER allows a constructed one).
Result<Bytes> read_octets(Reader& r) {
    YX_ASSIGN_OR_RETURN(Element e, r.read());
    if (!e.tag().same_type(tags::octet_string)) return bad("expected an OCTET STRING, found " + e.tag().to_string());
    return e.octet_string_bytes();
}
Result<TimePoint> read_gtime(Reader& r) {
    YX_ASSIGN_OR_RETURN(asn1::UnixTime t, r.read_generalized_time());
    return asn1::to_time_point(t);
}
Result<Bytes> read_spki(Reader& r) {
    YX_ASSIGN_OR_RETURN(Element e, r.read_sequence());
    YX_ASSIGN_OR_RETURN(x509::SubjectPublicKeyInfo spki, x509::SubjectPublicKeyInfo::from_element(e));
    if (!spki.is_sm2()) return bad("the public key is not an SM2 key");
    return Bytes(e.raw().begin(), e.raw().end());
}

Result<EntName> read_ent_name(Reader& r) {
    YX_ASSIGN_OR_RETURN(Element e, r.read_sequence());
    Reader s = e.children();
    EntName out;
    YX_ASSIGN_OR_RETURN(asn1::Oid hash, read_alg(s));
    if (hash != oids::sm3 && hash != oids::sm3_without_key) return bad("EntName hashAlgorithm is not SM3");
    YX_ASSIGN_OR_RETURN(Element dn, s.read_context_explicit(4));
    YX_ASSIGN_OR_RETURN(out.name, x509::Name::from_element(dn));
    YX_ASSIGN_OR_RETURN(BytesView h, s.read_octet_string());
    if (h.size() != 32) return bad("EntName entPubKeyHash is not an SM3 digest");
    out.public_key_hash.assign(h.begin(), h.end());
    YX_ASSIGN_OR_RETURN(out.serial, read_magnitude(s));
    YX_TRY(s.expect_end());
    return out;
}

// [n] of a CHOICE: IMPLICIT (the content is the alternative's content) or, from a producer that
// wrote it EXPLICIT, exactly one SEQUENCE inside.
Reader choice_body(const Element& e) {
    Reader inner = e.children();
    auto first = inner.read();
    if (first && first->is(tags::sequence) && inner.at_end()) return first->children();
    return e.children();
}

Status write_signed(Writer& w, BytesView tbs, const SignFunction& sign) {
    YX_ASSIGN_OR_RETURN(Bytes sig, sign(tbs));
    w.sequence([&](Writer& s) {
        s.raw(tbs);
        s.sequence([&](Writer& a) { a.oid(oids::sm2_with_sm3); });
        s.octet_string(sig);
    });
    return ok_status();
}

Status verify_signed(const EntName& claimed, BytesView tbs, const asn1::Oid& alg, BytesView signature,
                     const x509::Certificate& signer, std::string_view sm2_id, const char* what) {
    if (!claimed.names(signer))
        return make_error(Errc::kmc_bad_signature,
                          std::string(what) + " names another signer than " + signer.subject().to_string());
    if (alg != oids::sm2_with_sm3 && alg != oids::sm2_sign)
        return make_error(Errc::kmc_bad_signature,
                          std::string(what) + " signature algorithm " + alg.to_string() + " is not SM2-with-SM3");
    auto key = signer.public_key_info().sm2_public_key();
    if (!key) return make_error(Errc::kmc_bad_signature, std::string(what) + ": the signer has no SM2 key");
    auto ok = crypto::sm2_verify(*key, tbs, signature, sm2_id);
    if (!ok)
        return make_error(Errc::kmc_bad_signature, std::string(what) + " signature does not verify with " +
                                                       signer.subject().to_string() + ": " + ok.error().message);
    return ok_status();
}

}  // namespace

EntName EntName::of(const x509::Certificate& cert) {
    EntName e;
    e.name = cert.subject();
    const auto h = crypto::sm3(cert.public_key_info().der());
    e.public_key_hash.assign(h.begin(), h.end());
    const std::string hex = magnitude_hex(cert.serial());
    e.serial = hex_decode(hex).value_or(Bytes{});
    return e;
}

bool EntName::names(const x509::Certificate& cert) const {
    const auto h = crypto::sm3(cert.public_key_info().der());
    return name == cert.subject() && constant_time_equal(public_key_hash, h) &&
           magnitude_hex(serial) == magnitude_hex(cert.serial());
}

// ---- KSRequest ----------------------------------------------------------------------------------

Result<Bytes> encode_ks_request(const KsRequest& q) {
    if (q.task_no < 0) return bad("taskNO must not be negative");
    if (q.requests.empty() || q.requests.size() > k_max_requests_per_task)
        return bad("a KSRequest carries 1.." + std::to_string(k_max_requests_per_task) + " requests");
    Writer w;
    w.sequence([&](Writer& s) {
        s.integer(q.version);
        write_ent_name(s, q.ca_name);
        s.sequence([&](Writer& list) {
            for (const Request& r : q.requests) {
                if (const auto* a = std::get_if<ApplyKeyReq>(&r)) {
                    list.context_implicit(0, [&](Writer& x) {
                        x.sequence([&](Writer& b) {
                            write_alg(b, a->app_key_type);
                            b.integer(a->app_key_len);
                            write_alg(b, a->ret_asym_alg);
                            write_alg(b, a->ret_sym_alg);
                            write_alg(b, a->ret_hash_alg);
                            b.sequence([&](Writer& u) {
                                u.integer_unsigned(a->user.user_cert_no);
                                u.raw(a->user.user_public_key);
                                u.generalized_time(a->user.not_before);
                                u.generalized_time(a->user.not_after);
                                u.octet_string(as_bytes(a->user.user_name));
                                if (a->user.ds_code) u.octet_string(*a->user.ds_code);
                                if (a->user.extend_info) u.octet_string(*a->user.extend_info);
                            });
                        });
                    });
                } else if (const auto* rs = std::get_if<RestoreKeyReq>(&r)) {
                    list.context_implicit(1, [&](Writer& x) {
                        x.sequence([&](Writer& b) {
                            write_alg(b, rs->ret_asym_alg);
                            write_alg(b, rs->ret_sym_alg);
                            write_alg(b, rs->ret_hash_alg);
                            b.integer_unsigned(rs->user_cert_no);
                            b.raw(rs->user_public_key);
                        });
                    });
                } else {
                    const auto& rv = std::get<RevokeKeyReq>(r);
                    list.context_implicit(
                        2, [&](Writer& x) { x.sequence([&](Writer& b) { b.integer_unsigned(rv.user_cert_no); }); });
                }
            }
        });
        s.generalized_time(q.request_time);
        s.integer(q.task_no);
    });
    return relabel(w.finish(), "KSRequest");
}

Result<Bytes> sign_ca_request(const KsRequest& request, const SignFunction& sign) {
    YX_ASSIGN_OR_RETURN(Bytes tbs, encode_ks_request(request));
    Writer w;
    YX_TRY(write_signed(w, tbs, sign));
    return relabel(w.finish(), "CARequest");
}

namespace {

Result<Request> read_request(const Element& e) {
    if (e.tag().tag_class != asn1::TagClass::context || !e.tag().constructed)
        return bad("Request is not a [0]/[1]/[2] choice");
    Reader b = choice_body(e);
    switch (e.tag().number) {
        case 0: {
            ApplyKeyReq a;
            YX_ASSIGN_OR_RETURN(a.app_key_type, read_alg(b));
            YX_ASSIGN_OR_RETURN(a.app_key_len, b.read_int64());
            YX_ASSIGN_OR_RETURN(a.ret_asym_alg, read_alg(b));
            YX_ASSIGN_OR_RETURN(a.ret_sym_alg, read_alg(b));
            YX_ASSIGN_OR_RETURN(a.ret_hash_alg, read_alg(b));
            YX_ASSIGN_OR_RETURN(Element info, b.read_sequence());
            YX_TRY(b.expect_end());
            Reader u = info.children();
            YX_ASSIGN_OR_RETURN(a.user.user_cert_no, read_magnitude(u));
            YX_ASSIGN_OR_RETURN(a.user.user_public_key, read_spki(u));
            YX_ASSIGN_OR_RETURN(a.user.not_before, read_gtime(u));
            YX_ASSIGN_OR_RETURN(a.user.not_after, read_gtime(u));
            YX_ASSIGN_OR_RETURN(Bytes name, read_octets(u));
            a.user.user_name = to_string(name);
            if (!u.at_end()) {
                YX_ASSIGN_OR_RETURN(BytesView ds, u.read_octet_string());
                a.user.ds_code = Bytes(ds.begin(), ds.end());
            }
            if (!u.at_end()) {
                YX_ASSIGN_OR_RETURN(BytesView ext, u.read_octet_string());
                a.user.extend_info = Bytes(ext.begin(), ext.end());
            }
            YX_TRY(u.expect_end());
            return Request{std::move(a)};
        }
        case 1: {
            RestoreKeyReq r;
            YX_ASSIGN_OR_RETURN(r.ret_asym_alg, read_alg(b));
            YX_ASSIGN_OR_RETURN(r.ret_sym_alg, read_alg(b));
            YX_ASSIGN_OR_RETURN(r.ret_hash_alg, read_alg(b));
            YX_ASSIGN_OR_RETURN(r.user_cert_no, read_magnitude(b));
            YX_ASSIGN_OR_RETURN(r.user_public_key, read_spki(b));
            YX_TRY(b.expect_end());
            return Request{std::move(r)};
        }
        case 2: {
            RevokeKeyReq r;
            YX_ASSIGN_OR_RETURN(r.user_cert_no, read_magnitude(b));
            YX_TRY(b.expect_end());
            return Request{std::move(r)};
        }
        default: return bad("Request choice [" + std::to_string(e.tag().number) + "] is unknown");
    }
}

}  // namespace

Result<CaRequest> parse_ca_request(BytesView der) {
    if (der.size() > k_max_message_size) return bad("CARequest larger than 4 MiB");
    auto r = [&]() -> Result<CaRequest> {
        YX_ASSIGN_OR_RETURN(Element top, asn1::read_single(der, asn1::ReaderOptions::ber()));
        if (!top.is(tags::sequence)) return bad("CARequest is not a SEQUENCE");
        Reader t = top.children();
        CaRequest out;
        YX_ASSIGN_OR_RETURN(Element ks, t.read_sequence());
        out.ks_request_der.assign(ks.raw().begin(), ks.raw().end());
        YX_ASSIGN_OR_RETURN(out.signature_algorithm, read_alg(t));
        YX_ASSIGN_OR_RETURN(BytesView sig, t.read_octet_string());
        out.signature.assign(sig.begin(), sig.end());
        YX_TRY(t.expect_end());
        Reader k = ks.children();
        KsRequest& q = out.ks_request;
        YX_ASSIGN_OR_RETURN(q.version, k.read_int64());
        if (q.version != 1) return bad("KSRequest version " + std::to_string(q.version) + " is not 1");
        YX_ASSIGN_OR_RETURN(q.ca_name, read_ent_name(k));
        YX_ASSIGN_OR_RETURN(Element list, k.read_sequence());
        Reader l = list.children();
        while (!l.at_end()) {
            if (q.requests.size() >= k_max_requests_per_task) return bad("too many requests in one KSRequest");
            YX_ASSIGN_OR_RETURN(Element e, l.read());
            YX_ASSIGN_OR_RETURN(Request req, read_request(e));
            q.requests.push_back(std::move(req));
        }
        if (q.requests.empty()) return bad("KSRequest with an empty requestList");
        YX_ASSIGN_OR_RETURN(q.request_time, read_gtime(k));
        YX_ASSIGN_OR_RETURN(q.task_no, read_task_no(k));
        YX_TRY(k.expect_end());
        return out;
    }();
    return relabel(std::move(r), "CARequest");
}

Status verify_ca_request(const CaRequest& request, const x509::Certificate& signer, std::string_view sm2_id) {
    return verify_signed(request.ks_request.ca_name, request.ks_request_der, request.signature_algorithm,
                         request.signature, signer, sm2_id, "CARequest");
}

// ---- KSRespond ----------------------------------------------------------------------------------

Result<Bytes> encode_ks_respond(const KsRespond& p) {
    if (p.task_no < 0) return bad("taskNO must not be negative");
    Writer w;
    w.sequence([&](Writer& s) {
        s.integer(p.version);
        write_ent_name(s, p.km_name);
        s.sequence([&](Writer& list) {
            for (const Respond& r : p.responds) {
                const std::uint32_t tag = static_cast<std::uint32_t>(r.kind);
                list.context_implicit(tag, [&](Writer& x) {
                    x.sequence([&](Writer& b) {
                        if (r.kind == RespondKind::apply || r.kind == RespondKind::restore) {
                            b.integer_unsigned(r.key.user_cert_no);
                            b.raw(r.key.ret_public_key);
                            b.raw(r.key.ret_pri_key);
                        } else if (r.kind == RespondKind::revoke) {
                            b.integer_unsigned(r.revoke.user_cert_no);
                        } else {
                            const auto& e = r.error;
                            b.integer(e.err_no);
                            if (!e.err_desc.empty()) b.octet_string(as_bytes(e.err_desc));
                        }
                    });
                });
            }
        });
        s.generalized_time(p.respond_time);
        s.integer(p.task_no);
    });
    return relabel(w.finish(), "KSRespond");
}

Result<Bytes> sign_km_respond(const KsRespond& respond, const SignFunction& sign) {
    YX_ASSIGN_OR_RETURN(Bytes tbs, encode_ks_respond(respond));
    Writer w;
    YX_TRY(write_signed(w, tbs, sign));
    return relabel(w.finish(), "KMRespond");
}

Result<KmRespond> parse_km_respond(BytesView der) {
    if (der.size() > k_max_message_size) return bad("KMRespond larger than 4 MiB");
    auto r = [&]() -> Result<KmRespond> {
        YX_ASSIGN_OR_RETURN(Element top, asn1::read_single(der, asn1::ReaderOptions::ber()));
        if (!top.is(tags::sequence)) return bad("KMRespond is not a SEQUENCE");
        Reader t = top.children();
        KmRespond out;
        YX_ASSIGN_OR_RETURN(Element ks, t.read_sequence());
        out.ks_respond_der.assign(ks.raw().begin(), ks.raw().end());
        YX_ASSIGN_OR_RETURN(out.signature_algorithm, read_alg(t));
        YX_ASSIGN_OR_RETURN(BytesView sig, t.read_octet_string());
        out.signature.assign(sig.begin(), sig.end());
        YX_TRY(t.expect_end());
        Reader k = ks.children();
        KsRespond& p = out.ks_respond;
        YX_ASSIGN_OR_RETURN(p.version, k.read_int64());
        if (p.version != 1) return bad("KSRespond version " + std::to_string(p.version) + " is not 1");
        YX_ASSIGN_OR_RETURN(p.km_name, read_ent_name(k));
        YX_ASSIGN_OR_RETURN(Element list, k.read_sequence());
        Reader l = list.children();
        while (!l.at_end()) {
            if (p.responds.size() >= k_max_requests_per_task) return bad("too many responds in one KSRespond");
            YX_ASSIGN_OR_RETURN(Element e, l.read());
            if (e.tag().tag_class != asn1::TagClass::context || !e.tag().constructed || e.tag().number > 3)
                return bad("Respond is not a [0]..[3] choice");
            Reader b = choice_body(e);
            Respond resp;
            resp.kind = static_cast<RespondKind>(e.tag().number);
            if (resp.kind == RespondKind::apply || resp.kind == RespondKind::restore) {
                YX_ASSIGN_OR_RETURN(resp.key.user_cert_no, read_magnitude(b));
                YX_ASSIGN_OR_RETURN(resp.key.ret_public_key, read_spki(b));
                YX_ASSIGN_OR_RETURN(Element sed, b.read_sequence());
                resp.key.ret_pri_key.assign(sed.raw().begin(), sed.raw().end());
            } else if (resp.kind == RespondKind::revoke) {
                YX_ASSIGN_OR_RETURN(resp.revoke.user_cert_no, read_magnitude(b));
            } else {
                YX_ASSIGN_OR_RETURN(resp.error.err_no, b.read_int64());
                if (!b.at_end()) {
                    YX_ASSIGN_OR_RETURN(Bytes text, read_octets(b));
                    resp.error.err_desc = to_string(text);
                }
            }
            YX_TRY(b.expect_end());
            p.responds.push_back(std::move(resp));
        }
        YX_ASSIGN_OR_RETURN(p.respond_time, read_gtime(k));
        YX_ASSIGN_OR_RETURN(p.task_no, read_task_no(k));
        YX_TRY(k.expect_end());
        return out;
    }();
    return relabel(std::move(r), "KMRespond");
}

Status verify_km_respond(const KmRespond& respond, const x509::Certificate& signer, std::string_view sm2_id) {
    return verify_signed(respond.ks_respond.km_name, respond.ks_respond_der, respond.signature_algorithm,
                         respond.signature, signer, sm2_id, "KMRespond");
}

// ---- SignedAndEnvelopedData ---------------------------------------------------------------------

namespace {

void write_issuer_and_serial(Writer& w, const x509::Name& issuer, BytesView serial) {
    w.sequence([&](Writer& s) {
        s.raw(issuer.der());
        s.integer_unsigned(serial);
    });
}

Status read_issuer_and_serial(Reader& r, x509::Name& issuer, Bytes& serial) {
    YX_ASSIGN_OR_RETURN(Element ias, r.read_sequence());
    Reader s = ias.children();
    YX_ASSIGN_OR_RETURN(Element name, s.read_sequence());
    YX_ASSIGN_OR_RETURN(issuer, x509::Name::from_element(name));
    YX_ASSIGN_OR_RETURN(serial, read_magnitude(s));
    return s.expect_end();
}

Status check_version(Reader& r, const char* what) {
    YX_ASSIGN_OR_RETURN(std::int64_t v, r.read_int64());
    if (v != 0 && v != 1) return bad(std::string(what) + " version " + std::to_string(v) + " is not 0 or 1");
    return ok_status();
}

}  // namespace

Result<Bytes> make_signed_and_enveloped_key(BytesView scalar, const crypto::Sm2PublicKey& public_key,
                                            const EnvelopeRecipient& recipient,
                                            const x509::Certificate& kmc_certificate, const SignFunction& sign,
                                            Rng& rng) {
    if (scalar.size() != k_sm2_scalar_len)
        return make_error(Errc::kmc_envelope_invalid, "the private key must be a 32-byte scalar");
    {
        auto check = crypto::Sm2PrivateKey::from_scalar(scalar);
        if (!check || check->public_key().point() != public_key.point())
            return make_error(Errc::kmc_envelope_invalid, "the scalar is not the private half of the public key");
    }
    SecretBytes sym(crypto::k_sm4_key_len);
    YX_TRY(rng.fill(sym));
    YX_ASSIGN_OR_RETURN(Bytes content, crypto::sm4_ecb_encrypt(sym, scalar, crypto::Padding::none));
    YX_ASSIGN_OR_RETURN(Bytes wrapped, crypto::sm2_encrypt(recipient.public_key, sym, crypto::Sm2CipherFormat::asn1));
    // GM/T 0010: the signature covers the content itself (no authenticated attributes in this type).
    YX_ASSIGN_OR_RETURN(Bytes sig, sign(scalar));
    {
        auto kmc_key = kmc_certificate.public_key_info().sm2_public_key();
        if (!kmc_key || !crypto::sm2_verify(*kmc_key, scalar, sig))
            return make_error(Errc::kmc_bad_signature, "the KMC signature does not verify with the KMC certificate");
    }
    const std::string serial_hex = magnitude_hex(kmc_certificate.serial());
    YX_ASSIGN_OR_RETURN(Bytes kmc_serial, hex_decode(serial_hex));
    Writer w;
    w.sequence([&](Writer& s) {
        s.integer(1);
        s.set_of([&](Writer& ris) {
            ris.sequence([&](Writer& ri) {
                ri.integer(1);
                write_issuer_and_serial(ri, recipient.issuer, recipient.serial);
                write_alg(ri, oids::sm2_encrypt);
                ri.octet_string(wrapped);
            });
        });
        s.set_of([&](Writer& d) { write_alg(d, oids::sm3); });
        s.sequence([&](Writer& eci) {
            eci.oid(oids::gm_data);
            write_alg(eci, oids::sm4_ecb);
            eci.primitive(asn1::Tag::context(0), content);
        });
        s.context_implicit(0, [&](Writer& c) { c.set_of([&](Writer& set) { set.raw(kmc_certificate.der()); }); });
        s.set_of([&](Writer& sis) {
            sis.sequence([&](Writer& si) {
                si.integer(1);
                write_issuer_and_serial(si, kmc_certificate.issuer(), kmc_serial);
                write_alg(si, oids::sm3);
                write_alg(si, oids::sm2_sign);
                si.octet_string(sig);
            });
        });
    });
    return relabel(w.finish(), "SignedAndEnvelopedData");
}

Result<SignedAndEnvelopedKey> parse_signed_and_enveloped_key(BytesView der) {
    auto r = [&]() -> Result<SignedAndEnvelopedKey> {
        YX_ASSIGN_OR_RETURN(Element top, asn1::read_single(der, asn1::ReaderOptions::ber()));
        if (!top.is(tags::sequence)) return bad("not a SEQUENCE");
        Element sed = top;
        {
            Reader probe = top.children();
            if (probe.next_is(tags::oid)) {  // ContentInfo wrapper
                YX_ASSIGN_OR_RETURN(asn1::Oid type, probe.read_oid());
                if (type != oids::gm_signed_and_enveloped_data && type != oids::pkcs7_signed_and_enveloped_data)
                    return bad("content type " + type.to_string() + " is not SignedAndEnvelopedData");
                YX_ASSIGN_OR_RETURN(sed, probe.read_context_explicit(0));
                YX_TRY(probe.expect_end());
                if (!sed.is(tags::sequence)) return bad("content is not a SEQUENCE");
            }
        }
        SignedAndEnvelopedKey out;
        Reader s = sed.children();
        YX_TRY(check_version(s, "SignedAndEnvelopedData"));
        YX_ASSIGN_OR_RETURN(Element ris, s.read_set());
        {
            Reader rr = ris.children();
            YX_ASSIGN_OR_RETURN(Element ri, rr.read_sequence());
            if (!rr.at_end()) return bad("more than one RecipientInfo");
            Reader i = ri.children();
            YX_TRY(check_version(i, "RecipientInfo"));
            YX_TRY(read_issuer_and_serial(i, out.recipient_issuer, out.recipient_serial));
            YX_ASSIGN_OR_RETURN(out.key_encryption_algorithm, read_alg(i));
            YX_ASSIGN_OR_RETURN(BytesView ek, i.read_octet_string());
            out.encrypted_key.assign(ek.begin(), ek.end());
            YX_TRY(i.expect_end());
        }
        YX_ASSIGN_OR_RETURN(Element digests, s.read_set());
        (void)digests;
        YX_ASSIGN_OR_RETURN(Element eci, s.read_sequence());
        {
            Reader e = eci.children();
            YX_ASSIGN_OR_RETURN(out.content_type, e.read_oid());
            YX_ASSIGN_OR_RETURN(out.content_encryption_algorithm, read_alg(e));
            YX_ASSIGN_OR_RETURN(Element content, e.read_context_implicit(0));
            YX_ASSIGN_OR_RETURN(out.encrypted_content, content.octet_string_bytes());
            YX_TRY(e.expect_end());
        }
        YX_ASSIGN_OR_RETURN(auto certs, s.read_optional(asn1::Tag::context(0, true)));
        if (certs) {
            Reader c = certs->children();
            while (!c.at_end()) {
                YX_ASSIGN_OR_RETURN(Element cert, c.read_sequence());
                YX_ASSIGN_OR_RETURN(x509::Certificate parsed, x509::Certificate::parse(cert.raw()));
                out.certificates.push_back(std::move(parsed));
            }
        }
        YX_ASSIGN_OR_RETURN(auto crls, s.read_optional(asn1::Tag::context(1, true)));
        (void)crls;
        YX_ASSIGN_OR_RETURN(Element sis, s.read_set());
        {
            Reader sr = sis.children();
            YX_ASSIGN_OR_RETURN(Element si, sr.read_sequence());
            if (!sr.at_end()) return bad("more than one SignerInfo");
            Reader i = si.children();
            YX_TRY(check_version(i, "SignerInfo"));
            YX_TRY(read_issuer_and_serial(i, out.signer_issuer, out.signer_serial));
            YX_ASSIGN_OR_RETURN(asn1::Oid digest, read_alg(i));
            if (digest != oids::sm3) return bad("SignerInfo digest algorithm is not SM3");
            if (i.next_is(asn1::Tag::context(0, true)))
                return bad("SignedAndEnvelopedData has no authenticated attributes");
            YX_ASSIGN_OR_RETURN(asn1::Oid sig_alg, read_alg(i));
            if (sig_alg != oids::sm2_sign && sig_alg != oids::sm2_with_sm3 && sig_alg != oids::sm2)
                return bad("SignerInfo signature algorithm is not SM2");
            YX_ASSIGN_OR_RETURN(BytesView sig, i.read_octet_string());
            out.signature.assign(sig.begin(), sig.end());
            YX_TRY(i.expect_end());
        }
        YX_TRY(s.expect_end());
        if (out.key_encryption_algorithm != oids::sm2_encrypt && out.key_encryption_algorithm != oids::sm2)
            return bad("keyEncryptionAlgorithm " + out.key_encryption_algorithm.to_string() + " is not SM2 encryption");
        if (out.content_encryption_algorithm != oids::sm4_ecb && out.content_encryption_algorithm != oids::sm4)
            return bad("contentEncryptionAlgorithm " + out.content_encryption_algorithm.to_string() +
                       " is not SM4-ECB");
        if (out.encrypted_content.size() != k_sm2_scalar_len)
            return bad("encryptedContent is not the 32-byte SM4-ECB of a scalar");
        auto cipher =
            crypto::sm2_cipher_convert(out.encrypted_key, crypto::Sm2CipherFormat::asn1, crypto::Sm2CipherFormat::asn1);
        if (!cipher) return bad("encryptedKey is not a GM/T 0009 SM2Cipher: " + cipher.error().message);
        return out;
    }();
    return relabel(std::move(r), "SignedAndEnvelopedData");
}

Result<crypto::Sm2PrivateKey> open_signed_and_enveloped_key(BytesView der, const crypto::Sm2PublicKey& public_key,
                                                            const DecryptFunction& decrypt,
                                                            const x509::Certificate& kmc_certificate,
                                                            std::string_view sm2_id) {
    YX_ASSIGN_OR_RETURN(SignedAndEnvelopedKey sed, parse_signed_and_enveloped_key(der));
    if (!(sed.signer_issuer == kmc_certificate.issuer()) ||
        magnitude_hex(sed.signer_serial) != magnitude_hex(kmc_certificate.serial()))
        return make_error(Errc::kmc_bad_signature, "SignedAndEnvelopedData is not signed by the KMC certificate");
    YX_ASSIGN_OR_RETURN(crypto::Sm2PrivateKey key,
                        open_parts(sed.encrypted_key, sed.encrypted_content, public_key.point(), decrypt));
    auto kmc_key = kmc_certificate.public_key_info().sm2_public_key();
    if (!kmc_key) return make_error(Errc::kmc_bad_signature, "the KMC certificate has no SM2 key");
    const SecretBytes d = key.scalar();
    auto ok = crypto::sm2_verify(*kmc_key, d, sed.signature, sm2_id);
    if (!ok) return make_error(Errc::kmc_bad_signature, "the KMC signature over the key does not verify");
    return key;
}

Result<Bytes> repackage_as_enveloped_key(const RetKeyRespond& respond) {
    YX_ASSIGN_OR_RETURN(SignedAndEnvelopedKey sed, parse_signed_and_enveloped_key(respond.ret_pri_key));
    auto pub = crypto::Sm2PublicKey::from_spki_der(respond.ret_public_key);
    if (!pub) return bad("retPubKey is not an SM2 SubjectPublicKeyInfo: " + pub.error().message);
    EnvelopedKey k;
    k.sym_algorithm = oids::sm4_ecb;
    k.sym_encrypted_key = std::move(sed.encrypted_key);
    k.public_key = pub->point();
    k.encrypted_private_key = std::move(sed.encrypted_content);
    return encode_enveloped_key(k);
}

}  // namespace yinxin::kmc
