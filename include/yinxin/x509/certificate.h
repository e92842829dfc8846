// X.509 v3 certificate (RFC 5280 4.1), parsed with the asn1 Reader; every slice is kept as received.
//
// RFC 5280 4.1.1.3: the signature is computed over the DER tbsCertificate. tbs_raw() is that TLV
// exactly as received, never re-encoded, so a certificate whose TBS we would encode differently
// (BER from a lenient parse, unsorted SETs, explicit DEFAULTs) still verifies. A Certificate owns
// its bytes (shared, immutable): copies are cheap and every view stays valid while any copy lives.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/asn1/time.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/x509/extensions.h"
#include "yinxin/x509/name.h"
#include "yinxin/x509/options.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::x509 {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Certificate {
public:
    // Errors: x509.too_large, x509.bad_encoding (not DER / not a Certificate), x509.trailing_data,
    // x509.bad_version, x509.bad_serial, x509.algorithm_mismatch, x509.bad_name,
    // x509.bad_validity, x509.bad_public_key, x509.bad_extension, x509.duplicate_extension.
    static Result<Certificate> parse(BytesView der, const ParseOptions& options = {});
    // The first "CERTIFICATE" PEM block.
    static Result<Certificate> parse_pem(std::string_view pem, const ParseOptions& options = {});
    // Every "CERTIFICATE" block, in order (bundles, chains); no block is base.bad_pem.
    static Result<std::vector<Certificate>> parse_pem_all(std::string_view pem, const ParseOptions& options = {});

    // 1, 2 or 3 (the encoded INTEGER plus one).
    int version() const { return m_version; }
    // INTEGER content octets as received (two's complement: a leading 00 when the top bit is set).
    BytesView serial() const { return m_serial; }
    // Lower-case hex of the unsigned magnitude ("0" for zero), as CA databases key serials.
    std::string serial_hex() const;
    const AlgorithmIdentifier& signature_algorithm() const { return m_sig_alg; }
    const Name& issuer() const { return m_issuer; }
    const Name& subject() const { return m_subject; }
    TimePoint not_before() const { return asn1::to_time_point(m_not_before); }
    TimePoint not_after() const { return asn1::to_time_point(m_not_after); }
    // Exact encoded instants (TimePoint saturates past 2262; 99991231235959Z is legal).
    asn1::UnixTime not_before_exact() const { return m_not_before; }
    asn1::UnixTime not_after_exact() const { return m_not_after; }
    // RFC 5280 4.1.2.5: valid from notBefore through notAfter inclusive.
    bool valid_at(TimePoint t) const;
    const SubjectPublicKeyInfo& public_key_info() const { return m_spki; }
    const Extensions& extensions() const { return m_extensions; }
    // Issuer == subject by RFC 5280 7.1 (does not check the signature).
    bool is_self_issued() const { return m_issuer == m_subject; }

    // The whole certificate and the tbsCertificate TLV, as received.
    BytesView der() const { return *m_der; }
    BytesView tbs_raw() const { return m_tbs; }
    // signatureValue BIT STRING octets (an SM2/ECDSA DER SEQUENCE{r,s}, or an RSA block).
    BytesView signature_value() const { return m_signature; }
    std::string pem() const;

    crypto::Sm3Digest fingerprint_sm3() const;
    Sha256Digest fingerprint_sha256() const;

    // Verifies this certificate's signature with the issuer's public key (signature.h); SM2 with
    // the given signer ID (GM/T 0009 default). x509.signature_invalid when it does not verify.
    Status verify_signature_with(const SubjectPublicKeyInfo& issuer_key,
                                 std::string_view sm2_id = crypto::k_default_sm2_id) const;

    friend bool operator==(const Certificate& a, const Certificate& b) { return *a.m_der == *b.m_der; }

private:
    Certificate() = default;

    std::shared_ptr<const Bytes> m_der;
    BytesView m_tbs;
    BytesView m_serial;
    BytesView m_signature;
    int m_version = 1;
    AlgorithmIdentifier m_sig_alg;
    Name m_issuer;
    Name m_subject;
    asn1::UnixTime m_not_before;
    asn1::UnixTime m_not_after;
    SubjectPublicKeyInfo m_spki;
    Extensions m_extensions;
};

}  // namespace yinxin::x509
