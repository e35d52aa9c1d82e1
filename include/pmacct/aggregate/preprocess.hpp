// *_preprocess: thresholds an aggregate must meet to be written at purge time (minp=10,minb=1000,
// ...), combined with *_preprocess_type any|all. The SQL-only actions (qnum, fss, fsrc, usrf,
// adjb, recover) are accepted and reported as not applying to other plugins.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/base/result.hpp"

namespace pmacct::aggregate {

class Preprocess {
public:
    Preprocess() = default;  // no checks: everything passes
    // `spec` as the key takes it; `all`: every check must pass (preprocess_type all).
    static Result<Preprocess> parse(std::string_view spec, bool all);

    bool empty() const { return checks_.empty(); }
    bool accept(const Counters& c) const;
    // A check reads the flows counter (minf, maxf, minppf, maxppf).
    bool uses_flows() const;
    // Names given in the spec that do nothing outside SQL plugins.
    const std::vector<std::string>& sql_only() const { return sql_only_; }

private:
    enum class Metric : std::uint8_t { kPackets, kBytes, kFlows, kBytesPerPacket, kPacketsPerFlow };
    struct Check {
        Metric metric;
        bool min;  // at least value; otherwise at most value
        std::uint64_t value;
    };
    std::vector<Check> checks_;
    std::vector<std::string> sql_only_;
    bool all_ = false;
};

}  // namespace pmacct::aggregate
