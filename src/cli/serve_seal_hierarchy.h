// The ministry/province/city hierarchy of seal systems in `yinxin serve` (issue 8,
// yinxin/sealsys/hierarchy.h), made by mount_seal_system (serve_seal_system.cpp).
#pragma once

#include <memory>
#include <string>

#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/device/device.h"
#include "yinxin/sealsys/hierarchy.h"
#include "yinxin/sealsys/registry.h"

namespace yinxin::cli {

// Opens the hierarchy store (<data-dir>/store.db, migration 17) and its settings
// (<data-dir>/sealsys-hierarchy.json, optional: {"name": "...", "level": "ministry|province|city"};
// default: the seal system's name, ministry), and mounts api/seal_hierarchy_routes.h. The peers are
// reached over the CLI's HTTP client (HTTPS with `cacert` when given). The returned hierarchy is
// also the status source of GET /api/v1/seal-status/{code}; it is kept alive by the server.
Result<std::shared_ptr<sealsys::Hierarchy>> mount_seal_hierarchy(api::Server& server, const std::string& data_dir,
                                                                 sealsys::SealRegistry& registry,
                                                                 sealsys::SealSystemStore& seal_store,
                                                                 ca::Issuer& issuer, device::Device& device,
                                                                 auth::AuthService& auth, audit::AuditLog& audit);

}  // namespace yinxin::cli
