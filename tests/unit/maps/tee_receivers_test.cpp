// tee_receivers: pools, receivers, tags, balancing and source ports read from the map; bad rules
// left out with why; the limits. Where a case says "1.7.7", Debian's nfacctd 1.7.7 was run on the
// same line (tee plugin on loopback) and what its receivers got is what the test expects.
#include "pmacct/maps/tee_receivers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ip_support.hpp"
#include "test_support.hpp"

namespace pmacct::maps {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using pmacct::testing::ip;

std::vector<std::string> lines(const std::vector<MapProblem>& problems) {
    std::vector<std::string> out;
    for (const auto& p : problems) out.push_back(std::to_string(p.line) + ": " + p.why);
    return out;
}

TEST(TeeReceivers, PoolsReceiversTagsBalancingAndSourcePorts) {
    const auto loaded = TeeReceivers::parse(
        "! QUICKSTART XV\n"
        "id=1 ip=192.0.2.1:2100\n"
        "id=2\tip=192.0.2.2:2100,192.0.2.3:2101  tag=100,110-120\n"
        "id=3 ip=[2001:db8::1]:2100 balance-alg=hash-crc32 src_port=40000\n"
        "# the rest\n"
        "id=4 ip=192.0.2.4:1,[::1]:65535 balance-alg=rr\n"
        "id=5 ip=192.0.2.5:9 balance-alg=hash-tag\n"
        "id=6 ip=192.0.2.6:9 balance-alg=hash-agent\n",
        {});
    EXPECT_THAT(lines(loaded.problems), ElementsAre());
    EXPECT_THAT(lines(loaded.notes), ElementsAre());
    const auto& pools = loaded.map.pools();
    ASSERT_EQ(pools.size(), 6U);

    EXPECT_EQ(pools[0].line, 2);
    EXPECT_EQ(pools[0].id, 1U);
    ASSERT_EQ(pools[0].receivers.size(), 1U);
    EXPECT_EQ(pools[0].receivers[0].address, ip("192.0.2.1"));
    EXPECT_EQ(pools[0].receivers[0].port, 2100);
    EXPECT_EQ(pools[0].receivers[0].text, "192.0.2.1:2100");
    EXPECT_FALSE(pools[0].tags.active());
    EXPECT_EQ(pools[0].balance, TeeBalance::kNone);
    EXPECT_EQ(pools[0].src_port, 0);

    ASSERT_EQ(pools[1].receivers.size(), 2U);
    EXPECT_EQ(pools[1].receivers[1].address, ip("192.0.2.3"));
    EXPECT_EQ(pools[1].receivers[1].port, 2101);
    EXPECT_TRUE(pools[1].tags.passes(100));
    EXPECT_TRUE(pools[1].tags.passes(112));
    EXPECT_TRUE(pools[1].tags.passes(120));
    EXPECT_FALSE(pools[1].tags.passes(0));
    EXPECT_FALSE(pools[1].tags.passes(101));

    EXPECT_EQ(pools[2].receivers[0].address, ip("2001:db8::1"));
    EXPECT_EQ(pools[2].receivers[0].text, "[2001:db8::1]:2100");
    EXPECT_EQ(pools[2].balance, TeeBalance::kHashCrc32);
    EXPECT_EQ(pools[2].src_port, 40000);

    EXPECT_EQ(pools[3].line, 6);
    EXPECT_EQ(pools[3].balance, TeeBalance::kRoundRobin);
    EXPECT_EQ(pools[3].receivers[1].address, ip("::1"));
    EXPECT_EQ(pools[3].receivers[1].port, 65535);
    EXPECT_EQ(pools[4].balance, TeeBalance::kHashTag);
    EXPECT_EQ(pools[5].balance, TeeBalance::kHashAgent);
}

TEST(TeeReceivers, HostNamesAreResolved) {
    const auto loaded = TeeReceivers::parse("id=1 ip=localhost:2100\n", {});
    ASSERT_THAT(lines(loaded.problems), ElementsAre());
    const IpAddress& a = loaded.map.pools().at(0).receivers.at(0).address;
    EXPECT_TRUE(a == ip("127.0.0.1") || a == ip("::1")) << a.to_string();
    EXPECT_EQ(loaded.map.pools()[0].receivers[0].text, "localhost:2100");
}

// Tag lists are evaluated as pre_tag_filter is, item by item; these four pools got, from 1.7.7,
// the datagrams of tag 0 and 7 marked below.
TEST(TeeReceivers, TagListsPassWhat177Passes) {
    const auto loaded = TeeReceivers::parse("id=1 ip=127.0.0.1:3001 tag=-7,7\n"   // 0
                                            "id=2 ip=127.0.0.1:3002 tag=-3,7\n"   // 0 and 7
                                            "id=3 ip=127.0.0.1:3003 tag=-0-8\n"   // neither
                                            "id=4 ip=127.0.0.1:3004 tag=8,-7\n"   // 0
                                            "id=5 ip=127.0.0.1:3004 tag=5-10\n"   // 7
                                            "id=6 ip=127.0.0.1:3004 tag=0\n",     // 0
                                            {});
    ASSERT_THAT(lines(loaded.problems), ElementsAre());
    std::vector<std::pair<bool, bool>> got;
    for (const auto& p : loaded.map.pools()) got.emplace_back(p.tags.passes(0), p.tags.passes(7));
    EXPECT_THAT(got, ElementsAre(std::pair{true, false}, std::pair{true, true}, std::pair{false, false},
                                 std::pair{true, false}, std::pair{false, true}, std::pair{true, false}));
}

TEST(TeeReceivers, BadRulesAreLeftOutWithWhy) {
    const auto loaded = TeeReceivers::parse(
        "id=0 ip=127.0.0.1:3001\n"                           // 1
        "ip=127.0.0.1:3001\n"                                // 2
        "id=2\n"                                             // 3
        "id=3 ip=127.0.0.1\n"                                // 4: 1.7.7 also refuses a receiver without port
        "id=4 ip=::1:3001\n"                                 // 5: 1.7.7 reads [::1]:3001
        "id=5 ip=127.0.0.1:3001 balance-alg=foo\n"           // 6: 1.7.7 keeps the pool, unbalanced
        "id=6 ip=127.0.0.1:3001 tag=abc\n"                   // 7: 1.7.7 reads tag 0
        "id=7 ip=127.0.0.1:3001 foo=bar\n"                   // 8: 1.7.7 keeps the pool
        "id=8 ip=127.0.0.1:3001 src_port=abc\n"              // 9: 1.7.7 sends from any port
        "id=9 ip=127.0.0.1:3001 kafka_broker=127.0.0.1:9092\n"
        "id=10 ip=127.0.0.1:3001 zmq_address=127.0.0.1:50000\n"
        "id=11 ip=127.0.0.1:3001 tag=5-3\n"                  // 12: 1.7.7 drops the list (all pass)
        "id=-1 ip=127.0.0.1:3001\n"                          // 13: 1.7.7 accepts it
        "id=12 ip=127.0.0.1:99999\n"
        "id=13 ip=127.0.0.1:3001,no-such-host.invalid:3002\n"  // 15: 1.7.7 keeps a dead receiver
        "id=14 ip=[::1]:3001 src_port=0\n"
        "id=15 ip=127.0.0.1:3001 tag=\n"
        "id=16 ip=127.0.0.1:3001 balance-alg=RR\n"           // 18: names are lower case in 1.7.7 too
        "id=17 ip=, kafka_topic=x\n"                         // 19
        "id=18 ip=127.0.0.1:3001 tag=1-\n"
        "id=19 ip=127.0.0.1:3001:3002\n"
        "id=20 ip=127.0.0.1:0\n"
        "id=21 ip=[::1]\n",
        {});
    EXPECT_TRUE(loaded.map.empty());
    EXPECT_THAT(lines(loaded.problems),
                ElementsAre(HasSubstr("1: id: '0' is not a pool id"), HasSubstr("2: 'id' (the pool) and 'ip' (its receivers) are required"),
                            HasSubstr("3: 'id' (the pool) and 'ip'"), HasSubstr("4: ip: receiver '127.0.0.1': a port is required"),
                            HasSubstr("5: ip: receiver '::1:3001': a port is required: write IPv6 receivers as [address]:port"),
                            HasSubstr("6: balance-alg: 'foo' is not rr, hash-tag, hash-agent or hash-crc32"),
                            HasSubstr("7: tag: 'abc' is not a tag"), HasSubstr("8: unknown key 'foo'"),
                            HasSubstr("9: src_port: 'abc' is not a port"),
                            HasSubstr("10: 'ip', 'kafka_broker' and 'zmq_address' exclude one another"),
                            HasSubstr("11: 'ip', 'kafka_broker' and 'zmq_address' exclude one another"),
                            HasSubstr("12: tag: '5-3' is not a tag or a range"), HasSubstr("13: id: '-1' is not a pool id"),
                            HasSubstr("14: ip: receiver '127.0.0.1:99999': '99999' is not a port number"),
                            HasSubstr("15: ip: receiver 'no-such-host.invalid:3002': cannot resolve 'no-such-host.invalid'"),
                            HasSubstr("16: src_port: '0' is not a port"), HasSubstr("17: tag: empty list"),
                            HasSubstr("18: balance-alg: 'RR' is not"), HasSubstr("19: ip: no receiver given"),
                            HasSubstr("20: tag: '1-' is not a tag"), HasSubstr("21: ip: receiver '127.0.0.1:3001:3002'"),
                            HasSubstr("22: ip: receiver '127.0.0.1:0': a port is required"),
                            HasSubstr("23: ip: receiver '[::1]': a port is required (host:port, [IPv6]:port)")));
}

// Pools that are message queues: a Kafka topic or a ZeroMQ socket instead of UDP receivers
// (1.7.7's keys; a bare host:port is a TCP address for ZeroMQ, as in 1.7.7).
TEST(TeeReceivers, QueuePools) {
    const auto loaded = TeeReceivers::parse(
        "id=1 kafka_broker=127.0.0.1:9092,127.0.0.2:9092 kafka_topic=pmacct.tee tag=100\n"  // 1
        "id=2 zmq_address=127.0.0.1:50000\n"                                                // 2
        "id=3 zmq_address=tcp://[::1]:50001 balance-alg=rr\n"                               // 3
        "id=4 zmq_address=ipc:///tmp/x\n"                                                   // 4
        "id=5 kafka_broker=127.0.0.1:9092\n"                                                // 5
        "id=6 ip=127.0.0.1:3001 kafka_topic=t\n"                                            // 6
        "id=7 kafka_topic=t\n"                                                              // 7
        "id=8 kafka_broker= kafka_topic=t\n"                                                // 8
        "id=9 kafka_broker=127.0.0.1:9092 zmq_address=127.0.0.1:1 kafka_topic=t\n",         // 9
        {});
    EXPECT_THAT(lines(loaded.problems),
                ElementsAre(HasSubstr("4: zmq_address: 'ipc:///tmp/x': only tcp:// and inproc:// are supported"),
                            HasSubstr("5: 'kafka_topic' is required with 'kafka_broker'"),
                            HasSubstr("6: 'kafka_topic' goes with 'kafka_broker'"),
                            HasSubstr("7: 'id' (the pool) and 'ip' (its receivers) are required ('kafka_broker' or"),
                            HasSubstr("8: kafka_broker: empty"),
                            HasSubstr("9: 'ip', 'kafka_broker' and 'zmq_address' exclude one another")));
    const auto& pools = loaded.map.pools();
    ASSERT_EQ(pools.size(), 3U);
    EXPECT_EQ(pools[0].target, TeeTarget::kKafka);
    EXPECT_EQ(pools[0].kafka_broker, "127.0.0.1:9092,127.0.0.2:9092");
    EXPECT_EQ(pools[0].kafka_topic, "pmacct.tee");
    EXPECT_TRUE(pools[0].receivers.empty());
    EXPECT_FALSE(pools[0].tags.passes(7));
    EXPECT_TRUE(pools[0].tags.passes(100));
    EXPECT_EQ(pools[1].target, TeeTarget::kZmq);
    EXPECT_EQ(pools[1].zmq_address, "tcp://127.0.0.1:50000");
    EXPECT_EQ(pools[2].zmq_address, "tcp://[::1]:50001");
}

// As 1.7.7 (checked): same id twice is two pools; empty list items are skipped; the last value
// of a key given twice wins.
TEST(TeeReceivers, RepeatsAsIn177) {
    const auto loaded = TeeReceivers::parse("id=15 ip=127.0.0.1:3002\n"
                                            "id=15 ip=127.0.0.1:3003 balance-alg=rr\n"
                                            "id=14 ip=127.0.0.1:3001,,127.0.0.1:3002,\n"
                                            "id=22 ip=127.0.0.1:3001 ip=127.0.0.1:3002 id=24\n",
                                            {});
    ASSERT_THAT(lines(loaded.problems), ElementsAre());
    const auto& pools = loaded.map.pools();
    ASSERT_EQ(pools.size(), 4U);
    EXPECT_EQ(pools[0].id, 15U);
    EXPECT_EQ(pools[1].id, 15U);
    EXPECT_EQ(pools[1].receivers.at(0).port, 3003);
    EXPECT_EQ(pools[2].receivers.size(), 2U);
    EXPECT_EQ(pools[3].id, 24U);
    ASSERT_EQ(pools[3].receivers.size(), 1U);
    EXPECT_EQ(pools[3].receivers[0].port, 3002);
}

TEST(TeeReceivers, Limits) {
    TeeLimits limits;
    limits.max_receivers = 2;
    limits.max_pools = 3;
    limits.row_len = 60;
    const auto loaded = TeeReceivers::parse("id=1 ip=127.0.0.1:3001,127.0.0.1:3002,127.0.0.1:3003\n"
                                            "id=2 ip=127.0.0.1:3001 tag=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"
                                            "id=3 ip=127.0.0.1:3001\n"
                                            "id=4 ip=bad\n"
                                            "id=5 ip=127.0.0.1:3001\n"
                                            "id=6 ip=127.0.0.1:3001\n",
                                            limits);
    // As 1.7.7: the first tee_max_receivers receivers of a rule are used, and rules past
    // tee_max_receiver_pools are left out.
    EXPECT_THAT(lines(loaded.notes), ElementsAre("1: 3 receivers, more than tee_max_receivers (2): only the first 2 are used"));
    EXPECT_THAT(lines(loaded.problems),
                ElementsAre(HasSubstr("2: line longer than maps_row_len (60)"), HasSubstr("4: ip: receiver 'bad'"),
                            "6: more pools than tee_max_receiver_pools (3)"));
    ASSERT_EQ(loaded.map.pools().size(), 3U);
    EXPECT_EQ(loaded.map.pools()[0].receivers.size(), 2U);
    EXPECT_EQ(loaded.map.pools()[2].id, 5U);
}

// 1.7.7 loads three pools with maps_entries: 2 (checked): only tee_max_receiver_pools limits them.
TEST(TeeReceivers, MapsEntriesDoesNotCutTheMap) {
    std::string text;
    for (int i = 1; i <= 500; ++i) text += fmt::format("id={} ip=127.0.0.1:{}\n", i, 3000 + i);
    TeeLimits limits;
    limits.max_pools = 1000;
    EXPECT_EQ(TeeReceivers::parse(text, limits).map.pools().size(), 500U);
}

TEST(TeeReceivers, LoadReadsTheFileOrSaysItCannot) {
    pmacct::testing::TempDir dir;
    const std::string path = dir.path() + "/tee_receivers.lst";
    EXPECT_THAT(TeeReceivers::load(path, {}).error(), HasSubstr("cannot read"));
    {
        std::ofstream(path) << "id=1 ip=127.0.0.1:2100\nid=x ip=127.0.0.1:2100\n";
    }
    auto loaded = TeeReceivers::load(path, {});
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->map.pools().size(), 1U);
    EXPECT_THAT(lines(loaded->problems), ElementsAre(HasSubstr("2: id: 'x' is not a pool id")));
}

// The example map is used as it is, and so are the lines it shows commented out.
TEST(TeeReceivers, TheExampleFileReads) {
    const std::string text = pmacct::testing::read_file(PMACCT_SOURCE_DIR "/examples/tee_receivers.lst.example");
    const auto loaded = TeeReceivers::parse(text, {});
    EXPECT_THAT(lines(loaded.problems), ElementsAre());
    EXPECT_EQ(loaded.map.pools().size(), 3U);
    std::string commented;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (l.rfind("! id=", 0) == 0) commented += l.substr(2) + "\n";
    }
    const auto more = TeeReceivers::parse(commented, {});
    EXPECT_THAT(lines(more.problems), ElementsAre());
    EXPECT_EQ(more.map.pools().size(), 6U);
}

}  // namespace
}  // namespace pmacct::maps
