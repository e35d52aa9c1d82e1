#include "pmacct/aggregate/cache.hpp"

#include <cstring>
#include <map>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "pmacct/aggregate/time_bins.hpp"

namespace pmacct::aggregate {
namespace {

std::vector<std::uint8_t> key_of(std::uint32_t v, std::size_t size = 12) {
    std::vector<std::uint8_t> k(size, 0);
    std::memcpy(k.data(), &v, 4);
    return k;
}

Counters counters(std::uint64_t bytes, std::uint64_t packets, std::uint8_t flags = 0,
                  std::int64_t start = 100, std::int64_t end = 100) {
    Counters c;
    c.bytes = bytes;
    c.packets = packets;
    c.flows = 1;
    c.tcp_flags = flags;
    c.time_start = {start, 0};
    c.time_end = {end, 0};
    return c;
}

TEST(Cache, SumsCountersOrsFlagsAndWidensTimes) {
    Cache cache(12, 100);
    auto k = key_of(7);
    ASSERT_TRUE(cache.add(k.data(), 0, counters(100, 2, 0x02, 50, 60)));
    ASSERT_TRUE(cache.add(k.data(), 0, counters(40, 1, 0x10, 40, 55)));
    ASSERT_TRUE(cache.add(k.data(), 0, counters(1, 1, 0x01, 70, 90)));
    ASSERT_EQ(cache.size(), 1U);
    const auto a = cache.find(k.data(), 0);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->counters.bytes, 141U);
    EXPECT_EQ(a->counters.packets, 4U);
    EXPECT_EQ(a->counters.flows, 3U);
    EXPECT_EQ(a->counters.tcp_flags, 0x13);
    EXPECT_EQ(a->counters.time_start.sec, 40);
    EXPECT_EQ(a->counters.time_end.sec, 90);
}

TEST(Cache, TimeBinIsPartOfTheKey) {
    Cache cache(12, 100);
    auto k = key_of(1);
    cache.add(k.data(), 300, counters(1, 1));
    cache.add(k.data(), 600, counters(2, 1));
    EXPECT_EQ(cache.size(), 2U);
    EXPECT_EQ(cache.find(k.data(), 300)->counters.bytes, 1U);
    EXPECT_EQ(cache.find(k.data(), 600)->counters.bytes, 2U);
    EXPECT_FALSE(cache.find(k.data(), 900));
}

TEST(Cache, IteratesInFirstInsertionOrder) {
    Cache cache(12, 100);
    for (std::uint32_t v : {5U, 3U, 9U, 3U, 1U}) {
        auto k = key_of(v);
        cache.add(k.data(), 0, counters(v, 1));
    }
    std::vector<std::uint32_t> seen;
    cache.for_each([&](const std::uint8_t* key, const Aggregate&) {
        std::uint32_t v;
        std::memcpy(&v, key, 4);
        seen.push_back(v);
    });
    EXPECT_EQ(seen, (std::vector<std::uint32_t>{5, 3, 9, 1}));
    ASSERT_TRUE(cache.front());
    EXPECT_EQ(cache.front()->counters.bytes, 5U);
    cache.clear();
    EXPECT_FALSE(cache.front());
}

TEST(Cache, RefusesNewAggregatesWhenFullButStillUpdatesKnownOnes) {
    Cache cache(12, 3);
    for (std::uint32_t v = 0; v < 3; ++v) ASSERT_TRUE(cache.add(key_of(v).data(), 0, counters(1, 1)));
    EXPECT_FALSE(cache.add(key_of(99).data(), 0, counters(1, 1)));
    EXPECT_TRUE(cache.add(key_of(1).data(), 0, counters(1, 1)));
    EXPECT_EQ(cache.size(), 3U);
    cache.clear();
    EXPECT_TRUE(cache.empty());
    EXPECT_FALSE(cache.find(key_of(1).data(), 0));
    EXPECT_TRUE(cache.add(key_of(99).data(), 0, counters(5, 1)));
    EXPECT_EQ(cache.find(key_of(99).data(), 0)->counters.bytes, 5U);
}

// Against a std::map model: many keys, several rounds of clear(), both entry layouts.
class CacheModel : public ::testing::TestWithParam<Fields> {};

TEST_P(CacheModel, MatchesAReferenceModel) {
    Cache cache(12, 50000, GetParam());
    std::mt19937 rng(42);
    for (int round = 0; round < 3; ++round) {
        std::map<std::pair<std::uint32_t, std::int64_t>, std::uint64_t> model;
        for (int i = 0; i < 200000; ++i) {
            std::uint32_t v = static_cast<std::uint32_t>(rng() % 40000);
            std::int64_t bin = static_cast<std::int64_t>(rng() % 2) * 60;
            std::uint64_t bytes = rng() % 1500;
            auto k = key_of(v);
            if (!cache.add(k.data(), bin, counters(bytes, 1))) {
                ASSERT_GE(cache.size(), cache.capacity());
                continue;
            }
            model[{v, bin}] += bytes;
        }
        ASSERT_EQ(cache.size(), model.size());
        for (const auto& [kb, bytes] : model) {
            const auto a = cache.find(key_of(kb.first).data(), kb.second);
            ASSERT_TRUE(a);
            ASSERT_EQ(a->counters.bytes, bytes);
            ASSERT_EQ(a->basetime, kb.second);
        }
        cache.clear();
    }
}

INSTANTIATE_TEST_SUITE_P(Fields, CacheModel, ::testing::Values(Fields::kAll, Fields::kVolume));

TEST(Cache, VolumeKeepsBytesPacketsAndTheFirstFlowType) {
    Cache cache(12, 100, Fields::kVolume);
    auto k = key_of(7);
    Counters first = counters(100, 2, 0x02, 50, 60);
    first.flow_type = FlowType::kEvent;
    ASSERT_TRUE(cache.add(k.data(), 300, first));
    ASSERT_TRUE(cache.add(k.data(), 300, counters(40, 1, 0x10, 40, 55)));
    ASSERT_TRUE(cache.add(key_of(8).data(), 300, counters(5, 1)));
    ASSERT_EQ(cache.size(), 2U);
    const auto a = cache.find(k.data(), 300);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->basetime, 300);
    EXPECT_EQ(a->counters.bytes, 140U);
    EXPECT_EQ(a->counters.packets, 3U);
    EXPECT_EQ(a->counters.flow_type, FlowType::kEvent);
    // What it does not keep reads as zero.
    EXPECT_EQ(a->counters.flows, 0U);
    EXPECT_EQ(a->counters.tcp_flags, 0);
    EXPECT_TRUE(a->counters.time_start.empty());
    EXPECT_EQ(cache.find(key_of(8).data(), 300)->counters.flow_type, FlowType::kIpv4);
    std::vector<std::pair<std::uint32_t, std::uint64_t>> seen;
    cache.for_each([&](const std::uint8_t* key, const Aggregate& g) {
        std::uint32_t v;
        std::memcpy(&v, key, 4);
        seen.emplace_back(v, g.counters.bytes);
    });
    EXPECT_EQ(seen, (std::vector<std::pair<std::uint32_t, std::uint64_t>>{{7, 140}, {8, 5}}));
}

TEST(Cache, AFiveTupleVolumeEntryFitsOneCacheLine) {
    // src_host, dst_host (16 + 1 each), ports, proto: 39 bytes of key.
    EXPECT_LE(Cache::bytes_per_entry(39, Fields::kVolume), 64U + 12U);
    EXPECT_GT(Cache::bytes_per_entry(39, Fields::kAll), 64U + 12U);
}

TEST(Cache, GrowsKeepingEveryAggregateAndTheOrder) {
    Cache cache(12, 4);
    for (std::uint32_t v = 0; v < 4; ++v) ASSERT_TRUE(cache.add(key_of(v).data(), 0, counters(v, 1)));
    ASSERT_FALSE(cache.add(key_of(100).data(), 0, counters(1, 1)));
    ASSERT_TRUE(cache.grow(1000));
    for (std::uint32_t v = 4; v < 1000; ++v) ASSERT_TRUE(cache.add(key_of(v).data(), 0, counters(v, 1)));
    for (std::uint32_t v = 0; v < 1000; ++v) ASSERT_EQ(cache.find(key_of(v).data(), 0)->counters.bytes, v);
    std::uint32_t expect = 0;
    cache.for_each([&](const std::uint8_t* key, const Aggregate&) {
        std::uint32_t v;
        std::memcpy(&v, key, 4);
        EXPECT_EQ(v, expect++);
    });
}

TEST(Cache, AHashTakenOnOneCacheServesAnotherAndPrefetchingChangesNothing) {
    Cache plain(12, 100000);
    Cache other(12, 100000);
    Cache hashed(12, 100000);
    std::mt19937 rng(7);
    for (int i = 0; i < 300000; ++i) {
        const auto k = key_of(static_cast<std::uint32_t>(rng() % 70000));
        const auto c = counters(rng() % 1500, 1);
        ASSERT_TRUE(plain.add(k.data(), 60, c));
        const std::uint64_t h = other.hash(k.data(), 60);  // the index of `hashed` keeps doubling
        hashed.prefetch_index(h);
        hashed.prefetch_entry(h);
        ASSERT_TRUE(hashed.add(k.data(), 60, c, h));
    }
    ASSERT_EQ(hashed.size(), plain.size());
    std::vector<std::pair<std::uint32_t, std::uint64_t>> a, b;
    plain.for_each([&](const std::uint8_t* key, const Aggregate& g) {
        std::uint32_t v;
        std::memcpy(&v, key, 4);
        a.emplace_back(v, g.counters.bytes);
    });
    hashed.for_each([&](const std::uint8_t* key, const Aggregate& g) {
        std::uint32_t v;
        std::memcpy(&v, key, 4);
        b.emplace_back(v, g.counters.bytes);
    });
    EXPECT_EQ(a, b);
}

TEST(Cache, HintsNamingTheWrongAggregateChangeNothing) {
    // A hint is an entry number: the right one, one taken on another cache (entries in another
    // order, or a cache swapped by a purge), one beyond the entries, or none. Only the right
    // one may skip the probe; the others must still find (or make) the key's own aggregate.
    for (const Fields fields : {Fields::kAll, Fields::kVolume}) {
        Cache plain(12, 50000, fields);
        Cache hinted(12, 50000, fields);
        Cache other(12, 50000, fields);
        std::mt19937 rng(11);
        for (int i = 0; i < 200000; ++i) {
            const auto k = key_of(static_cast<std::uint32_t>(rng() % 20000));
            const std::int64_t basetime = 60 * static_cast<std::int64_t>(rng() % 2);
            const auto c = counters(rng() % 1500, 1);
            ASSERT_TRUE(plain.add(k.data(), basetime, c));
            const auto o = key_of(static_cast<std::uint32_t>(rng() % 20000));
            ASSERT_TRUE(other.add(o.data(), basetime, c));
            const std::uint64_t h = hinted.hash(k.data(), basetime);
            std::uint32_t hint = 0;
            switch (rng() % 4) {
                case 0: hint = hinted.candidate(h); break;
                case 1: hint = other.candidate(h); break;
                case 2: hint = static_cast<std::uint32_t>(rng() % (2 * hinted.size() + 2)); break;
                default: break;
            }
            ASSERT_TRUE(hinted.add(k.data(), basetime, c, h, hint));
        }
        ASSERT_EQ(hinted.size(), plain.size());
        std::map<std::pair<std::uint32_t, std::int64_t>, std::uint64_t> a, b;
        plain.for_each([&](const std::uint8_t* key, const Aggregate& g) {
            std::uint32_t v;
            std::memcpy(&v, key, 4);
            a[{v, g.basetime}] = g.counters.bytes + (g.counters.packets << 40);
        });
        hinted.for_each([&](const std::uint8_t* key, const Aggregate& g) {
            std::uint32_t v;
            std::memcpy(&v, key, 4);
            b[{v, g.basetime}] = g.counters.bytes + (g.counters.packets << 40);
        });
        EXPECT_EQ(a, b);
    }
}

TEST(Cache, AHintIsTakenOnlyForItsOwnKeyAndTimeBin) {
    for (const Fields fields : {Fields::kAll, Fields::kVolume}) {
        Cache cache(12, 100, fields);
        const auto k = key_of(1);
        const auto other = key_of(2);
        const auto add = [&](const std::vector<std::uint8_t>& key, std::int64_t basetime, std::uint64_t bytes,
                             std::uint32_t hint) {
            ASSERT_TRUE(cache.add(key.data(), basetime, counters(bytes, 1), cache.hash(key.data(), basetime), hint));
        };
        const auto bytes_of = [&](const std::vector<std::uint8_t>& key, std::int64_t basetime) {
            const auto a = cache.find(key.data(), basetime);
            return a ? a->counters.bytes : 0;
        };
        add(k, 0, 10, 0);
        const std::uint32_t k_hint = cache.candidate(cache.hash(k.data(), 0));
        ASSERT_EQ(k_hint, 1U);
        add(k, 60, 5, k_hint);  // the same key in another time-bin: a new aggregate
        add(other, 0, 7, k_hint);  // another key
        EXPECT_EQ(cache.size(), 3U);
        EXPECT_EQ(bytes_of(k, 0), 10U);
        EXPECT_EQ(bytes_of(k, 60), 5U);
        EXPECT_EQ(bytes_of(other, 0), 7U);
        add(k, 0, 1, 3);  // names the last entry (the other key's)
        add(k, 0, 1, 4);  // one past the entries
        add(k, 0, 1, k_hint);
        EXPECT_EQ(bytes_of(k, 0), 13U);
        EXPECT_EQ(bytes_of(other, 0), 7U);
        // After clear() the entry numbers name other keys.
        cache.clear();
        add(other, 0, 3, 0);
        add(k, 0, 4, k_hint);
        EXPECT_EQ(cache.size(), 2U);
        EXPECT_EQ(bytes_of(other, 0), 3U);
        EXPECT_EQ(bytes_of(k, 0), 4U);
    }
}

TEST(Cache, KeysDifferingOnlyInTheirLastBytesStayApart) {
    // 13-byte keys: one 8-byte word and a 5-byte tail, compared and hashed separately.
    Cache cache(13, 1000);
    std::vector<std::uint8_t> k(13, 0xab);
    for (std::uint8_t last = 0; last < 200; ++last) {
        k[12] = last;
        ASSERT_TRUE(cache.add(k.data(), 0, counters(last, 1)));
    }
    EXPECT_EQ(cache.size(), 200u);
    k[12] = 199;
    ASSERT_TRUE(cache.find(k.data(), 0));
    EXPECT_EQ(cache.find(k.data(), 0)->counters.bytes, 199u);
}

TEST(Cache, EmptyKeyAggregatesEverything) {
    Cache cache(0, 10);
    cache.add(nullptr, 0, counters(10, 1));
    cache.add(nullptr, 0, counters(20, 2));
    ASSERT_EQ(cache.size(), 1U);
    EXPECT_EQ(cache.find(nullptr, 0)->counters.bytes, 30U);
}

// --- time-bins ----------------------------------------------------------------------------

std::int64_t utc(int y, int mo, int d, int h, int mi, int s) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return timegm(&tm);
}

TEST(TimeBins, RoundoffZeroesTheNamedFields) {
    const std::int64_t t = utc(2026, 11, 19, 10, 37, 42);  // a Thursday
    EXPECT_EQ(roundoff_time(t, "", true), utc(2026, 11, 19, 10, 37, 0));
    EXPECT_EQ(roundoff_time(t, "m", true), utc(2026, 11, 19, 10, 0, 0));
    EXPECT_EQ(roundoff_time(t, "h", true), utc(2026, 11, 19, 0, 0, 0));
    EXPECT_EQ(roundoff_time(t, "d", true), utc(2026, 11, 1, 0, 0, 0));
    EXPECT_EQ(roundoff_time(t, "w", true), utc(2026, 11, 15, 0, 0, 0));
    EXPECT_EQ(roundoff_time(t, "M", true), utc(2026, 1, 1, 0, 0, 0));
}

TEST(TimeBins, FiveMinuteBinsAlignedByRoundoff) {
    const std::int64_t now = utc(2026, 11, 19, 10, 37, 42);
    auto bins = TimeBins::create(*config::parse_history("5m"), "m", 0, now, true);
    ASSERT_TRUE(bins.has_value());
    EXPECT_EQ(bins->bin_start(utc(2026, 11, 19, 10, 37, 42)), utc(2026, 11, 19, 10, 35, 0));
    EXPECT_EQ(bins->bin_start(utc(2026, 11, 19, 10, 35, 0)), utc(2026, 11, 19, 10, 35, 0));
    EXPECT_EQ(bins->bin_start(utc(2026, 11, 19, 10, 34, 59)), utc(2026, 11, 19, 10, 30, 0));
    // Records older than the anchor fall in earlier bins of the same grid.
    EXPECT_EQ(bins->bin_start(utc(2026, 11, 19, 9, 2, 0)), utc(2026, 11, 19, 9, 0, 0));
    EXPECT_EQ(bins->bin_length(0), 300);
}

TEST(TimeBins, WithoutRoundoffTheGridStartsAtTheStartMinute) {
    const std::int64_t now = utc(2026, 11, 19, 10, 37, 42);
    auto bins = TimeBins::create(*config::parse_history("5m"), "", 0, now, true);
    EXPECT_EQ(bins->bin_start(utc(2026, 11, 19, 10, 40, 0)), utc(2026, 11, 19, 10, 37, 0));
    EXPECT_EQ(bins->bin_start(utc(2026, 11, 19, 10, 42, 0)), utc(2026, 11, 19, 10, 42, 0));
}

TEST(TimeBins, OffsetShiftsTheGrid) {
    const std::int64_t now = utc(2026, 11, 19, 10, 37, 42);
    auto bins = TimeBins::create(*config::parse_history("1h"), "h", 600, now, true);
    ASSERT_TRUE(bins.has_value());
    EXPECT_EQ(bins->bin_start(utc(2026, 11, 19, 10, 37, 42)), utc(2026, 11, 19, 10, 10, 0));
    EXPECT_EQ(bins->bin_start(utc(2026, 11, 19, 10, 5, 0)), utc(2026, 11, 19, 9, 10, 0));
    EXPECT_FALSE(TimeBins::create(*config::parse_history("1h"), "h", 3600, now, true).has_value());
}

TEST(TimeBins, CalendarMonths) {
    const std::int64_t now = utc(2026, 11, 19, 10, 37, 42);
    auto bins = TimeBins::create(*config::parse_history("1M"), "d", 0, now, true);
    ASSERT_TRUE(bins.has_value());
    EXPECT_EQ(bins->bin_start(utc(2026, 11, 30, 23, 59, 59)), utc(2026, 11, 1, 0, 0, 0));
    EXPECT_EQ(bins->bin_start(utc(2027, 2, 10, 0, 0, 0)), utc(2027, 2, 1, 0, 0, 0));
    EXPECT_EQ(bins->bin_length(utc(2027, 2, 1, 0, 0, 0)), 28 * 86400);
}

TEST(TimeBins, SubMinuteBins) {
    const std::int64_t now = utc(2026, 11, 19, 10, 37, 42);
    auto bins = TimeBins::create(*config::parse_history("10s"), "", 0, now, true);
    EXPECT_EQ(bins->bin_start(utc(2026, 11, 19, 10, 37, 42)), utc(2026, 11, 19, 10, 37, 40));
}

TEST(TimeBins, DisabledPutsEverythingInBinZero) {
    TimeBins none;
    EXPECT_FALSE(none.enabled());
    EXPECT_EQ(none.bin_start(123456), 0);
}

}  // namespace
}  // namespace pmacct::aggregate
