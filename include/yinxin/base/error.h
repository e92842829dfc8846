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
