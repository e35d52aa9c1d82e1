// What the core processes of the flow daemons (nfacctd, pmacctd) share: maps read and re-read
// with their problems logged, the pre_tag_maps (the daemon's and each plugin's own), pauses that
// wake for signals, and the rounds of a savefile replay (pcap_savefile_delay,
// pcap_savefile_replay, pcap_savefile_wait).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pmacct/base/daemon.hpp"
#include "pmacct/base/result.hpp"
#include "pmacct/config/config.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/maps/bgp_maps.hpp"
#include "pmacct/maps/flow_lookups.hpp"
#include "pmacct/maps/pre_tag_map.hpp"
#include "pmacct/maps/sampling_map.hpp"
#include "pmacct/net/allow_list.hpp"
#include "pmacct/net/udp_input.hpp"
#include "pmacct/packet/dissector.hpp"
#include "pmacct/plugin/host.hpp"
#include "pmacct/plugin/tee_message.hpp"

namespace pmacct::collector {

// A key=value map, (re)read into `target` by `load()` (a Result of {map, problems}): rules
// that cannot be used are reported and left out; a file that cannot be read leaves `target` as
// it was.
template <typename Map, typename LoadFn>
Result<void> load_map(const char* key, const std::string& path, Map& target, LoadFn&& load) {
    log::info("[{}] (re)loading map.", path);
    auto m = load();
    if (!m) return fail(fmt::format("{}: {}", key, m.error()));
    for (const auto& p : m->problems) {
        if (p.line == 0) {
            log::warn("{}: {}: {}", path, key, p.why);
        } else {
            log::warn("{}:{}: {}: {}; rule ignored", path, p.line, key, p.why);
        }
    }
    target = std::move(m->map);
    log::info("[{}] map successfully (re)loaded.", path);
    return ok();
}

// The allow file (`key`: nfacctd_allow_file, sfacctd_allow_file) at `path`, (re)read into
// `list`: lines that are not addresses or prefixes are reported and left out; a file that cannot
// be read leaves the list as it was.
Result<void> load_allow_file(net::AllowList& list, const std::string& path, std::string_view key);

// An error naming the first plugin of `cfg` that `lookup` has no implementation for.
Result<void> check_plugins(const config::Config& cfg, plugin::FactoryLookup lookup);

// The map limits of the configuration (maps_entries, maps_row_len, maps_index,
// pre_tag_map_dont_recirculate).
maps::MapLimits map_limits_of(const config::Settings& s);

// The tunnels pmacctd, uacctd and sfacctd open (packet::Options::accounting()) with tunnel_0's
// ("gtp, <port>": GTP-U on that UDP port, its content accounted; "vxlan, <port>": VXLAN on that
// port instead of 4789). GTP-U is opened by the capture daemons only; sfacctd warns and ignores it.
packet::Options tunnel_options(const config::Settings& s, Daemon daemon);

// sampling_map, flow_to_rd_map and the BGP maps (nfacctd, sfacctd): read at start-up (an error
// when one cannot be read), again on SIGUSR2 with maps_refresh (a map that cannot be read keeps
// its previous content). bgp_peer_src_as_map, bgp_src_local_pref_map and bgp_src_med_map are
// used when their *_type is `map` (an error without the map); bgp_agent_map and
// bgp_peer_dst_ip_map are read and checked for the BGP thread to come.
class FlowMaps {
public:
    Result<void> load(const config::Settings& s, const maps::MapLimits& limits, Daemon daemon);
    void reload();
    // sampling_map for the decoders, nullptr when there is none; it stays valid across reloads.
    const SamplingRateSource* sampling() const { return sampling_path_.empty() ? nullptr : &sampling_; }
    // Some map changes records (apply() has work to do).
    bool changes_records() const { return !rd_path_.empty() || src_maps_used_; }
    // flow_to_rd_map's route distinguisher, then the values of the bgp_*_map maps in use, into `r`.
    void apply(FlowRecord& r) const {
        if (!rd_path_.empty()) rd_.apply(r);
        if (!src_maps_used_) return;
        if (!src_[0].path.empty()) r.peer_src_as = src_[0].map.value_for(r);
        if (!src_[1].path.empty()) r.src_local_pref = src_[1].map.value_for(r);
        if (!src_[2].path.empty()) r.src_med = src_[2].map.value_for(r);
    }

private:
    Result<void> load_sampling();
    Result<void> load_rd();
    Result<void> load_bgp_maps(bool reloading);

    maps::MapLimits limits_;
    Daemon daemon_ = Daemon::kNfacctd;
    std::string sampling_path_;
    maps::SamplingMap sampling_;  // reloads assign in place: decoders keep pointing at it
    std::string rd_path_;
    maps::FlowToRdMap rd_;
    struct SrcMap {
        std::string path;  // empty: not used
        maps::BgpSrcMap map;
    };
    std::array<SrcMap, 3> src_;  // bgp_peer_src_as_map, bgp_src_local_pref_map, bgp_src_med_map
    bool src_maps_used_ = false;
    std::string agent_path_;
    maps::BgpAgentMap agent_;
    std::string peer_dst_ip_path_;
    maps::BgpPeerDstIpMap peer_dst_ip_;
};

// pre_tag_map: the daemon's, and the plugins' own (`pre_tag_map[name]`), used for them instead.
class TagMaps {
public:
    // Reads the maps `cfg` names; an error when one cannot be read.
    Result<void> load(const config::Config& cfg, Daemon daemon, const maps::MapLimits& limits, maps::MapUse use);
    // SIGUSR2: read again; a map that cannot be read keeps its previous content.
    void reload();

    // The daemon's map (nullptr: none).
    const maps::PreTagMap* global() const { return path_.empty() ? nullptr : &map_; }
    // The map that tags what goes to plugin `i`: its own, else the daemon's, else none.
    const maps::PreTagMap* of(std::size_t i) const {
        if (i < plugin_maps_.size() && plugin_maps_[i]) return &plugin_maps_[i]->map;
        return global();
    }
    // The plugins' own maps, in `plugins` order, null for a plugin without one
    // (PluginHost::set_tag_maps).
    std::vector<const maps::PreTagMap*> own_maps() const;

private:
    Result<void> load_global();
    Result<void> load_plugin_maps(bool first);

    const config::Config* cfg_ = nullptr;
    Daemon daemon_ = Daemon::kNfacctd;
    maps::MapLimits limits_;
    maps::MapUse use_ = maps::MapUse::kAccounting;
    std::string path_;
    maps::PreTagMap map_;
    struct PluginMap {
        std::string path;
        maps::PreTagMap map;
    };
    std::vector<std::unique_ptr<PluginMap>> plugin_maps_;  // per plugin, null: none of its own
};

// What nfacctd and sfacctd do with each decoded record: the flow maps (flow_to_rd_map, the BGP
// maps) and the daemon's pre_tag_map applied to a copy, when there are any, then the plugins.
class RecordDelivery {
public:
    RecordDelivery(plugin::PluginHost& host, const TagMaps& tags, FlowMaps& flows)
        : host_(host), tags_(tags), flows_(flows) {}
    void deliver(const FlowRecord& r) {
        const maps::PreTagMap* tags = tags_.global();
        if (tags == nullptr && !flows_.changes_records()) {
            host_.send(r);
            return;
        }
        tagged_ = r;
        flows_.apply(tagged_);
        if (tags != nullptr) tags->apply(tagged_, label_buffer_);
        host_.send(tagged_);
    }

private:
    plugin::PluginHost& host_;
    const TagMaps& tags_;
    FlowMaps& flows_;
    FlowRecord tagged_;         // the record being tagged (copied: decoders hand out const)
    std::string label_buffer_;  // its label
};

// Tee mode (nfacctd, sfacctd; QUICKSTART XV and XVa): datagrams to the tee plugins, tagged by
// each plugin's pre_tag_map. A plugin without a map, or with one that needs only what the
// datagram shares (exporter or agent, engine, sub-agent), gets datagrams whole; a plugin whose
// map looks into flows gets them one by one, each as a datagram of its own.
class TeeFanout {
public:
    TeeFanout(plugin::PluginHost& host, const TagMaps& maps) : host_(host), maps_(maps) {}

    // The message for a datagram from `source`, UDP port `port` (untagged).
    static plugin::TeeMessage message_from(const IpAddress& source, std::uint16_t port);
    // Whether plugin `i` takes flows one by one (its map looks into them).
    bool wants_flows(std::size_t i) const {
        const maps::PreTagMap* map = maps_.of(i);
        return map != nullptr && map->needs_flows();
    }
    // `payload` whole to the plugins that take datagrams, tagged by their maps on what
    // `describe(FlowRecord&)` fills in (called once, when a map needs it; the maps read only
    // what a datagram shares). True when some plugin takes flows instead.
    template <typename Describe>
    bool send_whole(const plugin::TeeMessage& m, std::span<const std::uint8_t> payload, Describe&& describe) {
        bool any_flows = false;
        bool described = false;
        for (std::size_t i = 0; i < host_.plugin_count(); ++i) {
            const maps::PreTagMap* map = maps_.of(i);
            if (map != nullptr && map->needs_flows()) {
                any_flows = true;
                continue;
            }
            plugin::TeeMessage t = m;
            t.tag = t.tag2 = 0;
            if (map != nullptr) {
                if (!described) {
                    describe(datagram_);
                    described = true;
                }
                map->apply(datagram_, label_);  // sets only tag, tag2 and label
                t.tag = datagram_.tag;
                t.tag2 = datagram_.tag2;
            }
            host_.send_message(i, t, {payload});
        }
        return any_flows;
    }
    // One flow `r`, as the datagram `pieces` make, to the plugins that take flows, tagged by
    // their maps.
    void send_flow(const plugin::TeeMessage& m, const FlowRecord& r,
                   std::initializer_list<std::span<const std::uint8_t>> pieces);

private:
    plugin::PluginHost& host_;
    const TagMaps& maps_;
    FlowRecord datagram_;  // what a whole datagram shares
    FlowRecord tagged_;    // the flow being tagged (copied: decoders hand out const)
    std::string label_;
};

// Starts the plugins with their lookups (networks_file, ...; per plugin, null for none), then
// installs the core's signal handlers: SIGCHLD reaps plugins (`stop` when the daemon should
// end), SIGUSR1 runs `stats`, SIGUSR2 runs `reload` and is passed on to the plugins, SIGINT and
// SIGTERM set `stop`.
Result<void> start_plugins(plugin::PluginHost& host, const config::Config& cfg, plugin::FactoryLookup lookup,
                           std::string_view program, std::span<const int> close_in_child,
                           const std::vector<std::unique_ptr<maps::FlowLookups>>& lookups, bool& stop,
                           std::function<void()> stats, std::function<void()> reload);

// Sleeps `seconds`, dispatching signals meanwhile; false when a stop was asked (`stop` set by
// a handler, or a stop signal pending).
bool pause_for(std::int64_t seconds, const bool& stop);

// The rounds of a savefile replay: pcap_savefile_delay before each, pcap_savefile_replay of them
// (0: until stopped), `read_once()` reading the file once (false: a fatal error, the daemon
// exits 1), then with pcap_savefile_wait a wait for a stop signal. The exit code.
template <typename ReadOnce>
int replay_savefile(const config::Settings& s, const std::string& path, const bool& stop, ReadOnce&& read_once) {
    const std::int64_t delay = s.get_seconds("pcap_savefile_delay");
    const std::uint64_t replays = s.get_uint("pcap_savefile_replay");
    for (std::uint64_t round = 0; (replays == 0 || round < replays) && !stop; ++round) {
        if (delay > 0 && !pause_for(delay, stop)) break;
        if (!read_once()) return 1;
    }
    if (s.get_bool("pcap_savefile_wait")) {
        log::info("finished reading {}; waiting for a signal to exit", path);
        while (!stop && pause_for(3600, stop)) {
        }
    }
    return 0;
}

// The wall clock as a record's timestamp.
Timestamp now_timestamp();

// Where nfacctd / sfacctd read: the savefile of pcap_savefile (opened once here, so that a bad
// file or filter fails on the terminal), else a UDP socket on nfacctd_ip / nfacctd_port (their
// sfacctd_ names are the same keys; `default_port` when unset) with nfacctd_pipe_size (its
// shortfall is logged under `daemon`'s name for the key).
struct FlowInput {
    std::string savefile;
    std::string filter;
    std::optional<net::UdpInput> socket;
};
Result<void> open_flow_input(const config::Settings& s, std::string_view daemon, std::uint16_t default_port,
                             FlowInput& out);

// A datagram to decode: payload, sender address and port, arrival time.
using DatagramHandler = std::function<void(std::span<const std::uint8_t>, const IpAddress&, std::uint16_t, Timestamp)>;

// The reading loop of nfacctd and sfacctd on their UDP socket, until `stop`: datagrams to
// `handle`, partial batches to the plugins at least every 200 ms, short pauses for a plugin that
// is catching up, and, when the traffic leaves the socket empty, coalescing sleeps so that
// datagrams are read in bursts rather than one wake-up each. `extra_fd` (>= 0) is another socket
// to watch; `drain_extra` reads it. Returns the exit code.
struct UdpLoop {
    net::UdpInput* input = nullptr;
    plugin::PluginHost* host = nullptr;
    const bool* stop = nullptr;
    std::string_view what;  // "NetFlow/IPFIX", "sFlow": for the log
    DatagramHandler handle;
    int extra_fd = -1;
    std::function<void()> drain_extra;
};
int run_udp_loop(const UdpLoop& loop);

// Reads the UDP datagrams of a savefile once (pcap_filter applied), stamped with the wall clock
// as they are read, as pmacct does; false on a fatal error.
bool read_udp_savefile(const std::string& path, const std::string& filter, const bool& stop,
                       plugin::PluginHost& host, const DatagramHandler& handle);

}  // namespace pmacct::collector
