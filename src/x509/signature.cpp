#include "yinxin/x509/signature.h"

#include <optional>

#include "internal.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/crypto/foreign.h"

namespace yinxin::x509 {

namespace oids = asn1::oids;
namespace tags = asn1::tags;
using asn1::Element;
using asn1::Reader;

namespace {

Error unsupported(std::string msg) { return make_error(Errc::x509_unsupported_algorithm, std::move(msg)); }

// Crypto-layer failures as stable x509 codes.
Status map_crypto(Status s) {
    if (s.ok()) return s;
    switch (s.code()) {
        case Errc::crypto_signature_invalid:
        case Errc::crypto_bad_signature_encoding:
            return detail::relabel(std::move(s).error(), Errc::x509_signature_invalid, "signature");
        case Errc::crypto_bad_key:
        case Errc::crypto_point_not_on_curve:
            return detail::relabel(std::move(s).error(), Errc::x509_bad_public_key, "public key");
        case Errc::crypto_unsupported_algorithm:
            return detail::relabel(std::move(s).error(), Errc::x509_unsupported_algorithm, "algorithm");
        default: return s;
    }
}

// Digest AlgorithmIdentifier → OID (parameters absent or NULL, RFC 4055 2.1).
Result<asn1::Oid> digest_oid(const Element& e) {
    YX_ASSIGN_OR_RETURN(AlgorithmIdentifier a, AlgorithmIdentifier::from_element(e));
    if (!a.parameters_absent_or_null()) return unsupported("hash AlgorithmIdentifier with parameters");
    return a.oid;
}

// RFC 4055 3.1 RSASSA-PSS-params; only SHA-256 with MGF1-SHA-256 and trailerField 1 are
// supported (what crypto::verify_foreign implements). The salt length is taken from the signature.
Status check_pss_parameters(const AlgorithmIdentifier& alg) {
    if (!alg.parameters) return unsupported("RSASSA-PSS without parameters means SHA-1, which is not supported");
    auto fail = [](const std::string& why) { return unsupported("RSASSA-PSS parameters: " + why); };
    auto top = asn1::read_single(*alg.parameters, asn1::ReaderOptions::ber());
    if (!top.ok() || !top->is(tags::sequence)) return fail("not a SEQUENCE");
    Reader r = top->children();
    auto hash = r.read_optional_context_explicit(0);
    if (!hash.ok() || !*hash) return fail("hashAlgorithm absent (SHA-1)");
    auto h = digest_oid(**hash);
    if (!h.ok() || *h != oids::sha256) return fail("hashAlgorithm is not SHA-256");
    auto mgf = r.read_optional_context_explicit(1);
    if (!mgf.ok() || !*mgf) return fail("maskGenAlgorithm absent (MGF1-SHA-1)");
    auto m = AlgorithmIdentifier::from_element(**mgf);
    if (!m.ok() || m->oid != oids::id_mgf1 || !m->parameters) return fail("maskGenAlgorithm is not MGF1");
    auto mp = asn1::read_single(*m->parameters, asn1::ReaderOptions::ber());
    if (!mp.ok()) return fail("MGF1 parameters");
    auto mh = digest_oid(*mp);
    if (!mh.ok() || *mh != oids::sha256) return fail("MGF1 hash is not SHA-256");
    auto salt = r.read_optional_context_explicit(2);
    if (!salt.ok()) return fail("saltLength");
    auto trailer = r.read_optional_context_explicit(3);
    if (!trailer.ok()) return fail("trailerField");
    if (*trailer) {
        auto tv = (*trailer)->as_int64();
        if (!tv.ok() || *tv != 1) return fail("trailerField is not 1");
    }
    if (!r.at_end()) return fail("unexpected fields");
    return ok_status();
}

std::optional<crypto::ForeignAlgorithm> foreign_of(const asn1::Oid& o) {
    using F = crypto::ForeignAlgorithm;
    if (o == oids::ecdsa_with_sha256) return F::ecdsa_sha256;
    if (o == oids::ecdsa_with_sha384) return F::ecdsa_sha384;
    if (o == oids::ecdsa_with_sha512) return F::ecdsa_sha512;
    if (o == oids::sha256_with_rsa_encryption) return F::rsa_pkcs1_sha256;
    if (o == oids::sha384_with_rsa_encryption) return F::rsa_pkcs1_sha384;
    if (o == oids::sha512_with_rsa_encryption) return F::rsa_pkcs1_sha512;
    if (o == oids::rsa_with_sm3) return F::rsa_pkcs1_sm3;
    if (o == oids::rsassa_pss) return F::rsa_pss_sha256;
    return std::nullopt;
}

}  // namespace

bool is_supported_signature_algorithm(const asn1::Oid& alg) {
    return alg == oids::sm2_with_sm3 || foreign_of(alg).has_value();
}

Status verify_signature(const AlgorithmIdentifier& alg, const SubjectPublicKeyInfo& key, BytesView message,
                        BytesView signature, std::string_view sm2_id) {
    const KeyType kt = key.key_type();
    if (alg.oid == oids::sm2_with_sm3) {
        if (kt != KeyType::sm2) return unsupported("SM2-with-SM3 signature but the key is not an SM2 key");
        // GM/T 0006: no parameters; NULL is tolerated as in other GM software.
        if (!alg.parameters_absent_or_null()) return unsupported("SM2-with-SM3 with parameters");
        YX_ASSIGN_OR_RETURN(crypto::Sm2PublicKey pk, key.sm2_public_key());
        // GM/T 0009 / gm-and-seal-formats §6.1: always an explicit signer ID.
        return map_crypto(crypto::sm2_verify(pk, message, signature, sm2_id));
    }
    const auto fa = foreign_of(alg.oid);
    if (!fa) return unsupported("unsupported signature algorithm " + asn1::oid_display(alg.oid));
    if (alg.oid == oids::ecdsa_with_sha256 || alg.oid == oids::ecdsa_with_sha384 ||
        alg.oid == oids::ecdsa_with_sha512) {
        // RFC 5758 3.2: the parameters field MUST be absent.
        if (alg.parameters) return unsupported("ECDSA AlgorithmIdentifier with parameters");
        if (kt != KeyType::ec) return unsupported("ECDSA signature but the key is not an ECDSA key");
    } else {
        if (alg.oid == oids::rsassa_pss) {
            YX_TRY(check_pss_parameters(alg));
        } else if (!alg.parameters_absent_or_null()) {
            return unsupported("RSA PKCS#1 v1.5 AlgorithmIdentifier with parameters other than NULL");
        }
        if (kt != KeyType::rsa) return unsupported("RSA signature but the key is not an RSA key");
        YX_ASSIGN_OR_RETURN(std::size_t bits, key.rsa_modulus_bits());
        if (bits < 2048)
            return make_error(Errc::x509_weak_key, "RSA key of " + std::to_string(bits) + " bits (minimum 2048)");
    }
    return map_crypto(crypto::verify_foreign(key.der(), *fa, message, signature));
}

}  // namespace yinxin::x509
