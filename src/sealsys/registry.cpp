#include "yinxin/sealsys/registry.h"

#include <algorithm>
#include <utility>

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/seal/ses.h"

namespace yinxin::sealsys {

using auth::Action;
using auth::Role;
using auth::StaffRecord;
using detail::illegal;
using detail::invalid;
using detail::not_found;
using detail::str;

namespace detail {

Result<x509::CertificationRequest> checked_csr(BytesView csr, std::string_view sm2_id) {
    if (csr.empty()) return invalid("a PKCS#10 request for the seal key in the token is required");
    if (csr.size() > ca::k_max_csr_size) return invalid("the PKCS#10 request is larger than 64 KiB");
    const std::string_view text(reinterpret_cast<const char*>(csr.data()), csr.size());
    auto parsed = text.find("-----BEGIN") != std::string_view::npos ? x509::CertificationRequest::parse_pem(text)
                                                                    : x509::CertificationRequest::parse(csr);
    if (!parsed) return invalid("the PKCS#10 request does not parse: " + parsed.error().to_string());
    if (!parsed->public_key_info().is_sm2()) return invalid("a seal key must be an SM2 key (LD/T 01.1-2022 §6)");
    if (auto pop = parsed->verify_pop(sm2_id); !pop)
        return invalid("the PKCS#10 proof of possession does not verify: " + pop.error().to_string());
    return parsed;
}

bool valid_text(std::string_view s, std::size_t max, bool optional) {
    if (s.empty()) return optional;
    if (s.size() > max) return false;
    return std::none_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

}  // namespace detail

namespace {

bool is_staff(const StaffRecord& s) { return auth::is_staff_role(s.role); }

std::string signer_cn_suffix(SignerRole role) {
    return role == SignerRole::maker ? "电子印章制作系统" : "电子印章状态发布系统";
}

}  // namespace

std::string_view signer_role_name(SignerRole r) noexcept { return r == SignerRole::maker ? "maker" : "status"; }

SealRegistry::SealRegistry(SealSystemStore& store, auth::AuthService& auth, audit::AuditLog& audit, ca::Issuer& issuer,
                           ca::StatusService& status, ca::CaRegistry& cas, ca::CertificateReader& certificates,
                           device::Device& device, NationalPlatform& platform, const Clock& clock, Rng& rng,
                           SealSystemConfig config)
    : m_store(store),
      m_auth(auth),
      m_audit(audit),
      m_issuer(issuer),
      m_status(status),
      m_cas(cas),
      m_certificates(certificates),
      m_device(device),
      m_platform(platform),
      m_clock(clock),
      m_rng(rng),
      m_config(std::move(config)) {}

// --- audit and authorisation -------------------------------------------------------------------

Status SealRegistry::write_audit(const Caller& who, std::string_view action, const Note& note, const Error* error) {
    audit::AuditEvent ev;
    ev.source = who.source;
    ev.actor = who.id.empty() ? "anonymous" : who.id;
    ev.role = note.role;
    ev.action = str(action);
    ev.target = note.target;
    ev.detail = note.detail;
    if (error != nullptr) ev.failed(*error);
    YX_TRY(m_audit.append(ev));
    return ok_status();
}

Status SealRegistry::audit_device(const Caller& who, const device::DeviceEvent& e) {
    audit::AuditEvent ev;
    ev.time = e.at;
    ev.source = who.source;
    ev.actor = who.id.empty() ? "system" : who.id;
    ev.action = e.action;
    ev.target = e.key_label.empty() ? e.device_id : e.key_label;
    ev.detail = e.detail.empty() ? "seal system key" : e.detail;
    YX_TRY(m_audit.append(ev));
    return ok_status();
}

Result<StaffRecord> SealRegistry::authorize(const Caller& who, Action action, std::string_view node, Note& note,
                                            std::string_view maker) {
    auto s =
        maker.empty() ? m_auth.authorize(who.id, action, node) : m_auth.authorize_checker(who.id, action, node, maker);
    if (s) note.role = str(auth::role_name(s->role));
    return s;
}

Result<std::vector<std::string>> SealRegistry::visible_nodes(const StaffRecord& actor) {
    // Applicants and seal users act for one unit: their own node. Staff and the 主管部门 approver
    // (who approves for the units below it, as authorize() lets it) see their subtree.
    if (!is_staff(actor) && actor.role != Role::approver) return std::vector<std::string>{actor.org_node};
    return m_auth.subtree(actor.org_node);
}

Result<std::string> SealRegistry::new_id(std::string_view prefix) {
    std::lock_guard lock(m_rng_mu);
    YX_ASSIGN_OR_RETURN(Bytes b, m_rng.bytes(8));
    return str(prefix) + hex_encode(b);
}

Result<SealApplication> SealRegistry::load_application(std::string_view id) {
    YX_ASSIGN_OR_RETURN(auto a, m_store.find_application(id));
    if (!a) return not_found("no seal application '" + str(id) + "'");
    return std::move(*a);
}

Result<LifecycleRequest> SealRegistry::load_lifecycle(std::string_view id) {
    YX_ASSIGN_OR_RETURN(auto r, m_store.find_lifecycle(id));
    if (!r) return not_found("no seal lifecycle request '" + str(id) + "'");
    return std::move(*r);
}

Result<SealRecord> SealRegistry::load_seal(std::string_view code) {
    YX_ASSIGN_OR_RETURN(auto s, m_store.find_seal(code));
    if (!s || s->state == SealState::pending) return not_found("no seal '" + str(code) + "'");
    return std::move(*s);
}

// --- system signers ----------------------------------------------------------------------------

Result<SealRegistry::OpenSigner> SealRegistry::create_signer(SignerRole role) {
    const Caller system{"system", "local"};
    const std::string label = "sealsys-" + str(signer_role_name(role)) + "-" + std::to_string(to_unix(m_clock.now()));
    device::KeyInfo key;
    if (auto found = m_device.find_key(label); found) {
        key = std::move(found).value();
    } else {
        YX_ASSIGN_OR_RETURN(device::GeneratedKey g,
                            m_device.generate_key_pair(device::KeyAlgorithm::sm2, label, m_config.key_pin));
        YX_TRY(audit_device(system, g.event));
        key = std::move(g.key);
    }
    YX_ASSIGN_OR_RETURN(x509::Certificate ca_cert, seal_ca_certificate());
    profile::CertificateRequestData data;
    data.subject.emplace_back("C", ca_cert.subject().get(asn1::oids::at_country).value_or("CN"));
    data.subject.emplace_back("O", m_config.organisation.empty()
                                       ? ca_cert.subject().get(asn1::oids::at_organization).value_or("Yinxin")
                                       : m_config.organisation);
    data.subject.emplace_back("CN", m_config.system_name + " " + signer_cn_suffix(role));
    data.spki_der = key.public_key;
    ca::IssueRequest req;
    req.ca_id = m_config.seal_ca_id;
    req.profile_id = role == SignerRole::maker ? m_config.maker_profile : m_config.status_profile;
    req.data = std::move(data);
    req.request_id = "sealsys-signer-" + label;
    YX_ASSIGN_OR_RETURN(ca::IssuedCertificate issued, m_issuer.issue(req));
    SystemSigner rec;
    rec.role = role;
    rec.key_label = label;
    rec.certificate_der = issued.certificate_der;
    rec.created_at = m_clock.now();
    YX_TRY(m_store.insert_signer(rec));
    OpenSigner out{rec, std::nullopt, key.index};
    YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(rec.certificate_der));
    out.certificate = std::move(cert);
    return out;
}

Result<SealRegistry::OpenSigner> SealRegistry::open_signer(SignerRole role) {
    YX_ASSIGN_OR_RETURN(auto found, m_store.find_signer(role));
    OpenSigner s;
    if (!found) {
        const Caller system{"system", "local"};
        Note note;
        note.target = str(signer_role_name(role));
        note.detail = "seal " + str(signer_role_name(role)) + " system key and certificate from " + m_config.seal_ca_id;
        YX_ASSIGN_OR_RETURN(s, audited<OpenSigner>(system, "sealsys.signer.create", note, [&]() -> Result<OpenSigner> {
                                auto made = create_signer(role);
                                if (made)
                                    note.detail += ": device key " + made->record.key_label + ", certificate " +
                                                   made->certificate->serial_hex();
                                return made;
                            }));
    } else {
        s.record = std::move(*found);
        YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(s.record.certificate_der));
        s.certificate = std::move(cert);
    }
    YX_ASSIGN_OR_RETURN(device::KeyInfo key, m_device.find_key(s.record.key_label));
    s.index = key.index;
    if (!key.access_right) {
        YX_ASSIGN_OR_RETURN(device::DeviceEvent granted,
                            m_device.get_private_key_access_right(key.index, m_config.key_pin));
        YX_TRY(audit_device(Caller{"system", "local"}, granted));
    }
    return s;
}

Status SealRegistry::open_signers() {
    YX_ASSIGN_OR_RETURN(OpenSigner maker, open_signer(SignerRole::maker));
    YX_ASSIGN_OR_RETURN(OpenSigner status, open_signer(SignerRole::status));
    m_maker = std::make_unique<OpenSigner>(std::move(maker));
    m_status_signer = std::make_unique<OpenSigner>(std::move(status));
    return ok_status();
}

const x509::Certificate& SealRegistry::maker_certificate() const {
    if (!m_maker) throw std::logic_error("SealRegistry::open_signers() was not called");
    return *m_maker->certificate;
}

const x509::Certificate& SealRegistry::status_certificate() const {
    if (!m_status_signer) throw std::logic_error("SealRegistry::open_signers() was not called");
    return *m_status_signer->certificate;
}

Result<x509::Certificate> SealRegistry::seal_ca_certificate() {
    YX_ASSIGN_OR_RETURN(ca::CaRecord ca, m_cas.get_ca(m_config.seal_ca_id));
    return x509::Certificate::parse(ca.certificate_der);
}

Result<Bytes> SealRegistry::sign_with(const OpenSigner& signer, BytesView message) {
    return m_device.sign(signer.index, message, m_config.sm2_id);
}

// --- applications ------------------------------------------------------------------------------

Result<SealApplication> SealRegistry::submit(const Caller& who, const NewApplication& in) {
    Note note;
    note.target = in.form.unit_name + " / " + in.form.seal_name;
    return audited<SealApplication>(who, "seal.application.submit", note, [&]() -> Result<SealApplication> {
        std::string node = in.org_node;
        if (node.empty()) {
            YX_ASSIGN_OR_RETURN(auto me, m_auth.find_staff(who.id));
            if (!me) return make_error(Errc::auth_denied, "unknown member '" + who.id + "'");
            node = me->org_node;
        }
        YX_ASSIGN_OR_RETURN(StaffRecord actor, authorize(who, Action::seal_application_submit, node, note));
        YX_TRY(validate_form(in.form));
        YX_TRY(validate_materials(in.materials, required_application_materials()));
        // The unit's handler applies for the unit (§7.5 a): an applicant only under their own ID.
        if (actor.role == Role::applicant && !actor.id_number.empty()) {
            std::string a = actor.id_number;
            std::string b = in.form.handler_id_number;
            std::transform(a.begin(), a.end(), a.begin(), [](char c) { return c == 'x' ? 'X' : c; });
            std::transform(b.begin(), b.end(), b.begin(), [](char c) { return c == 'x' ? 'X' : c; });
            if (a != b)
                return make_error(Errc::auth_denied, "an applicant applies only as the handler named in the form");
        }
        if (in.validity_days > 36500) return invalid("validity_days must be at most 36500");
        SealApplication a;
        YX_ASSIGN_OR_RETURN(a.id, new_id("sa-"));
        a.org_node = node;
        a.form = in.form;
        a.scope = in.scope;
        a.delivery = in.delivery;
        if (in.delivery == Delivery::token) {
            YX_ASSIGN_OR_RETURN(auto csr, detail::checked_csr(in.csr, m_config.sm2_id));
            a.csr.assign(csr.der().begin(), csr.der().end());
        } else if (!in.csr.empty()) {
            return invalid("a central seal's key is made in the device: no PKCS#10 request");
        }
        a.validity_days = in.validity_days;
        for (const Material& m : in.materials) a.materials.push_back(material_info(m));
        a.state = ApplicationState::submitted;
        a.submitted_by = who.id;
        a.submitted_at = m_clock.now();
        note.target = a.id;
        note.detail = a.form.unit_name + " / " + a.form.seal_name + ", delivery " + str(delivery_name(a.delivery)) +
                      ", " + std::to_string(a.materials.size()) + " materials";
        YX_TRY(m_store.insert_application(a, in.materials));
        return a;
    });
}

Result<SealApplication> SealRegistry::approve(const Caller& who, std::string_view id, BytesView signature) {
    Note note;
    note.target = str(id);
    return audited<SealApplication>(who, "seal.application.approve", note, [&]() -> Result<SealApplication> {
        YX_ASSIGN_OR_RETURN(SealApplication a, load_application(id));
        YX_TRY(authorize(who, Action::seal_application_approve, a.org_node, note, a.submitted_by));
        if (a.state != ApplicationState::submitted)
            return illegal("application " + a.id + " is " + str(application_state_name(a.state)) +
                           ", only a submitted one can be approved");
        YX_ASSIGN_OR_RETURN(std::string signed_note,
                            m_auth.verify_decision(who.id, "approve", a.id, application_payload_hash(a), signature));
        a.state = ApplicationState::approved;
        a.approved_by = who.id;
        a.approved_at = m_clock.now();
        a.approval_signature = signed_note + "; SM2 signature " + base64_encode(signature);
        note.detail = signed_note;
        YX_TRY(m_store.update_application(a, ApplicationState::submitted));
        return a;
    });
}

Result<SealApplication> SealRegistry::reject(const Caller& who, std::string_view id, std::string_view reason,
                                             BytesView signature) {
    Note note;
    note.target = str(id);
    return audited<SealApplication>(who, "seal.application.reject", note, [&]() -> Result<SealApplication> {
        YX_ASSIGN_OR_RETURN(SealApplication a, load_application(id));
        YX_TRY(authorize(who, Action::seal_application_approve, a.org_node, note, a.submitted_by));
        if (!detail::valid_text(reason, 512)) return invalid("a reason (at most 512 bytes) is required");
        if (a.state != ApplicationState::submitted)
            return illegal("application " + a.id + " is " + str(application_state_name(a.state)) +
                           ", only a submitted one can be rejected");
        YX_ASSIGN_OR_RETURN(std::string signed_note,
                            m_auth.verify_decision(who.id, "reject", a.id, application_payload_hash(a), signature));
        a.state = ApplicationState::rejected;
        a.rejected_by = who.id;
        a.rejected_at = m_clock.now();
        a.reject_reason = str(reason);
        a.reject_signature = signed_note + "; SM2 signature " + base64_encode(signature);
        note.detail = signed_note + ": " + a.reject_reason;
        YX_TRY(m_store.update_application(a, ApplicationState::submitted));
        return a;
    });
}

Result<Bytes> SealRegistry::seal_key_spki(Delivery delivery, BytesView csr, const std::string& label) {
    if (delivery == Delivery::token) {
        YX_ASSIGN_OR_RETURN(auto req, detail::checked_csr(csr, m_config.sm2_id));
        return req.public_key_info().der();
    }
    // §7.5 j / §9.3: the centrally used seal's key is made and kept in the crypto device.
    if (auto found = m_device.find_key(label); found) {
        if (found->algorithm != device::KeyAlgorithm::sm2)
            return make_error(Errc::crypto_bad_key, "device key '" + label + "' is not an SM2 key");
        return found->public_key;
    } else if (found.code() != Errc::device_key_not_found) {
        return std::move(found).error();
    }
    YX_ASSIGN_OR_RETURN(device::GeneratedKey g,
                        m_device.generate_key_pair(device::KeyAlgorithm::sm2, label, m_config.key_pin));
    YX_TRY(audit_device(Caller{"system", "local"}, g.event));
    return g.key.public_key;
}

Result<SealRegistry::MadeSeal> SealRegistry::make_certificate_and_seal(const std::string& code, const SealForm& form,
                                                                       BytesView csr, BytesView spki,
                                                                       std::uint32_t validity_days,
                                                                       const std::string& request_id,
                                                                       bool reuse_existing) {
    if (!m_maker) return make_error(Errc::internal, "SealRegistry::open_signers() was not called");
    std::optional<Bytes> cert_der;
    // A make() resumed after a failure between issuance and the seal row: the certificate issued
    // then for this code and key is the seal's (one certificate per seal, §7.5 e).
    if (reuse_existing) {
        YX_ASSIGN_OR_RETURN(auto found, m_certificates.find_by_subject(m_config.seal_ca_id, "CN=" + code + ",", 10));
        for (const auto& rec : found) {
            if (rec.status != ca::CertificateStatus::issued) continue;
            auto c = x509::Certificate::parse(rec.certificate_der);
            if (c && std::equal(c->public_key_info().der().begin(), c->public_key_info().der().end(), spki.begin(),
                                spki.end())) {
                cert_der = rec.certificate_der;
                break;
            }
        }
    }
    if (!cert_der) {
        profile::CertificateRequestData data;
        // gm-and-seal-formats.md §7 (the national platform's seal certificates): O is the unified
        // social credit code followed by the unit name, CN the seal code.
        data.subject = {{"C", "CN"}, {"O", form.credit_code + form.unit_name}, {"OU", form.seal_name}, {"CN", code}};
        data.identities = {{"unified_social_credit_code", form.credit_code}};
        if (validity_days != 0) data.validity_days = validity_days;
        ca::IssueRequest req;
        req.ca_id = m_config.seal_ca_id;
        req.profile_id = m_config.seal_profile;
        if (!csr.empty()) {
            req.csr.assign(csr.begin(), csr.end());
            req.csr_sm2_id = m_config.sm2_id;
        } else {
            data.spki_der.assign(spki.begin(), spki.end());
        }
        req.data = std::move(data);
        req.request_id = request_id;
        YX_ASSIGN_OR_RETURN(ca::IssuedCertificate issued, m_issuer.issue(req));
        cert_der = std::move(issued.certificate_der);
    }
    YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(*cert_der));
    seal::SealRequest sr;
    sr.vendor_id = m_config.vendor_id;
    sr.es_id = code;  // gm-and-seal-formats.md §7: esID equals the certificate CN
    sr.type = form.seal_type;
    sr.name = form.seal_name;
    sr.create_date = m_clock.now();
    sr.valid_start = cert.not_before();
    sr.valid_end = cert.not_after();
    sr.signer_certificates = {*cert_der};
    sr.picture_type = form.picture_type;
    sr.picture = form.picture;
    sr.width_mm = form.width_mm;
    sr.height_mm = form.height_mm;
    // GB/T 38540: the seal-maker system signs SES_SealInfo with its key (in the device).
    const Bytes maker_der(m_maker->certificate->der().begin(), m_maker->certificate->der().end());
    YX_ASSIGN_OR_RETURN(Bytes ses,
                        seal::make_seal(sr, maker_der, [this](BytesView m) { return sign_with(*m_maker, m); }));
    MadeSeal out;
    out.certificate_der = std::move(*cert_der);
    out.serial_hex = cert.serial_hex();
    out.ses_seal_der = std::move(ses);
    out.valid_from = cert.not_before();
    out.valid_to = cert.not_after();
    return out;
}

Result<SealRecord> SealRegistry::make_application(const StaffRecord& actor, SealApplication app, Note& note) {
    const TimePoint now = m_clock.now();
    SealRecord seal;
    seal.application_id = app.id;
    seal.org_node = app.org_node;
    seal.credit_code = app.form.credit_code;
    seal.division_code = app.form.division_code;
    seal.unit_name = app.form.unit_name;
    seal.seal_name = app.form.seal_name;
    seal.seal_type = app.form.seal_type;
    seal.delivery = app.delivery;
    seal.scope = app.scope;
    seal.state = SealState::pending;
    seal.ca_id = m_config.seal_ca_id;
    seal.made_by = actor.id;
    seal.made_at = now;
    seal.changed_at = now;
    seal.replaces = app.replaces;
    // 1. the code, reserved with the pending row (or the row a failed make() left).
    YX_ASSIGN_OR_RETURN(auto existing, m_store.seal_for_application(app.id));
    bool resumed = false;
    if (existing) {
        if (existing->state != SealState::pending)
            return illegal("application " + app.id + " has seal " + existing->seal_code + " already");
        seal.seal_code = existing->seal_code;
        resumed = true;
    } else {
        CodeRequest cr{app.scope,          app.form.division_code, app.form.credit_code,
                       app.form.unit_name, app.form.seal_name,     app.form.seal_type};
        YX_ASSIGN_OR_RETURN(auto national, m_platform.assign_code(cr));
        YX_ASSIGN_OR_RETURN(seal.seal_code, m_store.reserve_seal(seal, std::move(national)));
    }
    note.target = app.id + " " + seal.seal_code;
    // 2-4. key, certificate, SES_Seal.
    if (app.delivery == Delivery::central) seal.device_key_label = "seal-" + seal.seal_code;
    YX_ASSIGN_OR_RETURN(Bytes spki, seal_key_spki(app.delivery, app.csr, seal.device_key_label));
    YX_ASSIGN_OR_RETURN(MadeSeal made, make_certificate_and_seal(seal.seal_code, app.form, app.csr, spki,
                                                                 app.validity_days, "seal-" + seal.seal_code, resumed));
    // 5. 备案.
    SealFiling filing;
    filing.seal_code = seal.seal_code;
    filing.credit_code = seal.credit_code;
    filing.unit_name = seal.unit_name;
    filing.seal_name = seal.seal_name;
    filing.seal_type = seal.seal_type;
    filing.certificate_serial_hex = made.serial_hex;
    const crypto::Sm3Digest cert_sm3 = crypto::sm3(made.certificate_der);
    const crypto::Sm3Digest seal_sm3 = crypto::sm3(made.ses_seal_der);
    filing.certificate_sm3.assign(cert_sm3.begin(), cert_sm3.end());
    filing.seal_sm3.assign(seal_sm3.begin(), seal_sm3.end());
    filing.valid_from = made.valid_from;
    filing.valid_to = made.valid_to;
    YX_ASSIGN_OR_RETURN(seal.filing_ref, m_platform.file_seal(filing));
    // 6. seal valid + application made, one transaction.
    seal.state = SealState::valid;
    seal.serial_hex = made.serial_hex;
    seal.certificate_der = std::move(made.certificate_der);
    seal.ses_seal_der = std::move(made.ses_seal_der);
    seal.valid_from = made.valid_from;
    seal.valid_to = made.valid_to;
    seal.generation = 1;
    seal.changed_at = m_clock.now();
    seal.state_reason = "made";
    const ApplicationState expected = app.state;
    app.state = ApplicationState::made;
    app.made_by = actor.id;
    app.made_at = seal.changed_at;
    app.seal_code = seal.seal_code;
    YX_TRY(m_store.finish_making(seal, app, expected));
    note.detail = "seal " + seal.seal_code + ", certificate " + seal.ca_id + ":" + seal.serial_hex + ", " +
                  str(delivery_name(seal.delivery)) +
                  (seal.device_key_label.empty() ? "" : " (device key " + seal.device_key_label + ")") + ", filing " +
                  seal.filing_ref;
    return seal;
}

Result<SealRecord> SealRegistry::make(const Caller& who, std::string_view id) {
    Note note;
    note.target = str(id);
    return audited<SealRecord>(who, "seal.make", note, [&]() -> Result<SealRecord> {
        YX_ASSIGN_OR_RETURN(SealApplication a, load_application(id));
        YX_ASSIGN_OR_RETURN(StaffRecord actor, authorize(who, Action::seal_make, a.org_node, note));
        if (a.state != ApplicationState::approved)
            return illegal("application " + a.id + " is " + str(application_state_name(a.state)) +
                           ", only an approved one can be made");
        return make_application(actor, std::move(a), note);
    });
}

Result<SealApplication> SealRegistry::deliver(const Caller& who, std::string_view id, std::string_view received_by) {
    Note note;
    note.target = str(id);
    return audited<SealApplication>(who, "seal.deliver", note, [&]() -> Result<SealApplication> {
        YX_ASSIGN_OR_RETURN(SealApplication a, load_application(id));
        YX_TRY(authorize(who, Action::seal_make, a.org_node, note));
        if (!detail::valid_text(received_by, 128, true)) return invalid("received_by is at most 128 bytes");
        if (a.state != ApplicationState::made)
            return illegal("application " + a.id + " is " + str(application_state_name(a.state)) +
                           ", only a made seal can be delivered");
        a.state = ApplicationState::delivered;
        a.delivered_by = who.id;
        a.delivered_at = m_clock.now();
        a.received_by = received_by.empty() ? a.form.handler_name : str(received_by);
        note.detail = "seal " + a.seal_code + " (" + str(delivery_name(a.delivery)) + ") received by " + a.received_by;
        YX_TRY(m_store.update_application(a, ApplicationState::made));
        return a;
    });
}

Result<SealApplication> SealRegistry::get_application(const Caller& who, std::string_view id) {
    YX_ASSIGN_OR_RETURN(SealApplication a, load_application(id));
    Note note;
    YX_ASSIGN_OR_RETURN(StaffRecord actor, authorize(who, Action::seal_application_read, a.org_node, note));
    if (actor.role == Role::applicant && a.submitted_by != actor.id)
        return make_error(Errc::auth_denied, "an applicant reads only the applications they submitted");
    return a;
}

Result<std::vector<SealApplication>> SealRegistry::list_applications(const Caller& who,
                                                                     std::optional<ApplicationState> state,
                                                                     std::string_view after_id, std::size_t limit) {
    YX_ASSIGN_OR_RETURN(auto me, m_auth.find_staff(who.id));
    if (!me) return make_error(Errc::auth_denied, "unknown member '" + who.id + "'");
    Note note;
    YX_ASSIGN_OR_RETURN(StaffRecord actor, authorize(who, Action::seal_application_read, me->org_node, note));
    ApplicationFilter f;
    YX_ASSIGN_OR_RETURN(f.org_nodes, visible_nodes(actor));
    f.state = state;
    if (actor.role == Role::applicant) f.submitted_by = actor.id;
    f.after_id = str(after_id);
    f.limit = limit;
    return m_store.list_applications(f);
}

Result<Material> SealRegistry::material(const Caller& who, std::string_view owner_id, std::size_t index) {
    std::string node;
    std::string submitter;
    std::string owner(owner_id);
    if (owner_id.substr(0, 3) == "sl-") {
        YX_ASSIGN_OR_RETURN(LifecycleRequest r, load_lifecycle(owner_id));
        node = r.org_node;
        submitter = r.submitted_by;
    } else {
        YX_ASSIGN_OR_RETURN(SealApplication a, load_application(owner_id));
        node = a.org_node;
        submitter = a.submitted_by;
        // A change's new application keeps the request's materials.
        if (!a.origin_request.empty()) owner = a.origin_request;
    }
    Note note;
    YX_ASSIGN_OR_RETURN(StaffRecord actor, authorize(who, Action::seal_application_read, node, note));
    if (actor.role == Role::applicant && submitter != actor.id)
        return make_error(Errc::auth_denied, "an applicant reads only the materials they submitted");
    return m_store.material(owner, index);
}

Result<SealPackage> SealRegistry::download(const Caller& who, std::string_view seal_code) {
    YX_ASSIGN_OR_RETURN(SealRecord s, load_seal(seal_code));
    Note note;
    YX_ASSIGN_OR_RETURN(StaffRecord actor, authorize(who, Action::seal_application_read, s.org_node, note));
    if (actor.role == Role::applicant) {
        YX_ASSIGN_OR_RETURN(SealApplication a, load_application(s.application_id));
        if (a.submitted_by != actor.id)
            return make_error(Errc::auth_denied, "the seal is handed to the handler who applied for it");
    }
    if (s.delivery != Delivery::token)
        return illegal("seal " + s.seal_code + " is held for centralized use: it is not handed out");
    SealPackage p;
    p.seal_code = s.seal_code;
    p.ses_seal_der = s.ses_seal_der;
    p.certificate_der = s.certificate_der;
    YX_ASSIGN_OR_RETURN(x509::Certificate ca, seal_ca_certificate());
    p.chain.emplace_back(ca.der().begin(), ca.der().end());
    return p;
}

// --- seals -------------------------------------------------------------------------------------

Result<SealRecord> SealRegistry::get_seal(const Caller& who, std::string_view seal_code) {
    YX_ASSIGN_OR_RETURN(SealRecord s, load_seal(seal_code));
    Note note;
    YX_TRY(authorize(who, Action::seal_application_read, s.org_node, note));
    return s;
}

Result<std::vector<SealRecord>> SealRegistry::list_seals(const Caller& who, std::optional<SealState> state,
                                                         std::string_view after_code, std::size_t limit) {
    YX_ASSIGN_OR_RETURN(auto me, m_auth.find_staff(who.id));
    if (!me) return make_error(Errc::auth_denied, "unknown member '" + who.id + "'");
    Note note;
    YX_ASSIGN_OR_RETURN(StaffRecord actor, authorize(who, Action::seal_application_read, me->org_node, note));
    SealFilter f;
    YX_ASSIGN_OR_RETURN(f.org_nodes, visible_nodes(actor));
    f.state = state;
    f.after_code = str(after_code);
    f.limit = limit;
    return m_store.list_seals(f);
}

// --- status publishing -------------------------------------------------------------------------

Result<SealStatusInfo> SealRegistry::seal_status(std::string_view seal_code) {
    YX_ASSIGN_OR_RETURN(auto found, m_store.find_seal(seal_code));
    if (!found || found->state == SealState::pending) return not_found("no seal '" + str(seal_code) + "'");
    const SealRecord& s = *found;
    const TimePoint now = m_clock.now();
    SealStatusInfo info;
    info.seal_code = s.seal_code;
    info.status = s.status_at(now);
    info.changed_at = s.changed_at;
    if (info.status == SealStatus::expired && now > s.valid_to) info.changed_at = s.valid_to;
    info.valid_from = s.valid_from;
    info.valid_to = s.valid_to;
    info.unit_name = s.unit_name;
    info.seal_name = s.seal_name;
    info.reason = s.state_reason;
    return info;
}

Result<Bytes> SealRegistry::revocation_list() {
    if (!m_status_signer) return make_error(Errc::internal, "SealRegistry::open_signers() was not called");
    std::lock_guard lock(m_list_mu);
    YX_ASSIGN_OR_RETURN(std::int64_t version, m_store.status_version());
    const TimePoint now = std::chrono::floor<std::chrono::seconds>(m_clock.now());
    if (!m_list_der.empty() && version == m_list_version && now - m_list_made < m_config.list_refresh)
        return m_list_der;
    SealRevocationList list;
    list.issuer = m_config.system_name + " " + signer_cn_suffix(SignerRole::status);
    list.this_update = now;
    list.next_update = now + m_config.list_validity;
    std::string after;
    for (;;) {
        YX_ASSIGN_OR_RETURN(auto page, m_store.list_revoked(after, k_max_page));
        for (const SealRecord& s : page) {
            list.entries.push_back(RevokedSeal{s.seal_code,
                                               s.state == SealState::lost ? SealStatus::lost : SealStatus::cancelled,
                                               s.changed_at, s.state_reason});
        }
        if (page.size() < k_max_page) break;
        after = page.back().seal_code;
    }
    YX_ASSIGN_OR_RETURN(x509::Certificate ca, seal_ca_certificate());
    YX_ASSIGN_OR_RETURN(Bytes der,
                        sign_revocation_list(
                            list, *m_status_signer->certificate,
                            [this](BytesView m) { return sign_with(*m_status_signer, m); }, {ca}, m_config.sm2_id));
    m_list_der = der;
    m_list_version = version;
    m_list_made = now;
    return der;
}

Result<CentralSeal> SealRegistry::central_seal(std::string_view seal_code) {
    YX_ASSIGN_OR_RETURN(auto found, m_store.find_seal(seal_code));
    if (!found || found->state == SealState::pending || found->delivery != Delivery::central)
        return not_found("no seal '" + str(seal_code) + "' held for centralized use");
    const SealRecord& s = *found;
    CentralSeal c;
    c.seal_code = s.seal_code;
    c.org_node = s.org_node;
    c.unit_name = s.unit_name;
    c.seal_name = s.seal_name;
    c.ses_seal_der = s.ses_seal_der;
    c.device_key_label = s.device_key_label;
    c.state = str(seal_status_name(s.status_at(m_clock.now())));
    c.valid_from = s.valid_from;
    c.valid_to = s.valid_to;
    return c;
}

}  // namespace yinxin::sealsys
