#include "pmacct/maps/bgp_maps.hpp"

#include <array>

#include <fmt/format.h>

namespace pmacct::maps {
namespace {

constexpr std::array<std::string_view, 10> kSrcMapKeys = {"ip",  "in",      "out",     "bgp_nexthop", "peer_dst_as",
                                                          "src_mac", "vlan", "src_net", "dst_net",     "filter"};

// `bgp_nexthop` and `peer_dst_as` are those of the BGP route to the source address.
MatchField src_map_field(std::string_view key, MatchField field) {
    if (key == "bgp_nexthop") return MatchField::kSrcRouteNextHop;
    if (key == "peer_dst_as") return MatchField::kSrcRoutePeerAs;
    return field;
}
// sfacctd: and `vlan` is the sample's incoming or outgoing VLAN, as its pre_tag_map has it.
MatchField sflow_src_map_field(std::string_view key, MatchField field) {
    return key == "vlan" ? MatchField::kSflowVlan : src_map_field(key, field);
}

// An address as a map's value.
std::string parse_address(std::string_view v, IpAddress& a) {
    return IpAddress::parse(v, a) ? "" : fmt::format("'{}' is not an IPv4 or IPv6 address", v);
}

template <typename Loaded, typename Compile>
Result<Loaded> load_with(const std::string& path, const MapLimits& limits, Compile&& compile) {
    auto text = read_map_file(path, limits);
    if (!text) return fail(text.error());
    return compile(std::move(*text));
}

}  // namespace

BgpSrcMap::Loaded BgpSrcMap::compile(MapText text, Daemon daemon, bool index) {
    Loaded out;
    out.problems = std::move(text.problems);
    const IdMapKeys keys{kSrcMapKeys, daemon == Daemon::kSfacctd ? sflow_src_map_field : src_map_field};
    out.map.map_ = IdMap<Value>::compile_with(
        text, out.problems, keys, index, [](const MapToken& t, Value& v, bool& has_value) -> std::optional<std::string> {
            if (t.key != "id") return std::nullopt;
            has_value = true;
            if (t.value == "bgp") {
                v.from_bgp = true;
                return std::string();
            }
            if (t.value.ends_with("++")) return std::string("'++' (a value growing at each match) is not supported");
            auto n = map_number(t.value, 0xFFFFFFFF);
            if (!n) return fmt::format("'{}' is not 'bgp' or a number from 1 to 4294967295", t.value);
            // 1.7.7 leaves out rules of id 0 ("required key missing").
            if (*n == 0) return std::string("0 is not a value: flows no rule holds for get 0");
            v.id = static_cast<std::uint32_t>(*n);
            return std::string();
        });
    return out;
}

BgpSrcMap::Loaded BgpSrcMap::parse(std::string_view text, Daemon daemon, const MapLimits& limits) {
    return compile(parse_map_text(text, limits), daemon, limits.index);
}

Result<BgpSrcMap::Loaded> BgpSrcMap::load(const std::string& path, Daemon daemon, const MapLimits& limits) {
    return load_with<Loaded>(path, limits, [&](MapText text) { return compile(std::move(text), daemon, limits.index); });
}

BgpAgentMap::Loaded BgpAgentMap::compile(MapText text) {
    Loaded out;
    out.problems = std::move(text.problems);
    static constexpr std::array<std::string_view, 4> kKeys = {"ip", "in", "out", "filter"};
    out.map.map_ = IdMap<Peer>::compile_with(
        text, out.problems, IdMapKeys{kKeys}, false,
        [](const MapToken& t, Peer& p, bool& has_value) -> std::optional<std::string> {
            if (t.key == "id" || t.key == "bgp_ip" || t.key == "bmp_ip") {
                has_value = true;
                return parse_address(t.value, p.address);
            }
            // 1.7.7 takes only filters on the IP version and the VLAN tag here.
            if (t.key == "filter" && !t.value.starts_with("ip") && !t.value.starts_with("vlan and ip")) {
                return std::string("only 'ip', 'ip6', 'vlan and ip' and 'vlan and ip6' filters");
            }
            if (t.key != "bgp_port") return std::nullopt;
            auto n = map_number(t.value, 0xFFFF);
            if (!n) return fmt::format("'{}' is not a port number", t.value);
            p.port = static_cast<std::uint16_t>(*n);
            return std::string();
        });
    return out;
}

BgpAgentMap::Loaded BgpAgentMap::parse(std::string_view text, const MapLimits& limits) {
    return compile(parse_map_text(text, limits));
}

Result<BgpAgentMap::Loaded> BgpAgentMap::load(const std::string& path, const MapLimits& limits) {
    return load_with<Loaded>(path, limits, [](MapText text) { return compile(std::move(text)); });
}

BgpPeerDstIpMap::Loaded BgpPeerDstIpMap::compile(MapText text) {
    Loaded out;
    out.problems = std::move(text.problems);
    out.map.map_ = IdMap<IpAddress>::compile(text, out.problems, {"ip", "bgp_nexthop"}, false,
                                             [](std::string_view v, IpAddress& a) { return parse_address(v, a); });
    return out;
}

BgpPeerDstIpMap::Loaded BgpPeerDstIpMap::parse(std::string_view text, const MapLimits& limits) {
    return compile(parse_map_text(text, limits));
}

Result<BgpPeerDstIpMap::Loaded> BgpPeerDstIpMap::load(const std::string& path, const MapLimits& limits) {
    return load_with<Loaded>(path, limits, [](MapText text) { return compile(std::move(text)); });
}

}  // namespace pmacct::maps
