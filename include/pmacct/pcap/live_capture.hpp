// Capturing from a network interface with libpcap (pmacctd's pcap_interface): snap length,
// promiscuous mode and a BPF filter set before the capture starts; frames read without blocking
// when poll() says the descriptor is ready, each handed over with its capture time.
//
//   auto cap = pcap::LiveCapture::open({.interface = "eth0", .snaplen = 128});
//   poll(cap->fd()...); cap->dispatch([&](const pcap::Frame& f) { ... });
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "pmacct/base/result.hpp"
#include "pmacct/pcap/savefile.hpp"

struct pcap;

namespace pmacct::pcap {

struct LiveOptions {
    std::string interface;  // empty: the first device libpcap finds
    std::string filter;     // tcpdump syntax; empty: everything
    int snaplen = 128;
    bool promisc = true;
    int direction = 0;      // pcap_direction: 0 both, 1 incoming only, 2 outgoing only
};

struct CaptureStats {
    std::uint64_t received = 0;  // packets the kernel passed to the capture
    std::uint64_t dropped = 0;   // dropped for lack of buffer space
};

class LiveCapture {
public:
    // Opens and activates the capture; the error names the interface and libpcap's reason.
    static Result<LiveCapture> open(const LiveOptions& o);

    LiveCapture(LiveCapture&&) noexcept;
    LiveCapture& operator=(LiveCapture&&) noexcept;
    ~LiveCapture();

    // A descriptor poll() reports readable when frames are waiting.
    int fd() const { return fd_; }
    int datalink() const { return dlt_; }
    const std::string& interface() const { return interface_; }
    // Every frame waiting (at most `limit`) to `on_frame`, without blocking: how many, or an
    // error when the capture broke (the interface went away...).
    Result<int> dispatch(const std::function<void(const Frame&)>& on_frame, int limit = 4096);
    CaptureStats stats() const;

private:
    struct Closer {
        void operator()(::pcap* p) const;
    };
    LiveCapture() = default;

    std::unique_ptr<::pcap, Closer> handle_;
    std::string interface_;
    int fd_ = -1;
    int dlt_ = 0;
};

}  // namespace pmacct::pcap
