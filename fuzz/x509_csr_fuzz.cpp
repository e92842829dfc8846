// libFuzzer harness for x509::CertificationRequest (PKCS#10, RFC 2986): the input as DER under the
// default strict options and leniently, and as PEM text. An accepted request has every accessor
// walked and its proof of possession checked (verify_pop returns a value for any key type);
// strict acceptance implies lenient acceptance, and the PEM output parses back to the same bytes.
#include <string_view>

#include "driver.h"
#include "x509_checks.h"
#include "yinxin/x509/csr.h"

namespace yinxin::fuzz {
namespace {

void walk_csr(const x509::CertificationRequest& r, const x509::ParseOptions& options) {
    check(r.version() == 0, "CSR version is v1 (0)");
    walk_name(r.subject(), options);
    walk_spki(r.public_key_info(), options);
    for (const auto& a : r.attributes()) {
        (void)a.type.to_string();
        for (const auto& v : a.values) check(!v.empty(), "attribute value keeps its TLV");
    }
    if (r.challenge_password()) (void)r.challenge_password()->size();
    walk_extensions(r.requested_extensions(), options);
    walk_algorithm(r.signature_algorithm());
    const BytesView der = r.der();
    const BytesView info = r.info_raw();
    check(!info.empty() && info.data() >= der.data() && info.data() + info.size() <= der.data() + der.size(),
          "info_raw lies inside der");
    (void)r.signature_value();

    auto again = x509::CertificationRequest::parse_pem(r.pem(), options);
    check(again.ok() && same(again->der(), r.der()), "CSR PEM round trip");

    (void)r.verify_pop();
    (void)r.verify_pop("");
}

}  // namespace

void fuzz_one(BytesView in) {
    const auto strict = x509::CertificationRequest::default_options();
    auto lenient = strict;
    lenient.lenient = true;
    auto s = x509::CertificationRequest::parse(in, strict);
    if (s.ok()) walk_csr(*s, strict);
    auto l = x509::CertificationRequest::parse(in, lenient);
    if (s.ok()) check(l.ok() && same(l->der(), s->der()), "lenient accepts what strict accepts");
    if (l.ok()) walk_csr(*l, lenient);

    if (in.size() <= 16384)
        if (auto p = x509::CertificationRequest::parse_pem(as_text(in), lenient); p.ok()) walk_csr(*p, lenient);
}

}  // namespace yinxin::fuzz
