// The tee plugin end to end: NetFlow v5, v9 and IPFIX datagrams from two loopback exporters into
// our nfacctd and Debian's nfacctd 1.7.7 with the same tee configuration; what every receiver
// socket gets must be the same, byte for byte (QUICKSTART XV: whole datagrams, pools chosen by
// tags, balancing; XVa: flows dissected one per datagram by a map that looks into flows, with
// templates and options data to every pool; transparent replication keeps the exporter's
// address and port). The same for sFlow through our sfacctd and Debian's sfacctd 1.7.7
// (TeeSflow: whole datagrams by agent, v5 flow samples one per datagram), and bad sFlow input.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "daemon.hpp"
#include "sflow_builder.hpp"
#include "test_support.hpp"

namespace pmacct::testing {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put(Bytes& b, std::int64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * i)));
}

// 10.0.<e>.<i>: flow i of exporter e.
std::uint32_t flow_src(int e, int i) { return 0x0A000000U | static_cast<std::uint32_t>(e << 8 | i); }

// v5: three flows, input interfaces 3, 4 and 5.
Bytes v5(int e) {
    Bytes b;
    put(b, 5, 2), put(b, 3, 2), put(b, 100000, 4), put(b, 1700000000, 4), put(b, 0, 4), put(b, 77 + e, 4);
    put(b, 1, 1), put(b, static_cast<std::int64_t>(e), 1), put(b, 0, 2);
    for (int i = 0; i < 3; ++i) {
        put(b, flow_src(e, i), 4), put(b, 0x0A010001, 4), put(b, 0, 4);
        put(b, static_cast<std::int64_t>(3 + i), 2), put(b, 9, 2);  // input, output
        put(b, 10 + i, 4), put(b, 1000 + i, 4), put(b, 90000, 4), put(b, 99000, 4);
        put(b, 1000 + i, 2), put(b, 80, 2), put(b, 0, 1), put(b, 0x10, 1), put(b, 6, 1), put(b, 0, 1);
        put(b, 0, 2), put(b, 0, 2), put(b, 24, 1), put(b, 24, 1), put(b, 0, 2);
    }
    return b;
}

// v9 (version 9) or IPFIX (10): a template set (256: src, dst, bytes, packets, input, output),
// an options template and its data (a sampler), then a data set of three flows, inputs 3..5.
Bytes templated(int version, int e) {
    const bool ipfix = version == 10;
    Bytes t;  // data template set
    put(t, ipfix ? 2 : 0, 2), put(t, 4 + 4 + 6 * 4, 2), put(t, 256, 2), put(t, 6, 2);
    for (int f : {8, 12, 1, 2, 10, 14}) put(t, static_cast<std::int64_t>(f), 2), put(t, 4, 2);
    Bytes o;  // options template: scope 1 field, then sampler id (48, 1) and interval (34, 4)
    if (ipfix) {
        put(o, 3, 2), put(o, 4 + 6 + 3 * 4, 2), put(o, 257, 2), put(o, 3, 2), put(o, 1, 2);
        put(o, 346, 2), put(o, 4, 2), put(o, 48, 2), put(o, 1, 2), put(o, 34, 2), put(o, 4, 2);
    } else {
        put(o, 1, 2), put(o, 4 + 6 + 3 * 4, 2), put(o, 257, 2), put(o, 4, 2), put(o, 8, 2);
        put(o, 1, 2), put(o, 4, 2), put(o, 48, 2), put(o, 1, 2), put(o, 34, 2), put(o, 4, 2);
    }
    Bytes od;  // options data: one sampler, padded to 4 bytes
    put(od, 257, 2), put(od, 4 + 9 + 3, 2), put(od, 7, 4), put(od, 1, 1), put(od, 100, 4), put(od, 0, 3);
    Bytes d;
    put(d, 256, 2), put(d, 4 + 3 * 24, 2);
    for (int i = 0; i < 3; ++i) {
        put(d, flow_src(e, i), 4), put(d, 0x0A010001, 4), put(d, 1000 + i, 4), put(d, 10 + i, 4);
        put(d, static_cast<std::int64_t>(3 + i), 4), put(d, 9, 4);
    }
    Bytes b;
    const std::size_t body = t.size() + o.size() + od.size() + d.size();
    if (ipfix) {
        put(b, 10, 2), put(b, static_cast<std::int64_t>(16 + body), 2), put(b, 1700000000, 4), put(b, 5, 4), put(b, 40 + e, 4);
    } else {
        put(b, 9, 2), put(b, 6, 2), put(b, 100000, 4), put(b, 1700000000, 4), put(b, 5, 4), put(b, 40 + e, 4);
    }
    for (const Bytes* p : {&t, &o, &od, &d}) b.insert(b.end(), p->begin(), p->end());
    return b;
}

// A receiver: a UDP socket on 127.0.0.1.
struct Receiver {
    int fd = -1;
    std::uint16_t port = 0;
    Receiver() {
        fd = loopback_udp_socket(port);
        const int big = 4 << 20;
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    }
    Receiver(const Receiver&) = delete;
    Receiver& operator=(const Receiver&) = delete;
    ~Receiver() { ::close(fd); }
};

// What exporter `e` (5 or 6) sends.
using Exports = std::vector<Bytes> (*)(int e);
std::vector<Bytes> netflow_exports(int e) { return {v5(e), templated(9, e), templated(10, e)}; }

// One run of a replicator ("ours" or "debian"; `daemon` nfacctd or sfacctd): the exporters
// send their datagrams, and each line of the result is "receiver-index [source] payload-hex"
// (the source only when `with_source`: a proxying replicator's own port is the kernel's
// choice), sorted.
std::vector<std::string> replicate(const std::string& who, const TempDir& dir, const std::string& config,
                                   const std::vector<std::string>& maps, bool with_source,
                                   const std::string& daemon = "nfacctd", Exports exports = netflow_exports) {
    std::array<Receiver, 7> receivers;
    std::string text = config;
    for (std::size_t i = 0; i < receivers.size(); ++i) {
        const std::string from = fmt::format("R{}", i);
        for (std::size_t at; (at = text.find(from)) != std::string::npos;) {
            text.replace(at, from.size(), fmt::format("127.0.0.1:{}", receivers[i].port));
        }
    }
    // Maps are files; their receivers too.
    for (std::size_t m = 0; m < maps.size(); ++m) {
        std::string map = maps[m];
        for (std::size_t i = 0; i < receivers.size(); ++i) {
            const std::string from = fmt::format("R{}", i);
            for (std::size_t at; (at = map.find(from)) != std::string::npos;) {
                map.replace(at, from.size(), fmt::format("127.0.0.1:{}", receivers[i].port));
            }
        }
        std::ofstream(dir.path() + fmt::format("/map{}", m)) << map;
        const std::string name = fmt::format("MAP{}", m);
        for (std::size_t at; (at = text.find(name)) != std::string::npos;) {
            text.replace(at, name.size(), dir.path() + fmt::format("/map{}", m));
        }
    }
    const std::uint16_t port = free_udp_port();
    const std::string conf = dir.path() + "/" + who + ".conf";
    std::ofstream(conf) << daemon << "_ip: 127.0.0.1\n" << daemon << "_port: " << port << "\n" << text;
    Daemon d(who == "debian" ? "/usr/sbin/" + daemon : daemon, conf, dir.path() + "/" + who + ".log");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    for (int e : {5, 6}) {
        // Exporters 127.0.0.5:4305 and 127.0.0.6:4306: a transparent replicator shows them.
        const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in from{};
        from.sin_family = AF_INET;
        from.sin_port = htons(static_cast<std::uint16_t>(4300 + e));
        from.sin_addr.s_addr = htonl(0x7F000000U | static_cast<std::uint32_t>(e));
        EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (const Bytes& datagram : exports(e)) {
            ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
        }
        ::close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::vector<std::string> got;
    std::vector<pollfd> fds;
    for (const auto& r : receivers) fds.push_back({r.fd, POLLIN, 0});
    auto quiet_since = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - quiet_since < std::chrono::milliseconds(1500)) {
        if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
        quiet_since = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if ((fds[i].revents & POLLIN) == 0) continue;
            std::uint8_t buf[65536];
            sockaddr_in from{};
            socklen_t fl = sizeof from;
            const ssize_t n = ::recvfrom(fds[i].fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
            if (n < 0) continue;
            std::string line = fmt::format("R{} ", i);
            if (with_source) {
                char a[INET_ADDRSTRLEN] = {};
                ::inet_ntop(AF_INET, &from.sin_addr, a, sizeof a);
                line += fmt::format("{}:{} ", a, ntohs(from.sin_port));
            }
            for (ssize_t k = 0; k < n; ++k) line += fmt::format("{:02x}", buf[k]);
            got.push_back(line);
        }
    }
    const int rc = d.stop(SIGINT, 20000);
    if (who == "ours") {
        EXPECT_EQ(rc, 0) << read_file(dir.path() + "/" + who + ".log");
    }
    std::sort(got.begin(), got.end());
    return got;
}

// Both replicators; 1.7.7 on a loaded machine sometimes starts late and loses the first
// datagrams: it gets a second chance.
// Returns ours.
std::vector<std::string> expect_same(const std::string& config, const std::vector<std::string>& maps,
                                     bool with_source, std::size_t expected_lines,
                                     const std::string& daemon = "nfacctd", Exports exports = netflow_exports) {
    TempDir dir;
    const auto ours = replicate("ours", dir, config, maps, with_source, daemon, exports);
    auto debian = replicate("debian", dir, config, maps, with_source, daemon, exports);
    if (debian != ours) debian = replicate("debian", dir, config, maps, with_source, daemon, exports);
    EXPECT_EQ(ours.size(), expected_lines);
    EXPECT_EQ(ours, debian);
    return ours;
}

// QUICKSTART XV: whole datagrams to two tee plugins; a pool of two receivers gets everything
// twice, a balanced pool one copy each in turn; pools with tags take what a map on the
// exporter address tagged for them (0: untagged).
TEST(Tee, WholeDatagramsToPoolsByTagAgreeWithDebian) {
    const std::string config =
        "plugins: tee[a], tee[b]\n"
        "tee_receivers[a]: MAP0\n"
        "tee_receivers[b]: MAP1\n"
        "pre_tag_map: MAP2\n";
    const std::vector<std::string> maps = {
        "id=1 ip=R0\nid=2 ip=R1,R2\nid=3 ip=R3,R4 balance-alg=rr\n",
        "id=1 ip=R5 tag=100\nid=2 ip=R6 tag=0\n",
        "set_tag=100 ip=127.0.0.5\n",
    };
    // 6 datagrams: R0, R1, R2 get 6 each, R3+R4 6, R5 3 (from .5), R6 3 (from .6).
    expect_same(config, maps, false, 30);
}

// Two transparent tee plugins, each with its receivers (MAP0, MAP2) and its own pre_tag_map
// (MAP1, MAP3).
const char* const kTransparentWithMaps =
    "tee_transparent: true\n"
    "plugins: tee[a], tee[b]\n"
    "tee_receivers[a]: MAP0\n"
    "pre_tag_map[a]: MAP1\n"
    "tee_receivers[b]: MAP2\n"
    "pre_tag_map[b]: MAP3\n";

// QUICKSTART XVa, transparent: plugin a's map looks at input interfaces, so it gets each flow
// as its own datagram, tagged per flow; templates and options go to all its pools. Plugin b's
// map tags on the exporter only: whole datagrams. Receivers see the exporters as the source.
TEST(Tee, DissectedFlowsAndTransparencyAgreeWithDebian) {
    const std::string config = kTransparentWithMaps;
    const std::vector<std::string> maps = {
        "id=100 ip=R0 tag=100\nid=200 ip=R1 tag=200\nid=999 ip=R2 tag=999\n",
        "set_tag=100 ip=0.0.0.0/0 in=3\nset_tag=200 ip=0.0.0.0/0 in=4\nset_tag=999 ip=0.0.0.0/0\n",
        "id=1 ip=R3 tag=7\nid=2 ip=R4 tag=0\n",
        "set_tag=7 ip=127.0.0.6\n",
    };
    // Plugin a: v5 3 flows x 2 exporters = 6; v9/IPFIX per exporter: 3 flows + 3 broadcast
    // sets (template, options template, options data) to 3 pools = 3 + 9 each, 4 datagrams: 48.
    // Plugin b: 6 whole datagrams, 3 to each pool.
    expect_same(config, maps, true, 60);
}


// Maps reloaded under steady traffic (SIGUSR2): the receivers map and the pre_tag_map are read
// again many times while datagrams flow; every datagram still reaches its pool, none twice.
TEST(Tee, ReloadsUnderTrafficLoseNothing) {
    TempDir dir;
    Receiver tagged, untagged;
    const std::uint16_t port = free_udp_port();
    std::ofstream(dir.path() + "/receivers.lst") << "id=1 ip=127.0.0.1:" << tagged.port << " tag=5\n"
                                                 << "id=2 ip=127.0.0.1:" << untagged.port << " tag=0\n";
    std::ofstream(dir.path() + "/pretag.map") << "set_tag=5 ip=127.0.0.5\n";
    std::ofstream(dir.path() + "/tee.conf") << "nfacctd_ip: 127.0.0.1\nnfacctd_port: " << port
                                            << "\nplugins: tee[a]\ntee_receivers[a]: " << dir.path()
                                            << "/receivers.lst\npre_tag_map: " << dir.path() << "/pretag.map\n";
    Daemon d("nfacctd", dir.path() + "/tee.conf", dir.path() + "/tee.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    constexpr int kDatagrams = 3000;
    {
        Sender five(port, "127.0.0.5");
        Sender six(port, "127.0.0.6");
        for (int i = 0; i < kDatagrams; ++i) {
            (i % 2 == 0 ? five : six).send(v5(i % 2 == 0 ? 5 : 6));
            if (i % 100 == 50) ::kill(d.pid(), SIGUSR2);
            std::this_thread::sleep_for(std::chrono::microseconds(300));
        }
    }
    auto count = [](const Receiver& r, int& n) {
        std::uint8_t buf[2048];
        pollfd p{r.fd, POLLIN, 0};
        while (::poll(&p, 1, 1500) > 0) {
            if (::recv(r.fd, buf, sizeof buf, 0) > 0) ++n;
        }
    };
    int got_tagged = 0, got_untagged = 0;
    count(tagged, got_tagged);
    count(untagged, got_untagged);
    EXPECT_EQ(d.stop(), 0);
    const std::string log = read_file(dir.path() + "/tee.log");
    EXPECT_EQ(got_tagged, kDatagrams / 2) << log;
    EXPECT_EQ(got_untagged, kDatagrams / 2) << log;
    // The reloads did happen, in the core (pre_tag_map) and in the plugin (tee_receivers).
    std::size_t reloads = 0;
    for (std::size_t at = 0; (at = log.find("receivers.lst] map successfully (re)loaded", at)) != std::string::npos; ++at) ++reloads;
    EXPECT_GE(reloads, 20U) << log;
    EXPECT_NE(log.find("pretag.map] map successfully (re)loaded"), std::string::npos);
}

// nfacctd_templates_receiver: every data template set a collector receives goes to the
// receiver, from the exporter's address and port, as 1.7.7 sends them: the template and
// options template sets of a datagram together (v9: header counting the sets; IPFIX: length
// restated).
TEST(TemplatesReceiver, SendsTheTemplatesDebianSends) {
    TempDir dir;
    const std::string config = "plugins: print[p]\nprint_output_file[p]: " + dir.path() +
                               "/out.txt\nprint_refresh_time[p]: 3600\nnfacctd_templates_receiver: R0\n";
    // v9 and IPFIX from two exporters: 4 template sets.
    expect_same(config, {}, true, 4);
}

// QUICKSTART Vb: two collectors share templates through a replicator. Collector A gets a
// template and data; it sends the template to the replicator, which replicates it
// (transparently) to collector B's nfacctd_templates_port. B can then decode data whose
// template it never received itself; without the replicator it cannot.
TEST(TemplatesReceiver, ClusteredCollectorsShareTemplatesThroughAReplicator) {
    for (const bool shared : {true, false}) {
        TempDir dir;
        const std::uint16_t a_port = free_udp_port(), b_port = free_udp_port(), b_templates = free_udp_port(),
                            replicator = free_udp_port();
        std::ofstream(dir.path() + "/receivers.lst") << "id=1 ip=127.0.0.1:" << b_templates << "\n";
        std::ofstream(dir.path() + "/replicator.conf")
            << "nfacctd_ip: 127.0.0.1\nnfacctd_port: " << replicator << "\nplugins: tee[r]\ntee_transparent: true\n"
            << "tee_receivers[r]: " << dir.path() << "/receivers.lst\n";
        for (const char* who : {"a", "b"}) {
            std::ofstream(dir.path() + "/" + who + ".conf")
                << "nfacctd_ip: 127.0.0.1\nnfacctd_port: " << (who[0] == 'a' ? a_port : b_port)
                << "\nplugins: print[p]\nprint_output[p]: csv\nprint_refresh_time[p]: 3600\n"
                << "aggregate[p]: src_host, dst_host, in_iface\nprint_output_file[p]: " << dir.path() << "/" << who
                << ".csv\n"
                << (shared ? fmt::format("nfacctd_templates_receiver: 127.0.0.1:{}\n", replicator) : "")
                << (who[0] == 'b' ? fmt::format("nfacctd_templates_port: {}\n", b_templates) : "");
        }
        Daemon r("nfacctd", dir.path() + "/replicator.conf", dir.path() + "/replicator.log");
        Daemon a("nfacctd", dir.path() + "/a.conf", dir.path() + "/a.log");
        Daemon b("nfacctd", dir.path() + "/b.conf", dir.path() + "/b.log");
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        const Bytes with_template = templated(9, 5);
        // The same datagram with only its data set (the last 4 + 72 bytes), saying 1 record.
        Bytes data_only(with_template.begin(), with_template.begin() + 20);
        data_only.insert(data_only.end(), with_template.end() - 76, with_template.end());
        data_only[3] = 1;
        {
            Sender to_a(a_port, "127.0.0.5");
            to_a.send(with_template);
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            Sender to_b(b_port, "127.0.0.5");
            to_b.send(data_only);
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
        EXPECT_EQ(b.stop(), 0);
        EXPECT_EQ(a.stop(), 0);
        EXPECT_EQ(r.stop(), 0);
        const std::string b_rows = read_file(dir.path() + "/b.csv");
        for (int i = 0; i < 3; ++i) {
            const std::string row = fmt::format("\n{},10.0.5.{},10.1.0.1,", 3 + i, i);  // in_iface, src, dst
            EXPECT_EQ(b_rows.find(row) != std::string::npos, shared) << (shared ? "shared" : "alone") << "\n" << b_rows
                                                                      << read_file(dir.path() + "/b.log");
        }
        EXPECT_NE(read_file(dir.path() + "/a.csv").find("\n3,10.0.5.0,10.1.0.1,"), std::string::npos);
    }
}

// sfacctd (QUICKSTART XV and XVa for sFlow): what exporter e (5 or 6) sends, in this order:
// a v5 datagram from agent 192.0.2.<e> (sub-agent 7) of six samples, a v5 one from agent ::<e>,
// a v4 and a v2 one (agent 192.0.2.10).
namespace sf = sflow;

sf::Xdr expanded_flow_sample(const std::vector<std::pair<std::uint32_t, sf::Xdr>>& records, std::uint32_t input) {
    sf::Xdr s;
    s.u32(77).u32(0).u32(5).u32(512).u32(100000).u32(0).u32(0).u32(input).u32(0).u32(7);
    s.u32(static_cast<std::uint32_t>(records.size()));
    for (const auto& [type, body] : records) s.item(type, body);
    return s;
}

// The six samples of the v5 datagram: type and body each.
std::vector<std::pair<std::uint32_t, sf::Xdr>> sflow_samples() {
    std::vector<std::uint8_t> arp = sf::frame(0, 0x0806);
    std::fill(arp.begin() + 6, arp.begin() + 12, 0x0a);  // source MAC 0a:0a:0a:0a:0a:0a
    sf::Xdr sw;  // extended switch: in VLAN 30, out VLAN 40
    sw.u32(30).u32(1).u32(40).u32(2);
    sf::Xdr ipv4;  // an IPv4 data record alone: 10.0.0.1 -> 10.0.0.2, TCP
    ipv4.u32(60).u32(6).opaque({10, 0, 0, 1}).opaque({10, 0, 0, 2}).u32(1234).u32(80).u32(0).u32(0);
    return {
        {1, sf::flow_sample({{1, sf::raw_header(sf::frame(), 100)}}, 512, 3)},
        {2, sf::counter_sample(5, 100)},
        {3, expanded_flow_sample({{1, sf::raw_header(sf::frame(), 100)}}, 4)},
        {1, sf::flow_sample({{1, sf::raw_header(arp, 60)}}, 512, 9)},
        {1, sf::flow_sample({{1, sf::raw_header(sf::frame(), 100)}, {1001, sw}}, 512, 9)},
        {1, sf::flow_sample({{3, ipv4}}, 512, 11)},
    };
}

Bytes sflow_v5(int e) {
    Bytes d = sf::datagram(sflow_samples());
    d[11] = static_cast<std::uint8_t>(e);  // agent 192.0.2.<e>
    return d;
}

Bytes sflow_v5_ipv6_agent(int e) {
    sf::Xdr d;
    d.u32(5).u32(2).u32(0).u32(0).u32(0).u32(static_cast<std::uint32_t>(e)).u32(8).u32(555).u32(1).u32(1);
    d.item(1, sf::flow_sample({{1, sf::raw_header(sf::frame(), 100)}}, 256, 3));
    return d.b;
}

std::vector<Bytes> sflow_exports(int e) {
    return {sflow_v5(e), sflow_v5_ipv6_agent(e), sf::v4_datagram(4, {sf::v4_flow_sample(sf::frame(), 100, {})}),
            sf::v4_datagram(2, {sf::v4_flow_sample(sf::frame(), 100, {})})};
}

std::string hex(const Bytes& b) {
    std::string h;
    for (std::uint8_t c : b) h += fmt::format("{:02x}", c);
    return h;
}

// The payloads of the lines of receiver `r`, sorted.
std::vector<std::string> payloads_of(const std::vector<std::string>& lines, const std::string& r) {
    std::vector<std::string> p;
    for (const auto& l : lines) {
        if (l.starts_with(r + " ")) p.push_back(l.substr(l.rfind(' ') + 1));
    }
    std::sort(p.begin(), p.end());
    return p;
}

// Whole sFlow datagrams, v5 (IPv4 and IPv6 agents), v4 and v2, byte for byte to every pool of a
// plugin without a map; a map on the agent (`ip`, the sFlow agent address, not the UDP
// sender) and its sub-agent (`agent_id`; 0 for v2/v4) picks the pools of the other.
TEST(TeeSflow, WholeDatagramsToPoolsByAgentAgreeWithDebian) {
    const std::string config =
        "plugins: tee[a], tee[b]\n"
        "tee_receivers[a]: MAP0\n"
        "tee_receivers[b]: MAP1\n"
        "pre_tag_map[b]: MAP2\n";
    const std::vector<std::string> maps = {
        "id=1 ip=R0\nid=2 ip=R1,R2\nid=3 ip=R3,R4 balance-alg=rr\n",
        "id=1 ip=R5 tag=100\nid=2 ip=R6 tag=0\n",
        "set_tag=100 ip=192.0.2.5 agent_id=7\nset_tag=200 ip=::/0\nset_tag=300 ip=192.0.2.6 agent_id=8\n",
    };
    // 8 datagrams: R0, R1, R2 and R3+R4 8 each; R5 the v5 one of agent 192.0.2.5; R6 the
    // untagged: agent 192.0.2.6's v5 (sub-agent 7, not 8) and the v4 and v2 ones.
    const auto ours = expect_same(config, maps, false, 38, "sfacctd", sflow_exports);
    std::vector<std::string> sent;
    for (int e : {5, 6}) {
        for (const Bytes& d : sflow_exports(e)) sent.push_back(hex(d));
    }
    std::sort(sent.begin(), sent.end());
    EXPECT_EQ(payloads_of(ours, "R0"), sent);
    EXPECT_EQ(payloads_of(ours, "R5"), std::vector<std::string>{hex(sflow_v5(5))});
}

// QUICKSTART XVa for sFlow, transparent: plugin a's map looks into samples (input interface,
// source MAC of an ARP sample, the outgoing VLAN of the switch record, the source of an IPv4
// data record), so each v5 flow sample (compact or expanded) goes as a datagram of its own: the
// datagram's header (agent, sub-agent, sequence number as they came) saying 1 sample, then the
// sample as it came. Counter samples, and v2/v4 datagrams, are not sent to it. Plugin b's map
// is on the agent: whole datagrams. Receivers see the exporters as the source.
TEST(TeeSflow, DissectedSamplesAndTransparencyAgreeWithDebian) {
    const std::string config = kTransparentWithMaps;
    const std::vector<std::string> maps = {
        "id=100 ip=R0 tag=100\nid=200 ip=R1 tag=200\nid=300 ip=R2 tag=300\nid=400 ip=R3 tag=400\n"
        "id=999 ip=R4 tag=999\n",
        "set_tag=100 in=3\nset_tag=200 src_mac=0a:0a:0a:0a:0a:0a\nset_tag=300 vlan=40\n"
        "set_tag=400 src_net=10.0.0.0/8 in=11\nset_tag=999 ip=0.0.0.0/0\n",
        "id=1 ip=R5\nid=2 ip=R6 tag=7\n",
        "set_tag=7 ip=192.0.2.6\n",
    };
    // Plugin a: 5 flow samples of the first datagram and 1 of the second, per exporter: 12.
    // Plugin b: R5 the 8 datagrams, R6 agent 192.0.2.6's v5 one.
    const auto ours = expect_same(config, maps, true, 21, "sfacctd", sflow_exports);
    // Byte for byte: exporter 5's first sample (input 3) and the IPv6 agent's.
    const auto samples = sflow_samples();
    auto split = [](Bytes header, std::size_t header_size, const sf::Xdr& sample) {
        header.resize(header_size);
        header[header_size - 1] = 1;  // samples: 1
        header.insert(header.end(), sample.b.begin(), sample.b.end());
        return header;
    };
    sf::Xdr first;
    first.item(samples[0].first, samples[0].second);
    const Bytes v6 = sflow_v5_ipv6_agent(5);
    EXPECT_EQ(payloads_of(ours, "R0"),
              (std::vector<std::string>{
                  hex(split(sflow_v5(5), 28, first)), hex(split(sflow_v5(6), 28, first)), hex(v6),
                  hex(sflow_v5_ipv6_agent(6))}));
    sf::Xdr expanded;
    expanded.item(samples[2].first, samples[2].second);
    EXPECT_NE(std::find(ours.begin(), ours.end(), "R4 127.0.0.5:4305 " + hex(split(sflow_v5(5), 28, expanded))),
              ours.end());
}

// Bad input never stops replication: a flow sample whose records run past its length is
// counted and skipped (the next sample is where its length says), a datagram cut short gives
// the samples before the cut, and what is not sFlow is not replicated.
TEST(TeeSflow, MalformedSamplesAreSkipped) {
    TempDir dir;
    Receiver split, whole;
    const std::uint16_t port = free_udp_port();
    std::ofstream(dir.path() + "/a.lst") << "id=1 ip=127.0.0.1:" << split.port << " tag=1\n";
    std::ofstream(dir.path() + "/b.lst") << "id=1 ip=127.0.0.1:" << whole.port << "\n";
    std::ofstream(dir.path() + "/pretag.map") << "set_tag=1 in=3\n";
    std::ofstream(dir.path() + "/tee.conf") << "sfacctd_ip: 127.0.0.1\nsfacctd_port: " << port
                                            << "\nplugins: tee[a], tee[b]\ntee_receivers[a]: " << dir.path()
                                            << "/a.lst\npre_tag_map[a]: " << dir.path() << "/pretag.map\n"
                                            << "tee_receivers[b]: " << dir.path() << "/b.lst\n";
    Daemon d("sfacctd", dir.path() + "/tee.conf", dir.path() + "/tee.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    const sf::Xdr good = sf::flow_sample({{1, sf::raw_header(sf::frame(), 100)}}, 512, 3);
    sf::Xdr bad = good;
    bad.b[39] = 200;  // its record says it holds 200 bytes: past the sample's end
    const Bytes three = sf::datagram({{1, good}, {1, bad}, {1, good}});
    Bytes cut = three;
    cut.resize(28 + 8 + good.b.size() + 20);  // in the middle of the second sample
    const Bytes garbage = {0, 0, 0};
    Bytes v7 = three;
    v7[3] = 7;
    {
        Sender to(port, "127.0.0.5");
        for (const Bytes& b : {three, cut, garbage, v7}) to.send(b);
    }
    auto received = [](const Receiver& r) {
        std::vector<std::string> got;
        std::uint8_t buf[65536];
        pollfd p{r.fd, POLLIN, 0};
        while (::poll(&p, 1, 1500) > 0) {
            const ssize_t n = ::recv(r.fd, buf, sizeof buf, 0);
            if (n > 0) got.push_back(hex(Bytes(buf, buf + n)));
        }
        return got;
    };
    const auto got_split = received(split);
    const auto got_whole = received(whole);
    EXPECT_EQ(d.stop(), 0);
    const std::string log = read_file(dir.path() + "/tee.log");
    Bytes expected(three.begin(), three.begin() + 28);  // the header, saying 1 sample
    expected[27] = 1;
    sf::Xdr sample;
    sample.item(1, good);
    expected.insert(expected.end(), sample.b.begin(), sample.b.end());
    // The first and third samples of `three`, and the first of `cut`.
    EXPECT_EQ(got_split, (std::vector<std::string>{hex(expected), hex(expected), hex(expected)})) << log;
    EXPECT_EQ(got_whole, (std::vector<std::string>{hex(three), hex(cut)})) << log;
    EXPECT_NE(log.find("malformed samples not replicated"), std::string::npos) << log;
}

}  // namespace
}  // namespace pmacct::testing
