// Fast tier: a handful of crash points (the slow tier, crash_slow_test.cpp, runs hundreds).
#include "crash_harness.h"

TEST(SqliteStoreCrash, FewCrashPoints) { yinxin::store::test::run_crash_iterations(6, 1000); }

// Two processes sharing one file race for the same serials: each serial goes to exactly one
// (BEGIN IMMEDIATE + UNIQUE (ca_id, serial); the other gets store.duplicate_serial).
TEST(SqliteStoreCrash, TwoProcessesNeverShareASerial) {
    using namespace yinxin;
    using namespace yinxin::store;
    store::test::TempDir dir;
    const std::string path = dir.file("race.db");
    {
        auto s = SqliteStore::open(path);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        ASSERT_TRUE((*s)->add_ca(store::test::test_ca("root")).ok());
    }
    constexpr int k_serials = 40;
    int fds[2][2];
    pid_t pids[2];
    for (int c = 0; c < 2; ++c) {
        ASSERT_EQ(pipe(fds[c]), 0);
        pids[c] = fork();
        if (pids[c] == 0) {
            close(fds[c][0]);
            auto s = SqliteStore::open(path);
            if (!s.ok()) _exit(2);
            std::string won;
            for (int i = 0; i < k_serials; ++i) {
                const Bytes serial = store::test::serial_n(static_cast<std::uint64_t>(i));
                auto st = (c == 0) ? (*s)->reserve_serial("root", serial)
                                   : (*s)->record_pending(store::test::pending_for("root", serial, "race"));
                if (st.ok())
                    won += std::to_string(i) + "\n";
                else if (st.code() != Errc::store_duplicate_serial)
                    _exit(3);
            }
            if (write(fds[c][1], won.data(), won.size()) != static_cast<ssize_t>(won.size())) _exit(4);
            _exit(0);
        }
        close(fds[c][1]);
    }
    std::multiset<int> winners;
    for (int c = 0; c < 2; ++c) {
        std::string out;
        char buf[1024];
        for (ssize_t n; (n = read(fds[c][0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
        close(fds[c][0]);
        int wstatus = 0;
        waitpid(pids[c], &wstatus, 0);
        EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << "child " << c << " status " << wstatus;
        std::istringstream in(out);
        for (int i; in >> i;) winners.insert(i);
    }
    EXPECT_EQ(winners.size(), static_cast<std::size_t>(k_serials));
    for (int i = 0; i < k_serials; ++i) EXPECT_EQ(winners.count(i), 1u) << "serial " << i;
    EXPECT_EQ(store::test::query_int(path, "SELECT COUNT(*) FROM serials"), k_serials);
}
