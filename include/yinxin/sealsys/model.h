// The records of the electronic seal system (LD/T 01.1-2022 §7): seal applications (申领, §7.5),
// seals, lifecycle requests (变更 §7.6, 挂失 §7.7, 注销 §7.8, 续期 §7.9, 更换 §7.10) and the published
// seal status (§6, §8.3), with the checks of their fields and the canonical bytes that signed
// decisions cover.
//
// Application:  submitted → approved (signed, seal.application.approve) → made (seal.make) → delivered
//               submitted → rejected (signed)
// Seal:         pending (code reserved, certificate and SES_Seal being made) → valid → lost | cancelled
//               (expired is not stored: it is computed from the validity period)
// Lifecycle:    submitted → approved (signed) → completed (its effect done) ; submitted → rejected (signed)
//               An online self-service renewal (§7.9 note) is completed at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ra/application.h"

namespace yinxin::sealsys {

// Who asks, and from where (the audit record's actor and source).
using Caller = ra::Caller;

inline constexpr std::size_t k_max_page = 1000;
// Limits on external input: a seal picture is a scanned impression (§7.5 a), a material a scan.
inline constexpr std::size_t k_max_picture_bytes = std::size_t{1} << 20;
inline constexpr std::size_t k_max_material_bytes = std::size_t{8} << 20;
inline constexpr std::size_t k_max_materials = 16;

// §7.5: 单位类型 (国家行政机关或事业单位).
enum class UnitType : std::uint8_t { administrative_organ, public_institution };
// §7.5 last paragraph: a seal is kept on a USBKey (the holder's token) or as an encrypted seal
// package on the server for centralized signing.
enum class Delivery : std::uint8_t { token, central };
// §7.4: a seal used only inside the industry gets an industry code; a cross-industry seal gets
// the national platform's code and is filed (备案) there.
enum class CodeScope : std::uint8_t { industry, cross_industry };
enum class ApplicationState : std::uint8_t { submitted, approved, rejected, made, delivered };
enum class SealState : std::uint8_t { pending, valid, lost, cancelled };
// What the status publishing system says of a seal.
enum class SealStatus : std::uint8_t { valid, lost, cancelled, expired };
enum class LifecycleKind : std::uint8_t { change, loss, cancel, renew, replace };
enum class RequestState : std::uint8_t { submitted, approved, rejected, completed };
// Tables 1-6.
enum class MaterialKind : std::uint8_t {
    application_letter,  // 加盖公章的电子印章申请文件 (Table 1)
    reason_statement,  // 加盖单位公章的变更/丢失/注销/更换原因说明书, 续期申请书 (Tables 2-6)
    handler_id,        // 经办人身份证
    handler_contact,   // 经办人联系方式
    establishment_document,  // 成立该单位的有关文件、批文、编办文件或证照
};

// Stable snake_case names (store, JSON, audit) and their inverses.
std::string_view unit_type_name(UnitType v) noexcept;
std::optional<UnitType> unit_type_from_name(std::string_view s) noexcept;
std::string_view delivery_name(Delivery v) noexcept;
std::optional<Delivery> delivery_from_name(std::string_view s) noexcept;
std::string_view code_scope_name(CodeScope v) noexcept;
std::optional<CodeScope> code_scope_from_name(std::string_view s) noexcept;
std::string_view application_state_name(ApplicationState v) noexcept;
std::optional<ApplicationState> application_state_from_name(std::string_view s) noexcept;
std::string_view seal_state_name(SealState v) noexcept;
std::optional<SealState> seal_state_from_name(std::string_view s) noexcept;
std::string_view seal_status_name(SealStatus v) noexcept;
std::optional<SealStatus> seal_status_from_name(std::string_view s) noexcept;
std::string_view lifecycle_kind_name(LifecycleKind v) noexcept;
std::optional<LifecycleKind> lifecycle_kind_from_name(std::string_view s) noexcept;
std::string_view request_state_name(RequestState v) noexcept;
std::optional<RequestState> request_state_from_name(std::string_view s) noexcept;
std::string_view material_kind_name(MaterialKind v) noexcept;
std::optional<MaterialKind> material_kind_from_name(std::string_view s) noexcept;

// The materials a request of each kind must carry (Tables 1-6). An application: the application
// letter, the handler's ID card, contact and the establishment document; change, loss,
// cancellation and replacement: the reason statement and the same three; renewal: the renewal
// application, the ID card and contact.
std::vector<MaterialKind> required_application_materials();
std::vector<MaterialKind> required_lifecycle_materials(LifecycleKind kind);

// An uploaded file: kept in the store with its SM3.
struct Material {
    MaterialKind kind = MaterialKind::application_letter;
    std::string name;  // file name as given (1..128 bytes)
    Bytes content;     // 1 .. k_max_material_bytes
};
// What a record keeps of a material (the content is fetched separately).
struct MaterialInfo {
    MaterialKind kind = MaterialKind::application_letter;
    std::string name;
    Bytes sm3;  // SM3 of the content
    std::size_t size = 0;
};
MaterialInfo material_info(const Material& m);

// The fields of §7.5 (电子印章申请信息).
struct SealForm {
    std::string credit_code;    // 单位统一社会信用代码 (GB 32100, 18 characters)
    std::string division_code;  // 单位行政区划码 (GB/T 2260, 6 digits)
    UnitType unit_type = UnitType::administrative_organ;
    std::string unit_name;                // 单位名称
    std::string handler_name;             // 经办人姓名
    std::string handler_id_number;        // 经办人公民身份号码 (GB 11643)
    std::string handler_mobile;           // 经办人手机号码 (11 digits, 1[3-9]…)
    std::string unit_address;             // 单位地址
    std::string approving_unit_name;      // 审批单位名称
    std::string approving_division_code;  // 审批单位行政区划码
    std::string seal_name;                // 电子印章名称
    // GB/T 38540 SES_ESPropertyInfo.type: business-defined (1 unit seal, 4 contract seal, ...).
    std::int64_t seal_type = 1;
    std::string picture_type = "PNG";  // 电子印章印文图像: PNG, JPG or GIF (checked against the data)
    Bytes picture;
    std::int64_t width_mm = 40;  // 1:1 print size (§7.5 c)
    std::int64_t height_mm = 40;
};

// 6 digits of a GB/T 2260 code: a province prefix that exists (11-15, 21-23, 31-37, 41-46, 50-54,
// 61-65, 71, 81, 82).
bool valid_division_code(std::string_view code) noexcept;
// A mainland mobile number: 11 digits, 1 then 3-9.
bool valid_mobile(std::string_view mobile) noexcept;
// seal.application_invalid naming the first bad field.
Status validate_form(const SealForm& form);
// seal.application_invalid unless every required kind is present, each material is named, not
// empty and within the limits, and at most k_max_materials are given.
Status validate_materials(const std::vector<Material>& materials, const std::vector<MaterialKind>& required);

struct SealApplication {
    std::string id;  // "sa-" + 16 lower-case hex digits
    std::string org_node;
    SealForm form;
    CodeScope scope = CodeScope::industry;
    Delivery delivery = Delivery::token;
    Bytes csr;                        // token: the PKCS#10 of the key in the handler's token (DER)
    std::uint32_t validity_days = 0;  // shorter than the seal profile's; 0: the profile's
    std::vector<MaterialInfo> materials;
    ApplicationState state = ApplicationState::submitted;
    std::string submitted_by;
    TimePoint submitted_at{};
    std::string approved_by;
    std::optional<TimePoint> approved_at;
    std::string approval_signature;  // verify_decision's note and the SM2 signature (base64)
    std::string rejected_by;
    std::optional<TimePoint> rejected_at;
    std::string reject_reason;
    std::string reject_signature;
    std::string made_by;
    std::optional<TimePoint> made_at;
    std::string seal_code;
    std::string delivered_by;
    std::optional<TimePoint> delivered_at;
    std::string received_by;
    // A replacement seal made by a change request (§7.6 d): the request and the old seal.
    std::string origin_request;
    std::string replaces;
};

struct SealRecord {
    std::string seal_code;  // 6-digit division code + 8-digit sequence (industry code)
    std::string application_id;
    std::string org_node;
    std::string credit_code;
    std::string division_code;
    std::string unit_name;
    std::string seal_name;
    std::int64_t seal_type = 1;
    Delivery delivery = Delivery::token;
    CodeScope scope = CodeScope::industry;
    SealState state = SealState::pending;
    std::string ca_id;
    std::string serial_hex;  // the current seal certificate
    Bytes certificate_der;
    Bytes ses_seal_der;
    std::string device_key_label;  // central seals: the SM2 key in the device
    TimePoint valid_from{};
    TimePoint valid_to{};
    std::int64_t generation = 0;  // +1 for each new certificate (renewal, replacement)
    std::string made_by;
    TimePoint made_at{};
    TimePoint changed_at{};  // last status change
    std::string state_reason;
    std::string replaces;     // the seal a change replaced
    std::string replaced_by;  // the seal a change made in its place
    std::string filing_ref;   // 备案 reference (national platform or local)

    // valid, lost, cancelled, or expired when valid but past valid_to (or before valid_from).
    SealStatus status_at(TimePoint now) const;
};

struct LifecycleRequest {
    std::string id;  // "sl-" + 16 lower-case hex digits
    LifecycleKind kind = LifecycleKind::cancel;
    std::string seal_code;
    std::string org_node;
    RequestState state = RequestState::submitted;
    std::string reason;
    std::vector<MaterialInfo> materials;
    std::optional<SealForm> new_form;  // change: the new seal's data
    Bytes csr;                         // change/replace (token): the new key; renew (token): optional
    std::uint32_t validity_days = 0;
    bool online = false;  // §7.9 note: self-service renewal signed with the seal key
    std::string submitted_by;
    TimePoint submitted_at{};
    std::string approved_by;
    std::optional<TimePoint> approved_at;
    std::string approval_signature;
    std::string rejected_by;
    std::optional<TimePoint> rejected_at;
    std::string reject_reason;
    std::string reject_signature;
    std::string completed_by;
    std::optional<TimePoint> completed_at;
    std::string result;  // change: the new seal code / application; renew, replace: the new serial
};

// The published status of one seal (§8.3.1 c: checked online by verifiers).
struct SealStatusInfo {
    std::string seal_code;
    SealStatus status = SealStatus::valid;
    TimePoint changed_at{};  // the last status change (expiry: valid_to)
    TimePoint valid_from{};
    TimePoint valid_to{};
    std::string unit_name;
    std::string seal_name;
    std::string reason;
};

// The canonical bytes a decision on an application covers: the id, node, scope, delivery,
// validity, SM3 of the CSR, every form field (SM3 of the picture) and the materials' kinds, names
// and SM3s, as JSON with sorted keys. Its SM3 is the payload hash of auth::decision_text.
std::string application_payload(const SealApplication& a);
Bytes application_payload_hash(const SealApplication& a);
// The same for a lifecycle request: id, kind, seal, node, reason, validity, SM3 of the CSR, the
// new form (change) and the materials.
std::string lifecycle_payload(const LifecycleRequest& r);
Bytes lifecycle_payload_hash(const LifecycleRequest& r);

// §7.9 note (online renewal): what the seal user signs with the seal's current key (SM2, default
// ID), binding the seal, its current certificate and the validity asked for:
//   "yinxin-seal-renewal/1\n" <seal code> "\n" <current certificate serial, lower hex> "\n" <days> "\n"
std::string online_renewal_text(std::string_view seal_code, std::string_view serial_hex, std::uint32_t validity_days);

}  // namespace yinxin::sealsys
