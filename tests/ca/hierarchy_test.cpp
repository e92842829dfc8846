// The CA hierarchy (hierarchy.h): the demo ceremony from one config, idempotent re-runs, an
// external CA certified outside and imported, key changeover with link certificates, CRL signing
// after retirement, the ceremony config parser, and the no-private-key-in-clear scan.
#include "yinxin/ca/hierarchy.h"

#include <gtest/gtest.h>

#include <set>

#include "ca_test_util.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/x509/builder.h"
#include "yinxin/x509/path.h"

namespace yinxin::ca::test {
namespace {

using yinxin::test::contains;
using yinxin::test::data_path;
using yinxin::test::read_file_or_empty;

class HierarchyTest : public CaFixture {
protected:
    // The "national root" that certifies the external CA outside Yinxin.
    struct OutsideRoot {
        crypto::Sm2PrivateKey key = crypto::Sm2PrivateKey::generate().value();
        x509::Certificate cert = make_root(key);

        static x509::Certificate make_root(const crypto::Sm2PrivateKey& k) {
            const auto name =
                x509::Name::build({{"C", "CN"}, {"O", "National Test Authority"}, {"CN", "National Test Root"}})
                    .value();
            x509::TbsCertificateBuilder b;
            b.serial(Bytes{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x11})
                .issuer(name)
                .subject(name)
                .validity(t0() - std::chrono::days(30), t0() + std::chrono::days(7305))
                .public_key(k.public_key())
                .basic_constraints({.ca = true, .path_len = std::nullopt})
                .key_usage(x509::KeyUsage::of({x509::KeyUsageBit::key_cert_sign, x509::KeyUsageBit::crl_sign}))
                .subject_key_identifier_from_key();
            return b.sign_with(k).value();
        }

        // Certifies a CSR "outside": what the national authority does with the CSR we send it.
        Bytes certify(BytesView csr_der, std::optional<crypto::Sm2PublicKey> override_key = std::nullopt) const {
            auto csr = x509::CertificationRequest::parse(csr_der).value();
            EXPECT_TRUE(csr.verify_pop().ok());
            x509::TbsCertificateBuilder b;
            b.serial(Bytes{0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88})
                .issuer(cert.subject())
                .subject(csr.subject())
                .validity(t0() - std::chrono::days(1), t0() + std::chrono::days(3650));
            if (override_key)
                b.public_key(*override_key);
            else
                b.public_key(csr.public_key_info());
            b.basic_constraints({.ca = true, .path_len = 0})
                .key_usage(x509::KeyUsage::of({x509::KeyUsageBit::digital_signature, x509::KeyUsageBit::key_cert_sign,
                                               x509::KeyUsageBit::crl_sign}))
                .subject_key_identifier_from_key()
                .authority_key_identifier(cert.extensions().subject_key_identifier().value());
            auto c = b.sign_with(key).value();
            return Bytes(c.der().begin(), c.der().end());
        }
    };
};

TEST_F(HierarchyTest, DemoCeremonyBuildsTheHierarchyAndRecordsEverySteps) {
    auto result = run_demo();
    // root, sub and seal root registered; the external CA waits for its certificate.
    ASSERT_EQ(result.created.size(), 3u);
    ASSERT_EQ(result.csrs.size(), 1u);
    EXPECT_EQ(result.csrs[0].first, "demo-external");
    auto cas = m_store->list_cas().value();
    EXPECT_EQ(cas.size(), 3u);

    auto root = m_store->get_ca("demo-root").value();
    auto sub = m_store->get_ca("demo-sub").value();
    auto seal = m_store->get_ca("demo-seal-root").value();
    EXPECT_EQ(root.kind, CaKind::root);
    EXPECT_EQ(sub.kind, CaKind::sub);
    EXPECT_EQ(sub.parent_id, "demo-root");
    EXPECT_EQ(seal.kind, CaKind::seal_root);
    EXPECT_EQ(root.key.backend, "soft");
    EXPECT_EQ(root.key.label, "demo-root");

    const auto root_cert = ca_cert("demo-root");
    const auto sub_cert = ca_cert("demo-sub");
    const auto seal_cert = ca_cert("demo-seal-root");
    EXPECT_EQ(root.subject_dn, "CN=Yinxin Demo SM2 Root CA,O=Yinxin Demo,C=CN");
    EXPECT_TRUE(root_cert.verify_signature_with(root_cert.public_key_info()).ok());
    EXPECT_TRUE(seal_cert.verify_signature_with(seal_cert.public_key_info()).ok());
    EXPECT_TRUE(sub_cert.verify_signature_with(root_cert.public_key_info()).ok());
    EXPECT_EQ(sub_cert.extensions().basic_constraints()->path_len, std::optional<std::uint32_t>(0));
    EXPECT_EQ(sub_cert.subject().get(asn1::oids::at_organizational_unit).value_or(""), "Issuing");
    // The device holds the CA keys: the registry's public keys are the device's.
    EXPECT_EQ(m_device->find_key("demo-root").value().public_key, root_cert.public_key_info().der());
    EXPECT_EQ(m_device->find_key("demo-sub").value().public_key, sub_cert.public_key_info().der());

    // The sub CA certificate went through the issuer: persisted under the root, request id named.
    auto rows = all_certificates("demo-root");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].status, CertificateStatus::issued);
    EXPECT_EQ(rows[0].certificate_der, sub.certificate_der);
    EXPECT_EQ(rows[0].request_id, "ceremony:demo-sub");
    // The self-signed serials are reserved.
    EXPECT_EQ(m_store->reserve_serial("demo-root", root_cert.serial()).code(), Errc::store_duplicate_serial);

    // Every step is recorded and reported for the audit log.
    std::set<std::string> actions;
    for (const auto& s : result.steps) actions.insert(s.action);
    for (const char* a : {"key.generate", "certificate.sign", "ca.register", "csr.write"})
        EXPECT_TRUE(actions.count(a)) << a;
    for (std::size_t i = 0; i < result.steps.size(); ++i) EXPECT_EQ(result.steps[i].number, static_cast<int>(i) + 1);
    std::size_t step_events = 0;
    for (const auto& e : m_events) step_events += e.action == "ca.ceremony.step";
    EXPECT_EQ(step_events, result.steps.size());

    // The same config file in tests/data/ca parses to the same CAs.
    auto file = CeremonyConfig::load_file(data_path("ca/demo-ceremony.json"));
    ASSERT_TRUE(file.ok()) << file.error().to_string();
    ASSERT_EQ(file->cas.size(), 4u);
    EXPECT_EQ(file->cas[1].parent_id, "demo-root");
}

TEST_F(HierarchyTest, CeremonyIsIdempotent) {
    auto first = run_demo();
    const auto root_der = m_store->get_ca("demo-root").value().certificate_der;
    const auto keys_before = m_device->list_keys().value().size();
    auto second = run_demo();
    EXPECT_TRUE(second.created.empty());
    std::size_t skipped = 0;
    for (const auto& s : second.steps) skipped += s.action == "ca.exists";
    EXPECT_EQ(skipped, 3u);
    EXPECT_EQ(m_store->get_ca("demo-root").value().certificate_der, root_der);
    EXPECT_EQ(m_device->list_keys().value().size(), keys_before) << "no new key on a re-run";
    EXPECT_EQ(all_certificates("demo-root").size(), 1u) << "no second sub CA certificate";
    // The external CA's CSR is written again for the same key.
    ASSERT_EQ(second.csrs.size(), 1u);
    auto a = x509::CertificationRequest::parse(first.csrs[0].second).value();
    auto b = x509::CertificationRequest::parse(second.csrs[0].second).value();
    EXPECT_EQ(a.public_key_info().der(), b.public_key_info().der());
}

TEST_F(HierarchyTest, CeremonyResumesAfterAnInterruption) {
    // A crash after the root's key was generated and before it was registered: the re-run reuses
    // the key rather than failing on the label or making a second one.
    auto gen = m_device->generate_key_pair(device::KeyAlgorithm::sm2, "demo-root", k_key_pin);
    ASSERT_TRUE(gen.ok());
    auto result = run_demo();
    ASSERT_EQ(result.created.size(), 3u);
    EXPECT_EQ(ca_cert("demo-root").public_key_info().der(), gen->key.public_key);
    bool reused = false;
    for (const auto& s : result.steps) reused |= s.action == "key.reuse" && s.ca_id == "demo-root";
    EXPECT_TRUE(reused);
}

TEST_F(HierarchyTest, ExternalCaIsImportedAndIssues) {
    auto result = run_demo();
    ASSERT_EQ(result.csrs.size(), 1u);
    OutsideRoot national;
    auto ctx = context();

    // A certificate for another key is refused.
    auto stranger = crypto::Sm2PrivateKey::generate().value();
    m_subject_keys.push_back(stranger);
    EXPECT_EQ(import_external_certificate("demo-external",
                                          national.certify(result.csrs[0].second, stranger.public_key()), ctx)
                  .code(),
              Errc::ca_key_mismatch);
    // The outside root's own certificate certifies another key.
    EXPECT_EQ(import_external_certificate("demo-external", national.cert.der(), ctx).code(), Errc::ca_key_mismatch);
    EXPECT_EQ(import_external_certificate("demo-external", Bytes{0x30, 0x00}, ctx).code(), Errc::x509_bad_encoding);

    const Bytes der = national.certify(result.csrs[0].second);
    auto rec = import_external_certificate("demo-external", der, ctx);
    ASSERT_TRUE(rec.ok()) << rec.error().to_string();
    EXPECT_EQ(rec->kind, CaKind::external);
    EXPECT_EQ(rec->name, "Yinxin Demo Externally Certified CA");
    // Importing the same certificate again is a no-op.
    EXPECT_TRUE(import_external_certificate("demo-external", der, ctx).ok());

    // The external CA issues, and its chain ends at the outside root.
    auto iss = issuer();
    IssueRequest req;
    req.ca_id = "demo-external";
    req.profile_id = "organisation-sign";
    req.csr = make_csr({{"C", "CN"}, {"O", "Org"}, {"CN", "org"}});
    req.data = request_data(*profiles().find("organisation-sign").value());
    req.data.validity_days = 365;
    auto leaf = iss.issue(req);
    ASSERT_TRUE(leaf.ok()) << leaf.error().to_string();
    auto leaf_cert = x509::Certificate::parse(leaf->certificate_der).value();
    auto path =
        x509::validate_path(leaf_cert, {ca_cert("demo-external")}, {national.cert}, t0() + std::chrono::hours(1));
    EXPECT_TRUE(path.ok()) << path.status().error().to_string();
}

// Key changeover of the root (SHECA CPS; RFC 4210 4.4).
TEST_F(HierarchyTest, RootRolloverLinksOldAndNewWorlds) {
    run_demo();
    auto iss = issuer();
    // A certificate of the old world.
    IssueRequest req;
    req.ca_id = "demo-sub";
    req.profile_id = "personnel-sign";
    req.csr = make_csr({{"C", "CN"}, {"CN", "old world"}});
    req.data = request_data(*profiles().find("personnel-sign").value());
    req.data.validity_days = 1000;  // still valid after the changeover 400 days later
    auto old_leaf_r = iss.issue(req);
    ASSERT_TRUE(old_leaf_r.ok()) << old_leaf_r.error().to_string();
    const auto old_leaf = x509::Certificate::parse(old_leaf_r->certificate_der).value();
    const auto old_root = ca_cert("demo-root");
    const auto old_sub = ca_cert("demo-sub");

    m_clock.advance(std::chrono::days(400));
    auto ctx = context();
    auto ro = rollover("demo-root", "demo-root-2", ctx, demo_config().publication);
    ASSERT_TRUE(ro.ok()) << ro.error().to_string();
    EXPECT_EQ(ro->new_ca.id, "demo-root-2");
    EXPECT_EQ(ro->new_ca.kind, CaKind::root);
    EXPECT_EQ(m_store->get_ca("demo-root").value().status, CaStatus::retired);

    const auto nwn = x509::Certificate::parse(ro->new_with_new).value();
    const auto nwo = x509::Certificate::parse(ro->new_with_old).value();
    const auto own = x509::Certificate::parse(ro->old_with_new).value();
    const auto& old_key = old_root.public_key_info();
    const auto& new_key = nwn.public_key_info();
    EXPECT_NE(old_key.der(), new_key.der());
    // NewWithNew: self-signed by the new key, same name (RFC 4210 4.4).
    EXPECT_TRUE(nwn.verify_signature_with(new_key).ok());
    EXPECT_EQ(nwn.subject(), old_root.subject());
    // NewWithOld: the new key under the old one.
    EXPECT_EQ(nwo.public_key_info().der(), new_key.der());
    EXPECT_TRUE(nwo.verify_signature_with(old_key).ok());
    EXPECT_FALSE(nwo.verify_signature_with(new_key).ok());
    // OldWithNew: the old key under the new one.
    EXPECT_EQ(own.public_key_info().der(), old_key.der());
    EXPECT_TRUE(own.verify_signature_with(new_key).ok());
    EXPECT_FALSE(own.verify_signature_with(old_key).ok());
    // Link certificates live no longer than the old key.
    EXPECT_LE(nwo.not_after(), old_root.not_after());
    EXPECT_LE(own.not_after(), old_root.not_after());
    // Persisted like any issuance: NewWithOld under the old CA, OldWithNew under the new one.
    EXPECT_TRUE(m_store->certificate_by_serial("demo-root", nwo.serial()).ok());
    EXPECT_TRUE(m_store->certificate_by_serial("demo-root-2", own.serial()).ok());

    const TimePoint now = m_clock.now() + std::chrono::hours(1);
    // Old world: old leaf → old sub → old root; and for a relying party that trusts only the new
    // root, via OldWithNew.
    EXPECT_TRUE(x509::validate_path(old_leaf, {old_sub}, {old_root}, now).ok());
    auto via_own = x509::validate_path(old_leaf, {old_sub, own}, {nwn}, now);
    EXPECT_TRUE(via_own.ok()) << via_own.status().error().to_string();

    // New world: a new sub CA under the new root, a leaf under it.
    auto cfg = CeremonyConfig::parse(R"json({"cas": [{"id": "demo-sub-2", "kind": "sub", "parent": "demo-root-2",
        "subject": [["C", "CN"], ["O", "Yinxin Demo"], ["CN", "Yinxin Demo SM2 Issuing CA 2"]]}]})json",
                                     "new-sub");
    ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
    cfg->publication = demo_config().publication;
    auto made = run_ceremony(*cfg, ctx);
    ASSERT_TRUE(made.ok()) << made.error().to_string();
    const auto new_sub = ca_cert("demo-sub-2");
    req.ca_id = "demo-sub-2";
    req.csr = make_csr({{"C", "CN"}, {"CN", "new world"}});
    auto new_leaf_r = iss.issue(req);
    ASSERT_TRUE(new_leaf_r.ok()) << new_leaf_r.error().to_string();
    const auto new_leaf = x509::Certificate::parse(new_leaf_r->certificate_der).value();
    EXPECT_TRUE(x509::validate_path(new_leaf, {new_sub}, {nwn}, now).ok());
    // ... and for a relying party that still trusts only the old root, via NewWithOld.
    auto via_nwo = x509::validate_path(new_leaf, {new_sub, nwo}, {old_root}, now);
    EXPECT_TRUE(via_nwo.ok()) << via_nwo.status().error().to_string();

    // BouncyCastle agrees on both cross-world chains (explicit SM3withSM2 checks and PKIX).
    ASSERT_TRUE(yinxin::test::bouncycastle_available());
    const auto bc = bouncycastle_check(m_dir.path(),
                                       {{"old-leaf-via-old-with-new", {old_leaf, old_sub, own, nwn}},
                                        {"new-leaf-via-new-with-old", {new_leaf, new_sub, nwo, old_root}},
                                        {"new-leaf-new-root", {new_leaf, new_sub, nwn}},
                                        {"new-with-new", {nwn, nwn}}},
                                       now);
    ASSERT_EQ(bc.size(), 8u);
    for (const auto& line : bc) EXPECT_NE(line.find(" OK"), std::string::npos) << "BouncyCastle: " << line;

    // The old root is retired: no more certificates, but it signs CRLs while its certificates live.
    IssueRequest from_old = req;
    from_old.ca_id = "demo-root";
    from_old.profile_id = "sub-ca";
    EXPECT_EQ(iss.issue(from_old).code(), Errc::ca_retired);
    EXPECT_EQ(rollover("demo-root", "demo-root-3", ctx, demo_config().publication).code(), Errc::ca_retired);
    EXPECT_TRUE(may_sign_crls("demo-root", stores(), now).value());
    EXPECT_TRUE(may_sign_crls("demo-root-2", stores(), now).value());
    // The old root's last certificates (the sub CA, NewWithOld) end with it.
    EXPECT_TRUE(may_sign_crls("demo-root", stores(), old_root.not_after() - std::chrono::hours(1)).value());
    EXPECT_FALSE(may_sign_crls("demo-root", stores(), old_root.not_after() + std::chrono::hours(1)).value());
    EXPECT_EQ(may_sign_crls("nope", stores(), now).code(), Errc::ca_not_found);

    bool rollover_event = false;
    for (const auto& e : m_events) rollover_event |= e.action == "ca.rollover" && e.ca_id == "demo-root-2";
    EXPECT_TRUE(rollover_event);
}

TEST_F(HierarchyTest, SubCaRollover) {
    run_demo();
    auto ctx = context();
    auto ro = rollover("demo-sub", "demo-sub-2027", ctx, demo_config().publication);
    ASSERT_TRUE(ro.ok()) << ro.error().to_string();
    EXPECT_TRUE(ro->new_with_new.empty());
    EXPECT_TRUE(ro->new_with_old.empty());
    EXPECT_EQ(ro->new_ca.parent_id, "demo-root");
    EXPECT_EQ(m_store->get_ca("demo-sub").value().status, CaStatus::retired);
    const auto cert = ca_cert("demo-sub-2027");
    EXPECT_TRUE(cert.verify_signature_with(ca_cert("demo-root").public_key_info()).ok());
    EXPECT_NE(cert.public_key_info().der(), ca_cert("demo-sub").public_key_info().der());
    EXPECT_EQ(cert.subject(), ca_cert("demo-sub").subject());
}

TEST(CeremonyConfig, StrictParsing) {
    auto ok = CeremonyConfig::parse(demo_config_json(), "demo");
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    EXPECT_EQ(ok->cas.size(), 4u);
    EXPECT_EQ(ok->cas[0].profile_id, "root-ca");
    EXPECT_EQ(ok->cas[1].profile_id, "sub-ca");
    EXPECT_EQ(ok->cas[2].profile_id, "seal-root-ca");
    EXPECT_EQ(ok->cas[1].subject[2], (std::pair<std::string, std::string>("OU", "Issuing")));
    EXPECT_EQ(ok->publication.cps_oid->to_string(), "1.2.156.112570.150");

    struct Bad {
        const char* json;
        const char* mentions;
    };
    const Bad bad[] = {
        {"[]", "JSON object"},
        {"{\"cas\": []}", "cas"},
        {R"({"cas": [{"id": "a", "kind": "root", "subject": [["CN", "a"]], "colour": "red"}]})", "colour"},
        {R"({"cas": [{"kind": "root", "subject": [["CN", "a"]]}]})", "'id'"},
        {R"({"cas": [{"id": "a", "kind": "root", "subject": [["CN", "a"]]}, {"id": "a", "kind": "root", "subject": [["CN", "b"]], "key_label": "b"}]})",
         "duplicate id"},
        {R"({"cas": [{"id": "s", "kind": "sub", "parent": "r", "subject": [["CN", "s"]]}, {"id": "r", "kind": "root", "subject": [["CN", "r"]]}]})",
         "later"},
        {R"({"cas": [{"id": "s", "kind": "sub", "subject": [["CN", "s"]]}]})", "'parent'"},
        {R"({"cas": [{"id": "a", "kind": "emperor", "subject": [["CN", "a"]]}]})", "kind"},
        {R"({"cas": [{"id": "a", "kind": "root"}]})", "subject"},
        {R"({"cas": [{"id": "a", "kind": "root", "subject": []}]})", "anonymous"},
        {R"({"cas": [{"id": "a b", "kind": "root", "subject": [["CN", "a"]]}]})", "'id'"},
        {R"({"cas": [{"id": "a", "kind": "root", "subject": [["CN", "a"]], "key_algorithm": "rsa-2048"}]})",
         "sm2 or ecdsa-p256"},
        {R"({"cas": [{"id": "a", "kind": "root", "subject": [["CN", "a"]], "validity_days": -3}]})", "validity_days"},
        {R"({"publication": {"cps_oid": "not.an.oid"}, "cas": [{"id": "a", "kind": "root", "subject": [["CN", "a"]]}]})",
         "cps_oid"},
        {"{not json", "JSON"},
    };
    for (const auto& b : bad) {
        SCOPED_TRACE(b.json);
        auto r = CeremonyConfig::parse(b.json, "t.json");
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.code(), Errc::ca_bad_config);
        EXPECT_NE(r.error().message.find(b.mentions), std::string::npos) << r.error().message;
        EXPECT_EQ(r.error().message.rfind("t.json: ", 0), 0u) << r.error().message;
    }
}

TEST_F(HierarchyTest, SubWithUnknownParentGeneratesNoKey) {
    auto cfg = CeremonyConfig::parse(
        R"({"cas": [{"id": "s", "kind": "sub", "parent": "nowhere", "subject": [["C", "CN"], ["O", "o"], ["CN", "s"]]}]})",
        "t");
    ASSERT_TRUE(cfg.ok());
    auto ctx = context();
    EXPECT_EQ(run_ceremony(*cfg, ctx).code(), Errc::ca_bad_config);
    EXPECT_TRUE(m_device->list_keys().value().empty());
}

// Issue 3 "Checked by": scan the SQLite file and the device store for every generated private key
// in clear. The CA keys never leave the device, so the test cannot know their scalars; what it
// can check (tests/device/store_format_test.cpp proves the device side with the KEK) is that no
// key structure appears in either file, and that none of the in-memory subject keys made here
// (whose scalars it knows) leaked into them through a CSR path.
TEST_F(HierarchyTest, NoPrivateKeyInClearInStoreOrDevice) {
    auto result = run_demo();
    OutsideRoot national;
    auto ctx = context();
    ASSERT_TRUE(import_external_certificate("demo-external", national.certify(result.csrs[0].second), ctx).ok());
    auto iss = issuer();
    for (const char* id : {"personnel-sign", "organisation-sign", "device-sign"}) {
        IssueRequest req;
        req.ca_id = "demo-sub";
        req.profile_id = id;
        req.csr = make_csr({{"C", "CN"}, {"CN", id}});
        req.data = request_data(*profiles().find(id).value());
        ASSERT_TRUE(iss.issue(req).ok());
    }
    auto ro = rollover("demo-root", "demo-root-2", ctx, demo_config().publication);
    ASSERT_TRUE(ro.ok()) << ro.error().to_string();
    const auto keys = m_device->list_keys().value();
    EXPECT_GE(keys.size(), 5u);
    close_all();  // WAL checkpointed into the main files

    Bytes files;
    for (const std::string& p : {store_path(), store_path() + "-wal", device_path(), device_path() + "-wal"}) {
        Bytes b = read_file_or_empty(p);
        files.insert(files.end(), b.begin(), b.end());
    }
    ASSERT_GT(files.size(), 10'000u);
    // The scan sees what was written: every CA public key is there (registry and device).
    for (const auto& k : keys) EXPECT_TRUE(contains(files, k.public_key)) << "public key " << k.label;
    for (std::size_t i = 0; i < m_subject_keys.size(); ++i) {
        const auto scalar = m_subject_keys[i].scalar();
        EXPECT_FALSE(contains(files, BytesView(scalar.data(), scalar.size()))) << "subject key " << i;
    }
    {
        const auto scalar = national.key.scalar();
        EXPECT_FALSE(contains(files, BytesView(scalar.data(), scalar.size())));
    }
    // No PKCS#8 PrivateKeyInfo (RFC 5208: SEQUENCE { INTEGER 0, SEQUENCE { OID id-ecPublicKey ...)
    // and no SEC1 ECPrivateKey (RFC 5915: SEQUENCE { INTEGER 1, OCTET STRING (32) ...), in DER or PEM.
    const Bytes pkcs8_head{0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
    const Bytes sec1_head{0x02, 0x01, 0x01, 0x04, 0x20};
    EXPECT_FALSE(contains(files, pkcs8_head));
    EXPECT_FALSE(contains(files, sec1_head));
    for (std::string_view pem : {"PRIVATE KEY-----", "MIGTAgEAMBMGByqGSM49AgE"})
        EXPECT_FALSE(contains(files, as_bytes(pem))) << pem;
}

}  // namespace
}  // namespace yinxin::ca::test
