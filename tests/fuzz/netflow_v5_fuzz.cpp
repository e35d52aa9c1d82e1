// libFuzzer target: the NetFlow v5 decoder and the exporter statistics it feeds.
// Any input must decode without reading outside the buffer, and a datagram is either refused
// whole or gives exactly `count` records.
//
// Build with the project (cmake -DPMACCT_FUZZ=ON with clang) or by hand:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude
//       tests/fuzz/netflow_v5_fuzz.cpp src/flow/netflow_v5.cpp src/flow/exporter_stats.cpp
//       src/record/flow_record.cpp -lfmt -o netflow_v5_fuzz
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "pmacct/flow/exporter_stats.hpp"
#include "pmacct/flow/netflow_v5.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pmacct;
    const std::span<const std::uint8_t> datagram(data, size);
    const IpAddress exporter = IpAddress::v4(0xC0000201);
    const Timestamp arrival{1700000000, 0};

    static flow::ExporterStats stats(64);
    flow::NetflowV5Options all;
    all.renormalize = true;
    all.time_secs = true;
    all.use_ip_next_hop = true;
    for (const flow::NetflowV5Options& options : {flow::NetflowV5Options{}, all}) {
        flow::NetflowV5Decoder decoder(options);
        std::uint64_t records = 0;
        std::uint64_t sum = 0;
        const flow::V5DecodeResult result =
            decoder.decode(datagram, exporter, arrival, [&](const FlowRecord& r) {
                ++records;
                sum +=
                    r.bytes + r.packets + r.src_port + static_cast<std::uint64_t>(r.time_start.sec);
            });
        if (result.ok()) {
            if (records != result.header.count || records > flow::kNetflowV5MaxRecords)
                std::abort();
            const flow::ExporterKey key{exporter, result.header.source_id()};
            (void)stats.update(key, result.header.flow_sequence, result.header.count, size,
                               arrival);
        } else {
            if (records != 0) std::abort();
            stats.count_discarded();
        }
        (void)sum;
    }
    return 0;
}
