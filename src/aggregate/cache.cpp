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

std::size_t index_size_for(std::size_t max_entries) {
    std::size_t n = 16;
    while (n < max_entries + max_entries / 2) n <<= 1;  // load factor under 2/3 at capacity
    return n;
}

}  // namespace

void Cache::FreeDeleter::operator()(void* p) const { std::free(p); }

Cache::Cache(std::size_t key_size, std::size_t max_entries) : key_size_(key_size) {
    entry_size_ = ((kKeyOffset + key_size_ + 7) / 8) * 8;
    if (!allocate(max_entries == 0 ? 1 : max_entries)) throw std::bad_alloc();
}

Cache::~Cache() = default;

bool Cache::allocate(std::size_t max_entries) {
    const std::size_t n = index_size_for(max_entries);
    // calloc: large blocks come from zeroed pages the kernel maps only when first touched.
    std::unique_ptr<std::uint64_t[], FreeDeleter> index(static_cast<std::uint64_t*>(std::calloc(n, 8)));
    auto* grown = static_cast<std::uint8_t*>(std::realloc(arena_.get(), max_entries * entry_size_));
    if (!index || grown == nullptr) return false;
    (void)arena_.release();
    arena_.reset(grown);
    index_ = std::move(index);
    mask_ = n - 1;
    max_entries_ = max_entries;
    return true;
}

std::uint64_t Cache::hash(const std::uint8_t* key, std::int64_t basetime) const {
    std::uint64_t h = mix(static_cast<std::uint64_t>(basetime) ^ 0x9e3779b97f4a7c15ULL);
    std::size_t i = 0;
    for (; i + 8 <= key_size_; i += 8) h = mix(h ^ load64(key + i));
    std::uint64_t tail = 0;
    for (std::size_t j = 0; i < key_size_; ++i, ++j) tail |= std::uint64_t{key[i]} << (8 * j);
    return mix(h ^ tail ^ key_size_);
}

std::size_t Cache::probe(const std::uint8_t* key, std::int64_t basetime, std::uint32_t tag) const {
    std::size_t i = tag & mask_;
    while (true) {
        const std::uint64_t w = index_[i];
        if (w == 0) return i;
        if (static_cast<std::uint32_t>(w >> 32) == tag) {
            const std::uint8_t* e = entry(static_cast<std::uint32_t>(w) - 1U);
            if (reinterpret_cast<const Aggregate*>(e)->basetime == basetime &&
                std::memcmp(e + kKeyOffset, key, key_size_) == 0) {
                return i;
            }
        }
        i = (i + 1) & mask_;
    }
}

bool Cache::add(const std::uint8_t* key, std::int64_t basetime, const Counters& c) {
    const auto tag = static_cast<std::uint32_t>(hash(key, basetime) >> 32);
    const std::size_t i = probe(key, basetime, tag);
    const std::uint64_t w = index_[i];
    if (w == 0) {
        if (count_ >= max_entries_) return false;
        std::uint8_t* e = entry(count_);
        new (e) Aggregate{basetime, c};
        std::memcpy(e + kKeyOffset, key, key_size_);
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

void Cache::reindex() {
    std::memset(index_.get(), 0, (mask_ + 1) * 8);
    for (std::size_t n = 0; n < count_; ++n) {
        const std::uint8_t* e = entry(n);
        const auto* a = reinterpret_cast<const Aggregate*>(e);
        const auto tag = static_cast<std::uint32_t>(hash(e + kKeyOffset, a->basetime) >> 32);
        std::size_t i = tag & mask_;
        while (index_[i] != 0) i = (i + 1) & mask_;
        index_[i] = (std::uint64_t{tag} << 32) | (n + 1);
    }
}

bool Cache::grow(std::size_t max_entries) {
    if (max_entries <= max_entries_) return true;
    if (!allocate(max_entries)) return false;
    reindex();
    return true;
}

void Cache::clear() {
    if (count_ == 0) return;
    // Few entries: clear their index words one by one; many: wipe the index in one go.
    if (count_ * 8 < mask_ + 1) {
        for (std::size_t n = 0; n < count_; ++n) {
            const std::uint8_t* e = entry(n);
            const auto* a = reinterpret_cast<const Aggregate*>(e);
            const auto tag = static_cast<std::uint32_t>(hash(e + kKeyOffset, a->basetime) >> 32);
            std::size_t i = tag & mask_;
            while (static_cast<std::uint32_t>(index_[i]) != n + 1) i = (i + 1) & mask_;
            index_[i] = 0;
        }
    } else {
        std::memset(index_.get(), 0, (mask_ + 1) * 8);
    }
    count_ = 0;
}

}  // namespace pmacct::aggregate
