// GM/T 0010 (GB/T 35275) SignedData, and PKCS#7 SignedData (RFC 2315 9.1) carrying SM2/SM3.
//
// GM/T 0010 follows RFC 2315 with SM OIDs (gm-and-seal-formats.md §4):
//   ContentInfo ::= SEQUENCE { contentType 1.2.156.10197.6.1.4.2.2, content [0] EXPLICIT SignedData }
//   SignedData  ::= SEQUENCE { version 1, digestAlgorithms SET OF AlgorithmIdentifier,
//                   contentInfo SEQUENCE { contentType, content [0] EXPLICIT OCTET STRING OPTIONAL },
//                   certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL,
//                   signerInfos SET OF SignerInfo }
//   SignerInfo  ::= SEQUENCE { version 1, issuerAndSerialNumber (or [0] SubjectKeyIdentifier),
//                   digestAlgorithm, authenticatedAttributes [0] IMPLICIT OPTIONAL,
//                   digestEncryptionAlgorithm, encryptedDigest OCTET STRING, unauthenticatedAttributes [1] }
//
// What is signed (RFC 2315 9.3, RFC 5652 5.4): with authenticated attributes, the DER of the
// attributes as a SET OF (tag 0x31), i.e. the [0] IMPLICIT field exactly as received with only its
// tag octet changed; without them, the content itself. The SM2 signature is checked here with an
// explicit signer ID (GM/T 0009 default 1234567812345678), never by OpenSSL's CMS code, which in
// 3.0 neither knows the GM OIDs nor sets the ID (gm-and-seal-formats.md §6.1, §6.7).
//
// A SignedData owns its bytes (shared, immutable): copies are cheap and every view it hands out
// stays valid while any copy lives.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/digest.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/name.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::cms {

// Digest AlgorithmIdentifier OIDs: SM3 (1.2.156.10197.1.401 and .401.1), SHA-1, SHA-256/384/512.
std::optional<crypto::DigestAlgorithm> digest_algorithm_of(const asn1::Oid& oid);
asn1::Oid digest_oid(crypto::DigestAlgorithm alg);

// Which OID arc the ContentInfo uses: GM/T 0010 (1.2.156.10197.6.1.4.2.x) or PKCS#7 (1.2.840.113549.1.7.x).
enum class Flavor { gm, pkcs7 };

// RFC 5652 5.3 SignerIdentifier: issuerAndSerialNumber, or [0] subjectKeyIdentifier.
struct SignerIdentifier {
    std::optional<x509::Name> issuer;
    Bytes serial;  // INTEGER content octets as received (empty with a subject key identifier)
    std::optional<Bytes> subject_key_identifier;

    // Issuer name (RFC 5280 7.1 comparison) and serial magnitude, or the certificate's SKI extension.
    bool matches(const x509::Certificate& cert) const;
};

struct Attribute {
    asn1::Oid type;
    BytesView values;  // the SET OF AttributeValue TLV as received
};

struct SignerInfo {
    int version = 1;
    SignerIdentifier sid;
    x509::AlgorithmIdentifier digest_algorithm;
    // The [0] IMPLICIT authenticatedAttributes TLV as received; empty when absent.
    BytesView signed_attrs_raw;
    std::vector<Attribute> signed_attrs;
    // PKCS#9 attributes decoded from signed_attrs (each at most once: a repeat is cms.bad_attribute).
    std::optional<asn1::Oid> content_type;          // 1.2.840.113549.1.9.3
    std::optional<Bytes> message_digest;            // 1.2.840.113549.1.9.4
    std::optional<TimePoint> signing_time;          // 1.2.840.113549.1.9.5 (UTCTime or GeneralizedTime)
    x509::AlgorithmIdentifier signature_algorithm;  // digestEncryptionAlgorithm
    BytesView signature;                            // encryptedDigest octets (DER SM2Signature or raw r||s)
    BytesView unsigned_attrs_raw;                   // [1] as received; empty when absent

    bool has_signed_attrs() const { return !signed_attrs_raw.empty(); }
    // The bytes the signature covers when signed attributes are present: signed_attrs_raw with its
    // first octet replaced by 0x31 (RFC 5652 5.4 "EXPLICIT SET OF tag"). Empty when absent.
    Bytes signed_attrs_for_signature() const;
};

class SignedData {
public:
    // Parses a ContentInfo carrying SignedData (GM or PKCS#7 content type). Read as BER (real
    // producers are not always DER); every slice is kept as received. Certificates in the set are
    // parsed leniently; one that does not parse is kept in unparsed_certificates() rather than
    // failing the whole structure. Errors: cms.bad_encoding, cms.unsupported (another content type).
    static Result<SignedData> parse(BytesView der);

    Flavor flavor() const { return m_flavor; }
    int version() const { return m_version; }
    const std::vector<x509::AlgorithmIdentifier>& digest_algorithms() const { return m_digest_algorithms; }
    // encapContentInfo contentType (GM data 1.2.156.10197.6.1.4.2.1 or PKCS#7 data).
    const asn1::Oid& content_type() const { return m_content_type; }
    // The eContent OCTET STRING value; nullopt for a detached SignedData.
    const std::optional<Bytes>& content() const { return m_content; }
    bool detached() const { return !m_content.has_value(); }
    const std::vector<x509::Certificate>& certificates() const { return m_certificates; }
    const std::vector<BytesView>& unparsed_certificates() const { return m_unparsed_certificates; }
    const std::vector<BytesView>& crls() const { return m_crls; }
    const std::vector<SignerInfo>& signers() const { return m_signers; }
    BytesView der() const { return *m_der; }

private:
    SignedData() = default;
    std::shared_ptr<const Bytes> m_der;
    Flavor m_flavor = Flavor::gm;
    int m_version = 1;
    std::vector<x509::AlgorithmIdentifier> m_digest_algorithms;
    asn1::Oid m_content_type;
    std::optional<Bytes> m_content;
    std::vector<x509::Certificate> m_certificates;
    std::vector<BytesView> m_unparsed_certificates;
    std::vector<BytesView> m_crls;
    std::vector<SignerInfo> m_signers;
};

// ------------------------------------------------------------------------------------------------
// Verification

struct VerifyOptions {
    std::string sm2_id{crypto::k_default_sm2_id};
    // Looked up after the SignedData's own certificates (a signer certificate delivered elsewhere).
    std::vector<x509::Certificate> extra_certificates;
};

// How the signed content relates to the content the caller gave.
enum class ContentBinding {
    detached,         // no eContent: the caller's content was verified
    embedded,         // eContent present (and equal to the caller's content, if one was given)
    embedded_digest,  // eContent is digest(caller's content): some producers sign the hash of
                      // Signature.xml as attached content without attributes (keyword.ofd Sign_3)
};

enum class CheckOutcome { passed, failed, not_applicable };

struct SignerVerification {
    std::size_t index = 0;  // in SignedData::signers()
    std::optional<x509::Certificate> signer_certificate;
    std::optional<TimePoint> signing_time;
    CheckOutcome signer_found = CheckOutcome::failed;
    // contentType attribute equals eContentType (GM data and PKCS#7 data are taken as the same
    // type: the Topsec/gomain producer writes PKCS#7 data in the content info and GM data in the
    // attribute). not_applicable without signed attributes.
    CheckOutcome content_type = CheckOutcome::not_applicable;
    // messageDigest == digest(content); not_applicable without signed attributes.
    CheckOutcome message_digest = CheckOutcome::not_applicable;
    CheckOutcome signature = CheckOutcome::failed;
    // Every failure with its reason (cms.signer_not_found, cms.digest_mismatch, cms.signature_invalid ...).
    std::vector<Error> errors;

    bool ok() const;
};

struct VerifyResult {
    ContentBinding binding = ContentBinding::detached;
    std::vector<SignerVerification> signers;

    // At least one signer and every signer ok.
    bool ok() const;
    // The first error of the first failing signer, or ok.
    Status status() const;
};

// Verifies every SignerInfo. `content` is the detached content (for OFD Type="Sign": the bytes of
// Signature.xml); with an attached eContent it may be omitted, and when given it must equal the
// eContent or its digest (ContentBinding). Only SM2 signatures with SM3 are supported; other
// algorithms are reported per signer as cms.unsupported. The call itself fails only when there is
// nothing to verify: cms.content_missing (detached and no content), cms.no_signer (no SignerInfo),
// cms.digest_mismatch (attached content that does not match the given content).
Result<VerifyResult> verify(const SignedData& sd, std::optional<BytesView> content, const VerifyOptions& options = {});

// ------------------------------------------------------------------------------------------------
// Building

// Signs `message` with the signer's SM2 key and returns DER SEQUENCE{r, s} (raw r||s is accepted
// too and converted). The signer ID is the callback's business (a device key signs with its own
// ID; crypto::Sm2Signer uses the GM/T 0009 default).
using SignFunction = std::function<Result<Bytes>(BytesView message)>;

struct SignOptions {
    Flavor flavor = Flavor::gm;
    // GM/T 0010 sample (Topsec/gomain): contentType, messageDigest and signingTime attributes.
    // Without them the signature covers the content directly.
    bool signed_attributes = true;
    // signingTime attribute; required when signed_attributes (no hidden clock).
    std::optional<TimePoint> signing_time;
    bool include_signer_certificate = true;
    std::vector<x509::Certificate> extra_certificates;  // e.g. the issuing CA
    // digestEncryptionAlgorithm: 1.2.156.10197.1.301.1 (GM/T 0010 sample) by default;
    // 1.2.156.10197.1.501 (SM2-with-SM3) is what BouncyCastle and OpenSSL-based tools expect.
    asn1::Oid signature_algorithm{"1.2.156.10197.1.301.1"};
    // Attach the content as eContent instead of a detached SignedData.
    bool attach_content = false;
    // RFC 5652 5.3: identify the signer by [0] subjectKeyIdentifier (the certificate's SKI
    // extension; base.invalid_argument without one) instead of issuerAndSerialNumber. SignedData
    // and SignerInfo versions are then 3.
    bool identify_by_subject_key_identifier = false;
    // encapContentInfo eContentType (and the contentType attribute); default: data of the flavor.
    // RFC 3161 time-stamp tokens use id-ct-TSTInfo.
    std::optional<asn1::Oid> content_type;
    // More signed attributes, each (type, DER of its one AttributeValue), after the standard three
    // (e.g. RFC 5035 signingCertificateV2 for a TSA).
    std::vector<std::pair<asn1::Oid, Bytes>> extra_signed_attributes;
    // The ID the self-check after signing uses (must be the one `sign` signs with).
    std::string sm2_id{crypto::k_default_sm2_id};
};

// Builds a ContentInfo/SignedData (version 1, digest SM3, issuerAndSerialNumber) over `content`,
// detached unless options.attach_content. The signer certificate must hold an SM2 key; the
// signature returned by `sign` is checked against it before the structure is returned
// (cms.signature_invalid otherwise), so a wrong key or ID never produces an unverifiable file.
Result<Bytes> sign(BytesView content, const x509::Certificate& signer, const SignFunction& sign_fn,
                   const SignOptions& options);

// A SignFunction over an in-memory key (tests, tools); devices provide their own.
SignFunction software_signer(const crypto::Sm2PrivateKey& key, std::string_view sm2_id = crypto::k_default_sm2_id);

}  // namespace yinxin::cms
