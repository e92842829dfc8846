#include "yinxin/auth/roles.h"

#include <utility>

namespace yinxin::auth {

namespace {

constexpr Role sa = Role::super_admin;
constexpr Role aa = Role::audit_admin;
constexpr Role au = Role::auditor;
constexpr Role ba = Role::business_admin;
constexpr Role bo = Role::business_operator;
constexpr Role sec = Role::security_admin;
constexpr Role sm = Role::system_maintainer;
constexpr Role app = Role::applicant;
constexpr Role apv = Role::approver;
constexpr Role ci = Role::card_issuer;
constexpr Role bs = Role::business_system;
constexpr Role srv = Role::seal_reviewer;
constexpr Role su = Role::seal_user;

using S = Subsystem;

// THE role × action matrix. Least privilege: each row lists only the roles whose duty needs it.
// Rows are in Action enum order (checked at compile time below).
// clang-format off
constexpr std::array k_action_table{
    // --- staff and organisation -------------------------------------------------------------
    // §5.4 a/b/d: managers set up the staff they manage; may_manage() narrows to whom.
    ActionInfo{Action::staff_create, "staff.create", S::none, true, {sa, aa, ba, bo}, {},
               "register a staff member or external principal"},
    // §8.3.3 h: on leaving, every permission is removed at once.
    ActionInfo{Action::staff_deactivate, "staff.deactivate", S::none, true, {sa, aa, ba, bo}, {},
               "deactivate a staff member (ends sessions, removes every permission)"},
    ActionInfo{Action::staff_role_assign, "staff.role.assign", S::none, true, {sa, aa, ba}, {},
               "change the role of a managed staff member"},
    ActionInfo{Action::staff_password_reset, "staff.password.reset", S::none, true, {sa, aa, ba}, {},
               "set a new initial password for a managed staff member"},
    ActionInfo{Action::staff_unlock, "staff.unlock", S::none, false, {sec}, {},
               "lift a password lockout"},
    ActionInfo{Action::staff_read, "staff.read", S::none, true, {sa, aa, ba, sec}, {},
               "list staff and their roles"},
    // §8.3.6 d: key security is the security admin's (§5.4 f).
    ActionInfo{Action::staff_custodian_designate, "staff.custodian.designate", S::none, false, {sec}, {},
               "name or remove a custodian (分管者) of a device master key"},
    ActionInfo{Action::org_create, "org.create", S::ra, true, {sa, ba}, {},
               "add an RA branch or acceptance point (受理点)"},
    ActionInfo{Action::org_read, "org.read", S::none, true, {sa, ba, bo, sec}, {},
               "read the organisation tree"},
    ActionInfo{Action::org_quota_topup, "org.quota.topup", S::ra, true, {ba}, {},
               "add prepaid certificates to a sponsored acceptance point"},
    ActionInfo{Action::org_quota_consume, "org.quota.consume", S::ra, true, {bo}, {},
               "use one prepaid certificate of a sponsored acceptance point"},
    ActionInfo{Action::config_read, "config.read", S::none, false, {sa, sec, sm}, {},
               "read the system configuration"},
    // §8.2.1 b: configuration changes need approval and two people present.
    ActionInfo{Action::config_change, "config.change", S::none, false, {sa, sec}, {sa, sec},
               "change the system configuration or security policy"},
    // Issue 4: only auditors and the audit admin read the log.
    ActionInfo{Action::audit_read, "audit.read", S::none, false, {aa, au}, {},
               "read the audit log"},
    ActionInfo{Action::audit_verify, "audit.verify", S::none, false, {aa, au}, {},
               "verify the audit hash chain and checkpoints"},
    ActionInfo{Action::audit_checkpoint, "audit.checkpoint", S::none, false, {aa}, {},
               "sign an audit checkpoint"},
    // §8.2.1 c-e: maintenance by the system maintenance staff.
    ActionInfo{Action::system_backup, "system.backup", S::none, false, {sm}, {},
               "back up the database (§8.2.2)"},
    ActionInfo{Action::system_maintain, "system.maintain", S::none, false, {sm}, {sec},
               "install software or change the servers (§8.2.1 d, e)"},
    // --- registration (issue 5) ---------------------------------------------------------------
    ActionInfo{Action::ra_application_submit, "ra.application.submit", S::ra, true, {bo, app, apv}, {},
               "enter or submit a certificate application"},
    // CPS (iTrus, SDCA): the entry clerk (录入员) and the reviewer (审核员) are different people;
    // enforced per object by check_maker_checker().
    ActionInfo{Action::ra_application_review, "ra.application.review", S::ra, true, {bo}, {},
               "review an entered application"},
    ActionInfo{Action::ra_application_approve, "ra.application.approve", S::ra, true, {bo, apv}, {},
               "approve a reviewed application"},
    ActionInfo{Action::ra_application_reject, "ra.application.reject", S::ra, true, {bo, apv}, {},
               "reject an application"},
    ActionInfo{Action::ra_application_read, "ra.application.read", S::ra, true, {ba, bo, app, apv, ci}, {},
               "read applications of the subtree (applicants: their own)"},
    ActionInfo{Action::ra_revocation_request, "ra.revocation.request", S::ra, true, {bo, app, apv}, {},
               "request revocation of a certificate"},
    ActionInfo{Action::ra_revocation_approve, "ra.revocation.approve", S::ra, true, {bo}, {},
               "approve a revocation request"},
    ActionInfo{Action::ra_suspend, "ra.suspend", S::ra, true, {bo}, {},
               "suspend a certificate"},
    ActionInfo{Action::ra_unsuspend, "ra.unsuspend", S::ra, true, {bo}, {},
               "restore a suspended certificate"},
    ActionInfo{Action::ra_keyrecovery_request, "ra.keyrecovery.request", S::ra, true, {bo, app}, {},
               "request recovery of an escrowed encryption key"},
    ActionInfo{Action::ra_card_batch_submit, "ra.card_batch.submit", S::ra, true, {bo, ci}, {},
               "submit a social-security card batch"},
    ActionInfo{Action::ra_statistics_read, "ra.statistics.read", S::ra, true, {ba}, {},
               "read registration statistics of the subtree"},
    // --- CA core and status (issues 3, 6) ------------------------------------------------------
    ActionInfo{Action::ca_issue, "ca.issue", S::ca, false, {bo}, {},
               "issue a certificate for an approved request"},
    ActionInfo{Action::ca_revoke, "ca.revoke", S::ca, false, {bo}, {},
               "revoke a certificate for an approved request"},
    // §8.3.6 a 5): device operations by more than one person.
    ActionInfo{Action::ca_ceremony, "ca.ceremony", S::ca, false, {ba}, {sec},
               "generate or retire a CA key (key ceremony)"},
    ActionInfo{Action::ca_profile_manage, "ca.profile.manage", S::ca, false, {ba}, {sec},
               "load or change certificate profiles and CA certificates"},
    ActionInfo{Action::ca_certificate_read, "ca.certificate.read", S::none, true, {ba, bo, app, apv, bs}, {},
               "read certificates of the subtree (applicants: their own)"},
    ActionInfo{Action::status_crl_issue, "status.crl.issue", S::ca, false, {ba}, {},
               "issue a CRL now (§8.3.8 b)"},
    ActionInfo{Action::status_sync_pull, "status.sync.pull", S::none, false, {bs}, {},
               "pull signed certificate and status updates"},
    ActionInfo{Action::device_init, "device.init", S::none, false, {sec}, {sa},
               "initialise a crypto device and share its master key (§8.3.6 b)"},
    ActionInfo{Action::device_unlock, "device.unlock", S::none, false, {sec}, {},
               "unlock a device with three custodians present (§8.3.6 b 3)"},
    ActionInfo{Action::device_lock, "device.lock", S::none, false, {sec, sm}, {},
               "lock a device"},
    ActionInfo{Action::device_reshare, "device.reshare", S::none, false, {sec}, {sa},
               "re-share a device master key to new custodians"},
    // --- seals (issues 7, 8) -------------------------------------------------------------------
    ActionInfo{Action::seal_application_approve, "seal.application.approve", S::seal, true, {bo, apv}, {},
               "approve a seal application"},
    ActionInfo{Action::seal_make, "seal.make", S::seal, true, {bo}, {},
               "make an electronic seal"},
    ActionInfo{Action::seal_sign, "seal.sign", S::seal, true, {bo, bs, su}, {},
               "sign a document with a centrally held seal"},
    ActionInfo{Action::seal_revoke, "seal.revoke", S::seal, true, {bo}, {},
               "revoke a seal"},
    // §7.3 registration and §7.2 status sync belong to the seal status publishing system (§9.4).
    ActionInfo{Action::seal_system_register, "seal.system.register", S::seal_status, false, {ba}, {sa},
               "register a seal system in the ministry/province/city hierarchy"},
    // --- key management centre (issue 9) -------------------------------------------------------
    // iTrus CPS: recovery by the KMC business admin together with a business operator.
    ActionInfo{Action::kmc_recover, "kmc.recover", S::kmc, true, {bo}, {ba},
               "recover a holder's escrowed encryption key"},
    ActionInfo{Action::kmc_judicial_recover, "kmc.judicial.recover", S::kmc, false, {bo}, {ba},
               "recover an escrowed key for a judicial request"},
    // --- electronic seal system services (issue 8) --------------------------------------------
    // LD/T 01.1-2022 §7.5: the using unit applies to the making unit (制发主体).
    ActionInfo{Action::seal_application_submit, "seal.application.submit", S::seal, true, {bo, app}, {},
               "submit a seal application (申领) with its materials"},
    ActionInfo{Action::seal_application_read, "seal.application.read", S::seal, true, {ba, bo, app, apv}, {},
               "read seal applications, seals and their history"},
    // §7.6-§7.10: change, report loss, cancel, renew, replace.
    ActionInfo{Action::seal_lifecycle_request, "seal.lifecycle.request", S::seal, true, {bo, app, su}, {},
               "request a change, loss report, cancellation, renewal or replacement of a seal"},
    // §8.1.2: the centralized seal use system (电子印章应用系统, its own admins per §9.4) manages seal
    // users and their permissions.
    ActionInfo{Action::seal_user_manage, "seal.user.manage", S::seal_use, true, {ba, bo}, {},
               "grant or withdraw a seal user's or reviewer's permission on a seal"},
    ActionInfo{Action::seal_use_request, "seal.use.request", S::none, true, {su, bs}, {},
               "ask for a centrally held seal to be applied to a document"},
    // §8.2.3: a designated seal reviewer approves each use, signing the decision.
    ActionInfo{Action::seal_use_review, "seal.use.review", S::none, true, {srv}, {},
               "approve or refuse a seal-use request (用章审核)"},
    // §7.2/§7.3: registered seal systems exchange seal status over signed, authenticated HTTP.
    ActionInfo{Action::seal_status_sync, "seal.status.sync", S::none, false, {bs}, {},
               "push or pull seal status between registered seal systems"},
};
// clang-format on

constexpr bool table_in_enum_order() {
    for (std::size_t i = 0; i < k_action_table.size(); ++i)
        if (static_cast<std::size_t>(k_action_table[i].action) != i) return false;
    return true;
}
static_assert(table_in_enum_order(), "k_action_table rows must follow the Action enum order");
static_assert(k_action_table.back().action == Action::seal_status_sync, "every Action needs a row");

// Who manages whom (§5.4), as data: {manager, managed}.
constexpr std::array<std::pair<Role, Role>, 12> k_manage{{
    {sa, ba},
    {sa, sec},
    {sa, aa},
    {sa, sm},
    {aa, au},
    {ba, bo},
    {ba, apv},
    {ba, ci},
    {ba, bs},
    {bo, app},
    {ba, srv},
    {ba, su},
}};

constexpr std::array<std::string_view, k_role_count> k_role_names{
    "super_admin",     "audit_admin",       "auditor",   "business_admin", "business_operator",
    "security_admin",  "system_maintainer", "applicant", "approver",       "card_issuer",
    "business_system", "seal_reviewer",     "seal_user",
};

}  // namespace

std::string_view role_name(Role r) noexcept {
    const auto i = static_cast<std::size_t>(r);
    return i < k_role_names.size() ? k_role_names[i] : std::string_view("unknown");
}

std::optional<Role> role_from_name(std::string_view name) noexcept {
    for (Role r : k_all_roles)
        if (role_name(r) == name) return r;
    return std::nullopt;
}

bool is_staff_role(Role r) noexcept {
    switch (r) {
        case sa:
        case aa:
        case au:
        case ba:
        case bo:
        case sec:
        case sm: return true;
        default: return false;
    }
}

bool role_excludes_custodian(Role r) noexcept { return r == sa || r == ba || r == bo || r == sm; }

bool needs_login_certificate(Role r) noexcept { return is_staff_role(r) || r == bs || r == srv; }

std::string RoleSet::to_string() const {
    std::string out;
    for (Role r : k_all_roles) {
        if (!contains(r)) continue;
        if (!out.empty()) out += ',';
        out += role_name(r);
    }
    return out;
}

std::string_view subsystem_name(Subsystem s) noexcept {
    switch (s) {
        case S::none: return "";
        case S::ra: return "ra";
        case S::ca: return "ca";
        case S::kmc: return "kmc";
        case S::seal: return "seal";
        case S::status: return "status";
        case S::seal_status: return "seal_status";
        case S::seal_use: return "seal_use";
    }
    return "";
}

std::optional<Subsystem> subsystem_from_name(std::string_view name) noexcept {
    if (name.empty()) return S::none;
    for (Subsystem s : k_all_subsystems)
        if (subsystem_name(s) == name) return s;
    return std::nullopt;
}

Subsystem audit_action_subsystem(std::string_view audit_action) noexcept {
    const auto starts = [&](std::string_view prefix) { return audit_action.starts_with(prefix); };
    // Most specific prefix first: "seal.use." before "seal.".
    static constexpr std::array<std::pair<std::string_view, Subsystem>, 12> k_prefixes{{
        {"seal.use.", S::seal_use},
        {"sealsys.", S::seal_status},
        {"seal.", S::seal},
        {"ra.", S::ra},
        {"kmc.", S::kmc},
        {"ca.", S::ca},
        {"certificate.", S::ca},
        {"profile.", S::ca},
        {"status.", S::status},
        {"publish.", S::status},
        {"tsa.", S::status},
        {"ocsp.", S::status},
    }};
    for (const auto& [prefix, subsystem] : k_prefixes)
        if (starts(prefix)) return subsystem;
    return S::none;
}

std::span<const ActionInfo> action_table() noexcept { return k_action_table; }

const ActionInfo& action_info(Action a) noexcept {
    const auto i = static_cast<std::size_t>(a);
    return k_action_table[i < k_action_table.size() ? i : 0];
}

std::string_view action_name(Action a) noexcept { return action_info(a).name; }

std::optional<Action> action_from_name(std::string_view name) noexcept {
    for (const ActionInfo& info : k_action_table)
        if (info.name == name) return info.action;
    return std::nullopt;
}

bool role_allows(Role r, Action a) noexcept {
    const auto i = static_cast<std::size_t>(a);
    return i < k_action_table.size() && k_action_table[i].allowed.contains(r);
}

bool subsystem_allows(Role r, Subsystem staff_subsystem, Action a) noexcept {
    if (r != ba && r != bo) return true;
    const Subsystem needed = action_info(a).subsystem;
    return needed == S::none || needed == staff_subsystem;
}

bool may_manage(Role manager, Role managed) noexcept {
    for (const auto& [m, d] : k_manage)
        if (m == manager && d == managed) return true;
    return false;
}

std::string render_role_matrix_markdown() {
    std::string out = "| Action | Subsystem | Scoped |";
    std::string sep = "|---|---|---|";
    for (Role r : k_all_roles) {
        out += " " + std::string(role_name(r)) + " |";
        sep += ":-:|";
    }
    out += " Second approver |\n" + sep + "---|\n";
    for (const ActionInfo& info : k_action_table) {
        out += "| `" + std::string(info.name) + "` | " + std::string(subsystem_name(info.subsystem)) + " | " +
               (info.scoped ? "yes" : "") + " |";
        for (Role r : k_all_roles) out += info.allowed.contains(r) ? " ✓ |" : "  |";
        out += " " + info.approvers.to_string() + " |\n";
    }
    return out;
}

}  // namespace yinxin::auth
