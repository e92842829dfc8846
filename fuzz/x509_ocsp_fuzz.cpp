// libFuzzer harness for the OCSP codec (RFC 6960): the input as an OCSPRequest (what the
// responder parses from the network) and as an OCSPResponse (what a client parses). An accepted
// request has 1..64 CertIDs whose raw TLV re-parses to the same CertID, and rebuilds to a request
// that parses back equal; an accepted response has its fields walked and its signature check
// returns a value.
#include "driver.h"
#include "x509_checks.h"
#include "yinxin/x509/ocsp.h"

namespace yinxin::fuzz {

void fuzz_one(BytesView in) {
    if (auto req = x509::OcspRequest::parse(in); req.ok()) {
        check(!req->certs.empty() && req->certs.size() <= 64, "1..64 CertIDs");
        for (const auto& c : req->certs) walk_algorithm(c.hash_algorithm);
        auto again = x509::OcspRequest::build(req->certs, req->nonce);
        check(again.ok(), "an accepted request rebuilds");
        if (again.ok()) {
            auto back = x509::OcspRequest::parse(*again);
            check(back.ok() && back->certs.size() == req->certs.size() && back->nonce == req->nonce,
                  "a rebuilt request parses back equal");
        }
    }
    if (auto resp = x509::OcspResponse::parse(in); resp.ok()) {
        if (resp->status == x509::OcspResponseStatus::successful) {
            walk_algorithm(resp->signature_algorithm);
            if (resp->responder_name) walk_name(*resp->responder_name, x509::ParseOptions{});
            for (const auto& s : resp->responses) {
                walk_algorithm(s.id.hash_algorithm);
                (void)s.this_update;
            }
            static const x509::SubjectPublicKeyInfo key =
                x509::SubjectPublicKeyInfo::from_sm2(crypto::Sm2PrivateKey::generate().value().public_key());
            (void)resp->verify_signature_with(key);
        } else {
            check(resp->responses.empty(), "an error response has no SingleResponse");
        }
    }
}

}  // namespace yinxin::fuzz
