// The text of pmacct's key=value maps (pre_tag_map, sampling_map, bgp_agent_map, ...): one rule
// per line of whitespace-separated `key=value` tokens, values with spaces in single quotes,
// comment lines starting with '!' or '#'. Lines longer than maps_row_len are left out with a
// warning; rules after the first maps_entries are cut. Each map gives the tokens their meaning.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/result.hpp"

namespace pmacct::maps {

struct MapToken {
    std::string key;    // lower-cased
    std::string value;  // quotes removed
};

struct MapRule {
    int line = 0;
    std::vector<MapToken> tokens;
};

// A line left out, or a note about the whole file (line 0).
struct MapProblem {
    int line = 0;
    std::string why;
};

// How maps are read: their limits, and the options of the maps that use MATCH keys.
struct MapLimits {
    std::size_t entries = 384;  // maps_entries
    std::size_t row_len = 256;  // maps_row_len
    bool index = false;             // maps_index
    bool dont_recirculate = false;  // pre_tag_map_dont_recirculate
};

struct MapText {
    std::vector<MapRule> rules;
    std::vector<MapProblem> problems;
};

MapText parse_map_text(std::string_view text, const MapLimits& limits);

// One R (with an `int line`) per rule of `text`: add(R&, const MapToken&) says why a token
// cannot be used (empty when it can), check(const R&) why the whole rule cannot. A rule with a
// why is reported in `problems` with its line and left out.
template <typename R, typename AddFn, typename CheckFn>
std::vector<R> compile_rules(const MapText& text, std::vector<MapProblem>& problems, AddFn&& add, CheckFn&& check) {
    std::vector<R> out;
    for (const MapRule& mr : text.rules) {
        R rule;
        rule.line = mr.line;
        std::string why;
        for (const MapToken& t : mr.tokens) {
            why = add(rule, t);
            if (!why.empty()) break;
        }
        if (why.empty()) why = check(rule);
        if (!why.empty()) {
            problems.push_back({mr.line, std::move(why)});
            continue;
        }
        out.push_back(std::move(rule));
    }
    return out;
}
// The file read and parsed; an error when it cannot be read.
Result<MapText> read_map_file(const std::string& path, const MapLimits& limits);

}  // namespace pmacct::maps
