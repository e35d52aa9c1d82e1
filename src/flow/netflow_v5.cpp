#include "pmacct/flow/netflow_v5.hpp"

#include <fmt/format.h>

#include <cstring>

#include "pmacct/base/byte_reader.hpp"

namespace pmacct::flow {

std::string_view describe(V5Outcome outcome) {
    switch (outcome) {
        case V5Outcome::kOk: return "ok";
        case V5Outcome::kShortHeader: return "discarding short NetFlow v5 packet";
        case V5Outcome::kWrongVersion: return "discarding unknown packet";
        case V5Outcome::kTooManyRecords:
        case V5Outcome::kLengthMismatch: return "discarding malformed NetFlow v5 packet";
    }
    return "discarding unknown packet";
}

std::string discard_message(V5Outcome outcome, std::string_view collector, std::uint16_t port,
                            const IpAddress& agent, std::uint16_t agent_port) {
    return fmt::format("{}: nfacctd={}:{} agent={}:{}", describe(outcome), collector, port,
                       agent.to_string(), agent_port);
}

V5Outcome parse_netflow_v5_header(std::span<const std::uint8_t> datagram, NetflowV5Header& header) {
    if (datagram.size() < kNetflowV5HeaderSize) return V5Outcome::kShortHeader;
    ByteReader r(datagram);
    header.version = r.u16();
    header.count = r.u16();
    header.sys_uptime = r.u32();
    header.unix_secs = r.u32();
    header.unix_nsecs = r.u32();
    header.flow_sequence = r.u32();
    header.engine_type = r.u8();
    header.engine_id = r.u8();
    header.sampling_interval = r.u16();
    if (header.version != 5) return V5Outcome::kWrongVersion;
    if (header.count > kNetflowV5MaxRecords) return V5Outcome::kTooManyRecords;
    if (datagram.size() !=
        kNetflowV5HeaderSize + std::size_t{header.count} * kNetflowV5RecordSize) {
        return V5Outcome::kLengthMismatch;
    }
    return V5Outcome::kOk;
}

Timestamp v5_secs_time(std::uint32_t unix_secs, std::uint32_t sys_uptime, std::uint32_t t) {
    const std::uint32_t secs = unix_secs - (sys_uptime - t);
    return Timestamp{static_cast<std::int64_t>(secs), 0};
}

bool NetflowV5Decoder::count_outcome(V5Outcome outcome) {
    switch (outcome) {
        case V5Outcome::kOk: ++counters_.datagrams; return true;
        case V5Outcome::kShortHeader: ++counters_.short_header; break;
        case V5Outcome::kWrongVersion: ++counters_.wrong_version; break;
        case V5Outcome::kTooManyRecords: ++counters_.too_many_records; break;
        case V5Outcome::kLengthMismatch: ++counters_.length_mismatch; break;
    }
    return false;
}

namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// An IPv4 address straight from the wire (network order, as IpAddress keeps it). The other 12
// bytes are left as they are: zero in a record that only ever holds IPv4 addresses. Writing the
// destination in place, rather than assigning a temporary, spares a store-forwarding stall.
void put_v4(IpAddress& a, const std::uint8_t* p) {
    a.family = 4;
    std::memcpy(a.bytes.data(), p, 4);
}

}  // namespace

void NetflowV5Decoder::prepare_datagram(const NetflowV5Header& header, const IpAddress& exporter,
                                        Timestamp arrival, FlowRecord& out) const {
    out.flows = 1;
    out.type = FlowType::kIpv4;
    out.peer_src_ip = exporter;
    out.export_proto_version = 5;
    out.export_proto_seqno = header.flow_sequence;
    out.export_proto_sysid = header.engine_id;
    out.engine_type = header.engine_type;
    out.sampling_rate = header.sampling_rate();
    if (options_.renormalize && out.sampling_rate > 0) out.sampling_rate = 1;
    out.time_arrival = arrival;
    out.time_export = Timestamp{std::int64_t{header.unix_secs}, 0};
}

void NetflowV5Decoder::fill_flow(const NetflowV5Header& header, const std::uint8_t* p, FlowRecord& out) const {
    // The 48-byte record, offsets as in the v5 format; the header check guaranteed its length.
    put_v4(out.src_ip, p + 0);
    put_v4(out.dst_ip, p + 4);
    put_v4(out.ip_next_hop, p + 8);
    out.in_iface = be16(p + 12);
    out.out_iface = be16(p + 14);
    out.packets = be32(p + 16);
    out.bytes = be32(p + 20);
    const std::uint32_t first = be32(p + 24);
    const std::uint32_t last = be32(p + 28);
    out.src_port = be16(p + 32);
    out.dst_port = be16(p + 34);
    // p[36]: pad1
    out.tcp_flags = p[37];
    out.proto = p[38];
    out.tos = p[39];
    out.src_as = be16(p + 40);
    out.dst_as = be16(p + 42);
    out.src_mask = p[44];
    out.dst_mask = p[45];
    // p[46..47]: pad2

    std::uint32_t stated = header.sampling_rate();
    if (options_.sampling_map != nullptr) {
        if (const std::uint32_t mapped = options_.sampling_map->rate_for(out); mapped != 0) {
            stated = mapped;
            out.sampling_rate = options_.renormalize ? 1 : mapped;
        }
    }
    if (options_.renormalize) {
        const std::uint32_t rate = options_.ext_sampling_rate != 0 ? options_.ext_sampling_rate : stated;
        if (rate > 0) {
            out.bytes *= rate;
            out.packets *= rate;
        }
    }
    if (options_.use_ip_next_hop) out.bgp_next_hop = out.ip_next_hop;
    if (options_.time_secs) {
        out.time_start = v5_secs_time(header.unix_secs, header.sys_uptime, first);
        out.time_end = v5_secs_time(header.unix_secs, header.sys_uptime, last);
        out.time_bin = out.time_start;
    } else {
        out.time_start = v5_primitive_time(header.unix_secs, header.sys_uptime, first);
        out.time_end = v5_primitive_time(header.unix_secs, header.sys_uptime, last);
        // pmacct bins by a time it rounds differently from the printed timestamp_start.
        out.time_bin = v5_bin_time(header.unix_secs, header.sys_uptime, first);
        out.time_bin_end = v5_bin_time(header.unix_secs, header.sys_uptime, last);
    }
    // nfacctd_time_new bins by the arrival time; the flow's own times still print (1.7.7).
    if (options_.time_new) {
        out.time_bin = out.time_arrival;
        out.time_bin_end = out.time_arrival;
    }
}

void NetflowV5Decoder::fill_record(const NetflowV5Header& header, std::span<const std::uint8_t> record,
                                   const IpAddress& exporter, Timestamp arrival, FlowRecord& out) const {
    out = FlowRecord{};
    prepare_datagram(header, exporter, arrival, out);
    if (record.size() >= kNetflowV5RecordSize) fill_flow(header, record.data(), out);
}

}  // namespace pmacct::flow
