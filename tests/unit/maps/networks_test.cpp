#include "pmacct/maps/networks.hpp"

#include <random>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "ip_support.hpp"

namespace pmacct::maps {
namespace {

using pmacct::testing::ip;

NetworksTable parse(std::string_view text, std::vector<SkippedLine>* skipped_out = nullptr) {
    std::vector<SkippedLine> skipped;
    NetworksTable t = NetworksTable::parse(text, skipped);
    if (skipped_out != nullptr) *skipped_out = skipped;
    return t;
}

// The length of the network `a` falls into, -1 for none.
int length_of(const NetworksTable& t, const char* a) {
    const NetworkEntry* e = t.lookup(ip(a));
    return e == nullptr ? -1 : e->length;
}

TEST(NetworksTable, EveryLineFormOfTheFile) {
    const NetworksTable t = parse(
        "! comment\n"
        "# comment\n"
        "192.168.95.0/24\n"
        "65500,192.168.1.0/24\n"
        "64512_65501,192.168.2.0/25\n"
        "10.0.0.3,65502,192.168.4.0/23\n"
        "2001:db8::1,64513_65503,2001:db8:100::/40\n"
        "  65504 , 198.51.100.0/24\n"
        "10.0.0.7,,203.0.113.0/24\n");
    EXPECT_EQ(t.size(), 7U);
    const NetworkEntry* e = t.lookup(ip("192.168.95.77"));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->length, 24);
    EXPECT_EQ(e->origin_as, 0U);
    EXPECT_TRUE(e->next_hop.empty());
    e = t.lookup(ip("192.168.1.1"));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->origin_as, 65500U);
    e = t.lookup(ip("192.168.2.127"));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->peer_as, 64512U);
    EXPECT_EQ(e->origin_as, 65501U);
    EXPECT_EQ(t.lookup(ip("192.168.2.128")), nullptr);
    e = t.lookup(ip("192.168.5.255"));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->next_hop, ip("10.0.0.3"));
    EXPECT_EQ(e->length, 23);
    e = t.lookup(ip("2001:db8:1ff::1"));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->next_hop, ip("2001:db8::1"));
    EXPECT_EQ(e->peer_as, 64513U);
    EXPECT_EQ(e->origin_as, 65503U);
    EXPECT_EQ(t.lookup(ip("2001:db8:200::1")), nullptr);
    EXPECT_EQ(t.lookup(ip("198.51.100.9"))->origin_as, 65504U);
    e = t.lookup(ip("203.0.113.1"));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->origin_as, 0U);
    EXPECT_EQ(e->next_hop, ip("10.0.0.7"));
}

TEST(NetworksTable, MalformedLinesAreSkippedWithTheirLineNumbers) {
    std::vector<SkippedLine> skipped;
    const NetworksTable t = parse(
        "10.0.0.0/8\n"         // 1
        "1.2.3.0/33\n"         // 2
        "garbage\n"            // 3
        "65005\n"              // 4
        "300.1.2.3/8\n"        // 5
        "abc,10.1.0.0/16\n"    // 6
        "1,2,3,10.2.0.0/16\n"  // 7
        "x,1,10.3.0.0/16\n"    // 8
        "2001:db8::/129\n"     // 9
        "10.0.0.0/8\n",        // 10: the same network again
        &skipped);
    ASSERT_EQ(skipped.size(), 9U);
    for (std::size_t i = 0; i < skipped.size(); ++i)
        EXPECT_EQ(skipped[i].line, static_cast<int>(i) + 2);
    EXPECT_NE(skipped[0].why.find("invalid network mask '33'"), std::string::npos);
    EXPECT_NE(skipped[1].why.find("missing '/'"), std::string::npos);
    EXPECT_NE(skipped[8].why.find("line 1"), std::string::npos);
    EXPECT_EQ(length_of(t, "10.1.2.3"), 8);
}

TEST(NetworksTable, TheFirstOfTwoEqualNetworksIsUsed) {
    const NetworksTable t = parse("65001,61.6.230.0/24\n65002,61.6.230.0/24\n");
    EXPECT_EQ(t.lookup(ip("61.6.230.1"))->origin_as, 65001U);
}

TEST(NetworksTable, LongestMatchWhateverTheOrder) {
    for (const char* text : {"10.0.0.0/8\n10.1.0.0/16\n10.1.2.0/24\n0.0.0.0/0\n",
                             "10.1.2.0/24\n0.0.0.0/0\n10.1.0.0/16\n10.0.0.0/8\n"}) {
        const NetworksTable t = parse(text);
        EXPECT_EQ(length_of(t, "10.1.2.3"), 24) << text;
        EXPECT_EQ(length_of(t, "10.1.3.3"), 16) << text;
        EXPECT_EQ(length_of(t, "10.2.0.0"), 8) << text;
        EXPECT_EQ(length_of(t, "10.255.255.255"), 8) << text;
        EXPECT_EQ(length_of(t, "11.0.0.0"), 0) << text;
        EXPECT_EQ(length_of(t, "255.255.255.255"), 0) << text;
        EXPECT_EQ(length_of(t, "2001:db8::1"), -1) << text;
    }
}

TEST(NetworksTable, EdgesOfTheAddressSpace) {
    const NetworksTable t = parse("255.255.255.255/32\n0.0.0.0/32\n::/128\nffff::/16\n::1/128\n");
    EXPECT_EQ(length_of(t, "255.255.255.255"), 32);
    EXPECT_EQ(length_of(t, "255.255.255.254"), -1);
    EXPECT_EQ(length_of(t, "0.0.0.0"), 32);
    EXPECT_EQ(length_of(t, "0.0.0.1"), -1);
    EXPECT_EQ(length_of(t, "::"), 128);
    EXPECT_EQ(length_of(t, "::1"), 128);
    EXPECT_EQ(length_of(t, "::2"), -1);
    EXPECT_EQ(length_of(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 16);
    EXPECT_EQ(length_of(t, "fffe::1"), -1);
}

TEST(NetworksTable, Ipv6NetworksAcrossThe64BitHalves) {
    const NetworksTable t =
        parse("2001:db8::/32\n2001:db8:0:1::/64\n2001:db8:0:1:8000::/65\n2001:db8:0:1::5/128\n");
    EXPECT_EQ(length_of(t, "2001:db8:0:1::5"), 128);
    EXPECT_EQ(length_of(t, "2001:db8:0:1::6"), 64);
    EXPECT_EQ(length_of(t, "2001:db8:0:1:8000::1"), 65);
    EXPECT_EQ(length_of(t, "2001:db8:0:2::1"), 32);
    EXPECT_EQ(length_of(t, "2001:db9::"), -1);
}

// The flattened ranges agree with a plain scan of every network on random nested prefixes.
TEST(NetworksTable, AgreesWithALinearScan) {
    std::mt19937 rng(7);  // 32-bit results
    std::string text;
    struct P {
        std::uint32_t net;
        unsigned len;
    };
    std::vector<P> nets;
    for (int i = 0; i < 300; ++i) {
        const auto len = static_cast<unsigned>(8 + rng() % 25);
        const std::uint32_t mask = len == 0 ? 0 : ~std::uint32_t{0} << (32 - len);
        const std::uint32_t net =
            (0x0A000000U | (static_cast<std::uint32_t>(rng()) & 0x00FFFFFFU)) & mask;
        bool dup = false;
        for (const auto& p : nets) dup = dup || (p.net == net && p.len == len);
        if (dup) continue;
        nets.push_back({net, len});
        text += fmt::format("{}.{}.{}.{}/{}\n", net >> 24, (net >> 16) & 255, (net >> 8) & 255,
                            net & 255, len);
    }
    const NetworksTable t = parse(text);
    for (int i = 0; i < 20000; ++i) {
        const std::uint32_t a = 0x0A000000U | (static_cast<std::uint32_t>(rng()) & 0x00FFFFFFU);
        int best = -1;
        for (const auto& p : nets) {
            const std::uint32_t mask = ~std::uint32_t{0} << (32 - p.len);
            if ((a & mask) == p.net && static_cast<int>(p.len) > best)
                best = static_cast<int>(p.len);
        }
        const NetworkEntry* e = t.lookup(IpAddress::v4(a));
        ASSERT_EQ(e == nullptr ? -1 : e->length, best) << fmt::format("{:08x}", a);
    }
}

}  // namespace
}  // namespace pmacct::maps
