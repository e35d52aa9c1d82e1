// UDP input of the collectors (nfacctd_ip / nfacctd_port, sfacctd_ip / sfacctd_port): one
// non-blocking socket read in batches with recvmmsg(2) into buffers allocated once.
//
//   auto input = net::UdpInput::open({.address = "", .port = 2100, .pipe_size = 8 << 20});
//   if (!input) { log::error("{}", input.error()); ... }
//   for (;;) {
//       poll on input->fd() ...
//       auto batch = input->receive();
//       for (const net::Datagram& d : *batch) decode(d.payload, d.source, d.arrival);
//   }
//
// With no address the socket is [::] dual-stack (IPV6_V6ONLY off): IPv4 exporters then arrive as
// IPv4-mapped addresses and are handed out as plain IPv4.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pmacct/base/files.hpp"
#include "pmacct/base/large_buffer.hpp"
#include "pmacct/base/result.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::net {

struct UdpInputOptions {
    std::string address;             // nfacctd_ip; empty: [::] dual-stack
    std::uint16_t port = 0;          // nfacctd_port; 0: the kernel picks one (tests)
    std::size_t pipe_size = 0;       // nfacctd_pipe_size (SO_RCVBUF); 0: OS default
    bool reuse_port = true;          // SO_REUSEPORT (and SO_REUSEADDR)
    std::size_t batch = 64;          // datagrams per recvmmsg call
    std::size_t buffer_size = 65535;  // bytes per datagram (the UDP maximum); longer ones are truncated
};

struct Datagram {
    std::span<const std::uint8_t> payload;  // valid until the next receive()
    IpAddress source;                       // IPv4-mapped IPv6 turned into IPv4
    std::uint16_t source_port = 0;
    Timestamp arrival;
    bool truncated = false;  // longer than buffer_size; payload holds the first bytes
};

class UdpInput {
public:
    static Result<UdpInput> open(const UdpInputOptions& options);

    UdpInput(UdpInput&&) noexcept = default;
    UdpInput& operator=(UdpInput&&) noexcept = default;
    UdpInput(const UdpInput&) = delete;
    UdpInput& operator=(const UdpInput&) = delete;
    ~UdpInput() = default;

    int fd() const { return fd_.get(); }
    // The address and port actually bound ("::", "0.0.0.0", "127.0.0.1"; the port the kernel
    // chose when 0 was asked).
    const IpAddress& local_address() const { return local_address_; }
    std::uint16_t local_port() const { return local_port_; }
    // SO_RCVBUF as the kernel reports it after the request (Linux doubles the value asked and
    // caps it at net.core.rmem_max), and what was asked (0: nothing).
    int receive_buffer_obtained() const { return rcvbuf_obtained_; }
    std::size_t receive_buffer_target() const { return rcvbuf_target_; }

    // Reads the datagrams waiting, up to `batch`, without blocking. An empty span when none
    // is waiting (or the call was interrupted). The spans stay valid until the next call.
    Result<std::span<const Datagram>> receive();
    // How full the socket's receive buffer is, 0 to 1 (what the kernel has charged against
    // SO_RCVBUF); 1 when it cannot tell.
    double buffer_fill() const;
    // Datagrams one receive() can return: fewer means the socket was emptied.
    std::size_t batch_capacity() const { return headers_.size(); }
    // Waits up to timeout_ms (-1: forever) for a datagram; false on timeout or interruption.
    Result<bool> wait_readable(int timeout_ms) const;

private:
    UdpInput() = default;
    void prepare_buffers(const UdpInputOptions& options);

    UniqueFd fd_;
    IpAddress local_address_;
    std::uint16_t local_port_ = 0;
    int rcvbuf_obtained_ = 0;
    std::size_t rcvbuf_target_ = 0;
    std::size_t buffer_size_ = 0;
    std::size_t head_bytes_ = 0;
    // Preallocated receive state, one slot per batch entry. A datagram lands in its slot's
    // head (2 KB at most, the heads packed together) and, past that, in its slot of the long
    // area, which is only touched by datagrams that need it: a batch of typical NetFlow
    // datagrams touches a few pages, not 64 × 64 KB.
    std::vector<std::uint8_t> heads_;
    LargeBuffer long_area_;
    std::vector<sockaddr_storage> sources_;
    std::vector<iovec> iovecs_;
    std::vector<mmsghdr> headers_;
    std::vector<Datagram> datagrams_;
};

// Parses nfacctd_ip text for binding: "" → [::], "192.0.2.1", "2001:db8::1", "[2001:db8::1]".
Result<IpAddress> parse_bind_address(const std::string& text);

}  // namespace pmacct::net
