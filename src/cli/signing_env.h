// The environment shared by the commands that use the CA's keys (`ca`, `cert`, `crl`, `staff
// demo`, `audit checkpoint`): data-directory options, the store, the audit log, the unlocked soft
// device and the profiles, with every CA event written to the audit log.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "yinxin/audit/audit.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/tsa.h"
#include "yinxin/device/device.h"
#include "yinxin/profile/profile.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_store.h"

namespace CLI {
class App;
}

namespace yinxin::cli {

struct EnvArgs {
    std::string data_dir = "yinxin-data";
    std::string store;
    std::string device_store;
    std::string shares_file;
    std::string pin_file;
    std::string profiles_dir = YINXIN_DEFAULT_PROFILES_DIR;
    std::string base_url = "http://127.0.0.1:8080";
    bool base_url_given = false;
    bool json = false;

    std::string store_path() const {
        return store.empty() ? (std::filesystem::path(data_dir) / "store.db").string() : store;
    }
    std::string device_path() const {
        return device_store.empty() ? (std::filesystem::path(data_dir) / "device.db").string() : device_store;
    }
};

// --data-dir, --store, --json.
void add_store_options(CLI::App* c, EnvArgs& a);
// The store options plus the device, shares, PIN, profiles and base URL.
void add_signing_options(CLI::App* c, EnvArgs& a);

std::unique_ptr<store::SqliteStore> open_store(const EnvArgs& a);
ca::CaStores stores_of(store::SqliteStore& s);

// A CA event as the audit record of the CLI user (source "cli").
audit::AuditEvent audit_event_of(const ca::CaEvent& e);

// The publication settings of the ceremony (base URL, CPS OID and URI), kept beside the store in
// <data-dir>/publication.json so every later command issues with the same CRL DP, AIA and policy.
std::string publication_path(const EnvArgs& a);
Status save_publication(const EnvArgs& a, const ca::PublicationConfig& p);
Result<ca::PublicationConfig> load_publication(const EnvArgs& a, bool base_url_given);

// The time-stamp authority made by `yinxin tsa delegate`, kept beside the store in
// <data-dir>/tsa.json (CA, device key reference, certificate, policy OID); `serve` answers
// RFC 3161 requests with it when the file exists.
struct TsaSettings {
    ca::TsaSigner signer;
    std::string policy;
};
std::string tsa_path(const EnvArgs& a);
Status save_tsa(const EnvArgs& a, const TsaSettings& t);
// nullopt when the file does not exist.
Result<std::optional<TsaSettings>> load_tsa(const EnvArgs& a);

// An unlocked soft device, the store, the audit log and the profiles.
struct SigningEnv {
    std::unique_ptr<store::SqliteStore> store;
    std::unique_ptr<store::SqliteAuditStore> audit_store;
    std::unique_ptr<audit::AuditLog> audit_log;
    std::unique_ptr<device::Device> device;
    std::string pin;
    profile::ProfileSet profiles;
    ca::PublicationConfig publication;

    // Every CA event goes to the audit log (LD/T 03-2022 §8.3.8 b/c: key and certificate operations,
    // failures too). A record that cannot be written stops the command: an operation that cannot be
    // audited must not go unnoticed.
    ca::EventSink sink();
    void audit_device(const device::DeviceEvent& ev);
};

// Opens the store and the audit log, unlocks the device with the custodians' shares (audited, a
// failure too) and reads the key PIN and the publication settings; exits on any failure.
std::unique_ptr<SigningEnv> open_signing_env(const EnvArgs& a);

// The CA context of an open signing environment (soft device, its events to the audit log).
ca::CaContext context_of(SigningEnv& env, const Clock& clock, Rng& rng);

}  // namespace yinxin::cli
