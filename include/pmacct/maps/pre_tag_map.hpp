// pre_tag_map: rules that set tag, tag2 and label on each record before it reaches the plugins
// (pmacct's "pretag"). The first rule whose MATCH keys all hold sets its value and ends the
// evaluation, unless it jumps (`jeq=<label>`, `jeq=next`) to go on from another rule; `stack`
// sums or ORs the tags met along the way; labels met along the way are joined with ','.
// A rule that cannot be read (unknown key, bad value, a key not supported yet) is reported with
// its line and left out, as pmacct does; the rest of the map is used.
// A rule without `ip` stands for IPv4 and for IPv6 exporters and so takes two of maps_entries,
// as in pmacct ("recirculation"); with pre_tag_map_dont_recirculate it takes one and applies to
// IPv4 exporters only. With maps_index, lookups go through a MatchIndex.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/daemon.hpp"
#include "pmacct/base/result.hpp"
#include "pmacct/maps/map_file.hpp"
#include "pmacct/maps/match.hpp"
#include "pmacct/maps/match_index.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::maps {

// What a map is for: tagging records for the plugins, or tagging datagrams for the tee plugin,
// which knows fewer keys (pmacct's tee dictionary: ip, engine_type, engine_id/source_id, in,
// out, src_mac, dst_mac, vlan, src_net, dst_net, bgp_nexthop; no set_label, no set_tos).
enum class MapUse : std::uint8_t { kAccounting, kTee };

class PreTagMap {
public:
    struct Loaded;
    // Reads `text` (`path` only names it in messages).
    static Loaded parse(std::string_view text, Daemon daemon, const MapLimits& limits,
                        MapUse use = MapUse::kAccounting);
    static Result<Loaded> load(const std::string& path, Daemon daemon, const MapLimits& limits,
                               MapUse use = MapUse::kAccounting);

    bool empty() const { return rules_.empty(); }
    std::size_t size() const { return rules_.size(); }
    // Some rule matches on what a single flow carries (in, out, MACs, VLAN, networks, BGP next
    // hop) rather than on what a whole datagram shares (exporter, engine): a tee plugin given
    // this map replicates flows dissected one per datagram (QUICKSTART XVa's "complex" map).
    bool needs_flows() const { return needs_flows_; }
    // maps_index was asked for and some rules are in an index.
    bool indexed() const { return index_.active(); }

    // Sets r.tag, r.tag2 and r.label (a view into `label_buffer`, valid until the next call); a
    // tag no rule sets is the record's exporter_tag (exporter_tag2).
    // Hot path: no allocation once the buffer has grown to the longest label.
    void apply(FlowRecord& r, std::string& label_buffer) const;

    enum class Stack : std::uint8_t { kNone, kSum, kOr };

    struct Rule {
        int line = 0;
        std::vector<Condition> conditions;
        enum class Set : std::uint8_t { kNone, kTag, kTag2, kLabel } set = Set::kNone;
        std::uint64_t value = 0;
        std::string label_value;
        bool set_tos = false;
        std::uint8_t tos = 0;
        Stack stack = Stack::kNone;
        std::string name;        // label=<name>
        std::string jump;        // jeq=<name> or "next"
        int jump_to = -1;        // rule index the jump goes on from; -1: no jump
    };

private:
    static Loaded compile(MapText text, Daemon daemon, const MapLimits& limits, MapUse use);
    std::vector<Rule> rules_;
    bool needs_flows_ = false;
    MatchIndex index_;
};

struct PreTagMap::Loaded {
    PreTagMap map;
    std::vector<MapProblem> problems;  // lines left out, with why
};

// pre_tag_filter / pre_tag2_filter: values, A-B ranges, -N / -A-B exclusions, evaluated in
// order as pmacct does: the first item holding the tag decides (an exclusion drops it); an
// exclusion that does not hold lets the tag through; a tag no item holds is dropped.
class TagFilter {
public:
    TagFilter() = default;  // no filter: everything passes
    static Result<TagFilter> parse(std::string_view spec);
    bool active() const { return !items_.empty(); }
    bool passes(std::uint64_t tag) const {
        for (const Item& i : items_) {
            if (i.low <= tag && tag <= i.high) return !i.negated;
            if (i.negated) return true;
        }
        return items_.empty();
    }

private:
    struct Item {
        std::uint64_t low = 0;
        std::uint64_t high = 0;
        bool negated = false;
    };
    std::vector<Item> items_;
};

// pre_tag_label_filter: labels, -label exclusions, "null" for records without a label; an item
// holds when the label starts with it (pmacct compares the item's length); evaluated in order
// like TagFilter.
class LabelFilter {
public:
    LabelFilter() = default;
    static LabelFilter parse(std::string_view spec);
    bool active() const { return !items_.empty(); }
    bool passes(std::string_view label) const;

private:
    struct Item {
        std::string text;
        bool negated = false;
    };
    std::vector<Item> items_;
};

}  // namespace pmacct::maps
