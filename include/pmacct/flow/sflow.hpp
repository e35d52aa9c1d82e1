// sFlow v5, v4 and v2 datagrams (sfacctd): flow samples and expanded flow samples become one
// FlowRecord each, made from the sampled packet header (through the packet dissector) and the
// extended data that came with it (switch, router, gateway, MPLS VC, pmacct's tag record; the
// other extended records are stepped over). v5 counter samples go to a second
// sink (sfacctd_counter_file); v2/v4 ones are skipped.
//
//   flow::SflowDecoder d(options);
//   auto result = d.decode(datagram, sender, arrival, [&](const FlowRecord& r) { host.send(r); });
//   if (!result.ok()) ... flow::describe(result.outcome)
//
// What a record holds, as sfacctd 1.7.7 shows it (checked side by side on the fixtures):
// packets 1 and bytes the sampled packet's size (the header record's frame length, or the
// length of an IPv4/IPv6 data record that follows it; both times the sampling rate with
// sfacctd_renormalize), the agent address as peer_src_ip, its sub-agent id as
// export_proto_sysid, the datagram's sequence number as export_proto_seqno, the input / output
// interface fields whole, the sampling rate; from the header the MACs, VLAN, CoS, addresses,
// protocol, ToS, ports, TCP flags, MPLS and the VXLAN id; the extended switch's VLAN (the
// incoming one, else the outgoing one) replaces the header's; the router's masks; the gateway's
// AS numbers (source, peer source, the path's first as peer_dst_as and last as dst_as; v2's
// path is skipped), the path itself as as_path, its communities as std_comm, its local
// preference, and its next hop as peer_dst_ip (v5 only); in_vlan is the header's VLAN (the
// switch record's incoming one when there is such a record) and out_vlan the switch record's
// outgoing one, as 1.7.7. Samples whose header carries no IP are not accounted.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "pmacct/base/byte_reader.hpp"
#include "pmacct/packet/dissector.hpp"
#include "pmacct/record/flow_record.hpp"
#include "pmacct/record/rate_source.hpp"

namespace pmacct::flow {

struct SflowOptions {
    bool renormalize = false;             // sfacctd_renormalize: counters times the sampling rate
    std::uint32_t ext_sampling_rate = 0;  // sfacctd_ext_sampling_rate: the rate to use instead
    // sampling_map: a rate by agent and interfaces that replaces the sample's (not owned).
    const SamplingRateSource* sampling_map = nullptr;
    // Tunnels opened in sampled headers (tunnel_0): VXLAN on its IANA port as 1.7.7, and GRE,
    // NVGRE and IP-in-IP, which 1.7.7 leaves closed.
    packet::Options dissect = packet::Options::accounting();
};

enum class SflowOutcome : std::uint8_t {
    kOk,
    kTooShort,       // shorter than a datagram header
    kBadVersion,     // not sFlow v2, v4 or v5
    kMalformed,      // a sample or record runs past the datagram (what came before stands)
};

std::string_view describe(SflowOutcome o);

struct SflowDecodeResult {
    SflowOutcome outcome = SflowOutcome::kOk;
    std::uint32_t version = 0;
    IpAddress agent;
    std::uint32_t sub_agent_id = 0;
    std::uint32_t sequence = 0;        // the datagram's
    std::uint32_t samples = 0;         // as the header states them
    std::uint32_t flow_samples = 0;    // decoded
    std::uint32_t counter_samples = 0;
    std::uint32_t records = 0;         // handed to the sink
    bool ok() const { return outcome == SflowOutcome::kOk || outcome == SflowOutcome::kMalformed; }
};

// An sFlow datagram's header (v2, v4, v5): version, agent, sub-agent (v5), sequence number and
// sample count, and its size in bytes (v5: 28 with an IPv4 agent, 40 with an IPv6 one).
struct SflowHeader {
    std::uint32_t version = 0;
    IpAddress agent;
    std::uint32_t sub_agent_id = 0;
    std::uint32_t sequence = 0;
    std::uint32_t samples = 0;
    std::size_t size = 0;
};
// Reads the header at the start of `datagram`: kOk, kTooShort or kBadVersion.
SflowOutcome read_sflow_header(std::span<const std::uint8_t> datagram, SflowHeader& h);

// A v5 counter sample (0:2, or expanded 0:4) as it came: handed to the counter sink of decode().
struct SflowCounterSample {
    IpAddress agent;
    std::uint32_t datagram_sequence = 0;
    std::uint32_t sequence = 0;       // the sample's
    std::uint32_t source_index = 0;   // the source id's index (the interface, for interface counters)
    std::uint32_t record_count = 0;
    std::span<const std::uint8_t> records;  // its counter records: type, length, data each
};

// pmacct's JSON log of counter samples (sfacctd_counter_file): one line per counter record of
// the kinds 1.7.7 logs (generic interface 0:1, Ethernet 0:2, VLAN 0:5), others skipped; `seq`
// numbers the lines (across agents, as 1.7.7) and is advanced. Appends to `out`; returns the
// lines added.
std::size_t append_counter_lines(const SflowCounterSample& s, Timestamp arrival, std::uint64_t& seq,
                                 std::string& out);
// The line that opens a counter log file (event_type log_init), for the agent that opened it.
void append_counter_log_init(const IpAddress& agent, Timestamp arrival, std::uint64_t& seq, std::string& out);

struct SflowCounters {
    std::uint64_t datagrams = 0;
    std::uint64_t flow_samples = 0;
    std::uint64_t counter_samples = 0;
    std::uint64_t other_samples = 0;     // unknown enterprise/format: skipped
    std::uint64_t unsupported_headers = 0;  // a sampled header of a protocol not dissected
    std::uint64_t not_ip = 0;               // a sampled header without IP: not accounted
    std::uint64_t malformed = 0;
};

class SflowDecoder {
public:
    SflowDecoder() = default;
    explicit SflowDecoder(const SflowOptions& options) : options_(options) {}

    // Decodes one datagram; `sink(const FlowRecord&)` gets every flow sample's record (valid
    // during the call only).
    template <typename Sink>
    SflowDecodeResult decode(std::span<const std::uint8_t> datagram, Timestamp arrival, Sink&& sink) {
        return decode_impl(datagram, arrival, RecordSink{erase(&sink), [](void* s, const FlowRecord& r) {
                                                            (*static_cast<std::remove_reference_t<Sink>*>(s))(r);
                                                        }},
                           CounterSink{});
    }
    // The same, `counters(const SflowCounterSample&)` getting every v5 counter sample.
    template <typename Sink, typename CountersSink>
    SflowDecodeResult decode(std::span<const std::uint8_t> datagram, Timestamp arrival, Sink&& sink,
                             CountersSink&& counters) {
        return decode_impl(datagram, arrival,
                           RecordSink{erase(&sink), [](void* s, const FlowRecord& r) {
                                          (*static_cast<std::remove_reference_t<Sink>*>(s))(r);
                                      }},
                           CounterSink{erase(&counters), [](void* s, const SflowCounterSample& c) {
                                           (*static_cast<std::remove_reference_t<CountersSink>*>(s))(c);
                                       }});
    }

    // Tee dissection (a tee plugin's pre_tag_map looks into samples, QUICKSTART XVa): every v5
    // flow sample (compact or expanded) of `datagram` to `sink(const FlowRecord&)` for tagging,
    // even one that accounts nothing (not IP, no header: its MACs, VLANs and interfaces still
    // tag it), with current_sample() its bytes as they came. Counter and other samples are
    // skipped; a flow sample whose records overrun it is counted as malformed and skipped, the
    // next one read from where its length says. v2/v4 datagrams have no sample lengths and are
    // not split (kBadVersion).
    template <typename Sink>
    SflowDecodeResult split(std::span<const std::uint8_t> datagram, Timestamp arrival, Sink&& sink) {
        splitting_ = true;
        const auto result =
            decode_impl(datagram, arrival, RecordSink{erase(&sink), [](void* s, const FlowRecord& r) {
                                                          (*static_cast<std::remove_reference_t<Sink>*>(s))(r);
                                                      }},
                        CounterSink{});
        splitting_ = false;
        return result;
    }
    // During split()'s sink: the flow sample's bytes (type, length and body).
    std::span<const std::uint8_t> current_sample() const { return current_sample_; }

    const SflowCounters& counters() const { return counters_; }

private:
    // A callable's address for the sinks (cast back to its own, possibly const, type).
    template <typename T>
    static void* erase(T* p) {
        return const_cast<void*>(static_cast<const void*>(p));
    }
    struct RecordSink {
        void* self;
        void (*call)(void*, const FlowRecord&);
    };
    struct CounterSink {
        void* self = nullptr;
        void (*call)(void*, const SflowCounterSample&) = nullptr;
    };
    // How a flow sample is laid out: v5 compact (0:1) or expanded (0:3), or v2/v4 (no lengths:
    // one packet data item, then extended data items).
    enum class Layout : std::uint8_t { kCompact, kExpanded, kV4 };
    // What a flow sample's items gave besides the record's own fields.
    struct Sample {
        std::uint32_t rate = 0;
        std::uint32_t input = 0;
        std::uint32_t output = 0;
        std::uint64_t frame_length = 0;
        bool have_header = false;   // a sampled header was dissected into info_
        bool have_ip_data = false;  // an IPv4/IPv6 data item filled the record's fields
        bool ethernet = false;      // the header was Ethernet
        bool have_switch = false;
        std::uint32_t vlan = 0;
        std::uint32_t priority = 0;
        std::uint32_t switch_in_vlan = 0;  // the extended switch record's
        std::uint32_t switch_out_vlan = 0;
    };
    SflowDecodeResult decode_impl(std::span<const std::uint8_t> datagram, Timestamp arrival, RecordSink sink,
                                  CounterSink counters);
    // A v5 counter sample's body to `counters`; false when it cannot be read.
    static bool counter_sample(ByteReader& r, bool expanded, const SflowDecodeResult& result, CounterSink counters);
    // One flow sample from `r` into record_, handed to `sink` when it accounts something; false
    // when it cannot be read to its end.
    bool flow_sample(ByteReader& r, Layout layout, Timestamp arrival, RecordSink sink, SflowDecodeResult& result);
    bool v4_records(ByteReader& r, Sample& s, std::uint32_t version);
    void raw_header(ByteReader& d, Sample& s, bool v5);
    void ip_data(ByteReader& d, Sample& s, bool v6);
    void extended_switch(ByteReader& d, Sample& s);
    bool extended_router(ByteReader& d);
    bool extended_gateway(ByteReader& d, std::uint32_t version);
    void finish(const Sample& s, Timestamp arrival, RecordSink sink, SflowDecodeResult& result);

    SflowOptions options_;
    SflowCounters counters_;
    std::string as_path_text_;     // the record's as_path / std_comm views point here
    std::string communities_text_;
    FlowRecord record_;
    packet::PacketInfo info_;
    bool splitting_ = false;  // split(): every v5 flow sample, skipping malformed ones
    std::span<const std::uint8_t> current_sample_;
};

}  // namespace pmacct::flow
