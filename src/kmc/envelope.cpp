#include "yinxin/kmc/envelope.h"

#include <algorithm>
#include <string>

#include "internal.h"
#include "yinxin/asn1/reader.h"
#include "yinxin/asn1/writer.h"
#include "yinxin/crypto/sm2_cipher.h"
#include "yinxin/crypto/sm4.h"

namespace yinxin::kmc {

namespace {

Error bad(const std::string& what) { return make_error(Errc::kmc_bad_message, "SM2EnvelopedKey: " + what); }
Error invalid(const std::string& what) { return make_error(Errc::kmc_envelope_invalid, "SM2EnvelopedKey: " + what); }

Status check_fields(const EnvelopedKey& k) {
    if (k.sym_algorithm != asn1::oids::sm4_ecb && k.sym_algorithm != asn1::oids::sm4)
        return bad("symmetric algorithm " + k.sym_algorithm.to_string() + " is not SM4-ECB (GB/T 35276 7.4)");
    // Re-encoding checks the SM2Cipher structure without decrypting it.
    auto cipher =
        crypto::sm2_cipher_convert(k.sym_encrypted_key, crypto::Sm2CipherFormat::asn1, crypto::Sm2CipherFormat::asn1);
    if (!cipher) return bad("symEncryptedKey is not a GM/T 0009 SM2Cipher: " + cipher.error().message);
    if (k.public_key.size() != k_sm2_point_len) return bad("sm2PublicKey is not a 65-byte uncompressed point");
    auto point = crypto::Sm2PublicKey::from_point(k.public_key);
    if (!point) return bad("sm2PublicKey: " + point.error().message);
    if (k.encrypted_private_key.size() != k_sm2_scalar_len)
        return bad("sm2EncryptedPrivateKey must be 32 bytes (SM4-ECB of the scalar, no padding), got " +
                   std::to_string(k.encrypted_private_key.size()));
    return ok_status();
}

}  // namespace

Result<Bytes> encode_enveloped_key(const EnvelopedKey& key) {
    YX_TRY(check_fields(key));
    asn1::Writer w;
    w.sequence([&](asn1::Writer& s) {
        s.sequence([&](asn1::Writer& alg) { alg.oid(key.sym_algorithm).null(); });
        s.raw(key.sym_encrypted_key);
        s.bit_string(key.public_key);
        s.bit_string(key.encrypted_private_key);
    });
    auto der = w.finish();
    if (!der) return bad(der.error().message);
    return der;
}

Result<EnvelopedKey> parse_enveloped_key(BytesView der) {
    auto parsed = [&]() -> Result<EnvelopedKey> {
        YX_ASSIGN_OR_RETURN(asn1::Element top, asn1::read_single(der, asn1::ReaderOptions::ber()));
        if (!top.is(asn1::tags::sequence)) return bad("not a SEQUENCE");
        asn1::Reader r = top.children();
        EnvelopedKey k;
        YX_ASSIGN_OR_RETURN(asn1::Element alg, r.read_sequence());
        YX_ASSIGN_OR_RETURN(k.sym_algorithm, read_algorithm(alg));
        YX_ASSIGN_OR_RETURN(asn1::Element cipher, r.read_sequence());
        k.sym_encrypted_key.assign(cipher.raw().begin(), cipher.raw().end());
        YX_ASSIGN_OR_RETURN(asn1::BitString point, r.read_bit_string());
        if (!point.octet_aligned()) return bad("sm2PublicKey has unused bits");
        k.public_key.assign(point.bytes.begin(), point.bytes.end());
        YX_ASSIGN_OR_RETURN(asn1::BitString enc, r.read_bit_string());
        if (!enc.octet_aligned()) return bad("sm2EncryptedPrivateKey has unused bits");
        k.encrypted_private_key.assign(enc.bytes.begin(), enc.bytes.end());
        YX_TRY(r.expect_end());
        YX_TRY(check_fields(k));
        return k;
    }();
    if (!parsed && parsed.code() != Errc::kmc_bad_message) return bad(parsed.error().message);
    return parsed;
}

Result<Bytes> make_enveloped_key(BytesView scalar, const crypto::Sm2PublicKey& public_key,
                                 const crypto::Sm2PublicKey& recipient, Rng& rng) {
    if (scalar.size() != k_sm2_scalar_len) return invalid("the private key must be a 32-byte scalar");
    {
        auto check = crypto::Sm2PrivateKey::from_scalar(scalar);
        if (!check) return invalid(check.error().message);
        if (check->public_key().point() != public_key.point())
            return invalid("the scalar is not the private half of the public key");
    }
    SecretBytes sym(crypto::k_sm4_key_len);
    YX_TRY(rng.fill(sym));
    EnvelopedKey k;
    YX_ASSIGN_OR_RETURN(k.encrypted_private_key, crypto::sm4_ecb_encrypt(sym, scalar, crypto::Padding::none));
    YX_ASSIGN_OR_RETURN(k.sym_encrypted_key, crypto::sm2_encrypt(recipient, sym, crypto::Sm2CipherFormat::asn1));
    k.public_key = public_key.point();
    return encode_enveloped_key(k);
}

Result<Bytes> make_enveloped_key(const crypto::Sm2PrivateKey& key, const crypto::Sm2PublicKey& recipient, Rng& rng) {
    const SecretBytes d = key.scalar();
    return make_enveloped_key(d, key.public_key(), recipient, rng);
}

Result<crypto::Sm2PrivateKey> open_enveloped_key(BytesView der, const DecryptFunction& decrypt) {
    YX_ASSIGN_OR_RETURN(EnvelopedKey k, parse_enveloped_key(der));
    return open_parts(k.sym_encrypted_key, k.encrypted_private_key, k.public_key, decrypt);
}

Result<crypto::Sm2PrivateKey> open_enveloped_key(BytesView der, const crypto::Sm2PrivateKey& recipient) {
    return open_enveloped_key(der, [&recipient](BytesView c) { return crypto::sm2_decrypt(recipient, c); });
}

Result<crypto::Sm2PrivateKey> open_parts(BytesView sm2_cipher, BytesView encrypted_scalar, BytesView public_point,
                                         const DecryptFunction& decrypt) {
    auto sym = decrypt(sm2_cipher);
    if (!sym) return invalid("the SM4 key does not decrypt with this key: " + sym.error().message);
    if (sym->size() != crypto::k_sm4_key_len)
        return invalid("the decrypted symmetric key is " + std::to_string(sym->size()) + " bytes, not 16");
    auto plain = crypto::sm4_ecb_decrypt(*sym, encrypted_scalar, crypto::Padding::none);
    if (!plain) return invalid(plain.error().message);
    SecretBytes d = to_secret(*plain);
    secure_zero(plain->data(), plain->size());
    auto key = crypto::Sm2PrivateKey::from_scalar(d);
    if (!key) return invalid("the decrypted scalar is not an SM2 private key (wrong key or modified ciphertext)");
    const Bytes point = key->public_key().point();
    if (!std::equal(point.begin(), point.end(), public_point.begin(), public_point.end()))
        return invalid("the decrypted private key does not match the enveloped public key");
    return key;
}

Result<asn1::Oid> read_algorithm(const asn1::Element& alg) {
    asn1::Reader a = alg.children();
    auto oid = a.read_oid();
    if (!oid) return bad("AlgorithmIdentifier without an OID");
    if (!a.at_end()) {
        if (!a.read_null()) return bad("AlgorithmIdentifier parameters other than NULL");
        if (!a.at_end()) return bad("AlgorithmIdentifier with trailing data");
    }
    return std::move(oid).value();
}

// ---- GM/T 0092 CSRResponse ----------------------------------------------------------------------

namespace {

Error bad_csr(const std::string& what) { return make_error(Errc::kmc_bad_message, "CSRResponse: " + what); }

Status check_response(const CsrResponse& r) {
    if (r.sign_certificates.empty()) return bad_csr("no signing certificate");
    if (r.encrypted_private_key) {
        if (r.encrypt_certificates.empty()) return bad_csr("an enveloped key without its encryption certificate");
        auto k = parse_enveloped_key(*r.encrypted_private_key);
        if (!k) return k.error();
        const bool found =
            std::any_of(r.encrypt_certificates.begin(), r.encrypt_certificates.end(), [&](const auto& c) {
                auto pub = c.public_key_info().sm2_public_key();
                return pub && pub->point() == k->public_key;
            });
        if (!found) return bad_csr("no encryption certificate holds the enveloped key pair's public key");
    }
    return ok_status();
}

}  // namespace

Result<Bytes> encode_csr_response(const CsrResponse& response) {
    YX_TRY(check_response(response));
    asn1::Writer w;
    w.sequence([&](asn1::Writer& s) {
        // In the given order, holder's certificate first (a DER SET OF would sort them).
        s.constructed(asn1::tags::set, [&](asn1::Writer& set) {
            for (const auto& c : response.sign_certificates) set.raw(c.der());
        });
        if (response.encrypted_private_key)
            s.context_explicit(0, [&](asn1::Writer& e) { e.raw(*response.encrypted_private_key); });
        if (!response.encrypt_certificates.empty())
            s.context_implicit(1, [&](asn1::Writer& c) {
                c.constructed(asn1::tags::set, [&](asn1::Writer& set) {
                    for (const auto& cert : response.encrypt_certificates) set.raw(cert.der());
                });
            });
    });
    auto der = w.finish();
    if (!der) return bad_csr(der.error().message);
    return der;
}

Result<CsrResponse> parse_csr_response(BytesView der) {
    auto parsed = [&]() -> Result<CsrResponse> {
        YX_ASSIGN_OR_RETURN(asn1::Element top, asn1::read_single(der, asn1::ReaderOptions::ber()));
        if (!top.is(asn1::tags::sequence)) return bad_csr("not a SEQUENCE");
        asn1::Reader r = top.children();
        CsrResponse out;
        auto read_certs = [](asn1::Reader set, std::vector<x509::Certificate>& into) -> Status {
            while (!set.at_end()) {
                YX_ASSIGN_OR_RETURN(asn1::Element c, set.read_sequence());
                YX_ASSIGN_OR_RETURN(x509::Certificate cert, x509::Certificate::parse(c.raw()));
                into.push_back(std::move(cert));
            }
            return ok_status();
        };
        YX_ASSIGN_OR_RETURN(asn1::Element sign, r.read_set());
        YX_TRY(read_certs(sign.children(), out.sign_certificates));
        YX_ASSIGN_OR_RETURN(auto key, r.read_optional(asn1::Tag::context(0, true)));
        if (key) {
            // EXPLICIT: the content is one SEQUENCE. IMPLICIT: the content is the SEQUENCE's fields.
            asn1::Reader inner = key->children();
            auto first = inner.read();
            if (first && first->is(asn1::tags::sequence) && inner.at_end()) {
                out.encrypted_private_key = Bytes(first->raw().begin(), first->raw().end());
            } else {
                asn1::Writer w;
                w.sequence([&](asn1::Writer& s) { s.raw(key->content()); });
                YX_ASSIGN_OR_RETURN(Bytes rebuilt, w.finish());
                out.encrypted_private_key = std::move(rebuilt);
            }
        }
        YX_ASSIGN_OR_RETURN(auto enc, r.read_optional(asn1::Tag::context(1, true)));
        if (enc) YX_TRY(read_certs(enc->children(), out.encrypt_certificates));
        YX_TRY(r.expect_end());
        YX_TRY(check_response(out));
        return out;
    }();
    if (!parsed && parsed.code() != Errc::kmc_bad_message) return bad_csr(parsed.error().message);
    return parsed;
}

}  // namespace yinxin::kmc
