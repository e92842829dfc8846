#include "yinxin/ra/workflow.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <utility>

#include "yinxin/crypto/random.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/kmc/envelope.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/csr.h"

namespace yinxin::ra {

namespace {

using auth::Action;
using auth::Role;

Error bad(std::string message) { return make_error(Errc::ra_bad_request, std::move(message)); }

Bytes sm3_of(BytesView data) {
    const auto d = crypto::sm3(data);
    return Bytes(d.begin(), d.end());
}

std::string role_of(const auth::StaffRecord& s) { return std::string(auth::role_name(s.role)); }

// PKCS#10 as DER, whether it came as DER or PEM text.
Result<x509::CertificationRequest> parse_csr(BytesView csr) {
    if (csr.empty()) return bad("a PKCS#10 certificate request is required");
    const std::string_view text(reinterpret_cast<const char*>(csr.data()), csr.size());
    if (text.find("-----BEGIN") != std::string_view::npos) return x509::CertificationRequest::parse_pem(text);
    return x509::CertificationRequest::parse(csr);
}

std::string format_day(TimePoint t) { return format_rfc3339(t).substr(0, 10); }

Bytes salted_hash(BytesView salt, std::string_view phrase) {
    Bytes salted(salt.begin(), salt.end());
    salted.insert(salted.end(), phrase.begin(), phrase.end());
    return sm3_of(salted);
}

}  // namespace

Result<std::pair<std::string, Bytes>> parse_certificate_ref(std::string_view ref) {
    const auto colon = ref.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 >= ref.size())
        return bad("a certificate is named \"<ca id>:<serial hex>\", not \"" + std::string(ref) + "\"");
    auto serial = hex_decode(ref.substr(colon + 1));
    if (!serial || serial->empty() || serial->size() > 20)
        return bad("the serial of \"" + std::string(ref) + "\" is not 1..20 bytes of hex");
    return std::make_pair(std::string(ref.substr(0, colon)), std::move(serial).value());
}

std::string online_renewal_text(std::string_view ca_id, std::string_view serial_hex, BytesView csr_der) {
    std::string t = "yinxin-renewal/1\n";
    t.append(ca_id).append("\n").append(serial_hex).append("\n").append(hex_encode(sm3_of(csr_der))).append("\n");
    return t;
}

std::string request_payload(const RaRequest& r) {
    std::string p = "yinxin-ra-request/1\n";
    auto line = [&p](std::string_view k, std::string_view v) { p.append(k).append("=").append(v).append("\n"); };
    line("id", r.id);
    line("kind", request_kind_name(r.kind));
    line("subject_kind", subject_kind_name(r.form.kind));
    line("org_node", r.org_node);
    line("ca", r.ca_id);
    line("profile", r.profile_id);
    line("target", r.target);
    line("reason", std::to_string(r.revocation_reason));
    line("validity_days", std::to_string(r.validity_days));
    line("csr_sm3", r.csr_der.empty() ? "" : hex_encode(sm3_of(r.csr_der)));
    for (const auto& [k, v] : r.form.fields) line("form." + k, v);
    return p;
}

Workflow::Workflow(RaStore& store, auth::AuthService& auth, ca::Issuer& issuer, ca::StatusService& status,
                   ca::CertificateReader& certificates, ca::RevocationStore& revocations, audit::AuditLog& audit,
                   const Clock& clock, Rng& rng, WorkflowConfig config)
    : m_store(store),
      m_auth(auth),
      m_issuer(issuer),
      m_status(status),
      m_certificates(certificates),
      m_revocations(revocations),
      m_audit(audit),
      m_clock(clock),
      m_rng(rng),
      m_config(std::move(config)) {}

void Workflow::audit_step(std::string_view actor, std::string_view role, std::string_view action,
                          std::string_view target, std::string detail, const Status& outcome) {
    audit::AuditEvent ev;
    ev.source = "ra";
    ev.actor = actor.empty() ? "anonymous" : std::string(actor);
    ev.role = std::string(role);
    ev.action = std::string(action);
    ev.target = std::string(target);
    ev.detail = std::move(detail);
    if (!outcome.ok()) ev.failed(outcome.error());
    // The change is committed; an audit failure is reported by the log's own health check.
    (void)m_audit.append(ev);
}

Result<RaRequest> Workflow::load(std::string_view id) {
    YX_ASSIGN_OR_RETURN(auto found, m_store.find_request(id));
    if (!found) return make_error(Errc::ra_not_found, "no registration request " + std::string(id));
    return std::move(*found);
}

Result<auth::StaffRecord> Workflow::authorize_on(std::string_view actor, Action action, const RaRequest& r) {
    YX_ASSIGN_OR_RETURN(auth::StaffRecord who, m_auth.authorize(actor, action, r.org_node));
    // Applicants and holders act on their own requests only.
    if (who.role == Role::applicant && r.submitted_by != who.id)
        return make_error(Errc::auth_denied, "applicants act on their own requests only");
    return who;
}

Result<std::string> Workflow::verify(std::string_view actor, std::string_view step, const RaRequest& r,
                                     BytesView signature) {
    const Bytes hash = sm3_of(as_bytes(request_payload(r)));
    YX_ASSIGN_OR_RETURN(std::string record, m_auth.verify_decision(actor, step, r.id, hash, signature));
    return record + " sig=" + base64_encode(signature);
}

std::vector<NewNotification> Workflow::notes_for(const RaRequest& r, std::string_view event, const std::string& subject,
                                                 const std::string& body) const {
    std::vector<NewNotification> out;
    const std::string_view email = r.form.get("email");
    if (!email.empty())
        out.push_back({std::string(event), NotifyChannel::email, std::string(email), subject, body, r.id, ""});
    if (!m_config.webhook.empty()) {
        nlohmann::json j{{"event", event},
                         {"request_id", r.id},
                         {"kind", request_kind_name(r.kind)},
                         {"state", request_state_name(r.state)},
                         {"org_node", r.org_node},
                         {"result", r.result},
                         {"reason", r.reject_reason},
                         {"time", format_rfc3339(m_clock.now())}};
        out.push_back({std::string(event), NotifyChannel::webhook, m_config.webhook, subject, j.dump(), r.id, ""});
    }
    return out;
}

Status Workflow::transition(RaRequest& r, RequestState to, const auth::StaffRecord& who, std::string_view step,
                            std::string signature, std::string detail, std::vector<NewNotification> notes) {
    RequestEvent ev;
    ev.request_id = r.id;
    ev.at = m_clock.now();
    ev.actor = who.id;
    ev.role = role_of(who);
    ev.action = std::string(step);
    ev.from = r.state;
    ev.to = to;
    ev.signature = std::move(signature);
    ev.detail = std::move(detail);
    const std::int64_t expected = r.version;
    r.state = to;
    r.version = expected + 1;
    return m_store.update_request(r, expected, ev, notes);
}

Result<std::vector<std::string>> Workflow::subtree_of(const auth::StaffRecord& who) {
    return m_auth.subtree(who.org_node);
}

Result<ca::CertificateRecord> Workflow::target_certificate(std::string_view certificate) {
    YX_ASSIGN_OR_RETURN(auto ref, parse_certificate_ref(certificate));
    auto rec = m_certificates.certificate_by_serial(ref.first, ref.second);
    if (!rec) {
        if (rec.error().code == Errc::store_not_found)
            return make_error(Errc::ca_certificate_not_found, "no certificate " + std::string(certificate));
        return std::move(rec).error();
    }
    if (rec->status != ca::CertificateStatus::issued)
        return make_error(Errc::ca_certificate_not_found,
                          "certificate " + std::string(certificate) + " was not issued");
    return std::move(rec).value();
}

Status Workflow::check_renewable(const ca::CertificateRecord& cert, bool online) {
    YX_ASSIGN_OR_RETURN(auto revoked, m_revocations.revocation(cert.ca_id, cert.serial));
    if (revoked) {
        return make_error(Errc::ra_not_renewable,
                          revoked->reason == static_cast<int>(x509::CrlReason::certificate_hold)
                              ? "the certificate is suspended: unsuspend it first"
                              : "a revoked certificate cannot be renewed (SHECA CPS): apply for a new one");
    }
    const TimePoint now = m_clock.now();
    const TimePoint not_after = from_unix(cert.not_after);
    if (now < not_after - m_config.renew_before)
        return make_error(Errc::ra_not_renewable, "renewal opens 30 days before expiry (" +
                                                      format_day(not_after - m_config.renew_before) + ")");
    if (now > not_after + m_config.renew_after)
        return make_error(Errc::ra_not_renewable,
                          "renewal closed 30 days after expiry: apply for a new certificate (§6.4.1)");
    if (online && now > not_after)
        return make_error(Errc::ra_not_renewable,
                          "the certificate has expired: renewal needs full re-verification at a registration point");
    return ok_status();
}

Result<RaRequest> Workflow::submit(std::string_view actor, const SubmitRequest& in) {
    std::string role;
    auto run = [&]() -> Result<RaRequest> {
        const Action action = is_key_recovery(in.kind)             ? Action::ra_keyrecovery_request
                              : in.kind == RequestKind::revocation ? Action::ra_revocation_request
                                                                   : Action::ra_application_submit;
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, m_auth.authorize(actor, action, in.org_node));
        role = role_of(who);
        // §6.4.5.3: the judicial officer's application is entered by staff, never self-service.
        if (in.kind == RequestKind::judicial_recovery && who.role != Role::business_operator)
            return make_error(Errc::auth_denied, "a judicial recovery request is entered by an RA operator");
        if (is_key_recovery(in.kind) != (in.form.kind == SubjectKind::carrier))
            return bad("key-recovery requests, and only they, use form A.4 (subject_kind carrier)");
        YX_TRY(validate_form(in.form));
        RaRequest r;
        YX_ASSIGN_OR_RETURN(Bytes idb, m_rng.bytes(8));
        r.id = "req-" + hex_encode(idb);
        r.kind = in.kind;
        r.form = in.form;
        r.org_node = in.org_node;
        r.submitted_by = who.id;
        r.submitted_at = m_clock.now();
        r.decision_due = r.submitted_at + m_config.decision_window;
        r.revocation_reason = static_cast<std::uint8_t>(in.reason);
        if (in.validity_days > 36500) return bad("validity_days is at most 36500");
        r.validity_days = issues_certificate(in.kind) ? in.validity_days : 0;
        if (issues_certificate(in.kind)) {
            if (in.ca_id.empty()) return bad("the issuing CA (ca) is required");
            YX_ASSIGN_OR_RETURN(auto csr, parse_csr(in.csr));
            YX_TRY(csr.verify_pop(m_config.sm2_id));
            r.csr_der = Bytes(csr.der().begin(), csr.der().end());
            r.ca_id = in.ca_id;
            r.profile_id = in.profile_id.empty() ? std::string(default_profile(in.form.kind)) : in.profile_id;
            r.dual = in.dual;
            if (in.kind != RequestKind::issue) {
                // A dual pair is renewed or changed as a pair.
                YX_ASSIGN_OR_RETURN(auto pair, m_store.dual_key_for_certificate(in.target));
                if (pair) r.dual = true;
            }
            if (r.dual) {
                if (encryption_profile_of(r.profile_id).empty())
                    return bad("profile " + r.profile_id +
                               " has no encryption twin: dual certificates need a "
                               "\"-sign\" profile (e.g. personnel-sign)");
                if (!csr.public_key_info().is_sm2())
                    return bad("dual certificates need an SM2 signing key: the KMC envelopes the encryption key to it");
                if (m_kmc == nullptr)
                    return bad("dual certificates need the key management centre, and none is configured here");
            }
        } else if (!in.csr.empty()) {
            return bad("a " + std::string(request_kind_name(in.kind)) + " request carries no PKCS#10");
        } else if (in.dual) {
            return bad("only a request that issues certificates can be dual");
        }
        if (in.kind == RequestKind::issue) {
            if (!in.target.empty()) return bad("a new application names no existing certificate");
            if (!in.challenge_phrase.empty()) {
                if (in.challenge_phrase.size() < 6 || in.challenge_phrase.size() > 128)
                    return bad("the challenge phrase has 6 to 128 bytes");
                YX_ASSIGN_OR_RETURN(r.challenge_salt, m_rng.bytes(16));
                r.challenge_hash = salted_hash(r.challenge_salt, in.challenge_phrase);
            }
        } else {
            YX_ASSIGN_OR_RETURN(ca::CertificateRecord cert, target_certificate(in.target));
            r.target = cert.ca_id + ":" + hex_encode(cert.serial);
            if (in.kind == RequestKind::renewal) YX_TRY(check_renewable(cert, false));
            if (in.kind == RequestKind::change) {
                YX_ASSIGN_OR_RETURN(auto revoked, m_revocations.revocation(cert.ca_id, cert.serial));
                if (revoked) return make_error(Errc::ra_not_renewable, "a revoked certificate cannot be changed");
            }
            if (in.kind == RequestKind::revocation && in.reason == x509::CrlReason::certificate_hold)
                return bad("certificateHold is a suspension request, not a revocation");
            if (in.kind == RequestKind::revocation && in.reason == x509::CrlReason::remove_from_crl)
                return bad("removeFromCRL is not a revocation reason");
            if (in.ca_id.empty() || !issues_certificate(in.kind)) r.ca_id = cert.ca_id;
        }
        RequestEvent ev;
        ev.request_id = r.id;
        ev.at = r.submitted_at;
        ev.actor = who.id;
        ev.role = role;
        ev.action = "submit";
        ev.detail = std::string(request_kind_name(r.kind)) + " " + std::string(subject_kind_name(r.form.kind));
        YX_TRY(m_store.insert_request(r, ev, {}));
        return r;
    };
    auto r = run();
    audit_step(actor, role, "ra.request.submit", r ? r->id : std::string(in.org_node),
               std::string(request_kind_name(in.kind)) + (in.target.empty() ? "" : " of " + in.target),
               r ? ok_status() : Status(r.error()));
    return r;
}

Result<RaRequest> Workflow::renew_online(std::string_view actor, const OnlineRenewal& in) {
    std::string role;
    const std::string target = in.ca_id + ":" + in.serial_hex;
    auto run = [&]() -> Result<RaRequest> {
        YX_ASSIGN_OR_RETURN(ca::CertificateRecord cert, target_certificate(target));
        YX_ASSIGN_OR_RETURN(auto original, m_store.request_for_certificate(cert.ca_id + ":" + hex_encode(cert.serial)));
        if (!original)
            return make_error(Errc::ra_not_renewable,
                              "the certificate was not issued through the RA: renew it at a registration point");
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who,
                            m_auth.authorize(actor, Action::ra_application_submit, original->org_node));
        role = role_of(who);
        YX_TRY(check_renewable(cert, true));
        YX_ASSIGN_OR_RETURN(auto csr, parse_csr(in.csr));
        YX_TRY(csr.verify_pop(m_config.sm2_id));
        const Bytes csr_der(csr.der().begin(), csr.der().end());
        // Signed with the OLD key: proof that the holder still controls it.
        YX_ASSIGN_OR_RETURN(auto old_cert, x509::Certificate::parse(cert.certificate_der));
        auto pub = old_cert.public_key_info().sm2_public_key();
        if (!pub) return make_error(Errc::ra_bad_signature, "the old certificate's key is not SM2");
        const std::string text = online_renewal_text(cert.ca_id, hex_encode(cert.serial), csr_der);
        if (in.signature.empty() || !crypto::sm2_verify(*pub, as_bytes(text), in.signature, m_config.sm2_id).ok())
            return make_error(Errc::ra_bad_signature,
                              "the renewal request is not signed by the key of certificate " + target);
        RaRequest r;
        YX_ASSIGN_OR_RETURN(Bytes idb, m_rng.bytes(8));
        r.id = "req-" + hex_encode(idb);
        r.kind = RequestKind::renewal;
        r.state = RequestState::approved;
        r.form = original->form;
        r.org_node = original->org_node;
        r.ca_id = cert.ca_id;
        r.profile_id = cert.profile_id;
        r.csr_der = csr_der;
        r.target = cert.ca_id + ":" + hex_encode(cert.serial);
        r.challenge_salt = original->challenge_salt;
        r.challenge_hash = original->challenge_hash;
        r.self_service = true;
        r.submitted_by = who.id;
        r.submitted_at = m_clock.now();
        r.decision_due = r.submitted_at + m_config.decision_window;
        r.approved_by = who.id;
        r.approved_at = r.submitted_at;
        RequestEvent ev;
        ev.request_id = r.id;
        ev.at = r.submitted_at;
        ev.actor = who.id;
        ev.role = role;
        ev.action = "submit";
        ev.to = RequestState::approved;
        ev.signature = "online renewal signed with the key of " + r.target + " sig=" + base64_encode(in.signature);
        ev.detail = "online self-service renewal (§6.4.2 a): waits for an operator's authorisation";
        YX_TRY(m_store.insert_request(r, ev, {}));
        return r;
    };
    auto r = run();
    audit_step(actor, role, "ra.renewal.online", r ? r->id : target, "renewal of " + target,
               r ? ok_status() : Status(r.error()));
    return r;
}

Result<RaRequest> Workflow::approve(std::string_view actor, std::string_view id, BytesView signature) {
    std::string role;
    auto run = [&]() -> Result<RaRequest> {
        YX_ASSIGN_OR_RETURN(RaRequest r, load(id));
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, m_auth.authorize(actor, Action::ra_application_approve, r.org_node));
        role = role_of(who);
        if (r.state != RequestState::submitted)
            return make_error(Errc::ra_illegal_transition, "only a submitted request can be approved; " + r.id +
                                                               " is " + std::string(request_state_name(r.state)));
        YX_TRY(auth::check_maker_checker(r.submitted_by, who.id));
        YX_ASSIGN_OR_RETURN(std::string record, verify(who.id, "approve", r, signature));
        r.approved_by = who.id;
        r.approved_at = m_clock.now();
        YX_TRY(transition(r, RequestState::approved, who, "approve", record, "主管部门 approved",
                          notes_for(r, "ra.request.approved", "证书业务申请已通过主管部门审核 / request approved",
                                    "申请 " + r.id + " 已由主管部门审核通过，等待数字证书管理部门审核。\n")));
        return r;
    };
    auto r = run();
    audit_step(actor, role, "ra.request.approve", id, "主管部门 approval", r ? ok_status() : Status(r.error()));
    return r;
}

Result<RaRequest> Workflow::review(std::string_view actor, std::string_view id, BytesView signature) {
    std::string role;
    std::optional<auth::StaffRecord> reviewer;
    auto run = [&]() -> Result<RaRequest> {
        YX_ASSIGN_OR_RETURN(RaRequest r, load(id));
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who,
                            m_auth.authorize_checker(actor, Action::ra_application_review, r.org_node, r.submitted_by));
        role = role_of(who);
        if (r.state != RequestState::approved)
            return make_error(Errc::ra_illegal_transition, "only an approved request can be reviewed; " + r.id +
                                                               " is " + std::string(request_state_name(r.state)));
        if (!r.self_service) YX_TRY(auth::check_maker_checker(r.approved_by, who.id));
        YX_ASSIGN_OR_RETURN(std::string record, verify(who.id, "review", r, signature));
        r.reviewed_by = who.id;
        r.reviewed_at = m_clock.now();
        YX_TRY(transition(r, RequestState::reviewed, who, "review", record,
                          "证书管理部门 reviewed; signed RA→CA request", {}));
        reviewer = who;
        return r;
    };
    auto r = run();
    audit_step(actor, role, "ra.request.review", id, "证书管理部门 review", r ? ok_status() : Status(r.error()));
    if (!r) return r;
    // Key recovery is carried out by the KMC with two of its staff (§6.4.5.2): after both approvals
    // the request waits, reviewed, in the KMC's queue (list kind=key_recovery, state=reviewed).
    if (is_key_recovery(r->kind)) return r;
    return complete_reviewed(std::move(r).value(), *reviewer);
}

Result<RaRequest> Workflow::complete(std::string_view actor, std::string_view id) {
    auto r = load(id);
    if (!r) return r;
    auto who = m_auth.authorize(actor, Action::ra_application_review, r->org_node);
    if (!who) {
        audit_step(actor, "", "ra.request.complete", id, "CA step", Status(who.error()));
        return std::move(who).error();
    }
    return complete_reviewed(std::move(r).value(), *who);
}

Result<RaRequest> Workflow::complete_reviewed(RaRequest r, const auth::StaffRecord& who) {
    std::string detail;
    auto run = [&]() -> Result<RaRequest> {
        if (r.state != RequestState::reviewed)
            return make_error(Errc::ra_illegal_transition, "only a reviewed request goes to the CA; " + r.id + " is " +
                                                               std::string(request_state_name(r.state)));
        if (is_key_recovery(r.kind))
            return make_error(Errc::ra_illegal_transition,
                              r.id + " is a key-recovery request: the KMC carries it out, not the CA");
        // The CA checks the signed RA→CA request: the reviewer's signature over the payload as it is
        // now, by a member who still may review on this node.
        YX_ASSIGN_OR_RETURN(auto events, m_store.history(r.id));
        const RequestEvent* signed_review = nullptr;
        for (const auto& e : events)
            if (e.action == "review") signed_review = &e;
        if (signed_review == nullptr) return make_error(Errc::ra_bad_signature, "no signed review for " + r.id);
        const auto sig_at = signed_review->signature.rfind(" sig=");
        if (sig_at == std::string::npos)
            return make_error(Errc::ra_bad_signature, "review of " + r.id + " is unsigned");
        auto sig = base64_decode(signed_review->signature.substr(sig_at + 5));
        if (!sig) return make_error(Errc::ra_bad_signature, "review signature of " + r.id + " is malformed");
        YX_TRY(m_auth.authorize(r.reviewed_by, Action::ra_application_review, r.org_node));
        auto checked =
            m_auth.verify_decision(r.reviewed_by, "review", r.id, sm3_of(as_bytes(request_payload(r))), *sig);
        if (!checked)
            return make_error(Errc::ra_bad_signature,
                              "the RA→CA request " + r.id + " does not verify: " + checked.error().message);
        std::vector<NewNotification> notes;
        if (issues_certificate(r.kind)) {
            // Idempotent: a certificate issued for this request before a crash is taken, not doubled.
            YX_ASSIGN_OR_RETURN(auto existing, m_store.certificate_for_request(r.id));
            ca::IssueRequest ir;
            ir.ca_id = r.ca_id;
            ir.profile_id = r.profile_id;
            ir.csr = r.csr_der;
            ir.csr_sm2_id = m_config.sm2_id;
            const SubjectData sd = subject_data(r.form);
            ir.data.subject = sd.subject;
            ir.data.identities = sd.identities;
            ir.data.san_emails = sd.san_emails;
            if (r.validity_days != 0) ir.data.validity_days = r.validity_days;
            ir.request_id = r.id;
            std::string quota_note;
            if (existing) {
                r.result = *existing;
            } else {
                // SDCA CPS §1.3.5: a sponsored (垫付型) acceptance point issues from its prepaid quota.
                YX_ASSIGN_OR_RETURN(auto nodes, m_auth.list_org_nodes(who.id));
                auto node = std::find_if(nodes.begin(), nodes.end(),
                                         [&r](const auth::OrgNode& n) { return n.id == r.org_node; });
                const bool sponsored = node != nodes.end() && node->sponsored;
                if (sponsored && node->quota_remaining < 1)
                    return make_error(Errc::auth_quota_exhausted,
                                      "the prepaid certificates of " + r.org_node + " are used up: top up the quota");
                YX_ASSIGN_OR_RETURN(ca::IssuedCertificate issued, m_issuer.issue(ir));
                r.result = r.ca_id + ":" + hex_encode(issued.serial);
                if (sponsored) {
                    auto left = m_auth.consume_quota(who.id, r.org_node);
                    if (left)
                        audit_step(left->event.actor, left->event.role, left->event.action, left->event.target,
                                   left->event.detail, ok_status());
                    quota_note = left ? "; prepaid certificates left: " + std::to_string(left->value)
                                      : "; quota not counted: " + left.error().to_string();
                }
            }
            detail = "issued " + r.result + quota_note;
            if (r.dual) {
                YX_ASSIGN_OR_RETURN(std::string enc, issue_encryption_half(r, ir));
                detail += "; encryption certificate " + enc + " for a key escrowed by the KMC";
            }
            notes = notes_for(r, "ra.certificate.issued", "数字证书已签发 / certificate issued",
                              "申请 " + r.id + " 的数字证书已签发（" + r.result + "），请按通知领取。\n");
            if (r.kind != RequestKind::issue && m_config.revoke_superseded && !r.target.empty()) {
                YX_ASSIGN_OR_RETURN(auto old, parse_certificate_ref(r.target));
                detail += "; " + r.target + " revoked (superseded)";
                auto revoked = revoke_certificate(old.first, old.second, x509::CrlReason::superseded, who.id, detail);
                if (!revoked && revoked.error().code != Errc::ca_already_revoked) return std::move(revoked).error();
            }
        } else {
            YX_ASSIGN_OR_RETURN(auto ref, parse_certificate_ref(r.target));
            Result<ca::RevocationResult> done = make_error(Errc::internal, "unreachable");
            if (r.kind == RequestKind::unsuspension) {
                done = m_status.release_hold(ref.first, ref.second, who.id);
            } else {
                const auto reason = r.kind == RequestKind::suspension
                                        ? x509::CrlReason::certificate_hold
                                        : static_cast<x509::CrlReason>(r.revocation_reason);
                std::string pair_detail;
                done = revoke_certificate(ref.first, ref.second, reason, who.id, pair_detail);
                detail += pair_detail;
            }
            if (!done) return std::move(done).error();
            r.result = r.target;
            const char* what = r.kind == RequestKind::revocation   ? "revoked"
                               : r.kind == RequestKind::suspension ? "suspended"
                                                                   : "released";
            detail = r.target + " " + what + detail;
            const std::string event = std::string("ra.certificate.") + what;
            notes = notes_for(r, event, std::string("数字证书状态变更 / certificate ") + what,
                              "证书 " + r.target + " 已" +
                                  (r.kind == RequestKind::revocation   ? "撤销"
                                   : r.kind == RequestKind::suspension ? "冻结"
                                                                       : "解冻") +
                                  "（申请 " + r.id + "）。\n");
        }
        r.completed_at = m_clock.now();
        YX_TRY(transition(r, RequestState::completed, who, "complete", "", detail, std::move(notes)));
        return r;
    };
    auto out = run();
    audit_step(who.id, role_of(who), "ra.request.complete", r.id, detail.empty() ? "CA step" : detail,
               out ? ok_status() : Status(out.error()));
    return out;
}

Result<RaRequest> Workflow::deliver(std::string_view actor, std::string_view id, DeliveryMethod method,
                                    std::string_view received_by, std::string_view carrier_no, BytesView signature) {
    std::string role;
    auto run = [&]() -> Result<RaRequest> {
        YX_ASSIGN_OR_RETURN(RaRequest r, load(id));
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, m_auth.authorize(actor, Action::ra_application_review, r.org_node));
        role = role_of(who);
        if (r.state != RequestState::completed || !issues_certificate(r.kind))
            return make_error(Errc::ra_illegal_transition, "only an issued certificate can be delivered; " + r.id +
                                                               " is " + std::string(request_state_name(r.state)));
        if (received_by.empty()) return bad("the holder's sign-off (received_by) is required (§6.4.1)");
        if (received_by.size() > 128) return bad("received_by is too long");
        if (!carrier_no.empty() &&
            (carrier_no.size() != 16 ||
             !std::all_of(carrier_no.begin(), carrier_no.end(), [](char c) { return c >= '0' && c <= '9'; })))
            return bad("a carrier number is the 16 digits printed on the USB key or card (表 A.4)");
        YX_ASSIGN_OR_RETURN(std::string record, verify(who.id, "deliver", r, signature));
        if (!carrier_no.empty() && m_carriers != nullptr) {
            YX_ASSIGN_OR_RETURN(auto cert, parse_certificate_ref(r.result));
            const std::string_view holder = r.form.kind == SubjectKind::organisation ? r.form.get("org_name")
                                            : r.form.kind == SubjectKind::device     ? r.form.get("device_name")
                                                                                     : r.form.get("name");
            const std::string serial_hex = hex_encode(cert.second);
            auto assigned = m_carriers->assign(
                Caller{who.id, "ra"}, carrier_no, cert.first, serial_hex,
                CarrierHolder{std::string(holder), std::string(r.form.get("id_number")), r.org_node});
            if (!assigned) {
                // A retried delivery finds the carrier already assigned to this very certificate.
                auto now = m_carriers->get(Caller{who.id, "ra"}, carrier_no);
                if (!now || now->state != CarrierState::assigned || now->ca_id != cert.first ||
                    now->serial_hex != serial_hex)
                    return std::move(assigned).error();
            }
        }
        r.delivery = method;
        r.delivered_by = who.id;
        r.received_by = std::string(received_by);
        r.carrier_no = std::string(carrier_no);
        r.delivered_at = m_clock.now();
        YX_TRY(transition(r, RequestState::delivered, who, "deliver", record,
                          std::string(delivery_method_name(method)) + ", received by " + r.received_by, {}));
        return r;
    };
    auto r = run();
    audit_step(actor, role, "ra.request.deliver", id, std::string(delivery_method_name(method)),
               r ? ok_status() : Status(r.error()));
    return r;
}

Result<RaRequest> Workflow::reject(std::string_view actor, std::string_view id, std::string_view reason,
                                   BytesView signature) {
    std::string role;
    auto run = [&]() -> Result<RaRequest> {
        YX_ASSIGN_OR_RETURN(RaRequest r, load(id));
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, m_auth.authorize(actor, Action::ra_application_reject, r.org_node));
        role = role_of(who);
        if (r.state != RequestState::submitted && r.state != RequestState::approved)
            return make_error(Errc::ra_illegal_transition, "only a submitted or approved request can be rejected; " +
                                                               r.id + " is " +
                                                               std::string(request_state_name(r.state)));
        // The 主管部门 decides on submitted requests; an approved one is the department's to reject.
        if (r.state == RequestState::approved && who.role != Role::business_operator)
            return make_error(Errc::auth_denied,
                              "an approved request is rejected by the certificate management department");
        if (reason.empty() || reason.size() > 512) return bad("a rejection needs a reason (1..512 bytes)");
        YX_ASSIGN_OR_RETURN(std::string record, verify(who.id, "reject", r, signature));
        r.rejected_by = who.id;
        r.reject_reason = std::string(reason);
        r.rejected_at = m_clock.now();
        YX_TRY(transition(
            r, RequestState::rejected, who, "reject", record, r.reject_reason,
            notes_for(r, "ra.request.rejected", "证书业务申请未通过审核 / request rejected",
                      "申请 " + r.id + " 未通过审核。原因：" + r.reject_reason + "\n可补正材料后重新申请。\n")));
        return r;
    };
    auto r = run();
    audit_step(actor, role, "ra.request.reject", id, std::string(reason), r ? ok_status() : Status(r.error()));
    return r;
}

Result<RaRequest> Workflow::get(std::string_view actor, std::string_view id) {
    YX_ASSIGN_OR_RETURN(RaRequest r, load(id));
    YX_TRY(authorize_on(actor, Action::ra_application_read, r));
    return r;
}

Result<auth::StaffRecord> Workflow::authorize_self(std::string_view actor, Action action) {
    YX_ASSIGN_OR_RETURN(auto me, m_auth.find_staff(actor));
    if (!me) return make_error(Errc::auth_denied, "unknown principal " + std::string(actor));
    return m_auth.authorize(actor, action, me->org_node);
}

Result<std::vector<RaRequest>> Workflow::list(std::string_view actor, RequestFilter filter) {
    YX_ASSIGN_OR_RETURN(auth::StaffRecord who, authorize_self(actor, Action::ra_application_read));
    YX_ASSIGN_OR_RETURN(auto nodes, subtree_of(who));
    if (filter.org_nodes.empty()) {
        filter.org_nodes = std::move(nodes);
    } else {
        for (const auto& n : filter.org_nodes)
            if (std::find(nodes.begin(), nodes.end(), n) == nodes.end())
                return make_error(Errc::auth_out_of_scope,
                                  "node '" + n + "' is outside the subtree of '" + who.org_node + "'");
    }
    if (who.role == Role::applicant) filter.submitted_by = who.id;
    return m_store.list_requests(filter);
}

Result<std::vector<RaRequest>> Workflow::overdue(std::string_view actor) {
    RequestFilter f;
    f.decision_due_before = m_clock.now();
    f.limit = 1000;
    return list(actor, f);
}

Result<std::vector<RequestEvent>> Workflow::history(std::string_view actor, std::string_view id) {
    YX_TRY(get(actor, id));
    return m_store.history(id);
}

Result<Bytes> Workflow::download(std::string_view actor, std::string_view id) {
    YX_ASSIGN_OR_RETURN(RaRequest r, get(actor, id));
    if (!issues_certificate(r.kind) || r.result.empty())
        return make_error(Errc::ra_illegal_transition, r.id + " has no certificate to download (yet)");
    YX_ASSIGN_OR_RETURN(ca::CertificateRecord cert, target_certificate(r.result));
    return cert.certificate_der;
}

Result<Bytes> Workflow::download_key_response(std::string_view actor, std::string_view id) {
    YX_ASSIGN_OR_RETURN(RaRequest r, get(actor, id));
    if (!r.dual) return make_error(Errc::ra_illegal_transition, r.id + " is not a dual-certificate request");
    YX_ASSIGN_OR_RETURN(auto pair, m_store.dual_key(r.id));
    if (!pair || pair->csr_response.empty())
        return make_error(Errc::ra_illegal_transition, r.id + " has no encryption key to download (yet)");
    return pair->csr_response;
}

std::string encryption_profile_of(std::string_view sign_profile) {
    constexpr std::string_view suffix = "-sign";
    if (sign_profile.size() <= suffix.size() || !sign_profile.ends_with(suffix)) return {};
    return std::string(sign_profile.substr(0, sign_profile.size() - suffix.size())) + "-encrypt";
}

Result<std::string> Workflow::issue_encryption_half(const RaRequest& r, const ca::IssueRequest& sign_request) {
    if (m_kmc == nullptr)
        return make_error(Errc::ra_bad_request, r.id + " is dual but no key management centre is configured");
    YX_ASSIGN_OR_RETURN(ca::CertificateRecord sign_record, target_certificate(r.result));
    YX_ASSIGN_OR_RETURN(x509::Certificate sign_cert, x509::Certificate::parse(sign_record.certificate_der));
    YX_ASSIGN_OR_RETURN(auto stored, m_store.dual_key(r.id));
    DualKeyRecord d;
    if (stored) {
        d = std::move(stored).value();
        if (!d.csr_response.empty()) return d.enc_result;  // done before a crash
    } else {
        // Step 1: the serial and the signed task are kept before the KMC is asked.
        d.request_id = r.id;
        d.sign_result = r.result;
        YX_ASSIGN_OR_RETURN(d.encryption_serial, crypto::random_serial(m_rng));
        kmc::AppUserInfo user;
        user.user_cert_no = d.encryption_serial;
        user.user_public_key = sign_cert.public_key_info().der();
        user.not_before = sign_cert.not_before();
        user.not_after = sign_cert.not_after();
        user.user_name = sign_cert.subject().to_string();
        YX_ASSIGN_OR_RETURN(d.kmc_request, m_kmc->prepare_apply(user));
        YX_TRY(m_store.save_dual_key(d));
    }
    // Step 2: the key pair, made and escrowed by the KMC, enveloped to the signing key (a repeated
    // task is answered from the KMC's record, so a retry never escrows a second key).
    YX_ASSIGN_OR_RETURN(kmc::KeyDelivery key, m_kmc->send_apply(d.kmc_request));
    // Step 3: the encryption certificate under the serial the KMC knows the key by.
    const std::string enc_request_id = r.id + "/encrypt";
    YX_ASSIGN_OR_RETURN(auto existing, m_store.certificate_for_request(enc_request_id));
    if (existing) {
        d.enc_result = *existing;
    } else {
        ca::IssueRequest er = sign_request;
        er.csr.clear();
        er.profile_id = encryption_profile_of(r.profile_id);
        er.data.spki_der = key.respond.ret_public_key;
        if (er.data.subject.empty()) return make_error(Errc::ra_bad_request, r.id + ": no subject for the pair");
        er.request_id = enc_request_id;
        er.serial = d.encryption_serial;
        er.not_before = sign_cert.not_before();
        YX_ASSIGN_OR_RETURN(ca::IssuedCertificate issued, m_issuer.issue(er));
        d.enc_result = r.ca_id + ":" + hex_encode(issued.serial);
    }
    YX_ASSIGN_OR_RETURN(ca::CertificateRecord enc_record, target_certificate(d.enc_result));
    YX_ASSIGN_OR_RETURN(x509::Certificate enc_cert, x509::Certificate::parse(enc_record.certificate_der));
    // Step 4: what the holder downloads (GM/T 0092): both certificates and the envelope.
    kmc::CsrResponse response;
    response.sign_certificates.push_back(sign_cert);
    response.encrypted_private_key = key.enveloped_key;
    response.encrypt_certificates.push_back(enc_cert);
    YX_ASSIGN_OR_RETURN(d.csr_response, kmc::encode_csr_response(response));
    YX_TRY(m_store.save_dual_key(d));
    return d.enc_result;
}

Result<ca::RevocationResult> Workflow::revoke_certificate(const std::string& ca_id, const Bytes& serial,
                                                          x509::CrlReason reason, const std::string& actor,
                                                          std::string& detail) {
    auto done = m_status.revoke({ca_id, serial, reason, {}, actor});
    if (!done && done.error().code != Errc::ca_already_revoked) return done;
    const std::string ref = ca_id + ":" + hex_encode(serial);
    YX_ASSIGN_OR_RETURN(auto pair, m_store.dual_key_for_certificate(ref));
    if (!pair || pair->enc_result.empty()) return done;
    // Both halves of a dual pair go together (the holder's identity is behind both).
    const std::string& other = ref == pair->sign_result ? pair->enc_result : pair->sign_result;
    YX_ASSIGN_OR_RETURN(auto other_ref, parse_certificate_ref(other));
    auto second = m_status.revoke({other_ref.first, other_ref.second, reason, {}, actor});
    if (second)
        detail += "; its dual pair " + other + " revoked too";
    else if (second.error().code != Errc::ca_already_revoked)
        detail += "; its dual pair " + other + " NOT revoked: " + second.error().to_string();
    if (!pair->kmc_revoked && m_kmc != nullptr) {
        auto told = m_kmc->revoke(pair->encryption_serial);
        if (told) {
            DualKeyRecord marked = *pair;
            marked.kmc_revoked = true;
            YX_TRY(m_store.save_dual_key(marked));
            detail += "; the KMC marked the escrowed key of " + pair->enc_result + " revoked";
        } else {
            detail += "; the KMC was NOT told (" + told.error().to_string() + "): revoke the escrowed key of " +
                      pair->enc_result + " again";
        }
    }
    return done;  // ca.already_revoked for the first is reported after finishing the pair
}

Result<StatusOutcome> Workflow::change_status(std::string_view actor, std::string_view role,
                                              std::string_view certificate, RequestKind kind, x509::CrlReason reason) {
    YX_ASSIGN_OR_RETURN(ca::CertificateRecord cert, target_certificate(certificate));
    Result<ca::RevocationResult> done = make_error(Errc::internal, "unreachable");
    if (kind == RequestKind::unsuspension) {
        done = m_status.release_hold(cert.ca_id, cert.serial, std::string(actor));
    } else {
        std::string pair_detail;
        done = revoke_certificate(cert.ca_id, cert.serial, reason, std::string(actor), pair_detail);
        if (done && !pair_detail.empty())
            audit_step(actor, role, "ra.revoke.pair", cert.ca_id + ":" + hex_encode(cert.serial), pair_detail.substr(2),
                       ok_status());
    }
    if (!done) return std::move(done).error();
    StatusOutcome out;
    out.certificate = cert.ca_id + ":" + hex_encode(cert.serial);
    out.status = kind == RequestKind::revocation   ? "revoked"
                 : kind == RequestKind::suspension ? "suspended"
                                                   : "released";
    if (done->crl) out.crl_number = done->crl->number;
    // The holder hears of it (§6.4.4 h/i: "撤销证书后，通知主管部门"; SDCA: forced revocation, notify at once).
    YX_ASSIGN_OR_RETURN(auto origin, m_store.request_for_certificate(out.certificate));
    if (origin) {
        RaRequest r = *origin;
        r.result = out.certificate;
        auto notes = notes_for(r, "ra.certificate." + out.status, "数字证书状态变更 / certificate " + out.status,
                               "证书 " + out.certificate + " 状态已变更为 " + out.status + "（" + std::string(role) +
                                   " " + std::string(actor) + "）。\n");
        for (auto& n : notes)
            n.dedup_key = "status:" + out.certificate + ":" + out.status + ":" + format_rfc3339(m_clock.now());
        YX_TRY(m_store.add_notifications(notes));
    }
    return out;
}

Result<StatusOutcome> Workflow::force_revoke(std::string_view actor, std::string_view certificate,
                                             x509::CrlReason reason, std::string_view why) {
    std::string role;
    auto run = [&]() -> Result<StatusOutcome> {
        if (reason == x509::CrlReason::certificate_hold || reason == x509::CrlReason::remove_from_crl)
            return bad("use suspend/unsuspend for holds");
        YX_ASSIGN_OR_RETURN(auto origin, m_store.request_for_certificate(certificate));
        std::string node;
        if (origin) node = origin->org_node;
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, node.empty()
                                                       ? authorize_self(actor, Action::ra_revocation_approve)
                                                       : m_auth.authorize(actor, Action::ra_revocation_approve, node));
        role = role_of(who);
        if (why.empty()) return bad("a forced revocation records why (§6.4.4)");
        return change_status(who.id, role, certificate, RequestKind::revocation, reason);
    };
    auto r = run();
    audit_step(actor, role, "ra.revoke.forced", certificate,
               std::string(x509::crl_reason_name(reason)) + ": " + std::string(why),
               r ? ok_status() : Status(r.error()));
    return r;
}

Result<StatusOutcome> Workflow::self_revoke(std::string_view certificate, std::string_view phrase,
                                            x509::CrlReason reason, std::string_view source) {
    auto run = [&]() -> Result<StatusOutcome> {
        if (reason == x509::CrlReason::certificate_hold || reason == x509::CrlReason::remove_from_crl)
            return bad("self-service revocation takes a revocation reason");
        const TimePoint now = m_clock.now();
        {
            std::lock_guard lock(m_guess_mu);
            auto it = m_guesses.find(certificate);
            if (it != m_guesses.end() && it->second.until > now && it->second.failures >= m_config.phrase_attempts)
                return make_error(Errc::auth_locked, "too many wrong challenge phrases for " +
                                                         std::string(certificate) + ": try again after " +
                                                         format_rfc3339(it->second.until));
        }
        YX_ASSIGN_OR_RETURN(auto origin, m_store.request_for_certificate(certificate));
        const Error mismatch =
            make_error(Errc::ra_challenge_mismatch, "the challenge phrase does not match the one set at application");
        if (!origin || origin->challenge_hash.empty() ||
            !constant_time_equal(salted_hash(origin->challenge_salt, phrase), origin->challenge_hash)) {
            std::lock_guard lock(m_guess_mu);
            if (m_guesses.size() > 100'000) m_guesses.clear();  // bounded memory under a flood
            auto& g = m_guesses[std::string(certificate)];
            if (g.until <= now) g = {0, now + m_config.phrase_lockout};
            ++g.failures;
            return mismatch;
        }
        {
            std::lock_guard lock(m_guess_mu);
            m_guesses.erase(std::string(certificate));
        }
        return change_status("self-service", "applicant", certificate, RequestKind::revocation, reason);
    };
    auto r = run();
    audit_step("self-service@" + std::string(source), "applicant", "ra.revoke.self_service", certificate,
               std::string(x509::crl_reason_name(reason)), r ? ok_status() : Status(r.error()));
    return r;
}

Result<StatusOutcome> Workflow::hold_step(std::string_view actor, std::string_view certificate, std::string_view why,
                                          bool suspend) {
    const Action action = suspend ? Action::ra_suspend : Action::ra_unsuspend;
    std::string role;
    auto run = [&]() -> Result<StatusOutcome> {
        YX_ASSIGN_OR_RETURN(auto origin, m_store.request_for_certificate(certificate));
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who,
                            origin ? m_auth.authorize(actor, action, origin->org_node) : authorize_self(actor, action));
        role = role_of(who);
        if (why.empty()) return bad(suspend ? "a suspension records why" : "an unsuspension records why");
        return suspend ? change_status(who.id, role, certificate, RequestKind::suspension,
                                       x509::CrlReason::certificate_hold)
                       : change_status(who.id, role, certificate, RequestKind::unsuspension,
                                       x509::CrlReason::remove_from_crl);
    };
    auto r = run();
    audit_step(actor, role, suspend ? "ra.suspend" : "ra.unsuspend", certificate, std::string(why),
               r ? ok_status() : Status(r.error()));
    return r;
}

Result<StatusOutcome> Workflow::suspend(std::string_view actor, std::string_view certificate, std::string_view why) {
    return hold_step(actor, certificate, why, true);
}

Result<StatusOutcome> Workflow::unsuspend(std::string_view actor, std::string_view certificate, std::string_view why) {
    return hold_step(actor, certificate, why, false);
}

Result<std::vector<ExpiringCertificate>> Workflow::expiring(std::string_view actor) {
    YX_ASSIGN_OR_RETURN(auth::StaffRecord who, authorize_self(actor, Action::ra_application_read));
    YX_ASSIGN_OR_RETURN(auto nodes, subtree_of(who));
    const TimePoint now = m_clock.now();
    YX_ASSIGN_OR_RETURN(auto all, m_store.expiring(now, now + m_config.expiry_reminder, 1000));
    std::vector<ExpiringCertificate> out;
    for (auto& e : all)
        if (std::find(nodes.begin(), nodes.end(), e.org_node) != nodes.end()) out.push_back(std::move(e));
    return out;
}

Result<std::size_t> Workflow::queue_expiry_reminders() {
    const TimePoint now = m_clock.now();
    YX_ASSIGN_OR_RETURN(auto all, m_store.expiring(now, now + m_config.expiry_reminder, 1000));
    std::vector<NewNotification> notes;
    for (const auto& e : all) {
        const std::string ref = e.ca_id + ":" + e.serial_hex;
        const std::string body = "您的数字证书（" + e.subject_dn + "，" + ref + "）将于 " + format_day(e.not_after) +
                                 " 到期，请在到期前 30 天内办理证书更新（LD/T 03-2022 §6.4.2）。\n";
        if (!e.email.empty())
            notes.push_back({"ra.certificate.expiring", NotifyChannel::email, e.email,
                             "数字证书即将到期 / certificate expiring", body, ref, "expiring:email:" + ref});
        if (!m_config.webhook.empty()) {
            nlohmann::json j{{"event", "ra.certificate.expiring"},
                             {"certificate", ref},
                             {"subject", e.subject_dn},
                             {"not_after", format_rfc3339(e.not_after)},
                             {"request_id", e.request_id}};
            notes.push_back({"ra.certificate.expiring", NotifyChannel::webhook, m_config.webhook,
                             "certificate expiring", j.dump(), ref, "expiring:webhook:" + ref});
        }
    }
    auto added = m_store.add_notifications(notes);
    audit_step("system", "", "ra.reminders", "expiring certificates",
               std::to_string(all.size()) + " expiring, " + (added ? std::to_string(*added) : "0") + " new reminders",
               added ? ok_status() : Status(added.error()));
    return added;
}

Result<std::vector<std::string>> Workflow::revoke_expired_holds() {
    std::vector<std::string> done;
    if (!m_config.revoke_expired_holds) return done;
    YX_ASSIGN_OR_RETURN(auto holds, m_store.expired_holds(m_clock.now(), 1000));
    for (const auto& ref : holds) {
        YX_ASSIGN_OR_RETURN(auto parsed, parse_certificate_ref(ref));
        auto r = m_status.revoke({parsed.first, parsed.second, x509::CrlReason::cessation_of_operation, {}, "system"});
        audit_step("system", "", "ra.hold.expired", ref, "still suspended at expiry: revoked (SDCA CPS)",
                   r ? ok_status() : Status(r.error()));
        if (r) done.push_back(ref);
    }
    return done;
}

Result<std::vector<StatisticsRow>> Workflow::statistics(std::string_view actor, TimePoint from, TimePoint to) {
    YX_ASSIGN_OR_RETURN(auth::StaffRecord who, authorize_self(actor, Action::ra_statistics_read));
    YX_ASSIGN_OR_RETURN(auto nodes, subtree_of(who));
    return m_store.statistics(from, to, m_clock.now(), nodes);
}

}  // namespace yinxin::ra
