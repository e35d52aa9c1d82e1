// Reading UDP datagrams out of pcap savefiles: captures written here with libpcap's pcap_dump,
// and the akvorado NetFlow v5 capture.
#include "pmacct/pcap/savefile.hpp"

#include <pcap/pcap.h>

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "pmacct/flow/netflow_v5.hpp"
#include "packet_builder.hpp"
#include "test_support.hpp"

namespace pmacct::pcap {
namespace {

using namespace pmacct::testing;  // the frame builders

void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }

Bytes ethernet(std::uint16_t ethertype, const Bytes& l3, std::vector<std::uint16_t> tags = {}) {
    Bytes b = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2};
    for (std::size_t i = 0; i < tags.size(); ++i) {
        put16(b, i == 0 && tags.size() > 1 ? 0x88a8 : 0x8100);
        put16(b, tags[i]);
    }
    put16(b, ethertype);
    append(b, l3);
    while (b.size() < 60) b.push_back(0);  // Ethernet padding
    return b;
}

Bytes linux_sll(std::uint16_t protocol, const Bytes& l3) {
    Bytes b;
    put16(b, 0);  // packet type: to us
    put16(b, 1);  // ARPHRD_ETHER
    put16(b, 6);  // address length
    append(b, {0, 0, 0, 0, 0, 2, 0, 0});
    put16(b, protocol);
    append(b, l3);
    return b;
}

Bytes linux_sll2(std::uint16_t protocol, const Bytes& l3) {
    Bytes b;
    put16(b, protocol);
    put16(b, 0);  // reserved
    put32(b, 2);  // ifindex
    put16(b, 1);  // ARPHRD_ETHER
    b.push_back(0);
    b.push_back(6);
    append(b, {0, 0, 0, 0, 0, 2, 0, 0});
    append(b, l3);
    return b;
}

struct Frame {
    Bytes bytes;
    std::int64_t sec = 1700000000;
    std::uint32_t usec = 0;
    std::size_t caplen = 0;  // 0: all of it
};

std::string write_pcap(const std::string& path, int dlt, const std::vector<Frame>& frames) {
    pcap_t* dead = pcap_open_dead(dlt, 65535);
    EXPECT_NE(dead, nullptr);
    pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
    EXPECT_NE(dumper, nullptr) << pcap_geterr(dead);
    for (const Frame& f : frames) {
        pcap_pkthdr h{};
        h.ts.tv_sec = f.sec;
        h.ts.tv_usec = f.usec;
        h.len = static_cast<bpf_u_int32>(f.bytes.size());
        h.caplen = static_cast<bpf_u_int32>(f.caplen != 0 ? f.caplen : f.bytes.size());
        pcap_dump(reinterpret_cast<u_char*>(dumper), &h, f.bytes.data());
    }
    pcap_dump_close(dumper);
    pcap_close(dead);
    return path;
}

std::vector<UdpPacket> read_all(Savefile& file, std::vector<Bytes>* payloads = nullptr) {
    std::vector<UdpPacket> out;
    UdpPacket p;
    for (;;) {
        auto more = file.next(p);
        EXPECT_TRUE(more.has_value()) << more.error();
        if (!more.has_value() || !*more) break;
        out.push_back(p);
        if (payloads != nullptr) payloads->emplace_back(p.payload.begin(), p.payload.end());
    }
    return out;
}

// An Ethernet capture with everything a savefile may hold.
std::vector<Frame> ethernet_frames() {
    return {
        {ethernet(0x0800, ipv4(17, "192.0.2.1", "192.0.2.100", udp(40000, 2100, text("first")))),
         1700000000, 123456},
        {ethernet(0x0800, ipv4(17, "192.0.2.2", "192.0.2.100", udp(40001, 2100, text("vlan"))),
                  {100}),
         1700000001, 0},
        {ethernet(0x86dd, ipv6(17, "2001:db8::1", "2001:db8::100", udp(40002, 2100, text("qinq"))),
                  {10, 20}),
         1700000002, 0},
        {ethernet(0x0800, ipv4(6, "192.0.2.3", "192.0.2.100", Bytes(20, 0))), 1700000003, 0},
        {ethernet(0x0800, ipv4(17, "192.0.2.4", "192.0.2.100", udp(1, 2100, text("frag")), {.flags_offset = 0x2000})),
         1700000004, 0},
        {ethernet(0x0800, ipv4(17, "192.0.2.5", "192.0.2.100", Bytes(30, 0), {.flags_offset = 0x0010})), 1700000005,
         0},
        {ethernet(0x0806, Bytes(28, 0)), 1700000006, 0},
        {ethernet(0x0800, ipv4(17, "192.0.2.6", "192.0.2.100", udp(40006, 6343, text("sflow")))),
         1700000007, 0},
        {ethernet(0x0800, ipv4(17, "192.0.2.7", "192.0.2.100", udp(40007, 2100, Bytes(200, 7)))),
         1700000008, 0, 100},  // cut by the snap length
        {ethernet(0x0800, ipv4(17, "192.0.2.8", "192.0.2.100", udp(40008, 2100, text("opts")),
                               {.flags_offset = 0x4000 /* DF */, .options = 8})),
         1700000009, 0},
    };
}

TEST(Savefile, EthernetCaptureGivesTheUdpDatagrams) {
    testing::TempDir dir;
    const std::string path = write_pcap(dir.path() + "/eth.pcap", DLT_EN10MB, ethernet_frames());
    auto file = Savefile::open(path);
    ASSERT_TRUE(file.has_value()) << file.error();
    EXPECT_EQ(file->datalink(), DLT_EN10MB);
    std::vector<Bytes> payloads;
    const std::vector<UdpPacket> packets = read_all(*file, &payloads);
    ASSERT_EQ(packets.size(), 5u);

    EXPECT_EQ(payloads[0], text("first"));  // Ethernet padding is not part of it
    EXPECT_EQ(packets[0].src_ip, ip("192.0.2.1"));
    EXPECT_EQ(packets[0].dst_ip, ip("192.0.2.100"));
    EXPECT_EQ(packets[0].src_port, 40000);
    EXPECT_EQ(packets[0].dst_port, 2100);
    EXPECT_EQ(packets[0].timestamp, (Timestamp{1700000000, 123456}));

    EXPECT_EQ(payloads[1], text("vlan"));
    EXPECT_EQ(packets[1].src_ip, ip("192.0.2.2"));

    EXPECT_EQ(payloads[2], text("qinq"));
    EXPECT_EQ(packets[2].src_ip, ip("2001:db8::1"));
    EXPECT_EQ(packets[2].dst_ip, ip("2001:db8::100"));
    EXPECT_EQ(packets[2].src_port, 40002);

    EXPECT_EQ(payloads[3], text("sflow"));
    EXPECT_EQ(packets[3].dst_port, 6343);
    EXPECT_EQ(packets[3].timestamp.sec, 1700000007);

    EXPECT_EQ(payloads[4], text("opts"));  // IPv4 options skipped
    EXPECT_EQ(packets[4].src_ip, ip("192.0.2.8"));

    const SavefileCounters& c = file->counters();
    EXPECT_EQ(c.frames, 10u);
    EXPECT_EQ(c.udp, 5u);
    EXPECT_EQ(c.not_udp, 1u);
    EXPECT_EQ(c.fragments, 2u);
    EXPECT_EQ(c.not_ip, 1u);
    EXPECT_EQ(c.truncated, 1u);

    // At the end it stays at the end.
    UdpPacket p;
    auto more = file->next(p);
    ASSERT_TRUE(more.has_value());
    EXPECT_FALSE(*more);
}

// Whole frames, whatever they carry (pmacctd): the captured bytes, the length on the wire and
// the capture time, read from the mapping and through libpcap alike.
TEST(Savefile, WholeFramesWithTheirLengthsAndTimes) {
    TempDir dir;
    const Bytes arp = cat({eth(1, 2, 0x0806), Bytes(28, 0)});
    const Bytes big = cat({eth(1, 2, 0x0800), ipv4(6, "10.0.0.1", "10.0.0.2", tcp(1, 2, 0x10, Bytes(500, 7)))});
    const std::string path =
        write_pcap(dir.path() + "/frames.pcap", DLT_EN10MB, {{arp, 1700000001, 5}, {big, 1700000002, 999999, 96}});
    for (const char* filter : {"", "ip or arp"}) {
        SCOPED_TRACE(filter);
        auto file = Savefile::open(path, filter);
        ASSERT_TRUE(file.has_value()) << file.error();
        pmacct::pcap::Frame f;
        ASSERT_TRUE(*file->next_frame(f));
        EXPECT_EQ(Bytes(f.data.begin(), f.data.end()), arp);
        EXPECT_EQ(f.wire_length, arp.size());
        EXPECT_EQ(f.timestamp, (Timestamp{1700000001, 5}));
        ASSERT_TRUE(*file->next_frame(f));
        EXPECT_EQ(f.data.size(), 96U);
        EXPECT_EQ(f.wire_length, big.size());
        EXPECT_EQ(f.timestamp, (Timestamp{1700000002, 999999}));
        EXPECT_FALSE(*file->next_frame(f));
        EXPECT_EQ(file->counters().frames, 2U);
    }
}

TEST(Savefile, BpfFilterSelectsFrames) {
    testing::TempDir dir;
    const std::string path = write_pcap(dir.path() + "/eth.pcap", DLT_EN10MB, ethernet_frames());
    {
        auto file = Savefile::open(path, "udp port 6343");
        ASSERT_TRUE(file.has_value()) << file.error();
        std::vector<Bytes> payloads;
        read_all(*file, &payloads);
        EXPECT_EQ(payloads, std::vector<Bytes>{text("sflow")});
        EXPECT_EQ(file->counters().frames, 1u);
    }
    {
        // As with tcpdump, untagged expressions do not look inside VLAN tags.
        auto file = Savefile::open(path, "udp dst port 2100");
        ASSERT_TRUE(file.has_value()) << file.error();
        std::vector<Bytes> payloads;
        read_all(*file, &payloads);
        EXPECT_EQ(payloads, (std::vector<Bytes>{text("first"), text("opts")}));
    }
    {
        auto file = Savefile::open(path, "vlan 100");
        ASSERT_TRUE(file.has_value()) << file.error();
        std::vector<Bytes> payloads;
        read_all(*file, &payloads);
        EXPECT_EQ(payloads, std::vector<Bytes>{text("vlan")});
    }
}

TEST(Savefile, BadFilterAndMissingFileAreErrors) {
    testing::TempDir dir;
    const std::string path = write_pcap(dir.path() + "/eth.pcap", DLT_EN10MB, ethernet_frames());
    auto bad = Savefile::open(path, "udp port");
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().find("pcap_filter 'udp port'"), std::string::npos) << bad.error();

    auto missing = Savefile::open(dir.path() + "/none.pcap");
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().find("none.pcap"), std::string::npos) << missing.error();

    const std::string junk = dir.path() + "/junk.pcap";
    FILE* f = std::fopen(junk.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not a capture file at all", f);
    std::fclose(f);
    EXPECT_FALSE(Savefile::open(junk).has_value());
}

Bytes read_file(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    EXPECT_NE(f, nullptr);
    Bytes b;
    for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f)) b.push_back(static_cast<std::uint8_t>(c));
    std::fclose(f);
    return b;
}

std::string write_file(const std::string& path, const Bytes& b) {
    FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    std::fwrite(b.data(), 1, b.size(), f);
    std::fclose(f);
    return path;
}

// A classic pcap file as a host of the other byte order and/or with nanosecond stamps writes it.
Bytes rewritten(const Bytes& file, bool swap, bool nanoseconds) {
    Bytes out = file;
    const auto get = [&](std::size_t at) {
        std::uint32_t v = 0;
        std::memcpy(&v, file.data() + at, 4);
        return v;
    };
    const auto put = [&](std::size_t at, std::uint32_t v) {
        if (swap) v = __builtin_bswap32(v);
        std::memcpy(out.data() + at, &v, 4);
    };
    const auto put16 = [&](std::size_t at) {
        std::uint16_t v = 0;
        std::memcpy(&v, file.data() + at, 2);
        if (swap) v = __builtin_bswap16(v);
        std::memcpy(out.data() + at, &v, 2);
    };
    put(0, nanoseconds ? 0xA1B23C4D : 0xA1B2C3D4);
    put16(4);
    put16(6);
    for (std::size_t at = 8; at < 24; at += 4) put(at, get(at));
    for (std::size_t at = 24; at + 16 <= file.size();) {
        const std::uint32_t caplen = get(at + 8);
        put(at, get(at));
        put(at + 4, nanoseconds ? get(at + 4) * 1000 + 999 : get(at + 4));
        put(at + 8, caplen);
        put(at + 12, get(at + 12));
        at += 16 + caplen;
    }
    return out;
}

// Classic pcap files are read from a mapping of the file when there is no filter, through
// libpcap otherwise: both give the same, in either byte order, with micro- or nanosecond
// stamps, and report a file cut short after the frames before the cut.
TEST(Savefile, ReadDirectlyOrThroughLibpcapTheSame) {
    testing::TempDir dir;
    const std::string path = write_pcap(dir.path() + "/eth.pcap", DLT_EN10MB, ethernet_frames());
    const Bytes original = read_file(path);
    std::vector<Bytes> want_payloads;
    std::vector<UdpPacket> want;
    {
        auto file = Savefile::open(path, "len >= 0");  // a filter: through libpcap
        ASSERT_TRUE(file.has_value()) << file.error();
        want = read_all(*file, &want_payloads);
        ASSERT_EQ(want.size(), 5u);
    }
    int n = 0;
    for (const bool swap : {false, true}) {
        for (const bool nanoseconds : {false, true}) {
            for (const char* filter : {"", "len >= 0"}) {
                SCOPED_TRACE(::testing::Message() << "swap=" << swap << " ns=" << nanoseconds << " filter=" << filter);
                const std::string p = write_file(dir.path() + "/v" + std::to_string(n++) + ".pcap",
                                                 rewritten(original, swap, nanoseconds));
                auto file = Savefile::open(p, filter);
                ASSERT_TRUE(file.has_value()) << file.error();
                EXPECT_EQ(file->datalink(), DLT_EN10MB);
                std::vector<Bytes> payloads;
                const std::vector<UdpPacket> got = read_all(*file, &payloads);
                ASSERT_EQ(got.size(), want.size());
                EXPECT_EQ(payloads, want_payloads);
                for (std::size_t i = 0; i < got.size(); ++i) {
                    EXPECT_EQ(got[i].timestamp, want[i].timestamp);
                    EXPECT_EQ(got[i].src_ip, want[i].src_ip);
                    EXPECT_EQ(got[i].dst_port, want[i].dst_port);
                }
                EXPECT_EQ(file->counters().frames, 10u);
                EXPECT_EQ(file->counters().truncated, 1u);
            }
        }
    }
    // Cut inside the last frame, then inside its record header.
    for (const std::size_t keep : {original.size() - 10, std::size_t{24 + 5}}) {
        for (const char* filter : {"", "len >= 0"}) {
            SCOPED_TRACE(::testing::Message() << "keep=" << keep << " filter=" << filter);
            const std::string p = write_file(dir.path() + "/cut" + std::to_string(n++) + ".pcap",
                                             Bytes(original.begin(), original.begin() + static_cast<long>(keep)));
            auto file = Savefile::open(p, filter);
            ASSERT_TRUE(file.has_value()) << file.error();
            UdpPacket packet;
            std::size_t good = 0;
            Result<bool> more = true;
            while ((more = file->next(packet)).has_value() && *more) ++good;
            ASSERT_FALSE(more.has_value());
            EXPECT_NE(more.error().find("truncated dump file"), std::string::npos) << more.error();
            // The last frame (with payload "opts") is the one cut: the four datagrams before it came.
            EXPECT_EQ(good, keep > 100 ? 4u : 0u);
        }
    }
}

// A mapped file truncated by someone else while it is replayed: the reads past its new end fault
// (SIGBUS); the replay ends with an error and the process lives on.
TEST(Savefile, ATruncationDuringTheReplayIsAnErrorNotACrash) {
    testing::TempDir dir;
    std::vector<Frame> frames;
    for (int i = 0; i < 4000; ++i) {
        for (const Frame& f : ethernet_frames()) frames.push_back(f);
    }
    const std::string path = write_pcap(dir.path() + "/big.pcap", DLT_EN10MB, frames);
    ASSERT_GT(read_file(path).size(), std::size_t{1} << 20);
    auto file = Savefile::open(path, "");
    ASSERT_TRUE(file.has_value()) << file.error();
    UdpPacket packet;
    ASSERT_TRUE(file->next(packet).value_or(false));
    ASSERT_EQ(::truncate(path.c_str(), 8192), 0);
    Result<bool> more = true;
    std::size_t after = 0;
    while ((more = file->next(packet)).has_value() && *more) ++after;
    ASSERT_FALSE(more.has_value());
    EXPECT_NE(more.error().find("truncated while it was being read"), std::string::npos) << more.error();
    EXPECT_LT(after, 200u);  // only what stood in the first 8 KB
    // Once failed, it stays at its end: no read of the mapping again.
    EXPECT_FALSE(file->next(packet).value_or(true));
}

TEST(Savefile, LinuxCookedIpv6Capture) {
    testing::TempDir dir;
    const std::vector<Frame> frames = {
        {linux_sll(0x86dd, ipv6(17, "2001:db8::1", "2001:db8::2", udp(5000, 2100, text("v6")))),
         1700000100, 500},
        {linux_sll(0x0800, ipv4(17, "198.51.100.1", "198.51.100.2", udp(5001, 2100, text("v4")))),
         1700000101, 0},
        {linux_sll(0x86dd, ipv6(17, "2001:db8::1", "2001:db8::2", udp(5002, 9995, text("other")))),
         1700000102, 0},
    };
    const std::string path = write_pcap(dir.path() + "/sll.pcap", DLT_LINUX_SLL, frames);
    {
        auto file = Savefile::open(path);
        ASSERT_TRUE(file.has_value()) << file.error();
        EXPECT_EQ(file->datalink(), DLT_LINUX_SLL);
        std::vector<Bytes> payloads;
        const std::vector<UdpPacket> packets = read_all(*file, &payloads);
        ASSERT_EQ(packets.size(), 3u);
        EXPECT_EQ(payloads[0], text("v6"));
        EXPECT_EQ(packets[0].src_ip, ip("2001:db8::1"));
        EXPECT_EQ(packets[0].dst_ip, ip("2001:db8::2"));
        EXPECT_EQ(packets[0].src_port, 5000);
        EXPECT_EQ(packets[0].dst_port, 2100);
        EXPECT_EQ(packets[0].timestamp, (Timestamp{1700000100, 500}));
        EXPECT_EQ(payloads[1], text("v4"));
        EXPECT_EQ(packets[1].src_ip, ip("198.51.100.1"));
    }
    {
        auto file = Savefile::open(path, "ip6 and udp port 2100");
        ASSERT_TRUE(file.has_value()) << file.error();
        std::vector<Bytes> payloads;
        read_all(*file, &payloads);
        EXPECT_EQ(payloads, std::vector<Bytes>{text("v6")});
    }
}

// The other link types, each in a file of its own.
TEST(Savefile, OtherLinkTypes) {
    const Bytes v4 = ipv4(17, "203.0.113.1", "203.0.113.2", udp(7, 2100, text("payload")));
    const Bytes v6 = ipv6(17, "2001:db8::a", "2001:db8::b", udp(8, 2100, text("payload6")));
    Bytes null_v4 = {2, 0, 0, 0};  // AF_INET, little-endian host
    append(null_v4, v4);
    Bytes null_v6 = {30, 0, 0, 0};  // AF_INET6 on macOS
    append(null_v6, v6);
    Bytes loop_v4 = {0, 0, 0, 2};  // network order
    append(loop_v4, v4);
    struct Case {
        const char* name;
        int dlt;
        Bytes frame;
        const char* src;
        Bytes payload;
    };
    const Case cases[] = {
        {"sll2 v4", DLT_LINUX_SLL2, linux_sll2(0x0800, v4), "203.0.113.1", text("payload")},
        {"sll2 v6", DLT_LINUX_SLL2, linux_sll2(0x86dd, v6), "2001:db8::a", text("payload6")},
        {"raw v4", DLT_RAW, v4, "203.0.113.1", text("payload")},
        {"raw v6", DLT_RAW, v6, "2001:db8::a", text("payload6")},
        {"null v4", DLT_NULL, null_v4, "203.0.113.1", text("payload")},
        {"null v6", DLT_NULL, null_v6, "2001:db8::a", text("payload6")},
        {"loop v4", DLT_LOOP, loop_v4, "203.0.113.1", text("payload")},
    };
    testing::TempDir dir;
    for (const Case& k : cases) {
        const std::string path =
            write_pcap(dir.path() + "/" + std::to_string(k.dlt) + ".pcap", k.dlt, {{k.frame}});
        auto file = Savefile::open(path);
        ASSERT_TRUE(file.has_value()) << k.name << ": " << file.error();
        std::vector<Bytes> payloads;
        const std::vector<UdpPacket> packets = read_all(*file, &payloads);
        ASSERT_EQ(packets.size(), 1u) << k.name;
        EXPECT_EQ(packets[0].src_ip, ip(k.src)) << k.name;
        EXPECT_EQ(payloads[0], k.payload) << k.name;
    }
}

TEST(ParseUdpFrame, Ipv6ExtensionHeadersAndFragments) {
    UdpPacket p;
    // Hop-by-hop options (8 bytes) then UDP.
    const Bytes hop = {17, 0, 1, 4, 0, 0, 0, 0};
    EXPECT_EQ(parse_udp_frame(DLT_RAW,
                              ipv6(0, "2001:db8::1", "2001:db8::2", cat({hop, udp(1, 2, text("x"))})), p),
              FrameOutcome::kUdp);
    EXPECT_EQ(p.payload.size(), 1u);
    // Fragment header, offset 0, more fragments: a fragment.
    const Bytes frag_first = {17, 0, 0x00, 0x01, 0, 0, 0, 1};
    EXPECT_EQ(
        parse_udp_frame(
            DLT_RAW, ipv6(44, "2001:db8::1", "2001:db8::2", cat({frag_first, udp(1, 2, text("x"))})), p),
        FrameOutcome::kFragment);
    // Atomic fragment (offset 0, no more fragments): the whole datagram.
    const Bytes atomic = {17, 0, 0x00, 0x00, 0, 0, 0, 1};
    EXPECT_EQ(parse_udp_frame(
                  DLT_RAW, ipv6(44, "2001:db8::1", "2001:db8::2", cat({atomic, udp(1, 2, text("x"))})), p),
              FrameOutcome::kUdp);
    // TCP over IPv6.
    EXPECT_EQ(parse_udp_frame(DLT_RAW, ipv6(6, "2001:db8::1", "2001:db8::2", Bytes(20, 0)), p),
              FrameOutcome::kNotUdp);
}

TEST(ParseUdpFrame, DamagedFramesNeverReadOutside) {
    const Bytes good =
        ethernet(0x0800, ipv4(17, "192.0.2.1", "192.0.2.2", udp(1, 2, Bytes(40, 9))));
    UdpPacket p;
    ASSERT_EQ(parse_udp_frame(DLT_EN10MB, good, p), FrameOutcome::kUdp);
    // Every prefix of the frame: no crash, and never a datagram longer than what is there.
    for (std::size_t n = 0; n < good.size(); ++n) {
        const FrameOutcome o = parse_udp_frame(DLT_EN10MB, std::span(good).first(n), p);
        if (o == FrameOutcome::kUdp) {
            EXPECT_LE(p.payload.size(), n);
        }
    }
    // UDP length larger than the IP packet, and smaller than its own header.
    Bytes bad_udp = ipv4(17, "192.0.2.1", "192.0.2.2", udp(1, 2, Bytes(4, 0)));
    bad_udp[24] = 0x01;  // UDP length 0x01xx
    EXPECT_EQ(parse_udp_frame(DLT_RAW, bad_udp, p), FrameOutcome::kTruncated);
    bad_udp[24] = 0;
    bad_udp[25] = 4;
    EXPECT_EQ(parse_udp_frame(DLT_RAW, bad_udp, p), FrameOutcome::kTruncated);
    // IPv4 header length below 20.
    Bytes bad_ihl = ipv4(17, "192.0.2.1", "192.0.2.2", udp(1, 2, Bytes(4, 0)));
    bad_ihl[0] = 0x44;
    EXPECT_EQ(parse_udp_frame(DLT_RAW, bad_ihl, p), FrameOutcome::kTruncated);
    // Unknown link type.
    EXPECT_EQ(parse_udp_frame(9999, good, p), FrameOutcome::kNotIp);
}

TEST(Savefile, AkvoradoNetflowV5Capture) {
    auto file =
        Savefile::open(std::string(PMACCT_SOURCE_DIR) + "/tests/data/netflow/akvorado-nfv5.pcap");
    ASSERT_TRUE(file.has_value()) << file.error();
    UdpPacket p;
    auto more = file->next(p);
    ASSERT_TRUE(more.has_value() && *more);
    // As tshark shows it.
    EXPECT_EQ(p.src_ip, ip("10.19.144.41"));
    EXPECT_EQ(p.dst_ip, ip("10.19.144.26"));
    EXPECT_EQ(p.src_port, 40000);
    EXPECT_EQ(p.dst_port, 9990);
    EXPECT_EQ(p.timestamp, (Timestamp{1680655485, 99595}));
    EXPECT_EQ(p.payload.size(), 1416u);

    flow::NetflowV5Decoder decoder;
    std::size_t records = 0;
    std::uint64_t bytes = 0;
    const auto result = decoder.decode(p.payload, p.src_ip, p.timestamp, [&](const FlowRecord& r) {
        ++records;
        bytes += r.bytes;
        EXPECT_EQ(r.peer_src_ip, ip("10.19.144.41"));
    });
    EXPECT_TRUE(result.ok());
    EXPECT_EQ(records, 29u);
    EXPECT_EQ(bytes, 88345u);  // nfacctd's BYTES column summed

    more = file->next(p);
    ASSERT_TRUE(more.has_value());
    EXPECT_FALSE(*more);

    auto filtered = Savefile::open(
        std::string(PMACCT_SOURCE_DIR) + "/tests/data/netflow/akvorado-nfv5.pcap", "udp port 2100");
    ASSERT_TRUE(filtered.has_value());
    more = filtered->next(p);
    ASSERT_TRUE(more.has_value());
    EXPECT_FALSE(*more);
}

}  // namespace
}  // namespace pmacct::pcap
