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

}  // namespace
}  // namespace pmacct::packet
