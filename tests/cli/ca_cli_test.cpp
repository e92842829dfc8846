// `yinxin ca ...` and `yinxin cert ...` end to end through the real binary: the demo ceremony,
// listing, issuing (PEM, DER, JSON), showing, verifying (exit 0 valid, 2 invalid), bad requests
// persisting nothing, and every issued certificate checked by the openssl CLI with the SM2 ID.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_fixture.h"
#include "publish/receiver.h"
#include "ra/smtp_sink.h"
#include "yinxin/auth/service.h"
#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/kmc/envelope.h"
#include "yinxin/ra/workflow.h"
#include "yinxin/store/sqlite_store.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/csr.h"
#include "yinxin/x509/name.h"

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
    EXPECT_EQ(logins.size(), 16u);  // the §5.4 roles, the RA and the three seal systems (§9.4)
    r = data.run(demo);             // idempotent
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

// Revocation from the command line: `cert revoke` signs a new CRL at once, `serve` publishes it at
// the CRL distribution point URL of the certificate and reports the status, `openssl crl` reads
// what curl fetched, and `crl show` hands out the same bytes.
TEST_F(CaCli, RevokeAndServeTheCrl) {
    ASSERT_TRUE(executable_available("/usr/bin/curl", "curl"));
    ASSERT_TRUE(openssl_available());
    ScratchDir tmp;
    const auto csr = s_data->make_csr("revoked", {{"C", "CN"}, {"O", "Yinxin Demo"}, {"CN", "Revoked Holder"}});
    auto r = issue(csr, {"--json", "--out", (tmp / "revoked.pem").string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string serial = nlohmann::json::parse(r.output)["serial"];

    std::vector<std::string> revoke = {"cert", "revoke",   "--ca",          "demo-sub", "--serial",
                                       serial, "--reason", "keyCompromise", "--json"};
    for (auto& o : s_data->signing_opts()) revoke.push_back(o);
    r = s_data->run(revoke);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["status"], "revoked");
    EXPECT_EQ(j["reason"], "keyCompromise");
    ASSERT_TRUE(j.contains("crl")) << r.output;
    const std::uint64_t number = j["crl"]["crl_number"];
    r = s_data->run(revoke);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("ca.already_revoked"), std::string::npos) << r.output;
    std::vector<std::string> bad = revoke;
    bad[7] = "compromised";
    r = s_data->run(bad);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("unknown revocation reason"), std::string::npos) << r.output;

    // The daily schedule: every CA that may sign, in one command; the revocation stays listed.
    std::vector<std::string> all = {"crl", "issue", "--all", "--json"};
    for (auto& o : s_data->signing_opts()) all.push_back(o);
    r = s_data->run(all);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    j = nlohmann::json::parse(r.output);
    std::size_t full = 0;
    bool root_arl = false;
    for (const auto& c : j) {
        if (c["scope"] == "full") ++full;
        if (c["scope"] == "arl" && c["ca_id"] == "demo-root") root_arl = true;
        if (c["ca_id"] == "demo-sub") {
            EXPECT_EQ(c["scope"], "full") << r.output;  // an issuing CA: no ARL; deltas are off
            EXPECT_GT(c["crl_number"].get<std::uint64_t>(), number);
            EXPECT_EQ(c["entries"], 1);
        }
    }
    EXPECT_EQ(full, 3u) << r.output;
    EXPECT_TRUE(root_arl) << r.output;
    all[2] = "--ca";
    all.insert(all.begin() + 3, "demo-sub");
    all.push_back("--all");
    r = s_data->run(all);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("either --ca or --all"), std::string::npos) << r.output;

    // With the custodians' shares the server unlocks the device and answers OCSP with the CA keys.
    ServeProcess serve(s_data->dir(), {"--shares-file", s_data->shares(), "--pin-file", s_data->pin_file()});
    ASSERT_FALSE(serve.url().empty());
    const std::string crl_file = (tmp / "served.crl").string();
    r = run_process({"/usr/bin/curl", "-sS", "--fail", "-o", crl_file, serve.url() + "/crl/demo-sub.crl"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto text = openssl({"crl", "-inform", "DER", "-in", crl_file, "-noout", "-text"});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    std::string upper = serial;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_NE(text.output.find(upper), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("Key Compromise"), std::string::npos) << text.output;
    r = run_process({"/usr/bin/curl", "-sS", "--fail", serve.url() + "/api/v1/cas/demo-sub/certificates/" + serial});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["status"], "revoked");
    EXPECT_EQ(j["revocation"]["reason"], "keyCompromise");
    // Query by subject (case-insensitive part of the DN) and the CA chain.
    r = run_process({"/usr/bin/curl", "-sS", "--fail", serve.url() + "/api/v1/certificates?subject=revoked%20holder"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    j = nlohmann::json::parse(r.output);
    ASSERT_EQ(j["certificates"].size(), 1u) << r.output;
    EXPECT_EQ(j["certificates"][0]["serial"], serial);
    EXPECT_EQ(j["certificates"][0]["status"], "revoked");
    r = run_process({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                     serve.url() + "/api/v1/certificates?subject="});
    EXPECT_EQ(r.output, "400");
    r = run_process({"/usr/bin/curl", "-sS", "--fail", serve.url() + "/api/v1/cas/demo-sub/chain"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::size_t pems = 0;
    for (auto at = r.output.find("BEGIN CERTIFICATE"); at != std::string::npos;
         at = r.output.find("BEGIN CERTIFICATE", at + 1))
        ++pems;
    EXPECT_EQ(pems, 2u) << r.output;  // demo-sub, demo-root
    r = run_process({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", serve.url() + "/crl/nope.crl"});
    EXPECT_EQ(r.output, "404");
    // The root's ARL (its issued CA certificates point there) and no delta while deltas are off.
    const std::string arl_file = (tmp / "served.arl").string();
    r = run_process({"/usr/bin/curl", "-sS", "--fail", "-o", arl_file, serve.url() + "/crl/demo-root.arl"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    text = openssl({"crl", "-inform", "DER", "-in", arl_file, "-noout", "-text"});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    EXPECT_NE(text.output.find("Only CA Certificates"), std::string::npos) << text.output;
    r = run_process(
        {"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", serve.url() + "/crl/demo-sub-delta.crl"});
    EXPECT_EQ(r.output, "404");

    // The openssl OCSP client at the AIA URL: revoked (reason and time) for the revoked one, good
    // for another, the nonce checked by the client. -noverify: OpenSSL 3.0 cannot check the SM2
    // signature with the signer ID (tests/ca/ocsp_test.cpp checks it with BouncyCastle).
    const std::string sub_pem = (tmp / "sub.pem").string();
    r = s_data->run({"ca", "show", "demo-sub", "--data-dir", s_data->dir(), "--out", sub_pem});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto other_csr = s_data->make_csr("good", {{"C", "CN"}, {"O", "Yinxin Demo"}, {"CN", "Good Holder"}});
    r = issue(other_csr, {"--out", (tmp / "good.pem").string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto ocsp = openssl({"ocsp", "-issuer", sub_pem, "-cert", (tmp / "revoked.pem").string(), "-cert",
                         (tmp / "good.pem").string(), "-url", serve.url() + "/ocsp/demo-sub", "-noverify"});
    ASSERT_EQ(ocsp.exit_code, 0) << ocsp.output;
    EXPECT_NE(ocsp.output.find("revoked.pem: revoked"), std::string::npos) << ocsp.output;
    EXPECT_NE(ocsp.output.find("Reason: keyCompromise"), std::string::npos) << ocsp.output;
    EXPECT_NE(ocsp.output.find("good.pem: good"), std::string::npos) << ocsp.output;
    EXPECT_EQ(ocsp.output.find("WARNING"), std::string::npos) << ocsp.output;  // nonce echoed
    // GET (RFC 5019): the request's base64, URL-encoded, in the path.
    const std::string req = (tmp / "req.der").string();
    ocsp = openssl({"ocsp", "-issuer", sub_pem, "-cert", (tmp / "revoked.pem").string(), "-no_nonce", "-reqout", req});
    ASSERT_EQ(ocsp.exit_code, 0) << ocsp.output;
    std::string b64 = base64_encode(read_file(req));
    std::string encoded;
    for (char ch : b64) encoded += ch == '/' ? "%2F" : ch == '+' ? "%2B" : ch == '=' ? "%3D" : std::string(1, ch);
    const std::string resp = (tmp / "resp.der").string();
    r = run_process({"/usr/bin/curl", "-sS", "--fail", "-o", resp, serve.url() + "/ocsp/demo-sub/" + encoded});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ocsp = openssl({"ocsp", "-respin", resp, "-noverify", "-resp_text"});
    EXPECT_NE(ocsp.output.find("Cert Status: revoked"), std::string::npos) << ocsp.output;
    EXPECT_EQ(serve.stop(), 0);

    // A delegated responder: its own key and OCSP-signing certificate, sent with every answer.
    std::vector<std::string> delegate = {"ocsp", "delegate", "--ca", "demo-sub", "--validity-days", "7", "--json"};
    for (auto& o : s_data->signing_opts()) delegate.push_back(o);
    r = s_data->run(delegate);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(nlohmann::json::parse(r.output)["key_label"].get<std::string>().find("demo-sub-ocsp-"), std::string::npos)
        << r.output;

    // `--role ocsp`: the status services alone, as their own process (no staff API).
    ServeProcess status_only(s_data->dir(),
                             {"--role", "ocsp", "--shares-file", s_data->shares(), "--pin-file", s_data->pin_file()});
    ASSERT_FALSE(status_only.url().empty());
    r = run_process({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                     status_only.url() + "/api/v1/auth/challenge", "-X", "POST"});
    EXPECT_EQ(r.output, "404");
    ocsp = openssl({"ocsp", "-issuer", sub_pem, "-cert", (tmp / "good.pem").string(), "-url",
                    status_only.url() + "/ocsp/demo-sub", "-noverify", "-resp_text"});
    EXPECT_NE(ocsp.output.find("good.pem: good"), std::string::npos) << ocsp.output;
    EXPECT_NE(ocsp.output.find("OCSP Signing"), std::string::npos) << ocsp.output;  // the delegate's certificate
    EXPECT_EQ(status_only.stop(), 0);

    const std::string shown = (tmp / "shown.crl").string();
    r = s_data->run({"crl", "show", "--data-dir", s_data->dir(), "--ca", "demo-sub", "--der", "--out", shown});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(read_file(shown), read_file(crl_file));
}

// HTTPS with a server certificate from Yinxin's own CA (the README's main job): the P-256 TLS root
// from a ceremony, a key and request made by the openssl CLI, `cert issue` with the hosts, and the
// server on TLS plus a loopback plain-HTTP port. curl checks the chain, the host name and the IP
// address the way any client does; `staff login` logs in over HTTPS with the same trust anchor.
TEST_F(CaCli, HttpsServerCertificateFromTheOwnTlsCa) {
    ASSERT_TRUE(executable_available("/usr/bin/curl", "curl"));
    ASSERT_TRUE(openssl_available());
    ScratchDir tmp;
    CliData data(tmp / "data");
    data.prepare();
    ASSERT_TRUE(data.ok());
    write_file(tmp / "tls-ceremony.json", std::string(R"json({
  "publication": {"base_url": "http://127.0.0.1:8080", "cps_oid": "1.2.156.112570.150", "cps_uri": "http://127.0.0.1:8080/cps"},
  "cas": [{"id": "demo-tls-root", "name": "Demo TLS Root", "kind": "root", "profile": "tls-root-ca",
           "key_algorithm": "ecdsa-p256", "subject": [["C", "CN"], ["O", "Yinxin Demo"], ["CN", "Yinxin Demo TLS Root CA"]]}]
})json"));
    std::vector<std::string> init = {"ca", "init", "--config", (tmp / "tls-ceremony.json").string()};
    for (auto& o : data.signing_opts()) init.push_back(o);
    auto r = data.run(init);
    ASSERT_EQ(r.exit_code, 0) << r.output;

    const std::string key = (tmp / "server.key").string();
    const std::string csr = (tmp / "server.csr").string();
    const std::string cert = (tmp / "server.pem").string();
    const std::string ca = (tmp / "ca.pem").string();
    r = openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = openssl({"req", "-new", "-key", key, "-subj", "/CN=localhost", "-out", csr});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::vector<std::string> issue = {"cert",  "issue", "--ca",   "demo-tls-root", "--profile", "tls-server",
                                      "--csr", csr,     "--host", "localhost",     "--host",    "127.0.0.1",
                                      "--out", cert};
    for (auto& o : data.signing_opts()) issue.push_back(o);
    r = data.run(issue);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // A GM CA does not make TLS server certificates.
    issue[3] = "demo-sub";
    issue[13] = (tmp / "refused.pem").string();  // the --out value
    r = data.run(issue);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("profile.request_rejected"), std::string::npos) << r.output;
    r = data.run({"ca", "show", "demo-tls-root", "--data-dir", data.dir(), "--out", ca});
    ASSERT_EQ(r.exit_code, 0) << r.output;

    // `staff demo` first: the member who logs in over HTTPS below.
    const std::string out = (tmp / "data" / "demo-staff").string();
    std::vector<std::string> demo = {"staff", "demo", "--out", out};
    for (auto& o : data.signing_opts()) demo.push_back(o);
    r = data.run(demo);
    ASSERT_EQ(r.exit_code, 0) << r.output;

    ServeProcess serve(data.dir(), {"--tls-cert", cert, "--tls-key", key, "--plain-port", "0"});
    ASSERT_EQ(serve.url().rfind("https://127.0.0.1:", 0), 0u) << serve.url();
    ASSERT_EQ(serve.plain_url().rfind("http://127.0.0.1:", 0), 0u) << serve.plain_url();
    const std::string port = serve.url().substr(serve.url().rfind(':') + 1);
    const std::string by_name = "https://localhost:" + port;
    // The chain, the host name (SAN dNSName) and the address (SAN iPAddress), checked by curl.
    for (const std::string& url : {by_name, serve.url()}) {
        r = run_process({"/usr/bin/curl", "-sS", "--fail", "--cacert", ca, url + "/health"});
        EXPECT_EQ(r.exit_code, 0) << url << ": " << r.output;
        EXPECT_NE(r.output.find("\"ok\""), std::string::npos) << r.output;
    }
    // Without the trust anchor curl refuses the certificate (CURLE_PEER_FAILED_VERIFICATION).
    r = run_process({"/usr/bin/curl", "-sS", "-o", "/dev/null", serve.url() + "/health"});
    EXPECT_EQ(r.exit_code, 60) << r.output;
    // The plain loopback listener serves the http:// CRL and caIssuers URLs.
    r = run_process({"/usr/bin/curl", "-sS", "--fail", "-o", "/dev/null", serve.plain_url() + "/ca/demo-root.cer"});
    EXPECT_EQ(r.exit_code, 0) << r.output;

    std::map<std::string, std::vector<std::string>> logins;
    std::istringstream lines(to_string(read_file(std::filesystem::path(out) / "logins.txt")));
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream f(line);
        std::vector<std::string> fields{std::istream_iterator<std::string>(f), std::istream_iterator<std::string>()};
        if (fields.size() == 5) logins[fields[0]] = fields;
    }
    const auto& auditor = logins.at("auditor");
    write_file(tmp / "pw.txt", auditor[2] + "\n");
    r = data.run({"staff", "login", "--url", by_name, "--cacert", ca, "--login", "auditor", "--password-file",
                  (tmp / "pw.txt").string(), "--key", auditor[3]});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string token = nlohmann::json::parse(r.output)["token"];
    r = run_process({"/usr/bin/curl", "-sS", "--fail", "--cacert", ca, "-H", "Authorization: Bearer " + token,
                     by_name + "/api/v1/audit/verify"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(nlohmann::json::parse(r.output)["intact"].get<bool>()) << r.output;
    // HTTPS needs a trust anchor, and the wrong one (the SM2 root) fails the handshake.
    r = data.run({"staff", "login", "--url", by_name, "--login", "auditor", "--password-file",
                  (tmp / "pw.txt").string(), "--key", auditor[3]});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("--cacert"), std::string::npos) << r.output;
    r = data.run({"ca", "show", "demo-root", "--data-dir", data.dir(), "--out", (tmp / "sm2-root.pem").string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = data.run({"staff", "login", "--url", by_name, "--cacert", (tmp / "sm2-root.pem").string(), "--login", "auditor",
                  "--password-file", (tmp / "pw.txt").string(), "--key", auditor[3]});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("certificate verify failed"), std::string::npos) << r.output;
    EXPECT_EQ(serve.stop(), 0);
}

// Issue 5 end to end against the running server, with curl as the HTTP client: the applicant logs
// in and submits a PKCS#10 for a 人员 certificate; the 主管部门 approves and the RA operator reviews
// (each decision SM2-signed with the member's own key); the certificate is issued, delivered and
// downloaded; renewed online with the old key; suspended, unsuspended and revoked; and every step
// is in the audit log the auditor reads.
class Http {
public:
    explicit Http(std::string url) : m_url(std::move(url)) {}
    void login_as(const std::string& token) { m_bearer = "Authorization: Bearer " + token; }
    // {status, body}
    std::pair<int, std::string> call(const std::string& method, const std::string& path,
                                     const nlohmann::json& body = nullptr) const {
        return call_raw(method, path, body.is_null() ? std::string() : body.dump(), "application/json");
    }
    std::pair<int, std::string> call_raw(const std::string& method, const std::string& path, const std::string& body,
                                         const std::string& content_type) const {
        std::vector<std::string> argv{"/usr/bin/curl", "-s", "-X", method, "-w", "\n%{http_code}"};
        if (!m_bearer.empty()) argv.insert(argv.end(), {"-H", m_bearer});
        if (!body.empty()) argv.insert(argv.end(), {"-H", "Content-Type: " + content_type, "--data-binary", body});
        argv.push_back(m_url + path);
        auto r = run_process(argv);
        const auto nl = r.output.rfind('\n');
        if (r.exit_code != 0 || nl == std::string::npos) return {0, r.output};
        return {std::stoi(r.output.substr(nl + 1)), r.output.substr(0, nl)};
    }
    nlohmann::json ok(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
                      int want = 200) const {
        auto [status, text] = call(method, path, body);
        EXPECT_EQ(status, want) << method << " " << path << ": " << text;
        auto j = nlohmann::json::parse(text, nullptr, false);
        return j.is_discarded() ? nlohmann::json{{"raw", text}} : j;
    }

private:
    std::string m_url;
    std::string m_bearer;
};

TEST_F(CaCli, RegistrationEndToEndOverHttp) {
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
    std::map<std::string, std::vector<std::string>> logins;  // login role password key certificate
    std::istringstream lines(to_string(read_file(std::filesystem::path(out) / "logins.txt")));
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream f(line);
        std::vector<std::string> fields{std::istream_iterator<std::string>(f), std::istream_iterator<std::string>()};
        logins[fields[0]] = fields;
    }
    // Notifications go to a mail server and a webhook receiver started here, on loopback.
    SmtpSink mail;
    Receiver hook;
    write_file(std::filesystem::path(data.dir()) / "notify.json",
               nlohmann::json{
                   {"smtp",
                    {{"host", "127.0.0.1"}, {"port", mail.port()}, {"from", "ra@example.gov.cn"}, {"starttls", false}}},
                   {"webhooks", {{"default", {{"url", "http://127.0.0.1:" + std::to_string(hook.port()) + "/ra"}}}}}}
                   .dump());
    ServeProcess serve(data.dir(), {"--shares-file", data.shares(), "--pin-file", data.pin_file(), "--ra-webhook",
                                    "default", "--notify-interval", "1"});
    ASSERT_FALSE(serve.url().empty());
    auto session = [&](const std::string& login) {
        const auto& l = logins.at(login);
        write_file(tmp / "pw.txt", l[2] + "\n");
        auto lr = data.run({"staff", "login", "--url", serve.url(), "--login", login, "--password-file",
                            (tmp / "pw.txt").string(), "--key", l[3]});
        EXPECT_EQ(lr.exit_code, 0) << lr.output;
        Http h(serve.url());
        h.login_as(nlohmann::json::parse(lr.output)["token"].get<std::string>());
        return h;
    };
    auto key_of = [&](const std::string& login) {
        return crypto::Sm2PrivateKey::from_pem(to_string(read_file(logins.at(login)[3]))).value();
    };
    // The member signs decision_text(step, id, payload SM3) with the key of their login certificate.
    auto decide = [&](const Http& h, const std::string& login, const std::string& step, const std::string& id,
                      nlohmann::json body) {
        const auto p = h.ok("GET", "/api/v1/ra/requests/" + id + "/payload");
        const std::string text = auth::decision_text(step, id, p["payload_sm3"].get<std::string>());
        body["signature"] = base64_encode(crypto::sm2_sign(key_of(login), as_bytes(text)).value());
        return h.ok("POST", "/api/v1/ra/requests/" + id + "/" + step, body);
    };
    auto csr_b64 = [](const crypto::Sm2PrivateKey& key) {
        x509::CsrBuilder b;
        b.subject(x509::Name::build({{"CN", "王五"}}).value()).public_key(key.public_key());
        auto csr = b.sign_with(key, crypto::k_default_sm2_id).value();
        return base64_encode(csr.der());
    };

    Http holder = session("holder");
    Http approver = session("ra.approver");
    Http op = session("ra.operator");
    // 1. The applicant submits form A.1 and a PKCS#10 made with its own key (20 days: renewable at once).
    const auto holder_key = crypto::Sm2PrivateKey::generate().value();
    nlohmann::json form{{"name", "王五"},
                        {"gender", "男"},
                        {"id_number", "11010519491231002X"},
                        {"province_city", "山东省济南市"},
                        {"phone", "13900000000"},
                        {"email", "wangwu@example.gov.cn"},
                        {"unit_department", "济南市社会保险事业中心"}};
    auto app = holder.ok("POST", "/api/v1/ra/requests",
                         {{"kind", "issue"},
                          {"subject_kind", "person"},
                          {"form", form},
                          {"org_node", "city-a.hall"},
                          {"ca", "demo-sub"},
                          {"validity_days", 20},
                          {"challenge_phrase", "green tea at noon"},
                          {"csr", csr_b64(holder_key)}},
                         201);
    const std::string id = app["id"];
    EXPECT_EQ(app["state"], "submitted");
    // Bad input: a form with a wrong ID number check digit is refused with the ra code.
    form["id_number"] = "110105194912310021";
    auto [bad_status, bad_body] = holder.call("POST", "/api/v1/ra/requests",
                                              {{"kind", "issue"},
                                               {"subject_kind", "person"},
                                               {"form", form},
                                               {"org_node", "city-a.hall"},
                                               {"ca", "demo-sub"},
                                               {"csr", csr_b64(holder_key)}});
    EXPECT_EQ(bad_status, 400) << bad_body;
    EXPECT_NE(bad_body.find("ra.bad_request"), std::string::npos) << bad_body;
    // 2. 主管部门 approves; 3. the operator reviews and the CA issues.
    EXPECT_EQ(decide(approver, "ra.approver", "approve", id, nlohmann::json::object())["state"], "approved");
    auto reviewed = decide(op, "ra.operator", "review", id, nlohmann::json::object());
    EXPECT_EQ(reviewed["state"], "completed") << reviewed.dump();
    // 4. Delivered at the hall on a USB key from the stock, with the holder's sign-off; 5. downloaded.
    auto [import_status, import_body] =
        op.call_raw("POST", "/api/v1/ra/carriers?org_node=city-a",
                    "carrier_no,kind,model,vendor,batch,unblock_code\n8800123456789012,usb_key,UK-200,Demo,2026-12,"
                    "PUK-Zq81v7Rw\n",
                    "text/csv");
    ASSERT_EQ(import_status, 201) << import_body;
    auto delivered = decide(op, "ra.operator", "deliver", id,
                            {{"method", "collection"}, {"received_by", "王五"}, {"carrier_no", "8800123456789012"}});
    EXPECT_EQ(delivered["state"], "delivered") << delivered.dump();
    auto [pem_status, pem] = holder.call("GET", "/api/v1/ra/requests/" + id + "/certificate");
    ASSERT_EQ(pem_status, 200) << pem;
    auto cert = x509::Certificate::parse_pem(pem).value();
    auto carrier = op.ok("GET", "/api/v1/ra/carriers/8800123456789012");
    EXPECT_EQ(carrier["state"], "assigned") << carrier.dump();
    EXPECT_NE(carrier.dump().find(cert.serial_hex()), std::string::npos) << carrier.dump();
    EXPECT_EQ(cert.public_key_info().sm2_public_key()->point(), holder_key.public_key().point());
    EXPECT_NE(cert.subject().to_string().find("王五"), std::string::npos);

    // 6. Online renewal signed with the OLD key; the operator authorises it.
    const auto new_key = crypto::Sm2PrivateKey::generate().value();
    const std::string new_csr = csr_b64(new_key);
    const std::string renewal_text =
        ra::online_renewal_text("demo-sub", cert.serial_hex(), base64_decode(new_csr).value());
    auto renewal =
        holder.ok("POST", "/api/v1/ra/renewals",
                  {{"ca", "demo-sub"},
                   {"serial", cert.serial_hex()},
                   {"csr", new_csr},
                   {"signature", base64_encode(crypto::sm2_sign(holder_key, as_bytes(renewal_text)).value())}},
                  201);
    EXPECT_EQ(renewal["state"], "approved");
    auto renewed = decide(op, "ra.operator", "review", renewal["id"], nlohmann::json::object());
    EXPECT_EQ(renewed["state"], "completed") << renewed.dump();
    auto [new_status, new_pem] =
        holder.call("GET", "/api/v1/ra/requests/" + renewal["id"].get<std::string>() + "/certificate");
    ASSERT_EQ(new_status, 200) << new_pem;
    auto new_cert = x509::Certificate::parse_pem(new_pem).value();
    EXPECT_EQ(new_cert.public_key_info().sm2_public_key()->point(), new_key.public_key().point());
    // The old certificate is revoked as superseded; the public status route says so.
    auto old_status = Http(serve.url()).ok("GET", "/api/v1/cas/demo-sub/certificates/" + cert.serial_hex());
    EXPECT_NE(old_status.dump().find("superseded"), std::string::npos) << old_status.dump();

    // 7. Suspended, unsuspended, revoked (each effective at once for the status services).
    const std::string path = "/api/v1/ra/certificates/demo-sub/" + new_cert.serial_hex();
    auto [denied, denied_body] = holder.call("POST", path + "/suspend", {{"why", "mine"}});
    EXPECT_EQ(denied, 403) << denied_body;
    EXPECT_EQ(op.ok("POST", path + "/suspend", {{"why", "holder reported the key missing"}})["status"], "suspended");
    auto held = Http(serve.url()).ok("GET", "/api/v1/cas/demo-sub/certificates/" + new_cert.serial_hex());
    EXPECT_NE(held.dump().find("certificateHold"), std::string::npos) << held.dump();
    EXPECT_EQ(op.ok("POST", path + "/unsuspend", {{"why", "key found"}})["status"], "released");
    EXPECT_EQ(op.ok("POST", path + "/revoke", {{"why", "left the unit"}, {"reason", "affiliationChanged"}})["status"],
              "revoked");
    auto gone = Http(serve.url()).ok("GET", "/api/v1/cas/demo-sub/certificates/" + new_cert.serial_hex());
    EXPECT_NE(gone.dump().find("affiliationChanged"), std::string::npos) << gone.dump();

    // 8. Every step is in the audit log, and the log verifies.
    Http auditor = session("auditor");
    auto records = auditor.ok("GET", "/api/v1/audit/records?from=1&limit=1000");
    std::map<std::string, int> actions;
    for (const auto& rec : records["records"])
        if (rec["result"] == "success") ++actions[rec["action"].get<std::string>()];
    for (const char* a : {"ra.request.submit", "ra.request.approve", "ra.request.review", "ra.request.complete",
                          "ra.request.deliver", "ra.renewal.online", "ra.suspend", "ra.unsuspend", "ra.revoke.forced"})
        EXPECT_GE(actions[a], 1) << a;
    EXPECT_TRUE(auditor.ok("GET", "/api/v1/audit/verify")["intact"].get<bool>());
    auto history = holder.ok("GET", "/api/v1/ra/requests/" + id + "/history");
    EXPECT_EQ(history["history"].size(), 5u) << history.dump();

    // 9. The applicant heard of the approval and the issuance by e-mail; the business system by webhook.
    bool mailed = false;
    bool hooked = false;
    for (int i = 0; i < 100 && !(mailed && hooked); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        int approved_mail = 0;
        for (const auto& m : mail.messages())
            if (!m.rcpt_to.empty() && m.rcpt_to[0] == "wangwu@example.gov.cn" && m.data.find(id) != std::string::npos)
                ++approved_mail;
        mailed = approved_mail >= 2;
        for (const auto& rq : hook.requests())
            hooked = hooked || (rq.body.find("ra.certificate.issued") != std::string::npos &&
                                rq.body.find(id) != std::string::npos);
    }
    EXPECT_TRUE(mailed) << mail.messages().size() << " messages";
    EXPECT_TRUE(hooked) << hook.requests().size() << " webhook calls";
    EXPECT_EQ(serve.stop(), 0);
}

// Issue 7, the offline seal tool with keys from a Yinxin device and from a PKCS#12 file, a time
// stamp from the served TSA, and revocation from the CA's CRL: the seal maker's key is made inside
// the device (`cert keygen`), the seal certificate's key comes from an openssl-made .p12; the
// detached signature is time-stamped over HTTP (`seal sign --tsa`) and verifies with genTime as
// the signing time; after the seal certificate is revoked, the CRL served by `yinxin serve` turns
// the verification invalid (exit 3) naming the revocation.
TEST_F(CaCli, SealWithDeviceKeyTimeStampAndRevocation) {
    ASSERT_TRUE(executable_available("/usr/bin/curl", "curl"));
    ASSERT_TRUE(openssl_available());
    ScratchDir tmp;
    CliData data(tmp / "data");
    data.prepare();
    ASSERT_TRUE(data.ok());
    auto with_signing = [&](std::vector<std::string> args) {
        for (auto& o : data.signing_opts()) args.push_back(o);
        return data.run(args);
    };
    auto t = [&](const std::string& name) { return (tmp / name).string(); };

    // The TSA of the issuing CA, then the server that answers RFC 3161 requests with it.
    auto r = with_signing({"tsa", "delegate", "--ca", "demo-sub", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["policy"], "1.2.156.112570.150.2");

    // Seal maker: key in the device, request signed by the device, certificate from the seal root.
    r = with_signing({"cert", "keygen", "--label", "seal-maker-1", "--subject", "C=CN", "--subject", "O=Yinxin Demo",
                      "--subject", "CN=Demo Seal Maker", "--csr-out", t("maker.csr")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = with_signing({"cert", "issue", "--ca", "demo-seal-root", "--profile", "seal-maker-system", "--csr",
                      t("maker.csr"), "--out", t("maker.pem")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // Seal certificate: a software key delivered as PKCS#12 (openssl pkcs12 -export).
    const auto key = crypto::Sm2PrivateKey::generate().value();
    write_file(tmp / "signer.key", key.pkcs8_pem());
    auto csr = x509::CsrBuilder()
                   .subject(x509::Name::build({{"C", "CN"}, {"O", "Yinxin Demo"}, {"CN", "37030000001721"}}).value())
                   .public_key(key.public_key())
                   .sign_with(key);
    ASSERT_TRUE(csr.ok());
    write_file(tmp / "signer.csr", pem_encode("CERTIFICATE REQUEST", csr->der()));
    r = with_signing({"cert", "issue", "--ca", "demo-seal-root", "--profile", "seal", "--csr", t("signer.csr"),
                      "--json", "--out", t("signer.pem")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string serial = nlohmann::json::parse(r.output)["serial"];
    write_file(tmp / "p12pass", std::string("p12-Password-2026\n"));
    r = openssl({"pkcs12", "-export", "-inkey", t("signer.key"), "-in", t("signer.pem"), "-passout",
                 "file:" + t("p12pass"), "-out", t("signer.p12")});
    ASSERT_EQ(r.exit_code, 0) << r.output;

    write_file(tmp / "seal.png", std::string("\x89PNG\r\n\x1a\n demo seal picture"));
    std::vector<std::string> make = {"seal",         "make",         "--maker-cert", t("maker.pem"),
                                     "--device-key", "seal-maker-1", "--cert",       t("signer.pem"),
                                     "--picture",    t("seal.png"),  "--es-id",      "37030000001721",
                                     "--name",       "演示专用章",   "--out",        t("demo.esl")};
    r = with_signing(make);
    ASSERT_EQ(r.exit_code, 0) << r.output;

    ServeProcess serve(data.dir(), {"--shares-file", data.shares(), "--pin-file", data.pin_file()});
    ASSERT_FALSE(serve.url().empty());
    write_file(tmp / "contract.txt", std::string("劳动合同 2026-12-06"));
    r = data.run({"seal", "sign", "--seal", t("demo.esl"), "--cert", t("signer.pem"), "--key", t("signer.p12"),
                  "--key-pass-file", t("p12pass"), "--file", t("contract.txt"), "--out", t("contract.ses"), "--tsa",
                  serve.url() + "/api/v1/tsa"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // A wrong PKCS#12 password signs nothing.
    write_file(tmp / "wrongpass", std::string("not-the-password\n"));
    r = data.run({"seal", "sign", "--seal", t("demo.esl"), "--cert", t("signer.pem"), "--key", t("signer.p12"),
                  "--key-pass-file", t("wrongpass"), "--file", t("contract.txt"), "--out", t("bad.ses")});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("crypto.bad_key"), std::string::npos) << r.output;

    for (const char* id : {"demo-root", "demo-seal-root", "demo-sub"}) {
        r = data.run({"ca", "show", id, "--data-dir", data.dir(), "--out", t(std::string(id) + ".pem")});
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    auto fetch_crl = [&](const std::string& name) {
        auto c =
            run_process({"/usr/bin/curl", "-sS", "--fail", "-o", t(name), serve.url() + "/crl/demo-seal-root.crl"});
        EXPECT_EQ(c.exit_code, 0) << c.output;
        return t(name);
    };
    const std::vector<std::string> verify_base = {"seal",
                                                  "verify",
                                                  t("contract.ses"),
                                                  "--data",
                                                  t("contract.txt"),
                                                  "--anchor",
                                                  t("demo-root.pem"),
                                                  "--anchor",
                                                  t("demo-seal-root.pem"),
                                                  "--intermediate",
                                                  t("demo-sub.pem"),
                                                  "--json"};
    auto verify = [&](const std::string& crl) {
        auto args = verify_base;
        args.insert(args.end(), {"--crl", crl});
        return data.run(args);
    };
    auto check_of = [](const nlohmann::json& j, const std::string& name) {
        for (const auto& c : j["checks"])
            if (c["name"] == name) return c;
        return nlohmann::json();
    };

    r = verify(fetch_crl("before.crl"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    EXPECT_TRUE(j["valid"].get<bool>()) << r.output;
    EXPECT_EQ(j["signing_time_source"], "time_stamp") << r.output;
    EXPECT_EQ(check_of(j, "time_stamp")["result"], "pass") << r.output;
    EXPECT_NE(check_of(j, "time_stamp")["message"].get<std::string>().find("Yinxin Demo Sub CA TSA"), std::string::npos)
        << r.output;
    EXPECT_EQ(check_of(j, "revocation")["result"], "pass") << r.output;
    // Without a CRL the revocation check is not made (and says so); validity is unchanged.
    r = data.run(verify_base);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(check_of(nlohmann::json::parse(r.output), "revocation")["result"], "not_checked") << r.output;

    r = with_signing({"cert", "revoke", "--ca", "demo-seal-root", "--serial", serial, "--reason", "keyCompromise"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = verify(fetch_crl("after.crl"));
    EXPECT_EQ(r.exit_code, 3) << r.output;
    j = nlohmann::json::parse(r.output);
    EXPECT_FALSE(j["valid"].get<bool>());
    EXPECT_TRUE(j["intact"].get<bool>());
    EXPECT_EQ(check_of(j, "revocation")["result"], "fail") << r.output;
    EXPECT_NE(check_of(j, "revocation")["message"].get<std::string>().find("keyCompromise"), std::string::npos)
        << r.output;
    EXPECT_EQ(serve.stop(), 0);
}

// Issue 9 end to end: the KMC runs as its own process (`serve --role kmc`, HTTPS with client
// certificates from the demo TLS CA) on its own copy of the data directory; the CA process reaches
// it over mutual TLS. A holder applies for 双证书 over HTTP; after the 主管部门 and the operator, the
// signing certificate is issued for the holder's PKCS#10 key and the encryption certificate for a
// key the KMC made and escrowed; the holder downloads the GM/T 0092 CSRResponse and
// `yinxin kmc open-envelope` writes the encryption key pair; data the openssl CLI encrypts with SM2
// to the encryption certificate decrypts with it (and the other way round). Revoking the signing
// certificate revokes the pair and the KMC marks the escrowed key.
TEST_F(CaCli, DualCertificatesThroughAKmcProcessOverMutualTls) {
    ASSERT_TRUE(executable_available("/usr/bin/curl", "curl"));
    ASSERT_TRUE(openssl_available());
    ScratchDir tmp;
    CliData data(tmp / "data");
    data.prepare();
    ASSERT_TRUE(data.ok());
    auto with_signing = [&](std::vector<std::string> args) {
        for (auto& o : data.signing_opts()) args.push_back(o);
        return data.run(args);
    };
    // The P-256 TLS CA, a server certificate for the KMC process, a client certificate for the CA's.
    write_file(tmp / "tls-ceremony.json", std::string(R"json({
  "publication": {"base_url": "http://127.0.0.1:8080", "cps_oid": "1.2.156.112570.150", "cps_uri": "http://127.0.0.1:8080/cps"},
  "cas": [{"id": "demo-tls-root", "name": "Demo TLS Root", "kind": "root", "profile": "tls-root-ca",
           "key_algorithm": "ecdsa-p256", "subject": [["C", "CN"], ["O", "Yinxin Demo"], ["CN", "Yinxin Demo TLS Root CA"]]}]
})json"));
    auto r = with_signing({"ca", "init", "--config", (tmp / "tls-ceremony.json").string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string tls_ca = (tmp / "tls-ca.pem").string();
    r = data.run({"ca", "show", "demo-tls-root", "--data-dir", data.dir(), "--out", tls_ca});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto tls_pair = [&](const std::string& name, const std::string& profile, std::vector<std::string> hosts) {
        const std::string key = (tmp / (name + ".key")).string();
        const std::string csr = (tmp / (name + ".csr")).string();
        auto o = openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key});
        EXPECT_EQ(o.exit_code, 0) << o.output;
        o = openssl({"req", "-new", "-key", key, "-subj", "/CN=" + name, "-out", csr});
        EXPECT_EQ(o.exit_code, 0) << o.output;
        std::vector<std::string> args = {"cert",  "issue", "--ca", "demo-tls-root", "--profile",
                                         profile, "--csr", csr,    "--out",         (tmp / (name + ".pem")).string()};
        for (auto& h : hosts) args.insert(args.end(), {"--host", h});
        o = with_signing(args);
        EXPECT_EQ(o.exit_code, 0) << o.output;
    };
    tls_pair("kmc-server", "tls-server", {"127.0.0.1", "localhost"});
    tls_pair("ca-client", "tls-client", {});
    // Demo staff, then the KMC: its keys in the device, its certificate from demo-sub.
    const std::string out = (tmp / "data" / "demo-staff").string();
    r = with_signing({"staff", "demo", "--out", out});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = with_signing({"kmc", "init", "--ca", "demo-sub", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(nlohmann::json::parse(r.output)["issued"].get<bool>()) << r.output;
    // The KMC's own data directory (here a copy made after the ceremonies), served on its own.
    const std::filesystem::path kmc_dir = tmp / "kmc-data";
    std::filesystem::copy(data.dir(), kmc_dir, std::filesystem::copy_options::recursive);
    ServeProcess kmc(kmc_dir.string(), {"--role", "kmc", "--shares-file", data.shares(), "--pin-file", data.pin_file(),
                                        "--tls-cert", (tmp / "kmc-server.pem").string(), "--tls-key",
                                        (tmp / "kmc-server.key").string(), "--client-ca", tls_ca});
    ASSERT_EQ(kmc.url().rfind("https://127.0.0.1:", 0), 0u) << kmc.url();
    // The CA process is told where the KMC is and how to authenticate to it.
    r = with_signing({"kmc", "init", "--ca", "demo-sub", "--url", kmc.url(), "--cacert", tls_ca, "--client-cert",
                      (tmp / "ca-client.pem").string(), "--client-key", (tmp / "ca-client.key").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_FALSE(nlohmann::json::parse(r.output)["issued"].get<bool>()) << r.output;
    ServeProcess serve(data.dir(), {"--shares-file", data.shares(), "--pin-file", data.pin_file()});
    ASSERT_FALSE(serve.url().empty());
    // Without a client certificate the KMC answers no CA request.
    r = run_process({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", tls_ca, "-H",
                     "Content-Type: application/octet-stream", "--data-binary", "x", kmc.url() + "/api/v1/kmc"});
    EXPECT_EQ(r.output, "401") << r.output;

    std::map<std::string, std::vector<std::string>> logins;
    std::istringstream lines(to_string(read_file(std::filesystem::path(out) / "logins.txt")));
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream f(line);
        std::vector<std::string> fields{std::istream_iterator<std::string>(f), std::istream_iterator<std::string>()};
        if (fields.size() == 5) logins[fields[0]] = fields;
    }
    auto session = [&](const std::string& login) {
        const auto& l = logins.at(login);
        write_file(tmp / "pw.txt", l[2] + "\n");
        auto lr = data.run({"staff", "login", "--url", serve.url(), "--login", login, "--password-file",
                            (tmp / "pw.txt").string(), "--key", l[3]});
        EXPECT_EQ(lr.exit_code, 0) << lr.output;
        Http h(serve.url());
        h.login_as(nlohmann::json::parse(lr.output)["token"].get<std::string>());
        return h;
    };
    auto decide = [&](const Http& h, const std::string& login, const std::string& step, const std::string& id) {
        const auto p = h.ok("GET", "/api/v1/ra/requests/" + id + "/payload");
        const std::string text = auth::decision_text(step, id, p["payload_sm3"].get<std::string>());
        const auto key = crypto::Sm2PrivateKey::from_pem(to_string(read_file(logins.at(login)[3]))).value();
        return h.ok("POST", "/api/v1/ra/requests/" + id + "/" + step,
                    {{"signature", base64_encode(crypto::sm2_sign(key, as_bytes(text)).value())}});
    };
    Http holder = session("holder");
    Http approver = session("ra.approver");
    Http op = session("ra.operator");
    const auto holder_key = crypto::Sm2PrivateKey::generate().value();
    x509::CsrBuilder b;
    b.subject(x509::Name::build({{"CN", "赵六"}}).value()).public_key(holder_key.public_key());
    const auto csr = b.sign_with(holder_key, crypto::k_default_sm2_id).value();
    auto app = holder.ok("POST", "/api/v1/ra/requests",
                         {{"kind", "issue"},
                          {"subject_kind", "person"},
                          {"form",
                           {{"name", "赵六"},
                            {"gender", "女"},
                            {"id_number", "11010519491231002X"},
                            {"province_city", "山东省济南市"},
                            {"phone", "13900000001"},
                            {"email", "zhaoliu@example.gov.cn"},
                            {"unit_department", "济南市社会保险事业中心"}}},
                          {"org_node", "city-a.hall"},
                          {"ca", "demo-sub"},
                          {"dual", true},
                          {"csr", base64_encode(csr.der())}},
                         201);
    const std::string id = app["id"];
    EXPECT_TRUE(app["dual"].get<bool>()) << app.dump();
    EXPECT_EQ(decide(approver, "ra.approver", "approve", id)["state"], "approved");
    auto done = decide(op, "ra.operator", "review", id);
    ASSERT_EQ(done["state"], "completed") << done.dump();
    const auto history = holder.ok("GET", "/api/v1/ra/requests/" + id + "/history").dump();
    EXPECT_NE(history.find("encryption certificate"), std::string::npos) << history;
    // The holder downloads the CSRResponse and opens it with the signing key.
    auto [status, pem] = holder.call("GET", "/api/v1/ra/requests/" + id + "/key-response?format=pem");
    ASSERT_EQ(status, 200) << pem;
    write_file(tmp / "response.pem", pem);
    write_file(tmp / "holder.key", holder_key.pkcs8_pem());
    r = data.run({"kmc", "open-envelope", "--envelope", (tmp / "response.pem").string(), "--sign-key",
                  (tmp / "holder.key").string(), "--out", (tmp / "enc.key").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["input"], "CSRResponse") << r.output;
    const auto response =
        kmc::parse_csr_response(
            base64_decode(pem.substr(pem.find('\n') + 1, pem.find("-----END") - pem.find('\n') - 1)).value())
            .value();
    ASSERT_EQ(response.encrypt_certificates.size(), 1u);
    const x509::Certificate& enc_cert = response.encrypt_certificates.front();
    write_file(tmp / "enc.pem", enc_cert.pem());
    // openssl encrypts to the encryption certificate; the opened key decrypts (and back).
    write_file(tmp / "msg.txt", std::string("社会保障卡个人信息 2026"));
    auto o = openssl({"pkeyutl", "-encrypt", "-certin", "-inkey", (tmp / "enc.pem").string(), "-in",
                      (tmp / "msg.txt").string(), "-out", (tmp / "msg.sm2").string()});
    ASSERT_EQ(o.exit_code, 0) << o.output;
    o = openssl({"pkeyutl", "-decrypt", "-inkey", (tmp / "enc.key").string(), "-in", (tmp / "msg.sm2").string(), "-out",
                 (tmp / "msg.out").string()});
    ASSERT_EQ(o.exit_code, 0) << o.output;
    EXPECT_EQ(read_text(tmp / "msg.out"), "社会保障卡个人信息 2026");
    // The escrowed key is in the KMC's store (never in clear), under the encryption certificate's serial.
    std::string cert_no = enc_cert.serial_hex();  // the KMC's userCertNo: no leading zeros, lower case
    while (cert_no.rfind("00", 0) == 0) cert_no.erase(0, 2);
    std::transform(cert_no.begin(), cert_no.end(), cert_no.begin(), [](unsigned char c) { return std::tolower(c); });
    r = data.run({"kmc", "list", "--data-dir", kmc_dir.string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"" + cert_no + "\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"active\""), std::string::npos) << r.output;
    // Revoking the signing certificate revokes its pair; the KMC marks the escrowed key revoked.
    const std::string sign_serial = response.sign_certificates.front().serial_hex();
    auto revoked = op.ok("POST", "/api/v1/ra/certificates/demo-sub/" + sign_serial + "/revoke",
                         {{"why", "USB key lost"}, {"reason", "keyCompromise"}});
    EXPECT_EQ(revoked["status"], "revoked") << revoked.dump();
    auto enc_status = Http(serve.url()).ok("GET", "/api/v1/cas/demo-sub/certificates/" + enc_cert.serial_hex());
    EXPECT_NE(enc_status.dump().find("keyCompromise"), std::string::npos) << enc_status.dump();
    r = data.run({"kmc", "list", "--data-dir", kmc_dir.string(), "--state", "revoked", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"" + cert_no + "\""), std::string::npos) << r.output;
    EXPECT_EQ(serve.stop(), 0);
    EXPECT_EQ(kmc.stop(), 0);
}

}  // namespace
}  // namespace yinxin::test
