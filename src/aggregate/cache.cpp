#include "pmacct/aggregate/cache.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace pmacct::aggregate {
namespace {

// The index starts this small and doubles with the entries (load factor under 2/3).
constexpr std::size_t kFirstIndexSlots = 1024;

std::size_t index_size_for(std::size_t entries) {
    std::size_t n = 16;
    while (n < entries + entries / 2) n <<= 1;
    return n;
}

}  // namespace

Cache::Cache(std::size_t key_size, std::size_t max_entries, Fields fields)
    : key_size_(key_size),
      fields_(fields),
      key_offset_(key_offset_for(fields)),
      entry_size_(entry_size_for(key_size, fields)) {
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

std::optional<Aggregate> Cache::find(const std::uint8_t* key, std::int64_t basetime) const {
    const auto tag = static_cast<std::uint32_t>(hash(key, basetime) >> 32);
    const std::uint64_t w = index_[probe(key, basetime, tag)];
    if (w == 0) return std::nullopt;
    return aggregate_at(entry(static_cast<std::uint32_t>(w) - 1U));
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
            std::size_t i = slot_of(hash(e + key_offset_, static_cast<std::int64_t>(load_u64(e))));
            while (static_cast<std::uint32_t>(index_[i]) != n + 1) i = (i + 1) & mask_;
            index_[i] = 0;
        }
    } else {
        std::memset(index_, 0, (mask_ + 1) * 8);
    }
    count_ = 0;
}

}  // namespace pmacct::aggregate
