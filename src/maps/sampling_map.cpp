#include "pmacct/maps/sampling_map.hpp"

#include <fmt/format.h>

namespace pmacct::maps {

SamplingMap::Loaded SamplingMap::compile(MapText text) {
    Loaded out;
    out.problems = std::move(text.problems);
    out.map.rules_ = compile_rules<Rule>(
        text, out.problems,
        [](Rule& rule, const MapToken& t) -> std::string {
            if (t.key == "id") {
                auto n = map_number(t.value, 0xFFFFFFFF);
                if (!n || *n == 0) return fmt::format("id: '{}' is not a sampling rate (1 or more)", t.value);
                rule.rate = static_cast<std::uint32_t>(*n);
                return {};
            }
            MatchField field;
            if ((t.key != "ip" && t.key != "in" && t.key != "out") || !match_field(t.key, field)) {
                return fmt::format("unknown key '{}'", t.key);
            }
            Condition c;
            if (std::string why = parse_condition(t.key, field, t.value, c); !why.empty()) {
                return fmt::format("{}: {}", t.key, why);
            }
            rule.conditions.push_back(c);
            return {};
        },
        [](const Rule& rule) -> std::string { return rule.rate == 0 ? "no id (the sampling rate)" : ""; });
    return out;
}

SamplingMap::Loaded SamplingMap::parse(std::string_view text, const MapLimits& limits) {
    return compile(parse_map_text(text, limits));
}

Result<SamplingMap::Loaded> SamplingMap::load(const std::string& path, const MapLimits& limits) {
    auto text = read_map_file(path, limits);
    if (!text) return fail(text.error());
    return compile(std::move(*text));
}

std::uint32_t SamplingMap::rate_for(const FlowRecord& r) const {
    for (const Rule& rule : rules_) {
        bool all = true;
        for (const Condition& c : rule.conditions) {
            if (!holds(c, r)) {
                all = false;
                break;
            }
        }
        if (all) return rule.rate;
    }
    return 0;
}

}  // namespace pmacct::maps
