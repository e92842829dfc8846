// Push sync to registered business systems (iTrus / SHECA CPS: new certificates and every new CRL
// are pushed to the systems that rely on them): one signed HTTP POST per queued object.
//
// The request (docs/openapi.yaml "webhooks"):
//   POST <url>   Content-Type: application/json
//   X-Yinxin-Signature:               base64 of the DER signature over the body bytes as sent
//   X-Yinxin-Signature-Algorithm:     SM2-with-SM3 (GM CAs) or ecdsa-with-SHA256 (the TLS CA)
//   X-Yinxin-Signer-Id:               the SM2 signer ID, 1234567812345678 (GM/T 0009)
//   X-Yinxin-Signer-Certificate-SM3:  hex SM3 fingerprint of the signer's certificate: the
//                                     certificate of the CA named in the body
//   X-Yinxin-Delivery:                the queue row id (also "delivery_id" in the body)
//   body: {"version": 1, "business_type": "certificate" | "ca_certificate" | "crl",
//          "ca_id": ..., "ca_subject": ..., "sync_time": "2026-11-01T00:00:00Z",
//          "delivery_id": 42, "object": "<base64 DER>", + per type: "serial", "subject",
//          "not_before", "not_after" | "crl_number", "crl_scope", "delta_base", "this_update",
//          "next_update"}
// The CA's own key signs (in the device, SM2 with the ID), so a receiver that pins the CA
// certificate needs no other key. Any 2xx answer is a delivery; anything else, a timeout or a
// broken connection is a failure, retried with back-off. A receiver de-duplicates by delivery_id.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/publish/queue.h"

namespace yinxin::publish {

inline constexpr std::string_view k_header_signature = "X-Yinxin-Signature";
inline constexpr std::string_view k_header_algorithm = "X-Yinxin-Signature-Algorithm";
inline constexpr std::string_view k_header_signer_id = "X-Yinxin-Signer-Id";
inline constexpr std::string_view k_header_signer_sm3 = "X-Yinxin-Signer-Certificate-SM3";
inline constexpr std::string_view k_header_delivery = "X-Yinxin-Delivery";

// The JSON configuration of a 'callback' target:
//   {"url": "https://biz.example.gov.cn/yinxin/sync", "ca_file": "/etc/yinxin/biz-ca.pem",
//    "timeout_seconds": 10}
// https:// checks the receiver's certificate against ca_file (the system trust store when
// empty) and its name against the URL's host (RFC 9525); http:// is for loopback and tests.
struct CallbackConfig {
    std::string url;
    std::string ca_file;
    std::chrono::seconds timeout{10};
};
// Strict: unknown keys, wrong types, a URL that is not http(s)://host[:port][/path] are
// publish.bad_config.
Result<CallbackConfig> parse_callback_config(std::string_view json_text);
std::string callback_config_json(const CallbackConfig& c);

struct CallbackRequest {
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // the X-Yinxin-* headers
};

// The body for a queue row and its object (see the file comment). `sync_time` is when it is sent.
std::string callback_body(const QueueItem& item, const PublishObject& object, TimePoint sync_time);

// Signs `body` with the CA key (SM2 with key.sm2_id, or ECDSA for a P-256 CA) and adds the
// headers. `signer_certificate_der` is the CA certificate (its key must be the signing key).
Result<CallbackRequest> sign_callback(std::string body, const ca::SigningKey& key, BytesView signer_certificate_der);

// What a receiver does: checks that the fingerprint header names `signer_certificate_der` (the
// receiver's pinned copy of the CA certificate) and that the signature verifies over `body` with
// its key and the SM2 ID. publish.bad_callback for a missing or malformed header or another
// signer; x509.signature_invalid when the signature does not verify.
Status verify_callback(std::string_view body, std::string_view signature_b64, std::string_view algorithm,
                       std::string_view signer_sm3_hex, BytesView signer_certificate_der,
                       std::string_view sm2_id = crypto::k_default_sm2_id);

struct HttpAnswer {
    unsigned status = 0;
    std::string body;  // at most 64 KiB are read
};

// POSTs the request (Boost.Beast; TLS through OpenSSL). publish.unreachable when no answer came
// (connection, TLS or name check failure, timeout); any answer is returned, 2xx or not.
Result<HttpAnswer> post_callback(const CallbackConfig& config, const CallbackRequest& request);

}  // namespace yinxin::publish
