// Where a decoder may get a flow's sampling rate from besides the exporter: sampling_map. One
// virtual call per record, made only when such a source is configured.
#pragma once

#include <cstdint>

#include "pmacct/record/flow_record.hpp"

namespace pmacct {

class SamplingRateSource {
public:
    virtual ~SamplingRateSource() = default;
    // The rate for this record (exporter, interfaces already filled in); 0: none, keep the
    // exporter's.
    virtual std::uint32_t rate_for(const FlowRecord& r) const = 0;
};

}  // namespace pmacct
