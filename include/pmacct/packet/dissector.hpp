// The packet dissector: one captured frame (from libpcap, NFLOG, an sFlow sampled header or an
// IPFIX dataLinkFrameSection) read into the header fields primitives are made of. Link layers,
// VLAN tags, MPLS stacks, IPv4 and IPv6 (extension headers, fragments), the transport ports and
// flags, and, when asked, one level of tunnel: the outer headers fill `ip`, the tunnelled ones
// `inner` (the tunnel_* primitives).
//
// Every read is bounds-checked against the captured bytes: a frame cut short by the snap length
// keeps what was read before the cut and says where it stopped. Nothing is allocated.
//
//   packet::PacketInfo info;
//   packet::dissect(packet::LinkType::kEthernet, frame, options, info);
//   if (info.ip.version != 0) { ... info.ip.src, info.ip.src_port ... }
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "pmacct/record/flow_record.hpp"

namespace pmacct::packet {

enum class LinkType : std::uint8_t {
    kEthernet,    // DLT_EN10MB (and the Ethernet frames tunnels carry)
    kRawIp,       // DLT_RAW, LINKTYPE_RAW, DLT_IPV4, DLT_IPV6: the IP header first
    kNull,        // DLT_NULL: a 4-byte address family in the capturing host's byte order
    kLoop,        // DLT_LOOP: the same in network byte order
    kLinuxSll,    // DLT_LINUX_SLL ("any" interface, cooked v1)
    kLinuxSll2,   // DLT_LINUX_SLL2 (cooked v2, with the interface index)
    kPpp,         // DLT_PPP, DLT_PPP_SERIAL: optional address/control, then the protocol
    kCiscoHdlc,   // DLT_C_HDLC: address, control, an EtherType
    kIeee80211,   // DLT_IEEE802_11: 802.11 data frames with LLC/SNAP
    kRadiotap,    // DLT_IEEE802_11_RADIO: a radiotap header, then 802.11
};

// The link type of a libpcap DLT / LINKTYPE number; nullopt for the ones not read.
std::optional<LinkType> link_type_from_dlt(int dlt);
std::string_view link_type_name(LinkType t);

// Where dissection ended.
enum class Stop : std::uint8_t {
    kComplete,   // every header there was to read
    kTruncated,  // the capture ends inside a header (snap length)
    kMalformed,  // a header contradicts itself (IPv4 header length under 20, ...)
    kNotIp,      // the link layer carries something else (ARP, LLDP, a pseudowire, ...)
};

enum class TunnelKind : std::uint8_t { kNone, kGre, kNvgre, kIpInIp, kVxlan, kGtp };

// Which tunnels to open. Closed ones are accounted as what the outer header says (GRE, UDP). An
// open VXLAN, GRE, NVGRE or IP-in-IP tunnel fills `inner` and the outer headers stay what is
// accounted; an open GTP-U tunnel's content is accounted instead of it (accounted_layer).
struct Options {
    bool gre = false;           // GRE carrying IP, and NVGRE (GRE with Ethernet and a key)
    bool ip_in_ip = false;      // IPv4/IPv6 in IPv4/IPv6 (protocols 4 and 41, SRv6 decapsulation)
    std::uint16_t vxlan_port = 0;  // UDP destination port of VXLAN (4789); 0: closed
    std::uint16_t gtp_port = 0;    // UDP port of GTP-U (2152), either side; 0: closed

    // Every tunnel open, VXLAN and GTP-U on their IANA ports.
    static constexpr Options every_tunnel() { return {true, true, 4789, 2152}; }
    // What pmacctd, uacctd and sfacctd open unless tunnel_0 says otherwise: GTP-U is closed.
    static constexpr Options accounting() { return {true, true, 4789, 0}; }
};

// One IP header and the transport header after it.
struct IpLayer {
    std::uint8_t version = 0;  // 0 (no IP header read), 4 or 6
    IpAddress src;
    IpAddress dst;
    std::uint8_t proto = 0;    // the transport protocol, past any IPv6 extension headers
    std::uint8_t tos = 0;      // IPv4 ToS, IPv6 traffic class
    std::uint8_t ttl = 0;      // IPv4 TTL, IPv6 hop limit
    std::uint32_t flow_label = 0;
    std::uint32_t length = 0;  // the IP packet's length as its header gives it
    // Fragments (IPv4 flags/offset, IPv6 fragment header). Only an unfragmented packet or a first
    // fragment (offset 0) has transport fields.
    bool fragment = false;
    bool more_fragments = false;
    std::uint16_t fragment_offset = 0;  // in 8-byte units
    std::uint32_t fragment_id = 0;
    // Transport.
    bool has_ports = false;             // TCP, UDP, SCTP
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint8_t tcp_flags = 0;
    bool has_icmp = false;              // ICMP, ICMPv6
    std::uint8_t icmp_type = 0;
    std::uint8_t icmp_code = 0;
    // Offsets into the frame: the IP header, the transport header, what the transport carries
    // (0 when not reached).
    std::uint32_t l3_offset = 0;
    std::uint32_t l4_offset = 0;
    std::uint32_t payload_offset = 0;
};

struct PacketInfo {
    // Link layer.
    bool has_macs = false;
    MacAddress src_mac;
    MacAddress dst_mac;
    std::uint8_t vlan_count = 0;   // 802.1Q/802.1ad tags seen
    std::uint16_t vlan = 0;        // the outer tag's VLAN id
    std::uint16_t cvlan = 0;       // the second tag's (QinQ customer VLAN)
    std::uint8_t cos = 0;          // the outer tag's priority (802.1p)
    std::uint16_t etype = 0;       // the EtherType of what the link layer carries, past the tags
    std::uint32_t ifindex = 0;     // Linux cooked v2: the capturing interface
    std::uint8_t sll_packet_type = 0;  // Linux cooked: 0 to us, 4 sent by us, ...
    // MPLS: label values, top first.
    std::uint8_t mpls_depth = 0;
    std::array<std::uint32_t, 10> mpls_labels{};
    IpLayer ip;
    // The tunnel opened (Options), and what it carries.
    TunnelKind tunnel = TunnelKind::kNone;
    std::uint32_t tunnel_id = 0;   // VXLAN VNI, NVGRE VSID, GTP TEID, GRE key
    bool tunnel_has_macs = false;  // VXLAN, NVGRE: the inner Ethernet header
    MacAddress tunnel_src_mac;
    MacAddress tunnel_dst_mac;
    IpLayer inner;
    Stop stop = Stop::kComplete;
    // The malformation `stop` reports is in the tunnel (its header or what it carries): the outer
    // headers are whole and can be accounted without it.
    bool tunnel_malformed = false;
};

// The IP layer a packet is accounted by: what a GTP-U tunnel carries (tunnel_0: pmacct accounts
// the tunnelled traffic rather than the envelope), else the outer header.
inline const IpLayer& accounted_layer(const PacketInfo& info) {
    const bool gtp = info.tunnel == TunnelKind::kGtp && info.inner.version != 0 && !info.tunnel_malformed;
    return gtp ? info.inner : info.ip;
}

// Reads `frame` into `out` (reset first).
void dissect(LinkType link, std::span<const std::uint8_t> frame, const Options& options, PacketInfo& out);

}  // namespace pmacct::packet
