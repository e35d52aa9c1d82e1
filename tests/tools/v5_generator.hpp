// Deterministic NetFlow v5 (or v9/IPFIX) traffic for tests, benchmarks and the quick start:
// datagrams of up to 30 records drawn from a fixed set of distinct flows (5-tuples), with totals
// kept so that a test can check that every packet and byte came out the other end.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace pmacct::testing {

struct V5Flow {
    std::uint32_t src = 0;  // IPv4, host order
    std::uint32_t dst = 0;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint8_t proto = 0;
    auto tie() const { return std::tie(src, dst, src_port, dst_port, proto); }
    friend bool operator<(const V5Flow& a, const V5Flow& b) { return a.tie() < b.tie(); }
};

struct V5Totals {
    std::uint64_t records = 0;
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
};

class V5Generator {
public:
    // `distinct` different 5-tuples; `per_datagram` records per datagram (1..30); times are
    // around `unix_secs`.
    V5Generator(std::uint32_t distinct, std::uint32_t per_datagram, std::uint32_t unix_secs,
                std::uint64_t seed = 1);

    // Writes the next datagram into `out` (replacing its content).
    void next(std::vector<std::uint8_t>& out);
    // 5 (default), 9 or 10: the same records as NetFlow v9 or IPFIX, under one template that
    // the first datagram and every 64th carry (IPFIX with flowStart/EndSeconds instead of
    // sysUptime times). kSflow: sFlow v5 datagrams of `per_datagram` flow samples (rate 1),
    // each a packet of one of the flows: an Ethernet/IPv4/TCP-or-UDP header of a frame of
    // 64 to 1500 bytes (a record counts 1 packet of the frame's bytes).
    static constexpr std::uint16_t kSflow = 105;
    void set_version(std::uint16_t version) { version_ = version; }

    const V5Totals& totals() const { return totals_; }
    // Per 5-tuple packets and bytes sent so far (only when tracking is on).
    void track(bool on) { track_ = on; }
    const std::map<V5Flow, V5Totals>& per_flow() const { return per_flow_; }
    static std::string ip_string(std::uint32_t host_order);
    V5Flow flow(std::uint32_t index) const;

private:
    void next_sflow(std::vector<std::uint8_t>& out);
    // Adds a record of flow `f` to the totals.
    void add_totals(const V5Flow& f, std::uint32_t packets, std::uint32_t bytes);

    std::uint32_t distinct_;
    std::uint32_t per_datagram_;
    std::uint32_t unix_secs_;
    std::uint64_t state_;
    std::uint32_t sequence_ = 0;
    std::uint32_t uptime_ms_ = 3600000;
    std::uint16_t version_ = 5;
    std::uint64_t datagrams_ = 0;
    V5Totals totals_;
    bool track_ = false;
    std::map<V5Flow, V5Totals> per_flow_;
};

// Writes datagrams as a pcap of Ethernet/IPv4/UDP packets from `exporter` to 127.0.0.1:`port`.
bool write_v5_pcap(const std::string& path, V5Generator& gen, std::uint32_t datagrams,
                   std::uint32_t exporter, std::uint16_t port);
// The same for given payloads, all stamped `time`.
bool write_udp_pcap(const std::string& path, const std::vector<std::vector<std::uint8_t>>& datagrams,
                    std::uint32_t exporter, std::uint16_t port, std::uint32_t time);

// A flow written by hand: TCP from `src` (IPv4, host order) to 10.0.0.1, with its first and
// last times in milliseconds relative to the header's sysUptime (negative: before).
struct HandMadeFlow {
    std::uint32_t src = 0;
    std::int64_t first_ms = 0;
    std::int64_t last_ms = 0;
    std::uint32_t packets = 1;
    std::uint32_t bytes = 100;
};
// One NetFlow v5 datagram, or one v9 datagram carrying its template, holding `flows`.
std::vector<std::uint8_t> v5_datagram(std::uint32_t unix_secs, std::uint32_t sys_uptime,
                                      const std::vector<HandMadeFlow>& flows);
std::vector<std::uint8_t> v9_datagram(std::uint32_t unix_secs, std::uint32_t sys_uptime,
                                      const std::vector<HandMadeFlow>& flows);

}  // namespace pmacct::testing
