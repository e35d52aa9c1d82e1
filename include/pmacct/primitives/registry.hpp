// The aggregation primitives: the one table every part of pmacct-ng consults for names,
// descriptions, per-daemon support and the names a primitive takes in each output format.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/daemon.hpp"
#include "pmacct/base/result.hpp"

namespace pmacct::primitives {

// Sections of `-a`, in the order it prints them.
enum class Category : std::uint8_t { kL2, kL3, kL4, kBgp, kNat, kTunnel, kMpls, kMisc, kTime };

std::string_view category_title(Category c);

// What kind of value a primitive holds.
enum class ValueKind : std::uint8_t {
    kU8,
    kU16,
    kU32,
    kU64,
    kIp,          // IPv4 or IPv6 address (or prefix, with a mask primitive)
    kMac,
    kString,      // variable length (labels, names, AS paths, communities)
    kTimestamp,   // seconds + microseconds
    kRd,          // route distinguisher
    kCoordinates, // latitude + longitude
    kCountry,     // ISO country code
    kPostalCode,
    kNone,        // `none`: no key at all
};

enum PrimitiveFlag : std::uint8_t {
    kListed = 1U << 0,          // shown by `-a` (pmacct's primitives matrix)
    kVariableLength = 1U << 1,  // not representable in `formatted` output
    kSum = 1U << 2,             // sum_*: cannot be combined with any other primitive
    // A built-in pmacct 1.7.7 does not have: a custom primitive of the same name (as configurations
    // written for 1.7.7 define) takes its place.
    kNewerThan177 = 1U << 3,
};

struct PrimitiveSpec {
    std::string_view name;         // as written in `aggregate`
    Category category;
    std::string_view description;  // as printed by `-a`
    DaemonMask daemons;            // daemons able to fill it
    ValueKind kind;
    std::uint8_t flags;
    std::string_view json_key;     // key(s) in JSON/Avro/Kafka/AMQP; two space-separated for coordinates
    std::string_view header;       // CSV and formatted column(s); two for coordinates
    std::string_view sql_column;   // column(s) in SQL tables (schema-independent name)
};

// Every primitive `aggregate` accepts, in `-a` order within each category.
std::span<const PrimitiveSpec> all();
// The primitive `aggregate` means by `name`: a built-in, or an installed custom primitive (which
// replaces a kNewerThan177 built-in of the same name).
const PrimitiveSpec* find(std::string_view name);

// The fixed column order of CSV/formatted output and the key order of JSON output
// (primitive names; the counters follow).
std::span<const std::string_view> csv_order();
std::span<const std::string_view> json_order();

// Writes `-a` for a daemon in pmacct's layout: a header line, then per category a blank line,
// its title and one "%-32s : %-64s" line per primitive the daemon supports.
std::string list_for_daemon(Daemon d, std::string_view header);

// Parses and checks an `aggregate` value: known primitives (or `custom` names), supported by
// the daemon, sum_* alone, no repeats. Returns the names in the order given.
Result<std::vector<std::string>> parse_aggregate(std::string_view value, Daemon d,
                                                 std::span<const std::string> custom = {});

}  // namespace pmacct::primitives
