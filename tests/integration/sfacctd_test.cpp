// sfacctd end to end: the sFlow fixtures (tests/data/sflow) through our sfacctd and Debian's
// 1.7.7 side by side, and over UDP on loopback.
//
// Deliberate differences from 1.7.7, each asserted below:
// - IPv6 ToS: 1.7.7's sFlow decoder never reads the IPv6 traffic class and prints 0; we print
//   it, as pmacctd and nfacctd do for IPv6 (data-1140: 8).
// - QinQ: 1.7.7 reads one 802.1Q tag only, finds no IP behind the second and drops the sample;
//   we account it, with the outer tag as vlan (data-qinq).
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "packet_builder.hpp"
#include "run_program.hpp"
#include "sflow_builder.hpp"
#include "test_support.hpp"
#include "traffic_pcap.hpp"
#include "v5_generator.hpp"

namespace pmacct::testing {
namespace {

const std::string kData = std::string(PMACCT_SOURCE_DIR) + "/tests/data/sflow/";

const std::vector<std::string> kFixtures = {
    "data-1140",          "data-discard-interface",      "data-encap-vxlan",     "data-icmpv4",
    "data-icmpv6",        "data-local-interface",        "data-multiple-interfaces", "data-qinq",
    "data-sflow-expanded-sample", "data-sflow-ipv4-data", "data-sflow-raw-ipv4",
};

// Every primitive both sfacctds decode (ToS apart: see above).
constexpr const char* kAggregate =
    "peer_src_ip, in_iface, out_iface, src_mac, dst_mac, vlan, cos, etype, src_host, dst_host, src_port, "
    "dst_port, proto, src_as, dst_as, peer_src_as, peer_dst_as, peer_dst_ip, src_mask, dst_mask, sampling_rate, "
    "export_proto_sysid, export_proto_seqno, export_proto_version, tcpflags, vxlan, as_path, std_comm, local_pref";

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

// sFlow v4 and v2 (no capture of them at hand: datagrams built here) through both sfacctds: a
// counter sample, then flow samples with switch, router, gateway and user data.
TEST(Sfacctd, Version2And4SameRowsAsDebian) {
    if (::access("/usr/sbin/sfacctd", X_OK) != 0) GTEST_SKIP() << "Debian's pmacct is not installed";
    using namespace sflow;
    Xdr sw;
    sw.u32(0).u32(0).u32(30).u32(1);
    Xdr router;
    router.ipv4(10, 9, 9, 9).u32(24).u32(16);
    Xdr gateway4;
    gateway4.u32(65000).u32(64500).u32(64501).u32(1).u32(2).u32(2).u32(174).u32(15169).u32(1).u32(0x12345678).u32(100);
    Xdr gateway2;
    gateway2.u32(65000).u32(64510).u32(64511).u32(3).u32(174).u32(3356).u32(13335);
    Xdr user;
    user.u32(3).opaque({'b', 'o', 'b'}).u32(0);
    const std::vector<std::vector<std::uint8_t>> datagrams = {
        v4_datagram(4, {v4_counter_sample(), v4_flow_sample(frame(), 1000, {{1, sw}, {2, router}, {3, gateway4}, {4, user}}),
                        v4_flow_sample(frame(12), 500, {})}),
        v4_datagram(2, {v4_flow_sample(frame(), 64, {{3, gateway2}}), v4_counter_sample(),
                        v4_flow_sample(frame(0, 0x0800, 1400), 1418, {{2, router}})}),
    };
    TempDir dir;
    const std::string pcap = dir.path() + "/v2v4.pcap";
    ASSERT_TRUE(write_udp_pcap(pcap, datagrams, 0x7F000001U, 6343, 1795340000));
    std::string rows[2];
    int i = 0;
    for (const std::string who : {"ours", "debian"}) {
        const std::string conf = dir.path() + "/" + who + ".conf";
        const std::string out = dir.path() + "/" + who + ".csv";
        std::ofstream(conf) << config("pcap_savefile: " + pcap + "\n", out, kAggregate);
        const DaemonRun r = replay_savefile(who, conf, out, "sfacctd");
        if (who == "ours") {
            ASSERT_EQ(r.exit_code, 0) << r.log;
        }
        rows[i++] = r.text;
    }
    const Table a = parse_csv(rows[0]);
    const Table b = parse_csv(rows[1]);
    ASSERT_EQ(a.rows.size(), 4U) << rows[0];
    EXPECT_EQ(a.header, b.header);
    EXPECT_EQ(rows_of(a), rows_of(b)) << "ours:\n" << rows[0] << "\n1.7.7:\n" << rows[1];
}

// Counter samples to sfacctd_counter_file with $peer_src_ip: one file per agent, the same JSON
// lines as 1.7.7 (timestamps apart: both stamp the replay with the wall clock), flow samples in
// the same datagrams still accounted.
TEST(Sfacctd, CounterFileSameLinesAsDebian) {
    if (::access("/usr/sbin/sfacctd", X_OK) != 0) GTEST_SKIP() << "Debian's pmacct is not installed";
    using namespace sflow;
    auto from = [](std::uint8_t last, std::uint32_t seq, const std::vector<std::pair<std::uint32_t, Xdr>>& samples) {
        std::vector<std::uint8_t> d = datagram(samples);
        d[11] = last;  // the agent: 192.0.2.<last>
        d[19] = static_cast<std::uint8_t>(seq);
        return d;
    };
    const std::vector<std::vector<std::uint8_t>> datagrams = {
        from(9, 1, {{2, counter_sample(5, 100)}, {1, flow_sample({{1, raw_header(frame(), 100)}})}}),
        from(10, 1, {{2, counter_sample(6, 200)}}),
        from(9, 2, {{2, counter_sample(7, 300)}, {2, counter_sample(8, 400)}}),
    };
    TempDir dir;
    const std::string pcap = dir.path() + "/counters.pcap";
    ASSERT_TRUE(write_udp_pcap(pcap, datagrams, 0x7F000001U, 6343, 1795340000));
    for (const std::string who : {"ours", "debian"}) {
        ::mkdir((dir.path() + "/" + who).c_str(), 0755);
        const std::string conf = dir.path() + "/" + who + ".conf";
        std::ofstream(conf) << config("pcap_savefile: " + pcap + "\nsfacctd_counter_file: " + dir.path() + "/" + who +
                                          "/c-$peer_src_ip.json\n",
                                      dir.path() + "/" + who + ".csv", "src_host");
        const DaemonRun r = replay_savefile(who, conf, dir.path() + "/" + who + ".csv", "sfacctd");
        if (who == "ours") {
            ASSERT_EQ(r.exit_code, 0) << r.log;
            EXPECT_NE(r.text.find("10.0.0.1,1,100"), std::string::npos) << r.text;
        }
    }
    const std::regex stamp(R"("timestamp": "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")");
    for (const std::string agent : {"192_0_2_9", "192_0_2_10"}) {
        const std::string ours = read_file(dir.path() + "/ours/c-" + agent + ".json");
        const std::string theirs = read_file(dir.path() + "/debian/c-" + agent + ".json");
        ASSERT_FALSE(theirs.empty()) << agent;
        EXPECT_EQ(std::regex_replace(ours, stamp, "T"), std::regex_replace(theirs, stamp, "T")) << agent;
        EXPECT_TRUE(std::regex_search(ours, stamp)) << ours;
    }
}

// pre_tag_map on the agent (sFlow's `ip` is the agent address, not the datagram's source) and
// the input interface, and sfacctd_allow_file on the datagram's source, as 1.7.7.
TEST(Sfacctd, PreTagMapAndAllowFileAsDebian) {
    if (::access("/usr/sbin/sfacctd", X_OK) != 0) GTEST_SKIP() << "Debian's pmacct is not installed";
    using namespace sflow;
    TempDir dir;
    auto from = [](std::uint8_t last, std::uint32_t input) {
        std::vector<std::uint8_t> d = datagram({{1, flow_sample({{1, raw_header(frame(), 100)}}, 1, input, 7)}});
        d[11] = last;  // the agent: 192.0.2.<last>
        return d;
    };
    const std::string pcap = dir.path() + "/agents.pcap";
    ASSERT_TRUE(write_udp_pcap(pcap, {from(9, 3), from(9, 4), from(10, 3), from(11, 3)}, 0x7F000001U, 6343, 1795340000));
    std::ofstream(dir.path() + "/tags.map") << "set_tag=1 ip=192.0.2.9 in=3\nset_tag=2 ip=192.0.2.9\n"
                                               "set_tag=3 ip=192.0.2.10/32\n";
    const auto run = [&](const std::string& who, const std::string& extra) {
        const std::string conf = dir.path() + "/" + who + ".conf";
        const std::string out = dir.path() + "/" + who + ".csv";
        std::ofstream(conf) << config("pcap_savefile: " + pcap + "\n", out, "tag, peer_src_ip, in_iface", extra);
        const DaemonRun r = replay_savefile(who, conf, out, "sfacctd");
        if (who != "debian") {
            EXPECT_EQ(r.exit_code, 0) << r.log;
        }
        return parse_csv(r.text);
    };
    const std::string tags = "pre_tag_map: " + dir.path() + "/tags.map\n";
    const Table ours = run("ours", tags);
    const Table theirs = run("debian", tags);
    ASSERT_EQ(ours.rows.size(), 4U);
    EXPECT_EQ(rows_of(ours), rows_of(theirs));
    // Every row tagged as the map says: the first matching rule wins, no match is 0.
    std::map<std::string, std::string> tag_of;
    for (const auto& r : ours.rows) tag_of[r.at(1) + "/" + r.at(2)] = r.at(0);
    EXPECT_EQ(tag_of, (std::map<std::string, std::string>{
                          {"192.0.2.9/3", "1"}, {"192.0.2.9/4", "2"}, {"192.0.2.10/3", "3"}, {"192.0.2.11/3", "0"}}));

    // The allow file is about the sender (127.0.0.1 here): listing only the agents lets nothing in.
    std::ofstream(dir.path() + "/allow-agents") << "192.0.2.0/24\n";
    std::ofstream(dir.path() + "/allow-sender") << "127.0.0.1\n";
    EXPECT_TRUE(run("ours-agents", "sfacctd_allow_file: " + dir.path() + "/allow-agents\n").rows.empty());
    EXPECT_EQ(run("ours-sender", "sfacctd_allow_file: " + dir.path() + "/allow-sender\n").rows.size(), 4U);
}

constexpr const char* kTunnelAggregate =
    "src_host, dst_host, proto, dst_port, vxlan, tunnel_src_mac, tunnel_dst_mac, tunnel_src_host, "
    "tunnel_dst_host, tunnel_proto, tunnel_tos, tunnel_src_port, tunnel_dst_port";

// tunnel_*: what VXLAN on port 4789 and IP-in-IP carry, as 1.7.7 (the VXLAN fixture, and frames
// built here). GRE: 1.7.7 leaves its tunnel_* empty, we fill them (documented). tunnel_0 moves
// VXLAN to another port, which 1.7.7 ignores.
TEST(Sfacctd, TunnelPrimitivesAsDebian) {
    if (::access("/usr/sbin/sfacctd", X_OK) != 0) GTEST_SKIP() << "Debian's pmacct is not installed";
    TempDir dir;
    const DaemonRun fixture_ours = replay(dir, "fix-ours", "data-encap-vxlan", kTunnelAggregate);
    ASSERT_EQ(fixture_ours.exit_code, 0) << fixture_ours.log;
    const DaemonRun fixture_theirs = replay(dir, "debian", "data-encap-vxlan", kTunnelAggregate);
    const Table fa = parse_csv(fixture_ours.text);
    ASSERT_FALSE(fa.rows.empty());
    EXPECT_NE(fa.rows[0].at(static_cast<std::size_t>(fa.col("TUNNEL_SRC_IP"))), "") << fixture_ours.text;
    EXPECT_EQ(rows_of(fa), rows_of(parse_csv(fixture_theirs.text)));

    const Bytes inner = ipv4(6, "172.16.0.1", "172.16.0.2", tcp(1234, 80, 0x02, Bytes(10, 0)), {.tos = 0x10});
    auto vxlan = [&](std::uint16_t port, std::uint32_t vni) {
        Bytes h = {0x08, 0, 0, 0};
        put32(h, vni << 8);
        return cat({eth(1, 2, 0x0800), ipv4(17, "192.0.2.1", "192.0.2.2", udp(55555, port, cat({h, eth(0xA, 0xB, 0x0800), inner})))});
    };
    const std::vector<Bytes> frames = {
        vxlan(4789, 5000), vxlan(8472, 6000),
        cat({eth(1, 2, 0x0800), ipv4(47, "192.0.2.3", "192.0.2.4", cat({{0, 0, 0x08, 0}, inner}))}),
        cat({eth(1, 2, 0x0800), ipv4(4, "192.0.2.5", "192.0.2.6", inner)})};
    std::vector<std::pair<std::uint32_t, sflow::Xdr>> samples;
    for (const Bytes& f : frames) samples.push_back({1, sflow::flow_sample({{1, sflow::raw_header(f, static_cast<std::uint32_t>(f.size()))}})});
    const std::string pcap = dir.path() + "/tunnels.pcap";
    ASSERT_TRUE(write_udp_pcap(pcap, {sflow::datagram(samples)}, 0x7F000001U, 6343, 1795340000));
    const auto run = [&](const std::string& who, const std::string& extra) {
        const std::string conf = dir.path() + "/" + who + ".conf";
        const std::string out = dir.path() + "/" + who + ".csv";
        std::ofstream(conf) << config("pcap_savefile: " + pcap + "\n", out, kTunnelAggregate, extra);
        const DaemonRun r = replay_savefile(who == "debian-port" ? "debian" : who, conf, out, "sfacctd");
        if (!who.starts_with("debian")) {
            EXPECT_EQ(r.exit_code, 0) << r.log;
        }
        return parse_csv(r.text);
    };
    const Table ours = run("ours", "");
    const Table theirs = run("debian", "");
    ASSERT_EQ(ours.rows.size(), 4U);
    // Ours with the GRE tunnel_* emptied is 1.7.7's.
    const auto proto = static_cast<std::size_t>(ours.col("PROTOCOL"));
    const auto from = static_cast<std::size_t>(ours.col("TUNNEL_SRC_IP"));
    Table emptied = ours;
    int opened = 0;
    for (auto& r : emptied.rows) {
        if (r[proto] != "47") continue;
        EXPECT_EQ(r[from], "172.16.0.1");
        EXPECT_EQ(r[from + 4], "1234");  // TUNNEL_SRC_PORT after TUNNEL_DST_IP, TUNNEL_PROTOCOL, TUNNEL_TOS
        r[from] = r[from + 1] = "";
        for (std::size_t c = from + 2; c < from + 6; ++c) r[c] = "0";
        ++opened;
    }
    EXPECT_EQ(opened, 1);
    const auto text = [](const Table& t) {
        std::string out;
        for (const auto& r : t.rows) {
            for (const auto& cell : r) out += cell + ",";
            out += "\n";
        }
        return out;
    };
    EXPECT_EQ(rows_of(emptied), rows_of(theirs)) << "ours:\n" << text(ours) << "1.7.7:\n" << text(theirs);

    // tunnel_0: VXLAN on 8472 instead of 4789 (1.7.7: no change).
    const Table port = run("ours-port", "tunnel_0: vxlan, 8472\n");
    const Table port_theirs = run("debian-port", "tunnel_0: vxlan, 8472\n");
    std::map<std::string, std::string> vni;
    const auto dport = static_cast<std::size_t>(port.col("DST_PORT"));
    const auto vx = static_cast<std::size_t>(port.col("VXLAN"));
    for (const auto& r : port.rows) {
        if (r[proto] == "17") vni[r[dport]] = r[vx] + "/" + r[from];
    }
    EXPECT_EQ(vni, (std::map<std::string, std::string>{{"4789", "0/"}, {"8472", "6000/172.16.0.1"}}));
    EXPECT_EQ(rows_of(port_theirs), rows_of(theirs));

    // tunnel_0: gtp is for pmacctd and uacctd: sfacctd says so and accounts as without it.
    const std::string gtp_conf = dir.path() + "/gtp.conf";
    const std::string gtp_out = dir.path() + "/gtp.csv";
    std::ofstream(gtp_conf) << config("pcap_savefile: " + pcap + "\n", gtp_out, kTunnelAggregate, "tunnel_0: gtp, 2152\n");
    const DaemonRun gtp = replay_savefile("ours", gtp_conf, gtp_out, "sfacctd");
    EXPECT_EQ(gtp.exit_code, 0) << gtp.log;
    EXPECT_NE(gtp.log.find("tunnel_0: gtp is opened by pmacctd and uacctd; sfacctd ignores it"), std::string::npos)
        << gtp.log;
    EXPECT_EQ(rows_of(parse_csv(gtp.text)), rows_of(ours));
}

// Extended records as 1.7.7 reads them: the MPLS VC record's id is mpls_pw_id, pmacct's tag
// record (43874:2, what sfprobe sends) gives tag and tag2 unless the pre_tag_map sets them, and
// user, URL, MPLS, NAT and VLAN tunnel records are stepped over. pre_tag_map's agent_id (the
// sub-agent) and sample_type (<enterprise>:<format>). 1.7.7 fills mpls_pw_id only when
// mpls_vpn_rd is aggregated too (documented), so both are here.
TEST(Sfacctd, ExtendedRecordsAndSflowMapKeysAsDebian) {
    if (::access("/usr/sbin/sfacctd", X_OK) != 0) GTEST_SKIP() << "Debian's pmacct is not installed";
    using namespace sflow;
    const ExtendedRecords x;
    Xdr expanded;  // input 6, output 2
    expanded.u32(9).u32(0).u32(12).u32(1).u32(5000).u32(0).u32(0).u32(6).u32(0).u32(2).u32(1);
    expanded.item(1, raw_header(frame(), 64));
    auto header = [] { return std::pair<std::uint32_t, Xdr>{1, raw_header(frame(), 100)}; };
    auto inert_and_header = x.inert();
    inert_and_header.push_back(header());
    std::vector<std::uint8_t> agent8 = datagram({{1, flow_sample({header()}, 1, 1)}});
    agent8[15] = 8;  // sub-agent 8
    const std::vector<std::vector<std::uint8_t>> datagrams = {
        datagram({{1, flow_sample({{1009, x.vc}, header()}, 1, 2)},
                  {1, flow_sample({{ExtendedRecords::kPmacctTag, x.tag}, header()}, 1, 3)},
                  {1, flow_sample({{ExtendedRecords::kPmacctTag, x.tag}, header()}, 1, 4)},
                  {1, flow_sample(inert_and_header, 1, 5)},
                  {3, expanded}}),
        agent8};
    TempDir dir;
    const std::string pcap = dir.path() + "/extended.pcap";
    ASSERT_TRUE(write_udp_pcap(pcap, datagrams, 0x7F000001U, 6343, 1795340000));
    std::ofstream(dir.path() + "/tags.map") << "set_tag=1 agent_id=8\nset_tag=2 sample_type=0:3\nset_tag2=5 sample_type=0:1 in=4\n";
    const auto run = [&](const std::string& who, const std::string& extra) {
        const std::string conf = dir.path() + "/" + who + ".conf";
        const std::string out = dir.path() + "/" + who + ".csv";
        std::ofstream(conf) << config("pcap_savefile: " + pcap + "\n", out, "in_iface, mpls_vpn_rd, mpls_pw_id, tag, tag2, export_proto_sysid", extra);
        const DaemonRun r = replay_savefile(who.starts_with("debian") ? "debian" : who, conf, out, "sfacctd");
        if (!who.starts_with("debian")) {
            EXPECT_EQ(r.exit_code, 0) << r.log;
        }
        return parse_csv(r.text);
    };
    const Table plain = run("ours", "");
    const Table plain_theirs = run("debian", "");
    const Table tagged = run("ours-map", "pre_tag_map: " + dir.path() + "/tags.map\n");
    const Table tagged_theirs = run("debian-map", "pre_tag_map: " + dir.path() + "/tags.map\n");
    ASSERT_EQ(plain.rows.size(), 6U);
    EXPECT_EQ(rows_of(plain), rows_of(plain_theirs));
    EXPECT_EQ(rows_of(tagged), rows_of(tagged_theirs));
    // What the map and the records give, by input interface: TAG, TAG2, MPLS_PW_ID.
    std::map<std::string, std::string> by_in;
    const auto col = [&](const char* name) { return static_cast<std::size_t>(tagged.col(name)); };
    for (const auto& r : tagged.rows) by_in[r[col("IN_IFACE")]] = r[col("TAG")] + "/" + r[col("TAG2")] + "/" + r[col("MPLS_PW_ID")];
    EXPECT_EQ(by_in, (std::map<std::string, std::string>{{"1", "1/0/0"}, {"2", "0/0/4242"}, {"3", "11/22/0"},
                                                         {"4", "11/5/0"}, {"5", "0/0/0"}, {"6", "2/0/0"}}));
}

// sampling_map gives the rate by agent and interface, over the sample's (renormalised by it, or by
// sfacctd_ext_sampling_rate when that is set); flow_to_rd_map the route distinguisher: as 1.7.7.
TEST(Sfacctd, SamplingAndRdMapsAsDebian) {
    if (::access("/usr/sbin/sfacctd", X_OK) != 0) GTEST_SKIP() << "Debian's pmacct is not installed";
    using namespace sflow;
    auto sample = [](std::uint32_t input) {
        return std::pair<std::uint32_t, Xdr>{1, flow_sample({{1, raw_header(frame(), 100)}}, 512, input)};
    };
    TempDir dir;
    const std::string pcap = dir.path() + "/maps.pcap";
    ASSERT_TRUE(write_udp_pcap(pcap, {datagram({sample(3), sample(4), sample(5)})}, 0x7F000001U, 6343, 1795340000));
    std::ofstream(dir.path() + "/sampling.map") << "id=10 ip=192.0.2.9 in=3\nid=20 ip=192.0.2.10 in=4\n";
    std::ofstream(dir.path() + "/rd.map") << "id=0:65000:7 ip=192.0.2.9 in=4\n";
    const std::string maps = "sampling_map: " + dir.path() + "/sampling.map\nflow_to_rd_map: " + dir.path() + "/rd.map\n";
    for (const std::string& extra : {std::string(), std::string("sfacctd_renormalize: true\n"),
                                    std::string("sfacctd_renormalize: true\nsfacctd_ext_sampling_rate: 3\n")}) {
        Table t[2];
        for (int i = 0; i < 2; ++i) {
            const std::string who = i == 0 ? "ours" : "debian";
            const std::string conf = dir.path() + "/" + who + ".conf";
            const std::string out = dir.path() + "/" + who + ".csv";
            std::ofstream(conf) << config("pcap_savefile: " + pcap + "\n", out, "in_iface, sampling_rate, mpls_vpn_rd", maps + extra);
            const DaemonRun r = replay_savefile(who, conf, out, "sfacctd");
            if (i == 0) {
                EXPECT_EQ(r.exit_code, 0) << r.log;
            }
            t[i] = parse_csv(r.text);
        }
        ASSERT_EQ(t[0].rows.size(), 3U) << extra;
        EXPECT_EQ(rows_of(t[0]), rows_of(t[1])) << extra;
        std::map<std::string, std::string> by_in;  // SAMPLING_RATE/MPLS_VPN_RD/PACKETS
        for (const auto& r : t[0].rows) {
            by_in[r[static_cast<std::size_t>(t[0].col("IN_IFACE"))]] = r[static_cast<std::size_t>(t[0].col("SAMPLING_RATE"))] +
                "/" + r[static_cast<std::size_t>(t[0].col("MPLS_VPN_RD"))] + "/" + r[static_cast<std::size_t>(t[0].col("PACKETS"))];
        }
        if (extra.empty()) {
            EXPECT_EQ(by_in, (std::map<std::string, std::string>{
                                 {"3", "10/0:0:0/1"}, {"4", "512/0:65000:7/1"}, {"5", "512/0:0:0/1"}}));
        }
    }
}

// Per 5-tuple packets of a print CSV whose last two columns are PACKETS and BYTES.
std::map<std::vector<std::string>, std::uint64_t> packets_per_key(const Table& t) {
    std::map<std::vector<std::string>, std::uint64_t> m;
    for (const auto& r : t.rows) m[std::vector<std::string>(r.begin(), r.end() - 2)] += std::stoull(r[r.size() - 2]);
    return m;
}

// Appends `n` UDP packets of one flow, 192.0.2.200:5000 -> 192.0.2.201:5001, at `second`, to the
// Ethernet pcap at `path`.
void append_filler(const std::string& path, int n, std::uint32_t second) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    for (int i = 0; i < n; ++i) {
        std::vector<std::uint8_t> f(14 + 20 + 8 + 58, 0);
        f[12] = 0x08;
        std::uint8_t* ip = f.data() + 14;
        ip[0] = 0x45;
        ip[3] = static_cast<std::uint8_t>(f.size() - 14);
        ip[8] = 64;
        ip[9] = 17;
        const std::uint8_t addrs[8] = {192, 0, 2, 200, 192, 0, 2, 201};
        std::copy(addrs, addrs + 8, ip + 12);
        ip[20] = 0x13;
        ip[21] = 0x88;
        ip[22] = 0x13;
        ip[23] = 0x89;
        ip[25] = 66;
        const std::uint32_t header[4] = {second, static_cast<std::uint32_t>(i * 1000), static_cast<std::uint32_t>(f.size()),
                                         static_cast<std::uint32_t>(f.size())};
        out.write(reinterpret_cast<const char*>(header), sizeof header);
        out.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
    }
}

// Debian's pmacctd with its sfprobe plugin (sampling 1, `probe_extra` configuration lines) exports
// `capture` to our sfacctd and to Debian's, each aggregating on `aggregate`: their tables.
struct ProbeRun {
    Table ours;
    Table theirs;
    std::string our_log;
    int our_exit = 0;
};
ProbeRun sfprobe_to_both(const TempDir& dir, const std::string& capture, const std::string& aggregate,
                         const std::string& probe_extra = {}) {
    std::map<std::string, std::uint16_t> ports;
    std::vector<std::unique_ptr<Daemon>> collectors;
    for (const std::string who : {"ours", "debian"}) {
        ports[who] = free_udp_port();
        std::ofstream(dir.path() + "/" + who + "-sf.conf")
            << config("sfacctd_ip: 127.0.0.1\nsfacctd_port: " + std::to_string(ports[who]) + "\n",
                      dir.path() + "/" + who + "-sf.csv", aggregate);
        collectors.push_back(std::make_unique<Daemon>(who == "ours" ? std::string("sfacctd") : std::string("/usr/sbin/sfacctd"),
                                                      dir.path() + "/" + who + "-sf.conf",
                                                      dir.path() + "/" + who + "-sf.log"));
    }
    ::usleep(2500 * 1000);  // both listening
    for (const std::string who : {"ours", "debian"}) {
        std::ofstream(dir.path() + "/probe-" + who + ".conf")
            << "pcap_savefile: " << capture << "\npcap_savefile_wait: true\nplugins: sfprobe\nsampling_rate: 1\n"
            << "sfprobe_receiver: 127.0.0.1:" << ports[who] << "\n" << probe_extra;
        // Kept running after the savefile (sfprobe sends what it still holds on a timer, not at
        // exit), then SIGINT.
        run_program({"/usr/bin/timeout", "-s", "INT", "-k", "5", "5", "/usr/sbin/pmacctd", "-f",
                      dir.path() + "/probe-" + who + ".conf"},
                     20000);
    }
    ::usleep(500 * 1000);
    ProbeRun run;
    run.our_exit = collectors[0]->stop(SIGINT);
    collectors[1]->stop(SIGINT);
    run.our_log = read_file(dir.path() + "/ours-sf.log");
    run.ours = parse_csv(read_file(dir.path() + "/ours-sf.csv"));
    run.theirs = parse_csv(read_file(dir.path() + "/debian-sf.csv"));
    EXPECT_FALSE(run.theirs.rows.empty()) << read_file(dir.path() + "/debian-sf.log");
    return run;
}

// Debian's pmacctd with its sfprobe plugin on a generated capture.
class SfprobeFeed : public ::testing::Test {
protected:
    void SetUp() override {
        if (::access("/usr/sbin/sfacctd", X_OK) != 0 || ::access("/usr/sbin/pmacctd", X_OK) != 0) {
            GTEST_SKIP() << "Debian's pmacct is not installed";
        }
        ASSERT_TRUE(write_traffic_pcap(capture, summary));
    }
    TempDir dir;
    const std::string capture = dir.path() + "/traffic.pcap";
    TrafficCapture summary;
};

// Debian's pmacctd with its sfprobe plugin (sampling 1) exports a capture to our sfacctd and to
// Debian's: the same rows; and every packet our pmacctd accounts on that capture is there.
// 1.7.7's sfprobe sends its last, partly filled datagram only when later packets come: the
// capture ends with filler packets of another flow, left out of the comparison with pmacctd.
TEST_F(SfprobeFeed, SameRowsAsDebianAndEveryPacket) {
    const std::string aggregate = "src_host, dst_host, src_port, dst_port, proto";
    // Our pmacctd on the capture as written.
    std::ofstream(dir.path() + "/pm.conf") << config("pcap_savefile: " + capture + "\n", dir.path() + "/pm.csv", aggregate);
    const auto pm = run_program({"pmacctd", "-f", dir.path() + "/pm.conf"}, 30000);
    ASSERT_EQ(pm.exit_code, 0) << pm.err;
    const Table direct = parse_csv(read_file(dir.path() + "/pm.csv"));
    append_filler(capture, 100, summary.first_second + 5);
    const ProbeRun run = sfprobe_to_both(dir, capture, aggregate);
    EXPECT_EQ(run.our_exit, 0) << run.our_log;
    const Table& ours = run.ours;
    const Table& theirs = run.theirs;
    // The same rows, the filler's apart (how much of it each probe sent before it was stopped).
    const auto without_filler = [](const Table& t) {
        auto rows = rows_of(t);
        for (auto it = rows.begin(); it != rows.end();) it = it->at(0) == "192.0.2.200" ? rows.erase(it) : std::next(it);
        return rows;
    };
    EXPECT_EQ(without_filler(ours), without_filler(theirs));

    // The same packets per flow as our pmacctd (bytes differ: sFlow carries frame lengths,
    // pmacctd counts IP lengths).
    auto sampled = packets_per_key(ours);
    ASSERT_EQ(sampled.erase({"192.0.2.200", "192.0.2.201", "5000", "5001", "17"}), 1U);
    EXPECT_EQ(sampled, packets_per_key(direct));
    std::uint64_t total = 0;
    for (const auto& [k, n] : sampled) total += n;
    EXPECT_EQ(total, summary.ipv4.packets + summary.ipv6.packets);
}

// Debian's pmacctd tagging with its pre_tag_map and exporting through sfprobe: its tag record
// gives both sfacctds the same tags.
TEST_F(SfprobeFeed, TagsAsDebian) {
    // The filler packets at the end (tag 7) push the capture's last samples out of each probe;
    // how much of the filler itself each probe sent before it stopped differs, so it is left out.
    append_filler(capture, 100, summary.first_second + 5);
    std::ofstream(dir.path() + "/probe.map")
        << "set_tag=7 filter='host 192.0.2.200'\nset_tag=5 filter='tcp'\nset_tag2=9 filter='udp'\n";
    const ProbeRun run =
        sfprobe_to_both(dir, capture, "proto, tag, tag2", "pre_tag_map: " + dir.path() + "/probe.map\naggregate: tag, tag2\n");
    EXPECT_EQ(run.our_exit, 0) << run.our_log;
    const Table& ours = run.ours;
    const auto without_filler = [](const Table& t) {
        auto rows = rows_of(t);
        const auto tag = static_cast<std::size_t>(t.col("TAG"));
        for (auto it = rows.begin(); it != rows.end();) it = it->at(tag) == "7" ? rows.erase(it) : std::next(it);
        return rows;
    };
    EXPECT_EQ(without_filler(ours), without_filler(run.theirs));
    std::map<std::string, std::string> tags;  // by protocol number: TAG/TAG2 (the filler apart)
    for (const auto& r : ours.rows) {
        const std::string tag = r[static_cast<std::size_t>(ours.col("TAG"))];
        if (tag == "7") continue;
        tags[r[static_cast<std::size_t>(ours.col("PROTOCOL"))]] = tag + "/" + r[static_cast<std::size_t>(ours.col("TAG2"))];
    }
    EXPECT_EQ(tags["6"], "5/0");
    EXPECT_EQ(tags["17"], "0/9");
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
        ::usleep(2000);  // paced: a loaded machine's default socket buffer holds a few rounds only
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
