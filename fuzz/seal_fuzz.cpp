// libFuzzer harness for the GB/T 38540 / GM/T 0031 seal and signature parsers (seal::Seal::parse,
// seal::SesSignature::parse) and the verification procedure with no trust anchors. Every input is
// tried as both; an accepted structure has its views checked to lie inside the input (the parsers
// promise slices as received, never re-encodings), and verification must give a report whose
// verdicts agree with its checks, never crash.
#include <algorithm>

#include "driver.h"
#include "yinxin/seal/ses.h"
#include "yinxin/seal/verify.h"

namespace yinxin::fuzz {
namespace {

bool inside(BytesView part, BytesView whole) {
    if (part.empty()) return true;
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check_report(const seal::Report& r) {
    check(!r.checks.empty(), "a report has checks");
    check(!r.valid || r.intact, "valid implies intact");
    if (r.intact) check(r.result_of("format") == seal::CheckResult::pass, "intact implies the format check passed");
    if (r.valid) check(r.result_of("trust_chain") == seal::CheckResult::pass, "valid needs trust");
    (void)r.to_text();
    (void)r.to_json_string();
}

void walk_seal(const seal::Seal& s) {
    check(inside(s.seal_info_raw(), s.der()), "SES_SealInfo is a slice of the input");
    check(inside(s.maker_certificate(), s.der()), "maker certificate is a slice of the input");
    check(inside(s.signature_value(), s.der()), "signature value is a slice of the input");
    check(!s.signed_bytes().empty(), "a parsed seal has signed bytes");
    (void)s.es_id();
    (void)s.property().certificates.size();
    (void)s.picture().data.size();
}

}  // namespace

void fuzz_one(BytesView in) {
    seal::VerifyOptions o;  // no trust anchors: trust is never established
    o.time = from_unix(1735689600);
    if (auto s = seal::Seal::parse(in); s) {
        check(same(s->der(), in), "a seal keeps its input");
        walk_seal(*s);
        const auto r = seal::verify_seal(*s, o);
        check_report(r);
        check(!r.valid, "no anchors: never valid");
    }
    if (auto sig = seal::SesSignature::parse(in); sig) {
        check(same(sig->der(), in), "a signature keeps its input");
        check(inside(sig->tbs_raw(), sig->der()), "TBS_Sign is a slice of the input");
        check(inside(sig->data_hash(), sig->der()), "dataHash is a slice of the input");
        walk_seal(sig->seal());
        o.data = in;  // some data: the data hash check runs
        const auto r = seal::verify_signature(*sig, o);
        check_report(r);
        check(!r.valid, "no anchors: never valid");
    }
    // The byte-level entry points take the failure paths too.
    check_report(seal::verify_signature(in, o));
}

}  // namespace yinxin::fuzz
