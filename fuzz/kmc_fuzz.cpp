// libFuzzer harness for the KMC's parsers of external input (issue 9): the GB/T 35276
// SM2EnvelopedKey, the GM/T 0092 CSRResponse, the GM/T 0014 CARequest and KMRespond, and the
// GM/T 0010 SignedAndEnvelopedData of a retPriKey. Every input is tried as each. Invariants: an
// accepted SM2EnvelopedKey re-encodes and parses back to the same fields; an accepted CSRResponse
// has a signing certificate and, when it carries an envelope, an encryption certificate for the
// enveloped public key, and re-encodes to something that parses again; the signed-over parts of
// the protocol messages are non-empty; signature checks of parsed messages fail cleanly (no key
// here signed them).
#include "driver.h"
#include "yinxin/kmc/envelope.h"
#include "yinxin/kmc/protocol.h"

namespace yinxin::fuzz {

void fuzz_one(BytesView in) {
    if (auto k = kmc::parse_enveloped_key(in); k) {
        check(k->public_key.size() == kmc::k_sm2_point_len, "an enveloped public key is a 65-byte point");
        check(k->encrypted_private_key.size() == kmc::k_sm2_scalar_len, "an enveloped scalar is 32 bytes");
        auto again = kmc::encode_enveloped_key(*k);
        check(again.ok(), "an accepted SM2EnvelopedKey re-encodes");
        auto back = kmc::parse_enveloped_key(*again);
        check(back.ok(), "a re-encoded SM2EnvelopedKey parses");
        check(back->public_key == k->public_key && back->encrypted_private_key == k->encrypted_private_key &&
                  back->sym_encrypted_key == k->sym_encrypted_key,
              "re-encoding keeps every field");
    }
    if (auto r = kmc::parse_csr_response(in); r) {
        check(!r->sign_certificates.empty(), "a CSRResponse has a signing certificate");
        auto again = kmc::encode_csr_response(*r);
        check(again.ok(), "an accepted CSRResponse re-encodes");
        check(kmc::parse_csr_response(*again).ok(), "a re-encoded CSRResponse parses");
    }
    if (auto q = kmc::parse_ca_request(in); q) {
        check(!q->ks_request_der.empty(), "a CARequest has signed content");
    }
    if (auto m = kmc::parse_km_respond(in); m) {
        check(!m->ks_respond_der.empty(), "a KMRespond has signed content");
    }
    if (auto s = kmc::parse_signed_and_enveloped_key(in); s) {
        check(!s->encrypted_key.empty(), "a retPriKey has an encrypted key");
    }
}

}  // namespace yinxin::fuzz
