#include "pmacct/primitives/registry.hpp"

#include "pmacct/primitives/custom.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace pmacct::primitives {
namespace {

using enum Category;
using enum ValueKind;

constexpr DaemonMask kAll4 = kTraffic;             // pmacctd uacctd nfacctd sfacctd
constexpr DaemonMask kNfOnly = kNf;
constexpr DaemonMask kNfSf = kNf | kSf;
constexpr DaemonMask kNoNf = kPm | kUa | kSf;      // inner tunnel MACs
constexpr DaemonMask kNoSf = kPm | kUa | kNf;      // MPLS labels
constexpr DaemonMask kNfCvlan = kPm | kUa | kNf | kSf;

constexpr std::uint8_t L = kListed;
constexpr std::uint8_t LV = kListed | kVariableLength;
constexpr std::uint8_t LN = kListed | kNewerThan177;
constexpr std::uint8_t LVN = LV | kNewerThan177;
constexpr std::uint8_t VN = kVariableLength | kNewerThan177;

// Order within a category is the order of `-a` (pmacct's primitives matrix).
constexpr PrimitiveSpec kPrimitives[] = {
    // L2
    {"cos", kL2, "Ethernet CoS, 802.1P", kAll4, kU8, L, "cos", "COS", "cos"},
    {"etype", kL2, "Ethernet Ethertype", kAll4, kU16, L, "etype", "ETYPE", "etype"},
    {"src_mac", kL2, "Source MAC address", kAll4, kMac, L, "mac_src", "SRC_MAC", "mac_src"},
    {"dst_mac", kL2, "Destination MAC address", kAll4, kMac, L, "mac_dst", "DST_MAC", "mac_dst"},
    {"vlan", kL2, "Ethernet VLAN, 802.1Q", kAll4, kU16, L, "vlan", "VLAN", "vlan"},
    {"in_vlan", kL2, "Input Ethernet VLAN, 802.1Q", kNfSf, kU16, LN, "vlan_in", "IN_VLAN", "vlan_in"},
    {"out_vlan", kL2, "Output Ethernet VLAN, 802.1Q", kNfSf, kU16, LN, "vlan_out", "OUT_VLAN", "vlan_out"},
    {"in_cvlan", kL2, "Input Customer Ethernet VLAN", kNfCvlan, kU16, LN, "cvlan_in", "IN_CVLAN", "cvlan_in"},
    {"out_cvlan", kL2, "Output Customer Ethernet VLAN", kNfOnly, kU16, LN, "cvlan_out", "OUT_CVLAN", "cvlan_out"},
    // L3
    {"src_host", kL3, "Source IPv4/IPv6 address", kAll4, kIp, L, "ip_src", "SRC_IP", "ip_src"},
    {"dst_host", kL3, "Destination IPv4/IPv6 address", kAll4, kIp, L, "ip_dst", "DST_IP", "ip_dst"},
    {"src_mask", kL3, "Source network mask", kAll4, kU8, L, "mask_src", "SRC_MASK", "mask_src"},
    {"dst_mask", kL3, "Destination network mask", kAll4, kU8, L, "mask_dst", "DST_MASK", "mask_dst"},
    {"src_net", kL3, "Source IPv4/IPv6 prefix", kAll4, kIp, L, "net_src", "SRC_NET", "net_src"},
    {"dst_net", kL3, "Destination IPv4/IPv6 prefix", kAll4, kIp, L, "net_dst", "DST_NET", "net_dst"},
    {"proto", kL3, "IP protocol", kAll4, kU8, L, "ip_proto", "PROTOCOL", "ip_proto"},
    {"tos", kL3, "IP ToS", kAll4, kU8, L, "tos", "TOS", "tos"},
    // L4
    {"src_port", kL4, "Source TCP/UDP port", kAll4, kU16, L, "port_src", "SRC_PORT", "port_src"},
    {"dst_port", kL4, "Destination TCP/UDP port", kAll4, kU16, L, "port_dst", "DST_PORT", "port_dst"},
    {"tcpflags", kL4, "TCP flags", kAll4, kU8, L, "tcp_flags", "TCP_FLAGS", "tcp_flags"},
    // BGP
    {"src_as", kBgp, "Source ASN", kAll4, kU32, L, "as_src", "SRC_AS", "as_src"},
    {"dst_as", kBgp, "Destination ASN", kAll4, kU32, L, "as_dst", "DST_AS", "as_dst"},
    {"as_path", kBgp, "AS PATH", kAll4, kString, LV, "as_path", "AS_PATH", "as_path"},
    {"std_comm", kBgp, "Standard Communities", kAll4, kString, LV, "comms", "COMMS", "comms"},
    {"ext_comm", kBgp, "Extended Communities", kAll4, kString, LV, "ecomms", "ECOMMS", "ecomms"},
    {"lrg_comm", kBgp, "Large Communities", kAll4, kString, LV, "lcomms", "LCOMMS", "lcomms"},
    {"local_pref", kBgp, "Local Preference", kAll4, kU32, L, "local_pref", "PREF", "local_pref"},
    {"med", kBgp, "Multi-Exit Discriminator", kAll4, kU32, L, "med", "MED", "med"},
    {"src_as_path", kBgp, "Source AS PATH (via reverse BGP lookup)", kAll4, kString, LV,
     "as_path_src", "SRC_AS_PATH", "as_path_src"},
    {"src_std_comm", kBgp, "Source Standard Communities (via reverse BGP lookup)", kAll4, kString, LV,
     "comms_src", "SRC_COMMS", "comms_src"},
    {"src_ext_comm", kBgp, "Source Extended Communities (via reverse BGP lookup)", kAll4, kString, LV,
     "ecomms_src", "SRC_ECOMMS", "ecomms_src"},
    {"src_lrg_comm", kBgp, "Source Large Communities (via reverse BGP lookup)", kAll4, kString, LV,
     "lcomms_src", "SRC_LCOMMS", "lcomms_src"},
    {"src_local_pref", kBgp, "Source Local Preference (by default via reverse BGP lookup)", kAll4,
     kU32, L, "local_pref_src", "SRC_PREF", "local_pref_src"},
    {"src_med", kBgp, "Source MED (by default via reverse BGP lookup)", kAll4, kU32, L, "med_src",
     "SRC_MED", "med_src"},
    {"peer_src_as", kBgp, "Source peer ASN (by default via reverse BGP lookup)", kAll4, kU32, L,
     "peer_as_src", "PEER_SRC_AS", "peer_as_src"},
    {"peer_dst_as", kBgp, "Destination peer ASN", kAll4, kU32, L, "peer_as_dst", "PEER_DST_AS",
     "peer_as_dst"},
    {"peer_dst_ip", kBgp, "BGP next-hop", kAll4, kIp, L, "peer_ip_dst", "PEER_DST_IP", "peer_ip_dst"},
    // NAT
    {"fw_event", kNat, "Firewall event ID", kNfOnly, kU8, L, "fw_event", "FW_EVENT", "fw_event"},
    {"nat_event", kNat, "NAT event ID", kNfOnly, kU8, L, "nat_event", "NAT_EVENT", "nat_event"},
    {"post_nat_src_host", kNat, "Source IPv4/IPv6 address after NAT translation", kNfOnly, kIp, L,
     "post_nat_ip_src", "POST_NAT_SRC_IP", "post_nat_ip_src"},
    {"post_nat_dst_host", kNat, "Destination IPv4/IPv6 address after NAT translation", kNfOnly, kIp, L,
     "post_nat_ip_dst", "POST_NAT_DST_IP", "post_nat_ip_dst"},
    {"post_nat_src_port", kNat, "Source TCP/UDP port after NAT translation", kNfOnly, kU16, L,
     "post_nat_port_src", "POST_NAT_SRC_PORT", "post_nat_port_src"},
    {"post_nat_dst_port", kNat, "Destination TCP/UDP port after NAT translation", kNfOnly, kU16, L,
     "post_nat_port_dst", "POST_NAT_DST_PORT", "post_nat_port_dst"},
    // TUNNEL
    {"vxlan", kTunnel, "VXLAN Network Identifier", kAll4, kU32, L, "vxlan", "VXLAN", "vxlan"},
    {"nvgre", kTunnel, "NVGRE Tenant Network Identifier", kNfOnly, kU32, LN, "nvgre", "NVGRE", "nvgre"},
    {"tunnel_src_mac", kTunnel, "Tunnel inner Source MAC address", kNoNf, kMac, L, "tunnel_mac_src",
     "TUNNEL_SRC_MAC", "tunnel_mac_src"},
    {"tunnel_dst_mac", kTunnel, "Tunnel inner Destination MAC address", kNoNf, kMac, L,
     "tunnel_mac_dst", "TUNNEL_DST_MAC", "tunnel_mac_dst"},
    {"tunnel_src_host", kTunnel, "Tunnel inner Source IPv4/IPv6 address", kAll4, kIp, L,
     "tunnel_ip_src", "TUNNEL_SRC_IP", "tunnel_ip_src"},
    {"tunnel_dst_host", kTunnel, "Tunnel inner Destination IPv4/IPv6 address", kAll4, kIp, L,
     "tunnel_ip_dst", "TUNNEL_DST_IP", "tunnel_ip_dst"},
    {"tunnel_proto", kTunnel, "Tunnel inner IP protocol", kAll4, kU8, L, "tunnel_ip_proto",
     "TUNNEL_PROTOCOL", "tunnel_ip_proto"},
    {"tunnel_tos", kTunnel, "Tunnel inner IP ToS", kAll4, kU8, L, "tunnel_tos", "TUNNEL_TOS",
     "tunnel_tos"},
    {"tunnel_src_port", kTunnel, "Tunnel inner Source TCP/UDP port", kAll4, kU16, L,
     "tunnel_port_src", "TUNNEL_SRC_PORT", "tunnel_port_src"},
    {"tunnel_dst_port", kTunnel, "Tunnel inner Destination TCP/UDP port", kAll4, kU16, L,
     "tunnel_port_dst", "TUNNEL_DST_PORT", "tunnel_port_dst"},
    {"tunnel_tcpflags", kTunnel, "Tunnel inner TCP flags", kAll4, kU8, LN, "tunnel_tcp_flags",
     "TUNNEL_TCP_FLAGS", "tunnel_tcp_flags"},
    {"tunnel_flow_label", kTunnel, "Tunnel inner IPv6 flow label", kNfOnly, kU32, LN,
     "tunnel_flow_label", "TUNNEL_FLOW_LABEL", "tunnel_flow_label"},
    // MPLS
    {"mpls_label_bottom", kMpls, "Bottom MPLS label", kNoSf, kU32, L, "mpls_label_bottom",
     "MPLS_LABEL_BOTTOM", "mpls_label_bottom"},
    {"mpls_label_top", kMpls, "Top MPLS label", kNoSf, kU32, L, "mpls_label_top", "MPLS_LABEL_TOP",
     "mpls_label_top"},
    {"mpls_stack_depth", kMpls, "MPLS stack depth", kNoSf, kU8, L, "mpls_stack_depth",
     "MPLS_STACK_DEPTH", "mpls_stack_depth"},
    {"mpls_label_stack", kMpls, "MPLS label stack", kNoSf, kString, LVN, "mpls_label_stack",
     "MPLS_LABEL_STACK", "mpls_label_stack"},
    {"mpls_vpn_rd", kMpls, "MPLS L3 VPN Route Distinguisher", kNfSf, kRd, L, "mpls_vpn_rd",
     "MPLS_VPN_RD", "mpls_vpn_rd"},
    {"vrf_name", kMpls, "Ingress/Egress MPLS L3 VPN Name", kNfOnly, kString, LVN, "vrf_name",
     "VRF_NAME", "vrf_name"},
    {"ingress_vrf_name", kMpls, "Ingress MPLS L3 VPN Name", kNfOnly, kString, LVN, "ingress_vrf_name",
     "INGRESS_VRF_NAME", "vrf_name_ingress"},
    {"egress_vrf_name", kMpls, "Egress MPLS L3 VPN Name", kNfOnly, kString, LVN, "egress_vrf_name",
     "EGRESS_VRF_NAME", "vrf_name_egress"},
    {"mpls_pw_id", kMpls, "MPLS L2 VPN Pseudowire ID", kNfSf, kU32, L, "mpls_pw_id", "MPLS_PW_ID",
     "mpls_pw_id"},
    // MISC
    {"class", kMisc, "L7 protocol classification", kAll4, kString, L, "class", "CLASS", "class_id"},
    {"flows", kMisc, "IP flows", kNf | kCapture, kU64, L, "flows", "FLOWS", "flows"},
    {"flow_label", kMisc, "IPv6 flow label", kNfSf, kU32, LN, "flow_label", "FLOW_LABEL", "flow_label"},
    {"src_host_country", kMisc, "Source IP address GeoIP resolution: country", kAll4, kCountry, L,
     "country_ip_src", "SH_COUNTRY", "country_ip_src"},
    {"dst_host_country", kMisc, "Destination IP address GeoIP resolution: country", kAll4, kCountry, L,
     "country_ip_dst", "DH_COUNTRY", "country_ip_dst"},
    {"src_host_pocode", kMisc, "Source IP address GeoIP resolution: postal code", kAll4, kPostalCode,
     L, "pocode_ip_src", "SH_POCODE", "pocode_ip_src"},
    {"dst_host_pocode", kMisc, "Destination IP address GeoIP resolution: postal code", kAll4,
     kPostalCode, L, "pocode_ip_dst", "DH_POCODE", "pocode_ip_dst"},
    {"src_host_coords", kMisc, "Source IP address GeoIP resolution: lat/lon coordinates", kAll4,
     kCoordinates, L, "lat_ip_src lon_ip_src", "SH_LAT SH_LON", "lat_ip_src lon_ip_src"},
    {"dst_host_coords", kMisc, "Destination IP address GeoIP resolution: lat/lon coordinates", kAll4,
     kCoordinates, L, "lat_ip_dst lon_ip_dst", "DH_LAT DH_LON", "lat_ip_dst lon_ip_dst"},
    {"in_iface", kMisc, "Input interface, SNMP ifIndex", kAll4, kU32, L, "iface_in", "IN_IFACE",
     "iface_in"},
    {"out_iface", kMisc, "Output interface, SNMP ifIndex", kAll4, kU32, L, "iface_out", "OUT_IFACE",
     "iface_out"},
    {"in_iface_name", kMisc, "Input interface Name", kNfOnly, kString, LVN, "iface_name_in",
     "IN_IFACE_NAME", "iface_name_in"},
    {"out_iface_name", kMisc, "Output interface Name", kNfOnly, kString, LVN, "iface_name_out",
     "OUT_IFACE_NAME", "iface_name_out"},
    {"peer_src_ip", kMisc, "IP address or identificator of telemetry exporting device", kNfSf, kIp, L,
     "peer_ip_src", "PEER_SRC_IP", "peer_ip_src"},
    {"sampling_rate", kMisc, "Sampling rate", kAll4, kU32, L, "sampling_rate", "SAMPLING_RATE",
     "sampling_rate"},
    {"sampling_direction", kMisc, "Sampling direction (ie. ingress vs egress)", kNfSf, kU8, L,
     "sampling_direction", "SAMPLING_DIRECTION", "sampling_direction"},
    {"tag", kMisc, "Numeric tag, ie. as result of pre_tag_map evaluation", kAll4, kU64, L, "tag",
     "TAG", "tag"},
    {"tag2", kMisc, "Numeric tag, ie. as result of pre_tag_map evaluation", kAll4, kU64, L, "tag2",
     "TAG2", "tag2"},
    {"label", kMisc, "String label, ie. as result of pre_tag_map evaluation", kAll4, kString, LV,
     "label", "LABEL", "label"},
    {"export_proto_seqno", kMisc, "Export protocol (ie. NetFlow) sequence number", kNfSf, kU32, L,
     "export_proto_seqno", "EXPORT_PROTO_SEQNO", "export_proto_seqno"},
    {"export_proto_version", kMisc, "Export protocol (ie. NetFlow) version", kNfSf, kU8, L,
     "export_proto_version", "EXPORT_PROTO_VERSION", "export_proto_version"},
    {"export_proto_sysid", kMisc, "Export protocol ID (ie. sFlow subAgentID, IPFIX Obs Domain ID)",
     kNfSf, kU32, L, "export_proto_sysid", "EXPORT_PROTO_SYSID", "export_proto_sysid"},
    {"src_roa", kMisc, "RPKI validation status for source IP prefix", kAll4, kU8, L, "roa_src",
     "SRC_ROA", "roa_src"},
    {"dst_roa", kMisc, "RPKI validation status for destination IP prefix", kAll4, kU8, L, "roa_dst",
     "DST_ROA", "roa_dst"},
    {"fwd_status", kMisc, "Forwarding Status", kNfOnly, kU8, LN, "fwd_status", "FWD_STATUS",
     "fwd_status"},
    // TIME
    // 1.7.7's pmacctd and sfacctd accept timestamp_start and timestamp_end too (pmacctd: the
    // packet's capture time, and no end), though their -a does not list them.
    {"timestamp_start", kTime, "Flow start time or observation time at the exporter", kAll4,
     kTimestamp, L, "timestamp_start", "TIMESTAMP_START", "timestamp_start"},
    {"timestamp_end", kTime, "Flow end time", kAll4, kTimestamp, L, "timestamp_end",
     "TIMESTAMP_END", "timestamp_end"},
    {"timestamp_arrival", kTime, "Observation time at the collector", kAll4, kTimestamp, L,
     "timestamp_arrival", "TIMESTAMP_ARRIVAL", "timestamp_arrival"},
    {"timestamp_export", kTime, "Observation time at the exporter", kNfOnly, kTimestamp, L,
     "timestamp_export", "TIMESTAMP_EXPORT", "timestamp_export"},
    {"path_delay_avg_usec", kTime, "Average On-Path Telemetry measured delay (usec)", kNfOnly, kU32, LN,
     "path_delay_avg_usec", "PATH_DELAY_AVG_USEC", "path_delay_avg_usec"},
    {"path_delay_min_usec", kTime, "Minimum On-Path Telemetry measured delay (usec)", kNfOnly, kU32, LN,
     "path_delay_min_usec", "PATH_DELAY_MIN_USEC", "path_delay_min_usec"},
    {"path_delay_max_usec", kTime, "Maximum On-Path Telemetry measured delay (usec)", kNfOnly, kU32, LN,
     "path_delay_max_usec", "PATH_DELAY_MAX_USEC", "path_delay_max_usec"},

    // Accepted by `aggregate` but not listed by `-a`, as in pmacct.
    {"none", kMisc, "A single grand total", kAll4, kNone, kSum, "", "", ""},
    {"sum_host", kL3, "Per host, inbound and outbound summed", kAll4, kIp, kSum, "ip_src", "SRC_IP",
     "ip_src"},
    {"sum_net", kL3, "Per network, inbound and outbound summed", kAll4, kIp, kSum, "net_src",
     "SRC_NET", "net_src"},
    {"sum_as", kBgp, "Per ASN, inbound and outbound summed", kAll4, kU32, kSum, "as_src", "SRC_AS",
     "as_src"},
    {"sum_port", kL4, "Per port, inbound and outbound summed", kAll4, kU16, kSum, "port_src",
     "SRC_PORT", "port_src"},
    {"sum_mac", kL2, "Per MAC address, inbound and outbound summed", kAll4, kMac, kSum, "mac_src",
     "SRC_MAC", "mac_src"},
    {"sum", kL3, "Legacy name of sum_host", kAll4, kIp, kSum, "ip_src", "SRC_IP", "ip_src"},
    {"class_frame", kMisc, "L7 classification of the frame section of IPFIX records", kNfOnly, kString,
     kNewerThan177, "class", "CLASS", "class_id"},
    {"srv6_seg_ipv6_list", kMisc, "SRv6 segment list", kNfOnly, kString, VN,
     "srv6_seg_ipv6_list", "SRV6_SEG_IPV6_LIST", "srv6_seg_ipv6_list"},
};

// Output column order of CSV and formatted output (pmacct's print plugin order).
constexpr std::string_view kCsvOrder[] = {
    "tag", "tag2", "label", "class", "class_frame", "src_mac", "dst_mac", "sum_mac", "vlan", "in_vlan",
    "out_vlan", "in_cvlan", "out_cvlan", "cos", "etype", "src_as", "dst_as", "sum_as", "std_comm",
    "ext_comm", "lrg_comm", "src_std_comm", "src_ext_comm", "src_lrg_comm", "as_path", "src_as_path",
    "local_pref", "src_local_pref", "med", "src_med", "src_roa", "dst_roa", "peer_src_as",
    "peer_dst_as", "peer_src_ip", "peer_dst_ip", "in_iface", "out_iface", "mpls_vpn_rd", "mpls_pw_id",
    "vrf_name", "ingress_vrf_name", "egress_vrf_name", "in_iface_name", "out_iface_name", "src_host",
    "sum_host", "sum", "src_net", "sum_net", "dst_host", "dst_net", "src_mask", "dst_mask", "src_port",
    "sum_port", "dst_port", "tcpflags", "proto", "tos", "flow_label", "src_host_country",
    "dst_host_country", "src_host_pocode", "dst_host_pocode", "src_host_coords", "dst_host_coords",
    "sampling_rate", "sampling_direction", "post_nat_src_host", "post_nat_dst_host",
    "post_nat_src_port", "post_nat_dst_port", "nat_event", "fw_event", "fwd_status", "mpls_label_top",
    "mpls_label_bottom", "mpls_stack_depth", "mpls_label_stack", "tunnel_src_mac", "tunnel_dst_mac",
    "tunnel_src_host", "tunnel_dst_host", "tunnel_proto", "tunnel_tos", "tunnel_flow_label",
    "tunnel_src_port", "tunnel_dst_port", "tunnel_tcpflags", "vxlan", "nvgre", "timestamp_start",
    "timestamp_end", "timestamp_arrival", "timestamp_export", "export_proto_seqno",
    "export_proto_version", "export_proto_sysid", "path_delay_avg_usec", "path_delay_min_usec",
    "path_delay_max_usec", "srv6_seg_ipv6_list", "flows", "none",
};

// Key order of JSON output (pmacct's JSON encoder order).
constexpr std::string_view kJsonOrder[] = {
    "tag", "tag2", "label", "class", "class_frame", "src_mac", "dst_mac", "sum_mac", "vlan", "in_vlan",
    "out_vlan", "in_cvlan", "out_cvlan", "cos", "etype", "src_as", "dst_as", "sum_as", "std_comm",
    "ext_comm", "lrg_comm", "as_path", "local_pref", "med", "dst_roa", "peer_src_as", "peer_dst_as",
    "peer_src_ip", "peer_dst_ip", "src_std_comm", "src_ext_comm", "src_lrg_comm", "src_as_path",
    "src_local_pref", "src_med", "src_roa", "in_iface", "out_iface", "mpls_vpn_rd", "mpls_pw_id",
    "src_host", "sum_host", "sum", "src_net", "sum_net", "dst_host", "dst_net", "src_mask", "dst_mask",
    "src_port", "sum_port", "dst_port", "src_host_country", "dst_host_country", "src_host_pocode",
    "dst_host_pocode", "src_host_coords", "dst_host_coords", "tcpflags", "fwd_status",
    "mpls_label_stack", "srv6_seg_ipv6_list", "path_delay_avg_usec", "path_delay_min_usec",
    "path_delay_max_usec", "proto", "tos", "flow_label", "sampling_rate", "sampling_direction",
    "post_nat_src_host", "post_nat_dst_host", "post_nat_src_port", "post_nat_dst_port", "nat_event",
    "fw_event", "mpls_label_top", "mpls_label_bottom", "mpls_stack_depth", "tunnel_src_mac",
    "tunnel_dst_mac", "tunnel_src_host", "tunnel_dst_host", "tunnel_proto", "tunnel_tos",
    "tunnel_flow_label", "tunnel_src_port", "tunnel_dst_port", "tunnel_tcpflags", "vxlan", "nvgre",
    "timestamp_start", "timestamp_end", "timestamp_arrival", "export_proto_seqno",
    "export_proto_version", "export_proto_sysid", "timestamp_export", "flows", "vrf_name",
    "ingress_vrf_name", "egress_vrf_name", "in_iface_name", "out_iface_name", "none",
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string_view category_title(Category c) {
    static constexpr std::array<std::string_view, 9> kTitles = {"L2",     "L3",   "L4",   "BGP", "NAT",
                                                                "TUNNEL", "MPLS", "MISC", "TIME"};
    return kTitles[static_cast<std::size_t>(c)];
}

std::span<const PrimitiveSpec> all() { return kPrimitives; }

const PrimitiveSpec* find(std::string_view name) {
    for (const auto& p : kPrimitives) {
        if (p.name != name) continue;
        if ((p.flags & kNewerThan177) != 0) {
            if (const PrimitiveSpec* custom = find_custom(name)) return custom;
        }
        return &p;
    }
    return find_custom(name);
}

std::span<const std::string_view> csv_order() { return kCsvOrder; }
std::span<const std::string_view> json_order() { return kJsonOrder; }

std::string list_for_daemon(Daemon d, std::string_view header) {
    std::string out(header);
    out += '\n';
    for (int c = 0; c <= static_cast<int>(Category::kTime); ++c) {
        auto cat = static_cast<Category>(c);
        out += '\n';
        out += category_title(cat);
        out += '\n';
        for (const auto& p : kPrimitives) {
            if (p.category != cat || (p.flags & kListed) == 0 || !in_mask(p.daemons, d)) continue;
            out += fmt::format("{:<32} : {:<64}\n", p.name, p.description);
        }
    }
    return out;
}

Result<std::vector<std::string>> parse_aggregate(std::string_view value, Daemon d,
                                                 std::span<const std::string> custom) {
    std::vector<std::string> names;
    std::string sum_name;
    std::string_view rest = value;
    while (true) {
        auto comma = rest.find(',');
        std::string_view item = trim(rest.substr(0, comma));
        if (item.empty()) return fail("empty primitive in the list");
        std::string name(item);
        if (std::find(names.begin(), names.end(), name) != names.end()) {
            return fail(fmt::format("primitive '{}' is listed twice", name));
        }
        const PrimitiveSpec* p = find(name);
        bool is_custom = std::find(custom.begin(), custom.end(), name) != custom.end();
        if (p == nullptr && !is_custom) return fail(fmt::format("unknown primitive '{}'", name));
        if (p != nullptr && !in_mask(p->daemons, d)) {
            return fail(fmt::format("primitive '{}' is not supported by {}", name, daemon_name(d)));
        }
        if (p != nullptr && (p->flags & kSum) != 0) sum_name = name;
        names.push_back(std::move(name));
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    if (!sum_name.empty() && names.size() > 1) {
        return fail(fmt::format("'{}' cannot be combined with other primitives", sum_name));
    }
    return names;
}

}  // namespace pmacct::primitives
