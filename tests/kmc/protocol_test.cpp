// The GM/T 0014 CA<->KMC protocol end to end: demo-sub signs CARequests with its device key,
// KmcService answers from the real store and device, KmcClient checks the answers. Tampered
// requests, untrusted CAs, wrong KMC signatures, replays, duplicates, revocation, the pool,
// archive and purge.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "kmc_fixture.h"
#include "yinxin/crypto/sm2_cipher.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::kmc::test {
namespace {

class KmcProtocolTest : public KmcFixture {
protected:
    KsRequest apply_request(const AppUserInfo& u, std::int64_t task_no) {
        KsRequest q;
        q.ca_name = EntName::of(*m_ca_cert);
        ApplyKeyReq a;
        a.user = u;
        q.requests.push_back(a);
        q.request_time = m_clock.now();
        q.task_no = task_no;
        return q;
    }

    // The KMC's answer, checked against its certificate.
    KsRespond answer_of(BytesView der) {
        auto resp = parse_km_respond(der);
        EXPECT_TRUE(resp.ok()) << resp.error().to_string();
        if (!resp.ok()) return {};
        auto ok = verify_km_respond(*resp, *m_kmc_cert);
        EXPECT_TRUE(ok.ok()) << ok.error().to_string();
        return resp->ks_respond;
    }

    // The Errc number of a one-error answer (0 when it is no error).
    std::int64_t error_no(BytesView der) {
        KsRespond ks = answer_of(der);
        if (ks.responds.size() != 1 || ks.responds[0].kind != RespondKind::error) return 0;
        return ks.responds[0].error.err_no;
    }

    std::size_t key_count() {
        KeyFilter f;
        f.limit = 1000;
        return m_kmc_store->list_keys(f).value().size();
    }
};

TEST_F(KmcProtocolTest, ApplyGivesAnEscrowedKeyEnvelopedToTheHoldersSigningKey) {
    const Holder h = make_holder();
    const AppUserInfo u = user_info(h);
    auto d = m_client->apply(u);
    YX_ASSERT_OK(d);

    // The SM2EnvelopedKey the CA made without decrypting opens with the holder's signing key ...
    auto key = open_enveloped_key(d->enveloped_key, h.sign_key);
    YX_ASSERT_OK(key);
    EXPECT_EQ(key->public_key().spki_der(), d->respond.ret_public_key);
    // ... and so does the SignedAndEnvelopedData, whose KMC signature over the key verifies.
    auto pub = crypto::Sm2PublicKey::from_spki_der(d->respond.ret_public_key).value();
    auto via_sed = open_signed_and_enveloped_key(
        d->respond.ret_pri_key, pub, [&](BytesView c) { return crypto::sm2_decrypt(h.sign_key, c); }, *m_kmc_cert);
    YX_ASSERT_OK(via_sed);
    EXPECT_EQ(via_sed->scalar(), key->scalar());
    auto sed = parse_signed_and_enveloped_key(d->respond.ret_pri_key).value();
    EXPECT_EQ(sed.recipient_issuer, m_ca_cert->subject());
    EXPECT_EQ(hex_encode(sed.recipient_serial), hex_encode(u.user_cert_no));
    EXPECT_EQ(sed.signer_issuer, m_kmc_cert->issuer());
    ASSERT_EQ(sed.certificates.size(), 1u);
    EXPECT_EQ(sed.certificates[0], *m_kmc_cert);
    // Same ciphertexts in both forms: the CA only re-packed them.
    auto env = parse_enveloped_key(d->enveloped_key).value();
    EXPECT_EQ(env.encrypted_private_key, sed.encrypted_content);
    EXPECT_EQ(env.sym_encrypted_key, sed.encrypted_key);

    // Escrowed under the device's escrow key: the store has the ciphertext, not the scalar.
    auto stored = m_kmc_store->find_key("demo-sub", hex_encode(u.user_cert_no)).value();
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->state, KeyState::active);
    EXPECT_EQ(stored->public_key, d->respond.ret_public_key);
    EXPECT_EQ(stored->user_public_key, u.user_public_key);
    EXPECT_EQ(stored->user_name, "张三");
    const SecretBytes scalar = key->scalar();
    EXPECT_EQ(std::search(stored->escrow.begin(), stored->escrow.end(), scalar.begin(), scalar.end()),
              stored->escrow.end());
    auto escrowed = m_device->decrypt(m_keys.escrow_key, stored->escrow);
    YX_ASSERT_OK(escrowed);
    EXPECT_TRUE(std::equal(scalar.begin(), scalar.end(), escrowed->end() - 32));

    // The dual certificate: demo-sub issues the encryption certificate for the KMC's key.
    auto enc = issue_for_key("personnel-encrypt", d->respond.ret_public_key);
    ASSERT_TRUE(enc.has_value());
    EXPECT_EQ(Bytes(enc->public_key_info().der()), d->respond.ret_public_key);
    EXPECT_EQ(count_audit("kmc.request", true), 1u);
}

TEST_F(KmcProtocolTest, TheServiceNeedsItsOwnCertificateAndATrustedCa) {
    KmcConfig config;
    config.trusted_cas.push_back(TrustedCa{"demo-sub", *m_ca_cert});
    // demo-sub's certificate does not hold the device's KMC signing key.
    YX_EXPECT_CODE(KmcService::create(*m_kmc_store, m_keys, *m_ca_cert, *m_auth, *m_audit, m_clock, config),
                   Errc::kmc_bad_signature);
    YX_EXPECT_CODE(KmcService::create(*m_kmc_store, m_keys, *m_kmc_cert, *m_auth, *m_audit, m_clock, KmcConfig{}),
                   Errc::invalid_argument);
    KmcConfig twice = config;
    twice.trusted_cas.push_back(TrustedCa{"demo-sub", ca_cert("demo-root")});
    YX_EXPECT_CODE(KmcService::create(*m_kmc_store, m_keys, *m_kmc_cert, *m_auth, *m_audit, m_clock, twice),
                   Errc::invalid_argument);
    KmcConfig short_retention = config;
    short_retention.retention = std::chrono::hours(24 * 30);
    YX_EXPECT_CODE(KmcService::create(*m_kmc_store, m_keys, *m_kmc_cert, *m_auth, *m_audit, m_clock, short_retention),
                   Errc::invalid_argument);
}

TEST_F(KmcProtocolTest, ATamperedRequestIsRefusedAndChangesNothing) {
    const Holder h = make_holder();
    const AppUserInfo u = user_info(h, "Zhang San");
    Bytes der = sign_ca_request(apply_request(u, 7), ca_signer("demo-sub")).value();
    const std::string name = "Zhang San";
    auto at = std::search(der.begin(), der.end(), name.begin(), name.end());
    ASSERT_NE(at, der.end());
    *at = 'X';  // "Xhang San": same length, still well-formed, no longer what demo-sub signed
    EXPECT_EQ(error_no(m_kmc->handle(der)), static_cast<std::int64_t>(Errc::kmc_bad_signature));
    EXPECT_EQ(key_count(), 0u);
    EXPECT_FALSE(m_kmc_store->find_task("demo-sub", 7).value().has_value());
    EXPECT_EQ(count_audit("kmc.request", false), 1u);

    // A signature value that is not one, and no signature at all.
    Bytes sig_broken = sign_ca_request(apply_request(u, 8), ca_signer("demo-sub")).value();
    sig_broken[sig_broken.size() - 5] ^= 0x01;
    EXPECT_EQ(error_no(m_kmc->handle(sig_broken)), static_cast<std::int64_t>(Errc::kmc_bad_signature));
    Bytes unsigned_req =
        sign_ca_request(apply_request(u, 9), [](BytesView) -> Result<Bytes> { return Bytes{}; }).value();
    EXPECT_EQ(error_no(m_kmc->handle(unsigned_req)), static_cast<std::int64_t>(Errc::kmc_bad_signature));
    EXPECT_EQ(key_count(), 0u);
}

TEST_F(KmcProtocolTest, OnlyTrustedCasMayAsk) {
    const Holder h = make_holder();
    const AppUserInfo u = user_info(h);
    // The seal root CA is real and issued by the same ceremony, but the KMC does not trust it.
    const x509::Certificate seal_root = ca_cert("demo-seal-root");
    KsRequest q = apply_request(u, 1);
    q.ca_name = EntName::of(seal_root);
    EXPECT_EQ(error_no(m_kmc->handle(sign_ca_request(q, ca_signer("demo-seal-root")).value())),
              static_cast<std::int64_t>(Errc::kmc_bad_signature));
    // Claiming to be demo-sub while signing with another CA's key.
    q.ca_name = EntName::of(*m_ca_cert);
    EXPECT_EQ(error_no(m_kmc->handle(sign_ca_request(q, ca_signer("demo-seal-root")).value())),
              static_cast<std::int64_t>(Errc::kmc_bad_signature));
    // demo-sub's name with another key hash (a re-keyed impostor).
    q.ca_name.public_key_hash[0] ^= 0xFF;
    EXPECT_EQ(error_no(m_kmc->handle(sign_ca_request(q, ca_signer("demo-sub")).value())),
              static_cast<std::int64_t>(Errc::kmc_bad_signature));
    EXPECT_EQ(key_count(), 0u);
    // A client of the untrusted CA gets kmc.error_response naming the refusal.
    KmcClient stranger(seal_root, ca_signer("demo-seal-root"), *m_kmc_cert, transport(), m_clock, m_rng);
    auto r = stranger.apply(u);
    YX_EXPECT_CODE(r, Errc::kmc_error_response);
    EXPECT_NE(r.error().message.find("kmc.bad_signature"), std::string::npos) << r.error().message;
}

TEST_F(KmcProtocolTest, TheClientRefusesAnswersNotSignedByTheKmc) {
    const Holder h = make_holder();
    // The client expects another certificate as the KMC's.
    KmcClient wrong_kmc(*m_ca_cert, ca_signer("demo-sub"), ca_cert("demo-root"), transport(), m_clock, m_rng);
    YX_EXPECT_CODE(wrong_kmc.apply(user_info(h)), Errc::kmc_bad_signature);
    // The right KMC, but the answer is modified on the way (inside the enveloped key).
    m_tamper_response = [](Bytes& der) {
        auto resp = parse_km_respond(der).value();
        auto sed = parse_signed_and_enveloped_key(resp.ks_respond.responds.at(0).key.ret_pri_key).value();
        auto at = std::search(der.begin(), der.end(), sed.encrypted_content.begin(), sed.encrypted_content.end());
        ASSERT_NE(at, der.end());
        *at ^= 0x01;
    };
    YX_EXPECT_CODE(m_client->apply(user_info(h)), Errc::kmc_bad_signature);
    m_tamper_response = nullptr;
    YX_ASSERT_OK(m_client->apply(user_info(h)));
}

TEST_F(KmcProtocolTest, ARepeatedRequestGetsTheSameAnswerAndAReusedTaskNumberIsRefused) {
    const Holder h = make_holder();
    const Bytes der = sign_ca_request(apply_request(user_info(h), 42), ca_signer("demo-sub")).value();
    const Bytes first = m_kmc->handle(der);
    ASSERT_EQ(answer_of(first).responds.at(0).kind, RespondKind::apply);
    const Bytes again = m_kmc->handle(der);
    EXPECT_EQ(first, again);  // the stored answer: the lost-answer retry gets the same key
    EXPECT_EQ(key_count(), 1u);
    // Task 42 again, for another certificate.
    const Bytes other = sign_ca_request(apply_request(user_info(h), 42), ca_signer("demo-sub")).value();
    EXPECT_EQ(error_no(m_kmc->handle(other)), static_cast<std::int64_t>(Errc::kmc_duplicate));
    EXPECT_EQ(key_count(), 1u);
    // The same certificate number in a new task.
    const AppUserInfo u = user_info(h);
    YX_ASSERT_OK(m_client->apply(u));
    auto dup = m_client->apply(u);
    YX_EXPECT_CODE(dup, Errc::kmc_error_response);
    EXPECT_NE(dup.error().message.find("kmc.duplicate"), std::string::npos);
    EXPECT_EQ(key_count(), 2u);
}

TEST_F(KmcProtocolTest, OneTaskIsOneTransaction) {
    const Holder h = make_holder();
    ApplyKeyReq a1;
    a1.user = user_info(h);
    ApplyKeyReq a2;
    a2.user = user_info(h, "李四");
    auto both = m_client->exchange({a1, a2});
    YX_ASSERT_OK(both);
    ASSERT_EQ(both->ks_respond.responds.size(), 2u);
    EXPECT_EQ(both->ks_respond.responds[1].kind, RespondKind::apply);
    EXPECT_EQ(key_count(), 2u);
    // A valid apply and a bad one: the whole task is refused and nothing is stored.
    ApplyKeyReq good;
    good.user = user_info(h);
    ApplyKeyReq bad = good;
    bad.user.user_cert_no = crypto::random_serial(m_os_rng).value();
    bad.ret_sym_alg = asn1::oids::sm4_cbc;
    auto refused = m_client->exchange({good, bad});
    YX_ASSERT_OK(refused);
    ASSERT_EQ(refused->ks_respond.responds.size(), 1u);
    EXPECT_EQ(refused->ks_respond.responds[0].error.err_no, static_cast<std::int64_t>(Errc::kmc_bad_message));
    EXPECT_EQ(key_count(), 2u);
}

TEST_F(KmcProtocolTest, RevocationMarksTheEscrowedKey) {
    const Holder h = make_holder();
    const AppUserInfo u = user_info(h);
    YX_ASSERT_OK(m_client->apply(u));
    YX_ASSERT_OK(m_client->revoke(u.user_cert_no));
    auto k = m_kmc_store->find_key("demo-sub", hex_encode(u.user_cert_no)).value();
    ASSERT_TRUE(k.has_value());
    EXPECT_EQ(k->state, KeyState::revoked);
    EXPECT_EQ(k->revoked_at, m_clock.now());
    EXPECT_FALSE(k->escrow.empty());  // kept: old ciphertexts must stay recoverable
    auto again = m_client->revoke(u.user_cert_no);
    YX_EXPECT_CODE(again, Errc::kmc_error_response);
    EXPECT_NE(again.error().message.find("kmc.illegal_state"), std::string::npos);
    auto unknown = m_client->revoke(crypto::random_serial(m_os_rng).value());
    YX_EXPECT_CODE(unknown, Errc::kmc_error_response);
    EXPECT_NE(unknown.error().message.find("kmc.not_found"), std::string::npos);
}

TEST_F(KmcProtocolTest, MalformedAndStaleRequestsGetASignedError) {
    const Bytes garbage = to_bytes("GET / HTTP/1.1\r\n\r\n");
    KsRespond ks = answer_of(m_kmc->handle(garbage));
    ASSERT_EQ(ks.responds.size(), 1u);
    EXPECT_EQ(ks.responds[0].error.err_no, static_cast<std::int64_t>(Errc::kmc_bad_message));
    EXPECT_EQ(ks.task_no, 0);
    const Holder h = make_holder();
    KsRequest stale = apply_request(user_info(h), 5);
    stale.request_time = m_clock.now() - std::chrono::hours(1);
    EXPECT_EQ(error_no(m_kmc->handle(sign_ca_request(stale, ca_signer("demo-sub")).value())),
              static_cast<std::int64_t>(Errc::kmc_bad_message));
    KsRequest rsa = apply_request(user_info(h), 6);
    std::get<ApplyKeyReq>(rsa.requests[0]).app_key_type = asn1::oids::rsa_encryption;
    EXPECT_EQ(error_no(m_kmc->handle(sign_ca_request(rsa, ca_signer("demo-sub")).value())),
              static_cast<std::int64_t>(Errc::kmc_bad_message));
    EXPECT_EQ(key_count(), 0u);
}

TEST_F(KmcProtocolTest, ThePoolServesRequestsAndRunsDry) {
    KmcConfig config;
    config.generate_on_demand = false;
    open_services(config);
    const Holder h = make_holder();
    auto empty = m_client->apply(user_info(h));
    YX_EXPECT_CODE(empty, Errc::kmc_error_response);
    EXPECT_NE(empty.error().message.find("kmc.pool_empty"), std::string::npos);
    YX_EXPECT_CODE(m_kmc->fill_pool(Caller{"system"}, 0), Errc::invalid_argument);
    EXPECT_EQ(m_kmc->fill_pool(Caller{"system"}, 2).value(), 2u);
    EXPECT_EQ(m_kmc->pool_size().value(), 2u);
    auto d1 = m_client->apply(user_info(h));
    auto d2 = m_client->apply(user_info(h));
    YX_ASSERT_OK(d1);
    YX_ASSERT_OK(d2);
    EXPECT_NE(d1->respond.ret_public_key, d2->respond.ret_public_key);
    EXPECT_EQ(m_kmc->pool_size().value(), 0u);
    EXPECT_TRUE(open_enveloped_key(d2->enveloped_key, h.sign_key).ok());
    YX_EXPECT_CODE(m_client->apply(user_info(h)), Errc::kmc_error_response);
    EXPECT_EQ(count_audit("kmc.pool.fill", true), 1u);
    EXPECT_EQ(count_audit("kmc.pool.fill", false), 1u);
}

TEST_F(KmcProtocolTest, ExpiredKeysAreArchivedAndPurgedAfterRetention) {
    const Holder h = make_holder();
    AppUserInfo u = user_info(h);
    u.not_after = m_clock.now() + std::chrono::hours(24);
    YX_ASSERT_OK(m_client->apply(u));
    AppUserInfo later = user_info(h);  // valid for a year
    YX_ASSERT_OK(m_client->apply(later));
    const Caller sys{"system", "scheduler"};
    EXPECT_EQ(m_kmc->archive_expired(sys, m_clock.now()).value(), 0u);
    const TimePoint expired = m_clock.now() + std::chrono::hours(48);
    EXPECT_EQ(m_kmc->archive_expired(sys, expired).value(), 1u);
    auto k = m_kmc_store->find_key("demo-sub", hex_encode(u.user_cert_no)).value();
    EXPECT_EQ(k->state, KeyState::archived);
    EXPECT_FALSE(k->escrow.empty());
    EXPECT_EQ(m_kmc_store->find_key("demo-sub", hex_encode(later.user_cert_no)).value()->state, KeyState::active);
    // Seven years after expiry it is still kept; after the retention it is purged.
    EXPECT_EQ(m_kmc->purge(sys, u.not_after + std::chrono::hours(24 * 365 * 7)).value(), 0u);
    EXPECT_EQ(m_kmc->purge(sys, u.not_after + k_default_retention + std::chrono::hours(1)).value(), 1u);
    k = m_kmc_store->find_key("demo-sub", hex_encode(u.user_cert_no)).value();
    EXPECT_EQ(k->state, KeyState::purged);
    EXPECT_TRUE(k->escrow.empty());
    // The tombstone keeps the certificate number taken.
    auto reuse = m_client->apply(u);
    YX_EXPECT_CODE(reuse, Errc::kmc_error_response);
    EXPECT_EQ(count_audit("kmc.archive", true), 2u);
    EXPECT_EQ(count_audit("kmc.purge", true), 2u);
    YX_EXPECT_CODE(purge_archived_keys(*m_kmc_store, *m_audit, sys, m_clock.now(), std::chrono::hours(24 * 30)),
                   Errc::invalid_argument);
}

}  // namespace
}  // namespace yinxin::kmc::test
