// Parsing and printing only: every rule (formats, matching, authorisation, idempotency, resuming)
// lives in ra::CardBatchService.
//
// The commands work on a data directory like `yinxin ca` (<data-dir>/store.db, device.db). Who
// acts is a registered staff member named with --operator (a card issuer or an RA business
// operator; data import: RA business operators only): the service authorises that member and the
// audit records name them, with the operating-system account ("cli:<login>") as the source.
// Commands that issue unlock the soft device with the custodians' shares and the CA key PIN.
#include "card_cmd.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli_util.h"
#include "signing_env.h"
#include "yinxin/auth/service.h"
#include "yinxin/ca/hierarchy.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/crypto/random.h"
#include "yinxin/ra/card_batch.h"
#include "yinxin/store/sqlite_auth_store.h"
#include "yinxin/store/sqlite_card_batch_store.h"

namespace yinxin::cli {
namespace {

struct CardArgs {
    EnvArgs env;
    std::string operator_id;
    std::size_t chunk_size = 100;
};

// The card service over the data directory; with an issuer when `signing`.
struct CardEnv {
    SystemClock clock;
    crypto::OpensslRng rng;
    std::unique_ptr<SigningEnv> signing;
    std::unique_ptr<store::SqliteStore> store;
    std::unique_ptr<store::SqliteAuditStore> audit_store;
    std::unique_ptr<audit::AuditLog> audit_log;
    std::unique_ptr<store::SqliteAuthStore> auth_store;
    std::unique_ptr<auth::AuthService> auth;
    std::unique_ptr<store::SqliteCardBatchStore> cards;
    std::unique_ptr<ca::Issuer> issuer;
    std::unique_ptr<ra::CardBatchService> service;

    audit::AuditLog& log() { return signing ? *signing->audit_log : *audit_log; }
};

std::unique_ptr<CardEnv> open_card_env(const CardArgs& a, bool signing) {
    auto env = std::make_unique<CardEnv>();
    const std::string path = a.env.store_path();
    ra::CardBatchDeps deps;
    if (signing) {
        env->signing = open_signing_env(a.env);
        SigningEnv& s = *env->signing;
        // Each certificate of a batch is in the chunk's audit record (ra.card_batch.chunk lists
        // every serial and failure) and a single request's in ra.card_request, so the issuer's
        // per-certificate events are not written again; recovery of pending rows is.
        ca::EventSink sink = [full = s.sink()](const ca::CaEvent& ev) {
            if (ev.action.rfind("ca.recover", 0) == 0) full(ev);
        };
        env->issuer = std::make_unique<ca::Issuer>(stores_of(*s.store), s.profiles,
                                                   ca::device_key_resolver(*s.device, "soft", s.pin), s.publication,
                                                   env->clock, env->rng, std::move(sink));
        deps.issuer = env->issuer.get();
        deps.cas = s.store.get();
        deps.profiles = &s.profiles;
    } else {
        env->store = open_store(a.env);
        env->audit_store = take(store::SqliteAuditStore::open(path));
        env->audit_log = std::make_unique<audit::AuditLog>(*env->audit_store, audit::AuditLogOptions{});
    }
    env->auth_store = take(store::SqliteAuthStore::open(path));
    env->auth = std::make_unique<auth::AuthService>(*env->auth_store, env->clock, env->rng);
    env->cards = take(store::SqliteCardBatchStore::open(path));
    deps.store = env->cards.get();
    deps.auth = env->auth.get();
    deps.audit = &env->log();
    deps.clock = &env->clock;
    deps.rng = &env->rng;
    ra::CardBatchOptions o;
    o.chunk_size = a.chunk_size;
    env->service = std::make_unique<ra::CardBatchService>(deps, o);
    return env;
}

ra::Caller caller_of(const CardArgs& a) { return ra::Caller{a.operator_id, cli_actor()}; }

nlohmann::json batch_json(const ra::CardBatch& b) {
    return {{"id", b.id},
            {"state", std::string(ra::batch_state_name(b.state))},
            {"mode", static_cast<int>(b.mode)},
            {"mode_name", std::string(ra::card_mode_name(b.mode))},
            {"format", b.format},
            {"ca", b.ca_id},
            {"profile", b.profile_id},
            {"org_node", b.org_node},
            {"submitted_by", b.submitted_by},
            {"content_sm3", b.content_sm3},
            {"total", b.total},
            {"done", b.done()},
            {"issued", b.issued},
            {"failed", b.failed}};
}

void print_batch(const ra::CardBatch& b) {
    std::cout << "batch:       " << b.id << "\n"
              << "state:       " << ra::batch_state_name(b.state) << "\n"
              << "mode:        " << static_cast<int>(b.mode) << " (" << ra::card_mode_name(b.mode) << ")\n"
              << "CA/profile:  " << b.ca_id << " / " << b.profile_id << "\n"
              << "node:        " << b.org_node << " (submitted by " << b.submitted_by << ")\n"
              << "progress:    " << b.done() << "/" << b.total << " done, " << b.issued << " issued, " << b.failed
              << " failed\n";
}

// A progress bar on a terminal; otherwise a plain line at every tenth and at the end (logs, pipes).
class ProgressReporter {
public:
    ProgressReporter() : m_tty(::isatty(STDERR_FILENO) == 1) {}

    void operator()(const ra::CardBatch& b) {
        const std::int64_t done = b.done();
        const std::int64_t pct = b.total == 0 ? 100 : done * 100 / b.total;
        if (m_tty) {
            constexpr std::int64_t k_width = 40;
            const std::int64_t filled = b.total == 0 ? k_width : done * k_width / b.total;
            std::cerr << "\r" << b.id << " [" << std::string(static_cast<std::size_t>(filled), '#')
                      << std::string(static_cast<std::size_t>(k_width - filled), '.') << "] " << done << "/" << b.total
                      << " " << pct << "%  failed " << b.failed << std::flush;
            if (done == b.total) std::cerr << "\n";
            m_open = done != b.total;
            return;
        }
        const std::int64_t tenth = pct / 10;
        if (tenth == m_last_tenth && done != b.total) return;
        m_last_tenth = tenth;
        std::cerr << "progress " << b.id << ": " << done << "/" << b.total << " (" << pct << "%), " << b.failed
                  << " failed" << std::endl;
    }
    // Ends a bar left open by a run that stopped early.
    void finish() {
        if (m_tty && m_open) std::cerr << "\n";
        m_open = false;
    }

private:
    bool m_tty;
    bool m_open = false;
    std::int64_t m_last_tenth = -1;
};

struct ProcessArgs {
    std::size_t max_chunks = 0;
    bool take_over = false;
};

void run_process(CardEnv& env, const std::string& id, const ProcessArgs& p, bool json) {
    ProgressReporter progress;
    ra::ProcessOptions o;
    o.source = cli_actor();
    o.take_over = p.take_over;
    o.max_chunks = p.max_chunks;
    o.on_progress = [&progress](const ra::CardBatch& b) { progress(b); };
    auto r = env.service->process(id, o);
    progress.finish();
    const ra::CardBatch b = take(std::move(r));
    if (json) {
        std::cout << batch_json(b).dump() << "\n";
        return;
    }
    if (b.state == ra::BatchState::done) {
        std::cout << "batch " << b.id << " done: " << b.issued << " issued, " << b.failed << " failed of " << b.total
                  << "\nresult file: yinxin card batch result " << b.id << " -o " << b.id << "-result.csv\n";
    } else {
        std::cout << "batch " << b.id << " stopped at " << b.done() << "/" << b.total
                  << "; continue with: yinxin card batch resume " << b.id << "\n";
    }
}

// ---- card data import ------------------------------------------------------------------------

struct ImportArgs {
    CardArgs card;
    std::string file;
};

void run_import(const ImportArgs& a) {
    const Bytes text = take(read_binary_file(a.file));
    auto env = open_card_env(a.card, false);
    const auto counts = take(env->service->import_card_data(caller_of(a.card), to_string(text)));
    if (a.card.env.json) {
        std::cout << nlohmann::json{{"added", counts.added}, {"unchanged", counts.unchanged}}.dump() << "\n";
        return;
    }
    std::cout << "card-issuance data: " << counts.added << " added, " << counts.unchanged << " unchanged\n";
}

// ---- card batch submit / resume / status / result --------------------------------------------

struct SubmitArgs {
    CardArgs card;
    ProcessArgs process;
    std::string file;
    std::string ca_id;
    std::string profile_id;
    int mode = 1;
    std::string org_node;
    bool no_process = false;
};

void run_submit(const SubmitArgs& a) {
    const Bytes content = take(read_binary_file(a.file));
    auto mode = ra::card_mode_from_number(a.mode);
    if (!mode) fail(make_error(Errc::invalid_argument, "--mode is 1..5 (LD/T 03-2022 §6.4.7.1)"));
    auto env = open_card_env(a.card, true);
    ra::BatchRequest req;
    req.ca_id = a.ca_id;
    req.profile_id = a.profile_id;
    req.mode = *mode;
    req.org_node = a.org_node;
    req.source = a.file;
    req.content = to_string(content);
    const auto sub = take(env->service->submit(caller_of(a.card), req));
    if (!a.card.env.json) {
        std::cout << (sub.created ? "submitted batch " : "already submitted as batch ") << sub.batch.id << " ("
                  << sub.batch.total << " items, " << sub.batch.format << ", SM3 " << sub.batch.content_sm3 << ")"
                  << std::endl;
    }
    if (a.no_process || sub.batch.state == ra::BatchState::done) {
        if (a.card.env.json) {
            auto j = batch_json(sub.batch);
            j["created"] = sub.created;
            std::cout << j.dump() << "\n";
        } else if (sub.batch.state == ra::BatchState::done) {
            std::cout << "batch " << sub.batch.id << " is done: " << sub.batch.issued << " issued, " << sub.batch.failed
                      << " failed\n";
        }
        return;
    }
    run_process(*env, sub.batch.id, a.process, a.card.env.json);
}

struct BatchIdArgs {
    CardArgs card;
    ProcessArgs process;
    std::string id;
    std::string out;
};

void run_resume(const BatchIdArgs& a) {
    auto env = open_card_env(a.card, true);
    run_process(*env, a.id, a.process, a.card.env.json);
}

void run_status(const BatchIdArgs& a) {
    auto cards = take(store::SqliteCardBatchStore::open(a.card.env.store_path()));
    const auto b = take(cards->batch(a.id));
    if (a.card.env.json) {
        std::cout << batch_json(b).dump() << "\n";
        return;
    }
    print_batch(b);
}

void run_result(const BatchIdArgs& a) {
    auto cards = take(store::SqliteCardBatchStore::open(a.card.env.store_path()));
    std::ofstream file;
    if (!a.out.empty() && a.out != "-") {
        file.open(a.out, std::ios::binary | std::ios::trunc);
        if (!file) fail(make_error(Errc::io_error, "cannot write " + a.out));
    }
    std::ostream& out = file.is_open() ? static_cast<std::ostream&>(file) : std::cout;
    std::size_t lines = 0;
    check(ra::write_result_csv(*cards, a.id, [&](std::string_view part) -> Status {
        out.write(part.data(), static_cast<std::streamsize>(part.size()));
        lines += static_cast<std::size_t>(std::count(part.begin(), part.end(), '\n'));
        if (!out) return make_error(Errc::io_error, "writing the result file failed");
        return ok_status();
    }));
    out.flush();
    if (file.is_open()) {
        file.close();
        if (!file) fail(make_error(Errc::io_error, "writing " + a.out + " failed"));
        std::cerr << "wrote " << lines - 1 << " items to " << a.out << "\n";
    }
}

// ---- card issue (modes 3 and 5) --------------------------------------------------------------

struct IssueArgs {
    CardArgs card;
    std::string ca_id;
    std::string profile_id;
    int mode = 3;
    std::string org_node;
    std::string card_number;
    std::string id_number;
    std::string name;
    std::string public_key;  // hex point or base64 SPKI
    std::string public_key_file;
    std::string csr_file;
    std::string out;
};

void run_issue(const IssueArgs& a) {
    auto mode = ra::card_mode_from_number(a.mode);
    if (!mode) fail(make_error(Errc::invalid_argument, "--mode is 3 (quick_issue) or 5 (service_window)"));
    ra::SingleRequest req;
    req.ca_id = a.ca_id;
    req.profile_id = a.profile_id;
    req.mode = *mode;
    req.org_node = a.org_node;
    req.card_number = a.card_number;
    req.id_number = a.id_number;
    req.name = a.name;
    if (!a.public_key.empty()) {
        auto point = hex_decode(a.public_key);
        req.public_key = point && point->size() == 65 ? std::move(point).value() : take(base64_decode(a.public_key));
    } else if (!a.public_key_file.empty()) {
        req.public_key = take(read_der_or_pem(a.public_key_file, "PUBLIC KEY"));
    } else if (!a.csr_file.empty()) {
        req.pkcs10 = take(read_der_or_pem(a.csr_file, "CERTIFICATE REQUEST"));
    } else {
        fail(make_error(Errc::invalid_argument, "give the card's key: --public-key, --public-key-file or --csr"));
    }
    auto env = open_card_env(a.card, true);
    const auto r = take(env->service->request_single(caller_of(a.card), req));
    if (!a.out.empty()) check(write_binary_file(a.out, as_bytes(pem_encode("CERTIFICATE", r.certificate_der))));
    if (a.card.env.json) {
        std::cout << nlohmann::json{{"batch_id", r.batch_id},
                                    {"serial", r.serial_hex},
                                    {"created", r.created},
                                    {"certificate", base64_encode(r.certificate_der)}}
                         .dump()
                  << "\n";
        return;
    }
    if (a.out.empty()) {
        std::cout << pem_encode("CERTIFICATE", r.certificate_der);
    } else {
        std::cout << (r.created ? "issued " : "issued before: ") << a.ca_id << ":" << r.serial_hex << " (request "
                  << r.batch_id << ") to " << a.out << "\n";
    }
}

void add_card_options(CLI::App* c, CardArgs& a, bool signing, bool operator_required) {
    if (signing) {
        add_signing_options(c, a.env);
        c->add_option("--chunk-size", a.chunk_size, "Items per issuance chunk and per result transaction")
            ->capture_default_str()
            ->check(CLI::Range(std::size_t{1}, ca::Issuer::k_max_batch));
    } else {
        add_store_options(c, a.env);
    }
    auto* op = c->add_option("--operator", a.operator_id,
                             "Staff id on whose behalf this runs (card issuer or RA business operator)");
    if (operator_required) op->required();
}

void add_process_options(CLI::App* c, ProcessArgs& p) {
    c->add_option("--max-chunks", p.max_chunks, "Stop after this many chunks (resume later); 0: all")
        ->capture_default_str();
    c->add_flag("--take-over", p.take_over,
                "Process even when another run holds the batch (only when that process is known to be gone)");
}

}  // namespace

void register_card_commands(CLI::App& app) {
    auto* card = app.add_subcommand(
        "card", "Third-generation social-security card certificates (LD/T 03-2022 §6.4.7, modes 1-5)");
    card->require_subcommand(1);

    auto* data = card->add_subcommand("data", "Card-issuance data (发卡数据) the requests are matched against");
    data->require_subcommand(1);
    auto imp = std::make_shared<ImportArgs>();
    auto* c = data->add_subcommand("import",
                                   "Import card-issuance data: CSV card_number,id_number,name,division_code,org_node");
    add_card_options(c, imp->card, false, true);
    c->add_option("file", imp->file, "CSV file")->required()->check(CLI::ExistingFile);
    c->callback([imp] { run_import(*imp); });

    auto* batch = card->add_subcommand("batch", "Batch jobs of modes 1, 2 and 4 (card vendor, personalisation centre)");
    batch->require_subcommand(1);
    auto sub = std::make_shared<SubmitArgs>();
    c = batch->add_subcommand("submit",
                              "Submit a batch file (CSV card_number,id_number,name,public_key,pkcs10 or JSON lines) "
                              "and issue it; the same file again is the same batch");
    add_card_options(c, sub->card, true, true);
    add_process_options(c, sub->process);
    c->add_option("file", sub->file, "Batch file")->required()->check(CLI::ExistingFile);
    c->add_option("--ca", sub->ca_id, "Issuing CA id")->required();
    c->add_option("--profile", sub->profile_id, "Certificate profile (default cardholder-sign)");
    c->add_option("--mode", sub->mode, "1 vendor batch, 2 personalisation centre, 4 self-service download")
        ->capture_default_str();
    c->add_option("--org-node", sub->org_node, "Organisation node of the batch (default: the operator's)");
    c->add_flag("--no-process", sub->no_process, "Only store the batch (a server's worker or `resume` issues it)");
    c->callback([sub] { run_submit(*sub); });

    auto res = std::make_shared<BatchIdArgs>();
    c = batch->add_subcommand("resume", "Continue issuing a batch that stopped (crash, --max-chunks)");
    add_card_options(c, res->card, true, false);
    add_process_options(c, res->process);
    c->add_option("id", res->id, "Batch id")->required();
    c->callback([res] { run_resume(*res); });

    auto st = std::make_shared<BatchIdArgs>();
    c = batch->add_subcommand("status", "Progress of a batch");
    add_store_options(c, st->card.env);
    c->add_option("id", st->id, "Batch id")->required();
    c->callback([st] { run_status(*st); });

    auto out = std::make_shared<BatchIdArgs>();
    c = batch->add_subcommand("result", "Write the per-item result file (CSV, one line per item in input order)");
    add_store_options(c, out->card.env);
    c->add_option("id", out->id, "Batch id")->required();
    c->add_option("-o,--out", out->out, "Output file (default: stdout)");
    c->callback([out] { run_result(*out); });

    auto iss = std::make_shared<IssueArgs>();
    c = card->add_subcommand("issue", "Real-time single request: mode 3 (quick-issue terminal) or 5 (service window)");
    add_card_options(c, iss->card, true, true);
    c->add_option("--ca", iss->ca_id, "Issuing CA id")->required();
    c->add_option("--profile", iss->profile_id, "Certificate profile (default cardholder-sign)");
    c->add_option("--mode", iss->mode, "3 quick-issue terminal, 5 service window")->capture_default_str();
    c->add_option("--org-node", iss->org_node, "Organisation node (default: the operator's)");
    c->add_option("--card-number", iss->card_number, "社会保障卡卡号")->required();
    c->add_option("--id-number", iss->id_number, "公民身份号码")->required();
    c->add_option("--name", iss->name, "Holder's name")->required();
    c->add_option("--public-key", iss->public_key, "Card-generated SM2 key: 04||X||Y hex or base64 SPKI");
    c->add_option("--public-key-file", iss->public_key_file, "Card-generated SM2 key (PEM or DER SPKI)")
        ->check(CLI::ExistingFile);
    c->add_option("--csr", iss->csr_file, "PKCS#10 made with the card's key (PEM or DER)")->check(CLI::ExistingFile);
    c->add_option("--out", iss->out, "Write the certificate here (PEM; default stdout)");
    c->callback([iss] { run_issue(*iss); });
}

}  // namespace yinxin::cli
