// Native-order loads from memory with no alignment promise (ring records, cache entries).
#pragma once

#include <cstdint>
#include <cstring>

namespace pmacct {

inline std::uint64_t load_u64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace pmacct
