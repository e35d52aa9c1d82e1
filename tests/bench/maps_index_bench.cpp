// maps_index: pre_tag_map lookups per second on a 5000-rule map, with and without the index.
// Rules tag by exporter and input interface (ip=10.0.x.y in=N), as a large per-interface map
// does; a catch-all closes the map. Records hit rules all over the map, and some none.
// Usage: maps_index_bench [rules] [lookups]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "pmacct/maps/pre_tag_map.hpp"

using namespace pmacct;

namespace {

double lookups_per_second(const maps::PreTagMap& map, const std::vector<FlowRecord>& records, std::size_t lookups) {
    std::string label;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < lookups; ++i) {
        FlowRecord r = records[i % records.size()];
        map.apply(r, label);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    return static_cast<double>(lookups) / took.count();
}

}  // namespace

int main(int argc, char** argv) {
    const int rules = argc > 1 ? std::atoi(argv[1]) : 5000;
    const std::size_t lookups = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200000;
    std::string text;
    for (int i = 0; i < rules; ++i) {
        text += "set_tag=" + std::to_string(i + 1) + " ip=10.0." + std::to_string(i / 4 / 250) + "." +
                std::to_string(i / 4 % 250) + " in=" + std::to_string(i % 4) + "\n";
    }
    text += "set_tag=99999\n";
    maps::MapLimits limits;
    limits.entries = static_cast<std::size_t>(rules) + 10;
    std::mt19937 rng(1);
    std::vector<FlowRecord> records(4096);
    for (FlowRecord& r : records) {
        const auto exporter = static_cast<std::uint32_t>(rng() % static_cast<unsigned>(rules / 4 + 10));
        r.peer_src_ip = IpAddress::v4(0x0A000000 + (exporter / 250) * 256 + exporter % 250);
        r.in_iface = static_cast<std::uint32_t>(rng() % 4);
    }
    double rates[2] = {0, 0};
    maps::PreTagMap maps[2];
    for (const bool index : {false, true}) {
        limits.index = index;
        auto loaded = maps::PreTagMap::parse(text, Daemon::kNfacctd, limits);
        // Ten times the lookups with the index: it is the fast one.
        rates[index] = lookups_per_second(loaded.map, records, index ? lookups * 10 : lookups);
        std::printf("%-10s %6zu rules: %12.0f lookups/s\n", index ? "maps_index" : "no index", loaded.map.size(),
                    rates[index]);
        maps[index] = std::move(loaded.map);
    }
    bool same = true;
    std::string label;
    for (const FlowRecord& record : records) {
        FlowRecord a = record;
        FlowRecord b = record;
        maps[0].apply(a, label);
        maps[1].apply(b, label);
        same = same && a.tag == b.tag;
    }
    std::printf("speed-up: %.0fx; same tags on every record: %s\n", rates[1] / rates[0], same ? "yes" : "NO");
    return same ? 0 : 1;
}
