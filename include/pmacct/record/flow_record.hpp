// FlowRecord: what a decoder produces for one flow (NetFlow/IPFIX record, sFlow sample, or a
// packet): every field a primitive can take, plus counters and timestamps. Decoders fill what
// they saw and leave the rest zero. Plain data: no allocation, trivially copyable.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace pmacct {

struct IpAddress {
    std::uint8_t family = 0;  // 0 (none), 4 or 6
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes, network order

    static IpAddress v4(std::uint32_t host_order) {
        IpAddress a;
        a.family = 4;
        a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
        a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
        a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
        a.bytes[3] = static_cast<std::uint8_t>(host_order);
        return a;
    }
    static IpAddress v4_bytes(const std::uint8_t* network_order);
    static IpAddress v6_bytes(const std::uint8_t* network_order);
    // The same in place (decoders: no temporary to copy from).
    void set_v4(const std::uint8_t* network_order) {
        family = 4;
        std::memcpy(bytes.data(), network_order, 4);
        std::memset(bytes.data() + 4, 0, 12);
    }
    void set_v6(const std::uint8_t* network_order) {
        family = 6;
        std::memcpy(bytes.data(), network_order, 16);
    }
    // ::ffff:a.b.c.d
    void set_v4_mapped(const std::uint8_t* network_order) {
        family = 6;
        std::memset(bytes.data(), 0, 10);
        bytes[10] = 0xFF;
        bytes[11] = 0xFF;
        std::memcpy(bytes.data() + 12, network_order, 4);
    }
    // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes plain IPv4.
    IpAddress unmapped() const;
    // Keeps the first `bits` bits, zeroes the rest.
    IpAddress masked(unsigned bits) const;

    bool empty() const { return family == 0; }
    // "192.0.2.1", "2001:db8::1"; "" when empty.
    std::string to_string() const;
    static bool parse(std::string_view text, IpAddress& out);

    friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct MacAddress {
    std::array<std::uint8_t, 6> bytes{};
    std::string to_string() const;  // "00:11:22:33:44:55"
    friend bool operator==(const MacAddress&, const MacAddress&) = default;
};

// Route distinguisher origins and the extra type for a VRF id (key byte 0 and 1 of mpls_vpn_rd).
inline constexpr std::uint8_t kRdOriginFlow = 3;
inline constexpr std::uint8_t kRdOriginMap = 4;
inline constexpr std::uint8_t kRdTypeVrfId = 0x10;

struct Timestamp {
    std::int64_t sec = 0;
    std::uint32_t usec = 0;
    bool empty() const { return sec == 0 && usec == 0; }
    // Unix microseconds.
    static Timestamp from_us(std::uint64_t us) {
        return Timestamp{static_cast<std::int64_t>(us / 1000000ULL), static_cast<std::uint32_t>(us % 1000000ULL)};
    }
    friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

// The bytes of an element a custom primitive (aggregate_primitives) reads, as the record had it.
struct CustomValue {
    const std::uint8_t* data = nullptr;
    std::uint16_t length = 0;
};

// What kind of record it is (pmacct's flow types); events and options carry no counters.
enum class FlowType : std::uint8_t { kIpv4, kIpv6, kMpls, kEvent, kOption };

// FlowRecord::template_traits bits.
inline constexpr std::uint8_t kTemplateBiFlow = 1U << 0;  // initiator and responder octets (231, 232)
inline constexpr std::uint8_t kTemplateNsel = 1U << 1;    // Cisco NSEL: firewallEvent (233) or 40005
inline constexpr std::uint8_t kTemplateNel = 1U << 2;     // NAT event logging: natEvent (230)

struct FlowRecord {
    // Counters (after renormalisation, if any).
    std::uint64_t bytes = 0;
    std::uint64_t packets = 0;
    std::uint64_t flows = 0;

    // Exporter and export protocol.
    IpAddress peer_src_ip;            // the exporter (NetFlow source address, sFlow agent)
    std::uint32_t export_proto_seqno = 0;
    std::uint8_t export_proto_version = 0;
    std::uint32_t export_proto_sysid = 0;  // NetFlow v5 engine_id, IPFIX observation domain
    std::uint8_t engine_type = 0;          // NetFlow v5 engine_type
    std::uint32_t sampling_rate = 0;       // 0: not sampled / unknown
    std::uint8_t sampling_direction = 0;
    std::uint8_t capture_direction = 0;    // pmacctd/uacctd pcap_direction: 0 unset, 1 in, 2 out
    // NetFlow v9/IPFIX: the data set (template) id the record came in, and what its template
    // says of it (kTemplateBiFlow, ...).
    std::uint16_t flowset_id = 0;
    std::uint8_t template_traits = 0;
    // sFlow: the sample's type as on the wire (enterprise << 12 | format; v2/v4: 1).
    std::uint32_t sflow_sample_type = 0;

    // L2
    MacAddress src_mac;
    MacAddress dst_mac;
    std::uint16_t vlan = 0;
    std::uint16_t in_vlan = 0;
    std::uint16_t out_vlan = 0;
    std::uint8_t cos = 0;
    std::uint16_t etype = 0;

    // L3 / L4
    IpAddress src_ip;
    IpAddress dst_ip;
    std::uint8_t src_mask = 0;
    std::uint8_t dst_mask = 0;
    std::uint8_t proto = 0;
    std::uint8_t tos = 0;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t icmp_type_code = 0;  // ICMP/ICMPv6 type << 8 | code (pmacctd, uacctd; for nfprobe)
    std::uint8_t tcp_flags = 0;
    std::uint32_t flow_label = 0;

    // Routing
    std::uint32_t src_as = 0;
    std::uint32_t dst_as = 0;
    std::uint32_t peer_src_as = 0;
    std::uint32_t peer_dst_as = 0;
    // BGP attributes an exporter states (sFlow's gateway record): views into the decoder's
    // buffers, valid while the record is being handed over; "_"-separated as pmacct prints them.
    std::string_view as_path;
    std::string_view std_comm;
    std::uint32_t local_pref = 0;
    // Of the source address (bgp_src_local_pref_map, bgp_src_med_map).
    std::uint32_t src_local_pref = 0;
    std::uint32_t src_med = 0;
    IpAddress ip_next_hop;   // the IP next hop the exporter reports
    IpAddress bgp_next_hop;  // peer_dst_ip
    std::uint32_t in_iface = 0;
    std::uint32_t out_iface = 0;

    // MPLS and VPNs
    std::uint32_t mpls_label_top = 0;
    std::uint32_t mpls_label_bottom = 0;
    std::uint8_t mpls_stack_depth = 0;
    std::array<std::uint32_t, 10> mpls_labels{};  // the stack, top first: mpls_stack_depth of them
    // Route distinguisher as key bytes: origin, type, then the 6 value bytes of the wire form
    // (type kRdTypeVrfId: a VRF id in bytes 2..5, shown "vrfid:N").
    std::array<std::uint8_t, 8> mpls_vpn_rd{};
    std::uint32_t mpls_pw_id = 0;
    std::uint32_t mpls_vpn_id_in = 0;   // ingressVRFID (234)
    std::uint32_t mpls_vpn_id_out = 0;  // egressVRFID (235)

    // NAT, firewall, forwarding
    IpAddress post_nat_src_ip;
    IpAddress post_nat_dst_ip;
    std::uint16_t post_nat_src_port = 0;
    std::uint16_t post_nat_dst_port = 0;
    std::uint8_t nat_event = 0;
    std::uint8_t fw_event = 0;
    std::uint8_t fwd_status = 0;

    // Customer VLANs and tunnels
    std::uint16_t in_cvlan = 0;
    std::uint16_t out_cvlan = 0;
    std::uint32_t vxlan = 0;  // VXLAN network identifier
    std::uint32_t nvgre = 0;  // NVGRE virtual subnet id
    // What a tunnel carries (VXLAN, GRE, NVGRE, IP-in-IP), for the tunnel_* primitives; the
    // fields above are the outer headers'.
    MacAddress tunnel_src_mac;
    MacAddress tunnel_dst_mac;
    IpAddress tunnel_src_ip;
    IpAddress tunnel_dst_ip;
    std::uint8_t tunnel_proto = 0;
    std::uint8_t tunnel_tos = 0;
    std::uint8_t tunnel_tcp_flags = 0;
    std::uint16_t tunnel_src_port = 0;
    std::uint16_t tunnel_dst_port = 0;
    std::uint32_t tunnel_flow_label = 0;

    // Names the exporter sent in options data; views into the decoder's tables, valid while the
    // record is being handed over (copy the text to keep it).
    std::string_view class_name;
    std::string_view in_iface_name;
    std::string_view out_iface_name;
    std::string_view vrf_name;          // of the VRF mpls_vpn_rd was taken from
    std::string_view ingress_vrf_name;
    std::string_view egress_vrf_name;
    // Custom primitives' elements, indexed like the installed custom primitives; nullptr when
    // none are configured. Owned by the decoder, valid while the record is handed over.
    const CustomValue* custom = nullptr;

    // Time
    Timestamp time_start;    // flow start, as the timestamp_start primitive shows it
    Timestamp time_bin;      // the time that decides the time-bin; empty: time_start
    Timestamp time_bin_end;  // the end time that goes with time_bin (stitching's timestamp_max);
                             // empty: time_end
    Timestamp time_end;
    Timestamp time_arrival;  // when the collector received it
    Timestamp time_export;   // export time stamped by the exporter

    // Tagging (pre_tag_map). `label` is a view into the map evaluator's buffer, valid while the
    // record is being handed over.
    std::uint64_t tag = 0;
    std::uint64_t tag2 = 0;
    std::string_view label;
    // Tags the exporter attached (pmacct's sfprobe sends its tag and tag2 in an sFlow record):
    // a record's tags unless a pre_tag_map sets them.
    std::uint64_t exporter_tag = 0;
    std::uint64_t exporter_tag2 = 0;

    FlowType type = FlowType::kIpv4;
};

}  // namespace pmacct
