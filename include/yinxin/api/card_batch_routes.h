// Routes of the third-generation social-security card service (LD/T 03-2022 §6.4.7; the rules live
// in ra::CardBatchService, these handlers turn requests into its calls). Bearer token from
// POST /api/v1/auth/login; every route needs ra.card_batch.submit (card issuers and RA business
// operators) on the organisation node concerned.
//
//   POST /api/v1/ra/card-data                 body: card-issuance CSV (text/csv)   → {added, unchanged}
//   POST /api/v1/ra/card-batches?ca=&profile=&mode=&org_node=&name=
//                                             body: batch file (text/csv or application/x-ndjson)
//                                             → 202 + Location (new batch, queued on the worker),
//                                               200 (the same file again: that batch, nothing created)
//   GET  /api/v1/ra/card-batches/{id}         progress: state, total, done, issued, failed
//   GET  /api/v1/ra/card-batches/{id}/result  the per-item result file (text/csv)
//   POST /api/v1/ra/card-requests             模式三/模式五, JSON {ca, profile?, mode?, org_node?,
//                                             card_number, id_number, name, public_key | pkcs10}
//                                             → 201 {batch_id, serial, certificate} (200 when repeated)
//   GET  /api/v1/ra/card-certificates/{card}  模式四: the newest certificate issued for a card
//
// The service writes the audit records of what reaches it; a request refused before that (no or
// bad token, malformed parameters) gets its own failure record here.
#pragma once

#include "yinxin/api/server.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/ra/card_batch.h"

namespace yinxin::api {

struct CardBatchApi {
    ra::CardBatchService* service = nullptr;
    // Processes submitted batches in the background. Null: a submitted batch is processed inside
    // the request, which then answers 200 with the finished batch (small installations, tests).
    ra::CardBatchWorker* worker = nullptr;
    auth::AuthService* auth = nullptr;
    audit::AuditLog* audit = nullptr;
};

// Everything in `api` must outlive the server.
Status add_card_batch_routes(Server& server, const CardBatchApi& api);

}  // namespace yinxin::api
