// The records of centralized seal use (LD/T 01.1-2022 §8.1.2, §8.2; yinxin/sealsys/use.h) and the
// narrow store the use service needs (STYLE.md 4). store/ implements it in SQLite
// (yinxin/store/sqlite_seal_use_store.h, migration 0015). Each call is one transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/seal/ofd_sign.h"

namespace yinxin::sealsys {

inline constexpr std::size_t k_max_use_page = 1000;

// A member's permission on one seal (§8.1.2 权限管理).
enum class SealPermission : std::uint8_t { use, review };
std::string_view permission_name(SealPermission p) noexcept;  // "use" / "review"
std::optional<SealPermission> permission_from_name(std::string_view name) noexcept;

struct SealGrant {
    std::string seal_code;
    std::string staff_id;
    SealPermission permission = SealPermission::use;
    std::string staff_role;  // the member's role when granted (auth::role_name)
    std::string granted_by;
    TimePoint granted_at{};
    std::string withdrawn_by;  // set on the record withdraw() returns
    std::optional<TimePoint> withdrawn_at;
};

// `signed_`: "signed" is a C++ keyword.
enum class UseState : std::uint8_t { requested, approved, refused, signed_, expired };
// "requested", "approved", "refused", "signed", "expired".
std::string_view use_state_name(UseState s) noexcept;
std::optional<UseState> use_state_from_name(std::string_view name) noexcept;

// What is sealed: an OFD document (SES_Signature embedded, GB/T 33190 §18) or any other file
// (a detached SES_Signature over SM3 of the file).
enum class DocumentKind : std::uint8_t { ofd, file };
std::string_view document_kind_name(DocumentKind k) noexcept;  // "ofd" / "file"
std::optional<DocumentKind> document_kind_from_name(std::string_view name) noexcept;

struct UseRequest {
    std::string id;  // "su-" + 16 lower-case hex digits
    std::string seal_code;
    std::string seal_name;  // as the registry named it at request time
    std::string org_node;   // the seal's node at request time: the scope of every later step
    std::string document_name;
    DocumentKind document_kind = DocumentKind::file;
    std::string document_sm3;  // lower-case hex SM3 of the submitted document
    std::uint64_t document_size = 0;
    std::string purpose;
    std::optional<seal::OfdStamp> stamp;
    UseState state = UseState::requested;
    std::string requested_by;
    std::string requester_role;
    TimePoint requested_at{};     // whole seconds (stored as unix seconds; the payload names it)
    TimePoint review_deadline{};  // requested_at + review_ttl
    // decision (approved, refused)
    std::string reviewed_by;
    std::optional<TimePoint> reviewed_at;
    std::string refuse_reason;
    Bytes decision_signature;   // the reviewer's SM2 signature (DER) over the decision text
    std::string decision_note;  // AuthService::verify_decision's record ("approve signed by ... (certificate ...)")
    // signed
    std::string signed_by;  // the operator
    std::optional<TimePoint> signed_at;
    std::string result_sm3;  // lower-case hex SM3 of the signed OFD or detached signature
    std::string fetched_by;
    std::optional<TimePoint> fetched_at;
    // expired
    std::optional<TimePoint> expired_at;
};

// The bytes a decision is about: a JSON object with sorted keys (nlohmann::json::dump()) naming the
// request and the object to be sealed:
//   {"document_kind","document_name","document_sm3","document_size","id","org_node","purpose",
//    "requested_at" (RFC 3339),"requested_by","seal_code","seal_name",
//    "stamp" ({"height","page","width","x","y"} or null)}
std::string use_payload(const UseRequest& r);
// SM3 of use_payload(r): the payload hash of auth::decision_text.
Bytes use_payload_hash(const UseRequest& r);

// §8.2.4 b 3: one line per signing: object (name + SM3), seal code and name, requester, reviewer,
// operator, time. Append-only.
struct UseLogEntry {
    std::int64_t seq = 0;  // assigned by the store, increasing
    std::string request_id;
    std::string seal_code;
    std::string seal_name;
    std::string org_node;
    std::string document_name;
    std::string document_sm3;
    std::string result_sm3;
    std::string requested_by;
    std::string reviewed_by;
    std::string operator_id;
    TimePoint signed_at{};
};

struct UseRequestFilter {
    std::optional<std::vector<std::string>> org_nodes;   // nullopt: any node; empty: none
    std::optional<std::vector<std::string>> seal_codes;  // nullopt: any seal; empty: none
    std::string seal_code;                               // non-empty: only this seal
    std::string requested_by;                            // non-empty: only this requester's
    std::optional<UseState> state;
    std::string after_id;  // keyset paging: ids greater than this
    std::size_t limit = 100;
};

struct UseLogFilter {
    std::optional<std::vector<std::string>> org_nodes;  // nullopt: any node; empty: none
    std::string seal_code;                              // non-empty: only this seal
    std::optional<TimePoint> from;                      // signed_at >= from
    std::optional<TimePoint> to;                        // signed_at <= to
    std::int64_t after_seq = 0;
    std::size_t limit = 100;
};

class SealUseStore {
public:
    virtual ~SealUseStore() = default;

    // seal.duplicate when the member holds this permission on this seal already.
    virtual Status insert_grant(const SealGrant& grant) = 0;
    // Ends the active grant; returns it with withdrawn_by/at set. seal.not_found when none is active.
    virtual Result<SealGrant> withdraw_grant(std::string_view seal_code, std::string_view staff_id,
                                             SealPermission permission, std::string_view withdrawn_by,
                                             TimePoint at) = 0;
    virtual Result<bool> has_grant(std::string_view seal_code, std::string_view staff_id,
                                   SealPermission permission) = 0;
    // Active grants of a seal, by member and permission.
    virtual Result<std::vector<SealGrant>> list_grants(std::string_view seal_code) = 0;
    // Active grants of a member.
    virtual Result<std::vector<SealGrant>> grants_of(std::string_view staff_id) = 0;

    // seal.duplicate when the id exists.
    virtual Status insert_request(const UseRequest& request, BytesView document) = 0;
    // Without the document and result bytes.
    virtual Result<std::optional<UseRequest>> find_request(std::string_view id) = 0;
    virtual Result<std::vector<UseRequest>> list_requests(const UseRequestFilter& filter) = 0;
    // The submitted document. seal.not_found for an unknown id.
    virtual Result<Bytes> document(std::string_view id) = 0;
    // Replaces the decision/expiry fields and the state when the state is still `expected`
    // (compare-and-set); seal.illegal_state otherwise, seal.not_found for an unknown id.
    virtual Status update_request(const UseRequest& request, UseState expected) = 0;
    // approved → signed in ONE transaction: the request's signing fields, the result bytes and the
    // use-log line. seal.illegal_state when the request is no longer approved.
    virtual Status complete_request(const UseRequest& request, BytesView result, const UseLogEntry& entry) = 0;
    // Hands out the result once: returns it, records who fetched it and when, and drops the bytes
    // (the SM3 stays), in one transaction. seal.illegal_state when not signed or fetched already.
    virtual Result<Bytes> take_result(std::string_view id, std::string_view fetched_by, TimePoint at) = 0;
    virtual Result<std::vector<UseLogEntry>> list_use_log(const UseLogFilter& filter) = 0;
    // Ids of requested requests whose review deadline is at or before `now`, oldest deadline first.
    virtual Result<std::vector<std::string>> overdue_requests(TimePoint now, std::size_t limit) = 0;

protected:
    SealUseStore() = default;
    SealUseStore(const SealUseStore&) = default;
    SealUseStore& operator=(const SealUseStore&) = default;
};

}  // namespace yinxin::sealsys
