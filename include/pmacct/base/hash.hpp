// Folding 64-bit words into a hash (boost's hash_combine, widened): for the fixed tables of the
// packet path (fragments, flows), where keys are a few words and speed matters more than quality.
#pragma once

#include <cstdint>

namespace pmacct {

inline std::uint64_t hash_combine(std::uint64_t h, std::uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    return h;
}

}  // namespace pmacct
