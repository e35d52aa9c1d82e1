#include "pmacct/maps/match.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"
#include "pmacct/output/row_writer.hpp"

namespace pmacct::maps {
namespace {

using Field = MatchField;

// sample_type values as bits.
constexpr std::uint64_t kFlowIpv4 = 1;
constexpr std::uint64_t kFlowIpv6 = 2;
constexpr std::uint64_t kFlowMplsIpv4 = 4;
constexpr std::uint64_t kFlowMplsIpv6 = 8;
constexpr std::uint64_t kEvent = 16;
constexpr std::uint64_t kOption = 32;

bool parse_mac(std::string_view v, std::uint8_t* out) {
    for (int i = 0; i < 6; ++i) {
        if (v.size() < 2) return false;
        unsigned byte = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + 2, byte, 16);
        if (ec != std::errc() || p != v.data() + 2) return false;
        out[i] = static_cast<std::uint8_t>(byte);
        v.remove_prefix(2);
        if (i < 5) {
            if (v.empty() || v.front() != ':') return false;
            v.remove_prefix(1);
        }
    }
    return v.empty();
}

bool parse_prefix(std::string_view v, Condition& c) {
    const auto slash = v.find('/');
    if (!IpAddress::parse(v.substr(0, slash), c.prefix)) return false;
    const unsigned max_bits = c.prefix.family == 4 ? 32 : 128;
    c.bits = static_cast<std::uint8_t>(max_bits);
    if (slash != std::string_view::npos) {
        auto b = map_number(v.substr(slash + 1), max_bits);
        if (!b) return false;
        c.bits = static_cast<std::uint8_t>(*b);
    }
    c.prefix = c.prefix.masked(c.bits);
    return true;
}

// "0:<asn16>:<value32>", "1:<ipv4>:<value16>", "2:<asn32>:<value16>": type byte + 6 value bytes,
// as FlowRecord::mpls_vpn_rd holds them after its origin byte.
}  // namespace

bool parse_route_distinguisher(std::string_view v, std::uint8_t* out) {
    const auto c1 = v.find(':');
    const auto c2 = v.rfind(':');
    if (c1 == std::string_view::npos || c2 == c1) return false;
    const auto type = map_number(v.substr(0, c1), 2);
    if (!type) return false;
    const std::string_view admin = v.substr(c1 + 1, c2 - c1 - 1);
    const std::string_view assigned = v.substr(c2 + 1);
    auto put = [](std::uint8_t* p, std::uint64_t n, int bytes) {
        for (int i = bytes - 1; i >= 0; --i) {
            p[i] = static_cast<std::uint8_t>(n);
            n >>= 8;
        }
    };
    out[0] = static_cast<std::uint8_t>(*type);
    if (*type == 0) {
        auto a = map_number(admin, 0xFFFF);
        auto n = map_number(assigned, 0xFFFFFFFF);
        if (!a || !n) return false;
        put(out + 1, *a, 2);
        put(out + 3, *n, 4);
        return true;
    }
    auto n = map_number(assigned, 0xFFFF);
    if (!n) return false;
    if (*type == 1) {
        IpAddress ip;
        if (!IpAddress::parse(admin, ip) || ip.family != 4) return false;
        std::copy(ip.bytes.begin(), ip.bytes.begin() + 4, out + 1);
    } else {
        auto a = map_number(admin, 0xFFFFFFFF);
        if (!a) return false;
        put(out + 1, *a, 4);
    }
    put(out + 5, *n, 2);
    return true;
}

namespace {

struct MatchKey {
    std::string_view name;
    Field field;
    std::uint64_t max;  // numbers: the largest value
};

constexpr MatchKey kMatchKeys[] = {
    {"ip", Field::kIp, 0},
    {"in", Field::kIn, 0xFFFFFFFF},
    {"out", Field::kOut, 0xFFFFFFFF},
    {"engine_type", Field::kEngineType, 0xFF},
    {"engine_id", Field::kEngineId, 0xFFFFFFFF},
    {"source_id", Field::kEngineId, 0xFFFFFFFF},
    {"nexthop", Field::kNextHop, 0},
    {"bgp_nexthop", Field::kBgpNextHop, 0},
    {"sample_type", Field::kSampleType, 0},
    {"direction", Field::kDirection, 1},
    {"direction", Field::kCaptureDirection, 2},  // pmacctd, uacctd (see pre_tag_map.cpp)
    {"sample_type", Field::kSflowSampleType, 0},  // sfacctd (see pre_tag_map.cpp)
    {"agent_id", Field::kAgentId, 0xFFFFFFFF},
    {"src_as", Field::kSrcAs, 0xFFFFFFFF},
    {"dst_as", Field::kDstAs, 0xFFFFFFFF},
    {"peer_src_as", Field::kPeerSrcAs, 0xFFFFFFFF},
    {"peer_dst_as", Field::kPeerDstAs, 0xFFFFFFFF},
    {"mpls_vpn_rd", Field::kMplsVpnRd, 0},
    {"mpls_pw_id", Field::kMplsPwId, 0xFFFFFFFF},
    {"mpls_label_bottom", Field::kMplsLabelBottom, 0xFFFFF},
    {"src_mac", Field::kSrcMac, 0},
    {"dst_mac", Field::kDstMac, 0},
    {"vlan", Field::kVlan, 0xFFFF},
    {"vlan", Field::kSflowVlan, 0xFFFF},  // sfacctd (see pre_tag_map.cpp)
    {"cvlan", Field::kCvlan, 0xFFFF},
    {"src_net", Field::kSrcNet, 0},
    {"dst_net", Field::kDstNet, 0},
    {"ip_proto", Field::kIpProto, 0xFF},
    {"src_port", Field::kSrcPort, 0xFFFF},
    {"dst_port", Field::kDstPort, 0xFFFF},
    {"tcp_flags", Field::kTcpFlags, 0xFF},
    {"fwd_status", Field::kFwdStatus, 0xFF},
    {"fwdstatus", Field::kFwdStatus, 0xFF},  // 1.7.7's name
    {"is_multicast", Field::kIsMulticast, 0},
    {"flowset_id", Field::kFlowsetId, 0xFFFF},
    {"nat_event", Field::kNatEvent, 0xFF},
    {"mpls_vpn_id_in", Field::kMplsVpnIdIn, 0xFFFFFFFF},
    {"mpls_vpn_id_out", Field::kMplsVpnIdOut, 0xFFFFFFFF},
    {"mpls_vpn_id", Field::kMplsVpnId, 0xFFFFFFFF},
    {"is_bi_flow", Field::kIsBiFlow, 0},
    {"is_nsel", Field::kIsNsel, 0},
    {"is_nel", Field::kIsNel, 0},
    {"filter", Field::kFilter, 0},
    {"bgp_nexthop", Field::kSrcRouteNextHop, 0},      // the bgp_*_map keys (see bgp_maps.cpp)
    {"peer_dst_as", Field::kSrcRoutePeerAs, 0xFFFFFFFF},
};

// One MATCH key's value into a condition; an error text when it is not valid.
std::string parse_value(const MatchKey& k, std::string_view v, Condition& c) {
    c.field = k.field;
    const bool address = k.field == Field::kIp || k.field == Field::kNextHop || k.field == Field::kBgpNextHop ||
                         k.field == Field::kFilter;
    if (!address && !v.empty() && v.front() == '-') {
        c.negated = true;
        v.remove_prefix(1);
    }
    switch (k.field) {
        case Field::kIp:
        case Field::kNextHop:
        case Field::kBgpNextHop:
        case Field::kSrcNet:
        case Field::kDstNet:
        case Field::kSrcRouteNextHop:
            if (!parse_prefix(v, c)) return fmt::format("bad IP address or prefix '{}'", v);
            return {};
        case Field::kSrcMac:
        case Field::kDstMac:
            if (!parse_mac(v, c.bytes.data())) return fmt::format("bad MAC address '{}'", v);
            return {};
        case Field::kMplsVpnRd:
            if (!parse_route_distinguisher(v, c.bytes.data())) return fmt::format("bad route distinguisher '{}'", v);
            return {};
        case Field::kSampleType: {
            const std::string t = to_lower(v);
            if (t == "flow") c.value = kFlowIpv4 | kFlowIpv6 | kFlowMplsIpv4 | kFlowMplsIpv6;
            else if (t == "flow-ipv4") c.value = kFlowIpv4;
            else if (t == "flow-ipv6") c.value = kFlowIpv6;
            else if (t == "flow-mpls-ipv4") c.value = kFlowMplsIpv4;
            else if (t == "flow-mpls-ipv6") c.value = kFlowMplsIpv6;
            else if (t == "event") c.value = kEvent;
            else if (t == "option") c.value = kOption;
            else return fmt::format("unknown sample_type '{}'", v);
            return {};
        }
        case Field::kSflowSampleType: {
            // "<enterprise>:<format>", as the sample's type on the wire (0:1 flow sample, 0:3
            // expanded flow sample).
            const auto colon = v.find(':');
            const auto enterprise = colon == std::string_view::npos ? std::nullopt : map_number(v.substr(0, colon), 0xFFFFF);
            const auto format = enterprise ? map_number(v.substr(colon + 1), 0xFFF) : std::nullopt;
            if (!format) return fmt::format("'{}' is not <enterprise>:<format>", v);
            c.value = (*enterprise << 12) | *format;
            return {};
        }
        case Field::kFilter: {
            auto f = pcap::FlowFilter::compile(std::string(v));
            if (!f) return f.error();
            c.filter = std::make_shared<const pcap::FlowFilter>(std::move(*f));
            return {};
        }
        case Field::kIsMulticast:
        case Field::kIsBiFlow:
        case Field::kIsNsel:
        case Field::kIsNel: {
            const std::string t = to_lower(v);
            if (t != "true" && t != "false") return fmt::format("'{}' is not true or false", v);
            c.value = t == "true" ? 1 : 0;
            return {};
        }
        case Field::kIpProto: {
            auto n = output::protocol_number(v);
            if (!n) return fmt::format("unknown protocol '{}'", v);
            c.value = *n;
            return {};
        }
        default: {
            auto n = map_number(v, k.max);
            if (!n) return fmt::format("'{}' is not a number from 0 to {}", v, k.max);
            c.value = *n;
            return {};
        }
    }
}

bool in_prefix(const IpAddress& a, const Condition& c) {
    const IpAddress x = a.unmapped();
    return x.family == c.prefix.family && x.masked(c.bits) == c.prefix;
}

std::uint64_t sample_type_of(const FlowRecord& r) {
    switch (r.type) {
        case FlowType::kIpv4: return kFlowIpv4;
        case FlowType::kIpv6: return kFlowIpv6;
        case FlowType::kMpls: return r.src_ip.family == 6 ? kFlowMplsIpv6 : kFlowMplsIpv4;
        case FlowType::kEvent: return kEvent;
        case FlowType::kOption: return kOption;
    }
    return 0;
}

bool multicast(const IpAddress& a) {
    const IpAddress x = a.unmapped();
    if (x.family == 4) return (x.bytes[0] & 0xF0) == 0xE0;
    return x.family == 6 && x.bytes[0] == 0xFF;
}

}  // namespace

namespace {

// What a record holds for a key compared as a number (is_multicast: 0 or 1); nullopt for the
// keys compared otherwise.
std::optional<std::uint64_t> number_of(Field f, const FlowRecord& r) {
    switch (f) {
        case Field::kIn: return r.in_iface;
        case Field::kOut: return r.out_iface;
        case Field::kEngineId: return r.export_proto_sysid;
        case Field::kSrcAs: return r.src_as;
        case Field::kDstAs: return r.dst_as;
        case Field::kPeerSrcAs: return r.peer_src_as;
        case Field::kPeerDstAs: return r.peer_dst_as;
        case Field::kMplsPwId: return r.mpls_pw_id;
        case Field::kMplsLabelBottom: return r.mpls_label_bottom;
        case Field::kVlan: return r.vlan;
        case Field::kCvlan: return r.in_cvlan;
        case Field::kIpProto: return r.proto;
        case Field::kSrcPort: return r.src_port;
        case Field::kDstPort: return r.dst_port;
        case Field::kTcpFlags: return r.tcp_flags;
        case Field::kFwdStatus: return r.fwd_status;
        case Field::kIsMulticast: return multicast(r.dst_ip) ? 1 : 0;
        case Field::kFlowsetId: return r.flowset_id;
        case Field::kNatEvent: return r.nat_event;
        case Field::kMplsVpnIdIn: return r.mpls_vpn_id_in;
        case Field::kMplsVpnIdOut: return r.mpls_vpn_id_out;
        case Field::kIsBiFlow: return (r.template_traits & kTemplateBiFlow) != 0 ? 1 : 0;
        case Field::kIsNsel: return (r.template_traits & kTemplateNsel) != 0 ? 1 : 0;
        case Field::kIsNel: return (r.template_traits & kTemplateNel) != 0 ? 1 : 0;
        case Field::kCaptureDirection: return r.capture_direction;
        case Field::kAgentId: return r.export_proto_sysid;
        case Field::kSflowSampleType: return r.sflow_sample_type;
        default: return std::nullopt;
    }
}

// The address a key compares with a prefix, nullptr for the other keys.
const IpAddress* address_of(Field f, const FlowRecord& r) {
    switch (f) {
        case Field::kIp: return &r.peer_src_ip;
        case Field::kNextHop: return &r.ip_next_hop;
        case Field::kBgpNextHop: return &r.bgp_next_hop;
        case Field::kSrcNet: return &r.src_ip;
        case Field::kDstNet: return &r.dst_ip;
        default: return nullptr;
    }
}

// The bytes a MAC or route distinguisher key compares (their count in `n`), nullptr for the
// other keys.
const std::uint8_t* bytes_of(Field f, const FlowRecord& r, std::size_t& n) {
    switch (f) {
        case Field::kSrcMac: n = 6; return r.src_mac.bytes.data();
        case Field::kDstMac: n = 6; return r.dst_mac.bytes.data();
        case Field::kMplsVpnRd: n = 7; return r.mpls_vpn_rd.data() + 1;  // after the origin byte
        default: n = 0; return nullptr;
    }
}

}  // namespace

bool holds(const Condition& c, const FlowRecord& r) {
    bool m = false;
    std::size_t n = 0;
    if (const auto number = number_of(c.field, r)) {
        m = *number == c.value;
    } else if (const IpAddress* a = address_of(c.field, r)) {
        m = in_prefix(*a, c);
    } else if (const std::uint8_t* b = bytes_of(c.field, r, n)) {
        m = std::equal(b, b + n, c.bytes.begin());
    } else {
        switch (c.field) {
            // NetFlow v5 only: 1.7.7 never matches it on v9/IPFIX (engine_id is their source id).
            case Field::kEngineType: m = r.export_proto_version == 5 && r.engine_type == c.value; break;
            case Field::kSampleType: m = (sample_type_of(r) & c.value) != 0; break;
            case Field::kDirection: m = r.sampling_direction == (c.value == 0 ? 'i' : 'e'); break;
            case Field::kFilter: m = c.filter->matches(r); break;
            // flow_to_rd_map: the ingress or the egress VRF, as 1.7.7.
            case Field::kMplsVpnId: m = r.mpls_vpn_id_in == c.value || r.mpls_vpn_id_out == c.value; break;
            // sFlow: the sample's incoming VLAN (the header's, or the extended switch record's)
            // or its outgoing one (the switch record's), as 1.7.7.
            case Field::kSflowVlan: m = r.in_vlan == c.value || r.out_vlan == c.value; break;
            // The BGP route to the source address: none without the BGP thread, as 1.7.7 with
            // no route (its next hop never matches, its first AS is 0).
            case Field::kSrcRouteNextHop: m = false; break;
            case Field::kSrcRoutePeerAs: m = c.value == 0; break;
            default: break;
        }
    }
    return m != c.negated;
}

bool index_part(const Condition& c, IndexPart& part) {
    switch (c.field) {
        case Field::kEngineType: case Field::kEngineId: case Field::kNextHop: case Field::kSampleType:
        case Field::kDirection: case Field::kFilter: case Field::kMplsVpnId: case Field::kSflowVlan:
        case Field::kSrcRouteNextHop: case Field::kSrcRoutePeerAs:
            return false;
        default:
            break;
    }
    if (c.negated) return false;
    part = {c.field, 0, 0};
    if (address_of(c.field, FlowRecord()) != nullptr) {
        part.family = c.prefix.family;
        part.bits = c.bits;
    }
    return true;
}

void append_index_key(const Condition& c, std::string& key) {
    FlowRecord none;
    std::size_t n = 0;
    if (number_of(c.field, none)) {
        key.append(reinterpret_cast<const char*>(&c.value), sizeof c.value);
    } else if (address_of(c.field, none) != nullptr) {
        key.append(reinterpret_cast<const char*>(c.prefix.bytes.data()), c.prefix.bytes.size());
    } else if (bytes_of(c.field, none, n) != nullptr) {
        key.append(reinterpret_cast<const char*>(c.bytes.data()), n);
    }
}

bool append_index_key(const IndexPart& part, const FlowRecord& r, char* key, std::size_t& len) {
    std::size_t n = 0;
    if (const auto number = number_of(part.field, r)) {
        std::memcpy(key + len, &*number, sizeof *number);
        len += sizeof *number;
    } else if (const IpAddress* a = address_of(part.field, r)) {
        const IpAddress x = a->unmapped();
        if (x.family != part.family) return false;
        const IpAddress m = x.masked(part.bits);
        std::memcpy(key + len, m.bytes.data(), m.bytes.size());
        len += m.bytes.size();
    } else if (const std::uint8_t* b = bytes_of(part.field, r, n)) {
        std::memcpy(key + len, b, n);
        len += n;
    }
    return true;
}

std::optional<std::uint64_t> map_number(std::string_view v, std::uint64_t max) {
    std::uint64_t n = 0;
    const auto* end = v.data() + v.size();
    auto [p, ec] = std::from_chars(v.data(), end, n);
    if (v.empty() || ec != std::errc() || p != end || n > max) return std::nullopt;
    return n;
}

bool match_field(std::string_view key, MatchField& field) {
    for (const MatchKey& m : kMatchKeys) {
        if (m.name == key) {
            field = m.field;
            return true;
        }
    }
    return false;
}

std::string parse_condition(std::string_view key, MatchField field, std::string_view value, Condition& c) {
    for (const MatchKey& m : kMatchKeys) {
        if (m.name == key && m.field == field) return parse_value(m, value, c);
    }
    return fmt::format("'{}' is not a match key", key);
}

}  // namespace pmacct::maps
