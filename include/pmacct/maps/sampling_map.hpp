// sampling_map: the sampling rate of flows by exporter and interfaces, for exporters that do not
// state it (or state it wrongly). `id=<rate>` with MATCH keys `ip`, `in`, `out`; the first rule
// that holds gives the rate. The rate wins over the exporter's for the sampling_rate primitive
// and for renormalisation (nfacctd_ext_sampling_rate still wins over both), as in 1.7.7.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/result.hpp"
#include "pmacct/maps/map_file.hpp"
#include "pmacct/maps/match.hpp"
#include "pmacct/record/rate_source.hpp"

namespace pmacct::maps {

class SamplingMap final : public SamplingRateSource {
public:
    struct Loaded;
    static Loaded parse(std::string_view text, const MapLimits& limits);
    static Result<Loaded> load(const std::string& path, const MapLimits& limits);

    std::uint32_t rate_for(const FlowRecord& r) const override;
    std::size_t size() const { return rules_.size(); }

private:
    struct Rule {
        int line = 0;
        std::uint32_t rate = 0;
        std::vector<Condition> conditions;
    };
    static Loaded compile(MapText text);
    std::vector<Rule> rules_;
};

struct SamplingMap::Loaded {
    SamplingMap map;
    std::vector<MapProblem> problems;
};

}  // namespace pmacct::maps
