// LD/T 03-2022 §8.2.3 password rules: each rule with a failing and a passing example, and the
// PBKDF2-HMAC-SM3 record.
#include "yinxin/auth/password.h"

#include <gtest/gtest.h>

#include "yinxin/crypto/kdf.h"
#include "yinxin/crypto/random.h"

namespace yinxin::auth {
namespace {

PasswordPolicy policy() {
    PasswordPolicy p;
    p.iterations = 10'000;
    return p;
}

const PersonalData k_person{"zhang.wei", "Zhang Wei", "+86 139-5720-3846", "370102198506170013", "1985-06-17"};

Errc check(std::string_view pw) { return check_password_policy(policy(), pw, k_person).code(); }

TEST(PasswordPolicy, Length) {
    EXPECT_EQ(check("Kx7#mP9"), Errc::auth_password_too_short);  // 7
    EXPECT_EQ(check("Kx7#mP9!"), Errc::ok);                      // 8
    // Characters, not bytes: 7 characters (11 bytes) of which two are Chinese are still too short.
    EXPECT_EQ(check("K7#口令xy!"), Errc::ok);
    EXPECT_EQ(check("K7#口令x!"), Errc::auth_password_too_short);
    EXPECT_EQ(check(std::string(200, 'x') + "1#"), Errc::auth_bad_request);
}

TEST(PasswordPolicy, Composition) {
    EXPECT_EQ(check("Kxqmpwvz1"), Errc::auth_password_composition);   // no symbol
    EXPECT_EQ(check("Kx#mpwvzq"), Errc::auth_password_composition);   // no digit
    EXPECT_EQ(check("97#53$86!"), Errc::auth_password_composition);   // no letter
    EXPECT_EQ(check("Kx7#mP9\tq"), Errc::auth_password_composition);  // control character
    EXPECT_EQ(check("Kx7#mP9!q"), Errc::ok);
    EXPECT_EQ(check("Kx7 mP9q"), Errc::ok);  // a space is a special character
}

TEST(PasswordPolicy, Sequences) {
    EXPECT_EQ(check("Kx#abcd9"), Errc::auth_password_sequence);
    EXPECT_EQ(check("Kx#ABCd9"), Errc::auth_password_sequence);  // case-insensitive
    EXPECT_EQ(check("Kx#1234q"), Errc::auth_password_sequence);
    EXPECT_EQ(check("Kx#4321q"), Errc::auth_password_sequence);  // descending
    EXPECT_EQ(check("Qwer#7xz"), Errc::auth_password_sequence);  // keyboard row
    EXPECT_EQ(check("Kx#abd9Q"), Errc::ok);
    EXPECT_EQ(check("Kx#123q9"), Errc::ok);  // three in a row is allowed
}

TEST(PasswordPolicy, Repeats) {
    EXPECT_EQ(check("Kx#aaaa9"), Errc::auth_password_repeat);
    EXPECT_EQ(check("Kx#7777q"), Errc::auth_password_repeat);
    EXPECT_EQ(check("Kx#aaa9q"), Errc::ok);
}

TEST(PasswordPolicy, PersonalData) {
    EXPECT_EQ(check("Zhang#7x9Q"), Errc::auth_password_personal_data);    // part of the name
    EXPECT_EQ(check("x9!zhang.wei"), Errc::auth_password_personal_data);  // login name
    EXPECT_EQ(check("Qx#7203mz"), Errc::auth_password_personal_data);     // phone digits
    EXPECT_EQ(check("Qx#1985mz"), Errc::auth_password_personal_data);     // birth year
    EXPECT_EQ(check("Qx#0617mz"), Errc::auth_password_personal_data);     // birthday
    EXPECT_EQ(check("Qx#0013mz"), Errc::auth_password_personal_data);     // ID number
    EXPECT_EQ(check("Qx#7302mz"), Errc::ok);
    // Short name parts (< 3 letters) are not words of their own.
    EXPECT_EQ(check_password_policy(policy(), "Li#7x9Qz", {"li.na", "Li Na", "", "", ""}).code(), Errc::ok);
    // A Chinese display name is matched as a whole.
    EXPECT_EQ(check_password_policy(policy(), "张伟#7x9Qz", {"zw", "张伟", "", "", ""}).code(),
              Errc::auth_password_personal_data);
}

TEST(PasswordHash, SaltedSlowAndConstantTimeCompared) {
    crypto::OpensslRng rng;
    const TimePoint now = from_unix(1'795'000'000);
    const PasswordHash a = hash_password("Kx7#mP9!", rng, policy(), now).value();
    const PasswordHash b = hash_password("Kx7#mP9!", rng, policy(), now).value();
    EXPECT_EQ(a.salt.size(), 16U);
    EXPECT_EQ(a.iterations, 10'000U);
    EXPECT_EQ(a.hash.size(), 32U);
    EXPECT_NE(a.salt, b.salt);  // per-user salt
    EXPECT_NE(a.hash, b.hash);
    // The record is PBKDF2-HMAC-SM3 over the password with the stored salt and iterations.
    const SecretBytes dk = crypto::pbkdf2_sm3("Kx7#mP9!", a.salt, a.iterations, 32).value();
    EXPECT_EQ(Bytes(dk.begin(), dk.end()), a.hash);
    EXPECT_TRUE(verify_password("Kx7#mP9!", a).value());
    EXPECT_FALSE(verify_password("Kx7#mP9?", a).value());
    // Records pbkdf2_sm3 would refuse never match.
    PasswordHash weak = a;
    weak.iterations = 1;
    EXPECT_FALSE(verify_password("Kx7#mP9!", weak).value());
    EXPECT_FALSE(verify_password("Kx7#mP9!", PasswordHash{}).value());
}

}  // namespace
}  // namespace yinxin::auth
