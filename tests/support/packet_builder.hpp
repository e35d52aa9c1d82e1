// Frames built layer by layer for tests: each function returns one header with what it carries,
// lengths filled in.
//
//   Bytes f = cat({eth(1, 2, 0x0800), ipv4(17, "192.0.2.1", "192.0.2.2", udp(40000, 2100, text("x")))});
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "ip_support.hpp"

namespace pmacct::testing {

using Bytes = std::vector<std::uint8_t>;

inline Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}
inline Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }
inline void put16(Bytes& b, std::uint16_t v) {
    // One insert, not two push_back: GCC 12 warns falsely (-Warray-bounds) on the second
    // reallocation of an empty vector when it inlines them.
    const std::uint8_t two[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    b.insert(b.end(), two, two + 2);
}
inline void put32(Bytes& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v >> 16));
    put16(b, static_cast<std::uint16_t>(v));
}
inline void put_ip(Bytes& b, const char* address) {
    const IpAddress a = ip(address);
    b.insert(b.end(), a.bytes.begin(), a.bytes.begin() + (a.family == 4 ? 4 : 16));
}

// Ethernet from 02:00:00:00:00:<src> to 02:00:00:00:00:<dst>.
inline Bytes eth(std::uint8_t dst, std::uint8_t src, std::uint16_t type) {
    Bytes b = {2, 0, 0, 0, 0, dst, 2, 0, 0, 0, 0, src};
    put16(b, type);
    return b;
}
// An 802.1Q/802.1ad tag: its TCI, then the EtherType after it.
inline Bytes tag(std::uint16_t tci, std::uint16_t type) {
    Bytes b;
    put16(b, tci);
    put16(b, type);
    return b;
}

struct Ipv4Extra {
    std::uint8_t tos = 0;
    std::uint16_t flags_offset = 0;  // MF 0x2000, offset in 8-byte units
    std::uint16_t id = 7;
    std::size_t options = 0;         // bytes of NOP options (a multiple of 4)
};
inline Bytes ipv4(std::uint8_t proto, const char* src, const char* dst, const Bytes& payload,
                  const Ipv4Extra& x = {}) {
    const std::size_t header = 20 + x.options;
    Bytes b = {static_cast<std::uint8_t>(0x40 | (header / 4)), x.tos};
    put16(b, static_cast<std::uint16_t>(header + payload.size()));
    put16(b, x.id);
    put16(b, x.flags_offset);
    b.push_back(64);
    b.push_back(proto);
    put16(b, 0);
    put_ip(b, src);
    put_ip(b, dst);
    b.insert(b.end(), x.options, 1);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}
// `next` names the first header of `payload` (an extension header or the transport).
inline Bytes ipv6(std::uint8_t next, const char* src, const char* dst, const Bytes& payload, std::uint8_t tc = 0,
                  std::uint32_t flow_label = 0) {
    Bytes b;
    put32(b, (6U << 28) | (std::uint32_t{tc} << 20) | flow_label);
    put16(b, static_cast<std::uint16_t>(payload.size()));
    b.push_back(next);
    b.push_back(64);
    put_ip(b, src);
    put_ip(b, dst);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}
inline Bytes udp(std::uint16_t sport, std::uint16_t dport, const Bytes& payload = {}) {
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    put16(b, static_cast<std::uint16_t>(8 + payload.size()));
    put16(b, 0);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}
inline Bytes tcp(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags, const Bytes& payload = {}) {
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    put32(b, 1000);
    put32(b, 0);
    b.push_back(0x50);
    b.push_back(flags);
    put16(b, 65535);
    put32(b, 0);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

}  // namespace pmacct::testing
