#include "traffic_pcap.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <vector>

#include "pcap_writer.hpp"

namespace pmacct::testing {
namespace {

enum class Kind {
    kTcp,          // handshake, request/response exchanges, FIN both ways
    kTcpRefused,   // SYN answered by RST
    kUdp,          // request/response exchanges
    kUdpOneWay,    // `exchanges` datagrams, no answer
    kUdpToClosed,  // one datagram answered by ICMP port unreachable
    kIcmpEcho,     // echo request/reply exchanges (ICMPv6 on IPv6)
};

struct Conversation {
    const char* client;
    const char* server;
    Kind kind;
    std::uint16_t client_port;  // echo identifier for kIcmpEcho
    std::uint16_t server_port;
    std::uint8_t tos;  // traffic class on IPv6
    int exchanges;
    std::uint16_t request;  // payload bytes
    std::uint16_t response;
};

constexpr Conversation kConversations[] = {
    {"198.51.100.10", "203.0.113.20", Kind::kTcp, 40000, 80, 0x00, 3, 120, 1400},
    {"198.51.100.10", "203.0.113.20", Kind::kTcp, 40001, 443, 0x00, 5, 300, 1200},
    {"198.51.100.11", "203.0.113.21", Kind::kTcp, 40002, 22, 0x10, 4, 48, 64},
    {"198.51.100.12", "203.0.113.22", Kind::kTcp, 40003, 25, 0x28, 2, 500, 80},
    {"198.51.100.13", "203.0.113.23", Kind::kTcpRefused, 40004, 8080, 0x00, 0, 0, 0},
    {"198.51.100.14", "203.0.113.24", Kind::kUdp, 40005, 53, 0x00, 1, 40, 120},
    {"198.51.100.14", "203.0.113.24", Kind::kUdp, 40006, 53, 0x00, 1, 45, 200},
    {"198.51.100.15", "203.0.113.25", Kind::kUdp, 123, 123, 0xb8, 2, 48, 48},
    {"198.51.100.16", "203.0.113.26", Kind::kUdpOneWay, 5004, 5004, 0xb8, 10, 172, 0},
    {"198.51.100.17", "203.0.113.27", Kind::kIcmpEcho, 7, 0, 0x00, 3, 56, 56},
    {"198.51.100.18", "203.0.113.28", Kind::kUdpToClosed, 40007, 33434, 0x00, 1, 32, 0},
    {"2001:db8:1::10", "2001:db8:2::20", Kind::kTcp, 50000, 443, 0x00, 3, 200, 1100},
    {"2001:db8:1::11", "2001:db8:2::21", Kind::kTcp, 50001, 80, 0x20, 2, 90, 700},
    {"2001:db8:1::12", "2001:db8:2::22", Kind::kUdp, 50002, 53, 0x00, 1, 40, 160},
    {"2001:db8:1::13", "2001:db8:2::23", Kind::kUdp, 50003, 123, 0xb8, 2, 48, 48},
    {"2001:db8:1::14", "2001:db8:2::24", Kind::kIcmpEcho, 9, 0, 0x00, 2, 64, 64},
};

constexpr std::uint32_t kFirstSecond = 1700000000;  // 2023-11-14 22:13:20 UTC

constexpr std::uint8_t kTcpFin = 0x01;
constexpr std::uint8_t kTcpSyn = 0x02;
constexpr std::uint8_t kTcpRst = 0x04;
constexpr std::uint8_t kTcpPsh = 0x08;
constexpr std::uint8_t kTcpAck = 0x10;

using Bytes = std::vector<std::uint8_t>;

void append16(Bytes& b, std::uint32_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}

void append32(Bytes& b, std::uint32_t v) {
    append16(b, v >> 16);
    append16(b, v & 0xffffU);
}

struct Address {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};
    explicit Address(const char* text) {
        v6 = ::inet_pton(AF_INET6, text, bytes.data()) == 1;
        if (!v6) ::inet_pton(AF_INET, text, bytes.data());
    }
    void append(Bytes& b) const { b.insert(b.end(), bytes.begin(), bytes.begin() + (v6 ? 16 : 4)); }
};

std::uint16_t ipv4_checksum(const std::uint8_t* header) {
    std::uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(header[i] << 8 | header[i + 1]);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

struct Packet {
    std::uint64_t usec;  // since kFirstSecond
    Bytes frame;
};

class Writer {
public:
    explicit Writer(TrafficCapture& summary) : summary_(summary) {}

    // One IP packet from `src` to `dst` carrying `l4` (checksums of the transport left zero:
    // exporters do not check them).
    void ip(std::uint64_t usec, const Address& src, const Address& dst, std::uint8_t proto, std::uint8_t tos,
            const Bytes& l4) {
        Bytes f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
        append16(f, src.v6 ? 0x86dd : 0x0800);
        if (src.v6) {
            append32(f, 0x60000000U | static_cast<std::uint32_t>(tos) << 20);
            append16(f, static_cast<std::uint32_t>(l4.size()));
            f.push_back(proto == 1 ? 58 : proto);
            f.push_back(64);
            summary_.ipv6.packets += 1;
            summary_.ipv6.bytes += 40 + l4.size();
        } else {
            f.push_back(0x45);
            f.push_back(tos);
            append16(f, static_cast<std::uint32_t>(20 + l4.size()));
            append16(f, ++ip_id_);
            append16(f, 0x4000);  // DF
            f.push_back(64);
            f.push_back(proto);
            append16(f, 0);
            summary_.ipv4.packets += 1;
            summary_.ipv4.bytes += 20 + l4.size();
        }
        src.append(f);
        dst.append(f);
        if (!src.v6) {
            const std::uint16_t sum = ipv4_checksum(f.data() + 14);
            f[24] = static_cast<std::uint8_t>(sum >> 8);
            f[25] = static_cast<std::uint8_t>(sum);
        }
        f.insert(f.end(), l4.begin(), l4.end());
        packets_.push_back({usec, std::move(f)});
    }

    void conversation(const Conversation& c, std::uint64_t usec) {
        const Address client(c.client);
        const Address server(c.server);
        constexpr std::uint64_t kGap = 4250;  // between two packets of a conversation
        std::uint32_t client_seq = 1000;
        std::uint32_t server_seq = 5000;
        const auto tcp = [&](bool from_client, std::uint8_t flags, std::uint16_t payload) {
            Bytes s;
            append16(s, from_client ? c.client_port : c.server_port);
            append16(s, from_client ? c.server_port : c.client_port);
            append32(s, from_client ? client_seq : server_seq);
            append32(s, (flags & kTcpAck) != 0 ? (from_client ? server_seq : client_seq) : 0);
            s.push_back(0x50);
            s.push_back(flags);
            append16(s, 65535);
            append32(s, 0);
            s.resize(s.size() + payload, 0x61);
            (from_client ? client_seq : server_seq) += payload + ((flags & (kTcpSyn | kTcpFin)) != 0 ? 1U : 0U);
            ip(usec, from_client ? client : server, from_client ? server : client, 6, c.tos, s);
            usec += kGap;
        };
        const auto udp = [&](bool from_client, std::uint16_t payload) {
            Bytes s;
            append16(s, from_client ? c.client_port : c.server_port);
            append16(s, from_client ? c.server_port : c.client_port);
            append16(s, 8U + payload);
            append16(s, 0);
            s.resize(s.size() + payload, 0x62);
            ip(usec, from_client ? client : server, from_client ? server : client, 17, c.tos, s);
            usec += kGap;
        };
        const auto icmp = [&](bool from_client, std::uint8_t type, std::uint8_t code, std::uint16_t sequence,
                              std::uint16_t payload) {
            Bytes s = {type, code, 0, 0};
            append16(s, c.client_port);
            append16(s, sequence);
            s.resize(s.size() + payload, 0x63);
            ip(usec, from_client ? client : server, from_client ? server : client, 1, c.tos, s);
            usec += kGap;
        };
        switch (c.kind) {
            case Kind::kTcp:
                tcp(true, kTcpSyn, 0);
                tcp(false, kTcpSyn | kTcpAck, 0);
                tcp(true, kTcpAck, 0);
                for (int i = 0; i < c.exchanges; ++i) {
                    tcp(true, kTcpPsh | kTcpAck, c.request);
                    tcp(false, kTcpAck, c.response);
                }
                tcp(true, kTcpFin | kTcpAck, 0);
                tcp(false, kTcpFin | kTcpAck, 0);
                tcp(true, kTcpAck, 0);
                break;
            case Kind::kTcpRefused:
                tcp(true, kTcpSyn, 0);
                tcp(false, kTcpRst | kTcpAck, 0);
                break;
            case Kind::kUdp:
                for (int i = 0; i < c.exchanges; ++i) {
                    udp(true, c.request);
                    udp(false, c.response);
                }
                break;
            case Kind::kUdpOneWay:
                for (int i = 0; i < c.exchanges; ++i) udp(true, c.request);
                break;
            case Kind::kUdpToClosed:
                udp(true, c.request);
                // Port unreachable, quoting the datagram's IP header and first 8 bytes.
                icmp(false, 3, 3, 0, 28);
                break;
            case Kind::kIcmpEcho:
                for (int i = 0; i < c.exchanges; ++i) {
                    const bool v6 = client.v6;
                    icmp(true, v6 ? 128 : 8, 0, static_cast<std::uint16_t>(i + 1), c.request);
                    icmp(false, v6 ? 129 : 0, 0, static_cast<std::uint16_t>(i + 1), c.response);
                }
                break;
        }
    }

    bool write(const std::string& path) {
        std::stable_sort(packets_.begin(), packets_.end(),
                         [](const Packet& a, const Packet& b) { return a.usec < b.usec; });
        PcapWriter out(path);
        if (!out.ok()) return false;
        for (const Packet& p : packets_) {
            out.write(static_cast<std::time_t>(kFirstSecond + p.usec / 1000000),
                      static_cast<std::uint32_t>(p.usec % 1000000), p.frame);
        }
        return out.close();
    }

private:
    TrafficCapture& summary_;
    std::vector<Packet> packets_;
    std::uint16_t ip_id_ = 0;
};

}  // namespace

bool write_traffic_pcap(const std::string& path, TrafficCapture& summary) {
    summary = TrafficCapture{};
    summary.first_second = kFirstSecond;
    Writer w(summary);
    // Conversations start 61.913 ms apart and some overlap, so flows interleave in the capture.
    std::uint64_t start = 0;
    for (const Conversation& c : kConversations) {
        w.conversation(c, start);
        start += 61913;
    }
    return w.write(path);
}

}  // namespace pmacct::testing
