// Centralized seal use with approval over HTTP (yinxin/sealsys/use.h; LD/T 01.1-2022 §8.1.2, §8.2).
// Every rule lives in sealsys::SealUseService, which also writes the audit record of each
// state-changing call; these handlers authenticate the bearer token (yinxin/api/staff_routes.h),
// turn requests into its calls, and audit only what fails before the service is reached (no or bad
// token, a malformed body).
//
//   POST   /api/v1/seal-use/requests                {seal_code, document_name, document (base64), purpose,
//                                                   kind?: ofd|file, stamp?: {page, x, y, width, height}} → 201
//   GET    /api/v1/seal-use/requests?seal=&state=&after=&limit=
//   GET    /api/v1/seal-use/requests/{id}           includes payload_sm3, the hash decisions sign
//   GET    /api/v1/seal-use/requests/{id}/payload   {payload, payload_sm3, approve_text, reject_text}
//   GET    /api/v1/seal-use/requests/{id}/original  the submitted document
//   POST   /api/v1/seal-use/requests/{id}/approve   {signature}               seal reviewer
//   POST   /api/v1/seal-use/requests/{id}/refuse    {reason, signature}       seal reviewer
//   POST   /api/v1/seal-use/requests/{id}/sign      the requester, after approval
//   GET    /api/v1/seal-use/requests/{id}/document  the signed OFD or detached SES_Signature, once
//                                                   (Cache-Control: no-store; X-Yinxin-SM3)
//   GET    /api/v1/seal-use/log?seal=&from=&to=&after=&limit=   from/to: unix seconds or RFC 3339
//   GET    /api/v1/seal-use/seals/{code}/users      active permissions on the seal
//   POST   /api/v1/seal-use/seals/{code}/users      {staff_id, permission: use|review} → 201
//   DELETE /api/v1/seal-use/seals/{code}/users?staff_id=&permission=
// `signature`: base64 DER SM2 signature (auth::AuthConfig::sm2_id) by the reviewer's registered key
// over auth::decision_text("approve" | "reject", id, payload_sm3).
#pragma once

#include <cstdint>
#include <optional>

#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/sealsys/use.h"

namespace yinxin::api {

struct SealUseApi {
    sealsys::SealUseService* service = nullptr;
    auth::AuthService* auth = nullptr;
    audit::AuditLog* audit = nullptr;
    // Body limit of POST .../requests; absent: room for the service's largest document in base64.
    std::optional<std::uint64_t> max_request_bytes;
};

// Adds the routes above. Everything in `api` must outlive the server.
Status add_seal_use_routes(Server& server, const SealUseApi& api);

}  // namespace yinxin::api
