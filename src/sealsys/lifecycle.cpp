// The seal lifecycle of LD/T 01.1-2022 §7.6-§7.10 (see registry.h for the effects).
#include <utility>

#include "internal.h"
#include "yinxin/seal/ses.h"
#include "yinxin/sealsys/registry.h"

namespace yinxin::sealsys {

using auth::Action;
using auth::StaffRecord;
using detail::illegal;
using detail::invalid;
using detail::str;

namespace {

std::string_view kind_zh(LifecycleKind k) {
    switch (k) {
        case LifecycleKind::change: return "变更";
        case LifecycleKind::loss: return "挂失";
        case LifecycleKind::cancel: return "注销";
        case LifecycleKind::renew: return "续期";
        case LifecycleKind::replace: return "更换";
    }
    return "";
}

}  // namespace

Status SealRegistry::revoke_certificate(const SealRecord& seal, x509::CrlReason reason, const std::string& actor) {
    YX_ASSIGN_OR_RETURN(Bytes serial, hex_decode(seal.serial_hex));
    auto done = m_status.revoke({seal.ca_id, serial, reason, {}, actor});
    // A request executed again after a failure that followed the revocation.
    if (!done && done.code() != Errc::ca_already_revoked) return std::move(done).error();
    return ok_status();
}

Result<LifecycleRequest> SealRegistry::request_lifecycle(const Caller& who, const NewLifecycleRequest& in) {
    Note note;
    note.target = in.seal_code;
    return audited<LifecycleRequest>(who, "seal.lifecycle.request", note, [&]() -> Result<LifecycleRequest> {
        YX_ASSIGN_OR_RETURN(SealRecord seal, load_seal(in.seal_code));
        YX_TRY(authorize(who, Action::seal_lifecycle_request, seal.org_node, note));
        if (seal.state != SealState::valid)
            return illegal("seal " + seal.seal_code + " is " + str(seal_state_name(seal.state)) +
                           ": no further lifecycle requests");
        if (!detail::valid_text(in.reason, 512)) return invalid("a reason (at most 512 bytes) is required");
        YX_TRY(validate_materials(in.materials, required_lifecycle_materials(in.kind)));
        if (in.validity_days > 36500) return invalid("validity_days must be at most 36500");
        const bool token = seal.delivery == Delivery::token;
        LifecycleRequest r;
        switch (in.kind) {
            case LifecycleKind::change:
                if (!in.new_form) return invalid("a change (变更) carries the new seal's data (new_form)");
                YX_TRY(validate_form(*in.new_form));
                r.new_form = in.new_form;
                break;
            case LifecycleKind::renew:
            case LifecycleKind::replace:
            case LifecycleKind::loss:
            case LifecycleKind::cancel:
                if (in.new_form) return invalid("only a change (变更) carries new seal data");
                break;
        }
        const bool needs_key = token && (in.kind == LifecycleKind::change || in.kind == LifecycleKind::replace);
        const bool may_have_key = token && in.kind == LifecycleKind::renew;
        if (needs_key || (may_have_key && !in.csr.empty())) {
            YX_ASSIGN_OR_RETURN(auto csr, detail::checked_csr(in.csr, m_config.sm2_id));
            // §7.10: a replacement carrier holds a new key.
            if (in.kind == LifecycleKind::replace) {
                YX_ASSIGN_OR_RETURN(x509::Certificate current, x509::Certificate::parse(seal.certificate_der));
                if (current.public_key_info().der() == csr.public_key_info().der())
                    return invalid("a replacement (更换) needs a new key on the new token");
            }
            r.csr.assign(csr.der().begin(), csr.der().end());
        } else if (!in.csr.empty()) {
            return invalid(token ? "this request takes no PKCS#10 request"
                                 : "a central seal's keys are made in the device: no PKCS#10 request");
        }
        YX_ASSIGN_OR_RETURN(r.id, new_id("sl-"));
        r.kind = in.kind;
        r.seal_code = seal.seal_code;
        r.org_node = seal.org_node;
        r.state = RequestState::submitted;
        r.reason = in.reason;
        for (const Material& m : in.materials) r.materials.push_back(material_info(m));
        r.validity_days = in.validity_days;
        r.submitted_by = who.id;
        r.submitted_at = m_clock.now();
        note.target = r.id;
        note.detail = str(lifecycle_kind_name(r.kind)) + " (" + str(kind_zh(r.kind)) + ") of seal " + r.seal_code +
                      ": " + r.reason;
        YX_TRY(m_store.insert_lifecycle(r, in.materials));
        return r;
    });
}

Result<LifecycleRequest> SealRegistry::approve_lifecycle(const Caller& who, std::string_view id, BytesView signature) {
    Note note;
    note.target = str(id);
    return audited<LifecycleRequest>(who, "seal.lifecycle.approve", note, [&]() -> Result<LifecycleRequest> {
        YX_ASSIGN_OR_RETURN(LifecycleRequest r, load_lifecycle(id));
        YX_TRY(authorize(who, Action::seal_application_approve, r.org_node, note, r.submitted_by));
        if (r.state != RequestState::submitted)
            return illegal("request " + r.id + " is " + str(request_state_name(r.state)) +
                           ", only a submitted one can be approved");
        YX_ASSIGN_OR_RETURN(std::string signed_note,
                            m_auth.verify_decision(who.id, "approve", r.id, lifecycle_payload_hash(r), signature));
        r.state = RequestState::approved;
        r.approved_by = who.id;
        r.approved_at = m_clock.now();
        r.approval_signature = signed_note + "; SM2 signature " + base64_encode(signature);
        note.detail = str(lifecycle_kind_name(r.kind)) + " of seal " + r.seal_code + ", " + signed_note;
        YX_TRY(m_store.update_lifecycle(r, RequestState::submitted));
        return r;
    });
}

Result<LifecycleRequest> SealRegistry::reject_lifecycle(const Caller& who, std::string_view id, std::string_view reason,
                                                        BytesView signature) {
    Note note;
    note.target = str(id);
    return audited<LifecycleRequest>(who, "seal.lifecycle.reject", note, [&]() -> Result<LifecycleRequest> {
        YX_ASSIGN_OR_RETURN(LifecycleRequest r, load_lifecycle(id));
        YX_TRY(authorize(who, Action::seal_application_approve, r.org_node, note, r.submitted_by));
        if (!detail::valid_text(reason, 512)) return invalid("a reason (at most 512 bytes) is required");
        if (r.state != RequestState::submitted)
            return illegal("request " + r.id + " is " + str(request_state_name(r.state)) +
                           ", only a submitted one can be rejected");
        YX_ASSIGN_OR_RETURN(std::string signed_note,
                            m_auth.verify_decision(who.id, "reject", r.id, lifecycle_payload_hash(r), signature));
        r.state = RequestState::rejected;
        r.rejected_by = who.id;
        r.rejected_at = m_clock.now();
        r.reject_reason = str(reason);
        r.reject_signature = signed_note + "; SM2 signature " + base64_encode(signature);
        note.detail = signed_note + ": " + r.reject_reason;
        YX_TRY(m_store.update_lifecycle(r, RequestState::submitted));
        return r;
    });
}

Result<LifecycleRequest> SealRegistry::execute_lifecycle(const Caller& who, std::string_view id) {
    Note note;
    note.target = str(id);
    return audited<LifecycleRequest>(who, "seal.lifecycle.execute", note, [&]() -> Result<LifecycleRequest> {
        YX_ASSIGN_OR_RETURN(LifecycleRequest r, load_lifecycle(id));
        // Loss and cancellation only revoke; change, renewal and replacement make a seal.
        const Action action =
            r.kind == LifecycleKind::loss || r.kind == LifecycleKind::cancel ? Action::seal_revoke : Action::seal_make;
        YX_ASSIGN_OR_RETURN(StaffRecord actor, authorize(who, action, r.org_node, note));
        if (r.state != RequestState::approved)
            return illegal("request " + r.id + " is " + str(request_state_name(r.state)) +
                           ", only an approved one can be executed");
        return execute_approved(actor, std::move(r), note);
    });
}

Result<LifecycleRequest> SealRegistry::execute_approved(const StaffRecord& actor, LifecycleRequest r, Note& note) {
    YX_ASSIGN_OR_RETURN(SealRecord seal, load_seal(r.seal_code));
    if (seal.state != SealState::valid)
        return illegal("seal " + seal.seal_code + " is " + str(seal_state_name(seal.state)));
    const TimePoint now = m_clock.now();
    const SealState before = seal.state;
    const std::int64_t generation = seal.generation;
    LifecycleEffect effect;
    effect.expected_request = RequestState::approved;
    switch (r.kind) {
        case LifecycleKind::loss:
        case LifecycleKind::cancel: {
            const bool lost = r.kind == LifecycleKind::loss;
            // §7.7 / §7.8; RFC 5280 5.3.1: a lost carrier means the key may be compromised.
            YX_TRY(revoke_certificate(
                seal, lost ? x509::CrlReason::key_compromise : x509::CrlReason::cessation_of_operation, actor.id));
            seal.state = lost ? SealState::lost : SealState::cancelled;
            seal.changed_at = now;
            seal.state_reason = str(kind_zh(r.kind)) + ": " + r.reason;
            r.result = str(seal_state_name(seal.state));
            break;
        }
        case LifecycleKind::change: {
            // §7.6 c/d: the old seal is cancelled and a new one applied for with the new data.
            YX_TRY(revoke_certificate(seal, x509::CrlReason::affiliation_changed, actor.id));
            seal.state = SealState::cancelled;
            seal.changed_at = now;
            seal.state_reason = str(kind_zh(r.kind)) + ": " + r.reason;
            SealApplication a;
            YX_ASSIGN_OR_RETURN(a.id, new_id("sa-"));
            a.org_node = seal.org_node;
            a.form = *r.new_form;
            a.scope = seal.scope;
            a.delivery = seal.delivery;
            a.csr = r.csr;
            a.validity_days = r.validity_days;
            a.materials = r.materials;
            a.state = ApplicationState::approved;
            a.submitted_by = r.submitted_by;
            a.submitted_at = r.submitted_at;
            a.approved_by = r.approved_by;
            a.approved_at = r.approved_at;
            a.approval_signature = "by change request " + r.id + ": " + r.approval_signature;
            a.origin_request = r.id;
            a.replaces = seal.seal_code;
            r.result = a.id;
            effect.new_application = a;
            break;
        }
        case LifecycleKind::renew:
        case LifecycleKind::replace: return renew_or_replace(actor, std::move(r), std::move(seal), note);
    }
    r.state = RequestState::completed;
    r.completed_by = actor.id;
    r.completed_at = now;
    effect.request = r;
    effect.seals.push_back(SealUpdate{seal, before, generation});
    YX_TRY(m_store.apply_lifecycle(effect));
    note.detail = str(lifecycle_kind_name(r.kind)) + " of seal " + r.seal_code + ": seal " +
                  str(seal_state_name(seal.state)) + ", certificate " + seal.ca_id + ":" + seal.serial_hex + " revoked";
    if (effect.new_application) {
        // The new seal at once (§7.6 d/e); a failure leaves the approved application to make().
        auto made = make_application(actor, *effect.new_application, note);
        if (!made) return std::move(made).error();
        note.detail = "change of seal " + r.seal_code + ": cancelled, new seal " + made->seal_code + " (application " +
                      effect.new_application->id + ")";
    }
    return r;
}

Result<LifecycleRequest> SealRegistry::renew_or_replace(const StaffRecord& actor, LifecycleRequest r, SealRecord seal,
                                                        Note& note) {
    const bool replace = r.kind == LifecycleKind::replace;
    const TimePoint now = m_clock.now();
    const std::int64_t generation = seal.generation;
    // The seal's data as made: the picture and its size come from the current SES_Seal.
    YX_ASSIGN_OR_RETURN(seal::Seal current, seal::Seal::parse(seal.ses_seal_der));
    YX_ASSIGN_OR_RETURN(x509::Certificate old_cert, x509::Certificate::parse(seal.certificate_der));
    SealForm form;
    form.credit_code = seal.credit_code;
    form.unit_name = seal.unit_name;
    form.seal_name = seal.seal_name;
    form.seal_type = seal.seal_type;
    form.picture_type = current.picture().type;
    form.picture = current.picture().data;
    form.width_mm = current.picture().width_mm;
    form.height_mm = current.picture().height_mm;
    Bytes spki;
    std::string label = seal.device_key_label;
    if (seal.delivery == Delivery::central) {
        // §7.10: a replacement is a new key; a renewal keeps the key in the device.
        if (replace) label = "seal-" + seal.seal_code + "-g" + std::to_string(generation + 1);
        YX_ASSIGN_OR_RETURN(spki, seal_key_spki(Delivery::central, {}, label));
    } else if (r.csr.empty()) {
        spki = old_cert.public_key_info().der();  // renewal with the existing key
    } else {
        YX_ASSIGN_OR_RETURN(spki, seal_key_spki(Delivery::token, r.csr, {}));
    }
    YX_ASSIGN_OR_RETURN(MadeSeal made, make_certificate_and_seal(seal.seal_code, form, r.csr, spki, r.validity_days,
                                                                 "seal-" + seal.seal_code + "-" + r.id, false));
    const SealRecord old = seal;
    seal.serial_hex = made.serial_hex;
    seal.certificate_der = std::move(made.certificate_der);
    seal.ses_seal_der = std::move(made.ses_seal_der);
    seal.valid_from = made.valid_from;
    seal.valid_to = made.valid_to;
    seal.generation = generation + 1;
    seal.device_key_label = label;
    seal.changed_at = now;
    seal.state_reason = str(kind_zh(r.kind)) + (r.online ? " (online)" : "") + ": " + r.reason;
    r.state = RequestState::completed;
    r.completed_by = actor.id;
    r.completed_at = now;
    r.result = seal.ca_id + ":" + seal.serial_hex;
    LifecycleEffect effect;
    effect.request = r;
    effect.expected_request = RequestState::approved;
    effect.insert = r.online;
    effect.seals.push_back(SealUpdate{seal, SealState::valid, generation});
    YX_TRY(m_store.apply_lifecycle(effect));
    // The old certificate is superseded once the new one is in place (SHECA CPS, as the RA does).
    YX_TRY(revoke_certificate(old, x509::CrlReason::superseded, actor.id));
    note.detail = str(lifecycle_kind_name(r.kind)) + (r.online ? " (online)" : "") + " of seal " + seal.seal_code +
                  ": certificate " + r.result + " valid to " + format_rfc3339(seal.valid_to) + ", " + old.ca_id + ":" +
                  old.serial_hex + " revoked (superseded)";
    return r;
}

Result<LifecycleRequest> SealRegistry::renew_online(const Caller& who, const OnlineRenewal& in) {
    Note note;
    note.target = in.seal_code;
    return audited<LifecycleRequest>(who, "seal.lifecycle.renew_online", note, [&]() -> Result<LifecycleRequest> {
        YX_ASSIGN_OR_RETURN(SealRecord seal, load_seal(in.seal_code));
        YX_ASSIGN_OR_RETURN(StaffRecord actor, authorize(who, Action::seal_lifecycle_request, seal.org_node, note));
        if (seal.state != SealState::valid)
            return illegal("seal " + seal.seal_code + " is " + str(seal_state_name(seal.state)));
        if (seal.delivery != Delivery::token)
            return illegal("a central seal's key is held by the system: renew it with an approved request");
        if (in.validity_days > 36500) return invalid("validity_days must be at most 36500");
        YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(seal.certificate_der));
        if (!cert.valid_at(m_clock.now()))
            return illegal("the seal certificate is not valid now: renew with a request approved by staff");
        const std::string text = online_renewal_text(seal.seal_code, cert.serial_hex(), in.validity_days);
        YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey pub, cert.public_key_info().sm2_public_key());
        if (in.signature.empty() || !crypto::sm2_verify(pub, as_bytes(text), in.signature).ok())
            return make_error(Errc::auth_decision_signature_invalid,
                              "the renewal is not signed by the seal's current key over online_renewal_text");
        LifecycleRequest r;
        YX_ASSIGN_OR_RETURN(r.id, new_id("sl-"));
        r.kind = LifecycleKind::renew;
        r.seal_code = seal.seal_code;
        r.org_node = seal.org_node;
        r.reason = "online self-service renewal (LD/T 01.1-2022 §7.9 note)";
        r.validity_days = in.validity_days;
        r.online = true;
        r.submitted_by = who.id;
        r.submitted_at = m_clock.now();
        r.approved_by = who.id;
        r.approved_at = r.submitted_at;
        r.approval_signature = "signed with the seal key (certificate " + cert.serial_hex() + "); SM2 signature " +
                               base64_encode(in.signature);
        note.target = r.id;
        return renew_or_replace(actor, std::move(r), std::move(seal), note);
    });
}

Result<LifecycleRequest> SealRegistry::get_lifecycle(const Caller& who, std::string_view id) {
    YX_ASSIGN_OR_RETURN(LifecycleRequest r, load_lifecycle(id));
    Note note;
    YX_ASSIGN_OR_RETURN(StaffRecord actor, authorize(who, Action::seal_application_read, r.org_node, note));
    if (actor.role == auth::Role::applicant && r.submitted_by != actor.id)
        return make_error(Errc::auth_denied, "an applicant reads only the requests they submitted");
    return r;
}

Result<std::vector<LifecycleRequest>> SealRegistry::list_lifecycle(const Caller& who, std::optional<RequestState> state,
                                                                   std::string_view seal_code,
                                                                   std::string_view after_id, std::size_t limit) {
    YX_ASSIGN_OR_RETURN(auto me, m_auth.find_staff(who.id));
    if (!me) return make_error(Errc::auth_denied, "unknown member '" + who.id + "'");
    Note note;
    YX_ASSIGN_OR_RETURN(StaffRecord actor, authorize(who, Action::seal_application_read, me->org_node, note));
    LifecycleFilter f;
    YX_ASSIGN_OR_RETURN(f.org_nodes, visible_nodes(actor));
    f.state = state;
    f.seal_code = str(seal_code);
    if (actor.role == auth::Role::applicant) f.submitted_by = actor.id;
    f.after_id = str(after_id);
    f.limit = limit;
    return m_store.list_lifecycle(f);
}

}  // namespace yinxin::sealsys
