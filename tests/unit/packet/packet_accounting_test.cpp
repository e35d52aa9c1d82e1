// PacketAccountant: what one captured frame accounts, and the fragment table (ports for every
// fragment, fragments ahead of their first one, orphans, expiry, a full table).
#include "pmacct/packet/packet_accounting.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "packet_builder.hpp"

namespace pmacct::packet {
namespace {

using namespace pmacct::testing;  // the frame builders

// A UDP datagram of 1544 bytes from 10.0.0.1 to `dst`, cut at byte 1480: the first or the
// second fragment.
Bytes fragment(const char* dst, std::uint16_t id, bool first) {
    const Bytes datagram = udp(4000, 53, Bytes(1536, 0xAB));
    const std::size_t from = first ? 0 : 1480;
    const std::size_t to = first ? 1480 : datagram.size();
    const Bytes part(datagram.begin() + static_cast<std::ptrdiff_t>(from),
                     datagram.begin() + static_cast<std::ptrdiff_t>(to));
    const auto flags = static_cast<std::uint16_t>(first ? 0x2000 : 1480 / 8);
    return cat({eth(1, 2, 0x0800), ipv4(17, "10.0.0.1", dst, part, {.flags_offset = flags, .id = id})});
}

struct Result {
    bool accounted;
    std::uint64_t packets, bytes;
    std::uint16_t src_port, dst_port;
};

Result account(PacketAccountant& a, const Bytes& frame, std::int64_t second = 1000) {
    FlowRecord r;
    const bool yes = a.account(LinkType::kEthernet, frame, Timestamp{second, 5}, r);
    return {yes, r.packets, r.bytes, r.src_port, r.dst_port};
}

TEST(PacketAccounting, OnePacketIsOneRecordOfItsIpLength) {
    PacketAccountant a(1024, true);
    Bytes f = cat({eth(1, 2, 0x8100), tag((5 << 13) | 100, 0x0800),
                   ipv4(6, "10.0.0.1", "10.0.0.2", tcp(1000, 80, 0x12, Bytes(10, 0)), {.tos = 0x20})});
    f.resize(f.size() + 6);  // Ethernet padding is not counted
    FlowRecord r;
    ASSERT_TRUE(a.account(LinkType::kEthernet, f, Timestamp{1700000000, 42}, r));
    EXPECT_EQ(r.packets, 1U);
    EXPECT_EQ(r.bytes, 50U);
    EXPECT_EQ(r.vlan, 100);
    EXPECT_EQ(r.cos, 5);
    EXPECT_EQ(r.etype, 0x0800);
    EXPECT_EQ(r.src_port, 1000);
    EXPECT_EQ(r.dst_port, 80);
    EXPECT_EQ(r.tcp_flags, 0x12);
    EXPECT_EQ(r.tos, 0x20);
    EXPECT_EQ(r.time_start, (Timestamp{1700000000, 42}));
    EXPECT_EQ(r.time_arrival, (Timestamp{1700000000, 42}));
    EXPECT_TRUE(r.time_end.empty());
    // Not IP: nothing.
    EXPECT_FALSE(a.account(LinkType::kEthernet, cat({eth(1, 2, 0x0806), Bytes(28, 0)}), Timestamp{}, r));
    EXPECT_EQ(a.counters().not_ip, 1U);
}

TEST(PacketAccounting, EveryFragmentGetsThePortsOfItsFirst) {
    PacketAccountant a(1024, true);
    const Result first = account(a, fragment("10.0.0.2", 7, true));
    EXPECT_TRUE(first.accounted);
    EXPECT_EQ(first.bytes, 1500U);
    const Result second = account(a, fragment("10.0.0.2", 7, false));
    EXPECT_TRUE(second.accounted);
    EXPECT_EQ(second.bytes, 84U);
    EXPECT_EQ(second.src_port, 4000);
    EXPECT_EQ(second.dst_port, 53);
}

TEST(PacketAccounting, FragmentsAheadOfTheFirstAreAccountedWithIt) {
    PacketAccountant a(1024, true);
    EXPECT_FALSE(account(a, fragment("10.0.0.3", 8, false)).accounted);
    EXPECT_EQ(a.counters().held, 1U);
    const Result first = account(a, fragment("10.0.0.3", 8, true));
    EXPECT_TRUE(first.accounted);
    EXPECT_EQ(first.packets, 2U);
    EXPECT_EQ(first.bytes, 1584U);
    // Another datagram (other id) is not mixed in.
    EXPECT_FALSE(account(a, fragment("10.0.0.3", 9, false)).accounted);
}

TEST(PacketAccounting, FragmentsExpire) {
    PacketAccountant a(1024, true);
    EXPECT_FALSE(account(a, fragment("10.0.0.4", 1, false), 1000).accounted);
    // The first fragment after the lifetime: the held fragment is forgotten.
    const Result first = account(a, fragment("10.0.0.4", 1, true), 1000 + FragmentTable::kDefaultLifetime + 1);
    EXPECT_EQ(first.packets, 1U);
    EXPECT_EQ(first.bytes, 1500U);
}

TEST(PacketAccounting, AFullTableDropsLaterFragments) {
    PacketAccountant a(16, true);  // 16 slots, all probed
    for (std::uint16_t id = 0; id < 16; ++id) EXPECT_FALSE(account(a, fragment("10.0.0.5", id, false)).accounted);
    EXPECT_FALSE(account(a, fragment("10.0.0.5", 100, false)).accounted);
    EXPECT_EQ(a.counters().frag_dropped, 1U);
    // A first fragment is accounted all the same (it has its ports).
    EXPECT_TRUE(account(a, fragment("10.0.0.5", 101, true)).accounted);
}

TEST(PacketAccounting, WithoutFragmentHandlingEachFragmentCountsAsItComes) {
    PacketAccountant a(1024, false);
    const Result later = account(a, fragment("10.0.0.6", 3, false));
    EXPECT_TRUE(later.accounted);
    EXPECT_EQ(later.src_port, 0);
    EXPECT_EQ(later.bytes, 84U);
}

// What a tunnel carries: the tunnel_* fields, with the envelope accounted; GTP-U (tunnel_0): the
// content accounted instead of the envelope.
TEST(PacketAccounting, TunnelsFillTheTunnelFieldsOrAreAccountedThrough) {
    const Bytes inner = ipv4(6, "172.16.0.1", "172.16.0.2", tcp(1234, 80, 0x12, Bytes(10, 0)), {.tos = 0x10});
    Bytes vxlan = {0x08, 0, 0, 0};
    put32(vxlan, 5000U << 8);
    const Bytes vx = cat({eth(1, 2, 0x0800), ipv4(17, "192.0.2.1", "192.0.2.2",
                                                  udp(55555, 4789, cat({vxlan, eth(0xA, 0xB, 0x0800), inner})))});
    PacketAccountant a(1024, true, Options::accounting());
    FlowRecord r;
    ASSERT_TRUE(a.account(LinkType::kEthernet, vx, Timestamp{1, 0}, r));
    EXPECT_EQ(r.src_ip.to_string(), "192.0.2.1");
    EXPECT_EQ(r.dst_port, 4789);
    EXPECT_EQ(r.bytes, vx.size() - 14);
    EXPECT_EQ(r.vxlan, 5000U);
    EXPECT_EQ(r.tunnel_src_mac.to_string(), "02:00:00:00:00:0b");
    EXPECT_EQ(r.tunnel_dst_mac.to_string(), "02:00:00:00:00:0a");
    EXPECT_EQ(r.tunnel_src_ip.to_string(), "172.16.0.1");
    EXPECT_EQ(r.tunnel_dst_ip.to_string(), "172.16.0.2");
    EXPECT_EQ(r.tunnel_proto, 6);
    EXPECT_EQ(r.tunnel_tos, 0x10);
    EXPECT_EQ(r.tunnel_src_port, 1234);
    EXPECT_EQ(r.tunnel_dst_port, 80);
    EXPECT_EQ(r.tunnel_tcp_flags, 0x12);

    // GRE and IP-in-IP: no inner MACs.
    const Bytes gre = cat({eth(1, 2, 0x0800), ipv4(47, "192.0.2.3", "192.0.2.4", cat({{0, 0, 0x08, 0}, inner}))});
    ASSERT_TRUE(a.account(LinkType::kEthernet, gre, Timestamp{1, 0}, r));
    EXPECT_EQ(r.proto, 47);
    EXPECT_EQ(r.vxlan, 0U);
    EXPECT_EQ(r.tunnel_src_mac, MacAddress{});
    EXPECT_EQ(r.tunnel_dst_ip.to_string(), "172.16.0.2");
    EXPECT_EQ(r.tunnel_dst_port, 80);
    const Bytes ipip = cat({eth(1, 2, 0x0800), ipv4(4, "192.0.2.5", "192.0.2.6", inner)});
    ASSERT_TRUE(a.account(LinkType::kEthernet, ipip, Timestamp{1, 0}, r));
    EXPECT_EQ(r.proto, 4);
    EXPECT_EQ(r.tunnel_src_ip.to_string(), "172.16.0.1");

    // NVGRE: the VSID.
    Bytes nv = {0x20, 0x00, 0x65, 0x58};
    put32(nv, (777U << 8) | 1);
    const Bytes nvgre = cat({eth(1, 2, 0x0800), ipv4(47, "192.0.2.7", "192.0.2.8", cat({nv, eth(0xC, 0xD, 0x0800), inner}))});
    ASSERT_TRUE(a.account(LinkType::kEthernet, nvgre, Timestamp{1, 0}, r));
    EXPECT_EQ(r.nvgre, 777U);
    EXPECT_EQ(r.tunnel_src_mac.to_string(), "02:00:00:00:00:0d");

    // GTP-U is closed by default: the envelope, no tunnel fields.
    Bytes g = {0x30, 0xFF};
    put16(g, static_cast<std::uint16_t>(inner.size()));
    put32(g, 0xDEADBEEF);
    const Bytes gtp = cat({eth(1, 2, 0x0800), ipv4(17, "10.1.0.1", "10.1.0.2", udp(2152, 2152, cat({g, inner})))});
    ASSERT_TRUE(a.account(LinkType::kEthernet, gtp, Timestamp{1, 0}, r));
    EXPECT_EQ(r.src_ip.to_string(), "10.1.0.1");
    EXPECT_TRUE(r.tunnel_src_ip.empty());
    // Opened (tunnel_0: gtp, 2152): the content, its length, its addresses and ports.
    Options o = Options::accounting();
    o.gtp_port = 2152;
    PacketAccountant through(1024, true, o);
    ASSERT_TRUE(through.account(LinkType::kEthernet, gtp, Timestamp{1, 0}, r));
    EXPECT_EQ(r.src_ip.to_string(), "172.16.0.1");
    EXPECT_EQ(r.dst_port, 80);
    EXPECT_EQ(r.proto, 6);
    EXPECT_EQ(r.tos, 0x10);
    EXPECT_EQ(r.bytes, inner.size());
    EXPECT_EQ(r.src_mac.to_string(), "02:00:00:00:00:02");
    EXPECT_TRUE(r.tunnel_src_ip.empty());
}

// A tunnel whose content is broken is accounted as its envelope, never dropped.
TEST(PacketAccounting, ABrokenTunnelIsAccountedAsItsEnvelope) {
    Bytes bad_inner = ipv4(6, "172.16.0.1", "172.16.0.2", tcp(1, 2, 0));
    bad_inner[0] = 0x44;  // IPv4 header length 16
    PacketAccountant a(1024, true, Options::every_tunnel());
    FlowRecord r;
    const Bytes gre = cat({eth(1, 2, 0x0800), ipv4(47, "192.0.2.3", "192.0.2.4", cat({{0, 0, 0x08, 0}, bad_inner}))});
    ASSERT_TRUE(a.account(LinkType::kEthernet, gre, Timestamp{1, 0}, r));
    EXPECT_EQ(r.src_ip.to_string(), "192.0.2.3");
    EXPECT_EQ(r.proto, 47);
    EXPECT_TRUE(r.tunnel_src_ip.empty());
    Bytes g = {0x30, 0xFF};
    put16(g, static_cast<std::uint16_t>(bad_inner.size()));
    put32(g, 1);
    const Bytes gtp = cat({eth(1, 2, 0x0800), ipv4(17, "10.1.0.1", "10.1.0.2", udp(2152, 2152, cat({g, bad_inner})))});
    ASSERT_TRUE(a.account(LinkType::kEthernet, gtp, Timestamp{1, 0}, r));
    EXPECT_EQ(r.src_ip.to_string(), "10.1.0.1");
    EXPECT_EQ(r.dst_port, 2152);
    EXPECT_EQ(a.counters().malformed, 0U);
    // A broken envelope is still malformed.
    Bytes outer = gre;
    outer[14] = 0x44;
    EXPECT_FALSE(a.account(LinkType::kEthernet, outer, Timestamp{1, 0}, r));
    EXPECT_EQ(a.counters().malformed, 1U);
}

}  // namespace
}  // namespace pmacct::packet
