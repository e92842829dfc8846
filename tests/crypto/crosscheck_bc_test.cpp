// Cross-check of Yinxin's SM2 signatures and encryption against BouncyCastle (issue 2), an
// implementation that shares no code with OpenSSL. The Java side is
// tests/crypto/crosscheck/Sm2Check.java, compiled at build time; one JVM launch per batch because
// JVM start-up costs more than the whole batch.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crosscheck_util.h"
#include "yinxin/base/error.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm2_cipher.h"

namespace yinxin::crypto {
namespace {

using namespace yinxin::crosscheck;  // NOLINT(google-build-using-namespace): test helpers
using namespace yinxin::test;        // NOLINT(google-build-using-namespace): test helpers

constexpr std::uint64_t k_seed = 0x42432d534d32;  // "BC-SM2"; any fixed value
constexpr std::string_view k_other_id = "1234567812345679";

// Runs Sm2Check <mode> in.txt out.txt [id:<ascii>...] in `dir` and returns the lines of out.txt.
std::vector<std::vector<std::string>> run_sm2check(const ScratchDir& dir, std::string_view mode,
                                                   const std::string& input,
                                                   const std::vector<std::string_view>& ids = {}) {
    write_file(dir / "in.txt", input);
    std::vector<std::string> argv{std::string(k_java),
                                  "-Xshare:auto",
                                  "-XX:TieredStopAtLevel=1",  // short batches: the C1 JIT is enough
                                  "-XX:+UseSerialGC",
                                  "-Xmx256m",
                                  "-cp",
                                  bouncycastle_classpath(k_class_dir),
                                  "Sm2Check",
                                  std::string(mode),
                                  (dir / "in.txt").string(),
                                  (dir / "out.txt").string()};
    for (auto id : ids) argv.push_back("id:" + std::string(id));
    const ProcessResult r = run_process(argv);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    if (r.exit_code != 0) return {};
    return split_lines(read_text(dir / "out.txt"));
}

std::string secret_hex(const SecretBytes& s) { return hex_encode(BytesView(s.data(), s.size())); }

// Yinxin signs; BC verifies every signature under three IDs: the GM/T 0009 default, the empty
// ID (OpenSSL 3.0's default) and a different one. Each signature must pass under exactly the ID
// it was made with, so BC rejecting default-ID signatures under "" or another ID is the negative
// check, and Yinxin's own empty-ID and other-ID signatures are its controls.
TEST(CrosscheckBouncyCastle, BcVerifiesYinxinSignaturesOnlyUnderTheirId) {
    ASSERT_TRUE(sm2check_available());
    ScratchDir dir;
    const auto key = Sm2PrivateKey::generate();
    ASSERT_TRUE(key.ok());
    const Bytes point = key->public_key().point();
    const std::vector<std::string_view> ids{k_gm_id, "", k_other_id};

    struct Entry {
        std::string what;
        const Bytes* message;
        Bytes signature;
        std::size_t id_index;  // into `ids`: the one ID under which BC must accept it
    };
    std::vector<Entry> entries;
    const auto messages = random_messages(k_seed, 100, 0, 4096);
    for (std::size_t i = 0; i < messages.size(); ++i) {
        auto sig = sm2_sign(*key, messages[i]);  // the default ID, as callers get it
        ASSERT_TRUE(sig.ok()) << sig.error().to_string();
        entries.push_back({"sm2_sign message " + std::to_string(i), &messages[i], std::move(sig).value(), 0});
    }
    const auto signer = Sm2Signer::create(*key);
    ASSERT_TRUE(signer.ok());
    for (std::size_t i = 0; i < 20; ++i) {
        auto sig = signer->sign(messages[i]);
        ASSERT_TRUE(sig.ok()) << sig.error().to_string();
        entries.push_back({"Sm2Signer message " + std::to_string(i), &messages[i], std::move(sig).value(), 0});
    }
    for (std::size_t k = 1; k < ids.size(); ++k) {
        for (std::size_t i = 0; i < 10; ++i) {
            auto sig = sm2_sign(*key, messages[i], ids[k]);
            ASSERT_TRUE(sig.ok()) << sig.error().to_string();
            entries.push_back({"sm2_sign with ID \"" + std::string(ids[k]) + "\" message " + std::to_string(i),
                               &messages[i], std::move(sig).value(), k});
        }
    }

    std::string input;
    for (const auto& e : entries) {
        input += hex_field(point) + " " + hex_field(*e.message) + " " + hex_field(e.signature) + "\n";
    }
    const auto out = run_sm2check(dir, "verify", input, ids);
    ASSERT_EQ(out.size(), entries.size() * ids.size());
    for (std::size_t n = 0; n < out.size(); ++n) {
        const std::size_t line = n / ids.size();
        const std::size_t k = n % ids.size();
        ASSERT_EQ(out[n].size(), 3u);
        ASSERT_EQ(out[n][0], std::to_string(line));
        ASSERT_EQ(out[n][1], std::to_string(k));
        const char* expected = k == entries[line].id_index ? "OK" : "FAIL";
        EXPECT_EQ(out[n][2], expected) << entries[line].what << " (" << entries[line].message->size()
                                       << " bytes), BC SM2Signer with ID \"" << ids[k] << "\"";
    }
}

// BC signs with its own key under the default ID and under the empty ID; Yinxin must accept the
// former with its default ID and reject the latter (accepting it only with an explicit empty ID).
TEST(CrosscheckBouncyCastle, YinxinVerifiesBcSignatures) {
    ASSERT_TRUE(sm2check_available());
    ScratchDir dir;
    const auto messages = random_messages(k_seed + 1, 100, 0, 4096);
    std::string input;
    for (const auto& m : messages) input += hex_field(m) + "\n";
    const auto out = run_sm2check(dir, "sign", input, {k_gm_id, ""});
    ASSERT_EQ(out.size(), 1 + 2 * messages.size());
    ASSERT_EQ(out[0].size(), 2u);
    ASSERT_EQ(out[0][0], "PUB");
    const auto pub = Sm2PublicKey::from_point(unhex_field(out[0][1]));
    ASSERT_TRUE(pub.ok()) << pub.error().to_string();
    const auto verifier = Sm2Verifier::create(*pub);
    ASSERT_TRUE(verifier.ok());

    for (std::size_t n = 1; n < out.size(); ++n) {
        const std::size_t i = (n - 1) / 2;
        const std::size_t k = (n - 1) % 2;
        ASSERT_EQ(out[n].size(), 3u);
        ASSERT_EQ(out[n][0], std::to_string(i));
        ASSERT_EQ(out[n][1], std::to_string(k));
        const Bytes sig = unhex_field(out[n][2]);
        if (k == 0) {
            const Status s = sm2_verify(*pub, messages[i], sig);
            EXPECT_TRUE(s.ok()) << "message " << i << " (" << messages[i].size()
                                << " bytes), default-ID BC signature, sm2_verify: " << s.error().to_string();
            const Status v = verifier->verify(messages[i], sig);
            EXPECT_TRUE(v.ok()) << "message " << i << ", Sm2Verifier: " << v.error().to_string();
        } else {
            EXPECT_EQ(errc_name(sm2_verify(*pub, messages[i], sig).code()), errc_name(Errc::crypto_signature_invalid))
                << "message " << i << ": an empty-ID BC signature passed (or broke) Yinxin's default-ID verify";
            const Status control = sm2_verify(*pub, messages[i], sig, "");
            EXPECT_TRUE(control.ok()) << "message " << i << ", empty-ID control: " << control.error().to_string();
        }
    }
}

// Plaintexts for the encryption checks. At least one byte: BC's SM2Engine never returns on an
// empty plaintext (its "t is all zero" retry loop is vacuously true), so empty input is not a
// cross-check case.
std::vector<Bytes> cipher_messages(std::uint64_t seed) { return random_messages(seed, 20, 1, 1024); }

// BC SM2Engine encrypts to a Yinxin key (C1C3C2, and C1C2C3 for five); Yinxin decrypts, both as
// received and after converting to the GM/T 0009 ASN.1 form.
TEST(CrosscheckBouncyCastle, BcEncryptsYinxinDecrypts) {
    ASSERT_TRUE(sm2check_available());
    ScratchDir dir;
    const auto key = Sm2PrivateKey::generate();
    ASSERT_TRUE(key.ok());
    const auto messages = cipher_messages(k_seed + 2);

    struct Entry {
        const Bytes* message;
        Sm2CipherFormat format;
    };
    std::vector<Entry> entries;
    for (const auto& m : messages) entries.push_back({&m, Sm2CipherFormat::c1c3c2});
    for (std::size_t i = 0; i < 5; ++i) entries.push_back({&messages[i], Sm2CipherFormat::c1c2c3});

    std::string input = "PUB " + hex_field(key->public_key().point()) + "\n";
    for (const auto& e : entries) {
        input +=
            std::string(e.format == Sm2CipherFormat::c1c3c2 ? "c1c3c2 " : "c1c2c3 ") + hex_field(*e.message) + "\n";
    }
    const auto out = run_sm2check(dir, "encrypt", input);
    ASSERT_EQ(out.size(), entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        ASSERT_EQ(out[i].size(), 2u);
        ASSERT_EQ(out[i][0], std::to_string(i));
        const Bytes ct = unhex_field(out[i][1]);
        const std::string name = std::string(entries[i].format == Sm2CipherFormat::c1c3c2 ? "c1c3c2" : "c1c2c3") +
                                 " entry " + std::to_string(i) + " (" + std::to_string(entries[i].message->size()) +
                                 " bytes)";
        const auto pt = sm2_decrypt(*key, ct, entries[i].format);
        ASSERT_TRUE(pt.ok()) << name << ": " << pt.error().to_string();
        EXPECT_EQ(secret_hex(*pt), hex_encode(*entries[i].message)) << name;

        const auto asn1 = sm2_cipher_convert(ct, entries[i].format, Sm2CipherFormat::asn1);
        ASSERT_TRUE(asn1.ok()) << name << ": " << asn1.error().to_string();
        const auto pt2 = sm2_decrypt(*key, *asn1, Sm2CipherFormat::asn1);
        ASSERT_TRUE(pt2.ok()) << name << " as asn1: " << pt2.error().to_string();
        EXPECT_EQ(secret_hex(*pt2), hex_encode(*entries[i].message)) << name << " as asn1";
    }
}

// Yinxin encrypts (C1C3C2 directly, ASN.1 converted to C1C3C2, and C1C2C3); BC decrypts with the
// private scalar. Two tampered ciphertexts (C3 and C2 each with one bit flipped) must be rejected
// by BC, which shows its decrypt really checks C3.
TEST(CrosscheckBouncyCastle, YinxinEncryptsBcDecrypts) {
    ASSERT_TRUE(sm2check_available());
    ScratchDir dir;
    const auto key = Sm2PrivateKey::generate();
    ASSERT_TRUE(key.ok());
    const Sm2PublicKey pub = key->public_key();
    const auto messages = cipher_messages(k_seed + 3);
    const auto messages_asn1 = cipher_messages(k_seed + 4);

    struct Entry {
        std::string what;
        std::string mode;  // as BC's SM2Engine.Mode, lower case
        Bytes ciphertext;
        const Bytes* message;  // null: tampered, BC must reject
    };
    std::vector<Entry> entries;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        auto ct = sm2_encrypt(pub, messages[i], Sm2CipherFormat::c1c3c2);
        ASSERT_TRUE(ct.ok()) << ct.error().to_string();
        entries.push_back({"c1c3c2 message " + std::to_string(i), "c1c3c2", std::move(ct).value(), &messages[i]});
    }
    for (std::size_t i = 0; i < messages_asn1.size(); ++i) {
        auto ct = sm2_encrypt(pub, messages_asn1[i], Sm2CipherFormat::asn1);
        ASSERT_TRUE(ct.ok()) << ct.error().to_string();
        auto raw = sm2_cipher_convert(*ct, Sm2CipherFormat::asn1, Sm2CipherFormat::c1c3c2);
        ASSERT_TRUE(raw.ok()) << raw.error().to_string();
        entries.push_back({"asn1 message " + std::to_string(i), "c1c3c2", std::move(raw).value(), &messages_asn1[i]});
    }
    for (std::size_t i = 0; i < 5; ++i) {
        auto ct = sm2_encrypt(pub, messages[i], Sm2CipherFormat::c1c2c3);
        ASSERT_TRUE(ct.ok()) << ct.error().to_string();
        entries.push_back({"c1c2c3 message " + std::to_string(i), "c1c2c3", std::move(ct).value(), &messages[i]});
    }
    // C1C3C2 = 65-byte C1, 32-byte C3, then C2.
    Bytes bad_c3 = entries[0].ciphertext;
    bad_c3[65] ^= 0x01;
    entries.push_back({"c1c3c2 message 0 with C3 tampered", "c1c3c2", std::move(bad_c3), nullptr});
    Bytes bad_c2 = entries[1].ciphertext;
    bad_c2.back() ^= 0x80;
    entries.push_back({"c1c3c2 message 1 with C2 tampered", "c1c3c2", std::move(bad_c2), nullptr});

    const SecretBytes d = key->scalar();
    std::string input = "PRIV " + secret_hex(d) + "\n";
    for (const auto& e : entries) input += e.mode + " " + hex_field(e.ciphertext) + "\n";
    const auto out = run_sm2check(dir, "decrypt", input);
    secure_zero(input.data(), input.size());
    ASSERT_EQ(out.size(), entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        ASSERT_GE(out[i].size(), 2u);
        ASSERT_EQ(out[i][0], std::to_string(i));
        if (entries[i].message == nullptr) {
            EXPECT_EQ(out[i][1], "FAIL") << entries[i].what << ": BC decrypted it";
            continue;
        }
        ASSERT_EQ(out[i][1], "OK") << entries[i].what << ": BC says "
                                   << (out[i].size() > 2 ? out[i][2] : std::string("nothing"));
        ASSERT_EQ(out[i].size(), 3u);
        EXPECT_EQ(out[i][2], hex_field(*entries[i].message))
            << entries[i].what << " (" << entries[i].message->size() << " bytes)";
    }
}

}  // namespace
}  // namespace yinxin::crypto
