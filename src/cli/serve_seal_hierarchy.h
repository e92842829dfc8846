// The ministry/province/city hierarchy of seal systems in `yinxin serve` (issue 8,
// yinxin/sealsys/hierarchy.h), made by mount_seal_system (serve_seal_system.cpp).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/device/device.h"
#include "yinxin/sealsys/hierarchy.h"
#include "yinxin/sealsys/registry.h"

namespace yinxin::cli {

// What `serve` tells the hierarchy about how it is reached, and the owner of the scheduled sync.
// serve makes one for its server before the seal system is mounted (mount_seal_hierarchy finds it
// by the server) and destroys it before the device, the staff register and the audit log go: the
// destructor stops the scheduled sync thread. Without one, the hierarchy serves plain-HTTP rules and
// runs no schedule.
class SealHierarchyServing {
public:
    struct Transport {
        bool tls = false;        // serve has --tls-cert: peers over https:// only, peer routes need mTLS
        bool client_ca = false;  // serve has --client-ca: peer client certificates can be verified
    };
    SealHierarchyServing(const api::Server& server, Transport transport);
    ~SealHierarchyServing();
    SealHierarchyServing(const SealHierarchyServing&) = delete;
    SealHierarchyServing& operator=(const SealHierarchyServing&) = delete;

    const Transport& transport() const noexcept { return m_transport; }
    // Stops every scheduled sync started for this server (idempotent; the destructor calls it).
    void stop();
    // The one registered for `server`, or null.
    static SealHierarchyServing* find(const api::Server& server);
    // Called by mount_seal_hierarchy: `stop` ends its schedule thread.
    void adopt(std::function<void()> stop);

private:
    const api::Server* m_server;
    Transport m_transport;
    std::mutex m_mu;
    std::vector<std::function<void()>> m_stops;
};

// Opens the hierarchy store (<data-dir>/store.db, migration 17) and its settings
// (<data-dir>/sealsys-hierarchy.json, optional):
//   {"name": "...", "level": "ministry|province|city", "sync_interval_s": 300,
//    "tls": {"cacert": "tls-ca.pem", "client_certificate": "tls-client.pem", "client_key": "tls-client.key"}}
// default: the seal system's name, ministry, 300 s, no TLS material. Paths are relative to the data
// directory. Every outgoing hierarchy call (access test, parent link, push, pull) uses `tls`: the
// peer's server certificate must chain to `cacert`, and the client certificate is presented. Mounts
// api/seal_hierarchy_routes.h (peer routes need a verified client certificate when serve has TLS),
// and with a SealHierarchyServing for `server` and sync_interval_s > 0 starts the scheduled sync
// (push up, then pull down, every interval; failures are logged and retried next time). The
// returned hierarchy is also the status source of GET /api/v1/seal-status/{code}; it is kept alive
// by the server.
Result<std::shared_ptr<sealsys::Hierarchy>> mount_seal_hierarchy(api::Server& server, const std::string& data_dir,
                                                                 sealsys::SealRegistry& registry,
                                                                 sealsys::SealSystemStore& seal_store,
                                                                 ca::Issuer& issuer, device::Device& device,
                                                                 auth::AuthService& auth, audit::AuditLog& audit);

}  // namespace yinxin::cli
