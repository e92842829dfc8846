// The seal making system and the seal status publishing system of one Yinxin instance
// (LD/T 01.1-2022 §6, §7.5-§7.10, §9.4).
//
// Making (§7.5). An application carries the fields of §7.5 and the materials of Table 1. It is
// submitted by the unit's handler (applicant) or entered by a business operator of the seal
// subsystem, approved or rejected by a second person (seal.application.approve) who signs the
// decision with the key of their registered certificate over
//   auth::decision_text("approve" | "reject", <application id>, hex(application_payload_hash(a)))
// and then made by a business operator (seal.make):
//   1. 赋码: NationalPlatform::assign_code (nullopt here: industry code), then the store reserves
//      the code in the transaction that records the pending seal row;
//   2. the seal key: delivery "token" uses the key of the handler's PKCS#10 (it stays in the
//      token); "central" generates an SM2 key INSIDE the device labelled "seal-<code>";
//   3. the seal certificate (one per seal, §7.5 e) from the seal CA with the `seal` profile:
//      C=CN, O=<credit code><unit name>, OU=<seal name>, CN=<seal code>, GM/T 0015 unified social
//      credit code (gm-and-seal-formats.md §7);
//   4. the SES_Seal v4 (GB/T 38540), esID = seal code, signed by the seal-maker-system key;
//   5. 备案: NationalPlatform::file_seal;
//   6. one transaction: seal valid + application made.
// A failure after 1 leaves the reserved row pending; make() again resumes with the same code (an
// already issued certificate with that CN and key is reused). Delivery (seal.make) records who
// received it; a token seal's SES_Seal and certificate are downloaded by the handler or staff.
//
// Lifecycle (§7.6-§7.10). A request with its reason and materials (Tables 2-6; seal.lifecycle.
// request) is approved or rejected with a signed decision (seal.application.approve, over
// lifecycle_payload_hash) and then executed by a business operator: change, renewal and
// replacement need seal.make, loss and cancellation seal.revoke. Effects:
//   change  (变更)  old seal cancelled, its certificate revoked (affiliationChanged); a new
//                  application with the new data (approved by this request) is made at once,
//                  linked both ways (replaces / replaced_by). A new code.
//   loss    (挂失)  seal lost, certificate revoked (keyCompromise). A new seal is a new application.
//   cancel  (注销)  seal cancelled, certificate revoked (cessationOfOperation).
//   renew   (续期)  a new certificate and SES_Seal with a new validity for the same key (or the
//                  key of a new PKCS#10 for a token seal); the old certificate revoked
//                  (superseded). Online self-service (§7.9 note): renew_online, signed with the
//                  seal's current key, no staff approval, token seals only.
//   replace (更换)  a new key (new token: PKCS#10; central: a new device key), new certificate and
//                  SES_Seal, same seal code; the old certificate revoked (superseded).
// Certificates are revoked through ca::StatusService (the CA status path the RA uses), so CRLs
// and OCSP see it at once. Only a valid seal accepts requests, one open request at a time;
// anything else is seal.illegal_state with nothing written.
//
// Every state-changing call is authorised through auth::AuthService on the record's node and
// writes one audit record ("seal.application.submit", ...), failures included. Bad input is
// seal.application_invalid and nothing is stored.
#pragma once

#include <chrono>
#include <cstdint>
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
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/status.h"
#include "yinxin/ca/store.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/device/device.h"
#include "yinxin/sealsys/central_seal.h"
#include "yinxin/sealsys/model.h"
#include "yinxin/sealsys/platform.h"
#include "yinxin/sealsys/status_list.h"
#include "yinxin/sealsys/store.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/crl.h"

namespace yinxin::sealsys {

struct SealSystemConfig {
    // The seal root (印章根, §7.3.2 b) that issues seal and system certificates, and the profiles.
    std::string seal_ca_id = "demo-seal-root";
    std::string seal_profile = "seal";
    std::string maker_profile = "seal-maker-system";
    std::string status_profile = "seal-status-system";
    // CN stem of the system certificates and the revocation list's issuer name.
    std::string system_name = "Yinxin 电子印章系统";
    // O of the system certificates; empty: the seal CA's O.
    std::string organisation;
    std::string vendor_id = "YINXIN";  // SES_Header.vid
    // PIN protecting the private-key access right of keys made here (central seal keys, the
    // system keys): the instance's key PIN, so the centralized-use part opens them with it.
    std::string key_pin;
    std::string sm2_id{crypto::k_default_sm2_id};
    // nextUpdate - thisUpdate of the revocation list; a new list is signed when the status
    // changes or the cached one is older than `list_refresh`.
    std::chrono::seconds list_validity{std::chrono::hours(24)};
    std::chrono::seconds list_refresh{std::chrono::hours(1)};
};

// A token seal as handed to its holder (§7.5 h/i): the SES_Seal and the seal certificate.
struct SealPackage {
    std::string seal_code;
    Bytes ses_seal_der;
    Bytes certificate_der;
    std::vector<Bytes> chain;  // the seal CA certificate
};

struct NewApplication {
    std::string org_node;  // empty: the actor's node
    SealForm form;
    CodeScope scope = CodeScope::industry;
    Delivery delivery = Delivery::token;
    Bytes csr;  // token: PKCS#10 DER or PEM (SM2, proof of possession with the default ID)
    std::uint32_t validity_days = 0;
    std::vector<Material> materials;
};

struct NewLifecycleRequest {
    LifecycleKind kind = LifecycleKind::cancel;
    std::string seal_code;
    std::string reason;
    std::vector<Material> materials;
    std::optional<SealForm> new_form;  // change
    Bytes csr;                         // change/replace of a token seal (required), renew (optional)
    std::uint32_t validity_days = 0;
};

struct OnlineRenewal {
    std::string seal_code;
    std::uint32_t validity_days = 0;
    Bytes signature;  // SM2 (default ID) by the seal key over online_renewal_text(...)
};

class SealRegistry final : public SealStatusSource {
public:
    SealRegistry(SealSystemStore& store, auth::AuthService& auth, audit::AuditLog& audit, ca::Issuer& issuer,
                 ca::StatusService& status, ca::CaRegistry& cas, ca::CertificateReader& certificates,
                 device::Device& device, NationalPlatform& platform, const Clock& clock, Rng& rng,
                 SealSystemConfig config);

    // Makes the seal-maker-system and seal-status-system keys (in the device) and certificates
    // (from the seal CA) when the store has none yet, then opens both keys. Audited as
    // "sealsys.signer.create" (actor "system"). Call once before anything else.
    Status open_signers();
    const x509::Certificate& maker_certificate() const;
    const x509::Certificate& status_certificate() const;
    // The seal CA's certificate (the trust anchor of seals and lists).
    Result<x509::Certificate> seal_ca_certificate();
    const SealSystemConfig& config() const noexcept { return m_config; }

    // --- applications (§7.5) ---
    Result<SealApplication> submit(const Caller& who, const NewApplication& request);
    Result<SealApplication> approve(const Caller& who, std::string_view id, BytesView signature);
    Result<SealApplication> reject(const Caller& who, std::string_view id, std::string_view reason,
                                   BytesView signature);
    // approved → made; returns the seal.
    Result<SealRecord> make(const Caller& who, std::string_view id);
    // made → delivered (seal.make): who received it (the handler's name by default).
    Result<SealApplication> deliver(const Caller& who, std::string_view id, std::string_view received_by);
    // seal.application.read on the node; applicants see only their own.
    Result<SealApplication> get_application(const Caller& who, std::string_view id);
    Result<std::vector<SealApplication>> list_applications(const Caller& who, std::optional<ApplicationState> state,
                                                           std::string_view after_id = {}, std::size_t limit = 100);
    // A material of an application or lifecycle request the caller may read.
    Result<Material> material(const Caller& who, std::string_view owner_id, std::size_t index);
    // A made token seal's package (the handler who applied, or staff with seal.application.read).
    Result<SealPackage> download(const Caller& who, std::string_view seal_code);

    // --- seals ---
    Result<SealRecord> get_seal(const Caller& who, std::string_view seal_code);
    Result<std::vector<SealRecord>> list_seals(const Caller& who, std::optional<SealState> state,
                                               std::string_view after_code = {}, std::size_t limit = 100);

    // --- lifecycle (§7.6-§7.10) ---
    Result<LifecycleRequest> request_lifecycle(const Caller& who, const NewLifecycleRequest& request);
    Result<LifecycleRequest> approve_lifecycle(const Caller& who, std::string_view id, BytesView signature);
    Result<LifecycleRequest> reject_lifecycle(const Caller& who, std::string_view id, std::string_view reason,
                                              BytesView signature);
    Result<LifecycleRequest> execute_lifecycle(const Caller& who, std::string_view id);
    Result<LifecycleRequest> get_lifecycle(const Caller& who, std::string_view id);
    Result<std::vector<LifecycleRequest>> list_lifecycle(const Caller& who, std::optional<RequestState> state,
                                                         std::string_view seal_code = {},
                                                         std::string_view after_id = {}, std::size_t limit = 100);
    // §7.9 note: self-service renewal of a token seal by its user (seal.lifecycle.request on the
    // seal's node), signed with the seal's current key; refused (auth.decision_signature_invalid)
    // with any other key, and for a seal that is not valid or whose certificate has expired.
    Result<LifecycleRequest> renew_online(const Caller& who, const OnlineRenewal& request);

    // --- status publishing (public: no caller) ---
    Result<SealStatusInfo> seal_status(std::string_view seal_code) override;
    // The signed revocation list (status_list.h), cached while the status does not change.
    Result<Bytes> revocation_list();
    // For the centralized-use part (sealsys/use.h): a central seal's package and key label.
    // seal.not_found for unknown or pending seals and token seals.
    Result<CentralSeal> central_seal(std::string_view seal_code);

private:
    struct Note {
        std::string role;
        std::string target;
        std::string detail;
    };
    struct OpenSigner {
        SystemSigner record;
        std::optional<x509::Certificate> certificate;  // parsed record.certificate_der
        device::KeyIndex index = 0;
    };
    // What a new certificate + SES_Seal for a seal came out as.
    struct MadeSeal {
        Bytes certificate_der;
        std::string serial_hex;
        Bytes ses_seal_der;
        TimePoint valid_from{};
        TimePoint valid_to{};
    };

    // Runs `body` and writes one audit record for it, failed or not. An action whose record cannot
    // be written is reported as failed.
    template <class T, class F>
    Result<T> audited(const Caller& who, std::string_view action, Note& note, F&& body) {
        Result<T> r = body();
        const Error* err = r.ok() ? nullptr : &r.error();
        auto written = write_audit(who, action, note, err);
        if (!written && r) return std::move(written).error();
        return r;
    }
    Status write_audit(const Caller& who, std::string_view action, const Note& note, const Error* error);
    Status audit_device(const Caller& who, const device::DeviceEvent& e);
    Result<auth::StaffRecord> authorize(const Caller& who, auth::Action action, std::string_view node, Note& note,
                                        std::string_view maker = {});
    Result<std::vector<std::string>> visible_nodes(const auth::StaffRecord& actor);
    Result<SealApplication> load_application(std::string_view id);
    Result<LifecycleRequest> load_lifecycle(std::string_view id);
    Result<SealRecord> load_seal(std::string_view code);
    Result<std::string> new_id(std::string_view prefix);
    Result<OpenSigner> open_signer(SignerRole role);
    Result<OpenSigner> create_signer(SignerRole role);
    Result<Bytes> sign_with(const OpenSigner& signer, BytesView message);
    // The SM2 key for a seal: the CSR's (token) or a device key labelled `label` (made when absent).
    Result<Bytes> seal_key_spki(Delivery delivery, BytesView csr, const std::string& label);
    // Issues the seal certificate for (code, data) and makes its SES_Seal.
    Result<MadeSeal> make_certificate_and_seal(const std::string& code, const SealForm& form, BytesView csr,
                                               BytesView spki, std::uint32_t validity_days,
                                               const std::string& request_id, bool reuse_existing);
    Result<SealRecord> make_application(const auth::StaffRecord& actor, SealApplication app, Note& note);
    // ca.already_revoked counts as done (a re-executed request).
    Status revoke_certificate(const SealRecord& seal, x509::CrlReason reason, const std::string& actor);
    Result<LifecycleRequest> execute_approved(const auth::StaffRecord& actor, LifecycleRequest r, Note& note);
    Result<LifecycleRequest> renew_or_replace(const auth::StaffRecord& actor, LifecycleRequest r, SealRecord seal,
                                              Note& note);

    SealSystemStore& m_store;
    auth::AuthService& m_auth;
    audit::AuditLog& m_audit;
    ca::Issuer& m_issuer;
    ca::StatusService& m_status;
    ca::CaRegistry& m_cas;
    ca::CertificateReader& m_certificates;
    device::Device& m_device;
    NationalPlatform& m_platform;
    const Clock& m_clock;
    Rng& m_rng;
    SealSystemConfig m_config;
    std::unique_ptr<OpenSigner> m_maker;
    std::unique_ptr<OpenSigner> m_status_signer;
    std::mutex m_rng_mu;
    // The last signed revocation list and the status version it was made at.
    std::mutex m_list_mu;
    Bytes m_list_der;
    std::int64_t m_list_version = -1;
    TimePoint m_list_made{};
};

}  // namespace yinxin::sealsys
