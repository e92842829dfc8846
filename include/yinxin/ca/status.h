// Certificate status: revocation, suspension (certificateHold) and the CRLs of each CA
// (LD/T 03-2022 §6.4.4 and §6.4.6; RFC 5280 §5; CPS digests: a CRL at least every 24 hours and
// immediately after each revocation).
//
// A revocation is one store transaction; the new CRL is signed right after it. A crash between the
// two leaves the revocation recorded and the next CRL (schedule or `yinxin crl issue`) carries it.
// CRLs are built by paging through the revocations, never loading them all as records.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/store.h"
#include "yinxin/x509/crl.h"

namespace yinxin::ca {

struct CrlPolicy {
    // nextUpdate − thisUpdate of full CRLs and ARLs. The CPSs publish at least daily, so at most 24
    // hours.
    std::chrono::seconds validity{std::chrono::hours(24)};
    // Delta CRLs (RFC 5280 5.2.4). On: each status change is published at once as a delta CRL
    // against the newest full CRL (milliseconds, where a full CRL of a million entries takes about a
    // second), full CRLs carry freshestCRL and follow the schedule. Off: each change gets a new full
    // CRL.
    bool deltas = false;
    std::chrono::seconds delta_validity{std::chrono::hours(1)};
    // The publication base URL (as in the certificates' CRL distribution points): full CRLs point
    // to <base>/crl/<ca>-delta.crl (freshestCRL) and an ARL names <base>/crl/<ca>.arl in its
    // issuingDistributionPoint. Empty: neither URL is written.
    std::string base_url;
};

// The policy a publication configuration implies: delta CRLs on or off, and the base URL.
CrlPolicy crl_policy_for(const PublicationConfig& publication);

struct RevokeRequest {
    std::string ca_id;
    Bytes serial;
    // certificateHold suspends (SDCA CPS); removeFromCRL is not a revocation (release_hold).
    x509::CrlReason reason = x509::CrlReason::unspecified;
    std::optional<TimePoint> invalidity_date;  // when the key is known or suspected to be compromised
    std::string actor;
};

struct RevocationResult {
    RevocationRecord revocation;
    // The CRL signed right after it (full, or delta when CrlPolicy::deltas); empty when signing
    // failed (the revocation stands and the next CRL carries it; `crl_error` says why).
    std::optional<CrlRecord> crl;
    std::optional<Error> crl_error;
    // For a CA certificate, the new ARL as well.
    std::optional<CrlRecord> arl;
};

class StatusService {
public:
    // `keys` resolves the CA's signing key (device_key_resolver); events go to the audit log:
    // "ca.revoke", "ca.hold", "ca.hold.release", "ca.crl" (each also as a failure).
    StatusService(CaStores stores, RevocationStore& status, KeyResolver keys, const Clock& clock, EventSink events,
                  CrlPolicy policy = {});

    // Errors: ca.not_found (no CA), ca.certificate_not_found (no issued certificate with that
    // serial), ca.already_revoked (revoked, or already on hold for a hold), base.invalid_argument
    // (removeFromCRL, an invalidity date in the future).
    Result<RevocationResult> revoke(const RevokeRequest& request);
    // Unsuspends; ca.not_on_hold unless the certificate is on hold. A new CRL follows.
    Result<RevocationResult> release_hold(std::string_view ca_id, BytesView serial, const std::string& actor);

    // Signs and stores a full CRL of the CA: every certificate it has revoked or holds, with
    // reason codes and invalidity dates, CRL number, AKI, thisUpdate now and nextUpdate now +
    // policy.validity. A retired CA signs while may_sign_crls() says so (ca.retired otherwise).
    // Events "ca.crl", "ca.crl.delta", "ca.arl".
    Result<CrlRecord> issue_crl(std::string_view ca_id) { return issue(ca_id, CrlScope::full); }
    // A delta CRL (critical deltaCRLIndicator naming the base): every certificate whose status
    // changed since the newest full CRL, revoked and held ones with their reason, released holds
    // as removeFromCRL. Signs a full CRL first when there is none to be the base.
    Result<CrlRecord> issue_delta_crl(std::string_view ca_id);
    // The ARL: the revoked CA certificates, issuingDistributionPoint onlyContainsCACerts.
    Result<CrlRecord> issue_arl(std::string_view ca_id) { return issue(ca_id, CrlScope::arl); }
    // What the schedule publishes for a CA: a full CRL, a delta when deltas are on, and an ARL for
    // a root (which issues CA certificates).
    Result<std::vector<CrlRecord>> issue_scheduled(std::string_view ca_id);

    const CrlPolicy& policy() const { return m_policy; }

private:
    Result<CaRecord> crl_signer(std::string_view ca_id);
    Result<CrlRecord> issue(std::string_view ca_id, CrlScope scope);
    Status add_revocations(x509::CrlBuilder& b, std::string_view ca_id, bool ca_certificates_only);
    Status add_changes(x509::CrlBuilder& b, std::string_view ca_id, std::int64_t after_change);
    RevocationResult with_crl(RevocationRecord rec);

    CaStores m_stores;
    RevocationStore& m_status;
    KeyResolver m_keys;
    const Clock& m_clock;
    EventSink m_events;
    CrlPolicy m_policy;
};

// When CRLs are published without a status change (CPS digests: at least every 24 hours, at a
// configured time of day).
struct CrlSchedule {
    // A new full CRL (and ARL, delta) once the newest full CRL is this old; 1 minute .. 24 hours.
    std::chrono::seconds interval{std::chrono::hours(24)};
    // Also at this time of day (UTC; 16:00 is midnight in Beijing) when the newest full CRL is
    // older than that moment.
    std::optional<std::chrono::minutes> daily_at;

    // Whether a CA whose newest full CRL was made at `last` (none: never) is due at `now`.
    bool due(std::optional<TimePoint> last, TimePoint now) const;
};

// base.invalid_argument unless 1 minute <= interval <= 24 hours and daily_at < 24:00.
Status validate(const CrlSchedule& s);
// "HH:MM" → minutes after midnight; base.invalid_argument otherwise.
Result<std::chrono::minutes> parse_time_of_day(std::string_view hh_mm);

// One pass of the schedule: the scheduled CRLs (StatusService::issue_scheduled) of every CA that is
// due and may still sign CRLs. Failures are audited by the service and reported here; the other
// CAs go on.
struct CrlRunReport {
    std::vector<CrlRecord> issued;
    std::vector<std::pair<std::string, Error>> failed;  // CA id, why
};
Result<CrlRunReport> run_crl_schedule(StatusService& service, CaStores stores, RevocationStore& status,
                                      const CrlSchedule& schedule, TimePoint now);

}  // namespace yinxin::ca
