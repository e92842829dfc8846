// The ministry/province/city hierarchy (issue 8 "Checked by", LD/T 01.1-2022 §7.2, §7.3, §8.3): three
// real `yinxin serve` instances on loopback ports, each with its own data directory (device init, ca
// init with the demo hierarchy, staff in its store). The city registers with the province and the
// province with the ministry through the access test and a super admin's signed approval; the city
// makes a central seal, a business system has it applied to an OFD with a reviewer's approval; the
// ministry verifies the document online (valid); the city reports the seal lost; after the signed
// status sync city → province → ministry the ministry's verification says "seal not valid".
// Plus: the sync message codec and the replay guard of the store, and bad input refused.
#include "yinxin/sealsys/hierarchy.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/http_client.h"
#include "cli/cli_fixture.h"
#include "sealsys_fixture.h"
#include "yinxin/ofd/package.h"
#include "yinxin/store/sqlite_seal_hierarchy_store.h"
#include "yinxin/store/sqlite_store.h"

namespace yinxin::sealsys::test {
namespace {

using yinxin::test::CliData;
using yinxin::test::ScratchDir;

// `yinxin serve` as a child process (as tests/sealsys/cli_test.cpp runs it).
class Serve {
public:
    explicit Serve(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {std::string(yinxin::test::k_yinxin_cli), "serve", "--listen", "127.0.0.1:0"};
        argv.insert(argv.end(), args.begin(), args.end());
        std::string error;
        m_pid = yinxin::test::spawn_process(argv, &m_fd, &error);
        if (m_pid <= 0) {
            ADD_FAILURE() << error;
            return;
        }
        char buf[1024];
        while (m_out.find("/metrics") == std::string::npos) {
            const ssize_t n = ::read(m_fd, buf, sizeof buf);
            if (n <= 0) break;
            m_out.append(buf, static_cast<std::size_t>(n));
        }
        const auto at = m_out.find("listening on ");
        if (at == std::string::npos) {
            ADD_FAILURE() << m_out;
            return;
        }
        m_url = m_out.substr(at + 13, m_out.find('\n', at) - at - 13);
    }
    ~Serve() {
        if (m_pid > 0) stop();
    }
    Serve(const Serve&) = delete;
    Serve& operator=(const Serve&) = delete;
    const std::string& url() const { return m_url; }
    const std::string& output() const { return m_out; }
    int stop() {
        ::kill(m_pid, SIGTERM);
        char buf[1024];
        for (;;) {
            const ssize_t n = ::read(m_fd, buf, sizeof buf);
            if (n <= 0) break;
        }
        ::close(m_fd);
        const int code = yinxin::test::wait_exit_code(m_pid);
        m_pid = -1;
        return code;
    }

private:
    pid_t m_pid = -1;
    int m_fd = -1;
    std::string m_out;
    std::string m_url;
};

constexpr std::string_view k_pw = "Kx7#mP9!vQ";
constexpr std::string_view k_new_pw = "Wb3%nL8&zR";

// A minimal one-page OFD (GB/T 33190).
Bytes one_page_ofd() {
    ofd::Package p;
    auto put = [&p](std::string_view name, std::string_view xml) { EXPECT_TRUE(p.put(name, to_bytes(xml)).ok()); };
    put("OFD.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">)"
        R"(<ofd:DocBody><ofd:DocInfo><ofd:DocID>hierarchy-test</ofd:DocID></ofd:DocInfo>)"
        R"(<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>)");
    put("Doc_0/Document.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016">)"
        R"(<ofd:CommonData><ofd:MaxUnitID>10</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>)"
        R"(<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>)");
    put("Doc_0/Pages/Page_0/Content.xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2">)"
        R"(<ofd:TextObject ID="3" Boundary="10 10 100 10" Font="4" Size="5"><ofd:TextCode X="0" Y="5">社会保险参保证明</ofd:TextCode></ofd:TextObject>)"
        R"(</ofd:Layer></ofd:Content></ofd:Page>)");
    return p.write().value();
}

// One Yinxin instance: data directory, staff (each with a key file), its server and their tokens.
struct Instance {
    std::filesystem::path dir;
    std::unique_ptr<CliData> data;
    std::unique_ptr<Serve> serve;
    std::map<std::string, std::string> tokens;  // login -> token file

    std::string key(const std::string& id) const { return (dir / (id + ".key.pem")).string(); }
    std::string url() const { return serve->url(); }
};

void prepare(Instance& in, const std::filesystem::path& dir, const std::string& name, const std::string& level) {
    in.dir = dir;
    in.data = std::make_unique<CliData>(dir / "data");
    in.data->prepare();
    ASSERT_TRUE(in.data->ok());
    yinxin::test::write_file(std::filesystem::path(in.data->dir()) / "sealsys-hierarchy.json",
                             nlohmann::json{{"name", name}, {"level", level}}.dump());
    SystemClock clock;
    crypto::OpensslRng rng;
    const auto staff_ca = crypto::Sm2PrivateKey::generate().value();
    auto store = store::SqliteAuthStore::open(in.data->store()).value();
    auth::AuthConfig ac;
    ac.password.iterations = 10'000;
    auth::AuthService svc(*store, clock, rng, ac);
    auto spec = [&](const std::string& id, auth::Role role, const std::string& node, auth::Subsystem sub) {
        auto key = crypto::Sm2PrivateKey::generate().value();
        x509::TbsCertificateBuilder b;
        b.serial(crypto::random_serial(rng).value())
            .issuer(x509::Name::build({{"CN", "Yinxin Test Staff CA"}, {"C", "CN"}}).value())
            .subject(x509::Name::build({{"CN", id}, {"C", "CN"}}).value())
            .validity(clock.now() - std::chrono::hours(24), clock.now() + std::chrono::hours(24 * 365))
            .public_key(key.public_key());
        const x509::Certificate cert = b.sign_with(staff_ca).value();
        yinxin::test::write_file(dir / (id + ".key.pem"), key.pkcs8_pem());
        auth::NewStaff s;
        s.id = id;
        s.display_name = id;
        s.role = role;
        s.subsystem = sub;
        s.org_node = node;
        s.certificate_der = Bytes(cert.der().begin(), cert.der().end());
        s.initial_password = std::string(k_pw);
        return s;
    };
    using auth::OrgKind;
    using auth::Role;
    using auth::Subsystem;
    YX_ASSERT_OK(svc.bootstrap({"ra", "", OrgKind::ra, name, false, 0, {}},
                               spec("admin", Role::super_admin, "ra", Subsystem::none)));
    YX_ASSERT_OK(svc.create_org_node("admin", {"city", "ra", OrgKind::branch, "济南", false, 0, {}}));
    YX_ASSERT_OK(
        svc.create_org_node("admin", {"city.hall", "city", OrgKind::acceptance_point, "人社局", false, 0, {}}));
    YX_ASSERT_OK(svc.create_staff("admin", spec("seal.admin", Role::business_admin, "ra", Subsystem::seal)));
    YX_ASSERT_OK(svc.create_staff("seal.admin", spec("op1", Role::business_operator, "city", Subsystem::seal)));
    YX_ASSERT_OK(svc.create_staff("seal.admin", spec("apv", Role::approver, "city.hall", Subsystem::none)));
    YX_ASSERT_OK(
        svc.create_staff("seal.admin", spec("hr.system", Role::business_system, "city.hall", Subsystem::none)));
    YX_ASSERT_OK(svc.create_staff("seal.admin", spec("reviewer", Role::seal_reviewer, "city.hall", Subsystem::none)));
    for (const char* id : {"admin", "seal.admin", "op1", "apv", "hr.system", "reviewer"})
        YX_ASSERT_OK(svc.change_password(id, k_pw, k_new_pw));
    yinxin::test::write_file(dir / "pw.txt", std::string(k_new_pw) + "\n");

    in.serve = std::make_unique<Serve>(std::vector<std::string>{"--data-dir", in.data->dir(), "--shares-file",
                                                                in.data->shares(), "--pin-file", in.data->pin_file(),
                                                                "--publish-interval", "0", "--notify-interval", "0"});
    ASSERT_FALSE(in.serve->url().empty());
    ASSERT_NE(in.serve->output().find("seal hierarchy: " + name), std::string::npos) << in.serve->output();
    for (const char* id : {"admin", "seal.admin", "op1", "apv", "hr.system", "reviewer"}) {
        auto r = in.data->run({"staff", "login", "--url", in.url(), "--login", id, "--password-file",
                               (dir / "pw.txt").string(), "--key", in.key(id)});
        ASSERT_EQ(r.exit_code, 0) << r.output;
        const auto j = nlohmann::json::parse(r.output, nullptr, false);
        const auto path = dir / (std::string(id) + ".token");
        yinxin::test::write_file(path, j.value("token", std::string()) + "\n");
        in.tokens[id] = path.string();
    }
}

// yinxin <args> --url <instance> --token-file <login's>.
yinxin::test::ProcessResult run(const Instance& in, std::vector<std::string> args, const std::string& login = {}) {
    args.insert(args.end(), {"--url", in.url()});
    if (!login.empty()) args.insert(args.end(), {"--token-file", in.tokens.at(login)});
    return in.data->run(args);
}

// child registers with parent (access test), the parent's super admin approves, the child links.
std::string register_with(const Instance& parent, const Instance& child, const std::string& name,
                          const std::string& level, const std::string& division, const std::string& city) {
    auto r = run(parent,
                 {"sealsys", "register", "--child-url", child.url(), "--name", name, "--level", level, "--division",
                  division, "--province", "山东省", "--city", city},
                 "seal.admin");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const auto peer = nlohmann::json::parse(r.output, nullptr, false);
    const std::string id = peer.value("id", std::string());
    EXPECT_EQ(peer.value("state", std::string()), "tested") << r.output;
    EXPECT_EQ(peer["access_report"].size(), 5u) << r.output;
    // The entering business admin is not the second person.
    r = run(parent, {"sealsys", "peers", "approve", id, "--key", parent.key("seal.admin")}, "seal.admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("auth.denied"), std::string::npos) << r.output;
    // A signature by another key than the super admin's registered one.
    r = run(parent, {"sealsys", "peers", "approve", id, "--key", parent.key("apv")}, "admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("auth.decision_signature_invalid"), std::string::npos) << r.output;
    r = run(parent, {"sealsys", "peers", "approve", id, "--key", parent.key("admin")}, "admin");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const auto approved = nlohmann::json::parse(r.output, nullptr, false);
    EXPECT_EQ(approved.value("state", std::string()), "registered") << r.output;
    EXPECT_FALSE(approved.value("certificate", std::string()).empty());
    r = run(parent, {"sealsys", "peers", "approve", id, "--key", parent.key("admin")}, "admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.illegal_state"), std::string::npos) << r.output;
    r = run(child, {"sealsys", "parent", "--parent-url", parent.url(), "--peer-id", id}, "seal.admin");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return id;
}

TEST(SealHierarchy, CityProvinceMinistryRegisterSyncAndVerifyOnlineAtTheMinistry) {
    ScratchDir tmp;
    Instance ministry, province, city;
    prepare(ministry, tmp / "ministry", "人社部电子印章系统", "ministry");
    prepare(province, tmp / "province", "山东省人社厅电子印章系统", "province");
    prepare(city, tmp / "city", "济南市人社局电子印章系统", "city");
    ASSERT_FALSE(::testing::Test::HasFailure());

    // Bad input and a failing access test register nothing: the province presents its own key, not
    // the one entered (a fresh key file).
    const auto stranger = crypto::Sm2PrivateKey::generate().value();
    yinxin::test::write_file(tmp / "stranger.pem", stranger.public_key().pem());
    auto r = run(ministry,
                 {"sealsys", "register", "--child-url", province.url(), "--name", "冒名系统", "--level", "province",
                  "--division", "370000", "--province", "山东省", "--public-key", (tmp / "stranger.pem").string()},
                 "seal.admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.access_test_failed"), std::string::npos) << r.output;
    for (const char* check : {"identity", "revocation_list", "signed_probe"})
        EXPECT_NE(r.output.find(check), std::string::npos) << r.output;
    r = run(ministry,
            {"sealsys", "access-test", "--child-url", "http://127.0.0.1:1", "--name", "无人应答", "--level", "province",
             "--division", "370000", "--province", "山东省", "--public-key", (tmp / "stranger.pem").string()},
            "seal.admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("\"passed\": false"), std::string::npos) << r.output;
    r = run(ministry,
            {"sealsys", "register", "--child-url", province.url(), "--name", "坏区划", "--level", "province",
             "--division", "990000", "--province", "山东省"},
            "seal.admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.application_invalid"), std::string::npos) << r.output;
    r = run(ministry,
            {"sealsys", "register", "--child-url", province.url(), "--name", "越权", "--level", "province",
             "--division", "370000", "--province", "山东省"},
            "op1");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("auth.denied"), std::string::npos) << r.output;
    r = run(ministry, {"sealsys", "peers", "list"}, "seal.admin");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(nlohmann::json::parse(r.output)["peers"].empty()) << r.output;
    // Sync before any registration is an illegal state.
    r = run(city, {"sealsys", "sync", "push"}, "hr.system");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.illegal_state"), std::string::npos) << r.output;

    // §7.3: city → province → ministry.
    const std::string city_id = register_with(province, city, "济南市人社局电子印章系统", "city", "370100", "济南市");
    const std::string province_id =
        register_with(ministry, province, "山东省人社厅电子印章系统", "province", "370000", "");
    ASSERT_FALSE(::testing::Test::HasFailure());
    // The same system twice: seal.duplicate.
    r = run(province,
            {"sealsys", "register", "--child-url", city.url(), "--name", "济南市人社局电子印章系统", "--level", "city",
             "--division", "370100", "--province", "山东省", "--city", "济南市"},
            "seal.admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.duplicate"), std::string::npos) << r.output;

    // A central seal in the city (§7.5), made after the signed approval.
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
    std::vector<std::string> apply = {"sealsys",
                                      "apply",
                                      (tmp / "form.json").string(),
                                      "--picture",
                                      (tmp / "seal.png").string(),
                                      "--delivery",
                                      "central",
                                      "--org-node",
                                      "city.hall"};
    for (const char* kind : {"application_letter", "handler_id", "handler_contact", "establishment_document"}) {
        yinxin::test::write_file(tmp / (std::string(kind) + ".pdf"), "%PDF-1.4 " + std::string(kind));
        apply.insert(apply.end(),
                     {"--material", std::string(kind) + "=" + (tmp / (std::string(kind) + ".pdf")).string()});
    }
    r = run(city, apply, "op1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string app_id = nlohmann::json::parse(r.output)["id"];
    r = run(city, {"sealsys", "approve", app_id, "--key", city.key("apv")}, "apv");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run(city, {"sealsys", "make", app_id}, "op1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string code = nlohmann::json::parse(r.output)["seal_code"];

    // §8.1.2/§8.2: the business system asks for the seal on an OFD, the reviewer approves, it is signed.
    r = run(city, {"seal-use", "grant", code, "--staff", "hr.system", "--permission", "use"}, "op1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run(city, {"seal-use", "grant", code, "--staff", "reviewer", "--permission", "review"}, "op1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    yinxin::test::write_file(tmp / "proof.ofd", one_page_ofd());
    r = run(city,
            {"seal-use", "request", (tmp / "proof.ofd").string(), "--seal", code, "--purpose", "参保证明盖章", "--page",
             "0", "--x", "120", "--y", "200"},
            "hr.system");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string use_id = nlohmann::json::parse(r.output)["id"];
    // A business system's request is signed on approval (sealsys/use.h).
    r = run(city, {"seal-use", "approve", use_id, "--key", city.key("reviewer")}, "reviewer");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"state\": \"signed\""), std::string::npos) << r.output;
    const std::string signed_ofd = (tmp / "proof.signed.ofd").string();
    r = run(city, {"seal-use", "fetch", use_id, "--out", signed_ofd}, "hr.system");
    ASSERT_EQ(r.exit_code, 0) << r.output;

    // The relying party at the ministry trusts the city's seal root (demo: one hierarchy per instance).
    r = run(city, {"sealsys", "status", code});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    {
        auto id = yinxin::test::run_process(
            {std::string(yinxin::test::k_yinxin_cli), "sealsys", "status", code, "--url", ministry.url()});
        EXPECT_NE(id.exit_code, 0) << "the ministry knows the seal before any sync: " << id.output;
        EXPECT_NE(id.output.find("seal.not_found"), std::string::npos) << id.output;
    }
    std::string city_root;
    {
        auto cas = store::SqliteStore::open(city.data->store());
        YX_ASSERT_OK(cas);
        auto ca = (*cas)->get_ca("demo-seal-root");
        YX_ASSERT_OK(ca);
        city_root = x509::Certificate::parse(ca->certificate_der).value().pem();
    }
    yinxin::test::write_file(tmp / "city-seal-root.pem", city_root);
    auto verify_at_ministry = [&]() {
        return yinxin::test::run_process({std::string(yinxin::test::k_yinxin_cli), "seal", "verify", signed_ofd,
                                          "--anchor", (tmp / "city-seal-root.pem").string(), "--status-url",
                                          ministry.url(), "--json"});
    };

    // §7.2: the city's seal status travels up, signed, city → province → ministry.
    r = run(city, {"sealsys", "sync", "push"}, "hr.system");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["accepted"], 1) << r.output;
    r = run(province, {"sealsys", "sync", "push"}, "hr.system");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["accepted"], 1) << r.output;
    r = run(ministry, {"sealsys", "status", code});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["status"], "valid") << r.output;
    r = verify_at_ministry();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"seal_status\""), std::string::npos) << r.output;
    // Pushing again sends nothing new.
    r = run(city, {"sealsys", "sync", "push"}, "hr.system");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["sent"], 0) << r.output;
    // Downward on request: the province knows nothing from other branches for the city.
    r = run(city, {"sealsys", "sync", "pull"}, "hr.system");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["sent"], 0) << r.output;
    // Only a business system may sync.
    r = run(city, {"sealsys", "sync", "push"}, "op1");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("auth.denied"), std::string::npos) << r.output;

    // A status message not signed by the registered key, or from no registered system, is refused
    // and changes nothing.
    {
        const std::string port = ministry.url().substr(ministry.url().rfind(':') + 1);
        yinxin::test::HttpClient client(static_cast<std::uint16_t>(std::stoi(port)));
        SyncMessage forged;
        forged.from = province_id;
        forged.system = "山东省人社厅电子印章系统";
        forged.sequence = 99;
        forged.time = SystemClock().now();
        SyncEntry e;
        e.info.seal_code = code;
        e.info.status = SealStatus::cancelled;
        e.info.changed_at = forged.time;
        e.info.valid_from = forged.time;
        e.info.valid_to = forged.time + std::chrono::hours(24);
        e.origin = "济南市人社局电子印章系统";
        forged.entries.push_back(e);
        auto post = [&](const SyncMessage& m) {
            const std::string text = encode_sync_message(m);
            const Bytes sig = crypto::sm2_sign(stranger, as_bytes(text)).value();
            const nlohmann::json body{{"message", base64_encode(as_bytes(text))}, {"signature", base64_encode(sig)}};
            return client.request(yinxin::test::http::verb::post, "/api/v1/sealsys/sync", body.dump(),
                                  "application/json");
        };
        auto reply = post(forged);
        ASSERT_TRUE(reply.has_value());
        EXPECT_EQ(reply->status(), 400u) << reply->body();
        EXPECT_NE(reply->body().find("seal.bad_sync_message"), std::string::npos) << reply->body();
        forged.from = "sp-00000000000000ff";
        reply = post(forged);
        ASSERT_TRUE(reply.has_value());
        EXPECT_EQ(reply->status(), 400u) << reply->body();
        r = run(ministry, {"sealsys", "status", code});
        EXPECT_EQ(nlohmann::json::parse(r.output)["status"], "valid") << r.output;
    }

    // §7.7: the city reports the seal lost.
    std::vector<std::string> loss = {"sealsys", "lifecycle", "request",  "--kind",      "loss",
                                     "--seal",  code,        "--reason", "印章密钥泄露"};
    for (const char* kind : {"reason_statement", "handler_id", "handler_contact", "establishment_document"})
        loss.insert(loss.end(), {"--material", std::string(kind) + "=" + (tmp / "handler_id.pdf").string()});
    r = run(city, loss, "op1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string loss_id = nlohmann::json::parse(r.output)["id"];
    r = run(city, {"sealsys", "lifecycle", "approve", loss_id, "--key", city.key("apv")}, "apv");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run(city, {"sealsys", "lifecycle", "execute", loss_id}, "op1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // Not synchronised yet: the ministry still says valid.
    r = run(ministry, {"sealsys", "status", code});
    EXPECT_EQ(nlohmann::json::parse(r.output)["status"], "valid") << r.output;

    r = run(city, {"sealsys", "sync", "push"}, "hr.system");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run(province, {"sealsys", "sync", "push"}, "hr.system");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run(ministry, {"sealsys", "status", code});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["status"], "lost") << r.output;
    r = verify_at_ministry();
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("seal not valid"), std::string::npos) << r.output;

    r = run(ministry, {"sealsys", "peers", "show", province_id}, "seal.admin");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["last_sequence"], 2) << r.output;
    r = run(province, {"sealsys", "peers", "show", city_id}, "seal.admin");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["last_sequence"], 3) << r.output;

    EXPECT_EQ(city.serve->stop(), 0);
    EXPECT_EQ(province.serve->stop(), 0);
    EXPECT_EQ(ministry.serve->stop(), 0);
}

TEST(SealHierarchy, SyncMessageCodecRefusesMalformedInput) {
    SyncMessage m;
    m.from = "sp-0123456789abcdef";
    m.system = "济南";
    m.sequence = 7;
    m.time = from_unix(1'800'000'000);
    SyncEntry e;
    e.info.seal_code = "37010000000001";
    e.info.status = SealStatus::lost;
    e.info.changed_at = from_unix(1'799'999'000);
    e.origin = "济南";
    m.entries.push_back(e);
    const std::string text = encode_sync_message(m);
    auto back = decode_sync_message(text);
    YX_ASSERT_OK(back);
    EXPECT_EQ(back->sequence, 7);
    ASSERT_EQ(back->entries.size(), 1u);
    EXPECT_EQ(back->entries[0].info.status, SealStatus::lost);
    EXPECT_EQ(back->entries[0].info.seal_code, "37010000000001");

    YX_EXPECT_CODE(decode_sync_message("not json"), Errc::seal_bad_sync_message);
    auto j = nlohmann::json::parse(text);
    j["type"] = "other/1";
    YX_EXPECT_CODE(decode_sync_message(j.dump()), Errc::seal_bad_sync_message);
    j = nlohmann::json::parse(text);
    j["entries"][0]["seal_code"] = "3701";
    YX_EXPECT_CODE(decode_sync_message(j.dump()), Errc::seal_bad_sync_message);
    j = nlohmann::json::parse(text);
    j["entries"][0]["status"] = "stolen";
    YX_EXPECT_CODE(decode_sync_message(j.dump()), Errc::seal_bad_sync_message);
    j = nlohmann::json::parse(text);
    j["sequence"] = 0;
    YX_EXPECT_CODE(decode_sync_message(j.dump()), Errc::seal_bad_sync_message);
    j = nlohmann::json::parse(text);
    j.erase("time");
    YX_EXPECT_CODE(decode_sync_message(j.dump()), Errc::seal_bad_sync_message);
}

TEST(SealHierarchy, StoreRefusesReplayedSequencesAndOlderStatuses) {
    ScratchDir tmp;
    auto store = store::SqliteSealHierarchyStore::open((tmp / "store.db").string()).value();
    PeerRecord p;
    p.id = "sp-0123456789abcdef";
    p.registration.name = "济南";
    p.registration.level = SystemLevel::city;
    p.registration.division_code = "370100";
    p.registration.base_url = "http://127.0.0.1:9";
    p.registration.province = "山东省";
    p.registration.city = "济南市";
    p.registration.public_key = crypto::Sm2PrivateKey::generate().value().public_key().spki_der();
    p.access_report = {{"health", true, "HTTP 200"}};
    YX_ASSERT_OK(store->insert_peer(p));
    YX_EXPECT_CODE(store->insert_peer(p), Errc::seal_duplicate);
    RemoteSealStatus s;
    s.info.seal_code = "37010000000001";
    s.info.status = SealStatus::valid;
    s.info.changed_at = from_unix(1000);
    s.source_peer = p.id;
    s.origin_system = "济南";
    // Not registered yet: nothing accepted.
    YX_EXPECT_CODE(store->accept_sync(p.id, 1, from_unix(2000), {s}), Errc::seal_bad_sync_message);
    p.state = PeerState::registered;
    p.certificate_der = {0x30, 0x00};
    p.approved_by = "admin";
    p.approved_at = from_unix(1500);
    YX_ASSERT_OK(store->register_peer(p));
    YX_EXPECT_CODE(store->register_peer(p), Errc::seal_illegal_state);
    EXPECT_EQ(store->accept_sync(p.id, 1, from_unix(2000), {s}).value(), 1u);
    YX_EXPECT_CODE(store->accept_sync(p.id, 1, from_unix(2001), {s}), Errc::seal_bad_sync_message);
    // A newer loss wins; an older "valid" that arrives late does not undo it.
    RemoteSealStatus lost = s;
    lost.info.status = SealStatus::lost;
    lost.info.changed_at = from_unix(3000);
    EXPECT_EQ(store->accept_sync(p.id, 2, from_unix(3001), {lost}).value(), 1u);
    EXPECT_EQ(store->accept_sync(p.id, 3, from_unix(3002), {s}).value(), 0u);
    EXPECT_EQ(store->find_remote(s.info.seal_code).value()->info.status, SealStatus::lost);
    EXPECT_EQ(store->find_peer(p.id).value()->last_sequence, 3);
    EXPECT_EQ(store->remote_after(0, 10).value().size(), 1u);
}

}  // namespace
}  // namespace yinxin::sealsys::test
