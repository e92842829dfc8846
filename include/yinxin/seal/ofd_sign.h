// Signing OFD documents with an electronic seal (GB/T 33190 §18, GB/T 38540; spec §1.5): a new
// Sign_N directory under the document's Signs directory with
//   Signature.xml   SignedInfo: Provider, SignatureMethod SM2-with-SM3, SignatureDateTime,
//                   References (CheckMethod SM3 1.2.156.10197.1.401, CheckValue base64 SM3 of
//                   each file), StampAnnot (page object ID, Boundary in mm), Seal/BaseLoc;
//                   SignedValue;
//   Seal.esl        the seal DER, byte for byte the TBS_Sign.eseal (ofdrw checks this);
//   SignedValue.dat SES_Signature (version = the seal's) with dataHash = SM3(Signature.xml);
// the signature list (Doc_N/Signs/Signatures.xml, created or appended, MaxSignId updated) and,
// for the first signature, OFD.xml DocBody/Signatures.
//
// What is referenced: every file of the package at signing time EXCEPT this signature's own
// Sign_N files and the signature list file. ofdrw also digests the list file, so appending a
// second signature breaks the first one's reference to it (interop h.ofd Sign_0); real
// production signers (tax invoices 1.ofd, signedFile.ofd) do not reference the list. Leaving it
// out keeps every earlier signature fully valid when another one is appended, while every content
// file, OFD.xml and every earlier signature's files stay covered. OFD.xml is updated before the
// references are computed, so it is covered in its final form.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ofd/package.h"
#include "yinxin/ofd/signatures.h"
#include "yinxin/seal/ses.h"

namespace yinxin::seal {

struct OfdStamp {
    std::size_t page_index = 0;  // 0-based index into Document.xml Pages
    ofd::Boundary boundary;      // millimetres on the page
};

struct OfdSignRequest {
    Bytes seal;                // SESeal DER (v4 or v5)
    Bytes signer_certificate;  // DER; must be in the seal's certificate list to verify
    TimePoint time{};          // TBS_Sign.timeInfo and SignatureDateTime
    std::size_t doc_index = 0;
    std::optional<OfdStamp> stamp;  // no StampAnnot when absent (an invisible signature)
    std::string provider_name = "Yinxin";
    std::string provider_version;
    TimeStampCallback time_stamp;  // optional RFC 3161 token over the signature value
};

struct OfdSignResult {
    ofd::Package package;
    std::string signature_file;  // entry name of the new Signature.xml
    std::string id;              // the new Signatures.xml ID
};

// seal.bad_request for a doc_index or page_index that does not exist or a seal/certificate that
// does not parse; ofd.* errors for a package whose OFD.xml, Document.xml or signature list cannot
// be read; seal.signer_failed as make_signature.
Result<OfdSignResult> sign_ofd(const ofd::Package& package, const OfdSignRequest& request, const SignCallback& sign);
// Convenience: ZIP in, ZIP out.
Result<Bytes> sign_ofd(BytesView package_zip, const OfdSignRequest& request, const SignCallback& sign);

}  // namespace yinxin::seal
