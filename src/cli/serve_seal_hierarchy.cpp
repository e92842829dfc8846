#include "serve_seal_hierarchy.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include "cli_util.h"
#include "http_client.h"
#include "yinxin/api/seal_hierarchy_routes.h"
#include "yinxin/crypto/random.h"
#include "yinxin/store/sqlite_seal_hierarchy_store.h"

namespace yinxin::cli {
namespace {

struct HierarchySide {
    SystemClock clock;
    crypto::OpensslRng rng;
    std::unique_ptr<store::SqliteSealHierarchyStore> store;
    std::shared_ptr<sealsys::Hierarchy> hierarchy;
};

Result<sealsys::HierarchyConfig> load_config(const std::string& data_dir, const std::string& default_name) {
    sealsys::HierarchyConfig config;
    config.system_name = default_name;
    const auto path = std::filesystem::path(data_dir) / "sealsys-hierarchy.json";
    if (!std::filesystem::exists(path)) return config;
    YX_ASSIGN_OR_RETURN(Bytes raw, read_binary_file(path.string()));
    auto j = nlohmann::json::parse(to_string(raw), nullptr, false);
    if (!j.is_object()) return make_error(Errc::invalid_argument, path.string() + " is not a JSON object");
    for (const auto& [key, value] : j.items()) {
        if (!value.is_string())
            return make_error(Errc::invalid_argument, path.string() + ": \"" + key + "\" must be a string");
        if (key == "name") {
            config.system_name = value.get<std::string>();
        } else if (key == "level") {
            auto l = sealsys::system_level_from_name(value.get<std::string>());
            if (!l)
                return make_error(Errc::invalid_argument, path.string() + ": level must be ministry, province or city");
            config.level = *l;
        } else {
            return make_error(Errc::invalid_argument, path.string() + ": unknown setting \"" + key + "\"");
        }
    }
    return config;
}

}  // namespace

Result<std::shared_ptr<sealsys::Hierarchy>> mount_seal_hierarchy(api::Server& server, const std::string& data_dir,
                                                                 sealsys::SealRegistry& registry,
                                                                 sealsys::SealSystemStore& seal_store,
                                                                 ca::Issuer& issuer, device::Device& device,
                                                                 auth::AuthService& auth, audit::AuditLog& audit) {
    YX_ASSIGN_OR_RETURN(sealsys::HierarchyConfig config, load_config(data_dir, registry.config().system_name));
    auto side = std::make_shared<HierarchySide>();
    const std::string db = (std::filesystem::path(data_dir) / "store.db").string();
    YX_ASSIGN_OR_RETURN(side->store, store::SqliteSealHierarchyStore::open(db));
    // Peers over HTTP(S); the signed messages carry the authentication (hierarchy.h).
    sealsys::PeerTransport transport = [](const std::string& method, const std::string& url,
                                          const std::string& body) -> Result<sealsys::PeerReply> {
        YX_ASSIGN_OR_RETURN(HttpTarget t, parse_http_url(url));
        HttpCall c;
        c.method = method;
        c.body = body;
        if (!body.empty()) c.content_type = "application/json";
        c.timeout = std::chrono::seconds(30);
        auto r = http_call(t, c);
        if (!r) return make_error(Errc::seal_peer_unreachable, url + ": " + r.error().message);
        return sealsys::PeerReply{r->status, std::move(r->body)};
    };
    const std::string name = config.system_name;
    const std::string level{sealsys::system_level_name(config.level)};
    side->hierarchy =
        std::make_shared<sealsys::Hierarchy>(*side->store, registry, seal_store, auth, audit, issuer, device,
                                             std::move(transport), side->clock, side->rng, std::move(config));
    YX_TRY(side->hierarchy->open());
    YX_TRY(api::add_seal_hierarchy_routes(server, {side->hierarchy.get(), &auth, &audit}));
    server.add_health_check("seal-hierarchy", [side]() -> Status {
        auto p = side->store->parent();
        return p.ok() ? ok_status() : Status(p.error());
    });
    std::cout << "seal hierarchy: " << name << " (" << level << ")" << std::endl;
    return std::shared_ptr<sealsys::Hierarchy>(side, side->hierarchy.get());
}

}  // namespace yinxin::cli
