#include "pmacct/pcap/savefile.hpp"

#include <pcap/pcap.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "pmacct/base/byte_reader.hpp"
#include "pmacct/packet/dissector.hpp"

namespace pmacct::pcap {

namespace {

constexpr std::uint8_t kProtoUdp = 17;

// Classic pcap files (what libpcap writes): magic numbers, header sizes, the longest frame
// libpcap accepts.
constexpr std::uint32_t kMagicMicro = 0xA1B2C3D4;
constexpr std::uint32_t kMagicNano = 0xA1B23C4D;
constexpr long kFileHeaderSize = 24;
constexpr std::size_t kRecordHeaderSize = 16;
constexpr std::uint32_t kMaxCaplen = 262144;
// madvise(MADV_POPULATE_READ), Linux 5.14; older kernels refuse it and page faults do the work.
constexpr int kMadvPopulateRead = 22;
constexpr std::size_t kPopulateWindow = std::size_t{4} << 20;
constexpr std::size_t kPrefetchAhead = 8192;

// A mapped file cut short under us (another process truncating it) turns reads past its new end
// into SIGBUS. Reads of the mapping happen only inside next_mapped(), under this guard: the
// handler jumps back there and the replay ends with an error instead of the process dying.
thread_local sigjmp_buf* t_mapped_read = nullptr;

void on_sigbus(int sig, siginfo_t* /*info*/, void* /*context*/) {
    if (t_mapped_read != nullptr) siglongjmp(*t_mapped_read, 1);
    // Not ours: the default action, as if no handler had been installed.
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void install_sigbus_handler() {
    static const bool installed = [] {
        struct sigaction sa {};
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;  // not blocked after the jump (no mask is restored)
        ::sigemptyset(&sa.sa_mask);
        return ::sigaction(SIGBUS, &sa, nullptr) == 0;
    }();
    (void)installed;
}

}  // namespace

FrameOutcome parse_udp_frame(int dlt, std::span<const std::uint8_t> frame, UdpPacket& out) {
    const std::optional<packet::LinkType> link = packet::link_type_from_dlt(dlt);
    if (!link) return FrameOutcome::kNotIp;
    packet::PacketInfo info;
    packet::dissect(*link, frame, packet::Options{}, info);  // no tunnel opened
    const packet::IpLayer& ip = info.ip;
    if (ip.version == 0) return info.stop == packet::Stop::kNotIp ? FrameOutcome::kNotIp : FrameOutcome::kTruncated;
    // The whole IP packet must be there; Ethernet padding after it is not part of it.
    const std::size_t end = ip.length != 0 ? std::size_t{ip.l3_offset} + ip.length : frame.size();
    if (info.stop == packet::Stop::kMalformed || end > frame.size()) return FrameOutcome::kTruncated;
    if (ip.more_fragments || ip.fragment_offset != 0) return FrameOutcome::kFragment;  // atomic ones are whole
    if (ip.proto != kProtoUdp) return FrameOutcome::kNotUdp;
    if (!ip.has_ports || ip.payload_offset == 0) return FrameOutcome::kTruncated;
    ByteReader udp(frame.subspan(ip.l4_offset, end - ip.l4_offset));
    udp.skip(4);  // the ports, already read
    const std::uint16_t length = udp.u16();
    udp.skip(2);  // checksum
    std::size_t payload = udp.remaining();
    if (length != 0) {  // 0: IPv6 jumbogram, the IP length decides
        if (length < 8 || std::size_t{length} - 8 > payload) return FrameOutcome::kTruncated;
        payload = std::size_t{length} - 8;
    }
    out.src_ip = ip.src;
    out.dst_ip = ip.dst;
    out.src_port = ip.src_port;
    out.dst_port = ip.dst_port;
    out.payload = udp.bytes(payload);
    return FrameOutcome::kUdp;
}

void Savefile::Closer::operator()(::pcap* p) const {
    if (p != nullptr) pcap_close(p);
}

void Savefile::Unmapper::operator()(const std::uint8_t* p) const {
    if (p != nullptr) ::munmap(const_cast<std::uint8_t*>(p), size);
}

void Savefile::map_classic(std::FILE* f) {
    struct stat st {};
    const int fd = ::fileno(f);
    if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < kFileHeaderSize) return;
    const auto size = static_cast<std::size_t>(st.st_size);
    void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) return;
    std::unique_ptr<const std::uint8_t, Unmapper> map(static_cast<const std::uint8_t*>(m), Unmapper{size});
    std::uint32_t magic = 0;
    std::memcpy(&magic, map.get(), sizeof magic);
    switch (magic) {
        case kMagicMicro: break;
        case kMagicNano: nanoseconds_ = true; break;
        case __builtin_bswap32(kMagicMicro): swapped_ = true; break;
        case __builtin_bswap32(kMagicNano):
            swapped_ = true;
            nanoseconds_ = true;
            break;
        default: return;  // pcapng and the rest: libpcap
    }
    const auto u32 = [&](std::size_t at) {
        std::uint32_t v = 0;
        std::memcpy(&v, map.get() + at, sizeof v);
        return swapped_ ? __builtin_bswap32(v) : v;
    };
    if ((u32(4) & 0xFFFFU) != 2 && (u32(4) >> 16) != 2) return;  // version 2.x, either order
    snaplen_ = u32(16);
    ::madvise(m, size, MADV_SEQUENTIAL);
    install_sigbus_handler();
    frame_.resize(std::max<std::size_t>(snaplen_ != 0 ? snaplen_ : kMaxCaplen, 65536));
    map_ = std::move(map);
    at_ = kFileHeaderSize;
    prefetched_ = at_ & ~std::size_t{63};
}

Result<bool> Savefile::next_mapped(Frame& out) {
    const std::size_t size = map_.get_deleter().size;
    const std::uint8_t* const base = map_.get();
    if (at_ == size) return false;
    if (size - at_ < kRecordHeaderSize) {
        return fail(fmt::format("pcap_savefile: truncated dump file; tried to read {} header bytes, only got {}",
                                kRecordHeaderSize, size - at_));
    }
    // The page tables filled ahead of the reads, a few megabytes at a time, rather than by a
    // page fault every few pages (where the kernel cannot, the faults do it).
    if (at_ + kRecordHeaderSize + 65536 > populated_ && populated_ < size) {
        const std::size_t length = std::min(kPopulateWindow, size - populated_);
        if (::madvise(const_cast<std::uint8_t*>(base) + populated_, length, kMadvPopulateRead) == 0) {
            populated_ += length;
        } else {
            populated_ = size;
        }
    }
    // The bytes a few frames ahead on their way to the cache while this one is decoded: no
    // copy brings them there.
    for (const std::size_t until = std::min(size, at_ + kPrefetchAhead); prefetched_ < until; prefetched_ += 64) {
        __builtin_prefetch(base + prefetched_);
    }
    // The record header and the frame are copied out under the SIGBUS guard: the decoder then
    // reads the copy (in the cache: it was just written), never the mapping.
    sigjmp_buf truncated;
    if (sigsetjmp(truncated, 0) != 0) {
        t_mapped_read = nullptr;
        at_ = size;  // nothing more is read from this mapping
        return fail("pcap_savefile: the file was truncated while it was being read");
    }
    t_mapped_read = &truncated;
    std::uint32_t h[4];
    std::memcpy(h, base + at_, sizeof h);
    if (swapped_) {
        for (auto& v : h) v = __builtin_bswap32(v);
    }
    if (h[2] > kMaxCaplen) {
        t_mapped_read = nullptr;
        return fail(fmt::format("pcap_savefile: invalid packet capture length {}, bigger than maximum of {}", h[2],
                                kMaxCaplen));
    }
    if (size - at_ - kRecordHeaderSize < h[2]) {
        t_mapped_read = nullptr;
        return fail(fmt::format("pcap_savefile: truncated dump file; tried to read {} captured bytes, only got {}",
                                h[2], size - at_ - kRecordHeaderSize));
    }
    // As libpcap: no more than the snap length the file states.
    const std::uint32_t caplen = snaplen_ != 0 ? std::min(h[2], snaplen_) : h[2];
    if (frame_.size() < caplen) frame_.resize(caplen);
    std::memcpy(frame_.data(), base + at_ + kRecordHeaderSize, caplen);
    t_mapped_read = nullptr;
    out.data = {frame_.data(), caplen};
    out.wire_length = h[3];
    at_ += kRecordHeaderSize + h[2];
    out.timestamp = Timestamp{static_cast<std::int64_t>(h[0]), nanoseconds_ ? h[1] / 1000 : h[1]};
    return true;
}

Savefile::Savefile(Savefile&&) noexcept = default;
Savefile& Savefile::operator=(Savefile&&) noexcept = default;
Savefile::~Savefile() = default;

Result<Savefile> Savefile::open(const std::string& path, const std::string& filter) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    Savefile file;
    // A large stdio buffer: the file is read in 1 MB system calls instead of 4 KB ones.
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f != nullptr) {
        std::setvbuf(f, nullptr, _IOFBF, std::size_t{1} << 20);
        file.handle_.reset(pcap_fopen_offline(f, errbuf));
        if (!file.handle_) {
            std::fclose(f);
        } else if (filter.empty()) {
            file.map_classic(f);
        }
    } else {
        std::snprintf(errbuf, sizeof errbuf, "%s", std::strerror(errno));
    }
    if (!file.handle_) {
        return fail(fmt::format("pcap_savefile '{}': {}", path, static_cast<const char*>(errbuf)));
    }
    file.dlt_ = pcap_datalink(file.handle_.get());
    if (!filter.empty()) {
        bpf_program program{};
        if (pcap_compile(file.handle_.get(), &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) <
            0) {
            return fail(
                fmt::format("pcap_filter '{}': {}", filter, pcap_geterr(file.handle_.get())));
        }
        const int rc = pcap_setfilter(file.handle_.get(), &program);
        pcap_freecode(&program);
        if (rc < 0) {
            return fail(
                fmt::format("pcap_filter '{}': {}", filter, pcap_geterr(file.handle_.get())));
        }
    }
    return file;
}

Result<bool> Savefile::next_frame(Frame& out) {
    for (;;) {
        if (map_) {
            auto more = next_mapped(out);
            if (more && *more) ++counters_.frames;
            return more;
        }
        pcap_pkthdr* header = nullptr;
        const std::uint8_t* data = nullptr;
        const int rc = pcap_next_ex(handle_.get(), &header, &data);
        if (rc == PCAP_ERROR_BREAK) return false;  // end of file
        if (rc < 0) return fail(fmt::format("pcap_savefile: {}", pcap_geterr(handle_.get())));
        if (rc == 0) continue;  // not for savefiles; no packet this time
        ++counters_.frames;
        out.data = {data, header->caplen};
        out.wire_length = header->len;
        out.timestamp = Timestamp{static_cast<std::int64_t>(header->ts.tv_sec),
                                  static_cast<std::uint32_t>(header->ts.tv_usec)};
        return true;
    }
}

Result<bool> Savefile::next(UdpPacket& out) {
    Frame frame;
    for (;;) {
        auto more = next_frame(frame);
        if (!more || !*more) return more;
        UdpPacket packet;
        packet.timestamp = frame.timestamp;
        switch (parse_udp_frame(dlt_, frame.data, packet)) {
            case FrameOutcome::kUdp:
                ++counters_.udp;
                out = packet;
                return true;
            case FrameOutcome::kNotIp: ++counters_.not_ip; break;
            case FrameOutcome::kNotUdp: ++counters_.not_udp; break;
            case FrameOutcome::kFragment: ++counters_.fragments; break;
            case FrameOutcome::kTruncated: ++counters_.truncated; break;
        }
    }
}

}  // namespace pmacct::pcap
