#include "pmacct/maps/pre_tag_map.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"

namespace pmacct::maps {
namespace {

using Rule = PreTagMap::Rule;


// Keys of pmacct's dictionary that need an input or a feature pmacct-ng does not have yet.
constexpr std::string_view kNotYet[] = {"src_local_pref", "local_pref", "src_roa", "dst_roa", "src_comms", "comms"};

// The MATCH keys an sFlow record answers: the agent, interfaces, what the sampled header and the
// router / gateway records give, and `filter`.
bool sfacctd_key(MatchField f) {
    switch (f) {
        case MatchField::kIp: case MatchField::kIn: case MatchField::kOut: case MatchField::kNextHop:
        case MatchField::kBgpNextHop: case MatchField::kSrcAs: case MatchField::kDstAs: case MatchField::kPeerSrcAs:
        case MatchField::kPeerDstAs: case MatchField::kSrcMac: case MatchField::kDstMac: case MatchField::kVlan:
        case MatchField::kCvlan: case MatchField::kSrcNet: case MatchField::kDstNet: case MatchField::kIpProto:
        case MatchField::kSrcPort: case MatchField::kDstPort: case MatchField::kTcpFlags:
        case MatchField::kIsMulticast: case MatchField::kFilter: case MatchField::kAgentId:
        case MatchField::kSflowSampleType: case MatchField::kMplsPwId: case MatchField::kSflowVlan: return true;
        default: return false;
    }
}

// The MATCH keys of the tee dictionary, and which of them a whole datagram can answer (the
// exporter or sFlow agent, NetFlow's engine, sFlow's sub-agent).
bool tee_key(MatchField f) {
    switch (f) {
        case MatchField::kIp: case MatchField::kEngineType: case MatchField::kEngineId: case MatchField::kIn:
        case MatchField::kOut: case MatchField::kSrcMac: case MatchField::kDstMac: case MatchField::kVlan:
        case MatchField::kSflowVlan: case MatchField::kSrcNet: case MatchField::kDstNet:
        case MatchField::kBgpNextHop: case MatchField::kAgentId:
            return true;
        default:
            return false;
    }
}
bool datagram_key(MatchField f) {
    return f == MatchField::kIp || f == MatchField::kEngineType || f == MatchField::kEngineId ||
           f == MatchField::kAgentId;
}

// One token into the rule; an error text when it cannot be used.
std::string add_token(Rule& rule, const MapToken& t, Daemon daemon, MapUse use) {
    const std::string_view k = t.key;
    const std::string_view v = t.value;
    // 1.7.7 drops such a key and keeps the rule, which then matches more than it says: the
    // rule is left out instead.
    if (use == MapUse::kTee && (k == "set_label" || k == "set_tos")) {
        return fmt::format("'{}' cannot be used with the tee plugin", k);
    }
    auto set = [&](Rule::Set what) -> std::string {
        if (rule.set != Rule::Set::kNone) return "set_tag (id), set_tag2 (id2) and set_label are mutual exclusive";
        rule.set = what;
        if (what == Rule::Set::kLabel) {
            if (v.empty()) return "set_label: empty label";
            rule.label_value = std::string(v);
            return {};
        }
        auto n = map_number(v, ~std::uint64_t{0});
        if (!n) return fmt::format("{}: '{}' is not a tag value", k, v);
        rule.value = *n;
        return {};
    };
    if (k == "set_tag" || k == "id") return set(Rule::Set::kTag);
    if (k == "set_tag2" || k == "id2") return set(Rule::Set::kTag2);
    if (k == "set_label") return set(Rule::Set::kLabel);
    if (k == "set_tos") {
        if (daemon != Daemon::kNfacctd) return "set_tos is for nfacctd only";
        auto n = map_number(v, 0xFF);
        if (!n) return fmt::format("set_tos: '{}' is not a number from 0 to 255", v);
        rule.set_tos = true;
        rule.tos = static_cast<std::uint8_t>(*n);
        return {};
    }
    if (k == "label") {
        if (v.empty() || v == "next") return fmt::format("label: '{}' cannot name a rule", v);
        rule.name = std::string(v);
        return {};
    }
    if (k == "jeq") {
        if (v.empty()) return "jeq: empty label";
        rule.jump = std::string(v);
        return {};
    }
    if (k == "return") {
        const std::string b = to_lower(v);
        if (b == "false") return {};
        if (b == "true") return "return=true is not supported (pmacct discontinued it)";
        return fmt::format("return: '{}' is not true or false", v);
    }
    if (k == "stack") {
        const std::string s = to_lower(v);
        if (s == "sum") rule.stack = PreTagMap::Stack::kSum;
        else if (s == "or") rule.stack = PreTagMap::Stack::kOr;
        else return fmt::format("stack: '{}' is not sum or or", v);
        return {};
    }
    if (MatchField field; match_field(k, field)) {
        // pmacctd's and uacctd's MATCH keys are `filter` (on the packet's record, as for flows)
        // and `direction`, which there is pcap_direction (1 in, 2 out; 0 when it is not set).
        const bool capture = daemon == Daemon::kPmacctd || daemon == Daemon::kUacctd;
        if (capture && field == MatchField::kDirection) field = MatchField::kCaptureDirection;
        // sfacctd's sample_type is the sFlow sample's <enterprise>:<format>; agent_id is sFlow's.
        if (daemon == Daemon::kSfacctd && field == MatchField::kSampleType) field = MatchField::kSflowSampleType;
        if (daemon != Daemon::kSfacctd && field == MatchField::kSflowSampleType) field = MatchField::kSampleType;
        // sfacctd's vlan is the incoming or the outgoing one.
        if (daemon == Daemon::kSfacctd && field == MatchField::kVlan) field = MatchField::kSflowVlan;
        if (daemon != Daemon::kSfacctd && field == MatchField::kSflowVlan) field = MatchField::kVlan;
        if (daemon != Daemon::kSfacctd && field == MatchField::kAgentId) {
            return fmt::format("'{}' is an sfacctd key", k);
        }
        if (capture && field != MatchField::kFilter && field != MatchField::kCaptureDirection) {
            return fmt::format("'{}' is not a {} key", k, daemon_name(daemon));
        }
        // 1.7.7 takes engine_type and engine_id in sfacctd and ignores them (the rule then matches
        // more than it says): the rule is left out instead.
        if (daemon == Daemon::kSfacctd && (field == MatchField::kEngineType || field == MatchField::kEngineId)) {
            return fmt::format("'{}' is a NetFlow key: sFlow has no engine", k);
        }
        if (daemon == Daemon::kSfacctd && !sfacctd_key(field)) return fmt::format("'{}' is not supported by sfacctd yet", k);
        if (!capture && daemon != Daemon::kNfacctd && daemon != Daemon::kSfacctd) {
            return fmt::format("'{}' is not supported by {} yet", k, daemon_name(daemon));
        }
        if (use == MapUse::kTee && !tee_key(field)) return fmt::format("'{}' cannot be used with the tee plugin", k);
        Condition c;
        if (std::string why = parse_condition(k, field, v, c); !why.empty()) return fmt::format("{}: {}", k, why);
        rule.conditions.push_back(c);
        return {};
    }
    for (const std::string_view n : kNotYet) {
        if (n == k) return fmt::format("'{}' is not implemented yet in pmacct-ng", k);
    }
    return fmt::format("unknown key '{}'", k);
}

// Rules without `ip` stand for IPv4 and IPv6 exporters, and take an entry for each: with
// maps_entries left for only one, the IPv4 one is kept and the rest of the map cut (as 1.7.7).
// pre_tag_map_dont_recirculate makes them IPv4 rules of one entry.
void recirculate(std::vector<Rule>& rules, const MapLimits& limits, std::vector<MapProblem>& problems) {
    Condition any_ipv4;
    any_ipv4.field = MatchField::kIp;
    IpAddress::parse("0.0.0.0", any_ipv4.prefix);
    std::size_t entries = 0;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        Rule& r = rules[i];
        const bool has_ip = std::any_of(r.conditions.begin(), r.conditions.end(),
                                        [](const Condition& c) { return c.field == MatchField::kIp; });
        const std::size_t needs = has_ip || limits.dont_recirculate ? 1 : 2;
        const bool fits = entries + needs <= limits.entries;
        if (!has_ip && (limits.dont_recirculate || !fits)) r.conditions.insert(r.conditions.begin(), any_ipv4);
        if (!fits) {
            const std::size_t keep = entries < limits.entries ? i + 1 : i;
            std::erase_if(problems, [](const MapProblem& p) { return p.line == 0 && p.why.starts_with("file cut"); });
            problems.push_back({0, fmt::format("file cut to the first {} entries (maps_entries; a rule without 'ip' "
                                               "takes two, one for IPv4 and one for IPv6 exporters); {} rule(s) left out",
                                               limits.entries, rules.size() - keep)});
            rules.resize(keep);
            return;
        }
        entries += needs;
    }
}

// The index of maps_index over `rules`, and a note on the rules it does not hold.
MatchIndex index_rules(const std::vector<Rule>& rules, std::vector<MapProblem>& problems) {
    std::vector<const std::vector<Condition>*> conditions;
    conditions.reserve(rules.size());
    for (const Rule& r : rules) conditions.push_back(&r.conditions);
    MatchIndex index = MatchIndex::build(conditions);
    if (std::string note = index.note(); !note.empty()) problems.push_back({0, std::move(note)});
    return index;
}

// Rule evaluation from `next(0)`: `next(i)` is the first rule at i or after that may hold.
template <typename Next>
void evaluate(const std::vector<Rule>& rules, FlowRecord& r, std::string& label_buffer, Next&& next) {
    std::size_t i = next(0);
    while (i < rules.size()) {
        const Rule& rule = rules[i];
        const bool all = std::all_of(rule.conditions.begin(), rule.conditions.end(),
                                     [&](const Condition& c) { return holds(c, r); });
        if (!all) {
            i = next(i + 1);
            continue;
        }
        auto stacked = [&](std::uint64_t current) {
            switch (rule.stack) {
                case PreTagMap::Stack::kSum: return rule.value + current;
                case PreTagMap::Stack::kOr: return rule.value | current;
                case PreTagMap::Stack::kNone: break;
            }
            return rule.value;
        };
        switch (rule.set) {
            case Rule::Set::kTag: r.tag = stacked(r.tag); break;
            case Rule::Set::kTag2: r.tag2 = stacked(r.tag2); break;
            case Rule::Set::kLabel:
                if (!label_buffer.empty()) label_buffer += ',';
                label_buffer += rule.label_value;
                break;
            case Rule::Set::kNone: break;
        }
        if (rule.set_tos) r.tos = rule.tos;
        if (rule.jump_to < 0) break;
        i = next(static_cast<std::size_t>(rule.jump_to));
    }
}

}  // namespace

PreTagMap::Loaded PreTagMap::compile(MapText text, Daemon daemon, const MapLimits& limits, MapUse use) {
    Loaded out;
    out.problems = std::move(text.problems);
    out.map.rules_ = compile_rules<Rule>(
        text, out.problems, [&](Rule& rule, const MapToken& t) { return add_token(rule, t, daemon, use); },
        [](const Rule&) { return std::string(); });
    recirculate(out.map.rules_, limits, out.problems);
    for (const Rule& r : out.map.rules_) {
        for (const Condition& c : r.conditions) out.map.needs_flows_ |= !datagram_key(c.field);
    }
    // Jumps go forward: to the next rule, or to the first later rule of that label.
    auto& rules = out.map.rules_;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        Rule& r = rules[i];
        if (r.jump.empty()) continue;
        if (r.jump == "next") {
            r.jump_to = static_cast<int>(i + 1);
            continue;
        }
        for (std::size_t j = i + 1; j < rules.size(); ++j) {
            if (rules[j].name == r.jump) {
                r.jump_to = static_cast<int>(j);
                break;
            }
        }
        if (r.jump_to < 0) {
            out.problems.push_back({r.line, fmt::format("jeq: no later rule has label '{}'; the jump is ignored", r.jump)});
        }
    }
    if (limits.index) out.map.index_ = index_rules(rules, out.problems);
    return out;
}

PreTagMap::Loaded PreTagMap::parse(std::string_view text, Daemon daemon, const MapLimits& limits, MapUse use) {
    return compile(parse_map_text(text, limits), daemon, limits, use);
}

Result<PreTagMap::Loaded> PreTagMap::load(const std::string& path, Daemon daemon, const MapLimits& limits,
                                          MapUse use) {
    auto text = read_map_file(path, limits);
    if (!text) return fail(text.error());
    return compile(std::move(*text), daemon, limits, use);
}

void PreTagMap::apply(FlowRecord& r, std::string& label_buffer) const {
    r.tag = 0;
    r.tag2 = 0;
    label_buffer.clear();
    if (index_.active()) {
        MatchIndex::Candidates candidates = index_.candidates(r);
        evaluate(rules_, r, label_buffer, [&](std::size_t from) -> std::size_t {
            return candidates.next(static_cast<std::uint32_t>(from));
        });
    } else {
        evaluate(rules_, r, label_buffer, [](std::size_t from) { return from; });
    }
    // A tag the map leaves at 0 is the exporter's (1.7.7's sfacctd with sfprobe's tag record).
    if (r.tag == 0) r.tag = r.exporter_tag;
    if (r.tag2 == 0) r.tag2 = r.exporter_tag2;
    r.label = label_buffer;
}

namespace {

// A leading '-' excludes: taken off, true when it was there.
bool take_negation(std::string_view& item) {
    if (item.empty() || item.front() != '-') return false;
    item.remove_prefix(1);
    return true;
}

}  // namespace

Result<TagFilter> TagFilter::parse(std::string_view spec) {
    TagFilter f;
    for (std::string_view item : split(spec, ',')) {
        Item i;
        i.negated = take_negation(item);
        const auto dash = item.find('-');
        auto low = map_number(item.substr(0, dash), ~std::uint64_t{0});
        auto high = dash == std::string_view::npos ? low : map_number(item.substr(dash + 1), ~std::uint64_t{0});
        if (!low || !high || *low > *high) return fail(fmt::format("'{}' is not a tag or a range of tags", item));
        i.low = *low;
        i.high = *high;
        f.items_.push_back(i);
    }
    return f;
}

LabelFilter LabelFilter::parse(std::string_view spec) {
    LabelFilter f;
    for (std::string_view item : split(spec, ',')) {
        Item i;
        i.negated = take_negation(item);
        i.text = std::string(item);
        f.items_.push_back(std::move(i));
    }
    return f;
}

bool LabelFilter::passes(std::string_view label) const {
    if (label.empty()) label = "null";
    for (const Item& i : items_) {
        if (label.substr(0, i.text.size()) == i.text) return !i.negated;
        if (i.negated) return true;
    }
    return items_.empty();
}

}  // namespace pmacct::maps
