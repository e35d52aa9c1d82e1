// bgp_peer_src_as_map, bgp_src_local_pref_map, bgp_src_med_map (one parser), bgp_agent_map and
// bgp_peer_dst_ip_map: the first rule whose MATCH keys hold gives the value; rules that cannot be
// used are reported with their line and left out, the rest is loaded.
#include "pmacct/maps/bgp_maps.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pmacct::maps {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

FlowRecord from(const char* exporter, std::uint32_t in = 0, const char* src = "10.0.0.1") {
    FlowRecord r;
    EXPECT_TRUE(IpAddress::parse(exporter, r.peer_src_ip));
    EXPECT_TRUE(IpAddress::parse(src, r.src_ip));
    EXPECT_TRUE(IpAddress::parse("10.9.9.9", r.dst_ip));
    r.in_iface = in;
    return r;
}

std::vector<std::string> problems_of(const std::vector<MapProblem>& problems) {
    std::vector<std::string> out;
    for (const auto& p : problems) out.push_back(std::to_string(p.line) + ": " + p.why);
    return out;
}

TEST(BgpSrcMap, FirstRuleThatHoldsGivesTheValueAndNoRuleGivesZero) {
    const auto loaded = BgpSrcMap::parse("! peer ASNs\n# by exporter and interface\n"
                                         "id=65001 ip=192.0.2.1 in=3\n"
                                         "id=65002 ip=192.0.2.1 in=-4 src_net=10.0.0.0/8\n"
                                         "id=65003 ip=2001:db8::/32 filter='src net 10.0.0.0/8'\n"
                                         "id=4294967295 ip=192.0.2.0/24 dst_net=-10.9.0.0/16\n",
                                         Daemon::kNfacctd, {});
    EXPECT_TRUE(loaded.problems.empty()) << problems_of(loaded.problems)[0];
    const BgpSrcMap& m = loaded.map;
    EXPECT_EQ(m.size(), 4U);
    EXPECT_EQ(m.value_for(from("192.0.2.1", 3)), 65001U);
    EXPECT_EQ(m.value_for(from("192.0.2.1", 5)), 65002U);
    EXPECT_EQ(m.value_for(from("192.0.2.1", 4)), 0U);  // negated in; the /24 rule's dst_net is negated too
    EXPECT_EQ(m.value_for(from("192.0.2.1", 5, "172.16.0.1")), 0U);
    EXPECT_EQ(m.value_for(from("2001:db8::1")), 65003U);
    EXPECT_EQ(m.value_for(from("2001:db8::1", 0, "172.16.0.1")), 0U);
    EXPECT_EQ(m.value_for(from("198.51.100.1", 3)), 0U);
}

TEST(BgpSrcMap, IdBgpIsALookupThatGivesNothingWithoutTheBgpThread) {
    // It holds (the rules after it are not reached) but BGP has no value to give yet.
    const auto loaded = BgpSrcMap::parse("id=bgp ip=192.0.2.1 in=3\nid=7 ip=0.0.0.0/0\n", Daemon::kNfacctd, {});
    EXPECT_TRUE(loaded.problems.empty());
    EXPECT_EQ(loaded.map.value_for(from("192.0.2.1", 3)), 0U);
    EXPECT_EQ(loaded.map.value_for(from("192.0.2.1", 4)), 7U);
}

TEST(BgpSrcMap, BgpNexthopAndPeerDstAsAreOfTheRouteToTheSource) {
    // Not the flow's own: without a BGP route the next hop never holds and the AS is 0, as 1.7.7
    // with no route. Negations of them hold.
    const auto loaded = BgpSrcMap::parse("id=1 ip=0.0.0.0/0 bgp_nexthop=192.0.2.9\n"
                                         "id=2 ip=0.0.0.0/0 peer_dst_as=65000\n"
                                         "id=3 ip=0.0.0.0/0 in=1 bgp_nexthop=-192.0.2.9\n"
                                         "id=4 ip=0.0.0.0/0 peer_dst_as=-0\n"
                                         "id=5 ip=0.0.0.0/0 in=2 peer_dst_as=0\n",
                                         Daemon::kNfacctd, {});
    EXPECT_TRUE(loaded.problems.empty());
    FlowRecord r = from("192.0.2.1", 1);
    ASSERT_TRUE(IpAddress::parse("192.0.2.9", r.bgp_next_hop));
    r.peer_dst_as = 65000;
    EXPECT_EQ(loaded.map.value_for(r), 3U);
    r.in_iface = 2;
    EXPECT_EQ(loaded.map.value_for(r), 5U);
    r.in_iface = 9;
    EXPECT_EQ(loaded.map.value_for(r), 0U);
}

TEST(BgpSrcMap, SfacctdVlanIsTheIncomingOrTheOutgoingOne) {
    const char* map = "id=10 ip=0.0.0.0/0 vlan=100\n";
    FlowRecord r = from("192.0.2.1");
    r.out_vlan = 100;
    EXPECT_EQ(BgpSrcMap::parse(map, Daemon::kSfacctd, {}).map.value_for(r), 10U);
    EXPECT_EQ(BgpSrcMap::parse(map, Daemon::kNfacctd, {}).map.value_for(r), 0U);
    r.vlan = 100;
    EXPECT_EQ(BgpSrcMap::parse(map, Daemon::kNfacctd, {}).map.value_for(r), 10U);
}

TEST(BgpSrcMap, BadRulesAreReportedAndLeftOutTheRestIsLoaded) {
    const auto loaded = BgpSrcMap::parse("id=0 ip=192.0.2.1\n"              // 1.7.7: required key missing
                                         "id=5 in=3\n"                      // no ip: not recirculated
                                         "id=bgpx ip=192.0.2.1\n"           // 1.7.7 takes any bgp... word
                                         "id=5++ ip=192.0.2.1\n"            // 1.7.7's growing value
                                         "id=4294967296 ip=192.0.2.1\n"     // more than 32 bits
                                         "id=6 ip=192.0.2.1 src_as=3\n"     // not a key of these maps
                                         "id=7 ip=192.0.2.1 ip=192.0.2.2\n"  // twice
                                         "id=8 ip=192.0.2.1 src_mac=zz\n"
                                         "id=9 ip=-192.0.2.1\n"  // ip cannot be negated
                                         "id=10 ip=192.0.2.1 filter='not a filter ('\n"
                                         "id=11 ip=192.0.2.1 vlan=x\n"
                                         "id=12 ip=192.0.2.1 in=3 | out=4\n"
                                         "id=13 ip=192.0.2.1 set_tag=1\n"
                                         "id=42 ip=192.0.2.1\n",
                                         Daemon::kNfacctd, {});
    EXPECT_THAT(problems_of(loaded.problems),
                ElementsAre(HasSubstr("12: '|' is not allowed"), HasSubstr("1: id: 0 is not a value"),
                            HasSubstr("2: required key missing: 'id' and 'ip'"),
                            HasSubstr("3: id: 'bgpx' is not 'bgp' or a number"), HasSubstr("4: id: '++'"),
                            HasSubstr("5: id: '4294967296' is not"), HasSubstr("6: unknown key 'src_as'"),
                            HasSubstr("7: 'ip' given twice"), HasSubstr("8: src_mac: bad MAC address"),
                            HasSubstr("9: ip: bad IP address"), HasSubstr("10: filter:"),
                            HasSubstr("11: vlan: 'x' is not a number"), HasSubstr("13: unknown key 'set_tag'")));
    EXPECT_EQ(loaded.map.size(), 1U);
    EXPECT_EQ(loaded.map.value_for(from("192.0.2.1")), 42U);
}

TEST(BgpSrcMap, MapsEntriesAndRowLenApply) {
    MapLimits limits;
    limits.entries = 2;
    limits.row_len = 40;
    const auto loaded = BgpSrcMap::parse(
        "id=1 ip=192.0.2.1 in=1\nid=2 ip=192.0.2.1 in=2 filter='src net 10.0.0.0/8 and dst port 80'\n"
        "id=3 ip=192.0.2.1 in=3\nid=4 ip=192.0.2.1 in=4\n",
        Daemon::kNfacctd, limits);
    EXPECT_THAT(problems_of(loaded.problems),
                ElementsAre(HasSubstr("2: line longer than maps_row_len"), HasSubstr("0: file cut to the first 2")));
    EXPECT_EQ(loaded.map.value_for(from("192.0.2.1", 3)), 3U);
    EXPECT_EQ(loaded.map.value_for(from("192.0.2.1", 4)), 0U);
}

TEST(BgpSrcMap, TheIndexGivesWhatTheRulesInOrderGive) {
    const char* map = "id=1 ip=192.0.2.1 in=1\nid=2 ip=192.0.2.1 in=-1\nid=3 ip=192.0.2.0/24\nid=4 ip=0.0.0.0/0 in=1\n";
    MapLimits indexed;
    indexed.index = true;
    const auto plain = BgpSrcMap::parse(map, Daemon::kNfacctd, {});
    const auto with_index = BgpSrcMap::parse(map, Daemon::kNfacctd, indexed);
    for (const char* exporter : {"192.0.2.1", "192.0.2.2", "198.51.100.1"}) {
        for (std::uint32_t in : {0U, 1U, 2U}) {
            EXPECT_EQ(plain.map.value_for(from(exporter, in)), with_index.map.value_for(from(exporter, in)))
                << exporter << " in " << in;
        }
    }
    EXPECT_EQ(with_index.map.value_for(from("192.0.2.2", 1)), 3U);
}

TEST(BgpAgentMap, PairsExportersWithPeers) {
    const auto loaded = BgpAgentMap::parse("bgp_ip=192.0.2.254 ip=192.0.2.1\n"
                                           "bmp_ip=2001:db8::fe ip=2001:db8::1\n"
                                           "id=192.0.2.253 bgp_port=1179 ip=192.0.2.0/24 in=-5 filter='ip6'\n"
                                           "bgp_ip=192.0.2.252 ip=0.0.0.0/0 filter='vlan and ip'\n",
                                           {});
    EXPECT_TRUE(loaded.problems.empty()) << problems_of(loaded.problems)[0];
    const BgpAgentMap::Peer* p = loaded.map.find(from("192.0.2.1"));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->address.to_string(), "192.0.2.254");
    EXPECT_EQ(p->port, 0);
    p = loaded.map.find(from("2001:db8::1", 0, "2001:db8::10"));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->address.to_string(), "2001:db8::fe");
    EXPECT_EQ(loaded.map.size(), 4U);
}

TEST(BgpAgentMap, BadRulesAreLeftOut) {
    const auto loaded = BgpAgentMap::parse("bgp_ip=65000 ip=192.0.2.1\n"
                                           "bgp_port=179 ip=192.0.2.1\n"
                                           "bgp_ip=192.0.2.254\n"
                                           "bgp_ip=192.0.2.254 ip=192.0.2.1 filter='tcp port 80'\n"
                                           "bgp_ip=192.0.2.254 ip=192.0.2.1 bgp_port=70000\n"
                                           "bgp_ip=192.0.2.254 ip=192.0.2.1 src_net=10.0.0.0/8\n"
                                           "bgp_ip=192.0.2.254 ip=192.0.2.2\n",
                                           {});
    EXPECT_THAT(problems_of(loaded.problems),
                ElementsAre(HasSubstr("1: bgp_ip: '65000' is not an IPv4 or IPv6 address"),
                            HasSubstr("2: required key missing"), HasSubstr("3: required key missing"),
                            HasSubstr("4: filter: only 'ip', 'ip6'"), HasSubstr("5: bgp_port: '70000' is not a port"),
                            HasSubstr("6: unknown key 'src_net'")));
    EXPECT_EQ(loaded.map.size(), 1U);
}

TEST(BgpPeerDstIpMap, RewritesNextHopsAndLeavesOutBadRules) {
    const auto loaded = BgpPeerDstIpMap::parse("id=198.51.100.1 ip=192.0.2.1 bgp_nexthop=10.0.0.1\n"
                                               "id=198.51.100.2 ip=0.0.0.0/0\n"
                                               "id=x ip=192.0.2.1\nid=198.51.100.3 in=3 ip=192.0.2.1\n"
                                               "id=198.51.100.4 bgp_nexthop=10.0.0.1\n",
                                               {});
    EXPECT_THAT(problems_of(loaded.problems),
                ElementsAre(HasSubstr("3: id: 'x' is not an IPv4 or IPv6 address"), HasSubstr("4: unknown key 'in'"),
                            HasSubstr("5: required key missing")));
    FlowRecord r = from("192.0.2.1");
    ASSERT_TRUE(IpAddress::parse("10.0.0.1", r.bgp_next_hop));
    ASSERT_NE(loaded.map.find(r), nullptr);
    EXPECT_EQ(loaded.map.find(r)->to_string(), "198.51.100.1");
    r.bgp_next_hop = {};
    ASSERT_NE(loaded.map.find(r), nullptr);
    EXPECT_EQ(loaded.map.find(r)->to_string(), "198.51.100.2");
}

}  // namespace
}  // namespace pmacct::maps
