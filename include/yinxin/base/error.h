// Yinxin error model: expected failures are values with a stable numeric code and a human message.
// Exceptions and asserts are for bugs only, never for external input (STYLE.md 9).
//
// Codes are banded by module and never renumbered once released: clients, logs and the HTTP
// problem documents (made in api/) carry them. Add new codes at the end of a band.
// Bands: 1xxx base, 2xxx crypto, 3xxx asn1, 4xxx x509/cms, 5xxx profile and lints, 6xxx ca,
// 7xxx device, 8xxx store, 9xxx ra, 10xxx seal, 11xxx kmc, 12xxx status, 13xxx audit, 14xxx auth,
// 15xxx api, 16xxx ofd, 17xxx publish.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace yinxin {

enum class Errc : std::uint32_t {
    ok = 0,

    // 1xxx base
    invalid_argument = 1001,
    bad_hex = 1002,
    bad_base64 = 1003,
    bad_pem = 1004,
    io_error = 1005,
    not_found = 1006,
    internal = 1007,
    rng_failure = 1008,
    unsupported = 1009,
    limit_exceeded = 1010,

    // 2xxx crypto
    crypto_bad_key = 2001,
    crypto_bad_signature_encoding = 2002,
    crypto_signature_invalid = 2003,
    crypto_bad_ciphertext = 2004,
    crypto_decrypt_failed = 2005,
    crypto_bad_id = 2006,
    crypto_point_not_on_curve = 2007,
    crypto_engine = 2008,
    crypto_bad_length = 2009,
    crypto_auth_tag_mismatch = 2010,
    crypto_unsupported_algorithm = 2011,

    // 3xxx asn1
    asn1_truncated = 3001,
    asn1_bad_tag = 3002,
    asn1_bad_length = 3003,
    asn1_not_der = 3004,
    asn1_too_deep = 3005,
    asn1_too_long = 3006,
    asn1_unexpected_tag = 3007,
    asn1_bad_value = 3008,
    asn1_trailing_data = 3009,
    asn1_bad_oid = 3010,
    asn1_bad_time = 3011,
    asn1_indefinite_length = 3012,

    // 4xxx x509 (4001-4049 parsing and building, 4050-4099 path validation; cms from 4101)
    x509_bad_encoding = 4001,
    x509_trailing_data = 4002,
    x509_too_large = 4003,
    x509_bad_version = 4004,
    x509_bad_serial = 4005,
    x509_algorithm_mismatch = 4006,
    x509_bad_name = 4007,
    x509_bad_validity = 4008,
    x509_bad_public_key = 4009,
    x509_bad_extension = 4010,
    x509_duplicate_extension = 4011,
    x509_unsupported_algorithm = 4012,
    x509_unsupported_curve = 4013,
    x509_weak_key = 4014,
    x509_signature_invalid = 4015,
    x509_bad_attribute = 4016,
    x509_path_no_issuer = 4050,
    x509_path_signature_invalid = 4051,
    x509_path_expired = 4052,
    x509_path_not_yet_valid = 4053,
    x509_path_not_ca = 4054,
    x509_path_bad_key_usage = 4055,
    x509_path_len_exceeded = 4056,
    x509_path_unknown_critical = 4057,
    x509_path_too_long = 4058,
    x509_path_bad_extension = 4059,
    x509_path_revoked = 4060,
    x509_path_search_limit = 4061,
    cms_bad_encoding = 4101,
    cms_unsupported = 4102,
    cms_no_signer = 4103,
    cms_signer_not_found = 4104,
    cms_digest_mismatch = 4105,
    cms_signature_invalid = 4106,
    cms_bad_attribute = 4107,
    cms_content_missing = 4108,
    cms_bad_time_stamp = 4109,       // an RFC 3161 request, response or token that is malformed
    cms_time_stamp_mismatch = 4110,  // a time-stamp token over other data (messageImprint, nonce)
    cms_time_stamp_refused = 4111,   // the TSA answered with a PKIStatus other than granted

    // 5xxx profile (5001-5049) and lints (5050-5099)
    profile_bad_file = 5001,
    profile_bad_field = 5002,
    profile_duplicate_id = 5003,
    profile_not_found = 5004,
    profile_request_rejected = 5005,
    lint_failed = 5050,

    // 6xxx ca
    ca_bad_csr = 6001,
    ca_not_found = 6002,
    ca_retired = 6003,
    ca_no_key = 6004,
    ca_bad_config = 6005,
    ca_key_mismatch = 6006,
    ca_bad_certificate = 6007,
    ca_unsupported = 6008,
    ca_certificate_not_found = 6009,  // no issued certificate with that serial under the CA
    ca_already_revoked = 6010,        // revoked already (or on hold already, for a hold)
    ca_not_on_hold = 6011,            // unsuspend of a certificate that is not suspended

    // 7xxx device
    device_not_initialised = 7001,
    device_already_initialised = 7002,
    device_locked = 7003,
    device_wrong_password = 7004,
    device_insufficient_shares = 7005,
    device_check_value_mismatch = 7006,
    device_unknown_custodian = 7007,
    device_custodian_refused = 7008,
    device_key_not_found = 7009,
    device_duplicate_label = 7010,
    device_no_access_right = 7011,
    device_wrong_pin = 7012,
    device_unsupported_algorithm = 7013,
    device_unknown_backend = 7014,
    device_store_error = 7015,
    device_store_version = 7016,
    device_module_error = 7017,
    device_token_not_found = 7018,
    device_weak_secret = 7019,
    device_store_tampered = 7020,

    // 8xxx store
    store_duplicate_serial = 8001,
    store_not_found = 8002,
    store_conflict = 8003,
    store_io = 8004,
    store_schema_newer = 8005,

    // 9xxx ra (registration workflows of LD/T 03-2022 §6.4: applications, renewal, revocation,
    // carriers, card batches, notifications)
    ra_bad_request = 9001,          // a form field, CSR or batch line that is missing or malformed
    ra_not_found = 9002,            // no such application, request, carrier, batch or notification
    ra_illegal_transition = 9003,   // the object's state does not allow this step
    ra_not_renewable = 9004,        // outside the renewal window, revoked, or expired (full re-verification)
    ra_challenge_mismatch = 9005,   // wrong revocation challenge phrase
    ra_bad_signature = 9006,        // a request not signed by the key it must be (old key, RA→CA request)
    ra_duplicate = 9007,            // an id or batch item that exists already
    ra_batch_mismatch = 9008,       // a card batch item that does not match the card-issuance data
    ra_carrier_unavailable = 9009,  // the carrier is not in stock, or already assigned or retired
    ra_code_released = 9010,        // a one-time unlock code that was already released
    ra_delivery_failed = 9011,      // a notification the SMTP server or webhook did not accept
    ra_conflict = 9012,             // somebody changed the object first (compare-and-set lost)

    // 10xxx seal (GB/T 38540 / GM/T 0031 seal and signature formats)
    seal_bad_encoding = 10001,
    seal_bad_header = 10002,
    seal_unsupported_version = 10003,
    seal_bad_field = 10004,
    seal_version_mismatch = 10005,
    seal_bad_request = 10006,
    seal_signer_failed = 10007,
    seal_ofd_unsigned = 10008,  // an OFD document without any signature to verify
    // 101xx electronic seal system services (LD/T 01.1-2022: making, lifecycle, status, use, hierarchy)
    seal_application_invalid = 10101,  // an application or request with missing/invalid fields or materials
    seal_not_found = 10102,            // no such seal, application, request, user or registered system
    seal_illegal_state = 10103,        // the operation is not allowed in the object's current state
    seal_duplicate = 10104,            // the seal code, application or registration exists already
    seal_not_valid = 10105,            // the seal is lost, cancelled or expired and cannot be used
    seal_use_denied = 10106,           // the caller holds no permission on this seal
    seal_access_test_failed = 10107,   // a subordinate system failed the access test (接入测试)
    seal_peer_unreachable = 10108,     // the parent/child seal system did not answer
    seal_bad_sync_message = 10109,     // a signed status message that does not verify or parse

    // 11xxx kmc (key management centre: escrow, GM/T 0014 CA<->KMC protocol, key recovery)
    kmc_bad_message = 11001,       // a GM/T 0014 message or SM2EnvelopedKey that is malformed
    kmc_bad_signature = 11002,     // a request or response not signed by the peer it must be
    kmc_not_found = 11003,         // no escrowed key or recovery request with this identifier
    kmc_illegal_state = 11004,     // the key or recovery request's state does not allow this step
    kmc_pool_empty = 11005,        // no pre-generated key left and generation on demand is off
    kmc_envelope_invalid = 11006,  // an enveloped key that does not open or does not match its public key
    kmc_recovery_denied = 11007,   // a recovery without its second person or judicial signature
    kmc_duplicate = 11008,         // a task number or certificate number seen before
    kmc_error_response = 11009,    // the KMC answered with an ErrorPkgRespond

    // 13xxx audit
    audit_bad_event = 13001,
    audit_conflict = 13002,
    audit_no_key = 13003,
    audit_tampered = 13004,

    // 14xxx auth (staff, roles, organisation scope, passwords, sessions, approvals)
    auth_denied = 14001,
    auth_out_of_scope = 14002,
    auth_bad_credentials = 14003,
    auth_locked = 14004,
    auth_password_expired = 14005,
    auth_password_too_short = 14006,
    auth_password_composition = 14007,
    auth_password_sequence = 14008,
    auth_password_repeat = 14009,
    auth_password_personal_data = 14010,
    auth_password_reused = 14011,
    auth_session_invalid = 14012,
    auth_challenge_invalid = 14013,
    auth_inactive = 14014,
    auth_cannot_manage = 14015,
    auth_custodian_conflict = 14016,
    auth_same_person = 14017,
    auth_approval_not_pending = 14018,
    auth_approval_mismatch = 14019,
    auth_quota_exhausted = 14020,
    auth_not_sponsored = 14021,
    auth_bad_org_tree = 14022,
    auth_certificate_mismatch = 14023,
    auth_duplicate = 14024,
    auth_not_found = 14025,
    auth_bad_request = 14026,
    auth_approval_required = 14027,
    auth_decision_signature_invalid = 14028,

    // 15xxx api (HTTP layer: routing, request validation, server configuration)
    api_route_not_found = 15001,
    api_method_not_allowed = 15002,
    api_unsupported_media_type = 15003,
    api_bad_json = 15004,
    api_body_too_large = 15005,
    api_header_too_large = 15006,
    api_bad_request = 15007,
    api_unauthenticated = 15008,
    api_forbidden = 15009,
    api_bad_config = 15010,
    api_tls_error = 15011,
    api_bind_failed = 15012,
    api_route_conflict = 15013,
    api_unavailable = 15014,

    // 16xxx ofd (OFD packages, GB/T 33190)
    ofd_bad_zip = 16001,
    ofd_too_many_entries = 16002,
    ofd_too_large = 16003,
    ofd_zip_bomb = 16004,
    ofd_bad_path = 16005,
    ofd_duplicate_entry = 16006,
    ofd_bad_xml = 16007,
    ofd_missing_part = 16008,
    ofd_bad_structure = 16009,
    ofd_unsupported = 16010,

    // 17xxx publish (LDAP publication and push sync to business systems)
    publish_bad_config = 17001,        // a target's configuration is invalid (URL, DN, file)
    publish_unreachable = 17002,       // the directory or receiver cannot be reached or refused the login
    publish_rejected = 17003,          // it answered but refused the object (LDAP result, non-2xx HTTP)
    publish_unsupported_name = 17004,  // a subject DN that cannot name a directory entry
    publish_bad_callback = 17005,      // a callback that does not verify (missing header, wrong signer)
};

// Stable dotted name for a code, e.g. "asn1.truncated"; used in logs and problem documents.
std::string_view errc_name(Errc code) noexcept;

struct Error {
    Errc code = Errc::internal;
    std::string message;

    std::uint32_t numeric() const noexcept { return static_cast<std::uint32_t>(code); }
    // "[3001 asn1.truncated] message"
    std::string to_string() const;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace yinxin
