// Turns aggregates (key bytes + counters) into pmacct's text output: `formatted` (fixed-width
// columns), `csv`, `event_formatted`, `event_csv` (no counters) and `json` (one object per
// line). Shared by the print plugin, the pmacct client and later the Kafka/AMQP plugins.
// Appends to a caller-owned string; no allocation beyond that string's growth.
// docs/OUTPUT-FORMATS.md describes every column (widths, empty values, JSON types) and where we
// differ on purpose from pmacct 1.7.7.
//
// Key bytes the writer expects where KeyLayout leaves the encoding open:
//   mpls_vpn_rd         [origin 0..4: unknown bgp bmp flow map][RD type][6 bytes as on the wire]
//   sampling_direction  the character pmacct stores ('u', 'i', 'e'), 0 when unset
//   src/dst_roa         0..4 for u, i, v, V, U
//   *_coords            two doubles, latitude then longitude
//   country, pocode     NUL-terminated strings
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/base/result.hpp"

namespace pmacct::output {

enum class Format : std::uint8_t { kFormatted, kCsv, kEventFormatted, kEventCsv, kJson };

// "formatted", "csv", "event_formatted", "event_csv", "json" (other print_output values are
// for other writers).
std::optional<Format> format_from_name(std::string_view name);

struct Options {
    bool num_protos = false;       // print_num_protos: protocol numbers instead of names
    std::string separator = ",";   // print_output_separator, already unescaped
    bool timestamps_secs = false;  // timestamps_secs: microseconds print as .000000
    bool timestamps_since_epoch = false;
    bool timestamps_utc = false;
    bool timestamps_rfc3339 = false;  // timestamps_rfc3339 / timestamps_rfc9557
    bool tcpflags_encode_as_array = false;
    bool tos_encode_as_dscp = false;
    bool fwd_status_encode_as_string = false;
    bool stitching = false;  // *_stitching: timestamp_min / timestamp_max from the counters
    // pre_tag_label_encode_as_map: a label of "key%value" pairs joined by ',' is a JSON object.
    bool label_encode_as_map = false;
};

// Per purge: the time-bin of the rows (history) and when they are written.
struct RowContext {
    bool history = false;             // *_history is set: JSON carries stamp_inserted/updated
    std::int64_t stamp_inserted = 0;  // bin start (epoch seconds)
    std::int64_t stamp_updated = 0;   // purge time (epoch seconds)
};

// `formatted` and `event_formatted` cannot hold variable-length primitives (label, as_path,
// communities, ...): pmacct's print plugin refuses to start with them. The error text is
// pmacct's.
Result<void> check_layout(const aggregate::KeyLayout& layout, Format format);

namespace detail {

// How a column's value is rendered.
enum class Render : std::uint8_t {
    kUint,
    kHex,
    kIp,
    kMac,
    kProto,
    kTcpFlags,        // OR of the aggregated flows' TCP flags (from the counters, not the key)
    kTunnelTcpFlags,  // the same of what their tunnels carry
    kTos,
    kTimestamp,
    kRoa,
    kSamplingDirection,
    kRd,
    kString,
    kClass,
    kLatitude,
    kLongitude,
    kFwdStatus,
    kFlows,
    kCustom,  // an aggregate_primitives entry, by its semantics
    kStitchMin,  // stitching: the earliest start among the aggregated flows (from the counters)
    kStitchMax,  // stitching: the latest end
    kLabel,      // pre_tag_map's label: a string, or a JSON object of its key%value pairs
};

// One output column of a RowWriter, computed once at construction: where its value is in the
// key, how it is rendered, its formatted width and its names.
struct Column {
    aggregate::KeyField field;      // no spec for the stitching columns
    std::string_view name;          // primitive name, or timestamp_min / timestamp_max
    Render render = Render::kUint;
    bool json_string = false;       // the JSON value is quoted
    std::uint8_t header_width = 0;  // formatted: the header is left-aligned in this many
    std::uint8_t width = 0;         // formatted: the value is left-aligned in this many
    std::uint8_t pad = 0;           // formatted: then this many spaces
    std::string_view header;        // CSV / formatted header
    std::string_view json_key;
};

}  // namespace detail

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
    // Appends the same to `out`.
    void append_timestamp(const Timestamp& t, std::string& out) const;

private:
    // Date and time as the timestamps_* options want; `with_usec` adds ".uuuuuu".
    void append_time(std::int64_t sec, bool with_usec, std::uint32_t usec, std::string& out) const;
    void append_value(const detail::Column& c, const std::uint8_t* key,
                      const aggregate::Counters& counters, std::string& out) const;
    void append_custom(const aggregate::KeyField& f, const std::uint8_t* key, std::string& out) const;
    void append_json_value(const detail::Column& c, const std::uint8_t* key,
                           const aggregate::Counters& counters, std::string& out) const;
    void row_json(const std::uint8_t* key, const aggregate::Counters& counters,
                  const RowContext& ctx, std::string& out) const;

    Format format_;
    Options options_;
    std::vector<detail::Column> columns_;       // CSV / formatted order
    std::vector<detail::Column> json_columns_;  // JSON order (with `flows`)
    std::size_t json_stamps_at_ = 0;            // index in json_columns_ where stamp_* go
    bool flows_ = false;                        // `flows` is aggregated: a FLOWS counter column
};

// Name of an IP protocol as pmacct prints it ("tcp", "udp", "icmp", ...); the number as text
// when it has no name.
std::string protocol_name(std::uint8_t proto);
// The name from pmacct's protocol table, or "" when the number has none.
std::string_view protocol_table_name(std::uint8_t proto);
// The number of a protocol name of that table ("tcp" -> 6), or a decimal number.
std::optional<std::uint8_t> protocol_number(std::string_view name);

}  // namespace pmacct::output
