#include "pmacct/aggregate/cache.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace pmacct::aggregate {
namespace {

std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

std::uint64_t mix(std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

}  // namespace

void Cache::FreeDeleter::operator()(std::uint8_t* p) const { std::free(p); }

Cache::Cache(std::size_t key_size, std::size_t max_entries)
    : key_size_(key_size), max_entries_(max_entries == 0 ? 1 : max_entries) {
    slot_size_ = ((kKeyOffset + key_size_ + 7) / 8) * 8;
    // Keep the load factor under 2/3 at capacity.
    std::size_t n = 16;
    while (n < max_entries_ + max_entries_ / 2) n <<= 1;
    mask_ = static_cast<std::uint32_t>(n - 1);
    // calloc: large tables come straight from zeroed pages, touched only where used.
    table_.reset(static_cast<std::uint8_t*>(std::calloc(n, slot_size_)));
    if (!table_) throw std::bad_alloc();
    order_.reserve(max_entries_);
}

Cache::~Cache() = default;

std::uint64_t Cache::hash(const std::uint8_t* key, std::int64_t basetime) const {
    std::uint64_t h = mix(static_cast<std::uint64_t>(basetime) ^ 0x9e3779b97f4a7c15ULL);
    std::size_t i = 0;
    for (; i + 8 <= key_size_; i += 8) h = mix(h ^ load64(key + i));
    std::uint64_t tail = 0;
    for (std::size_t j = 0; i < key_size_; ++i, ++j) tail |= std::uint64_t{key[i]} << (8 * j);
    h = mix(h ^ tail ^ key_size_);
    return h == 0 ? 1 : h;  // 0 marks an empty slot
}

std::uint32_t Cache::probe(const std::uint8_t* key, std::int64_t basetime, std::uint64_t h) const {
    std::uint32_t i = static_cast<std::uint32_t>(h) & mask_;
    while (true) {
        const std::uint8_t* s = slot_ptr(i);
        std::uint64_t sh = load64(s + kHashOffset);
        if (sh == 0) return i;
        if (sh == h) {
            const auto* agg = reinterpret_cast<const Aggregate*>(s + kAggOffset);
            if (agg->basetime == basetime && std::memcmp(s + kKeyOffset, key, key_size_) == 0) return i;
        }
        i = (i + 1) & mask_;
    }
}

bool Cache::add(const std::uint8_t* key, std::int64_t basetime, const Counters& c) {
    const std::uint64_t h = hash(key, basetime);
    const std::uint32_t i = probe(key, basetime, h);
    std::uint8_t* s = slot_ptr(i);
    auto* agg = reinterpret_cast<Aggregate*>(s + kAggOffset);
    if (load64(s + kHashOffset) == 0) {
        if (order_.size() >= max_entries_) return false;
        std::memcpy(s + kHashOffset, &h, 8);
        std::memcpy(s + kKeyOffset, key, key_size_);
        new (agg) Aggregate{basetime, c};
        order_.push_back(i);
        return true;
    }
    Counters& a = agg->counters;
    a.bytes += c.bytes;
    a.packets += c.packets;
    a.flows += c.flows;
    a.tcp_flags = static_cast<std::uint8_t>(a.tcp_flags | c.tcp_flags);
    if (c.time_start < a.time_start) a.time_start = c.time_start;
    if (a.time_end < c.time_end) a.time_end = c.time_end;
    return true;
}

const Aggregate* Cache::find(const std::uint8_t* key, std::int64_t basetime) const {
    const std::uint64_t h = hash(key, basetime);
    const std::uint8_t* s = slot_ptr(probe(key, basetime, h));
    if (load64(s + kHashOffset) == 0) return nullptr;
    return reinterpret_cast<const Aggregate*>(s + kAggOffset);
}

void Cache::clear() {
    for (std::uint32_t i : order_) std::memset(slot_ptr(i), 0, 8);
    order_.clear();
}

}  // namespace pmacct::aggregate
