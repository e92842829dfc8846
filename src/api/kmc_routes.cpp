#include "yinxin/api/kmc_routes.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>

#include "route_util.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::api {

namespace {

using namespace route_util;

nlohmann::json time_json(const std::optional<TimePoint>& t) {
    return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

nlohmann::json recovery_json(const kmc::RecoveryRecord& r) {
    nlohmann::json j{{"id", r.id},
                     {"kind", kmc::recovery_kind_name(r.kind)},
                     {"state", kmc::recovery_state_name(r.state)},
                     {"ra_request_id", r.ra_request_id},
                     {"org_node", r.org_node},
                     {"ca", r.ca_id},
                     {"cert_no", r.cert_no},
                     {"key_id", r.key_id},
                     {"case_reference", r.case_reference},
                     {"requested_by", r.requested_by},
                     {"requested_at", format_rfc3339(r.requested_at)},
                     {"decided_by", r.decided_by},
                     {"decided_at", time_json(r.decided_at)},
                     {"reason", r.reason},
                     {"completed_by", r.completed_by},
                     {"completed_at", time_json(r.completed_at)},
                     {"output_sm3", hex_encode(r.output_sm3)}};
    const auto payload = crypto::sm3(as_bytes(kmc::KmcService::recovery_payload(r)));
    j["payload_sm3"] = hex_encode(payload);
    return j;
}

nlohmann::json key_json(const kmc::EscrowedKey& k) {
    return {{"key_id", k.key_id},
            {"ca", k.ca_id},
            {"cert_no", k.cert_no},
            {"state", kmc::key_state_name(k.state)},
            {"user_name", k.user_name},
            {"not_before", format_rfc3339(k.not_before)},
            {"not_after", format_rfc3339(k.not_after)},
            {"escrowed_at", format_rfc3339(k.escrowed_at)},
            {"revoked_at", time_json(k.revoked_at)},
            {"archived_at", time_json(k.archived_at)},
            {"purged_at", time_json(k.purged_at)}};
}

Result<std::size_t> limit_param(const Request& req) {
    const auto v = req.query_param("limit");
    if (!v) return std::size_t{100};
    const auto n = parse_u64(*v);
    if (!n || *n == 0 || *n > 1000) return bad_request("limit must be 1..1000");
    return static_cast<std::size_t>(*n);
}

Result<kmc::RecoveryRecord> start_recovery(kmc::KmcService& kmc, const kmc::Caller& who, const nlohmann::json& j) {
    YX_ASSIGN_OR_RETURN(std::string kind, text_field(j, "kind"));
    if (kind == "holder") {
        kmc::HolderRecoveryRequest h;
        YX_ASSIGN_OR_RETURN(h.ra_request_id, text_field(j, "ra_request_id"));
        YX_ASSIGN_OR_RETURN(h.org_node, text_field(j, "org_node"));
        YX_ASSIGN_OR_RETURN(h.ca_id, text_field(j, "ca"));
        YX_ASSIGN_OR_RETURN(h.cert_no, text_field(j, "cert_no"));
        YX_ASSIGN_OR_RETURN(h.holder_public_key, base64_field(j, "holder_public_key"));
        return kmc.start_holder_recovery(who, h);
    }
    if (kind == "judicial") {
        kmc::JudicialRecoveryRequest q;
        YX_ASSIGN_OR_RETURN(q.ra_request_id, text_field(j, "ra_request_id"));
        YX_ASSIGN_OR_RETURN(q.ca_id, text_field(j, "ca"));
        YX_ASSIGN_OR_RETURN(q.cert_no, text_field(j, "cert_no"));
        YX_ASSIGN_OR_RETURN(q.medium_public_key, base64_field(j, "medium_public_key"));
        YX_ASSIGN_OR_RETURN(q.case_reference, text_field(j, "case_reference"));
        YX_ASSIGN_OR_RETURN(q.officer_certificate, base64_field(j, "officer_certificate"));
        YX_ASSIGN_OR_RETURN(q.officer_signature, base64_field(j, "officer_signature"));
        if (auto chain = j.find("officer_chain"); chain != j.end()) {
            if (!chain->is_array()) return bad_request("officer_chain must be an array of base64 certificates");
            for (const auto& c : *chain) {
                if (!c.is_string()) return bad_request("officer_chain must be an array of base64 certificates");
                auto der = base64_decode(c.get<std::string>());
                if (!der) return bad_request("officer_chain holds something that is not base64");
                q.officer_chain.push_back(std::move(der).value());
            }
        }
        return kmc.start_judicial_recovery(who, q);
    }
    return bad_request("kind is holder or judicial");
}

}  // namespace

Status add_kmc_routes(Server& server, const KmcApi& api) {
    if (api.kmc == nullptr || api.auth == nullptr) return make_error(Errc::invalid_argument, "KMC routes need the KMC");
    kmc::KmcService& kmc = *api.kmc;
    auth::AuthService& auth = *api.auth;
    const bool need_cert = api.require_client_cert;
    RouteOptions der_body;
    der_body.consumes = {"application/octet-stream"};
    der_body.max_body_bytes = std::uint64_t{256} * 1024;
    YX_TRY(server.add_route(
        "POST", "/api/v1/kmc",
        [&kmc, need_cert](const Request& req) -> Result<Response> {
            if (need_cert && req.client_cert_der.empty())
                return make_error(Errc::api_unauthenticated,
                                  "the KMC answers CAs over mutually authenticated TLS only: no client certificate");
            // The answer is always a signed KMRespond (refusals are ErrorPkgRespond inside it).
            Response r =
                Response::text(to_string(kmc.handle(as_bytes(req.body), req.peer)), "application/octet-stream");
            r.headers.push_back({"Cache-Control", "no-store"});
            return r;
        },
        der_body));
    auto caller = [&auth](const Request& req) -> Result<kmc::Caller> {
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, bearer_caller(auth, req));
        return kmc::Caller{who.id, req.peer};
    };
    YX_TRY(server.add_route("GET", "/api/v1/kmc/keys", [&kmc, &auth](const Request& req) -> Result<Response> {
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, bearer_caller(auth, req));
        // Reading the archive is a KMC duty: the operators and admins who may recover keys.
        YX_ASSIGN_OR_RETURN(auth::StaffRecord member, auth.authorize(who.id, auth::Action::kmc_recover, who.org_node));
        (void)member;
        kmc::KeyFilter f;
        if (auto ca = req.query_param("ca")) f.ca_id = std::string(*ca);
        if (auto s = req.query_param("state")) {
            auto st = kmc::key_state_from_name(*s);
            if (!st) return bad_request("state is active, revoked, archived or purged");
            f.state = *st;
        }
        if (auto a = req.query_param("after")) f.after_key_id = std::string(*a);
        YX_ASSIGN_OR_RETURN(f.limit, limit_param(req));
        YX_ASSIGN_OR_RETURN(auto keys, kmc.list_keys(f));
        nlohmann::json out = nlohmann::json::array();
        for (const auto& k : keys) out.push_back(key_json(k));
        return Response::json({{"keys", out}});
    }));
    const RouteOptions json_body{.consumes = {k_json}, .max_body_bytes = std::uint64_t{64} * 1024};
    YX_TRY(server.add_route(
        "POST", "/api/v1/kmc/recoveries",
        [&kmc, caller](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(kmc::Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(kmc::RecoveryRecord r, start_recovery(kmc, who, req.json));
            return Response::json(recovery_json(r), 201);
        },
        json_body));
    YX_TRY(server.add_route("GET", "/api/v1/kmc/recoveries", [&kmc, caller](const Request& req) -> Result<Response> {
        YX_ASSIGN_OR_RETURN(kmc::Caller who, caller(req));
        (void)who;
        std::optional<kmc::RecoveryState> state;
        if (auto s = req.query_param("state")) {
            state = kmc::recovery_state_from_name(*s);
            if (!state) return bad_request("unknown state \"" + std::string(*s) + "\"");
        }
        YX_ASSIGN_OR_RETURN(std::size_t limit, limit_param(req));
        YX_ASSIGN_OR_RETURN(auto list, kmc.list_recoveries(state, req.query_param("after").value_or(""), limit));
        nlohmann::json out = nlohmann::json::array();
        for (const auto& r : list) out.push_back(recovery_json(r));
        return Response::json({{"recoveries", out}});
    }));
    YX_TRY(
        server.add_route("GET", "/api/v1/kmc/recoveries/{id}", [&kmc, caller](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(kmc::Caller who, caller(req));
            (void)who;
            YX_ASSIGN_OR_RETURN(kmc::RecoveryRecord r, kmc.get_recovery(req.path_param("id")));
            return Response::json(recovery_json(r));
        }));
    // The second person's decision is signed like every approval (staff_routes.h): the signature
    // is checked against their registered certificate before the KMC records the decision.
    auto signed_decision = [&kmc, &auth](const kmc::Caller& who, std::string_view step, std::string_view id,
                                         const nlohmann::json& j) -> Status {
        YX_ASSIGN_OR_RETURN(Bytes signature, base64_field(j, "signature"));
        YX_ASSIGN_OR_RETURN(kmc::RecoveryRecord r, kmc.get_recovery(id));
        const auto payload = crypto::sm3(as_bytes(kmc::KmcService::recovery_payload(r)));
        YX_ASSIGN_OR_RETURN(std::string checked, auth.verify_decision(who.id, step, r.id, payload, signature));
        (void)checked;
        return ok_status();
    };
    YX_TRY(server.add_route(
        "POST", "/api/v1/kmc/recoveries/{id}/approve",
        [&kmc, caller, signed_decision](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(kmc::Caller who, caller(req));
            if (Status st = signed_decision(who, "approve", req.path_param("id"), req.json); !st.ok())
                return st.error();
            YX_ASSIGN_OR_RETURN(kmc::RecoveryRecord r, kmc.approve_recovery(who, req.path_param("id")));
            return Response::json(recovery_json(r));
        },
        json_body));
    YX_TRY(server.add_route(
        "POST", "/api/v1/kmc/recoveries/{id}/reject",
        [&kmc, caller, signed_decision](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(kmc::Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(std::string reason, text_field(req.json, "reason"));
            if (Status st = signed_decision(who, "reject", req.path_param("id"), req.json); !st.ok()) return st.error();
            YX_ASSIGN_OR_RETURN(kmc::RecoveryRecord r, kmc.reject_recovery(who, req.path_param("id"), reason));
            return Response::json(recovery_json(r));
        },
        json_body));
    YX_TRY(server.add_route(
        "POST", "/api/v1/kmc/recoveries/{id}/execute", [&kmc, caller](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(kmc::Caller who, caller(req));
            YX_ASSIGN_OR_RETURN(kmc::RecoveredKey k, kmc.execute_recovery(who, req.path_param("id")));
            Response r = Response::json(
                {{"recovery", recovery_json(k.record)}, {"enveloped_key", base64_encode(k.enveloped_key)}});
            r.headers.push_back({"Cache-Control", "no-store"});
            return r;
        }));
    return ok_status();
}

}  // namespace yinxin::api
