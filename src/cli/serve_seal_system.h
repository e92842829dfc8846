// The seal making and status publishing systems in `yinxin serve` (issue 8): opened from the data
// directory and mounted on the server by one call from serve_cmd.cpp.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/status.h"
#include "yinxin/device/device.h"
#include "yinxin/sealsys/central_seal.h"
#include "yinxin/store/sqlite_store.h"

namespace yinxin::cli {

// What the seal system takes from the serving process: the unlocked device and the key PIN, the
// CA store and status service (seal certificates are issued and revoked through them), the staff
// register and the audit log.
struct SealSystemDeps {
    std::string data_dir;
    std::string profiles_dir;
    device::Device* device = nullptr;
    std::string key_pin;
    store::SqliteStore* ca_store = nullptr;
    ca::StatusService* status = nullptr;
    ca::PublicationConfig publication;
    auth::AuthService* auth = nullptr;
    audit::AuditLog* audit = nullptr;
};

// Opens the seal system store (<data-dir>/store.db, migration 14) and its settings
// (<data-dir>/sealsys.json, optional: {"seal_ca": "demo-seal-root", "system_name": "...",
// "organisation": "...", "vendor_id": "..."}), makes the seal-maker-system and seal-status-system
// keys and certificates on first start, and mounts api/seal_system_routes.h. Without the seal CA in
// the store the seal system stays off (a line on stdout says why) and this returns ok. The opened
// services live as long as `server` (they are kept by its "seal-system" health check), and use
// the objects in `deps`, which must outlive the server's request handling.
// Returns the registry's central_seal lookup (sealsys::SealLookup of sealsys/use.h) for the
// centralized-use part; with the seal system off it answers seal.not_found for every code.
using CentralSealLookup = std::function<Result<sealsys::CentralSeal>(std::string_view seal_code)>;
Result<CentralSealLookup> mount_seal_system(api::Server& server, const SealSystemDeps& deps);

}  // namespace yinxin::cli
