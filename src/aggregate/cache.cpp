#include "pmacct/aggregate/cache.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace pmacct::aggregate {
namespace {

std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

// 64x64→128-bit multiply folded to 64 bits: one multiplication mixes a whole word.
std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) {
    __extension__ using U128 = unsigned __int128;
    const U128 r = static_cast<U128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

constexpr std::uint64_t kMul0 = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kMul1 = 0xbf58476d1ce4e5b9ULL;
constexpr std::uint64_t kMul2 = 0x94d049bb133111ebULL;

// The index starts this small and doubles with the entries (load factor under 2/3).
constexpr std::size_t kFirstIndexSlots = 1024;

std::size_t index_size_for(std::size_t entries) {
    std::size_t n = 16;
    while (n < entries + entries / 2) n <<= 1;
    return n;
}

}  // namespace

Cache::Cache(std::size_t key_size, std::size_t max_entries) : key_size_(key_size) {
    entry_size_ = ((kKeyOffset + key_size_ + 7) / 8) * 8;
    if (!allocate(max_entries == 0 ? 1 : max_entries)) throw std::bad_alloc();
}

Cache::~Cache() = default;

bool Cache::allocate(std::size_t max_entries) {
    // The arena costs what the entries touch, not what the capacity allows (see LargeBuffer).
    LargeBuffer arena = LargeBuffer::allocate(max_entries * entry_size_);
    if (!arena) return false;
    if (count_ > 0) std::memcpy(arena.data(), arena_, count_ * entry_size_);
    arena_memory_ = std::move(arena);
    arena_ = static_cast<std::uint8_t*>(arena_memory_.data());
    max_entries_ = max_entries;
    index_limit_ = index_size_for(max_entries);
    const std::size_t want = std::min(index_limit_, std::max(kFirstIndexSlots, index_size_for(count_)));
    if (index_ == nullptr || want > mask_ + 1) return resize_index(want);
    return true;
}

bool Cache::resize_index(std::size_t slots) {
    LargeBuffer memory = LargeBuffer::allocate(slots * 8);
    if (!memory) return false;
    auto* index = static_cast<std::uint64_t*>(memory.data());
    const std::size_t mask = slots - 1;
    if (index_ != nullptr) {
        // The words carry their hash's high half: place them again without rehashing keys.
        for (std::size_t i = 0; i <= mask_; ++i) {
            const std::uint64_t w = index_[i];
            if (w == 0) continue;
            std::size_t j = (w >> 32) & mask;
            while (index[j] != 0) j = (j + 1) & mask;
            index[j] = w;
        }
    }
    index_memory_ = std::move(memory);
    index_ = index;
    mask_ = mask;
    return true;
}

std::uint64_t Cache::hash(const std::uint8_t* key, std::int64_t basetime) const {
    std::uint64_t h = fold_multiply(static_cast<std::uint64_t>(basetime) ^ kMul0, kMul1 ^ key_size_);
    std::size_t i = 0;
    for (; i + 8 <= key_size_; i += 8) h = fold_multiply(h ^ load64(key + i), kMul0);
    std::uint64_t tail = 0;
    if (i < key_size_) {
        // Keys of 8 bytes or more end with the overlapping last word: one load, no length-driven copy.
        if (key_size_ >= 8) {
            tail = load64(key + key_size_ - 8);
        } else {
            std::memcpy(&tail, key, key_size_);
        }
    }
    return fold_multiply(h ^ tail, kMul2);
}

bool Cache::keys_equal(const std::uint8_t* a, const std::uint8_t* b) const {
    std::size_t i = 0;
    for (; i + 8 <= key_size_; i += 8) {
        if (load64(a + i) != load64(b + i)) return false;
    }
    if (i == key_size_) return true;
    if (key_size_ >= 8) return load64(a + key_size_ - 8) == load64(b + key_size_ - 8);
    return std::memcmp(a, b, key_size_) == 0;
}

std::size_t Cache::probe(const std::uint8_t* key, std::int64_t basetime, std::uint32_t tag) const {
    std::size_t i = tag & mask_;
    while (true) {
        const std::uint64_t w = index_[i];
        if (w == 0) return i;
        if (static_cast<std::uint32_t>(w >> 32) == tag) {
            const std::uint8_t* e = entry(static_cast<std::uint32_t>(w) - 1U);
            if (reinterpret_cast<const Aggregate*>(e)->basetime == basetime && keys_equal(e + kKeyOffset, key)) {
                return i;
            }
        }
        i = (i + 1) & mask_;
    }
}

bool Cache::add(const std::uint8_t* key, std::int64_t basetime, const Counters& c, std::uint64_t h) {
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    std::size_t i = probe(key, basetime, tag);
    std::uint64_t w = index_[i];
    if (w == 0) {
        if (count_ >= max_entries_) return false;
        if ((count_ + 1) * 3 > (mask_ + 1) * 2 && mask_ + 1 < index_limit_) {
            if (!resize_index((mask_ + 1) * 2)) return false;
            i = probe(key, basetime, tag);
        }
        std::uint8_t* e = entry(count_);
        new (e) Aggregate{basetime, c};
        if (key_size_ != 0) std::memcpy(e + kKeyOffset, key, key_size_);  // an empty key may be nullptr
        index_[i] = (std::uint64_t{tag} << 32) | (count_ + 1);
        ++count_;
        return true;
    }
    Counters& a = reinterpret_cast<Aggregate*>(entry(static_cast<std::uint32_t>(w) - 1U))->counters;
    a.bytes += c.bytes;
    a.packets += c.packets;
    a.flows += c.flows;
    a.tcp_flags = static_cast<std::uint8_t>(a.tcp_flags | c.tcp_flags);
    if (c.time_start < a.time_start) a.time_start = c.time_start;
    if (a.time_end < c.time_end) a.time_end = c.time_end;
    return true;
}

const Aggregate* Cache::find(const std::uint8_t* key, std::int64_t basetime) const {
    const auto tag = static_cast<std::uint32_t>(hash(key, basetime) >> 32);
    const std::uint64_t w = index_[probe(key, basetime, tag)];
    if (w == 0) return nullptr;
    return reinterpret_cast<const Aggregate*>(entry(static_cast<std::uint32_t>(w) - 1U));
}

bool Cache::grow(std::size_t max_entries) {
    if (max_entries <= max_entries_) return true;
    return allocate(max_entries);
}

void Cache::clear() {
    if (count_ == 0) return;
    // Few entries: clear their index words one by one; many: wipe the index in one go.
    if (count_ * 8 < mask_ + 1) {
        for (std::size_t n = 0; n < count_; ++n) {
            const std::uint8_t* e = entry(n);
            const auto* a = reinterpret_cast<const Aggregate*>(e);
            std::size_t i = slot_of(hash(e + kKeyOffset, a->basetime));
            while (static_cast<std::uint32_t>(index_[i]) != n + 1) i = (i + 1) & mask_;
            index_[i] = 0;
        }
    } else {
        std::memset(index_, 0, (mask_ + 1) * 8);
    }
    count_ = 0;
}

}  // namespace pmacct::aggregate
