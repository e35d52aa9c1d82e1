// Expired flows to NetFlow v5, v9 or IPFIX datagrams, laid out as Debian's pmacct 1.7.7 nfprobe
// sends them (see tests/integration/nfprobe_test.cpp for the side-by-side check):
// * v5: 24-byte header (sysUptime, export time, flow sequence, engine type/id), then up to 30
//   48-byte IPv4 records; IPv6 flows cannot be carried and are counted as skipped.
// * v9 and IPFIX: one template per address family (1024 IPv4, 2048 IPv6) of absolute
//   millisecond start/end (152/153; microseconds, 154/155, with nfprobe_tstamp_usec), octets and packets (8 bytes each), ipVersion, input and
//   output interface, direction, addresses, ports, tos, TCP flags and protocol, followed by
//   addresses, masks, ports, ToS, TCP flags, protocol, ASNs, MACs and VLAN as far as the
//   aggregate has them, and in IPFIX tag, tag2 and label as pmacct's own elements (enterprise
//   43874, elements 1, 2, 3), and samplerId (48) when sampled. Templates (and the sampler's
//   options template and data) lead the first datagram and are sent again every
//   kTemplateEvery datagrams.
// The values come from the flow's key (fields the aggregate lacks are zero) and from the
// configured direction and ifIndex (nfprobe_direction, nfprobe_ifindex; tag/tag2 take the key's).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "flow_table.hpp"
#include "pmacct/aggregate/key_layout.hpp"

namespace pmacct::plugins::nfprobe {

struct EncoderOptions {
    int version = 10;                 // 5, 9 or 10
    std::uint8_t engine_type = 0;     // v5
    std::uint8_t engine_id = 0;       // v5
    std::uint32_t source_id = 0;      // v9 source id, IPFIX observation domain
    // nfprobe_direction: unset, in, out, or the tag / tag2 (1 = in, 2 = out) of the flow.
    enum class From : std::uint8_t { kNone, kIn, kOut, kTag, kTag2, kValue };
    From direction = From::kNone;
    // nfprobe_ifindex: unset, a number (kValue), or the tag / tag2 of the flow.
    From ifindex = From::kNone;
    std::uint32_t ifindex_value = 0;
    // nfprobe_ifindex_override: the configured ifIndex wins over one the packet came with.
    bool ifindex_override = false;
    // nfprobe_tstamp_usec: start and end in microseconds (NTP format, 154/155), v9 and IPFIX.
    bool tstamp_usec = false;
    // timestamps_secs: start and end as sysUptime milliseconds (22/21), v9 and IPFIX.
    bool uptime_times = false;
    // The rate packets were sampled at (sampling_rate, pmacctd_ext_sampling_rate; 0: none): the
    // v5 header's sampling interval, v9/IPFIX's sampler options and samplerId in every record.
    std::uint32_t sampling_rate = 0;
};

class NetflowEncoder {
public:
    static constexpr std::size_t kMaxDatagram = 1400;  // bytes of NetFlow in one UDP datagram
    static constexpr int kTemplateEvery = 16;          // datagrams between template refreshes
    using Send = std::function<void(std::span<const std::uint8_t>)>;

    // `boot_ms`: the probe's start, Unix milliseconds (sysUptime counts from it).
    NetflowEncoder(const aggregate::KeyLayout& layout, const EncoderOptions& options, Send send,
                   std::int64_t boot_ms);

    // Queues one expired flow; full datagrams go out at once. False when the version cannot
    // carry it (an IPv6 flow in v5): nothing is queued.
    bool add(const std::uint8_t* key, const Flow& flow, std::int64_t now_ms);
    // Sends what is queued.
    void flush(std::int64_t now_ms);

    std::uint64_t flows() const { return flows_; }

private:
    // A field of the v9/IPFIX templates: its element id, its length, and what fills it.
    enum class Source : std::uint8_t {
        kEndMs, kStartMs, kEndUs, kStartUs, kLastUptime, kFirstUptime, kBytes, kPackets, kIpVersion, kInput, kOutput, kDirection, kSrcAddr,
        kDstAddr, kSrcPort, kDstPort, kTos, kTcpFlags, kProto, kSrcAs, kDstAs, kSrcMask, kDstMask,
        kSrcMac, kDstMac, kVlan, kSamplerId, kTag, kTag2, kLabel,
    };
    static constexpr std::uint32_t kPmacctPen = 43874;
    static constexpr std::uint16_t kSamplerTemplateId = 4096;
    static constexpr std::uint16_t kVariableLength = 65535;
    struct Field {
        std::uint16_t id;
        std::uint16_t length;  // kVariableLength: IPFIX variable length
        Source source;
        std::uint32_t pen = 0;
    };
    struct Template {
        std::uint16_t id = 0;
        std::vector<Field> fields;
        std::size_t record_length = 0;
    };
    // The values of one flow the encoders read.
    struct Values;

    Values values_of(const std::uint8_t* key, const Flow& flow) const;
    void add_v5(const Values& v, std::int64_t now_ms);
    void add_v9(const Values& v, std::int64_t now_ms);
    void write_field(std::uint8_t* out, const Field& f, const Values& v) const;
    void close_set();
    void start_datagram();
    void write_templates();
    std::uint32_t uptime(std::int64_t unix_ms) const;

    const aggregate::KeyLayout& layout_;
    EncoderOptions options_;
    Send send_;
    std::int64_t boot_ms_;
    Template templates_[2];  // IPv4, IPv6

    std::vector<std::uint8_t> buffer_;  // kMaxDatagram and room for one more record
    std::size_t used_ = 0;       // bytes in buffer_
    std::size_t set_start_ = 0;  // the open data set (v9/IPFIX), 0 when none
    int set_family_ = 0;         // 4 or 6: the open data set's template
    std::uint16_t records_ = 0;  // records (and templates, v9) in the datagram
    std::uint16_t data_records_ = 0;
    std::uint64_t flows_ = 0;          // flows taken
    std::uint64_t sent_records_ = 0;   // data records sent (v5 and IPFIX sequence numbers)
    std::uint32_t datagrams_ = 0;      // datagrams sent (v9 sequence number)
    int since_templates_ = kTemplateEvery;

    const aggregate::KeyField* f_src_host_;
    const aggregate::KeyField* f_dst_host_;
    const aggregate::KeyField* f_src_port_;
    const aggregate::KeyField* f_dst_port_;
    const aggregate::KeyField* f_proto_;
    const aggregate::KeyField* f_tos_;
    const aggregate::KeyField* f_src_as_;
    const aggregate::KeyField* f_dst_as_;
    const aggregate::KeyField* f_src_mask_;
    const aggregate::KeyField* f_dst_mask_;
    const aggregate::KeyField* f_src_mac_;
    const aggregate::KeyField* f_dst_mac_;
    const aggregate::KeyField* f_vlan_;
    const aggregate::KeyField* f_in_iface_;
    const aggregate::KeyField* f_out_iface_;
    const aggregate::KeyField* f_tag_;
    const aggregate::KeyField* f_tag2_;
    const aggregate::KeyField* f_label_;
};

}  // namespace pmacct::plugins::nfprobe
