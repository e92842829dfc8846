// Roles, actions and the least-privilege role × action matrix (issue 4 "Staff and roles").
//
// LD/T 03-2022 §5.4 names six staff roles: a) super admin (策略设置, sets up the business admin of
// each subsystem), b) audit admin (manages and supervises auditors), c) auditor, d) business admin
// (manages one subsystem and sets up its business operators), e) business operator, f) security
// admin. §8.3.6 d adds the system maintainer (系统维护人员) when it lists who may not be a custodian.
// External principals (not staff of the CA) come from the CPS digests: the applicant / holder, the
// 主管部门 approver of an applying unit, the card issuer (social-security card batches) and business
// systems (signed sync, centralized seal use).
//
// The matrix is ONE table of data (k_action_table in roles.cpp): every action row lists the roles
// allowed to perform it, the subsystem it belongs to (business admins and operators act only in
// their own subsystem), whether the object must lie in the actor's organisation subtree, and the
// roles of the second staff member who must approve it (two-person rule). docs/roles.md shows the
// same table; a test parses the document and compares.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace yinxin::auth {

enum class Role : std::uint8_t {
    super_admin,        // §5.4 a 超级管理员
    audit_admin,        // §5.4 b 审计管理员
    auditor,            // §5.4 c 审计员
    business_admin,     // §5.4 d 业务管理员 (one subsystem)
    business_operator,  // §5.4 e 业务操作员 (one subsystem)
    security_admin,     // §5.4 f 安全管理员
    system_maintainer,  // §8.3.6 d 4) 系统维护人员
    applicant,          // applicant / certificate holder (申请者、持有者)
    approver,           // 主管部门 approver of the applying unit
    card_issuer,        // social-security card issuer submitting card batches
    business_system,    // an application system (sync, centralized seal use), authenticated by certificate
    seal_reviewer,      // 电子印章审核员 of a seal-using unit (LD/T 01.1-2022 §8.2.3): approves seal use
    seal_user,          // 用章人 of a seal-using unit: requests seal use, signs after approval (§8.2.4 b)
};

inline constexpr std::size_t k_role_count = 13;
inline constexpr std::array<Role, k_role_count> k_all_roles{
    Role::super_admin,     Role::audit_admin,       Role::auditor,   Role::business_admin, Role::business_operator,
    Role::security_admin,  Role::system_maintainer, Role::applicant, Role::approver,       Role::card_issuer,
    Role::business_system, Role::seal_reviewer,     Role::seal_user,
};

// Stable snake_case name ("business_operator"), used in the store, the audit log and docs.
std::string_view role_name(Role r) noexcept;
std::optional<Role> role_from_name(std::string_view name) noexcept;
// The seven roles held by the CA's own staff (§5.4 and the system maintainer); the rest are
// external principals.
bool is_staff_role(Role r) noexcept;
// LD/T 03-2022 §8.3.6 d: super admin, business admin, business operator and system maintainer may
// not be custodians (分管者) of a device master key.
bool role_excludes_custodian(Role r) noexcept;
// Staff, business systems and seal reviewers (who sign their decisions, LD/T 01.1-2022 §8.2.3) log
// in with a password AND a registered certificate.
bool needs_login_certificate(Role r) noexcept;

// A set of roles as a bit mask (bit i = Role i).
class RoleSet {
public:
    constexpr RoleSet() = default;
    constexpr RoleSet(std::initializer_list<Role> roles) {
        for (Role r : roles) m_bits |= bit(r);
    }
    static constexpr RoleSet from_bits(std::uint32_t bits) {
        RoleSet s;
        s.m_bits = bits & ((1U << k_role_count) - 1U);
        return s;
    }
    constexpr bool contains(Role r) const { return (m_bits & bit(r)) != 0; }
    constexpr bool empty() const { return m_bits == 0; }
    constexpr std::uint32_t bits() const { return m_bits; }
    friend constexpr bool operator==(RoleSet a, RoleSet b) { return a.m_bits == b.m_bits; }
    // "security_admin,super_admin" in k_all_roles order; "" when empty.
    std::string to_string() const;

private:
    static constexpr std::uint32_t bit(Role r) { return 1U << static_cast<unsigned>(r); }
    std::uint32_t m_bits = 0;
};

// Subsystems a business admin or operator belongs to (§5.4 d: "某个子系统"). Actions of a
// subsystem are open only to business admins/operators of that subsystem. The seal system is three
// systems with their own administrators (LD/T 01.1-2022 §9.4 分权管理): seal making (`seal`), seal
// status publishing with registration and sync (`seal_status`), and centralized seal use (`seal_use`).
// An audit admin or auditor may also belong to one subsystem: it then reads only that subsystem's
// audit records (§9.4 独立的审计管理员).
enum class Subsystem : std::uint8_t { none, ra, ca, kmc, seal, status, seal_status, seal_use };
inline constexpr std::array<Subsystem, 7> k_all_subsystems{
    Subsystem::ra,     Subsystem::ca,          Subsystem::kmc,     Subsystem::seal,
    Subsystem::status, Subsystem::seal_status, Subsystem::seal_use};
std::string_view subsystem_name(Subsystem s) noexcept;  // "" for none
std::optional<Subsystem> subsystem_from_name(std::string_view name) noexcept;
// The subsystem an audit record belongs to, from its dotted action ("seal.use.approve" → seal_use,
// "sealsys.sync.push" → seal_status, "ra.submit" → ra); none for records of the whole system (staff,
// login, device, audit itself), which only audit staff without a subsystem read.
Subsystem audit_action_subsystem(std::string_view audit_action) noexcept;

// Everything a principal can ask Yinxin to do (issues 3–9). Names are stable and dotted.
enum class Action : std::uint16_t {
    // staff and organisation (issue 4)
    staff_create,
    staff_deactivate,
    staff_role_assign,
    staff_password_reset,
    staff_unlock,
    staff_read,
    staff_custodian_designate,
    org_create,
    org_read,
    org_quota_topup,
    org_quota_consume,
    config_read,
    config_change,
    audit_read,
    audit_verify,
    audit_checkpoint,
    system_backup,
    system_maintain,
    // registration (issue 5)
    ra_application_submit,
    ra_application_review,
    ra_application_approve,
    ra_application_reject,
    ra_application_read,
    ra_revocation_request,
    ra_revocation_approve,
    ra_suspend,
    ra_unsuspend,
    ra_keyrecovery_request,
    ra_card_batch_submit,
    ra_statistics_read,
    // CA core and status (issues 3, 6)
    ca_issue,
    ca_revoke,
    ca_ceremony,
    ca_profile_manage,
    ca_certificate_read,
    status_crl_issue,
    status_sync_pull,
    device_init,
    device_unlock,
    device_lock,
    device_reshare,
    // seals (issues 7, 8)
    seal_application_approve,
    seal_make,
    seal_sign,
    seal_revoke,
    seal_system_register,
    // key management centre (issue 9)
    kmc_recover,
    kmc_judicial_recover,
    // electronic seal system services (issue 8, LD/T 01.1-2022 §7-§9)
    seal_application_submit,
    seal_application_read,
    seal_lifecycle_request,
    seal_user_manage,
    seal_use_request,
    seal_use_review,
    seal_status_sync,
};

struct ActionInfo {
    Action action;
    std::string_view name;  // "ra.application.approve"
    Subsystem subsystem;    // none: no subsystem restriction
    bool scoped;            // the object must lie in the actor's organisation subtree
    RoleSet allowed;        // who may perform (or, with approvers non-empty, request) it
    RoleSet approvers;      // non-empty: a DIFFERENT staff member in one of these roles must approve
    std::string_view description;
};

// The matrix, one row per Action, in enum order.
std::span<const ActionInfo> action_table() noexcept;
const ActionInfo& action_info(Action a) noexcept;
std::string_view action_name(Action a) noexcept;
std::optional<Action> action_from_name(std::string_view name) noexcept;

// Pure matrix lookup (no subsystem, scope or status check: see AuthService::authorize).
bool role_allows(Role r, Action a) noexcept;
// Whether a business admin/operator of `s` (or another role, whose subsystem is none) may take
// an action of the action's subsystem.
bool subsystem_allows(Role r, Subsystem staff_subsystem, Action a) noexcept;

// Who manages whom (§5.4): the super admin sets up business admins (per subsystem), the security
// admin, the audit admin and system maintainers; the audit admin manages auditors; a business
// admin sets up the business operators of its subsystem and the external principals of its
// subtree; an RA business operator registers applicants. Nobody creates a super admin (the first
// one is bootstrapped).
bool may_manage(Role manager, Role managed) noexcept;

// The markdown table of docs/roles.md (header, separator, one row per action).
std::string render_role_matrix_markdown();

}  // namespace yinxin::auth
