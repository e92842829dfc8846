// Cross-check of Yinxin's SM2 signatures against the openssl CLI (issue 2): an independent code
// path (the pkeyutl command line, its own PEM/SPKI decoding) rather than the libcrypto calls
// Yinxin makes. OpenSSL 3.0 signs with an EMPTY ID unless `-pkeyopt distid:` is given
// (gm-and-seal-formats.md §6.1), so the ID is always passed explicitly and the negative tests
// prove that the ID really enters Z on both sides.
#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "crosscheck_util.h"
#include "yinxin/base/error.h"
#include "yinxin/crypto/signature.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::crypto {
namespace {

using namespace yinxin::crosscheck;  // NOLINT(google-build-using-namespace): test helpers
using namespace yinxin::test;        // NOLINT(google-build-using-namespace): test helpers

constexpr std::size_t k_count = 100;
constexpr std::uint64_t k_seed = 0x59494e58494e3032;  // "YINXIN02"; any fixed value
const std::string k_distid_default = "distid:" + std::string(k_gm_id);
const std::string k_distid_other = "distid:1234567812345679";  // differs from the default in one digit

// Runs tests/crypto/crosscheck/openssl_batch.sh over msg<i>/sig<i> in `dir` and returns the verdict
// per message ("OK", "MISMATCH", or "ERROR ..."). Fails the test if the batch is incomplete.
std::vector<std::string> openssl_batch(const ScratchDir& dir, std::string_view mode, std::size_t count,
                                       const std::vector<std::string>& pkeyutl_options) {
    std::vector<std::string> argv{"/bin/sh",
                                  std::string(k_script_dir) + "/openssl_batch.sh",
                                  std::string(k_openssl_cli),
                                  std::string(mode),
                                  dir.path().string(),
                                  std::to_string(count)};
    argv.insert(argv.end(), pkeyutl_options.begin(), pkeyutl_options.end());
    const ProcessResult r = run_process(argv);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);

    std::vector<std::string> verdicts(count, "MISSING (no line from openssl_batch.sh)");
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
        const auto space = line.find(' ');
        std::size_t index = 0;
        try {
            index = std::stoul(line.substr(0, space));
        } catch (const std::exception&) {
            ADD_FAILURE() << "unexpected line from openssl_batch.sh: " << line;
            continue;
        }
        if (space == std::string::npos || index >= count) {
            ADD_FAILURE() << "unexpected line from openssl_batch.sh: " << line;
            continue;
        }
        verdicts[index] = line.substr(space + 1);
    }
    return verdicts;
}

void write_messages(const ScratchDir& dir, const std::vector<Bytes>& messages) {
    for (std::size_t i = 0; i < messages.size(); ++i) write_file(dir / ("msg" + std::to_string(i)), messages[i]);
}

// Yinxin signs msg<i> with `id` (the default argument when id is null) into sig<i>, and writes pub.pem.
void yinxin_sign_all(const ScratchDir& dir, const Sm2PrivateKey& key, const std::vector<Bytes>& messages,
                     const std::string_view* id) {
    write_file(dir / "pub.pem", key.public_key().pem());
    write_messages(dir, messages);
    for (std::size_t i = 0; i < messages.size(); ++i) {
        auto sig = id == nullptr ? sm2_sign(key, messages[i]) : sm2_sign(key, messages[i], *id);
        ASSERT_TRUE(sig.ok()) << "message " << i << ": " << sig.error().to_string();
        write_file(dir / ("sig" + std::to_string(i)), *sig);
    }
}

// Generates an SM2 key with the CLI (`genpkey` or `ecparam`) and writes key.pem and pub.pem.
void openssl_keygen(const ScratchDir& dir, bool use_ecparam) {
    const std::string key = (dir / "key.pem").string();
    const std::string pub = (dir / "pub.pem").string();
    const std::string cli(k_openssl_cli);
    std::vector<std::vector<std::string>> commands;
    if (use_ecparam) {
        commands.push_back({cli, "ecparam", "-name", "SM2", "-genkey", "-noout", "-out", key});
    } else {
        commands.push_back({cli, "genpkey", "-algorithm", "SM2", "-out", key});
    }
    commands.push_back({cli, "pkey", "-in", key, "-pubout", "-out", pub});
    for (const auto& argv : commands) {
        const ProcessResult r = run_process(argv);
        ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    }
}

// Loads the CLI-made key pair into Yinxin and checks both files describe the same key.
std::optional<Sm2PublicKey> load_openssl_public_key(const ScratchDir& dir) {
    auto pub = Sm2PublicKey::from_pem(read_text(dir / "pub.pem"));
    EXPECT_TRUE(pub.ok()) << "pub.pem from `openssl pkey -pubout`: " << pub.error().to_string();
    auto priv = Sm2PrivateKey::from_pem(read_text(dir / "key.pem"));
    EXPECT_TRUE(priv.ok()) << "key.pem from the CLI: " << priv.error().to_string();
    if (!pub.ok()) return std::nullopt;
    if (priv.ok()) {
        EXPECT_EQ(hex_encode(priv->public_key().point()), hex_encode(pub->point()));
    }
    return std::move(pub).value();
}

TEST(CrosscheckOpenssl, YinxinSignaturesVerifyUnderCli) {
    ASSERT_TRUE(openssl_available());
    ScratchDir dir;
    const auto key = Sm2PrivateKey::generate();
    ASSERT_TRUE(key.ok());
    const auto messages = random_messages(k_seed, k_count, 0, 4096);
    yinxin_sign_all(dir, *key, messages, nullptr);  // the default ID, as callers get it
    ASSERT_FALSE(::testing::Test::HasFatalFailure());

    const auto verdicts = openssl_batch(dir, "verify", k_count, {"-pkeyopt", k_distid_default});
    for (std::size_t i = 0; i < k_count; ++i) {
        EXPECT_EQ(verdicts[i], "OK") << "message " << i << " (" << messages[i].size()
                                     << " bytes): openssl pkeyutl -verify with " << k_distid_default;
    }
}

// The CLI must reject Yinxin's default-ID signatures when it uses its own default (empty ID) or a
// different ID. Signatures made by Yinxin with the empty ID are the positive control: they show
// that the CLI without distid really uses the empty ID, so the rejection is about the ID only.
TEST(CrosscheckOpenssl, YinxinDefaultIdSignaturesFailUnderCliWithOtherId) {
    ASSERT_TRUE(openssl_available());
    ScratchDir dir;
    const auto key = Sm2PrivateKey::generate();
    ASSERT_TRUE(key.ok());
    const auto messages = random_messages(k_seed + 1, k_count, 0, 4096);
    yinxin_sign_all(dir, *key, messages, nullptr);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());

    const auto no_id = openssl_batch(dir, "verify", k_count, {});
    const auto other_id = openssl_batch(dir, "verify", k_count, {"-pkeyopt", k_distid_other});
    for (std::size_t i = 0; i < k_count; ++i) {
        EXPECT_EQ(no_id[i], "MISMATCH") << "message " << i
                                        << ": the CLI without distid (empty ID) "
                                           "accepted or could not check a default-ID signature";
        EXPECT_EQ(other_id[i], "MISMATCH") << "message " << i << ": the CLI with " << k_distid_other
                                           << " accepted or could not check a default-ID signature";
    }

    constexpr std::size_t k_control = 10;
    const std::string_view empty_id;  // overwrites msg0..9 / sig0..9 with the control batch
    yinxin_sign_all(dir, *key, std::vector<Bytes>(messages.begin(), messages.begin() + k_control), &empty_id);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    const auto control = openssl_batch(dir, "verify", k_control, {});
    for (std::size_t i = 0; i < k_control; ++i) {
        EXPECT_EQ(control[i], "OK") << "control message " << i
                                    << ": Yinxin empty-ID signature rejected by the CLI without distid";
    }
}

TEST(CrosscheckOpenssl, CliSignaturesVerifyUnderYinxin) {
    ASSERT_TRUE(openssl_available());
    ScratchDir dir;
    openssl_keygen(dir, /*use_ecparam=*/false);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    const auto loaded = load_openssl_public_key(dir);
    ASSERT_TRUE(loaded.has_value());
    const Sm2PublicKey& pub = *loaded;
    const auto verifier = Sm2Verifier::create(pub);
    ASSERT_TRUE(verifier.ok());

    const auto messages = random_messages(k_seed + 2, k_count, 0, 4096);
    write_messages(dir, messages);
    const auto signed_ok = openssl_batch(dir, "sign", k_count, {"-pkeyopt", k_distid_default});
    for (std::size_t i = 0; i < k_count; ++i) {
        ASSERT_EQ(signed_ok[i], "OK") << "message " << i << ": openssl pkeyutl -sign failed";
        const Bytes sig = read_file(dir / ("sig" + std::to_string(i)));
        const Status s = sm2_verify(pub, messages[i], sig);  // the default ID
        EXPECT_TRUE(s.ok()) << "message " << i << " (" << messages[i].size()
                            << " bytes), sm2_verify: " << s.error().to_string();
        const Status v = verifier->verify(messages[i], sig);
        EXPECT_TRUE(v.ok()) << "message " << i << ", Sm2Verifier: " << v.error().to_string();
        // The same signature as raw r||s (SDF/SKF blobs) must verify too.
        const auto raw = der_to_raw(sig);
        ASSERT_TRUE(raw.ok()) << "message " << i << ": " << raw.error().to_string();
        const Status r = sm2_verify(pub, messages[i], *raw);
        EXPECT_TRUE(r.ok()) << "message " << i << ", raw r||s: " << r.error().to_string();
    }
}

// CLI signatures made with OpenSSL 3.0's default (empty) ID must fail Yinxin's default-ID verify;
// verifying them with an explicit empty ID is the control that the signatures themselves are sound.
// The key comes from `ecparam -genkey`, the other way users make SM2 keys with the CLI.
TEST(CrosscheckOpenssl, CliEmptyIdSignaturesFailUnderYinxinDefaultId) {
    ASSERT_TRUE(openssl_available());
    ScratchDir dir;
    openssl_keygen(dir, /*use_ecparam=*/true);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    const auto loaded = load_openssl_public_key(dir);
    ASSERT_TRUE(loaded.has_value());
    const Sm2PublicKey& pub = *loaded;

    const auto messages = random_messages(k_seed + 3, k_count, 0, 4096);
    write_messages(dir, messages);
    const auto signed_ok = openssl_batch(dir, "sign", k_count, {});  // no distid: the empty ID
    for (std::size_t i = 0; i < k_count; ++i) {
        ASSERT_EQ(signed_ok[i], "OK") << "message " << i << ": openssl pkeyutl -sign failed";
        const Bytes sig = read_file(dir / ("sig" + std::to_string(i)));
        EXPECT_EQ(errc_name(sm2_verify(pub, messages[i], sig).code()), errc_name(Errc::crypto_signature_invalid))
            << "message " << i << ": an empty-ID CLI signature passed (or broke) Yinxin's default-ID verify";
        const Status control = sm2_verify(pub, messages[i], sig, "");
        EXPECT_TRUE(control.ok()) << "message " << i << ": empty-ID control: " << control.error().to_string();
    }
}

}  // namespace
}  // namespace yinxin::crypto
