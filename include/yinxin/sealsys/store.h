// The narrow store of the seal system (STYLE.md 4): applications, seals, lifecycle requests,
// their materials, the seal status change log and the system signers. store/ implements it in
// SQLite (yinxin/store/sqlite_sealsys_store.h, migration 0014). Each call is one transaction;
// state changes are compare-and-set on the row's state, so two operators racing on one record
// cannot both win (seal.illegal_state for the loser).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/sealsys/model.h"

namespace yinxin::sealsys {

struct ApplicationFilter {
    std::vector<std::string> org_nodes;  // only these nodes; empty: none match
    std::optional<ApplicationState> state;
    std::string submitted_by;  // non-empty: only this member's
    std::string after_id;      // keyset paging
    std::size_t limit = 100;   // 1..k_max_page
};

struct SealFilter {
    std::vector<std::string> org_nodes;  // empty: none match
    std::optional<SealState> state;
    std::string after_code;
    std::size_t limit = 100;
};

struct LifecycleFilter {
    std::vector<std::string> org_nodes;  // empty: none match
    std::optional<RequestState> state;
    std::string seal_code;     // non-empty: only this seal's
    std::string submitted_by;  // non-empty: only this member's
    std::string after_id;
    std::size_t limit = 100;
};

// A seal status change as the status publishing system logs it (lost, cancelled; valid for a
// new or renewed seal).
struct StatusEvent {
    std::int64_t id = 0;
    std::string seal_code;
    SealState state = SealState::valid;
    TimePoint at{};
    std::string reason;
};

// A key in the device and its certificate, made once per instance for a system role.
enum class SignerRole : std::uint8_t { maker, status };
std::string_view signer_role_name(SignerRole r) noexcept;  // "maker", "status"
struct SystemSigner {
    SignerRole role = SignerRole::maker;
    std::string key_label;
    Bytes certificate_der;
    TimePoint created_at{};
};

// One lifecycle step's effect, written in one transaction: the request moves from
// `expected_request` to request.state; each seal row is replaced when its state is still
// `expected` (and the status log gets a row when its state changes or it gets a new certificate);
// a new application (change) is inserted. With `insert` the request is new (an online renewal,
// completed at once) and is inserted instead, with the open-request check of insert_lifecycle.
struct SealUpdate {
    SealRecord seal;
    SealState expected = SealState::valid;
    std::int64_t expected_generation = 0;
};
struct LifecycleEffect {
    LifecycleRequest request;
    RequestState expected_request = RequestState::approved;
    std::vector<SealUpdate> seals;
    std::optional<SealApplication> new_application;
    bool insert = false;
};

class SealSystemStore {
public:
    virtual ~SealSystemStore() = default;

    // --- applications ---
    // The application and its materials (content kept in the store). seal.duplicate for an id
    // that exists.
    virtual Status insert_application(const SealApplication& application, std::span<const Material> materials) = 0;
    virtual Result<std::optional<SealApplication>> find_application(std::string_view id) = 0;
    virtual Result<std::vector<SealApplication>> list_applications(const ApplicationFilter& filter) = 0;
    // Compare-and-set on the state: seal.illegal_state when it is no longer `expected`,
    // seal.not_found when there is no such application.
    virtual Status update_application(const SealApplication& application, ApplicationState expected) = 0;
    // A material of an application or lifecycle request, by position (seal.not_found otherwise).
    virtual Result<Material> material(std::string_view owner_id, std::size_t index) = 0;

    // --- seals ---
    // §7.5: the seal code is allocated in the transaction that records the (pending) seal row.
    // With `code` (a national platform's code) it is used as given (seal.duplicate when taken);
    // without it the next number of the seal's division is taken: division code + 8-digit
    // sequence, starting at 00000001 (seal.application_invalid past 99999999). Returns the code.
    // seal.illegal_state when the application already has a seal row.
    virtual Result<std::string> reserve_seal(const SealRecord& pending, std::optional<std::string> code) = 0;
    virtual Result<std::optional<SealRecord>> find_seal(std::string_view seal_code) = 0;
    virtual Result<std::optional<SealRecord>> seal_for_application(std::string_view application_id) = 0;
    virtual Result<std::vector<SealRecord>> list_seals(const SealFilter& filter) = 0;
    // The making step: the pending seal becomes valid with its certificate and SES_Seal, and the
    // application (still `expected`) becomes made — one transaction.
    virtual Status finish_making(const SealRecord& seal, const SealApplication& application,
                                 ApplicationState expected) = 0;

    // --- lifecycle requests ---
    // seal.illegal_state when the seal has another open (submitted or approved) request;
    // seal.duplicate for an id that exists.
    virtual Status insert_lifecycle(const LifecycleRequest& request, std::span<const Material> materials) = 0;
    virtual Result<std::optional<LifecycleRequest>> find_lifecycle(std::string_view id) = 0;
    virtual Result<std::vector<LifecycleRequest>> list_lifecycle(const LifecycleFilter& filter) = 0;
    // Compare-and-set on the request state (approval, rejection).
    virtual Status update_lifecycle(const LifecycleRequest& request, RequestState expected) = 0;
    // See LifecycleEffect.
    virtual Status apply_lifecycle(const LifecycleEffect& effect) = 0;

    // --- status publishing ---
    // Seals that are lost or cancelled, by code (keyset paging).
    virtual Result<std::vector<SealRecord>> list_revoked(std::string_view after_code, std::size_t limit) = 0;
    // The id of the newest status event (0 when none): a revocation list made at version v is
    // current while this stays v.
    virtual Result<std::int64_t> status_version() = 0;
    virtual Result<std::vector<StatusEvent>> status_history(std::string_view seal_code) = 0;

    // --- system signers ---
    virtual Result<std::optional<SystemSigner>> find_signer(SignerRole role) = 0;
    // seal.duplicate when the role has one already.
    virtual Status insert_signer(const SystemSigner& signer) = 0;

protected:
    SealSystemStore() = default;
    SealSystemStore(const SealSystemStore&) = default;
    SealSystemStore& operator=(const SealSystemStore&) = default;
};

}  // namespace yinxin::sealsys
