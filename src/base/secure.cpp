#include "yinxin/base/secure.h"

#include <cstring>

namespace yinxin {

void secure_zero(void* p, std::size_t n) noexcept {
    if (p != nullptr && n != 0) explicit_bzero(p, n);
}

}  // namespace yinxin
