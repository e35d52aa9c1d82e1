#include "flow_table.hpp"

#include "pmacct/base/hash.hpp"
#include "pmacct/base/unaligned.hpp"

namespace pmacct::plugins::nfprobe {

FlowTable::FlowTable(std::size_t key_size, std::size_t max_flows, const Timeouts& timeouts,
                     const aggregate::KeyField* proto)
    : key_size_(key_size), timeouts_(timeouts), proto_(proto) {
    if (max_flows == 0) max_flows = 1;
    slots_.resize(max_flows);
    keys_.resize(max_flows * key_size_);
    std::size_t n = 16;
    while (n < max_flows * 2) n <<= 1;
    index_.assign(n, 0);
    mask_ = n - 1;
    free_.reserve(max_flows);
    for (std::size_t i = max_flows; i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));
}

std::uint64_t FlowTable::hash(const std::uint8_t* key) const {
    std::uint64_t h = kHashMul1 ^ key_size_;
    std::size_t i = 0;
    for (; i + 8 <= key_size_; i += 8) h = fold_multiply(h ^ load_u64(key + i), kHashMul0);
    std::uint64_t tail = 0;
    for (; i < key_size_; ++i) tail = (tail << 8) | key[i];
    return fold_multiply(h ^ tail, kHashMul2);
}

std::size_t FlowTable::find(const std::uint8_t* key, std::uint64_t h) const {
    std::size_t pos = h & mask_;
    while (index_[pos] != 0) {
        if (key_size_ == 0 || std::memcmp(key_of(index_[pos] - 1), key, key_size_) == 0) return pos;
        pos = (pos + 1) & mask_;
    }
    return pos;
}

std::int64_t FlowTable::timeout_for(const Flow& f) const {
    switch (f.proto) {
        case 6:
            if ((f.tcp_flags & 0x04) != 0) return timeouts_.tcp_rst;
            if ((f.tcp_flags & 0x01) != 0) return timeouts_.tcp_fin;
            return timeouts_.tcp;
        case 17: return timeouts_.udp;
        case 1:
        case 58: return timeouts_.icmp;
        default: return timeouts_.general;
    }
}

void FlowTable::unlink(std::uint32_t i) {
    Slot& s = slots_[i];
    if (s.older != kNone) slots_[s.older].newer = s.newer; else oldest_ = s.newer;
    if (s.newer != kNone) slots_[s.newer].older = s.older; else newest_ = s.older;
    s.older = s.newer = kNone;
}

void FlowTable::link_newest(std::uint32_t i) {
    Slot& s = slots_[i];
    s.older = newest_;
    s.newer = kNone;
    if (newest_ != kNone) slots_[newest_].newer = i; else oldest_ = i;
    newest_ = i;
}

void FlowTable::remove(std::uint32_t i) {
    // Backward-shift deletion: words after the hole that would be found through it move up.
    std::size_t hole = find(key_of(i), hash(key_of(i)));
    std::size_t pos = (hole + 1) & mask_;
    while (index_[pos] != 0) {
        const std::size_t home = hash(key_of(index_[pos] - 1)) & mask_;
        // Does `home` lie cyclically in (hole, pos]? Then the word stays.
        const bool stays = hole <= pos ? (home > hole && home <= pos) : (home > hole || home <= pos);
        if (!stays) {
            index_[hole] = index_[pos];
            hole = pos;
        }
        pos = (pos + 1) & mask_;
    }
    index_[hole] = 0;
    unlink(i);
    free_.push_back(i);
    --count_;
}

}  // namespace pmacct::plugins::nfprobe
