#include "yinxin/auth/model.h"

namespace yinxin::auth {

std::string_view org_kind_name(OrgKind k) noexcept {
    switch (k) {
        case OrgKind::ra: return "ra";
        case OrgKind::branch: return "branch";
        case OrgKind::acceptance_point: return "acceptance_point";
    }
    return "acceptance_point";
}

std::optional<OrgKind> org_kind_from_name(std::string_view name) noexcept {
    for (OrgKind k : {OrgKind::ra, OrgKind::branch, OrgKind::acceptance_point})
        if (org_kind_name(k) == name) return k;
    return std::nullopt;
}

std::string_view approval_status_name(ApprovalStatus s) noexcept {
    switch (s) {
        case ApprovalStatus::pending: return "pending";
        case ApprovalStatus::approved: return "approved";
        case ApprovalStatus::rejected: return "rejected";
        case ApprovalStatus::executed: return "executed";
    }
    return "pending";
}

std::optional<ApprovalStatus> approval_status_from_name(std::string_view name) noexcept {
    for (ApprovalStatus s :
         {ApprovalStatus::pending, ApprovalStatus::approved, ApprovalStatus::rejected, ApprovalStatus::executed})
        if (approval_status_name(s) == name) return s;
    return std::nullopt;
}

}  // namespace yinxin::auth
