// Reading a pcap savefile: its frames, for pmacctd (pcap_savefile / -I), or the UDP datagrams
// inside them, for nfacctd / sfacctd, instead of a socket. libpcap opens the file (pcap_open_offline) and applies the optional
// pcap_filter (BPF); the frames are dissected here:
//   link types EN10MB (with 802.1Q / 802.1ad VLAN tags), LINUX_SLL, LINUX_SLL2, RAW / IPV4 /
//   IPV6, NULL and LOOP; IPv4 (options allowed) and IPv6 (hop-by-hop, routing and destination
//   options headers skipped); UDP.
// Fragments, non-UDP packets and frames cut short by the snap length are skipped and counted.
// Classic pcap files read without a filter are mapped rather than read (see map_classic); each
// frame is copied out of the mapping under a SIGBUS guard, so a file truncated while it is
// replayed ends the replay with an error rather than killing the process. A file being appended
// to is read up to the size it had when opened.
//
//   auto file = pcap::Savefile::open(path, "udp port 2100");
//   pcap::Frame f;  // or whole frames: file->next_frame(f), then f.data with file->datalink()
//   pcap::UdpPacket p;
//   while (true) { auto more = file->next(p); if (!more) error...; if (!*more) break; ... }
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pmacct/base/result.hpp"
#include "pmacct/record/flow_record.hpp"

struct pcap;

namespace pmacct::pcap {

struct UdpPacket {
    std::span<const std::uint8_t> payload;  // valid until the next call to next()
    IpAddress src_ip;
    IpAddress dst_ip;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    Timestamp timestamp;  // the capture time of the frame
};

// One captured frame: its bytes as captured (up to the snap length), its length on the wire and
// its capture time.
struct Frame {
    std::span<const std::uint8_t> data;  // valid until the next call to next() / next_frame()
    std::uint32_t wire_length = 0;
    Timestamp timestamp;
};

// Why a frame gave no datagram.
enum class FrameOutcome : std::uint8_t {
    kUdp,        // a UDP datagram
    kNotIp,      // other ethertype / link protocol, or an unsupported link type
    kNotUdp,     // IP, but not UDP
    kFragment,   // an IPv4 or IPv6 fragment
    kTruncated,  // cut by the snap length, or lengths that do not add up
};

// Dissects one captured frame of link type `dlt` (a DLT_* value as pcap_datalink() returns).
// On kUdp, `out` holds addresses, ports and the payload (a view into `frame`); the timestamp is
// left untouched.
FrameOutcome parse_udp_frame(int dlt, std::span<const std::uint8_t> frame, UdpPacket& out);

struct SavefileCounters {
    std::uint64_t frames = 0;  // frames that passed the BPF filter
    std::uint64_t udp = 0;
    std::uint64_t not_ip = 0;
    std::uint64_t not_udp = 0;
    std::uint64_t fragments = 0;
    std::uint64_t truncated = 0;
};

class Savefile {
public:
    // Opens `path`; a non-empty `filter` is compiled as a BPF expression (tcpdump syntax).
    static Result<Savefile> open(const std::string& path, const std::string& filter = {});

    Savefile(Savefile&&) noexcept;
    Savefile& operator=(Savefile&&) noexcept;
    ~Savefile();

    // The next UDP datagram: true with `out` filled, false at the end of the file, an error
    // when the file is damaged.
    Result<bool> next(UdpPacket& out);
    // The next frame, whatever it holds: true with `out` filled, false at the end of the file,
    // an error when the file is damaged. Counted in counters().frames only.
    Result<bool> next_frame(Frame& out);

    int datalink() const { return dlt_; }
    const SavefileCounters& counters() const { return counters_; }

private:
    struct Closer {
        void operator()(::pcap* p) const;
    };
    struct Unmapper {
        std::size_t size;  // no initialiser: the enclosing class must be complete for one
        void operator()(const std::uint8_t* p) const;
    };

    Savefile() = default;
    // A classic pcap file without a filter is read from a mapping of the file (no copies
    // through the kernel, stdio and libpcap); other formats, and filters, through libpcap.
    void map_classic(std::FILE* f);
    // The next frame of the mapping: false at the end of the file, an error when it is cut
    // short. `data` and `caplen` describe the frame.
    Result<bool> next_mapped(Frame& out);

    std::unique_ptr<::pcap, Closer> handle_;
    int dlt_ = 0;
    std::unique_ptr<const std::uint8_t, Unmapper> map_{nullptr, Unmapper{0}};
    std::size_t at_ = 0;         // the next record header in map_
    std::size_t populated_ = 0;  // map_ is known to be in the page tables up to here
    std::size_t prefetched_ = 0;  // and asked into the cache up to here
    std::vector<std::uint8_t> frame_;  // the current frame, copied out of map_
    std::uint32_t snaplen_ = 0;
    bool swapped_ = false;       // written on a host of the other byte order
    bool nanoseconds_ = false;
    SavefileCounters counters_;
};

}  // namespace pmacct::pcap
