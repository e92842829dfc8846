#include "yinxin/api/seal_use_routes.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "route_util.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::api {
namespace {

using namespace route_util;

nlohmann::json time_json(const std::optional<TimePoint>& t) {
    if (!t) return nullptr;
    return format_rfc3339(*t);
}

nlohmann::json stamp_json(const std::optional<seal::OfdStamp>& s) {
    if (!s) return nullptr;
    const ofd::Boundary& b = s->boundary;
    return {{"page", s->page_index}, {"x", b.x}, {"y", b.y}, {"width", b.width}, {"height", b.height}};
}

nlohmann::json request_json(const sealsys::UseRequest& r) {
    return {{"id", r.id},
            {"seal_code", r.seal_code},
            {"seal_name", r.seal_name},
            {"org_node", r.org_node},
            {"document_name", r.document_name},
            {"document_kind", sealsys::document_kind_name(r.document_kind)},
            {"document_sm3", r.document_sm3},
            {"document_size", r.document_size},
            {"purpose", r.purpose},
            {"stamp", stamp_json(r.stamp)},
            {"state", sealsys::use_state_name(r.state)},
            {"requested_by", r.requested_by},
            {"requester_role", r.requester_role},
            {"requested_at", format_rfc3339(r.requested_at)},
            {"review_deadline", format_rfc3339(r.review_deadline)},
            {"payload_sm3", hex_encode(sealsys::use_payload_hash(r))},
            {"reviewed_by", r.reviewed_by},
            {"reviewed_at", time_json(r.reviewed_at)},
            {"refuse_reason", r.refuse_reason},
            {"decision_note", r.decision_note},
            {"decision_signature", r.decision_signature.empty() ? "" : base64_encode(r.decision_signature)},
            {"signed_by", r.signed_by},
            {"signed_at", time_json(r.signed_at)},
            {"result_sm3", r.result_sm3},
            {"fetched_by", r.fetched_by},
            {"fetched_at", time_json(r.fetched_at)},
            {"expired_at", time_json(r.expired_at)}};
}

nlohmann::json grant_json(const sealsys::SealGrant& g) {
    return {{"seal_code", g.seal_code},
            {"staff_id", g.staff_id},
            {"permission", sealsys::permission_name(g.permission)},
            {"staff_role", g.staff_role},
            {"granted_by", g.granted_by},
            {"granted_at", format_rfc3339(g.granted_at)},
            {"withdrawn_by", g.withdrawn_by},
            {"withdrawn_at", time_json(g.withdrawn_at)}};
}

nlohmann::json log_json(const sealsys::UseLogEntry& e) {
    return {{"seq", e.seq},
            {"request_id", e.request_id},
            {"seal_code", e.seal_code},
            {"seal_name", e.seal_name},
            {"org_node", e.org_node},
            {"document_name", e.document_name},
            {"document_sm3", e.document_sm3},
            {"result_sm3", e.result_sm3},
            {"requested_by", e.requested_by},
            {"reviewed_by", e.reviewed_by},
            {"operator", e.operator_id},
            {"signed_at", format_rfc3339(e.signed_at)}};
}

Result<std::size_t> limit_param(const Request& req) {
    auto v = req.query_param("limit");
    if (!v) return std::size_t{100};
    auto n = parse_u64(*v);
    if (!n || *n == 0 || *n > sealsys::k_max_use_page) return bad_request("limit must be 1..1000");
    return static_cast<std::size_t>(*n);
}

Result<Bytes> signature_field(const nlohmann::json& body) {
    YX_ASSIGN_OR_RETURN(std::string text, text_field(body, "signature"));
    auto sig = base64_decode(text);
    if (!sig || sig->empty()) return bad_request("field \"signature\" must be base64 (DER SM2 signature)");
    return std::move(sig).value();
}

Result<sealsys::SealPermission> permission_of(std::string_view name) {
    auto p = sealsys::permission_from_name(name);
    if (!p) return bad_request("permission must be use or review");
    return *p;
}

// Fixed-width digits of `s` at [pos, pos+n) (the caller checked the length).
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    const char* b = s.data() + pos;
    auto [p, ec] = std::from_chars(b, b + n, out);
    return ec == std::errc() && p == b + n;
}

// Unix seconds, "YYYY-MM-DD" (00:00:00Z) or "YYYY-MM-DDTHH:MM:SSZ".
Result<TimePoint> time_param(std::string_view name, std::string_view v) {
    const Error bad = bad_request(std::string(name) + " must be unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
    if (v.find('-') == std::string_view::npos) {
        auto n = parse_u64(v);
        if (!n || *n > 253402300799ULL) return bad;  // 9999-12-31T23:59:59Z
        return from_unix(static_cast<long long>(*n));
    }
    int y = 0;
    int mo = 0;
    int d = 0;
    int h = 0;
    int mi = 0;
    int sec = 0;
    if (v.size() != 10 && v.size() != 20) return bad;
    if (!digits(v, 0, 4, y) || v[4] != '-' || !digits(v, 5, 2, mo) || v[7] != '-' || !digits(v, 8, 2, d)) return bad;
    if (v.size() == 20 && (v[10] != 'T' || !digits(v, 11, 2, h) || v[13] != ':' || !digits(v, 14, 2, mi) ||
                           v[16] != ':' || !digits(v, 17, 2, sec) || v[19] != 'Z'))
        return bad;
    const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                          std::chrono::day(static_cast<unsigned>(d))};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return bad;
    return TimePoint(std::chrono::sys_days(ymd)) + std::chrono::hours(h) + std::chrono::minutes(mi) +
           std::chrono::seconds(sec);
}

// RFC 6266 / RFC 8187: an ASCII fallback name and the UTF-8 name percent-encoded.
std::string content_disposition(std::string_view file_name) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string ascii;
    std::string encoded;
    for (char c : file_name) {
        const auto u = static_cast<unsigned char>(c);
        const bool plain = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || c == '-' ||
                           c == '_' || c == '.' || c == '~';
        ascii += plain ? c : '_';
        if (plain) {
            encoded += c;
        } else {
            encoded += '%';
            encoded += k_hex[u >> 4];
            encoded += k_hex[u & 0x0f];
        }
    }
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

Result<sealsys::NewUseRequest> new_request_of(const nlohmann::json& j) {
    sealsys::NewUseRequest in;
    YX_ASSIGN_OR_RETURN(in.seal_code, text_field(j, "seal_code"));
    YX_ASSIGN_OR_RETURN(in.document_name, text_field(j, "document_name"));
    YX_ASSIGN_OR_RETURN(in.document, base64_field(j, "document"));
    YX_ASSIGN_OR_RETURN(in.purpose, text_field(j, "purpose"));
    YX_ASSIGN_OR_RETURN(std::string kind, text_field(j, "kind", false));
    if (!kind.empty()) {
        in.kind = sealsys::document_kind_from_name(kind);
        if (!in.kind) return bad_request("kind must be ofd or file");
    }
    if (auto it = j.find("stamp"); it != j.end() && !it->is_null()) {
        if (!it->is_object()) return bad_request("stamp must be an object {page, x, y, width, height}");
        seal::OfdStamp st;
        YX_ASSIGN_OR_RETURN(std::int64_t page, int_field(*it, "page", 0));
        if (page < 0) return bad_request("stamp.page is a 0-based page index");
        st.page_index = static_cast<std::size_t>(page);
        double* fields[] = {&st.boundary.x, &st.boundary.y, &st.boundary.width, &st.boundary.height};
        const char* names[] = {"x", "y", "width", "height"};
        for (std::size_t i = 0; i < 4; ++i) {
            auto f = it->find(names[i]);
            if (f == it->end() || !f->is_number())
                return bad_request(std::string("stamp.") + names[i] + " must be a number (millimetres)");
            *fields[i] = f->get<double>();
        }
        in.stamp = st;
    }
    return in;
}

// A state-changing body: gets the authenticated caller; sets `reached` just before it calls the
// service (which audits from then on).
using ChangingBody = ServiceBody<sealsys::UseCaller>;

class Routes : public std::enable_shared_from_this<Routes> {
public:
    explicit Routes(const SealUseApi& api) : m_api(api) {}

    Status add(Server& server) {
        sealsys::SealUseService& svc = *m_api.service;
        const std::uint64_t max_doc = svc.config().max_document_bytes;
        const RouteOptions upload{.consumes = {k_json},
                                  .max_body_bytes = m_api.max_request_bytes.value_or((max_doc + 2) / 3 * 4 + 65536)};
        const RouteOptions json_body{.consumes = {k_json}, .max_body_bytes = std::uint64_t{64} * 1024};
        const std::string base = "/api/v1/seal-use/requests";

        route(server, "POST", base,
              changing("seal.use.request",
                       [&svc](const Request& req, const sealsys::UseCaller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(sealsys::NewUseRequest in, new_request_of(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(sealsys::UseRequest r, svc.request(who, in));
                           return Response::json(request_json(r), 201);
                       }),
              upload);
        route(server, "GET", base, [this, &svc](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(sealsys::UseCaller who, caller(req));
            sealsys::UseListQuery q;
            q.seal_code = std::string(req.query_param("seal").value_or(""));
            if (auto s = req.query_param("state"); s && !s->empty()) {
                q.state = sealsys::use_state_from_name(*s);
                if (!q.state) return bad_request("state must be requested, approved, refused, signed or expired");
            }
            q.after_id = std::string(req.query_param("after").value_or(""));
            YX_ASSIGN_OR_RETURN(q.limit, limit_param(req));
            YX_ASSIGN_OR_RETURN(auto list, svc.list(who, q));
            nlohmann::json items = nlohmann::json::array();
            for (const auto& r : list) items.push_back(request_json(r));
            return Response::json({{"requests", items}});
        });
        route(server, "GET", base + "/{id}", [this, &svc](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(sealsys::UseCaller who, caller(req));
            YX_ASSIGN_OR_RETURN(sealsys::UseRequest r, svc.get(who, req.path_param("id")));
            return Response::json(request_json(r));
        });
        route(server, "GET", base + "/{id}/payload", [this, &svc](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(sealsys::UseCaller who, caller(req));
            const std::string id(req.path_param("id"));
            YX_ASSIGN_OR_RETURN(std::string payload, svc.payload(who, id));
            const std::string sm3 = hex_encode(crypto::sm3(as_bytes(payload)));
            return Response::json({{"id", id},
                                   {"payload", payload},
                                   {"payload_sm3", sm3},
                                   {"approve_text", auth::decision_text("approve", id, sm3)},
                                   {"reject_text", auth::decision_text("reject", id, sm3)}});
        });
        route(server, "GET", base + "/{id}/original", [this, &svc](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(sealsys::UseCaller who, caller(req));
            YX_ASSIGN_OR_RETURN(sealsys::UseRequest r, svc.get(who, req.path_param("id")));
            YX_ASSIGN_OR_RETURN(Bytes doc, svc.original(who, r.id));
            Response res = Response::text(to_string(doc), r.document_kind == sealsys::DocumentKind::ofd
                                                              ? "application/ofd"
                                                              : "application/octet-stream");
            res.headers.emplace_back("Content-Disposition", content_disposition(r.document_name));
            res.headers.emplace_back("X-Yinxin-SM3", r.document_sm3);
            return res;
        });
        route(server, "POST", base + "/{id}/approve",
              changing("seal.use.approve",
                       [&svc](const Request& req, const sealsys::UseCaller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(Bytes sig, signature_field(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(sealsys::UseRequest r, svc.approve(who, req.path_param("id"), sig));
                           return Response::json(request_json(r));
                       }),
              json_body);
        route(server, "POST", base + "/{id}/refuse",
              changing("seal.use.refuse",
                       [&svc](const Request& req, const sealsys::UseCaller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(std::string reason, text_field(req.json, "reason"));
                           YX_ASSIGN_OR_RETURN(Bytes sig, signature_field(req.json));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(sealsys::UseRequest r,
                                               svc.refuse(who, req.path_param("id"), reason, sig));
                           return Response::json(request_json(r));
                       }),
              json_body);
        route(server, "POST", base + "/{id}/sign",
              changing("seal.use.sign",
                       [&svc](const Request& req, const sealsys::UseCaller& who, bool& reached) -> Result<Response> {
                           reached = true;
                           YX_ASSIGN_OR_RETURN(sealsys::UseRequest r, svc.sign(who, req.path_param("id")));
                           return Response::json(request_json(r));
                       }));
        route(server, "GET", base + "/{id}/document",
              changing("seal.use.fetch",
                       [&svc](const Request& req, const sealsys::UseCaller& who, bool& reached) -> Result<Response> {
                           reached = true;
                           YX_ASSIGN_OR_RETURN(sealsys::SignedDocument d, svc.fetch(who, req.path_param("id")));
                           Response res = Response::text(to_string(d.content), d.content_type);
                           res.headers.emplace_back("Content-Disposition", content_disposition(d.file_name));
                           res.headers.emplace_back("X-Yinxin-SM3", d.request.result_sm3);
                           // Handed out once: no cache may keep it.
                           res.headers.emplace_back("Cache-Control", "no-store");
                           return res;
                       }));

        route(server, "GET", "/api/v1/seal-use/log", [this, &svc](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(sealsys::UseCaller who, caller(req));
            sealsys::UseLogQuery q;
            q.seal_code = std::string(req.query_param("seal").value_or(""));
            if (auto v = req.query_param("from"); v && !v->empty()) {
                YX_ASSIGN_OR_RETURN(q.from, time_param("from", *v));
            }
            if (auto v = req.query_param("to"); v && !v->empty()) {
                YX_ASSIGN_OR_RETURN(q.to, time_param("to", *v));
            }
            if (auto v = req.query_param("after"); v && !v->empty()) {
                auto n = parse_u64(*v);
                if (!n || *n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                    return bad_request("after is a log seq");
                q.after_seq = static_cast<std::int64_t>(*n);
            }
            YX_ASSIGN_OR_RETURN(q.limit, limit_param(req));
            YX_ASSIGN_OR_RETURN(auto entries, svc.use_log(who, q));
            nlohmann::json items = nlohmann::json::array();
            for (const auto& e : entries) items.push_back(log_json(e));
            return Response::json({{"entries", items}});
        });

        const std::string users = "/api/v1/seal-use/seals/{code}/users";
        route(server, "GET", users, [this, &svc](const Request& req) -> Result<Response> {
            YX_ASSIGN_OR_RETURN(sealsys::UseCaller who, caller(req));
            YX_ASSIGN_OR_RETURN(auto list, svc.grants(who, req.path_param("code")));
            nlohmann::json items = nlohmann::json::array();
            for (const auto& g : list) items.push_back(grant_json(g));
            return Response::json({{"seal_code", std::string(req.path_param("code"))}, {"grants", items}});
        });
        route(server, "POST", users,
              changing("seal.use.grant",
                       [&svc](const Request& req, const sealsys::UseCaller& who, bool& reached) -> Result<Response> {
                           YX_ASSIGN_OR_RETURN(std::string staff, text_field(req.json, "staff_id"));
                           YX_ASSIGN_OR_RETURN(std::string perm, text_field(req.json, "permission"));
                           YX_ASSIGN_OR_RETURN(sealsys::SealPermission p, permission_of(perm));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(sealsys::SealGrant g, svc.grant(who, req.path_param("code"), staff, p));
                           return Response::json(grant_json(g), 201);
                       }),
              json_body);
        route(server, "DELETE", users,
              changing("seal.use.withdraw",
                       [&svc](const Request& req, const sealsys::UseCaller& who, bool& reached) -> Result<Response> {
                           auto staff = req.query_param("staff_id");
                           if (!staff || staff->empty()) return bad_request("query parameter staff_id is required");
                           YX_ASSIGN_OR_RETURN(sealsys::SealPermission p,
                                               permission_of(req.query_param("permission").value_or("")));
                           reached = true;
                           YX_ASSIGN_OR_RETURN(sealsys::SealGrant g,
                                               svc.withdraw(who, req.path_param("code"), *staff, p));
                           return Response::json(grant_json(g));
                       }));
        return m_status;
    }

private:
    Result<sealsys::UseCaller> caller(const Request& req) const {
        YX_ASSIGN_OR_RETURN(auth::StaffRecord me, bearer_caller(*m_api.auth, req));
        return sealsys::UseCaller{me.id, req.peer};
    }

    // Failures before the service is reached (authentication, malformed body) get their audit
    // record here; from the service call on, the service writes it.
    Handler changing(std::string action, ChangingBody body) {
        return service_audited<sealsys::UseCaller>(m_api.audit, m_api.auth, std::move(action), std::move(body));
    }

    // Every handler keeps this table alive; the first failure is kept and returned by add().
    void route(Server& server, std::string method, std::string pattern, Handler handler, RouteOptions options = {}) {
        add_owned_route(server, m_status, shared_from_this(), std::move(method), std::move(pattern), std::move(handler),
                        std::move(options));
    }

    SealUseApi m_api;
    Status m_status;
};

}  // namespace

Status add_seal_use_routes(Server& server, const SealUseApi& api) {
    if (api.service == nullptr || api.auth == nullptr || api.audit == nullptr)
        return make_error(Errc::api_bad_config,
                          "seal-use routes need the seal-use service, the auth service and the audit log");
    return std::make_shared<Routes>(api)->add(server);
}

}  // namespace yinxin::api
