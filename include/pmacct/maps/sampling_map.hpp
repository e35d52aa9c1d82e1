// sampling_map: the sampling rate of flows by exporter and interfaces, for exporters that do not
// state it (or state it wrongly). `id=<rate>` with MATCH keys `ip`, `in`, `out`. The rate wins
// over the exporter's for the sampling_rate primitive and for renormalisation
// (nfacctd_ext_sampling_rate still wins over both), as in 1.7.7.
//
// flow_to_rd_map: the route distinguisher of flows (`id=<RD>`: `0:<asn16>:<n>`, `1:<ipv4>:<n>`,
// `2:<asn32>:<n>`) by `ip`, `in`, `out`, `bgp_nexthop`, `mpls_label_bottom`; it replaces the
// one the flow carries (1.7.7), with origin `map`.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/result.hpp"
#include "pmacct/maps/id_map.hpp"
#include "pmacct/record/rate_source.hpp"

namespace pmacct::maps {

class SamplingMap final : public SamplingRateSource {
public:
    struct Loaded;
    static Loaded parse(std::string_view text, const MapLimits& limits);
    static Result<Loaded> load(const std::string& path, const MapLimits& limits);

    std::uint32_t rate_for(const FlowRecord& r) const override {
        const std::uint32_t* rate = map_.find(r);
        return rate == nullptr ? 0 : *rate;
    }
    std::size_t size() const { return map_.size(); }

private:
    static Loaded compile(MapText text);
    IdMap<std::uint32_t> map_;
};

struct SamplingMap::Loaded {
    SamplingMap map;
    std::vector<MapProblem> problems;
};

class FlowToRdMap {
public:
    struct Loaded;
    static Loaded parse(std::string_view text, const MapLimits& limits);
    static Result<Loaded> load(const std::string& path, const MapLimits& limits);

    // Sets r.mpls_vpn_rd (origin map) when a rule holds.
    void apply(FlowRecord& r) const;
    std::size_t size() const { return map_.size(); }

private:
    static Loaded compile(MapText text, bool index);
    IdMap<std::array<std::uint8_t, 7>> map_;  // RD type, then its 6 value bytes
};

struct FlowToRdMap::Loaded {
    FlowToRdMap map;
    std::vector<MapProblem> problems;
};

}  // namespace pmacct::maps
