#include "yinxin/sealsys/model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "yinxin/crypto/sm3.h"

namespace yinxin::sealsys {
namespace {

constexpr std::array<std::string_view, 2> k_unit_types{"administrative_organ", "public_institution"};
constexpr std::array<std::string_view, 2> k_deliveries{"token", "central"};
constexpr std::array<std::string_view, 2> k_scopes{"industry", "cross_industry"};
constexpr std::array<std::string_view, 5> k_app_states{"submitted", "approved", "rejected", "made", "delivered"};
constexpr std::array<std::string_view, 4> k_seal_states{"pending", "valid", "lost", "cancelled"};
constexpr std::array<std::string_view, 4> k_statuses{"valid", "lost", "cancelled", "expired"};
constexpr std::array<std::string_view, 5> k_kinds{"change", "loss", "cancel", "renew", "replace"};
constexpr std::array<std::string_view, 4> k_request_states{"submitted", "approved", "rejected", "completed"};
constexpr std::array<std::string_view, 5> k_materials{"application_letter", "reason_statement", "handler_id",
                                                      "handler_contact", "establishment_document"};

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, E v) noexcept {
    const auto i = static_cast<std::size_t>(v);
    return i < N ? names[i] : names[0];
}
template <class E, std::size_t N>
std::optional<E> from_name(const std::array<std::string_view, N>& names, std::string_view s) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == s) return static_cast<E>(i);
    return std::nullopt;
}

Error invalid(std::string message) { return make_error(Errc::seal_application_invalid, std::move(message)); }

bool all_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Non-empty, at most `max` bytes, valid-looking UTF-8 text without control characters.
bool valid_text(std::string_view s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    return std::none_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

bool starts_with(BytesView data, std::initializer_list<std::uint8_t> magic) {
    if (data.size() < magic.size()) return false;
    return std::equal(magic.begin(), magic.end(), data.begin());
}

// The picture's bytes must be what its type says (a scanned impression, §7.5 a).
bool picture_matches(std::string_view type, BytesView data) {
    if (type == "PNG") return starts_with(data, {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a});
    if (type == "JPG") return starts_with(data, {0xff, 0xd8, 0xff});
    if (type == "GIF")
        return starts_with(data, {'G', 'I', 'F', '8', '7', 'a'}) || starts_with(data, {'G', 'I', 'F', '8', '9', 'a'});
    return false;
}

std::string sm3_hex(BytesView data) {
    const crypto::Sm3Digest d = crypto::sm3(data);
    return hex_encode(d);
}

nlohmann::json form_json(const SealForm& f) {
    return nlohmann::json{{"credit_code", f.credit_code},
                          {"division_code", f.division_code},
                          {"unit_type", unit_type_name(f.unit_type)},
                          {"unit_name", f.unit_name},
                          {"handler_name", f.handler_name},
                          {"handler_id_number", f.handler_id_number},
                          {"handler_mobile", f.handler_mobile},
                          {"unit_address", f.unit_address},
                          {"approving_unit_name", f.approving_unit_name},
                          {"approving_division_code", f.approving_division_code},
                          {"seal_name", f.seal_name},
                          {"seal_type", f.seal_type},
                          {"picture_type", f.picture_type},
                          {"picture_sm3", sm3_hex(f.picture)},
                          {"width_mm", f.width_mm},
                          {"height_mm", f.height_mm}};
}

nlohmann::json materials_json(const std::vector<MaterialInfo>& materials) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : materials)
        out.push_back({{"kind", material_kind_name(m.kind)}, {"name", m.name}, {"sm3", hex_encode(m.sm3)}});
    return out;
}

Bytes sm3_bytes(std::string_view text) {
    const crypto::Sm3Digest d = crypto::sm3(as_bytes(text));
    return {d.begin(), d.end()};
}

}  // namespace

std::string_view unit_type_name(UnitType v) noexcept { return name_of(k_unit_types, v); }
std::optional<UnitType> unit_type_from_name(std::string_view s) noexcept {
    return from_name<UnitType>(k_unit_types, s);
}
std::string_view delivery_name(Delivery v) noexcept { return name_of(k_deliveries, v); }
std::optional<Delivery> delivery_from_name(std::string_view s) noexcept { return from_name<Delivery>(k_deliveries, s); }
std::string_view code_scope_name(CodeScope v) noexcept { return name_of(k_scopes, v); }
std::optional<CodeScope> code_scope_from_name(std::string_view s) noexcept { return from_name<CodeScope>(k_scopes, s); }
std::string_view application_state_name(ApplicationState v) noexcept { return name_of(k_app_states, v); }
std::optional<ApplicationState> application_state_from_name(std::string_view s) noexcept {
    return from_name<ApplicationState>(k_app_states, s);
}
std::string_view seal_state_name(SealState v) noexcept { return name_of(k_seal_states, v); }
std::optional<SealState> seal_state_from_name(std::string_view s) noexcept {
    return from_name<SealState>(k_seal_states, s);
}
std::string_view seal_status_name(SealStatus v) noexcept { return name_of(k_statuses, v); }
std::optional<SealStatus> seal_status_from_name(std::string_view s) noexcept {
    return from_name<SealStatus>(k_statuses, s);
}
std::string_view lifecycle_kind_name(LifecycleKind v) noexcept { return name_of(k_kinds, v); }
std::optional<LifecycleKind> lifecycle_kind_from_name(std::string_view s) noexcept {
    return from_name<LifecycleKind>(k_kinds, s);
}
std::string_view request_state_name(RequestState v) noexcept { return name_of(k_request_states, v); }
std::optional<RequestState> request_state_from_name(std::string_view s) noexcept {
    return from_name<RequestState>(k_request_states, s);
}
std::string_view material_kind_name(MaterialKind v) noexcept { return name_of(k_materials, v); }
std::optional<MaterialKind> material_kind_from_name(std::string_view s) noexcept {
    return from_name<MaterialKind>(k_materials, s);
}

std::vector<MaterialKind> required_application_materials() {
    return {MaterialKind::application_letter, MaterialKind::handler_id, MaterialKind::handler_contact,
            MaterialKind::establishment_document};
}

std::vector<MaterialKind> required_lifecycle_materials(LifecycleKind kind) {
    // Table 5 (renewal) asks for no establishment document.
    if (kind == LifecycleKind::renew)
        return {MaterialKind::reason_statement, MaterialKind::handler_id, MaterialKind::handler_contact};
    return {MaterialKind::reason_statement, MaterialKind::handler_id, MaterialKind::handler_contact,
            MaterialKind::establishment_document};
}

MaterialInfo material_info(const Material& m) {
    MaterialInfo i;
    i.kind = m.kind;
    i.name = m.name;
    const crypto::Sm3Digest d = crypto::sm3(m.content);
    i.sm3.assign(d.begin(), d.end());
    i.size = m.content.size();
    return i;
}

bool valid_division_code(std::string_view code) noexcept {
    if (code.size() != 6 || !all_digits(code)) return false;
    const int province = (code[0] - '0') * 10 + (code[1] - '0');
    // GB/T 2260 province-level codes.
    static constexpr std::array<int, 34> k_provinces{11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                                     35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                                     53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
    return std::find(k_provinces.begin(), k_provinces.end(), province) != k_provinces.end();
}

bool valid_mobile(std::string_view mobile) noexcept {
    return mobile.size() == 11 && all_digits(mobile) && mobile[0] == '1' && mobile[1] >= '3';
}

Status validate_form(const SealForm& f) {
    if (!ra::valid_social_credit_code(f.credit_code))
        return invalid("credit_code (统一社会信用代码) must be 18 characters with a valid GB 32100 check character");
    if (!valid_division_code(f.division_code))
        return invalid("division_code (单位行政区划码) must be a 6-digit GB/T 2260 code");
    if (!valid_text(f.unit_name, 128)) return invalid("unit_name (单位名称) is required, at most 128 bytes");
    if (!valid_text(f.handler_name, 64)) return invalid("handler_name (经办人姓名) is required, at most 64 bytes");
    if (!ra::valid_citizen_id(f.handler_id_number))
        return invalid(
            "handler_id_number (经办人公民身份号码) must be an 18-character GB 11643 number with a valid "
            "check digit");
    if (!valid_mobile(f.handler_mobile))
        return invalid("handler_mobile (经办人手机号码) must be an 11-digit mobile number");
    if (!valid_text(f.unit_address, 256)) return invalid("unit_address (单位地址) is required, at most 256 bytes");
    if (!valid_text(f.approving_unit_name, 128))
        return invalid("approving_unit_name (审批单位名称) is required, at most 128 bytes");
    if (!valid_division_code(f.approving_division_code))
        return invalid("approving_division_code (审批单位行政区划码) must be a 6-digit GB/T 2260 code");
    if (!valid_text(f.seal_name, 64)) return invalid("seal_name (电子印章名称) is required, at most 64 bytes");
    if (f.seal_type < 1 || f.seal_type > 9999) return invalid("seal_type must be 1..9999");
    if (f.picture_type != "PNG" && f.picture_type != "JPG" && f.picture_type != "GIF")
        return invalid("picture_type must be PNG, JPG or GIF");
    if (f.picture.empty() || f.picture.size() > k_max_picture_bytes)
        return invalid("picture (电子印章印文图像) is required, at most 1 MiB");
    if (!picture_matches(f.picture_type, f.picture)) return invalid("picture is not a " + f.picture_type + " image");
    if (f.width_mm < 5 || f.width_mm > 200 || f.height_mm < 5 || f.height_mm > 200)
        return invalid("width_mm and height_mm (1:1 print size) must be 5..200");
    return ok_status();
}

Status validate_materials(const std::vector<Material>& materials, const std::vector<MaterialKind>& required) {
    if (materials.size() > k_max_materials)
        return invalid("at most " + std::to_string(k_max_materials) + " materials per request");
    std::set<MaterialKind> have;
    for (const Material& m : materials) {
        if (!valid_text(m.name, 128))
            return invalid("material " + std::string(material_kind_name(m.kind)) +
                           ": a file name is required, at most 128 bytes");
        if (m.content.empty() || m.content.size() > k_max_material_bytes)
            return invalid("material " + m.name + " must be 1 byte .. 8 MiB");
        have.insert(m.kind);
    }
    for (MaterialKind k : required)
        if (have.count(k) == 0)
            return invalid("material " + std::string(material_kind_name(k)) +
                           " is missing (LD/T 01.1-2022 Tables 1-6)");
    return ok_status();
}

SealStatus SealRecord::status_at(TimePoint now) const {
    switch (state) {
        case SealState::lost: return SealStatus::lost;
        case SealState::cancelled: return SealStatus::cancelled;
        case SealState::pending:
        case SealState::valid: break;
    }
    if (now < valid_from || now > valid_to) return SealStatus::expired;
    return SealStatus::valid;
}

std::string application_payload(const SealApplication& a) {
    nlohmann::json j{{"id", a.id},
                     {"org_node", a.org_node},
                     {"scope", code_scope_name(a.scope)},
                     {"delivery", delivery_name(a.delivery)},
                     {"validity_days", a.validity_days},
                     {"csr_sm3", a.csr.empty() ? std::string() : sm3_hex(a.csr)},
                     {"form", form_json(a.form)},
                     {"materials", materials_json(a.materials)},
                     {"origin_request", a.origin_request},
                     {"replaces", a.replaces}};
    return j.dump();
}

Bytes application_payload_hash(const SealApplication& a) { return sm3_bytes(application_payload(a)); }

std::string lifecycle_payload(const LifecycleRequest& r) {
    nlohmann::json j{{"id", r.id},
                     {"kind", lifecycle_kind_name(r.kind)},
                     {"seal_code", r.seal_code},
                     {"org_node", r.org_node},
                     {"reason", r.reason},
                     {"validity_days", r.validity_days},
                     {"csr_sm3", r.csr.empty() ? std::string() : sm3_hex(r.csr)},
                     {"new_form", r.new_form ? form_json(*r.new_form) : nlohmann::json(nullptr)},
                     {"materials", materials_json(r.materials)}};
    return j.dump();
}

Bytes lifecycle_payload_hash(const LifecycleRequest& r) { return sm3_bytes(lifecycle_payload(r)); }

std::string online_renewal_text(std::string_view seal_code, std::string_view serial_hex, std::uint32_t validity_days) {
    std::string s = "yinxin-seal-renewal/1\n";
    s.append(seal_code).append("\n").append(serial_hex).append("\n").append(std::to_string(validity_days)).append("\n");
    return s;
}

}  // namespace yinxin::sealsys
