#include "pmacct/config/values.hpp"

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <charconv>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"

namespace pmacct::config {
namespace {

// A softflowd duration: <number>[s|m|h|d|w] groups, the last unit optional (300, 5m, 1h30m).
// The seconds, or -1 when malformed or above INT32_MAX.
std::int64_t parse_softflowd_duration(std::string_view text) {
    if (text.empty()) return -1;
    const std::string lowered = to_lower(text);
    std::string_view v = lowered;
    std::int64_t total = 0;
    while (!v.empty()) {
        std::size_t digits = 0;
        while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9') ++digits;
        auto n = parse_decimal(v.substr(0, digits));
        if (!n || *n > 2147483647U) return -1;
        v.remove_prefix(digits);
        std::int64_t mult = 1;
        if (!v.empty()) {
            switch (v.front()) {
                case 's': mult = 1; break;
                case 'm': mult = 60; break;
                case 'h': mult = 3600; break;
                case 'd': mult = 86400; break;
                case 'w': mult = 604800; break;
                default: return -1;
            }
            v.remove_prefix(1);
        }
        total += static_cast<std::int64_t>(*n) * mult;
        if (total > 2147483647) return -1;
    }
    return total;
}


// Splits "123x" into 123 and "x"; the number part must be present.
bool split_number(std::string_view v, std::uint64_t& n, std::string_view& suffix) {
    std::size_t i = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
    if (i == 0) return false;
    auto [p, ec] = std::from_chars(v.data(), v.data() + i, n);
    if (ec != std::errc()) return false;
    suffix = v.substr(i);
    return true;
}

}  // namespace

Result<bool> parse_bool(std::string_view v) {
    if (iequals(v, "true")) return true;
    if (iequals(v, "false")) return false;
    return fail("expected true or false");
}

Result<std::uint64_t> parse_uint(std::string_view v, std::int64_t min, std::int64_t max) {
    auto n = parse_u64(v);
    if (!n) return fail("expected a non-negative whole number");
    const bool unbounded = max == std::numeric_limits<std::int64_t>::max();
    if (*n < static_cast<std::uint64_t>(std::max<std::int64_t>(min, 0)) ||
        (!unbounded && *n > static_cast<std::uint64_t>(max))) {
        if (unbounded) return fail(fmt::format("must be at least {}", min));
        return fail(fmt::format("must be between {} and {}", min, max));
    }
    return *n;
}

Result<std::int64_t> parse_int(std::string_view v, std::int64_t min, std::int64_t max) {
    auto n = parse_i64(v);
    if (!n) return fail("expected a whole number");
    if (*n < min || *n > max) {
        if (max == std::numeric_limits<std::int64_t>::max()) {
            return fail(fmt::format("must be at least {}", min));
        }
        return fail(fmt::format("must be between {} and {}", min, max));
    }
    return *n;
}

Result<std::int64_t> parse_seconds(std::string_view v) {
    std::uint64_t n = 0;
    std::string_view suffix;
    if (!split_number(v, n, suffix)) return fail("expected a duration such as 30, 90s, 5m, 1h or 1d");
    std::uint64_t mult = 1;
    if (suffix.empty() || suffix == "s") {
        mult = 1;
    } else if (suffix == "m") {
        mult = 60;
    } else if (suffix == "h") {
        mult = 3600;
    } else if (suffix == "d") {
        mult = 86400;
    } else if (suffix == "w") {
        mult = 604800;
    } else {
        return fail("expected a duration such as 30, 90s, 5m, 1h or 1d");
    }
    if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max()) / mult) {
        return fail("duration is too long");
    }
    return static_cast<std::int64_t>(n * mult);
}

std::int64_t History::seconds() const {
    switch (unit) {
        case Unit::kSeconds: return count;
        case Unit::kMinutes: return std::int64_t{count} * 60;
        case Unit::kHours: return std::int64_t{count} * 3600;
        case Unit::kDays: return std::int64_t{count} * 86400;
        case Unit::kWeeks: return std::int64_t{count} * 604800;
        case Unit::kMonths: return 0;
    }
    return 0;
}

Result<History> parse_history(std::string_view v) {
    std::uint64_t n = 0;
    std::string_view suffix;
    if (!split_number(v, n, suffix) || suffix.size() > 1) {
        return fail("expected N followed by s, m, h, d, w or M (e.g. 5m, 1h)");
    }
    if (n == 0) return fail("must be greater than 0");
    if (n > std::numeric_limits<std::uint32_t>::max()) return fail("is too large");
    History h;
    h.count = static_cast<std::uint32_t>(n);
    char u = suffix.empty() ? 's' : suffix.front();
    switch (u) {
        case 's':
            if (n % 60 == 0) {
                h.unit = History::Unit::kMinutes;
                h.count = static_cast<std::uint32_t>(n / 60);
            } else if (n >= 60) {
                return fail("a value in seconds of 60 or more must be a multiple of 60");
            } else {
                h.unit = History::Unit::kSeconds;
            }
            break;
        case 'm': h.unit = History::Unit::kMinutes; break;
        case 'h': h.unit = History::Unit::kHours; break;
        case 'd': h.unit = History::Unit::kDays; break;
        case 'w': h.unit = History::Unit::kWeeks; break;
        case 'M': h.unit = History::Unit::kMonths; break;
        default: return fail("expected N followed by s, m, h, d, w or M (e.g. 5m, 1h)");
    }
    return h;
}

Result<std::string> parse_roundoff(std::string_view v) {
    std::string seen;
    for (char c : v) {
        if (std::string_view("mhdwM").find(c) == std::string_view::npos) {
            return fail(fmt::format("'{}' is not one of the letters m, h, d, w, M", c));
        }
        if (seen.find(c) != std::string::npos) return fail(fmt::format("'{}' is given twice", c));
        seen += c;
    }
    if (seen.empty()) return fail("expected letters among m, h, d, w, M");
    return seen;
}

Result<mode_t> parse_octal(std::string_view v) {
    unsigned n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n, 8);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
        return fail("expected an octal number such as 077");
    }
    return static_cast<mode_t>(n);
}


Result<ProbeTimeouts> parse_probe_timeouts(std::string_view v) {
    ProbeTimeouts t;
    struct Name {
        std::string_view name;
        std::int64_t ProbeTimeouts::*field;
    };
    static constexpr Name kNames[] = {
        {"tcp", &ProbeTimeouts::tcp},         {"tcp.rst", &ProbeTimeouts::tcp_rst},
        {"tcp.fin", &ProbeTimeouts::tcp_fin}, {"udp", &ProbeTimeouts::udp},
        {"icmp", &ProbeTimeouts::icmp},       {"general", &ProbeTimeouts::general},
        {"maxlife", &ProbeTimeouts::maxlife}, {"expint", &ProbeTimeouts::expint},
    };
    bool any = false;
    while (!v.empty()) {
        const auto colon = v.find(':');
        const std::string_view item = v.substr(0, colon);
        v = colon == std::string_view::npos ? std::string_view{} : v.substr(colon + 1);
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) return fail("expected name=seconds pairs separated by ':'");
        const std::string_view name = item.substr(0, eq);
        const Name* known = nullptr;
        for (const Name& n : kNames) {
            if (n.name == name) known = &n;
        }
        if (known == nullptr) {
            return fail("unknown timeout '" + std::string(name) +
                        "' (tcp, tcp.rst, tcp.fin, udp, icmp, general, maxlife, expint)");
        }
        const std::int64_t secs = parse_softflowd_duration(item.substr(eq + 1));
        if (secs < 0) return fail("'" + std::string(item) + "' needs a time such as 300, 5m or 1h30m");
        t.*(known->field) = secs;
        any = true;
    }
    if (!any) return fail("expected name=seconds pairs separated by ':'");
    return t;
}

Result<void> check_ip_address(std::string_view v) {
    std::string s(v);
    unsigned char buf[16];
    if (::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1) {
        return ok();
    }
    return fail("expected an IPv4 or IPv6 address");
}

Result<TunnelSpec> parse_tunnel(std::string_view value) {
    const auto v = trim(value);
    const auto sep = v.find_first_of(", \t");
    if (sep == std::string_view::npos) return fail("expected <protocol>, <udp port>");
    const auto proto = v.substr(0, sep);
    if (proto != "gtp" && proto != "vxlan") return fail("unknown tunnel protocol (expected gtp or vxlan)");
    auto rest = trim(v.substr(sep));
    if (!rest.empty() && rest.front() == ',') rest = trim(rest.substr(1));
    // A decimal port of at most five characters (so "080" passes but "000080" does not).
    const auto port = rest.size() <= 5 ? parse_decimal(rest) : std::nullopt;
    if (!port || *port < 1 || *port > 65535) return fail("expected a udp port (1-65535) after the tunnel protocol");
    return TunnelSpec{proto == "vxlan", static_cast<std::uint16_t>(*port)};
}

Result<HostPort> parse_host_port(std::string_view v) {
    HostPort hp;
    std::string_view port_text;
    if (!v.empty() && v.front() == '[') {
        auto close = v.find(']');
        if (close == std::string_view::npos) return fail("missing ']' after the IPv6 address");
        hp.host = std::string(v.substr(1, close - 1));
        if (auto r = check_ip_address(hp.host); !r) return fail("'" + hp.host + "' is not an IPv6 address");
        std::string_view rest = v.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return fail("expected ':' and a port after ']'");
            port_text = rest.substr(1);
            if (port_text.empty()) return fail("missing port after ':'");
        }
    } else if (check_ip_address(v)) {
        hp.host = std::string(v);  // a bare address, IPv6 ones included
    } else {
        auto colon = v.rfind(':');
        if (colon != std::string_view::npos && v.find(':') != colon) {
            return fail("write IPv6 addresses with a port as [address]:port");
        }
        hp.host = std::string(v.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = v.substr(colon + 1);
            if (port_text.empty()) return fail("missing port after ':'");
        }
    }
    if (hp.host.empty()) return fail("missing host");
    if (!port_text.empty()) {
        auto port = parse_u64(port_text);
        if (!port || *port > 65535) return fail(fmt::format("'{}' is not a port number", port_text));
        hp.port = static_cast<std::uint16_t>(*port);
    }
    return hp;
}

Result<void> check_filter(std::string_view v) {
    pcap_t* p = ::pcap_open_dead(DLT_EN10MB, 65535);
    if (p == nullptr) return fail("libpcap cannot compile filters here");
    struct bpf_program prog {};
    std::string expr(v);
    Result<void> r;
    if (::pcap_compile(p, &prog, expr.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        r = fail(fmt::format("invalid filter: {}", ::pcap_geterr(p)));
    } else {
        ::pcap_freecode(&prog);
    }
    ::pcap_close(p);
    return r;
}

}  // namespace pmacct::config
