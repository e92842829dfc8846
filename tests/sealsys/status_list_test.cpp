// The seal status publishing system (LD/T 01.1-2022 §6, §8.3): status per seal code (valid, lost,
// cancelled, and expired computed from the validity), and the signed seal revocation list —
// verified by our verify_revocation_list and, independently, by BouncyCastle (bc/SrlCheck.java).
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "sealsys_fixture.h"
#include "support/test_support.h"
#include "yinxin/asn1/writer.h"

namespace yinxin::sealsys::test {
namespace {

class StatusList : public SealSystemFixture {
protected:
    void revoke(const SealRecord& seal, LifecycleKind kind, const std::string& reason) {
        NewLifecycleRequest in;
        in.kind = kind;
        in.seal_code = seal.seal_code;
        in.reason = reason;
        in.materials = materials(required_lifecycle_materials(kind));
        auto r = registry->request_lifecycle(as("op2"), in);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        YX_ASSERT_OK(registry->approve_lifecycle(as("apv"), r->id, sign("apv", "approve", *r)));
        YX_ASSERT_OK(registry->execute_lifecycle(as("op1"), r->id));
    }
};

TEST_F(StatusList, StatusPerSealCode) {
    NewApplication in = application(Delivery::token, "短期章");
    in.validity_days = 10;
    auto a = registry->submit(as("zhang"), in);
    YX_ASSERT_OK(a);
    YX_ASSERT_OK(registry->approve(as("apv"), a->id, sign("apv", "approve", *a)));
    auto short_lived = registry->make(as("op1"), a->id);
    YX_ASSERT_OK(short_lived);
    const SealRecord lost = made_seal(Delivery::token, "遗失章");
    const SealRecord cancelled = made_seal(Delivery::central, "注销章");
    m_clock.advance(std::chrono::hours(1));
    revoke(lost, LifecycleKind::loss, "遗失");
    revoke(cancelled, LifecycleKind::cancel, "注销");

    auto st = registry->seal_status(short_lived->seal_code);
    YX_ASSERT_OK(st);
    EXPECT_EQ(st->status, SealStatus::valid);
    EXPECT_EQ(st->changed_at, short_lived->changed_at);
    st = registry->seal_status(lost.seal_code);
    YX_ASSERT_OK(st);
    EXPECT_EQ(st->status, SealStatus::lost);
    EXPECT_EQ(st->changed_at, m_clock.now());
    st = registry->seal_status(cancelled.seal_code);
    YX_ASSERT_OK(st);
    EXPECT_EQ(st->status, SealStatus::cancelled);
    // Expired: computed from the validity, the time of the change is the end of validity.
    m_clock.advance(std::chrono::hours(24 * 11));
    st = registry->seal_status(short_lived->seal_code);
    YX_ASSERT_OK(st);
    EXPECT_EQ(st->status, SealStatus::expired);
    EXPECT_EQ(st->changed_at, short_lived->valid_to);
    YX_EXPECT_CODE(registry->seal_status("37010099999999"), Errc::seal_not_found);
    YX_EXPECT_CODE(registry->seal_status("garbage"), Errc::seal_not_found);
}

TEST_F(StatusList, SignedRevocationListVerifiesHereAndWithBouncyCastle) {
    ASSERT_TRUE(yinxin::test::bouncycastle_available());
    const SealRecord valid = made_seal(Delivery::token, "有效章");
    const SealRecord lost = made_seal(Delivery::token, "遗失章");
    const SealRecord cancelled = made_seal(Delivery::central, "注销章");
    auto empty = registry->revocation_list();
    YX_ASSERT_OK(empty);
    // Cached while nothing changes.
    m_clock.advance(std::chrono::minutes(5));
    auto same = registry->revocation_list();
    YX_ASSERT_OK(same);
    EXPECT_EQ(*same, *empty);
    revoke(lost, LifecycleKind::loss, "载体遗失");
    revoke(cancelled, LifecycleKind::cancel, "单位撤销");
    auto der = registry->revocation_list();
    YX_ASSERT_OK(der);
    EXPECT_NE(*der, *empty);

    const x509::Certificate root = ca_cert("demo-seal-root");
    auto v = verify_revocation_list(*der, {root}, m_clock.now());
    YX_ASSERT_OK(v);
    EXPECT_TRUE(v->current);
    EXPECT_EQ(v->signer.serial_hex(), registry->status_certificate().serial_hex());
    EXPECT_EQ(v->list.issuer, "济南市人社电子印章系统 电子印章状态发布系统");
    EXPECT_EQ(v->list.next_update - v->list.this_update, std::chrono::hours(24));
    ASSERT_EQ(v->list.entries.size(), 2u);
    EXPECT_EQ(v->list.entries[0].seal_code, lost.seal_code);
    EXPECT_EQ(v->list.entries[0].status, SealStatus::lost);
    EXPECT_NE(v->list.entries[0].reason.find("载体遗失"), std::string::npos);
    EXPECT_EQ(v->list.entries[1].seal_code, cancelled.seal_code);
    EXPECT_EQ(v->list.entries[1].status, SealStatus::cancelled);
    EXPECT_EQ(v->list.entries[1].date, std::chrono::floor<std::chrono::seconds>(m_clock.now()));
    // As a status source for online verification.
    RevocationListStatusSource source(v->list);
    EXPECT_EQ(source.seal_status(lost.seal_code)->status, SealStatus::lost);
    EXPECT_EQ(source.seal_status(valid.seal_code)->status, SealStatus::valid);
    YX_EXPECT_CODE(source.seal_status("12"), Errc::seal_not_found);

    // Past nextUpdate it still verifies, as not current.
    auto stale = verify_revocation_list(*der, {root}, m_clock.now() + std::chrono::hours(25));
    YX_ASSERT_OK(stale);
    EXPECT_FALSE(stale->current);
    // Another trust anchor, a flipped byte in the content: refused.
    YX_EXPECT_CODE(verify_revocation_list(*der, {ca_cert("demo-root")}, m_clock.now()), Errc::seal_bad_sync_message);
    Bytes tampered = *der;
    const std::string code = lost.seal_code;
    const auto at = std::search(tampered.begin(), tampered.end(), code.begin(), code.end());
    ASSERT_NE(at, tampered.end());
    *(at + 13) = static_cast<std::uint8_t>(*(at + 13) == '9' ? '8' : '9');
    YX_EXPECT_CODE(verify_revocation_list(tampered, {root}, m_clock.now()), Errc::seal_bad_sync_message);
    YX_EXPECT_CODE(verify_revocation_list(to_bytes("not DER"), {root}, m_clock.now()), Errc::seal_bad_sync_message);

    // BouncyCastle: the CMS signature (SM3withSM2, default ID), the signer certificate under the
    // seal root, and the content read with BC's ASN.1 classes.
    yinxin::test::ScratchDir dir;
    yinxin::test::write_file(dir / "list.p7", *der);
    yinxin::test::write_file(dir / "root.der", root.der());
    const std::vector<std::string> argv{std::string(yinxin::test::k_java),
                                        "-cp",
                                        yinxin::test::bouncycastle_classpath(YX_SEALSYS_CLASS_DIR),
                                        "SrlCheck",
                                        (dir / "list.p7").string(),
                                        (dir / "root.der").string()};
    auto r = yinxin::test::run_process(argv);
    ASSERT_EQ(r.exit_code, 0) << yinxin::test::describe(argv, r);
    std::istringstream lines(r.output);
    std::string line;
    ASSERT_TRUE(std::getline(lines, line));
    const std::string head = "OK 1 " + std::to_string(to_unix(v->list.this_update)) + " " +
                             std::to_string(to_unix(v->list.next_update)) + " 2 " + v->list.issuer;
    EXPECT_EQ(line, head) << r.output;
    ASSERT_TRUE(std::getline(lines, line));
    EXPECT_EQ(line.rfind("ENTRY " + lost.seal_code + " 1 ", 0), 0u) << line;
    ASSERT_TRUE(std::getline(lines, line));
    EXPECT_EQ(line.rfind("ENTRY " + cancelled.seal_code + " 2 " + std::to_string(to_unix(v->list.entries[1].date)), 0),
              0u)
        << line;
    // And BouncyCastle refuses the tampered list.
    yinxin::test::write_file(dir / "tampered.p7", tampered);
    auto t = yinxin::test::run_process({std::string(yinxin::test::k_java), "-cp",
                                        yinxin::test::bouncycastle_classpath(YX_SEALSYS_CLASS_DIR), "SrlCheck",
                                        (dir / "tampered.p7").string(), (dir / "root.der").string()});
    EXPECT_EQ(t.output.rfind("FAIL", 0), 0u) << t.output;
}

TEST_F(StatusList, ListCodecRefusesWhatItDoesNotDefine) {
    SealRevocationList list;
    list.issuer = "test";
    list.this_update = m_clock.now();
    list.next_update = m_clock.now() + std::chrono::hours(1);
    list.entries.push_back({"37010000000001", SealStatus::lost, m_clock.now(), "遗失"});
    auto der = encode_revocation_list(list);
    YX_ASSERT_OK(der);
    auto back = decode_revocation_list(*der);
    YX_ASSERT_OK(back);
    EXPECT_EQ(back->entries.size(), 1u);
    EXPECT_EQ(back->entries[0].reason, "遗失");
    list.entries[0].status = SealStatus::expired;
    YX_EXPECT_CODE(encode_revocation_list(list), Errc::seal_bad_sync_message);
    list.entries[0].status = SealStatus::cancelled;
    list.entries[0].seal_code = "3701000000001";
    YX_EXPECT_CODE(encode_revocation_list(list), Errc::seal_bad_sync_message);
    // An unknown status number and trailing data are refused.
    asn1::Writer w;
    w.sequence([&](asn1::Writer& s) {
        s.integer(1).utf8_string("x").generalized_time(m_clock.now()).generalized_time(m_clock.now());
        s.sequence([&](asn1::Writer& seq) {
            seq.sequence([&](asn1::Writer& e) {
                e.printable_string("37010000000001").enumerated(7).generalized_time(m_clock.now()).utf8_string("");
            });
        });
    });
    YX_EXPECT_CODE(decode_revocation_list(w.finish().value()), Errc::seal_bad_sync_message);
    Bytes extra = *der;
    extra.push_back(0);
    YX_EXPECT_CODE(decode_revocation_list(extra), Errc::seal_bad_sync_message);
}

}  // namespace
}  // namespace yinxin::sealsys::test
