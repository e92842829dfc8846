// Registration requests of LD/T 03-2022 §6.4 as persisted state machines: the records, the forms
// of appendix A (表 A.1 人员, A.2 机构, A.3 设备) and the narrow store the workflow is given
// (STYLE.md 4; the SQLite implementation is store::SqliteRaStore).
//
// One record type carries every request that goes through the §6.4 approval chain, because the
// standard gives them the same chain (figures 1, 3 and 4): the applicant fills in the form, the
// 主管部门 (the applicant's supervising unit) approves and stamps it, the 数字证书管理部门
// (certificate management department, an RA business operator) reviews and signs it, then the RA
// asks the CA to act. What the CA does depends on the kind:
//
//   kind          after review                         §
//   issue         issue a certificate for the PKCS#10   6.4.1
//   renewal       issue a new certificate, same data   6.4.2 (online self-service: no 主管部门 step)
//   change        issue a new certificate, new data    6.4.3 ("按照证书更新流程执行")
//   revocation    revoke the named certificate         6.4.4
//   suspension    put it on hold (certificateHold)     SDCA CPS §4.9.13
//   unsuspension  release the hold                     SDCA CPS §4.9.17
//
// States: submitted → approved (主管部门) → reviewed (证书管理部门) → completed (issued, revoked,
// suspended or released) → delivered (certificates only: mail, courier or collection, with the
// holder's sign-off); rejected with a reason from submitted or approved. Every transition is one
// store transaction guarded by the state it starts from (compare-and-set), and appends a row to the
// request's history with the actor, role and the actor's signed decision.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ra/notify.h"

namespace yinxin::ra {

// 表 A.1 人员 (personnel), A.2 机构 (organisation), A.3 设备 (device), A.4 证书载体解锁申请表 (the
// carrier form, also used for key-recovery requests, §6.4.5).
enum class SubjectKind : std::uint8_t { person, organisation, device, carrier };
std::string_view subject_kind_name(SubjectKind k) noexcept;  // "person", "organisation", "device", "carrier"
std::optional<SubjectKind> subject_kind_from_name(std::string_view name) noexcept;

enum class RequestKind : std::uint8_t {
    issue,
    renewal,
    change,
    revocation,
    suspension,
    unsuspension,
    key_recovery,       // §6.4.5.2: the holder's escrowed encryption key
    judicial_recovery,  // §6.4.5.3: for a judicial officer (entered by an operator)
};
std::string_view request_kind_name(RequestKind k) noexcept;
std::optional<RequestKind> request_kind_from_name(std::string_view name) noexcept;
// key_recovery and judicial_recovery end, after the two approvals, in the KMC's queue (reviewed).
constexpr bool is_key_recovery(RequestKind k) noexcept {
    return k == RequestKind::key_recovery || k == RequestKind::judicial_recovery;
}
// issue, renewal and change end in a new certificate.
constexpr bool issues_certificate(RequestKind k) noexcept {
    return k == RequestKind::issue || k == RequestKind::renewal || k == RequestKind::change;
}

enum class RequestState : std::uint8_t { submitted, approved, reviewed, completed, delivered, rejected };
std::string_view request_state_name(RequestState s) noexcept;
std::optional<RequestState> request_state_from_name(std::string_view name) noexcept;

// §6.4.1: "通过机要邮寄、专人派送或现场领取的方式" (confidential mail, courier, collection); online:
// the holder downloads it (self-service renewal, figure 2 step 5).
enum class DeliveryMethod : std::uint8_t { mail, courier, collection, online };
std::string_view delivery_method_name(DeliveryMethod m) noexcept;
std::optional<DeliveryMethod> delivery_method_from_name(std::string_view name) noexcept;

// One field of a form: its key in the JSON form, the label printed on the paper form, whether it
// is required, and its syntax.
enum class FieldSyntax : std::uint8_t { text, gender, id_number, postcode, email, phone, org_code, mac, ip, carrier };
struct FieldSpec {
    std::string_view key;
    std::string_view label_zh;
    bool required;
    FieldSyntax syntax;
};
std::span<const FieldSpec> form_fields(SubjectKind kind) noexcept;

// The filled-in form: field key → value (UTF-8). Unknown keys are refused.
struct ApplicationForm {
    SubjectKind kind = SubjectKind::person;
    std::map<std::string, std::string, std::less<>> fields;

    std::string_view get(std::string_view key) const;
};

// ra.bad_request naming the field: unknown key, required field missing, or a value that breaks its
// syntax (GB 11643 ID number with its check digit, 6-digit postcode, e-mail, phone, 18-character
// unified social credit code with its GB 32100 check character or 9-character organisation code,
// MAC, IPv4/IPv6), or longer than 256 bytes.
Status validate_form(const ApplicationForm& form);
// GB 11643-1999: 17 digits and the ISO 7064 MOD 11-2 check character (0-9, X or x), with a real
// birth date (YYYYMMDD, from 1900) in positions 7-14.
bool valid_citizen_id(std::string_view id) noexcept;
// GB 32100-2015: 18 characters of the code alphabet with the MOD 31 check character.
bool valid_social_credit_code(std::string_view code) noexcept;

// The certificate profile and subject a form asks for: person → personnel-sign (C, ST, O, OU,
// CN = name, identify_code = ID number, e-mail SAN), organisation → organisation-sign (C, ST, O =
// CN = organisation name, unified social credit code or organisation code), device →
// device-sign (C, ST, O = unit, CN = device name).
std::string_view default_profile(SubjectKind kind) noexcept;
struct SubjectData {
    std::vector<std::pair<std::string, std::string>> subject;
    std::vector<std::pair<std::string, std::string>> identities;
    std::vector<std::string> san_emails;
};
SubjectData subject_data(const ApplicationForm& form);

// Who asks, and from where (the audit record's actor and source: "198.51.100.7:51234", "cli",
// "worker"), for the services that take it (carriers, card batches).
struct Caller {
    std::string id;  // staff id (auth::StaffRecord::id)
    std::string source = "local";
};

// A registration request (see the file comment).
struct RaRequest {
    std::string id;  // "req-" + 16 hex digits
    RequestKind kind = RequestKind::issue;
    RequestState state = RequestState::submitted;
    ApplicationForm form;
    std::string org_node;  // the acceptance point (受理点) or branch the request belongs to
    std::string ca_id;
    std::string profile_id;
    Bytes csr_der;                       // issue, renewal, change: the holder's PKCS#10 (devices: made by the device)
    std::string target;                  // renewal, change, revocation, (un)suspension: "<ca_id>:<serial hex>"
    std::uint8_t revocation_reason = 0;  // RFC 5280 CRLReason for revocation requests
    std::uint32_t validity_days = 0;     // a shorter validity than the profile's, when asked (0: the profile's)
    // Web self-service revocation (iTrus CPS: 挑战语 set at application): SM3(salt ‖ phrase).
    Bytes challenge_salt;
    Bytes challenge_hash;
    bool self_service = false;  // online renewal signed with the old key (no 主管部门 step)
    std::string submitted_by;
    TimePoint submitted_at{};
    // CPS clock (SHECA §4.2, iTrus): a decision within 48 hours of submission.
    TimePoint decision_due{};
    std::string approved_by;
    std::optional<TimePoint> approved_at;
    std::string reviewed_by;
    std::optional<TimePoint> reviewed_at;
    std::string rejected_by;
    std::string reject_reason;
    std::optional<TimePoint> rejected_at;
    // The result: the new certificate ("<ca_id>:<serial hex>") or the status change made.
    std::string result;
    std::optional<TimePoint> completed_at;
    std::optional<DeliveryMethod> delivery;
    std::string delivered_by;
    std::string received_by;  // the holder's (or the 主管部门's) sign-off: who received it
    std::optional<TimePoint> delivered_at;
    std::string carrier_no;    // the carrier (USB key / card) the certificate went onto, if any
    std::int64_t version = 0;  // incremented by every transition (compare-and-set)
    // 双证书 (LD/T 03-2022 §6.3 a): the PKCS#10 key gets the signing certificate, a key pair made
    // and escrowed by the KMC the encryption certificate of the paired "-encrypt" profile.
    bool dual = false;
};

// The encryption half of a dual request, written step by step so that a crash anywhere resumes
// without a second escrowed key or certificate: the serial (= the KMC's userCertNo) and the signed
// CARequest are kept BEFORE the KMC is asked (a repeated task gets the KMC's stored answer), the
// certificate is found again by its issuer request id "<request id>/encrypt".
struct DualKeyRecord {
    std::string request_id;
    std::string sign_result;  // "<ca_id>:<serial hex>" of the signing certificate
    Bytes encryption_serial;
    Bytes kmc_request;         // the signed GM/T 0014 CARequest (applyKeyReq)
    std::string enc_result;    // "<ca_id>:<serial hex>" of the encryption certificate, once issued
    Bytes csr_response;        // GM/T 0092 CSRResponse: both certificates + the SM2EnvelopedKey
    bool kmc_revoked = false;  // the KMC has marked the escrowed key revoked
};

// One step of a request's history.
struct RequestEvent {
    std::int64_t seq = 0;
    std::string request_id;
    TimePoint at{};
    std::string actor;
    std::string role;
    std::string action;  // "submit", "approve", "review", "complete", "deliver", "reject"
    RequestState from = RequestState::submitted;
    RequestState to = RequestState::submitted;
    std::string signature;  // the verified decision record (who signed what, with which certificate)
    std::string detail;
};

struct RequestFilter {
    std::vector<std::string> org_nodes;  // empty: any node
    std::optional<RequestState> state;
    std::optional<RequestKind> kind;
    std::string submitted_by;                      // non-empty: only this submitter's
    std::optional<TimePoint> decision_due_before;  // overdue: open requests due before this
    std::size_t limit = 100;                       // 1..1000
    std::string after_id;                          // keyset paging by id
};

// A certificate whose validity ends soon (§6.4.2: "证书过期前两个月内，系统应提示用户进行证书更新").
struct ExpiringCertificate {
    std::string ca_id;
    std::string serial_hex;
    std::string subject_dn;
    std::string profile_id;
    TimePoint not_after{};
    std::string request_id;  // the request that issued it ("" when not issued through the RA)
    std::string email;       // from that request's form
    std::string org_node;
};

// Counts for decision support (iTrus CPS 决策支持; LD/T 03 §9.3).
struct StatisticsRow {
    std::string org_node;
    std::string profile_id;
    std::string region;  // the form's 所在省份/城市
    std::string status;  // valid, revoked, suspended, expired
    std::string period;  // "YYYY-MM" of issuance
    std::int64_t count = 0;
};

class RaStore {
public:
    virtual ~RaStore() = default;
    // ra.duplicate when the id exists.
    virtual Status insert_request(const RaRequest& request, const RequestEvent& event,
                                  std::span<const NewNotification> notes) = 0;
    virtual Result<std::optional<RaRequest>> find_request(std::string_view id) = 0;
    // Notifications (`notes`) are written to the outbox in the same transaction as the change.
    // Writes `request` (whose version the caller has incremented) only while the stored version is
    // `expected_version`; ra.conflict otherwise. Appends `event` and the notifications in the same
    // transaction.
    virtual Status update_request(const RaRequest& request, std::int64_t expected_version, const RequestEvent& event,
                                  std::span<const NewNotification> notes) = 0;
    virtual Result<std::vector<RaRequest>> list_requests(const RequestFilter& filter) = 0;
    virtual Result<std::vector<RequestEvent>> history(std::string_view request_id) = 0;
    // The issued certificate ("<ca_id>:<serial hex>") whose issuer request_id is this request, if any.
    virtual Result<std::optional<std::string>> certificate_for_request(std::string_view request_id) = 0;
    // The request whose result is this certificate ("<ca_id>:<serial hex>"), if any.
    virtual Result<std::optional<RaRequest>> request_for_certificate(std::string_view certificate_ref) = 0;
    // Issued, unrevoked certificates with now <= not_after < until, soonest first.
    virtual Result<std::vector<ExpiringCertificate>> expiring(TimePoint now, TimePoint until, std::size_t limit) = 0;
    // Certificates on hold whose validity has ended by `now` ("<ca_id>:<serial hex>").
    virtual Result<std::vector<std::string>> expired_holds(TimePoint now, std::size_t limit) = 0;
    // Certificates issued through the RA from `from` to `to`, grouped (see StatisticsRow), of the
    // given nodes (every node when empty).
    virtual Result<std::vector<StatisticsRow>> statistics(TimePoint from, TimePoint to, TimePoint now,
                                                          std::span<const std::string> org_nodes) = 0;
    // Adds notifications outside a transition (expiry reminders), de-duplicated by dedup_key.
    virtual Result<std::size_t> add_notifications(std::span<const NewNotification> notes) = 0;
    // Dual certificates: the record of a request, or of the request whose signing or encryption
    // certificate is `certificate_ref`; save_dual_key inserts or replaces it.
    virtual Result<std::optional<DualKeyRecord>> dual_key(std::string_view request_id) = 0;
    virtual Result<std::optional<DualKeyRecord>> dual_key_for_certificate(std::string_view certificate_ref) = 0;
    virtual Status save_dual_key(const DualKeyRecord& record) = 0;
};

}  // namespace yinxin::ra
