#include "yinxin/ca/status.h"

#include <cctype>
#include <utility>

#include "pipeline.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::ca {

namespace {

constexpr std::size_t k_crl_page = 10'000;

CaEvent status_event(std::string action, std::string_view ca_id, BytesView serial) {
    CaEvent ev;
    ev.action = std::move(action);
    ev.ca_id = std::string(ca_id);
    if (!serial.empty()) ev.serial_hex = hex_encode(serial);
    return ev;
}

// Store errors in the words of the status service.
Error relabel(Error e, Errc not_found, Errc conflict) {
    if (e.code == Errc::store_not_found) e.code = not_found;
    if (e.code == Errc::store_conflict) e.code = conflict;
    return e;
}

}  // namespace

CrlPolicy crl_policy_for(const PublicationConfig& publication) {
    CrlPolicy p;
    p.deltas = publication.delta_crls;
    p.base_url = publication.base_url;
    return p;
}

StatusService::StatusService(CaStores stores, RevocationStore& status, KeyResolver keys, const Clock& clock,
                             EventSink events, CrlPolicy policy)
    : m_stores(stores),
      m_status(status),
      m_keys(std::move(keys)),
      m_clock(clock),
      m_events(std::move(events)),
      m_policy(std::move(policy)) {}

Result<RevocationResult> StatusService::revoke(const RevokeRequest& request) {
    const bool hold = request.reason == x509::CrlReason::certificate_hold;
    CaEvent ev = status_event(hold ? "ca.hold" : "ca.revoke", request.ca_id, request.serial);
    ev.detail = "reason " + std::string(x509::crl_reason_name(request.reason));
    auto fail = [&](Error e) -> Error {
        detail::emit_failure(m_events, ev, e, "nothing changed", m_clock);
        return e;
    };
    const TimePoint now = detail::whole_seconds(m_clock.now());
    if (request.reason == x509::CrlReason::remove_from_crl)
        return fail(make_error(Errc::invalid_argument, "removeFromCRL is not a revocation: release the hold instead"));
    if (request.invalidity_date && *request.invalidity_date > now)
        return fail(make_error(Errc::invalid_argument, "the invalidity date is in the future"));
    auto ca = m_stores.registry->get_ca(request.ca_id);
    if (!ca) return fail(relabel(std::move(ca).error(), Errc::ca_not_found, Errc::store_conflict));
    auto cert = m_stores.reader->certificate_by_serial(request.ca_id, request.serial);
    if (!cert) return fail(relabel(std::move(cert).error(), Errc::ca_certificate_not_found, Errc::store_conflict));
    if (cert->status != CertificateStatus::issued)
        return fail(make_error(Errc::ca_certificate_not_found, "certificate " + hex_encode(request.serial) +
                                                                   " of CA '" + request.ca_id + "' was never issued"));
    ev.subject_dn = cert->subject_dn;
    ev.profile_id = cert->profile_id;
    // A revoked CA certificate also goes on the ARL.
    bool ca_certificate = false;
    if (auto parsed = x509::Certificate::parse(cert->certificate_der)) {
        const auto& bc = parsed->extensions().basic_constraints();
        ca_certificate = bc && bc->ca;
    }

    RevocationRecord rec;
    rec.ca_id = request.ca_id;
    rec.serial = request.serial;
    rec.revoked_at = to_unix(now);
    rec.reason = static_cast<int>(request.reason);
    if (request.invalidity_date) rec.invalidity_date = to_unix(*request.invalidity_date);
    rec.actor = request.actor;
    rec.ca_certificate = ca_certificate;
    auto st = m_status.revoke(rec);
    if (!st) return fail(relabel(std::move(st).error(), Errc::ca_certificate_not_found, Errc::ca_already_revoked));
    detail::emit(m_events, ev, m_clock);
    return with_crl(std::move(rec));
}

Result<RevocationResult> StatusService::release_hold(std::string_view ca_id, BytesView serial,
                                                     const std::string& actor) {
    CaEvent ev = status_event("ca.hold.release", ca_id, serial);
    ev.detail = "by " + actor;
    auto st = m_status.release_hold(ca_id, serial);
    if (!st) {
        Error e = relabel(std::move(st).error(), Errc::ca_not_on_hold, Errc::store_conflict);
        detail::emit_failure(m_events, ev, e, "nothing changed", m_clock);
        return e;
    }
    detail::emit(m_events, ev, m_clock);
    RevocationRecord released;
    released.ca_id = std::string(ca_id);
    released.serial = Bytes(serial.begin(), serial.end());
    released.reason = static_cast<int>(x509::CrlReason::remove_from_crl);
    released.revoked_at = to_unix(m_clock.now());
    released.actor = actor;
    if (auto cert = m_stores.reader->certificate_by_serial(ca_id, serial)) {
        if (auto parsed = x509::Certificate::parse(cert->certificate_der)) {
            const auto& bc = parsed->extensions().basic_constraints();
            released.ca_certificate = bc && bc->ca;
        }
    }
    return with_crl(std::move(released));
}

RevocationResult StatusService::with_crl(RevocationRecord rec) {
    RevocationResult out;
    const std::string ca_id = rec.ca_id;
    out.revocation = std::move(rec);
    const bool ca_certificate = out.revocation.ca_certificate;
    auto crl = m_policy.deltas ? issue_delta_crl(ca_id) : issue_crl(ca_id);
    if (crl)
        out.crl = std::move(crl).value();
    else
        out.crl_error = std::move(crl).error();
    if (ca_certificate) {
        auto arl = issue_arl(ca_id);
        if (arl)
            out.arl = std::move(arl).value();
        else if (!out.crl_error)
            out.crl_error = std::move(arl).error();
    }
    return out;
}

Result<CaRecord> StatusService::crl_signer(std::string_view ca_id) {
    auto ca = m_stores.registry->get_ca(ca_id);
    if (!ca) return relabel(std::move(ca).error(), Errc::ca_not_found, Errc::store_conflict);
    YX_ASSIGN_OR_RETURN(bool may, may_sign_crls(ca_id, m_stores, m_clock.now()));
    if (!may)
        return make_error(Errc::ca_retired, "CA '" + std::string(ca_id) +
                                                "' signs no more CRLs: its certificate expired, or it is retired and "
                                                "every certificate it issued has expired");
    return ca;
}

Status StatusService::add_revocations(x509::CrlBuilder& b, std::string_view ca_id, bool ca_certificates_only) {
    std::int64_t after = 0;
    for (;;) {
        YX_ASSIGN_OR_RETURN(RevocationPage page,
                            m_status.list_revocations(ca_id, after, k_crl_page, ca_certificates_only));
        for (const auto& r : page.records) {
            YX_ASSIGN_OR_RETURN(x509::CrlReason reason, x509::crl_reason_from_int(r.reason));
            x509::RevokedEntry e{.serial = r.serial,
                                 .revoked_at = from_unix(r.revoked_at),
                                 .reason = reason,
                                 .invalidity_date = std::nullopt};
            if (r.invalidity_date) e.invalidity_date = from_unix(*r.invalidity_date);
            YX_TRY(b.add(e));
        }
        if (!page.next_after_id) return ok_status();
        after = *page.next_after_id;
    }
}

Status StatusService::add_changes(x509::CrlBuilder& b, std::string_view ca_id, std::int64_t after_change) {
    std::int64_t after = after_change;
    for (;;) {
        YX_ASSIGN_OR_RETURN(StatusChangePage page, m_status.list_status_changes(ca_id, after, k_crl_page));
        for (const auto& c : page.changes) {
            x509::RevokedEntry e{.serial = c.serial,
                                 .revoked_at = from_unix(c.changed_at),
                                 .reason = x509::CrlReason::remove_from_crl,
                                 .invalidity_date = std::nullopt};
            if (c.current) {
                // Revoked or on hold now (RFC 5280 5.2.4: listed with its revocation).
                YX_ASSIGN_OR_RETURN(e.reason, x509::crl_reason_from_int(c.current->reason));
                e.revoked_at = from_unix(c.current->revoked_at);
                if (c.current->invalidity_date) e.invalidity_date = from_unix(*c.current->invalidity_date);
            }
            YX_TRY(b.add(e));
        }
        if (!page.next_after_id) return ok_status();
        after = *page.next_after_id;
    }
}

Result<CrlRecord> StatusService::issue_delta_crl(std::string_view ca_id) {
    YX_ASSIGN_OR_RETURN(std::optional<CrlRecord> base, m_status.latest_crl(ca_id, CrlScope::full));
    if (!base || !base->status_change_id) {
        // No full CRL made since the change log exists: that one becomes the base.
        YX_TRY(issue_crl(ca_id));
    }
    return issue(ca_id, CrlScope::delta);
}

Result<std::vector<CrlRecord>> StatusService::issue_scheduled(std::string_view ca_id) {
    std::vector<CrlRecord> out;
    YX_ASSIGN_OR_RETURN(CrlRecord full, issue_crl(ca_id));
    out.push_back(std::move(full));
    YX_ASSIGN_OR_RETURN(CaRecord ca, m_stores.registry->get_ca(ca_id));
    if (ca.kind == CaKind::root || ca.kind == CaKind::seal_root) {
        YX_ASSIGN_OR_RETURN(CrlRecord arl, issue_arl(ca_id));
        out.push_back(std::move(arl));
    }
    if (m_policy.deltas) {
        YX_ASSIGN_OR_RETURN(CrlRecord delta, issue(ca_id, CrlScope::delta));
        out.push_back(std::move(delta));
    }
    return out;
}

Result<CrlRecord> StatusService::issue(std::string_view ca_id, CrlScope scope) {
    CaEvent ev = status_event(scope == CrlScope::delta ? "ca.crl.delta"
                              : scope == CrlScope::arl ? "ca.arl"
                                                       : "ca.crl",
                              ca_id, {});
    auto run = [&]() -> Result<CrlRecord> {
        YX_ASSIGN_OR_RETURN(CaRecord ca, crl_signer(ca_id));
        YX_ASSIGN_OR_RETURN(x509::Certificate ca_cert, x509::Certificate::parse(ca.certificate_der));
        YX_ASSIGN_OR_RETURN(x509::AlgorithmIdentifier alg, x509::signature_algorithm_for(ca_cert.public_key_info()));
        if (!m_keys) return make_error(Errc::ca_no_key, "no key resolver");
        // The key before the number: a CA without a usable key burns no CRL number.
        YX_ASSIGN_OR_RETURN(SigningKey key, m_keys(ca));
        if (key.device == nullptr) return make_error(Errc::ca_no_key, "no signing device");

        const auto& ski = ca_cert.extensions().subject_key_identifier();
        const Bytes key_id = ski ? *ski : x509::key_identifier(ca_cert.public_key_info().key_bytes());
        const TimePoint this_update = detail::whole_seconds(m_clock.now());
        const TimePoint next_update =
            this_update + (scope == CrlScope::delta ? m_policy.delta_validity : m_policy.validity);

        x509::CrlBuilder b;
        b.signature_algorithm(alg)
            .issuer(ca_cert.subject())
            .this_update(this_update)
            .next_update(next_update)
            .authority_key_identifier(key_id);
        // Read before the entries: a change made while they are read is in the next delta too.
        YX_ASSIGN_OR_RETURN(std::int64_t covers, m_status.last_status_change(ca_id));
        std::optional<std::uint64_t> delta_base;
        switch (scope) {
            case CrlScope::full:
                if (m_policy.deltas && !m_policy.base_url.empty())
                    b.freshest_crl(crl_url(m_policy.base_url, ca_id, CrlScope::delta));
                YX_TRY(add_revocations(b, ca_id, false));
                break;
            case CrlScope::arl:
                b.issuing_distribution_point(
                    m_policy.base_url.empty() ? std::string() : crl_url(m_policy.base_url, ca_id, CrlScope::arl), true);
                YX_TRY(add_revocations(b, ca_id, true));
                break;
            case CrlScope::delta: {
                YX_ASSIGN_OR_RETURN(std::optional<CrlRecord> base, m_status.latest_crl(ca_id, CrlScope::full));
                if (!base || !base->status_change_id)
                    return make_error(Errc::internal,
                                      "CA '" + std::string(ca_id) + "' has no full CRL to be the delta's base");
                delta_base = base->number;
                b.delta_crl_indicator(base->number);
                YX_TRY(add_changes(b, ca_id, *base->status_change_id));
                break;
            }
        }
        YX_ASSIGN_OR_RETURN(std::uint64_t number, m_status.next_crl_number(ca_id));
        b.crl_number(number);
        YX_ASSIGN_OR_RETURN(Bytes tbs, b.build_tbs());
        YX_ASSIGN_OR_RETURN(Bytes signature, key.device->sign(key.index, tbs, key.sm2_id));
        YX_ASSIGN_OR_RETURN(Bytes der, x509::assemble_crl(tbs, alg, signature));
        // The device signed with the CA's key and ID, or nothing is published.
        YX_ASSIGN_OR_RETURN(x509::Crl parsed, x509::Crl::parse(der));
        auto verified = parsed.verify_signature_with(ca_cert.public_key_info(), key.sm2_id);
        if (!verified)
            return make_error(Errc::ca_key_mismatch,
                              "the device's CRL signature does not verify with the CA certificate's key: " +
                                  verified.error().message);
        CrlRecord rec{.ca_id = std::string(ca_id),
                      .number = number,
                      .scope = scope,
                      .delta_base = delta_base,
                      .status_change_id = covers,
                      .this_update = to_unix(this_update),
                      .next_update = to_unix(next_update),
                      .entries = b.entry_count(),
                      .der = std::move(der)};
        YX_TRY(m_status.put_crl(rec));
        return rec;
    };
    auto r = run();
    if (!r) {
        detail::emit_failure(m_events, ev, r.error(), "no CRL published", m_clock);
        return r;
    }
    ev.detail = std::string(crl_scope_name(scope)) + " CRL number " + std::to_string(r->number) + ", " +
                std::to_string(r->entries) + " entries, next update " + std::to_string(r->next_update);
    if (r->delta_base) ev.detail += ", base CRL " + std::to_string(*r->delta_base);
    detail::emit(m_events, ev, m_clock);
    return r;
}

bool CrlSchedule::due(std::optional<TimePoint> last, TimePoint now) const {
    if (!last) return true;
    if (now - *last >= interval) return true;
    if (daily_at) {
        // The most recent daily moment at or before now.
        const auto day = std::chrono::floor<std::chrono::days>(now);
        TimePoint slot = day + *daily_at;
        if (slot > now) slot -= std::chrono::days(1);
        if (*last < slot) return true;
    }
    return false;
}

Status validate(const CrlSchedule& s) {
    if (s.interval < std::chrono::minutes(1) || s.interval > std::chrono::hours(24))
        return make_error(Errc::invalid_argument, "the CRL interval must be 1 minute .. 24 hours");
    if (s.daily_at && (*s.daily_at < std::chrono::minutes(0) || *s.daily_at >= std::chrono::hours(24)))
        return make_error(Errc::invalid_argument, "the daily CRL time must be 00:00 .. 23:59");
    return ok_status();
}

Result<std::chrono::minutes> parse_time_of_day(std::string_view hh_mm) {
    auto digits = [](std::string_view d) {
        return d.size() == 2 && std::isdigit(static_cast<unsigned char>(d[0])) &&
               std::isdigit(static_cast<unsigned char>(d[1]));
    };
    if (hh_mm.size() != 5 || hh_mm[2] != ':' || !digits(hh_mm.substr(0, 2)) || !digits(hh_mm.substr(3, 2)))
        return make_error(Errc::invalid_argument, "a time of day is HH:MM (UTC), e.g. 16:00");
    const int h = (hh_mm[0] - '0') * 10 + (hh_mm[1] - '0');
    const int m = (hh_mm[3] - '0') * 10 + (hh_mm[4] - '0');
    if (h > 23 || m > 59) return make_error(Errc::invalid_argument, "a time of day is 00:00 .. 23:59");
    return std::chrono::minutes(h * 60 + m);
}

Result<CrlRunReport> run_crl_schedule(StatusService& service, CaStores stores, RevocationStore& status,
                                      const CrlSchedule& schedule, TimePoint now) {
    CrlRunReport report;
    YX_ASSIGN_OR_RETURN(std::vector<CaRecord> cas, stores.registry->list_cas());
    for (const auto& ca : cas) {
        if (ca.kind == CaKind::external) continue;
        auto may = may_sign_crls(ca.id, stores, now);
        if (!may) {
            report.failed.emplace_back(ca.id, std::move(may).error());
            continue;
        }
        if (!*may) continue;
        YX_ASSIGN_OR_RETURN(std::optional<CrlRecord> latest, status.latest_crl(ca.id, CrlScope::full));
        std::optional<TimePoint> last;
        if (latest) last = from_unix(latest->this_update);
        if (!schedule.due(last, now)) continue;
        auto crls = service.issue_scheduled(ca.id);
        if (!crls) {
            report.failed.emplace_back(ca.id, std::move(crls).error());
            continue;
        }
        for (auto& c : *crls) report.issued.push_back(std::move(c));
    }
    return report;
}

}  // namespace yinxin::ca
