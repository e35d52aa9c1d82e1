#include "pmacct/flow/sflow.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace pmacct::flow {
namespace {

// sFlow's XDR: big-endian 32-bit words, opaque data padded to a multiple of 4.
struct Xdr {
    std::vector<std::uint8_t> b;
    Xdr& u32(std::uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
        return *this;
    }
    Xdr& opaque(const std::vector<std::uint8_t>& d) {
        b.insert(b.end(), d.begin(), d.end());
        while (b.size() % 4 != 0) b.push_back(0);
        return *this;
    }
    Xdr& ipv4(std::uint8_t a, std::uint8_t c, std::uint8_t d, std::uint8_t e) {
        u32(1);
        b.insert(b.end(), {a, c, d, e});
        return *this;
    }
    // A record or sample: its type, its length, then its body.
    Xdr& item(std::uint32_t type, const Xdr& body) {
        u32(type).u32(static_cast<std::uint32_t>(body.b.size()));
        b.insert(b.end(), body.b.begin(), body.b.end());
        return *this;
    }
};

// An Ethernet frame (with an 802.1Q tag when `vlan` != 0) carrying IPv4 TCP 10.0.0.1:1234 ->
// 10.0.0.2:80 with SYN, of `ip_length` bytes as its header says; `etype` other than IPv4
// carries 28 zero bytes instead.
std::vector<std::uint8_t> frame(std::uint16_t vlan = 0, std::uint16_t etype = 0x0800, std::uint16_t ip_length = 60) {
    std::vector<std::uint8_t> f = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    if (vlan != 0) f.insert(f.end(), {0x81, 0x00, static_cast<std::uint8_t>((3 << 5) | (vlan >> 8)), static_cast<std::uint8_t>(vlan)});
    f.insert(f.end(), {static_cast<std::uint8_t>(etype >> 8), static_cast<std::uint8_t>(etype)});
    if (etype != 0x0800) {
        f.insert(f.end(), 28, 0);
        return f;
    }
    f.insert(f.end(), {0x45, 0x20, static_cast<std::uint8_t>(ip_length >> 8), static_cast<std::uint8_t>(ip_length),
                       0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
    f.insert(f.end(), {0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0x00, 0, 0, 0, 0});
    return f;
}

Xdr raw_header(const std::vector<std::uint8_t>& f, std::uint32_t frame_length, std::uint32_t protocol = 1) {
    Xdr h;
    h.u32(protocol).u32(frame_length).u32(4).u32(static_cast<std::uint32_t>(f.size())).opaque(f);
    return h;
}

// A compact flow sample (0:1) with these records.
Xdr flow_sample(const std::vector<std::pair<std::uint32_t, Xdr>>& records, std::uint32_t rate = 512,
                std::uint32_t input = 3, std::uint32_t output = 7) {
    Xdr s;
    s.u32(42).u32(5).u32(rate).u32(100000).u32(0).u32(input).u32(output).u32(static_cast<std::uint32_t>(records.size()));
    for (const auto& [type, body] : records) s.item(type, body);
    return s;
}

// A datagram from agent 192.0.2.9, sub-agent 7, sequence 1000, with these samples.
std::vector<std::uint8_t> datagram(const std::vector<std::pair<std::uint32_t, Xdr>>& samples, std::uint32_t version = 5) {
    Xdr d;
    d.u32(version).ipv4(192, 0, 2, 9).u32(7).u32(1000).u32(123456).u32(static_cast<std::uint32_t>(samples.size()));
    for (const auto& [type, body] : samples) d.item(type, body);
    return d.b;
}

std::vector<FlowRecord> decode(const std::vector<std::uint8_t>& d, SflowDecodeResult& result, SflowOptions o = {}) {
    SflowDecoder decoder(o);
    std::vector<FlowRecord> out;
    result = decoder.decode(d, Timestamp{1700000000, 5}, [&](const FlowRecord& r) { out.push_back(r); });
    return out;
}

TEST(Sflow, CompactSampleOfAnEthernetHeader) {
    SflowDecodeResult res;
    const auto recs = decode(datagram({{1, flow_sample({{1, raw_header(frame(100), 1518)}})}}), res);
    ASSERT_EQ(res.outcome, SflowOutcome::kOk);
    EXPECT_EQ(res.flow_samples, 1U);
    ASSERT_EQ(recs.size(), 1U);
    const FlowRecord& r = recs[0];
    EXPECT_EQ(r.src_ip.to_string(), "10.0.0.1");
    EXPECT_EQ(r.dst_ip.to_string(), "10.0.0.2");
    EXPECT_EQ(r.src_port, 1234);
    EXPECT_EQ(r.dst_port, 80);
    EXPECT_EQ(r.proto, 6);
    EXPECT_EQ(r.tcp_flags, 0x02);
    EXPECT_EQ(r.tos, 0x20);
    EXPECT_EQ(r.vlan, 100);
    EXPECT_EQ(r.cos, 3);
    EXPECT_EQ(r.etype, 0x0800);
    EXPECT_EQ(r.src_mac.to_string(), "66:77:88:99:aa:bb");
    // The sampled frame's length, not the IP length; one packet; not renormalised.
    EXPECT_EQ(r.bytes, 1518U);
    EXPECT_EQ(r.packets, 1U);
    EXPECT_EQ(r.sampling_rate, 512U);
    EXPECT_EQ(r.in_iface, 3U);
    EXPECT_EQ(r.out_iface, 7U);
    EXPECT_EQ(r.peer_src_ip.to_string(), "192.0.2.9");
    EXPECT_EQ(r.export_proto_sysid, 7U);
    EXPECT_EQ(r.export_proto_seqno, 1000U);
    EXPECT_EQ(r.export_proto_version, 5);
    EXPECT_EQ(r.time_arrival.sec, 1700000000);
}

TEST(Sflow, RenormalizeMultipliesByTheRate) {
    SflowOptions o;
    o.renormalize = true;
    SflowDecodeResult res;
    const auto recs = decode(datagram({{1, flow_sample({{1, raw_header(frame(), 100)}}, 256)}}), res, o);
    ASSERT_EQ(recs.size(), 1U);
    EXPECT_EQ(recs[0].bytes, 25600U);
    EXPECT_EQ(recs[0].packets, 256U);
    EXPECT_EQ(recs[0].sampling_rate, 1U);
}

TEST(Sflow, SwitchVlanIncomingElseOutgoing) {
    Xdr in_set;
    in_set.u32(200).u32(5).u32(300).u32(6);
    Xdr in_unset;
    in_unset.u32(0).u32(5).u32(300).u32(6);
    SflowDecodeResult res;
    auto recs = decode(datagram({{1, flow_sample({{1, raw_header(frame(100), 90)}, {1001, in_set}})},
                                 {1, flow_sample({{1001, in_unset}, {1, raw_header(frame(100), 90)}})}}),
                       res);
    ASSERT_EQ(recs.size(), 2U);
    EXPECT_EQ(recs[0].vlan, 200);
    EXPECT_EQ(recs[0].cos, 5);
    EXPECT_EQ(recs[1].vlan, 300);
    EXPECT_EQ(recs[1].cos, 6);
}

TEST(Sflow, RouterMasksAndGatewayAsNumbers) {
    Xdr router;
    router.ipv4(10, 9, 9, 9).u32(24).u32(16);
    Xdr gateway;
    gateway.ipv4(198, 51, 100, 1).u32(65000).u32(64500).u32(64501);
    gateway.u32(1).u32(2).u32(3).u32(174).u32(3356).u32(15169);  // one AS_SEQUENCE of 3
    gateway.u32(0).u32(100);  // no communities, local preference
    SflowDecodeResult res;
    const auto recs = decode(datagram({{1, flow_sample({{1, raw_header(frame(), 90)}, {1002, router}, {1003, gateway}})}}), res);
    ASSERT_EQ(recs.size(), 1U);
    const FlowRecord& r = recs[0];
    EXPECT_EQ(r.src_mask, 24);
    EXPECT_EQ(r.dst_mask, 16);
    EXPECT_EQ(r.src_as, 64500U);
    EXPECT_EQ(r.peer_src_as, 64501U);
    EXPECT_EQ(r.peer_dst_as, 174U);   // the path's first AS
    EXPECT_EQ(r.dst_as, 15169U);      // and its last, the origin
    EXPECT_EQ(r.bgp_next_hop.to_string(), "198.51.100.1");
}

TEST(Sflow, ExpandedSampleTakesTheInterfaceValues) {
    Xdr s;
    s.u32(9).u32(0).u32(12).u32(1000).u32(5000).u32(0).u32(0).u32(70000).u32(0).u32(80000).u32(1);
    s.item(1, raw_header(frame(), 64));
    SflowDecodeResult res;
    const auto recs = decode(datagram({{3, s}}), res);
    ASSERT_EQ(recs.size(), 1U);
    EXPECT_EQ(recs[0].in_iface, 70000U);
    EXPECT_EQ(recs[0].out_iface, 80000U);
    EXPECT_EQ(recs[0].sampling_rate, 1000U);
}

TEST(Sflow, CompactInterfaceFieldsKeepTheirFormatBits) {
    SflowDecodeResult res;
    const auto recs = decode(datagram({{1, flow_sample({{1, raw_header(frame(), 64)}}, 1, 3, 0x40000001)}}), res);
    ASSERT_EQ(recs.size(), 1U);
    EXPECT_EQ(recs[0].out_iface, 0x40000001U);  // discarded, reason 1: as 1.7.7 prints it
}

TEST(Sflow, AnIpDataRecordGivesThePacketSize) {
    Xdr ip;
    ip.u32(1344).u32(17);
    ip.b.insert(ip.b.end(), {1, 1, 1, 1, 2, 2, 2, 2});
    ip.u32(1).u32(2).u32(0).u32(0);
    SflowDecodeResult res;
    const auto recs = decode(datagram({{1, flow_sample({{1, raw_header(frame(), 1390)}, {3, ip}})},
                                       {1, flow_sample({{3, ip}})}}),
                             res);
    ASSERT_EQ(recs.size(), 2U);
    EXPECT_EQ(recs[0].bytes, 1344U);
    EXPECT_EQ(recs[0].src_ip.to_string(), "10.0.0.1");  // the header's fields stand
    // Without a header, the record's own fields.
    EXPECT_EQ(recs[1].bytes, 1344U);
    EXPECT_EQ(recs[1].src_ip.to_string(), "1.1.1.1");
    EXPECT_EQ(recs[1].dst_port, 2);
    EXPECT_EQ(recs[1].proto, 17);
}

TEST(Sflow, WhatIsNotIpIsNotAccounted) {
    SflowDecoder decoder;
    std::size_t n = 0;
    const auto d = datagram({{1, flow_sample({{1, raw_header(frame(0, 0x0806), 60)}})},
                             {2, Xdr{}.u32(1).u32(2).u32(0)},  // a counter sample
                             {1, flow_sample({{1, raw_header(frame(), 60)}})}});
    const auto res = decoder.decode(d, Timestamp{}, [&](const FlowRecord&) { ++n; });
    EXPECT_EQ(res.outcome, SflowOutcome::kOk);
    EXPECT_EQ(n, 1U);
    EXPECT_EQ(res.flow_samples, 2U);
    EXPECT_EQ(res.counter_samples, 1U);
    EXPECT_EQ(decoder.counters().not_ip, 1U);
}

TEST(Sflow, ASampleRunningPastTheEndStopsThereKeepingWhatCameBefore) {
    auto d = datagram({{1, flow_sample({{1, raw_header(frame(), 60)}})}, {1, flow_sample({{1, raw_header(frame(), 60)}})}});
    d.resize(d.size() - 10);
    SflowDecodeResult res;
    const auto recs = decode(d, res);
    EXPECT_EQ(res.outcome, SflowOutcome::kMalformed);
    EXPECT_TRUE(res.ok());
    EXPECT_EQ(recs.size(), 1U);
    // A record length inside a sample that lies: that sample is dropped.
    Xdr lying;
    lying.u32(42).u32(5).u32(1).u32(100).u32(0).u32(1).u32(2).u32(1);  // one record...
    lying.u32(1).u32(1000).u32(1).u32(60);                              // ...of 1000 bytes
    auto d2 = datagram({{1, flow_sample({{1, raw_header(frame(), 60)}})}, {1, lying}});
    const auto recs2 = decode(d2, res);
    EXPECT_EQ(res.outcome, SflowOutcome::kMalformed);
    EXPECT_EQ(recs2.size(), 1U);
}

TEST(Sflow, RefusesOtherVersionsAndShortDatagrams) {
    SflowDecodeResult res;
    EXPECT_TRUE(decode(datagram({{1, flow_sample({{1, raw_header(frame(), 60)}})}}, 4), res).empty());
    EXPECT_EQ(res.outcome, SflowOutcome::kBadVersion);
    EXPECT_FALSE(res.ok());
    EXPECT_TRUE(decode({0, 0, 0, 5, 0, 0, 0, 1, 192, 0}, res).empty());
    EXPECT_EQ(res.outcome, SflowOutcome::kTooShort);
    EXPECT_TRUE(decode({}, res).empty());
    EXPECT_EQ(res.outcome, SflowOutcome::kTooShort);
}

}  // namespace
}  // namespace pmacct::flow
