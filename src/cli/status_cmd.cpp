#include "status_cmd.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli_util.h"
#include "signing_env.h"
#include "yinxin/base/clock.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ca/ocsp.h"
#include "yinxin/ca/status.h"
#include "yinxin/ca/tsa.h"
#include "yinxin/crypto/random.h"
#include "yinxin/store/sqlite_revocation_store.h"
#include "yinxin/x509/certificate.h"
#include "yinxin/x509/crl.h"

namespace yinxin::cli {
namespace {

struct RevokeArgs {
    EnvArgs env;
    std::string ca_id;
    std::string serial;
    std::string reason = "unspecified";
    long long invalidity_date = 0;  // unix seconds, 0: none
    bool hold = false;
    bool release = false;
};

struct CrlArgs {
    EnvArgs env;
    std::string ca_id;
    std::string out;
    bool der = false;
    bool all = false;
    std::string scope = "full";
};

ca::CrlScope scope_of(const std::string& s) {
    if (s == "full") return ca::CrlScope::full;
    if (s == "delta") return ca::CrlScope::delta;
    if (s == "arl") return ca::CrlScope::arl;
    fail(make_error(Errc::invalid_argument, "--scope must be full, delta or arl"));
}

nlohmann::json crl_json(const ca::CrlRecord& c) {
    nlohmann::json j{{"ca_id", c.ca_id},
                     {"crl_number", c.number},
                     {"scope", std::string(ca::crl_scope_name(c.scope))},
                     {"this_update", format_rfc3339(from_unix(c.this_update))},
                     {"next_update", format_rfc3339(from_unix(c.next_update))},
                     {"entries", c.entries},
                     {"bytes", c.der.size()}};
    if (c.delta_base) j["delta_base"] = *c.delta_base;
    return j;
}

void write_crl(const std::string& path, const ca::CrlRecord& c, bool der) {
    if (der) {
        check(write_binary_file(path, c.der));
    } else {
        const std::string pem = pem_encode("X509 CRL", c.der);
        check(write_binary_file(path, as_bytes(pem)));
    }
}

struct StatusEnv {
    std::unique_ptr<SigningEnv> env;
    std::unique_ptr<store::SqliteRevocationStore> status;
    SystemClock clock;
    std::unique_ptr<ca::StatusService> service;
};

std::unique_ptr<StatusEnv> open_status_env(const EnvArgs& a) {
    auto s = std::make_unique<StatusEnv>();
    s->env = open_signing_env(a);
    s->status = take(store::SqliteRevocationStore::open(a.store_path()));
    s->service = std::make_unique<ca::StatusService>(stores_of(*s->env->store), *s->status,
                                                     ca::device_key_resolver(*s->env->device, "soft", s->env->pin),
                                                     s->clock, s->env->sink(), ca::crl_policy_for(s->env->publication));
    return s;
}

void report(const ca::RevocationResult& r, const EnvArgs& env, const std::string& what) {
    if (env.json) {
        nlohmann::json j{
            {"ca_id", r.revocation.ca_id},
            {"serial", hex_encode(r.revocation.serial)},
            {"status", what},
            {"reason", std::string(x509::crl_reason_name(static_cast<x509::CrlReason>(r.revocation.reason)))}};
        if (r.crl) j["crl"] = crl_json(*r.crl);
        if (r.crl_error) j["crl_error"] = r.crl_error->to_string();
        std::cout << j.dump() << std::endl;
    } else {
        std::cout << what << " " << r.revocation.ca_id << ":" << hex_encode(r.revocation.serial) << "\n";
        if (r.crl) std::cout << "CRL " << r.crl->number << " signed (" << r.crl->entries << " entries)" << std::endl;
    }
    // The revocation stands; a CRL that could not be signed is an operator's problem to fix now.
    if (r.crl_error) fail(*r.crl_error);
}

void run_revoke(const RevokeArgs& a) {
    const Bytes serial = take(hex_decode(a.serial));
    auto s = open_status_env(a.env);
    if (a.release) {
        report(take(s->service->release_hold(a.ca_id, serial, cli_actor())), a.env, "released");
        return;
    }
    ca::RevokeRequest req;
    req.ca_id = a.ca_id;
    req.serial = serial;
    req.reason = a.hold ? x509::CrlReason::certificate_hold : take(x509::parse_crl_reason(a.reason));
    if (a.invalidity_date != 0) req.invalidity_date = from_unix(a.invalidity_date);
    req.actor = cli_actor();
    report(take(s->service->revoke(req)), a.env, a.hold ? "held" : "revoked");
}

// `crl issue --all`: every CA that may sign CRLs now (the daily schedule). A CA that may not (a
// retired CA whose certificates have all expired) is skipped and said so; any other failure fails
// the command after the rest have been tried.
void run_crl_issue_all(const CrlArgs& a, StatusEnv& s) {
    std::optional<Error> first_error;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& ca : take(s.env->store->list_cas())) {
        auto may = ca::may_sign_crls(ca.id, stores_of(*s.env->store), s.clock.now());
        if (may.ok() && !*may) {
            if (!a.env.json) std::cout << "skipped " << ca.id << ": signs no more CRLs" << std::endl;
            continue;
        }
        auto crls = s.service->issue_scheduled(ca.id);
        if (!crls) {
            std::cerr << "error: " << ca.id << ": " << crls.error().to_string() << std::endl;
            if (!first_error) first_error = crls.error();
            continue;
        }
        for (const auto& crl : *crls) {
            if (a.env.json)
                list.push_back(crl_json(crl));
            else
                std::cout << ca::crl_scope_name(crl.scope) << " CRL " << crl.number << " of " << ca.id << " ("
                          << crl.entries << " entries)" << std::endl;
        }
    }
    if (a.env.json) std::cout << list.dump() << std::endl;
    if (first_error) fail(*first_error);
}

void run_crl_issue(const CrlArgs& a) {
    if (a.all == !a.ca_id.empty()) fail(make_error(Errc::invalid_argument, "give either --ca or --all"));
    if (a.all && !a.out.empty()) fail(make_error(Errc::invalid_argument, "--out goes with --ca"));
    auto s = open_status_env(a.env);
    if (a.all) {
        run_crl_issue_all(a, *s);
        return;
    }
    const ca::CrlScope scope = scope_of(a.scope);
    const ca::CrlRecord crl = take(scope == ca::CrlScope::delta ? s->service->issue_delta_crl(a.ca_id)
                                   : scope == ca::CrlScope::arl ? s->service->issue_arl(a.ca_id)
                                                                : s->service->issue_crl(a.ca_id));
    if (!a.out.empty()) write_crl(a.out, crl, a.der);
    if (a.env.json)
        std::cout << crl_json(crl).dump() << std::endl;
    else if (a.out.empty())
        std::cout << pem_encode("X509 CRL", crl.der);
    else
        std::cout << "CRL " << crl.number << " of " << crl.ca_id << " (" << crl.entries << " entries) written to "
                  << a.out << std::endl;
}

void run_crl_show(const CrlArgs& a) {
    auto status = take(store::SqliteRevocationStore::open(a.env.store_path()));
    auto crl = take(status->latest_crl(a.ca_id, scope_of(a.scope)));
    if (!crl)
        fail(make_error(Errc::not_found, "CA '" + a.ca_id + "' has no " + a.scope + " CRL yet (yinxin crl issue)"));
    if (!a.out.empty()) write_crl(a.out, *crl, a.der);
    if (a.env.json)
        std::cout << crl_json(*crl).dump() << std::endl;
    else if (a.out.empty())
        std::cout << pem_encode("X509 CRL", crl->der);
}

struct DelegateArgs {
    EnvArgs env;
    std::string ca_id;
    std::uint32_t validity_days = 30;
};

void run_ocsp_delegate(const DelegateArgs& a) {
    auto env = open_signing_env(a.env);
    auto status = take(store::SqliteRevocationStore::open(a.env.store_path()));
    SystemClock clock;
    crypto::OpensslRng rng;
    auto ctx = context_of(*env, clock, rng);
    const auto rec = take(ca::delegate_ocsp_signing(ctx, env->publication, *status, a.ca_id, a.validity_days));
    if (a.env.json) {
        std::cout << nlohmann::json{{"ca_id", rec.ca_id},
                                    {"serial", hex_encode(rec.serial)},
                                    {"key_label", rec.key.label},
                                    {"not_after", format_rfc3339(from_unix(rec.not_after))},
                                    {"certificate_pem", pem_encode("CERTIFICATE", rec.certificate_der)}}
                         .dump()
                  << std::endl;
    } else {
        std::cout << "OCSP responder of " << rec.ca_id << ": certificate " << hex_encode(rec.serial) << ", key "
                  << rec.key.label << ", until " << format_rfc3339(from_unix(rec.not_after)) << std::endl;
    }
}

struct TsaDelegateArgs {
    EnvArgs env;
    std::string ca_id;
    std::string policy;
    std::uint32_t validity_days = 1825;
};

void run_tsa_delegate(const TsaDelegateArgs& a) {
    auto env = open_signing_env(a.env);
    std::string policy = a.policy;
    if (policy.empty()) {
        if (!env->publication.cps_oid) {
            fail(make_error(Errc::invalid_argument,
                            "--policy is needed: the ceremony set no CPS OID to derive it from"));
        }
        policy = env->publication.cps_oid->to_string() + ".2";
    }
    const auto oid = take(asn1::Oid::from_string(policy));
    SystemClock clock;
    crypto::OpensslRng rng;
    auto ctx = context_of(*env, clock, rng);
    const auto signer = take(ca::delegate_time_stamping(ctx, env->publication, a.ca_id, a.validity_days));
    check(save_tsa(a.env, TsaSettings{signer, oid.to_string()}));
    const auto cert = take(x509::Certificate::parse(signer.certificate_der));
    if (a.env.json) {
        std::cout << nlohmann::json{{"ca_id", signer.ca_id},
                                    {"serial", hex_encode(cert.serial())},
                                    {"key_label", signer.key.label},
                                    {"policy", oid.to_string()},
                                    {"not_after", format_rfc3339(cert.not_after())},
                                    {"settings", tsa_path(a.env)}}
                         .dump()
                  << std::endl;
    } else {
        std::cout << "time-stamp authority of " << signer.ca_id << ": " << cert.subject().to_string() << ", key "
                  << signer.key.label << ", policy " << oid.to_string() << ", until "
                  << format_rfc3339(cert.not_after()) << " (" << tsa_path(a.env) << "; `yinxin serve` answers "
                  << "POST /api/v1/tsa)" << std::endl;
    }
}

void add_revoke(CLI::App& cert, const std::string& name, const std::string& help, bool hold, bool release) {
    auto a = std::make_shared<RevokeArgs>();
    a->hold = hold;
    a->release = release;
    auto* c = cert.add_subcommand(name, help);
    add_signing_options(c, a->env);
    c->add_option("--ca", a->ca_id, "Issuing CA id")->required();
    c->add_option("--serial", a->serial, "Certificate serial (hex)")->required();
    if (!hold && !release) {
        c->add_option("--reason", a->reason,
                      "RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, "
                      "cessationOfOperation, privilegeWithdrawn, aACompromise")
            ->capture_default_str();
        c->add_option("--invalidity-date", a->invalidity_date,
                      "When the key was known or suspected compromised (unix seconds)");
    }
    c->callback([a] { run_revoke(*a); });
}

}  // namespace

void register_status_commands(CLI::App& app, CLI::App& cert) {
    add_revoke(cert, "revoke", "Revoke a certificate; a new CRL is signed at once", false, false);
    add_revoke(cert, "hold", "Suspend a certificate (certificateHold); a new CRL is signed at once", true, false);
    add_revoke(cert, "release-hold", "Unsuspend a held certificate; a new CRL is signed at once", false, true);

    auto* ocsp = app.add_subcommand("ocsp", "The OCSP responder (RFC 6960)");
    ocsp->require_subcommand(1);
    auto delegate = std::make_shared<DelegateArgs>();
    auto* d = ocsp->add_subcommand("delegate",
                                   "Give a CA a delegated OCSP-signing certificate and key (responders use it within a "
                                   "minute; revoke it to go back to the CA key)");
    add_signing_options(d, delegate->env);
    d->add_option("--ca", delegate->ca_id, "CA id")->required();
    d->add_option("--validity-days", delegate->validity_days,
                  "Days the certificate is valid (ocsp-nocheck: keep short)")
        ->capture_default_str()
        ->check(CLI::Range(1, 365));
    d->callback([delegate] { run_ocsp_delegate(*delegate); });

    auto* tsa = app.add_subcommand("tsa", "The time-stamp authority (RFC 3161)");
    tsa->require_subcommand(1);
    auto tsa_args = std::make_shared<TsaDelegateArgs>();
    auto* td = tsa->add_subcommand("delegate",
                                   "Give a CA a time-stamping certificate and device key; `serve` then "
                                   "answers RFC 3161 requests at /api/v1/tsa");
    add_signing_options(td, tsa_args->env);
    td->add_option("--ca", tsa_args->ca_id, "CA id")->required();
    td->add_option("--policy", tsa_args->policy, "TSA policy OID (default: the ceremony's CPS OID + \".2\")");
    td->add_option("--validity-days", tsa_args->validity_days, "Days the TSA certificate is valid")
        ->capture_default_str()
        ->check(CLI::Range(1, 3650));
    td->callback([tsa_args] { run_tsa_delegate(*tsa_args); });

    auto* crl = app.add_subcommand("crl", "Certificate revocation lists (RFC 5280 §5)");
    crl->require_subcommand(1);
    auto issue = std::make_shared<CrlArgs>();
    auto* c = crl->add_subcommand("issue", "Sign a CRL of a CA, or the scheduled CRLs of all, now (at least daily)");
    add_signing_options(c, issue->env);
    c->add_option("--ca", issue->ca_id, "CA id");
    c->add_option("--scope", issue->scope, "full, delta (changes since the newest full CRL) or arl (CA certificates)")
        ->capture_default_str();
    c->add_flag("--all", issue->all, "Every CA that may sign CRLs: a full CRL, the ARL of a root, a delta if on");
    c->add_option("--out", issue->out, "Write the CRL here (default: PEM on stdout)");
    c->add_flag("--der", issue->der, "Write DER instead of PEM");
    c->callback([issue] { run_crl_issue(*issue); });

    auto show = std::make_shared<CrlArgs>();
    c = crl->add_subcommand("show", "The newest CRL of a CA from the store");
    add_store_options(c, show->env);
    c->add_option("--ca", show->ca_id, "CA id")->required();
    c->add_option("--scope", show->scope, "full, delta or arl")->capture_default_str();
    c->add_option("--out", show->out, "Write the CRL here (default: PEM on stdout)");
    c->add_flag("--der", show->der, "Write DER instead of PEM");
    c->callback([show] { run_crl_show(*show); });
}

}  // namespace yinxin::cli
