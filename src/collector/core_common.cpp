#include "pmacct/collector/core_common.hpp"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "pmacct/base/build_info.hpp"
#include "pmacct/base/strings.hpp"
#include "pmacct/config/values.hpp"
#include "pmacct/pcap/savefile.hpp"
#include "pmacct/process/signals.hpp"

namespace pmacct::collector {

using process::Signals;

namespace {

// Partial batches wait at most this long before the plugins see them: under load batches fill
// up on their own; at low rates this bounds latency without a wake-up per datagram.
constexpr auto kFlushInterval = std::chrono::milliseconds(200);
// A pause to let a plugin catch up, and how many in a row at most (the socket buffer must not
// fill meanwhile: 2 ms of traffic is a small part of any buffer).
constexpr auto kCatchUpPause = std::chrono::microseconds(100);
constexpr int kMostCatchUpPauses = 20;
constexpr double kPauseBelowFill = 0.75;  // of the socket's receive buffer
// Below this, a coalescing sleep saves nothing: the traffic is heavy enough to read on.
constexpr auto kShortestSleep = std::chrono::microseconds(200);

}  // namespace

Timestamp now_timestamp() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return {static_cast<std::int64_t>(ts.tv_sec), static_cast<std::uint32_t>(ts.tv_nsec / 1000)};
}

Result<void> load_allow_file(net::AllowList& list, const std::string& path, std::string_view key) {
    log::info("[{}] (re)loading map.", path);
    auto r = list.load(path);
    if (!r) return fail(fmt::format("{}: {}", key, r.error()));
    for (const auto& skipped : *r) log::warn("{}:{}: {}: {}; skipped", path, skipped.line, key, skipped.why);
    log::info("[{}] map successfully (re)loaded.", path);
    return ok();
}

Result<void> open_flow_input(const config::Settings& s, std::string_view daemon, std::uint16_t default_port,
                             FlowInput& out) {
    if (s.is_set("pcap_savefile")) {
        out.savefile = s.get_string("pcap_savefile");
        out.filter = s.get_string("pcap_filter");
        auto f = pcap::Savefile::open(out.savefile, out.filter);
        if (!f) return fail(f.error());
        return ok();
    }
    net::UdpInputOptions u;
    u.address = s.get_string("nfacctd_ip");
    u.port = s.is_set("nfacctd_port") ? static_cast<std::uint16_t>(s.get_uint("nfacctd_port")) : default_port;
    u.pipe_size = static_cast<std::size_t>(s.get_uint("nfacctd_pipe_size"));
    auto in = net::UdpInput::open(u);
    if (!in) return fail(in.error());
    out.socket.emplace(std::move(*in));
    if (u.pipe_size > 0 && static_cast<std::size_t>(out.socket->receive_buffer_obtained()) < u.pipe_size) {
        log::warn("{}_pipe_size: obtained={} bytes target={} bytes (raise net.core.rmem_max)", daemon,
                  out.socket->receive_buffer_obtained(), u.pipe_size);
    }
    return ok();
}

Result<void> check_plugins(const config::Config& cfg, plugin::FactoryLookup lookup) {
    for (const auto& p : cfg.plugins) {
        if (lookup(p.type) == nullptr) {
            return fail(fmt::format("plugin {}[{}]: the {} plugin is not implemented yet in pmacct-ng {}", p.type,
                                    p.name, p.type, version()));
        }
    }
    return ok();
}

maps::MapLimits map_limits_of(const config::Settings& s) {
    maps::MapLimits l;
    l.entries = static_cast<std::size_t>(s.get_uint("maps_entries"));
    l.row_len = static_cast<std::size_t>(s.get_uint("maps_row_len"));
    l.index = s.get_bool("maps_index");
    l.dont_recirculate = s.get_bool("pre_tag_map_dont_recirculate");
    return l;
}

packet::Options tunnel_options(const config::Settings& s, Daemon daemon) {
    packet::Options o = packet::Options::accounting();
    if (!s.is_set("tunnel_0")) return o;
    const auto t = config::parse_tunnel(s.get_string("tunnel_0"));  // checked with the configuration
    if (!t) return o;
    if (t->vxlan) {
        o.vxlan_port = t->port;
    } else if (daemon == Daemon::kSfacctd) {
        log::warn("tunnel_0: gtp is opened by pmacctd and uacctd; sfacctd ignores it");
    } else {
        o.gtp_port = t->port;
    }
    return o;
}

namespace {

// The maps that set a primitive when their *_type key is `map`, in FlowMaps::src_ order.
struct SrcMapKeys {
    const char* map;
    const char* type;
};
constexpr SrcMapKeys kSrcMapKeys[] = {{"bgp_peer_src_as_map", "bgp_peer_src_as_type"},
                                      {"bgp_src_local_pref_map", "bgp_src_local_pref_type"},
                                      {"bgp_src_med_map", "bgp_src_med_type"}};

}  // namespace

Result<void> FlowMaps::load(const config::Settings& s, const maps::MapLimits& limits, Daemon daemon) {
    limits_ = limits;
    daemon_ = daemon;
    if (s.is_set("sampling_map")) {
        sampling_path_ = s.get_string("sampling_map");
        if (auto r = load_sampling(); !r) return r;
    }
    if (s.is_set("flow_to_rd_map")) {
        rd_path_ = s.get_string("flow_to_rd_map");
        if (auto r = load_rd(); !r) return r;
    }
    for (std::size_t i = 0; i < src_.size(); ++i) {
        const SrcMapKeys& k = kSrcMapKeys[i];
        const std::string type = s.is_set(k.type) ? s.get_string(k.type) : std::string();
        if (type == "map") {
            // 1.7.7 exits likewise (when bgp_daemon is set; without it, it ignores the type).
            if (!s.is_set(k.map)) return fail(fmt::format("{}: 'map' needs {}", k.type, k.map));
            src_[i].path = s.get_string(k.map);
            src_maps_used_ = true;
        } else if (s.is_set(k.map)) {
            log::warn("{}: not used: {} is not 'map'", k.map, k.type);
        }
        if (type == "bgp") {
            log::warn("{}: 'bgp' needs the BGP thread, not implemented yet in pmacct-ng; it has no effect", k.type);
        }
    }
    if (s.is_set("bgp_agent_map")) agent_path_ = s.get_string("bgp_agent_map");
    if (s.is_set("bgp_peer_dst_ip_map")) peer_dst_ip_path_ = s.get_string("bgp_peer_dst_ip_map");
    if (auto r = load_bgp_maps(false); !r) return r;
    for (const char* key : {"bgp_agent_map", "bgp_peer_dst_ip_map"}) {
        if (s.is_set(key)) log::info("{}: read and checked; it takes effect when pmacct-ng has its BGP thread", key);
    }
    return ok();
}

void FlowMaps::reload() {
    if (!sampling_path_.empty()) {
        if (auto r = load_sampling(); !r) log::error("{}; keeping the previous map", r.error());
    }
    if (!rd_path_.empty()) {
        if (auto r = load_rd(); !r) log::error("{}; keeping the previous map", r.error());
    }
    (void)load_bgp_maps(true);
}

Result<void> FlowMaps::load_sampling() {
    return load_map("sampling_map", sampling_path_, sampling_,
                    [&] { return maps::SamplingMap::load(sampling_path_, limits_); });
}

Result<void> FlowMaps::load_rd() {
    return load_map("flow_to_rd_map", rd_path_, rd_, [&] { return maps::FlowToRdMap::load(rd_path_, limits_); });
}

// The maps of the bgp_* keys in use. At start-up the first that cannot be read is the error; on
// a reload each one that cannot be read is logged and keeps its previous content.
Result<void> FlowMaps::load_bgp_maps(bool reloading) {
    Result<void> first = ok();
    auto keep_first = [&](Result<void> r) {
        if (r) return;
        if (reloading) {
            log::error("{}; keeping the previous map", r.error());
        } else if (first) {
            first = std::move(r);
        }
    };
    for (std::size_t i = 0; i < src_.size(); ++i) {
        SrcMap& m = src_[i];
        if (m.path.empty()) continue;
        keep_first(load_map(kSrcMapKeys[i].map, m.path, m.map,
                            [&] { return maps::BgpSrcMap::load(m.path, daemon_, limits_); }));
    }
    if (!agent_path_.empty()) {
        keep_first(load_map("bgp_agent_map", agent_path_, agent_,
                            [&] { return maps::BgpAgentMap::load(agent_path_, limits_); }));
    }
    if (!peer_dst_ip_path_.empty()) {
        keep_first(load_map("bgp_peer_dst_ip_map", peer_dst_ip_path_, peer_dst_ip_,
                            [&] { return maps::BgpPeerDstIpMap::load(peer_dst_ip_path_, limits_); }));
    }
    return first;
}

Result<void> TagMaps::load(const config::Config& cfg, Daemon daemon, const maps::MapLimits& limits,
                           maps::MapUse use) {
    cfg_ = &cfg;
    daemon_ = daemon;
    limits_ = limits;
    use_ = use;
    if (cfg.core.is_set("pre_tag_map")) {
        path_ = cfg.core.get_string("pre_tag_map");
        if (auto r = load_global(); !r) return r;
    }
    return load_plugin_maps(true);
}

void TagMaps::reload() {
    if (cfg_ == nullptr) return;
    if (!path_.empty()) {
        if (auto r = load_global(); !r) log::error("{}; keeping the previous map", r.error());
    }
    (void)load_plugin_maps(false);
}

std::vector<const maps::PreTagMap*> TagMaps::own_maps() const {
    std::vector<const maps::PreTagMap*> own;
    for (const auto& m : plugin_maps_) own.push_back(m ? &m->map : nullptr);
    return own;
}

Result<void> TagMaps::load_global() {
    return load_map("pre_tag_map", path_, map_,
                    [&] { return maps::PreTagMap::load(path_, daemon_, limits_, use_); });
}

Result<void> TagMaps::load_plugin_maps(bool first) {
    if (first) plugin_maps_.resize(cfg_->plugins.size());
    for (std::size_t i = 0; i < cfg_->plugins.size(); ++i) {
        const config::Settings& ps = cfg_->plugins[i].settings;
        if (!ps.is_set("pre_tag_map") || ps.get_string("pre_tag_map") == path_) continue;
        if (first) plugin_maps_[i] = std::make_unique<PluginMap>(PluginMap{ps.get_string("pre_tag_map"), {}});
        PluginMap& m = *plugin_maps_[i];
        auto r = load_map("pre_tag_map", m.path, m.map,
                          [&] { return maps::PreTagMap::load(m.path, daemon_, limits_, use_); });
        if (!r) {
            if (first) return r;
            log::error("{}; keeping the previous map", r.error());
        }
    }
    return ok();
}

plugin::TeeMessage TeeFanout::message_from(const IpAddress& source, std::uint16_t port) {
    plugin::TeeMessage m;
    m.family = source.family == 6 ? 6 : 4;
    m.port = port;
    std::memcpy(m.address, source.bytes.data(), m.family == 6 ? 16 : 4);
    return m;
}

void TeeFanout::send_flow(const plugin::TeeMessage& m, const FlowRecord& r,
                          std::initializer_list<std::span<const std::uint8_t>> pieces) {
    bool copied = false;  // tagged_ holds r (a map sets only its tags: one copy serves all)
    for (std::size_t i = 0; i < host_.plugin_count(); ++i) {
        const maps::PreTagMap* map = maps_.of(i);
        if (map == nullptr || !map->needs_flows()) continue;
        if (!copied) {
            tagged_ = r;
            copied = true;
        }
        map->apply(tagged_, label_);
        plugin::TeeMessage t = m;
        t.tag = tagged_.tag;
        t.tag2 = tagged_.tag2;
        host_.send_message(i, t, pieces);
    }
}

Result<void> start_plugins(plugin::PluginHost& host, const config::Config& cfg, plugin::FactoryLookup lookup,
                           std::string_view program, std::span<const int> close_in_child,
                           const std::vector<std::unique_ptr<maps::FlowLookups>>& lookups, bool& stop,
                           std::function<void()> stats, std::function<void()> reload) {
    std::vector<const maps::FlowLookups*> views;
    for (const auto& l : lookups) views.push_back(l.get());
    host.set_lookups(std::move(views));
    if (auto r = host.start(cfg, lookup, program, close_in_child); !r) return r;
    using process::Signal;
    Signals::on(Signal::kChld, [&host, &stop] {
        if (host.reap()) stop = true;
    });
    Signals::on(Signal::kUsr1, std::move(stats));
    Signals::on(Signal::kUsr2, [&host, reload = std::move(reload)] {
        reload();
        host.signal_plugins(SIGUSR2);
    });
    Signals::on(Signal::kInt, [&stop] { stop = true; });
    Signals::on(Signal::kTerm, [&stop] { stop = true; });
    return ok();
}

bool pause_for(std::int64_t seconds, const bool& stop) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!stop && !Signals::stop_requested()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return true;
        struct pollfd p {Signals::wake_fd(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000))) > 0) Signals::dispatch();
    }
    return false;
}

int run_udp_loop(const UdpLoop& loop) {
    net::UdpInput& input = *loop.input;
    plugin::PluginHost& host = *loop.host;
    const bool& stop = *loop.stop;
    using Clock = std::chrono::steady_clock;
    // Longest coalescing sleep: a quarter of the time the receive buffer takes to fill at
    // 200 MB/s of NetFlow (the kernel charges ~2.3 KB of buffer per 1.5 KB datagram):
    // 1 ms for the default buffer, 53 ms for 32 MB of nfacctd_pipe_size, 100 ms at most.
    const auto longest = std::chrono::microseconds(
        1000 * std::clamp(input.receive_buffer_obtained() / (1200 << 10), 1, 100));
    // What a sleep may let pile up: the records read after it go to the plugins in one
    // burst, which their rings must absorb while the plugins catch up.
    const double burst_records = static_cast<double>(host.smallest_ring_records()) / 4;
    log::info("waiting for {} data on {}:{}", loop.what, input.local_address().to_string(), input.local_port());
    auto last_flush = Clock::now();
    auto cycle_start = Clock::now();
    std::uint64_t cycle_records = host.records_sent();
    bool idle = true;  // the last read found the socket empty: block in poll()
    while (!stop) {
        if (idle) {
            struct pollfd fds[3] = {{input.fd(), POLLIN, 0},
                                    {Signals::wake_fd(), POLLIN, 0},
                                    {loop.extra_fd, POLLIN, 0}};
            const int n = ::poll(fds, loop.extra_fd >= 0 ? 3 : 2, 100);
            if (n > 0 && (fds[1].revents & POLLIN) != 0) Signals::dispatch();
            cycle_start = Clock::now();
            cycle_records = host.records_sent();
        } else if (Signals::pending()) {
            Signals::dispatch();
        }
        if (Signals::stop_requested()) break;
        if (loop.drain_extra) loop.drain_extra();
        // Read until the socket is empty, a bounded number of batches at a time.
        std::size_t got = 0;
        bool drained = false;
        for (int round = 0; round < 64 && !drained; ++round) {
            // A plugin short of CPU (it shares it with us) gets a moment before its ring
            // overflows; the datagrams wait in the socket buffer meanwhile, as long as it has
            // room to spare (a plugin that is merely slow must not make everyone lose).
            for (int pause = 0; pause < kMostCatchUpPauses && host.plugin_catching_up() &&
                                input.buffer_fill() < kPauseBelowFill;
                 ++pause) {
                std::this_thread::sleep_for(kCatchUpPause);
            }
            auto batch = input.receive();
            if (!batch) {
                PMACCT_LOG_LIMITED(log::Level::kError, 60, 1, "{}", batch.error());
                drained = true;
                break;
            }
            for (const auto& d : *batch) loop.handle(d.payload, d.source, d.source_port, d.arrival);
            got += batch->size();
            drained = batch->size() < input.batch_capacity();
        }
        const auto now = Clock::now();
        if (now - last_flush >= kFlushInterval) {
            host.flush();
            last_flush = now;
        }
        idle = got == 0;
        if (!drained || idle) continue;
        // Traffic that does not keep the socket full: rather than waking for every datagram,
        // let them gather in the socket buffer, then read them in one go. The sleep is as
        // long as the rate seen since the last one allows without a burst the plugins'
        // rings cannot take (see burst_records), and never longer than `longest`.
        const double seconds = std::chrono::duration<double>(now - cycle_start).count();
        const double rate = static_cast<double>(host.records_sent() - cycle_records) / std::max(seconds, 1e-4);
        auto sleep = longest;
        if (rate > 0 && burst_records > 0) {
            sleep = std::min(sleep, std::chrono::microseconds(static_cast<std::int64_t>(1e6 * burst_records / rate)));
        }
        cycle_start = now;
        cycle_records = host.records_sent();
        if (sleep >= kShortestSleep) std::this_thread::sleep_for(sleep);
    }
    host.flush();
    return 0;
}

bool read_udp_savefile(const std::string& path, const std::string& filter, const bool& stop,
                       plugin::PluginHost& host, const DatagramHandler& handle) {
    auto file = pcap::Savefile::open(path, filter);
    if (!file) {
        log::error("{}", file.error());
        return false;
    }
    pcap::UdpPacket p;
    std::uint64_t n = 0;
    while (!stop) {
        auto more = file->next(p);
        if (!more) {
            log::error("{}: {}", path, more.error());
            break;
        }
        if (!*more) break;
        // pmacct stamps replayed datagrams with the wall clock, as if they arrived now.
        handle(p.payload, p.src_ip, p.src_port, now_timestamp());
        if ((++n & 1023) == 0 && Signals::stop_requested()) Signals::dispatch();
    }
    host.flush();
    log::info("{}: {} datagrams read", path, n);
    return true;
}

}  // namespace pmacct::collector
