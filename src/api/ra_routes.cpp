#include "yinxin/api/ra_routes.h"

#include <chrono>
#include <string>
#include <utility>

#include "route_util.h"
#include "yinxin/base/bytes.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::api {

namespace {

using namespace route_util;

nlohmann::json request_json(const ra::RaRequest& r) {
    nlohmann::json form = nlohmann::json::object();
    for (const auto& [k, v] : r.form.fields) form[k] = v;
    nlohmann::json j{{"id", r.id},
                     {"kind", ra::request_kind_name(r.kind)},
                     {"state", ra::request_state_name(r.state)},
                     {"subject_kind", ra::subject_kind_name(r.form.kind)},
                     {"form", form},
                     {"org_node", r.org_node},
                     {"ca", r.ca_id},
                     {"profile", r.profile_id},
                     {"target", r.target},
                     {"self_service", r.self_service},
                     {"dual", r.dual},
                     {"has_challenge_phrase", !r.challenge_hash.empty()},
                     {"submitted_by", r.submitted_by},
                     {"submitted_at", format_rfc3339(r.submitted_at)},
                     {"decision_due", format_rfc3339(r.decision_due)},
                     {"approved_by", r.approved_by},
                     {"reviewed_by", r.reviewed_by},
                     {"result", r.result},
                     {"version", r.version}};
    if (r.kind == ra::RequestKind::revocation)
        j["reason"] = x509::crl_reason_name(static_cast<x509::CrlReason>(r.revocation_reason));
    if (auto t = time_or_null(r.approved_at)) j["approved_at"] = *t;
    if (auto t = time_or_null(r.reviewed_at)) j["reviewed_at"] = *t;
    if (auto t = time_or_null(r.completed_at)) j["completed_at"] = *t;
    if (r.rejected_at) {
        j["rejected_by"] = r.rejected_by;
        j["reject_reason"] = r.reject_reason;
        j["rejected_at"] = format_rfc3339(*r.rejected_at);
    }
    if (r.delivered_at) {
        j["delivery"] = {{"method", ra::delivery_method_name(*r.delivery)},
                         {"delivered_by", r.delivered_by},
                         {"received_by", r.received_by},
                         {"carrier_no", r.carrier_no},
                         {"delivered_at", format_rfc3339(*r.delivered_at)}};
    }
    return j;
}

nlohmann::json outcome_json(const ra::StatusOutcome& o) {
    nlohmann::json j{{"certificate", o.certificate}, {"status", o.status}};
    if (o.crl_number) j["crl_number"] = *o.crl_number;
    return j;
}

// A PKCS#10 given as PEM text or base64 DER.
Result<Bytes> csr_field(const nlohmann::json& j, bool required) {
    YX_ASSIGN_OR_RETURN(std::string text, text_field(j, "csr", required));
    if (text.empty()) return Bytes{};
    if (text.find("-----BEGIN") != std::string::npos) return Bytes(text.begin(), text.end());
    auto der = base64_decode(text);
    if (!der) return bad_request("field \"csr\" must be PEM or base64 DER");
    return std::move(der).value();
}

Result<x509::CrlReason> reason_field(const nlohmann::json& j) {
    YX_ASSIGN_OR_RETURN(std::string name, text_field(j, "reason", false));
    if (name.empty()) return x509::CrlReason::unspecified;
    auto r = x509::parse_crl_reason(name);
    if (!r) return bad_request("unknown revocation reason \"" + name + "\" (RFC 5280 names)");
    return *r;
}

Result<ra::SubmitRequest> submit_request(const nlohmann::json& j) {
    ra::SubmitRequest s;
    YX_ASSIGN_OR_RETURN(std::string kind, text_field(j, "kind"));
    auto k = ra::request_kind_from_name(kind);
    if (!k) return bad_request("unknown kind \"" + kind + "\"");
    s.kind = *k;
    YX_ASSIGN_OR_RETURN(std::string subject, text_field(j, "subject_kind"));
    auto sk = ra::subject_kind_from_name(subject);
    if (!sk) return bad_request("subject_kind is person, organisation or device");
    s.form.kind = *sk;
    auto form = j.find("form");
    if (form == j.end() || !form->is_object()) return bad_request("field \"form\" must be an object");
    for (const auto& [key, value] : form->items()) {
        if (!value.is_string()) return bad_request("form field \"" + key + "\" must be a string");
        if (!value.get<std::string>().empty()) s.form.fields.emplace(key, value.get<std::string>());
    }
    YX_ASSIGN_OR_RETURN(s.org_node, text_field(j, "org_node"));
    YX_ASSIGN_OR_RETURN(s.ca_id, text_field(j, "ca", false));
    YX_ASSIGN_OR_RETURN(s.profile_id, text_field(j, "profile", false));
    YX_ASSIGN_OR_RETURN(s.csr, csr_field(j, false));
    YX_ASSIGN_OR_RETURN(s.target, text_field(j, "target", false));
    YX_ASSIGN_OR_RETURN(s.reason, reason_field(j));
    YX_ASSIGN_OR_RETURN(s.challenge_phrase, text_field(j, "challenge_phrase", false));
    YX_ASSIGN_OR_RETURN(std::int64_t days, int_field(j, "validity_days", 0));
    if (days < 0 || days > 36500) return bad_request("validity_days must be 0..36500");
    s.validity_days = static_cast<std::uint32_t>(days);
    YX_ASSIGN_OR_RETURN(s.dual, bool_field(j, "dual", false));
    return s;
}

std::string certificate_ref(const Request& req) {
    return std::string(req.path_param("ca")) + ":" + std::string(req.path_param("serial"));
}

// The open end of a date range: 2200-01-01T00:00:00Z, well inside system_clock's range.
TimePoint no_end() { return from_unix(7258118400); }

// A date "YYYY-MM-DD" (UTC midnight).
Result<TimePoint> time_param(const Request& req, std::string_view name, TimePoint fallback) {
    auto v = req.query_param(name);
    if (!v || v->empty()) return fallback;
    const std::string_view t = *v;
    const Error bad = bad_request("?" + std::string(name) + "= must be a date YYYY-MM-DD");
    if (t.size() != 10 || t[4] != '-' || t[7] != '-') return bad;
    auto y = parse_u64(t.substr(0, 4));
    auto m = parse_u64(t.substr(5, 2));
    auto d = parse_u64(t.substr(8, 2));
    if (!y || !m || !d) return bad;
    const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(*y)),
                                          std::chrono::month(static_cast<unsigned>(*m)),
                                          std::chrono::day(static_cast<unsigned>(*d))};
    if (!ymd.ok()) return bad;
    // system_clock counts nanoseconds (to the year 2262): later dates mean "no end" and become
    // no_end() instead of overflowing.
    const std::chrono::sys_days day(ymd);
    if (day >= std::chrono::floor<std::chrono::days>(no_end())) return no_end();
    return TimePoint{day.time_since_epoch()};
}

std::string csv_cell(std::string_view v) {
    if (v.find_first_of(",\"\n") == std::string_view::npos) return std::string(v);
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace

Status add_ra_routes(Server& server, ra::Workflow& wf, auth::AuthService& auth) {
    const RouteOptions json_body{.consumes = {k_json}, .max_body_bytes = std::uint64_t{128} * 1024};
    auto me = [&auth](const Request& req) { return bearer_caller(auth, req); };

    YX_TRY(server.add_route(
        "POST", "/api/v1/ra/requests",
        [&wf, me](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
            YX_ASSIGN_OR_RETURN(ra::SubmitRequest s, submit_request(req.json));
            YX_ASSIGN_OR_RETURN(ra::RaRequest r, wf.submit(who.id, s));
            return Response::json(request_json(r), 201);
        },
        json_body));
    YX_TRY(server.add_route("GET", "/api/v1/ra/requests", [&wf, me](const Request& req) -> Result<Response> {
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
        ra::RequestFilter f;
        if (auto s = req.query_param("state")) {
            f.state = ra::request_state_from_name(*s);
            if (!f.state) return bad_request("unknown state");
        }
        if (auto k = req.query_param("kind")) {
            f.kind = ra::request_kind_from_name(*k);
            if (!f.kind) return bad_request("unknown kind");
        }
        if (auto a = req.query_param("after")) f.after_id = std::string(*a);
        if (auto l = req.query_param("limit")) {
            auto n = parse_u64(*l);
            if (!n || *n == 0 || *n > 1000) return bad_request("limit must be 1..1000");
            f.limit = *n;
        }
        YX_ASSIGN_OR_RETURN(auto list, wf.list(who.id, f));
        auto arr = nlohmann::json::array();
        for (const auto& r : list) arr.push_back(request_json(r));
        return Response::json({{"requests", arr}});
    }));
    YX_TRY(server.add_route("GET", "/api/v1/ra/requests/overdue", [&wf, me](const Request& req) -> Result<Response> {
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
        YX_ASSIGN_OR_RETURN(auto list, wf.overdue(who.id));
        auto arr = nlohmann::json::array();
        for (const auto& r : list) arr.push_back(request_json(r));
        return Response::json({{"requests", arr}});
    }));
    YX_TRY(server.add_route("GET", "/api/v1/ra/requests/{id}", [&wf, me](const Request& req) -> Result<Response> {
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
        YX_ASSIGN_OR_RETURN(ra::RaRequest r, wf.get(who.id, req.path_param("id")));
        return Response::json(request_json(r));
    }));
    YX_TRY(
        server.add_route("GET", "/api/v1/ra/requests/{id}/payload", [&wf, me](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
            YX_ASSIGN_OR_RETURN(ra::RaRequest r, wf.get(who.id, req.path_param("id")));
            const std::string payload = ra::request_payload(r);
            const auto h = crypto::sm3(as_bytes(payload));
            return Response::json({{"payload", payload}, {"payload_sm3", hex_encode(h)}});
        }));
    YX_TRY(
        server.add_route("GET", "/api/v1/ra/requests/{id}/history", [&wf, me](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
            YX_ASSIGN_OR_RETURN(auto events, wf.history(who.id, req.path_param("id")));
            auto arr = nlohmann::json::array();
            for (const auto& e : events)
                arr.push_back({{"seq", e.seq},
                               {"at", format_rfc3339(e.at)},
                               {"actor", e.actor},
                               {"role", e.role},
                               {"action", e.action},
                               {"from", ra::request_state_name(e.from)},
                               {"to", ra::request_state_name(e.to)},
                               {"signature", e.signature},
                               {"detail", e.detail}});
            return Response::json({{"history", arr}});
        }));
    auto decision = [&server, &wf, me, json_body](const std::string& step) -> Status {
        return server.add_route(
            "POST", "/api/v1/ra/requests/{id}/" + step,
            [&wf, me, step](const Request& req) -> Result<Response> {
                YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
                YX_ASSIGN_OR_RETURN(Bytes sig, base64_field(req.json, "signature"));
                const std::string_view id = req.path_param("id");
                Result<ra::RaRequest> r = make_error(Errc::internal, "unknown step");
                if (step == "approve") {
                    r = wf.approve(who.id, id, sig);
                } else if (step == "review") {
                    r = wf.review(who.id, id, sig);
                } else if (step == "reject") {
                    YX_ASSIGN_OR_RETURN(std::string reason, text_field(req.json, "reason"));
                    r = wf.reject(who.id, id, reason, sig);
                } else {
                    YX_ASSIGN_OR_RETURN(std::string method, text_field(req.json, "method"));
                    auto m = ra::delivery_method_from_name(method);
                    if (!m) return bad_request("method is mail, courier, collection or online");
                    YX_ASSIGN_OR_RETURN(std::string received_by, text_field(req.json, "received_by"));
                    YX_ASSIGN_OR_RETURN(std::string carrier, text_field(req.json, "carrier_no", false));
                    r = wf.deliver(who.id, id, *m, received_by, carrier, sig);
                }
                if (!r) return std::move(r).error();
                return Response::json(request_json(*r));
            },
            json_body);
    };
    for (const char* step : {"approve", "review", "reject", "deliver"}) YX_TRY(decision(step));
    YX_TRY(server.add_route("POST", "/api/v1/ra/requests/{id}/complete",
                            [&wf, me](const Request& req) -> Result<Response> {
                                YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
                                YX_ASSIGN_OR_RETURN(ra::RaRequest r, wf.complete(who.id, req.path_param("id")));
                                return Response::json(request_json(r));
                            }));
    YX_TRY(server.add_route("GET", "/api/v1/ra/requests/{id}/certificate",
                            [&wf, me](const Request& req) -> Result<Response> {
                                YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
                                YX_ASSIGN_OR_RETURN(Bytes der, wf.download(who.id, req.path_param("id")));
                                if (req.query_param("format").value_or("pem") == "der")
                                    return Response::text(to_string(der), "application/pkix-cert");
                                return Response::text(pem_encode("CERTIFICATE", der), "application/x-pem-file");
                            }));
    // Dual certificates: the GM/T 0092 CSRResponse (DER; ?format=pem: PEM "CSR RESPONSE").
    YX_TRY(server.add_route("GET", "/api/v1/ra/requests/{id}/key-response",
                            [&wf, me](const Request& req) -> Result<Response> {
                                YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
                                YX_ASSIGN_OR_RETURN(Bytes der, wf.download_key_response(who.id, req.path_param("id")));
                                if (req.query_param("format").value_or("der") == "pem")
                                    return Response::text(pem_encode("CSR RESPONSE", der), "application/x-pem-file");
                                return Response::text(to_string(der), "application/octet-stream");
                            }));
    YX_TRY(server.add_route(
        "POST", "/api/v1/ra/renewals",
        [&wf, me](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
            ra::OnlineRenewal o;
            YX_ASSIGN_OR_RETURN(o.ca_id, text_field(req.json, "ca"));
            YX_ASSIGN_OR_RETURN(o.serial_hex, text_field(req.json, "serial"));
            YX_ASSIGN_OR_RETURN(o.csr, csr_field(req.json, true));
            YX_ASSIGN_OR_RETURN(o.signature, base64_field(req.json, "signature"));
            YX_ASSIGN_OR_RETURN(ra::RaRequest r, wf.renew_online(who.id, o));
            return Response::json(request_json(r), 201);
        },
        json_body));
    YX_TRY(server.add_route(
        "POST", "/api/v1/ra/certificates/{ca}/{serial}/{action}",
        [&wf, me](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
            YX_ASSIGN_OR_RETURN(std::string why, text_field(req.json, "why"));
            const std::string ref = certificate_ref(req);
            const std::string_view action = req.path_param("action");
            Result<ra::StatusOutcome> o = make_error(Errc::api_route_not_found, "");
            if (action == "revoke") {
                YX_ASSIGN_OR_RETURN(x509::CrlReason reason, reason_field(req.json));
                o = wf.force_revoke(who.id, ref, reason, why);
            } else if (action == "suspend") {
                o = wf.suspend(who.id, ref, why);
            } else if (action == "unsuspend") {
                o = wf.unsuspend(who.id, ref, why);
            } else {
                return make_error(Errc::api_route_not_found, "the actions are revoke, suspend and unsuspend");
            }
            if (!o) return std::move(o).error();
            return Response::json(outcome_json(*o));
        },
        json_body));
    YX_TRY(server.add_route(
        "POST", "/api/v1/ra/self-service/revoke",
        [&wf](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(std::string ca, text_field(req.json, "ca"));
            YX_ASSIGN_OR_RETURN(std::string serial, text_field(req.json, "serial"));
            YX_ASSIGN_OR_RETURN(std::string phrase, text_field(req.json, "challenge_phrase"));
            YX_ASSIGN_OR_RETURN(x509::CrlReason reason, reason_field(req.json));
            YX_ASSIGN_OR_RETURN(ra::StatusOutcome o, wf.self_revoke(ca + ":" + serial, phrase, reason, req.peer));
            return Response::json(outcome_json(o));
        },
        json_body));
    YX_TRY(server.add_route("GET", "/api/v1/ra/expiring", [&wf, me](const Request& req) -> Result<Response> {
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
        YX_ASSIGN_OR_RETURN(auto list, wf.expiring(who.id));
        auto arr = nlohmann::json::array();
        for (const auto& e : list)
            arr.push_back({{"certificate", e.ca_id + ":" + e.serial_hex},
                           {"subject", e.subject_dn},
                           {"profile", e.profile_id},
                           {"not_after", format_rfc3339(e.not_after)},
                           {"request_id", e.request_id},
                           {"org_node", e.org_node}});
        return Response::json({{"certificates", arr}});
    }));
    YX_TRY(server.add_route("GET", "/api/v1/ra/statistics", [&wf, me](const Request& req) -> Result<Response> {
        YX_ASSIGN_OR_RETURN(auth::StaffRecord who, me(req));
        YX_ASSIGN_OR_RETURN(TimePoint from, time_param(req, "from", from_unix(0)));
        YX_ASSIGN_OR_RETURN(TimePoint to, time_param(req, "to", no_end()));
        YX_ASSIGN_OR_RETURN(auto rows, wf.statistics(who.id, from, to));
        if (req.query_param("format").value_or("json") == "csv") {
            std::string csv = "org_node,profile,region,status,period,count\r\n";
            for (const auto& r : rows)
                csv += csv_cell(r.org_node) + "," + csv_cell(r.profile_id) + "," + csv_cell(r.region) + "," + r.status +
                       "," + r.period + "," + std::to_string(r.count) + "\r\n";
            return Response::text(std::move(csv), "text/csv; charset=utf-8");
        }
        auto arr = nlohmann::json::array();
        for (const auto& r : rows)
            arr.push_back({{"org_node", r.org_node},
                           {"profile", r.profile_id},
                           {"region", r.region},
                           {"status", r.status},
                           {"period", r.period},
                           {"count", r.count}});
        return Response::json({{"statistics", arr}});
    }));
    return ok_status();
}

}  // namespace yinxin::api
