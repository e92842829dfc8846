// SqliteCardBatchStore: the card batch store (yinxin/ra/card_batch.h CardBatchStore) in an SQLite
// file, the same file as the SqliteStore: migration 0011 adds the card-issuance data, the batches
// and their items, and the result queries join the CA's `certificates` table. Same durability as
// the other stores (WAL + synchronous=FULL, one transaction per write, BEGIN IMMEDIATE).
#pragma once

#include <memory>
#include <string>

#include "yinxin/base/result.h"
#include "yinxin/ra/card_batch.h"

namespace yinxin::store {

struct SqliteCardBatchOptions {
    int busy_timeout_ms = 5000;
};

class SqliteCardBatchStore final : public ra::CardBatchStore {
public:
    // Opens or creates the file and applies the pending migrations (store.schema_newer when the
    // file is newer than this build).
    static Result<std::unique_ptr<SqliteCardBatchStore>> open(const std::string& path,
                                                              SqliteCardBatchOptions options = {});
    ~SqliteCardBatchStore() override;
    SqliteCardBatchStore(const SqliteCardBatchStore&) = delete;
    SqliteCardBatchStore& operator=(const SqliteCardBatchStore&) = delete;

    Result<ra::CardImportCounts> import_card_records(std::span<const ra::CardRecord> records) override;
    Result<std::optional<ra::CardRecord>> card_record(std::string_view card_number) override;
    Status create_batch(const ra::CardBatch& batch, std::span<const ra::BatchItem> items) override;
    Result<ra::CardBatch> batch(std::string_view id) override;
    Result<std::optional<ra::CardBatch>> batch_by_content(std::string_view content_sm3) override;
    Result<std::vector<std::string>> unfinished_batches() override;
    Status acquire_lease(std::string_view id, std::string_view owner, std::int64_t now, std::int64_t until,
                         bool take_over) override;
    Status release_lease(std::string_view id, std::string_view owner) override;
    Result<std::vector<ra::BatchItem>> open_items(std::string_view id, std::size_t limit) override;
    Result<ra::CardBatch> update_items(std::string_view id, std::span<const ra::ItemUpdate> updates,
                                       std::int64_t now) override;
    Result<ra::CardBatch> reopen_failed(std::string_view id, std::int64_t now) override;
    Result<std::optional<ra::IssuedRef>> certificate_for_request(std::string_view ca_id,
                                                                 std::string_view request_id) override;
    Result<std::optional<ra::PriorIssue>> issued_for_card(std::string_view card_number,
                                                          std::string_view spki_sm3) override;
    Result<std::vector<ra::ResultRow>> result_rows(std::string_view id, std::int64_t after_line,
                                                   std::size_t limit) override;
    Result<std::optional<std::pair<ra::ResultRow, std::string>>> latest_for_card(std::string_view card_number) override;

private:
    struct Impl;
    explicit SqliteCardBatchStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace yinxin::store
