#include "pmacct/flow/sflow.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "sflow_builder.hpp"

namespace pmacct::flow {
namespace {

using namespace pmacct::testing::sflow;

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

// The MPLS VC record's id is mpls_pw_id; pmacct's tag record (43874:2) gives tag and tag2; the
// other extended records (user, URL, MPLS, NAT, tunnels, VLAN tunnel) are stepped over. The
// sample type is recorded for pre_tag_map's sample_type.
TEST(Sflow, ExtendedRecords) {
    const ExtendedRecords x;
    Xdr expanded;
    expanded.u32(9).u32(0).u32(12).u32(1000).u32(5000).u32(0).u32(0).u32(1).u32(0).u32(2).u32(1);
    expanded.item(1, raw_header(frame(), 64));
    SflowDecodeResult res;
    auto records = x.inert();
    records.insert(records.end(), {{1009, x.vc}, {ExtendedRecords::kPmacctTag, x.tag}, {1, raw_header(frame(), 100)}});
    const auto recs = decode(datagram({{1, flow_sample(records)}, {3, expanded}}), res);
    ASSERT_EQ(recs.size(), 2U);
    EXPECT_EQ(recs[0].mpls_pw_id, 4242U);
    EXPECT_EQ(recs[0].tag, 11U);
    EXPECT_EQ(recs[0].tag2, 22U);
    EXPECT_EQ(recs[0].exporter_tag, 11U);
    EXPECT_EQ(recs[0].exporter_tag2, 22U);
    EXPECT_EQ(recs[0].src_ip.to_string(), "10.0.0.1");
    EXPECT_EQ(recs[0].sflow_sample_type, 1U);
    EXPECT_EQ(recs[1].tag, 0U);
    EXPECT_EQ(recs[1].mpls_pw_id, 0U);
    EXPECT_EQ(recs[1].sflow_sample_type, 3U);
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
    gateway.u32(2).u32(0x12345678).u32(0xFDE80001).u32(100);    // two communities, local preference
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
    EXPECT_EQ(r.local_pref, 100U);
    // The path and communities are views, valid while the sink has the record.
    SflowDecoder decoder;
    std::string path, comms;
    decoder.decode(datagram({{1, flow_sample({{1, raw_header(frame(), 90)}, {1003, gateway}})}}), Timestamp{},
                   [&](const FlowRecord& x) {
                       path = x.as_path;
                       comms = x.std_comm;
                   });
    EXPECT_EQ(path, "174_3356_15169");
    EXPECT_EQ(comms, "4660:22136_65000:1");
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
    EXPECT_TRUE(decode(datagram({{1, flow_sample({{1, raw_header(frame(), 60)}})}}, 3), res).empty());
    EXPECT_EQ(res.outcome, SflowOutcome::kBadVersion);
    EXPECT_FALSE(res.ok());
    EXPECT_TRUE(decode({0, 0, 0, 5, 0, 0, 0, 1, 192, 0}, res).empty());
    EXPECT_EQ(res.outcome, SflowOutcome::kTooShort);
    EXPECT_TRUE(decode({}, res).empty());
    EXPECT_EQ(res.outcome, SflowOutcome::kTooShort);
}

TEST(Sflow, CounterSamplesGoToTheirSinkAsJsonLines) {
    Xdr odd;  // a record of a kind 1.7.7 does not log, then a VLAN record cut short
    odd.u32(1).u32(5).u32(2);
    odd.item(7, Xdr{}.u32(1)).item(5, Xdr{}.u32(30).u32(0));
    SflowDecoder decoder;
    std::string out;
    std::uint64_t seq = 10;
    std::size_t lines = 0;
    const auto d = datagram({{2, counter_sample(5, 100)}, {1, flow_sample({{1, raw_header(frame(), 60)}})}, {2, odd}});
    std::size_t records = 0;
    const auto res = decoder.decode(d, Timestamp{1700000000, 42}, [&](const FlowRecord&) { ++records; },
                                    [&](const SflowCounterSample& c) {
                                        EXPECT_EQ(c.agent.to_string(), "192.0.2.9");
                                        EXPECT_EQ(c.datagram_sequence, 1000U);
                                        lines += append_counter_lines(c, Timestamp{1700000000, 42}, seq, out);
                                    });
    EXPECT_EQ(res.outcome, SflowOutcome::kOk);
    EXPECT_EQ(records, 1U);
    ASSERT_EQ(lines, 3U);  // generic, Ethernet, VLAN of the first sample; nothing of the second
    EXPECT_EQ(seq, 13U);
    EXPECT_NE(out.find("\"seq\": 10, "), std::string::npos);
    EXPECT_NE(out.find(".000042\", \"peer_ip_src\": \"192.0.2.9\", \"event_type\": \"log\", \"source_id_index\": 5, "
                       "\"sflow_seq\": 1000, \"sflow_cnt_seq\": 100, \"sf_cnt_type\": \"sflow_cnt_generic\", \"ifIndex\": 5, "
                       "\"ifType\": 6, \"ifSpeed\": 1000000000, \"ifDirection\": 1, \"ifStatus\": 1, \"ifInOctets\": 100, "),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("\"sf_cnt_type\": \"sflow_cnt_vlan\", \"octets\": 126, \"ucastPkts\": 127, \"multicastPkts\": 128, "
                       "\"broadcastPkts\": 129, \"discards\": 130, \"vlan\": 30}\n"),
              std::string::npos)
        << out;
    std::string init;
    append_counter_log_init(IpAddress::v4(0xC0000209), Timestamp{1700000000, 42}, seq, init);
    EXPECT_NE(init.find("\"seq\": 13, "), std::string::npos);
    EXPECT_NE(init.find("\"peer_src_ip\": \"192.0.2.9\", \"event_type\": \"log_init\"}\n"), std::string::npos) << init;
}

// --- v2 / v4 ------------------------------------------------------------------------------

TEST(Sflow, Version4FlowSamplesAfterACounterSample) {
    Xdr sw;
    sw.u32(0).u32(0).u32(30).u32(1);
    Xdr router;
    router.ipv4(10, 9, 9, 9).u32(24).u32(16);
    Xdr gateway;  // no next hop in v4
    gateway.u32(65000).u32(64500).u32(64501).u32(1).u32(2).u32(2).u32(174).u32(15169).u32(1).u32(0x12345678).u32(100);
    Xdr user;
    user.u32(3).opaque({'b', 'o', 'b'}).u32(0);
    SflowDecodeResult res;
    const auto recs = decode(v4_datagram(4, {v4_counter_sample(),
                                             v4_flow_sample(frame(), 1000, {{1, sw}, {2, router}, {3, gateway}, {4, user}}),
                                             v4_flow_sample(frame(), 500, {})}),
                             res);
    ASSERT_EQ(res.outcome, SflowOutcome::kOk);
    EXPECT_EQ(res.counter_samples, 1U);
    ASSERT_EQ(recs.size(), 2U);
    const FlowRecord& r = recs[0];
    EXPECT_EQ(r.bytes, 1000U);
    EXPECT_EQ(r.sampling_rate, 128U);
    EXPECT_EQ(r.vlan, 30);
    EXPECT_EQ(r.src_mask, 24);
    EXPECT_EQ(r.src_as, 64500U);
    EXPECT_EQ(r.peer_dst_as, 174U);
    EXPECT_EQ(r.dst_as, 15169U);
    EXPECT_TRUE(r.bgp_next_hop.empty());
    EXPECT_EQ(r.export_proto_version, 4);
    EXPECT_EQ(r.export_proto_seqno, 2000U);
    EXPECT_EQ(r.export_proto_sysid, 0U);
    EXPECT_EQ(r.peer_src_ip.to_string(), "192.0.2.10");
    EXPECT_EQ(recs[1].bytes, 500U);
    EXPECT_EQ(recs[1].src_port, 1234);
}

// As 1.7.7 (checked side by side in sfacctd_test): v2's flat AS path is skipped.
TEST(Sflow, Version2GatewayHasAFlatPathThatIsSkipped) {
    Xdr gateway;
    gateway.u32(65000).u32(64500).u32(64501).u32(3).u32(174).u32(3356).u32(15169);
    SflowDecodeResult res;
    const auto recs = decode(v4_datagram(2, {v4_flow_sample(frame(), 64, {{3, gateway}}), v4_flow_sample(frame(), 65, {})}), res);
    ASSERT_EQ(res.outcome, SflowOutcome::kOk);
    ASSERT_EQ(recs.size(), 2U);
    EXPECT_EQ(recs[0].src_as, 64500U);
    EXPECT_EQ(recs[0].peer_src_as, 64501U);
    EXPECT_EQ(recs[0].peer_dst_as, 0U);
    EXPECT_EQ(recs[0].dst_as, 0U);
    EXPECT_EQ(recs[1].bytes, 65U);
}

TEST(Sflow, Version4UnknownItemsEndTheDatagram) {
    Xdr odd;
    odd.u32(1).u32(42).u32(5).u32(128).u32(100000).u32(0).u32(3).u32(7).u32(9);  // packet type 9
    SflowDecodeResult res;
    const auto recs = decode(v4_datagram(4, {v4_flow_sample(frame(), 64, {}), odd, v4_flow_sample(frame(), 64, {})}), res);
    EXPECT_EQ(res.outcome, SflowOutcome::kMalformed);
    EXPECT_EQ(recs.size(), 1U);
    Xdr counters;
    counters.u32(2).u32(1).u32(5).u32(30).u32(99);  // an unknown counter block
    const auto recs2 = decode(v4_datagram(4, {counters, v4_flow_sample(frame(), 64, {})}), res);
    EXPECT_EQ(res.outcome, SflowOutcome::kMalformed);
    EXPECT_TRUE(recs2.empty());
}

}  // namespace
}  // namespace pmacct::flow
