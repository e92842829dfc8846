// Zeroization of secret material: private keys, shares, passwords, session keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace yinxin {

// Overwrites memory in a way the optimiser may not drop (explicit_bzero).
void secure_zero(void* p, std::size_t n) noexcept;

// Allocator that wipes memory before returning it, so that secrets do not linger on the heap
// after a SecretBytes is destroyed or reallocated.
template <class T>
struct ZeroizingAllocator {
    using value_type = T;
    ZeroizingAllocator() noexcept = default;
    template <class U>
    ZeroizingAllocator(const ZeroizingAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept {
        secure_zero(p, n * sizeof(T));
        std::allocator<T>{}.deallocate(p, n);
    }
    template <class U>
    bool operator==(const ZeroizingAllocator<U>&) const noexcept {
        return true;
    }
};

using SecretBytes = std::vector<std::uint8_t, ZeroizingAllocator<std::uint8_t>>;

inline SecretBytes to_secret(std::span<const std::uint8_t> b) { return {b.begin(), b.end()}; }

}  // namespace yinxin
