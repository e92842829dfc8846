// The PKCS#11 backend against a private SoftHSM2 token (Debian softhsm2). Each test makes its own
// token directory and SOFTHSM2_CONF, so nothing outside the temp dir is touched. Without SoftHSM2
// the tests FAIL (CI installs it; scripts/install-deps.sh).
#include "yinxin/device/pkcs11_device.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <fstream>

#include "device_test_util.h"
#include "pkcs11_api.h"  // src/device: the p11-kit header with its lower-case macros removed
#include "yinxin/crypto/foreign.h"
#include "yinxin/device/device.h"

namespace yinxin::device {
namespace {

using testing::k_test_iterations;
using testing::TempDir;

constexpr const char* k_module = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* k_token = "yinxin-test";
constexpr const char* k_user_pin = "87654321";
constexpr std::string_view k_key_pin = "key-pin-12345";

bool on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= p.size()) {
        const auto end = p.find(':', start);
        const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!dir.empty() && std::filesystem::exists(dir + "/" + program)) return true;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return false;
}

class Pkcs11DeviceTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(std::filesystem::exists(k_module))
            << "SoftHSM2 is not installed (" << k_module << " is missing): apt-get install softhsm2";
        ASSERT_TRUE(on_path("softhsm2-util")) << "softhsm2-util is not on PATH: apt-get install softhsm2";
        std::filesystem::create_directory(m_dir.path() / "tokens");
        const std::string conf = m_dir.file("softhsm2.conf");
        std::ofstream(conf) << "directories.tokendir = " << (m_dir.path() / "tokens").string() << "\n"
                            << "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n";
        ASSERT_EQ(setenv("SOFTHSM2_CONF", conf.c_str(), 1), 0);
        const std::string cmd = std::string("softhsm2-util --init-token --free --label ") + k_token +
                                " --so-pin 1234567890 --pin " + k_user_pin + " > " + m_dir.file("init.log") + " 2>&1";
        ASSERT_EQ(std::system(cmd.c_str()), 0)
            << "softhsm2-util failed: " << to_string(testing::read_file_or_empty(m_dir.file("init.log")));
    }

    DeviceConfig config() const {
        DeviceConfig c;
        c.location = k_module;
        c.token_label = k_token;
        c.user_pin = k_user_pin;
        c.pbkdf2_iterations = k_test_iterations;
        return c;
    }
    std::unique_ptr<Device> open() {
        auto r = open_device("pkcs11", config());
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return r.ok() ? std::move(r).value() : nullptr;
    }

    TempDir m_dir;
};

TEST_F(Pkcs11DeviceTest, OpensTokenByLabelAndRefusesWrongPinOrLabel) {
    auto dev = open();
    ASSERT_TRUE(dev);
    const auto info = dev->info();
    EXPECT_EQ(info.backend, "pkcs11");
    EXPECT_EQ(info.state, DeviceState::unlocked);
    EXPECT_FALSE(info.device_id.empty());
    EXPECT_NE(info.description.find(k_token), std::string::npos);
    EXPECT_EQ(info.key_count, 0u);
    EXPECT_EQ(dev->custodian_control(), nullptr);
    dev.reset();

    auto c = config();
    c.user_pin = "00000000";
    EXPECT_EQ(open_device("pkcs11", c).code(), Errc::device_wrong_pin);
    c = config();
    c.token_label = "no-such-token";
    auto r = open_device("pkcs11", c);
    ASSERT_EQ(r.code(), Errc::device_token_not_found);
    EXPECT_NE(r.error().message.find(k_token), std::string::npos) << r.error().message;
    c = config();
    c.location = "/nonexistent/libpkcs11.so";
    EXPECT_EQ(open_device("pkcs11", c).code(), Errc::device_module_error);
}

TEST_F(Pkcs11DeviceTest, EcdsaP256SignatureVerifies) {
    auto dev = open();
    ASSERT_TRUE(dev);
    auto g = dev->generate_key_pair(KeyAlgorithm::ecdsa_p256, "tls-p256", k_key_pin);
    ASSERT_TRUE(g.ok()) << g.error().to_string();
    EXPECT_EQ(g->key.index, 1u);
    EXPECT_EQ(g->event.action, "device.key.generate");
    auto spki = dev->export_public_key(1);
    ASSERT_TRUE(spki.ok()) << spki.error().to_string();
    EXPECT_EQ(*spki, g->key.public_key);

    const Bytes msg = to_bytes("interop message");
    EXPECT_EQ(dev->sign(1, msg).code(), Errc::device_no_access_right);
    EXPECT_EQ(dev->get_private_key_access_right(1, "wrong-pin-0").code(), Errc::device_wrong_pin);
    ASSERT_TRUE(dev->get_private_key_access_right(1, k_key_pin).ok());
    auto sig = dev->sign(1, msg);
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    EXPECT_EQ((*sig)[0], 0x30);  // DER SEQUENCE, converted from the token's raw r || s
    EXPECT_TRUE(crypto::verify_foreign(*spki, crypto::ForeignAlgorithm::ecdsa_sha256, msg, *sig).ok());
    EXPECT_FALSE(crypto::verify_foreign(*spki, crypto::ForeignAlgorithm::ecdsa_sha256, to_bytes("other"), *sig).ok());

    ASSERT_TRUE(dev->release_private_key_access_right(1).ok());
    EXPECT_EQ(dev->sign(1, msg).code(), Errc::device_no_access_right);
}

TEST_F(Pkcs11DeviceTest, Rsa2048SignatureVerifies) {
    auto dev = open();
    ASSERT_TRUE(dev);
    auto g = dev->generate_key_pair(KeyAlgorithm::rsa_2048, "legacy-rsa", k_key_pin);
    ASSERT_TRUE(g.ok()) << g.error().to_string();
    ASSERT_TRUE(dev->get_private_key_access_right(g->key.index, k_key_pin).ok());
    const Bytes msg = to_bytes("rsa message");
    auto sig = dev->sign(g->key.index, msg);
    ASSERT_TRUE(sig.ok()) << sig.error().to_string();
    EXPECT_EQ(sig->size(), 256u);
    EXPECT_TRUE(crypto::verify_foreign(g->key.public_key, crypto::ForeignAlgorithm::rsa_pkcs1_sha256, msg, *sig).ok());
    EXPECT_FALSE(
        crypto::verify_foreign(g->key.public_key, crypto::ForeignAlgorithm::rsa_pkcs1_sha256, to_bytes("x"), *sig)
            .ok());
}

TEST_F(Pkcs11DeviceTest, Sm2AndDecryptAreUnsupported) {
    auto dev = open();
    ASSERT_TRUE(dev);
    auto r = dev->generate_key_pair(KeyAlgorithm::sm2, "sm2", k_key_pin);
    ASSERT_EQ(r.code(), Errc::device_unsupported_algorithm);
    EXPECT_NE(r.error().message.find("SM2"), std::string::npos);
    auto g = dev->generate_key_pair(KeyAlgorithm::ecdsa_p256, "p", k_key_pin);
    ASSERT_TRUE(g.ok());
    ASSERT_TRUE(dev->get_private_key_access_right(g->key.index, k_key_pin).ok());
    EXPECT_EQ(dev->decrypt(g->key.index, to_bytes("ct")).code(), Errc::device_unsupported_algorithm);
}

TEST_F(Pkcs11DeviceTest, KeysPersistOnTheTokenByIndexAndLabel) {
    Bytes p256, rsa;
    {
        auto dev = open();
        ASSERT_TRUE(dev);
        auto a = dev->generate_key_pair(KeyAlgorithm::ecdsa_p256, "a", k_key_pin);
        auto b = dev->generate_key_pair(KeyAlgorithm::rsa_2048, "b", k_key_pin);
        ASSERT_TRUE(a.ok() && b.ok());
        EXPECT_EQ(a->key.index, 1u);
        EXPECT_EQ(b->key.index, 2u);
        p256 = a->key.public_key;
        rsa = b->key.public_key;
        EXPECT_EQ(dev->generate_key_pair(KeyAlgorithm::ecdsa_p256, "a", k_key_pin).code(),
                  Errc::device_duplicate_label);
        EXPECT_EQ(dev->generate_key_pair(KeyAlgorithm::ecdsa_p256, "c", "short").code(), Errc::device_weak_secret);
    }
    auto dev = open();
    ASSERT_TRUE(dev);
    auto keys = dev->list_keys();
    ASSERT_TRUE(keys.ok()) << keys.error().to_string();
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_EQ((*keys)[0].label, "a");
    EXPECT_EQ((*keys)[0].algorithm, KeyAlgorithm::ecdsa_p256);
    EXPECT_EQ((*keys)[0].public_key, p256);
    EXPECT_EQ((*keys)[1].algorithm, KeyAlgorithm::rsa_2048);
    EXPECT_EQ((*keys)[1].public_key, rsa);
    auto b = dev->find_key("b");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->index, 2u);
    EXPECT_FALSE(b->access_right);
    EXPECT_EQ(dev->find_key("zz").code(), Errc::device_key_not_found);
    EXPECT_EQ(dev->export_public_key(9).code(), Errc::device_key_not_found);
    EXPECT_EQ(dev->info().key_count, 2u);
    // Access rights belong to a session: a new device object asks again.
    EXPECT_EQ(dev->sign(2, to_bytes("m")).code(), Errc::device_no_access_right);
    ASSERT_TRUE(dev->get_private_key_access_right(2, k_key_pin).ok());
    EXPECT_TRUE(dev->sign(2, to_bytes("m")).ok());
    EXPECT_EQ(dev->generate_key_pair(KeyAlgorithm::ecdsa_p256, "c", k_key_pin)->key.index, 3u);
}

TEST_F(Pkcs11DeviceTest, RandomBytesComeFromTheToken) {
    auto dev = open();
    ASSERT_TRUE(dev);
    auto a = dev->generate_random(48);
    auto b = dev->generate_random(48);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->size(), 48u);
    EXPECT_NE(*a, *b);
}

// Looks at the generated private key object directly through PKCS#11: it must be sensitive, not
// extractable, and refuse to reveal its value (PKCS#11 v2.40 §4.9).
TEST_F(Pkcs11DeviceTest, PrivateKeyIsSensitiveAndNotExtractable) {
    auto dev = open();
    ASSERT_TRUE(dev);
    auto g = dev->generate_key_pair(KeyAlgorithm::ecdsa_p256, "guarded", k_key_pin);
    ASSERT_TRUE(g.ok());

    void* h = dlopen(k_module, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(h, nullptr);
    auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(h, "C_GetFunctionList"));
    CK_FUNCTION_LIST_PTR fn = nullptr;
    ASSERT_EQ(get_list(&fn), CKR_OK);
    // Already initialised by the device in this process.
    EXPECT_EQ(fn->C_Initialize(nullptr), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    CK_SLOT_ID slots[16];
    CK_ULONG n = 16;
    ASSERT_EQ(fn->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    for (CK_ULONG i = 0; i < n; ++i) {
        CK_TOKEN_INFO ti{};
        fn->C_GetTokenInfo(slots[i], &ti);
        if (std::string(reinterpret_cast<char*>(ti.label), sizeof ti.label).rfind(k_token, 0) == 0) {
            ASSERT_EQ(fn->C_OpenSession(slots[i], CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK);
        }
    }
    ASSERT_NE(s, CK_INVALID_HANDLE);
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    std::uint8_t id[4] = {0, 0, 0, 1};
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id, sizeof id}};
    ASSERT_EQ(fn->C_FindObjectsInit(s, tmpl, 2), CKR_OK);
    CK_OBJECT_HANDLE obj = CK_INVALID_HANDLE;
    CK_ULONG found = 0;
    ASSERT_EQ(fn->C_FindObjects(s, &obj, 1, &found), CKR_OK);
    fn->C_FindObjectsFinal(s);
    ASSERT_EQ(found, 1u);
    CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE, never_extractable = CK_FALSE;
    CK_ATTRIBUTE flags[] = {{CKA_SENSITIVE, &sensitive, sizeof sensitive},
                            {CKA_EXTRACTABLE, &extractable, sizeof extractable},
                            {CKA_NEVER_EXTRACTABLE, &never_extractable, sizeof never_extractable}};
    ASSERT_EQ(fn->C_GetAttributeValue(s, obj, flags, 3), CKR_OK);
    EXPECT_EQ(sensitive, CK_TRUE);
    EXPECT_EQ(extractable, CK_FALSE);
    EXPECT_EQ(never_extractable, CK_TRUE);
    std::uint8_t value[128];
    CK_ATTRIBUTE secret{CKA_VALUE, value, sizeof value};
    EXPECT_EQ(fn->C_GetAttributeValue(s, obj, &secret, 1), CKR_ATTRIBUTE_SENSITIVE);
    fn->C_CloseSession(s);
    dlclose(h);
}

TEST(DeviceRegistryTest, BuiltInBackendsAndCustomOnes) {
    auto names = registered_backends();
    EXPECT_NE(std::find(names.begin(), names.end(), "soft"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "pkcs11"), names.end());
    auto unknown = open_device("sdf-vendor-x", {});
    ASSERT_EQ(unknown.code(), Errc::device_unknown_backend);
    EXPECT_NE(unknown.error().message.find("soft"), std::string::npos);

    EXPECT_EQ(register_backend("soft",
                               [](const DeviceConfig&) -> Result<std::unique_ptr<Device>> {
                                   return make_error(Errc::internal, "x");
                               })
                  .code(),
              Errc::invalid_argument);
    ASSERT_TRUE(register_backend("test-null", [](const DeviceConfig& c) -> Result<std::unique_ptr<Device>> {
                    return make_error(Errc::unsupported, "null backend for " + c.location);
                }).ok());
    DeviceConfig here;
    here.location = "here";
    auto r = open_device("test-null", here);
    EXPECT_EQ(r.code(), Errc::unsupported);
    EXPECT_NE(r.error().message.find("here"), std::string::npos);

    TempDir dir;
    DeviceConfig soft;
    soft.location = dir.file("soft.db");
    soft.pbkdf2_iterations = k_test_iterations;
    auto dev = open_device("soft", soft);
    ASSERT_TRUE(dev.ok()) << dev.error().to_string();
    EXPECT_EQ((*dev)->info().backend, "soft");
    EXPECT_NE((*dev)->custodian_control(), nullptr);
}

TEST(DeviceNamesTest, AlgorithmAndStateNames) {
    for (auto alg : {KeyAlgorithm::sm2, KeyAlgorithm::ecdsa_p256, KeyAlgorithm::rsa_2048})
        EXPECT_EQ(parse_key_algorithm(key_algorithm_name(alg)).value(), alg);
    EXPECT_EQ(parse_key_algorithm("dsa").code(), Errc::device_unsupported_algorithm);
    EXPECT_EQ(device_state_name(DeviceState::unlocked), "unlocked");
    EXPECT_EQ(errc_name(Errc::device_wrong_password), "device.wrong_password");
    EXPECT_EQ(static_cast<int>(Errc::device_not_initialised), 7001);
}

}  // namespace
}  // namespace yinxin::device
