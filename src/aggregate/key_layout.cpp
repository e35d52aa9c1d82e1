#include "pmacct/aggregate/key_layout.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace pmacct::aggregate {
namespace {

using primitives::ValueKind;

template <typename T>
void put(std::uint8_t* out, T v) {
    std::memcpy(out, &v, sizeof v);
}

// A name as a string key field (64 bytes, NUL-padded; longer names are cut).
void put_name(std::uint8_t* out, std::string_view name) {
    if (!name.empty()) std::memcpy(out, name.data(), std::min<std::size_t>(name.size(), 63));
}

// "label_label_...", top first, as pmacct prints a label stack outside JSON arrays.
void put_label_stack(std::uint8_t* out, const FlowRecord& r) {
    char* p = reinterpret_cast<char*>(out);
    char* const end = p + 63;
    for (std::uint8_t i = 0; i < r.mpls_stack_depth && i < r.mpls_labels.size(); ++i) {
        char buf[12];
        auto res = fmt::format_to_n(buf, sizeof buf, "{}{}", i == 0 ? "" : "_", r.mpls_labels[i]);
        const auto n = static_cast<std::size_t>(res.out - buf);
        if (p + n > end) break;
        std::memcpy(p, buf, n);
        p += n;
    }
}

// A network: the address cut to its mask (0.0.0.0 or :: when the mask is 0).
IpAddress net_of(const IpAddress& a, std::uint8_t mask) { return a.masked(mask); }

using E = std::pair<std::string_view, Extractor>;

// How each primitive is read from a FlowRecord. Primitives whose fields FlowRecord does not carry
// yet are left out: their key bytes stay zero. So are tcpflags and tunnel_tcpflags: as in pmacct
// they are not part of the key but ORed over the aggregated flows (Counters, the ring record).
constexpr E kExtractors[] = {
    {"cos", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.cos); }},
    {"etype", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.etype); }},
    {"src_mac", [](const FlowRecord& r, std::uint8_t* o, int) { std::memcpy(o, r.src_mac.bytes.data(), 6); }},
    {"dst_mac", [](const FlowRecord& r, std::uint8_t* o, int) { std::memcpy(o, r.dst_mac.bytes.data(), 6); }},
    {"sum_mac",
     [](const FlowRecord& r, std::uint8_t* o, int side) {
         std::memcpy(o, (side == 0 ? r.src_mac : r.dst_mac).bytes.data(), 6);
     }},
    {"vlan", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.vlan); }},
    {"in_vlan", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.in_vlan); }},
    {"out_vlan", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.out_vlan); }},
    {"src_host", [](const FlowRecord& r, std::uint8_t* o, int) { write_ip(o, r.src_ip); }},
    {"dst_host", [](const FlowRecord& r, std::uint8_t* o, int) { write_ip(o, r.dst_ip); }},
    {"sum_host", [](const FlowRecord& r, std::uint8_t* o, int side) { write_ip(o, side == 0 ? r.src_ip : r.dst_ip); }},
    {"sum", [](const FlowRecord& r, std::uint8_t* o, int side) { write_ip(o, side == 0 ? r.src_ip : r.dst_ip); }},
    {"src_net", [](const FlowRecord& r, std::uint8_t* o, int) { write_ip(o, net_of(r.src_ip, r.src_mask)); }},
    {"dst_net", [](const FlowRecord& r, std::uint8_t* o, int) { write_ip(o, net_of(r.dst_ip, r.dst_mask)); }},
    {"sum_net",
     [](const FlowRecord& r, std::uint8_t* o, int side) {
         write_ip(o, side == 0 ? net_of(r.src_ip, r.src_mask) : net_of(r.dst_ip, r.dst_mask));
     }},
    {"src_mask", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.src_mask); }},
    {"dst_mask", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.dst_mask); }},
    {"proto", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.proto); }},
    {"tos", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.tos); }},
    {"src_port", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.src_port); }},
    {"dst_port", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.dst_port); }},
    {"sum_port", [](const FlowRecord& r, std::uint8_t* o, int side) { put(o, side == 0 ? r.src_port : r.dst_port); }},
    {"src_as", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.src_as); }},
    {"dst_as", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.dst_as); }},
    {"sum_as", [](const FlowRecord& r, std::uint8_t* o, int side) { put(o, side == 0 ? r.src_as : r.dst_as); }},
    {"peer_src_as", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.peer_src_as); }},
    {"peer_dst_as", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.peer_dst_as); }},
    {"peer_dst_ip", [](const FlowRecord& r, std::uint8_t* o, int) { write_ip(o, r.bgp_next_hop); }},
    {"in_iface", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.in_iface); }},
    {"out_iface", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.out_iface); }},
    {"flow_label", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.flow_label); }},
    {"in_cvlan", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.in_cvlan); }},
    {"out_cvlan", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.out_cvlan); }},
    {"mpls_label_top", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.mpls_label_top); }},
    {"mpls_label_bottom", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.mpls_label_bottom); }},
    {"mpls_stack_depth", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.mpls_stack_depth); }},
    {"mpls_label_stack", [](const FlowRecord& r, std::uint8_t* o, int) { put_label_stack(o, r); }},
    {"mpls_vpn_rd", [](const FlowRecord& r, std::uint8_t* o, int) { std::memcpy(o, r.mpls_vpn_rd.data(), 8); }},
    {"mpls_pw_id", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.mpls_pw_id); }},
    {"post_nat_src_host", [](const FlowRecord& r, std::uint8_t* o, int) { write_ip(o, r.post_nat_src_ip); }},
    {"post_nat_dst_host", [](const FlowRecord& r, std::uint8_t* o, int) { write_ip(o, r.post_nat_dst_ip); }},
    {"post_nat_src_port", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.post_nat_src_port); }},
    {"post_nat_dst_port", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.post_nat_dst_port); }},
    {"nat_event", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.nat_event); }},
    {"fw_event", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.fw_event); }},
    {"fwd_status", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.fwd_status); }},
    {"vxlan", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.vxlan); }},
    {"nvgre", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.nvgre); }},
    {"tunnel_src_mac",
     [](const FlowRecord& r, std::uint8_t* o, int) { std::memcpy(o, r.tunnel_src_mac.bytes.data(), 6); }},
    {"tunnel_dst_mac",
     [](const FlowRecord& r, std::uint8_t* o, int) { std::memcpy(o, r.tunnel_dst_mac.bytes.data(), 6); }},
    {"tunnel_src_host", [](const FlowRecord& r, std::uint8_t* o, int) { write_ip(o, r.tunnel_src_ip); }},
    {"tunnel_dst_host", [](const FlowRecord& r, std::uint8_t* o, int) { write_ip(o, r.tunnel_dst_ip); }},
    {"tunnel_proto", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.tunnel_proto); }},
    {"tunnel_tos", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.tunnel_tos); }},
    {"tunnel_src_port", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.tunnel_src_port); }},
    {"tunnel_dst_port", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.tunnel_dst_port); }},
    {"tunnel_flow_label", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.tunnel_flow_label); }},
    {"class", [](const FlowRecord& r, std::uint8_t* o, int) { put_name(o, r.class_name); }},
    {"in_iface_name", [](const FlowRecord& r, std::uint8_t* o, int) { put_name(o, r.in_iface_name); }},
    {"out_iface_name", [](const FlowRecord& r, std::uint8_t* o, int) { put_name(o, r.out_iface_name); }},
    {"vrf_name", [](const FlowRecord& r, std::uint8_t* o, int) { put_name(o, r.vrf_name); }},
    {"ingress_vrf_name", [](const FlowRecord& r, std::uint8_t* o, int) { put_name(o, r.ingress_vrf_name); }},
    {"egress_vrf_name", [](const FlowRecord& r, std::uint8_t* o, int) { put_name(o, r.egress_vrf_name); }},
    {"peer_src_ip", [](const FlowRecord& r, std::uint8_t* o, int) { write_ip(o, r.peer_src_ip); }},
    {"sampling_rate", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.sampling_rate); }},
    {"sampling_direction", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.sampling_direction); }},
    {"tag", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.tag); }},
    {"tag2", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.tag2); }},
    {"label", [](const FlowRecord& r, std::uint8_t* o, int) { put_name(o, r.label); }},
    {"as_path", [](const FlowRecord& r, std::uint8_t* o, int) { put_name(o, r.as_path); }},
    {"std_comm", [](const FlowRecord& r, std::uint8_t* o, int) { put_name(o, r.std_comm); }},
    {"local_pref", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.local_pref); }},
    {"src_local_pref", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.src_local_pref); }},
    {"src_med", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.src_med); }},
    {"export_proto_seqno", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.export_proto_seqno); }},
    {"export_proto_version", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.export_proto_version); }},
    {"export_proto_sysid", [](const FlowRecord& r, std::uint8_t* o, int) { put(o, r.export_proto_sysid); }},
    {"timestamp_start", [](const FlowRecord& r, std::uint8_t* o, int) { write_timestamp(o, r.time_start); }},
    {"timestamp_end", [](const FlowRecord& r, std::uint8_t* o, int) { write_timestamp(o, r.time_end); }},
    {"timestamp_arrival", [](const FlowRecord& r, std::uint8_t* o, int) { write_timestamp(o, r.time_arrival); }},
    {"timestamp_export", [](const FlowRecord& r, std::uint8_t* o, int) { write_timestamp(o, r.time_export); }},
};

// A custom primitive's element into its key bytes (zero when the record lacks it).
void put_custom(const KeyField& f, const CustomValue& v, std::uint8_t* out) {
    using primitives::CustomSemantics;
    if (v.data == nullptr) return;
    const primitives::CustomPrimitive& c = *f.custom;
    switch (c.semantics) {
        case CustomSemantics::kUint:
        case CustomSemantics::kHex: {
            std::uint64_t n = 0;
            const std::size_t bytes = std::min<std::size_t>(v.length, 8);
            for (std::size_t i = v.length - bytes; i < v.length; ++i) n = (n << 8) | v.data[i];
            switch (f.size) {
                case 1: put(out, static_cast<std::uint8_t>(n)); break;
                case 2: put(out, static_cast<std::uint16_t>(n)); break;
                case 4: put(out, static_cast<std::uint32_t>(n)); break;
                default: put(out, n); break;
            }
            break;
        }
        case CustomSemantics::kIp:
            if (v.length == 4) write_ip(out, IpAddress::v4_bytes(v.data));
            if (v.length == 16) write_ip(out, IpAddress::v6_bytes(v.data));
            break;
        case CustomSemantics::kMac:
            if (v.length >= 6) std::memcpy(out, v.data, 6);
            break;
        case CustomSemantics::kStr:
            std::memcpy(out, v.data, std::min<std::size_t>(v.length, c.vlen ? f.size - 1U : f.size));
            break;
        case CustomSemantics::kRaw:
            if (c.vlen) {
                const std::size_t n = std::min<std::size_t>(v.length, f.size - 1U);
                out[0] = static_cast<std::uint8_t>(n);
                std::memcpy(out + 1, v.data, n);
            } else {
                std::memcpy(out, v.data, std::min<std::size_t>(v.length, f.size));
            }
            break;
    }
}

Extractor extractor_for(std::string_view name) {
    for (const auto& [n, e] : kExtractors) {
        if (n == name) return e;
    }
    return nullptr;
}

// Custom primitives go last, whatever their name.
std::size_t csv_position(const primitives::PrimitiveSpec* spec) {
    auto order = primitives::csv_order();
    if (primitives::custom_of(spec) != nullptr) return order.size();
    auto it = std::find(order.begin(), order.end(), spec->name);
    return static_cast<std::size_t>(it - order.begin());
}

}  // namespace

void write_ip(std::uint8_t* out, const IpAddress& a) {
    out[0] = a.family;
    // IPv4 reads only the 4 bytes a decoder wrote (a 16-byte read over a just-made 4-byte
    // write stalls store forwarding); the rest of an IPv4 address is zero by definition.
    if (a.family == 4) {
        constexpr std::uint8_t kZero[12] = {};
        std::memcpy(out + 1, a.bytes.data(), 4);
        std::memcpy(out + 5, kZero, sizeof kZero);
    } else {
        std::memcpy(out + 1, a.bytes.data(), 16);
    }
}

std::uint16_t key_size_of(ValueKind kind) {
    switch (kind) {
        case ValueKind::kU8: return 1;
        case ValueKind::kU16: return 2;
        case ValueKind::kU32: return 4;
        case ValueKind::kU64: return 8;
        case ValueKind::kIp: return 17;
        case ValueKind::kMac: return 6;
        case ValueKind::kString: return 64;
        case ValueKind::kTimestamp: return 12;
        case ValueKind::kRd: return 8;
        case ValueKind::kCoordinates: return 16;
        case ValueKind::kCountry: return 4;
        case ValueKind::kPostalCode: return 12;
        case ValueKind::kNone: return 0;
    }
    return 0;
}

Result<KeyLayout> KeyLayout::build(std::span<const std::string> aggregate) {
    KeyLayout layout;
    std::vector<const primitives::PrimitiveSpec*> specs;
    for (const auto& name : aggregate) {
        const auto* spec = primitives::find(name);
        if (spec == nullptr) return fail(fmt::format("primitive '{}' has no key layout yet", name));
        specs.push_back(spec);
        if ((spec->flags & primitives::kSum) != 0 && spec->kind != ValueKind::kNone) layout.sum_ = true;
    }
    std::stable_sort(specs.begin(), specs.end(), [](const auto* a, const auto* b) {
        return csv_position(a) < csv_position(b);
    });
    std::size_t offset = 0;
    for (const auto* spec : specs) {
        KeyField f;
        f.spec = spec;
        // `flows` selects the flows counter and `none` selects nothing: no key bytes.
        f.custom = primitives::custom_of(spec);
        if (f.custom != nullptr) f.custom_index = static_cast<std::uint16_t>(primitives::custom_index(spec));
        f.size = (spec->name == "flows") ? 0 : f.custom != nullptr ? f.custom->key_size() : key_size_of(spec->kind);
        f.offset = static_cast<std::uint16_t>(offset);
        f.extract = f.size > 0 && f.custom == nullptr ? extractor_for(spec->name) : nullptr;
        offset += f.size;
        layout.fields_.push_back(f);
    }
    layout.key_size_ = offset;
    return layout;
}

void KeyLayout::set_icmp_in_dst_port() {
    for (auto& f : fields_) {
        if (f.spec->name != "dst_port") continue;
        f.extract = [](const FlowRecord& r, std::uint8_t* o, int) {
            put(o, r.proto == 1 || r.proto == 58 ? r.icmp_type_code : r.dst_port);
        };
    }
}

const KeyField* KeyLayout::field(std::string_view name) const {
    for (const auto& f : fields_) {
        if (f.spec->name == name) return &f;
    }
    return nullptr;
}

std::vector<std::string> KeyLayout::names() const {
    std::vector<std::string> out;
    for (const auto& f : fields_) out.emplace_back(f.spec->name);
    return out;
}

void KeyLayout::extract(const FlowRecord& r, std::uint8_t* out, int side) const {
    if (key_size_ == 0) return;  // `out` may be nullptr then
    std::memset(out, 0, key_size_);
    for (const auto& f : fields_) {
        if (f.extract != nullptr) {
            f.extract(r, out + f.offset, side);
        } else if (f.custom != nullptr && r.custom != nullptr) {
            put_custom(f, r.custom[f.custom_index], out + f.offset);
        }
    }
}

std::uint64_t read_uint(const KeyField& f, const std::uint8_t* key) {
    const std::uint8_t* p = key + f.offset;
    switch (f.size) {
        case 1: return p[0];
        case 2: {
            std::uint16_t v;
            std::memcpy(&v, p, 2);
            return v;
        }
        case 4: {
            std::uint32_t v;
            std::memcpy(&v, p, 4);
            return v;
        }
        case 8: {
            std::uint64_t v;
            std::memcpy(&v, p, 8);
            return v;
        }
        default: return 0;
    }
}

IpAddress read_ip(const KeyField& f, const std::uint8_t* key) {
    IpAddress a;
    a.family = key[f.offset];
    std::memcpy(a.bytes.data(), key + f.offset + 1, 16);
    return a;
}

MacAddress read_mac(const KeyField& f, const std::uint8_t* key) {
    MacAddress m;
    std::memcpy(m.bytes.data(), key + f.offset, 6);
    return m;
}

Timestamp read_timestamp(const KeyField& f, const std::uint8_t* key) {
    Timestamp t;
    std::memcpy(&t.sec, key + f.offset, 8);
    std::memcpy(&t.usec, key + f.offset + 8, 4);
    return t;
}

std::span<const std::uint8_t> read_raw(const KeyField& f, const std::uint8_t* key) {
    const std::uint8_t* p = key + f.offset;
    if (f.custom != nullptr && f.custom->vlen) return {p + 1, std::min<std::size_t>(p[0], f.size - 1U)};
    return {p, f.size};
}

std::string_view read_string(const KeyField& f, const std::uint8_t* key) {
    const char* p = reinterpret_cast<const char*>(key + f.offset);
    return {p, strnlen(p, f.size)};
}

}  // namespace pmacct::aggregate
