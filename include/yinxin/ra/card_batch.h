// Third-generation social-security card certificates (第三代社会保障卡持卡人证书; LD/T 03-2022 §6.4.7).
//
// §6.4.7.1 names five personalisation modes; the RA's part differs only in how requests arrive:
//   模式一 卡商批量写入          vendor_batch            a card vendor's batch file        → submit()
//   模式二 个人化中心批量写入    personalisation_batch   a personalisation centre's batch  → submit()
//   模式三 快速发卡系统写入      quick_issue             one request, answered at once     → request_single()
//   模式四 服务窗口或持卡人自助  self_service            issued in batch as 一/二, the holder
//                                                        downloads later                   → submit(),
//                                                        certificate_for_card()
//   模式五 服务窗口申请并写入    service_window          one request from a service window → request_single()
// In every mode the card generates its signing key pair; the RA receives the public key (or a
// PKCS#10) with the holder's data and, as §6.4.7.2 b) requires, "将接收到的申请数据与发卡数据进行比对":
// each item is matched against the card-issuance data (发卡数据, imported by an RA operator) —
// card number, citizen ID number and name must agree, and the card must have been issued inside
// the batch's organisation subtree — before the CA issues anything.
//
// Batches are persisted jobs: submit() stores the file's items in one transaction (the file's SM3
// is unique, so submitting the same file again returns the first batch and creates nothing);
// process() issues them in chunks through ca::Issuer::issue_batch and records each chunk's results
// in one transaction. It is resumable: an item is marked `issuing` before its chunk goes to the CA
// and carries a request id ("card:<batch>:<line>") into the certificate store, so after a crash
// the next run finds what the CA already issued (finishing the CA's pending rows first) instead of
// issuing it again.
//
// Batch file formats (UTF-8; a UTF-8 BOM and CRLF line ends are accepted; blank lines are skipped
// but counted, so line numbers are those of the file):
//   CSV (RFC 4180 quoting, one record per line), header line required:
//       card_number,id_number,name,public_key,pkcs10
//   JSON lines (the first non-blank character is '{'), one object per line:
//       {"card_number": "...", "id_number": "...", "name": "...", "public_key": "..."}
//       {"card_number": "...", "id_number": "...", "name": "...", "pkcs10": "..."}
//   public_key: SubjectPublicKeyInfo DER in base64, or the uncompressed SM2 point 04||X||Y in hex
//   (130 hex digits); pkcs10: the PKCS#10 DER in base64. Exactly one of the two per item.
// Card-issuance data, CSV with the header line:
//       card_number,id_number,name,division_code,org_node
//
// What refuses a whole file (nothing persisted, the error names the line): a wrong header, a wrong
// number of fields, a missing field, both or neither key, a key that is not base64/hex, a field
// that is too long or not UTF-8, a card number twice in the file, too many items. What fails one
// item only (the batch goes on, the result file says why): an ID number whose GB 11643 check digit
// is wrong (ra.bad_request), no matching card-issuance record (ra.batch_mismatch), a card already
// certified for the same key (ra.duplicate), a key or PKCS#10 the CA refuses (x509.*, crypto.*,
// ca.*), a profile or lint refusal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "yinxin/audit/audit.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/base/rng.h"
#include "yinxin/ca/issuer.h"
#include "yinxin/ca/store.h"
#include "yinxin/profile/profile.h"
#include "yinxin/ra/application.h"

namespace yinxin::ra {

// LD/T 03-2022 §6.4.7.1: the five personalisation modes (stored as their number).
enum class CardMode : std::uint8_t {
    vendor_batch = 1,           // 模式一 卡商批量写入数字证书
    personalisation_batch = 2,  // 模式二 个人化中心批量写入数字证书
    quick_issue = 3,            // 模式三 快速发卡系统写入数字证书
    self_service = 4,           // 模式四 服务窗口或持卡人自助写入数字证书
    service_window = 5,         // 模式五 服务窗口申请并写入数字证书
};
constexpr std::string_view card_mode_name(CardMode m) noexcept {
    switch (m) {
        case CardMode::vendor_batch: return "vendor_batch";
        case CardMode::personalisation_batch: return "personalisation_batch";
        case CardMode::quick_issue: return "quick_issue";
        case CardMode::self_service: return "self_service";
        case CardMode::service_window: return "service_window";
    }
    return "unknown";
}
// Modes 1, 2 and 4 arrive as batch files; 3 and 5 as single real-time requests.
constexpr bool is_batch_mode(CardMode m) noexcept {
    return m == CardMode::vendor_batch || m == CardMode::personalisation_batch || m == CardMode::self_service;
}
std::optional<CardMode> card_mode_from_number(std::int64_t n) noexcept;

enum class BatchState : std::uint8_t { pending, processing, done };
constexpr std::string_view batch_state_name(BatchState s) noexcept {
    switch (s) {
        case BatchState::processing: return "processing";
        case BatchState::done: return "done";
        case BatchState::pending: break;
    }
    return "pending";
}

// pending → issuing (its chunk went to the CA) → issued | failed. A failed item of a single
// request goes back to pending when the same request is sent again.
enum class ItemStatus : std::uint8_t { pending, issuing, issued, failed };
constexpr std::string_view item_status_name(ItemStatus s) noexcept {
    switch (s) {
        case ItemStatus::issuing: return "issuing";
        case ItemStatus::issued: return "issued";
        case ItemStatus::failed: return "failed";
        case ItemStatus::pending: break;
    }
    return "pending";
}

enum class KeyKind : std::uint8_t {
    spki,    // SubjectPublicKeyInfo DER
    point,   // 65-byte uncompressed SM2 point 04||X||Y
    pkcs10,  // PKCS#10 DER
};
constexpr std::string_view key_kind_name(KeyKind k) noexcept {
    switch (k) {
        case KeyKind::point: return "point";
        case KeyKind::pkcs10: return "pkcs10";
        case KeyKind::spki: break;
    }
    return "spki";
}

// One record of the card-issuance data (发卡数据): what the card issuing system says it issued.
struct CardRecord {
    std::string card_number;    // 社会保障卡卡号: 1..32 of [0-9A-Z]
    std::string id_number;      // 公民身份号码 (GB 11643), 18 characters, check digit verified
    std::string name;           // the holder's name as printed on the card
    std::string division_code;  // 行政区划代码 (GB/T 2260), 6 digits
    std::string org_node;       // the issuing organisation node (auth::OrgNode id)
    std::string imported_by;
    std::int64_t imported_at = 0;  // unix seconds
};

struct CardBatch {
    std::string id;           // "cb-" + 16 hex digits
    std::string content_sm3;  // lower-case hex SM3 of the file as received: unique
    CardMode mode = CardMode::vendor_batch;
    std::string format;  // "csv" or "jsonl"
    std::string ca_id;
    std::string profile_id;
    std::string org_node;
    std::string submitted_by;
    std::string source;  // file name or peer address, for the record
    BatchState state = BatchState::pending;
    std::int64_t total = 0;
    std::int64_t issued = 0;
    std::int64_t failed = 0;
    std::string lease_owner;       // who is processing it now ("" when nobody)
    std::int64_t lease_until = 0;  // unix seconds
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t completed_at = 0;  // 0 until done

    std::int64_t done() const noexcept { return issued + failed; }
};

struct BatchItem {
    std::int64_t line = 0;  // line of the file (1-based; the CSV header is line 1)
    std::string card_number;
    std::string id_number;
    std::string name;
    KeyKind key_kind = KeyKind::spki;
    Bytes key_data;
    std::string spki_sm3;  // lower-case hex SM3 of the SubjectPublicKeyInfo, when it could be derived
    ItemStatus status = ItemStatus::pending;
    std::string serial_hex;        // issued
    std::uint32_t error_code = 0;  // failed: Errc numeric value
    std::string message;           // failed: why
};

// A state change of one item, applied by CardBatchStore::update_items.
struct ItemUpdate {
    std::int64_t line = 0;
    ItemStatus status = ItemStatus::pending;
    std::string serial_hex;
    std::uint32_t error_code = 0;
    std::string message;
};

// One line of the result file: the item and, when issued, its certificate.
struct ResultRow {
    BatchItem item;
    Bytes certificate_der;
};

// A certificate row of the CA store found by its RA request id.
struct IssuedRef {
    ca::CertificateStatus status = ca::CertificateStatus::pending;
    std::string serial_hex;
};

// An issued item of some batch: the card already has a certificate for this key.
struct PriorIssue {
    std::string batch_id;
    std::int64_t line = 0;
    std::string serial_hex;
};

struct CardImportCounts {
    std::int64_t added = 0;
    std::int64_t unchanged = 0;  // identical records already present
};

// The store the card service needs (STYLE.md 4: narrow). Implemented by
// store::SqliteCardBatchStore in the same file as the CA store (its queries join `certificates`).
// Every write is one transaction.
class CardBatchStore {
public:
    virtual ~CardBatchStore() = default;

    // Adds the records in one transaction. A card number already present with identical data is
    // counted unchanged; with different data it is ra.duplicate and nothing is written.
    virtual Result<CardImportCounts> import_card_records(std::span<const CardRecord> records) = 0;
    virtual Result<std::optional<CardRecord>> card_record(std::string_view card_number) = 0;

    // The batch and its items in one transaction. ra.duplicate when a batch with the same
    // content_sm3 (or id) exists: nothing is written.
    virtual Status create_batch(const CardBatch& batch, std::span<const BatchItem> items) = 0;
    // ra.not_found when absent.
    virtual Result<CardBatch> batch(std::string_view id) = 0;
    virtual Result<std::optional<CardBatch>> batch_by_content(std::string_view content_sm3) = 0;
    // Ids of the batches not done yet, oldest first.
    virtual Result<std::vector<std::string>> unfinished_batches() = 0;

    // Takes the batch for processing until `until` when nobody holds it, the lease ran out
    // (lease_until < now), `owner` holds it already, or `take_over`. ra.conflict when somebody
    // else holds it; ra.not_found.
    virtual Status acquire_lease(std::string_view id, std::string_view owner, std::int64_t now, std::int64_t until,
                                 bool take_over) = 0;
    // Gives the lease back (nothing when `owner` does not hold it).
    virtual Status release_lease(std::string_view id, std::string_view owner) = 0;

    // Up to `limit` items that are pending or issuing, by line.
    virtual Result<std::vector<BatchItem>> open_items(std::string_view id, std::size_t limit) = 0;
    // Applies the updates in ONE transaction: each item must be open (pending or issuing) or the
    // whole call is ra.conflict with nothing written. Counters follow; the batch becomes
    // processing, or done (completed_at = now) when its last item is issued or failed. Returns
    // the batch after the change.
    virtual Result<CardBatch> update_items(std::string_view id, std::span<const ItemUpdate> updates,
                                           std::int64_t now) = 0;
    // Failed items back to pending (a single request sent again), counters and state with them.
    virtual Result<CardBatch> reopen_failed(std::string_view id, std::int64_t now) = 0;

    // The best certificate row with this request id (issued before pending before failed).
    virtual Result<std::optional<IssuedRef>> certificate_for_request(std::string_view ca_id,
                                                                     std::string_view request_id) = 0;
    // An issued item of any batch for this card and key.
    virtual Result<std::optional<PriorIssue>> issued_for_card(std::string_view card_number,
                                                              std::string_view spki_sm3) = 0;
    // Items with line > after_line in line order, with the certificate of issued ones.
    virtual Result<std::vector<ResultRow>> result_rows(std::string_view id, std::int64_t after_line,
                                                       std::size_t limit) = 0;
    // The newest issued item of a card in any batch (模式四: the holder downloads it later), with
    // its batch's CA.
    virtual Result<std::optional<std::pair<ResultRow, std::string>>> latest_for_card(std::string_view card_number) = 0;

protected:
    CardBatchStore() = default;
    CardBatchStore(const CardBatchStore&) = default;
    CardBatchStore& operator=(const CardBatchStore&) = default;
};

// ---- input formats (exposed for tests and tools) ----

inline constexpr std::size_t k_max_card_file_bytes = std::size_t{64} * 1024 * 1024;
inline constexpr std::size_t k_max_batch_items = 100'000;

// A cardholder's 公民身份号码: ra::valid_citizen_id (GB 11643-1999 check character, a real birth
// date) with an upper-case X (the card service normalises before it checks).
bool valid_holder_id_number(std::string_view id) noexcept;

// Card-issuance CSV (see the file comment); ra.bad_request naming the line on any bad line,
// ra.duplicate for a card number twice.
Result<std::vector<CardRecord>> parse_card_data(std::string_view text);

struct ParsedBatch {
    std::string format;  // "csv" or "jsonl"
    std::vector<BatchItem> items;
};
// A batch file (see the file comment).
Result<ParsedBatch> parse_batch_file(std::string_view text);

// One CSV field as written to result files (RFC 4180: quoted when it holds ',', '"', CR or LF).
std::string csv_field(std::string_view s);

// The result file of a batch, in parts: header "line,card_number,status,serial,certificate_or_error,
// message", then one line per item in input order; certificate_or_error is the certificate (DER,
// base64) of an issued item and the error code name of a failed one (message says why). Items
// not done yet are listed as pending or issuing. ra.not_found for an unknown batch.
Status write_result_csv(CardBatchStore& store, std::string_view batch_id,
                        const std::function<Status(std::string_view)>& sink);

// ---- the service ----

// Caller (who asks, and from where) is ra::Caller of application.h.

struct BatchRequest {
    std::string ca_id;
    std::string profile_id;  // empty: CardBatchOptions::default_profile
    CardMode mode = CardMode::vendor_batch;
    std::string org_node;  // empty: the submitter's own node
    std::string source;    // file name or peer, for the record
    std::string content;   // the file as received
};

struct SubmitResult {
    CardBatch batch;
    bool created = false;  // false: the same file was submitted before (nothing created)
};

// 模式三/模式五: one cardholder, answered at once.
struct SingleRequest {
    std::string ca_id;
    std::string profile_id;
    CardMode mode = CardMode::quick_issue;
    std::string org_node;
    std::string card_number;
    std::string id_number;
    std::string name;
    Bytes public_key;  // SubjectPublicKeyInfo DER or the 65-byte point; or
    Bytes pkcs10;      // PKCS#10 DER
};

struct SingleResult {
    std::string batch_id;
    std::string serial_hex;
    Bytes certificate_der;
    bool created = false;  // false: the same request was answered before; this is that certificate
};

// Where a processing run stops early (tests, STYLE.md 13 crash points): the run returns
// Errc::internal at that point of chunk `crash_chunk`, leaving the store exactly as a crash
// there would (lease kept, items issuing, certificates issued but not recorded).
enum class CrashPoint : std::uint8_t { none, after_claim, after_issue };

struct ProcessOptions {
    std::string source = "worker";
    std::string owner;           // lease owner; empty: a fresh random one for this run
    bool take_over = false;      // take the lease even when another owner holds it (it is known dead)
    std::size_t max_chunks = 0;  // stop cleanly (lease released) after this many chunks; 0: all
    std::function<void(const CardBatch&)> on_progress;  // after each chunk
    std::function<bool()> stop_requested;               // checked between chunks
    CrashPoint crash_point = CrashPoint::none;
    std::size_t crash_chunk = 1;
};

struct CardBatchOptions {
    std::string default_profile = "cardholder-sign";
    std::size_t chunk_size = 100;  // items per issue_batch call and per result transaction
    std::chrono::seconds lease{60};
};

// Store, auth, audit, clock and rng are required. Without issuer, cas and profiles the service
// imports card data and reads; submitting and issuing are base.unsupported.
struct CardBatchDeps {
    CardBatchStore* store = nullptr;
    ca::Issuer* issuer = nullptr;  // its EventSink gets one ca.issue event per certificate
    ca::CaRegistry* cas = nullptr;
    const profile::ProfileSet* profiles = nullptr;
    auth::AuthService* auth = nullptr;
    audit::AuditLog* audit = nullptr;
    const Clock* clock = nullptr;
    Rng* rng = nullptr;
};

// Every state change is authorised (Action::ra_card_batch_submit on the organisation node; card
// data import by business operators only) and audited, failures included:
//   ra.card_data.import, ra.card_batch.submit, ra.card_batch.chunk (one per chunk, with its
//   serials), ra.card_batch.complete, ra.card_request (modes 3 and 5).
// Thread-safe: issuance is serialised inside (one Issuer, one device).
class CardBatchService {
public:
    CardBatchService(CardBatchDeps deps, CardBatchOptions options = {});

    // Card-issuance data from the card issuing system, imported by an RA business operator
    // (a card vendor may not import the data its own batches are matched against). One
    // transaction; any bad line refuses the file.
    Result<CardImportCounts> import_card_data(const Caller& caller, std::string_view csv);

    // Modes 1, 2, 4. Parses and stores the batch (one transaction), or returns the batch of the
    // same file submitted before (created = false; ra.duplicate when that one was submitted for
    // another CA, profile, mode or node). Does not issue: call process() (or hand the id to a
    // CardBatchWorker).
    Result<SubmitResult> submit(const Caller& caller, const BatchRequest& request);

    // Issues the open items of a batch chunk by chunk (see the file comment). Returns the batch
    // as it stands when the run ends; a done batch is returned as it is. ra.conflict when another
    // run holds the batch; ra.not_found.
    Result<CardBatch> process(std::string_view batch_id, const ProcessOptions& options = {});

    // Modes 3 and 5: validated, matched, issued and recorded at once. The same request again
    // returns the same certificate (created = false); a request that failed before is tried
    // again. The item's own failure is the error (ra.batch_mismatch, ...).
    Result<SingleResult> request_single(const Caller& caller, const SingleRequest& request);

    // Reads. The *_for variants authorise `actor` (ra.card_batch.submit on the batch's node);
    // the others are for local operators (CLI) and the worker.
    Result<CardBatch> batch(std::string_view id);
    Result<CardBatch> batch_for(std::string_view actor, std::string_view id);
    // The result file (ra::write_result_csv).
    Status write_result_csv(std::string_view id, const std::function<Status(std::string_view)>& sink);
    Result<std::string> result_csv(std::string_view id);
    Result<std::string> result_csv_for(std::string_view actor, std::string_view id);
    // 模式四: the newest certificate issued for a card (the holder downloads it at a window or
    // self-service terminal). ra.not_found when none.
    Result<ResultRow> certificate_for_card(std::string_view actor, std::string_view card_number);

    Result<std::vector<std::string>> unfinished_batches();
    const CardBatchOptions& options() const noexcept { return m_options; }

private:
    // What one processing run carries from chunk to chunk.
    struct RunState {
        std::size_t chunks = 0;
        bool crashed = false;                   // stopped at a crash point: leave everything as it is
        std::vector<std::string> covered;       // nodes known to lie inside the batch's node
        std::optional<TimePoint> ca_not_after;  // the issuing CA certificate's notAfter
        std::string chunk_detail;               // the last chunk's audit detail
    };

    Result<auth::StaffRecord> authorize(std::string_view actor, std::string& node);
    Status audit(const Caller& caller, std::string_view role, std::string_view action, std::string_view target,
                 std::string detail, const Status& outcome);
    Status has_issuer() const;
    Status check_issuer(std::string_view ca_id, std::string_view profile_id);
    static Status same_submission(const CardBatch& existing, const CardBatch& wanted);
    Result<SubmitResult> store_batch(const CardBatch& batch, const std::vector<BatchItem>& items);
    Result<CardBatch> run(std::string_view batch_id, const ProcessOptions& options, bool quiet);
    Result<CardBatch> process_chunk(const CardBatch& batch, const std::vector<BatchItem>& items,
                                    const ProcessOptions& options, RunState& st);
    // nullopt with `failure` filled: the item fails alone. An error: the run stops (store).
    Result<std::optional<ca::IssueRequest>> prepare_item(const CardBatch& batch, const BatchItem& item,
                                                         ItemUpdate& failure, RunState& st);
    std::string random_hex(std::size_t bytes);

    CardBatchDeps m_deps;
    CardBatchOptions m_options;
    std::mutex m_issue_mutex;
    std::mutex m_rng_mutex;
};

// Processes submitted batches on one background thread (the HTTP API answers 202 and the worker
// does the work). start() queues the batches a previous run left unfinished (crash recovery).
class CardBatchWorker {
public:
    using ErrorSink = std::function<void(const std::string& batch_id, const Error& error)>;
    explicit CardBatchWorker(CardBatchService& service, ErrorSink on_error = {});
    ~CardBatchWorker();
    CardBatchWorker(const CardBatchWorker&) = delete;
    CardBatchWorker& operator=(const CardBatchWorker&) = delete;

    Status start();
    void enqueue(std::string batch_id);
    // Finishes the current chunk, then stops (the batch stays open for the next start()).
    void stop();
    // Nothing queued and nothing being processed.
    bool idle();

private:
    void loop();

    CardBatchService& m_service;
    ErrorSink m_on_error;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::string> m_queue;
    bool m_busy = false;
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
};

}  // namespace yinxin::ra
