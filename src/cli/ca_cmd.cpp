// Parsing and printing only (ARCHITECTURE.md: api/cli hold no business rules): every check of a
// request, profile, lint and the issuance order lives in src/ca and src/profile.
//
// A CA command works on a data directory: <data-dir>/store.db (the SQLite store) and
// <data-dir>/device.db (the soft device, created by `yinxin device init`). The soft device is
// locked in every new process, so commands that sign need custodian shares (--shares-file) and
// the CA key PIN (--pin-file, or env YINXIN_CA_KEY_PIN); the server keeps the device unlocked
// in memory instead.
#include "ca_cmd.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_util.h"
#include "signing_env.h"
#include "staff_cmd.h"
#include "status_cmd.h"
#include "yinxin/asn1/oids.h"
#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/clock.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/names.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/device/soft_device.h"
#include "yinxin/profile/profile.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_auth_store.h"
#include "yinxin/store/sqlite_store.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/csr.h"
#include "yinxin/x509/name.h"
#include "yinxin/x509/path.h"
#include "yinxin/x509/public_key.h"

namespace yinxin::cli {
namespace {

namespace fs = std::filesystem;

// Exit statuses of `cert verify` (scripts tell a broken chain from a usage error).
constexpr int k_exit_invalid = 2;

std::string format_time(TimePoint t) { return format_rfc3339(t); }

nlohmann::json step_json(const ca::CeremonyStep& s) {
    return {{"step", s.number},   {"action", s.action},   {"ca_id", s.ca_id},
            {"detail", s.detail}, {"success", s.success}, {"at", to_unix(s.at)}};
}

nlohmann::json certificate_json(const x509::Certificate& c) {
    nlohmann::json j;
    j["serial"] = c.serial_hex();
    j["subject"] = c.subject().to_string();
    j["issuer"] = c.issuer().to_string();
    j["not_before"] = format_time(c.not_before());
    j["not_after"] = format_time(c.not_after());
    j["signature_algorithm"] = std::string(asn1::oid_name(c.signature_algorithm().oid));
    j["public_key_algorithm"] = std::string(asn1::oid_name(c.public_key_info().algorithm().oid));
    const auto& ext = c.extensions();
    if (ext.basic_constraints()) {
        j["ca"] = ext.basic_constraints()->ca;
        if (ext.basic_constraints()->path_len) j["path_len"] = *ext.basic_constraints()->path_len;
    }
    if (ext.key_usage()) j["key_usage_bits"] = ext.key_usage()->bits;
    if (ext.subject_key_identifier()) j["subject_key_id"] = hex_encode(*ext.subject_key_identifier());
    if (ext.authority_key_identifier() && ext.authority_key_identifier()->key_id)
        j["authority_key_id"] = hex_encode(*ext.authority_key_identifier()->key_id);
    const auto fp = c.fingerprint_sm3();
    j["fingerprint_sm3"] = hex_encode(fp);
    return j;
}

void print_certificate(const x509::Certificate& c) {
    const auto j = certificate_json(c);
    std::cout << "serial:      " << c.serial_hex() << "\n"
              << "subject:     " << c.subject().to_string() << "\n"
              << "issuer:      " << c.issuer().to_string() << "\n"
              << "validity:    " << j["not_before"].get<std::string>() << " .. " << j["not_after"].get<std::string>()
              << "\n"
              << "algorithm:   " << j["signature_algorithm"].get<std::string>() << "\n"
              << "SM3 print:   " << j["fingerprint_sm3"].get<std::string>() << "\n";
    if (j.contains("ca")) std::cout << "CA:          " << (j["ca"].get<bool>() ? "yes" : "no") << "\n";
}

// ---- ca init -------------------------------------------------------------------------------

struct InitArgs {
    EnvArgs env;
    std::string config;
    std::string csr_dir;
};

void run_ca_init(const InitArgs& a) {
    auto cfg = take(ca::CeremonyConfig::load_file(a.config));
    auto env = open_signing_env(a.env);
    SystemClock clock;
    crypto::OpensslRng rng;
    auto ctx = context_of(*env, clock, rng);
    auto result = take(ca::run_ceremony(cfg, ctx));
    check(save_publication(a.env, cfg.publication));
    const std::string csr_dir = a.csr_dir.empty() ? a.env.data_dir : a.csr_dir;
    std::vector<std::string> csr_files;
    for (const auto& [id, der] : result.csrs) {
        const std::string path = (fs::path(csr_dir) / (id + ".csr.pem")).string();
        check(write_binary_file(path, as_bytes(pem_encode("CERTIFICATE REQUEST", der))));
        csr_files.push_back(path);
    }
    if (a.env.json) {
        nlohmann::json j;
        j["steps"] = nlohmann::json::array();
        for (const auto& s : result.steps) j["steps"].push_back(step_json(s));
        j["created"] = nlohmann::json::array();
        for (const auto& c : result.created) j["created"].push_back(c.id);
        j["csr_files"] = csr_files;
        std::cout << j.dump() << "\n";
        return;
    }
    for (const auto& s : result.steps)
        std::cout << "  " << s.number << ". " << s.action << "  " << s.ca_id << (s.detail.empty() ? "" : "  ")
                  << s.detail << (s.success ? "" : "  FAILED") << "\n";
    for (const auto& f : csr_files) std::cout << "CSR for the outside authority: " << f << "\n";
    std::cout << "ceremony complete: " << result.created.size() << " CA(s) created\n";
}

// ---- ca import -----------------------------------------------------------------------------

struct ImportArgs {
    EnvArgs env;
    std::string id;
    std::string cert;
};

void run_ca_import(const ImportArgs& a) {
    const Bytes der = take(read_der_or_pem(a.cert, "CERTIFICATE"));
    auto env = open_signing_env(a.env);
    SystemClock clock;
    crypto::OpensslRng rng;
    auto ctx = context_of(*env, clock, rng);
    const auto rec = take(ca::import_external_certificate(a.id, der, ctx));
    if (a.env.json) {
        std::cout << nlohmann::json{{"imported", rec.id}, {"subject", rec.subject_dn}}.dump() << "\n";
    } else {
        std::cout << "imported the certificate of CA " << rec.id << " (" << rec.subject_dn << ")\n";
    }
}

// ---- ca list / show ------------------------------------------------------------------------

nlohmann::json ca_json(const ca::CaRecord& c) {
    nlohmann::json j{{"id", c.id},
                     {"name", c.name},
                     {"kind", std::string(ca::ca_kind_name(c.kind))},
                     {"status", c.status == ca::CaStatus::active ? "active" : "retired"},
                     {"subject", c.subject_dn},
                     {"parent", c.parent_id},
                     {"created_at", c.created_at}};
    if (!c.key.backend.empty()) j["key"] = {{"backend", c.key.backend}, {"index", c.key.index}, {"label", c.key.label}};
    if (!c.certificate_der.empty()) {
        auto cert = x509::Certificate::parse(c.certificate_der);
        if (cert.ok()) j["certificate"] = certificate_json(cert.value());
    }
    return j;
}

void run_ca_list(const EnvArgs& a) {
    auto store = open_store(a);
    const auto cas = take(store->list_cas());
    if (a.json) {
        auto arr = nlohmann::json::array();
        for (const auto& c : cas) arr.push_back(ca_json(c));
        std::cout << arr.dump() << "\n";
        return;
    }
    if (cas.empty()) std::cout << "no CAs (run `yinxin ca init`)\n";
    for (const auto& c : cas)
        std::cout << c.id << "  " << std::string(ca::ca_kind_name(c.kind)) << "  "
                  << (c.status == ca::CaStatus::active ? "active " : "retired") << "  " << c.subject_dn << "\n";
}

struct ShowArgs {
    EnvArgs env;
    std::string id;
    std::string out;
    bool der = false;
};

void write_cert_out(const std::string& path, BytesView der, bool as_der) {
    if (as_der) {
        check(write_binary_file(path, der));
    } else {
        check(write_binary_file(path, as_bytes(pem_encode("CERTIFICATE", der))));
    }
}

void run_ca_show(const ShowArgs& a) {
    auto store = open_store(a.env);
    const auto c = take(store->get_ca(a.id));
    if (!a.out.empty() && !c.certificate_der.empty()) write_cert_out(a.out, c.certificate_der, a.der);
    if (a.env.json) {
        std::cout << ca_json(c).dump() << "\n";
        return;
    }
    std::cout << "id:          " << c.id << "\n"
              << "name:        " << c.name << "\n"
              << "kind:        " << std::string(ca::ca_kind_name(c.kind)) << "\n"
              << "status:      " << (c.status == ca::CaStatus::active ? "active" : "retired") << "\n";
    if (!c.parent_id.empty()) std::cout << "parent:      " << c.parent_id << "\n";
    if (!c.key.backend.empty())
        std::cout << "key:         " << c.key.backend << " #" << c.key.index << " (" << c.key.label << ")\n";
    if (!c.certificate_der.empty()) print_certificate(take(x509::Certificate::parse(c.certificate_der)));
}

// ---- ca rollover ---------------------------------------------------------------------------

struct RolloverArgs {
    EnvArgs env;
    std::string old_id;
    std::string new_id;
    std::string out_dir;
};

void run_ca_rollover(const RolloverArgs& a) {
    auto env = open_signing_env(a.env);
    SystemClock clock;
    crypto::OpensslRng rng;
    auto ctx = context_of(*env, clock, rng);
    auto r = take(ca::rollover(a.old_id, a.new_id, ctx, env->publication));
    const std::string dir = a.out_dir.empty() ? a.env.data_dir : a.out_dir;
    std::vector<std::pair<std::string, const Bytes*>> outs = {
        {"NewWithNew", &r.new_with_new}, {"NewWithOld", &r.new_with_old}, {"OldWithNew", &r.old_with_new}};
    nlohmann::json files = nlohmann::json::object();
    for (const auto& [name, der] : outs) {
        if (der->empty()) continue;
        const std::string path = (fs::path(dir) / (a.new_id + "-" + name + ".pem")).string();
        write_cert_out(path, *der, false);
        files[name] = path;
    }
    if (a.env.json) {
        nlohmann::json j{{"new_ca", ca_json(r.new_ca)}, {"files", files}, {"steps", nlohmann::json::array()}};
        for (const auto& s : r.steps) j["steps"].push_back(step_json(s));
        std::cout << j.dump() << "\n";
        return;
    }
    for (const auto& s : r.steps) std::cout << "  " << s.number << ". " << s.action << "  " << s.detail << "\n";
    for (const auto& [name, path] : files.items()) std::cout << name << ": " << path.get<std::string>() << "\n";
    std::cout << "CA " << a.old_id << " retired; " << a.new_id << " active\n";
}

// ---- ca recover ----------------------------------------------------------------------------

void print_recovery(const ca::RecoveryReport& r, bool json) {
    if (json) {
        std::cout << nlohmann::json{{"finalized", r.finalized}, {"failed", r.failed}}.dump() << "\n";
        return;
    }
    for (const auto& f : r.finalized) std::cout << "finalized pending " << f << "\n";
    for (const auto& f : r.failed) std::cout << "failed pending " << f << "\n";
    if (r.finalized.empty() && r.failed.empty()) std::cout << "nothing pending\n";
}

void run_ca_recover(const EnvArgs& a) {
    auto env = open_signing_env(a);
    SystemClock clock;
    crypto::OpensslRng rng;
    ca::Issuer issuer(stores_of(*env->store), env->profiles, ca::device_key_resolver(*env->device, "soft", env->pin),
                      env->publication, clock, rng, env->sink());
    print_recovery(take(issuer.recover_pending()), a.json);
}

// ---- cert issue ----------------------------------------------------------------------------

struct IssueArgs {
    EnvArgs env;
    std::string ca_id;
    std::string profile_id;
    std::string csr;
    std::vector<std::string> subject;     // "CN=..."
    std::vector<std::string> identities;  // "identify_code=..."
    std::vector<std::string> emails;
    std::vector<std::string> hosts;
    std::uint32_t days = 0;
    std::string request_id;
    std::string out;
    bool der = false;
    unsigned repeat = 1;
};

std::pair<std::string, std::string> split_assignment(const std::string& s, const std::string& what) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
        fail(make_error(Errc::invalid_argument, what + " '" + s + "': expected NAME=value"));
    return {s.substr(0, eq), s.substr(eq + 1)};
}

void run_cert_issue(const IssueArgs& a) {
    const Bytes csr = take(read_binary_file(a.csr));
    auto env = open_signing_env(a.env);
    SystemClock clock;
    crypto::OpensslRng rng;
    ca::Issuer issuer(stores_of(*env->store), env->profiles, ca::device_key_resolver(*env->device, "soft", env->pin),
                      env->publication, clock, rng, env->sink());
    // Whatever an earlier crash left pending is finished before anything new is issued.
    const auto recovered = take(issuer.recover_pending());
    if (!a.env.json && (!recovered.finalized.empty() || !recovered.failed.empty())) print_recovery(recovered, false);

    ca::IssueRequest req;
    req.ca_id = a.ca_id;
    req.profile_id = a.profile_id;
    req.csr = csr;
    for (const auto& s : a.subject) req.data.subject.push_back(split_assignment(s, "--subject"));
    for (const auto& s : a.identities) req.data.identities.push_back(split_assignment(s, "--identity"));
    req.data.san_emails = a.emails;
    req.data.san_hosts = a.hosts;
    if (a.days != 0) req.data.validity_days = a.days;
    req.request_id = a.request_id;

    // --repeat issues the same request N times (each a new serial): load and crash tests. Every
    // certificate is reported as soon as it is stored, so a killed run shows what it finished.
    for (unsigned i = 0; i < a.repeat; ++i) {
        auto issued = take(issuer.issue(req));
        if (!a.out.empty()) {
            const std::string path = a.repeat == 1 ? a.out : a.out + "." + std::to_string(i);
            write_cert_out(path, issued.certificate_der, a.der);
        }
        if (a.env.json) {
            auto cert = take(x509::Certificate::parse(issued.certificate_der));
            auto j = certificate_json(cert);
            j["ca_id"] = a.ca_id;
            j["profile"] = issued.profile_id;
            j["pem"] = cert.pem();
            std::cout << j.dump() << std::endl;
        } else if (a.out.empty() && a.repeat == 1) {
            std::cout << pem_encode("CERTIFICATE", issued.certificate_der);
        } else {
            std::cout << "issued " << a.ca_id << ":" << hex_encode(issued.serial) << std::endl;
        }
    }
}

// ---- staff demo ----------------------------------------------------------------------------

// The demo staff of scripts/run.sh: the RA tree and one member per staff role, each with an SM2 key
// and a personnel-sign certificate from the demo sub CA (staff log in with password + certificate),
// written to <out>/<login>.key.pem / .cert.pem and listed in <out>/logins.txt. Idempotent: nothing
// is done when the staff register already has members. DEMO ONLY: the passwords are written to disk.
struct StaffDemoArgs {
    EnvArgs env;
    std::string out;
    std::string ca_id = "demo-sub";
    std::string profile_id = "personnel-sign";
};

struct DemoMember {
    const char* login;
    const char* name;
    auth::Role role;
    auth::Subsystem subsystem;
    const char* node;
    const char* created_by;
    const char* password;
};

// Passwords pass LD/T 03-2022 §8.2.3 (length, letters + digits + symbols, no runs or repeats).
constexpr DemoMember k_demo_staff[] = {
    {"admin", "Demo Super Admin", auth::Role::super_admin, auth::Subsystem::none, "ra", "", "Vq7#Lm2!Rx"},
    {"security", "Demo Security Admin", auth::Role::security_admin, auth::Subsystem::none, "ra", "admin", "Hk4$Wz9&Tp"},
    {"auditadmin", "Demo Audit Admin", auth::Role::audit_admin, auth::Subsystem::none, "ra", "admin", "Jd8%Qn3*Fy"},
    {"auditor", "Demo Auditor", auth::Role::auditor, auth::Subsystem::none, "ra", "auditadmin", "Bm5^Xc1@Gw"},
    {"maintainer", "Demo Maintainer", auth::Role::system_maintainer, auth::Subsystem::none, "ra", "admin",
     "Ns2!Kv6#Ly"},
    {"ra.admin", "Demo RA Business Admin", auth::Role::business_admin, auth::Subsystem::ra, "ra", "admin",
     "Pw9&Dt4$Mz"},
    {"ra.operator", "Demo RA Operator", auth::Role::business_operator, auth::Subsystem::ra, "city-a", "ra.admin",
     "Gr3*Hy8%Qk"},
    // The 主管部门 approver of the applying units of city A, and one applicant (certificate holder).
    {"ra.approver", "Demo 主管部门 Approver", auth::Role::approver, auth::Subsystem::none, "city-a", "ra.admin",
     "Fc6!Uj2#Vx"},
    {"holder", "Demo Applicant", auth::Role::applicant, auth::Subsystem::none, "city-a.hall", "ra.operator",
     "Yq4&Ea7%Ks"},
    // The seal system is three systems with their own business admins (LD/T 01.1-2022 §9.4): seal
    // making, seal status publishing (registration, sync) and centralized seal use; the last one has
    // its own auditor too. The seal reviewer and the seal user belong to a seal-using unit of city A.
    {"seal.admin", "Demo Seal Making Admin", auth::Role::business_admin, auth::Subsystem::seal, "ra", "admin",
     "Rt5#Km8!Wq"},
    {"seal.operator", "Demo Seal Making Operator", auth::Role::business_operator, auth::Subsystem::seal, "city-a",
     "seal.admin", "Zx3$Hn7&Pd"},
    {"sealstatus.admin", "Demo Seal Status Admin", auth::Role::business_admin, auth::Subsystem::seal_status, "ra",
     "admin", "Lc9%Vb2*Sj"},
    {"sealuse.admin", "Demo Seal Use Admin", auth::Role::business_admin, auth::Subsystem::seal_use, "ra", "admin",
     "Mf4^Tg6@Ny"},
    {"sealuse.auditor", "Demo Seal Use Auditor", auth::Role::auditor, auth::Subsystem::seal_use, "ra", "auditadmin",
     "Qe8!Jw3#Bh"},
    {"seal.reviewer", "Demo Seal Reviewer", auth::Role::seal_reviewer, auth::Subsystem::none, "city-a", "sealuse.admin",
     "Dk2&Xs5%Gu"},
    {"seal.user", "Demo Seal User", auth::Role::seal_user, auth::Subsystem::none, "city-a", "sealuse.admin",
     "Wp7*Ca4$Ev"},
};
constexpr std::string_view k_demo_initial_password = "Zt6@Wb1!Nc";

void run_staff_demo(const StaffDemoArgs& a) {
    auto auth_store = take(store::SqliteAuthStore::open(a.env.store_path()));
    if (take(auth_store->staff_count()) > 0) {
        std::cout << "staff register already set up; demo logins in " << (fs::path(a.out) / "logins.txt").string()
                  << "\n";
        return;
    }
    auto env = open_signing_env(a.env);
    SystemClock clock;
    crypto::OpensslRng rng;
    ca::Issuer issuer(stores_of(*env->store), env->profiles, ca::device_key_resolver(*env->device, "soft", env->pin),
                      env->publication, clock, rng, env->sink());
    auth::AuthService svc(*auth_store, clock, rng);
    auto audit_auth = [&](const auth::AuthEvent& ev) {
        audit::AuditEvent r;
        r.source = "cli";
        r.actor = ev.actor;
        r.role = ev.role;
        r.action = ev.action;
        r.target = ev.target;
        r.detail = ev.detail + " (demo set-up by " + cli_actor() + ")";
        (void)take(env->audit_log->append(r));
    };
    fs::create_directories(a.out);
    std::string logins = "# DEMO staff logins: login role password key certificate\n";
    for (const DemoMember& m : k_demo_staff) {
        // Key and certificate (issued and audited like any other).
        auto key = take(crypto::Sm2PrivateKey::generate());
        auto subject = take(x509::Name::build({{"C", "CN"}, {"O", "Yinxin Demo"}, {"CN", m.name}}));
        auto csr = take(x509::CsrBuilder().subject(subject).public_key(key.public_key()).sign_with(key));
        ca::IssueRequest req;
        req.ca_id = a.ca_id;
        req.profile_id = a.profile_id;
        req.csr.assign(csr.der().begin(), csr.der().end());
        req.request_id = std::string("demo-staff-") + m.login;
        auto issued = take(issuer.issue(req));
        const fs::path key_file = fs::path(a.out) / (std::string(m.login) + ".key.pem");
        const fs::path cert_file = fs::path(a.out) / (std::string(m.login) + ".cert.pem");
        check(write_binary_file(key_file.string(), as_bytes(key.pkcs8_pem())));
        fs::permissions(key_file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
        check(write_binary_file(cert_file.string(), as_bytes(pem_encode("CERTIFICATE", issued.certificate_der))));

        auth::NewStaff spec;
        spec.id = m.login;
        spec.display_name = m.name;
        spec.role = m.role;
        spec.subsystem = m.subsystem;
        spec.org_node = m.node;
        spec.certificate_der = issued.certificate_der;
        if (m.role == auth::Role::super_admin) {
            auth::OrgNode root;
            root.id = "ra";
            root.kind = auth::OrgKind::ra;
            root.name = "Demo RA (人社数字证书注册中心)";
            spec.initial_password = m.password;
            audit_auth(take(svc.bootstrap(root, spec)));
            auth::OrgNode branch;
            branch.id = "city-a";
            branch.parent_id = "ra";
            branch.kind = auth::OrgKind::branch;
            branch.name = "Demo city A branch";
            audit_auth(take(svc.create_org_node(m.login, branch)));
            auth::OrgNode point;
            point.id = "city-a.hall";
            point.parent_id = "city-a";
            point.kind = auth::OrgKind::acceptance_point;
            point.name = "Demo city A service hall (受理点)";
            point.sponsored = true;
            point.quota_remaining = 100;
            audit_auth(take(svc.create_org_node(m.login, point)));
        } else {
            spec.initial_password = std::string(k_demo_initial_password);
            audit_auth(take(svc.create_staff(m.created_by, spec)));
            audit_auth(take(svc.change_password(m.login, k_demo_initial_password, m.password)));
        }
        logins += std::string(m.login) + " " + std::string(auth::role_name(m.role)) + " " + m.password + " " +
                  key_file.string() + " " + cert_file.string() + "\n";
    }
    const fs::path list = fs::path(a.out) / "logins.txt";
    check(write_binary_file(list.string(), as_bytes(logins)));
    fs::permissions(list, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    std::cout << "demo staff created (" << std::size(k_demo_staff) << " members); logins in " << list.string() << "\n";
}

// ---- audit checkpoint ----------------------------------------------------------------------

// Signs the head of the audit log with the audit key held in the device (created with the label
// "audit-checkpoint" on first use; LD/T 03-2022 §8.3.8 and issue 4: checkpoints signed with an audit
// key in the device). The key's public half is written to <data-dir>/audit-key.pem so that
// `yinxin audit verify --public-key` pins it.
constexpr std::string_view k_audit_key_label = "audit-checkpoint";

struct CheckpointArgs {
    EnvArgs env;
};

void run_audit_checkpoint(const CheckpointArgs& a) {
    auto env = open_signing_env(a.env);
    device::KeyInfo key;
    auto found = env->device->find_key(k_audit_key_label);
    if (found) {
        key = std::move(found).value();
    } else if (found.code() == Errc::device_key_not_found) {
        auto gen = take(env->device->generate_key_pair(device::KeyAlgorithm::sm2, k_audit_key_label, env->pin));
        env->audit_device(gen.event);
        key = gen.key;
    } else {
        fail(found.error());
    }
    env->audit_device(take(env->device->get_private_key_access_right(key.index, env->pin)));
    audit::AuditLogOptions o;
    o.device = env->device.get();
    o.key_index = key.index;
    audit::AuditLog log(*env->audit_store, o);
    const auto cp = take(log.checkpoint());
    const Bytes spki = take(env->device->export_public_key(key.index));
    const std::string key_file = (fs::path(a.env.store_path()).parent_path() / "audit-key.pem").string();
    check(write_binary_file(key_file, as_bytes(pem_encode("PUBLIC KEY", spki))));
    if (a.env.json) {
        std::cout << nlohmann::json{{"seq", cp.seq},
                                    {"record_hash", hex_encode(cp.record_hash)},
                                    {"key_index", cp.key_index},
                                    {"public_key_file", key_file}}
                         .dump()
                  << "\n";
        return;
    }
    std::cout << "checkpoint signed at record " << cp.seq << " (" << hex_encode(cp.record_hash) << ") with audit key "
              << cp.key_index << "\n"
              << "audit key: " << key_file << " (yinxin audit verify --store " << a.env.store_path() << " --public-key "
              << key_file << ")\n";
}

// ---- cert show -----------------------------------------------------------------------------

struct CertShowArgs {
    EnvArgs env;
    std::string file;
    std::string ca_id;
    std::string serial;
    std::string out;
    bool der = false;
};

void run_cert_show(const CertShowArgs& a) {
    Bytes der;
    std::optional<ca::CertificateRecord> record;
    if (!a.file.empty()) {
        der = take(read_der_or_pem(a.file, "CERTIFICATE"));
    } else {
        if (a.ca_id.empty() || a.serial.empty())
            fail(make_error(Errc::invalid_argument, "give a certificate file, or --ca and --serial"));
        auto store = open_store(a.env);
        const Bytes serial = take(hex_decode(a.serial));
        record = take(store->certificate_by_serial(a.ca_id, serial));
        der = record->certificate_der;
    }
    if (der.empty() && record) {
        const std::string state = std::string(ca::certificate_status_name(record->status));
        if (a.env.json) {
            std::cout
                << nlohmann::json{{"serial", a.serial}, {"status", state}, {"reason", record->failure_reason}}.dump()
                << "\n";
        } else {
            std::cout << "serial " << a.serial << " is " << state
                      << (record->failure_reason.empty() ? "" : ": " + record->failure_reason) << "\n";
        }
        return;
    }
    const auto cert = take(x509::Certificate::parse(der));
    if (!a.out.empty()) write_cert_out(a.out, cert.der(), a.der);
    if (a.env.json) {
        auto j = certificate_json(cert);
        if (record) {
            j["status"] = std::string(ca::certificate_status_name(record->status));
            j["profile"] = record->profile_id;
            j["request_id"] = record->request_id;
        }
        std::cout << j.dump() << "\n";
        return;
    }
    print_certificate(cert);
    if (record)
        std::cout << "status:      " << std::string(ca::certificate_status_name(record->status)) << " (profile "
                  << record->profile_id << ")\n";
}

// ---- cert verify ---------------------------------------------------------------------------

struct VerifyArgs {
    std::string file;
    std::vector<std::string> anchors;
    std::vector<std::string> chain;
    std::string sm2_id{crypto::k_default_sm2_id};
    std::int64_t at = 0;
    bool json = false;
};

std::vector<x509::Certificate> load_certs(const std::vector<std::string>& files) {
    std::vector<x509::Certificate> out;
    for (const auto& f : files) {
        const Bytes raw = take(read_binary_file(f));
        const std::string text = to_string(raw);
        if (text.find("-----BEGIN ") != std::string::npos) {
            for (auto& c : take(x509::Certificate::parse_pem_all(text))) out.push_back(std::move(c));
        } else {
            out.push_back(take(x509::Certificate::parse(raw)));
        }
    }
    return out;
}

void run_cert_verify(const VerifyArgs& a) {
    auto leaf = load_certs({a.file});
    const auto anchors = load_certs(a.anchors);
    const auto chain = load_certs(a.chain);
    const TimePoint at = a.at != 0 ? from_unix(a.at) : SystemClock().now();
    x509::PathOptions opt;
    opt.sm2_id = a.sm2_id;
    const auto r = x509::validate_path(leaf.front(), chain, anchors, at, opt);
    if (a.json) {
        nlohmann::json j{{"valid", r.ok()}, {"at", format_time(at)}, {"path", nlohmann::json::array()}};
        for (const auto& c : r.path) j["path"].push_back(c.subject().to_string());
        if (r.anchor) j["anchor"] = r.anchor->subject().to_string();
        if (!r.ok()) {
            j["error"] = error_json(r.status().error());
            j["failed_index"] = r.index;
        }
        std::cout << j.dump() << "\n";
    } else if (r.ok()) {
        std::cout << "valid: " << leaf.front().subject().to_string() << " chains to " << r.anchor->subject().to_string()
                  << " (" << r.path.size() << " certificate(s), SM2 ID " << a.sm2_id << ")\n";
    } else {
        std::cout << "INVALID: " << r.status().error().to_string() << "\n";
    }
    if (!r.ok()) throw CLI::RuntimeError(k_exit_invalid);
}

// `cert keygen`: an SM2 key pair made inside the device (GM/T 0018 GenerateKeyPair_ECC) under the
// key PIN, and a PKCS#10 request for it signed by the device (proof of possession with the GM ID),
// for a certificate whose key must never leave the device (a seal maker's, a server's).
struct KeygenArgs {
    EnvArgs env;
    std::string label;
    std::vector<std::string> subject;
    std::string csr_out;
};

void run_keygen(const KeygenArgs& a) {
    std::vector<std::pair<std::string, std::string>> rdns;
    for (const auto& s : a.subject) {
        const auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0) {
            fail(make_error(Errc::invalid_argument, "--subject '" + s + "': expected TYPE=value, e.g. CN=Seal Maker"));
        }
        rdns.emplace_back(s.substr(0, eq), s.substr(eq + 1));
    }
    const x509::Name subject = take(x509::Name::build(rdns));
    auto env = open_signing_env(a.env);
    const auto key = take(env->device->generate_key_pair(device::KeyAlgorithm::sm2, a.label, env->pin));
    env->audit_device(key.event);
    env->audit_device(take(env->device->get_private_key_access_right(key.key.index, env->pin)));
    x509::CsrBuilder b;
    b.subject(subject).public_key(take(x509::SubjectPublicKeyInfo::parse(key.key.public_key)));
    const Bytes info = take(b.build_info());
    const Bytes sig = take(env->device->sign(key.key.index, info));
    const Bytes csr = take(x509::assemble_csr(info, b.algorithm(), sig));
    check(take(x509::CertificationRequest::parse(csr)).verify_pop());
    check(write_binary_file(a.csr_out, as_bytes(pem_encode("CERTIFICATE REQUEST", csr))));
    std::cout << "device key " << a.label << " (index " << key.key.index << "), request for " << subject.to_string()
              << " written to " << a.csr_out << "\n";
}

}  // namespace

void register_ca_commands(CLI::App& app) {
    auto demo = std::make_shared<StaffDemoArgs>();
    auto* staff_cmd = app.add_subcommand("staff", "Staff register");
    staff_cmd->require_subcommand(1);
    auto* sd = staff_cmd->add_subcommand(
        "demo", "DEMO ONLY: create the RA tree and one member per staff role with certificates (idempotent)");
    add_signing_options(sd, demo->env);
    sd->add_option("--out", demo->out, "Where to write keys, certificates and logins.txt")->required();
    sd->add_option("--ca", demo->ca_id, "CA that certifies the staff")->capture_default_str();
    sd->add_option("--profile", demo->profile_id, "Profile of the staff certificates")->capture_default_str();
    sd->callback([demo] { run_staff_demo(*demo); });
    register_staff_login_command(*staff_cmd);

    // `yinxin audit checkpoint` needs the signing environment; the other audit commands are in
    // audit_cmd.cpp.
    auto cpa = std::make_shared<CheckpointArgs>();
    auto* audit_cmd = app.get_subcommand("audit");
    auto* cp =
        audit_cmd->add_subcommand("checkpoint", "Sign the head of the audit log with the audit key in the device");
    add_signing_options(cp, cpa->env);
    cp->callback([cpa] { run_audit_checkpoint(*cpa); });

    auto* ca_cmd = app.add_subcommand("ca", "Certificate authorities: key ceremonies, registry, key changeover");
    ca_cmd->require_subcommand(1);

    auto init = std::make_shared<InitArgs>();
    auto* c = ca_cmd->add_subcommand("init", "Run a key ceremony from a config file (creates the CAs it lists)");
    add_signing_options(c, init->env);
    c->add_option("--config", init->config, "Ceremony config (JSON)")->required()->check(CLI::ExistingFile);
    c->add_option("--csr-dir", init->csr_dir, "Where to write PKCS#10 requests of external CAs (default data dir)");
    c->callback([init] { run_ca_init(*init); });

    auto imp = std::make_shared<ImportArgs>();
    c = ca_cmd->add_subcommand("import", "Import the certificate an outside authority issued for an external CA");
    add_signing_options(c, imp->env);
    c->add_option("--id", imp->id, "External CA id")->required();
    c->add_option("--cert", imp->cert, "Certificate (PEM or DER)")->required()->check(CLI::ExistingFile);
    c->callback([imp] { run_ca_import(*imp); });

    auto list = std::make_shared<EnvArgs>();
    c = ca_cmd->add_subcommand("list", "List the CAs");
    add_store_options(c, *list);
    c->callback([list] { run_ca_list(*list); });

    auto show = std::make_shared<ShowArgs>();
    c = ca_cmd->add_subcommand("show", "Show one CA and its certificate");
    add_store_options(c, show->env);
    c->add_option("id", show->id, "CA id")->required();
    c->add_option("--out", show->out, "Write the CA certificate here");
    c->add_flag("--der", show->der, "Write DER instead of PEM");
    c->callback([show] { run_ca_show(*show); });

    auto roll = std::make_shared<RolloverArgs>();
    c = ca_cmd->add_subcommand("rollover", "CA key changeover: new key, NewWithNew/NewWithOld/OldWithNew");
    add_signing_options(c, roll->env);
    c->add_option("old", roll->old_id, "CA id whose key is replaced")->required();
    c->add_option("new", roll->new_id, "Id of the new CA generation")->required();
    c->add_option("--out-dir", roll->out_dir, "Where to write the link certificates (default data dir)");
    c->callback([roll] { run_ca_rollover(*roll); });

    auto rec = std::make_shared<EnvArgs>();
    c = ca_cmd->add_subcommand("recover", "Finish or fail issuances a crash left pending");
    add_signing_options(c, *rec);
    c->callback([rec] { run_ca_recover(*rec); });

    auto* cert = app.add_subcommand("cert", "Certificates: issue, show, verify");
    cert->require_subcommand(1);

    auto iss = std::make_shared<IssueArgs>();
    c = cert->add_subcommand("issue", "Issue a certificate from a PKCS#10 request");
    add_signing_options(c, iss->env);
    c->add_option("--ca", iss->ca_id, "Issuing CA id")->required();
    c->add_option("--profile", iss->profile_id, "Certificate profile id")->required();
    c->add_option("--csr", iss->csr, "PKCS#10 request (PEM or DER)")->required()->check(CLI::ExistingFile);
    c->add_option("--subject", iss->subject, "Approved subject attribute LABEL=value, in order (default: the CSR's)");
    c->add_option("--identity", iss->identities, "GM/T 0015 identity NAME=value, e.g. identify_code=...");
    c->add_option("--email", iss->emails, "subjectAltName e-mail");
    c->add_option("--host", iss->hosts, "subjectAltName host name or IP address (tls-server profile)");
    c->add_option("--days", iss->days, "Validity in days (at most the profile's)");
    c->add_option("--request-id", iss->request_id, "RA request id recorded with the certificate");
    c->add_option("--out", iss->out, "Write the certificate here (default: stdout)");
    c->add_flag("--der", iss->der, "Write DER instead of PEM");
    c->add_option("--repeat", iss->repeat, "Issue the request N times (load and crash tests)")
        ->check(CLI::Range(1u, 1000000u));
    c->callback([iss] { run_cert_issue(*iss); });

    auto sh = std::make_shared<CertShowArgs>();
    c = cert->add_subcommand("show", "Show a certificate from a file or from the store");
    add_store_options(c, sh->env);
    c->add_option("file", sh->file, "Certificate file (PEM or DER)");
    c->add_option("--ca", sh->ca_id, "CA id (with --serial)");
    c->add_option("--serial", sh->serial, "Serial in hex (with --ca)");
    c->add_option("--out", sh->out, "Write the certificate here");
    c->add_flag("--der", sh->der, "Write DER instead of PEM");
    c->callback([sh] { run_cert_show(*sh); });

    auto ver = std::make_shared<VerifyArgs>();
    auto keygen_args = std::make_shared<KeygenArgs>();
    auto* keygen = cert->add_subcommand(
        "keygen", "Make an SM2 key pair inside the device and a PKCS#10 request for it, signed by the device");
    add_signing_options(keygen, keygen_args->env);
    keygen->add_option("--label", keygen_args->label, "Key label in the device")->required();
    keygen->add_option("--subject", keygen_args->subject, "Subject attribute TYPE=value, in order (repeatable)")
        ->required();
    keygen->add_option("--csr-out", keygen_args->csr_out, "Where the PEM request is written")->required();
    keygen->callback([keygen_args] { run_keygen(*keygen_args); });

    c = cert->add_subcommand("verify", "Validate a certificate path (RFC 5280 with the SM2 ID); exit 2 if invalid");
    c->add_option("file", ver->file, "Certificate (PEM or DER)")->required()->check(CLI::ExistingFile);
    c->add_option("--anchor", ver->anchors, "Trust anchor certificate file(s)")->required();
    c->add_option("--chain", ver->chain, "Intermediate certificate file(s)");
    c->add_option("--sm2-id", ver->sm2_id, "SM2 signer ID")->capture_default_str();
    c->add_option("--at", ver->at, "Validation time (unix seconds; default now)");
    c->add_flag("--json", ver->json, "Machine-readable JSON output");
    c->callback([ver] { run_cert_verify(*ver); });

    register_status_commands(app, *cert);
}

}  // namespace yinxin::cli
