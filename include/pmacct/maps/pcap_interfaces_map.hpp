// pcap_interfaces_map: the interfaces pmacctd captures from, one per rule:
//
//   ifname=<interface>   required
//   ifindex=<number>     the interface's index for in_iface / out_iface (pcap_ifindex: map)
//   direction=in|out     capture only what the interface receives (or sends); the index then
//                        goes to in_iface (or out_iface), and pre_tag_map's `direction` is 1 (2)
//
// Read again on SIGUSR2. Where 1.7.7 ignores an unknown key and keeps the rule, pmacct-ng leaves
// the rule out and says why; an interface named twice keeps its first rule.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/result.hpp"
#include "pmacct/maps/map_file.hpp"

namespace pmacct::maps {

struct CaptureInterface {
    int line = 0;
    std::string name;
    std::uint32_t ifindex = 0;
    std::uint8_t direction = 0;  // 0 both ways, 1 in, 2 out
    friend bool operator==(const CaptureInterface&, const CaptureInterface&) = default;
};

struct PcapInterfacesMap {
    std::vector<CaptureInterface> interfaces;
    std::vector<MapProblem> problems;  // rules left out, with why

    static PcapInterfacesMap parse(std::string_view text, const MapLimits& limits);
    // An error when the file cannot be read.
    static Result<PcapInterfacesMap> load(const std::string& path, const MapLimits& limits);
};

}  // namespace pmacct::maps
