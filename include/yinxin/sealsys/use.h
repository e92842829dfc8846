// Centralized seal use with approval (集中式用章, LD/T 01.1-2022 §8.1.2, §8.2).
//
// A business system, or a seal user in the using unit, asks for a seal held by the centralized seal
// system to be applied to a document (§8.2.2 签章申请: requesting entity, its organisation, time and
// the object to be sealed); a seal reviewer designated for that seal checks the request and the
// seal's validity and decides, signing the decision (§8.2.3 签章审核); after approval the requester
// has the document signed inside the crypto device with the seal key (§8.2.4 b), and every use is
// logged with object, seal name, operator and time (§8.2.4 b 3).
//
//   requested ──approve──▶ approved ──sign──▶ signed   (the result can be fetched once)
//       │ └──refuse──▶ refused
//       └──(not reviewed within SealUseConfig::review_ttl)──▶ expired
//
// Permissions per seal (§8.1.2: "用章用户管理、权限管理"): a business admin or operator of the seal
// subsystem (seal.user.manage on the seal's node) grants a seal user or business system "use", and a
// seal reviewer "review", on one seal code. Role and scope come from auth::AuthService::authorize;
// the per-seal permission is checked on top (seal.use_denied without it):
//   request  seal.use.request  (seal_user, business_system) + "use"
//   review   seal.use.review   (seal_reviewer) + "review", never the requester (auth.same_person)
//   sign     seal.sign         the requester only, still holding "use"
// A request by a business system is signed at once when it is approved (the system then fetches
// the result); a seal user signs it themselves (§8.2.4 b 1: "由申请人...进行签章").
//
// Decisions carry the reviewer's SM2 signature (auth::AuthConfig::sm2_id, the key of the reviewer's
// registered certificate) over auth::decision_text("approve" | "reject", request id,
// hex(use_payload_hash(request))); it is verified with AuthService::verify_decision, kept with the
// request, and verified again before the seal key is used.
//
// The seal must be valid at request, review and sign: state "valid" and now within
// [valid_from, valid_to] (seal.not_valid naming its state otherwise). Each state change is one store
// transaction followed by one audit record; refused calls are audited too.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
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
#include "yinxin/seal/ofd_sign.h"
#include "yinxin/sealsys/central_seal.h"
#include "yinxin/sealsys/use_store.h"

namespace yinxin::sealsys {

// The seal registry's lookup (the seal making system): seal.not_found for an unknown code.
using SealLookup = std::function<Result<CentralSeal>(std::string_view seal_code)>;

// seal.not_valid unless the seal's state is "valid" and `now` lies within its validity period.
Status check_seal_usable(const CentralSeal& seal, TimePoint now);

// Who calls: a staff id (auth::StaffRecord::id) and the network source for the audit log.
struct UseCaller {
    std::string id;
    std::string source = "local";
};

struct SealUseConfig {
    // §8.2.3: a request nobody reviewed within this time expires (expire_overdue()).
    std::chrono::seconds review_ttl = std::chrono::hours(72);
    std::size_t max_document_bytes = std::size_t{16} << 20;
    // PIN of the seal keys' private-key access right in the device.
    std::string key_pin;
    // OFD Signature.xml Provider.
    std::string provider_name = "Yinxin";
    std::string provider_version;
};

struct NewUseRequest {
    std::string seal_code;
    std::string document_name;  // the object's name (§8.2.2 电子印章应用对象), e.g. "劳动合同-2026-001.ofd"
    Bytes document;
    // Absent: ofd when the name ends in ".ofd" (any case), file otherwise.
    std::optional<DocumentKind> kind;
    std::string purpose;
    // OFD only: where the seal picture goes; absent: an invisible signature.
    std::optional<seal::OfdStamp> stamp;
};

// The signed result, handed out once.
struct SignedDocument {
    UseRequest request;
    Bytes content;             // the signed OFD, or the detached SES_Signature of a file
    std::string file_name;     // "<name>" for OFD, "<name>.ses" for a detached signature
    std::string content_type;  // "application/ofd" or "application/octet-stream"
};

struct UseListQuery {
    std::string seal_code;  // empty: every seal the caller may see
    std::optional<UseState> state;
    std::string after_id;
    std::size_t limit = 100;  // 1..k_max_use_page
};

struct UseLogQuery {
    std::string seal_code;  // empty: every seal the caller may see
    std::optional<TimePoint> from;
    std::optional<TimePoint> to;
    std::int64_t after_seq = 0;
    std::size_t limit = 100;  // 1..k_max_use_page
};

class SealUseService {
public:
    // `device` holds the seal keys (CentralSeal::device_key_label); it must be unlocked. Everything
    // referenced must outlive the service.
    SealUseService(SealUseStore& store, SealLookup lookup, device::Device& device, auth::AuthService& auth,
                   audit::AuditLog& audit, const Clock& clock, Rng& rng, SealUseConfig config = {});

    const SealUseConfig& config() const noexcept { return m_config; }

    // --- seal users and permissions (seal.user.manage on the seal's node) ---
    // "use" for a seal_user or business_system, "review" for a seal_reviewer (seal.application_invalid
    // for any other role); the member must be active and their node must cover the seal's node (so
    // the permission can ever be used: seal.use.request and seal.use.review are scoped).
    // seal.duplicate when the member holds it already.
    Result<SealGrant> grant(const UseCaller& who, std::string_view seal_code, std::string_view staff_id,
                            SealPermission permission);
    // seal.not_found when the member does not hold it.
    Result<SealGrant> withdraw(const UseCaller& who, std::string_view seal_code, std::string_view staff_id,
                               SealPermission permission);
    // seal.user.manage or seal.application.read on the seal's node.
    Result<std::vector<SealGrant>> grants(const UseCaller& who, std::string_view seal_code);

    // --- the use workflow ---
    // seal.application_invalid for a bad name, purpose, empty or oversize document, a stamp on a
    // plain file, or an OFD the signer would refuse (unreadable package, no such page, empty stamp).
    Result<UseRequest> request(const UseCaller& who, const NewUseRequest& in);
    Result<UseRequest> approve(const UseCaller& who, std::string_view id, BytesView signature);
    // `reason` 1..512 bytes.
    Result<UseRequest> refuse(const UseCaller& who, std::string_view id, std::string_view reason, BytesView signature);
    // approved → signed, once (seal.illegal_state afterwards).
    Result<UseRequest> sign(const UseCaller& who, std::string_view id);
    // The requester takes the signed result, once (seal.illegal_state afterwards).
    Result<SignedDocument> fetch(const UseCaller& who, std::string_view id);
    // requested → expired for every request past its review deadline, each in its own transaction
    // with an audit record (actor "system"). Returns how many expired. request(), get() and list()
    // run it first (at most every 30 seconds), so nobody sees an overdue request as still open and
    // no background job is needed; a scheduler may call it too.
    Result<std::size_t> expire_overdue();

    // --- reading (the requester, a reviewer holding "review" on the seal, or seal.application.read
    // on the request's node) ---
    Result<UseRequest> get(const UseCaller& who, std::string_view id);
    // The exact text whose SM3 a decision signs (use_payload()).
    Result<std::string> payload(const UseCaller& who, std::string_view id);
    // The document as submitted (what the reviewer checks).
    Result<Bytes> original(const UseCaller& who, std::string_view id);
    // Seal users and business systems see their own requests, reviewers those of the seals they
    // review, others (seal.application.read) their subtree's.
    Result<std::vector<UseRequest>> list(const UseCaller& who, const UseListQuery& query);
    // §8.2.4 b 3: the use log, per seal and period: seal.application.read on the seal's node (or the
    // caller's subtree without a seal), or audit.read (auditors, audit admins) for every seal.
    Result<std::vector<UseLogEntry>> use_log(const UseCaller& who, const UseLogQuery& query);

private:
    struct Note {
        std::string role;
        std::string target;
        std::string detail;
    };
    template <class T, class F>
    Result<T> audited(const UseCaller& who, std::string_view action, Note& note, F&& body);
    Result<auth::StaffRecord> authorize(const UseCaller& who, auth::Action action, std::string_view node, Note& note);
    Status require_permission(std::string_view staff_id, std::string_view seal_code, SealPermission permission);
    Result<CentralSeal> usable_seal(std::string_view seal_code);
    Result<UseRequest> load(std::string_view id);
    Status check_read(const UseCaller& who, const UseRequest& r);
    Result<UseRequest> decide(const UseCaller& who, std::string_view id, bool approve, std::string_view reason,
                              BytesView signature);
    // The device signing of an approved request by `operator_id` (the requester, or the business
    // system when its request is approved): one transaction for the state, the result and the log.
    Result<UseRequest> sign_approved(const UseCaller& who, std::string_view id, Note& note);
    // The seal key's sign callback and the signer certificate of the seal matching it.
    struct SealKey {
        seal::SignCallback sign;
        Bytes certificate;
    };
    Result<SealKey> seal_key(const CentralSeal& seal);
    Status audit_device_event(const device::DeviceEvent& e);
    // expire_overdue() when the last sweep is 30 seconds old; its failures are in the audit log.
    void sweep();

    SealUseStore& m_store;
    SealLookup m_lookup;
    device::Device& m_device;
    auth::AuthService& m_auth;
    audit::AuditLog& m_audit;
    const Clock& m_clock;
    Rng& m_rng;
    SealUseConfig m_config;
    std::mutex m_rng_mu;   // Rng implementations are not required to be thread-safe
    std::mutex m_sign_mu;  // one device signing at a time; a racing second sign loses the CAS anyway
    std::mutex m_sweep_mu;
    std::optional<TimePoint> m_last_sweep;
};

}  // namespace yinxin::sealsys
