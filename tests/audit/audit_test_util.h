// Helpers for the audit tests: a fresh audit store, a soft device holding an audit key, and raw
// SQLite access to the file (what an attacker with file access has).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "support/test_support.h"
#include "yinxin/audit/audit.h"
#include "yinxin/device/custodian.h"
#include "yinxin/device/soft_device.h"
#include "yinxin/store/sqlite_audit_store.h"

namespace yinxin::audit::testing {

inline constexpr std::string_view k_pin = "audit-key-pin-1234";

// Runs SQL on the file through the SQLite C API, as someone with raw file access would.
inline ::testing::AssertionResult raw_exec(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return ::testing::AssertionFailure() << "cannot open " << path;
    }
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) return ::testing::AssertionFailure() << sql << ": " << msg;
    return ::testing::AssertionSuccess();
}

// Removes what stops casual edits: the append-only triggers and the UNIQUE index on seq.
inline ::testing::AssertionResult drop_protections(const std::string& path) {
    return raw_exec(path,
                    "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
                    "DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;"
                    "DROP INDEX audit_log_seq;");
}

inline std::string sql_blob(BytesView b) { return "X'" + hex_encode(b) + "'"; }

inline std::string sql_text(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

// An INSERT of `r` with explicit row id, as a forger would write it.
inline std::string insert_sql(const AuditRecord& r, std::int64_t row_id) {
    return "INSERT INTO audit_log (id, seq, time_ms, source, actor, role, action, target, detail, success, "
           "error_code, prev_hash, record_hash) VALUES (" +
           std::to_string(row_id) + ", " + std::to_string(r.seq) + ", " + std::to_string(to_unix_ms(r.time)) + ", " +
           sql_text(r.source) + ", " + sql_text(r.actor) + ", " + sql_text(r.role) + ", " + sql_text(r.action) + ", " +
           sql_text(r.target) + ", " + sql_text(r.detail) + ", " + (r.success ? "1" : "0") + ", " +
           std::to_string(r.error_code) + ", " + sql_blob(r.prev_hash) + ", " + sql_blob(r.record_hash) + ")";
}

inline AuditEvent event(int i) {
    AuditEvent e;
    e.source = "192.0.2." + std::to_string(i) + ":443";
    e.actor = "operator-" + std::to_string(i);
    e.role = "business_operator";
    e.action = i % 2 ? "ra.request.approve" : "ca.issue";
    e.target = "request-" + std::to_string(i);
    e.detail = "step " + std::to_string(i);
    return e;
}

// A soft device with five custodians, unlocked, holding an SM2 audit key with its access right.
struct AuditKey {
    std::unique_ptr<device::Device> device;
    device::KeyIndex index = 0;
    Bytes public_key;
};

inline AuditKey make_audit_key(const std::string& path, const std::string& label = "audit") {
    device::SoftDeviceOptions o;
    o.pbkdf2_iterations = 10'000;  // the PBKDF2 floor: fast tests
    auto dev = device::open_soft_device(path, std::move(o));
    EXPECT_TRUE(dev.ok()) << dev.error().to_string();
    AuditKey k;
    k.device = std::move(dev).value();
    std::vector<device::Credential> creds;
    for (const char* n : {"alice", "bob", "carol", "dave", "erin"})
        creds.emplace_back(n, std::string(n) + "-secret-passphrase");
    auto* cc = k.device->custodian_control();
    auto init = cc->init(creds, 3, device::unchecked_custodian_policy());
    EXPECT_TRUE(init.ok()) << init.error().to_string();
    std::vector<device::Credential> three(creds.begin(), creds.begin() + 3);
    auto unlock = cc->unlock(three);
    EXPECT_TRUE(unlock.ok()) << unlock.error().to_string();
    auto g = k.device->generate_key_pair(device::KeyAlgorithm::sm2, label, k_pin);
    EXPECT_TRUE(g.ok()) << g.error().to_string();
    k.index = g->key.index;
    k.public_key = g->key.public_key;
    auto ar = k.device->get_private_key_access_right(k.index, k_pin);
    EXPECT_TRUE(ar.ok()) << ar.error().to_string();
    return k;
}

}  // namespace yinxin::audit::testing
