// Maps whose rules give one value (`id=...`) to the flows their MATCH keys hold: sampling_map
// (a rate), flow_to_rd_map (a route distinguisher). Every rule needs `id` and `ip` (the
// exporter); the first rule that holds wins.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pmacct/maps/map_file.hpp"
#include "pmacct/maps/match.hpp"
#include "pmacct/maps/match_index.hpp"

namespace pmacct::maps {

template <typename Value>
class IdMap {
public:
    // `parse_id(value_text, Value&)` says why an id cannot be used (empty when it can); only
    // `keys` may be used as MATCH keys. Rules that cannot be used go to `problems`. `index`:
    // lookups go through a MatchIndex (maps_index).
    template <typename ParseId>
    static IdMap compile(const MapText& text, std::vector<MapProblem>& problems,
                         std::initializer_list<std::string_view> keys, bool index, ParseId&& parse_id) {
        IdMap m;
        m.rules_ = compile_rules<Rule>(
            text, problems,
            [&](Rule& rule, const MapToken& t) -> std::string {
                if (t.key == "id") {
                    rule.has_value = true;
                    std::string why = parse_id(t.value, rule.value);
                    return why.empty() ? why : fmt::format("id: {}", why);
                }
                MatchField field;
                bool allowed = false;
                for (std::string_view k : keys) allowed = allowed || k == t.key;
                if (!allowed || !match_field(t.key, field)) return fmt::format("unknown key '{}'", t.key);
                Condition c;
                if (std::string why = parse_condition(t.key, field, t.value, c); !why.empty()) {
                    return fmt::format("{}: {}", t.key, why);
                }
                rule.conditions.push_back(std::move(c));
                return {};
            },
            [](const Rule& rule) -> std::string {
                // As 1.7.7, which leaves such rules out (sampling_map says so, flow_to_rd_map not).
                const bool has_ip = std::any_of(rule.conditions.begin(), rule.conditions.end(),
                                                [](const Condition& c) { return c.field == MatchField::kIp; });
                return rule.has_value && has_ip ? "" : "required key missing: 'id' and 'ip' are required";
            });
        if (index) {
            std::vector<const std::vector<Condition>*> conditions;
            for (const Rule& r : m.rules_) conditions.push_back(&r.conditions);
            m.index_ = MatchIndex::build(conditions);
            if (std::string note = m.index_.note(); !note.empty()) problems.push_back({0, std::move(note)});
        }
        return m;
    }

    // The value of the first rule that holds for `r`, nullptr when none does.
    const Value* find(const FlowRecord& r) const {
        auto all_hold = [&](const Rule& rule) {
            return std::all_of(rule.conditions.begin(), rule.conditions.end(),
                               [&](const Condition& c) { return holds(c, r); });
        };
        if (index_.active()) {
            MatchIndex::Candidates candidates = index_.candidates(r);
            for (std::size_t i = candidates.next(0); i < rules_.size();
                 i = candidates.next(static_cast<std::uint32_t>(i + 1))) {
                if (all_hold(rules_[i])) return &rules_[i].value;
            }
            return nullptr;
        }
        for (const Rule& rule : rules_) {
            if (all_hold(rule)) return &rule.value;
        }
        return nullptr;
    }
    std::size_t size() const { return rules_.size(); }

private:
    struct Rule {
        int line = 0;
        bool has_value = false;
        Value value{};
        std::vector<Condition> conditions;
    };
    std::vector<Rule> rules_;
    MatchIndex index_;
};

}  // namespace pmacct::maps
