// Electronic seal and electronic signature formats: GB/T 38540-2020 SES_Seal / SES_Signature (v4),
// the v5 variant (ofdrw's "GM/T 0031-2025") and GM/T 0031-2014 (v1), as described in
// shared/spec/gm-and-seal-formats.md §1.
//
// Parsing is lenient (BER, and the non-standard v1 files seen in the wild) because the bytes are
// never re-encoded: GB/T 38540 signatures are checked over what was received (spec §1.3), so a
// Seal and an SesSignature keep their input and expose the exact slices that were signed:
//  - v4/v5 seal: SES_SealInfo as received;
//  - v1 seal: SEQUENCE{ SES_SealInfo, cert, signatureAlgorithm }, a SEQUENCE header around the
//    three TLVs as received (they are not contiguous in the input: GM/T 0031-2014 nests cert and
//    algorithm inside SES_SignInfo);
//  - signature (every version): TBS_Sign as received.
// Both types own their bytes (shared, immutable): copies are cheap and views stay valid.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/asn1/time.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::seal {

// SES_Header.version (and TBS_Sign.version): 1 = GM/T 0031-2014, 4 = GB/T 38540-2020, 5 = v5.
enum class SealVersion : std::uint8_t { v1 = 1, v4 = 4, v5 = 5 };

// ExtData ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
struct ExtData {
    asn1::Oid id;
    bool critical = false;
    Bytes value;
};

// SES_Header ::= SEQUENCE { id IA5String "ES", version INTEGER, vid IA5String }
struct SealHeader {
    std::string id;
    std::int64_t version = 0;
    std::string vendor_id;
};

// CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING }
struct CertDigest {
    std::string hash_name;  // as written, e.g. "SM3"
    Bytes value;
};

// certListType (GB/T 38540): 1 = SEQUENCE OF certificate DER, 2 = SEQUENCE OF CertDigestObj.
// v1 seals have no certListType and always carry certificates (reported as `certificates`).
enum class CertListType : std::uint8_t { certificates = 1, digests = 2 };

// SES_ESPropertyInfo. `type` is business-defined (1 unit, 2 personal, 3 tax, 4 contract, 6, 15 ...
// seen in real seals, spec §7): unknown values are kept, never rejected.
struct SealProperty {
    std::int64_t type = 0;
    std::string name;
    CertListType cert_list_type = CertListType::certificates;
    std::vector<Bytes> certificates;       // cert_list_type == certificates: DER as received
    std::vector<CertDigest> cert_digests;  // cert_list_type == digests
    // v1 files in the wild put other things in certList (dms360: an IA5String "1"); such entries
    // are kept here as whole TLVs and never match a signer.
    std::vector<Bytes> other_cert_list_entries;
    TimePoint create_date{};
    TimePoint valid_start{};
    TimePoint valid_end{};
};

// SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING, width INTEGER, height INTEGER }
// width and height are millimetres. type as written: "PNG", "png", "GIF", "JPG", "ofd" (the tax
// seals embed an OFD package as their image) ...
struct SealPicture {
    std::string type;
    Bytes data;
    std::int64_t width_mm = 0;
    std::int64_t height_mm = 0;
};

// How an optional timeStamp field was encoded (spec §1.1: all three are seen).
enum class TimeStampForm : std::uint8_t { explicit_tagged, implicit_tagged, untagged };

struct TimeStampField {
    TimeStampForm form = TimeStampForm::explicit_tagged;
    // The time-stamp token: the BIT STRING (or OCTET STRING) octets, or the whole TLV when a
    // producer put the token SEQUENCE itself there.
    Bytes token;
};

class Seal {
public:
    // Errors: seal.bad_encoding (not an SESeal of any version, truncated, garbage),
    // seal.bad_header (id is not "ES"), seal.unsupported_version, seal.bad_field (a field with an
    // impossible value, e.g. certListType 7).
    static Result<Seal> parse(BytesView der);

    SealVersion version() const { return m_version; }
    const SealHeader& header() const { return m_header; }
    const std::string& es_id() const { return m_es_id; }
    const SealProperty& property() const { return m_property; }
    const SealPicture& picture() const { return m_picture; }
    const std::vector<ExtData>& ext_datas() const { return m_ext_datas; }
    // The maker's certificate DER (cert OCTET STRING content), as received.
    BytesView maker_certificate() const { return m_maker_cert; }
    const asn1::Oid& signature_algorithm() const { return m_sig_alg; }
    // signedValue BIT STRING octets as received: DER SEQUENCE{r,s}, raw r||s or non-minimal DER.
    BytesView signature_value() const { return m_signature; }
    // v5 only: SESeal.timeStamp.
    const std::optional<TimeStampField>& time_stamp() const { return m_time_stamp; }

    // The bytes the maker signed (see the top of this file).
    BytesView signed_bytes() const;
    // SES_SealInfo TLV as received.
    BytesView seal_info_raw() const { return m_seal_info; }
    // The whole SESeal as received.
    BytesView der() const { return *m_der; }

private:
    friend class SesSignature;
    Seal() = default;

    std::shared_ptr<const Bytes> m_der;  // the buffer every view points into
    BytesView m_seal_info;
    std::shared_ptr<const Bytes> m_v1_tbs;  // v1 only
    SealVersion m_version = SealVersion::v4;
    SealHeader m_header;
    std::string m_es_id;
    SealProperty m_property;
    SealPicture m_picture;
    std::vector<ExtData> m_ext_datas;
    BytesView m_maker_cert;
    asn1::Oid m_sig_alg;
    BytesView m_signature;
    std::optional<TimeStampField> m_time_stamp;
};

class SesSignature {
public:
    // Errors as Seal::parse (the embedded seal must parse), plus seal.version_mismatch when
    // TBS_Sign.version is not the embedded seal's header version (GB/T 38540 verification step 1).
    static Result<SesSignature> parse(BytesView der);

    // TBS_Sign.version.
    SealVersion version() const { return m_version; }
    const Seal& seal() const { return m_seal; }
    // TBS_Sign.eseal as received (an OFD verifier compares Seal.esl with it, spec §1.5).
    BytesView seal_der() const { return m_seal.der(); }
    // timeInfo: GeneralizedTime (v4/v5). v1 writes the time as text in a BIT STRING: it is parsed
    // when it is a GeneralizedTime/UTCTime text, else time_info() is nullopt and the text is kept.
    std::optional<TimePoint> time_info() const { return m_time_info; }
    const std::string& time_info_text() const { return m_time_info_text; }
    // dataHash octets (OFD: SM3 of Signature.xml; detached: SM3 of the file).
    BytesView data_hash() const { return m_data_hash; }
    const std::string& property_info() const { return m_property_info; }
    // TBS_Sign.extDatas ([0] EXPLICIT in ofdrw, [0] IMPLICIT in the CEGN sample).
    const std::vector<ExtData>& ext_datas() const { return m_ext_datas; }
    // The signer's certificate DER as received (v1: TBS_Sign.cert).
    BytesView signer_certificate() const { return m_signer_cert; }
    const asn1::Oid& signature_algorithm() const { return m_sig_alg; }
    BytesView signature_value() const { return m_signature; }
    const std::optional<TimeStampField>& time_stamp() const { return m_time_stamp; }

    // TBS_Sign as received: what the signer signed (spec §1.3).
    BytesView tbs_raw() const { return m_tbs; }
    BytesView der() const { return *m_der; }

private:
    SesSignature() = default;

    std::shared_ptr<const Bytes> m_der;
    BytesView m_tbs;
    SealVersion m_version = SealVersion::v4;
    Seal m_seal;
    std::optional<TimePoint> m_time_info;
    std::string m_time_info_text;
    BytesView m_data_hash;
    std::string m_property_info;
    std::vector<ExtData> m_ext_datas;
    BytesView m_signer_cert;
    asn1::Oid m_sig_alg;
    BytesView m_signature;
    std::optional<TimeStampField> m_time_stamp;
};

// ---------------------------------------------------------------------------------------------
// Building (v4, GB/T 38540).

// Signs `tbs` and returns an SM2 signature (DER SEQUENCE{r,s}; raw r||s is accepted and
// converted) made with the signer ID 1234567812345678: a device key
// (`[&](BytesView m) { return device.sign(index, m); }`) or an in-memory key
// (sm2_sign_callback()) fit.
using SignCallback = std::function<Result<Bytes>(BytesView tbs)>;

// An in-memory key as a SignCallback (tests and tools; production keys stay in a device).
SignCallback sm2_sign_callback(const crypto::Sm2PrivateKey& key, std::string_view sm2_id = crypto::k_default_sm2_id);

struct SealRequest {
    std::string vendor_id;  // SES_Header.vid
    std::string es_id;      // seal code (14 digits on the national platform, spec §7)
    std::int64_t type = 1;
    std::string name;
    TimePoint create_date{};
    TimePoint valid_start{};
    TimePoint valid_end{};
    // Signer (seal holder) certificates, DER: certListType 1.
    std::vector<Bytes> signer_certificates;
    std::string picture_type = "PNG";  // "PNG", "GIF", "JPG", "ofd" ...
    Bytes picture;
    std::int64_t width_mm = 40;
    std::int64_t height_mm = 40;
    std::vector<ExtData> ext_datas;
};

// SESeal v4 DER: SES_SealInfo is built, given to `sign` (GB/T 38540: the maker signs
// SES_SealInfo), and wrapped with the maker certificate. seal.bad_request for missing or
// inconsistent inputs (empty esID/name/picture, validEnd before validStart, no signer certificate,
// a maker or signer certificate that does not parse); seal.signer_failed when `sign` fails,
// returns something that is not an SM2 signature, or a signature that does not verify with the
// maker certificate's key under ID 1234567812345678 (wrong key, or OpenSSL 3.0's empty default ID,
// spec §6.1). The result is parsed back before it is returned.
Result<Bytes> make_seal(const SealRequest& request, BytesView maker_certificate_der, const SignCallback& sign);

// Returns a time-stamp token for the signature value (RFC 3161 messageImprint over it).
using TimeStampCallback = std::function<Result<Bytes>(BytesView signature_value)>;

struct SignatureRequest {
    Bytes seal;        // SESeal DER (v4 or v5), embedded verbatim
    TimePoint time{};  // TBS_Sign.timeInfo
    Bytes data_hash;   // TBS_Sign.dataHash
    std::string property_info;
    Bytes signer_certificate;        // DER
    std::vector<ExtData> ext_datas;  // TBS_Sign.extDatas, written [0] EXPLICIT when non-empty
    TimeStampCallback time_stamp;    // optional: SES_Signature.timeStamp [0] EXPLICIT BIT STRING
};

// SES_Signature DER with TBS_Sign.version = the seal's header version (4 or 5; v1 seals are
// seal.unsupported_version). seal.bad_request for a seal or certificate that does not parse, an
// empty dataHash or a non-IA5 propertyInfo; seal.signer_failed as for make_seal (checked against
// the signer certificate's key).
Result<Bytes> make_signature(const SignatureRequest& request, const SignCallback& sign);

// A detached signature over arbitrary data: dataHash = SM3(data), propertyInfo = `property_info`
// (e.g. the file name).
Result<Bytes> make_detached_signature(BytesView seal_der, BytesView data, std::string property_info,
                                      BytesView signer_certificate_der, TimePoint time, const SignCallback& sign,
                                      const TimeStampCallback& time_stamp = {});

}  // namespace yinxin::seal
