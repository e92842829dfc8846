// The registered lints, one per file in this directory (STYLE.md 6). Internal to the profile
// module: callers use all_lints()/find_lint() from yinxin/profile/lint.h. The registry lists them
// explicitly (static self-registration is dropped by the linker from static libraries).
#pragma once

#include "yinxin/profile/lint.h"

namespace yinxin::profile::lints {

const Lint& serial_number();
const Lint& authority_key_identifier();
const Lint& key_usage_matches_profile();
const Lint& basic_constraints_matches_profile();
const Lint& validity_within_issuer();
const Lint& subject_key();
const Lint& subject_not_empty();
const Lint& extension_criticality();

}  // namespace yinxin::profile::lints
