// A dual certificate end to end with independent tools: demo-sub issues the signing certificate
// for the holder's own key and the encryption certificate for a KMC-generated key; the holder runs
// `yinxin kmc open-envelope` (a real process) on the SM2EnvelopedKey and on the GM/T 0092
// CSRResponse; BouncyCastle encrypts to the encryption certificate and Yinxin decrypts with the
// recovered key, and BouncyCastle decrypts Yinxin's SM2 ciphertext with the token file the CLI
// wrote. Last, a byte scan of the store, its WAL and the device files for every generated scalar.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sstream>

#include "kmc_fixture.h"
#include "yinxin/crypto/sm2_cipher.h"

namespace yinxin::kmc::test {
namespace {

using yinxin::test::run_process;

class KmcInteropTest : public KmcFixture {
protected:
    yinxin::test::ProcessResult cli(const std::vector<std::string>& args) {
        std::vector<std::string> argv{std::string(yinxin::test::k_yinxin_cli)};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_process(argv);
    }
};

TEST_F(KmcInteropTest, DualCertificateOpenedByTheCliAndCheckedWithBouncyCastle) {
    ASSERT_TRUE(yinxin::test::bouncycastle_available());
    const Holder h = make_holder();
    auto d = m_client->apply(user_info(h));
    YX_ASSERT_OK(d);
    auto enc = issue_for_key("personnel-encrypt", d->respond.ret_public_key);
    ASSERT_TRUE(enc.has_value());

    const std::string envelope = m_dir.file("enc-key.der");
    const std::string response = m_dir.file("csr-response.pem");
    const std::string sign_key = m_dir.file("sign-key.pem");
    const std::string enc_cert = m_dir.file("enc-cert.der");
    yinxin::test::write_file(envelope, d->enveloped_key);
    yinxin::test::write_file(
        response,
        pem_encode("CSR RESPONSE", encode_csr_response(CsrResponse{{h.sign_cert}, d->enveloped_key, {*enc}}).value()));
    yinxin::test::write_file(sign_key, h.sign_key.pkcs8_pem());
    yinxin::test::write_file(enc_cert, enc->der());

    const std::string token = m_dir.file("token.pem");
    auto r = cli({"kmc", "open-envelope", "--envelope", envelope, "--sign-key", sign_key, "--out", token});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    struct stat st {};
    ASSERT_EQ(::stat(token.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto recovered = crypto::Sm2PrivateKey::from_pem(yinxin::test::read_text(token));
    YX_ASSERT_OK(recovered);
    EXPECT_EQ(recovered->public_key().spki_der(), Bytes(enc->public_key_info().der()));

    // An existing token file is not replaced without --force.
    r = cli({"kmc", "open-envelope", "--envelope", envelope, "--sign-key", sign_key, "--out", token});
    EXPECT_NE(r.exit_code, 0) << r.output;
    // The CSRResponse (PEM) gives the same key pair, checked against its encryption certificate.
    const std::string token2 = m_dir.file("token2.pem");
    r = cli({"--json", "kmc", "open-envelope", "--envelope", response, "--sign-key", sign_key, "--out", token2});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("CSRResponse"), std::string::npos) << r.output;
    EXPECT_EQ(crypto::Sm2PrivateKey::from_pem(yinxin::test::read_text(token2))->scalar(), recovered->scalar());
    // Somebody else's signing key does not open it, and nothing is written.
    const std::string stranger_key = m_dir.file("stranger.pem");
    yinxin::test::write_file(stranger_key, crypto::Sm2PrivateKey::generate().value().pkcs8_pem());
    const std::string token3 = m_dir.file("token3.pem");
    r = cli({"kmc", "open-envelope", "--envelope", envelope, "--sign-key", stranger_key, "--out", token3});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("kmc.envelope_invalid"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(token3));
    const std::string garbage = m_dir.file("garbage.der");
    yinxin::test::write_file(garbage, sign_key);
    r = cli({"kmc", "open-envelope", "--envelope", garbage, "--sign-key", sign_key, "--out", token3});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("kmc.bad_message"), std::string::npos) << r.output;

    // BouncyCastle: two encryptions to the certificate, one decryption of Yinxin's ciphertext.
    const Bytes p1 = to_bytes("encrypted by BouncyCastle to the encryption certificate");
    const Bytes p2 = m_os_rng.bytes(200).value();
    const Bytes p3 = to_bytes("加密数据: encrypted by Yinxin with the recovered public key");
    const Bytes yinxin_cipher = crypto::sm2_encrypt(recovered->public_key(), p3).value();
    const std::string in = m_dir.file("bc-in.txt");
    const std::string out = m_dir.file("bc-out.txt");
    yinxin::test::write_file(in, "ENCRYPT " + hex_encode(p1) + "\nENCRYPT " + hex_encode(p2) + "\nDECRYPT " +
                                     hex_encode(yinxin_cipher) + "\n");
    const std::vector<std::string> argv{std::string(yinxin::test::k_java),
                                        "-cp",
                                        yinxin::test::bouncycastle_classpath(YX_KMC_BC_CLASS_DIR),
                                        "KmcCheck",
                                        enc_cert,
                                        token,
                                        in,
                                        out};
    auto bc = run_process(argv);
    ASSERT_EQ(bc.exit_code, 0) << yinxin::test::describe(argv, bc);
    std::istringstream lines(yinxin::test::read_text(out));
    std::string line;
    std::vector<std::vector<std::string>> rows;
    while (std::getline(lines, line)) {
        std::istringstream f(line);
        std::vector<std::string> cols;
        for (std::string c; f >> c;) cols.push_back(c);
        rows.push_back(cols);
    }
    ASSERT_EQ(rows.size(), 4u) << yinxin::test::read_text(out);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"MATCH", "yes"}));
    const Bytes expected[] = {p1, p2};
    for (int i = 0; i < 2; ++i) {
        ASSERT_EQ(rows[1 + i].size(), 3u);
        EXPECT_EQ(rows[1 + i][0], "ENC");
        const Bytes c = hex_decode(rows[1 + i][2]).value();
        auto plain = crypto::sm2_decrypt(*recovered, c, crypto::Sm2CipherFormat::c1c3c2);
        YX_ASSERT_OK(plain);
        EXPECT_EQ(Bytes(plain->begin(), plain->end()), expected[i]);
    }
    EXPECT_EQ(rows[3], (std::vector<std::string>{"DEC", "2", "OK", hex_encode(p3)}));
}

TEST_F(KmcInteropTest, TheCliListsArchivesAndPurgesTheStore) {
    const Holder h = make_holder();
    AppUserInfo u = user_info(h, "王五");
    u.not_after = m_clock.now() + std::chrono::hours(24);
    YX_ASSERT_OK(m_client->apply(u));
    const std::string store = store_path();
    auto r = cli({"kmc", "list", "--store", store, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"state\":\"active\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(hex_encode(u.user_cert_no)), std::string::npos) << r.output;
    const long long expired = to_unix(u.not_after) + 3600;
    r = cli({"kmc", "archive", "--store", store, "--at", std::to_string(expired)});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("archived 1 key"), std::string::npos) << r.output;
    r = cli({"kmc", "purge", "--store", store, "--at", std::to_string(expired), "--retention-days", "30"});
    EXPECT_NE(r.exit_code, 0) << r.output;  // below the one-year floor
    r = cli({"kmc", "purge", "--store", store, "--at", std::to_string(expired + 8LL * 366 * 86400)});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("purged 1 key"), std::string::npos) << r.output;
    r = cli({"kmc", "list", "--store", store, "--state", "purged"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("purged"), std::string::npos) << r.output;
    EXPECT_FALSE(m_kmc_store->find_key("demo-sub", hex_encode(u.user_cert_no)).value()->escrow.size() > 0);
    // Each run is in the audit log under the CLI user's name, the refused purge too.
    std::size_t cli_records = 0;
    for (const auto& rec : audit_records())
        if ((rec.action == "kmc.archive" || rec.action == "kmc.purge") && rec.source == "cli") ++cli_records;
    EXPECT_EQ(cli_records, 3u);
    EXPECT_EQ(count_audit("kmc.purge", false), 1u);
}

TEST_F(KmcInteropTest, NoGeneratedPrivateScalarIsInTheStoreOrTheDeviceFiles) {
    // Keys from the pool and generated on demand, a holder recovery carried out, keys left in the pool.
    YX_ASSERT_OK(m_kmc->fill_pool(Caller{"system"}, 3));
    std::vector<SecretBytes> scalars;
    std::vector<Bytes> public_keys;
    std::vector<Holder> holders;
    std::vector<AppUserInfo> users;
    for (int i = 0; i < 5; ++i) {
        holders.push_back(make_holder());
        users.push_back(user_info(holders.back()));
        auto d = m_client->apply(users.back());
        YX_ASSERT_OK(d);
        scalars.push_back(open_enveloped_key(d->enveloped_key, holders.back().sign_key).value().scalar());
        public_keys.push_back(d->respond.ret_public_key);
    }
    const Holder renewed = make_holder();
    HolderRecoveryRequest q{"req-00000000000000dd", "ra", "demo-sub", hex_encode(users[0].user_cert_no),
                            Bytes(renewed.sign_cert.public_key_info().der())};
    auto started = m_kmc->start_holder_recovery(Caller{"kmc.op1"}, q);
    YX_ASSERT_OK(started);
    YX_ASSERT_OK(m_kmc->approve_recovery(Caller{"kmc.admin"}, started->id));
    auto done = m_kmc->execute_recovery(Caller{"kmc.op2"}, started->id);
    YX_ASSERT_OK(done);
    EXPECT_EQ(open_enveloped_key(done->enveloped_key, renewed.sign_key)->scalar(), scalars[0]);
    YX_ASSERT_OK(m_kmc->fill_pool(Caller{"system"}, 2));
    auto pool = m_kmc_store->peek_pool(10);
    YX_ASSERT_OK(pool);
    for (const PooledKey& p : *pool) {
        // Only the test may do this: the device opens the escrow to learn what to look for.
        auto plain = m_device->decrypt(m_keys.escrow_key, p.escrow);
        YX_ASSERT_OK(plain);
        scalars.emplace_back(plain->end() - 32, plain->end());
        public_keys.push_back(p.public_key);
    }
    ASSERT_EQ(scalars.size(), 7u);

    auto scan = [&](const std::string& when) {
        std::size_t scanned = 0;
        bool saw_public = false;
        for (const char* name : {"ca.db", "ca.db-wal", "device.db", "device.db-wal", "device.db-journal"}) {
            const auto path = m_dir / name;
            if (!std::filesystem::exists(path)) continue;
            const Bytes bytes = yinxin::test::read_file(path);
            scanned += bytes.size();
            for (const auto& s : scalars)
                EXPECT_FALSE(yinxin::test::contains(bytes, s)) << when << ": a private scalar in clear in " << name;
            for (const auto& pk : public_keys) saw_public = saw_public || yinxin::test::contains(bytes, pk);
        }
        EXPECT_GT(scanned, 0u);
        EXPECT_TRUE(saw_public) << when << ": the scan does not see the stored public keys, so it proves nothing";
    };
    scan("while open");
    m_client.reset();
    m_kmc.reset();
    m_kmc_store.reset();
    m_auth.reset();
    m_auth_store.reset();
    m_audit.reset();
    m_audit_store.reset();
    close_all();
    scan("after closing");
}

}  // namespace
}  // namespace yinxin::kmc::test
