// Key management centre routes (issue 9; LD/T 03-2022 §6.3 a, §6.4.5). The rules live in
// kmc::KmcService, which also writes the audit records; these handlers turn requests into its calls.
//
//   POST /api/v1/kmc                             a GM/T 0014 CARequest (DER, application/octet-stream)
//                                                → the signed KMRespond (DER). Only over TLS with a
//                                                verified client certificate when `require_client_cert`.
//   GET  /api/v1/kmc/keys?state=&ca=&after=&limit=   escrowed keys (never the keys themselves)
//   POST /api/v1/kmc/recoveries                  start {kind: holder|judicial, ra_request_id, org_node?,
//                                                ca, cert_no, holder_public_key | medium_public_key (base64
//                                                SubjectPublicKeyInfo DER), case_reference?, officer_certificate?,
//                                                officer_chain?[], officer_signature?}          → 201
//   GET  /api/v1/kmc/recoveries?state=&after=&limit=
//   GET  /api/v1/kmc/recoveries/{id}             the record and payload_sm3 (what the approver signs)
//   POST /api/v1/kmc/recoveries/{id}/approve     {signature}: the second person's SM2 signature over
//                                                auth::decision_text("approve", id, payload_sm3)
//   POST /api/v1/kmc/recoveries/{id}/reject      {reason, signature} over decision_text("reject", ...)
//   POST /api/v1/kmc/recoveries/{id}/execute     → {recovery, enveloped_key (base64 SM2EnvelopedKey)}
//
// Bearer tokens as in staff_routes.h.
#pragma once

#include "yinxin/api/server.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/kmc/kmc.h"

namespace yinxin::api {

struct KmcApi {
    kmc::KmcService* kmc = nullptr;
    auth::AuthService* auth = nullptr;
    // Refuse CA requests that did not come with a verified TLS client certificate (a KMC process of
    // its own, `serve --role kmc`); false when the CA and the KMC share the process.
    bool require_client_cert = false;
};

// Everything in `api` must outlive the server.
Status add_kmc_routes(Server& server, const KmcApi& api);

}  // namespace yinxin::api
