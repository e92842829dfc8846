// Parse options shared by the x509 parsers (certificates, CSRs, names, extensions).
#pragma once

#include <cstddef>

#include "yinxin/asn1/tag.h"

namespace yinxin::x509 {

struct ParseOptions {
    // Strict (the default) is DER (X.690 clause 10/11) plus the RFC 5280 field rules. Lenient is for
    // real-world certificates from other CAs and relaxes, and only relaxes:
    //  - BER encodings (non-minimal lengths and integers, constructed strings, '@' '_' '*' in
    //    PrintableString; see asn1/reader.h);
    //  - outer and inner signature AlgorithmIdentifier compared by OID and parameters with absent
    //    parameters equal to NULL (strict: byte-equal, RFC 5280 4.1.1.2);
    //  - serial numbers that are zero, negative or over 20 octets (RFC 5280 4.1.2.2 tells relying
    //    parties to handle them gracefully);
    //  - extensions in v1/v2 certificates, an empty extensions SEQUENCE, `critical FALSE` encoded
    //    explicitly (X.690 11.5 forbids it in DER);
    //  - GeneralizedTime before 2050 (RFC 5280 4.1.2.5 requires UTCTime there);
    //  - an empty issuer name;
    //  - a known extension whose value does not decode: recorded in Extensions::decode_errors()
    //    instead of failing the parse (path validation then refuses the certificate);
    //  - a CSR without the [0] attributes field (RFC 2986 4.1 makes it mandatory).
    // Duplicate extensions, trailing data, unsupported versions and oversize input are refused in
    // both modes.
    bool lenient = false;
    // Input size limit (x509.too_large). Certificates are a few KiB; CSR parsing has its own
    // 64 KiB default (csr.h).
    std::size_t max_size = std::size_t{1} << 20;

    static ParseOptions strict() { return {}; }
    static ParseOptions relaxed() {
        ParseOptions o;
        o.lenient = true;
        return o;
    }
    asn1::ReaderOptions reader_options() const {
        asn1::ReaderOptions r = lenient ? asn1::ReaderOptions::ber() : asn1::ReaderOptions::der();
        r.max_input_length = max_size;
        return r;
    }
};

}  // namespace yinxin::x509
