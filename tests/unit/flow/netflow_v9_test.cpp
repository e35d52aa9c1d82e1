#include "pmacct/flow/netflow_v9.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "netflow_builder.hpp"

namespace pmacct::flow {
namespace {

using pmacct::testing::Datagram;

// Template 256: src/dst IPv4, ports, proto, bytes, packets, first/last switched.
Datagram& v9_template(Datagram& d) {
    d.open_set(0).u16(256).u16(9);
    d.u16(8).u16(4).u16(12).u16(4).u16(7).u16(2).u16(11).u16(2).u16(4).u16(1);
    d.u16(1).u16(4).u16(2).u16(4).u16(22).u16(4).u16(21).u16(4);
    return d.close_set();
}

Datagram& v9_record(Datagram& d, std::uint8_t last_octet, std::uint32_t bytes) {
    d.ip4(192, 0, 2, last_octet).ip4(198, 51, 100, 1).u16(40000).u16(443).u8(6);
    return d.u32(bytes).u32(3).u32(98000).u32(99500);
}

// A v9 datagram of source id `source_id` with one record of template 256.
Datagram v9_data(std::uint32_t source_id) {
    Datagram d(9, source_id);
    d.open_set(256);
    v9_record(d, 10, 1500);
    d.close_set();
    return d;
}

struct Collected {
    std::vector<FlowRecord> records;
    V9DecodeResult operator()(TemplateDecoder& dec, const Datagram& d, const char* exporter = "10.0.0.1") {
        IpAddress from;
        IpAddress::parse(exporter, from);
        const auto bytes = d.bytes();
        return dec.decode(bytes, from, Timestamp{1700000100, 0}, [&](const FlowRecord& r) { records.push_back(r); });
    }
};

TEST(TemplateDecoder, V9TemplateThenDataInOneDatagram) {
    TemplateDecoder dec;
    Datagram d(9);
    v9_template(d);
    d.open_set(256);
    v9_record(d, 10, 1500);
    v9_record(d, 11, 40);
    d.u8(0).u8(0);  // padding
    d.close_set();
    Collected c;
    auto result = c(dec, d);
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(c.records.size(), 2U);
    const FlowRecord& r = c.records[0];
    EXPECT_EQ(r.src_ip.to_string(), "192.0.2.10");
    EXPECT_EQ(r.dst_ip.to_string(), "198.51.100.1");
    EXPECT_EQ(r.src_port, 40000);
    EXPECT_EQ(r.dst_port, 443);
    EXPECT_EQ(r.proto, 6);
    EXPECT_EQ(r.bytes, 1500U);
    EXPECT_EQ(r.packets, 3U);
    EXPECT_EQ(r.flows, 1U);
    EXPECT_EQ(r.peer_src_ip.to_string(), "10.0.0.1");
    EXPECT_EQ(r.export_proto_version, 9);
    EXPECT_EQ(r.export_proto_sysid, 7U);
    // First switched 98000 ms against sysUptime 100000 ms at 1700000000: 2 s before export;
    // last switched 0.5 s before it shows as the export second, as nfacctd shows it.
    EXPECT_EQ(r.time_start, (Timestamp{1699999998, 0}));
    EXPECT_EQ(r.time_end, (Timestamp{1700000000, 0}));
    EXPECT_EQ(c.records[1].bytes, 40U);
    EXPECT_EQ(c.records[1].src_ip.to_string(), "192.0.2.11");
}

TEST(TemplateDecoder, DataBeforeItsTemplateIsCountedNotGuessed) {
    TemplateDecoder dec;
    Datagram data(9);
    data.open_set(256);
    v9_record(data, 10, 1500);
    data.close_set();
    Collected c;
    auto result = c(dec, data);
    EXPECT_TRUE(result.ok());
    EXPECT_TRUE(c.records.empty());
    EXPECT_EQ(result.unknown_sets, 1U);
    EXPECT_EQ(result.unknown_template, 256U);
    EXPECT_EQ(dec.counters().unknown_template_sets, 1U);

    Datagram tpl(9);
    v9_template(tpl);
    c(dec, tpl);
    c(dec, data);
    ASSERT_EQ(c.records.size(), 1U);
    EXPECT_EQ(c.records[0].bytes, 1500U);
}

TEST(TemplateDecoder, TemplatesBelongToTheirExporterAndDomain) {
    TemplateDecoder dec;
    Datagram tpl(9, 7);
    v9_template(tpl);
    Collected c;
    c(dec, tpl, "10.0.0.1");
    const Datagram data = v9_data(7);
    c(dec, data, "10.0.0.2");  // another router
    c(dec, v9_data(8), "10.0.0.1");
    EXPECT_TRUE(c.records.empty());
    EXPECT_EQ(dec.counters().unknown_template_sets, 2U);
    c(dec, data, "10.0.0.1");
    EXPECT_EQ(c.records.size(), 1U);
}

// nfacctd_ignore_exporter_address: a template is shared by every address with the same source
// id; the record still names the address it came from.
TEST(TemplateDecoder, IgnoringTheExporterAddress) {
    TemplateOptions o;
    o.ignore_exporter_address = true;
    TemplateDecoder dec(o);
    Datagram tpl(9, 7);
    v9_template(tpl);
    Collected c;
    c(dec, tpl, "10.0.0.1");
    c(dec, v9_data(7), "10.0.0.2");
    ASSERT_EQ(c.records.size(), 1U);
    EXPECT_EQ(c.records[0].peer_src_ip.to_string(), "10.0.0.2");
    c(dec, v9_data(8), "10.0.0.1");
    EXPECT_EQ(c.records.size(), 1U);
}

// nfacctd_pre_processing_checks: one broken set length and nothing of the datagram is used.
TEST(TemplateDecoder, PreProcessingChecksDropTheWholeDatagram) {
    Datagram d(9);
    v9_template(d);
    d.open_set(256);
    v9_record(d, 10, 1500);
    d.close_set();
    d.u16(256).u16(200);  // a set claiming more than is left
    Collected lenient;
    TemplateDecoder plain;
    EXPECT_EQ(lenient(plain, d).outcome, V9Outcome::kMalformedSet);
    EXPECT_EQ(lenient.records.size(), 1U);  // what came before the bad set
    TemplateOptions o;
    o.pre_processing_checks = true;
    TemplateDecoder checked(o);
    Collected strict;
    EXPECT_EQ(strict(checked, d).outcome, V9Outcome::kFailedChecks);
    EXPECT_TRUE(strict.records.empty());
    EXPECT_EQ(checked.template_count(), 0U);
    EXPECT_EQ(checked.counters().malformed, 1U);
}

// Spoofed floods cannot grow the tables without bound: new templates and options entries past
// the limits are refused and counted; known ones are still replaced.
TEST(TemplateDecoder, TablesAreBounded) {
    TemplateOptions o;
    o.max_templates = 3;
    o.max_options_entries = 1;
    TemplateDecoder dec(o);
    Datagram d(10);
    d.open_set(2).u16(300).u16(1).u16(1).u16(4).close_set();
    d.open_set(2).u16(301).u16(1).u16(1).u16(4).close_set();
    d.open_set(3).u16(310).u16(2).u16(1).u16(302).u16(4).u16(305).u16(4).close_set();
    d.open_set(2).u16(302).u16(1).u16(1).u16(4).close_set();  // one too many
    d.open_set(2).u16(300).u16(1).u16(2).u16(4).close_set();  // known: replaced
    d.open_set(310).u32(1).u32(10).u32(2).u32(20).close_set();  // two samplers, room for one
    d.open_set(302).u32(5).close_set();
    Collected c;
    ASSERT_TRUE(c(dec, d).ok());
    EXPECT_EQ(dec.template_count(), 3U);
    EXPECT_EQ(dec.counters().templates_refused, 1U);
    EXPECT_EQ(dec.counters().template_changes, 1U);
    EXPECT_EQ(dec.counters().options_refused, 1U);
    EXPECT_EQ(dec.counters().unknown_template_sets, 1U);  // the data of the refused template
}

// IPFIX: a variable-length element and an enterprise element before the fields that matter,
// absolute millisecond times.
TEST(TemplateDecoder, IpfixVariableLengthAndEnterpriseFields) {
    TemplateDecoder dec;
    Datagram d(10);
    d.open_set(2).u16(300).u16(6);
    d.u16(82).u16(65535);                       // interfaceName, variable length
    d.u16(0x8000 | 1000).u16(4).u32(43874);     // enterprise element, 4 bytes
    d.u16(27).u16(16);                          // sourceIPv6Address
    d.u16(1).u16(8);                            // octetDeltaCount, 8 bytes
    d.u16(152).u16(8).u16(153).u16(8);          // flowStart/EndMilliseconds
    d.close_set();
    d.open_set(300);
    d.u8(3).u8('e').u8('t').u8('0');            // "et0"
    d.u32(0xDEADBEEF);
    d.u32(0x20010db8).u32(0).u32(0).u32(1);
    d.u64(123456789012ULL);
    d.u64(1700000000123ULL).u64(1700000001456ULL);
    d.u8(255).u16(2).u8('x').u8('y');           // long form of the length
    d.u32(0);
    d.u32(0x20010db8).u32(0).u32(0).u32(2);
    d.u64(5);
    d.u64(1700000000000ULL).u64(1700000000000ULL);
    d.close_set();
    Collected c;
    auto result = c(dec, d);
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(c.records.size(), 2U);
    EXPECT_EQ(c.records[0].src_ip.to_string(), "2001:db8::1");
    EXPECT_EQ(c.records[0].bytes, 123456789012ULL);
    EXPECT_EQ(c.records[0].type, FlowType::kIpv6);
    EXPECT_EQ(c.records[0].time_start, (Timestamp{1700000000, 123000}));
    EXPECT_EQ(c.records[0].time_end, (Timestamp{1700000001, 456000}));
    EXPECT_EQ(c.records[0].export_proto_version, 10);
    EXPECT_EQ(c.records[1].src_ip.to_string(), "2001:db8::2");
    EXPECT_EQ(c.records[1].bytes, 5U);
}

// IPFIX relative times count from systemInitTimeMilliseconds; microsecond times are NTP
// timestamps (seconds since 1900, binary fraction); a record stating no time shows the export.
TEST(TemplateDecoder, IpfixTimeElements) {
    TemplateDecoder dec;
    Datagram d(10);
    d.open_set(2).u16(301).u16(3).u16(160).u16(8).u16(22).u16(4).u16(21).u16(4).close_set();
    d.open_set(2).u16(302).u16(2).u16(154).u16(8).u16(155).u16(8).close_set();
    d.open_set(2).u16(303).u16(1).u16(1).u16(4).close_set();
    d.open_set(301).u64(1699990000000ULL).u32(10000000).u32(10000250).close_set();
    const std::uint64_t ntp_start = ((1700000000ULL + 2208988800ULL) << 32) | 0x80000000ULL;  // +0.5 s
    const std::uint64_t ntp_end = ((1700000001ULL + 2208988800ULL) << 32) | 0x40000000ULL;    // +0.25 s
    d.open_set(302).u64(ntp_start).u64(ntp_end).close_set();
    d.open_set(303).u32(9).close_set();
    Collected c;
    ASSERT_TRUE(c(dec, d).ok());
    ASSERT_EQ(c.records.size(), 3U);
    EXPECT_EQ(c.records[0].time_start, (Timestamp{1700000000, 0}));
    EXPECT_EQ(c.records[0].time_end, (Timestamp{1700000000, 250000}));
    EXPECT_EQ(c.records[1].time_start, (Timestamp{1700000000, 500000}));
    EXPECT_EQ(c.records[1].time_end, (Timestamp{1700000001, 250000}));
    EXPECT_EQ(c.records[2].time_start, (Timestamp{1700000000, 0}));  // the export time
    EXPECT_TRUE(c.records[2].time_end.empty());
}

TEST(TemplateDecoder, IpfixWithdrawalAndReannouncement) {
    TemplateDecoder dec;
    Collected c;
    Datagram a(10);
    a.open_set(2).u16(400).u16(1).u16(1).u16(4).close_set();
    c(dec, a);
    TemplateKey key{};
    IpAddress::parse("10.0.0.1", key.exporter.address);
    key.exporter.source_id = 7;
    key.id = 400;
    key.version = 10;
    ASSERT_NE(dec.find(key), nullptr);
    EXPECT_EQ(dec.find(key)->record_length, 4U);

    Datagram same(10);
    same.open_set(2).u16(400).u16(1).u16(1).u16(4).close_set();
    c(dec, same);
    EXPECT_EQ(dec.counters().template_changes, 0U);

    Datagram changed(10);  // the router rebooted: the same id, another layout
    changed.open_set(2).u16(400).u16(2).u16(1).u16(8).u16(2).u16(8).close_set();
    c(dec, changed);
    EXPECT_EQ(dec.counters().template_changes, 1U);
    EXPECT_EQ(dec.find(key)->record_length, 16U);

    Datagram withdraw(10);
    withdraw.open_set(2).u16(400).u16(0).close_set();
    c(dec, withdraw);
    EXPECT_EQ(dec.find(key), nullptr);
    EXPECT_EQ(dec.counters().withdrawals, 1U);
}

// Options data defines sampler 5 at 1:100; data records naming sampler 5 are scaled.
TEST(TemplateDecoder, SamplingFromOptionsData) {
    for (bool renormalize : {false, true}) {
        TemplateOptions o;
        o.renormalize = renormalize;
        TemplateDecoder dec(o);
        Datagram d(9);
        d.open_set(1).u16(257).u16(4).u16(12);  // scope: 1 field; options: 3 fields
        d.u16(1).u16(4);                        // scope: system
        d.u16(48).u16(1).u16(49).u16(1).u16(50).u16(4);
        d.close_set();
        d.open_set(257).u32(0).u8(5).u8(2).u32(100).u8(0).u8(0).u8(0).close_set();
        d.open_set(0).u16(258).u16(3).u16(8).u16(4).u16(1).u16(4).u16(48).u16(1).close_set();
        d.open_set(258).ip4(192, 0, 2, 1).u32(1000).u8(5);
        d.ip4(192, 0, 2, 2).u32(1000).u8(9);  // sampler 9 is unknown: not scaled
        d.close_set();
        Collected c;
        ASSERT_TRUE(c(dec, d).ok());
        ASSERT_EQ(c.records.size(), 2U);
        EXPECT_EQ(dec.counters().options_records, 1U);
        if (renormalize) {
            EXPECT_EQ(c.records[0].bytes, 100000U);
            EXPECT_EQ(c.records[0].sampling_rate, 1U);
        } else {
            EXPECT_EQ(c.records[0].bytes, 1000U);
            EXPECT_EQ(c.records[0].sampling_rate, 100U);
        }
        EXPECT_EQ(c.records[1].bytes, 1000U);
        EXPECT_EQ(c.records[1].sampling_rate, 0U);
    }
}

// NAT (NEL and ASA NSEL), firewall events, forwarding status, customer VLANs and pseudowires.
TEST(TemplateDecoder, NatFirewallAndForwardingFields) {
    TemplateDecoder dec;
    Datagram d(9);
    d.open_set(0).u16(260).u16(12);
    d.u16(8).u16(4).u16(12).u16(4).u16(225).u16(4).u16(226).u16(4).u16(227).u16(2).u16(228).u16(2);
    d.u16(230).u16(1).u16(233).u16(1).u16(89).u16(1).u16(245).u16(2).u16(255).u16(2).u16(249).u16(4);
    d.close_set();
    // The same through Cisco ASA's NSEL ids.
    d.open_set(0).u16(261).u16(5);
    d.u16(40001).u16(4).u16(40002).u16(4).u16(40003).u16(2).u16(40004).u16(2).u16(40005).u16(1);
    d.close_set();
    d.open_set(260).ip4(10, 0, 0, 5).ip4(192, 0, 2, 9).ip4(203, 0, 113, 1).ip4(192, 0, 2, 9).u16(40000).u16(53);
    d.u8(1).u8(3).u8(0x42).u16(300).u16(301).u32(77).u8(0).u8(0).close_set();
    d.open_set(261).ip4(203, 0, 113, 2).ip4(198, 51, 100, 7).u16(1024).u16(443).u8(2).close_set();
    Collected c;
    ASSERT_TRUE(c(dec, d).ok());
    ASSERT_EQ(c.records.size(), 2U);
    const FlowRecord& r = c.records[0];
    EXPECT_EQ(r.post_nat_src_ip.to_string(), "203.0.113.1");
    EXPECT_EQ(r.post_nat_dst_ip.to_string(), "192.0.2.9");
    EXPECT_EQ(r.post_nat_src_port, 40000);
    EXPECT_EQ(r.post_nat_dst_port, 53);
    EXPECT_EQ(r.nat_event, 1);
    EXPECT_EQ(r.fw_event, 3);
    EXPECT_EQ(r.fwd_status, 0x42);
    EXPECT_EQ(r.in_cvlan, 300);
    EXPECT_EQ(r.out_cvlan, 301);
    EXPECT_EQ(r.mpls_pw_id, 77U);
    EXPECT_EQ(r.bytes, 0U);  // NAT events carry no counters
    const FlowRecord& a = c.records[1];
    EXPECT_EQ(a.post_nat_src_ip.to_string(), "203.0.113.2");
    EXPECT_EQ(a.post_nat_dst_ip.to_string(), "198.51.100.7");
    EXPECT_EQ(a.post_nat_src_port, 1024);
    EXPECT_EQ(a.post_nat_dst_port, 443);
    EXPECT_EQ(a.fw_event, 2);
}

// MPLS label elements (label << 4 | exp << 1 | bottom-of-stack), the RD element and VXLAN.
TEST(TemplateDecoder, MplsStackRouteDistinguisherAndVxlan) {
    TemplateDecoder dec;
    Datagram d(10);
    d.open_set(2).u16(300).u16(6);
    d.u16(70).u16(3).u16(71).u16(3).u16(72).u16(3).u16(90).u16(8).u16(351).u16(8).u16(1).u16(4);
    d.close_set();
    auto label = [&](std::uint32_t v) { d.u8(static_cast<std::uint8_t>(v >> 16)).u16(static_cast<std::uint16_t>(v)); };
    d.open_set(300);
    label(100U << 4);
    label((200U << 4) | 1U);
    label(0);
    d.u16(0).u16(65000).u32(7);        // RD type 0, 65000:7
    d.u8(1).u8(0).u16(0).u8(0).u8(0x12).u16(0x3456);  // VXLAN VNI 0x123456
    d.u32(1000);
    // A stack without its bottom-of-stack bit, and an RD of type 1 (192.0.2.1:5).
    label(300U << 4);
    label(0);
    label(0);
    d.u16(1).ip4(192, 0, 2, 1).u16(5);
    d.u8(2).u8(0).u16(0).u32(9);       // NVGRE segment (VSID 9): not VXLAN
    d.u32(10);
    d.close_set();
    Collected c;
    ASSERT_TRUE(c(dec, d).ok());
    ASSERT_EQ(c.records.size(), 2U);
    const FlowRecord& r = c.records[0];
    EXPECT_EQ(r.mpls_label_top, 100U);
    EXPECT_EQ(r.mpls_label_bottom, 200U);
    ASSERT_EQ(r.mpls_stack_depth, 2);
    EXPECT_EQ(r.mpls_labels[0], 100U);
    EXPECT_EQ(r.mpls_labels[1], 200U);
    const std::array<std::uint8_t, 8> rd = {kRdOriginFlow, 0, 0xFD, 0xE8, 0, 0, 0, 7};
    EXPECT_EQ(r.mpls_vpn_rd, rd);
    EXPECT_EQ(r.vxlan, 0x123456U);
    const FlowRecord& s = c.records[1];
    EXPECT_EQ(s.mpls_label_top, 300U);
    EXPECT_EQ(s.mpls_label_bottom, 0U);
    EXPECT_EQ(s.mpls_stack_depth, 1);
    const std::array<std::uint8_t, 8> rd1 = {kRdOriginFlow, 1, 192, 0, 2, 1, 0, 5};
    EXPECT_EQ(s.mpls_vpn_rd, rd1);
    EXPECT_EQ(s.vxlan, 0U);
    EXPECT_EQ(s.nvgre, 9U);
    EXPECT_EQ(r.nvgre, 0U);
}

// Options data names interfaces (v9 interface scope), VRFs (name and RD) and applications; data
// records show the names, the RD of their VRF, or the bare VRF id when nothing maps it.
TEST(TemplateDecoder, NamesAndRdsFromOptionsData) {
    TemplateDecoder dec;
    Datagram d(9);
    d.open_set(1).u16(400).u16(4).u16(4).u16(2).u16(4).u16(82).u16(8).close_set();  // interface -> name
    d.open_set(1).u16(401).u16(4).u16(12).u16(1).u16(4).u16(234).u16(4).u16(236).u16(8).u16(90).u16(8).close_set();
    d.open_set(1).u16(402).u16(4).u16(8).u16(1).u16(0).u16(95).u16(4).u16(96).u16(8).close_set();
    d.open_set(0).u16(403).u16(7);
    d.u16(10).u16(4).u16(14).u16(4).u16(234).u16(4).u16(235).u16(4).u16(61).u16(1).u16(95).u16(4).u16(1).u16(4);
    d.close_set();
    d.open_set(400).u32(3).u8('x').u8('e').u8('-').u8('0').u8('/').u8('0').u8(0).u8(0);
    d.u32(4).u8('l').u8('o').u8('0').u8(0).u32(0).close_set();
    d.open_set(401).u32(0).u32(5).u8('c').u8('u').u8('s').u8('t').u8('-').u8('a').u8(0).u8(0);
    d.u16(0).u16(64512).u32(5).close_set();
    d.open_set(402).u32(0x03000050).u8('h').u8('t').u8('t').u8('p').u32(0).close_set();
    d.open_set(403).u32(3).u32(4).u32(5).u32(0).u8(0).u32(0x03000050).u32(100);
    d.u32(3).u32(9).u32(1).u32(9).u8(1).u32(0x03000051).u32(100).close_set();
    Collected c;
    ASSERT_TRUE(c(dec, d).ok());
    ASSERT_EQ(c.records.size(), 2U);
    const FlowRecord& r = c.records[0];
    EXPECT_EQ(r.in_iface_name, "xe-0/0");
    EXPECT_EQ(r.out_iface_name, "lo0");
    EXPECT_EQ(r.ingress_vrf_name, "cust-a");
    EXPECT_EQ(r.egress_vrf_name, "");
    EXPECT_EQ(r.mpls_vpn_id_in, 5U);
    EXPECT_EQ(r.mpls_vpn_id_out, 0U);
    EXPECT_EQ(r.flowset_id, 403);
    EXPECT_EQ(r.template_traits, 0);
    EXPECT_EQ(r.vrf_name, "cust-a");
    const std::array<std::uint8_t, 8> rd = {kRdOriginFlow, 0, 0xFC, 0x00, 0, 0, 0, 5};
    EXPECT_EQ(r.mpls_vpn_rd, rd);
    EXPECT_EQ(r.class_name, "http");
    // Egress flow: the egress VRF (9), which nothing names: "vrfid:9".
    const FlowRecord& s = c.records[1];
    EXPECT_EQ(s.out_iface_name, "");
    EXPECT_EQ(s.vrf_name, "");
    const std::array<std::uint8_t, 8> vrfid = {kRdOriginFlow, kRdTypeVrfId, 0, 0, 0, 9, 0, 0};
    EXPECT_EQ(s.mpls_vpn_rd, vrfid);
    EXPECT_EQ(s.class_name, "");
}

// exporterIPv4Address in data or options data replaces the sender as peer_src_ip.
TEST(TemplateDecoder, ExporterAddressElements) {
    TemplateDecoder dec;
    Datagram d(10);
    d.open_set(3).u16(500).u16(2).u16(1).u16(149).u16(4).u16(130).u16(4).close_set();
    d.open_set(2).u16(501).u16(1).u16(1).u16(4).close_set();
    d.open_set(2).u16(502).u16(2).u16(131).u16(16).u16(1).u16(4).close_set();
    d.open_set(501).u32(1).close_set();  // before the options: the sender
    d.open_set(500).u32(7).ip4(192, 0, 2, 77).close_set();
    d.open_set(501).u32(2).close_set();
    d.open_set(502).u32(0x20010db8).u32(0).u32(0).u32(1).u32(3).close_set();
    Collected c;
    ASSERT_TRUE(c(dec, d).ok());
    ASSERT_EQ(c.records.size(), 3U);
    EXPECT_EQ(c.records[0].peer_src_ip.to_string(), "10.0.0.1");
    EXPECT_EQ(c.records[1].peer_src_ip.to_string(), "192.0.2.77");
    EXPECT_EQ(c.records[2].peer_src_ip.to_string(), "2001:db8::1");
}

// Custom primitives get the bytes of their element: from fixed and variable-length templates,
// enterprise elements, the first of repeated elements, two primitives on one element; options
// records reach the sink when nfacctd_account_options asks.
TEST(TemplateDecoder, CustomElementsAndAccountedOptions) {
    TemplateOptions o;
    o.custom = {{0, 234}, {2636, 137}, {0, 82}, {0, 234}};
    o.account_options = true;
    TemplateDecoder dec(o);
    Datagram d(10);
    d.open_set(2).u16(300).u16(4).u16(234).u16(4).u16(0x8000 | 137).u16(2).u32(2636);
    d.u16(0x8000 | 137).u16(2).u32(2636).u16(82).u16(65535).close_set();
    d.open_set(3).u16(301).u16(2).u16(1).u16(10).u16(4).u16(82).u16(4).close_set();
    d.open_set(300).u32(7).u16(0x1111).u16(0x2222).u8(3).u8('e').u8('t').u8('h').u16(0).close_set();
    d.open_set(301).u32(5).u8('l').u8('o').u8('0').u8(0).close_set();
    // The values live in the decoder while a record is handed over: keep copies.
    struct Seen {
        FlowRecord record;
        std::vector<std::string> custom;  // "" for an absent element
        std::vector<bool> present;
    };
    std::vector<Seen> seen;
    IpAddress from;
    IpAddress::parse("10.0.0.1", from);
    const auto bytes = d.bytes();
    ASSERT_TRUE(dec.decode(bytes, from, Timestamp{1700000100, 0}, [&](const FlowRecord& r) {
                      Seen s{r, {}, {}};
                      for (std::size_t i = 0; i < o.custom.size(); ++i) {
                          s.custom.emplace_back(reinterpret_cast<const char*>(r.custom[i].data), r.custom[i].length);
                          s.present.push_back(r.custom[i].data != nullptr);
                      }
                      seen.push_back(std::move(s));
                  }).ok());
    ASSERT_EQ(seen.size(), 2U);
    const Seen& r = seen[0];
    EXPECT_EQ(r.custom[0], std::string("\0\0\0\x07", 4));
    EXPECT_EQ(r.custom[1], "\x11\x11");  // the first of the repeated element
    EXPECT_EQ(r.custom[2], "eth");
    EXPECT_EQ(r.custom[3], r.custom[0]);
    EXPECT_EQ(r.record.type, FlowType::kEvent);  // no counters in its template (1.7.7: an event)
    const Seen& opt = seen[1];
    EXPECT_EQ(opt.record.type, FlowType::kOption);
    EXPECT_EQ(opt.record.bytes + opt.record.packets + opt.record.flows, 0U);
    EXPECT_EQ(opt.record.in_iface, 5U);
    // Elements the options template lacks read as absent, not as the last record's.
    EXPECT_FALSE(opt.present[0]);
    EXPECT_EQ(opt.custom[2], std::string("lo0\0", 4));
}

// Data templates are compiled to extract what the plugins aggregate on (and what every record
// needs); a primitive the table does not know keeps every field.
TEST(TemplateDecoder, TemplatesCompileToWhatThePluginsNeed) {
    const std::vector<std::string> five_tuple = {"src_host", "dst_host", "src_port", "dst_port", "proto"};
    const TargetSet needed = targets_for(five_tuple);
    EXPECT_TRUE(needed.test(static_cast<std::size_t>(Target::kBytes)));
    EXPECT_TRUE(needed.test(static_cast<std::size_t>(Target::kFirstUptime)));
    EXPECT_TRUE(needed.test(static_cast<std::size_t>(Target::kSamplerId)));
    EXPECT_TRUE(needed.test(static_cast<std::size_t>(Target::kProto)));
    EXPECT_FALSE(needed.test(static_cast<std::size_t>(Target::kSrcAs)));
    EXPECT_FALSE(needed.test(static_cast<std::size_t>(Target::kNatEvent)));
    EXPECT_TRUE(targets_for(std::vector<std::string>{"src_host", "post_nat_src_host"}).all());

    TemplateOptions o;
    o.needed = needed;
    TemplateDecoder dec(o);
    Datagram d(9);
    d.open_set(0).u16(256).u16(4).u16(8).u16(4).u16(16).u16(4).u16(4).u16(1).u16(1).u16(4).close_set();
    d.open_set(256).ip4(192, 0, 2, 1).u32(65001).u8(6).u32(100).u8(0).u8(0).u8(0).close_set();
    Collected c;
    ASSERT_TRUE(c(dec, d).ok());
    ASSERT_EQ(c.records.size(), 1U);
    EXPECT_EQ(c.records[0].src_as, 0U);  // not needed: not read
    EXPECT_EQ(c.records[0].proto, 6);
    EXPECT_EQ(c.records[0].bytes, 100U);
    TemplateKey key{};
    IpAddress::parse("10.0.0.1", key.exporter.address);
    key.exporter.source_id = 7;
    key.id = 256;
    key.version = 9;
    ASSERT_NE(dec.find(key), nullptr);
    EXPECT_EQ(dec.find(key)->ops.size(), 3U);
}

// The decoder puts back only what a record of a plain template can change: nothing of one
// record may show in the next, whatever templates and datagrams they come from.
TEST(TemplateDecoder, NothingOfARecordShowsInTheNext) {
    const auto templates = [](Datagram& d) {
        // 300: plain fields only (src/dst, counters, AS, interfaces, ToS, mask, sampling,
        // direction, times, out bytes, next hop).
        d.open_set(0).u16(300).u16(15);
        d.u16(8).u16(4).u16(12).u16(4).u16(1).u16(4).u16(2).u16(4).u16(16).u16(4).u16(17).u16(2);
        d.u16(10).u16(2).u16(14).u16(4).u16(5).u16(1).u16(9).u16(1).u16(34).u16(4).u16(61).u16(1);
        d.u16(22).u16(4).u16(23).u16(4).u16(15).u16(4);
        d.close_set();
        // 301: addresses and 8-byte counters only.
        d.open_set(0).u16(301).u16(4).u16(8).u16(4).u16(12).u16(4).u16(1).u16(8).u16(2).u16(8).close_set();
        // 302: IPv6, a VLAN and a source MAC (apply()), an MPLS label.
        d.open_set(0).u16(302).u16(6);
        d.u16(27).u16(16).u16(28).u16(16).u16(58).u16(2).u16(56).u16(6).u16(70).u16(3).u16(2).u16(4);
        d.close_set();
        return d;
    };
    const auto record300 = [](Datagram& d) {
        d.open_set(300).ip4(192, 0, 2, 1).ip4(198, 51, 100, 1).u32(1000).u32(10).u32(65001).u16(65002);
        d.u16(3).u32(4).u8(0x20).u8(24).u32(100).u8(1).u32(99000).u32(555).ip4(10, 0, 0, 254).close_set();
    };
    const auto record301 = [](Datagram& d) {
        d.open_set(301).ip4(192, 0, 2, 2).ip4(198, 51, 100, 2).u64(2000).u64(20).close_set();
    };
    const auto record302 = [](Datagram& d) {
        d.open_set(302);
        for (int i = 0; i < 15; ++i) d.u8(0x20);
        d.u8(1);
        for (int i = 0; i < 15; ++i) d.u8(0x20);
        d.u8(2);
        d.u16(12).u8(0).u8(1).u8(2).u8(3).u8(4).u8(5).u8(0x01).u8(0x00).u8(0x31).u32(1).close_set();
    };
    TemplateDecoder dec;
    Collected c;
    Datagram first(9);
    templates(first);
    record300(first);
    record301(first);
    record302(first);
    record301(first);
    ASSERT_TRUE(c(dec, first).ok());
    Datagram second(9);
    record302(second);
    record300(second);
    record301(second);
    ASSERT_TRUE(c(dec, second).ok());
    ASSERT_EQ(c.records.size(), 7U);

    // Each 301 record as a decoder that saw nothing else shows it.
    TemplateDecoder fresh;
    Collected alone;
    Datagram only(9);
    templates(only);
    record301(only);
    ASSERT_TRUE(alone(fresh, only).ok());
    ASSERT_EQ(alone.records.size(), 1U);
    const FlowRecord& want = alone.records[0];
    for (const std::size_t i : {1U, 3U, 6U}) {
        SCOPED_TRACE(i);
        const FlowRecord& r = c.records[i];
        EXPECT_EQ(r.src_ip, want.src_ip);
        EXPECT_EQ(r.bytes, 2000U);
        EXPECT_EQ(r.packets, 20U);
        EXPECT_EQ(r.src_as, 0U);
        EXPECT_EQ(r.dst_as, 0U);
        EXPECT_EQ(r.in_iface, 0U);
        EXPECT_EQ(r.out_iface, 0U);
        EXPECT_EQ(r.tos, 0);
        EXPECT_EQ(r.src_mask, 0);
        EXPECT_EQ(r.vlan, 0);
        EXPECT_EQ(r.src_mac, MacAddress{});
        EXPECT_TRUE(r.ip_next_hop.empty());
        EXPECT_EQ(r.mpls_label_top, 0U);
        EXPECT_EQ(r.mpls_stack_depth, 0);
        EXPECT_EQ(r.sampling_rate, want.sampling_rate);
        EXPECT_EQ(r.sampling_direction, want.sampling_direction);
        EXPECT_EQ(r.time_start, want.time_start);
        EXPECT_EQ(r.time_end, want.time_end);
        EXPECT_EQ(r.etype, want.etype);
        EXPECT_EQ(r.type, FlowType::kIpv4);
    }
    // And the others are whole.
    for (const std::size_t i : {0U, 5U}) {
        SCOPED_TRACE(i);
        const FlowRecord& r = c.records[i];
        EXPECT_EQ(r.bytes, 1000U);
        EXPECT_EQ(r.src_as, 65001U);
        EXPECT_EQ(r.dst_as, 65002U);
        EXPECT_EQ(r.in_iface, 3U);
        EXPECT_EQ(r.out_iface, 4U);
        EXPECT_EQ(r.tos, 0x20);
        EXPECT_EQ(r.src_mask, 24);
        EXPECT_EQ(r.sampling_rate, 100U);
        EXPECT_EQ(r.sampling_direction, 'e');
        EXPECT_EQ(r.ip_next_hop.to_string(), "10.0.0.254");
        EXPECT_EQ(r.src_mac, MacAddress{});
    }
    for (const std::size_t i : {2U, 4U}) {
        SCOPED_TRACE(i);
        const FlowRecord& r = c.records[i];
        EXPECT_EQ(r.type, FlowType::kIpv6);
        EXPECT_EQ(r.vlan, 12);
        EXPECT_EQ(r.mpls_label_top, 0x1003U);
        EXPECT_EQ(r.src_as, 0U);
        EXPECT_EQ(r.sampling_rate, 0U);
        EXPECT_EQ(r.packets, 1U);
        EXPECT_EQ(r.bytes, 0U);
    }
}

TEST(TemplateDecoder, RecordsOfOneSetAreEachWhole) {
    // Between two records of a set the decoder puts back only what finish_record() derives
    // (bytes from out bytes, the interface from the physical one, times, type): each record of a
    // set of several must show as a decoder that saw it alone shows it.
    const auto template310 = [](Datagram& d) {
        // IPv4 src, out bytes (no in bytes), packets, input SNMP and ingress physical interface,
        // egress physical interface (no output SNMP), src AS, first/last switched, src mask.
        d.open_set(0).u16(310).u16(10);
        d.u16(8).u16(4).u16(23).u16(4).u16(2).u16(4).u16(10).u16(4).u16(252).u16(4).u16(253).u16(4);
        d.u16(16).u16(4).u16(22).u16(4).u16(21).u16(4).u16(9).u16(1);
        return d.close_set();
    };
    struct Values {
        std::uint8_t last_octet;
        std::uint32_t out_bytes, packets, in_snmp, in_phys, out_phys, src_as, first, last;
        std::uint8_t mask;
    };
    const std::vector<Values> values = {
        {1, 500, 5, 0, 7, 8, 65001, 90000, 95000, 24},
        {2, 100, 1, 3, 0, 0, 0, 98000, 99000, 0},
        {3, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        {4, 500, 5, 0, 7, 8, 65001, 90000, 95000, 24},
    };
    const auto record = [](Datagram& d, const Values& v) {
        d.ip4(192, 0, 2, v.last_octet).u32(v.out_bytes).u32(v.packets).u32(v.in_snmp).u32(v.in_phys);
        d.u32(v.out_phys).u32(v.src_as).u32(v.first).u32(v.last).u8(v.mask);
    };
    TemplateDecoder dec;
    Collected all;
    Datagram d(9);
    template310(d);
    d.open_set(310);
    for (const Values& v : values) record(d, v);
    d.close_set();
    ASSERT_TRUE(all(dec, d).ok());
    ASSERT_EQ(all.records.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        SCOPED_TRACE(i);
        TemplateDecoder fresh;
        Collected alone;
        Datagram one(9);
        template310(one);
        one.open_set(310);
        record(one, values[i]);
        one.close_set();
        ASSERT_TRUE(alone(fresh, one).ok());
        ASSERT_EQ(alone.records.size(), 1U);
        const FlowRecord& want = alone.records[0];
        const FlowRecord& r = all.records[i];
        EXPECT_EQ(r.src_ip, want.src_ip);
        EXPECT_EQ(r.bytes, want.bytes);
        EXPECT_EQ(r.packets, want.packets);
        EXPECT_EQ(r.flows, want.flows);
        EXPECT_EQ(r.in_iface, want.in_iface);
        EXPECT_EQ(r.out_iface, want.out_iface);
        EXPECT_EQ(r.src_as, want.src_as);
        EXPECT_EQ(r.src_mask, want.src_mask);
        EXPECT_EQ(r.time_start, want.time_start);
        EXPECT_EQ(r.time_end, want.time_end);
        EXPECT_EQ(r.etype, want.etype);
        EXPECT_EQ(r.type, want.type);
    }
    // What the fallbacks give, so that the comparison above is not between two wrong records.
    EXPECT_EQ(all.records[0].bytes, 500U);
    EXPECT_EQ(all.records[0].in_iface, 7U);
    EXPECT_EQ(all.records[0].out_iface, 8U);
    EXPECT_EQ(all.records[1].bytes, 100U);
    EXPECT_EQ(all.records[1].in_iface, 3U);
    EXPECT_EQ(all.records[1].out_iface, 0U);
    EXPECT_EQ(all.records[2].bytes, 0U);
    EXPECT_EQ(all.records[2].in_iface, 0U);
    EXPECT_EQ(all.records[2].src_as, 0U);
    EXPECT_EQ(all.records[3].src_as, 65001U);
}

TEST(TemplateDecoder, MalformedInputIsCountedAndNeverReadPastTheEnd) {
    TemplateDecoder dec;
    Collected c;
    // Short header.
    std::vector<std::uint8_t> shorty = {0, 9, 0, 1};
    IpAddress from;
    IpAddress::parse("10.0.0.1", from);
    EXPECT_EQ(dec.decode(shorty, from, Timestamp{}, [](const FlowRecord&) {}).outcome, V9Outcome::kShortHeader);
    // A set claiming more bytes than there are.
    Datagram over(9);
    over.open_set(256).u32(0);
    auto bytes = over.bytes();
    bytes[kNetflowV9HeaderSize + 3] = 200;
    EXPECT_EQ(dec.decode(bytes, from, Timestamp{}, [](const FlowRecord&) {}).outcome, V9Outcome::kMalformedSet);
    // A set length under 4 would loop forever if taken.
    bytes[kNetflowV9HeaderSize + 3] = 0;
    EXPECT_EQ(dec.decode(bytes, from, Timestamp{}, [](const FlowRecord&) {}).outcome, V9Outcome::kMalformedSet);
    // Templates whose records take no bytes, or with a reserved id, are refused.
    Datagram zero(9);
    zero.open_set(0).u16(256).u16(1).u16(1).u16(0).close_set();
    zero.open_set(0).u16(5).u16(1).u16(1).u16(4).close_set();
    c(dec, zero);
    EXPECT_EQ(dec.template_count(), 0U);
    EXPECT_EQ(dec.counters().malformed_templates, 2U);
    // IPFIX length field larger than the datagram.
    Datagram ipfix(10);
    auto ib = ipfix.bytes();
    ib[3] = 200;
    EXPECT_EQ(dec.decode(ib, from, Timestamp{}, [](const FlowRecord&) {}).outcome, V9Outcome::kBadLength);
    // A record cut short at the end of a set: the whole records before it are kept.
    Datagram cut(9);
    v9_template(cut);
    cut.open_set(256);
    v9_record(cut, 1, 10);
    cut.u32(0).u32(0);
    cut.close_set();
    c(dec, cut);
    ASSERT_EQ(c.records.size(), 1U);
    EXPECT_EQ(c.records[0].bytes, 10U);
    EXPECT_EQ(dec.counters().malformed, 4U);  // short, two bad set lengths, bad IPFIX length
}

// A variable-length field whose length runs past the record ends the set, nothing else.
TEST(TemplateDecoder, VariableLengthPastTheEndStops) {
    TemplateDecoder dec;
    Datagram d(10);
    d.open_set(2).u16(300).u16(2).u16(82).u16(65535).u16(1).u16(4).close_set();
    d.open_set(300).u8(3).u8('a').u8('b').u8('c').u32(77).u8(250).u8('x').close_set();
    Collected c;
    ASSERT_TRUE(c(dec, d).ok());
    ASSERT_EQ(c.records.size(), 1U);
    EXPECT_EQ(c.records[0].bytes, 77U);
}

}  // namespace
}  // namespace pmacct::flow
