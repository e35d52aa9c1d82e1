// Turns aggregates (key bytes + counters) into pmacct's text output: `formatted` (fixed-width
// columns), `csv`, `event_formatted`, `event_csv` (no counters) and `json` (one object per
// line). Shared by the print plugin, the pmacct client and later the Kafka/AMQP plugins.
// Appends to a caller-owned string; no allocation beyond that string's growth.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/base/result.hpp"

namespace pmacct::output {

enum class Format : std::uint8_t { kFormatted, kCsv, kEventFormatted, kEventCsv, kJson };

// "formatted", "csv", "event_formatted", "event_csv", "json" (other print_output values are
// for other writers).
std::optional<Format> format_from_name(std::string_view name);

struct Options {
    bool num_protos = false;           // print_num_protos: protocol numbers instead of names
    std::string separator = ",";       // print_output_separator, already unescaped
    bool timestamps_secs = false;      // no microseconds
    bool timestamps_since_epoch = false;
    bool timestamps_utc = false;
    bool timestamps_rfc3339 = false;   // timestamps_rfc3339 / timestamps_rfc9557
    bool tcpflags_encode_as_array = false;
    bool tos_encode_as_dscp = false;
    bool fwd_status_encode_as_string = false;
};

// Per purge: the time-bin of the rows (history) and when they are written.
struct RowContext {
    bool history = false;            // *_history is set: JSON carries stamp_inserted/updated
    std::int64_t stamp_inserted = 0; // bin start (epoch seconds)
    std::int64_t stamp_updated = 0;  // purge time (epoch seconds)
};

class RowWriter {
public:
    RowWriter(const aggregate::KeyLayout& layout, Format format, Options options);

    Format format() const { return format_; }
    // The header line with its newline (formatted and csv flavours); nothing for JSON.
    void header(std::string& out) const;
    // One row with its newline.
    void row(const std::uint8_t* key, const aggregate::Counters& counters, const RowContext& ctx,
             std::string& out) const;

    // A timestamp as the options want it: "2023-04-04 16:44:24.000000", RFC 3339, or epoch.
    std::string format_timestamp(const Timestamp& t) const;

private:
    const aggregate::KeyLayout* layout_;
    Format format_;
    Options options_;
};

// Name of an IP protocol as pmacct prints it ("tcp", "udp", "icmp", ...); the number as text
// when it has no name.
std::string protocol_name(std::uint8_t proto);

}  // namespace pmacct::output
