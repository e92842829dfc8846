// Certificate lints: RFC 5280 and GM/T 0015 rules checked on the TBS before it is signed
// (STYLE.md 5 and 6; Boulder linter/lints). One rule per file in src/profile/lints/, each with its
// own test in tests/profile/lints_test.cpp.
//
// The TBS is parsed by wrapping it in a Certificate with a fixed placeholder signature
// (x509 parses whole certificates only; the placeholder is never verified and the wrapped
// certificate never leaves lint_tbs). No key is needed to lint.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"
#include "yinxin/profile/issuance.h"
#include "yinxin/profile/profile.h"
#include "yinxin/x509/certificate.h"

namespace yinxin::profile {

struct LintContext {
    const x509::Certificate& cert;
    const Profile& profile;
    const IssuerContext& issuer;
};

// One rule. check() returns nullopt when the rule holds, else why it does not.
class Lint {
public:
    virtual ~Lint() = default;
    virtual std::string_view name() const = 0;
    virtual std::string_view citation() const = 0;  // "RFC 5280 4.1.2.2", "GM/T 0015-2012 ..."
    virtual std::optional<std::string> check(const LintContext& ctx) const = 0;
};

struct LintFailure {
    std::string lint;
    std::string citation;
    std::string reason;
};

struct LintReport {
    std::vector<LintFailure> failures;
    bool ok() const { return failures.empty(); }
    bool failed(std::string_view lint) const;
    // "lint <name> (<citation>): <reason>; ..." for the error message.
    std::string to_string() const;
};

// Every registered lint, in a stable order.
const std::vector<const Lint*>& all_lints();
// nullptr when no lint has that name.
const Lint* find_lint(std::string_view name);

LintReport lint_certificate(const x509::Certificate& cert, const Profile& profile, const IssuerContext& issuer);
// Parses the TBS (see above) and lints it; x509 errors when the TBS does not parse.
Result<LintReport> lint_tbs(BytesView tbs_der, const Profile& profile, const IssuerContext& issuer);
// lint_tbs, with a failed report turned into lint.failed naming every failing lint and why.
Status check_tbs(BytesView tbs_der, const Profile& profile, const IssuerContext& issuer);

}  // namespace yinxin::profile
