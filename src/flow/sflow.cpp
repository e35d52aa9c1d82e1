#include "pmacct/flow/sflow.hpp"

#include <algorithm>

#include "pmacct/base/byte_reader.hpp"
#include "pmacct/packet/packet_accounting.hpp"

namespace pmacct::flow {
namespace {

// Sample and flow record types: enterprise << 12 | format (enterprise 0: sFlow's own).
constexpr std::uint32_t kFlowSample = 1;
constexpr std::uint32_t kCounterSample = 2;
constexpr std::uint32_t kExpandedFlowSample = 3;
constexpr std::uint32_t kExpandedCounterSample = 4;
constexpr std::uint32_t kRawHeader = 1;
constexpr std::uint32_t kEthernetData = 2;
constexpr std::uint32_t kIpv4Data = 3;
constexpr std::uint32_t kIpv6Data = 4;
constexpr std::uint32_t kExtendedSwitch = 1001;
constexpr std::uint32_t kExtendedRouter = 1002;
constexpr std::uint32_t kExtendedGateway = 1003;

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

}  // namespace

std::string_view describe(SflowOutcome o) {
    switch (o) {
        case SflowOutcome::kOk: return "ok";
        case SflowOutcome::kTooShort: return "discarding sFlow packet: too short";
        case SflowOutcome::kBadVersion: return "discarding sFlow packet: not sFlow v5";
        case SflowOutcome::kMalformed: return "discarding the rest of an sFlow packet: a sample runs past its end";
    }
    return "?";
}

SflowDecodeResult SflowDecoder::decode_impl(std::span<const std::uint8_t> datagram, Timestamp arrival,
                                            RecordSink sink) {
    SflowDecodeResult result;
    ++counters_.datagrams;
    ByteReader r(datagram);
    result.version = r.u32();
    if (!r.ok()) {
        result.outcome = SflowOutcome::kTooShort;
        return result;
    }
    if (result.version != 5) {
        result.outcome = SflowOutcome::kBadVersion;
        return result;
    }
    if (!read_address(r, result.agent)) {
        result.outcome = SflowOutcome::kTooShort;
        return result;
    }
    result.sub_agent_id = r.u32();
    result.sequence = r.u32();
    (void)r.u32();  // the agent's uptime
    result.samples = r.u32();
    if (!r.ok()) {
        result.outcome = SflowOutcome::kTooShort;
        return result;
    }
    for (std::uint32_t i = 0; i < result.samples; ++i) {
        const std::uint32_t type = r.u32();
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
                if (!flow_sample(body.rest(), type == kExpandedFlowSample, arrival, sink, result)) {
                    ++counters_.malformed;
                    result.outcome = SflowOutcome::kMalformed;
                }
                break;
            case kCounterSample:
            case kExpandedCounterSample:
                ++counters_.counter_samples;
                ++result.counter_samples;
                break;
            default: ++counters_.other_samples; break;
        }
        if (result.outcome == SflowOutcome::kMalformed) break;
    }
    return result;
}

bool SflowDecoder::flow_sample(std::span<const std::uint8_t> body, bool expanded, Timestamp arrival, RecordSink sink,
                               SflowDecodeResult& result) {
    ByteReader r(body);
    FlowRecord& out = record_;
    out = FlowRecord{};
    (void)r.u32();  // the sample's sequence number
    if (expanded) {
        (void)r.u32();  // source id type
        (void)r.u32();  // source id index
    } else {
        (void)r.u32();  // source id
    }
    std::uint32_t rate = r.u32();
    (void)r.u32();  // sample pool
    (void)r.u32();  // drops
    std::uint32_t input = 0;
    std::uint32_t output = 0;
    if (expanded) {
        (void)r.u32();  // input format
        input = r.u32();
        (void)r.u32();  // output format
        output = r.u32();
    } else {
        // The whole field, format bits included, as 1.7.7 shows it (a discarded packet's output
        // is 0x40000000 | reason, several interfaces 0x80000000 | count).
        input = r.u32();
        output = r.u32();
    }
    const std::uint32_t records = r.u32();
    if (!r.ok()) return false;

    bool have_header = false;
    bool have_ip_data = false;
    bool ethernet = false;
    bool have_switch = false;
    std::uint32_t vlan = 0;
    std::uint32_t priority = 0;
    std::uint64_t frame_length = 0;
    for (std::uint32_t i = 0; i < records; ++i) {
        const std::uint32_t type = r.u32();
        const std::uint32_t length = r.u32();
        ByteReader d = r.sub(length);
        if (!r.ok()) return false;
        switch (type) {
            case kRawHeader: {
                const std::uint32_t protocol = d.u32();
                frame_length = d.u32();
                (void)d.u32();  // bytes stripped
                const std::uint32_t header_length = d.u32();
                const auto bytes = d.bytes(std::min<std::size_t>(header_length, d.remaining()));
                if (!d.ok()) break;
                packet::LinkType link = packet::LinkType::kEthernet;
                if (protocol == kHeaderIpv4 || protocol == kHeaderIpv6) {
                    link = packet::LinkType::kRawIp;
                } else if (protocol == kHeaderPpp) {
                    link = packet::LinkType::kPpp;
                } else if (protocol != kHeaderEthernet) {
                    ++counters_.unsupported_headers;
                    break;
                }
                packet::dissect(link, bytes, options_.dissect, info_);
                have_header = true;
                ethernet = link == packet::LinkType::kEthernet;
                break;
            }
            case kIpv4Data:
            case kIpv6Data: {
                // Its length is the packet's size from now on (1.7.7: the IP length, where the
                // header's record gave the frame's); its fields count only without a header.
                const std::uint32_t length_field = d.u32();
                if (d.ok()) frame_length = length_field;
                if (have_header) break;
                out.proto = static_cast<std::uint8_t>(d.u32());
                const std::size_t n = type == kIpv4Data ? 4 : 16;
                const auto src = d.bytes(n);
                const auto dst = d.bytes(n);
                out.src_port = static_cast<std::uint16_t>(d.u32());
                out.dst_port = static_cast<std::uint16_t>(d.u32());
                out.tcp_flags = static_cast<std::uint8_t>(d.u32());
                out.tos = static_cast<std::uint8_t>(d.u32());
                if (!d.ok()) break;
                if (n == 4) {
                    out.src_ip.set_v4(src.data());
                    out.dst_ip.set_v4(dst.data());
                } else {
                    out.src_ip.set_v6(src.data());
                    out.dst_ip.set_v6(dst.data());
                }
                have_ip_data = true;
                break;
            }
            case kExtendedSwitch: {
                // The incoming VLAN, else the outgoing one (1.7.7); 32 bits cut to 16.
                const std::uint32_t in_vlan = d.u32();
                const std::uint32_t in_priority = d.u32();
                const std::uint32_t out_vlan = d.u32();
                const std::uint32_t out_priority = d.u32();
                have_switch = d.ok();
                vlan = in_vlan != 0 ? in_vlan : out_vlan;
                priority = in_vlan != 0 ? in_priority : out_priority;
                break;
            }
            case kExtendedRouter: {
                if (!read_address(d, out.ip_next_hop)) break;
                out.src_mask = static_cast<std::uint8_t>(d.u32());
                out.dst_mask = static_cast<std::uint8_t>(d.u32());
                break;
            }
            case kExtendedGateway: {
                if (!read_address(d, out.bgp_next_hop)) break;
                (void)d.u32();  // the router's own AS
                out.src_as = d.u32();
                out.peer_src_as = d.u32();
                const std::uint32_t segments = d.u32();
                for (std::uint32_t s = 0; s < segments && d.ok(); ++s) {
                    (void)d.u32();  // segment type (set, sequence)
                    const std::uint32_t count = d.u32();
                    for (std::uint32_t a = 0; a < count && d.ok(); ++a) {
                        const std::uint32_t as = d.u32();
                        if (s == 0 && a == 0) out.peer_dst_as = as;
                        out.dst_as = as;  // the last one is the origin
                    }
                }
                break;
            }
            case kEthernetData:
            default: break;
        }
    }
    if (!have_header && !have_ip_data) return true;  // nothing to account

    if (have_header) {
        const packet::IpLayer& ip = info_.ip;
        // What is not IP (ARP, ...) or cannot be read is not accounted, as by 1.7.7.
        if (ip.version == 0 || info_.stop == packet::Stop::kMalformed) {
            ++counters_.not_ip;
            return true;
        }
        packet::copy_dissection(info_, out);
        // The EtherType comes from an Ethernet header only (0 for a raw IP header, as 1.7.7).
        if (ethernet) out.etype = ip.version == 4 ? kEtherIpv4 : kEtherIpv6;
    } else {
        out.type = out.src_ip.family == 6 ? FlowType::kIpv6 : FlowType::kIpv4;
        out.etype = out.src_ip.family == 6 ? kEtherIpv6 : kEtherIpv4;
    }
    if (have_switch) {
        out.vlan = static_cast<std::uint16_t>(vlan);
        out.cos = static_cast<std::uint8_t>(priority);
    }

    out.packets = 1;
    out.bytes = frame_length;
    out.flows = 1;
    out.sampling_rate = rate;
    if (options_.ext_sampling_rate != 0) rate = options_.ext_sampling_rate;
    if (options_.renormalize && rate > 0) {
        out.packets *= rate;
        out.bytes *= rate;
        out.sampling_rate = 1;
    }
    out.in_iface = input;
    out.out_iface = output;
    out.peer_src_ip = result.agent;
    out.export_proto_version = 5;
    out.export_proto_seqno = result.sequence;  // the datagram's, as 1.7.7
    out.export_proto_sysid = result.sub_agent_id;
    out.time_start = arrival;
    out.time_arrival = arrival;
    ++result.records;
    sink.call(sink.self, out);
    return true;
}

}  // namespace pmacct::flow
