// Custodians (分管者) of a device master key: LD/T 03-2022 §8.3.6 b and d.
//   b 1) the key is shared (3, 5) among five custodians;
//   b 2) each custodian protects their share with their own password;
//   b 3) any three of the five restore the key inside the device;
//   d)   a super admin, business admin, business operator or system maintainer of this system
//        may not be a custodian.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/result.h"
#include "yinxin/base/secure.h"
#include "yinxin/device/device.h"

namespace yinxin::device {

// LD/T 03-2022 §8.3.6 b 1: (3, 5) secret sharing.
inline constexpr unsigned k_custodian_count = 5;
inline constexpr unsigned k_custodian_threshold = 3;
// Passwords and PINs shorter than this are device.weak_secret (LD/T 03-2022 §8.3.6 c 3 asks
// 8 characters or more for certificate carriers; Yinxin applies the same floor here).
inline constexpr std::size_t k_min_secret_len = 8;

// A custodian's name and password. The password is wiped when the object is destroyed.
struct Credential {
    std::string name;
    std::string secret;

    Credential() = default;
    Credential(std::string n, std::string s) : name(std::move(n)), secret(std::move(s)) {}
    Credential(const Credential&) = default;
    Credential(Credential&&) = default;
    Credential& operator=(const Credential&) = default;
    Credential& operator=(Credential&&) = default;
    // capacity(), not size(): a moved-from short string keeps its characters in the local buffer.
    ~Credential() { secure_zero(secret.data(), secret.capacity()); }
};

// Decides whether a person may hold a share. Returns an error (any code; its message is kept)
// to refuse. The staff module supplies the LD/T 03-2022 §8.3.6 d check (no super admin, business
// admin, business operator or system maintainer); until then callers pass
// unchecked_custodian_policy() explicitly so the missing check is visible at the call site.
using CustodianPolicy = std::function<Status(std::string_view custodian_name)>;
CustodianPolicy unchecked_custodian_policy();

// Master-key ceremonies of a device whose master key is shared among custodians.
class CustodianControl {
public:
    virtual ~CustodianControl() = default;

    // Creates the master key inside, splits it (threshold of custodians.size()) and forgets it:
    // the device stays locked until `threshold` custodians unlock it. Exactly 5 custodians and
    // threshold 3 (LD/T 03-2022 §8.3.6 b 1); names unique, non-empty, without ':' or control
    // characters; every name passes `policy` (device.custodian_refused names the person).
    virtual Result<DeviceEvent> init(std::span<const Credential> custodians, unsigned threshold,
                                     const CustodianPolicy& policy) = 0;

    // Restores the master key from at least `threshold` shares (LD/T 03-2022 §8.3.6 b 3). Fewer
    // shares: device.insufficient_shares. A wrong password: device.wrong_password naming every
    // custodian whose share did not open. An unknown name: device.unknown_custodian.
    virtual Result<DeviceEvent> unlock(std::span<const Credential> shares) = 0;

    // Wipes the key-encryption key and every private key access right.
    virtual DeviceEvent lock() = 0;

    // Re-splits the same master key to a new custodian set (e.g. when a custodian leaves): the
    // present custodians prove the master key as in unlock, then the old share records are
    // replaced in one transaction. The master key itself does not change.
    virtual Result<DeviceEvent> reshare(std::span<const Credential> present, std::span<const Credential> new_custodians,
                                        const CustodianPolicy& policy) = 0;
};

}  // namespace yinxin::device
