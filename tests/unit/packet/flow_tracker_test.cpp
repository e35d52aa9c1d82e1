// The flows primitive of pmacctd: which packets start a flow. The expectations are what Debian's
// pmacctd 1.7.7 gave on a live veth with pmacctd_flow_lifetime and pmacctd_flow_tcp_lifetime
// at 2 seconds (tests/integration/pmacctd_test.cpp compares savefile replays side by side).
#include "pmacct/packet/flow_tracker.hpp"

#include <gtest/gtest.h>

namespace pmacct::packet {
namespace {

constexpr std::uint8_t kFin = 0x01;
constexpr std::uint8_t kSyn = 0x02;
constexpr std::uint8_t kRst = 0x04;
constexpr std::uint8_t kAck = 0x10;

FlowRecord packet(const char* src, const char* dst, std::uint16_t sport, std::uint16_t dport, std::uint8_t proto,
                  std::uint8_t flags = 0) {
    FlowRecord r;
    EXPECT_TRUE(IpAddress::parse(src, r.src_ip));
    EXPECT_TRUE(IpAddress::parse(dst, r.dst_ip));
    r.src_port = sport;
    r.dst_port = dport;
    r.proto = proto;
    r.tcp_flags = flags;
    return r;
}

TEST(FlowTracker, EachDirectionOfAFiveTupleIsAFlow) {
    FlowTracker t(1 << 20, 2, 2);
    const auto ab = packet("10.0.0.1", "10.0.0.2", 1000, 2000, 17);
    const auto ba = packet("10.0.0.2", "10.0.0.1", 2000, 1000, 17);
    EXPECT_TRUE(t.starts_flow(ab, 100));
    EXPECT_FALSE(t.starts_flow(ab, 100));
    EXPECT_TRUE(t.starts_flow(ba, 101));
    EXPECT_FALSE(t.starts_flow(ab, 102));
    EXPECT_TRUE(t.starts_flow(packet("10.0.0.1", "10.0.0.2", 1001, 2000, 17), 102));
    EXPECT_TRUE(t.starts_flow(packet("10.0.0.1", "10.0.0.3", 1000, 2000, 17), 102));
    EXPECT_TRUE(t.starts_flow(packet("10.0.0.1", "10.0.0.2", 1000, 2000, 6), 102));
    EXPECT_TRUE(t.starts_flow(packet("2001:db8::1", "2001:db8::2", 1000, 2000, 17), 102));
}

TEST(FlowTracker, IdleLongerThanTheLifetimeStartsAgain) {
    FlowTracker t(1 << 20, 2, 2);
    const auto u = packet("10.0.0.1", "10.0.0.2", 1000, 2000, 17);
    EXPECT_TRUE(t.starts_flow(u, 100));
    EXPECT_FALSE(t.starts_flow(u, 101));
    EXPECT_FALSE(t.starts_flow(u, 103));  // 2 s idle: still the flow
    EXPECT_TRUE(t.starts_flow(u, 106));   // 3 s idle
    // TCP joined mid-connection: pmacctd_flow_tcp_lifetime.
    const auto ack = packet("10.0.0.1", "10.0.0.2", 1000, 80, 6, kAck);
    EXPECT_TRUE(t.starts_flow(ack, 200));
    EXPECT_TRUE(t.starts_flow(ack, 203));
    EXPECT_TRUE(t.starts_flow(ack, 206));
}

TEST(FlowTracker, TcpHandshakeAndCloseKeepTheFlowLonger) {
    FlowTracker t(1 << 20, 2, 2);
    const auto syn = packet("10.0.0.1", "10.0.0.2", 1000, 80, 6, kSyn);
    const auto ack = packet("10.0.0.1", "10.0.0.2", 1000, 80, 6, kAck);
    // A SYN the other side never answered: 3 s later, the same flow.
    EXPECT_TRUE(t.starts_flow(syn, 100));
    EXPECT_FALSE(t.starts_flow(ack, 100));
    EXPECT_FALSE(t.starts_flow(ack, 103));
    EXPECT_TRUE(t.starts_flow(ack, 103 + FlowTracker::kTcpEdgeLifetime + 1));
    // FIN both ways, then an ACK 3 s later and a SYN: still the same flow (1.7.7 alike).
    const auto c_syn = packet("10.0.0.1", "10.0.0.2", 1001, 80, 6, kSyn);
    const auto c_synack = packet("10.0.0.2", "10.0.0.1", 80, 1001, 6, kSyn | kAck);
    const auto c_ack = packet("10.0.0.1", "10.0.0.2", 1001, 80, 6, kAck);
    const auto c_fin = packet("10.0.0.1", "10.0.0.2", 1001, 80, 6, kFin | kAck);
    const auto c_rfin = packet("10.0.0.2", "10.0.0.1", 80, 1001, 6, kFin | kAck);
    EXPECT_TRUE(t.starts_flow(c_syn, 500));
    EXPECT_TRUE(t.starts_flow(c_synack, 500));
    EXPECT_FALSE(t.starts_flow(c_ack, 500));
    EXPECT_FALSE(t.starts_flow(c_fin, 501));
    EXPECT_FALSE(t.starts_flow(c_rfin, 501));
    EXPECT_FALSE(t.starts_flow(c_ack, 504));
    EXPECT_FALSE(t.starts_flow(c_syn, 504));
    // Established (the handshake's last ACK): pmacctd_flow_tcp_lifetime again.
    const auto e_syn = packet("10.0.0.1", "10.0.0.2", 1002, 80, 6, kSyn);
    const auto e_synack = packet("10.0.0.2", "10.0.0.1", 80, 1002, 6, kSyn | kAck);
    const auto e_ack = packet("10.0.0.1", "10.0.0.2", 1002, 80, 6, kAck);
    EXPECT_TRUE(t.starts_flow(e_syn, 700));
    EXPECT_TRUE(t.starts_flow(e_synack, 700));
    EXPECT_FALSE(t.starts_flow(e_ack, 700));
    EXPECT_TRUE(t.starts_flow(e_ack, 703));
    // RST: the edge lifetime.
    const auto r_syn = packet("10.0.0.1", "10.0.0.2", 1003, 80, 6, kSyn);
    const auto r_rst = packet("10.0.0.1", "10.0.0.2", 1003, 80, 6, kRst);
    const auto r_ack = packet("10.0.0.1", "10.0.0.2", 1003, 80, 6, kAck);
    EXPECT_TRUE(t.starts_flow(r_syn, 900));
    EXPECT_FALSE(t.starts_flow(r_rst, 900));
    EXPECT_FALSE(t.starts_flow(r_ack, 903));
}

TEST(FlowTracker, AFullSetMakesRoomForNewConnections) {
    // One set: eight connections fit, a ninth pushes out the one idle longest (counted when it
    // was still live), which starts again when it comes back.
    FlowTracker t(FlowTracker::kWays * 64, 1000, 1000);
    ASSERT_EQ(t.capacity(), FlowTracker::kWays);
    auto conn = [](int p) { return packet("10.0.0.1", "10.0.0.2", static_cast<std::uint16_t>(p), 53, 17); };
    for (int p = 0; p < static_cast<int>(FlowTracker::kWays); ++p) EXPECT_TRUE(t.starts_flow(conn(1000 + p), 100 + p));
    EXPECT_TRUE(t.starts_flow(conn(2000), 200));
    EXPECT_EQ(t.evicted(), 1U);
    EXPECT_FALSE(t.starts_flow(conn(2000), 201));
    EXPECT_FALSE(t.starts_flow(conn(1007), 201));
    EXPECT_TRUE(t.starts_flow(conn(1000), 202));
    EXPECT_EQ(t.evicted(), 2U);
    // Idle past its lifetime, an entry makes room without counting.
    FlowTracker short_lived(FlowTracker::kWays * 64, 10, 10);
    for (int p = 0; p < static_cast<int>(FlowTracker::kWays); ++p) EXPECT_TRUE(short_lived.starts_flow(conn(1000 + p), 100));
    EXPECT_TRUE(short_lived.starts_flow(conn(2000), 200));
    EXPECT_EQ(short_lived.evicted(), 0U);
}

}  // namespace
}  // namespace pmacct::packet
