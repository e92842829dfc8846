// libFuzzer harness for x509::Crl (RFC 5280 §5 CertificateList): the input as DER under the strict
// and the lenient CRL options. An accepted CRL has every accessor walked, each entry's reason is a
// defined CRLReason, find() returns the entries it holds, and the signature check returns a value
// (verify against an arbitrary SM2 key never crashes). Strict acceptance implies lenient.
#include "driver.h"
#include "x509_checks.h"
#include "yinxin/x509/crl.h"

namespace yinxin::fuzz {
namespace {

void walk_crl(const x509::Crl& c, const x509::ParseOptions& options) {
    check(c.version() == 1 || c.version() == 2, "CRL version is v1 or v2");
    walk_name(c.issuer(), options);
    walk_algorithm(c.signature_algorithm());
    const BytesView der = c.der();
    const BytesView tbs = c.tbs_der();
    check(!tbs.empty() && tbs.data() >= der.data() && tbs.data() + tbs.size() <= der.data() + der.size(),
          "tbs_der lies inside der");
    (void)c.this_update();
    (void)c.next_update();
    (void)c.crl_number();
    (void)c.delta_base();
    (void)c.authority_key_id();
    (void)c.only_ca_certs();
    for (const auto& e : c.entries()) {
        check(x509::crl_reason_from_int(static_cast<int>(e.reason)).ok(), "entry reason is a CRLReason");
        check(c.find(e.serial) != nullptr, "find() finds every entry");
    }
    static const x509::SubjectPublicKeyInfo key =
        x509::SubjectPublicKeyInfo::from_sm2(crypto::Sm2PrivateKey::generate().value().public_key());
    (void)c.verify_signature_with(key);
}

}  // namespace

void fuzz_one(BytesView in) {
    const auto strict = x509::crl_parse_options(false);
    const auto lenient = x509::crl_parse_options(true);
    auto s = x509::Crl::parse(in, strict);
    if (s.ok()) walk_crl(*s, strict);
    auto l = x509::Crl::parse(in, lenient);
    if (s.ok()) check(l.ok() && same(l->der(), s->der()), "lenient accepts what strict accepts");
    if (l.ok()) walk_crl(*l, lenient);
}

}  // namespace yinxin::fuzz
