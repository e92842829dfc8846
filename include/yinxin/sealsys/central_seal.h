// What the centralized-use part of the seal system (§8.1.2, §8.2: sealsys/use.h) needs to know
// about a seal held for centralized use: the SES_Seal made for it and the label of its SM2 key in
// the crypto device (generated there at making; it never leaves it). SealRegistry::central_seal
// returns it.
#pragma once

#include <string>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"

namespace yinxin::sealsys {

struct CentralSeal {
    std::string seal_code;
    std::string org_node;
    std::string unit_name;
    std::string seal_name;
    Bytes ses_seal_der;
    std::string device_key_label;
    std::string state;
    TimePoint valid_from, valid_to;
};

}  // namespace yinxin::sealsys
