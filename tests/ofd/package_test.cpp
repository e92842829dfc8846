// OFD package reading and writing: real packages, hostile archives made here with libzip,
// path resolution, deterministic output.
#include "yinxin/ofd/package.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "yinxin/ofd/signatures.h"
#include "zip_maker.h"

namespace yinxin::ofd {
namespace {

using test::make_zip;
using test::RawEntry;

const char* const k_minimal_ofd_xml =
    R"(<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" )"
    R"(DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>)";

RawEntry text_entry(std::string name, std::string_view text) { return RawEntry{std::move(name), to_bytes(text)}; }

std::vector<std::string> interop_ofd_files() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(yinxin::test::shared_path("interop/ofdrw"))) {
        if (e.path().extension() == ".ofd") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

TEST(OfdPackage, EveryInteropFileParses) {
    const auto files = interop_ofd_files();
    ASSERT_GE(files.size(), 6U);
    for (const auto& f : files) {
        SCOPED_TRACE(f);
        auto pkg = Package::read_file(f);
        ASSERT_TRUE(pkg.ok()) << pkg.error().to_string();
        EXPECT_TRUE(pkg->contains("/OFD.xml"));
        auto bodies = read_ofd_xml(*pkg);
        ASSERT_TRUE(bodies.ok()) << bodies.error().to_string();
        ASSERT_FALSE(bodies->empty());
        EXPECT_TRUE(pkg->contains((*bodies)[0].doc_root)) << (*bodies)[0].doc_root;
        auto sigs = read_signatures(*pkg);
        ASSERT_TRUE(sigs.ok()) << sigs.error().to_string();
        EXPECT_FALSE(sigs->empty());
        for (const auto& s : *sigs) {
            EXPECT_TRUE(pkg->contains(s.file.signed_value)) << s.file.signed_value;
            EXPECT_FALSE(s.file.references.empty());
        }
    }
}

TEST(OfdPackage, EntriesKeepArchiveNamesAndContent) {
    auto pkg = Package::read_file(yinxin::test::shared_path("interop/ofdrw/1.ofd"));
    ASSERT_TRUE(pkg.ok()) << pkg.error().to_string();
    // 28 names in the archive, of which 12 are directories.
    EXPECT_EQ(pkg->size(), 16U);
    auto img = pkg->get("/Doc_0/Res/image_78.jb2");
    ASSERT_TRUE(img.ok());
    EXPECT_EQ(img->size(), 389U);
    EXPECT_TRUE(pkg->contains("Doc_0/Res/image_78.jb2"));
    EXPECT_TRUE(pkg->contains("//Doc_0/Res/image_78.jb2"));  // Koal FileRef form
    EXPECT_FALSE(pkg->contains("/doc_0/res/image_78.jb2"));  // ZIP names are case-sensitive
    EXPECT_EQ(pkg->get("/nope.xml").code(), Errc::ofd_missing_part);
    EXPECT_EQ(pkg->get("/../OFD.xml").code(), Errc::ofd_bad_path);
}

TEST(OfdPath, Resolve) {
    EXPECT_EQ(resolve_path("/Doc_0/Signs/Signatures.xml").value(), "Doc_0/Signs/Signatures.xml");
    EXPECT_EQ(resolve_path("//Doc_0/Document.xml").value(), "Doc_0/Document.xml");
    EXPECT_EQ(resolve_path("Sign_0/Signature.xml", "Doc_0/Signs").value(), "Doc_0/Signs/Sign_0/Signature.xml");
    EXPECT_EQ(resolve_path("/Doc_0/x.xml", "Doc_0/Signs").value(), "Doc_0/x.xml");
    EXPECT_EQ(resolve_path("../Res/a.png", "Doc_0/Signs").value(), "Doc_0/Res/a.png");
    EXPECT_EQ(resolve_path("./a//b.xml").value(), "a/b.xml");
    EXPECT_EQ(resolve_path("../x", "").code(), Errc::ofd_bad_path);
    EXPECT_EQ(resolve_path("/a/../../x").code(), Errc::ofd_bad_path);
    EXPECT_EQ(resolve_path("Doc_0\\x.xml").code(), Errc::ofd_bad_path);
    EXPECT_EQ(resolve_path("C:/Windows/x").code(), Errc::ofd_bad_path);
    EXPECT_EQ(resolve_path("").code(), Errc::ofd_bad_path);
    EXPECT_EQ(resolve_path("/").code(), Errc::ofd_bad_path);
    EXPECT_EQ(resolve_path(std::string("a\0b", 3)).code(), Errc::ofd_bad_path);
    EXPECT_EQ(parent_dir("Doc_0/Signs/Signatures.xml"), "Doc_0/Signs");
    EXPECT_EQ(parent_dir("OFD.xml"), "");
}

TEST(OfdHostile, TraversalAndOddNamesAreRefused) {
    for (const char* name : {"../evil.xml", "Doc_0/../../evil.xml", "Doc_0/./x.xml", "/abs.xml", "Doc_0\\x.xml",
                             "C:/x.xml", "Doc_0//x.xml", "Doc_0/\x01.xml", "..", "Doc_0/.."}) {
        SCOPED_TRACE(name);
        Bytes zip = make_zip({text_entry("OFD.xml", k_minimal_ofd_xml), text_entry(name, "x")});
        ASSERT_FALSE(zip.empty());
        EXPECT_EQ(Package::read(zip).code(), Errc::ofd_bad_path);
    }
}

TEST(OfdHostile, DuplicateNamesAreRefused) {
    Bytes zip = make_zip({text_entry("OFD.xml", k_minimal_ofd_xml), text_entry("OFD.xmz", "<other/>")});
    test::patch_bytes(zip, "OFD.xmz", "OFD.xml");
    auto r = Package::read(zip);
    EXPECT_EQ(r.code(), Errc::ofd_duplicate_entry) << (r.ok() ? "" : r.error().to_string());
}

TEST(OfdHostile, ZipBombIsRefused) {
    // 8 MiB of zeros deflate to ~8 KiB: about 1000:1.
    RawEntry bomb{"Doc_0/Res/bomb.bin", Bytes(std::size_t{8} << 20, 0)};
    Bytes zip = make_zip({text_entry("OFD.xml", k_minimal_ofd_xml), bomb});
    ASSERT_LT(zip.size(), std::size_t{64} << 10);
    auto r = Package::read(zip);
    EXPECT_EQ(r.code(), Errc::ofd_zip_bomb) << (r.ok() ? "" : r.error().to_string());

    // The same content stored uncompressed is no bomb.
    bomb.deflate = false;
    EXPECT_TRUE(Package::read(make_zip({text_entry("OFD.xml", k_minimal_ofd_xml), bomb})).ok());
}

TEST(OfdHostile, SizeLimits) {
    Bytes zip = make_zip({text_entry("OFD.xml", k_minimal_ofd_xml), RawEntry{"a.bin", Bytes(100000, 1), false},
                          RawEntry{"b.bin", Bytes(100000, 2), false}});
    ReadLimits entry_limit;
    entry_limit.max_entry_size = 50000;
    EXPECT_EQ(Package::read(zip, entry_limit).code(), Errc::ofd_too_large);
    ReadLimits total_limit;
    total_limit.max_total_size = 150000;
    EXPECT_EQ(Package::read(zip, total_limit).code(), Errc::ofd_too_large);
    ReadLimits package_limit;
    package_limit.max_package_size = 1000;
    EXPECT_EQ(Package::read(zip, package_limit).code(), Errc::ofd_too_large);
    EXPECT_TRUE(Package::read(zip).ok());
}

TEST(OfdHostile, TooManyEntries) {
    std::vector<RawEntry> entries{text_entry("OFD.xml", k_minimal_ofd_xml)};
    for (int i = 0; i < 20; ++i) entries.push_back(text_entry("Doc_0/f" + std::to_string(i), "x"));
    Bytes zip = make_zip(entries);
    ReadLimits limits;
    limits.max_entries = 20;
    EXPECT_EQ(Package::read(zip, limits).code(), Errc::ofd_too_many_entries);
    limits.max_entries = 21;
    EXPECT_TRUE(Package::read(zip, limits).ok());
}

TEST(OfdHostile, NotAZip) {
    EXPECT_EQ(Package::read(to_bytes("this is not a zip archive at all")).code(), Errc::ofd_bad_zip);
    EXPECT_EQ(Package::read(Bytes{}).code(), Errc::ofd_bad_zip);
    Bytes zip = make_zip({text_entry("OFD.xml", k_minimal_ofd_xml), RawEntry{"a.bin", Bytes(5000, 7)}});
    Bytes truncated(zip.begin(), zip.begin() + static_cast<std::ptrdiff_t>(zip.size() / 2));
    EXPECT_EQ(Package::read(truncated).code(), Errc::ofd_bad_zip);
    // A corrupted deflate stream (flip bytes inside the compressed data of a.bin): CRC or inflate error.
    Bytes corrupt = zip;
    for (std::size_t i = 0; i + 5 < corrupt.size(); ++i) {
        if (corrupt[i] == 'a' && corrupt[i + 1] == '.' && corrupt[i + 2] == 'b' && corrupt[i + 3] == 'i' &&
            corrupt[i + 4] == 'n') {
            corrupt[i + 8] ^= 0xff;
            corrupt[i + 9] ^= 0xff;
            break;  // the local header comes first
        }
    }
    EXPECT_EQ(Package::read(corrupt).code(), Errc::ofd_bad_zip);
}

TEST(OfdHostile, MissingOfdXml) {
    auto pkg = Package::read(make_zip({text_entry("Doc_0/Document.xml", "<Document/>")}));
    ASSERT_TRUE(pkg.ok());
    EXPECT_EQ(read_ofd_xml(*pkg).code(), Errc::ofd_missing_part);
    EXPECT_EQ(read_signatures(*pkg).code(), Errc::ofd_missing_part);
}

TEST(OfdHostile, MalformedAndHugeXml) {
    auto pkg = Package::read(make_zip({text_entry("OFD.xml", "<ofd:OFD><ofd:DocBody><unclosed")}));
    ASSERT_TRUE(pkg.ok());
    auto r = read_ofd_xml(*pkg);
    EXPECT_EQ(r.code(), Errc::ofd_bad_xml);

    std::string huge = "<ofd:OFD xmlns:ofd=\"x\"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>";
    huge += std::string(2 << 20, ' ');
    huge += "</ofd:DocBody></ofd:OFD>";
    ReadLimits limits;
    limits.max_xml_size = 1 << 20;
    auto big = Package::read(make_zip({RawEntry{"OFD.xml", to_bytes(huge), false}}), limits);
    ASSERT_TRUE(big.ok());
    EXPECT_EQ(read_ofd_xml(*big).code(), Errc::ofd_bad_xml);

    // Deep nesting: the parser is iterative, so this is data, not a stack overflow.
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "<a>";
    auto nested = Package::read(make_zip({text_entry("OFD.xml", deep)}));
    ASSERT_TRUE(nested.ok());
    EXPECT_EQ(read_ofd_xml(*nested).code(), Errc::ofd_bad_xml);

    auto no_body = Package::read(make_zip({text_entry("OFD.xml", "<ofd:OFD xmlns:ofd=\"x\"/>")}));
    ASSERT_TRUE(no_body.ok());
    EXPECT_EQ(read_ofd_xml(*no_body).code(), Errc::ofd_bad_structure);
}

TEST(OfdHostile, EntitiesAreNotExpanded) {
    // Billion laughs: pugixml does not process the internal subset, so &lol3; stays literal text.
    const std::string xml = R"(<?xml version="1.0"?><!DOCTYPE ofd [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">)"
                            R"(<!ENTITY lol3 "&lol2;&lol2;&lol2;">]><ofd:OFD xmlns:ofd="x"><ofd:DocBody>)"
                            R"(<ofd:DocRoot>Doc_0/&lol3;.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>)";
    auto pkg = Package::read(make_zip({text_entry("OFD.xml", xml)}));
    ASSERT_TRUE(pkg.ok());
    auto bodies = read_ofd_xml(*pkg);
    ASSERT_TRUE(bodies.ok()) << bodies.error().to_string();
    EXPECT_EQ((*bodies)[0].doc_root, "Doc_0/&lol3;.xml");
}

TEST(OfdHostile, MutatedRealPackagesNeverCrash) {
    // Octets of a real package flipped throughout (headers, deflate data, central directory): the
    // reader and the signature parser either succeed or return an ofd error, never crash.
    const Bytes orig = yinxin::test::read_file(yinxin::test::shared_path("interop/ofdrw/1.ofd"));
    ASSERT_FALSE(orig.empty());
    std::size_t refused = 0;
    for (std::size_t i = 0; i < orig.size(); i += 97) {
        Bytes m = orig;
        m[i] ^= 0xa5;
        auto pkg = Package::read(m);
        if (!pkg.ok()) {
            const auto n = pkg.error().numeric();
            EXPECT_TRUE(n > 16000 && n < 17000) << pkg.error().to_string();
            ++refused;
            continue;
        }
        auto sigs = read_signatures(*pkg);
        if (sigs.ok()) {
            for (const auto& sig : *sigs) (void)check_references(*pkg, sig.file);
        }
    }
    EXPECT_GT(refused, 0U);
}

TEST(OfdWriter, RoundTripIsExactAndDeterministic) {
    for (const char* name : {"1.ofd", "h.ofd", "testImageNotFound.ofd"}) {
        SCOPED_TRACE(name);
        auto pkg = Package::read_file(yinxin::test::shared_path(std::string("interop/ofdrw/") + name));
        ASSERT_TRUE(pkg.ok());
        auto out = pkg->write();
        ASSERT_TRUE(out.ok()) << out.error().to_string();
        auto again = pkg->write();
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(*out, *again);
        auto back = Package::read(*out);
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        ASSERT_EQ(back->size(), pkg->size());
        for (std::size_t i = 0; i < pkg->size(); ++i) {
            EXPECT_EQ(back->entries()[i].name, pkg->entries()[i].name);
            EXPECT_EQ(back->entries()[i].data, pkg->entries()[i].data);
        }
        // What verifies before still verifies after.
        auto sigs = read_signatures(*back);
        ASSERT_TRUE(sigs.ok());
        auto orig = read_signatures(*pkg);
        ASSERT_TRUE(orig.ok());
        for (std::size_t i = 0; i < sigs->size(); ++i) {
            EXPECT_EQ(check_references(*back, (*sigs)[i].file).failed_paths(),
                      check_references(*pkg, (*orig)[i].file).failed_paths());
        }
    }
}

TEST(OfdWriter, PutReplaceRemove) {
    Package pkg;
    ASSERT_TRUE(pkg.put("/OFD.xml", to_bytes(k_minimal_ofd_xml)).ok());
    ASSERT_TRUE(pkg.put("Doc_0/Document.xml", to_bytes("<Document/>")).ok());
    ASSERT_TRUE(pkg.put("Doc_0/Res/a.bin", Bytes{1, 2, 3}).ok());
    EXPECT_EQ(pkg.put("../x", {}).code(), Errc::ofd_bad_path);
    ASSERT_TRUE(pkg.put("//Doc_0/Document.xml", to_bytes("<Document v='2'/>")).ok());
    EXPECT_EQ(pkg.size(), 3U);
    EXPECT_EQ(pkg.entries()[1].name, "Doc_0/Document.xml");  // replacement keeps the position
    EXPECT_TRUE(pkg.remove("/Doc_0/Res/a.bin"));
    EXPECT_FALSE(pkg.remove("/Doc_0/Res/a.bin"));
    auto zip = pkg.write();
    ASSERT_TRUE(zip.ok());
    auto back = Package::read(*zip);
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(back->size(), 2U);
    EXPECT_EQ(to_string(back->get("/Doc_0/Document.xml").value()), "<Document v='2'/>");
    EXPECT_TRUE(read_ofd_xml(*back).ok());

    // The independent check: the system unzip tool lists and tests the archive.
    yinxin::test::ScratchDir dir;
    yinxin::test::write_file(dir / "out.ofd", *zip);
    if (std::filesystem::exists("/usr/bin/unzip")) {
        auto r = yinxin::test::run_process({"/usr/bin/unzip", "-t", (dir / "out.ofd").string()});
        EXPECT_EQ(r.exit_code, 0) << r.output;
    }

    Package empty;
    auto e = empty.write();
    ASSERT_TRUE(e.ok());
    auto eb = Package::read(*e);
    ASSERT_TRUE(eb.ok()) << eb.error().to_string();
    EXPECT_EQ(eb->size(), 0U);
}

}  // namespace
}  // namespace yinxin::ofd
