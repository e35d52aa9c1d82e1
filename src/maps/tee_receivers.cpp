#include "pmacct/maps/tee_receivers.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"
#include "pmacct/config/values.hpp"
#include "pmacct/maps/match.hpp"

namespace pmacct::maps {
namespace {

struct AddrInfoDeleter {
    void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};

// The address of a host name (the first the resolver gives), or why there is none.
std::string resolve(const std::string& host, IpAddress& out) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
    if (rc != 0) return fmt::format("cannot resolve '{}': {}", host, ::gai_strerror(rc));
    std::unique_ptr<addrinfo, AddrInfoDeleter> owner(found);
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        if (a->ai_family == AF_INET) {
            sockaddr_in sa{};
            std::memcpy(&sa, a->ai_addr, sizeof sa);
            out.set_v4(reinterpret_cast<const std::uint8_t*>(&sa.sin_addr));
            return {};
        }
        if (a->ai_family == AF_INET6) {
            sockaddr_in6 sa{};
            std::memcpy(&sa, a->ai_addr, sizeof sa);
            out = IpAddress::v6_bytes(sa.sin6_addr.s6_addr).unmapped();
            return {};
        }
    }
    return fmt::format("'{}' has no IPv4 or IPv6 address", host);
}

// One receiver, host:port or [IPv6]:port.
std::string parse_receiver(std::string_view text, TeeReceiver& out) {
    auto hp = config::parse_host_port(text);
    if (!hp) return fmt::format("receiver '{}': {}", text, hp.error());
    if (hp->port == 0) {
        // "::1:3001" is an IPv6 address: 1.7.7 reads it as [::1]:3001, which is a guess.
        const bool bare_v6 = text.front() != '[' && hp->host.find(':') != std::string::npos;
        return fmt::format(
            "receiver '{}': a port is required{}", text,
            bare_v6 ? ": write IPv6 receivers as [address]:port" : " (host:port, [IPv6]:port)");
    }
    out.text = std::string(text);
    out.port = hp->port;
    if (IpAddress::parse(hp->host, out.address)) return {};
    if (std::string why = resolve(hp->host, out.address); !why.empty()) {
        return fmt::format("receiver '{}': {}", text, why);
    }
    return {};
}

std::string parse_receivers(std::string_view list, TeePool& pool) {
    pool.receivers.clear();
    for (std::string_view item : split(list, ',')) {
        if (item.empty()) continue;  // "a,,b": 1.7.7 skips the empty item too
        TeeReceiver r;
        if (std::string why = parse_receiver(item, r); !why.empty()) return why;
        pool.receivers.push_back(std::move(r));
    }
    return {};
}

bool parse_balance(std::string_view v, TeeBalance& out) {
    constexpr TeeBalance kAll[] = {TeeBalance::kRoundRobin, TeeBalance::kHashTag,
                                   TeeBalance::kHashAgent, TeeBalance::kHashCrc32};
    for (TeeBalance b : kAll) {
        if (v == tee_balance_name(b)) {
            out = b;
            return true;
        }
    }
    return false;
}

// A rule being read: the pool, and which of the required keys it had.
struct Rule {
    int line = 0;
    TeePool pool;
    bool has_id = false;
    bool has_ip = false;
    bool has_kafka = false;
    bool has_zmq = false;
};

std::string add_token(Rule& rule, const MapToken& t) {
    if (t.key == "id") {
        auto n = map_number(t.value, std::numeric_limits<std::uint64_t>::max());
        if (!n || *n == 0) return fmt::format("id: '{}' is not a pool id (1 or more)", t.value);
        rule.pool.id = *n;
        rule.has_id = true;
        return {};
    }
    if (t.key == "ip") {
        rule.has_ip = true;
        if (std::string why = parse_receivers(t.value, rule.pool); !why.empty())
            return "ip: " + why;
        if (rule.pool.receivers.empty()) return "ip: no receiver given";
        return {};
    }
    if (t.key == "tag") {
        if (t.value.empty()) return "tag: empty list";
        auto f = TagFilter::parse(t.value);
        if (!f) return "tag: " + f.error();
        rule.pool.tags = std::move(*f);
        return {};
    }
    if (t.key == "balance-alg") {
        if (!parse_balance(t.value, rule.pool.balance)) {
            return fmt::format("balance-alg: '{}' is not rr, hash-tag, hash-agent or hash-crc32",
                               t.value);
        }
        return {};
    }
    if (t.key == "src_port") {
        auto n = map_number(t.value, 65535);
        if (!n || *n == 0) return fmt::format("src_port: '{}' is not a port (1 to 65535)", t.value);
        rule.pool.src_port = static_cast<std::uint16_t>(*n);
        return {};
    }
    if (t.key == "kafka_broker" || t.key == "kafka_topic") {
        if (t.value.empty()) return fmt::format("{}: empty", t.key);
        if (t.key == "kafka_topic") {
            rule.pool.kafka_topic = std::string(t.value);
            return {};
        }
        rule.has_kafka = true;
        rule.pool.kafka_broker = std::string(t.value);
        return {};
    }
    if (t.key == "zmq_address") {
        // host:port is TCP; of the transports with a scheme, only tcp and inproc (1.7.7).
        const auto scheme = t.value.find("://");
        if (scheme == std::string_view::npos) {
            rule.pool.zmq_address = fmt::format("tcp://{}", t.value);
        } else if (t.value.substr(0, scheme) == "tcp" || t.value.substr(0, scheme) == "inproc") {
            rule.pool.zmq_address = std::string(t.value);
        } else {
            return fmt::format("zmq_address: '{}': only tcp:// and inproc:// are supported", t.value);
        }
        rule.has_zmq = true;
        return {};
    }
    return fmt::format("unknown key '{}'", t.key);
}

}  // namespace

std::string_view tee_balance_name(TeeBalance b) {
    switch (b) {
        case TeeBalance::kNone: return "";
        case TeeBalance::kRoundRobin: return "rr";
        case TeeBalance::kHashTag: return "hash-tag";
        case TeeBalance::kHashAgent: return "hash-agent";
        case TeeBalance::kHashCrc32: return "hash-crc32";
    }
    return "";
}

TeeReceivers::Loaded TeeReceivers::compile(MapText text, const TeeLimits& limits) {
    Loaded out;
    out.problems = std::move(text.problems);
    std::vector<Rule> rules =
        compile_rules<Rule>(text, out.problems, add_token, [](const Rule& r) -> std::string {
            const int targets = int{r.has_ip} + int{r.has_kafka} + int{r.has_zmq};
            if (!r.has_id || targets == 0) {
                return "'id' (the pool) and 'ip' (its receivers) are required ('kafka_broker' or "
                       "'zmq_address' instead of 'ip' for a message queue)";
            }
            if (targets > 1) return "'ip', 'kafka_broker' and 'zmq_address' exclude one another";
            if (r.has_kafka && r.pool.kafka_topic.empty()) return "'kafka_topic' is required with 'kafka_broker'";
            if (!r.has_kafka && !r.pool.kafka_topic.empty()) return "'kafka_topic' goes with 'kafka_broker'";
            return "";
        });
    for (Rule& r : rules) {
        if (out.map.pools_.size() == limits.max_pools) {
            out.problems.push_back(
                {r.line,
                 fmt::format("more pools than tee_max_receiver_pools ({})", limits.max_pools)});
            continue;
        }
        TeePool& pool = r.pool;
        pool.line = r.line;
        pool.target = r.has_kafka ? TeeTarget::kKafka : r.has_zmq ? TeeTarget::kZmq : TeeTarget::kUdp;
        if (pool.receivers.size() > limits.max_receivers) {
            out.notes.push_back(
                {r.line,
                 fmt::format(
                     "{} receivers, more than tee_max_receivers ({}): only the first {} are used",
                     pool.receivers.size(), limits.max_receivers, limits.max_receivers)});
            pool.receivers.resize(limits.max_receivers);
        }
        out.map.pools_.push_back(std::move(pool));
    }
    std::stable_sort(out.problems.begin(), out.problems.end(),
                     [](const MapProblem& a, const MapProblem& b) { return a.line < b.line; });
    return out;
}

TeeReceivers::Loaded TeeReceivers::parse(std::string_view text, const TeeLimits& limits) {
    return compile(parse_map_text(text, {.entries = std::numeric_limits<std::size_t>::max(),
                                         .row_len = limits.row_len}),
                   limits);
}

Result<TeeReceivers::Loaded> TeeReceivers::load(const std::string& path, const TeeLimits& limits) {
    auto text = read_map_file(
        path, {.entries = std::numeric_limits<std::size_t>::max(), .row_len = limits.row_len});
    if (!text) return fail(text.error());
    return compile(std::move(*text), limits);
}

}  // namespace pmacct::maps
