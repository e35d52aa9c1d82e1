// The BGP maps of the traffic daemons.
//
// bgp_peer_src_as_map, bgp_src_local_pref_map, bgp_src_med_map (pmacct's "bpas" maps): the
// peer_src_as, src_local_pref or src_med of a flow, by exporter and what the flow carries, when
// bgp_peer_src_as_type, bgp_src_local_pref_type or bgp_src_med_type is `map`. SET `id=<value>`
// or `id=bgp` (the value of a BGP lookup of the source address: none, 0, until pmacct-ng has a
// BGP thread); MATCH `ip` (required), `in`, `out`, `src_mac`, `vlan`, `src_net`, `dst_net`,
// `filter`, and `bgp_nexthop` / `peer_dst_as` of the BGP route to the source address (as 1.7.7:
// not the flow's own next hop and AS). The first rule that holds wins; no rule: 0.
//
// bgp_agent_map (bmp_agent_map): the BGP (BMP) peer whose routes an exporter's flows are looked
// up in. SET `bgp_ip` (`id`, `bmp_ip`; an address), `bgp_port`; MATCH `ip` (required), `in`,
// `out`, `filter` (an expression starting with `ip`, `ip6`, `vlan and ip` or `vlan and ip6`).
//
// bgp_peer_dst_ip_map: the address reported as peer_dst_ip for a BGP next hop (an RSVP-TE tail
// end, say). SET `id` (an address); MATCH `ip` (required), `bgp_nexthop`.
//
// The last two are read and checked; their consumer is the BGP thread, not there yet.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/daemon.hpp"
#include "pmacct/base/result.hpp"
#include "pmacct/maps/id_map.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::maps {

class BgpSrcMap {
public:
    struct Loaded;
    // `daemon`: nfacctd or sfacctd (`vlan` is sFlow's incoming or outgoing VLAN there).
    static Loaded parse(std::string_view text, Daemon daemon, const MapLimits& limits);
    static Result<Loaded> load(const std::string& path, Daemon daemon, const MapLimits& limits);

    // The value of the first rule that holds for `r` (an `id=bgp` rule: what BGP gives, 0 for
    // now); 0 when none does.
    std::uint32_t value_for(const FlowRecord& r) const {
        const Value* v = map_.find(r);
        return v == nullptr || v->from_bgp ? 0 : v->id;
    }
    std::size_t size() const { return map_.size(); }

private:
    struct Value {
        std::uint32_t id = 0;
        bool from_bgp = false;  // id=bgp
    };
    static Loaded compile(MapText text, Daemon daemon, bool index);
    IdMap<Value> map_;
};

struct BgpSrcMap::Loaded {
    BgpSrcMap map;
    std::vector<MapProblem> problems;
};

class BgpAgentMap {
public:
    struct Loaded;
    static Loaded parse(std::string_view text, const MapLimits& limits);
    static Result<Loaded> load(const std::string& path, const MapLimits& limits);

    struct Peer {
        IpAddress address;       // bgp_ip / bmp_ip / id
        std::uint16_t port = 0;  // bgp_port, 0: any
    };
    // The peer of the first rule that holds for `r`, nullptr when none does.
    const Peer* find(const FlowRecord& r) const { return map_.find(r); }
    std::size_t size() const { return map_.size(); }

private:
    static Loaded compile(MapText text);
    IdMap<Peer> map_;
};

struct BgpAgentMap::Loaded {
    BgpAgentMap map;
    std::vector<MapProblem> problems;
};

class BgpPeerDstIpMap {
public:
    struct Loaded;
    static Loaded parse(std::string_view text, const MapLimits& limits);
    static Result<Loaded> load(const std::string& path, const MapLimits& limits);

    // The address of the first rule that holds for `r`, nullptr when none does.
    const IpAddress* find(const FlowRecord& r) const { return map_.find(r); }
    std::size_t size() const { return map_.size(); }

private:
    static Loaded compile(MapText text);
    IdMap<IpAddress> map_;
};

struct BgpPeerDstIpMap::Loaded {
    BgpPeerDstIpMap map;
    std::vector<MapProblem> problems;
};

}  // namespace pmacct::maps
