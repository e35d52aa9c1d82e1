// The nfprobe plugin's flow cache (expiry, eviction, the index under churn) and its NetFlow v5 /
// v9 / IPFIX encoder, whose datagrams are read back with the collector's own decoders.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "nfprobe/flow_table.hpp"
#include "nfprobe/netflow_encoder.hpp"
#include "pmacct/flow/netflow_v5.hpp"
#include "pmacct/flow/netflow_v9.hpp"

namespace pmacct::plugins::nfprobe {
namespace {

using aggregate::Counters;
using aggregate::KeyLayout;

KeyLayout five_tuple(std::vector<std::string> extra = {}) {
    std::vector<std::string> names{"src_host", "dst_host", "src_port", "dst_port", "proto", "tos"};
    names.insert(names.end(), extra.begin(), extra.end());
    auto l = KeyLayout::build(names);
    EXPECT_TRUE(l.has_value());
    return std::move(*l);
}

IpAddress ip(const char* text) {
    IpAddress a;
    EXPECT_TRUE(IpAddress::parse(text, a)) << text;
    return a;
}

struct Packet {
    FlowRecord r;
    Counters c;
};

Packet packet(const char* src, const char* dst, std::uint16_t sport, std::uint16_t dport, std::uint8_t proto,
              std::int64_t sec, std::uint64_t bytes = 100, std::uint8_t flags = 0) {
    Packet p;
    p.r.src_ip = ip(src);
    p.r.dst_ip = ip(dst);
    p.r.src_port = sport;
    p.r.dst_port = dport;
    p.r.proto = proto;
    p.r.type = p.r.src_ip.family == 6 ? FlowType::kIpv6 : FlowType::kIpv4;
    p.c.bytes = bytes;
    p.c.packets = 1;
    p.c.time_start = p.c.time_end = Timestamp{sec, 250000};
    p.c.tcp_flags = flags;
    p.c.flow_type = p.r.type;
    return p;
}

struct Expired {
    std::string key;
    Flow flow;
    ExpiryReason why;
};

struct TableFixture {
    KeyLayout layout = five_tuple();
    FlowTable table;
    std::vector<Expired> out;
    explicit TableFixture(std::size_t max_flows, Timeouts t = {})
        : table(layout.key_size(), max_flows, t, layout.field("proto")) {}
    std::string key_of(const Packet& p) {
        std::string k(layout.key_size(), '\0');
        layout.extract(p.r, reinterpret_cast<std::uint8_t*>(k.data()));
        return k;
    }
    auto sink() {
        return [this](const std::uint8_t* k, const Flow& f, ExpiryReason why) {
            out.push_back({std::string(reinterpret_cast<const char*>(k), layout.key_size()), f, why});
        };
    }
    void add(const Packet& p) {
        const std::string k = key_of(p);
        table.add(reinterpret_cast<const std::uint8_t*>(k.data()), p.c, sink());
    }
};

TEST(NfprobeTimeouts, NamesNotGivenKeepTheirDefaults) {
    auto t = config::parse_probe_timeouts("tcp=120:maxlife=1h:expint=5m");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->tcp, 120);
    EXPECT_EQ(t->maxlife, 3600);
    EXPECT_EQ(t->expint, 300);
    EXPECT_EQ(t->udp, 300);
    EXPECT_EQ(t->general, 3600);
    EXPECT_FALSE(config::parse_probe_timeouts("tcp=soon").has_value());
    EXPECT_FALSE(config::parse_probe_timeouts("sctp=10").has_value());
    EXPECT_FALSE(config::parse_probe_timeouts("").has_value());
}

TEST(NfprobeFlowTable, PacketsOfAFlowAddUp) {
    TableFixture f(16);
    f.add(packet("10.0.0.1", "10.0.0.2", 1000, 80, 6, 100, 60, 0x02));
    f.add(packet("10.0.0.1", "10.0.0.2", 1000, 80, 6, 105, 1500, 0x10));
    f.add(packet("10.0.0.2", "10.0.0.1", 80, 1000, 6, 101, 40, 0x12));
    EXPECT_EQ(f.table.size(), 2U);
    f.table.expire_all(f.sink());
    ASSERT_EQ(f.out.size(), 2U);
    // Least recently updated first: the reverse direction had the last packet.
    EXPECT_EQ(f.out[0].flow.bytes, 1560U);
    EXPECT_EQ(f.out[0].flow.packets, 2U);
    EXPECT_EQ(f.out[0].flow.first.sec, 100);
    EXPECT_EQ(f.out[0].flow.last.sec, 105);
    EXPECT_EQ(f.out[0].flow.tcp_flags, 0x12);
    EXPECT_EQ(f.out[0].why, ExpiryReason::kShutdown);
    EXPECT_EQ(f.out[1].flow.bytes, 40U);
    EXPECT_EQ(f.out[1].flow.tcp_flags, 0x12);
    EXPECT_EQ(f.table.size(), 0U);
}

TEST(NfprobeFlowTable, IdleFlowsExpireByTheirProtocolsTimeout) {
    Timeouts t;
    t.tcp = 1000;
    t.tcp_rst = 10;
    t.tcp_fin = 20;
    t.udp = 30;
    t.icmp = 40;
    t.general = 50;
    TableFixture f(16, t);
    f.add(packet("10.0.0.1", "10.0.0.2", 1, 2, 6, 100));               // tcp: 1100
    f.add(packet("10.0.0.1", "10.0.0.3", 1, 2, 6, 100, 40, 0x04));     // rst: 110
    f.add(packet("10.0.0.1", "10.0.0.4", 1, 2, 6, 100, 40, 0x11));     // fin: 120
    f.add(packet("10.0.0.1", "10.0.0.5", 1, 2, 17, 100));              // udp: 130
    f.add(packet("10.0.0.1", "10.0.0.6", 0, 0, 1, 100));               // icmp: 140
    f.add(packet("10.0.0.1", "10.0.0.7", 0, 0, 47, 100));              // general: 150
    const auto expire_at = [&](std::int64_t now) {
        f.out.clear();
        f.table.expire(now, f.sink());
        return f.out.size();
    };
    EXPECT_EQ(expire_at(109), 0U);
    EXPECT_EQ(expire_at(110), 1U);
    EXPECT_EQ(f.out[0].why, ExpiryReason::kIdle);
    EXPECT_EQ(expire_at(125), 1U);
    EXPECT_EQ(expire_at(145), 2U);
    EXPECT_EQ(expire_at(1099), 1U);
    EXPECT_EQ(expire_at(1100), 1U);
    EXPECT_EQ(f.table.size(), 0U);
}

TEST(NfprobeFlowTable, LongLivedFlowsExpireAtMaxlife) {
    Timeouts t;
    t.maxlife = 60;
    TableFixture f(16, t);
    for (std::int64_t s = 0; s <= 70; s += 10) f.add(packet("10.0.0.1", "10.0.0.2", 1, 2, 6, 1000 + s));
    f.table.expire(1071, f.sink());
    ASSERT_EQ(f.out.size(), 1U);
    EXPECT_EQ(f.out[0].why, ExpiryReason::kMaxLife);
    EXPECT_EQ(f.out[0].flow.packets, 8U);
}

TEST(NfprobeFlowTable, AFullCacheEvictsTheFlowIdleLongest) {
    TableFixture f(3);
    f.add(packet("10.0.0.1", "10.0.0.2", 1, 2, 17, 100));
    f.add(packet("10.0.0.1", "10.0.0.3", 1, 2, 17, 101));
    f.add(packet("10.0.0.1", "10.0.0.4", 1, 2, 17, 102));
    f.add(packet("10.0.0.1", "10.0.0.2", 1, 2, 17, 103));  // .2 is now the newest
    EXPECT_TRUE(f.out.empty());
    f.add(packet("10.0.0.1", "10.0.0.5", 1, 2, 17, 104));
    ASSERT_EQ(f.out.size(), 1U);
    EXPECT_EQ(f.out[0].why, ExpiryReason::kEvicted);
    EXPECT_EQ(f.out[0].key, f.key_of(packet("10.0.0.1", "10.0.0.3", 1, 2, 17, 0)));
    EXPECT_EQ(f.table.size(), 3U);
}

TEST(NfprobeFlowTable, ChurnNeverLosesOrMixesFlows) {
    // Random adds, expiries and evictions against a plain map: every packet's bytes come out
    // exactly once, under the right key (the index's backward-shift deletion keeps finding keys).
    Timeouts t;
    t.udp = 5;
    TableFixture f(64, t);
    std::mt19937 rng(7);
    std::map<std::string, std::uint64_t> sent;
    std::int64_t now = 1000;
    for (int i = 0; i < 20000; ++i) {
        char dst[32];
        std::snprintf(dst, sizeof dst, "10.0.%u.%u", static_cast<unsigned>(rng() % 4), static_cast<unsigned>(rng() % 40));
        const auto p = packet("10.1.0.1", dst, static_cast<std::uint16_t>(rng() % 3), 53, 17, now,
                              1 + rng() % 1000);
        sent[f.key_of(p)] += p.c.bytes;
        f.add(p);
        if (rng() % 50 == 0) f.table.expire(now, f.sink());
        if (rng() % 10 == 0) ++now;
    }
    f.table.expire_all(f.sink());
    std::map<std::string, std::uint64_t> got;
    for (const auto& e : f.out) got[e.key] += e.flow.bytes;
    EXPECT_EQ(got, sent);
    EXPECT_GT(f.out.size(), sent.size());  // flows did expire and start again
}

// Encodes flows, then decodes the datagrams as nfacctd would.
struct Roundtrip {
    KeyLayout layout;
    std::vector<std::vector<std::uint8_t>> datagrams;
    std::unique_ptr<NetflowEncoder> enc;
    static constexpr std::int64_t kBootMs = 1700000000000;
    Roundtrip(EncoderOptions o, std::vector<std::string> extra = {}) : layout(five_tuple(std::move(extra))) {
        enc = std::make_unique<NetflowEncoder>(
            layout, o, [this](std::span<const std::uint8_t> d) { datagrams.emplace_back(d.begin(), d.end()); },
            kBootMs);
    }
    bool add(const Packet& p, std::uint64_t packets = 3) {
        std::vector<std::uint8_t> key(layout.key_size());
        layout.extract(p.r, key.data());
        Flow f;
        f.first = p.c.time_start;
        f.last = Timestamp{p.c.time_start.sec + 2, 500000};
        f.bytes = p.c.bytes;
        f.packets = packets;
        f.tcp_flags = p.c.tcp_flags;
        f.proto = p.r.proto;
        f.type = p.r.type;
        return enc->add(key.data(), f, kBootMs + 60000);
    }
    std::vector<FlowRecord> decode_all() {
        std::vector<FlowRecord> out;
        flow::NetflowV5Decoder v5;
        flow::TemplateDecoder v9;
        const IpAddress exporter = ip("127.0.0.1");
        for (const auto& d : datagrams) {
            const auto sink = [&](const FlowRecord& r) { out.push_back(r); };
            if (d.size() >= 2 && d[1] == 5) {
                EXPECT_EQ(v5.decode(d, exporter, Timestamp{1700000100, 0}, sink).outcome, flow::V5Outcome::kOk);
            } else {
                v9.decode(d, exporter, Timestamp{1700000100, 0}, sink);
            }
        }
        EXPECT_EQ(v9.counters().unknown_template_sets, 0U);
        return out;
    }
};

void expect_flow(const FlowRecord& r, const char* src, const char* dst, std::uint16_t sport, std::uint16_t dport,
                 std::uint8_t proto, std::uint64_t bytes) {
    EXPECT_EQ(r.src_ip, ip(src));
    EXPECT_EQ(r.dst_ip, ip(dst));
    EXPECT_EQ(r.src_port, sport);
    EXPECT_EQ(r.dst_port, dport);
    EXPECT_EQ(r.proto, proto);
    EXPECT_EQ(r.bytes, bytes);
    EXPECT_EQ(r.packets, 3U);
}

class NfprobeEncoderVersions : public ::testing::TestWithParam<int> {};

TEST_P(NfprobeEncoderVersions, FlowsReadBackAsTheyWent) {
    EncoderOptions o;
    o.version = GetParam();
    Roundtrip rt(o);
    auto a = packet("192.0.2.1", "198.51.100.7", 40000, 443, 6, 1700000010, 5000, 0x1b);
    a.r.tos = 0x28;
    EXPECT_TRUE(rt.add(a));
    EXPECT_TRUE(rt.add(packet("192.0.2.2", "198.51.100.8", 5353, 53, 17, 1700000011, 300)));
    const bool v6_carried = rt.add(packet("2001:db8::1", "2001:db8::2", 1, 2, 17, 1700000012, 700));
    EXPECT_EQ(v6_carried, GetParam() != 5);
    rt.enc->flush(Roundtrip::kBootMs + 61000);
    const auto got = rt.decode_all();
    ASSERT_EQ(got.size(), GetParam() == 5 ? 2U : 3U);
    expect_flow(got[0], "192.0.2.1", "198.51.100.7", 40000, 443, 6, 5000);
    EXPECT_EQ(got[0].tos, 0x28);
    EXPECT_EQ(got[0].tcp_flags, 0x1b);
    if (GetParam() == 5) {
        // sysUptime-relative milliseconds (First 10250, Last 12500, sysUptime 61000 at export
        // time 1700000061), which a collector reads, as 1.7.7 does, to the second.
        EXPECT_EQ(got[0].time_start, (Timestamp{1700000061 - 50, 0}));
        EXPECT_EQ(got[0].time_end, (Timestamp{1700000061 - 48, 0}));
    } else {
        // Absolute milliseconds.
        EXPECT_EQ(got[0].time_start, (Timestamp{1700000010, 250000}));
        EXPECT_EQ(got[0].time_end, (Timestamp{1700000012, 500000}));
    }
    expect_flow(got[1], "192.0.2.2", "198.51.100.8", 5353, 53, 17, 300);
    if (GetParam() != 5) expect_flow(got[2], "2001:db8::1", "2001:db8::2", 1, 2, 17, 700);
}

TEST_P(NfprobeEncoderVersions, ManyFlowsSpanDatagramsWithRunningSequenceNumbers) {
    EncoderOptions o;
    o.version = GetParam();
    Roundtrip rt(o);
    for (std::uint16_t i = 0; i < 100; ++i) {
        EXPECT_TRUE(rt.add(packet("10.0.0.1", i % 2 == 0 || GetParam() == 5 ? "10.0.0.2" : "10.0.0.3", i, 80, 6,
                                  1700000000 + i, 1000 + i)));
    }
    rt.enc->flush(Roundtrip::kBootMs + 61000);
    ASSERT_GE(rt.datagrams.size(), 4U);
    std::uint32_t records_before = 0;
    for (std::size_t n = 0; n < rt.datagrams.size(); ++n) {
        const auto& d = rt.datagrams[n];
        EXPECT_LE(d.size(), GetParam() == 5 ? 24U + 30 * 48 : NetflowEncoder::kMaxDatagram);
        const std::uint32_t seq = static_cast<std::uint32_t>(d[GetParam() == 10 ? 8 : GetParam() == 9 ? 12 : 16]) << 24 |
                                  static_cast<std::uint32_t>(d[GetParam() == 10 ? 9 : GetParam() == 9 ? 13 : 17]) << 16 |
                                  static_cast<std::uint32_t>(d[GetParam() == 10 ? 10 : GetParam() == 9 ? 14 : 18]) << 8 |
                                  d[GetParam() == 10 ? 11 : GetParam() == 9 ? 15 : 19];
        // v9 counts datagrams from 1; v5 and IPFIX count the records sent before.
        EXPECT_EQ(seq, GetParam() == 9 ? n + 1 : records_before);
        flow::NetflowV5Decoder v5;
        flow::TemplateDecoder v9;
        std::uint32_t in_this = 0;
        if (GetParam() == 5) {
            v5.decode(d, ip("127.0.0.1"), Timestamp{}, [&](const FlowRecord&) { ++in_this; });
        } else {
            // Templates lead every datagram kTemplateEvery apart: decode from the first on.
            for (std::size_t m = 0; m <= n; ++m) {
                in_this = 0;
                v9.decode(rt.datagrams[m], ip("127.0.0.1"), Timestamp{}, [&](const FlowRecord&) { ++in_this; });
            }
        }
        records_before += in_this;
    }
    const auto got = rt.decode_all();
    ASSERT_EQ(got.size(), 100U);
    std::uint64_t bytes = 0;
    for (const auto& r : got) bytes += r.bytes;
    EXPECT_EQ(bytes, 100U * 1000 + 99 * 100 / 2);
}

INSTANTIATE_TEST_SUITE_P(Versions, NfprobeEncoderVersions, ::testing::Values(5, 9, 10));

TEST(NfprobeEncoder, DirectionAndIfindexFromTags) {
    // QUICKSTART XII b4: direction from tag (1 in, 2 out), ifIndex from tag2, on the side the
    // direction names.
    EncoderOptions o;
    o.version = 10;
    o.direction = EncoderOptions::From::kTag;
    o.ifindex = EncoderOptions::From::kTag2;
    Roundtrip rt(o, {"tag", "tag2"});
    auto in = packet("10.0.0.1", "10.0.0.2", 1, 2, 17, 1700000000);
    in.r.tag = 1;
    in.r.tag2 = 100;
    auto out = packet("10.0.0.2", "10.0.0.1", 2, 1, 17, 1700000000);
    out.r.tag = 2;
    out.r.tag2 = 200;
    auto neither = packet("10.0.0.3", "10.0.0.1", 2, 1, 17, 1700000000);
    neither.r.tag = 999;
    neither.r.tag2 = 0;
    rt.add(in);
    rt.add(out);
    rt.add(neither);
    rt.enc->flush(Roundtrip::kBootMs + 61000);
    const auto got = rt.decode_all();
    ASSERT_EQ(got.size(), 3U);
    EXPECT_EQ(got[0].sampling_direction, 'i');
    EXPECT_EQ(got[0].in_iface, 100U);
    EXPECT_EQ(got[0].out_iface, 0U);
    EXPECT_EQ(got[1].sampling_direction, 'e');
    EXPECT_EQ(got[1].in_iface, 0U);
    EXPECT_EQ(got[1].out_iface, 200U);
    EXPECT_EQ(got[2].sampling_direction, 'i');
    EXPECT_EQ(got[2].in_iface, 0U);
}

TEST(NfprobeEncoder, StaticDirectionAndIfindex) {
    EncoderOptions o;
    o.version = 9;
    o.direction = EncoderOptions::From::kOut;
    o.ifindex = EncoderOptions::From::kValue;
    o.ifindex_value = 7;
    o.source_id = 42;
    Roundtrip rt(o);
    rt.add(packet("10.0.0.1", "10.0.0.2", 1, 2, 17, 1700000000));
    rt.enc->flush(Roundtrip::kBootMs + 61000);
    const auto got = rt.decode_all();
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0].sampling_direction, 'e');
    EXPECT_EQ(got[0].out_iface, 7U);
    EXPECT_EQ(got[0].export_proto_sysid, 42U);
}

TEST(NfprobeEncoder, LearnedIfindexWinsUnlessOverridden) {
    for (const bool override_it : {false, true}) {
        EncoderOptions o;
        o.version = 10;
        o.direction = EncoderOptions::From::kIn;
        o.ifindex = EncoderOptions::From::kValue;
        o.ifindex_value = 9;
        o.ifindex_override = override_it;
        Roundtrip rt(o, {"in_iface"});
        auto learned = packet("10.0.0.1", "10.0.0.2", 1, 2, 17, 1700000000);
        learned.r.in_iface = 3;
        rt.add(learned);
        rt.add(packet("10.0.0.1", "10.0.0.3", 1, 2, 17, 1700000000));  // none learned: 9
        rt.enc->flush(Roundtrip::kBootMs + 61000);
        const auto got = rt.decode_all();
        ASSERT_EQ(got.size(), 2U);
        EXPECT_EQ(got[0].in_iface, override_it ? 9U : 3U);
        EXPECT_EQ(got[1].in_iface, 9U);
    }
}

TEST(NfprobeEncoder, SamplerOptionsGiveTheCollectorTheRate) {
    for (const int version : {9, 10}) {
        EncoderOptions o;
        o.version = version;
        o.sampling_rate = 10;
        Roundtrip rt(o);
        rt.add(packet("10.0.0.1", "10.0.0.2", 1, 2, 17, 1700000000));
        rt.enc->flush(Roundtrip::kBootMs + 61000);
        const auto got = rt.decode_all();
        ASSERT_EQ(got.size(), 1U) << version;
        EXPECT_EQ(got[0].sampling_rate, 10U) << version;
    }
}

TEST(NfprobeEncoder, SysUptimeTimestamps) {
    EncoderOptions o;
    o.version = 9;
    o.uptime_times = true;
    Roundtrip rt(o);
    rt.add(packet("10.0.0.1", "10.0.0.2", 1, 2, 17, 1700000010));
    rt.enc->flush(Roundtrip::kBootMs + 61000);
    const auto got = rt.decode_all();
    ASSERT_EQ(got.size(), 1U);
    // First 10250 and Last 12500 against sysUptime 61000 at 1700000061, which a collector
    // reads, as 1.7.7 does, to the second.
    EXPECT_EQ(got[0].time_start, (Timestamp{1700000061 - 50, 0}));
    EXPECT_EQ(got[0].time_end, (Timestamp{1700000061 - 48, 0}));
}

TEST(NfprobeEncoder, MicrosecondTimestamps) {
    for (const int version : {9, 10}) {
        EncoderOptions o;
        o.version = version;
        o.tstamp_usec = true;
        Roundtrip rt(o);
        auto p = packet("10.0.0.1", "10.0.0.2", 1, 2, 17, 1700000000);
        p.c.time_start.usec = 123456;
        rt.add(p);
        rt.enc->flush(Roundtrip::kBootMs + 61000);
        const auto got = rt.decode_all();
        ASSERT_EQ(got.size(), 1U);
        EXPECT_EQ(got[0].time_start, (Timestamp{1700000000, 123456}));
        EXPECT_EQ(got[0].time_end, (Timestamp{1700000002, 500000}));
    }
}

}  // namespace
}  // namespace pmacct::plugins::nfprobe
