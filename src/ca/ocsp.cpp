#include "yinxin/ca/ocsp.h"

#include <utility>

#include "pipeline.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::ca {

namespace {

namespace oids = asn1::oids;

// How often the CA list is re-read when a CertID names no known issuer (a CA created meanwhile).
constexpr std::chrono::seconds k_reload_interval{5};
// How often the CA list and the delegated responders are re-read anyway.
constexpr std::chrono::seconds k_refresh_interval{60};

OcspOutcome failure(x509::OcspResponseStatus status, std::string detail) {
    OcspOutcome o;
    o.status = status;
    o.response = x509::ocsp_error_response(status);
    o.detail = std::move(detail);
    return o;
}

}  // namespace

Result<OcspSignerRecord> delegate_ocsp_signing(CaContext& ctx, const PublicationConfig& publication,
                                               RevocationStore& status, std::string_view ca_id,
                                               std::uint32_t validity_days) {
    CaEvent ev;
    ev.action = "ca.ocsp.delegate";
    ev.ca_id = std::string(ca_id);
    ev.profile_id = "ocsp-signing";
    if (ctx.device == nullptr || ctx.clock == nullptr || ctx.rng == nullptr || ctx.profiles == nullptr)
        return make_error(Errc::invalid_argument, "delegate_ocsp_signing: incomplete context");
    auto run = [&]() -> Result<OcspSignerRecord> {
        YX_ASSIGN_OR_RETURN(detail::Delegate d, detail::issue_delegate(ctx, publication, ca_id, "ocsp-signing", "ocsp",
                                                                       "OCSP", validity_days, ev));
        OcspSignerRecord rec{.ca_id = d.ca_id,
                             .serial = d.issued.serial,
                             .key = d.key,
                             .not_before = to_unix(d.certificate.not_before()),
                             .not_after = to_unix(d.certificate.not_after()),
                             .certificate_der = d.issued.certificate_der};
        YX_TRY(status.add_ocsp_signer(rec));
        return rec;
    };
    auto r = run();
    if (!r) {
        detail::emit_failure(ctx.events, ev, r.error(), "no delegated responder", *ctx.clock);
        return r;
    }
    detail::emit(ctx.events, ev, *ctx.clock);
    return r;
}

OcspResponder::OcspResponder(CaStores stores, RevocationStore& status, KeyResolver keys, const Clock& clock,
                             OcspPolicy policy)
    : m_stores(stores), m_status(status), m_keys(std::move(keys)), m_clock(clock), m_policy(policy) {}

Status OcspResponder::load_issuers() {
    YX_ASSIGN_OR_RETURN(auto cas, m_stores.registry->list_cas());
    std::vector<Issuer> out;
    for (auto& ca : cas) {
        if (ca.certificate_der.empty()) continue;  // an external CA not imported yet
        YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(ca.certificate_der));
        auto alg = x509::signature_algorithm_for(cert.public_key_info());
        if (!alg) continue;
        Issuer is{.ca = std::move(ca),
                  .key = cert.public_key_info(),
                  .alg = std::move(alg).value(),
                  .hashes = {},
                  .signer = {},
                  .signer_key = cert.public_key_info(),
                  .signer_alg = {},
                  .delegate_certificate = {}};
        is.signer = is.ca;
        is.signer_alg = is.alg;
        YX_TRY(pick_delegate(is));
        for (const auto& h : {oids::sha1, oids::sha256, oids::sm3}) {
            YX_ASSIGN_OR_RETURN(Bytes nh, x509::ocsp_hash(h, cert.subject().der()));
            YX_ASSIGN_OR_RETURN(Bytes kh, x509::ocsp_hash(h, cert.public_key_info().key_bytes()));
            is.hashes.emplace(h.to_string(), std::make_pair(std::move(nh), std::move(kh)));
        }
        out.push_back(std::move(is));
    }
    m_issuers = std::move(out);
    m_loaded = std::chrono::steady_clock::now();
    return ok_status();
}

Status OcspResponder::pick_delegate(Issuer& is) {
    YX_ASSIGN_OR_RETURN(std::vector<OcspSignerRecord> signers, m_status.ocsp_signers(is.ca.id));
    const std::int64_t now = to_unix(m_clock.now());
    for (const auto& s : signers) {
        if (s.not_before > now || now >= s.not_after) continue;
        YX_ASSIGN_OR_RETURN(auto revoked, m_status.revocation(is.ca.id, s.serial));
        if (revoked) continue;
        auto cert = x509::Certificate::parse(s.certificate_der);
        if (!cert) continue;
        auto alg = x509::signature_algorithm_for(cert->public_key_info());
        if (!alg) continue;
        is.signer.id = is.ca.id + "/ocsp/" + hex_encode(s.serial);
        is.signer.key = s.key;
        is.signer_key = cert->public_key_info();
        is.signer_alg = std::move(alg).value();
        is.delegate_certificate = s.certificate_der;
        return ok_status();
    }
    return ok_status();
}

const OcspResponder::Issuer* OcspResponder::find_issuer(const x509::CertId& id) {
    if (std::chrono::steady_clock::now() - m_loaded >= k_refresh_interval) (void)load_issuers();
    auto search = [&]() -> const Issuer* {
        for (const auto& is : m_issuers) {
            auto it = is.hashes.find(id.hash_algorithm.oid.to_string());
            if (it == is.hashes.end()) return nullptr;  // a hash we do not answer for
            if (it->second.first == id.issuer_name_hash && it->second.second == id.issuer_key_hash) return &is;
        }
        return nullptr;
    };
    if (const Issuer* is = search()) return is;
    if (std::chrono::steady_clock::now() - m_loaded < k_reload_interval && !m_issuers.empty()) return nullptr;
    if (!load_issuers().ok()) return nullptr;
    return search();
}

OcspOutcome OcspResponder::respond(BytesView request_der, std::string_view ca_id) {
    auto request = x509::OcspRequest::parse(request_der, m_policy.max_certs_per_request);
    if (!request) return failure(x509::OcspResponseStatus::malformed_request, request.error().to_string());

    // The status version is read before any status, so an answer cached under it can only be
    // older than a change, never newer.
    const bool cacheable = m_policy.cache_entries != 0 && !request->nonce && request->certs.size() == 1;
    std::string cache_key;
    std::int64_t version = 0;
    if (cacheable) {
        auto v = m_status.status_version();
        if (!v) return failure(x509::OcspResponseStatus::try_later, v.error().to_string());
        version = *v;
        cache_key = std::string(ca_id) + '\n' + to_string(request->certs[0].raw);
        std::lock_guard lock(m_mutex);
        auto it = m_cache.find(cache_key);
        if (it != m_cache.end() && it->second.version == version && m_clock.now() < it->second.refresh_at) {
            OcspOutcome hit = it->second.outcome;
            hit.cached = true;
            return hit;
        }
    }

    // One responder key signs the answer, so every CertID must be of one CA (RFC 6960 2.3:
    // "unauthorized" when the responder is not authoritative for a certificate).
    Issuer issuer;
    SigningKey key;
    {
        std::lock_guard lock(m_mutex);
        const Issuer* first = nullptr;
        for (const auto& id : request->certs) {
            const Issuer* is = find_issuer(id);
            if (is == nullptr)
                return failure(x509::OcspResponseStatus::unauthorized,
                               "a CertID names no issuer this responder serves");
            if (first != nullptr && is->ca.id != first->ca.id)
                return failure(x509::OcspResponseStatus::unauthorized, "the CertIDs name more than one CA");
            first = is;
        }
        if (!ca_id.empty() && first->ca.id != ca_id)
            return failure(x509::OcspResponseStatus::unauthorized,
                           "the request is for CA '" + first->ca.id + "', the URL names '" + std::string(ca_id) + "'");
        issuer = *first;
        auto cached = m_signing.find(issuer.signer.id);
        if (cached == m_signing.end()) {
            if (!m_keys) return failure(x509::OcspResponseStatus::try_later, "no key resolver");
            auto resolved = m_keys(issuer.signer);
            if (!resolved) return failure(x509::OcspResponseStatus::try_later, resolved.error().to_string());
            cached = m_signing.emplace(issuer.signer.id, std::move(resolved).value()).first;
        }
        key = cached->second;
    }
    if (key.device == nullptr) return failure(x509::OcspResponseStatus::try_later, "no signing device");

    OcspOutcome out;
    const TimePoint now = detail::whole_seconds(m_clock.now());
    x509::OcspResponseBuilder b;
    b.signature_algorithm(issuer.signer_alg).responder_key(issuer.signer_key).produced_at(now);
    // RFC 6960 4.2.2.2: a delegated responder's certificate goes with the answer.
    if (!issuer.delegate_certificate.empty()) b.certificate(issuer.delegate_certificate);
    if (request->nonce) b.nonce(*request->nonce);
    for (const auto& id : request->certs) {
        x509::SingleResponse sr{.id = id,
                                .status = x509::CertStatus::unknown,
                                .revoked_at = {},
                                .reason = std::nullopt,
                                .this_update = now,
                                .next_update = now + m_policy.validity};
        auto cert = m_stores.reader->certificate_by_serial(issuer.ca.id, id.serial);
        if (cert && cert->status == CertificateStatus::issued) {
            auto rev = m_status.revocation(issuer.ca.id, id.serial);
            if (!rev) return failure(x509::OcspResponseStatus::try_later, rev.error().to_string());
            if (rev->has_value()) {
                sr.status = x509::CertStatus::revoked;
                sr.revoked_at = from_unix((*rev)->revoked_at);
                auto reason = x509::crl_reason_from_int((*rev)->reason);
                // RFC 5280 5.3.1: unspecified is not sent.
                if (reason && *reason != x509::CrlReason::unspecified) sr.reason = *reason;
                ++out.revoked;
            } else {
                sr.status = x509::CertStatus::good;
                ++out.good;
            }
        } else if (!cert && cert.code() != Errc::store_not_found) {
            return failure(x509::OcspResponseStatus::try_later, cert.error().to_string());
        } else {
            // Never issued here (no row, pending or failed): RFC 6960 2.2 "unknown".
            ++out.unknown;
        }
        b.add(std::move(sr));
    }
    auto tbs = b.build_tbs();
    if (!tbs) return failure(x509::OcspResponseStatus::internal_error, tbs.error().to_string());
    auto sig = key.device->sign(key.index, *tbs, key.sm2_id);
    if (!sig) return failure(x509::OcspResponseStatus::try_later, sig.error().to_string());
    auto der = b.assemble(*tbs, *sig);
    if (!der) return failure(x509::OcspResponseStatus::internal_error, der.error().to_string());
    out.response = std::move(der).value();
    out.status = x509::OcspResponseStatus::successful;
    out.ca_id = issuer.ca.id;
    if (cacheable) {
        std::lock_guard lock(m_mutex);
        if (m_cache.size() >= m_policy.cache_entries) m_cache.clear();
        m_cache.insert_or_assign(cache_key,
                                 Cached{.outcome = out, .version = version, .refresh_at = now + m_policy.validity / 2});
    }
    return out;
}

}  // namespace yinxin::ca
