// The nfprobe plugin (QUICKSTART XII) side by side with Debian's pmacctd 1.7.7: each probe
// replays the same capture and exports NetFlow v5, v9 or IPFIX to a collector of its own (our
// nfacctd, print plugin); both collectors must show the same flows. The differences kept on
// purpose are asserted on both sides:
// * ToS: 1.7.7 exports 0 for the second direction of a conversation and for every IPv6 flow;
//   ours exports what the packets carried (docs/OUTPUT-FORMATS.md, "nfprobe").
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "run_program.hpp"
#include "test_support.hpp"
#include "traffic_pcap.hpp"

namespace pmacct::testing {
namespace {

constexpr const char* kDebianPmacctd = "/usr/sbin/pmacctd";
constexpr const char* kFlowKey = "src_host, dst_host, src_port, dst_port, proto";

struct Collected {
    std::vector<std::string> rows;
    std::string probe_log;
    std::string collector_log;
    int probe_exit = -1;
};

// How a probe and its collector run.
struct Setup {
    std::string probe = "pmacctd";
    std::string collector = "nfacctd";
    std::string address = "127.0.0.1";  // the collector's: 127.0.0.1 or ::1
    // Left running (pcap_savefile_wait) for 4 s instead of exiting at the end of the file; then
    // either the collector stops first (what it got was exported by expiry), or, with a
    // `probe_signal`, the probe gets that signal first (what it exports when stopped).
    bool left_running = false;
    int probe_signal = 0;
};

// A collector (print, `collect` primitives) gets what the probe (a pmacctd) exports while it
// replays `capture` with `probe_config` added to its nfprobe configuration.
Collected probe_and_collect(const TempDir& dir, const std::string& who, const std::string& capture,
                            const std::string& probe_config, const std::string& collect, const Setup& setup = {}) {
    Collected c;
    const std::string out = dir.path() + "/" + who + ".csv";
    const std::string collector_conf = dir.path() + "/" + who + "-collector.conf";
    std::string collector_log;
    std::unique_ptr<Daemon> collector;
    std::uint16_t port = 0;
    // Listening before the probe starts: a lost first datagram would take the templates along.
    // A port another test took meanwhile: try another.
    for (int attempt = 0; attempt < 5 && !collector; ++attempt) {
        port = free_udp_port();
        collector_log = dir.path() + "/" + who + "-collector-" + std::to_string(attempt) + ".log";
        std::ofstream(collector_conf) << "nfacctd_ip: " << setup.address << "\nnfacctd_port: " << port
                                      << "\nplugins: print[p]\nprint_output[p]: csv\nprint_output_file[p]: " << out
                                      << "\nprint_refresh_time: 3600\naggregate[p]: " << collect << "\n";
        auto d = std::make_unique<Daemon>(setup.collector, collector_conf, collector_log);
        bool up = false;
        if (setup.collector == "nfacctd") {
            wait_for([&] {
                const std::string log = read_file(collector_log);
                return log.find("waiting for NetFlow") != std::string::npos || log.find("ERROR") != std::string::npos;
            });
            up = read_file(collector_log).find("waiting for NetFlow") != std::string::npos;
        } else {
            // 1.7.7 says nothing when it listens: it gets a moment, and must still be running.
            up = d->wait_exit(1000) == -1;
        }
        if (up) collector = std::move(d);
    }
    EXPECT_TRUE(collector) << read_file(collector_log);
    if (!collector) return c;
    const std::string receiver = setup.address.find(':') != std::string::npos ? "[" + setup.address + "]" : setup.address;
    const std::string probe_conf = dir.path() + "/" + who + "-probe.conf";
    std::ofstream(probe_conf) << "pcap_savefile: " << capture << "\nplugins: nfprobe[np]\nnfprobe_receiver: " << receiver
                              << ":" << port << "\n"
                              << probe_config << (setup.left_running ? "pcap_savefile_wait: true\n" : "");
    if (setup.left_running) {
        const std::string probe_log = dir.path() + "/" + who + "-probe.log";
        Daemon p(setup.probe, probe_conf, probe_log);
        std::this_thread::sleep_for(std::chrono::milliseconds(4000));
        if (setup.probe_signal != 0) {
            c.probe_exit = p.stop(setup.probe_signal);
            std::this_thread::sleep_for(std::chrono::milliseconds(1500));
            EXPECT_EQ(collector->stop(), 0);
        } else {
            EXPECT_EQ(collector->stop(), 0);
            c.probe_exit = p.stop();
        }
        c.probe_log = read_file(probe_log);
    } else {
        const RunResult r = run_program({setup.probe, "-f", probe_conf}, 30000);
        c.probe_exit = r.exit_code;
        c.probe_log = r.err;
        // The last datagrams are on their way to (or in) the collector's socket.
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        EXPECT_EQ(collector->stop(), 0);
    }
    c.collector_log = read_file(collector_log);
    c.rows = sorted_row_lines(read_file(out));
    return c;
}

// Ours and Debian's, at the same time.
std::pair<Collected, Collected> side_by_side(const TempDir& dir, const std::string& capture,
                                             const std::string& probe_config, const std::string& collect) {
    Collected ours;
    Collected debian;
    std::thread t([&] {
        debian = probe_and_collect(dir, "debian", capture, probe_config, collect, {.probe = kDebianPmacctd});
    });
    ours = probe_and_collect(dir, "ours", capture, probe_config, collect);
    t.join();
    EXPECT_EQ(ours.probe_exit, 0) << ours.probe_log;
    EXPECT_EQ(debian.probe_exit, 0) << debian.probe_log;
    return {ours, debian};
}

// The cells of a row of sorted_row_lines() ("a,b,c,").
std::vector<std::string> cells_of(const std::string& row) {
    std::vector<std::string> cells;
    for (std::size_t at = 0; at < row.size();) {
        const auto comma = row.find(',', at);
        cells.push_back(row.substr(at, comma - at));
        at = comma + 1;
    }
    return cells;
}

// Sums the PACKETS and BYTES columns (the last two) of the IPv6 rows (with a ':'), or of the
// others.
TrafficTotals totals(const std::vector<std::string>& rows, bool ipv6) {
    TrafficTotals t;
    for (const auto& row : rows) {
        if ((row.find(':') != std::string::npos) != ipv6) continue;
        const auto cells = cells_of(row);
        t.packets += std::stoull(cells[cells.size() - 2]);
        t.bytes += std::stoull(cells[cells.size() - 1]);
    }
    return t;
}

// The test capture, written for each test.
class NfprobeCapture : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(write_traffic_pcap(capture, summary)); }
    TempDir dir;
    TrafficCapture summary;
    const std::string capture = dir.path() + "/traffic.pcap";
};
class NfprobeExport : public NfprobeCapture, public ::testing::WithParamInterface<int> {};
class NfprobeTags : public NfprobeCapture {};
class NfprobeSampling : public NfprobeCapture {};
class NfprobeTimeouts : public NfprobeCapture {};
class NfprobeExportOptions : public NfprobeCapture {};

// QUICKSTART XII b: every packet of the capture reaches the collector once, in the same flows
// as 1.7.7 exports them (v5 carries IPv4 only).
TEST_P(NfprobeExport, SameFlowsAsDebian) {
    const std::string config = "aggregate: src_host, dst_host, src_port, dst_port, proto, tos\nnfprobe_version: " +
                               std::to_string(GetParam()) + "\n";
    auto [ours, debian] =
        side_by_side(dir, capture, config, std::string(kFlowKey) + ", in_iface, out_iface, sampling_direction");
    EXPECT_EQ(ours.rows, debian.rows) << ours.probe_log << "\n" << debian.probe_log;
    const TrafficTotals v4 = totals(ours.rows, false);
    const TrafficTotals v6 = totals(ours.rows, true);
    EXPECT_EQ(v4.packets, summary.ipv4.packets);
    EXPECT_EQ(v4.bytes, summary.ipv4.bytes);
    if (GetParam() == 5) {
        EXPECT_EQ(v6.packets, 0U);
    } else {
        EXPECT_EQ(v6.packets, summary.ipv6.packets);
        EXPECT_EQ(v6.bytes, summary.ipv6.bytes);
    }
    // ICMP type and code travel in the destination port (echo request 8/0, echo reply 0/0).
    EXPECT_NE(std::find_if(ours.rows.begin(), ours.rows.end(),
                           [](const std::string& r) { return r.find(",0,2048,icmp,") != std::string::npos; }),
              ours.rows.end());
}

// The ToS of each direction as the packets carried it (1.7.7: 0 for the answering side and for
// IPv6).
TEST_P(NfprobeExport, TosAsThePacketsCarriedIt) {
    const std::string config = "aggregate: src_host, dst_host, src_port, dst_port, proto, tos\nnfprobe_version: " +
                               std::to_string(GetParam()) + "\n";
    auto [ours, debian] = side_by_side(dir, capture, config, "src_host, dst_host, tos");
    const auto has = [](const std::vector<std::string>& rows, const std::string& start) {
        return std::find_if(rows.begin(), rows.end(), [&](const std::string& r) { return r.rfind(start, 0) == 0; }) !=
               rows.end();
    };
    // 198.51.100.11 <-> 203.0.113.21 talk with ToS 0x10 both ways.
    EXPECT_TRUE(has(ours.rows, "198.51.100.11,203.0.113.21,16,"));
    EXPECT_TRUE(has(ours.rows, "203.0.113.21,198.51.100.11,16,"));
    EXPECT_TRUE(has(debian.rows, "198.51.100.11,203.0.113.21,16,"));
    EXPECT_TRUE(has(debian.rows, "203.0.113.21,198.51.100.11,0,"));
    if (GetParam() != 5) {
        EXPECT_TRUE(has(ours.rows, "2001:db8:1::11,2001:db8:2::21,32,"));
        EXPECT_TRUE(has(debian.rows, "2001:db8:1::11,2001:db8:2::21,0,"));
    }
}

INSTANTIATE_TEST_SUITE_P(Versions, NfprobeExport, ::testing::Values(5, 9, 10));

// QUICKSTART XII b3/b4: direction from tag, ifIndex from tag2, set by a pre_tag_map with BPF
// filters, jeq and label as written there.
TEST_F(NfprobeTags, QuickstartDirectionAndIfindexAsDebian) {
    const std::string map = dir.path() + "/pretag.map";
    std::ofstream(map) << "set_tag=1 filter='dst net 203.0.113.0/24' jeq=eval_ifindexes\n"
                          "set_tag=2 filter='src net 203.0.113.0/24' jeq=eval_ifindexes\n"
                          "set_tag=999 filter='net 0.0.0.0/0'\n"
                          "!\n"
                          "set_tag2=100 filter='dst host 203.0.113.20' label=eval_ifindexes\n"
                          "set_tag2=100 filter='src host 203.0.113.20'\n"
                          "set_tag2=200 filter='dst host 203.0.113.21'\n"
                          "set_tag2=200 filter='src host 203.0.113.21'\n";
    const std::string config = "aggregate: src_host, dst_host, src_port, dst_port, proto\nnfprobe_version: 10\n"
                               "nfprobe_direction[np]: tag\nnfprobe_ifindex[np]: tag2\npre_tag_map: " +
                               map + "\n";
    auto [ours, debian] =
        side_by_side(dir, capture, config, std::string(kFlowKey) + ", in_iface, out_iface, sampling_direction");
    EXPECT_EQ(ours.rows, debian.rows);
    const auto count = [&](const std::string& part) {
        return std::count_if(ours.rows.begin(), ours.rows.end(),
                             [&](const std::string& r) { return r.find(part) != std::string::npos; });
    };
    // Towards 203.0.113.20: ingress on ifIndex 100; back from it: egress on 100; .21 on 200.
    // Columns: in_iface, out_iface, src_host, dst_host, src_port, dst_port, proto, direction.
    EXPECT_EQ(count("100,0,198.51.100.10,203.0.113.20,40000,80,tcp,i,"), 1) << ours.rows.size();
    EXPECT_EQ(count("0,100,203.0.113.20,198.51.100.10,80,40000,tcp,e,"), 1);
    EXPECT_EQ(count("200,0,198.51.100.11,203.0.113.21,40002,22,tcp,i,"), 1);
    EXPECT_EQ(count("0,200,203.0.113.21,198.51.100.11,22,40002,tcp,e,"), 1);
    // Other conversations have a direction but no ifIndex.
    EXPECT_EQ(count("0,0,203.0.113.22,198.51.100.12,25,40003,tcp,e,"), 1);
    EXPECT_EQ(count("0,0,198.51.100.12,203.0.113.22,40003,25,tcp,i,"), 1);
}

// QUICKSTART XII b3: direction from tag2, set by host and MAC filters.
TEST_F(NfprobeTags, QuickstartDirectionFromTag2AsDebian) {
    const std::string map = dir.path() + "/pretag.map";
    // (Every frame of the capture goes from 02:00:00:00:00:01 to 02:00:00:00:00:02.)
    std::ofstream(map) << "set_tag2=1 filter='dst host 203.0.113.20'\n"
                          "set_tag2=2 filter='src host 203.0.113.20'\n"
                          "set_tag2=1 filter='ether src 02:00:00:00:00:01'\n"
                          "set_tag2=2 filter='ether dst 02:00:00:00:00:01'\n";
    const std::string config = "aggregate: src_host, dst_host, src_port, dst_port, proto\nnfprobe_version: 9\n"
                               "nfprobe_direction[np]: tag2\npre_tag_map: " + map + "\n";
    auto [ours, debian] = side_by_side(dir, capture, config, std::string(kFlowKey) + ", sampling_direction");
    EXPECT_EQ(ours.rows, debian.rows);
    const auto count = [&](const std::string& part) {
        return std::count_if(ours.rows.begin(), ours.rows.end(),
                             [&](const std::string& r) { return r.find(part) != std::string::npos; });
    };
    EXPECT_EQ(count("203.0.113.20,198.51.100.10,80,40000,tcp,e,"), 1);
    EXPECT_EQ(count("198.51.100.10,203.0.113.20,40000,80,tcp,i,"), 1);
    EXPECT_EQ(count(",e,"), 2);  // both conversations with 203.0.113.20, answering side
}

// tag and tag2 travel in IPFIX as pmacct's own elements: from our probe to our collector as from
// Debian's pmacctd to Debian's nfacctd.
TEST_F(NfprobeTags, TagsReachTheCollectorAsWithDebian) {
    const std::string map = dir.path() + "/pretag.map";
    std::ofstream(map) << "set_tag=100 filter='net 198.51.100.0/24' jeq=two\n"
                          "set_tag=101 filter='net 2001:db8::/32' jeq=two\n"
                          "set_tag2=7 filter='tcp' label=two\n";
    const std::string config = "aggregate: src_host, dst_host, proto, tag, tag2\nnfprobe_version: 10\npre_tag_map: " + map + "\n";
    Collected debian;
    std::thread t([&] {
        debian = probe_and_collect(dir, "debian", capture, config, "tag, tag2, proto",
                                   {.probe = kDebianPmacctd, .collector = "/usr/sbin/nfacctd"});
    });
    Collected ours = probe_and_collect(dir, "ours", capture, config, "tag, tag2, proto");
    t.join();
    EXPECT_EQ(ours.rows, debian.rows) << ours.probe_log;
    // IPv4 TCP: tag 100 and tag2 7; IPv6 UDP: tag 101 alone.
    EXPECT_NE(std::find_if(ours.rows.begin(), ours.rows.end(),
                           [](const std::string& r) { return r.rfind("100,7,tcp,", 0) == 0; }),
              ours.rows.end());
    EXPECT_NE(std::find_if(ours.rows.begin(), ours.rows.end(),
                           [](const std::string& r) { return r.rfind("101,0,udp,", 0) == 0; }),
              ours.rows.end());
}

// label travels likewise, as a variable-length element.
TEST_F(NfprobeTags, LabelsReachTheCollectorAsWithDebian) {
    const std::string map = dir.path() + "/pretag.map";
    std::ofstream(map) << "set_label=blue filter='net 198.51.100.0/24'\nset_label=green filter='ip6'\n";
    const std::string config = "aggregate: src_host, dst_host, proto, label\nnfprobe_version: 10\npre_tag_map: " + map + "\n";
    Collected debian;
    std::thread t([&] {
        debian = probe_and_collect(dir, "debian", capture, config, "label, proto",
                                   {.probe = kDebianPmacctd, .collector = "/usr/sbin/nfacctd"});
    });
    Collected ours = probe_and_collect(dir, "ours", capture, config, "label, proto");
    t.join();
    EXPECT_EQ(ours.rows, debian.rows) << ours.probe_log;
    EXPECT_NE(std::find_if(ours.rows.begin(), ours.rows.end(),
                           [](const std::string& r) { return r.rfind("blue,tcp,", 0) == 0; }),
              ours.rows.end());
    EXPECT_NE(std::find_if(ours.rows.begin(), ours.rows.end(),
                           [](const std::string& r) { return r.rfind("green,udp,", 0) == 0; }),
              ours.rows.end());
}

// Traffic sampled before pmacctd: the collector learns the rate from the sampler options.
TEST_F(NfprobeSampling, TheCollectorSeesTheRateAsWithDebian) {
    const std::string config = "aggregate: src_host, dst_host, src_port, dst_port, proto\nnfprobe_version: 10\n"
                               "pmacctd_ext_sampling_rate: 10\n";
    auto [ours, debian] = side_by_side(dir, capture, config, "proto, sampling_rate");
    EXPECT_EQ(ours.rows, debian.rows);
    ASSERT_FALSE(ours.rows.empty());
    for (const auto& r : ours.rows) EXPECT_NE(r.find(",10,"), std::string::npos) << r;
}

// Flows idle past their timeout leave while the probe runs (nfprobe_timeouts, expint).
TEST_F(NfprobeTimeouts, IdleFlowsAreExportedWhileTheProbeRuns) {
    // The capture's packets are years old: every flow is idle past 60 s at the first check.
    const std::string config = "aggregate: src_host, dst_host, src_port, dst_port, proto\nnfprobe_version: 9\n"
                               "nfprobe_timeouts: tcp=60:udp=60:icmp=60:general=60:expint=1\n";
    Collected c = probe_and_collect(dir, "ours", capture, config, "proto", {.left_running = true});
    ASSERT_EQ(c.rows.size(), 4U) << c.probe_log << c.collector_log;  // tcp, udp, icmp, ipv6-icmp
    EXPECT_EQ(totals(c.rows, false).packets, summary.ipv4.packets + summary.ipv6.packets);
}

// SIGTERM, like SIGINT, exports every flow still cached (1.7.7 loses them on SIGTERM).
TEST_F(NfprobeTimeouts, CachedFlowsAreExportedOnSigterm) {
    const std::string config = "aggregate: src_host, dst_host, src_port, dst_port, proto\nnfprobe_version: 10\n";
    Collected c =
        probe_and_collect(dir, "ours", capture, config, "proto", {.left_running = true, .probe_signal = SIGTERM});
    EXPECT_EQ(c.probe_exit, 0) << c.probe_log;
    ASSERT_EQ(c.rows.size(), 4U) << c.probe_log << c.collector_log;
    EXPECT_EQ(totals(c.rows, false).packets, summary.ipv4.packets + summary.ipv6.packets);
    EXPECT_EQ(totals(c.rows, false).bytes, summary.ipv4.bytes + summary.ipv6.bytes);
}

// nfprobe_dont_cache: every packet leaves as a flow of its own (the collector counts one flow
// per packet), as with 1.7.7.
TEST_F(NfprobeExportOptions, DontCacheExportsEveryPacketAsAFlow) {
    const std::string config = "aggregate: src_host, dst_host, src_port, dst_port, proto\nnfprobe_version: 9\n"
                               "nfprobe_dont_cache[np]: true\n";
    auto [ours, debian] = side_by_side(dir, capture, config, "proto, flows");
    EXPECT_EQ(ours.rows, debian.rows);
    std::uint64_t flows = 0;
    for (const auto& row : ours.rows) {
        const auto cells = cells_of(row);  // proto, packets, flows, bytes
        ASSERT_EQ(cells.size(), 4U) << row;
        EXPECT_EQ(cells[1], cells[2]) << row;
        flows += std::stoull(cells[2]);
    }
    EXPECT_EQ(flows, summary.ipv4.packets + summary.ipv6.packets);
}

// A collector on IPv6 (nfprobe_receiver: [::1]:port).
TEST_F(NfprobeExportOptions, IpfixToAnIpv6Receiver) {
    const std::string config = "aggregate: src_host, dst_host, src_port, dst_port, proto\nnfprobe_version: 10\n";
    Collected c = probe_and_collect(dir, "ours", capture, config, "src_host, dst_host, src_port, dst_port, proto",
                                    {.address = "::1"});
    EXPECT_EQ(c.probe_exit, 0) << c.probe_log;
    EXPECT_EQ(totals(c.rows, false).packets, summary.ipv4.packets) << c.collector_log;
    EXPECT_EQ(totals(c.rows, true).packets, summary.ipv6.packets);
}

}  // namespace
}  // namespace pmacct::testing
