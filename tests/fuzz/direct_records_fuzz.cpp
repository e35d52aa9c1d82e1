// libFuzzer target: the direct path (collector/direct_records.hpp) against the FlowRecord path.
// Inputs as netflow_v9_fuzz.cpp's (one datagram, or 0xFF then length-prefixed datagrams). Two
// decoders see the same datagrams: one gives FlowRecords, written as ring records for a few
// plugin keys; the other hands its lean sets to DirectPrograms for the same keys. Every ring
// record must be the same bytes, in the same order; a difference aborts. NetFlow v5 datagrams
// (version 5) go through two v5 decoders the same way, with the v5 programs of the keys that
// have one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pmacct/collector/direct_records.hpp"
#include "pmacct/flow/netflow_v5.hpp"
#include "pmacct/plugin/plugin.hpp"

namespace {

using namespace pmacct;

struct Keys {
    std::vector<aggregate::KeyLayout> layouts;
    flow::TargetSet needed;
};

const Keys& keys() {
    static const Keys k = [] {
        const std::vector<std::vector<std::string>> names = {
            {"src_host", "dst_host", "src_port", "dst_port", "proto", "tos", "tcpflags"},
            {"src_net", "dst_net", "src_mask", "dst_mask", "src_as", "dst_as", "in_iface", "out_iface", "peer_src_ip",
             "flows"},
            {"timestamp_start", "timestamp_end", "timestamp_arrival", "timestamp_export", "export_proto_version",
             "export_proto_seqno", "export_proto_sysid", "out_vlan", "nat_event", "post_nat_src_port", "mpls_pw_id",
             "etype", "sampling_direction", "peer_dst_ip", "tag", "label"},
            // The same without etype and sampling_direction, which keep v5 off the direct path.
            {"timestamp_start", "timestamp_end", "timestamp_arrival", "timestamp_export", "export_proto_version",
             "export_proto_seqno", "export_proto_sysid", "out_vlan", "nat_event", "post_nat_src_port", "mpls_pw_id",
             "peer_dst_ip", "tag", "label"},
        };
        Keys out;
        for (const auto& n : names) {
            auto layout = aggregate::KeyLayout::build(n);
            if (!layout) std::abort();
            out.layouts.push_back(std::move(*layout));
            out.needed |= flow::targets_for(n);
        }
        return out;
    }();
    return k;
}

// Ring records as bytes, up to the end of the key (padding is not written by either path).
using Records = std::vector<std::vector<std::uint8_t>>;
std::vector<std::uint8_t> used_part(const aggregate::KeyLayout& layout, std::vector<std::uint8_t> bytes) {
    bytes.resize(plugin::ring_layout::kCountersBytes + layout.key_size());
    return bytes;
}

void decode_v5_both(std::span<const std::uint8_t> datagram) {
    struct V5Program {
        const aggregate::KeyLayout* layout;
        collector::DirectProgram program;
    };
    static const std::vector<V5Program> programs = [] {
        std::vector<V5Program> out;
        for (const auto& layout : keys().layouts) {
            if (auto p = collector::DirectProgram::compile_v5(layout, false)) out.push_back({&layout, std::move(*p)});
        }
        if (out.size() != 3) std::abort();  // every key but the third has a program
        return out;
    }();
    static flow::NetflowV5Decoder by_records;
    static flow::NetflowV5Decoder by_programs;
    const IpAddress exporter = IpAddress::v4(0xC0000201);
    const Timestamp arrival{1700000000, 123456};
    Records expected, got;
    const auto a = by_records.decode(datagram, exporter, arrival, [&](const FlowRecord& r) {
        for (const V5Program& p : programs) {
            std::vector<std::uint8_t> bytes(plugin::ring_record_size(*p.layout));
            plugin::write_ring_record(bytes.data(), *p.layout, r, 0);
            expected.push_back(used_part(*p.layout, std::move(bytes)));
        }
    });
    const auto b = by_programs.decode(
        datagram, exporter, arrival, [](const FlowRecord&) { std::abort(); },
        [&](const flow::NetflowV5Header& h, const std::uint8_t* records) {
            const flow::V9Header v9 = collector::DirectProgram::v5_header(h);
            const flow::DirectSet s{collector::DirectProgram::v5_template(),
                                    {records, std::size_t{h.count} * flow::kNetflowV5RecordSize},
                                    h.count,
                                    v9,
                                    exporter,
                                    arrival,
                                    false};
            for (std::uint32_t i = 0; i < h.count; ++i) {
                for (const V5Program& p : programs) {
                    std::vector<std::uint8_t> bytes(plugin::ring_record_size(*p.layout), 0xA5);
                    p.program.write(records + std::size_t{i} * flow::kNetflowV5RecordSize, s, bytes.data());
                    got.push_back(used_part(*p.layout, std::move(bytes)));
                }
            }
            return true;
        });
    if (a.records != b.records || a.outcome != b.outcome || expected != got) std::abort();
}

void decode_both(flow::TemplateDecoder& by_records, flow::TemplateDecoder& by_programs,
                 std::span<const std::uint8_t> datagram) {
    if (datagram.size() >= 2 && datagram[0] == 0 && datagram[1] == 5) {
        decode_v5_both(datagram);
        return;
    }
    const Keys& k = keys();
    const IpAddress exporter = IpAddress::v4(0xC0000201);
    const Timestamp arrival{1700000000, 123456};
    Records expected, got;
    const auto as_records = [&](Records& out) {
        return [&](const FlowRecord& r) {
            for (const auto& layout : k.layouts) {
                std::vector<std::uint8_t> bytes(plugin::ring_record_size(layout));
                plugin::write_ring_record(bytes.data(), layout, r, 0);
                out.push_back(used_part(layout, std::move(bytes)));
            }
        };
    };
    const auto a = by_records.decode(datagram, exporter, arrival, as_records(expected));
    const auto b = by_programs.decode(
        datagram, exporter, arrival, as_records(got), [](std::span<const std::uint8_t>, flow::TemplateDecoder::SetKind) {},
        [&](const flow::DirectSet& s) {
            std::vector<collector::DirectProgram> programs;
            for (const auto& layout : k.layouts) {
                auto p = collector::DirectProgram::compile(s.t, layout, s.use_ip_next_hop);
                if (!p) return false;
                programs.push_back(std::move(*p));
            }
            for (std::uint32_t i = 0; i < s.records; ++i) {
                for (std::size_t l = 0; l < programs.size(); ++l) {
                    std::vector<std::uint8_t> bytes(plugin::ring_record_size(k.layouts[l]), 0xA5);
                    programs[l].write(s.data.data() + std::size_t{i} * s.t.record_length, s, bytes.data());
                    got.push_back(used_part(k.layouts[l], std::move(bytes)));
                }
            }
            return true;
        });
    if (a.records != b.records || a.outcome != b.outcome || expected != got) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static flow::TemplateOptions options = [] {
        flow::TemplateOptions o;
        o.needed = keys().needed;
        return o;
    }();
    static flow::TemplateDecoder by_records(options);
    static flow::TemplateDecoder by_programs(options);
    if (by_records.template_count() > 4096) {
        by_records = flow::TemplateDecoder(options);
        by_programs = flow::TemplateDecoder(options);
    }
    const std::span<const std::uint8_t> input(data, size);
    if (size == 0 || data[0] != 0xFF) {
        decode_both(by_records, by_programs, input);
        return 0;
    }
    std::size_t at = 1;
    while (at + 2 <= size) {
        const std::size_t len = (std::size_t{data[at]} << 8) | data[at + 1];
        at += 2;
        if (len > size - at) break;
        decode_both(by_records, by_programs, input.subspan(at, len));
        at += len;
    }
    return 0;
}
