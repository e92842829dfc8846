// The key management centre (密钥管理中心, KMC; LD/T 03-2022 §6.3 a, §6.4.5, §8.3.6; issue 9).
//
// What it does:
//  - answers GM/T 0014 CA requests (protocol.h) from trusted CAs only: apply (a new encryption key
//    pair for a dual certificate), restore (an APPROVED holder recovery delivered through the CA)
//    and revoke (marks the escrowed key). handle() is transport-free and ALWAYS answers with a
//    signed KMRespond: every failure becomes an ErrorPkgRespond carrying the Errc number and name.
//    A task is all or nothing: one refused item makes the answer a single ErrorPkgRespond and
//    nothing is stored; an answered task is stored with its answer in the same transaction;
//  - makes encryption key pairs from the crypto device's random generator: the scalar is
//    Device::generate_random output (32 bytes, redrawn when outside [1, n-2]). The device
//    interface (GM/T 0018 shape) has no "generate and export under a key" call, so the scalar exists
//    in this process's memory (zeroised after use) just long enough to be escrowed and enveloped;
//    optionally a pool is pre-generated (fill_pool) so a request costs no generation;
//  - escrows every key encrypted under the KMC's own escrow key in the device: the escrow record is
//    SM2Cipher(escrow_plaintext(key_id, d)) to the device key "kmc-escrow", decrypted only by the
//    device (behind its 3-of-5 custodians). The store never holds a private key in clear;
//  - never sees a signing private key: apply gets the holder's signing PUBLIC key only;
//  - archives keys whose certificate expired (archive_expired) and purges archived keys past
//    retention (purge; default 7 years after expiry, CPS "archived encryption keys >= 7 years");
//  - recovers keys under two-person control (§6.4.5):
//      holder (§6.4.5.2): a KMC business operator starts it (Action::kmc_recover, scoped to the RA
//        request's node) for the reviewed RA request, naming the certificate and the holder's
//        CURRENT signing key; a second person with the role of the second-approver column
//        (business_admin of the kmc subsystem, docs/roles.md) approves; an operator other than the
//        approver carries it out and gets the key re-enveloped (SM2EnvelopedKey) to that signing
//        key. Or the CA delivers it: a restoreKeyReq for exactly that certificate and signing key
//        completes the approved recovery (executed for the operator who started it);
//      judicial (§6.4.5.3): an operator with Action::kmc_judicial_recover together with a judicial
//        officer who signs judicial_request_text() with their own certificate (chaining to a
//        configured trust anchor, checked at the start and again when carried out); the matrix's
//        second approver (business_admin) approves; the output is an SM2EnvelopedKey to the
//        dedicated medium's public key (the encrypted key file for the 司法专用载体).
//    One person alone never gets a key: the same person as starter and approver, or approver and
//    executor, is kmc.recovery_denied, and so is a missing or bad judicial signature.
//
// Every operation writes one audit record (audit::AuditLog), failures included; every state change
// is one store transaction (KmcStore), and bad input persists nothing. Two-person approvals live in
// the auth store (auth::AuthService::request_approval/approve/execute_approved): an approval
// consumed by an execution whose KMC commit then fails leaves the recovery approved but no longer
// executable (it must be started again); no key is handed out in that case.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
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
#include "yinxin/device/device.h"
#include "yinxin/kmc/envelope.h"
#include "yinxin/kmc/protocol.h"
#include "yinxin/kmc/store.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::kmc {

// Device key labels: the KMC's signing key (its certificate's key) and the escrow key.
inline constexpr std::string_view k_sign_key_label = "kmc-sign";
inline constexpr std::string_view k_escrow_key_label = "kmc-escrow";

// CPS: archived encryption keys are kept at least 7 years (after the certificate expired).
inline constexpr std::chrono::hours k_default_retention{24 * (365 * 7 + 2)};

// Rng over Device::generate_random (SDF GenerateRandom), so the KMC's key material and SM4 keys
// come from the crypto device.
class DeviceRng final : public Rng {
public:
    explicit DeviceRng(device::Device& device) : m_device(device) {}
    Status fill(std::span<std::uint8_t> out) override;

private:
    device::Device& m_device;
};

// The KMC's two device keys, access right held.
struct KmcKeys {
    device::Device* device = nullptr;
    device::KeyIndex sign_key = 0;
    device::KeyIndex escrow_key = 0;
    Bytes sign_public_key;    // SubjectPublicKeyInfo DER
    Bytes escrow_public_key;  // SubjectPublicKeyInfo DER
};

// Finds (generating with `pin` when absent) the SM2 keys `sign_label` and `escrow_label` in an
// unlocked device and takes their access rights; every device event goes to `audit` (actor
// "system"). The sign key needs a certificate (from a CA, for `sign_public_key`) before the
// service can run.
Result<KmcKeys> open_kmc_keys(device::Device& device, std::string_view pin, audit::AuditLog& audit,
                              std::string_view sign_label = k_sign_key_label,
                              std::string_view escrow_label = k_escrow_key_label);

// What is encrypted to the escrow key for each key pair: binding the key id means an escrow copied
// onto another row does not open as that row's key.
//   "yinxin-kmc-escrow/1\n" <key_id> "\n" <32-byte scalar>
Bytes escrow_prefix(std::string_view key_id);

// A CA allowed to ask (its certificate: the CARequest's caName must name it and its key verify the
// signature). `id` names it in the store and the audit log.
struct TrustedCa {
    std::string id;
    x509::Certificate certificate;
};

// Checks the RA request behind a recovery (kmc may not include ra: the composition root gives a
// function that asks the RA whether the request is a reviewed key_recovery / judicial_recovery for
// this certificate). Unset: the id is only recorded.
using RaRequestCheck = std::function<Status(std::string_view ra_request_id, RecoveryKind kind, std::string_view ca_id,
                                            std::string_view cert_no)>;

struct KmcConfig {
    std::vector<TrustedCa> trusted_cas;
    std::string sm2_id = std::string(crypto::k_default_sm2_id);  // both directions
    // requestTime may differ from the KMC's clock by this much (kmc.bad_message beyond).
    std::chrono::seconds max_clock_skew = std::chrono::minutes(15);
    std::chrono::seconds retention = k_default_retention;
    // false: apply takes pool keys only (kmc.pool_empty when none is left).
    bool generate_on_demand = true;
    // Judicial officers' certificates must chain to one of these (x509::validate_path).
    std::vector<x509::Certificate> judicial_trust_anchors;
    RaRequestCheck check_ra_request;
};

// Who acts, and from where (audit source: "198.51.100.7:51234", "cli", "local").
struct Caller {
    std::string id;  // staff id
    std::string source = "local";
};

struct HolderRecoveryRequest {
    std::string ra_request_id;
    std::string org_node;  // the RA request's node (the operator's subtree must cover it)
    std::string ca_id;
    std::string cert_no;      // hex (any case, leading zeros ignored)
    Bytes holder_public_key;  // the holder's CURRENT signing key, SubjectPublicKeyInfo DER
};

struct JudicialRecoveryRequest {
    std::string ra_request_id;
    std::string ca_id;
    std::string cert_no;
    Bytes medium_public_key;           // the dedicated medium's SM2 key, SubjectPublicKeyInfo DER
    std::string case_reference;        // the judicial document number (文书编号)
    Bytes officer_certificate;         // DER
    std::vector<Bytes> officer_chain;  // intermediate CA certificates, DER
    Bytes officer_signature;           // SM2 (KmcConfig::sm2_id) over judicial_request_text(...)
};

// The exact text a judicial officer signs:
//   "yinxin-kmc-judicial-recovery/1\n" ra_request_id "\n" ca_id "\n" cert_no "\n"
//   hex(SM3(medium_public_key)) "\n" case_reference "\n"
// (cert_no as lower-case hex without leading zeros).
std::string judicial_request_text(const JudicialRecoveryRequest& request);

struct RecoveredKey {
    RecoveryRecord record;
    Bytes enveloped_key;  // SM2EnvelopedKey DER to the target key
};

// The retention jobs, also without a running KMC (the CLI: `yinxin kmc archive|purge`): one store
// transaction per batch of 1000 keys and one audit record per call (actor `who`), failures too.
// Archives every active or revoked key whose certificate expired by `now`.
Result<std::size_t> archive_expired_keys(KmcStore& store, audit::AuditLog& audit, const Caller& who, TimePoint now);
// Purges (wipes the escrow of) archived keys whose certificate expired `retention` or more before `now`.
Result<std::size_t> purge_archived_keys(KmcStore& store, audit::AuditLog& audit, const Caller& who, TimePoint now,
                                        std::chrono::seconds retention = k_default_retention);

class KmcService {
public:
    // kmc_certificate must hold keys.sign_public_key (kmc.bad_signature otherwise); at least one
    // trusted CA, their ids unique and non-empty, retention at least a year (invalid_argument).
    static Result<std::unique_ptr<KmcService>> create(KmcStore& store, KmcKeys keys, x509::Certificate kmc_certificate,
                                                      auth::AuthService& auth, audit::AuditLog& audit,
                                                      const Clock& clock, KmcConfig config);

    const x509::Certificate& certificate() const { return m_certificate; }

    // One CARequest (DER) in, one signed KMRespond (DER) out: never fails. `source` is the peer
    // address for the audit record. Only when the device cannot sign is the answer unsigned (an
    // empty signatureValue, which no client accepts).
    Bytes handle(BytesView ca_request_der, std::string_view source = "local");

    // --- pool and retention (system jobs: actor `who`, e.g. "system" or the CLI user) ---
    Result<std::size_t> fill_pool(const Caller& who, std::size_t n);
    Result<std::size_t> pool_size();
    // Archives every active or revoked key whose certificate expired by `now`.
    Result<std::size_t> archive_expired(const Caller& who, TimePoint now);
    // Purges archived keys whose certificate expired more than the retention before `now`.
    Result<std::size_t> purge(const Caller& who, TimePoint now);
    Result<std::vector<EscrowedKey>> list_keys(const KeyFilter& filter);

    // --- recovery (see the file comment) ---
    Result<RecoveryRecord> start_holder_recovery(const Caller& who, const HolderRecoveryRequest& request);
    Result<RecoveryRecord> start_judicial_recovery(const Caller& who, const JudicialRecoveryRequest& request);
    Result<RecoveryRecord> approve_recovery(const Caller& who, std::string_view recovery_id);
    Result<RecoveryRecord> reject_recovery(const Caller& who, std::string_view recovery_id, std::string_view reason);
    Result<RecoveredKey> execute_recovery(const Caller& who, std::string_view recovery_id);
    Result<RecoveryRecord> get_recovery(std::string_view recovery_id);
    Result<std::vector<RecoveryRecord>> list_recoveries(std::optional<RecoveryState> state,
                                                        std::string_view after_id = {}, std::size_t limit = 100);

    // The bytes the two-person approval of a recovery covers (its SM3 is the approval's payload
    // hash): "yinxin-kmc-recovery/1\n" id kind ra_request_id org_node ca_id cert_no
    // hex(SM3(target_public_key)) case_reference, each followed by "\n".
    static std::string recovery_payload(const RecoveryRecord& record);

private:
    KmcService(KmcStore& store, KmcKeys keys, x509::Certificate kmc_certificate, auth::AuthService& auth,
               audit::AuditLog& audit, const Clock& clock, KmcConfig config);

    struct Note {
        std::string role;
        std::string target;
        std::string detail;
    };
    struct KeyPair;
    struct TaskOutcome;

    template <class T, class F>
    Result<T> audited(const Caller& who, std::string_view action, Note& note, F&& body);
    Status write_audit(const Caller& who, std::string_view action, const Note& note, const Error* error);

    Result<TaskOutcome> process(const CaRequest& request, const TrustedCa& ca, BytesView request_der);
    Bytes respond(const KsRespond& ks);
    Bytes error_respond(std::int64_t task_no, const Error& e);
    Result<KeyPair> generate_key_pair(TimePoint now);
    Result<Bytes> escrow(std::string_view key_id, BytesView scalar);
    Result<SecretBytes> unescrow(const EscrowedKey& key);
    Result<std::string> random_id(std::string_view prefix);
    Result<EscrowedKey> recoverable_key(std::string_view ca_id, std::string_view cert_no);
    Status check_officer(const RecoveryRecord& record, TimePoint now);
    Result<RecoveryRecord> start(const Caller& who, RecoveryRecord record, Note& note);

    KmcStore& m_store;
    KmcKeys m_keys;
    x509::Certificate m_certificate;
    auth::AuthService& m_auth;
    audit::AuditLog& m_audit;
    const Clock& m_clock;
    KmcConfig m_config;
    DeviceRng m_rng;
    std::mutex m_mu;  // one state change at a time in this process (the store guards across processes)
};

}  // namespace yinxin::kmc
