// The packet dissector: frames built here layer by layer, each link layer and tunnel, cut short
// at every length; and the packet captures of tests/data/packet read by us and by tshark (an
// independent dissector), field by field.
#include "pmacct/packet/dissector.hpp"

#include <pcap/pcap.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "packet_builder.hpp"
#include "test_support.hpp"

namespace pmacct::packet {
namespace {

using namespace pmacct::testing;  // the frame builders

PacketInfo run(LinkType link, const Bytes& frame, const Options& options = {}) {
    PacketInfo info;
    dissect(link, frame, options, info);
    return info;
}

TEST(Dissector, EthernetIpv4Tcp) {
    const Bytes f = cat({eth(1, 2, 0x0800), ipv4(6, "192.0.2.1", "198.51.100.7", tcp(40000, 443, 0x12, Bytes(10)), {.tos = 0x28})});
    const PacketInfo p = run(LinkType::kEthernet, f);
    EXPECT_EQ(p.stop, Stop::kComplete);
    EXPECT_TRUE(p.has_macs);
    EXPECT_EQ(p.src_mac.to_string(), "02:00:00:00:00:02");
    EXPECT_EQ(p.dst_mac.to_string(), "02:00:00:00:00:01");
    EXPECT_EQ(p.etype, 0x0800);
    EXPECT_EQ(p.vlan_count, 0);
    EXPECT_EQ(p.ip.version, 4);
    EXPECT_EQ(p.ip.src, ip("192.0.2.1"));
    EXPECT_EQ(p.ip.dst, ip("198.51.100.7"));
    EXPECT_EQ(p.ip.proto, 6);
    EXPECT_EQ(p.ip.tos, 0x28);
    EXPECT_EQ(p.ip.ttl, 64);
    EXPECT_EQ(p.ip.length, 50U);
    EXPECT_FALSE(p.ip.fragment);
    EXPECT_TRUE(p.ip.has_ports);
    EXPECT_EQ(p.ip.src_port, 40000);
    EXPECT_EQ(p.ip.dst_port, 443);
    EXPECT_EQ(p.ip.tcp_flags, 0x12);
    EXPECT_EQ(p.ip.l3_offset, 14U);
    EXPECT_EQ(p.ip.l4_offset, 34U);
    EXPECT_EQ(p.ip.payload_offset, 54U);
    EXPECT_EQ(p.tunnel, TunnelKind::kNone);
}

TEST(Dissector, VlanTagsQinqAndPriority) {
    // 802.1ad outer tag 200 (priority 5), 802.1Q inner tag 300, then IPv6/UDP with a flow label.
    const Bytes f = cat({eth(1, 2, 0x88A8), tag(static_cast<std::uint16_t>((5U << 13) | 200), 0x8100),
                         tag(300, 0x86DD), ipv6(17, "2001:db8::1", "2001:db8::2", udp(5353, 53), 0xB8, 0xABCDE)});
    const PacketInfo p = run(LinkType::kEthernet, f);
    EXPECT_EQ(p.stop, Stop::kComplete);
    EXPECT_EQ(p.vlan_count, 2);
    EXPECT_EQ(p.vlan, 200);
    EXPECT_EQ(p.cvlan, 300);
    EXPECT_EQ(p.cos, 5);
    EXPECT_EQ(p.etype, 0x86DD);
    EXPECT_EQ(p.ip.version, 6);
    EXPECT_EQ(p.ip.src, ip("2001:db8::1"));
    EXPECT_EQ(p.ip.tos, 0xB8);
    EXPECT_EQ(p.ip.flow_label, 0xABCDEU);
    EXPECT_EQ(p.ip.length, 48U);
    EXPECT_EQ(p.ip.proto, 17);
    EXPECT_EQ(p.ip.dst_port, 53);
}

TEST(Dissector, MplsStackThenIp) {
    Bytes labels;
    put32(labels, (1000U << 12) | 64);
    put32(labels, (2000U << 12) | 0x100 | 64);
    const Bytes f = cat({eth(1, 2, 0x8847), labels, ipv4(17, "10.0.0.1", "10.0.0.2", udp(1, 2))});
    const PacketInfo p = run(LinkType::kEthernet, f);
    EXPECT_EQ(p.stop, Stop::kComplete);
    ASSERT_EQ(p.mpls_depth, 2);
    EXPECT_EQ(p.mpls_labels[0], 1000U);
    EXPECT_EQ(p.mpls_labels[1], 2000U);
    EXPECT_EQ(p.etype, 0x8847);
    EXPECT_EQ(p.ip.src, ip("10.0.0.1"));
    EXPECT_EQ(p.ip.dst_port, 2);
    // A pseudowire (control word, first nibble 0) is not IP.
    Bytes pw;
    put32(pw, (3000U << 12) | 0x100);
    put32(pw, 0);
    EXPECT_EQ(run(LinkType::kEthernet, cat({eth(1, 2, 0x8847), pw, eth(3, 4, 0x0800)})).stop, Stop::kNotIp);
}

TEST(Dissector, Ipv4FragmentsCarryPortsOnlyInTheFirst) {
    const Bytes first = cat({eth(1, 2, 0x0800), ipv4(17, "10.0.0.1", "10.0.0.2", udp(123, 456, Bytes(40)), {.flags_offset = 0x2000, .id = 99})});
    const PacketInfo a = run(LinkType::kEthernet, first);
    EXPECT_TRUE(a.ip.fragment);
    EXPECT_TRUE(a.ip.more_fragments);
    EXPECT_EQ(a.ip.fragment_offset, 0);
    EXPECT_EQ(a.ip.fragment_id, 99U);
    EXPECT_TRUE(a.ip.has_ports);
    EXPECT_EQ(a.ip.src_port, 123);
    const Bytes later = cat({eth(1, 2, 0x0800), ipv4(17, "10.0.0.1", "10.0.0.2", Bytes(40, 0xEE), {.flags_offset = 6, .id = 99})});
    const PacketInfo b = run(LinkType::kEthernet, later);
    EXPECT_EQ(b.stop, Stop::kComplete);
    EXPECT_TRUE(b.ip.fragment);
    EXPECT_FALSE(b.ip.more_fragments);
    EXPECT_EQ(b.ip.fragment_offset, 6);
    EXPECT_EQ(b.ip.proto, 17);
    EXPECT_FALSE(b.ip.has_ports);
    EXPECT_EQ(b.ip.src_port, 0);
}

TEST(Dissector, Ipv6ExtensionHeadersAndFragments) {
    // Hop-by-hop options (8 bytes), then a first fragment header, then TCP.
    Bytes ext = {44, 0, 1, 4, 0, 0, 0, 0};  // hop-by-hop: next = fragment, 8 bytes, a PadN
    Bytes frag = {6, 0, 0, 1};               // next = TCP, offset 0, M = 1
    put32(frag, 0xCAFE);
    const Bytes f = cat({eth(1, 2, 0x86DD), ipv6(0, "2001:db8::1", "2001:db8::2", cat({ext, frag, tcp(22, 50000, 0x18)}))});
    const PacketInfo p = run(LinkType::kEthernet, f);
    EXPECT_EQ(p.stop, Stop::kComplete);
    EXPECT_EQ(p.ip.proto, 6);
    EXPECT_TRUE(p.ip.fragment);
    EXPECT_TRUE(p.ip.more_fragments);
    EXPECT_EQ(p.ip.fragment_id, 0xCAFEU);
    EXPECT_EQ(p.ip.src_port, 22);
    EXPECT_EQ(p.ip.tcp_flags, 0x18);
    EXPECT_EQ(p.ip.l4_offset, 14U + 40 + 16);
    // A later fragment: the protocol, no ports.
    Bytes later = {17, 0, 0x01, 0x00};  // offset 32 (x8 bytes), M = 0
    put32(later, 0xCAFE);
    const PacketInfo q = run(LinkType::kEthernet, cat({eth(1, 2, 0x86DD), ipv6(44, "2001:db8::1", "2001:db8::2", cat({later, Bytes(16)}))}));
    EXPECT_EQ(q.ip.proto, 17);
    EXPECT_EQ(q.ip.fragment_offset, 32);
    EXPECT_FALSE(q.ip.has_ports);
}

TEST(Dissector, IcmpTypeAndCode) {
    const PacketInfo p = run(LinkType::kEthernet, cat({eth(1, 2, 0x0800), ipv4(1, "10.0.0.1", "10.0.0.2", {3, 3, 0, 0, 0, 0, 0, 0})}));
    EXPECT_TRUE(p.ip.has_icmp);
    EXPECT_FALSE(p.ip.has_ports);
    EXPECT_EQ(p.ip.icmp_type, 3);
    EXPECT_EQ(p.ip.icmp_code, 3);
    const PacketInfo q = run(LinkType::kEthernet, cat({eth(1, 2, 0x86DD), ipv6(58, "::1", "::2", {128, 0, 0, 0})}));
    EXPECT_EQ(q.ip.icmp_type, 128);
}

TEST(Dissector, TunnelsOpenOnlyWhenAsked) {
    const Bytes inner = ipv4(6, "172.16.0.1", "172.16.0.2", tcp(1234, 80, 0x02), {.tos = 0x10});
    // GRE with a key, carrying IPv4.
    Bytes gre = {0x20, 0x00, 0x08, 0x00};
    put32(gre, 0x12345);
    const Bytes f = cat({eth(1, 2, 0x0800), ipv4(47, "192.0.2.1", "192.0.2.2", cat({gre, inner}))});
    const PacketInfo closed = run(LinkType::kEthernet, f);
    EXPECT_EQ(closed.tunnel, TunnelKind::kNone);
    EXPECT_EQ(closed.ip.proto, 47);
    EXPECT_EQ(closed.inner.version, 0);
    const PacketInfo open = run(LinkType::kEthernet, f, Options::every_tunnel());
    EXPECT_EQ(open.stop, Stop::kComplete);
    EXPECT_EQ(open.tunnel, TunnelKind::kGre);
    EXPECT_EQ(open.tunnel_id, 0x12345U);
    EXPECT_EQ(open.ip.src, ip("192.0.2.1"));
    EXPECT_EQ(open.ip.proto, 47);
    EXPECT_EQ(open.inner.src, ip("172.16.0.1"));
    EXPECT_EQ(open.inner.tos, 0x10);
    EXPECT_EQ(open.inner.proto, 6);
    EXPECT_EQ(open.inner.dst_port, 80);
    EXPECT_EQ(open.inner.tcp_flags, 0x02);

    // VXLAN: UDP to 4789, VNI 5000, an inner Ethernet frame (with a tag, skipped).
    Bytes vxlan = {0x08, 0, 0, 0};
    put32(vxlan, 5000U << 8);
    const Bytes v = cat({eth(1, 2, 0x0800),
                         ipv4(17, "192.0.2.1", "192.0.2.2",
                              udp(55555, 4789, cat({vxlan, eth(0xA, 0xB, 0x8100), tag(42, 0x0800), inner})))});
    const PacketInfo pv = run(LinkType::kEthernet, v, Options::every_tunnel());
    EXPECT_EQ(pv.tunnel, TunnelKind::kVxlan);
    EXPECT_EQ(pv.tunnel_id, 5000U);
    EXPECT_TRUE(pv.tunnel_has_macs);
    EXPECT_EQ(pv.tunnel_src_mac.to_string(), "02:00:00:00:00:0b");
    EXPECT_EQ(pv.tunnel_dst_mac.to_string(), "02:00:00:00:00:0a");
    EXPECT_EQ(pv.vlan_count, 0);
    EXPECT_EQ(pv.ip.dst_port, 4789);
    EXPECT_EQ(pv.inner.dst, ip("172.16.0.2"));
    EXPECT_EQ(pv.inner.src_port, 1234);
    EXPECT_EQ(run(LinkType::kEthernet, v).tunnel, TunnelKind::kNone);

    // GTP-U G-PDU with a sequence number and one extension header (PDU session container).
    Bytes gtp = {0x36, 0xFF};
    put16(gtp, 0);
    put32(gtp, 0xDEADBEEF);
    const Bytes gtp_ext = {0, 1, 0, 0x85, 1, 0x10, 0x09, 0};  // seq, N-PDU, next = 0x85; 4-byte ext, next 0
    const Bytes g = cat({eth(1, 2, 0x0800), ipv4(17, "10.1.0.1", "10.1.0.2", udp(2152, 2152, cat({gtp, gtp_ext, inner})))});
    const PacketInfo pg = run(LinkType::kEthernet, g, Options::every_tunnel());
    EXPECT_EQ(pg.stop, Stop::kComplete);
    EXPECT_EQ(pg.tunnel, TunnelKind::kGtp);
    EXPECT_EQ(pg.tunnel_id, 0xDEADBEEFU);
    EXPECT_EQ(pg.inner.src, ip("172.16.0.1"));
    EXPECT_EQ(pg.inner.dst_port, 80);

    // NVGRE: GRE with a key and transparent Ethernet bridging; the VSID is the key's top 24 bits.
    Bytes nvgre = {0x20, 0x00, 0x65, 0x58};
    put32(nvgre, (777U << 8) | 1);
    const Bytes n = cat({eth(1, 2, 0x0800), ipv4(47, "192.0.2.1", "192.0.2.2", cat({nvgre, eth(0xC, 0xD, 0x0800), inner}))});
    const PacketInfo pn = run(LinkType::kEthernet, n, Options::every_tunnel());
    EXPECT_EQ(pn.tunnel, TunnelKind::kNvgre);
    EXPECT_EQ(pn.tunnel_id, 777U);
    EXPECT_EQ(pn.tunnel_src_mac.to_string(), "02:00:00:00:00:0d");
    EXPECT_EQ(pn.inner.src, ip("172.16.0.1"));

    // IPv6 in IPv4.
    const Bytes six = cat({eth(1, 2, 0x0800), ipv4(41, "192.0.2.1", "192.0.2.2", ipv6(17, "2001:db8::a", "2001:db8::b", udp(1, 2)))});
    const PacketInfo p6 = run(LinkType::kEthernet, six, Options::every_tunnel());
    EXPECT_EQ(p6.tunnel, TunnelKind::kIpInIp);
    EXPECT_EQ(p6.inner.version, 6);
    EXPECT_EQ(p6.inner.src, ip("2001:db8::a"));
    EXPECT_EQ(p6.inner.dst_port, 2);
}

TEST(Dissector, LinkLayers) {
    const Bytes packet = ipv4(17, "10.9.8.7", "10.9.8.6", udp(1000, 2000));
    struct Case {
        const char* name;
        LinkType link;
        Bytes header;
        bool macs;
    };
    Bytes sll = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 9, 0, 0, 0x08, 0x00};  // to us, ARPHRD_ETHER
    Bytes sll2 = {0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 2, 0, 0, 0, 0, 9, 0, 0};
    Bytes llc = eth(1, 2, static_cast<std::uint16_t>(8 + packet.size()));
    llc.insert(llc.end(), {0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00});
    Bytes wifi = {0x08, 0x02, 0, 0};  // data, from DS: DA = addr1, SA = addr3
    for (const std::uint8_t a : std::initializer_list<std::uint8_t>{1, 5, 2}) wifi.insert(wifi.end(), {2, 0, 0, 0, 0, a});
    wifi.insert(wifi.end(), {0, 0, 0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00});
    Bytes radiotap = {0, 0, 8, 0, 0, 0, 0, 0};
    radiotap.insert(radiotap.end(), wifi.begin(), wifi.end());
    const Case cases[] = {
        {"raw", LinkType::kRawIp, {}, false},
        {"null little-endian", LinkType::kNull, {2, 0, 0, 0}, false},
        {"loop", LinkType::kLoop, {0, 0, 0, 2}, false},
        {"sll", LinkType::kLinuxSll, sll, true},
        {"sll2", LinkType::kLinuxSll2, sll2, true},
        {"ppp", LinkType::kPpp, {0xFF, 0x03, 0x00, 0x21}, false},
        {"ppp short protocol", LinkType::kPpp, {0x21}, false},
        {"cisco hdlc", LinkType::kCiscoHdlc, {0x0F, 0x00, 0x08, 0x00}, false},
        {"pppoe", LinkType::kEthernet, cat({eth(1, 2, 0x8864), {0x11, 0, 0, 1, 0, 0, 0x00, 0x21}}), true},
        {"802.3 llc/snap", LinkType::kEthernet, llc, true},
        {"802.11", LinkType::kIeee80211, wifi, true},
        {"radiotap", LinkType::kRadiotap, radiotap, true},
    };
    for (const Case& c : cases) {
        const PacketInfo p = run(c.link, cat({c.header, packet}));
        EXPECT_EQ(p.stop, Stop::kComplete) << c.name;
        EXPECT_EQ(p.ip.src, ip("10.9.8.7")) << c.name;
        EXPECT_EQ(p.ip.dst_port, 2000) << c.name;
        EXPECT_EQ(p.has_macs, c.macs) << c.name;
    }
    EXPECT_EQ(run(LinkType::kLinuxSll, cat({sll, packet})).src_mac.to_string(), "02:00:00:00:00:09");
    EXPECT_EQ(run(LinkType::kLinuxSll2, cat({sll2, packet})).ifindex, 3U);
    const PacketInfo w = run(LinkType::kIeee80211, cat({wifi, packet}));
    EXPECT_EQ(w.dst_mac.to_string(), "02:00:00:00:00:01");
    EXPECT_EQ(w.src_mac.to_string(), "02:00:00:00:00:02");
    // IPv6 on the null link type, as FreeBSD writes it.
    EXPECT_EQ(run(LinkType::kNull, cat({{28, 0, 0, 0}, ipv6(17, "::1", "::2", udp(1, 2))})).ip.version, 6);
    EXPECT_EQ(run(LinkType::kEthernet, cat({eth(1, 2, 0x0806), Bytes(28)})).stop, Stop::kNotIp);
    EXPECT_EQ(link_type_from_dlt(DLT_EN10MB), LinkType::kEthernet);
    EXPECT_EQ(link_type_from_dlt(DLT_LINUX_SLL), LinkType::kLinuxSll);
    EXPECT_EQ(link_type_from_dlt(276), LinkType::kLinuxSll2);
    EXPECT_FALSE(link_type_from_dlt(147).has_value());
}

// Every prefix of a frame: never a read past the end (ASan checks), and a cut inside a header
// says so while what came before it stays.
TEST(Dissector, EveryTruncationIsReportedNotOverread) {
    Bytes gre = {0xA0, 0x00, 0x08, 0x00, 0, 0, 0, 0};
    put32(gre, 9);
    const Bytes frames[] = {
        cat({eth(1, 2, 0x8100), tag(10, 0x0800), ipv4(6, "10.0.0.1", "10.0.0.2", tcp(1, 2, 0x10))}),
        cat({eth(1, 2, 0x86DD), ipv6(0, "::1", "::2", cat({{17, 0, 1, 4, 0, 0, 0, 0}, udp(7, 8)}))}),
        cat({eth(1, 2, 0x0800), ipv4(47, "10.0.0.1", "10.0.0.2", cat({gre, ipv4(17, "1.1.1.1", "2.2.2.2", udp(5, 6))}))}),
    };
    for (const Bytes& full : frames) {
        const PacketInfo whole = run(LinkType::kEthernet, full, Options::every_tunnel());
        ASSERT_EQ(whole.stop, Stop::kComplete);
        for (std::size_t len = 0; len < full.size(); ++len) {
            // A copy of exactly `len` bytes: ASan sees any read past it.
            const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
            const PacketInfo p = run(LinkType::kEthernet, cut, Options::every_tunnel());
            if (len < 14) {
                EXPECT_EQ(p.stop, Stop::kTruncated) << len;
                EXPECT_FALSE(p.has_macs);
            }
            if (p.ip.version != 0) {
                EXPECT_EQ(p.ip.src, whole.ip.src) << len;
            }
        }
        // Cut inside the transport header of the innermost layer: truncated, addresses kept.
        const Bytes cut(full.begin(), full.end() - 6);
        const PacketInfo p = run(LinkType::kEthernet, cut, Options::every_tunnel());
        EXPECT_EQ(p.stop, Stop::kTruncated);
        EXPECT_EQ(p.ip.dst, whole.ip.dst);
    }
    // An IPv4 header length under 20 bytes.
    Bytes bad = cat({eth(1, 2, 0x0800), ipv4(6, "10.0.0.1", "10.0.0.2", tcp(1, 2, 0))});
    bad[14] = 0x44;
    EXPECT_EQ(run(LinkType::kEthernet, bad).stop, Stop::kMalformed);
}

// ---- the captures, against tshark ----

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t at = s.find(sep, start);
        out.push_back(s.substr(start, at - start));
        if (at == std::string::npos) break;
        start = at + 1;
    }
    if (out.size() == 1 && out[0].empty()) out.clear();
    return out;
}

std::string run_tshark(const std::string& file) {
    const std::string cmd = "tshark -r '" + file +
                            "' -T fields -E separator=/t -E occurrence=a -E aggregator=, -e frame.protocols "
                            "-e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport -e udp.srcport "
                            "-e udp.dstport -e mpls.label -e vlan.id -e eth.src 2>/dev/null";
    std::string out;
    if (FILE* f = ::popen(cmd.c_str(), "r")) {
        char buf[4096];
        std::size_t n = 0;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
        ::pclose(f);
    }
    return out;
}

std::vector<Bytes> frames_of(const std::string& file, int& dlt) {
    std::vector<Bytes> out;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = ::pcap_open_offline(file.c_str(), err);
    if (p == nullptr) return out;
    dlt = ::pcap_datalink(p);
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    while (::pcap_next_ex(p, &h, &data) == 1) out.emplace_back(data, data + h->caplen);
    ::pcap_close(p);
    return out;
}

TEST(Dissector, CapturesAgreeWithTshark) {
    if (::access("/usr/bin/tshark", X_OK) != 0) GTEST_SKIP() << "tshark is not installed";
    const std::string dir = std::string(PMACCT_SOURCE_DIR) + "/tests/data/packet/";
    const char* files[] = {"gre-v4-key",           "gre-v4-plain",         "gre-v6-plain",
                           "ipv4-ipv4",            "ipv4-ipv6",            "mpls-eompls-cw",
                           "mpls-eompls-invalid-cw", "mpls-explicit-null-ipv4", "mpls-explicit-null-ipv6",
                           "mpls-invalid-nibble",  "mpls-ipv4",            "mpls-ipv6",
                           "srv6-end-dt6",         "vlan-ipv6"};
    int compared = 0;
    for (const char* name : files) {
        const std::string file = dir + name + ".pcap";
        int dlt = 0;
        const std::vector<Bytes> frames = frames_of(file, dlt);
        const std::vector<std::string> lines = pmacct::testing::lines_of(run_tshark(file));
        ASSERT_FALSE(frames.empty()) << name;
        ASSERT_EQ(lines.size(), frames.size()) << name;
        const auto link = link_type_from_dlt(dlt);
        ASSERT_TRUE(link.has_value()) << name;
        for (std::size_t i = 0; i < frames.size(); ++i) {
            const std::vector<std::string> f = split(lines[i], '\t');
            ASSERT_EQ(f.size(), 12U) << name << ": " << lines[i];
            PacketInfo p;
            dissect(*link, frames[i], Options::every_tunnel(), p);
            const std::string where = std::string(name) + " frame " + std::to_string(i + 1);
            // IP layers in the order tshark met them, addresses from the per-family lists.
            struct Layer {
                std::string src, dst;
            };
            std::vector<Layer> layers;
            const auto v4s = split(f[1], ','), v4d = split(f[2], ','), v6s = split(f[3], ','), v6d = split(f[4], ',');
            std::size_t n4 = 0, n6 = 0;
            for (const std::string& proto : split(f[0], ':')) {
                if (proto == "ip" && n4 < v4s.size()) layers.push_back({v4s[n4], v4d[n4]}), ++n4;
                if (proto == "ipv6" && n6 < v6s.size()) layers.push_back({v6s[n6], v6d[n6]}), ++n6;
            }
            if (layers.empty()) {
                EXPECT_EQ(p.ip.version, 0) << where;
            } else {
                EXPECT_EQ(p.ip.src.to_string(), layers[0].src) << where;
                EXPECT_EQ(p.ip.dst.to_string(), layers[0].dst) << where;
            }
            if (layers.size() > 1) {
                EXPECT_NE(p.tunnel, TunnelKind::kNone) << where;
                EXPECT_EQ(p.inner.src.to_string(), layers[1].src) << where;
                EXPECT_EQ(p.inner.dst.to_string(), layers[1].dst) << where;
            }
            // Ports of the innermost layer read, when tshark's last transport header is that layer's.
            const IpLayer& last = p.tunnel != TunnelKind::kNone ? p.inner : p.ip;
            std::vector<std::string> sports = split(f[5], ','), dports = split(f[6], ',');
            for (const auto& s : split(f[7], ',')) sports.push_back(s);
            for (const auto& d : split(f[8], ',')) dports.push_back(d);
            if (!sports.empty() && layers.size() <= (p.tunnel != TunnelKind::kNone ? 2U : 1U)) {
                EXPECT_TRUE(last.has_ports) << where;
                EXPECT_EQ(std::to_string(last.src_port), sports.back()) << where;
                EXPECT_EQ(std::to_string(last.dst_port), dports.back()) << where;
            }
            const auto labels = split(f[9], ',');
            ASSERT_EQ(p.mpls_depth, labels.size()) << where;
            for (std::size_t l = 0; l < labels.size(); ++l) EXPECT_EQ(std::to_string(p.mpls_labels[l]), labels[l]) << where;
            const auto vlans = split(f[10], ',');
            EXPECT_EQ(p.vlan_count, vlans.size()) << where;
            if (!vlans.empty()) {
                EXPECT_EQ(std::to_string(p.vlan), vlans[0]) << where;
            }
            const auto macs = split(f[11], ',');
            if (!macs.empty()) {
                EXPECT_EQ(p.src_mac.to_string(), macs[0]) << where;
            }
            ++compared;
        }
    }
    EXPECT_GE(compared, 14);
}

}  // namespace
}  // namespace pmacct::packet
