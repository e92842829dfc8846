// The OFD document verifier on every OFD file of shared/interop/ofdrw (read in place, never
// copied): exactly the result its README row states.
#include "yinxin/seal/ofd_verify.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "yinxin/ofd/package.h"

namespace yinxin::seal {
namespace {

// 2026-11-23: after every sample was made; signatures are checked at their signing time.
TimePoint verification_time() { return from_unix(1795392000); }

OfdReport verify_interop(std::string_view name) {
    const Bytes zip = test::read_file(test::shared_path("interop/ofdrw/" + std::string(name)));
    OfdVerifyOptions o;
    o.verify.time = verification_time();
    return verify_ofd(zip, o);
}

// Every check of the signature passes, except trust_chain (no anchor for these roots) and the
// optional ones that do not apply.
void expect_all_pass(const OfdSignatureReport& s, const OfdReport& r,
                     std::vector<std::string> allowed_not_checked = {}) {
    allowed_not_checked.insert(allowed_not_checked.end(),
                               {"trust_chain", "time_stamp", "seal_time_stamp", "seal_file", "revocation"});
    for (const auto& c : s.checks) {
        if (c.result == CheckResult::not_checked &&
            std::find(allowed_not_checked.begin(), allowed_not_checked.end(), c.name) != allowed_not_checked.end()) {
            continue;
        }
        // Certificates expired since: valid at the signing time, a warning (verify.h).
        if (c.result == CheckResult::warn && (c.name == "signer_certificate" || c.name == "maker_certificate"))
            continue;
        EXPECT_EQ(c.result, CheckResult::pass) << s.id << " " << c.name << ": " << c.message << "\n" << r.to_text();
    }
    EXPECT_EQ(s.result_of("trust_chain"), CheckResult::not_checked);
    EXPECT_TRUE(s.intact) << r.to_text();
    EXPECT_FALSE(s.valid);  // no trust anchor for the producers' roots
    EXPECT_TRUE(s.mismatched_references.empty()) << r.to_text();
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

TEST(OfdVerify, ZhejiangTaxInvoiceAllValidWithThirteenReferences) {
    const OfdReport r = verify_interop("1.ofd");
    ASSERT_EQ(r.signatures.size(), 1U) << r.to_text();
    const auto& s = r.signatures[0];
    EXPECT_EQ(s.type, ofd::SignatureType::seal);
    expect_all_pass(s, r);
    EXPECT_EQ(s.references.size(), 13U);
    EXPECT_EQ(s.result_of("data_hash"), CheckResult::pass);
    EXPECT_EQ(s.result_of("references"), CheckResult::pass);
    ASSERT_TRUE(s.seal_report.has_value());
    EXPECT_EQ(s.seal_report->es_id, "33010600000001");
    EXPECT_TRUE(r.intact);
    EXPECT_FALSE(r.valid);
    EXPECT_EQ(r.status, DocumentStatus::untrusted);
}

TEST(OfdVerify, JiangsuTaxInvoiceAllValid) {
    const OfdReport r = verify_interop("signedFile.ofd");
    ASSERT_EQ(r.signatures.size(), 1U) << r.to_text();
    expect_all_pass(r.signatures[0], r);
    EXPECT_FALSE(r.signatures[0].references.empty());
    EXPECT_EQ(r.status, DocumentStatus::untrusted);
    EXPECT_TRUE(r.intact);
}

TEST(OfdVerify, KeywordDocumentIsTamperedListingTheThreeFiles) {
    const OfdReport r = verify_interop("keyword.ofd");
    ASSERT_EQ(r.signatures.size(), 2U) << r.to_text();
    const std::vector<std::string> expected =
        sorted({"/OFD.xml", "/Doc_0/Document.xml", "/Doc_0/Pages/Page_0/Content.xml"});
    EXPECT_EQ(r.signatures[0].type, ofd::SignatureType::seal);
    EXPECT_EQ(r.signatures[1].type, ofd::SignatureType::sign);
    for (const auto& s : r.signatures) {
        // Cryptographically intact...
        EXPECT_EQ(s.result_of("format"), CheckResult::pass) << s.id << "\n" << r.to_text();
        EXPECT_EQ(s.result_of("signature"), CheckResult::pass) << s.id << "\n" << r.to_text();
        EXPECT_EQ(s.result_of("data_hash"), CheckResult::pass) << s.id << "\n" << r.to_text();
        if (s.type == ofd::SignatureType::seal) {
            EXPECT_EQ(s.result_of("seal_signature"), CheckResult::pass) << r.to_text();
        }
        // ...but exactly these references mismatch.
        EXPECT_EQ(s.result_of("references"), CheckResult::fail) << r.to_text();
        EXPECT_EQ(sorted(s.mismatched_references), expected) << r.to_text();
        for (const auto& ref : s.references) {
            const bool listed = std::find(expected.begin(), expected.end(), ref.path) != expected.end();
            EXPECT_EQ(ref.status, listed ? "mismatch" : "valid") << ref.path;
        }
        EXPECT_FALSE(s.intact);
    }
    EXPECT_FALSE(r.intact);
    EXPECT_FALSE(r.valid);
    EXPECT_EQ(r.status, DocumentStatus::tampered) << r.to_text();
    const auto j = r.to_json();
    EXPECT_EQ(j["status"], "tampered");
    EXPECT_EQ(j["intact"], false);
    EXPECT_EQ(j["signatures"][1]["type"], "Sign");
    EXPECT_EQ(j["signatures"][0]["mismatched_references"].size(), 3U);
    EXPECT_NE(r.to_text().find("mismatched reference: /OFD.xml"), std::string::npos);
}

TEST(OfdVerify, NonStandardV1IsInvalidWithReasons) {
    const OfdReport r = verify_interop("n.ofd");
    ASSERT_EQ(r.signatures.size(), 1U) << r.to_text();
    const auto& s = r.signatures[0];
    EXPECT_EQ(s.result_of("format"), CheckResult::pass) << r.to_text();
    EXPECT_EQ(s.result_of("seal_signature"), CheckResult::pass) << r.to_text();
    EXPECT_EQ(s.result_of("signature"), CheckResult::fail) << r.to_text();
    EXPECT_EQ(s.result_of("data_hash"), CheckResult::fail) << r.to_text();
    EXPECT_EQ(s.result_of("references"), CheckResult::fail) << r.to_text();
    EXPECT_FALSE(s.mismatched_references.empty());
    for (const char* name : {"signature", "data_hash", "references"}) {
        EXPECT_FALSE(s.find(name)->message.empty()) << name;
    }
    EXPECT_FALSE(r.intact);
    EXPECT_EQ(r.status, DocumentStatus::invalid);
}

TEST(OfdVerify, TwoTypeSignSignedDataSignaturesValid) {
    const OfdReport r = verify_interop("testImageNotFound.ofd");
    ASSERT_EQ(r.signatures.size(), 2U) << r.to_text();
    for (const auto& s : r.signatures) {
        EXPECT_EQ(s.type, ofd::SignatureType::sign);
        EXPECT_FALSE(s.seal_report.has_value());
        expect_all_pass(s, r);
    }
    EXPECT_TRUE(r.intact);
    EXPECT_EQ(r.status, DocumentStatus::untrusted);
}

TEST(OfdVerify, OfdrwSecondSignatureChangedOnlyTheListOfTheFirst) {
    const OfdReport r = verify_interop("h.ofd");
    ASSERT_EQ(r.signatures.size(), 2U) << r.to_text();
    const auto& s0 = r.signatures[0];
    const auto& s1 = r.signatures[1];
    EXPECT_EQ(s0.signature_file, "/Doc_0/Signs/Sign_0/Signature.xml");
    expect_all_pass(s1, r);
    // Sign_0: everything checks out except its reference to the list file, reported as such.
    for (const auto& c : s0.checks) {
        if (c.name == "references") continue;
        EXPECT_NE(c.result, CheckResult::fail) << c.name << ": " << c.message;
    }
    EXPECT_EQ(s0.result_of("signature"), CheckResult::pass);
    EXPECT_EQ(s0.result_of("data_hash"), CheckResult::pass);
    EXPECT_EQ(s0.result_of("references"), CheckResult::warn) << r.to_text();
    EXPECT_EQ(s0.mismatched_references, std::vector<std::string>{"/Doc_0/Signs/Signatures.xml"});
    for (const auto& ref : s0.references) {
        EXPECT_EQ(ref.status, ref.path == "/Doc_0/Signs/Signatures.xml" ? "mismatch" : "valid") << ref.path;
    }
    EXPECT_TRUE(s0.intact);
    EXPECT_TRUE(r.intact);
    EXPECT_EQ(r.status, DocumentStatus::untrusted);
}

TEST(OfdVerify, GarbageAndUnsignedPackages) {
    OfdVerifyOptions o;
    o.verify.time = verification_time();
    const Bytes junk = to_bytes("PK\x03\x04 definitely not a zip");
    const OfdReport r = verify_ofd(junk, o);
    EXPECT_EQ(r.status, DocumentStatus::unparseable);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_FALSE(r.intact);

    ofd::Package p;
    ASSERT_TRUE(p.put("OFD.xml", to_bytes("<ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:DocBody>"
                                          "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"))
                    .ok());
    const OfdReport u = verify_ofd(p, o);
    EXPECT_EQ(u.status, DocumentStatus::invalid);
    ASSERT_TRUE(u.error.has_value());
    EXPECT_EQ(u.error->code, Errc::seal_ofd_unsigned);
    EXPECT_FALSE(u.valid);
}

}  // namespace
}  // namespace yinxin::seal
