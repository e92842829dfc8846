// The ministry/province/city hierarchy (issue 8 "Checked by", LD/T 01.1-2022 §7.2, §7.3, §8.3): three
// real `yinxin serve` instances on loopback ports serving HTTPS with --client-ca, each with its own
// data directory (device init, ca init with the demo hierarchy, staff in its store) and a TLS client
// certificate for the calls to the others (sealsys-hierarchy.json "tls"). The city registers with
// the province and the province with the ministry through the access test over mutual TLS and a super
// admin's signed approval; the city makes a central seal, a business system has it applied to an OFD
// with a reviewer's approval; the scheduled sync (every second) carries its status up and the
// ministry verifies the document online (valid); the city reports the seal lost; the scheduled sync
// city → province → ministry carries the loss and the ministry's verification says "seal not valid".
// Callers without a TLS client certificate get 401 on the peer routes and change nothing.
// Plus: the sync message codec and the replay guard of the store, and bad input refused.
#include "yinxin/sealsys/hierarchy.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "api/http_client.h"
#include "cli/cli_fixture.h"
#include "sealsys_fixture.h"
#include "yinxin/ofd/package.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_seal_hierarchy_store.h"
#include "yinxin/store/sqlite_store.h"

namespace yinxin::sealsys::test {
namespace {

using yinxin::test::CliData;
using yinxin::test::ScratchDir;
using yinxin::test::ServeProcess;

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

// The TLS material of the three instances: a P-256 TLS root made in `ca_dir` (`ca init` with the
// tls-root-ca profile), one server certificate for 127.0.0.1 and a client certificate (profile
// tls-client) per instance, made with the openssl CLI's keys and `yinxin cert issue`.
struct Tls {
    std::string ca;  // PEM of the TLS root: the servers' --client-ca and the peers' cacert
    std::string server_cert, server_key;
    std::map<std::string, std::pair<std::string, std::string>> clients;  // name -> (certificate, key)
};

Tls make_tls(const CliData& ca_data, const std::filesystem::path& dir, const std::vector<std::string>& clients) {
    Tls t;
    auto with_signing = [&](std::vector<std::string> args) {
        for (auto& o : ca_data.signing_opts()) args.push_back(o);
        return ca_data.run(args);
    };
    yinxin::test::write_file(dir / "tls-ceremony.json", std::string(R"json({
  "publication": {"base_url": "http://127.0.0.1:8080", "cps_oid": "1.2.156.112570.150", "cps_uri": "http://127.0.0.1:8080/cps"},
  "cas": [{"id": "demo-tls-root", "name": "Demo TLS Root", "kind": "root", "profile": "tls-root-ca",
           "key_algorithm": "ecdsa-p256", "subject": [["C", "CN"], ["O", "Yinxin Demo"], ["CN", "Yinxin Demo TLS Root CA"]]}]
})json"));
    auto r = with_signing({"ca", "init", "--config", (dir / "tls-ceremony.json").string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    t.ca = (dir / "tls-ca.pem").string();
    r = ca_data.run({"ca", "show", "demo-tls-root", "--data-dir", ca_data.dir(), "--out", t.ca});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto pair = [&](const std::string& name, const std::string& profile, std::vector<std::string> hosts) {
        const std::string key = (dir / (name + ".key")).string();
        const std::string csr = (dir / (name + ".csr")).string();
        const std::string cert = (dir / (name + ".pem")).string();
        auto o =
            yinxin::test::openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key});
        EXPECT_EQ(o.exit_code, 0) << o.output;
        o = yinxin::test::openssl({"req", "-new", "-key", key, "-subj", "/CN=" + name, "-out", csr});
        EXPECT_EQ(o.exit_code, 0) << o.output;
        std::vector<std::string> args = {"cert",  "issue", "--ca", "demo-tls-root", "--profile",
                                         profile, "--csr", csr,    "--out",         cert};
        for (auto& h : hosts) args.insert(args.end(), {"--host", h});
        o = with_signing(args);
        EXPECT_EQ(o.exit_code, 0) << o.output;
        return std::make_pair(cert, key);
    };
    std::tie(t.server_cert, t.server_key) = pair("seal-server", "tls-server", {"127.0.0.1", "localhost"});
    for (const auto& c : clients) t.clients[c] = pair(c, "tls-client", {});
    return t;
}

// One Yinxin instance: data directory, staff (each with a key file), its server and their tokens.
// Staff use the plain loopback listener (--plain-port); the instances reach each other over HTTPS.
struct Instance {
    std::filesystem::path dir;
    std::string name;
    std::unique_ptr<CliData> data;
    std::unique_ptr<ServeProcess> serve;
    std::map<std::string, std::string> tokens;  // login -> token file

    std::string key(const std::string& id) const { return (dir / (id + ".key.pem")).string(); }
    std::string url() const { return serve->plain_url(); }  // staff
    std::string peer_url() const { return serve->url(); }   // https://127.0.0.1:<port>
};

constexpr const char* k_logins[] = {"admin",  "seal.admin", "status.admin", "sealuse.admin", "op1",
                                    "use.op", "apv",        "hr.system",    "reviewer"};

// The data directory and its staff (no server yet).
void prepare(Instance& in, const std::filesystem::path& dir, const std::string& name) {
    in.dir = dir;
    in.name = name;
    in.data = std::make_unique<CliData>(dir / "data");
    in.data->prepare();
    ASSERT_TRUE(in.data->ok());
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
    // Registration of subordinate systems belongs to the status publishing subsystem.
    YX_ASSERT_OK(svc.create_staff("admin", spec("status.admin", Role::business_admin, "ra", Subsystem::seal_status)));
    // Seal users' permissions belong to the seal use system (§9.4), with its own admin and operator.
    YX_ASSERT_OK(svc.create_staff("admin", spec("sealuse.admin", Role::business_admin, "ra", Subsystem::seal_use)));
    YX_ASSERT_OK(svc.create_staff("seal.admin", spec("op1", Role::business_operator, "city", Subsystem::seal)));
    YX_ASSERT_OK(
        svc.create_staff("sealuse.admin", spec("use.op", Role::business_operator, "city", Subsystem::seal_use)));
    YX_ASSERT_OK(svc.create_staff("seal.admin", spec("apv", Role::approver, "city.hall", Subsystem::none)));
    YX_ASSERT_OK(
        svc.create_staff("seal.admin", spec("hr.system", Role::business_system, "city.hall", Subsystem::none)));
    YX_ASSERT_OK(svc.create_staff("seal.admin", spec("reviewer", Role::seal_reviewer, "city.hall", Subsystem::none)));
    for (const char* id : k_logins) YX_ASSERT_OK(svc.change_password(id, k_pw, k_new_pw));
    yinxin::test::write_file(dir / "pw.txt", std::string(k_new_pw) + "\n");
}

// sealsys-hierarchy.json with the TLS block and a one-second schedule, then `serve` over HTTPS with
// --client-ca (and a plain loopback port for the staff CLI), then every staff member logs in.
void start(Instance& in, const std::string& level, const Tls& tls, const std::string& client) {
    const auto& [cert, key] = tls.clients.at(client);
    yinxin::test::write_file(
        std::filesystem::path(in.data->dir()) / "sealsys-hierarchy.json",
        nlohmann::json{{"name", in.name},
                       {"level", level},
                       {"sync_interval_s", 1},
                       {"tls", {{"cacert", tls.ca}, {"client_certificate", cert}, {"client_key", key}}}}
            .dump());
    in.serve = std::make_unique<ServeProcess>(
        in.data->dir(),
        std::vector<std::string>{"--shares-file", in.data->shares(), "--pin-file", in.data->pin_file(),
                                 "--publish-interval", "0", "--notify-interval", "0", "--tls-cert", tls.server_cert,
                                 "--tls-key", tls.server_key, "--client-ca", tls.ca, "--plain-port", "0"});
    ASSERT_EQ(in.serve->url().rfind("https://127.0.0.1:", 0), 0u) << in.serve->output();
    ASSERT_FALSE(in.serve->plain_url().empty()) << in.serve->output();
    const std::string out = in.serve->output();
    ASSERT_NE(out.find("seal hierarchy: " + in.name), std::string::npos) << out;
    ASSERT_NE(out.find("peer routes over mutual TLS; outgoing calls present the client certificate"), std::string::npos)
        << out;
    ASSERT_NE(out.find("scheduled sync every 1 s"), std::string::npos) << out;
    for (const char* id : k_logins) {
        auto r = in.data->run({"staff", "login", "--url", in.url(), "--login", id, "--password-file",
                               (in.dir / "pw.txt").string(), "--key", in.key(id)});
        ASSERT_EQ(r.exit_code, 0) << r.output;
        const auto j = nlohmann::json::parse(r.output, nullptr, false);
        const auto path = in.dir / (std::string(id) + ".token");
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

// child registers with parent (access test over mutual TLS), the parent's super admin approves, the
// child links (over mutual TLS).
std::string register_with(const Instance& parent, const Instance& child, const std::string& level,
                          const std::string& division, const std::string& city, const std::string& tls_ca) {
    auto r = run(parent,
                 {"sealsys", "register", "--child-url", child.peer_url(), "--cacert", tls_ca, "--name", child.name,
                  "--level", level, "--division", division, "--province", "山东省", "--city", city},
                 "status.admin");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const auto peer = nlohmann::json::parse(r.output, nullptr, false);
    const std::string id = peer.value("id", std::string());
    EXPECT_EQ(peer.value("state", std::string()), "tested") << r.output;
    EXPECT_EQ(peer["access_report"].size(), 5u) << r.output;
    // The entering business admin is not the second person.
    r = run(parent, {"sealsys", "peers", "approve", id, "--key", parent.key("status.admin")}, "status.admin");
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
    // An instance serving TLS links to an https:// parent only.
    r = run(child, {"sealsys", "parent", "--parent-url", parent.url(), "--peer-id", id}, "status.admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("https:// only"), std::string::npos) << r.output;
    r = run(child, {"sealsys", "parent", "--parent-url", parent.peer_url(), "--peer-id", id}, "status.admin");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return id;
}

// The seal's status as the instance answers it ("" when it answers none).
std::string status_at(const Instance& in, const std::string& code) {
    auto r = yinxin::test::run_process(
        {std::string(yinxin::test::k_yinxin_cli), "sealsys", "status", code, "--url", in.url()});
    if (r.exit_code != 0) return {};
    const auto j = nlohmann::json::parse(r.output, nullptr, false);
    return j.is_object() ? j.value("status", std::string()) : std::string();
}

// Waits (up to `timeout`) for the scheduled sync to bring the instance the wanted status.
bool wait_for_status(const Instance& in, const std::string& code, const std::string& want,
                     std::chrono::seconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (status_at(in, code) == want) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
}

// The audit records of an instance with this action (read from its store while it runs).
std::vector<audit::AuditRecord> audit_records(const Instance& in, const std::string& action) {
    std::vector<audit::AuditRecord> out;
    auto store = store::SqliteAuditStore::open(in.data->store());
    EXPECT_TRUE(store.ok());
    if (!store.ok()) return out;
    for (std::uint64_t from = 1;;) {
        auto batch = (*store)->read_range(from, 1000);
        EXPECT_TRUE(batch.ok());
        if (!batch.ok() || batch->empty()) break;
        for (auto& rec : *batch)
            if (rec.action == action) out.push_back(rec);
        from = batch->back().seq + 1;
    }
    return out;
}

// curl to a peer route: over TLS with the given client certificate (or none), the body from a file;
// returns "<HTTP status> <body>".
std::string curl_post(const std::string& url, const std::string& tls_ca, const std::string& body_file,
                      const std::pair<std::string, std::string>* client) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-s",           "-w",
                                     " %{http_code}", "-H",           "Content-Type: application/json",
                                     "--data-binary", "@" + body_file};
    if (url.rfind("https://", 0) == 0) argv.insert(argv.end(), {"--cacert", tls_ca});
    if (client != nullptr) argv.insert(argv.end(), {"--cert", client->first, "--key", client->second});
    argv.push_back(url);
    auto r = yinxin::test::run_process(argv);
    const auto space = r.output.rfind(' ');
    return space == std::string::npos ? r.output : r.output.substr(space + 1) + " " + r.output.substr(0, space);
}

TEST(SealHierarchy, CityProvinceMinistryOverMutualTlsWithScheduledSyncAndOnlineVerification) {
    ASSERT_TRUE(yinxin::test::executable_available("/usr/bin/curl", "curl"));
    ASSERT_TRUE(yinxin::test::openssl_available());
    ScratchDir tmp;
    Instance ministry, province, city;
    prepare(ministry, tmp / "ministry", "人社部电子印章系统");
    prepare(province, tmp / "province", "山东省人社厅电子印章系统");
    prepare(city, tmp / "city", "济南市人社局电子印章系统");
    ASSERT_FALSE(::testing::Test::HasFailure());
    const Tls tls = make_tls(*ministry.data, tmp.path(), {"ministry-client", "province-client", "city-client"});
    ASSERT_FALSE(::testing::Test::HasFailure());
    start(ministry, "ministry", tls, "ministry-client");
    start(province, "province", tls, "province-client");
    start(city, "city", tls, "city-client");
    ASSERT_FALSE(::testing::Test::HasFailure());

    // Bad input and a failing access test register nothing: the province presents its own key, not
    // the one entered (a fresh key file).
    const auto stranger = crypto::Sm2PrivateKey::generate().value();
    yinxin::test::write_file(tmp / "stranger.pem", stranger.public_key().pem());
    auto r =
        run(ministry,
            {"sealsys", "register", "--child-url", province.peer_url(), "--name", "冒名系统", "--level", "province",
             "--division", "370000", "--province", "山东省", "--public-key", (tmp / "stranger.pem").string()},
            "status.admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.access_test_failed"), std::string::npos) << r.output;
    for (const char* check : {"identity", "revocation_list", "signed_probe"})
        EXPECT_NE(r.output.find(check), std::string::npos) << r.output;
    // An instance serving TLS tests and registers https:// systems only.
    r = run(ministry,
            {"sealsys", "access-test", "--child-url", province.url(), "--name", "明文系统", "--level", "province",
             "--division", "370000", "--province", "山东省", "--public-key", (tmp / "stranger.pem").string()},
            "status.admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.application_invalid"), std::string::npos) << r.output;
    r = run(
        ministry,
        {"sealsys", "access-test", "--child-url", "https://127.0.0.1:1", "--name", "无人应答", "--level", "province",
         "--division", "370000", "--province", "山东省", "--public-key", (tmp / "stranger.pem").string()},
        "status.admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("\"passed\": false"), std::string::npos) << r.output;
    r = run(ministry,
            {"sealsys", "register", "--child-url", province.peer_url(), "--cacert", tls.ca, "--name", "坏区划",
             "--level", "province", "--division", "990000", "--province", "山东省"},
            "status.admin");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.application_invalid"), std::string::npos) << r.output;
    r = run(ministry,
            {"sealsys", "register", "--child-url", province.peer_url(), "--cacert", tls.ca, "--name", "越权", "--level",
             "province", "--division", "370000", "--province", "山东省"},
            "op1");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("auth.denied"), std::string::npos) << r.output;
    r = run(ministry, {"sealsys", "peers", "list"}, "status.admin");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(nlohmann::json::parse(r.output)["peers"].empty()) << r.output;
    // Sync before any registration is an illegal state.
    r = run(city, {"sealsys", "sync", "push"}, "hr.system");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("seal.illegal_state"), std::string::npos) << r.output;

    // §7.3: city → province → ministry, over mutual TLS.
    const std::string city_id = register_with(province, city, "city", "370100", "济南市", tls.ca);
    const std::string province_id = register_with(ministry, province, "province", "370000", "", tls.ca);
    ASSERT_FALSE(::testing::Test::HasFailure());
    // The same system twice: seal.duplicate.
    r = run(province,
            {"sealsys", "register", "--child-url", city.peer_url(), "--cacert", tls.ca, "--name", city.name, "--level",
             "city", "--division", "370100", "--province", "山东省", "--city", "济南市"},
            "status.admin");
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
    r = run(city, {"seal-use", "grant", code, "--staff", "hr.system", "--permission", "use"}, "use.op");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run(city, {"seal-use", "grant", code, "--staff", "reviewer", "--permission", "review"}, "use.op");
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
    EXPECT_EQ(status_at(city, code), "valid");
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

    // §7.2: the scheduled sync carries the city's seal status up, signed, city → province → ministry.
    ASSERT_TRUE(wait_for_status(ministry, code, "valid", std::chrono::seconds(30)))
        << city.serve->output() << province.serve->output() << ministry.serve->output();
    r = verify_at_ministry();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"seal_status\""), std::string::npos) << r.output;
    // A member may still push at once beside the schedule; only a business system may.
    r = run(city, {"sealsys", "sync", "push"}, "hr.system");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = run(city, {"sealsys", "sync", "push"}, "op1");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("auth.denied"), std::string::npos) << r.output;

    // A caller without a TLS client certificate gets 401 on the peer routes, over HTTPS and over the
    // plain loopback port, and changes nothing; a signed message that is not the registered key's is
    // refused even over mutual TLS.
    {
        SyncMessage forged;
        forged.from = province_id;
        forged.system = province.name;
        forged.sequence = 1'000'000;
        forged.time = SystemClock().now();
        SyncEntry e;
        e.info.seal_code = code;
        e.info.status = SealStatus::cancelled;
        e.info.changed_at = forged.time;
        e.info.valid_from = forged.time;
        e.info.valid_to = forged.time + std::chrono::hours(24);
        e.origin = city.name;
        forged.entries.push_back(e);
        const std::string text = encode_sync_message(forged);
        const Bytes sig = crypto::sm2_sign(stranger, as_bytes(text)).value();
        yinxin::test::write_file(
            tmp / "forged.json",
            nlohmann::json{{"message", base64_encode(as_bytes(text))}, {"signature", base64_encode(sig)}}.dump());
        yinxin::test::write_file(tmp / "pull.json", nlohmann::json{{"peer_id", province_id},
                                                                   {"after", 0},
                                                                   {"time", to_unix(SystemClock().now())},
                                                                   {"signature", base64_encode(sig)}}
                                                        .dump());
        yinxin::test::write_file(
            tmp / "probe.json",
            nlohmann::json{{"nonce", base64_encode(Bytes(32, 7))}, {"base_url", "https://127.0.0.1:1"}}.dump());
        const std::vector<std::pair<std::string, std::string>> peer_calls = {
            {"/sync", "forged.json"}, {"/sync/pull", "pull.json"}, {"/probe", "probe.json"}};
        const std::size_t refused_before = audit_records(ministry, "sealsys.sync.receive").size();
        for (const std::string& base : {ministry.peer_url(), ministry.url()}) {
            for (const auto& [route, body] : peer_calls) {
                const std::string got =
                    curl_post(base + "/api/v1/sealsys" + route, tls.ca, (tmp / body).string(), nullptr);
                EXPECT_EQ(got.substr(0, 4), "401 ") << base << route << ": " << got;
                EXPECT_NE(got.find("api.unauthenticated"), std::string::npos) << got;
            }
        }
        const auto& client = tls.clients.at("city-client");
        std::string got =
            curl_post(ministry.peer_url() + "/api/v1/sealsys/sync", tls.ca, (tmp / "forged.json").string(), &client);
        EXPECT_EQ(got.substr(0, 4), "400 ") << got;
        EXPECT_NE(got.find("seal.bad_sync_message"), std::string::npos) << got;
        // Nothing changed: the seal is valid at the ministry, the province's sequence did not jump,
        // and the refusals are in the ministry's audit log (the mTLS one names the client).
        EXPECT_EQ(status_at(ministry, code), "valid");
        r = run(ministry, {"sealsys", "peers", "show", province_id}, "status.admin");
        ASSERT_EQ(r.exit_code, 0) << r.output;
        EXPECT_LT(nlohmann::json::parse(r.output)["last_sequence"].get<std::int64_t>(), 1'000'000) << r.output;
        const auto receives = audit_records(ministry, "sealsys.sync.receive");
        std::size_t unauthenticated = 0;
        bool named = false;
        for (std::size_t i = refused_before; i < receives.size(); ++i) {
            if (!receives[i].success && receives[i].error_code == static_cast<std::uint32_t>(Errc::api_unauthenticated))
                ++unauthenticated;
            if (!receives[i].success && receives[i].detail.find("TLS client CN=city-client") != std::string::npos)
                named = true;
        }
        EXPECT_EQ(unauthenticated, 2u);
        EXPECT_TRUE(named);
        // The accepted scheduled messages name the province's TLS client certificate.
        bool province_named = false;
        for (const auto& rec : receives)
            province_named =
                province_named || (rec.success && rec.detail.find("CN=province-client") != std::string::npos);
        EXPECT_TRUE(province_named);
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

    // No member pushes: the schedule carries the loss to the ministry.
    ASSERT_TRUE(wait_for_status(ministry, code, "lost", std::chrono::seconds(30)))
        << city.serve->output() << province.serve->output() << ministry.serve->output();
    r = verify_at_ministry();
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("seal not valid"), std::string::npos) << r.output;
    EXPECT_NE(city.serve->output().find("seal hierarchy: scheduled push: sequence"), std::string::npos)
        << city.serve->output();
    // The scheduled runs are the system's, audited like the members' runs.
    std::size_t system_pushes = 0;
    for (const auto& rec : audit_records(city, "sealsys.sync.push"))
        if (rec.actor == "system" && rec.role == "system" && rec.success) ++system_pushes;
    EXPECT_GE(system_pushes, 2u);
    std::size_t system_pulls = 0;
    for (const auto& rec : audit_records(province, "sealsys.sync.pull"))
        if (rec.actor == "system" && rec.success) ++system_pulls;
    EXPECT_GE(system_pulls, 1u);

    EXPECT_EQ(city.serve->stop(), 0);
    EXPECT_EQ(province.serve->stop(), 0);
    EXPECT_EQ(ministry.serve->stop(), 0);
    // Each shut down cleanly with the schedule running (no crash, no sync after stop).
    EXPECT_NE(city.serve->output().find("stopped"), std::string::npos) << city.serve->output();
}

// The settings file is checked at start (a bad interval or TLS block stops serve with a clear
// message); without TLS the hierarchy stays on plain HTTP for development: serve says so, and the
// peer routes answer without a client certificate (the signature is then the only check).
TEST(SealHierarchy, SettingsAreCheckedAndPlainHttpIsDevelopmentOnly) {
    ScratchDir tmp;
    CliData data(tmp / "data");
    data.prepare();
    ASSERT_TRUE(data.ok());
    const auto settings = std::filesystem::path(data.dir()) / "sealsys-hierarchy.json";
    const std::vector<std::string> args = {"--shares-file",      data.shares(), "--pin-file",        data.pin_file(),
                                           "--publish-interval", "0",           "--notify-interval", "0"};
    auto serve_fails = [&](const nlohmann::json& j, const std::string& why) {
        yinxin::test::write_file(settings, j.dump());
        std::vector<std::string> argv = {
            std::string(yinxin::test::k_yinxin_cli), "serve", "--listen", "127.0.0.1:0", "--data-dir", data.dir()};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = yinxin::test::run_process(argv);
        EXPECT_NE(r.exit_code, 0) << r.output;
        EXPECT_NE(r.output.find(why), std::string::npos) << r.output;
    };
    serve_fails({{"name", "济南"}, {"sync_interval_s", -1}}, "sync_interval_s must be 0 (off) .. 86400 seconds");
    serve_fails({{"name", "济南"}, {"sync_interval_s", "300"}}, "sync_interval_s must be 0 (off) .. 86400 seconds");
    serve_fails({{"tls", {{"cacert", "no-such.pem"}}}}, "/data/no-such.pem' is not a file");
    yinxin::test::write_file(tmp / "ca.pem", "x");
    serve_fails({{"tls", {{"cacert", (tmp / "ca.pem").string()}, {"client_certificate", (tmp / "ca.pem").string()}}}},
                "\"client_certificate\" and \"client_key\" go together");
    serve_fails({{"tls", {{"client_key", (tmp / "ca.pem").string()}}}}, "tls needs \"cacert\"");
    serve_fails({{"sync", "always"}}, "sync is not a setting");

    yinxin::test::write_file(
        settings,
        nlohmann::json{{"name", "济南市人社局电子印章系统"}, {"level", "city"}, {"sync_interval_s", 0}}.dump());
    ServeProcess serve(data.dir(), args);
    ASSERT_FALSE(serve.url().empty());
    const std::string out = serve.output();
    EXPECT_NE(out.find("peers over plain HTTP (development only: production requires TLS"), std::string::npos) << out;
    EXPECT_EQ(out.find("scheduled sync every"), std::string::npos) << out;
    yinxin::test::write_file(tmp / "empty.json", R"({"message": "", "signature": ""})");
    const std::string got = curl_post(serve.url() + "/api/v1/sealsys/sync", {}, (tmp / "empty.json").string(), nullptr);
    EXPECT_EQ(got.substr(0, 4), "400 ") << got;
    EXPECT_NE(got.find("seal.bad_sync_message"), std::string::npos) << got;
    EXPECT_EQ(serve.stop(), 0);
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
