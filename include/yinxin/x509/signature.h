// Signature verification by AlgorithmIdentifier: the one dispatch every x509 structure (TBS
// certificate, CertificationRequestInfo, later CRLs and OCSP responses) goes through.
//
// gm-and-seal-formats §6.1: OpenSSL 3.0 verifies SM2 with an EMPTY signer ID by default, so SM2 is
// never left to OpenSSL's X509 code: it is verified here over the bytes as received with an
// explicit ID (GM/T 0009 default 1234567812345678).
#pragma once

#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::x509 {

// Supported algorithms:
//  - 1.2.156.10197.1.501 SM2-with-SM3: SM2 key required, verified with `sm2_id`;
//  - ecdsa-with-SHA256/384/512 (RFC 5758): EC key on a NIST curve (an SM2 key is refused);
//  - sha256/384/512WithRSAEncryption, RSA-with-SM3 (1.2.156.10197.1.504): RSA >= 2048 bits;
//  - RSASSA-PSS (RFC 4055 3.1) with SHA-256 and MGF1-SHA-256 only.
// Errors: x509.unsupported_algorithm (unknown OID, unsupported PSS parameters, key type not
// matching the algorithm), x509.weak_key (RSA < 2048 bits), x509.bad_public_key (unusable key),
// x509.signature_invalid (the signature does not verify or cannot be decoded).
Status verify_signature(const AlgorithmIdentifier& alg, const SubjectPublicKeyInfo& key, BytesView message,
                        BytesView signature, std::string_view sm2_id = crypto::k_default_sm2_id);

// Whether `alg` is one of the above (PSS parameters are checked by verify_signature).
bool is_supported_signature_algorithm(const asn1::Oid& alg);

}  // namespace yinxin::x509
