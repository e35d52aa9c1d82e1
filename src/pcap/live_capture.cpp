#include "pmacct/pcap/live_capture.hpp"

#include <pcap/pcap.h>

#include <fmt/format.h>

namespace pmacct::pcap {
namespace {

// Frames wait in the kernel at most this long before poll() sees them (pmacct's read timeout).
constexpr int kReadTimeoutMs = 100;

struct DispatchContext {
    const std::function<void(const Frame&)>* on_frame;
};

void on_packet(u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
    const auto* ctx = reinterpret_cast<const DispatchContext*>(user);
    Frame f;
    f.data = {bytes, h->caplen};
    f.wire_length = h->len;
    f.timestamp = Timestamp{static_cast<std::int64_t>(h->ts.tv_sec), static_cast<std::uint32_t>(h->ts.tv_usec)};
    (*ctx->on_frame)(f);
}

// The device libpcap would pick: the first of pcap_findalldevs (pcap_lookupdev is deprecated).
Result<std::string> default_device() {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_if_t* all = nullptr;
    if (pcap_findalldevs(&all, errbuf) != 0) return fail(fmt::format("pcap_findalldevs: {}", errbuf));
    std::string name;
    if (all != nullptr) name = all->name;
    pcap_freealldevs(all);
    if (name.empty()) return fail("no capture device found; set pcap_interface");
    return name;
}

}  // namespace

void LiveCapture::Closer::operator()(::pcap* p) const {
    if (p != nullptr) pcap_close(p);
}

LiveCapture::LiveCapture(LiveCapture&&) noexcept = default;
LiveCapture& LiveCapture::operator=(LiveCapture&&) noexcept = default;
LiveCapture::~LiveCapture() = default;

Result<LiveCapture> LiveCapture::open(const LiveOptions& o) {
    LiveCapture cap;
    cap.interface_ = o.interface;
    if (cap.interface_.empty()) {
        auto d = default_device();
        if (!d) return fail(d.error());
        cap.interface_ = *d;
    }
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    cap.handle_.reset(pcap_create(cap.interface_.c_str(), errbuf));
    if (!cap.handle_) return fail(fmt::format("pcap_interface '{}': {}", cap.interface_, errbuf));
    pcap_t* p = cap.handle_.get();
    (void)pcap_set_snaplen(p, o.snaplen);
    (void)pcap_set_promisc(p, o.promisc ? 1 : 0);
    (void)pcap_set_timeout(p, kReadTimeoutMs);
    const int rc = pcap_activate(p);
    if (rc < 0) {
        const std::string why = rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc);
        return fail(fmt::format("pcap_interface '{}': {}", cap.interface_, why));
    }
    // pcap_direction: the kernel hands over only the packets received (or only those sent).
    if (o.direction != 0 && pcap_setdirection(p, o.direction == 1 ? PCAP_D_IN : PCAP_D_OUT) < 0) {
        return fail(fmt::format("pcap_interface '{}': pcap_direction: {}", cap.interface_, pcap_geterr(p)));
    }
    if (!o.filter.empty()) {
        bpf_program program{};
        if (pcap_compile(p, &program, o.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) < 0) {
            return fail(fmt::format("pcap_filter '{}': {}", o.filter, pcap_geterr(p)));
        }
        const int set = pcap_setfilter(p, &program);
        pcap_freecode(&program);
        if (set < 0) return fail(fmt::format("pcap_filter '{}': {}", o.filter, pcap_geterr(p)));
    }
    if (pcap_setnonblock(p, 1, errbuf) < 0) return fail(fmt::format("pcap_interface '{}': {}", cap.interface_, errbuf));
    cap.fd_ = pcap_get_selectable_fd(p);
    cap.dlt_ = pcap_datalink(p);
    return cap;
}

Result<int> LiveCapture::dispatch(const std::function<void(const Frame&)>& on_frame, int limit) {
    DispatchContext ctx{&on_frame};
    const int n = pcap_dispatch(handle_.get(), limit, on_packet, reinterpret_cast<u_char*>(&ctx));
    if (n == PCAP_ERROR) return fail(fmt::format("pcap_interface '{}': {}", interface_, pcap_geterr(handle_.get())));
    return n < 0 ? 0 : n;
}

CaptureStats LiveCapture::stats() const {
    struct pcap_stat s {};
    if (pcap_stats(handle_.get(), &s) != 0) return {};
    return {s.ps_recv, s.ps_drop};
}

}  // namespace pmacct::pcap
