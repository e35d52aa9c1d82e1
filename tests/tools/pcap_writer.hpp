// Ethernet pcap savefiles written through libpcap, for the test traffic generators.
#pragma once

#include <pcap/pcap.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace pmacct::testing {

class PcapWriter {
public:
    explicit PcapWriter(const std::string& path) : dead_(::pcap_open_dead(DLT_EN10MB, 65535)) {
        if (dead_ != nullptr) dumper_ = ::pcap_dump_open(dead_, path.c_str());
    }
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;
    ~PcapWriter() { close(); }

    bool ok() const { return dumper_ != nullptr; }
    // `frame` as captured; `wire_length` (when longer) is its length on the wire, as if the snap
    // length had cut it.
    void write(std::time_t seconds, std::uint32_t microseconds, const std::vector<std::uint8_t>& frame,
               std::size_t wire_length = 0) {
        struct pcap_pkthdr hdr {};
        hdr.ts.tv_sec = seconds;
        hdr.ts.tv_usec = static_cast<suseconds_t>(microseconds);
        hdr.caplen = static_cast<bpf_u_int32>(frame.size());
        hdr.len = static_cast<bpf_u_int32>(std::max(frame.size(), wire_length));
        ::pcap_dump(reinterpret_cast<u_char*>(dumper_), &hdr, frame.data());
    }
    // Flushes and closes the file; false when it could not be written.
    bool close() {
        bool flushed = dumper_ != nullptr && ::pcap_dump_flush(dumper_) == 0;
        if (dumper_ != nullptr) ::pcap_dump_close(dumper_);
        if (dead_ != nullptr) ::pcap_close(dead_);
        dumper_ = nullptr;
        dead_ = nullptr;
        return flushed;
    }

private:
    pcap_t* dead_ = nullptr;
    pcap_dumper_t* dumper_ = nullptr;
};

}  // namespace pmacct::testing
