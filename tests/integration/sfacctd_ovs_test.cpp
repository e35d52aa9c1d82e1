// sfacctd fed by a real sFlow agent: Open vSwitch (userspace datapath) switching between two
// hosts, all in network namespaces the test makes: "sw" runs ovsdb-server and ovs-vswitchd with
// a private database and run directory, the hosts "h1" and "h2" hang off its bridge by veth
// pairs. The bridge samples every packet (sampling=1) to our sfacctd and Debian's 1.7.7, both
// listening on loopback inside "sw". Both must account exactly the datagrams the hosts sent and
// agree row for row. Nothing leaves the namespaces.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "netns.hpp"
#include "run_program.hpp"
#include "test_support.hpp"

namespace pmacct::testing {
namespace {

constexpr const char* kOvsVswitchd = "/usr/sbin/ovs-vswitchd";
constexpr const char* kOvsdbServer = "/usr/sbin/ovsdb-server";
constexpr const char* kDebianSfacctd = "/usr/sbin/sfacctd";

// The switch and its two hosts; torn down at the end.
class OvsSwitch {
public:
    explicit OvsSwitch(const std::string& dir) : dir_(dir) {
        const std::string tag = std::to_string(::getpid());
        sw_ = "pmng-sw-" + tag;
        h1_ = "pmng-h1-" + tag;
        h2_ = "pmng-h2-" + tag;
        // The OVS tools find their sockets, pid and log files here.
        for (const char* var : {"OVS_RUNDIR", "OVS_LOGDIR", "OVS_DBDIR"}) ::setenv(var, dir_.c_str(), 1);
        ok_ = true;
        for (const auto& ns : {sw_, h1_, h2_}) {
            ok_ = ok_ && ip({"netns", "add", ns}) && ip({"-n", ns, "link", "set", "lo", "up"});
            for (const char* key : {"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"}) {
                ok_ = ok_ && run_program({kIp, "netns", "exec", ns, "/usr/sbin/sysctl", "-qw", key}).exit_code == 0;
            }
        }
        ok_ = ok_ && host(h1_, "pmv1", "pmp1", "10.99.0.1/24") && host(h2_, "pmv2", "pmp2", "10.99.0.2/24");
        const std::string db = dir_ + "/conf.db";
        ok_ = ok_ && run({"/usr/bin/ovsdb-tool", "create", db, "/usr/share/openvswitch/vswitch.ovsschema"});
        ok_ = ok_ && run({kIp, "netns", "exec", sw_, kOvsdbServer, db, "--remote=punix:" + dir_ + "/db.sock",
                          "--pidfile=" + dir_ + "/ovsdb-server.pid", "--detach", "--log-file=" + dir_ + "/ovsdb.log"});
        ok_ = ok_ && vsctl({"--no-wait", "init"});
        ok_ = ok_ && run({kIp, "netns", "exec", sw_, kOvsVswitchd, "unix:" + dir_ + "/db.sock",
                          "--pidfile=" + dir_ + "/ovs-vswitchd.pid", "--detach", "--log-file=" + dir_ + "/vswitchd.log"});
        ok_ = ok_ && vsctl({"add-br", "pmbr0", "--", "set", "bridge", "pmbr0", "datapath_type=netdev"}) &&
              vsctl({"add-port", "pmbr0", "pmp1", "--", "add-port", "pmbr0", "pmp2"});
    }
    ~OvsSwitch() {
        for (const char* pid : {"/ovs-vswitchd.pid", "/ovsdb-server.pid"}) {
            const std::string text = read_file(dir_ + pid);
            if (!text.empty()) ::kill(std::stoi(text), SIGTERM);
        }
        ::usleep(200 * 1000);
        for (const auto& ns : {sw_, h1_, h2_}) ip({"netns", "del", ns});
    }
    OvsSwitch(const OvsSwitch&) = delete;
    OvsSwitch& operator=(const OvsSwitch&) = delete;

    bool ok() const { return ok_; }
    const std::string& sw() const { return sw_; }
    const std::string& h1() const { return h1_; }
    const std::string& h2() const { return h2_; }
    // sFlow from the bridge to these collectors (loopback ports in "sw"): every packet sampled.
    bool sflow_to(const std::vector<std::uint16_t>& ports) {
        std::string targets = "[";
        for (auto p : ports) targets += std::string(targets.size() > 1 ? "," : "") + "\"127.0.0.1:" + std::to_string(p) + "\"";
        targets += "]";
        return vsctl({"--", "--id=@s", "create", "sflow", "agent=lo", "target=" + targets, "sampling=1", "polling=0",
                      "header=128", "--", "set", "bridge", "pmbr0", "sflow=@s"});
    }
    std::string log() const { return read_file(dir_ + "/vswitchd.log"); }

private:
    static bool run(const std::vector<std::string>& argv) { return run_program(argv, 20000).exit_code == 0; }
    bool vsctl(std::vector<std::string> args) {
        args.insert(args.begin(), {"/usr/bin/ovs-vsctl", "--db=unix:" + dir_ + "/db.sock", "--timeout=10"});
        return run(args);
    }
    // Host namespace `ns` with `addr` on veth `name`, whose peer `port` goes into the switch.
    bool host(const std::string& ns, const std::string& name, const std::string& port, const std::string& addr) {
        return ip({"-n", ns, "link", "add", name, "type", "veth", "peer", "name", port, "netns", sw_}) &&
               ip({"-n", ns, "addr", "add", addr, "dev", name}) && ip({"-n", ns, "link", "set", name, "up"}) &&
               ip({"-n", sw_, "link", "set", port, "up"});
    }

    std::string dir_;
    std::string sw_, h1_, h2_;
    bool ok_ = false;
};

TEST(SfacctdOvs, RealAgentSamplesAsDebian) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
    for (const char* p : {kOvsVswitchd, kOvsdbServer, kDebianSfacctd}) {
        if (::access(p, X_OK) != 0) GTEST_SKIP() << p << " is not installed";
    }
    TempDir dir;
    OvsSwitch sw(dir.path());
    ASSERT_TRUE(sw.ok()) << sw.log();
    const std::uint16_t port[2] = {20363, 20364};  // loopback of "sw": nothing else listens there
    std::vector<std::unique_ptr<Daemon>> collectors;
    for (int i = 0; i < 2; ++i) {
        const std::string who = i == 0 ? "ours" : "debian";
        const std::string conf = dir.path() + "/" + who + ".conf";
        std::ofstream(conf) << "sfacctd_ip: 127.0.0.1\nsfacctd_port: " << port[i]
                            << "\nplugins: print[p]\nprint_output[p]: csv\nprint_num_protos: true\n"
                               "print_output_file[p]: "
                            << dir.path() << "/" << who
                            << ".csv\nprint_refresh_time: 3600\n"
                               "aggregate[p]: peer_src_ip, in_iface, out_iface, src_mac, dst_mac, src_host, dst_host, "
                               "src_port, dst_port, proto, sampling_rate\n";
        collectors.push_back(std::make_unique<Daemon>(i == 0 ? std::string("sfacctd") : std::string(kDebianSfacctd),
                                                      std::vector<std::string>{"-f", conf},
                                                      dir.path() + "/" + who + ".log", sw.sw()));
    }
    ::usleep(2000 * 1000);  // both listening
    ASSERT_TRUE(sw.sflow_to({port[0], port[1]})) << sw.log();
    const std::vector<Datagrams> forth = {{4000, 5000, 100, 40}, {4001, 5001, 1000, 25}};
    const std::vector<Datagrams> back = {{6000, 7000, 300, 15}};
    ASSERT_TRUE(send_from(sw.h1(), "10.99.0.1", "10.99.0.2", forth));
    ASSERT_TRUE(send_from(sw.h2(), "10.99.0.2", "10.99.0.1", back));
    ::usleep(3000 * 1000);  // the agent sends what it sampled about once a second
    EXPECT_EQ(collectors[0]->stop(SIGINT), 0) << read_file(dir.path() + "/ours.log");
    collectors[1]->stop(SIGINT);
    const Table ours = parse_csv(read_file(dir.path() + "/ours.csv"));
    const Table theirs = parse_csv(read_file(dir.path() + "/debian.csv"));
    ASSERT_FALSE(theirs.rows.empty()) << read_file(dir.path() + "/debian.log");
    EXPECT_EQ(ours.header, theirs.header);
    EXPECT_EQ(std::multiset<std::vector<std::string>>(ours.rows.begin(), ours.rows.end()),
              std::multiset<std::vector<std::string>>(theirs.rows.begin(), theirs.rows.end()));
    // Every datagram sent, once: packets per 5-tuple; bytes are the frame lengths the agent
    // reports (Ethernet 14 + IPv4 20 + UDP 8 + payload + the 4-byte FCS); sampling rate 1.
    std::map<std::string, std::string> per_flow;
    const auto at = [&](const std::vector<std::string>& r, const char* name) {
        return r.at(static_cast<std::size_t>(ours.col(name)));
    };
    for (const auto& r : ours.rows) {
        EXPECT_EQ(at(r, "PEER_SRC_IP"), "127.0.0.1");
        EXPECT_EQ(at(r, "SAMPLING_RATE"), "1");
        per_flow[at(r, "SRC_IP") + ":" + at(r, "SRC_PORT") + ">" + at(r, "DST_IP") + ":" + at(r, "DST_PORT") + "/" +
                 at(r, "PROTOCOL")] = at(r, "PACKETS") + "," + at(r, "BYTES");
    }
    std::map<std::string, std::string> sent;
    for (const auto& [from, to, list] : {std::tuple{"10.99.0.1", "10.99.0.2", &forth}, {"10.99.0.2", "10.99.0.1", &back}}) {
        for (const Datagrams& d : *list) {
            sent[std::string(from) + ":" + std::to_string(d.src_port) + ">" + to + ":" + std::to_string(d.dst_port) + "/17"] =
                std::to_string(d.count) + "," + std::to_string(static_cast<std::size_t>(d.count) * (d.payload + 14 + 20 + 8 + 4));
        }
    }
    EXPECT_EQ(per_flow, sent) << read_file(dir.path() + "/ours.csv");
}

}  // namespace
}  // namespace pmacct::testing
