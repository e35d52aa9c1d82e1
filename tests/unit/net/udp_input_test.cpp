// The UDP input on loopback: ephemeral ports, real sendto(2) from a second socket.
#include "pmacct/net/udp_input.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "ip_support.hpp"

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace pmacct::net {
namespace {

using pmacct::testing::ip;

std::int64_t now_sec() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
}

// A sender socket bound to `address` (so the source is known), port chosen by the kernel.
class Sender {
public:
    explicit Sender(const char* address) {
        IpAddress a = ip(address);
        family_ = a.family == 6 ? AF_INET6 : AF_INET;
        fd_ = ::socket(family_, SOCK_DGRAM, 0);
        EXPECT_GE(fd_, 0);
        sockaddr_storage ss = make(a, 0);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&ss), length()), 0) << strerror(errno);
        sockaddr_storage bound{};
        socklen_t len = sizeof bound;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len);
        port_ = family_ == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                    : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    ~Sender() { ::close(fd_); }
    Sender(const Sender&) = delete;
    Sender& operator=(const Sender&) = delete;

    void send(const char* to, std::uint16_t port, const std::vector<std::uint8_t>& payload) {
        sockaddr_storage ss = make(ip(to), port);
        const ssize_t n = ::sendto(fd_, payload.data(), payload.size(), 0,
                                   reinterpret_cast<sockaddr*>(&ss), length());
        ASSERT_EQ(n, static_cast<ssize_t>(payload.size())) << strerror(errno);
    }
    std::uint16_t port() const { return port_; }

private:
    socklen_t length() const {
        return family_ == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    }
    sockaddr_storage make(const IpAddress& a, std::uint16_t port) const {
        sockaddr_storage ss{};
        if (family_ == AF_INET6) {
            auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
            s6->sin6_family = AF_INET6;
            s6->sin6_port = htons(port);
            if (a.family == 6) {
                std::memcpy(s6->sin6_addr.s6_addr, a.bytes.data(), 16);
            }
        } else {
            auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
            s4->sin_family = AF_INET;
            s4->sin_port = htons(port);
            std::memcpy(&s4->sin_addr, a.bytes.data(), 4);
        }
        return ss;
    }

    int family_ = AF_INET;
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

std::vector<std::uint8_t> payload(std::uint8_t tag, std::size_t size) {
    std::vector<std::uint8_t> p(size);
    for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<std::uint8_t>(tag + i);
    return p;
}

void expect_batch(UdpInput& input, Sender& sender, const char* source, const char* to) {
    // Short ones, one just past the 2 KB head, a jumbo one and the largest UDP allows.
    const std::vector<std::vector<std::uint8_t>> sent = {payload(1, 24), payload(2, 1416), payload(3, 1),
                                                         payload(4, 2049), payload(5, 8999), payload(6, 65507)};
    const std::int64_t before = now_sec();
    for (const auto& p : sent) sender.send(to, input.local_port(), p);

    auto readable = input.wait_readable(2000);
    ASSERT_TRUE(readable.has_value()) << readable.error();
    ASSERT_TRUE(*readable);
    auto batch = input.receive();
    ASSERT_TRUE(batch.has_value()) << batch.error();
    ASSERT_EQ(batch->size(), sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        const Datagram& d = (*batch)[i];
        EXPECT_EQ(std::vector<std::uint8_t>(d.payload.begin(), d.payload.end()), sent[i]) << i;
        EXPECT_EQ(d.source, ip(source));
        EXPECT_EQ(d.source_port, sender.port());
        EXPECT_FALSE(d.truncated);
        EXPECT_GE(d.arrival.sec, before);
        EXPECT_LE(d.arrival.sec, now_sec());
    }
    // Nothing left: an empty batch, not an error, and no blocking.
    auto again = input.receive();
    ASSERT_TRUE(again.has_value());
    EXPECT_TRUE(again->empty());
}

TEST(UdpInput, Ipv4LoopbackBatch) {
    auto input = UdpInput::open({.address = "127.0.0.1", .port = 0});
    ASSERT_TRUE(input.has_value()) << input.error();
    EXPECT_NE(input->local_port(), 0);
    EXPECT_EQ(input->local_address(), ip("127.0.0.1"));
    Sender sender("127.0.0.1");
    expect_batch(*input, sender, "127.0.0.1", "127.0.0.1");
}

TEST(UdpInput, Ipv6LoopbackBatch) {
    auto input = UdpInput::open({.address = "::1", .port = 0});
    ASSERT_TRUE(input.has_value()) << input.error();
    Sender sender("::1");
    expect_batch(*input, sender, "::1", "::1");
}

TEST(UdpInput, DefaultIsDualStackAndUnmapsIpv4Sources) {
    auto input = UdpInput::open({.address = "", .port = 0});
    ASSERT_TRUE(input.has_value()) << input.error();
    EXPECT_EQ(input->local_address().to_string(), "::");
    Sender v4("127.0.0.1");
    expect_batch(*input, v4, "127.0.0.1", "127.0.0.1");  // arrives as ::ffff:127.0.0.1
    Sender v6("::1");
    expect_batch(*input, v6, "::1", "::1");
}

TEST(UdpInput, BracketedIpv6Address) {
    auto input = UdpInput::open({.address = "[::1]", .port = 0});
    ASSERT_TRUE(input.has_value()) << input.error();
    EXPECT_EQ(input->local_address(), ip("::1"));
}

TEST(UdpInput, BatchIsLimitedAndRestComesNext) {
    auto input = UdpInput::open({.address = "127.0.0.1", .port = 0, .batch = 2});
    ASSERT_TRUE(input.has_value()) << input.error();
    Sender sender("127.0.0.1");
    for (std::uint8_t i = 0; i < 5; ++i) sender.send("127.0.0.1", input->local_port(), {i});
    std::vector<std::uint8_t> got;
    for (int round = 0; round < 3; ++round) {
        auto batch = input->receive();
        ASSERT_TRUE(batch.has_value());
        EXPECT_LE(batch->size(), 2u);
        for (const Datagram& d : *batch) got.push_back(d.payload[0]);
    }
    EXPECT_EQ(got, (std::vector<std::uint8_t>{0, 1, 2, 3, 4}));
}

TEST(UdpInput, LongDatagramIsTruncatedAndFlagged) {
    auto input = UdpInput::open({.address = "127.0.0.1", .port = 0, .buffer_size = 16});
    ASSERT_TRUE(input.has_value()) << input.error();
    Sender sender("127.0.0.1");
    sender.send("127.0.0.1", input->local_port(), payload(9, 100));
    ASSERT_TRUE(*input->wait_readable(2000));
    auto batch = input->receive();
    ASSERT_TRUE(batch.has_value());
    ASSERT_EQ(batch->size(), 1u);
    EXPECT_TRUE((*batch)[0].truncated);
    EXPECT_EQ((*batch)[0].payload.size(), 16u);
    EXPECT_EQ((*batch)[0].payload[15], 9 + 15);
}

TEST(UdpInput, BufferFillRisesWithWaitingDatagramsAndFallsWhenRead) {
    auto input = UdpInput::open({.address = "127.0.0.1", .port = 0});
    ASSERT_TRUE(input.has_value()) << input.error();
    EXPECT_EQ(input->buffer_fill(), 0.0);
    Sender sender("127.0.0.1");
    for (int i = 0; i < 20; ++i) sender.send("127.0.0.1", input->local_port(), payload(1, 1400));
    ASSERT_TRUE(*input->wait_readable(2000));
    const double full = input->buffer_fill();
    EXPECT_GT(full, 0.0);
    EXPECT_LE(full, 1.0);
    std::size_t got = 0;
    for (int round = 0; round < 10 && got < 20; ++round) got += input->receive()->size();
    EXPECT_EQ(got, 20u);
    EXPECT_EQ(input->buffer_fill(), 0.0);
}

TEST(UdpInput, AddressInUseIsAClearError) {
    // A socket without SO_REUSEPORT holds the port.
    const int holder = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(holder, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    socklen_t len = sizeof sin;
    ::getsockname(holder, reinterpret_cast<sockaddr*>(&sin), &len);
    const std::uint16_t port = ntohs(sin.sin_port);

    auto input = UdpInput::open({.address = "127.0.0.1", .port = port});
    ::close(holder);
    ASSERT_FALSE(input.has_value());
    EXPECT_NE(input.error().find("Address already in use"), std::string::npos) << input.error();
    EXPECT_NE(input.error().find(std::to_string(port)), std::string::npos) << input.error();
}

TEST(UdpInput, ReusePortLetsTwoInputsShareAPort) {
    auto first = UdpInput::open({.address = "127.0.0.1", .port = 0});
    ASSERT_TRUE(first.has_value()) << first.error();
    auto second = UdpInput::open({.address = "127.0.0.1", .port = first->local_port()});
    ASSERT_TRUE(second.has_value()) << second.error();
    EXPECT_EQ(second->local_port(), first->local_port());
}

TEST(UdpInput, InvalidAddressIsAnError) {
    auto input = UdpInput::open({.address = "not-an-address", .port = 0});
    ASSERT_FALSE(input.has_value());
    EXPECT_NE(input.error().find("not-an-address"), std::string::npos);
}

TEST(UdpInput, PipeSizeSetsTheReceiveBuffer) {
    long rmem_max = 0;
    std::ifstream("/proc/sys/net/core/rmem_max") >> rmem_max;
    const std::size_t target = 1 << 20;
    auto plain = UdpInput::open({.address = "127.0.0.1", .port = 0});
    ASSERT_TRUE(plain.has_value());
    auto input = UdpInput::open({.address = "127.0.0.1", .port = 0, .pipe_size = target});
    ASSERT_TRUE(input.has_value()) << input.error();
    EXPECT_EQ(input->receive_buffer_target(), target);
    // Linux doubles the request and caps it at rmem_max; never smaller than the default.
    const long expected = 2 * std::min<long>(static_cast<long>(target), rmem_max);
    EXPECT_EQ(input->receive_buffer_obtained(),
              std::max<long>(expected, plain->receive_buffer_obtained()));
}

TEST(UdpInput, MovedInputKeepsWorking) {
    auto opened = UdpInput::open({.address = "127.0.0.1", .port = 0});
    ASSERT_TRUE(opened.has_value());
    UdpInput input = std::move(*opened);
    Sender sender("127.0.0.1");
    expect_batch(input, sender, "127.0.0.1", "127.0.0.1");
}

}  // namespace
}  // namespace pmacct::net
