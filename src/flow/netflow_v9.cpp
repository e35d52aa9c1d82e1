#include "pmacct/flow/netflow_v9.hpp"

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <type_traits>
#include <utility>

#include "pmacct/base/byte_reader.hpp"
#include "pmacct/base/unaligned.hpp"
#include "pmacct/flow/netflow_v5.hpp"

namespace pmacct::flow {
namespace {

constexpr std::uint16_t kVariableLength = 65535;
constexpr std::uint16_t kV9TemplateSet = 0;
constexpr std::uint16_t kV9OptionsTemplateSet = 1;
constexpr std::uint16_t kIpfixTemplateSet = 2;
constexpr std::uint16_t kIpfixOptionsTemplateSet = 3;
constexpr std::uint16_t kFirstDataSet = 256;
// Seconds between the NTP era (1900) and the Unix epoch, for IPFIX dateTimeMicro/Nanoseconds.
constexpr std::uint64_t kNtpToUnix = 2208988800ULL;

// The place an IANA element goes to; kSkip for elements the record has no field for, and for
// enterprise elements (custom primitives read those from the template itself).
Target target_of(const TemplateField& f) {
    if (f.pen == 43874) {
        // What pmacct's nfprobe exports of a flow's tag, tag2 and label.
        switch (f.type) {
            case 1: return Target::kPmacctTag;
            case 2: return Target::kPmacctTag2;
            case 3: return Target::kPmacctLabel;
            default: return Target::kSkip;
        }
    }
    if (f.pen != 0) return Target::kSkip;
    switch (f.type) {
        case 1: return Target::kBytes;
        case 2: return Target::kPackets;
        case 3: return Target::kFlows;
        case 4: return Target::kProto;
        case 5: return Target::kTos;
        case 6: return Target::kTcpFlags;
        case 7: return Target::kSrcPort;
        case 8: return Target::kSrcV4;
        case 9: return Target::kSrcMask;
        case 10: return Target::kInIface;
        case 11: return Target::kDstPort;
        case 12: return Target::kDstV4;
        case 13: return Target::kDstMask;
        case 14: return Target::kOutIface;
        case 15: return Target::kNextHopV4;
        case 16: return Target::kSrcAs;
        case 17: return Target::kDstAs;
        case 18: return Target::kBgpNextHopV4;
        case 21: return Target::kLastUptime;
        case 22: return Target::kFirstUptime;
        case 23: return Target::kOutBytes;
        case 24: return Target::kOutPackets;
        case 27: return Target::kSrcV6;
        case 28: return Target::kDstV6;
        case 29: return Target::kSrcMask6;
        case 30: return Target::kDstMask6;
        case 31: return Target::kFlowLabel;
        case 34: return Target::kSamplingInterval;
        case 48: return Target::kSamplerId;
        case 50: return Target::kSamplingInterval;
        case 56: return Target::kSrcMac;
        case 57: return Target::kPostDstMac;
        case 58: return Target::kVlan;
        case 59: return Target::kPostVlan;
        case 61: return Target::kDirection;
        case 62: return Target::kNextHopV6;
        case 63: return Target::kBgpNextHopV6;
        case 80: return Target::kDstMac;
        case 81: return Target::kPostSrcMac;
        case 85: return Target::kTotalBytes;
        case 86: return Target::kTotalPackets;
        case 150: return Target::kStartSec;
        case 151: return Target::kEndSec;
        case 152: return Target::kStartMs;
        case 153: return Target::kEndMs;
        case 154: return Target::kStartUs;
        case 155: return Target::kEndUs;
        case 156: return Target::kStartNs;
        case 157: return Target::kEndNs;
        case 160: return Target::kSysInitMs;
        case 60: return Target::kIpVersion;
        case 252: return Target::kInPhysIface;
        case 253: return Target::kOutPhysIface;
        case 315: return Target::kDataLinkFrame;
        case 322: return Target::kObservationSec;
        case 323: return Target::kObservationMs;
        case 324: return Target::kObservationUs;
        case 325: return Target::kObservationNs;
        case 243: return Target::kDot1qVlan;
        case 244: return Target::kCos;
        case 256: return Target::kEtype;
        case 70: case 71: case 72: case 73: case 74:
        case 75: case 76: case 77: case 78: case 79: return Target::kMplsLabel;
        case 82: return Target::kIfName;
        case 89: return Target::kFwdStatus;
        case 90: return Target::kMplsRd;
        case 95: return Target::kAppId;
        case 96: return Target::kAppName;
        case 130: return Target::kExporterV4;
        case 131: return Target::kExporterV6;
        case 225: return Target::kPostNatSrcV4;
        case 226: return Target::kPostNatDstV4;
        case 227: return Target::kPostNatSrcPort;
        case 228: return Target::kPostNatDstPort;
        case 230: return Target::kNatEvent;
        case 233: return Target::kFwEvent;
        case 234: return Target::kIngressVrf;
        case 235: return Target::kEgressVrf;
        case 236: return Target::kVrfName;
        case 245: return Target::kInCvlan;
        case 249: return Target::kPwId;
        case 255: return Target::kOutCvlan;
        case 281: return Target::kPostNatSrcV6;
        case 282: return Target::kPostNatDstV6;
        case 351: return Target::kLayer2Segment;
        // Cisco ASA NSEL (NetFlow v9 only: in IPFIX these ids carry the enterprise bit).
        case 40001: return Target::kPostNatSrcV4;
        case 40002: return Target::kPostNatDstV4;
        case 40003: return Target::kPostNatSrcPort;
        case 40004: return Target::kPostNatDstPort;
        case 40005: return Target::kFwEvent;
        case 302: return Target::kSelectorId;
        case 305: return Target::kPacketInterval;
        case 306: return Target::kPacketSpace;
        default: return Target::kSkip;
    }
}

// Copies a plain object 16 bytes at a time. Per record this replaces `dst = src` and `dst = {}`
// on the FlowRecord and the raw values: the string instructions compilers use for those sizes
// cost more to start, and stall the narrow stores that follow into the same lines.
using Chunk = unsigned char __attribute__((vector_size(16)));

template <typename T>
void copy_plain(T& dst, const T& src) {
    static_assert(std::is_trivially_copyable_v<T>);
    auto* d = reinterpret_cast<unsigned char*>(&dst);
    const auto* s = reinterpret_cast<const unsigned char*>(&src);
    std::size_t i = 0;
    for (; i + sizeof(Chunk) <= sizeof(T); i += sizeof(Chunk)) {
        Chunk c;
        std::memcpy(&c, s + i, sizeof c);
        std::memcpy(d + i, &c, sizeof c);
    }
    if constexpr (sizeof(T) % sizeof(Chunk) != 0) {
        std::memcpy(d + sizeof(T) - sizeof(T) % sizeof(Chunk), s + sizeof(T) - sizeof(T) % sizeof(Chunk),
                    sizeof(T) % sizeof(Chunk));
    }
}

// Copies the 16-byte chunks of `src` at the byte offsets `chunks` into `dst`.
template <typename T>
void copy_chunks(T& dst, const T& src, const std::vector<std::uint16_t>& chunks) {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) >= sizeof(Chunk));
    auto* d = reinterpret_cast<unsigned char*>(&dst);
    const auto* s = reinterpret_cast<const unsigned char*>(&src);
    for (const std::uint16_t at : chunks) {
        Chunk v;
        std::memcpy(&v, s + at, sizeof v);
        std::memcpy(d + at, &v, sizeof v);
    }
}

// Where a member is in its object: offset and size (offsetof without a macro).
using Place = std::pair<std::size_t, std::size_t>;
template <typename S, typename M>
Place place(M S::*member) {
    static const S probe{};
    const auto* object = reinterpret_cast<const unsigned char*>(&probe);
    const auto* field = reinterpret_cast<const unsigned char*>(&(probe.*member));
    return {static_cast<std::size_t>(field - object), sizeof(M)};
}

// Stores the low bytes of `v` as a U, at `to`.
template <typename U>
void store_as(std::uint8_t* to, std::uint64_t v) {
    const auto u = static_cast<U>(v);
    std::memcpy(to, &u, sizeof u);
}

// NTP-format timestamp (IPFIX dateTimeMicroseconds / dateTimeNanoseconds) to Unix
// microseconds; 0 before 1970.
std::uint64_t ntp_to_unix_us(std::uint64_t ntp) {
    const std::uint64_t secs = ntp >> 32;
    if (secs < kNtpToUnix) return 0;
    const std::uint64_t frac_us = ((ntp & 0xFFFFFFFFULL) * 1000000ULL) >> 32;
    return (secs - kNtpToUnix) * 1000000ULL + frac_us;
}

// A text element: up to its first NUL (fixed-length strings are NUL-padded).
std::string_view text_of(const std::uint8_t* p, std::size_t n) {
    const char* c = reinterpret_cast<const char*>(p);
    return {c, strnlen(c, n)};
}

}  // namespace

const TemplateDecoder::Raw TemplateDecoder::kEmptyRaw{};

std::string_view describe(V9Outcome outcome) {
    switch (outcome) {
        case V9Outcome::kOk: return "ok";
        case V9Outcome::kShortHeader: return "discarding short NetFlow v9/IPFIX packet";
        case V9Outcome::kWrongVersion: return "discarding unknown packet";
        case V9Outcome::kBadLength:
        case V9Outcome::kMalformedSet:
        case V9Outcome::kFailedChecks: return "discarding malformed NetFlow v9/IPFIX packet";
    }
    return "discarding unknown packet";
}

std::size_t TemplateKeyHash::operator()(const TemplateKey& k) const noexcept {
    return exporter_hash(k.exporter, (std::uint64_t{k.id} << 8) | k.version);
}

std::size_t TemplateDecoder::SamplerKeyHash::operator()(const SamplerKey& k) const noexcept {
    return exporter_hash(k.exporter, k.id);
}

std::size_t TemplateDecoder::NameKeyHash::operator()(const NameKey& k) const noexcept {
    return exporter_hash(k.exporter, (k.id << 3) ^ static_cast<std::uint64_t>(k.kind));
}

namespace {

using T = Target;

// What each primitive reads from a record beyond what every record needs.
struct PrimitiveTargets {
    std::string_view primitive;
    std::initializer_list<Target> targets;
};
const PrimitiveTargets kPrimitiveTargets[] = {
    {"src_host", {}}, {"dst_host", {}}, {"sum_host", {}}, {"sum", {}},
    {"src_net", {T::kSrcMask, T::kSrcMask6}}, {"dst_net", {T::kDstMask, T::kDstMask6}},
    {"sum_net", {T::kSrcMask, T::kSrcMask6, T::kDstMask, T::kDstMask6}},
    {"src_mask", {T::kSrcMask, T::kSrcMask6}}, {"dst_mask", {T::kDstMask, T::kDstMask6}},
    {"src_port", {T::kSrcPort}}, {"dst_port", {T::kDstPort}},
    {"sum_port", {T::kSrcPort, T::kDstPort}},
    {"proto", {T::kProto}}, {"tos", {T::kTos}}, {"tcpflags", {}}, {"flows", {}}, {"none", {}},
    {"src_as", {T::kSrcAs}}, {"dst_as", {T::kDstAs}}, {"sum_as", {T::kSrcAs, T::kDstAs}},
    {"peer_dst_ip", {T::kNextHopV4, T::kNextHopV6, T::kBgpNextHopV4, T::kBgpNextHopV6}},
    {"in_iface", {T::kInIface, T::kInPhysIface}}, {"out_iface", {T::kOutIface, T::kOutPhysIface}},
    {"src_mac", {T::kSrcMac, T::kPostSrcMac}}, {"dst_mac", {T::kDstMac, T::kPostDstMac}},
    {"sum_mac", {T::kSrcMac, T::kPostSrcMac, T::kDstMac, T::kPostDstMac}},
    {"vlan", {T::kVlan, T::kDot1qVlan}}, {"in_vlan", {T::kVlan, T::kDot1qVlan}}, {"out_vlan", {T::kPostVlan}},
    {"cos", {T::kCos}}, {"etype", {T::kEtype}}, {"flow_label", {T::kFlowLabel}},
    {"sampling_rate", {}}, {"sampling_direction", {T::kDirection}}, {"peer_src_ip", {}},
    {"export_proto_seqno", {}}, {"export_proto_version", {}}, {"export_proto_sysid", {}},
    {"timestamp_start", {}}, {"timestamp_end", {}}, {"timestamp_arrival", {}}, {"timestamp_export", {}},
    {"tag", {T::kPmacctTag}}, {"tag2", {T::kPmacctTag2}}, {"label", {T::kPmacctLabel}},
};

}  // namespace

TargetSet targets_for(std::span<const std::string> primitives) {
    // Every record: counters, times, addresses (flow type, etype), sampling, sampled frames,
    // the exporter's own address, TCP flags (they travel with the counters).
    TargetSet needed;
    for (const Target t : {T::kBytes, T::kPackets, T::kFlows, T::kOutBytes, T::kOutPackets, T::kTotalBytes,
                           T::kTotalPackets, T::kTcpFlags, T::kSrcV4, T::kDstV4, T::kSrcV6, T::kDstV6, T::kIpVersion,
                           T::kFirstUptime, T::kLastUptime, T::kStartSec, T::kEndSec, T::kStartMs, T::kEndMs,
                           T::kStartUs, T::kEndUs, T::kStartNs, T::kEndNs, T::kSysInitMs, T::kObservationSec,
                           T::kObservationMs, T::kObservationUs, T::kObservationNs, T::kSamplerId,
                           T::kSamplingInterval, T::kSelectorId, T::kPacketInterval, T::kPacketSpace,
                           T::kDataLinkFrame, T::kExporterV4, T::kExporterV6}) {
        needed.set(static_cast<std::size_t>(t));
    }
    for (const std::string& p : primitives) {
        const auto it = std::find_if(std::begin(kPrimitiveTargets), std::end(kPrimitiveTargets),
                                     [&](const PrimitiveTargets& e) { return e.primitive == p; });
        if (it == std::end(kPrimitiveTargets)) return TargetSet().set();  // not listed: keep everything
        for (const Target t : it->targets) needed.set(static_cast<std::size_t>(t));
    }
    return needed;
}

void compile_template(Template& t, std::span<const CustomElement> custom, const TargetSet& needed) {
    t.ops.clear();
    t.variable = false;
    for (const TemplateField& f : t.fields) t.variable = t.variable || f.length == kVariableLength;
    std::uint32_t offset = 0;
    for (std::size_t i = 0; i < t.fields.size(); ++i) {
        const TemplateField& f = t.fields[i];
        // NetFlow v9 scopes are their own numbering: 1 system, 2 interface, 3 line card, 4 cache,
        // 5 template. Only the interface says something a record can use.
        const bool v9_scope = t.v9_scopes && i < t.scope_fields;
        Target target = !v9_scope ? target_of(f) : f.type == 2 ? Target::kInIface : Target::kSkip;
        if (!t.options && !needed.test(static_cast<std::size_t>(target))) target = Target::kSkip;
        std::uint8_t custom_index = kNoCustom;
        for (std::size_t c = 0; c < custom.size() && c < kNoCustom; ++c) {
            if (!v9_scope && custom[c].type == f.type && custom[c].pen == f.pen) {
                custom_index = static_cast<std::uint8_t>(c);
                break;
            }
        }
        if (t.variable || target != Target::kSkip || custom_index != kNoCustom) {
            const auto index = static_cast<std::uint8_t>(target == Target::kMplsLabel ? f.type - 70 : 0);
            t.ops.push_back(FieldOp{target, index, static_cast<std::uint16_t>(t.variable ? 0 : offset), f.length,
                                    custom_index});
        }
        offset += f.length == kVariableLength ? 1U : f.length;  // a variable field takes at least its length byte
    }
    t.record_length = offset;
    t.traits = 0;
    const auto has_element = [&t](std::uint16_t type) {
        return std::any_of(t.fields.begin(), t.fields.end(), [type](const TemplateField& f) { return f.pen == 0 && f.type == type; });
    };
    if (has_element(231) && has_element(232)) t.traits |= kTemplateBiFlow;
    if (has_element(233) || has_element(40005)) t.traits |= kTemplateNsel;
    if (has_element(230)) t.traits |= kTemplateNel;
    // Events: no octet or packet counter of any kind (in/out/total, initiator/responder), and
    // no sampled frame either (its size counts: Juniper's dataLinkFrameSize/Section records).
    t.event = !t.options && std::none_of(t.fields.begin(), t.fields.end(), [](const TemplateField& f) {
        constexpr std::uint16_t kCounters[] = {1, 2, 23, 24, 85, 86, 104, 231, 232, 298, 299, 312, 313, 314, 315};
        return f.pen == 0 && std::find(std::begin(kCounters), std::end(kCounters), f.type) != std::end(kCounters);
    });
}

TemplateDecoder::TemplateDecoder(const TemplateOptions& options) : options_(options) {
    // Bins by arrival, scaled counters and custom values are written by finish_record() and
    // apply(): records that take the direct path have none of them.
    direct_allowed_ = !options_.time_new && !options_.renormalize && options_.custom.empty();
    const std::size_t n = std::min<std::size_t>(options_.custom.size(), kNoCustom);
    custom_.resize(n);
    custom_next_.assign(n, kNoCustom);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) {
            if (options_.custom[j].type == options_.custom[i].type && options_.custom[j].pen == options_.custom[i].pen) {
                custom_next_[i] = static_cast<std::uint8_t>(j);
                break;
            }
        }
    }
}

void TemplateDecoder::compile_stores(Template& t) const {
    using R = FlowRecord;
    using W = Raw;
    static_assert(sizeof(R) <= 64 * sizeof(Chunk) && sizeof(W) <= 64 * sizeof(Chunk));
    t.lean = false;
    t.record_chunks.clear();
    t.raw_chunks.clear();
    t.record_chunks_each.clear();
    t.flags_at.clear();
    const auto* const self = reinterpret_cast<const std::uint8_t*>(this);
    const auto record_at = static_cast<std::uint32_t>(reinterpret_cast<const std::uint8_t*>(&record_) - self);
    const auto raw_at = static_cast<std::uint32_t>(reinterpret_cast<const std::uint8_t*>(&raw_) - self);
    std::bitset<64> record_dirty;
    std::bitset<64> raw_dirty;
    const auto mark = [](std::bitset<64>& dirty, std::size_t at, std::size_t size) {
        for (std::size_t c = at / sizeof(Chunk); c <= (at + size - 1) / sizeof(Chunk); ++c) dirty.set(c);
    };
    // What finish_record() writes into any record (names, MPLS and VRFs aside: see restore()).
    for (const auto& [at, size] : {place(&R::bytes), place(&R::packets), place(&R::flows), place(&R::src_ip),
                                   place(&R::dst_ip), place(&R::time_start), place(&R::time_end),
                                   place(&R::sampling_direction), place(&R::sampling_rate), place(&R::type),
                                   place(&R::etype)}) {
        mark(record_dirty, at, size);
    }
    // And what it writes only with some options or elements.
    if (options_.time_new) {
        mark(record_dirty, place(&R::time_bin).first, sizeof(R::time_bin));
        mark(record_dirty, place(&R::time_bin_end).first, sizeof(R::time_bin_end));
    }
    const auto has = [&t](std::initializer_list<Target> targets) {
        return std::any_of(t.ops.begin(), t.ops.end(), [&](const FieldOp& op) {
            return std::find(targets.begin(), targets.end(), op.target) != targets.end();
        });
    };
    if (has({Target::kNextHopV4, Target::kNextHopV6, Target::kBgpNextHopV4, Target::kBgpNextHopV6})) {
        mark(record_dirty, place(&R::ip_next_hop).first, sizeof(R::ip_next_hop));
        mark(record_dirty, place(&R::bgp_next_hop).first, sizeof(R::bgp_next_hop));
    }
    if (has({Target::kInPhysIface, Target::kOutPhysIface})) {
        mark(record_dirty, place(&R::in_iface).first, sizeof(R::in_iface));
        mark(record_dirty, place(&R::out_iface).first, sizeof(R::out_iface));
    }
    // And what for_each_record() sets on every record.
    for (const auto& [at, size] : {place(&R::flowset_id), place(&R::template_traits)}) mark(record_dirty, at, size);
    // All of that is put back between records; the plain stores below are not (the next record
    // overwrites them: every store writes its target whole, and the flags are set every time).
    const std::bitset<64> record_each = record_dirty;
    bool lean = !t.variable && !t.options;
    for (FieldOp& op : t.ops) {
        op.store = Store::kGeneral;
        op.to_raw = false;
        op.at = 0;
        op.flag = kNoFlag;
        if (t.variable || op.custom != kNoCustom) {
            lean = false;
            continue;
        }
        // A number of `size` bytes into the record or the raw values.
        const auto number = [&op](bool raw, Place where, std::size_t flag = kNoFlag) {
            const auto [at, size] = where;
            op.store = size == 1 ? Store::kU8 : size == 2 ? Store::kU16 : size == 4 ? Store::kU32 : Store::kU64;
            if (op.length == size) {
                op.store = size == 1 ? Store::kU8x1 : size == 2 ? Store::kU16x2 : size == 4 ? Store::kU32x4 : Store::kU64x8;
            } else if (size == 8 && op.length == 4) {
                op.store = Store::kU64x4;
            }
            op.to_raw = raw;
            op.at = static_cast<std::uint16_t>(at);
            op.flag = static_cast<std::uint16_t>(flag);
        };
        const auto pointer = [&op](std::size_t length, std::size_t at) {
            if (op.length != length) return;  // the element is ignored: apply() does nothing
            op.store = Store::kPointer;
            op.to_raw = true;
            op.at = static_cast<std::uint16_t>(at);
        };
        switch (op.target) {
            case Target::kBytes: number(false, place(&R::bytes)); break;
            case Target::kPackets: number(false, place(&R::packets)); break;
            case Target::kFlows: number(false, place(&R::flows)); break;
            case Target::kProto: number(false, place(&R::proto)); break;
            case Target::kTos: number(false, place(&R::tos)); break;
            case Target::kTcpFlags: number(false, place(&R::tcp_flags)); break;
            case Target::kSrcPort: number(false, place(&R::src_port)); break;
            case Target::kDstPort: number(false, place(&R::dst_port)); break;
            case Target::kSrcMask:
            case Target::kSrcMask6: number(false, place(&R::src_mask)); break;
            case Target::kDstMask:
            case Target::kDstMask6: number(false, place(&R::dst_mask)); break;
            case Target::kInIface: number(false, place(&R::in_iface)); break;
            case Target::kOutIface: number(false, place(&R::out_iface)); break;
            case Target::kSrcAs: number(false, place(&R::src_as)); break;
            case Target::kDstAs: number(false, place(&R::dst_as)); break;
            case Target::kPostVlan: number(false, place(&R::out_vlan)); break;
            case Target::kCos: number(false, place(&R::cos)); break;
            case Target::kEtype: number(false, place(&R::etype)); break;
            case Target::kPostNatSrcPort: number(false, place(&R::post_nat_src_port)); break;
            case Target::kPostNatDstPort: number(false, place(&R::post_nat_dst_port)); break;
            case Target::kNatEvent: number(false, place(&R::nat_event)); break;
            case Target::kFwEvent: number(false, place(&R::fw_event)); break;
            case Target::kFwdStatus: number(false, place(&R::fwd_status)); break;
            case Target::kInCvlan: number(false, place(&R::in_cvlan)); break;
            case Target::kOutCvlan: number(false, place(&R::out_cvlan)); break;
            case Target::kPwId: number(false, place(&R::mpls_pw_id)); break;
            case Target::kPmacctTag: number(false, place(&R::tag)); break;
            case Target::kPmacctTag2: number(false, place(&R::tag2)); break;
            case Target::kOutBytes: number(true, place(&W::out_bytes)); break;
            case Target::kOutPackets: number(true, place(&W::out_packets)); break;
            case Target::kTotalBytes: number(true, place(&W::total_bytes)); break;
            case Target::kTotalPackets: number(true, place(&W::total_packets)); break;
            case Target::kFirstUptime:
                number(true, place(&W::first_uptime), place(&W::has_first_uptime).first);
                break;
            case Target::kLastUptime:
                number(true, place(&W::last_uptime), place(&W::has_last_uptime).first);
                break;
            case Target::kStartSec:
            case Target::kStartMs:
                number(true, place(&W::start_abs_us), place(&W::has_start_abs).first);
                op.store = op.target == Target::kStartSec ? Store::kSecondsToUs : Store::kMillisToUs;
                break;
            case Target::kEndSec:
            case Target::kEndMs:
                number(true, place(&W::end_abs_us), place(&W::has_end_abs).first);
                op.store = op.target == Target::kEndSec ? Store::kSecondsToUs : Store::kMillisToUs;
                break;
            case Target::kSysInitMs: number(true, place(&W::sys_init_ms), place(&W::has_sys_init).first); break;
            case Target::kDirection: number(true, place(&W::direction), place(&W::has_direction).first); break;
            case Target::kSamplerId:
            case Target::kSelectorId:
                number(true, place(&W::sampler_id), place(&W::has_sampler_id).first);
                break;
            case Target::kSamplingInterval: number(true, place(&W::sampling_interval)); break;
            case Target::kPacketInterval: number(true, place(&W::packet_interval)); break;
            case Target::kPacketSpace: number(true, place(&W::packet_space)); break;
            case Target::kIpVersion: number(true, place(&W::ip_version)); break;
            case Target::kInPhysIface: number(true, place(&W::in_phys_iface)); break;
            case Target::kOutPhysIface: number(true, place(&W::out_phys_iface)); break;
            case Target::kSrcV4: pointer(4, place(&W::src4).first); break;
            case Target::kDstV4: pointer(4, place(&W::dst4).first); break;
            case Target::kSrcV6: pointer(16, place(&W::src6).first); break;
            case Target::kDstV6: pointer(16, place(&W::dst6).first); break;
            case Target::kNextHopV4: pointer(4, place(&W::next_hop4).first); break;
            case Target::kNextHopV6: pointer(16, place(&W::next_hop6).first); break;
            case Target::kBgpNextHopV4: pointer(4, place(&W::bgp_next_hop4).first); break;
            case Target::kBgpNextHopV6: pointer(16, place(&W::bgp_next_hop6).first); break;
            default: break;  // conversions, conditions, several fields: apply()
        }
        if (op.store == Store::kGeneral) {
            lean = false;
            continue;
        }
        const std::size_t size = op.store == Store::kU8 || op.store == Store::kU8x1     ? 1
                                 : op.store == Store::kU16 || op.store == Store::kU16x2 ? 2
                                 : op.store == Store::kU32 || op.store == Store::kU32x4 ? 4
                                                                                        : 8;
        mark(op.to_raw ? raw_dirty : record_dirty, op.at, size);
        op.dst = (op.to_raw ? raw_at : record_at) + op.at;
        if (op.flag != kNoFlag) {
            mark(raw_dirty, op.flag, 1);
            if (!t.variable) t.flags_at.push_back(raw_at + op.flag);
        }
    }
    if (!lean) return;
    t.lean = true;
    // Chunk c: the 16 bytes at 16 c, the last one ending with the object.
    const auto offsets = [](const std::bitset<64>& dirty, std::size_t object_size, std::vector<std::uint16_t>& out) {
        for (std::size_t c = 0; c < dirty.size(); ++c) {
            if (dirty.test(c)) out.push_back(static_cast<std::uint16_t>(std::min(c * sizeof(Chunk), object_size - sizeof(Chunk))));
        }
    };
    offsets(record_dirty, sizeof(R), t.record_chunks);
    offsets(raw_dirty, sizeof(W), t.raw_chunks);
    offsets(record_each, sizeof(R), t.record_chunks_each);
}

bool TemplateDecoder::install_template(const TemplateKey& key, Template t) {
    if (t.id < kFirstDataSet || t.fields.empty() || t.scope_fields > t.fields.size()) return false;
    compile_template(t, options_.custom, options_.needed);
    compile_stores(t);
    if (t.record_length == 0 || t.record_length > 65535) return false;
    if (templates_.size() >= options_.max_templates && templates_.find(key) == templates_.end()) return false;
    t.serial = ++last_serial_;
    templates_[key] = std::move(t);
    ++template_generation_;
    return true;
}

const Template* TemplateDecoder::find(const TemplateKey& key) const {
    auto it = templates_.find(key);
    return it == templates_.end() ? nullptr : &it->second;
}

bool TemplateDecoder::begin(std::span<const std::uint8_t> datagram, const IpAddress& exporter,
                            Timestamp arrival, V9DecodeResult& result, std::span<const std::uint8_t>& sets) {
    ByteReader r(datagram);
    V9Header& h = result.header;
    h.version = r.u16();
    if (!r.ok()) {
        result.outcome = V9Outcome::kShortHeader;
    } else if (h.version == 9) {
        h.count = r.u16();
        h.sys_uptime = r.u32();
        h.unix_secs = r.u32();
        h.sequence = r.u32();
        h.source_id = r.u32();
        if (!r.ok()) result.outcome = V9Outcome::kShortHeader;
    } else if (h.version == 10) {
        h.count = r.u16();
        h.unix_secs = r.u32();
        h.sequence = r.u32();
        h.source_id = r.u32();
        if (!r.ok()) {
            result.outcome = V9Outcome::kShortHeader;
        } else if (h.count != datagram.size()) {
            // The message length: a shorter datagram was truncated; trailing bytes are not ours.
            if (h.count > datagram.size() || h.count < kIpfixHeaderSize) {
                result.outcome = V9Outcome::kBadLength;
            } else {
                datagram = datagram.first(h.count);
            }
        }
    } else {
        result.outcome = V9Outcome::kWrongVersion;
    }
    if (!result.ok()) {
        ++counters_.malformed;
        return false;
    }
    ++counters_.datagrams;
    header_ = h;
    exporter_ = ExporterKey{options_.ignore_exporter_address ? IpAddress{} : exporter, h.source_id};
    memo_valid_ = false;
    sets = datagram.subspan(h.version == 9 ? kNetflowV9HeaderSize : kIpfixHeaderSize);

    peer_ = exporter;
    arrival_ = arrival;
    // The FlowRecord records start from is made when a set first needs it (prepare_base()):
    // sets that take the direct path do not.
    base_ready_ = false;
    return true;
}

void TemplateDecoder::prepare_base() {
    base_ = FlowRecord{};
    base_.peer_src_ip = peer_;
    base_.export_proto_version = static_cast<std::uint8_t>(header_.version);
    base_.export_proto_seqno = header_.sequence;
    base_.export_proto_sysid = header_.source_id;
    base_.time_arrival = arrival_;
    base_.time_export = Timestamp{std::int64_t{header_.unix_secs}, 0};
    base_.custom = custom_.empty() ? nullptr : custom_.data();
    // Records start from base_; after each, restore() puts back what it changed.
    copy_plain(record_, base_);
    copy_plain(raw_, kEmptyRaw);
    base_ready_ = true;
}

void TemplateDecoder::restore(const Template& t) {
    // Names from options data go into any record (finish_mpls_and_names): all back then.
    if (t.lean && name_kinds_ == 0) {
        copy_chunks(record_, base_, t.record_chunks);
        copy_chunks(raw_, kEmptyRaw, t.raw_chunks);
    } else {
        copy_plain(record_, base_);
        copy_plain(raw_, kEmptyRaw);
    }
    if (!custom_.empty()) std::fill(custom_.begin(), custom_.end(), CustomValue{});
}

void TemplateDecoder::restore_between(const Template& t) {
    // A lean template writes no custom values (custom fields make it not lean), and its raw
    // values only by stores.
    if (t.lean && name_kinds_ == 0) {
        copy_chunks(record_, base_, t.record_chunks_each);
        return;
    }
    restore(t);
}

bool TemplateDecoder::sets_well_formed(std::span<const std::uint8_t> sets) {
    while (sets.size() >= 4) {
        const std::size_t length = (std::size_t{sets[2]} << 8) | sets[3];
        if (length < 4 || length > sets.size()) return false;
        sets = sets.subspan(length);
    }
    return true;
}

const Template* TemplateDecoder::next_set(std::span<const std::uint8_t>& sets, V9DecodeResult& result,
                                          std::span<const std::uint8_t>& data) {
    if (sets.size() < 4) {  // trailing padding
        sets = {};
        return nullptr;
    }
    const auto id = static_cast<std::uint16_t>((sets[0] << 8) | sets[1]);
    const auto length = static_cast<std::uint16_t>((sets[2] << 8) | sets[3]);
    if (length < 4 || length > sets.size()) {
        // Nothing after a broken set length can be trusted; what came before stands.
        ++counters_.malformed;
        result.outcome = V9Outcome::kMalformedSet;
        sets = {};
        return nullptr;
    }
    const std::span<const std::uint8_t> body = sets.subspan(4, length - 4U);
    sets = sets.subspan(length);
    if (id < kFirstDataSet) {
        learn_templates(body, id);
        return nullptr;
    }
    auto it = templates_.find(TemplateKey{exporter_, id, static_cast<std::uint8_t>(header_.version)});
    if (it == templates_.end()) {
        ++counters_.unknown_template_sets;
        ++result.unknown_sets;
        result.unknown_template = id;
        return nullptr;
    }
    data = body;
    return &it->second;
}

void TemplateDecoder::learn_templates(std::span<const std::uint8_t> body, std::uint16_t set_id) {
    const bool ipfix = header_.version == 10;
    const bool v9_template = !ipfix && set_id == kV9TemplateSet;
    const bool v9_options = !ipfix && set_id == kV9OptionsTemplateSet;
    const bool ipfix_template = ipfix && set_id == kIpfixTemplateSet;
    const bool ipfix_options = ipfix && set_id == kIpfixOptionsTemplateSet;
    if (!v9_template && !v9_options && !ipfix_template && !ipfix_options) return;  // reserved ids

    ByteReader r(body);
    while (r.remaining() >= 4) {
        Template t;
        t.id = r.u16();
        t.options = v9_options || ipfix_options;
        std::uint32_t field_count = 0;
        if (v9_options) {
            // Scope and option lengths in bytes, 4 bytes per field.
            const std::uint16_t scope_bytes = r.u16();
            const std::uint16_t option_bytes = r.u16();
            if (scope_bytes % 4 != 0 || option_bytes % 4 != 0) {
                ++counters_.malformed_templates;
                return;
            }
            t.scope_fields = static_cast<std::uint16_t>(scope_bytes / 4);
            t.v9_scopes = true;
            field_count = (std::uint32_t{scope_bytes} + option_bytes) / 4;
        } else {
            field_count = r.u16();
            if (ipfix_options && field_count != 0) t.scope_fields = r.u16();
        }
        if (!r.ok()) {
            ++counters_.malformed_templates;
            return;
        }
        const TemplateKey key{exporter_, t.id, static_cast<std::uint8_t>(header_.version)};
        if (ipfix && field_count == 0) {
            // Withdrawal: one template, or all data (id 2) / options (id 3) templates.
            ++counters_.withdrawals;
            ++template_generation_;
            if (t.id == kIpfixTemplateSet || t.id == kIpfixOptionsTemplateSet) {
                const bool options = t.id == kIpfixOptionsTemplateSet;
                std::erase_if(templates_, [&](const auto& kv) {
                    return kv.first.exporter == exporter_ && kv.first.version == 10 && kv.second.options == options;
                });
            } else {
                templates_.erase(key);
            }
            continue;
        }
        if (t.id < kFirstDataSet || field_count == 0) {
            ++counters_.malformed_templates;
            return;
        }
        t.fields.reserve(field_count);
        for (std::uint32_t i = 0; i < field_count && r.ok(); ++i) {
            TemplateField f;
            f.type = r.u16();
            f.length = r.u16();
            if (ipfix && (f.type & 0x8000U) != 0) {
                f.type = static_cast<std::uint16_t>(f.type & 0x7FFFU);
                f.pen = r.u32();
            }
            if (!ipfix && f.length == kVariableLength) f.length = 0;  // v9 has no variable length
            t.fields.push_back(f);
        }
        if (!r.ok() || t.scope_fields > field_count) {
            ++counters_.malformed_templates;
            return;
        }
        // The same layout announced again (exporters repeat their templates every few
        // datagrams): what it compiled to stands.
        if (auto same = templates_.find(key); same != templates_.end() && same->second.fields == t.fields &&
                                              same->second.options == t.options &&
                                              same->second.scope_fields == t.scope_fields &&
                                              same->second.v9_scopes == t.v9_scopes) {
            ++(t.options ? counters_.options_templates : counters_.templates);
            continue;
        }
        compile_template(t, options_.custom, options_.needed);
        compile_stores(t);
        if (t.record_length == 0 || t.record_length > 65535) {
            ++counters_.malformed_templates;
            continue;
        }
        if (templates_.size() >= options_.max_templates && templates_.find(key) == templates_.end()) {
            ++counters_.templates_refused;
            continue;
        }
        auto [it, inserted] = templates_.try_emplace(key);
        const bool changed = !inserted && (it->second.fields != t.fields || it->second.options != t.options);
        if (changed) ++counters_.template_changes;
        if (inserted || changed) ++template_generation_;
        t.serial = ++last_serial_;
        it->second = std::move(t);
        if (it->second.options) {
            ++counters_.options_templates;
        } else {
            ++counters_.templates;
        }
    }
}

bool TemplateDecoder::apply_fixed(const Template& t, std::span<const std::uint8_t> data, std::size_t& used) {
    if (data.size() < t.record_length) return false;
    auto* const self = reinterpret_cast<std::uint8_t*>(this);
    for (const FieldOp& op : t.ops) {
        const std::uint8_t* const p = data.data() + op.offset;
        std::uint8_t* const to = self + op.dst;
        switch (op.store) {
            case Store::kGeneral: apply(op, p, op.length); continue;
            case Store::kU8: *to = static_cast<std::uint8_t>(load_be_uint(p, op.length)); break;
            case Store::kU16: store_as<std::uint16_t>(to, load_be_uint(p, op.length)); break;
            case Store::kU32: store_as<std::uint32_t>(to, load_be_uint(p, op.length)); break;
            case Store::kU64: store_as<std::uint64_t>(to, load_be_uint(p, op.length)); break;
            case Store::kU8x1: *to = *p; break;
            case Store::kU16x2: store_as<std::uint16_t>(to, load_be_uint(p, 2)); break;
            case Store::kU32x4: store_as<std::uint32_t>(to, load_be_uint(p, 4)); break;
            case Store::kU64x8: store_as<std::uint64_t>(to, load_be_uint(p, 8)); break;
            case Store::kU64x4: store_as<std::uint64_t>(to, load_be_uint(p, 4)); break;
            case Store::kPointer: std::memcpy(to, &p, sizeof p); break;
            case Store::kSecondsToUs: store_as<std::uint64_t>(to, load_be_uint(p, op.length) * 1000000ULL); break;
            case Store::kMillisToUs: store_as<std::uint64_t>(to, load_be_uint(p, op.length) * 1000ULL); break;
        }
    }
    for (const std::uint32_t at : t.flags_at) self[at] = 1;  // bool `has_` members: true
    used = t.record_length;
    return true;
}

bool TemplateDecoder::apply_variable(const Template& t, std::span<const std::uint8_t> data, std::size_t& used) {
    if (data.size() < t.record_length) return false;
    std::size_t at = 0;
    for (const FieldOp& op : t.ops) {
        std::size_t length = op.length;
        if (op.length == kVariableLength) {
            if (at + 1 > data.size()) return false;
            length = data[at++];
            if (length == 255) {
                if (at + 2 > data.size()) return false;
                length = (std::size_t{data[at]} << 8) | data[at + 1];
                at += 2;
            }
        }
        if (at + length > data.size()) return false;
        if (op.target != Target::kSkip || op.custom != kNoCustom) apply(op, data.data() + at, length);
        at += length;
    }
    used = at;
    return used > 0;
}

void TemplateDecoder::apply(const FieldOp& op, const std::uint8_t* p, std::size_t n) {
    FlowRecord& r = record_;
    const auto u = [&]() { return load_be_uint(p, n); };
    // A repeated element: custom primitives read its first occurrence, as pmacct does.
    for (std::uint8_t c = op.custom; c != kNoCustom; c = custom_next_[c]) {
        if (custom_[c].data == nullptr) custom_[c] = CustomValue{p, static_cast<std::uint16_t>(n)};
    }
    switch (op.target) {
        case Target::kSkip: break;
        case Target::kBytes: r.bytes = u(); break;
        case Target::kPackets: r.packets = u(); break;
        case Target::kFlows: r.flows = u(); break;
        case Target::kOutBytes: raw_.out_bytes = u(); break;
        case Target::kOutPackets: raw_.out_packets = u(); break;
        case Target::kTotalBytes: raw_.total_bytes = u(); break;
        case Target::kTotalPackets: raw_.total_packets = u(); break;
        case Target::kProto: r.proto = static_cast<std::uint8_t>(u()); break;
        case Target::kTos: r.tos = static_cast<std::uint8_t>(u()); break;
        case Target::kTcpFlags: r.tcp_flags = static_cast<std::uint8_t>(u()); break;
        case Target::kSrcPort: r.src_port = static_cast<std::uint16_t>(u()); break;
        case Target::kDstPort: r.dst_port = static_cast<std::uint16_t>(u()); break;
        case Target::kSrcV4:
            if (n == 4) raw_.src4 = p;
            break;
        case Target::kDstV4:
            if (n == 4) raw_.dst4 = p;
            break;
        case Target::kSrcV6:
            if (n == 16) raw_.src6 = p;
            break;
        case Target::kDstV6:
            if (n == 16) raw_.dst6 = p;
            break;
        case Target::kSrcMask:
        case Target::kSrcMask6: r.src_mask = static_cast<std::uint8_t>(u()); break;
        case Target::kDstMask:
        case Target::kDstMask6: r.dst_mask = static_cast<std::uint8_t>(u()); break;
        case Target::kInIface: r.in_iface = static_cast<std::uint32_t>(u()); break;
        case Target::kOutIface: r.out_iface = static_cast<std::uint32_t>(u()); break;
        case Target::kNextHopV4:
            if (n == 4) raw_.next_hop4 = p;
            break;
        case Target::kNextHopV6:
            if (n == 16) raw_.next_hop6 = p;
            break;
        case Target::kBgpNextHopV4:
            if (n == 4) raw_.bgp_next_hop4 = p;
            break;
        case Target::kBgpNextHopV6:
            if (n == 16) raw_.bgp_next_hop6 = p;
            break;
        case Target::kSrcAs: r.src_as = static_cast<std::uint32_t>(u()); break;
        case Target::kDstAs: r.dst_as = static_cast<std::uint32_t>(u()); break;
        case Target::kFirstUptime:
            raw_.first_uptime = static_cast<std::uint32_t>(u());
            raw_.has_first_uptime = true;
            break;
        case Target::kLastUptime:
            raw_.last_uptime = static_cast<std::uint32_t>(u());
            raw_.has_last_uptime = true;
            break;
        case Target::kStartSec:
            raw_.start_abs_us = u() * 1000000ULL;
            raw_.has_start_abs = true;
            break;
        case Target::kEndSec:
            raw_.end_abs_us = u() * 1000000ULL;
            raw_.has_end_abs = true;
            break;
        case Target::kStartMs:
            raw_.start_abs_us = u() * 1000ULL;
            raw_.has_start_abs = true;
            break;
        case Target::kEndMs:
            raw_.end_abs_us = u() * 1000ULL;
            raw_.has_end_abs = true;
            break;
        case Target::kStartUs:
        case Target::kStartNs:
            raw_.start_abs_us = ntp_to_unix_us(u());
            raw_.has_start_abs = true;
            break;
        case Target::kEndUs:
        case Target::kEndNs:
            raw_.end_abs_us = ntp_to_unix_us(u());
            raw_.has_end_abs = true;
            break;
        case Target::kSysInitMs:
            raw_.sys_init_ms = u();
            raw_.has_sys_init = true;
            break;
        case Target::kSrcMac:
            if (n == 6) std::memcpy(r.src_mac.bytes.data(), p, 6);
            break;
        case Target::kDstMac:
            if (n == 6) std::memcpy(r.dst_mac.bytes.data(), p, 6);
            break;
        case Target::kPostSrcMac:
            if (n == 6 && r.src_mac == MacAddress{}) std::memcpy(r.src_mac.bytes.data(), p, 6);
            break;
        case Target::kPostDstMac:
            if (n == 6 && r.dst_mac == MacAddress{}) std::memcpy(r.dst_mac.bytes.data(), p, 6);
            break;
        case Target::kVlan:
            r.vlan = static_cast<std::uint16_t>(u());
            r.in_vlan = r.vlan;
            break;
        case Target::kPostVlan: r.out_vlan = static_cast<std::uint16_t>(u()); break;
        case Target::kDot1qVlan:
            if (r.vlan == 0) {
                r.vlan = static_cast<std::uint16_t>(u());
                r.in_vlan = r.vlan;
            }
            break;
        case Target::kCos: r.cos = static_cast<std::uint8_t>(u()); break;
        case Target::kEtype: r.etype = static_cast<std::uint16_t>(u()); break;
        case Target::kFlowLabel: r.flow_label = static_cast<std::uint32_t>(u()) & 0xFFFFFU; break;
        case Target::kDirection:
            raw_.direction = static_cast<std::uint8_t>(u());
            raw_.has_direction = true;
            break;
        case Target::kSamplerId:
        case Target::kSelectorId:
            raw_.sampler_id = static_cast<std::uint32_t>(u());
            raw_.has_sampler_id = true;
            break;
        case Target::kSamplingInterval: raw_.sampling_interval = static_cast<std::uint32_t>(u()); break;
        case Target::kPacketInterval: raw_.packet_interval = static_cast<std::uint32_t>(u()); break;
        case Target::kPacketSpace: raw_.packet_space = static_cast<std::uint32_t>(u()); break;
        case Target::kIpVersion: raw_.ip_version = static_cast<std::uint8_t>(u()); break;
        case Target::kInPhysIface: raw_.in_phys_iface = static_cast<std::uint32_t>(u()); break;
        case Target::kOutPhysIface: raw_.out_phys_iface = static_cast<std::uint32_t>(u()); break;
        case Target::kObservationSec:
            if (!raw_.has_start_abs) raw_.start_abs_us = u() * 1000000ULL;
            raw_.has_start_abs = true;
            break;
        case Target::kObservationMs:
            if (!raw_.has_start_abs) raw_.start_abs_us = u() * 1000ULL;
            raw_.has_start_abs = true;
            break;
        case Target::kObservationUs:
        case Target::kObservationNs:
            if (!raw_.has_start_abs) raw_.start_abs_us = ntp_to_unix_us(u());
            raw_.has_start_abs = true;
            break;
        case Target::kDataLinkFrame: dissect_frame(p, n); break;
        case Target::kMplsLabel:
            if (n == 3 || n == 4) {
                labels_[op.index] = static_cast<std::uint32_t>(load_be_uint(p, 3));
                raw_.label_mask = static_cast<std::uint16_t>(raw_.label_mask | (1U << op.index));
            }
            break;
        case Target::kMplsRd:
            if (n == 8) {
                // Wire form: a 2-byte type then 6 bytes; the key keeps the type's low byte.
                r.mpls_vpn_rd[0] = kRdOriginFlow;
                r.mpls_vpn_rd[1] = p[1];
                std::memcpy(r.mpls_vpn_rd.data() + 2, p + 2, 6);
                raw_.has_rd = p[0] == 0 && p[1] <= 2;
            }
            break;
        case Target::kPwId: r.mpls_pw_id = static_cast<std::uint32_t>(u()); break;
        case Target::kIngressVrf:
            raw_.ingress_vrf = static_cast<std::uint32_t>(u());
            raw_.has_ingress_vrf = true;
            break;
        case Target::kEgressVrf:
            raw_.egress_vrf = static_cast<std::uint32_t>(u());
            raw_.has_egress_vrf = true;
            break;
        case Target::kVrfName: raw_.vrf_name = text_of(p, n); break;
        case Target::kPostNatSrcV4:
            if (n == 4) r.post_nat_src_ip = IpAddress::v4_bytes(p);
            break;
        case Target::kPostNatDstV4:
            if (n == 4) r.post_nat_dst_ip = IpAddress::v4_bytes(p);
            break;
        case Target::kPostNatSrcV6:
            if (n == 16) r.post_nat_src_ip = IpAddress::v6_bytes(p);
            break;
        case Target::kPostNatDstV6:
            if (n == 16) r.post_nat_dst_ip = IpAddress::v6_bytes(p);
            break;
        case Target::kPostNatSrcPort: r.post_nat_src_port = static_cast<std::uint16_t>(u()); break;
        case Target::kPostNatDstPort: r.post_nat_dst_port = static_cast<std::uint16_t>(u()); break;
        case Target::kNatEvent: r.nat_event = static_cast<std::uint8_t>(u()); break;
        case Target::kFwEvent: r.fw_event = static_cast<std::uint8_t>(u()); break;
        case Target::kFwdStatus: r.fwd_status = static_cast<std::uint8_t>(u()); break;
        case Target::kInCvlan: r.in_cvlan = static_cast<std::uint16_t>(u()); break;
        case Target::kOutCvlan: r.out_cvlan = static_cast<std::uint16_t>(u()); break;
        case Target::kLayer2Segment:
            // layer2SegmentId: a segment type byte (1: VXLAN, 2: NVGRE) then the identifier.
            if (n == 8 && p[0] == 1) r.vxlan = static_cast<std::uint32_t>(load_be_uint(p + 5, 3));
            if (n == 8 && p[0] == 2) r.nvgre = static_cast<std::uint32_t>(load_be_uint(p + 5, 3));
            break;
        case Target::kAppId:
            raw_.app_id = u();
            raw_.has_app = true;
            break;
        case Target::kAppName: raw_.app_name = text_of(p, n); break;
        case Target::kIfName: raw_.if_name = text_of(p, n); break;
        case Target::kPmacctTag: r.tag = u(); break;
        case Target::kPmacctTag2: r.tag2 = u(); break;
        case Target::kPmacctLabel: r.label = text_of(p, n); break;
        case Target::kExporterV4:
            if (n == 4) raw_.exporter = IpAddress::v4_bytes(p);
            break;
        case Target::kExporterV6:
            if (n == 16) raw_.exporter = IpAddress::v6_bytes(p);
            break;
    }
}

void TemplateDecoder::finish_record() {
    FlowRecord& r = record_;
    if (r.bytes == 0) r.bytes = raw_.out_bytes != 0 ? raw_.out_bytes : raw_.total_bytes;
    if (r.packets == 0) r.packets = raw_.out_packets != 0 ? raw_.out_packets : raw_.total_packets;
    // A sampled frame counts as one packet of its IP length, unless the record has counters
    // (they win, in whatever order the template puts them, as in 1.7.7).
    if (raw_.has_frame) {
        if (r.packets == 0) r.packets = 1;
        if (r.bytes == 0) r.bytes = raw_.frame_bytes;
    }
    if (r.flows == 0) r.flows = 1;
    // The address pair: ipVersion decides when present, else IPv4 fields win over IPv6 ones
    // (templates with both exist, the other pair being zero). A frame section already set them.
    const bool v6 = raw_.ip_version == 6 ||
                    (raw_.ip_version != 4 && raw_.src4 == nullptr && raw_.dst4 == nullptr &&
                     (raw_.src6 != nullptr || raw_.dst6 != nullptr));
    if (v6) {
        if (raw_.src6 != nullptr) r.src_ip.set_v6(raw_.src6);
        if (raw_.dst6 != nullptr) r.dst_ip.set_v6(raw_.dst6);
    } else {
        if (raw_.src4 != nullptr) r.src_ip.set_v4(raw_.src4);
        if (raw_.dst4 != nullptr) r.dst_ip.set_v4(raw_.dst4);
    }
    // Next hops: the IPv4 element wins when both are there; on an IPv6 flow nfacctd shows it
    // IPv4-mapped (::ffff:a.b.c.d).
    const auto next_hop = [v6](IpAddress& out, const std::uint8_t* a4, const std::uint8_t* a6) {
        if (a4 == nullptr) {
            if (a6 != nullptr) out.set_v6(a6);
        } else if (!v6) {
            out.set_v4(a4);
        } else {
            out.set_v4_mapped(a4);
        }
    };
    next_hop(r.ip_next_hop, raw_.next_hop4, raw_.next_hop6);
    next_hop(r.bgp_next_hop, raw_.bgp_next_hop4, raw_.bgp_next_hop6);
    if (options_.use_ip_next_hop && r.bgp_next_hop.empty()) r.bgp_next_hop = r.ip_next_hop;
    if (r.in_iface == 0) r.in_iface = raw_.in_phys_iface;
    if (r.out_iface == 0) r.out_iface = raw_.out_phys_iface;
    // Most records have none of these: no call then.
    if (raw_.label_mask != 0 || name_kinds_ != 0 || raw_.ingress_vrf != 0 || raw_.egress_vrf != 0 ||
        !raw_.exporter.empty()) {
        finish_mpls_and_names();
    }

    // Times: absolute elements win over sysUptime-relative ones; IPFIX has no sysUptime in its
    // header, so relative times there need systemInitTimeMilliseconds. v9 relative times are
    // nfacctd's whole seconds, for the primitives, the time-bin and stitching alike (unlike v5,
    // which bins by a millisecond-exact time: checked on 1.7.7 around bin boundaries).
    {
        if (raw_.has_start_abs) {
            r.time_start = Timestamp::from_us(raw_.start_abs_us);
        } else if (raw_.has_first_uptime) {
            if (header_.version == 9) {
                r.time_start = v5_primitive_time(header_.unix_secs, header_.sys_uptime, raw_.first_uptime);
            } else if (raw_.has_sys_init) {
                r.time_start = Timestamp::from_us((raw_.sys_init_ms + raw_.first_uptime) * 1000ULL);
            }
        }
        // Nothing says when: the export time, as nfacctd shows it.
        if (r.time_start.empty()) r.time_start = r.time_export;
        if (raw_.has_end_abs) {
            r.time_end = Timestamp::from_us(raw_.end_abs_us);
        } else if (raw_.has_last_uptime) {
            if (header_.version == 9) {
                r.time_end = v5_primitive_time(header_.unix_secs, header_.sys_uptime, raw_.last_uptime);
            } else if (raw_.has_sys_init) {
                r.time_end = Timestamp::from_us((raw_.sys_init_ms + raw_.last_uptime) * 1000ULL);
            }
        }
    }
    // nfacctd_time_new bins by the arrival time; the flow's own times still print (1.7.7).
    if (options_.time_new) {
        r.time_bin = r.time_arrival;
        r.time_bin_end = r.time_arrival;
    }

    // flowDirection shows as sampling_direction: 'i'ngress, 'e'gress, 'u'nknown (also when absent).
    r.sampling_direction = !raw_.has_direction ? 'u' : raw_.direction == 0 ? 'i' : raw_.direction == 1 ? 'e' : 'u';

    // Sampling: the record's own interval, else its sampler's (sampler 0 when it names none).
    std::uint32_t rate = raw_.rate();
    if (rate == 0 && !samplers_.empty()) rate = sampler_rate(raw_.has_sampler_id ? raw_.sampler_id : 0);
    // sampling_map wins over what the exporter states (1.7.7).
    if (options_.sampling_map != nullptr) {
        if (const std::uint32_t mapped = options_.sampling_map->rate_for(r); mapped != 0) rate = mapped;
    }
    if (options_.renormalize) {
        // An external rate replaces the exporter's for renormalising; the primitive says 1
        // only when the exporter stated a rate (1.7.7).
        const std::uint32_t by = options_.ext_sampling_rate != 0 ? options_.ext_sampling_rate : rate;
        if (by != 0) {
            r.bytes *= by;
            r.packets *= by;
        }
        if (rate != 0) r.sampling_rate = 1;
    } else if (rate != 0) {
        r.sampling_rate = rate;
    }
    if (r.src_ip.family == 6 || r.dst_ip.family == 6) r.type = FlowType::kIpv6;
    // No ethernetType element: nfacctd shows the one of the flow's IP version (none when the
    // record has no address, e.g. a sampled MPLS frame).
    if (r.etype == 0 && (!r.src_ip.empty() || !r.dst_ip.empty())) {
        r.etype = r.type == FlowType::kIpv6 ? 0x86DD : 0x0800;
    }
}

void TemplateDecoder::dissect_frame(const std::uint8_t* p, std::size_t n) {
    // What nfacctd 1.7.7 takes from a sampled frame: the outer Ethernet addresses, then, past
    // any 802.1Q/802.1ad tags (not shown as vlan), an IPv4 or IPv6 header and the ports and TCP
    // flags after it. Bytes are the IP packet's length, packets 1 (finish_record(): when the
    // record has no counters). Of an MPLS frame only the label stack is read (the record keeps
    // its MACs, with no addresses and 0 bytes).
    FlowRecord& r = record_;
    if (n < 14) return;
    std::memcpy(r.dst_mac.bytes.data(), p, 6);
    std::memcpy(r.src_mac.bytes.data(), p + 6, 6);
    raw_.has_frame = true;
    std::size_t at = 12;
    std::uint16_t etype = static_cast<std::uint16_t>((p[at] << 8) | p[at + 1]);
    at += 2;
    while ((etype == 0x8100 || etype == 0x88A8) && at + 4 <= n) {
        etype = static_cast<std::uint16_t>((p[at + 2] << 8) | p[at + 3]);
        at += 4;
    }
    if (etype == 0x8847 || etype == 0x8848) {
        // The label stack, as the label elements carry it (label << 4 | exp << 1 | bottom).
        for (std::size_t i = 0; i < labels_.size() && at + 4 <= n; ++i, at += 4) {
            const std::uint32_t entry = (std::uint32_t{p[at]} << 16) | (std::uint32_t{p[at + 1]} << 8) | p[at + 2];
            labels_[i] = entry;
            raw_.label_mask = static_cast<std::uint16_t>(raw_.label_mask | (1U << i));
            if ((entry & 1U) != 0) break;
        }
        return;
    }
    std::size_t l4 = 0;
    if (etype == 0x0800 && at + 20 <= n && (p[at] >> 4) == 4) {
        const std::size_t ihl = std::size_t{p[at] & 0x0FU} * 4;
        if (ihl < 20 || at + ihl > n) return;
        r.tos = p[at + 1];
        raw_.frame_bytes = (std::uint64_t{p[at + 2]} << 8) | p[at + 3];
        r.proto = p[at + 9];
        raw_.src4 = p + at + 12;
        raw_.dst4 = p + at + 16;
        const bool fragment = (((p[at + 6] & 0x1FU) << 8) | p[at + 7]) != 0;
        if (!fragment) l4 = at + ihl;
    } else if (etype == 0x86DD && at + 40 <= n && (p[at] >> 4) == 6) {
        r.tos = static_cast<std::uint8_t>(((p[at] & 0x0FU) << 4) | (p[at + 1] >> 4));
        raw_.frame_bytes = ((std::uint64_t{p[at + 4]} << 8) | p[at + 5]) + 40;
        r.proto = p[at + 6];
        raw_.src6 = p + at + 8;
        raw_.dst6 = p + at + 24;
        raw_.ip_version = 6;
        l4 = at + 40;
    } else {
        return;
    }
    if (l4 == 0) return;
    if ((r.proto == 6 || r.proto == 17 || r.proto == 132) && l4 + 4 <= n) {
        r.src_port = static_cast<std::uint16_t>((p[l4] << 8) | p[l4 + 1]);
        r.dst_port = static_cast<std::uint16_t>((p[l4 + 2] << 8) | p[l4 + 3]);
        if (r.proto == 6 && l4 + 14 <= n) r.tcp_flags = p[l4 + 13];
    }
}

void TemplateDecoder::finish_mpls_and_names() {
    FlowRecord& r = record_;
    if (raw_.label_mask != 0) {
        // The stack, top first, up to the bottom-of-stack bit or the first missing label.
        if ((raw_.label_mask & 1U) != 0) r.mpls_label_top = labels_[0] >> 4;
        for (std::size_t i = 0; i < labels_.size(); ++i) {
            if ((raw_.label_mask & (1U << i)) == 0 || labels_[i] == 0) break;
            r.mpls_labels[r.mpls_stack_depth++] = labels_[i] >> 4;
            if ((labels_[i] & 1U) != 0) {
                r.mpls_label_bottom = labels_[i] >> 4;
                break;
            }
        }
    }
    r.mpls_vpn_id_in = raw_.ingress_vrf;
    r.mpls_vpn_id_out = raw_.egress_vrf;
    // The VRF of the flow: the egress one on egress flows, else the ingress one when set.
    const bool egress = raw_.has_direction && raw_.direction == 1;
    std::uint32_t vrf = 0;
    if (egress && raw_.egress_vrf != 0) {
        vrf = raw_.egress_vrf;
    } else {
        vrf = raw_.ingress_vrf != 0 ? raw_.ingress_vrf : raw_.egress_vrf;
    }
    if (name_kinds_ != 0) {
        const auto has = [this](NameKind k) { return (name_kinds_ & (1U << static_cast<unsigned>(k))) != 0; };
        if (has(NameKind::kInterface)) {
            r.in_iface_name = name_of(NameKind::kInterface, r.in_iface);
            r.out_iface_name = name_of(NameKind::kInterface, r.out_iface);
        }
        if (has(NameKind::kVrfName)) {
            if (raw_.has_ingress_vrf) r.ingress_vrf_name = name_of(NameKind::kVrfName, raw_.ingress_vrf);
            if (raw_.has_egress_vrf) r.egress_vrf_name = name_of(NameKind::kVrfName, raw_.egress_vrf);
            if (vrf != 0) r.vrf_name = name_of(NameKind::kVrfName, vrf);
        }
        if (has(NameKind::kVrfRd) && !raw_.has_rd && vrf != 0) {
            const std::string_view rd = name_of(NameKind::kVrfRd, vrf);
            if (rd.size() == r.mpls_vpn_rd.size()) {
                std::memcpy(r.mpls_vpn_rd.data(), rd.data(), rd.size());
                raw_.has_rd = true;
            }
        }
        if (has(NameKind::kApplication) && raw_.has_app) r.class_name = name_of(NameKind::kApplication, raw_.app_id);
        if (has(NameKind::kExporter) && raw_.exporter.empty()) {
            const std::string_view a = name_of(NameKind::kExporter, 0);
            if (a.size() == sizeof(IpAddress)) std::memcpy(&raw_.exporter, a.data(), a.size());
        }
    }
    // No RD from the record or from options: the VRF id itself, as "vrfid:N".
    if (!raw_.has_rd && r.mpls_vpn_rd[0] == 0 && vrf != 0) {
        r.mpls_vpn_rd[0] = kRdOriginFlow;
        r.mpls_vpn_rd[1] = kRdTypeVrfId;
        r.mpls_vpn_rd[2] = static_cast<std::uint8_t>(vrf >> 24);
        r.mpls_vpn_rd[3] = static_cast<std::uint8_t>(vrf >> 16);
        r.mpls_vpn_rd[4] = static_cast<std::uint8_t>(vrf >> 8);
        r.mpls_vpn_rd[5] = static_cast<std::uint8_t>(vrf);
    }
    // exporterIPv4/IPv6Address: the device names itself (behind NAT, or a relay).
    if (!raw_.exporter.empty()) r.peer_src_ip = raw_.exporter;
}

std::string_view TemplateDecoder::name_of(NameKind kind, std::uint64_t id) const {
    auto it = names_.find(NameKey{exporter_, kind, id});
    return it == names_.end() ? std::string_view{} : std::string_view{it->second};
}

void TemplateDecoder::learn_name(NameKind kind, std::uint64_t id, std::string_view value) {
    const NameKey key{exporter_, kind, id};
    if (names_.size() >= options_.max_options_entries && names_.find(key) == names_.end()) {
        ++counters_.options_refused;
        return;
    }
    names_[key].assign(value);
    name_kinds_ |= 1U << static_cast<unsigned>(kind);
}

void TemplateDecoder::learn_options() {
    const std::uint32_t rate = raw_.rate();
    if (rate != 0) {
        const SamplerKey key{exporter_, raw_.has_sampler_id ? raw_.sampler_id : 0};
        if (samplers_.size() < options_.max_options_entries || samplers_.find(key) != samplers_.end()) {
            samplers_[key].rate = rate;
            memo_valid_ = false;
        } else {
            ++counters_.options_refused;
        }
    }
    // Names are keyed by the scope the record carries: an interface index, a VRF id, an
    // application id.
    if (!raw_.if_name.empty() && record_.in_iface != 0) learn_name(NameKind::kInterface, record_.in_iface, raw_.if_name);
    if (!raw_.if_name.empty() && record_.out_iface != 0) learn_name(NameKind::kInterface, record_.out_iface, raw_.if_name);
    const bool has_vrf = raw_.has_ingress_vrf || raw_.has_egress_vrf;
    const std::uint32_t vrf = raw_.has_ingress_vrf ? raw_.ingress_vrf : raw_.egress_vrf;
    if (has_vrf && !raw_.vrf_name.empty()) learn_name(NameKind::kVrfName, vrf, raw_.vrf_name);
    if (has_vrf && raw_.has_rd) {
        learn_name(NameKind::kVrfRd, vrf,
                   std::string_view(reinterpret_cast<const char*>(record_.mpls_vpn_rd.data()), record_.mpls_vpn_rd.size()));
    }
    if (raw_.has_app && !raw_.app_name.empty()) learn_name(NameKind::kApplication, raw_.app_id, raw_.app_name);
    if (!raw_.exporter.empty()) {
        learn_name(NameKind::kExporter, 0,
                   std::string_view(reinterpret_cast<const char*>(&raw_.exporter), sizeof(IpAddress)));
    }
}

std::uint32_t TemplateDecoder::sampler_rate(std::uint32_t id) {
    if (!memo_valid_ || memo_sampler_ != id) {
        auto it = samplers_.find(SamplerKey{exporter_, id});
        memo_sampler_ = id;
        memo_rate_ = it == samplers_.end() ? 0 : it->second.rate;
        memo_valid_ = true;
    }
    return memo_rate_;
}

}  // namespace pmacct::flow
