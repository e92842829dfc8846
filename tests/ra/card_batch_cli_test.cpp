// `yinxin card ...` end to end through the real binary on a data directory made by `device init`,
// `ca init` and `staff demo` (tests/cli/cli_fixture.h): card data import, a batch with progress
// lines and a result file, idempotent re-submission, a stop after one chunk and `resume`, a run
// killed with SIGKILL mid-batch and resumed without any certificate issued twice, the mode 3
// request, and an operator whose role may not submit.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "card_batch_fixture.h"
#include "cli/cli_fixture.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/store/sqlite_store.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::ra::test {
namespace {

using yinxin::test::CliData;

class CardCli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_data = new CliData(std::filesystem::path(YINXIN_BINARY_DIR) / "test_tmp" /
                             ("card_cli-" + std::to_string(::getpid())));
        std::filesystem::remove_all(s_data->dir());
        s_data->prepare();
        if (!s_data->ok()) return;
        std::vector<std::string> demo = {"staff", "demo", "--out", s_data->dir() + "/staff"};
        for (auto& o : s_data->signing_opts()) demo.push_back(o);
        auto r = s_data->run(demo);
        if (r.exit_code != 0) {
            ADD_FAILURE() << "staff demo failed:\n" << r.output;
            return;
        }
        // The card issuing system's data for cardholders 0..999 of the demo branch city-a.
        yinxin::test::write_file(s_data->dir() + "/cards.csv", card_data_csv(0, 1000));
        r = s_data->run({"card", "data", "import", s_data->dir() + "/cards.csv", "--data-dir", s_data->dir(),
                         "--operator", "ra.operator"});
        if (r.exit_code != 0) {
            ADD_FAILURE() << "card data import failed:\n" << r.output;
            return;
        }
        s_ready = r.output.find("1000 added") != std::string::npos;
        if (!s_ready) ADD_FAILURE() << r.output;
    }
    static void TearDownTestSuite() {
        if (!::testing::UnitTest::GetInstance()->Failed()) std::filesystem::remove_all(s_data->dir());
        delete s_data;
        s_data = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(s_ready) << "the data directory could not be prepared"; }

    static std::vector<std::string> with_signing(std::vector<std::string> args) {
        for (auto& o : s_data->signing_opts()) args.push_back(o);
        return args;
    }
    static std::string write(const std::string& name, const std::string& text) {
        std::string path = s_data->dir() + "/" + name;
        yinxin::test::write_file(path, text);
        return path;
    }
    // The batch id from "submitted batch cb-..." or "progress cb-...:".
    static std::string batch_id_in(const std::string& output) {
        const auto at = output.find("cb-");
        return at == std::string::npos ? std::string() : output.substr(at, 19);
    }
    // Issued certificates of demo-sub per RA request id of one batch.
    static std::map<std::string, int> issued_per_request(const std::string& batch_id) {
        auto store = store::SqliteStore::open(s_data->store()).value();
        std::map<std::string, int> out;
        std::int64_t after = 0;
        for (;;) {
            auto page = store->list_certificates("demo-sub", after, 1000).value();
            for (const auto& c : page.records)
                if (c.status == ca::CertificateStatus::issued && c.request_id.rfind("card:" + batch_id + ":", 0) == 0)
                    ++out[c.request_id];
            if (!page.next_after_id) break;
            after = *page.next_after_id;
        }
        return out;
    }

    static CliData* s_data;
    static bool s_ready;
};
CliData* CardCli::s_data = nullptr;
bool CardCli::s_ready = false;

TEST_F(CardCli, BatchWithProgressResultFileAndIdempotentResubmission) {
    std::string csv = batch_csv(0, 28);
    csv += card_number(28) + "," + citizen_id(28) + ",Not The Holder," + hex_encode(card_key(28).public_key().point()) +
           ",\n";
    csv += card_number(5000) + "," + citizen_id(5000) + "," + holder_name(5000) + "," +
           hex_encode(card_key(5000).public_key().point()) + ",\n";
    const std::string file = write("batch-a.csv", csv);
    auto r = s_data->run(with_signing(
        {"card", "batch", "submit", file, "--ca", "demo-sub", "--operator", "ra.operator", "--chunk-size", "10"}));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string id = batch_id_in(r.output);
    ASSERT_FALSE(id.empty()) << r.output;
    // Not a terminal: plain progress lines, the last one complete.
    EXPECT_NE(r.output.find("progress " + id + ": 10/30"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("progress " + id + ": 30/30 (100%), 2 failed"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("done: 28 issued, 2 failed of 30"), std::string::npos) << r.output;

    r = s_data->run({"card", "batch", "status", id, "--data-dir", s_data->dir(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["state"], "done");
    EXPECT_EQ(j["issued"], 28);

    const std::string out = s_data->dir() + "/batch-a-result.csv";
    r = s_data->run({"card", "batch", "result", id, "--data-dir", s_data->dir(), "-o", out});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto lines = text_lines(yinxin::test::read_text(out));
    ASSERT_EQ(lines.size(), 31u);
    for (std::uint32_t n = 0; n < 30; ++n) {
        const auto f = csv_split(lines[n + 1]);
        ASSERT_EQ(f.size(), 6u) << lines[n + 1];
        EXPECT_EQ(f[0], std::to_string(n + 2));
        if (n < 28) {
            EXPECT_EQ(f[2], "issued");
            auto cert = x509::Certificate::parse(base64_decode(f[4]).value());
            ASSERT_TRUE(cert.ok());
            EXPECT_EQ(cert->public_key_info().key_bytes(), card_key(n).public_key().point());
        } else {
            EXPECT_EQ(f[2], "failed");
            EXPECT_EQ(f[4], "ra.batch_mismatch");
        }
    }

    // The same file again: the same batch, nothing issued.
    r = s_data->run(with_signing({"card", "batch", "submit", file, "--ca", "demo-sub", "--operator", "ra.operator"}));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("already submitted as batch " + id), std::string::npos) << r.output;
    const auto issued = issued_per_request(id);
    EXPECT_EQ(issued.size(), 28u);
    for (const auto& [rid, n] : issued) EXPECT_EQ(n, 1) << rid;

    // An auditor may not submit card batches.
    r = s_data->run(with_signing({"card", "batch", "submit", write("batch-x.csv", batch_csv(40, 42)), "--ca",
                                  "demo-sub", "--operator", "auditor"}));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("auth.denied"), std::string::npos) << r.output;
    // A malformed file names its line and stores nothing.
    r = s_data->run(with_signing({"card", "batch", "submit", write("batch-bad.csv", batch_csv(40, 42) + "A1,2\n"),
                                  "--ca", "demo-sub", "--operator", "ra.operator"}));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("ra.bad_request"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("line 4"), std::string::npos) << r.output;
}

TEST_F(CardCli, StopAfterOneChunkThenResume) {
    const std::string file = write("batch-b.csv", batch_csv(100, 150));
    auto r = s_data->run(with_signing({"card", "batch", "submit", file, "--ca", "demo-sub", "--operator", "ra.operator",
                                       "--chunk-size", "20", "--max-chunks", "1"}));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string id = batch_id_in(r.output);
    EXPECT_NE(r.output.find("stopped at 20/50"), std::string::npos) << r.output;
    r = s_data->run(with_signing({"card", "batch", "resume", id, "--chunk-size", "20"}));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("done: 50 issued, 0 failed"), std::string::npos) << r.output;
    EXPECT_EQ(issued_per_request(id).size(), 50u);
}

TEST_F(CardCli, KilledMidBatchResumesWithoutIssuingTwice) {
    constexpr int k_items = 400;
    const std::string file = write("batch-c.csv", batch_csv(200, 200 + k_items));
    std::vector<std::string> argv = with_signing(
        {"card", "batch", "submit", file, "--ca", "demo-sub", "--operator", "ra.operator", "--chunk-size", "20"});
    argv.insert(argv.begin(), std::string(yinxin::test::k_yinxin_cli));
    std::string output;
    std::string error;
    int fd = -1;
    const pid_t pid = yinxin::test::spawn_process(argv, &fd, &error);
    ASSERT_GT(pid, 0) << error;
    // Kill it once it reported progress (it is then somewhere inside a later chunk).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (output.find("progress ") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buf[4096];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        output.append(buf, static_cast<std::size_t>(n));
    }
    ::kill(pid, SIGKILL);
    ::close(fd);
    const int code = yinxin::test::wait_exit_code(pid);
    const std::string id = batch_id_in(output);
    ASSERT_FALSE(id.empty()) << output;
    ASSERT_EQ(code, 128 + SIGKILL) << "the run was not killed mid-batch:\n" << output;

    // The killed run still holds the batch; a plain resume is refused, --take-over continues.
    auto r = s_data->run(with_signing({"card", "batch", "resume", id}));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("ra.conflict"), std::string::npos) << r.output;
    r = s_data->run(with_signing({"card", "batch", "resume", id, "--take-over"}));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("done: 400 issued, 0 failed"), std::string::npos) << r.output;
    const auto issued = issued_per_request(id);
    EXPECT_EQ(issued.size(), static_cast<std::size_t>(k_items));
    for (const auto& [rid, n] : issued) EXPECT_EQ(n, 1) << rid << " issued " << n << " times";
}

TEST_F(CardCli, QuickIssueMode3) {
    const std::string out = s_data->dir() + "/card-900.pem";
    std::vector<std::string> args = {"card",          "issue",
                                     "--ca",          "demo-sub",
                                     "--operator",    "ra.operator",
                                     "--card-number", card_number(900),
                                     "--id-number",   citizen_id(900),
                                     "--name",        holder_name(900),
                                     "--public-key",  hex_encode(card_key(900).public_key().point()),
                                     "--out",         out,
                                     "--json"};
    auto r = s_data->run(with_signing(args));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output.substr(r.output.rfind('{')));
    EXPECT_TRUE(j["created"].get<bool>());
    auto cert = x509::Certificate::parse_pem(yinxin::test::read_text(out));
    ASSERT_TRUE(cert.ok()) << cert.error().to_string();
    EXPECT_EQ(cert->subject().get(asn1::oids::at_common_name), holder_name(900));
    // Again: the same certificate.
    r = s_data->run(with_signing(args));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto again = nlohmann::json::parse(r.output.substr(r.output.rfind('{')));
    EXPECT_FALSE(again["created"].get<bool>());
    EXPECT_EQ(again["serial"], j["serial"]);
}

}  // namespace
}  // namespace yinxin::ra::test
