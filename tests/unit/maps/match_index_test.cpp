// maps_index: pre_tag_map and flow_to_rd_map give the same results with their index as without
// (first full match, jumps, stacks, labels, negations, catch-alls, more key combinations than
// indexes), say which rules the index does not hold, and are read again with it on a reload.
// Also pmacct's recirculation of rules without `ip` and pre_tag_map_dont_recirculate.
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pmacct/maps/pre_tag_map.hpp"
#include "pmacct/maps/sampling_map.hpp"
#include "test_support.hpp"

namespace pmacct::maps {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

IpAddress ip(const char* s) {
    IpAddress a;
    EXPECT_TRUE(IpAddress::parse(s, a));
    return a;
}

struct Tags {
    std::uint64_t tag = 0;
    std::uint64_t tag2 = 0;
    std::string label;
    unsigned tos = 0;
    bool operator==(const Tags&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Tags& t) {
    return os << "{" << t.tag << ", " << t.tag2 << ", '" << t.label << "', tos " << t.tos << "}";
}

Tags run(const PreTagMap& m, FlowRecord r) {
    std::string buf;
    m.apply(r, buf);
    return {r.tag, r.tag2, std::string(r.label), r.tos};
}

MapLimits indexed() {
    MapLimits l;
    l.index = true;
    return l;
}

// The values the random maps and records draw from: few, so that rules hold often.
const char* const kExporters[] = {"192.0.2.1", "192.0.2.2", "192.0.2.9", "2001:db8::1", "2001:db8::2"};
const char* const kSources[] = {"10.1.2.3", "10.1.9.9", "10.200.0.1", "11.0.0.1", "2001:db8:1::5"};

FlowRecord random_record(std::mt19937& rng) {
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    FlowRecord r;
    r.peer_src_ip = ip(kExporters[pick(5)]);
    r.src_ip = ip(kSources[pick(5)]);
    r.dst_ip = ip(pick(4) == 0 ? "224.0.0.5" : "10.9.8.7");
    r.in_iface = static_cast<std::uint32_t>(pick(4));
    r.out_iface = static_cast<std::uint32_t>(pick(3));
    r.dst_port = pick(2) == 0 ? 80 : 443;
    r.proto = pick(2) == 0 ? 6 : 17;
    r.vlan = pick(2) == 0 ? 0 : 10;
    r.src_mac.bytes = {0, 0x11, 0x22, 0x33, 0x44, static_cast<std::uint8_t>(0x55 + pick(2))};
    r.mpls_vpn_rd = {kRdOriginFlow, 0, 0, 0xFD, 0xE8, 0, 0, static_cast<std::uint8_t>(1 + pick(2))};
    r.export_proto_version = 9;
    r.export_proto_sysid = static_cast<std::uint32_t>(1 + pick(2));
    return r;
}

// A map of `rules` rules on random keys (some negated, some unindexable, some none), with
// labels, jumps, stacks, tag, tag2, labels and ToS.
std::string random_map(std::mt19937& rng, int rules) {
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    auto neg = [&] { return pick(5) == 0 ? "-" : ""; };
    std::string text;
    for (int i = 0; i < rules; ++i) {
        std::string rule;
        switch (pick(4)) {
            case 0: rule = "set_tag2=" + std::to_string(1 + pick(50)); break;
            case 1: rule = "set_label=l" + std::to_string(pick(9)); break;
            default: rule = "set_tag=" + std::to_string(1 + pick(50)); break;
        }
        if (pick(3) == 0) rule += " ip=" + std::string(kExporters[pick(5)]);
        if (pick(8) == 0) rule += pick(2) == 0 ? " ip=192.0.2.0/24" : " ip=2001:db8::/32";
        if (pick(3) == 0) rule += std::string(" in=") + neg() + std::to_string(pick(4));
        if (pick(5) == 0) rule += " out=" + std::to_string(pick(3));
        if (pick(4) == 0) {
            const char* nets[] = {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.3/32", "2001:db8:1::/48", "11.0.0.0/8"};
            rule += std::string(" src_net=") + neg() + nets[pick(5)];
        }
        if (pick(5) == 0) rule += std::string(" dst_port=") + neg() + (pick(2) == 0 ? "80" : "443");
        if (pick(6) == 0) rule += pick(2) == 0 ? " ip_proto=tcp" : " ip_proto=udp";
        if (pick(7) == 0) rule += std::string(" vlan=") + neg() + (pick(2) == 0 ? "0" : "10");
        if (pick(7) == 0) rule += " src_mac=00:11:22:33:44:5" + std::to_string(5 + pick(2));
        if (pick(7) == 0) rule += " mpls_vpn_rd=0:65000:" + std::to_string(1 + pick(2));
        if (pick(7) == 0) rule += pick(2) == 0 ? " is_multicast=true" : " is_multicast=false";
        if (pick(6) == 0) rule += " engine_id=" + std::to_string(1 + pick(2));  // not indexable
        if (pick(6) == 0) rule += " label=L" + std::to_string(pick(6));
        if (pick(4) == 0) rule += pick(3) == 0 ? " jeq=next" : " jeq=L" + std::to_string(pick(6));
        if (pick(5) == 0) rule += pick(2) == 0 ? " stack=sum" : " stack=or";
        if (pick(10) == 0) rule += " set_tos=" + std::to_string(pick(8));
        text += rule + "\n";
    }
    return text;
}

TEST(MapsIndex, RandomMapsGiveTheSameTagsWithAndWithoutIndex) {
    std::mt19937 rng(20240601);
    MapLimits limits;
    limits.entries = 100000;
    MapLimits with_index = limits;
    with_index.index = true;
    std::size_t matched = 0;
    std::size_t checked = 0;
    for (int m = 0; m < 40; ++m) {
        const std::string text = random_map(rng, 50 + m * 20);
        const auto plain = PreTagMap::parse(text, Daemon::kNfacctd, limits);
        const auto fast = PreTagMap::parse(text, Daemon::kNfacctd, with_index);
        ASSERT_FALSE(plain.map.indexed());
        ASSERT_TRUE(fast.map.indexed()) << text;
        ASSERT_EQ(plain.map.size(), fast.map.size());
        for (int i = 0; i < 300; ++i) {
            const FlowRecord r = random_record(rng);
            const Tags expected = run(plain.map, r);
            ASSERT_EQ(run(fast.map, r), expected) << "map " << m << ", exporter " << r.peer_src_ip.to_string()
                                                  << ", source " << r.src_ip.to_string() << "\n" << text;
            matched += expected == Tags{} ? 0U : 1U;
            ++checked;
        }
    }
    // The maps do tag: the comparison is not one of empty results.
    EXPECT_GT(matched, checked / 2);
}

TEST(MapsIndex, SaysWhichRulesItDoesNotHold) {
    std::string map;
    for (int i = 0; i < 300; ++i) map += "set_tag=" + std::to_string(i + 1) + " ip=192.0.2." + std::to_string(i % 250) + "\n";
    auto all = PreTagMap::parse(map, Daemon::kNfacctd, indexed());
    EXPECT_TRUE(all.map.indexed());
    EXPECT_THAT(all.problems, IsEmpty());
    auto some = PreTagMap::parse(map + "set_tag=1000 in=-3\nset_tag=1001 engine_id=4\nset_tag=1002\n",
                                 Daemon::kNfacctd, indexed());
    EXPECT_TRUE(some.map.indexed());
    ASSERT_EQ(some.problems.size(), 1U);
    EXPECT_EQ(some.problems[0].line, 0);
    EXPECT_THAT(some.problems[0].why, HasSubstr("3 rule(s) not indexed (2 with only negated or unindexable MATCH keys, "
                                                "1 with none, 0 past 8 indexes)"));
    // Nine combinations: the least used one (one rule) has no index of its own.
    std::string nine;
    const char* keys[] = {"in=1", "out=1", "vlan=1", "src_as=1", "dst_as=1", "src_port=1", "dst_port=1", "cvlan=1"};
    for (const char* k : keys) nine += std::string("set_tag=1 ") + k + "\n" + "set_tag=2 " + k + "\n";
    nine += "set_tag=3 mpls_pw_id=1\n";
    auto past = PreTagMap::parse(nine, Daemon::kNfacctd, indexed());
    ASSERT_EQ(past.problems.size(), 1U);
    EXPECT_THAT(past.problems[0].why, HasSubstr("1 past 8 indexes"));
    // A rule that has the keys of an index is filed there even when its own combination has none.
    auto subset = PreTagMap::parse(nine + "set_tag=4 in=7 mpls_pw_id=2\n", Daemon::kNfacctd, indexed());
    EXPECT_THAT(subset.problems[0].why, HasSubstr("1 past 8 indexes"));
    FlowRecord r;
    r.in_iface = 7;
    r.mpls_pw_id = 2;
    EXPECT_EQ(run(subset.map, r).tag, 4U);
    // Without maps_index: no index, nothing said.
    auto off = PreTagMap::parse(map + "set_tag=1002\n", Daemon::kNfacctd, {});
    EXPECT_FALSE(off.map.indexed());
    EXPECT_THAT(off.problems, IsEmpty());
}

// SIGUSR2 reads the map again through load(): the new rules are indexed and used.
TEST(MapsIndex, AReloadedMapIsIndexedAgain) {
    testing::TempDir dir;
    const std::string path = dir.path() + "/pretag.map";
    FlowRecord r;
    r.peer_src_ip = ip("192.0.2.7");
    r.in_iface = 3;
    std::ofstream(path) << "set_tag=1 ip=192.0.2.7 in=3\nset_tag=2 ip=192.0.2.8\n";
    auto first = PreTagMap::load(path, Daemon::kNfacctd, indexed());
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->map.indexed());
    EXPECT_EQ(run(first->map, r).tag, 1U);
    std::ofstream(path) << "set_tag=5 ip=192.0.2.7 in=4\nset_tag=6 ip=192.0.2.7\n";
    auto second = PreTagMap::load(path, Daemon::kNfacctd, indexed());
    ASSERT_TRUE(second.has_value());
    EXPECT_TRUE(second->map.indexed());
    EXPECT_EQ(run(second->map, r).tag, 6U);
}

TEST(MapsIndex, FlowToRdMapGivesTheSameRouteDistinguishers) {
    std::string text;
    for (int i = 0; i < 200; ++i) {
        text += "id=0:65000:" + std::to_string(i) + " ip=192.0.2." + std::to_string(i % 50) + " in=" +
                std::to_string(i / 50) + "\n";
    }
    text += "id=0:65000:999 ip=192.0.2.0/24 bgp_nexthop=198.51.100.1\nid=0:65000:998 ip=0.0.0.0/0 in=-2\n";
    const auto plain = FlowToRdMap::parse(text, {});
    const auto fast = FlowToRdMap::parse(text, indexed());
    EXPECT_THAT(fast.problems, IsEmpty());  // every rule has `ip`, which is indexed (0.0.0.0/0 too)
    std::mt19937 rng(7);
    int set = 0;
    for (int i = 0; i < 2000; ++i) {
        FlowRecord r;
        r.peer_src_ip = IpAddress::v4(static_cast<std::uint32_t>(0xC0000200 + rng() % 60));
        r.in_iface = static_cast<std::uint32_t>(rng() % 6);
        r.bgp_next_hop = rng() % 2 == 0 ? ip("198.51.100.1") : ip("198.51.100.2");
        FlowRecord a = r;
        FlowRecord b = r;
        plain.map.apply(a);
        fast.map.apply(b);
        ASSERT_EQ(a.mpls_vpn_rd, b.mpls_vpn_rd) << r.peer_src_ip.to_string() << " in " << r.in_iface;
        set += a.mpls_vpn_rd[0] == kRdOriginMap ? 1 : 0;
    }
    EXPECT_GT(set, 1000);
}

// A rule without `ip` is one for IPv4 and one for IPv6 exporters: two of maps_entries (as
// Debian's 1.7.7 does: tests/integration/pre_tag_map_test.cpp).
TEST(Recirculation, ARuleWithoutIpTakesTwoEntries) {
    const char* map = "set_tag=1 ip=192.0.2.1 src_net=10.0.0.9/32\nset_tag=2 src_net=10.1.2.3/32\nset_tag=3 ip=2001:db8::1\n";
    FlowRecord v4;
    v4.peer_src_ip = ip("192.0.2.1");
    v4.src_ip = ip("10.1.2.3");
    FlowRecord v6 = v4;
    v6.peer_src_ip = ip("2001:db8::1");
    auto tags_with = [&](std::size_t entries, bool dont_recirculate, const FlowRecord& r) {
        MapLimits l;
        l.entries = entries;
        l.dont_recirculate = dont_recirculate;
        return run(PreTagMap::parse(map, Daemon::kNfacctd, l).map, r).tag;
    };
    // 4 entries: all. 3: the last rule is cut. 2: rule 2 for IPv4 exporters only.
    EXPECT_EQ(tags_with(4, false, v4), 2U);
    EXPECT_EQ(tags_with(4, false, v6), 2U);
    EXPECT_EQ(tags_with(3, false, v6), 2U);
    v6.src_ip = ip("10.1.9.9");
    EXPECT_EQ(tags_with(4, false, v6), 3U);
    EXPECT_EQ(tags_with(3, false, v6), 0U);
    v6.src_ip = ip("10.1.2.3");
    EXPECT_EQ(tags_with(2, false, v4), 2U);
    EXPECT_EQ(tags_with(2, false, v6), 0U);
    MapLimits three;
    three.entries = 3;
    EXPECT_THAT(PreTagMap::parse(map, Daemon::kNfacctd, three).problems,
                ElementsAre(::testing::Field(&MapProblem::why, HasSubstr("first 3 entries"))));
    // pre_tag_map_dont_recirculate: one entry, IPv4 exporters only.
    EXPECT_EQ(tags_with(3, true, v4), 2U);
    v6.src_ip = ip("10.1.9.9");
    EXPECT_EQ(tags_with(3, true, v6), 3U);
    v6.src_ip = ip("10.1.2.3");
    EXPECT_EQ(tags_with(3, true, v6), 3U);  // rule 2 does not apply to it
    MapLimits one;
    one.dont_recirculate = true;
    EXPECT_THAT(PreTagMap::parse(map, Daemon::kNfacctd, one).problems, IsEmpty());
}

}  // namespace
}  // namespace pmacct::maps
