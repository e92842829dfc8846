#include "yinxin/device/device.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "yinxin/device/custodian.h"
#include "yinxin/device/pkcs11_device.h"
#include "yinxin/device/soft_device.h"

namespace yinxin::device {

std::string_view key_algorithm_name(KeyAlgorithm alg) noexcept {
    switch (alg) {
        case KeyAlgorithm::sm2: return "sm2";
        case KeyAlgorithm::ecdsa_p256: return "ecdsa-p256";
        case KeyAlgorithm::rsa_2048: return "rsa-2048";
    }
    return "unknown";
}

Result<KeyAlgorithm> parse_key_algorithm(std::string_view name) {
    for (auto alg : {KeyAlgorithm::sm2, KeyAlgorithm::ecdsa_p256, KeyAlgorithm::rsa_2048})
        if (key_algorithm_name(alg) == name) return alg;
    return make_error(Errc::device_unsupported_algorithm,
                      "unknown key algorithm '" + std::string(name) + "' (sm2, ecdsa-p256, rsa-2048)");
}

std::string_view device_state_name(DeviceState state) noexcept {
    switch (state) {
        case DeviceState::uninitialised: return "uninitialised";
        case DeviceState::locked: return "locked";
        case DeviceState::unlocked: return "unlocked";
    }
    return "unknown";
}

CustodianPolicy unchecked_custodian_policy() {
    return [](std::string_view) { return ok_status(); };
}

namespace {

struct Registry {
    std::mutex mutex;
    std::map<std::string, DeviceFactory, std::less<>> factories;
};

// Built-in backends are registered on first use rather than by static initialisers, which a
// static library would drop when nothing else references their object file.
Registry& registry() {
    static Registry* r = [] {
        auto* reg = new Registry;  // never destroyed: backends may be opened during static destruction
        reg->factories.emplace("soft", [](const DeviceConfig& c) -> Result<std::unique_ptr<Device>> {
            SoftDeviceOptions o;
            o.pbkdf2_iterations = c.pbkdf2_iterations;
            o.create_if_missing = c.create_if_missing;
            o.clock = c.clock;
            o.rng = c.rng;
            return open_soft_device(c.location, std::move(o));
        });
        reg->factories.emplace("pkcs11", [](const DeviceConfig& c) { return open_pkcs11_device(c); });
        return reg;
    }();
    return *r;
}

}  // namespace

Status register_backend(std::string name, DeviceFactory factory) {
    if (name.empty() || !factory)
        return make_error(Errc::invalid_argument, "device backend needs a name and a factory");
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    if (!r.factories.emplace(name, std::move(factory)).second)
        return make_error(Errc::invalid_argument, "device backend '" + name + "' is already registered");
    return ok_status();
}

std::vector<std::string> registered_backends() {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    std::vector<std::string> names;
    for (const auto& [name, f] : r.factories) names.push_back(name);
    return names;
}

Result<std::unique_ptr<Device>> open_device(std::string_view backend, const DeviceConfig& config) {
    DeviceFactory factory;
    {
        auto& r = registry();
        std::lock_guard lock(r.mutex);
        auto it = r.factories.find(backend);
        if (it == r.factories.end()) {
            std::string known;
            for (const auto& [name, f] : r.factories) known += (known.empty() ? "" : ", ") + name;
            return make_error(Errc::device_unknown_backend,
                              "unknown device backend '" + std::string(backend) + "' (registered: " + known + ")");
        }
        factory = it->second;
    }
    return factory(config);
}

}  // namespace yinxin::device
