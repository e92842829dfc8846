// Crash-point recovery test for the SQLite store (STYLE.md 13, after DuckDB's checkpoint aborts):
// a forked child issues in a loop (reserve → pending → finalize or fail) and dies at a random point,
// either by _exit from inside the loop or by SIGKILL from the parent. After each death the parent
// reopens the file and checks the invariants the CA relies on (ARCHITECTURE.md "Data that must
// never be lost"): no serial twice, every acknowledged step durable, no half-written row, pending
// rows listed for recovery, no serial reusable.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "store_test_util.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::store::test {

struct Acks {
    std::set<std::string> reserved, pending, issued, failed;  // serial hex acknowledged by the child
};

// Runs in the child; never returns. Writes one line per committed step to `fd`.
[[noreturn]] inline void crash_child(const std::string& path, int fd, std::uint64_t seed, int exit_after,
                                     const std::string& old_serial_hex) {
    std::mt19937_64 rng(seed);
    auto ack = [fd](char what, const std::string& hex) {
        const std::string line = std::string(1, what) + " " + hex + "\n";
        if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(3);
    };
    auto s = SqliteStore::open(path);
    if (!s.ok()) _exit(2);
    auto& store = **s;
    int steps = 0;
    auto maybe_exit = [&] {
        if (exit_after >= 0 && steps++ == exit_after) _exit(0);  // the crash point
    };
    // A serial used before the crash must stay refused.
    if (!old_serial_hex.empty()) {
        auto old = hex_decode(old_serial_hex);
        if (store.reserve_serial("root", old.value()).code() != Errc::store_duplicate_serial) ack('E', old_serial_hex);
    }
    for (std::uint64_t n = 0;; ++n) {
        Bytes serial(16);
        for (auto& b : serial) b = static_cast<std::uint8_t>(rng());
        serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7f) | 0x01);  // positive, 16 octets
        const std::string hex = hex_encode(serial);
        const int action = static_cast<int>(rng() % 8);
        if (action == 0) {
            if (!store.reserve_serial("root", serial).ok()) _exit(4);
            ack('R', hex);
            maybe_exit();
            continue;
        }
        const auto p = pending_for("root", serial, "req-" + std::to_string(seed) + "-" + std::to_string(n));
        if (!store.record_pending(p).ok()) _exit(5);
        ack('P', hex);
        maybe_exit();
        if (action <= 5) {
            if (!store.finalize("root", serial, fake_cert(p.tbs_der)).ok()) _exit(6);
            ack('F', hex);
        } else if (action == 6) {
            if (!store.fail_pending("root", serial, "child gave up").ok()) _exit(7);
            ack('X', hex);
        }  // action 7: left pending on purpose, as a crash before signing would
        maybe_exit();
    }
}

inline void parse_acks(const std::string& text, Acks& acks, int& errors) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() < 3) continue;  // the last line may be cut short by SIGKILL
        const std::string hex = line.substr(2);
        switch (line[0]) {
            case 'R': acks.reserved.insert(hex); break;
            case 'P': acks.pending.insert(hex); break;
            case 'F': acks.issued.insert(hex); break;
            case 'X': acks.failed.insert(hex); break;
            case 'E': ++errors; break;
            default: break;
        }
    }
}

// One child lifetime; returns the child's acknowledgements.
inline std::string run_child_once(const std::string& path, std::uint64_t seed, bool sigkill,
                                  const std::string& old_serial_hex) {
    std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
    int fds[2];
    if (pipe(fds) != 0) return "pipe failed";
    const int exit_after = sigkill ? -1 : static_cast<int>(rng() % 12);
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        crash_child(path, fds[1], seed, exit_after, old_serial_hex);
    }
    close(fds[1]);
    std::string out;
    // The kill timer starts at the first acknowledgement, so the kill lands inside the issuing
    // loop (mid-transaction, mid-fsync, between steps) rather than during start-up.
    const auto delay = std::chrono::microseconds(rng() % 40'000);
    std::optional<std::chrono::steady_clock::time_point> kill_at;
    bool killed = false;
    for (;;) {
        if (!kill_at && !out.empty()) kill_at = std::chrono::steady_clock::now() + delay;
        if (sigkill && !killed && kill_at && std::chrono::steady_clock::now() >= *kill_at) {
            kill(pid, SIGKILL);
            killed = true;
        }
        pollfd pfd{fds[0], POLLIN, 0};
        if (poll(&pfd, 1, 1) > 0) {
            char buf[4096];
            const ssize_t n = read(fds[0], buf, sizeof buf);
            if (n <= 0) break;  // EOF: the child is gone
            out.append(buf, static_cast<std::size_t>(n));
        }
    }
    close(fds[0]);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    if (!sigkill && !(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0))
        ADD_FAILURE() << "child failed with status " << wstatus;
    if (sigkill && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0)
        ADD_FAILURE() << "child failed with exit code " << WEXITSTATUS(wstatus);
    return out;
}

struct CrashStats {
    std::size_t rows = 0, recovered_pending = 0, acks = 0;
};

inline void check_after_crash(const std::string& path, const Acks& acks, CrashStats& stats) {
    EXPECT_EQ(query_text(path, "PRAGMA integrity_check"), "ok");
    EXPECT_EQ(query_text(path, "PRAGMA foreign_key_check"), "<none>");
    EXPECT_EQ(
        query_int(path, "SELECT COUNT(*) FROM (SELECT 1 FROM serials GROUP BY ca_id, serial HAVING COUNT(*) > 1)"), 0);
    auto opened = SqliteStore::open(path);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    auto& store = **opened;

    std::map<std::string, ca::CertificateRecord> rows;
    std::int64_t after = 0;
    for (;;) {
        auto page = store.list_certificates("root", after, 100);
        ASSERT_TRUE(page.ok()) << page.error().to_string();
        for (auto& r : page->records) {
            const std::string hex = hex_encode(r.serial);
            EXPECT_TRUE(rows.emplace(hex, r).second) << "serial listed twice: " << hex;
        }
        if (!page->next_after_id) break;
        after = *page->next_after_id;
    }
    std::set<std::string> pending_rows;
    for (const auto& [hex, r] : rows) {
        EXPECT_FALSE(r.tbs_der.empty()) << hex;
        switch (r.status) {
            case ca::CertificateStatus::issued: {
                ASSERT_FALSE(r.certificate_der.empty()) << hex;
                EXPECT_EQ(r.certificate_der, fake_cert(r.tbs_der)) << hex;
                const auto fp = crypto::sm3(r.certificate_der);
                EXPECT_EQ(r.fingerprint_sm3, Bytes(fp.begin(), fp.end())) << hex;
                break;
            }
            case ca::CertificateStatus::pending:
                EXPECT_TRUE(r.certificate_der.empty()) << hex;
                EXPECT_TRUE(r.fingerprint_sm3.empty()) << hex;
                pending_rows.insert(hex);
                break;
            case ca::CertificateStatus::failed:
                EXPECT_TRUE(r.certificate_der.empty()) << hex;
                EXPECT_FALSE(r.failure_reason.empty()) << hex;
                break;
        }
    }
    // Every acknowledged step survived the crash.
    for (const auto& hex : acks.pending) EXPECT_TRUE(rows.count(hex)) << "lost pending " << hex;
    for (const auto& hex : acks.issued) {
        auto it = rows.find(hex);
        ASSERT_NE(it, rows.end()) << "lost issued " << hex;
        EXPECT_EQ(it->second.status, ca::CertificateStatus::issued) << hex;
    }
    for (const auto& hex : acks.failed) {
        auto it = rows.find(hex);
        ASSERT_NE(it, rows.end()) << "lost failed " << hex;
        EXPECT_EQ(it->second.status, ca::CertificateStatus::failed) << hex;
    }
    for (const auto& hex : acks.reserved) EXPECT_FALSE(rows.count(hex)) << "reservation grew a row " << hex;
    // Recovery sees exactly the pending rows.
    auto pending = store.list_pending("root");
    ASSERT_TRUE(pending.ok());
    std::set<std::string> listed;
    for (const auto& r : *pending) listed.insert(hex_encode(r.serial));
    EXPECT_EQ(listed, pending_rows);
    // No serial, acknowledged or not, can be reserved again.
    for (const auto& [hex, r] : rows) {
        EXPECT_EQ(store.reserve_serial("root", r.serial).code(), Errc::store_duplicate_serial) << hex;
    }
    for (const auto& hex : acks.reserved) {
        EXPECT_EQ(store.reserve_serial("root", hex_decode(hex).value()).code(), Errc::store_duplicate_serial) << hex;
    }
    stats.rows = rows.size();
    stats.recovered_pending += pending->size();
    // Recovery: sign the TBS that was persisted (alternately give up), leaving nothing pending.
    bool finish = true;
    for (const auto& r : *pending) {
        if (finish) {
            EXPECT_TRUE(store.finalize("root", r.serial, fake_cert(r.tbs_der)).ok());
        } else {
            EXPECT_TRUE(store.fail_pending("root", r.serial, "recovered after crash").ok());
        }
        finish = !finish;
    }
    EXPECT_TRUE(store.list_pending("")->empty());
}

inline void run_crash_iterations(int iterations, std::uint64_t base_seed) {
    TempDir dir;
    const std::string path = dir.file("crash.db");
    {
        auto s = SqliteStore::open(path);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        ASSERT_TRUE((*s)->add_ca(test_ca("root")).ok());
    }  // closed before fork: the child must not inherit an open SQLite connection
    Acks acks;
    CrashStats stats;
    int errors = 0;
    std::string old_serial;
    for (int i = 0; i < iterations; ++i) {
        const std::uint64_t seed = base_seed + static_cast<std::uint64_t>(i);
        const std::string out = run_child_once(path, seed, i % 2 == 0, old_serial);
        stats.acks += static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n'));
        parse_acks(out, acks, errors);
        EXPECT_EQ(errors, 0) << "a serial used before the crash was accepted again";
        check_after_crash(path, acks, stats);
        if (::testing::Test::HasFatalFailure()) return;
        // After recovery the acknowledged pending rows are issued or failed; move them on.
        acks.pending.clear();
        acks.issued.clear();
        acks.failed.clear();
        if (!acks.reserved.empty()) old_serial = *acks.reserved.begin();
    }
    // Shows that the children got far enough for the crash points to matter.
    std::cout << "crash iterations: " << iterations << ", acknowledged steps: " << stats.acks
              << ", certificate rows: " << stats.rows << ", pending rows recovered: " << stats.recovered_pending
              << "\n";
    EXPECT_GT(stats.acks, 0u);
}

}  // namespace yinxin::store::test
