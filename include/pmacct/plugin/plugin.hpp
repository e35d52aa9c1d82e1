// A plugin process: consumes its ring of records from the core and does its job with them
// (aggregate and write, serve queries, export...). One base class with a non-virtual run() that
// owns the loop — ring, signals, the core's liveness — and calls protected hooks.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/base/unaligned.hpp"
#include "pmacct/base/result.hpp"
#include "pmacct/config/config.hpp"
#include "pmacct/ipc/ring.hpp"

namespace pmacct::maps {
class FlowLookups;
}

namespace pmacct::plugin {

// What a plugin process is given.
struct Environment {
    const config::Config* config = nullptr;
    const config::PluginInstance* instance = nullptr;
    const aggregate::KeyLayout* layout = nullptr;
    ipc::Ring* ring = nullptr;
    pid_t core_pid = 0;
};

// Records on the ring: the counters, then the key bytes; record_size() bytes each. `lookups`,
// when the plugin has any (networks_file, ports_file, ...), rewrite the key's fields.
std::size_t ring_record_size(const aggregate::KeyLayout& layout);
void write_ring_record(std::uint8_t* dst, const aggregate::KeyLayout& layout, const FlowRecord& r,
                       int side, const maps::FlowLookups* lookups = nullptr);
// A ring record's counters block: 48 bytes instead of a 64-byte Counters, since every record
// crosses the ring twice (the core's copy in, the plugin's read out).
//   0 bytes  8 packets  16 flows  24 time_start.sec  32 time_end.sec
//   40 time_start.usec (20 bits) | time_end.usec (20 bits) << 20 | tcp_flags << 40 | flow_type << 48
//      | tunnel_tcp_flags << 56
// The readers are inline: a plugin's batch loop reads every record through them.
namespace ring_layout {
inline constexpr std::size_t kCountersBytes = 48;
inline constexpr std::size_t kBytesAt = 0;
inline constexpr std::size_t kPacketsAt = 8;
inline constexpr std::size_t kFlowsAt = 16;
inline constexpr std::size_t kStartSecAt = 24;
inline constexpr std::size_t kEndSecAt = 32;
inline constexpr std::size_t kPackedAt = 40;
inline constexpr std::uint64_t kUsecMask = (std::uint64_t{1} << 20) - 1;  // microseconds are < 10^6
}  // namespace ring_layout

// Writes a ring record's counters block (the producers: write_ring_record() and the direct path).
inline void write_ring_counters(std::uint8_t* dst, std::uint64_t bytes, std::uint64_t packets, std::uint64_t flows,
                                const Timestamp& start, const Timestamp& end, std::uint8_t tcp_flags, FlowType type,
                                std::uint8_t tunnel_tcp_flags = 0) {
    using namespace ring_layout;
    const std::uint64_t packed = (std::uint64_t{start.usec} & kUsecMask) | ((std::uint64_t{end.usec} & kUsecMask) << 20) |
                                 (std::uint64_t{tcp_flags} << 40) |
                                 (std::uint64_t{static_cast<std::uint8_t>(type)} << 48) |
                                 (std::uint64_t{tunnel_tcp_flags} << 56);
    std::memcpy(dst + kBytesAt, &bytes, 8);
    std::memcpy(dst + kPacketsAt, &packets, 8);
    std::memcpy(dst + kFlowsAt, &flows, 8);
    std::memcpy(dst + kStartSecAt, &start.sec, 8);
    std::memcpy(dst + kEndSecAt, &end.sec, 8);
    std::memcpy(dst + kPackedAt, &packed, 8);
}

// Counters of a ring record (copied out: records are not aligned for the struct).
inline aggregate::Counters ring_record_counters(const std::uint8_t* record) {
    using namespace ring_layout;
    aggregate::Counters c;
    c.bytes = load_u64(record + kBytesAt);
    c.packets = load_u64(record + kPacketsAt);
    c.flows = load_u64(record + kFlowsAt);
    c.time_start.sec = static_cast<std::int64_t>(load_u64(record + kStartSecAt));
    c.time_end.sec = static_cast<std::int64_t>(load_u64(record + kEndSecAt));
    const std::uint64_t packed = load_u64(record + kPackedAt);
    c.time_start.usec = static_cast<std::uint32_t>(packed & kUsecMask);
    c.time_end.usec = static_cast<std::uint32_t>((packed >> 20) & kUsecMask);
    c.tcp_flags = static_cast<std::uint8_t>(packed >> 40);
    c.flow_type = static_cast<FlowType>(static_cast<std::uint8_t>(packed >> 48));
    c.tunnel_tcp_flags = static_cast<std::uint8_t>(packed >> 56);
    return c;
}
inline const std::uint8_t* ring_record_key(const std::uint8_t* record) { return record + ring_layout::kCountersBytes; }
inline std::uint8_t* ring_record_key(std::uint8_t* record) { return record + ring_layout::kCountersBytes; }
// time_start's seconds alone (what decides the time-bin).
inline std::int64_t ring_record_start_sec(const std::uint8_t* record) {
    return static_cast<std::int64_t>(load_u64(record + ring_layout::kStartSecAt));
}

// Folds a batch of ring records into a cache with the memory each record needs fetched ahead,
// in groups of records run as a pipeline: the index words of group g+2 are fetched, then the
// aggregates of group g+1 (their index words have landed by then), then group g is folded. A
// fetch so gets a whole group's work to land in. `cache()` is the cache to use now (it may
// change between records: a purge swaps it; a hash and a hint are good for either),
// `basetime(start_sec)` the time-bin of a record starting then, `add(key, basetime, counters,
// hash, hint)` does the folding (`hint`: Cache::candidate()'s, for Cache::add()).
//
// Groups of 64: the aggregates of a group are read together (see Cache::fetch_entries()), and
// the more reads in flight, the less each waits. Side by side at 20k datagrams/s (v9,
// nfacctd_ab_bench.sh, four runs each), the plugin took 3-4 ns a record less with groups of 32
// than of 16, and 4-6 ns less again with 64; 128 gained nothing more.
template <typename CacheFn, typename BasetimeFn, typename AddFn>
void add_batch_prefetched(const std::uint8_t* data, std::uint32_t records, std::size_t record_size,
                          CacheFn&& cache, BasetimeFn&& basetime, AddFn&& add) {
    constexpr std::uint32_t kGroup = 64;
    constexpr std::uint32_t kStages = 3;  // groups in flight: indexed, fetched, folded
    std::uint64_t hashes[kStages][kGroup];
    std::int64_t bases[kStages][kGroup];
    std::uint32_t hints[kStages][kGroup];
    const std::uint32_t groups = (records + kGroup - 1) / kGroup;
    const auto size_of = [&](std::uint32_t g) { return g + 1 == groups ? records - g * kGroup : kGroup; };
    const auto record_at = [&](std::uint32_t g, std::uint32_t i) {
        return data + (std::size_t{g} * kGroup + i) * record_size;
    };
    const auto index = [&](std::uint32_t g) {
        if (g >= groups) return;
        std::uint64_t* h = hashes[g % kStages];
        std::int64_t* b = bases[g % kStages];
        for (std::uint32_t i = 0, n = size_of(g); i < n; ++i) {
            const std::uint8_t* rec = record_at(g, i);
            b[i] = basetime(ring_record_start_sec(rec));
            h[i] = cache().hash(ring_record_key(rec), b[i]);
            cache().prefetch_index(h[i]);
        }
    };
    const auto fetch = [&](std::uint32_t g) {
        if (g >= groups) return;
        const std::uint64_t* h = hashes[g % kStages];
        std::uint32_t* hint = hints[g % kStages];
        const std::uint32_t n = size_of(g);
        for (std::uint32_t i = 0; i < n; ++i) hint[i] = cache().candidate(h[i]);
        cache().fetch_entries(hint, n);
    };
    index(0);
    index(1);
    fetch(0);
    for (std::uint32_t g = 0; g < groups; ++g) {
        index(g + 2);
        fetch(g + 1);
        const std::uint64_t* h = hashes[g % kStages];
        const std::int64_t* b = bases[g % kStages];
        const std::uint32_t* hint = hints[g % kStages];
        for (std::uint32_t i = 0, n = size_of(g); i < n; ++i) {
            const std::uint8_t* rec = record_at(g, i);
            add(ring_record_key(rec), b[i], ring_record_counters(rec), h[i], hint[i]);
        }
    }
}

// Why a plugin is finishing.
enum class FinishReason : std::uint8_t {
    kCoreClosed,  // clean stop: the core closed the ring after flushing it
    kStopSignal,  // SIGINT/SIGTERM to the plugin
    kCoreGone,    // the core process died
};

class Plugin {
public:
    virtual ~Plugin() = default;
    // Initialises, then loops until the ring is finished, a stop signal, or the core's death;
    // drains what the ring holds and finishes. Returns the process exit code.
    int run(Environment& env);

protected:
    virtual Result<void> do_init(Environment& env) = 0;
    // One record. Hot path: no allocation, no syscalls.
    virtual void do_record(const std::uint8_t* key, const aggregate::Counters& counters) = 0;
    // A batch of ring records, `record_size` bytes apart; by default do_record() for each.
    virtual void do_batch(const std::uint8_t* data, std::uint32_t records, std::size_t record_size);
    // Called after every drain and on timeouts, with the wall clock.
    virtual void do_tick(std::int64_t /*now*/) {}
    // Longest the loop may sleep before do_tick() is due.
    virtual int do_timeout_ms(std::int64_t /*now*/) const { return 1000; }
    // An extra descriptor to poll (the memory plugin's socket), and what to do when readable.
    virtual int do_extra_fd() const { return -1; }
    virtual void do_extra_fd_ready() {}
    // SIGUSR2: reload maps.
    virtual void do_reload() {}
    // Everything has been received: write out what is held. Returns the exit code.
    virtual int do_finish(FinishReason reason) = 0;
};

using Factory = std::unique_ptr<Plugin> (*)();

}  // namespace pmacct::plugin
