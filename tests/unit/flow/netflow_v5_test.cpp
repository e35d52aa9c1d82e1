// NetFlow v5 decoding, checked against what Debian's nfacctd 1.7.7 prints for the same bytes
// (print plugin, CSV, timestamps_utc) and against tshark's dissection.
#include "pmacct/flow/netflow_v5.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "akvorado_nfv5.hpp"
#include "hex.hpp"

namespace pmacct::flow {
namespace {

using testing::from_hex;

IpAddress ip(const char* text) {
    IpAddress a;
    EXPECT_TRUE(IpAddress::parse(text, a)) << text;
    return a;
}

const Timestamp kArrival{1700000000, 250000};

// Header: sysUptime 10000 ms, unix_secs 1000000000 (2001-09-09 01:46:40), nsecs 500000000,
// sequence 100, engine_type 5, engine_id 7, sampling mode 1 / rate 100.
constexpr const char* kHandBuiltHex =
    "0005 0002 00002710 3b9aca00 1dcd6500 00000064 05 07 4064"
    // src 10.0.0.1, dst 10.0.0.2, nexthop 10.0.0.254, in 1, out 2, 10 packets, 1000 bytes,
    // First 8500, Last 9999, ports 1111 -> 80, pad, flags 0x1b, tcp, tos 0x10,
    // AS 65001 -> 65002, masks 24 / 16, pad
    "|0a000001 0a000002 0a0000fe 0001 0002 0000000a 000003e8 00002134 0000270f 0457 0050"
    " 00 1b 06 10 fde9 fdea 18 10 0000"
    // src 10.0.0.3, dst 10.0.0.4, nexthop 10.0.0.254, in 3, out 4, 11 packets, 1100 bytes,
    // First 12000 and Last 12500, both later than sysUptime; ports 2222 -> 443, flags 0x02
    "|0a000003 0a000004 0a0000fe 0003 0004 0000000b 0000044c 00002ee0 000030d4 08ae 01bb"
    " 00 02 06 00 fde9 fdea 18 10 0000";

struct Collected {
    std::vector<FlowRecord> records;
    V5DecodeResult result;
};

Collected decode(const std::vector<std::uint8_t>& bytes, const NetflowV5Options& options = {},
                 const IpAddress& exporter = ip("192.0.2.10")) {
    NetflowV5Decoder decoder(options);
    Collected c;
    c.result = decoder.decode(bytes, exporter, kArrival,
                              [&](const FlowRecord& r) { c.records.push_back(r); });
    return c;
}

TEST(NetflowV5, HandBuiltDatagramMapsEveryField) {
    const Collected c = decode(from_hex(kHandBuiltHex));
    ASSERT_EQ(c.result.outcome, V5Outcome::kOk);
    ASSERT_EQ(c.result.records, 2);
    ASSERT_EQ(c.records.size(), 2u);
    EXPECT_EQ(c.result.header.flow_sequence, 100u);
    EXPECT_EQ(c.result.header.count, 2);
    EXPECT_EQ(c.result.header.sampling_mode(), 1);
    EXPECT_EQ(c.result.header.sampling_rate(), 100);

    const FlowRecord& r = c.records[0];
    EXPECT_EQ(r.type, FlowType::kIpv4);
    EXPECT_EQ(r.src_ip, ip("10.0.0.1"));
    EXPECT_EQ(r.dst_ip, ip("10.0.0.2"));
    EXPECT_EQ(r.ip_next_hop, ip("10.0.0.254"));
    EXPECT_TRUE(r.bgp_next_hop.empty());  // nfacctd 1.7.7: no peer_dst_ip from v5
    EXPECT_EQ(r.in_iface, 1u);
    EXPECT_EQ(r.out_iface, 2u);
    EXPECT_EQ(r.packets, 10u);
    EXPECT_EQ(r.bytes, 1000u);
    EXPECT_EQ(r.flows, 1u);
    EXPECT_EQ(r.src_port, 1111);
    EXPECT_EQ(r.dst_port, 80);
    EXPECT_EQ(r.tcp_flags, 0x1b);
    EXPECT_EQ(r.proto, 6);
    EXPECT_EQ(r.tos, 0x10);
    EXPECT_EQ(r.src_as, 65001u);
    EXPECT_EQ(r.dst_as, 65002u);
    EXPECT_EQ(r.src_mask, 24);
    EXPECT_EQ(r.dst_mask, 16);
    EXPECT_EQ(r.peer_src_ip, ip("192.0.2.10"));
    EXPECT_EQ(r.export_proto_version, 5);
    EXPECT_EQ(r.export_proto_seqno, 100u);
    EXPECT_EQ(r.export_proto_sysid, 7u);  // engine_id; engine_type is not part of it
    EXPECT_EQ(r.sampling_rate, 100u);     // low 14 bits, whatever the mode
    // nfacctd: timestamp_start 2001-09-09 01:46:39, timestamp_end 01:46:40, export 01:46:40;
    // unix_nsecs plays no part, microseconds are 0.
    EXPECT_EQ(r.time_start, (Timestamp{999999999, 0}));
    EXPECT_EQ(r.time_end, (Timestamp{1000000000, 0}));
    EXPECT_EQ(r.time_export, (Timestamp{1000000000, 0}));
    EXPECT_EQ(r.time_arrival, kArrival);

    const FlowRecord& r2 = c.records[1];
    EXPECT_EQ(r2.src_ip, ip("10.0.0.3"));
    EXPECT_EQ(r2.in_iface, 3u);
    EXPECT_EQ(r2.out_iface, 4u);
    EXPECT_EQ(r2.dst_port, 443);
    EXPECT_EQ(r2.tcp_flags, 0x02);
    // First later than sysUptime: nfacctd's 32-bit arithmetic wraps, it prints
    // 2001-07-21 08:43:55 / 08:43:56.
    EXPECT_EQ(r2.time_start, (Timestamp{995705035, 0}));
    EXPECT_EQ(r2.time_end, (Timestamp{995705036, 0}));
}

TEST(NetflowV5, RecordBufferIsOverwrittenBetweenRecords) {
    NetflowV5Options options;
    options.use_ip_next_hop = true;
    const Collected c = decode(from_hex(kHandBuiltHex), options);
    ASSERT_EQ(c.records.size(), 2u);
    EXPECT_EQ(c.records[0].bgp_next_hop, ip("10.0.0.254"));
    EXPECT_EQ(c.records[1].bgp_next_hop, ip("10.0.0.254"));
    EXPECT_EQ(c.records[1].src_port, 2222);
    EXPECT_EQ(c.records[1].packets, 11u);
    EXPECT_EQ(c.records[1].bytes, 1100u);
}

TEST(NetflowV5, RenormalizeMultipliesBySamplingRateAndReportsRateOne) {
    NetflowV5Options options;
    options.renormalize = true;
    const Collected c = decode(from_hex(kHandBuiltHex), options);
    ASSERT_EQ(c.records.size(), 2u);
    // nfacctd -R: 1000 packets, 100000 bytes, SAMPLING_RATE 1.
    EXPECT_EQ(c.records[0].packets, 1000u);
    EXPECT_EQ(c.records[0].bytes, 100000u);
    EXPECT_EQ(c.records[0].sampling_rate, 1u);
    EXPECT_EQ(c.records[0].flows, 1u);
    EXPECT_EQ(c.records[1].packets, 1100u);
    EXPECT_EQ(c.records[1].bytes, 110000u);
}

TEST(NetflowV5, SamplingIntervalVariants) {
    struct Case {
        std::uint16_t interval;
        std::uint32_t rate;            // sampling_rate without renormalisation
        std::uint64_t renorm_packets;  // 3 packets renormalised
        std::uint32_t renorm_rate;
    };
    // As Debian nfacctd prints them.
    const Case cases[] = {
        {0x0064, 100, 300, 1}, {0xC064, 100, 300, 1}, {0x0000, 0, 3, 0},
        {0x4000, 0, 3, 0},     {0x0001, 1, 3, 1},     {0x3FFF, 16383, 49149, 1},
    };
    for (const Case& k : cases) {
        std::vector<std::uint8_t> d = from_hex(
            "0005 0001 000003e8 3b9aca14 00000000 00000007 01 02 0000"
            "|0a000001 0a090909 00000000 0001 0002 00000003 00000064 000003e8 000003e8 0001 0002"
            " 00 00 11 00 0000 0000 00 00 0000");
        d[22] = static_cast<std::uint8_t>(k.interval >> 8);
        d[23] = static_cast<std::uint8_t>(k.interval);
        const Collected plain = decode(d);
        ASSERT_EQ(plain.records.size(), 1u);
        EXPECT_EQ(plain.records[0].sampling_rate, k.rate) << k.interval;
        EXPECT_EQ(plain.records[0].packets, 3u);
        NetflowV5Options options;
        options.renormalize = true;
        const Collected renorm = decode(d, options);
        ASSERT_EQ(renorm.records.size(), 1u);
        EXPECT_EQ(renorm.records[0].packets, k.renorm_packets) << k.interval;
        EXPECT_EQ(renorm.records[0].bytes, 100 * k.renorm_packets / 3) << k.interval;
        EXPECT_EQ(renorm.records[0].sampling_rate, k.renorm_rate) << k.interval;
    }
}

TEST(NetflowV5, TimeSecsTreatsUptimeAndFirstLastAsSeconds) {
    NetflowV5Options options;
    options.time_secs = true;
    const Collected c = decode(from_hex(kHandBuiltHex), options);
    ASSERT_EQ(c.records.size(), 2u);
    EXPECT_EQ(c.records[0].time_start, (Timestamp{1000000000 - 1500, 0}));
    EXPECT_EQ(c.records[0].time_end, (Timestamp{1000000000 - 1, 0}));
    EXPECT_EQ(c.records[1].time_start, (Timestamp{1000000000 + 2000, 0}));
    EXPECT_EQ(c.records[1].time_end, (Timestamp{1000000000 + 2500, 0}));
    EXPECT_EQ(c.records[0].time_export, (Timestamp{1000000000, 0}));
}

// nfacctd_time_new puts flows in the time-bin of their arrival; timestamp_start/end still show
// the flow's own times, as 1.7.7 prints them.
TEST(NetflowV5, TimeNewBinsByArrivalTime) {
    NetflowV5Options options;
    options.time_new = true;
    options.time_secs = true;
    const Collected c = decode(from_hex(kHandBuiltHex), options);
    ASSERT_EQ(c.records.size(), 2u);
    EXPECT_EQ(c.records[0].time_start, (Timestamp{1000000000 - 1500, 0}));
    EXPECT_EQ(c.records[1].time_end, (Timestamp{1000000000 + 2500, 0}));
    for (const FlowRecord& r : c.records) {
        EXPECT_EQ(r.time_bin, kArrival);
        EXPECT_EQ(r.time_arrival, kArrival);
        EXPECT_EQ(r.time_export, (Timestamp{1000000000, 0}));
    }
}

// unix_secs 1000000020, sysUptime 100000000 ms; First = sysUptime + delta (mod 2^32).
// Expected values are what nfacctd 1.7.7 printed: timestamp_start (primitive), timestamp_min
// with nfacctd_stitching (bin), and timestamp_min with nfacctd_time_secs (secs).
TEST(NetflowV5, TimeArithmeticMatchesNfacctd) {
    struct Case {
        std::int64_t delta;
        std::int64_t primitive;
        std::int64_t bin;
        std::int64_t secs;
    };
    const Case cases[] = {
        {1, 995705053, 1000000020, 1000000021},
        {999, 995705054, 1000000020, 1000000020 + 999},
        {1000, 995705054, 1000000021, 1000000020 + 1000},
        {2000, 995705055, 1000000022, 1000000020 + 2000},
        {-1, 1000000020, 1000000019, 1000000019},
        {-999, 1000000020, 1000000019, 1000000020 - 999},
        {-1000, 1000000019, 1000000019, 1000000020 - 1000},
        {-1001, 1000000019, 1000000018, 1000000020 - 1001},
        {-5000, 1000000015, 1000000015, 1000000020 - 5000},
        {-100000000, 999900020, 999900020, 900000020},
        {-99999999, 999900021, 999900020, 900000021},
        {4194967295, 999900020, 1004194987, 900000019},
        {2147483647, 997852537, 1002147503, 3147483667},
    };
    const std::uint32_t unix_secs = 1000000020;
    const std::uint32_t uptime = 100000000;
    for (const Case& k : cases) {
        const auto first = static_cast<std::uint32_t>(std::int64_t{uptime} + k.delta);
        EXPECT_EQ(v5_primitive_time(unix_secs, uptime, first), (Timestamp{k.primitive, 0}))
            << k.delta;
        EXPECT_EQ(v5_bin_time(unix_secs, uptime, first), (Timestamp{k.bin, 0})) << k.delta;
        EXPECT_EQ(v5_secs_time(unix_secs, uptime, first), (Timestamp{k.secs, 0})) << k.delta;
    }
}

TEST(NetflowV5, AkvoradoFixtureMatchesNfacctdAndTshark) {
    const Collected c = decode(from_hex(testing::kAkvoradoNfv5Hex), {}, ip("10.19.144.41"));
    ASSERT_EQ(c.result.outcome, V5Outcome::kOk);
    ASSERT_EQ(c.records.size(), 29u);
    EXPECT_EQ(c.result.header.sys_uptime, 2874339000u);
    EXPECT_EQ(c.result.header.unix_secs, 1680626679u);
    EXPECT_EQ(c.result.header.engine_type, 0);
    EXPECT_EQ(c.result.header.engine_id, 3);
    EXPECT_EQ(c.result.header.source_id(), 768u);

    struct Row {
        std::size_t index;
        const char* src;
        const char* dst;
        const char* next_hop;
        std::uint32_t in, out;
        std::uint8_t src_mask, dst_mask;
        std::uint16_t sport, dport;
        std::uint8_t flags, proto, tos;
        std::uint32_t src_as, dst_as;
        std::int64_t start, end;
        std::uint64_t packets, bytes;
    };
    // SRC_AS,DST_AS,IN_IFACE,OUT_IFACE,SRC_IP,DST_IP,SRC_MASK,DST_MASK,SRC_PORT,DST_PORT,
    // TCP_FLAGS,PROTOCOL,TOS,TIMESTAMP_START,TIMESTAMP_END,PACKETS,BYTES from nfacctd;
    // next hops from tshark.
    const Row rows[] = {
        {0, "161.202.212.212", "202.152.70.24", "61.6.255.150", 117, 86, 19, 24, 30104, 11963, 24,
         6, 0, 36351, 10101, 1680626664, 1680626664, 1, 133},
        {7, "207.148.102.102", "119.160.168.40", "202.160.6.113", 117, 124, 20, 23, 443, 42462, 24,
         6, 0, 20473, 10094, 1680626619, 1680626678, 22, 24333},
        {13, "92.223.95.33", "61.6.239.101", "202.160.6.113", 116, 124, 24, 22, 443, 53894, 24, 6,
         64, 2916, 10094, 1680626664, 1680626664, 1, 344},
        {19, "164.52.106.200", "202.152.70.182", "61.6.255.146", 116, 85, 24, 24, 5008, 13511, 0,
         17, 184, 63199, 10101, 1680626649, 1680626664, 2, 278},
        {28, "157.240.211.205", "202.93.210.203", "61.6.255.150", 118, 86, 24, 26, 443, 53369, 24,
         6, 0, 32934, 0, 1680626642, 1680626664, 6, 7462},
    };
    for (const Row& w : rows) {
        SCOPED_TRACE(w.index);
        const FlowRecord& r = c.records[w.index];
        EXPECT_EQ(r.src_ip, ip(w.src));
        EXPECT_EQ(r.dst_ip, ip(w.dst));
        EXPECT_EQ(r.ip_next_hop, ip(w.next_hop));
        EXPECT_EQ(r.in_iface, w.in);
        EXPECT_EQ(r.out_iface, w.out);
        EXPECT_EQ(r.src_mask, w.src_mask);
        EXPECT_EQ(r.dst_mask, w.dst_mask);
        EXPECT_EQ(r.src_port, w.sport);
        EXPECT_EQ(r.dst_port, w.dport);
        EXPECT_EQ(r.tcp_flags, w.flags);
        EXPECT_EQ(r.proto, w.proto);
        EXPECT_EQ(r.tos, w.tos);
        EXPECT_EQ(r.src_as, w.src_as);
        EXPECT_EQ(r.dst_as, w.dst_as);
        EXPECT_EQ(r.time_start, (Timestamp{w.start, 0}));
        EXPECT_EQ(r.time_end, (Timestamp{w.end, 0}));
        EXPECT_EQ(r.packets, w.packets);
        EXPECT_EQ(r.bytes, w.bytes);
        // Common to all rows in nfacctd's output.
        EXPECT_EQ(r.peer_src_ip, ip("10.19.144.41"));
        EXPECT_EQ(r.export_proto_seqno, 1961402419u);
        EXPECT_EQ(r.export_proto_version, 5);
        EXPECT_EQ(r.export_proto_sysid, 3u);
        EXPECT_EQ(r.sampling_rate, 0u);
        EXPECT_EQ(r.time_export, (Timestamp{1680626679, 0}));
        EXPECT_EQ(r.flows, 1u);
    }
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    for (const FlowRecord& r : c.records) {
        packets += r.packets;
        bytes += r.bytes;
    }
    // Sums of nfacctd's PACKETS and BYTES columns.
    EXPECT_EQ(packets, 78u);
    EXPECT_EQ(bytes, 88345u);
}

TEST(NetflowV5, MalformedDatagramsGiveNoRecords) {
    const std::vector<std::uint8_t> good = from_hex(kHandBuiltHex);
    auto with = [&](auto edit) {
        std::vector<std::uint8_t> d = good;
        edit(d);
        return d;
    };
    struct Case {
        const char* name;
        std::vector<std::uint8_t> bytes;
        V5Outcome outcome;
    };
    const Case cases[] = {
        {"empty", {}, V5Outcome::kShortHeader},
        {"23 bytes", std::vector<std::uint8_t>(good.begin(), good.begin() + 23),
         V5Outcome::kShortHeader},
        {"version 9", with([](auto& d) { d[1] = 9; }), V5Outcome::kWrongVersion},
        {"version 0x0105", with([](auto& d) { d[0] = 1; }), V5Outcome::kWrongVersion},
        {"record cut short", std::vector<std::uint8_t>(good.begin(), good.end() - 1),
         V5Outcome::kLengthMismatch},
        {"trailing byte", with([](auto& d) { d.push_back(0); }), V5Outcome::kLengthMismatch},
        {"count 3 for 2 records", with([](auto& d) { d[3] = 3; }), V5Outcome::kLengthMismatch},
        {"count 1 for 2 records", with([](auto& d) { d[3] = 1; }), V5Outcome::kLengthMismatch},
        {"count 31", with([](auto& d) { d[3] = 31; }), V5Outcome::kTooManyRecords},
        {"count 65535", with([](auto& d) {
             d[2] = 0xff;
             d[3] = 0xff;
         }),
         V5Outcome::kTooManyRecords},
    };
    for (const Case& k : cases) {
        const Collected c = decode(k.bytes);
        EXPECT_EQ(c.result.outcome, k.outcome) << k.name;
        EXPECT_TRUE(c.records.empty()) << k.name;
        EXPECT_EQ(c.result.records, 0) << k.name;
    }

    // count 31 with all 31 records present is still refused (pmacct's V5_MAXFLOWS is 30).
    std::vector<std::uint8_t> big =
        from_hex("0005 001f 00000000 00000000 00000000 00000000 0000 0000");
    big.resize(kNetflowV5HeaderSize + 31 * kNetflowV5RecordSize, 0);
    EXPECT_EQ(decode(big).result.outcome, V5Outcome::kTooManyRecords);
    big[3] = 30;
    big.resize(kNetflowV5HeaderSize + 30 * kNetflowV5RecordSize);
    EXPECT_EQ(decode(big).records.size(), 30u);
}

TEST(NetflowV5, EmptyDatagramIsValid) {
    const Collected c = decode(from_hex("0005 0000 00000001 00000002 00000003 00000004 0000 0000"));
    EXPECT_EQ(c.result.outcome, V5Outcome::kOk);
    EXPECT_TRUE(c.records.empty());
    EXPECT_EQ(c.result.header.flow_sequence, 4u);
}

TEST(NetflowV5, DecoderCountsOutcomes) {
    NetflowV5Decoder decoder;
    const std::vector<std::uint8_t> good = from_hex(kHandBuiltHex);
    std::size_t seen = 0;
    auto sink = [&](const FlowRecord&) { ++seen; };
    const IpAddress exporter = ip("192.0.2.10");
    EXPECT_TRUE(decoder.decode(good, exporter, kArrival, sink).ok());
    EXPECT_TRUE(decoder.decode(good, exporter, kArrival, sink).ok());
    EXPECT_FALSE(decoder.decode(std::span(good).first(10), exporter, kArrival, sink).ok());
    EXPECT_FALSE(decoder.decode(std::span(good).first(30), exporter, kArrival, sink).ok());
    std::vector<std::uint8_t> v9 = good;
    v9[1] = 9;
    EXPECT_FALSE(decoder.decode(v9, exporter, kArrival, sink).ok());
    EXPECT_EQ(seen, 4u);
    EXPECT_EQ(decoder.counters().datagrams, 2u);
    EXPECT_EQ(decoder.counters().records, 4u);
    EXPECT_EQ(decoder.counters().short_header, 1u);
    EXPECT_EQ(decoder.counters().length_mismatch, 1u);
    EXPECT_EQ(decoder.counters().wrong_version, 1u);
    EXPECT_EQ(decoder.counters().too_many_records, 0u);
}

TEST(NetflowV5, DescribeUsesNfacctdWords) {
    EXPECT_EQ(describe(V5Outcome::kShortHeader), "discarding short NetFlow v5 packet");
    EXPECT_EQ(describe(V5Outcome::kTooManyRecords), "discarding malformed NetFlow v5 packet");
    EXPECT_EQ(describe(V5Outcome::kLengthMismatch), "discarding malformed NetFlow v5 packet");
    EXPECT_EQ(describe(V5Outcome::kWrongVersion), "discarding unknown packet");
    EXPECT_EQ(discard_message(V5Outcome::kShortHeader, "127.0.0.1", 20991, ip("127.0.0.1"), 33871),
              "discarding short NetFlow v5 packet: nfacctd=127.0.0.1:20991 agent=127.0.0.1:33871");
}

TEST(NetflowV5, IPv6ExporterIsKeptAsGiven) {
    const Collected c = decode(from_hex(kHandBuiltHex), {}, ip("2001:db8::1"));
    ASSERT_EQ(c.records.size(), 2u);
    EXPECT_EQ(c.records[0].peer_src_ip, ip("2001:db8::1"));
    EXPECT_EQ(c.records[0].src_ip.family, 4);
}

}  // namespace
}  // namespace pmacct::flow
