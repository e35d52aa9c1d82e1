// sFlow datagrams built for tests: XDR words, sampled frames, v5 samples and datagrams, v2/v4
// samples and datagrams.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace pmacct::testing::sflow {

// sFlow's XDR: big-endian 32-bit words, opaque data padded to a multiple of 4.
struct Xdr {
    std::vector<std::uint8_t> b;
    Xdr& u32(std::uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
        return *this;
    }
    Xdr& opaque(const std::vector<std::uint8_t>& d) {
        b.insert(b.end(), d.begin(), d.end());
        while (b.size() % 4 != 0) b.push_back(0);
        return *this;
    }
    Xdr& u64(std::uint64_t v) { return u32(static_cast<std::uint32_t>(v >> 32)).u32(static_cast<std::uint32_t>(v)); }
    Xdr& ipv4(std::uint8_t a, std::uint8_t c, std::uint8_t d, std::uint8_t e) {
        u32(1);
        b.insert(b.end(), {a, c, d, e});
        return *this;
    }
    // A record or sample: its type, its length, then its body.
    Xdr& item(std::uint32_t type, const Xdr& body) {
        u32(type).u32(static_cast<std::uint32_t>(body.b.size()));
        b.insert(b.end(), body.b.begin(), body.b.end());
        return *this;
    }
};

// An Ethernet frame (with an 802.1Q tag when `vlan` != 0) carrying IPv4 TCP 10.0.0.1:1234 ->
// 10.0.0.2:80 with SYN, of `ip_length` bytes as its header says; `etype` other than IPv4
// carries 28 zero bytes instead.
inline std::vector<std::uint8_t> frame(std::uint16_t vlan = 0, std::uint16_t etype = 0x0800, std::uint16_t ip_length = 60) {
    std::vector<std::uint8_t> f = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    if (vlan != 0) f.insert(f.end(), {0x81, 0x00, static_cast<std::uint8_t>((3 << 5) | (vlan >> 8)), static_cast<std::uint8_t>(vlan)});
    f.insert(f.end(), {static_cast<std::uint8_t>(etype >> 8), static_cast<std::uint8_t>(etype)});
    if (etype != 0x0800) {
        f.insert(f.end(), 28, 0);
        return f;
    }
    f.insert(f.end(), {0x45, 0x20, static_cast<std::uint8_t>(ip_length >> 8), static_cast<std::uint8_t>(ip_length),
                       0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
    f.insert(f.end(), {0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0x00, 0, 0, 0, 0});
    return f;
}

inline Xdr raw_header(const std::vector<std::uint8_t>& f, std::uint32_t frame_length, std::uint32_t protocol = 1) {
    Xdr h;
    h.u32(protocol).u32(frame_length).u32(4).u32(static_cast<std::uint32_t>(f.size())).opaque(f);
    return h;
}

// One of each extended record sfacctd reads or steps over: MPLS VC (1009, VC id 4242), pmacct's
// tag record (43874:2, tag 11 and tag2 22), and user (1004), URL (1005), MPLS (1006), NAT (1007)
// and VLAN tunnel (1012) records, which feed nothing.
struct ExtendedRecords {
    static constexpr std::uint32_t kPmacctTag = (43874U << 12) | 2U;
    Xdr vc, tag, user, url, mpls, nat, vlan_tunnel;
    ExtendedRecords() {
        vc.u32(3).opaque({'v', 'c', '1'}).u32(4242).u32(7);  // strings: a length, then padded bytes
        tag.u64(11).u64(22);
        user.u32(3).u32(5).opaque({'a', 'l', 'i', 'c', 'e'}).u32(3).u32(3).opaque({'b', 'o', 'b'});
        url.u32(1).u32(2).opaque({'/', 'x'}).u32(1).opaque({'h'});
        mpls.ipv4(10, 9, 9, 9).u32(1).u32(100 << 12).u32(1).u32(200 << 12);
        nat.ipv4(100, 64, 0, 1).ipv4(100, 64, 0, 2);
        vlan_tunnel.u32(2).u32(0x81000037).u32(0x81000042);
    }
    // The records that feed nothing.
    std::vector<std::pair<std::uint32_t, Xdr>> inert() const {
        return {{1004, user}, {1005, url}, {1006, mpls}, {1007, nat}, {1012, vlan_tunnel}};
    }
};

// A compact flow sample (0:1) with these records.
inline Xdr flow_sample(const std::vector<std::pair<std::uint32_t, Xdr>>& records, std::uint32_t rate = 512,
                std::uint32_t input = 3, std::uint32_t output = 7) {
    Xdr s;
    s.u32(42).u32(5).u32(rate).u32(100000).u32(0).u32(input).u32(output).u32(static_cast<std::uint32_t>(records.size()));
    for (const auto& [type, body] : records) s.item(type, body);
    return s;
}

// A datagram from agent 192.0.2.9, sub-agent 7, sequence 1000, with these samples.
inline std::vector<std::uint8_t> datagram(const std::vector<std::pair<std::uint32_t, Xdr>>& samples, std::uint32_t version = 5) {
    Xdr d;
    d.u32(version).ipv4(192, 0, 2, 9).u32(7).u32(1000).u32(123456).u32(static_cast<std::uint32_t>(samples.size()));
    for (const auto& [type, body] : samples) d.item(type, body);
    return d.b;
}

// A v2/v4 flow sample: no lengths; one packet data item (a raw header here), then `extended`.
inline Xdr v4_flow_sample(const std::vector<std::uint8_t>& f, std::uint32_t frame_length,
                   const std::vector<std::pair<std::uint32_t, Xdr>>& extended) {
    Xdr s;
    s.u32(1).u32(42).u32(5).u32(128).u32(100000).u32(0).u32(3).u32(7);
    s.u32(1).u32(1).u32(frame_length).u32(static_cast<std::uint32_t>(f.size())).opaque(f);
    s.u32(static_cast<std::uint32_t>(extended.size()));
    for (const auto& [tag, body] : extended) {
        s.u32(tag);
        s.b.insert(s.b.end(), body.b.begin(), body.b.end());
    }
    return s;
}

inline std::vector<std::uint8_t> v4_datagram(std::uint32_t version, const std::vector<Xdr>& samples) {
    Xdr d;
    d.u32(version).ipv4(192, 0, 2, 10).u32(2000).u32(99).u32(static_cast<std::uint32_t>(samples.size()));
    for (const auto& s : samples) d.b.insert(d.b.end(), s.b.begin(), s.b.end());
    return d.b;
}

// An Ethernet counter sample: the generic block (88 bytes) and the Ethernet one (52).
inline Xdr v4_counter_sample() {
    Xdr c;
    c.u32(2).u32(1).u32(5).u32(30).u32(2);
    c.b.insert(c.b.end(), 88 + 52, 0xee);
    return c;
}

// A v5 counter sample (0:2) of interface `index` with generic, Ethernet and VLAN records whose
// counters are `base`, `base` + 1, ... (so every field differs).
inline Xdr counter_sample(std::uint32_t index, std::uint32_t base) {
    std::uint32_t v = base;
    Xdr generic;
    generic.u32(index).u32(6).u64(1000000000).u32(1).u32(1).u64(v++);
    for (int i = 0; i < 6; ++i) generic.u32(v++);
    generic.u64(v++);
    for (int i = 0; i < 5; ++i) generic.u32(v++);
    generic.u32(0);
    Xdr ethernet;
    for (int i = 0; i < 13; ++i) ethernet.u32(v++);
    Xdr vlan;
    vlan.u32(30).u64(v++);
    for (int i = 0; i < 4; ++i) vlan.u32(v++);
    Xdr s;
    s.u32(base).u32(index).u32(3);
    s.item(1, generic).item(2, ethernet).item(5, vlan);
    return s;
}

}  // namespace pmacct::testing::sflow
