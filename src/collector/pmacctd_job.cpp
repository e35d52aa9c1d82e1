#include "pmacct/collector/pmacctd_job.hpp"


#include <poll.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "pmacct/collector/core_common.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/maps/flow_lookups.hpp"
#include "pmacct/packet/packet_accounting.hpp"
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

class PmacctdJob final : public app::MainJob {
public:
    explicit PmacctdJob(plugin::FactoryLookup lookup) : lookup_(lookup) {}

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
        if (auto r = tag_maps_.load(cfg, Daemon::kPmacctd, map_limits_of(s), maps::MapUse::kAccounting); !r) return r;
        const auto slots = packet::FragmentTable::capacity_for(s.get_uint("pmacctd_frag_buffer_size"));
        accountant_.emplace(slots, needs_fragment_handling(cfg));
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
        live_.interface = s.get_string("pcap_interface");
        live_.filter = filter_;
        live_.snaplen = static_cast<int>(s.get_uint("snaplen"));
        live_.promisc = s.get_bool("promisc");
        wait_for_interface_ = s.get_bool("pcap_interface_wait");
        if (auto r = open_capture(); !r && !wait_for_interface_) return r;
        return ok();
    }

    int run() override {
        const config::Settings& s = cfg_->core;
        process::set_title(fmt::format("pmacctd: Core Process [{}]", s.get_string("core_proc_name")));
        host_.set_wait_when_full(!savefile_path_.empty());
        std::vector<int> inherited;
        if (capture_) inherited.push_back(capture_->fd());
        host_.set_tag_maps(tag_maps_.own_maps());
        if (auto r = start_plugins(host_, *cfg_, lookup_, "pmacctd", inherited, lookups_, stop_, [this] { print_stats(); },
                                   [this] { reload_maps(); });
            !r) {
            log::error("{}", r.error());
            return 1;
        }

        const int rc = savefile_path_.empty() ? run_live() : run_savefile();
        const int plugins_rc = host_.shutdown(std::chrono::seconds(60));
        log::info("OK, Exiting ...");
        return rc != 0 ? rc : plugins_rc;
    }

private:
    void reload_maps() {
        if (cfg_->core.get_bool("maps_refresh")) tag_maps_.reload();
        for (auto& l : lookups_) {
            if (l) l->reload();
        }
    }

    // One captured frame to the plugins, tagged by the daemon's pre_tag_map if there is one.
    void handle(packet::LinkType link, std::span<const std::uint8_t> frame, Timestamp ts) {
        if (!accountant_->account(link, frame, ts, record_)) return;
        if (const maps::PreTagMap* tags = tag_maps_.global(); tags != nullptr) tags->apply(record_, label_buffer_);
        host_.send(record_);
    }

    // The capture, opened (pcap_interface, pcap_filter, snaplen, promisc); its link type must be
    // one the dissector reads.
    Result<void> open_capture() {
        auto cap = pcap::LiveCapture::open(live_);
        if (!cap) return fail(cap.error());
        const auto link = packet::link_type_from_dlt(cap->datalink());
        if (!link) {
            return fail(fmt::format("pcap_interface '{}': link type {} is not supported", cap->interface(),
                                    cap->datalink()));
        }
        link_ = *link;
        capture_.emplace(std::move(*cap));
        log::info("[{}] link type is: {}", capture_->interface(), capture_->datalink());
        return ok();
    }

    // pcap_interface_wait: the interface is tried again every second until it can be opened.
    bool wait_for_capture() {
        bool said = false;
        while (!capture_) {
            auto r = open_capture();
            if (r) break;
            if (!said) {
                log::warn("{}; waiting for the interface (pcap_interface_wait)", r.error());
                said = true;
            }
            if (!pause_for(1, stop_)) return false;
        }
        return true;
    }

    int run_live() {
        using Clock = std::chrono::steady_clock;
        if (!capture_ && !wait_for_capture()) return 0;
        log::info("capturing on {}", capture_->interface());
        const std::function<void(const pcap::Frame&)> on_frame = [this](const pcap::Frame& f) {
            handle(link_, f.data, f.timestamp);
        };
        auto last_flush = Clock::now();
        while (!stop_) {
            struct pollfd fds[2] = {{capture_->fd(), POLLIN, 0}, {Signals::wake_fd(), POLLIN, 0}};
            const int n = ::poll(fds, 2, static_cast<int>(kFlushInterval.count()));
            if (n > 0 && (fds[1].revents & POLLIN) != 0) Signals::dispatch();
            if (Signals::stop_requested() || stop_) break;
            auto got = capture_->dispatch(on_frame);
            if (!got) {
                log::error("{}", got.error());
                capture_.reset();
                if (!wait_for_interface_) return 1;
                if (!wait_for_capture()) break;
                log::info("capturing on {}", capture_->interface());
                continue;
            }
            const auto now = Clock::now();
            if (now - last_flush >= kFlushInterval) {
                host_.flush();
                last_flush = now;
            }
        }
        host_.flush();
        return 0;
    }

    void print_stats() {
        if (capture_) {
            // As 1.7.7's pmacctd: the capture's own counters.
            const pcap::CaptureStats st = capture_->stats();
            log::notice("stats [{}, 0] time={} received_packets={} dropped_packets={}", capture_->interface(),
                        static_cast<std::int64_t>(std::time(nullptr)), st.received, st.dropped);
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
                handle(link, f.data, f.timestamp);
                if ((++n & 1023) == 0 && Signals::stop_requested()) Signals::dispatch();
            }
            host_.flush();
            log::info("{}: {} packets read", savefile_path_, n);
            return true;
        });
    }

    plugin::FactoryLookup lookup_;
    const config::Config* cfg_ = nullptr;
    std::optional<packet::PacketAccountant> accountant_;
    std::string savefile_path_;
    std::string filter_;
    pcap::LiveOptions live_;
    bool wait_for_interface_ = false;
    std::optional<pcap::LiveCapture> capture_;
    packet::LinkType link_ = packet::LinkType::kEthernet;
    std::vector<std::unique_ptr<maps::FlowLookups>> lookups_;  // per plugin, null: none
    TagMaps tag_maps_;
    FlowRecord record_;
    std::string label_buffer_;
    plugin::PluginHost host_;
    bool stop_ = false;
};

}  // namespace

std::unique_ptr<app::MainJob> make_pmacctd_job(plugin::FactoryLookup lookup) {
    return std::make_unique<PmacctdJob>(lookup);
}

}  // namespace pmacct::collector
