// NetFlow v9 and IPFIX decoder: templates in, FlowRecords out.
//
//   flow::TemplateDecoder decoder(options);
//   auto result = decoder.decode(payload, exporter, arrival,
//                                [&](const FlowRecord& r) { ... });
//
// Templates are kept per (exporter address, source id / observation domain, template id,
// version): a re-announced template replaces the old one, an IPFIX withdrawal (field count 0)
// removes it, and a template id announced again with another layout is counted as a change
// (a router that rebooted). Each template is compiled on arrival into a list of operations, one
// per field the FlowRecord has a place for, at fixed offsets when the template has no
// variable-length field. Data records whose template has not been seen are counted, never
// guessed at. Options data feeds the sampling table (sampler id → rate), which data records
// refer to with flowSamplerId / selectorId, or carry inline with samplingInterval.
//
// The sink gets a FlowRecord that lives in the decoder (copy what you keep). Allocation
// happens only when a template or a sampler arrives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <array>
#include <bitset>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pmacct/flow/exporter_stats.hpp"
#include "pmacct/record/flow_record.hpp"
#include "pmacct/record/rate_source.hpp"

namespace pmacct::flow {

inline constexpr std::size_t kNetflowV9HeaderSize = 20;
inline constexpr std::size_t kIpfixHeaderSize = 16;

enum class V9Outcome : std::uint8_t {
    kOk,             // decoded (records of unknown templates are counted, not an error)
    kShortHeader,    // fewer bytes than the header
    kWrongVersion,   // neither 9 nor 10
    kBadLength,      // IPFIX message length differs from the datagram's
    kMalformedSet,   // a set/flowset shorter than 4 bytes or longer than what is left
    kFailedChecks,   // nfacctd_pre_processing_checks: a set is malformed; nothing was used
};

// pmacct-like words for a discarded datagram ("discarding malformed NetFlow v9/IPFIX packet").
std::string_view describe(V9Outcome outcome);

// A set of targets (bit = a Target value, see below).
using TargetSet = std::bitset<128>;

// The targets records need for plugins aggregating on `primitives`: what every record needs
// (counters, times, addresses, sampling, sampled frames, the exporter) plus what each primitive
// reads. A primitive it does not know keeps every target.
TargetSet targets_for(std::span<const std::string> primitives);

// An element a custom primitive reads (aggregate_primitives).
struct CustomElement {
    std::uint32_t pen = 0;
    std::uint16_t type = 0;
};

struct TemplateOptions {
    bool time_new = false;     // nfacctd_time_new: bin by the arrival time
    bool renormalize = false;  // nfacctd_renormalize: bytes and packets × sampling rate
    bool use_ip_next_hop = false;  // peer_dst_ip takes the IP next hop when no BGP next hop
    bool account_options = false;  // nfacctd_account_options: options records reach the sink too
    std::uint32_t ext_sampling_rate = 0;  // nfacctd_ext_sampling_rate: see NetflowV5Options
    // nfacctd_ignore_exporter_address: templates, samplers and names belong to the source id /
    // observation domain alone (exporters behind NAT or a load balancer); peer_src_ip is kept.
    bool ignore_exporter_address = false;
    // nfacctd_pre_processing_checks: a datagram with any malformed set is dropped whole,
    // instead of using the sets before the bad one.
    bool pre_processing_checks = false;
    // Bounds against floods of spoofed templates and options: new entries past them are
    // refused and counted.
    std::size_t max_templates = 65536;
    std::size_t max_options_entries = 262144;
    // The custom primitives' elements, in installed order: FlowRecord::custom has one value each.
    std::vector<CustomElement> custom;
    // sampling_map: a rate by exporter and interfaces, winning over the exporter's.
    const SamplingRateSource* sampling_map = nullptr;
    // What data templates are compiled to extract (targets_for); options templates keep all.
    TargetSet needed = TargetSet().set();
};

struct V9Header {
    std::uint16_t version = 0;
    std::uint16_t count = 0;       // v9: records + templates; IPFIX: message length
    std::uint32_t sys_uptime = 0;  // v9 only, milliseconds
    std::uint32_t unix_secs = 0;   // export time
    std::uint32_t sequence = 0;    // v9: datagrams; IPFIX: data records before this message
    std::uint32_t source_id = 0;   // v9 source id, IPFIX observation domain
};

// One template field as announced.
struct TemplateField {
    std::uint16_t type = 0;     // information element id (enterprise bit cleared)
    std::uint16_t length = 0;   // 65535: variable length (IPFIX)
    std::uint32_t pen = 0;      // private enterprise number, 0 for IANA elements
    friend bool operator==(const TemplateField&, const TemplateField&) = default;
};

// What a field is decoded into (see target_of() in the .cpp for the element ids).
enum class Target : std::uint8_t {
    kSkip,
    kBytes, kPackets, kFlows, kOutBytes, kOutPackets, kTotalBytes, kTotalPackets,
    kProto, kTos, kTcpFlags, kSrcPort, kDstPort,
    kSrcV4, kDstV4, kSrcV6, kDstV6, kSrcMask, kDstMask, kSrcMask6, kDstMask6,
    kInIface, kOutIface, kNextHopV4, kNextHopV6, kBgpNextHopV4, kBgpNextHopV6, kSrcAs, kDstAs,
    kFirstUptime, kLastUptime, kStartSec, kEndSec, kStartMs, kEndMs, kStartUs, kEndUs,
    kStartNs, kEndNs, kSysInitMs,
    kSrcMac, kDstMac, kPostSrcMac, kPostDstMac, kVlan, kPostVlan, kDot1qVlan,
    kCos, kEtype, kFlowLabel, kDirection, kSamplerId, kSamplingInterval,
    kSelectorId, kPacketInterval, kPacketSpace,
    kIpVersion, kInPhysIface, kOutPhysIface, kObservationSec, kObservationMs, kObservationUs,
    kObservationNs, kDataLinkFrame,
    kMplsLabel,  // 70..79: FieldOp::index is the position in the stack
    kMplsRd, kPwId, kIngressVrf, kEgressVrf, kVrfName,
    kPostNatSrcV4, kPostNatDstV4, kPostNatSrcV6, kPostNatDstV6, kPostNatSrcPort, kPostNatDstPort,
    kNatEvent, kFwEvent, kFwdStatus, kInCvlan, kOutCvlan, kLayer2Segment,
    kAppId, kAppName, kIfName, kExporterV4, kExporterV6,
    kPmacctTag, kPmacctTag2, kPmacctLabel,  // pmacct's own elements (enterprise 43874): 1, 2, 3
};

inline constexpr std::uint8_t kNoCustom = 0xFF;
inline constexpr std::uint16_t kNoFlag = 0xFFFF;

// How the decoder stores a field of a fixed-layout template: most elements are a big-endian
// number (or an address, kept as a pointer) stored as is into one place; kGeneral is every other
// case (conversions, conditions, several places). The decoder fills these in (see FieldOp).
// kU<bits>: a big-endian number of any length into an integer of that width; kU<bits>x<n>: the
// same from exactly n bytes (no dispatch on the length).
enum class Store : std::uint8_t {
    kGeneral, kU8, kU16, kU32, kU64, kU8x1, kU16x2, kU32x4, kU64x8, kU64x4, kPointer, kSecondsToUs, kMillisToUs
};

struct FieldOp {
    Target target = Target::kSkip;
    std::uint8_t index = 0;    // kMplsLabel: 0 for the top label
    std::uint16_t offset = 0;  // in the record; meaningful for fixed-layout templates
    std::uint16_t length = 0;  // 65535: variable
    std::uint8_t custom = kNoCustom;  // the first custom primitive reading this field
    // The decoder's plain store for the field: what, into the record or its raw values, at
    // which byte offset, and the offset of a `has_` flag it sets too (kNoFlag: none). `dst` is
    // where the store goes counted from the decoder object itself (one add per store).
    Store store = Store::kGeneral;
    bool to_raw = false;
    std::uint16_t at = 0;
    std::uint16_t flag = kNoFlag;
    std::uint32_t dst = 0;
};

struct Template {
    std::uint16_t id = 0;
    bool options = false;
    std::uint16_t scope_fields = 0;  // options templates: how many fields are scope
    bool v9_scopes = false;          // v9 options: scope fields are scope types, not elements
    std::vector<TemplateField> fields;
    // Fixed layout: one per field with a target, at its offset. Variable layout: one per field,
    // kSkip included, walked in order (offsets are known only per record).
    std::vector<FieldOp> ops;
    bool variable = false;           // has a variable-length field
    // A data template without byte or packet counters: its records are events (NAT, firewall),
    // as 1.7.7 classifies them (pre_tag_map sample_type=event; JSON leaves counters out).
    bool event = false;
    std::uint8_t traits = 0;         // FlowRecord::template_traits of its records
    std::uint32_t record_length = 0; // fixed templates: the record size; variable: its minimum
    // A fixed template whose fields are all plain stores: the decoder puts back, after its
    // records, only the 16-byte chunks of its FlowRecord and raw values a record of it can change
    // (their byte offsets). Between two records of the set, only the FlowRecord chunks
    // finish_record() and the decoder write (`record_chunks_each`): the next record's stores
    // overwrite the rest whole, raw values included (only stores write those).
    bool lean = false;
    std::vector<std::uint16_t> record_chunks;
    std::vector<std::uint16_t> raw_chunks;
    std::vector<std::uint16_t> record_chunks_each;
    // Fixed layout: the `has_` flags its plain stores set, counted from the decoder object: every
    // record of the template sets the same ones, after its stores.
    std::vector<std::uint32_t> flags_at;
    // Unique to the layout within its decoder: a template announced again with the same fields
    // is kept as it is, serial included; one with other fields gets a new one (what callers
    // compile from a template is keyed by it).
    std::uint64_t serial = 0;
};

struct TemplateKey {
    ExporterKey exporter;  // address and source id / observation domain
    std::uint16_t id = 0;
    std::uint8_t version = 0;
    friend bool operator==(const TemplateKey&, const TemplateKey&) = default;
};

struct TemplateKeyHash {
    std::size_t operator()(const TemplateKey& k) const noexcept;
};

struct V9DecodeResult {
    V9Outcome outcome = V9Outcome::kOk;
    V9Header header;
    std::uint32_t records = 0;       // data records passed to the sink
    std::uint32_t data_records = 0;  // every data record decoded, options ones too
    std::uint16_t unknown_template = 0;  // id of the last data set whose template is unknown
    std::uint16_t unknown_sets = 0;      // data sets skipped for an unknown template
    bool ok() const { return outcome == V9Outcome::kOk; }
};

// The direct path (see TemplateDecoder::decode): a data set of a lean template handed over
// whole, for the caller to write its records from their bytes instead of taking FlowRecords.
// What the records share comes from the datagram: its header, the exporter's address (the
// peer_src_ip of the records) and the arrival time.
struct DirectSet {
    const Template& t;
    std::span<const std::uint8_t> data;  // the set's body: `records` records of t.record_length
    std::uint32_t records = 0;           // whole records in it (what follows them is padding)
    const V9Header& header;
    const IpAddress& peer;
    Timestamp arrival;
    bool use_ip_next_hop = false;  // the decoder's option (see TemplateOptions)
};

struct TemplateCounters {
    std::uint64_t datagrams = 0;
    std::uint64_t records = 0;
    std::uint64_t templates = 0;            // template records accepted
    std::uint64_t options_templates = 0;
    std::uint64_t template_changes = 0;     // an id re-announced with another layout
    std::uint64_t withdrawals = 0;
    std::uint64_t unknown_template_sets = 0;  // data sets whose template is unknown
    std::uint64_t options_records = 0;
    std::uint64_t malformed_templates = 0;
    std::uint64_t templates_refused = 0;    // new templates past max_templates
    std::uint64_t options_refused = 0;      // new samplers or names past max_options_entries
    std::uint64_t malformed = 0;            // datagrams discarded
};

// Compiles the fields of a template into its operations (public for tests). `custom` lists the
// elements custom primitives read; a field one of them reads gets its index.
void compile_template(Template& t, std::span<const CustomElement> custom = {},
                      const TargetSet& needed = TargetSet().set());

class TemplateDecoder {
public:
    TemplateDecoder() = default;
    explicit TemplateDecoder(const TemplateOptions& options);

    const TemplateCounters& counters() const { return counters_; }
    const TemplateOptions& options() const { return options_; }
    // The template for a key, nullptr when unknown.
    const Template* find(const TemplateKey& key) const;
    std::size_t template_count() const { return templates_.size(); }
    // Every template held, as f(const TemplateKey&, const Template&).
    template <typename F>
    void for_each_template(F&& f) const {
        for (const auto& [key, t] : templates_) f(key, t);
    }
    // Adds a template as if its exporter had announced it (templates file, templates port);
    // `t` needs id, options, scope_fields, v9_scopes and fields. False when it is malformed or
    // the table is full.
    bool install_template(const TemplateKey& key, Template t);
    // Changes whenever a template is added, replaced by another layout or withdrawn.
    std::uint64_t template_generation() const { return template_generation_; }

    // Decodes one NetFlow v9 or IPFIX datagram from `exporter`, calling sink(const FlowRecord&)
    // for each flow record. Reads nothing outside the span.
    template <typename Sink>
    V9DecodeResult decode(std::span<const std::uint8_t> datagram, const IpAddress& exporter,
                          Timestamp arrival, Sink&& sink) {
        return decode(datagram, exporter, arrival, sink, [](std::span<const std::uint8_t>, SetKind) {});
    }

    // What a set is, for callers that look at whole sets (the tee plugin's dissection).
    enum class SetKind : std::uint8_t { kTemplates, kData, kOptionsData, kUnknownTemplate };
    // decode(), also calling on_set(std::span<const std::uint8_t> set, SetKind) with every set
    // (its 4-byte header included) before its records reach the sink. While the sink has a
    // record, current_record() is that record's bytes in the datagram.
    template <typename Sink, typename SetSink>
    V9DecodeResult decode(std::span<const std::uint8_t> datagram, const IpAddress& exporter,
                          Timestamp arrival, Sink&& sink, SetSink&& on_set) {
        return decode(datagram, exporter, arrival, sink, on_set, [](const DirectSet&) { return false; });
    }

    // decode(), offering direct(const DirectSet&) each data set whose records the FlowRecord
    // path would give out exactly as their template lays them out: a lean template (plain stores
    // only) that is not an options or event template, of a decoder with none of the options
    // that change records (nfacctd_time_new, nfacctd_renormalize, custom primitives), from an
    // exporter that did not name another address for itself in options data. When direct()
    // returns true it has taken the set's records (they are counted as given to the sink);
    // false sends them to the sink as FlowRecords.
    template <typename Sink, typename SetSink, typename Direct>
    V9DecodeResult decode(std::span<const std::uint8_t> datagram, const IpAddress& exporter,
                          Timestamp arrival, Sink&& sink, SetSink&& on_set, Direct&& direct) {
        V9DecodeResult result;
        std::span<const std::uint8_t> sets;
        if (!begin(datagram, exporter, arrival, result, sets)) return result;
        if (options_.pre_processing_checks && !sets_well_formed(sets)) {
            ++counters_.malformed;
            result.outcome = V9Outcome::kFailedChecks;
            return result;
        }
        while (!sets.empty()) {
            std::span<const std::uint8_t> data;
            const std::span<const std::uint8_t> before = sets;
            const std::size_t unknown = result.unknown_sets;
            const Template* t = next_set(sets, result, data);
            if (result.outcome == V9Outcome::kMalformedSet) break;
            const std::span<const std::uint8_t> set = before.first(before.size() - sets.size());
            if (set.size() >= 4) {
                on_set(set, t != nullptr           ? (t->options ? SetKind::kOptionsData : SetKind::kData)
                            : result.unknown_sets != unknown ? SetKind::kUnknownTemplate
                                                             : SetKind::kTemplates);
            }
            if (t == nullptr) continue;
            if (t->lean && !t->event && direct_allowed_ &&
                (name_kinds_ & (1U << static_cast<unsigned>(NameKind::kExporter))) == 0) {
                const DirectSet s{*t, data, static_cast<std::uint32_t>(data.size() / t->record_length),
                                  result.header, peer_, arrival_, options_.use_ip_next_hop};
                if (direct(static_cast<const DirectSet&>(s))) {
                    result.records += s.records;
                    result.data_records += s.records;
                    continue;
                }
            }
            if (!base_ready_) prepare_base();
            for_each_record(*t, data, result, sink);
        }
        counters_.records += result.records;
        return result;
    }
    std::span<const std::uint8_t> current_record() const { return current_record_; }

private:
    struct Sampler {
        std::uint32_t rate = 0;
    };
    struct SamplerKey {
        ExporterKey exporter;
        std::uint32_t id = 0;
        friend bool operator==(const SamplerKey&, const SamplerKey&) = default;
    };
    struct SamplerKeyHash {
        std::size_t operator()(const SamplerKey& k) const noexcept;
    };
    // What options data names: interfaces, VRFs (name and RD), applications, and the exporter
    // address a device states for itself.
    enum class NameKind : std::uint8_t { kInterface, kVrfName, kVrfRd, kApplication, kExporter };
    struct NameKey {
        ExporterKey exporter;
        NameKind kind = NameKind::kInterface;
        std::uint64_t id = 0;
        friend bool operator==(const NameKey&, const NameKey&) = default;
    };
    struct NameKeyHash {
        std::size_t operator()(const NameKey& k) const noexcept;
    };

    // Parses the header and prepares the per-datagram part of the record; `sets` is what
    // follows the header. False (result.outcome says why) when the datagram is discarded.
    bool begin(std::span<const std::uint8_t> datagram, const IpAddress& exporter, Timestamp arrival,
               V9DecodeResult& result, std::span<const std::uint8_t>& sets);
    // Consumes one set from `sets`: templates are learnt here; for a data set with a known
    // template returns it, with `data` its records (padding included).
    const Template* next_set(std::span<const std::uint8_t>& sets, V9DecodeResult& result,
                             std::span<const std::uint8_t>& data);
    void learn_templates(std::span<const std::uint8_t> body, std::uint16_t set_id);
    // Every set length fits (trailing padding under 4 bytes allowed).
    static bool sets_well_formed(std::span<const std::uint8_t> sets);
    // The rate of a sampler of the current exporter, 0 when unknown (the last answer is kept:
    // the records of a datagram mostly name the same sampler).
    std::uint32_t sampler_rate(std::uint32_t id);

    template <typename Sink>
    void for_each_record(const Template& t, std::span<const std::uint8_t> data, V9DecodeResult& result,
                         Sink& sink) {
        std::size_t at = 0;
        while (at < data.size()) {
            std::size_t used = 0;
            const bool full = t.variable ? apply_variable(t, data.subspan(at), used)
                                         : apply_fixed(t, data.subspan(at), used);
            if (!full) break;  // padding or a truncated record: the rest of the set is ignored
            current_record_ = data.subspan(at, used);
            at += used;
            ++result.data_records;
            if (t.options) {
                learn_options();
                ++counters_.options_records;
                if (options_.account_options) {
                    finish_record();
                    record_.bytes = record_.packets = record_.flows = 0;
                    record_.type = FlowType::kOption;
                    record_.flowset_id = t.id;
                    record_.template_traits = t.traits;
                    ++result.records;
                    sink(static_cast<const FlowRecord&>(record_));
                }
                restore_between(t);
                continue;
            }
            finish_record();
            if (t.event) record_.type = FlowType::kEvent;
            record_.flowset_id = t.id;
            record_.template_traits = t.traits;
            ++result.records;
            sink(static_cast<const FlowRecord&>(record_));
            restore_between(t);
        }
        restore(t);  // the next set may have another template
    }

    // Decode one record into record_ (which is base_, and raw_ empty, when it starts); `used`
    // gets its length. False when the data left is shorter than the record.
    bool apply_fixed(const Template& t, std::span<const std::uint8_t> data, std::size_t& used);
    bool apply_variable(const Template& t, std::span<const std::uint8_t> data, std::size_t& used);
    void apply(const FieldOp& op, const std::uint8_t* p, std::size_t length);
    // The datagram's base_ record, with record_ a copy of it and raw_ empty.
    void prepare_base();
    // After a record of `t`: record_ back to base_, raw_ and custom_ back to empty.
    void restore(const Template& t);
    // Between two records of one set of `t`: as restore(), less what the next record's stores
    // overwrite anyway.
    void restore_between(const Template& t);
    // Fills in the plain stores of a compiled template's operations, and whether it is lean.
    void compile_stores(Template& t) const;
    // Timestamps, flow type, sampling and renormalisation once all fields are in.
    void finish_record();
    // An options record: sampler definitions.
    void learn_options();
    // dataLinkFrameSection (315): the sampled frame's Ethernet, IP and L4 headers.
    void dissect_frame(const std::uint8_t* p, std::size_t n);
    // MPLS labels, VRFs, names and the exporter address from options data, into record_.
    void finish_mpls_and_names();
    std::string_view name_of(NameKind kind, std::uint64_t id) const;
    void learn_name(NameKind kind, std::uint64_t id, std::string_view value);

    TemplateOptions options_;
    TemplateCounters counters_;
    std::unordered_map<TemplateKey, Template, TemplateKeyHash> templates_;
    std::unordered_map<SamplerKey, Sampler, SamplerKeyHash> samplers_;
    std::unordered_map<NameKey, std::string, NameKeyHash> names_;
    std::uint32_t name_kinds_ = 0;  // bit per NameKind present in names_
    std::uint64_t template_generation_ = 0;
    std::uint64_t last_serial_ = 0;
    // No option changes what records of lean templates hold (see the direct decode()).
    bool direct_allowed_ = true;
    // Custom primitives: values of the current record, and for each index the next index that
    // reads the same element (kNoCustom ends the chain).
    std::vector<CustomValue> custom_;
    std::vector<std::uint8_t> custom_next_;

    // Per datagram.
    V9Header header_;
    std::span<const std::uint8_t> current_record_;
    ExporterKey exporter_;
    std::uint32_t memo_sampler_ = 0, memo_rate_ = 0;
    bool memo_valid_ = false;
    IpAddress peer_;      // the exporter's address (the records' peer_src_ip)
    Timestamp arrival_;
    bool base_ready_ = false;  // base_ is this datagram's (prepare_base())
    FlowRecord base_;
    // Per record: the fields decoded, and the raw values finish_record() needs.
    FlowRecord record_;
    struct Raw {
        std::uint64_t out_bytes = 0, out_packets = 0, total_bytes = 0, total_packets = 0;
        std::uint64_t frame_bytes = 0;  // a sampled frame's IP length (dataLinkFrameSection)
        bool has_frame = false;
        std::uint32_t first_uptime = 0, last_uptime = 0;
        bool has_first_uptime = false, has_last_uptime = false;
        std::uint64_t start_abs_us = 0, end_abs_us = 0;  // absolute times, microseconds
        bool has_start_abs = false, has_end_abs = false;
        std::uint64_t sys_init_ms = 0;
        bool has_sys_init = false;
        std::uint32_t sampler_id = 0, sampling_interval = 0, packet_interval = 0, packet_space = 0;
        bool has_sampler_id = false;
        std::uint8_t direction = 0;
        bool has_direction = false;
        // Addresses by family, as pointers to their bytes in the datagram (nullptr: absent):
        // which pair the record shows is decided once all fields are in.
        const std::uint8_t* src4 = nullptr;
        const std::uint8_t* dst4 = nullptr;
        const std::uint8_t* src6 = nullptr;
        const std::uint8_t* dst6 = nullptr;
        const std::uint8_t* next_hop4 = nullptr;
        const std::uint8_t* next_hop6 = nullptr;
        const std::uint8_t* bgp_next_hop4 = nullptr;
        const std::uint8_t* bgp_next_hop6 = nullptr;
        std::uint8_t ip_version = 0;  // ipVersion (60), 0 when absent
        std::uint32_t in_phys_iface = 0, out_phys_iface = 0;
        std::uint16_t label_mask = 0;  // which positions of labels_ the record has
        bool has_rd = false, has_ingress_vrf = false, has_egress_vrf = false, has_app = false;
        std::uint32_t ingress_vrf = 0, egress_vrf = 0;
        std::uint64_t app_id = 0;
        // Text and addresses of options records (views into the datagram).
        std::string_view vrf_name, app_name, if_name;
        IpAddress exporter;
        // The sampling rate the record states: samplingInterval / samplerRandomInterval, or
        // 1 in (interval + space) / interval packets (PSAMP); 0 when it states none.
        std::uint32_t rate() const {
            if (sampling_interval != 0) return sampling_interval;
            if (packet_interval != 0) return (packet_interval + packet_space) / packet_interval;
            return 0;
        }
    } raw_;
    static const Raw kEmptyRaw;
    // MPLS label elements as sent (label << 4 | exp << 1 | bottom-of-stack), by position; only
    // the positions raw_.label_mask names belong to the current record.
    std::array<std::uint32_t, 10> labels_{};
};

}  // namespace pmacct::flow
