#include "pmacct/nflog/nflog_capture.hpp"

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

extern "C" {
#include <libnetfilter_log/libnetfilter_log.h>
}

namespace pmacct::nflog {
namespace {

constexpr std::size_t kEthernetHeader = 14;
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;
// Messages one recvmmsg() reads: one packet each (uacctd_threshold 1), or whole batches.
constexpr std::size_t kSlotsPerPacket = 64;
constexpr std::size_t kSlotsPerBatch = 4;
// Room in a one-packet message besides the packet: netlink and NFLOG headers, the attributes
// (interfaces, MAC header, time, prefix, ...).
constexpr std::size_t kMessageOverhead = 1024;

}  // namespace

struct NflogCapture::State {
    struct Closer {
        void operator()(nflog_handle* h) const {
            if (h != nullptr) nflog_close(h);
        }
    };
    std::unique_ptr<nflog_handle, Closer> handle;
    nflog_g_handle* group = nullptr;
    // What one recvmmsg() reads: `slots` messages of `slot_size` bytes each.
    std::vector<char> buffer;
    std::size_t slot_size = 0;
    std::vector<mmsghdr> messages;
    std::vector<iovec> iovecs;
    std::vector<std::uint8_t> frame;    // the frame handed over: link header + packet
    std::uint32_t snaplen = 0;
    int receive_buffer = 0;             // SO_RCVBUF: what the kernel charges messages against
    std::uint64_t messages_read = 0;    // so far, and their bytes
    std::uint64_t message_bytes = 0;
    Timestamp now;                      // for packets NFLOG gives no time for
    const std::function<void(const NflogFrame&)>* on_frame = nullptr;
    int delivered = 0;
    NflogStats stats;

    static int on_packet(nflog_g_handle*, nfgenmsg* msg, nflog_data* nfa, void* data) {
        auto* st = static_cast<State*>(data);
        if (st->on_frame == nullptr) return 0;  // only dispatch() hands packets over
        std::uint16_t ether_type = 0;
        if (msg->nfgen_family == AF_INET) ether_type = kEtherTypeIpv4;
        else if (msg->nfgen_family == AF_INET6) ether_type = kEtherTypeIpv6;
        else {
            ++st->stats.not_ip;
            return 0;
        }
        char* payload = nullptr;
        const int len = nflog_get_payload(nfa, &payload);
        if (len <= 0 || payload == nullptr) return 0;
        ++st->stats.received;
        const std::size_t copy = std::min<std::size_t>(static_cast<std::size_t>(len), st->snaplen);
        std::uint8_t* out = st->frame.data();
        const std::uint16_t hw_len = nflog_get_msg_packet_hwhdrlen(nfa);
        const char* hw = hw_len == kEthernetHeader ? nflog_get_msg_packet_hwhdr(nfa) : nullptr;
        if (hw != nullptr) {
            std::memcpy(out, hw, kEthernetHeader);
        } else {
            std::memset(out, 0, kEthernetHeader - 2);
            out[12] = static_cast<std::uint8_t>(ether_type >> 8);
            out[13] = static_cast<std::uint8_t>(ether_type & 0xFF);
        }
        std::memcpy(out + kEthernetHeader, payload, copy);
        NflogFrame f;
        f.data = {out, kEthernetHeader + copy};
        timeval tv{};
        f.timestamp = nflog_get_timestamp(nfa, &tv) == 0
                          ? Timestamp{static_cast<std::int64_t>(tv.tv_sec), static_cast<std::uint32_t>(tv.tv_usec)}
                          : st->now;
        f.in_iface = nflog_get_physindev(nfa);
        if (f.in_iface == 0) f.in_iface = nflog_get_indev(nfa);
        f.out_iface = nflog_get_physoutdev(nfa);
        if (f.out_iface == 0) f.out_iface = nflog_get_outdev(nfa);
        (*st->on_frame)(f);
        ++st->delivered;
        return 0;
    }
};

NflogCapture::NflogCapture(NflogCapture&&) noexcept = default;
NflogCapture& NflogCapture::operator=(NflogCapture&&) noexcept = default;
// No nflog_unbind_group: it waits for the kernel's answer and hands the packets arriving
// meanwhile to the callback. Closing the socket (the handle) releases the group all the same.
NflogCapture::~NflogCapture() = default;

const NflogStats& NflogCapture::stats() const { return state_->stats; }

std::chrono::microseconds NflogCapture::fill_time(double packets_per_second, std::chrono::microseconds longest) const {
    const State& st = *state_;
    if (packets_per_second <= 0 || st.messages_read == 0) return longest;
    // The kernel charges a message its buffer and bookkeeping: about 640 bytes over its length.
    const double charged = static_cast<double>(st.message_bytes) / static_cast<double>(st.messages_read) + 640;
    const double seconds = 0.25 * st.receive_buffer / (charged * packets_per_second);
    return std::min(longest, std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6)));
}

Result<NflogCapture> NflogCapture::open(const NflogOptions& o) {
    NflogCapture cap;
    cap.group_ = o.group;
    cap.state_ = std::make_unique<State>();
    State& st = *cap.state_;
    auto why = [&](const char* what) {
        return fail(fmt::format("NFLOG group {}: {}: {}", o.group, what, std::strerror(errno)));
    };
    st.handle.reset(nflog_open());
    if (!st.handle) return why("cannot open a netfilter netlink socket");
    // Binding the families is only needed (and only allowed) on kernels before 3.8; a failure
    // here is harmless on newer ones.
    (void)nflog_bind_pf(st.handle.get(), AF_INET);
    (void)nflog_bind_pf(st.handle.get(), AF_INET6);
    st.group = nflog_bind_group(st.handle.get(), o.group);
    if (st.group == nullptr) return why("cannot bind the group (taken by another listener?)");
    if (nflog_set_mode(st.group, NFULNL_COPY_PACKET, o.snaplen) < 0) return why("cannot set the copy mode");
    if (nflog_set_nlbufsiz(st.group, o.buffer_size) < 0) return why("cannot set uacctd_nl_size");
    if (nflog_set_qthresh(st.group, o.threshold) < 0) return why("cannot set uacctd_threshold");
    if (nflog_set_timeout(st.group, static_cast<std::uint32_t>(kFlushTimeout.count() / 10)) < 0) return why("cannot set the flush timeout");
    nflog_callback_register(st.group, &State::on_packet, &st);
    cap.fd_ = nflog_fd(st.handle.get());
    // The socket holds at least one kernel batch; a larger system default is kept.
    int have = 0;
    socklen_t have_len = sizeof(have);
    const int want = static_cast<int>(std::min<std::uint32_t>(o.buffer_size, 1U << 30));
    if (::getsockopt(cap.fd_, SOL_SOCKET, SO_RCVBUF, &have, &have_len) == 0 && have < want) {
        if (::setsockopt(cap.fd_, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) != 0) {
            (void)::setsockopt(cap.fd_, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
        }
    }
    have_len = sizeof(have);
    if (::getsockopt(cap.fd_, SOL_SOCKET, SO_RCVBUF, &have, &have_len) == 0) st.receive_buffer = have;
    // One packet per message (threshold 1): many small messages per system call. Batches: a few
    // messages of up to a whole batch each. A message larger than its slot is counted as an
    // overrun, never parsed cut.
    const std::size_t batch = std::max<std::size_t>(o.buffer_size, 65536);
    const std::size_t slots = o.threshold == 1 ? kSlotsPerPacket : kSlotsPerBatch;
    st.slot_size = o.threshold == 1 ? std::min<std::size_t>(batch, o.snaplen + kMessageOverhead) : batch;
    st.buffer.resize(slots * st.slot_size);
    st.messages.resize(slots);
    st.iovecs.resize(slots);
    for (std::size_t i = 0; i < slots; ++i) {
        st.iovecs[i] = {st.buffer.data() + i * st.slot_size, st.slot_size};
        st.messages[i] = {};
        st.messages[i].msg_hdr.msg_iov = &st.iovecs[i];
        st.messages[i].msg_hdr.msg_iovlen = 1;
    }
    st.snaplen = o.snaplen;
    st.frame.resize(kEthernetHeader + o.snaplen);
    return cap;
}

Result<int> NflogCapture::dispatch(const std::function<void(const NflogFrame&)>& on_frame, int limit) {
    State& st = *state_;
    st.on_frame = &on_frame;
    st.delivered = 0;
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    st.now = Timestamp{static_cast<std::int64_t>(ts.tv_sec), static_cast<std::uint32_t>(ts.tv_nsec / 1000)};
    const auto slots = static_cast<unsigned>(st.messages.size());
    for (int i = 0; i < limit; ++i) {
        const int n = ::recvmmsg(fd_, st.messages.data(), slots, MSG_DONTWAIT, nullptr);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == ENOBUFS) {  // the kernel dropped packets: counted, the socket still works
                ++st.stats.overruns;
                continue;
            }
            st.on_frame = nullptr;
            return fail(fmt::format("NFLOG group {}: recvmmsg: {}", group_, std::strerror(errno)));
        }
        for (int m = 0; m < n; ++m) {
            const mmsghdr& msg = st.messages[static_cast<std::size_t>(m)];
            if ((msg.msg_hdr.msg_flags & MSG_TRUNC) != 0) {
                ++st.stats.overruns;
            } else {
                ++st.messages_read;
                st.message_bytes += msg.msg_len;
                (void)nflog_handle_packet(st.handle.get(), static_cast<char*>(msg.msg_hdr.msg_iov->iov_base),
                                          static_cast<int>(msg.msg_len));
            }
            st.messages[static_cast<std::size_t>(m)].msg_hdr.msg_flags = 0;
        }
        if (static_cast<unsigned>(n) < slots) break;  // the socket is empty
    }
    st.on_frame = nullptr;
    return st.delivered;
}

}  // namespace pmacct::nflog
