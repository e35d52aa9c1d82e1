// The tee plugin end to end: messages written to a message ring as the core writes them, the
// plugin run on it, and what UDP sockets on loopback receive, byte for byte. Which receiver a
// balanced pool picks is checked against tables of what Debian's nfacctd 1.7.7 picked: its tee
// plugin was fed NetFlow v5 datagrams from exporters 127.x.y.z (and, in a network namespace of
// their own, from other addresses put on its loopback interface) and each receiver's socket was
// read.
#include "tee/tee_plugin.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pmacct/config/config.hpp"
#include "pmacct/ipc/ring.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/process/signals.hpp"
#include "test_support.hpp"

namespace pmacct::plugins::tee {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using plugin::TeeMessage;

// --- receivers ----------------------------------------------------------------------------

struct Got {
    std::string from;  // source address
    std::uint16_t port = 0;
    std::string data;
    int tos = -1;  // TOS / traffic class, when the kernel said
};

class UdpReceiver {
public:
    explicit UdpReceiver(const char* address = "127.0.0.1") {
        IpAddress a;
        EXPECT_TRUE(IpAddress::parse(address, a));
        v6_ = a.family == 6;
        fd_.reset(::socket(v6_ ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0));
        const int one = 1;
        // Room for every datagram of a test: they are read after the plugin has finished.
        const int room = 32 << 20;
        if (::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &room, sizeof room) != 0) {
            ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &room, sizeof room);
        }
        if (v6_) {
            ::setsockopt(fd_.get(), IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof one);
            sockaddr_in6 sa{};
            sa.sin6_family = AF_INET6;
            std::memcpy(&sa.sin6_addr, a.bytes.data(), 16);
            EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
            socklen_t len = sizeof sa;
            ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&sa), &len);
            port_ = ntohs(sa.sin6_port);
        } else {
            ::setsockopt(fd_.get(), IPPROTO_IP, IP_RECVTOS, &one, sizeof one);
            sockaddr_in sa{};
            sa.sin_family = AF_INET;
            std::memcpy(&sa.sin_addr, a.bytes.data(), 4);
            EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
            socklen_t len = sizeof sa;
            ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&sa), &len);
            port_ = ntohs(sa.sin_port);
        }
    }
    std::uint16_t port() const { return port_; }
    // "127.0.0.1:port" or "[::1]:port", as a map writes it.
    std::string where() const { return v6_ ? fmt::format("[::1]:{}", port_) : fmt::format("127.0.0.1:{}", port_); }

    // Everything that arrives until nothing has come for `quiet_ms`.
    std::vector<Got> drain(int quiet_ms = 150) {
        std::vector<Got> out;
        std::vector<char> buf(70000);
        while (true) {
            pollfd p{fd_.get(), POLLIN, 0};
            if (::poll(&p, 1, quiet_ms) <= 0) break;
            sockaddr_storage from{};
            iovec iov{buf.data(), buf.size()};
            alignas(cmsghdr) char control[128];
            msghdr mh{};
            mh.msg_name = &from;
            mh.msg_namelen = sizeof from;
            mh.msg_iov = &iov;
            mh.msg_iovlen = 1;
            mh.msg_control = control;
            mh.msg_controllen = sizeof control;
            const ssize_t n = ::recvmsg(fd_.get(), &mh, 0);
            if (n < 0) break;
            Got g;
            g.data.assign(buf.data(), static_cast<std::size_t>(n));
            char text[INET6_ADDRSTRLEN] = {};
            if (from.ss_family == AF_INET) {
                sockaddr_in sa{};
                std::memcpy(&sa, &from, sizeof sa);
                ::inet_ntop(AF_INET, &sa.sin_addr, text, sizeof text);
                g.port = ntohs(sa.sin_port);
            } else {
                sockaddr_in6 sa{};
                std::memcpy(&sa, &from, sizeof sa);
                ::inet_ntop(AF_INET6, &sa.sin6_addr, text, sizeof text);
                g.port = ntohs(sa.sin6_port);
            }
            g.from = text;
            for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
                    g.tos = *CMSG_DATA(c);
                } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
                    int v = 0;
                    std::memcpy(&v, CMSG_DATA(c), sizeof v);
                    g.tos = v;
                }
            }
            out.push_back(std::move(g));
        }
        return out;
    }
    std::vector<std::string> payloads(int quiet_ms = 150) {
        std::vector<std::string> out;
        for (auto& g : drain(quiet_ms)) out.push_back(std::move(g.data));
        return out;
    }

private:
    UniqueFd fd_;
    std::uint16_t port_ = 0;
    bool v6_ = false;
};

// --- the core's side: messages on a ring ---------------------------------------------------

struct Message {
    std::string exporter = "192.0.2.1";
    std::uint16_t port = 2100;
    std::uint64_t tag = 0;
    bool broadcast = false;
    std::string payload;
};

ipc::Ring make_ring() {
    auto r = ipc::Ring::create(16 << 20, 256 << 10, plugin::kTeeMaxMessage);
    EXPECT_TRUE(r.has_value());
    return std::move(*r);
}

void put(ipc::Ring& ring, const Message& m) {
    TeeMessage h;
    IpAddress a;
    EXPECT_TRUE(IpAddress::parse(m.exporter, a));
    h.length = static_cast<std::uint32_t>(m.payload.size());
    h.family = a.family;
    h.broadcast = m.broadcast ? 1 : 0;
    h.port = m.port;
    std::memcpy(h.address, a.bytes.data(), 16);
    h.tag = m.tag;
    const std::size_t bytes = sizeof h + m.payload.size();
    std::uint8_t* p = ring.reserve_message(bytes);
    std::memcpy(p, &h, sizeof h);
    std::memcpy(p + sizeof h, m.payload.data(), m.payload.size());
    ring.commit_message(bytes);
}

std::string pattern(std::size_t n, int seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + static_cast<std::size_t>(seed) * 13) & 0xFF);
    return s;
}

// A plugin instance tee[a] with `map` as its tee_receivers and `extra` config lines.
struct TeeConfig {
    pmacct::testing::TempDir dir;
    std::string map_path;
    config::Config cfg;

    TeeConfig(const std::string& map, const std::string& extra = "") {
        map_path = dir.path() + "/tee_receivers.lst";
        std::ofstream(map_path) << map;
        cfg = config::load_text(Daemon::kNfacctd,
                                fmt::format("plugins: tee[a]\ntee_receivers[a]: {}\n{}", map_path, extra));
        for (const auto& d : cfg.diagnostics) {
            if (d.severity == config::Diagnostic::Severity::kError) ADD_FAILURE() << d.text();
        }
    }
    void rewrite(const std::string& map) const { std::ofstream(map_path) << map; }
};

// Runs the plugin in this process over `messages` (the ring closed after them, as at shutdown).
int run_plugin(TeeConfig& s, const std::vector<Message>& messages, TeeCounters* counters = nullptr) {
    ipc::Ring ring = make_ring();
    for (const auto& m : messages) put(ring, m);
    ring.flush();
    ring.close();
    TeePlugin plugin;
    plugin::Environment env;
    env.config = &s.cfg;
    env.instance = &s.cfg.plugins.at(0);
    env.ring = &ring;
    env.core_pid = ::getppid();
    const int rc = plugin.run(env);
    if (counters != nullptr) *counters = plugin.counters();
    return rc;
}

Message msg(std::string payload, std::uint64_t tag = 0, std::string exporter = "192.0.2.1", bool broadcast = false) {
    Message m;
    m.payload = std::move(payload);
    m.tag = tag;
    m.exporter = std::move(exporter);
    m.broadcast = broadcast;
    return m;
}

// --- plain replication ------------------------------------------------------------------

TEST(TeePlugin, EveryReceiverOfEveryPoolGetsEachDatagramIntact) {
    UdpReceiver a, b, c;
    UdpReceiver v6("::1");
    TeeConfig s(fmt::format("id=1 ip={},{}\nid=2 ip={},{}\n", a.where(), b.where(), c.where(), v6.where()));
    const std::vector<std::string> sent = {pattern(1, 1), pattern(1500, 2), pattern(9000, 3), pattern(65507, 4),
                                           pattern(77, 5)};
    std::vector<Message> messages;
    for (const auto& p : sent) messages.push_back(msg(p));
    TeeCounters counters;
    EXPECT_EQ(run_plugin(s, messages, &counters), 0);
    EXPECT_EQ(a.payloads(), sent);
    EXPECT_EQ(b.payloads(), sent);
    EXPECT_EQ(c.payloads(), sent);
    EXPECT_EQ(v6.payloads(), sent);
    EXPECT_EQ(counters.sent, 20U);
    EXPECT_EQ(counters.failed, 0U);
}

TEST(TeePlugin, ManyDatagramsGoOutInBurstsAndInOrder) {
    UdpReceiver a;
    TeeConfig s(fmt::format("id=1 ip={}\n", a.where()), "tee_pipe_size: 4194304\n");
    std::vector<Message> messages;
    std::vector<std::string> sent;
    for (int i = 0; i < 1000; ++i) {
        sent.push_back(fmt::format("datagram {}", i));
        messages.push_back(msg(sent.back()));
    }
    EXPECT_EQ(run_plugin(s, messages), 0);
    EXPECT_EQ(a.payloads(), sent);
}

// QUICKSTART XV: untagged datagrams (tag 0) to pool 1, tag 100 to pool 2; lists with ranges and
// exclusions; broadcast datagrams (templates, when flows are dissected) to every pool.
TEST(TeePlugin, TagListsChoosePoolsAndBroadcastsGoToAll) {
    UdpReceiver untagged, hundred, range, not_hundred;
    TeeConfig s(fmt::format("id=1 ip={} tag=0\nid=2 ip={} tag=100\nid=3 ip={} tag=105,110-120\nid=4 ip={} tag=-100\n",
                        untagged.where(), hundred.where(), range.where(), not_hundred.where()));
    EXPECT_EQ(run_plugin(s, {msg("t0", 0), msg("t100", 100), msg("t112", 112), msg("t105", 105), msg("t7", 7),
                             msg("templates", 5, "192.0.2.1", true)}),
              0);
    EXPECT_THAT(untagged.payloads(), ElementsAre("t0", "templates"));
    EXPECT_THAT(hundred.payloads(), ElementsAre("t100", "templates"));
    EXPECT_THAT(range.payloads(), ElementsAre("t112", "t105", "templates"));
    EXPECT_THAT(not_hundred.payloads(), ElementsAre("t0", "t112", "t105", "t7", "templates"));
}

// --- balancing, against 1.7.7's choices -----------------------------------------------------

TeeMessage from(const char* exporter, std::uint64_t tag = 0) {
    TeeMessage m;
    IpAddress a;
    EXPECT_TRUE(IpAddress::parse(exporter, a)) << exporter;
    m.family = a.family;
    std::memcpy(m.address, a.bytes.data(), 16);
    m.tag = tag;
    return m;
}

struct Pick {
    const char* exporter;
    std::size_t n;
    std::size_t receiver;  // what 1.7.7 chose
};

std::vector<std::string> mismatches(maps::TeeBalance alg, const std::vector<Pick>& picks) {
    std::vector<std::string> out;
    for (const Pick& p : picks) {
        std::size_t rr = 0;
        const std::size_t got = balance_index(alg, from(p.exporter), p.n, rr);
        if (got != p.receiver) out.push_back(fmt::format("{} of {}: {} instead of {}", p.exporter, p.n, got, p.receiver));
    }
    return out;
}

TEST(TeeBalance, HashCrc32IsDjb2OfTheIpv4AddressAs177) {
    const std::vector<Pick> picks = {
        {"127.0.0.1", 256, 165}, {"127.0.0.1", 251, 28},   {"127.0.0.2", 256, 166},   {"127.0.0.2", 251, 29},
        {"127.0.0.10", 256, 174}, {"127.0.0.10", 251, 37}, {"127.0.1.1", 256, 198},   {"127.0.1.1", 251, 61},
        {"127.0.2.1", 256, 231}, {"127.0.2.1", 251, 94},   {"127.1.0.1", 256, 230},   {"127.1.0.1", 251, 113},
        {"127.2.0.1", 256, 39},  {"127.2.0.1", 251, 198},  {"127.2.3.4", 256, 141},   {"127.2.3.4", 251, 49},
        {"127.255.255.254", 256, 64}, {"127.255.255.254", 251, 0}, {"127.128.0.1", 256, 37}, {"127.128.0.1", 251, 115},
        {"127.0.0.255", 256, 163}, {"127.0.0.255", 251, 31}, {"127.0.0.128", 256, 36}, {"127.0.0.128", 251, 155},
        {"127.0.0.1", 3, 0},     {"127.0.0.2", 3, 1},      {"127.0.0.3", 3, 2},       {"127.0.0.4", 3, 0},
        {"127.0.0.1", 4, 1},     {"127.0.0.4", 4, 0},      {"127.0.0.7", 4, 3},
        {"1.0.0.1", 3, 0},       {"2.0.0.1", 3, 0},        {"192.168.7.8", 3, 1},     {"10.1.2.3", 3, 2},
        {"2.0.0.1", 257, 2},     {"192.168.7.8", 257, 5},  {"127.0.0.1", 257, 24},    {"10.1.2.3", 257, 44},
        {"1.0.0.1", 257, 45},    {"127.1.0.1", 257, 85},   {"127.2.0.1", 257, 146},   {"4.0.0.1", 257, 173},
        {"129.0.0.1", 257, 195}, {"3.0.0.1", 257, 216},
    };
    EXPECT_THAT(mismatches(maps::TeeBalance::kHashCrc32, picks), ElementsAre());
}

TEST(TeeBalance, HashCrc32OfIpv6AddressesIsJenkinsOfTheirLast12BytesAs177) {
    const std::vector<Pick> picks = {
        {"fd00::1", 256, 153},      {"fe00::1", 256, 153},      {"fd01::1", 256, 153},      {"fd00:100::1", 256, 153},
        {"fd00:1::1", 256, 153},    {"fd00:0:100::1", 256, 227}, {"fd00:0:1::1", 256, 198}, {"fd00:0:0:100::1", 256, 144},
        {"fd00:0:0:1::1", 256, 205}, {"fd00::100:0:0:1", 256, 217}, {"fd00::1:0:0:1", 256, 101}, {"fd00::100:0:1", 256, 30},
        {"fd00::1:0:1", 256, 10},   {"fd00::100:1", 256, 169},  {"fd00::1:1", 256, 83},     {"fd00::101", 256, 58},
        {"fd00::2", 256, 38},       {"fd00::3", 256, 109},      {"fd00::11", 256, 247},
        {"fd00::1", 257, 151},      {"fd00:0:100::1", 257, 254}, {"fd00:0:0:100::1", 257, 10}, {"fd00::1:1", 257, 12},
        {"fd00::2", 257, 172},      {"fd00::101", 257, 235},    {"fd00::11", 257, 183},
        {"::1", 3, 1},              {"2001:db8::1", 3, 1},      {"fd00::6", 3, 2},          {"fd00::1:5", 3, 2},
        {"2001:db8:1:2:3:4:5:6", 3, 2}, {"::1", 251, 138},     {"fd00::5", 251, 183},      {"fd00:1::5", 251, 183},
        {"fd00::1:5", 251, 230},    {"2001:db8:1:2:3:4:5:6", 251, 16},
    };
    EXPECT_THAT(mismatches(maps::TeeBalance::kHashCrc32, picks), ElementsAre());
}

// 1.7.7 ANDs the address (read as a little-endian word) with the number of receivers; when that
// is the number itself, the first receiver gets it.
TEST(TeeBalance, HashAgentIsTheAddressAndTheReceiverCountAs177) {
    std::vector<Pick> picks = {
        {"127.0.0.1", 3, 0},   {"127.1.0.1", 3, 0},   {"3.0.0.1", 3, 0},     {"4.0.0.1", 3, 0},
        {"192.168.7.8", 3, 0}, {"1.0.0.1", 3, 1},     {"129.0.0.1", 3, 1},   {"2.0.0.1", 3, 2},
        {"10.1.2.3", 3, 2},    {"127.1.0.1", 257, 0}, {"2.0.0.1", 257, 0},   {"4.0.0.1", 257, 0},
        {"192.168.7.8", 257, 0}, {"127.0.0.1", 257, 1}, {"127.2.0.1", 257, 1}, {"1.0.0.1", 257, 1},
        {"3.0.0.1", 257, 1},   {"129.0.0.1", 257, 1}, {"10.1.2.3", 257, 256}, {"127.0.0.1", 251, 123},
        {"127.9.8.7", 251, 123}, {"127.0.0.1", 255, 127}, {"127.255.255.254", 256, 0},
    };
    for (std::size_t n : {2U, 4U, 5U, 7U, 9U, 11U, 13U, 17U, 19U, 23U, 29U, 31U, 32U, 37U, 64U, 128U}) {
        picks.push_back({"127.0.0.1", n, 0});
        picks.push_back({"127.9.8.7", n, 0});
    }
    EXPECT_THAT(mismatches(maps::TeeBalance::kHashAgent, picks), ElementsAre());
    // 1.7.7's plugin dies on IPv6 exporters; here they are hashed as hash-crc32 hashes them.
    std::size_t rr = 0;
    EXPECT_EQ(balance_index(maps::TeeBalance::kHashAgent, from("fd00::1"), 256, rr), 153U);
}

TEST(TeeBalance, HashTagIsTheTagModuloTheReceiverCount) {
    for (std::uint64_t tag : {0ULL, 1ULL, 2ULL, 3ULL, 7ULL, 100ULL, 255ULL, 1000ULL, ~0ULL}) {
        for (std::size_t n : {1U, 3U, 4U}) {
            std::size_t rr = 0;
            EXPECT_EQ(balance_index(maps::TeeBalance::kHashTag, from("192.0.2.1", tag), n, rr), tag % n);
        }
    }
}

TEST(TeeBalance, RoundRobinStartsWithTheFirstAndWraps) {
    std::size_t rr = 0;
    std::vector<std::size_t> got;
    for (int i = 0; i < 7; ++i) got.push_back(balance_index(maps::TeeBalance::kRoundRobin, from("192.0.2.1"), 3, rr));
    EXPECT_THAT(got, ElementsAre(0, 1, 2, 0, 1, 2, 0));
}

// Balanced pools send each datagram to one receiver; the round-robin position is per pool and
// moves only for datagrams the pool takes; broadcast datagrams go to one receiver of a balanced
// pool too (1.7.7 sent its templates to the first receiver of an rr pool, then the data to the
// second, and so on; tag 0 broadcasts to the first receiver of a hash-tag pool).
TEST(TeePlugin, BalancedPoolsSendToOneReceiverAs177) {
    UdpReceiver rr0, rr1, ht0, ht1, ha0, ha1, ha2, crc0, crc1, crc2;
    TeeConfig s(fmt::format("id=1 ip={},{} balance-alg=rr tag=100\n"
                        "id=2 ip={},{} balance-alg=hash-tag\n"
                        "id=3 ip={},{},{} balance-alg=hash-agent\n"
                        "id=4 ip={},{},{} balance-alg=hash-crc32\n",
                        rr0.where(), rr1.where(), ht0.where(), ht1.where(), ha0.where(), ha1.where(), ha2.where(),
                        crc0.where(), crc1.where(), crc2.where()));
    EXPECT_EQ(run_plugin(s, {msg("T1", 0, "127.0.0.1", true), msg("D100a", 100, "10.1.2.3"), msg("D999", 999, "1.0.0.1"),
                             msg("T2", 0, "127.0.0.1", true), msg("D100b", 100, "192.168.7.8"),
                             msg("D7", 7, "2.0.0.1"), msg("T3", 0, "127.0.0.1", true)}),
              0);
    EXPECT_THAT(rr0.payloads(), ElementsAre("T1", "T2", "T3"));
    EXPECT_THAT(rr1.payloads(), ElementsAre("D100a", "D100b"));
    EXPECT_THAT(ht0.payloads(), ElementsAre("T1", "D100a", "T2", "D100b", "T3"));
    EXPECT_THAT(ht1.payloads(), ElementsAre("D999", "D7"));
    // hash-agent of 3: 127.x, 192.168.7.8 -> 0, 1.0.0.1 -> 1, 10.1.2.3 and 2.0.0.1 -> 2.
    EXPECT_THAT(ha0.payloads(), ElementsAre("T1", "T2", "D100b", "T3"));
    EXPECT_THAT(ha1.payloads(), ElementsAre("D999"));
    EXPECT_THAT(ha2.payloads(), ElementsAre("D100a", "D7"));
    // hash-crc32 of 3: 127.0.0.1, 1.0.0.1, 2.0.0.1 -> 0, 192.168.7.8 -> 1, 10.1.2.3 -> 2.
    EXPECT_THAT(crc0.payloads(), ElementsAre("T1", "D999", "T2", "D7", "T3"));
    EXPECT_THAT(crc1.payloads(), ElementsAre("D100b"));
    EXPECT_THAT(crc2.payloads(), ElementsAre("D100a"));
}

// --- where datagrams leave from -------------------------------------------------------------

TEST(TeePlugin, SourceAddressSourcePortAndPrecedence) {
    UdpReceiver a, b, c;
    UdpReceiver probe;  // a free port to use as src_port
    const std::uint16_t src_port = probe.port();
    { UdpReceiver moved = std::move(probe); }
    TeeConfig s(fmt::format("id=1 ip={},{} src_port={}\nid=2 ip={}\n", a.where(), b.where(), src_port, c.where()),
            "tee_source_ip: 127.0.0.9\ntee_ipprec: 5\n");
    EXPECT_EQ(run_plugin(s, {msg("x"), msg("y")}), 0);
    for (UdpReceiver* r : {&a, &b}) {
        const auto got = r->drain();
        ASSERT_EQ(got.size(), 2U);
        for (const Got& g : got) {
            EXPECT_EQ(g.from, "127.0.0.9");
            EXPECT_EQ(g.port, src_port);  // both receivers of the pool (1.7.7 binds only the first)
            EXPECT_EQ(g.tos, 5 << 5);
        }
    }
    const auto got = c.drain();
    ASSERT_EQ(got.size(), 2U);
    EXPECT_EQ(got[0].from, "127.0.0.9");
    EXPECT_NE(got[0].port, src_port);
}

// A receiver with nothing listening: the refusals are counted, the other receivers and the
// later datagrams to it still go, and the plugin ends normally.
TEST(TeePlugin, RefusalsAreCountedNotFatal) {
    UdpReceiver live;
    std::string dead_where;
    {
        UdpReceiver dead;
        dead_where = dead.where();
    }
    TeeConfig s(fmt::format("id=1 ip={},{}\n", dead_where, live.where()));
    std::vector<Message> messages;
    for (int i = 0; i < 200; ++i) messages.push_back(msg(fmt::format("d{}", i)));
    TeeCounters counters;
    EXPECT_EQ(run_plugin(s, messages, &counters), 0);
    EXPECT_EQ(live.payloads().size(), 200U);
    EXPECT_GT(counters.refused, 0U);
    EXPECT_EQ(counters.failed, 0U);
    EXPECT_EQ(counters.sent, 400U);  // a refusal reports an earlier datagram: the current one is sent again
}

TEST(TeePlugin, StartFailsWithoutAMapToRead) {
    pmacct::testing::TempDir dir;
    auto cfg = config::load_text(Daemon::kNfacctd, fmt::format("plugins: tee[a]\ntee_receivers[a]: {}/none.lst\n", dir.path()));
    ipc::Ring ring = make_ring();
    ring.close();
    TeePlugin plugin;
    plugin::Environment env;
    env.config = &cfg;
    env.instance = &cfg.plugins.at(0);
    env.ring = &ring;
    env.core_pid = ::getppid();
    EXPECT_EQ(plugin.run(env), 1);

    auto bare = config::load_text(Daemon::kNfacctd, "plugins: tee[a]\n");
    env.config = &bare;
    env.instance = &bare.plugins.at(0);
    TeePlugin plugin2;
    EXPECT_EQ(plugin2.run(env), 1);
}

// --- SIGUSR2 in a plugin process, as the daemon runs it ---------------------------------------

// The plugin forked off with the ring as the daemon does it; the test is the core.
class PluginProcess {
public:
    PluginProcess(TeeConfig& s, ipc::Ring& ring) : ring_(ring) {
        pid_ = ::fork();
        if (pid_ == 0) {
            process::Signals::reset();
            (void)process::Signals::install();
            TeePlugin plugin;
            plugin::Environment env;
            env.config = &s.cfg;
            env.instance = &s.cfg.plugins.at(0);
            env.ring = &ring;
            env.core_pid = ::getppid();
            ::_exit(plugin.run(env));
        }
    }
    void send(const std::vector<Message>& messages) {
        for (const auto& m : messages) put(ring_, m);
        ring_.flush();
    }
    // Closes the ring and waits for the plugin's exit code.
    int finish() {
        ring_.close();
        int status = 0;
        ::waitpid(pid_, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    void signal(int sig) const { ::kill(pid_, sig); }

private:
    ipc::Ring& ring_;
    pid_t pid_ = -1;
};

std::vector<std::string> drain_until(UdpReceiver& r, std::size_t count) {
    std::vector<std::string> out;
    for (int i = 0; i < 50 && out.size() < count; ++i) {
        for (auto& p : r.payloads(100)) out.push_back(std::move(p));
    }
    return out;
}

TEST(TeePlugin, Sigusr2ReloadsTheMapAndKeepsItWhenTheFileCannotBeRead) {
    UdpReceiver first, second, third;
    TeeConfig s(fmt::format("id=1 ip={},{} balance-alg=rr\n", first.where(), second.where()));
    ipc::Ring ring = make_ring();
    PluginProcess p(s, ring);
    p.send({msg("1"), msg("2"), msg("3")});
    EXPECT_THAT(drain_until(first, 2), ElementsAre("1", "3"));
    EXPECT_THAT(drain_until(second, 1), ElementsAre("2"));

    // The round-robin starts again with the new map (as 1.7.7 does).
    s.rewrite(fmt::format("id=1 ip={},{} balance-alg=rr\nid=2 ip={}\n", first.where(), second.where(), third.where()));
    p.signal(SIGUSR2);
    ::usleep(300 * 1000);
    p.send({msg("4"), msg("5")});
    EXPECT_THAT(drain_until(first, 1), ElementsAre("4"));
    EXPECT_THAT(drain_until(second, 1), ElementsAre("5"));
    EXPECT_THAT(drain_until(third, 2), ElementsAre("4", "5"));

    // A file that cannot be read: the pools stay (1.7.7 would drop them all).
    ::unlink(s.map_path.c_str());
    p.signal(SIGUSR2);
    ::usleep(300 * 1000);
    p.send({msg("6")});
    EXPECT_THAT(drain_until(third, 1), ElementsAre("6"));
    EXPECT_EQ(p.finish(), 0);
}

TEST(TeePlugin, Sigusr2DoesNothingWithoutMapsRefresh) {
    UdpReceiver first, second;
    TeeConfig s(fmt::format("id=1 ip={}\n", first.where()), "maps_refresh: false\n");
    ipc::Ring ring = make_ring();
    PluginProcess p(s, ring);
    p.send({msg("0")});
    EXPECT_THAT(drain_until(first, 1), ElementsAre("0"));  // the plugin is up, its signals handled
    s.rewrite(fmt::format("id=1 ip={}\n", second.where()));
    p.signal(SIGUSR2);
    ::usleep(300 * 1000);
    p.send({msg("1")});
    EXPECT_THAT(drain_until(first, 1), ElementsAre("1"));
    EXPECT_EQ(p.finish(), 0);
    EXPECT_TRUE(second.payloads().empty());
}

// --- transparent mode -----------------------------------------------------------------------

TEST(TeePlugin, TransparentNeedsRawSockets) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to another user";
    pmacct::testing::TempDir dir;
    ::chmod(dir.path().c_str(), 0777);
    const std::string log_path = dir.path() + "/log";
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(99);
        log::Settings ls;
        ls.logfile = log_path;
        (void)log::configure(ls);
        TeeConfig s("id=1 ip=127.0.0.1:9\n", "tee_transparent: true\n");
        ::_exit(run_plugin(s, {}));
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 1);
    EXPECT_THAT(pmacct::testing::read_file(log_path), HasSubstr("tee_transparent: sending with the exporters' addresses "
                                                                "needs super-user permissions"));
}

// The IPv4 and UDP headers of a captured packet, checked: checksums must be right, or a real
// network (no loopback shortcut) drops the datagram.
bool checksum_ok(const std::uint8_t* p, std::size_t n, std::uint64_t sum) {
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += std::uint64_t{p[i]} << 8 | p[i + 1];
    if ((n & 1) != 0) sum += std::uint64_t{p[n - 1]} << 8;
    while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
    return sum == 0xFFFF;
}

std::string check_packet(const std::uint8_t* p, std::size_t n) {
    if (n >= 28 && (p[0] >> 4) == 4) {
        const std::size_t ihl = (p[0] & 0x0F) * 4U;
        if (!checksum_ok(p, ihl, 0)) return "bad IPv4 header checksum";
        std::uint64_t pseudo = 0;
        for (std::size_t i = 12; i < 20; i += 2) pseudo += std::uint64_t{p[i]} << 8 | p[i + 1];
        pseudo += 17 + (n - ihl);
        return checksum_ok(p + ihl, n - ihl, pseudo) ? "ok" : "bad UDP checksum";
    }
    if (n >= 48 && (p[0] >> 4) == 6) {
        std::uint64_t pseudo = 0;
        for (std::size_t i = 8; i < 40; i += 2) pseudo += std::uint64_t{p[i]} << 8 | p[i + 1];
        pseudo += 17 + (n - 40);
        return checksum_ok(p + 40, n - 40, pseudo) ? "ok" : "bad UDP checksum";
    }
    return "not IP";
}

// Runs in a network namespace of its own (only `lo`, nothing leaves it): replicates from
// exporters 127.0.0.5:4321 and [::1]:4322 to receivers on 127.0.0.1 and ::1, transparently.
// Writes one line per observation to `out`.
void transparent_scenario(int out) {
    auto say = [out](const std::string& line) {
        const std::string l = line + "\n";
        (void)!::write(out, l.data(), l.size());
    };
    if (::unshare(CLONE_NEWNET) != 0) {
        say(fmt::format("skip unshare: {}", std::strerror(errno)));
        return;
    }
    {
        UniqueFd s(::socket(AF_INET, SOCK_DGRAM, 0));
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        ::ioctl(s.get(), SIOCGIFFLAGS, &ifr);
        ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
        if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) {
            say(fmt::format("skip lo up: {}", std::strerror(errno)));
            return;
        }
    }
    UniqueFd capture(::socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL)));
    UdpReceiver v4;
    UdpReceiver v6("::1");
    TeeConfig s(fmt::format("id=1 ip={}\nid=2 ip={}\n", v4.where(), v6.where()),
            "tee_transparent: true\ntee_ipprec: 5\ntee_source_ip: 127.0.0.9\n");
    Message a = msg(pattern(1001, 1), 0, "127.0.0.5");
    a.port = 4321;
    Message b = msg(pattern(2000, 2), 0, "::1");
    b.port = 4322;
    TeeCounters counters;
    say(fmt::format("rc {}", run_plugin(s, {a, b}, &counters)));
    say(fmt::format("unbridged {}", counters.unbridged));
    for (const Got& g : v4.drain()) {
        say(fmt::format("v4 {}:{} tos {} {}", g.from, g.port, g.tos, g.data == a.payload ? "intact" : "changed"));
    }
    for (const Got& g : v6.drain()) {
        say(fmt::format("v6 [{}]:{} tclass {} {}", g.from, g.port, g.tos, g.data == b.payload ? "intact" : "changed"));
    }
    std::vector<std::uint8_t> buf(70000);
    while (true) {
        pollfd p{capture.get(), POLLIN, 0};
        if (!capture.valid() || ::poll(&p, 1, 100) <= 0) break;
        sockaddr_ll from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(capture.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n <= 0) break;
        if (from.sll_pkttype != PACKET_OUTGOING) continue;  // loopback shows each packet twice
        const std::size_t udp_at = (buf[0] >> 4) == 4 ? 20 : 40;
        const std::uint16_t dport = static_cast<std::uint16_t>(buf[udp_at + 2] << 8 | buf[udp_at + 3]);
        if (dport != v4.port() && dport != v6.port()) continue;
        say(fmt::format("packet to {}: {}", dport == v4.port() ? "v4" : "v6",
                        check_packet(buf.data(), static_cast<std::size_t>(n))));
    }
}

// IPv6: ::1 is the only address loopback has, so the exporter there is ::1 too; the source port
// (4322) is what shows the spoofing (a raw socket has no port of its own).
TEST(TeePlugin, TransparentSendsWithTheExportersAddressAndPort) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespace, raw sockets)";
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        transparent_scenario(fds[1]);
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (text.rfind("skip", 0) == 0) GTEST_SKIP() << text;
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    // Each datagram also went to the receiver of the other family: not sent (1.7.7: "Can't bridge
    // Address Families when in transparent mode").
    EXPECT_THAT(lines, ElementsAre("rc 0", "unbridged 2", "v4 127.0.0.5:4321 tos 160 intact",
                                   "v6 [::1]:4322 tclass 160 intact", "packet to v4: ok", "packet to v6: ok"));
}

}  // namespace
}  // namespace pmacct::plugins::tee
