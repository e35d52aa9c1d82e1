// Parsers for the value syntaxes of configuration keys. Each returns the parsed value or the
// reason the text is not one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "pmacct/base/result.hpp"

namespace pmacct::config {

Result<bool> parse_bool(std::string_view v);
Result<std::uint64_t> parse_uint(std::string_view v, std::int64_t min, std::int64_t max);
Result<std::int64_t> parse_int(std::string_view v, std::int64_t min, std::int64_t max);
// N (seconds) or N followed by s, m, h, d or w.
Result<std::int64_t> parse_seconds(std::string_view v);

// A time-bin length: N[s|m|h|d|w|M]. A bare number is seconds; a number of seconds that is a
// multiple of 60 becomes minutes; other values of 60 s or more are refused (pmacct's rules).
struct History {
    enum class Unit : std::uint8_t { kSeconds, kMinutes, kHours, kDays, kWeeks, kMonths };
    std::uint32_t count = 0;
    Unit unit = Unit::kMinutes;
    // Length in seconds; months count as 0 (they are calendar months).
    std::int64_t seconds() const;
};
Result<History> parse_history(std::string_view v);

// A roundoff: letters among m h d w M, each at most once.
Result<std::string> parse_roundoff(std::string_view v);
Result<mode_t> parse_octal(std::string_view v);

struct HostPort {
    std::string host;
    std::uint16_t port = 0;  // 0 when not given
};
// host, host:port, [v6]:port, or a bare IPv6 address.
Result<HostPort> parse_host_port(std::string_view v);
// nfprobe_timeouts, in seconds (softflowd's names and defaults).
struct ProbeTimeouts {
    std::int64_t tcp = 3600;
    std::int64_t tcp_rst = 120;  // once an RST was seen
    std::int64_t tcp_fin = 300;  // once a FIN was seen
    std::int64_t udp = 300;
    std::int64_t icmp = 300;
    std::int64_t general = 3600;
    std::int64_t maxlife = 604800;
    std::int64_t expint = 60;  // how often expiry runs
};
// name=time pairs separated by ':' (a time: <number>[s|m|h|d|w] groups, 300, 5m or 1h30m);
// names not given keep their defaults.
Result<ProbeTimeouts> parse_probe_timeouts(std::string_view v);
Result<void> check_ip_address(std::string_view v);
// tunnel_0: "<protocol>, <UDP port>" (the comma or blanks between), protocol gtp or vxlan.
struct TunnelSpec {
    bool vxlan = false;  // else gtp
    std::uint16_t port = 0;
};
Result<TunnelSpec> parse_tunnel(std::string_view v);
// Compiles a tcpdump-syntax filter with libpcap to see that it is valid.
Result<void> check_filter(std::string_view v);

}  // namespace pmacct::config
