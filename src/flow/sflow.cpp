#include "pmacct/flow/sflow.hpp"

#include <algorithm>
#include <ctime>
#include <iterator>

#include <fmt/format.h>

#include "pmacct/base/byte_reader.hpp"
#include "pmacct/base/time.hpp"
#include "pmacct/packet/packet_accounting.hpp"

namespace pmacct::flow {
namespace {

// v5 sample and flow record types: enterprise << 12 | format (enterprise 0: sFlow's own).
constexpr std::uint32_t kFlowSample = 1;
constexpr std::uint32_t kCounterSample = 2;
constexpr std::uint32_t kExpandedFlowSample = 3;
constexpr std::uint32_t kExpandedCounterSample = 4;
constexpr std::uint32_t kRawHeader = 1;
constexpr std::uint32_t kIpv4Data = 3;
constexpr std::uint32_t kIpv6Data = 4;
constexpr std::uint32_t kExtendedSwitch = 1001;
constexpr std::uint32_t kExtendedRouter = 1002;
constexpr std::uint32_t kExtendedGateway = 1003;
constexpr std::uint32_t kExtendedMplsVc = 1009;
// pmacct's own records (enterprise 43874), sent by its sfprobe plugin: format 2 carries the tag
// and tag2 (64 bits each).
constexpr std::uint32_t kPmacctTag = (43874U << 12) | 2U;

// v2/v4: a flow sample's packet data and extended data tags, and counter block versions.
constexpr std::uint32_t kV4PacketHeader = 1;
constexpr std::uint32_t kV4PacketIpv4 = 2;
constexpr std::uint32_t kV4PacketIpv6 = 3;
constexpr std::uint32_t kV4ExtendedSwitch = 1;
constexpr std::uint32_t kV4ExtendedRouter = 2;
constexpr std::uint32_t kV4ExtendedGateway = 3;
constexpr std::uint32_t kV4ExtendedUser = 4;
constexpr std::uint32_t kV4ExtendedUrl = 5;

// Raw header protocols (sFlow's header_protocol enumeration).
constexpr std::uint32_t kHeaderEthernet = 1;
constexpr std::uint32_t kHeaderPpp = 7;
constexpr std::uint32_t kHeaderIpv4 = 11;
constexpr std::uint32_t kHeaderIpv6 = 12;

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86DD;

// An address as sFlow writes it: a type (1 IPv4, 2 IPv6), then 4 or 16 bytes.
bool read_address(ByteReader& r, IpAddress& out) {
    const std::uint32_t type = r.u32();
    if (type == 1) {
        const auto b = r.bytes(4);
        if (b.size() != 4) return false;
        out.set_v4(b.data());
        return true;
    }
    if (type == 2) {
        const auto b = r.bytes(16);
        if (b.size() != 16) return false;
        out.set_v6(b.data());
        return true;
    }
    return false;  // unknown type: nothing after it can be read
}

// Opaque data or a string: a length, then the bytes padded to 4.
void skip_opaque(ByteReader& r) {
    const std::uint32_t n = r.u32();
    r.skip((std::size_t{n} + 3) / 4 * 4);
}

// The bytes of a v2/v4 counter block after the generic one, by its version (1 generic,
// 2 Ethernet, 3 token ring, 4 FDDI, 5 100BaseVG, 6 WAN, 7 VLAN); -1: unknown.
int v4_counter_block_bytes(std::uint32_t version) {
    switch (version) {
        case 1: case 4: case 6: return 88;
        case 2: return 88 + 52;
        case 3: return 88 + 72;
        case 5: return 88 + 80;
        case 7: return 28;
        default: return -1;
    }
}

}  // namespace

std::string_view describe(SflowOutcome o) {
    switch (o) {
        case SflowOutcome::kOk: return "ok";
        case SflowOutcome::kTooShort: return "discarding sFlow packet: too short";
        case SflowOutcome::kBadVersion: return "discarding sFlow packet: not sFlow v2, v4 or v5";
        case SflowOutcome::kMalformed: return "discarding the rest of an sFlow packet: a sample runs past its end";
    }
    return "?";
}

namespace {

// "2026-12-06 03:45:57.706355", local time.
void append_json_time(Timestamp t, std::string& out) {
    const std::tm tm = to_tm(t.sec, false);
    out += fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, t.usec);
}

// A counter record's fields: names and sizes in bytes (4 or 8), as 1.7.7 logs them.
struct CounterField {
    const char* name;
    std::uint8_t size;
};
constexpr CounterField kGenericFields[] = {
    {"ifIndex", 4}, {"ifType", 4}, {"ifSpeed", 8}, {"ifDirection", 4}, {"ifStatus", 4}, {"ifInOctets", 8},
    {"ifInUcastPkts", 4}, {"ifInMulticastPkts", 4}, {"ifInBroadcastPkts", 4}, {"ifInDiscards", 4},
    {"ifInErrors", 4}, {"ifInUnknownProtos", 4}, {"ifOutOctets", 8}, {"ifOutUcastPkts", 4},
    {"ifOutMulticastPkts", 4}, {"ifOutBroadcastPkts", 4}, {"ifOutDiscards", 4}, {"ifOutErrors", 4},
    {"ifPromiscuousMode", 4},
};
constexpr CounterField kEthernetFields[] = {
    {"dot3StatsAlignmentErrors", 4}, {"dot3StatsFCSErrors", 4}, {"dot3StatsSingleCollisionFrames", 4},
    {"dot3StatsMultipleCollisionFrames", 4}, {"dot3StatsSQETestErrors", 4}, {"dot3StatsDeferredTransmissions", 4},
    {"dot3StatsLateCollisions", 4}, {"dot3StatsExcessiveCollisions", 4}, {"dot3StatsInternalMacTransmitErrors", 4},
    {"dot3StatsCarrierSenseErrors", 4}, {"dot3StatsFrameTooLongs", 4}, {"dot3StatsInternalMacReceiveErrors", 4},
    {"dot3StatsSymbolErrors", 4},
};
// The VLAN record: its id comes first on the wire but last in the line.
constexpr CounterField kVlanFields[] = {
    {"octets", 8}, {"ucastPkts", 4}, {"multicastPkts", 4}, {"broadcastPkts", 4}, {"discards", 4},
};

}  // namespace

void append_counter_log_init(const IpAddress& agent, Timestamp arrival, std::uint64_t& seq, std::string& out) {
    out += fmt::format("{{\"seq\": {}, \"timestamp\": \"", seq++);
    append_json_time(arrival, out);
    out += fmt::format("\", \"peer_src_ip\": \"{}\", \"event_type\": \"log_init\"}}\n", agent.to_string());
}

std::size_t append_counter_lines(const SflowCounterSample& s, Timestamp arrival, std::uint64_t& seq,
                                 std::string& out) {
    ByteReader r(s.records);
    std::size_t lines = 0;
    for (std::uint32_t i = 0; i < s.record_count; ++i) {
        const std::uint32_t type = r.u32();
        ByteReader d = r.sub(r.u32());
        if (!r.ok()) break;
        std::span<const CounterField> fields;
        const char* kind = nullptr;
        switch (type) {
            case 1: fields = kGenericFields; kind = "sflow_cnt_generic"; break;
            case 2: fields = kEthernetFields; kind = "sflow_cnt_ethernet"; break;
            case 5: fields = kVlanFields; kind = "sflow_cnt_vlan"; break;
            default: continue;
        }
        const std::uint32_t vlan = type == 5 ? d.u32() : 0;
        std::string line = fmt::format("{{\"seq\": {}, \"timestamp\": \"", seq);
        append_json_time(arrival, line);
        line += fmt::format("\", \"peer_ip_src\": \"{}\", \"event_type\": \"log\", \"source_id_index\": {}, "
                            "\"sflow_seq\": {}, \"sflow_cnt_seq\": {}, \"sf_cnt_type\": \"{}\"",
                            s.agent.to_string(), s.source_index, s.datagram_sequence, s.sequence, kind);
        for (const CounterField& f : fields) {
            const std::uint64_t v = f.size == 8 ? d.u64() : d.u32();
            line += fmt::format(", \"{}\": {}", f.name, v);
        }
        if (type == 5) line += fmt::format(", \"vlan\": {}", vlan);
        if (!d.ok()) continue;  // shorter than its kind: not logged
        line += "}\n";
        out += line;
        ++seq;
        ++lines;
    }
    return lines;
}

SflowOutcome read_sflow_header(std::span<const std::uint8_t> datagram, SflowHeader& h) {
    ByteReader r(datagram);
    h.version = r.u32();
    if (!r.ok()) return SflowOutcome::kTooShort;
    if (h.version != 5 && h.version != 4 && h.version != 2) return SflowOutcome::kBadVersion;
    if (!read_address(r, h.agent)) return SflowOutcome::kTooShort;
    h.sub_agent_id = h.version == 5 ? r.u32() : 0;
    h.sequence = r.u32();
    (void)r.u32();  // the agent's uptime
    h.samples = r.u32();
    if (!r.ok()) return SflowOutcome::kTooShort;
    h.size = r.offset();
    return SflowOutcome::kOk;
}

SflowDecodeResult SflowDecoder::decode_impl(std::span<const std::uint8_t> datagram, Timestamp arrival,
                                            RecordSink sink, CounterSink counters) {
    SflowDecodeResult result;
    ++counters_.datagrams;
    SflowHeader h;
    result.outcome = read_sflow_header(datagram, h);
    result.version = h.version;
    if (result.outcome == SflowOutcome::kOk && splitting_ && h.version != 5) result.outcome = SflowOutcome::kBadVersion;
    if (result.outcome != SflowOutcome::kOk) return result;
    result.agent = h.agent;
    result.sub_agent_id = h.sub_agent_id;
    result.sequence = h.sequence;
    result.samples = h.samples;
    ByteReader r(datagram);
    (void)r.skip(h.size);
    for (std::uint32_t i = 0; i < result.samples && result.outcome == SflowOutcome::kOk; ++i) {
        const std::uint32_t type = r.u32();
        if (result.version < 5) {
            // No lengths: a sample that cannot be read to its end ends the datagram.
            bool read = false;
            if (type == kFlowSample) {
                ++counters_.flow_samples;
                ++result.flow_samples;
                read = flow_sample(r, Layout::kV4, arrival, sink, result);
            } else if (type == kCounterSample) {
                ++counters_.counter_samples;
                ++result.counter_samples;
                (void)r.u32();  // sequence
                (void)r.u32();  // source id
                (void)r.u32();  // counters interval
                const int bytes = v4_counter_block_bytes(r.u32());
                read = bytes >= 0 && r.skip(static_cast<std::size_t>(bytes));
            }
            if (!read || !r.ok()) {
                ++counters_.malformed;
                result.outcome = SflowOutcome::kMalformed;
            }
            continue;
        }
        const std::size_t start = r.offset() - 4;
        const std::uint32_t length = r.u32();
        ByteReader body = r.sub(length);
        if (!r.ok()) {
            ++counters_.malformed;
            result.outcome = SflowOutcome::kMalformed;
            break;
        }
        switch (type) {
            case kFlowSample:
            case kExpandedFlowSample:
                ++counters_.flow_samples;
                ++result.flow_samples;
                current_sample_ = datagram.subspan(start, r.offset() - start);
                if (!flow_sample(body, type == kExpandedFlowSample ? Layout::kExpanded : Layout::kCompact, arrival,
                                 sink, result)) {
                    ++counters_.malformed;
                    // Split, the next sample is where this one's length says: it is read.
                    if (!splitting_) result.outcome = SflowOutcome::kMalformed;
                }
                break;
            case kCounterSample:
            case kExpandedCounterSample:
                ++counters_.counter_samples;
                ++result.counter_samples;
                if (counters.call != nullptr && !splitting_ &&
                    !counter_sample(body, type == kExpandedCounterSample, result, counters)) {
                    ++counters_.malformed;
                    result.outcome = SflowOutcome::kMalformed;
                }
                break;
            default: ++counters_.other_samples; break;
        }
    }
    return result;
}

bool SflowDecoder::counter_sample(ByteReader& r, bool expanded, const SflowDecodeResult& result,
                                  CounterSink counters) {
    SflowCounterSample c;
    c.agent = result.agent;
    c.datagram_sequence = result.sequence;
    c.sequence = r.u32();
    if (expanded) {
        (void)r.u32();  // source id type
        c.source_index = r.u32();
    } else {
        c.source_index = r.u32() & 0x00FFFFFFU;
    }
    c.record_count = r.u32();
    if (!r.ok()) return false;
    c.records = r.rest();
    counters.call(counters.self, c);
    return true;
}

bool SflowDecoder::flow_sample(ByteReader& r, Layout layout, Timestamp arrival, RecordSink sink,
                               SflowDecodeResult& result) {
    FlowRecord& out = record_;
    out = FlowRecord{};
    out.sflow_sample_type = layout == Layout::kExpanded ? kExpandedFlowSample : kFlowSample;
    Sample s;
    (void)r.u32();  // the sample's sequence number
    if (layout == Layout::kExpanded) {
        (void)r.u32();  // source id type
        (void)r.u32();  // source id index
    } else {
        (void)r.u32();  // source id
    }
    s.rate = r.u32();
    (void)r.u32();  // sample pool
    (void)r.u32();  // drops
    if (layout == Layout::kExpanded) {
        (void)r.u32();  // input format
        s.input = r.u32();
        (void)r.u32();  // output format
        s.output = r.u32();
    } else {
        // The whole field, format bits included, as 1.7.7 shows it (a discarded packet's output
        // is 0x40000000 | reason, several interfaces 0x80000000 | count).
        s.input = r.u32();
        s.output = r.u32();
    }
    if (!r.ok()) return false;
    if (layout == Layout::kV4) {
        if (!v4_records(r, s, result.version)) return false;
    } else {
        const std::uint32_t records = r.u32();
        for (std::uint32_t i = 0; i < records; ++i) {
            const std::uint32_t type = r.u32();
            const std::uint32_t length = r.u32();
            ByteReader d = r.sub(length);
            if (!r.ok()) return false;
            switch (type) {
                case kRawHeader: raw_header(d, s, true); break;
                case kIpv4Data:
                case kIpv6Data: ip_data(d, s, type == kIpv6Data); break;
                case kExtendedSwitch: extended_switch(d, s); break;
                case kExtendedRouter: extended_router(d); break;
                case kExtendedGateway: extended_gateway(d, 5); break;
                case kExtendedMplsVc:
                    // The VC instance name, then its id: the pseudowire (mpls_pw_id), as 1.7.7.
                    skip_opaque(d);
                    if (const std::uint32_t vc = d.u32(); d.ok()) record_.mpls_pw_id = vc;
                    break;
                case kPmacctTag: {
                    const std::uint64_t tag = d.u64();
                    const std::uint64_t tag2 = d.u64();
                    if (!d.ok()) break;
                    record_.tag = record_.exporter_tag = tag;
                    record_.tag2 = record_.exporter_tag2 = tag2;
                    break;
                }
                default: break;
            }
        }
    }
    finish(s, arrival, sink, result);
    return true;
}

bool SflowDecoder::v4_records(ByteReader& r, Sample& s, std::uint32_t version) {
    switch (r.u32()) {
        case kV4PacketHeader: raw_header(r, s, false); break;
        case kV4PacketIpv4: ip_data(r, s, false); break;
        case kV4PacketIpv6: ip_data(r, s, true); break;
        default: return false;
    }
    const std::uint32_t extended = r.u32();
    for (std::uint32_t i = 0; i < extended && r.ok(); ++i) {
        switch (r.u32()) {
            case kV4ExtendedSwitch: extended_switch(r, s); break;
            case kV4ExtendedRouter:
                if (!extended_router(r)) return false;
                break;
            case kV4ExtendedGateway:
                if (!extended_gateway(r, version)) return false;
                break;
            case kV4ExtendedUser:
                skip_opaque(r);  // source user
                skip_opaque(r);  // destination user
                break;
            case kV4ExtendedUrl:
                (void)r.u32();  // direction
                skip_opaque(r);
                break;
            default: return false;
        }
    }
    return r.ok();
}

void SflowDecoder::raw_header(ByteReader& d, Sample& s, bool v5) {
    const std::uint32_t protocol = d.u32();
    s.frame_length = d.u32();
    if (v5) (void)d.u32();  // bytes stripped
    const std::uint32_t header_length = d.u32();
    const auto bytes = d.bytes(std::min<std::size_t>(header_length, d.remaining()));
    d.skip((4 - header_length % 4) % 4);  // padding
    if (bytes.size() != header_length) return;
    packet::LinkType link = packet::LinkType::kEthernet;
    if (protocol == kHeaderIpv4 || protocol == kHeaderIpv6) {
        link = packet::LinkType::kRawIp;
    } else if (protocol == kHeaderPpp) {
        link = packet::LinkType::kPpp;
    } else if (protocol != kHeaderEthernet) {
        ++counters_.unsupported_headers;
        return;
    }
    packet::dissect(link, bytes, options_.dissect, info_);
    s.have_header = true;
    s.ethernet = link == packet::LinkType::kEthernet;
}

void SflowDecoder::ip_data(ByteReader& d, Sample& s, bool v6) {
    // Its length is the packet's size from now on (1.7.7: the IP length, where the header's
    // record gave the frame's); its fields count only without a header.
    const std::uint32_t length = d.u32();
    const std::uint32_t proto = d.u32();
    const std::size_t n = v6 ? 16 : 4;
    const auto src = d.bytes(n);
    const auto dst = d.bytes(n);
    const std::uint32_t src_port = d.u32();
    const std::uint32_t dst_port = d.u32();
    const std::uint32_t tcp_flags = d.u32();
    const std::uint32_t tos = d.u32();
    if (!d.ok()) return;
    s.frame_length = length;
    if (s.have_header) return;
    FlowRecord& out = record_;
    out.proto = static_cast<std::uint8_t>(proto);
    out.src_port = static_cast<std::uint16_t>(src_port);
    out.dst_port = static_cast<std::uint16_t>(dst_port);
    out.tcp_flags = static_cast<std::uint8_t>(tcp_flags);
    out.tos = static_cast<std::uint8_t>(tos);
    if (v6) {
        out.src_ip.set_v6(src.data());
        out.dst_ip.set_v6(dst.data());
    } else {
        out.src_ip.set_v4(src.data());
        out.dst_ip.set_v4(dst.data());
    }
    s.have_ip_data = true;
}

void SflowDecoder::extended_switch(ByteReader& d, Sample& s) {
    // The incoming VLAN, else the outgoing one (1.7.7); 32 bits cut to 16.
    const std::uint32_t in_vlan = d.u32();
    const std::uint32_t in_priority = d.u32();
    const std::uint32_t out_vlan = d.u32();
    const std::uint32_t out_priority = d.u32();
    if (!d.ok()) return;
    s.have_switch = true;
    s.switch_in_vlan = in_vlan;
    s.switch_out_vlan = out_vlan;
    s.vlan = in_vlan != 0 ? in_vlan : out_vlan;
    s.priority = in_vlan != 0 ? in_priority : out_priority;
}

bool SflowDecoder::extended_router(ByteReader& d) {
    if (!read_address(d, record_.ip_next_hop)) return false;
    record_.src_mask = static_cast<std::uint8_t>(d.u32());
    record_.dst_mask = static_cast<std::uint8_t>(d.u32());
    return d.ok();
}

bool SflowDecoder::extended_gateway(ByteReader& d, std::uint32_t version) {
    FlowRecord& out = record_;
    // v5 starts with the BGP next hop; v2 has a flat AS path, v4 and v5 segments, communities
    // and the local preference.
    if (version == 5 && !read_address(d, out.bgp_next_hop)) return false;
    (void)d.u32();  // the router's own AS
    out.src_as = d.u32();
    out.peer_src_as = d.u32();
    const auto path_as = [&](bool first, std::uint32_t as) {
        if (first) out.peer_dst_as = as;
        out.dst_as = as;  // the last one is the origin
    };
    if (version == 2) {
        // 1.7.7 leaves dst_as and peer_dst_as at 0 for v2's flat path: it is skipped.
        const std::uint32_t count = d.u32();
        d.skip(std::size_t{count} * 4);
        return d.ok();
    }
    // The path and the communities as 1.7.7 prints them: "174_3356_15169", "65000:1_65000:2".
    as_path_text_.clear();
    communities_text_.clear();
    const std::uint32_t segments = d.u32();
    for (std::uint32_t seg = 0; seg < segments && d.ok(); ++seg) {
        (void)d.u32();  // segment type (set, sequence)
        const std::uint32_t count = d.u32();
        for (std::uint32_t a = 0; a < count && d.ok(); ++a) {
            const std::uint32_t as = d.u32();
            path_as(seg == 0 && a == 0, as);
            if (!as_path_text_.empty()) as_path_text_ += '_';
            fmt::format_to(std::back_inserter(as_path_text_), "{}", as);
        }
    }
    const std::uint32_t communities = d.u32();
    for (std::uint32_t c = 0; c < communities && d.ok(); ++c) {
        const std::uint32_t v = d.u32();
        if (!communities_text_.empty()) communities_text_ += '_';
        fmt::format_to(std::back_inserter(communities_text_), "{}:{}", v >> 16, v & 0xFFFFU);
    }
    out.local_pref = d.u32();
    if (!d.ok()) return false;
    out.as_path = as_path_text_;
    out.std_comm = communities_text_;
    return true;
}

void SflowDecoder::finish(const Sample& s, Timestamp arrival, RecordSink sink, SflowDecodeResult& result) {
    FlowRecord& out = record_;
    // Split for the tee plugin, every sample is tagged, on what it has.
    if (!s.have_header && !s.have_ip_data && !splitting_) return;  // nothing to account
    if (s.have_header) {
        const packet::IpLayer& ip = info_.ip;
        if (ip.version != 0 && info_.stop != packet::Stop::kMalformed) {
            packet::copy_dissection(info_, out);
            // The EtherType comes from an Ethernet header only (0 for a raw IP header, as 1.7.7).
            if (s.ethernet) out.etype = ip.version == 4 ? kEtherIpv4 : kEtherIpv6;
        } else {
            // What is not IP (ARP, ...) or cannot be read is not accounted, as by 1.7.7.
            ++counters_.not_ip;
            if (!splitting_) return;
            if (info_.has_macs) {
                out.src_mac = info_.src_mac;
                out.dst_mac = info_.dst_mac;
            }
            out.vlan = info_.vlan;
        }
    } else if (s.have_ip_data) {
        out.type = out.src_ip.family == 6 ? FlowType::kIpv6 : FlowType::kIpv4;
        out.etype = out.src_ip.family == 6 ? kEtherIpv6 : kEtherIpv4;
    }
    out.in_vlan = s.have_switch ? static_cast<std::uint16_t>(s.switch_in_vlan) : out.vlan;
    out.out_vlan = static_cast<std::uint16_t>(s.switch_out_vlan);
    if (s.have_switch) {
        out.vlan = static_cast<std::uint16_t>(s.vlan);
        out.cos = static_cast<std::uint8_t>(s.priority);
    }
    out.packets = 1;
    out.bytes = s.frame_length;
    out.flows = 1;
    out.in_iface = s.input;
    out.out_iface = s.output;
    out.peer_src_ip = result.agent;
    // The sample's rate, or sampling_map's (by agent and interfaces); renormalised by
    // sfacctd_ext_sampling_rate when it is set, else by that rate (as 1.7.7).
    std::uint32_t sample_rate = s.rate;
    if (options_.sampling_map != nullptr) {
        if (const std::uint32_t mapped = options_.sampling_map->rate_for(out); mapped != 0) sample_rate = mapped;
    }
    out.sampling_rate = sample_rate;
    const std::uint32_t rate = options_.ext_sampling_rate != 0 ? options_.ext_sampling_rate : sample_rate;
    if (options_.renormalize && rate > 0) {
        out.packets *= rate;
        out.bytes *= rate;
        out.sampling_rate = 1;
    }
    out.export_proto_version = static_cast<std::uint8_t>(result.version);
    out.export_proto_seqno = result.sequence;  // the datagram's, as 1.7.7
    out.export_proto_sysid = result.sub_agent_id;
    out.time_start = arrival;
    out.time_arrival = arrival;
    ++result.records;
    sink.call(sink.self, out);
}

}  // namespace pmacct::flow
