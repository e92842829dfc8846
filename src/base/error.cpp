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
