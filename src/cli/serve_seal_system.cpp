#include "serve_seal_system.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli_util.h"
#include "serve_seal_hierarchy.h"
#include "signing_env.h"
#include "yinxin/api/seal_system_routes.h"
#include "yinxin/crypto/random.h"
#include "yinxin/profile/profile.h"
#include "yinxin/sealsys/platform.h"
#include "yinxin/sealsys/registry.h"
#include "yinxin/store/sqlite_sealsys_store.h"

namespace yinxin::cli {
namespace {

// Everything the routes use, kept alive by the server (see the header).
struct SealSystemSide {
    SystemClock clock;
    crypto::OpensslRng rng;
    profile::ProfileSet profiles;
    std::unique_ptr<store::SqliteSealSystemStore> store;
    std::unique_ptr<ca::Issuer> issuer;
    sealsys::LocalCodeAllocator platform;
    std::unique_ptr<sealsys::SealRegistry> registry;
};

Result<sealsys::SealSystemConfig> load_config(const std::string& data_dir, const std::string& key_pin) {
    sealsys::SealSystemConfig config;
    config.key_pin = key_pin;
    const auto path = std::filesystem::path(data_dir) / "sealsys.json";
    if (!std::filesystem::exists(path)) return config;
    YX_ASSIGN_OR_RETURN(Bytes raw, read_binary_file(path.string()));
    auto j = nlohmann::json::parse(to_string(raw), nullptr, false);
    if (!j.is_object()) return make_error(Errc::invalid_argument, path.string() + " is not a JSON object");
    for (const auto& [key, value] : j.items()) {
        if (!value.is_string())
            return make_error(Errc::invalid_argument, path.string() + ": \"" + key + "\" must be a string");
        if (key == "seal_ca") {
            config.seal_ca_id = value.get<std::string>();
        } else if (key == "system_name") {
            config.system_name = value.get<std::string>();
        } else if (key == "organisation") {
            config.organisation = value.get<std::string>();
        } else if (key == "vendor_id") {
            config.vendor_id = value.get<std::string>();
        } else {
            return make_error(Errc::invalid_argument, path.string() + ": unknown setting \"" + key + "\"");
        }
    }
    return config;
}

}  // namespace

Result<CentralSealLookup> mount_seal_system(api::Server& server, const SealSystemDeps& deps) {
    if (deps.device == nullptr || deps.ca_store == nullptr || deps.status == nullptr || deps.auth == nullptr ||
        deps.audit == nullptr)
        return make_error(Errc::invalid_argument, "mount_seal_system: incomplete dependencies");
    YX_ASSIGN_OR_RETURN(sealsys::SealSystemConfig config, load_config(deps.data_dir, deps.key_pin));
    if (auto ca = deps.ca_store->get_ca(config.seal_ca_id); !ca) {
        std::cout << "seal system: off (no seal CA '" << config.seal_ca_id << "' in the store)" << std::endl;
        return CentralSealLookup([](std::string_view code) -> Result<sealsys::CentralSeal> {
            return make_error(Errc::seal_not_found, "no seal system: no seal '" + std::string(code) + "'");
        });
    }
    auto side = std::make_shared<SealSystemSide>();
    YX_ASSIGN_OR_RETURN(side->profiles, profile::ProfileSet::load_directory(deps.profiles_dir));
    const std::string db = (std::filesystem::path(deps.data_dir) / "store.db").string();
    YX_ASSIGN_OR_RETURN(side->store, store::SqliteSealSystemStore::open(db));
    ca::EventSink sink = [log = deps.audit](const ca::CaEvent& e) {
        auto r = log->append(audit_event_of(e));
        if (!r.ok()) std::cerr << "audit: " << r.error().to_string() << std::endl;
    };
    store::SqliteStore& cas = *deps.ca_store;
    side->issuer = std::make_unique<ca::Issuer>(ca::CaStores{&cas, &cas, &cas, &cas}, side->profiles,
                                                ca::device_key_resolver(*deps.device, "soft", deps.key_pin),
                                                deps.publication, side->clock, side->rng, std::move(sink));
    side->registry =
        std::make_unique<sealsys::SealRegistry>(*side->store, *deps.auth, *deps.audit, *side->issuer, *deps.status, cas,
                                                cas, *deps.device, side->platform, side->clock, side->rng, config);
    YX_TRY(side->registry->open_signers());
    // The ministry/province/city hierarchy (issue 8 part 3): also answers the status query for
    // seals registered below this instance.
    YX_ASSIGN_OR_RETURN(std::shared_ptr<sealsys::Hierarchy> hierarchy,
                        mount_seal_hierarchy(server, deps.data_dir, *side->registry, *side->store, *side->issuer,
                                             *deps.device, *deps.auth, *deps.audit));
    YX_TRY(api::add_seal_system_routes(server, {side->registry.get(), deps.auth, deps.audit, hierarchy.get()}));
    server.add_health_check("seal-system", [side]() -> Status {
        auto v = side->store->status_version();
        return v.ok() ? ok_status() : Status(v.error());
    });
    std::cout << "seal system: maker " << side->registry->maker_certificate().subject().to_string() << ", status "
              << side->registry->status_certificate().subject().to_string() << std::endl;
    return CentralSealLookup([side](std::string_view code) { return side->registry->central_seal(code); });
}

}  // namespace yinxin::cli
