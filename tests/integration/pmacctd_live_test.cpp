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
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "run_program.hpp"
#include "test_support.hpp"

namespace pmacct::testing {
namespace {

constexpr const char* kIp = "/usr/sbin/ip";

bool ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kIp};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv).exit_code == 0;
}

// Two namespaces, "a" and "b", joined by the veth pair pmng0 (a, 192.0.2.1) - pmng0 (b,
// 192.0.2.2), IPv6 off so that no neighbour discovery adds packets. Removed at the end.
class Namespaces {
public:
    Namespaces() {
        const std::string tag = std::to_string(::getpid());
        a_ = "pmng-a-" + tag;
        b_ = "pmng-b-" + tag;
        ok_ = ip({"netns", "add", a_}) && ip({"netns", "add", b_});
        for (const auto& ns : {a_, b_}) {
            for (const char* key : {"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"}) {
                ok_ = ok_ && run_program({kIp, "netns", "exec", ns, "/usr/sbin/sysctl", "-qw", key}).exit_code == 0;
            }
            ok_ = ok_ && ip({"-n", ns, "link", "set", "lo", "up"});
        }
        ok_ = ok_ && link("pmng0", "192.0.2");
    }
    ~Namespaces() {
        ip({"netns", "del", a_});
        ip({"netns", "del", b_});
    }
    Namespaces(const Namespaces&) = delete;
    Namespaces& operator=(const Namespaces&) = delete;

    bool ok() const { return ok_; }
    const std::string& a() const { return a_; }
    const std::string& b() const { return b_; }
    // A veth pair `name` between a (`net`.1/24) and b (`net`.2/24), both ends up.
    bool link(const std::string& name, const std::string& net) {
        return ip({"-n", a_, "link", "add", name, "type", "veth", "peer", "name", name, "netns", b_}) &&
               ip({"-n", a_, "addr", "add", net + ".1/24", "dev", name}) &&
               ip({"-n", b_, "addr", "add", net + ".2/24", "dev", name}) &&
               ip({"-n", a_, "link", "set", name, "up"}) && ip({"-n", b_, "link", "set", name, "up"});
    }

private:
    std::string a_, b_;
    bool ok_ = false;
};

// pmacctd with `args`, run in namespace `ns`, stdout and stderr in `log_path`.
struct Pmacctd {
    Pmacctd(const std::string& ns, std::vector<std::string> args, const std::string& log)
        : log_path(log), daemon("pmacctd", std::move(args), log, ns) {}
    std::string log() const { return read_file(log_path); }
    bool capturing() const {
        return wait_for([&] { return log().find("capturing on") != std::string::npos; });
    }
    int stop() { return daemon.stop(); }
    std::string log_path;
    Daemon daemon;
};

struct Datagrams {
    std::uint16_t src_port;
    std::uint16_t dst_port;
    std::size_t payload;
    int count;
};

// Sends `what` from namespace `ns` (source `from`) to `to`; true when every datagram was sent.
bool send_from(const std::string& ns, const char* from, const char* to, const std::vector<Datagrams>& what) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (!enter_netns(ns)) ::_exit(1);
        for (const auto& d : what) {
            const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(d.src_port);
            ::inet_pton(AF_INET, from, &a.sin_addr);
            if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ::_exit(2);
            a.sin_port = htons(d.dst_port);
            ::inet_pton(AF_INET, to, &a.sin_addr);
            const std::vector<char> payload(d.payload, 'x');
            for (int i = 0; i < d.count; ++i) {
                if (::sendto(s, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
                    ::_exit(3);
                }
                ::usleep(2000);
            }
            ::close(s);
        }
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::vector<std::string> rows_of(const std::string& path) {
    std::vector<std::string> rows;
    for (const auto& r : parse_csv(read_file(path)).rows) {
        std::string line;
        for (const auto& cell : r) line += cell + ",";
        rows.push_back(line);
    }
    std::sort(rows.begin(), rows.end());
    return rows;
}

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
