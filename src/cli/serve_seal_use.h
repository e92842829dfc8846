// Centralized seal use with approval in `yinxin serve` (issue 8, LD/T 01.1-2022 §8.1.2, §8.2):
// the seal-use tables of <data-dir>/store.db, sealsys::SealUseService over the unlocked device (the
// central seal keys, opened with the instance's key PIN) and its HTTP routes
// (api/seal_use_routes.h). Requests nobody reviewed in time expire when the service is next used
// (SealUseService::expire_overdue), so there is no background thread to stop.
#pragma once

#include <chrono>
#include <string>

#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/device/device.h"
#include "yinxin/sealsys/use.h"

namespace yinxin::cli {

// Opens the store, builds the service (`lookup`: the seal registry's central_seal; `pin`: the key
// PIN of the central seal keys in `device`, which must be unlocked) and adds the seal-use routes to
// `server`. The store and service live as long as `server` (kept by its "seal-use" health check);
// `device`, `auth` and `audit` must outlive the server's request handling.
Status serve_seal_use(api::Server& server, const std::string& data_dir, device::Device& device, const std::string& pin,
                      auth::AuthService& auth, audit::AuditLog& audit, sealsys::SealLookup lookup,
                      std::chrono::seconds review_ttl = std::chrono::hours(72));

}  // namespace yinxin::cli
