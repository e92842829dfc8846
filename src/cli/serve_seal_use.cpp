#include "serve_seal_use.h"

#include <filesystem>
#include <memory>
#include <utility>

#include "yinxin/api/seal_use_routes.h"
#include "yinxin/base/clock.h"
#include "yinxin/crypto/random.h"
#include "yinxin/store/sqlite_seal_use_store.h"

namespace yinxin::cli {

namespace {

struct SealUseSide {
    SystemClock clock;
    crypto::OpensslRng rng;
    std::unique_ptr<store::SqliteSealUseStore> store;
    std::unique_ptr<sealsys::SealUseService> service;
};

}  // namespace

Status serve_seal_use(api::Server& server, const std::string& data_dir, device::Device& device, const std::string& pin,
                      auth::AuthService& auth, audit::AuditLog& audit, sealsys::SealLookup lookup,
                      std::chrono::seconds review_ttl) {
    auto side = std::make_shared<SealUseSide>();
    YX_ASSIGN_OR_RETURN(side->store,
                        store::SqliteSealUseStore::open((std::filesystem::path(data_dir) / "store.db").string()));
    sealsys::SealUseConfig config;
    config.key_pin = pin;
    config.review_ttl = review_ttl;
    config.provider_version = YINXIN_VERSION;
    side->service = std::make_unique<sealsys::SealUseService>(*side->store, std::move(lookup), device, auth, audit,
                                                              side->clock, side->rng, std::move(config));
    YX_TRY(api::add_seal_use_routes(server, {side->service.get(), &auth, &audit, std::nullopt}));
    // The health check keeps the side alive as long as the server, and tells whether the seal-use
    // tables answer (the oldest overdue request is also swept by the next use).
    server.add_health_check("seal-use", [side]() -> Status {
        auto overdue = side->store->overdue_requests(side->clock.now(), 1);
        return overdue.ok() ? ok_status() : Status(overdue.error());
    });
    return ok_status();
}

}  // namespace yinxin::cli
