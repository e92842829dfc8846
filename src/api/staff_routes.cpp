#include "yinxin/api/staff_routes.h"

#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "route_util.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::api {
namespace {

using namespace route_util;
using auth::Role;
using auth::StaffRecord;

Result<Role> role_field(const nlohmann::json& j) {
    YX_ASSIGN_OR_RETURN(std::string name, text_field(j, "role"));
    auto role = auth::role_from_name(name);
    if (!role) return bad_request("unknown role \"" + name + "\"");
    return *role;
}

Result<auth::Subsystem> subsystem_field(const nlohmann::json& j) {
    YX_ASSIGN_OR_RETURN(std::string name, text_field(j, "subsystem", false));
    if (name.empty()) return auth::Subsystem::none;
    auto s = auth::subsystem_from_name(name);
    if (!s) return bad_request("unknown subsystem \"" + name + "\"");
    return *s;
}

// Never the password hash or history.
nlohmann::json staff_json(const StaffRecord& s) {
    nlohmann::json j{{"id", s.id},
                     {"display_name", s.display_name},
                     {"role", std::string(auth::role_name(s.role))},
                     {"subsystem", std::string(auth::subsystem_name(s.subsystem))},
                     {"org_node", s.org_node},
                     {"active", s.active},
                     {"custodian", s.custodian},
                     {"must_change_password", s.must_change_password},
                     {"created_by", s.created_by},
                     {"created_at", format_rfc3339(s.created_at)},
                     {"has_certificate", !s.certificate_der.empty()}};
    if (auto t = time_or_null(s.deactivated_at)) j["deactivated_at"] = *t;
    if (auto t = time_or_null(s.locked_until)) j["locked_until"] = *t;
    return j;
}

nlohmann::json org_json(const auth::OrgNode& n) {
    nlohmann::json j{{"id", n.id},
                     {"parent", n.parent_id},
                     {"kind", std::string(auth::org_kind_name(n.kind))},
                     {"name", n.name},
                     {"sponsored", n.sponsored}};
    if (n.sponsored) j["quota_remaining"] = n.quota_remaining;
    return j;
}

nlohmann::json audit_record_json(const audit::AuditRecord& r) {
    return {{"seq", r.seq},
            {"time", format_rfc3339(r.time)},
            {"source", r.source},
            {"actor", r.actor},
            {"role", r.role},
            {"action", r.action},
            {"target", r.target},
            {"detail", r.detail},
            {"result", r.success ? "success" : "failure"},
            {"error_code", r.error_code},
            {"record_hash", hex_encode(r.record_hash)}};
}

class Routes : public std::enable_shared_from_this<Routes> {
public:
    explicit Routes(const StaffApi& api) : m_api(api) {}

    // The active staff member behind the bearer token (auth.session_invalid otherwise).
    Result<StaffRecord> caller(const Request& req, AuditNote* note = nullptr) const {
        return bearer_caller(*m_api.auth, req, note);
    }

    Status add(Server& server) {
        const RouteOptions json_body{.consumes = {k_json}, .max_body_bytes = std::uint64_t{64} * 1024};
        auth::AuthService& auth = *m_api.auth;
        audit::AuditLog* log = m_api.audit;

        // --- authentication ---
        route(
            server, "POST", "/api/v1/auth/challenge",
            [&auth](const Request& req) -> Result<Response> {
                YX_ASSIGN_OR_RETURN(std::string login, text_field(req.json, "login"));
                YX_ASSIGN_OR_RETURN(auth::Challenge c, auth.issue_challenge(login));
                return Response::json(
                    {{"challenge_id", c.id}, {"challenge", c.text}, {"expires_at", format_rfc3339(c.expires_at)}});
            },
            json_body);
        route(server, "POST", "/api/v1/auth/login",
              audited(log, "auth.login",
                      [&auth](const Request& req, AuditNote& note) -> Result<Response> {
                          auth::LoginRequest lr;
                          YX_ASSIGN_OR_RETURN(lr.login, text_field(req.json, "login"));
                          note.actor = lr.login;
                          note.target = lr.login;
                          YX_ASSIGN_OR_RETURN(lr.password, text_field(req.json, "password"));
                          YX_ASSIGN_OR_RETURN(std::string challenge_id, text_field(req.json, "challenge_id", false));
                          if (!req.client_cert_der.empty()) {
                              lr.certificate = auth::ClientCertificate{req.client_cert_der};
                          } else if (!challenge_id.empty()) {
                              YX_ASSIGN_OR_RETURN(std::string sig_text, text_field(req.json, "signature"));
                              auto sig = base64_decode(sig_text);
                              if (!sig) return bad_request("field \"signature\" must be base64 (DER SM2 signature)");
                              lr.challenge = auth::SignedChallenge{challenge_id, std::move(sig).value()};
                          }
                          YX_ASSIGN_OR_RETURN(auto done, auth.login(lr));
                          note.from(done.event);
                          const auth::Session& s = done.value.session;
                          return Response::json({{"token", done.value.token},
                                                 {"token_type", "Bearer"},
                                                 {"staff_id", s.staff_id},
                                                 {"expires_at", format_rfc3339(s.expires_at)},
                                                 {"idle_timeout_seconds", auth.config().session_idle.count()}});
                      }),
              json_body);
        route(server, "POST", "/api/v1/auth/logout",
              audited(log, "auth.logout",
                      [this, &auth](const Request& req, AuditNote& note) { return logout(req, note, auth); }));
        route(server, "POST", "/api/v1/auth/password",
              audited(log, "auth.password.change",
                      [&auth](const Request& req, AuditNote& note) -> Result<Response> {
                          YX_ASSIGN_OR_RETURN(std::string login, text_field(req.json, "login"));
                          note.actor = login;
                          note.target = login;
                          YX_ASSIGN_OR_RETURN(std::string old_pw, text_field(req.json, "old_password"));
                          YX_ASSIGN_OR_RETURN(std::string new_pw, text_field(req.json, "new_password"));
                          YX_ASSIGN_OR_RETURN(auth::AuthEvent ev, auth.change_password(login, old_pw, new_pw));
                          note.from(ev);
                          return Response::no_content();
                      }),
              json_body);
        route(server, "GET", "/api/v1/auth/me", [this](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req));
            return Response::json(staff_json(me));
        });

        // --- staff ---
        route(server, "GET", "/api/v1/staff", [this, &auth](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req));
            YX_ASSIGN_OR_RETURN(auto all, auth.list_staff(me.id));
            auto list = nlohmann::json::array();
            for (const auto& s : all) list.push_back(staff_json(s));
            return Response::json({{"staff", list}});
        });
        route(server, "GET", "/api/v1/staff/{id}", [this, &auth](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req));
            YX_ASSIGN_OR_RETURN(auto found, auth.find_staff(req.path_param("id")));
            // Unknown members and members outside the caller's subtree look the same.
            if (!found) {
                YX_TRY(auth.authorize(me.id, auth::Action::staff_read, me.org_node));
                return make_error(Errc::auth_not_found, "no staff member '" + std::string(req.path_param("id")) + "'");
            }
            YX_TRY(auth.authorize(me.id, auth::Action::staff_read, found->org_node));
            return Response::json(staff_json(*found));
        });
        route(server, "POST", "/api/v1/staff",
              audited(log, "staff.create",
                      [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                          YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                          auth::NewStaff spec;
                          const auto& j = req.json;
                          YX_ASSIGN_OR_RETURN(spec.id, text_field(j, "id"));
                          note.target = spec.id;
                          YX_ASSIGN_OR_RETURN(spec.display_name, text_field(j, "display_name"));
                          YX_ASSIGN_OR_RETURN(spec.phone, text_field(j, "phone", false));
                          YX_ASSIGN_OR_RETURN(spec.id_number, text_field(j, "id_number", false));
                          YX_ASSIGN_OR_RETURN(spec.birth_date, text_field(j, "birth_date", false));
                          YX_ASSIGN_OR_RETURN(spec.role, role_field(j));
                          YX_ASSIGN_OR_RETURN(spec.subsystem, subsystem_field(j));
                          YX_ASSIGN_OR_RETURN(spec.org_node, text_field(j, "org_node"));
                          YX_ASSIGN_OR_RETURN(spec.initial_password, text_field(j, "initial_password"));
                          YX_ASSIGN_OR_RETURN(std::string pem, text_field(j, "certificate_pem", false));
                          if (!pem.empty()) {
                              auto der = pem_decode(pem, "CERTIFICATE");
                              if (!der) return bad_request("certificate_pem: " + der.error().message);
                              spec.certificate_der = std::move(der).value();
                          }
                          YX_ASSIGN_OR_RETURN(auth::AuthEvent ev, auth.create_staff(me.id, spec));
                          note.from(ev);
                          YX_ASSIGN_OR_RETURN(auto created, auth.find_staff(spec.id));
                          if (!created) return make_error(Errc::internal, "created staff member not found");
                          auto resp = Response::json(staff_json(*created), 201);
                          resp.headers.emplace_back("Location", "/api/v1/staff/" + spec.id);
                          return resp;
                      }),
              json_body);
        route(server, "POST", "/api/v1/staff/{id}/deactivate",
              audited(log, "staff.deactivate", [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                  YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                  note.target = req.path_param("id");
                  YX_ASSIGN_OR_RETURN(auth::AuthEvent ev, auth.deactivate_staff(me.id, note.target));
                  note.from(ev);
                  return staff_reply(auth, note.target);
              }));
        route(server, "PUT", "/api/v1/staff/{id}/role",
              audited(log, "staff.role.assign",
                      [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                          YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                          note.target = req.path_param("id");
                          YX_ASSIGN_OR_RETURN(Role role, role_field(req.json));
                          YX_ASSIGN_OR_RETURN(auth::Subsystem sub, subsystem_field(req.json));
                          YX_ASSIGN_OR_RETURN(auth::AuthEvent ev, auth.assign_role(me.id, note.target, role, sub));
                          note.from(ev);
                          return staff_reply(auth, note.target);
                      }),
              json_body);
        route(server, "PUT", "/api/v1/staff/{id}/custodian",
              audited(log, "staff.custodian.designate",
                      [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                          YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                          note.target = req.path_param("id");
                          YX_ASSIGN_OR_RETURN(bool custodian, bool_field(req.json, "custodian"));
                          YX_ASSIGN_OR_RETURN(auth::AuthEvent ev,
                                              auth.designate_custodian(me.id, note.target, custodian));
                          note.from(ev);
                          return staff_reply(auth, note.target);
                      }),
              json_body);
        route(server, "POST", "/api/v1/staff/{id}/password-reset",
              audited(log, "staff.password.reset",
                      [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                          YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                          note.target = req.path_param("id");
                          YX_ASSIGN_OR_RETURN(std::string pw, text_field(req.json, "new_password"));
                          YX_ASSIGN_OR_RETURN(auth::AuthEvent ev, auth.reset_password(me.id, note.target, pw));
                          note.from(ev);
                          return staff_reply(auth, note.target);
                      }),
              json_body);
        route(server, "POST", "/api/v1/staff/{id}/unlock",
              audited(log, "staff.unlock", [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                  YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                  note.target = req.path_param("id");
                  YX_ASSIGN_OR_RETURN(auth::AuthEvent ev, auth.unlock(me.id, note.target));
                  note.from(ev);
                  return staff_reply(auth, note.target);
              }));

        // --- organisation ---
        route(server, "GET", "/api/v1/org-nodes", [this, &auth](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req));
            YX_ASSIGN_OR_RETURN(auto nodes, auth.list_org_nodes(me.id));
            auto list = nlohmann::json::array();
            for (const auto& n : nodes) list.push_back(org_json(n));
            return Response::json({{"org_nodes", list}});
        });
        route(server, "POST", "/api/v1/org-nodes",
              audited(log, "org.create",
                      [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                          YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                          const auto& j = req.json;
                          auth::OrgNode n;
                          YX_ASSIGN_OR_RETURN(n.id, text_field(j, "id"));
                          note.target = n.id;
                          YX_ASSIGN_OR_RETURN(n.parent_id, text_field(j, "parent"));
                          YX_ASSIGN_OR_RETURN(std::string kind, text_field(j, "kind"));
                          auto k = auth::org_kind_from_name(kind);
                          if (!k) return bad_request("unknown organisation kind \"" + kind + "\"");
                          n.kind = *k;
                          YX_ASSIGN_OR_RETURN(n.name, text_field(j, "name"));
                          YX_ASSIGN_OR_RETURN(n.sponsored, bool_field(j, "sponsored", false));
                          YX_ASSIGN_OR_RETURN(n.quota_remaining, int_field(j, "quota", 0));
                          YX_ASSIGN_OR_RETURN(auth::AuthEvent ev, auth.create_org_node(me.id, n));
                          note.from(ev);
                          auto resp = Response::json(org_json(n), 201);
                          resp.headers.emplace_back("Location", "/api/v1/org-nodes/" + n.id);
                          return resp;
                      }),
              json_body);
        route(server, "POST", "/api/v1/org-nodes/{id}/quota",
              audited(log, "org.quota.topup",
                      [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                          YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                          note.target = req.path_param("id");
                          YX_ASSIGN_OR_RETURN(std::int64_t add, int_field(req.json, "add", std::nullopt));
                          YX_ASSIGN_OR_RETURN(auto done, auth.topup_quota(me.id, note.target, add));
                          note.from(done.event);
                          return Response::json({{"id", note.target}, {"quota_remaining", done.value}});
                      }),
              json_body);

        // --- audit log: auditors and the audit admin only; reading is itself recorded ---
        route(server, "GET", "/api/v1/audit/records",
              audited(log, "audit.read", [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                  YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                  YX_TRY(auth.authorize(me.id, auth::Action::audit_read));
                  // LD/T 01.1-2022 §9.4: an auditor of one system reads that system's records only.
                  const auth::Subsystem scope = me.subsystem;
                  std::uint64_t from = 1;
                  std::uint64_t limit = 100;
                  if (auto f = req.query_param("from")) {
                      auto v = parse_u64(*f);
                      if (!v || *v == 0) return bad_request("from must be a sequence number >= 1");
                      from = *v;
                  }
                  if (auto l = req.query_param("limit")) {
                      auto v = parse_u64(*l);
                      if (!v || *v == 0 || *v > 1000) return bad_request("limit must be 1..1000");
                      limit = *v;
                  }
                  note.target = "seq " + std::to_string(from) + "+" + std::to_string(limit);
                  YX_ASSIGN_OR_RETURN(auto records, m_api.audit_store->read_range(from, limit));
                  auto list = nlohmann::json::array();
                  for (const auto& r : records)
                      if (scope == auth::Subsystem::none || auth::audit_action_subsystem(r.action) == scope)
                          list.push_back(audit_record_json(r));
                  nlohmann::json out{{"records", list}};
                  if (scope != auth::Subsystem::none) out["subsystem"] = std::string(auth::subsystem_name(scope));
                  if (records.size() == limit) out["next_from"] = records.back().seq + 1;
                  return Response::json(out);
              }));
        route(server, "GET", "/api/v1/audit/verify",
              audited(log, "audit.verify", [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                  YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                  YX_TRY(auth.authorize(me.id, auth::Action::audit_verify));
                  YX_ASSIGN_OR_RETURN(audit::VerifyReport rep, m_api.audit->verify());
                  auto findings = nlohmann::json::array();
                  for (const auto& f : rep.findings)
                      findings.push_back({{"kind", std::string(audit::finding_kind_name(f.kind))},
                                          {"seq", f.seq},
                                          {"row_id", f.row_id},
                                          {"message", f.message}});
                  note.detail = rep.intact() ? "log intact" : "log verification found problems";
                  return Response::json({{"intact", rep.intact()},
                                         {"records", rep.records},
                                         {"head_seq", rep.head_seq},
                                         {"checkpoints", rep.checkpoints},
                                         {"anchored_seq", rep.anchored_seq},
                                         {"unanchored", rep.unanchored},
                                         {"key_pinned", rep.key_pinned},
                                         {"findings", findings}});
              }));

        // --- configuration under the two-person rule ---
        route(server, "GET", "/api/v1/config/{key}", [this, &auth](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req));
            YX_TRY(auth.authorize(me.id, auth::Action::config_read));
            YX_ASSIGN_OR_RETURN(const ConfigEntry* entry, config_entry(req.path_param("key")));
            YX_ASSIGN_OR_RETURN(nlohmann::json value, entry->read());
            return Response::json({{"key", req.path_param("key")}, {"value", value}});
        });
        route(server, "POST", "/api/v1/approvals",
              audited(log, "approval.request",
                      [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                          YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                          YX_ASSIGN_OR_RETURN(std::string action_name, text_field(req.json, "action"));
                          auto action = auth::action_from_name(action_name);
                          if (!action) return bad_request("unknown action \"" + action_name + "\"");
                          if (!req.json.contains("payload")) return bad_request("missing field \"payload\"");
                          YX_ASSIGN_OR_RETURN(std::string node, text_field(req.json, "org_node", false));
                          const std::string payload = req.json["payload"].dump();
                          YX_ASSIGN_OR_RETURN(auto done,
                                              auth.request_approval(me.id, *action, as_bytes(payload), node));
                          note.from(done.event);
                          const auth::Approval& a = done.value;
                          return Response::json({{"id", a.id},
                                                 {"action", action_name},
                                                 {"payload_sm3", hex_encode(a.payload_hash)},
                                                 {"status", std::string(auth::approval_status_name(a.status))},
                                                 {"approvers", a.approvers.to_string()},
                                                 {"expires_at", format_rfc3339(a.expires_at)}},
                                                201);
                      }),
              json_body);
        route(server, "POST", "/api/v1/approvals/{id}/approve",
              audited(log, "approval.approve",
                      [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                          YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                          note.target = req.path_param("id");
                          YX_ASSIGN_OR_RETURN(Bytes hash, hex_field(req.json, "payload_sm3"));
                          YX_TRY(check_decision(me, "approve", note.target, hash, req.json, note));
                          const std::string signed_note = note.detail;
                          YX_ASSIGN_OR_RETURN(auth::AuthEvent ev, auth.approve(me.id, note.target, hash));
                          note.from(ev);
                          note.detail += "; " + signed_note;
                          return Response::json({{"id", note.target}, {"status", "approved"}});
                      }),
              json_body);
        route(server, "POST", "/api/v1/approvals/{id}/reject",
              audited(log, "approval.reject",
                      [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                          YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                          note.target = req.path_param("id");
                          YX_ASSIGN_OR_RETURN(Bytes hash, hex_field(req.json, "payload_sm3"));
                          YX_ASSIGN_OR_RETURN(std::string reason, text_field(req.json, "reason"));
                          YX_TRY(check_decision(me, "reject", note.target, hash, req.json, note));
                          const std::string signed_note = note.detail;
                          YX_ASSIGN_OR_RETURN(auth::AuthEvent ev, auth.reject(me.id, note.target, hash, reason));
                          note.from(ev);
                          note.detail += "; " + signed_note;
                          return Response::json({{"id", note.target}, {"status", "rejected"}});
                      }),
              json_body);
        route(server, "PUT", "/api/v1/config/{key}",
              audited(log, "config.change",
                      [this, &auth](const Request& req, AuditNote& note) -> Result<Response> {
                          YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
                          const std::string key(req.path_param("key"));
                          note.target = key;
                          YX_ASSIGN_OR_RETURN(const ConfigEntry* entry, config_entry(key));
                          YX_ASSIGN_OR_RETURN(std::string approval_id, text_field(req.json, "approval_id"));
                          if (!req.json.contains("value")) return bad_request("missing field \"value\"");
                          const nlohmann::json& value = req.json["value"];
                          // §8.2.1 b: the change is made only as approved by a second person, once.
                          YX_ASSIGN_OR_RETURN(
                              auth::AuthEvent ev,
                              auth.execute_approved(me.id, approval_id, as_bytes(config_change_payload(key, value))));
                          note.from(ev);
                          note.target = key + " (approval " + approval_id + ")";
                          YX_TRY(entry->write(value));
                          return Response::json({{"key", key}, {"value", value}});
                      }),
              json_body);
        return m_status;
    }

private:
    // Every handler keeps this table alive (the server may outlive the caller's StaffApi copy).
    // The first failure is kept and returned by add().
    void route(Server& server, std::string method, std::string pattern, Handler handler, RouteOptions options = {}) {
        if (!m_status) return;
        m_status = server.add_route(
            std::move(method), std::move(pattern),
            [self = shared_from_this(), h = std::move(handler)](const Request& req) { return h(req); },
            std::move(options));
    }

    static Result<Response> staff_reply(auth::AuthService& auth, std::string_view id) {
        YX_ASSIGN_OR_RETURN(auto s, auth.find_staff(id));
        if (!s) return make_error(Errc::auth_not_found, "no staff member '" + std::string(id) + "'");
        return Response::json(staff_json(*s));
    }

    Result<Response> logout(const Request& req, AuditNote& note, auth::AuthService& auth) const {
        YX_ASSIGN_OR_RETURN(StaffRecord me, caller(req, &note));
        auto h = req.header("Authorization");
        YX_ASSIGN_OR_RETURN(auth::AuthEvent ev, auth.logout(h->substr(std::string_view("Bearer ").size())));
        note.from(ev);
        note.actor = me.id;
        return Response::no_content();
    }

    // The decision signature of `me` (auth::AuthService::verify_decision), noted for the audit log
    // with the signature itself.
    Status check_decision(const StaffRecord& me, std::string_view decision, std::string_view approval_id,
                          BytesView payload_hash, const nlohmann::json& body, AuditNote& note) const {
        YX_ASSIGN_OR_RETURN(std::string sig_text, text_field(body, "signature", false));
        auto sig = base64_decode(sig_text);
        if (!sig) return bad_request("field \"signature\" must be base64 (DER SM2 signature)");
        YX_ASSIGN_OR_RETURN(std::string signed_by,
                            m_api.auth->verify_decision(me.id, decision, approval_id, payload_hash, *sig));
        note.detail = signed_by + "; SM2 signature " + sig_text;
        return ok_status();
    }

    Result<const ConfigEntry*> config_entry(std::string_view key) const {
        auto it = m_api.config.find(key);
        if (it == m_api.config.end())
            return make_error(Errc::api_route_not_found, "no configuration '" + std::string(key) + "'");
        return &it->second;
    }

    StaffApi m_api;
    Status m_status = ok_status();
};

}  // namespace

std::string config_change_payload(std::string_view key, const nlohmann::json& value) {
    return nlohmann::json{{"key", key}, {"value", value}}.dump();
}

Status add_staff_routes(Server& server, const StaffApi& api) {
    if (api.auth == nullptr || api.audit == nullptr || api.audit_store == nullptr)
        return make_error(Errc::api_bad_config, "staff routes need the auth service, the audit log and its store");
    return std::make_shared<Routes>(api)->add(server);
}

}  // namespace yinxin::api
