// The "pkcs11" device: a PKCS#11 v2.40 module (OASIS PKCS#11 Base Specification v2.40) loaded
// with dlopen. See pkcs11_device.h for how the SDF shape maps onto tokens and objects.
#include "yinxin/device/pkcs11_device.h"

#include <dlfcn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "pkcs11_api.h"
#include "yinxin/crypto/kdf.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/signature.h"
#include "yinxin/device/custodian.h"

namespace yinxin::device {
namespace {

constexpr std::string_view k_backend = "pkcs11";
constexpr std::string_view k_pin_application = "yinxin-device-key-pin";
// Version tag of the PIN record in the CKO_DATA object: "YXP1" || iterations (u32 BE) || salt || hash.
constexpr std::string_view k_pin_record_tag = "YXP1";
constexpr std::size_t k_pin_salt_len = 16;
constexpr std::size_t k_pin_hash_len = 32;
constexpr std::size_t k_max_random = std::size_t{1} << 20;
// DER of OID 1.2.840.10045.3.1.7 (prime256v1 / secp256r1), the value of CKA_EC_PARAMS
// (PKCS#11 v2.40 §2.3.3: DER of an ANSI X9.62 Parameters choice, here namedCurve).
constexpr std::uint8_t k_p256_params[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::uint8_t k_rsa_exponent[] = {0x01, 0x00, 0x01};

std::string ckr_name(CK_RV rv) {
    switch (rv) {
        case CKR_OK: return "CKR_OK";
        case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
        case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
        case CKR_ATTRIBUTE_TYPE_INVALID: return "CKR_ATTRIBUTE_TYPE_INVALID";
        case CKR_ATTRIBUTE_VALUE_INVALID: return "CKR_ATTRIBUTE_VALUE_INVALID";
        case CKR_ATTRIBUTE_SENSITIVE: return "CKR_ATTRIBUTE_SENSITIVE";
        case CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
        case CKR_DEVICE_MEMORY: return "CKR_DEVICE_MEMORY";
        case CKR_KEY_HANDLE_INVALID: return "CKR_KEY_HANDLE_INVALID";
        case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
        case CKR_OBJECT_HANDLE_INVALID: return "CKR_OBJECT_HANDLE_INVALID";
        case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
        case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
        case CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
        case CKR_TEMPLATE_INCOMPLETE: return "CKR_TEMPLATE_INCOMPLETE";
        case CKR_TEMPLATE_INCONSISTENT: return "CKR_TEMPLATE_INCONSISTENT";
        case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
        case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
        case CKR_BUFFER_TOO_SMALL: return "CKR_BUFFER_TOO_SMALL";
        case CKR_CRYPTOKI_NOT_INITIALIZED: return "CKR_CRYPTOKI_NOT_INITIALIZED";
        default: break;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "CKR 0x%lx", static_cast<unsigned long>(rv));
    return buf;
}

Error ck_error(std::string_view what, CK_RV rv) {
    return make_error(Errc::device_module_error, "PKCS#11 " + std::string(what) + " failed: " + ckr_name(rv));
}

std::string trim_padded(const unsigned char* p, std::size_t n) {
    std::string s(reinterpret_cast<const char*>(p), n);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
}

Bytes id_for(KeyIndex index) {
    return {static_cast<std::uint8_t>(index >> 24), static_cast<std::uint8_t>(index >> 16),
            static_cast<std::uint8_t>(index >> 8), static_cast<std::uint8_t>(index)};
}

// A loaded module. PKCS#11 C_Initialize is per process and module, so every device on the same
// module shares one Module; the last one to close finalizes and unloads it.
class Module {
public:
    static Result<std::shared_ptr<Module>> get(const std::string& path) {
        static std::mutex mutex;
        static auto* cache = new std::map<std::string, std::weak_ptr<Module>>;  // lives until exit
        std::lock_guard lock(mutex);
        if (auto it = cache->find(path); it != cache->end())
            if (auto m = it->second.lock()) return m;
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const char* err = dlerror();
            return make_error(Errc::device_module_error,
                              "cannot load PKCS#11 module '" + path + "': " + (err ? err : "unknown error"));
        }
        auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
        CK_FUNCTION_LIST_PTR fl = nullptr;
        if (!get_list || get_list(&fl) != CKR_OK || !fl) {
            dlclose(handle);
            return make_error(Errc::device_module_error, "'" + path + "' is not a PKCS#11 module (C_GetFunctionList)");
        }
        CK_C_INITIALIZE_ARGS args{};
        args.flags = CKF_OS_LOCKING_OK;  // the module may use OS threads and locks
        const CK_RV rv = fl->C_Initialize(&args);
        if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
            dlclose(handle);
            return ck_error("C_Initialize of '" + path + "'", rv);
        }
        auto m = std::shared_ptr<Module>(new Module(handle, fl, rv == CKR_OK));
        (*cache)[path] = m;
        return m;
    }
    ~Module() {
        if (m_finalize) m_fn->C_Finalize(nullptr);
        dlclose(m_handle);
    }
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    CK_FUNCTION_LIST_PTR fn() const noexcept { return m_fn; }

private:
    Module(void* h, CK_FUNCTION_LIST_PTR fn, bool finalize) : m_handle(h), m_fn(fn), m_finalize(finalize) {}
    void* m_handle;
    CK_FUNCTION_LIST_PTR m_fn;
    bool m_finalize;  // we initialised it, so we finalise it
};

struct EvpPkeyFree {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct ParamBldFree {
    void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct BnFree {
    void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};

// SubjectPublicKeyInfo DER from OpenSSL key parameters (OpenSSL writes the AlgorithmIdentifier).
Result<Bytes> spki_from_params(const char* key_type, OSSL_PARAM_BLD* bld) {
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, key_type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return make_error(Errc::crypto_bad_key, std::string("token returned an unusable ") + key_type + " public key");
    std::unique_ptr<EVP_PKEY, EvpPkeyFree> pkey(raw);
    const int len = i2d_PUBKEY(pkey.get(), nullptr);
    if (len <= 0) return make_error(Errc::crypto_engine, "i2d_PUBKEY failed");
    Bytes der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    if (i2d_PUBKEY(pkey.get(), &p) != len) return make_error(Errc::crypto_engine, "i2d_PUBKEY failed");
    return der;
}

Result<Bytes> ec_p256_spki(BytesView ec_point) {
    // CKA_EC_POINT is DER OCTET STRING { 04 || X || Y } (PKCS#11 v2.40 §2.3.3); some modules return
    // the bare point. 65 bytes is bare, 67 is wrapped.
    BytesView point = ec_point;
    if (ec_point.size() == 67 && ec_point[0] == 0x04 && ec_point[1] == 0x41) point = ec_point.subspan(2);
    if (point.size() != 65 || point[0] != 0x04)
        return make_error(Errc::crypto_bad_key, "token returned an EC point that is not an uncompressed P-256 point");
    std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
    if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
        return make_error(Errc::crypto_engine, "OSSL_PARAM_BLD failed");
    return spki_from_params("EC", bld.get());
}

Result<Bytes> rsa_spki(BytesView modulus, BytesView exponent) {
    std::unique_ptr<BIGNUM, BnFree> n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
    std::unique_ptr<BIGNUM, BnFree> e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
    std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
    if (!n || !e || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()))
        return make_error(Errc::crypto_engine, "OSSL_PARAM_BLD failed");
    return spki_from_params("RSA", bld.get());
}

Result<Bytes> sha256(BytesView message) {
    Bytes out(32);
    unsigned int len = 0;
    if (EVP_Digest(message.data(), message.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != 32)
        return make_error(Errc::crypto_engine, "SHA-256 failed");
    return out;
}

CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const void* p, std::size_t n) {
    return CK_ATTRIBUTE{type, const_cast<void*>(p), static_cast<CK_ULONG>(n)};
}
template <class T>
CK_ATTRIBUTE attr_of(CK_ATTRIBUTE_TYPE type, const T& v) {
    return attr(type, &v, sizeof v);
}

struct ObjectRef {
    CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
    KeyInfo info;
};

class Pkcs11Device final : public Device {
public:
    Pkcs11Device(std::shared_ptr<Module> module, CK_SESSION_HANDLE session, const DeviceConfig& config)
        : m_module(std::move(module)),
          m_fn(m_module->fn()),
          m_session(session),
          m_module_path(config.location),
          m_token_label(config.token_label),
          m_iterations(config.pbkdf2_iterations) {
        m_clock = config.clock ? config.clock : &m_system_clock;
    }
    ~Pkcs11Device() override {
        // Closing the last session logs the application out (PKCS#11 v2.40 §5.6 C_CloseSession).
        m_fn->C_CloseSession(m_session);
    }

    Status load_token_info(CK_SLOT_ID slot) {
        CK_TOKEN_INFO ti{};
        if (CK_RV rv = m_fn->C_GetTokenInfo(slot, &ti); rv != CKR_OK) return ck_error("C_GetTokenInfo", rv);
        m_serial = trim_padded(ti.serialNumber, sizeof ti.serialNumber);
        m_manufacturer = trim_padded(ti.manufacturerID, sizeof ti.manufacturerID);
        m_model = trim_padded(ti.model, sizeof ti.model);
        return ok_status();
    }

    DeviceInfo info() const override;
    Result<std::vector<KeyInfo>> list_keys() const override;
    Result<KeyInfo> find_key(std::string_view label) const override;
    Result<GeneratedKey> generate_key_pair(KeyAlgorithm alg, std::string_view label, std::string_view pin) override;
    Result<Bytes> export_public_key(KeyIndex index) const override;
    Result<DeviceEvent> get_private_key_access_right(KeyIndex index, std::string_view pin) override;
    Result<DeviceEvent> release_private_key_access_right(KeyIndex index) override;
    Result<SecretBytes> decrypt(KeyIndex index, BytesView ciphertext) override;
    Result<Bytes> generate_random(std::size_t n) override;

protected:
    Result<Bytes> do_sign(KeyIndex index, BytesView message, std::string_view sm2_id) override;

private:
    Result<std::vector<CK_OBJECT_HANDLE>> find(std::vector<CK_ATTRIBUTE> tmpl) const;
    Result<Bytes> get_attr(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) const;
    Result<CK_ULONG> get_ulong(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) const;
    // Builds KeyInfo for a private key object; nullopt when it is not one of ours.
    Result<std::optional<ObjectRef>> describe(CK_OBJECT_HANDLE priv) const;
    Result<ObjectRef> by_index(KeyIndex index) const;
    Result<std::vector<ObjectRef>> all_keys() const;
    Result<Bytes> public_spki(KeyIndex index, KeyAlgorithm alg) const;
    Result<CK_OBJECT_HANDLE> pin_object(std::string_view label) const;
    DeviceEvent event(std::string action) const {
        DeviceEvent e;
        e.action = std::move(action);
        e.backend = std::string(k_backend);
        e.device_id = m_serial;
        e.at = m_clock->now();
        return e;
    }

    std::shared_ptr<Module> m_module;
    CK_FUNCTION_LIST_PTR m_fn;
    CK_SESSION_HANDLE m_session;
    std::string m_module_path, m_token_label, m_serial, m_manufacturer, m_model;
    unsigned m_iterations;
    SystemClock m_system_clock;
    const Clock* m_clock = nullptr;
    // One session, used by one thread at a time (PKCS#11 sessions are not re-entrant for an
    // operation in progress).
    mutable std::mutex m_mutex;
    std::map<KeyIndex, CK_OBJECT_HANDLE> m_access;  // private key access rights held
};

Result<std::vector<CK_OBJECT_HANDLE>> Pkcs11Device::find(std::vector<CK_ATTRIBUTE> tmpl) const {
    if (CK_RV rv = m_fn->C_FindObjectsInit(m_session, tmpl.data(), static_cast<CK_ULONG>(tmpl.size())); rv != CKR_OK)
        return ck_error("C_FindObjectsInit", rv);
    std::vector<CK_OBJECT_HANDLE> out;
    CK_RV rv = CKR_OK;
    while (true) {
        CK_OBJECT_HANDLE batch[64];
        CK_ULONG n = 0;
        rv = m_fn->C_FindObjects(m_session, batch, 64, &n);
        if (rv != CKR_OK || n == 0) break;
        out.insert(out.end(), batch, batch + n);
    }
    m_fn->C_FindObjectsFinal(m_session);
    if (rv != CKR_OK) return ck_error("C_FindObjects", rv);
    return out;
}

Result<Bytes> Pkcs11Device::get_attr(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) const {
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (CK_RV rv = m_fn->C_GetAttributeValue(m_session, h, &a, 1); rv != CKR_OK)
        return ck_error("C_GetAttributeValue", rv);
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > (1u << 20))
        return make_error(Errc::device_module_error, "PKCS#11 attribute unavailable");
    Bytes v(a.ulValueLen);
    a.pValue = v.data();
    if (CK_RV rv = m_fn->C_GetAttributeValue(m_session, h, &a, 1); rv != CKR_OK)
        return ck_error("C_GetAttributeValue", rv);
    v.resize(a.ulValueLen);
    return v;
}

Result<CK_ULONG> Pkcs11Device::get_ulong(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) const {
    CK_ULONG v = 0;
    CK_ATTRIBUTE a{type, &v, sizeof v};
    if (CK_RV rv = m_fn->C_GetAttributeValue(m_session, h, &a, 1); rv != CKR_OK)
        return ck_error("C_GetAttributeValue", rv);
    return v;
}

Result<std::optional<ObjectRef>> Pkcs11Device::describe(CK_OBJECT_HANDLE priv) const {
    YX_ASSIGN_OR_RETURN(Bytes id, get_attr(priv, CKA_ID));
    if (id.size() != 4) return std::optional<ObjectRef>{};
    ObjectRef ref;
    ref.priv = priv;
    ref.info.index = (KeyIndex{id[0]} << 24) | (KeyIndex{id[1]} << 16) | (KeyIndex{id[2]} << 8) | KeyIndex{id[3]};
    YX_ASSIGN_OR_RETURN(Bytes label, get_attr(priv, CKA_LABEL));
    ref.info.label = to_string(label);
    YX_ASSIGN_OR_RETURN(CK_ULONG type, get_ulong(priv, CKA_KEY_TYPE));
    if (type == CKK_EC) {
        YX_ASSIGN_OR_RETURN(Bytes params, get_attr(priv, CKA_EC_PARAMS));
        if (!std::equal(params.begin(), params.end(), std::begin(k_p256_params), std::end(k_p256_params)))
            return std::optional<ObjectRef>{};
        ref.info.algorithm = KeyAlgorithm::ecdsa_p256;
    } else if (type == CKK_RSA) {
        ref.info.algorithm = KeyAlgorithm::rsa_2048;
    } else {
        return std::optional<ObjectRef>{};
    }
    YX_ASSIGN_OR_RETURN(ref.info.public_key, public_spki(ref.info.index, ref.info.algorithm));
    ref.info.access_right = m_access.count(ref.info.index) != 0;
    return std::optional<ObjectRef>(std::move(ref));
}

Result<Bytes> Pkcs11Device::public_spki(KeyIndex index, KeyAlgorithm alg) const {
    const CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    const Bytes id = id_for(index);
    YX_ASSIGN_OR_RETURN(auto handles, find({attr_of(CKA_CLASS, cls), attr(CKA_ID, id.data(), id.size())}));
    if (handles.size() != 1)
        return make_error(Errc::device_key_not_found, "key " + std::to_string(index) + " has " +
                                                          std::to_string(handles.size()) +
                                                          " public key objects on the token (expected 1)");
    if (alg == KeyAlgorithm::ecdsa_p256) {
        YX_ASSIGN_OR_RETURN(Bytes point, get_attr(handles[0], CKA_EC_POINT));
        return ec_p256_spki(point);
    }
    YX_ASSIGN_OR_RETURN(Bytes n, get_attr(handles[0], CKA_MODULUS));
    YX_ASSIGN_OR_RETURN(Bytes e, get_attr(handles[0], CKA_PUBLIC_EXPONENT));
    return rsa_spki(n, e);
}

Result<std::vector<ObjectRef>> Pkcs11Device::all_keys() const {
    const CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    YX_ASSIGN_OR_RETURN(auto handles, find({attr_of(CKA_CLASS, cls)}));
    std::vector<ObjectRef> out;
    for (auto h : handles) {
        YX_ASSIGN_OR_RETURN(auto ref, describe(h));
        if (ref) out.push_back(std::move(*ref));
    }
    std::sort(out.begin(), out.end(),
              [](const ObjectRef& a, const ObjectRef& b) { return a.info.index < b.info.index; });
    return out;
}

Result<ObjectRef> Pkcs11Device::by_index(KeyIndex index) const {
    const CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    const Bytes id = id_for(index);
    YX_ASSIGN_OR_RETURN(auto handles, find({attr_of(CKA_CLASS, cls), attr(CKA_ID, id.data(), id.size())}));
    if (handles.empty()) return make_error(Errc::device_key_not_found, "no key with index " + std::to_string(index));
    if (handles.size() > 1)
        return make_error(Errc::device_module_error,
                          "token holds several private keys with index " + std::to_string(index));
    YX_ASSIGN_OR_RETURN(auto ref, describe(handles[0]));
    if (!ref)
        return make_error(Errc::device_unsupported_algorithm,
                          "key " + std::to_string(index) + " is of a type this backend does not use");
    return std::move(*ref);
}

Result<CK_OBJECT_HANDLE> Pkcs11Device::pin_object(std::string_view label) const {
    const CK_OBJECT_CLASS cls = CKO_DATA;
    YX_ASSIGN_OR_RETURN(auto handles, find({attr_of(CKA_CLASS, cls),
                                            attr(CKA_APPLICATION, k_pin_application.data(), k_pin_application.size()),
                                            attr(CKA_LABEL, label.data(), label.size())}));
    if (handles.size() != 1)
        return make_error(Errc::device_no_access_right,
                          "key '" + std::string(label) + "' has no Yinxin PIN record on the token; it cannot be used");
    return handles[0];
}

DeviceInfo Pkcs11Device::info() const {
    std::lock_guard lock(m_mutex);
    DeviceInfo info;
    info.backend = std::string(k_backend);
    info.device_id = m_serial;
    info.description = "token '" + m_token_label + "' (" + m_manufacturer + " " + m_model + ") via " + m_module_path;
    info.state = DeviceState::unlocked;  // logged in with the user PIN since open
    info.algorithms = {KeyAlgorithm::ecdsa_p256, KeyAlgorithm::rsa_2048};
    if (auto keys = all_keys(); keys.ok()) info.key_count = keys->size();
    return info;
}

Result<std::vector<KeyInfo>> Pkcs11Device::list_keys() const {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(auto refs, all_keys());
    std::vector<KeyInfo> out;
    out.reserve(refs.size());
    for (auto& r : refs) out.push_back(std::move(r.info));
    return out;
}

Result<KeyInfo> Pkcs11Device::find_key(std::string_view label) const {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(auto refs, all_keys());
    for (auto& r : refs)
        if (r.info.label == label) return std::move(r.info);
    return make_error(Errc::device_key_not_found, "no key labelled '" + std::string(label) + "'");
}

Result<Bytes> Pkcs11Device::export_public_key(KeyIndex index) const {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(auto ref, by_index(index));
    return std::move(ref.info.public_key);
}

Result<GeneratedKey> Pkcs11Device::generate_key_pair(KeyAlgorithm alg, std::string_view label, std::string_view pin) {
    if (alg == KeyAlgorithm::sm2)
        return make_error(Errc::device_unsupported_algorithm,
                          "SM2 has no standard PKCS#11 mechanism (SoftHSM2 has none): use the soft device or an SDF "
                          "module for SM2 keys");
    if (label.empty() || label.size() > 128)
        return make_error(Errc::invalid_argument, "key label must be 1..128 bytes");
    if (pin.size() < k_min_secret_len)
        return make_error(Errc::device_weak_secret,
                          "key PIN is shorter than " + std::to_string(k_min_secret_len) + " characters");
    std::lock_guard lock(m_mutex);

    YX_ASSIGN_OR_RETURN(auto existing, all_keys());
    KeyIndex index = 1;
    for (const auto& r : existing) {
        if (r.info.label == label)
            return make_error(
                Errc::device_duplicate_label,
                "key label '" + std::string(label) + "' is already used by key " + std::to_string(r.info.index));
        index = std::max(index, r.info.index + 1);
    }
    // Also refuse a label held by a key that is not ours, so labels stay unique on the token.
    {
        const CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
        YX_ASSIGN_OR_RETURN(auto same, find({attr_of(CKA_CLASS, cls), attr(CKA_LABEL, label.data(), label.size())}));
        if (!same.empty())
            return make_error(Errc::device_duplicate_label,
                              "key label '" + std::string(label) + "' is already on the token");
    }

    const Bytes id = id_for(index);
    const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    const CK_ULONG modulus_bits = 2048;
    std::vector<CK_ATTRIBUTE> pub = {attr_of(CKA_TOKEN, yes), attr_of(CKA_PRIVATE, no), attr_of(CKA_VERIFY, yes),
                                     attr(CKA_LABEL, label.data(), label.size()), attr(CKA_ID, id.data(), id.size())};
    // The private half can sign and nothing else, and can never be read out (PKCS#11 v2.40 §4.9:
    // CKA_SENSITIVE, CKA_EXTRACTABLE).
    std::vector<CK_ATTRIBUTE> priv = {attr_of(CKA_TOKEN, yes),
                                      attr_of(CKA_PRIVATE, yes),
                                      attr_of(CKA_SENSITIVE, yes),
                                      attr_of(CKA_EXTRACTABLE, no),
                                      attr_of(CKA_SIGN, yes),
                                      attr_of(CKA_DECRYPT, no),
                                      attr(CKA_LABEL, label.data(), label.size()),
                                      attr(CKA_ID, id.data(), id.size())};
    CK_MECHANISM mech{};
    if (alg == KeyAlgorithm::ecdsa_p256) {
        mech.mechanism = CKM_EC_KEY_PAIR_GEN;
        pub.push_back(attr(CKA_EC_PARAMS, k_p256_params, sizeof k_p256_params));
    } else {
        mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
        pub.push_back(attr_of(CKA_MODULUS_BITS, modulus_bits));
        pub.push_back(attr(CKA_PUBLIC_EXPONENT, k_rsa_exponent, sizeof k_rsa_exponent));
    }
    CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
    if (CK_RV rv = m_fn->C_GenerateKeyPair(m_session, &mech, pub.data(), static_cast<CK_ULONG>(pub.size()), priv.data(),
                                           static_cast<CK_ULONG>(priv.size()), &hpub, &hpriv);
        rv != CKR_OK)
        return ck_error("C_GenerateKeyPair", rv);
    auto destroy_pair = [&] {
        m_fn->C_DestroyObject(m_session, hpriv);
        m_fn->C_DestroyObject(m_session, hpub);
    };

    // The key PIN record (see pkcs11_device.h). A failure here removes the new pair again, so a
    // key never exists without its PIN.
    auto record = [&]() -> Result<Bytes> {
        crypto::OpensslRng rng;
        YX_ASSIGN_OR_RETURN(Bytes salt, rng.bytes(k_pin_salt_len));
        YX_ASSIGN_OR_RETURN(SecretBytes hash, crypto::pbkdf2_sm3(pin, salt, m_iterations, k_pin_hash_len));
        Bytes r = to_bytes(k_pin_record_tag);
        for (int shift = 24; shift >= 0; shift -= 8) r.push_back(static_cast<std::uint8_t>(m_iterations >> shift));
        r.insert(r.end(), salt.begin(), salt.end());
        r.insert(r.end(), hash.begin(), hash.end());
        return r;
    }();
    if (!record.ok()) {
        destroy_pair();
        return std::move(record).error();
    }
    const CK_OBJECT_CLASS data_cls = CKO_DATA;
    std::vector<CK_ATTRIBUTE> data = {attr_of(CKA_CLASS, data_cls),
                                      attr_of(CKA_TOKEN, yes),
                                      attr_of(CKA_PRIVATE, yes),
                                      attr_of(CKA_MODIFIABLE, no),
                                      attr(CKA_APPLICATION, k_pin_application.data(), k_pin_application.size()),
                                      attr(CKA_LABEL, label.data(), label.size()),
                                      attr(CKA_VALUE, record->data(), record->size())};
    CK_OBJECT_HANDLE hdata = CK_INVALID_HANDLE;
    if (CK_RV rv = m_fn->C_CreateObject(m_session, data.data(), static_cast<CK_ULONG>(data.size()), &hdata);
        rv != CKR_OK) {
        destroy_pair();
        return ck_error("C_CreateObject (key PIN record)", rv);
    }

    auto ref = describe(hpriv);
    if (!ref.ok() || !ref.value()) {
        destroy_pair();
        m_fn->C_DestroyObject(m_session, hdata);
        return ref.ok() ? make_error(Errc::device_module_error, "generated key is not readable back")
                        : std::move(ref).error();
    }
    GeneratedKey out;
    out.key = std::move(ref.value()->info);
    out.event = event("device.key.generate");
    out.event.key_index = index;
    out.event.key_label = std::string(label);
    out.event.algorithm = alg;
    out.event.detail = "key pair generated on the token (CKA_SENSITIVE, not extractable)";
    return out;
}

Result<DeviceEvent> Pkcs11Device::get_private_key_access_right(KeyIndex index, std::string_view pin) {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(auto ref, by_index(index));
    YX_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE hdata, pin_object(ref.info.label));
    YX_ASSIGN_OR_RETURN(Bytes record, get_attr(hdata, CKA_VALUE));
    const std::size_t header = k_pin_record_tag.size() + 4;
    if (record.size() != header + k_pin_salt_len + k_pin_hash_len ||
        !std::equal(k_pin_record_tag.begin(), k_pin_record_tag.end(), record.begin()))
        return make_error(Errc::device_module_error,
                          "the PIN record of key " + std::to_string(index) + " is malformed");
    const unsigned iterations =
        (unsigned{record[4]} << 24) | (unsigned{record[5]} << 16) | (unsigned{record[6]} << 8) | unsigned{record[7]};
    const BytesView salt(record.data() + header, k_pin_salt_len);
    const BytesView expected(record.data() + header + k_pin_salt_len, k_pin_hash_len);
    YX_ASSIGN_OR_RETURN(SecretBytes candidate, crypto::pbkdf2_sm3(pin, salt, iterations, k_pin_hash_len));
    if (!constant_time_equal(candidate, expected))
        return make_error(Errc::device_wrong_pin,
                          "wrong PIN for key " + std::to_string(index) + " ('" + ref.info.label + "')");
    m_access[index] = ref.priv;
    auto e = event("device.key.access_granted");
    e.key_index = index;
    e.key_label = ref.info.label;
    e.algorithm = ref.info.algorithm;
    return e;
}

Result<DeviceEvent> Pkcs11Device::release_private_key_access_right(KeyIndex index) {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(auto ref, by_index(index));
    const bool held = m_access.erase(index) != 0;
    auto e = event("device.key.access_released");
    e.key_index = index;
    e.key_label = ref.info.label;
    e.algorithm = ref.info.algorithm;
    e.detail = held ? "access right released" : "no access right was held";
    return e;
}

Result<Bytes> Pkcs11Device::do_sign(KeyIndex index, BytesView message, std::string_view /*sm2_id*/) {
    std::lock_guard lock(m_mutex);
    auto it = m_access.find(index);
    if (it == m_access.end())
        return make_error(Errc::device_no_access_right,
                          "no private key access right for key " + std::to_string(index) +
                              ": call get_private_key_access_right with the key PIN first (GM/T 0018 "
                              "GetPrivateKeyAccessRight)");
    YX_ASSIGN_OR_RETURN(auto ref, by_index(index));
    CK_MECHANISM mech{};
    Bytes input;
    if (ref.info.algorithm == KeyAlgorithm::ecdsa_p256) {
        // CKM_ECDSA signs a hash given by the caller (PKCS#11 v2.40 §2.3.6): SHA-256 here.
        mech.mechanism = CKM_ECDSA;
        YX_ASSIGN_OR_RETURN(input, sha256(message));
    } else {
        mech.mechanism = CKM_SHA256_RSA_PKCS;
        input.assign(message.begin(), message.end());
    }
    if (CK_RV rv = m_fn->C_SignInit(m_session, &mech, it->second); rv != CKR_OK) return ck_error("C_SignInit", rv);
    CK_ULONG len = 0;
    if (CK_RV rv = m_fn->C_Sign(m_session, input.data(), static_cast<CK_ULONG>(input.size()), nullptr, &len);
        rv != CKR_OK)
        return ck_error("C_Sign", rv);
    Bytes sig(len);
    if (CK_RV rv = m_fn->C_Sign(m_session, input.data(), static_cast<CK_ULONG>(input.size()), sig.data(), &len);
        rv != CKR_OK)
        return ck_error("C_Sign", rv);
    sig.resize(len);
    if (ref.info.algorithm == KeyAlgorithm::ecdsa_p256) return crypto::raw_to_der(sig);  // r || s → DER
    return sig;
}

Result<SecretBytes> Pkcs11Device::decrypt(KeyIndex index, BytesView /*ciphertext*/) {
    return make_error(
        Errc::device_unsupported_algorithm,
        "decrypt is SM2 (SM2Cipher) only, and the pkcs11 backend has no SM2 keys (key " + std::to_string(index) + ")");
}

Result<Bytes> Pkcs11Device::generate_random(std::size_t n) {
    if (n > k_max_random)
        return make_error(Errc::limit_exceeded, "at most " + std::to_string(k_max_random) + " random bytes per call");
    std::lock_guard lock(m_mutex);
    Bytes out(n);
    if (n == 0) return out;
    if (CK_RV rv = m_fn->C_GenerateRandom(m_session, out.data(), static_cast<CK_ULONG>(n)); rv != CKR_OK)
        return ck_error("C_GenerateRandom", rv);
    return out;
}

}  // namespace

Result<std::unique_ptr<Device>> open_pkcs11_device(const DeviceConfig& config) {
    if (config.location.empty()) return make_error(Errc::invalid_argument, "pkcs11 device: module path is empty");
    if (config.token_label.empty()) return make_error(Errc::invalid_argument, "pkcs11 device: token label is empty");
    YX_ASSIGN_OR_RETURN(auto module, Module::get(config.location));
    CK_FUNCTION_LIST_PTR fn = module->fn();

    CK_ULONG n = 0;
    if (CK_RV rv = fn->C_GetSlotList(CK_TRUE, nullptr, &n); rv != CKR_OK) return ck_error("C_GetSlotList", rv);
    std::vector<CK_SLOT_ID> slots(n);
    if (n > 0)
        if (CK_RV rv = fn->C_GetSlotList(CK_TRUE, slots.data(), &n); rv != CKR_OK) return ck_error("C_GetSlotList", rv);
    slots.resize(n);
    std::optional<CK_SLOT_ID> slot;
    std::string seen;
    for (auto s : slots) {
        CK_TOKEN_INFO ti{};
        if (fn->C_GetTokenInfo(s, &ti) != CKR_OK) continue;
        const std::string label = trim_padded(ti.label, sizeof ti.label);
        seen += (seen.empty() ? "'" : ", '") + label + "'";
        if (label == config.token_label && !slot) slot = s;
    }
    if (!slot)
        return make_error(Errc::device_token_not_found, "no token labelled '" + config.token_label + "' in " +
                                                            config.location +
                                                            " (tokens: " + (seen.empty() ? "none" : seen) + ")");
    CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
    if (CK_RV rv = fn->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session);
        rv != CKR_OK)
        return ck_error("C_OpenSession", rv);
    auto dev = std::make_unique<Pkcs11Device>(module, session, config);  // closes the session on failure
    std::string pin = config.user_pin;
    const CK_RV rv =
        fn->C_Login(session, CKU_USER, reinterpret_cast<unsigned char*>(pin.data()), static_cast<CK_ULONG>(pin.size()));
    secure_zero(pin.data(), pin.capacity());
    if (rv == CKR_PIN_INCORRECT)
        return make_error(Errc::device_wrong_pin, "wrong user PIN for token '" + config.token_label + "'");
    // Login state is shared by all sessions of the application: another device on the token has it.
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return ck_error("C_Login", rv);
    YX_TRY(dev->load_token_info(*slot));
    return std::unique_ptr<Device>(std::move(dev));
}

}  // namespace yinxin::device
