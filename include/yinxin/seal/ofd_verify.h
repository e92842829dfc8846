// OFD document verification: every signature of an OFD package (GB/T 33190 §18) checked by the
// GB/T 38540 procedure (gm-and-seal-formats.md §1.4, §1.5), giving one document report.
//
// Per signature (Signatures.xml entry, in list order):
//  - Type="Seal": SignedValue.dat is an SES_Signature, verified by verify_signature() with
//    data = the Signature.xml bytes as received (dataHash == SM3(Signature.xml)); plus
//    `seal_file` (ofdrw OFDValidator: Seal.esl, when present, equals TBS_Sign.eseal byte for byte);
//  - Type="Sign": SignedValue.dat is a GB/T 35275 (GM/T 0010) SignedData over Signature.xml
//    (detached, attached, or attached SM3(Signature.xml) as keyword.ofd Sign_3 does): checks
//    format, signer_certificate, data_hash (messageDigest or the attached content), signature,
//    trust_chain;
//  - `references`: every Reference's CheckValue recomputed (GB/T 38540 step 7); the paths of the
//    ones that do not match are listed in mismatched_references.
//
// One deliberate leniency, reported precisely (interop README, h.ofd): signers that digest the
// signature list file (ofdrw) make an earlier signature's reference to Signatures.xml mismatch as
// soon as a later signature is appended. When the ONLY failing references of a signature are
// mismatches of its own document's signature list and that list holds later signatures, the
// `references` check is `warn` (the path is still listed in mismatched_references) instead of
// `fail`: the list only says where signatures are, every content file is still covered.
//
// Verdicts: a signature is intact when its cryptographic checks pass (format, seal_signature,
// signature, seal_file) and its data hash and references do not fail; valid when intact, no check
// fails and trust_chain passes. The document is intact/valid when every signature is, and has at
// least one. `status` condenses this for scripts and exit codes (see DocumentStatus).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/error.h"
#include "yinxin/ofd/package.h"
#include "yinxin/ofd/signatures.h"
#include "yinxin/seal/verify.h"

namespace yinxin::seal {

// valid: intact and trusted and in validity. untrusted: intact, nothing but trust_chain failed
// (no anchors, or not chaining to the given ones). tampered: every signature is cryptographically sound but a
// data hash, reference or Seal.esl does not match what was signed. invalid: a signature or seal
// signature fails, or another check (validity, signer not in the seal ...) fails, or the document
// has no signature. unparseable: the package or a signature structure cannot be read.
enum class DocumentStatus { valid, untrusted, tampered, invalid, unparseable };
// "valid", "untrusted", "tampered", "invalid", "unparseable".
std::string_view to_string(DocumentStatus s);
// The same classification for a bare seal or signature report.
DocumentStatus status_of(const Report& report);

struct OfdVerifyOptions {
    // time, trust anchors, intermediates, sm2_id; data/data_digest are ignored (Signature.xml is used).
    VerifyOptions verify;
    ofd::ReadLimits limits;
};

struct OfdReferenceReport {
    std::string path;    // "/"-prefixed
    std::string status;  // "valid", "mismatch", "missing", "bad_check_value", "unsupported_method"
};

struct OfdSignatureReport {
    std::size_t doc_index = 0;
    std::string id;  // Signatures.xml ID
    ofd::SignatureType type = ofd::SignatureType::seal;
    std::string signature_file;  // "/Doc_0/Signs/Sign_0/Signature.xml"
    std::string signed_value_file;
    std::string seal_file;  // empty when Signature.xml names none
    std::string provider;
    std::string signature_date_time;  // as written
    bool intact = false;
    bool valid = false;
    // Every named check (Seal: the verify_signature checks plus seal_file and references).
    std::vector<Check> checks;
    std::vector<OfdReferenceReport> references;
    std::vector<std::string> mismatched_references;  // every reference that is not valid, "/"-prefixed
    std::optional<Report> seal_report;               // Type="Seal": the SES_Signature report
    std::optional<Error> error;                      // Signature.xml or SignedValue.dat unreadable

    const Check* find(std::string_view name) const;
    CheckResult result_of(std::string_view name) const;  // not_checked when absent
};

struct OfdReport {
    DocumentStatus status = DocumentStatus::unparseable;
    bool intact = false;
    bool valid = false;
    TimePoint verification_time{};
    std::optional<Error> error;  // package or structure error (status unparseable), or seal.ofd_unsigned
    std::vector<OfdSignatureReport> signatures;

    // Stable interface: {"kind":"ofd", "status", "intact", "valid", "verification_time",
    // "error"?, "signatures":[{"doc_index", "id", "type":"Seal"|"Sign", "signature_file",
    // "signed_value_file", "seal_file"?, "provider", "signature_date_time", "intact", "valid",
    // "checks":[{name,result,message}], "references":[{path,status}], "mismatched_references":[...],
    // "seal"?: <Report::to_json() of the SES_Signature>, "error"?}]}
    nlohmann::json to_json() const;
    std::string to_json_string(int indent = 2) const;
    std::string to_text() const;
};

OfdReport verify_ofd(BytesView package_zip, const OfdVerifyOptions& options);
OfdReport verify_ofd(const ofd::Package& package, const OfdVerifyOptions& options);

}  // namespace yinxin::seal
