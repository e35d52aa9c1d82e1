// tcpdump-style filters on flows (aggregate_filter, the `filter` key of maps): libpcap compiles
// the expression for Ethernet, and each flow record is tested as the packet it stands for,
// synthesised as pmacct's flow daemons do: MACs, an 802.1Q tag when the flow has a VLAN, its MPLS
// labels, an IPv4 or IPv6 header (addresses, protocol, ToS, flow label) and the TCP/UDP header
// (ports, TCP flags). So `src net X` does not match VLAN-tagged flows; `vlan and src net X` does.
#pragma once

#include <pcap/pcap.h>

#include <array>
#include <cstdint>
#include <string>

#include "pmacct/base/result.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::pcap {

class FlowFilter {
public:
    static Result<FlowFilter> compile(const std::string& expression);
    FlowFilter(FlowFilter&& other) noexcept;
    FlowFilter& operator=(FlowFilter&& other) noexcept;
    FlowFilter(const FlowFilter&) = delete;
    FlowFilter& operator=(const FlowFilter&) = delete;
    ~FlowFilter();

    bool matches(const FlowRecord& r) const;
    const std::string& expression() const { return expression_; }

private:
    FlowFilter() = default;
    struct bpf_program program_ {};
    std::string expression_;
    mutable std::array<std::uint8_t, 128> packet_{};  // the synthesised packet, rebuilt per call
};

// The packet `r` stands for, written to `out` (at least 128 bytes); returns its length.
std::size_t synthesize_packet(const FlowRecord& r, std::uint8_t* out);

}  // namespace pmacct::pcap
