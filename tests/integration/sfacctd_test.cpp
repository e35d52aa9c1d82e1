// sfacctd end to end: the sFlow fixtures (tests/data/sflow) through our sfacctd and Debian's
// 1.7.7 side by side, and over UDP on loopback.
//
// Deliberate differences from 1.7.7, each asserted below:
// - IPv6 ToS: 1.7.7's sFlow decoder never reads the IPv6 traffic class and prints 0; we print
//   it, as pmacctd and nfacctd do for IPv6 (data-1140: 8).
// - QinQ: 1.7.7 reads one 802.1Q tag only, finds no IP behind the second and drops the sample;
//   we account it, with the outer tag as vlan (data-qinq).
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "run_program.hpp"
#include "test_support.hpp"

namespace pmacct::testing {
namespace {

const std::string kData = std::string(PMACCT_SOURCE_DIR) + "/tests/data/sflow/";

const std::vector<std::string> kFixtures = {
    "data-1140",          "data-discard-interface",      "data-encap-vxlan",     "data-icmpv4",
    "data-icmpv6",        "data-local-interface",        "data-multiple-interfaces", "data-qinq",
    "data-sflow-expanded-sample", "data-sflow-ipv4-data", "data-sflow-raw-ipv4",
};

// Every primitive both sfacctd's decode (ToS apart: see above).
constexpr const char* kAggregate =
    "peer_src_ip, in_iface, out_iface, src_mac, dst_mac, vlan, cos, etype, src_host, dst_host, src_port, "
    "dst_port, proto, src_as, dst_as, peer_src_as, peer_dst_as, peer_dst_ip, src_mask, dst_mask, sampling_rate, "
    "export_proto_sysid, export_proto_seqno, export_proto_version, tcpflags, vxlan";

std::string config(const std::string& input, const std::string& out, const std::string& aggregate,
                   const std::string& extra = {}) {
    return input + "plugins: print[p]\nprint_output[p]: csv\nprint_output_file[p]: " + out +
           "\nprint_refresh_time: 3600\nprint_num_protos: true\naggregate[p]: " + aggregate + "\n" + extra;
}

DaemonRun replay(const TempDir& dir, const std::string& who, const std::string& fixture, const std::string& aggregate,
                 const std::string& extra = {}) {
    const std::string conf = dir.path() + "/" + who + ".conf";
    const std::string out = dir.path() + "/" + who + ".csv";
    std::ofstream(conf) << config("pcap_savefile: " + kData + "akvorado/" + fixture + ".pcap\n", out, aggregate, extra);
    return replay_savefile(who, conf, out, "sfacctd");
}

std::multiset<std::vector<std::string>> rows_of(const Table& t) { return {t.rows.begin(), t.rows.end()}; }

struct Case {
    std::string fixture;
    std::string extra;  // configuration lines
};

class SideBySide : public ::testing::TestWithParam<Case> {};

TEST_P(SideBySide, SameRowsAsDebian) {
    if (::access("/usr/sbin/sfacctd", X_OK) != 0) GTEST_SKIP() << "Debian's pmacct is not installed";
    TempDir dir;
    const DaemonRun ours = replay(dir, "ours", GetParam().fixture, kAggregate, GetParam().extra);
    ASSERT_EQ(ours.exit_code, 0) << ours.log;
    const DaemonRun theirs = replay(dir, "debian", GetParam().fixture, kAggregate, GetParam().extra);
    const Table a = parse_csv(ours.text);
    const Table b = parse_csv(theirs.text);
    ASSERT_FALSE(a.rows.empty()) << ours.log;
    ASSERT_FALSE(b.rows.empty()) << "Debian's sfacctd wrote nothing";
    EXPECT_EQ(a.header, b.header);
    EXPECT_EQ(rows_of(a), rows_of(b)) << "ours:\n" << ours.text << "\n1.7.7:\n" << theirs.text;
}

std::vector<Case> cases() {
    std::vector<Case> v;
    for (const auto& f : kFixtures) {
        if (f != "data-qinq") v.push_back({f, ""});
    }
    v.push_back({"data-1140", "sfacctd_renormalize: true\n"});
    v.push_back({"data-sflow-expanded-sample", "sfacctd_renormalize: true\n"});
    return v;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, SideBySide, ::testing::ValuesIn(cases()), [](const auto& p) {
    std::string n = p.param.fixture + (p.param.extra.empty() ? "" : "_renormalize");
    for (char& c : n) {
        if (c == '-') c = '_';
    }
    return n;
});

TEST(Sfacctd, Ipv6TosIsTheTrafficClass) {
    TempDir dir;
    const DaemonRun ours = replay(dir, "ours", "data-1140", "src_host, tos");
    ASSERT_EQ(ours.exit_code, 0) << ours.log;
    const Table t = parse_csv(ours.text);
    std::map<std::string, std::string> tos;
    for (const auto& r : t.rows) tos[r.at(static_cast<std::size_t>(t.col("SRC_IP")))] = r.at(static_cast<std::size_t>(t.col("TOS")));
    EXPECT_EQ(tos["2a0c:8880:2:0:185:21:130:38"], "8");
    EXPECT_EQ(tos["104.26.8.24"], "0");
}

TEST(Sfacctd, QinQIsAccountedWithTheOuterVlan) {
    TempDir dir;
    const DaemonRun ours = replay(dir, "ours", "data-qinq", "vlan, cos, src_host, dst_host, dst_port");
    ASSERT_EQ(ours.exit_code, 0) << ours.log;
    const Table t = parse_csv(ours.text);
    ASSERT_EQ(t.rows.size(), 1U) << ours.text;
    EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1062", "2", "49.49.49.2", "49.49.49.109", "443", "1", "106"}));
}

std::vector<std::uint8_t> payload_of(const std::string& fixture) {
    std::ifstream in(kData + "seeds/" + fixture + ".bin", std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every fixture's datagram sent 40 times over UDP: each row is 40 times the savefile's.
TEST(Sfacctd, OverUdpAccountsEverySample) {
    TempDir dir;
    const DaemonRun once = [&] {
        // All fixtures in one savefile run would need a merged capture: sum single runs instead.
        DaemonRun all;
        for (const auto& f : kFixtures) {
            const DaemonRun r = replay(dir, "ours", f, "peer_src_ip, src_host, dst_host, src_port, dst_port, proto");
            EXPECT_EQ(r.exit_code, 0) << r.log;
            const auto lines = lines_of(r.text);
            if (all.text.empty() && !lines.empty()) all.text = lines[0] + "\n";
            for (std::size_t i = 1; i < lines.size(); ++i) all.text += lines[i] + "\n";
        }
        return all;
    }();
    std::map<std::vector<std::string>, std::pair<std::uint64_t, std::uint64_t>> expected;
    const Table single = parse_csv(once.text);
    ASSERT_FALSE(single.rows.empty());
    for (const auto& r : single.rows) {
        std::vector<std::string> key(r.begin(), r.end() - 2);
        expected[key].first += 40 * std::stoull(r[r.size() - 2]);
        expected[key].second += 40 * std::stoull(r[r.size() - 1]);
    }

    const std::uint16_t port = free_udp_port();
    const std::string out = dir.path() + "/udp.csv";
    std::ofstream(dir.path() + "/udp.conf")
        << config("sfacctd_ip: 127.0.0.1\nsfacctd_port: " + std::to_string(port) + "\n", out,
                  "peer_src_ip, src_host, dst_host, src_port, dst_port, proto");
    Daemon d("sfacctd", dir.path() + "/udp.conf", dir.path() + "/udp.log");
    ASSERT_TRUE(wait_for([&] { return read_file(dir.path() + "/udp.log").find("waiting for sFlow data") != std::string::npos; }))
        << read_file(dir.path() + "/udp.log");
    Sender s(port);
    for (int round = 0; round < 40; ++round) {
        for (const auto& f : kFixtures) s.send(payload_of(f));
    }
    ::usleep(500 * 1000);
    ASSERT_EQ(d.stop(SIGINT), 0) << read_file(dir.path() + "/udp.log");
    const Table got = parse_csv(read_file(out));
    std::map<std::vector<std::string>, std::pair<std::uint64_t, std::uint64_t>> seen;
    for (const auto& r : got.rows) {
        std::vector<std::string> key(r.begin(), r.end() - 2);
        seen[key].first += std::stoull(r[r.size() - 2]);
        seen[key].second += std::stoull(r[r.size() - 1]);
    }
    EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace pmacct::testing
