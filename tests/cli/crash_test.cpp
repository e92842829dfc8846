// kill -9 during issuance (issue 3 "Checked by"; ARCHITECTURE.md "Data that must never be lost"):
// `yinxin cert issue --repeat N` is killed with SIGKILL at a random moment, `yinxin ca recover`
// runs, and then the store must hold
//   - no pending row (recovery finished or failed each one),
//   - every certificate the killed process reported, issued, with the recorded TBS and a valid
//     signature by the CA key,
//   - at most one certificate the process had not reported yet (issuance is sequential: only the
//     one in flight between persist and the report can be unreported),
//   - no serial twice.
// YX_CRASH_ITERATIONS is 3 in the fast tier and hundreds in the slow tier (STYLE.md 13).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "cli/cli_fixture.h"
#include "yinxin/store/sqlite_store.h"
#include "yinxin/x509/certificate.h"

#ifndef YX_CRASH_ITERATIONS
#define YX_CRASH_ITERATIONS 3
#endif

namespace yinxin::test {
namespace {

// Runs `cert issue --repeat`, reads its "issued <ca>:<serial>" lines until `wait_lines` arrived,
// sleeps `delay`, kills it with SIGKILL and returns every serial it reported.
std::vector<std::string> issue_and_kill(const CliData& data, const std::string& csr, int wait_lines,
                                        std::chrono::milliseconds delay) {
    std::vector<std::string> argv = {std::string(k_yinxin_cli), "cert",  "issue", "--ca",     "demo-sub", "--profile",
                                     "personnel-sign",          "--csr", csr,     "--repeat", "100000"};
    for (auto& o : data.signing_opts()) argv.push_back(o);
    int fd = -1;
    std::string error;
    const pid_t pid = spawn_process(argv, &fd, &error);
    if (pid < 0) {
        ADD_FAILURE() << error;
        return {};
    }
    std::string out;
    auto count_lines = [&] { return static_cast<int>(std::count(out.begin(), out.end(), '\n')); };
    char buf[4096];
    while (count_lines() < wait_lines) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;  // the process ended early: an error, reported below
        }
    }
    std::this_thread::sleep_for(delay);
    ::kill(pid, SIGKILL);
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    ::close(fd);
    const int code = wait_exit_code(pid);
    EXPECT_EQ(code, 128 + SIGKILL) << "the issuing process ended on its own:\n" << out;

    std::vector<std::string> serials;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        const std::string prefix = "issued demo-sub:";
        if (line.rfind(prefix, 0) == 0) serials.push_back(line.substr(prefix.size()));
    }
    return serials;
}

TEST(IssuanceCrash, KillNineLosesNothingAndDuplicatesNothing) {
    CliData data(std::filesystem::path(YINXIN_BINARY_DIR) / "test_tmp" / ("crash-" + std::to_string(::getpid())));
    std::filesystem::remove_all(data.dir());
    data.prepare();
    ASSERT_TRUE(data.ok());
    const auto csr = data.make_csr("crash", {{"C", "CN"}, {"O", "Yinxin Demo"}, {"CN", "Crash Test"}});

    auto sub_store = store::SqliteStore::open(data.store());
    ASSERT_TRUE(sub_store.ok());
    const auto sub = sub_store.value()->get_ca("demo-sub");
    ASSERT_TRUE(sub.ok());
    const auto sub_cert = x509::Certificate::parse(sub.value().certificate_der);
    ASSERT_TRUE(sub_cert.ok());
    sub_store.value().reset();

    std::mt19937 rng(20261123u + static_cast<unsigned>(::getpid()));
    std::set<std::string> reported;
    for (int i = 0; i < YX_CRASH_ITERATIONS; ++i) {
        const int wait_lines = std::uniform_int_distribution<int>(0, 3)(rng);
        const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 40)(rng));
        const auto got = issue_and_kill(data, csr, wait_lines, delay);
        EXPECT_GE(static_cast<int>(got.size()), wait_lines);
        std::vector<std::string> recover = {"ca", "recover", "--json"};
        for (auto& o : data.signing_opts()) recover.push_back(o);
        const auto r = data.run(recover);
        ASSERT_EQ(r.exit_code, 0) << r.output;
        for (const auto& s : got) EXPECT_TRUE(reported.insert(s).second) << "serial reported twice: " << s;

        auto store = store::SqliteStore::open(data.store());
        ASSERT_TRUE(store.ok());
        auto pending = store.value()->list_pending("");
        ASSERT_TRUE(pending.ok());
        EXPECT_TRUE(pending.value().empty()) << "iteration " << i << ": pending rows after recovery";

        std::set<std::string> stored;
        std::size_t issued = 0;
        std::int64_t after = 0;
        for (;;) {
            auto page = store.value()->list_certificates("demo-sub", after, 1000);
            ASSERT_TRUE(page.ok());
            for (const auto& rec : page.value().records) {
                EXPECT_TRUE(stored.insert(hex_encode(rec.serial)).second)
                    << "duplicate serial " << hex_encode(rec.serial);
                if (rec.status != ca::CertificateStatus::issued) continue;
                ++issued;
                auto cert = x509::Certificate::parse(rec.certificate_der);
                ASSERT_TRUE(cert.ok()) << cert.error().to_string();
                EXPECT_EQ(Bytes(cert.value().tbs_raw().begin(), cert.value().tbs_raw().end()), rec.tbs_der);
                EXPECT_TRUE(cert.value().verify_signature_with(sub_cert.value().public_key_info()).ok());
            }
            if (!page.value().next_after_id) break;
            after = *page.value().next_after_id;
        }
        for (const auto& s : reported) {
            auto rec = store.value()->certificate_by_serial("demo-sub", hex_decode(s).value());
            ASSERT_TRUE(rec.ok()) << "reported serial " << s << " lost";
            EXPECT_EQ(rec.value().status, ca::CertificateStatus::issued) << s;
        }
        // Each killed run may leave one certificate it had not reported yet (the one in flight).
        EXPECT_LE(issued, reported.size() + static_cast<std::size_t>(i + 1)) << "iteration " << i;
        EXPECT_GE(issued, reported.size());
    }
}

}  // namespace
}  // namespace yinxin::test
