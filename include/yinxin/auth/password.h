// Staff passwords: the LD/T 03-2022 §8.2.3 policy and the stored hash.
//
// §8.2.3 a: at least 8 characters, a mix of letters, digits and special characters, no words or
// numbers of special meaning (name, birthday, phone number) and no consecutive or identical
// digits; b: a validity period and regular change. The CPS digests add: not the operator's name,
// no long substring of the user name (iTrus, SHECA, SDCA).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"

namespace yinxin::auth {

struct PasswordPolicy {
    std::size_t min_length = 8;    // characters (UTF-8 code points), §8.2.3 a
    std::size_t max_length = 128;  // bounds the hashing cost of hostile input
    // A run of this many consecutive characters (abcd, 4321, qwer) is refused.
    std::size_t sequence_length = 4;
    // This many identical characters in a row (aaaa, 1111) are refused.
    std::size_t repeat_length = 4;
    // Any this-long stretch of the digits of a phone number, ID number or birth date is refused.
    std::size_t personal_digits = 4;
    // Words of personal data (login name, parts of the display name) this long or longer are
    // refused anywhere in the password, case-insensitively.
    std::size_t personal_word_min = 3;
    // §8.2.3 b: validity period (0 = never expires).
    std::chrono::seconds max_age = std::chrono::hours(24 * 90);
    // The current and the previous history-1 passwords cannot be chosen again.
    std::size_t history = 5;
    // PBKDF2-HMAC-SM3 cost for new hashes (crypto::pbkdf2_sm3 refuses fewer than 10,000).
    unsigned iterations = 100'000;
    std::size_t salt_len = 16;
};

// What the password may not contain (§8.2.3 a: 姓名、生日、电话号码).
struct PersonalData {
    std::string login;
    std::string display_name;
    std::string phone;
    std::string id_number;
    std::string birth_date;  // any format; only its digits are used
};

// The first rule the password breaks, each with its own code: auth.password_too_short (also too
// long: auth.bad_request), auth.password_composition (needs a letter, a digit and a symbol; no
// control characters), auth.password_sequence, auth.password_repeat,
// auth.password_personal_data.
Status check_password_policy(const PasswordPolicy& policy, std::string_view password, const PersonalData& personal);

// PBKDF2-HMAC-SM3 with a per-user random salt; the iteration count is kept with the hash so the
// cost can rise without invalidating old records.
struct PasswordHash {
    Bytes salt;
    unsigned iterations = 0;
    Bytes hash;  // 32 bytes
    TimePoint set_at{};

    bool empty() const { return hash.empty(); }
};

inline constexpr std::size_t k_password_hash_len = 32;

Result<PasswordHash> hash_password(std::string_view password, Rng& rng, const PasswordPolicy& policy, TimePoint now);
// Recomputes with the record's salt and iterations and compares in constant time. An empty or
// malformed record never matches (returns false, not an error).
Result<bool> verify_password(std::string_view password, const PasswordHash& stored);

}  // namespace yinxin::auth
