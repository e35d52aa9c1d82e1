// sampling_map and flow_to_rd_map: the first rule whose ip/in/out (...) hold gives the value; bad
// rules, and rules without ip or id, are left out.
#include "pmacct/maps/sampling_map.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pmacct::maps {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

FlowRecord from(const char* exporter, std::uint32_t in, std::uint32_t out) {
    FlowRecord r;
    EXPECT_TRUE(IpAddress::parse(exporter, r.peer_src_ip));
    r.in_iface = in;
    r.out_iface = out;
    return r;
}

TEST(SamplingMap, FirstRuleThatHoldsGivesTheRate) {
    const auto loaded = SamplingMap::parse("! rates\nid=50 ip=192.0.2.1 in=3\nid=100 ip=192.0.2.1\n"
                                           "id=7 ip=2001:db8::/32 out=-9\n",
                                           {});
    EXPECT_TRUE(loaded.problems.empty());
    const SamplingMap& m = loaded.map;
    EXPECT_EQ(m.rate_for(from("192.0.2.1", 3, 0)), 50U);
    EXPECT_EQ(m.rate_for(from("192.0.2.1", 4, 0)), 100U);
    EXPECT_EQ(m.rate_for(from("192.0.2.2", 3, 0)), 0U);
    EXPECT_EQ(m.rate_for(from("2001:db8::5", 0, 1)), 7U);
    EXPECT_EQ(m.rate_for(from("2001:db8::5", 0, 9)), 0U);
}

TEST(SamplingMap, BadRulesAreLeftOut) {
    const auto loaded =
        SamplingMap::parse("id=0 ip=192.0.2.1\nip=192.0.2.1\nid=5 set_tag=1\nid=5 ip=x\nid=9 in=3\nid=9 ip=0.0.0.0/0\n", {});
    std::vector<std::string> why;
    for (const auto& p : loaded.problems) why.push_back(std::to_string(p.line) + ": " + p.why);
    EXPECT_THAT(why, ElementsAre(HasSubstr("1: id: '0' is not a sampling rate"), HasSubstr("2: required key missing"),
                                 HasSubstr("3: unknown key 'set_tag'"), HasSubstr("4: ip: bad IP address"),
                                 HasSubstr("5: required key missing: 'id' and 'ip'")));
    EXPECT_EQ(loaded.map.size(), 1U);
    EXPECT_EQ(loaded.map.rate_for(from("198.51.100.1", 0, 0)), 9U);
}

TEST(FlowToRdMap, SetsTheRouteDistinguisherWithOriginMap) {
    const auto loaded = FlowToRdMap::parse("id=0:65000:1 ip=192.0.2.1 in=3\nid=1:10.0.0.1:7 ip=192.0.2.0/24\n"
                                           "id=2:4200000000:9 ip=0.0.0.0/0 mpls_label_bottom=16\nid=x ip=0.0.0.0/0\n",
                                           {});
    ASSERT_EQ(loaded.problems.size(), 1U);
    EXPECT_THAT(loaded.problems[0].why, HasSubstr("'x' is not a route distinguisher"));
    FlowRecord r = from("192.0.2.1", 3, 0);
    loaded.map.apply(r);
    EXPECT_EQ(r.mpls_vpn_rd, (std::array<std::uint8_t, 8>{kRdOriginMap, 0, 0xFD, 0xE8, 0, 0, 0, 1}));
    r = from("192.0.2.7", 0, 0);
    loaded.map.apply(r);
    EXPECT_EQ(r.mpls_vpn_rd, (std::array<std::uint8_t, 8>{kRdOriginMap, 1, 10, 0, 0, 1, 0, 7}));
    r = from("198.51.100.1", 0, 0);
    r.mpls_label_bottom = 16;
    loaded.map.apply(r);
    EXPECT_EQ(r.mpls_vpn_rd, (std::array<std::uint8_t, 8>{kRdOriginMap, 2, 0xFA, 0x56, 0xEA, 0, 0, 9}));
    r = from("198.51.100.1", 0, 0);
    r.mpls_vpn_rd = {kRdOriginFlow, 0, 0, 1, 0, 0, 0, 2};
    loaded.map.apply(r);  // no rule holds: the flow's RD stays
    EXPECT_EQ(r.mpls_vpn_rd[0], kRdOriginFlow);
}

}  // namespace
}  // namespace pmacct::maps
