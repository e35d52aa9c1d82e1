#include "pmacct/collector/direct_records.hpp"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <string_view>

#include "pmacct/base/unaligned.hpp"
#include "pmacct/flow/netflow_v5.hpp"
#include "pmacct/plugin/plugin.hpp"

namespace pmacct::collector {
namespace {

using flow::FieldOp;
using flow::Store;
using flow::Target;

// Template entries compiled for plugins before the table starts again (templates replaced or
// withdrawn leave theirs behind).
constexpr std::size_t kMaxEntries = 4096;

// The number primitives a record of a lean template takes from one element as it is (the
// decoder stores it whole into the FlowRecord field the primitive shows), with that field's
// width. Elements of one primitive share the field: the last one in the template wins.
struct NumberPrimitive {
    std::string_view name;
    std::uint8_t size;
    std::initializer_list<Target> targets;
};
const NumberPrimitive kNumbers[] = {
    {"proto", 1, {Target::kProto}},
    {"tos", 1, {Target::kTos}},
    {"src_port", 2, {Target::kSrcPort}},
    {"dst_port", 2, {Target::kDstPort}},
    {"src_mask", 1, {Target::kSrcMask, Target::kSrcMask6}},
    {"dst_mask", 1, {Target::kDstMask, Target::kDstMask6}},
    {"src_as", 4, {Target::kSrcAs}},
    {"dst_as", 4, {Target::kDstAs}},
    {"out_vlan", 2, {Target::kPostVlan}},
    {"cos", 1, {Target::kCos}},
    {"post_nat_src_port", 2, {Target::kPostNatSrcPort}},
    {"post_nat_dst_port", 2, {Target::kPostNatDstPort}},
    {"nat_event", 1, {Target::kNatEvent}},
    {"fw_event", 1, {Target::kFwEvent}},
    {"fwd_status", 1, {Target::kFwdStatus}},
    {"in_cvlan", 2, {Target::kInCvlan}},
    {"out_cvlan", 2, {Target::kOutCvlan}},
    {"mpls_pw_id", 4, {Target::kPwId}},
    // pmacct's own elements, as its nfprobe exports them (0 when absent).
    {"tag", 8, {Target::kPmacctTag}},
    {"tag2", 8, {Target::kPmacctTag2}},
    // Interfaces: the physical one when the logical one is 0 (see DirectProgram::compile).
    {"in_iface", 4, {Target::kInIface}},
    {"out_iface", 4, {Target::kOutIface}},
};

const NumberPrimitive* number_primitive(std::string_view name) {
    for (const auto& n : kNumbers) {
        if (n.name == name) return &n;
    }
    return nullptr;
}

// How many bytes of the FlowRecord (or raw) field a plain store fills; 0 when it is not a
// number store.
std::uint8_t store_width(Store s) {
    switch (s) {
        case Store::kU8:
        case Store::kU8x1: return 1;
        case Store::kU16:
        case Store::kU16x2: return 2;
        case Store::kU32:
        case Store::kU32x4: return 4;
        case Store::kU64:
        case Store::kU64x8:
        case Store::kU64x4:
        case Store::kSecondsToUs:
        case Store::kMillisToUs: return 8;
        default: return 0;
    }
}

// The last operation of `t` into one of `targets`: the store a record keeps.
const FieldOp* last_of(const flow::Template& t, std::initializer_list<Target> targets) {
    const FieldOp* found = nullptr;
    for (const FieldOp& op : t.ops) {
        if (std::find(targets.begin(), targets.end(), op.target) != targets.end()) found = &op;
    }
    return found;
}

void store_uint(std::uint8_t* out, std::uint64_t v, std::uint8_t size) {
    switch (size) {
        case 1: *out = static_cast<std::uint8_t>(v); break;
        case 2: {
            const auto u = static_cast<std::uint16_t>(v);
            std::memcpy(out, &u, 2);
            break;
        }
        case 4: {
            const auto u = static_cast<std::uint32_t>(v);
            std::memcpy(out, &u, 4);
            break;
        }
        default: std::memcpy(out, &v, 8); break;
    }
}

}  // namespace

// The primitives that are not plain numbers, with their key field's width.
struct DirectProgram::OtherPrimitive {
    std::string_view name;
    std::uint16_t size;
    KeyKind kind;
};

const DirectProgram::OtherPrimitive* DirectProgram::other_primitive(std::string_view name, std::uint16_t size) {
    static constexpr OtherPrimitive kOthers[] = {
        {"src_host", 17, KeyKind::kZero},  // (compile() places the addresses itself)
        {"dst_host", 17, KeyKind::kZero},
        {"src_net", 17, KeyKind::kSrcNet},
        {"dst_net", 17, KeyKind::kDstNet},
        {"peer_src_ip", 17, KeyKind::kPeer},
        {"timestamp_start", 12, KeyKind::kStart},
        {"timestamp_end", 12, KeyKind::kEnd},
        {"timestamp_arrival", 12, KeyKind::kArrival},
        {"timestamp_export", 12, KeyKind::kExport},
        {"export_proto_version", 1, KeyKind::kVersion},
        {"export_proto_seqno", 4, KeyKind::kSeqno},
        {"export_proto_sysid", 4, KeyKind::kSysid},
        {"etype", 2, KeyKind::kEtype},
        {"sampling_direction", 1, KeyKind::kDirection},
        {"peer_dst_ip", 17, KeyKind::kPeerDst},
        // Only maps set a label (a template with pmacct's label element is not lean), and with
        // a map records take the FlowRecord path.
        {"label", 64, KeyKind::kZero},
    };
    for (const auto& o : kOthers) {
        if (o.name == name && o.size == size) return &o;
    }
    return nullptr;
}

bool DirectProgram::supports(const aggregate::KeyLayout& layout) {
    for (const auto& f : layout.fields()) {
        if (f.size == 0) continue;                  // flows, tcpflags: counters, no key bytes
        if (f.custom != nullptr) return false;      // custom values: the FlowRecord path
        if (f.extract == nullptr) continue;         // a field records do not carry: zero
        const NumberPrimitive* n = number_primitive(f.spec->name);
        if (n != nullptr ? n->size != f.size : other_primitive(f.spec->name, f.size) == nullptr) return false;
    }
    return true;
}

std::optional<DirectProgram> DirectProgram::compile(const flow::Template& t, const aggregate::KeyLayout& layout,
                                                    bool use_ip_next_hop) {
    if (!t.lean || t.options || t.event || !supports(layout)) return std::nullopt;
    DirectProgram p;
    bool ok = true;
    // A number element as its store keeps it (`width` bytes of it), or nothing.
    const auto number = [&ok](const FieldOp* op, std::uint8_t width = 0) {
        if (op == nullptr) return Src{};
        const std::uint8_t w = store_width(op->store);
        if (w == 0 || (width != 0 && w != width)) ok = false;
        const auto low_bytes = [](std::size_t n) {
            return n >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * n)) - 1;
        };
        Src s;
        s.offset = op->offset;
        s.length = op->length;
        // Longer than 8 bytes: the last 8 (as load_be_uint); none: nothing (reads as 0).
        if (op->length != 0) {
            s.end8 = static_cast<std::int32_t>(op->offset) + op->length - 8;
            s.mask = low_bytes(op->length) & low_bytes(w);
        }
        return s;
    };
    const auto address = [&ok](const FieldOp* op, std::uint16_t length) {
        if (op == nullptr) return Src{};
        if (op->store != Store::kPointer || op->length != length) ok = false;
        Src s;
        s.offset = op->offset;
        s.length = op->length;
        return s;
    };
    p.bytes_[0] = number(last_of(t, {Target::kBytes}));
    p.bytes_[1] = number(last_of(t, {Target::kOutBytes}));
    p.bytes_[2] = number(last_of(t, {Target::kTotalBytes}));
    p.packets_[0] = number(last_of(t, {Target::kPackets}));
    p.packets_[1] = number(last_of(t, {Target::kOutPackets}));
    p.packets_[2] = number(last_of(t, {Target::kTotalPackets}));
    p.flows_ = number(last_of(t, {Target::kFlows}));
    p.tcp_flags_ = number(last_of(t, {Target::kTcpFlags}), 1);
    p.src4_ = address(last_of(t, {Target::kSrcV4}), 4);
    p.dst4_ = address(last_of(t, {Target::kDstV4}), 4);
    p.src6_ = address(last_of(t, {Target::kSrcV6}), 16);
    p.dst6_ = address(last_of(t, {Target::kDstV6}), 16);
    p.ip_version_ = number(last_of(t, {Target::kIpVersion}));
    p.v6_by_default_ = !p.src4_.present() && !p.dst4_.present() && (p.src6_.present() || p.dst6_.present());
    const auto time = [&](std::initializer_list<Target> absolute, Target uptime) {
        TimeSrc s;
        if (const FieldOp* op = last_of(t, absolute); op != nullptr) {
            s.from = op->store == Store::kSecondsToUs ? TimeFrom::kSeconds
                     : op->store == Store::kMillisToUs ? TimeFrom::kMillis
                                                       : TimeFrom::kNone;
            if (s.from == TimeFrom::kNone) ok = false;
            s.value = number(op);
        } else if (const FieldOp* up = last_of(t, {uptime}); up != nullptr) {
            s.from = TimeFrom::kUptime;
            s.value = number(up);
        }
        return s;
    };
    p.start_ = time({Target::kStartSec, Target::kStartMs}, Target::kFirstUptime);
    p.end_ = time({Target::kEndSec, Target::kEndMs}, Target::kLastUptime);
    if (const FieldOp* op = last_of(t, {Target::kSysInitMs}); op != nullptr) {
        p.sys_init_ = number(op);
        p.has_sys_init_ = true;
    }

    for (const auto& f : layout.fields()) {
        if (f.size == 0) continue;
        const std::string_view name = f.spec->name;
        KeyOp k;
        k.at = f.offset;
        k.size = static_cast<std::uint8_t>(std::min<std::uint16_t>(f.size, 255));
        if (f.extract == nullptr) {
            k.kind = KeyKind::kZero;  // what records do not carry
        } else if (const NumberPrimitive* n = number_primitive(name); n != nullptr) {
            k.src = number(last_of(t, n->targets), n->size);
            if (name == "in_iface") k.alt = number(last_of(t, {Target::kInPhysIface}));
            if (name == "out_iface") k.alt = number(last_of(t, {Target::kOutPhysIface}));
            if (k.alt.present()) {
                k.kind = KeyKind::kNumberOr;
            } else {
                // (An absent one: its mask makes it 0.)
                auto& list = n->size == 1   ? p.numbers1_
                             : n->size == 2 ? p.numbers2_
                             : n->size == 4 ? p.numbers4_
                                            : p.numbers8_;
                list.push_back(Number{k.src, f.offset});
                continue;
            }
        } else if (name == "src_host") {
            p.src_host_at_ = f.offset;
            continue;
        } else if (name == "dst_host") {
            p.dst_host_at_ = f.offset;
            continue;
        } else if (const OtherPrimitive* o = other_primitive(name, f.size); o != nullptr) {
            k.kind = o->kind;
            if (k.kind == KeyKind::kSrcNet) k.src = number(last_of(t, {Target::kSrcMask, Target::kSrcMask6}), 1);
            if (k.kind == KeyKind::kDstNet) k.src = number(last_of(t, {Target::kDstMask, Target::kDstMask6}), 1);
            if (k.kind == KeyKind::kEtype) k.src = number(last_of(t, {Target::kEtype}), 2);
            if (k.kind == KeyKind::kDirection) {
                const FieldOp* op = last_of(t, {Target::kDirection});
                k.has = op != nullptr;
                k.src = number(op, 1);
            }
            if (k.kind == KeyKind::kPeerDst) {
                // With use_ip_next_hop an empty one takes the IP next hop.
                if (use_ip_next_hop) return std::nullopt;
                k.src = address(last_of(t, {Target::kBgpNextHopV4}), 4);
                k.alt = address(last_of(t, {Target::kBgpNextHopV6}), 16);
            }
        } else {
            return std::nullopt;
        }
        p.others_.push_back(k);
    }
    if (!ok) return std::nullopt;
    return p;
}

// One time of a record (see TemplateDecoder::finish_record()).
inline Timestamp DirectProgram::time_of(const std::uint8_t* record, const TimeSrc& from, const flow::V9Header& h) const {
    switch (from.from) {
        case TimeFrom::kNone: break;
        case TimeFrom::kSeconds: return Timestamp::from_us(read(record, from.value) * 1000000ULL);
        case TimeFrom::kMillis: return Timestamp::from_us(read(record, from.value) * 1000ULL);
        case TimeFrom::kUptime: {
            const std::uint64_t v = read(record, from.value);
            // v9 and v5: against the header's sysUptime; IPFIX has none and needs
            // systemInitTimeMilliseconds.
            if (h.version != 10) return flow::v5_primitive_time(h.unix_secs, h.sys_uptime, static_cast<std::uint32_t>(v));
            if (has_sys_init_) return Timestamp::from_us((read(record, sys_init_) + v) * 1000ULL);
            break;
        }
    }
    return Timestamp{};
}

// Inlined into DirectRecords::write's loop over records.
__attribute__((always_inline)) inline void DirectProgram::write_inline(const std::uint8_t* record,
                                                                       const flow::DirectSet& s,
                                                                       std::uint8_t* out) const {
    using namespace plugin::ring_layout;
    const auto first_non_zero = [record](const Src (&from)[3]) {
        std::uint64_t v = read(record, from[0]);
        if (v == 0) v = read(record, from[1]);
        if (v == 0) v = read(record, from[2]);
        return v;
    };
    const std::uint64_t bytes = first_non_zero(bytes_);
    const std::uint64_t packets = first_non_zero(packets_);
    std::uint64_t flows = read(record, flows_);
    if (flows == 0) flows = 1;
    // The address pair: ipVersion decides when present (see TemplateDecoder::finish_record()).
    const std::uint64_t ip_version = read(record, ip_version_);
    const bool v6 = ip_version == 6 || (ip_version != 4 && v6_by_default_);
    const Src& src = v6 ? src6_ : src4_;
    const Src& dst = v6 ? dst6_ : dst4_;
    const std::uint8_t family = v6 ? 6 : 4;
    const bool ipv6_flow = v6 && (src.present() || dst.present());
    const flow::V9Header& h = s.header;
    // Nothing says when it started: the export time, as nfacctd shows it (v9 and IPFIX).
    Timestamp start = time_of(record, start_, h);
    if (start.empty() && !v5_) start = Timestamp{std::int64_t{h.unix_secs}, 0};
    const Timestamp time_end = time_of(record, end_, h);
    if (v5_) {
        // The ring takes the times v5 records are binned by (see write_ring_record()).
        const Timestamp bin = flow::v5_bin_time(h.unix_secs, h.sys_uptime, static_cast<std::uint32_t>(read(record, start_.value)));
        const Timestamp bin_end = flow::v5_bin_time(h.unix_secs, h.sys_uptime, static_cast<std::uint32_t>(read(record, end_.value)));
        plugin::write_ring_counters(out, bytes, packets, flows, bin.empty() ? start : bin,
                                    !bin_end.empty() ? bin_end : !time_end.empty() ? time_end : s.arrival,
                                    static_cast<std::uint8_t>(read(record, tcp_flags_)), FlowType::kIpv4);
    } else {
        const Timestamp& end = time_end.empty() ? s.arrival : time_end;
        plugin::write_ring_counters(out, bytes, packets, flows, start, end, static_cast<std::uint8_t>(read(record, tcp_flags_)),
                                    ipv6_flow ? FlowType::kIpv6 : FlowType::kIpv4);
    }

    // The key, field by field.
    std::uint8_t* const key = out + kCountersBytes;
    for (const Number& n : numbers1_) key[n.at] = static_cast<std::uint8_t>(read(record, n.src));
    for (const Number& n : numbers2_) store_uint(key + n.at, read(record, n.src), 2);
    for (const Number& n : numbers4_) store_uint(key + n.at, read(record, n.src), 4);
    for (const Number& n : numbers8_) store_uint(key + n.at, read(record, n.src), 8);
    const auto host = [&](std::int32_t at, const Src& a) {
        std::uint8_t* const to = key + at;
        if (!a.present()) {
            std::memset(to, 0, 17);
        } else if (family == 4) {
            to[0] = 4;
            std::memcpy(to + 1, record + a.offset, 4);
            std::memset(to + 5, 0, 12);
        } else {
            to[0] = 6;
            std::memcpy(to + 1, record + a.offset, 16);
        }
    };
    if (src_host_at_ >= 0) host(src_host_at_, src);
    if (dst_host_at_ >= 0) host(dst_host_at_, dst);
    if (others_.empty()) return;
    const auto address = [&](const Src& a) {
        IpAddress ip;
        if (a.present()) {
            if (family == 4) {
                ip.set_v4(record + a.offset);
            } else {
                ip.set_v6(record + a.offset);
            }
        }
        return ip;
    };
    for (const KeyOp& k : others_) {
        std::uint8_t* const to = key + k.at;
        switch (k.kind) {
            case KeyKind::kZero: std::memset(to, 0, k.size); break;
            case KeyKind::kNumberOr: {
                std::uint64_t v = read(record, k.src);
                if (v == 0) v = read(record, k.alt);
                store_uint(to, v, k.size);
                break;
            }
            case KeyKind::kSrcNet:
                aggregate::write_ip(to, address(src).masked(static_cast<unsigned>(read(record, k.src))));
                break;
            case KeyKind::kDstNet:
                aggregate::write_ip(to, address(dst).masked(static_cast<unsigned>(read(record, k.src))));
                break;
            case KeyKind::kPeer: aggregate::write_ip(to, s.peer); break;
            case KeyKind::kStart: aggregate::write_timestamp(to, start); break;
            case KeyKind::kEnd: aggregate::write_timestamp(to, time_end); break;
            case KeyKind::kArrival: aggregate::write_timestamp(to, s.arrival); break;
            case KeyKind::kExport: aggregate::write_timestamp(to, Timestamp{std::int64_t{h.unix_secs}, 0}); break;
            case KeyKind::kVersion: *to = static_cast<std::uint8_t>(h.version); break;
            case KeyKind::kSeqno: store_uint(to, h.sequence, 4); break;
            case KeyKind::kSysid: store_uint(to, h.source_id, 4); break;
            case KeyKind::kEtype: {
                std::uint64_t v = read(record, k.src);
                if (v == 0 && (src.present() || dst.present())) v = ipv6_flow ? 0x86DD : 0x0800;
                store_uint(to, v, 2);
                break;
            }
            case KeyKind::kDirection: {
                const std::uint64_t d = read(record, k.src);
                *to = !k.has ? 'u' : d == 0 ? 'i' : d == 1 ? 'e' : 'u';
                break;
            }
            case KeyKind::kPeerDst: {
                IpAddress a;
                if (!k.src.present()) {
                    if (k.alt.present()) a.set_v6(record + k.alt.offset);
                } else if (!v6) {
                    a.set_v4(record + k.src.offset);
                } else {
                    a.set_v4_mapped(record + k.src.offset);
                }
                aggregate::write_ip(to, a);
                break;
            }
        }
    }
}

void DirectProgram::write(const std::uint8_t* record, const flow::DirectSet& s, std::uint8_t* out) const {
    write_inline(record, s, out);
}

bool DirectRecords::usable(const plugin::PluginHost& host) {
    if (host.plugin_count() == 0) return false;
    for (std::size_t i = 0; i < host.plugin_count(); ++i) {
        if (!host.takes_plain_records(i) || !DirectProgram::supports(host.layout(i))) return false;
    }
    return true;
}

const DirectRecords::Entry& DirectRecords::entry_for(const plugin::PluginHost& host, const flow::DirectSet& s) {
    const flow::Template& t = s.t;
    if (last_ != nullptr && last_serial_ == t.serial) return *last_;
    auto it = programs_.find(t.serial);
    if (it == programs_.end()) {
        if (programs_.size() >= kMaxEntries) programs_.clear();
        Entry e;
        for (std::size_t i = 0; i < host.plugin_count(); ++i) {
            auto p = DirectProgram::compile(s.t, host.layout(i), s.use_ip_next_hop);
            if (!p) {
                e.programs.clear();
                break;
            }
            e.programs.push_back(std::move(*p));
        }
        it = programs_.emplace(t.serial, std::move(e)).first;
    }
    last_serial_ = t.serial;
    last_ = &it->second;
    return *last_;
}

const flow::Template& DirectProgram::v5_template() {
    // Compiled (and kept) by a decoder of its own, as an exporter's v9 template would be.
    static const flow::Template& t = []() -> const flow::Template& {
        static flow::TemplateDecoder decoder;
        flow::Template v5;
        v5.id = 256;
        // srcaddr, dstaddr, nexthop, input, output, dPkts, dOctets, First, Last, srcport,
        // dstport, pad1, tcp_flags, prot, tos, src_as, dst_as, src_mask, dst_mask, pad2.
        v5.fields = {{8, 4},  {12, 4}, {15, 4}, {10, 2}, {14, 2}, {2, 4},  {1, 4},
                     {22, 4}, {21, 4}, {7, 2},  {11, 2}, {210, 1}, {6, 1}, {4, 1},
                     {5, 1},  {16, 2}, {17, 2}, {9, 1},  {13, 1}, {210, 2}};
        flow::TemplateKey key;
        key.id = v5.id;
        key.version = 9;
        decoder.install_template(key, std::move(v5));
        return *decoder.find(key);
    }();
    return t;
}

flow::V9Header DirectProgram::v5_header(const flow::NetflowV5Header& v5) {
    flow::V9Header h;
    h.version = 5;
    h.count = v5.count;
    h.sys_uptime = v5.sys_uptime;
    h.unix_secs = v5.unix_secs;
    h.sequence = v5.flow_sequence;
    h.source_id = v5.engine_id;
    return h;
}

std::optional<DirectProgram> DirectProgram::compile_v5(const aggregate::KeyLayout& layout, bool use_ip_next_hop) {
    for (const auto& f : layout.fields()) {
        // The v5 decoder leaves these 0, where the program derives them as v9 and IPFIX have
        // them: the ethertype from the address family, the direction as 'u'.
        if (f.spec->name == "etype" || f.spec->name == "sampling_direction") return std::nullopt;
    }
    auto p = compile(v5_template(), layout, use_ip_next_hop);
    if (p) p->v5_ = true;
    return p;
}

bool DirectRecords::write_v5(plugin::PluginHost& host, const flow::NetflowV5Header& header, const std::uint8_t* records,
                             const IpAddress& exporter, Timestamp arrival, bool use_ip_next_hop) {
    if (!v5_) {
        Entry e;
        for (std::size_t i = 0; i < host.plugin_count(); ++i) {
            auto p = DirectProgram::compile_v5(host.layout(i), use_ip_next_hop);
            if (!p) {
                e.programs.clear();
                break;
            }
            e.programs.push_back(std::move(*p));
        }
        v5_ = std::move(e);
    }
    if (v5_->programs.empty()) return false;
    const flow::V9Header h = DirectProgram::v5_header(header);
    const flow::DirectSet s{DirectProgram::v5_template(),
                            {records, std::size_t{header.count} * flow::kNetflowV5RecordSize},
                            header.count,
                            h,
                            exporter,
                            arrival,
                            use_ip_next_hop};
    return write_with(host, *v5_, s);
}

bool DirectRecords::write(plugin::PluginHost& host, const flow::DirectSet& s) {
    const Entry& e = entry_for(host, s);
    return write_with(host, e, s);
}

bool DirectRecords::write_with(plugin::PluginHost& host, const Entry& e, const flow::DirectSet& s) {
    if (e.programs.empty()) return false;
    const std::uint8_t* const data = s.data.data();
    const std::size_t length = s.t.record_length;
    records_ += s.records;
    host.send_written(s.records, [&](std::size_t plugin, std::uint32_t k, std::uint8_t* out) {
        e.programs[plugin].write_inline(data + std::size_t{k} * length, s, out);
    });
    return true;
}

}  // namespace pmacct::collector
