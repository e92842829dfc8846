// Power-on self-tests of the cryptographic engine (GM/T 0028 §6.2.4 style: known answers for the
// hash and block cipher, a pairwise-consistency test for SM2, and an ID check). The server and the
// CLI run them at start and refuse to work on failure.
#pragma once

#include <string>
#include <vector>

#include "yinxin/base/result.h"

namespace yinxin::crypto {

struct SelfTestItem {
    std::string name;
    bool passed = false;
    std::string detail;
};

struct SelfTestReport {
    std::vector<SelfTestItem> items;
    bool passed() const {
        for (const auto& i : items)
            if (!i.passed) return false;
        return !items.empty();
    }
};

SelfTestReport run_self_tests();

}  // namespace yinxin::crypto
