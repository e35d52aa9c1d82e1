// MATCH keys shared by pmacct's key=value maps (pre_tag_map, sampling_map, ...): one key's
// value read into a condition, and the condition tested on a flow record.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pmacct/pcap/flow_filter.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::maps {

enum class MatchField : std::uint8_t {
    kIp, kIn, kOut, kEngineType, kEngineId, kNextHop, kBgpNextHop, kSampleType, kDirection,
    kSrcAs, kDstAs, kPeerSrcAs, kPeerDstAs, kMplsVpnRd, kMplsPwId, kMplsLabelBottom, kSrcMac,
    kDstMac, kVlan, kCvlan, kSrcNet, kDstNet, kIpProto, kSrcPort, kDstPort, kTcpFlags,
    kFwdStatus, kIsMulticast, kFilter, kFlowsetId, kNatEvent, kMplsVpnIdIn, kMplsVpnIdOut, kMplsVpnId,
    kIsBiFlow, kIsNsel, kIsNel,
    kCaptureDirection,  // `direction` for pmacctd/uacctd: pcap_direction (0 unset, 1 in, 2 out)
    kAgentId,           // sFlow sub-agent id
    kSflowSampleType,   // `sample_type` for sfacctd: "<enterprise>:<format>"
    kSflowVlan,         // `vlan` for sfacctd: the incoming or the outgoing VLAN (1.7.7)
    // bgp_peer_src_as_map, bgp_src_local_pref_map, bgp_src_med_map: `bgp_nexthop` and
    // `peer_dst_as` of the BGP route to the flow's source address, not the flow's own (1.7.7).
    // Until the BGP thread lands there is no such route: the next hop never holds, the AS is 0.
    kSrcRouteNextHop,
    kSrcRoutePeerAs,
};

struct Condition {
    MatchField field = MatchField::kIp;
    bool negated = false;
    std::uint64_t value = 0;  // numbers, sample types, booleans
    IpAddress prefix;         // ip, nexthop, bgp_nexthop, src_net, dst_net (masked)
    std::uint8_t bits = 0;    // prefix length
    std::array<std::uint8_t, 7> bytes{};  // MAC (6) or RD (type + 6)
    std::shared_ptr<const pcap::FlowFilter> filter;  // filter='<tcpdump expression>'
};

// The field a MATCH key names; false when `key` is not one.
bool match_field(std::string_view key, MatchField& field);
// `value` of the key naming `field` into `c`; an error text when it is not valid ("-value"
// negates, except for addresses).
std::string parse_condition(std::string_view key, MatchField field, std::string_view value, Condition& c);
bool holds(const Condition& c, const FlowRecord& r);
// A route distinguisher as text ("0:65000:1", "1:192.0.2.1:7", "2:4200000000:7") into its type
// byte and 6 value bytes (`out`: 7 bytes); false when it is not one.
bool parse_route_distinguisher(std::string_view v, std::uint8_t* out);
// maps_index: a key part is one MATCH key, and for an address key also its family and prefix
// length (rules on /24 and on /32 hash apart).
struct IndexPart {
    MatchField field = MatchField::kIp;
    std::uint8_t family = 0;
    std::uint8_t bits = 0;
    friend auto operator<=>(const IndexPart&, const IndexPart&) = default;
};
// The part `c` can be indexed under; false for negations and keys no index covers (engine_type,
// engine_id, nexthop, sample_type, direction, filter).
bool index_part(const Condition& c, IndexPart& part);
// The bytes of `c`'s value under its part, appended to `key`.
void append_index_key(const Condition& c, std::string& key);
// The same bytes from a record, appended at `key + len` (room: kMaxIndexKeyPart); false when
// the record has an address of another family, so that no rule of the part can hold.
inline constexpr std::size_t kMaxIndexKeyPart = 16;
bool append_index_key(const IndexPart& part, const FlowRecord& r, char* key, std::size_t& len);
// A decimal number of a map value, at most `max`.
std::optional<std::uint64_t> map_number(std::string_view v, std::uint64_t max);

}  // namespace pmacct::maps
