// Certificate carriers (证书载体: USB keys and cards) and the carrier PIN-unlock request
// (证书载体解锁申请, LD/T 03-2022 §6.4.1 g, §6.6, 表 A.4).
//
// Inventory. Every carrier is known by the 16-digit number printed on its back (表 A.4 用户须知 1).
// Stock is imported from the vendor's delivery file by an RA business operator into an
// organisation node, then moves in_stock → assigned (§6.4.1 g: "为用户分配证书载体", to one issued
// certificate and its holder) → retired (lost, damaged or returned; §6.6.1). Each carrier arrives
// with its unblock code (SO PIN / PUK). The code is never stored in clear: it is SM2-encrypted
// (GM/T 0009 SM2Cipher) to the public key of a key pair made for this purpose inside the crypto
// device, so only the device can open it (LD/T 03-2022 §8.3.6 a 1).
//
// Unlock request (§6.4.1 last paragraph: a holder whose carrier locked itself after wrong PINs
// reports to the certificate management body). The form A.4 is submitted by the holder (applicant)
// or entered by an RA business operator, then
//   submitted → approved  by the 主管部门 (approver role; "主管部门(盖章)")
//             → reviewed  by the 数字证书管理部门 (RA business operator, not the one who entered it:
//                         auth::check_maker_checker)
//             → released  the unblock code is shown ONCE to an authorised RA business operator;
//                         the release is recorded in the transaction that hands it out, and a second
//                         release is ra.code_released
//   submitted | approved → rejected (with a reason) at either step.
// Decisions (approve, review, reject) carry the deciding member's SM2 signature over
// auth::decision_text("approve" | "reject", request id, hex(unlock_payload_hash(request))); the
// verified signature note goes into the audit record.
//
// Authorisation (auth::AuthService; no new actions): inventory changes (import, assign, retire) and
// the review and release are RA business-operator work, checked as Action::ra_application_review on
// the carrier's or request's node; reading as ra_application_read (staff roles only for the
// inventory); submitting as ra_application_submit; the 主管部门 decision as ra_application_approve /
// ra_application_reject by an approver; the review-step rejection as ra_application_reject by a
// business operator other than the one who entered the form. Every state-changing call writes one
// audit record, failed ones included (LD/T 03-2022 §8.3.8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/base/secure.h"
#include "yinxin/ca/store.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/device/device.h"
#include "yinxin/ra/application.h"

namespace yinxin::ra {

// 表 A.4 用户须知 1: "证书载体编号" is the 16-digit number printed on the back of the USB key.
inline constexpr std::size_t k_carrier_no_len = 16;
// Label of the device key pair the unblock codes are encrypted to.
inline constexpr std::string_view k_code_key_label = "ra-carrier-codes";
// Largest import file (lines after the header) accepted in one transaction.
inline constexpr std::size_t k_max_import_lines = 100'000;
inline constexpr std::size_t k_max_page = 1000;

enum class CarrierKind : std::uint8_t { usb_key, card };
enum class CarrierState : std::uint8_t { in_stock, assigned, retired };
enum class RetireReason : std::uint8_t { lost, damaged, returned };
// "usb_key" / "card", "in_stock" / "assigned" / "retired", "lost" / "damaged" / "returned".
std::string_view carrier_kind_name(CarrierKind k) noexcept;
std::optional<CarrierKind> carrier_kind_from_name(std::string_view name) noexcept;
std::string_view carrier_state_name(CarrierState s) noexcept;
std::optional<CarrierState> carrier_state_from_name(std::string_view name) noexcept;
std::string_view retire_reason_name(RetireReason r) noexcept;
std::optional<RetireReason> retire_reason_from_name(std::string_view name) noexcept;

// Exactly 16 ASCII digits.
bool valid_carrier_no(std::string_view no) noexcept;

// Who a carrier is assigned to: the holder of the certificate written onto it.
struct CarrierHolder {
    std::string name;       // required
    std::string id_number;  // citizen ID (GB 11643); empty for device or organisation certificates
    // The organisation node the holder's application belongs to; empty: the carrier's stock node.
    // Unlock requests for the carrier are scoped to this node.
    std::string org_node;
};

struct Carrier {
    std::string carrier_no;
    CarrierKind kind = CarrierKind::usb_key;
    std::string model;
    std::string vendor;
    std::string delivery_batch;
    std::string org_node;  // the node whose stock it is
    CarrierState state = CarrierState::in_stock;
    // SM2Cipher (ASN.1) of unblock_code_plaintext(carrier_no, code) under the code key. Never the code.
    Bytes code_ciphertext;
    std::string imported_by;
    TimePoint imported_at{};
    // assigned (kept after retirement)
    std::string ca_id;
    std::string serial_hex;  // lower-case hex of the certificate serial
    CarrierHolder holder;
    std::string assigned_by;
    std::optional<TimePoint> assigned_at;
    // retired
    std::optional<RetireReason> retire_reason;
    std::string retire_note;
    std::string retired_by;
    std::optional<TimePoint> retired_at;

    // The node unlock requests of this carrier belong to.
    const std::string& holder_node() const { return holder.org_node.empty() ? org_node : holder.org_node; }
};

// What is encrypted for each carrier: binding the number means a ciphertext copied onto another
// carrier's row does not decrypt as that carrier's code.
//   "yinxin-carrier-code/1\n" <carrier_no> "\n" <code>
std::string unblock_code_plaintext(std::string_view carrier_no, std::string_view code);

enum class Gender : std::uint8_t { male, female };
std::string_view gender_name(Gender g) noexcept;  // "male" / "female"
std::optional<Gender> gender_from_name(std::string_view name) noexcept;

// 表 A.4 证书载体解锁申请表, 申请人信息.
struct UnlockForm {
    std::string name;              // 姓名
    Gender gender = Gender::male;  // 性别
    std::string id_number;         // 身份证号 (GB 11643, 18 characters)
    std::string province_city;     // 所在省份/城市
    std::string address;           // 通信地址
    std::string postcode;          // 邮政编码 (6 digits)
    std::string email;             // 电子邮件 (optional)
    std::string phone;             // 联系电话
    std::string unit;              // 所属单位及部门
    std::string position;          // 职务 (optional)
    std::string carrier_no;        // 证书载体编号 (16 digits)
};

// ra.bad_request naming the first bad field.
Status validate_unlock_form(const UnlockForm& form);

enum class UnlockState : std::uint8_t { submitted, approved, reviewed, released, rejected };
std::string_view unlock_state_name(UnlockState s) noexcept;
std::optional<UnlockState> unlock_state_from_name(std::string_view name) noexcept;

struct UnlockRequest {
    std::string id;  // "ul-" + 16 lower-case hex digits
    UnlockForm form;
    std::string org_node;  // the carrier's holder node at submission
    UnlockState state = UnlockState::submitted;
    std::string entered_by;  // the holder, or the operator who entered the form (the maker)
    TimePoint entered_at{};
    std::string approved_by;  // 主管部门
    std::optional<TimePoint> approved_at;
    std::string approval_signature;  // verify_decision's note and the SM2 signature (base64)
    std::string reviewed_by;         // 数字证书管理部门
    std::optional<TimePoint> reviewed_at;
    std::string review_signature;
    std::string rejected_by;
    std::optional<TimePoint> rejected_at;
    std::string reject_reason;
    std::string reject_signature;
    std::string released_by;
    std::optional<TimePoint> released_at;
};

// The bytes a decision is about: the request id and every form field, as a JSON object with sorted
// keys (nlohmann::json::dump()): {"address":..,"carrier_no":..,"email":..,"gender":..,"id":..,
// "id_number":..,"name":..,"phone":..,"position":..,"postcode":..,"province_city":..,"unit":..}.
std::string unlock_payload(const UnlockRequest& r);
// SM3 of unlock_payload(r): the payload hash of auth::decision_text.
Bytes unlock_payload_hash(const UnlockRequest& r);

struct CarrierFilter {
    std::vector<std::string> org_nodes;  // only carriers stocked at these nodes; empty: none match
    std::optional<CarrierState> state;
    std::string after_carrier_no;  // keyset paging: numbers greater than this
    std::size_t limit = 100;       // 1..k_max_page
};

struct UnlockFilter {
    std::vector<std::string> org_nodes;  // empty: none match
    std::optional<UnlockState> state;
    std::string entered_by;  // non-empty: only this maker's requests
    std::string after_id;
    std::size_t limit = 100;
};

// The narrow store the carrier service needs (STYLE.md 4); store/ implements it
// (yinxin/store/sqlite_carrier_store.h). Each call is one transaction.
class CarrierStore {
public:
    virtual ~CarrierStore() = default;
    // All or nothing. ra.duplicate naming the first carrier number that exists already.
    virtual Status insert_carriers(std::span<const Carrier> carriers) = 0;
    virtual Result<std::optional<Carrier>> find_carrier(std::string_view carrier_no) = 0;
    virtual Result<std::vector<Carrier>> list_carriers(const CarrierFilter& filter) = 0;
    // Replaces the row when its state is still `expected` (compare-and-set); ra.conflict otherwise,
    // ra.not_found when there is no such carrier.
    virtual Status update_carrier(const Carrier& carrier, CarrierState expected) = 0;
    // ra.duplicate when the id exists or the carrier has another open (submitted, approved or
    // reviewed) request.
    virtual Status insert_unlock_request(const UnlockRequest& request) = 0;
    virtual Result<std::optional<UnlockRequest>> find_unlock_request(std::string_view id) = 0;
    virtual Result<std::vector<UnlockRequest>> list_unlock_requests(const UnlockFilter& filter) = 0;
    // Compare-and-set on the state as update_carrier.
    virtual Status update_unlock_request(const UnlockRequest& request, UnlockState expected) = 0;

protected:
    CarrierStore() = default;
    CarrierStore(const CarrierStore&) = default;
    CarrierStore& operator=(const CarrierStore&) = default;
};

// The device key pair the unblock codes are encrypted to. Import needs only the public key;
// release needs `device` with the private-key access right already granted for `index`.
struct CodeKey {
    device::Device* device = nullptr;
    device::KeyIndex index = 0;
    Bytes public_key;  // SubjectPublicKeyInfo DER (SM2)
};

// Finds the SM2 key labelled `label` in an unlocked device (generating it, with `pin`, when absent)
// and takes its private-key access right. Both device events go to `audit` (actor "system").
Result<CodeKey> open_code_key(device::Device& device, std::string_view pin, audit::AuditLog& audit,
                              std::string_view label = k_code_key_label);

struct ImportResult {
    std::size_t imported = 0;
    std::string delivery_batches;  // distinct batch names, comma-separated
};

// The unblock code handed out by a release. Treat as secret: show once, never log.
struct ReleasedCode {
    UnlockRequest request;
    SecretBytes code;
};

class CarrierService {
public:
    // `certificates` (optional): when set, assign() checks that the certificate exists and is issued.
    CarrierService(CarrierStore& store, auth::AuthService& auth, audit::AuditLog& audit, CodeKey code_key,
                   const Clock& clock, Rng& rng, ca::CertificateReader* certificates = nullptr);

    // --- inventory ---
    // Imports a delivery file into `org_node`'s stock in ONE transaction. CSV (RFC 4180, UTF-8),
    // header line naming the columns in any order:
    //   carrier_no,kind,model,vendor,batch,unblock_code
    // carrier_no 16 digits; kind usb_key|card; model, vendor, batch non-empty (≤ 128 bytes);
    // unblock_code 4..64 printable ASCII characters without spaces. A bad line refuses the whole
    // file with ra.bad_request naming the line; a number seen twice or already known is ra.duplicate.
    Result<ImportResult> import_csv(const Caller& who, std::string_view org_node, std::string_view csv);
    // §6.4.1 g: the issuance step gives the certificate's carrier to its holder. Only an in_stock
    // carrier of the actor's subtree (ra.carrier_unavailable otherwise, also for unknown numbers).
    Result<Carrier> assign(const Caller& who, std::string_view carrier_no, std::string_view ca_id,
                           std::string_view serial_hex, const CarrierHolder& holder);
    // §6.6.1: a lost, damaged or returned carrier leaves service (in_stock or assigned → retired).
    Result<Carrier> retire(const Caller& who, std::string_view carrier_no, RetireReason reason, std::string_view note);
    // Staff of the carrier's subtree (ra.not_found when unknown, auth.* when not allowed).
    Result<Carrier> get(const Caller& who, std::string_view carrier_no);
    // Carriers stocked in the actor's subtree, by number.
    Result<std::vector<Carrier>> list(const Caller& who, std::optional<CarrierState> state,
                                      std::string_view after_carrier_no = {}, std::size_t limit = 100);

    // --- unlock requests (表 A.4) ---
    // The carrier must be assigned and the form's name (and ID number, when the holder has one)
    // the holder's; an applicant may only submit for their own carrier (their registered ID number).
    Result<UnlockRequest> submit_unlock(const Caller& who, const UnlockForm& form);
    // 主管部门 (approver role): submitted → approved.
    Result<UnlockRequest> approve_unlock(const Caller& who, std::string_view id, BytesView signature);
    // 数字证书管理部门 (RA business operator, not the maker): approved → reviewed.
    Result<UnlockRequest> review_unlock(const Caller& who, std::string_view id, BytesView signature);
    // submitted (approver) or approved (business operator, not the maker) → rejected.
    Result<UnlockRequest> reject_unlock(const Caller& who, std::string_view id, std::string_view reason,
                                        BytesView signature);
    // reviewed → released, once: decrypts the code in the device, then records the release (CAS on
    // the state) and returns the code only when that commit succeeded. ra.code_released afterwards.
    Result<ReleasedCode> release_code(const Caller& who, std::string_view id);
    // Staff of the request's subtree; applicants and approvers only requests of their node, and
    // applicants only the ones they entered.
    Result<UnlockRequest> get_unlock(const Caller& who, std::string_view id);
    Result<std::vector<UnlockRequest>> list_unlock(const Caller& who, std::optional<UnlockState> state,
                                                   std::string_view after_id = {}, std::size_t limit = 100);

private:
    // What the audit record of a call says besides time, source, actor and result.
    struct Note {
        std::string role;
        std::string target;
        std::string detail;
    };
    // Runs `body` and writes one audit record for it, failed or not. An action whose record cannot
    // be written is reported as failed.
    template <class T, class F>
    Result<T> audited(const Caller& who, std::string_view action, Note& note, F&& body);
    Status write_audit(const Caller& who, std::string_view action, const Note& note, const Error* error);
    // AuthService::authorize (or authorize_checker when `maker` is set); notes the role.
    Result<auth::StaffRecord> authorize(const Caller& who, auth::Action action, std::string_view node, Note& note,
                                        std::string_view maker = {});
    Result<std::vector<std::string>> subtree_nodes(const auth::StaffRecord& actor);
    Result<UnlockRequest> load_request(std::string_view id);
    // verify_decision over the request's payload; its note plus the signature (base64), for the
    // request record and the audit log.
    Result<std::string> signed_decision(const Caller& who, std::string_view decision, const UnlockRequest& r,
                                        BytesView signature);

    CarrierStore& m_store;
    auth::AuthService& m_auth;
    audit::AuditLog& m_audit;
    CodeKey m_code_key;
    const Clock& m_clock;
    Rng& m_rng;
    ca::CertificateReader* m_certificates;
    std::mutex m_rng_mu;  // Rng implementations are not required to be thread-safe
};

}  // namespace yinxin::ra
