// What pmacctd accounts for a captured frame: one FlowRecord per IP packet (packets 1, bytes the
// IP length its header states, the capture time as timestamp_start and timestamp_arrival), made
// from the dissection, with pmacct's handling of fragments: every fragment of a datagram is
// accounted with the transport ports of its first fragment. Fragments that come before their
// first fragment wait in the fragment table and are accounted together with it; fragments whose
// first fragment never comes are not accounted.
//
//   packet::PacketAccountant acc(packet::FragmentTable::capacity_for(4 << 20), true);
//   FlowRecord r;
//   if (acc.account(link, frame, timestamp, r)) host.send(r);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pmacct/packet/dissector.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::packet {

// The datagrams being fragmented: keyed by source, destination, protocol and identification,
// a fixed number of slots (nothing is allocated once made), each forgotten `lifetime` seconds
// of capture time after it was made.
class FragmentTable {
public:
    static constexpr std::int64_t kDefaultLifetime = 60;  // seconds, as pmacct's fragment timeout

    explicit FragmentTable(std::size_t capacity, std::int64_t lifetime = kDefaultLifetime);

    // The slots pmacctd_frag_buffer_size bytes hold.
    static std::size_t capacity_for(std::uint64_t buffer_bytes);

    enum class Verdict : std::uint8_t {
        kAccount,  // account it now (with the ports and the held counters filled in)
        kHold,     // kept until its first fragment comes
        kFull,     // no room: not accounted
    };
    // A first fragment (offset 0): its ports are remembered for the rest of the datagram;
    // `held_bytes` / `held_packets` get what came before it.
    Verdict first(const IpLayer& ip, std::int64_t now, std::uint64_t& held_bytes, std::uint64_t& held_packets);
    // A later fragment: kAccount with `src_port` / `dst_port` set when its first fragment was
    // seen, else kHold (its counters kept) or kFull.
    Verdict later(const IpLayer& ip, std::int64_t now, std::uint64_t bytes, std::uint16_t& src_port,
                  std::uint16_t& dst_port);

    std::size_t capacity() const { return slots_.size(); }

private:
    struct Slot {
        IpAddress src;
        IpAddress dst;
        std::uint32_t id = 0;
        std::uint8_t proto = 0;
        bool used = false;
        bool first_seen = false;
        std::uint16_t src_port = 0;
        std::uint16_t dst_port = 0;
        std::int64_t expires = 0;
        std::uint64_t held_bytes = 0;
        std::uint64_t held_packets = 0;
    };
    // The slot of the datagram of `ip`, made if needed; nullptr when none is free.
    Slot* find(const IpLayer& ip, std::int64_t now);

    std::vector<Slot> slots_;
    std::int64_t lifetime_;
};

// What a dissected packet gives a record: MACs, the outer VLAN and CoS, the customer VLAN, the
// flow type, addresses, protocol, ToS, flow label, ports, TCP flags and the MPLS stack of the
// accounted layer (accounted_layer), the VXLAN / NVGRE id and the tunnel_* fields of what an open
// tunnel carries. For a packet with an IP layer; counters, times and the EtherType are the
// caller's.
void copy_dissection(const PacketInfo& info, FlowRecord& out);

struct AccountingCounters {
    std::uint64_t frames = 0;
    std::uint64_t accounted = 0;
    std::uint64_t not_ip = 0;       // ARP, LLDP, unsupported link types, ...
    std::uint64_t malformed = 0;    // no complete IP header, or one that contradicts itself
    std::uint64_t held = 0;         // fragments waiting for their first fragment
    std::uint64_t frag_dropped = 0; // fragments the full table had no room for
};

class PacketAccountant {
public:
    // `handle_fragments`: fragments go through the fragment table (pmacct does so when a plugin
    // aggregates on ports or TCP flags, or pmacctd_force_frag_handling is set); otherwise each
    // is accounted as it comes, without ports.
    PacketAccountant(std::size_t fragment_slots, bool handle_fragments, Options options = {})
        : fragments_(fragment_slots), options_(options), handle_fragments_(handle_fragments) {}

    // Dissects `frame` (of link type `link`, captured at `ts`) into `out` (reset first): true
    // when a record is to be accounted.
    bool account(LinkType link, std::span<const std::uint8_t> frame, Timestamp ts, FlowRecord& out);

    const AccountingCounters& counters() const { return counters_; }

private:
    PacketInfo info_;
    FragmentTable fragments_;
    Options options_;
    bool handle_fragments_;
    AccountingCounters counters_;
};

}  // namespace pmacct::packet
