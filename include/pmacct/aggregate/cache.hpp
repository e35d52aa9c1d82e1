// The aggregation cache of a plugin: an open-addressing hash table keyed by (time-bin, key
// bytes). Adding a record sums the counters, ORs the TCP flags and widens the start/end times.
// Iteration follows first insertion, as pmacct writes its queue. Memory is allocated once; a
// full cache refuses the record (the plugin then purges it and retries).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

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

    std::size_t size() const { return order_.size(); }
    std::size_t capacity() const { return max_entries_; }
    bool empty() const { return order_.empty(); }
    std::size_t key_size() const { return key_size_; }

    // Calls f(key, aggregate) for every aggregate in first-insertion order.
    template <typename F>
    void for_each(F&& f) const {
        for (std::uint32_t slot : order_) {
            const std::uint8_t* s = slot_ptr(slot);
            f(s + kKeyOffset, *reinterpret_cast<const Aggregate*>(s + kAggOffset));
        }
    }
    // Finds an aggregate (nullptr when absent).
    const Aggregate* find(const std::uint8_t* key, std::int64_t basetime) const;
    // Empties the cache; touches only the slots in use.
    void clear();

private:
    // Slot layout: [u64 hash][Aggregate][key bytes], 8-byte aligned.
    static constexpr std::size_t kHashOffset = 0;
    static constexpr std::size_t kAggOffset = 8;
    static constexpr std::size_t kKeyOffset = kAggOffset + ((sizeof(Aggregate) + 7) / 8) * 8;

    std::uint8_t* slot_ptr(std::uint32_t i) { return table_.get() + std::size_t{i} * slot_size_; }
    const std::uint8_t* slot_ptr(std::uint32_t i) const {
        return table_.get() + std::size_t{i} * slot_size_;
    }
    std::uint64_t hash(const std::uint8_t* key, std::int64_t basetime) const;
    // Index of the slot holding (key, basetime), or of the empty slot where it would go.
    std::uint32_t probe(const std::uint8_t* key, std::int64_t basetime, std::uint64_t h) const;

    std::size_t key_size_;
    std::size_t max_entries_;
    std::size_t slot_size_;
    std::uint32_t mask_;  // table size - 1 (a power of two)
    struct FreeDeleter {
        void operator()(std::uint8_t* p) const;
    };
    std::unique_ptr<std::uint8_t[], FreeDeleter> table_;
    std::vector<std::uint32_t> order_;
};

}  // namespace pmacct::aggregate
