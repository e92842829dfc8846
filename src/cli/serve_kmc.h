// The key management centre in `yinxin serve` (issue 9). `yinxin kmc init` writes
// <data-dir>/kmc.json:
//   {"ca": "demo-sub",                 the CA allowed to ask (caName of its CARequests) and that
//                                      issued the KMC certificate
//    "certificate": "kmc.pem",         the KMC's signing certificate (its key "kmc-sign" is in the device)
//    "url": "https://host:port",       optional: the CA process reaches a KMC process of its own
//    "cacert", "client_certificate", "client_key"}   (with url) mutual TLS to it
// Role all without url: the KMC runs in the CA process (KmcClient → KmcService::handle, the
// messages still signed and checked both ways). Role all with url: the CA side only, over HTTPS
// with the client certificate. Role kmc: the KMC only (POST /api/v1/kmc needs a verified client
// certificate), with its recovery routes.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ca/store.h"
#include "yinxin/crypto/random.h"
#include "yinxin/device/device.h"
#include "yinxin/kmc/client.h"
#include "yinxin/kmc/kmc.h"
#include "yinxin/store/sqlite_kmc_store.h"
#include "yinxin/store/sqlite_ra_store.h"

namespace yinxin::cli {

struct KmcSettings {
    std::string ca;
    std::string certificate = "kmc.pem";  // relative paths are relative to the data directory
    std::string url;
    std::string cacert;
    std::string client_certificate;
    std::string client_key;
};
std::string kmc_settings_path(const std::string& data_dir);
Status save_kmc_settings(const std::string& data_dir, const KmcSettings& s);
// nullopt when the file does not exist.
Result<std::optional<KmcSettings>> load_kmc_settings(const std::string& data_dir);

struct KmcSide {
    SystemClock clock;
    crypto::OpensslRng rng;
    std::unique_ptr<store::SqliteKmcStore> store;
    std::unique_ptr<store::SqliteRaStore> ra_store;  // the recoveries' RA requests (KMC in the CA's store)
    std::unique_ptr<kmc::KmcService> service;        // the KMC itself (role kmc, or role all without url)
    std::unique_ptr<kmc::KmcClient> client;          // the CA side (role all)
    bool remote = false;
};

// nullptr when the data directory has no kmc.json. `role` is "all" or "kmc"; the device must be
// unlocked with `pin`; `cas` finds the CA of the settings.
Result<std::unique_ptr<KmcSide>> open_kmc_side(const std::string& role, const std::string& data_dir,
                                               device::Device& device, const std::string& pin, ca::CaRegistry& cas,
                                               auth::AuthService& auth, audit::AuditLog& audit);

}  // namespace yinxin::cli
