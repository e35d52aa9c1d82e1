// networks_file, nfacctd_net / nfacctd_as, networks_mask, networks_file_filter,
// networks_file_no_lpm, networks_no_mask_if_zero and ports_file: the akvorado NetFlow v5 capture
// (29 flows with masks and ASNs) replayed through our nfacctd and Debian's nfacctd 1.7.7 with the
// same files gives the same rows. Where 1.7.7 differs on purpose (docs/CONFIGURATION.md,
// "Networks and lookups"), ours is checked on its own.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "run_program.hpp"
#include "test_support.hpp"

namespace pmacct::testing {
namespace {

const std::string kCaptures = std::string(PMACCT_SOURCE_DIR) + "/tests/data/netflow/";

// Networks of the capture's addresses, in every form of the file; lines 12 and 13 are malformed.
constexpr const char* kNetworks =
    "! networks of the akvorado NetFlow v5 capture\n"
    "15169,142.250.0.0/15\n"
    "64512_15169,142.250.192.0/19\n"
    "10.0.0.1,32934,157.240.0.0/16\n"
    "192.0.2.1,64500_32934,157.240.211.0/24\n"
    "61.6.0.0/16\n"
    "10.0.0.9,65001,61.6.230.0/24\n"
    "10.0.0.8,64999_65002,61.6.236.0/22\n"
    "  65004 , 202.160.21.0/24\n"
    "202.152.70.0/24\n"
    "65005,fd00::/16\n"
    "1.2.3.0/33\n"
    "garbage\n";

bool debian_present() {
    return ::access("/usr/sbin/nfacctd", X_OK) == 0;
}

// One daemon ("ours" or "debian") over `capture` with `extra` config lines. `wait`: Debian's
// waits at the end of the file for SIGINT.
DaemonRun run_one(const std::string& who, const TempDir& dir, const std::string& capture,
                  const std::string& aggregate, const std::string& extra, bool wait = true) {
    const std::string out = dir.path() + "/" + who + ".csv";
    const std::string conf = dir.path() + "/" + who + ".conf";
    ::unlink(out.c_str());
    std::ofstream(conf) << "pcap_savefile: " << kCaptures << capture
                        << "\nplugins: print[p]\nprint_output[p]: csv\n"
                        << "print_refresh_time: 3600\nprint_num_protos: true\naggregate[p]: "
                        << aggregate << "\n"
                        << extra << "print_output_file[p]: " << out
                        << "\n"
                        // 1.7.7 sometimes sends its last buffer twice when a savefile ends
                        // before SIGINT; waiting at the end of the file makes that rare (but
                        // on a loaded machine it happens with the wait too: see debian_table).
                        << (who == "debian" && wait ? "pcap_savefile_wait: true\n" : "");
    return replay_savefile(who, conf, out);
}

std::uint64_t total_packets(const Table& t) {
    const int c = t.col("PACKETS");
    std::uint64_t n = 0;
    for (const auto& row : t.rows) n += c < 0 ? 0 : std::stoull(row[static_cast<std::size_t>(c)]);
    return n;
}

// Debian's table, run again (up to 4 times in all, with and without the wait) while its
// packets do not add up to `packets` (see run_one).
Table debian_table(const TempDir& dir, const std::string& aggregate, const std::string& extra,
                   std::uint64_t packets) {
    Table theirs;
    for (int attempt = 0; attempt < 4; ++attempt) {
        theirs = parse_csv(run_one("debian", dir, "akvorado-nfv5.pcap", aggregate, extra, attempt % 2 == 0).text);
        if (total_packets(theirs) == packets) break;
    }
    return theirs;
}

std::vector<std::vector<std::string>> sorted_rows(Table t) {
    std::sort(t.rows.begin(), t.rows.end());
    return t.rows;
}

struct Case {
    const char* name;
    const char* aggregate;
    std::string extra;  // after "networks_file: <file>"
};

constexpr const char* kNets =
    "src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_as, dst_as, peer_src_as";

const std::vector<Case>& cases() {
    static const std::vector<Case> all = {
        {"file", kNets, "nfacctd_net: file\nnfacctd_as: file\n"},
        {"file_peer_dst_as", "dst_host, dst_net, dst_as, peer_dst_as",
         "nfacctd_net: file\nnfacctd_as: file\n"},
        {"longest", kNets, "nfacctd_net: longest\nnfacctd_as: longest\n"},
        {"longest_no_lpm", kNets,
         "nfacctd_net: longest\nnfacctd_as: longest\nnetworks_file_no_lpm: true\n"},
        {"netflow_ignores_file", kNets, ""},
        {"file_net_netflow_as", kNets, "nfacctd_net: file\nnfacctd_as: netflow\n"},
        {"filter_file", kNets, "nfacctd_net: file\nnetworks_file_filter: true\n"},
        {"filter_netflow", kNets, "networks_file_filter: true\n"},
        {"no_mask_if_zero", kNets, "nfacctd_net: file\nnetworks_no_mask_if_zero[p]: true\n"},
        {"mask", kNets, "nfacctd_net: mask\nnetworks_mask: 20\n"},
    };
    return all;
}

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

class DebianAgrees : public ::testing::TestWithParam<Case> {};

TEST_P(DebianAgrees, OnTheV5Capture) {
    if (!debian_present()) GTEST_SKIP() << "Debian's pmacct is not installed";
    const Case& c = GetParam();
    TempDir dir;
    const std::string networks = dir.path() + "/networks.lst";
    std::ofstream(networks) << kNetworks;
    // Per plugin, so that the per-plugin path is the one exercised.
    const std::string extra = "networks_file[p]: " + networks + "\n" + c.extra;
    const DaemonRun ours = run_one("ours", dir, "akvorado-nfv5.pcap", c.aggregate, extra);
    ASSERT_EQ(ours.exit_code, 0) << ours.log;
    const Table our_table = parse_csv(ours.text);
    ASSERT_EQ(total_packets(our_table), 78U) << ours.text;  // every flow of the capture
    const Table theirs = debian_table(dir, c.aggregate, extra, total_packets(our_table));
    ASSERT_FALSE(theirs.rows.empty()) << c.name << ": Debian's nfacctd wrote nothing";
    EXPECT_EQ(our_table.header, theirs.header);
    EXPECT_EQ(sorted_rows(our_table), sorted_rows(theirs)) << c.name << "\nours:\n"
                                                           << ours.text << "theirs:\n"
                                                           << read_file(dir.path() + "/debian.csv");
    // The malformed lines are reported with their place and left out.
    const std::string where = networks + ":12: networks_file: invalid network mask '33'; skipped";
    if (std::string(c.name) != "netflow_ignores_file" && std::string(c.name) != "mask") {
        EXPECT_NE(ours.log.find(where), std::string::npos) << ours.log;
        EXPECT_NE(ours.log.find(networks + ":13: networks_file: missing '/' separator"),
                  std::string::npos)
            << ours.log;
    }
}

INSTANTIATE_TEST_SUITE_P(Networks, DebianAgrees, ::testing::ValuesIn(cases()),
                         [](const auto& p) { return std::string(p.param.name); });

// ports_file: ports not listed are accounted as port 0, as 1.7.7 does.
TEST(Networks, PortsFileAgreesWithDebian) {
    if (!debian_present()) GTEST_SKIP() << "Debian's pmacct is not installed";
    TempDir dir;
    const std::string ports = dir.path() + "/ports.lst";
    std::ofstream(ports) << "! ports\n443\n 3724 \n53\nabc\n";
    const std::string extra = "ports_file: " + ports + "\n";
    const DaemonRun ours =
        run_one("ours", dir, "akvorado-nfv5.pcap", "src_port, dst_port, proto", extra);
    ASSERT_EQ(ours.exit_code, 0) << ours.log;
    const Table our_table = parse_csv(ours.text);
    const Table theirs =
        debian_table(dir, "src_port, dst_port, proto", extra, total_packets(our_table));
    EXPECT_EQ(sorted_rows(our_table), sorted_rows(theirs)) << ours.text;
    // 443 and 3724 stay, every other port is 0.
    std::map<std::string, int> ports_seen;
    for (const auto& row : our_table.rows) {
        ++ports_seen[row[0]];
        ++ports_seen[row[1]];
    }
    EXPECT_EQ(ports_seen.size(), 3U) << ours.text;
    EXPECT_TRUE(ports_seen.count("443") == 1 && ports_seen.count("3724") == 1 &&
                ports_seen.count("0") == 1)
        << ours.text;
    EXPECT_NE(ours.log.find(ports + ":5: ports_file: invalid port 'abc'; skipped"),
              std::string::npos)
        << ours.log;
}

// protos_file and tos_file (not in 1.7.7): what is not listed is accounted as 255.
TEST(Networks, ProtosAndTosFiles) {
    TempDir dir;
    const std::string protos = dir.path() + "/protos.lst";
    const std::string tos = dir.path() + "/tos.lst";
    std::ofstream(protos) << "udp\n";
    std::ofstream(tos) << "0\n";
    const DaemonRun ours = run_one("ours", dir, "akvorado-nfv5.pcap", "proto, tos",
                                   "protos_file: " + protos + "\ntos_file: " + tos + "\n");
    ASSERT_EQ(ours.exit_code, 0) << ours.log;
    const Table t = parse_csv(ours.text);
    std::map<std::string, std::string> seen;  // "proto/tos" -> packets
    for (const auto& row : t.rows) seen[row[0] + "/" + row[1]] = row[2];
    // The capture has TCP and UDP flows, with ToS 0, 64 and 184.
    EXPECT_TRUE(seen.count("17/0") == 1 && seen.count("255/0") == 1 && seen.count("255/255") == 1 &&
                seen.count("17/255") == 1 && seen.size() == 4)
        << ours.text;
}

// The next hop of a networks_file line becomes peer_dst_ip (1.7.7 leaves it empty).
TEST(Networks, NextHopsFromTheFileArePeerDstIp) {
    TempDir dir;
    const std::string networks = dir.path() + "/networks.lst";
    std::ofstream(networks) << kNetworks;
    const DaemonRun ours =
        run_one("ours", dir, "akvorado-nfv5.pcap", "dst_host, peer_dst_ip, peer_dst_as",
                "networks_file: " + networks + "\nnfacctd_net: file\nnfacctd_as: file\n");
    ASSERT_EQ(ours.exit_code, 0) << ours.log;
    const Table t = parse_csv(ours.text);
    const int dst = t.col("DST_IP");
    const int nh = t.col("PEER_DST_IP");
    ASSERT_GE(dst, 0);
    ASSERT_GE(nh, 0);
    std::size_t with_next_hop = 0;
    for (const auto& row : t.rows) {
        const std::string& a = row[static_cast<std::size_t>(dst)];
        const std::string& h = row[static_cast<std::size_t>(nh)];
        if (a.rfind("61.6.230.", 0) == 0) {
            EXPECT_EQ(h, "10.0.0.9") << a;
            ++with_next_hop;
        } else if (a.rfind("61.6.23", 0) == 0 && a.size() > 8 && a[7] >= '6' && a[7] <= '9') {
            EXPECT_EQ(h, "10.0.0.8") << a;  // 61.6.236.0/22
            ++with_next_hop;
        } else {
            EXPECT_EQ(h, "") << a;
        }
    }
    EXPECT_GE(with_next_hop, 8U) << ours.text;
}

// IPv6 networks (1.7.7 matches none).
TEST(Networks, Ipv6Networks) {
    TempDir dir;
    const std::string networks = dir.path() + "/networks.lst";
    std::ofstream(networks) << kNetworks << "64600_65011,fd00:0:0:1::/64\n";
    const DaemonRun ours =
        run_one("ours", dir, "akvorado/mpls.pcap",
                "src_host, dst_host, src_net, src_mask, src_as, peer_src_as, dst_net, dst_as",
                "networks_file: " + networks + "\nnfacctd_net: file\nnfacctd_as: file\n");
    ASSERT_EQ(ours.exit_code, 0) << ours.log;
    const Table t = parse_csv(ours.text);
    ASSERT_EQ(t.rows.size(), 2U) << ours.text;
    for (const auto& row : t.rows) {
        EXPECT_EQ(row[static_cast<std::size_t>(t.col("SRC_NET"))], "fd00:0:0:1::") << ours.text;
        EXPECT_EQ(row[static_cast<std::size_t>(t.col("SRC_MASK"))], "64");
        EXPECT_EQ(row[static_cast<std::size_t>(t.col("SRC_AS"))], "65011");
        EXPECT_EQ(row[static_cast<std::size_t>(t.col("PEER_SRC_AS"))], "64600");
        EXPECT_EQ(row[static_cast<std::size_t>(t.col("DST_NET"))], "fd00:0:0:1::");
        EXPECT_EQ(row[static_cast<std::size_t>(t.col("DST_AS"))], "65011");
    }
}

// A lookup that cannot work stops start-up with the place of the setting.
TEST(Networks, ContradictorySettingsStopStartUp) {
    TempDir dir;
    const DaemonRun ours =
        run_one("ours", dir, "akvorado-nfv5.pcap", "src_as, dst_as", "nfacctd_as: file\n");
    EXPECT_NE(ours.exit_code, 0);
    EXPECT_NE(ours.log.find("ours.conf:7: nfacctd_as: 'file' needs a networks_file"),
              std::string::npos)
        << ours.log;
    const DaemonRun missing =
        run_one("ours", dir, "akvorado-nfv5.pcap", "src_net",
                "networks_file: " + dir.path() + "/none.lst\nnfacctd_net: file\n");
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_NE(missing.log.find("networks_file: cannot read"), std::string::npos) << missing.log;
}

}  // namespace
}  // namespace pmacct::testing
