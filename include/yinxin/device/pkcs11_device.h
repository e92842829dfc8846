// The PKCS#11 backend ("pkcs11"): a PKCS#11 v2.40 module loaded at run time (dlopen), one token
// chosen by label, logged in with the user PIN. Key pairs are generated on the token with
// CKA_SENSITIVE = true and CKA_EXTRACTABLE = false, so the private key never leaves it.
//
// Mapping of the SDF shape onto PKCS#11:
//   index   CKA_ID = 4-byte big-endian key index (keys with other CKA_ID lengths are not ours
//           and are not listed);
//   label   CKA_LABEL of both halves;
//   PIN     the per-key access PIN (SDF GetPrivateKeyAccessRight) has no PKCS#11 equivalent: its
//           PBKDF2-HMAC-SM3 hash is kept on the token in a private CKO_DATA object
//           (CKA_APPLICATION "yinxin-device-key-pin", CKA_LABEL = the key label).
// Algorithms: ECDSA P-256 (CKM_ECDSA over a SHA-256 digest computed here; the raw r||s is
// returned as DER) and RSA-2048 (CKM_SHA256_RSA_PKCS). SM2 has no standard PKCS#11 mechanism and
// is device.unsupported_algorithm, as is decrypt.
#pragma once

#include <memory>

#include "yinxin/base/result.h"
#include "yinxin/device/device.h"

namespace yinxin::device {

// Reads config.location (module path), token_label, user_pin, pbkdf2_iterations, clock.
// Module load failure or a CKR error is device.module_error; no token with that label is
// device.token_not_found; a wrong PIN is device.wrong_pin.
Result<std::unique_ptr<Device>> open_pkcs11_device(const DeviceConfig& config);

}  // namespace yinxin::device
