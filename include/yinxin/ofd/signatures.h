// OFD document structure needed for signatures (GB/T 33190 §7.4 OFD.xml, §18 digital signatures;
// gm-and-seal-formats.md §1.5): OFD.xml → DocBody → DocRoot and Signatures, the signature list
// (Signatures.xml) and each Signature.xml, reference checking, and the XML writers the signer uses.
//
// XML is read with pugixml, which does not process DTDs or expand entities beyond the five
// predefined ones (no XXE, no billion laughs); parts above ReadLimits::max_xml_size and
// documents that do not parse are ofd.bad_xml. Elements are matched by local name, so the "ofd:"
// prefix and its namespace URI (http://www.ofdspec.org, .../2016) do not matter.
//
// Every path is stored twice: as written (`*_raw`) and resolved to an entry name (see
// package.h resolve_path): BaseLoc absolute or relative to the signature list's directory,
// SignedValue/Seal relative to the Signature.xml directory, FileRef with a leading '//'.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/ofd/package.h"

namespace yinxin::ofd {

struct DocBody {
    std::string doc_root_raw;
    std::string doc_root;  // entry name of Document.xml
    std::optional<std::string> signatures_raw;
    std::optional<std::string> signatures;  // entry name of the signature list, when signed
};

// OFD.xml: ofd.missing_part without it, ofd.bad_structure without a DocBody/DocRoot.
Result<std::vector<DocBody>> read_ofd_xml(const Package& package);

enum class SignatureType { seal, sign };  // GB/T 33190 §18.1: Type defaults to Seal

struct SignatureListEntry {
    std::string id;
    SignatureType type = SignatureType::seal;
    std::string base_loc_raw;
    std::string base_loc;  // entry name of Signature.xml
};

struct SignatureList {
    std::string path;         // entry name of the list file
    std::string max_sign_id;  // the last MaxSignId (h.ofd writes one after each signature)
    std::vector<SignatureListEntry> signatures;
};

// ofd.bad_xml, ofd.bad_structure (root is not Signatures, a Signature without BaseLoc), ofd.bad_path.
Result<SignatureList> parse_signature_list(BytesView xml, std::string_view list_path, const ReadLimits& limits = {});

enum class DigestMethod { sm3, sha256 };

struct Reference {
    std::string file_ref_raw;
    std::string path;  // entry name
    std::string check_value_base64;
    Bytes check_value;  // decoded; empty if the base64 did not decode
};

struct Boundary {
    double x = 0, y = 0, width = 0, height = 0;  // millimetres
};

struct StampAnnot {
    std::string id;
    std::string page_ref;  // ID of the page object (not a page index)
    Boundary boundary;
    std::optional<Boundary> clip;
};

struct Provider {
    std::string name, version, company;  // attributes, or child elements (dms360 iOFD)
};

struct SignatureFile {
    std::string path;  // entry name of Signature.xml
    Provider provider;
    std::string signature_method;     // e.g. "1.2.156.10197.1.501"
    std::string signature_date_time;  // as written: "20200723130907.763Z", "2024-03-28 15:49:36", ...
    std::string check_method_raw;     // as written; empty when absent
    // CheckMethod "1.2.156.10197.1.401", "…401.1", "…401.2", "SM3" (any case) → sm3; absent → sm3
    // (every GM producer); "SHA256", "SHA-256", "2.16.840.1.101.3.4.2.1" → sha256; else nullopt.
    std::optional<DigestMethod> check_method;
    std::vector<Reference> references;
    std::vector<StampAnnot> stamp_annots;
    std::optional<std::string> seal_raw;  // Seal/BaseLoc
    std::optional<std::string> seal;      // entry name of Seal.esl
    std::string signed_value_raw;
    std::string signed_value;  // entry name of SignedValue.dat
};

// ofd.bad_xml, ofd.bad_structure (no SignedInfo or SignedValue, a Reference without FileRef),
// ofd.bad_path.
Result<SignatureFile> parse_signature_file(BytesView xml, std::string_view path, const ReadLimits& limits = {});

struct DocumentSignature {
    std::size_t doc_index = 0;  // DocBody index
    SignatureListEntry entry;
    SignatureFile file;
};

// Every signature of every DocBody, in list order. A missing list or Signature.xml is
// ofd.missing_part; a package without signatures gives an empty vector.
Result<std::vector<DocumentSignature>> read_signatures(const Package& package);

enum class ReferenceStatus { valid, mismatch, missing, bad_check_value, unsupported_method };

struct ReferenceResult {
    std::string path;  // entry name
    std::string file_ref_raw;
    ReferenceStatus status = ReferenceStatus::valid;
};

struct ReferenceCheck {
    std::vector<ReferenceResult> results;  // in Reference order

    bool all_valid() const;
    // "/"-prefixed paths (as OFD files write them) of every reference that is not valid, in order.
    std::vector<std::string> failed_paths() const;
};

// GB/T 38540 §1.4 step 7 / ofdrw OFDValidator: recompute each referenced file's digest with the
// CheckMethod and compare with CheckValue.
ReferenceCheck check_references(const Package& package, const SignatureFile& signature);

// Digest of `data` by method (SM3 or SHA-256).
Bytes digest(DigestMethod method, BytesView data);

// ------------------------------------------------------------------------------------------------
// Writers, for the signer: they produce the XML parts of a new signature.

// Signature.xml (namespace http://www.ofdspec.org/2016, prefix ofd). Paths are written as given in
// the *_raw fields when set, else as "/" + entry name. CheckMethod is written as
// check_method_raw, or "1.2.156.10197.1.401" (SM3) / "2.16.840.1.101.3.4.2.1" (SHA-256).
std::string write_signature_file(const SignatureFile& signature);

// Appends a <Signature ID Type BaseLoc> to an existing list (or creates one when `existing_xml`
// is empty) and sets MaxSignId to `id`. Type is always written (Seal too, as ofdrw does).
// ofd.bad_xml for an unparseable list.
Result<std::string> add_to_signature_list(BytesView existing_xml, const SignatureListEntry& entry,
                                          const ReadLimits& limits = {});

// Sets DocBody[doc_index]/Signatures in OFD.xml to "/" + list_path when absent (first signature).
// ofd.bad_xml, ofd.bad_structure (no such DocBody).
Result<std::string> set_signatures_location(BytesView ofd_xml, std::size_t doc_index, std::string_view list_path,
                                            const ReadLimits& limits = {});

}  // namespace yinxin::ofd
