// Parsing and printing only: every rule (custodian count, threshold, password length, which
// share failed) lives in src/device.
#include "device_cmd.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_util.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/clock.h"
#include "yinxin/crypto/random.h"
#include "yinxin/device/custodian.h"
#include "yinxin/device/device.h"
#include "yinxin/device/soft_device.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_auth_store.h"

namespace yinxin::cli {
namespace {

using device::Credential;

nlohmann::json event_json(const device::DeviceEvent& e) {
    nlohmann::json j;
    j["action"] = e.action;
    j["backend"] = e.backend;
    j["device_id"] = e.device_id;
    j["custodians"] = e.custodians;
    if (e.key_index) j["key_index"] = *e.key_index;
    if (!e.key_label.empty()) j["key_label"] = e.key_label;
    if (e.algorithm) j["algorithm"] = std::string(device::key_algorithm_name(*e.algorithm));
    j["at"] = to_unix(e.at);
    j["detail"] = e.detail;
    return j;
}

std::unique_ptr<device::Device> open_store(const std::string& store, bool create, unsigned iterations) {
    device::SoftDeviceOptions o;
    o.create_if_missing = create;
    o.pbkdf2_iterations = iterations;
    return take(device::open_soft_device(store, std::move(o)));
}

// LD/T 03-2022 §8.3.6 d against the staff register: once staff accounts exist in `staff_db`, every
// custodian must be an active staff member the security admin designated and whose role allows it
// (auth::AuthService::custodian_policy). Before the first account exists (the first ceremony
// creates the CA that certifies the staff) nothing can be checked, and the command says so.
class StaffRegisterPolicy {
public:
    explicit StaffRegisterPolicy(const std::string& staff_db) {
        if (staff_db.empty()) return;
        m_store = take(store::SqliteAuthStore::open(staff_db));
        if (take(m_store->staff_count()) == 0) return;
        m_service = std::make_unique<auth::AuthService>(*m_store, m_clock, m_rng);
    }
    bool checked() const { return m_service != nullptr; }
    device::CustodianPolicy policy() const {
        return m_service ? device::CustodianPolicy(m_service->custodian_policy())
                         : device::unchecked_custodian_policy();
    }
    std::string note() const {
        return checked() ? "custodians checked against the staff register (LD/T 03-2022 §8.3.6 d)"
                         : "no staff register yet: custodians not checked against staff roles "
                           "(LD/T 03-2022 §8.3.6 d applies from the first staff account on; give --staff-db)";
    }

private:
    SystemClock m_clock;
    crypto::OpensslRng m_rng;
    std::unique_ptr<store::SqliteAuthStore> m_store;
    std::unique_ptr<auth::AuthService> m_service;
};

// The passwords of `names`, from a name:password file or YINXIN_CUSTODIAN_PASSWORD_<n> (<n> from
// `first_env`).
std::vector<Credential> custodian_credentials(const std::vector<std::string>& names, const std::string& password_file,
                                              std::size_t first_env) {
    std::vector<Credential> creds;
    if (!password_file.empty()) {
        auto from_file = take(read_credentials_file(password_file));
        for (const auto& name : names) {
            auto it =
                std::find_if(from_file.begin(), from_file.end(), [&](const Credential& c) { return c.name == name; });
            if (it == from_file.end()) {
                std::string msg = "no password for custodian '";
                msg.append(name).append("' in ").append(password_file);
                fail(make_error(Errc::invalid_argument, msg));
            }
            creds.push_back(*it);
        }
        for (const auto& c : from_file)
            if (std::find(names.begin(), names.end(), c.name) == names.end())
                fail(make_error(Errc::invalid_argument,
                                password_file + " names '" + c.name + "', who is not among the --custodian names"));
        return creds;
    }
    // Passwords never come from argv (visible in ps and shell history).
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string var = "YINXIN_CUSTODIAN_PASSWORD_" + std::to_string(first_env + i);
        const char* pw = std::getenv(var.c_str());
        if (!pw)
            fail(make_error(Errc::invalid_argument,
                            "no password for custodian '" + names[i] + "': set " + var + " or use --password-file"));
        creds.emplace_back(names[i], pw);
    }
    return creds;
}

// With a staff register (the data directory's store.db), the ceremony is also written to its audit
// log (LD/T 03-2022 §8.3.8: key management operations). Failures are recorded too.
void audit_ceremony(const std::string& staff_db, const std::string& action, const std::string& target,
                    const Result<device::DeviceEvent>& outcome, bool checked) {
    if (staff_db.empty()) return;
    auto store = take(store::SqliteAuditStore::open(staff_db));
    audit::AuditLog log(*store, audit::AuditLogOptions{});
    audit::AuditEvent ev;
    ev.source = "cli";
    ev.actor = cli_actor();
    ev.role = "security_admin";
    ev.action = action;
    ev.target = target;
    if (outcome) {
        ev.target = outcome->device_id;
        ev.detail = "custodians " + join(outcome->custodians) +
                    (checked ? " (checked against the staff register)" : " (no staff register yet)");
    } else {
        ev.failed(outcome.error());
    }
    (void)take(log.append(ev));
}

struct InitArgs {
    std::string store;
    std::vector<std::string> custodians;
    std::string password_file;
    std::string staff_db;
    unsigned iterations = device::k_default_pbkdf2_iterations;
    bool json = false;
};

void run_init(const InitArgs& a) {
    const StaffRegisterPolicy staff(a.staff_db);
    const std::vector<Credential> creds = custodian_credentials(a.custodians, a.password_file, 1);
    auto dev = open_store(a.store, true, a.iterations);
    auto outcome = dev->custodian_control()->init(creds, device::k_custodian_threshold, staff.policy());
    audit_ceremony(a.staff_db, "device.init", a.store, outcome, staff.checked());
    auto ev = take(std::move(outcome));
    if (a.json) {
        auto j = event_json(ev);
        j["custodians_checked"] = staff.checked();
        std::cout << j.dump() << "\n";
    } else {
        std::cout << "initialised device " << ev.device_id << " in " << a.store << "\n"
                  << "master key split " << device::k_custodian_threshold << " of " << ev.custodians.size()
                  << " among: " << join(ev.custodians) << "\n"
                  << staff.note() << "\n"
                  << "the device is locked until " << device::k_custodian_threshold << " custodians unlock it\n";
    }
}

struct ReshareArgs {
    std::string store;
    std::string shares_file;
    std::vector<std::string> custodians;
    std::string password_file;
    std::string staff_db;
    bool json = false;
};

void run_reshare(const ReshareArgs& a) {
    const StaffRegisterPolicy staff(a.staff_db);
    auto dev = open_store(a.store, false, device::k_default_pbkdf2_iterations);
    const auto present = take(read_credentials_file(a.shares_file));
    const std::vector<Credential> creds = custodian_credentials(a.custodians, a.password_file, 1);
    auto outcome = dev->custodian_control()->reshare(present, creds, staff.policy());
    audit_ceremony(a.staff_db, "device.reshare", a.store, outcome, staff.checked());
    auto ev = take(std::move(outcome));
    dev->custodian_control()->lock();
    if (a.json) {
        auto j = event_json(ev);
        j["custodians_checked"] = staff.checked();
        std::cout << j.dump() << "\n";
    } else {
        std::cout << "re-shared the master key of device " << ev.device_id << " " << device::k_custodian_threshold
                  << " of " << ev.custodians.size() << " among: " << join(ev.custodians) << "\n"
                  << staff.note() << "\n"
                  << "the old shares no longer open the device\n";
    }
}

struct UnlockArgs {
    std::string store;
    std::string shares_file;
    bool json = false;
};

void run_unlock(const UnlockArgs& a) {
    auto dev = open_store(a.store, false, device::k_default_pbkdf2_iterations);
    auto shares = take(read_credentials_file(a.shares_file));
    auto r = dev->custodian_control()->unlock(shares);
    if (!r.ok()) {
        if (a.json) {
            nlohmann::json j;
            j["unlocked"] = false;
            j["code"] = r.error().numeric();
            j["error"] = std::string(errc_name(r.error().code));
            j["message"] = r.error().message;
            std::cout << j.dump() << "\n";
        }
        fail(r.error());
    }
    const auto ev = std::move(r).value();
    // This process ends here, so the key-encryption key is wiped again at once: the command proves
    // that the custodians present can restore the master key.
    dev->custodian_control()->lock();
    if (a.json) {
        auto j = event_json(ev);
        j["unlocked"] = true;
        std::cout << j.dump() << "\n";
    } else {
        std::cout << "unlocked device " << ev.device_id << " with the shares of " << join(ev.custodians)
                  << "; check value verified\n"
                  << "(locked again as this command exits)\n";
    }
}

struct StatusArgs {
    std::string store;
    bool json = false;
};

void run_status(const StatusArgs& a) {
    auto dev = open_store(a.store, false, device::k_default_pbkdf2_iterations);
    const auto info = dev->info();
    const auto keys = take(dev->list_keys());
    if (a.json) {
        nlohmann::json j;
        j["backend"] = info.backend;
        j["store"] = info.description;
        j["device_id"] = info.device_id;
        j["state"] = std::string(device::device_state_name(info.state));
        j["threshold"] = info.threshold;
        j["custodians"] = info.custodians;
        j["share_generation"] = info.share_generation;
        j["key_count"] = info.key_count;
        j["keys"] = nlohmann::json::array();
        for (const auto& k : keys)
            j["keys"].push_back({{"index", k.index},
                                 {"label", k.label},
                                 {"algorithm", std::string(device::key_algorithm_name(k.algorithm))},
                                 {"public_key", pem_encode("PUBLIC KEY", k.public_key)}});
        std::cout << j.dump() << "\n";
        return;
    }
    std::cout << "store:       " << info.description << "\n"
              << "state:       " << device::device_state_name(info.state) << "\n";
    if (info.state == device::DeviceState::uninitialised) return;
    std::cout << "device id:   " << info.device_id << "\n"
              << "custodians:  " << join(info.custodians) << " (" << info.threshold << " of " << info.custodians.size()
              << ", generation " << info.share_generation << ")\n"
              << "keys:        " << keys.size() << "\n";
    for (const auto& k : keys)
        std::cout << "  " << k.index << "  " << device::key_algorithm_name(k.algorithm) << "  " << k.label << "\n";
}

}  // namespace

void register_device_commands(CLI::App& app) {
    auto* dev = app.add_subcommand("device", "Software crypto device: custodian ceremonies and status");
    dev->require_subcommand(1);

    auto init_args = std::make_shared<InitArgs>();
    auto* init = dev->add_subcommand(
        "init", "Create the master key and split it 3 of 5 among custodians (LD/T 03-2022 §8.3.6 b)");
    init->add_option("--store", init_args->store, "Key store file (SQLite)")->required();
    init->add_option("--custodian", init_args->custodians, "Custodian name; give exactly five")->required();
    init->add_option("--password-file", init_args->password_file,
                     "File of name:password lines (default: env YINXIN_CUSTODIAN_PASSWORD_1..5)");
    init->add_option("--staff-db", init_args->staff_db,
                     "Staff register (normally <data-dir>/store.db): custodians must be designated staff whose role "
                     "allows it (LD/T 03-2022 §8.3.6 d)");
    init->add_option("--iterations", init_args->iterations, "PBKDF2-HMAC-SM3 iterations for the shares")
        ->check(CLI::Range(10000u, 100000000u));
    init->add_flag("--json", init_args->json, "Machine-readable output");
    init->callback([init_args] { run_init(*init_args); });

    auto unlock_args = std::make_shared<UnlockArgs>();
    auto* unlock = dev->add_subcommand("unlock", "Restore the master key from 3 or more custodian shares");
    unlock->add_option("--store", unlock_args->store, "Key store file (SQLite)")->required();
    unlock->add_option("--shares-file", unlock_args->shares_file, "File of name:password lines (default: stdin)");
    unlock->add_flag("--json", unlock_args->json, "Machine-readable output");
    unlock->callback([unlock_args] { run_unlock(*unlock_args); });

    auto reshare_args = std::make_shared<ReshareArgs>();
    auto* reshare = dev->add_subcommand(
        "reshare", "Split the same master key among a new set of five custodians; 3 present custodians prove it");
    reshare->add_option("--store", reshare_args->store, "Key store file (SQLite)")->required();
    reshare
        ->add_option("--shares-file", reshare_args->shares_file,
                     "name:password lines of the custodians present (at least 3)")
        ->required();
    reshare->add_option("--custodian", reshare_args->custodians, "New custodian name; give exactly five")->required();
    reshare->add_option("--password-file", reshare_args->password_file,
                        "name:password lines of the new custodians (default: env YINXIN_CUSTODIAN_PASSWORD_1..5)");
    reshare->add_option("--staff-db", reshare_args->staff_db, "Staff register, as for init");
    reshare->add_flag("--json", reshare_args->json, "Machine-readable output");
    reshare->callback([reshare_args] { run_reshare(*reshare_args); });

    auto status_args = std::make_shared<StatusArgs>();
    auto* status = dev->add_subcommand("status", "Show the device state, custodians and keys");
    status->add_option("--store", status_args->store, "Key store file (SQLite)")->required();
    status->add_flag("--json", status_args->json, "Machine-readable output");
    status->callback([status_args] { run_status(*status_args); });
}

}  // namespace yinxin::cli
