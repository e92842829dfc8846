#include "yinxin/x509/crl.h"

#include <algorithm>
#include <array>
#include <utility>

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/x509/extensions.h"
#include "yinxin/x509/signature.h"

namespace yinxin::x509 {

using asn1::Element;
using asn1::Reader;
using asn1::Tag;
using asn1::Writer;
namespace oids = asn1::oids;

namespace {

struct ReasonName {
    CrlReason reason;
    std::string_view name;
};
constexpr std::array<ReasonName, 10> k_reasons{{
    {CrlReason::unspecified, "unspecified"},
    {CrlReason::key_compromise, "keyCompromise"},
    {CrlReason::ca_compromise, "cACompromise"},
    {CrlReason::affiliation_changed, "affiliationChanged"},
    {CrlReason::superseded, "superseded"},
    {CrlReason::cessation_of_operation, "cessationOfOperation"},
    {CrlReason::certificate_hold, "certificateHold"},
    {CrlReason::remove_from_crl, "removeFromCRL"},
    {CrlReason::privilege_withdrawn, "privilegeWithdrawn"},
    {CrlReason::aa_compromise, "aACompromise"},
}};

Result<Bytes> finish(Writer& w, const char* what) {
    auto r = w.finish();
    if (!r) return detail::relabel(std::move(r).error(), Errc::x509_bad_encoding, what);
    return std::move(r).value();
}

Result<std::uint64_t> read_crl_number(BytesView value, const ParseOptions& options, const char* what) {
    Reader r(value, options.reader_options());
    YX_X509_ASSIGN(asn1::Integer n, Errc::x509_bad_extension, what, r.read_integer());
    YX_X509_TRY(Errc::x509_bad_extension, what, r.expect_end());
    if (n.is_negative()) return make_error(Errc::x509_bad_extension, std::string(what) + " is negative");
    YX_X509_ASSIGN(std::uint64_t v, Errc::x509_bad_extension, what, n.to_uint64());
    return v;
}

Error unknown_critical(const asn1::Oid& oid, const char* where) {
    return make_error(Errc::x509_bad_extension, std::string("unknown critical ") + where + " extension " +
                                                    asn1::oid_display(oid) +
                                                    " (RFC 5280 5.2/5.3: the CRL must not be used)");
}

}  // namespace

std::string_view crl_reason_name(CrlReason r) noexcept {
    for (const auto& e : k_reasons)
        if (e.reason == r) return e.name;
    return "unknown";
}

Result<CrlReason> crl_reason_from_int(std::int64_t v) {
    for (const auto& e : k_reasons)
        if (static_cast<std::int64_t>(e.reason) == v) return e.reason;
    return make_error(Errc::invalid_argument, "CRLReason " + std::to_string(v) + " is not defined (RFC 5280 5.3.1)");
}

Result<CrlReason> parse_crl_reason(std::string_view name) {
    for (const auto& e : k_reasons)
        if (e.name == name) return e.reason;
    std::string all;
    for (const auto& e : k_reasons) all += (all.empty() ? "" : ", ") + std::string(e.name);
    return make_error(Errc::invalid_argument, "unknown revocation reason '" + std::string(name) + "' (" + all + ")");
}

ParseOptions crl_parse_options(bool lenient) {
    ParseOptions o;
    o.lenient = lenient;
    o.max_size = std::size_t{256} << 20;
    return o;
}

// ---------------------------------------------------------------------------------------------
// Builder

CrlBuilder& CrlBuilder::signature_algorithm(const AlgorithmIdentifier& alg) {
    m_alg = alg;
    return *this;
}
CrlBuilder& CrlBuilder::issuer(const Name& name) {
    m_issuer = name;
    return *this;
}
CrlBuilder& CrlBuilder::this_update(TimePoint t) {
    m_this_update = t;
    return *this;
}
CrlBuilder& CrlBuilder::next_update(TimePoint t) {
    m_next_update = t;
    return *this;
}
CrlBuilder& CrlBuilder::authority_key_identifier(BytesView key_id) {
    m_aki.assign(key_id.begin(), key_id.end());
    return *this;
}
CrlBuilder& CrlBuilder::crl_number(std::uint64_t n) {
    m_number = n;
    return *this;
}
CrlBuilder& CrlBuilder::delta_crl_indicator(std::uint64_t base_crl_number) {
    m_delta_base = base_crl_number;
    return *this;
}
CrlBuilder& CrlBuilder::issuing_distribution_point(std::string uri, bool only_ca_certs) {
    m_idp_uri = std::move(uri);
    m_idp_only_ca = only_ca_certs;
    return *this;
}
CrlBuilder& CrlBuilder::freshest_crl(std::string uri) {
    m_freshest = std::move(uri);
    return *this;
}

Status CrlBuilder::add(const RevokedEntry& e) {
    if (e.serial.empty() || (e.serial[0] == 0 && e.serial.size() > 1) || (e.serial.size() == 1 && e.serial[0] == 0))
        return make_error(Errc::invalid_argument, "revoked serial must be a positive integer without leading zeros");
    Writer w;
    w.sequence([&](Writer& s) {
        s.integer_unsigned(e.serial);
        s.time_rfc5280(e.revoked_at);
        if (e.reason != CrlReason::unspecified || e.invalidity_date) {
            s.sequence([&](Writer& exts) {
                if (e.reason != CrlReason::unspecified) {
                    exts.sequence([&](Writer& x) {
                        x.oid(oids::ce_crl_reason);
                        Writer v;
                        v.enumerated(static_cast<std::int64_t>(e.reason));
                        x.octet_string(v.finish().value());  // an ENUMERATED cannot fail
                    });
                }
                if (e.invalidity_date) {
                    exts.sequence([&](Writer& x) {
                        x.oid(oids::ce_invalidity_date);
                        Writer v;
                        v.generalized_time(*e.invalidity_date);
                        x.octet_string(v.finish().value());
                    });
                }
            });
        }
    });
    YX_ASSIGN_OR_RETURN(Bytes der, finish(w, "revokedCertificates entry"));
    m_entries.insert(m_entries.end(), der.begin(), der.end());
    ++m_count;
    return ok_status();
}

Result<Bytes> CrlBuilder::build_tbs() const {
    if (!m_issuer || m_issuer->empty())
        return make_error(Errc::invalid_argument, "CRL issuer not set (RFC 5280 5.1.2.3: non-empty)");
    if (!m_this_update || !m_next_update)
        return make_error(Errc::invalid_argument, "CRL thisUpdate and nextUpdate must be set (RFC 5280 5.1.2.5)");
    if (*m_next_update < *m_this_update)
        return make_error(Errc::x509_bad_validity, "CRL nextUpdate is before thisUpdate");
    if (m_aki.empty()) return make_error(Errc::invalid_argument, "CRL authorityKeyIdentifier not set (RFC 5280 5.2.1)");
    if (!m_number) return make_error(Errc::invalid_argument, "CRL number not set (RFC 5280 5.2.3)");

    std::vector<Extension> exts;
    YX_ASSIGN_OR_RETURN(Extension aki, encode_authority_key_identifier({.key_id = m_aki, .issuer = {}, .serial = {}}));
    exts.push_back(std::move(aki));
    {
        Writer v;
        v.integer(static_cast<std::int64_t>(std::min<std::uint64_t>(*m_number, INT64_MAX)));
        YX_ASSIGN_OR_RETURN(Bytes value, finish(v, "cRLNumber"));
        exts.push_back({oids::ce_crl_number, false, std::move(value)});
    }
    if (m_delta_base) {
        Writer v;
        v.integer(static_cast<std::int64_t>(std::min<std::uint64_t>(*m_delta_base, INT64_MAX)));
        YX_ASSIGN_OR_RETURN(Bytes value, finish(v, "deltaCRLIndicator"));
        exts.push_back({oids::ce_delta_crl_indicator, true, std::move(value)});
    }
    if (m_idp_uri) {
        // IssuingDistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName,
        //   onlyContainsUserCerts [1] BOOLEAN DEFAULT FALSE, onlyContainsCACerts [2] ... } with
        // fullName [0] GeneralNames and the URI as [6] IA5String (implicit tags; the CHOICE's [0]
        // is explicit).
        Writer v;
        v.sequence([&](Writer& idp) {
            idp.context_explicit(0, [&](Writer& dpn) {
                dpn.constructed(Tag::context(0, true),
                                [&](Writer& fn) { fn.primitive(Tag::context(6, false), as_bytes(*m_idp_uri)); });
            });
            if (m_idp_only_ca) idp.primitive(Tag::context(2, false), Bytes{0xFF});
        });
        YX_ASSIGN_OR_RETURN(Bytes value, finish(v, "issuingDistributionPoint"));
        exts.push_back({oids::ce_issuing_distribution_point, true, std::move(value)});
    }
    if (m_freshest) {
        YX_ASSIGN_OR_RETURN(Extension dp,
                            encode_crl_distribution_points(crl_distribution_points_from_uris({*m_freshest})));
        exts.push_back({oids::ce_freshest_crl, false, std::move(dp.value)});
    }
    YX_ASSIGN_OR_RETURN(Bytes ext_der, encode_extensions(exts));

    Writer w;
    w.sequence([&](Writer& t) {
        t.integer(1);  // v2 (RFC 5280 5.1.2.1: extensions present)
        t.raw(m_alg.raw);
        t.raw(m_issuer->der());
        t.time_rfc5280(*m_this_update);
        t.time_rfc5280(*m_next_update);
        // RFC 5280 5.1.2.6: absent when there are no revoked certificates.
        if (m_count != 0) t.sequence([&](Writer& list) { list.raw(m_entries); });
        t.context_explicit(0, [&](Writer& x) { x.raw(ext_der); });
    });
    return finish(w, "tbsCertList");
}

Result<Bytes> assemble_crl(BytesView tbs_der, const AlgorithmIdentifier& alg, BytesView signature) {
    {
        YX_X509_ASSIGN(Element tbs, Errc::x509_bad_encoding, "tbsCertList",
                       asn1::read_single(tbs_der, crl_parse_options(true).reader_options()));
        Reader t = tbs.children();
        if (t.next_is(asn1::tags::integer)) YX_X509_TRY(Errc::x509_bad_encoding, "version", t.read_integer());
        YX_X509_ASSIGN(Element inner, Errc::x509_bad_encoding, "signature", t.read_sequence());
        YX_ASSIGN_OR_RETURN(AlgorithmIdentifier in, AlgorithmIdentifier::from_element(inner));
        if (!in.same_as(alg, true))
            return make_error(Errc::x509_algorithm_mismatch, "tbsCertList.signature is " + asn1::oid_display(in.oid) +
                                                                 ", signatureAlgorithm " + asn1::oid_display(alg.oid));
    }
    Writer w;
    w.sequence([&](Writer& c) {
        c.raw(tbs_der);
        c.raw(alg.raw);
        c.bit_string(signature);
    });
    return finish(w, "CertificateList");
}

// ---------------------------------------------------------------------------------------------
// Parser

Result<Crl> Crl::parse(BytesView der, const ParseOptions& options) {
    if (der.size() > options.max_size)
        return make_error(Errc::x509_too_large, "CRL of " + std::to_string(der.size()) + " bytes exceeds the " +
                                                    std::to_string(options.max_size) + "-byte limit");
    Crl c;
    c.m_der = std::make_shared<const Bytes>(der.begin(), der.end());
    const BytesView buf = *c.m_der;

    Reader top(buf, options.reader_options());
    YX_X509_ASSIGN(Element list, Errc::x509_bad_encoding, "CertificateList", top.read_sequence());
    if (!top.at_end())
        return make_error(Errc::x509_trailing_data, std::to_string(top.remaining().size()) + " bytes after the CRL");
    Reader cr = list.children();
    YX_X509_ASSIGN(Element tbs, Errc::x509_bad_encoding, "tbsCertList", cr.read_sequence());
    YX_X509_ASSIGN(Element outer_alg, Errc::x509_bad_encoding, "signatureAlgorithm", cr.read_sequence());
    YX_X509_ASSIGN(asn1::BitString sig, Errc::x509_bad_encoding, "signatureValue", cr.read_bit_string());
    YX_X509_TRY(Errc::x509_bad_encoding, "CertificateList", cr.expect_end());
    if (!sig.octet_aligned()) return make_error(Errc::x509_bad_encoding, "signatureValue is not octet-aligned");
    c.m_tbs = tbs.raw();
    c.m_signature.assign(sig.bytes.begin(), sig.bytes.end());
    YX_ASSIGN_OR_RETURN(c.m_alg, AlgorithmIdentifier::from_element(outer_alg));

    Reader t = tbs.children();
    if (t.next_is(asn1::tags::integer)) {
        YX_X509_ASSIGN(std::int64_t v, Errc::x509_bad_version, "version", t.read_int64());
        if (v != 1) return make_error(Errc::x509_bad_version, "CRL version " + std::to_string(v) + " (v2 is 1)");
        c.m_version = 2;
    }
    YX_X509_ASSIGN(Element inner_alg, Errc::x509_bad_encoding, "signature", t.read_sequence());
    YX_ASSIGN_OR_RETURN(AlgorithmIdentifier inner, AlgorithmIdentifier::from_element(inner_alg));
    if (!inner.same_as(c.m_alg, !options.lenient))
        return make_error(Errc::x509_algorithm_mismatch, "tbsCertList.signature differs from signatureAlgorithm");
    YX_X509_ASSIGN(Element issuer, Errc::x509_bad_name, "issuer", t.read_sequence());
    YX_ASSIGN_OR_RETURN(c.m_issuer, Name::from_element(issuer));
    YX_X509_ASSIGN(Element tu, Errc::x509_bad_validity, "thisUpdate", t.read());
    YX_X509_ASSIGN(c.m_this_update, Errc::x509_bad_validity, "thisUpdate", tu.as_time());
    if (t.next_is(asn1::tags::utc_time) || t.next_is(asn1::tags::generalized_time)) {
        YX_X509_ASSIGN(Element nu, Errc::x509_bad_validity, "nextUpdate", t.read());
        YX_X509_ASSIGN(TimePoint next, Errc::x509_bad_validity, "nextUpdate", nu.as_time());
        c.m_next_update = next;
    }
    if (t.next_is(asn1::tags::sequence)) {
        YX_X509_ASSIGN(Element revoked, Errc::x509_bad_encoding, "revokedCertificates", t.read_sequence());
        Reader rr = revoked.children();
        while (!rr.at_end()) {
            YX_X509_ASSIGN(Element entry, Errc::x509_bad_encoding, "revokedCertificates entry", rr.read_sequence());
            Reader er = entry.children();
            RevokedEntry e;
            YX_X509_ASSIGN(asn1::Integer serial, Errc::x509_bad_serial, "userCertificate", er.read_integer());
            YX_X509_ASSIGN(BytesView mag, Errc::x509_bad_serial, "userCertificate", serial.magnitude());
            e.serial.assign(mag.begin(), mag.end());
            YX_X509_ASSIGN(Element when, Errc::x509_bad_validity, "revocationDate", er.read());
            YX_X509_ASSIGN(e.revoked_at, Errc::x509_bad_validity, "revocationDate", when.as_time());
            if (!er.at_end()) {
                YX_X509_ASSIGN(Element exts, Errc::x509_bad_extension, "crlEntryExtensions", er.read_sequence());
                YX_TRY(
                    detail::each_extension(exts, [&](const asn1::Oid& oid, bool critical, BytesView value) -> Status {
                        Reader v(value, options.reader_options());
                        if (oid == oids::ce_crl_reason) {
                            YX_X509_ASSIGN(std::int64_t code, Errc::x509_bad_extension, "reasonCode",
                                           v.read_enumerated());
                            YX_X509_ASSIGN(e.reason, Errc::x509_bad_extension, "reasonCode", crl_reason_from_int(code));
                        } else if (oid == oids::ce_invalidity_date) {
                            YX_X509_ASSIGN(Element d, Errc::x509_bad_extension, "invalidityDate", v.read());
                            YX_X509_ASSIGN(TimePoint at, Errc::x509_bad_extension, "invalidityDate", d.as_time());
                            e.invalidity_date = at;
                        } else if (critical) {
                            return unknown_critical(oid, "CRL entry");
                        }
                        return ok_status();
                    }));
            }
            YX_X509_TRY(Errc::x509_bad_encoding, "revokedCertificates entry", er.expect_end());
            c.m_entries.push_back(std::move(e));
        }
    }
    YX_X509_ASSIGN(auto exts, Errc::x509_bad_extension, "crlExtensions", t.read_optional_context_explicit(0));
    if (exts) {
        YX_TRY(detail::each_extension(*exts, [&](const asn1::Oid& oid, bool critical, BytesView value) -> Status {
            if (oid == oids::ce_crl_number) {
                YX_ASSIGN_OR_RETURN(std::uint64_t n, read_crl_number(value, options, "cRLNumber"));
                c.m_number = n;
            } else if (oid == oids::ce_delta_crl_indicator) {
                YX_ASSIGN_OR_RETURN(std::uint64_t n, read_crl_number(value, options, "deltaCRLIndicator"));
                c.m_delta_base = n;
            } else if (oid == oids::ce_authority_key_identifier) {
                YX_ASSIGN_OR_RETURN(AuthorityKeyIdentifier aki, decode_authority_key_identifier(value, options));
                c.m_aki = aki.key_id;
            } else if (oid == oids::ce_issuing_distribution_point) {
                // Only onlyContainsCACerts is read; the rest is informational for this parser.
                Reader v(value, options.reader_options());
                YX_X509_ASSIGN(Element idp, Errc::x509_bad_extension, "issuingDistributionPoint", v.read_sequence());
                Reader i = idp.children();
                while (!i.at_end()) {
                    YX_X509_ASSIGN(Element f, Errc::x509_bad_extension, "issuingDistributionPoint", i.read());
                    if (f.tag() == Tag::context(2, false)) {
                        YX_X509_ASSIGN(c.m_only_ca, Errc::x509_bad_extension, "onlyContainsCACerts", f.as_boolean());
                    }
                }
            } else if (oid == oids::ce_freshest_crl) {
                // informational
            } else if (critical) {
                return unknown_critical(oid, "CRL");
            }
            return ok_status();
        }));
    }
    YX_X509_TRY(Errc::x509_bad_encoding, "tbsCertList", t.expect_end());
    return c;
}

const RevokedEntry* Crl::find(BytesView serial) const {
    for (const auto& e : m_entries)
        if (std::equal(e.serial.begin(), e.serial.end(), serial.begin(), serial.end())) return &e;
    return nullptr;
}

Status Crl::verify_signature_with(const SubjectPublicKeyInfo& issuer_key, std::string_view sm2_id) const {
    return verify_signature(m_alg, issuer_key, m_tbs, m_signature, sm2_id);
}

}  // namespace yinxin::x509
