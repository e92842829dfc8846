// AuthService: the policy core of issue 4 (staff and roles, organisation scoping, authentication,
// two-person rules) over an AuthStore. No HTTP here: api/ maps requests to these calls and errors
// to problem documents; the caller writes the returned AuthEvents to the audit log.
//
// Every call that acts for somebody takes the actor's staff id and reloads the record, so a
// deactivation or role change takes effect on the next call (LD/T 03-2022 §8.3.3 h).
//
// Organisation scope, precisely: node A covers node B when A == B or A is an ancestor of B. A
// staff member may take a scoped action on an object only when the member's node covers the
// object's node; siblings, parents and unknown nodes are out of scope (auth.out_of_scope).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/auth/model.h"
#include "yinxin/auth/roles.h"
#include "yinxin/auth/store.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::auth {

struct AuthConfig {
    PasswordPolicy password;
    std::uint32_t max_failed_logins = 5;
    std::chrono::seconds lockout = std::chrono::minutes(15);
    std::chrono::seconds session_idle = std::chrono::minutes(15);
    std::chrono::seconds session_absolute = std::chrono::hours(8);
    std::chrono::seconds challenge_ttl = std::chrono::minutes(2);
    std::size_t max_pending_challenges = 10'000;
    std::chrono::seconds approval_ttl = std::chrono::hours(24);
    std::string sm2_id = std::string(crypto::k_default_sm2_id);
};

// Action names of events that are not authorisation-table actions.
inline constexpr std::string_view k_event_bootstrap = "auth.bootstrap";
inline constexpr std::string_view k_event_login = "auth.login";
inline constexpr std::string_view k_event_logout = "auth.logout";
inline constexpr std::string_view k_event_password_change = "auth.password.change";

struct NewStaff {
    std::string id;
    std::string display_name;
    std::string phone;
    std::string id_number;
    std::string birth_date;
    Role role = Role::applicant;
    Subsystem subsystem = Subsystem::none;
    std::string org_node;
    Bytes certificate_der;  // login certificate (required for staff roles)
    std::string initial_password;
};

// The second factor of a staff login (iTrus CPS: "用户名、口令以及数字证书双因素").
struct ClientCertificate {
    Bytes der;  // a TLS client certificate the server has already verified
};
struct SignedChallenge {
    std::string challenge_id;
    Bytes signature;  // SM2 (with AuthConfig::sm2_id) over Challenge::text as issued
};

struct Challenge {
    std::string id;
    std::string text;  // the exact bytes to sign
    TimePoint expires_at{};
};

struct LoginRequest {
    std::string login;
    std::string password;
    std::optional<ClientCertificate> certificate;
    std::optional<SignedChallenge> challenge;
};

struct LoginResult {
    std::string token;  // give to the client; only its SM3 hash is stored
    Session session;
};

// Maker-checker (CPS: 录入员 and 审核员 are different people): the staff member who entered an object
// may not review it. auth.same_person when they are the same, auth.bad_request when either is empty.
Status check_maker_checker(std::string_view maker, std::string_view checker);

// A staff decision is signed by the person who takes it (issue 4): e.g. approving or rejecting an
// approval needs an SM2 signature (AuthConfig::sm2_id, the key of the member's registered login
// certificate) over this text.
//   "yinxin-decision/1\n" <decision: approve|reject> "\n" <object id> "\n" <payload SM3, lower hex> "\n"
std::string decision_text(std::string_view decision, std::string_view object_id, std::string_view payload_sm3_hex);

class AuthService {
public:
    AuthService(AuthStore& store, const Clock& clock, Rng& rng, AuthConfig config = {});

    const AuthConfig& config() const noexcept { return m_config; }

    // First start: the RA root node and the first super admin (appointed outside the system, SDCA
    // CPS: the security centre appoints the super admin). auth.duplicate once any staff exists.
    Result<AuthEvent> bootstrap(const OrgNode& root, const NewStaff& super_admin);

    // --- authorisation ---
    // Loads the actor and checks: active (auth.inactive), role × action (auth.denied), subsystem
    // of business admins/operators (auth.denied), and for scoped actions that the actor's node
    // covers `object_node` (auth.out_of_scope; empty object_node: auth.bad_request).
    Result<StaffRecord> authorize(std::string_view actor, Action action, std::string_view object_node = {});
    // authorize() plus check_maker_checker(maker, actor): for reviewing someone's entry.
    Result<StaffRecord> authorize_checker(std::string_view actor, Action action, std::string_view object_node,
                                          std::string_view maker);
    // Whether `ancestor` covers `node` (see the header comment); unknown nodes are not covered.
    Result<bool> covers(std::string_view ancestor, std::string_view node);
    // The node and every node below it (the nodes `root` covers); empty for an unknown node.
    Result<std::vector<std::string>> subtree(std::string_view root);

    // --- organisation ---
    // Branches hang under the RA; acceptance points under the RA or a branch. Only acceptance
    // points may be sponsored. The actor needs org.create on the parent node.
    Result<AuthEvent> create_org_node(std::string_view actor, const OrgNode& node);
    Result<WithEvent<std::int64_t>> consume_quota(std::string_view actor, std::string_view node,
                                                  std::int64_t count = 1);
    Result<WithEvent<std::int64_t>> topup_quota(std::string_view actor, std::string_view node, std::int64_t count);

    // --- staff (LD/T 03-2022 §5.4 who manages whom: may_manage) ---
    Result<AuthEvent> create_staff(std::string_view actor, const NewStaff& spec);
    // §8.3.3 h: every permission goes at once: sessions are deleted in the same transaction and
    // every later call by the member fails with auth.inactive.
    Result<AuthEvent> deactivate_staff(std::string_view actor, std::string_view target);
    // auth.custodian_conflict when a custodian would get a role §8.3.6 d excludes.
    Result<AuthEvent> assign_role(std::string_view actor, std::string_view target, Role role,
                                  Subsystem subsystem = Subsystem::none);
    // LD/T 03-2022 §8.3.6 d: a super admin, business admin, business operator or system
    // maintainer cannot be named (auth.custodian_conflict).
    Result<AuthEvent> designate_custodian(std::string_view actor, std::string_view target, bool custodian);
    Result<AuthEvent> reset_password(std::string_view actor, std::string_view target, std::string_view new_password);
    Result<AuthEvent> unlock(std::string_view actor, std::string_view target);
    Result<std::optional<StaffRecord>> find_staff(std::string_view id) { return m_store.find_staff(id); }
    // The staff (staff.read) and organisation nodes (org.read) of the actor's subtree. Records
    // carry password hashes: api/ must not serialise them.
    Result<std::vector<StaffRecord>> list_staff(std::string_view actor);
    Result<std::vector<OrgNode>> list_org_nodes(std::string_view actor);

    // A device::CustodianPolicy (yinxin/device/custodian.h) built from the staff register: the
    // name must be an active staff member designated custodian whose role §8.3.6 d allows.
    std::function<Status(std::string_view)> custodian_policy();

    // --- authentication ---
    // The member changes their own password: the old one must verify (failures count towards the
    // lockout), the new one passes the policy and is not among the last `history` passwords.
    Result<AuthEvent> change_password(std::string_view login, std::string_view old_password,
                                      std::string_view new_password);
    // A fresh single-use challenge for a signed-challenge login. Issued for any login name so the
    // answer does not reveal which names exist.
    Result<Challenge> issue_challenge(std::string_view login);
    // Password plus certificate. Errors: auth.bad_credentials (unknown, inactive or wrong
    // password), auth.locked, auth.certificate_mismatch, auth.challenge_invalid,
    // auth.password_expired (correct credentials, but the password must be changed first).
    Result<WithEvent<LoginResult>> login(const LoginRequest& request);
    // The active member behind a session token; refreshes the idle timer. auth.session_invalid
    // for unknown, idle-expired, absolutely expired or deactivated-member sessions.
    Result<StaffRecord> authenticate(std::string_view token);
    Result<AuthEvent> logout(std::string_view token);

    // Checks `signature` by the active member `actor` over decision_text(decision, object_id,
    // hex(payload_hash)) with the member's registered certificate. Returns what the audit record
    // keeps ("<decision> signed by <id> (certificate <serial>)").
    // auth.decision_signature_invalid when missing, malformed or not the member's.
    Result<std::string> verify_decision(std::string_view actor, std::string_view decision, std::string_view object_id,
                                        BytesView payload_hash, BytesView signature);

    // --- two-person rule ---
    // The actor must be allowed to take `kind` on `org_node` (or on its own node for unscoped
    // actions); `kind` must have approvers in the matrix (auth.bad_request otherwise).
    Result<WithEvent<Approval>> request_approval(std::string_view actor, Action kind, BytesView payload,
                                                 std::string_view org_node = {});
    // A different active member whose role is among the approvers (and whose node covers the
    // request's node for scoped actions) approves exactly `payload_hash` (SM3 of the payload):
    // auth.same_person, auth.denied, auth.out_of_scope, auth.approval_mismatch,
    // auth.approval_not_pending (decided, executed or expired).
    Result<AuthEvent> approve(std::string_view actor, std::string_view approval_id, BytesView payload_hash);
    Result<AuthEvent> reject(std::string_view actor, std::string_view approval_id, BytesView payload_hash,
                             std::string_view reason);
    // Consumes an approved request once, just before the change is made: the actor must be
    // allowed the action and may not be the approver; the payload must be the one approved.
    Result<AuthEvent> execute_approved(std::string_view actor, std::string_view approval_id, BytesView payload);

private:
    Result<StaffRecord> load_actor(std::string_view actor);
    Result<StaffRecord> load_target(std::string_view target);
    Status check_manages(const StaffRecord& actor, const StaffRecord& target, Role new_role, Subsystem new_subsystem);
    Status check_new_password(const StaffRecord& staff, std::string_view password);
    Status record_failure(StaffRecord& staff);
    Result<Approval> load_pending(std::string_view id);

    AuthStore& m_store;
    const Clock& m_clock;
    Rng& m_rng;
    AuthConfig m_config;
    // Serialises read-modify-write of staff records (login counters, password changes) and the
    // challenge table within this process; the store's transactions protect each write.
    std::mutex m_mu;
    struct PendingChallenge {
        std::string login;
        std::string text;
        TimePoint expires_at;
    };
    std::map<std::string, PendingChallenge, std::less<>> m_challenges;
};

}  // namespace yinxin::auth
