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
#include "pmacct/flow/netflow_v9.hpp"
#include "pmacct/plugin/host.hpp"

namespace pmacct::collector {

class DirectProgram {
public:
    // Every primitive of `layout` is one a program can write (compile() can succeed for it).
    static bool supports(const aggregate::KeyLayout& layout);
    // The program for records of `t` (a lean data template) keyed by `layout`; nullopt when
    // either has something only the FlowRecord path does.
    static std::optional<DirectProgram> compile(const flow::Template& t, const aggregate::KeyLayout& layout);

    // The ring record (ring_record_size(layout) bytes at `out`) of the record at `record`,
    // of a datagram whose shared part `s` describes.
    void write(const std::uint8_t* record, const flow::DirectSet& s, std::uint8_t* out) const;

private:
    // A field of the record: its offset and length (0: the template has no such field), and
    // for a number the width of what the decoder stores it into (its low bytes are kept).
    struct Src {
        std::uint16_t offset = 0;
        std::uint16_t length = 0;
        std::uint8_t width = 0;
        bool present() const { return length != 0; }
    };
    // A number field's value as the decoder keeps it; 0 when absent.
    static std::uint64_t read(const std::uint8_t* record, Src s) {
        if (s.length == 0) return 0;
        const std::uint64_t v = load_be_uint(record + s.offset, s.length);
        return s.width == 0 || s.width >= 8 ? v : v & ((std::uint64_t{1} << (8 * s.width)) - 1);
    }
    // Where a time comes from: nowhere, an absolute element (seconds or milliseconds), or a
    // sysUptime-relative one.
    enum class TimeFrom : std::uint8_t { kNone, kSeconds, kMillis, kUptime };
    struct TimeSrc {
        TimeFrom from = TimeFrom::kNone;
        Src value;
    };
    enum class KeyKind : std::uint8_t {
        kUint,         // a number: `src`, or when it is 0 `alt` (interfaces: the physical one)
        kSrcHost, kDstHost, kSrcNet, kDstNet,  // kSrcNet/kDstNet: `src` is the mask
        kPeer, kStart, kEnd, kArrival, kExport, kVersion, kSeqno, kSysid,
    };
    struct OtherPrimitive;
    static const OtherPrimitive* other_primitive(std::string_view name, std::uint16_t size);
    struct KeyOp {
        KeyKind kind = KeyKind::kUint;
        std::uint8_t size = 0;  // kUint: the key field's width
        std::uint16_t at = 0;   // in the key
        Src src;
        Src alt;
    };
    struct Times {
        Timestamp start, end;
    };
    Times times_of(const std::uint8_t* record, const flow::DirectSet& s) const;

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
    std::vector<KeyOp> key_;
    std::uint16_t key_size_ = 0;
};

// The direct programs of every template seen, per plugin, written into the plugins' rings.
class DirectRecords {
public:
    // Every plugin of `host` (a started host) takes plain records of a layout programs support.
    static bool usable(const plugin::PluginHost& host);
    // The records of `s` to every plugin of `host`; false (nothing written) when the template
    // needs the FlowRecord path for some plugin.
    bool write(plugin::PluginHost& host, const flow::DirectSet& s);
    // Records written so far.
    std::uint64_t records() const { return records_; }

private:
    struct Entry {
        std::vector<DirectProgram> programs;  // per plugin; empty: the FlowRecord path
    };
    const Entry& entry_for(const plugin::PluginHost& host, const flow::Template& t);

    std::unordered_map<std::uint64_t, Entry> programs_;  // by Template::serial
    std::uint64_t last_serial_ = 0;
    const Entry* last_ = nullptr;
    std::uint64_t records_ = 0;
};

}  // namespace pmacct::collector
