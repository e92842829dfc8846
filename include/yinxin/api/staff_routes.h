// Staff-facing routes (issue 4): login and sessions, staff and roles, the organisation tree and its
// quotas, the audit log, and configuration changes under the two-person rule. Every rule lives in
// auth::AuthService; these handlers turn requests into its calls, and write one audit record per
// state-changing request, failed ones included (LD/T 03-2022 §8.3.8 a: time, source address,
// actor, action, content, processing, result).
//
// Authentication: "Authorization: Bearer <token>" from POST /api/v1/auth/login. A login needs the
// password plus the registered certificate, as a verified TLS client certificate or an SM2
// signature (with the SM2 ID of auth::AuthConfig) over a challenge from POST /api/v1/auth/challenge.
//
//   POST /api/v1/auth/challenge            {login}                     → {challenge_id, challenge, expires_at}
//   POST /api/v1/auth/login                {login, password, challenge_id?, signature?}
//   POST /api/v1/auth/logout
//   POST /api/v1/auth/password             {login, old_password, new_password}
//   GET  /api/v1/auth/me
//   GET  /api/v1/staff                     staff.read (own subtree)
//   POST /api/v1/staff                     staff.create
//   GET  /api/v1/staff/{id}                staff.read on the member's node
//   POST /api/v1/staff/{id}/deactivate     staff.deactivate
//   PUT  /api/v1/staff/{id}/role           {role, subsystem?}          staff.role.assign
//   PUT  /api/v1/staff/{id}/custodian      {custodian}                 staff.custodian.designate
//   POST /api/v1/staff/{id}/password-reset {new_password}              staff.password.reset
//   POST /api/v1/staff/{id}/unlock         staff.unlock
//   GET  /api/v1/org-nodes                 org.read (own subtree)
//   POST /api/v1/org-nodes                 {id, parent, kind, name, sponsored?, quota?}  org.create
//   POST /api/v1/org-nodes/{id}/quota      {add}                       org.quota.topup
//   GET  /api/v1/audit/records?from=&limit=  audit.read
//   GET  /api/v1/audit/verify              audit.verify
//   GET  /api/v1/config/{key}              config.read
//   POST /api/v1/approvals                 {action, payload, org_node?} → request (e.g. config.change)
//   POST /api/v1/approvals/{id}/approve    {payload_sm3, signature}
//   POST /api/v1/approvals/{id}/reject     {payload_sm3, reason, signature}
//   PUT  /api/v1/config/{key}              {approval_id, value}        config.change, approved by another
#pragma once

#include <functional>
#include <map>
#include <string>

#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"

namespace yinxin::api {

// One configuration document the API may read and (with approval) replace, e.g. "publication".
struct ConfigEntry {
    std::function<Result<nlohmann::json>()> read;
    // Validates and stores `value` atomically; a refusal stores nothing.
    std::function<Status(const nlohmann::json& value)> write;
};

struct StaffApi {
    auth::AuthService* auth = nullptr;
    audit::AuditLog* audit = nullptr;
    audit::AuditStore* audit_store = nullptr;  // for reading and verifying the log
    std::map<std::string, ConfigEntry, std::less<>> config;
};

// Adds the routes above. Everything in `api` must outlive the server.
Status add_staff_routes(Server& server, const StaffApi& api);

// The payload of a config.change approval for `key` and `value`: the exact bytes whose SM3 the
// approver confirms ({"key":...,"value":...} serialised by nlohmann::json::dump()).
std::string config_change_payload(std::string_view key, const nlohmann::json& value);

// Approve/reject bodies carry the member's SM2 signature over auth::decision_text("approve" or
// "reject", approval id, payload SM3 hex); it is kept in the decision's audit record.
using auth::decision_text;

}  // namespace yinxin::api
