// Time-bins, stitching and pro-rating on hand-made NetFlow v5 and v9 flows whose times sit on
// and around one-minute boundaries, replayed through our nfacctd and Debian's nfacctd 1.7.7.
// 1.7.7's bins hold (start, start + length]; v5 bins by a millisecond-exact time and v9 by
// whole seconds; pro-rating is where we deliberately differ (docs/OUTPUT-FORMATS.md).
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon.hpp"
#include "run_program.hpp"
#include "test_support.hpp"
#include "v5_generator.hpp"

namespace pmacct::testing {
namespace {

// 2023-11-14 23:00:00 UTC: on a bin boundary.
constexpr std::uint32_t kUnixSecs = 1700002800;
constexpr std::uint32_t kUptime = 10000000;

std::uint32_t host(int i) { return 0x0A640000U + static_cast<std::uint32_t>(i); }  // 10.100.x.y

// One daemon ("ours" or "debian") over one datagram of `version`, JSON out.
DaemonRun run(const std::string& who, const TempDir& dir, int version, const std::vector<HandMadeFlow>& flows,
        const std::string& aggregate, const std::string& extra) {
    const std::string in = dir.path() + "/in.pcap";
    const auto datagram = version == 5 ? v5_datagram(kUnixSecs, kUptime, flows)
                                       : v9_datagram(kUnixSecs, kUptime, flows);
    EXPECT_TRUE(write_udp_pcap(in, {datagram}, 0x7F000002U, 2100, kUnixSecs));
    const std::string out = dir.path() + "/" + who + ".json";
    const std::string conf = dir.path() + "/" + who + ".conf";
    ::unlink(out.c_str());
    std::ofstream(conf) << "pcap_savefile: " << in
                        << "\nplugins: print[p]\nprint_output[p]: json\nprint_refresh_time: 3600\n"
                           "timestamps_utc: true\nprint_history[p]: 1m\nprint_history_roundoff[p]: m\n"
                           "aggregate[p]: "
                        << aggregate << "\n" << extra << "print_output_file[p]: " << out << "\n";
    return replay_savefile(who, conf, out);
}

// JSON rows without stamp_updated (the purge time), sorted.
std::vector<std::string> rows(const std::string& text) {
    static const std::regex updated(R"(, "stamp_updated": "[^"]*")");
    std::vector<std::string> out = lines_of(text);
    for (auto& line : out) line = std::regex_replace(line, updated, "");
    std::sort(out.begin(), out.end());
    return out;
}

std::string field(const std::string& row, const std::string& key) {
    const std::regex re("\"" + key + "\": \"?([^\",}]*)");
    std::smatch m;
    return std::regex_search(row, m, re) ? m[1].str() : std::string();
}

bool have_debian() { return ::access("/usr/sbin/nfacctd", X_OK) == 0; }

// Flows starting and ending a few milliseconds either side of 22:59:00, 23:00:00, 23:01:00,
// and one whose first time is after the header's sysUptime (v9 wraps it round 2^32 ms, v5
// does not).
std::vector<HandMadeFlow> boundary_flows() {
    const std::int64_t deltas[] = {-60001, -60000, -59999, -1001, -1000, -999, -500, -1,
                                   1,      500,    999,    1000,  1001,  59999, 60000, 60001};
    std::vector<HandMadeFlow> flows;
    int i = 0;
    for (const std::int64_t d : deltas) flows.push_back({host(++i), d, d + 30000, 1, 100});
    return flows;
}

class TimeBinsAgree : public ::testing::TestWithParam<int> {};

TEST_P(TimeBinsAgree, BinsAndStitchingAroundBoundaries) {
    if (!have_debian()) GTEST_SKIP() << "Debian's pmacct is not installed";
    TempDir dir;
    const std::string aggregate = "src_host, timestamp_start, timestamp_end";
    const std::string extra = "nfacctd_stitching[p]: true\n";
    const DaemonRun ours = run("ours", dir, GetParam(), boundary_flows(), aggregate, extra);
    const DaemonRun theirs = run("debian", dir, GetParam(), boundary_flows(), aggregate, extra);
    ASSERT_EQ(ours.exit_code, 0) << ours.log;
    ASSERT_FALSE(theirs.text.empty());
    EXPECT_EQ(rows(ours.text).size(), boundary_flows().size());
    EXPECT_EQ(rows(ours.text), rows(theirs.text)) << "ours:\n" << ours.text << "theirs:\n" << theirs.text;
}

INSTANTIATE_TEST_SUITE_P(Versions, TimeBinsAgree, ::testing::Values(5, 9),
                         [](const auto& p) { return "v" + std::to_string(p.param); });

// Pro-rating splits a flow over the bins it overlaps, by seconds. 1.7.7 truncates every share
// (999 of 1000 packets come out) and counts a packet at least in each bin; ours rounds
// cumulatively, so the shares add up to the flow. Per bin the two differ by at most one.
TEST(ProRating, SplitsByTimeAndKeepsTheTotals) {
    if (!have_debian()) GTEST_SKIP() << "Debian's pmacct is not installed";
    TempDir dir;
    const std::vector<HandMadeFlow> flows = {
        {host(1), -250000, -10000, 1000, 100000},  // 22:55:50 .. 22:59:50: 5 bins
        {host(2), -200700, -700, 1001, 1000001},   // ms-exact times (v5)
        {host(3), -90500, -30500, 700, 70007},     // 1 s in one bin, 59 in the next
        {host(4), -20000, -15000, 10, 1000},       // within one bin
    };
    for (const int version : {5, 9}) {
        const std::string extra = "nfacctd_pro_rating[p]: true\n";
        const DaemonRun ours = run("ours", dir, version, flows, "src_host", extra);
        const DaemonRun theirs = run("debian", dir, version, flows, "src_host", extra);
        ASSERT_EQ(ours.exit_code, 0) << ours.log;
        std::map<std::string, std::pair<long long, long long>> our_bins;  // ip/bin -> packets, bytes
        std::map<std::string, std::pair<long long, long long>> their_bins;
        std::map<std::string, std::pair<long long, long long>> our_totals;
        for (const auto& [text, bins] : {std::pair{&ours.text, &our_bins}, std::pair{&theirs.text, &their_bins}}) {
            for (const std::string& row : rows(*text)) {
                const std::string key = field(row, "ip_src") + " " + field(row, "stamp_inserted");
                (*bins)[key] = {std::stoll(field(row, "packets")), std::stoll(field(row, "bytes"))};
                if (bins == &our_bins) {
                    our_totals[field(row, "ip_src")].first += std::stoll(field(row, "packets"));
                    our_totals[field(row, "ip_src")].second += std::stoll(field(row, "bytes"));
                }
            }
        }
        ASSERT_GE(their_bins.size(), 11U) << theirs.text;
        ASSERT_EQ(our_bins.size(), their_bins.size()) << "v" << version << "\nours:\n" << ours.text << "theirs:\n" << theirs.text;
        for (const auto& [key, theirs_value] : their_bins) {
            ASSERT_TRUE(our_bins.count(key)) << key;
            EXPECT_LE(std::abs(our_bins[key].first - theirs_value.first), 1) << "v" << version << " " << key;
            EXPECT_LE(std::abs(our_bins[key].second - theirs_value.second), 1) << "v" << version << " " << key;
        }
        for (const HandMadeFlow& f : flows) {
            const std::string ip = "10.100.0." + std::to_string(f.src & 0xFF);
            EXPECT_EQ(our_totals[ip].first, f.packets) << ip;
            EXPECT_EQ(our_totals[ip].second, f.bytes) << ip;
        }
    }
}

// A flow that starts on a boundary: 1.7.7 puts all of it in the bin ending there and then its
// shares in the next ones again (counted twice); ours only splits it over the bins it overlaps.
TEST(ProRating, AFlowStartingOnABoundaryIsCountedOnce) {
    TempDir dir;
    const std::vector<HandMadeFlow> flows = {{host(1), -60000, 30000, 90, 9000}};  // 22:59:00 .. 23:00:30
    const DaemonRun ours = run("ours", dir, 5, flows, "src_host", "nfacctd_pro_rating[p]: true\n");
    ASSERT_EQ(ours.exit_code, 0) << ours.log;
    const auto r = rows(ours.text);
    ASSERT_EQ(r.size(), 2U) << ours.text;
    EXPECT_EQ(field(r[0], "stamp_inserted"), "2023-11-14 22:59:00");
    EXPECT_EQ(field(r[0], "packets"), "60");
    EXPECT_EQ(field(r[1], "stamp_inserted"), "2023-11-14 23:00:00");
    EXPECT_EQ(field(r[1], "packets"), "30");
}

TEST(ProRating, CannotBeUsedWithStitching) {
    TempDir dir;
    const DaemonRun ours = run("ours", dir, 5, {{host(1), -1000, 0, 1, 100}}, "src_host",
                         "nfacctd_pro_rating[p]: true\nnfacctd_stitching[p]: true\n");
    EXPECT_NE(ours.exit_code, 0);
    EXPECT_NE(ours.log.find("mutual exclusive"), std::string::npos) << ours.log;
}

}  // namespace
}  // namespace pmacct::testing
