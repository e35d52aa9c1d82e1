// The packet a flow stands for, as tcpdump expressions see it.
#include "pmacct/pcap/flow_filter.hpp"

#include <gtest/gtest.h>

namespace pmacct::pcap {
namespace {

IpAddress ip(const char* s) {
    IpAddress a;
    EXPECT_TRUE(IpAddress::parse(s, a));
    return a;
}

FlowRecord tcp_flow() {
    FlowRecord r;
    r.src_ip = ip("10.1.2.3");
    r.dst_ip = ip("192.0.2.9");
    r.proto = 6;
    r.src_port = 443;
    r.dst_port = 50000;
    r.tcp_flags = 0x12;  // SYN+ACK
    r.tos = 0xB8;
    r.src_mac.bytes = {0, 0x11, 0x22, 0x33, 0x44, 0x55};
    return r;
}

bool match(const char* expr, const FlowRecord& r) {
    auto f = FlowFilter::compile(expr);
    EXPECT_TRUE(f.has_value()) << expr;
    return f.has_value() && f->matches(r);
}

TEST(FlowFilter, Ipv4TcpFields) {
    const FlowRecord r = tcp_flow();
    EXPECT_TRUE(match("ip and tcp", r));
    EXPECT_TRUE(match("src host 10.1.2.3 and dst net 192.0.2.0/24", r));
    EXPECT_TRUE(match("src port 443 and dst port 50000", r));
    EXPECT_TRUE(match("tcp[tcpflags] & (tcp-syn|tcp-ack) = (tcp-syn|tcp-ack)", r));
    EXPECT_TRUE(match("ip[1] = 0xb8", r));
    EXPECT_TRUE(match("ether src 00:11:22:33:44:55", r));
    EXPECT_FALSE(match("udp", r));
    EXPECT_FALSE(match("vlan", r));
    EXPECT_FALSE(match("ip6", r));
}

TEST(FlowFilter, VlanTagsAndMplsLabelsComeFirst) {
    FlowRecord r = tcp_flow();
    r.vlan = 100;
    EXPECT_FALSE(match("src net 10.0.0.0/8", r));  // the QUICKSTART's caveat
    EXPECT_TRUE(match("vlan 100 and src net 10.0.0.0/8", r));
    r.vlan = 0;
    r.mpls_stack_depth = 2;
    r.mpls_labels[0] = 16;
    r.mpls_labels[1] = 17;
    EXPECT_TRUE(match("mpls 16", r));
    EXPECT_TRUE(match("mpls and mpls 17 and ip and tcp", r));  // bottom of stack, then IPv4
    EXPECT_FALSE(match("ip", r));
}

TEST(FlowFilter, Ipv6AndUdp) {
    FlowRecord r;
    r.src_ip = ip("2001:db8::1");
    r.dst_ip = ip("2001:db8::2");
    r.proto = 17;
    r.src_port = 53;
    r.dst_port = 4000;
    r.flow_label = 0x12345;
    EXPECT_TRUE(match("ip6 and udp and src port 53", r));
    EXPECT_TRUE(match("src net 2001:db8::/32", r));
    EXPECT_TRUE(match("ip6[0:4] & 0xfffff = 0x12345", r));
    EXPECT_FALSE(match("ip", r));
}

TEST(FlowFilter, BadExpressionsAreErrors) {
    auto f = FlowFilter::compile("src nett 10.0.0.0/8");
    ASSERT_FALSE(f.has_value());
    EXPECT_NE(f.error().find("src nett"), std::string::npos) << f.error();
}

}  // namespace
}  // namespace pmacct::pcap
