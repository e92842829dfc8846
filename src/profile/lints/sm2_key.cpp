// GM/T 0015-2012 5.2 / GB/T 20518 and gm-and-seal-formats §3: an SM2 subject key is written as
// id-ecPublicKey (RFC 5480 2.1.1) with namedCurve 1.2.156.10197.1.301, and the certificate is
// signed with SM2-with-SM3 (1.2.156.10197.1.501). The bare-SM2-OID form some producers write is
// read elsewhere but never issued.
#include "lints.h"
#include "yinxin/asn1/oids.h"

namespace yinxin::profile::lints {
namespace {

class Sm2Key final : public Lint {
public:
    std::string_view name() const override { return "sm2_key"; }
    std::string_view citation() const override { return "GM/T 0015-2012 5.2; RFC 5480 2.1.1"; }

    std::optional<std::string> check(const LintContext& ctx) const override {
        const auto& spki = ctx.cert.public_key_info();
        if (spki.algorithm().oid != asn1::oids::id_ec_public_key)
            return "subjectPublicKeyInfo algorithm is " + asn1::oid_display(spki.algorithm().oid) +
                   ", not id-ecPublicKey";
        if (spki.curve() != asn1::oids::sm2)
            return "namedCurve is " + (spki.curve() ? asn1::oid_display(*spki.curve()) : std::string("absent")) +
                   ", not SM2 (1.2.156.10197.1.301)";
        if (!spki.sm2_public_key()) return "the SM2 public key point is invalid";
        if (ctx.cert.signature_algorithm().oid != asn1::oids::sm2_with_sm3)
            return "signature algorithm is " + asn1::oid_display(ctx.cert.signature_algorithm().oid) +
                   ", not SM2-with-SM3";
        return std::nullopt;
    }
};

}  // namespace

const Lint& sm2_key() {
    static const Sm2Key lint;
    return lint;
}

}  // namespace yinxin::profile::lints
