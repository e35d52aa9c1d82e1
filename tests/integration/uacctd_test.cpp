// uacctd on NFLOG: two network namespaces made by the test joined by a veth pair; in namespace
// "a" nftables rules log every UDP packet going in and out to two NFLOG groups, one read by our
// uacctd and one by Debian's uacctd 1.7.7 running at the same time. Both must account exactly
// the datagrams sent (IP lengths, interfaces from NFLOG, the MAC header NFLOG gives on input and
// the zeroed one uacctd makes up on output), and agree row for row. Nothing leaves the
// namespaces.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "netns.hpp"
#include "run_program.hpp"
#include "test_support.hpp"

namespace pmacct::testing {
namespace {

constexpr const char* kNft = "/usr/sbin/nft";
constexpr const char* kDebianUacctd = "/usr/sbin/uacctd";
constexpr int kOurGroup = 5;
constexpr int kDebianGroup = 6;

// An interface of namespace `ns`: its index and MAC address, as `ip -o link` shows them.
struct Interface {
    std::string index;
    std::string mac;
};

Interface interface_of(const std::string& ns, const std::string& name) {
    const std::string out = run_program({kIp, "-n", ns, "-o", "link", "show", name}).out;
    std::smatch m;
    Interface i;
    if (std::regex_search(out, m, std::regex("^([0-9]+): "))) i.index = m[1];
    if (std::regex_search(out, m, std::regex("link/ether ([0-9a-f:]+)"))) i.mac = m[1];
    return i;
}

// A uacctd (ours or Debian's) on `group` in namespace `ns`, printing CSV to `out`.
struct Uacctd {
    Uacctd(const std::string& program, const std::string& ns, const std::string& dir, const std::string& name,
           int group, const std::string& extra)
        : out(dir + "/" + name + ".csv"), log_path(dir + "/" + name + ".log") {
        const std::string conf = dir + "/" + name + ".conf";
        std::ofstream(conf) << "uacctd_group: " << group << "\nplugins: print[p]\nprint_refresh_time: 3600\n"
                            << "print_output[p]: csv\nprint_output_file[p]: " << out << "\n"
                            << extra;
        daemon = std::make_unique<Daemon>(program, std::vector<std::string>{"-f", conf}, log_path, ns);
    }
    std::string log() const { return read_file(log_path); }
    bool ready(const std::string& says) const {
        return wait_for([&] { return log().find(says) != std::string::npos; });
    }
    std::string out;
    std::string log_path;
    std::unique_ptr<Daemon> daemon;
};

class UacctdNflog : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, nftables)";
        if (::access(kNft, X_OK) != 0) GTEST_SKIP() << "nft is not installed (nftables)";
        ns_ = std::make_unique<Namespaces>(true);
        if (!ns_->ok()) GTEST_SKIP() << "cannot make network namespaces here";
        // Every UDP packet in and out of namespace a, to both groups.
        const std::string rules = dir.path() + "/rules.nft";
        std::ofstream(rules) << "table inet pmng {\n"
                             << " chain in { type filter hook input priority 0;\n"
                             << "  meta l4proto udp log group " << kOurGroup << "\n"
                             << "  meta l4proto udp log group " << kDebianGroup << "\n }\n"
                             << " chain out { type filter hook output priority 0;\n"
                             << "  meta l4proto udp log group " << kOurGroup << "\n"
                             << "  meta l4proto udp log group " << kDebianGroup << "\n }\n}\n";
        const auto r = run_program({kIp, "netns", "exec", ns_->a(), kNft, "-f", rules});
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
    // Ours and Debian's on the same traffic, with `extra` configuration each; `run` names their
    // files.
    void start_both(const std::string& extra, const std::string& run = "") {
        ours_ = std::make_unique<Uacctd>("uacctd", ns_->a(), dir.path(), "ours" + run, kOurGroup, extra);
        debian_ = std::make_unique<Uacctd>(kDebianUacctd, ns_->a(), dir.path(), "debian" + run, kDebianGroup, extra);
        ASSERT_TRUE(ours_->ready("reading NFLOG group")) << ours_->log();
        ASSERT_TRUE(debian_->ready("Successfully connected Netlink NFLOG socket")) << debian_->log();
    }
    void stop_both() {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        EXPECT_EQ(ours_->daemon->stop(), 0) << ours_->log();
        EXPECT_EQ(debian_->daemon->stop(), 0) << debian_->log();
    }
    TempDir dir;
    std::unique_ptr<Namespaces> ns_;
    std::unique_ptr<Uacctd> ours_;
    std::unique_ptr<Uacctd> debian_;
};

// In through the veth (the sender's MAC header, the veth's index as in_iface), out through it
// (no MAC header: a zeroed one with the IPv4 EtherType, the veth as out_iface), IPv6 over
// loopback both ways; a fragmented datagram reaches the input hook reassembled.
TEST_F(UacctdNflog, AccountsExactlyWhatWasSentAsDebian) {
    start_both("aggregate[p]: src_mac, dst_mac, etype, src_host, dst_host, src_port, dst_port, proto, in_iface, "
               "out_iface\n");
    ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1", {{40000, 5000, 100, 5}, {40003, 5003, 3000, 1}}));
    ASSERT_TRUE(send_from(ns_->a(), "192.0.2.1", "192.0.2.2", {{40001, 5001, 1000, 3}}));
    ASSERT_TRUE(send_from(ns_->a(), "::1", "::1", {{40002, 5002, 200, 4}}));
    stop_both();

    const Interface a = interface_of(ns_->a(), "pmng0");
    const Interface b = interface_of(ns_->b(), "pmng0");
    const Interface lo = interface_of(ns_->a(), "lo");
    ASSERT_FALSE(a.index.empty() || a.mac.empty() || b.mac.empty() || lo.index.empty());
    const Table t = parse_csv(read_file(ours_->out));
    ASSERT_EQ(t.header, (std::vector<std::string>{"SRC_MAC", "DST_MAC", "ETYPE", "IN_IFACE", "OUT_IFACE", "SRC_IP",
                                                  "DST_IP", "SRC_PORT", "DST_PORT", "PROTOCOL", "PACKETS", "BYTES"}))
        << read_file(ours_->out);
    const std::string zero = "00:00:00:00:00:00";
    const std::string in = b.mac + "," + a.mac + ",800," + a.index + ",0,";
    std::vector<std::string> want = {
        // received on the veth: the sender's MAC header
        in + "192.0.2.2,192.0.2.1,40000,5000,udp,5,640,",
        // the input hook comes after reassembly: one packet of 3000 + 28 bytes
        in + "192.0.2.2,192.0.2.1,40003,5003,udp,1,3028,",
        // sent on the veth: no MAC header from NFLOG
        zero + "," + zero + ",800,0," + a.index + ",192.0.2.1,192.0.2.2,40001,5001,udp,3,3084,",
        // loopback, out then in: 40 + 8 + 200 bytes each
        zero + "," + zero + ",86dd,0," + lo.index + ",::1,::1,40002,5002,udp,4,992,",
        zero + "," + zero + ",86dd," + lo.index + ",0,::1,::1,40002,5002,udp,4,992,",
    };
    std::sort(want.begin(), want.end());
    EXPECT_EQ(rows_of(ours_->out), want) << ours_->log();
    EXPECT_EQ(rows_of(ours_->out), rows_of(debian_->out));
}

// uacctd_direction is what pre_tag_map's `direction` matches (1 in, 2 out, 0 when unset), for
// every packet whatever way it went, as 1.7.7 does.
TEST_F(UacctdNflog, DirectionInPreTagMapAsDebian) {
    const std::string map = dir.path() + "/pretag.map";
    std::ofstream(map) << "set_tag=1 direction=0\nset_tag=2 direction=1\nset_tag=3 direction=2\n";
    for (const char* direction : {"", "in", "out"}) {
        SCOPED_TRACE(direction);
        std::string extra = "aggregate[p]: tag, src_host, dst_host, in_iface, out_iface\npre_tag_map: " + map + "\n";
        if (*direction != '\0') extra += std::string("uacctd_direction: ") + direction + "\n";
        start_both(extra, direction);
        ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1", {{40000, 5000, 100, 2}}));
        ASSERT_TRUE(send_from(ns_->a(), "192.0.2.1", "192.0.2.2", {{40001, 5001, 100, 3}}));
        stop_both();
        const std::string tag = *direction == '\0' ? "1" : std::string(direction) == "in" ? "2" : "3";
        const Interface a = interface_of(ns_->a(), "pmng0");
        std::vector<std::string> want = {
            tag + ",0," + a.index + ",192.0.2.1,192.0.2.2,3,384,",
            tag + "," + a.index + ",0,192.0.2.2,192.0.2.1,2,256,",
        };
        std::sort(want.begin(), want.end());
        EXPECT_EQ(rows_of(ours_->out), want) << ours_->log();
        EXPECT_EQ(rows_of(ours_->out), rows_of(debian_->out));
    }
}

// pre_tag_map's `filter` matches on the packet as on pmacctd. (1.7.7's uacctd takes the key but
// never matches it: a difference written down in docs/CONFIGURATION.md.)
TEST_F(UacctdNflog, FilterInPreTagMap) {
    const std::string map = dir.path() + "/pretag.map";
    std::ofstream(map) << "set_tag=7 filter='udp and dst port 5001'\nset_tag=8 filter='ip6'\nset_tag=9\n";
    Uacctd ours("uacctd", ns_->a(), dir.path(), "filter", kOurGroup,
                "aggregate[p]: tag, dst_port\npre_tag_map: " + map + "\n");
    ASSERT_TRUE(ours.ready("reading NFLOG group")) << ours.log();
    ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1", {{40000, 5000, 100, 2}, {40000, 5001, 100, 1}}));
    ASSERT_TRUE(send_from(ns_->a(), "::1", "::1", {{40002, 5002, 10, 1}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(ours.daemon->stop(), 0) << ours.log();
    // The IPv6 datagram twice: out and in on loopback.
    EXPECT_EQ(rows_of(ours.out), (std::vector<std::string>{"7,5001,1,128,", "8,5002,2,116,", "9,5000,2,256,"}))
        << ours.log();
}

// With uacctd_threshold the kernel keeps packets until it has that many; on SIGINT uacctd
// still gets the ones waiting and accounts them. SIGUSR1 reports what the group handed over.
TEST_F(UacctdNflog, ThresholdAndStopLoseNothing) {
    Uacctd ours("uacctd", ns_->a(), dir.path(), "threshold", kOurGroup,
                "aggregate[p]: dst_port\nuacctd_threshold: 1000\nuacctd_nl_size: 1048576\n");
    ASSERT_TRUE(ours.ready("reading NFLOG group")) << ours.log();
    ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1", {{40000, 5000, 10, 7}}));
    ::kill(ours.daemon->pid(), SIGUSR1);
    EXPECT_TRUE(wait_for([&] { return ours.log().find("stats [nflog:5] time=") != std::string::npos; })) << ours.log();
    EXPECT_EQ(ours.daemon->stop(), 0) << ours.log();
    EXPECT_EQ(rows_of(ours.out), (std::vector<std::string>{"5000,7,266,"})) << ours.log();
}

// Steady traffic (about 20,000 packets a second for a second, logged on the way out and on the
// way in): every packet accounted, none lost while uacctd lets packets gather between reads.
TEST_F(UacctdNflog, SteadyTrafficEveryPacket) {
    Uacctd ours("uacctd", ns_->a(), dir.path(), "steady", kOurGroup, "aggregate[p]: src_port, dst_port\n");
    ASSERT_TRUE(ours.ready("reading NFLOG group")) << ours.log();
    ASSERT_TRUE(send_from(ns_->a(), "127.0.0.1", "127.0.0.1", {{40000, 9995, 64, 20000, 40}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ::kill(ours.daemon->pid(), SIGUSR1);
    EXPECT_TRUE(wait_for([&] { return ours.log().find("received_packets=40000 ") != std::string::npos; }))
        << ours.log();
    EXPECT_EQ(ours.daemon->stop(), 0) << ours.log();
    EXPECT_NE(ours.log().find("overruns=0"), std::string::npos) << ours.log();
    // 20 + 8 + 64 bytes each, twice.
    EXPECT_EQ(rows_of(ours.out), (std::vector<std::string>{"40000,9995,40000,3680000,"})) << ours.log();
}

// A group another listener holds: uacctd says so and exits 1 instead of accounting nothing.
TEST_F(UacctdNflog, AGroupTakenIsAnError) {
    Uacctd first("uacctd", ns_->a(), dir.path(), "first", kOurGroup, "aggregate[p]: dst_port\n");
    ASSERT_TRUE(first.ready("reading NFLOG group")) << first.log();
    Uacctd second("uacctd", ns_->a(), dir.path(), "second", kOurGroup, "aggregate[p]: dst_port\n");
    EXPECT_EQ(second.daemon->wait_exit(), 1) << second.log();
    EXPECT_NE(second.log().find("NFLOG group 5"), std::string::npos) << second.log();
    EXPECT_EQ(first.daemon->stop(), 0) << first.log();
}

}  // namespace
}  // namespace pmacct::testing
