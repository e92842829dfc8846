// Yinxin error model: expected failures are values with a stable numeric code and a human message.
// Exceptions and asserts are for bugs only, never for external input (STYLE.md 9).
//
// Codes are banded by module and never renumbered once released: clients, logs and the HTTP
// problem documents (made in api/) carry them. Add new codes at the end of a band.
// Bands: 1xxx base, 2xxx crypto, 3xxx asn1, 4xxx x509/cms, 5xxx profile and lints, 6xxx ca,
// 7xxx device, 8xxx store, 9xxx ra, 10xxx seal, 11xxx kmc, 12xxx status, 13xxx audit, 14xxx auth,
// 15xxx api.
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

    // 5xxx profile (5001-5049) and lints (5050-5099)
    profile_bad_file = 5001,
    profile_bad_field = 5002,
    profile_duplicate_id = 5003,
    profile_not_found = 5004,
    profile_request_rejected = 5005,
    lint_failed = 5050,
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
