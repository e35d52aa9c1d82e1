// The direct path against the FlowRecord path: random NetFlow v9 and IPFIX templates, records
// and plugin keys, decoded both ways, must give the same ring records byte for byte.
#include "pmacct/collector/direct_records.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "pmacct/flow/netflow_v5.hpp"
#include "pmacct/plugin/plugin.hpp"

namespace pmacct::collector {
namespace {

struct Element {
    std::uint16_t id;
    std::vector<std::uint16_t> lengths;
    std::uint32_t pen = 0;  // IPFIX only
};

// Elements a lean template is made of (plain stores), several lengths each, plus a few the
// FlowRecord path alone handles (VLAN, MACs, next hops, microsecond times): templates with
// those must still come out the same, through the fallback.
const std::vector<Element> kLean = {
    {1, {1, 2, 3, 4, 8}}, {2, {2, 4, 8}}, {3, {1, 4}}, {4, {1, 2}}, {5, {1}}, {6, {1, 2}},
    {7, {2}}, {8, {4}}, {9, {1}}, {10, {2, 4}}, {11, {2}}, {12, {4}}, {13, {1}}, {14, {2, 4}},
    {16, {2, 4}}, {17, {2, 4}}, {21, {4}}, {22, {4}}, {23, {4, 8}}, {24, {4, 8}}, {27, {16}},
    {28, {16}}, {29, {1}}, {30, {1}}, {59, {2}}, {60, {1}}, {61, {1}}, {85, {8}}, {86, {8}},
    {150, {4}}, {151, {4}}, {152, {8}}, {153, {8}}, {160, {8}}, {210, {1, 3, 6}}, {227, {2}},
    {230, {1}}, {233, {1}}, {244, {1}}, {245, {2}}, {252, {4}}, {253, {4}}, {255, {2}}, {249, {4}},
    {18, {4}}, {63, {16}}, {15, {4}}, {62, {16}}, {256, {2}},
    // pmacct's tag and tag2, as its nfprobe exports them.
    {1, {8, 4}, 43874}, {2, {8}, 43874},
};
const std::vector<Element> kOther = {{58, {2}}, {56, {6}}, {154, {8}}, {8, {3}}, {18, {16}}};

// Primitives the direct path writes, and some it leaves to the FlowRecord path.
const std::vector<std::string> kPrimitives = {
    "src_host", "dst_host", "src_net", "dst_net", "src_mask", "dst_mask", "proto", "tos", "src_port",
    "dst_port", "src_as", "dst_as", "in_iface", "out_iface", "peer_src_ip", "timestamp_start",
    "timestamp_end", "timestamp_arrival", "timestamp_export", "export_proto_version",
    "export_proto_seqno", "export_proto_sysid", "tcpflags", "flows", "out_vlan", "cos", "nat_event",
    "fw_event", "post_nat_src_port", "in_cvlan", "out_cvlan", "mpls_pw_id", "etype", "sampling_direction",
    "peer_dst_ip", "tag", "tag2", "label",
};
const std::vector<std::string> kOtherPrimitives = {"vlan", "src_mac", "sampling_rate", "mpls_label_top"};

class Datagram {
public:
    explicit Datagram(int version) : version_(version) {
        u16(static_cast<std::uint16_t>(version));
        u16(0);  // count / length, set by finish()
        if (version == 9) u32(0x00100000);  // sysUptime
        u32(1700000000);                   // unix_secs
        u32(4242);                         // sequence
        u32(7);                            // source id / observation domain
    }
    void u8(std::uint8_t v) { bytes_.push_back(v); }
    void u16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v >> 8));
        u8(static_cast<std::uint8_t>(v));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v >> 16));
        u16(static_cast<std::uint16_t>(v));
    }
    std::size_t begin_set(std::uint16_t id) {
        const std::size_t at = bytes_.size();
        u16(id);
        u16(0);
        return at;
    }
    void end_set(std::size_t at) {
        const std::size_t n = bytes_.size() - at;
        bytes_[at + 2] = static_cast<std::uint8_t>(n >> 8);
        bytes_[at + 3] = static_cast<std::uint8_t>(n);
    }
    std::vector<std::uint8_t>& finish() {
        const std::size_t n = version_ == 9 ? 2 : bytes_.size();
        bytes_[2] = static_cast<std::uint8_t>(n >> 8);
        bytes_[3] = static_cast<std::uint8_t>(n);
        return bytes_;
    }
    std::vector<std::uint8_t>& bytes() { return bytes_; }

private:
    int version_;
    std::vector<std::uint8_t> bytes_;
};

// A field's value: often zero (counters fall back, addresses pick a family), ipVersion mostly
// 4 or 6, times near the header's, the rest random.
void put_value(Datagram& d, std::uint16_t id, std::uint16_t length, std::mt19937_64& rng) {
    const auto pick = [&](std::uint64_t n) { return rng() % n; };
    std::uint64_t v = rng();
    if (pick(4) == 0) v = 0;
    if (id == 60) v = std::vector<std::uint64_t>{4, 6, 0, 5}[pick(4)];
    if (id == 21 || id == 22) v = 0x00100000 - pick(5000000);
    if (id == 150 || id == 151) v = 1700000000 - pick(100000);
    if (id == 152 || id == 153 || id == 160) v = 1700000000000ULL - pick(100000000);
    if (id == 9 || id == 13 || id == 29 || id == 30) v = pick(140);
    for (std::uint16_t i = 0; i < length; ++i) {
        const unsigned shift = 8U * (length - 1U - i);
        d.u8(shift >= 64 ? static_cast<std::uint8_t>(rng()) : static_cast<std::uint8_t>(v >> shift));
    }
}

struct Field {
    std::uint16_t id, length;
    std::uint32_t pen = 0;
};

// A plugin key of 1 to 8 primitives, mostly ones the direct path writes.
std::vector<std::string> random_key(std::mt19937_64& rng) {
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    std::vector<std::string> names;
    const std::size_t n_primitives = 1 + pick(8);
    for (std::size_t i = 0; i < n_primitives; ++i) {
        const std::string& p = pick(25) == 0 ? kOtherPrimitives[pick(kOtherPrimitives.size())]
                                             : kPrimitives[pick(kPrimitives.size())];
        if (std::find(names.begin(), names.end(), p) == names.end()) names.push_back(p);
    }
    return names;
}

std::vector<std::uint8_t> ring_bytes_of(const aggregate::KeyLayout& layout, const FlowRecord& r) {
    std::vector<std::uint8_t> out(plugin::ring_record_size(layout));
    plugin::write_ring_record(out.data(), layout, r, 0);
    return out;
}

TEST(DirectRecords, RandomTemplatesGiveTheSameRingRecordsAsFlowRecords) {
    std::mt19937_64 rng(20261207);
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    int direct_sets = 0, fallback_sets = 0, compared = 0;
    for (int round = 0; round < 3000; ++round) {
        // The plugin's key.
        const std::vector<std::string> names = random_key(rng);
        auto layout = aggregate::KeyLayout::build(names);
        ASSERT_TRUE(layout) << layout.error();

        // The template: mostly lean elements, repeats allowed; mostly with a counter (without
        // one it is an event template, which the direct path leaves alone).
        const int version = pick(2) == 0 ? 9 : 10;
        std::vector<Field> fields;
        if (pick(8) != 0) fields.push_back(Field{static_cast<std::uint16_t>(1 + pick(2)), 4});
        const std::size_t n_fields = pick(16);
        for (std::size_t i = 0; i < n_fields || fields.empty(); ++i) {
            const Element& e = pick(30) == 0 ? kOther[pick(kOther.size())] : kLean[pick(kLean.size())];
            if (e.pen != 0 && version == 9) continue;  // v9 has no enterprise elements
            fields.push_back(Field{e.id, e.lengths[pick(e.lengths.size())], e.pen});
        }
        Datagram d(version);
        const std::uint16_t template_id = 256 + static_cast<std::uint16_t>(pick(4));
        std::size_t set = d.begin_set(version == 9 ? 0 : 2);
        d.u16(template_id);
        d.u16(static_cast<std::uint16_t>(fields.size()));
        for (const Field& f : fields) {
            d.u16(static_cast<std::uint16_t>(f.pen != 0 ? f.id | 0x8000 : f.id));
            d.u16(f.length);
            if (f.pen != 0) {
                d.u16(static_cast<std::uint16_t>(f.pen >> 16));
                d.u16(static_cast<std::uint16_t>(f.pen));
            }
        }
        d.end_set(set);
        set = d.begin_set(template_id);
        const std::size_t n_records = 1 + pick(6);
        for (std::size_t r = 0; r < n_records; ++r) {
            for (const Field& f : fields) put_value(d, f.id, f.length, rng);
        }
        for (std::size_t pad = pick(4); pad > 0; --pad) d.u8(0);
        d.end_set(set);
        const std::vector<std::uint8_t>& datagram = d.finish();

        flow::TemplateOptions options;
        options.needed = flow::targets_for(names);
        options.use_ip_next_hop = pick(4) == 0;  // peer_dst_ip then takes the FlowRecord path
        flow::TemplateDecoder by_records(options);
        flow::TemplateDecoder by_program(options);
        const IpAddress exporter = pick(2) == 0 ? IpAddress::v4(0x7F000001) : IpAddress{6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
        const Timestamp arrival{1700000100, static_cast<std::uint32_t>(pick(1000000))};

        std::vector<std::vector<std::uint8_t>> expected, got;
        by_records.decode(datagram, exporter, arrival,
                          [&](const FlowRecord& r) { expected.push_back(ring_bytes_of(*layout, r)); });
        const auto result = by_program.decode(
            datagram, exporter, arrival, [&](const FlowRecord& r) { got.push_back(ring_bytes_of(*layout, r)); },
            [](std::span<const std::uint8_t>, flow::TemplateDecoder::SetKind) {},
            [&](const flow::DirectSet& s) {
                auto program = DirectProgram::compile(s.t, *layout, s.use_ip_next_hop);
                if (!program) {
                    ++fallback_sets;
                    return false;
                }
                ++direct_sets;
                for (std::uint32_t k = 0; k < s.records; ++k) {
                    std::vector<std::uint8_t> out(plugin::ring_record_size(*layout), 0xAA);  // not zeroed
                    program->write(s.data.data() + std::size_t{k} * s.t.record_length, s, out.data());
                    got.push_back(std::move(out));
                }
                return true;
            });
        EXPECT_EQ(result.records, expected.size());
        ASSERT_EQ(got.size(), expected.size()) << "round " << round;
        for (std::size_t i = 0; i < got.size(); ++i) {
            // The ring record's padding after the key is not written by either path.
            const std::size_t used = plugin::ring_layout::kCountersBytes + layout->key_size();
            got[i].resize(used);
            expected[i].resize(used);
            ASSERT_EQ(got[i], expected[i]) << "round " << round << " record " << i;
            ++compared;
        }
    }
    // Both paths were taken, the direct one by most sets.
    EXPECT_GT(direct_sets, 1500);
    EXPECT_GT(fallback_sets, 50);
    EXPECT_GT(compared, 8000);
}

// NetFlow v5: random datagrams (random header times, First/Last around sysUptime, zeros) and
// random keys; the v5 program must give the ring records of the v5 decoder's FlowRecords.
TEST(DirectRecords, V5DatagramsGiveTheSameRingRecordsAsFlowRecords) {
    std::mt19937_64 rng(20261222);
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    int direct = 0, fallback = 0, compared = 0;
    for (int round = 0; round < 3000; ++round) {
        const std::vector<std::string> names = random_key(rng);
        auto layout = aggregate::KeyLayout::build(names);
        ASSERT_TRUE(layout) << layout.error();

        const std::size_t count = 1 + pick(30);
        Datagram d(5);  // version, count (set below), then the rest of the v5 header by hand
        std::vector<std::uint8_t>& b = d.bytes();
        b.resize(4);
        b[3] = static_cast<std::uint8_t>(count);
        const std::uint32_t uptime = pick(8) == 0 ? static_cast<std::uint32_t>(pick(3000)) : static_cast<std::uint32_t>(rng());
        d.u32(uptime);
        d.u32(pick(8) == 0 ? static_cast<std::uint32_t>(pick(2)) : 1700000000U + static_cast<std::uint32_t>(pick(1000)));
        d.u32(static_cast<std::uint32_t>(rng()));  // unix_nsecs
        d.u32(static_cast<std::uint32_t>(rng()));  // flow_sequence
        d.u8(static_cast<std::uint8_t>(rng()));    // engine type
        d.u8(static_cast<std::uint8_t>(rng()));    // engine id
        d.u16(pick(2) == 0 ? 0 : static_cast<std::uint16_t>(rng()));  // sampling
        for (std::size_t r = 0; r < count; ++r) {
            for (int i = 0; i < 12; ++i) d.u32(pick(4) == 0 ? 0 : static_cast<std::uint32_t>(rng()));
            std::uint8_t* rec = b.data() + b.size() - flow::kNetflowV5RecordSize;
            for (const int at : {24, 28}) {  // First and Last: mostly before sysUptime, by up to a day
                if (pick(6) == 0) continue;
                const std::uint32_t t = uptime - static_cast<std::uint32_t>(pick(86400000));
                rec[at] = static_cast<std::uint8_t>(t >> 24);
                rec[at + 1] = static_cast<std::uint8_t>(t >> 16);
                rec[at + 2] = static_cast<std::uint8_t>(t >> 8);
                rec[at + 3] = static_cast<std::uint8_t>(t);
            }
        }
        const std::vector<std::uint8_t>& datagram = b;

        const bool use_ip_next_hop = pick(4) == 0;
        flow::NetflowV5Options options;
        options.use_ip_next_hop = use_ip_next_hop;
        flow::NetflowV5Decoder decoder(options);
        const IpAddress exporter = pick(2) == 0 ? IpAddress::v4(0x7F000001) : IpAddress{6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
        const Timestamp arrival{1700000100, static_cast<std::uint32_t>(pick(1000000))};

        std::vector<std::vector<std::uint8_t>> expected, got;
        decoder.decode(datagram, exporter, arrival, [&](const FlowRecord& r) { expected.push_back(ring_bytes_of(*layout, r)); });
        const auto program = DirectProgram::compile_v5(*layout, use_ip_next_hop);
        const auto result = decoder.decode(
            datagram, exporter, arrival, [&](const FlowRecord& r) { got.push_back(ring_bytes_of(*layout, r)); },
            [&](const flow::NetflowV5Header& h, const std::uint8_t* records) {
                if (!program) {
                    ++fallback;
                    return false;
                }
                ++direct;
                const flow::V9Header v9 = DirectProgram::v5_header(h);
                const flow::DirectSet s{DirectProgram::v5_template(), {records, h.count * flow::kNetflowV5RecordSize},
                                        h.count, v9, exporter, arrival, use_ip_next_hop};
                for (std::uint32_t k = 0; k < h.count; ++k) {
                    std::vector<std::uint8_t> out(plugin::ring_record_size(*layout), 0xAA);  // not zeroed
                    program->write(records + std::size_t{k} * flow::kNetflowV5RecordSize, s, out.data());
                    got.push_back(std::move(out));
                }
                return true;
            });
        ASSERT_TRUE(result.ok()) << "round " << round;
        ASSERT_EQ(got.size(), expected.size()) << "round " << round;
        for (std::size_t i = 0; i < got.size(); ++i) {
            const std::size_t used = plugin::ring_layout::kCountersBytes + layout->key_size();
            got[i].resize(used);
            expected[i].resize(used);
            std::size_t at = 0;
            while (at < used && got[i][at] == expected[i][at]) ++at;
            ASSERT_EQ(at, used) << "round " << round << " record " << i << ": byte " << at << " differs, key "
                                << ::testing::PrintToString(names);
            ++compared;
        }
    }
    EXPECT_GT(direct, 1500);
    EXPECT_GT(fallback, 50);
    EXPECT_GT(compared, 20000);
}

TEST(DirectRecords, KeysWithPrimitivesItDoesNotWriteAreLeftToFlowRecords) {
    for (const std::string& p : kOtherPrimitives) {
        auto layout = aggregate::KeyLayout::build(std::vector<std::string>{"src_host", p});
        ASSERT_TRUE(layout);
        EXPECT_FALSE(DirectProgram::supports(*layout)) << p;
    }
    auto plain = aggregate::KeyLayout::build(std::vector<std::string>{"src_host", "dst_host", "src_port", "dst_port", "proto"});
    ASSERT_TRUE(plain);
    EXPECT_TRUE(DirectProgram::supports(*plain));
}

}  // namespace
}  // namespace pmacct::collector
