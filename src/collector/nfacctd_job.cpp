#include "pmacct/collector/nfacctd_job.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <ctime>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "pmacct/base/build_info.hpp"
#include "pmacct/collector/core_common.hpp"
#include "pmacct/collector/direct_records.hpp"
#include "pmacct/flow/exporter_stats.hpp"
#include "pmacct/flow/netflow_v5.hpp"
#include "pmacct/flow/netflow_v9.hpp"
#include "pmacct/flow/templates_file.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/maps/flow_lookups.hpp"
#include "pmacct/maps/pre_tag_map.hpp"
#include "pmacct/maps/sampling_map.hpp"
#include "pmacct/config/values.hpp"
#include "pmacct/net/allow_list.hpp"
#include "pmacct/net/raw_udp.hpp"
#include "pmacct/net/udp_input.hpp"
#include "pmacct/pcap/savefile.hpp"
#include "pmacct/plugin/host.hpp"
#include "pmacct/plugin/tee_message.hpp"
#include "pmacct/primitives/custom.hpp"
#include "pmacct/process/signals.hpp"
#include "pmacct/process/title.hpp"

namespace pmacct::collector {
namespace {

using process::Signals;

constexpr std::uint16_t kDefaultPort = 2100;
std::uint16_t version_of(std::span<const std::uint8_t> d) {
    return d.size() < 2 ? 0 : static_cast<std::uint16_t>((d[0] << 8) | d[1]);
}

class NfacctdJob final : public app::MainJob {
public:
    explicit NfacctdJob(plugin::FactoryLookup lookup) : lookup_(lookup) {}

    Result<void> prepare(const config::Config& cfg) override {
        cfg_ = &cfg;
        const config::Settings& s = cfg.core;
        if (auto r = check_plugins(cfg, lookup_); !r) return r;
        // networks_file, nfacctd_net/nfacctd_as, ports_file...: per plugin, applied to its keys.
        auto lookups = maps::FlowLookups::for_config(cfg);
        if (!lookups) return fail(lookups.error());
        lookups_ = std::move(*lookups);
        map_limits_ = map_limits_of(s);
        if (auto r = flow_maps_.load(s, map_limits_, Daemon::kNfacctd); !r) return r;
        flow::NetflowV5Options o;
        o.sampling_map = flow_maps_.sampling();
        o.time_secs = s.get_bool("nfacctd_time_secs");
        o.time_new = s.get_bool("nfacctd_time_new");
        o.renormalize = s.get_bool("nfacctd_renormalize");
        o.use_ip_next_hop = s.get_bool("use_ip_next_hop");
        if (s.is_set("nfacctd_ext_sampling_rate")) {
            o.ext_sampling_rate = static_cast<std::uint32_t>(s.get_uint("nfacctd_ext_sampling_rate"));
        }
        decoder_ = flow::NetflowV5Decoder(o);
        flow::TemplateOptions t;
        t.time_new = o.time_new;
        t.renormalize = o.renormalize;
        t.use_ip_next_hop = o.use_ip_next_hop;
        t.account_options = s.get_bool("nfacctd_account_options");
        t.ext_sampling_rate = o.ext_sampling_rate;
        t.sampling_map = o.sampling_map;
        t.ignore_exporter_address = s.get_bool("nfacctd_ignore_exporter_address");
        // Data templates are compiled to extract only what the plugins aggregate on, unless
        // maps or filters look at the records (they may name any field).
        t.needed.reset();
        for (const auto& p : cfg.plugins) t.needed |= flow::targets_for(p.aggregate);
        bool records_examined = cfg.plugins.empty() || s.is_set("pre_tag_map") || flow_maps_.changes_records() ||
                                s.is_set("sampling_map");
        for (const auto& p : cfg.plugins) {
            records_examined |= p.settings.is_set("pre_tag_map") || p.settings.is_set("aggregate_filter") ||
                                p.type == "tee";
        }
        if (records_examined) t.needed.set();
        t.pre_processing_checks = s.get_bool("nfacctd_pre_processing_checks");
        for (const auto& c : primitives::installed_custom()) t.custom.push_back(flow::CustomElement{c.pen, c.type});
        if (t.account_options) {
            // Options records are accounted like flows: without a pre_tag_map rule on
            // sample_type they land in every plugin (pmacct's own warning).
            log::warn("nfacctd_account_options is enabled but pre_tag_map does not contain a sample_type rule.");
        }
        templates_ = flow::TemplateDecoder(t);
        if (s.is_set("nfacctd_templates_file")) {
            templates_path_ = s.get_string("nfacctd_templates_file");
            auto loaded = flow::load_templates(templates_, templates_path_);
            if (!loaded) {
                log::warn("nfacctd_templates_file: {}; starting without saved templates", loaded.error());
            } else {
                log::info("[{}] {} templates loaded ({} entries skipped)", templates_path_, loaded->installed,
                          loaded->skipped);
            }
            saved_generation_ = templates_.template_generation();
        }
        // pmacct checks export sequence numbers only when its sanity checks are not disabled
        // (they are by default).
        stats_ = flow::ExporterStats(flow::kDefaultMaxExporters, !s.get_bool("nfacctd_disable_sanity_checks"));
        if (s.is_set("nfacctd_allow_file")) {
            allow_path_ = s.get_string("nfacctd_allow_file");
            if (auto r = load_allow_file(); !r) return r;
        }
        tee_mode_ = std::any_of(cfg.plugins.begin(), cfg.plugins.end(), [](const auto& p) { return p.type == "tee"; });
        tag_map_use_ = tee_mode_ ? maps::MapUse::kTee : maps::MapUse::kAccounting;
        if (auto r = tag_maps_.load(cfg, Daemon::kNfacctd, map_limits_, tag_map_use_); !r) return r;
        if (s.is_set("nfacctd_templates_receiver")) {
            // Templates go to the receiver with their exporter's address: a raw socket.
            auto hp = config::parse_host_port(s.get_string("nfacctd_templates_receiver"));
            if (!hp || hp->port == 0 || !IpAddress::parse(hp->host, templates_receiver_)) {
                return fail(fmt::format("nfacctd_templates_receiver: '{}' is not address:port",
                                        s.get_string("nfacctd_templates_receiver")));
            }
            templates_receiver_port_ = hp->port;
            auto sender = net::SpoofedUdpSender::open(templates_receiver_.family);
            if (!sender) return fail(fmt::format("nfacctd_templates_receiver: {}", sender.error()));
            templates_sender_.emplace(std::move(*sender));
        }
        FlowInput in;
        if (auto r = open_flow_input(s, "nfacctd", kDefaultPort, in); !r) return r;
        savefile_path_ = std::move(in.savefile);
        filter_ = std::move(in.filter);
        input_ = std::move(in.socket);
        if (input_ && s.is_set("nfacctd_templates_port")) {
            net::UdpInputOptions tu;
            tu.address = s.get_string("nfacctd_ip");
            tu.port = static_cast<std::uint16_t>(s.get_uint("nfacctd_templates_port"));
            auto tin = net::UdpInput::open(tu);
            if (!tin) return fail(fmt::format("nfacctd_templates_port: {}", tin.error()));
            templates_input_.emplace(std::move(*tin));
        }
        return ok();
    }

    int run() override {
        const config::Settings& s = cfg_->core;
        process::set_title(fmt::format("nfacctd: Core Process [{}]", s.get_string("core_proc_name")));
        std::vector<int> inherited;
        if (input_) inherited.push_back(input_->fd());
        if (templates_input_) inherited.push_back(templates_input_->fd());
        if (templates_sender_) inherited.push_back(templates_sender_->fd());
        host_.set_wait_when_full(!savefile_path_.empty());
        if (!tee_mode_) host_.set_tag_maps(tag_maps_.own_maps());
        if (auto r = start_plugins(host_, *cfg_, lookup_, "nfacctd", inherited, lookups_, stop_, [this] { print_stats(); },
                                   [this] { reload_maps(); });
            !r) {
            log::error("{}", r.error());
            return 1;
        }
        // PMACCT_NG_NO_DIRECT_RECORDS in the environment keeps every record on the FlowRecord
        // path (comparing the two paths: tests, benchmarks).
        direct_enabled_ = !tee_mode_ && tag_maps_.global() == nullptr && !flow_maps_.changes_records() &&
                          DirectRecords::usable(host_) && std::getenv("PMACCT_NG_NO_DIRECT_RECORDS") == nullptr;
        if (direct_enabled_) log::debug("NetFlow v9/IPFIX records of plain templates go straight to the plugins");
        // v5 records too, unless their times or counters are changed on the way.
        const flow::NetflowV5Options& v5 = decoder_.options();
        direct_v5_ = direct_enabled_ && !v5.time_secs && !v5.time_new && !v5.renormalize && v5.sampling_map == nullptr;

        const int rc = input_ ? run_socket() : run_savefile();
        if (direct_enabled_) log::debug("{} NetFlow records went straight to the plugins", direct_.records());
        save_templates(true);
        const int plugins_rc = host_.shutdown(std::chrono::seconds(60));
        log::info("OK, Exiting ...");
        return rc != 0 ? rc : plugins_rc;
    }

private:
    Result<void> load_allow_file() { return collector::load_allow_file(allow_, allow_path_, "nfacctd_allow_file"); }

    // A decoded record to the plugins: its route distinguisher from flow_to_rd_map and the
    // values of the bgp_*_map maps, then its tags from pre_tag_map, when there are such maps.
    void deliver(const FlowRecord& r) { delivery_.deliver(r); }

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

    void handle(std::span<const std::uint8_t> payload, const IpAddress& source, std::uint16_t source_port,
                Timestamp arrival) {
        if (!allow_.allows(source)) {
            ++denied_;
            PMACCT_LOG_LIMITED(log::Level::kDebug, 60, 5, "discarding datagram from {}: not in nfacctd_allow_file",
                               source.to_string());
            return;
        }
        if (tee_mode_) {
            replicate(payload, source, source_port, arrival);
            return;
        }
        // v9/IPFIX sets and v5 datagrams the plugins can take as the datagram has them skip the
        // FlowRecords.
        const Direct direct{this};
        if (!templates_sender_) {
            decode(payload, source, arrival, [this](const FlowRecord& r) { deliver(r); },
                   [](std::span<const std::uint8_t>, flow::TemplateDecoder::SetKind) {}, direct);
            return;
        }
        forwarded_sets_ = 0;
        decode(
            payload, source, arrival, [this](const FlowRecord& r) { deliver(r); },
            [&](std::span<const std::uint8_t> set, flow::TemplateDecoder::SetKind kind) {
                if (kind == flow::TemplateDecoder::SetKind::kTemplates) add_forwarded(payload, set);
            },
            direct);
        if (forwarded_sets_ > 0) forward_templates(payload, source, source_port);
    }

    // nfacctd_templates_receiver: the template sets of a datagram (data and options templates),
    // gathered as 1.7.7 sends them: the datagram's header (v9: its count is the number of sets;
    // IPFIX: its length restated), then the sets, from the exporter's address and port.
    void add_forwarded(std::span<const std::uint8_t> payload, std::span<const std::uint8_t> set) {
        const std::uint16_t v = version_of(payload);
        const std::uint16_t id = static_cast<std::uint16_t>((set[0] << 8) | set[1]);
        if (!(v == 9 && id <= 1) && !(v == 10 && (id == 2 || id == 3))) return;
        const std::size_t header_size = v == 9 ? 20 : 16;
        if (forwarded_sets_ == 0) {
            if (payload.size() < header_size) return;
            std::memcpy(forward_buffer_, payload.data(), header_size);
            forwarded_bytes_ = header_size;
        }
        if (forwarded_bytes_ + set.size() > sizeof forward_buffer_) return;
        std::memcpy(forward_buffer_ + forwarded_bytes_, set.data(), set.size());
        forwarded_bytes_ += set.size();
        ++forwarded_sets_;
    }
    void forward_templates(std::span<const std::uint8_t> payload, const IpAddress& source, std::uint16_t source_port) {
        if (source.family != templates_receiver_.family) return;
        const std::size_t count = version_of(payload) == 9 ? forwarded_sets_ : forwarded_bytes_;
        forward_buffer_[2] = static_cast<std::uint8_t>(count >> 8);
        forward_buffer_[3] = static_cast<std::uint8_t>(count);
        auto r = templates_sender_->send(source, source_port, templates_receiver_, templates_receiver_port_,
                                         {forward_buffer_, forwarded_bytes_});
        if (!r) {
            PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1, "nfacctd_templates_receiver: {}:{}: {}",
                               templates_receiver_.to_string(), templates_receiver_port_, r.error());
        }
    }

    // nfacctd_templates_port: templates replicated by another nfacctd's receiver, learnt as if
    // their exporter had sent them here (the datagram comes from its address); nothing else in
    // them is used, and they are not sent on to nfacctd_templates_receiver.
    void drain_templates_input() {
        for (int round = 0; round < 16; ++round) {
            auto batch = templates_input_->receive();
            if (!batch || batch->empty()) return;
            for (const auto& d : *batch) {
                if (!allow_.allows(d.source)) continue;
                const std::uint16_t v = version_of(d.payload);
                if (v != 9 && v != 10) continue;
                (void)templates_.decode(d.payload, d.source, d.arrival, [](const FlowRecord&) {});
            }
            save_templates(false);
        }
    }

    // Decodes a datagram: its records to `sink`, and for v9/IPFIX its sets to `on_set` (see
    // TemplateDecoder::decode).
    template <typename Sink, typename SetSink>
    void decode(std::span<const std::uint8_t> payload, const IpAddress& source, Timestamp arrival, Sink&& sink,
                SetSink&& on_set) {
        decode(payload, source, arrival, sink, on_set, NoDirect{});
    }
    // Where records may skip the FlowRecord path: v9/IPFIX data sets (see
    // TemplateDecoder::decode) and v5 datagrams (see NetflowV5Decoder::decode).
    struct Direct {
        NfacctdJob* job;
        bool operator()(const flow::DirectSet& set) const {
            return job->direct_enabled_ && job->direct_.write(job->host_, set);
        }
        bool operator()(const flow::NetflowV5Header& h, const std::uint8_t* records, const IpAddress& source,
                        Timestamp arrival) const {
            return job->direct_v5_ &&
                   job->direct_.write_v5(job->host_, h, records, source, arrival, job->decoder_.options().use_ip_next_hop);
        }
    };
    struct NoDirect {
        bool operator()(const flow::DirectSet&) const { return false; }
        bool operator()(const flow::NetflowV5Header&, const std::uint8_t*, const IpAddress&, Timestamp) const {
            return false;
        }
    };
    // The same, offering records to `direct` first (Direct or NoDirect).
    template <typename Sink, typename SetSink, typename Direct>
    void decode(std::span<const std::uint8_t> payload, const IpAddress& source, Timestamp arrival, Sink&& sink,
                SetSink&& on_set, Direct&& direct) {
        const std::uint16_t v = version_of(payload);
        if (v == 9 || v == 10) {
            handle_templated(payload, source, arrival, sink, on_set, direct);
            return;
        }
        if (v != 5) {
            stats_.count_discarded();
            PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1,
                               "discarding NetFlow/IPFIX packet from {}: version {} is not supported yet",
                               source.to_string(), v);
            return;
        }
        auto result = decoder_.decode(payload, source, arrival, sink,
                                      [&](const flow::NetflowV5Header& h, const std::uint8_t* records) {
                                          return direct(h, records, source, arrival);
                                      });
        if (!result.ok()) {
            stats_.count_discarded();
            PMACCT_LOG_LIMITED(log::Level::kInfo, 60, 5, "{} from {}", flow::describe(result.outcome),
                               source.to_string());
            return;
        }
        auto seq = stats_.update({source, result.header.source_id()}, result.header.flow_sequence,
                                 result.header.count, payload.size(), arrival);
        if (seq.jump()) {
            log::debug("expecting flow '{}' but received '{}' collector={}:{} agent={}:{}", seq.expected,
                       seq.received, collector_text(), listen_port(), source.to_string(),
                       result.header.source_id());
        }
    }

    // nfacctd_templates_file: rewritten when templates changed, at most once a second (and at exit).
    void save_templates(bool now) {
        if (templates_path_.empty() || templates_.template_generation() == saved_generation_) return;
        const auto t = std::chrono::steady_clock::now();
        if (!now && t - last_save_ < std::chrono::seconds(1)) return;
        last_save_ = t;
        saved_generation_ = templates_.template_generation();
        if (auto r = flow::save_templates(templates_, templates_path_); !r) {
            PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1, "nfacctd_templates_file: {}", r.error());
        }
    }

    template <typename Sink, typename SetSink, typename Direct>
    void handle_templated(std::span<const std::uint8_t> payload, const IpAddress& source, Timestamp arrival,
                          Sink&& sink, SetSink&& on_set, Direct&& direct) {
        auto result = templates_.decode(payload, source, arrival, sink, on_set, direct);
        save_templates(false);
        if (!result.ok() && result.outcome != flow::V9Outcome::kMalformedSet) {
            stats_.count_discarded();
            PMACCT_LOG_LIMITED(log::Level::kInfo, 60, 5, "{} from {}", flow::describe(result.outcome),
                               source.to_string());
            return;
        }
        if (result.outcome == flow::V9Outcome::kMalformedSet) {
            PMACCT_LOG_LIMITED(log::Level::kInfo, 60, 5, "{} from {} (a set's length is wrong; the sets before it were used)",
                               flow::describe(result.outcome), source.to_string());
        }
        if (templates_.counters().templates_refused + templates_.counters().options_refused != refused_seen_) {
            refused_seen_ = templates_.counters().templates_refused + templates_.counters().options_refused;
            PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1,
                               "NetFlow v9/IPFIX template or options table full: entries from {} refused ({} so far)",
                               source.to_string(), refused_seen_);
        }
        if (result.unknown_sets > 0) {
            PMACCT_LOG_LIMITED(log::Level::kInfo, 60, 5,
                               "discarding NetFlow v{} data: unknown template {} from {}:{} ({} data sets so far)",
                               result.header.version, result.unknown_template, source.to_string(),
                               result.header.source_id, templates_.counters().unknown_template_sets);
        }
        // v9 numbers datagrams; IPFIX numbers the data records sent before this message.
        const std::uint32_t increment = result.header.version == 9 ? 1U : result.data_records;
        auto seq = stats_.update({source, result.header.source_id}, result.header.sequence, increment,
                                 payload.size(), arrival);
        if (seq.jump()) {
            log::debug("expecting flow '{}' but received '{}' collector={}:{} agent={}:{}", seq.expected,
                       seq.received, collector_text(), listen_port(), source.to_string(),
                       result.header.source_id);
        }
    }

    // Tee mode: the datagram to every tee plugin, whole or dissected into one datagram per
    // flow, tagged by the plugin's map (QUICKSTART XV and XVa). A plugin without a map, or with
    // one that needs only what the datagram shares (exporter, engine), gets it whole; a plugin
    // whose map looks into flows gets them one by one, and every template and options set,
    // whatever their tags. As 1.7.7: a dissected v5 datagram says it holds 1 record; a v9
    // one keeps its header as it came; an IPFIX one states its new length.
    void replicate(std::span<const std::uint8_t> payload, const IpAddress& source, std::uint16_t port,
                   Timestamp arrival) {
        const plugin::TeeMessage m = TeeFanout::message_from(source, port);
        const std::uint16_t v = version_of(payload);
        if (!tee_.send_whole(m, payload, [&](FlowRecord& d) { describe_datagram(payload, source, v, d); })) return;
        if (v == 5) {
            if (payload.size() < flow::kNetflowV5HeaderSize) return;
            std::uint8_t header[flow::kNetflowV5HeaderSize];
            std::memcpy(header, payload.data(), sizeof header);
            header[2] = 0;
            header[3] = 1;
            std::size_t index = 0;
            decode(payload, source, arrival, [&](const FlowRecord& r) {
                const auto record = payload.subspan(flow::kNetflowV5HeaderSize + index++ * flow::kNetflowV5RecordSize,
                                                    flow::kNetflowV5RecordSize);
                tee_.send_flow(m, r, {{header, sizeof header}, record});
            }, [](std::span<const std::uint8_t>, flow::TemplateDecoder::SetKind) {});
            return;
        }
        if ((v != 9 && v != 10) || payload.size() < (v == 9 ? 20U : 16U)) return;
        const std::size_t header_size = v == 9 ? 20 : 16;
        std::uint8_t header[20];
        std::memcpy(header, payload.data(), header_size);
        auto set_length = [&](std::size_t body) {  // IPFIX: the message length
            if (v != 10) return;
            header[2] = static_cast<std::uint8_t>((header_size + body) >> 8);
            header[3] = static_cast<std::uint8_t>(header_size + body);
        };
        std::uint8_t set_header[4] = {};
        using Kind = flow::TemplateDecoder::SetKind;
        decode(payload, source, arrival,
               [&](const FlowRecord& r) {
                   const auto record = templates_.current_record();
                   const std::size_t length = 4 + record.size();
                   set_header[2] = static_cast<std::uint8_t>(length >> 8);
                   set_header[3] = static_cast<std::uint8_t>(length);
                   set_length(length);
                   tee_.send_flow(m, r, {{header, header_size}, {set_header, 4}, record});
               },
               [&](std::span<const std::uint8_t> set, Kind kind) {
                   if (kind == Kind::kData) {
                       set_header[0] = set[0];
                       set_header[1] = set[1];
                       return;
                   }
                   if (kind == Kind::kUnknownTemplate) return;
                   // Templates and options data: to every receiver of every pool.
                   set_length(set.size());
                   plugin::TeeMessage b = m;
                   b.broadcast = 1;
                   for (std::size_t i = 0; i < host_.plugin_count(); ++i) {
                       if (tee_.wants_flows(i)) host_.send_message(i, b, {{header, header_size}, set});
                   }
               });
    }

    // What a whole datagram shares, for maps in tee mode: the exporter, and the engine its
    // header names (v5 engine type and id; v9 source id; IPFIX observation domain).
    static void describe_datagram(std::span<const std::uint8_t> payload, const IpAddress& source, std::uint16_t v,
                                  FlowRecord& d) {
        // Only these fields are set: the maps that tag whole datagrams read no others.
        d.peer_src_ip = source;
        d.engine_type = 0;
        d.export_proto_sysid = 0;
        d.export_proto_version = static_cast<std::uint8_t>(v);
        const auto u32_at = [&](std::size_t at) {
            return (std::uint32_t{payload[at]} << 24) | (std::uint32_t{payload[at + 1]} << 16) |
                   (std::uint32_t{payload[at + 2]} << 8) | payload[at + 3];
        };
        if (v == 5 && payload.size() >= flow::kNetflowV5HeaderSize) {
            d.engine_type = payload[20];
            d.export_proto_sysid = payload[21];
        } else if (v == 9 && payload.size() >= 20) {
            d.export_proto_sysid = u32_at(16);
        } else if (v == 10 && payload.size() >= 16) {
            d.export_proto_sysid = u32_at(12);
        }
    }

    std::string collector_text() const {
        return input_ ? input_->local_address().to_string() : std::string("0.0.0.0");
    }
    std::uint16_t listen_port() const { return input_ ? input_->local_port() : kDefaultPort; }

    void print_stats() {
        const auto now = static_cast<std::int64_t>(std::time(nullptr));
        for (const auto& line : stats_.report_lines(collector_text(), listen_port(), now)) log::notice("{}", line);
        if (allow_.active()) log::notice("datagrams refused by nfacctd_allow_file: {}", denied_);
        const flow::TemplateCounters& t = templates_.counters();
        if (t.datagrams > 0) {
            log::notice("NetFlow v9/IPFIX: datagrams={} records={} templates={} options_templates={} "
                        "template_changes={} withdrawals={} unknown_template_sets={} options_records={} "
                        "malformed_templates={} malformed_datagrams={} templates_refused={} options_refused={}",
                        t.datagrams, t.records, t.templates, t.options_templates, t.template_changes, t.withdrawals,
                        t.unknown_template_sets, t.options_records, t.malformed_templates, t.malformed,
                        t.templates_refused, t.options_refused);
        }
        for (const auto& line : host_.stats_lines()) log::notice("{}", line);
    }

    int run_socket() {
        UdpLoop loop;
        loop.input = &*input_;
        loop.host = &host_;
        loop.stop = &stop_;
        loop.what = "NetFlow/IPFIX";
        loop.handle = [this](std::span<const std::uint8_t> payload, const IpAddress& source, std::uint16_t port,
                             Timestamp arrival) { handle(payload, source, port, arrival); };
        if (templates_input_) {
            loop.extra_fd = templates_input_->fd();
            loop.drain_extra = [this] { drain_templates_input(); };
        }
        return run_udp_loop(loop);
    }

    int run_savefile() {
        return replay_savefile(cfg_->core, savefile_path_, stop_, [this] {
            return read_udp_savefile(savefile_path_, filter_, stop_, host_,
                                     [this](std::span<const std::uint8_t> payload, const IpAddress& source,
                                            std::uint16_t port, Timestamp arrival) {
                                         handle(payload, source, port, arrival);
                                     });
        });
    }

    plugin::FactoryLookup lookup_;
    const config::Config* cfg_ = nullptr;
    flow::NetflowV5Decoder decoder_;
    flow::TemplateDecoder templates_;
    flow::ExporterStats stats_;
    std::optional<net::UdpInput> input_;
    std::optional<net::UdpInput> templates_input_;  // nfacctd_templates_port
    std::optional<net::SpoofedUdpSender> templates_sender_;  // nfacctd_templates_receiver
    IpAddress templates_receiver_;
    std::uint16_t templates_receiver_port_ = 0;
    std::uint8_t forward_buffer_[65536];
    std::size_t forwarded_sets_ = 0, forwarded_bytes_ = 0;
    std::string savefile_path_;
    std::string filter_;
    std::string allow_path_;
    net::AllowList allow_;
    std::vector<std::unique_ptr<maps::FlowLookups>> lookups_;  // per plugin, null: none
    maps::MapLimits map_limits_;
    TagMaps tag_maps_;
    maps::MapUse tag_map_use_ = maps::MapUse::kAccounting;
    bool tee_mode_ = false;   // the plugins are tee plugins: datagrams are replicated
    FlowMaps flow_maps_;  // sampling_map (the decoders point at it), flow_to_rd_map, BGP maps
    std::uint64_t denied_ = 0;  // datagrams from exporters the allow file does not list
    std::uint64_t refused_seen_ = 0;  // template/options entries refused, as last logged
    std::string templates_path_;
    std::uint64_t saved_generation_ = 0;
    std::chrono::steady_clock::time_point last_save_{};
    plugin::PluginHost host_;
    TeeFanout tee_{host_, tag_maps_};
    RecordDelivery delivery_{host_, tag_maps_, flow_maps_};
    // No map changes records on their way and every plugin takes them plain: v9/IPFIX records
    // of lean templates go straight from the datagram into the rings.
    bool direct_enabled_ = false;
    bool direct_v5_ = false;  // v5 datagrams too
    DirectRecords direct_;
    bool stop_ = false;
};

}  // namespace

std::unique_ptr<app::MainJob> make_nfacctd_job(plugin::FactoryLookup lookup) {
    return std::make_unique<NfacctdJob>(lookup);
}

}  // namespace pmacct::collector
