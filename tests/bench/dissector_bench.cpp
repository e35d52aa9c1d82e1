// The packet dissector: packets per CPU-second on the frames of a capture (default: every
// capture of tests/data/packet), each dissected with every tunnel open, over and over.
// Usage: dissector_bench [rounds] [capture.pcap ...]
#include <pcap/pcap.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "pmacct/packet/dissector.hpp"

using namespace pmacct;

namespace {

struct Frame {
    packet::LinkType link;
    std::vector<std::uint8_t> bytes;
};

void read_capture(const std::string& path, std::vector<Frame>& out) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = ::pcap_open_offline(path.c_str(), err);
    if (p == nullptr) {
        std::fprintf(stderr, "%s: %s\n", path.c_str(), err);
        return;
    }
    const auto link = packet::link_type_from_dlt(::pcap_datalink(p));
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    while (link && ::pcap_next_ex(p, &h, &data) == 1) out.push_back({*link, {data, data + h->caplen}});
    ::pcap_close(p);
}

double cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
    const long rounds = argc > 1 ? std::atol(argv[1]) : 200000;
    std::vector<Frame> frames;
    if (argc > 2) {
        for (int i = 2; i < argc; ++i) read_capture(argv[i], frames);
    } else {
        for (const char* name : {"gre-v4-key", "gre-v4-plain", "gre-v6-plain", "ipv4-ipv4", "ipv4-ipv6", "mpls-eompls-cw",
                                 "mpls-explicit-null-ipv4", "mpls-ipv4", "mpls-ipv6", "srv6-end-dt6", "vlan-ipv6"}) {
            read_capture(std::string(PMACCT_SOURCE_DIR) + "/tests/data/packet/" + name + ".pcap", frames);
        }
    }
    if (frames.empty()) return 1;
    packet::PacketInfo info;
    std::uint64_t check = 0;
    const double start = cpu_seconds();
    for (long r = 0; r < rounds; ++r) {
        for (const Frame& f : frames) {
            packet::dissect(f.link, f.bytes, packet::Options::every_tunnel(), info);
            check += static_cast<std::uint64_t>(info.ip.src_port) + info.inner.dst_port + info.mpls_depth;
        }
    }
    const double took = cpu_seconds() - start;
    const double packets = static_cast<double>(rounds) * static_cast<double>(frames.size());
    std::printf("frames=%zu packets=%.0f cpu=%.3fs  %.1f M packets per CPU-second  (%.1f ns/packet)  check=%llu\n",
                frames.size(), packets, took, packets / took / 1e6, took * 1e9 / packets,
                static_cast<unsigned long long>(check));
    return 0;
}
