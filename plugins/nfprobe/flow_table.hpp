// The nfprobe plugin's flow cache: packets (ring records keyed by the plugin's aggregate) folded
// into flows until a flow expires, as a softflowd-style probe does:
// * a flow idle longer than its protocol's timeout (tcp, tcp.rst once an RST was seen, tcp.fin
//   once a FIN was seen, udp, icmp, general) expires, and so does one that has lived longer than
//   maxlife; the check runs every expint seconds (expire());
// * when a packet starts a flow while nfprobe_maxflows flows are held, the flow idle longest is
//   expired to make room;
// * at shutdown every flow is expired (expire_all()).
// Flow times are the packets' (a savefile replay keeps its capture times); the expiry check
// compares them with the clock the caller passes.
//
// Memory is taken once: max_flows flows and their keys, and an index twice as large.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/config/values.hpp"

namespace pmacct::plugins::nfprobe {

using Timeouts = config::ProbeTimeouts;  // nfprobe_timeouts

struct Flow {
    Timestamp first;
    Timestamp last;
    std::uint64_t bytes = 0;
    std::uint64_t packets = 0;
    std::uint8_t tcp_flags = 0;
    std::uint8_t proto = 0;
    FlowType type = FlowType::kIpv4;
};

// Why a flow left the cache.
enum class ExpiryReason : std::uint8_t { kIdle, kMaxLife, kEvicted, kShutdown };

class FlowTable {
public:
    // `proto`: the key's proto field, if the aggregate has one (it picks the timeout).
    FlowTable(std::size_t key_size, std::size_t max_flows, const Timeouts& timeouts,
              const aggregate::KeyField* proto);

    // Folds one packet (or a pre-aggregated record) in. When it starts a flow and the cache is
    // full, the flow idle longest goes to `expired(key, flow, reason)` first.
    template <typename F>
    void add(const std::uint8_t* key, const aggregate::Counters& c, F&& expired);
    // Expires what is idle or too old at `now` (seconds).
    template <typename F>
    void expire(std::int64_t now, F&& expired);
    // Expires everything, oldest first.
    template <typename F>
    void expire_all(F&& expired);

    std::size_t size() const { return count_; }
    std::size_t capacity() const { return slots_.size(); }

private:
    static constexpr std::uint32_t kNone = 0xFFFFFFFFU;
    struct Slot {
        Flow flow;
        std::int64_t idle_timeout = 0;
        std::uint32_t older = kNone;  // the LRU list: towards the flow idle longest
        std::uint32_t newer = kNone;
    };

    std::uint64_t hash(const std::uint8_t* key) const;
    // The index position of `key`, or of the empty word where it would go.
    std::size_t find(const std::uint8_t* key, std::uint64_t h) const;
    std::uint8_t* key_of(std::uint32_t i) { return keys_.data() + std::size_t{i} * key_size_; }
    const std::uint8_t* key_of(std::uint32_t i) const { return keys_.data() + std::size_t{i} * key_size_; }
    std::int64_t timeout_for(const Flow& f) const;
    void unlink(std::uint32_t i);
    void link_newest(std::uint32_t i);
    // Removes flow i (its index word, its LRU place) and puts its slot on the free list.
    void remove(std::uint32_t i);
    template <typename F>
    void expire_one(std::uint32_t i, ExpiryReason why, F& expired) {
        expired(static_cast<const std::uint8_t*>(key_of(i)), static_cast<const Flow&>(slots_[i].flow), why);
        remove(i);
    }

    std::size_t key_size_;
    Timeouts timeouts_;
    const aggregate::KeyField* proto_;
    std::vector<Slot> slots_;
    std::vector<std::uint8_t> keys_;
    std::vector<std::uint32_t> index_;  // flow number + 1; 0 = empty
    std::vector<std::uint32_t> free_;
    std::size_t mask_ = 0;
    std::size_t count_ = 0;
    std::uint32_t oldest_ = kNone;
    std::uint32_t newest_ = kNone;
};

template <typename F>
void FlowTable::add(const std::uint8_t* key, const aggregate::Counters& c, F&& expired) {
    const std::uint64_t h = hash(key);
    std::size_t pos = find(key, h);
    std::uint32_t i;
    if (index_[pos] != 0) {
        i = index_[pos] - 1;
        Flow& f = slots_[i].flow;
        if (c.time_start < f.first) f.first = c.time_start;
        if (f.last < c.time_end) f.last = c.time_end;
        f.bytes += c.bytes;
        f.packets += c.packets;
        f.tcp_flags = static_cast<std::uint8_t>(f.tcp_flags | c.tcp_flags);
        unlink(i);
    } else {
        if (free_.empty()) {
            expire_one(oldest_, ExpiryReason::kEvicted, expired);
            pos = find(key, h);  // removal may have moved words
        }
        i = free_.back();
        free_.pop_back();
        Flow& f = slots_[i].flow;
        f = Flow{};
        f.first = c.time_start;
        f.last = c.time_end;
        f.bytes = c.bytes;
        f.packets = c.packets;
        f.tcp_flags = c.tcp_flags;
        f.type = c.flow_type;
        f.proto = proto_ != nullptr ? static_cast<std::uint8_t>(aggregate::read_uint(*proto_, key)) : 0;
        if (key_size_ != 0) std::memcpy(key_of(i), key, key_size_);
        index_[pos] = i + 1;
        ++count_;
    }
    slots_[i].idle_timeout = timeout_for(slots_[i].flow);
    link_newest(i);
}

template <typename F>
void FlowTable::expire(std::int64_t now, F&& expired) {
    // Idle timeouts differ by protocol: look at every flow (the cache is small, and this runs
    // every expint seconds).
    std::uint32_t i = oldest_;
    while (i != kNone) {
        const std::uint32_t next = slots_[i].newer;
        const Slot& s = slots_[i];
        if (s.flow.last.sec + s.idle_timeout <= now) {
            expire_one(i, ExpiryReason::kIdle, expired);
        } else if (s.flow.last.sec - s.flow.first.sec >= timeouts_.maxlife) {
            expire_one(i, ExpiryReason::kMaxLife, expired);
        }
        i = next;
    }
}

template <typename F>
void FlowTable::expire_all(F&& expired) {
    while (oldest_ != kNone) expire_one(oldest_, ExpiryReason::kShutdown, expired);
}

}  // namespace pmacct::plugins::nfprobe
