// Enveloped encryption private keys: GB/T 35276-2017 §7.4 SM2EnvelopedKey and GM/T 0092-2020
// CSRResponse (gm-and-seal-formats.md §4).
//
//   SM2EnvelopedKey ::= SEQUENCE {
//     symAlgID               AlgorithmIdentifier,  -- SM4-ECB 1.2.156.10197.1.104.1, NULL parameters
//     symEncryptedKey        SM2Cipher,            -- the 16-byte SM4 key, SM2-encrypted to the
//                                                  -- recipient's SIGNING public key (GM/T 0009)
//     sm2PublicKey           SM2PublicKey,         -- BIT STRING 04||X||Y of the enveloped key pair
//     sm2EncryptedPrivateKey BIT STRING }          -- SM4-ECB of the 32-byte scalar d, no padding
//
// The standard leaves the ECB padding open; 32 bytes are two whole blocks and every producer seen
// (emmansun/gmsm sm2_envelopedkey.go) writes none, so neither do we and 32 bytes are required.
// Parsing is lenient where producers differ harmlessly: BER lengths, symAlgID with NULL or absent
// parameters, and the bare SM4 OID 1.2.156.10197.1.104 (emmansun accepts it too).
//
//   CSRResponse ::= SEQUENCE {                     -- GM/T 0092-2020 §8, Appendix A
//     signCertificate     SET OF Certificate,
//     encryptedPrivateKey [0] SM2EnvelopedKey OPTIONAL,   -- written EXPLICIT (emmansun csr_rsp.go)
//     encryptCertificate  [1] CertificateSet OPTIONAL }   -- IMPLICIT SET OF Certificate
//
// Errors: a malformed structure is kmc.bad_message; an envelope that does not open (wrong key,
// modified ciphertext, a scalar that does not belong to sm2PublicKey) is kmc.envelope_invalid.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/base/secure.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::kmc {

inline constexpr std::size_t k_sm2_scalar_len = 32;
inline constexpr std::size_t k_sm2_point_len = 65;

// The four fields of an SM2EnvelopedKey.
struct EnvelopedKey {
    asn1::Oid sym_algorithm{asn1::oids::sm4_ecb};
    Bytes sym_encrypted_key;      // SM2Cipher DER (as received when parsed)
    Bytes public_key;             // 65 bytes 04||X||Y of the enveloped key pair
    Bytes encrypted_private_key;  // SM4-ECB(d), 32 bytes
};

// DER of the four fields (symAlgID written with NULL parameters, as emmansun does). The fields are
// checked as parse_enveloped_key checks them (kmc.bad_message).
Result<Bytes> encode_enveloped_key(const EnvelopedKey& key);
// Structure only: nothing is decrypted. kmc.bad_message for anything malformed: another symmetric
// algorithm (SM4-CBC ...), parameters other than NULL, an SM2Cipher that does not parse, a point
// that is not 65 bytes on the SM2 curve, an encrypted scalar that is not 32 bytes, trailing data.
Result<EnvelopedKey> parse_enveloped_key(BytesView der);

// Envelopes the key pair (scalar, public point) to `recipient` (the holder's signing public key):
// a fresh 16-byte SM4 key from `rng` encrypts the scalar in ECB without padding, and is itself
// SM2-encrypted to `recipient`. `scalar` must be the private half of `public_key`
// (kmc.envelope_invalid otherwise, so a mix-up never leaves this function).
Result<Bytes> make_enveloped_key(BytesView scalar, const crypto::Sm2PublicKey& public_key,
                                 const crypto::Sm2PublicKey& recipient, Rng& rng);
Result<Bytes> make_enveloped_key(const crypto::Sm2PrivateKey& key, const crypto::Sm2PublicKey& recipient, Rng& rng);

// Decrypts a GM/T 0009 SM2Cipher (DER) with the recipient's private key: a software key, or a
// device key (device::Device::decrypt) so that the recipient key never leaves its device.
using DecryptFunction = std::function<Result<SecretBytes>(BytesView sm2_cipher_der)>;

// Opens the envelope and checks that the scalar is the private half of sm2PublicKey
// (kmc.envelope_invalid otherwise, and for any decryption failure).
Result<crypto::Sm2PrivateKey> open_enveloped_key(BytesView der, const DecryptFunction& decrypt);
Result<crypto::Sm2PrivateKey> open_enveloped_key(BytesView der, const crypto::Sm2PrivateKey& recipient);

// GM/T 0092-2020 CSRResponse: what a CA hands the applicant of a dual certificate.
struct CsrResponse {
    std::vector<x509::Certificate> sign_certificates;  // at least one; the first is the holder's
    std::optional<Bytes> encrypted_private_key;        // SM2EnvelopedKey DER
    std::vector<x509::Certificate> encrypt_certificates;
};

// kmc.bad_message when there is no signing certificate, or an envelope without an encryption
// certificate whose public key is the envelope's sm2PublicKey.
Result<Bytes> encode_csr_response(const CsrResponse& response);
// The same checks on input; [0] is accepted EXPLICIT (emmansun) or IMPLICIT.
Result<CsrResponse> parse_csr_response(BytesView der);

}  // namespace yinxin::kmc
