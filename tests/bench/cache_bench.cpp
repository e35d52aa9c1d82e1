// cache_bench: a caching plugin's aggregation alone, from ring records already in memory.
//
//   cache_bench [flows] [records] [batch]
//
// Builds `records` ring-shaped records (48 bytes of counters, then the key of src_host, dst_host,
// src_port, dst_port, proto as the core extracts it) spread over `flows` distinct flows of the
// NetFlow generator at random, then folds them `batch` records at a time (about what a plugin
// gets per ring batch) into a cache keeping every counter and into one keeping only the volume
// (what print keeps unless `flows` or stitching is asked for), with the CPU's caches warm and
// cold. Prints ns per record and how many aggregates each cache ended with. Figures, not pass/fail.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "pmacct/aggregate/cache.hpp"
#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/plugin/plugin.hpp"
#include "v5_generator.hpp"

namespace {

using pmacct::aggregate::Cache;
using pmacct::aggregate::Counters;
using pmacct::aggregate::Fields;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kCountersBytes = pmacct::plugin::ring_layout::kCountersBytes;
std::size_t kKeyBytes = 0;
std::size_t kRecordBytes = 0;

// `cold`: every 12,000 records (what the plugin gets per wake-up at 10k datagrams/s) 64 MB of
// other memory is touched first, as the other processes (and on a VM, other guests) would: the
// table is then out of L2 and L3, as the live plugin finds it. That time is not counted.
double run(Fields fields, const std::vector<std::uint8_t>& records, std::uint32_t count, std::uint32_t batch,
           bool cold, std::size_t& aggregates) {
    Cache cache(kKeyBytes, 200000, fields);
    static std::vector<std::uint8_t> other(std::size_t{64} << 20, 1);
    double cold_ns = 0;
    const Clock::time_point t0 = Clock::now();
    for (std::uint32_t at = 0; at < count; at += batch) {
        if (cold && at % 12000 < batch) {
            const Clock::time_point c0 = Clock::now();
            for (std::size_t j = 0; j < other.size(); j += 64) other[j]++;
            cold_ns += std::chrono::duration<double, std::nano>(Clock::now() - c0).count();
        }
        const std::uint32_t n = count - at < batch ? count - at : batch;
        pmacct::plugin::add_batch_prefetched(
            records.data() + std::size_t{at} * kRecordBytes, n, kRecordBytes,
            [&]() -> const Cache& { return cache; }, [](std::int64_t) { return std::int64_t{0}; },
            [&](const std::uint8_t* key, std::int64_t basetime, const Counters& c, std::uint64_t hash,
                std::uint32_t hint) {
                (void)cache.add(key, basetime, c, hash, hint);
            });
    }
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() - cold_ns;
    aggregates = cache.size();
    return ns / count;
}

}  // namespace

int main(int argc, char** argv) {
    const auto flows = static_cast<std::uint32_t>(argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000);
    const auto count = static_cast<std::uint32_t>(argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1200000);
    const auto batch = static_cast<std::uint32_t>(argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 116);
    if (flows == 0 || count == 0 || batch == 0) {
        std::fprintf(stderr, "usage: cache_bench [flows] [records] [batch]\n");
        return 2;
    }
    const std::vector<std::string> aggregate{"src_host", "dst_host", "src_port", "dst_port", "proto"};
    auto layout = pmacct::aggregate::KeyLayout::build(aggregate);
    if (!layout) {
        std::fprintf(stderr, "%s\n", layout.error().c_str());
        return 1;
    }
    kKeyBytes = layout->key_size();
    kRecordBytes = (kCountersBytes + kKeyBytes + 7) / 8 * 8;  // as ring_record_size()
    std::vector<std::uint8_t> records(std::size_t{count} * kRecordBytes, 0);
    std::mt19937 rng(1);
    const pmacct::testing::V5Generator gen(flows, 30, 1795340000);
    pmacct::FlowRecord r;
    for (std::uint32_t i = 0; i < count; ++i) {
        std::uint8_t* rec = records.data() + std::size_t{i} * kRecordBytes;
        const std::uint64_t bytes = 64 + rng() % 1400;
        const std::uint64_t packets = 1;
        std::memcpy(rec, &bytes, 8);
        std::memcpy(rec + 8, &packets, 8);
        const auto f = gen.flow(static_cast<std::uint32_t>(rng() % flows));
        r.src_ip = pmacct::IpAddress::v4(f.src);
        r.dst_ip = pmacct::IpAddress::v4(f.dst);
        r.src_port = f.src_port;
        r.dst_port = f.dst_port;
        r.proto = f.proto;
        layout->extract(r, rec + kCountersBytes);
    }
    {
        // The hash alone, for scale.
        Cache cache(kKeyBytes, 16);
        std::uint64_t sum = 0;
        const Clock::time_point t0 = Clock::now();
        for (std::uint32_t i = 0; i < count; ++i) {
            sum += cache.hash(records.data() + std::size_t{i} * kRecordBytes + kCountersBytes, 0);
        }
        const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / count;
        std::printf("hash   %.1f ns/record (%llx)\n", ns, static_cast<unsigned long long>(sum & 0xf));
    }
    for (const Fields f : {Fields::kAll, Fields::kVolume}) {
        std::size_t aggregates = 0;
        for (const bool cold : {false, true}) {
            const double ns = run(f, records, count, batch, cold, aggregates);
            std::printf("%-6s %-4s flows=%u records=%u batch=%u entry=%zu bytes  %.1f ns/record  aggregates=%zu\n",
                        f == Fields::kAll ? "all" : "volume", cold ? "cold" : "warm", flows, count, batch,
                        Cache::bytes_per_entry(kKeyBytes, f), ns, aggregates);
        }
    }
    return 0;
}
