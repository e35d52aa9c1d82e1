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

#include <chrono>
#include <fstream>
#include <memory>
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
        std::vector<std::string> outs;
        std::vector<std::unique_ptr<Pmacctd>> daemons;
        for (const std::string who : {"ours", "debian"}) {
            const std::string name = dir.path() + "/dir-" + who + "-" + direction;
            outs.push_back(name + ".csv");
            std::ofstream(name + ".conf") << "pcap_interface: pmng0\npcap_filter: udp\npre_tag_map: " << map << "\n"
                                          << (direction.empty() ? "" : "pcap_direction: " + direction + "\n")
                                          << "plugins: print[p]\naggregate[p]: tag, src_host, dst_host\n"
                                          << "print_output[p]: csv\nprint_output_file[p]: " << outs.back()
                                          << "\nprint_refresh_time: 3600\n";
            daemons.push_back(std::make_unique<Pmacctd>(ns_->a(), std::vector<std::string>{"-f", name + ".conf"},
                                                        name + ".log", who == "debian" ? "/usr/sbin/pmacctd" : "pmacctd"));
        }
        ASSERT_TRUE(daemons[0]->capturing()) << daemons[0]->log();
        ASSERT_TRUE(wait_for([&] { return daemons[1]->log().find("link type is") != std::string::npos; }))
            << daemons[1]->log();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // 1.7.7 logs that before capturing
        ASSERT_TRUE(send_from(ns_->b(), "192.0.2.2", "192.0.2.1", {{40000, 5000, 100, 2}}));
        ASSERT_TRUE(send_from(ns_->a(), "192.0.2.1", "192.0.2.2", {{40001, 5001, 100, 3}}));
        // 1.7.7 hands a partly filled buffer to its plugins only after a while, not at exit.
        std::this_thread::sleep_for(std::chrono::milliseconds(2000));
        for (auto& d : daemons) EXPECT_EQ(d->stop(), 0) << d->log();
        std::vector<std::string> want;
        if (direction != "out") want.push_back((direction.empty() ? "1" : "2") + std::string(",192.0.2.2,192.0.2.1,2,256,"));
        if (direction != "in") want.push_back((direction.empty() ? "1" : "3") + std::string(",192.0.2.1,192.0.2.2,3,384,"));
        std::sort(want.begin(), want.end());
        EXPECT_EQ(rows_of(outs[0]), want) << daemons[0]->log();
        EXPECT_EQ(rows_of(outs[0]), rows_of(outs[1])) << daemons[1]->log();
    }
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
