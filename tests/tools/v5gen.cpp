// v5gen: NetFlow v5 (or v9/IPFIX) traffic for tests, benchmarks and the quick start.
//   v5gen pcap FILE DATAGRAMS [DISTINCT] [PER_DATAGRAM] [VERSION]
//   v5gen send HOST PORT DATAGRAMS [DISTINCT] [PER_DATAGRAM] [DATAGRAMS_PER_SECOND (0: as fast as possible)] [VERSION]
// VERSION: 5 (default), 9, 10 (IPFIX) or sflow (sFlow v5: PER_DATAGRAM flow samples, up to 30).
// Prints "records=N packets=N bytes=N" (what was sent) on stdout at the end.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "v5_generator.hpp"

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: v5gen pcap FILE DATAGRAMS [DISTINCT] [PER_DATAGRAM] [VERSION]\n"
                 "       v5gen send HOST PORT DATAGRAMS [DISTINCT] [PER_DATAGRAM] [RATE] [VERSION]\n");
    return 2;
}

unsigned long arg(int argc, char** argv, int i, unsigned long def) {
    return i < argc ? std::strtoul(argv[i], nullptr, 10) : def;
}

std::uint16_t version_arg(int argc, char** argv, int i) {
    if (i < argc && std::string(argv[i]) == "sflow") return pmacct::testing::V5Generator::kSflow;
    return static_cast<std::uint16_t>(arg(argc, argv, i, 5));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string mode = argv[1];
    const auto now = static_cast<std::uint32_t>(std::time(nullptr));
    if (mode == "pcap" && argc >= 4) {
        pmacct::testing::V5Generator gen(static_cast<std::uint32_t>(arg(argc, argv, 4, 1000)),
                                         static_cast<std::uint32_t>(arg(argc, argv, 5, 30)), now);
        gen.set_version(version_arg(argc, argv, 6));
        if (!pmacct::testing::write_v5_pcap(argv[2], gen, static_cast<std::uint32_t>(arg(argc, argv, 3, 1)),
                                            0x7F000001U, 2100)) {
            std::fprintf(stderr, "v5gen: cannot write %s\n", argv[2]);
            return 1;
        }
        const auto& t = gen.totals();
        std::printf("records=%llu packets=%llu bytes=%llu\n", static_cast<unsigned long long>(t.records),
                    static_cast<unsigned long long>(t.packets), static_cast<unsigned long long>(t.bytes));
        return 0;
    }
    if (mode != "send" || argc < 5) return usage();
    const std::string host = argv[2];
    const auto port = static_cast<std::uint16_t>(arg(argc, argv, 3, 2100));
    const unsigned long datagrams = arg(argc, argv, 4, 1);
    pmacct::testing::V5Generator gen(static_cast<std::uint32_t>(arg(argc, argv, 5, 10000)),
                                     static_cast<std::uint32_t>(arg(argc, argv, 6, 30)), now);
    const unsigned long rate = arg(argc, argv, 7, 0);
    gen.set_version(version_arg(argc, argv, 8));

    sockaddr_storage ss{};
    socklen_t sl = 0;
    int family = AF_INET;
    if (host.find(':') != std::string::npos) {
        auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        if (::inet_pton(AF_INET6, host.c_str(), &s6->sin6_addr) != 1) return usage();
        sl = sizeof(sockaddr_in6);
        family = AF_INET6;
    } else {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        if (::inet_pton(AF_INET, host.c_str(), &s4->sin_addr) != 1) return usage();
        sl = sizeof(sockaddr_in);
    }
    int fd = ::socket(family, SOCK_DGRAM, 0);
    if (fd < 0) return 1;
    int sndbuf = 8 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    std::vector<std::uint8_t> buf;
    const auto start = std::chrono::steady_clock::now();
    for (unsigned long i = 0; i < datagrams; ++i) {
        gen.next(buf);
        while (::sendto(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&ss), sl) < 0) {
            if (errno != ENOBUFS && errno != EAGAIN) {
                std::perror("v5gen: sendto");
                return 1;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
        if (rate > 0) {
            const auto due = start + std::chrono::microseconds((i + 1) * 1000000ULL / rate);
            std::this_thread::sleep_until(due);
        }
    }
    ::close(fd);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto& t = gen.totals();
    std::printf("records=%llu packets=%llu bytes=%llu seconds=%.3f\n",
                static_cast<unsigned long long>(t.records), static_cast<unsigned long long>(t.packets),
                static_cast<unsigned long long>(t.bytes), secs);
    return 0;
}
