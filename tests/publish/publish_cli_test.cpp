// `yinxin publish ...` and `yinxin serve --publish-interval` end to end through the real binary
// against a real slapd: a target added from the command line gets the CA certificates, `publish
// run --once` delivers and `ldapsearch` finds them; slapd stopped, `cert revoke` signs a CRL,
// `publish run --once` fails (exit 1) and `publish queue` shows the waiting row with its error;
// slapd started again, the CRL is published and equals `crl show`; the audit log has every step.
// The server runs the same worker in the background.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "cli/cli_fixture.h"
#include "publish/slapd.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_store.h"
#include "yinxin/x509/crl.h"

namespace yinxin::test {
namespace {

constexpr std::string_view k_suffix = "dc=yinxin,dc=test";

class PublishCli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_data = new CliData(std::filesystem::path(YINXIN_BINARY_DIR) / "test_tmp" /
                             ("publish_cli-" + std::to_string(::getpid())));
        std::filesystem::remove_all(s_data->dir());
        s_data->prepare();
    }
    static void TearDownTestSuite() {
        if (!::testing::UnitTest::GetInstance()->Failed()) std::filesystem::remove_all(s_data->dir());
        delete s_data;
        s_data = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(s_data->ok()) << "the data directory could not be prepared"; }

    static ProcessResult yinxin(std::vector<std::string> args, bool data_dir = true) {
        if (data_dir) {
            args.emplace_back("--data-dir");
            args.push_back(s_data->dir());
        }
        return s_data->run(std::move(args));
    }
    static ProcessResult signing(std::vector<std::string> args) {
        for (auto& o : s_data->signing_opts()) args.push_back(o);
        return s_data->run(std::move(args));
    }
    static Bytes ca_der(const std::string& id) {
        auto st = store::SqliteStore::open(s_data->store());
        EXPECT_TRUE(st.ok());
        return (*st)->get_ca(id)->certificate_der;
    }
    static std::vector<std::string> audit_actions() {
        auto st = store::SqliteAuditStore::open(s_data->store());
        EXPECT_TRUE(st.ok());
        std::vector<std::string> out;
        auto recs = (*st)->read_range(1, 100000);
        EXPECT_TRUE(recs.ok());
        for (const auto& r : *recs) out.push_back(r.action + (r.success ? "" : "!"));
        return out;
    }
    static std::size_t count(const std::vector<std::string>& v, const std::string& what) {
        return static_cast<std::size_t>(std::count(v.begin(), v.end(), what));
    }

    static CliData* s_data;
};
CliData* PublishCli::s_data = nullptr;

constexpr std::string_view k_root_entry = "cn=Yinxin Demo Root CA,o=Yinxin Demo,c=CN,dc=yinxin,dc=test";
constexpr std::string_view k_sub_entry = "cn=Yinxin Demo Sub CA,o=Yinxin Demo,c=CN,dc=yinxin,dc=test";

TEST_F(PublishCli, TargetRunQueueAndADirectoryOutage) {
    ScratchDir tmp;
    Slapd slapd(tmp / "slapd", std::string(k_suffix));
    ASSERT_TRUE(slapd.start());

    auto r = yinxin({"publish", "target", "add", "--id", "dir", "--ldap", slapd.url(), "--bind-dn", slapd.root_dn(),
                     "--password-file", slapd.password_file(), "--base-dn", std::string(k_suffix), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["queued"], 3);  // the demo's three CA certificates
    EXPECT_EQ(j["config"]["password_file"], slapd.password_file());
    EXPECT_EQ(j["config"].count("password"), 0u);
    r = yinxin({"publish", "target", "add", "--id", "dir", "--callback", "http://127.0.0.1:9/"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("store.conflict"), std::string::npos) << r.output;
    r = yinxin({"publish", "target", "add", "--id", "x", "--ldap", "http://nope", "--bind-dn", "cn=a",
                "--password-file", slapd.password_file(), "--base-dn", "dc=x"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("publish.bad_config"), std::string::npos) << r.output;

    r = yinxin({"publish", "target", "list", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    j = nlohmann::json::parse(r.output);
    ASSERT_EQ(j.size(), 1u) << r.output;
    EXPECT_EQ(j[0]["id"], "dir");
    EXPECT_EQ(j[0]["kind"], "ldap");
    EXPECT_EQ(j[0]["pending"], 3);

    r = yinxin({"publish", "run", "--once"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("dir: 3 delivered"), std::string::npos) << r.output;
    auto v = slapd.read(k_root_entry, "cACertificate;binary");
    ASSERT_EQ(v.values.size(), 1u) << v.output;
    EXPECT_EQ(v.values[0], ca_der("demo-root"));

    // A certificate issued from the command line is queued by the store and published.
    const auto csr = s_data->make_csr("holder", {{"C", "CN"}, {"O", "Yinxin Demo"}, {"CN", "Directory Holder"}});
    r = signing({"cert", "issue", "--ca", "demo-sub", "--profile", "personnel-sign", "--csr", csr, "--json", "--out",
                 (tmp / "holder.pem").string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string serial = nlohmann::json::parse(r.output)["serial"];
    r = yinxin({"publish", "run", "--once"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    v = slapd.read("cn=Directory Holder,o=Yinxin Demo,c=CN,dc=yinxin,dc=test", "userCertificate;binary");
    ASSERT_EQ(v.values.size(), 1u) << v.output;

    // The outage: slapd stops, the certificate is revoked, the CRL waits in the queue.
    slapd.stop();
    r = signing({"cert", "revoke", "--ca", "demo-sub", "--serial", serial, "--reason", "keyCompromise", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::uint64_t crl_number = nlohmann::json::parse(r.output)["crl"]["crl_number"];
    r = yinxin({"publish", "run", "--once"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("publish.unreachable"), std::string::npos) << r.output;
    r = yinxin({"publish", "queue", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    j = nlohmann::json::parse(r.output);
    ASSERT_EQ(j.size(), 1u) << r.output;
    EXPECT_EQ(j[0]["object_kind"], "crl");
    EXPECT_EQ(j[0]["state"], "pending");
    EXPECT_EQ(j[0]["attempts"], 1);
    EXPECT_NE(j[0]["last_error"].get<std::string>().find("Can't contact LDAP server"), std::string::npos) << r.output;
    r = yinxin({"publish", "queue"});
    EXPECT_NE(r.output.find("attempts 1"), std::string::npos) << r.output;

    ASSERT_TRUE(slapd.start());
    r = yinxin({"publish", "run", "--once", "--ignore-backoff"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = yinxin({"publish", "queue", "--json"});
    EXPECT_EQ(nlohmann::json::parse(r.output).size(), 0u) << r.output;
    r = yinxin({"crl", "show", "--ca", "demo-sub", "--der", "--out", (tmp / "show.crl").string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    v = slapd.read(k_sub_entry, "certificateRevocationList;binary");
    ASSERT_EQ(v.values.size(), 1u) << v.output;
    EXPECT_EQ(v.values[0], read_file(tmp / "show.crl"));
    auto parsed = x509::Crl::parse(v.values[0]);
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    EXPECT_EQ(parsed->crl_number(), std::optional<std::uint64_t>(crl_number));

    // Opt-out and operator commands, audited.
    r = yinxin({"publish", "opt-out", "--ca", "demo-sub", "--serial", serial, "--reason", "holder asked"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = yinxin({"publish", "retry", "--item", "1"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = yinxin({"publish", "skip", "--item", "1", "--reason", "test"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = yinxin({"publish", "skip", "--item", "1"});
    EXPECT_NE(r.exit_code, 0) << r.output;

    const auto actions = audit_actions();
    EXPECT_EQ(count(actions, "publish.target.add"), 1u);
    EXPECT_EQ(count(actions, "publish.target.add!"), 1u);  // the duplicate id
    EXPECT_EQ(count(actions, "publish.ldap"), 5u);         // 3 CA certificates, the certificate, the CRL
    EXPECT_EQ(count(actions, "publish.ldap.failed!"), 1u);
    EXPECT_EQ(count(actions, "publish.opt_out"), 1u);
    EXPECT_EQ(count(actions, "publish.retry"), 1u);
    EXPECT_EQ(count(actions, "publish.skip"), 1u);
    EXPECT_EQ(count(actions, "publish.skip!"), 1u);
    r = yinxin({"audit", "verify", "--store", s_data->store()}, false);
    EXPECT_EQ(r.exit_code, 0) << r.output;
}

// `yinxin serve` delivers the queue in the background: a target added while it runs is complete
// within a few rounds.
TEST_F(PublishCli, ServeRunsThePublisher) {
    ScratchDir tmp;
    Slapd slapd(tmp / "slapd", std::string(k_suffix));
    ASSERT_TRUE(slapd.start());
    std::vector<std::string> argv = {
        std::string(k_yinxin_cli), "serve", "--listen", "127.0.0.1:0", "--data-dir", s_data->dir(),
        "--publish-interval",      "1"};
    std::string error;
    int fd = -1;
    const pid_t pid = spawn_process(argv, &fd, &error);
    ASSERT_GT(pid, 0) << error;
    auto r = yinxin({"publish", "target", "add", "--id", "served", "--ldap", slapd.url(), "--bind-dn", slapd.root_dn(),
                     "--password-file", slapd.password_file(), "--base-dn", std::string(k_suffix)});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    Slapd::Values v;
    for (int i = 0; i < 100 && v.values.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        v = slapd.read(k_root_entry, "cACertificate;binary");
    }
    ::kill(pid, SIGTERM);
    std::string out;
    char buf[1024];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    EXPECT_EQ(wait_exit_code(pid), 0) << out;
    ASSERT_EQ(v.values.size(), 1u) << out;
    EXPECT_EQ(v.values[0], ca_der("demo-root"));
    EXPECT_NE(out.find("publication: served:"), std::string::npos) << out;
    EXPECT_GE(count(audit_actions(), "publish.ldap"), 3u);
}

}  // namespace
}  // namespace yinxin::test
