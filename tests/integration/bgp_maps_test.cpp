// bgp_peer_src_as_map, bgp_src_local_pref_map and bgp_src_med_map end to end: the same maps and
// captures through our nfacctd / sfacctd and Debian's 1.7.7 give the same peer_src_as,
// src_local_pref and src_med. 1.7.7 uses these maps only with its BGP thread running, so both
// are given `bgp_daemon: true` on 127.0.0.1 (ours has no BGP thread yet and applies them
// anyway). SIGUSR2 reloads a map under steady traffic without losing a record.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "map_reload.hpp"
#include "run_program.hpp"
#include "test_support.hpp"
#include "v5_generator.hpp"

namespace pmacct::testing {
namespace {

const std::string kData = std::string(PMACCT_SOURCE_DIR) + "/tests/data/";

bool have_debian() { return ::access("/usr/sbin/nfacctd", X_OK) == 0 && ::access("/usr/sbin/sfacctd", X_OK) == 0; }

std::vector<std::string> sorted_lines(const std::string& text) {
    std::vector<std::string> lines = lines_of(text);
    std::sort(lines.begin(), lines.end());
    return lines;
}

struct Case {
    const char* name;
    const char* daemon;
    const char* capture;  // under tests/data/
    const char* peer_src_as_map;
    const char* local_pref_map;
    const char* med_map;
    const char* aggregate;  // besides peer_src_as, src_local_pref, src_med
};

// What 1.7.7 and pmacct-ng agree on. Not here (docs/CONFIGURATION.md): src_mac and vlan on
// NetFlow v5, and src_mac on v9/IPFIX records whose template lacks it, which 1.7.7 never
// matches; vlan above 4096, which 1.7.7 refuses.
const Case kCases[] = {
    // v5: exporter and interfaces, negations, id=bgp (holds, gives 0), no rule (0).
    {"v5_exporter_interfaces", "nfacctd", "netflow/akvorado-nfv5.pcap",
     "id=65001 ip=10.19.144.41 in=117\nid=65002 ip=0.0.0.0/0 in=-118\n",
     "id=100 ip=10.19.144.41 in=117\nid=200 ip=10.19.144.0/24 in=-115\n",
     "id=bgp ip=10.19.144.41 in=117\nid=7 ip=0.0.0.0/0\n", "src_host, in_iface"},
    // v5: networks, filters, and the BGP keys of the route to the source (none: the next hop
    // never holds, its negation does; the AS is 0).
    {"v5_networks_filters_bgp_keys", "nfacctd", "netflow/akvorado-nfv5.pcap",
     "id=1 ip=10.19.144.41 src_net=142.250.0.0/16\nid=2 ip=10.19.144.41 filter='src net 172.217.0.0/16'\n"
     "id=3 ip=10.19.144.41 dst_net=-10.0.0.0/8 in=117\n",
     "id=10 ip=10.19.144.41 bgp_nexthop=0.0.0.0\nid=11 ip=10.19.144.41 bgp_nexthop=-10.0.0.1 in=116\n"
     "id=12 ip=10.19.144.41 peer_dst_as=0 in=115\n",
     "id=20 ip=10.19.144.41 peer_dst_as=-0\nid=21 ip=10.19.144.41 in=118 filter='tcp'\n",
     "src_host, in_iface"},
    // v9: the flows' own BGP next hops are not what bgp_nexthop matches.
    {"v9_interfaces_next_hops", "nfacctd", "netflow/akvorado/data+templates.pcap",
     "id=1 ip=102.102.144.1 bgp_nexthop=120.120.238.15\nid=2 ip=102.102.144.1 in=1741\n"
     "id=3 ip=102.102.144.1 peer_dst_as=0 in=1719\nid=5 ip=102.102.144.1 filter='udp'\n",
     "id=300 ip=102.102.144.0/24 out=-0 vlan=0\n", "id=9 ip=102.102.144.1 src_net=120.120.0.0/16 in=-1614\n",
     "peer_dst_ip, in_iface, proto, dst_net"},
    // sFlow: the agent, interfaces, both VLANs, MACs and networks; the map's value replaces the
    // gateway record's peer AS (203698 in one sample).
    {"sflow_agent_vlan_mac", "sfacctd", "sflow/akvorado/data-1140.pcap",
     "id=11 ip=172.16.0.3 in=27 vlan=100\nid=12 ip=172.16.0.3 src_mac=c4:ca:2b:ae:34:37\n"
     "id=13 ip=172.16.0.0/16 out=-5 src_net=-10.0.0.0/8\n",
     "id=100 ip=172.16.0.3 src_mac=-24:6e:96:90:7a:50 dst_net=-10.0.0.0/8 in=49001\n", "id=bgp ip=172.16.0.3 in=28\nid=5 ip=0.0.0.0/0\n",
     "peer_src_ip, in_iface, vlan, src_mac"},
};

class DebianBgpMapsAlike : public ::testing::TestWithParam<Case> {};

TEST_P(DebianBgpMapsAlike, SameRows) {
    if (!have_debian()) GTEST_SKIP() << "Debian's pmacct is not installed";
    const Case& c = GetParam();
    TempDir dir;
    const std::string maps[3] = {dir.path() + "/peer_src_as.map", dir.path() + "/local_pref.map",
                                 dir.path() + "/med.map"};
    std::ofstream(maps[0]) << c.peer_src_as_map;
    std::ofstream(maps[1]) << c.local_pref_map;
    std::ofstream(maps[2]) << c.med_map;
    std::array<std::vector<std::string>, 2> rows;
    for (int attempt = 0; attempt < 2; ++attempt) {
        for (const int i : {0, 1}) {
            const std::string who = i == 0 ? "ours" : "debian";
            const std::string conf = dir.path() + "/" + who + ".conf";
            const std::string out = dir.path() + "/" + who + ".csv";
            ::unlink(out.c_str());
            std::ofstream(conf) << "pcap_savefile: " << kData << c.capture
                                << "\nplugins: print[p]\nprint_refresh_time: 3600\naggregate[p]: peer_src_as, "
                                   "src_local_pref, src_med, "
                                << c.aggregate << "\nprint_output[p]: csv\nprint_output_file[p]: " << out
                                << "\nbgp_daemon: true\nbgp_daemon_ip: 127.0.0.1\nbgp_daemon_port: " << free_tcp_port()
                                << "\nbgp_peer_src_as_type: map\nbgp_peer_src_as_map: " << maps[0]
                                << "\nbgp_src_local_pref_type: map\nbgp_src_local_pref_map: " << maps[1]
                                << "\nbgp_src_med_type: map\nbgp_src_med_map: " << maps[2] << "\n";
            if (i == 0) {
                const auto r = run_program({c.daemon, "-f", conf}, 30000);
                ASSERT_EQ(r.exit_code, 0) << r.err;
                EXPECT_EQ(r.err.find("rule ignored"), std::string::npos) << r.err;
            } else {
                // 1.7.7 gives its BGP thread 5 s before it reads the savefile, and keeps running.
                run_program({"/usr/bin/timeout", "-s", "INT", "-k", "5", "11", std::string("/usr/sbin/") + c.daemon,
                             "-f", conf},
                            30000);
            }
            rows[static_cast<std::size_t>(i)] = sorted_lines(read_file(out));
        }
        if (rows[0] == rows[1]) break;  // 1.7.7 now and then loses or repeats a buffer
    }
    ASSERT_GT(rows[1].size(), 2U) << "Debian's " << c.daemon << " wrote too little";
    EXPECT_EQ(rows[0], rows[1]) << c.name;
    // The maps did something: some row has a value from each.
    const Table t = parse_csv(read_file(dir.path() + "/ours.csv"));
    for (const char* column : {"PEER_SRC_AS", "SRC_PREF", "SRC_MED"}) {
        const auto at = std::find(t.header.begin(), t.header.end(), column);
        ASSERT_NE(at, t.header.end()) << column;
        const auto i = static_cast<std::size_t>(at - t.header.begin());
        EXPECT_TRUE(std::any_of(t.rows.begin(), t.rows.end(), [&](const auto& row) { return row.at(i) != "0"; }))
            << c.name << ": no " << column;
    }
}

INSTANTIATE_TEST_SUITE_P(Maps, DebianBgpMapsAlike, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return std::string(p.param.name); });

// `*_type: map` without its map: 1.7.7 (with bgp_daemon) exits with an error; so do we.
TEST(BgpMaps, TypeMapWithoutTheMapIsAnError) {
    TempDir dir;
    const std::string conf = dir.path() + "/nfacctd.conf";
    std::ofstream(conf) << "bgp_src_med_type: map\nplugins: print\n";
    const auto r = run_program({"nfacctd", "-f", conf}, 20000);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("bgp_src_med_type: 'map' needs bgp_src_med_map"), std::string::npos) << r.err;
}

// bgp_agent_map and bgp_peer_dst_ip_map are read and checked at start-up, for the BGP thread to
// come: bad rules are reported with their line, an unreadable map stops the daemon.
TEST(BgpMaps, AgentAndPeerDstIpMapsAreCheckedAtStartUp) {
    TempDir dir;
    const std::string agent = dir.path() + "/agent.map";
    const std::string dst = dir.path() + "/dst.map";
    std::ofstream(agent) << "bgp_ip=192.0.2.254 ip=192.0.2.1\nbgp_ip=192.0.2.254 ip=192.0.2.2 filter='tcp'\n";
    std::ofstream(dst) << "id=198.51.100.1 ip=0.0.0.0/0 bgp_nexthop=10.0.0.1\nid=x ip=0.0.0.0/0\n";
    const std::string conf = dir.path() + "/nfacctd.conf";
    std::ofstream(conf) << "pcap_savefile: " << kData << "netflow/akvorado-nfv5.pcap\nbmp_agent_map: " << agent
                        << "\nbgp_peer_dst_ip_map: " << dst << "\nplugins: print\nprint_output_file: " << dir.path()
                        << "/out\n";
    auto r = run_program({"nfacctd", "-f", conf}, 20000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find(agent + ":2: bgp_agent_map: filter: only 'ip', 'ip6'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(dst + ":2: bgp_peer_dst_ip_map: id: 'x' is not an IPv4 or IPv6 address"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("bgp_agent_map: read and checked; it takes effect when pmacct-ng has its BGP thread"),
              std::string::npos)
        << r.err;
    ::unlink(agent.c_str());
    r = run_program({"nfacctd", "-f", conf}, 20000);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("bgp_agent_map: cannot read"), std::string::npos) << r.err;
}

// SIGUSR2 while v5 datagrams keep arriving: every record is accounted, first with the old map's
// peer_src_as, then with the new one's; a map that cannot be read keeps the old one in use.
TEST(BgpMapsReload, UnderSteadyTrafficNothingIsLost) {
    expect_map_reload_loses_nothing({.key = "bgp_peer_src_as_map",
                                     .extra = "bgp_peer_src_as_type: map\n",
                                     .primitive = "peer_src_as",
                                     .first_map = "id=65001 ip=127.0.0.0/8\n",
                                     .second_map = "id=65002 ip=127.0.0.0/8\n",
                                     .first_value = "65001",
                                     .second_value = "65002"});
}

}  // namespace
}  // namespace pmacct::testing
