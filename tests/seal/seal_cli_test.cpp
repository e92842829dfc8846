// `yinxin seal make|show|sign|verify` through the real binary: a seal made from PEM files, a
// detached signature and an OFD signed twice, the interop OFDs, and the exit status contract
// (0 valid, 3 invalid, 4 tampered, 5 untrusted, 6 unparseable).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "seal_test_util.h"
#include "support/test_support.h"
#include "yinxin/ofd/package.h"

namespace yinxin::seal {
namespace {

using testing::k_day;
using testing::k_t0;

constexpr int k_valid = 0, k_invalid = 3, k_tampered = 4, k_untrusted = 5, k_unparseable = 6;

std::string unix_str(TimePoint t) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

test::ProcessResult yx(std::vector<std::string> args) {
    args.insert(args.begin(), std::string(test::k_yinxin_cli));
    return test::run_process(args);
}

nlohmann::json json_of(const test::ProcessResult& r) {
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.output;
    return j;
}

Bytes minimal_ofd_zip() {
    ofd::Package p;
    EXPECT_TRUE(p.put("OFD.xml",
                      to_bytes(R"(<?xml version="1.0" encoding="UTF-8"?>)"
                               R"(<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">)"
                               R"(<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>)"))
                    .ok());
    EXPECT_TRUE(p.put("Doc_0/Document.xml",
                      to_bytes(R"(<?xml version="1.0" encoding="UTF-8"?>)"
                               R"(<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages>)"
                               R"(<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>)"))
                    .ok());
    EXPECT_TRUE(
        p.put("Doc_0/Pages/Page_0/Content.xml",
              to_bytes(R"(<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"/>)"))
            .ok());
    return p.write().value();
}

class SealCli : public ::testing::Test {
protected:
    void SetUp() override {
        test::write_file(dir / "root.pem", pki.root.pem());
        test::write_file(dir / "maker.pem", pki.maker.pem());
        test::write_file(dir / "maker.key", pki.maker_key.pkcs8_pem());
        test::write_file(dir / "signer.pem", pki.signer.pem());
        test::write_file(dir / "signer.key", pki.signer_key.pkcs8_pem());
        test::write_file(dir / "seal.png", testing::test_picture());
    }

    void make_seal(const std::string& out, const std::string& es_id) {
        const auto r = yx({"seal",         "make",
                           "--maker-cert", dir.file("maker.pem"),
                           "--maker-key",  dir.file("maker.key"),
                           "--cert",       dir.file("signer.pem"),
                           "--picture",    dir.file("seal.png"),
                           "--es-id",      es_id,
                           "--name",       "测试合同专用章",
                           "--type",       "4",
                           "--created",    unix_str(k_t0),
                           "--valid-from", unix_str(k_t0),
                           "--valid-to",   unix_str(k_t0 + 700 * k_day),
                           "--out",        out});
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }

    std::vector<std::string> verify_args(const std::string& file, bool anchor = true) const {
        std::vector<std::string> a{"seal", "verify", file, "--at", unix_str(k_t0 + 30 * k_day)};
        if (anchor) a.insert(a.end(), {"--anchor", dir.file("root.pem")});
        return a;
    }

    test::ScratchDir dir;
    testing::TestPki pki{testing::make_pki()};
};

TEST_F(SealCli, MakeShowVerifySeal) {
    make_seal(dir.file("a.esl"), "33010600000077");
    auto show = yx({"seal", "show", dir.file("a.esl"), "--json"});
    ASSERT_EQ(show.exit_code, 0) << show.output;
    const auto j = json_of(show);
    EXPECT_EQ(j["kind"], "seal");
    EXPECT_EQ(j["es_id"], "33010600000077");
    EXPECT_EQ(j["type"], 4);
    EXPECT_EQ(j["picture"]["type"], "PNG");

    EXPECT_EQ(yx(verify_args(dir.file("a.esl"))).exit_code, k_valid);
    const auto untrusted = yx(verify_args(dir.file("a.esl"), false));
    EXPECT_EQ(untrusted.exit_code, k_untrusted) << untrusted.output;
    // After the seal's validity period: intact, but invalid.
    auto late = verify_args(dir.file("a.esl"));
    late[4] = unix_str(k_t0 + 800 * k_day);
    EXPECT_EQ(yx(late).exit_code, k_invalid);

    test::write_file(dir / "junk.esl", std::string_view("\x30\x03\x02\x01\x01"));
    const auto junk = yx(verify_args(dir.file("junk.esl")));
    EXPECT_EQ(junk.exit_code, k_unparseable) << junk.output;
    EXPECT_NE(yx({"seal", "show", dir.file("junk.esl")}).exit_code, 0);
}

TEST_F(SealCli, DetachedSignature) {
    make_seal(dir.file("a.esl"), "33010600000077");
    test::write_file(dir / "contract.txt", std::string_view("the contract text\n"));
    const auto sign = yx({"seal", "sign", "--seal", dir.file("a.esl"), "--cert", dir.file("signer.pem"), "--key",
                          dir.file("signer.key"), "--file", dir.file("contract.txt"), "--out", dir.file("c.ses"),
                          "--at", unix_str(k_t0 + 10 * k_day)});
    ASSERT_EQ(sign.exit_code, 0) << sign.output;
    auto v = verify_args(dir.file("c.ses"));
    v.insert(v.end(), {"--data", dir.file("contract.txt"), "--json"});
    const auto ok = yx(v);
    EXPECT_EQ(ok.exit_code, k_valid) << ok.output;
    const auto j = json_of(ok);
    EXPECT_EQ(j["intact"], true);
    EXPECT_EQ(j["valid"], true);
    EXPECT_EQ(j["status"], "valid");

    test::write_file(dir / "contract.txt", std::string_view("the contract text, changed\n"));
    const auto tampered = yx(v);
    EXPECT_EQ(tampered.exit_code, k_tampered) << tampered.output;
    EXPECT_EQ(json_of(tampered)["intact"], false);

    // The wrong key for the certificate: refused, nothing written.
    const auto wrong = yx({"seal", "sign", "--seal", dir.file("a.esl"), "--cert", dir.file("signer.pem"), "--key",
                           dir.file("maker.key"), "--file", dir.file("contract.txt"), "--out", dir.file("w.ses")});
    EXPECT_NE(wrong.exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(dir / "w.ses"));
}

TEST_F(SealCli, OfdSignedTwiceThenTampered) {
    make_seal(dir.file("a.esl"), "33010600000077");
    make_seal(dir.file("b.esl"), "33010600000078");
    test::write_file(dir / "in.ofd", minimal_ofd_zip());
    auto sign = [&](const std::string& seal, const std::string& in, const std::string& out) {
        return yx({"seal",   "sign",
                   "--seal", seal,
                   "--cert", dir.file("signer.pem"),
                   "--key",  dir.file("signer.key"),
                   "--ofd",  in,
                   "--out",  out,
                   "--page", "0",
                   "--x",    "100",
                   "--y",    "200",
                   "--w",    "40",
                   "--h",    "40",
                   "--at",   unix_str(k_t0 + 10 * k_day)});
    };
    const auto s1 = sign(dir.file("a.esl"), dir.file("in.ofd"), dir.file("one.ofd"));
    ASSERT_EQ(s1.exit_code, 0) << s1.output;
    const auto s2 = sign(dir.file("b.esl"), dir.file("one.ofd"), dir.file("two.ofd"));
    ASSERT_EQ(s2.exit_code, 0) << s2.output;

    auto v = verify_args(dir.file("two.ofd"));
    v.push_back("--json");
    const auto ok = yx(v);
    ASSERT_EQ(ok.exit_code, k_valid) << ok.output;
    const auto j = json_of(ok);
    EXPECT_EQ(j["intact"], true);
    EXPECT_EQ(j["valid"], true);
    ASSERT_EQ(j["signatures"].size(), 2U);
    for (const auto& s : j["signatures"]) {
        EXPECT_TRUE(s["mismatched_references"].empty());
        EXPECT_FALSE(s["checks"].empty());
    }
    const auto show = yx({"seal", "show", dir.file("two.ofd"), "--json"});
    ASSERT_EQ(show.exit_code, 0) << show.output;
    EXPECT_EQ(json_of(show)["signatures"].size(), 2U);

    auto pkg = ofd::Package::read(test::read_file(dir / "two.ofd")).value();
    ASSERT_TRUE(pkg.put("Doc_0/Pages/Page_0/Content.xml", to_bytes("<changed/>")).ok());
    test::write_file(dir / "changed.ofd", pkg.write().value());
    auto t = verify_args(dir.file("changed.ofd"));
    t.push_back("--json");
    const auto tampered = yx(t);
    EXPECT_EQ(tampered.exit_code, k_tampered) << tampered.output;
    const auto tj = json_of(tampered);
    EXPECT_EQ(tj["intact"], false);
    EXPECT_EQ(tj["signatures"][0]["mismatched_references"], nlohmann::json::array({"/Doc_0/Pages/Page_0/Content.xml"}));
}

TEST_F(SealCli, InteropOfdExitCodes) {
    auto run = [&](const char* name) {
        return yx({"seal", "verify", test::shared_path(std::string("interop/ofdrw/") + name), "--at", "1795392000"});
    };
    EXPECT_EQ(run("1.ofd").exit_code, k_untrusted);
    EXPECT_EQ(run("signedFile.ofd").exit_code, k_untrusted);
    EXPECT_EQ(run("h.ofd").exit_code, k_untrusted);
    EXPECT_EQ(run("testImageNotFound.ofd").exit_code, k_untrusted);
    const auto kw = run("keyword.ofd");
    EXPECT_EQ(kw.exit_code, k_tampered) << kw.output;
    EXPECT_NE(kw.output.find("/Doc_0/Pages/Page_0/Content.xml"), std::string::npos) << kw.output;
    EXPECT_EQ(run("n.ofd").exit_code, k_invalid);
    // A bare seal is checked at the verification time: expired by 2026 (invalid), fine in 2020.
    EXPECT_EQ(run("UserV4.esl").exit_code, k_invalid);
    EXPECT_EQ(yx({"seal", "verify", test::shared_path("interop/ofdrw/UserV4.esl"), "--at", "1600000000"}).exit_code,
              k_untrusted);
    EXPECT_EQ(run("SESealData.DER").exit_code, k_invalid);
    test::write_file(dir / "broken.ofd", std::string_view("PK\x03\x04 not really a zip"));
    EXPECT_EQ(yx(verify_args(dir.file("broken.ofd"))).exit_code, k_unparseable);
    EXPECT_NE(yx({"seal", "verify", dir.file("does-not-exist.ofd")}).exit_code, k_valid);
}

}  // namespace
}  // namespace yinxin::seal
