// The typed description of one configuration setting. The key registry is a set of constant
// tables of KeySpec (src/config/keys_*.cpp); everything else — the parser, validation,
// CONFIG-KEYS and its test — reads those tables.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "pmacct/base/daemon.hpp"
#include "pmacct/base/features.hpp"
#include "pmacct/base/result.hpp"

namespace pmacct::config {

// How a value is written in a config file and how it is checked.
enum class ValueType : std::uint8_t {
    kBool,        // true / false (any case)
    kUInt,        // unsigned decimal integer, within [min, max]
    kInt,         // signed decimal integer, within [min, max]
    kSeconds,     // a duration: N (seconds) or N followed by s, m, h, d or w; result in seconds
    kHistory,     // a time-bin length: N[s|m|h|d|w|M] with pmacct's rules (see time_value.hpp)
    kRoundoff,    // a subset of the letters m h d w M, each at most once
    kString,      // free text (non-empty)
    kPath,        // a file or directory path (non-empty); may carry strftime and $ variables
    kEnum,        // exactly one of `choices`
    kEnumList,    // a comma-separated list of `choices`
    kPrimitives,  // a comma-separated list of aggregation primitives (the `aggregate` key)
    kPlugins,     // the `plugins` declaration: type[name], ...
    kIpAddress,   // an IPv4 or IPv6 address
    kHostPort,    // host:port, [v6]:port or a bare host (port optional)
    kOctal,       // an octal number such as 077
    kUser,        // a user name or a numeric uid
    kGroup,       // a group name or a numeric gid
    kFacility,    // a syslog facility: auth mail daemon kern user local0..local7
    kFilter,      // a libpcap (tcpdump syntax) filter expression
};

// Flags of a KeySpec.
enum KeyFlag : std::uint16_t {
    kGlobal = 1U << 0,       // one value for the whole daemon: a [name] scope is ignored with a warning
    kNoGlobal = 1U << 1,     // only meaningful per plugin: an unscoped line is ignored with a warning
    kMap = 1U << 2,          // the value names a map file
    kImplemented = 1U << 3,  // pmacct-ng acts on this key in this version
};

// Per-key custom check, run after the type check. Returns an error message on failure.
using KeyCheck = Result<void> (*)(std::string_view value);

struct KeySpec {
    // Canonical name first, then its aliases, separated by single spaces. Aliases set the very
    // same setting, exactly as in pmacct (e.g. print_refresh_time and kafka_refresh_time).
    std::string_view names;
    ValueType type;
    // Daemons that use the setting. Using it elsewhere is accepted with a warning.
    DaemonMask daemons;
    std::uint16_t flags = 0;
    // Default in config syntax; empty when the setting is unset by default.
    std::string_view def = {};
    // kEnum / kEnumList: the accepted words, separated by single spaces.
    std::string_view choices = {};
    // Inclusive bounds for kUInt, kInt and kSeconds.
    std::int64_t min = 0;
    std::int64_t max = std::numeric_limits<std::int64_t>::max();
    // One line, our own words: what the setting does.
    std::string_view doc = {};
    // When the default cannot be written as a config value (it depends on the daemon or the
    // plugin type, or on the operating system), how it is described in CONFIG-KEYS.
    std::string_view default_doc = {};
    // The optional library the setting needs, if any.
    Feature feature = Feature::kNone;
    KeyCheck check = nullptr;
};

}  // namespace pmacct::config
