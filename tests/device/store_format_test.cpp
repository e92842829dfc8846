// What the soft device's SQLite file holds, read from outside the device.
//
// How the "no private key in clear" scan gets the private scalars without a test-only hook in the
// production code: the test knows the custodian passwords, so it decrypts the store itself,
// following the documented format (include/yinxin/device/soft_device.h) with the crypto layer
// only: PBKDF2 → SM4-GCM share → Shamir → check value → KEK → SM4-GCM key record. Each recovered
// scalar must give exactly the public key the device exports (proof that it is the real key),
// and then none of the scalars, shares, master key, KEK, passwords or PINs may occur in the
// database, WAL or shared-memory files. The same code is a format test: a change to the on-disk
// format that the spec does not describe breaks it.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "device_test_util.h"
#include "yinxin/crypto/kdf.h"
#include "yinxin/crypto/shamir.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/crypto/sm4.h"
#include "yinxin/device/soft_device.h"

namespace yinxin::device {
namespace {

using testing::contains;
using testing::first_five;
using testing::k_test_iterations;
using testing::read_file_or_empty;
using testing::TempDir;

constexpr std::string_view k_pin = "key-pin-12345";

// Raw SQLite access, as an attacker holding the file (or an auditor) would have.
class RawDb {
public:
    explicit RawDb(const std::string& path, bool create = false) {
        const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
        if (sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr) != SQLITE_OK)
            throw std::runtime_error("cannot open " + path);
    }
    ~RawDb() { sqlite3_close_v2(m_db); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    void exec(const std::string& sql) {
        char* err = nullptr;
        if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "?";
            sqlite3_free(err);
            throw std::runtime_error(sql + ": " + msg);
        }
    }
    // Every row as a vector of columns; BLOB and TEXT columns as bytes, integers as decimal text.
    std::vector<std::vector<Bytes>> rows(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
            throw std::runtime_error(sql + ": " + sqlite3_errmsg(m_db));
        std::vector<std::vector<Bytes>> out;
        while (sqlite3_step(st) == SQLITE_ROW) {
            std::vector<Bytes> row;
            for (int i = 0; i < sqlite3_column_count(st); ++i) {
                if (sqlite3_column_type(st, i) == SQLITE_INTEGER) {
                    row.push_back(to_bytes(std::to_string(sqlite3_column_int64(st, i))));
                } else {
                    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, i));
                    row.emplace_back(p, p + sqlite3_column_bytes(st, i));
                }
            }
            out.push_back(std::move(row));
        }
        sqlite3_finalize(st);
        return out;
    }

private:
    sqlite3* m_db = nullptr;
};

unsigned as_uint(const Bytes& b) { return static_cast<unsigned>(std::stoul(to_string(b))); }

// The AAD encoding from the format description: each field as u32 big-endian length || bytes.
void field(Bytes& aad, BytesView v) {
    const auto n = static_cast<std::uint32_t>(v.size());
    for (int s = 24; s >= 0; s -= 8) aad.push_back(static_cast<std::uint8_t>(n >> s));
    aad.insert(aad.end(), v.begin(), v.end());
}
void field_u32(Bytes& aad, std::uint32_t v) {
    const std::uint8_t b[4] = {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                               static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    field(aad, BytesView(b, 4));
}

struct Recovered {
    SecretBytes master;
    SecretBytes kek;
    std::vector<SecretBytes> shares;
    std::vector<SecretBytes> scalars;
};

Recovered recover_from_file(const std::string& path, const std::vector<Credential>& creds) {
    RawDb db(path);
    Recovered out;
    const auto meta = db.rows("SELECT device_id, check_value FROM device_meta");
    EXPECT_EQ(meta.size(), 1u);
    const std::string device_id = to_string(meta.at(0)[0]);
    std::vector<crypto::ShamirShare> shares;
    for (const auto& c : creds) {
        const auto r = db.rows(
            "SELECT share_x, kdf_salt, kdf_iterations, nonce, sealed_share FROM custodians"
            " WHERE name = '" +
            c.name + "'");
        EXPECT_EQ(r.size(), 1u) << c.name;
        if (r.size() != 1) continue;
        const auto x = static_cast<std::uint8_t>(as_uint(r[0][0]));
        auto key = crypto::pbkdf2_sm3(c.secret, r[0][1], as_uint(r[0][2]), 16);
        EXPECT_TRUE(key.ok());
        Bytes aad;
        field(aad, as_bytes("yinxin-device-share"));
        field(aad, as_bytes(device_id));
        field(aad, as_bytes(c.name));
        field_u32(aad, x);
        auto y = crypto::sm4_gcm_open(*key, r[0][3], aad, r[0][4]);
        EXPECT_TRUE(y.ok()) << "share of " << c.name << " does not open as documented";
        if (!y.ok()) continue;
        out.shares.push_back(*y);
        shares.push_back({x, *y});
    }
    auto master = crypto::shamir_combine(shares, 3);
    EXPECT_TRUE(master.ok());
    out.master = *master;
    const auto check = crypto::hmac_sm3(out.master, as_bytes("yinxin-device-check"));
    EXPECT_EQ(Bytes(check.begin(), check.end()), meta.at(0)[1]) << "check value is not HMAC-SM3(master, label)";
    const auto kek = crypto::hmac_sm3(out.master, as_bytes("yinxin-device-kek"));
    out.kek.assign(kek.begin(), kek.begin() + 16);

    for (const auto& row : db.rows("SELECT key_index, label, algorithm, public_key, nonce, sealed_private FROM keys")) {
        Bytes aad;
        field(aad, as_bytes("yinxin-device-key"));
        field(aad, as_bytes(device_id));
        field_u32(aad, as_uint(row[0]));
        field(aad, row[1]);
        field(aad, row[2]);
        auto scalar = crypto::sm4_gcm_open(out.kek, row[4], aad, row[5]);
        EXPECT_TRUE(scalar.ok()) << "key record " << to_string(row[0]) << " does not open as documented";
        if (!scalar.ok()) continue;
        EXPECT_EQ(scalar->size(), 32u);
        auto priv = crypto::Sm2PrivateKey::from_scalar(*scalar);
        EXPECT_TRUE(priv.ok());
        if (priv.ok()) {
            EXPECT_EQ(priv->public_key().spki_der(), row[3]) << "recovered scalar is not this key's";
        }
        out.scalars.push_back(*scalar);
    }
    return out;
}

class StoreFormatTest : public ::testing::Test {
protected:
    std::unique_ptr<Device> open(std::function<Status(std::string_view)> hook = {}) {
        SoftDeviceOptions o;
        o.pbkdf2_iterations = k_test_iterations;
        o.fault_hook = std::move(hook);
        auto r = open_soft_device(m_store, std::move(o));
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return std::move(r).value();
    }
    static std::vector<Credential> three() {
        auto all = first_five();
        return {all[0], all[1], all[2]};
    }
    Bytes all_file_bytes() const {
        Bytes b = read_file_or_empty(m_store);
        for (const char* suffix : {"-wal", "-shm", "-journal"}) {
            Bytes more = read_file_or_empty(m_store + suffix);
            b.insert(b.end(), more.begin(), more.end());
        }
        return b;
    }
    void expect_no_secret_in_files(const Recovered& rec, const std::vector<Bytes>& public_keys) {
        const Bytes files = all_file_bytes();
        ASSERT_GT(files.size(), 4096u);
        // The scan sees what the device wrote: every public point is there.
        for (const auto& spki : public_keys) EXPECT_TRUE(contains(files, BytesView(spki).last(65)));
        for (std::size_t i = 0; i < rec.scalars.size(); ++i)
            EXPECT_FALSE(contains(files, rec.scalars[i])) << "private scalar " << i << " found in clear";
        EXPECT_FALSE(contains(files, rec.master)) << "master key found in clear";
        EXPECT_FALSE(contains(files, rec.kek)) << "KEK found in clear";
        for (const auto& s : rec.shares) EXPECT_FALSE(contains(files, s)) << "share found in clear";
        for (const auto& c : first_five()) EXPECT_FALSE(contains(files, as_bytes(c.secret))) << c.name;
        EXPECT_FALSE(contains(files, as_bytes(k_pin))) << "key PIN found in clear";
    }

    TempDir m_dir;
    std::string m_store = m_dir.file("device.db");
};

TEST_F(StoreFormatTest, NoPrivateKeyMasterKeyOrShareInClearInDbOrWal) {
    auto dev = open();
    ASSERT_TRUE(dev->custodian_control()->init(first_five(), 3, unchecked_custodian_policy()).ok());
    ASSERT_TRUE(dev->custodian_control()->unlock(three()).ok());
    std::vector<Bytes> pubs;
    for (int i = 0; i < 8; ++i) {
        auto g = dev->generate_key_pair(KeyAlgorithm::sm2, "key-" + std::to_string(i), k_pin);
        ASSERT_TRUE(g.ok()) << g.error().to_string();
        pubs.push_back(g->key.public_key);
    }
    ASSERT_TRUE(dev->get_private_key_access_right(3, k_pin).ok());
    ASSERT_TRUE(std::filesystem::exists(m_store + "-wal"));
    {
        // While the device is open and unlocked: the new pages are still in the WAL.
        const Recovered rec = recover_from_file(m_store, first_five());
        ASSERT_EQ(rec.scalars.size(), 8u);
        expect_no_secret_in_files(rec, pubs);
    }
    dev.reset();  // close: checkpoint into the main file
    const Recovered rec = recover_from_file(m_store, first_five());
    ASSERT_EQ(rec.scalars.size(), 8u);
    expect_no_secret_in_files(rec, pubs);
}

TEST_F(StoreFormatTest, ReshareLeavesNoOldShareRecord) {
    auto dev = open();
    ASSERT_TRUE(dev->custodian_control()->init(first_five(), 3, unchecked_custodian_policy()).ok());
    Bytes old_sealed;
    {
        RawDb db(m_store);
        for (const auto& r : db.rows("SELECT sealed_share FROM custodians"))
            old_sealed.insert(old_sealed.end(), r[0].begin(), r[0].end());
    }
    ASSERT_TRUE(dev->custodian_control()->reshare(three(), testing::second_five(), unchecked_custodian_policy()).ok());
    const Bytes files = all_file_bytes();
    // secure_delete and the WAL truncation: no sealed old share (each 48 bytes) is left anywhere.
    for (std::size_t off = 0; off + 48 <= old_sealed.size(); off += 48)
        EXPECT_FALSE(contains(files, BytesView(old_sealed).subspan(off, 48))) << "old share " << off / 48;
}

TEST_F(StoreFormatTest, TamperedCheckValueOrKeyRecordIsDetected) {
    {
        auto dev = open();
        ASSERT_TRUE(dev->custodian_control()->init(first_five(), 3, unchecked_custodian_policy()).ok());
        ASSERT_TRUE(dev->custodian_control()->unlock(three()).ok());
        ASSERT_TRUE(dev->generate_key_pair(KeyAlgorithm::sm2, "ca", k_pin).ok());
    }
    {
        RawDb db(m_store);
        db.exec("UPDATE keys SET label = 'other' WHERE key_index = 1");  // AAD binds the label
    }
    {
        auto dev = open();
        ASSERT_TRUE(dev->custodian_control()->unlock(three()).ok());
        EXPECT_EQ(dev->get_private_key_access_right(1, k_pin).code(), Errc::device_store_tampered);
    }
    {
        RawDb db(m_store);
        db.exec("UPDATE device_meta SET check_value = zeroblob(32)");
    }
    auto dev = open();
    auto r = dev->custodian_control()->unlock(three());
    EXPECT_EQ(r.code(), Errc::device_check_value_mismatch);
    EXPECT_EQ(dev->info().state, DeviceState::locked);
}

TEST_F(StoreFormatTest, RefusesForeignDatabasesAndNewerSchemas) {
    { auto dev = open(); }
    {
        RawDb db(m_store);
        db.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)");
    }
    auto newer = open_soft_device(m_store, {});
    ASSERT_EQ(newer.code(), Errc::device_store_version);
    EXPECT_NE(newer.error().message.find("99"), std::string::npos);

    const std::string other = m_dir.file("other.db");
    {
        RawDb db(other, true);
        db.exec("CREATE TABLE certificates (serial BLOB)");
    }
    auto foreign = open_soft_device(other, {});
    ASSERT_EQ(foreign.code(), Errc::device_store_version);
    EXPECT_NE(foreign.error().message.find("not a Yinxin device store"), std::string::npos);
}

TEST_F(StoreFormatTest, SchemaHasNumberedMigrations) {
    { auto dev = open(); }
    RawDb db(m_store);
    const auto rows = db.rows("SELECT version, name FROM schema_migrations ORDER BY version");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(to_string(rows[0][0]), "1");
    const auto mode = db.rows("PRAGMA journal_mode");
    EXPECT_EQ(to_string(mode.at(0)[0]), "wal");
    const auto app = db.rows("PRAGMA application_id");
    EXPECT_EQ(to_string(app.at(0)[0]), std::to_string(0x59584456));
}

// In-process crash points: an error at the point rolls the transaction back.
TEST_F(StoreFormatTest, FailedKeyGenerationCommitsNothing) {
    std::string fail_at;
    auto dev = open([&](std::string_view point) -> Status {
        if (point == fail_at) return make_error(Errc::io_error, "injected failure at " + std::string(point));
        return ok_status();
    });
    fail_at = "init.before_commit";
    EXPECT_EQ(dev->custodian_control()->init(first_five(), 3, unchecked_custodian_policy()).code(), Errc::io_error);
    EXPECT_EQ(dev->info().state, DeviceState::uninitialised);
    fail_at.clear();
    ASSERT_TRUE(dev->custodian_control()->init(first_five(), 3, unchecked_custodian_policy()).ok());
    ASSERT_TRUE(dev->custodian_control()->unlock(three()).ok());

    fail_at = "key_generate.before_commit";
    EXPECT_EQ(dev->generate_key_pair(KeyAlgorithm::sm2, "k", k_pin).code(), Errc::io_error);
    EXPECT_TRUE(dev->list_keys()->empty());
    fail_at.clear();
    auto g = dev->generate_key_pair(KeyAlgorithm::sm2, "k", k_pin);  // label and index are free again
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->key.index, 1u);

    fail_at = "reshare.before_commit";
    EXPECT_EQ(dev->custodian_control()->reshare(three(), testing::second_five(), unchecked_custodian_policy()).code(),
              Errc::io_error);
    EXPECT_EQ(dev->info().share_generation, 1u);
    EXPECT_TRUE(dev->custodian_control()->unlock(three()).ok());
}

// A real crash: a child process dies (no destructors, no rollback, no checkpoint) at the point.
int crash_child(const std::string& store, const std::string& point) {
    const pid_t pid = fork();
    if (pid == 0) {
        SoftDeviceOptions o;
        o.pbkdf2_iterations = k_test_iterations;
        o.fault_hook = [point](std::string_view p) -> Status {
            if (p == point) _exit(42);
            return ok_status();
        };
        auto dev = open_soft_device(store, std::move(o));
        if (!dev.ok()) _exit(1);
        auto all = first_five();
        std::vector<Credential> three{all[0], all[1], all[2]};
        if (!(*dev)->custodian_control()->unlock(three).ok()) _exit(2);
        (void)(*dev)->generate_key_pair(KeyAlgorithm::sm2, "crash-" + point, k_pin);
        _exit(3);  // the crash point was not reached
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(StoreFormatTest, CrashDuringKeyGenerationLeavesAllOrNothing) {
    {
        auto dev = open();
        ASSERT_TRUE(dev->custodian_control()->init(first_five(), 3, unchecked_custodian_policy()).ok());
    }
    ASSERT_EQ(crash_child(m_store, "key_generate.before_commit"), 42);
    {
        auto dev = open();
        EXPECT_TRUE(dev->list_keys()->empty()) << "a key from an uncommitted transaction survived the crash";
    }
    ASSERT_EQ(crash_child(m_store, "key_generate.after_commit"), 42);
    auto dev = open();
    auto keys = dev->list_keys();
    ASSERT_TRUE(keys.ok());
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_EQ((*keys)[0].label, "crash-key_generate.after_commit");
    EXPECT_EQ((*keys)[0].index, 1u);
    ASSERT_TRUE(dev->custodian_control()->unlock(three()).ok());
    ASSERT_TRUE(dev->get_private_key_access_right(1, k_pin).ok());
    auto sig = dev->sign(1, to_bytes("after crash"));
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(
        crypto::sm2_verify(*crypto::Sm2PublicKey::from_spki_der((*keys)[0].public_key), to_bytes("after crash"), *sig)
            .ok());
}

}  // namespace
}  // namespace yinxin::device
