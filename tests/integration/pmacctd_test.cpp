// pmacctd over pcap savefiles, side by side with Debian's pmacctd 1.7.7: the packet captures of
// tests/data/packet, a generated traffic capture and captures built here for what 1.7.7 does
// with Ethernet padding, snap lengths, VLAN tags, MPLS labels and IP fragments. Same
// configuration, same print CSV rows; the differences kept on purpose (docs/OUTPUT-FORMATS.md,
// "pmacctd") are asserted on both sides.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "packet_builder.hpp"
#include "pcap_writer.hpp"
#include "run_program.hpp"
#include "test_support.hpp"
#include "traffic_pcap.hpp"

namespace pmacct::testing {
namespace {

constexpr const char* kDebianPmacctd = "/usr/sbin/pmacctd";

constexpr const char* kEverything =
    "src_mac, dst_mac, vlan, cos, etype, src_host, dst_host, src_port, dst_port, proto, tos, tcpflags, "
    "timestamp_start, timestamp_end, timestamp_arrival";

struct Rows {
    std::vector<std::string> ours;
    std::vector<std::string> debian;
    std::string log;  // ours
};

// Replays `capture` through both pmacctd with one print plugin aggregating on `aggregate`
// (plus `extra` configuration lines), each until it exits by itself at the end of the file.
Rows replay(const TempDir& dir, const std::string& capture, const std::string& aggregate,
            const std::string& extra = {}) {
    Rows rows;
    std::string out[2];
    RunResult result[2];
    std::thread runners[2];
    for (int i = 0; i < 2; ++i) {
        const std::string who = i == 0 ? "ours" : "debian";
        const std::string conf = dir.path() + "/" + who + ".conf";
        out[i] = dir.path() + "/" + who + ".csv";
        std::filesystem::remove(out[i]);
        std::ofstream(conf) << "pcap_savefile: " << capture << "\nplugins: print[p]\naggregate[p]: " << aggregate
                            << "\nprint_output[p]: csv\nprint_output_file[p]: " << out[i]
                            << "\nprint_refresh_time: 3600\ntimestamps_utc: true\n"
                            << extra;
        const std::string program = i == 0 ? std::string("pmacctd") : std::string(kDebianPmacctd);
        runners[i] = std::thread([&, i, program, conf] { result[i] = run_program({program, "-f", conf}, 30000); });
    }
    for (auto& t : runners) t.join();
    EXPECT_EQ(result[0].exit_code, 0) << result[0].err;
    EXPECT_EQ(result[1].exit_code, 0) << "Debian's pmacctd did not end by itself\n" << result[1].err;
    rows.ours = sorted_row_lines(read_file(out[0]));
    rows.debian = sorted_row_lines(read_file(out[1]));
    rows.log = result[0].err;
    return rows;
}

std::string data_file(const std::string& name) {
    return std::string(PMACCT_SOURCE_DIR) + "/tests/data/packet/" + name;
}

// Writes `frames` one second apart from 2023-11-14 22:13:20 UTC, each with `wire` bytes on
// the wire when given.
struct Captured {
    Bytes frame;
    std::size_t wire = 0;
};
std::string write_capture(const TempDir& dir, const std::string& name, const std::vector<Captured>& frames) {
    const std::string path = dir.path() + "/" + name;
    PcapWriter w(path);
    std::time_t t = 1700000000;
    for (const auto& f : frames) w.write(t++, 1000, f.frame, f.wire);
    EXPECT_TRUE(w.close());
    return path;
}

Bytes pattern(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i);
    return b;
}

// An MPLS label stack entry; `bottom` sets the S bit.
Bytes label(std::uint32_t value, bool bottom) {
    Bytes b;
    put32(b, (value << 12) | (bottom ? 0x100U : 0U) | 255U);
    return b;
}

// IPv6 fragment header: next header, offset (8-byte units), more fragments, identification.
Bytes frag6(std::uint8_t next, std::uint16_t offset, bool more, std::uint32_t id, const Bytes& payload) {
    Bytes b = {next, 0};
    put16(b, static_cast<std::uint16_t>((offset << 3) | (more ? 1 : 0)));
    put32(b, id);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

class PmacctdSavefile : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::filesystem::exists(kDebianPmacctd)) GTEST_SKIP() << "Debian's pmacctd is not installed";
    }
    TempDir dir;
};

// The packet captures of tests/data/packet: one row per packet, the same as 1.7.7's.
TEST_F(PmacctdSavefile, PacketCapturesAgreeWithDebian) {
    const std::vector<std::string> names = {
        "gre-v4-key.pcap",           "gre-v4-plain.pcap",           "gre-v6-plain.pcap",
        "ipv4-ipv4.pcap",            "ipv4-ipv6.pcap",              "mpls-eompls-cw.pcap",
        "mpls-eompls-invalid-cw.pcap", "mpls-explicit-null-ipv4.pcap", "mpls-explicit-null-ipv6.pcap",
        "mpls-invalid-nibble.pcap",  "mpls-ipv6.pcap",              "srv6-end-dt6.pcap",
        "vlan-ipv6.pcap"};
    // A few files at a time: 1.7.7 sleeps 2 s before reading a file.
    constexpr std::size_t kAtOnce = 4;
    std::vector<Rows> rows(names.size());
    for (std::size_t from = 0; from < names.size(); from += kAtOnce) {
        std::vector<std::thread> runners;
        std::vector<std::unique_ptr<TempDir>> dirs;
        for (std::size_t i = from; i < std::min(names.size(), from + kAtOnce); ++i) {
            dirs.push_back(std::make_unique<TempDir>());
            runners.emplace_back([&rows, &names, i, d = dirs.back().get()] {
                rows[i] = replay(*d, data_file(names[i]), kEverything);
            });
        }
        for (auto& t : runners) t.join();
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(rows[i].ours, rows[i].debian) << names[i] << "\n" << rows[i].log;
        EXPECT_FALSE(rows[i].ours.empty() && names[i].find("eompls") == std::string::npos &&
                     names[i].find("nibble") == std::string::npos)
            << names[i] << ": no row";
    }
}

// TCP, UDP and ICMP over IPv4 and IPv6: every packet once, as 1.7.7 counts it.
TEST_F(PmacctdSavefile, GeneratedTrafficAgreesWithDebian) {
    TrafficCapture summary;
    const std::string capture = dir.path() + "/traffic.pcap";
    ASSERT_TRUE(write_traffic_pcap(capture, summary));
    Rows r = replay(dir, capture, kEverything);
    EXPECT_EQ(r.ours, r.debian);
    EXPECT_EQ(r.ours.size(), summary.ipv4.packets + summary.ipv6.packets);
    // Per protocol totals: bytes are IP lengths.
    Rows totals = replay(dir, capture, "etype");
    ASSERT_EQ(totals.ours.size(), 2U);
    EXPECT_EQ(totals.ours[0], "800," + std::to_string(summary.ipv4.packets) + "," +
                                  std::to_string(summary.ipv4.bytes) + ",");
    EXPECT_EQ(totals.ours[1], "86dd," + std::to_string(summary.ipv6.packets) + "," +
                                  std::to_string(summary.ipv6.bytes) + ",");
    EXPECT_EQ(totals.ours, totals.debian);
}

// Bytes are the IP length whatever the frame (padding, snap length); VLAN and CoS from the
// outer 802.1Q tag; etype past tags and labels; non-IP frames not accounted.
TEST_F(PmacctdSavefile, LinkLayersAgreeWithDebian) {
    const Bytes icmp = ipv4(1, "10.0.0.2", "10.0.0.1", Bytes{8, 0, 0, 0, 0, 0, 0, 0});
    Bytes padded = cat({eth(1, 2, 0x0800), ipv4(17, "10.0.0.1", "10.0.0.2", udp(1, 2))});
    padded.resize(60);
    Bytes big = cat({eth(1, 2, 0x0800), ipv4(6, "10.0.0.1", "10.0.0.3", tcp(3, 4, 0x02, pattern(1000)))});
    const std::size_t wire = big.size();
    big.resize(128);
    const std::string capture = write_capture(
        dir, "links.pcap",
        {{padded},
         {big, wire},
         {cat({eth(1, 2, 0x0806), Bytes(28, 0)})},
         {cat({eth(1, 2, 0x8100), tag((5 << 13) | 100, 0x0800), icmp})},
         {cat({eth(1, 2, 0x8100), tag((5 << 13) | 100, 0x8100), tag((3 << 13) | 200, 0x0800), icmp})},
         {cat({eth(1, 2, 0x86DD), ipv6(17, "2001:db8::1", "2001:db8::2", udp(7, 8, text("hello")), 0x28)})},
         {cat({eth(1, 2, 0x0800), ipv4(17, "10.0.0.1", "10.0.0.2", udp(11, 12, text("x")), {.tos = 0xB8})})},
         {cat({eth(1, 2, 0x8847), label(16, true), ipv4(6, "10.0.0.1", "10.0.0.2", tcp(1000, 23, 0x10))})},
         {cat({eth(1, 2, 0x8847), label(18, false), label(16, true),
               ipv6(6, "2001:db8::1", "2001:db8::2", tcp(1001, 80, 0x10))})}});
    Rows r = replay(dir, capture, kEverything);
    EXPECT_EQ(r.ours, r.debian);
    ASSERT_EQ(r.ours.size(), 8U);  // the ARP frame is not accounted
    // The padded frame counts its IP length (28), the cut one its whole IP length (1040).
    EXPECT_NE(std::find_if(r.ours.begin(), r.ours.end(),
                           [](const std::string& row) { return row.find(",udp,0,") != std::string::npos &&
                                                               row.ends_with(",1,28,"); }),
              r.ours.end());
    EXPECT_NE(std::find_if(r.ours.begin(), r.ours.end(),
                           [](const std::string& row) { return row.ends_with(",1,1040,"); }),
              r.ours.end());
}

// With ports aggregated, every fragment of a datagram carries its first fragment's ports;
// fragments ahead of their first fragment are accounted with it; fragments without a first
// fragment are not accounted. Without ports, every fragment is accounted as it comes.
TEST_F(PmacctdSavefile, FragmentsAgreeWithDebian) {
    const Bytes datagram = udp(4000, 53, pattern(1536));  // 1544 bytes: 1480 + 64
    const auto piece = [&](const char* dst, std::uint16_t id, std::size_t from, std::size_t to, bool more) {
        const Bytes part(datagram.begin() + static_cast<std::ptrdiff_t>(from),
                         datagram.begin() + static_cast<std::ptrdiff_t>(to));
        const auto flags = static_cast<std::uint16_t>((more ? 0x2000 : 0) | (from / 8));
        return cat({eth(1, 2, 0x0800), ipv4(17, "10.0.0.1", dst, part, {.flags_offset = flags, .id = id})});
    };
    const Bytes v6 = udp(20, 30, pattern(100));
    const auto piece6 = [&](std::uint32_t id, std::size_t from, std::size_t to, bool more) {
        const Bytes part(v6.begin() + static_cast<std::ptrdiff_t>(from), v6.begin() + static_cast<std::ptrdiff_t>(to));
        return cat({eth(1, 2, 0x86DD),
                    ipv6(44, "2001:db8::1", "2001:db8::2", frag6(17, static_cast<std::uint16_t>(from / 8), more, id, part))});
    };
    const std::string capture = write_capture(dir, "fragments.pcap",
                                              {{piece("10.0.0.2", 7, 0, 1480, true)},
                                               {piece("10.0.0.2", 7, 1480, 1544, false)},
                                               {piece("10.0.0.3", 8, 1480, 1544, false)},  // ahead of its first
                                               {piece("10.0.0.3", 8, 0, 1480, true)},
                                               {piece("10.0.0.4", 9, 1480, 1544, false)},  // no first fragment
                                               {piece6(99, 0, 48, true)},
                                               {piece6(99, 48, 108, false)},
                                               {piece6(98, 48, 108, false)}});  // no first fragment
    Rows r = replay(dir, capture, kEverything);
    EXPECT_EQ(r.ours, r.debian);
    ASSERT_EQ(r.ours.size(), 5U);
    for (const auto& row : r.ours) {
        EXPECT_TRUE(row.find(",4000,53,") != std::string::npos || row.find(",20,30,") != std::string::npos) << row;
    }
    // The fragment ahead of its first one: two packets, 1500 + 84 bytes, at the first's time.
    EXPECT_NE(std::find_if(r.ours.begin(), r.ours.end(),
                           [](const std::string& row) { return row.find("22:13:23.001000") != std::string::npos &&
                                                               row.ends_with(",2,1584,"); }),
              r.ours.end());
    // Without ports every fragment is a packet of its own, orphans included.
    Rows plain = replay(dir, capture, "src_host, dst_host, proto, timestamp_start");
    EXPECT_EQ(plain.ours, plain.debian);
    EXPECT_EQ(plain.ours.size(), 8U);
}

// TCP fragments: 1.7.7 takes the TCP flags of a later fragment from its payload (where the TCP
// header would be in a first fragment); pmacct-ng gives later fragments no flags. Ports, bytes
// and packets agree.
TEST_F(PmacctdSavefile, TcpFragmentFlagsDifferOnPurpose) {
    const Bytes segment = tcp(5000, 80, 0x18, pattern(1200));  // 1220 bytes
    const auto piece = [&](std::size_t from, std::size_t to, bool more) {
        const Bytes part(segment.begin() + static_cast<std::ptrdiff_t>(from),
                         segment.begin() + static_cast<std::ptrdiff_t>(to));
        const auto flags = static_cast<std::uint16_t>((more ? 0x2000 : 0) | (from / 8));
        return cat({eth(1, 2, 0x0800), ipv4(6, "10.0.0.2", "10.0.0.3", part, {.flags_offset = flags, .id = 9})});
    };
    // The later fragments' payload byte 13 (where a TCP header keeps its flags) is not 0.
    const std::string capture =
        write_capture(dir, "tcp-fragments.pcap", {{piece(0, 800, true)}, {piece(800, 1000, true)}, {piece(1000, 1220, false)}});
    Rows same = replay(dir, capture, "src_host, dst_host, src_port, dst_port, proto, timestamp_start");
    EXPECT_EQ(same.ours, same.debian);
    ASSERT_EQ(same.ours.size(), 3U);
    // One row (tcpflags is ORed, not a key): ours has the first fragment's PSH+ACK alone,
    // 1.7.7's also the later fragments' payload bytes.
    Rows flags = replay(dir, capture, "src_port, dst_port, tcpflags");
    EXPECT_EQ(flags.ours, (std::vector<std::string>{"5000,80,24,3,1280,"}));
    EXPECT_NE(flags.ours, flags.debian);
}

// 1.7.7 accounts nothing behind an 802.1ad (0x88a8) or 0x9100 outer tag, and misreads IPv4
// under two or more MPLS labels (IPv6 under three or more); pmacct-ng accounts the packets.
TEST_F(PmacctdSavefile, QinqAndLabelStacksDifferOnPurpose) {
    const Bytes icmp = ipv4(1, "10.0.0.2", "10.0.0.1", Bytes{8, 0, 0, 0, 0, 0, 0, 0});
    const std::string capture = write_capture(
        dir, "stacks.pcap",
        {{cat({eth(1, 2, 0x88A8), tag((5 << 13) | 100, 0x8100), tag((3 << 13) | 200, 0x0800), icmp})},
         {cat({eth(1, 2, 0x9100), tag((5 << 13) | 100, 0x8100), tag((3 << 13) | 200, 0x0800), icmp})}});
    Rows qinq = replay(dir, capture, "vlan, cos, src_host, proto");
    EXPECT_EQ(qinq.ours, (std::vector<std::string>{"100,5,10.0.0.2,icmp,2,56,"}));
    EXPECT_TRUE(qinq.debian.empty());
    Rows mpls = replay(dir, data_file("mpls-ipv4.pcap"), "src_host, dst_host, src_port, dst_port, proto");
    EXPECT_EQ(mpls.ours, (std::vector<std::string>{"10.31.0.1,10.34.0.1,11001,23,tcp,1,40,"}));
    EXPECT_TRUE(mpls.debian.empty());
}

// networks_file through pmacctd_net / pmacctd_as (and pmacctd's default, `mask,file`), and
// networks_mask: the same networks, masks and ASNs as 1.7.7 for IPv4. (1.7.7 stops a plugin
// that aggregates ASNs without pmacctd_as; for IPv6 it does not take the longest network of the
// file: docs/CONFIGURATION.md, "Networks and lookups".)
TEST_F(PmacctdSavefile, NetworksAgreeWithDebian) {
    TrafficCapture summary;
    const std::string capture = dir.path() + "/traffic.pcap";
    ASSERT_TRUE(write_traffic_pcap(capture, summary));
    const std::string networks = dir.path() + "/networks.lst";
    std::ofstream(networks) << "65001,198.51.100.0/24\n65002,198.51.100.16/28\n203.0.113.0/25\n"
                            << "65003,2001:db8:1::/48\n65004,2001:db8::/32\n";
    const std::string nets = "src_net, dst_net, src_mask, dst_mask, proto";
    const std::string file = "networks_file: " + networks + "\npcap_filter: ip\n";
    const std::pair<std::string, std::string> cases[] = {
        {nets + ", src_as, dst_as", file + "pmacctd_net: file\npmacctd_as: file\n"},
        {nets, file},
        {nets, "networks_mask: 20\npmacctd_net: mask\npcap_filter: ip\n"},
    };
    for (const auto& [aggregate, extra] : cases) {
        SCOPED_TRACE(extra);
        Rows r = replay(dir, capture, aggregate, extra);
        EXPECT_EQ(r.ours, r.debian) << r.log;
        EXPECT_GT(r.ours.size(), 3U);
    }
    // IPv6: the longest network of the file.
    Rows v6 = replay(dir, capture, "src_net, src_mask, src_as",
                     "networks_file: " + networks + "\npmacctd_net: file\npmacctd_as: file\npcap_filter: ip6\n");
    EXPECT_EQ(v6.ours, (std::vector<std::string>{"65003,2001:db8:1::,48,18,2064,", "65004,2001:db8::,32,14,5864,"}));
}

// pre_tag_map on pmacctd (its keys: set_tag, set_tag2, set_label, filter), with a jump, and
// pre_tag_filter letting a plugin see only some tags: the same rows as Debian's pmacctd.
TEST_F(PmacctdSavefile, PreTagMapAgreesWithDebian) {
    TrafficCapture summary;
    const std::string capture = dir.path() + "/traffic.pcap";
    ASSERT_TRUE(write_traffic_pcap(capture, summary));
    const std::string map = dir.path() + "/pretag.map";
    std::ofstream(map) << "set_tag=1 filter='tcp' jeq=v6\nset_tag=2 filter='udp'\nset_tag=3 filter='icmp or icmp6'\n"
                          "set_tag2=6 filter='ip6' label=v6\nset_tag2=4 filter='ip'\n";
    Rows all = replay(dir, capture, "tag, tag2, proto", "pre_tag_map: " + map + "\n");
    EXPECT_EQ(all.ours, all.debian) << all.log;
    ASSERT_GE(all.ours.size(), 4U);
    EXPECT_TRUE(std::any_of(all.ours.begin(), all.ours.end(), [](const std::string& r) { return r.starts_with("1,6,tcp,"); }));
    Rows udp = replay(dir, capture, "tag, proto", "pre_tag_map: " + map + "\npre_tag_filter[p]: 2\n");
    EXPECT_EQ(udp.ours, udp.debian) << udp.log;
    ASSERT_FALSE(udp.ours.empty());
    for (const std::string& r : udp.ours) EXPECT_TRUE(r.starts_with("2,udp,")) << r;
}

// pcap_filter, and pcap_savefile_replay reading the file more than once.
TEST_F(PmacctdSavefile, FilterAndReplays) {
    TrafficCapture summary;
    const std::string capture = dir.path() + "/traffic.pcap";
    ASSERT_TRUE(write_traffic_pcap(capture, summary));
    Rows r = replay(dir, capture, "etype", "pcap_filter: ip6\npcap_savefile_replay: 2\n");
    EXPECT_EQ(r.ours, (std::vector<std::string>{"86dd," + std::to_string(2 * summary.ipv6.packets) + "," +
                                                std::to_string(2 * summary.ipv6.bytes) + ","}));
}

// pmacctd_ext_sampling_rate: the sampling_rate primitive says the rate (1 without one, as
// 1.7.7 prints it); renormalised, the counters carry the rate and the primitive says 1. The
// same rows as Debian's pmacctd.
TEST_F(PmacctdSavefile, ExternalSamplingRateAsDebian) {
    TrafficCapture summary;
    const std::string capture = dir.path() + "/traffic.pcap";
    ASSERT_TRUE(write_traffic_pcap(capture, summary));
    struct Case {
        std::string extra;
        std::string rate;
        std::uint64_t scale;
    };
    for (const Case& c : {Case{"", "1", 1}, Case{"pmacctd_ext_sampling_rate: 5\n", "5", 1},
                          Case{"pmacctd_ext_sampling_rate: 5\npmacctd_renormalize: true\n", "1", 5}}) {
        SCOPED_TRACE(c.extra);
        Rows r = replay(dir, capture, "etype, sampling_rate", c.extra);
        EXPECT_EQ(r.ours, (std::vector<std::string>{
                              "800," + c.rate + "," + std::to_string(c.scale * summary.ipv4.packets) + "," +
                                  std::to_string(c.scale * summary.ipv4.bytes) + ",",
                              "86dd," + c.rate + "," + std::to_string(c.scale * summary.ipv6.packets) + "," +
                                  std::to_string(c.scale * summary.ipv6.bytes) + ","}));
        EXPECT_EQ(r.ours, r.debian);
    }
}

// sampling_rate: each plugin takes each packet with a chance of 1 in N, on its own (a plugin
// without it takes them all); its sampling_rate primitive says N, or, renormalised, its counters
// are scaled back up by N and it says 1. (1.7.7 samples alike but prints 1 and leaves the
// counters as they are with pmacctd_renormalize: docs/OUTPUT-FORMATS.md.) With an external rate
// it is an error, as in 1.7.7.
TEST_F(PmacctdSavefile, InternalSamplingOneInN) {
    TrafficCapture summary;
    const std::string capture = dir.path() + "/traffic.pcap";
    ASSERT_TRUE(write_traffic_pcap(capture, summary));
    const std::uint64_t per_round = summary.ipv4.packets + summary.ipv6.packets;
    const std::uint64_t rounds = (20000 + per_round - 1) / per_round;
    const std::uint64_t total = rounds * per_round;
    auto run = [&](const std::string& name, const std::string& extra) {
        const std::string conf = dir.path() + "/" + name + ".conf";
        std::ofstream(conf) << "pcap_savefile: " << capture << "\npcap_savefile_replay: " << rounds
                            << "\nplugins: print[all], print[s]\naggregate: sampling_rate\nprint_output: csv\n"
                            << "print_output_file[all]: " << dir.path() << "/" << name << "-all.csv\n"
                            << "print_output_file[s]: " << dir.path() << "/" << name << "-s.csv\n"
                            << "sampling_rate[s]: 10\nprint_refresh_time: 3600\n"
                            << extra;
        const auto r = run_program({"pmacctd", "-f", conf}, 60000);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return r.err;
    };
    auto only_row = [](const std::string& path) {
        const auto t = parse_csv(read_file(path));
        EXPECT_EQ(t.rows.size(), 1U) << read_file(path);
        return t.rows.empty() ? std::vector<std::string>{"", "0", "0"} : t.rows[0];
    };
    run("plain", "");
    EXPECT_EQ(only_row(dir.path() + "/plain-all.csv")[1], std::to_string(total));
    auto s = only_row(dir.path() + "/plain-s.csv");
    EXPECT_EQ(s[0], "10");
    const std::uint64_t sampled = std::stoull(s[1]);
    // 1 in 10 of at least 20,000: 2,000 on average, 42 the standard deviation.
    EXPECT_GT(sampled, total / 10 * 85 / 100);
    EXPECT_LT(sampled, total / 10 * 115 / 100);

    run("renormalized", "pmacctd_renormalize: true\n");
    s = only_row(dir.path() + "/renormalized-s.csv");
    EXPECT_EQ(s[0], "1");
    const std::uint64_t scaled = std::stoull(s[1]);
    EXPECT_EQ(scaled % 10, 0U);
    EXPECT_GT(scaled, total * 85 / 100);
    EXPECT_LT(scaled, total * 115 / 100);

    const std::string both = dir.path() + "/both.conf";
    std::ofstream(both) << "pcap_savefile: " << capture << "\nplugins: print[s]\nsampling_rate[s]: 10\n"
                        << "pmacctd_ext_sampling_rate: 5\n";
    const auto r = run_program({"pmacctd", "-f", both});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("are mutually exclusive"), std::string::npos) << r.err;
}

// flows: the packets that start a flow, as 1.7.7 counts them: each direction of a 5-tuple is a
// flow; SYN, FIN and RST inside a connection start none (no gap here is longer than the
// lifetimes, where the two differ: below).
TEST_F(PmacctdSavefile, FlowsAgreeWithDebian) {
    constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
    auto u = [](const char* s, const char* d, std::uint16_t sp, std::uint16_t dp) {
        return Captured{cat({eth(1, 2, 0x0800), ipv4(17, s, d, udp(sp, dp, text("x")))})};
    };
    auto t = [](const char* s, const char* d, std::uint16_t sp, std::uint16_t dp, std::uint8_t flags) {
        return Captured{cat({eth(1, 2, 0x0800), ipv4(6, s, d, tcp(sp, dp, flags))})};
    };
    const std::string capture = write_capture(
        dir, "flows.pcap",
        {u("10.0.0.1", "10.0.0.2", 1000, 2000), u("10.0.0.2", "10.0.0.1", 2000, 1000), u("10.0.0.1", "10.0.0.2", 1000, 2000),
         u("10.0.0.1", "10.0.0.2", 1001, 2000), u("10.0.0.1", "10.0.0.3", 1000, 2000),
         t("10.0.0.1", "10.0.0.2", 40000, 80, kSyn), t("10.0.0.2", "10.0.0.1", 80, 40000, kSyn | kAck),
         t("10.0.0.1", "10.0.0.2", 40000, 80, kAck), t("10.0.0.1", "10.0.0.2", 40000, 80, kFin | kAck),
         t("10.0.0.2", "10.0.0.1", 80, 40000, kFin | kAck), t("10.0.0.1", "10.0.0.2", 40000, 80, kAck),
         t("10.0.0.1", "10.0.0.2", 40000, 80, kSyn), t("10.0.0.1", "10.0.0.2", 40001, 80, kSyn),
         t("10.0.0.1", "10.0.0.2", 40001, 80, kRst), t("10.0.0.1", "10.0.0.2", 40001, 80, kAck)});
    Rows r = replay(dir, capture, "src_host, dst_host, src_port, dst_port, proto, flows");
    EXPECT_EQ(r.ours, (std::vector<std::string>{
                          "10.0.0.1,10.0.0.2,1000,2000,udp,2,1,58,", "10.0.0.1,10.0.0.2,1001,2000,udp,1,1,29,",
                          "10.0.0.1,10.0.0.2,40000,80,tcp,5,1,200,", "10.0.0.1,10.0.0.2,40001,80,tcp,3,1,120,",
                          "10.0.0.1,10.0.0.3,1000,2000,udp,1,1,29,", "10.0.0.2,10.0.0.1,2000,1000,udp,1,1,29,",
                          "10.0.0.2,10.0.0.1,80,40000,tcp,2,1,80,"}))
        << r.log;
    EXPECT_EQ(r.ours, r.debian);
}

// Flow lifetimes are measured on the packets' times: a 5-tuple idle for longer than
// pmacctd_flow_lifetime in the capture starts a new flow. 1.7.7 measures them on the wall
// clock, which a savefile replay does not give time to move: one flow.
TEST_F(PmacctdSavefile, FlowLifetimesFollowPacketTimes) {
    const Bytes frame = cat({eth(1, 2, 0x0800), ipv4(17, "10.0.0.1", "10.0.0.2", udp(1000, 2000, text("x")))});
    const std::string capture = dir.path() + "/gaps.pcap";
    {
        PcapWriter w(capture);
        for (std::time_t at : {1700000000, 1700000059, 1700000059 + 61, 1700000059 + 62}) w.write(at, 0, frame);
        ASSERT_TRUE(w.close());
    }
    Rows r = replay(dir, capture, "src_host, flows", "pmacctd_flow_lifetime: 60\n");
    EXPECT_EQ(r.ours, (std::vector<std::string>{"10.0.0.1,4,2,116,"}));
    EXPECT_EQ(r.debian, (std::vector<std::string>{"10.0.0.1,4,1,116,"}));
}

// Tunnelled frames for the tunnel tests: TCP 172.16.0.1:1234 -> 172.16.0.2:80 (ToS 0x10, 50
// bytes) in VXLAN (VNI 5000, inner MACs ...0b -> ...0a), GRE, NVGRE (VSID 777), IP-in-IP and
// GTP-U (TEID 0xdeadbeef), and a plain UDP packet.
std::vector<Captured> tunnel_frames() {
    const Bytes inner = ipv4(6, "172.16.0.1", "172.16.0.2", tcp(1234, 80, 0x02, Bytes(10, 0)), {.tos = 0x10});
    Bytes vxlan = {0x08, 0, 0, 0};
    put32(vxlan, 5000U << 8);
    Bytes nvgre = {0x20, 0x00, 0x65, 0x58};
    put32(nvgre, 777U << 8);
    Bytes gtp = {0x30, 0xFF};
    put16(gtp, static_cast<std::uint16_t>(inner.size()));
    put32(gtp, 0xDEADBEEF);
    return {
        {cat({eth(1, 2, 0x0800), ipv4(17, "192.0.2.1", "192.0.2.2", udp(55555, 4789, cat({vxlan, eth(0xA, 0xB, 0x0800), inner})))})},
        {cat({eth(1, 2, 0x0800), ipv4(47, "192.0.2.3", "192.0.2.4", cat({{0, 0, 0x08, 0}, inner}))})},
        {cat({eth(1, 2, 0x0800), ipv4(47, "192.0.2.7", "192.0.2.8", cat({nvgre, eth(0xC, 0xD, 0x0800), inner}))})},
        {cat({eth(1, 2, 0x0800), ipv4(4, "192.0.2.5", "192.0.2.6", inner)})},
        {cat({eth(1, 2, 0x0800), ipv4(17, "10.1.0.1", "10.1.0.2", udp(2152, 2152, cat({gtp, inner})))})},
        {cat({eth(1, 2, 0x0800), ipv4(17, "192.0.2.9", "192.0.2.10", udp(1000, 2000, text("y")))})},
    };
}

// tunnel_0 (gtp): what GTP-U carries is accounted instead of the envelope, with its own length,
// as by 1.7.7.
TEST_F(PmacctdSavefile, GtpTunnelAccountedThroughAsDebian) {
    const std::string capture = write_capture(dir, "gtp.pcap", tunnel_frames());
    Rows r = replay(dir, capture, "src_host, dst_host, src_port, dst_port, proto, tos", "tunnel_0: gtp, 2152\n");
    EXPECT_NE(std::find(r.ours.begin(), r.ours.end(), "172.16.0.1,172.16.0.2,1234,80,tcp,16,1,50,"), r.ours.end())
        << r.log;
    EXPECT_EQ(std::count_if(r.ours.begin(), r.ours.end(), [](const std::string& x) { return x.starts_with("10.1.0.1,"); }), 0);
    EXPECT_EQ(r.ours.size(), 6U);
    EXPECT_EQ(r.ours, r.debian);
    // Without tunnel_0 the envelope is accounted.
    Rows closed = replay(dir, capture, "src_host, dst_host, src_port, dst_port, proto, tos");
    EXPECT_NE(std::find(closed.ours.begin(), closed.ours.end(), "10.1.0.1,10.1.0.2,2152,2152,udp,0,1,86,"),
              closed.ours.end());
    EXPECT_EQ(closed.ours, closed.debian);
}

// tunnel_*: what VXLAN, GRE, NVGRE and IP-in-IP carry, the envelope staying what is accounted;
// vxlan and nvgre their ids. 1.7.7's pmacctd aborts ("double free or corruption") on any tunnel
// primitive, so only ours runs; sfacctd agrees with 1.7.7's on VXLAN (sfacctd_test.cpp).
TEST_F(PmacctdSavefile, TunnelPrimitives) {
    const std::string capture = write_capture(dir, "tunnels.pcap", tunnel_frames());
    const std::string conf = dir.path() + "/tunnels.conf";
    const std::string out = dir.path() + "/tunnels.csv";
    std::ofstream(conf) << "pcap_savefile: " << capture << "\nplugins: print[p]\naggregate[p]: src_host, proto, vxlan, "
                           "tunnel_src_mac, tunnel_dst_mac, tunnel_src_host, tunnel_dst_host, tunnel_proto, "
                           "tunnel_tos, tunnel_src_port, tunnel_dst_port, tunnel_tcpflags\n"
                           "print_output[p]: csv\nprint_output_file[p]: " << out << "\nprint_refresh_time: 3600\n";
    auto r = run_program({"pmacctd", "-f", conf}, 30000);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const Table t = parse_csv(read_file(out));
    EXPECT_EQ(t.header, (std::vector<std::string>{"SRC_IP", "PROTOCOL", "TUNNEL_SRC_MAC", "TUNNEL_DST_MAC", "TUNNEL_SRC_IP",
                                                  "TUNNEL_DST_IP", "TUNNEL_PROTOCOL", "TUNNEL_TOS", "TUNNEL_SRC_PORT",
                                                  "TUNNEL_DST_PORT", "TUNNEL_TCP_FLAGS", "VXLAN", "PACKETS", "BYTES"}));
    std::vector<std::string> rows;
    for (const auto& row : t.rows) {
        std::string line;
        for (const auto& c : row) line += c + ",";
        rows.push_back(line);
    }
    std::sort(rows.begin(), rows.end());
    const std::string in = "172.16.0.1,172.16.0.2,tcp,16,1234,80,2,";
    EXPECT_EQ(rows, (std::vector<std::string>{
                        "10.1.0.1,udp,00:00:00:00:00:00,00:00:00:00:00:00,,,0,0,0,0,0,0,1,86,",
                        "192.0.2.1,udp,02:00:00:00:00:0b,02:00:00:00:00:0a," + in + "5000,1,100,",
                        "192.0.2.3,gre,00:00:00:00:00:00,00:00:00:00:00:00," + in + "0,1,74,",
                        "192.0.2.5,ipencap,00:00:00:00:00:00,00:00:00:00:00:00," + in + "0,1,70,",
                        "192.0.2.7,gre,02:00:00:00:00:0d,02:00:00:00:00:0c," + in + "0,1,92,",
                        "192.0.2.9,udp,00:00:00:00:00:00,00:00:00:00:00:00,,,0,0,0,0,0,0,1,29,"}));
}

// The filter from the words after the options, as tcpdump takes it.
TEST_F(PmacctdSavefile, FilterFromCommandLine) {
    TrafficCapture summary;
    const std::string capture = dir.path() + "/traffic.pcap";
    ASSERT_TRUE(write_traffic_pcap(capture, summary));
    const std::string out = dir.path() + "/cl.csv";
    auto r = run_program({"pmacctd", "-I", capture, "-P", "print", "-c", "etype", "-O", "csv", "-o", out, "-r",
                          "3600", "ip6", "and", "not", "icmp6"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto rows = sorted_row_lines(read_file(out));
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_TRUE(rows[0].starts_with("86dd,")) << rows[0];
    const auto all_v6 = "86dd," + std::to_string(summary.ipv6.packets) + ",";
    EXPECT_FALSE(rows[0].starts_with(all_v6)) << "ICMPv6 packets were not filtered out";
}

// The memory plugin and the pmacct client over a replayed savefile (pcap_savefile_wait keeps
// the daemon up to be queried).
TEST_F(PmacctdSavefile, MemoryTable) {
    TrafficCapture summary;
    const std::string capture = dir.path() + "/traffic.pcap";
    ASSERT_TRUE(write_traffic_pcap(capture, summary));
    const std::string pipe = dir.path() + "/imt.pipe";
    const std::string conf = dir.path() + "/mem.conf";
    std::ofstream(conf) << "pcap_savefile: " << capture << "\npcap_savefile_wait: true\nplugins: memory[m]\n"
                        << "aggregate[m]: etype\nimt_path[m]: " << pipe << "\n";
    Daemon daemon("pmacctd", conf, dir.path() + "/mem.log");
    std::string v4;
    const bool seen = wait_for(
        [&] {
            v4 = run_program({"pmacct", "-p", pipe, "-c", "etype", "-N", "800"}).out;
            return v4 == std::to_string(summary.ipv4.bytes) + "\n";
        },
        15000);
    EXPECT_TRUE(seen) << v4 << read_file(dir.path() + "/mem.log");
    EXPECT_EQ(run_program({"pmacct", "-p", pipe, "-c", "etype", "-N", "86dd", "-n", "packets"}).out,
              std::to_string(summary.ipv6.packets) + "\n");
    EXPECT_EQ(daemon.stop(), 0);
}

}  // namespace
}  // namespace pmacct::testing
