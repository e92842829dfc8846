// The seal making and status publishing systems over HTTP (yinxin/sealsys/registry.h; LD/T
// 01.1-2022 §6, §7.5-§7.10, §8.3). Every rule lives in sealsys::SealRegistry, which also writes the
// audit record of each state-changing call; these handlers authenticate the bearer token, turn
// requests into its calls, and audit only what fails before the registry is reached (no or bad
// token, a malformed body).
//
//   POST /api/v1/seal/applications                    §7.5 form + materials → 201 application
//   GET  /api/v1/seal/applications?state=&after=&limit=
//   GET  /api/v1/seal/applications/{id}               includes payload_sm3, the hash decisions sign
//   GET  /api/v1/seal/applications/{id}/materials/{n} the file (application/octet-stream)
//   POST /api/v1/seal/applications/{id}/approve       {signature}
//   POST /api/v1/seal/applications/{id}/reject        {reason, signature}
//   POST /api/v1/seal/applications/{id}/make          → the seal
//   POST /api/v1/seal/applications/{id}/deliver       {received_by?}
//   GET  /api/v1/seal/seals?state=&after=&limit=
//   GET  /api/v1/seal/seals/{code}
//   GET  /api/v1/seal/seals/{code}/package            token seal: {ses_seal (base64), certificate, chain (PEM)}
//   POST /api/v1/seal/seals/{code}/renew-online       {validity_days?, signature (by the seal key)}
//   POST /api/v1/seal/lifecycle-requests              {kind, seal_code, reason, materials, new_form?, csr?,
//                                                      validity_days?} → 201
//   GET  /api/v1/seal/lifecycle-requests?state=&seal_code=&after=&limit=
//   GET  /api/v1/seal/lifecycle-requests/{id}
//   POST /api/v1/seal/lifecycle-requests/{id}/approve {signature}
//   POST /api/v1/seal/lifecycle-requests/{id}/reject  {reason, signature}
//   POST /api/v1/seal/lifecycle-requests/{id}/execute
//   GET  /api/v1/seal-status/{code}                   public: {seal_code, status, changed_at, ...}
//   GET  /api/v1/seal-status/revocation-list          public: the signed list (application/pkcs7-mime)
// `signature`: base64 DER SM2 signature (auth::AuthConfig::sm2_id) by the caller's registered key
// over auth::decision_text("approve" | "reject", id, payload_sm3).
#pragma once

#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/sealsys/registry.h"

namespace yinxin::api {

struct SealSystemApi {
    sealsys::SealRegistry* registry = nullptr;
    auth::AuthService* auth = nullptr;
    audit::AuditLog* audit = nullptr;
    // What GET /api/v1/seal-status/{code} asks; null: the registry (the hierarchy of
    // yinxin/sealsys/hierarchy.h also answers for seals registered below this instance).
    sealsys::SealStatusSource* status_source = nullptr;
};

// Adds the routes above. Everything in `api` must outlive the server.
Status add_seal_system_routes(Server& server, const SealSystemApi& api);

}  // namespace yinxin::api
