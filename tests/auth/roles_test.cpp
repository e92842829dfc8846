// The role × action matrix: the service enforces exactly the table, docs/roles.md shows exactly the
// table, and who-manages-whom follows LD/T 03-2022 §5.4.
#include "yinxin/auth/roles.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "auth_fixture.h"

namespace yinxin::auth::testing {
namespace {

const std::string k_roles_md = std::string(YINXIN_TEST_DATA_DIR) + "/../../docs/roles.md";

std::vector<std::string> split_row(const std::string& line) {
    std::vector<std::string> cells;
    std::string cur;
    for (std::size_t i = 1; i < line.size(); ++i) {  // skip the leading '|'
        if (line[i] == '|') {
            const auto b = cur.find_first_not_of(' ');
            const auto e = cur.find_last_not_of(' ');
            cells.push_back(b == std::string::npos ? std::string() : cur.substr(b, e - b + 1));
            cur.clear();
        } else {
            cur += line[i];
        }
    }
    return cells;
}

TEST(RoleNames, RoundTripAndStaffSplit) {
    for (Role r : k_all_roles) EXPECT_EQ(role_from_name(role_name(r)), r);
    EXPECT_FALSE(role_from_name("root").has_value());
    int staff = 0;
    for (Role r : k_all_roles) staff += is_staff_role(r) ? 1 : 0;
    EXPECT_EQ(staff, 7);  // §5.4 a–f plus the §8.3.6 d system maintainer
    for (const ActionInfo& a : action_table()) {
        EXPECT_EQ(action_from_name(a.name), a.action);
        EXPECT_EQ(&action_info(a.action), &a);
        EXPECT_FALSE(a.allowed.empty()) << a.name;
        // Approvers are staff; requester and approver roles never include external principals.
        for (Role r : k_all_roles)
            if (a.approvers.contains(r)) {
                EXPECT_TRUE(is_staff_role(r)) << a.name;
            }
    }
}

// The issue's own examples must all be present.
TEST(RoleMatrix, NamesTheIssueActions) {
    for (std::string_view n :
         {"staff.create", "staff.deactivate", "org.create", "ra.application.submit", "ra.application.review",
          "ra.application.approve", "ca.issue", "ca.revoke", "ca.ceremony", "device.unlock", "audit.read",
          "audit.verify", "seal.make", "seal.sign", "kmc.recover", "config.change"})
        EXPECT_TRUE(action_from_name(n).has_value()) << n;
}

// Least privilege spot checks that follow from the standards, independent of the table.
TEST(RoleMatrix, SeparationOfDuties) {
    // Issue 4: only auditors and the audit admin read the audit log.
    for (Role r : k_all_roles)
        EXPECT_EQ(role_allows(r, Action::audit_read), r == Role::auditor || r == Role::audit_admin) << role_name(r);
    // SDCA CPS: the auditor is never an operator; the super admin issues no certificates.
    for (const ActionInfo& a : action_table()) {
        if (a.action == Action::audit_read || a.action == Action::audit_verify) continue;
        EXPECT_FALSE(a.allowed.contains(Role::auditor)) << a.name;
    }
    EXPECT_FALSE(role_allows(Role::super_admin, Action::ca_issue));
    // §8.2.1 b: configuration changes take a second person.
    EXPECT_FALSE(action_info(Action::config_change).approvers.empty());
    EXPECT_FALSE(action_info(Action::kmc_recover).approvers.empty());
}

// docs/roles.md must list the same matrix. Regenerate the table with
// YINXIN_WRITE_ROLES_MD=1 ./auth_test --gtest_filter=RoleMatrix.DocumentMatchesTable
TEST(RoleMatrix, DocumentMatchesTable) {
    std::string doc = test::read_text(k_roles_md);
    const std::string begin = "<!-- role-matrix:begin -->\n";
    const std::string end = "<!-- role-matrix:end -->";
    auto b = doc.find(begin);
    auto e = doc.find(end);
    ASSERT_NE(b, std::string::npos);
    ASSERT_NE(e, std::string::npos);
    if (std::getenv("YINXIN_WRITE_ROLES_MD") != nullptr) {
        doc = doc.substr(0, b + begin.size()) + render_role_matrix_markdown() + doc.substr(e);
        std::ofstream(k_roles_md, std::ios::binary) << doc;
        e = doc.find(end);
    }
    std::istringstream in(doc.substr(b + begin.size(), e - b - begin.size()));
    std::string line;
    std::vector<std::string> header;
    std::set<std::string> seen;
    while (std::getline(in, line)) {
        if (line.rfind("| Action |", 0) == 0) {
            header = split_row(line);
            continue;
        }
        if (line.rfind("| `", 0) != 0) continue;
        ASSERT_FALSE(header.empty());
        const auto cells = split_row(line);
        ASSERT_EQ(cells.size(), header.size()) << line;
        const std::string name = cells[0].substr(1, cells[0].size() - 2);
        const auto action = action_from_name(name);
        ASSERT_TRUE(action.has_value()) << "docs/roles.md names unknown action " << name;
        EXPECT_TRUE(seen.insert(name).second) << "duplicate row " << name;
        const ActionInfo& info = action_info(*action);
        EXPECT_EQ(cells[1], subsystem_name(info.subsystem)) << name;
        EXPECT_EQ(cells[2] == "yes", info.scoped) << name;
        for (std::size_t c = 3; c + 1 < header.size(); ++c) {
            const auto role = role_from_name(header[c]);
            ASSERT_TRUE(role.has_value()) << header[c];
            EXPECT_EQ(cells[c] == "✓", info.allowed.contains(*role)) << name << " × " << header[c];
            EXPECT_TRUE(cells[c].empty() || cells[c] == "✓") << cells[c];
        }
        EXPECT_EQ(cells.back(), info.approvers.to_string()) << name;
    }
    EXPECT_EQ(header.size(), 3 + k_role_count + 1);
    EXPECT_EQ(seen.size(), action_table().size()) << "docs/roles.md misses actions";
}

// Builds one principal per role (business admins/operators in every subsystem), each created by
// the role that manages it, and checks authorize() against the table for every role × action.
class MatrixTest : public AuthFixture {
protected:
    std::string who(Role r, Subsystem s) {
        if (r == Role::business_admin || r == Role::business_operator)
            return std::string(r == Role::business_admin ? "ba." : "bo.") +
                   std::string(subsystem_name(s == Subsystem::none ? Subsystem::ra : s));
        return std::string(role_name(r)) + ".1";
    }
};

TEST_F(MatrixTest, EveryRoleTimesEveryAction) {
    const std::vector<Subsystem> subs(k_all_subsystems.begin(), k_all_subsystems.end());
    for (Role r : {Role::security_admin, Role::audit_admin, Role::system_maintainer})
        create("root.admin", who(r, Subsystem::none), r, "ra");
    create(who(Role::audit_admin, Subsystem::none), who(Role::auditor, Subsystem::none), Role::auditor, "ra");
    for (Subsystem s : subs) {
        create("root.admin", who(Role::business_admin, s), Role::business_admin, "ra", s);
        create(who(Role::business_admin, s), who(Role::business_operator, s), Role::business_operator, "ra");
    }
    for (Role r : {Role::approver, Role::card_issuer, Role::business_system, Role::seal_reviewer, Role::seal_user})
        create(who(Role::business_admin, Subsystem::ra), who(r, Subsystem::none), r, "ra");
    create(who(Role::business_operator, Subsystem::ra), who(Role::applicant, Subsystem::none), Role::applicant, "ra");

    std::size_t allowed = 0;
    for (const ActionInfo& a : action_table()) {
        for (Role r : k_all_roles) {
            const std::string actor = r == Role::super_admin ? "root.admin" : who(r, a.subsystem);
            const auto res = svc->authorize(actor, a.action, "ra");
            if (role_allows(r, a.action)) {
                ++allowed;
                EXPECT_TRUE(res.ok()) << role_name(r) << " " << a.name << ": " << res.error().to_string();
                if (res.ok()) {
                    EXPECT_EQ(res->id, actor);
                }
            } else {
                ASSERT_FALSE(res.ok()) << role_name(r) << " may not " << a.name;
                EXPECT_EQ(res.code(), Errc::auth_denied) << role_name(r) << " " << a.name;
            }
            // Business admins and operators of another subsystem are refused subsystem actions.
            if ((r == Role::business_admin || r == Role::business_operator) && a.subsystem != Subsystem::none) {
                for (Subsystem other : subs) {
                    if (other == a.subsystem) continue;
                    YX_EXPECT_CODE(svc->authorize(who(r, other), a.action, "ra"), Errc::auth_denied);
                }
            }
        }
    }
    EXPECT_GT(allowed, action_table().size());  // every action is open to someone
}

TEST_F(MatrixTest, WhoManagesWhom) {
    // §5.4 a: the super admin sets up business admins (per subsystem) and the security admin.
    create("root.admin", "sec", Role::security_admin, "ra");
    create("root.admin", "aa", Role::audit_admin, "ra");
    create("root.admin", "ba.ra", Role::business_admin, "ra", Subsystem::ra);
    create("root.admin", "ba.ca", Role::business_admin, "ra", Subsystem::ca);
    // ... but not auditors (§5.4 b: the audit admin's), operators or another super admin.
    YX_EXPECT_CODE(svc->create_staff("root.admin", spec("au.x", Role::auditor, "ra")), Errc::auth_cannot_manage);
    YX_EXPECT_CODE(svc->create_staff("root.admin", spec("bo.x", Role::business_operator, "ra", Subsystem::ra)),
                   Errc::auth_cannot_manage);
    YX_EXPECT_CODE(svc->create_staff("root.admin", spec("sa.2", Role::super_admin, "ra")), Errc::auth_cannot_manage);
    // A business admin needs a subsystem.
    YX_EXPECT_CODE(svc->create_staff("root.admin", spec("ba.none", Role::business_admin, "ra")),
                   Errc::auth_bad_request);
    // §5.4 b: the audit admin manages auditors only.
    create("aa", "au", Role::auditor, "ra");
    YX_EXPECT_CODE(svc->create_staff("aa", spec("bo.y", Role::business_operator, "ra", Subsystem::ra)),
                   Errc::auth_cannot_manage);
    // §5.4 d: business admins set up operators of their own subsystem only.
    create("ba.ra", "bo.ra", Role::business_operator, "ra");
    EXPECT_EQ(svc->find_staff("bo.ra").value()->subsystem, Subsystem::ra);
    YX_EXPECT_CODE(svc->create_staff("ba.ra", spec("bo.z", Role::business_operator, "ra", Subsystem::ca)),
                   Errc::auth_cannot_manage);
    YX_EXPECT_CODE(svc->create_staff("ba.ra", spec("ba.z", Role::business_admin, "ra", Subsystem::ra)),
                   Errc::auth_cannot_manage);
    create("ba.ca", "bo.ca", Role::business_operator, "ra");
    YX_EXPECT_CODE(svc->deactivate_staff("ba.ra", "bo.ca"), Errc::auth_cannot_manage);
    YX_EXPECT_CODE(svc->reset_password("ba.ra", "bo.ca", "Qn5!tR8@pL"), Errc::auth_cannot_manage);
    // Operators hold no staff management rights except registering applicants (RA only).
    YX_EXPECT_CODE(svc->create_staff("bo.ra", spec("bo.w", Role::business_operator, "ra", Subsystem::ra)),
                   Errc::auth_cannot_manage);
    create("bo.ra", "app.1", Role::applicant, "ra");
    YX_EXPECT_CODE(svc->create_staff("bo.ca", spec("app.2", Role::applicant, "ra")), Errc::auth_cannot_manage);
    // Auditors and security admins create nobody.
    YX_EXPECT_CODE(svc->create_staff("au", spec("au.2", Role::auditor, "ra")), Errc::auth_denied);
    YX_EXPECT_CODE(svc->create_staff("sec", spec("sec.2", Role::security_admin, "ra")), Errc::auth_denied);
    // Nobody manages their own account, and the super admin's account is nobody's.
    YX_EXPECT_CODE(svc->deactivate_staff("root.admin", "root.admin"), Errc::auth_cannot_manage);
    YX_EXPECT_CODE(svc->deactivate_staff("sec", "root.admin"), Errc::auth_denied);
    // Duplicate ids are refused.
    YX_EXPECT_CODE(svc->create_staff("root.admin", spec("sec", Role::security_admin, "ra")), Errc::auth_duplicate);
    // Staff roles need a login certificate.
    NewStaff no_cert = spec("sec.3", Role::security_admin, "ra");
    no_cert.certificate_der.clear();
    YX_EXPECT_CODE(svc->create_staff("root.admin", no_cert), Errc::auth_bad_request);
    // Role changes follow the same rules.
    YX_ASSERT_OK(svc->assign_role("root.admin", "ba.ca", Role::business_admin, Subsystem::kmc));
    EXPECT_EQ(svc->find_staff("ba.ca").value()->subsystem, Subsystem::kmc);
    YX_EXPECT_CODE(svc->assign_role("root.admin", "sec", Role::auditor), Errc::auth_cannot_manage);
    YX_EXPECT_CODE(svc->assign_role("aa", "au", Role::security_admin), Errc::auth_cannot_manage);
}

}  // namespace
}  // namespace yinxin::auth::testing
