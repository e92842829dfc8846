// The national government-service platform's seal system (国家政务服务平台统一电子印章系统,
// LD/T 01.1-2022 §7.1, §7.4, §7.5 f): it gives cross-industry seals their unique code (赋码) and
// keeps the filing (备案) of every such seal. The ministry instance talks to it for the provinces
// and cities. Its interface (ZWFW C 0122-2018) is not public and the platform is not reachable
// from here, so the implementation used is LocalCodeAllocator: every seal gets the industry code
// (§7.4: 6-digit division code + 8-digit sequence of that division, allocated by the store in the
// transaction that records the seal) and the filing is recorded locally.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "yinxin/base/bytes.h"
#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/sealsys/model.h"

namespace yinxin::sealsys {

struct CodeRequest {
    CodeScope scope = CodeScope::industry;
    std::string division_code;
    std::string credit_code;
    std::string unit_name;
    std::string seal_name;
    std::int64_t seal_type = 1;
};

// What is filed for a made seal (§7.5 f: 印章备案).
struct SealFiling {
    std::string seal_code;
    std::string credit_code;
    std::string unit_name;
    std::string seal_name;
    std::int64_t seal_type = 1;
    std::string certificate_serial_hex;
    Bytes certificate_sm3;  // SM3 of the seal certificate DER
    Bytes seal_sm3;         // SM3 of the SES_Seal DER
    TimePoint valid_from{};
    TimePoint valid_to{};
};

class NationalPlatform {
public:
    virtual ~NationalPlatform() = default;
    virtual std::string name() const = 0;
    // 赋码. The platform's code for the seal, or nullopt: the store allocates the industry code
    // (division + sequence) in the transaction that records the seal. seal.peer_unreachable when
    // the platform should answer and does not.
    virtual Result<std::optional<std::string>> assign_code(const CodeRequest& request) = 0;
    // 备案. Returns the filing reference kept with the seal.
    virtual Result<std::string> file_seal(const SealFiling& filing) = 0;

protected:
    NationalPlatform() = default;
    NationalPlatform(const NationalPlatform&) = default;
    NationalPlatform& operator=(const NationalPlatform&) = default;
};

// The implementation used here (see the file comment): industry codes for every seal, filings
// recorded locally as "local:<seal code>:<SM3 of the SES_Seal, hex>".
class LocalCodeAllocator final : public NationalPlatform {
public:
    std::string name() const override { return "local"; }
    Result<std::optional<std::string>> assign_code(const CodeRequest& request) override;
    Result<std::string> file_seal(const SealFiling& filing) override;
};

// 14 digits: a valid division code (valid_division_code) and an 8-digit sequence that is not 0.
bool valid_seal_code(std::string_view code) noexcept;

}  // namespace yinxin::sealsys
