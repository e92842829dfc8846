// Registration routes (issue 5; LD/T 03-2022 §6.4): the approval chain of applications, renewal,
// change, revocation and suspension requests, immediate status changes, expiry and statistics. The
// rules live in ra::Workflow, which also writes the audit records; these handlers only turn
// requests into its calls. Bearer tokens as in staff_routes.h. Decisions carry the member's SM2
// signature (base64 DER) over auth::decision_text(<step>, <request id>, <payload_sm3>), where
// payload_sm3 is given by GET .../payload.
//
//   POST /api/v1/ra/requests                       submit {kind, subject_kind, form, org_node, ca?, profile?,
//                                                  csr?, target?, reason?, challenge_phrase?} → 201
//   GET  /api/v1/ra/requests?state=&kind=&after=&limit=
//   GET  /api/v1/ra/requests/overdue               open requests past the 48-hour decision time
//   GET  /api/v1/ra/requests/{id}                  GET .../history, GET .../payload
//   POST /api/v1/ra/requests/{id}/approve          {signature}                 主管部门
//   POST /api/v1/ra/requests/{id}/review           {signature}                 证书管理部门, then the CA acts
//   POST /api/v1/ra/requests/{id}/complete         retry the CA step (after a device failure)
//   POST /api/v1/ra/requests/{id}/reject           {reason, signature}
//   POST /api/v1/ra/requests/{id}/deliver          {method, received_by, carrier_no?, signature}
//   GET  /api/v1/ra/requests/{id}/certificate      PEM (?format=der: DER)
//   POST /api/v1/ra/renewals                       online renewal {ca, serial, csr, signature (old key)}
//   POST /api/v1/ra/certificates/{ca}/{serial}/revoke|suspend|unsuspend   {reason?, why}
//   POST /api/v1/ra/self-service/revoke            {ca, serial, challenge_phrase, reason?}  no login
//   GET  /api/v1/ra/expiring                       certificates expiring within two months
//   GET  /api/v1/ra/statistics?from=&to=&format=json|csv
#pragma once

#include "yinxin/api/server.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/ra/workflow.h"

namespace yinxin::api {

// The workflow and auth service must outlive the server.
Status add_ra_routes(Server& server, ra::Workflow& workflow, auth::AuthService& auth);

}  // namespace yinxin::api
