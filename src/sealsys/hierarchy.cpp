#include "yinxin/sealsys/hierarchy.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/profile/issuance.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::sealsys {

using auth::Action;
using auth::StaffRecord;
using detail::invalid;
using detail::not_found;
using detail::str;

namespace {

Error bad_sync(std::string message) { return make_error(Errc::seal_bad_sync_message, std::move(message)); }

Bytes sm3_of(std::string_view text) {
    const auto d = crypto::sm3(as_bytes(text));
    return Bytes(d.begin(), d.end());
}

bool valid_code(std::string_view code) {
    return code.size() == 14 && std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string trim_slash(std::string_view url) {
    std::string s(url);
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s;
}

std::int64_t unix_of(TimePoint t) { return static_cast<std::int64_t>(to_unix(t)); }

nlohmann::json entry_json(const SyncEntry& e) {
    return {{"seal_code", e.info.seal_code},
            {"status", seal_status_name(e.info.status)},
            {"changed_at", unix_of(e.info.changed_at)},
            {"valid_from", unix_of(e.info.valid_from)},
            {"valid_to", unix_of(e.info.valid_to)},
            {"unit_name", e.info.unit_name},
            {"seal_name", e.info.seal_name},
            {"reason", e.info.reason},
            {"origin", e.origin}};
}

// The status check of the access test: a problem document with seal.not_found.
bool is_not_found_problem(const PeerReply& r) {
    if (r.status != 404) return false;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return j.is_object() && j.value("code", std::uint32_t{0}) == static_cast<std::uint32_t>(Errc::seal_not_found);
}

Status verify_with(BytesView spki, BytesView message, BytesView signature, std::string_view sm2_id,
                   const std::string& what) {
    auto key = crypto::Sm2PublicKey::from_spki_der(spki);
    if (!key) return bad_sync(what + ": the registered key is not an SM2 key");
    if (!crypto::sm2_verify(*key, message, signature, sm2_id))
        return bad_sync(what + ": the signature does not verify");
    return ok_status();
}

std::string pull_text(std::string_view peer, std::int64_t after, std::int64_t time) {
    return "yinxin-seal-status-pull/1\n" + str(peer) + "\n" + std::to_string(after) + "\n" + std::to_string(time) +
           "\n";
}

}  // namespace

std::string_view system_level_name(SystemLevel v) noexcept {
    switch (v) {
        case SystemLevel::ministry: return "ministry";
        case SystemLevel::province: return "province";
        case SystemLevel::city: return "city";
    }
    return "city";
}

std::optional<SystemLevel> system_level_from_name(std::string_view s) noexcept {
    if (s == "ministry") return SystemLevel::ministry;
    if (s == "province") return SystemLevel::province;
    if (s == "city") return SystemLevel::city;
    return std::nullopt;
}

std::string_view peer_state_name(PeerState v) noexcept { return v == PeerState::tested ? "tested" : "registered"; }

std::optional<PeerState> peer_state_from_name(std::string_view s) noexcept {
    if (s == "tested") return PeerState::tested;
    if (s == "registered") return PeerState::registered;
    return std::nullopt;
}

Status validate_registration(const PeerRegistration& r) {
    if (!detail::valid_text(r.name, 128) || r.name.empty()) return invalid("name: 1..128 characters");
    if (!valid_division_code(r.division_code)) return invalid("division_code: not a GB/T 2260 code");
    if (!(r.base_url.rfind("http://", 0) == 0 || r.base_url.rfind("https://", 0) == 0) || r.base_url.size() > 256 ||
        !detail::valid_text(r.base_url, 256))
        return invalid("base_url: an http:// or https:// URL (IP and port)");
    if (!detail::valid_text(r.province, 64, true)) return invalid("province: at most 64 characters");
    if (!detail::valid_text(r.city, 64, true)) return invalid("city: at most 64 characters");
    if (r.level != SystemLevel::ministry && r.province.empty()) return invalid("province: required");
    if (r.level == SystemLevel::city && r.city.empty()) return invalid("city: required for a city system");
    if (r.level == SystemLevel::ministry) return invalid("level: a ministry system registers with nobody");
    if (!crypto::Sm2PublicKey::from_spki_der(r.public_key)) return invalid("public_key: not an SM2 public key");
    return ok_status();
}

std::string peer_payload(const PeerRecord& p) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : p.access_report) checks.push_back({{"name", c.name}, {"passed", c.passed}});
    const nlohmann::json j{{"id", p.id},
                           {"name", p.registration.name},
                           {"level", system_level_name(p.registration.level)},
                           {"division_code", p.registration.division_code},
                           {"base_url", p.registration.base_url},
                           {"province", p.registration.province},
                           {"city", p.registration.city},
                           {"public_key", hex_encode(p.registration.public_key)},
                           {"access_report", checks}};
    return j.dump();
}

Bytes peer_payload_hash(const PeerRecord& p) { return sm3_of(peer_payload(p)); }

std::string probe_text(BytesView nonce, std::string_view base_url) {
    return "yinxin-seal-probe/1\n" + hex_encode(nonce) + "\n" + trim_slash(base_url) + "\n";
}

std::string encode_sync_message(const SyncMessage& m) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : m.entries) entries.push_back(entry_json(e));
    const nlohmann::json j{{"type", k_sync_type},    {"from", m.from},          {"system", m.system},
                           {"sequence", m.sequence}, {"time", unix_of(m.time)}, {"entries", entries}};
    return j.dump();
}

Result<SyncMessage> decode_sync_message(std::string_view json) {
    auto j = nlohmann::json::parse(json, nullptr, false);
    if (!j.is_object()) return bad_sync("sync message: not a JSON object");
    try {
        if (j.at("type").get<std::string>() != k_sync_type) return bad_sync("sync message: unknown type");
        SyncMessage m;
        m.from = j.at("from").get<std::string>();
        m.system = j.at("system").get<std::string>();
        m.sequence = j.at("sequence").get<std::int64_t>();
        m.time = from_unix(j.at("time").get<std::int64_t>());
        if (m.sequence < 1) return bad_sync("sync message: sequence must be positive");
        const auto& entries = j.at("entries");
        if (!entries.is_array()) return bad_sync("sync message: entries must be an array");
        for (const auto& e : entries) {
            SyncEntry s;
            s.info.seal_code = e.at("seal_code").get<std::string>();
            if (!valid_code(s.info.seal_code))
                return bad_sync("sync message: bad seal code '" + s.info.seal_code + "'");
            const auto st = seal_status_from_name(e.at("status").get<std::string>());
            if (!st) return bad_sync("sync message: bad status for " + s.info.seal_code);
            s.info.status = *st;
            s.info.changed_at = from_unix(e.at("changed_at").get<std::int64_t>());
            s.info.valid_from = from_unix(e.at("valid_from").get<std::int64_t>());
            s.info.valid_to = from_unix(e.at("valid_to").get<std::int64_t>());
            s.info.unit_name = e.at("unit_name").get<std::string>();
            s.info.seal_name = e.at("seal_name").get<std::string>();
            s.info.reason = e.at("reason").get<std::string>();
            s.origin = e.at("origin").get<std::string>();
            m.entries.push_back(std::move(s));
        }
        return m;
    } catch (const nlohmann::json::exception& e) {
        return bad_sync(std::string("sync message: ") + e.what());
    }
}

// --- the service ---------------------------------------------------------------------------------

Hierarchy::Hierarchy(HierarchyStore& store, SealRegistry& registry, SealSystemStore& seal_store,
                     auth::AuthService& auth, audit::AuditLog& audit, ca::Issuer& issuer, device::Device& device,
                     PeerTransport transport, const Clock& clock, Rng& rng, HierarchyConfig config)
    : m_store(store),
      m_registry(registry),
      m_seal_store(seal_store),
      m_auth(auth),
      m_audit(audit),
      m_issuer(issuer),
      m_device(device),
      m_transport(std::move(transport)),
      m_clock(clock),
      m_rng(rng),
      m_config(std::move(config)) {}

Status Hierarchy::open() {
    YX_ASSIGN_OR_RETURN(auto signer, m_seal_store.find_signer(SignerRole::status));
    if (!signer) return make_error(Errc::internal, "hierarchy: the seal status system key is not made yet");
    YX_ASSIGN_OR_RETURN(device::KeyInfo key, m_device.find_key(signer->key_label));
    m_key = key.index;
    return ok_status();
}

Status Hierarchy::write_audit(const Caller& who, std::string_view action, const Note& note, const Error* error) {
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

Result<StaffRecord> Hierarchy::authorize(const Caller& who, Action action, Note& note) {
    auto s = m_auth.authorize(who.id, action);
    if (s) note.role = str(auth::role_name(s->role));
    return s;
}

Result<Bytes> Hierarchy::sign(BytesView message) {
    if (!m_key) return make_error(Errc::internal, "Hierarchy::open() was not called");
    return m_device.sign(*m_key, message, m_config.sm2_id);
}

Result<Hierarchy::SignedMessage> Hierarchy::sign_message(const SyncMessage& m) {
    SignedMessage s;
    const std::string text = encode_sync_message(m);
    s.message = Bytes(text.begin(), text.end());
    YX_ASSIGN_OR_RETURN(s.signature, sign(s.message));
    return s;
}

Result<Hierarchy::Identity> Hierarchy::identity() {
    Identity id;
    id.name = m_config.system_name;
    id.level = m_config.level;
    const x509::Certificate& cert = m_registry.status_certificate();
    id.public_key = cert.public_key_info().der();
    id.status_certificate_der = Bytes(cert.der().begin(), cert.der().end());
    YX_ASSIGN_OR_RETURN(x509::Certificate ca, m_registry.seal_ca_certificate());
    id.seal_ca_certificate_der = Bytes(ca.der().begin(), ca.der().end());
    return id;
}

Result<Bytes> Hierarchy::sign_probe(BytesView nonce, std::string_view base_url) {
    if (nonce.size() < 16 || nonce.size() > 64) return invalid("nonce: 16..64 bytes");
    return sign(as_bytes(probe_text(nonce, base_url)));
}

// Production runs the hierarchy over mutual TLS (§9.2 protected channels); an instance that serves
// TLS talks to https:// peers only, so no call leaves it in clear.
Status Hierarchy::check_url_scheme(std::string_view field, std::string_view url) const {
    if (m_config.require_https && url.rfind("https://", 0) != 0)
        return invalid(str(field) + ": this instance serves TLS, so its peers are reached over https:// only");
    return ok_status();
}

// --- the access test (接入测试, §7.2, §7.3.1 a) -------------------------------------------------------

Result<std::vector<AccessCheck>> Hierarchy::run_access_test(const PeerRegistration& reg) {
    YX_TRY(validate_registration(reg));
    YX_TRY(check_url_scheme("base_url", reg.base_url));
    const std::string base = trim_slash(reg.base_url);
    std::vector<AccessCheck> out;
    auto add = [&out](std::string name, bool passed, std::string message) {
        out.push_back(AccessCheck{std::move(name), passed, std::move(message)});
    };
    auto get = [&](const std::string& method, const std::string& path, const std::string& body) {
        return m_transport(method, base + path, body);
    };

    // 1. health
    if (auto r = get("GET", "/health", {}); !r) {
        add("health", false, r.error().message);
    } else {
        add("health", r->status == 200, "HTTP " + std::to_string(r->status));
    }

    // 2. identity: the key being registered is the one the system presents.
    Bytes child_ca;
    if (auto r = get("GET", "/api/v1/sealsys/identity", {}); !r) {
        add("identity", false, r.error().message);
    } else {
        auto j = nlohmann::json::parse(r->body, nullptr, false);
        const std::string pem = j.is_object() ? j.value("public_key", std::string()) : std::string();
        auto key = crypto::Sm2PublicKey::from_pem(pem);
        if (r->status != 200 || !key) {
            add("identity", false, "HTTP " + std::to_string(r->status) + ": no SM2 public key");
        } else if (key->spki_der() != reg.public_key) {
            add("identity", false, "the system presents another public key than the one being registered");
        } else {
            add("identity", true, "the system presents the key being registered");
        }
        if (j.is_object()) {
            if (auto ca = x509::Certificate::parse_pem(j.value("seal_ca_certificate", std::string())); ca)
                child_ca = Bytes(ca->der().begin(), ca->der().end());
        }
    }

    // 3. the seal status query answers an unknown code with seal.not_found.
    if (auto r = get("GET", "/api/v1/seal-status/99999999999999", {}); !r) {
        add("seal_status", false, r.error().message);
    } else if (is_not_found_problem(*r)) {
        add("seal_status", true, "an unknown seal code is answered with seal.not_found");
    } else {
        add("seal_status", false, "an unknown seal code got HTTP " + std::to_string(r->status));
    }

    // 4. the signed revocation list verifies with the key being registered.
    if (auto r = get("GET", "/api/v1/seal-status/revocation-list", {}); !r) {
        add("revocation_list", false, r.error().message);
    } else if (r->status != 200) {
        add("revocation_list", false, "HTTP " + std::to_string(r->status));
    } else if (child_ca.empty()) {
        add("revocation_list", false, "no seal CA certificate from the identity interface");
    } else {
        auto ca = x509::Certificate::parse(child_ca);
        auto v = ca ? verify_revocation_list(as_bytes(r->body), {*ca}, m_clock.now(), m_config.sm2_id)
                    : Result<VerifiedRevocationList>(ca.error());
        if (!v) {
            add("revocation_list", false, v.error().message);
        } else if (v->signer.public_key_info().der() != reg.public_key) {
            add("revocation_list", false, "the list is signed with another key than the one being registered");
        } else {
            add("revocation_list", v->current,
                v->current ? "signed with the key being registered, current"
                           : "signed with the key being registered, but not current");
        }
    }

    // 5. the signed probe: a fresh nonce signed by the key being registered.
    Bytes nonce;
    {
        std::lock_guard lock(m_rng_mu);
        YX_ASSIGN_OR_RETURN(nonce, m_rng.bytes(32));
    }
    const nlohmann::json probe{{"nonce", base64_encode(nonce)}, {"base_url", base}};
    if (auto r = get("POST", "/api/v1/sealsys/probe", probe.dump()); !r) {
        add("signed_probe", false, r.error().message);
    } else {
        auto j = nlohmann::json::parse(r->body, nullptr, false);
        auto sig = base64_decode(j.is_object() ? j.value("signature", std::string()) : std::string());
        if (r->status != 200 || !sig) {
            add("signed_probe", false, "HTTP " + std::to_string(r->status) + ": no signature");
        } else if (auto ok =
                       verify_with(reg.public_key, as_bytes(probe_text(nonce, base)), *sig, m_config.sm2_id, "probe");
                   !ok) {
            add("signed_probe", false, ok.error().message);
        } else {
            add("signed_probe", true, "the probe is signed with the key being registered");
        }
    }
    return out;
}

namespace {
std::string failed_checks(const std::vector<AccessCheck>& checks) {
    std::string s;
    for (const auto& c : checks)
        if (!c.passed) s += (s.empty() ? "" : "; ") + c.name + ": " + c.message;
    return s;
}
}  // namespace

Result<std::vector<AccessCheck>> Hierarchy::access_test(const Caller& who, const PeerRegistration& reg) {
    Note note;
    note.target = reg.base_url;
    return audited<std::vector<AccessCheck>>(who, "sealsys.access_test", note,
                                             [&]() -> Result<std::vector<AccessCheck>> {
                                                 YX_TRY(authorize(who, Action::seal_system_register, note));
                                                 YX_ASSIGN_OR_RETURN(auto checks, run_access_test(reg));
                                                 const std::string failed = failed_checks(checks);
                                                 note.detail = failed.empty() ? "all checks passed" : failed;
                                                 return checks;
                                             });
}

Result<PeerRecord> Hierarchy::submit_peer(const Caller& who, const PeerRegistration& reg) {
    Note note;
    note.target = reg.name;
    return audited<PeerRecord>(who, "sealsys.peer.submit", note, [&]() -> Result<PeerRecord> {
        YX_ASSIGN_OR_RETURN(StaffRecord me, authorize(who, Action::seal_system_register, note));
        YX_TRY(validate_registration(reg));
        YX_ASSIGN_OR_RETURN(auto checks, run_access_test(reg));
        if (const std::string failed = failed_checks(checks); !failed.empty())
            return make_error(Errc::seal_access_test_failed, "access test failed: " + failed);
        PeerRecord p;
        {
            std::lock_guard lock(m_rng_mu);
            YX_ASSIGN_OR_RETURN(Bytes b, m_rng.bytes(8));
            p.id = "sp-" + hex_encode(b);
        }
        p.registration = reg;
        p.registration.base_url = trim_slash(reg.base_url);
        p.state = PeerState::tested;
        p.access_report = std::move(checks);
        p.tested_at = m_clock.now();
        p.submitted_by = me.id;
        p.submitted_at = p.tested_at;
        YX_TRY(m_store.insert_peer(p));
        note.target = p.id;
        note.detail = reg.name + " (" + str(system_level_name(reg.level)) + ", " + reg.division_code + ", " +
                      p.registration.base_url + "): access test passed";
        return p;
    });
}

Result<PeerRecord> Hierarchy::approve_peer(const Caller& who, std::string_view id, BytesView signature) {
    Note note;
    note.target = str(id);
    return audited<PeerRecord>(who, "sealsys.peer.approve", note, [&]() -> Result<PeerRecord> {
        // The second person of seal.system.register: an approver role of the matrix row (super
        // admin), active, not the member who entered the registration.
        YX_ASSIGN_OR_RETURN(auto staff, m_auth.find_staff(who.id));
        if (!staff || !staff->active) return make_error(Errc::auth_denied, "no active member '" + who.id + "'");
        note.role = str(auth::role_name(staff->role));
        if (!auth::action_info(Action::seal_system_register).approvers.contains(staff->role))
            return make_error(Errc::auth_denied, "only a super admin approves a seal system registration");
        YX_ASSIGN_OR_RETURN(auto found, m_store.find_peer(id));
        if (!found) return not_found("no registered seal system '" + str(id) + "'");
        PeerRecord p = std::move(*found);
        YX_TRY(auth::check_maker_checker(p.submitted_by, staff->id));
        if (p.state != PeerState::tested) return detail::illegal("seal system '" + p.id + "' is registered already");
        YX_ASSIGN_OR_RETURN(std::string signed_note,
                            m_auth.verify_decision(staff->id, "approve", p.id, peer_payload_hash(p), signature));
        // §7.3.3 b: the seal-status-system certificate from our seal root for the registered key.
        YX_ASSIGN_OR_RETURN(x509::Certificate ca_cert, m_registry.seal_ca_certificate());
        profile::CertificateRequestData data;
        data.subject.emplace_back("C", "CN");
        data.subject.emplace_back("O", ca_cert.subject().get(asn1::oids::at_organization).value_or("Yinxin"));
        data.subject.emplace_back("OU", p.registration.division_code);
        data.subject.emplace_back("CN", p.registration.name);
        data.spki_der = p.registration.public_key;
        ca::IssueRequest req;
        req.ca_id = m_registry.config().seal_ca_id;
        req.profile_id = m_registry.config().status_profile;
        req.data = std::move(data);
        req.request_id = "sealsys-peer-" + p.id;
        YX_ASSIGN_OR_RETURN(ca::IssuedCertificate issued, m_issuer.issue(req));
        p.certificate_der = issued.certificate_der;
        p.serial_hex = hex_encode(issued.serial);
        p.state = PeerState::registered;
        p.approved_by = staff->id;
        p.approved_at = m_clock.now();
        p.approval_signature = signed_note + ": " + base64_encode(signature);
        YX_TRY(m_store.register_peer(p));
        note.detail = p.registration.name + " registered, " + signed_note + ", certificate " + p.serial_hex;
        return p;
    });
}

// Reading registrations: who enters them and who approves them (the super admin must see what
// the approval signs).
Status Hierarchy::authorize_read(const Caller& who) {
    Note note;
    auto s = authorize(who, Action::seal_system_register, note);
    if (s || s.error().code != Errc::auth_denied) return s ? ok_status() : Status(s.error());
    YX_ASSIGN_OR_RETURN(auto staff, m_auth.find_staff(who.id));
    if (staff && staff->active && auth::action_info(Action::seal_system_register).approvers.contains(staff->role))
        return ok_status();
    return s.error();
}

Result<PeerRecord> Hierarchy::get_peer(const Caller& who, std::string_view id) {
    YX_TRY(authorize_read(who));
    YX_ASSIGN_OR_RETURN(auto found, m_store.find_peer(id));
    if (!found) return not_found("no registered seal system '" + str(id) + "'");
    return std::move(*found);
}

Result<std::vector<PeerRecord>> Hierarchy::list_peers(const Caller& who) {
    YX_TRY(authorize_read(who));
    return m_store.list_peers();
}

Result<Hierarchy::PeerCertificate> Hierarchy::peer_certificate(std::string_view id) {
    YX_ASSIGN_OR_RETURN(auto found, m_store.find_peer(id));
    if (!found || found->state != PeerState::registered)
        return not_found("no registered seal system '" + str(id) + "'");
    PeerCertificate out;
    out.certificate_der = found->certificate_der;
    YX_ASSIGN_OR_RETURN(x509::Certificate ca, m_registry.seal_ca_certificate());
    out.seal_ca_der = Bytes(ca.der().begin(), ca.der().end());
    const auto& st = m_registry.status_certificate();
    out.status_certificate_der = Bytes(st.der().begin(), st.der().end());
    return out;
}

Result<ParentLink> Hierarchy::link_parent(const Caller& who, std::string_view parent_url, std::string_view peer_id) {
    Note note;
    note.target = str(parent_url);
    return audited<ParentLink>(who, "sealsys.parent.link", note, [&]() -> Result<ParentLink> {
        YX_TRY(authorize(who, Action::seal_system_register, note));
        const std::string base = trim_slash(parent_url);
        if (!(base.rfind("http://", 0) == 0 || base.rfind("https://", 0) == 0))
            return invalid("parent_url: an http:// or https:// URL");
        YX_TRY(check_url_scheme("parent_url", base));
        if (peer_id.size() != 19 || peer_id.rfind("sp-", 0) != 0) return invalid("peer_id: sp-<16 hex digits>");
        YX_ASSIGN_OR_RETURN(PeerReply r,
                            m_transport("GET", base + "/api/v1/sealsys/peers/" + str(peer_id) + "/certificate", {}));
        if (r.status == 404) return not_found("the parent has no registered system '" + str(peer_id) + "'");
        if (r.status != 200)
            return make_error(Errc::seal_peer_unreachable, "parent answered HTTP " + std::to_string(r.status));
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (!j.is_object()) return make_error(Errc::seal_peer_unreachable, "parent answered no JSON");
        YX_ASSIGN_OR_RETURN(x509::Certificate mine, x509::Certificate::parse_pem(j.value("certificate", "")));
        YX_ASSIGN_OR_RETURN(x509::Certificate ca, x509::Certificate::parse_pem(j.value("seal_ca_certificate", "")));
        YX_ASSIGN_OR_RETURN(x509::Certificate status, x509::Certificate::parse_pem(j.value("status_certificate", "")));
        if (mine.public_key_info().der() != m_registry.status_certificate().public_key_info().der())
            return invalid("the parent's certificate is not for this system's status key");
        if (!(mine.issuer() == ca.subject()) || !(status.issuer() == ca.subject()))
            return invalid("the parent's certificates are not issued by its seal CA");
        // Not while a (scheduled) push or pull moves the cursors this keeps.
        std::lock_guard lock(m_sync_mu);
        ParentLink link;
        if (auto old = m_store.parent(); old && *old) link = **old;
        link.parent_url = base;
        link.peer_id = str(peer_id);
        link.certificate_der = Bytes(mine.der().begin(), mine.der().end());
        link.parent_status_certificate_der = Bytes(status.der().begin(), status.der().end());
        link.linked_at = m_clock.now();
        YX_TRY(m_store.set_parent(link));
        note.detail = "parent " + base + ", registered as " + link.peer_id + ", certificate " + mine.serial_hex();
        return link;
    });
}

// --- sync ------------------------------------------------------------------------------------------

namespace {
// The scheduled sync acts as the instance itself (audit actor "system").
Caller system_caller() { return Caller{"system", "schedule"}; }
}  // namespace

Result<SyncResult> Hierarchy::push_to_parent(const Caller& who) {
    Note note;
    note.target = "parent";
    return audited<SyncResult>(who, "sealsys.sync.push", note, [&]() -> Result<SyncResult> {
        YX_TRY(authorize(who, Action::seal_status_sync, note));
        return push_now(note);
    });
}

Result<std::optional<SyncResult>> Hierarchy::scheduled_push() {
    YX_ASSIGN_OR_RETURN(auto link, m_store.parent());
    if (!link) return std::optional<SyncResult>{};
    Note note;
    note.role = "system";
    note.target = link->parent_url;
    YX_ASSIGN_OR_RETURN(
        SyncResult r, audited<SyncResult>(system_caller(), "sealsys.sync.push", note, [&] { return push_now(note); }));
    return std::optional<SyncResult>(r);
}

Result<SyncResult> Hierarchy::push_now(Note& note) {
    std::lock_guard lock(m_sync_mu);
    YX_ASSIGN_OR_RETURN(auto link, m_store.parent());
    if (!link) return detail::illegal("this seal system is not registered with a parent");
    note.target = link->parent_url;
    YX_ASSIGN_OR_RETURN(auto local, m_store.local_events_after(link->pushed_event_id, m_config.max_entries));
    YX_ASSIGN_OR_RETURN(auto remote, m_store.remote_after(link->pushed_remote_version, m_config.max_entries));
    SyncMessage m;
    m.from = link->peer_id;
    m.system = m_config.system_name;
    m.time = m_clock.now();
    for (auto& s : local.statuses) m.entries.push_back(SyncEntry{std::move(s), m_config.system_name});
    std::int64_t remote_version = link->pushed_remote_version;
    for (auto& s : remote) {
        remote_version = std::max(remote_version, s.version);
        // What came down from the parent goes no further up: the parent has it, and sending it
        // back would bounce it between branches on every scheduled run.
        if (s.source_peer == "parent") continue;
        m.entries.push_back(SyncEntry{std::move(s.info), s.origin_system});
    }
    YX_ASSIGN_OR_RETURN(m.sequence, m_store.take_sequence());
    YX_ASSIGN_OR_RETURN(SignedMessage sm, sign_message(m));
    const nlohmann::json body{{"message", base64_encode(sm.message)}, {"signature", base64_encode(sm.signature)}};
    YX_ASSIGN_OR_RETURN(PeerReply r, m_transport("POST", link->parent_url + "/api/v1/sealsys/sync", body.dump()));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status != 200) {
        const auto code = j.is_object() ? j.value("code", std::uint32_t{0}) : 0U;
        const std::string detail = j.is_object() ? j.value("detail", std::string()) : r.body;
        return make_error(code != 0 ? static_cast<Errc>(code) : Errc::seal_peer_unreachable,
                          "parent refused the sync message: HTTP " + std::to_string(r.status) + ": " + detail);
    }
    YX_TRY(m_store.set_push_cursor(std::max(local.last_id, link->pushed_event_id), remote_version));
    SyncResult out;
    out.sent = m.entries.size();
    out.accepted = j.is_object() ? j.value("accepted", std::size_t{0}) : 0;
    out.sequence = m.sequence;
    note.detail = "sequence " + std::to_string(m.sequence) + ": " + std::to_string(out.sent) + " statuses sent, " +
                  std::to_string(out.accepted) + " accepted";
    return out;
}

Result<SyncResult> Hierarchy::receive_sync(const Caller& from, BytesView message, BytesView signature,
                                           std::string_view transport) {
    Note note;
    note.role = "seal_system";
    note.detail = str(transport);  // a refusal's record names the caller's TLS certificate too
    return audited<SyncResult>(from, "sealsys.sync.receive", note, [&]() -> Result<SyncResult> {
        if (message.size() > (std::size_t{16} << 20)) return bad_sync("sync message too large");
        YX_ASSIGN_OR_RETURN(SyncMessage m, decode_sync_message(to_string(message)));
        note.target = m.from;
        YX_ASSIGN_OR_RETURN(auto peer, m_store.find_peer(m.from));
        if (!peer || peer->state != PeerState::registered)
            return bad_sync("sync message from '" + m.from + "', which is not a registered seal system");
        YX_TRY(verify_with(peer->registration.public_key, message, signature, m_config.sm2_id,
                           "sync message from " + peer->registration.name));
        const TimePoint now = m_clock.now();
        if (m.time > now + m_config.max_clock_skew || m.time < now - m_config.max_clock_skew)
            return bad_sync("sync message time is outside the allowed clock skew");
        if (m.entries.size() > m_config.max_entries) return bad_sync("sync message has too many entries");
        std::vector<RemoteSealStatus> rows;
        for (auto& e : m.entries) {
            RemoteSealStatus r;
            r.info = std::move(e.info);
            r.source_peer = peer->id;
            r.origin_system = e.origin;
            r.received_at = now;
            rows.push_back(std::move(r));
        }
        YX_ASSIGN_OR_RETURN(std::size_t changed, m_store.accept_sync(peer->id, m.sequence, now, rows));
        SyncResult out;
        out.sent = rows.size();
        out.accepted = changed;
        out.sequence = m.sequence;
        note.detail = peer->registration.name + " sequence " + std::to_string(m.sequence) + ": " +
                      std::to_string(rows.size()) + " statuses, " + std::to_string(changed) + " changed" +
                      (transport.empty() ? std::string() : ", " + str(transport));
        return out;
    });
}

Result<Hierarchy::SignedMessage> Hierarchy::answer_pull(const Caller& from, std::string_view peer_id,
                                                        std::int64_t after, std::int64_t time, BytesView signature,
                                                        std::string_view transport) {
    Note note;
    note.role = "seal_system";
    note.target = str(peer_id);
    note.detail = str(transport);
    return audited<SignedMessage>(from, "sealsys.sync.answer", note, [&]() -> Result<SignedMessage> {
        YX_ASSIGN_OR_RETURN(auto peer, m_store.find_peer(peer_id));
        if (!peer || peer->state != PeerState::registered)
            return bad_sync("pull from '" + str(peer_id) + "', which is not a registered seal system");
        YX_TRY(verify_with(peer->registration.public_key, as_bytes(pull_text(peer_id, after, time)), signature,
                           m_config.sm2_id, "pull request from " + peer->registration.name));
        const TimePoint now = m_clock.now();
        const TimePoint t = from_unix(time);
        if (t > now + m_config.max_clock_skew || t < now - m_config.max_clock_skew)
            return bad_sync("pull request time is outside the allowed clock skew");
        if (after < 0) return bad_sync("pull request: negative cursor");
        // What we know from other peers (not what this peer told us), newest versions first kept.
        YX_ASSIGN_OR_RETURN(auto remote, m_store.remote_after(after, m_config.max_entries));
        // `sequence` carries the cursor + 1 (a message sequence is positive): the puller keeps
        // sequence - 1 as the version to ask after next time.
        SyncMessage m;
        m.from = "parent";
        m.system = m_config.system_name;
        m.time = now;
        std::int64_t cursor = after;
        for (auto& s : remote) {
            cursor = std::max(cursor, s.version);
            if (s.source_peer == peer->id) continue;
            m.entries.push_back(SyncEntry{std::move(s.info), s.origin_system});
        }
        m.sequence = cursor + 1;
        note.detail = std::to_string(m.entries.size()) + " statuses after version " + std::to_string(after) +
                      (transport.empty() ? std::string() : ", " + str(transport));
        return sign_message(m);
    });
}

Result<SyncResult> Hierarchy::pull_from_parent(const Caller& who) {
    Note note;
    note.target = "parent";
    return audited<SyncResult>(who, "sealsys.sync.pull", note, [&]() -> Result<SyncResult> {
        YX_TRY(authorize(who, Action::seal_status_sync, note));
        return pull_now(note);
    });
}

Result<std::optional<SyncResult>> Hierarchy::scheduled_pull() {
    YX_ASSIGN_OR_RETURN(auto link, m_store.parent());
    if (!link) return std::optional<SyncResult>{};
    Note note;
    note.role = "system";
    note.target = link->parent_url;
    YX_ASSIGN_OR_RETURN(
        SyncResult r, audited<SyncResult>(system_caller(), "sealsys.sync.pull", note, [&] { return pull_now(note); }));
    return std::optional<SyncResult>(r);
}

Result<SyncResult> Hierarchy::pull_now(Note& note) {
    std::lock_guard lock(m_sync_mu);
    YX_ASSIGN_OR_RETURN(auto link, m_store.parent());
    if (!link) return detail::illegal("this seal system is not registered with a parent");
    note.target = link->parent_url;
    const std::int64_t t = unix_of(m_clock.now());
    YX_ASSIGN_OR_RETURN(Bytes sig, sign(as_bytes(pull_text(link->peer_id, link->pulled_version, t))));
    const nlohmann::json body{
        {"peer_id", link->peer_id}, {"after", link->pulled_version}, {"time", t}, {"signature", base64_encode(sig)}};
    YX_ASSIGN_OR_RETURN(PeerReply r, m_transport("POST", link->parent_url + "/api/v1/sealsys/sync/pull", body.dump()));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status != 200 || !j.is_object())
        return make_error(Errc::seal_peer_unreachable, "parent refused the pull: HTTP " + std::to_string(r.status));
    YX_ASSIGN_OR_RETURN(Bytes message, base64_decode(j.value("message", std::string())));
    YX_ASSIGN_OR_RETURN(Bytes signature, base64_decode(j.value("signature", std::string())));
    YX_ASSIGN_OR_RETURN(x509::Certificate pinned, x509::Certificate::parse(link->parent_status_certificate_der));
    YX_TRY(verify_with(pinned.public_key_info().der(), message, signature, m_config.sm2_id, "parent's answer"));
    YX_ASSIGN_OR_RETURN(SyncMessage m, decode_sync_message(to_string(message)));
    std::vector<RemoteSealStatus> rows;
    const TimePoint now = m_clock.now();
    for (auto& e : m.entries) {
        RemoteSealStatus row;
        row.info = std::move(e.info);
        row.source_peer = "parent";
        row.origin_system = e.origin;
        row.received_at = now;
        rows.push_back(std::move(row));
    }
    YX_TRY(m_store.store_pulled(rows, std::max(m.sequence - 1, link->pulled_version)));
    SyncResult out;
    out.sent = rows.size();
    out.accepted = rows.size();
    out.sequence = m.sequence - 1;
    note.detail =
        std::to_string(rows.size()) + " statuses from the parent up to version " + std::to_string(m.sequence - 1);
    return out;
}

Result<SealStatusInfo> Hierarchy::seal_status(std::string_view seal_code) {
    auto local = m_registry.seal_status(seal_code);
    if (local || local.error().code != Errc::seal_not_found) return local;
    YX_ASSIGN_OR_RETURN(auto remote, m_store.find_remote(seal_code));
    if (!remote) return not_found("no seal '" + str(seal_code) + "' here or registered below");
    SealStatusInfo info = remote->info;
    // A valid seal past its period is expired wherever it is asked for.
    const TimePoint now = m_clock.now();
    if (info.status == SealStatus::valid && (now > info.valid_to || now < info.valid_from)) {
        info.status = SealStatus::expired;
        info.changed_at = info.valid_to;
    }
    if (info.reason.empty()) info.reason = "reported by " + remote->origin_system;
    return info;
}

}  // namespace yinxin::sealsys
