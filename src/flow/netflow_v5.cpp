#include "pmacct/flow/netflow_v5.hpp"

#include <fmt/format.h>

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

Timestamp v5_primitive_time(std::uint32_t unix_secs, std::uint32_t sys_uptime, std::uint32_t t) {
    const std::uint32_t secs = unix_secs - (sys_uptime - t) / 1000U;
    return Timestamp{static_cast<std::int64_t>(secs), 0};
}

Timestamp v5_bin_time(std::uint32_t unix_secs, std::uint32_t sys_uptime, std::uint32_t t) {
    const std::int64_t msecs =
        std::int64_t{unix_secs} * 1000 + std::int64_t{t} - std::int64_t{sys_uptime};
    return Timestamp{msecs / 1000, 0};  // truncation, as a double-to-time_t conversion does
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

IpAddress read_v4(ByteReader& r) {
    return IpAddress::v4(r.u32());
}

}  // namespace

void NetflowV5Decoder::fill_record(const NetflowV5Header& header,
                                   std::span<const std::uint8_t> record, const IpAddress& exporter,
                                   Timestamp arrival, FlowRecord& out) const {
    // Every field below is written for every record; `out` starts zeroed once per datagram, so
    // the fields v5 does not carry stay zero without clearing the whole record each time.
    ByteReader r(record);
    out.src_ip = read_v4(r);
    out.dst_ip = read_v4(r);
    out.ip_next_hop = read_v4(r);
    out.in_iface = r.u16();
    out.out_iface = r.u16();
    out.packets = r.u32();
    out.bytes = r.u32();
    const std::uint32_t first = r.u32();
    const std::uint32_t last = r.u32();
    out.src_port = r.u16();
    out.dst_port = r.u16();
    r.skip(1);  // pad1
    out.tcp_flags = r.u8();
    out.proto = r.u8();
    out.tos = r.u8();
    out.src_as = r.u16();
    out.dst_as = r.u16();
    out.src_mask = r.u8();
    out.dst_mask = r.u8();
    // pad2 (2 bytes) ignored.

    out.flows = 1;
    out.type = FlowType::kIpv4;
    out.peer_src_ip = exporter;
    out.export_proto_version = 5;
    out.export_proto_seqno = header.flow_sequence;
    out.export_proto_sysid = header.engine_id;
    out.sampling_rate = header.sampling_rate();
    if (options_.renormalize && out.sampling_rate > 0) {
        out.bytes *= out.sampling_rate;
        out.packets *= out.sampling_rate;
        out.sampling_rate = 1;
    }
    if (options_.use_ip_next_hop) out.bgp_next_hop = out.ip_next_hop;

    out.time_arrival = arrival;
    out.time_export = Timestamp{std::int64_t{header.unix_secs}, 0};
    // pmacct bins by a time it rounds differently from the printed timestamp_start.
    out.time_bin = v5_bin_time(header.unix_secs, header.sys_uptime, first);
    if (options_.time_new) {
        out.time_start = arrival;
        out.time_end = arrival;
        out.time_bin = arrival;
    } else if (options_.time_secs) {
        out.time_start = v5_secs_time(header.unix_secs, header.sys_uptime, first);
        out.time_end = v5_secs_time(header.unix_secs, header.sys_uptime, last);
        out.time_bin = out.time_start;
    } else {
        out.time_start = v5_primitive_time(header.unix_secs, header.sys_uptime, first);
        out.time_end = v5_primitive_time(header.unix_secs, header.sys_uptime, last);
    }
}

}  // namespace pmacct::flow
