#include "pmacct/maps/sampling_map.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pmacct::maps {

SamplingMap::Loaded SamplingMap::compile(MapText text) {
    // Not indexed, as in pmacct (maps_index covers pre_tag_map, flow_to_rd_map).
    Loaded out;
    out.problems = std::move(text.problems);
    out.map.map_ = IdMap<std::uint32_t>::compile(text, out.problems, {"ip", "in", "out"}, false,
                                                 [](std::string_view v, std::uint32_t& rate) -> std::string {
                                                     auto n = map_number(v, 0xFFFFFFFF);
                                                     if (!n || *n == 0) {
                                                         return fmt::format("'{}' is not a sampling rate (1 or more)", v);
                                                     }
                                                     rate = static_cast<std::uint32_t>(*n);
                                                     return {};
                                                 });
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

FlowToRdMap::Loaded FlowToRdMap::compile(MapText text, bool index) {
    Loaded out;
    out.problems = std::move(text.problems);
    out.map.map_ = IdMap<std::array<std::uint8_t, 7>>::compile(
        text, out.problems, {"ip", "in", "out", "bgp_nexthop", "mpls_vpn_id", "mpls_label_bottom"}, index,
        [](std::string_view v, std::array<std::uint8_t, 7>& rd) -> std::string {
            return parse_route_distinguisher(v, rd.data()) ? "" : fmt::format("'{}' is not a route distinguisher", v);
        });
    return out;
}

FlowToRdMap::Loaded FlowToRdMap::parse(std::string_view text, const MapLimits& limits) {
    return compile(parse_map_text(text, limits), limits.index);
}

Result<FlowToRdMap::Loaded> FlowToRdMap::load(const std::string& path, const MapLimits& limits) {
    auto text = read_map_file(path, limits);
    if (!text) return fail(text.error());
    return compile(std::move(*text), limits.index);
}

void FlowToRdMap::apply(FlowRecord& r) const {
    const std::array<std::uint8_t, 7>* rd = map_.find(r);
    if (rd == nullptr) return;
    r.mpls_vpn_rd[0] = kRdOriginMap;
    std::copy(rd->begin(), rd->end(), r.mpls_vpn_rd.begin() + 1);
}

}  // namespace pmacct::maps
