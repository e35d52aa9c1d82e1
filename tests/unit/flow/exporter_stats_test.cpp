// Per-exporter statistics, replaying what was sent to Debian's nfacctd 1.7.7
// (nfacctd_disable_checks: false) and comparing with its SIGUSR1 report.
#include "pmacct/flow/exporter_stats.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pmacct/flow/netflow_v5.hpp"
#include "ip_support.hpp"

namespace pmacct::flow {
namespace {

using pmacct::testing::ip;

// A v5 datagram of `count` records is 24 + 48 * count bytes.
std::size_t v5_bytes(std::uint32_t count) {
    return 24 + 48 * std::size_t{count};
}

TEST(ExporterStats, SequenceTrackingAsNfacctd) {
    ExporterStats stats;
    const ExporterKey agent{ip("127.0.0.1"), 0};
    struct Step {
        std::uint32_t seq;
        std::uint32_t count;
        SequenceCheck check;
        std::uint32_t expected;
    };
    // nfacctd logged: "expecting flow '106' but received '200'" and
    // "expecting flow '201' but received '150'".
    const Step steps[] = {
        {100, 2, SequenceCheck::kFirst, 0},          {102, 3, SequenceCheck::kGood, 102},
        {105, 1, SequenceCheck::kGood, 105},         {200, 1, SequenceCheck::kJumpForward, 106},
        {150, 1, SequenceCheck::kJumpBackward, 201}, {151, 1, SequenceCheck::kGood, 151},
        {152, 1, SequenceCheck::kGood, 152},
    };
    for (const Step& s : steps) {
        const SequenceResult r = stats.update(agent, s.seq, s.count, v5_bytes(s.count),
                                              Timestamp{1795337000 + s.seq, 0});
        EXPECT_EQ(r.check, s.check) << s.seq;
        EXPECT_EQ(r.received, s.seq);
        if (r.check != SequenceCheck::kFirst) {
            EXPECT_EQ(r.expected, s.expected) << s.seq;
        }
    }
    const ExporterCounters* c = stats.find(agent);
    ASSERT_NE(c, nullptr);
    // nfacctd: packets=7 bytes=648 seq_good=5 seq_jmp_fwd=1 seq_jmp_bck=1
    EXPECT_EQ(c->packets, 7u);
    EXPECT_EQ(c->bytes, 648u);
    EXPECT_EQ(c->seq_good, 5u);
    EXPECT_EQ(c->seq_jmp_fwd, 1u);
    EXPECT_EQ(c->seq_jmp_bck, 1u);
    EXPECT_EQ(c->last_seen, (Timestamp{1795337152, 0}));
}

TEST(ExporterStats, DisabledChecksCountEveryDatagramAsGood) {
    // nfacctd without nfacctd_disable_checks: false: 10 then 20 gives seq_good=2, no jump.
    ExporterStats stats(kDefaultMaxExporters, false);
    const ExporterKey agent{ip("127.0.0.1"), 513};
    EXPECT_EQ(stats.update(agent, 10, 1, 72, {}).check, SequenceCheck::kFirst);
    EXPECT_FALSE(stats.update(agent, 20, 1, 72, {}).jump());
    EXPECT_FALSE(stats.update(agent, 5, 1, 72, {}).jump());
    const ExporterCounters* c = stats.find(agent);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->packets, 3u);
    EXPECT_EQ(c->seq_good, 3u);
    EXPECT_EQ(c->seq_jmp_fwd, 0u);
    EXPECT_EQ(c->seq_jmp_bck, 0u);
}

TEST(ExporterStats, SequenceWrapsAround32Bits) {
    ExporterStats stats;
    const ExporterKey agent{ip("192.0.2.1"), 768};
    EXPECT_EQ(stats.update(agent, 4294967295u, 2, v5_bytes(2), {}).check, SequenceCheck::kFirst);
    EXPECT_EQ(stats.update(agent, 1, 1, v5_bytes(1), {}).check, SequenceCheck::kGood);
    EXPECT_EQ(stats.find(agent)->seq_good, 2u);
}

TEST(ExporterStats, ExportersAreKeyedByAddressAndSourceId) {
    ExporterStats stats;
    const ExporterKey a{ip("127.0.0.1"), 0};
    const ExporterKey b{ip("127.0.0.1"), 1280};
    const ExporterKey c{ip("::1"), 0};
    stats.update(a, 10, 1, 72, {});
    stats.update(b, 0, 1, 72, {});
    stats.update(c, 5, 1, 72, {});
    // Each keeps its own expectation: no jump across them.
    EXPECT_EQ(stats.update(b, 1, 1, 72, {}).check, SequenceCheck::kGood);
    EXPECT_EQ(stats.update(a, 11, 1, 72, {}).check, SequenceCheck::kGood);
    EXPECT_EQ(stats.update(c, 6, 1, 72, {}).check, SequenceCheck::kGood);
    EXPECT_EQ(stats.size(), 3u);
    EXPECT_EQ(stats.find(a)->packets, 2u);
    EXPECT_EQ(stats.find(ExporterKey{ip("127.0.0.2"), 0}), nullptr);
}

TEST(ExporterStats, ReportLinesInNfacctdWords) {
    ExporterStats stats;
    // Same traffic as sent to nfacctd: agent 0 (engine 0/0), agent 1280 (engine_id 5) and
    // agent 1536 (engine_id 6), inserted in a different order than reported.
    const ExporterKey a0{ip("127.0.0.1"), 0};
    NetflowV5Header h5;
    h5.engine_id = 5;
    NetflowV5Header h6;
    h6.engine_id = 6;
    const ExporterKey a1280{ip("127.0.0.1"), h5.source_id()};
    const ExporterKey a1536{ip("127.0.0.1"), h6.source_id()};
    stats.update(a1536, 1, 1, 72, {});
    stats.update(a1280, 0, 1, 72, {});
    stats.update(a1280, 1, 1, 72, {});
    const std::pair<std::uint32_t, std::uint32_t> seqs[] = {{100, 2}, {102, 3}, {105, 1}, {200, 1},
                                                            {150, 1}, {151, 1}, {152, 1}};
    for (auto [seq, count] : seqs) stats.update(a0, seq, count, v5_bytes(count), {});
    stats.count_discarded();
    stats.count_discarded();

    const std::vector<std::string> expected = {
        "+++",
        "stats [127.0.0.1:20991] agent=127.0.0.1:0 time=1795337171 packets=7 bytes=648 "
        "seq_good=5 seq_jmp_fwd=1 seq_jmp_bck=1",
        "stats [127.0.0.1:20991] agent=127.0.0.1:1280 time=1795337171 packets=2 bytes=144 "
        "seq_good=2 seq_jmp_fwd=0 seq_jmp_bck=0",
        "stats [127.0.0.1:20991] agent=127.0.0.1:1536 time=1795337171 packets=1 bytes=72 "
        "seq_good=1 seq_jmp_fwd=0 seq_jmp_bck=0",
        "stats [127.0.0.1:20991] time=1795337171 discarded_packets=2",
        "---",
    };
    EXPECT_EQ(stats.report_lines("127.0.0.1", 20991, 1795337171), expected);
}

TEST(ExporterStats, EmptyReport) {
    ExporterStats stats;
    const std::vector<std::string> expected = {
        "+++", "stats [0.0.0.0:2100] time=5 discarded_packets=0", "---"};
    EXPECT_EQ(stats.report_lines("0.0.0.0", 2100, 5), expected);
}

TEST(ExporterStats, JumpMessageInNfacctdWords) {
    ExporterStats stats;
    NetflowV5Header h;
    h.engine_type = 1;
    h.engine_id = 2;
    const ExporterKey agent{ip("127.0.0.1"), h.source_id()};
    stats.update(agent, 10, 1, 72, {});
    const SequenceResult r = stats.update(agent, 20, 1, 72, {});
    ASSERT_TRUE(r.jump());
    EXPECT_EQ(sequence_jump_message(r, "127.0.0.1", 20991, agent),
              "expecting flow '11' but received '20' collector=127.0.0.1:20991 "
              "agent=127.0.0.1:513");
}

TEST(ExporterStats, TableIsBounded) {
    ExporterStats stats(3);
    for (std::uint32_t i = 0; i < 3; ++i) {
        EXPECT_NE(stats.update(ExporterKey{IpAddress::v4(0x0a000001 + i), 0}, 1, 1, 72, {}).check,
                  SequenceCheck::kUntracked);
    }
    const ExporterKey extra{IpAddress::v4(0x0a0000ff), 0};
    EXPECT_EQ(stats.update(extra, 1, 1, 72, {}).check, SequenceCheck::kUntracked);
    EXPECT_EQ(stats.update(extra, 2, 1, 72, {}).check, SequenceCheck::kUntracked);
    EXPECT_EQ(stats.size(), 3u);
    EXPECT_EQ(stats.untracked(), 2u);
    EXPECT_EQ(stats.find(extra), nullptr);
    // Known exporters are still tracked.
    EXPECT_EQ(stats.update(ExporterKey{IpAddress::v4(0x0a000001), 0}, 2, 1, 72, {}).check,
              SequenceCheck::kGood);
    EXPECT_EQ(stats.report_lines("::", 2100, 0).size(), 3u + 3u);
}

}  // namespace
}  // namespace pmacct::flow
