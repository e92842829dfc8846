#include "yinxin/auth/service.h"

#include <algorithm>

#include "yinxin/crypto/kdf.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::auth {

namespace {

constexpr std::size_t k_max_id_len = 64;
constexpr std::size_t k_max_text_len = 256;
constexpr std::size_t k_token_bytes = 32;
constexpr std::size_t k_max_tree_depth = 32;
constexpr std::int64_t k_max_quota_step = 1'000'000;

bool valid_id(std::string_view s) {
    if (s.empty() || s.size() > k_max_id_len) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@';
    });
}

bool valid_text(std::string_view s, bool allow_empty) {
    if ((!allow_empty && s.empty()) || s.size() > k_max_text_len) return false;
    return std::none_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7F;
    });
}

Error bad_request(std::string message) { return make_error(Errc::auth_bad_request, std::move(message)); }

std::string str(std::string_view s) { return std::string(s); }

Bytes sm3_bytes(BytesView data) {
    const crypto::Sm3Digest d = crypto::sm3(data);
    return {d.begin(), d.end()};
}

AuthEvent event(const StaffRecord& actor, std::string_view action, std::string_view target, std::string detail) {
    return AuthEvent{actor.id, str(role_name(actor.role)), str(action), str(target), std::move(detail)};
}

bool locked_now(const StaffRecord& s, TimePoint now) { return s.locked_until.has_value() && *s.locked_until > now; }

// A business admin's operators and an audit admin's auditors belong to the manager's subsystem
// unless one is named.
Subsystem inherited_subsystem(const StaffRecord& manager, Role role, Subsystem named) {
    if (named != Subsystem::none) return named;
    if ((manager.role == Role::business_admin && role == Role::business_operator) ||
        (manager.role == Role::audit_admin && role == Role::auditor))
        return manager.subsystem;
    return named;
}

}  // namespace

Status check_maker_checker(std::string_view maker, std::string_view checker) {
    if (maker.empty() || checker.empty()) return bad_request("maker and checker must both be named");
    if (maker == checker)
        return make_error(
            Errc::auth_same_person,
            "'" + str(checker) + "' entered this item and may not also review it (录入员/审核员 separation)");
    return ok_status();
}

AuthService::AuthService(AuthStore& store, const Clock& clock, Rng& rng, AuthConfig config)
    : m_store(store), m_clock(clock), m_rng(rng), m_config(std::move(config)) {}

// ---------------------------------------------------------------------------------------------
// helpers

Result<StaffRecord> AuthService::load_actor(std::string_view actor) {
    YX_ASSIGN_OR_RETURN(auto s, m_store.find_staff(actor));
    if (!s) return make_error(Errc::auth_denied, "unknown principal '" + str(actor) + "'");
    if (!s->active) return make_error(Errc::auth_inactive, "'" + str(actor) + "' is deactivated");
    return std::move(*s);
}

Result<StaffRecord> AuthService::load_target(std::string_view target) {
    YX_ASSIGN_OR_RETURN(auto s, m_store.find_staff(target));
    if (!s) return make_error(Errc::auth_not_found, "no staff member '" + str(target) + "'");
    return std::move(*s);
}

Status AuthService::check_manages(const StaffRecord& actor, const StaffRecord& target, Role new_role,
                                  Subsystem new_subsystem) {
    if (actor.id == target.id) return make_error(Errc::auth_cannot_manage, "nobody manages their own account");
    const auto refuse = [&](Role r) {
        return make_error(Errc::auth_cannot_manage, "a " + str(role_name(actor.role)) + " does not manage a " +
                                                        str(role_name(r)) + " (LD/T 03-2022 §5.4)");
    };
    if (!may_manage(actor.role, target.role)) return refuse(target.role);
    if (new_role != target.role && !may_manage(actor.role, new_role)) return refuse(new_role);
    // §5.4 d: a business admin manages one subsystem and the operators of that subsystem only.
    if (actor.role == Role::business_admin && target.role == Role::business_operator &&
        target.subsystem != actor.subsystem)
        return make_error(Errc::auth_cannot_manage, "operator belongs to another subsystem");
    if (actor.role == Role::business_operator && actor.subsystem != Subsystem::ra)
        return make_error(Errc::auth_cannot_manage, "only RA business operators register applicants");
    const bool business = new_role == Role::business_admin || new_role == Role::business_operator;
    const bool audit = new_role == Role::audit_admin || new_role == Role::auditor;
    if (business && new_subsystem == Subsystem::none)
        return bad_request("a business admin or operator needs a subsystem (LD/T 03-2022 §5.4 d)");
    if (!business && !audit && new_subsystem != Subsystem::none)
        return bad_request("only business admins, business operators, audit admins and auditors belong to a subsystem");
    if (actor.role == Role::business_admin && new_role == Role::business_operator && new_subsystem != actor.subsystem)
        return make_error(Errc::auth_cannot_manage, "a business admin sets up operators of its own subsystem only");
    // LD/T 01.1-2022 §9.4: an audit admin of one system manages the auditors of that system only.
    if (actor.role == Role::audit_admin && actor.subsystem != Subsystem::none &&
        (target.subsystem != actor.subsystem || new_subsystem != actor.subsystem))
        return make_error(Errc::auth_cannot_manage, "an audit admin of subsystem " +
                                                        str(subsystem_name(actor.subsystem)) +
                                                        " manages the auditors of that subsystem only");
    return ok_status();
}

Status AuthService::check_new_password(const StaffRecord& staff, std::string_view password) {
    YX_TRY(check_password_policy(m_config.password, password, staff.personal_data()));
    // The current password and the previous history-1 ones cannot come back (§8.2.3 b: regular
    // change means a different password).
    std::vector<const PasswordHash*> recent;
    if (!staff.password.empty()) recent.push_back(&staff.password);
    for (const PasswordHash& h : staff.password_history) recent.push_back(&h);
    const std::size_t n = std::min(recent.size(), m_config.password.history);
    for (std::size_t i = 0; i < n; ++i) {
        YX_ASSIGN_OR_RETURN(bool same, verify_password(password, *recent[i]));
        if (same)
            return make_error(Errc::auth_password_reused,
                              "password was used among the last " + std::to_string(m_config.password.history));
    }
    return ok_status();
}

namespace {
void rotate_password(StaffRecord& s, PasswordHash fresh, std::size_t history) {
    if (!s.password.empty()) s.password_history.insert(s.password_history.begin(), std::move(s.password));
    const std::size_t keep = history > 0 ? history - 1 : 0;
    if (s.password_history.size() > keep) s.password_history.resize(keep);
    s.password = std::move(fresh);
}
}  // namespace

Status AuthService::record_failure(StaffRecord& staff) {
    ++staff.failed_logins;
    if (staff.failed_logins >= m_config.max_failed_logins) {
        staff.locked_until = m_clock.now() + m_config.lockout;
        staff.failed_logins = 0;
    }
    return m_store.update_staff(staff);
}

// ---------------------------------------------------------------------------------------------
// bootstrap and organisation

Result<AuthEvent> AuthService::bootstrap(const OrgNode& root, const NewStaff& spec) {
    std::lock_guard lock(m_mu);
    YX_ASSIGN_OR_RETURN(std::int64_t count, m_store.staff_count());
    if (count > 0) return make_error(Errc::auth_duplicate, "already bootstrapped");
    if (!valid_id(root.id) || !valid_text(root.name, false) || root.kind != OrgKind::ra || !root.parent_id.empty())
        return make_error(Errc::auth_bad_org_tree, "the root must be an RA node without parent");
    if (spec.role != Role::super_admin || spec.org_node != root.id)
        return bad_request("bootstrap creates the super admin at the RA root");
    if (!valid_id(spec.id) || !valid_text(spec.display_name, false)) return bad_request("bad staff id or name");
    if (spec.certificate_der.empty()) return bad_request("staff need a login certificate");
    YX_TRY(x509::Certificate::parse(spec.certificate_der));
    const TimePoint now = m_clock.now();
    YX_ASSIGN_OR_RETURN(auto existing, m_store.find_org_node(root.id));
    if (!existing) {
        OrgNode r = root;
        r.sponsored = false;
        r.quota_remaining = 0;
        r.created_at = now;
        YX_TRY(m_store.insert_org_node(r));
    }
    StaffRecord s;
    s.id = spec.id;
    s.display_name = spec.display_name;
    s.phone = spec.phone;
    s.id_number = spec.id_number;
    s.birth_date = spec.birth_date;
    s.role = Role::super_admin;
    s.org_node = root.id;
    s.created_by = str(k_event_bootstrap);
    s.created_at = now;
    s.certificate_der = spec.certificate_der;
    YX_TRY(check_new_password(s, spec.initial_password));
    YX_ASSIGN_OR_RETURN(s.password, hash_password(spec.initial_password, m_rng, m_config.password, now));
    s.must_change_password = false;  // chosen by the appointed super admin at installation
    YX_TRY(m_store.insert_staff(s));
    return AuthEvent{s.id, str(role_name(s.role)), str(k_event_bootstrap), root.id, "RA root and first super admin"};
}

Result<bool> AuthService::covers(std::string_view ancestor, std::string_view node) {
    std::string cur(node);
    for (std::size_t depth = 0; depth < k_max_tree_depth; ++depth) {
        YX_ASSIGN_OR_RETURN(auto n, m_store.find_org_node(cur));
        if (!n) return false;
        if (n->id == ancestor) return true;
        if (n->parent_id.empty()) return false;
        cur = n->parent_id;
    }
    return false;
}

Result<StaffRecord> AuthService::authorize(std::string_view actor, Action action, std::string_view object_node) {
    YX_ASSIGN_OR_RETURN(StaffRecord s, load_actor(actor));
    const ActionInfo& info = action_info(action);
    if (!role_allows(s.role, action))
        return make_error(Errc::auth_denied, "a " + str(role_name(s.role)) + " may not " + str(info.name));
    if (!subsystem_allows(s.role, s.subsystem, action))
        return make_error(Errc::auth_denied, str(info.name) + " belongs to subsystem " +
                                                 str(subsystem_name(info.subsystem)) + ", '" + s.id + "' to " +
                                                 str(subsystem_name(s.subsystem)));
    if (info.scoped) {
        if (object_node.empty()) return bad_request(str(info.name) + " needs the object's organisation node");
        YX_ASSIGN_OR_RETURN(bool in, covers(s.org_node, object_node));
        if (!in)
            return make_error(Errc::auth_out_of_scope,
                              "node '" + str(object_node) + "' is outside the subtree of '" + s.org_node + "'");
    }
    return s;
}

Result<StaffRecord> AuthService::authorize_checker(std::string_view actor, Action action, std::string_view object_node,
                                                   std::string_view maker) {
    YX_ASSIGN_OR_RETURN(StaffRecord s, authorize(actor, action, object_node));
    YX_TRY(check_maker_checker(maker, s.id));
    return s;
}

Result<AuthEvent> AuthService::create_org_node(std::string_view actor, const OrgNode& node) {
    if (!valid_id(node.id) || !valid_text(node.name, false)) return bad_request("bad node id or name");
    if (node.parent_id.empty() || node.kind == OrgKind::ra)
        return make_error(Errc::auth_bad_org_tree, "there is one RA root; new nodes are branches or acceptance points");
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, Action::org_create, node.parent_id));
    YX_ASSIGN_OR_RETURN(auto parent, m_store.find_org_node(node.parent_id));
    if (!parent) return make_error(Errc::auth_bad_org_tree, "no parent node '" + node.parent_id + "'");
    // SDCA CPS §1.3.3: branches are children of the RA; §1.3.4 acceptance points sit under the RA
    // or a branch and have no children.
    const bool ok_parent = node.kind == OrgKind::branch
                               ? parent->kind == OrgKind::ra
                               : parent->kind == OrgKind::ra || parent->kind == OrgKind::branch;
    if (!ok_parent)
        return make_error(Errc::auth_bad_org_tree,
                          str(org_kind_name(node.kind)) + " cannot hang under a " + str(org_kind_name(parent->kind)));
    if (node.sponsored && node.kind != OrgKind::acceptance_point)
        return make_error(Errc::auth_bad_org_tree, "only acceptance points are sponsored (垫付型)");
    if (node.quota_remaining < 0 || (!node.sponsored && node.quota_remaining != 0))
        return bad_request("a quota belongs to sponsored acceptance points and is not negative");
    OrgNode n = node;
    n.created_at = m_clock.now();
    YX_TRY(m_store.insert_org_node(n));
    return event(a, action_name(Action::org_create), n.id,
                 "kind=" + str(org_kind_name(n.kind)) + " parent=" + n.parent_id +
                     (n.sponsored ? " sponsored quota=" + std::to_string(n.quota_remaining) : ""));
}

Result<WithEvent<std::int64_t>> AuthService::consume_quota(std::string_view actor, std::string_view node,
                                                           std::int64_t count) {
    if (count < 1 || count > k_max_quota_step) return bad_request("quota count out of range");
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, Action::org_quota_consume, node));
    YX_ASSIGN_OR_RETURN(std::int64_t left, m_store.consume_quota(node, count));
    return WithEvent<std::int64_t>{left, event(a, action_name(Action::org_quota_consume), node,
                                               "used " + std::to_string(count) + ", left " + std::to_string(left))};
}

Result<WithEvent<std::int64_t>> AuthService::topup_quota(std::string_view actor, std::string_view node,
                                                         std::int64_t count) {
    if (count < 1 || count > k_max_quota_step) return bad_request("quota count out of range");
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, Action::org_quota_topup, node));
    YX_ASSIGN_OR_RETURN(std::int64_t left, m_store.add_quota(node, count));
    return WithEvent<std::int64_t>{left, event(a, action_name(Action::org_quota_topup), node,
                                               "added " + std::to_string(count) + ", now " + std::to_string(left))};
}

// ---------------------------------------------------------------------------------------------
// staff

Result<AuthEvent> AuthService::create_staff(std::string_view actor, const NewStaff& spec) {
    if (!valid_id(spec.id)) return bad_request("staff id must be 1..64 of [a-z0-9._@-]");
    if (!valid_text(spec.display_name, false) || !valid_text(spec.phone, true) || !valid_text(spec.id_number, true) ||
        !valid_text(spec.birth_date, true))
        return bad_request("bad display name, phone, ID number or birth date");
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, Action::staff_create, spec.org_node));
    const Subsystem subsystem = inherited_subsystem(a, spec.role, spec.subsystem);
    StaffRecord s;
    s.id = spec.id;
    s.role = spec.role;
    s.subsystem = subsystem;
    YX_TRY(check_manages(a, s, spec.role, subsystem));
    if (needs_login_certificate(spec.role) && spec.certificate_der.empty())
        return bad_request(str(role_name(spec.role)) + " logs in with password and certificate: certificate missing");
    if (!spec.certificate_der.empty()) YX_TRY(x509::Certificate::parse(spec.certificate_der));
    const TimePoint now = m_clock.now();
    s.display_name = spec.display_name;
    s.phone = spec.phone;
    s.id_number = spec.id_number;
    s.birth_date = spec.birth_date;
    s.org_node = spec.org_node;
    s.created_by = a.id;
    s.created_at = now;
    s.certificate_der = spec.certificate_der;
    YX_TRY(check_new_password(s, spec.initial_password));
    YX_ASSIGN_OR_RETURN(s.password, hash_password(spec.initial_password, m_rng, m_config.password, now));
    s.must_change_password = true;
    YX_TRY(m_store.insert_staff(s));
    return event(a, action_name(Action::staff_create), s.id,
                 "role=" + str(role_name(s.role)) +
                     (s.subsystem != Subsystem::none ? " subsystem=" + str(subsystem_name(s.subsystem)) : "") +
                     " node=" + s.org_node);
}

Result<AuthEvent> AuthService::deactivate_staff(std::string_view actor, std::string_view target) {
    std::lock_guard lock(m_mu);
    YX_ASSIGN_OR_RETURN(StaffRecord t, load_target(target));
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, Action::staff_deactivate, t.org_node));
    YX_TRY(check_manages(a, t, t.role, t.subsystem));
    if (!t.active) return make_error(Errc::auth_inactive, "'" + t.id + "' is already deactivated");
    YX_TRY(m_store.deactivate_staff(t.id, m_clock.now()));
    return event(a, action_name(Action::staff_deactivate), t.id, "every permission and session removed");
}

Result<AuthEvent> AuthService::assign_role(std::string_view actor, std::string_view target, Role role,
                                           Subsystem subsystem) {
    std::lock_guard lock(m_mu);
    YX_ASSIGN_OR_RETURN(StaffRecord t, load_target(target));
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, Action::staff_role_assign, t.org_node));
    if (!t.active) return make_error(Errc::auth_inactive, "'" + t.id + "' is deactivated");
    subsystem = inherited_subsystem(a, role, subsystem);
    YX_TRY(check_manages(a, t, role, subsystem));
    // LD/T 03-2022 §8.3.6 d, the other direction: a custodian cannot become one of the excluded roles.
    if (t.custodian && role_excludes_custodian(role))
        return make_error(Errc::auth_custodian_conflict, "'" + t.id + "' is a custodian and cannot become a " +
                                                             str(role_name(role)) + " (LD/T 03-2022 §8.3.6 d)");
    if (needs_login_certificate(role) && t.certificate_der.empty())
        return bad_request(str(role_name(role)) + " needs a login certificate");
    const std::string from(role_name(t.role));
    t.role = role;
    t.subsystem = subsystem;
    YX_TRY(m_store.update_staff(t));
    return event(a, action_name(Action::staff_role_assign), t.id, "role " + from + " -> " + str(role_name(role)));
}

Result<AuthEvent> AuthService::designate_custodian(std::string_view actor, std::string_view target, bool custodian) {
    std::lock_guard lock(m_mu);
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, Action::staff_custodian_designate));
    YX_ASSIGN_OR_RETURN(StaffRecord t, load_target(target));
    if (custodian) {
        if (!t.active) return make_error(Errc::auth_inactive, "'" + t.id + "' is deactivated");
        if (role_excludes_custodian(t.role))
            return make_error(Errc::auth_custodian_conflict,
                              "a " + str(role_name(t.role)) + " may not be a custodian (LD/T 03-2022 §8.3.6 d)");
        // §8.3.6 d a): custodians are trusted staff, not external principals.
        if (!is_staff_role(t.role))
            return make_error(Errc::auth_custodian_conflict, "custodians are trusted staff (LD/T 03-2022 §8.3.6 d a)");
    }
    t.custodian = custodian;
    YX_TRY(m_store.update_staff(t));
    return event(a, action_name(Action::staff_custodian_designate), t.id,
                 custodian ? "named custodian" : "no longer custodian");
}

Result<AuthEvent> AuthService::reset_password(std::string_view actor, std::string_view target,
                                              std::string_view new_password) {
    std::lock_guard lock(m_mu);
    YX_ASSIGN_OR_RETURN(StaffRecord t, load_target(target));
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, Action::staff_password_reset, t.org_node));
    YX_TRY(check_manages(a, t, t.role, t.subsystem));
    YX_TRY(check_new_password(t, new_password));
    const TimePoint now = m_clock.now();
    YX_ASSIGN_OR_RETURN(PasswordHash h, hash_password(new_password, m_rng, m_config.password, now));
    rotate_password(t, std::move(h), m_config.password.history);
    t.must_change_password = true;
    t.failed_logins = 0;
    t.locked_until.reset();
    YX_TRY(m_store.update_staff(t));
    return event(a, action_name(Action::staff_password_reset), t.id, "initial password set; change required");
}

Result<AuthEvent> AuthService::unlock(std::string_view actor, std::string_view target) {
    std::lock_guard lock(m_mu);
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, Action::staff_unlock));
    YX_ASSIGN_OR_RETURN(StaffRecord t, load_target(target));
    t.failed_logins = 0;
    t.locked_until.reset();
    YX_TRY(m_store.update_staff(t));
    return event(a, action_name(Action::staff_unlock), t.id, "lockout lifted");
}

Result<std::vector<std::string>> AuthService::subtree(std::string_view root) {
    YX_ASSIGN_OR_RETURN(std::vector<OrgNode> nodes, m_store.org_nodes());
    std::vector<std::string> out{std::string(root)};
    // Breadth-first over parent links; each node is added once, so a corrupt cycle cannot loop.
    for (std::size_t i = 0; i < out.size(); ++i)
        for (const OrgNode& n : nodes)
            if (n.parent_id == out[i] && std::find(out.begin(), out.end(), n.id) == out.end()) out.push_back(n.id);
    return out;
}

Result<std::vector<StaffRecord>> AuthService::list_staff(std::string_view actor) {
    YX_ASSIGN_OR_RETURN(StaffRecord self, load_actor(actor));
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, Action::staff_read, self.org_node));
    YX_ASSIGN_OR_RETURN(std::vector<std::string> scope, subtree(a.org_node));
    YX_ASSIGN_OR_RETURN(std::vector<StaffRecord> all, m_store.staff());
    std::erase_if(
        all, [&](const StaffRecord& s) { return std::find(scope.begin(), scope.end(), s.org_node) == scope.end(); });
    return all;
}

Result<std::vector<OrgNode>> AuthService::list_org_nodes(std::string_view actor) {
    YX_ASSIGN_OR_RETURN(StaffRecord self, load_actor(actor));
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, Action::org_read, self.org_node));
    YX_ASSIGN_OR_RETURN(std::vector<std::string> scope, subtree(a.org_node));
    YX_ASSIGN_OR_RETURN(std::vector<OrgNode> all, m_store.org_nodes());
    std::erase_if(all, [&](const OrgNode& n) { return std::find(scope.begin(), scope.end(), n.id) == scope.end(); });
    return all;
}

std::function<Status(std::string_view)> AuthService::custodian_policy() {
    return [this](std::string_view name) -> Status {
        YX_ASSIGN_OR_RETURN(auto s, m_store.find_staff(name));
        if (!s)
            return make_error(Errc::auth_not_found, "'" + str(name) +
                                                        "' is not registered staff; custodians are trusted staff "
                                                        "(LD/T 03-2022 §8.3.6 d a)");
        if (!s->active) return make_error(Errc::auth_inactive, "'" + s->id + "' is deactivated");
        if (role_excludes_custodian(s->role))
            return make_error(Errc::auth_custodian_conflict, "'" + s->id + "' is a " + str(role_name(s->role)) +
                                                                 " and may not be a custodian (LD/T 03-2022 §8.3.6 d)");
        if (!s->custodian)
            return make_error(Errc::auth_custodian_conflict,
                              "'" + s->id + "' has not been named custodian by the security admin");
        return ok_status();
    };
}

// ---------------------------------------------------------------------------------------------
// authentication

Result<AuthEvent> AuthService::change_password(std::string_view login, std::string_view old_password,
                                               std::string_view new_password) {
    std::lock_guard lock(m_mu);
    YX_ASSIGN_OR_RETURN(auto found, m_store.find_staff(login));
    if (!found || !found->active) return make_error(Errc::auth_bad_credentials, "wrong login name or password");
    StaffRecord t = std::move(*found);
    const TimePoint now = m_clock.now();
    if (locked_now(t, now))
        return make_error(Errc::auth_locked, "account locked until " + format_rfc3339(*t.locked_until));
    YX_ASSIGN_OR_RETURN(bool ok, verify_password(old_password, t.password));
    if (!ok) {
        YX_TRY(record_failure(t));
        return make_error(Errc::auth_bad_credentials, "wrong login name or password");
    }
    YX_TRY(check_new_password(t, new_password));
    YX_ASSIGN_OR_RETURN(PasswordHash h, hash_password(new_password, m_rng, m_config.password, now));
    rotate_password(t, std::move(h), m_config.password.history);
    t.must_change_password = false;
    t.failed_logins = 0;
    t.locked_until.reset();
    YX_TRY(m_store.update_staff(t));
    return event(t, k_event_password_change, t.id, "password changed");
}

Result<Challenge> AuthService::issue_challenge(std::string_view login) {
    if (!valid_id(login)) return bad_request("bad login name");
    std::lock_guard lock(m_mu);
    const TimePoint now = m_clock.now();
    std::erase_if(m_challenges, [&](const auto& kv) { return kv.second.expires_at <= now; });
    if (m_challenges.size() >= m_config.max_pending_challenges)
        return make_error(Errc::limit_exceeded, "too many pending login challenges");
    YX_ASSIGN_OR_RETURN(Bytes id, m_rng.bytes(16));
    YX_ASSIGN_OR_RETURN(Bytes nonce, m_rng.bytes(32));
    Challenge c;
    c.id = hex_encode(id);
    c.expires_at = now + m_config.challenge_ttl;
    c.text = "yinxin staff login challenge\nlogin: " + str(login) + "\nnonce: " + hex_encode(nonce) +
             "\nexpires: " + format_rfc3339(c.expires_at) + "\n";
    m_challenges[c.id] = PendingChallenge{str(login), c.text, c.expires_at};
    return c;
}

Result<WithEvent<LoginResult>> AuthService::login(const LoginRequest& request) {
    std::lock_guard lock(m_mu);
    const TimePoint now = m_clock.now();
    // A challenge is single-use whatever happens next.
    std::optional<PendingChallenge> challenge;
    if (request.challenge) {
        auto it = m_challenges.find(request.challenge->challenge_id);
        if (it != m_challenges.end()) {
            challenge = it->second;
            m_challenges.erase(it);
        }
    }
    const Error bad_credentials = make_error(Errc::auth_bad_credentials, "wrong login name or password");
    YX_ASSIGN_OR_RETURN(auto found, m_store.find_staff(request.login));
    if (!found || !found->active) {
        // Same work as a real check, so timing does not tell which names exist.
        const Bytes salt(m_config.password.salt_len, 0);
        (void)crypto::pbkdf2_sm3(request.password, salt, m_config.password.iterations, k_password_hash_len);
        return bad_credentials;
    }
    StaffRecord t = std::move(*found);
    if (locked_now(t, now))
        return make_error(Errc::auth_locked, "account locked until " + format_rfc3339(*t.locked_until));
    if (t.locked_until) {  // the lockout has run out
        t.locked_until.reset();
        t.failed_logins = 0;
    }
    YX_ASSIGN_OR_RETURN(bool ok, verify_password(request.password, t.password));
    if (!ok) {
        YX_TRY(record_failure(t));
        return bad_credentials;
    }

    // Second factor: staff (and anybody with a registered certificate) log in with password plus
    // certificate (iTrus CPS: 用户名、口令以及数字证书双因素; SDCA: operator certificate).
    std::string factor = "password";
    const bool needs_certificate = is_staff_role(t.role) || !t.certificate_der.empty();
    if (needs_certificate) {
        Status second = ok_status();
        if (request.certificate) {
            factor = "password+tls_certificate";
            if (t.certificate_der.empty() || request.certificate->der != t.certificate_der)
                second = make_error(Errc::auth_certificate_mismatch, "client certificate is not the one registered");
        } else if (request.challenge) {
            factor = "password+signed_challenge";
            second = [&]() -> Status {
                const Error invalid =
                    make_error(Errc::auth_challenge_invalid, "challenge unknown, expired or not signed");
                if (!challenge || challenge->login != t.id || challenge->expires_at <= now) return invalid;
                auto cert = x509::Certificate::parse(t.certificate_der);
                if (!cert.ok() || !cert->valid_at(now))
                    return make_error(Errc::auth_certificate_mismatch, "registered certificate unusable or expired");
                auto pub = cert->public_key_info().sm2_public_key();
                if (!pub.ok()) return make_error(Errc::auth_certificate_mismatch, "registered certificate is not SM2");
                if (!crypto::sm2_verify(*pub, as_bytes(challenge->text), request.challenge->signature, m_config.sm2_id)
                         .ok())
                    return invalid;
                return ok_status();
            }();
        } else {
            second = make_error(Errc::auth_certificate_mismatch, "a certificate or signed challenge is required");
        }
        if (!second.ok()) {
            YX_TRY(record_failure(t));
            return std::move(second).error();
        }
    }

    t.failed_logins = 0;
    t.locked_until.reset();
    YX_TRY(m_store.update_staff(t));
    // §8.2.3 b: the password has a validity period; an administrator-set one is changed first.
    const bool expired = m_config.password.max_age.count() > 0 && now - t.password.set_at > m_config.password.max_age;
    if (t.must_change_password || expired)
        return make_error(Errc::auth_password_expired,
                          t.must_change_password ? "password set by an administrator: change it first"
                                                 : "password expired (LD/T 03-2022 §8.2.3 b): change it first");

    YX_ASSIGN_OR_RETURN(Bytes raw, m_rng.bytes(k_token_bytes));
    LoginResult r;
    r.token = hex_encode(raw);
    r.session.token_hash = sm3_bytes(as_bytes(r.token));
    r.session.staff_id = t.id;
    r.session.created_at = now;
    r.session.last_seen = now;
    r.session.expires_at = now + m_config.session_absolute;
    YX_TRY(m_store.insert_session(r.session));
    AuthEvent ev =
        event(t, k_event_login, t.id, factor + " session=" + hex_encode(BytesView(r.session.token_hash).first(8)));
    return WithEvent<LoginResult>{std::move(r), std::move(ev)};
}

std::string decision_text(std::string_view decision, std::string_view object_id, std::string_view payload_sm3_hex) {
    std::string t = "yinxin-decision/1\n";
    t.append(decision).append("\n").append(object_id).append("\n").append(payload_sm3_hex).append("\n");
    return t;
}

Result<std::string> AuthService::verify_decision(std::string_view actor, std::string_view decision,
                                                 std::string_view object_id, BytesView payload_hash,
                                                 BytesView signature) {
    const Error invalid = make_error(Errc::auth_decision_signature_invalid,
                                     "a decision needs the member's SM2 signature over "
                                     "decision_text(decision, object id, payload SM3)");
    if (signature.empty()) return invalid;
    YX_ASSIGN_OR_RETURN(StaffRecord me, load_actor(actor));
    auto cert = x509::Certificate::parse(me.certificate_der);
    if (!cert) return make_error(Errc::auth_decision_signature_invalid, "no usable registered certificate");
    auto pub = cert->public_key_info().sm2_public_key();
    if (!pub) return make_error(Errc::auth_decision_signature_invalid, "the registered certificate is not SM2");
    const std::string text = decision_text(decision, object_id, hex_encode(payload_hash));
    if (!crypto::sm2_verify(*pub, as_bytes(text), signature, m_config.sm2_id).ok()) return invalid;
    return std::string(decision) + " signed by " + me.id + " (certificate " + cert->serial_hex() + ")";
}

Result<StaffRecord> AuthService::authenticate(std::string_view token) {
    const Error invalid = make_error(Errc::auth_session_invalid, "session unknown, expired or revoked");
    if (token.size() != 2 * k_token_bytes) return invalid;
    const Bytes hash = sm3_bytes(as_bytes(token));
    YX_ASSIGN_OR_RETURN(auto s, m_store.find_session(hash));
    if (!s) return invalid;
    const TimePoint now = m_clock.now();
    if (now >= s->expires_at || now - s->last_seen >= m_config.session_idle) {
        YX_TRY(m_store.delete_session(hash));
        return invalid;
    }
    YX_ASSIGN_OR_RETURN(auto staff, m_store.find_staff(s->staff_id));
    if (!staff || !staff->active) {
        YX_TRY(m_store.delete_session(hash));
        return invalid;
    }
    YX_TRY(m_store.touch_session(hash, now));
    return std::move(*staff);
}

Result<AuthEvent> AuthService::logout(std::string_view token) {
    const Bytes hash = sm3_bytes(as_bytes(token));
    YX_ASSIGN_OR_RETURN(auto s, m_store.find_session(hash));
    if (!s) return make_error(Errc::auth_session_invalid, "session unknown, expired or revoked");
    YX_TRY(m_store.delete_session(hash));
    YX_ASSIGN_OR_RETURN(auto staff, m_store.find_staff(s->staff_id));
    const std::string role = staff ? str(role_name(staff->role)) : std::string();
    return AuthEvent{s->staff_id, role, str(k_event_logout), s->staff_id, "session ended"};
}

// ---------------------------------------------------------------------------------------------
// two-person rule

Result<Approval> AuthService::load_pending(std::string_view id) {
    YX_ASSIGN_OR_RETURN(auto ap, m_store.find_approval(id));
    if (!ap) return make_error(Errc::auth_not_found, "no approval '" + str(id) + "'");
    if (ap->status != ApprovalStatus::pending)
        return make_error(Errc::auth_approval_not_pending,
                          "approval '" + ap->id + "' is " + str(approval_status_name(ap->status)));
    if (m_clock.now() >= ap->expires_at)
        return make_error(Errc::auth_approval_not_pending, "approval '" + ap->id + "' expired");
    return std::move(*ap);
}

Result<WithEvent<Approval>> AuthService::request_approval(std::string_view actor, Action kind, BytesView payload,
                                                          std::string_view org_node) {
    const ActionInfo& info = action_info(kind);
    if (info.approvers.empty()) return bad_request(str(info.name) + " needs no second approver");
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, kind, info.scoped ? org_node : std::string_view()));
    const TimePoint now = m_clock.now();
    YX_ASSIGN_OR_RETURN(Bytes id, m_rng.bytes(16));
    Approval ap;
    ap.id = hex_encode(id);
    ap.kind = kind;
    ap.payload_hash = sm3_bytes(payload);
    ap.requester = a.id;
    ap.approvers = info.approvers;
    ap.org_node = info.scoped ? str(org_node) : a.org_node;
    ap.status = ApprovalStatus::pending;
    ap.created_at = now;
    ap.expires_at = now + m_config.approval_ttl;
    YX_TRY(m_store.insert_approval(ap));
    AuthEvent ev = event(a, str(info.name) + ".request", ap.id,
                         "payload sm3=" + hex_encode(ap.payload_hash) + " approvers=" + ap.approvers.to_string());
    return WithEvent<Approval>{std::move(ap), std::move(ev)};
}

Result<AuthEvent> AuthService::approve(std::string_view actor, std::string_view approval_id, BytesView payload_hash) {
    YX_ASSIGN_OR_RETURN(Approval ap, load_pending(approval_id));
    YX_ASSIGN_OR_RETURN(StaffRecord a, load_actor(actor));
    const ActionInfo& info = action_info(ap.kind);
    if (a.id == ap.requester)
        return make_error(Errc::auth_same_person, "the requester cannot approve their own request (two-person rule)");
    if (!ap.approvers.contains(a.role) || !subsystem_allows(a.role, a.subsystem, ap.kind))
        return make_error(Errc::auth_denied, "a " + str(role_name(a.role)) + " may not approve " + str(info.name));
    if (info.scoped) {
        YX_ASSIGN_OR_RETURN(bool in, covers(a.org_node, ap.org_node));
        if (!in) return make_error(Errc::auth_out_of_scope, "request node is outside the approver's subtree");
    }
    if (!constant_time_equal(payload_hash, ap.payload_hash))
        return make_error(Errc::auth_approval_mismatch, "the payload differs from the one requested");
    ap.status = ApprovalStatus::approved;
    ap.decided_by = a.id;
    ap.decided_at = m_clock.now();
    YX_TRY(m_store.update_approval(ap, ApprovalStatus::pending));
    return event(a, str(info.name) + ".approve", ap.id, "requested by " + ap.requester);
}

Result<AuthEvent> AuthService::reject(std::string_view actor, std::string_view approval_id, BytesView payload_hash,
                                      std::string_view reason) {
    if (!valid_text(reason, true)) return bad_request("bad reason text");
    YX_ASSIGN_OR_RETURN(Approval ap, load_pending(approval_id));
    YX_ASSIGN_OR_RETURN(StaffRecord a, load_actor(actor));
    const ActionInfo& info = action_info(ap.kind);
    if (a.id == ap.requester)
        return make_error(Errc::auth_same_person, "the requester cannot decide their own request (two-person rule)");
    if (!ap.approvers.contains(a.role) || !subsystem_allows(a.role, a.subsystem, ap.kind))
        return make_error(Errc::auth_denied, "a " + str(role_name(a.role)) + " may not decide " + str(info.name));
    if (info.scoped) {
        YX_ASSIGN_OR_RETURN(bool in, covers(a.org_node, ap.org_node));
        if (!in) return make_error(Errc::auth_out_of_scope, "request node is outside the approver's subtree");
    }
    if (!constant_time_equal(payload_hash, ap.payload_hash))
        return make_error(Errc::auth_approval_mismatch, "the payload differs from the one requested");
    ap.status = ApprovalStatus::rejected;
    ap.decided_by = a.id;
    ap.reason = str(reason);
    ap.decided_at = m_clock.now();
    YX_TRY(m_store.update_approval(ap, ApprovalStatus::pending));
    return event(a, str(info.name) + ".reject", ap.id, "requested by " + ap.requester + ": " + ap.reason);
}

Result<AuthEvent> AuthService::execute_approved(std::string_view actor, std::string_view approval_id,
                                                BytesView payload) {
    YX_ASSIGN_OR_RETURN(auto found, m_store.find_approval(approval_id));
    if (!found) return make_error(Errc::auth_not_found, "no approval '" + str(approval_id) + "'");
    Approval ap = std::move(*found);
    if (ap.status != ApprovalStatus::approved)
        return make_error(Errc::auth_approval_required,
                          "approval '" + ap.id + "' is " + str(approval_status_name(ap.status)) + ", not approved");
    if (m_clock.now() >= ap.expires_at)
        return make_error(Errc::auth_approval_not_pending, "approval '" + ap.id + "' expired");
    const ActionInfo& info = action_info(ap.kind);
    YX_ASSIGN_OR_RETURN(StaffRecord a, authorize(actor, ap.kind, info.scoped ? ap.org_node : std::string_view()));
    if (a.id == ap.decided_by)
        return make_error(Errc::auth_same_person, "the approver cannot also carry out the change (two-person rule)");
    if (!constant_time_equal(sm3_bytes(payload), ap.payload_hash))
        return make_error(Errc::auth_approval_mismatch, "the payload differs from the one approved");
    ap.status = ApprovalStatus::executed;
    YX_TRY(m_store.update_approval(ap, ApprovalStatus::approved));
    return event(a, str(info.name) + ".execute", ap.id, "approved by " + ap.decided_by);
}

}  // namespace yinxin::auth
