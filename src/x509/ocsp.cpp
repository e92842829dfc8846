#include "yinxin/x509/ocsp.h"

#include <openssl/evp.h>

#include <utility>

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/x509/extensions.h"
#include "yinxin/x509/signature.h"

namespace yinxin::x509 {

using asn1::Element;
using asn1::Reader;
using asn1::Tag;
using asn1::Writer;
namespace oids = asn1::oids;

namespace {

Result<Bytes> finish(Writer& w, const char* what) {
    auto r = w.finish();
    if (!r) return detail::relabel(std::move(r).error(), Errc::x509_bad_encoding, what);
    return std::move(r).value();
}

asn1::ReaderOptions reader_options(std::size_t max) {
    auto o = asn1::ReaderOptions::der();
    o.max_input_length = max;
    return o;
}

Result<CertId> read_cert_id(const Element& e) {
    CertId id;
    id.raw.assign(e.raw().begin(), e.raw().end());
    Reader r = e.children();
    YX_X509_ASSIGN(Element alg, Errc::x509_bad_encoding, "CertID.hashAlgorithm", r.read_sequence());
    YX_ASSIGN_OR_RETURN(id.hash_algorithm, AlgorithmIdentifier::from_element(alg));
    YX_X509_ASSIGN(BytesView name_hash, Errc::x509_bad_encoding, "CertID.issuerNameHash", r.read_octet_string());
    YX_X509_ASSIGN(BytesView key_hash, Errc::x509_bad_encoding, "CertID.issuerKeyHash", r.read_octet_string());
    YX_X509_ASSIGN(asn1::Integer serial, Errc::x509_bad_serial, "CertID.serialNumber", r.read_integer());
    YX_X509_ASSIGN(BytesView mag, Errc::x509_bad_serial, "CertID.serialNumber", serial.magnitude());
    YX_X509_TRY(Errc::x509_bad_encoding, "CertID", r.expect_end());
    id.issuer_name_hash.assign(name_hash.begin(), name_hash.end());
    id.issuer_key_hash.assign(key_hash.begin(), key_hash.end());
    id.serial.assign(mag.begin(), mag.end());
    return id;
}

// Extensions inside [n] EXPLICIT: the nonce's extnValue, unknown critical ones refused.
Result<std::optional<Bytes>> read_nonce(const Element& exts) {
    std::optional<Bytes> nonce;
    YX_TRY(detail::each_extension(exts, [&](const asn1::Oid& oid, bool critical, BytesView value) -> Status {
        if (oid == oids::pkix_ocsp_nonce) {
            nonce = Bytes(value.begin(), value.end());
        } else if (critical) {
            return make_error(Errc::x509_bad_extension, "unknown critical OCSP extension " + asn1::oid_display(oid));
        }
        return ok_status();
    }));
    return nonce;
}

void write_time(Writer& w, TimePoint t) { w.generalized_time(std::chrono::floor<std::chrono::seconds>(t)); }

}  // namespace

CertId CertId::make(const asn1::Oid& hash, BytesView name_hash, BytesView key_hash, BytesView serial) {
    CertId id;
    id.hash_algorithm = AlgorithmIdentifier::make(hash);
    id.issuer_name_hash.assign(name_hash.begin(), name_hash.end());
    id.issuer_key_hash.assign(key_hash.begin(), key_hash.end());
    id.serial.assign(serial.begin(), serial.end());
    Writer w;
    w.sequence([&](Writer& s) {
        s.raw(id.hash_algorithm.raw);
        s.octet_string(id.issuer_name_hash);
        s.octet_string(id.issuer_key_hash);
        s.integer_unsigned(id.serial);
    });
    id.raw = w.finish().value();  // fixed shapes cannot fail
    return id;
}

Result<Bytes> ocsp_hash(const asn1::Oid& hash, BytesView data) {
    if (hash == oids::sm3) {
        const auto d = crypto::sm3(data);
        return Bytes(d.begin(), d.end());
    }
    const EVP_MD* md = hash == oids::sha1 ? EVP_sha1() : hash == oids::sha256 ? EVP_sha256() : nullptr;
    if (md == nullptr)
        return make_error(Errc::x509_unsupported_algorithm,
                          "CertID hash " + asn1::oid_display(hash) + " (SHA-1, SHA-256 or SM3)");
    Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 || len != out.size())
        return make_error(Errc::internal, "EVP_Digest failed");
    return out;
}

Result<CertId> cert_id_for(const asn1::Oid& hash, const Name& issuer, const SubjectPublicKeyInfo& issuer_key,
                           BytesView serial) {
    YX_ASSIGN_OR_RETURN(Bytes name_hash, ocsp_hash(hash, issuer.der()));
    YX_ASSIGN_OR_RETURN(Bytes key_hash, ocsp_hash(hash, issuer_key.key_bytes()));
    return CertId::make(hash, name_hash, key_hash, serial);
}

// ---------------------------------------------------------------------------------------------
// Request

Result<OcspRequest> OcspRequest::parse(BytesView der, std::size_t max_certs) {
    Reader top(der, reader_options(std::size_t{64} * 1024));
    YX_X509_ASSIGN(Element req, Errc::x509_bad_encoding, "OCSPRequest", top.read_sequence());
    YX_X509_TRY(Errc::x509_bad_encoding, "OCSPRequest", top.expect_end());
    Reader rr = req.children();
    YX_X509_ASSIGN(Element tbs, Errc::x509_bad_encoding, "tbsRequest", rr.read_sequence());
    OcspRequest out;
    YX_X509_ASSIGN(auto sig, Errc::x509_bad_encoding, "optionalSignature", rr.read_optional_context_explicit(0));
    out.has_signature = sig.has_value();
    YX_X509_TRY(Errc::x509_bad_encoding, "OCSPRequest", rr.expect_end());

    Reader t = tbs.children();
    YX_X509_ASSIGN(auto version, Errc::x509_bad_encoding, "version", t.read_optional_context_explicit(0));
    if (version) {
        YX_X509_ASSIGN(std::int64_t v, Errc::x509_bad_version, "version", version->as_int64());
        if (v != 0) return make_error(Errc::x509_bad_version, "OCSP request version " + std::to_string(v));
    }
    YX_X509_TRY(Errc::x509_bad_encoding, "requestorName", t.read_optional_context_explicit(1));
    YX_X509_ASSIGN(Element list, Errc::x509_bad_encoding, "requestList", t.read_sequence());
    Reader l = list.children();
    while (!l.at_end()) {
        if (out.certs.size() == max_certs)
            return make_error(Errc::limit_exceeded, "more than " + std::to_string(max_certs) + " CertIDs");
        YX_X509_ASSIGN(Element one, Errc::x509_bad_encoding, "Request", l.read_sequence());
        Reader o = one.children();
        YX_X509_ASSIGN(Element cid, Errc::x509_bad_encoding, "reqCert", o.read_sequence());
        YX_ASSIGN_OR_RETURN(CertId id, read_cert_id(cid));
        YX_X509_TRY(Errc::x509_bad_encoding, "singleRequestExtensions", o.read_optional_context_explicit(0));
        YX_X509_TRY(Errc::x509_bad_encoding, "Request", o.expect_end());
        out.certs.push_back(std::move(id));
    }
    if (out.certs.empty()) return make_error(Errc::x509_bad_encoding, "requestList is empty");
    YX_X509_ASSIGN(auto exts, Errc::x509_bad_encoding, "requestExtensions", t.read_optional_context_explicit(2));
    if (exts) {
        YX_ASSIGN_OR_RETURN(out.nonce, read_nonce(*exts));
    }
    YX_X509_TRY(Errc::x509_bad_encoding, "tbsRequest", t.expect_end());
    return out;
}

Result<Bytes> OcspRequest::build(const std::vector<CertId>& certs, std::optional<Bytes> nonce) {
    Writer w;
    w.sequence([&](Writer& req) {
        req.sequence([&](Writer& tbs) {
            tbs.sequence([&](Writer& list) {
                for (const auto& c : certs) list.sequence([&](Writer& one) { one.raw(c.raw); });
            });
            if (nonce) {
                tbs.context_explicit(2, [&](Writer& x) {
                    x.sequence([&](Writer& exts) {
                        exts.sequence([&](Writer& e) {
                            e.oid(oids::pkix_ocsp_nonce);
                            e.octet_string(*nonce);
                        });
                    });
                });
            }
        });
    });
    return finish(w, "OCSPRequest");
}

// ---------------------------------------------------------------------------------------------
// Response

Bytes ocsp_error_response(OcspResponseStatus status) {
    Writer w;
    w.sequence([&](Writer& s) { s.enumerated(static_cast<std::int64_t>(status)); });
    return w.finish().value();
}

OcspResponseBuilder& OcspResponseBuilder::signature_algorithm(const AlgorithmIdentifier& alg) {
    m_alg = alg;
    return *this;
}
OcspResponseBuilder& OcspResponseBuilder::responder_key(const SubjectPublicKeyInfo& key) {
    m_key_hash = ocsp_hash(oids::sha1, key.key_bytes()).value();  // SHA-1 is always available
    return *this;
}
OcspResponseBuilder& OcspResponseBuilder::produced_at(TimePoint t) {
    m_produced = t;
    return *this;
}
OcspResponseBuilder& OcspResponseBuilder::nonce(BytesView value) {
    m_nonce = Bytes(value.begin(), value.end());
    return *this;
}
OcspResponseBuilder& OcspResponseBuilder::add(SingleResponse r) {
    m_responses.push_back(std::move(r));
    return *this;
}
OcspResponseBuilder& OcspResponseBuilder::certificate(BytesView der) {
    m_certs.emplace_back(der.begin(), der.end());
    return *this;
}

Result<Bytes> OcspResponseBuilder::build_tbs() const {
    if (m_key_hash.empty()) return make_error(Errc::invalid_argument, "OCSP responder key not set");
    if (!m_produced) return make_error(Errc::invalid_argument, "OCSP producedAt not set");
    if (m_responses.empty()) return make_error(Errc::invalid_argument, "OCSP response without SingleResponse");
    Writer w;
    w.sequence([&](Writer& rd) {
        rd.context_explicit(2, [&](Writer& id) { id.octet_string(m_key_hash); });  // byKey
        write_time(rd, *m_produced);
        rd.sequence([&](Writer& list) {
            for (const auto& r : m_responses) {
                list.sequence([&](Writer& s) {
                    s.raw(r.id.raw);
                    switch (r.status) {
                        case CertStatus::good: s.primitive(Tag::context(0, false), {}); break;
                        case CertStatus::unknown: s.primitive(Tag::context(2, false), {}); break;
                        case CertStatus::revoked:
                            s.constructed(Tag::context(1, true), [&](Writer& info) {
                                write_time(info, r.revoked_at);
                                if (r.reason)
                                    info.context_explicit(
                                        0, [&](Writer& x) { x.enumerated(static_cast<std::int64_t>(*r.reason)); });
                            });
                            break;
                    }
                    write_time(s, r.this_update);
                    if (r.next_update) s.context_explicit(0, [&](Writer& x) { write_time(x, *r.next_update); });
                });
            }
        });
        if (m_nonce) {
            rd.context_explicit(1, [&](Writer& x) {
                x.sequence([&](Writer& exts) {
                    exts.sequence([&](Writer& e) {
                        e.oid(oids::pkix_ocsp_nonce);
                        e.octet_string(*m_nonce);
                    });
                });
            });
        }
    });
    return finish(w, "ResponseData");
}

Result<Bytes> OcspResponseBuilder::assemble(BytesView tbs, BytesView signature) const {
    Writer basic;
    basic.sequence([&](Writer& b) {
        b.raw(tbs);
        b.raw(m_alg.raw);
        b.bit_string(signature);
        if (!m_certs.empty()) {
            b.context_explicit(0, [&](Writer& x) {
                x.sequence([&](Writer& list) {
                    for (const auto& c : m_certs) list.raw(c);
                });
            });
        }
    });
    YX_ASSIGN_OR_RETURN(Bytes basic_der, finish(basic, "BasicOCSPResponse"));
    Writer w;
    w.sequence([&](Writer& r) {
        r.enumerated(0);
        r.context_explicit(0, [&](Writer& x) {
            x.sequence([&](Writer& rb) {
                rb.oid(oids::pkix_ocsp_basic);
                rb.octet_string(basic_der);
            });
        });
    });
    return finish(w, "OCSPResponse");
}

Result<OcspResponse> OcspResponse::parse(BytesView der) {
    OcspResponse out;
    Reader top(der, reader_options(std::size_t{16} << 20));
    YX_X509_ASSIGN(Element resp, Errc::x509_bad_encoding, "OCSPResponse", top.read_sequence());
    YX_X509_TRY(Errc::x509_bad_encoding, "OCSPResponse", top.expect_end());
    Reader r = resp.children();
    YX_X509_ASSIGN(std::int64_t status, Errc::x509_bad_encoding, "responseStatus", r.read_enumerated());
    if (status < 0 || status > 6 || status == 4)
        return make_error(Errc::x509_bad_encoding, "responseStatus " + std::to_string(status));
    out.status = static_cast<OcspResponseStatus>(status);
    YX_X509_ASSIGN(auto bytes, Errc::x509_bad_encoding, "responseBytes", r.read_optional_context_explicit(0));
    YX_X509_TRY(Errc::x509_bad_encoding, "OCSPResponse", r.expect_end());
    if (out.status != OcspResponseStatus::successful) {
        if (bytes) return make_error(Errc::x509_bad_encoding, "an error response carries responseBytes");
        return out;
    }
    if (!bytes) return make_error(Errc::x509_bad_encoding, "a successful response without responseBytes");
    Reader rb = bytes->children();
    YX_X509_ASSIGN(asn1::Oid type, Errc::x509_bad_encoding, "responseType", rb.read_oid());
    if (type != oids::pkix_ocsp_basic)
        return make_error(Errc::x509_unsupported_algorithm, "response type " + asn1::oid_display(type));
    YX_X509_ASSIGN(BytesView basic_der, Errc::x509_bad_encoding, "response", rb.read_octet_string());

    Reader bt(basic_der, reader_options(std::size_t{16} << 20));
    YX_X509_ASSIGN(Element basic, Errc::x509_bad_encoding, "BasicOCSPResponse", bt.read_sequence());
    Reader b = basic.children();
    YX_X509_ASSIGN(Element tbs, Errc::x509_bad_encoding, "tbsResponseData", b.read_sequence());
    out.tbs.assign(tbs.raw().begin(), tbs.raw().end());
    YX_X509_ASSIGN(Element alg, Errc::x509_bad_encoding, "signatureAlgorithm", b.read_sequence());
    YX_ASSIGN_OR_RETURN(out.signature_algorithm, AlgorithmIdentifier::from_element(alg));
    YX_X509_ASSIGN(asn1::BitString sig, Errc::x509_bad_encoding, "signature", b.read_bit_string());
    out.signature.assign(sig.bytes.begin(), sig.bytes.end());
    YX_X509_ASSIGN(auto certs, Errc::x509_bad_encoding, "certs", b.read_optional_context_explicit(0));
    if (certs) {
        Reader c = certs->children();
        while (!c.at_end()) {
            YX_X509_ASSIGN(Element cert, Errc::x509_bad_encoding, "certs", c.read_sequence());
            out.certs.emplace_back(cert.raw().begin(), cert.raw().end());
        }
    }

    Reader t = tbs.children();
    YX_X509_TRY(Errc::x509_bad_encoding, "version", t.read_optional_context_explicit(0));
    YX_X509_ASSIGN(auto by_name, Errc::x509_bad_encoding, "responderID", t.read_optional_context_explicit(1));
    if (by_name) {
        YX_ASSIGN_OR_RETURN(Name n, Name::from_element(*by_name));
        out.responder_name = std::move(n);
    } else {
        YX_X509_ASSIGN(Element by_key, Errc::x509_bad_encoding, "responderID", t.read_context_explicit(2));
        YX_X509_ASSIGN(BytesView kh, Errc::x509_bad_encoding, "KeyHash", by_key.as_octet_string());
        out.responder_key_hash = Bytes(kh.begin(), kh.end());
    }
    YX_X509_ASSIGN(Element produced, Errc::x509_bad_encoding, "producedAt", t.read());
    YX_X509_ASSIGN(out.produced_at, Errc::x509_bad_encoding, "producedAt", produced.as_time());
    YX_X509_ASSIGN(Element list, Errc::x509_bad_encoding, "responses", t.read_sequence());
    Reader l = list.children();
    while (!l.at_end()) {
        YX_X509_ASSIGN(Element one, Errc::x509_bad_encoding, "SingleResponse", l.read_sequence());
        Reader s = one.children();
        SingleResponse sr;
        YX_X509_ASSIGN(Element cid, Errc::x509_bad_encoding, "certID", s.read_sequence());
        YX_ASSIGN_OR_RETURN(sr.id, read_cert_id(cid));
        YX_X509_ASSIGN(Element st, Errc::x509_bad_encoding, "certStatus", s.read());
        if (st.tag() == Tag::context(0, false)) {
            sr.status = CertStatus::good;
        } else if (st.tag() == Tag::context(2, false)) {
            sr.status = CertStatus::unknown;
        } else if (st.tag() == Tag::context(1, true)) {
            sr.status = CertStatus::revoked;
            Reader info = st.children();
            YX_X509_ASSIGN(Element when, Errc::x509_bad_encoding, "revocationTime", info.read());
            YX_X509_ASSIGN(sr.revoked_at, Errc::x509_bad_encoding, "revocationTime", when.as_time());
            YX_X509_ASSIGN(auto reason, Errc::x509_bad_encoding, "revocationReason",
                           info.read_optional_context_explicit(0));
            if (reason) {
                YX_X509_ASSIGN(std::int64_t code, Errc::x509_bad_encoding, "revocationReason", reason->as_int64());
                YX_X509_ASSIGN(CrlReason why, Errc::x509_bad_encoding, "revocationReason", crl_reason_from_int(code));
                sr.reason = why;
            }
        } else {
            return make_error(Errc::x509_bad_encoding, "certStatus has an unknown tag");
        }
        YX_X509_ASSIGN(Element tu, Errc::x509_bad_encoding, "thisUpdate", s.read());
        YX_X509_ASSIGN(sr.this_update, Errc::x509_bad_encoding, "thisUpdate", tu.as_time());
        YX_X509_ASSIGN(auto nu, Errc::x509_bad_encoding, "nextUpdate", s.read_optional_context_explicit(0));
        if (nu) {
            YX_X509_ASSIGN(TimePoint next, Errc::x509_bad_encoding, "nextUpdate", nu->as_time());
            sr.next_update = next;
        }
        out.responses.push_back(std::move(sr));
    }
    YX_X509_ASSIGN(auto exts, Errc::x509_bad_encoding, "responseExtensions", t.read_optional_context_explicit(1));
    if (exts) {
        YX_ASSIGN_OR_RETURN(out.nonce, read_nonce(*exts));
    }
    return out;
}

Status OcspResponse::verify_signature_with(const SubjectPublicKeyInfo& key, std::string_view sm2_id) const {
    return verify_signature(signature_algorithm, key, tbs, signature, sm2_id);
}

}  // namespace yinxin::x509
