// `yinxin audit verify|show` (src/cli/audit_cmd.cpp), driven through CLI11 in-process.
#include <CLI/CLI.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "audit_cmd.h"
#include "audit_test_util.h"

namespace yinxin::cli {
namespace {

using audit::testing::drop_protections;
using audit::testing::raw_exec;

struct CliRun {
    int code = 0;
    std::string out;
    std::string err;
};

CliRun run(std::vector<std::string> args) {
    CLI::App app{"yinxin"};
    app.require_subcommand(1);
    register_audit_commands(app);
    args.insert(args.begin(), "yinxin");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::ostringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    CliRun r;
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
        r.code = app.exit(e, out, err);
    }
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

class AuditCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto s = store::SqliteAuditStore::open(m_path);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        audit::AuditLog log(**s, audit::AuditLogOptions{});
        for (int i = 1; i <= 5; ++i) ASSERT_TRUE(log.append(audit::testing::event(i)).ok());
    }
    test::ScratchDir m_dir;
    std::string m_path = (m_dir / "store.db").string();
};

TEST_F(AuditCliTest, VerifyIntact) {
    const CliRun r = run({"audit", "verify", "--store", m_path});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("audit log intact"), std::string::npos) << r.out;

    const CliRun j = run({"audit", "verify", "--store", m_path, "--json"});
    EXPECT_EQ(j.code, 0) << j.err;
    const auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc["intact"], true);
    EXPECT_EQ(doc["records"], 5);
}

TEST_F(AuditCliTest, VerifyNamesTheEditedRow) {
    ASSERT_TRUE(drop_protections(m_path));
    ASSERT_TRUE(raw_exec(m_path, "UPDATE audit_log SET target = 'request-99' WHERE seq = 4"));
    const CliRun r = run({"audit", "verify", "--store", m_path});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("record 4 (row id 4)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("audit.tampered"), std::string::npos) << r.err;

    const CliRun j = run({"audit", "verify", "--store", m_path, "--json"});
    EXPECT_EQ(j.code, 2);
    const auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc["intact"], false);
    EXPECT_EQ(doc["findings"][0]["kind"], "edited");
    EXPECT_EQ(doc["findings"][0]["seq"], 4);
    EXPECT_EQ(doc["findings"][0]["row_id"], 4);
}

TEST_F(AuditCliTest, VerifyMissingFileFails) {
    const CliRun r = run({"audit", "verify", "--store", (m_dir / "nope.db").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("base.not_found"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(m_dir / "nope.db"));
}

TEST_F(AuditCliTest, ShowPages) {
    const CliRun r = run({"audit", "show", "--store", m_path, "--from", "2", "--limit", "2", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    ASSERT_EQ(doc.size(), 2u);
    EXPECT_EQ(doc[0]["seq"], 2);
    EXPECT_EQ(doc[1]["seq"], 3);
    EXPECT_EQ(doc[0]["actor"], "operator-2");
    EXPECT_EQ(doc[0]["record_hash"].get<std::string>().size(), 64u);

    const CliRun text = run({"audit", "show", "--store", m_path, "--limit", "1"});
    ASSERT_EQ(text.code, 0) << text.err;
    EXPECT_NE(text.out.find("ra.request.approve"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace yinxin::cli
