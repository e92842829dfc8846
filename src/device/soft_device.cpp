// The "soft" device: private keys at rest only under SM4-GCM with a KEK derived from a master key
// that exists only while custodians restore it (LD/T 03-2022 §8.3.6 a 3, b).
#include "yinxin/device/soft_device.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <variant>

#include "yinxin/crypto/foreign.h"
#include "yinxin/crypto/kdf.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/shamir.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm2_cipher.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/crypto/sm4.h"
#include "yinxin/sqlite/database.h"

namespace yinxin::device {
namespace {

using Db = sqlite::Database;
using sqlite::Transaction;

// The key store reports every SQLite failure in the device band, as before the wrapper was shared.
constexpr sqlite::ErrorCodes k_store_errors{Errc::device_store_error, Errc::device_store_error,
                                            Errc::device_store_error, "device store"};

constexpr std::string_view k_backend = "soft";
// PRAGMA application_id: "YXDV". Marks the file as a Yinxin device store so that another SQLite
// file given by mistake is refused before any table is created in it.
constexpr std::int64_t k_application_id = 0x59584456;
constexpr std::size_t k_master_len = 32;
constexpr std::size_t k_salt_len = 16;
constexpr std::size_t k_gcm_iv_len = 12;
constexpr std::size_t k_pin_hash_len = 32;
constexpr std::size_t k_max_name_len = 128;
constexpr std::size_t k_max_random = std::size_t{1} << 20;

// Labels fed to HMAC-SM3 to derive independent values from the master key.
constexpr std::string_view k_check_label = "yinxin-device-check";
constexpr std::string_view k_kek_label = "yinxin-device-kek";

// Numbered migrations (STYLE.md 14). Never edit a released one; append.
struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

constexpr Migration k_migrations[] = {
    {1, "initial key store",
     R"sql(
CREATE TABLE device_meta (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  device_id TEXT NOT NULL,
  threshold INTEGER NOT NULL,
  custodian_count INTEGER NOT NULL,
  check_value BLOB NOT NULL,
  share_generation INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE custodians (
  name TEXT PRIMARY KEY,
  share_x INTEGER NOT NULL UNIQUE CHECK (share_x BETWEEN 1 AND 255),
  kdf_salt BLOB NOT NULL,
  kdf_iterations INTEGER NOT NULL,
  nonce BLOB NOT NULL,
  sealed_share BLOB NOT NULL,
  share_generation INTEGER NOT NULL,
  added_at INTEGER NOT NULL
);
CREATE TABLE keys (
  key_index INTEGER PRIMARY KEY CHECK (key_index >= 1),
  label TEXT NOT NULL UNIQUE,
  algorithm TEXT NOT NULL,
  public_key BLOB NOT NULL,
  nonce BLOB NOT NULL,
  sealed_private BLOB NOT NULL,
  pin_salt BLOB NOT NULL,
  pin_iterations INTEGER NOT NULL,
  pin_hash BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
)sql"},
};

// Length-prefixed fields, so that no two different field lists give the same AAD.
class Aad {
public:
    explicit Aad(std::string_view purpose) { add(purpose); }
    Aad& add(std::string_view s) { return add(as_bytes(s)); }
    Aad& add(BytesView b) {
        const auto n = static_cast<std::uint32_t>(b.size());
        for (int shift = 24; shift >= 0; shift -= 8) m_bytes.push_back(static_cast<std::uint8_t>(n >> shift));
        m_bytes.insert(m_bytes.end(), b.begin(), b.end());
        return *this;
    }
    Aad& add_u32(std::uint32_t v) {
        const std::uint8_t b[4] = {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                                   static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
        return add(BytesView(b, 4));
    }
    const Bytes& bytes() const { return m_bytes; }

private:
    Bytes m_bytes;
};

Bytes share_aad(std::string_view device_id, std::string_view custodian, std::uint8_t x) {
    return Aad("yinxin-device-share").add(device_id).add(custodian).add_u32(x).bytes();
}

Bytes key_aad(std::string_view device_id, KeyIndex index, std::string_view label, KeyAlgorithm alg) {
    return Aad("yinxin-device-key").add(device_id).add_u32(index).add(label).add(key_algorithm_name(alg)).bytes();
}

SecretBytes derive(BytesView master, std::string_view label) {
    const auto mac = crypto::hmac_sm3(master, as_bytes(label));
    SecretBytes out(mac.begin(), mac.end());
    return out;
}

// Custodian names are written one per line as "name:password" in ceremony files (cli), so they
// may not contain ':'; no name or label may contain control characters (they end up in logs).
Status check_name(std::string_view what, std::string_view name, bool allow_colon) {
    if (name.empty() || name.size() > k_max_name_len)
        return make_error(Errc::invalid_argument,
                          std::string(what) + " must be 1.." + std::to_string(k_max_name_len) + " bytes");
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f || (c == ':' && !allow_colon))
            return make_error(Errc::invalid_argument, std::string(what) + " '" + std::string(name) +
                                                          (allow_colon ? "' contains a control character"
                                                                       : "' contains ':' or a control character"));
    return ok_status();
}

Status check_secret(std::string_view what, std::string_view secret) {
    if (secret.size() < k_min_secret_len)
        return make_error(Errc::device_weak_secret,
                          std::string(what) + " is shorter than " + std::to_string(k_min_secret_len) + " characters");
    return ok_status();
}

std::string join(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
}

struct Meta {
    std::string device_id;
    unsigned threshold = 0;
    unsigned custodian_count = 0;
    Bytes check_value;
    std::uint64_t share_generation = 0;
};

struct LoadedKey {
    KeyAlgorithm algorithm;
    std::string label;
    std::variant<crypto::Sm2PrivateKey, crypto::EcdsaP256PrivateKey> key;
};

class SoftDevice final : public Device, public CustodianControl {
public:
    SoftDevice(std::string path, Db db, SoftDeviceOptions options)
        : m_path(std::move(path)), m_db(std::move(db)), m_options(std::move(options)) {
        m_clock = m_options.clock ? m_options.clock : &m_system_clock;
        m_rng = m_options.rng ? m_options.rng : &m_openssl_rng;
    }

    Status migrate();

    // Device
    DeviceInfo info() const override;
    Result<std::vector<KeyInfo>> list_keys() const override;
    Result<KeyInfo> find_key(std::string_view label) const override;
    Result<GeneratedKey> generate_key_pair(KeyAlgorithm alg, std::string_view label, std::string_view pin) override;
    Result<Bytes> export_public_key(KeyIndex index) const override;
    Result<DeviceEvent> get_private_key_access_right(KeyIndex index, std::string_view pin) override;
    Result<DeviceEvent> release_private_key_access_right(KeyIndex index) override;
    Result<SecretBytes> decrypt(KeyIndex index, BytesView ciphertext) override;
    Result<Bytes> generate_random(std::size_t n) override;
    CustodianControl* custodian_control() noexcept override { return this; }

    // CustodianControl
    Result<DeviceEvent> init(std::span<const Credential> custodians, unsigned threshold,
                             const CustodianPolicy& policy) override;
    Result<DeviceEvent> unlock(std::span<const Credential> shares) override;
    DeviceEvent lock() override;
    Result<DeviceEvent> reshare(std::span<const Credential> present, std::span<const Credential> new_custodians,
                                const CustodianPolicy& policy) override;

protected:
    Result<Bytes> do_sign(KeyIndex index, BytesView message, std::string_view sm2_id) override;

private:
    Result<std::optional<Meta>> load_meta() const;
    Result<Meta> require_meta() const;
    Result<SecretBytes> recover_master(const Meta& meta, std::span<const Credential> shares) const;
    Status check_new_custodians(std::span<const Credential> custodians, const CustodianPolicy& policy) const;
    // Inserts the custodian rows for `master` (inside the caller's transaction).
    Status write_shares(const std::string& device_id, BytesView master, std::span<const Credential> custodians,
                        std::uint64_t generation, std::int64_t now);
    Result<KeyInfo> load_key_info(KeyIndex index) const;
    Result<const LoadedKey*> usable_key(KeyIndex index) const;
    Status fault(std::string_view point) const {
        return m_options.fault_hook ? m_options.fault_hook(point) : ok_status();
    }
    DeviceEvent event(std::string action, const std::string& device_id) const {
        DeviceEvent e;
        e.action = std::move(action);
        e.backend = std::string(k_backend);
        e.device_id = device_id;
        e.at = m_clock->now();
        return e;
    }
    std::int64_t now_unix() const { return to_unix(m_clock->now()); }
    DeviceState state_locked() const;

    std::string m_path;
    mutable Db m_db;  // SQLite statements are not const even for reads
    SoftDeviceOptions m_options;
    SystemClock m_system_clock;
    crypto::OpensslRng m_openssl_rng;
    const Clock* m_clock = nullptr;
    Rng* m_rng = nullptr;

    mutable std::mutex m_mutex;
    SecretBytes m_kek;                       // empty while locked
    std::map<KeyIndex, LoadedKey> m_loaded;  // private key access rights held (SDF session state)
};

Status SoftDevice::migrate() {
    // WAL: readers do not block the writer and a crash mid-commit leaves the last committed state.
    // synchronous=FULL: a key reported generated survives power loss. secure_delete: replaced
    // share rows are overwritten, not left in free pages.
    YX_TRY(
        m_db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
                  " PRAGMA foreign_keys=ON;"));
    {
        YX_ASSIGN_OR_RETURN(auto st, m_db.prepare("PRAGMA application_id"));
        YX_ASSIGN_OR_RETURN(bool row, st.step());
        const std::int64_t app_id = row ? st.column_int(0) : 0;
        YX_ASSIGN_OR_RETURN(auto tables, m_db.prepare("SELECT count(*) FROM sqlite_master"));
        YX_ASSIGN_OR_RETURN(bool trow, tables.step());
        const std::int64_t n_tables = trow ? tables.column_int(0) : 0;
        if (app_id != k_application_id) {
            if (app_id != 0 || n_tables != 0)
                return make_error(Errc::device_store_version, "'" + m_path + "' is not a Yinxin device store");
            YX_TRY(m_db.exec("PRAGMA application_id=" + std::to_string(k_application_id)));
        }
    }
    YX_TRY(
        m_db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                  " applied_at INTEGER NOT NULL)"));
    int current = 0;
    {
        YX_ASSIGN_OR_RETURN(auto st, m_db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
        YX_ASSIGN_OR_RETURN(bool row, st.step());
        if (row) current = static_cast<int>(st.column_int(0));
    }
    const int latest = k_migrations[std::size(k_migrations) - 1].version;
    if (current > latest)
        return make_error(Errc::device_store_version, "device store '" + m_path + "' has schema version " +
                                                          std::to_string(current) + "; this build knows up to " +
                                                          std::to_string(latest));
    for (const auto& m : k_migrations) {
        if (m.version <= current) continue;
        YX_ASSIGN_OR_RETURN(auto txn, Transaction::begin(m_db));
        YX_TRY(m_db.exec(m.sql));
        YX_ASSIGN_OR_RETURN(auto ins, m_db.prepare("INSERT INTO schema_migrations (version, name, applied_at)"
                                                   " VALUES (?, ?, ?)"));
        YX_TRY(ins.bind(1, std::int64_t{m.version}).bind(2, m.name).bind(3, now_unix()).run());
        YX_TRY(txn.commit());
    }
    return ok_status();
}

Result<std::optional<Meta>> SoftDevice::load_meta() const {
    YX_ASSIGN_OR_RETURN(auto st,
                        m_db.prepare("SELECT device_id, threshold, custodian_count, check_value, share_generation"
                                     " FROM device_meta WHERE singleton = 1"));
    YX_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return std::optional<Meta>{};
    Meta m;
    m.device_id = st.column_text(0);
    m.threshold = static_cast<unsigned>(st.column_int(1));
    m.custodian_count = static_cast<unsigned>(st.column_int(2));
    m.check_value = st.column_blob(3);
    m.share_generation = static_cast<std::uint64_t>(st.column_int(4));
    return std::optional<Meta>(std::move(m));
}

Result<Meta> SoftDevice::require_meta() const {
    YX_ASSIGN_OR_RETURN(auto meta, load_meta());
    if (!meta)
        return make_error(Errc::device_not_initialised,
                          "device store '" + m_path + "' is not initialised: run the custodian ceremony (device init)");
    return std::move(*meta);
}

DeviceState SoftDevice::state_locked() const { return m_kek.empty() ? DeviceState::locked : DeviceState::unlocked; }

DeviceInfo SoftDevice::info() const {
    std::lock_guard lock(m_mutex);
    DeviceInfo info;
    info.backend = std::string(k_backend);
    info.description = m_path;
    info.algorithms = {KeyAlgorithm::sm2, KeyAlgorithm::ecdsa_p256};
    auto meta = load_meta();
    if (!meta.ok() || !meta.value()) {
        info.state = DeviceState::uninitialised;
        return info;
    }
    info.device_id = meta.value()->device_id;
    info.threshold = meta.value()->threshold;
    info.share_generation = meta.value()->share_generation;
    info.state = state_locked();
    if (auto st = m_db.prepare("SELECT name FROM custodians ORDER BY share_x"); st.ok()) {
        while (true) {
            auto row = st->step();
            if (!row.ok() || !row.value()) break;
            info.custodians.push_back(st->column_text(0));
        }
    }
    if (auto st = m_db.prepare("SELECT count(*) FROM keys"); st.ok()) {
        auto row = st->step();
        if (row.ok() && row.value()) info.key_count = static_cast<std::size_t>(st->column_int(0));
    }
    return info;
}

Status SoftDevice::check_new_custodians(std::span<const Credential> custodians, const CustodianPolicy& policy) const {
    if (!policy)
        return make_error(Errc::invalid_argument,
                          "a custodian policy is required (LD/T 03-2022 §8.3.6 d); pass unchecked_custodian_policy() "
                          "explicitly where no staff register exists");
    if (custodians.size() != k_custodian_count)
        return make_error(Errc::invalid_argument, std::to_string(custodians.size()) +
                                                      " custodians given; LD/T 03-2022 §8.3.6 b 1 requires " +
                                                      std::to_string(k_custodian_count));
    std::set<std::string, std::less<>> seen;
    for (const auto& c : custodians) {
        YX_TRY(check_name("custodian name", c.name, false));
        if (!seen.insert(c.name).second)
            return make_error(Errc::invalid_argument, "custodian '" + c.name + "' is listed twice");
        YX_TRY(check_secret("password of custodian '" + c.name + "'", c.secret));
    }
    // LD/T 03-2022 §8.3.6 d: some staff roles may not hold a share.
    for (const auto& c : custodians) {
        auto st = policy(c.name);
        if (!st.ok())
            return make_error(Errc::device_custodian_refused,
                              "custodian '" + c.name + "' refused: " + st.error().message);
    }
    return ok_status();
}

Status SoftDevice::write_shares(const std::string& device_id, BytesView master, std::span<const Credential> custodians,
                                std::uint64_t generation, std::int64_t now) {
    YX_ASSIGN_OR_RETURN(auto shares, crypto::shamir_split(master, k_custodian_threshold,
                                                          static_cast<unsigned>(custodians.size()), *m_rng));
    for (std::size_t i = 0; i < custodians.size(); ++i) {
        const auto& c = custodians[i];
        const auto& share = shares[i];
        YX_ASSIGN_OR_RETURN(Bytes salt, m_rng->bytes(k_salt_len));
        YX_ASSIGN_OR_RETURN(Bytes iv, m_rng->bytes(k_gcm_iv_len));
        YX_ASSIGN_OR_RETURN(SecretBytes key,
                            crypto::pbkdf2_sm3(c.secret, salt, m_options.pbkdf2_iterations, crypto::k_sm4_key_len));
        YX_ASSIGN_OR_RETURN(Bytes sealed,
                            crypto::sm4_gcm_seal(key, iv, share_aad(device_id, c.name, share.x), share.y));
        YX_ASSIGN_OR_RETURN(auto ins, m_db.prepare("INSERT INTO custodians (name, share_x, kdf_salt, kdf_iterations,"
                                                   " nonce, sealed_share, share_generation, added_at)"
                                                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
        YX_TRY(ins.bind(1, c.name)
                   .bind(2, std::int64_t{share.x})
                   .bind_blob(3, BytesView(salt))
                   .bind(4, std::int64_t{m_options.pbkdf2_iterations})
                   .bind_blob(5, BytesView(iv))
                   .bind_blob(6, BytesView(sealed))
                   .bind(7, static_cast<std::int64_t>(generation))
                   .bind(8, now)
                   .run());
    }
    return ok_status();
}

Result<DeviceEvent> SoftDevice::init(std::span<const Credential> custodians, unsigned threshold,
                                     const CustodianPolicy& policy) {
    std::lock_guard lock(m_mutex);
    if (threshold != k_custodian_threshold)
        return make_error(Errc::invalid_argument,
                          "threshold " + std::to_string(threshold) + "; LD/T 03-2022 §8.3.6 b 1 requires 3 of 5");
    YX_TRY(check_new_custodians(custodians, policy));
    YX_ASSIGN_OR_RETURN(auto existing, load_meta());
    if (existing)
        return make_error(Errc::device_already_initialised,
                          "device store '" + m_path + "' is already initialised (device " + existing->device_id + ")");

    SecretBytes master(k_master_len);
    YX_TRY(m_rng->fill(master));
    YX_ASSIGN_OR_RETURN(Bytes id_bytes, m_rng->bytes(16));
    const std::string device_id = hex_encode(id_bytes);
    const SecretBytes check = derive(master, k_check_label);
    const std::int64_t now = now_unix();

    YX_ASSIGN_OR_RETURN(auto txn, Transaction::begin(m_db));
    {
        YX_ASSIGN_OR_RETURN(auto ins, m_db.prepare("INSERT INTO device_meta (singleton, device_id, threshold,"
                                                   " custodian_count, check_value, share_generation, created_at,"
                                                   " updated_at) VALUES (1, ?, ?, ?, ?, 1, ?, ?)"));
        YX_TRY(ins.bind(1, device_id)
                   .bind(2, std::int64_t{k_custodian_threshold})
                   .bind(3, static_cast<std::int64_t>(custodians.size()))
                   .bind_blob(4, BytesView(check))
                   .bind(5, now)
                   .bind(6, now)
                   .run());
    }
    YX_TRY(write_shares(device_id, master, custodians, 1, now));
    YX_TRY(fault("init.before_commit"));
    YX_TRY(txn.commit());
    // `master` is wiped by SecretBytes here: only the shares remain (LD/T 03-2022 §8.3.6 b 1).

    auto e = event("device.init", device_id);
    for (const auto& c : custodians) e.custodians.push_back(c.name);
    e.detail = "master key created and split " + std::to_string(k_custodian_threshold) + " of " +
               std::to_string(custodians.size()) + "; device left locked";
    return e;
}

Result<SecretBytes> SoftDevice::recover_master(const Meta& meta, std::span<const Credential> shares) const {
    if (shares.size() < meta.threshold)
        return make_error(Errc::device_insufficient_shares, std::to_string(shares.size()) + " share(s) given; " +
                                                                std::to_string(meta.threshold) + " of " +
                                                                std::to_string(meta.custodian_count) +
                                                                " custodians are needed (LD/T 03-2022 §8.3.6 b 3)");
    std::set<std::string, std::less<>> seen;
    for (const auto& s : shares)
        if (!seen.insert(s.name).second)
            return make_error(Errc::invalid_argument, "custodian '" + s.name + "' is listed twice");

    std::vector<crypto::ShamirShare> opened;
    std::vector<std::string> unknown, wrong;
    for (const auto& s : shares) {
        YX_ASSIGN_OR_RETURN(auto st, m_db.prepare("SELECT share_x, kdf_salt, kdf_iterations, nonce, sealed_share"
                                                  " FROM custodians WHERE name = ?"));
        st.bind(1, s.name);
        YX_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) {
            unknown.push_back(s.name);
            continue;
        }
        const auto x = static_cast<std::uint8_t>(st.column_int(0));
        const Bytes salt = st.column_blob(1);
        const auto iterations = static_cast<unsigned>(st.column_int(2));
        const Bytes iv = st.column_blob(3);
        const Bytes sealed = st.column_blob(4);
        YX_ASSIGN_OR_RETURN(SecretBytes key, crypto::pbkdf2_sm3(s.secret, salt, iterations, crypto::k_sm4_key_len));
        auto y = crypto::sm4_gcm_open(key, iv, share_aad(meta.device_id, s.name, x), sealed);
        if (!y.ok()) {
            if (y.code() != Errc::crypto_auth_tag_mismatch) return std::move(y).error();
            wrong.push_back(s.name);
            continue;
        }
        opened.push_back(crypto::ShamirShare{x, std::move(y).value()});
    }
    if (!unknown.empty())
        return make_error(Errc::device_unknown_custodian, "not a custodian of this device: " + join(unknown));
    if (!wrong.empty())
        return make_error(Errc::device_wrong_password,
                          "share could not be opened (wrong password) for custodian(s): " + join(wrong));
    YX_ASSIGN_OR_RETURN(SecretBytes master, crypto::shamir_combine(opened, meta.threshold));
    const SecretBytes check = derive(master, k_check_label);
    if (!constant_time_equal(check, meta.check_value))
        return make_error(Errc::device_check_value_mismatch,
                          "the shares opened but do not restore the master key (check value mismatch): the store "
                          "has been altered or mixes shares of different devices");
    return master;
}

Result<DeviceEvent> SoftDevice::unlock(std::span<const Credential> shares) {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(Meta meta, require_meta());
    YX_ASSIGN_OR_RETURN(SecretBytes master, recover_master(meta, shares));
    SecretBytes kek = derive(master, k_kek_label);
    kek.resize(crypto::k_sm4_key_len);
    m_kek = std::move(kek);
    auto e = event("device.unlock", meta.device_id);
    for (const auto& s : shares) e.custodians.push_back(s.name);
    e.detail = std::to_string(shares.size()) + " of " + std::to_string(meta.custodian_count) +
               " shares restored the master key";
    return e;
}

DeviceEvent SoftDevice::lock() {
    std::lock_guard lock(m_mutex);
    SecretBytes().swap(m_kek);  // the old buffer is freed through the zeroizing allocator
    const std::size_t released = m_loaded.size();
    m_loaded.clear();
    auto meta = load_meta();
    auto e = event("device.lock", meta.ok() && meta.value() ? meta.value()->device_id : std::string());
    e.detail = "key-encryption key wiped; " + std::to_string(released) + " access right(s) released";
    return e;
}

Result<DeviceEvent> SoftDevice::reshare(std::span<const Credential> present, std::span<const Credential> new_custodians,
                                        const CustodianPolicy& policy) {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(Meta meta, require_meta());
    YX_TRY(check_new_custodians(new_custodians, policy));
    YX_ASSIGN_OR_RETURN(SecretBytes master, recover_master(meta, present));
    const std::int64_t now = now_unix();
    const std::uint64_t generation = meta.share_generation + 1;
    {
        YX_ASSIGN_OR_RETURN(auto txn, Transaction::begin(m_db));
        YX_TRY(m_db.exec("DELETE FROM custodians"));
        YX_TRY(write_shares(meta.device_id, master, new_custodians, generation, now));
        YX_ASSIGN_OR_RETURN(auto up, m_db.prepare("UPDATE device_meta SET share_generation = ?, custodian_count = ?,"
                                                  " updated_at = ? WHERE singleton = 1"));
        YX_TRY(up.bind(1, static_cast<std::int64_t>(generation))
                   .bind(2, static_cast<std::int64_t>(new_custodians.size()))
                   .bind(3, now)
                   .run());
        YX_TRY(fault("reshare.before_commit"));
        YX_TRY(txn.commit());
    }
    // The old share rows were overwritten in the database (secure_delete) but the WAL still holds
    // the pages until a checkpoint; truncate it so the old shares do not linger on disk.
    (void)m_db.exec("PRAGMA wal_checkpoint(TRUNCATE)");

    auto e = event("device.reshare", meta.device_id);
    for (const auto& c : new_custodians) e.custodians.push_back(c.name);
    std::vector<std::string> present_names;
    for (const auto& p : present) present_names.push_back(p.name);
    e.detail = "master key re-split to a new custodian set (generation " + std::to_string(generation) +
               "); present: " + join(present_names);
    return e;
}

Result<GeneratedKey> SoftDevice::generate_key_pair(KeyAlgorithm alg, std::string_view label, std::string_view pin) {
    // SM2 for everything GM; ECDSA P-256 for the TLS certificate authority only. The sealed
    // private part is the SM2 scalar or the P-256 PKCS#8, bound to the algorithm by the AAD.
    if (alg != KeyAlgorithm::sm2 && alg != KeyAlgorithm::ecdsa_p256)
        return make_error(
            Errc::device_unsupported_algorithm,
            "the soft device generates SM2 and ECDSA P-256 keys, not " + std::string(key_algorithm_name(alg)));
    YX_TRY(check_name("key label", label, true));
    YX_TRY(check_secret("key PIN", pin));
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(Meta meta, require_meta());
    if (m_kek.empty())
        return make_error(Errc::device_locked, "device is locked: " + std::to_string(meta.threshold) +
                                                   " custodians must unlock it before keys can be generated");

    Bytes spki;
    SecretBytes private_part;
    if (alg == KeyAlgorithm::sm2) {
        YX_ASSIGN_OR_RETURN(auto key, crypto::Sm2PrivateKey::generate());
        spki = key.public_key().spki_der();
        private_part = key.scalar();
    } else {
        YX_ASSIGN_OR_RETURN(auto key, crypto::EcdsaP256PrivateKey::generate());
        spki = key.spki_der();
        private_part = key.pkcs8_der();
    }
    YX_ASSIGN_OR_RETURN(Bytes pin_salt, m_rng->bytes(k_salt_len));
    YX_ASSIGN_OR_RETURN(SecretBytes pin_hash,
                        crypto::pbkdf2_sm3(pin, pin_salt, m_options.pbkdf2_iterations, k_pin_hash_len));
    YX_ASSIGN_OR_RETURN(Bytes iv, m_rng->bytes(k_gcm_iv_len));

    // One transaction: the sealed key and its index appear together or not at all.
    YX_ASSIGN_OR_RETURN(auto txn, Transaction::begin(m_db));
    {
        YX_ASSIGN_OR_RETURN(auto st, m_db.prepare("SELECT key_index FROM keys WHERE label = ?"));
        st.bind(1, label);
        YX_ASSIGN_OR_RETURN(bool row, st.step());
        if (row)
            return make_error(
                Errc::device_duplicate_label,
                "key label '" + std::string(label) + "' is already used by key " + std::to_string(st.column_int(0)));
    }
    KeyIndex index = 0;
    {
        YX_ASSIGN_OR_RETURN(auto st, m_db.prepare("SELECT COALESCE(MAX(key_index), 0) + 1 FROM keys"));
        YX_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) return make_error(Errc::internal, "key index query returned no row");
        if (st.column_int(0) > std::int64_t{UINT32_MAX})
            return make_error(Errc::limit_exceeded, "key indices exhausted");
        index = static_cast<KeyIndex>(st.column_int(0));
    }
    {
        YX_ASSIGN_OR_RETURN(Bytes sealed,
                            crypto::sm4_gcm_seal(m_kek, iv, key_aad(meta.device_id, index, label, alg), private_part));
        YX_ASSIGN_OR_RETURN(auto ins, m_db.prepare("INSERT INTO keys (key_index, label, algorithm, public_key, nonce,"
                                                   " sealed_private, pin_salt, pin_iterations, pin_hash, created_at)"
                                                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        YX_TRY(ins.bind(1, std::int64_t{index})
                   .bind(2, label)
                   .bind(3, key_algorithm_name(alg))
                   .bind_blob(4, BytesView(spki))
                   .bind_blob(5, BytesView(iv))
                   .bind_blob(6, BytesView(sealed))
                   .bind_blob(7, BytesView(pin_salt))
                   .bind(8, std::int64_t{m_options.pbkdf2_iterations})
                   .bind_blob(9, BytesView(pin_hash))
                   .bind(10, now_unix())
                   .run());
    }
    YX_TRY(fault("key_generate.before_commit"));
    YX_TRY(txn.commit());
    YX_TRY(fault("key_generate.after_commit"));

    GeneratedKey out;
    out.key.index = index;
    out.key.label = std::string(label);
    out.key.algorithm = alg;
    out.key.public_key = spki;
    out.event = event("device.key.generate", meta.device_id);
    out.event.key_index = index;
    out.event.key_label = std::string(label);
    out.event.algorithm = alg;
    out.event.detail = "key pair generated inside the device; private key stored under the KEK";
    return out;
}

Result<KeyInfo> SoftDevice::load_key_info(KeyIndex index) const {
    YX_ASSIGN_OR_RETURN(auto st, m_db.prepare("SELECT label, algorithm, public_key FROM keys WHERE key_index = ?"));
    st.bind(1, std::int64_t{index});
    YX_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return make_error(Errc::device_key_not_found, "no key with index " + std::to_string(index));
    KeyInfo k;
    k.index = index;
    k.label = st.column_text(0);
    YX_ASSIGN_OR_RETURN(k.algorithm, parse_key_algorithm(st.column_text(1)));
    k.public_key = st.column_blob(2);
    k.access_right = m_loaded.count(index) != 0;
    return k;
}

Result<std::vector<KeyInfo>> SoftDevice::list_keys() const {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(auto st,
                        m_db.prepare("SELECT key_index, label, algorithm, public_key FROM keys ORDER BY key_index"));
    std::vector<KeyInfo> out;
    while (true) {
        YX_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        KeyInfo k;
        k.index = static_cast<KeyIndex>(st.column_int(0));
        k.label = st.column_text(1);
        YX_ASSIGN_OR_RETURN(k.algorithm, parse_key_algorithm(st.column_text(2)));
        k.public_key = st.column_blob(3);
        k.access_right = m_loaded.count(k.index) != 0;
        out.push_back(std::move(k));
    }
    return out;
}

Result<KeyInfo> SoftDevice::find_key(std::string_view label) const {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(auto st, m_db.prepare("SELECT key_index FROM keys WHERE label = ?"));
    st.bind(1, label);
    YX_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return make_error(Errc::device_key_not_found, "no key labelled '" + std::string(label) + "'");
    return load_key_info(static_cast<KeyIndex>(st.column_int(0)));
}

Result<Bytes> SoftDevice::export_public_key(KeyIndex index) const {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(KeyInfo k, load_key_info(index));
    return std::move(k.public_key);
}

Result<DeviceEvent> SoftDevice::get_private_key_access_right(KeyIndex index, std::string_view pin) {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(Meta meta, require_meta());
    if (m_kek.empty())
        return make_error(Errc::device_locked, "device is locked: custodians must unlock it before key " +
                                                   std::to_string(index) + " can be used");
    YX_ASSIGN_OR_RETURN(auto st,
                        m_db.prepare("SELECT label, algorithm, nonce, sealed_private, pin_salt, pin_iterations,"
                                     " pin_hash FROM keys WHERE key_index = ?"));
    st.bind(1, std::int64_t{index});
    YX_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return make_error(Errc::device_key_not_found, "no key with index " + std::to_string(index));
    const std::string label = st.column_text(0);
    YX_ASSIGN_OR_RETURN(KeyAlgorithm alg, parse_key_algorithm(st.column_text(1)));
    const Bytes iv = st.column_blob(2);
    const Bytes sealed = st.column_blob(3);
    const Bytes pin_salt = st.column_blob(4);
    const auto pin_iterations = static_cast<unsigned>(st.column_int(5));
    const Bytes pin_hash = st.column_blob(6);

    YX_ASSIGN_OR_RETURN(SecretBytes candidate, crypto::pbkdf2_sm3(pin, pin_salt, pin_iterations, k_pin_hash_len));
    if (!constant_time_equal(candidate, pin_hash))
        return make_error(Errc::device_wrong_pin, "wrong PIN for key " + std::to_string(index) + " ('" + label + "')");

    auto opened = crypto::sm4_gcm_open(m_kek, iv, key_aad(meta.device_id, index, label, alg), sealed);
    if (!opened.ok())
        return make_error(Errc::device_store_tampered,
                          "key " + std::to_string(index) + " ('" + label +
                              "') does not decrypt under this device's KEK: the record has been altered or moved");
    if (alg == KeyAlgorithm::ecdsa_p256) {
        YX_ASSIGN_OR_RETURN(auto key, crypto::EcdsaP256PrivateKey::from_pkcs8_der(opened.value()));
        m_loaded.insert_or_assign(index, LoadedKey{alg, label, std::move(key)});
    } else {
        YX_ASSIGN_OR_RETURN(auto key, crypto::Sm2PrivateKey::from_scalar(opened.value()));
        m_loaded.insert_or_assign(index, LoadedKey{alg, label, std::move(key)});
    }

    auto e = event("device.key.access_granted", meta.device_id);
    e.key_index = index;
    e.key_label = label;
    e.algorithm = alg;
    return e;
}

Result<DeviceEvent> SoftDevice::release_private_key_access_right(KeyIndex index) {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(Meta meta, require_meta());
    YX_ASSIGN_OR_RETURN(KeyInfo k, load_key_info(index));
    const bool held = m_loaded.erase(index) != 0;
    auto e = event("device.key.access_released", meta.device_id);
    e.key_index = index;
    e.key_label = k.label;
    e.algorithm = k.algorithm;
    e.detail = held ? "access right released" : "no access right was held";
    return e;
}

Result<const LoadedKey*> SoftDevice::usable_key(KeyIndex index) const {
    if (m_kek.empty())
        return make_error(Errc::device_locked, "device is locked: key " + std::to_string(index) + " cannot be used");
    auto it = m_loaded.find(index);
    if (it == m_loaded.end())
        return make_error(Errc::device_no_access_right,
                          "no private key access right for key " + std::to_string(index) +
                              ": call get_private_key_access_right with the key PIN first (GM/T 0018 "
                              "GetPrivateKeyAccessRight)");
    return &it->second;
}

Result<Bytes> SoftDevice::do_sign(KeyIndex index, BytesView message, std::string_view sm2_id) {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(const LoadedKey* k, usable_key(index));
    if (const auto* p256 = std::get_if<crypto::EcdsaP256PrivateKey>(&k->key)) return p256->sign_sha256(message);
    return crypto::sm2_sign(std::get<crypto::Sm2PrivateKey>(k->key), message, sm2_id);
}

Result<SecretBytes> SoftDevice::decrypt(KeyIndex index, BytesView ciphertext) {
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(const LoadedKey* k, usable_key(index));
    const auto* sm2 = std::get_if<crypto::Sm2PrivateKey>(&k->key);
    if (sm2 == nullptr)
        return make_error(Errc::device_unsupported_algorithm,
                          "key " + std::to_string(index) + " is not an SM2 key: only SM2 keys decrypt");
    return crypto::sm2_decrypt(*sm2, ciphertext, crypto::Sm2CipherFormat::asn1);
}

Result<Bytes> SoftDevice::generate_random(std::size_t n) {
    if (n > k_max_random)
        return make_error(Errc::limit_exceeded, "at most " + std::to_string(k_max_random) + " random bytes per call");
    std::lock_guard lock(m_mutex);
    return m_rng->bytes(n);
}

}  // namespace

Result<std::unique_ptr<Device>> open_soft_device(const std::string& path, SoftDeviceOptions options) {
    if (path.empty()) return make_error(Errc::invalid_argument, "soft device: store path is empty");
    YX_ASSIGN_OR_RETURN(Db db, Db::open(path, sqlite::OpenOptions{k_store_errors, options.create_if_missing, 5000}));
    auto dev = std::make_unique<SoftDevice>(path, std::move(db), std::move(options));
    YX_TRY(dev->migrate());
    return std::unique_ptr<Device>(std::move(dev));
}

}  // namespace yinxin::device
