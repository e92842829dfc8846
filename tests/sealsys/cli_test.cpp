// The seal system end to end through the real `yinxin` binary: a data directory made by `yinxin
// device init` and `yinxin ca init` (demo hierarchy with the seal root), seal staff registered in
// its store, `yinxin serve` on a loopback port (which makes the seal system keys at start), staff
// logged in with `yinxin staff login`, and `yinxin sealsys` apply → approve (signed with the
// approver's key file) → make → download → status → loss → revocation-list fetch --trust.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_fixture.h"
#include "sealsys_fixture.h"
#include "yinxin/seal/verify.h"

namespace yinxin::sealsys::test {
namespace {

using yinxin::test::CliData;
using yinxin::test::ScratchDir;
using yinxin::test::ServeProcess;

constexpr std::string_view k_pw = "Kx7#mP9!vQ";

std::string token_of(const std::string& output) {
    const auto j = nlohmann::json::parse(output, nullptr, false);
    return j.is_object() ? j.value("token", std::string()) : std::string();
}
constexpr std::string_view k_new_pw = "Wb3%nL8&zR";

TEST(SealSystemCli, ServeAndCliFromApplicationToRevocationList) {
    ScratchDir tmp;
    CliData data(tmp / "data");
    data.prepare();
    ASSERT_TRUE(data.ok());

    // Seal staff in the data directory's store, each with a key file for the CLI.
    SystemClock clock;
    crypto::OpensslRng rng;
    const auto staff_ca = crypto::Sm2PrivateKey::generate().value();
    {
        auto store = store::SqliteAuthStore::open(data.store()).value();
        auth::AuthConfig ac;
        ac.password.iterations = 10'000;
        auth::AuthService svc(*store, clock, rng, ac);
        auto spec = [&](const std::string& id, auth::Role role, const std::string& node, auth::Subsystem sub,
                        const std::string& id_number = {}) {
            auto key = crypto::Sm2PrivateKey::generate().value();
            x509::TbsCertificateBuilder b;
            b.serial(crypto::random_serial(rng).value())
                .issuer(x509::Name::build({{"CN", "Yinxin Test Staff CA"}, {"C", "CN"}}).value())
                .subject(x509::Name::build({{"CN", id}, {"C", "CN"}}).value())
                .validity(clock.now() - std::chrono::hours(24), clock.now() + std::chrono::hours(24 * 365))
                .public_key(key.public_key());
            const x509::Certificate cert = b.sign_with(staff_ca).value();
            yinxin::test::write_file(tmp / (id + ".key.pem"), key.pkcs8_pem());
            auth::NewStaff s;
            s.id = id;
            s.display_name = id;
            s.role = role;
            s.subsystem = sub;
            s.org_node = node;
            s.id_number = id_number;
            s.certificate_der = Bytes(cert.der().begin(), cert.der().end());
            s.initial_password = std::string(k_pw);
            return s;
        };
        using auth::OrgKind;
        using auth::Role;
        using auth::Subsystem;
        YX_ASSERT_OK(svc.bootstrap({"ra", "", OrgKind::ra, "人社电子印章制发中心", false, 0, {}},
                                   spec("admin", Role::super_admin, "ra", Subsystem::none)));
        YX_ASSERT_OK(svc.create_org_node("admin", {"city", "ra", OrgKind::branch, "济南", false, 0, {}}));
        YX_ASSERT_OK(
            svc.create_org_node("admin", {"city.hall", "city", OrgKind::acceptance_point, "人社局", false, 0, {}}));
        YX_ASSERT_OK(svc.create_staff("admin", spec("seal.admin", Role::business_admin, "ra", Subsystem::seal)));
        YX_ASSERT_OK(svc.create_staff("admin", spec("ra.admin", Role::business_admin, "ra", Subsystem::ra)));
        YX_ASSERT_OK(svc.create_staff("ra.admin", spec("ra.op", Role::business_operator, "city", Subsystem::ra)));
        YX_ASSERT_OK(svc.create_staff("seal.admin", spec("op1", Role::business_operator, "city", Subsystem::seal)));
        YX_ASSERT_OK(svc.create_staff("seal.admin", spec("apv", Role::approver, "city.hall", Subsystem::none)));
        YX_ASSERT_OK(
            svc.create_staff("ra.op", spec("zhang", Role::applicant, "city.hall", Subsystem::none, k_zhang_id)));
        for (const char* id : {"op1", "apv", "zhang"}) YX_ASSERT_OK(svc.change_password(id, k_pw, k_new_pw));
    }
    yinxin::test::write_file(tmp / "pw.txt", std::string(k_new_pw) + "\n");

    ServeProcess serve(data.dir(), {"--shares-file", data.shares(), "--pin-file", data.pin_file(), "--publish-interval",
                                    "0", "--notify-interval", "0"});
    ASSERT_FALSE(serve.url().empty());
    EXPECT_NE(serve.output().find("seal system: maker"), std::string::npos) << serve.output();
    auto token = [&](const std::string& id) {
        auto r = data.run({"staff", "login", "--url", serve.url(), "--login", id, "--password-file",
                           (tmp / "pw.txt").string(), "--key", (tmp / (id + ".key.pem")).string()});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        const auto path = tmp / (id + ".token");
        yinxin::test::write_file(path, token_of(r.output) + "\n");
        return path.string();
    };
    const std::string zhang = token("zhang");
    const std::string apv = token("apv");
    const std::string op1 = token("op1");
    auto run = [&](std::vector<std::string> args, const std::string& token_file = {}) {
        args.insert(args.begin(), "sealsys");
        args.insert(args.end(), {"--url", serve.url()});
        if (!token_file.empty()) args.insert(args.end(), {"--token-file", token_file});
        return data.run(args);
    };

    // The §7.5 form, the picture, four materials and the token's PKCS#10.
    nlohmann::json form{{"credit_code", k_unit_code},
                        {"division_code", "370100"},
                        {"unit_type", "administrative_organ"},
                        {"unit_name", "济南市人力资源和社会保障局"},
                        {"handler_name", "张三"},
                        {"handler_id_number", k_zhang_id},
                        {"handler_mobile", "13805310000"},
                        {"unit_address", "济南市历下区龙鼎大道 1 号"},
                        {"approving_unit_name", "山东省人力资源和社会保障厅"},
                        {"approving_division_code", "370000"},
                        {"seal_name", "业务专用章"},
                        {"width_mm", 42},
                        {"height_mm", 42}};
    yinxin::test::write_file(tmp / "form.json", form.dump());
    yinxin::test::write_file(tmp / "seal.png", red_png());
    std::vector<std::string> apply = {"apply",     (tmp / "form.json").string(),
                                      "--picture", (tmp / "seal.png").string(),
                                      "--csr",     data.make_csr("seal", {{"C", "CN"}, {"CN", "seal key"}})};
    for (const char* kind : {"application_letter", "handler_id", "handler_contact", "establishment_document"}) {
        yinxin::test::write_file(tmp / (std::string(kind) + ".pdf"), "%PDF-1.4 " + std::string(kind));
        apply.insert(apply.end(),
                     {"--material", std::string(kind) + "=" + (tmp / (std::string(kind) + ".pdf")).string()});
    }
    auto r = run(apply, zhang);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string id = nlohmann::json::parse(r.output)["id"];
    r = run({"approve", id, "--key", (tmp / "zhang.key.pem").string()}, zhang);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("auth.denied"), std::string::npos) << r.output;
    r = run({"approve", id, "--key", (tmp / "apv.key.pem").string()}, apv);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run({"make", id}, op1);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string code = nlohmann::json::parse(r.output)["seal_code"];
    EXPECT_EQ(code, "37010000000001");
    r = run({"download", code, "--out-dir", tmp.path().string()}, zhang);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const Bytes esl = yinxin::test::read_file(tmp / (code + ".esl"));
    const auto certs = x509::Certificate::parse_pem_all(to_string(yinxin::test::read_file(tmp / (code + ".cer.pem"))));
    YX_ASSERT_OK(certs);
    ASSERT_EQ(certs->size(), 2u);
    seal::VerifyOptions vo;
    vo.time = clock.now();
    vo.trust_anchors = {(*certs)[1]};
    const seal::Report report = seal::verify_seal(esl, vo);
    EXPECT_TRUE(report.valid) << report.to_text();
    yinxin::test::write_file(tmp / "seal-root.pem", (*certs)[1].pem());
    yinxin::test::write_file(tmp / "seal-cert.pem", (*certs)[0].pem());

    r = run({"status", code});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["status"], "valid");

    // Loss: request, signed approval, execution; the status and the signed list follow.
    std::vector<std::string> loss = {"lifecycle", "request", "--kind",   "loss",
                                     "--seal",    code,      "--reason", "USBKey 遗失"};
    for (const char* kind : {"reason_statement", "handler_id", "handler_contact", "establishment_document"})
        loss.insert(loss.end(), {"--material", std::string(kind) + "=" + (tmp / "handler_id.pdf").string()});
    r = run(loss, zhang);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string rid = nlohmann::json::parse(r.output)["id"];
    r = run({"lifecycle", "approve", rid, "--key", (tmp / "apv.key.pem").string()}, apv);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run({"lifecycle", "execute", rid}, op1);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run({"status", code});
    EXPECT_EQ(nlohmann::json::parse(r.output)["status"], "lost") << r.output;
    r = run({"revocation-list", "fetch", "--out", (tmp / "list.p7m").string(), "--trust",
             (tmp / "seal-root.pem").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto list = nlohmann::json::parse(r.output);
    EXPECT_TRUE(list["verified"].get<bool>());
    EXPECT_TRUE(list["current"].get<bool>());
    ASSERT_EQ(list["entries"].size(), 1u) << r.output;
    EXPECT_EQ(list["entries"][0]["seal_code"], code);
    EXPECT_EQ(list["entries"][0]["status"], "lost");
    // A list verified against another root is refused.
    r = data.run({"sealsys", "revocation-list", "verify", (tmp / "list.p7m").string(), "--trust",
                  (tmp / "seal-cert.pem").string()});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.bad_sync_message"), std::string::npos) << r.output;
    EXPECT_EQ(serve.stop(), 0);
}

}  // namespace
}  // namespace yinxin::sealsys::test
