// The records of the auth module: organisation nodes, staff, sessions, approvals, and the event a
// state-changing decision returns for the audit log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/auth/password.h"
#include "yinxin/auth/roles.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"

namespace yinxin::auth {

// SDCA CPS §1.3.2–1.3.5: the registration authority (注册机构) manages RA branches (注册分支机构),
// which manage acceptance points (受理点, "Business Terminal"); acceptance points may also hang
// directly under the RA. A sponsored (垫付型) acceptance point works from a prepaid quota of
// certificates (§1.3.5: the sponsor "must pre-order a quantity and prepay").
enum class OrgKind : std::uint8_t { ra, branch, acceptance_point };
std::string_view org_kind_name(OrgKind k) noexcept;  // "ra", "branch", "acceptance_point"
std::optional<OrgKind> org_kind_from_name(std::string_view name) noexcept;

struct OrgNode {
    std::string id;         // [a-z0-9._-], 1..64
    std::string parent_id;  // "" only for the RA root
    OrgKind kind = OrgKind::acceptance_point;
    std::string name;
    bool sponsored = false;            // 垫付型 acceptance point
    std::int64_t quota_remaining = 0;  // prepaid certificates left (sponsored only)
    TimePoint created_at{};
};

struct StaffRecord {
    std::string id;  // login name: [a-z0-9._@-], 1..64
    std::string display_name;
    std::string phone;
    std::string id_number;
    std::string birth_date;
    Role role = Role::applicant;
    Subsystem subsystem = Subsystem::none;  // business admins/operators; optional for audit admins/auditors (§9.4)
    std::string org_node;                   // the node the member is attached to
    bool active = true;
    bool custodian = false;  // named custodian (分管者) of a device master key
    std::string created_by;
    TimePoint created_at{};
    std::optional<TimePoint> deactivated_at;
    Bytes certificate_der;  // the registered login certificate (password + certificate login)
    PasswordHash password;
    bool must_change_password = true;            // set by an administrator: change before first use
    std::vector<PasswordHash> password_history;  // previous passwords, newest first
    std::uint32_t failed_logins = 0;
    std::optional<TimePoint> locked_until;

    PersonalData personal_data() const { return {id, display_name, phone, id_number, birth_date}; }
};

// A login session. Only SM3(token) is stored: a copy of the database does not yield sessions.
struct Session {
    Bytes token_hash;  // 32 bytes
    std::string staff_id;
    TimePoint created_at{};
    TimePoint last_seen{};
    TimePoint expires_at{};  // absolute limit
};

enum class ApprovalStatus : std::uint8_t { pending, approved, rejected, executed };
std::string_view approval_status_name(ApprovalStatus s) noexcept;
std::optional<ApprovalStatus> approval_status_from_name(std::string_view name) noexcept;

// The two-person rule (LD/T 03-2022 §8.2.1 b, §8.3.6 a 5; iTrus KMC recovery admin + operator): a
// request waits until a DIFFERENT staff member in one of `approvers` approves the exact payload
// (its SM3 hash), then is executed once.
struct Approval {
    std::string id;
    Action kind = Action::config_change;
    Bytes payload_hash;  // SM3 of the request payload as submitted
    std::string requester;
    RoleSet approvers;
    std::string org_node;  // scope of the request
    ApprovalStatus status = ApprovalStatus::pending;
    std::string decided_by;
    std::string reason;
    TimePoint created_at{};
    TimePoint expires_at{};
    std::optional<TimePoint> decided_at;
};

// What a state-changing decision reports for the audit log (audit::AuditEvent fields without the
// time and source address, which the caller knows). The caller writes it.
struct AuthEvent {
    std::string actor;   // staff id
    std::string role;    // role name the actor acted in
    std::string action;  // stable dotted name ("staff.create", "auth.login")
    std::string target;  // the object (staff id, node id, approval id)
    std::string detail;
};

template <class T>
struct WithEvent {
    T value;
    AuthEvent event;
};

}  // namespace yinxin::auth
