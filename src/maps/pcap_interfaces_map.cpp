#include "pmacct/maps/pcap_interfaces_map.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "pmacct/maps/match.hpp"

namespace pmacct::maps {
namespace {

std::string add_token(CaptureInterface& rule, const MapToken& t) {
    if (t.key == "ifname") {
        if (t.value.empty()) return "ifname: empty interface name";
        rule.name = t.value;
        return {};
    }
    if (t.key == "ifindex") {
        auto n = map_number(t.value, std::numeric_limits<std::uint32_t>::max());
        if (!n) return fmt::format("ifindex: '{}' is not a number from 0 to 4294967295", t.value);
        rule.ifindex = static_cast<std::uint32_t>(*n);
        return {};
    }
    if (t.key == "direction") {
        if (t.value == "in") rule.direction = 1;
        else if (t.value == "out") rule.direction = 2;
        else return fmt::format("direction: '{}' is not in or out", t.value);
        return {};
    }
    return fmt::format("unknown key '{}'", t.key);
}

PcapInterfacesMap compile(MapText text) {
    PcapInterfacesMap out;
    out.problems = std::move(text.problems);
    auto rules = compile_rules<CaptureInterface>(text, out.problems, add_token, [](const CaptureInterface& r) {
        return r.name.empty() ? std::string("ifname is required") : std::string();
    });
    for (CaptureInterface& r : rules) {
        const auto same = std::find_if(out.interfaces.begin(), out.interfaces.end(),
                                       [&](const CaptureInterface& i) { return i.name == r.name; });
        if (same != out.interfaces.end()) {
            out.problems.push_back({r.line, fmt::format("ifname: '{}' is already on line {}", r.name, same->line)});
            continue;
        }
        out.interfaces.push_back(std::move(r));
    }
    std::stable_sort(out.problems.begin(), out.problems.end(),
                     [](const MapProblem& a, const MapProblem& b) { return a.line < b.line; });
    return out;
}

}  // namespace

PcapInterfacesMap PcapInterfacesMap::parse(std::string_view text, const MapLimits& limits) {
    return compile(parse_map_text(text, limits));
}

Result<PcapInterfacesMap> PcapInterfacesMap::load(const std::string& path, const MapLimits& limits) {
    auto text = read_map_file(path, limits);
    if (!text) return fail(text.error());
    return compile(std::move(*text));
}

}  // namespace pmacct::maps
