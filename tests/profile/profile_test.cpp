#include <filesystem>

#include "test_util.h"

namespace yinxin::profile {
namespace {

TEST(ProfileSet, EveryRepositoryProfileLoads) {
    auto set = ProfileSet::load_directory(YINXIN_PROFILES_DIR);
    ASSERT_TRUE(set) << set.error().to_string();
    // The issue's types: 机构 人员 设备 持卡人 个人 (sign + encrypt), code signing, seal, the two seal
    // systems, OCSP signing, time stamping (RFC 3161 TSA), the three CA profiles and the three TLS ones
    // (the TLS root, servers, and clients of mutually authenticated calls such as CA → KMC).
    EXPECT_EQ(set->size(), 22u);
    for (const char* id : {"organisation-sign", "organisation-encrypt",
                           "personnel-sign",    "personnel-encrypt",
                           "device-sign",       "device-encrypt",
                           "cardholder-sign",   "cardholder-encrypt",
                           "individual-sign",   "individual-encrypt",
                           "code-signing",      "seal",
                           "seal-maker-system", "seal-status-system",
                           "ocsp-signing",      "time-stamping",
                           "root-ca",           "sub-ca",
                           "seal-root-ca",      "tls-client"})
        EXPECT_TRUE(set->find(id)) << id;
    EXPECT_EQ(set->find("nope").code(), Errc::profile_not_found);
}

TEST(Profile, ValidityDefaultsFollowLdT03) {
    EXPECT_EQ(test::profile("personnel-sign").validity_days(), 1826u);   // 5 years
    EXPECT_EQ(test::profile("cardholder-sign").validity_days(), 3652u);  // 10 years
}

TEST(Profile, SealIsDigitalSignatureNonRepudiationCritical) {
    const Profile& p = test::profile("seal");
    EXPECT_EQ(p.key_usage(),
              x509::KeyUsage::of({x509::KeyUsageBit::digital_signature, x509::KeyUsageBit::non_repudiation}));
    EXPECT_TRUE(p.key_usage_critical());
    EXPECT_EQ(p.kind(), ProfileKind::end_entity);
}

TEST(Profile, DualVariants) {
    EXPECT_EQ(test::profile("personnel-sign").dual(), DualRole::sign);
    EXPECT_EQ(test::profile("personnel-encrypt").dual(), DualRole::encrypt);
    EXPECT_FALSE(test::profile("personnel-encrypt").key_usage().has(x509::KeyUsageBit::digital_signature));
}

TEST(Profile, CaProfiles) {
    EXPECT_EQ(test::profile("root-ca").kind(), ProfileKind::root_ca);
    EXPECT_EQ(test::profile("seal-root-ca").kind(), ProfileKind::root_ca);
    EXPECT_EQ(test::profile("sub-ca").kind(), ProfileKind::sub_ca);
    EXPECT_TRUE(test::profile("sub-ca").key_usage().has(x509::KeyUsageBit::key_cert_sign));
}

TEST(Profile, BrokenFixturesAreRefusedNamingTheField) {
    const std::filesystem::path dir = std::filesystem::path(YINXIN_TEST_DATA_DIR) / "profile";
    const std::pair<const char*, const char*> cases[] = {
        {"bad_unknown_key.json", "'key_usages'"},
        {"bad_validity_days.json", "'validity_days'"},
        {"bad_end_entity_key_cert_sign.json", "'key_usage'"},
        {"bad_encrypt_with_signature.json", "'key_usage'"},
        {"bad_subject_without_cn.json", "'subject.required'"},
        {"bad_identity_extension.json", "'identity_extensions'"},
        {"bad_key_algorithm.json", "'key_algorithms'"},
    };
    for (const auto& [file, field] : cases) {
        auto r = Profile::load_file(dir / file);
        ASSERT_FALSE(r) << file;
        EXPECT_EQ(r.code(), Errc::profile_bad_field) << file;
        EXPECT_NE(r.error().message.find(file), std::string::npos) << r.error().message;
        EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
    }
    auto r = Profile::load_file(dir / "bad_not_json.json");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), Errc::profile_bad_file);
    EXPECT_NE(r.error().message.find("bad_not_json.json"), std::string::npos);
}

TEST(Profile, FixtureDirectoryIsRefusedAsASet) {
    auto r = ProfileSet::load_directory(std::filesystem::path(YINXIN_TEST_DATA_DIR) / "profile");
    EXPECT_FALSE(r);
}

TEST(Profile, TypeErrorsDoNotThrow) {
    auto r = Profile::parse(R"({"id": 5})", "inline.json");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("'id'"), std::string::npos);
    EXPECT_FALSE(Profile::parse("[1,2]", "inline.json"));
    EXPECT_FALSE(Profile::parse(R"({"id":"a","name_zh":"x","kind":"end_entity","validity_days":"10"})", "i.json"));
}

}  // namespace
}  // namespace yinxin::profile
