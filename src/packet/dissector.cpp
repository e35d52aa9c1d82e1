#include "pmacct/packet/dissector.hpp"

#include <algorithm>
#include <cstring>

namespace pmacct::packet {
namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86DD;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinq = 0x88A8;
constexpr std::uint16_t kEtherQinqOld = 0x9100;
constexpr std::uint16_t kEtherMpls = 0x8847;
constexpr std::uint16_t kEtherMplsMulticast = 0x8848;
constexpr std::uint16_t kEtherPppoe = 0x8864;
constexpr std::uint16_t kEtherBridging = 0x6558;  // transparent Ethernet bridging (NVGRE)

constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoIpv4 = 4;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIpv6 = 41;
constexpr std::uint8_t kProtoGre = 47;
constexpr std::uint8_t kProtoAh = 51;
constexpr std::uint8_t kProtoIcmpv6 = 58;
constexpr std::uint8_t kProtoSctp = 132;
constexpr std::uint8_t kProtoUdpLite = 136;

constexpr std::uint8_t kMaxVlanTags = 8;
constexpr std::uint8_t kMaxMplsEntries = 32;  // read past the ten kept, to find the payload
constexpr int kMaxExtensionHeaders = 16;

// IPv6 extension headers that carry a next-header byte and a length (AH counts differently;
// the fragment header is read on its own).
bool is_extension_header(std::uint8_t nh) {
    switch (nh) {
        case 0:    // hop-by-hop options
        case 43:   // routing
        case 44:   // fragment
        case 51:   // authentication header
        case 60:   // destination options
        case 135:  // mobility
        case 139:  // HIP
        case 140:  // shim6
            return true;
        default: return false;
    }
}

// One frame being read: every access goes through has().
class Walker {
public:
    Walker(std::span<const std::uint8_t> frame, const Options& options, PacketInfo& out)
        : p_(frame.data()), n_(frame.size()), options_(options), out_(out) {}

    void link(LinkType t) {
        switch (t) {
            case LinkType::kEthernet: ethernet(0, false); return;
            case LinkType::kRawIp: ip_by_nibble(0, out_.ip, true); return;
            case LinkType::kNull:
            case LinkType::kLoop: null_family(t == LinkType::kLoop); return;
            case LinkType::kLinuxSll: linux_sll(); return;
            case LinkType::kLinuxSll2: linux_sll2(); return;
            case LinkType::kPpp: ppp(0); return;
            case LinkType::kCiscoHdlc:
                if (!has(0, 4)) return stop(Stop::kTruncated);
                return ethertype(be16(2), 4);
            case LinkType::kIeee80211: ieee80211(0); return;
            case LinkType::kRadiotap:
                if (!has(0, 4)) return stop(Stop::kTruncated);
                return ieee80211(static_cast<std::size_t>(p_[2] | (p_[3] << 8)));
        }
    }

private:
    bool has(std::size_t at, std::size_t len) const { return at <= n_ && len <= n_ - at; }
    std::uint16_t be16(std::size_t at) const { return static_cast<std::uint16_t>((p_[at] << 8) | p_[at + 1]); }
    std::uint32_t be32(std::size_t at) const {
        return (std::uint32_t{p_[at]} << 24) | (std::uint32_t{p_[at + 1]} << 16) | (std::uint32_t{p_[at + 2]} << 8) |
               p_[at + 3];
    }
    void mac(std::size_t at, MacAddress& m) const { std::memcpy(m.bytes.data(), p_ + at, 6); }
    void stop(Stop s) {
        if (out_.stop == Stop::kComplete) out_.stop = s;
        if (s == Stop::kMalformed && in_tunnel_) out_.tunnel_malformed = true;
    }

    // Outer Ethernet (inner == false) or the Ethernet frame a VXLAN/NVGRE tunnel carries.
    void ethernet(std::size_t at, bool inner) {
        if (!has(at, 14)) return stop(Stop::kTruncated);
        if (inner) {
            out_.tunnel_has_macs = true;
            mac(at, out_.tunnel_dst_mac);
            mac(at + 6, out_.tunnel_src_mac);
        } else {
            out_.has_macs = true;
            mac(at, out_.dst_mac);
            mac(at + 6, out_.src_mac);
        }
        std::uint16_t type = be16(at + 12);
        at += 14;
        if (type < 0x0600) {
            // 802.3 with a length: only LLC/SNAP names what follows.
            if (!has(at, 8)) return stop(Stop::kTruncated);
            if (p_[at] != 0xAA || p_[at + 1] != 0xAA || p_[at + 2] != 0x03) return stop(Stop::kNotIp);
            type = be16(at + 6);
            at += 8;
        }
        if (inner) {
            // Tags of the tunnelled frame are skipped: the tunnel_* primitives have no VLAN.
            for (int i = 0; i < kMaxVlanTags && (type == kEtherVlan || type == kEtherQinq || type == kEtherQinqOld); ++i) {
                if (!has(at, 4)) return stop(Stop::kTruncated);
                type = be16(at + 2);
                at += 4;
            }
            if (type == kEtherIpv4 || type == kEtherIpv6) return ip(at, type == kEtherIpv4 ? 4 : 6, out_.inner, false);
            return;
        }
        ethertype(type, at);
    }

    // What an outer EtherType announces, at `at`.
    void ethertype(std::uint16_t type, std::size_t at) {
        while (type == kEtherVlan || type == kEtherQinq || type == kEtherQinqOld) {
            if (out_.vlan_count == kMaxVlanTags) return stop(Stop::kMalformed);
            if (!has(at, 4)) return stop(Stop::kTruncated);
            const std::uint16_t tci = be16(at);
            if (out_.vlan_count == 0) {
                out_.vlan = tci & 0x0FFF;
                out_.cos = static_cast<std::uint8_t>(tci >> 13);
            } else if (out_.vlan_count == 1) {
                out_.cvlan = tci & 0x0FFF;
            }
            ++out_.vlan_count;
            type = be16(at + 2);
            at += 4;
        }
        out_.etype = type;
        switch (type) {
            case kEtherIpv4: return ip(at, 4, out_.ip, true);
            case kEtherIpv6: return ip(at, 6, out_.ip, true);
            case kEtherMpls:
            case kEtherMplsMulticast: return mpls(at);
            case kEtherPppoe:
                // Session stage: version/type, code, session id, length, then PPP's protocol.
                if (!has(at, 6)) return stop(Stop::kTruncated);
                return ppp_protocol(at + 6);
            default: return stop(Stop::kNotIp);
        }
    }

    void mpls(std::size_t at) {
        for (int i = 0; i < kMaxMplsEntries; ++i) {
            if (!has(at, 4)) return stop(Stop::kTruncated);
            const std::uint32_t entry = be32(at);
            if (out_.mpls_depth < out_.mpls_labels.size()) out_.mpls_labels[out_.mpls_depth++] = entry >> 12;
            at += 4;
            if ((entry & 0x100U) != 0) {
                // No protocol field: the first nibble tells IPv4 from IPv6 (a pseudowire's
                // control word starts with 0).
                return ip_by_nibble(at, out_.ip, true);
            }
        }
        stop(Stop::kMalformed);  // no bottom of stack
    }

    void ip_by_nibble(std::size_t at, IpLayer& layer, bool outer) {
        if (!has(at, 1)) return stop(Stop::kTruncated);
        const int version = p_[at] >> 4;
        if (version != 4 && version != 6) return stop(Stop::kNotIp);
        ip(at, version, layer, outer);
    }

    void null_family(bool network_order) {
        if (!has(0, 4)) return stop(Stop::kTruncated);
        const std::uint32_t be = be32(0);
        const std::uint32_t le = __builtin_bswap32(be);
        const std::uint32_t family = network_order ? be : (le < 256 ? le : be);
        switch (family) {
            case 2: return ip(4, 4, out_.ip, true);
            case 10:  // Linux
            case 24:  // NetBSD, OpenBSD
            case 28:  // FreeBSD
            case 30:  // Darwin
                return ip(4, 6, out_.ip, true);
            default: return stop(Stop::kNotIp);
        }
    }

    void linux_sll() {
        if (!has(0, 16)) return stop(Stop::kTruncated);
        out_.sll_packet_type = static_cast<std::uint8_t>(be16(0));
        if (be16(2) == 1 && be16(4) == 6) {  // ARPHRD_ETHER: the sender's address
            out_.has_macs = true;
            mac(6, out_.src_mac);
        }
        ethertype(be16(14), 16);
    }

    void linux_sll2() {
        if (!has(0, 20)) return stop(Stop::kTruncated);
        out_.ifindex = be32(4);
        out_.sll_packet_type = p_[10];
        if (be16(8) == 1 && p_[11] == 6) {
            out_.has_macs = true;
            mac(12, out_.src_mac);
        }
        ethertype(be16(0), 20);
    }

    void ppp(std::size_t at) {
        if (!has(at, 2)) return stop(Stop::kTruncated);
        if (p_[at] == 0xFF && p_[at + 1] == 0x03) at += 2;  // HDLC-like framing
        ppp_protocol(at);
    }

    void ppp_protocol(std::size_t at) {
        if (!has(at, 1)) return stop(Stop::kTruncated);
        std::uint16_t proto = p_[at];
        if ((proto & 1U) == 0) {  // a two-byte protocol field (the one-byte form is odd)
            if (!has(at, 2)) return stop(Stop::kTruncated);
            proto = be16(at);
            ++at;
        }
        ++at;
        switch (proto) {
            case 0x0021: out_.etype = kEtherIpv4; return ip(at, 4, out_.ip, true);
            case 0x0057: out_.etype = kEtherIpv6; return ip(at, 6, out_.ip, true);
            case 0x0281: out_.etype = kEtherMpls; return mpls(at);
            default: return stop(Stop::kNotIp);
        }
    }

    void ieee80211(std::size_t at) {
        if (!has(at, 24)) return stop(Stop::kTruncated);
        const unsigned fc = static_cast<unsigned>(p_[at] | (p_[at + 1] << 8));
        const unsigned type = (fc >> 2) & 3U;
        const unsigned subtype = (fc >> 4) & 0xFU;
        // Data frames with a body, not encrypted.
        if (type != 2 || (subtype & 4U) != 0 || (fc & 0x4000U) != 0) return stop(Stop::kNotIp);
        const bool to_ds = (fc & 0x0100U) != 0;
        const bool from_ds = (fc & 0x0200U) != 0;
        std::size_t header = 24;
        if (to_ds && from_ds) header += 6;
        if ((subtype & 8U) != 0) {
            header += 2;                            // QoS control
            if ((fc & 0x8000U) != 0) header += 4;   // HT control
        }
        if (!has(at, header)) return stop(Stop::kTruncated);
        // Address 1 is the receiver, 2 the transmitter; the distribution system bits say which
        // of them (or 3, 4) are the frame's destination and source.
        const std::size_t da = to_ds ? at + 16 : at + 4;
        const std::size_t sa = from_ds ? (to_ds ? at + 24 : at + 16) : at + 10;
        out_.has_macs = true;
        mac(da, out_.dst_mac);
        mac(sa, out_.src_mac);
        at += header;
        if (!has(at, 8)) return stop(Stop::kTruncated);
        if (p_[at] != 0xAA || p_[at + 1] != 0xAA || p_[at + 2] != 0x03) return stop(Stop::kNotIp);
        ethertype(be16(at + 6), at + 8);
    }

    // An IPv4 or IPv6 header at `at` into `layer`; the outer one may open a tunnel.
    void ip(std::size_t at, int version, IpLayer& layer, bool outer) {
        if (!has(at, 1)) return stop(Stop::kTruncated);
        layer.l3_offset = static_cast<std::uint32_t>(at);
        std::size_t l4 = 0;
        std::size_t end = n_;
        if (version == 4) {
            if (!has(at, 20)) return stop(Stop::kTruncated);
            if ((p_[at] >> 4) != 4) return stop(Stop::kMalformed);
            layer.version = 4;
            const std::size_t ihl = std::size_t{p_[at] & 0x0FU} * 4;
            layer.tos = p_[at + 1];
            layer.length = be16(at + 2);
            layer.fragment_id = be16(at + 4);
            const std::uint16_t flags = be16(at + 6);
            layer.ttl = p_[at + 8];
            layer.proto = p_[at + 9];
            layer.src.set_v4(p_ + at + 12);
            layer.dst.set_v4(p_ + at + 16);
            layer.more_fragments = (flags & 0x2000U) != 0;
            layer.fragment_offset = flags & 0x1FFFU;
            layer.fragment = layer.more_fragments || layer.fragment_offset != 0;
            if (ihl < 20) return stop(Stop::kMalformed);
            if (!has(at, ihl)) return stop(Stop::kTruncated);
            // A zero total length (segmentation offload) leaves the capture's end as the end.
            if (layer.length != 0) {
                if (layer.length < ihl) return stop(Stop::kMalformed);
                end = std::min(n_, at + layer.length);
            }
            if (layer.fragment_offset != 0) return;  // no transport header in this fragment
            l4 = at + ihl;
        } else {
            if (!has(at, 40)) return stop(Stop::kTruncated);
            if ((p_[at] >> 4) != 6) return stop(Stop::kMalformed);
            layer.version = 6;
            const std::uint32_t first = be32(at);
            layer.tos = static_cast<std::uint8_t>(first >> 20);
            layer.flow_label = first & 0xFFFFFU;
            const std::uint16_t payload = be16(at + 4);
            std::uint8_t next = p_[at + 6];
            layer.ttl = p_[at + 7];
            layer.src.set_v6(p_ + at + 8);
            layer.dst.set_v6(p_ + at + 24);
            // A zero payload length (jumbogram, offload): the capture's end.
            layer.length = payload != 0 ? payload + 40U : static_cast<std::uint32_t>(n_ - at);
            if (payload != 0) end = std::min(n_, at + 40 + payload);
            std::size_t cur = at + 40;
            for (int i = 0; i < kMaxExtensionHeaders && is_extension_header(next); ++i) {
                if (!has(cur, 8)) {
                    layer.proto = next;
                    return stop(Stop::kTruncated);
                }
                if (next == 44) {
                    const std::uint16_t off = be16(cur + 2);
                    layer.fragment = true;
                    layer.fragment_offset = static_cast<std::uint16_t>(off >> 3);
                    layer.more_fragments = (off & 1U) != 0;
                    layer.fragment_id = be32(cur + 4);
                    next = p_[cur];
                    cur += 8;
                    if (layer.fragment_offset != 0) {
                        layer.proto = next;
                        return;
                    }
                    continue;
                }
                const std::size_t len = next == kProtoAh ? (std::size_t{p_[cur + 1]} + 2) * 4
                                                         : (std::size_t{p_[cur + 1]} + 1) * 8;
                next = p_[cur];
                cur += len;
            }
            layer.proto = next;
            if (cur > end) return stop(Stop::kTruncated);
            l4 = cur;
        }
        transport(l4, end, layer, outer);
    }

    void transport(std::size_t at, std::size_t end, IpLayer& layer, bool outer) {
        layer.l4_offset = static_cast<std::uint32_t>(at);
        const auto fits = [&](std::size_t len) { return at <= end && len <= end - at; };
        switch (layer.proto) {
            case kProtoTcp:
                if (!fits(4)) return stop(Stop::kTruncated);
                layer.has_ports = true;
                layer.src_port = be16(at);
                layer.dst_port = be16(at + 2);
                if (!fits(20)) return stop(Stop::kTruncated);
                layer.tcp_flags = p_[at + 13];
                if (const std::size_t header = static_cast<std::size_t>(p_[at + 12] >> 4) * 4; fits(header)) {
                    layer.payload_offset = static_cast<std::uint32_t>(at + header);
                }
                return;
            case kProtoUdp:
            case kProtoUdpLite:
            case kProtoSctp: {
                if (!fits(4)) return stop(Stop::kTruncated);
                layer.has_ports = true;
                layer.src_port = be16(at);
                layer.dst_port = be16(at + 2);
                const std::size_t header = layer.proto == kProtoSctp ? 12 : 8;
                if (!fits(header)) return stop(Stop::kTruncated);
                layer.payload_offset = static_cast<std::uint32_t>(at + header);
                if (outer && layer.proto == kProtoUdp) {
                    in_tunnel_ = true;
                    udp_tunnel(at + 8, end, layer);
                }
                return;
            }
            case kProtoIcmp:
            case kProtoIcmpv6:
                if (!fits(2)) return stop(Stop::kTruncated);
                layer.has_icmp = true;
                layer.icmp_type = p_[at];
                layer.icmp_code = p_[at + 1];
                layer.payload_offset = static_cast<std::uint32_t>(at);
                return;
            case kProtoIpv4:
            case kProtoIpv6:
                layer.payload_offset = static_cast<std::uint32_t>(at);
                if (outer && options_.ip_in_ip) {
                    in_tunnel_ = true;
                    out_.tunnel = TunnelKind::kIpInIp;
                    ip(at, layer.proto == kProtoIpv4 ? 4 : 6, out_.inner, false);
                }
                return;
            case kProtoGre:
                layer.payload_offset = static_cast<std::uint32_t>(at);
                if (outer && options_.gre) {
                    in_tunnel_ = true;
                    gre(at, end);
                }
                return;
            default: layer.payload_offset = static_cast<std::uint32_t>(at); return;
        }
    }

    void gre(std::size_t at, std::size_t end) {
        if (!has(at, 4) || at + 4 > end) return stop(Stop::kTruncated);
        const std::uint16_t flags = be16(at);
        const std::uint16_t type = be16(at + 2);
        // Version 0 only (version 1 is PPTP's), no source routing.
        if ((flags & 0x0007U) != 0 || (flags & 0x4000U) != 0) return;
        std::size_t header = 4;
        if ((flags & 0x8000U) != 0) header += 4;  // checksum
        const bool keyed = (flags & 0x2000U) != 0;
        if (!has(at, header + (keyed ? 4 : 0))) return stop(Stop::kTruncated);
        std::uint32_t key = 0;
        if (keyed) {
            key = be32(at + header);
            header += 4;
        }
        if ((flags & 0x1000U) != 0) header += 4;  // sequence number
        if (!has(at, header)) return stop(Stop::kTruncated);
        at += header;
        if (type == kEtherIpv4 || type == kEtherIpv6) {
            out_.tunnel = TunnelKind::kGre;
            out_.tunnel_id = key;
            ip(at, type == kEtherIpv4 ? 4 : 6, out_.inner, false);
        } else if (type == kEtherBridging && keyed) {
            out_.tunnel = TunnelKind::kNvgre;
            out_.tunnel_id = key >> 8;
            ethernet(at, true);
        }
    }

    void udp_tunnel(std::size_t at, std::size_t end, IpLayer& layer) {
        if (options_.vxlan_port != 0 && layer.dst_port == options_.vxlan_port) {
            if (!has(at, 8) || at + 8 > end) return stop(Stop::kTruncated);
            if ((p_[at] & 0x08U) == 0) return;  // no VNI
            out_.tunnel = TunnelKind::kVxlan;
            out_.tunnel_id = be32(at + 4) >> 8;
            return ethernet(at + 8, true);
        }
        if (options_.gtp_port != 0 && (layer.dst_port == options_.gtp_port || layer.src_port == options_.gtp_port)) {
            if (!has(at, 8)) return stop(Stop::kTruncated);
            const std::uint8_t flags = p_[at];
            // GTPv1, GTP (not GTP'), a G-PDU: user data.
            if ((flags >> 5) != 1 || (flags & 0x10U) == 0 || p_[at + 1] != 0xFF) return;
            const std::uint32_t teid = be32(at + 4);
            std::size_t header = 8;
            if ((flags & 0x07U) != 0) {
                // Sequence number, N-PDU number, next extension header type.
                if (!has(at, 12)) return stop(Stop::kTruncated);
                std::uint8_t next = (flags & 0x04U) != 0 ? p_[at + 11] : 0;
                header = 12;
                while (next != 0) {
                    if (!has(at + header, 1)) return stop(Stop::kTruncated);
                    const std::size_t len = std::size_t{p_[at + header]} * 4;
                    if (len == 0) return stop(Stop::kMalformed);
                    if (!has(at + header, len)) return stop(Stop::kTruncated);
                    next = p_[at + header + len - 1];
                    header += len;
                }
            }
            out_.tunnel = TunnelKind::kGtp;
            out_.tunnel_id = teid;
            ip_by_nibble(at + header, out_.inner, false);
        }
    }

    const std::uint8_t* p_;
    std::size_t n_;
    const Options& options_;
    PacketInfo& out_;
    bool in_tunnel_ = false;  // reading a tunnel's headers or what it carries
};

}  // namespace

std::optional<LinkType> link_type_from_dlt(int dlt) {
    switch (dlt) {
        case 0: return LinkType::kNull;
        case 1: return LinkType::kEthernet;
        case 9:    // DLT_PPP
        case 50:   // DLT_PPP_SERIAL
            return LinkType::kPpp;
        case 12:   // DLT_RAW (most systems)
        case 14:   // DLT_RAW (OpenBSD)
        case 101:  // LINKTYPE_RAW
        case 228:  // DLT_IPV4
        case 229:  // DLT_IPV6
            return LinkType::kRawIp;
        case 104: return LinkType::kCiscoHdlc;
        case 105: return LinkType::kIeee80211;
        case 108: return LinkType::kLoop;
        case 113: return LinkType::kLinuxSll;
        case 127: return LinkType::kRadiotap;
        case 276: return LinkType::kLinuxSll2;
        default: return std::nullopt;
    }
}

std::string_view link_type_name(LinkType t) {
    switch (t) {
        case LinkType::kEthernet: return "Ethernet";
        case LinkType::kRawIp: return "raw IP";
        case LinkType::kNull: return "null";
        case LinkType::kLoop: return "loop";
        case LinkType::kLinuxSll: return "Linux cooked v1";
        case LinkType::kLinuxSll2: return "Linux cooked v2";
        case LinkType::kPpp: return "PPP";
        case LinkType::kCiscoHdlc: return "Cisco HDLC";
        case LinkType::kIeee80211: return "802.11";
        case LinkType::kRadiotap: return "802.11 radiotap";
    }
    return "unknown";
}

void dissect(LinkType link, std::span<const std::uint8_t> frame, const Options& options, PacketInfo& out) {
    out = PacketInfo{};
    Walker(frame, options, out).link(link);
}

}  // namespace pmacct::packet
