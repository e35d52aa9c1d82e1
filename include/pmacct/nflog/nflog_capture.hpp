// Receiving packets from a Linux NFLOG group (uacctd): the group bound with libnetfilter_log, the
// packets copied up to a snap length, read without blocking when poll() says the netlink socket
// is ready. Each packet is handed over as an Ethernet frame, as pmacct's uacctd builds it: the
// link-layer header NFLOG gives (an Ethernet one on the input path) followed by the packet, or
// a zeroed header with the EtherType of the packet's family when NFLOG gives none (the output
// path); with the input and output interface indexes NFLOG reports (the bridge port when set).
//
//   auto cap = nflog::NflogCapture::open({.group = 5});
//   poll(cap->fd()...); cap->dispatch([&](const nflog::NflogFrame& f) { ... });
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pmacct/base/result.hpp"
#include "pmacct/record/flow_record.hpp"

struct nflog_handle;
struct nflog_g_handle;

namespace pmacct::nflog {

struct NflogOptions {
    std::uint16_t group = 0;           // uacctd_group
    std::uint32_t buffer_size = 131072;  // uacctd_nl_size: the kernel's batch and the read buffer
    std::uint32_t threshold = 1;       // uacctd_threshold: packets the kernel queues before sending
    std::uint32_t snaplen = 128;       // bytes of each packet copied
};

struct NflogFrame {
    std::span<const std::uint8_t> data;  // an Ethernet frame; valid during the callback only
    Timestamp timestamp;
    std::uint32_t in_iface = 0;
    std::uint32_t out_iface = 0;
};

struct NflogStats {
    std::uint64_t received = 0;    // packets read from the group
    std::uint64_t not_ip = 0;      // packets of another family (bridge, ARP): left out
    std::uint64_t overruns = 0;    // times the kernel reported lost packets (ENOBUFS), or
                                   // sent a message larger than the read buffer
};

class NflogCapture {
public:
    // The kernel sends a partial batch (uacctd_threshold not reached) after this long.
    static constexpr std::chrono::milliseconds kFlushTimeout{1000};

    // Binds the group; the error says what failed and why (permissions, group taken...).
    static Result<NflogCapture> open(const NflogOptions& o);

    NflogCapture(NflogCapture&&) noexcept;
    NflogCapture& operator=(NflogCapture&&) noexcept;
    ~NflogCapture();

    int fd() const { return fd_; }
    std::string name() const { return "nflog:" + std::to_string(group_); }
    // Every packet waiting (in at most `limit` reads of many messages) to `on_frame`, without
    // blocking: how many packets, or an error when the socket broke.
    Result<int> dispatch(const std::function<void(const NflogFrame&)>& on_frame, int limit = 256);
    const NflogStats& stats() const;
    // How long the socket may be left unread at `packets_per_second` while a quarter of its
    // receive buffer fills (messages of the size seen so far), at most `longest`.
    std::chrono::microseconds fill_time(double packets_per_second, std::chrono::microseconds longest) const;

private:
    struct State;  // what the libnetfilter_log callback needs, at a fixed address
    NflogCapture() = default;

    std::unique_ptr<State> state_;
    std::uint16_t group_ = 0;
    int fd_ = -1;
};

}  // namespace pmacct::nflog
