// `yinxin ca ...` and `yinxin cert ...` end to end through the real binary: the demo ceremony,
// listing, issuing (PEM, DER, JSON), showing, verifying (exit 0 valid, 2 invalid), bad requests
// persisting nothing, and every issued certificate checked by the openssl CLI with the SM2 ID.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_fixture.h"
#include "yinxin/store/sqlite_store.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::test {
namespace {

class CaCli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_data = new CliData(std::filesystem::path(YINXIN_BINARY_DIR) / "test_tmp" /
                             ("ca_cli-" + std::to_string(::getpid())));
        std::filesystem::remove_all(s_data->dir());
        s_data->prepare();
    }
    static void TearDownTestSuite() {
        if (!::testing::UnitTest::GetInstance()->Failed()) std::filesystem::remove_all(s_data->dir());
        delete s_data;
        s_data = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(s_data->ok()) << "the data directory could not be prepared"; }

    static ProcessResult issue(const std::string& csr, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"cert",      "issue",          "--ca",  "demo-sub",
                                         "--profile", "personnel-sign", "--csr", csr};
        for (auto& o : s_data->signing_opts()) args.push_back(o);
        for (auto& o : extra) args.push_back(o);
        return s_data->run(args);
    }

    static CliData* s_data;
};
CliData* CaCli::s_data = nullptr;

TEST_F(CaCli, ListsTheDemoHierarchy) {
    auto r = s_data->run({"ca", "list", "--data-dir", s_data->dir(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    ASSERT_EQ(j.size(), 3u) << r.output;
    std::set<std::string> ids;
    for (const auto& c : j) ids.insert(c["id"].get<std::string>());
    EXPECT_EQ(ids, (std::set<std::string>{"demo-root", "demo-sub", "demo-seal-root"}));
    for (const auto& c : j) {
        if (c["id"] == "demo-sub") {
            EXPECT_EQ(c["kind"], "sub");
            EXPECT_EQ(c["parent"], "demo-root");
            EXPECT_TRUE(c["certificate"]["ca"].get<bool>());
        }
    }
}

// The audit key in the device signs the head of the log; `audit verify --public-key` pins it and
// counts the checkpoint; a second checkpoint reuses the same key.
TEST_F(CaCli, AuditCheckpointSignedWithTheDeviceAuditKey) {
    std::vector<std::string> args = {"audit", "checkpoint", "--json"};
    for (auto& o : s_data->signing_opts()) args.push_back(o);
    auto r = s_data->run(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto cp = nlohmann::json::parse(r.output.substr(r.output.rfind('{')));
    const std::string key_file = cp["public_key_file"];
    auto v = s_data->run({"audit", "verify", "--store", s_data->store(), "--public-key", key_file, "--json"});
    ASSERT_EQ(v.exit_code, 0) << v.output;
    auto rep = nlohmann::json::parse(v.output);
    EXPECT_GE(rep["checkpoints"].get<int>(), 1) << v.output;
    EXPECT_TRUE(rep["key_pinned"].get<bool>()) << v.output;
    r = s_data->run(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output.substr(r.output.rfind('{')))["key_index"], cp["key_index"]);
}

TEST_F(CaCli, CeremonyIsIdempotent) {
    std::vector<std::string> args = {"ca", "init", "--config", s_data->dir() + "/ceremony.json", "--json"};
    for (auto& o : s_data->signing_opts()) args.push_back(o);
    auto r = s_data->run(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    EXPECT_TRUE(j["created"].empty()) << r.output;
    r = s_data->run({"ca", "list", "--data-dir", s_data->dir(), "--json"});
    EXPECT_EQ(nlohmann::json::parse(r.output).size(), 3u);
}

TEST_F(CaCli, IssuesShowsAndVerifies) {
    ScratchDir tmp;
    const auto csr = s_data->make_csr("alice", {{"C", "CN"}, {"O", "Yinxin Demo"}, {"CN", "Alice Zhang"}});
    const auto out = (tmp / "alice.pem").string();
    auto r = issue(csr, {"--out", out, "--request-id", "req-1", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["subject"], "CN=Alice Zhang,O=Yinxin Demo,C=CN");  // RFC 4514: last RDN first
    EXPECT_EQ(j["profile"], "personnel-sign");
    const std::string serial = j["serial"];

    // The store has it as issued, with the request id.
    r = s_data->run({"cert", "show", "--data-dir", s_data->dir(), "--ca", "demo-sub", "--serial", serial, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto shown = nlohmann::json::parse(r.output);
    EXPECT_EQ(shown["status"], "issued");
    EXPECT_EQ(shown["request_id"], "req-1");
    EXPECT_EQ(shown["fingerprint_sm3"], j["fingerprint_sm3"]);

    // Chain: leaf → demo-sub → demo-root.
    const auto root = (tmp / "root.pem").string();
    const auto sub = (tmp / "sub.der").string();
    ASSERT_EQ(s_data->run({"ca", "show", "demo-root", "--data-dir", s_data->dir(), "--out", root}).exit_code, 0);
    ASSERT_EQ(s_data->run({"ca", "show", "demo-sub", "--data-dir", s_data->dir(), "--out", sub, "--der"}).exit_code, 0);
    r = s_data->run({"cert", "verify", out, "--anchor", root, "--chain", sub, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(nlohmann::json::parse(r.output)["valid"].get<bool>());

    // Without the intermediate the path cannot be built: exit 2 with a path error code.
    r = s_data->run({"cert", "verify", out, "--anchor", root, "--json"});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    auto bad = nlohmann::json::parse(r.output);
    EXPECT_FALSE(bad["valid"].get<bool>());
    EXPECT_TRUE(bad["error"]["error"].get<std::string>().rfind("x509.path", 0) == 0) << r.output;

    // Long after expiry: exit 2.
    r = s_data->run({"cert", "verify", out, "--anchor", root, "--chain", sub, "--at", "4102444800"});
    EXPECT_EQ(r.exit_code, 2) << r.output;

    // The openssl CLI checks the leaf's signature with the sub CA key and the GM/T 0009 ID.
    ASSERT_TRUE(openssl_available());
    const auto cert = x509::Certificate::parse_pem(read_text(out));
    ASSERT_TRUE(cert.ok());
    const auto sub_cert = x509::Certificate::parse(read_file(sub));
    ASSERT_TRUE(sub_cert.ok());
    write_file(tmp / "tbs.der", cert.value().tbs_raw());
    write_file(tmp / "sig.der", cert.value().signature_value());
    write_file(tmp / "sub_pub.pem", pem_encode("PUBLIC KEY", sub_cert.value().public_key_info().der()));
    auto v = openssl({"dgst", "-sm3", "-verify", (tmp / "sub_pub.pem").string(), "-sigopt", "distid:1234567812345678",
                      "-signature", (tmp / "sig.der").string(), (tmp / "tbs.der").string()});
    EXPECT_EQ(v.exit_code, 0) << v.output;
    EXPECT_NE(v.output.find("Verified OK"), std::string::npos) << v.output;
}

TEST_F(CaCli, RejectsBadRequestsAndPersistsNothing) {
    auto store = store::SqliteStore::open(s_data->store());
    ASSERT_TRUE(store.ok());
    auto before = store.value()->list_certificates("demo-sub", 0, 1000);
    ASSERT_TRUE(before.ok());
    const auto count_before = before.value().records.size();

    ScratchDir tmp;
    write_file(tmp / "garbage.der", std::string("this is not a PKCS#10 request"));
    auto r = issue((tmp / "garbage.der").string());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("error: ["), std::string::npos) << r.output;

    // A fixture whose proof of possession does not verify.
    const auto bad_sig = data_path("csr/bad_signature.csr.der");
    if (std::filesystem::exists(bad_sig)) {
        r = issue(bad_sig);
        EXPECT_NE(r.exit_code, 0) << r.output;
    }
    // An unknown profile and an unknown CA.
    const auto csr = s_data->make_csr("bob", {{"C", "CN"}, {"O", "Yinxin Demo"}, {"CN", "Bob Li"}});
    std::vector<std::string> args = {"cert", "issue", "--ca", "demo-sub", "--profile", "no-such-profile", "--csr", csr};
    for (auto& o : s_data->signing_opts()) args.push_back(o);
    EXPECT_NE(s_data->run(args).exit_code, 0);
    args[3] = "no-such-ca";
    args[5] = "personnel-sign";
    EXPECT_NE(s_data->run(args).exit_code, 0);
    // Validity longer than the profile allows.
    r = issue(csr, {"--days", "99999"});
    EXPECT_NE(r.exit_code, 0) << r.output;

    auto after = store.value()->list_certificates("demo-sub", 0, 1000);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after.value().records.size(), count_before);
    auto pending = store.value()->list_pending("");
    ASSERT_TRUE(pending.ok());
    EXPECT_TRUE(pending.value().empty());
}

TEST_F(CaCli, TwoSharesCannotSign) {
    ScratchDir tmp;
    write_file(tmp / "two.txt", std::string("alice:alice-pass-1\nbob:bob-pass-22\n"));
    const auto csr = s_data->make_csr("carol", {{"C", "CN"}, {"O", "Yinxin Demo"}, {"CN", "Carol Wang"}});
    auto r =
        s_data->run({"cert", "issue", "--ca", "demo-sub", "--profile", "personnel-sign", "--csr", csr, "--data-dir",
                     s_data->dir(), "--shares-file", (tmp / "two.txt").string(), "--pin-file", s_data->pin_file()});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("device.insufficient_shares"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace yinxin::test

namespace yinxin::test {
namespace {

// `yinxin serve --listen 127.0.0.1:0 --data-dir <dir>`, running until stop().
class ServeProcess {
public:
    explicit ServeProcess(const std::string& data_dir) {
        std::vector<std::string> argv = {
            std::string(k_yinxin_cli), "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir};
        std::string error;
        m_pid = spawn_process(argv, &m_fd, &error);
        if (m_pid <= 0) {
            ADD_FAILURE() << error;
            return;
        }
        std::string out;
        char buf[1024];
        while (out.find("/metrics") == std::string::npos) {
            const ssize_t n = ::read(m_fd, buf, sizeof buf);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        const auto at = out.find("listening on ");
        if (at == std::string::npos) {
            ADD_FAILURE() << out;
            return;
        }
        m_url = out.substr(at + 13, out.find('\n', at) - at - 13);
    }
    ~ServeProcess() {
        if (m_pid > 0) stop();
    }
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    const std::string& url() const { return m_url; }
    // SIGTERM, drain the output, and the exit code (0 after a graceful shutdown).
    int stop() {
        ::kill(m_pid, SIGTERM);
        char buf[1024];
        for (;;) {
            const ssize_t n = ::read(m_fd, buf, sizeof buf);
            if (n <= 0) break;
        }
        ::close(m_fd);
        const int code = wait_exit_code(m_pid);
        m_pid = -1;
        return code;
    }

private:
    pid_t m_pid = -1;
    int m_fd = -1;
    std::string m_url;
};

// `yinxin serve --data-dir` publishes the CA certificates at the AIA caIssuers URLs the issued
// certificates carry, and the CA list; fetched with curl as a relying party would.
TEST_F(CaCli, ServePublishesCaCertificates) {
    ASSERT_TRUE(executable_available("/usr/bin/curl", "curl"));
    ServeProcess serve(s_data->dir());
    ASSERT_FALSE(serve.url().empty());
    const std::string& url = serve.url();

    ScratchDir tmp;
    auto r = run_process({"/usr/bin/curl", "-sf", "-o", (tmp / "root.cer").string(), url + "/ca/demo-root.cer"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto store = store::SqliteStore::open(s_data->store());
    ASSERT_TRUE(store.ok());
    EXPECT_EQ(read_file(tmp / "root.cer"), store.value()->get_ca("demo-root").value().certificate_der);
    r = run_process({"/usr/bin/curl", "-sf", url + "/api/v1/cas"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["cas"].size(), 3u);
    r = run_process({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url + "/ca/no-such-ca.cer"});
    EXPECT_EQ(r.output, "404");
    r = run_process({"/usr/bin/curl", "-sf", url + "/health"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(serve.stop(), 0);
}

// The README's main job end to end (scripts/run.sh): demo staff with certificates, the served staff
// API, a login with password + signed challenge through `yinxin staff login`, and the auditor's view
// of the audit log; idempotent re-run of `staff demo`.
TEST_F(CaCli, DemoStaffLogInToTheServedStaffApi) {
    ASSERT_TRUE(executable_available("/usr/bin/curl", "curl"));
    ScratchDir tmp;
    CliData data(tmp / "data");
    data.prepare();
    ASSERT_TRUE(data.ok());
    const std::string out = (tmp / "data" / "demo-staff").string();
    std::vector<std::string> demo = {"staff", "demo", "--out", out};
    for (auto& o : data.signing_opts()) demo.push_back(o);
    auto r = data.run(demo);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // login role password key certificate
    std::map<std::string, std::vector<std::string>> logins;
    std::istringstream lines(to_string(read_file(std::filesystem::path(out) / "logins.txt")));
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream f(line);
        std::vector<std::string> fields{std::istream_iterator<std::string>(f), std::istream_iterator<std::string>()};
        ASSERT_EQ(fields.size(), 5u) << line;
        logins[fields[0]] = fields;
    }
    EXPECT_EQ(logins.size(), 7u);
    r = data.run(demo);  // idempotent
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("already set up"), std::string::npos) << r.output;

    ServeProcess serve(data.dir());
    ASSERT_FALSE(serve.url().empty());
    const auto& auditor = logins.at("auditor");
    write_file(tmp / "pw.txt", auditor[2] + "\n");
    r = data.run({"staff", "login", "--url", serve.url(), "--login", "auditor", "--password-file",
                  (tmp / "pw.txt").string(), "--key", auditor[3]});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string token = nlohmann::json::parse(r.output)["token"];
    const std::string bearer = "Authorization: Bearer " + token;
    r = run_process({"/usr/bin/curl", "-sf", "-H", bearer, serve.url() + "/api/v1/audit/verify"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(nlohmann::json::parse(r.output)["intact"].get<bool>()) << r.output;
    // The auditor may not list staff; a wrong password does not log in.
    r = run_process(
        {"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", bearer, serve.url() + "/api/v1/staff"});
    EXPECT_EQ(r.output, "403");
    write_file(tmp / "bad.txt", std::string("Wrong#Pass9\n"));
    r = data.run({"staff", "login", "--url", serve.url(), "--login", "auditor", "--password-file",
                  (tmp / "bad.txt").string(), "--key", auditor[3]});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("auth.bad_credentials"), std::string::npos) << r.output;
    EXPECT_EQ(serve.stop(), 0);
}

}  // namespace
}  // namespace yinxin::test
