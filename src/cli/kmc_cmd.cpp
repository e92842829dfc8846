#include "kmc_cmd.h"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli_util.h"
#include "serve_kmc.h"
#include "signing_env.h"
#include "yinxin/audit/audit.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/crypto/random.h"
#include "yinxin/crypto/sm3.h"
#include "yinxin/kmc/envelope.h"
#include "yinxin/kmc/kmc.h"
#include "yinxin/store/sqlite_audit_store.h"
#include "yinxin/store/sqlite_kmc_store.h"

namespace yinxin::cli {
namespace {

// The envelope from a file holding DER or PEM (any label) of an SM2EnvelopedKey or of a GM/T 0092
// CSRResponse (whose parse checks the encryption certificate holds the enveloped key pair).
struct EnvelopeInput {
    Bytes envelope;
    std::string kind;  // "SM2EnvelopedKey" or "CSRResponse"
};

Result<EnvelopeInput> read_envelope(const std::string& path) {
    YX_ASSIGN_OR_RETURN(Bytes raw, read_binary_file(path));
    Bytes der = raw;
    const std::string text = to_string(raw);
    if (text.find("-----BEGIN ") != std::string::npos) {
        YX_ASSIGN_OR_RETURN(auto blocks, pem_decode_all(text));
        der = std::move(blocks.front().der);
    }
    auto as_key = kmc::parse_enveloped_key(der);
    if (as_key) return EnvelopeInput{der, "SM2EnvelopedKey"};
    auto as_response = kmc::parse_csr_response(der);
    if (as_response) {
        if (!as_response->encrypted_private_key)
            return make_error(Errc::kmc_bad_message,
                              "'" + path + "': the CSRResponse carries no encrypted private key");
        return EnvelopeInput{*as_response->encrypted_private_key, "CSRResponse"};
    }
    return make_error(Errc::kmc_bad_message, "'" + path + "' is neither an SM2EnvelopedKey (" + as_key.error().message +
                                                 ") nor a CSRResponse (" + as_response.error().message + ")");
}

// Writes a secret file readable by its owner only; refuses to replace an existing file unless
// `overwrite` (a token file is not silently clobbered).
Status write_secret_file(const std::string& path, std::string_view data, bool overwrite) {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
    const int fd = ::open(path.c_str(), flags, 0600);
    if (fd < 0)
        return make_error(Errc::io_error, "cannot create '" + path + "': " + std::strerror(errno) +
                                              (errno == EEXIST ? " (use --force to replace it)" : ""));
    // An existing file keeps its mode under O_TRUNC: make it owner-only before writing the key.
    if (::fchmod(fd, 0600) != 0) {
        ::close(fd);
        return make_error(Errc::io_error, "cannot restrict '" + path + "' to its owner");
    }
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            return make_error(Errc::io_error, "cannot write '" + path + "'");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) return make_error(Errc::io_error, "cannot write '" + path + "'");
    return ok_status();
}

struct OpenArgs {
    std::string envelope;
    std::string sign_key;
    std::string out;
    bool force = false;
    bool json = false;
};

void run_open(const OpenArgs& a) {
    const EnvelopeInput in = take(read_envelope(a.envelope));
    const Bytes key_file = take(read_binary_file(a.sign_key));
    auto sign_key = crypto::Sm2PrivateKey::from_pem(to_string(key_file));
    if (!sign_key) fail(make_error(sign_key.code(), "'" + a.sign_key + "': " + sign_key.error().message));
    const crypto::Sm2PrivateKey key = take(kmc::open_enveloped_key(in.envelope, *sign_key));
    // open_enveloped_key has checked the scalar against the enveloped public key; check the
    // written file reads back as the same key pair before reporting success.
    const std::string pem = key.pkcs8_pem();
    check(write_secret_file(a.out, pem, a.force));
    auto back = crypto::Sm2PrivateKey::from_pem(to_string(take(read_binary_file(a.out))));
    if (!back || back->public_key().point() != key.public_key().point())
        fail(make_error(Errc::io_error, "'" + a.out + "' does not read back as the opened key pair"));
    const Bytes spki = key.public_key().spki_der();
    const auto fp = crypto::sm3(spki);
    if (a.json) {
        std::cout << nlohmann::json{{"out", a.out},
                                    {"input", in.kind},
                                    {"public_key_sm3", hex_encode(fp)},
                                    {"public_key", key.public_key().pem()}}
                         .dump()
                  << std::endl;
        return;
    }
    std::cout << "opened the " << in.kind << " with the signing key: the encryption key pair (public key SM3 "
              << hex_encode(fp) << ") is in " << a.out << " (mode 0600)" << std::endl;
}

struct StoreArgs {
    EnvArgs env;
    std::string state;
    std::string ca;
    std::string after;
    unsigned limit = 100;
    std::string at;  // RFC 3339 / unix seconds; empty: now
    unsigned retention_days = 0;
};

TimePoint parse_at(const std::string& at) {
    if (at.empty()) return SystemClock{}.now();
    try {
        std::size_t used = 0;
        const long long v = std::stoll(at, &used);
        if (used == at.size()) return from_unix(v);
    } catch (const std::exception&) {
    }
    fail(make_error(Errc::invalid_argument, "--at takes unix seconds"));
}

nlohmann::json key_json(const kmc::EscrowedKey& k) {
    nlohmann::json j{{"key_id", k.key_id},
                     {"ca_id", k.ca_id},
                     {"cert_no", k.cert_no},
                     {"state", std::string(kmc::key_state_name(k.state))},
                     {"user_name", k.user_name},
                     {"not_before", format_rfc3339(k.not_before)},
                     {"not_after", format_rfc3339(k.not_after)},
                     {"escrowed_at", format_rfc3339(k.escrowed_at)},
                     {"public_key_sm3", hex_encode(crypto::sm3(k.public_key))}};
    if (k.revoked_at) j["revoked_at"] = format_rfc3339(*k.revoked_at);
    if (k.archived_at) j["archived_at"] = format_rfc3339(*k.archived_at);
    if (k.purged_at) j["purged_at"] = format_rfc3339(*k.purged_at);
    return j;
}

void run_list(const StoreArgs& a) {
    auto store = take(store::SqliteKmcStore::open(a.env.store_path()));
    kmc::KeyFilter f;
    f.ca_id = a.ca;
    if (!a.state.empty()) {
        f.state = kmc::key_state_from_name(a.state);
        if (!f.state) fail(make_error(Errc::invalid_argument, "--state takes active, revoked, archived or purged"));
    }
    f.after_key_id = a.after;
    f.limit = a.limit;
    const auto keys = take(store->list_keys(f));
    if (a.env.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& k : keys) list.push_back(key_json(k));
        std::cout << list.dump() << std::endl;
        return;
    }
    for (const auto& k : keys)
        std::cout << k.key_id << "  " << k.ca_id << ":" << k.cert_no << "  " << kmc::key_state_name(k.state)
                  << "  expires " << format_rfc3339(k.not_after) << "  " << k.user_name << "\n";
    std::cout << keys.size() << " escrowed key(s) listed; " << take(store->pool_size()) << " in the pool" << std::endl;
}

void run_retention(const StoreArgs& a, bool purge) {
    auto store = take(store::SqliteKmcStore::open(a.env.store_path()));
    auto audit_store = take(store::SqliteAuditStore::open(a.env.store_path()));
    audit::AuditLog log(*audit_store, audit::AuditLogOptions{});
    const kmc::Caller who{cli_actor(), "cli"};
    const TimePoint now = parse_at(a.at);
    const std::size_t n =
        purge ? take(kmc::purge_archived_keys(*store, log, who, now,
                                              a.retention_days == 0
                                                  ? std::chrono::seconds(kmc::k_default_retention)
                                                  : std::chrono::seconds(std::chrono::hours(24) * a.retention_days)))
              : take(kmc::archive_expired_keys(*store, log, who, now));
    if (a.env.json) {
        std::cout << nlohmann::json{{purge ? "purged" : "archived", n}}.dump() << std::endl;
        return;
    }
    std::cout << (purge ? "purged " : "archived ") << n << " key(s)" << std::endl;
}

struct InitArgs {
    EnvArgs env;
    std::string ca = "demo-sub";
    std::string profile = "device-sign";
    std::string organisation = "Yinxin";
    KmcSettings remote;  // url, cacert, client certificate and key
};

// The KMC of this data directory: its keys in the device ("kmc-sign", "kmc-escrow"; made once) and
// the certificate of the signing key from --ca, then <data-dir>/kmc.json for `serve`. Run again it
// keeps keys and certificate and rewrites the settings (e.g. to add --url).
void run_init(const InitArgs& a) {
    auto env = open_signing_env(a.env);
    const kmc::KmcKeys keys = take(kmc::open_kmc_keys(*env->device, env->pin, *env->audit_log));
    const std::string cert_path = (std::filesystem::path(a.env.data_dir) / "kmc.pem").string();
    std::optional<x509::Certificate> cert;
    if (std::filesystem::exists(cert_path)) {
        auto old = x509::Certificate::parse_pem(to_string(take(read_binary_file(cert_path))));
        if (old && old->public_key_info().der() == keys.sign_public_key) cert = *old;
    }
    bool issued_now = false;
    if (!cert) {
        SystemClock clock;
        crypto::OpensslRng rng;
        ca::Issuer issuer(stores_of(*env->store), env->profiles,
                          ca::device_key_resolver(*env->device, "soft", env->pin), env->publication, clock, rng,
                          env->sink());
        ca::IssueRequest req;
        req.ca_id = a.ca;
        req.profile_id = a.profile;
        req.data.subject = {{"C", "CN"}, {"O", a.organisation}, {"CN", "Yinxin Key Management Centre (" + a.ca + ")"}};
        req.data.spki_der = keys.sign_public_key;
        req.request_id = "kmc-init:" + hex_encode(crypto::sm3(keys.sign_public_key)).substr(0, 16) + ":" +
                         std::to_string(to_unix(clock.now()));
        const ca::IssuedCertificate issued = take(issuer.issue(req));
        cert = take(x509::Certificate::parse(issued.certificate_der));
        check(write_binary_file(cert_path, as_bytes(pem_encode("CERTIFICATE", issued.certificate_der))));
        issued_now = true;
    }
    KmcSettings s = a.remote;
    s.ca = a.ca;
    s.certificate = "kmc.pem";
    if (!s.url.empty() && (s.cacert.empty() || s.client_certificate.empty() || s.client_key.empty()))
        fail(make_error(Errc::invalid_argument, "--url needs --cacert, --client-cert and --client-key"));
    check(save_kmc_settings(a.env.data_dir, s));
    if (a.env.json) {
        std::cout << nlohmann::json{{"ca", a.ca},
                                    {"certificate", cert_path},
                                    {"serial", hex_encode(cert->serial())},
                                    {"issued", issued_now},
                                    {"url", s.url},
                                    {"settings", kmc_settings_path(a.env.data_dir)}}
                         .dump()
                  << std::endl;
        return;
    }
    std::cout << "KMC of " << a.ca << ": " << cert->subject().to_string() << (issued_now ? " (issued now)" : " (kept)")
              << ", " << cert_path << "; " << (s.url.empty() ? "runs inside `serve`" : "reached at " + s.url)
              << std::endl;
}

}  // namespace

void register_kmc_commands(CLI::App& app) {
    auto* kmc = app.add_subcommand("kmc", "Key management centre: enveloped keys, escrow archive and retention");
    kmc->require_subcommand(1);

    auto in = std::make_shared<InitArgs>();
    auto* ic = kmc->add_subcommand("init",
                                   "Set up the KMC of the data directory: its device keys, its certificate from --ca, "
                                   "and kmc.json for `serve` (dual certificates)");
    add_signing_options(ic, in->env);
    ic->add_option("--ca", in->ca, "The CA that asks the KMC and certifies its signing key")->capture_default_str();
    ic->add_option("--profile", in->profile, "Profile of the KMC certificate")->capture_default_str();
    ic->add_option("--organisation", in->organisation, "O of the KMC certificate")->capture_default_str();
    ic->add_option("--url", in->remote.url, "The KMC runs as its own process (`serve --role kmc`) at this https URL");
    ic->add_option("--cacert", in->remote.cacert, "With --url: CA bundle the KMC's TLS certificate chains to");
    ic->add_option("--client-cert", in->remote.client_certificate,
                   "With --url: the CA process's TLS client certificate");
    ic->add_option("--client-key", in->remote.client_key, "With --url: its private key (PEM)");
    ic->callback([in] { run_init(*in); });

    auto o = std::make_shared<OpenArgs>();
    auto* oc = kmc->add_subcommand("open-envelope",
                                   "Open an SM2EnvelopedKey (or GM/T 0092 CSRResponse) with the signing key and write "
                                   "the encryption key pair (PKCS#8 PEM, mode 0600)");
    oc->add_option("--envelope", o->envelope, "SM2EnvelopedKey or CSRResponse file (DER or PEM)")->required();
    oc->add_option("--sign-key", o->sign_key, "The holder's signing private key (PEM)")->required();
    oc->add_option("--out", o->out, "Token file to write the encryption key pair to")->required();
    oc->add_flag("--force", o->force, "Replace an existing --out file");
    oc->add_flag("--json", o->json, "Machine-readable JSON output");
    oc->callback([o] { run_open(*o); });

    auto l = std::make_shared<StoreArgs>();
    auto* lc = kmc->add_subcommand("list", "List the escrowed keys of the store (never the keys themselves)");
    add_store_options(lc, l->env);
    lc->add_option("--state", l->state, "active, revoked, archived or purged");
    lc->add_option("--ca", l->ca, "Only the keys of this CA id");
    lc->add_option("--after", l->after, "Key id to continue after (paging)");
    lc->add_option("--limit", l->limit, "At most this many (1..1000)")->capture_default_str();
    lc->callback([l] { run_list(*l); });

    auto ar = std::make_shared<StoreArgs>();
    auto* ac = kmc->add_subcommand("archive", "Archive the escrowed keys whose certificate has expired");
    add_store_options(ac, ar->env);
    ac->add_option("--at", ar->at, "The time to archive at (unix seconds; default now)");
    ac->callback([ar] { run_retention(*ar, false); });

    auto pu = std::make_shared<StoreArgs>();
    auto* pc = kmc->add_subcommand("purge", "Purge archived keys past retention (default 7 years after expiry)");
    add_store_options(pc, pu->env);
    pc->add_option("--at", pu->at, "The time to purge at (unix seconds; default now)");
    pc->add_option("--retention-days", pu->retention_days, "Retention after expiry in days (at least 365)");
    pc->callback([pu] { run_retention(*pu, true); });
}

}  // namespace yinxin::cli
