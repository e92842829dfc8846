// The crypto-device boundary (ARCHITECTURE.md "device"), shaped after GM/T 0018 (GB/T 36322) SDF:
// key pairs live inside a device, addressed by index (and by label), are generated inside, and
// are used through "internal" operations after GetPrivateKeyAccessRight. A private key never
// crosses this interface (gm-and-seal-formats.md §5; LD/T 03-2022 §8.3.6 a 1: "密钥的生成和使用应在
// 硬件密码设备中完成").
//
// Backends are chosen by name from a registry (STYLE.md 8): "soft" (an SQLite key store encrypted
// under a master key split 3-of-5 among custodians, soft_device.h) and "pkcs11" (a PKCS#11 module
// loaded at run time, pkcs11_device.h). An SDF vendor library can be registered the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/base/secure.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::device {

enum class KeyAlgorithm {
    sm2,         // GB/T 32918, signatures with an explicit signer ID, SM2Cipher decryption
    ecdsa_p256,  // ECDSA over P-256 with SHA-256 (foreign-certificate interop)
    rsa_2048,    // RSASSA-PKCS1-v1_5 with SHA-256
};
// "sm2", "ecdsa-p256", "rsa-2048"; parse_key_algorithm accepts exactly these.
std::string_view key_algorithm_name(KeyAlgorithm alg) noexcept;
Result<KeyAlgorithm> parse_key_algorithm(std::string_view name);

enum class DeviceState {
    uninitialised,  // soft: no master key yet (run the custodian ceremony, CustodianControl::init)
    locked,         // keys are stored but cannot be used
    unlocked,       // keys can be used after a per-key access right
};
std::string_view device_state_name(DeviceState state) noexcept;  // "uninitialised", "locked", "unlocked"

// SDF key indices start at 1.
using KeyIndex = std::uint32_t;

struct KeyInfo {
    KeyIndex index = 0;
    std::string label;
    KeyAlgorithm algorithm = KeyAlgorithm::sm2;
    Bytes public_key;           // SubjectPublicKeyInfo DER
    bool access_right = false;  // this Device object currently holds the private key access right
};

struct DeviceInfo {
    std::string backend;      // registry name: "soft", "pkcs11"
    std::string device_id;    // soft: random id chosen at init; pkcs11: token serial number
    std::string description;  // soft: store path; pkcs11: token label, manufacturer, model
    DeviceState state = DeviceState::locked;
    std::vector<KeyAlgorithm> algorithms;  // what generate_key_pair accepts
    std::vector<std::string> custodians;   // soft: current custodian names (empty elsewhere)
    unsigned threshold = 0;                // soft: shares needed to unlock
    std::uint64_t share_generation = 0;    // soft: 1 after init, +1 per reshare
    std::size_t key_count = 0;
};

// What a state change did. The device does not write the audit log: the caller knows the operator
// and session and turns this into an audit record (LD/T 03-2022 §8.3.6: 密钥管理操作审计).
struct DeviceEvent {
    // "device.init", "device.unlock", "device.lock", "device.reshare", "device.key.generate",
    // "device.key.access_granted", "device.key.access_released"
    std::string action;
    std::string backend;
    std::string device_id;
    std::vector<std::string> custodians;  // shares used (unlock, reshare) or set (init, reshare)
    std::optional<KeyIndex> key_index;
    std::string key_label;
    std::optional<KeyAlgorithm> algorithm;
    TimePoint at{};
    std::string detail;
};

struct GeneratedKey {
    KeyInfo key;
    DeviceEvent event;
};

class CustodianControl;

class Device {
public:
    virtual ~Device() = default;
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    // SDF GetDeviceInfo, plus the lock state.
    virtual DeviceInfo info() const = 0;
    virtual Result<std::vector<KeyInfo>> list_keys() const = 0;
    // Key pairs are addressed by index; a label names one uniquely (device.key_not_found otherwise).
    virtual Result<KeyInfo> find_key(std::string_view label) const = 0;

    // SDF GenerateKeyPair_ECC/RSA done inside the device: only the public half comes back. `pin`
    // protects the private key access right (at least 8 characters, else device.weak_secret).
    // A label already in use is device.duplicate_label; an algorithm the backend cannot generate
    // is device.unsupported_algorithm.
    virtual Result<GeneratedKey> generate_key_pair(KeyAlgorithm alg, std::string_view label, std::string_view pin) = 0;

    // SDF ExportSignPublicKey_*: SubjectPublicKeyInfo DER.
    virtual Result<Bytes> export_public_key(KeyIndex index) const = 0;

    // SDF GetPrivateKeyAccessRight / ReleasePrivateKeyAccessRight: held by this Device object
    // (the SDF session) until released or the device is locked. A wrong PIN is device.wrong_pin.
    virtual Result<DeviceEvent> get_private_key_access_right(KeyIndex index, std::string_view pin) = 0;
    virtual Result<DeviceEvent> release_private_key_access_right(KeyIndex index) = 0;

    // SDF InternalSign_*: a DER signature over `message`. SM2 keys sign SM3(Z || M) with Z from
    // `sm2_id` (GM/T 0009 default 1234567812345678; the ID is ignored for ECDSA and RSA keys).
    // ECDSA P-256 signs SHA-256(M), RSA-2048 is PKCS#1 v1.5 with SHA-256.
    // Without the access right: device.no_access_right (device.locked when the device is locked).
    Result<Bytes> sign(KeyIndex index, BytesView message, std::string_view sm2_id = crypto::k_default_sm2_id) {
        return do_sign(index, message, sm2_id);
    }

    // SDF InternalDecrypt_ECC: `ciphertext` is a GM/T 0009 SM2Cipher (ASN.1). SM2 keys only.
    virtual Result<SecretBytes> decrypt(KeyIndex index, BytesView ciphertext) = 0;

    // SDF GenerateRandom, at most 1 MiB per call.
    virtual Result<Bytes> generate_random(std::size_t n) = 0;

    // Master-key ceremonies (custodians), for backends that have them; nullptr otherwise.
    virtual CustodianControl* custodian_control() noexcept { return nullptr; }

protected:
    Device() = default;
    virtual Result<Bytes> do_sign(KeyIndex index, BytesView message, std::string_view sm2_id) = 0;
};

// Default PBKDF2-HMAC-SM3 iteration count for custodian passwords and key PINs.
inline constexpr unsigned k_default_pbkdf2_iterations = 200'000;

// Everything a backend may need to open a device; each backend documents which fields it reads.
struct DeviceConfig {
    std::string location;     // soft: store file path; pkcs11: module path (.so)
    std::string token_label;  // pkcs11: the token to use
    std::string user_pin;     // pkcs11: C_Login user PIN (secret: wipe it after open_device)
    unsigned pbkdf2_iterations = k_default_pbkdf2_iterations;
    bool create_if_missing = true;  // soft: create an empty store when the file does not exist
    const Clock* clock = nullptr;   // nullptr: system clock; must outlive the device
    Rng* rng = nullptr;             // nullptr: OpenSSL DRBG; must outlive the device
};

using DeviceFactory = std::function<Result<std::unique_ptr<Device>>(const DeviceConfig&)>;

// step-ca cas/apiv1/registry.go style. "soft" and "pkcs11" are built in. Registering a name twice
// is base.invalid_argument.
Status register_backend(std::string name, DeviceFactory factory);
// Unknown names are device.unknown_backend (the message lists the registered ones).
Result<std::unique_ptr<Device>> open_device(std::string_view backend, const DeviceConfig& config);
std::vector<std::string> registered_backends();

}  // namespace yinxin::device
