#include "pmacct/maps/value_lists.hpp"

#include <gtest/gtest.h>

namespace pmacct::maps {
namespace {

TEST(ValueLists, PortsOnePerLineBadOnesSkipped) {
    std::vector<SkippedLine> skipped;
    const PortList ports = parse_ports("! web\n443\n 80 \nabc\n70000\n-1\n0\n65535\n", skipped);
    EXPECT_TRUE(ports.contains(443));
    EXPECT_TRUE(ports.contains(80));
    EXPECT_TRUE(ports.contains(0));
    EXPECT_TRUE(ports.contains(65535));
    EXPECT_FALSE(ports.contains(22));
    EXPECT_EQ(ports.count(), 4U);
    ASSERT_EQ(skipped.size(), 3U);
    EXPECT_EQ(skipped[0].line, 4);
    EXPECT_EQ(skipped[0].why, "invalid port 'abc'");
    EXPECT_EQ(skipped[1].line, 5);
    EXPECT_EQ(skipped[2].line, 6);
}

TEST(ValueLists, ProtocolsByNameOrNumber) {
    std::vector<SkippedLine> skipped;
    const ByteList protos = parse_protos("tcp\nUDP\n47\nIPcomp\nnot-a-protocol\n256\n", skipped);
    EXPECT_TRUE(protos.contains(6));
    EXPECT_TRUE(protos.contains(17));
    EXPECT_TRUE(protos.contains(47));
    EXPECT_TRUE(protos.contains(108));
    EXPECT_FALSE(protos.contains(1));
    ASSERT_EQ(skipped.size(), 2U);
    EXPECT_EQ(skipped[0].line, 5);
    EXPECT_EQ(skipped[1].line, 6);
}

TEST(ValueLists, TosValues) {
    std::vector<SkippedLine> skipped;
    const ByteList tos = parse_tos("0\n184\n255\n256\n", skipped);
    EXPECT_TRUE(tos.contains(0));
    EXPECT_TRUE(tos.contains(184));
    EXPECT_TRUE(tos.contains(255));
    EXPECT_FALSE(tos.contains(64));
    ASSERT_EQ(skipped.size(), 1U);
    EXPECT_EQ(skipped[0].line, 4);
}

}  // namespace
}  // namespace pmacct::maps
