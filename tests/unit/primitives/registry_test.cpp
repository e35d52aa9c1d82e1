#include "pmacct/primitives/registry.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace pmacct::primitives {
namespace {

using pmacct::testing::read_file;
using pmacct::testing::TempDir;

using ::testing::ElementsAre;

struct Listing {
    std::string header;
    // category -> lines "name : description" in order
    std::map<std::string, std::vector<std::string>> lines;
};

Listing parse_listing(const std::string& text) {
    Listing l;
    std::istringstream in(text);
    std::string line;
    std::getline(in, l.header);
    std::string category;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (line.find(" : ") == std::string::npos) {
            category = line;
            l.lines[category];
            continue;
        }
        l.lines[category].push_back(line);
    }
    return l;
}

std::string name_of(const std::string& line) { return line.substr(0, line.find(' ')); }

// `-a` lists at least every primitive Debian's pmacct 1.7.7 lists for the daemon, under the same
// category, in the same relative order, with byte-identical lines.
void compare_with_debian(Daemon d) {
    SCOPED_TRACE(std::string(daemon_name(d)));
    std::string debian_text = read_file(std::string(PMACCT_SOURCE_DIR) + "/tests/data/debian-1.7.7/" +
                                        std::string(daemon_name(d)) + "-a.txt");
    ASSERT_FALSE(debian_text.empty());
    Listing debian = parse_listing(debian_text);
    Listing ours = parse_listing(list_for_daemon(d, "header"));
    std::vector<std::string> categories;
    for (const auto& [c, _] : debian.lines) categories.push_back(c);
    for (const auto& [category, debian_lines] : debian.lines) {
        SCOPED_TRACE(category);
        ASSERT_TRUE(ours.lines.count(category)) << "category missing";
        const auto& our_lines = ours.lines.at(category);
        std::size_t pos = 0;
        for (const auto& dl : debian_lines) {
            auto it = std::find_if(our_lines.begin(), our_lines.end(),
                                   [&](const std::string& ol) { return name_of(ol) == name_of(dl); });
            ASSERT_NE(it, our_lines.end()) << "missing primitive " << name_of(dl);
            EXPECT_EQ(*it, dl) << "line differs";
            auto idx = static_cast<std::size_t>(it - our_lines.begin());
            EXPECT_GE(idx, pos) << name_of(dl) << " is out of order";
            pos = idx;
        }
    }
}

TEST(PrimitiveListing, NfacctdCoversDebian) { compare_with_debian(Daemon::kNfacctd); }
TEST(PrimitiveListing, SfacctdCoversDebian) { compare_with_debian(Daemon::kSfacctd); }
// Ours add in_iface/out_iface, which 1.7.7's pmacctd takes without listing them (pcap_ifindex
// and a direction fill them).
TEST(PrimitiveListing, PmacctdCoversDebian) { compare_with_debian(Daemon::kPmacctd); }
// Debian's uacctd prints the pmacctd column (a pmacct quirk); ours is a superset of it and adds
// in_iface/out_iface, which uacctd does fill from NFLOG.
TEST(PrimitiveListing, UacctdCoversDebian) { compare_with_debian(Daemon::kUacctd); }

TEST(PrimitiveListing, LayoutIsPmacctsLayout) {
    std::string text = list_for_daemon(Daemon::kNfacctd, "HEADER");
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "HEADER");
    std::getline(in, line);
    EXPECT_EQ(line, "");
    std::getline(in, line);
    EXPECT_EQ(line, "L2");
    std::getline(in, line);
    EXPECT_EQ(line.size(), 32U + 3U + 64U);
    EXPECT_EQ(line.substr(0, 35), "cos                              : ");
    // Category titles in order, each after a blank line.
    std::vector<std::string> titles;
    std::string prev = "x";
    std::istringstream again(text);
    while (std::getline(again, line)) {
        if (prev.empty() && !line.empty()) titles.push_back(line);
        prev = line;
    }
    EXPECT_THAT(titles, ElementsAre("L2", "L3", "L4", "BGP", "NAT", "TUNNEL", "MPLS", "MISC", "TIME"));
}

TEST(PrimitiveListing, PerDaemonSupport) {
    std::string nf = list_for_daemon(Daemon::kNfacctd, "");
    std::string pm = list_for_daemon(Daemon::kPmacctd, "");
    EXPECT_NE(nf.find("\npost_nat_src_host "), std::string::npos);
    EXPECT_EQ(pm.find("\npost_nat_src_host "), std::string::npos);
    EXPECT_NE(pm.find("\ntunnel_src_mac "), std::string::npos);
    EXPECT_EQ(nf.find("\ntunnel_src_mac "), std::string::npos);
    // Aggregate-only names are not listed.
    EXPECT_EQ(nf.find("\nsum_host "), std::string::npos);
    EXPECT_EQ(nf.find("\nnone "), std::string::npos);
}

TEST(PrimitiveRegistry, EveryPrimitiveHasItsOutputNames) {
    std::set<std::string_view> names;
    for (const auto& p : all()) {
        SCOPED_TRACE(std::string(p.name));
        EXPECT_TRUE(names.insert(p.name).second) << "duplicate";
        EXPECT_FALSE(p.description.empty());
        if (p.kind != ValueKind::kNone) {
            EXPECT_FALSE(p.json_key.empty());
            EXPECT_FALSE(p.header.empty());
            EXPECT_FALSE(p.sql_column.empty());
        }
        EXPECT_NE(p.daemons, 0);
    }
    EXPECT_EQ(find("proto")->json_key, "ip_proto");
    EXPECT_EQ(find("src_host")->header, "SRC_IP");
    EXPECT_EQ(find("class")->sql_column, "class_id");
    EXPECT_EQ(find("ingress_vrf_name")->sql_column, "vrf_name_ingress");
    EXPECT_EQ(find("peer_src_ip")->json_key, "peer_ip_src");
    EXPECT_EQ(find("local_pref")->header, "PREF");
}

TEST(PrimitiveRegistry, OutputOrdersCoverEveryPrimitiveOnce) {
    for (auto order : {csv_order(), json_order()}) {
        std::set<std::string_view> seen;
        for (auto n : order) {
            EXPECT_NE(find(n), nullptr) << n;
            EXPECT_TRUE(seen.insert(n).second) << n << " twice";
        }
        for (const auto& p : all()) EXPECT_TRUE(seen.count(p.name)) << p.name << " has no position";
    }
}

TEST(ParseAggregate, AcceptsListsAndChecksThem) {
    auto ok = parse_aggregate(" src_host , dst_host,proto ", Daemon::kNfacctd);
    ASSERT_TRUE(ok.has_value());
    EXPECT_THAT(*ok, ElementsAre("src_host", "dst_host", "proto"));
    EXPECT_EQ(parse_aggregate("src_host,,dst_host", Daemon::kNfacctd).error(), "empty primitive in the list");
    EXPECT_EQ(parse_aggregate("in_iface_name", Daemon::kPmacctd).error(),
              "primitive 'in_iface_name' is not supported by pmacctd");
    EXPECT_TRUE(parse_aggregate("in_iface", Daemon::kUacctd).has_value());
    EXPECT_TRUE(parse_aggregate("in_iface", Daemon::kPmacctd).has_value());
    EXPECT_TRUE(parse_aggregate("none", Daemon::kSfacctd).has_value());
    EXPECT_EQ(parse_aggregate("src_port, sum_port", Daemon::kNfacctd).error(),
              "'sum_port' cannot be combined with other primitives");
    std::vector<std::string> custom = {"mtla"};
    EXPECT_TRUE(parse_aggregate("src_host, mtla", Daemon::kNfacctd, custom).has_value());
    EXPECT_EQ(parse_aggregate("mtla", Daemon::kNfacctd).error(), "unknown primitive 'mtla'");
}

}  // namespace
}  // namespace pmacct::primitives
