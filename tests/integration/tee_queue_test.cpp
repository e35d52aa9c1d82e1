// The tee plugin's message-queue receivers: pools that are a Kafka topic (librdkafka's mock
// cluster, a real broker on loopback, in this process) or a ZeroMQ PUSH socket (a PULL socket
// here connects to it). Datagrams from two loopback exporters go through our nfacctd and Debian's
// nfacctd 1.7.7 with the same configuration; each message must be the exporter's packet as 1.7.7
// writes it (an IPv4 header from the exporter to 0.0.0.0, a UDP header from its port to port 0,
// then the datagram), the pools chosen by tags, and both daemons must emit the same messages.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <zmq.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "daemon.hpp"
#include "netflow_builder.hpp"
#include "test_support.hpp"

namespace pmacct::testing {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Clock = std::chrono::steady_clock;

// A Kafka broker on loopback for as long as the object lives.
class KafkaCluster {
public:
    KafkaCluster() {
        char err[256];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
        rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        cluster_ = rd_kafka_mock_cluster_new(rk_, 1);
        bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster_);
    }
    ~KafkaCluster() {
        rd_kafka_mock_cluster_destroy(cluster_);
        rd_kafka_destroy(rk_);
    }
    KafkaCluster(const KafkaCluster&) = delete;
    KafkaCluster& operator=(const KafkaCluster&) = delete;

    const std::string& bootstraps() const { return bootstraps_; }
    // One partition: messages read back in the order they were produced.
    void create_topic(const std::string& name) { rd_kafka_mock_topic_create(cluster_, name.c_str(), 1, 1); }
    // The broker stops answering (its connections are closed and new ones refused).
    void set_down() { rd_kafka_mock_broker_set_down(cluster_, 1); }

    // Every message of `topic` from the beginning, read until `want` arrived or nothing more
    // came for 3 s (15 s at most).
    std::vector<Bytes> consume(const std::string& topic, std::size_t want) const {
        char err[256];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps_.c_str(), err, sizeof err);
        rd_kafka_conf_set(conf, "group.id", ("t-" + topic).c_str(), err, sizeof err);
        rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
        rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
        rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_assign(consumer, parts);
        rd_kafka_topic_partition_list_destroy(parts);
        std::vector<Bytes> got;
        const auto start = Clock::now();
        auto last = start;
        while (got.size() < want || Clock::now() - last < std::chrono::milliseconds(500)) {
            if (Clock::now() - last > std::chrono::seconds(3) || Clock::now() - start > std::chrono::seconds(15)) break;
            rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
            if (m == nullptr) continue;
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                const auto* p = static_cast<const std::uint8_t*>(m->payload);
                got.emplace_back(p, p + m->len);
                last = Clock::now();
            }
            rd_kafka_message_destroy(m);
        }
        rd_kafka_consumer_close(consumer);
        rd_kafka_destroy(consumer);
        return got;
    }

private:
    rd_kafka_t* rk_ = nullptr;
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
    std::string bootstraps_;
};

// A PULL socket connected to a tee plugin's PUSH socket.
class ZmqPull {
public:
    explicit ZmqPull(const std::string& address) : ctx_(zmq_ctx_new()), sock_(zmq_socket(ctx_, ZMQ_PULL)) {
        const int timeout = 100;
        zmq_setsockopt(sock_, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
        zmq_connect(sock_, address.c_str());
    }
    ~ZmqPull() {
        const int linger = 0;
        zmq_setsockopt(sock_, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(sock_);
        zmq_ctx_term(ctx_);
    }
    ZmqPull(const ZmqPull&) = delete;
    ZmqPull& operator=(const ZmqPull&) = delete;

    // Messages until `want` arrived or none came for 2 s.
    std::vector<Bytes> receive(std::size_t want) {
        std::vector<Bytes> got;
        auto last = Clock::now();
        std::vector<std::uint8_t> buf(70000);
        while (got.size() < want && Clock::now() - last < std::chrono::seconds(2)) {
            const int n = zmq_recv(sock_, buf.data(), buf.size(), 0);
            if (n < 0) continue;
            got.emplace_back(buf.begin(), buf.begin() + n);
            last = Clock::now();
        }
        return got;
    }

private:
    void* ctx_;
    void* sock_;
};

// The datagrams of exporter `e` (127.0.0.<e>): a v5 datagram of two flows, then an IPFIX one
// with a template and a flow, each marked with `e`.
std::vector<Bytes> datagrams_of(int e) {
    Bytes v5 = {0, 5, 0, 2};
    const auto put = [&v5](std::uint32_t v, int n) {
        for (int i = n - 1; i >= 0; --i) v5.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    };
    put(100000, 4), put(1700000000, 4), put(0, 4), put(static_cast<std::uint32_t>(e), 4), put(0, 4);
    for (std::uint32_t i = 0; i < 2; ++i) {
        put(0x0A000000U | static_cast<std::uint32_t>(e) << 8 | i, 4), put(0x0A010001, 4), put(0, 4), put(3, 2), put(9, 2);
        put(1, 4), put(100 + i, 4), put(90000, 4), put(99000, 4), put(1000, 2), put(80, 2);
        put(0, 1), put(0x10, 1), put(6, 1), put(0, 1), put(0, 4), put(0, 1), put(0, 1), put(0, 2);
    }
    Datagram ipfix(10, static_cast<std::uint32_t>(e));
    ipfix.open_set(2).u16(256).u16(3).u16(8).u16(4).u16(12).u16(4).u16(1).u16(4).close_set();
    ipfix.open_set(256).ip4(10, 2, 0, static_cast<std::uint8_t>(e)).ip4(10, 1, 0, 1).u32(1500).close_set();
    return {v5, ipfix.bytes()};
}

// The message 1.7.7 makes of a datagram from 127.0.0.<e>:`port`.
Bytes packet_of(int e, std::uint16_t port, const Bytes& datagram) {
    const std::size_t total = 28 + datagram.size();
    Bytes b = {0x45, 0, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total), 0, 0, 0, 0,
               255,  17, 0, 0, 127, 0, 0, static_cast<std::uint8_t>(e), 0, 0, 0, 0,
               static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port), 0, 0,
               static_cast<std::uint8_t>((total - 20) >> 8), static_cast<std::uint8_t>(total - 20), 0, 0};
    b.insert(b.end(), datagram.begin(), datagram.end());
    return b;
}

// Exporters 127.0.0.5 and 127.0.0.6, each on a port of its own kept for the whole test.
struct Exporter {
    int e;
    int fd = -1;
    std::uint16_t port = 0;
    explicit Exporter(int which) : e(which) {
        fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(0x7F000000U | static_cast<std::uint32_t>(e));
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t l = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &l);
        port = ntohs(a.sin_port);
    }
    Exporter(const Exporter&) = delete;
    Exporter& operator=(const Exporter&) = delete;
    ~Exporter() { ::close(fd); }
    void send_all(std::uint16_t to_port) const {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(to_port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (const Bytes& d : datagrams_of(e)) {
            ::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
        }
    }
    std::vector<Bytes> expected() const {
        std::vector<Bytes> out;
        for (const Bytes& d : datagrams_of(e)) out.push_back(packet_of(e, port, d));
        return out;
    }
};

// Runs `program` (nfacctd or Debian's) as a replicator with `config` and the receivers map
// `map`: once it is up, `ready()` (a consumer connects), then the exporters send, `collect()`
// reads what came out, and the daemon is stopped (SIGINT). Returns the exit code.
template <typename Ready, typename Collect>
int run_replicator(const std::string& program, const TempDir& dir, const std::string& name, const std::string& config,
                   const std::string& map, const std::vector<const Exporter*>& exporters, Ready ready,
                   Collect collect) {
    const std::uint16_t port = free_udp_port();
    std::ofstream(dir.path() + "/" + name + ".map") << map;
    std::ofstream(dir.path() + "/" + name + ".tag") << "set_tag=100 ip=127.0.0.5\n";
    const std::string conf = dir.path() + "/" + name + ".conf";
    std::ofstream(conf) << "nfacctd_ip: 127.0.0.1\nnfacctd_port: " << port << "\nplugins: tee[q]\n"
                        << "tee_receivers[q]: " << dir.path() << "/" << name << ".map\n"
                        << "pre_tag_map[q]: " << dir.path() << "/" << name << ".tag\n"
                        << config;
    Daemon d(program, conf, dir.path() + "/" + name + ".log");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ready();
    for (const Exporter* x : exporters) x->send_all(port);
    collect();
    return d.stop(SIGINT, 20000);
}

const char* program_of(const std::string& who) { return who == "ours" ? "nfacctd" : "/usr/sbin/nfacctd"; }

std::vector<Bytes> sorted(std::vector<Bytes> v) {
    std::sort(v.begin(), v.end());
    return v;
}

class TeeQueues : public ::testing::Test {
protected:
    TempDir dir;
    Exporter x5{5};
    Exporter x6{6};
};

// QUICKSTART XV with Kafka pools: exporter .5's datagrams are tagged 100 and go to one topic,
// .6's (untagged) to the other; ours and 1.7.7's topics hold the same messages, which are the
// exporters' packets.
TEST_F(TeeQueues, KafkaTopicsGetTheExportersPacketsAsDebian) {
    KafkaCluster kafka;
    for (const std::string who : {"ours", "debian"}) {
        const std::string tagged = who + ".tagged";
        const std::string untagged = who + ".untagged";
        kafka.create_topic(tagged);
        kafka.create_topic(untagged);
        const std::string map = fmt::format("id=1 kafka_broker={0} kafka_topic={1} tag=100\n"
                                            "id=2 kafka_broker={0} kafka_topic={2} tag=0\n",
                                            kafka.bootstraps(), tagged, untagged);
        // The datagrams are read before the stop (what sits in the socket buffer then is not).
        const int rc = run_replicator(program_of(who), dir, who, "tee_transparent: true\n", map, {&x5, &x6}, [] {},
                                      [] { std::this_thread::sleep_for(std::chrono::milliseconds(1000)); });
        if (who == "ours") {
            EXPECT_EQ(rc, 0) << read_file(dir.path() + "/ours.log");
        }
        // Every accounted datagram reached the broker before the daemon exited.
        EXPECT_EQ(kafka.consume(tagged, 2), x5.expected()) << who;
        EXPECT_EQ(kafka.consume(untagged, 2), x6.expected()) << who;
    }
}

// A ZeroMQ pool: the PUSH socket is bound at the address; every datagram of both exporters
// reaches the PULL socket connected to it, as from 1.7.7.
TEST_F(TeeQueues, ZeroMqSocketGetsTheExportersPacketsAsDebian) {
    std::vector<Bytes> want = x5.expected();
    for (Bytes& b : x6.expected()) want.push_back(std::move(b));
    for (const std::string who : {"ours", "debian"}) {
        const std::string address = fmt::format("127.0.0.1:{}", free_udp_port());  // a free TCP port too, in practice
        std::unique_ptr<ZmqPull> pull;
        std::vector<Bytes> got;
        const int rc = run_replicator(
            program_of(who), dir, who, "tee_transparent: true\n", fmt::format("id=1 zmq_address={}\n", address),
            {&x5, &x6},
            [&] {
                pull = std::make_unique<ZmqPull>("tcp://" + address);
                std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the connection is up
            },
            [&] { got = pull->receive(want.size()); });
        if (who == "ours") {
            EXPECT_EQ(rc, 0) << read_file(dir.path() + "/ours.log");
        }
        EXPECT_EQ(sorted(got), sorted(want)) << who;
    }
}

// A ZeroMQ pool with nobody connected: its datagrams are dropped with a warning, not queued
// (nor do they hold the daemon up), and once a consumer connects it gets what is sent from then
// on, and only that.
TEST_F(TeeQueues, ZeroMqDatagramsWithoutAConsumerAreDroppedWithAWarning) {
    const std::uint16_t port = free_udp_port();
    const std::string address = fmt::format("127.0.0.1:{}", free_udp_port());
    std::ofstream(dir.path() + "/alone.map") << fmt::format("id=1 zmq_address={}\n", address);
    const std::string conf = dir.path() + "/alone.conf";
    std::ofstream(conf) << "nfacctd_ip: 127.0.0.1\nnfacctd_port: " << port << "\nplugins: tee[q]\n"
                        << "tee_receivers[q]: " << dir.path() << "/alone.map\ntee_transparent: true\n";
    const std::string log_path = dir.path() + "/alone.log";
    Daemon d("nfacctd", conf, log_path);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    x5.send_all(port);
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    EXPECT_NE(read_file(log_path).find("queue full: datagram dropped"), std::string::npos) << read_file(log_path);

    ZmqPull pull("tcp://" + address);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the connection is up
    x5.send_all(port);
    // Twice as many asked for: had the first sending been kept, it would come now too.
    const std::vector<Bytes> want = x5.expected();
    EXPECT_EQ(pull.receive(2 * want.size()), want);
    const auto stop_started = Clock::now();
    EXPECT_EQ(d.stop(SIGINT, 20000), 0) << read_file(log_path);
    EXPECT_LT(Clock::now() - stop_started, std::chrono::seconds(5));
}

// The broker down and the producer queue small (tee_kafka_config_file): what does not fit is
// reported as not queued, what was queued is reported lost when the daemon stops, and the stop
// does not wait longer than its flush timeout (10 s).
TEST_F(TeeQueues, KafkaBrokerDownIsReportedNotWaitedFor) {
    KafkaCluster kafka;
    kafka.create_topic("down");
    kafka.set_down();
    const std::uint16_t port = free_udp_port();
    std::ofstream(dir.path() + "/down.map") << fmt::format("id=1 kafka_broker={} kafka_topic=down\n", kafka.bootstraps());
    std::ofstream(dir.path() + "/down.kafka") << "global, queue.buffering.max.messages, 2\n";
    const std::string conf = dir.path() + "/down.conf";
    std::ofstream(conf) << "nfacctd_ip: 127.0.0.1\nnfacctd_port: " << port
                        << "\ntee_transparent: true\nplugins: tee[q]\ntee_receivers[q]: " << dir.path()
                        << "/down.map\ntee_kafka_config_file: " << dir.path() << "/down.kafka\n";
    const std::string log_path = dir.path() + "/down.log";
    Daemon d("nfacctd", conf, log_path);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    x5.send_all(port);  // two datagrams: the queue is full
    x5.send_all(port);  // two more: refused after a second's wait each
    std::this_thread::sleep_for(std::chrono::milliseconds(3500));
    const auto stop_started = Clock::now();
    EXPECT_EQ(d.stop(SIGINT, 30000), 0);
    EXPECT_LT(Clock::now() - stop_started, std::chrono::seconds(15));
    const std::string log = read_file(log_path);
    EXPECT_NE(log.find("a datagram could not be queued: Local: Queue full"), std::string::npos) << log;
    EXPECT_NE(log.find("2 datagrams not delivered in 10000 ms; lost"), std::string::npos) << log;
}

// As 1.7.7: without tee_transparent a Kafka pool is refused with a warning and nothing is
// emitted to it.
TEST_F(TeeQueues, QueuesNeedTransparentModeAsDebian) {
    KafkaCluster kafka;
    kafka.create_topic("plain");
    const int rc = run_replicator("nfacctd", dir, "plain", "",
                                  fmt::format("id=1 kafka_broker={} kafka_topic=plain\n", kafka.bootstraps()), {&x5},
                                  [] {}, [] { std::this_thread::sleep_for(std::chrono::milliseconds(1000)); });
    EXPECT_EQ(rc, 0);
    const std::string log = read_file(dir.path() + "/plain.log");
    EXPECT_NE(log.find("plain.map:1: tee_receivers: tee_transparent must be true to emit to Kafka; rule ignored"),
              std::string::npos)
        << log;
    EXPECT_TRUE(kafka.consume("plain", 1).empty());
}

// SIGUSR2 while datagrams flow: the Kafka pool is kept across reloads (same broker and topic),
// and every datagram sent before, during and after them is in the topic exactly once. The
// producer takes tee_kafka_config_file's settings (lz4-compressed messages read back the same);
// the lines librdkafka refuses are reported by line and skipped.
TEST_F(TeeQueues, KafkaPoolSurvivesReloadsUnderTraffic) {
    KafkaCluster kafka;
    kafka.create_topic("reload");
    const std::uint16_t port = free_udp_port();
    const std::string map = fmt::format("id=1 kafka_broker={} kafka_topic=reload\n", kafka.bootstraps());
    std::ofstream(dir.path() + "/r.map") << map;
    std::ofstream(dir.path() + "/k.conf") << "! librdkafka settings\nglobal, no.such.key, 1\n"
                                             "topic, compression.codec, lz4\nglobal, linger.ms, 5\nbogus\n";
    const std::string conf = dir.path() + "/r.conf";
    std::ofstream(conf) << "nfacctd_ip: 127.0.0.1\nnfacctd_port: " << port
                        << "\ntee_transparent: true\nplugins: tee[q]\ntee_receivers[q]: " << dir.path()
                        << "/r.map\ntee_kafka_config_file: " << dir.path() << "/k.conf\n";
    Daemon d("nfacctd", conf, dir.path() + "/r.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    constexpr int kRounds = 40;
    for (int i = 0; i < kRounds; ++i) {
        x5.send_all(port);
        if (i % 4 == 0) ::kill(d.pid(), SIGUSR2);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(d.stop(SIGINT, 20000), 0) << read_file(dir.path() + "/r.log");
    const std::string log = read_file(dir.path() + "/r.log");
    EXPECT_NE(log.find("k.conf:2: tee_kafka_config_file: no.such.key: "), std::string::npos) << log;
    EXPECT_NE(log.find("k.conf:5: tee_kafka_config_file: expected 'global|topic, key, value'; line ignored"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find("k.conf:3:"), std::string::npos) << log;
    const auto got = kafka.consume("reload", 2 * kRounds);
    ASSERT_EQ(got.size(), 2U * kRounds);
    const auto one = x5.expected();
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], one[i % 2]) << i;
}

}  // namespace
}  // namespace pmacct::testing
