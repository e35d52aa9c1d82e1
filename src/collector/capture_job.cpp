#include "pmacct/collector/capture_job.hpp"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "pmacct/collector/core_common.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/maps/flow_lookups.hpp"
#if PMACCT_HAVE_NFLOG
#include "pmacct/nflog/nflog_capture.hpp"
#endif
#include "pmacct/packet/flow_tracker.hpp"
#include "pmacct/packet/packet_accounting.hpp"
#include "pmacct/maps/pcap_interfaces_map.hpp"
#include "pmacct/pcap/capture_set.hpp"
#include "pmacct/pcap/live_capture.hpp"
#include "pmacct/pcap/savefile.hpp"
#include "pmacct/plugin/host.hpp"
#include "pmacct/process/signals.hpp"
#include "pmacct/process/title.hpp"

namespace pmacct::collector {
namespace {

using process::Signals;

// Partial batches reach the plugins at least this often when traffic is light.
constexpr auto kFlushInterval = std::chrono::milliseconds(200);
// pmacctd_flow_tcp_lifetime when not set (1.7.7: 60, or 432000 with classification, which
// pmacct-ng does not have).
constexpr std::int64_t kDefaultTcpLifetime = 60;
// Pauses that let packets gather in the socket (NFLOG): below the shortest one a pause saves
// nothing; the longest bounds the delay a packet sees.
constexpr auto kShortestPause = std::chrono::microseconds(200);
constexpr auto kLongestPause = std::chrono::microseconds(10000);

// pmacct handles fragments (ports for every fragment of a datagram) when a plugin aggregates
// on what only a first fragment carries.
bool needs_fragment_handling(const config::Config& cfg) {
    if (cfg.core.get_bool("pmacctd_force_frag_handling")) return true;
    for (const auto& p : cfg.plugins) {
        for (const auto& name : p.aggregate) {
            if (name == "src_port" || name == "dst_port" || name == "sum_port" || name == "tcpflags") return true;
        }
    }
    return false;
}

// pmacctd (libpcap: a live interface or a savefile) and uacctd (an NFLOG group): the same
// accounting of each captured frame, from different sources.
class CaptureJob final : public app::MainJob {
public:
    CaptureJob(Daemon daemon, plugin::FactoryLookup lookup) : daemon_(daemon), lookup_(lookup) {}

    Result<void> prepare(const config::Config& cfg) override {
        cfg_ = &cfg;
        const config::Settings& s = cfg.core;
        if (auto r = check_plugins(cfg, lookup_); !r) return r;
        for (const auto& p : cfg.plugins) {
            if (p.type == "tee") return fail(fmt::format("plugin tee[{}]: the tee plugin is for nfacctd and sfacctd", p.name));
        }
        // networks_file, pmacctd_net/pmacctd_as, ports_file...: per plugin, applied to its keys.
        auto lookups = maps::FlowLookups::for_config(cfg);
        if (!lookups) return fail(lookups.error());
        lookups_ = std::move(*lookups);
        if (auto r = tag_maps_.load(cfg, daemon_, map_limits_of(s), maps::MapUse::kAccounting); !r) return r;
        // 1.7.7 applies these here too (with bgp_daemon); pmacct-ng does in nfacctd and sfacctd so far.
        for (const char* key : {"bgp_peer_src_as_map", "bgp_src_local_pref_map", "bgp_src_med_map"}) {
            if (s.is_set(key)) {
                log::warn("{}: not implemented yet in {} (nfacctd and sfacctd apply it); it has no effect", key,
                          daemon_name(daemon_));
            }
        }
        const auto slots = packet::FragmentTable::capacity_for(s.get_uint("pmacctd_frag_buffer_size"));
        accountant_.emplace(slots, needs_fragment_handling(cfg), tunnel_options(s, daemon_));
        if (s.is_set("pcap_direction")) direction_ = s.get_string("pcap_direction") == "in" ? 1 : 2;
        // The sampling_rate primitive: the external rate, else 1 (as 1.7.7); renormalised, the
        // counters carry the external rate and the primitive says 1. Internal sampling
        // (sampling_rate, per plugin) is the plugin host's.
        if (s.is_set("nfacctd_ext_sampling_rate")) {
            ext_sampling_rate_ = static_cast<std::uint32_t>(s.get_uint("nfacctd_ext_sampling_rate"));
            for (const auto& p : cfg.plugins) {
                if (p.settings.is_set("sampling_rate")) {
                    return fail(fmt::format("plugin {}[{}]: sampling_rate (internal sampling) and {}_ext_sampling_rate "
                                            "(external sampling) are mutually exclusive",
                                            p.type, p.name, daemon_name(daemon_)));
                }
            }
        }
        renormalize_ = s.get_bool("nfacctd_renormalize");
        // flows: which packets start a flow, kept only when a plugin aggregates on it.
        for (const auto& p : cfg.plugins) {
            if (std::find(p.aggregate.begin(), p.aggregate.end(), "flows") == p.aggregate.end()) continue;
            flow_tracker_.emplace(s.get_uint("pmacctd_flow_buffer_size"), s.get_seconds("pmacctd_flow_lifetime"),
                                  s.is_set("pmacctd_flow_tcp_lifetime") ? s.get_seconds("pmacctd_flow_tcp_lifetime")
                                                                        : kDefaultTcpLifetime);
            break;
        }
        if (daemon_ == Daemon::kUacctd) return prepare_nflog(s);
        filter_ = s.get_string("pcap_filter");
        if (s.is_set("pcap_savefile")) {
            savefile_path_ = s.get_string("pcap_savefile");
            auto f = pcap::Savefile::open(savefile_path_, filter_);  // fail early, on the terminal
            if (!f) return fail(f.error());
            if (!packet::link_type_from_dlt(f->datalink())) {
                return fail(fmt::format("pcap_savefile '{}': link type {} is not supported", savefile_path_,
                                        f->datalink()));
            }
            return ok();
        }
        pcap::LiveOptions base;
        base.filter = filter_;
        base.snaplen = static_cast<int>(s.get_uint("snaplen"));
        base.promisc = s.get_bool("promisc");
        const auto policy = pcap::ifindex_policy(s.get_string("pcap_ifindex"));
        captures_.emplace(base, policy.value_or(pcap::IfindexPolicy::kNone));
        wait_for_interface_ = s.get_bool("pcap_interface_wait");
        if (s.is_set("pcap_interfaces_map")) {
            if (s.is_set("pcap_interface")) {
                return fail("pcap_interface and pcap_interfaces_map are mutually exclusive");
            }
            interfaces_map_ = s.get_string("pcap_interfaces_map");
            limits_ = map_limits_of(s);
        }
        auto specs = device_specs();
        if (!specs) return fail(specs.error());
        const auto errors = captures_->configure(*specs);
        if (!errors.empty() && !wait_for_interface_) return fail(errors.front());
        for (const auto& why : errors) log::warn("{}; waiting for the interface (pcap_interface_wait)", why);
        return ok();
    }

    // What to capture from: pcap_interface, or the interfaces of pcap_interfaces_map (read
    // again on SIGUSR2), with pcap_direction for those the map gives no direction.
    Result<std::vector<pcap::DeviceSpec>> device_specs() {
        std::vector<pcap::DeviceSpec> specs;
        if (interfaces_map_.empty()) {
            specs.push_back({.name = cfg_->core.get_string("pcap_interface"), .direction = direction_});
            return specs;
        }
        log::info("[{}] (re)loading map.", interfaces_map_);
        auto map = maps::PcapInterfacesMap::load(interfaces_map_, limits_);
        if (!map) return fail(fmt::format("pcap_interfaces_map: {}", map.error()));
        for (const auto& p : map->problems) {
            if (p.line == 0) log::warn("{}: pcap_interfaces_map: {}", interfaces_map_, p.why);
            else log::warn("{}:{}: pcap_interfaces_map: {}; rule ignored", interfaces_map_, p.line, p.why);
        }
        for (const auto& i : map->interfaces) {
            specs.push_back({.name = i.name, .ifindex = i.ifindex, .direction = i.direction != 0 ? i.direction : direction_});
        }
        if (specs.empty()) log::warn("[{}] no interfaces: nothing is captured", interfaces_map_);
        log::info("[{}] map successfully (re)loaded.", interfaces_map_);
        return specs;
    }

    // The devices opened since the last call say so, as 1.7.7 does ("[eth0,100] link type is: 1").
    void log_opened() {
        std::vector<std::string> open;
        for (const auto& d : captures_->devices()) {
            if (!d.capture) continue;
            std::string id = fmt::format("{},{}", d.capture->interface(), d.ifindex);
            if (std::find(logged_open_.begin(), logged_open_.end(), id) == logged_open_.end()) {
                log::info("[{}] link type is: {}", id, d.capture->datalink());
                log::info("capturing on {}", d.capture->interface());
            }
            open.push_back(std::move(id));
        }
        logged_open_ = std::move(open);
    }

    int run() override {
        const config::Settings& s = cfg_->core;
        const std::string_view name = daemon_name(daemon_);
        process::set_title(fmt::format("{}: Core Process [{}]", name, s.get_string("core_proc_name")));
        host_.set_wait_when_full(!savefile_path_.empty());
        std::vector<int> inherited;
        if (captures_) {
            for (const auto& d : captures_->devices()) {
                if (d.capture) inherited.push_back(d.capture->fd());
            }
        }
#if PMACCT_HAVE_NFLOG
        if (nflog_) inherited.push_back(nflog_->fd());
#endif
        host_.set_tag_maps(tag_maps_.own_maps());
        if (auto r = start_plugins(host_, *cfg_, lookup_, std::string(name), inherited, lookups_, stop_,
                                   [this] { print_stats(); }, [this] { reload_maps(); });
            !r) {
            log::error("{}", r.error());
            return 1;
        }

        const int rc = daemon_ == Daemon::kUacctd ? run_nflog() : savefile_path_.empty() ? run_live() : run_savefile();
        const int plugins_rc = host_.shutdown(std::chrono::seconds(60));
        log::info("OK, Exiting ...");
        return rc != 0 ? rc : plugins_rc;
    }

private:
    void reload_maps() {
        if (!interfaces_map_.empty() && captures_ && savefile_path_.empty()) {
            auto specs = device_specs();
            if (!specs) {
                log::error("{}; keeping the interfaces captured from", specs.error());
            } else {
                for (const auto& why : captures_->configure(*specs)) log::error("{}", why);
                log_opened();
            }
        }
        if (cfg_->core.get_bool("maps_refresh")) tag_maps_.reload();
        for (auto& l : lookups_) {
            if (l) l->reload();
        }
    }

    // uacctd_group, uacctd_nl_size, uacctd_threshold, snaplen; the group is bound here, so that
    // a failure shows on the terminal.
    Result<void> prepare_nflog(const config::Settings& s) {
#if PMACCT_HAVE_NFLOG
        nflog::NflogOptions o;
        o.group = static_cast<std::uint16_t>(s.get_uint("uacctd_group"));
        o.buffer_size = static_cast<std::uint32_t>(s.get_uint("uacctd_nl_size"));
        o.threshold = static_cast<std::uint32_t>(s.get_uint("uacctd_threshold"));
        o.snaplen = static_cast<std::uint32_t>(s.get_uint("snaplen"));
        auto cap = nflog::NflogCapture::open(o);
        if (!cap) return fail(cap.error());
        nflog_.emplace(std::move(*cap));
        return ok();
#else
        (void)s;
        return fail("uacctd: this build has no NFLOG support (configure with -DENABLE_NFLOG=ON)");
#endif
    }

    // One captured frame to the plugins, tagged by the daemon's pre_tag_map if there is one.
    void handle(packet::LinkType link, std::span<const std::uint8_t> frame, Timestamp ts, std::uint32_t in_iface,
                std::uint32_t out_iface, std::uint8_t direction) {
        if (!accountant_->account(link, frame, ts, record_)) return;
        record_.in_iface = in_iface;
        record_.out_iface = out_iface;
        record_.capture_direction = direction;
        if (flow_tracker_) record_.flows = flow_tracker_->starts_flow(record_, ts.sec) ? 1 : 0;
        if (ext_sampling_rate_ == 0) {
            record_.sampling_rate = 1;
        } else if (renormalize_) {
            record_.packets *= ext_sampling_rate_;
            record_.bytes *= ext_sampling_rate_;
            record_.sampling_rate = 1;
        } else {
            record_.sampling_rate = ext_sampling_rate_;
        }
        if (const maps::PreTagMap* tags = tag_maps_.global(); tags != nullptr) tags->apply(record_, label_buffer_);
        host_.send(record_);
    }

    // Reads the input with `read()` whenever poll() says one of the descriptors `fds(out)`
    // appends is ready, until stopped; partial batches reach the plugins every kFlushInterval.
    // The error of read() ends it. `pause(rate)` (packets per second seen since the last pause)
    // is how long to let packets gather before reading again, rather than waking for each: zero
    // for none.
    template <typename Fds, typename Read, typename Pause>
    Result<void> poll_loop(Fds&& fds, Read&& read, Pause&& pause) {
        using Clock = std::chrono::steady_clock;
        auto last_flush = Clock::now();
        auto cycle_start = last_flush;
        std::uint64_t cycle_packets = 0;
        Result<void> outcome = ok();
        std::vector<pollfd> polled;
        while (!stop_) {
            polled.assign(1, pollfd{Signals::wake_fd(), POLLIN, 0});
            fds(polled);
            const int n = ::poll(polled.data(), polled.size(), static_cast<int>(kFlushInterval.count()));
            if (n > 0 && (polled[0].revents & POLLIN) != 0) Signals::dispatch();
            if (Signals::stop_requested() || stop_) break;
            auto got = read();
            if (!got) {
                outcome = fail(got.error());
                break;
            }
            const auto now = Clock::now();
            if (now - last_flush >= kFlushInterval) {
                host_.flush();
                last_flush = now;
            }
            if (*got == 0) {
                cycle_start = now;
                cycle_packets = 0;
                continue;
            }
            cycle_packets += static_cast<std::uint64_t>(*got);
            const double seconds = std::chrono::duration<double>(now - cycle_start).count();
            const auto sleep = pause(static_cast<double>(cycle_packets) / std::max(seconds, 1e-4));
            if (sleep >= kShortestPause) {
                std::this_thread::sleep_for(sleep);
                cycle_start = Clock::now();
                cycle_packets = 0;
            }
        }
        host_.flush();
        return outcome;
    }

    int run_live() {
        const std::function<void(const pcap::CaptureSet::Device&, const pcap::Frame&)> on_frame =
            [this](const pcap::CaptureSet::Device& d, const pcap::Frame& f) {
                const std::uint8_t direction = d.spec.direction;
                handle(d.link, f.data, f.timestamp, direction == 1 ? d.ifindex : 0, direction == 2 ? d.ifindex : 0,
                       direction);
            };
        log_opened();
        auto last_retry = std::chrono::steady_clock::now();
        auto fds = [this](std::vector<pollfd>& out) { captures_->poll_fds(out); };
        // libpcap's ring hands over blocks of packets: no pause needed.
        auto no_pause = [](double) { return std::chrono::microseconds(0); };
        auto read = [&]() -> Result<int> {
            auto got = captures_->dispatch(on_frame);
            // pcap_interface_wait: the interfaces that cannot be opened (or went away) are tried
            // again every second; without it an interface going away stops the daemon.
            if (!got && !wait_for_interface_) return got;
            if (!got) log::warn("{}; waiting for the interface (pcap_interface_wait)", got.error());
            const auto now = std::chrono::steady_clock::now();
            if (!captures_->all_open() && now - last_retry >= std::chrono::seconds(1)) {
                last_retry = now;
                (void)captures_->reopen();
                log_opened();
            }
            return got ? *got : 0;
        };
        auto r = poll_loop(fds, read, no_pause);
        if (!r) {
            log::error("{}", r.error());
            return 1;
        }
        return 0;
    }

    int run_nflog() {
#if PMACCT_HAVE_NFLOG
        log::info("reading NFLOG group {}", nflog_->name());
        const std::function<void(const nflog::NflogFrame&)> on_frame = [this](const nflog::NflogFrame& f) {
            handle(packet::LinkType::kEthernet, f.data, f.timestamp, f.in_iface, f.out_iface, direction_);
        };
        // One packet per message (uacctd_threshold 1) would be one wake-up each: when the socket
        // is left empty, packets gather for a while, as long as a quarter of the socket buffer
        // and of the plugins' rings can take them.
        const double burst_records = static_cast<double>(host_.smallest_ring_records()) / 4;
        auto pause = [&](double rate) {
            auto sleep = nflog_->fill_time(rate, kLongestPause);
            if (rate > 0 && burst_records > 0) {
                sleep = std::min(sleep, std::chrono::microseconds(static_cast<std::int64_t>(1e6 * burst_records / rate)));
            }
            return sleep;
        };
        auto r = poll_loop([this](std::vector<pollfd>& out) { out.push_back({nflog_->fd(), POLLIN, 0}); },
                           [&] { return nflog_->dispatch(on_frame); }, pause);
        if (!r) {
            log::error("{}", r.error());
            return 1;
        }
        // Packets the kernel still holds for a batch (uacctd_threshold) come within its flush
        // timeout: they are read and accounted before the plugins are told to stop.
        if (cfg_->core.get_uint("uacctd_threshold") > 1) {
            const auto until = std::chrono::steady_clock::now() + nflog::NflogCapture::kFlushTimeout +
                               std::chrono::milliseconds(200);
            while (std::chrono::steady_clock::now() < until) {
                struct pollfd fd = {nflog_->fd(), POLLIN, 0};
                if (::poll(&fd, 1, 50) > 0 && !nflog_->dispatch(on_frame)) break;
            }
            host_.flush();
        }
#endif
        return 0;
    }

    void print_stats() {
#if PMACCT_HAVE_NFLOG
        if (nflog_) {
            const nflog::NflogStats& st = nflog_->stats();
            log::notice("stats [{}] time={} received_packets={} not_ip={} overruns={}", nflog_->name(),
                        static_cast<std::int64_t>(std::time(nullptr)), st.received, st.not_ip, st.overruns);
        }
#endif
        if (captures_) {
            // As 1.7.7's pmacctd: each capture's own counters, by interface and index.
            for (const auto& d : captures_->devices()) {
                if (!d.capture) continue;
                const pcap::CaptureStats st = d.capture->stats();
                log::notice("stats [{}, {}] time={} received_packets={} dropped_packets={}", d.capture->interface(),
                            d.ifindex, static_cast<std::int64_t>(std::time(nullptr)), st.received, st.dropped);
            }
        }
        const packet::AccountingCounters& c = accountant_->counters();
        log::notice("packets: frames={} accounted={} not_ip={} malformed={} fragments_waiting={} "
                    "fragments_dropped={}",
                    c.frames, c.accounted, c.not_ip, c.malformed, c.held, c.frag_dropped);
        for (const auto& line : host_.stats_lines()) log::notice("{}", line);
    }

    int run_savefile() {
        return replay_savefile(cfg_->core, savefile_path_, stop_, [this] {
            auto file = pcap::Savefile::open(savefile_path_, filter_);
            if (!file) {
                log::error("{}", file.error());
                return false;
            }
            const packet::LinkType link = *packet::link_type_from_dlt(file->datalink());
            pcap::Frame f;
            std::uint64_t n = 0;
            while (!stop_) {
                auto more = file->next_frame(f);
                if (!more) {
                    log::error("{}: {}", savefile_path_, more.error());
                    break;
                }
                if (!*more) break;
                handle(link, f.data, f.timestamp, 0, 0, direction_);
                if ((++n & 1023) == 0 && Signals::stop_requested()) Signals::dispatch();
            }
            host_.flush();
            log::info("{}: {} packets read", savefile_path_, n);
            return true;
        });
    }

    Daemon daemon_;
    plugin::FactoryLookup lookup_;
    const config::Config* cfg_ = nullptr;
    std::uint8_t direction_ = 0;  // pcap_direction: 1 in, 2 out
    std::uint32_t ext_sampling_rate_ = 0;  // pmacctd_ext_sampling_rate
    bool renormalize_ = false;
    std::optional<packet::FlowTracker> flow_tracker_;  // the flows primitive
    std::optional<packet::PacketAccountant> accountant_;
    std::string savefile_path_;
    std::string filter_;
    bool wait_for_interface_ = false;
    std::optional<pcap::CaptureSet> captures_;
    std::string interfaces_map_;  // pcap_interfaces_map
    std::vector<std::string> logged_open_;  // "name,ifindex" of the devices said to be open
    maps::MapLimits limits_;
#if PMACCT_HAVE_NFLOG
    std::optional<nflog::NflogCapture> nflog_;
#endif
    std::vector<std::unique_ptr<maps::FlowLookups>> lookups_;  // per plugin, null: none
    TagMaps tag_maps_;
    FlowRecord record_;
    std::string label_buffer_;
    plugin::PluginHost host_;
    bool stop_ = false;
};

}  // namespace

std::unique_ptr<app::MainJob> make_pmacctd_job(plugin::FactoryLookup lookup) {
    return std::make_unique<CaptureJob>(Daemon::kPmacctd, lookup);
}

std::unique_ptr<app::MainJob> make_uacctd_job(plugin::FactoryLookup lookup) {
    return std::make_unique<CaptureJob>(Daemon::kUacctd, lookup);
}

}  // namespace pmacct::collector
