// The subject key is one the profile issues, written the standard way, and the certificate is
// signed with the algorithm of the issuer's key.
// SM2 (GM/T 0015-2012 5.2 / GB/T 20518, gm-and-seal-formats §3): id-ecPublicKey (RFC 5480 2.1.1)
// with namedCurve 1.2.156.10197.1.301 and a valid point; the bare-SM2-OID form some producers write
// is read elsewhere but never issued. ECDSA P-256 (RFC 5480, the TLS CA only): id-ecPublicKey on
// prime256v1. Signature: SM2-with-SM3 under an SM2 CA, ecdsa-with-SHA256 under the TLS CA.
#include "lints.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/profile/issuance.h"

namespace yinxin::profile::lints {
namespace {

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

class SubjectKey final : public Lint {
public:
    std::string_view name() const override { return "subject_key"; }
    std::string_view citation() const override { return "GM/T 0015-2012 5.2; RFC 5480 2.1.1; RFC 5758 3.2"; }

    std::optional<std::string> check(const LintContext& ctx) const override {
        const auto& spki = ctx.cert.public_key_info();
        if (spki.algorithm().oid != asn1::oids::id_ec_public_key)
            return "subjectPublicKeyInfo algorithm is " + asn1::oid_display(spki.algorithm().oid) +
                   ", not id-ecPublicKey";
        if (!key_algorithm_allowed(ctx.profile, spki)) {
            if (spki.is_sm2()) return "the SM2 public key point is invalid, or the profile does not issue SM2 keys";
            return "namedCurve is " + (spki.curve() ? asn1::oid_display(*spki.curve()) : std::string("absent")) +
                   ", not a key algorithm of profile " + ctx.profile.id() + " (" +
                   joined(ctx.profile.key_algorithms()) + ")";
        }
        const auto& alg = ctx.cert.signature_algorithm();
        if (alg.oid != asn1::oids::sm2_with_sm3 && alg.oid != asn1::oids::ecdsa_with_sha256)
            return "signature algorithm is " + asn1::oid_display(alg.oid) + ", not SM2-with-SM3 or ecdsa-with-SHA256";
        if (!alg.same_as(ctx.issuer.signature_algorithm, true))
            return "signature algorithm is " + asn1::oid_display(alg.oid) + ", but the issuer's key signs with " +
                   asn1::oid_display(ctx.issuer.signature_algorithm.oid);
        return std::nullopt;
    }
};

}  // namespace

const Lint& subject_key() {
    static const SubjectKey lint;
    return lint;
}

}  // namespace yinxin::profile::lints
