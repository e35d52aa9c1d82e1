#include "pmacct/packet/flow_tracker.hpp"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "pmacct/base/hash.hpp"

namespace pmacct::packet {
namespace {

constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kTcpFin = 0x01;
constexpr std::uint8_t kTcpSyn = 0x02;
constexpr std::uint8_t kTcpRst = 0x04;
constexpr std::uint8_t kTcpAck = 0x10;
// The TCP state of a direction.
constexpr std::uint8_t kSyn = 1;     // sent a SYN
constexpr std::uint8_t kSynAck = 2;  // sent a SYN+ACK
constexpr std::uint8_t kEdge = 3;    // a FIN or RST was seen (either way)
// Bytes an entry stands for in pmacctd_flow_buffer_size.
constexpr std::uint64_t kBytesPerEntry = 64;

std::uint64_t words(const IpAddress& x) {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    std::memcpy(&hi, x.bytes.data(), 8);
    std::memcpy(&lo, x.bytes.data() + 8, 8);
    return hash_combine(hi, lo);
}

}  // namespace

FlowTracker::FlowTracker(std::uint64_t buffer_bytes, std::int64_t lifetime, std::int64_t tcp_lifetime)
    : lifetime_(lifetime), tcp_lifetime_(tcp_lifetime) {
    sets_ = std::max<std::size_t>(static_cast<std::size_t>(buffer_bytes / kBytesPerEntry / kWays), 1);
    entries_.resize(sets_ * kWays);
}

std::int64_t FlowTracker::lifetime_of(const Entry& e, int dir) const {
    if (e.proto != kProtoTcp) return lifetime_;
    const std::uint8_t mine = e.tcp[dir];
    const std::uint8_t theirs = e.tcp[1 - dir];
    if (mine == kEdge || mine == kSyn || mine == kSynAck || theirs == kSyn || theirs == kSynAck) {
        return kTcpEdgeLifetime;
    }
    return tcp_lifetime_;
}

bool FlowTracker::starts_flow(const FlowRecord& r, std::int64_t now) {
    // One entry per connection: its endpoints in a fixed order, the direction apart.
    const bool forward = std::tie(r.src_ip.bytes, r.src_port) <= std::tie(r.dst_ip.bytes, r.dst_port);
    const IpAddress& a = forward ? r.src_ip : r.dst_ip;
    const IpAddress& b = forward ? r.dst_ip : r.src_ip;
    const std::uint16_t a_port = forward ? r.src_port : r.dst_port;
    const std::uint16_t b_port = forward ? r.dst_port : r.src_port;
    const int dir = forward ? 0 : 1;
    const std::uint64_t h = hash_combine(hash_combine(words(a), words(b)), (std::uint64_t{a_port} << 24) ^ (std::uint64_t{b_port} << 8) ^ r.proto);
    Entry* set = &entries_[(h % sets_) * kWays];
    Entry* e = nullptr;
    Entry* oldest = set;
    for (std::size_t i = 0; i < kWays; ++i) {
        Entry& x = set[i];
        if (x.used && x.proto == r.proto && x.a_port == a_port && x.b_port == b_port && x.a == a && x.b == b) {
            e = &x;
            break;
        }
        const std::int64_t seen = std::max(x.last[0], x.last[1]);
        if (!x.used) {
            if (oldest->used) oldest = &x;
        } else if (oldest->used && seen < std::max(oldest->last[0], oldest->last[1])) {
            oldest = &x;
        }
    }
    if (e == nullptr) {
        e = oldest;
        if (e->used) {
            const bool live = (e->last[0] != 0 && now - e->last[0] <= lifetime_of(*e, 0)) ||
                              (e->last[1] != 0 && now - e->last[1] <= lifetime_of(*e, 1));
            if (live) ++evicted_;
        }
        *e = Entry{};
        e->a = a;
        e->b = b;
        e->a_port = a_port;
        e->b_port = b_port;
        e->proto = r.proto;
        e->used = true;
    }
    // This direction idle past its lifetime: what follows is a new flow; with the other
    // direction gone too, a new connection.
    auto expired = [&](int d) { return e->last[d] != 0 && now - e->last[d] > lifetime_of(*e, d); };
    if (expired(dir)) {
        if (e->last[1 - dir] == 0 || expired(1 - dir)) *e = Entry{e->a, e->b, e->a_port, e->b_port, e->proto, true};
        e->last[dir] = 0;
    }
    const bool starts = e->last[dir] == 0;
    e->last[dir] = std::max<std::int64_t>(now, 1);
    if (r.proto == kProtoTcp) {
        const std::uint8_t flags = r.tcp_flags;
        if ((flags & (kTcpFin | kTcpRst)) != 0) {
            e->tcp[0] = e->tcp[1] = kEdge;
        } else if ((flags & kTcpSyn) != 0) {
            if (e->tcp[dir] != kEdge) e->tcp[dir] = (flags & kTcpAck) != 0 ? kSynAck : kSyn;
        } else if (e->tcp[dir] == kSyn && e->tcp[1 - dir] == kSynAck) {
            e->tcp[0] = e->tcp[1] = 0;  // the handshake's last ACK: established
        }
    }
    return starts;
}

}  // namespace pmacct::packet
