// nfacctd_pro_rating: a flow's counters split over the time-bins it spans, in proportion to its
// seconds in each, adding up to the flow's totals.
#include <cstdint>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "pmacct/config/values.hpp"
#include "pmacct/plugin/caching_plugin.hpp"

namespace pmacct::plugin {
namespace {

using aggregate::Counters;

// One-minute bins on the minute (anchored at 2023-11-14 22:00:00 UTC).
constexpr std::int64_t kHour = 1699999200;

aggregate::TimeBins minutes() {
    auto b = aggregate::TimeBins::create(*config::parse_history("1m"), "m", 0, kHour + 3600, true);
    EXPECT_TRUE(b.has_value());
    return *b;
}

struct Share {
    std::int64_t bin;
    std::uint64_t packets;
    std::uint64_t bytes;
    std::uint64_t flows;
    bool operator==(const Share&) const = default;
};

std::vector<Share> split(const aggregate::TimeBins& bins, std::int64_t start, std::int64_t end,
                         std::uint64_t packets, std::uint64_t bytes) {
    Counters c;
    c.time_start = {start, 0};
    c.time_end = {end, 0};
    c.packets = packets;
    c.bytes = bytes;
    c.flows = 1;
    std::vector<Share> out;
    pro_rate(bins, c, [&](std::int64_t bin, const Counters& s) {
        EXPECT_EQ(s.time_start, c.time_start);
        out.push_back({bin - kHour, s.packets, s.bytes, s.flows});
    });
    return out;
}

TEST(ProRating, SharesFollowTheSecondsInEachBinAndAddUpToTheFlow) {
    const auto bins = minutes();
    // 22:56:20 .. 23:00:20: 40 + 60 + 60 + 60 + 20 seconds of 240.
    const auto shares = split(bins, kHour + 56 * 60 + 20, kHour + 60 * 60 + 20, 1000, 100000);
    const std::vector<Share> want = {{56 * 60, 166, 16666, 1},
                                     {57 * 60, 250, 25000, 1},
                                     {58 * 60, 250, 25000, 1},
                                     {59 * 60, 250, 25000, 1},
                                     {60 * 60, 84, 8334, 1}};
    EXPECT_EQ(shares, want);
}

TEST(ProRating, SmallCountersAreNotInflated) {
    const auto bins = minutes();
    // One packet of 10 bytes over five bins: the packet lands in one bin, the bytes add to 10.
    const auto shares = split(bins, kHour + 56 * 60 + 20, kHour + 60 * 60 + 20, 1, 10);
    ASSERT_EQ(shares.size(), 5U);
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    for (const Share& s : shares) {
        packets += s.packets;
        bytes += s.bytes;
        EXPECT_LE(s.bytes, 3U);
    }
    EXPECT_EQ(packets, 1U);
    EXPECT_EQ(bytes, 10U);
}

TEST(ProRating, WholeWhenTheFlowStaysInOneBinOrHasNoLaterEnd) {
    const auto bins = minutes();
    EXPECT_EQ(split(bins, kHour + 60, kHour + 119, 5, 50), (std::vector<Share>{{60, 5, 50, 1}}));
    // Ending exactly where the next bin starts: nothing of it is in that bin.
    EXPECT_EQ(split(bins, kHour + 60, kHour + 120, 5, 50), (std::vector<Share>{{60, 5, 50, 1}}));
    EXPECT_EQ(split(bins, kHour + 70, kHour + 10, 5, 50), (std::vector<Share>{{60, 5, 50, 1}}));
    EXPECT_EQ(split(bins, kHour + 70, kHour + 70, 5, 50), (std::vector<Share>{{60, 5, 50, 1}}));
}

TEST(ProRating, HugeCountersDoNotOverflow) {
    const auto bins = minutes();
    const std::uint64_t big = ~std::uint64_t{0} - 7;
    const auto shares = split(bins, kHour, kHour + 7 * 24 * 3600, big, big);
    ASSERT_EQ(shares.size(), 7U * 24 * 60);
    std::uint64_t total = 0;
    for (const Share& s : shares) total += s.bytes;
    EXPECT_EQ(total, big);
}

}  // namespace
}  // namespace pmacct::plugin
