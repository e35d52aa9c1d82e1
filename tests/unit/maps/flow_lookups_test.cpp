#include "pmacct/maps/flow_lookups.hpp"

#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "ip_support.hpp"
#include "test_support.hpp"

namespace pmacct::maps {
namespace {

using pmacct::testing::ip;
using pmacct::testing::TempDir;

constexpr const char* kNetworks =
    "65001,10.0.0.0/8\n"
    "64512_65002,10.1.0.0/16\n"
    "192.0.2.9,65003,198.51.100.0/24\n"
    "65004,2001:db8::/32\n";

// One plugin's config, its key layout and lookups; keys extracted and looked up like the core does.
struct Plugin {
    config::Config cfg;
    aggregate::KeyLayout layout;
    std::unique_ptr<FlowLookups> lookups;
    std::string error;

    Plugin(const std::string& text, const std::string& aggregate) {
        cfg = config::load_text(Daemon::kNfacctd,
                                "plugins: print[p]\naggregate: " + aggregate + "\n" + text);
        for (const auto& d : cfg.diagnostics) ADD_FAILURE() << d.text();
        layout = *aggregate::KeyLayout::build(cfg.plugins.at(0).aggregate);
        auto l = FlowLookups::for_plugin(Daemon::kNfacctd, cfg.plugins.at(0), layout);
        if (l) {
            lookups = std::move(*l);
        } else {
            error = l.error();
        }
    }
    std::vector<std::uint8_t> key(const FlowRecord& r, int side = 0) const {
        std::vector<std::uint8_t> k(layout.key_size());
        layout.extract(r, k.data(), side);
        if (lookups) lookups->apply(r, k.data(), side);
        return k;
    }
    std::string text(const std::vector<std::uint8_t>& k, std::string_view name) const {
        const aggregate::KeyField* f = layout.field(name);
        if (f == nullptr) return "?";
        if (f->size == 17) return aggregate::read_ip(*f, k.data()).to_string();
        return std::to_string(aggregate::read_uint(*f, k.data()));
    }
};

FlowRecord record(const char* src, std::uint8_t src_mask, const char* dst, std::uint8_t dst_mask) {
    FlowRecord r;
    r.src_ip = ip(src);
    r.dst_ip = ip(dst);
    r.src_mask = src_mask;
    r.dst_mask = dst_mask;
    r.src_as = 111;
    r.dst_as = 222;
    r.peer_src_as = 333;
    r.peer_dst_as = 444;
    r.bgp_next_hop = ip("203.0.113.1");
    r.src_port = 443;
    r.dst_port = 50000;
    r.proto = 6;
    r.tos = 184;
    return r;
}

class FlowLookupsTest : public ::testing::Test {
protected:
    void SetUp() override {
        networks_ = dir_.path() + "/networks.lst";
        std::ofstream(networks_) << kNetworks;
    }
    std::string file_line() const { return "networks_file: " + networks_ + "\n"; }
    TempDir dir_;
    std::string networks_;
};

constexpr const char* kAll =
    "src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_as, dst_as, peer_src_as, "
    "peer_dst_as, "
    "peer_dst_ip";

TEST_F(FlowLookupsTest, FileGivesNetworksMasksAsnsAndNextHops) {
    Plugin p(file_line() + "nfacctd_net: file\nnfacctd_as: file\n", kAll);
    ASSERT_NE(p.lookups, nullptr) << p.error;
    auto k = p.key(record("10.1.2.3", 24, "198.51.100.7", 25));
    EXPECT_EQ(p.text(k, "src_net"), "10.1.0.0");
    EXPECT_EQ(p.text(k, "src_mask"), "16");
    EXPECT_EQ(p.text(k, "src_as"), "65002");
    EXPECT_EQ(p.text(k, "peer_src_as"), "64512");
    EXPECT_EQ(p.text(k, "dst_net"), "198.51.100.0");
    EXPECT_EQ(p.text(k, "dst_as"), "65003");
    EXPECT_EQ(p.text(k, "peer_dst_as"), "0");
    EXPECT_EQ(p.text(k, "peer_dst_ip"), "192.0.2.9");
    EXPECT_EQ(p.text(k, "src_host"), "10.1.2.3");
    // Nothing in the file: no network, no ASN, no next hop (the record's are not used).
    k = p.key(record("192.0.2.1", 24, "2001:db8:5::1", 48));
    EXPECT_EQ(p.text(k, "src_net"), "0.0.0.0");
    EXPECT_EQ(p.text(k, "src_mask"), "0");
    EXPECT_EQ(p.text(k, "src_as"), "0");
    EXPECT_EQ(p.text(k, "peer_src_as"), "0");
    EXPECT_EQ(p.text(k, "dst_net"), "2001:db8::");
    EXPECT_EQ(p.text(k, "dst_mask"), "32");
    EXPECT_EQ(p.text(k, "dst_as"), "65004");
    EXPECT_EQ(p.text(k, "peer_dst_ip"), "");
}

TEST_F(FlowLookupsTest, LongestTakesTheLongerOfFileAndRecordTheFileOnATie) {
    Plugin p(file_line() + "nfacctd_net: longest\nnfacctd_as: longest\n", kAll);
    ASSERT_NE(p.lookups, nullptr) << p.error;
    auto k = p.key(record("10.1.2.3", 24, "198.51.100.7", 24));
    EXPECT_EQ(p.text(k, "src_net"), "10.1.2.0");  // the record's /24 beats the file's /16
    EXPECT_EQ(p.text(k, "src_mask"), "24");
    EXPECT_EQ(p.text(k, "src_as"), "111");
    EXPECT_EQ(p.text(k, "peer_src_as"), "333");
    EXPECT_EQ(p.text(k, "dst_mask"), "24");  // a tie: the file's
    EXPECT_EQ(p.text(k, "dst_as"), "65003");
    EXPECT_EQ(p.text(k, "peer_dst_ip"), "192.0.2.9");
    k = p.key(record("10.1.2.3", 12, "192.0.2.1", 24));
    EXPECT_EQ(p.text(k, "src_mask"), "16");
    EXPECT_EQ(p.text(k, "src_as"), "65002");
    EXPECT_EQ(p.text(k, "dst_mask"), "24");  // the file has nothing
    EXPECT_EQ(p.text(k, "dst_as"), "222");
    EXPECT_EQ(p.text(k, "peer_dst_ip"), "203.0.113.1");
}

TEST_F(FlowLookupsTest, NoLpmLetsAnyMatchOfTheFileWin) {
    Plugin p(
        file_line() + "nfacctd_net: longest\nnfacctd_as: longest\nnetworks_file_no_lpm: true\n",
        kAll);
    auto k = p.key(record("10.1.2.3", 24, "192.0.2.1", 24));
    EXPECT_EQ(p.text(k, "src_mask"), "16");
    EXPECT_EQ(p.text(k, "src_as"), "65002");
    EXPECT_EQ(p.text(k, "dst_mask"), "24");
    EXPECT_EQ(p.text(k, "dst_as"), "222");
}

TEST_F(FlowLookupsTest, FilterZeroesAddressesOutsideTheFile) {
    Plugin p(file_line() + "networks_file_filter: true\n", kAll);
    ASSERT_NE(p.lookups, nullptr) << p.error;
    auto k = p.key(record("10.1.2.3", 24, "192.0.2.1", 26));
    EXPECT_EQ(p.text(k, "src_host"), "10.1.2.3");
    EXPECT_EQ(p.text(k, "src_net"), "10.1.2.0");  // nfacctd_net is netflow: the record's mask
    EXPECT_EQ(p.text(k, "dst_host"), "0.0.0.0");
    EXPECT_EQ(p.text(k, "dst_net"), "0.0.0.0");
    EXPECT_EQ(p.text(k, "dst_mask"), "26");
    EXPECT_EQ(p.text(k, "dst_as"), "222");
}

TEST_F(FlowLookupsTest, NoMaskIfZeroKeepsTheWholeAddress) {
    Plugin p(file_line() + "nfacctd_net: file\nnetworks_no_mask_if_zero: true\n", kAll);
    auto k = p.key(record("192.0.2.1", 24, "10.9.9.9", 24));
    EXPECT_EQ(p.text(k, "src_net"), "192.0.2.1");
    EXPECT_EQ(p.text(k, "src_mask"), "0");
    EXPECT_EQ(p.text(k, "dst_net"), "10.0.0.0");
}

TEST_F(FlowLookupsTest, NetworksMaskWithMask) {
    Plugin p("networks_mask: 20\nnfacctd_net: mask\n", kAll);
    auto k = p.key(record("10.1.255.3", 24, "2001:db8:ffff::1", 64));
    EXPECT_EQ(p.text(k, "src_net"), "10.1.240.0");
    EXPECT_EQ(p.text(k, "src_mask"), "20");
    EXPECT_EQ(p.text(k, "dst_net"), "2001::");
    EXPECT_EQ(p.text(k, "src_as"), "111");
    // Without 'mask' in nfacctd_net, networks_mask does nothing (as in pmacct).
    Plugin q("networks_mask: 20\n", kAll);
    EXPECT_EQ(q.lookups, nullptr);
}

TEST_F(FlowLookupsTest, SumPrimitivesTakeTheirSide) {
    Plugin net(file_line() + "nfacctd_net: file\n", "sum_net");
    Plugin as(file_line() + "nfacctd_as: file\n", "sum_as");
    const FlowRecord r = record("10.1.2.3", 24, "198.51.100.7", 24);
    EXPECT_EQ(net.text(net.key(r, 0), "sum_net"), "10.1.0.0");
    EXPECT_EQ(net.text(net.key(r, 1), "sum_net"), "198.51.100.0");
    EXPECT_EQ(as.text(as.key(r, 0), "sum_as"), "65002");
    EXPECT_EQ(as.text(as.key(r, 1), "sum_as"), "65003");
}

TEST_F(FlowLookupsTest, PortsProtosAndTosLists) {
    const std::string ports = dir_.path() + "/ports.lst";
    const std::string protos = dir_.path() + "/protos.lst";
    const std::string tos = dir_.path() + "/tos.lst";
    std::ofstream(ports) << "443\n";
    std::ofstream(protos) << "udp\n";
    std::ofstream(tos) << "184\n";
    Plugin p("ports_file: " + ports + "\nprotos_file: " + protos + "\ntos_file: " + tos + "\n",
             "src_port, dst_port, proto, tos");
    ASSERT_NE(p.lookups, nullptr) << p.error;
    auto k = p.key(record("10.1.2.3", 24, "198.51.100.7", 24));
    EXPECT_EQ(p.text(k, "src_port"), "443");
    EXPECT_EQ(p.text(k, "dst_port"), "0");
    EXPECT_EQ(p.text(k, "proto"), "255");
    EXPECT_EQ(p.text(k, "tos"), "184");
}

TEST_F(FlowLookupsTest, NothingConfiguredNoLookups) {
    EXPECT_EQ(Plugin("", kAll).lookups, nullptr);
    // The default nfacctd_net/nfacctd_as (netflow) do not consult the file.
    EXPECT_EQ(Plugin(file_line(), kAll).lookups, nullptr);
    // A key without the fields the lookups touch.
    EXPECT_EQ(Plugin(file_line() + "nfacctd_net: file\n", "src_host, src_port").lookups, nullptr);
}

TEST_F(FlowLookupsTest, PerPluginFiles) {
    auto cfg = config::load_text(Daemon::kNfacctd,
                                 "plugins: print[a], print[b]\naggregate: src_net, src_mask\n"
                                 "nfacctd_net: file\nnetworks_mask: 8\nnetworks_file[a]: " +
                                     networks_ + "\n");
    auto all = FlowLookups::for_config(cfg);
    ASSERT_TRUE(all) << all.error();
    ASSERT_EQ(all->size(), 2U);
    EXPECT_NE((*all)[0], nullptr);
    EXPECT_NE((*all)[1], nullptr);
}

TEST_F(FlowLookupsTest, ContradictionsAndMissingFilesStopStartUp) {
    Plugin p("nfacctd_as: file\n", kAll);
    EXPECT_EQ(p.error, "<config>:3: nfacctd_as: 'file' needs a networks_file");
    Plugin q("nfacctd_net: file\n", kAll);
    EXPECT_EQ(q.error, "<config>:3: nfacctd_net: 'file' needs a networks_file");
    Plugin r("networks_file: /nonexistent/networks.lst\nnfacctd_net: file\n", kAll);
    EXPECT_NE(r.error.find("networks_file: cannot read '/nonexistent/networks.lst'"),
              std::string::npos)
        << r.error;
}

TEST_F(FlowLookupsTest, ReloadReadsTheFileAgainAndKeepsItWhenUnreadable) {
    Plugin p(file_line() + "nfacctd_net: file\n", "src_net, src_mask");
    const FlowRecord r = record("10.1.2.3", 24, "198.51.100.7", 24);
    EXPECT_EQ(p.text(p.key(r), "src_mask"), "16");
    std::ofstream(networks_) << "10.1.2.0/23\n";
    p.lookups->reload();
    EXPECT_EQ(p.text(p.key(r), "src_mask"), "23");
    ::unlink(networks_.c_str());
    p.lookups->reload();
    EXPECT_EQ(p.text(p.key(r), "src_mask"), "23");
}

}  // namespace
}  // namespace pmacct::maps
