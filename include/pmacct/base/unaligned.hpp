// Loads from memory with no alignment promise: native order (ring records, cache entries), and
// big-endian numbers of any length (NetFlow/IPFIX fields).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace pmacct {

inline std::uint64_t load_u64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Unsigned big-endian value of `n` bytes (0 for none; longer fields: their last 8 bytes).
inline std::uint64_t load_be_uint(const std::uint8_t* p, std::size_t n) {
    // The common lengths in one load each.
    switch (n) {
        case 1: return p[0];
        case 2: {
            std::uint16_t v;
            std::memcpy(&v, p, 2);
            return __builtin_bswap16(v);
        }
        case 4: {
            std::uint32_t v;
            std::memcpy(&v, p, 4);
            return __builtin_bswap32(v);
        }
        case 8: {
            std::uint64_t v;
            std::memcpy(&v, p, 8);
            return __builtin_bswap64(v);
        }
        default: break;
    }
    if (n > 8) {
        p += n - 8;
        n = 8;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
}

}  // namespace pmacct
