#include "yinxin/base/rng.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

namespace yinxin {

Status SystemRng::fill(std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(Errc::rng_failure, std::string("getrandom failed: ") + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    return ok_status();
}

Status FixedRng::fill(std::span<std::uint8_t> out) {
    for (auto& b : out) {
        if (m_pos < m_script.size()) {
            b = m_script[m_pos++];
            continue;
        }
        // SplitMix64 (Steele, Lea, Flood 2014): a deterministic, well-mixed test stream.
        m_state += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = m_state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        b = static_cast<std::uint8_t>(z & 0xff);
    }
    return ok_status();
}

}  // namespace yinxin
