// The value conventions of pmacct's text outputs, one by one (the golden tests compare whole
// outputs with Debian's pmacct; these pin each convention and the options the goldens do not
// cover).
#include "pmacct/output/row_writer.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pmacct/primitives/custom.hpp"
#include "test_support.hpp"

namespace pmacct::output {
namespace {

using pmacct::testing::ScopedTz;

using aggregate::Counters;
using aggregate::KeyLayout;


// A layout and one key built from a FlowRecord; `set` writes fields FlowRecord lacks.
struct Fixture {
    explicit Fixture(std::vector<std::string> aggregate) {
        auto l = KeyLayout::build(aggregate);
        EXPECT_TRUE(l.has_value()) << l.error();
        layout = std::move(*l);
        key.assign(layout.key_size(), 0);
    }
    void fill(const FlowRecord& r) { layout.extract(r, key.data()); }
    template <typename T>
    void set(const char* name, T value) {
        const auto* f = layout.field(name);
        ASSERT_NE(f, nullptr) << name;
        ASSERT_LE(sizeof value, f->size);
        std::memcpy(key.data() + f->offset, &value, sizeof value);
    }
    void set_bytes(const char* name, std::vector<std::uint8_t> bytes) {
        const auto* f = layout.field(name);
        ASSERT_NE(f, nullptr) << name;
        ASSERT_LE(bytes.size(), f->size);
        std::memcpy(key.data() + f->offset, bytes.data(), bytes.size());
    }
    void set_string(const char* name, std::string_view s) {
        set_bytes(name, std::vector<std::uint8_t>(s.begin(), s.end()));
    }
    std::string header(Format f, Options o = {}) const {
        std::string out;
        RowWriter(layout, f, std::move(o)).header(out);
        return out;
    }
    std::string row(Format f, Options o = {}, Counters c = counters(), RowContext ctx = {}) const {
        std::string out;
        RowWriter(layout, f, std::move(o)).row(key.data(), c, ctx, out);
        return out;
    }
    static Counters counters() {
        Counters c;
        c.packets = 3;
        c.bytes = 180;
        c.flows = 2;
        return c;
    }

    KeyLayout layout;
    std::vector<std::uint8_t> key;
};

IpAddress ip(const char* s) {
    IpAddress a;
    EXPECT_TRUE(IpAddress::parse(s, a));
    return a;
}

TEST(RowWriter, FormatNames) {
    EXPECT_EQ(format_from_name("formatted"), Format::kFormatted);
    EXPECT_EQ(format_from_name("csv"), Format::kCsv);
    EXPECT_EQ(format_from_name("event_formatted"), Format::kEventFormatted);
    EXPECT_EQ(format_from_name("event_csv"), Format::kEventCsv);
    EXPECT_EQ(format_from_name("json"), Format::kJson);
    EXPECT_FALSE(format_from_name("avro").has_value());
    EXPECT_FALSE(format_from_name("CSV").has_value());
}

TEST(RowWriter, FormattedColumnsAreFixedWidthWithCountersLast) {
    Fixture x({"dst_port", "src_host", "flows"});
    FlowRecord r;
    r.src_ip = ip("192.0.2.1");
    r.dst_port = 443;
    x.fill(r);
    EXPECT_EQ(x.header(Format::kFormatted),
              "SRC_IP                                         DST_PORT  PACKETS               "
              "FLOWS                 BYTES\n");
    EXPECT_EQ(x.row(Format::kFormatted),
              "192.0.2.1                                      443       3                     "
              "2                     180\n");
    // event_formatted: no counters, the last column keeps its padding.
    EXPECT_EQ(x.header(Format::kEventFormatted),
              "SRC_IP                                         DST_PORT  \n");
    EXPECT_EQ(x.row(Format::kEventFormatted),
              "192.0.2.1                                      443       \n");
}

TEST(RowWriter, CsvHeaderAndRows) {
    Fixture x({"dst_port", "src_host", "flows"});
    FlowRecord r;
    r.src_ip = ip("2001:db8::1");
    r.dst_port = 53;
    x.fill(r);
    EXPECT_EQ(x.header(Format::kCsv), "SRC_IP,DST_PORT,PACKETS,FLOWS,BYTES\n");
    EXPECT_EQ(x.row(Format::kCsv), "2001:db8::1,53,3,2,180\n");
    EXPECT_EQ(x.header(Format::kEventCsv), "SRC_IP,DST_PORT\n");
    EXPECT_EQ(x.row(Format::kEventCsv), "2001:db8::1,53\n");
}

TEST(RowWriter, SeparatorIsUsedEverywhereInCsv) {
    Fixture x({"src_port", "dst_port"});
    FlowRecord r;
    r.src_port = 1;
    r.dst_port = 2;
    x.fill(r);
    Options o;
    o.separator = "\t";
    EXPECT_EQ(x.header(Format::kCsv, o), "SRC_PORT\tDST_PORT\tPACKETS\tBYTES\n");
    EXPECT_EQ(x.row(Format::kCsv, o), "1\t2\t3\t180\n");
    EXPECT_EQ(x.row(Format::kEventCsv, o), "1\t2\n");
    // Formatted output ignores the separator.
    EXPECT_EQ(x.row(Format::kFormatted, o), "1         2         3                     180\n");
}

TEST(RowWriter, NoPrimitivesLeavesTheCounters) {
    Fixture x({"none"});
    EXPECT_EQ(x.header(Format::kCsv), "PACKETS,BYTES\n");
    EXPECT_EQ(x.row(Format::kCsv), "3,180\n");
    EXPECT_EQ(x.header(Format::kFormatted), "PACKETS               BYTES\n");
    EXPECT_EQ(x.row(Format::kEventCsv), "\n");
    EXPECT_EQ(x.row(Format::kJson),
              "{\"event_type\": \"purge\", \"packets\": 3, \"bytes\": 180}\n");
}

TEST(RowWriter, JsonSeparatorsAndTypes) {
    Fixture x({"src_host", "src_port", "proto", "etype", "src_mac", "in_iface"});
    FlowRecord r;
    r.src_ip = ip("192.0.2.1");
    r.src_port = 80;
    r.proto = 6;
    r.etype = 0x86dd;
    r.src_mac.bytes = {0x00, 0x1b, 0xAA, 0xbb, 0x0c, 0xff};
    r.in_iface = 7;
    x.fill(r);
    EXPECT_EQ(
        x.row(Format::kJson),
        "{\"event_type\": \"purge\", \"mac_src\": \"00:1b:aa:bb:0c:ff\", \"etype\": \"86dd\", "
        "\"iface_in\": 7, \"ip_src\": \"192.0.2.1\", \"port_src\": 80, \"ip_proto\": \"tcp\", "
        "\"packets\": 3, \"bytes\": 180}\n");
    EXPECT_EQ(x.header(Format::kJson), "");
}

TEST(RowWriter, EmptyAddressIsColonsOnlyInFormatted) {
    Fixture x({"peer_dst_ip", "src_host"});
    FlowRecord r;
    r.src_ip = ip("10.0.0.1");
    x.fill(r);
    EXPECT_EQ(x.row(Format::kFormatted),
              "::                                             10.0.0.1                       "
              "                3                     180\n");
    EXPECT_EQ(x.row(Format::kCsv), ",10.0.0.1,3,180\n");
    EXPECT_NE(x.row(Format::kJson).find("\"peer_ip_dst\": \"\", "), std::string::npos);
    // A set 0.0.0.0 is not empty.
    r.bgp_next_hop = ip("0.0.0.0");
    x.fill(r);
    EXPECT_EQ(x.row(Format::kCsv), "0.0.0.0,10.0.0.1,3,180\n");
}

// Our IPv6 text must be glibc's inet_ntop text (what pmacct prints), zero runs and embedded
// IPv4 included.
TEST(RowWriter, Ipv6TextIsInetNtopText) {
    Fixture x({"src_host"});
    std::mt19937 rng(7);
    std::vector<std::array<std::uint8_t, 16>> addrs;
    for (const char* s : {"::", "::1", "::2", "::ffff:192.0.2.7", "::192.0.2.7", "::ffff:0:1",
                          "1::", "1:0:0:1::", "1:0:0:1:0:0:0:1", "0:1::", "2001:db8::1:0:0:1",
                          "fe80::", "ff02::1:ff00:1", "1:2:3:4:5:6:7:8", "0:0:1::1", "::ffff:1:2:3",
                          "64:ff9b::192.0.2.1", "::1:0:0:0:0"}) {
        std::array<std::uint8_t, 16> a{};
        ASSERT_EQ(::inet_pton(AF_INET6, s, a.data()), 1) << s;
        addrs.push_back(a);
    }
    for (int i = 0; i < 20000; ++i) {
        std::array<std::uint8_t, 16> a{};
        for (std::size_t w = 0; w < 8; ++w) {
            // Mostly zero groups, so that runs of every length and position come up.
            if (rng() % 3 == 0) {
                a[2 * w] = static_cast<std::uint8_t>(rng() % 2 == 0 ? 0 : rng());
                a[2 * w + 1] = static_cast<std::uint8_t>(rng());
            }
        }
        if (rng() % 10 == 0) a[10] = a[11] = 0xff;
        addrs.push_back(a);
    }
    ASSERT_EQ(x.layout.key_size(), 17U);
    for (const auto& a : addrs) {
        std::array<std::uint8_t, 17> key{};
        key[0] = 6;
        std::memcpy(key.data() + 1, a.data(), 16);
        char expected[INET6_ADDRSTRLEN];
        ASSERT_NE(::inet_ntop(AF_INET6, a.data(), expected, sizeof expected), nullptr);
        std::string out;
        RowWriter(x.layout, Format::kEventCsv, {}).row(key.data(), {}, {}, out);
        ASSERT_EQ(out, std::string(expected) + "\n");
    }
}

TEST(RowWriter, MacAddresses) {
    Fixture x({"src_mac", "dst_mac"});
    FlowRecord r;
    r.dst_mac.bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    x.fill(r);
    EXPECT_EQ(x.row(Format::kCsv), "00:00:00:00:00:00,ff:ff:ff:ff:ff:ff,3,180\n");
    EXPECT_EQ(x.row(Format::kEventFormatted), "00:00:00:00:00:00  ff:ff:ff:ff:ff:ff  \n");
}

TEST(RowWriter, ProtocolNamesAndNumbers) {
    EXPECT_EQ(protocol_name(6), "tcp");
    EXPECT_EQ(protocol_name(17), "udp");
    EXPECT_EQ(protocol_name(1), "icmp");
    EXPECT_EQ(protocol_name(58), "ipv6-icmp");
    EXPECT_EQ(protocol_name(108), "IPcomp");
    EXPECT_EQ(protocol_name(0), "0");
    EXPECT_EQ(protocol_name(255), "255");
    EXPECT_EQ(protocol_table_name(7), "");
    EXPECT_EQ(protocol_number("tcp"), 6);
    EXPECT_EQ(protocol_number("ax.25"), 93);
    EXPECT_EQ(protocol_number("250"), 250);
    EXPECT_FALSE(protocol_number("256").has_value());
    EXPECT_FALSE(protocol_number("TCP").has_value());
    EXPECT_FALSE(protocol_number("").has_value());

    Fixture x({"proto"});
    FlowRecord r;
    r.proto = 47;
    x.fill(r);
    EXPECT_EQ(x.row(Format::kCsv), "gre,3,180\n");
    EXPECT_EQ(x.row(Format::kEventFormatted), "gre         \n");
    Options num;
    num.num_protos = true;
    EXPECT_EQ(x.row(Format::kCsv, num), "47,3,180\n");
    // Still a JSON string, as pmacct writes it.
    EXPECT_NE(x.row(Format::kJson, num).find("\"ip_proto\": \"47\""), std::string::npos);
}

TEST(RowWriter, TimestampOptions) {
    ScopedTz tz("Europe/Rome");
    Fixture x({"timestamp_start"});
    const Timestamp summer{1680626664, 123456};  // 2023-04-04 16:44:24.123456 UTC
    const Timestamp winter{1700000000, 5};       // 2023-11-14 22:13:20.000005 UTC
    auto fmt = [&](Options o, Timestamp t) {
        return RowWriter(x.layout, Format::kCsv, std::move(o)).format_timestamp(t);
    };
    Options o;
    EXPECT_EQ(fmt(o, summer), "2023-04-04 18:44:24.123456");
    EXPECT_EQ(fmt(o, winter), "2023-11-14 23:13:20.000005");
    o.timestamps_utc = true;
    EXPECT_EQ(fmt(o, summer), "2023-04-04 16:44:24.123456");
    o.timestamps_rfc3339 = true;
    EXPECT_EQ(fmt(o, summer), "2023-04-04T16:44:24.123456+00:00");
    o.timestamps_utc = false;
    EXPECT_EQ(fmt(o, summer), "2023-04-04T18:44:24.123456+02:00");
    EXPECT_EQ(fmt(o, winter), "2023-11-14T23:13:20.000005+01:00");
    o = {};
    o.timestamps_since_epoch = true;
    EXPECT_EQ(fmt(o, summer), "1680626664.123456");
    // timestamps_secs: the microseconds are zeroed but still printed (pmacct 1.7.7).
    o.timestamps_secs = true;
    EXPECT_EQ(fmt(o, summer), "1680626664.000000");
    o.timestamps_since_epoch = false;
    EXPECT_EQ(fmt(o, summer), "2023-04-04 18:44:24.000000");
    {
        ScopedTz ny("America/New_York");
        Options r;
        r.timestamps_rfc3339 = true;
        EXPECT_EQ(fmt(r, summer), "2023-04-04T12:44:24.123456-04:00");
    }
    Options utc;
    utc.timestamps_utc = true;
    // An unset timestamp (second 0) prints as pmacct's zero date.
    EXPECT_EQ(fmt(utc, {0, 0}), "0000-00-00 00:00:00.000000");
    EXPECT_EQ(fmt(o, {0, 0}), "0000-00-00 00:00:00.000000");
    Options rfc0;
    rfc0.timestamps_rfc3339 = true;
    EXPECT_EQ(fmt(rfc0, {0, 0}), "0000-00-00T00:00:00.000000+01:00");  // Rome in 1970
    rfc0.timestamps_utc = true;
    EXPECT_EQ(fmt(rfc0, {0, 0}), "0000-00-00T00:00:00.000000+00:00");
    Options epoch0;
    epoch0.timestamps_since_epoch = true;
    EXPECT_EQ(fmt(epoch0, {0, 0}), "0.000000");
    EXPECT_EQ(fmt(utc, {86400, 1}), "1970-01-02 00:00:00.000001");
    EXPECT_EQ(fmt(utc, {951782400, 0}), "2000-02-29 00:00:00.000000");
    EXPECT_EQ(fmt(utc, {-1, 999999}), "1969-12-31 23:59:59.999999");
}

TEST(RowWriter, TimestampColumnIsThirtyWideThenOneSpace) {
    Fixture x({"timestamp_start", "src_port"});
    FlowRecord r;
    r.time_start = {1680626664, 0};
    x.fill(r);
    Options utc;
    utc.timestamps_utc = true;
    EXPECT_EQ(x.row(Format::kEventFormatted, utc), "0         2023-04-04 16:44:24.000000     \n");
    utc.timestamps_rfc3339 = true;  // 32 characters: more than the width, one space after
    EXPECT_EQ(x.row(Format::kEventFormatted, utc), "0         2023-04-04T16:44:24.000000+00:00 \n");
    EXPECT_EQ(x.row(Format::kJson, utc),
              "{\"event_type\": \"purge\", \"port_src\": 0, \"timestamp_start\": "
              "\"2023-04-04T16:44:24.000000+00:00\", \"packets\": 3, \"bytes\": 180}\n");
}

TEST(RowWriter, WideValuesPushTheNextColumn) {
    Fixture x({"tag", "sampling_rate", "src_port"});
    FlowRecord r;
    r.tag = std::numeric_limits<std::uint64_t>::max();
    r.sampling_rate = 4294967295U;
    x.fill(r);
    EXPECT_EQ(x.header(Format::kEventFormatted), "TAG         SRC_PORT  SAMPLING_RATE \n");
    // "%-10llu  " and "%-7u       ", as pmacct prints them.
    EXPECT_EQ(x.row(Format::kEventFormatted),
              "18446744073709551615  0         4294967295       \n");
    r.tag = 1;
    r.sampling_rate = 100;
    x.fill(r);
    EXPECT_EQ(x.row(Format::kEventFormatted), "1           0         100           \n");
}

TEST(RowWriter, JsonIntegersAreSigned64Bit) {
    Fixture x({"tag"});
    FlowRecord r;
    r.tag = std::numeric_limits<std::uint64_t>::max();
    x.fill(r);
    Counters c;
    c.packets = 9223372036854775808ULL;
    c.bytes = 5;
    EXPECT_EQ(x.row(Format::kJson, {}, c),
              "{\"event_type\": \"purge\", \"tag\": -1, \"packets\": -9223372036854775808, "
              "\"bytes\": 5}\n");
    EXPECT_EQ(x.row(Format::kCsv, {}, c), "18446744073709551615,9223372036854775808,5\n");
}

TEST(RowWriter, EventsHaveNoCountersInJson) {
    Fixture x({"nat_event", "flows"});
    x.set("nat_event", std::uint8_t{1});
    Counters c = Fixture::counters();
    c.flow_type = FlowType::kEvent;
    EXPECT_EQ(x.row(Format::kJson, {}, c), "{\"event_type\": \"purge\", \"nat_event\": 1}\n");
    c.flow_type = FlowType::kOption;
    EXPECT_EQ(x.row(Format::kJson, {}, c), "{\"event_type\": \"purge\", \"nat_event\": 1}\n");
    EXPECT_EQ(x.row(Format::kCsv, {}, c), "1,3,2,180\n");
    c.flow_type = FlowType::kIpv6;
    EXPECT_EQ(x.row(Format::kJson, {}, c),
              "{\"event_type\": \"purge\", \"nat_event\": 1, \"flows\": 2, \"packets\": 3, "
              "\"bytes\": 180}\n");
}

TEST(RowWriter, HistoryStampsGoBeforeFlowsInJsonOnly) {
    ScopedTz tz("UTC");
    Fixture x({"src_port", "timestamp_export", "flows"});
    RowContext ctx;
    ctx.history = true;
    ctx.stamp_inserted = 1680626580;  // 2023-04-04 16:43:00
    ctx.stamp_updated = 1680626700;
    EXPECT_EQ(x.row(Format::kJson, {}, Fixture::counters(), ctx),
              "{\"event_type\": \"purge\", \"port_src\": 0, \"timestamp_export\": "
              "\"0000-00-00 00:00:00.000000\", \"stamp_inserted\": \"2023-04-04 16:43:00\", "
              "\"stamp_updated\": \"2023-04-04 16:45:00\", \"flows\": 2, \"packets\": 3, "
              "\"bytes\": 180}\n");
    Options epoch;
    epoch.timestamps_since_epoch = true;
    EXPECT_NE(x.row(Format::kJson, epoch, Fixture::counters(), ctx)
                  .find("\"stamp_inserted\": \"1680626580\", \"stamp_updated\": \"1680626700\""),
              std::string::npos);
    Options rfc;
    rfc.timestamps_rfc3339 = true;
    EXPECT_NE(x.row(Format::kJson, rfc, Fixture::counters(), ctx)
                  .find("\"stamp_inserted\": \"2023-04-04T16:43:00+00:00\""),
              std::string::npos);
    EXPECT_EQ(x.row(Format::kCsv, {}, Fixture::counters(), ctx),
              "0,0000-00-00 00:00:00.000000,3,2,180\n");
    // Without history, no stamps.
    EXPECT_EQ(x.row(Format::kJson).find("stamp_inserted"), std::string::npos);
}

// Stitching adds TIMESTAMP_MIN / TIMESTAMP_MAX from the counters' earliest start and latest
// end: after TIMESTAMP_EXPORT in CSV and formatted, after timestamp_arrival in JSON (the
// orders Debian's nfacctd 1.7.7 printed).
TEST(RowWriter, StitchingColumnsComeFromTheCounters) {
    ScopedTz tz("UTC");
    Fixture x({"src_port", "timestamp_arrival", "timestamp_export", "export_proto_seqno"});
    Options o;
    o.stitching = true;
    Counters c = Fixture::counters();
    c.time_start = {1684085313, 0};   // 2023-05-14 17:28:33
    c.time_end = {1684085317, 250};  // 2023-05-14 17:28:37.000250
    EXPECT_EQ(x.header(Format::kCsv, o),
              "SRC_PORT,TIMESTAMP_ARRIVAL,TIMESTAMP_EXPORT,TIMESTAMP_MIN,TIMESTAMP_MAX,"
              "EXPORT_PROTO_SEQNO,PACKETS,BYTES\n");
    EXPECT_EQ(x.row(Format::kCsv, o, c),
              "0,0000-00-00 00:00:00.000000,0000-00-00 00:00:00.000000,2023-05-14 17:28:33.000000,"
              "2023-05-14 17:28:37.000250,0,3,180\n");
    EXPECT_EQ(x.row(Format::kJson, o, c),
              "{\"event_type\": \"purge\", \"port_src\": 0, \"timestamp_arrival\": "
              "\"0000-00-00 00:00:00.000000\", \"timestamp_min\": \"2023-05-14 17:28:33.000000\", "
              "\"timestamp_max\": \"2023-05-14 17:28:37.000250\", \"export_proto_seqno\": 0, "
              "\"timestamp_export\": \"0000-00-00 00:00:00.000000\", \"packets\": 3, \"bytes\": 180}\n");
    const std::string formatted = x.header(Format::kFormatted, o);
    EXPECT_NE(formatted.find("TIMESTAMP_EXPORT               TIMESTAMP_MIN                  "
                             "TIMESTAMP_MAX                  EXPORT_PROTO_SEQNO"),
              std::string::npos)
        << formatted;
    Options secs = o;
    secs.timestamps_secs = true;
    EXPECT_NE(x.row(Format::kCsv, secs, c).find("2023-05-14 17:28:37.000000"), std::string::npos);
    // Off by default.
    EXPECT_EQ(x.header(Format::kCsv).find("TIMESTAMP_MIN"), std::string::npos);
}

// pre_tag_label_encode_as_map: "key%value" pairs become a JSON object (a plain string
// otherwise, and in CSV always).
TEST(RowWriter, LabelAsAMap) {
    Fixture x({"label"});
    x.set_string("label", "site%paris,tier%gold,bare");
    Options o;
    o.label_encode_as_map = true;
    EXPECT_EQ(x.row(Format::kJson, o),
              "{\"event_type\": \"purge\", \"label\": {\"site\": \"paris\", \"tier\": \"gold\", \"bare\": \"\"}, "
              "\"packets\": 3, \"bytes\": 180}\n");
    EXPECT_EQ(x.row(Format::kJson),
              "{\"event_type\": \"purge\", \"label\": \"site%paris,tier%gold,bare\", \"packets\": 3, \"bytes\": 180}\n");
    EXPECT_EQ(x.row(Format::kCsv, o), "site%paris,tier%gold,bare,3,180\n");
    Fixture empty({"label"});
    EXPECT_NE(empty.row(Format::kJson, o).find("\"label\": {}"), std::string::npos);
}

// TCP flags are the OR of the aggregated flows' (the counters'), not a key field: a record's
// flags leave the key as it is.
TEST(RowWriter, TcpFlags) {
    Fixture x({"tcpflags", "tunnel_tcpflags"});
    FlowRecord r;
    r.tcp_flags = 0x12;  // SYN+ACK
    r.tunnel_tcp_flags = 0x02;
    x.fill(r);
    EXPECT_EQ(x.key, std::vector<std::uint8_t>(x.key.size(), 0));
    Counters c = Fixture::counters();
    c.tcp_flags = 0x12;
    c.tunnel_tcp_flags = 0x11;
    EXPECT_EQ(x.row(Format::kCsv, {}, c), "18,17,3,180\n");
    EXPECT_EQ(x.row(Format::kJson, {}, c),
              "{\"event_type\": \"purge\", \"tcp_flags\": 18, \"tunnel_tcp_flags\": 17, \"packets\": 3, \"bytes\": 180}\n");
    Options array;
    array.tcpflags_encode_as_array = true;
    EXPECT_NE(x.row(Format::kJson, array, c).find("\"tcp_flags\": [\"SYN\", \"ACK\"]"), std::string::npos);
    EXPECT_NE(x.row(Format::kJson, array, c).find("\"tunnel_tcp_flags\": [\"FIN\", \"ACK\"]"), std::string::npos);
    EXPECT_EQ(x.row(Format::kCsv, array, c), "18,17,3,180\n");
    c.tcp_flags = 0;
    EXPECT_NE(x.row(Format::kJson, array, c).find("\"tcp_flags\": []"), std::string::npos);
}

TEST(RowWriter, TosAsDscp) {
    Fixture x({"tos"});
    FlowRecord r;
    r.tos = 0xb8;  // EF
    x.fill(r);
    EXPECT_EQ(x.row(Format::kCsv), "184,3,180\n");
    Options dscp;
    dscp.tos_encode_as_dscp = true;
    EXPECT_EQ(x.row(Format::kCsv, dscp), "46,3,180\n");
    EXPECT_NE(x.row(Format::kJson, dscp).find("\"tos\": 46"), std::string::npos);
}

TEST(RowWriter, ForwardingStatus) {
    Fixture x({"fwd_status"});
    x.set("fwd_status", std::uint8_t{129});
    EXPECT_EQ(x.header(Format::kFormatted), "FWD_STATUS  PACKETS               BYTES\n");
    EXPECT_EQ(x.row(Format::kCsv), "129,3,180\n");
    EXPECT_NE(x.row(Format::kJson).find("\"fwd_status\": 129"), std::string::npos);
    Options s;
    s.fwd_status_encode_as_string = true;
    EXPECT_NE(x.row(Format::kJson, s).find("\"fwd_status\": \"DROPPED ACL deny\""),
              std::string::npos);
    x.set("fwd_status", std::uint8_t{0});
    EXPECT_NE(x.row(Format::kJson, s).find("\"fwd_status\": \"UNKNOWN Unclassified\""),
              std::string::npos);
}

TEST(RowWriter, RouteDistinguishers) {
    Fixture x({"mpls_vpn_rd"});
    EXPECT_EQ(x.row(Format::kCsv), "0:0:0,3,180\n");
    EXPECT_EQ(x.row(Format::kEventFormatted), "0:0:0               \n");
    // [origin][type][administrator, assigned number as on the wire]
    x.set_bytes("mpls_vpn_rd", {3, 0, 0xff, 0xe8, 0, 0, 0, 1});
    EXPECT_EQ(x.row(Format::kCsv), "0:65512:1,3,180\n");
    EXPECT_EQ(x.row(Format::kJson),
              "{\"event_type\": \"purge\", \"mpls_vpn_rd\": \"0:65512:1\", \"mpls_vpn_rd_origin\": "
              "\"flow\", \"packets\": 3, \"bytes\": 180}\n");
    x.set_bytes("mpls_vpn_rd", {1, 1, 10, 0, 0, 1, 0, 0});
    EXPECT_EQ(x.row(Format::kCsv), "1:10.0.0.1:0,3,180\n");
    EXPECT_NE(x.row(Format::kJson).find("\"mpls_vpn_rd_origin\": \"bgp\""), std::string::npos);
    x.set_bytes("mpls_vpn_rd", {0, 2, 0xfa, 0x56, 0xea, 0, 0, 7});
    EXPECT_EQ(x.row(Format::kCsv), "2:4200000000:7,3,180\n");
    // Longer than 18 characters: pushes the next column.
    x.set_bytes("mpls_vpn_rd", {0, 1, 192, 0, 2, 255, 0xff, 0xff});
    EXPECT_EQ(x.row(Format::kEventFormatted), "1:192.0.2.255:65535  \n");
    // A VRF id where no RD is known.
    x.set_bytes("mpls_vpn_rd", {kRdOriginFlow, kRdTypeVrfId, 0x60, 0, 0, 2, 0, 0});
    EXPECT_EQ(x.row(Format::kCsv), "vrfid:1610612738,3,180\n");
}

// Fields decoders fill from NetFlow v9/IPFIX, as a print plugin shows them.
TEST(RowWriter, MplsNatAndNamesFromRecords) {
    Fixture x({"mpls_label_top", "mpls_label_bottom", "mpls_stack_depth", "mpls_label_stack", "post_nat_src_host",
               "post_nat_src_port", "nat_event", "fw_event", "in_cvlan", "vxlan", "class", "in_iface_name",
               "ingress_vrf_name"});
    FlowRecord r;
    r.mpls_label_top = 300012;
    r.mpls_label_bottom = 17;
    r.mpls_stack_depth = 2;
    r.mpls_labels[0] = 300012;
    r.mpls_labels[1] = 17;
    r.post_nat_src_ip = IpAddress::v4(0xC0000201);
    r.post_nat_src_port = 1024;
    r.nat_event = 1;
    r.fw_event = 2;
    r.in_cvlan = 300;
    r.vxlan = 4096;
    r.class_name = "http";
    r.in_iface_name = "xe-0/0/0";
    r.ingress_vrf_name = "cust-a";
    x.fill(r);
    EXPECT_EQ(x.header(Format::kCsv),
              "CLASS,IN_CVLAN,INGRESS_VRF_NAME,IN_IFACE_NAME,POST_NAT_SRC_IP,POST_NAT_SRC_PORT,NAT_EVENT,FW_EVENT,"
              "MPLS_LABEL_TOP,MPLS_LABEL_BOTTOM,MPLS_STACK_DEPTH,MPLS_LABEL_STACK,VXLAN,PACKETS,BYTES\n");
    EXPECT_EQ(x.row(Format::kCsv), "http,300,cust-a,xe-0/0/0,192.0.2.1,1024,1,2,300012,17,2,300012_17,4096,3,180\n");
}

TEST(RowWriter, RoaAndSamplingDirectionCodes) {
    Fixture x({"src_roa", "dst_roa", "sampling_direction"});
    EXPECT_EQ(x.row(Format::kCsv), "u,u,,3,180\n");
    EXPECT_EQ(x.row(Format::kEventFormatted), "u       u                           \n");
    x.set("src_roa", std::uint8_t{2});
    x.set("dst_roa", std::uint8_t{4});
    x.set("sampling_direction", static_cast<std::uint8_t>('i'));
    EXPECT_EQ(x.row(Format::kCsv), "v,U,i,3,180\n");
    EXPECT_EQ(x.row(Format::kJson),
              "{\"event_type\": \"purge\", \"roa_dst\": \"U\", \"roa_src\": \"v\", "
              "\"sampling_direction\": \"i\", \"packets\": 3, \"bytes\": 180}\n");
}

TEST(RowWriter, ClassStringsAndGeo) {
    Fixture x({"class", "src_host_country", "src_host_pocode", "src_host_coords"});
    EXPECT_EQ(x.header(Format::kCsv), "CLASS,SH_COUNTRY,SH_POCODE,SH_LAT,SH_LON,PACKETS,BYTES\n");
    EXPECT_EQ(x.row(Format::kCsv), "unknown,,,0.000000,0.000000,3,180\n");
    EXPECT_EQ(x.row(Format::kJson),
              "{\"event_type\": \"purge\", \"class\": \"unknown\", \"country_ip_src\": \"\", "
              "\"pocode_ip_src\": \"\", \"lat_ip_src\": 0.0, \"lon_ip_src\": 0.0, \"packets\": 3, "
              "\"bytes\": 180}\n");
    // Each coordinate: 14-character header, "%f  " value (pmacct's columns drift).
    EXPECT_EQ(x.header(Format::kEventFormatted),
              "CLASS             SH_COUNTRY  SH_POCODE     SH_LAT        SH_LON        \n");
    x.set_string("class", "BitTorrent");
    x.set_string("src_host_country", "IT");
    x.set_string("src_host_pocode", "00184");
    x.set_bytes("src_host_coords", [] {
        std::vector<std::uint8_t> b(16);
        const double lat = 41.9;
        const double lon = -0.1;
        std::memcpy(b.data(), &lat, 8);
        std::memcpy(b.data() + 8, &lon, 8);
        return b;
    }());
    EXPECT_EQ(x.row(Format::kCsv), "BitTorrent,IT,00184,41.900000,-0.100000,3,180\n");
    EXPECT_EQ(x.row(Format::kEventFormatted),
              "BitTorrent        IT          00184         41.900000  -0.100000  \n");
    // jansson's "%.17g" reals.
    EXPECT_NE(x.row(Format::kJson)
                  .find("\"lat_ip_src\": 41.899999999999999, \"lon_ip_src\": "
                        "-0.10000000000000001"),
              std::string::npos);
}

// Custom primitives: after every built-in column in CSV, before the stamps in JSON, always JSON
// strings; raw values as dash-joined hex pairs.
TEST(RowWriter, CustomPrimitives) {
    const auto loaded = primitives::parse_custom(
        "name=descr field_type=83 len=16 semantics=str\n"
        "name=frame field_type=315 len=vlen semantics=raw\n"
        "name=vrf field_type=234 len=4 semantics=u_int\n");
    primitives::install_custom(loaded.primitives);
    {
        Fixture x({"frame", "descr", "src_port", "vrf"});
        x.set_string("descr", "a \"b\"");
        x.set_bytes("frame", {3, 0x0a, 0xff, 0x00});
        x.set("vrf", std::uint32_t{7});
        EXPECT_EQ(x.header(Format::kCsv), "SRC_PORT,frame,descr,vrf,PACKETS,BYTES\n");
        EXPECT_EQ(x.row(Format::kCsv), "0,0A-FF-00,a \"b\",7,3,180\n");
        EXPECT_EQ(x.row(Format::kJson),
                  "{\"event_type\": \"purge\", \"port_src\": 0, \"frame\": \"0A-FF-00\", \"descr\": \"a \\\"b\\\"\", "
                  "\"vrf\": \"7\", \"packets\": 3, \"bytes\": 180}\n");
        // A string that is not UTF-8 leaves its key out of JSON, as pmacct's encoder does.
        x.set_string("descr", "\xc0\x14\xfe");
        EXPECT_EQ(x.row(Format::kJson).find("descr"), std::string::npos);
        x.set_string("descr", "caf\xc3\xa9");
        EXPECT_NE(x.row(Format::kJson).find("\"descr\": \"caf\xc3\xa9\""), std::string::npos);
        EXPECT_EQ(x.row(Format::kCsv), "0,0A-FF-00,caf\xc3\xa9,7,3,180\n");
    }
    primitives::install_custom({});
}

TEST(RowWriter, JsonStringsAreEscaped) {
    Fixture x({"label"});
    x.set_string("label", "a\"b\\c\nd\te\x01/é");
    EXPECT_EQ(
        x.row(Format::kJson),
        "{\"event_type\": \"purge\", \"label\": \"a\\\"b\\\\c\\nd\\te\\u0001/é\", \"packets\": "
        "3, \"bytes\": 180}\n");
    // CSV prints the bytes as they are.
    EXPECT_EQ(x.row(Format::kCsv), "a\"b\\c\nd\te\x01/é,3,180\n");
}

TEST(RowWriter, VariableLengthPrimitivesAreNotFormatted) {
    auto layout = KeyLayout::build(std::vector<std::string>{"src_host", "as_path"});
    ASSERT_TRUE(layout.has_value());
    auto formatted = check_layout(*layout, Format::kFormatted);
    ASSERT_FALSE(formatted.has_value());
    EXPECT_NE(formatted.error().find("variable-length primitives"), std::string::npos);
    EXPECT_FALSE(check_layout(*layout, Format::kEventFormatted).has_value());
    EXPECT_TRUE(check_layout(*layout, Format::kCsv).has_value());
    EXPECT_TRUE(check_layout(*layout, Format::kJson).has_value());
    auto fixed = KeyLayout::build(std::vector<std::string>{"src_host", "class"});
    EXPECT_TRUE(check_layout(*fixed, Format::kFormatted).has_value());
}

TEST(RowWriter, SumPrimitivesPrintAsSource) {
    Fixture x({"sum_host"});
    FlowRecord r;
    r.src_ip = ip("192.0.2.1");
    r.dst_ip = ip("192.0.2.2");
    x.layout.extract(r, x.key.data(), 1);
    EXPECT_EQ(x.header(Format::kCsv), "SRC_IP,PACKETS,BYTES\n");
    EXPECT_EQ(x.row(Format::kCsv), "192.0.2.2,3,180\n");
    EXPECT_NE(x.row(Format::kJson).find("\"ip_src\": \"192.0.2.2\""), std::string::npos);
}

TEST(RowWriter, ColumnsFollowPmacctOrderWhateverTheAggregateOrder) {
    Fixture a({"proto", "dst_host", "src_host", "tag", "timestamp_start", "src_port"});
    EXPECT_EQ(a.header(Format::kCsv),
              "TAG,SRC_IP,DST_IP,SRC_PORT,PROTOCOL,TIMESTAMP_START,PACKETS,BYTES\n");
    // JSON order differs from CSV order (pmacct's JSON encoder): tcp_flags before ip_proto,
    // peer addresses before the source communities.
    Fixture b({"proto", "tcpflags", "src_std_comm", "peer_src_ip"});
    EXPECT_EQ(b.header(Format::kCsv), "SRC_COMMS,PEER_SRC_IP,TCP_FLAGS,PROTOCOL,PACKETS,BYTES\n");
    EXPECT_EQ(b.row(Format::kJson),
              "{\"event_type\": \"purge\", \"peer_ip_src\": \"\", \"comms_src\": \"\", "
              "\"tcp_flags\": 0, \"ip_proto\": \"0\", \"packets\": 3, \"bytes\": 180}\n");
}

TEST(RowWriter, RowAppends) {
    Fixture x({"src_port"});
    RowWriter w(x.layout, Format::kCsv, {});
    std::string out = "keep:";
    w.header(out);
    w.row(x.key.data(), Fixture::counters(), {}, out);
    w.row(x.key.data(), Fixture::counters(), {}, out);
    EXPECT_EQ(out, "keep:SRC_PORT,PACKETS,BYTES\n0,3,180\n0,3,180\n");
}

}  // namespace
}  // namespace pmacct::output
