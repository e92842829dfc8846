// The ministry/province/city hierarchy of seal systems over HTTP (yinxin/sealsys/hierarchy.h;
// LD/T 01.1-2022 §7.2, §7.3, §8.3). The rules and the audit records live in sealsys::Hierarchy.
//
//   GET  /api/v1/sealsys/identity                public: {name, level, public_key, status_certificate,
//                                                seal_ca_certificate} (PEM)
//   POST /api/v1/sealsys/probe                   peer: {nonce (base64), base_url} → {signature}
//   POST /api/v1/sealsys/access-test             staff: registration → {passed, checks}
//   POST /api/v1/sealsys/peers                   staff: registration → 201 peer (access test passed)
//   GET  /api/v1/sealsys/peers                   staff
//   GET  /api/v1/sealsys/peers/{id}              staff: includes payload_sm3, the hash the approval signs
//   POST /api/v1/sealsys/peers/{id}/approve      staff (super admin): {signature} → the peer with its certificate
//   GET  /api/v1/sealsys/peers/{id}/certificate  public: {certificate, seal_ca_certificate, status_certificate}
//   POST /api/v1/sealsys/parent                  staff: {parent_url, peer_id} → the link
//   GET  /api/v1/sealsys/parent                  staff
//   POST /api/v1/sealsys/sync                    peer, signed: {message, signature} → {accepted, sequence}
//   POST /api/v1/sealsys/sync/pull               peer, signed: {peer_id, after, time, signature}
//   POST /api/v1/sealsys/sync/push-now           staff (seal.status.sync): push to the parent now
//   POST /api/v1/sealsys/sync/pull-now           staff (seal.status.sync): pull from the parent now
// registration: {name, level, division_code, base_url, province, city, public_key (PEM)}.
// "peer" routes are called by other seal systems: with `require_client_cert` (serve with TLS) a caller
// without a verified TLS client certificate gets 401 api.unauthenticated and nothing happens.
#pragma once

#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/sealsys/hierarchy.h"

namespace yinxin::api {

struct SealHierarchyApi {
    sealsys::Hierarchy* hierarchy = nullptr;
    auth::AuthService* auth = nullptr;
    audit::AuditLog* audit = nullptr;
    // Peer routes only for callers with a TLS client certificate verified against serve's --client-ca.
    bool require_client_cert = false;
};

// Adds the routes above. Everything in `api` must outlive the server.
Status add_seal_hierarchy_routes(Server& server, const SealHierarchyApi& api);

}  // namespace yinxin::api
