#include "pmacct/net/raw_udp.hpp"

#include <netinet/in.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace pmacct::net {
namespace {

constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kUdpHeader = 8;
constexpr std::uint8_t kTtl = 64;

void put16(std::uint8_t* p, std::size_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

std::uint16_t fold_checksum(std::uint64_t sum) {
    while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

}  // namespace

// One's-complement sum of `data` as big-endian 16-bit words (an odd last byte padded with zero),
// not yet folded.
std::uint64_t ones_sum(const std::uint8_t* data, std::size_t n) {
    std::uint64_t sum = 0;
    std::size_t i = 0;
    for (; i + 1 < n; i += 2) sum += std::uint64_t{data[i]} << 8 | data[i + 1];
    if (i < n) sum += std::uint64_t{data[i]} << 8;
    return sum;
}

std::size_t build_udp_headers(std::uint8_t* h, const std::uint8_t* src, std::uint16_t sport, const IpAddress& dst,
                              std::uint16_t dport, std::size_t length, std::uint64_t payload_sum, std::uint8_t tos) {
    const std::size_t udp_length = kUdpHeader + length;
    std::uint8_t* udp = nullptr;
    std::uint64_t sum = payload_sum;
    if (dst.family == 4) {
        const std::size_t total = kIpv4Header + udp_length;
        if (total > 0xFFFF) return 0;
        std::memset(h, 0, kIpv4Header);
        h[0] = 0x45;  // version 4, 5 words of header
        h[1] = tos;
        put16(h + 2, total);
        h[8] = kTtl;
        h[9] = IPPROTO_UDP;
        std::memcpy(h + 12, src, 4);
        std::memcpy(h + 16, dst.bytes.data(), 4);
        put16(h + 10, fold_checksum(ones_sum(h, kIpv4Header)));
        udp = h + kIpv4Header;
        sum += ones_sum(h + 12, 8);  // pseudo-header: source and destination
    } else {
        if (udp_length > 0xFFFF) return 0;
        // Version 6, the traffic class, flow label 0.
        h[0] = static_cast<std::uint8_t>(0x60 | tos >> 4);
        h[1] = static_cast<std::uint8_t>((tos & 0x0F) << 4);
        h[2] = 0;
        h[3] = 0;
        put16(h + 4, udp_length);
        h[6] = IPPROTO_UDP;
        h[7] = kTtl;
        std::memcpy(h + 8, src, 16);
        std::memcpy(h + 24, dst.bytes.data(), 16);
        udp = h + kIpv6Header;
        sum += ones_sum(h + 8, 32);
    }
    sum += IPPROTO_UDP + udp_length;  // the rest of the pseudo-header
    put16(udp, sport);
    put16(udp + 2, dport);
    put16(udp + 4, udp_length);
    put16(udp + 6, 0);
    sum += ones_sum(udp, kUdpHeader);
    std::uint16_t checksum = fold_checksum(sum);
    if (checksum == 0) checksum = 0xFFFF;  // 0 would mean "no checksum"
    put16(udp + 6, checksum);
    return static_cast<std::size_t>(udp + kUdpHeader - h);
}

// `a`:`port` as a socket address (port 0 for raw sockets).
socklen_t to_sockaddr(const IpAddress& a, std::uint16_t port, sockaddr_storage& out) {
    out = {};
    if (a.family == 4) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        std::memcpy(&sa.sin_addr, a.bytes.data(), 4);
        std::memcpy(&out, &sa, sizeof sa);
        return sizeof sa;
    }
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(port);
    std::memcpy(&sa.sin6_addr, a.bytes.data(), 16);
    std::memcpy(&out, &sa, sizeof sa);
    return sizeof sa;
}


Result<SpoofedUdpSender> SpoofedUdpSender::open(int family) {
    SpoofedUdpSender s;
    s.family_ = family;
    // IPv4 needs IP_HDRINCL; an IPv6 raw socket of protocol IPPROTO_RAW takes the header as given.
    s.fd_.reset(::socket(family == 6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
    if (!s.fd_.valid()) {
        const int err = errno;
        return fail(fmt::format("cannot open a raw IPv{} socket (sending with another address needs super-user "
                                "permissions, CAP_NET_RAW): {}",
                                family, std::strerror(err)));
    }
    const int one = 1;
    if (family != 6 && ::setsockopt(s.fd_.get(), IPPROTO_IP, IP_HDRINCL, &one, sizeof one) != 0) {
        return fail(fmt::format("IP_HDRINCL: {}", std::strerror(errno)));
    }
    return s;
}

Result<void> SpoofedUdpSender::send(const IpAddress& src, std::uint16_t sport, const IpAddress& dst,
                                    std::uint16_t dport, std::span<const std::uint8_t> payload) {
    if (src.family != dst.family || dst.family != family_) {
        return fail(fmt::format("cannot send from IPv{} to IPv{}", src.family, dst.family));
    }
    std::uint8_t headers[kRawUdpHeaderRoom];
    const std::size_t n = build_udp_headers(headers, src.bytes.data(), sport, dst, dport, payload.size(),
                                            ones_sum(payload.data(), payload.size()), 0);
    if (n == 0) return fail("the datagram does not fit in one IP packet");
    sockaddr_storage to{};
    const socklen_t to_len = to_sockaddr(dst, 0, to);
    iovec iov[2] = {{headers, n}, {const_cast<std::uint8_t*>(payload.data()), payload.size()}};
    msghdr msg{};
    msg.msg_name = &to;
    msg.msg_namelen = to_len;
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    if (::sendmsg(fd_.get(), &msg, 0) < 0) return fail(std::strerror(errno));
    return ok();
}

}  // namespace pmacct::net
