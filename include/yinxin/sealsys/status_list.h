// The signed seal revocation list of the seal status publishing system (电子印章状态发布系统,
// LD/T 01.1-2022 §6, §8.3.2 b: "也可下载电子印章吊销列表进行查询"), and the status source online
// verification asks (§8.3.1 c).
//
// The list is Yinxin's own structure (the national platform's format is not public), DER:
//
//   SealRevocationList ::= SEQUENCE {
//       version        INTEGER { v1(1) },
//       issuer         UTF8String,          -- the status publishing system's name
//       thisUpdate     GeneralizedTime,
//       nextUpdate     GeneralizedTime,
//       revokedSeals   SEQUENCE OF RevokedSeal }
//   RevokedSeal ::= SEQUENCE {
//       sealCode       PrintableString,     -- 14 digits (division code + sequence)
//       status         ENUMERATED { lost(1), cancelled(2) },
//       date           GeneralizedTime,     -- when the status changed
//       reason         UTF8String }
//
// carried as the attached eContent (eContentType k_seal_revocation_list_oid) of a PKCS#7/CMS
// SignedData signed with SM2-with-SM3 (signer ID 1234567812345678) by the seal-status-system
// certificate's key, which stays in the device. Entries are sorted by seal code. Expired seals are
// not listed: their validity period says so.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/asn1/oid.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/cms/signed_data.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/sealsys/model.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::sealsys {

// Under the ITU-T/ISO example arc (2.999), like the demo CPS OID: an operator with its own arc
// replaces it (docs/seal-system.md).
inline constexpr asn1::Oid k_seal_revocation_list_oid{"2.999.156.8.1"};
inline constexpr std::size_t k_max_revocation_list_bytes = std::size_t{64} << 20;

struct RevokedSeal {
    std::string seal_code;
    SealStatus status = SealStatus::lost;  // lost or cancelled
    TimePoint date{};
    std::string reason;
};

struct SealRevocationList {
    std::int64_t version = 1;
    std::string issuer;
    TimePoint this_update{};
    TimePoint next_update{};
    std::vector<RevokedSeal> entries;
};

// DER of the structure above. seal.bad_sync_message for a status other than lost/cancelled, a
// code that is not 14 digits, or nextUpdate before thisUpdate.
Result<Bytes> encode_revocation_list(const SealRevocationList& list);
// Strict DER. seal.bad_sync_message for anything else.
Result<SealRevocationList> decode_revocation_list(BytesView der);

// The SignedData (DER ContentInfo) over encode_revocation_list(list): attached, signed attributes
// (contentType, messageDigest, signingTime = thisUpdate), signer certificate and `chain` included.
Result<Bytes> sign_revocation_list(const SealRevocationList& list, const x509::Certificate& signer,
                                   const cms::SignFunction& sign, const std::vector<x509::Certificate>& chain,
                                   std::string_view sm2_id = crypto::k_default_sm2_id);

struct VerifiedRevocationList {
    SealRevocationList list;
    x509::Certificate signer;
    bool current = false;  // thisUpdate <= at < nextUpdate
};
// Checks a downloaded list: one signer whose SM2 signature verifies (with `sm2_id`), the content
// type, the signer certificate chaining to one of `trust_anchors` at `at` (RFC 5280 path,
// intermediates from the SignedData) with digitalSignature, and the content parsing. A list past
// nextUpdate verifies with current = false. seal.bad_sync_message naming what failed.
Result<VerifiedRevocationList> verify_revocation_list(BytesView signed_der,
                                                      const std::vector<x509::Certificate>& trust_anchors, TimePoint at,
                                                      std::string_view sm2_id = crypto::k_default_sm2_id);

// §8.3.1 c: the status of a seal by its code, as online verification asks for it. Implemented
// by the registry (the local status publishing system) and by a downloaded list.
class SealStatusSource {
public:
    virtual ~SealStatusSource() = default;
    // seal.not_found when the source knows nothing of the code.
    virtual Result<SealStatusInfo> seal_status(std::string_view seal_code) = 0;

protected:
    SealStatusSource() = default;
    SealStatusSource(const SealStatusSource&) = default;
    SealStatusSource& operator=(const SealStatusSource&) = default;
};

// A verified revocation list as a status source: a listed seal has its listed status; any other
// well-formed code is reported valid (reason "not on the revocation list of <issuer>"), since a
// list names only lost and cancelled seals.
class RevocationListStatusSource final : public SealStatusSource {
public:
    explicit RevocationListStatusSource(SealRevocationList list) : m_list(std::move(list)) {}
    Result<SealStatusInfo> seal_status(std::string_view seal_code) override;
    const SealRevocationList& list() const { return m_list; }

private:
    SealRevocationList m_list;
};

}  // namespace yinxin::sealsys
