// Real files from other systems: the ofdrw seal samples (spec/gm-and-seal-formats.md §2, read from
// ../shared/interop, never copied here) and OpenSSL-made BER/DER (tests/data/asn1/PROVENANCE.md).
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/asn1/reader.h"

namespace yinxin::asn1 {
namespace {

namespace fs = std::filesystem;
using testing::read_file;

const std::string ofdrw_dir = std::string(YINXIN_SHARED_DIR) + "/interop/ofdrw";

struct WalkStats {
    std::size_t elements = 0;
    std::uint32_t max_depth = 0;
};

// Walks every constructed element and decodes every universal primitive with its typed decoder.
Status walk(const Element& e, WalkStats& st) {
    ++st.elements;
    st.max_depth = std::max(st.max_depth, e.depth());
    const Tag t = e.tag();
    if (t.constructed) {
        if (t.tag_class == TagClass::universal && t.number == 4)
            return e.octet_string_bytes().ok() ? ok_status() : Status(e.octet_string_bytes().error());
        Reader r = e.children();
        std::size_t covered = 0;
        while (!r.at_end()) {
            YX_ASSIGN_OR_RETURN(Element c, r.read());
            // Children tile the parent's content exactly.
            if (c.raw().data() != e.content().data() + covered)
                return make_error(Errc::internal, "children do not tile the content");
            covered += c.raw().size();
            YX_TRY(walk(c, st));
        }
        if (covered != e.content().size()) return make_error(Errc::internal, "content not covered");
        return ok_status();
    }
    if (t.tag_class != TagClass::universal) return ok_status();
    switch (t.number) {
        case 1: return e.as_boolean().ok() ? ok_status() : Status(e.as_boolean().error());
        case 2:
        case 10: return e.as_integer().ok() ? ok_status() : Status(e.as_integer().error());
        case 3: return e.as_bit_string().ok() ? ok_status() : Status(e.as_bit_string().error());
        case 5: return e.as_null();
        case 6: return e.as_oid().ok() ? ok_status() : Status(e.as_oid().error());
        case 12:
        case 18:
        case 19:
        case 20:
        case 22:
        case 26:
        case 28:
        case 30: return e.as_string().ok() ? ok_status() : Status(e.as_string().error());
        case 23:
        case 24: return e.as_unix_time().ok() ? ok_status() : Status(e.as_unix_time().error());
        default: return ok_status();
    }
}

Status walk_all(BytesView in, ReaderOptions o, WalkStats& st) {
    Reader r(in, o);
    while (!r.at_end()) {
        YX_ASSIGN_OR_RETURN(Element e, r.read());
        YX_TRY(walk(e, st));
    }
    return ok_status();
}

class Interop : public ::testing::Test {
protected:
    void SetUp() override {
        if (!fs::exists(ofdrw_dir)) GTEST_SKIP() << "no " << ofdrw_dir;
    }
};

TEST_F(Interop, UserV4SealStructure) {
    Bytes file = read_file(YINXIN_SHARED_DIR "/interop/ofdrw/UserV4.esl");
    ASSERT_EQ(file.size(), 17011u);
    for (ReaderOptions o : {ReaderOptions::ber(), ReaderOptions::der()}) {
        Reader top(file, o);
        auto seal = top.read_sequence();
        ASSERT_TRUE(seal.ok()) << seal.error().to_string();
        ASSERT_TRUE(top.expect_end().ok());
        // The outer SEQUENCE's raw is the whole file, as received.
        EXPECT_EQ(seal->raw().data(), file.data());
        EXPECT_EQ(seal->raw().size(), file.size());

        Reader s = seal->children();
        // GB/T 38540: SESeal { SES_SealInfo, cert, signAlgID, signedValue }.
        auto info = s.read_sequence();
        ASSERT_TRUE(info.ok());
        EXPECT_EQ(info->offset(), 4u);
        EXPECT_EQ(info->raw().size(), 4u + 16389u);  // the signed bytes (spec §1.3)
        Reader i = info->children();
        auto header = i.read_sequence();
        ASSERT_TRUE(header.ok());
        Reader h = header->children();
        EXPECT_EQ(h.read_ia5_string().value(), "ES");
        EXPECT_EQ(h.read_int64().value(), 4);
        EXPECT_EQ(h.read_ia5_string().value(), "OFDR&WTest");
        EXPECT_TRUE(h.expect_end().ok());
        EXPECT_EQ(i.read_ia5_string().value(), "51f044b76510434e9bc67a1185c2fba5");

        auto property = i.read_sequence();
        ASSERT_TRUE(property.ok());
        Reader p = property->children();
        EXPECT_EQ(p.read_int64().value(), 3);
        EXPECT_EQ(p.read_utf8_string().value(), "OFD R&W \xe6\xb5\x8b\xe8\xaf\x95\xe7\x94\xa8\xe5\x8d\xb0\xe7\xab\xa0");
        EXPECT_EQ(p.read_int64().value(), 1);  // certListType 1: certificates
        auto cert_list = p.read_sequence();
        ASSERT_TRUE(cert_list.ok());
        Reader cl = cert_list->children();
        auto signer_cert = cl.read_octet_string();
        ASSERT_TRUE(signer_cert.ok());
        EXPECT_TRUE(cl.expect_end().ok());
        // The certificate inside is strict DER.
        auto cert = read_single(*signer_cert, ReaderOptions::der());
        ASSERT_TRUE(cert.ok()) << cert.error().to_string();
        EXPECT_EQ(to_unix(p.read_time().value()), 1587521340);  // createDate 20200422020900Z
        EXPECT_TRUE(p.read_generalized_time().ok());
        EXPECT_TRUE(p.read_generalized_time().ok());
        EXPECT_TRUE(p.expect_end().ok());

        auto picture = i.read_sequence();
        ASSERT_TRUE(picture.ok());
        Reader pic = picture->children();
        EXPECT_EQ(pic.read_ia5_string().value(), "PNG");
        EXPECT_EQ(pic.read_octet_string()->size(), 15693u);
        EXPECT_EQ(pic.read_int64().value(), 40);
        EXPECT_EQ(pic.read_int64().value(), 40);
        EXPECT_TRUE(i.expect_end().ok());  // no extDatas

        auto maker = s.read_octet_string();
        ASSERT_TRUE(maker.ok());
        EXPECT_TRUE(read_single(*maker, ReaderOptions::der()).ok());
        EXPECT_EQ(s.read_oid().value(), oids::sm2_with_sm3);
        auto sig = s.read_bit_string();
        ASSERT_TRUE(sig.ok());
        EXPECT_TRUE(sig->octet_aligned());
        EXPECT_EQ(sig->bytes.size(), 71u);
        EXPECT_TRUE(s.expect_end().ok());
    }
}

TEST_F(Interop, HebeiGedeSealWithExplicitCriticalFlags) {
    Bytes file = read_file(YINXIN_SHARED_DIR "/interop/ofdrw/SESealData.DER");
    Reader top(file, ReaderOptions::ber());
    auto seal = top.read_sequence();
    ASSERT_TRUE(seal.ok()) << seal.error().to_string();
    EXPECT_EQ(seal->raw().size(), file.size());
    Reader s = seal->children();
    auto info = s.read_sequence().value();
    EXPECT_EQ(info.raw().size(), 4u + 7539u);
    Reader i = info.children();
    Reader h = i.read_sequence().value().children();
    EXPECT_EQ(h.read_ia5_string().value(), "ES");
    EXPECT_EQ(h.read_int64().value(), 4);
    EXPECT_EQ(h.read_ia5_string().value(), "Vid HebeiGede");
    EXPECT_EQ(i.read_ia5_string().value(), "esID130600");
    ASSERT_TRUE(i.skip().ok());  // property
    ASSERT_TRUE(i.skip().ok());  // picture
    // extDatas: ExtData { extnID, critical BOOLEAN (explicit, also FALSE), extnValue }.
    auto ext_datas = i.read_sequence();
    ASSERT_TRUE(ext_datas.ok());
    Reader ed = ext_datas->children();
    std::vector<bool> critical;
    while (!ed.at_end()) {
        Reader x = ed.read_sequence().value().children();
        auto oid = x.read_oid().value();
        EXPECT_TRUE(oid.starts_with(Oid::from_string("1.2.156.112600.7").value())) << oid.to_string();
        auto crit = x.read_optional(tags::boolean).value();
        ASSERT_TRUE(crit.has_value());
        critical.push_back(crit->as_boolean().value());
        EXPECT_TRUE(x.read_octet_string().ok());
        EXPECT_TRUE(x.expect_end().ok());
    }
    EXPECT_EQ(critical, (std::vector<bool>{false, true, false}));
    EXPECT_TRUE(i.expect_end().ok());
    EXPECT_TRUE(s.read_octet_string().ok());  // maker certificate
    EXPECT_EQ(s.read_oid().value(), oids::sm2_with_sm3);
    EXPECT_TRUE(s.read_bit_string().ok());
    EXPECT_TRUE(s.expect_end().ok());
}

TEST_F(Interop, EverySealFileWalksLeniently) {
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(ofdrw_dir)) {
        std::string ext = entry.path().extension().string();
        if (ext != ".esl" && ext != ".dat" && ext != ".DER") continue;
        Bytes file = read_file(entry.path().string());
        WalkStats st;
        Status s = walk_all(file, ReaderOptions::ber(), st);
        EXPECT_TRUE(s.ok()) << entry.path() << ": " << s.error().to_string();
        EXPECT_GT(st.elements, 20u) << entry.path();
        // The whole file is one SEQUENCE.
        auto one = read_single(file, ReaderOptions::ber());
        EXPECT_TRUE(one.ok()) << entry.path();
        // These samples are also strict DER (explicit `critical FALSE` included, see the reader).
        WalkStats strict;
        Status sd = walk_all(file, ReaderOptions::der(), strict);
        EXPECT_TRUE(sd.ok()) << entry.path() << ": " << sd.error().to_string();
        EXPECT_EQ(strict.elements, st.elements);
        ++files;
    }
    EXPECT_GE(files, 7u);
}

TEST_F(Interop, Pkcs12WithIndefiniteLengths) {
    // ofdrw's USER.p12 (spec §2) is BER: indefinite lengths and constructed OCTET STRINGs.
    Bytes file = read_file(YINXIN_SHARED_DIR "/interop/ofdrw/USER.p12");
    EXPECT_EQ(read_single(file, ReaderOptions::der()).code(), Errc::asn1_not_der);
    WalkStats st;
    Status s = walk_all(file, ReaderOptions::ber(), st);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    auto pfx = read_single(file, ReaderOptions::ber());
    ASSERT_TRUE(pfx.ok());
    EXPECT_EQ(pfx->raw().size(), file.size());
    Reader r = pfx->children();
    EXPECT_EQ(r.read_int64().value(), 3);  // PFX version (RFC 7292 4)
    // authSafe ContentInfo { data, [0] EXPLICIT OCTET STRING (constructed, 2 segments) }.
    Reader ci = r.read_sequence().value().children();
    EXPECT_EQ(ci.read_oid().value(), oids::pkcs7_data);
    auto content = ci.read_context_explicit(0);
    ASSERT_TRUE(content.ok());
    EXPECT_TRUE(content->tag().constructed);
    EXPECT_TRUE(content->indefinite());
    auto octets = content->octet_string_bytes();
    ASSERT_TRUE(octets.ok()) << octets.error().to_string();
    EXPECT_EQ(octets->size(), 1000u + 66u);
    // The concatenation is itself BER: AuthenticatedSafe ::= SEQUENCE OF ContentInfo.
    WalkStats inner;
    EXPECT_TRUE(walk_all(*octets, ReaderOptions::ber(), inner).ok());
    EXPECT_TRUE(read_single(*octets, ReaderOptions::ber()).ok());
}

TEST(InteropOpenSsl, StreamedCmsIsBer) {
    Bytes ber = read_file(testing::data_path("openssl_cms_stream.ber"));
    Bytes der = read_file(testing::data_path("openssl_cms.der"));
    WalkStats st_ber, st_der;
    ASSERT_TRUE(walk_all(ber, ReaderOptions::ber(), st_ber).ok());
    ASSERT_TRUE(walk_all(der, ReaderOptions::der(), st_der).ok());
    EXPECT_EQ(walk_all(ber, ReaderOptions::der(), st_ber).code(), Errc::asn1_not_der);

    // ContentInfo { contentType, [0] EXPLICIT SignedData { version, digestAlgorithms,
    // encapContentInfo { eContentType, [0] EXPLICIT OCTET STRING } ... } } (RFC 5652 5.1-5.2).
    auto econtent = [](BytesView in, ReaderOptions o) -> Result<Bytes> {
        Reader r(in, o);
        YX_ASSIGN_OR_RETURN(Element ci, r.read_sequence());
        YX_TRY(r.expect_end());
        Reader c = ci.children();
        YX_ASSIGN_OR_RETURN(Oid type, c.read_oid());
        if (type != oids::pkcs7_signed_data) return make_error(Errc::internal, "type");
        YX_ASSIGN_OR_RETURN(Element sd, c.read_context_explicit(0));
        Reader s = sd.children();
        YX_ASSIGN_OR_RETURN(std::int64_t version, s.read_int64());
        if (version != 1) return make_error(Errc::internal, "version");
        YX_TRY(s.read_set());
        YX_ASSIGN_OR_RETURN(Element eci, s.read_sequence());
        Reader e = eci.children();
        YX_ASSIGN_OR_RETURN(Oid ctype, e.read_oid());
        if (ctype != oids::pkcs7_data) return make_error(Errc::internal, "ctype");
        YX_ASSIGN_OR_RETURN(Element content, e.read_context_explicit(0));
        return content.octet_string_bytes();
    };
    EXPECT_EQ(to_string(econtent(ber, ReaderOptions::ber()).value()), "hello asn1");
    EXPECT_EQ(to_string(econtent(der, ReaderOptions::der()).value()), "hello asn1");

    // The top element of the streamed file spans exactly its bytes, end-of-contents included.
    auto top = read_single(ber, ReaderOptions::ber());
    ASSERT_TRUE(top.ok());
    EXPECT_TRUE(top->indefinite());
    EXPECT_EQ(top->raw().size(), ber.size());
    EXPECT_EQ(top->content().size(), ber.size() - 4);
}

TEST(InteropOpenSsl, CertificateIsStrictDer) {
    Bytes cert = read_file(testing::data_path("openssl_ec_cert.der"));
    WalkStats st;
    ASSERT_TRUE(walk_all(cert, ReaderOptions::der(), st).ok());
    auto c = read_single(cert).value();
    Reader r = c.children();
    auto tbs = r.read_sequence().value();
    Reader t = tbs.children();
    EXPECT_EQ(t.read_context_explicit(0)->as_int64().value(), 2);  // v3
    EXPECT_TRUE(t.read_integer()->magnitude().ok());
    Reader alg = t.read_sequence().value().children();
    EXPECT_EQ(alg.read_oid().value(), oids::ecdsa_with_sha256);
    Reader issuer = t.read_sequence().value().children();
    Reader rdn = issuer.read_set().value().children();
    Reader atv = rdn.read_sequence().value().children();
    EXPECT_EQ(atv.read_oid().value(), oids::at_common_name);
    EXPECT_EQ(atv.read_string().value(), "Yinxin asn1 test");
    Reader validity = t.read_sequence().value().children();
    auto nb = validity.read_time().value();
    auto na = validity.read_time().value();
    EXPECT_LT(nb, na);
}

}  // namespace
}  // namespace yinxin::asn1
