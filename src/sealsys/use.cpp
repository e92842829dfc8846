#include "yinxin/sealsys/use.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

#include "yinxin/crypto/sm3.h"
#include "yinxin/ofd/package.h"
#include "yinxin/seal/ses.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::sealsys {
namespace {

using auth::Action;
using auth::Role;
using auth::StaffRecord;
using auth::Subsystem;

constexpr std::size_t k_max_name = 255;
constexpr std::size_t k_max_text = 512;
// OFD StampAnnot boundaries are millimetres on the page; nothing real is a metre wide.
constexpr double k_max_mm = 1000;

std::string str(std::string_view s) { return std::string(s); }

Error invalid(std::string message) { return make_error(Errc::seal_application_invalid, std::move(message)); }

// Seal staff reading seal use at `node`: the seal use system's admins and operators (seal.user.manage,
// LD/T 01.1-2022 §9.4) and the seal making system's readers (seal.application.read).
Status authorize_staff_read(auth::AuthService& auth, std::string_view who, std::string_view node) {
    if (auth.authorize(who, Action::seal_user_manage, node)) return ok_status();
    YX_TRY(auth.authorize(who, Action::seal_application_read, node));
    return ok_status();
}
Error illegal(std::string message) { return make_error(Errc::seal_illegal_state, std::move(message)); }

// Non-empty (unless optional), at most `max` bytes, no control characters.
bool valid_text(std::string_view s, bool optional, std::size_t max) {
    if (s.empty()) return optional;
    if (s.size() > max) return false;
    return std::none_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

std::string sm3_hex(BytesView data) { return hex_encode(crypto::sm3(data)); }

// The stored precision (unix seconds): every time a payload names is exactly what is stored.
TimePoint whole_seconds(TimePoint t) { return from_unix(to_unix(t)); }

bool ends_with_ofd(std::string_view name) {
    if (name.size() < 4) return false;
    std::string ext(name.substr(name.size() - 4));
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".ofd";
}

bool valid_mm(double v, bool positive) { return std::isfinite(v) && v <= k_max_mm && (positive ? v > 0 : v >= 0); }

// GB/T 38540 TBS_Sign.propertyInfo is an IA5String: a detached signature names its file there, a
// UTF-8 name percent-encoded (RFC 3986 §2.1) so it stays readable and reversible.
std::string ia5_property(std::string_view name) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && c != '%') {
            out += c;
        } else {
            out += '%';
            out += k_hex[u >> 4];
            out += k_hex[u & 0x0f];
        }
    }
    return out;
}

ofd::ReadLimits document_limits(std::size_t max_document) {
    ofd::ReadLimits l;
    l.max_package_size = max_document;
    return l;
}

std::string role_of(const StaffRecord& s) { return str(auth::role_name(s.role)); }

}  // namespace

// --- names -----------------------------------------------------------------------------------

std::string_view permission_name(SealPermission p) noexcept { return p == SealPermission::review ? "review" : "use"; }
std::optional<SealPermission> permission_from_name(std::string_view name) noexcept {
    if (name == "use") return SealPermission::use;
    if (name == "review") return SealPermission::review;
    return std::nullopt;
}

std::string_view use_state_name(UseState s) noexcept {
    switch (s) {
        case UseState::requested: return "requested";
        case UseState::approved: return "approved";
        case UseState::refused: return "refused";
        case UseState::signed_: return "signed";
        case UseState::expired: return "expired";
    }
    return "requested";
}
std::optional<UseState> use_state_from_name(std::string_view name) noexcept {
    for (UseState s :
         {UseState::requested, UseState::approved, UseState::refused, UseState::signed_, UseState::expired})
        if (use_state_name(s) == name) return s;
    return std::nullopt;
}

std::string_view document_kind_name(DocumentKind k) noexcept { return k == DocumentKind::ofd ? "ofd" : "file"; }
std::optional<DocumentKind> document_kind_from_name(std::string_view name) noexcept {
    if (name == "ofd") return DocumentKind::ofd;
    if (name == "file") return DocumentKind::file;
    return std::nullopt;
}

std::string use_payload(const UseRequest& r) {
    nlohmann::json stamp = nullptr;
    if (r.stamp) {
        const ofd::Boundary& b = r.stamp->boundary;
        stamp = nlohmann::json{
            {"page", r.stamp->page_index}, {"x", b.x}, {"y", b.y}, {"width", b.width}, {"height", b.height}};
    }
    nlohmann::json j{{"id", r.id},
                     {"seal_code", r.seal_code},
                     {"seal_name", r.seal_name},
                     {"org_node", r.org_node},
                     {"document_name", r.document_name},
                     {"document_kind", document_kind_name(r.document_kind)},
                     {"document_sm3", r.document_sm3},
                     {"document_size", r.document_size},
                     {"purpose", r.purpose},
                     {"requested_by", r.requested_by},
                     {"requested_at", format_rfc3339(r.requested_at)},
                     {"stamp", stamp}};
    return j.dump();
}

Bytes use_payload_hash(const UseRequest& r) {
    const crypto::Sm3Digest d = crypto::sm3(as_bytes(use_payload(r)));
    return {d.begin(), d.end()};
}

Status check_seal_usable(const CentralSeal& seal, TimePoint now) {
    if (seal.state != "valid")
        return make_error(Errc::seal_not_valid,
                          "seal " + seal.seal_code + " (" + seal.seal_name + ") is " +
                              (seal.state.empty() ? std::string("in no known state") : seal.state) +
                              " and cannot be used");
    if (now < seal.valid_from)
        return make_error(Errc::seal_not_valid,
                          "seal " + seal.seal_code + " is valid only from " + format_rfc3339(seal.valid_from));
    if (now > seal.valid_to)
        return make_error(Errc::seal_not_valid,
                          "seal " + seal.seal_code + " expired at " + format_rfc3339(seal.valid_to));
    return ok_status();
}

// --- service -----------------------------------------------------------------------------------

SealUseService::SealUseService(SealUseStore& store, SealLookup lookup, device::Device& device, auth::AuthService& auth,
                               audit::AuditLog& audit, const Clock& clock, Rng& rng, SealUseConfig config)
    : m_store(store),
      m_lookup(std::move(lookup)),
      m_device(device),
      m_auth(auth),
      m_audit(audit),
      m_clock(clock),
      m_rng(rng),
      m_config(std::move(config)) {}

template <class T, class F>
Result<T> SealUseService::audited(const UseCaller& who, std::string_view action, Note& note, F&& body) {
    Result<T> r = body();
    audit::AuditEvent ev;
    ev.source = who.source;
    ev.actor = who.id.empty() ? "anonymous" : who.id;
    ev.role = note.role;
    ev.action = str(action);
    ev.target = note.target;
    ev.detail = note.detail;
    if (!r) ev.failed(r.error());
    auto written = m_audit.append(ev);
    if (!written && r) return std::move(written).error();
    return r;
}

Result<StaffRecord> SealUseService::authorize(const UseCaller& who, Action action, std::string_view node, Note& note) {
    auto s = m_auth.authorize(who.id, action, node);
    if (s) note.role = role_of(*s);
    return s;
}

Status SealUseService::require_permission(std::string_view staff_id, std::string_view seal_code,
                                          SealPermission permission) {
    YX_ASSIGN_OR_RETURN(bool held, m_store.has_grant(seal_code, staff_id, permission));
    if (!held)
        return make_error(Errc::seal_use_denied, "'" + str(staff_id) + "' holds no '" +
                                                     str(permission_name(permission)) + "' permission on seal " +
                                                     str(seal_code));
    return ok_status();
}

Result<CentralSeal> SealUseService::usable_seal(std::string_view seal_code) {
    if (!m_lookup) return make_error(Errc::seal_not_found, "no seal registry is connected");
    YX_ASSIGN_OR_RETURN(CentralSeal seal, m_lookup(seal_code));
    YX_TRY(check_seal_usable(seal, m_clock.now()));
    return seal;
}

Result<UseRequest> SealUseService::load(std::string_view id) {
    YX_ASSIGN_OR_RETURN(auto r, m_store.find_request(id));
    if (!r) return make_error(Errc::seal_not_found, "no seal-use request '" + str(id) + "'");
    return std::move(*r);
}

Status SealUseService::audit_device_event(const device::DeviceEvent& e) {
    audit::AuditEvent ev;
    ev.time = e.at;
    ev.source = "local";
    ev.actor = "system";
    ev.action = e.action;
    ev.target = e.key_label.empty() ? e.device_id : e.key_label;
    ev.detail = e.detail.empty() ? "centralized seal key" : e.detail;
    YX_TRY(m_audit.append(ev));
    return ok_status();
}

namespace {

// The certificate of the seal's list (GB/T 38540 certListType 1) whose key is the device key: the
// signer certificate of every SES_Signature this seal makes (verify: signer_in_cert_list).
Result<Bytes> signer_certificate(const CentralSeal& seal, const device::KeyInfo& key) {
    YX_ASSIGN_OR_RETURN(seal::Seal parsed, seal::Seal::parse(seal.ses_seal_der));
    YX_ASSIGN_OR_RETURN(x509::SubjectPublicKeyInfo device_key, x509::SubjectPublicKeyInfo::parse(key.public_key));
    for (const Bytes& der : parsed.property().certificates) {
        auto cert = x509::Certificate::parse(der, x509::ParseOptions::relaxed());
        if (cert && cert->public_key_info().key_bytes() == device_key.key_bytes()) return der;
    }
    return make_error(Errc::seal_signer_failed, "seal " + seal.seal_code + " lists no certificate for device key '" +
                                                    seal.device_key_label + "'");
}

}  // namespace

Result<SealUseService::SealKey> SealUseService::seal_key(const CentralSeal& seal) {
    YX_ASSIGN_OR_RETURN(device::KeyInfo key, m_device.find_key(seal.device_key_label));
    if (key.algorithm != device::KeyAlgorithm::sm2)
        return make_error(Errc::seal_signer_failed, "device key '" + key.label + "' is not an SM2 key");
    YX_ASSIGN_OR_RETURN(Bytes certificate, signer_certificate(seal, key));
    if (!key.access_right) {
        YX_ASSIGN_OR_RETURN(device::DeviceEvent granted,
                            m_device.get_private_key_access_right(key.index, m_config.key_pin));
        YX_TRY(audit_device_event(granted));
    }
    device::Device* dev = &m_device;
    const device::KeyIndex index = key.index;
    // GB/T 38540 with the GM/T 0009 default signer ID (seal::SignCallback).
    return SealKey{[dev, index](BytesView tbs) { return dev->sign(index, tbs); }, std::move(certificate)};
}

// --- permissions ---------------------------------------------------------------------------------

Result<SealGrant> SealUseService::grant(const UseCaller& who, std::string_view seal_code, std::string_view staff_id,
                                        SealPermission permission) {
    Note note;
    note.target = str(seal_code) + ":" + str(staff_id);
    return audited<SealGrant>(who, "seal.use.grant", note, [&]() -> Result<SealGrant> {
        if (!m_lookup) return make_error(Errc::seal_not_found, "no seal registry is connected");
        YX_ASSIGN_OR_RETURN(CentralSeal seal, m_lookup(seal_code));
        YX_TRY(authorize(who, Action::seal_user_manage, seal.org_node, note));
        YX_ASSIGN_OR_RETURN(auto target, m_auth.find_staff(staff_id));
        if (!target) return make_error(Errc::seal_not_found, "no staff member '" + str(staff_id) + "'");
        if (!target->active) return invalid("'" + target->id + "' is deactivated");
        const bool fits = permission == SealPermission::use
                              ? (target->role == Role::seal_user || target->role == Role::business_system)
                              : target->role == Role::seal_reviewer;
        if (!fits)
            return invalid("'" + target->id + "' is a " + role_of(*target) + ": '" + str(permission_name(permission)) +
                           "' is for " +
                           (permission == SealPermission::use ? "seal users and business systems" : "seal reviewers"));
        YX_ASSIGN_OR_RETURN(bool covered, m_auth.covers(target->org_node, seal.org_node));
        if (!covered)
            return make_error(Errc::auth_out_of_scope, "'" + target->id + "' (node " + target->org_node +
                                                           ") is outside seal " + seal.seal_code + "'s unit (node " +
                                                           seal.org_node + ")");
        SealGrant g;
        g.seal_code = seal.seal_code;
        g.staff_id = target->id;
        g.permission = permission;
        g.staff_role = role_of(*target);
        g.granted_by = who.id;
        g.granted_at = whole_seconds(m_clock.now());
        YX_TRY(m_store.insert_grant(g));
        note.detail = "granted '" + str(permission_name(permission)) + "' on seal " + seal.seal_code + " (" +
                      seal.seal_name + ") to " + g.staff_id + " (" + g.staff_role + ")";
        return g;
    });
}

Result<SealGrant> SealUseService::withdraw(const UseCaller& who, std::string_view seal_code, std::string_view staff_id,
                                           SealPermission permission) {
    Note note;
    note.target = str(seal_code) + ":" + str(staff_id);
    return audited<SealGrant>(who, "seal.use.withdraw", note, [&]() -> Result<SealGrant> {
        if (!m_lookup) return make_error(Errc::seal_not_found, "no seal registry is connected");
        YX_ASSIGN_OR_RETURN(CentralSeal seal, m_lookup(seal_code));
        YX_TRY(authorize(who, Action::seal_user_manage, seal.org_node, note));
        YX_ASSIGN_OR_RETURN(SealGrant g, m_store.withdraw_grant(seal.seal_code, staff_id, permission, who.id,
                                                                whole_seconds(m_clock.now())));
        note.detail =
            "withdrew '" + str(permission_name(permission)) + "' on seal " + seal.seal_code + " from " + g.staff_id;
        return g;
    });
}

Result<std::vector<SealGrant>> SealUseService::grants(const UseCaller& who, std::string_view seal_code) {
    if (!m_lookup) return make_error(Errc::seal_not_found, "no seal registry is connected");
    YX_ASSIGN_OR_RETURN(CentralSeal seal, m_lookup(seal_code));
    YX_TRY(authorize_staff_read(m_auth, who.id, seal.org_node));
    return m_store.list_grants(seal.seal_code);
}

// --- the use workflow --------------------------------------------------------------------------

Result<UseRequest> SealUseService::request(const UseCaller& who, const NewUseRequest& in) {
    sweep();
    Note note;
    note.target = in.seal_code;
    return audited<UseRequest>(who, "seal.use.request", note, [&]() -> Result<UseRequest> {
        if (!m_lookup) return make_error(Errc::seal_not_found, "no seal registry is connected");
        YX_ASSIGN_OR_RETURN(CentralSeal seal, m_lookup(in.seal_code));
        YX_ASSIGN_OR_RETURN(StaffRecord me, authorize(who, Action::seal_use_request, seal.org_node, note));
        YX_TRY(require_permission(who.id, seal.seal_code, SealPermission::use));
        const TimePoint now = whole_seconds(m_clock.now());
        YX_TRY(check_seal_usable(seal, now));

        // §8.2.2: the object to be sealed, named, with a purpose.
        if (!valid_text(in.document_name, false, k_max_name) ||
            in.document_name.find_first_of("/\\") != std::string::npos)
            return invalid("document_name is required: a file name of at most 255 bytes, no '/' or '\\'");
        if (!valid_text(in.purpose, false, k_max_text)) return invalid("purpose is required, at most 512 bytes");
        if (in.document.empty()) return invalid("the document is empty");
        if (in.document.size() > m_config.max_document_bytes)
            return invalid("the document has " + std::to_string(in.document.size()) + " bytes; at most " +
                           std::to_string(m_config.max_document_bytes) + " are accepted");
        const DocumentKind kind =
            in.kind.value_or(ends_with_ofd(in.document_name) ? DocumentKind::ofd : DocumentKind::file);
        if (in.stamp) {
            if (kind != DocumentKind::ofd) return invalid("a stamp position is for OFD documents only");
            const ofd::Boundary& b = in.stamp->boundary;
            if (!valid_mm(b.x, false) || !valid_mm(b.y, false) || !valid_mm(b.width, true) || !valid_mm(b.height, true))
                return invalid("the stamp boundary must be x, y >= 0 and width, height > 0, in millimetres up to 1000");
        }
        if (kind == DocumentKind::ofd) {
            // A dry run of the OFD signer up to the point where it would use the key, so an OFD it
            // would refuse (unreadable package, no such page) is refused now, not after approval.
            auto pkg = ofd::Package::read(in.document, document_limits(m_config.max_document_bytes));
            if (!pkg) return invalid("the document is not a readable OFD package: " + pkg.error().message);
            YX_ASSIGN_OR_RETURN(device::KeyInfo key, m_device.find_key(seal.device_key_label));
            YX_ASSIGN_OR_RETURN(Bytes certificate, signer_certificate(seal, key));
            seal::OfdSignRequest req;
            req.seal = seal.ses_seal_der;
            req.signer_certificate = std::move(certificate);
            req.time = now;
            req.stamp = in.stamp;
            bool reached_key = false;
            auto dry = seal::sign_ofd(*pkg, req, [&reached_key](BytesView) -> Result<Bytes> {
                reached_key = true;
                return make_error(Errc::seal_signer_failed, "dry run");
            });
            if (!reached_key)
                return invalid("the OFD document cannot be sealed: " +
                               (dry ? std::string("unexpected signer result") : dry.error().message));
        }

        UseRequest r;
        {
            std::lock_guard lock(m_rng_mu);
            YX_ASSIGN_OR_RETURN(Bytes raw, m_rng.bytes(8));
            r.id = "su-" + hex_encode(raw);
        }
        note.target = r.id;
        r.seal_code = seal.seal_code;
        r.seal_name = seal.seal_name;
        r.org_node = seal.org_node;
        r.document_name = in.document_name;
        r.document_kind = kind;
        r.document_sm3 = sm3_hex(in.document);
        r.document_size = in.document.size();
        r.purpose = in.purpose;
        r.stamp = in.stamp;
        r.state = UseState::requested;
        r.requested_by = me.id;
        r.requester_role = role_of(me);
        r.requested_at = now;
        r.review_deadline = now + m_config.review_ttl;
        YX_TRY(m_store.insert_request(r, in.document));
        note.detail = "seal " + r.seal_code + " (" + r.seal_name + ") on " + str(document_kind_name(kind)) + " '" +
                      r.document_name + "' SM3 " + r.document_sm3 + " (" + std::to_string(r.document_size) +
                      " bytes); purpose: " + r.purpose + "; review by " + format_rfc3339(r.review_deadline);
        return r;
    });
}

Result<UseRequest> SealUseService::decide(const UseCaller& who, std::string_view id, bool approve,
                                          std::string_view reason, BytesView signature) {
    Note note;
    note.target = str(id);
    auto decided =
        audited<UseRequest>(who, approve ? "seal.use.approve" : "seal.use.refuse", note, [&]() -> Result<UseRequest> {
            if (!approve && !valid_text(reason, false, k_max_text))
                return invalid("a refusal needs a reason (at most 512 bytes)");
            YX_ASSIGN_OR_RETURN(UseRequest r, load(id));
            YX_TRY(authorize(who, Action::seal_use_review, r.org_node, note));
            // §8.2.3: the reviewer designated for this seal, and never the requester.
            YX_TRY(require_permission(who.id, r.seal_code, SealPermission::review));
            YX_TRY(auth::check_maker_checker(r.requested_by, who.id));
            if (r.state != UseState::requested)
                return illegal("request " + r.id + " is " + str(use_state_name(r.state)) + ", not requested");
            const TimePoint now = whole_seconds(m_clock.now());
            if (now >= r.review_deadline)
                return illegal("request " + r.id + " was not reviewed by " + format_rfc3339(r.review_deadline) +
                               " and has expired");
            // §8.2.3: the reviewer also checks the seal itself is (still) valid.
            if (approve) YX_TRY(usable_seal(r.seal_code));
            YX_ASSIGN_OR_RETURN(std::string checked, m_auth.verify_decision(who.id, approve ? "approve" : "reject",
                                                                            r.id, use_payload_hash(r), signature));
            r.state = approve ? UseState::approved : UseState::refused;
            r.reviewed_by = who.id;
            r.reviewed_at = now;
            r.refuse_reason = approve ? std::string() : str(reason);
            r.decision_signature.assign(signature.begin(), signature.end());
            r.decision_note = checked;
            YX_TRY(m_store.update_request(r, UseState::requested));
            note.detail = (approve ? "approved" : "refused (" + r.refuse_reason + ")") + std::string(" use of seal ") +
                          r.seal_code + " on '" + r.document_name + "' requested by " + r.requested_by + "; " +
                          checked + "; SM2 signature " + base64_encode(signature);
            return r;
        });
    if (!decided || !approve || decided->requester_role != auth::role_name(Role::business_system)) return decided;
    // §8.1.2: a business system's request is signed as soon as it is approved; the system fetches
    // the result. When this fails the request stays approved and the system may ask to sign.
    const UseCaller system{decided->requested_by, who.source};
    Note sn;
    sn.target = decided->id;
    auto done = audited<UseRequest>(system, "seal.use.sign", sn, [&]() -> Result<UseRequest> {
        sn.detail = "on approval by " + who.id + ": ";
        return sign_approved(system, decided->id, sn);
    });
    return done ? std::move(done).value() : std::move(decided).value();
}

Result<UseRequest> SealUseService::approve(const UseCaller& who, std::string_view id, BytesView signature) {
    return decide(who, id, true, {}, signature);
}

Result<UseRequest> SealUseService::refuse(const UseCaller& who, std::string_view id, std::string_view reason,
                                          BytesView signature) {
    return decide(who, id, false, reason, signature);
}

Result<UseRequest> SealUseService::sign(const UseCaller& who, std::string_view id) {
    Note note;
    note.target = str(id);
    return audited<UseRequest>(who, "seal.use.sign", note, [&]() { return sign_approved(who, id, note); });
}

Result<UseRequest> SealUseService::sign_approved(const UseCaller& who, std::string_view id, Note& note) {
    YX_ASSIGN_OR_RETURN(UseRequest r, load(id));
    YX_TRY(authorize(who, Action::seal_sign, r.org_node, note));
    // §8.2.4 b 1/2: the requester signs, and the system checks identity and permission again.
    if (who.id != r.requested_by)
        return make_error(Errc::seal_use_denied,
                          "only the requester (" + r.requested_by + ") signs after approval (LD/T 01.1-2022 §8.2.4 b)");
    YX_TRY(require_permission(who.id, r.seal_code, SealPermission::use));
    if (r.state == UseState::signed_)
        return illegal("request " + r.id + " was signed at " + format_rfc3339(r.signed_at.value_or(TimePoint{})) +
                       ": a request signs at most once");
    if (r.state != UseState::approved)
        return illegal("request " + r.id + " is " + str(use_state_name(r.state)) + ": only an approved request signs");
    YX_ASSIGN_OR_RETURN(CentralSeal seal, usable_seal(r.seal_code));
    // The approval is checked again right before the key is used (as the RA→CA step does).
    auto again = m_auth.verify_decision(r.reviewed_by, "approve", r.id, use_payload_hash(r), r.decision_signature);
    if (!again)
        return make_error(Errc::auth_decision_signature_invalid,
                          "the approval of request " + r.id + " no longer verifies: " + again.error().message);
    YX_ASSIGN_OR_RETURN(Bytes document, m_store.document(r.id));
    if (sm3_hex(document) != r.document_sm3)
        return make_error(Errc::store_io, "the stored document of request " + r.id + " does not match its SM3");

    const TimePoint now = whole_seconds(m_clock.now());
    Bytes result;
    {
        std::lock_guard lock(m_sign_mu);
        YX_ASSIGN_OR_RETURN(SealKey key, seal_key(seal));
        if (r.document_kind == DocumentKind::ofd) {
            YX_ASSIGN_OR_RETURN(ofd::Package pkg,
                                ofd::Package::read(document, document_limits(m_config.max_document_bytes)));
            seal::OfdSignRequest req;
            req.seal = seal.ses_seal_der;
            req.signer_certificate = key.certificate;
            req.time = now;
            req.stamp = r.stamp;
            req.provider_name = m_config.provider_name;
            req.provider_version = m_config.provider_version;
            YX_ASSIGN_OR_RETURN(seal::OfdSignResult signed_pkg, seal::sign_ofd(pkg, req, key.sign));
            YX_ASSIGN_OR_RETURN(result, signed_pkg.package.write());
        } else {
            YX_ASSIGN_OR_RETURN(
                result, seal::make_detached_signature(seal.ses_seal_der, document, ia5_property(r.document_name),
                                                      key.certificate, now, key.sign));
        }
    }
    r.state = UseState::signed_;
    r.signed_by = who.id;
    r.signed_at = now;
    r.result_sm3 = sm3_hex(result);
    UseLogEntry e;
    e.request_id = r.id;
    e.seal_code = r.seal_code;
    e.seal_name = seal.seal_name;
    e.org_node = r.org_node;
    e.document_name = r.document_name;
    e.document_sm3 = r.document_sm3;
    e.result_sm3 = r.result_sm3;
    e.requested_by = r.requested_by;
    e.reviewed_by = r.reviewed_by;
    e.operator_id = who.id;
    e.signed_at = now;
    YX_TRY(m_store.complete_request(r, result, e));
    note.detail += "signed '" + r.document_name + "' (SM3 " + r.document_sm3 + ") with seal " + r.seal_code + " (" +
                   seal.seal_name + "), device key " + seal.device_key_label + "; requested by " + r.requested_by +
                   ", approved by " + r.reviewed_by + "; result SM3 " + r.result_sm3;
    return r;
}

Result<SignedDocument> SealUseService::fetch(const UseCaller& who, std::string_view id) {
    Note note;
    note.target = str(id);
    return audited<SignedDocument>(who, "seal.use.fetch", note, [&]() -> Result<SignedDocument> {
        YX_ASSIGN_OR_RETURN(UseRequest r, load(id));
        YX_TRY(authorize(who, Action::seal_sign, r.org_node, note));
        if (who.id != r.requested_by)
            return make_error(Errc::seal_use_denied,
                              "the signed document goes to the requester (" + r.requested_by + ") only");
        if (r.state != UseState::signed_)
            return illegal("request " + r.id + " is " + str(use_state_name(r.state)) + ": nothing was signed");
        if (r.fetched_at)
            return illegal("the signed document of request " + r.id + " was fetched by " + r.fetched_by + " at " +
                           format_rfc3339(*r.fetched_at) + " and is no longer kept");
        const TimePoint now = whole_seconds(m_clock.now());
        YX_ASSIGN_OR_RETURN(Bytes content, m_store.take_result(r.id, who.id, now));
        r.fetched_by = who.id;
        r.fetched_at = now;
        SignedDocument out;
        out.request = r;
        out.content = std::move(content);
        if (r.document_kind == DocumentKind::ofd) {
            out.file_name = r.document_name;
            out.content_type = "application/ofd";
        } else {
            out.file_name = r.document_name + ".ses";
            out.content_type = "application/octet-stream";
        }
        note.detail = "signed document of request " + r.id + " (SM3 " + r.result_sm3 + ") handed out once";
        return out;
    });
}

Result<std::size_t> SealUseService::expire_overdue() {
    const TimePoint now = whole_seconds(m_clock.now());
    YX_ASSIGN_OR_RETURN(std::vector<std::string> ids, m_store.overdue_requests(now, k_max_use_page));
    std::size_t expired = 0;
    const UseCaller system{"system", "local"};
    for (const std::string& id : ids) {
        YX_ASSIGN_OR_RETURN(UseRequest r, load(id));
        if (r.state != UseState::requested) continue;  // decided meanwhile
        Note note;
        note.target = r.id;
        auto done = audited<UseRequest>(system, "seal.use.expire", note, [&]() -> Result<UseRequest> {
            r.state = UseState::expired;
            r.expired_at = now;
            YX_TRY(m_store.update_request(r, UseState::requested));
            note.detail = "not reviewed by " + format_rfc3339(r.review_deadline) + " (seal " + r.seal_code + ", '" +
                          r.document_name + "', requested by " + r.requested_by + ")";
            return r;
        });
        if (done) ++expired;
    }
    return expired;
}

void SealUseService::sweep() {
    {
        std::lock_guard lock(m_sweep_mu);
        const TimePoint now = m_clock.now();
        if (m_last_sweep && now >= *m_last_sweep && now - *m_last_sweep < std::chrono::seconds(30)) return;
        m_last_sweep = now;
    }
    // A failure is in the audit log (per request) or repeats at the next sweep.
    (void)expire_overdue();
}

// --- reading -------------------------------------------------------------------------------------

Status SealUseService::check_read(const UseCaller& who, const UseRequest& r) {
    if (who.id == r.requested_by) {
        YX_TRY(m_auth.authorize(who.id, Action::seal_use_request, r.org_node));
        return ok_status();
    }
    if (m_auth.authorize(who.id, Action::seal_use_review, r.org_node))
        return require_permission(who.id, r.seal_code, SealPermission::review);
    return authorize_staff_read(m_auth, who.id, r.org_node);
}

Result<UseRequest> SealUseService::get(const UseCaller& who, std::string_view id) {
    sweep();
    YX_ASSIGN_OR_RETURN(UseRequest r, load(id));
    YX_TRY(check_read(who, r));
    return r;
}

Result<std::string> SealUseService::payload(const UseCaller& who, std::string_view id) {
    YX_ASSIGN_OR_RETURN(UseRequest r, get(who, id));
    return use_payload(r);
}

Result<Bytes> SealUseService::original(const UseCaller& who, std::string_view id) {
    YX_ASSIGN_OR_RETURN(UseRequest r, get(who, id));
    return m_store.document(r.id);
}

Result<std::vector<UseRequest>> SealUseService::list(const UseCaller& who, const UseListQuery& q) {
    if (q.limit == 0 || q.limit > k_max_use_page) return invalid("limit must be 1..1000");
    sweep();
    YX_ASSIGN_OR_RETURN(auto me, m_auth.find_staff(who.id));
    if (!me) return make_error(Errc::auth_denied, "unknown staff member");
    UseRequestFilter f;
    f.seal_code = q.seal_code;
    f.state = q.state;
    f.after_id = q.after_id;
    f.limit = q.limit;
    if (me->role == Role::seal_user || me->role == Role::business_system) {
        YX_TRY(m_auth.authorize(who.id, Action::seal_use_request, me->org_node));
        f.requested_by = me->id;
    } else if (me->role == Role::seal_reviewer) {
        YX_TRY(m_auth.authorize(who.id, Action::seal_use_review, me->org_node));
        YX_ASSIGN_OR_RETURN(std::vector<SealGrant> mine, m_store.grants_of(me->id));
        std::vector<std::string> codes;
        for (const auto& g : mine)
            if (g.permission == SealPermission::review) codes.push_back(g.seal_code);
        f.seal_codes = std::move(codes);
    } else {
        YX_TRY(authorize_staff_read(m_auth, who.id, me->org_node));
        YX_ASSIGN_OR_RETURN(f.org_nodes, m_auth.subtree(me->org_node));
    }
    return m_store.list_requests(f);
}

Result<std::vector<UseLogEntry>> SealUseService::use_log(const UseCaller& who, const UseLogQuery& q) {
    if (q.limit == 0 || q.limit > k_max_use_page) return invalid("limit must be 1..1000");
    if (q.from && q.to && *q.from > *q.to) return invalid("the period ends before it starts");
    UseLogFilter f;
    f.seal_code = q.seal_code;
    f.from = q.from;
    f.to = q.to;
    f.after_seq = q.after_seq;
    f.limit = q.limit;
    // §9.4: the audit administrator and auditors of the seal use system (or of the whole system)
    // read every seal's log.
    if (auto auditor = m_auth.authorize(who.id, Action::audit_read);
        auditor && (auditor->subsystem == Subsystem::none || auditor->subsystem == Subsystem::seal_use))
        return m_store.list_use_log(f);
    if (!q.seal_code.empty()) {
        if (!m_lookup) return make_error(Errc::seal_not_found, "no seal registry is connected");
        YX_ASSIGN_OR_RETURN(CentralSeal seal, m_lookup(q.seal_code));
        YX_TRY(authorize_staff_read(m_auth, who.id, seal.org_node));
        return m_store.list_use_log(f);
    }
    YX_ASSIGN_OR_RETURN(auto me, m_auth.find_staff(who.id));
    if (!me) return make_error(Errc::auth_denied, "unknown staff member");
    YX_TRY(authorize_staff_read(m_auth, who.id, me->org_node));
    YX_ASSIGN_OR_RETURN(f.org_nodes, m_auth.subtree(me->org_node));
    return m_store.list_use_log(f);
}

}  // namespace yinxin::sealsys
