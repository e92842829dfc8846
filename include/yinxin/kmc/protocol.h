// The CA <-> KMC messages of GM/T 0014 (gm-and-seal-formats.md §4, reconstructed from three Java
// implementations: com.zzy.GMT0014.caAndKm, com.fxal.km.protocol.asn1, com.yxj.gm.asn1.ca), and the
// GM/T 0010 (GB/T 35275) SignedAndEnvelopedData that carries a generated private key.
//
//   CARequest ::= SEQUENCE { ksRequest KSRequest, signatureAlgorithm AlgorithmIdentifier,
//                            signatureValue OCTET STRING }        -- DER SM2Signature
//   KSRequest ::= SEQUENCE { version INTEGER(1), caName EntName, requestList SEQUENCE OF Request,
//                            requestTime GeneralizedTime, taskNO INTEGER }
//   EntName   ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, entName GeneralName,
//                            entPubKeyHash OCTET STRING, serialNumber INTEGER }
//   Request   ::= CHOICE { applyKeyReq [0] ApplyKeyReq, restoreKeyReq [1] RestoreKeyReq,
//                          revokeKeyReq [2] RevokeKeyReq }        -- IMPLICIT (zzy)
//   ApplyKeyReq ::= SEQUENCE { appKeyType AlgorithmIdentifier, appKeyLen INTEGER,
//                   retAsymAlg AlgorithmIdentifier, retSymAlg AlgorithmIdentifier,
//                   retHashAlg AlgorithmIdentifier, appUserInfo AppUserInfo }
//   AppUserInfo ::= SEQUENCE { userCertNo INTEGER, userPubKey SubjectPublicKeyInfo,
//                   notBefore GeneralizedTime, notAfter GeneralizedTime, userName OCTET STRING,
//                   dsCode OCTET STRING OPTIONAL, extendInfo OCTET STRING OPTIONAL }
//   RevokeKeyReq ::= SEQUENCE { userCertNo INTEGER }
//   KMRespond ::= SEQUENCE { ksRespond KSRespond, signatureAlgorithm, signatureValue OCTET STRING }
//   KSRespond ::= SEQUENCE { version INTEGER(1), kmName EntName, respondList SEQUENCE OF Respond,
//                            respondTime GeneralizedTime, taskNO INTEGER }
//   Respond ::= CHOICE { applyKeyRespond [0] RetKeyRespond, restoreKeyRespond [1] RetKeyRespond,
//                        revokeKeyRespond [2] RevokeKeyRespond, errorPkgRespond [3] ErrorPkgRespond }
//   RetKeyRespond ::= SEQUENCE { userCertNo INTEGER, retPubKey SubjectPublicKeyInfo,
//                                retPriKey SignedAndEnvelopedData }
//   ErrorPkgRespond ::= SEQUENCE { errNo INTEGER, errDesc OCTET STRING OPTIONAL }
//
// Shapes chosen where no implementation was found (the spec notes say so):
//   RestoreKeyReq ::= SEQUENCE { retAsymAlg AlgorithmIdentifier, retSymAlg AlgorithmIdentifier,
//                   retHashAlg AlgorithmIdentifier, userCertNo INTEGER, userPubKey SubjectPublicKeyInfo }
//     -- the escrowed key of userCertNo, enveloped to userPubKey (the holder's CURRENT signing key)
//   RevokeKeyRespond ::= SEQUENCE { userCertNo INTEGER }
// Choice tags are written IMPLICIT; on input [n] holding exactly one SEQUENCE is read as EXPLICIT.
//
// Identity and signatures. entName is a directoryName ([4]) GeneralName: the signer certificate's
// subject; entPubKeyHash = SM3(SubjectPublicKeyInfo DER of that certificate); serialNumber its
// serial. Both directions are signed with SM2 (explicit signer ID, GM/T 0009 default) over the DER
// of ksRequest / ksRespond EXACTLY AS RECEIVED (signatureAlgorithm SM2-with-SM3), and checked
// against the peer's certificate: name, key hash and serial must all name it, else
// kmc.bad_signature; a bad signature is kmc.bad_signature too.
//
// retPriKey is a GM/T 0010 SignedAndEnvelopedData (bare SEQUENCE; a ContentInfo wrapper with
// 1.2.156.10197.6.1.4.2.4 is accepted on input):
//   SignedAndEnvelopedData ::= SEQUENCE { version INTEGER(1), recipientInfos SET OF RecipientInfo,
//     digestAlgorithms SET OF AlgorithmIdentifier, encryptedContentInfo EncryptedContentInfo,
//     certificates [0] IMPLICIT SET OF Certificate OPTIONAL, crls [1] IMPLICIT OPTIONAL,
//     signerInfos SET OF SignerInfo }
//   RecipientInfo ::= SEQUENCE { version INTEGER(1), issuerAndSerialNumber, keyEncryptionAlgorithm
//     (SM2 encryption 1.2.156.10197.1.301.3), encryptedKey OCTET STRING (DER SM2Cipher of the SM4 key) }
//   EncryptedContentInfo ::= SEQUENCE { contentType (GM data 1.2.156.10197.6.1.4.2.1),
//     contentEncryptionAlgorithm (SM4-ECB), encryptedContent [0] IMPLICIT OCTET STRING (SM4-ECB of d) }
//   SignerInfo: version 1, the KMC certificate's issuerAndSerialNumber, SM3, no attributes,
//     1.2.156.10197.1.301.1, SM2 signature over the content (the 32-byte scalar), as emmansun/gmsm
//     pkcs7 sign_enveloped.go does for SM2.
// The recipient is the holder's signing key from appUserInfo; its issuerAndSerialNumber names the
// requesting CA (caName) and userCertNo, since the KMC holds no certificate of that key. The SM2
// ciphertext and the SM4 ciphertext are exactly an SM2EnvelopedKey's, so a CA repackages a
// RetKeyRespond into an SM2EnvelopedKey WITHOUT decrypting anything (repackage_as_enveloped_key):
// the CA never sees the key.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/kmc/envelope.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/name.h"

namespace yinxin::kmc {

// Signs `message` with the signer's SM2 key and its ID (a device key: device::Device::sign) and
// returns a DER SM2Signature.
using SignFunction = std::function<Result<Bytes>(BytesView message)>;

// Largest CARequest / KMRespond accepted (external input).
inline constexpr std::size_t k_max_message_size = std::size_t{4} << 20;
// Most requests in one KSRequest.
inline constexpr std::size_t k_max_requests_per_task = 1000;

struct EntName {
    x509::Name name;        // entName as directoryName
    Bytes public_key_hash;  // entPubKeyHash: SM3 of the certificate's SubjectPublicKeyInfo DER
    Bytes serial;           // serialNumber: the certificate's serial, INTEGER magnitude

    static EntName of(const x509::Certificate& cert);
    // Name (RFC 5280 7.1 comparison), key hash and serial all name `cert`.
    bool names(const x509::Certificate& cert) const;
};

struct AppUserInfo {
    Bytes user_cert_no;     // INTEGER magnitude: the serial of the encryption certificate
    Bytes user_public_key;  // SubjectPublicKeyInfo DER of the holder's SIGNING key
    TimePoint not_before{};
    TimePoint not_after{};
    std::string user_name;  // OCTET STRING, UTF-8
    std::optional<Bytes> ds_code;
    std::optional<Bytes> extend_info;
};

struct ApplyKeyReq {
    asn1::Oid app_key_type{asn1::oids::sm2};  // the key pair asked for
    std::int64_t app_key_len = 256;
    asn1::Oid ret_asym_alg{asn1::oids::sm2_encrypt};  // how the key is returned: SM2 encryption,
    asn1::Oid ret_sym_alg{asn1::oids::sm4_ecb};       // SM4-ECB,
    asn1::Oid ret_hash_alg{asn1::oids::sm3};          // SM3
    AppUserInfo user;
};

struct RestoreKeyReq {
    asn1::Oid ret_asym_alg{asn1::oids::sm2_encrypt};
    asn1::Oid ret_sym_alg{asn1::oids::sm4_ecb};
    asn1::Oid ret_hash_alg{asn1::oids::sm3};
    Bytes user_cert_no;
    Bytes user_public_key;  // SubjectPublicKeyInfo DER: the holder's current signing key
};

struct RevokeKeyReq {
    Bytes user_cert_no;
};

using Request = std::variant<ApplyKeyReq, RestoreKeyReq, RevokeKeyReq>;

struct KsRequest {
    std::int64_t version = 1;
    EntName ca_name;
    std::vector<Request> requests;
    TimePoint request_time{};  // whole seconds on the wire
    std::int64_t task_no = 0;  // non-negative
};

// A parsed CARequest; ks_request_der is ksRequest exactly as received (what the signature covers).
struct CaRequest {
    KsRequest ks_request;
    Bytes ks_request_der;
    asn1::Oid signature_algorithm{asn1::oids::sm2_with_sm3};
    Bytes signature;
};

struct RetKeyRespond {
    Bytes user_cert_no;
    Bytes ret_public_key;  // SubjectPublicKeyInfo DER of the generated (or restored) key pair
    Bytes ret_pri_key;     // SignedAndEnvelopedData DER
};
struct RevokeKeyRespond {
    Bytes user_cert_no;
};
struct ErrorPkgRespond {
    std::int64_t err_no = 0;  // Yinxin sends its Errc number
    std::string err_desc;     // "kmc.not_found: ..." (empty: absent)
};

enum class RespondKind { apply, restore, revoke, error };
// One CHOICE alternative: `key` for apply and restore, `revoke`, or `error`, by `kind`.
struct Respond {
    RespondKind kind = RespondKind::error;
    RetKeyRespond key;
    RevokeKeyRespond revoke;
    ErrorPkgRespond error;

    static Respond of(RespondKind kind, RetKeyRespond key) {
        Respond r;
        r.kind = kind;
        r.key = std::move(key);
        return r;
    }
    static Respond of(RevokeKeyRespond revoke) {
        Respond r;
        r.kind = RespondKind::revoke;
        r.revoke = std::move(revoke);
        return r;
    }
    static Respond of(ErrorPkgRespond error) {
        Respond r;
        r.kind = RespondKind::error;
        r.error = std::move(error);
        return r;
    }
};

struct KsRespond {
    std::int64_t version = 1;
    EntName km_name;
    std::vector<Respond> responds;
    TimePoint respond_time{};
    std::int64_t task_no = 0;  // the request's, echoed
};

struct KmRespond {
    KsRespond ks_respond;
    Bytes ks_respond_der;
    asn1::Oid signature_algorithm{asn1::oids::sm2_with_sm3};
    Bytes signature;
};

// ---- encoding, parsing, signing ----------------------------------------------------------------

Result<Bytes> encode_ks_request(const KsRequest& request);
Result<Bytes> encode_ks_respond(const KsRespond& respond);
// CARequest / KMRespond around the encoding, signed with `sign` (SM2-with-SM3).
Result<Bytes> sign_ca_request(const KsRequest& request, const SignFunction& sign);
Result<Bytes> sign_km_respond(const KsRespond& respond, const SignFunction& sign);
// Structure only (kmc.bad_message); the signature is not checked.
Result<CaRequest> parse_ca_request(BytesView der);
Result<KmRespond> parse_km_respond(BytesView der);
// caName / kmName names `signer` and the signature over the received DER verifies with its key and
// `sm2_id` (kmc.bad_signature otherwise).
Status verify_ca_request(const CaRequest& request, const x509::Certificate& signer,
                         std::string_view sm2_id = crypto::k_default_sm2_id);
Status verify_km_respond(const KmRespond& respond, const x509::Certificate& signer,
                         std::string_view sm2_id = crypto::k_default_sm2_id);

// ---- GM/T 0010 SignedAndEnvelopedData carrying one SM2 private key ------------------------------

struct SignedAndEnvelopedKey {
    // RecipientInfo
    x509::Name recipient_issuer;
    Bytes recipient_serial;  // magnitude
    asn1::Oid key_encryption_algorithm{asn1::oids::sm2_encrypt};
    Bytes encrypted_key;  // SM2Cipher DER of the SM4 key
    // EncryptedContentInfo
    asn1::Oid content_type{asn1::oids::gm_data};
    asn1::Oid content_encryption_algorithm{asn1::oids::sm4_ecb};
    Bytes encrypted_content;  // SM4-ECB of the 32-byte scalar
    std::vector<x509::Certificate> certificates;
    // the one SignerInfo
    x509::Name signer_issuer;
    Bytes signer_serial;  // magnitude
    Bytes signature;      // DER SM2Signature over the scalar
};

struct EnvelopeRecipient {
    crypto::Sm2PublicKey public_key;  // the holder's signing key
    x509::Name issuer;                // names it in RecipientInfo (the requesting CA)
    Bytes serial;                     // userCertNo
};

// Envelopes the key pair (scalar, public point) to the recipient and signs the scalar with the
// KMC's key (`sign`, certificate `kmc_certificate`, which is included). The fresh SM4 key comes
// from `rng`. kmc.envelope_invalid when the scalar is not the public key's.
Result<Bytes> make_signed_and_enveloped_key(BytesView scalar, const crypto::Sm2PublicKey& public_key,
                                            const EnvelopeRecipient& recipient,
                                            const x509::Certificate& kmc_certificate, const SignFunction& sign,
                                            Rng& rng);
// kmc.bad_message for a malformed structure, more than one recipient or signer, or an algorithm
// other than SM2 encryption / SM4-ECB.
Result<SignedAndEnvelopedKey> parse_signed_and_enveloped_key(BytesView der);
// Decrypts with the recipient key, checks the scalar against `public_key` (kmc.envelope_invalid)
// and the KMC's signature over it with `kmc_certificate` (kmc.bad_signature).
Result<crypto::Sm2PrivateKey> open_signed_and_enveloped_key(BytesView der, const crypto::Sm2PublicKey& public_key,
                                                            const DecryptFunction& decrypt,
                                                            const x509::Certificate& kmc_certificate,
                                                            std::string_view sm2_id = crypto::k_default_sm2_id);

// The SM2EnvelopedKey holding the same ciphertexts as `respond.ret_pri_key` (same SM2Cipher, same
// SM4 ciphertext) and retPubKey's point: nothing is decrypted.
Result<Bytes> repackage_as_enveloped_key(const RetKeyRespond& respond);

}  // namespace yinxin::kmc
