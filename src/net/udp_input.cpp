#include "pmacct/net/udp_input.hpp"

#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace pmacct::net {

namespace {

std::string errno_text(int err) {
    return fmt::format("{} (errno: {})", std::strerror(err), err);
}

// The text pmacct logs for a listening address: "::" for [::], "0.0.0.0", ...
std::string address_text(const IpAddress& a) {
    return a.to_string();
}

IpAddress from_sockaddr(const sockaddr_storage& ss, std::uint16_t& port) {
    if (ss.ss_family == AF_INET) {
        sockaddr_in sin{};
        std::memcpy(&sin, &ss, sizeof sin);
        port = ntohs(sin.sin_port);
        return IpAddress::v4_bytes(reinterpret_cast<const std::uint8_t*>(&sin.sin_addr));
    }
    if (ss.ss_family == AF_INET6) {
        sockaddr_in6 sin6{};
        std::memcpy(&sin6, &ss, sizeof sin6);
        port = ntohs(sin6.sin6_port);
        return IpAddress::v6_bytes(sin6.sin6_addr.s6_addr).unmapped();
    }
    port = 0;
    return {};
}

Timestamp now_realtime() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return Timestamp{static_cast<std::int64_t>(ts.tv_sec),
                     static_cast<std::uint32_t>(ts.tv_nsec / 1000)};
}

}  // namespace

Result<IpAddress> parse_bind_address(const std::string& text) {
    if (text.empty()) {
        IpAddress any;
        any.family = 6;  // [::], all zero bytes
        return any;
    }
    std::string_view s = text;
    if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    IpAddress a;
    if (!IpAddress::parse(s, a)) return fail(fmt::format("invalid IP address '{}'", text));
    return a;
}

Result<UdpInput> UdpInput::open(const UdpInputOptions& options) {
    if (options.batch == 0 || options.buffer_size == 0) {
        return fail("UDP input: batch and buffer size must be greater than 0");
    }
    Result<IpAddress> parsed = parse_bind_address(options.address);
    if (!parsed) return fail(parsed.error());
    const IpAddress address = *parsed;
    const bool v6 = address.family == 6;

    UdpInput input;
    input.fd_.reset(
        ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!input.fd_.valid()) return fail(fmt::format("socket() failed: {}", errno_text(errno)));
    const int fd = input.fd_.get();

    const std::string where = fmt::format("ip={} port={}/udp", address_text(address), options.port);
    const int on = 1;
    const int off = 0;
    if (v6 && address == IpAddress{6, {}}) {
        if (::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0) {
            return fail(
                fmt::format("setsockopt(IPV6_V6ONLY) for {} failed: {}", where, errno_text(errno)));
        }
    }
    if (options.reuse_port) {
        if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) < 0) {
            return fail(fmt::format("setsockopt(SO_REUSEPORT) for {} failed: {}", where,
                                    errno_text(errno)));
        }
    }

    // As pmacct's Setsocksize(): only ever grow the buffer; halve the request until the
    // kernel accepts it.
    int current = 0;
    socklen_t len = sizeof current;
    ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &current, &len);
    input.rcvbuf_target_ = options.pipe_size;
    if (options.pipe_size > 0) {
        int value = static_cast<int>(std::min<std::size_t>(options.pipe_size, 0x7fffffff));
        if (value > current) {
            for (; value > 0; value >>= 1) {
                if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, sizeof value) == 0) break;
            }
        }
    }
    len = sizeof current;
    ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &current, &len);
    input.rcvbuf_obtained_ = current;

    sockaddr_storage ss{};
    socklen_t ss_len = 0;
    if (v6) {
        sockaddr_in6 sin6{};
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(options.port);
        std::memcpy(sin6.sin6_addr.s6_addr, address.bytes.data(), 16);
        std::memcpy(&ss, &sin6, sizeof sin6);
        ss_len = sizeof sin6;
    } else {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(options.port);
        std::memcpy(&sin.sin_addr, address.bytes.data(), 4);
        std::memcpy(&ss, &sin, sizeof sin);
        ss_len = sizeof sin;
    }
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&ss), ss_len) < 0) {
        return fail(fmt::format("bind() to {} failed: {}", where, errno_text(errno)));
    }
    sockaddr_storage bound{};
    socklen_t bound_len = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) < 0) {
        return fail(fmt::format("getsockname() for {} failed: {}", where, errno_text(errno)));
    }
    std::uint16_t bound_port = 0;
    from_sockaddr(bound, bound_port);
    input.local_address_ = address;
    input.local_port_ = bound_port;

    input.prepare_buffers(options);
    if (input.buffer_size_ > input.head_bytes_ && !input.long_area_) {
        return fail(fmt::format("UDP input: cannot reserve {} bytes for long datagrams",
                                options.batch * options.buffer_size));
    }
    return input;
}

namespace {

// Bytes of a datagram received into the packed heads; longer datagrams continue in the long area.
constexpr std::size_t kHeadBytes = 2048;

}  // namespace

void UdpInput::prepare_buffers(const UdpInputOptions& options) {
    const std::size_t n = options.batch;
    buffer_size_ = options.buffer_size;
    head_bytes_ = std::min(buffer_size_, kHeadBytes);
    heads_.assign(n * head_bytes_, 0);
    // Each slot of the long area has room for the head too, so a long datagram can be made
    // contiguous by copying its head in front of the rest.
    if (buffer_size_ > head_bytes_) long_area_ = LargeBuffer::allocate(n * buffer_size_);
    sources_.assign(n, sockaddr_storage{});
    iovecs_.assign(2 * n, iovec{});
    headers_.assign(n, mmsghdr{});
    datagrams_.assign(n, Datagram{});
    auto* area = static_cast<std::uint8_t*>(long_area_.data());
    for (std::size_t i = 0; i < n; ++i) {
        iovec* iov = &iovecs_[2 * i];
        iov[0].iov_base = heads_.data() + i * head_bytes_;
        iov[0].iov_len = head_bytes_;
        iov[1].iov_base = area != nullptr ? area + i * buffer_size_ + head_bytes_ : nullptr;
        iov[1].iov_len = area != nullptr ? buffer_size_ - head_bytes_ : 0;
        headers_[i].msg_hdr.msg_iov = iov;
        headers_[i].msg_hdr.msg_iovlen = area != nullptr ? 2 : 1;
        headers_[i].msg_hdr.msg_name = &sources_[i];
    }
}

Result<std::span<const Datagram>> UdpInput::receive() {
    for (mmsghdr& h : headers_) {
        h.msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        h.msg_hdr.msg_flags = 0;
        h.msg_len = 0;
    }
    const int n = ::recvmmsg(fd_.get(), headers_.data(), static_cast<unsigned>(headers_.size()),
                             MSG_DONTWAIT, nullptr);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return std::span<const Datagram>{};
        }
        return fail(fmt::format("recvmmsg() failed: {}", errno_text(errno)));
    }
    const Timestamp arrival = now_realtime();
    const auto count = static_cast<std::size_t>(n);
    for (std::size_t i = 0; i < count; ++i) {
        const mmsghdr& h = headers_[i];
        Datagram& d = datagrams_[i];
        const std::size_t length = std::min<std::size_t>(h.msg_len, buffer_size_);
        std::uint8_t* head = heads_.data() + i * head_bytes_;
        if (length <= head_bytes_) {
            d.payload = std::span<const std::uint8_t>(head, length);
        } else {
            std::uint8_t* whole = static_cast<std::uint8_t*>(long_area_.data()) + i * buffer_size_;
            std::memcpy(whole, head, head_bytes_);
            d.payload = std::span<const std::uint8_t>(whole, length);
        }
        d.source = from_sockaddr(sources_[i], d.source_port);
        d.arrival = arrival;
        d.truncated = (h.msg_hdr.msg_flags & MSG_TRUNC) != 0;
    }
    return std::span<const Datagram>(datagrams_.data(), count);
}

double UdpInput::buffer_fill() const {
    std::uint32_t info[SK_MEMINFO_VARS] = {};
    socklen_t length = sizeof info;
    if (::getsockopt(fd_.get(), SOL_SOCKET, SO_MEMINFO, info, &length) != 0 || info[SK_MEMINFO_RCVBUF] == 0) {
        return 1.0;
    }
    return static_cast<double>(info[SK_MEMINFO_RMEM_ALLOC]) / info[SK_MEMINFO_RCVBUF];
}

Result<bool> UdpInput::wait_readable(int timeout_ms) const {
    pollfd p{};
    p.fd = fd_.get();
    p.events = POLLIN;
    const int rc = ::poll(&p, 1, timeout_ms);
    if (rc < 0) {
        if (errno == EINTR) return false;
        return fail(fmt::format("poll() failed: {}", errno_text(errno)));
    }
    return rc > 0 && (p.revents & POLLIN) != 0;
}

}  // namespace pmacct::net
