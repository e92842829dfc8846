// OFD signature structures and reference checks against the real files in ../shared/interop/ofdrw
// (expected results: ../shared/interop/README.md), and the XML writers the signer uses.
#include "yinxin/ofd/signatures.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::ofd {
namespace {

Package load(const char* name) {
    auto pkg = Package::read_file(yinxin::test::shared_path(std::string("interop/ofdrw/") + name));
    if (!pkg.ok()) {
        ADD_FAILURE() << name << ": " << pkg.error().to_string();
        return {};
    }
    return std::move(pkg).value();
}

std::vector<DocumentSignature> signatures(const Package& pkg) {
    auto s = read_signatures(pkg);
    if (!s.ok()) {
        ADD_FAILURE() << s.error().to_string();
        return {};
    }
    return std::move(s).value();
}

TEST(OfdSignatures, OneOfdTaxInvoice) {
    // README: 1 seal signature; all 13 references valid.
    Package pkg = load("1.ofd");
    auto sigs = signatures(pkg);
    ASSERT_EQ(sigs.size(), 1U);
    const auto& s = sigs[0];
    EXPECT_EQ(s.entry.type, SignatureType::seal);  // Type absent: GB/T 33190 default
    EXPECT_EQ(s.entry.id, "2");
    EXPECT_EQ(s.entry.base_loc, "Doc_0/Signs/Sign_0/Signature.xml");
    EXPECT_EQ(s.file.provider.name, "gomain_eseal");
    EXPECT_EQ(s.file.provider.company, "gomain");
    EXPECT_EQ(s.file.signature_method, "1.2.156.10197.1.501");
    EXPECT_EQ(s.file.signature_date_time, "20200723130907.763Z");
    EXPECT_EQ(s.file.check_method_raw, "1.2.156.10197.1.401");
    EXPECT_EQ(s.file.check_method, DigestMethod::sm3);
    EXPECT_EQ(s.file.signed_value, "Doc_0/Signs/Sign_0/SignedValue.dat");
    EXPECT_FALSE(s.file.seal.has_value());
    ASSERT_EQ(s.file.stamp_annots.size(), 1U);
    EXPECT_EQ(s.file.stamp_annots[0].page_ref, "1");
    EXPECT_DOUBLE_EQ(s.file.stamp_annots[0].boundary.x, 90.0);
    EXPECT_DOUBLE_EQ(s.file.stamp_annots[0].boundary.width, 30.0);
    EXPECT_DOUBLE_EQ(s.file.stamp_annots[0].boundary.height, 20.0);
    ASSERT_EQ(s.file.references.size(), 13U);
    auto check = check_references(pkg, s.file);
    EXPECT_TRUE(check.all_valid());
    EXPECT_TRUE(check.failed_paths().empty());
    ASSERT_EQ(check.results.size(), 13U);
}

TEST(OfdSignatures, SignedFileAllValid) {
    Package pkg = load("signedFile.ofd");
    auto sigs = signatures(pkg);
    ASSERT_EQ(sigs.size(), 1U);
    EXPECT_TRUE(check_references(pkg, sigs[0].file).all_valid());
}

TEST(OfdSignatures, KeywordTamperedListsExactlyThreeFiles) {
    // README: both signatures report /OFD.xml, /Doc_0/Document.xml, /Doc_0/Pages/Page_0/Content.xml.
    Package pkg = load("keyword.ofd");
    auto sigs = signatures(pkg);
    ASSERT_EQ(sigs.size(), 2U);
    EXPECT_EQ(sigs[0].entry.type, SignatureType::seal);
    EXPECT_EQ(sigs[1].entry.type, SignatureType::sign);
    EXPECT_EQ(sigs[0].file.check_method_raw, "SM3");
    ASSERT_TRUE(sigs[0].file.seal.has_value());
    EXPECT_TRUE(pkg.contains(*sigs[0].file.seal));
    const std::vector<std::string> expected{"/OFD.xml", "/Doc_0/Document.xml", "/Doc_0/Pages/Page_0/Content.xml"};
    for (const auto& s : sigs) {
        SCOPED_TRACE(s.entry.base_loc);
        auto check = check_references(pkg, s.file);
        auto failed = check.failed_paths();
        std::sort(failed.begin(), failed.end());
        auto want = expected;
        std::sort(want.begin(), want.end());
        EXPECT_EQ(failed, want);
        for (const auto& r : check.results) {
            if (r.status != ReferenceStatus::valid) {
                EXPECT_EQ(r.status, ReferenceStatus::mismatch) << r.path;
            }
        }
    }
}

TEST(OfdSignatures, HOfdSecondSignatureChangedTheList) {
    // README: Sign_0: only /Doc_0/Signs/Signatures.xml mismatches; Sign_1 all valid.
    Package pkg = load("h.ofd");
    auto sigs = signatures(pkg);
    ASSERT_EQ(sigs.size(), 2U);
    EXPECT_EQ(sigs[0].entry.id, "s001");
    EXPECT_EQ(sigs[1].entry.id, "s007");
    EXPECT_EQ(sigs[0].file.stamp_annots.size(), 5U);  // a riding seal over five pages
    ASSERT_TRUE(sigs[0].file.stamp_annots[0].clip.has_value());
    EXPECT_DOUBLE_EQ(sigs[0].file.stamp_annots[0].clip->width, 8.0);
    EXPECT_EQ(sigs[0].file.seal, "Doc_0/Signs/Sign_0/Seal.esl");
    EXPECT_EQ(check_references(pkg, sigs[0].file).failed_paths(),
              std::vector<std::string>{"/Doc_0/Signs/Signatures.xml"});
    EXPECT_TRUE(check_references(pkg, sigs[1].file).all_valid());
}

TEST(OfdSignatures, TestImageNotFoundTwoSignSignatures) {
    Package pkg = load("testImageNotFound.ofd");
    auto bodies = read_ofd_xml(pkg);
    ASSERT_TRUE(bodies.ok());
    EXPECT_EQ((*bodies)[0].doc_root, "Doc_0/Document_0.xml");
    auto sigs = signatures(pkg);
    ASSERT_EQ(sigs.size(), 2U);
    for (const auto& s : sigs) {
        EXPECT_EQ(s.entry.type, SignatureType::sign);
        // "SignedValue.dat" relative to the Signature.xml directory.
        EXPECT_EQ(s.file.signed_value_raw, "SignedValue.dat");
        EXPECT_EQ(s.file.signed_value, parent_dir(s.file.path) + "/SignedValue.dat");
        EXPECT_TRUE(check_references(pkg, s.file).all_valid());
    }
}

TEST(OfdSignatures, NOfdProviderAsChildElementsAndKeyed401) {
    Package pkg = load("n.ofd");
    auto bodies = read_ofd_xml(pkg);
    ASSERT_TRUE(bodies.ok());
    EXPECT_EQ((*bodies)[0].signatures, "Doc_0/Signatures.xml");
    auto sigs = signatures(pkg);
    ASSERT_EQ(sigs.size(), 1U);
    EXPECT_EQ(sigs[0].file.provider.company, "dms360.cn");
    EXPECT_EQ(sigs[0].file.provider.version, "2.1.1");
    EXPECT_EQ(sigs[0].file.check_method_raw, "1.2.156.10197.1.401.2");
    EXPECT_EQ(sigs[0].file.check_method, DigestMethod::sm3);
    // Every reference is reported with a status; none is missing from the package.
    auto check = check_references(pkg, sigs[0].file);
    EXPECT_EQ(check.results.size(), 6U);
    for (const auto& r : check.results) EXPECT_NE(r.status, ReferenceStatus::missing) << r.path;
}

TEST(OfdSignatures, TamperingNamesTheFile) {
    Package pkg = load("1.ofd");
    Bytes content(pkg.get("/Doc_0/Pages/Page_0/Content.xml").value().begin(),
                  pkg.get("/Doc_0/Pages/Page_0/Content.xml").value().end());
    content.back() ^= 0x01;
    ASSERT_TRUE(pkg.put("/Doc_0/Pages/Page_0/Content.xml", content).ok());
    ASSERT_TRUE(pkg.remove("/Doc_0/Res/image_78.jb2"));
    auto sigs = signatures(pkg);
    ASSERT_EQ(sigs.size(), 1U);
    auto check = check_references(pkg, sigs[0].file);
    EXPECT_EQ(check.failed_paths(),
              (std::vector<std::string>{"/Doc_0/Pages/Page_0/Content.xml", "/Doc_0/Res/image_78.jb2"}));
    for (const auto& r : check.results) {
        if (r.path == "Doc_0/Res/image_78.jb2") {
            EXPECT_EQ(r.status, ReferenceStatus::missing);
        }
        if (r.path == "Doc_0/Pages/Page_0/Content.xml") {
            EXPECT_EQ(r.status, ReferenceStatus::mismatch);
        }
    }
}

TEST(OfdSignatures, QuirksInCraftedFiles) {
    // Koal: relative BaseLoc, "//" FileRef; unknown CheckMethod; SHA-256 named.
    const std::string list =
        R"(<ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016"><ofd:MaxSignId>1</ofd:MaxSignId>)"
        R"(<ofd:Signature ID="1" BaseLoc="Sign_0/Signature.xml"/></ofd:Signatures>)";
    auto l = parse_signature_list(as_bytes(list), "Doc_0/Signs/Signatures.xml");
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l->signatures[0].base_loc, "Doc_0/Signs/Sign_0/Signature.xml");
    EXPECT_EQ(l->max_sign_id, "1");

    const std::string bad_type = R"(<Signatures><Signature ID="1" Type="Stamp" BaseLoc="/a.xml"/></Signatures>)";
    EXPECT_EQ(parse_signature_list(as_bytes(bad_type), "s.xml").code(), Errc::ofd_bad_structure);
    const std::string escape = R"(<Signatures><Signature ID="1" BaseLoc="../../../etc/passwd"/></Signatures>)";
    EXPECT_EQ(parse_signature_list(as_bytes(escape), "Doc_0/Signs/Signatures.xml").code(), Errc::ofd_bad_path);

    Package pkg;
    ASSERT_TRUE(pkg.put("/Doc_0/a.xml", to_bytes("hello")).ok());
    const auto sm3 = crypto::sm3(as_bytes("hello"));
    const auto sha = digest(DigestMethod::sha256, as_bytes("hello"));
    // SHA-256("hello"), FIPS 180-4 implementation via OpenSSL; the known value pins it.
    EXPECT_EQ(hex_encode(sha), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    auto sig_xml = [](const std::string& method, const std::string& value) {
        return R"(<ofd:Signature xmlns:ofd="x"><ofd:SignedInfo><ofd:References CheckMethod=")" + method +
               R"("><ofd:Reference FileRef="//Doc_0/a.xml"><ofd:CheckValue>)" + value +
               R"(</ofd:CheckValue></ofd:Reference></ofd:References></ofd:SignedInfo>)"
               R"(<ofd:SignedValue>SignedValue.dat</ofd:SignedValue></ofd:Signature>)";
    };
    auto s1 = parse_signature_file(as_bytes(sig_xml("sm3", base64_encode(sm3))), "Doc_0/Signs/Sign_0/Signature.xml");
    ASSERT_TRUE(s1.ok()) << s1.error().to_string();
    EXPECT_EQ(s1->references[0].path, "Doc_0/a.xml");
    EXPECT_EQ(s1->signed_value, "Doc_0/Signs/Sign_0/SignedValue.dat");
    EXPECT_TRUE(check_references(pkg, *s1).all_valid());
    auto s2 = parse_signature_file(as_bytes(sig_xml("SHA-256", base64_encode(sha))), "s/Signature.xml");
    ASSERT_TRUE(s2.ok());
    EXPECT_TRUE(check_references(pkg, *s2).all_valid());
    auto s3 = parse_signature_file(as_bytes(sig_xml("MD5", base64_encode(sha))), "s/Signature.xml");
    ASSERT_TRUE(s3.ok());
    EXPECT_EQ(check_references(pkg, *s3).results[0].status, ReferenceStatus::unsupported_method);
    auto s4 = parse_signature_file(as_bytes(sig_xml("SM3", "!!not base64!!")), "s/Signature.xml");
    ASSERT_TRUE(s4.ok());
    EXPECT_EQ(check_references(pkg, *s4).results[0].status, ReferenceStatus::bad_check_value);

    EXPECT_EQ(parse_signature_file(as_bytes("<ofd:Signature xmlns:ofd='x'/>"), "s/Signature.xml").code(),
              Errc::ofd_bad_structure);
    EXPECT_EQ(parse_signature_file(as_bytes("<ofd:Signature"), "s/Signature.xml").code(), Errc::ofd_bad_xml);
}

TEST(OfdWriters, SignatureFileRoundTrip) {
    SignatureFile s;
    s.path = "Doc_0/Signs/Sign_2/Signature.xml";
    s.provider = {"Yinxin", "1.0", "Yinxin & Co <test>"};
    s.signature_method = "1.2.156.10197.1.501";
    s.signature_date_time = "20261123150000Z";
    s.check_method = DigestMethod::sm3;
    s.references.push_back(Reference{"", "OFD.xml", "", Bytes(32, 0xab)});
    s.references.push_back(Reference{"", "Doc_0/Document.xml", "", Bytes(32, 0xcd)});
    s.stamp_annots.push_back(StampAnnot{"a1", "5", Boundary{10.5, 20, 40, 40}, std::nullopt});
    s.stamp_annots.push_back(StampAnnot{"a2", "6", Boundary{1, 2, 3, 4}, Boundary{0, 0, 8, 40}});
    s.seal = "Doc_0/Signs/Sign_2/Seal.esl";
    s.signed_value = "Doc_0/Signs/Sign_2/SignedValue.dat";
    const std::string xml = write_signature_file(s);
    auto back = parse_signature_file(as_bytes(xml), s.path);
    ASSERT_TRUE(back.ok()) << back.error().to_string() << "\n" << xml;
    EXPECT_EQ(back->provider.company, "Yinxin & Co <test>");
    EXPECT_EQ(back->check_method_raw, "1.2.156.10197.1.401");
    ASSERT_EQ(back->references.size(), 2U);
    EXPECT_EQ(back->references[0].file_ref_raw, "/OFD.xml");
    EXPECT_EQ(back->references[1].check_value, Bytes(32, 0xcd));
    ASSERT_EQ(back->stamp_annots.size(), 2U);
    EXPECT_DOUBLE_EQ(back->stamp_annots[0].boundary.x, 10.5);
    EXPECT_FALSE(back->stamp_annots[0].clip.has_value());
    ASSERT_TRUE(back->stamp_annots[1].clip.has_value());
    EXPECT_DOUBLE_EQ(back->stamp_annots[1].clip->height, 40.0);
    EXPECT_EQ(back->seal, s.seal);
    EXPECT_EQ(back->signed_value, s.signed_value);
    EXPECT_EQ(xml, write_signature_file(*back));  // stable output
}

TEST(OfdWriters, AddSignatureToADocument) {
    // The signer's flow: add Sign_2 to h.ofd, update the list, write, read back.
    Package pkg = load("h.ofd");
    auto sigs_before = signatures(pkg);
    ASSERT_EQ(sigs_before.size(), 2U);
    const Bytes ofd_xml_before(pkg.get("/OFD.xml").value().begin(), pkg.get("/OFD.xml").value().end());

    auto ofd_xml = set_signatures_location(ofd_xml_before, 0, "Doc_0/Signs/Signatures.xml");
    ASSERT_TRUE(ofd_xml.ok());
    EXPECT_EQ(to_bytes(*ofd_xml), ofd_xml_before);  // already signed: OFD.xml untouched

    // As ofdrw does: the list is updated first, so the new signature covers the final list.
    auto list =
        add_to_signature_list(pkg.get("/Doc_0/Signs/Signatures.xml").value(),
                              SignatureListEntry{"s009", SignatureType::sign, "", "Doc_0/Signs/Sign_2/Signature.xml"});
    ASSERT_TRUE(list.ok()) << list.error().to_string();
    ASSERT_TRUE(pkg.put("/Doc_0/Signs/Signatures.xml", to_bytes(*list)).ok());
    SignatureFile s;
    s.path = "Doc_0/Signs/Sign_2/Signature.xml";
    s.provider.name = "Yinxin";
    s.signature_method = "1.2.156.10197.1.501";
    s.check_method = DigestMethod::sm3;
    for (const auto& e : pkg.entries()) {
        s.references.push_back(Reference{"", e.name, "", digest(DigestMethod::sm3, e.data)});
    }
    const std::size_t covered = pkg.size();
    s.signed_value = "Doc_0/Signs/Sign_2/SignedValue.dat";
    ASSERT_TRUE(pkg.put(s.path, to_bytes(write_signature_file(s))).ok());
    ASSERT_TRUE(pkg.put(s.signed_value, Bytes{0x30, 0x00}).ok());

    auto zip = pkg.write();
    ASSERT_TRUE(zip.ok());
    auto back = Package::read(*zip);
    ASSERT_TRUE(back.ok());
    auto sigs = signatures(*back);
    ASSERT_EQ(sigs.size(), 3U);
    EXPECT_EQ(sigs[2].entry.id, "s009");
    EXPECT_EQ(sigs[2].entry.type, SignatureType::sign);
    auto parsed_list =
        parse_signature_list(back->get("/Doc_0/Signs/Signatures.xml").value(), "Doc_0/Signs/Signatures.xml");
    ASSERT_TRUE(parsed_list.ok());
    EXPECT_EQ(parsed_list->max_sign_id, "s009");
    // The new signature covers everything that was there. The earlier ones are unaffected except
    // through the list: Sign_0 covers it (and already failed on it), Sign_1 does not.
    auto mine = check_references(*back, sigs[2].file);
    EXPECT_TRUE(mine.all_valid());
    EXPECT_EQ(mine.results.size(), covered);
    EXPECT_EQ(check_references(*back, sigs[0].file).failed_paths(),
              std::vector<std::string>{"/Doc_0/Signs/Signatures.xml"});
    EXPECT_TRUE(check_references(*back, sigs[1].file).all_valid());

    // First signature of an unsigned document: OFD.xml gains <ofd:Signatures>.
    const std::string unsigned_ofd =
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016">)"
        R"(<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>)";
    auto updated = set_signatures_location(as_bytes(unsigned_ofd), 0, "Doc_0/Signs/Signatures.xml");
    ASSERT_TRUE(updated.ok());
    Package p2;
    ASSERT_TRUE(p2.put("OFD.xml", to_bytes(*updated)).ok());
    auto bodies = read_ofd_xml(p2);
    ASSERT_TRUE(bodies.ok());
    EXPECT_EQ((*bodies)[0].signatures, "Doc_0/Signs/Signatures.xml");
    EXPECT_EQ(set_signatures_location(as_bytes(unsigned_ofd), 1, "x").code(), Errc::ofd_bad_structure);
    auto fresh =
        add_to_signature_list({}, SignatureListEntry{"1", SignatureType::seal, "", "Doc_0/Signs/Sign_0/Signature.xml"});
    ASSERT_TRUE(fresh.ok());
    auto fl = parse_signature_list(as_bytes(*fresh), "Doc_0/Signs/Signatures.xml");
    ASSERT_TRUE(fl.ok());
    ASSERT_EQ(fl->signatures.size(), 1U);
    EXPECT_EQ(fl->signatures[0].base_loc, "Doc_0/Signs/Sign_0/Signature.xml");
    EXPECT_EQ(fl->signatures[0].type, SignatureType::seal);
}

}  // namespace
}  // namespace yinxin::ofd
