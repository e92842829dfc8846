// Independent check (issue 7): BouncyCastle verifies the SM2 signatures of Yinxin-made
// SES_Signatures (over TBS_Sign) and of their seals (over SES_SealInfo) with the ID
// 1234567812345678, and recomputes the data hash. The Java side is tests/seal/bc/SesCheck.java,
// compiled at build time; one JVM launch checks the whole batch.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "seal_test_util.h"
#include "support/test_support.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/seal/ses.h"

namespace yinxin::seal {
namespace {

using namespace yinxin::seal::testing;  // NOLINT(google-build-using-namespace): test fixtures

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!line.empty()) out.push_back(line);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

TEST(SealBouncyCastle, BcVerifiesYinxinMadeSignaturesAndSeals) {
    ASSERT_TRUE(test::bouncycastle_available());
    test::ScratchDir dir;
    const TestPki pki = make_pki();
    auto seal = make_seal(seal_request(pki), pki.maker.der(), sm2_sign_callback(pki.maker_key));
    ASSERT_TRUE(seal.ok()) << seal.error().to_string();

    struct Entry {
        std::string what;
        Bytes ses;
        Bytes data;
        std::string expected;
    };
    std::vector<Entry> entries;
    const std::string good = "signature=OK seal=OK data=OK version=4 empty_id=FAIL";
    for (int i = 0; i < 5; ++i) {
        Bytes data = to_bytes("document " + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 1000, 'x'));
        auto sig = make_detached_signature(*seal, data, "doc" + std::to_string(i) + ".bin", pki.signer.der(),
                                           k_t0 + i * k_day, sm2_sign_callback(pki.signer_key));
        ASSERT_TRUE(sig.ok()) << sig.error().to_string();
        entries.push_back({"detached " + std::to_string(i), std::move(sig).value(), data, good});
    }
    {
        // With TBS extDatas and a time stamp: the signature still covers exactly TBS_Sign.
        SignatureRequest req;
        req.seal = *seal;
        req.time = k_t0;
        const Bytes data = to_bytes("<ofd:Signature/>");
        const auto digest = crypto::sm3(data);
        req.data_hash.assign(digest.begin(), digest.end());
        req.property_info = "/Doc_0/Signs/Sign_0/Signature.xml";
        req.signer_certificate.assign(pki.signer.der().begin(), pki.signer.der().end());
        req.ext_datas.push_back(ExtData{asn1::Oid("1.2.3.4"), false, to_bytes("v")});
        req.time_stamp = [](BytesView) -> Result<Bytes> { return to_bytes("token"); };
        auto sig = make_signature(req, sm2_sign_callback(pki.signer_key));
        ASSERT_TRUE(sig.ok()) << sig.error().to_string();
        entries.push_back({"with extDatas and timeStamp", std::move(sig).value(), data, good});
    }
    {
        // Controls: a changed propertyInfo octet breaks the signature only; other data breaks the
        // hash only.
        Bytes tampered = entries[0].ses;
        const Bytes needle = to_bytes("doc0.bin");
        auto at = std::search(tampered.begin(), tampered.end(), needle.begin(), needle.end());
        ASSERT_NE(at, tampered.end());
        *at = 'D';
        entries.push_back(
            {"tampered TBS_Sign", tampered, entries[0].data, "signature=FAIL seal=OK data=OK version=4 empty_id=FAIL"});
        entries.push_back({"other data", entries[1].ses, to_bytes("other"),
                           "signature=OK seal=OK data=FAIL version=4 empty_id=FAIL"});
    }

    std::vector<std::string> argv{std::string(test::k_java),
                                  "-Xshare:auto",
                                  "-XX:TieredStopAtLevel=1",
                                  "-XX:+UseSerialGC",
                                  "-Xmx256m",
                                  "-cp",
                                  test::bouncycastle_classpath(YX_SEAL_BC_CLASS_DIR),
                                  "SesCheck"};
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto ses = dir / ("s" + std::to_string(i) + ".ses");
        const auto data = dir / ("d" + std::to_string(i) + ".bin");
        test::write_file(ses, entries[i].ses);
        test::write_file(data, entries[i].data);
        argv.push_back(ses.string());
        argv.push_back(data.string());
    }
    const test::ProcessResult r = test::run_process(argv);
    ASSERT_EQ(r.exit_code, 0) << test::describe(argv, r);
    const auto lines = lines_of(r.output);
    ASSERT_EQ(lines.size(), entries.size()) << r.output;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(lines[i], std::to_string(i) + " " + entries[i].expected) << entries[i].what;
    }
}

}  // namespace
}  // namespace yinxin::seal
