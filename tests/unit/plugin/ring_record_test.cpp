#include <cstdint>
#include <limits>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pmacct/aggregate/cache.hpp"
#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/plugin/plugin.hpp"

namespace pmacct::plugin {
namespace {

aggregate::KeyLayout layout_of(std::vector<std::string> agg) {
    auto layout = aggregate::KeyLayout::build(agg);
    EXPECT_TRUE(layout.has_value());
    return std::move(*layout);
}

// A record written by the core reads back in the plugin with every counter intact, at the
// extremes of each field's range (the counters block is packed for the ring).
TEST(RingRecord, CountersSurviveTheCompactEncoding) {
    const auto layout = layout_of({"src_host", "dst_port"});
    FlowRecord r;
    IpAddress::parse("2001:db8::1", r.src_ip);
    r.dst_port = 443;
    r.bytes = std::numeric_limits<std::uint64_t>::max();
    r.packets = (std::uint64_t{1} << 40) + 3;
    r.flows = (std::uint64_t{1} << 33) + 1;
    r.time_start = {-5, 999999};
    r.time_end = {std::numeric_limits<std::int64_t>::max(), 1};
    r.tcp_flags = 0xFF;
    r.type = FlowType::kOption;

    std::vector<std::uint8_t> rec(ring_record_size(layout), 0xAA);
    write_ring_record(rec.data(), layout, r, 0);
    const aggregate::Counters c = ring_record_counters(rec.data());
    EXPECT_EQ(c.bytes, r.bytes);
    EXPECT_EQ(c.packets, r.packets);
    EXPECT_EQ(c.flows, r.flows);
    EXPECT_EQ(c.time_start, r.time_start);
    EXPECT_EQ(c.time_end, r.time_end);
    EXPECT_EQ(c.tcp_flags, 0xFF);
    EXPECT_EQ(c.flow_type, FlowType::kOption);
    const std::uint8_t* key = ring_record_key(rec.data());
    EXPECT_EQ(aggregate::read_ip(*layout.field("src_host"), key).to_string(), "2001:db8::1");
    EXPECT_GE(key, rec.data() + 40);
    EXPECT_LE(key + layout.key_size(), rec.data() + rec.size());
}

// The time-bin time, when set, travels as the start time (it decides the bin in the plugin).
TEST(RingRecord, TimeBinTravelsAsTheStart) {
    const auto layout = layout_of({"proto"});
    FlowRecord r;
    r.time_start = {1000, 5};
    r.time_bin = {2000, 7};
    r.time_end = {3000, 0};
    std::vector<std::uint8_t> rec(ring_record_size(layout));
    write_ring_record(rec.data(), layout, r, 0);
    const aggregate::Counters c = ring_record_counters(rec.data());
    EXPECT_EQ(c.time_start, (Timestamp{2000, 7}));
    EXPECT_EQ(c.time_end, (Timestamp{3000, 0}));
    EXPECT_EQ(c.flow_type, FlowType::kIpv4);
}

// The end travels as the one that goes with the bin time, else the flow's end, else the
// arrival time (stitching's timestamp_max comes from it).
TEST(RingRecord, EndIsTheBinEndThenTheFlowEndThenTheArrival) {
    const auto layout = layout_of({"proto"});
    std::vector<std::uint8_t> rec(ring_record_size(layout));
    FlowRecord r;
    r.time_start = {1000, 0};
    r.time_arrival = {5000, 9};
    write_ring_record(rec.data(), layout, r, 0);
    EXPECT_EQ(ring_record_counters(rec.data()).time_end, (Timestamp{5000, 9}));
    r.time_end = {3000, 4};
    write_ring_record(rec.data(), layout, r, 0);
    EXPECT_EQ(ring_record_counters(rec.data()).time_end, (Timestamp{3000, 4}));
    r.time_bin_end = {3001, 0};
    write_ring_record(rec.data(), layout, r, 0);
    EXPECT_EQ(ring_record_counters(rec.data()).time_end, (Timestamp{3001, 0}));
}

// Records are smaller than a Counters struct plus the key: the ring carries less.
TEST(RingRecord, SizeIsCompact) {
    const auto layout = layout_of({"src_host", "dst_host", "src_port", "dst_port", "proto"});
    EXPECT_EQ(ring_record_size(layout), 88U);  // 48 bytes of counters + 39 of key, 8-aligned
}

// A batch folded with its memory fetched ahead (groups in a pipeline) gives the sums a plain
// record-by-record fold gives, whatever the batch size against the group size, and when the
// cache changes in the middle of a batch (a purge swaps it).
TEST(RingRecord, PrefetchedBatchFoldsAsOneByOne) {
    const auto layout = layout_of({"src_port", "dst_port"});
    const std::size_t size = ring_record_size(layout);
    for (const std::uint32_t records : {1U, 15U, 16U, 17U, 31U, 32U, 33U, 47U, 48U, 49U, 116U, 1000U}) {
        std::vector<std::uint8_t> batch(records * size);
        std::map<std::pair<std::uint16_t, std::uint16_t>, std::uint64_t> expected;
        for (std::uint32_t i = 0; i < records; ++i) {
            FlowRecord r;
            r.src_port = static_cast<std::uint16_t>(i * 7919 % 37);  // repeats across groups
            r.dst_port = static_cast<std::uint16_t>(i % 3);
            r.bytes = 100 + i;
            r.packets = 1;
            r.time_start = {1000 + i % 5, 0};
            write_ring_record(batch.data() + i * size, layout, r, 0);
            expected[{r.src_port, r.dst_port}] += r.bytes;
        }
        aggregate::Cache first(layout.key_size(), 4096);
        aggregate::Cache second(layout.key_size(), 4096);
        std::uint32_t added = 0;
        const std::uint32_t swap_at = records / 2;
        add_batch_prefetched(
            batch.data(), records, size,
            [&]() -> const aggregate::Cache& { return added < swap_at ? first : second; },
            [](std::int64_t start_sec) { return start_sec - start_sec % 60; },
            [&](const std::uint8_t* key, std::int64_t basetime, const aggregate::Counters& c, std::uint64_t hash,
                std::uint32_t hint) {
                ASSERT_EQ(hash, first.hash(key, basetime));
                ASSERT_EQ(basetime, 960);
                ASSERT_TRUE((added < swap_at ? first : second).add(key, basetime, c, hash, hint));
                ++added;
            });
        EXPECT_EQ(added, records);
        std::map<std::pair<std::uint16_t, std::uint16_t>, std::uint64_t> got;
        for (const aggregate::Cache* c : {&first, &second}) {
            c->for_each([&](const std::uint8_t* key, const aggregate::Aggregate& a) {
                const auto src = static_cast<std::uint16_t>(aggregate::read_uint(*layout.field("src_port"), key));
                const auto dst = static_cast<std::uint16_t>(aggregate::read_uint(*layout.field("dst_port"), key));
                got[{src, dst}] += a.counters.bytes;
            });
        }
        EXPECT_EQ(got, expected) << records << " records";
    }
}

}  // namespace
}  // namespace pmacct::plugin
