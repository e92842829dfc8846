// libFuzzer harness for x509::Certificate: the input as DER under the strict and the lenient
// options, and as PEM text. Every accessor of an accepted certificate is walked (x509_checks.h),
// and: what the strict parser accepts the lenient one accepts too; the PEM output parses back to
// the same certificate; the TBS lies inside the certificate; the signature check against the
// certificate's own key (a self-signed root) returns a value, whatever the key type.
#include <string_view>

#include "driver.h"
#include "x509_checks.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::fuzz {
namespace {

void walk_certificate(const x509::Certificate& c, const x509::ParseOptions& options) {
    check(c.version() >= 1 && c.version() <= 3, "version 1..3");
    (void)c.serial();
    check(!c.serial_hex().empty(), "serial_hex is never empty");
    walk_algorithm(c.signature_algorithm());
    walk_name(c.issuer(), options);
    walk_name(c.subject(), options);
    (void)c.not_before_exact();
    (void)c.not_after_exact();
    (void)c.valid_at(c.not_before());
    (void)c.valid_at(c.not_after());
    walk_spki(c.public_key_info(), options);
    walk_extensions(c.extensions(), options);
    (void)c.is_self_issued();

    const BytesView der = c.der();
    const BytesView tbs = c.tbs_raw();
    check(!tbs.empty() && tbs.data() >= der.data() && tbs.data() + tbs.size() <= der.data() + der.size(),
          "tbs_raw lies inside der");
    const BytesView sig = c.signature_value();
    check(sig.empty() || (sig.data() >= der.data() && sig.data() + sig.size() <= der.data() + der.size()),
          "signature_value lies inside der");
    (void)c.fingerprint_sm3();
    (void)c.fingerprint_sha256();

    auto again = x509::Certificate::parse_pem(c.pem(), options);
    check(again.ok() && *again == *&c, "Certificate PEM round trip");
    check(same(again->tbs_raw(), c.tbs_raw()), "PEM round trip keeps the TBS");

    (void)c.verify_signature_with(c.public_key_info());
}

}  // namespace

void fuzz_one(BytesView in) {
    const auto strict = x509::ParseOptions::strict();
    const auto lenient = x509::ParseOptions::relaxed();
    auto s = x509::Certificate::parse(in, strict);
    if (s.ok()) walk_certificate(*s, strict);
    auto l = x509::Certificate::parse(in, lenient);
    if (s.ok()) check(l.ok() && *l == *s, "lenient accepts what strict accepts");
    if (l.ok()) walk_certificate(*l, lenient);

    // PEM: a few KiB of text is plenty to reach the armour parser's corners.
    if (in.size() <= 16384) {
        auto all = x509::Certificate::parse_pem_all(as_text(in), lenient);
        if (all.ok()) {
            check(!all->empty(), "parse_pem_all never returns an empty list");
            for (const auto& c : *all) walk_certificate(c, lenient);
        }
    }

    // The public key parser on its own (SPKIs also arrive bare: public-key PEM, CSRs).
    if (auto k = x509::SubjectPublicKeyInfo::parse(in, strict); k.ok()) walk_spki(*k, strict);
}

}  // namespace yinxin::fuzz
