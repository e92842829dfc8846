// libFuzzer entry point shared by every harness (see driver.h).
#include "driver.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    yinxin::fuzz::fuzz_one(yinxin::BytesView(data, size));
    return 0;
}
