#include "yinxin/kmc/kmc.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/crypto/sm2_cipher.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/x509/path.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::kmc {

namespace oids = asn1::oids;
using auth::Action;

namespace {

std::string str(std::string_view s) { return std::string(s); }

constexpr std::string_view k_escrow_magic = "yinxin-kmc-escrow/1\n";
constexpr std::size_t k_batch = 1000;
constexpr std::size_t k_max_text = 256;

Error bad(const std::string& what) { return make_error(Errc::kmc_bad_message, what); }
Error denied(const std::string& what) { return make_error(Errc::kmc_recovery_denied, what); }

Bytes sm3_bytes(BytesView data) {
    const auto d = crypto::sm3(data);
    return Bytes(d.begin(), d.end());
}

// Printable single-line text of bounded length (ids, node names, case references).
bool valid_text(std::string_view s, bool allow_empty) {
    if (s.empty()) return allow_empty;
    if (s.size() > k_max_text) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; });
}

// A certificate number as stored: lower-case hex of the magnitude, no leading zeros.
Result<std::string> normalise_cert_no(std::string_view hex) {
    auto bytes = hex_decode(hex);
    if (!bytes || bytes->empty()) return bad("the certificate number must be hex digits");
    std::string n = magnitude_hex(*bytes);
    if (n.empty()) return bad("the certificate number must not be zero");
    return n;
}

Result<crypto::Sm2PublicKey> sm2_key_of(BytesView spki, const std::string& what) {
    auto k = crypto::Sm2PublicKey::from_spki_der(spki);
    if (!k) return bad(what + " is not an SM2 SubjectPublicKeyInfo: " + k.error().message);
    return k;
}

bool is_sm2_encryption(const asn1::Oid& o) { return o == oids::sm2_encrypt || o == oids::sm2; }
bool is_sm4_ecb(const asn1::Oid& o) { return o == oids::sm4_ecb || o == oids::sm4; }
bool is_sm3(const asn1::Oid& o) { return o == oids::sm3 || o == oids::sm3_without_key; }

// The two-person rule's "one person" failures, named as the KMC's refusal.
Error as_denial(Error e) {
    if (e.code == Errc::auth_same_person || e.code == Errc::auth_approval_required ||
        e.code == Errc::auth_approval_not_pending)
        return denied(e.message + " (" + str(errc_name(e.code)) + ")");
    return e;
}

}  // namespace

Status DeviceRng::fill(std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        const std::size_t n = std::min<std::size_t>(out.size() - done, std::size_t{1} << 20);
        YX_ASSIGN_OR_RETURN(Bytes r, m_device.generate_random(n));
        if (r.size() != n) return make_error(Errc::rng_failure, "the device returned too few random bytes");
        std::copy(r.begin(), r.end(), out.begin() + static_cast<std::ptrdiff_t>(done));
        secure_zero(r.data(), r.size());
        done += n;
    }
    return ok_status();
}

Result<KmcKeys> open_kmc_keys(device::Device& device, std::string_view pin, audit::AuditLog& audit,
                              std::string_view sign_label, std::string_view escrow_label) {
    auto write = [&audit](const device::DeviceEvent& e) -> Status {
        audit::AuditEvent ev;
        ev.time = e.at;
        ev.source = "local";
        ev.actor = "system";
        ev.action = e.action;
        ev.target = e.key_label.empty() ? e.device_id : e.key_label;
        ev.detail = e.detail.empty() ? "key management centre key" : e.detail;
        YX_TRY(audit.append(ev));
        return ok_status();
    };
    auto open_one = [&](std::string_view label) -> Result<device::KeyInfo> {
        auto found = device.find_key(label);
        device::KeyInfo key;
        if (found) {
            key = std::move(found).value();
            if (key.algorithm != device::KeyAlgorithm::sm2)
                return make_error(Errc::crypto_bad_key, "device key '" + str(label) + "' is not an SM2 key");
        } else if (found.code() == Errc::device_key_not_found) {
            YX_ASSIGN_OR_RETURN(device::GeneratedKey g,
                                device.generate_key_pair(device::KeyAlgorithm::sm2, label, pin));
            YX_TRY(write(g.event));
            key = std::move(g.key);
        } else {
            return std::move(found).error();
        }
        if (!key.access_right) {
            YX_ASSIGN_OR_RETURN(device::DeviceEvent granted, device.get_private_key_access_right(key.index, pin));
            YX_TRY(write(granted));
        }
        return key;
    };
    if (sign_label == escrow_label) return make_error(Errc::invalid_argument, "the sign and escrow keys must differ");
    YX_ASSIGN_OR_RETURN(device::KeyInfo sign, open_one(sign_label));
    YX_ASSIGN_OR_RETURN(device::KeyInfo escrow, open_one(escrow_label));
    KmcKeys out;
    out.device = &device;
    out.sign_key = sign.index;
    out.escrow_key = escrow.index;
    YX_ASSIGN_OR_RETURN(out.sign_public_key, device.export_public_key(sign.index));
    YX_ASSIGN_OR_RETURN(out.escrow_public_key, device.export_public_key(escrow.index));
    return out;
}

Bytes escrow_prefix(std::string_view key_id) {
    std::string p(k_escrow_magic);
    p += key_id;
    p += '\n';
    return to_bytes(p);
}

std::string judicial_request_text(const JudicialRecoveryRequest& r) {
    auto cert_no = normalise_cert_no(r.cert_no);
    std::string t = "yinxin-kmc-judicial-recovery/1\n";
    t += r.ra_request_id + "\n";
    t += r.ca_id + "\n";
    t += (cert_no ? *cert_no : r.cert_no) + "\n";
    t += hex_encode(sm3_bytes(r.medium_public_key)) + "\n";
    t += r.case_reference + "\n";
    return t;
}

std::string KmcService::recovery_payload(const RecoveryRecord& r) {
    std::string t = "yinxin-kmc-recovery/1\n";
    for (const std::string& f : {r.id, str(recovery_kind_name(r.kind)), r.ra_request_id, r.org_node, r.ca_id, r.cert_no,
                                 hex_encode(sm3_bytes(r.target_public_key)), r.case_reference})
        t += f + "\n";
    return t;
}

// ---- construction ---------------------------------------------------------------------------------

KmcService::KmcService(KmcStore& store, KmcKeys keys, x509::Certificate kmc_certificate, auth::AuthService& auth,
                       audit::AuditLog& audit, const Clock& clock, KmcConfig config)
    : m_store(store),
      m_keys(std::move(keys)),
      m_certificate(std::move(kmc_certificate)),
      m_auth(auth),
      m_audit(audit),
      m_clock(clock),
      m_config(std::move(config)),
      m_rng(*m_keys.device) {}

Result<std::unique_ptr<KmcService>> KmcService::create(KmcStore& store, KmcKeys keys, x509::Certificate kmc_certificate,
                                                       auth::AuthService& auth, audit::AuditLog& audit,
                                                       const Clock& clock, KmcConfig config) {
    if (keys.device == nullptr) return make_error(Errc::invalid_argument, "the KMC needs its device keys");
    if (kmc_certificate.public_key_info().der() != keys.sign_public_key)
        return make_error(Errc::kmc_bad_signature, "the KMC certificate " + kmc_certificate.subject().to_string() +
                                                       " does not hold the device's KMC signing key");
    if (config.trusted_cas.empty()) return make_error(Errc::invalid_argument, "the KMC needs at least one trusted CA");
    if (config.retention < k_default_retention / 7)
        return make_error(Errc::invalid_argument, "a retention below one year is refused");
    std::set<std::string, std::less<>> ids;
    for (const auto& ca : config.trusted_cas) {
        if (!valid_text(ca.id, false) || !ids.insert(ca.id).second)
            return make_error(Errc::invalid_argument, "trusted CA ids must be unique and non-empty");
        if (!ca.certificate.public_key_info().is_sm2())
            return make_error(Errc::invalid_argument, "trusted CA '" + ca.id + "' has no SM2 key");
    }
    return std::unique_ptr<KmcService>(
        new KmcService(store, std::move(keys), std::move(kmc_certificate), auth, audit, clock, std::move(config)));
}

// ---- audit ------------------------------------------------------------------------------------------

Status KmcService::write_audit(const Caller& who, std::string_view action, const Note& note, const Error* error) {
    audit::AuditEvent ev;
    ev.source = who.source.empty() ? "local" : who.source;
    ev.actor = who.id.empty() ? "anonymous" : who.id;
    ev.role = note.role;
    ev.action = str(action);
    ev.target = note.target;
    ev.detail = note.detail;
    if (error != nullptr) ev.failed(*error);
    YX_TRY(m_audit.append(ev));
    return ok_status();
}

template <class T, class F>
Result<T> KmcService::audited(const Caller& who, std::string_view action, Note& note, F&& body) {
    Result<T> r = body();
    const Error* err = r.ok() ? nullptr : &r.error();
    auto written = write_audit(who, action, note, err);
    if (!written && r) return std::move(written).error();
    return r;
}

// ---- key material -------------------------------------------------------------------------------------

struct KmcService::KeyPair {
    std::string key_id;
    SecretBytes scalar;
    Bytes public_spki;
    Bytes escrow;
    TimePoint created_at{};
    bool from_pool = false;
};

Result<std::string> KmcService::random_id(std::string_view prefix) {
    YX_ASSIGN_OR_RETURN(Bytes raw, m_rng.bytes(8));
    return str(prefix) + hex_encode(raw);
}

Result<Bytes> KmcService::escrow(std::string_view key_id, BytesView scalar) {
    YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey escrow_key, crypto::Sm2PublicKey::from_spki_der(m_keys.escrow_public_key));
    SecretBytes plain = to_secret(escrow_prefix(key_id));
    plain.insert(plain.end(), scalar.begin(), scalar.end());
    return crypto::sm2_encrypt(escrow_key, plain, crypto::Sm2CipherFormat::asn1);
}

Result<SecretBytes> KmcService::unescrow(const EscrowedKey& key) {
    if (key.escrow.empty()) return make_error(Errc::kmc_illegal_state, "key " + key.key_id + " was purged");
    YX_ASSIGN_OR_RETURN(SecretBytes plain, m_keys.device->decrypt(m_keys.escrow_key, key.escrow));
    const Bytes prefix = escrow_prefix(key.key_id);
    if (plain.size() != prefix.size() + k_sm2_scalar_len || !std::equal(prefix.begin(), prefix.end(), plain.begin()))
        return make_error(Errc::kmc_envelope_invalid, "the escrow of key " + key.key_id + " belongs to another key");
    SecretBytes d(plain.begin() + static_cast<std::ptrdiff_t>(prefix.size()), plain.end());
    auto check = crypto::Sm2PrivateKey::from_scalar(d);
    if (!check || check->public_key().spki_der() != key.public_key)
        return make_error(Errc::kmc_envelope_invalid,
                          "the escrow of key " + key.key_id + " does not match its public key");
    return d;
}

Result<KmcService::KeyPair> KmcService::generate_key_pair(TimePoint now) {
    KeyPair kp;
    // The scalar is device randomness (SDF GenerateRandom); a draw outside [1, n-2] (probability
    // about 2^-32) is drawn again.
    for (int attempt = 0; attempt < 16; ++attempt) {
        SecretBytes d(k_sm2_scalar_len);
        YX_TRY(m_rng.fill(d));
        auto key = crypto::Sm2PrivateKey::from_scalar(d);
        if (!key) continue;
        kp.scalar = std::move(d);
        kp.public_spki = key->public_key().spki_der();
        break;
    }
    if (kp.scalar.empty()) return make_error(Errc::rng_failure, "the device random generator gives no usable scalar");
    YX_ASSIGN_OR_RETURN(kp.key_id, random_id("k-"));
    YX_ASSIGN_OR_RETURN(kp.escrow, escrow(kp.key_id, kp.scalar));
    kp.created_at = now;
    return kp;
}

// ---- the CA protocol ------------------------------------------------------------------------------------

struct KmcService::TaskOutcome {
    KsRespond respond;
    TaskCommit commit;
    std::string detail;
    bool replay = false;
    Bytes replay_response;
};

Bytes KmcService::respond(const KsRespond& ks) {
    auto signed_der =
        sign_km_respond(ks, [this](BytesView m) { return m_keys.device->sign(m_keys.sign_key, m, m_config.sm2_id); });
    if (signed_der) return std::move(signed_der).value();
    // The device cannot sign (locked, key gone): answer unsigned, which no client accepts.
    auto plain = sign_km_respond(ks, [](BytesView) -> Result<Bytes> { return Bytes{}; });
    return plain ? std::move(plain).value() : Bytes{};
}

Bytes KmcService::error_respond(std::int64_t task_no, const Error& e) {
    KsRespond ks;
    ks.km_name = EntName::of(m_certificate);
    ks.respond_time = m_clock.now();
    ks.task_no = task_no;
    ErrorPkgRespond err;
    err.err_no = static_cast<std::int64_t>(e.numeric());
    err.err_desc = str(errc_name(e.code)) + ": " + e.message;
    if (err.err_desc.size() > 1024) err.err_desc.resize(1024);
    ks.responds.push_back(Respond::of(std::move(err)));
    return respond(ks);
}

Result<KmcService::TaskOutcome> KmcService::process(const CaRequest& request, const TrustedCa& ca,
                                                    BytesView request_der) {
    const KsRequest& q = request.ks_request;
    const TimePoint now = m_clock.now();
    TaskOutcome out;
    out.commit.task.ca_id = ca.id;
    out.commit.task.task_no = q.task_no;
    out.commit.task.request_sm3 = sm3_bytes(request_der);
    out.commit.task.at = now;
    out.commit.revoked_at = now;
    {
        YX_ASSIGN_OR_RETURN(auto seen, m_store.find_task(ca.id, q.task_no));
        if (seen) {
            if (seen->request_sm3 != out.commit.task.request_sm3)
                return make_error(Errc::kmc_duplicate, "taskNO " + std::to_string(q.task_no) + " of CA '" + ca.id +
                                                           "' was used for another request");
            out.replay = true;
            out.replay_response = seen->response_der;
            out.detail = "repeated task: the stored answer is sent again";
            return out;
        }
    }
    const auto skew = now > q.request_time ? now - q.request_time : q.request_time - now;
    if (skew > m_config.max_clock_skew)
        return bad("requestTime " + format_rfc3339(q.request_time) + " is too far from the KMC's clock " +
                   format_rfc3339(now));

    const SignFunction sign = [this](BytesView m) { return m_keys.device->sign(m_keys.sign_key, m, m_config.sm2_id); };

    std::size_t applies = 0;
    for (const Request& r : q.requests)
        if (std::holds_alternative<ApplyKeyReq>(r)) ++applies;
    std::vector<PooledKey> pool;
    if (applies > 0) {
        YX_ASSIGN_OR_RETURN(pool, m_store.peek_pool(applies));
    }
    std::size_t pool_used = 0;
    std::set<std::string> cert_nos;  // within this task
    std::size_t n_apply = 0;
    std::size_t n_restore = 0;
    std::size_t n_revoke = 0;

    for (const Request& r : q.requests) {
        if (const auto* a = std::get_if<ApplyKeyReq>(&r)) {
            if (a->app_key_type != oids::sm2 && a->app_key_type != oids::id_ec_public_key)
                return bad("appKeyType " + a->app_key_type.to_string() + " is not SM2");
            if (a->app_key_len != 256) return bad("appKeyLen must be 256 for SM2");
            if (!is_sm2_encryption(a->ret_asym_alg) || !is_sm4_ecb(a->ret_sym_alg) || !is_sm3(a->ret_hash_alg))
                return bad("the key can be returned only with SM2 encryption, SM4-ECB and SM3");
            const std::string cert_no = magnitude_hex(a->user.user_cert_no);
            if (cert_no.empty()) return bad("userCertNo must not be zero");
            if (!cert_nos.insert(cert_no).second)
                return make_error(Errc::kmc_duplicate, "userCertNo " + cert_no + " appears twice in the task");
            if (!(a->user.not_before < a->user.not_after)) return bad("notAfter must be after notBefore");
            if (a->user.user_name.size() > 1024) return bad("userName longer than 1024 bytes");
            YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey user_key, sm2_key_of(a->user.user_public_key, "userPubKey"));
            YX_ASSIGN_OR_RETURN(auto existing, m_store.find_key(ca.id, cert_no));
            if (existing)
                return make_error(Errc::kmc_duplicate, "CA '" + ca.id + "' certificate " + cert_no +
                                                           " already has an escrowed key (" + existing->key_id + ")");
            KeyPair kp;
            if (pool_used < pool.size()) {
                const PooledKey& pk = pool[pool_used++];
                EscrowedKey as_key;
                as_key.key_id = pk.key_id;
                as_key.public_key = pk.public_key;
                as_key.escrow = pk.escrow;
                YX_ASSIGN_OR_RETURN(kp.scalar, unescrow(as_key));
                kp.key_id = pk.key_id;
                kp.public_spki = pk.public_key;
                kp.escrow = pk.escrow;
                kp.created_at = pk.created_at;
                kp.from_pool = true;
                out.commit.pool_keys_taken.push_back(pk.key_id);
            } else if (m_config.generate_on_demand) {
                YX_ASSIGN_OR_RETURN(kp, generate_key_pair(now));
            } else {
                return make_error(Errc::kmc_pool_empty, "no pre-generated key is left and generation on demand is off");
            }
            YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey pub, crypto::Sm2PublicKey::from_spki_der(kp.public_spki));
            EnvelopeRecipient rcpt{user_key, ca.certificate.subject(), a->user.user_cert_no};
            YX_ASSIGN_OR_RETURN(Bytes sed,
                                make_signed_and_enveloped_key(kp.scalar, pub, rcpt, m_certificate, sign, m_rng));
            EscrowedKey k;
            k.key_id = kp.key_id;
            k.ca_id = ca.id;
            k.cert_no = cert_no;
            k.public_key = kp.public_spki;
            k.escrow = kp.escrow;
            k.user_public_key = a->user.user_public_key;
            k.user_name = a->user.user_name;
            k.not_before = a->user.not_before;
            k.not_after = a->user.not_after;
            k.state = KeyState::active;
            k.task_no = q.task_no;
            k.created_at = kp.created_at;
            k.escrowed_at = now;
            out.commit.new_keys.push_back(std::move(k));
            out.respond.responds.push_back(
                Respond::of(RespondKind::apply, RetKeyRespond{a->user.user_cert_no, kp.public_spki, std::move(sed)}));
            out.detail += " apply " + cert_no + (kp.from_pool ? " (pool " : " (new ") + kp.key_id + ")";
            ++n_apply;
        } else if (const auto* rs = std::get_if<RestoreKeyReq>(&r)) {
            if (!is_sm2_encryption(rs->ret_asym_alg) || !is_sm4_ecb(rs->ret_sym_alg) || !is_sm3(rs->ret_hash_alg))
                return bad("the key can be returned only with SM2 encryption, SM4-ECB and SM3");
            if (out.commit.completed_recovery) return bad("at most one restoreKeyReq per task");
            const std::string cert_no = magnitude_hex(rs->user_cert_no);
            YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey user_key, sm2_key_of(rs->user_public_key, "userPubKey"));
            YX_ASSIGN_OR_RETURN(EscrowedKey key, recoverable_key(ca.id, cert_no));
            YX_ASSIGN_OR_RETURN(auto rec, m_store.find_approved_holder_recovery(ca.id, cert_no, rs->user_public_key));
            if (!rec)
                return denied("no approved holder recovery of certificate " + cert_no +
                              " to this signing key: two staff members must start and approve it first (§6.4.5.2)");
            if (rec->key_id != key.key_id) return make_error(Errc::kmc_illegal_state, "the escrowed key changed");
            YX_ASSIGN_OR_RETURN(SecretBytes d, unescrow(key));
            YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey pub, crypto::Sm2PublicKey::from_spki_der(key.public_key));
            EnvelopeRecipient rcpt{user_key, ca.certificate.subject(), rs->user_cert_no};
            YX_ASSIGN_OR_RETURN(Bytes sed, make_signed_and_enveloped_key(d, pub, rcpt, m_certificate, sign, m_rng));
            RecoveryRecord done = std::move(*rec);
            done.state = RecoveryState::completed;
            done.completed_by = "ca:" + ca.id;
            done.completed_at = now;
            done.output_sm3 = sm3_bytes(sed);
            out.detail += " restore " + cert_no + " (recovery " + done.id + ")";
            out.commit.completed_recovery = std::move(done);
            out.respond.responds.push_back(
                Respond::of(RespondKind::restore, RetKeyRespond{rs->user_cert_no, key.public_key, std::move(sed)}));
            ++n_restore;
        } else {
            const auto& rv = std::get<RevokeKeyReq>(r);
            const std::string cert_no = magnitude_hex(rv.user_cert_no);
            YX_ASSIGN_OR_RETURN(auto key, m_store.find_key(ca.id, cert_no));
            if (!key) return make_error(Errc::kmc_not_found, "CA '" + ca.id + "' has no escrowed key for " + cert_no);
            if (key->state != KeyState::active)
                return make_error(Errc::kmc_illegal_state,
                                  "the key of certificate " + cert_no + " is " + str(key_state_name(key->state)));
            if (!cert_nos.insert(cert_no).second)
                return make_error(Errc::kmc_duplicate, "userCertNo " + cert_no + " appears twice in the task");
            out.commit.revocations.push_back(RevokeMark{ca.id, cert_no});
            out.respond.responds.push_back(Respond::of(RevokeKeyRespond{rv.user_cert_no}));
            out.detail += " revoke " + cert_no;
            ++n_revoke;
        }
    }
    if (out.commit.completed_recovery) {
        // Every item is valid: now the approved recovery is carried out for the operator who
        // started it (the approver cannot be that person); the CA's signed request is only the
        // delivery channel. Last, so a refused item never consumes the approval.
        const RecoveryRecord& done = *out.commit.completed_recovery;
        auto executed = m_auth.execute_approved(done.requested_by, done.approval_id, as_bytes(recovery_payload(done)));
        if (!executed) return as_denial(std::move(executed).error());
        out.detail += " (" + executed->detail + ")";
    }
    out.detail = std::to_string(n_apply) + " apply, " + std::to_string(n_restore) + " restore, " +
                 std::to_string(n_revoke) + " revoke:" + out.detail;
    out.respond.km_name = EntName::of(m_certificate);
    out.respond.respond_time = now;
    out.respond.task_no = q.task_no;
    return out;
}

Bytes KmcService::handle(BytesView ca_request_der, std::string_view source) {
    std::lock_guard lock(m_mu);
    Caller who{"ca:unknown", str(source)};
    Note note;
    std::int64_t task_no = 0;
    Bytes answer;
    auto r = [&]() -> Status {
        YX_ASSIGN_OR_RETURN(CaRequest req, parse_ca_request(ca_request_der));
        task_no = req.ks_request.task_no;
        note.target = "task " + std::to_string(task_no);
        const TrustedCa* ca = nullptr;
        for (const auto& c : m_config.trusted_cas)
            if (req.ks_request.ca_name.names(c.certificate)) ca = &c;
        if (ca == nullptr)
            return make_error(Errc::kmc_bad_signature,
                              "the request is not from a trusted CA (" + req.ks_request.ca_name.name.to_string() + ")");
        who.id = "ca:" + ca->id;
        YX_TRY(verify_ca_request(req, ca->certificate, m_config.sm2_id));
        YX_ASSIGN_OR_RETURN(TaskOutcome outcome, process(req, *ca, ca_request_der));
        note.detail = outcome.detail;
        if (outcome.replay) {
            answer = std::move(outcome.replay_response);
            return ok_status();
        }
        YX_ASSIGN_OR_RETURN(outcome.commit.task.response_der, sign_km_respond(outcome.respond, [this](BytesView m) {
                                return m_keys.device->sign(m_keys.sign_key, m, m_config.sm2_id);
                            }));
        YX_TRY(m_store.commit_task(outcome.commit));
        answer = outcome.commit.task.response_der;
        return ok_status();
    }();
    auto written = write_audit(who, "kmc.request", note, r.ok() ? nullptr : &r.error());
    if (!r) return error_respond(task_no, r.error());
    // An answer that cannot be audited is reported as a failure; the task is recorded, so the CA's
    // repeat of the same request gets the stored answer (and another try at the audit record).
    if (!written) return error_respond(task_no, written.error());
    return answer;
}

// ---- pool, retention --------------------------------------------------------------------------------------

Result<std::size_t> KmcService::fill_pool(const Caller& who, std::size_t n) {
    std::lock_guard lock(m_mu);
    Note note;
    note.target = "pool";
    return audited<std::size_t>(who, "kmc.pool.fill", note, [&]() -> Result<std::size_t> {
        if (n == 0 || n > 100'000) return make_error(Errc::invalid_argument, "fill the pool with 1..100000 keys");
        const TimePoint now = m_clock.now();
        std::size_t added = 0;
        while (added < n) {
            std::vector<PooledKey> batch;
            const std::size_t k = std::min(n - added, k_batch);
            for (std::size_t i = 0; i < k; ++i) {
                YX_ASSIGN_OR_RETURN(KeyPair kp, generate_key_pair(now));
                batch.push_back(PooledKey{kp.key_id, kp.public_spki, kp.escrow, now});
            }
            YX_TRY(m_store.add_to_pool(batch));
            added += k;
        }
        YX_ASSIGN_OR_RETURN(std::size_t size, m_store.pool_size());
        note.detail = "generated " + std::to_string(added) + " key pairs; pool holds " + std::to_string(size);
        return added;
    });
}

Result<std::size_t> KmcService::pool_size() { return m_store.pool_size(); }

Result<std::vector<EscrowedKey>> KmcService::list_keys(const KeyFilter& filter) { return m_store.list_keys(filter); }

Result<std::size_t> KmcService::archive_expired(const Caller& who, TimePoint now) {
    std::lock_guard lock(m_mu);
    return archive_expired_keys(m_store, m_audit, who, now);
}

Result<std::size_t> KmcService::purge(const Caller& who, TimePoint now) {
    std::lock_guard lock(m_mu);
    return purge_archived_keys(m_store, m_audit, who, now, m_config.retention);
}

namespace {

template <class F>
Result<std::size_t> retention_job(audit::AuditLog& audit, const Caller& who, std::string_view action,
                                  std::string target, const std::string& verb, const Status& precheck, F&& batch) {
    std::size_t total = 0;
    std::string certs;
    auto r = [&]() -> Result<std::size_t> {
        YX_TRY(precheck);
        for (;;) {
            YX_ASSIGN_OR_RETURN(std::vector<EscrowedKey> done, batch());
            for (const auto& k : done)
                if (certs.size() < 4000) certs += " " + k.ca_id + ":" + k.cert_no;
            total += done.size();
            if (done.size() < k_batch) return total;
        }
    }();
    audit::AuditEvent ev;
    ev.source = who.source.empty() ? "local" : who.source;
    ev.actor = who.id.empty() ? "system" : who.id;
    ev.action = str(action);
    ev.target = std::move(target);
    ev.detail = verb + " " + std::to_string(total) + (certs.empty() ? "" : ":" + certs);
    if (!r) ev.failed(r.error());
    auto written = audit.append(ev);
    if (!written && r) return std::move(written).error();
    return r;
}

}  // namespace

Result<std::size_t> archive_expired_keys(KmcStore& store, audit::AuditLog& audit, const Caller& who, TimePoint now) {
    return retention_job(audit, who, "kmc.archive", "keys of certificates expired by " + format_rfc3339(now),
                         "archived", ok_status(), [&] { return store.archive_expired(now, k_batch); });
}

Result<std::size_t> purge_archived_keys(KmcStore& store, audit::AuditLog& audit, const Caller& who, TimePoint now,
                                        std::chrono::seconds retention) {
    Status precheck;
    if (retention < k_default_retention / 7)
        precheck = make_error(Errc::invalid_argument, "a retention below one year is refused");
    const TimePoint cutoff = now - retention;
    return retention_job(audit, who, "kmc.purge",
                         "archived keys of certificates expired by " + format_rfc3339(cutoff) + " (retention " +
                             std::to_string(std::chrono::duration_cast<std::chrono::hours>(retention).count() / 24) +
                             " days)",
                         "purged", precheck, [&] { return store.purge_archived(cutoff, now, k_batch); });
}

// ---- recovery -------------------------------------------------------------------------------------------------

Result<EscrowedKey> KmcService::recoverable_key(std::string_view ca_id, std::string_view cert_no) {
    YX_ASSIGN_OR_RETURN(auto key, m_store.find_key(ca_id, cert_no));
    if (!key)
        return make_error(Errc::kmc_not_found,
                          "CA '" + str(ca_id) + "' has no escrowed key for certificate " + str(cert_no));
    if (key->state == KeyState::purged)
        return make_error(Errc::kmc_illegal_state, "the key of certificate " + str(cert_no) + " was purged");
    return std::move(*key);
}

Status KmcService::check_officer(const RecoveryRecord& r, TimePoint now) {
    if (r.officer_certificate.empty() || r.officer_signature.empty())
        return denied("judicial recovery needs the judicial officer's certificate and signature (§6.4.5.3)");
    auto cert = x509::Certificate::parse(r.officer_certificate);
    if (!cert) return denied("the judicial officer's certificate does not parse: " + cert.error().message);
    std::vector<x509::Certificate> chain;
    BytesView rest = r.officer_chain;
    while (!rest.empty()) {
        auto el = asn1::Reader(rest, asn1::ReaderOptions::ber()).read_sequence();
        if (!el) return denied("the officer's chain does not parse");
        auto c = x509::Certificate::parse(el->raw());
        if (!c) return denied("the officer's chain does not parse: " + c.error().message);
        chain.push_back(std::move(c).value());
        rest = rest.subspan(el->raw().size());
    }
    if (m_config.judicial_trust_anchors.empty()) return denied("no judicial trust anchor is configured");
    x509::PathOptions opts;
    opts.sm2_id = m_config.sm2_id;
    auto path = x509::validate_path(*cert, chain, m_config.judicial_trust_anchors, now, opts);
    if (!path.ok())
        return denied("the judicial officer's certificate is not trusted: " + path.status().error().message);
    const auto& ku = cert->extensions().key_usage();
    if (ku && !ku->has(x509::KeyUsageBit::digital_signature) && !ku->has(x509::KeyUsageBit::non_repudiation))
        return denied("the judicial officer's certificate is not for signatures");
    YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey key, cert->public_key_info().sm2_public_key());
    JudicialRecoveryRequest q;
    q.ra_request_id = r.ra_request_id;
    q.ca_id = r.ca_id;
    q.cert_no = r.cert_no;
    q.medium_public_key = r.target_public_key;
    q.case_reference = r.case_reference;
    auto ok = crypto::sm2_verify(key, as_bytes(judicial_request_text(q)), r.officer_signature, m_config.sm2_id);
    if (!ok) return denied("the judicial officer's signature over the recovery request does not verify");
    return ok_status();
}

Result<RecoveryRecord> KmcService::start(const Caller& who, RecoveryRecord rec, Note& note) {
    if (!valid_text(rec.ra_request_id, false)) return bad("the reviewed RA request id is required");
    if (!valid_text(rec.ca_id, false)) return bad("the CA id is required");
    YX_ASSIGN_OR_RETURN(rec.cert_no, normalise_cert_no(rec.cert_no));
    YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey target, sm2_key_of(rec.target_public_key, "the target public key"));
    (void)target;
    note.target = rec.ca_id + ":" + rec.cert_no;
    const Action action = rec.kind == RecoveryKind::holder ? Action::kmc_recover : Action::kmc_judicial_recover;
    // Who may start it is the approval request's authorisation (role, subsystem, scope).
    YX_ASSIGN_OR_RETURN(auth::StaffRecord staff, m_auth.authorize(who.id, action, rec.org_node));
    note.role = str(auth::role_name(staff.role));
    if (m_config.check_ra_request)
        YX_TRY(m_config.check_ra_request(rec.ra_request_id, rec.kind, rec.ca_id, rec.cert_no));
    YX_ASSIGN_OR_RETURN(EscrowedKey key, recoverable_key(rec.ca_id, rec.cert_no));
    const TimePoint now = m_clock.now();
    if (rec.kind == RecoveryKind::judicial) YX_TRY(check_officer(rec, now));
    YX_ASSIGN_OR_RETURN(rec.id, random_id("rec-"));
    rec.key_id = key.key_id;
    rec.state = RecoveryState::pending;
    rec.requested_by = who.id;
    rec.requested_at = now;
    YX_ASSIGN_OR_RETURN(auto approval, m_auth.request_approval(who.id, action, as_bytes(recovery_payload(rec)),
                                                               rec.kind == RecoveryKind::holder ? rec.org_node : ""));
    rec.approval_id = approval.value.id;
    YX_TRY(m_store.insert_recovery(rec));
    note.detail = str(recovery_kind_name(rec.kind)) + " recovery " + rec.id + " for RA request " + rec.ra_request_id +
                  ", key " + rec.key_id + ", approval " + rec.approval_id + " (" + approval.event.detail + ")";
    return rec;
}

Result<RecoveryRecord> KmcService::start_holder_recovery(const Caller& who, const HolderRecoveryRequest& request) {
    std::lock_guard lock(m_mu);
    Note note;
    note.target = request.ca_id + ":" + request.cert_no;
    return audited<RecoveryRecord>(who, "kmc.recovery.start", note, [&]() -> Result<RecoveryRecord> {
        if (!valid_text(request.org_node, false)) return bad("the RA request's organisation node is required");
        RecoveryRecord rec;
        rec.kind = RecoveryKind::holder;
        rec.ra_request_id = request.ra_request_id;
        rec.org_node = request.org_node;
        rec.ca_id = request.ca_id;
        rec.cert_no = request.cert_no;
        rec.target_public_key = request.holder_public_key;
        return start(who, std::move(rec), note);
    });
}

Result<RecoveryRecord> KmcService::start_judicial_recovery(const Caller& who, const JudicialRecoveryRequest& request) {
    std::lock_guard lock(m_mu);
    Note note;
    note.target = request.ca_id + ":" + request.cert_no;
    return audited<RecoveryRecord>(who, "kmc.recovery.judicial.start", note, [&]() -> Result<RecoveryRecord> {
        if (!valid_text(request.case_reference, false)) return bad("the judicial case reference is required");
        RecoveryRecord rec;
        rec.kind = RecoveryKind::judicial;
        rec.ra_request_id = request.ra_request_id;
        rec.ca_id = request.ca_id;
        rec.cert_no = request.cert_no;
        rec.target_public_key = request.medium_public_key;
        rec.case_reference = request.case_reference;
        rec.officer_certificate = request.officer_certificate;
        for (const Bytes& c : request.officer_chain)
            rec.officer_chain.insert(rec.officer_chain.end(), c.begin(), c.end());
        rec.officer_signature = request.officer_signature;
        return start(who, std::move(rec), note);
    });
}

Result<RecoveryRecord> KmcService::approve_recovery(const Caller& who, std::string_view recovery_id) {
    std::lock_guard lock(m_mu);
    Note note;
    note.target = str(recovery_id);
    return audited<RecoveryRecord>(who, "kmc.recovery.approve", note, [&]() -> Result<RecoveryRecord> {
        YX_ASSIGN_OR_RETURN(auto found, m_store.find_recovery(recovery_id));
        if (!found) return make_error(Errc::kmc_not_found, "no recovery '" + str(recovery_id) + "'");
        RecoveryRecord rec = std::move(*found);
        note.target = rec.id + " " + rec.ca_id + ":" + rec.cert_no;
        if (rec.state != RecoveryState::pending)
            return make_error(Errc::kmc_illegal_state,
                              "recovery " + rec.id + " is " + str(recovery_state_name(rec.state)));
        auto ev = m_auth.approve(who.id, rec.approval_id, sm3_bytes(as_bytes(recovery_payload(rec))));
        if (!ev) return as_denial(std::move(ev).error());
        note.role = ev->role;
        rec.state = RecoveryState::approved;
        rec.decided_by = who.id;
        rec.decided_at = m_clock.now();
        YX_TRY(m_store.update_recovery(rec, RecoveryState::pending));
        note.detail = "approved " + str(recovery_kind_name(rec.kind)) + " recovery started by " + rec.requested_by;
        return rec;
    });
}

Result<RecoveryRecord> KmcService::reject_recovery(const Caller& who, std::string_view recovery_id,
                                                   std::string_view reason) {
    std::lock_guard lock(m_mu);
    Note note;
    note.target = str(recovery_id);
    return audited<RecoveryRecord>(who, "kmc.recovery.reject", note, [&]() -> Result<RecoveryRecord> {
        if (!valid_text(reason, false)) return bad("a rejection needs a reason (at most 256 bytes)");
        YX_ASSIGN_OR_RETURN(auto found, m_store.find_recovery(recovery_id));
        if (!found) return make_error(Errc::kmc_not_found, "no recovery '" + str(recovery_id) + "'");
        RecoveryRecord rec = std::move(*found);
        if (rec.state != RecoveryState::pending)
            return make_error(Errc::kmc_illegal_state,
                              "recovery " + rec.id + " is " + str(recovery_state_name(rec.state)));
        auto ev = m_auth.reject(who.id, rec.approval_id, sm3_bytes(as_bytes(recovery_payload(rec))), reason);
        if (!ev) return as_denial(std::move(ev).error());
        note.role = ev->role;
        rec.state = RecoveryState::rejected;
        rec.decided_by = who.id;
        rec.decided_at = m_clock.now();
        rec.reason = str(reason);
        YX_TRY(m_store.update_recovery(rec, RecoveryState::pending));
        note.detail = "rejected: " + rec.reason;
        return rec;
    });
}

Result<RecoveredKey> KmcService::execute_recovery(const Caller& who, std::string_view recovery_id) {
    std::lock_guard lock(m_mu);
    Note note;
    note.target = str(recovery_id);
    return audited<RecoveredKey>(who, "kmc.recovery.execute", note, [&]() -> Result<RecoveredKey> {
        YX_ASSIGN_OR_RETURN(auto found, m_store.find_recovery(recovery_id));
        if (!found) return make_error(Errc::kmc_not_found, "no recovery '" + str(recovery_id) + "'");
        RecoveryRecord rec = std::move(*found);
        note.target = rec.id + " " + rec.ca_id + ":" + rec.cert_no;
        if (rec.state == RecoveryState::pending)
            return denied("recovery " + rec.id + " is not approved: a second person must approve it first");
        if (rec.state != RecoveryState::approved)
            return make_error(Errc::kmc_illegal_state,
                              "recovery " + rec.id + " is " + str(recovery_state_name(rec.state)));
        const TimePoint now = m_clock.now();
        const Action action = rec.kind == RecoveryKind::holder ? Action::kmc_recover : Action::kmc_judicial_recover;
        // Checked before anything is decrypted; execute_approved checks it again when consuming.
        YX_ASSIGN_OR_RETURN(auth::StaffRecord staff, m_auth.authorize(who.id, action, rec.org_node));
        note.role = str(auth::role_name(staff.role));
        if (who.id == rec.decided_by)
            return denied("the approver cannot also carry out the recovery (two-person rule)");
        if (rec.kind == RecoveryKind::judicial) YX_TRY(check_officer(rec, now));
        YX_ASSIGN_OR_RETURN(EscrowedKey key, recoverable_key(rec.ca_id, rec.cert_no));
        if (key.key_id != rec.key_id) return make_error(Errc::kmc_illegal_state, "the escrowed key changed");
        YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey target, sm2_key_of(rec.target_public_key, "the target public key"));
        YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey pub, crypto::Sm2PublicKey::from_spki_der(key.public_key));
        Bytes envelope;
        {
            YX_ASSIGN_OR_RETURN(SecretBytes d, unescrow(key));
            YX_ASSIGN_OR_RETURN(envelope, make_enveloped_key(d, pub, target, m_rng));
        }
        auto ev = m_auth.execute_approved(who.id, rec.approval_id, as_bytes(recovery_payload(rec)));
        if (!ev) return as_denial(std::move(ev).error());
        rec.state = RecoveryState::completed;
        rec.completed_by = who.id;
        rec.completed_at = now;
        rec.output_sm3 = sm3_bytes(envelope);
        YX_TRY(m_store.update_recovery(rec, RecoveryState::approved));
        note.detail = str(recovery_kind_name(rec.kind)) + " recovery of key " + rec.key_id + " to " +
                      (rec.kind == RecoveryKind::holder ? "the holder's signing key" : "the dedicated medium") +
                      " sm3=" + hex_encode(sm3_bytes(rec.target_public_key)) + "; started by " + rec.requested_by +
                      ", approved by " + rec.decided_by + "; envelope sm3=" + hex_encode(rec.output_sm3);
        return RecoveredKey{std::move(rec), std::move(envelope)};
    });
}

Result<RecoveryRecord> KmcService::get_recovery(std::string_view recovery_id) {
    YX_ASSIGN_OR_RETURN(auto found, m_store.find_recovery(recovery_id));
    if (!found) return make_error(Errc::kmc_not_found, "no recovery '" + str(recovery_id) + "'");
    return std::move(*found);
}

Result<std::vector<RecoveryRecord>> KmcService::list_recoveries(std::optional<RecoveryState> state,
                                                                std::string_view after_id, std::size_t limit) {
    return m_store.list_recoveries(state, after_id, limit);
}

// ---- names ----------------------------------------------------------------------------------------------------

std::string_view key_state_name(KeyState s) noexcept {
    switch (s) {
        case KeyState::active: return "active";
        case KeyState::revoked: return "revoked";
        case KeyState::archived: return "archived";
        case KeyState::purged: return "purged";
    }
    return "active";
}
std::optional<KeyState> key_state_from_name(std::string_view n) noexcept {
    for (KeyState s : {KeyState::active, KeyState::revoked, KeyState::archived, KeyState::purged})
        if (key_state_name(s) == n) return s;
    return std::nullopt;
}
std::string_view recovery_kind_name(RecoveryKind k) noexcept {
    return k == RecoveryKind::holder ? "holder" : "judicial";
}
std::optional<RecoveryKind> recovery_kind_from_name(std::string_view n) noexcept {
    if (n == "holder") return RecoveryKind::holder;
    if (n == "judicial") return RecoveryKind::judicial;
    return std::nullopt;
}
std::string_view recovery_state_name(RecoveryState s) noexcept {
    switch (s) {
        case RecoveryState::pending: return "pending";
        case RecoveryState::approved: return "approved";
        case RecoveryState::completed: return "completed";
        case RecoveryState::rejected: return "rejected";
    }
    return "pending";
}
std::optional<RecoveryState> recovery_state_from_name(std::string_view n) noexcept {
    for (RecoveryState s :
         {RecoveryState::pending, RecoveryState::approved, RecoveryState::completed, RecoveryState::rejected})
        if (recovery_state_name(s) == n) return s;
    return std::nullopt;
}

}  // namespace yinxin::kmc
