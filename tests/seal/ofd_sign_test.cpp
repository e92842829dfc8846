// OFD signing round trips: Yinxin makes seals, signs an OFD twice with two seals (a minimal OFD
// built with ofd::Package, and the real 1.ofd which already carries a tax-bureau signature), and
// verifies the result; changing any referenced file is reported as tampered, naming it.
#include "yinxin/seal/ofd_sign.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "seal_test_util.h"
#include "support/test_support.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/ofd/package.h"
#include "yinxin/ofd/signatures.h"
#include "yinxin/seal/ofd_verify.h"
#include "yinxin/seal/verify.h"

namespace yinxin::seal {
namespace {

using testing::k_day;
using testing::k_t0;
using testing::make_pki;
using testing::seal_request;
using testing::TestPki;

ofd::Package minimal_ofd() {
    ofd::Package p;
    auto put = [&](std::string_view path, std::string_view text) { EXPECT_TRUE(p.put(path, to_bytes(text)).ok()); };
    put("OFD.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">)"
        R"(<ofd:DocBody><ofd:DocInfo><ofd:DocID>yinxin-test</ofd:DocID></ofd:DocInfo>)"
        R"(<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>)");
    put("Doc_0/Document.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016">)"
        R"(<ofd:CommonData><ofd:MaxUnitID>10</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>)"
        R"(<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/><ofd:Page ID="5" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages></ofd:Document>)");
    put("Doc_0/Pages/Page_0/Content.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2">)"
        R"(<ofd:TextObject ID="3" Boundary="10 10 100 10" Font="4" Size="5"><ofd:TextCode X="0" Y="5">contract page 1</ofd:TextCode></ofd:TextObject>)"
        R"(</ofd:Layer></ofd:Content></ofd:Page>)");
    put("Doc_0/Pages/Page_1/Content.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content/></ofd:Page>)");
    put("Doc_0/Res/logo.png", "\x89PNG\r\n\x1a\n fake image");
    return p;
}

struct Signer {
    TestPki pki;
    Bytes seal;
};

Signer make_signer(std::string_view root_cn, std::string_view es_id) {
    Signer s{make_pki(root_cn), {}};
    SealRequest req = seal_request(s.pki);
    req.es_id = std::string(es_id);
    auto seal = make_seal(req, s.pki.maker.der(), sm2_sign_callback(s.pki.maker_key));
    EXPECT_TRUE(seal.ok()) << seal.error().to_string();
    if (seal) s.seal = std::move(seal).value();
    return s;
}

OfdSignRequest request_for(const Signer& s, std::size_t page, double x) {
    OfdSignRequest r;
    r.seal = s.seal;
    r.signer_certificate.assign(s.pki.signer.der().begin(), s.pki.signer.der().end());
    r.time = k_t0 + 10 * k_day;
    r.stamp = OfdStamp{page, {x, 200, 40, 40}};
    return r;
}

OfdVerifyOptions options_for(const std::vector<const Signer*>& signers) {
    OfdVerifyOptions o;
    o.verify.time = k_t0 + 30 * k_day;
    for (const auto* s : signers) o.verify.trust_anchors.push_back(s->pki.root);
    return o;
}

class OfdSign : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_a = new Signer(make_signer("Root A", "33010600000001"));
        s_b = new Signer(make_signer("Root B", "33010600000002"));
    }
    static void TearDownTestSuite() {
        delete s_a;
        delete s_b;
    }
    static Signer* s_a;
    static Signer* s_b;
};
Signer* OfdSign::s_a = nullptr;
Signer* OfdSign::s_b = nullptr;

TEST_F(OfdSign, TwoSealsOnAMinimalOfdBothValid) {
    auto once = sign_ofd(minimal_ofd(), request_for(*s_a, 0, 120), sm2_sign_callback(s_a->pki.signer_key));
    ASSERT_TRUE(once.ok()) << once.error().to_string();
    EXPECT_EQ(once->signature_file, "Doc_0/Signs/Sign_0/Signature.xml");
    const OfdReport r1 = verify_ofd(once->package, options_for({s_a}));
    ASSERT_EQ(r1.signatures.size(), 1U);
    EXPECT_TRUE(r1.valid) << r1.to_text();
    EXPECT_EQ(r1.status, DocumentStatus::valid);

    // The XML parts as the ofd layer reads them back.
    auto file = ofd::parse_signature_file(once->package.get(once->signature_file).value(), once->signature_file);
    ASSERT_TRUE(file.ok()) << file.error().to_string();
    ASSERT_EQ(file->stamp_annots.size(), 1U);
    EXPECT_EQ(file->stamp_annots[0].page_ref, "1");  // the page object's ID
    EXPECT_DOUBLE_EQ(file->stamp_annots[0].boundary.x, 120);
    EXPECT_EQ(file->check_method, ofd::DigestMethod::sm3);
    // Every file but the list and the signature's own ones, OFD.xml in its signed form.
    std::vector<std::string> refs;
    for (const auto& r : file->references) refs.push_back(r.path);
    EXPECT_EQ(refs, (std::vector<std::string>{"OFD.xml", "Doc_0/Document.xml", "Doc_0/Pages/Page_0/Content.xml",
                                              "Doc_0/Pages/Page_1/Content.xml", "Doc_0/Res/logo.png"}));

    // Second seal, through the ZIP form, on page 2.
    const Bytes zip1 = once->package.write().value();
    auto twice = sign_ofd(zip1, request_for(*s_b, 1, 20), sm2_sign_callback(s_b->pki.signer_key));
    ASSERT_TRUE(twice.ok()) << twice.error().to_string();
    const OfdReport r2 = verify_ofd(*twice, options_for({s_a, s_b}));
    ASSERT_EQ(r2.signatures.size(), 2U) << r2.to_text();
    EXPECT_EQ(r2.signatures[1].signature_file, "/Doc_0/Signs/Sign_1/Signature.xml");
    for (const auto& s : r2.signatures) {
        EXPECT_TRUE(s.valid) << r2.to_text();
        EXPECT_EQ(s.result_of("references"), CheckResult::pass) << r2.to_text();
        EXPECT_TRUE(s.mismatched_references.empty());
    }
    EXPECT_NE(r2.signatures[0].id, r2.signatures[1].id);
    EXPECT_TRUE(r2.valid);
    EXPECT_EQ(r2.status, DocumentStatus::valid);
    // The second signature covers the first one's files.
    bool covers_first = false;
    for (const auto& ref : r2.signatures[1].references)
        covers_first |= ref.path == "/Doc_0/Signs/Sign_0/SignedValue.dat";
    EXPECT_TRUE(covers_first);

    // Only one anchor: the other signature is intact but untrusted.
    const OfdReport r3 = verify_ofd(*twice, options_for({s_a}));
    EXPECT_TRUE(r3.intact);
    EXPECT_FALSE(r3.valid);
    EXPECT_EQ(r3.status, DocumentStatus::untrusted);
    EXPECT_TRUE(r3.signatures[0].valid);
    EXPECT_EQ(r3.signatures[1].result_of("trust_chain"), CheckResult::fail);

    // Changing any referenced file: tampered, naming it (and only it).
    auto pkg = ofd::Package::read(*twice).value();
    for (const auto& e : pkg.entries()) {
        if (e.name == "Doc_0/Signs/Signatures.xml") continue;  // not referenced (ofd_sign.h)
        ofd::Package changed = pkg;
        Bytes data = e.data;
        data.push_back(' ');
        ASSERT_TRUE(changed.put(e.name, data).ok());
        const OfdReport t = verify_ofd(changed, options_for({s_a, s_b}));
        EXPECT_FALSE(t.intact) << e.name;
        bool named = false;
        for (const auto& s : t.signatures) {
            for (const auto& p : s.mismatched_references) {
                EXPECT_EQ(p, "/" + e.name);
                named |= p == "/" + e.name;
            }
        }
        if (e.name.find("/Sign_1/") != std::string::npos) {
            // Sign_1's own files are covered by its signature, not by a reference.
            EXPECT_NE(t.status, DocumentStatus::valid) << e.name;
            continue;
        }
        EXPECT_TRUE(named) << e.name << "\n" << t.to_text();
        if (e.name.find("/Sign_0/") == std::string::npos) {
            EXPECT_EQ(t.status, DocumentStatus::tampered) << e.name << "\n" << t.to_text();
        } else {
            // Sign_0's own files: its signature breaks too (tampered or invalid), never valid.
            EXPECT_NE(t.status, DocumentStatus::valid) << e.name;
        }
    }
}

TEST_F(OfdSign, SigningTheRealTaxInvoiceKeepsItsSignatureIntact) {
    const Bytes zip = test::read_file(test::shared_path("interop/ofdrw/1.ofd"));
    auto signed_zip = sign_ofd(zip, request_for(*s_a, 0, 10), sm2_sign_callback(s_a->pki.signer_key));
    ASSERT_TRUE(signed_zip.ok()) << signed_zip.error().to_string();
    OfdVerifyOptions o = options_for({s_a});
    const OfdReport r = verify_ofd(*signed_zip, o);
    ASSERT_EQ(r.signatures.size(), 2U) << r.to_text();
    EXPECT_TRUE(r.signatures[0].intact) << r.to_text();  // the tax bureau's, untrusted here
    EXPECT_EQ(r.signatures[0].references.size(), 13U);
    EXPECT_TRUE(r.signatures[1].valid) << r.to_text();
    EXPECT_EQ(r.signatures[1].signature_file, "/Doc_0/Signs/Sign_1/Signature.xml");
    EXPECT_TRUE(r.intact);
    EXPECT_EQ(r.status, DocumentStatus::untrusted);
}

TEST_F(OfdSign, BadRequests) {
    auto r = sign_ofd(minimal_ofd(), request_for(*s_a, 7, 10), sm2_sign_callback(s_a->pki.signer_key));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::seal_bad_request);
    OfdSignRequest bad = request_for(*s_a, 0, 10);
    bad.seal = to_bytes("not a seal");
    EXPECT_EQ(sign_ofd(minimal_ofd(), bad, sm2_sign_callback(s_a->pki.signer_key)).error().code,
              Errc::seal_bad_request);
    // The wrong key: make_signature's self-check refuses it.
    auto wrong = sign_ofd(minimal_ofd(), request_for(*s_a, 0, 10), sm2_sign_callback(s_b->pki.signer_key));
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, Errc::seal_signer_failed);
    EXPECT_FALSE(sign_ofd(to_bytes("junk"), request_for(*s_a, 0, 10), sm2_sign_callback(s_a->pki.signer_key)).ok());
}

TEST_F(OfdSign, DetachedSignatureRoundTrip) {
    const Bytes data = to_bytes("any file at all\n");
    auto ses = make_detached_signature(s_a->seal, data, "contract.pdf", s_a->pki.signer.der(), k_t0 + k_day,
                                       sm2_sign_callback(s_a->pki.signer_key));
    ASSERT_TRUE(ses.ok()) << ses.error().to_string();
    VerifyOptions o;
    o.time = k_t0 + 30 * k_day;
    o.trust_anchors.push_back(s_a->pki.root);
    o.data = BytesView(data);
    const Report r = verify_signature(*ses, o);
    EXPECT_TRUE(r.valid) << r.to_text();
    EXPECT_EQ(status_of(r), DocumentStatus::valid);
    Bytes changed = data;
    changed[0] ^= 1;
    o.data = BytesView(changed);
    const Report t = verify_signature(*ses, o);
    EXPECT_EQ(t.result_of("data_hash"), CheckResult::fail);
    EXPECT_EQ(status_of(t), DocumentStatus::tampered);
    o.data.reset();
    o.trust_anchors.clear();
    EXPECT_EQ(status_of(verify_signature(*ses, o)), DocumentStatus::untrusted);
    EXPECT_EQ(status_of(verify_signature(to_bytes("junk"), o)), DocumentStatus::unparseable);
}

}  // namespace
}  // namespace yinxin::seal
