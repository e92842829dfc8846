// A small RAII layer over the SQLite C API for the soft device's key store. (The store layer sits
// above device, so device keeps its own few lines instead of depending upwards.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace yinxin::device::detail {

class Stmt;

class Db {
public:
    // Opens read-write; creates the file only when `create` is true (else base.not_found).
    static Result<Db> open(const std::string& path, bool create);
    Db() = default;
    ~Db();
    Db(Db&& other) noexcept : m_db(other.m_db) { other.m_db = nullptr; }
    Db& operator=(Db&& other) noexcept;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    // One or more statements without results.
    Status exec(std::string_view sql);
    Result<Stmt> prepare(std::string_view sql);
    std::int64_t last_insert_rowid() const;
    int changes() const;
    // device.store_error with SQLite's message.
    Error error(std::string_view what) const;
    sqlite3* native() const noexcept { return m_db; }

private:
    explicit Db(sqlite3* db) : m_db(db) {}
    sqlite3* m_db = nullptr;
};

class Stmt {
public:
    ~Stmt();
    Stmt(Stmt&& other) noexcept : m_db(other.m_db), m_stmt(other.m_stmt) { other.m_stmt = nullptr; }
    Stmt& operator=(Stmt&&) = delete;
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    // Parameters are 1-based, as in SQLite.
    Stmt& bind(int i, std::int64_t v);
    Stmt& bind(int i, std::string_view text);
    Stmt& bind(int i, BytesView blob);

    // true: a row is available; false: done.
    Result<bool> step();
    // Runs a statement that returns no rows.
    Status run();

    std::int64_t column_int(int i) const;
    std::string column_text(int i) const;
    Bytes column_blob(int i) const;
    bool column_is_null(int i) const;

private:
    friend class Db;
    Stmt(const Db* db, sqlite3_stmt* s) : m_db(db), m_stmt(s) {}
    const Db* m_db;
    sqlite3_stmt* m_stmt;
    int m_bind_error = 0;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted. IMMEDIATE takes the write
// lock at the start, so two processes sharing a store never both allocate the same key index.
class Transaction {
public:
    static Result<Transaction> begin(Db& db);
    ~Transaction();
    Transaction(Transaction&& other) noexcept : m_db(other.m_db), m_open(other.m_open) { other.m_open = false; }
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Status commit();

private:
    explicit Transaction(Db& db) : m_db(&db), m_open(true) {}
    Db* m_db;
    bool m_open;
};

}  // namespace yinxin::device::detail
