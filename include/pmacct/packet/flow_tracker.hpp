// The `flows` primitive of pmacctd and uacctd: which packets start a flow. A flow is one
// direction of a 5-tuple (addresses, ports, protocol); a packet starts one when that direction
// has no live state: its first packet, or the first after the direction went idle longer than
// its lifetime. As in 1.7.7 the lifetime of a TCP direction depends on the connection's state:
// while a SYN is pending, or after a FIN or RST, kTcpEdgeLifetime; otherwise (established, or
// joined mid-connection) pmacctd_flow_tcp_lifetime; other protocols pmacctd_flow_lifetime.
// Times are the packets' (1.7.7 uses the wall clock, which in a savefile replay never moves).
//
// A fixed table of pmacctd_flow_buffer_size bytes, in sets of kWays entries: a connection new
// to a full set takes the place of the one idle longest there.
//
//   packet::FlowTracker flows(16384000, 60, 60);
//   record.flows = flows.starts_flow(record, capture_seconds) ? 1 : 0;
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pmacct/record/flow_record.hpp"

namespace pmacct::packet {

class FlowTracker {
public:
    static constexpr std::int64_t kTcpEdgeLifetime = 60;  // SYN pending, FIN or RST seen
    static constexpr std::size_t kWays = 8;

    FlowTracker(std::uint64_t buffer_bytes, std::int64_t lifetime, std::int64_t tcp_lifetime);

    // True when `r` (its addresses, ports, protocol, TCP flags) starts a flow at `now` seconds.
    bool starts_flow(const FlowRecord& r, std::int64_t now);

    std::size_t capacity() const { return entries_.size(); }
    std::uint64_t evicted() const { return evicted_; }  // live connections pushed out of a full set

private:
    struct Entry {
        IpAddress a;  // the lower endpoint (address, then port)
        IpAddress b;
        std::uint16_t a_port = 0;
        std::uint16_t b_port = 0;
        std::uint8_t proto = 0;
        bool used = false;
        std::uint8_t tcp[2] = {0, 0};  // per direction: kSyn, kSynAck, kEdge
        std::int64_t last[2] = {0, 0};  // per direction (0 from a to b, 1 from b to a): 0 = none
    };
    std::int64_t lifetime_of(const Entry& e, int dir) const;

    std::vector<Entry> entries_;
    std::size_t sets_ = 1;
    std::int64_t lifetime_;
    std::int64_t tcp_lifetime_;
    std::uint64_t evicted_ = 0;
};

}  // namespace pmacct::packet
