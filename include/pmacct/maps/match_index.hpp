// maps_index: hash indexes over the MATCH keys of a map's rules. A rule is filed in one index
// under the values of its keys (ip=192.0.2.1 in=5 under "ip/32, in" = 192.0.2.1, 5); a lookup
// hashes the record's values once per index and reads only the rules filed under them, plus
// the rules no index holds (negated or unindexable keys only, or none: catch-alls), in rule
// order, so that the first rule that holds is the one a reading of every rule would find.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pmacct/maps/match.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::maps {

class MatchIndex {
public:
    static constexpr std::size_t kMaxIndexes = 8;  // as pmacct
    static constexpr std::uint32_t kNone = ~std::uint32_t{0};

    // `rules[i]`: the conditions of rule i.
    static MatchIndex build(const std::vector<const std::vector<Condition>*>& rules);

    bool active() const { return !indexes_.empty(); }
    std::size_t indexes() const { return indexes_.size(); }
    // Rules no index holds, and why: only negated or unindexable keys, no key at all, or more
    // key combinations than kMaxIndexes.
    struct Unindexed {
        std::size_t unindexable = 0;
        std::size_t no_key = 0;
        std::size_t out_of_indexes = 0;
    };
    const Unindexed& unindexed() const { return unindexed_; }
    // What to tell the user about the rules no index holds; empty when every rule is indexed.
    std::string note() const;

    // The rules that may hold for one record, in rule order. Holds views into the index: valid
    // while it lives. No allocation.
    class Candidates {
    public:
        // The first candidate at `from` or after, kNone when there is none.
        std::uint32_t next(std::uint32_t from);

    private:
        friend class MatchIndex;
        std::array<std::span<const std::uint32_t>, kMaxIndexes + 1> lists_{};
        std::size_t count_ = 0;
    };
    Candidates candidates(const FlowRecord& r) const;

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    struct Index {
        std::vector<IndexPart> parts;
        std::unordered_map<std::string, std::vector<std::uint32_t>, Hash, std::equal_to<>> rules;
    };
    std::vector<Index> indexes_;
    std::vector<std::uint32_t> in_order_;  // rules no index holds
    Unindexed unindexed_;
};

}  // namespace pmacct::maps
