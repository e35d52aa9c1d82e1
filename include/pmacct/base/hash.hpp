// Folding 64-bit words into a hash, for tables on the data path where keys are a few words:
// hash_combine (boost's, widened) for the packet path's fixed tables (fragments, flows), and
// fold_multiply (one 64x64->128-bit multiplication a word) where the low bits pick a bucket.
#pragma once

#include <cstdint>

namespace pmacct {

inline std::uint64_t hash_combine(std::uint64_t h, std::uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    return h;
}

// a * b folded to 64 bits: one multiplication mixes a whole word into every bit.
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) {
    __extension__ using U128 = unsigned __int128;
    const U128 r = static_cast<U128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

inline constexpr std::uint64_t kHashMul0 = 0x9e3779b97f4a7c15ULL;
inline constexpr std::uint64_t kHashMul1 = 0xbf58476d1ce4e5b9ULL;
inline constexpr std::uint64_t kHashMul2 = 0x94d049bb133111ebULL;

}  // namespace pmacct
