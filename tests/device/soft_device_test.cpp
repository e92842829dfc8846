// The soft device: custodian ceremonies (LD/T 03-2022 §8.3.6 b, d), the SDF-shaped key
// operations, persistence, crash points and what the store file contains.
#include "yinxin/device/soft_device.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "device_test_util.h"
#include "yinxin/crypto/foreign.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm2_cipher.h"
#include "yinxin/device/custodian.h"
#include "yinxin/device/device.h"

namespace yinxin::device {
namespace {

using testing::custodians;
using testing::first_five;
using testing::k_test_iterations;
using testing::second_five;
using testing::TempDir;

constexpr std::string_view k_pin = "key-pin-12345";

std::vector<Credential> pick(const std::vector<Credential>& all, std::initializer_list<std::size_t> idx) {
    std::vector<Credential> out;
    for (auto i : idx) out.push_back(all[i]);
    return out;
}

class SoftDeviceTest : public ::testing::Test {
protected:
    std::unique_ptr<Device> open(SoftDeviceOptions o = {}) {
        o.pbkdf2_iterations = k_test_iterations;
        auto r = open_soft_device(m_store, std::move(o));
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return std::move(r).value();
    }
    std::unique_ptr<Device> open_initialised() {
        auto dev = open();
        auto ev = dev->custodian_control()->init(first_five(), 3, unchecked_custodian_policy());
        EXPECT_TRUE(ev.ok()) << ev.error().to_string();
        return dev;
    }
    std::unique_ptr<Device> open_unlocked() {
        auto dev = open_initialised();
        auto ev = dev->custodian_control()->unlock(pick(first_five(), {0, 1, 2}));
        EXPECT_TRUE(ev.ok()) << ev.error().to_string();
        return dev;
    }
    KeyIndex generate(Device& dev, const std::string& label) {
        auto g = dev.generate_key_pair(KeyAlgorithm::sm2, label, k_pin);
        EXPECT_TRUE(g.ok()) << g.error().to_string();
        return g.ok() ? g->key.index : 0;
    }

    TempDir m_dir;
    std::string m_store = m_dir.file("device.db");
};

TEST_F(SoftDeviceTest, InitSplitsAmongFiveAndLeavesDeviceLocked) {
    auto dev = open();
    EXPECT_EQ(dev->info().state, DeviceState::uninitialised);
    ASSERT_NE(dev->custodian_control(), nullptr);

    auto ev = dev->custodian_control()->init(first_five(), 3, unchecked_custodian_policy());
    ASSERT_TRUE(ev.ok()) << ev.error().to_string();
    EXPECT_EQ(ev->action, "device.init");
    EXPECT_EQ(ev->backend, "soft");
    EXPECT_EQ(ev->custodians, (std::vector<std::string>{"alice", "bob", "carol", "dave", "erin"}));
    EXPECT_EQ(ev->device_id.size(), 32u);

    const auto info = dev->info();
    EXPECT_EQ(info.state, DeviceState::locked);  // the master key was forgotten
    EXPECT_EQ(info.device_id, ev->device_id);
    EXPECT_EQ(info.threshold, 3u);
    EXPECT_EQ(info.share_generation, 1u);
    EXPECT_EQ(info.custodians, ev->custodians);
    EXPECT_EQ(info.key_count, 0u);

    auto again = dev->custodian_control()->init(first_five(), 3, unchecked_custodian_policy());
    EXPECT_EQ(again.code(), Errc::device_already_initialised);
}

TEST_F(SoftDeviceTest, InitRefusesAnythingButThreeOfFive) {
    auto dev = open();
    auto* cc = dev->custodian_control();
    auto four = custodians({"a1", "b1", "c1", "d1"});
    EXPECT_EQ(cc->init(four, 3, unchecked_custodian_policy()).code(), Errc::invalid_argument);
    EXPECT_EQ(cc->init(first_five(), 2, unchecked_custodian_policy()).code(), Errc::invalid_argument);
    auto dup = custodians({"a1", "b1", "c1", "d1", "a1"});
    EXPECT_EQ(cc->init(dup, 3, unchecked_custodian_policy()).code(), Errc::invalid_argument);
    auto colon = custodians({"a:1", "b1", "c1", "d1", "e1"});
    EXPECT_EQ(cc->init(colon, 3, unchecked_custodian_policy()).code(), Errc::invalid_argument);
    auto weak = first_five();
    weak[3].secret = "short";
    auto r = cc->init(weak, 3, unchecked_custodian_policy());
    EXPECT_EQ(r.code(), Errc::device_weak_secret);
    EXPECT_NE(r.error().message.find("dave"), std::string::npos);
    EXPECT_EQ(cc->init(first_five(), 3, CustodianPolicy{}).code(), Errc::invalid_argument);
    EXPECT_EQ(dev->info().state, DeviceState::uninitialised);
}

TEST_F(SoftDeviceTest, CustodianPolicyRefusesStaffWithConflictingRoles) {
    // Stub for the staff module: mallory is a business admin (LD/T 03-2022 §8.3.6 d b 2).
    CustodianPolicy policy = [](std::string_view name) -> Status {
        if (name == "mallory") return make_error(Errc::invalid_argument, "mallory holds the business admin role");
        return ok_status();
    };
    auto dev = open();
    auto set = custodians({"alice", "bob", "mallory", "dave", "erin"});
    auto r = dev->custodian_control()->init(set, 3, policy);
    ASSERT_EQ(r.code(), Errc::device_custodian_refused);
    EXPECT_NE(r.error().message.find("mallory"), std::string::npos);
    EXPECT_NE(r.error().message.find("business admin"), std::string::npos);
    EXPECT_EQ(dev->info().state, DeviceState::uninitialised);  // nothing written

    ASSERT_TRUE(dev->custodian_control()->init(first_five(), 3, policy).ok());
    // The same hook guards reshare.
    auto r2 = dev->custodian_control()->reshare(pick(first_five(), {0, 1, 2}), set, policy);
    EXPECT_EQ(r2.code(), Errc::device_custodian_refused);
    EXPECT_EQ(dev->info().custodians, (std::vector<std::string>{"alice", "bob", "carol", "dave", "erin"}));
}

TEST_F(SoftDeviceTest, EveryThreeOfFiveUnlocks) {
    auto dev = open_initialised();
    const auto all = first_five();
    int subsets = 0;
    for (std::size_t a = 0; a < 5; ++a)
        for (std::size_t b = a + 1; b < 5; ++b)
            for (std::size_t c = b + 1; c < 5; ++c) {
                auto ev = dev->custodian_control()->unlock(pick(all, {c, a, b}));  // order does not matter
                ASSERT_TRUE(ev.ok()) << a << b << c << ": " << ev.error().to_string();
                EXPECT_EQ(ev->action, "device.unlock");
                EXPECT_EQ(ev->custodians.size(), 3u);
                EXPECT_EQ(dev->info().state, DeviceState::unlocked);
                auto lk = dev->custodian_control()->lock();
                EXPECT_EQ(lk.action, "device.lock");
                EXPECT_EQ(dev->info().state, DeviceState::locked);
                ++subsets;
            }
    EXPECT_EQ(subsets, 10);
    EXPECT_TRUE(dev->custodian_control()->unlock(pick(all, {0, 1, 2, 3})).ok());
    EXPECT_TRUE(dev->custodian_control()->unlock(all).ok());
}

TEST_F(SoftDeviceTest, TwoSharesAreRefused) {
    auto dev = open_initialised();
    auto r = dev->custodian_control()->unlock(pick(first_five(), {0, 4}));
    ASSERT_EQ(r.code(), Errc::device_insufficient_shares);
    EXPECT_NE(r.error().message.find("3 of 5"), std::string::npos) << r.error().message;
    EXPECT_EQ(dev->info().state, DeviceState::locked);
    EXPECT_EQ(dev->custodian_control()->unlock({}).code(), Errc::device_insufficient_shares);
}

TEST_F(SoftDeviceTest, WrongPasswordNamesTheCustodian) {
    auto dev = open_initialised();
    auto shares = pick(first_five(), {0, 1, 2});
    shares[1].secret = "not-bobs-password";
    auto r = dev->custodian_control()->unlock(shares);
    ASSERT_EQ(r.code(), Errc::device_wrong_password);
    EXPECT_NE(r.error().message.find("bob"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("alice"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("carol"), std::string::npos) << r.error().message;
    EXPECT_EQ(dev->info().state, DeviceState::locked);

    auto stranger = pick(first_five(), {0, 1});
    stranger.emplace_back("zed", "zed-secret-passphrase");
    auto u = dev->custodian_control()->unlock(stranger);
    EXPECT_EQ(u.code(), Errc::device_unknown_custodian);
    EXPECT_NE(u.error().message.find("zed"), std::string::npos);

    auto twice = pick(first_five(), {0, 0, 1});
    EXPECT_EQ(dev->custodian_control()->unlock(twice).code(), Errc::invalid_argument);
}

TEST_F(SoftDeviceTest, Sm2SignatureWithExplicitIdVerifies) {
    auto dev = open_unlocked();
    auto g = dev->generate_key_pair(KeyAlgorithm::sm2, "ca-root", k_pin);
    ASSERT_TRUE(g.ok()) << g.error().to_string();
    EXPECT_EQ(g->key.index, 1u);
    EXPECT_EQ(g->event.action, "device.key.generate");
    EXPECT_EQ(g->event.key_index, std::optional<KeyIndex>(1));
    EXPECT_EQ(g->event.key_label, "ca-root");

    auto spki = dev->export_public_key(1);
    ASSERT_TRUE(spki.ok());
    EXPECT_EQ(*spki, g->key.public_key);
    auto pub = crypto::Sm2PublicKey::from_spki_der(*spki);
    ASSERT_TRUE(pub.ok()) << pub.error().to_string();

    ASSERT_TRUE(dev->get_private_key_access_right(1, k_pin).ok());
    const Bytes msg = to_bytes("TBSCertificate bytes");
    auto sig = dev->sign(1, msg);  // default ID 1234567812345678
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    EXPECT_TRUE(crypto::sm2_verify(*pub, msg, *sig).ok());
    EXPECT_TRUE(crypto::sm2_verify(*pub, msg, *sig, crypto::k_default_sm2_id).ok());
    // gm-and-seal-formats.md §6.1: a verifier using OpenSSL's empty default ID must fail.
    EXPECT_EQ(crypto::sm2_verify(*pub, msg, *sig, "").code(), Errc::crypto_signature_invalid);

    auto sig2 = dev->sign(1, msg, "seal-signer@example.gov.cn");
    ASSERT_TRUE(sig2.ok());
    EXPECT_TRUE(crypto::sm2_verify(*pub, msg, *sig2, "seal-signer@example.gov.cn").ok());
    EXPECT_FALSE(crypto::sm2_verify(*pub, msg, *sig2).ok());
}

// The TLS CA's key: ECDSA P-256 with SHA-256, checked by OpenSSL's own verifier (verify_foreign),
// sealed and reloaded like an SM2 key, and refused for SM2 decryption.
TEST_F(SoftDeviceTest, EcdsaP256KeySignsWithSha256AndSurvivesReopening) {
    const Bytes msg = to_bytes("tbsCertificate of the HTTPS server");
    Bytes spki;
    KeyIndex idx = 0;
    {
        auto dev = open_unlocked();
        auto g = dev->generate_key_pair(KeyAlgorithm::ecdsa_p256, "tls-root", k_pin);
        ASSERT_TRUE(g.ok()) << g.error().to_string();
        EXPECT_EQ(g->key.algorithm, KeyAlgorithm::ecdsa_p256);
        EXPECT_EQ(g->event.algorithm, std::optional<KeyAlgorithm>(KeyAlgorithm::ecdsa_p256));
        spki = g->key.public_key;
        idx = g->key.index;
        EXPECT_EQ(dev->sign(idx, msg).code(), Errc::device_no_access_right);
        ASSERT_TRUE(dev->get_private_key_access_right(idx, k_pin).ok());
        auto sig = dev->sign(idx, msg);
        ASSERT_TRUE(sig.ok()) << sig.error().to_string();
        EXPECT_TRUE(crypto::verify_foreign(spki, crypto::ForeignAlgorithm::ecdsa_sha256, msg, *sig).ok());
        EXPECT_FALSE(crypto::verify_foreign(spki, crypto::ForeignAlgorithm::ecdsa_sha256, to_bytes("x"), *sig).ok());
        EXPECT_EQ(dev->decrypt(idx, to_bytes("ct")).code(), Errc::device_unsupported_algorithm);
        const auto algs = dev->info().algorithms;
        EXPECT_NE(std::find(algs.begin(), algs.end(), KeyAlgorithm::ecdsa_p256), algs.end());
    }
    auto dev = open();
    ASSERT_TRUE(dev->custodian_control()->unlock(pick(first_five(), {1, 2, 3})).ok());
    auto found = dev->find_key("tls-root");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->algorithm, KeyAlgorithm::ecdsa_p256);
    EXPECT_EQ(found->public_key, spki);
    ASSERT_TRUE(dev->get_private_key_access_right(idx, k_pin).ok());
    auto sig = dev->sign(idx, msg);
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(crypto::verify_foreign(spki, crypto::ForeignAlgorithm::ecdsa_sha256, msg, *sig).ok());
}

TEST_F(SoftDeviceTest, DecryptsSm2Cipher) {
    auto dev = open_unlocked();
    const KeyIndex idx = generate(*dev, "enc");
    auto pub = crypto::Sm2PublicKey::from_spki_der(*dev->export_public_key(idx));
    ASSERT_TRUE(pub.ok());
    const Bytes secret = to_bytes("session key 0123456789abcdef");
    auto ct = crypto::sm2_encrypt(*pub, secret);
    ASSERT_TRUE(ct.ok());
    EXPECT_EQ(dev->decrypt(idx, *ct).code(), Errc::device_no_access_right);
    ASSERT_TRUE(dev->get_private_key_access_right(idx, k_pin).ok());
    auto pt = dev->decrypt(idx, *ct);
    ASSERT_TRUE(pt.ok()) << pt.error().to_string();
    EXPECT_EQ(Bytes(pt->begin(), pt->end()), secret);
    Bytes bad = *ct;
    bad[bad.size() - 1] ^= 1;
    EXPECT_FALSE(dev->decrypt(idx, bad).ok());
}

TEST_F(SoftDeviceTest, AccessRightIsRequiredAndCheckedWithThePin) {
    auto dev = open_unlocked();
    const KeyIndex idx = generate(*dev, "ocsp");
    const Bytes msg = to_bytes("m");
    auto r = dev->sign(idx, msg);
    ASSERT_EQ(r.code(), Errc::device_no_access_right);
    EXPECT_NE(r.error().message.find("GetPrivateKeyAccessRight"), std::string::npos);

    EXPECT_EQ(dev->get_private_key_access_right(idx, "wrong-pin-000").code(), Errc::device_wrong_pin);
    EXPECT_EQ(dev->get_private_key_access_right(99, k_pin).code(), Errc::device_key_not_found);
    auto grant = dev->get_private_key_access_right(idx, k_pin);
    ASSERT_TRUE(grant.ok());
    EXPECT_EQ(grant->action, "device.key.access_granted");
    EXPECT_TRUE(dev->find_key("ocsp")->access_right);
    EXPECT_TRUE(dev->sign(idx, msg).ok());

    auto rel = dev->release_private_key_access_right(idx);
    ASSERT_TRUE(rel.ok());
    EXPECT_EQ(rel->action, "device.key.access_released");
    EXPECT_EQ(dev->sign(idx, msg).code(), Errc::device_no_access_right);
    EXPECT_EQ(dev->sign(42, msg).code(), Errc::device_no_access_right);
}

TEST_F(SoftDeviceTest, KeysAreAddressedByIndexAndLabel) {
    auto dev = open_unlocked();
    EXPECT_EQ(generate(*dev, "a"), 1u);
    EXPECT_EQ(generate(*dev, "b"), 2u);
    EXPECT_EQ(dev->generate_key_pair(KeyAlgorithm::sm2, "a", k_pin).code(), Errc::device_duplicate_label);
    EXPECT_EQ(dev->generate_key_pair(KeyAlgorithm::rsa_2048, "c", k_pin).code(), Errc::device_unsupported_algorithm);
    EXPECT_EQ(dev->generate_key_pair(KeyAlgorithm::sm2, "c", "1234").code(), Errc::device_weak_secret);
    EXPECT_EQ(dev->generate_key_pair(KeyAlgorithm::sm2, "", k_pin).code(), Errc::invalid_argument);
    auto keys = dev->list_keys();
    ASSERT_TRUE(keys.ok());
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_EQ((*keys)[1].label, "b");
    EXPECT_EQ((*keys)[1].algorithm, KeyAlgorithm::sm2);
    auto b = dev->find_key("b");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->index, 2u);
    EXPECT_EQ(b->public_key, *dev->export_public_key(2));
    EXPECT_EQ(dev->find_key("zz").code(), Errc::device_key_not_found);
    EXPECT_EQ(dev->export_public_key(7).code(), Errc::device_key_not_found);
    EXPECT_EQ(dev->info().key_count, 2u);
}

TEST_F(SoftDeviceTest, LockedDeviceRefusesKeyWork) {
    auto dev = open_initialised();
    EXPECT_EQ(dev->generate_key_pair(KeyAlgorithm::sm2, "x", k_pin).code(), Errc::device_locked);
    TempDir other;
    auto blank = open_soft_device(other.file("blank.db"), {});
    ASSERT_TRUE(blank.ok());
    EXPECT_EQ((*blank)->generate_key_pair(KeyAlgorithm::sm2, "x", k_pin).code(), Errc::device_not_initialised);
    EXPECT_EQ((*blank)->custodian_control()->unlock(pick(first_five(), {0, 1, 2})).code(),
              Errc::device_not_initialised);
}

TEST_F(SoftDeviceTest, LockWipesKekAndAccessRights) {
    auto dev = open_unlocked();
    const KeyIndex idx = generate(*dev, "k");
    ASSERT_TRUE(dev->get_private_key_access_right(idx, k_pin).ok());
    ASSERT_TRUE(dev->sign(idx, to_bytes("m")).ok());

    auto ev = dev->custodian_control()->lock();
    EXPECT_NE(ev.detail.find("1 access right"), std::string::npos) << ev.detail;
    EXPECT_EQ(dev->info().state, DeviceState::locked);
    EXPECT_EQ(dev->sign(idx, to_bytes("m")).code(), Errc::device_locked);
    EXPECT_EQ(dev->get_private_key_access_right(idx, k_pin).code(), Errc::device_locked);
    EXPECT_FALSE(dev->find_key("k")->access_right);

    // Unlocking again does not bring the access right back: it is asked for anew.
    ASSERT_TRUE(dev->custodian_control()->unlock(pick(first_five(), {2, 3, 4})).ok());
    EXPECT_EQ(dev->sign(idx, to_bytes("m")).code(), Errc::device_no_access_right);
    ASSERT_TRUE(dev->get_private_key_access_right(idx, k_pin).ok());
    EXPECT_TRUE(dev->sign(idx, to_bytes("m")).ok());
}

TEST_F(SoftDeviceTest, ReshareMovesTheMasterKeyToNewCustodians) {
    auto dev = open_unlocked();
    const KeyIndex idx = generate(*dev, "root");
    const Bytes spki = *dev->export_public_key(idx);
    const std::string id = dev->info().device_id;
    dev->custodian_control()->lock();

    // A wrong password among the present custodians changes nothing.
    auto present = pick(first_five(), {1, 3, 4});
    auto bad = present;
    bad[0].secret = "wrong-password";
    EXPECT_EQ(dev->custodian_control()->reshare(bad, second_five(), unchecked_custodian_policy()).code(),
              Errc::device_wrong_password);
    EXPECT_EQ(dev->custodian_control()
                  ->reshare(pick(first_five(), {1, 3}), second_five(), unchecked_custodian_policy())
                  .code(),
              Errc::device_insufficient_shares);
    EXPECT_EQ(dev->info().share_generation, 1u);

    auto ev = dev->custodian_control()->reshare(present, second_five(), unchecked_custodian_policy());
    ASSERT_TRUE(ev.ok()) << ev.error().to_string();
    EXPECT_EQ(ev->action, "device.reshare");
    EXPECT_EQ(ev->custodians, (std::vector<std::string>{"frank", "grace", "heidi", "ivan", "judy"}));
    EXPECT_NE(ev->detail.find("bob, dave, erin"), std::string::npos) << ev->detail;
    EXPECT_EQ(dev->info().share_generation, 2u);
    EXPECT_EQ(dev->info().custodians, ev->custodians);
    EXPECT_EQ(dev->info().device_id, id);

    EXPECT_EQ(dev->custodian_control()->unlock(pick(first_five(), {0, 1, 2})).code(), Errc::device_unknown_custodian);
    EXPECT_EQ(dev->info().state, DeviceState::locked);
    ASSERT_TRUE(dev->custodian_control()->unlock(pick(second_five(), {0, 2, 4})).ok());

    // Same master key: the existing key still opens.
    ASSERT_TRUE(dev->get_private_key_access_right(idx, k_pin).ok());
    auto sig = dev->sign(idx, to_bytes("after reshare"));
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(crypto::sm2_verify(*crypto::Sm2PublicKey::from_spki_der(spki), to_bytes("after reshare"), *sig).ok());

    // A custodian who stays on keeps a role only with the new password and share.
    auto mixed = custodians({"alice", "grace", "heidi", "ivan", "judy"});
    mixed[0].secret = "alice-new-passphrase";
    ASSERT_TRUE(
        dev->custodian_control()->reshare(pick(second_five(), {1, 2, 3}), mixed, unchecked_custodian_policy()).ok());
    auto old_alice = pick(first_five(), {0});
    old_alice.push_back(mixed[1]);
    old_alice.push_back(mixed[2]);
    EXPECT_EQ(dev->custodian_control()->unlock(old_alice).code(), Errc::device_wrong_password);
    EXPECT_TRUE(dev->custodian_control()->unlock(pick(mixed, {0, 1, 2})).ok());
}

TEST_F(SoftDeviceTest, ReopenedStoreUnlocksAndSignsWithTheSameKey) {
    Bytes spki;
    {
        auto dev = open_unlocked();
        generate(*dev, "first");
        const KeyIndex idx = generate(*dev, "second");
        spki = *dev->export_public_key(idx);
    }
    auto dev = open();
    EXPECT_EQ(dev->info().state, DeviceState::locked);
    auto keys = dev->list_keys();
    ASSERT_TRUE(keys.ok());
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_EQ((*keys)[1].public_key, spki);
    EXPECT_EQ(dev->get_private_key_access_right(2, k_pin).code(), Errc::device_locked);
    ASSERT_TRUE(dev->custodian_control()->unlock(pick(first_five(), {4, 3, 0})).ok());
    ASSERT_TRUE(dev->get_private_key_access_right(2, k_pin).ok());
    const Bytes msg = to_bytes("reopened");
    auto sig = dev->sign(2, msg);
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(crypto::sm2_verify(*crypto::Sm2PublicKey::from_spki_der(spki), msg, *sig).ok());
    EXPECT_EQ(generate(*dev, "third"), 3u);
}

TEST_F(SoftDeviceTest, RandomBytes) {
    auto dev = open();
    auto a = dev->generate_random(32);
    auto b = dev->generate_random(32);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->size(), 32u);
    EXPECT_NE(*a, *b);
    EXPECT_EQ(dev->generate_random((1u << 20) + 1).code(), Errc::limit_exceeded);
}

TEST_F(SoftDeviceTest, OpeningRulesForStoreFiles) {
    TempDir other;
    const std::string empty = other.file("empty.db");
    std::ofstream(empty) << "";  // an empty file becomes a fresh store
    EXPECT_TRUE(open_soft_device(empty, {}).ok());

    const std::string junk = other.file("junk.db");
    std::ofstream(junk) << "this is not an SQLite database at all, only some text to fill a page or two";
    EXPECT_FALSE(open_soft_device(junk, {}).ok());

    SoftDeviceOptions no_create;
    no_create.create_if_missing = false;
    EXPECT_EQ(open_soft_device(other.file("missing.db"), no_create).code(), Errc::not_found);
    EXPECT_FALSE(std::filesystem::exists(other.file("missing.db")));
    EXPECT_EQ(open_soft_device("", {}).code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace yinxin::device
