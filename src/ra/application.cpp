#include "yinxin/ra/application.h"

#include <array>
#include <cctype>
#include <chrono>
#include <string>

#include "yinxin/ra/notify.h"

namespace yinxin::ra {

namespace {

template <class E, std::size_t N>
std::optional<E> from_name(const std::array<std::string_view, N>& names, std::string_view name) {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == name) return static_cast<E>(i);
    return std::nullopt;
}

constexpr std::array<std::string_view, 4> k_subject_kinds{"person", "organisation", "device", "carrier"};
constexpr std::array<std::string_view, 8> k_request_kinds{
    "issue", "renewal", "change", "revocation", "suspension", "unsuspension", "key_recovery", "judicial_recovery"};
constexpr std::array<std::string_view, 6> k_states{"submitted", "approved",  "reviewed",
                                                   "completed", "delivered", "rejected"};
constexpr std::array<std::string_view, 4> k_delivery{"mail", "courier", "collection", "online"};

using S = FieldSyntax;
// 表 A.1 人员证书业务申请表
constexpr std::array<FieldSpec, 10> k_person{{
    {"name", "姓名", true, S::text},
    {"gender", "性别", false, S::gender},
    {"id_number", "身份证号", true, S::id_number},
    {"province_city", "所在省份/城市", true, S::text},
    {"address", "通信地址", false, S::text},
    {"postcode", "邮政编码", false, S::postcode},
    {"email", "电子邮件", false, S::email},
    {"phone", "联系电话", true, S::phone},
    {"unit_department", "所属单位及部门", true, S::text},
    {"position", "职务", false, S::text},
}};
// 表 A.2 机构证书业务申请表
constexpr std::array<FieldSpec, 9> k_organisation{{
    {"org_name", "机构名称", true, S::text},
    {"province_city", "所在省份/城市", true, S::text},
    {"address", "通信地址", false, S::text},
    {"postcode", "邮政编码", false, S::postcode},
    {"org_code", "组织机构代码/统一社会信用代码", true, S::org_code},
    {"contact_name", "联系人姓名", true, S::text},
    {"contact_position", "联系人职务", false, S::text},
    {"email", "电子邮件", false, S::email},
    {"phone", "联系电话", true, S::phone},
}};
// 表 A.3 设备证书业务申请表
constexpr std::array<FieldSpec, 13> k_device{{
    {"device_name", "设备名称", true, S::text},
    {"location", "放置地址", false, S::text},
    {"purpose", "设备用途", true, S::text},
    {"province_city", "所在省份/城市", true, S::text},
    {"unit_department", "所属单位/部门", true, S::text},
    {"mac", "MAC 地址", false, S::mac},
    {"ip", "IP 地址", false, S::ip},
    {"contact_name", "联系人姓名", true, S::text},
    {"contact_position", "联系人职务", false, S::text},
    {"email", "电子邮件", false, S::email},
    {"phone", "联系电话", true, S::phone},
    {"address", "通信地址", false, S::text},
    {"postcode", "邮政编码", false, S::postcode},
}};

// 表 A.4 证书载体解锁申请表 (also the key-recovery form of §6.4.5)
constexpr std::array<FieldSpec, 11> k_carrier{{
    {"name", "姓名", true, S::text},
    {"gender", "性别", false, S::gender},
    {"id_number", "身份证号", true, S::id_number},
    {"province_city", "所在省份/城市", true, S::text},
    {"address", "通信地址", false, S::text},
    {"postcode", "邮政编码", false, S::postcode},
    {"email", "电子邮件", false, S::email},
    {"phone", "联系电话", true, S::phone},
    {"unit_department", "所属单位及部门", true, S::text},
    {"position", "职务", false, S::text},
    {"carrier_no", "证书载体编号", true, S::carrier},
}};

bool all_digits(std::string_view s) noexcept {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

// Mobile (11 digits starting 1) or a fixed line with an area code: digits, '-' and a leading '+'.
bool valid_phone(std::string_view s) noexcept {
    std::size_t digits = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c >= '0' && c <= '9') {
            ++digits;
        } else if (!(c == '-' || (c == '+' && i == 0))) {
            return false;
        }
    }
    return digits >= 7 && digits <= 15;
}

bool valid_mac(std::string_view s) noexcept {
    if (s.size() != 17) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i % 3 == 2) {
            if (s[i] != ':' && s[i] != '-') return false;
        } else if (std::isxdigit(static_cast<unsigned char>(s[i])) == 0) {
            return false;
        }
    }
    return true;
}

bool valid_ipv4(std::string_view s) noexcept {
    int parts = 0;
    std::size_t i = 0;
    while (i <= s.size()) {
        const auto dot = s.find('.', i);
        const std::string_view part = s.substr(i, dot == std::string_view::npos ? std::string_view::npos : dot - i);
        if (part.empty() || part.size() > 3 || !all_digits(part) || (part.size() > 1 && part[0] == '0')) return false;
        if (std::stoi(std::string(part)) > 255) return false;
        ++parts;
        if (dot == std::string_view::npos) break;
        i = dot + 1;
    }
    return parts == 4;
}

bool valid_ipv6(std::string_view s) noexcept {
    if (s.size() < 2 || s.size() > 39 || s.find(':') == std::string_view::npos) return false;
    for (char c : s)
        if (std::isxdigit(static_cast<unsigned char>(c)) == 0 && c != ':') return false;
    return s.find(":::") == std::string_view::npos;
}

// GB 11714: 8 characters of [0-9A-Z] and a check character (digit or X); written with or without '-'.
bool valid_org_code(std::string_view s) noexcept {
    std::string code;
    for (char c : s)
        if (c != '-') code += c;
    if (code.size() != 9) return false;
    constexpr std::array<int, 8> weights{3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        const char c = code[i];
        int v = 0;
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'A' && c <= 'Z') {
            v = c - 'A' + 10;
        } else {
            return false;
        }
        sum += v * weights[i];
    }
    const int check = 11 - (sum % 11);
    const char expected = check == 10 ? 'X' : static_cast<char>('0' + (check == 11 ? 0 : check));
    return code[8] == expected;
}

Status field_error(const FieldSpec& f, const std::string& what) {
    return make_error(Errc::ra_bad_request,
                      "form field \"" + std::string(f.key) + "\" (" + std::string(f.label_zh) + "): " + what);
}

Status check_syntax(const FieldSpec& f, std::string_view v) {
    switch (f.syntax) {
        case S::text: return ok_status();
        case S::gender:
            if (v == "male" || v == "female" || v == "男" || v == "女") return ok_status();
            return field_error(f, "must be male or female (男/女)");
        case S::id_number:
            if (valid_citizen_id(v)) return ok_status();
            return field_error(f, "not a valid 18-character citizen ID number (GB 11643 check digit)");
        case S::postcode:
            if (v.size() == 6 && all_digits(v)) return ok_status();
            return field_error(f, "must be 6 digits");
        case S::email:
            if (valid_email_address(v)) return ok_status();
            return field_error(f, "not an e-mail address (ASCII addr-spec, RFC 5321)");
        case S::phone:
            if (valid_phone(v)) return ok_status();
            return field_error(f, "not a telephone number");
        case S::org_code:
            if (valid_social_credit_code(v) || valid_org_code(v)) return ok_status();
            return field_error(f,
                               "neither a unified social credit code (GB 32100) nor an organisation code (GB 11714)");
        case S::mac:
            if (valid_mac(v)) return ok_status();
            return field_error(f, "not a MAC address (six hex pairs)");
        case S::ip:
            if (valid_ipv4(v) || valid_ipv6(v)) return ok_status();
            return field_error(f, "not an IPv4 or IPv6 address");
        case S::carrier:
            if (v.size() == 16 && all_digits(v)) return ok_status();
            return field_error(f, "the 16 digits printed on the back of the USB key or card");
    }
    return ok_status();
}

}  // namespace

std::string_view subject_kind_name(SubjectKind k) noexcept { return k_subject_kinds[static_cast<std::size_t>(k)]; }
std::optional<SubjectKind> subject_kind_from_name(std::string_view name) noexcept {
    return from_name<SubjectKind>(k_subject_kinds, name);
}
std::string_view request_kind_name(RequestKind k) noexcept { return k_request_kinds[static_cast<std::size_t>(k)]; }
std::optional<RequestKind> request_kind_from_name(std::string_view name) noexcept {
    return from_name<RequestKind>(k_request_kinds, name);
}
std::string_view request_state_name(RequestState s) noexcept { return k_states[static_cast<std::size_t>(s)]; }
std::optional<RequestState> request_state_from_name(std::string_view name) noexcept {
    return from_name<RequestState>(k_states, name);
}
std::string_view delivery_method_name(DeliveryMethod m) noexcept { return k_delivery[static_cast<std::size_t>(m)]; }
std::optional<DeliveryMethod> delivery_method_from_name(std::string_view name) noexcept {
    return from_name<DeliveryMethod>(k_delivery, name);
}

std::span<const FieldSpec> form_fields(SubjectKind kind) noexcept {
    switch (kind) {
        case SubjectKind::person: return k_person;
        case SubjectKind::organisation: return k_organisation;
        case SubjectKind::device: return k_device;
        case SubjectKind::carrier: return k_carrier;
    }
    return {};
}

std::string_view ApplicationForm::get(std::string_view key) const {
    auto it = fields.find(key);
    return it == fields.end() ? std::string_view{} : std::string_view(it->second);
}

bool valid_citizen_id(std::string_view id) noexcept {
    if (id.size() != 18 || !all_digits(id.substr(0, 17))) return false;
    constexpr std::array<int, 17> weights{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    constexpr std::string_view checks = "10X98765432";
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) sum += (id[i] - '0') * weights[i];
    const char last = id[17] == 'x' ? 'X' : id[17];
    if (last != checks[static_cast<std::size_t>(sum % 11)]) return false;
    // Positions 7-14: the birth date YYYYMMDD, a real calendar day.
    auto num = [id](std::size_t at, std::size_t n) {
        unsigned v = 0;
        for (std::size_t i = at; i < at + n; ++i) v = v * 10 + static_cast<unsigned>(id[i] - '0');
        return v;
    };
    const std::chrono::year_month_day birth{std::chrono::year(static_cast<int>(num(6, 4))),
                                            std::chrono::month(num(10, 2)), std::chrono::day(num(12, 2))};
    return birth.ok() && birth.year() >= std::chrono::year(1900);
}

bool valid_social_credit_code(std::string_view code) noexcept {
    // GB 32100-2015: the alphabet leaves out I, O, Z, S and V.
    constexpr std::string_view alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    constexpr std::array<int, 17> weights{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    if (code.size() != 18) return false;
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) {
        const auto v = alphabet.find(code[i]);
        if (v == std::string_view::npos) return false;
        sum += static_cast<int>(v) * weights[i];
    }
    const int check = (31 - (sum % 31)) % 31;
    return code[17] == alphabet[static_cast<std::size_t>(check)];
}

Status validate_form(const ApplicationForm& form) {
    const auto specs = form_fields(form.kind);
    for (const auto& [key, value] : form.fields) {
        bool known = false;
        for (const auto& f : specs) known = known || f.key == key;
        if (!known)
            return make_error(Errc::ra_bad_request, "form field \"" + key + "\" is not on the " +
                                                        std::string(subject_kind_name(form.kind)) + " form");
        if (value.size() > 256) return make_error(Errc::ra_bad_request, "form field \"" + key + "\" is too long");
    }
    for (const auto& f : specs) {
        const std::string_view v = form.get(f.key);
        if (v.empty()) {
            if (f.required) return field_error(f, "required");
            continue;
        }
        YX_TRY(check_syntax(f, v));
    }
    return ok_status();
}

std::string_view default_profile(SubjectKind kind) noexcept {
    switch (kind) {
        case SubjectKind::person: return "personnel-sign";
        case SubjectKind::organisation: return "organisation-sign";
        case SubjectKind::device: return "device-sign";
        case SubjectKind::carrier: return "personnel-sign";
    }
    return "personnel-sign";
}

SubjectData subject_data(const ApplicationForm& form) {
    SubjectData d;
    d.subject.emplace_back("C", "CN");
    if (auto region = form.get("province_city"); !region.empty()) d.subject.emplace_back("ST", std::string(region));
    switch (form.kind) {
        case SubjectKind::person:
        case SubjectKind::carrier:
            d.subject.emplace_back("O", std::string(form.get("unit_department")));
            d.subject.emplace_back("CN", std::string(form.get("name")));
            d.identities.emplace_back("identify_code", std::string(form.get("id_number")));
            break;
        case SubjectKind::organisation: {
            d.subject.emplace_back("O", std::string(form.get("org_name")));
            d.subject.emplace_back("CN", std::string(form.get("org_name")));
            const std::string code(form.get("org_code"));
            d.identities.emplace_back(
                valid_social_credit_code(code) ? "unified_social_credit_code" : "organization_code", code);
            break;
        }
        case SubjectKind::device:
            d.subject.emplace_back("O", std::string(form.get("unit_department")));
            d.subject.emplace_back("CN", std::string(form.get("device_name")));
            break;
    }
    if (form.kind != SubjectKind::device) {
        if (auto email = form.get("email"); !email.empty()) d.san_emails.emplace_back(email);
    }
    return d;
}

}  // namespace yinxin::ra
