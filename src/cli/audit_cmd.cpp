// Parsing and printing only: the chain and checkpoint rules live in src/audit.
#include "audit_cmd.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <string>

#include "cli_util.h"
#include "yinxin/audit/audit.h"
#include "yinxin/store/sqlite_audit_store.h"

namespace yinxin::cli {
namespace {

constexpr int k_exit_tampered = 2;

std::unique_ptr<store::SqliteAuditStore> open_audit_store(const std::string& path) {
    store::SqliteAuditOptions o;
    o.create_if_missing = false;
    return take(store::SqliteAuditStore::open(path, o));
}

nlohmann::json record_json(const audit::AuditRecord& r) {
    nlohmann::json j;
    j["seq"] = r.seq;
    j["row_id"] = r.row_id;
    j["time_ms"] = audit::to_unix_ms(r.time);
    j["source"] = r.source;
    j["actor"] = r.actor;
    j["role"] = r.role;
    j["action"] = r.action;
    j["target"] = r.target;
    j["detail"] = r.detail;
    j["success"] = r.success;
    j["error_code"] = r.error_code;
    j["prev_hash"] = hex_encode(r.prev_hash);
    j["record_hash"] = hex_encode(r.record_hash);
    return j;
}

nlohmann::json report_json(const audit::VerifyReport& rep) {
    nlohmann::json j;
    j["intact"] = rep.intact();
    j["records"] = rep.records;
    j["head_seq"] = rep.head_seq;
    j["checkpoints"] = rep.checkpoints;
    j["anchored_seq"] = rep.anchored_seq;
    j["unanchored"] = rep.unanchored;
    j["key_pinned"] = rep.key_pinned;
    j["findings"] = nlohmann::json::array();
    for (const auto& f : rep.findings) {
        nlohmann::json fj;
        fj["kind"] = std::string(audit::finding_kind_name(f.kind));
        fj["seq"] = f.seq;
        fj["row_id"] = f.row_id;
        if (f.checkpoint_id != 0) fj["checkpoint_id"] = f.checkpoint_id;
        fj["message"] = f.message;
        j["findings"].push_back(std::move(fj));
    }
    return j;
}

struct VerifyArgs {
    std::string store;
    std::string public_key;
    bool json = false;
};

void run_verify(const VerifyArgs& a) {
    auto st = open_audit_store(a.store);
    audit::VerifyOptions opts;
    if (!a.public_key.empty()) opts.trusted_public_key = take(read_der_or_pem(a.public_key, "PUBLIC KEY"));
    const audit::VerifyReport rep = take(audit::verify(*st, opts));
    if (a.json) {
        std::cout << report_json(rep).dump() << "\n";
    } else {
        std::cout << rep.records << " records, head " << rep.head_seq << ", " << rep.checkpoints
                  << " good checkpoints (anchored to record " << rep.anchored_seq << ", " << rep.unanchored
                  << " after it)\n";
        if (!rep.key_pinned && rep.checkpoints > 0)
            std::cout << "note: checkpoint signatures were checked against the keys stored with them; give "
                         "--public-key to pin the audit key\n";
        for (const auto& f : rep.findings) std::cout << audit::finding_kind_name(f.kind) << ": " << f.message << "\n";
        if (rep.intact()) std::cout << "audit log intact\n";
    }
    if (!rep.intact()) fail(make_error(Errc::audit_tampered, rep.findings.front().message), k_exit_tampered);
}

struct ShowArgs {
    std::string store;
    std::uint64_t from = 1;
    std::size_t limit = 100;
    bool json = false;
};

void run_show(const ShowArgs& a) {
    auto st = open_audit_store(a.store);
    const auto records = take(st->read_range(a.from, a.limit));
    if (a.json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& r : records) j.push_back(record_json(r));
        std::cout << j.dump() << "\n";
        return;
    }
    for (const auto& r : records) {
        std::cout << r.seq << "  " << audit::to_unix_ms(r.time) << "  " << r.action << "  "
                  << (r.success ? "ok" : "failed(" + std::to_string(r.error_code) + ")") << "  actor=" << r.actor;
        if (!r.role.empty()) std::cout << " role=" << r.role;
        std::cout << " source=" << r.source;
        if (!r.target.empty()) std::cout << " target=" << r.target;
        if (!r.detail.empty()) std::cout << " detail=" << r.detail;
        std::cout << "\n";
    }
}

}  // namespace

void register_audit_commands(CLI::App& app) {
    auto* aud = app.add_subcommand("audit", "Tamper-evident audit log: verify the chain, show records");
    aud->require_subcommand(1);

    auto verify_args = std::make_shared<VerifyArgs>();
    auto* verify = aud->add_subcommand("verify",
                                       "Check the hash chain and the signed checkpoints; name the first "
                                       "edited, deleted, inserted or reordered record");
    verify->add_option("--store", verify_args->store, "Store file (SQLite)")->required();
    verify->add_option("--public-key", verify_args->public_key,
                       "Trusted audit key (SubjectPublicKeyInfo, DER or PEM) the checkpoints must be signed with");
    verify->add_flag("--json", verify_args->json, "Machine-readable output");
    verify->callback([verify_args] { run_verify(*verify_args); });

    auto show_args = std::make_shared<ShowArgs>();
    auto* show = aud->add_subcommand("show", "Print audit records in sequence order");
    show->add_option("--store", show_args->store, "Store file (SQLite)")->required();
    show->add_option("--from", show_args->from, "First sequence number")->capture_default_str();
    show->add_option("--limit", show_args->limit, "At most this many records (max 10000)")->capture_default_str();
    show->add_flag("--json", show_args->json, "Machine-readable output");
    show->callback([show_args] { run_show(*show_args); });
}

}  // namespace yinxin::cli
