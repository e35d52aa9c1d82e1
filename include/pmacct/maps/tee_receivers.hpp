// tee_receivers: where a tee plugin replicates datagrams to. Each rule is a pool of receivers:
//
//   id=<pool, 1 or more>  ip=<host:port>[,<host:port>...]   (both required)
//   tag=<list>            only datagrams whose pre_tag_map tag passes the list (values, A-B
//                         ranges, -N exclusions, as pre_tag_filter reads them)
//   balance-alg=<alg>     one receiver of the pool per datagram instead of all of them:
//                         rr, hash-tag, hash-agent or hash-crc32 (the tee plugin picks)
//   src_port=<port>       the source port replicated datagrams leave from (not transparent)
//
// Instead of `ip`, a pool can be a message queue (with tee_transparent only, as in 1.7.7; the
// tee plugin checks that):
//   kafka_broker=<host:port[,host:port...]> kafka_topic=<topic>   a Kafka topic
//   zmq_address=<host:port | tcp://... | inproc://...>            a ZeroMQ PUSH socket bound there
// `ip`, `kafka_broker` and `zmq_address` exclude one another; `kafka_topic` goes with
// `kafka_broker`.
//
// Hosts are IPv4 addresses, [IPv6] addresses or names (resolved when the map is read).
//
// Where 1.7.7 reads a bad value as 0 or drops the key and keeps the rule (tag=abc, src_port=abc,
// id=-1, balance-alg=foo, unknown keys, a receiver that does not resolve, an inverted tag range),
// pmacct-ng leaves the rule out and reports why. As in 1.7.7 (checked): two rules with the same
// id are two pools; a key given twice on a line keeps its last value; only the first
// tee_max_receivers receivers of a rule are used; rules beyond tee_max_receiver_pools are left
// out; maps_row_len applies but maps_entries does not (1.7.7 loads more rules than it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/result.hpp"
#include "pmacct/maps/map_file.hpp"
#include "pmacct/maps/pre_tag_map.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::maps {

enum class TeeBalance : std::uint8_t { kNone, kRoundRobin, kHashTag, kHashAgent, kHashCrc32 };

// "rr", "hash-tag", ...; "" for kNone.
std::string_view tee_balance_name(TeeBalance b);

struct TeeReceiver {
    std::string text;  // as written in the map: "collector.example.net:2100", "[::1]:2100"
    IpAddress address;
    std::uint16_t port = 0;
};

// Where a pool's datagrams go.
enum class TeeTarget : std::uint8_t { kUdp, kKafka, kZmq };

struct TeePool {
    int line = 0;
    std::uint64_t id = 0;
    TeeTarget target = TeeTarget::kUdp;
    std::vector<TeeReceiver> receivers;  // kUdp
    std::string kafka_broker;            // kKafka: librdkafka's bootstrap.servers
    std::string kafka_topic;
    std::string zmq_address;             // kZmq: as zmq_bind() takes it (tcp:// added when bare)
    TagFilter tags;  // inactive: every tag passes
    TeeBalance balance = TeeBalance::kNone;
    std::uint16_t src_port = 0;  // 0: any
};

struct TeeLimits {
    std::size_t row_len = 256;       // maps_row_len
    std::size_t max_pools = 128;     // tee_max_receiver_pools
    std::size_t max_receivers = 32;  // tee_max_receivers
};

class TeeReceivers {
public:
    struct Loaded;
    static Loaded parse(std::string_view text, const TeeLimits& limits);
    // An error when the file cannot be read.
    static Result<Loaded> load(const std::string& path, const TeeLimits& limits);

    const std::vector<TeePool>& pools() const { return pools_; }
    bool empty() const { return pools_.empty(); }

private:
    static Loaded compile(MapText text, const TeeLimits& limits);
    std::vector<TeePool> pools_;
};

struct TeeReceivers::Loaded {
    TeeReceivers map;
    std::vector<MapProblem> problems;  // rules left out, with why
    std::vector<MapProblem> notes;     // rules used, with part of them left out
};

}  // namespace pmacct::maps
