// Helpers shared by the SES_Seal and SES_Signature parsers and builders (private to src/seal).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/asn1/reader.h"
#include "yinxin/base/result.h"
#include "yinxin/seal/ses.h"

namespace yinxin::seal::detail {

// Every parse error is seal.bad_encoding with the place it happened and the asn1 cause, so a
// garbage file says where it stopped making sense.
Error bad_encoding(std::string_view where, const Error& cause);
Error bad_encoding(std::string_view where, std::string_view what);

// Lenient reading (BER) with the asn1 limits; seals with an embedded OFD picture stay far below.
asn1::ReaderOptions reader_options();

// The elements inside a constructed element, in order.
Result<std::vector<asn1::Element>> all_children(const asn1::Element& e, std::string_view where);

// ExtensionDatas ::= SEQUENCE OF ExtData, from the SEQUENCE element (or an IMPLICIT [0] one).
Result<std::vector<ExtData>> parse_ext_datas(const asn1::Element& seq);

// UTCTime or GeneralizedTime element (v1 files use either).
Result<TimePoint> element_time(const asn1::Element& e, std::string_view where);

// Time written as text ("20200723130907.763Z", "2020-01-25T07:31:56.377Z", "2024-03-28 15:49:36"):
// the forms seen in v1 timeInfo and OFD SignatureDateTime (spec §1.5). Taken as UTC when no zone.
std::optional<TimePoint> parse_time_text(std::string_view text);

// A signature value: BIT STRING octets (unused bits must be 0), or an OCTET STRING (non-standard
// v1 producers, spec §1.2).
Result<BytesView> signature_octets(const asn1::Element& e, std::string_view where);

// The optional trailing timeStamp in its three forms (spec §1.1): [0] EXPLICIT, [0] IMPLICIT
// BIT STRING, or an untagged BIT STRING.
Result<TimeStampField> parse_time_stamp(const asn1::Element& e);

// An OBJECT IDENTIFIER, or an AlgorithmIdentifier SEQUENCE{OID, params} (lenient v1).
Result<asn1::Oid> algorithm_oid(const asn1::Element& e, std::string_view where);

}  // namespace yinxin::seal::detail
