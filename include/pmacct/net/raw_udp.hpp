// UDP datagrams with a source address and port of our choosing, through raw sockets: what the
// tee plugin's transparent mode and nfacctd_templates_receiver send, so that the receiver sees
// the exporter the data came from. Needs CAP_NET_RAW. The kernel does not fragment raw packets.
//
//   auto sender = net::SpoofedUdpSender::open(4);
//   sender->send(exporter, 2055, receiver, 2100, datagram);
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "pmacct/base/files.hpp"
#include "pmacct/base/result.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::net {

// Room for the IP and UDP headers build_udp_headers() writes (IPv6 is the longer).
constexpr std::size_t kRawUdpHeaderRoom = 40 + 8;

// One's-complement sum of `data` as big-endian 16-bit words (an odd last byte padded with
// zero), not yet folded: the payload's part of the UDP checksum.
std::uint64_t ones_sum(const std::uint8_t* data, std::size_t n);
// The IP and UDP headers of a datagram of `length` bytes (whose ones_sum() is `payload_sum`)
// from `src` (4 or 16 bytes, of dst's family):`sport` to `dst`:`dport`, into `h`. Returns their
// length, 0 when the datagram is too long for one IP packet.
std::size_t build_udp_headers(std::uint8_t* h, const std::uint8_t* src, std::uint16_t sport, const IpAddress& dst,
                              std::uint16_t dport, std::size_t length, std::uint64_t payload_sum, std::uint8_t tos);
// `a`:`port` as a socket address (port 0 for raw sockets).
socklen_t to_sockaddr(const IpAddress& a, std::uint16_t port, sockaddr_storage& out);

// One raw socket of one family (4 or 6) sending such datagrams, one at a time.
class SpoofedUdpSender {
public:
    static Result<SpoofedUdpSender> open(int family);
    Result<void> send(const IpAddress& src, std::uint16_t sport, const IpAddress& dst, std::uint16_t dport,
                      std::span<const std::uint8_t> payload);
    int fd() const { return fd_.get(); }

private:
    UniqueFd fd_;
    int family_ = 4;
};

}  // namespace pmacct::net
