#include "pmacct/record/flow_record.hpp"

#include <arpa/inet.h>

#include <fmt/format.h>

namespace pmacct {

IpAddress IpAddress::v4_bytes(const std::uint8_t* network_order) {
    IpAddress a;
    a.family = 4;
    std::memcpy(a.bytes.data(), network_order, 4);
    return a;
}

IpAddress IpAddress::v6_bytes(const std::uint8_t* network_order) {
    IpAddress a;
    a.family = 6;
    std::memcpy(a.bytes.data(), network_order, 16);
    return a;
}

IpAddress IpAddress::unmapped() const {
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (family == 6 && std::memcmp(bytes.data(), kMapped, 12) == 0) return v4_bytes(bytes.data() + 12);
    return *this;
}

IpAddress IpAddress::masked(unsigned bits) const {
    IpAddress out = *this;
    const unsigned total = family == 4 ? 32 : (family == 6 ? 128 : 0);
    if (bits >= total) return out;
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned first_bit = i * 8;
        if (first_bit >= bits) {
            out.bytes[i] = 0;
        } else if (first_bit + 8 > bits) {
            out.bytes[i] = static_cast<std::uint8_t>(out.bytes[i] & (0xFFU << (8 - (bits - first_bit))));
        }
    }
    return out;
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (family == 4) {
        ::inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
    } else if (family == 6) {
        ::inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
    }
    return buf;
}

bool IpAddress::parse(std::string_view text, IpAddress& out) {
    std::string s(text);
    IpAddress a;
    if (::inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
        a.family = 4;
    } else if (::inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
        a.family = 6;
    } else {
        return false;
    }
    out = a;
    return true;
}

std::string MacAddress::to_string() const {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", bytes[0], bytes[1], bytes[2],
                       bytes[3], bytes[4], bytes[5]);
}

}  // namespace pmacct
