// pmacctd capturing live: two network namespaces made by the test (`ip netns add`) joined by a
// veth pair, pmacctd capturing on one end, known UDP traffic sent from the other; what pmacctd
// accounts must be exactly that traffic (IP lengths, fragments with their ports). Also the
// filter words after the options, promisc / -N, snaplen, SIGUSR1 statistics and
// pcap_interface_wait. Nothing leaves the namespaces.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "pmacct/pcap/capture_set.hpp"
#include "netns.hpp"
#include "run_program.hpp"
#include "test_support.hpp"
#include "traffic_pcap.hpp"

namespace pmacct::testing {
namespace {

// pmacctd with `args`, run in namespace `ns`, stdout and stderr in `log_path`.
struct Pmacctd {
    Pmacctd(const std::string& ns, std::vector<std::string> args, const std::string& log,
            const std::string& program = "pmacctd")
        : log_path(log), daemon(program, std::move(args), log, ns) {}
    std::string log() const { return read_file(log_path); }
    bool capturing() const {
        return wait_for([&] { return log().find("capturing on") != std::string::npos; });
    }
    int stop() { return daemon.stop(); }
    std::string log_path;
    Daemon daemon;
};

class PmacctdLive : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, capture)";
        ns_ = std::make_unique<Namespaces>();
        if (!ns_->ok()) GTEST_SKIP() << "cannot make network namespaces here";
    }
    // Ours and Debian's pmacctd capturing at once in namespace a with configuration `conf` (a
    // print plugin added) while `traffic()` runs: the rows of each (`run` names their files).
    std::array<std::vector<std::string>, 2> side_by_side(const std::string& run, const std::string& conf,
                                                         const std::function<void()>& traffic) {
        std::vector<std::string> outs;
        std::vector<std::unique_ptr<Pmacctd>> daemons;
        for (const std::string who : {"ours", "debian"}) {
            const std::string name = dir.path() + "/" + run + "-" + who;
            outs.push_back(name + ".csv");
            std::ofstream(name + ".conf") << conf << "plugins: print[p]\nprint_output[p]: csv\nprint_output_file[p]: "
                                          << outs.back() << "\nprint_refresh_time: 3600\n";
            daemons.push_back(std::make_unique<Pmacctd>(ns_->a(), std::vector<std::string>{"-f", name + ".conf"},
                                                        name + ".log", who == "debian" ? "/usr/sbin/pmacctd" : "pmacctd"));
        }
        EXPECT_TRUE(daemons[0]->capturing()) << daemons[0]->log();
        EXPECT_TRUE(wait_for([&] { return daemons[1]->log().find("link type is") != std::string::npos; }))
            << daemons[1]->log();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // 1.7.7 logs that before capturing
        traffic();
        // 1.7.7 hands a partly filled buffer to its plugins only after a while, not at exit.
        std::this_thread::sleep_for(std::chrono::milliseconds(2000));
        for (auto& d : daemons) EXPECT_EQ(d->stop(), 0) << d->log();
        return {rows_of(outs[0]), rows_of(outs[1])};
    }
    TempDir dir;
    std::unique_ptr<Namespaces> ns_;
};

// Every datagram once, its IP length counted even past the 128-byte snap length; the three
// fragments of a 3000-byte datagram all with its ports; promiscuous mode on by default.
TEST_F(PmacctdLive, AccountsExactlyWhatWasSent) {
    const std::string out = dir.path() + "/live.csv";
    const std::string conf = dir.path() + "/live.conf";
    std::ofstream(conf) << "pcap_interface: pmng0\npcap_filter: udp and host 192.0.2.2\nsnaplen: 128\n"
                        << "plugins: print[p]\naggregate[p]: src_host, dst_host, src_port, dst_port, proto\n"
                        << "print_output[p]: csv\nprint_output_file[p]: " << out << "\nprint_refresh_time: 3600\n";
    Pmacctd d(ns_->a(), {"-f", conf}, dir.path() + "/live.log");
    ASSERT_TRUE(d.capturing()) << d.log();
    const auto link = run_program({kIp, "-n", ns_->a(), "-d", "link", "show", "pmng0"}).out;
    EXPECT_NE(link.find("promiscuity 1"), std::string::npos) << link;
    ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1",
                          {{40000, 5000, 100, 5}, {40001, 5001, 1000, 3}, {40002, 5002, 3000, 1}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(d.stop(), 0) << d.log();
    EXPECT_EQ(rows_of(out), (std::vector<std::string>{
                                "192.0.2.2,192.0.2.1,40000,5000,udp,5,640,",
                                "192.0.2.2,192.0.2.1,40001,5001,udp,3,3084,",
                                // 1500 + 1500 + 68: three fragments, ports on every one
                                "192.0.2.2,192.0.2.1,40002,5002,udp,3,3068,",
                            }));
}

// The filter from the words after the options; -N leaves promiscuous mode off; SIGUSR1 logs
// the capture's counters as 1.7.7 does.
TEST_F(PmacctdLive, CommandLineFilterNoPromiscAndStats) {
    const std::string out = dir.path() + "/cl.csv";
    Pmacctd d(ns_->a(),
              {"-i", "pmng0", "-N", "-P", "print", "-c", "dst_port", "-O", "csv", "-o", out, "-r", "3600", "udp",
               "and", "dst", "port", "5001"},
              dir.path() + "/cl.log");
    ASSERT_TRUE(d.capturing()) << d.log();
    const auto link = run_program({kIp, "-n", ns_->a(), "-d", "link", "show", "pmng0"}).out;
    EXPECT_NE(link.find("promiscuity 0"), std::string::npos) << link;
    ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1", {{40000, 5000, 10, 4}, {40001, 5001, 20, 6}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ::kill(d.daemon.pid(), SIGUSR1);
    EXPECT_TRUE(wait_for([&] { return d.log().find("stats [pmng0, 0] time=") != std::string::npos; }, 5000))
        << d.log();
    EXPECT_EQ(d.stop(), 0) << d.log();
    EXPECT_EQ(rows_of(out), (std::vector<std::string>{"5001,6,288,"}));
}

// pcap_direction captures only what the interface receives (in) or sends (out), and is what
// pre_tag_map's `direction` matches (1, 2; 0 unset): side by side with Debian's pmacctd
// capturing on the same interface at the same time.
TEST_F(PmacctdLive, DirectionAsDebian) {
    const std::string map = dir.path() + "/pretag.map";
    std::ofstream(map) << "set_tag=1 direction=0\nset_tag=2 direction=1\nset_tag=3 direction=2\n";
    for (const std::string direction : {"", "in", "out"}) {
        SCOPED_TRACE(direction);
        const auto rows = side_by_side(
            "dir" + direction,
            "pcap_interface: pmng0\npcap_filter: udp\naggregate[p]: tag, src_host, dst_host\npre_tag_map: " + map +
                "\n" + (direction.empty() ? "" : "pcap_direction: " + direction + "\n"),
            [&] {
                ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1", {{40000, 5000, 100, 2}}));
                ASSERT_TRUE(send_from(ns_->a(), "192.0.2.1", "192.0.2.2", {{40001, 5001, 100, 3}}));
            });
        std::vector<std::string> want;
        if (direction != "out") want.push_back((direction.empty() ? "1" : "2") + std::string(",192.0.2.2,192.0.2.1,2,256,"));
        if (direction != "in") want.push_back((direction.empty() ? "1" : "3") + std::string(",192.0.2.1,192.0.2.2,3,384,"));
        std::sort(want.begin(), want.end());
        EXPECT_EQ(rows[0], want);
        EXPECT_EQ(rows[0], rows[1]);
    }
}

// A generated capture (TCP, UDP, ICMP over IPv4 and IPv6) replayed by tcpreplay out of b's end
// of the veth: both pmacctds see every packet and give the same rows.
TEST_F(PmacctdLive, TcpreplayOfAGeneratedCaptureAsDebian) {
    if (::access("/usr/bin/tcpreplay", X_OK) != 0) GTEST_SKIP() << "tcpreplay is not installed";
    const std::string capture = dir.path() + "/traffic.pcap";
    TrafficCapture summary;
    ASSERT_TRUE(write_traffic_pcap(capture, summary));
    const auto rows = side_by_side(
        "replay",
        "pcap_interface: pmng0\naggregate[p]: src_mac, dst_mac, vlan, etype, src_host, dst_host, src_port, dst_port, "
        "proto, tos, tcpflags\n",
        [&] {
            const auto r = run_program({kIp, "netns", "exec", ns_->b(), "/usr/bin/tcpreplay", "-q", "--pps=2000",
                                        "--intf1=pmng0", capture},
                                       60000);
            ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        });
    EXPECT_EQ(rows[0], rows[1]);
    std::uint64_t packets = 0;
    for (const auto& row : rows[0]) {
        // PACKETS and BYTES are the last two cells.
        const auto end = row.rfind(',', row.size() - 2);
        const auto start = row.rfind(',', end - 1);
        packets += std::stoull(row.substr(start + 1, end - start - 1));
    }
    EXPECT_EQ(packets, summary.ipv4.packets + summary.ipv6.packets);
}

// curl fetching pages over the veth from a web server in b: real TCP connections (handshakes,
// data, teardown) accounted by both pmacctds alike.
TEST_F(PmacctdLive, CurlOverVethAsDebian) {
    if (::access("/usr/bin/curl", X_OK) != 0) GTEST_SKIP() << "curl is not installed";
    std::ofstream(dir.path() + "/index.html") << std::string(20000, 'x');
    Daemon server("/usr/bin/python3",
                  {"-m", "http.server", "8080", "--bind", "192.0.2.2", "--directory", dir.path()},
                  dir.path() + "/http.log", ns_->b());
    const auto rows = side_by_side(
        "curl", "pcap_interface: pmng0\npcap_filter: tcp\naggregate[p]: src_host, dst_host, src_port, dst_port, proto, tcpflags\n",
        [&] {
            for (int i = 0; i < 3; ++i) {
                const auto r = run_program({kIp, "netns", "exec", ns_->a(), "/usr/bin/curl", "-s", "-o", "/dev/null",
                                            "--retry", "5", "--retry-connrefused", "--retry-delay", "1",
                                            "http://192.0.2.2:8080/index.html"},
                                           30000);
                ASSERT_EQ(r.exit_code, 0) << r.err << read_file(dir.path() + "/http.log");
            }
        });
    // Three connections, each both ways.
    ASSERT_EQ(rows[0].size(), 6U) << ::testing::PrintToString(rows[0]);
    EXPECT_EQ(rows[0], rows[1]);
    std::uint64_t from_server = 0;
    for (const auto& row : rows[0]) {
        if (!row.starts_with("192.0.2.2,192.0.2.1,8080,")) continue;
        const auto end = row.rfind(',', row.size() - 2);
        from_server += std::stoull(row.substr(end + 1));
    }
    EXPECT_GT(from_server, 3U * 20000U);  // the pages and their headers
}

// pcap_interfaces_map: both interfaces captured at once, each with its map ifindex
// (pcap_ifindex: map) in in_iface or out_iface by its direction (none: neither), and captured
// only one way when the map says so; the same rows as Debian's pmacctd.
TEST_F(PmacctdLive, InterfacesMapAsDebian) {
    ASSERT_TRUE(ns_->link("pmng1", "10.200.0"));
    const std::string map = dir.path() + "/interfaces.map";
    std::ofstream(map) << "! as in the QUICKSTART\nifindex=100 ifname=pmng0\nifindex=200 ifname=pmng1 direction=in\n";
    const auto rows = side_by_side("map",
                                   "pcap_interfaces_map: " + map +
                                       "\npcap_ifindex: map\npcap_filter: udp\naggregate[p]: in_iface, out_iface, "
                                       "src_host, dst_host\n",
                                   [&] {
                                       ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1", {{40000, 5000, 100, 5}}));
                                       ASSERT_TRUE(send_from(ns_->b(), "10.200.0.2", "10.200.0.1", {{40000, 5000, 100, 4}}));
                                       ASSERT_TRUE(send_from(ns_->a(), "192.0.2.1", "192.0.2.2", {{40001, 5001, 50, 3}}));
                                       ASSERT_TRUE(send_from(ns_->a(), "10.200.0.1", "10.200.0.2", {{40001, 5001, 50, 2}}));
                                   });
    EXPECT_EQ(rows[0], (std::vector<std::string>{"0,0,192.0.2.1,192.0.2.2,3,234,", "0,0,192.0.2.2,192.0.2.1,5,640,",
                                                 "200,0,10.200.0.2,10.200.0.1,4,512,"}));
    EXPECT_EQ(rows[0], rows[1]);
}

// pcap_ifindex sys and hash: the interface's system index, or the hash of its name, in
// out_iface (pcap_direction: out), as Debian's pmacctd gives them.
TEST_F(PmacctdLive, IfindexSysAndHashAsDebian) {
    const std::string sys = run_program({kIp, "-n", ns_->a(), "-o", "link", "show", "pmng0"}).out;
    const std::string index = sys.substr(0, sys.find(':'));
    for (const std::string policy : {"sys", "hash"}) {
        SCOPED_TRACE(policy);
        const auto rows = side_by_side("ifindex-" + policy,
                                       "pcap_interface: pmng0\npcap_filter: udp\npcap_direction: out\npcap_ifindex: " +
                                           policy + "\naggregate[p]: in_iface, out_iface, dst_host\n",
                                       [&] {
                                           ASSERT_TRUE(send_from(ns_->a(), "192.0.2.1", "192.0.2.2", {{40001, 5001, 50, 3}}));
                                       });
        // The hash as tests/unit/pcap/capture_set_test.cpp checks it against 1.7.7's.
        const std::string want = policy == "sys" ? index : std::to_string(pcap::jhash("pmng0", 0));
        EXPECT_EQ(rows[0], (std::vector<std::string>{"0," + want + ",192.0.2.2,3,234,"}));
        EXPECT_EQ(rows[0], rows[1]);
    }
}

// SIGUSR2 reads pcap_interfaces_map again: an interface added is captured from then on, one
// left out is no longer, one whose ifindex changed keeps capturing with the new one.
TEST_F(PmacctdLive, InterfacesMapReloadedOnSigusr2) {
    ASSERT_TRUE(ns_->link("pmng1", "10.200.0"));
    const std::string map = dir.path() + "/interfaces.map";
    const std::string out = dir.path() + "/reload.csv";
    const std::string conf = dir.path() + "/reload.conf";
    std::ofstream(map) << "ifindex=100 ifname=pmng0 direction=in\n";
    std::ofstream(conf) << "pcap_interfaces_map: " << map << "\npcap_ifindex: map\npcap_filter: udp\n"
                        << "plugins: print[p]\naggregate[p]: in_iface, src_host, dst_host\n"
                        << "print_output[p]: csv\nprint_output_file[p]: " << out << "\nprint_refresh_time: 3600\n";
    Pmacctd d(ns_->a(), {"-f", conf}, dir.path() + "/reload.log");
    ASSERT_TRUE(d.capturing()) << d.log();
    ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1", {{40000, 5000, 100, 2}}));
    ASSERT_TRUE(send_from(ns_->b(), "10.200.0.2", "10.200.0.1", {{40000, 5000, 100, 3}}));  // not captured
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::ofstream(map) << "ifindex=101 ifname=pmng0 direction=in\nifindex=7 ifname=pmng1 direction=in\n";
    ::kill(d.daemon.pid(), SIGUSR2);
    ASSERT_TRUE(wait_for([&] { return d.log().find("[pmng1,7] link type is") != std::string::npos; })) << d.log();
    ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1", {{40000, 5000, 100, 4}}));
    ASSERT_TRUE(send_from(ns_->b(), "10.200.0.2", "10.200.0.1", {{40000, 5000, 100, 5}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::ofstream(map) << "ifindex=7 ifname=pmng1 direction=in\n";
    ::kill(d.daemon.pid(), SIGUSR2);
    ASSERT_TRUE(wait_for([&] {
        const std::string l = d.log();
        std::size_t n = 0;
        for (auto at = l.find("map successfully (re)loaded"); at != std::string::npos;
             at = l.find("map successfully (re)loaded", at + 1)) {
            ++n;
        }
        return n >= 3;
    })) << d.log();
    ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1", {{40000, 5000, 100, 6}}));  // not captured
    ASSERT_TRUE(send_from(ns_->b(), "10.200.0.2", "10.200.0.1", {{40000, 5000, 100, 1}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(d.stop(), 0) << d.log();
    EXPECT_EQ(rows_of(out), (std::vector<std::string>{"100,192.0.2.2,192.0.2.1,2,256,", "101,192.0.2.2,192.0.2.1,4,512,",
                                                      "7,10.200.0.2,10.200.0.1,6,768,"}))
        << d.log();
}

// pcap_interface and pcap_interfaces_map name what to capture twice: pmacctd refuses to start
// and says so; a map that cannot be read stops it too.
TEST(PmacctdInterfaces, BothOrAnUnreadableMapAreErrors) {
    TempDir dir;
    const std::string map = dir.path() + "/interfaces.map";
    std::ofstream(map) << "ifindex=1 ifname=lo\n";
    const std::string conf = dir.path() + "/both.conf";
    std::ofstream(conf) << "pcap_interface: lo\npcap_interfaces_map: " << map << "\nplugins: print\n";
    auto r = run_program({program_path("pmacctd"), "-f", conf});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("pcap_interface and pcap_interfaces_map are mutually exclusive"), std::string::npos) << r.err;
    std::ofstream(conf) << "pcap_interfaces_map: " << dir.path() << "/none.map\nplugins: print\n";
    r = run_program({program_path("pmacctd"), "-f", conf});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("none.map"), std::string::npos) << r.err;
}

// pcap_interface_wait: pmacctd waits for an interface that does not exist yet, then captures on
// it; without it, it refuses to start and says why.
TEST_F(PmacctdLive, WaitsForTheInterface) {
    const std::string out = dir.path() + "/wait.csv";
    const std::string conf = dir.path() + "/wait.conf";
    std::ofstream(conf) << "pcap_interface: pmng1\npcap_filter: udp\nplugins: print[p]\naggregate[p]: dst_host\n"
                        << "print_output[p]: csv\nprint_output_file[p]: " << out << "\nprint_refresh_time: 3600\n";
    {
        Pmacctd refused(ns_->a(), {"-f", conf}, dir.path() + "/refused.log");
        EXPECT_EQ(refused.daemon.wait_exit(), 1);
        EXPECT_NE(refused.log().find("pmng1"), std::string::npos) << refused.log();
    }
    std::ofstream(conf, std::ios::app) << "pcap_interface_wait: true\n";
    Pmacctd d(ns_->a(), {"-f", conf}, dir.path() + "/wait.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(d.daemon.wait_exit(10), -1) << "pmacctd gave up waiting\n" << d.log();
    ASSERT_TRUE(ns_->link("pmng1", "10.200.0"));
    ASSERT_TRUE(d.capturing()) << d.log();
    ASSERT_TRUE(send_from(ns_->b(), "10.200.0.2", "10.200.0.1", {{40000, 5000, 100, 2}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(d.stop(), 0) << d.log();
    EXPECT_EQ(rows_of(out), (std::vector<std::string>{"10.200.0.1,2,256,"}));
}

}  // namespace
}  // namespace pmacct::testing
