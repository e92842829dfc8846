#include "yinxin/auth/password.h"

#include <array>
#include <cctype>

#include "yinxin/crypto/kdf.h"

namespace yinxin::auth {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++n;
    return n;
}

// Keyboard rows count as sequences too (qwer, asdf): they are as guessable as abcd.
constexpr std::array<std::string_view, 5> k_sequences{
    "abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm",
};

bool has_sequence(const std::string& pw_lower, std::size_t len) {
    if (len < 2 || pw_lower.size() < len) return false;
    for (std::string_view seq : k_sequences) {
        std::string rev(seq.rbegin(), seq.rend());
        for (std::size_t i = 0; i + len <= seq.size(); ++i) {
            if (pw_lower.find(seq.substr(i, len)) != std::string::npos) return true;
            if (pw_lower.find(std::string_view(rev).substr(i, len)) != std::string::npos) return true;
        }
    }
    return false;
}

bool has_repeat(std::string_view pw, std::size_t len) {
    if (len < 2) return false;
    std::size_t run = 1;
    for (std::size_t i = 1; i < pw.size(); ++i) {
        run = pw[i] == pw[i - 1] ? run + 1 : 1;
        if (run >= len) return true;
    }
    return false;
}

std::string digits_of(std::string_view s) {
    std::string out;
    for (char c : s)
        if (is_digit(c)) out += c;
    return out;
}

// The personal word (or digit stretch) found, or "".
std::string personal_match(const PasswordPolicy& policy, const std::string& pw_lower, const PersonalData& p) {
    std::vector<std::string> words{lower_ascii(p.login), lower_ascii(p.display_name)};
    // Parts of the display name ("Zhang Wei", "wang.fang") as well as the whole.
    std::string part;
    for (char c : p.display_name + " ") {
        if (c == ' ' || c == '.' || c == '-' || c == '_') {
            if (!part.empty()) words.push_back(lower_ascii(part));
            part.clear();
        } else {
            part += c;
        }
    }
    for (const std::string& w : words)
        if (w.size() >= policy.personal_word_min && pw_lower.find(w) != std::string::npos) return w;
    const std::size_t n = policy.personal_digits;
    for (std::string_view number :
         {std::string_view(p.phone), std::string_view(p.id_number), std::string_view(p.birth_date)}) {
        const std::string d = digits_of(number);
        for (std::size_t i = 0; n > 0 && i + n <= d.size(); ++i)
            if (pw_lower.find(d.substr(i, n)) != std::string::npos) return d.substr(i, n);
    }
    return {};
}

}  // namespace

Status check_password_policy(const PasswordPolicy& policy, std::string_view password, const PersonalData& personal) {
    const std::size_t len = utf8_length(password);
    if (len < policy.min_length)
        return make_error(Errc::auth_password_too_short, "password has " + std::to_string(len) +
                                                             " characters; LD/T 03-2022 §8.2.3 a asks at least " +
                                                             std::to_string(policy.min_length));
    if (password.size() > policy.max_length)
        return make_error(Errc::auth_bad_request,
                          "password longer than " + std::to_string(policy.max_length) + " bytes");
    bool letter = false;
    bool digit = false;
    bool symbol = false;
    for (char c : password) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F)
            return make_error(Errc::auth_password_composition, "password contains a control character");
        if (is_alpha(c))
            letter = true;
        else if (is_digit(c))
            digit = true;
        else
            symbol = true;  // punctuation, space and non-ASCII characters
    }
    if (!letter || !digit || !symbol)
        return make_error(Errc::auth_password_composition,
                          "password must mix letters, digits and special characters (LD/T 03-2022 §8.2.3 a)");
    const std::string pw_lower = lower_ascii(password);
    if (has_sequence(pw_lower, policy.sequence_length))
        return make_error(Errc::auth_password_sequence, "password contains " + std::to_string(policy.sequence_length) +
                                                            " consecutive characters (LD/T 03-2022 §8.2.3 a)");
    if (has_repeat(password, policy.repeat_length))
        return make_error(Errc::auth_password_repeat, "password repeats one character " +
                                                          std::to_string(policy.repeat_length) +
                                                          " times in a row (LD/T 03-2022 §8.2.3 a)");
    // The matched text is not echoed: it is part of the password.
    if (!personal_match(policy, pw_lower, personal).empty())
        return make_error(Errc::auth_password_personal_data,
                          "password contains the login name, the name, a phone, ID or birth date number "
                          "(LD/T 03-2022 §8.2.3 a)");
    return ok_status();
}

Result<PasswordHash> hash_password(std::string_view password, Rng& rng, const PasswordPolicy& policy, TimePoint now) {
    PasswordHash h;
    YX_ASSIGN_OR_RETURN(h.salt, rng.bytes(policy.salt_len));
    h.iterations = policy.iterations;
    YX_ASSIGN_OR_RETURN(SecretBytes dk, crypto::pbkdf2_sm3(password, h.salt, h.iterations, k_password_hash_len));
    h.hash.assign(dk.begin(), dk.end());
    h.set_at = now;
    return h;
}

Result<bool> verify_password(std::string_view password, const PasswordHash& stored) {
    if (stored.hash.size() != k_password_hash_len) return false;
    auto dk = crypto::pbkdf2_sm3(password, stored.salt, stored.iterations, k_password_hash_len);
    // A record with parameters pbkdf2_sm3 refuses (short salt, few iterations) cannot match.
    if (!dk.ok()) return dk.code() == Errc::invalid_argument ? Result<bool>(false) : Result<bool>(dk.error());
    return constant_time_equal(*dk, stored.hash);
}

}  // namespace yinxin::auth
