// A small deterministic traffic capture for the tests of flow exporters (softflowd, pmacctd's
// probes): TCP, UDP and ICMP conversations over IPv4 and IPv6 between documentation addresses,
// written as an Ethernet pcap with millisecond-apart timestamps.
#pragma once

#include <cstdint>
#include <string>

namespace pmacct::testing {

// What the capture holds, per address family; bytes are IP lengths (header included), as flow
// exporters count them.
struct TrafficTotals {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
};

struct TrafficCapture {
    TrafficTotals ipv4;
    TrafficTotals ipv6;
    std::uint32_t first_second = 0;  // Unix time of the first packet
};

// Writes the capture to `path`; false when the file cannot be written.
bool write_traffic_pcap(const std::string& path, TrafficCapture& summary);

}  // namespace pmacct::testing
