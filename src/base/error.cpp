#include "yinxin/base/error.h"

namespace yinxin {

std::string_view errc_name(Errc code) noexcept {
    switch (code) {
        case Errc::ok: return "ok";
        case Errc::invalid_argument: return "base.invalid_argument";
        case Errc::bad_hex: return "base.bad_hex";
        case Errc::bad_base64: return "base.bad_base64";
        case Errc::bad_pem: return "base.bad_pem";
        case Errc::io_error: return "base.io_error";
        case Errc::not_found: return "base.not_found";
        case Errc::internal: return "base.internal";
        case Errc::rng_failure: return "base.rng_failure";
        case Errc::unsupported: return "base.unsupported";
        case Errc::limit_exceeded: return "base.limit_exceeded";
        case Errc::crypto_bad_key: return "crypto.bad_key";
        case Errc::crypto_bad_signature_encoding: return "crypto.bad_signature_encoding";
        case Errc::crypto_signature_invalid: return "crypto.signature_invalid";
        case Errc::crypto_bad_ciphertext: return "crypto.bad_ciphertext";
        case Errc::crypto_decrypt_failed: return "crypto.decrypt_failed";
        case Errc::crypto_bad_id: return "crypto.bad_id";
        case Errc::crypto_point_not_on_curve: return "crypto.point_not_on_curve";
        case Errc::crypto_engine: return "crypto.engine";
        case Errc::crypto_bad_length: return "crypto.bad_length";
        case Errc::crypto_auth_tag_mismatch: return "crypto.auth_tag_mismatch";
        case Errc::crypto_unsupported_algorithm: return "crypto.unsupported_algorithm";
        case Errc::asn1_truncated: return "asn1.truncated";
        case Errc::asn1_bad_tag: return "asn1.bad_tag";
        case Errc::asn1_bad_length: return "asn1.bad_length";
        case Errc::asn1_not_der: return "asn1.not_der";
        case Errc::asn1_too_deep: return "asn1.too_deep";
        case Errc::asn1_too_long: return "asn1.too_long";
        case Errc::asn1_unexpected_tag: return "asn1.unexpected_tag";
        case Errc::asn1_bad_value: return "asn1.bad_value";
        case Errc::asn1_trailing_data: return "asn1.trailing_data";
        case Errc::asn1_bad_oid: return "asn1.bad_oid";
        case Errc::asn1_bad_time: return "asn1.bad_time";
        case Errc::asn1_indefinite_length: return "asn1.indefinite_length";
        case Errc::x509_bad_encoding: return "x509.bad_encoding";
        case Errc::x509_trailing_data: return "x509.trailing_data";
        case Errc::x509_too_large: return "x509.too_large";
        case Errc::x509_bad_version: return "x509.bad_version";
        case Errc::x509_bad_serial: return "x509.bad_serial";
        case Errc::x509_algorithm_mismatch: return "x509.algorithm_mismatch";
        case Errc::x509_bad_name: return "x509.bad_name";
        case Errc::x509_bad_validity: return "x509.bad_validity";
        case Errc::x509_bad_public_key: return "x509.bad_public_key";
        case Errc::x509_bad_extension: return "x509.bad_extension";
        case Errc::x509_duplicate_extension: return "x509.duplicate_extension";
        case Errc::x509_unsupported_algorithm: return "x509.unsupported_algorithm";
        case Errc::x509_unsupported_curve: return "x509.unsupported_curve";
        case Errc::x509_weak_key: return "x509.weak_key";
        case Errc::x509_signature_invalid: return "x509.signature_invalid";
        case Errc::x509_bad_attribute: return "x509.bad_attribute";
        case Errc::x509_path_no_issuer: return "x509.path_no_issuer";
        case Errc::x509_path_signature_invalid: return "x509.path_signature_invalid";
        case Errc::x509_path_expired: return "x509.path_expired";
        case Errc::x509_path_not_yet_valid: return "x509.path_not_yet_valid";
        case Errc::x509_path_not_ca: return "x509.path_not_ca";
        case Errc::x509_path_bad_key_usage: return "x509.path_bad_key_usage";
        case Errc::x509_path_len_exceeded: return "x509.path_len_exceeded";
        case Errc::x509_path_unknown_critical: return "x509.path_unknown_critical";
        case Errc::x509_path_too_long: return "x509.path_too_long";
        case Errc::x509_path_bad_extension: return "x509.path_bad_extension";
        case Errc::x509_path_revoked: return "x509.path_revoked";
        case Errc::x509_path_search_limit: return "x509.path_search_limit";
        case Errc::profile_bad_file: return "profile.bad_file";
        case Errc::profile_bad_field: return "profile.bad_field";
        case Errc::profile_duplicate_id: return "profile.duplicate_id";
        case Errc::profile_not_found: return "profile.not_found";
        case Errc::profile_request_rejected: return "profile.request_rejected";
        case Errc::lint_failed: return "lint.failed";
        case Errc::device_not_initialised: return "device.not_initialised";
        case Errc::device_already_initialised: return "device.already_initialised";
        case Errc::device_locked: return "device.locked";
        case Errc::device_wrong_password: return "device.wrong_password";
        case Errc::device_insufficient_shares: return "device.insufficient_shares";
        case Errc::device_check_value_mismatch: return "device.check_value_mismatch";
        case Errc::device_unknown_custodian: return "device.unknown_custodian";
        case Errc::device_custodian_refused: return "device.custodian_refused";
        case Errc::device_key_not_found: return "device.key_not_found";
        case Errc::device_duplicate_label: return "device.duplicate_label";
        case Errc::device_no_access_right: return "device.no_access_right";
        case Errc::device_wrong_pin: return "device.wrong_pin";
        case Errc::device_unsupported_algorithm: return "device.unsupported_algorithm";
        case Errc::device_unknown_backend: return "device.unknown_backend";
        case Errc::device_store_error: return "device.store_error";
        case Errc::device_store_version: return "device.store_version";
        case Errc::device_module_error: return "device.module_error";
        case Errc::device_token_not_found: return "device.token_not_found";
        case Errc::device_weak_secret: return "device.weak_secret";
        case Errc::device_store_tampered: return "device.store_tampered";
        case Errc::store_duplicate_serial: return "store.duplicate_serial";
        case Errc::store_not_found: return "store.not_found";
        case Errc::store_conflict: return "store.conflict";
        case Errc::store_io: return "store.io";
        case Errc::store_schema_newer: return "store.schema_newer";
    }
    return "unknown";
}

std::string Error::to_string() const {
    std::string s = "[" + std::to_string(numeric()) + " ";
    s += errc_name(code);
    s += "] ";
    s += message;
    return s;
}

}  // namespace yinxin
