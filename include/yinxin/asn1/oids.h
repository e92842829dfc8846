// Named OIDs used by Yinxin and the registry that names them for logs, dumps and the console.
//
// Sources: GM OIDs from GM/T 0006 as listed in spec/gm-and-seal-formats.md §3 (checked against
// ofdrw sm2strut/OIDs.java and GmSSL src/x509_alg.c there); X.509/PKIX from RFC 5280 (4.1, 4.2,
// Appendix A), RFC 6960 (OCSP), RFC 5652 / RFC 2315 (CMS/PKCS#7), RFC 2985 (PKCS#9), RFC 3161
// (TSP), RFC 4055 / RFC 8017 (RSA), RFC 5480 / RFC 5758 (EC), RFC 5035 (ESS), X.520 (attributes).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "yinxin/asn1/oid.h"

namespace yinxin::asn1 {

namespace oids {
// --- GM/T 0006 algorithms (spec §3) ---
inline constexpr Oid sm4{"1.2.156.10197.1.104"};
inline constexpr Oid sm4_ecb{"1.2.156.10197.1.104.1"};
inline constexpr Oid sm4_cbc{"1.2.156.10197.1.104.2"};
inline constexpr Oid sm2{"1.2.156.10197.1.301"};  // also the namedCurve of id-ecPublicKey SM2 keys
inline constexpr Oid sm2_sign{"1.2.156.10197.1.301.1"};
inline constexpr Oid sm2_exchange{"1.2.156.10197.1.301.2"};  // GmSSL calls it "sm2encrypt" (spec §3)
inline constexpr Oid sm2_encrypt{"1.2.156.10197.1.301.3"};
inline constexpr Oid sm3{"1.2.156.10197.1.401"};
inline constexpr Oid sm3_without_key{"1.2.156.10197.1.401.1"};
inline constexpr Oid sm3_with_key{"1.2.156.10197.1.401.2"};
inline constexpr Oid sm2_with_sm3{"1.2.156.10197.1.501"};
inline constexpr Oid rsa_with_sm3{"1.2.156.10197.1.504"};

// --- GM/T 0010 (GB/T 35275) content types ---
inline constexpr Oid gm_data{"1.2.156.10197.6.1.4.2.1"};
inline constexpr Oid gm_signed_data{"1.2.156.10197.6.1.4.2.2"};
inline constexpr Oid gm_enveloped_data{"1.2.156.10197.6.1.4.2.3"};
inline constexpr Oid gm_signed_and_enveloped_data{"1.2.156.10197.6.1.4.2.4"};
inline constexpr Oid gm_encrypted_data{"1.2.156.10197.6.1.4.2.5"};
inline constexpr Oid gm_key_agreement_info{"1.2.156.10197.6.1.4.2.6"};

// --- GM/T 0015 identity extensions ---
inline constexpr Oid gm_identify_code{"1.2.156.10260.4.1.1"};             // 2012
inline constexpr Oid gm_insurance_number{"1.2.156.10260.4.1.2"};          // 2012 and 2023 (social insurance)
inline constexpr Oid gm_ic_registration_number{"1.2.156.10260.4.1.3"};    // 2012
inline constexpr Oid gm_organization_code{"1.2.156.10260.4.1.4"};         // 2012
inline constexpr Oid gm_taxation_number{"1.2.156.10260.4.1.5"};           // 2012
inline constexpr Oid gm_resident_id_number{"1.2.156.10260.4.1.1.1"};      // 2023 (xipki README)
inline constexpr Oid gm_passport_number{"1.2.156.10260.4.1.1.2"};         // 2023
inline constexpr Oid gm_unified_social_credit_code{"1.2.156.10260.4.4"};  // 2023
// Legacy arc still present in real tax certificates (spec §3); .2 is seen but undocumented.
inline constexpr Oid cn_legacy_id_card{"1.2.86.11.7.1"};
inline constexpr Oid cn_legacy_business_licence{"1.2.86.11.7.3"};
inline constexpr Oid cn_legacy_uscc{"1.2.86.11.7.4"};
inline constexpr Oid cn_legacy_taxpayer_number{"1.2.86.11.7.5"};

// --- Public keys and signature algorithms ---
inline constexpr Oid id_ec_public_key{"1.2.840.10045.2.1"};  // RFC 5480 2.1.1
inline constexpr Oid prime256v1{"1.2.840.10045.3.1.7"};      // RFC 5480 2.1.1.1 secp256r1
inline constexpr Oid secp384r1{"1.3.132.0.34"};
inline constexpr Oid ecdsa_with_sha256{"1.2.840.10045.4.3.2"};  // RFC 5758 3.2
inline constexpr Oid ecdsa_with_sha384{"1.2.840.10045.4.3.3"};
inline constexpr Oid ecdsa_with_sha512{"1.2.840.10045.4.3.4"};
inline constexpr Oid rsa_encryption{"1.2.840.113549.1.1.1"};  // RFC 8017 A.1
inline constexpr Oid sha1_with_rsa_encryption{"1.2.840.113549.1.1.5"};
inline constexpr Oid id_mgf1{"1.2.840.113549.1.1.8"};
inline constexpr Oid rsassa_pss{"1.2.840.113549.1.1.10"};  // RFC 4055 3.1
inline constexpr Oid sha256_with_rsa_encryption{"1.2.840.113549.1.1.11"};
inline constexpr Oid sha384_with_rsa_encryption{"1.2.840.113549.1.1.12"};
inline constexpr Oid sha512_with_rsa_encryption{"1.2.840.113549.1.1.13"};
inline constexpr Oid sha1{"1.3.14.3.2.26"};
inline constexpr Oid sha256{"2.16.840.1.101.3.4.2.1"};  // RFC 5754
inline constexpr Oid sha384{"2.16.840.1.101.3.4.2.2"};
inline constexpr Oid sha512{"2.16.840.1.101.3.4.2.3"};

// --- Name attributes (X.520, RFC 5280 Appendix A, PKCS#9, RFC 4519) ---
inline constexpr Oid at_common_name{"2.5.4.3"};
inline constexpr Oid at_surname{"2.5.4.4"};
inline constexpr Oid at_serial_number{"2.5.4.5"};
inline constexpr Oid at_country{"2.5.4.6"};
inline constexpr Oid at_locality{"2.5.4.7"};
inline constexpr Oid at_state{"2.5.4.8"};
inline constexpr Oid at_street{"2.5.4.9"};
inline constexpr Oid at_organization{"2.5.4.10"};
inline constexpr Oid at_organizational_unit{"2.5.4.11"};
inline constexpr Oid at_title{"2.5.4.12"};
inline constexpr Oid at_postal_code{"2.5.4.17"};
inline constexpr Oid at_given_name{"2.5.4.42"};
inline constexpr Oid at_x500_unique_identifier{"2.5.4.45"};
inline constexpr Oid at_dn_qualifier{"2.5.4.46"};
inline constexpr Oid at_pseudonym{"2.5.4.65"};
inline constexpr Oid at_organization_identifier{"2.5.4.97"};
inline constexpr Oid at_email_address{"1.2.840.113549.1.9.1"};
inline constexpr Oid at_user_id{"0.9.2342.19200300.100.1.1"};
inline constexpr Oid at_domain_component{"0.9.2342.19200300.100.1.25"};

// --- Certificate and CRL extensions (RFC 5280 4.2, 5.2, 5.3) ---
inline constexpr Oid ce_subject_directory_attributes{"2.5.29.9"};
inline constexpr Oid ce_subject_key_identifier{"2.5.29.14"};
inline constexpr Oid ce_key_usage{"2.5.29.15"};
inline constexpr Oid ce_private_key_usage_period{"2.5.29.16"};
inline constexpr Oid ce_subject_alt_name{"2.5.29.17"};
inline constexpr Oid ce_issuer_alt_name{"2.5.29.18"};
inline constexpr Oid ce_basic_constraints{"2.5.29.19"};
inline constexpr Oid ce_crl_number{"2.5.29.20"};
inline constexpr Oid ce_crl_reason{"2.5.29.21"};
inline constexpr Oid ce_invalidity_date{"2.5.29.24"};
inline constexpr Oid ce_delta_crl_indicator{"2.5.29.27"};
inline constexpr Oid ce_issuing_distribution_point{"2.5.29.28"};
inline constexpr Oid ce_certificate_issuer{"2.5.29.29"};
inline constexpr Oid ce_name_constraints{"2.5.29.30"};
inline constexpr Oid ce_crl_distribution_points{"2.5.29.31"};
inline constexpr Oid ce_certificate_policies{"2.5.29.32"};
inline constexpr Oid any_policy{"2.5.29.32.0"};
inline constexpr Oid ce_policy_mappings{"2.5.29.33"};
inline constexpr Oid ce_authority_key_identifier{"2.5.29.35"};
inline constexpr Oid ce_policy_constraints{"2.5.29.36"};
inline constexpr Oid ce_ext_key_usage{"2.5.29.37"};
inline constexpr Oid ce_freshest_crl{"2.5.29.46"};
inline constexpr Oid ce_inhibit_any_policy{"2.5.29.54"};
inline constexpr Oid pe_authority_info_access{"1.3.6.1.5.5.7.1.1"};
inline constexpr Oid pe_subject_info_access{"1.3.6.1.5.5.7.1.11"};
inline constexpr Oid qt_cps{"1.3.6.1.5.5.7.2.1"};
inline constexpr Oid qt_unotice{"1.3.6.1.5.5.7.2.2"};
inline constexpr Oid netscape_cert_type{"2.16.840.1.113730.1.1"};  // seen in the ofdrw test certificates

// --- Extended key usage purposes (RFC 5280 4.2.1.12) ---
inline constexpr Oid any_extended_key_usage{"2.5.29.37.0"};
inline constexpr Oid kp_server_auth{"1.3.6.1.5.5.7.3.1"};
inline constexpr Oid kp_client_auth{"1.3.6.1.5.5.7.3.2"};
inline constexpr Oid kp_code_signing{"1.3.6.1.5.5.7.3.3"};
inline constexpr Oid kp_email_protection{"1.3.6.1.5.5.7.3.4"};
inline constexpr Oid kp_time_stamping{"1.3.6.1.5.5.7.3.8"};
inline constexpr Oid kp_ocsp_signing{"1.3.6.1.5.5.7.3.9"};

// --- Access methods and OCSP (RFC 5280 4.2.2.1, RFC 6960 4.4, Appendix B) ---
inline constexpr Oid ad_ocsp{"1.3.6.1.5.5.7.48.1"};  // = id-pkix-ocsp
inline constexpr Oid ad_ca_issuers{"1.3.6.1.5.5.7.48.2"};
inline constexpr Oid ad_time_stamping{"1.3.6.1.5.5.7.48.3"};
inline constexpr Oid ad_ca_repository{"1.3.6.1.5.5.7.48.5"};
inline constexpr Oid pkix_ocsp_basic{"1.3.6.1.5.5.7.48.1.1"};
inline constexpr Oid pkix_ocsp_nonce{"1.3.6.1.5.5.7.48.1.2"};
inline constexpr Oid pkix_ocsp_crl{"1.3.6.1.5.5.7.48.1.3"};
inline constexpr Oid pkix_ocsp_response{"1.3.6.1.5.5.7.48.1.4"};
inline constexpr Oid pkix_ocsp_nocheck{"1.3.6.1.5.5.7.48.1.5"};
inline constexpr Oid pkix_ocsp_archive_cutoff{"1.3.6.1.5.5.7.48.1.6"};
inline constexpr Oid pkix_ocsp_service_locator{"1.3.6.1.5.5.7.48.1.7"};

// --- PKCS#7 / CMS content types and attributes (RFC 2315 14, RFC 5652, RFC 2985, RFC 3161) ---
inline constexpr Oid pkcs7_data{"1.2.840.113549.1.7.1"};
inline constexpr Oid pkcs7_signed_data{"1.2.840.113549.1.7.2"};
inline constexpr Oid pkcs7_enveloped_data{"1.2.840.113549.1.7.3"};
inline constexpr Oid pkcs7_signed_and_enveloped_data{"1.2.840.113549.1.7.4"};
inline constexpr Oid pkcs7_digested_data{"1.2.840.113549.1.7.5"};
inline constexpr Oid pkcs7_encrypted_data{"1.2.840.113549.1.7.6"};
inline constexpr Oid pkcs9_content_type{"1.2.840.113549.1.9.3"};
inline constexpr Oid pkcs9_message_digest{"1.2.840.113549.1.9.4"};
inline constexpr Oid pkcs9_signing_time{"1.2.840.113549.1.9.5"};
inline constexpr Oid pkcs9_countersignature{"1.2.840.113549.1.9.6"};
inline constexpr Oid pkcs9_challenge_password{"1.2.840.113549.1.9.7"};
inline constexpr Oid pkcs9_extension_request{"1.2.840.113549.1.9.14"};
inline constexpr Oid pkcs9_friendly_name{"1.2.840.113549.1.9.20"};
inline constexpr Oid pkcs9_local_key_id{"1.2.840.113549.1.9.21"};
inline constexpr Oid ct_tst_info{"1.2.840.113549.1.9.16.1.4"};
inline constexpr Oid aa_signing_certificate{"1.2.840.113549.1.9.16.2.12"};     // RFC 2634 5.4
inline constexpr Oid aa_time_stamp_token{"1.2.840.113549.1.9.16.2.14"};        // RFC 3161 Appendix A
inline constexpr Oid aa_signing_certificate_v2{"1.2.840.113549.1.9.16.2.47"};  // RFC 5035 3
}  // namespace oids

struct OidInfo {
    Oid oid;
    std::string_view name;         // short name, unique, e.g. "SM2-with-SM3", "CN", "keyUsage"
    std::string_view description;  // e.g. "SM2 signature with SM3 (GM/T 0006)"
};

// Every registered OID, in registry order.
std::span<const OidInfo> oid_registry();
// Short name, or empty when the OID is not registered.
std::string_view oid_name(const Oid& oid);
// Short name if registered, else the dotted form: for logs and dumps.
std::string oid_display(const Oid& oid);
// By short name or a common alias ("E" for emailAddress, "SN" for surname ...); exact match.
std::optional<Oid> oid_from_name(std::string_view name);

}  // namespace yinxin::asn1
