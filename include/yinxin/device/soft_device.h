// The software device ("soft" backend): a key store in one SQLite file.
//
// Store format (schema migration 1 in src/device/soft_device.cpp):
//   device_meta   device id, threshold, custodian count, share generation, and the check value
//                 HMAC-SM3(master, "yinxin-device-check");
//   custodians    one row per custodian: share x, and the share y sealed with SM4-GCM under
//                 PBKDF2-HMAC-SM3(password, random 16-byte salt, iterations) (16-byte key), AAD
//                 binding the device id, custodian name and x;
//   keys          one row per key pair: public key (SPKI DER), the private key sealed with SM4-GCM
//                 under the KEK = first 16 bytes of HMAC-SM3(master, "yinxin-device-kek"), AAD
//                 binding the device id, key index, label and algorithm; and the key PIN as a
//                 PBKDF2-HMAC-SM3 hash.
// The 32-byte master key is never stored (LD/T 03-2022 §8.3.6 a 3: keys outside the device are
// encrypted); an unlocked device holds only the KEK, in memory. Every state change is one
// transaction, so a crash leaves either the old or the new state.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/device/custodian.h"
#include "yinxin/device/device.h"

namespace yinxin::device {

struct SoftDeviceOptions {
    // PBKDF2 iterations for new custodian shares and key PINs (stored per record, so a later
    // change does not break existing ones). At least 10,000 (crypto::pbkdf2_sm3).
    unsigned pbkdf2_iterations = k_default_pbkdf2_iterations;
    bool create_if_missing = true;
    const Clock* clock = nullptr;  // nullptr: system clock
    Rng* rng = nullptr;            // nullptr: OpenSSL DRBG
    // Crash points for recovery tests (DuckDB debug_checkpoint_abort; STYLE.md 13): called with a
    // point name inside a transaction ("key_generate.before_commit", "key_generate.after_commit",
    // "init.before_commit", "reshare.before_commit"). An error return aborts the operation and
    // rolls back; a test may also end the process there. Leave empty in production.
    std::function<Status(std::string_view point)> fault_hook;
};

// Opens (and, if allowed, creates) the store and applies pending migrations. A file that is not a
// Yinxin device store, or one written by a newer schema, is refused (device.store_version).
// The returned device implements CustodianControl (custodian_control() is never null).
Result<std::unique_ptr<Device>> open_soft_device(const std::string& path, SoftDeviceOptions options = {});

}  // namespace yinxin::device
