// Maps whose rules give one value to the flows their MATCH keys hold: sampling_map (a rate),
// flow_to_rd_map (a route distinguisher), the bgp_*_map maps. Every rule needs its value and
// `ip` (the exporter); the first rule that holds wins.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pmacct/maps/map_file.hpp"
#include "pmacct/maps/match.hpp"
#include "pmacct/maps/match_index.hpp"

namespace pmacct::maps {

// What an IdMap's rules may hold besides `id=<value>`: the MATCH keys allowed, and how a
// field a key names is taken in this map (pre_tag_map's sfacctd `vlan`, the bgp maps'
// `bgp_nexthop`): `field` may be replaced, or a why returned when the key cannot be used.
struct IdMapKeys {
    std::span<const std::string_view> match;
    // The MatchField a key names in this map (match_field's, unless the map says otherwise).
    MatchField (*field_of)(std::string_view key, MatchField field) = nullptr;
};

template <typename Value>
class IdMap {
public:
    // `parse_id(value_text, Value&)` says why an id cannot be used (empty when it can); only
    // `keys` may be used as MATCH keys. Rules that cannot be used go to `problems`. `index`:
    // lookups go through a MatchIndex (maps_index).
    template <typename ParseId>
    static IdMap compile(const MapText& text, std::vector<MapProblem>& problems,
                         std::initializer_list<std::string_view> keys, bool index, ParseId&& parse_id) {
        return compile_with(text, problems, IdMapKeys{{keys.begin(), keys.size()}}, index,
                            [&](const MapToken& t, Value& v, bool& has_value) -> std::optional<std::string> {
                                if (t.key != "id") return std::nullopt;
                                has_value = true;
                                return parse_id(t.value, v);
                            });
    }
    // The same with SET keys of the map's own: `set(token, Value&, bool& has_value)` is nullopt
    // for a token that is not a SET key, else why it cannot be used (empty when it can); it sets
    // `has_value` when the token gives the rule its value (a rule without one is left out).
    template <typename SetFn>
    static IdMap compile_with(const MapText& text, std::vector<MapProblem>& problems, const IdMapKeys& keys,
                              bool index, SetFn&& set) {
        IdMap m;
        m.rules_ = compile_rules<Rule>(
            text, problems,
            [&](Rule& rule, const MapToken& t) -> std::string {
                if (std::optional<std::string> why = set(t, rule.value, rule.has_value)) {
                    return why->empty() ? std::string() : fmt::format("{}: {}", t.key, *why);
                }
                MatchField field;
                bool allowed = false;
                for (std::string_view k : keys.match) allowed = allowed || k == t.key;
                if (!allowed || !match_field(t.key, field)) return fmt::format("unknown key '{}'", t.key);
                if (keys.field_of != nullptr) field = keys.field_of(t.key, field);
                // As 1.7.7 ("Multiple '...' clauses part of the same statement").
                if (std::any_of(rule.conditions.begin(), rule.conditions.end(),
                                [&](const Condition& c) { return c.field == field; })) {
                    return fmt::format("'{}' given twice", t.key);
                }
                Condition c;
                if (std::string why = parse_condition(t.key, field, t.value, c); !why.empty()) {
                    return fmt::format("{}: {}", t.key, why);
                }
                rule.conditions.push_back(std::move(c));
                return {};
            },
            [](const Rule& rule) -> std::string {
                // As 1.7.7, which leaves such rules out (sampling_map and the bgp maps say so,
                // flow_to_rd_map not).
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
