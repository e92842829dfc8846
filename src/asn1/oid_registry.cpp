#include <array>

#include "yinxin/asn1/oids.h"

namespace yinxin::asn1 {

namespace {

using namespace oids;  // NOLINT(google-build-using-namespace): the table below is the registry

// Short names follow OpenSSL's where it has one (so dumps compare with `openssl asn1parse`), the
// RFC's ASN.1 identifier otherwise.
constexpr OidInfo registry_table[] = {
    {sm4, "SM4", "SM4 block cipher (GM/T 0002)"},
    {sm4_ecb, "SM4-ECB", "SM4 in ECB mode"},
    {sm4_cbc, "SM4-CBC", "SM4 in CBC mode"},
    {sm2, "SM2", "SM2 elliptic curve (GM/T 0003)"},
    {sm2_sign, "sm2sign", "SM2 digital signature"},
    {sm2_exchange, "sm2exchange", "SM2 key exchange"},
    {sm2_encrypt, "sm2encrypt", "SM2 public key encryption"},
    {sm3, "SM3", "SM3 hash (GM/T 0004)"},
    {sm3_without_key, "sm3WithoutKey", "SM3 without key"},
    {sm3_with_key, "sm3WithKey", "SM3 with key"},
    {sm2_with_sm3, "SM2-with-SM3", "SM2 signature with SM3 (GM/T 0006)"},
    {rsa_with_sm3, "RSA-SM3", "RSA signature with SM3"},
    {gm_data, "gmData", "GM/T 0010 data"},
    {gm_signed_data, "gmSignedData", "GM/T 0010 signedData"},
    {gm_enveloped_data, "gmEnvelopedData", "GM/T 0010 envelopedData"},
    {gm_signed_and_enveloped_data, "gmSignedAndEnvelopedData", "GM/T 0010 signedAndEnvelopedData"},
    {gm_encrypted_data, "gmEncryptedData", "GM/T 0010 encryptedData"},
    {gm_key_agreement_info, "gmKeyAgreementInfo", "GM/T 0010 keyAgreementInfo"},
    {gm_identify_code, "identifyCode", "GM/T 0015-2012 IdentifyCode"},
    {gm_insurance_number, "insuranceNumber", "GM/T 0015 social insurance number"},
    {gm_ic_registration_number, "icRegistrationNumber", "GM/T 0015-2012 IC registration number"},
    {gm_organization_code, "organizationCode", "GM/T 0015-2012 organization code"},
    {gm_taxation_number, "taxationNumber", "GM/T 0015-2012 taxation number"},
    {gm_resident_id_number, "residentIdNumber", "GM/T 0015-2023 resident identity card number"},
    {gm_passport_number, "passportNumber", "GM/T 0015-2023 passport number"},
    {gm_unified_social_credit_code, "unifiedSocialCreditCode", "GM/T 0015-2023 unified social credit code"},
    {cn_legacy_id_card, "cnLegacyIdCard", "legacy CN identity card number"},
    {cn_legacy_business_licence, "cnLegacyBusinessLicence", "legacy CN business licence number"},
    {cn_legacy_uscc, "cnLegacyUSCC", "legacy CN unified social credit code"},
    {cn_legacy_taxpayer_number, "cnLegacyTaxpayerNumber", "legacy CN taxpayer number"},

    {id_ec_public_key, "id-ecPublicKey", "elliptic curve public key (RFC 5480)"},
    {prime256v1, "prime256v1", "NIST P-256"},
    {secp384r1, "secp384r1", "NIST P-384"},
    {ecdsa_with_sha256, "ecdsa-with-SHA256", "ECDSA with SHA-256"},
    {ecdsa_with_sha384, "ecdsa-with-SHA384", "ECDSA with SHA-384"},
    {ecdsa_with_sha512, "ecdsa-with-SHA512", "ECDSA with SHA-512"},
    {rsa_encryption, "rsaEncryption", "RSA public key"},
    {sha1_with_rsa_encryption, "sha1WithRSAEncryption", "RSA PKCS#1 v1.5 with SHA-1"},
    {id_mgf1, "mgf1", "MGF1 mask generation"},
    {rsassa_pss, "RSASSA-PSS", "RSA PSS signature"},
    {sha256_with_rsa_encryption, "sha256WithRSAEncryption", "RSA PKCS#1 v1.5 with SHA-256"},
    {sha384_with_rsa_encryption, "sha384WithRSAEncryption", "RSA PKCS#1 v1.5 with SHA-384"},
    {sha512_with_rsa_encryption, "sha512WithRSAEncryption", "RSA PKCS#1 v1.5 with SHA-512"},
    {sha1, "SHA1", "SHA-1"},
    {sha256, "SHA256", "SHA-256"},
    {sha384, "SHA384", "SHA-384"},
    {sha512, "SHA512", "SHA-512"},

    {at_common_name, "CN", "commonName"},
    {at_surname, "surname", "surname"},
    {at_serial_number, "serialNumber", "serialNumber"},
    {at_country, "C", "countryName"},
    {at_locality, "L", "localityName"},
    {at_state, "ST", "stateOrProvinceName"},
    {at_street, "street", "streetAddress"},
    {at_organization, "O", "organizationName"},
    {at_organizational_unit, "OU", "organizationalUnitName"},
    {at_title, "title", "title"},
    {at_postal_code, "postalCode", "postalCode"},
    {at_given_name, "GN", "givenName"},
    {at_x500_unique_identifier, "x500UniqueIdentifier", "x500UniqueIdentifier"},
    {at_dn_qualifier, "dnQualifier", "dnQualifier"},
    {at_pseudonym, "pseudonym", "pseudonym"},
    {at_organization_identifier, "organizationIdentifier", "organizationIdentifier"},
    {at_email_address, "emailAddress", "PKCS#9 emailAddress"},
    {at_user_id, "UID", "userId"},
    {at_domain_component, "DC", "domainComponent"},

    {ce_subject_directory_attributes, "subjectDirectoryAttributes", "subject directory attributes"},
    {ce_subject_key_identifier, "subjectKeyIdentifier", "subject key identifier"},
    {ce_key_usage, "keyUsage", "key usage"},
    {ce_private_key_usage_period, "privateKeyUsagePeriod", "private key usage period"},
    {ce_subject_alt_name, "subjectAltName", "subject alternative name"},
    {ce_issuer_alt_name, "issuerAltName", "issuer alternative name"},
    {ce_basic_constraints, "basicConstraints", "basic constraints"},
    {ce_crl_number, "crlNumber", "CRL number"},
    {ce_crl_reason, "CRLReason", "CRL entry reason code"},
    {ce_invalidity_date, "invalidityDate", "invalidity date"},
    {ce_delta_crl_indicator, "deltaCRL", "delta CRL indicator"},
    {ce_issuing_distribution_point, "issuingDistributionPoint", "issuing distribution point"},
    {ce_certificate_issuer, "certificateIssuer", "certificate issuer"},
    {ce_name_constraints, "nameConstraints", "name constraints"},
    {ce_crl_distribution_points, "crlDistributionPoints", "CRL distribution points"},
    {ce_certificate_policies, "certificatePolicies", "certificate policies"},
    {any_policy, "anyPolicy", "any policy"},
    {ce_policy_mappings, "policyMappings", "policy mappings"},
    {ce_authority_key_identifier, "authorityKeyIdentifier", "authority key identifier"},
    {ce_policy_constraints, "policyConstraints", "policy constraints"},
    {ce_ext_key_usage, "extendedKeyUsage", "extended key usage"},
    {ce_freshest_crl, "freshestCRL", "freshest CRL"},
    {ce_inhibit_any_policy, "inhibitAnyPolicy", "inhibit any policy"},
    {pe_authority_info_access, "authorityInfoAccess", "authority information access"},
    {pe_subject_info_access, "subjectInfoAccess", "subject information access"},
    {qt_cps, "id-qt-cps", "policy qualifier CPS URI"},
    {qt_unotice, "id-qt-unotice", "policy qualifier user notice"},
    {netscape_cert_type, "nsCertType", "Netscape certificate type"},

    {any_extended_key_usage, "anyExtendedKeyUsage", "any extended key usage"},
    {kp_server_auth, "serverAuth", "TLS web server authentication"},
    {kp_client_auth, "clientAuth", "TLS web client authentication"},
    {kp_code_signing, "codeSigning", "code signing"},
    {kp_email_protection, "emailProtection", "e-mail protection"},
    {kp_time_stamping, "timeStamping", "time stamping"},
    {kp_ocsp_signing, "OCSPSigning", "OCSP signing"},

    {ad_ocsp, "OCSP", "id-ad-ocsp / id-pkix-ocsp"},
    {ad_ca_issuers, "caIssuers", "CA issuers"},
    {ad_time_stamping, "ad_timestamping", "time stamping access method"},
    {ad_ca_repository, "caRepository", "CA repository"},
    {pkix_ocsp_basic, "basicOCSPResponse", "id-pkix-ocsp-basic"},
    {pkix_ocsp_nonce, "Nonce", "id-pkix-ocsp-nonce"},
    {pkix_ocsp_crl, "CrlID", "id-pkix-ocsp-crl"},
    {pkix_ocsp_response, "acceptableResponses", "id-pkix-ocsp-response"},
    {pkix_ocsp_nocheck, "noCheck", "id-pkix-ocsp-nocheck"},
    {pkix_ocsp_archive_cutoff, "archiveCutoff", "id-pkix-ocsp-archive-cutoff"},
    {pkix_ocsp_service_locator, "serviceLocator", "id-pkix-ocsp-service-locator"},

    {pkcs7_data, "pkcs7-data", "PKCS#7/CMS data"},
    {pkcs7_signed_data, "pkcs7-signedData", "PKCS#7/CMS signedData"},
    {pkcs7_enveloped_data, "pkcs7-envelopedData", "PKCS#7/CMS envelopedData"},
    {pkcs7_signed_and_enveloped_data, "pkcs7-signedAndEnvelopedData", "PKCS#7 signedAndEnvelopedData"},
    {pkcs7_digested_data, "pkcs7-digestData", "PKCS#7/CMS digestedData"},
    {pkcs7_encrypted_data, "pkcs7-encryptedData", "PKCS#7/CMS encryptedData"},
    {pkcs9_content_type, "contentType", "PKCS#9 content type"},
    {pkcs9_message_digest, "messageDigest", "PKCS#9 message digest"},
    {pkcs9_signing_time, "signingTime", "PKCS#9 signing time"},
    {pkcs9_countersignature, "countersignature", "PKCS#9 countersignature"},
    {pkcs9_challenge_password, "challengePassword", "PKCS#9 challenge password"},
    {pkcs9_extension_request, "extReq", "PKCS#9 extension request"},
    {pkcs9_friendly_name, "friendlyName", "PKCS#9 friendly name"},
    {pkcs9_local_key_id, "localKeyID", "PKCS#9 local key ID"},
    {ct_tst_info, "id-smime-ct-TSTInfo", "RFC 3161 TSTInfo content type"},
    {aa_signing_certificate, "id-smime-aa-signingCertificate", "ESS signing certificate"},
    {aa_time_stamp_token, "id-smime-aa-timeStampToken", "RFC 3161 time-stamp token attribute"},
    {aa_signing_certificate_v2, "id-smime-aa-signingCertificateV2", "ESS signing certificate v2"},
};

struct Alias {
    std::string_view name;
    Oid oid;
};

// Other spellings seen in DN strings and configuration files.
constexpr Alias aliases[] = {
    {"E", at_email_address},
    {"email", at_email_address},
    {"commonName", at_common_name},
    {"countryName", at_country},
    {"localityName", at_locality},
    {"S", at_state},
    {"stateOrProvinceName", at_state},
    {"organizationName", at_organization},
    {"organizationalUnitName", at_organizational_unit},
    {"givenName", at_given_name},
    {"id-pkix-ocsp-nocheck", pkix_ocsp_nocheck},
    {"id-pkix-ocsp-basic", pkix_ocsp_basic},
    {"id-pkix-ocsp-nonce", pkix_ocsp_nonce},
    {"id-kp-OCSPSigning", kp_ocsp_signing},
    {"id-ct-TSTInfo", ct_tst_info},
    {"sm2-with-sm3", sm2_with_sm3},
    {"SM3WithSM2", sm2_with_sm3},
};

// Registry names and aliases are unique, and every OID is registered once.
constexpr bool registry_is_consistent() {
    constexpr std::size_t n = std::size(registry_table);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) {
            if (registry_table[i].oid == registry_table[j].oid) return false;
            if (registry_table[i].name == registry_table[j].name) return false;
        }
        for (const Alias& a : aliases)
            if (a.name == registry_table[i].name && !(a.oid == registry_table[i].oid)) return false;
    }
    return true;
}
static_assert(registry_is_consistent(), "duplicate OID or name in the OID registry");

}  // namespace

std::span<const OidInfo> oid_registry() { return registry_table; }

std::string_view oid_name(const Oid& oid) {
    for (const OidInfo& info : registry_table)
        if (info.oid == oid) return info.name;
    return {};
}

std::string oid_display(const Oid& oid) {
    std::string_view name = oid_name(oid);
    return name.empty() ? oid.to_string() : std::string(name);
}

std::optional<Oid> oid_from_name(std::string_view name) {
    for (const OidInfo& info : registry_table)
        if (info.name == name) return info.oid;
    for (const Alias& a : aliases)
        if (a.name == name) return a.oid;
    return std::nullopt;
}

}  // namespace yinxin::asn1
