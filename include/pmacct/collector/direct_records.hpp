// NetFlow v9 / IPFIX records written straight from the datagram into the plugins' rings.
//
// For the commonest setup (plugins keyed on plain primitives, no maps or filters in between)
// the FlowRecord a decoder fills in for each record is only a detour: its fields go into a ring
// record and nowhere else. A DirectProgram is compiled once per (template, plugin key layout)
// and writes, for a record of that template, the ring record write_ring_record() would write
// for its FlowRecord: the same bytes, from the record's own bytes. DirectRecords keeps the
// programs of every template and writes the sets the decoder hands over (DirectSet) into the
// rings of the plugins.
//
//   DirectRecords direct;                       // when DirectRecords::usable(host)
//   decoder.decode(payload, exporter, arrival, sink, on_set,
//                  [&](const flow::DirectSet& s) { return direct.write(host, s); });
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/base/unaligned.hpp"
#include "pmacct/flow/netflow_v5.hpp"
#include "pmacct/flow/netflow_v9.hpp"
#include "pmacct/plugin/host.hpp"

namespace pmacct::collector {

class DirectProgram {
public:
    // Every primitive of `layout` is one a program can write (compile() can succeed for it).
    static bool supports(const aggregate::KeyLayout& layout);
    // The program for records of `t` (a lean data template) keyed by `layout`; nullopt when
    // either has something only the FlowRecord path does.
    // `use_ip_next_hop`: the decoder's (peer_dst_ip then needs the FlowRecord path).
    static std::optional<DirectProgram> compile(const flow::Template& t, const aggregate::KeyLayout& layout,
                                                bool use_ip_next_hop = false);
    // The program for NetFlow v5 records (v5_template()'s), whose times go into the ring as the
    // v5 decoder puts them (the bin times; see flow::v5_bin_time); nullopt as compile().
    static std::optional<DirectProgram> compile_v5(const aggregate::KeyLayout& layout, bool use_ip_next_hop);
    // A NetFlow v5 record as the v9 template of the same elements at the same offsets (48 bytes).
    static const flow::Template& v5_template();
    // A v5 header as a DirectSet's header: version 5, the times, the flow sequence, and the
    // engine id as the source id (export_proto_sysid, as the v5 decoder has it).
    static flow::V9Header v5_header(const flow::NetflowV5Header& h);

    // The ring record (ring_record_size(layout) bytes at `out`) of the record at `record`,
    // of a datagram whose shared part `s` describes.
    void write(const std::uint8_t* record, const flow::DirectSet& s, std::uint8_t* out) const;

private:
    friend class DirectRecords;
    void write_inline(const std::uint8_t* record, const flow::DirectSet& s, std::uint8_t* out) const;
    // A field of the record. Numbers are read as the 8 bytes that end with them, byte-swapped
    // and masked to what the decoder keeps (their length, and the width it stores them into):
    // one load, no branch. Those 8 bytes start at most 8 before the record, still inside the
    // datagram (a data set starts after a 16- or 20-byte header and its own 4). An absent
    // number reads the 8 bytes before the record, masked to 0.
    struct Src {
        std::int32_t end8 = -8;      // the 8 bytes at record + end8
        std::uint64_t mask = 0;
        std::uint16_t offset = 0;    // where the field starts, and its length (0: absent)
        std::uint16_t length = 0;
        bool present() const { return length != 0; }
    };
    static std::uint64_t read(const std::uint8_t* record, const Src& s) {
        return __builtin_bswap64(load_u64(record + s.end8)) & s.mask;
    }
    // Where a time comes from: nowhere, an absolute element (seconds or milliseconds), or a
    // sysUptime-relative one.
    enum class TimeFrom : std::uint8_t { kNone, kSeconds, kMillis, kUptime };
    struct TimeSrc {
        TimeFrom from = TimeFrom::kNone;
        Src value;
    };
    Timestamp time_of(const std::uint8_t* record, const TimeSrc& from, const flow::V9Header& h) const;

    // The key. Every field is written whole by one operation (nothing is zeroed first): numbers
    // by their width, in lists of their own (no dispatch per field), the addresses, and the
    // rest one by one.
    struct Number {
        Src src;
        std::uint16_t at = 0;  // in the key
    };
    enum class KeyKind : std::uint8_t {
        kZero,      // `size` zero bytes: a field the record does not have
        kNumberOr,  // a number of `size` bytes: `src`, or when it is 0 `alt` (the physical interface)
        kSrcNet, kDstNet,  // `src` is the mask
        kPeer, kStart, kEnd, kArrival, kExport, kVersion, kSeqno, kSysid,
        kEtype,      // `src`, or when it is 0 the flow's IP version's (when it has an address)
        kDirection,  // sampling_direction from flowDirection `src` ('u' without one: `has`)
        kPeerDst,    // the BGP next hop: IPv4 `src` (IPv4-mapped on an IPv6 flow), else IPv6 `alt`
    };
    struct OtherPrimitive;
    static const OtherPrimitive* other_primitive(std::string_view name, std::uint16_t size);
    struct KeyOp {
        KeyKind kind = KeyKind::kZero;
        std::uint8_t size = 0;  // the key field's width
        std::uint16_t at = 0;
        bool has = false;  // kDirection: the template has the element
        Src src;
        Src alt;
    };
    std::vector<Number> numbers1_, numbers2_, numbers4_, numbers8_;  // by width
    std::int32_t src_host_at_ = -1, dst_host_at_ = -1;               // -1: not in the key
    std::vector<KeyOp> others_;

    // Counters: the record's own, else the out one, else the total one (the first non-zero).
    Src bytes_[3], packets_[3];
    Src flows_, tcp_flags_;
    // Addresses by family and the ipVersion element; without ipVersion, IPv6 when the template
    // has IPv6 addresses and no IPv4 ones.
    Src src4_, dst4_, src6_, dst6_, ip_version_;
    bool v6_by_default_ = false;
    TimeSrc start_, end_;
    Src sys_init_;  // IPFIX: systemInitTimeMilliseconds, for sysUptime-relative times
    bool has_sys_init_ = false;
    bool v5_ = false;  // compile_v5()'s
};

// The direct programs of every template seen, per plugin, written into the plugins' rings.
class DirectRecords {
public:
    // Every plugin of `host` (a started host) takes plain records of a layout programs support.
    static bool usable(const plugin::PluginHost& host);
    // The records of `s` to every plugin of `host`; false (nothing written) when the template
    // needs the FlowRecord path for some plugin.
    bool write(plugin::PluginHost& host, const flow::DirectSet& s);
    // The `header.count` NetFlow v5 records at `records` to every plugin of `host`; false
    // (nothing written) when some plugin needs the FlowRecord path.
    bool write_v5(plugin::PluginHost& host, const flow::NetflowV5Header& header, const std::uint8_t* records,
                  const IpAddress& exporter, Timestamp arrival, bool use_ip_next_hop);
    // Records written so far.
    std::uint64_t records() const { return records_; }

private:
    struct Entry {
        std::vector<DirectProgram> programs;  // per plugin; empty: the FlowRecord path
    };
    const Entry& entry_for(const plugin::PluginHost& host, const flow::DirectSet& s);
    bool write_with(plugin::PluginHost& host, const Entry& e, const flow::DirectSet& s);

    std::unordered_map<std::uint64_t, Entry> programs_;  // by Template::serial
    std::uint64_t last_serial_ = 0;
    const Entry* last_ = nullptr;
    std::optional<Entry> v5_;  // compiled at the first v5 datagram
    std::uint64_t records_ = 0;
};

}  // namespace pmacct::collector
