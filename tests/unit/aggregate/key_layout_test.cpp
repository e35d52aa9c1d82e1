#include "pmacct/aggregate/key_layout.hpp"

#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pmacct::aggregate {
namespace {

using ::testing::ElementsAre;

FlowRecord sample() {
    FlowRecord r;
    IpAddress::parse("192.0.2.10", r.src_ip);
    IpAddress::parse("198.51.100.20", r.dst_ip);
    IpAddress::parse("10.0.0.1", r.peer_src_ip);
    r.src_port = 40000;
    r.dst_port = 80;
    r.proto = 6;
    r.src_mask = 24;
    r.dst_mask = 16;
    r.src_as = 65001;
    r.time_start = {1700000000, 250000};
    return r;
}

TEST(KeyLayout, FieldsFollowCsvOrderAndPackTightly) {
    std::vector<std::string> agg = {"dst_port", "src_host", "proto", "peer_src_ip"};
    auto layout = KeyLayout::build(agg);
    ASSERT_TRUE(layout.has_value()) << layout.error();
    EXPECT_THAT(layout->names(), ElementsAre("peer_src_ip", "src_host", "dst_port", "proto"));
    EXPECT_EQ(layout->key_size(), 17U + 17U + 2U + 1U);
    EXPECT_EQ(layout->field("dst_port")->offset, 34U);
}

TEST(KeyLayout, ExtractsAndReadsBack) {
    std::vector<std::string> agg = {"src_host", "dst_host", "src_port", "dst_port", "proto", "src_as",
                                    "timestamp_start", "src_net", "dst_net"};
    auto layout = KeyLayout::build(agg);
    ASSERT_TRUE(layout.has_value());
    std::vector<std::uint8_t> key(layout->key_size(), 0xAA);
    layout->extract(sample(), key.data());
    EXPECT_EQ(read_ip(*layout->field("src_host"), key.data()).to_string(), "192.0.2.10");
    EXPECT_EQ(read_ip(*layout->field("dst_host"), key.data()).to_string(), "198.51.100.20");
    EXPECT_EQ(read_uint(*layout->field("src_port"), key.data()), 40000U);
    EXPECT_EQ(read_uint(*layout->field("proto"), key.data()), 6U);
    EXPECT_EQ(read_uint(*layout->field("src_as"), key.data()), 65001U);
    EXPECT_EQ(read_ip(*layout->field("src_net"), key.data()).to_string(), "192.0.2.0");
    EXPECT_EQ(read_ip(*layout->field("dst_net"), key.data()).to_string(), "198.51.0.0");
    Timestamp t = read_timestamp(*layout->field("timestamp_start"), key.data());
    EXPECT_EQ(t.sec, 1700000000);
    EXPECT_EQ(t.usec, 250000U);
}

TEST(KeyLayout, EqualFlowsGiveEqualKeys) {
    std::vector<std::string> agg = {"src_host", "dst_port"};
    auto layout = KeyLayout::build(agg);
    std::vector<std::uint8_t> a(layout->key_size());
    std::vector<std::uint8_t> b(layout->key_size(), 0xFF);
    FlowRecord r1 = sample();
    FlowRecord r2 = sample();
    r2.src_port = 1;  // not part of the key
    r2.bytes = 999;
    layout->extract(r1, a.data());
    layout->extract(r2, b.data());
    EXPECT_EQ(a, b);
}

TEST(KeyLayout, SumPrimitivesGiveBothSides) {
    std::vector<std::string> agg = {"sum_host"};
    auto layout = KeyLayout::build(agg);
    ASSERT_TRUE(layout->is_sum());
    std::vector<std::uint8_t> key(layout->key_size());
    layout->extract(sample(), key.data(), 0);
    EXPECT_EQ(read_ip(layout->fields()[0], key.data()).to_string(), "192.0.2.10");
    layout->extract(sample(), key.data(), 1);
    EXPECT_EQ(read_ip(layout->fields()[0], key.data()).to_string(), "198.51.100.20");
}

TEST(KeyLayout, NoneAndFlowsTakeNoKeyBytes) {
    std::vector<std::string> none = {"none"};
    EXPECT_EQ(KeyLayout::build(none)->key_size(), 0U);
    std::vector<std::string> flows = {"src_host", "flows"};
    auto l = KeyLayout::build(flows);
    EXPECT_EQ(l->key_size(), 17U);
    EXPECT_TRUE(l->has("flows"));
}

TEST(IpAddress, MaskingAndMapping) {
    IpAddress a;
    ASSERT_TRUE(IpAddress::parse("2001:db8:abcd:1234::1", a));
    EXPECT_EQ(a.masked(32).to_string(), "2001:db8::");
    EXPECT_EQ(a.masked(0).to_string(), "::");
    IpAddress m;
    ASSERT_TRUE(IpAddress::parse("::ffff:192.0.2.7", m));
    EXPECT_EQ(m.unmapped().to_string(), "192.0.2.7");
    EXPECT_EQ(m.unmapped().family, 4);
    IpAddress v4;
    ASSERT_TRUE(IpAddress::parse("192.0.2.255", v4));
    EXPECT_EQ(v4.masked(25).to_string(), "192.0.2.128");
    EXPECT_FALSE(IpAddress::parse("300.1.1.1", v4));
}

}  // namespace
}  // namespace pmacct::aggregate
