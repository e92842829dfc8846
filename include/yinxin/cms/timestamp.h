// RFC 3161 time stamps: requests, responses, tokens; checking a token, and answering a request
// as a time-stamp authority (the TSA's key stays behind a SignFunction, i.e. in the device).
//
// A TimeStampToken is a ContentInfo/SignedData (PKCS#7 arc, as RFC 3161 2.4.2 requires) whose
// eContent is a DER TSTInfo. A GM TSA signs it with SM2 + SM3 and the signer ID; tokens of other
// TSAs (ECDSA or RSA with SHA-2, e.g. `openssl ts -reply`) are checked too.
//
//   TimeStampReq ::= SEQUENCE { version INTEGER (1), messageImprint MessageImprint,
//       reqPolicy OID OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE,
//       extensions [0] IMPLICIT Extensions OPTIONAL }
//   MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
//   TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }
//   PKIStatusInfo ::= SEQUENCE { status INTEGER, statusString SEQUENCE OF UTF8String OPTIONAL,
//       failInfo BIT STRING OPTIONAL }
//   TSTInfo ::= SEQUENCE { version INTEGER (1), policy OID, messageImprint MessageImprint,
//       serialNumber INTEGER, genTime GeneralizedTime, accuracy Accuracy OPTIONAL,
//       ordering BOOLEAN DEFAULT FALSE, nonce INTEGER OPTIONAL, tsa [0] GeneralName OPTIONAL,
//       extensions [1] IMPLICIT Extensions OPTIONAL }
//   Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER OPTIONAL, micros [1] INTEGER OPTIONAL }
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/cms/signed_data.h"
#include "yinxin/crypto/digest.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::cms {

struct MessageImprint {
    crypto::DigestAlgorithm algorithm = crypto::DigestAlgorithm::sm3;
    Bytes hashed_message;

    static Result<MessageImprint> of(crypto::DigestAlgorithm algorithm, BytesView data);
};

struct TimeStampRequest {
    MessageImprint imprint;
    std::optional<asn1::Oid> policy;
    Bytes nonce;  // INTEGER content octets; empty = absent
    bool cert_req = false;
    bool has_extensions = false;  // parse only: a TSA here accepts none (unacceptedExtension)

    Result<Bytes> encode() const;
    // Errors: cms.bad_time_stamp (not a TimeStampReq v1), cms.unsupported (a digest other than SM3,
    // SHA-256/384/512, or a hashedMessage of the wrong length).
    static Result<TimeStampRequest> parse(BytesView der);
};

enum class PkiStatus : std::uint8_t {
    granted = 0,
    granted_with_mods = 1,
    rejection = 2,
    waiting = 3,
    revocation_warning = 4,
    revocation_notification = 5,
};

// PKIFailureInfo bit numbers (RFC 3161 2.4.2).
enum class PkiFailure : std::uint8_t {
    bad_alg = 0,
    bad_request = 2,
    bad_data_format = 5,
    time_not_available = 14,
    unaccepted_policy = 15,
    unaccepted_extension = 16,
    add_info_not_available = 17,
    system_failure = 25,
};

struct TstInfo {
    asn1::Oid policy;
    MessageImprint imprint;
    Bytes serial;  // INTEGER content octets
    TimePoint gen_time{};
    std::optional<std::chrono::microseconds> accuracy;
    bool ordering = false;
    Bytes nonce;  // INTEGER content octets; empty = absent

    static Result<TstInfo> parse(BytesView der);
};

class TimeStampToken {
public:
    // A ContentInfo/SignedData with eContentType id-ct-TSTInfo and the TSTInfo attached.
    // Errors: cms.bad_time_stamp.
    static Result<TimeStampToken> parse(BytesView der);

    const SignedData& signed_data() const { return m_signed_data; }
    const TstInfo& info() const { return m_info; }
    BytesView der() const { return m_signed_data.der(); }

private:
    TimeStampToken(SignedData sd, TstInfo info) : m_signed_data(std::move(sd)), m_info(std::move(info)) {}
    SignedData m_signed_data;
    TstInfo m_info;
};

struct TimeStampResponse {
    PkiStatus status = PkiStatus::rejection;
    std::string status_text;
    std::uint32_t failure_bits = 0;  // bit n = PkiFailure n
    Bytes token;                     // the TimeStampToken DER; empty when none

    bool granted() const { return status == PkiStatus::granted || status == PkiStatus::granted_with_mods; }
    Result<Bytes> encode() const;
    static Result<TimeStampResponse> parse(BytesView der);
};

struct TimeStampCheckOptions {
    std::string sm2_id{crypto::k_default_sm2_id};
    // The TSA's certificate when the token does not carry it (certReq false).
    std::vector<x509::Certificate> extra_certificates;
    // The request's nonce, when the caller sent one.
    Bytes nonce;
};

struct TimeStampCheck {
    TimePoint gen_time{};
    x509::Certificate tsa_certificate;
    TstInfo info;
};

// Checks a token over `data` (the time-stamped bytes; the imprint's algorithm is used to hash
// them): exactly one signer; its signature (SM2 with the ID, or ECDSA/RSA); the signer's
// certificate in the token or options; that certificate's extendedKeyUsage is critical and only
// id-kp-timeStamping (RFC 3161 2.3); an ESS signingCertificate or signingCertificateV2 attribute
// naming it (RFC 3161 2.4.1, RFC 5035); the certificate valid at genTime; messageImprint equal to
// the data's hash and the nonce equal to the request's. Whether the TSA certificate chains to a
// trusted root is the caller's (x509::validate_path at genTime).
// Errors: cms.time_stamp_mismatch (imprint or nonce), cms.signature_invalid, cms.signer_not_found,
// cms.bad_attribute (ESS), cms.bad_time_stamp (EKU, validity, structure), cms.unsupported.
Result<TimeStampCheck> check_time_stamp(const TimeStampToken& token, BytesView data,
                                        const TimeStampCheckOptions& options = {});
// The same when the caller has only the digest of the data (its algorithm must be the imprint's).
Result<TimeStampCheck> check_time_stamp_digest(const TimeStampToken& token, BytesView digest,
                                               const TimeStampCheckOptions& options = {});

// ------------------------------------------------------------------------------------------------
// The TSA side.

struct TsaConfig {
    x509::Certificate certificate;  // SM2 key, critical EKU timeStamping
    SignFunction sign;              // the key in the device
    std::string sm2_id{crypto::k_default_sm2_id};
    asn1::Oid policy;                      // the TSA policy (TSTInfo.policy)
    std::vector<x509::Certificate> chain;  // sent with the token when certReq (issuing CA ...)
    std::chrono::milliseconds accuracy{1000};
    // Digests accepted in requests.
    std::vector<crypto::DigestAlgorithm> accepted_digests{crypto::DigestAlgorithm::sm3, crypto::DigestAlgorithm::sha256,
                                                          crypto::DigestAlgorithm::sha384,
                                                          crypto::DigestAlgorithm::sha512};
};

struct TsaOutcome {
    Bytes response;  // DER TimeStampResp, always
    PkiStatus status = PkiStatus::rejection;
    std::string detail;  // why it was refused (logs; the response carries a short statusString)
};

// Answers one TimeStampReq at `now` with serial number `serial` (unique per TSA: the caller's
// random 128-bit value). Never an error: a request that does not parse is a rejection with
// badDataFormat, an unknown digest badAlg, another policy unacceptedPolicy, extensions
// unacceptedExtension, a signer failure systemFailure.
TsaOutcome respond_time_stamp(BytesView request_der, const TsaConfig& config, TimePoint now, BytesView serial);

}  // namespace yinxin::cms
