// The aggregation cache of a plugin: an open-addressing hash table keyed by (time-bin, key
// bytes). Adding a record sums the counters, ORs the TCP flags and widens the start/end times.
// Iteration follows first insertion, as pmacct writes its queue. Memory is reserved once (and
// touched only as entries arrive; the index doubles with them); a full cache refuses the record
// (the plugin then purges it and retries).
//
// Batches go faster when the memory a record needs is fetched ahead of it (hash, prefetch, then
// add a few records later; see CachingPlugin::do_batch). The hash does not depend on the cache,
// so a hash taken on one cache is good for another of the same key size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/base/large_buffer.hpp"

namespace pmacct::aggregate {

// One aggregate as stored.
struct Aggregate {
    std::int64_t basetime = 0;  // time-bin start (0 without history)
    Counters counters;          // summed; time_start = earliest, time_end = latest
};

class Cache {
public:
    // `max_entries` aggregates at most; `key_size` bytes of key each.
    Cache(std::size_t key_size, std::size_t max_entries);
    Cache(const Cache&) = delete;
    Cache& operator=(const Cache&) = delete;
    ~Cache();

    // Folds one record into its aggregate. False when the aggregate is new and the cache is
    // full; nothing is changed then.
    bool add(const std::uint8_t* key, std::int64_t basetime, const Counters& c) {
        return add(key, basetime, c, hash(key, basetime));
    }
    // The same with the hash already taken.
    bool add(const std::uint8_t* key, std::int64_t basetime, const Counters& c, std::uint64_t hash);
    std::uint64_t hash(const std::uint8_t* key, std::int64_t basetime) const;
    // Starts fetching the index word of a hash / the aggregate it points to (call a few
    // records before add(), and prefetch_entry() after prefetch_index() had time to land).
    void prefetch_index(std::uint64_t hash) const {
        __builtin_prefetch(&index_[slot_of(hash)]);
    }
    void prefetch_entry(std::uint64_t hash) const {
        const std::uint64_t w = index_[slot_of(hash)];
        if (w == 0) return;
        // Every line of the entry: the time-bin and counters at its start, the key after them.
        const std::uint8_t* e = entry(static_cast<std::uint32_t>(w) - 1U);
        for (std::size_t at = 0; at < entry_size_; at += 64) __builtin_prefetch(e + at);
        __builtin_prefetch(e + entry_size_ - 1);
    }

    std::size_t size() const { return count_; }
    std::size_t capacity() const { return max_entries_; }
    bool empty() const { return count_ == 0; }
    std::size_t key_size() const { return key_size_; }

    // Calls f(key, aggregate) for every aggregate in first-insertion order.
    template <typename F>
    void for_each(F&& f) const {
        for (std::size_t i = 0; i < count_; ++i) {
            const std::uint8_t* e = entry(i);
            f(e + kKeyOffset, *reinterpret_cast<const Aggregate*>(e));
        }
    }
    // The same, with the aggregate writable (the memory plugin resets counters in place).
    template <typename F>
    void for_each_mutable(F&& f) {
        for (std::size_t i = 0; i < count_; ++i) {
            std::uint8_t* e = entry(i);
            f(e + kKeyOffset, *reinterpret_cast<Aggregate*>(e));
        }
    }
    // The first aggregate inserted (nullptr when empty).
    const Aggregate* front() const {
        return count_ == 0 ? nullptr : reinterpret_cast<const Aggregate*>(entry(0));
    }
    // Finds an aggregate (nullptr when absent).
    const Aggregate* find(const std::uint8_t* key, std::int64_t basetime) const;
    // Raises the capacity to `max_entries` (for caches that grow instead of purging: the memory
    // plugin). False when memory runs out.
    bool grow(std::size_t max_entries);
    // Empties the cache.
    void clear();

private:
    // Entries live back to back in insertion order: [Aggregate][key bytes], 8-byte aligned, so
    // a cache only touches as much memory as it holds. A dense index of 64-bit words (hash in
    // the high half, entry number + 1 in the low half; 0 = free) finds them.
    static constexpr std::size_t kKeyOffset = ((sizeof(Aggregate) + 7) / 8) * 8;

    std::uint8_t* entry(std::size_t i) { return arena_ + i * entry_size_; }
    const std::uint8_t* entry(std::size_t i) const { return arena_ + i * entry_size_; }
    std::size_t slot_of(std::uint64_t hash) const { return (hash >> 32) & mask_; }
    // Position in the index of (key, basetime), or of the free word where it would go.
    std::size_t probe(const std::uint8_t* key, std::int64_t basetime, std::uint32_t tag) const;
    bool allocate(std::size_t max_entries);
    // Index of `slots` words (a power of two) holding every entry; false when memory runs out.
    bool resize_index(std::size_t slots);
    bool keys_equal(const std::uint8_t* a, const std::uint8_t* b) const;

    std::size_t key_size_;
    std::size_t entry_size_;
    std::size_t max_entries_ = 0;
    std::size_t count_ = 0;
    std::size_t mask_ = 0;         // index size - 1 (a power of two)
    std::size_t index_limit_ = 0;  // index size at capacity
    LargeBuffer index_memory_;
    LargeBuffer arena_memory_;
    std::uint64_t* index_ = nullptr;   // index_memory_'s words
    std::uint8_t* arena_ = nullptr;    // arena_memory_'s bytes
};

}  // namespace pmacct::aggregate
