// The aggregation cache of a plugin: an open-addressing hash table keyed by (time-bin, key
// bytes). Adding a record sums the counters, ORs the TCP flags and widens the start/end times.
// Iteration follows first insertion, as pmacct writes its queue. Memory is reserved once (and
// touched only as entries arrive; the index doubles with them); a full cache refuses the record
// (the plugin then purges it and retries).
//
// Batches go faster when the memory a record needs is fetched ahead of it (hash, prefetch, then
// add a few records later; see CachingPlugin::do_batch). The hash does not depend on the cache,
// so a hash taken on one cache is good for another of the same key size.
//
// A cache keeps every counter, or only what most outputs print (Fields::kVolume): then an
// aggregate of a 5-tuple fits one cache line, and twice as many flows stay in the CPU's caches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/base/hash.hpp"
#include "pmacct/base/large_buffer.hpp"
#include "pmacct/base/unaligned.hpp"

namespace pmacct::aggregate {

// One aggregate as stored.
struct Aggregate {
    std::int64_t basetime = 0;  // time-bin start (0 without history)
    Counters counters;          // summed; time_start = earliest, time_end = latest
};

// What a cache keeps of each aggregate.
enum class Fields : std::uint8_t {
    kAll,     // every counter
    kVolume,  // bytes, packets and the flow type; flows, times and TCP flags read as zero
};

class Cache {
public:
    // `max_entries` aggregates at most; `key_size` bytes of key each.
    Cache(std::size_t key_size, std::size_t max_entries, Fields fields = Fields::kAll);
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
    // The same with candidate()'s hint for the hash, taken on this cache or another: when the
    // entry it names holds the key, the index is not probed again.
    bool add(const std::uint8_t* key, std::int64_t basetime, const Counters& c, std::uint64_t hash,
             std::uint32_t hint) {
        if (hint != 0 && hint <= count_) {
            std::uint8_t* e = entry(hint - 1U);
            if (static_cast<std::int64_t>(load_u64(e)) == basetime && keys_equal(e + key_offset_, key)) {
                fold(e, c);
                return true;
            }
        }
        return add(key, basetime, c, hash);
    }
    std::uint64_t hash(const std::uint8_t* key, std::int64_t basetime) const;
    // Starts fetching the index word of a hash / the aggregate it points to (call a few
    // records before add(), and prefetch_entry() after prefetch_index() had time to land).
    void prefetch_index(std::uint64_t hash) const {
        __builtin_prefetch(&index_[slot_of(hash)]);
    }
    void prefetch_entry(std::uint64_t hash) const {
        const std::uint32_t hint = candidate(hash);
        fetch_entries(&hint, 1);
    }
    // The aggregate a hash most likely names, as a hint for add(): the entry number + 1, 0 for
    // none (a new aggregate). The aggregate is often not in its home slot (linear probing), so
    // this follows the probe sequence to the first word with the hash's tag, a few words at
    // most (they share the index line prefetch_index() fetched). A wrong guess costs a useless
    // fetch and is caught by add().
    std::uint32_t candidate(std::uint64_t hash) const {
        const auto tag = static_cast<std::uint32_t>(hash >> 32);
        std::size_t i = slot_of(hash);
        for (int n = 0; n < 8; ++n, i = (i + 1) & mask_) {
            const std::uint64_t w = index_[i];
            if (w == 0) return 0;
            if (static_cast<std::uint32_t>(w >> 32) == tag) return static_cast<std::uint32_t>(w);
        }
        return 0;
    }
    // Fetches every line of the `n` aggregates candidate() named (0s are skipped). The first
    // line of each is read, not prefetched, in a loop of nothing else so that the reads are in
    // flight together; with the table cold after each nap, reading took 19 ns a record off the
    // live plugin (80 to 61 ns, six side-by-side runs of nfacctd_ab_bench.sh at 20k datagrams/s
    // on a VM, where prefetches missing the TLB may well be dropped).
    void fetch_entries(const std::uint32_t* hints, std::uint32_t n) const {
        std::uint8_t any = 0;
        for (std::uint32_t i = 0; i < n; ++i) {
            if (hints[i] != 0) any |= *entry(hints[i] - 1U);
        }
        asm volatile("" : : "r"(any));  // keep the reads
        if (entry_size_ <= 64) return;
        for (std::uint32_t i = 0; i < n; ++i) {
            if (hints[i] == 0) continue;
            const std::uint8_t* e = entry(hints[i] - 1U);
            for (std::size_t at = 64; at < entry_size_; at += 64) __builtin_prefetch(e + at);
            __builtin_prefetch(e + entry_size_ - 1);
        }
    }

    std::size_t size() const { return count_; }
    std::size_t capacity() const { return max_entries_; }
    bool empty() const { return count_ == 0; }
    std::size_t key_size() const { return key_size_; }
    // Bytes one aggregate takes, index included (at its fullest load).
    static std::size_t bytes_per_entry(std::size_t key_size, Fields fields) {
        return entry_size_for(key_size, fields) + 8 * 3 / 2;
    }

    // Calls f(key, aggregate) for every aggregate in first-insertion order.
    template <typename F>
    void for_each(F&& f) const {
        for (std::size_t i = 0; i < count_; ++i) {
            const std::uint8_t* e = entry(i);
            if (fields_ == Fields::kAll) {
                f(e + key_offset_, *reinterpret_cast<const Aggregate*>(e));
            } else {
                f(e + key_offset_, volume_aggregate(e));
            }
        }
    }
    // The same, with the aggregate writable (the memory plugin resets counters in place); for
    // caches of every counter only.
    template <typename F>
    void for_each_mutable(F&& f) {
        for (std::size_t i = 0; i < count_; ++i) {
            std::uint8_t* e = entry(i);
            f(e + key_offset_, *reinterpret_cast<Aggregate*>(e));
        }
    }
    // The first aggregate inserted.
    std::optional<Aggregate> front() const {
        if (count_ == 0) return std::nullopt;
        return aggregate_at(entry(0));
    }
    // Finds an aggregate.
    std::optional<Aggregate> find(const std::uint8_t* key, std::int64_t basetime) const;
    // Raises the capacity to `max_entries` (for caches that grow instead of purging: the memory
    // plugin). False when memory runs out.
    bool grow(std::size_t max_entries);
    // Empties the cache.
    void clear();

private:
    // Entries live back to back in insertion order, 8-byte aligned, so a cache only touches as
    // much memory as it holds: [Aggregate][key] with every counter, [Volume][key][flow type]
    // with kVolume. Both start with the time-bin. A dense index of 64-bit words (hash in the
    // high half, entry number + 1 in the low half; 0 = free) finds them.
    struct Volume {
        std::int64_t basetime;
        std::uint64_t bytes;
        std::uint64_t packets;
    };
    static constexpr std::size_t kAllKeyOffset = ((sizeof(Aggregate) + 7) / 8) * 8;
    static constexpr std::size_t key_offset_for(Fields fields) {
        return fields == Fields::kAll ? kAllKeyOffset : sizeof(Volume);
    }
    static constexpr std::size_t entry_size_for(std::size_t key_size, Fields fields) {
        const std::size_t tail = fields == Fields::kAll ? 0 : 1;  // the flow type
        return ((key_offset_for(fields) + key_size + tail + 7) / 8) * 8;
    }
    Aggregate volume_aggregate(const std::uint8_t* e) const {
        Volume v;
        std::memcpy(&v, e, sizeof v);
        Aggregate a;
        a.basetime = v.basetime;
        a.counters.bytes = v.bytes;
        a.counters.packets = v.packets;
        a.counters.flow_type = static_cast<FlowType>(e[key_offset_ + key_size_]);
        return a;
    }
    Aggregate aggregate_at(const std::uint8_t* e) const {
        if (fields_ == Fields::kAll) return *reinterpret_cast<const Aggregate*>(e);
        return volume_aggregate(e);
    }

    std::uint8_t* entry(std::size_t i) { return arena_ + i * entry_size_; }
    const std::uint8_t* entry(std::size_t i) const { return arena_ + i * entry_size_; }
    std::size_t slot_of(std::uint64_t hash) const { return (hash >> 32) & mask_; }
    // Position in the index of (key, basetime), or of the free word where it would go.
    std::size_t probe(const std::uint8_t* key, std::int64_t basetime, std::uint32_t tag) const;
    bool allocate(std::size_t max_entries);
    // Index of `slots` words (a power of two) holding every entry; false when memory runs out.
    bool resize_index(std::size_t slots);
    bool keys_equal(const std::uint8_t* a, const std::uint8_t* b) const;
    // Sums the counters into the aggregate at `e`.
    void fold(std::uint8_t* e, const Counters& c);

    std::size_t key_size_;
    Fields fields_;
    std::size_t key_offset_;
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

inline std::uint64_t Cache::hash(const std::uint8_t* key, std::int64_t basetime) const {
    std::uint64_t h = fold_multiply(static_cast<std::uint64_t>(basetime) ^ kHashMul0, kHashMul1 ^ key_size_);
    std::size_t i = 0;
    for (; i + 8 <= key_size_; i += 8) h = fold_multiply(h ^ load_u64(key + i), kHashMul0);
    std::uint64_t tail = 0;
    if (i < key_size_) {
        // Keys of 8 bytes or more end with the overlapping last word: one load, no length-driven copy.
        if (key_size_ >= 8) {
            tail = load_u64(key + key_size_ - 8);
        } else {
            for (std::size_t j = 0; j < key_size_; ++j) tail |= std::uint64_t{key[j]} << (8 * j);
        }
    }
    return fold_multiply(h ^ tail, kHashMul2);
}

inline bool Cache::keys_equal(const std::uint8_t* a, const std::uint8_t* b) const {
    std::size_t i = 0;
    for (; i + 8 <= key_size_; i += 8) {
        if (load_u64(a + i) != load_u64(b + i)) return false;
    }
    if (i == key_size_) return true;
    if (key_size_ >= 8) return load_u64(a + key_size_ - 8) == load_u64(b + key_size_ - 8);
    return std::memcmp(a, b, key_size_) == 0;
}

inline std::size_t Cache::probe(const std::uint8_t* key, std::int64_t basetime, std::uint32_t tag) const {
    std::size_t i = tag & mask_;
    while (true) {
        const std::uint64_t w = index_[i];
        if (w == 0) return i;
        if (static_cast<std::uint32_t>(w >> 32) == tag) {
            const std::uint8_t* e = entry(static_cast<std::uint32_t>(w) - 1U);
            if (static_cast<std::int64_t>(load_u64(e)) == basetime && keys_equal(e + key_offset_, key)) {
                return i;
            }
        }
        i = (i + 1) & mask_;
    }
}

inline bool Cache::add(const std::uint8_t* key, std::int64_t basetime, const Counters& c, std::uint64_t h) {
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
        if (fields_ == Fields::kAll) {
            new (e) Aggregate{basetime, c};
        } else {
            new (e) Volume{basetime, c.bytes, c.packets};
            e[key_offset_ + key_size_] = static_cast<std::uint8_t>(c.flow_type);
        }
        if (key_size_ != 0) std::memcpy(e + key_offset_, key, key_size_);  // an empty key may be nullptr
        index_[i] = (std::uint64_t{tag} << 32) | (count_ + 1);
        ++count_;
        return true;
    }
    fold(entry(static_cast<std::uint32_t>(w) - 1U), c);
    return true;
}

inline void Cache::fold(std::uint8_t* e, const Counters& c) {
    if (fields_ == Fields::kVolume) {
        auto* v = reinterpret_cast<Volume*>(e);
        v->bytes += c.bytes;
        v->packets += c.packets;
        return;
    }
    Counters& a = reinterpret_cast<Aggregate*>(e)->counters;
    a.bytes += c.bytes;
    a.packets += c.packets;
    a.flows += c.flows;
    a.tcp_flags = static_cast<std::uint8_t>(a.tcp_flags | c.tcp_flags);
    a.tunnel_tcp_flags = static_cast<std::uint8_t>(a.tunnel_tcp_flags | c.tunnel_tcp_flags);
    if (c.time_start < a.time_start) a.time_start = c.time_start;
    if (a.time_end < c.time_end) a.time_end = c.time_end;
}

}  // namespace pmacct::aggregate
