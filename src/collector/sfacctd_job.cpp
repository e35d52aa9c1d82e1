#include "pmacct/collector/sfacctd_job.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "pmacct/base/files.hpp"
#include "pmacct/collector/core_common.hpp"
#include "pmacct/flow/exporter_stats.hpp"
#include "pmacct/flow/sflow.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/maps/flow_lookups.hpp"
#include "pmacct/net/allow_list.hpp"
#include "pmacct/net/udp_input.hpp"
#include "pmacct/pcap/savefile.hpp"
#include "pmacct/plugin/tee_message.hpp"
#include "pmacct/process/title.hpp"

namespace pmacct::collector {
namespace {

constexpr std::uint16_t kDefaultPort = 6343;
// Counter log files kept open at once ($peer_src_ip: one per agent); past that all are closed.
constexpr std::size_t kMostCounterFiles = 256;

// sfacctd_counter_file's $peer_src_ip: the agent address with '.' and ':' as '_'.
std::string counter_file_path(const std::string& pattern, const IpAddress& agent) {
    const std::string_view var = "$peer_src_ip";
    const std::size_t at = pattern.find(var);
    if (at == std::string::npos) return pattern;
    std::string a = agent.to_string();
    for (char& c : a) {
        if (c == '.' || c == ':') c = '_';
    }
    return pattern.substr(0, at) + a + pattern.substr(at + var.size());
}

class SfacctdJob final : public app::MainJob {
public:
    explicit SfacctdJob(plugin::FactoryLookup lookup) : lookup_(lookup) {}

    Result<void> prepare(const config::Config& cfg) override {
        cfg_ = &cfg;
        const config::Settings& s = cfg.core;
        if (auto r = check_plugins(cfg, lookup_); !r) return r;
        // networks_file, sfacctd_net/sfacctd_as, ports_file...: per plugin, applied to its keys.
        auto lookups = maps::FlowLookups::for_config(cfg);
        if (!lookups) return fail(lookups.error());
        lookups_ = std::move(*lookups);
        tee_mode_ = std::any_of(cfg.plugins.begin(), cfg.plugins.end(), [](const auto& p) { return p.type == "tee"; });
        const maps::MapUse use = tee_mode_ ? maps::MapUse::kTee : maps::MapUse::kAccounting;
        if (auto r = tag_maps_.load(cfg, Daemon::kSfacctd, map_limits_of(s), use); !r) return r;
        if (auto r = flow_maps_.load(s, map_limits_of(s), Daemon::kSfacctd); !r) return r;
        flow::SflowOptions o;
        o.sampling_map = flow_maps_.sampling();
        o.renormalize = s.get_bool("sfacctd_renormalize");
        if (s.is_set("sfacctd_ext_sampling_rate")) {
            o.ext_sampling_rate = static_cast<std::uint32_t>(s.get_uint("sfacctd_ext_sampling_rate"));
        }
        o.dissect = tunnel_options(s, Daemon::kSfacctd);
        decoder_ = flow::SflowDecoder(o);
        if (s.is_set("sfacctd_counter_file")) {
            counter_path_ = s.get_string("sfacctd_counter_file");
            policy_ = config::file_policy(s);
        }
        stats_ = flow::ExporterStats(flow::kDefaultMaxExporters, !s.get_bool("sfacctd_disable_sanity_checks"));
        if (s.is_set("sfacctd_allow_file")) {
            allow_path_ = s.get_string("sfacctd_allow_file");
            if (auto r = load_allow_file(); !r) return r;
        }
        FlowInput in;
        if (auto r = open_flow_input(s, "sfacctd", kDefaultPort, in); !r) return r;
        savefile_path_ = std::move(in.savefile);
        filter_ = std::move(in.filter);
        input_ = std::move(in.socket);
        return ok();
    }

    int run() override {
        const config::Settings& s = cfg_->core;
        process::set_title(fmt::format("sfacctd: Core Process [{}]", s.get_string("core_proc_name")));
        std::vector<int> inherited;
        if (input_) inherited.push_back(input_->fd());
        host_.set_wait_when_full(!savefile_path_.empty());
        if (!tee_mode_) host_.set_tag_maps(tag_maps_.own_maps());
        if (auto r = start_plugins(host_, *cfg_, lookup_, "sfacctd", inherited, lookups_, stop_, [this] { print_stats(); },
                                   [this] { reload_maps(); });
            !r) {
            log::error("{}", r.error());
            return 1;
        }
        const DatagramHandler handler = [this](std::span<const std::uint8_t> payload, const IpAddress& source,
                                               std::uint16_t port, Timestamp arrival) {
            handle(payload, source, port, arrival);
        };
        int rc = 0;
        if (input_) {
            UdpLoop loop;
            loop.input = &*input_;
            loop.host = &host_;
            loop.stop = &stop_;
            loop.what = "sFlow";
            loop.handle = handler;
            rc = run_udp_loop(loop);
        } else {
            log::info("reading sFlow data from: {}", savefile_path_);
            rc = replay_savefile(s, savefile_path_, stop_,
                                 [&] { return read_udp_savefile(savefile_path_, filter_, stop_, host_, handler); });
        }
        const int plugins_rc = host_.shutdown(std::chrono::seconds(60));
        log::info("OK, Exiting ...");
        return rc != 0 ? rc : plugins_rc;
    }

private:
    Result<void> load_allow_file() { return collector::load_allow_file(allow_, allow_path_, "sfacctd_allow_file"); }

    // SIGUSR2: maps are read again; a map that cannot be read keeps its previous content.
    void reload_maps() {
        if (cfg_->core.get_bool("maps_refresh")) {
            tag_maps_.reload();
            flow_maps_.reload();
        }
        if (!allow_path_.empty()) {
            if (auto r = load_allow_file(); !r) log::error("{}; keeping the previous list", r.error());
        }
        for (auto& l : lookups_) {
            if (l) l->reload();
        }
    }

    void handle(std::span<const std::uint8_t> payload, const IpAddress& source, std::uint16_t port,
                Timestamp arrival) {
        if (!allow_.allows(source)) {
            ++denied_;
            PMACCT_LOG_LIMITED(log::Level::kDebug, 60, 5, "discarding datagram from {}: not in sfacctd_allow_file",
                               source.to_string());
            return;
        }
        if (tee_mode_) {
            replicate(payload, source, port, arrival);
            return;
        }
        const auto records = [this](const FlowRecord& r) { deliver(r); };
        const auto result = counter_path_.empty()
                                 ? decoder_.decode(payload, arrival, records)
                                 : decoder_.decode(payload, arrival, records, [&](const flow::SflowCounterSample& c) {
                                       log_counters(c, arrival);
                                   });
        if (!result.ok()) {
            stats_.count_discarded();
            PMACCT_LOG_LIMITED(log::Level::kInfo, 60, 5, "{} from {}", flow::describe(result.outcome),
                               source.to_string());
            return;
        }
        if (result.outcome == flow::SflowOutcome::kMalformed) {
            PMACCT_LOG_LIMITED(log::Level::kInfo, 60, 5, "{} from {}", flow::describe(result.outcome),
                               source.to_string());
        }
        auto seq = stats_.update({result.agent, result.sub_agent_id}, result.sequence, 1, payload.size(), arrival);
        if (seq.jump()) {
            log::debug("expecting flow '{}' but received '{}' collector={}:{} agent={}:{}", seq.expected,
                       seq.received, collector_text(), listen_port(), result.agent.to_string(), result.sub_agent_id);
        }
    }

    // Tee mode: the datagram to every tee plugin, whole or split into one datagram per flow
    // sample, tagged by the plugin's map (QUICKSTART XV and XVa). A plugin without a map, or
    // with one on the agent and sub-agent only, gets it whole; a plugin whose map looks into
    // samples gets the v5 flow samples one by one, each behind the datagram's header saying it
    // holds 1 sample (sequence number and agent as they came), and nothing else: not the
    // counter samples, nor v2/v4 datagrams, which have no sample lengths to split them by (as
    // 1.7.7). What is not an sFlow datagram is not replicated (1.7.7 neither).
    void replicate(std::span<const std::uint8_t> payload, const IpAddress& source, std::uint16_t port,
                   Timestamp arrival) {
        flow::SflowHeader h;
        if (const auto outcome = flow::read_sflow_header(payload, h); outcome != flow::SflowOutcome::kOk) {
            stats_.count_discarded();
            PMACCT_LOG_LIMITED(log::Level::kInfo, 60, 5, "{} from {}", flow::describe(outcome), source.to_string());
            return;
        }
        (void)stats_.update({h.agent, h.sub_agent_id}, h.sequence, 1, payload.size(), arrival);
        const plugin::TeeMessage m = TeeFanout::message_from(source, port);
        const bool split = tee_.send_whole(m, payload, [&](FlowRecord& d) {
            // What the maps that tag whole datagrams read: the agent and its sub-agent.
            d.peer_src_ip = h.agent;
            d.export_proto_sysid = h.sub_agent_id;
        });
        std::uint8_t header[40];  // the largest v5 header (an IPv6 agent)
        if (!split || h.version != 5 || h.size > sizeof header) return;
        std::memcpy(header, payload.data(), h.size);
        header[h.size - 4] = header[h.size - 3] = header[h.size - 2] = 0;
        header[h.size - 1] = 1;  // samples: 1
        const std::uint64_t malformed = decoder_.counters().malformed;
        (void)decoder_.split(payload, arrival, [&](const FlowRecord& r) {
            tee_.send_flow(m, r, {{header, h.size}, decoder_.current_sample()});
        });
        if (decoder_.counters().malformed != malformed) {
            PMACCT_LOG_LIMITED(log::Level::kInfo, 60, 5,
                               "sFlow from {}: malformed samples not replicated ({} malformed so far)",
                               source.to_string(), decoder_.counters().malformed);
        }
    }

    // sfacctd_counter_file: the sample's JSON lines to its agent's file, opened (and begun with
    // a log_init line) the first time, appended to as 1.7.7 does.
    void log_counters(const flow::SflowCounterSample& c, Timestamp arrival) {
        const std::string path = counter_file_path(counter_path_, c.agent);
        auto it = counter_files_.find(path);
        counter_buffer_.clear();
        if (it == counter_files_.end()) {
            if (counter_files_.size() >= kMostCounterFiles) counter_files_.clear();
            auto fd = open_file(path, O_WRONLY | O_APPEND | O_CLOEXEC, policy_);
            if (!fd) {
                PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1, "sfacctd_counter_file: {}", fd.error());
                return;
            }
            it = counter_files_.emplace(path, std::move(*fd)).first;
            flow::append_counter_log_init(c.agent, arrival, counter_seq_, counter_buffer_);
        }
        flow::append_counter_lines(c, arrival, counter_seq_, counter_buffer_);
        if (::write(it->second.get(), counter_buffer_.data(), counter_buffer_.size()) !=
            static_cast<ssize_t>(counter_buffer_.size())) {
            PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1, "sfacctd_counter_file: cannot write {}", path);
        }
    }

    // A decoded record to the plugins: its route distinguisher from flow_to_rd_map and the
    // values of the bgp_*_map maps, then its tags from pre_tag_map, when there are such maps.
    void deliver(const FlowRecord& r) { delivery_.deliver(r); }

    std::string collector_text() const {
        return input_ ? input_->local_address().to_string() : std::string("0.0.0.0");
    }
    std::uint16_t listen_port() const { return input_ ? input_->local_port() : kDefaultPort; }

    void print_stats() {
        const auto now = static_cast<std::int64_t>(std::time(nullptr));
        for (const auto& line : stats_.report_lines(collector_text(), listen_port(), now)) log::notice("{}", line);
        if (allow_.active()) log::notice("datagrams refused by sfacctd_allow_file: {}", denied_);
        const flow::SflowCounters& c = decoder_.counters();
        log::notice("sFlow: datagrams={} flow_samples={} counter_samples={} other_samples={} unsupported_headers={} "
                    "not_ip={} malformed={}",
                    c.datagrams, c.flow_samples, c.counter_samples, c.other_samples, c.unsupported_headers,
                    c.not_ip, c.malformed);
        for (const auto& line : host_.stats_lines()) log::notice("{}", line);
    }

    plugin::FactoryLookup lookup_;
    const config::Config* cfg_ = nullptr;
    flow::SflowDecoder decoder_;
    flow::ExporterStats stats_;
    std::optional<net::UdpInput> input_;
    std::string savefile_path_;
    std::string filter_;
    std::string allow_path_;
    net::AllowList allow_;
    std::vector<std::unique_ptr<maps::FlowLookups>> lookups_;  // per plugin, null: none
    TagMaps tag_maps_;
    FlowMaps flow_maps_;        // sampling_map (the decoder points at it), flow_to_rd_map, BGP maps
    std::uint64_t denied_ = 0;  // datagrams from agents the allow file does not list
    std::string counter_path_;  // sfacctd_counter_file; empty: counters are not logged
    FilePolicy policy_;
    std::map<std::string, UniqueFd> counter_files_;
    std::uint64_t counter_seq_ = 0;  // the log's line numbers, across its files (1.7.7)
    std::string counter_buffer_;
    plugin::PluginHost host_;
    bool tee_mode_ = false;  // the plugins are tee plugins: datagrams are replicated
    TeeFanout tee_{host_, tag_maps_};
    RecordDelivery delivery_{host_, tag_maps_, flow_maps_};
    bool stop_ = false;
};

}  // namespace

std::unique_ptr<app::MainJob> make_sfacctd_job(plugin::FactoryLookup lookup) {
    return std::make_unique<SfacctdJob>(lookup);
}

}  // namespace pmacct::collector
