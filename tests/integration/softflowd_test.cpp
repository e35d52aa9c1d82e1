// softflowd 1.1.0 reads a generated capture (TCP, UDP and ICMP over IPv4 and IPv6) and exports
// it as NetFlow v5, v9 or IPFIX to our nfacctd and to Debian's nfacctd 1.7.7 at once: one run
// with two destinations, so both collectors get the same datagrams and even what depends on the
// exporter's clock (v5 and sysUptime-relative times, sequence numbers) can be compared. With the
// same configuration both print the same rows.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <ostream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "run_program.hpp"
#include "test_support.hpp"
#include "traffic_pcap.hpp"

namespace pmacct::testing {
namespace {

constexpr const char* kSoftflowd = "/usr/sbin/softflowd";
constexpr const char* kDebianNfacctd = "/usr/sbin/nfacctd";

struct Scenario {
    const char* name;
    std::vector<std::string> options;  // softflowd's, besides input and destinations
    bool ipv6;                         // IPv6 flows exported (v5 has no room for them)
    bool sampled;                      // -s: softflowd counts only some packets
};

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

const Scenario kScenarios[] = {
    {"v5", {"-v", "5", "-6"}, false, false},
    // Absolute flowStart/EndMilliseconds.
    {"v9", {"-v", "9", "-6", "-A", "milli"}, true, false},
    // First/LastSwitched relative to the header's sysUptime.
    {"v9_uptime", {"-v", "9", "-6"}, true, false},
    {"ipfix", {"-v", "10", "-6", "-A", "milli"}, true, false},
    // MAC addresses in the records (-T ether), and 1-in-2 packet sampling stated in the records.
    {"ipfix_ether_sampled", {"-v", "10", "-6", "-A", "milli", "-T", "ether", "-s", "2"}, true, true},
};

// Two print plugins: the flow key with what softflowd says about the packets, and the rest of
// what it fills (times, MACs with -T ether, sampling rate, sequence number) or leaves empty
// (masks, AS numbers, interfaces, next hop), keyed by hosts and protocol.
// Over v9 and IPFIX softflowd sends ICMP flows with icmpTypeCodeIPv4/IPv6 (elements 32/139) and
// no port elements: both print DST_PORT 0 (over v5 it puts type * 256 + code in the port).
const std::pair<const char*, const char*> kAggregates[] = {
    {"tuple", "peer_src_ip, src_host, dst_host, src_port, dst_port, proto, tos, tcpflags, export_proto_version"},
    {"detail",
     "src_host, dst_host, proto, src_mask, dst_mask, src_as, dst_as, in_iface, out_iface, peer_dst_ip, "
     "sampling_rate, src_mac, dst_mac, vlan, timestamp_start, timestamp_end, export_proto_seqno, "
     "export_proto_sysid"},
};

// A NetFlow v5 header cut short: both collectors count it as discarded, after everything that
// came before it on their socket.
const std::vector<std::uint8_t> kMarker = {0, 5, 0, 0};

// One collector of the pair: ours or Debian's, on its own port.
struct Collector {
    Collector(std::string name, std::string path, bool wait_for_poll)
        : who(std::move(name)), program(std::move(path)), plugins_must_poll(wait_for_poll) {}
    std::string who;
    std::string program;
    // 1.7.7's plugins lose what the core hands them before their first poll(): records sent
    // right after "waiting for NetFlow/IPFIX data" are missing from its output.
    bool plugins_must_poll;
    std::string pidfile;
    std::uint16_t port = free_udp_port();
    std::string log;
    std::unique_ptr<Daemon> daemon;

    std::string output(const TempDir& dir, const char* aggregate) const {
        return dir.path() + "/" + who + "-" + aggregate + ".csv";
    }

    void start(const TempDir& dir) {
        const std::string conf = dir.path() + "/" + who + ".conf";
        log = dir.path() + "/" + who + ".log";
        pidfile = dir.path() + "/" + who + ".pid";
        std::ofstream out(conf);
        out << "nfacctd_ip: 127.0.0.1\nnfacctd_port: " << port << "\ntimestamps_utc: true\npidfile: " << pidfile
            << "\n"
            << "plugins: print[tuple], print[detail]\nprint_output: csv\nprint_refresh_time: 3600\n";
        for (const auto& [name, aggregate] : kAggregates) {
            out << "aggregate[" << name << "]: " << aggregate << "\nprint_output_file[" << name
                << "]: " << output(dir, name) << "\n";
        }
        out.close();
        daemon = std::make_unique<Daemon>(program, conf, log);
    }
    // The core listens and every plugin has started (1.7.7's: is waiting in poll()).
    bool ready() const {
        if (read_file(log).find("waiting for NetFlow") == std::string::npos) return false;
        for (const auto& [name, aggregate] : kAggregates) {
            const std::string pid = read_file(pidfile + "-print-" + name);
            if (pid.empty()) return false;
            if (!plugins_must_poll) continue;
            // A kernel that hides wait channels shows "0": then a second's grace instead.
            const std::string wchan = read_file("/proc/" + std::to_string(std::stoi(pid)) + "/wchan");
            if (wchan.empty() || wchan == "0") {
                std::this_thread::sleep_for(std::chrono::seconds(1));
                continue;
            }
            if (wchan.find("poll") == std::string::npos) return false;
        }
        return true;
    }
    // Asks for statistics and sends a marker behind softflowd's datagrams: a report that counts
    // a discarded datagram means everything softflowd sent has been read. (1.7.7 reports at the
    // next datagram after SIGUSR1, ours at once.)
    bool read_everything() const {
        ::kill(daemon->pid(), SIGUSR1);
        Sender(port).send(kMarker);
        static const std::regex kDiscarded("discarded_packets=[1-9]");
        return std::regex_search(read_file(log), kDiscarded);
    }
};

// The rows of a CSV output, sorted (the caches purge in their own order).
// Rows of `a` missing from `b`, one per line.
std::string missing_from(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::vector<std::string> only;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only));
    std::string text;
    for (const auto& r : only) text += "  " + r + "\n";
    return text;
}

std::uint64_t column_sum(const Table& t, const char* column) {
    const int i = t.col(column);
    std::uint64_t sum = 0;
    if (i < 0) return sum;
    for (const auto& r : t.rows) sum += std::stoull(r.at(static_cast<std::size_t>(i)));
    return sum;
}

class SoftflowdToNfacctd : public ::testing::TestWithParam<Scenario> {};

TEST_P(SoftflowdToNfacctd, SameRowsAsDebian) {
    if (::access(kSoftflowd, X_OK) != 0) GTEST_SKIP() << "softflowd is not installed";
    if (::access(kDebianNfacctd, X_OK) != 0) GTEST_SKIP() << "Debian's pmacct is not installed";
    const Scenario& s = GetParam();
    TempDir dir;
    const std::string capture = dir.path() + "/traffic.pcap";
    TrafficCapture sent;
    ASSERT_TRUE(write_traffic_pcap(capture, sent));

    Collector ours{"ours", "nfacctd", false};
    Collector theirs{"debian", kDebianNfacctd, true};
    ASSERT_NE(ours.port, theirs.port);
    ours.start(dir);
    theirs.start(dir);
    ASSERT_TRUE(wait_for([&] { return ours.ready() && theirs.ready(); }, 30000))
        << read_file(ours.log) << read_file(theirs.log);

    // -c none: no control socket (with -r, 1.1.0 otherwise waits on it forever); -d: stays in
    // the foreground and exits at the end of the capture once every flow is exported.
    std::vector<std::string> argv = {kSoftflowd, "-d", "-c", "none", "-p", dir.path() + "/softflowd.pid",
                                     "-r", capture, "-n",
                                     "127.0.0.1:" + std::to_string(ours.port) + ",127.0.0.1:" +
                                         std::to_string(theirs.port)};
    argv.insert(argv.end(), s.options.begin(), s.options.end());
    const RunResult exporter = run_program(argv, 30000);
    ASSERT_EQ(exporter.exit_code, 0) << exporter.out << exporter.err;
    ASSERT_NE((exporter.out + exporter.err).find("(0 failures)"), std::string::npos) << exporter.out << exporter.err;

    EXPECT_TRUE(wait_for([&] { return ours.read_everything(); }, 30000)) << read_file(ours.log);
    EXPECT_TRUE(wait_for([&] { return theirs.read_everything(); }, 30000)) << read_file(theirs.log);
    // Both stop together: 1.7.7 takes 2 s to hand its last records to the plugins.
    ::kill(ours.daemon->pid(), SIGINT);
    ::kill(theirs.daemon->pid(), SIGINT);
    EXPECT_EQ(ours.daemon->wait_exit(30000), 0) << read_file(ours.log);
    EXPECT_NE(theirs.daemon->wait_exit(30000), -1) << "Debian's nfacctd did not stop";

    for (const auto& [name, aggregate] : kAggregates) {
        const Table got = parse_csv(read_file(ours.output(dir, name)));
        const Table want = parse_csv(read_file(theirs.output(dir, name)));
        ASSERT_FALSE(want.rows.empty()) << s.name << "/" << name << ": Debian's nfacctd wrote nothing\n"
                                        << read_file(theirs.log);
        EXPECT_EQ(got.header, want.header) << s.name << "/" << name;
        const std::vector<std::string> ours_rows = sorted_row_lines(got);
        const std::vector<std::string> their_rows = sorted_row_lines(want);
        EXPECT_TRUE(ours_rows == their_rows) << s.name << " [" << aggregate << "]: " << got.rows.size() << " rows, "
                                         << want.rows.size() << " from 1.7.7\nonly ours:\n"
                                         << missing_from(ours_rows, their_rows) << "only 1.7.7's:\n"
                                         << missing_from(their_rows, ours_rows);
    }

    // What went in came out: every packet and byte of the capture (IPv4 only over v5).
    const Table tuple = parse_csv(read_file(ours.output(dir, "tuple")));
    std::set<std::string> protocols;
    for (const auto& r : tuple.rows) protocols.insert(r.at(static_cast<std::size_t>(tuple.col("PROTOCOL"))));
    std::set<std::string> expected = {"tcp", "udp", "icmp"};
    if (s.ipv6) expected.insert("ipv6-icmp");
    EXPECT_EQ(protocols, expected);
    if (!s.sampled) {
        const TrafficTotals all = {sent.ipv4.packets + (s.ipv6 ? sent.ipv6.packets : 0),
                                   sent.ipv4.bytes + (s.ipv6 ? sent.ipv6.bytes : 0)};
        EXPECT_EQ(column_sum(tuple, "PACKETS"), all.packets);
        EXPECT_EQ(column_sum(tuple, "BYTES"), all.bytes);
    }
}

INSTANTIATE_TEST_SUITE_P(Versions, SoftflowdToNfacctd, ::testing::ValuesIn(kScenarios),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace pmacct::testing
