// NetFlow v5 decoder: one export datagram in, up to 30 FlowRecords out, mapped as nfacctd 1.7.7
// maps them (checked field by field against Debian's nfacctd; see docs in the functions below).
//
//   flow::NetflowV5Decoder decoder(options);
//   auto result = decoder.decode(payload, exporter, arrival,
//                                [&](const FlowRecord& r) { ... });
//
// The sink is called once per record with a FlowRecord that lives on the decoder's stack (copy
// what you keep). Nothing is allocated. A malformed datagram yields no record at all and an
// outcome other than kOk; the caller counts it (ExporterStats::count_discarded) and logs
// describe(outcome) rate-limited.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "pmacct/record/flow_record.hpp"
#include "pmacct/record/rate_source.hpp"

namespace pmacct::flow {

inline constexpr std::size_t kNetflowV5HeaderSize = 24;
inline constexpr std::size_t kNetflowV5RecordSize = 48;
inline constexpr std::uint16_t kNetflowV5MaxRecords = 30;  // pmacct's V5_MAXFLOWS

enum class V5Outcome : std::uint8_t {
    kOk,              // decoded (a count of 0 is valid and gives no record)
    kShortHeader,     // fewer than 24 bytes
    kWrongVersion,    // the version field is not 5
    kTooManyRecords,  // count > 30
    kLengthMismatch,  // length != 24 + 48 * count (short or trailing bytes)
};

// pmacct's words for a discarded datagram: "discarding short NetFlow v5 packet",
// "discarding malformed NetFlow v5 packet", "discarding unknown packet"; "ok" for kOk.
std::string_view describe(V5Outcome outcome);
// nfacctd's whole INFO line for a discarded datagram, without the log prefix:
// "discarding short NetFlow v5 packet: nfacctd=0.0.0.0:2100 agent=192.0.2.1:40000".
std::string discard_message(V5Outcome outcome, std::string_view collector, std::uint16_t port,
                            const IpAddress& agent, std::uint16_t agent_port);

// The configuration that changes what the decoder produces (nfacctd key names).
//
// time_start / time_end are, by default, exactly nfacctd's timestamp_start / timestamp_end
// primitives (v5_primitive_time), and time_bin the time nfacctd bins by (v5_bin_time: one second
// earlier when sysUptime - First is not a multiple of 1000, and not wrapping when First >
// sysUptime). nfacctd_time_new sets only time_bin, to the arrival time, as in 1.7.7.
// nfacctd_time_secs changes time_start / time_end here too, whereas 1.7.7 changes only its bin
// and stitching time and keeps the millisecond formula for the printed values.
struct NetflowV5Options {
    // nfacctd_time_secs: sysUptime, First and Last are in seconds (v5_secs_time).
    bool time_secs = false;
    // nfacctd_time_new: flows are binned by their arrival time (time_start/end unchanged).
    bool time_new = false;
    // nfacctd_renormalize: bytes and packets multiplied by the sampling rate when it is > 0;
    // sampling_rate then reads 1, as in pmacct.
    bool renormalize = false;
    // nfacctd_ext_sampling_rate: what renormalisation multiplies by instead of the exporter's
    // rate (1.7.7: the sampling_rate primitive still shows the exporter's, or 1 once renormalised).
    std::uint32_t ext_sampling_rate = 0;
    // use_ip_next_hop: bgp_next_hop (peer_dst_ip) takes the record's IP next hop.
    // Note: nfacctd 1.7.7 leaves peer_dst_ip empty for v5 even with this key set.
    bool use_ip_next_hop = false;
    // sampling_map: a rate by exporter and interfaces, winning over the header's.
    const SamplingRateSource* sampling_map = nullptr;
};

struct NetflowV5Header {
    std::uint16_t version = 0;
    std::uint16_t count = 0;
    std::uint32_t sys_uptime = 0;  // milliseconds (seconds with nfacctd_time_secs)
    std::uint32_t unix_secs = 0;
    std::uint32_t unix_nsecs = 0;
    std::uint32_t flow_sequence = 0;
    std::uint8_t engine_type = 0;
    std::uint8_t engine_id = 0;
    std::uint16_t sampling_interval = 0;  // mode in the top 2 bits, rate in the low 14

    std::uint8_t sampling_mode() const {
        return static_cast<std::uint8_t>(sampling_interval >> 14);
    }
    std::uint16_t sampling_rate() const {
        return static_cast<std::uint16_t>(sampling_interval & 0x3FFF);
    }
    // The id nfacctd keys its per-exporter statistics with and prints as "agent=<ip>:<id>":
    // the two engine bytes read in x86 host order, i.e. engine_id << 8 | engine_type.
    std::uint32_t source_id() const { return (std::uint32_t{engine_id} << 8) | engine_type; }
};

// Parses and validates the header against the datagram length. `header` is filled whenever
// at least 24 bytes are there, even if the outcome is not kOk.
V5Outcome parse_netflow_v5_header(std::span<const std::uint8_t> datagram, NetflowV5Header& header);

// Times as nfacctd 1.7.7 computes them from a sysUptime-relative First/Last `t`.
//
// The timestamp_start / timestamp_end primitives: 32-bit unsigned arithmetic, whole seconds,
// unix_nsecs ignored: unix_secs - (sys_uptime - t) / 1000. A First later than sysUptime wraps
// (about 49.7 days in the past), exactly as nfacctd prints it.
inline Timestamp v5_primitive_time(std::uint32_t unix_secs, std::uint32_t sys_uptime, std::uint32_t t) {
    const std::uint32_t secs = unix_secs - (sys_uptime - t) / 1000U;
    return Timestamp{static_cast<std::int64_t>(secs), 0};
}
// The time nfacctd bins and stitches by (pdata->time_start; timestamp_min with stitching):
// signed 64-bit milliseconds, truncated to seconds: (unix_secs * 1000 + t - sys_uptime) / 1000.
// It differs from the primitive by one second when (sys_uptime - t) is not a multiple of 1000,
// and does not wrap when First is later than sysUptime.
inline Timestamp v5_bin_time(std::uint32_t unix_secs, std::uint32_t sys_uptime, std::uint32_t t) {
    const std::int64_t msecs = std::int64_t{unix_secs} * 1000 + std::int64_t{t} - std::int64_t{sys_uptime};
    return Timestamp{msecs / 1000, 0};  // truncation, as a double-to-time_t conversion does
}
// nfacctd_time_secs: unix_secs - (sys_uptime - t), 32-bit unsigned arithmetic.
Timestamp v5_secs_time(std::uint32_t unix_secs, std::uint32_t sys_uptime, std::uint32_t t);

struct V5DecodeResult {
    V5Outcome outcome = V5Outcome::kOk;
    NetflowV5Header header;     // valid when the datagram had >= 24 bytes
    std::uint16_t records = 0;  // records passed to the sink
    bool ok() const { return outcome == V5Outcome::kOk; }
};

// Counters of everything the decoder has seen, for statistics and tests.
struct NetflowV5Counters {
    std::uint64_t datagrams = 0;  // decoded successfully
    std::uint64_t records = 0;
    std::uint64_t short_header = 0;
    std::uint64_t wrong_version = 0;
    std::uint64_t too_many_records = 0;
    std::uint64_t length_mismatch = 0;
};

class NetflowV5Decoder {
public:
    NetflowV5Decoder() = default;
    explicit NetflowV5Decoder(const NetflowV5Options& options) : options_(options) {}

    const NetflowV5Options& options() const { return options_; }
    const NetflowV5Counters& counters() const { return counters_; }

    // Decodes `datagram`, received from `exporter` at `arrival`, calling sink(const FlowRecord&)
    // for each record. Reads nothing outside the span.
    template <typename Sink>
    V5DecodeResult decode(std::span<const std::uint8_t> datagram, const IpAddress& exporter,
                          Timestamp arrival, Sink&& sink) {
        return decode(datagram, exporter, arrival, sink, [](const NetflowV5Header&, const std::uint8_t*) { return false; });
    }
    // The same, offering the datagram's records (header.count records of 48 bytes from
    // `records`) to direct(header, records) first: when it returns true it has taken them all,
    // and no FlowRecord is made (see collector::DirectRecords::write_v5).
    template <typename Sink, typename Direct>
    V5DecodeResult decode(std::span<const std::uint8_t> datagram, const IpAddress& exporter,
                          Timestamp arrival, Sink&& sink, Direct&& direct) {
        V5DecodeResult result;
        result.outcome = parse_netflow_v5_header(datagram, result.header);
        if (!count_outcome(result.outcome)) return result;
        const std::uint8_t* const records = datagram.data() + kNetflowV5HeaderSize;
        if (result.header.count == 0 || !direct(static_cast<const NetflowV5Header&>(result.header), records)) {
            FlowRecord record;
            prepare_datagram(result.header, exporter, arrival, record);
            for (std::uint16_t i = 0; i < result.header.count; ++i) {
                fill_flow(result.header, records + std::size_t{i} * kNetflowV5RecordSize, record);
                sink(static_cast<const FlowRecord&>(record));
            }
        }
        result.records = result.header.count;
        counters_.records += result.records;
        return result;
    }

    // Maps one 48-byte record (the header already validated) into `out`, overwriting every
    // field. Public for tests and benchmarks.
    void fill_record(const NetflowV5Header& header, std::span<const std::uint8_t> record,
                     const IpAddress& exporter, Timestamp arrival, FlowRecord& out) const;

private:
    // decode() in two steps: the fields every record of a datagram shares, set once on a zeroed
    // record; then each record's own fields from its 48 bytes (`p`), over the previous ones.
    void prepare_datagram(const NetflowV5Header& header, const IpAddress& exporter, Timestamp arrival,
                          FlowRecord& out) const;
    void fill_flow(const NetflowV5Header& header, const std::uint8_t* p, FlowRecord& out) const;

    // Counts the outcome; true when it is kOk.
    bool count_outcome(V5Outcome outcome);

    NetflowV5Options options_;
    NetflowV5Counters counters_;
};

}  // namespace pmacct::flow
