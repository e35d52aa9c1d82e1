#include "netflow_encoder.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "pmacct/base/byte_writer.hpp"

namespace pmacct::plugins::nfprobe {
namespace {

constexpr std::size_t kV5Header = 24;
constexpr std::size_t kV5Record = 48;
constexpr std::size_t kV5MaxRecords = 30;
constexpr std::size_t kV9Header = 20;
constexpr std::size_t kIpfixHeader = 16;
constexpr std::uint16_t kTemplateId4 = 1024;
constexpr std::uint16_t kTemplateId6 = 2048;

void put_be(std::uint8_t* out, std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
}

std::int64_t unix_ms(const Timestamp& t) { return t.sec * 1000 + t.usec / 1000; }

// dateTimeMicroseconds: NTP seconds (from 1900) and a 32-bit fraction.
std::uint64_t ntp(const Timestamp& t) {
    const auto secs = static_cast<std::uint64_t>(t.sec + 2208988800LL);
    // Rounded up, so that reading it back (rounding down) gives the same microsecond.
    const std::uint64_t fraction = ((std::uint64_t{t.usec} << 32) + 999999U) / 1000000U;
    return secs << 32 | fraction;
}

}  // namespace

struct NetflowEncoder::Values {
    const Flow* flow = nullptr;
    IpAddress src;
    IpAddress dst;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint8_t proto = 0;
    std::uint8_t tos = 0;
    std::uint32_t src_as = 0;
    std::uint32_t dst_as = 0;
    std::uint8_t src_mask = 0;
    std::uint8_t dst_mask = 0;
    MacAddress src_mac{};
    MacAddress dst_mac{};
    std::uint16_t vlan = 0;
    std::uint32_t input = 0;
    std::uint32_t output = 0;
    std::uint8_t direction = 0;  // 0 ingress, 1 egress
    std::uint64_t tag = 0;
    std::uint64_t tag2 = 0;
    std::string_view label;
    int family = 4;
};

NetflowEncoder::NetflowEncoder(const aggregate::KeyLayout& layout, const EncoderOptions& options, Send send,
                               std::int64_t boot_ms)
    : layout_(layout),
      options_(options),
      send_(std::move(send)),
      boot_ms_(boot_ms),
      buffer_(kMaxDatagram + 4096),
      f_src_host_(layout.field("src_host")),
      f_dst_host_(layout.field("dst_host")),
      f_src_port_(layout.field("src_port")),
      f_dst_port_(layout.field("dst_port")),
      f_proto_(layout.field("proto")),
      f_tos_(layout.field("tos")),
      f_src_as_(layout.field("src_as")),
      f_dst_as_(layout.field("dst_as")),
      f_src_mask_(layout.field("src_mask")),
      f_dst_mask_(layout.field("dst_mask")),
      f_src_mac_(layout.field("src_mac")),
      f_dst_mac_(layout.field("dst_mac")),
      f_vlan_(layout.field("vlan")),
      f_in_iface_(layout.field("in_iface")),
      f_out_iface_(layout.field("out_iface")),
      f_tag_(layout.field("tag")),
      f_tag2_(layout.field("tag2")),
      f_label_(layout.field("label")) {
    // The fields 1.7.7 sends for the aggregate, in its order (IPv6 has the ToS before the ports).
    const bool hosts = f_src_host_ != nullptr || f_dst_host_ != nullptr;
    const bool ports = f_src_port_ != nullptr || f_dst_port_ != nullptr;
    for (int i = 0; i < 2; ++i) {
        const bool v6 = i == 1;
        Template& t = templates_[i];
        t.id = v6 ? kTemplateId6 : kTemplateId4;
        auto& f = t.fields;
        if (options_.tstamp_usec) {
            f = {{155, 8, Source::kEndUs}, {154, 8, Source::kStartUs}};
        } else if (options_.uptime_times) {
            f = {{21, 4, Source::kLastUptime}, {22, 4, Source::kFirstUptime}};
        } else {
            f = {{153, 8, Source::kEndMs}, {152, 8, Source::kStartMs}};
        }
        f.insert(f.end(), {{1, 8, Source::kBytes},
                           {2, 8, Source::kPackets},
                           {60, 1, Source::kIpVersion},
                           {10, 4, Source::kInput},
                           {14, 4, Source::kOutput},
                           {61, 1, Source::kDirection}});
        if (hosts) {
            f.push_back({static_cast<std::uint16_t>(v6 ? 27 : 8), static_cast<std::uint16_t>(v6 ? 16 : 4), Source::kSrcAddr});
            f.push_back({static_cast<std::uint16_t>(v6 ? 28 : 12), static_cast<std::uint16_t>(v6 ? 16 : 4), Source::kDstAddr});
        }
        if (f_src_mask_ != nullptr) f.push_back({static_cast<std::uint16_t>(v6 ? 29 : 9), 1, Source::kSrcMask});
        if (f_dst_mask_ != nullptr) f.push_back({static_cast<std::uint16_t>(v6 ? 30 : 13), 1, Source::kDstMask});
        if (v6 && f_tos_ != nullptr) f.push_back({5, 1, Source::kTos});
        if (f_src_port_ != nullptr) f.push_back({7, 2, Source::kSrcPort});
        if (f_dst_port_ != nullptr) f.push_back({11, 2, Source::kDstPort});
        if (!v6 && f_tos_ != nullptr) f.push_back({5, 1, Source::kTos});
        if (ports) f.push_back({6, 1, Source::kTcpFlags});
        if (f_proto_ != nullptr) f.push_back({4, 1, Source::kProto});
        if (f_src_as_ != nullptr) f.push_back({16, 4, Source::kSrcAs});
        if (f_dst_as_ != nullptr) f.push_back({17, 4, Source::kDstAs});
        if (f_src_mac_ != nullptr) f.push_back({56, 6, Source::kSrcMac});
        if (f_dst_mac_ != nullptr) f.push_back({80, 6, Source::kDstMac});
        if (f_vlan_ != nullptr) f.push_back({58, 2, Source::kVlan});
        if (options_.sampling_rate != 0) f.push_back({48, 1, Source::kSamplerId});
        // pmacct's own elements (enterprise 43874): IPFIX only.
        if (options_.version == 10) {
            if (f_tag_ != nullptr) f.push_back({1, 8, Source::kTag, kPmacctPen});
            if (f_tag2_ != nullptr) f.push_back({2, 8, Source::kTag2, kPmacctPen});
            if (f_label_ != nullptr) f.push_back({3, kVariableLength, Source::kLabel, kPmacctPen});
        }
        for (const Field& x : f) {
            if (x.length != kVariableLength) t.record_length += x.length;
        }
    }
}

std::uint32_t NetflowEncoder::uptime(std::int64_t unix_ms_value) const {
    // Modulo 2^32, as the field wraps: a collector's (sysUptime - First) is right either way.
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(unix_ms_value - boot_ms_));
}

NetflowEncoder::Values NetflowEncoder::values_of(const std::uint8_t* key, const Flow& flow) const {
    Values v;
    v.flow = &flow;
    using aggregate::read_uint;
    if (f_src_host_ != nullptr) v.src = aggregate::read_ip(*f_src_host_, key);
    if (f_dst_host_ != nullptr) v.dst = aggregate::read_ip(*f_dst_host_, key);
    v.family = flow.type == FlowType::kIpv6 || v.src.family == 6 || v.dst.family == 6 ? 6 : 4;
    if (f_src_port_ != nullptr) v.src_port = static_cast<std::uint16_t>(read_uint(*f_src_port_, key));
    if (f_dst_port_ != nullptr) v.dst_port = static_cast<std::uint16_t>(read_uint(*f_dst_port_, key));
    v.proto = flow.proto;
    if (f_tos_ != nullptr) v.tos = static_cast<std::uint8_t>(read_uint(*f_tos_, key));
    if (f_src_as_ != nullptr) v.src_as = static_cast<std::uint32_t>(read_uint(*f_src_as_, key));
    if (f_dst_as_ != nullptr) v.dst_as = static_cast<std::uint32_t>(read_uint(*f_dst_as_, key));
    if (f_src_mask_ != nullptr) v.src_mask = static_cast<std::uint8_t>(read_uint(*f_src_mask_, key));
    if (f_dst_mask_ != nullptr) v.dst_mask = static_cast<std::uint8_t>(read_uint(*f_dst_mask_, key));
    if (f_src_mac_ != nullptr) v.src_mac = aggregate::read_mac(*f_src_mac_, key);
    if (f_dst_mac_ != nullptr) v.dst_mac = aggregate::read_mac(*f_dst_mac_, key);
    if (f_vlan_ != nullptr) v.vlan = static_cast<std::uint16_t>(read_uint(*f_vlan_, key));
    if (f_in_iface_ != nullptr) v.input = static_cast<std::uint32_t>(read_uint(*f_in_iface_, key));
    if (f_out_iface_ != nullptr) v.output = static_cast<std::uint32_t>(read_uint(*f_out_iface_, key));

    if (f_tag_ != nullptr) v.tag = read_uint(*f_tag_, key);
    if (f_tag2_ != nullptr) v.tag2 = read_uint(*f_tag2_, key);
    if (f_label_ != nullptr) v.label = aggregate::read_string(*f_label_, key);
    const auto tag_value = [&](EncoderOptions::From from) -> std::uint64_t {
        if (from == EncoderOptions::From::kTag && f_tag_ != nullptr) return read_uint(*f_tag_, key);
        if (from == EncoderOptions::From::kTag2 && f_tag2_ != nullptr) return read_uint(*f_tag2_, key);
        return 0;
    };
    bool egress = false;
    switch (options_.direction) {
        case EncoderOptions::From::kOut: egress = true; break;
        case EncoderOptions::From::kTag:
        case EncoderOptions::From::kTag2: egress = tag_value(options_.direction) == 2; break;
        default: break;
    }
    v.direction = egress ? 1 : 0;
    // The ifIndex goes to the side the direction names: input for ingress, output for egress.
    std::uint32_t ifindex = 0;
    if (options_.ifindex == EncoderOptions::From::kValue) {
        ifindex = options_.ifindex_value;
    } else if (options_.ifindex == EncoderOptions::From::kTag || options_.ifindex == EncoderOptions::From::kTag2) {
        ifindex = static_cast<std::uint32_t>(tag_value(options_.ifindex));
    }
    if (ifindex != 0 && options_.direction != EncoderOptions::From::kNone) {
        std::uint32_t& side = egress ? v.output : v.input;
        if (side == 0 || options_.ifindex_override) side = ifindex;
    }
    return v;
}

bool NetflowEncoder::add(const std::uint8_t* key, const Flow& flow, std::int64_t now_ms) {
    const Values v = values_of(key, flow);
    if (options_.version == 5) {
        if (v.family == 6) return false;
        add_v5(v, now_ms);
    } else {
        add_v9(v, now_ms);
    }
    ++flows_;
    return true;
}

void NetflowEncoder::start_datagram() {
    // The header is written at flush(); its room is kept.
    used_ = options_.version == 5 ? kV5Header : options_.version == 9 ? kV9Header : kIpfixHeader;
    records_ = 0;
    data_records_ = 0;
    set_start_ = 0;
    set_family_ = 0;
    if (options_.version != 5 && since_templates_ >= kTemplateEvery) {
        write_templates();
        since_templates_ = 0;
    }
}

void NetflowEncoder::write_templates() {
    ByteWriter w(std::span<std::uint8_t>(buffer_).subspan(used_));
    const std::size_t start = w.size();
    w.u16(options_.version == 9 ? 0 : 2);  // template set id
    w.u16(0);                              // length, below
    for (const Template& t : templates_) {
        w.u16(t.id);
        w.u16(static_cast<std::uint16_t>(t.fields.size()));
        for (const Field& f : t.fields) {
            w.u16(static_cast<std::uint16_t>(f.pen != 0 ? f.id | 0x8000 : f.id));
            w.u16(f.length);
            if (f.pen != 0) w.u32(f.pen);
        }
        ++records_;
    }
    w.put_u16_at(start + 2, static_cast<std::uint16_t>(w.size() - start));
    if (options_.sampling_rate != 0) {
        // The sampler the records name (samplerId 1): random, 1 in sampling_rate, in an options
        // template scoped by the system (v9) / exporting process (IPFIX), and its one record.
        const bool v9 = options_.version == 9;
        const std::size_t at = w.size();
        w.u16(v9 ? 1 : 3);
        w.u16(0);
        w.u16(kSamplerTemplateId);
        if (v9) {
            w.u16(4);   // scope fields, bytes
            w.u16(12);  // option fields, bytes
            w.u16(1);   // scope: system
            w.u16(4);
        } else {
            w.u16(4);  // fields
            w.u16(1);  // of which scope
            w.u16(144);  // exportingProcessId
            w.u16(4);
        }
        for (const auto& [id, length] : {std::pair<std::uint16_t, std::uint16_t>{48, 1}, {49, 1}, {50, 4}}) {
            w.u16(id);
            w.u16(length);
        }
        if (v9) {
            while ((w.size() - at) % 4 != 0) w.u8(0);
        }
        w.put_u16_at(at + 2, static_cast<std::uint16_t>(w.size() - at));
        ++records_;
        const std::size_t data_at = w.size();
        w.u16(kSamplerTemplateId);
        w.u16(0);
        w.u32(0);  // the scope's value
        w.u8(1);   // samplerId
        w.u8(2);   // samplerMode: random
        w.u32(options_.sampling_rate);
        if (v9) {
            while ((w.size() - data_at) % 4 != 0) w.u8(0);
        }
        w.put_u16_at(data_at + 2, static_cast<std::uint16_t>(w.size() - data_at));
        ++records_;
        if (!v9) ++data_records_;  // IPFIX's sequence counts options data records too
    }
    used_ += w.size();
}

void NetflowEncoder::add_v5(const Values& v, std::int64_t now_ms) {
    if (used_ == 0) start_datagram();
    std::uint8_t* r = buffer_.data() + used_;
    std::memset(r, 0, kV5Record);
    const Flow& f = *v.flow;
    std::memcpy(r, v.src.bytes.data(), 4);
    std::memcpy(r + 4, v.dst.bytes.data(), 4);
    put_be(r + 12, std::min<std::uint32_t>(v.input, 0xFFFF), 2);
    put_be(r + 14, std::min<std::uint32_t>(v.output, 0xFFFF), 2);
    put_be(r + 16, std::min<std::uint64_t>(f.packets, 0xFFFFFFFFU), 4);
    put_be(r + 20, std::min<std::uint64_t>(f.bytes, 0xFFFFFFFFU), 4);
    put_be(r + 24, uptime(unix_ms(f.first)), 4);
    put_be(r + 28, uptime(unix_ms(f.last)), 4);
    put_be(r + 32, v.src_port, 2);
    put_be(r + 34, v.dst_port, 2);
    r[37] = f.tcp_flags;
    r[38] = v.proto;
    r[39] = v.tos;
    // 4-byte ASNs do not fit: AS_TRANS (RFC 6793), as 1.7.7 sends.
    put_be(r + 40, v.src_as > 0xFFFF ? 23456 : v.src_as, 2);
    put_be(r + 42, v.dst_as > 0xFFFF ? 23456 : v.dst_as, 2);
    r[44] = v.src_mask;
    r[45] = v.dst_mask;
    used_ += kV5Record;
    ++records_;
    ++data_records_;
    if (records_ == kV5MaxRecords) flush(now_ms);
}

void NetflowEncoder::write_field(std::uint8_t* out, const Field& f, const Values& v) const {
    const Flow& fl = *v.flow;
    switch (f.source) {
        case Source::kEndMs: put_be(out, static_cast<std::uint64_t>(unix_ms(fl.last)), 8); break;
        case Source::kStartMs: put_be(out, static_cast<std::uint64_t>(unix_ms(fl.first)), 8); break;
        case Source::kEndUs: put_be(out, ntp(fl.last), 8); break;
        case Source::kStartUs: put_be(out, ntp(fl.first), 8); break;
        case Source::kLastUptime: put_be(out, uptime(unix_ms(fl.last)), 4); break;
        case Source::kFirstUptime: put_be(out, uptime(unix_ms(fl.first)), 4); break;
        case Source::kBytes: put_be(out, fl.bytes, 8); break;
        case Source::kPackets: put_be(out, fl.packets, 8); break;
        case Source::kIpVersion: *out = static_cast<std::uint8_t>(v.family); break;
        case Source::kInput: put_be(out, v.input, 4); break;
        case Source::kOutput: put_be(out, v.output, 4); break;
        case Source::kDirection: *out = v.direction; break;
        case Source::kSrcAddr: std::memcpy(out, v.src.bytes.data(), f.length); break;
        case Source::kDstAddr: std::memcpy(out, v.dst.bytes.data(), f.length); break;
        case Source::kSrcPort: put_be(out, v.src_port, 2); break;
        case Source::kDstPort: put_be(out, v.dst_port, 2); break;
        case Source::kTos: *out = v.tos; break;
        case Source::kTcpFlags: *out = fl.tcp_flags; break;
        case Source::kProto: *out = v.proto; break;
        case Source::kSrcAs: put_be(out, v.src_as, 4); break;
        case Source::kDstAs: put_be(out, v.dst_as, 4); break;
        case Source::kSrcMask: *out = v.src_mask; break;
        case Source::kDstMask: *out = v.dst_mask; break;
        case Source::kSrcMac: std::memcpy(out, v.src_mac.bytes.data(), 6); break;
        case Source::kDstMac: std::memcpy(out, v.dst_mac.bytes.data(), 6); break;
        case Source::kVlan: put_be(out, v.vlan, 2); break;
        case Source::kSamplerId: *out = 1; break;
        case Source::kTag: put_be(out, v.tag, 8); break;
        case Source::kTag2: put_be(out, v.tag2, 8); break;
        case Source::kLabel: break;  // variable length: written by add_v9()
    }
}

void NetflowEncoder::add_v9(const Values& v, std::int64_t now_ms) {
    const Template& t = templates_[v.family == 6 ? 1 : 0];
    // A variable-length label: its length in 1 byte, or 255 and 2 bytes (RFC 7011 7).
    const std::size_t label_length = std::min<std::size_t>(v.label.size(), 1024);
    const bool has_label = std::any_of(t.fields.begin(), t.fields.end(), [](const Field& f) { return f.source == Source::kLabel; });
    const std::size_t length = t.record_length + (has_label ? label_length + (label_length < 255 ? 1 : 3) : 0);
    // Room for the record, and for a set header and padding if a new set must open.
    if (used_ != 0 && used_ + length + 8 > kMaxDatagram) flush(now_ms);
    if (used_ == 0) start_datagram();
    if (set_start_ == 0 || set_family_ != v.family) {
        if (set_start_ != 0) close_set();
        set_start_ = used_;
        set_family_ = v.family;
        put_be(buffer_.data() + used_, t.id, 2);
        put_be(buffer_.data() + used_ + 2, 0, 2);
        used_ += 4;
    }
    std::uint8_t* r = buffer_.data() + used_;
    for (const Field& f : t.fields) {
        if (f.length == kVariableLength) {
            if (label_length < 255) {
                *r++ = static_cast<std::uint8_t>(label_length);
            } else {
                *r++ = 255;
                put_be(r, label_length, 2);
                r += 2;
            }
            std::memcpy(r, v.label.data(), label_length);
            r += label_length;
            continue;
        }
        write_field(r, f, v);
        r += f.length;
    }
    used_ += length;
    ++records_;
    ++data_records_;
}

void NetflowEncoder::close_set() {
    // v9 sets are padded to 4 bytes.
    if (options_.version == 9) {
        while ((used_ - set_start_) % 4 != 0) buffer_[used_++] = 0;
    }
    put_be(buffer_.data() + set_start_ + 2, used_ - set_start_, 2);
}

void NetflowEncoder::flush(std::int64_t now_ms) {
    if (used_ == 0) return;
    std::uint8_t* h = buffer_.data();
    const auto secs = static_cast<std::uint32_t>(now_ms / 1000);
    if (options_.version == 5) {
        put_be(h, 5, 2);
        put_be(h + 2, records_, 2);
        put_be(h + 4, uptime(now_ms), 4);
        put_be(h + 8, secs, 4);
        put_be(h + 12, static_cast<std::uint64_t>(now_ms % 1000) * 1000000U, 4);
        put_be(h + 16, static_cast<std::uint32_t>(sent_records_), 4);
        h[20] = options_.engine_type;
        h[21] = options_.engine_id;
        put_be(h + 22, std::min<std::uint32_t>(options_.sampling_rate, 0x3FFF), 2);
    } else {
        if (set_start_ != 0) close_set();
        if (options_.version == 9) {
            put_be(h, 9, 2);
            put_be(h + 2, records_, 2);
            put_be(h + 4, uptime(now_ms), 4);
            put_be(h + 8, secs, 4);
            put_be(h + 12, datagrams_ + 1, 4);
            put_be(h + 16, options_.source_id, 4);
        } else {
            put_be(h, 10, 2);
            put_be(h + 2, used_, 2);
            put_be(h + 4, secs, 4);
            put_be(h + 8, static_cast<std::uint32_t>(sent_records_), 4);
            put_be(h + 12, options_.source_id, 4);
        }
        ++since_templates_;
    }
    send_(std::span<const std::uint8_t>(buffer_.data(), used_));
    ++datagrams_;
    sent_records_ += data_records_;
    used_ = 0;
    set_start_ = 0;
    records_ = 0;
    data_records_ = 0;
}

}  // namespace pmacct::plugins::nfprobe
