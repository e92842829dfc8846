#include "yinxin/ca/issuer.h"

#include <algorithm>
#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/crypto/random.h"
#include "yinxin/profile/lint.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/csr.h"
#include "yinxin/x509/extensions.h"

namespace yinxin::ca {

namespace detail {

std::uint32_t days_until(TimePoint from, TimePoint until) {
    if (until < from) return 0;
    const auto span = until - from + std::chrono::seconds(1);
    return static_cast<std::uint32_t>(std::chrono::floor<std::chrono::days>(span).count());
}

void emit(const EventSink& events, CaEvent ev, const Clock& clock) {
    if (!events) return;
    if (ev.at == TimePoint{}) ev.at = clock.now();
    events(ev);
}

Result<x509::Certificate> parse_tbs(BytesView tbs_der, const x509::AlgorithmIdentifier& alg) {
    // SEQUENCE { INTEGER 1, INTEGER 1 }: a syntactically valid SM2/ECDSA signature that verifies nothing.
    static const Bytes placeholder{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    YX_ASSIGN_OR_RETURN(Bytes wrapped, x509::assemble_certificate(tbs_der, alg, placeholder));
    return x509::Certificate::parse(wrapped);
}

Result<Bytes> sign_and_assemble(const SigningKey& key, BytesView tbs, const x509::SubjectPublicKeyInfo& issuer_spki) {
    if (key.device == nullptr) return make_error(Errc::ca_no_key, "no signing device");
    YX_ASSIGN_OR_RETURN(x509::AlgorithmIdentifier alg, x509::signature_algorithm_for(issuer_spki));
    YX_ASSIGN_OR_RETURN(Bytes signature, key.device->sign(key.index, tbs, key.sm2_id));
    YX_ASSIGN_OR_RETURN(Bytes der, x509::assemble_certificate(tbs, alg, signature));
    YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(der));
    auto verified = cert.verify_signature_with(issuer_spki, key.sm2_id);
    if (!verified.ok())
        return make_error(
            Errc::ca_key_mismatch,
            "the device signature does not verify with the CA certificate's key: " + verified.error().message);
    return der;
}

Result<std::vector<std::pair<std::string, std::string>>> name_to_pairs(const x509::Name& name) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& rdn : name.rdns()) {
        if (rdn.size() != 1)
            return make_error(Errc::ca_bad_csr, "subject has a multi-valued RDN, which no profile allows");
        const auto& atv = rdn.front();
        const std::string_view label = x509::name_attribute_label(atv.type);
        if (label.empty() || !atv.is_string)
            return make_error(Errc::ca_bad_csr, "subject attribute " + atv.type.to_string() + " is not allowed");
        out.emplace_back(std::string(label), atv.value);
    }
    return out;
}

namespace {

std::string failure_reason(const Error& e) { return std::string(errc_name(e.code)) + ": " + e.message; }

}  // namespace

CaEvent issue_event(std::string_view ca_id, std::string_view profile_id, std::string_view request_id) {
    CaEvent ev;
    ev.action = "ca.issue";
    ev.ca_id = ca_id;
    ev.profile_id = profile_id;
    ev.request_id = request_id;
    return ev;
}

void emit_failure(const EventSink& events, CaEvent ev, const Error& e, std::string_view outcome, const Clock& clock) {
    ev.action += ".failed";
    ev.success = false;
    ev.error_code = std::string(errc_name(e.code));
    ev.error = e.code;
    ev.detail = (ev.detail.empty() ? std::string() : ev.detail + ": ") + e.message + " (" + std::string(outcome) + ")";
    emit(events, std::move(ev), clock);
}

Result<PreparedIssuance> prepare_issuance(const PipelineInput& in, const PublicationConfig& publication, Rng& rng,
                                          const Clock& clock, const EventSink& events) {
    const profile::Profile& profile = *in.profile;
    const CaRecord& ca = *in.ca;
    PreparedIssuance out;
    out.event = issue_event(ca.id, profile.id(), in.request_id);
    CaEvent& ev = out.event;
    auto fail = [&](Error e) -> Error {
        emit_failure(events, ev, e, "nothing persisted", clock);
        return e;
    };

    // 2. prepare
    auto issuer = issuer_context(ca, publication);
    if (!issuer) return fail(std::move(issuer).error());
    auto serial = in.serial ? Result<Bytes>(*in.serial) : crypto::random_serial(rng);
    if (!serial) return fail(std::move(serial).error());
    ev.serial_hex = hex_encode(*serial);
    auto tbs = profile::build_tbs(profile, in.data, *issuer, *serial, whole_seconds(in.not_before));
    if (!tbs) return fail(std::move(tbs).error());
    auto parsed = parse_tbs(*tbs, issuer->signature_algorithm);
    if (!parsed) return fail(std::move(parsed).error());
    ev.subject_dn = parsed->subject().to_string();

    // 3. lint: a failure persists nothing (the serial was never used, so it need not be reserved).
    auto linted = profile::check_tbs(*tbs, profile, *issuer);
    if (!linted) return fail(std::move(linted).error());

    out.pending = PendingIssuance{.ca_id = ca.id,
                                  .serial = std::move(serial).value(),
                                  .tbs_der = std::move(tbs).value(),
                                  .subject_dn = ev.subject_dn,
                                  .not_before = to_unix(parsed->not_before()),
                                  .not_after = to_unix(parsed->not_after()),
                                  .profile_id = profile.id(),
                                  .request_id = in.request_id};
    return out;
}

Result<Bytes> sign_prepared(const PreparedIssuance& p, const SigningKey& key,
                            const x509::SubjectPublicKeyInfo& issuer_spki, CaStores stores, const Clock& clock,
                            const EventSink& events) {
    auto der = sign_and_assemble(key, p.pending.tbs_der, issuer_spki);
    if (der) return der;
    // A refusal fails the pending row with the reason; the serial stays reserved (never reused).
    Error e = std::move(der).error();
    auto failed = stores.writer->fail_pending(p.pending.ca_id, p.pending.serial, failure_reason(e));
    if (!failed) e.message += "; marking the pending row failed also failed: " + failed.error().to_string();
    emit_failure(events, p.event, e, "pending row failed", clock);
    return e;
}

Result<IssuedCertificate> run_pipeline(const PipelineInput& in, const SigningKey& key, CaStores stores,
                                       const PublicationConfig& publication, Rng& rng, const Clock& clock,
                                       const EventSink& events) {
    auto ca_cert = x509::Certificate::parse(in.ca->certificate_der);
    if (!ca_cert) {
        emit_failure(events, issue_event(in.ca->id, in.profile->id(), in.request_id), ca_cert.error(),
                     "nothing persisted", clock);
        return std::move(ca_cert).error();
    }
    YX_ASSIGN_OR_RETURN(PreparedIssuance p, prepare_issuance(in, publication, rng, clock, events));

    // 4. persist serial + TBS in one transaction, before anything is signed.
    auto recorded = stores.pending->record_pending(p.pending);
    if (!recorded) {
        emit_failure(events, p.event, recorded.error(), "nothing persisted", clock);
        return std::move(recorded).error();
    }
    // 5. sign in the device.
    YX_ASSIGN_OR_RETURN(Bytes der, sign_prepared(p, key, ca_cert->public_key_info(), stores, clock, events));

    // 6. finalize. A store error leaves the row pending: recover_pending() finishes it.
    auto finalized = stores.writer->finalize(p.pending.ca_id, p.pending.serial, der);
    if (!finalized) {
        emit_failure(events, p.event, finalized.error(), "left pending for recovery", clock);
        return std::move(finalized).error();
    }
    p.event.detail = "certificate signed and stored";
    emit(events, p.event, clock);
    return IssuedCertificate{
        .serial = std::move(p.pending.serial), .certificate_der = std::move(der), .profile_id = in.profile->id()};
}

}  // namespace detail

std::string crl_url(std::string_view base_url, std::string_view ca_id, CrlScope scope) {
    std::string base(base_url);
    while (!base.empty() && base.back() == '/') base.pop_back();
    const std::string_view suffix = scope == CrlScope::delta ? "-delta.crl" : scope == CrlScope::arl ? ".arl" : ".crl";
    return base + "/crl/" + std::string(ca_id) + std::string(suffix);
}

Result<profile::IssuerContext> issuer_context(const CaRecord& ca, const PublicationConfig& publication) {
    auto cert = x509::Certificate::parse(ca.certificate_der);
    if (!cert)
        return make_error(Errc::ca_bad_certificate,
                          "CA '" + ca.id + "': its certificate does not parse: " + cert.error().to_string());
    profile::IssuerContext c;
    c.name = cert->subject();
    // RFC 5280 4.2.1.1: the AKI of what this CA issues repeats its certificate's SKI; a CA
    // certificate without one (RFC 5280 4.2.1.2 says MUST) gets the method (1) identifier.
    const auto& ski = cert->extensions().subject_key_identifier();
    c.key_id = ski ? *ski : x509::key_identifier(cert->public_key_info().key_bytes());
    c.not_before = cert->not_before();
    c.not_after = cert->not_after();
    std::string base = publication.base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    c.crl_url = crl_url(base, ca.id, CrlScope::full);
    // Roots publish an ARL for the CA certificates they issue (StatusService::issue_scheduled).
    if (ca.kind == CaKind::root || ca.kind == CaKind::seal_root) c.arl_url = crl_url(base, ca.id, CrlScope::arl);
    if (publication.delta_crls) c.delta_crl_url = crl_url(base, ca.id, CrlScope::delta);
    c.ocsp_url = base + "/ocsp/" + ca.id;
    c.ca_issuers_url = base + "/ca/" + ca.id + ".cer";
    c.cps_oid = publication.cps_oid;
    c.cps_uri = publication.cps_uri;
    auto alg = x509::signature_algorithm_for(cert->public_key_info());
    if (!alg) return make_error(Errc::ca_unsupported, "CA '" + ca.id + "': " + alg.error().message);
    c.signature_algorithm = std::move(alg).value();
    return c;
}

Issuer::Issuer(CaStores stores, const profile::ProfileSet& profiles, KeyResolver keys, PublicationConfig publication,
               const Clock& clock, Rng& rng, EventSink events)
    : m_stores(stores),
      m_profiles(profiles),
      m_keys(std::move(keys)),
      m_publication(std::move(publication)),
      m_clock(clock),
      m_rng(rng),
      m_events(std::move(events)) {}

namespace {

// The CA that is to sign: registered, active, with a usable certificate.
Result<CaRecord> signing_ca(CaRegistry& registry, std::string_view ca_id) {
    auto ca = registry.get_ca(ca_id);
    if (!ca) {
        if (ca.code() == Errc::store_not_found)
            return make_error(Errc::ca_not_found, "no CA '" + std::string(ca_id) + "'");
        return std::move(ca).error();
    }
    if (ca->status == CaStatus::retired)
        return make_error(Errc::ca_retired, "CA '" + std::string(ca_id) +
                                                "' is retired (key changeover): it signs CRLs only, no certificates");
    return std::move(ca).value();
}

// Step 1 of issuer.h: the request's key and subject, from the PKCS#10 or the KMC's SPKI.
Status validate_request(const IssueRequest& request, const profile::Profile& profile,
                        profile::CertificateRequestData& data) {
    Bytes spki_der;
    if (!request.csr.empty()) {
        if (request.csr.size() > k_max_csr_size)
            return make_error(Errc::x509_too_large, "CSR: " + std::to_string(request.csr.size()) +
                                                        " bytes, more than the limit of " +
                                                        std::to_string(k_max_csr_size));
        const std::string_view text(reinterpret_cast<const char*>(request.csr.data()), request.csr.size());
        auto csr = text.find("-----BEGIN") != std::string_view::npos ? x509::CertificationRequest::parse_pem(text)
                                                                     : x509::CertificationRequest::parse(request.csr);
        if (!csr) {
            Error e = std::move(csr).error();
            e.message = "CSR refused: " + e.message;
            return e;
        }
        // RFC 2986 / GM/T 0009: proof of possession over CertificationRequestInfo as received,
        // with the applicant's SM2 ID.
        auto pop = csr->verify_pop(request.csr_sm2_id);
        if (!pop) {
            Error e = std::move(pop).error();
            e.message = "CSR proof of possession refused: " + e.message;
            return e;
        }
        spki_der = csr->public_key_info().der();
        if (!data.spki_der.empty() && data.spki_der != spki_der)
            return make_error(Errc::ca_key_mismatch, "the approved key is not the key of the CSR");
        if (data.subject.empty()) {
            YX_ASSIGN_OR_RETURN(data.subject, detail::name_to_pairs(csr->subject()));
        }
        data.spki_der = spki_der;
    } else if (data.spki_der.empty()) {
        return make_error(Errc::ca_bad_csr, "neither a CSR nor a subject public key was given");
    }

    auto spki = x509::SubjectPublicKeyInfo::parse(data.spki_der);
    if (!spki) {
        Error e = std::move(spki).error();
        e.message = "subject public key refused: " + e.message;
        return e;
    }
    // Key policy: the profile names the algorithms it issues (SM2; ECDSA P-256 for TLS servers).
    if (!profile::key_algorithm_allowed(profile, *spki)) {
        std::string kind =
            spki->is_sm2()                           ? "SM2"
            : spki->key_type() == x509::KeyType::rsa ? "RSA"
            : spki->key_type() == x509::KeyType::ec
                ? "EC on curve " + (spki->curve() ? spki->curve()->to_string() : std::string("(explicit)"))
                : spki->algorithm().oid.to_string();
        return make_error(Errc::ca_bad_csr, "profile " + profile.id() + " does not issue " + kind + " keys");
    }
    if (data.subject.empty()) return make_error(Errc::ca_bad_csr, "the subject is empty");
    if (request.serial) {
        // RFC 5280 4.1.2.2: positive, at most 20 octets; 8 or more keep it unguessable.
        const Bytes& sn = *request.serial;
        const bool zero = std::all_of(sn.begin(), sn.end(), [](std::uint8_t b) { return b == 0; });
        if (sn.size() < 8 || sn.size() > 20 || zero || sn.front() == 0 || (sn.front() & 0x80) != 0)
            return make_error(
                Errc::ca_bad_csr,
                "a preset serial must be 8-20 bytes, positive and minimally encoded (got " + hex_encode(sn) + ")");
    }
    return ok_status();
}

// Step 1 for one request of `ca`: its profile and validated request data.
Result<detail::PipelineInput> resolve_request(const IssueRequest& request, const CaRecord& ca,
                                              const profile::ProfileSet& profiles, const Clock& clock) {
    YX_ASSIGN_OR_RETURN(const profile::Profile* profile, profiles.find(request.profile_id));
    if (profile->kind() == profile::ProfileKind::root_ca)
        return make_error(Errc::profile_request_rejected,
                          "profile " + request.profile_id + " is for self-signed roots (ca init), not issuance");
    // A CA issues only profiles of its own key algorithm: the SM2 CAs everything GM, the P-256 TLS
    // CA TLS servers. No chain mixes the two, so every GM path verifies with the signer ID alone.
    {
        auto ca_cert = x509::Certificate::parse(ca.certificate_der);
        if (!ca_cert)
            return make_error(Errc::ca_bad_certificate,
                              "CA '" + ca.id + "': its certificate does not parse: " + ca_cert.error().to_string());
        if (!profile::key_algorithm_allowed(*profile, ca_cert->public_key_info()))
            return make_error(Errc::profile_request_rejected,
                              "CA '" + ca.id + "' does not issue profile " + request.profile_id +
                                  ": the profile's key algorithms are not the CA's own");
    }
    profile::CertificateRequestData data = request.data;
    YX_TRY(validate_request(request, *profile, data));
    return detail::PipelineInput{.profile = profile,
                                 .ca = &ca,
                                 .data = std::move(data),
                                 .request_id = request.request_id,
                                 .not_before = request.not_before.value_or(clock.now()),
                                 .serial = request.serial};
}

CaEvent refused_event(const IssueRequest& request) {
    return detail::issue_event(request.ca_id, request.profile_id, request.request_id);
}

}  // namespace

Result<IssuedCertificate> Issuer::issue(const IssueRequest& request) {
    auto refuse = [&](Error e) -> Error {
        detail::emit_failure(m_events, refused_event(request), e, "nothing persisted", m_clock);
        return e;
    };
    auto ca = signing_ca(*m_stores.registry, request.ca_id);
    if (!ca) return refuse(std::move(ca).error());
    auto in = resolve_request(request, *ca, m_profiles, m_clock);
    if (!in) return refuse(std::move(in).error());
    // Resolve the key before persisting anything: a CA without a usable key must not leave
    // pending rows behind.
    if (!m_keys) return refuse(make_error(Errc::ca_no_key, "no key resolver"));
    auto key = m_keys(*ca);
    if (!key) return refuse(std::move(key).error());
    return detail::run_pipeline(*in, *key, m_stores, m_publication, m_rng, m_clock, m_events);
}

Result<std::vector<Result<IssuedCertificate>>> Issuer::issue_batch(std::span<const IssueRequest> requests) {
    std::vector<Result<IssuedCertificate>> results;
    if (requests.empty()) return results;
    auto refuse_all = [&](const Error& e) -> Error {
        for (const auto& r : requests)
            detail::emit_failure(m_events, refused_event(r), e, "nothing persisted", m_clock);
        return e;
    };
    if (requests.size() > k_max_batch)
        return refuse_all(make_error(
            Errc::invalid_argument,
            "a batch of " + std::to_string(requests.size()) + " requests, more than " + std::to_string(k_max_batch)));
    const std::string& ca_id = requests.front().ca_id;
    for (const auto& r : requests)
        if (r.ca_id != ca_id)
            return refuse_all(make_error(Errc::invalid_argument, "a batch names CA '" + ca_id + "' and CA '" + r.ca_id +
                                                                     "': one batch is for one CA"));
    auto ca = signing_ca(*m_stores.registry, ca_id);
    if (!ca) return refuse_all(ca.error());
    auto ca_cert = x509::Certificate::parse(ca->certificate_der);
    if (!ca_cert) return refuse_all(ca_cert.error());
    if (!m_keys) return refuse_all(make_error(Errc::ca_no_key, "no key resolver"));
    auto key = m_keys(*ca);
    if (!key) return refuse_all(key.error());

    // 1-3 for each request; a refused request does not hold up the others.
    results.reserve(requests.size());
    std::vector<detail::PreparedIssuance> prepared;
    std::vector<std::size_t> slot;  // prepared[i] answers requests[slot[i]]
    for (std::size_t i = 0; i < requests.size(); ++i) {
        auto in = resolve_request(requests[i], *ca, m_profiles, m_clock);
        if (!in) {
            detail::emit_failure(m_events, refused_event(requests[i]), in.error(), "nothing persisted", m_clock);
            results.emplace_back(std::move(in).error());
            continue;
        }
        auto p = detail::prepare_issuance(*in, m_publication, m_rng, m_clock, m_events);
        if (!p) {
            results.emplace_back(std::move(p).error());
            continue;
        }
        results.emplace_back(make_error(Errc::internal, "not issued yet"));
        prepared.push_back(std::move(p).value());
        slot.push_back(i);
    }
    if (prepared.empty()) return results;

    // 4. every serial and TBS in one transaction: all are recorded, or none.
    std::vector<PendingIssuance> pending;
    pending.reserve(prepared.size());
    for (const auto& p : prepared) pending.push_back(p.pending);
    auto recorded = m_stores.pending->record_pending_batch(pending);
    if (!recorded) {
        for (const auto& p : prepared)
            detail::emit_failure(m_events, p.event, recorded.error(), "nothing persisted", m_clock);
        return std::move(recorded).error();
    }

    // 5. sign each in the device; a refusal fails that row only.
    std::vector<SignedCertificate> signed_certs;
    std::vector<std::size_t> signed_of;  // signed_certs[j] is prepared[signed_of[j]]
    signed_certs.reserve(prepared.size());
    for (std::size_t i = 0; i < prepared.size(); ++i) {
        auto der = detail::sign_prepared(prepared[i], *key, ca_cert->public_key_info(), m_stores, m_clock, m_events);
        if (!der) {
            results[slot[i]] = std::move(der).error();
            continue;
        }
        signed_certs.push_back({.ca_id = ca->id, .serial = prepared[i].pending.serial, .certificate_der = *der});
        signed_of.push_back(i);
    }
    if (signed_certs.empty()) return results;

    // 6. finalize every signed certificate in one transaction. A store error leaves them all
    // pending: recover_pending() finishes them.
    auto finalized = m_stores.writer->finalize_batch(signed_certs);
    for (std::size_t j = 0; j < signed_certs.size(); ++j) {
        detail::PreparedIssuance& p = prepared[signed_of[j]];
        auto& out = results[slot[signed_of[j]]];
        if (!finalized) {
            detail::emit_failure(m_events, p.event, finalized.error(), "left pending for recovery", m_clock);
            out = finalized.error();
            continue;
        }
        p.event.detail = "certificate signed and stored (batch of " + std::to_string(signed_certs.size()) + ")";
        detail::emit(m_events, p.event, m_clock);
        out = IssuedCertificate{.serial = std::move(signed_certs[j].serial),
                                .certificate_der = std::move(signed_certs[j].certificate_der),
                                .profile_id = p.pending.profile_id};
    }
    return results;
}

Result<RecoveryReport> Issuer::recover_pending() {
    RecoveryReport report;
    YX_ASSIGN_OR_RETURN(auto rows, m_stores.reader->list_pending(""));
    const TimePoint now = m_clock.now();
    for (const auto& row : rows) {
        const std::string serial_hex = hex_encode(row.serial);
        const std::string name = row.ca_id + ":" + serial_hex;
        CaEvent ev;
        ev.action = "ca.recover.failed";
        ev.ca_id = row.ca_id;
        ev.serial_hex = serial_hex;
        ev.subject_dn = row.subject_dn;
        ev.profile_id = row.profile_id;
        ev.request_id = row.request_id;
        ev.success = false;
        // Fails the row for good: the serial stays reserved, the request can be submitted again.
        auto give_up = [&](const Error& e) -> Status {
            std::string reason = "recovery: ";
            reason.append(errc_name(e.code)).append(": ").append(e.message);
            YX_TRY(m_stores.writer->fail_pending(row.ca_id, row.serial, reason));
            std::string line = name;
            line.append(": ").append(reason);
            report.failed.push_back(std::move(line));
            ev.error_code = std::string(errc_name(e.code));
            ev.error = e.code;
            ev.detail = reason;
            detail::emit(m_events, ev, m_clock);
            return ok_status();
        };

        auto ca = signing_ca(*m_stores.registry, row.ca_id);
        if (!ca) {
            YX_TRY(give_up(ca.error()));
            continue;
        }
        auto ca_cert = x509::Certificate::parse(ca->certificate_der);
        if (!ca_cert) {
            YX_TRY(give_up(ca_cert.error()));
            continue;
        }
        // The recorded TBS must still be one this CA may sign now: named by it, and not expired.
        auto ca_alg = x509::signature_algorithm_for(ca_cert->public_key_info());
        if (!ca_alg) {
            YX_TRY(give_up(ca_alg.error()));
            continue;
        }
        auto tbs_cert = detail::parse_tbs(row.tbs_der, *ca_alg);
        if (!tbs_cert) {
            YX_TRY(give_up(tbs_cert.error()));
            continue;
        }
        if (!(tbs_cert->issuer() == ca_cert->subject())) {
            YX_TRY(give_up(make_error(Errc::ca_bad_certificate, "the recorded TBS names another issuer")));
            continue;
        }
        if (!ca_cert->valid_at(now) || tbs_cert->not_after() < now) {
            YX_TRY(give_up(make_error(Errc::ca_retired, "the CA certificate or the recorded TBS has expired")));
            continue;
        }
        // A key that is not available now (device locked, access right refused) leaves the row
        // pending for the next run: the operator unlocks the device and recovers again.
        auto key = m_keys ? m_keys(*ca) : Result<SigningKey>(make_error(Errc::ca_no_key, "no key resolver"));
        if (!key) {
            report.failed.push_back(name + ": left pending: " + key.error().to_string());
            ev.error_code = std::string(errc_name(key.code()));
            ev.error = key.code();
            ev.detail = "left pending: " + key.error().message;
            detail::emit(m_events, ev, m_clock);
            continue;
        }
        // SM2 signatures are randomised: the certificate differs from one signed before the crash
        // (if any), but its TBS, and so its serial and content, are the approved ones.
        auto der = detail::sign_and_assemble(*key, row.tbs_der, ca_cert->public_key_info());
        if (!der) {
            YX_TRY(give_up(der.error()));
            continue;
        }
        YX_TRY(m_stores.writer->finalize(row.ca_id, row.serial, *der));
        report.finalized.push_back(name);
        ev.action = "ca.recover.finalized";
        ev.success = true;
        ev.detail = "pending certificate signed and stored";
        detail::emit(m_events, ev, m_clock);
    }
    return report;
}

}  // namespace yinxin::ca
