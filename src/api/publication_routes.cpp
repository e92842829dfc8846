#include "yinxin/api/publication_routes.h"

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "route_util.h"
#include "yinxin/base/clock.h"

namespace yinxin::api {
namespace {

using namespace route_util;

std::string unix_time(std::int64_t seconds) { return format_rfc3339(from_unix(seconds)); }

// The parts of a target's configuration that are no secret: where it publishes.
nlohmann::json where_json(const publish::Target& t) {
    const auto cfg = nlohmann::json::parse(t.config, nullptr, false);
    auto text = [&](const char* key) -> nlohmann::json {
        if (!cfg.is_object()) return nullptr;
        auto it = cfg.find(key);
        return it != cfg.end() && it->is_string() ? nlohmann::json(it->get<std::string>()) : nlohmann::json(nullptr);
    };
    return {{"url", text("url")}, {"base_dn", t.kind == publish::TargetKind::ldap ? text("base_dn") : nullptr}};
}

nlohmann::json item_json(const publish::QueueItem& i) {
    return {{"id", i.id},
            {"target", i.target_id},
            {"object", publish::object_kind_name(i.object_kind)},
            {"ca", i.ca_id},
            {"object_id", i.object_id ? nlohmann::json(*i.object_id) : nlohmann::json(nullptr)},
            {"state", publish::item_state_name(i.state)},
            {"attempts", i.attempts},
            {"next_attempt_at", i.next_attempt_at > 0 ? nlohmann::json(unix_time(i.next_attempt_at)) : nullptr},
            {"last_error", i.last_error},
            {"created_at", unix_time(i.created_at)}};
}

Result<std::size_t> limit_param(const Request& req) {
    const auto v = req.query_param("limit");
    if (!v) return std::size_t{100};
    const auto n = parse_u64(*v);
    if (!n || *n == 0 || *n > 1000) return bad_request("limit must be 1..1000");
    return static_cast<std::size_t>(*n);
}

// Those who run publication: the CA business admin (status.crl.issue) or a system maintainer.
Status authorize_reader(auth::AuthService& auth, const auth::StaffRecord& who) {
    if (auth.authorize(who.id, auth::Action::status_crl_issue, who.org_node)) return ok_status();
    YX_ASSIGN_OR_RETURN(auth::StaffRecord member, auth.authorize(who.id, auth::Action::system_maintain, who.org_node));
    (void)member;
    return ok_status();
}

}  // namespace

Status add_publication_routes(Server& server, const PublicationApi& api) {
    if (api.queue == nullptr || api.auth == nullptr)
        return make_error(Errc::api_bad_config, "publication routes need the publication queue and the auth service");
    auth::AuthService& auth = *api.auth;
    return server.add_route("GET", "/api/v1/publication",
                            [q = api.queue, &auth](const Request& req) -> Result<Response> {
                                publish::PublicationQueue& queue = *q;
                                YX_ASSIGN_OR_RETURN(auth::StaffRecord who, bearer_caller(auth, req));
                                YX_TRY(authorize_reader(auth, who));
                                publish::QueueFilter f;
                                f.target_id = std::string(req.query_param("target").value_or(""));
                                f.pending_only = true;
                                if (auto a = req.query_param("after"); a && !a->empty()) {
                                    const auto n = parse_u64(*a);
                                    if (!n || *n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                                        return bad_request("after is a queue row id");
                                    f.after_id = static_cast<std::int64_t>(*n);
                                }
                                YX_ASSIGN_OR_RETURN(f.limit, limit_param(req));
                                YX_ASSIGN_OR_RETURN(auto targets, queue.list_targets());
                                YX_ASSIGN_OR_RETURN(auto counts, queue.counts());
                                YX_ASSIGN_OR_RETURN(auto items, queue.list_items(f));
                                std::map<std::string, nlohmann::json> per_target;
                                for (const auto& t : targets)
                                    per_target[t.id] = {{"pending", 0}, {"done", 0}, {"skipped", 0}};
                                for (const auto& c : counts)
                                    per_target[c.target_id][std::string(publish::item_state_name(c.state))] = c.count;
                                nlohmann::json tj = nlohmann::json::array();
                                for (const auto& t : targets) {
                                    nlohmann::json j = where_json(t);
                                    j["id"] = t.id;
                                    j["kind"] = publish::target_kind_name(t.kind);
                                    j["enabled"] = t.enabled;
                                    j["created_at"] = unix_time(t.created_at);
                                    j["counts"] = per_target[t.id];
                                    tj.push_back(std::move(j));
                                }
                                nlohmann::json ij = nlohmann::json::array();
                                for (const auto& i : items) ij.push_back(item_json(i));
                                return Response::json({{"targets", tj}, {"items", ij}});
                            });
}

}  // namespace yinxin::api
