// The aggregation cache of a plugin: an open-addressing hash table keyed by (time-bin, key
// bytes). Adding a record sums the counters, ORs the TCP flags and widens the start/end times.
// Iteration follows first insertion, as pmacct writes its queue. Memory is allocated once; a
// full cache refuses the record (the plugin then purges it and retries).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "pmacct/aggregate/key_layout.hpp"

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
    bool add(const std::uint8_t* key, std::int64_t basetime, const Counters& c);

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

    std::uint8_t* entry(std::size_t i) { return arena_.get() + i * entry_size_; }
    const std::uint8_t* entry(std::size_t i) const { return arena_.get() + i * entry_size_; }
    std::uint64_t hash(const std::uint8_t* key, std::int64_t basetime) const;
    // Position in the index of (key, basetime), or of the free word where it would go.
    std::size_t probe(const std::uint8_t* key, std::int64_t basetime, std::uint32_t tag) const;
    bool allocate(std::size_t max_entries);
    void reindex();

    struct FreeDeleter {
        void operator()(void* p) const;
    };
    std::size_t key_size_;
    std::size_t entry_size_;
    std::size_t max_entries_ = 0;
    std::size_t count_ = 0;
    std::size_t mask_ = 0;  // index size - 1 (a power of two)
    std::unique_ptr<std::uint64_t[], FreeDeleter> index_;
    std::unique_ptr<std::uint8_t[], FreeDeleter> arena_;
};

}  // namespace pmacct::aggregate
