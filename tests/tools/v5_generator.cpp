#include "v5_generator.hpp"

#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "pcap_writer.hpp"
#include "pmacct/base/byte_reader.hpp"

namespace pmacct::testing {
namespace {

constexpr auto put16 = store_be16;
constexpr auto put32 = store_be32;

std::uint64_t splitmix(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace

V5Generator::V5Generator(std::uint32_t distinct, std::uint32_t per_datagram, std::uint32_t unix_secs,
                         std::uint64_t seed)
    : distinct_(distinct == 0 ? 1 : distinct),
      per_datagram_(per_datagram == 0 ? 1 : (per_datagram > 30 ? 30 : per_datagram)),
      unix_secs_(unix_secs),
      state_(seed) {}

V5Flow V5Generator::flow(std::uint32_t index) const {
    V5Flow f;
    f.src = 0x0A000000U | (index & 0xFFFFU);               // 10.0.x.y
    f.dst = 0xC0A80000U | ((index * 7U) & 0xFFU);          // 192.168.0.z
    f.src_port = static_cast<std::uint16_t>(1024U + index % 50000U);
    f.dst_port = static_cast<std::uint16_t>((index % 3U == 0) ? 53 : ((index % 3U == 1) ? 80 : 443));
    f.proto = static_cast<std::uint8_t>(index % 3U == 0 ? 17 : 6);
    return f;
}

std::string V5Generator::ip_string(std::uint32_t v) {
    return fmt::format("{}.{}.{}.{}", v >> 24, (v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF);
}

// The v5 record layout as a v9/IPFIX template (paddingOctets where v5 pads); IPFIX takes
// flowStart/EndSeconds where v9 takes first/last switched.
constexpr std::uint16_t kTemplateFields[][2] = {
    {8, 4}, {12, 4}, {15, 4}, {10, 2}, {14, 2}, {2, 4}, {1, 4}, {22, 4}, {21, 4}, {7, 2},
    {11, 2}, {210, 1}, {6, 1}, {4, 1}, {5, 1}, {16, 2}, {17, 2}, {9, 1}, {13, 1}, {210, 2},
};
constexpr std::size_t kTemplateSetSize = 4 + 4 + 4 * std::size(kTemplateFields);

void V5Generator::add_totals(const V5Flow& f, std::uint32_t packets, std::uint32_t bytes) {
    totals_.records += 1;
    totals_.packets += packets;
    totals_.bytes += bytes;
    if (track_) {
        auto& t = per_flow_[f];
        t.records += 1;
        t.packets += packets;
        t.bytes += bytes;
    }
}

void V5Generator::next_sflow(std::vector<std::uint8_t>& out) {
    // Header: version, agent 192.0.2.1 (only a value in the payload), sub-agent 0, sequence,
    // uptime, samples. A sample: 0:1, length, then sequence, source id, rate 1, pool, drops,
    // input 1, output 2, one record: 0:1 raw header (Ethernet), frame length, 4 stripped, 54
    // bytes of header (padded to 56).
    constexpr std::size_t kHeader = 28;
    constexpr std::size_t kSampleBody = 32 + 8 + 16 + 56;
    out.assign(kHeader + per_datagram_ * (8 + kSampleBody), 0);
    std::uint8_t* h = out.data();
    put32(h, 5);
    put32(h + 4, 1);
    put32(h + 8, 0xC0000201U);
    put32(h + 12, 0);
    put32(h + 16, static_cast<std::uint32_t>(datagrams_));
    ++datagrams_;
    uptime_ms_ += 1000;
    put32(h + 20, uptime_ms_);
    put32(h + 24, per_datagram_);
    for (std::uint32_t i = 0; i < per_datagram_; ++i) {
        std::uint8_t* s = out.data() + kHeader + i * (8 + kSampleBody);
        const V5Flow f = flow(static_cast<std::uint32_t>(splitmix(state_) % distinct_));
        const auto frame = 64 + static_cast<std::uint32_t>(splitmix(state_) % 1437);
        put32(s, 1);
        put32(s + 4, static_cast<std::uint32_t>(kSampleBody));
        put32(s + 8, sequence_++);
        put32(s + 12, 1);      // source id
        put32(s + 16, 1);      // sampling rate
        put32(s + 20, sequence_);
        put32(s + 24, 0);      // drops
        put32(s + 28, 1);      // input
        put32(s + 32, 2);      // output
        put32(s + 36, 1);      // records
        std::uint8_t* r = s + 40;
        put32(r, 1);           // raw header
        put32(r + 4, 16 + 56);
        put32(r + 8, 1);       // Ethernet
        put32(r + 12, frame);
        put32(r + 16, 4);
        put32(r + 20, 54);
        std::uint8_t* e = r + 24;
        e[0] = 0x02;  // destination 02:00:00:00:00:02, source 02:00:00:00:00:01
        e[5] = 0x02;
        e[6] = 0x02;
        e[11] = 0x01;
        e[12] = 0x08;
        std::uint8_t* ip = e + 14;
        ip[0] = 0x45;
        put16(ip + 2, static_cast<std::uint16_t>(frame - 18));
        ip[8] = 64;
        ip[9] = f.proto;
        put32(ip + 12, f.src);
        put32(ip + 16, f.dst);
        std::uint8_t* l4 = ip + 20;
        put16(l4, f.src_port);
        put16(l4 + 2, f.dst_port);
        if (f.proto == 6) {
            l4[12] = 0x50;
            l4[13] = 0x18;
        }
        add_totals(f, 1, frame);
    }
}

void V5Generator::next(std::vector<std::uint8_t>& out) {
    if (version_ == kSflow) {
        next_sflow(out);
        return;
    }
    const std::uint32_t count = per_datagram_;
    const bool templated = version_ == 9 || version_ == 10;
    const bool with_template = templated && datagrams_ % 64 == 0;
    ++datagrams_;
    const std::size_t header = version_ == 9 ? 20 : version_ == 10 ? 16 : 24;
    const std::size_t records_at = header + (with_template ? kTemplateSetSize : 0) + (templated ? 4 : 0);
    out.assign(records_at + 48 * std::size_t{count}, 0);
    std::uint8_t* h = out.data();
    uptime_ms_ += 1000;
    const std::uint32_t now = unix_secs_ + (uptime_ms_ - 3600000U) / 1000U;
    if (version_ == 9) {
        put16(h, 9);
        put16(h + 2, static_cast<std::uint16_t>(count + (with_template ? 1 : 0)));
        put32(h + 4, uptime_ms_);
        put32(h + 8, now);
        put32(h + 12, static_cast<std::uint32_t>(datagrams_ - 1));
        put32(h + 16, 1);  // source id
    } else if (version_ == 10) {
        put16(h, 10);
        put16(h + 2, static_cast<std::uint16_t>(out.size()));
        put32(h + 4, now);
        put32(h + 8, sequence_);
        put32(h + 12, 1);  // observation domain
    } else {
        put16(h, 5);
        put16(h + 2, static_cast<std::uint16_t>(count));
        put32(h + 4, uptime_ms_);
        put32(h + 8, now);
        put32(h + 12, 0);
        put32(h + 16, sequence_);
        h[20] = 0;  // engine type
        h[21] = 1;  // engine id
        put16(h + 22, 0);
    }
    if (with_template) {
        std::uint8_t* t = out.data() + header;
        put16(t, version_ == 9 ? 0 : 2);
        put16(t + 2, static_cast<std::uint16_t>(kTemplateSetSize));
        put16(t + 4, 256);
        put16(t + 6, static_cast<std::uint16_t>(std::size(kTemplateFields)));
        for (std::size_t i = 0; i < std::size(kTemplateFields); ++i) {
            std::uint16_t type = kTemplateFields[i][0];
            if (version_ == 10 && (type == 22 || type == 21)) type = type == 22 ? 150 : 151;
            put16(t + 8 + 4 * i, type);
            put16(t + 10 + 4 * i, kTemplateFields[i][1]);
        }
    }
    if (templated) {
        std::uint8_t* d = out.data() + records_at - 4;
        put16(d, 256);
        put16(d + 2, static_cast<std::uint16_t>(4 + 48 * count));
    }
    sequence_ += count;
    for (std::uint32_t i = 0; i < count; ++i) {
        std::uint8_t* r = out.data() + records_at + 48 * std::size_t{i};
        const auto idx = static_cast<std::uint32_t>(splitmix(state_) % distinct_);
        const V5Flow f = flow(idx);
        const std::uint32_t packets = 1 + static_cast<std::uint32_t>(splitmix(state_) % 20);
        const std::uint32_t bytes = packets * (40 + static_cast<std::uint32_t>(splitmix(state_) % 1400));
        put32(r, f.src);
        put32(r + 4, f.dst);
        put32(r + 8, 0);             // next hop
        put16(r + 12, 1);            // input ifindex
        put16(r + 14, 2);            // output ifindex
        put32(r + 16, packets);
        put32(r + 20, bytes);
        if (version_ == 10) {
            put32(r + 24, now - 1);  // flowStartSeconds
            put32(r + 28, now);      // flowEndSeconds
        } else {
            put32(r + 24, uptime_ms_ - 500);  // first
            put32(r + 28, uptime_ms_ - 100);  // last
        }
        put16(r + 32, f.src_port);
        put16(r + 34, f.dst_port);
        r[37] = f.proto == 6 ? 0x18 : 0;  // tcp flags
        r[38] = f.proto;
        r[39] = 0;                          // tos
        put16(r + 40, 65001);
        put16(r + 42, 65002);
        r[44] = 24;
        r[45] = 24;
        add_totals(f, packets, bytes);
    }
}

namespace {

void udp_frame(const std::vector<std::uint8_t>& payload, std::uint32_t exporter, std::uint16_t port,
               std::vector<std::uint8_t>& frame) {
    frame.assign(14 + 20 + 8 + payload.size(), 0);
        std::uint8_t* eth = frame.data();
        eth[12] = 0x08;  // IPv4
        std::uint8_t* ip = eth + 14;
        ip[0] = 0x45;
        put16(ip + 2, static_cast<std::uint16_t>(20 + 8 + payload.size()));
        ip[8] = 64;
        ip[9] = 17;
        put32(ip + 12, exporter);
        put32(ip + 16, 0x7F000001U);
        std::uint8_t* udp = ip + 20;
        put16(udp, 40000);
        put16(udp + 2, port);
        put16(udp + 4, static_cast<std::uint16_t>(8 + payload.size()));
        std::memcpy(udp + 8, payload.data(), payload.size());
}

}  // namespace

bool write_v5_pcap(const std::string& path, V5Generator& gen, std::uint32_t datagrams,
                   std::uint32_t exporter, std::uint16_t port) {
    PcapWriter out(path);
    if (!out.ok()) return false;
    std::vector<std::uint8_t> payload;
    std::vector<std::uint8_t> frame;
    for (std::uint32_t i = 0; i < datagrams; ++i) {
        gen.next(payload);
        udp_frame(payload, exporter, port, frame);
        out.write(static_cast<std::time_t>(1700000000 + i), 0, frame);
    }
    return out.close();
}

bool write_udp_pcap(const std::string& path, const std::vector<std::vector<std::uint8_t>>& datagrams,
                    std::uint32_t exporter, std::uint16_t port, std::uint32_t time) {
    PcapWriter out(path);
    if (!out.ok()) return false;
    std::vector<std::uint8_t> frame;
    for (const auto& payload : datagrams) {
        udp_frame(payload, exporter, port, frame);
        out.write(static_cast<std::time_t>(time), 0, frame);
    }
    return out.close();
}

std::vector<std::uint8_t> v5_datagram(std::uint32_t unix_secs, std::uint32_t sys_uptime,
                                      const std::vector<HandMadeFlow>& flows) {
    std::vector<std::uint8_t> d(24 + 48 * flows.size(), 0);
    if (d.data() == nullptr) return d;  // never: tells the compiler so
    put16(d.data(), 5);
    put16(d.data() + 2, static_cast<std::uint16_t>(flows.size()));
    put32(d.data() + 4, sys_uptime);
    put32(d.data() + 8, unix_secs);
    put32(d.data() + 16, 1);  // flow_sequence
    for (std::size_t i = 0; i < flows.size(); ++i) {
        const HandMadeFlow& f = flows[i];
        std::uint8_t* r = d.data() + 24 + 48 * i;
        put32(r, f.src);
        put32(r + 4, 0x0A000001U);
        put32(r + 16, f.packets);
        put32(r + 20, f.bytes);
        put32(r + 24, static_cast<std::uint32_t>(sys_uptime + f.first_ms));
        put32(r + 28, static_cast<std::uint32_t>(sys_uptime + f.last_ms));
        put16(r + 32, 1000);
        put16(r + 34, 80);
        r[38] = 6;
    }
    return d;
}

std::vector<std::uint8_t> v9_datagram(std::uint32_t unix_secs, std::uint32_t sys_uptime,
                                      const std::vector<HandMadeFlow>& flows) {
    // Template 256: IPV4_SRC_ADDR, IN_BYTES, IN_PKTS, FIRST_SWITCHED, LAST_SWITCHED (4 bytes each).
    constexpr std::uint16_t kFields[] = {8, 1, 2, 22, 21};
    const std::size_t template_set = 4 + 4 + 4 * std::size(kFields);
    const std::size_t records = 20 * flows.size();
    const std::size_t data_set = 4 + records;  // 20-byte records keep the set 4-aligned
    std::vector<std::uint8_t> d(20 + template_set + data_set, 0);
    if (d.data() == nullptr) return d;  // never: tells the compiler so
    put16(d.data(), 9);
    put16(d.data() + 2, static_cast<std::uint16_t>(flows.size() + 1));
    put32(d.data() + 4, sys_uptime);
    put32(d.data() + 8, unix_secs);
    put32(d.data() + 12, 1);  // sequence
    std::uint8_t* t = d.data() + 20;
    put16(t, 0);
    put16(t + 2, static_cast<std::uint16_t>(template_set));
    put16(t + 4, 256);
    put16(t + 6, static_cast<std::uint16_t>(std::size(kFields)));
    for (std::size_t i = 0; i < std::size(kFields); ++i) {
        put16(t + 8 + 4 * i, kFields[i]);
        put16(t + 10 + 4 * i, 4);
    }
    std::uint8_t* s = t + template_set;
    put16(s, 256);
    put16(s + 2, static_cast<std::uint16_t>(data_set));
    for (std::size_t i = 0; i < flows.size(); ++i) {
        const HandMadeFlow& f = flows[i];
        std::uint8_t* r = s + 4 + 20 * i;
        put32(r, f.src);
        put32(r + 4, f.bytes);
        put32(r + 8, f.packets);
        put32(r + 12, static_cast<std::uint32_t>(sys_uptime + f.first_ms));
        put32(r + 16, static_cast<std::uint32_t>(sys_uptime + f.last_ms));
    }
    return d;
}

}  // namespace pmacct::testing
