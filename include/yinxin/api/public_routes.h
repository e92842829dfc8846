// Public, read-only routes of the certificate service: what relying parties fetch without logging
// in (CA certificates by the AIA caIssuers URL, the CA list, a certificate's status by serial).
// Nothing here changes state, so no role is needed (LD/T 03-2022 §6.2: the repository is public).
#pragma once

#include "yinxin/api/server.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/ocsp.h"
#include "yinxin/ca/store.h"
#include "yinxin/ca/tsa.h"

namespace yinxin::api {

// GET /api/v1/cas                          → JSON list of CAs
// GET /api/v1/cas/{id}                     → one CA, with its certificate as PEM
// GET /ca/{id}.cer                         → the CA certificate, DER (application/pkix-cert); the
//                                            AIA caIssuers URL of ca::PublicationConfig
// GET /api/v1/cas/{id}/certificates/{serial} → status (pending/issued/failed) and PEM when issued;
//                                            with `status`: revocation (revoked / on hold, reason,
//                                            time, invalidity date)
// With `status` also:
// GET /crl/{id}.crl                        → the CA's newest full CRL, DER (application/pkix-crl,
//                                            RFC 2585 3); the CRL distribution point URL of
//                                            ca::PublicationConfig
// The registry, reader and status store must outlive the server.
Status add_public_ca_routes(Server& server, ca::CaRegistry& registry, ca::CertificateReader& reader,
                            ca::RevocationStore* status = nullptr);

// OCSP (RFC 6960 Appendix A) at the AIA OCSP URL of ca::PublicationConfig, <base_url>/ocsp/<id>:
// POST /ocsp/{id}          body: DER OCSPRequest (application/ocsp-request)
// GET  /ocsp/{id}/{req}    req: the request's base64, URL-encoded (RFC 5019 5)
// POST /ocsp               any CA the responder serves
// Always 200 with application/ocsp-response: failures are unsigned OCSP statuses. A successful
// answer to a request without a nonce carries Cache-Control max-age up to its nextUpdate (RFC 5019
// 6). The responder must outlive the server.
Status add_ocsp_routes(Server& server, ca::OcspResponder& responder);

// RFC 3161 time stamps over HTTP (3.4): POST /api/v1/tsa and POST /tsa, body a DER TimeStampReq
// (application/timestamp-query); always 200 with a DER TimeStampResp (application/timestamp-reply),
// a refusal being its rejection status. The authority must outlive the server.
Status add_tsa_routes(Server& server, ca::TimeStampAuthority& tsa);

}  // namespace yinxin::api
