// The registration workflow (LD/T 03-2022 §6.4.1–§6.4.4; CPS digests): the rules around the
// request records of application.h. Every call names the acting principal, is authorised by role
// and organisation node through auth::AuthService, and is written to the audit log (failures too:
// action "ra.<step>", target the request id or certificate).
//
// Signed decisions. Approving, reviewing, rejecting and delivering need the acting member's SM2
// signature (the key of their registered login certificate, SM2 ID of auth::AuthConfig) over
//   auth::decision_text(<step>, <request id>, hex(SM3(request_payload(request))))
// so a decision cannot be moved to another request, or survive a change of its content. The
// history keeps the verified record and the signature.
//
// RA→CA requests are signed (iTrus CPS). After review the workflow hands the request to the CA
// side (`complete`), which checks the reviewer's stored signature over the current payload again
// and that the reviewer still holds ra.application.review over the node, before the Issuer or
// the StatusService acts. Issuance uses the request id as the issuer's request_id, so a crash
// between the certificate and the request's update is finished by `complete` without a second
// certificate.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/status.h"
#include "yinxin/ca/store.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/kmc/client.h"
#include "yinxin/ra/application.h"
#include "yinxin/ra/carrier.h"
#include "yinxin/x509/crl.h"

namespace yinxin::ra {

struct WorkflowConfig {
    // CPS clock (SHECA §4.2, iTrus): decide within 48 hours, send a rejection within 24 hours.
    std::chrono::seconds decision_window{std::chrono::hours(48)};
    // iTrus / SHECA CPS: renewal from 30 days before to 30 days after expiry.
    std::chrono::seconds renew_before{std::chrono::hours(24 * 30)};
    std::chrono::seconds renew_after{std::chrono::hours(24 * 30)};
    // §6.4.2: "证书过期前两个月内，系统应提示用户进行证书更新".
    std::chrono::seconds expiry_reminder{std::chrono::hours(24 * 61)};
    // SHECA CPS: the old certificate is revoked (superseded) once its renewal is issued.
    bool revoke_superseded = true;
    // SDCA CPS: a certificate still on hold when it expires is revoked.
    bool revoke_expired_holds = true;
    // Web self-service revocation: after this many wrong challenge phrases for one certificate,
    // further attempts are refused (auth.locked) until the window ends.
    unsigned phrase_attempts = 5;
    std::chrono::seconds phrase_lockout{std::chrono::hours(1)};
    // Webhook (notification outbox) that receives every event; empty: e-mail only.
    std::string webhook;
    std::string sm2_id{crypto::k_default_sm2_id};
};

struct SubmitRequest {
    RequestKind kind = RequestKind::issue;
    ApplicationForm form;
    std::string org_node;
    std::string ca_id;
    std::string profile_id;  // default: default_profile(form.kind)
    Bytes csr;               // PKCS#10 DER or PEM (issue, renewal, change)
    std::string target;      // "<ca_id>:<serial hex>" (renewal, change, revocation, (un)suspension)
    x509::CrlReason reason = x509::CrlReason::unspecified;  // revocation
    std::string challenge_phrase;     // issue: the phrase for web self-service revocation (>= 6 characters)
    std::uint32_t validity_days = 0;  // a shorter validity than the profile's (0: the profile's)
    // 双证书: also an encryption certificate (profile_id must end in "-sign" and have an
    // "-encrypt" twin) for a key pair the KMC makes and escrows. Renewal and change of a dual
    // certificate are dual whatever this says.
    bool dual = false;
};

// The encryption profile paired with a "-sign" profile ("personnel-sign" → "personnel-encrypt");
// empty when the profile has no twin.
std::string encryption_profile_of(std::string_view sign_profile);

// Online self-service renewal (§6.4.2 a): the holder, logged in, sends a new PKCS#10 and an SM2
// signature by the OLD certificate's key over online_renewal_text(ca, serial, csr). An operator then
// reviews (authorises) it.
struct OnlineRenewal {
    std::string ca_id;
    std::string serial_hex;
    Bytes csr;
    Bytes signature;
};
std::string online_renewal_text(std::string_view ca_id, std::string_view serial_hex, BytesView csr_der);

// The canonical bytes a decision signs (see the file comment): version line, id, kind, node, CA,
// profile, target, reason, SM3 of the CSR and the form fields in key order.
std::string request_payload(const RaRequest& request);

struct StatusOutcome {
    std::string certificate;                  // "<ca_id>:<serial hex>"
    std::string status;                       // "revoked", "suspended", "released"
    std::optional<std::uint64_t> crl_number;  // the CRL published right after, if signed
};

class Workflow {
public:
    Workflow(RaStore& store, auth::AuthService& auth, ca::Issuer& issuer, ca::StatusService& status,
             ca::CertificateReader& certificates, ca::RevocationStore& revocations, audit::AuditLog& audit,
             const Clock& clock, Rng& rng, WorkflowConfig config = {});

    const WorkflowConfig& config() const noexcept { return m_config; }
    // The carrier inventory (§6.4.1 g): with it, a delivery that names a carrier number assigns that
    // in-stock carrier to the certificate and its holder first (ra.carrier_unavailable otherwise).
    void set_carriers(CarrierService* carriers) noexcept { m_carriers = carriers; }
    // The KMC (GM/T 0014 client, in-process or over mutual TLS): with it, dual requests are accepted
    // and revoking either half of a pair revokes the other and marks the escrowed key.
    void set_kmc(kmc::KmcClient* kmc) noexcept { m_kmc = kmc; }

    // --- the approval chain ---
    // ra.application.submit on the node. Checks the form, the PKCS#10 (proof of possession) and, for
    // renewal/change, the target certificate and the renewal window (manual renewal at a
    // registration point: the full chain re-verifies the holder, so it is also open for 30 days after
    // expiry). ra.bad_request, ra.not_renewable, x509.* (CSR).
    Result<RaRequest> submit(std::string_view actor, const SubmitRequest& request);
    // The holder's online renewal: ra.not_renewable when revoked, on hold, expired (an expired
    // certificate needs full re-verification: a manual renewal) or more than 30 days before expiry;
    // ra.bad_signature when not signed by the old key. Starts in `approved` (no 主管部门 step).
    Result<RaRequest> renew_online(std::string_view actor, const OnlineRenewal& request);
    // 主管部门: submitted → approved (ra.application.approve; the approver may not be the submitter).
    Result<RaRequest> approve(std::string_view actor, std::string_view id, BytesView signature);
    // 证书管理部门: approved → reviewed (ra.application.review; neither the submitter nor the approver),
    // then complete() at once.
    Result<RaRequest> review(std::string_view actor, std::string_view id, BytesView signature);
    // The CA side of a reviewed request: issue / revoke / hold / release; reviewed → completed. A
    // device failure leaves the request reviewed with the error returned; calling again finishes it.
    Result<RaRequest> complete(std::string_view actor, std::string_view id);
    // completed → delivered for certificates (ra.application.review): how, and who signed for it.
    // A carrier number (16 digits) records the USB key or card it went onto.
    Result<RaRequest> deliver(std::string_view actor, std::string_view id, DeliveryMethod method,
                              std::string_view received_by, std::string_view carrier_no, BytesView signature);
    // submitted/approved → rejected (ra.application.reject), with the reason sent to the applicant.
    Result<RaRequest> reject(std::string_view actor, std::string_view id, std::string_view reason, BytesView signature);

    // --- reading (ra.application.read; applicants see only what they submitted) ---
    Result<RaRequest> get(std::string_view actor, std::string_view id);
    Result<std::vector<RaRequest>> list(std::string_view actor, RequestFilter filter);
    // Open requests (submitted, approved, reviewed) past their 48-hour decision time.
    Result<std::vector<RaRequest>> overdue(std::string_view actor);
    Result<std::vector<RequestEvent>> history(std::string_view actor, std::string_view id);
    // The certificate a completed request issued (DER). The holder downloads it; a self-service
    // renewal is delivered (online) by that download.
    Result<Bytes> download(std::string_view actor, std::string_view id);
    // Dual requests: the GM/T 0092 CSRResponse (both certificates and the encryption private key as
    // an SM2EnvelopedKey to the signing key) the holder's client opens (`yinxin kmc open-envelope`).
    Result<Bytes> download_key_response(std::string_view actor, std::string_view id);

    // --- immediate status changes ---
    // Forced revocation by the RA (§6.4.4 last paragraph): ra.revocation.approve over the node of the
    // request that issued it (or the actor's own node for certificates issued outside the RA).
    Result<StatusOutcome> force_revoke(std::string_view actor, std::string_view certificate, x509::CrlReason reason,
                                       std::string_view why);
    // Web self-service revocation with the challenge phrase captured at enrolment (iTrus CPS). No
    // login; ra.challenge_mismatch when the phrase is wrong or none was set.
    Result<StatusOutcome> self_revoke(std::string_view certificate, std::string_view phrase, x509::CrlReason reason,
                                      std::string_view source);
    // ra.suspend / ra.unsuspend.
    Result<StatusOutcome> suspend(std::string_view actor, std::string_view certificate, std::string_view why);
    Result<StatusOutcome> unsuspend(std::string_view actor, std::string_view certificate, std::string_view why);

    // --- periodic jobs (run by `yinxin serve`; also `yinxin ra jobs`) ---
    // Certificates expiring within the reminder window, of the actor's subtree.
    Result<std::vector<ExpiringCertificate>> expiring(std::string_view actor);
    // Queues one reminder per expiring certificate (once: de-duplicated), returns how many are new.
    Result<std::size_t> queue_expiry_reminders();
    // With revoke_expired_holds: revokes certificates whose hold outlived them (reason
    // cessationOfOperation). Returns them.
    Result<std::vector<std::string>> revoke_expired_holds();

    // --- statistics (ra.statistics.read over the actor's subtree) ---
    Result<std::vector<StatisticsRow>> statistics(std::string_view actor, TimePoint from, TimePoint to);

private:
    Result<RaRequest> load(std::string_view id);
    // authorize() on the actor's own node (lists, jobs, statistics, certificates outside the RA).
    Result<auth::StaffRecord> authorize_self(std::string_view actor, auth::Action action);
    Result<auth::StaffRecord> authorize_on(std::string_view actor, auth::Action action, const RaRequest& r);
    Result<std::string> verify(std::string_view actor, std::string_view step, const RaRequest& r, BytesView signature);
    Status transition(RaRequest& r, RequestState to, const auth::StaffRecord& who, std::string_view step,
                      std::string signature, std::string detail, std::vector<NewNotification> notes);
    Result<RaRequest> complete_reviewed(RaRequest r, const auth::StaffRecord& who);
    // The encryption half of a dual request whose signing certificate is r.result (see
    // DualKeyRecord): "<ca_id>:<serial hex>" of the encryption certificate.
    Result<std::string> issue_encryption_half(const RaRequest& r, const ca::IssueRequest& sign_request);
    // m_status.revoke, and for half of a dual pair the other half too (same reason) and the KMC's
    // revocation of the escrowed key; what was done is appended to `detail`.
    Result<ca::RevocationResult> revoke_certificate(const std::string& ca_id, const Bytes& serial,
                                                    x509::CrlReason reason, const std::string& actor,
                                                    std::string& detail);
    Result<ca::CertificateRecord> target_certificate(std::string_view certificate);
    Status check_renewable(const ca::CertificateRecord& cert, bool online);
    // suspend() and unsuspend(): authorisation on the issuing request's node, then the status change.
    Result<StatusOutcome> hold_step(std::string_view actor, std::string_view certificate, std::string_view why,
                                    bool suspend);
    Result<StatusOutcome> change_status(std::string_view actor, std::string_view role, std::string_view certificate,
                                        RequestKind kind, x509::CrlReason reason);
    std::vector<NewNotification> notes_for(const RaRequest& r, std::string_view event, const std::string& subject,
                                           const std::string& body) const;
    void audit_step(std::string_view actor, std::string_view role, std::string_view action, std::string_view target,
                    std::string detail, const Status& outcome);
    Result<std::vector<std::string>> subtree_of(const auth::StaffRecord& who);

    RaStore& m_store;
    auth::AuthService& m_auth;
    ca::Issuer& m_issuer;
    ca::StatusService& m_status;
    ca::CertificateReader& m_certificates;
    ca::RevocationStore& m_revocations;
    audit::AuditLog& m_audit;
    const Clock& m_clock;
    Rng& m_rng;
    WorkflowConfig m_config;
    CarrierService* m_carriers = nullptr;
    kmc::KmcClient* m_kmc = nullptr;
    // Wrong challenge phrases per certificate (in memory: a restart forgets them; each attempt is in
    // the audit log).
    struct Guesses {
        unsigned failures = 0;
        TimePoint until{};
    };
    std::mutex m_guess_mu;
    std::map<std::string, Guesses, std::less<>> m_guesses;
};

// "<ca_id>:<serial hex>" → (ca_id, serial bytes); ra.bad_request when malformed.
Result<std::pair<std::string, Bytes>> parse_certificate_ref(std::string_view ref);

}  // namespace yinxin::ra
