// `yinxin device init|reshare --staff-db`: LD/T 03-2022 §8.3.6 d through the real binary. Once a
// staff register exists, every custodian must be an active staff member the security admin
// designated, in a role that may hold a share; a super admin, business admin, business operator or
// system maintainer is refused (the other direction, a custodian refused such a role, is
// auth::AuthService::assign_role, tested in tests/auth).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "auth/auth_fixture.h"
#include "support/test_support.h"
#include "yinxin/store/sqlite_audit_store.h"

namespace yinxin::auth::testing {
namespace {

using yinxin::test::k_yinxin_cli;
using yinxin::test::run_process;

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

class DeviceStaffPolicyTest : public AuthFixture {
protected:
    std::string staff_db() const { return (dir / "auth.db").string(); }
    std::string device_db() const { return (dir / "device.db").string(); }

    // A name:password file for `names`.
    std::string passwords_file(const std::string& file, const std::vector<std::string>& names) const {
        const auto path = dir / file;
        std::ofstream out(path);
        for (const auto& n : names) out << n << ":pw-of-" << n << "-2026\n";
        return path.string();
    }

    yinxin::test::ProcessResult device(const std::string& command, const std::vector<std::string>& names,
                                       const std::string& pw_file, bool with_staff,
                                       const std::vector<std::string>& extra = {}) const {
        std::vector<std::string> args{std::string(k_yinxin_cli), "device", command, "--store", device_db(),
                                      "--password-file",         pw_file,  "--json"};
        if (command == "init") args.insert(args.end(), {"--iterations", "10000"});
        for (const auto& n : names) args.insert(args.end(), {"--custodian", n});
        if (with_staff) args.insert(args.end(), {"--staff-db", staff_db()});
        args.insert(args.end(), extra.begin(), extra.end());
        return run_process(args);
    }
};

TEST_F(DeviceStaffPolicyTest, CustodiansAreCheckedAgainstTheStaffRegister) {
    create("root.admin", "sec", Role::security_admin, "ra");
    create("root.admin", "aa", Role::audit_admin, "ra");
    create("root.admin", "sm", Role::system_maintainer, "ra");
    create("aa", "au1", Role::auditor, "ra");
    create("aa", "au2", Role::auditor, "ra");
    create("aa", "au3", Role::auditor, "ra");
    for (const char* id : {"sec", "aa", "au1", "au2"}) YX_ASSERT_OK(svc->designate_custodian("sec", id, true));
    store.reset();  // the CLI opens the file itself
    svc.reset();

    // A system maintainer among the five: refused, naming the person and the rule; nothing created.
    const std::vector<std::string> with_sm{"sec", "aa", "au1", "au2", "sm"};
    auto r = device("init", with_sm, passwords_file("a.txt", with_sm), true);
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "device.custodian_refused")) << r.output;
    EXPECT_TRUE(contains(r.output, "'sm'")) << r.output;
    EXPECT_TRUE(contains(r.output, "8.3.6 d")) << r.output;
    // An auditor the security admin has not designated: refused too.
    const std::vector<std::string> undesignated{"sec", "aa", "au1", "au2", "au3"};
    r = device("init", undesignated, passwords_file("b.txt", undesignated), true);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(contains(r.output, "'au3'")) << r.output;
    // Somebody who is not staff at all.
    const std::vector<std::string> stranger{"sec", "aa", "au1", "au2", "mallory"};
    r = device("init", stranger, passwords_file("c.txt", stranger), true);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(contains(r.output, "mallory")) << r.output;

    // Designate au3 (reopening the register), then the five pass and the device is created.
    open();
    YX_ASSERT_OK(svc->designate_custodian("sec", "au3", true));
    store.reset();
    svc.reset();
    const std::string good_pw = passwords_file("d.txt", undesignated);
    r = device("init", undesignated, good_pw, true);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    EXPECT_TRUE(j["custodians_checked"].get<bool>());
    // Every attempt is in the register's audit log: three refused, then the ceremony.
    {
        auto audit_store = store::SqliteAuditStore::open(staff_db()).value();
        std::vector<std::string> seen;
        const std::vector<audit::AuditRecord> records = audit_store->read_range(1, 1000).value();
        for (const auto& rec : records)
            if (rec.action == "device.init") seen.push_back(rec.success ? "ok" : "refused");
        EXPECT_EQ(seen, (std::vector<std::string>{"refused", "refused", "refused", "ok"}));
    }

    // Reshare to a set with the system maintainer: refused; the old shares still open the device.
    r = device("reshare", with_sm, passwords_file("e.txt", with_sm), true, {"--shares-file", good_pw});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(contains(r.output, "'sm'")) << r.output;
    auto unlock = run_process(
        {std::string(k_yinxin_cli), "device", "unlock", "--store", device_db(), "--shares-file", good_pw, "--json"});
    EXPECT_EQ(unlock.exit_code, 0) << unlock.output;
}

TEST_F(DeviceStaffPolicyTest, WithoutAStaffRegisterTheCommandSaysNothingWasChecked) {
    const std::vector<std::string> names{"c1", "c2", "c3", "c4", "c5"};
    auto r = device("init", names, passwords_file("p.txt", names), false);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_FALSE(nlohmann::json::parse(r.output)["custodians_checked"].get<bool>());
}

}  // namespace
}  // namespace yinxin::auth::testing
