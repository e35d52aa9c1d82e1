// networks_file: networks with optional origin AS, peer AS and BGP next hop, one per line:
//   [<bgp_next_hop>,][[<peer_as>_]<origin_as>,]<prefix>/<length>
// IPv4 and IPv6. A lookup gives the longest network holding an address. The networks are
// flattened at load time into sorted, non-overlapping ranges, each pointing at its most
// specific network, so a lookup is one binary search over a contiguous array: no allocation,
// no per-lookup branching on prefix lengths, whatever the order of the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/result.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::maps {

// A line of a map file left out, and why.
struct SkippedLine {
    int line = 0;
    std::string why;
};

// The text of a map file; an error names the path.
Result<std::string> read_map_file(const std::string& path);

// What a networks_file line says about its network.
struct NetworkEntry {
    std::uint32_t origin_as = 0;
    std::uint32_t peer_as = 0;
    IpAddress next_hop;  // empty when the line gives none
    std::uint8_t length = 0;
};

class NetworksTable {
public:
    // Lines that cannot be used are left out and listed in `skipped` (file:line reporting is
    // the caller's: it knows the path).
    static NetworksTable parse(std::string_view text, std::vector<SkippedLine>& skipped);
    static Result<NetworksTable> load(const std::string& path, std::vector<SkippedLine>& skipped);

    // The longest network holding `a`; nullptr when none does.
    const NetworkEntry* lookup(const IpAddress& a) const {
        std::int32_t i = -1;
        if (a.family == 4) {
            i = v4_.find(load_v4(a));
        } else if (a.family == 6) {
            i = v6_.find(load_v6(a));
        }
        return i < 0 ? nullptr : &entries_[static_cast<std::size_t>(i)];
    }
    std::size_t size() const { return entries_.size(); }

    // An IPv6 address as a number, for ordering.
    struct Key6 {
        std::uint64_t hi = 0;
        std::uint64_t lo = 0;
        friend auto operator<=>(const Key6&, const Key6&) = default;
    };

private:
    // Sorted range starts; entry[i] is the network of [starts[i], starts[i+1]), -1 for none.
    template <typename K>
    struct Ranges {
        std::vector<K> starts;
        std::vector<std::int32_t> entry;
        std::int32_t find(const K& k) const {
            // upper_bound by hand: the array is small and hot, the loop branch-light.
            std::size_t lo = 0;
            std::size_t n = starts.size();
            while (n > 0) {
                const std::size_t half = n / 2;
                if (starts[lo + half] <= k) {
                    lo += half + 1;
                    n -= half + 1;
                } else {
                    n = half;
                }
            }
            return lo == 0 ? -1 : entry[lo - 1];
        }
    };
    template <typename K>
    struct Prefix {
        K start{};
        K end{};
        std::uint8_t length = 0;
        std::int32_t entry = 0;
        int line = 0;
    };
    template <typename K>
    static Ranges<K> flatten(std::vector<Prefix<K>>& prefixes, std::vector<SkippedLine>& skipped);

    static std::uint32_t load_v4(const IpAddress& a) {
        return (std::uint32_t{a.bytes[0]} << 24) | (std::uint32_t{a.bytes[1]} << 16) |
               (std::uint32_t{a.bytes[2]} << 8) | a.bytes[3];
    }
    static Key6 load_v6(const IpAddress& a) {
        Key6 k;
        for (int i = 0; i < 8; ++i) k.hi = (k.hi << 8) | a.bytes[static_cast<std::size_t>(i)];
        for (int i = 8; i < 16; ++i) k.lo = (k.lo << 8) | a.bytes[static_cast<std::size_t>(i)];
        return k;
    }

    std::vector<NetworkEntry> entries_;
    Ranges<std::uint32_t> v4_;
    Ranges<Key6> v6_;
};

}  // namespace pmacct::maps
