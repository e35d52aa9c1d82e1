// ports_file, protos_file and tos_file: the values worth accounting on their own, one per line.
// A value a list does not hold is accounted as 0 (ports) or 255, "others" (protocols, ToS).
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/result.hpp"
#include "pmacct/maps/networks.hpp"

namespace pmacct::maps {

template <std::size_t N>
class ValueList {
public:
    bool contains(std::size_t v) const { return v < N && bits_[v]; }
    void add(std::size_t v) { bits_.set(v); }
    std::size_t count() const { return bits_.count(); }

private:
    std::bitset<N> bits_;
};

using PortList = ValueList<65536>;
using ByteList = ValueList<256>;

// What a value not in the list becomes.
inline constexpr std::uint16_t kOtherPort = 0;
inline constexpr std::uint8_t kOtherProto = 255;
inline constexpr std::uint8_t kOtherTos = 255;

// Port numbers (0-65535).
PortList parse_ports(std::string_view text, std::vector<SkippedLine>& skipped);
// IP protocols, by name as pmacct prints them ("tcp") or by number.
ByteList parse_protos(std::string_view text, std::vector<SkippedLine>& skipped);
// ToS values (0-255): the whole byte, or DSCP values when tos_encode_as_dscp is set.
ByteList parse_tos(std::string_view text, std::vector<SkippedLine>& skipped);

}  // namespace pmacct::maps
