// The operator console end to end in headless Chromium (issue 10): this driver prepares a data
// directory through the real `yinxin` binary (soft device, demo hierarchy, one demo login per role
// with password, SM2 key and certificate), starts `yinxin serve` on a free loopback port, installs
// playwright-core from the committed lock file (`npm ci`) and runs console.spec.mjs, which drives
// Debian's /usr/bin/chromium through the console (see that file for the checks). Afterwards the
// files the browser produced are checked with independent tools: the SM2 signature made in the
// browser with `openssl pkeyutl -verify ... -pkeyopt distid:1234567812345678`, the downloaded
// certificate with `openssl x509`, the CRL fetched after the revocation with `openssl crl`.
//
// Chromium is the one thing the test may lack: without it the test is SKIPPED with a message
// (scripts/install-deps.sh installs the Debian package `chromium`). Node.js and npm are required.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_fixture.h"
#include "support/test_support.h"
#include "yinxin/base/bytes.h"
#include "yinxin/crypto/sm2.h"

namespace yinxin::test {
namespace {

namespace fs = std::filesystem;

// The first executable `name` on PATH ("" when none).
std::string which(const std::string& name) {
    const char* path = ::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const std::size_t colon = dirs.find(':', start);
        const std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        const fs::path p = fs::path(dir.empty() ? "." : dir) / name;
        if (::access(p.c_str(), X_OK) == 0) return p.string();
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    return {};
}

// GB 11643: the 17 digits and their ISO 7064 MOD 11-2 check character.
std::string citizen_id(const std::string& body17) {
    static constexpr int k_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) sum += (body17[i] - '0') * k_weights[i];
    return body17 + "10X98765432"[sum % 11];
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

// `yinxin serve --listen 127.0.0.1:0 ...` until stop(). Its output (one JSON access-log line per
// request) is drained by a thread for as long as it runs: a full pipe would block the server's
// logging, and with it every request.
class Serve {
public:
    explicit Serve(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {std::string(k_yinxin_cli), "serve", "--listen", "127.0.0.1:0"};
        argv.insert(argv.end(), args.begin(), args.end());
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
            ADD_FAILURE() << "serve did not start:\n" << out;
            return;
        }
        m_url = out.substr(at + 13, out.find('\n', at) - at - 13);
        m_drain = std::thread([this] {
            char chunk[4096];
            for (;;) {
                const ssize_t n = ::read(m_fd, chunk, sizeof chunk);
                if (n > 0) {
                    std::lock_guard lock(m_mu);
                    m_tail.append(chunk, static_cast<std::size_t>(n));
                    if (m_tail.size() > 256 * 1024) m_tail.erase(0, m_tail.size() - 128 * 1024);
                } else if (n == 0 || errno != EINTR) {
                    return;
                }
            }
        });
    }
    ~Serve() {
        if (m_pid > 0) stop();
    }
    Serve(const Serve&) = delete;
    Serve& operator=(const Serve&) = delete;

    const std::string& url() const { return m_url; }
    // The newest part of what serve printed (for failure messages).
    std::string tail() {
        std::lock_guard lock(m_mu);
        return m_tail.size() > 8000 ? m_tail.substr(m_tail.size() - 8000) : m_tail;
    }
    int stop() {
        ::kill(m_pid, SIGTERM);
        const int code = wait_exit_code(m_pid);
        if (m_drain.joinable()) m_drain.join();
        ::close(m_fd);
        m_pid = -1;
        return code;
    }

private:
    pid_t m_pid = -1;
    int m_fd = -1;
    std::string m_url;
    std::thread m_drain;
    std::mutex m_mu;
    std::string m_tail;
};

// playwright-core from the committed lock file, installed once per lock file into the build tree
// (<build>/tests/browser/npm; node_modules never lands in the source tree).
::testing::AssertionResult npm_ci(const std::string& npm, const fs::path& dir) {
    const fs::path src = YINXIN_BROWSER_TEST_DIR;
    const std::string lock = read_text(src / "package-lock.json");
    const fs::path stamp = dir / "installed-lock.json";
    if (fs::exists(dir / "node_modules" / "playwright-core" / "package.json") && fs::exists(stamp) &&
        read_text(stamp) == lock)
        return ::testing::AssertionSuccess();
    fs::create_directories(dir);
    fs::copy_file(src / "package.json", dir / "package.json", fs::copy_options::overwrite_existing);
    fs::copy_file(src / "package-lock.json", dir / "package-lock.json", fs::copy_options::overwrite_existing);
    const auto r = run_process({npm, "ci", "--prefix", dir.string(), "--no-audit", "--no-fund", "--loglevel=error"});
    if (r.exit_code != 0) return ::testing::AssertionFailure() << "npm ci failed:\n" << r.output;
    write_file(stamp, lock);
    return ::testing::AssertionSuccess();
}

TEST(ConsoleBrowser, OperatorsWorkThroughTheConsoleInHeadlessChromium) {
    const std::string chromium =
        ::getenv("YINXIN_CHROMIUM") != nullptr ? ::getenv("YINXIN_CHROMIUM") : "/usr/bin/chromium";
    if (::access(chromium.c_str(), X_OK) != 0)
        GTEST_SKIP()
            << "SKIPPED: no Chromium at " << chromium
            << " (apt-get install chromium, or scripts/install-deps.sh); the console was not tested in a browser";
    const std::string node = which("node");
    const std::string npm = which("npm");
    ASSERT_FALSE(node.empty()) << "node missing (apt-get install nodejs; scripts/install-deps.sh)";
    ASSERT_FALSE(npm.empty()) << "npm missing (apt-get install npm; scripts/install-deps.sh)";
    ASSERT_TRUE(openssl_available());
    const fs::path work = fs::path(YINXIN_BINARY_DIR) / "tests" / "browser";
    ASSERT_TRUE(npm_ci(npm, work / "npm"));

    ScratchDir tmp;
    CliData data(tmp / "data");
    data.prepare();
    ASSERT_TRUE(data.ok());
    const std::string staff_dir = (tmp / "data" / "demo-staff").string();
    std::vector<std::string> demo = {"staff", "demo", "--out", staff_dir};
    for (auto& o : data.signing_opts()) demo.push_back(o);
    auto r = data.run(demo);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string csr = data.make_csr("applicant", {{"C", "CN"}, {"O", "Yinxin Demo"}, {"CN", "Zhang San"}});
    // The login certificate of the member the super admin registers through the console.
    const std::string staff_cert = (tmp / "maint-two.cert.pem").string();
    std::vector<std::string> issue = {
        "cert",      "issue",
        "--ca",      "demo-sub",
        "--profile", "personnel-sign",
        "--csr",     data.make_csr("maint-two", {{"C", "CN"}, {"O", "Yinxin Demo"}, {"CN", "Maint Two"}}),
        "--out",     staff_cert};
    for (auto& o : data.signing_opts()) issue.push_back(o);
    r = data.run(issue);
    ASSERT_EQ(r.exit_code, 0) << r.output;

    std::vector<std::string> serve_args = {"--data-dir", data.dir(),          "--publish-interval",
                                           "0",          "--notify-interval", "0"};
    serve_args.insert(serve_args.end(), {"--shares-file", data.shares(), "--pin-file", data.pin_file()});
    // Card-issuance data for six holders of city-a, and a batch file of their card keys in which
    // one line's name does not match the data (that item must fail, the other five be issued).
    std::string cards = "card_number,id_number,name,division_code,org_node\n";
    std::string batch = "card_number,id_number,name,public_key,pkcs10\n";
    for (int n = 1; n <= 6; ++n) {
        const std::string card = "B0000000" + std::to_string(n);
        const std::string id = citizen_id("37030219800101" + std::to_string(100 + n));
        const std::string name = "持卡人" + std::to_string(n);
        cards += card + "," + id + "," + name + ",370302,city-a\n";
        auto key = crypto::Sm2PrivateKey::generate();
        ASSERT_TRUE(key.ok());
        batch += card + "," + id + "," + (n == 5 ? std::string("Not The Holder") : name) + "," +
                 hex_encode(key.value().public_key().point()) + ",\n";
    }
    write_file(tmp / "cards.csv", cards);
    write_file(tmp / "batch.csv", batch);
    r = data.run({"card", "data", "import", (tmp / "cards.csv").string(), "--data-dir", data.dir(), "--operator",
                  "ra.operator"});
    ASSERT_EQ(r.exit_code, 0) << r.output;

    // An LDAP target nobody listens on: one delivery round leaves its rows pending with a failed
    // attempt and the error, which the publication view shows.
    write_file(tmp / "ldap-password.txt", "secret\n");
    r = data.run({"publish", "target", "add", "--data-dir", data.dir(), "--id", "dir-offline", "--ldap",
                  "ldap://127.0.0.1:9", "--bind-dn", "cn=admin,dc=yinxin,dc=test", "--password-file",
                  (tmp / "ldap-password.txt").string(), "--base-dn", "dc=yinxin,dc=test", "--timeout", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = data.run({"publish", "run", "--once", "--data-dir", data.dir()});
    EXPECT_NE(r.exit_code, 0) << "the directory is down: " << r.output;

    Serve serve(serve_args);
    ASSERT_FALSE(serve.url().empty());

    // The seal system through the real CLI: the holder applies for a centrally held seal, the
    // 主管部门 approver approves (signed), the seal operator makes it, the seal use system's admin
    // grants the seal user "use" and the reviewer "review", and the seal user asks for the seal on
    // a document — the pending request the reviewer approves in the browser. A second application
    // is left submitted for the approver to approve in the browser.
    std::map<std::string, std::string> passwords;
    {
        std::istringstream list(read_text(fs::path(staff_dir) / "logins.txt"));
        for (std::string line; std::getline(list, line);) {
            std::istringstream in(line);
            std::string login;
            std::string role;
            std::string password;
            in >> login >> role >> password;
            if (!login.empty() && login[0] != '#') passwords[login] = password;
        }
    }
    auto token = [&](const std::string& login) {
        const fs::path pw = tmp / (login + ".pw");
        write_file(pw, passwords[login] + "\n");
        auto res = data.run({"staff", "login", "--url", serve.url(), "--login", login, "--password-file", pw.string(),
                             "--key", staff_dir + "/" + login + ".key.pem"});
        EXPECT_EQ(res.exit_code, 0) << res.output;
        const auto j = nlohmann::json::parse(res.output, nullptr, false);
        const fs::path file = tmp / (login + ".token");
        write_file(file, (j.is_object() ? j.value("token", std::string()) : std::string()) + "\n");
        return file.string();
    };
    auto cli = [&](std::vector<std::string> args, const std::string& token_file) {
        args.insert(args.end(), {"--url", serve.url(), "--token-file", token_file});
        return data.run(args);
    };
    const std::string holder = token("holder");
    const std::string approver = token("ra.approver");
    const std::string seal_operator = token("seal.operator");
    const std::string use_admin = token("sealuse.admin");
    const std::string seal_user = token("seal.user");
    write_file(tmp / "seal.png",
               hex_decode("89504e470d0a1a0a0000000d494844520000000400000004080200000026930929000000104944"
                          "415478da63f8cfc000470cc47100ae930ff1385e8c110000000049454e44ae426082")
                   .value());
    auto apply = [&](const std::string& seal_name) {
        const nlohmann::json form{{"credit_code", "11370100MB2867521T"},
                                  {"division_code", "370100"},
                                  {"unit_type", "administrative_organ"},
                                  {"unit_name", "济南市人力资源和社会保障局"},
                                  {"handler_name", "张三"},
                                  {"handler_id_number", "11010519491231002X"},
                                  {"handler_mobile", "13805310000"},
                                  {"unit_address", "济南市历下区龙鼎大道 1 号"},
                                  {"approving_unit_name", "山东省人力资源和社会保障厅"},
                                  {"approving_division_code", "370000"},
                                  {"seal_name", seal_name},
                                  {"width_mm", 42},
                                  {"height_mm", 42}};
        write_file(tmp / "form.json", form.dump());
        std::vector<std::string> args = {
            "sealsys",    "apply",  (tmp / "form.json").string(), "--picture", (tmp / "seal.png").string(),
            "--delivery", "central"};
        for (const char* kind : {"application_letter", "handler_id", "handler_contact", "establishment_document"}) {
            const fs::path file = tmp / (std::string(kind) + ".pdf");
            write_file(file, "%PDF-1.4 " + std::string(kind));
            args.insert(args.end(), {"--material", std::string(kind) + "=" + file.string()});
        }
        auto res = cli(args, holder);
        EXPECT_EQ(res.exit_code, 0) << res.output;
        const auto j = nlohmann::json::parse(res.output, nullptr, false);
        return j.is_object() ? j.value("id", std::string()) : std::string();
    };
    const std::string made_app = apply("业务专用章");
    ASSERT_FALSE(made_app.empty());
    r = cli({"sealsys", "approve", made_app, "--key", staff_dir + "/ra.approver.key.pem"}, approver);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = cli({"sealsys", "make", made_app}, seal_operator);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto made = nlohmann::json::parse(r.output, nullptr, false);
    const std::string seal_code = made.is_object() ? made.value("seal_code", "") : "";
    ASSERT_FALSE(seal_code.empty()) << r.output;
    r = cli({"seal-use", "grant", seal_code, "--staff", "seal.user", "--permission", "use"}, use_admin);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = cli({"seal-use", "grant", seal_code, "--staff", "seal.reviewer", "--permission", "review"}, use_admin);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const fs::path document = tmp / "leave-approval.txt";
    write_file(document, "请假审批单: 张三, 2026-12-07 至 2026-12-09, 同意。\n");
    r = cli({"seal-use", "request", document.string(), "--seal", seal_code, "--purpose", "请假审批单盖章", "--kind",
             "file"},
            seal_user);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto requested = nlohmann::json::parse(r.output, nullptr, false);
    const std::string use_request = requested.is_object() ? requested.value("id", "") : "";
    ASSERT_FALSE(use_request.empty()) << r.output;
    const std::string pending_app = apply("合同专用章");
    ASSERT_FALSE(pending_app.empty());

    const fs::path out = tmp / "out";
    const fs::path shots = work / "screenshots";
    fs::create_directories(out);
    fs::remove_all(shots);
    ::setenv("YX_NODE_MODULES", (work / "npm").c_str(), 1);
    ::setenv("YX_OUT", out.c_str(), 1);
    ::setenv("YX_SCREENSHOTS", shots.c_str(), 1);
    ::setenv("YX_CSR", csr.c_str(), 1);
    ::setenv("YX_STAFF_CERT", staff_cert.c_str(), 1);
    ::setenv("YX_BATCH", (tmp / "batch.csv").c_str(), 1);
    ::setenv("YX_CHROMIUM", chromium.c_str(), 1);
    ::setenv("YX_SEAL_CODE", seal_code.c_str(), 1);
    ::setenv("YX_SEAL_APPLICATION", pending_app.c_str(), 1);
    ::setenv("YX_SEAL_USE", use_request.c_str(), 1);
    r = run_process(
        {node, std::string(YINXIN_BROWSER_TEST_DIR) + "/console.spec.mjs", serve.url(), staff_dir + "/logins.txt"});
    EXPECT_EQ(r.exit_code, 0) << r.output << "\nserve printed last:\n" << serve.tail();
    std::cout << r.output;
    const auto results = nlohmann::json::parse(read_file_or_empty(out / "results.json"), nullptr, false);
    ASSERT_TRUE(results.is_object()) << "the browser scenario wrote no results";

    // The SM2 signature made in the browser, checked by OpenSSL with the SM2 ID (and refused
    // without it: the browser really signs over Z with the ID).
    r = openssl({"pkey", "-in", staff_dir + "/auditor.key.pem", "-pubout", "-out", (out / "auditor.pub.pem").string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::vector<std::string> verify = {"pkeyutl",
                                       "-verify",
                                       "-pubin",
                                       "-inkey",
                                       (out / "auditor.pub.pem").string(),
                                       "-rawin",
                                       "-digest",
                                       "sm3",
                                       "-in",
                                       (out / "kat-message.txt").string(),
                                       "-sigfile",
                                       (out / "kat-signature.der").string(),
                                       "-pkeyopt",
                                       "distid:1234567812345678"};
    r = openssl(verify);
    EXPECT_EQ(r.exit_code, 0) << describe(verify, r);
    EXPECT_NE(r.output.find("Signature Verified Successfully"), std::string::npos) << r.output;
    verify.back() = "distid:0000000000000000";
    r = openssl(verify);
    EXPECT_NE(r.exit_code, 0) << "a signature over another ID's Z must not verify: " << r.output;

    // The certificate downloaded by the console, as PEM and DER: the same certificate, the serial
    // the console showed.
    ASSERT_TRUE(results.contains("certificate")) << results.dump();
    const std::string ref = results["certificate"];
    const std::string serial = upper(ref.substr(ref.find(':') + 1));
    r = openssl({"x509", "-in", (out / "issued.pem").string(), "-noout", "-serial", "-subject", "-nameopt", "utf8"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("serial=" + serial), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("张三"), std::string::npos) << "the name from the A.1 form: " << r.output;
    r = openssl({"x509", "-inform", "DER", "-in", (out / "issued.cer").string(), "-noout", "-serial"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("serial=" + serial), std::string::npos) << r.output;

    // The CRL fetched after the revocation lists the serial with the reason, under the CRL number
    // the console showed.
    r = openssl({"crl", "-inform", "DER", "-in", (out / "demo-sub.crl").string(), "-noout", "-text"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Serial Number: " + serial), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Key Compromise"), std::string::npos) << r.output;
    const std::string number = std::to_string(results.value("crl_number", -1));
    EXPECT_NE(r.output.find("X509v3 CRL Number: \n                " + number), std::string::npos) << r.output;

    // The document the seal user signed and downloaded in the browser: a detached SES signature that
    // `yinxin seal verify` checks over the original document against the seal root.
    ASSERT_EQ(results.value("seal_use_signed", std::string()), use_request) << results.dump();
    r = data.run({"seal", "verify", (out / "signed.sig").string(), "--data", document.string(), "--anchor",
                  (out / "demo-seal-root.cer").string(), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const auto report =
        nlohmann::json::parse(r.output.substr(std::min(r.output.find('{'), r.output.size())), nullptr, false);
    EXPECT_TRUE(report.is_object() && report.value("valid", false)) << r.output;
    write_file(tmp / "other.txt", "请假审批单: 李四\n");
    r = data.run({"seal", "verify", (out / "signed.sig").string(), "--data", (tmp / "other.txt").string(), "--anchor",
                  (out / "demo-seal-root.cer").string()});
    EXPECT_EQ(r.exit_code, 4) << "another document is tampered data: " << r.output;

    std::size_t pngs = 0;
    for (const auto& e : fs::directory_iterator(shots)) pngs += e.path().extension() == ".png" ? 1 : 0;
    EXPECT_GE(pngs, 22u) << "screenshots in " << shots;
    EXPECT_EQ(serve.stop(), 0);
}

}  // namespace
}  // namespace yinxin::test
