#include "yinxin/audit/audit.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "yinxin/crypto/sm2.h"
#include "yinxin/crypto/sm3.h"

namespace yinxin::audit {

namespace {

constexpr std::string_view k_record_magic = "YXAUDIT1";
constexpr std::string_view k_checkpoint_magic = "YXAUDCP1";
// Rows read per store call while verifying.
constexpr std::size_t k_scan_page = 1000;
// A lost race against another process is retried this many times before giving up.
constexpr int k_append_attempts = 16;

void put_u64(Bytes& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void put_u32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void put_bytes(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }
void put_field(Bytes& out, std::string_view s) {
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    put_bytes(out, s);
}

Bytes zero_hash() { return Bytes(k_hash_len, 0); }

std::string seq_str(std::uint64_t s) { return std::to_string(s); }

}  // namespace

AuditEvent& AuditEvent::failed(const Error& e) {
    success = false;
    error_code = e.numeric();
    if (!detail.empty()) detail += "; ";
    detail += e.to_string();
    return *this;
}

std::int64_t to_unix_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_unix_ms(std::int64_t ms) {
    return TimePoint{std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds{ms})};
}

Bytes canonical_encoding(const AuditRecord& r) {
    Bytes out;
    out.reserve(64 + r.source.size() + r.actor.size() + r.role.size() + r.action.size() + r.target.size() +
                r.detail.size());
    put_bytes(out, k_record_magic);
    put_u64(out, r.seq);
    put_u64(out, static_cast<std::uint64_t>(to_unix_ms(r.time)));
    put_field(out, r.source);
    put_field(out, r.actor);
    put_field(out, r.role);
    put_field(out, r.action);
    put_field(out, r.target);
    put_field(out, r.detail);
    out.push_back(r.success ? 1 : 0);
    put_u32(out, r.error_code);
    return out;
}

Bytes compute_record_hash(const AuditRecord& r) {
    crypto::Sm3 h;
    h.update(r.prev_hash);
    h.update(canonical_encoding(r));
    const auto d = h.finish();
    return Bytes(d.begin(), d.end());
}

Bytes checkpoint_tbs(const AuditCheckpoint& c) {
    Bytes out;
    put_bytes(out, k_checkpoint_magic);
    put_u64(out, c.seq);
    out.insert(out.end(), c.record_hash.begin(), c.record_hash.end());
    put_u64(out, static_cast<std::uint64_t>(to_unix_ms(c.time)));
    return out;
}

Status validate_action(std::string_view action) {
    bool dotted = false;
    bool word_empty = true;
    for (char ch : action) {
        if (ch == '.') {
            if (word_empty) break;
            dotted = true;
            word_empty = true;
            continue;
        }
        const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
        if (!ok)
            return make_error(Errc::audit_bad_event, "audit action '" + std::string(action) + "' has a bad character");
        word_empty = false;
    }
    if (!dotted || word_empty || action.size() > 128)
        return make_error(Errc::audit_bad_event,
                          "audit action '" + std::string(action) + "' is not a dotted name like \"ca.issue\"");
    return ok_status();
}

std::string_view finding_kind_name(FindingKind k) noexcept {
    switch (k) {
        case FindingKind::edited: return "edited";
        case FindingKind::deleted: return "deleted";
        case FindingKind::inserted: return "inserted";
        case FindingKind::reordered: return "reordered";
        case FindingKind::bad_checkpoint: return "bad_checkpoint";
        case FindingKind::checkpoint_mismatch: return "checkpoint_mismatch";
    }
    return "unknown";
}

namespace {

// What verify keeps per row: enough to diagnose without holding the records' text.
struct RowSummary {
    std::int64_t row_id = 0;
    std::uint64_t seq = 0;
    Bytes prev_hash;
    Bytes record_hash;
    bool self_ok = false;  // the fields hash to record_hash
    // When not self_ok: +1 if the record hashes correctly as seq + 1 (later records were renumbered
    // down, closing the gap of a deleted one), -1 as seq - 1 (renumbered up to make room for an
    // inserted one), 0 otherwise.
    int renumbered = 0;
};

std::string where(const RowSummary& r) {
    return "record " + seq_str(r.seq) + " (row id " + std::to_string(r.row_id) + ")";
}

Finding make_finding(FindingKind kind, const RowSummary& r, std::string msg) {
    Finding f;
    f.kind = kind;
    f.seq = r.seq;
    f.row_id = r.row_id;
    f.message = std::move(msg);
    return f;
}

// The first problem in physical order, or nullopt when the rows form one unbroken chain
// 1, 2, ..., n. Diagnosis, in order, for the first row that does not extend the chain:
//  - its fields do not hash to its stored hash: edited (or forged without knowing the format);
//  - its seq was already accepted: a second record claims that seq; the one the successor chains
//    to is genuine, the other inserted;
//  - its seq skips ahead: if the expected seq is stored elsewhere, that record was moved
//    (reordered), else the expected seqs are missing (deleted);
//  - right seq but prev_hash is not the previous record's hash: the previous record was rewritten
//    with a recomputed hash (edited), or, when nothing chains to the previous row at all and this
//    row chains to the one before it, the previous row was inserted.
std::optional<Finding> diagnose_chain(const std::vector<RowSummary>& rows, std::uint64_t& head_seq) {
    std::unordered_multimap<std::uint64_t, std::size_t> by_seq;
    for (std::size_t i = 0; i < rows.size(); ++i) by_seq.emplace(rows[i].seq, i);
    auto chains_to = [&](const Bytes& hash) {
        return std::any_of(rows.begin(), rows.end(), [&](const RowSummary& r) { return r.prev_hash == hash; });
    };

    std::uint64_t expected = 1;
    Bytes prev = zero_hash();
    std::vector<std::size_t> accepted;  // indices of rows in the chain
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const RowSummary& r = rows[i];
        if (!r.self_ok && r.renumbered == -1 && r.seq == expected && !accepted.empty()) {
            const RowSummary& p = rows[accepted.back()];
            return make_finding(FindingKind::inserted, p,
                                where(p) +
                                    " is not part of the chain: the records after it were renumbered to make "
                                    "room for it (inserted)");
        }
        if (!r.self_ok && r.renumbered == 1 && r.seq == expected) {
            Finding f = make_finding(FindingKind::deleted, r,
                                     "record " + seq_str(r.seq) + " missing: " + where(r) + " is record " +
                                         seq_str(r.seq + 1) + " renumbered to close the gap (deleted)");
            f.row_id = 0;
            return f;
        }
        if (!r.self_ok)
            return make_finding(FindingKind::edited, r, where(r) + ": its fields do not match its hash (edited)");
        if (r.seq == 0)
            return make_finding(FindingKind::inserted, r, where(r) + ": sequence numbers start at 1 (inserted)");
        if (r.seq == expected && r.prev_hash == prev) {
            accepted.push_back(i);
            prev = r.record_hash;
            head_seq = expected;
            ++expected;
            continue;
        }
        if (r.seq < expected) {
            // A second record with an already accepted seq. The genuine one is the one that
            // seq + 1 chains to (or, at the head, the earlier one).
            const RowSummary& first = rows[accepted[static_cast<std::size_t>(r.seq - 1)]];
            bool current_is_genuine = false;
            auto [lo, hi] = by_seq.equal_range(r.seq + 1);
            for (auto it = lo; it != hi; ++it) {
                const RowSummary& next = rows[it->second];
                if (next.prev_hash == r.record_hash && next.prev_hash != first.record_hash) current_is_genuine = true;
            }
            if (current_is_genuine)
                return make_finding(FindingKind::inserted, first,
                                    where(first) + " is not part of the chain: record " + seq_str(r.seq + 1) +
                                        " chains to the record " + seq_str(r.seq) + " at row id " +
                                        std::to_string(r.row_id) + " (inserted)");
            return make_finding(FindingKind::inserted, r,
                                where(r) + " duplicates record " + seq_str(r.seq) + " at row id " +
                                    std::to_string(first.row_id) + " and nothing chains to it (inserted)");
        }
        if (r.seq > expected) {
            auto it = by_seq.find(expected);
            if (it != by_seq.end()) {
                const RowSummary& moved = rows[it->second];
                Finding f =
                    make_finding(FindingKind::reordered, r,
                                 "row id " + std::to_string(r.row_id) + " holds record " + seq_str(r.seq) +
                                     " where record " + seq_str(expected) + " belongs; record " + seq_str(expected) +
                                     " is at row id " + std::to_string(moved.row_id) + " (reordered)");
                return f;
            }
            Finding f;
            f.kind = FindingKind::deleted;
            f.seq = expected;
            f.row_id = 0;
            f.message = (r.seq - expected == 1 ? "record " + seq_str(expected)
                                               : "records " + seq_str(expected) + " to " + seq_str(r.seq - 1)) +
                        " missing before " + where(r) + " (deleted)";
            return f;
        }
        // r.seq == expected, prev_hash does not match.
        if (!accepted.empty()) {
            const RowSummary& p = rows[accepted.back()];
            const Bytes before = accepted.size() >= 2 ? rows[accepted[accepted.size() - 2]].record_hash : zero_hash();
            if (r.prev_hash == before && !chains_to(p.record_hash))
                return make_finding(
                    FindingKind::inserted, p,
                    where(p) + " is not part of the chain: " + where(r) + " chains to the record before it (inserted)");
            return make_finding(FindingKind::edited, p,
                                where(p) + " was rewritten: " + where(r) + " does not chain to it (edited)");
        }
        return make_finding(FindingKind::edited, r, where(r) + ": the first record does not start the chain (edited)");
    }
    return std::nullopt;
}

}  // namespace

Result<VerifyReport> verify(AuditStore& store, const VerifyOptions& options) {
    VerifyReport report;
    std::vector<RowSummary> rows;
    std::int64_t after = 0;
    for (;;) {
        YX_ASSIGN_OR_RETURN(auto page, store.scan(after, k_scan_page));
        for (const AuditRecord& r : page) {
            RowSummary s;
            s.row_id = r.row_id;
            s.seq = r.seq;
            s.prev_hash = r.prev_hash;
            s.record_hash = r.record_hash;
            s.self_ok = r.prev_hash.size() == k_hash_len && compute_record_hash(r) == r.record_hash;
            if (!s.self_ok) {
                AuditRecord alt = r;
                alt.seq = r.seq + 1;
                if (compute_record_hash(alt) == r.record_hash) s.renumbered = 1;
                alt.seq = r.seq - 1;
                if (r.seq > 1 && compute_record_hash(alt) == r.record_hash) s.renumbered = -1;
            }
            rows.push_back(std::move(s));
            after = r.row_id;
        }
        if (page.size() < k_scan_page) break;
    }
    report.records = rows.size();
    const std::optional<Finding> chain = diagnose_chain(rows, report.head_seq);
    if (chain) report.findings.push_back(*chain);

    // Checkpoints: each must carry a valid signature by the trusted key and match the record at its
    // seq. A checkpoint beyond the last record means records were cut off the end.
    std::optional<crypto::Sm2PublicKey> pinned;
    if (!options.trusted_public_key.empty()) {
        YX_ASSIGN_OR_RETURN(auto k, crypto::Sm2PublicKey::from_spki_der(options.trusted_public_key));
        pinned = std::move(k);
        report.key_pinned = true;
    }
    std::map<std::uint64_t, const RowSummary*> seq_index;
    for (const RowSummary& r : rows) seq_index.emplace(r.seq, &r);  // first row per seq

    YX_ASSIGN_OR_RETURN(auto cps, store.checkpoints());
    for (const AuditCheckpoint& c : cps) {
        auto bad = [&](FindingKind kind, std::string msg) {
            Finding f;
            f.kind = kind;
            f.seq = c.seq;
            f.checkpoint_id = c.id;
            auto it = seq_index.find(c.seq);
            if (it != seq_index.end()) f.row_id = it->second->row_id;
            f.message = "checkpoint " + std::to_string(c.id) + " (record " + seq_str(c.seq) + "): " + std::move(msg);
            report.findings.push_back(std::move(f));
        };
        std::optional<crypto::Sm2PublicKey> key = pinned;
        if (!key) {
            auto k = crypto::Sm2PublicKey::from_spki_der(c.public_key);
            if (!k.ok()) {
                bad(FindingKind::bad_checkpoint, "stored public key unreadable: " + k.error().message);
                continue;
            }
            key = std::move(k).value();
        } else if (c.public_key != options.trusted_public_key) {
            bad(FindingKind::bad_checkpoint, "signed by a key other than the trusted audit key");
            continue;
        }
        if (c.record_hash.size() != k_hash_len) {
            bad(FindingKind::bad_checkpoint, "malformed record hash");
            continue;
        }
        auto sig = crypto::sm2_verify(*key, checkpoint_tbs(c), c.signature, c.sm2_id);
        if (!sig.ok()) {
            bad(FindingKind::bad_checkpoint, "signature does not verify: " + sig.error().message);
            continue;
        }
        auto it = seq_index.find(c.seq);
        if (it == seq_index.end()) {
            bad(FindingKind::checkpoint_mismatch, "the signed record is missing (deleted)");
            continue;
        }
        if (it->second->record_hash != c.record_hash) {
            bad(FindingKind::checkpoint_mismatch,
                "row id " + std::to_string(it->second->row_id) + " does not match the signed hash (edited)");
            continue;
        }
        if (!chain || c.seq <= report.head_seq) report.anchored_seq = std::max(report.anchored_seq, c.seq);
        ++report.checkpoints;
    }
    report.unanchored = report.head_seq > report.anchored_seq ? report.head_seq - report.anchored_seq : 0;
    return report;
}

AuditLog::AuditLog(AuditStore& store, AuditLogOptions options) : m_store(store), m_options(std::move(options)) {
    if (m_options.clock == nullptr) m_options.clock = &m_system_clock;
}

Result<AuditRecord> AuditLog::append(const AuditEvent& event) {
    YX_TRY(validate_action(event.action));
    for (const std::string* f :
         {&event.source, &event.actor, &event.role, &event.action, &event.target, &event.detail}) {
        if (f->size() > k_max_field_len)
            return make_error(Errc::audit_bad_event, "audit field longer than " + std::to_string(k_max_field_len) +
                                                         " bytes (action " + event.action + ")");
    }
    if (event.success && event.error_code != 0)
        return make_error(Errc::audit_bad_event, "a successful audit event carries no error code");

    std::lock_guard lock(m_mutex);
    AuditRecord r;
    r.time = from_unix_ms(to_unix_ms(event.time.value_or(m_options.clock->now())));
    r.source = event.source;
    r.actor = event.actor;
    r.role = event.role;
    r.action = event.action;
    r.target = event.target;
    r.detail = event.detail;
    r.success = event.success;
    r.error_code = event.error_code;
    for (int attempt = 0;; ++attempt) {
        YX_ASSIGN_OR_RETURN(auto head, m_store.last());
        r.seq = head ? head->seq + 1 : 1;
        r.prev_hash = head ? head->record_hash : zero_hash();
        r.record_hash = compute_record_hash(r);
        auto st = m_store.append(r);
        if (st.ok()) break;
        // Another process appended between last() and append(): chain to the new head.
        if (st.code() != Errc::audit_conflict || attempt + 1 >= k_append_attempts) return std::move(st).error();
    }
    YX_ASSIGN_OR_RETURN(auto stored, m_store.last());
    if (stored && stored->seq == r.seq && stored->record_hash == r.record_hash) r.row_id = stored->row_id;
    return r;
}

Result<AuditCheckpoint> AuditLog::checkpoint() {
    if (m_options.device == nullptr || m_options.key_index == 0)
        return make_error(Errc::audit_no_key, "audit log has no checkpoint key configured");
    std::lock_guard lock(m_mutex);
    YX_ASSIGN_OR_RETURN(auto head, m_store.last());
    if (!head) return make_error(Errc::invalid_argument, "audit log is empty: nothing to checkpoint");
    AuditCheckpoint c;
    c.seq = head->seq;
    c.record_hash = head->record_hash;
    c.time = from_unix_ms(to_unix_ms(m_options.clock->now()));
    c.key_index = m_options.key_index;
    c.sm2_id = m_options.sm2_id;
    YX_ASSIGN_OR_RETURN(c.public_key, m_options.device->export_public_key(m_options.key_index));
    YX_ASSIGN_OR_RETURN(c.signature, m_options.device->sign(m_options.key_index, checkpoint_tbs(c), c.sm2_id));
    YX_TRY(m_store.add_checkpoint(c));
    return c;
}

Result<VerifyReport> AuditLog::verify() {
    VerifyOptions opts;
    if (m_options.device != nullptr && m_options.key_index != 0) {
        YX_ASSIGN_OR_RETURN(opts.trusted_public_key, m_options.device->export_public_key(m_options.key_index));
    }
    return audit::verify(m_store, opts);
}

}  // namespace yinxin::audit
