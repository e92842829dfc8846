// Certificate carriers and carrier PIN-unlock requests over HTTP (yinxin/ra/carrier.h; LD/T 03-2022
// §6.4.1 g, §6.6, 表 A.4). Every rule lives in ra::CarrierService, which also writes the audit
// record of each state-changing call; these handlers authenticate the bearer token, turn requests
// into its calls, and audit only what fails before the service is reached (no or bad token, a
// malformed body).
//
//   POST /api/v1/ra/carriers?org_node=N           text/csv delivery file (carrier_no,kind,model,vendor,
//                                                 batch,unblock_code) → 201 {imported, delivery_batches}
//   GET  /api/v1/ra/carriers?state=&after=&limit=  the caller's subtree
//   GET  /api/v1/ra/carriers/{no}
//   POST /api/v1/ra/carriers/{no}/assign          {ca_id, serial, holder_name, holder_id_number?, holder_org_node?}
//   POST /api/v1/ra/carriers/{no}/retire          {reason: lost|damaged|returned, note?}
//   POST /api/v1/ra/unlock-requests               form A.4 {name, gender, id_number, province_city, address,
//                                                 postcode, email?, phone, unit, position?, carrier_no} → 201
//   GET  /api/v1/ra/unlock-requests?state=&after=&limit=
//   GET  /api/v1/ra/unlock-requests/{id}          includes payload_sm3, the hash decisions sign
//   POST /api/v1/ra/unlock-requests/{id}/approve  {signature}          主管部门 (approver)
//   POST /api/v1/ra/unlock-requests/{id}/review   {signature}          certificate management department
//   POST /api/v1/ra/unlock-requests/{id}/reject   {reason, signature}
//   POST /api/v1/ra/unlock-requests/{id}/release  → {unblock_code, ...} once (Cache-Control: no-store)
// `signature`: base64 DER SM2 signature (auth::AuthConfig::sm2_id) by the caller's registered key over
// auth::decision_text("approve" | "reject", id, payload_sm3).
#pragma once

#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/ra/carrier.h"

namespace yinxin::api {

struct CarrierApi {
    ra::CarrierService* carriers = nullptr;
    auth::AuthService* auth = nullptr;
    audit::AuditLog* audit = nullptr;
};

// Adds the routes above. Everything in `api` must outlive the server.
Status add_carrier_routes(Server& server, const CarrierApi& api);

}  // namespace yinxin::api
