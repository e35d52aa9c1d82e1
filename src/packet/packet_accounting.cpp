#include "pmacct/packet/packet_accounting.hpp"

#include <algorithm>

#include "pmacct/base/hash.hpp"

namespace pmacct::packet {
namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86DD;
// Slots probed for a datagram before the table counts as full.
constexpr std::size_t kProbes = 16;
// Bytes a slot stands for in pmacctd_frag_buffer_size (pmacct's fragment entries are of this
// order).
constexpr std::uint64_t kBytesPerSlot = 64;

std::uint64_t hash_of(const IpLayer& ip) {
    std::uint64_t h = hash_combine(ip.fragment_id, ip.proto);
    for (std::size_t i = 0; i < 16; i += 4) {
        const auto word = [&](const IpAddress& a) {
            return (std::uint64_t{a.bytes[i]} << 24) | (std::uint64_t{a.bytes[i + 1]} << 16) |
                   (std::uint64_t{a.bytes[i + 2]} << 8) | a.bytes[i + 3];
        };
        h = hash_combine(h, (word(ip.src) << 32) | word(ip.dst));
    }
    return h;
}

}  // namespace

FragmentTable::FragmentTable(std::size_t capacity, std::int64_t lifetime)
    : slots_(std::max<std::size_t>(capacity, kProbes)), lifetime_(lifetime) {}

std::size_t FragmentTable::capacity_for(std::uint64_t buffer_bytes) {
    return static_cast<std::size_t>(std::max<std::uint64_t>(buffer_bytes / kBytesPerSlot, kProbes));
}

FragmentTable::Slot* FragmentTable::find(const IpLayer& ip, std::int64_t now) {
    const std::size_t start = static_cast<std::size_t>(hash_of(ip) % slots_.size());
    Slot* free = nullptr;
    for (std::size_t i = 0; i < kProbes; ++i) {
        Slot& s = slots_[(start + i) % slots_.size()];
        const bool live = s.used && s.expires > now;
        if (!live) {
            if (free == nullptr) free = &s;
            continue;
        }
        if (s.id == ip.fragment_id && s.proto == ip.proto && s.src == ip.src && s.dst == ip.dst) return &s;
    }
    if (free == nullptr) return nullptr;
    *free = Slot{};
    free->src = ip.src;
    free->dst = ip.dst;
    free->id = ip.fragment_id;
    free->proto = ip.proto;
    free->used = true;
    free->expires = now + lifetime_;
    return free;
}

FragmentTable::Verdict FragmentTable::first(const IpLayer& ip, std::int64_t now, std::uint64_t& held_bytes,
                                            std::uint64_t& held_packets) {
    held_bytes = held_packets = 0;
    Slot* s = find(ip, now);
    if (s == nullptr) return Verdict::kAccount;  // accounted all the same: it has its ports
    if (!s->first_seen) {
        held_bytes = s->held_bytes;
        held_packets = s->held_packets;
        s->held_bytes = s->held_packets = 0;
    }
    s->first_seen = true;
    s->src_port = ip.src_port;
    s->dst_port = ip.dst_port;
    return Verdict::kAccount;
}

FragmentTable::Verdict FragmentTable::later(const IpLayer& ip, std::int64_t now, std::uint64_t bytes,
                                            std::uint16_t& src_port, std::uint16_t& dst_port) {
    Slot* s = find(ip, now);
    if (s == nullptr) return Verdict::kFull;
    if (!s->first_seen) {
        s->held_bytes += bytes;
        ++s->held_packets;
        return Verdict::kHold;
    }
    src_port = s->src_port;
    dst_port = s->dst_port;
    return Verdict::kAccount;
}

void copy_dissection(const PacketInfo& info, FlowRecord& out) {
    const IpLayer& ip = accounted_layer(info);
    if (info.has_macs) {
        out.src_mac = info.src_mac;
        out.dst_mac = info.dst_mac;
    }
    out.vlan = info.vlan;
    out.cos = info.cos;
    out.in_cvlan = info.cvlan;
    out.type = ip.version == 6 ? FlowType::kIpv6 : FlowType::kIpv4;
    out.src_ip = ip.src;
    out.dst_ip = ip.dst;
    out.proto = ip.proto;
    out.tos = ip.tos;
    out.flow_label = ip.flow_label;
    out.src_port = ip.src_port;
    out.dst_port = ip.dst_port;
    out.icmp_type_code = ip.has_icmp ? static_cast<std::uint16_t>(ip.icmp_type << 8 | ip.icmp_code) : 0;
    out.tcp_flags = ip.tcp_flags;
    out.mpls_stack_depth = info.mpls_depth;
    if (info.mpls_depth > 0) {
        out.mpls_labels = info.mpls_labels;
        out.mpls_label_top = info.mpls_labels[0];
        out.mpls_label_bottom = info.mpls_labels[std::min<std::size_t>(info.mpls_depth, 10) - 1];
    }
    // A tunnel whose content is broken is accounted as its envelope alone.
    if (info.tunnel == TunnelKind::kNone || info.tunnel == TunnelKind::kGtp || info.tunnel_malformed) return;
    if (info.tunnel == TunnelKind::kVxlan) out.vxlan = info.tunnel_id;
    if (info.tunnel == TunnelKind::kNvgre) out.nvgre = info.tunnel_id;
    if (info.tunnel_has_macs) {
        out.tunnel_src_mac = info.tunnel_src_mac;
        out.tunnel_dst_mac = info.tunnel_dst_mac;
    }
    const IpLayer& in = info.inner;
    if (in.version == 0) return;
    out.tunnel_src_ip = in.src;
    out.tunnel_dst_ip = in.dst;
    out.tunnel_proto = in.proto;
    out.tunnel_tos = in.tos;
    out.tunnel_flow_label = in.flow_label;
    out.tunnel_src_port = in.src_port;
    out.tunnel_dst_port = in.dst_port;
    out.tunnel_tcp_flags = in.tcp_flags;
}

bool PacketAccountant::account(LinkType link, std::span<const std::uint8_t> frame, Timestamp ts, FlowRecord& out) {
    ++counters_.frames;
    dissect(link, frame, options_, info_);
    if (info_.ip.version == 0) {
        if (info_.stop == Stop::kNotIp) {
            ++counters_.not_ip;
        } else {
            ++counters_.malformed;
        }
        return false;
    }
    if (info_.stop == Stop::kMalformed && !info_.tunnel_malformed) {
        ++counters_.malformed;
        return false;
    }
    const IpLayer& ip = accounted_layer(info_);
    out = FlowRecord{};
    // What the IP header says; a zero IPv4 length (segmentation offload): what was captured.
    out.bytes = ip.length != 0 ? ip.length : frame.size() - ip.l3_offset;
    out.packets = 1;
    copy_dissection(info_, out);
    // pmacct's etype is the network protocol's, past VLAN tags and MPLS labels.
    out.etype = ip.version == 4 ? kEtherIpv4 : kEtherIpv6;
    out.time_start = ts;
    out.time_arrival = ts;
    if (ip.fragment && handle_fragments_) {
        if (ip.fragment_offset == 0) {
            std::uint64_t bytes = 0, packets = 0;
            (void)fragments_.first(ip, ts.sec, bytes, packets);
            out.bytes += bytes;
            out.packets += packets;
        } else {
            switch (fragments_.later(ip, ts.sec, out.bytes, out.src_port, out.dst_port)) {
                case FragmentTable::Verdict::kAccount: break;
                case FragmentTable::Verdict::kHold: ++counters_.held; return false;
                case FragmentTable::Verdict::kFull: ++counters_.frag_dropped; return false;
            }
        }
    }
    ++counters_.accounted;
    return true;
}

}  // namespace pmacct::packet
