// pcap_interfaces_map: the interfaces to capture from, each with its index and direction; bad
// rules are left out with their line and why, the others kept.
#include "pmacct/maps/pcap_interfaces_map.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pmacct::maps {
namespace {

using ::testing::ElementsAre;

TEST(PcapInterfacesMap, InterfacesWithIndexAndDirection) {
    const auto m = PcapInterfacesMap::parse(
        "! the QUICKSTART's form\nifindex=100 ifname=eth0\nifindex=200 ifname=eth1 direction=in\n"
        "ifname=enp1s0f0@3 direction=out\n",
        {});
    EXPECT_TRUE(m.problems.empty());
    EXPECT_THAT(m.interfaces, ElementsAre(CaptureInterface{2, "eth0", 100, 0}, CaptureInterface{3, "eth1", 200, 1},
                                          CaptureInterface{4, "enp1s0f0@3", 0, 2}));
}

TEST(PcapInterfacesMap, BadRulesAreLeftOutAndSaySo) {
    const auto m = PcapInterfacesMap::parse(
        "ifindex=100 ifname=eth0 direction=sideways\nifindex=abc ifname=eth1\nifindex=5\n"
        "ifindex=6 ifname=eth2 foo=bar\nifindex=7 ifname=eth3\nifindex=8 ifname=eth3\nifindex=4294967296 ifname=eth4\n",
        {});
    std::vector<std::string> why;
    for (const auto& p : m.problems) why.push_back(std::to_string(p.line) + ": " + p.why);
    EXPECT_THAT(why, ElementsAre("1: direction: 'sideways' is not in or out",
                                 "2: ifindex: 'abc' is not a number from 0 to 4294967295", "3: ifname is required",
                                 "4: unknown key 'foo'", "6: ifname: 'eth3' is already on line 5",
                                 "7: ifindex: '4294967296' is not a number from 0 to 4294967295"));
    EXPECT_THAT(m.interfaces, ElementsAre(CaptureInterface{5, "eth3", 7, 0}));
}

TEST(PcapInterfacesMap, AFileThatCannotBeReadIsAnError) {
    EXPECT_FALSE(PcapInterfacesMap::load("/nonexistent/pcap_interfaces.map", {}));
}

}  // namespace
}  // namespace pmacct::maps
