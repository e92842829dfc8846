// `yinxin device init|unlock|status` (src/cli/device_cmd.cpp), driven through CLI11 in-process.
#include <CLI/CLI.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>

#include <sstream>

#include "device_cmd.h"
#include "device_test_util.h"

namespace yinxin::cli {
namespace {

using device::testing::TempDir;

struct Run {
    int code = 0;
    std::string out;
    std::string err;
};

// Runs `yinxin <args...>` with the device commands registered; stdin comes from `input`.
Run run(std::vector<std::string> args, const std::string& input = {}) {
    CLI::App app{"yinxin"};
    app.require_subcommand(1);
    register_device_commands(app);
    args.insert(args.begin(), "yinxin");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());

    std::ostringstream out, err;
    std::istringstream in(input);
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    auto* old_in = std::cin.rdbuf(in.rdbuf());
    Run r;
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
        r.code = app.exit(e, out, err);
    }
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    std::cin.rdbuf(old_in);
    r.out = out.str();
    r.err = err.str();
    return r;
}

const std::vector<std::string> k_names = {"alice", "bob", "carol", "dave", "erin"};

class DeviceCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (std::size_t i = 0; i < k_names.size(); ++i) {
            const std::string var = "YINXIN_CUSTODIAN_PASSWORD_" + std::to_string(i + 1);
            setenv(var.c_str(), (k_names[i] + "-secret-passphrase").c_str(), 1);
        }
    }
    void TearDown() override {
        for (std::size_t i = 0; i < k_names.size(); ++i)
            unsetenv(("YINXIN_CUSTODIAN_PASSWORD_" + std::to_string(i + 1)).c_str());
    }
    std::vector<std::string> init_args() const {
        std::vector<std::string> a = {"device", "init", "--store", m_store, "--iterations", "10000"};
        for (const auto& n : k_names) {
            a.push_back("--custodian");
            a.push_back(n);
        }
        return a;
    }
    std::string write(const std::string& name, const std::string& text) const {
        const std::string p = m_dir.file(name);
        std::ofstream(p) << text;
        return p;
    }

    TempDir m_dir;
    std::string m_store = m_dir.file("device.db");
};

TEST_F(DeviceCliTest, InitFromEnvironmentThenStatusAndUnlock) {
    auto init = run(init_args());
    ASSERT_EQ(init.code, 0) << init.err;
    EXPECT_NE(init.out.find("3 of 5"), std::string::npos) << init.out;
    EXPECT_NE(init.out.find("alice, bob, carol, dave, erin"), std::string::npos) << init.out;

    auto status = run({"device", "status", "--store", m_store, "--json"});
    ASSERT_EQ(status.code, 0) << status.err;
    auto j = nlohmann::json::parse(status.out);
    EXPECT_EQ(j["backend"], "soft");
    EXPECT_EQ(j["state"], "locked");
    EXPECT_EQ(j["threshold"], 3);
    EXPECT_EQ(j["custodians"].size(), 5u);
    EXPECT_EQ(j["keys"].size(), 0u);

    auto text = run({"device", "status", "--store", m_store});
    ASSERT_EQ(text.code, 0);
    EXPECT_NE(text.out.find("locked"), std::string::npos);

    const std::string shares =
        write("shares.txt",
              "# ceremony 2024-05-01\nbob:bob-secret-passphrase\n\ndave:dave-secret-passphrase\r\n"
              "erin:erin-secret-passphrase\n");
    auto unlock = run({"device", "unlock", "--store", m_store, "--shares-file", shares});
    ASSERT_EQ(unlock.code, 0) << unlock.err;
    EXPECT_NE(unlock.out.find("bob, dave, erin"), std::string::npos) << unlock.out;

    // From stdin, JSON.
    auto from_stdin =
        run({"device", "unlock", "--store", m_store, "--json"},
            "alice:alice-secret-passphrase\ncarol:carol-secret-passphrase\nerin:erin-secret-passphrase\n");
    ASSERT_EQ(from_stdin.code, 0) << from_stdin.err;
    EXPECT_EQ(nlohmann::json::parse(from_stdin.out)["unlocked"], true);
}

TEST_F(DeviceCliTest, UnlockReportsWhichShareFailed) {
    ASSERT_EQ(run(init_args()).code, 0);
    auto wrong = run({"device", "unlock", "--store", m_store},
                     "alice:alice-secret-passphrase\ncarol:guess-guess-guess\nerin:erin-secret-passphrase\n");
    EXPECT_EQ(wrong.code, 1);
    EXPECT_NE(wrong.err.find("device.wrong_password"), std::string::npos) << wrong.err;
    EXPECT_NE(wrong.err.find("carol"), std::string::npos) << wrong.err;
    EXPECT_EQ(wrong.err.find("alice"), std::string::npos) << wrong.err;

    auto two = run({"device", "unlock", "--store", m_store, "--json"},
                   "alice:alice-secret-passphrase\ncarol:carol-secret-passphrase\n");
    EXPECT_EQ(two.code, 1);
    auto j = nlohmann::json::parse(two.out);
    EXPECT_EQ(j["unlocked"], false);
    EXPECT_EQ(j["error"], "device.insufficient_shares");

    auto malformed = run({"device", "unlock", "--store", m_store}, "alice\n");
    EXPECT_EQ(malformed.code, 1);
    EXPECT_NE(malformed.err.find("name:password"), std::string::npos);
}

TEST_F(DeviceCliTest, InitWithPasswordFileAndMissingPasswords) {
    unsetenv("YINXIN_CUSTODIAN_PASSWORD_4");
    auto missing = run(init_args());
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("YINXIN_CUSTODIAN_PASSWORD_4"), std::string::npos) << missing.err;
    EXPECT_NE(missing.err.find("dave"), std::string::npos);

    std::string pw;
    for (const auto& n : k_names) pw += n + ":" + n + "-file-password:with-colon\n";
    auto args = init_args();
    args.push_back("--password-file");
    args.push_back(write("passwords.txt", pw));
    auto ok = run(args);
    ASSERT_EQ(ok.code, 0) << ok.err;
    auto unlock = run({"device", "unlock", "--store", m_store},
                      "alice:alice-file-password:with-colon\nbob:bob-file-password:with-colon\n"
                      "carol:carol-file-password:with-colon\n");
    EXPECT_EQ(unlock.code, 0) << unlock.err;

    setenv("YINXIN_CUSTODIAN_PASSWORD_4", "dave-secret-passphrase", 1);
    auto again = run(init_args());
    EXPECT_EQ(again.code, 1);
    EXPECT_NE(again.err.find("device.already_initialised"), std::string::npos);
}

TEST_F(DeviceCliTest, InitRefusesWrongCustodianCount) {
    auto r = run(
        {"device", "init", "--store", m_store, "--iterations", "10000", "--custodian", "alice", "--custodian", "bob"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("requires 5"), std::string::npos) << r.err;
}

TEST_F(DeviceCliTest, StatusOfMissingStoreDoesNotCreateIt) {
    auto r = run({"device", "status", "--store", m_dir.file("absent.db")});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(m_dir.file("absent.db")));
}

}  // namespace
}  // namespace yinxin::cli
