#include "nfprobe_plugin.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "pmacct/config/values.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/net/raw_udp.hpp"

namespace pmacct::plugins::nfprobe {
namespace {

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

EncoderOptions::From from_setting(const std::string& v) {
    if (v == "in") return EncoderOptions::From::kIn;
    if (v == "out") return EncoderOptions::From::kOut;
    if (v == "tag") return EncoderOptions::From::kTag;
    if (v == "tag2") return EncoderOptions::From::kTag2;
    return EncoderOptions::From::kValue;
}

// The receiver's address: a literal, else the first address the name resolves to.
Result<IpAddress> resolve(const std::string& host) {
    IpAddress a;
    if (IpAddress::parse(host, a)) return a;
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* res = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res); rc != 0) {
        return fail(fmt::format("cannot resolve '{}': {}", host, ::gai_strerror(rc)));
    }
    const addrinfo* first = res;
    if (first->ai_family == AF_INET) {
        a.set_v4(reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in*>(first->ai_addr)->sin_addr));
    } else {
        a.set_v6(reinterpret_cast<const std::uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(first->ai_addr)->sin6_addr));
    }
    ::freeaddrinfo(res);
    return a;
}

}  // namespace

Result<void> NfprobePlugin::open_socket(const config::Settings& s) {
    auto hp = config::parse_host_port(s.get_string("nfprobe_receiver"));
    if (!hp) return fail(fmt::format("nfprobe_receiver: {}", hp.error()));
    auto address = resolve(hp->host);
    if (!address) return fail(fmt::format("nfprobe_receiver: {}", address.error()));
    const std::uint16_t port = hp->port != 0 ? hp->port : 2100;
    receiver_ = address->family == 6 ? fmt::format("[{}]:{}", address->to_string(), port)
                                     : fmt::format("{}:{}", address->to_string(), port);
    const int family = address->family == 6 ? AF_INET6 : AF_INET;
    UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return fail(fmt::format("nfprobe: socket: {}", std::strerror(errno)));
    if (s.is_set("nfprobe_source_ip")) {
        IpAddress from;
        if (!IpAddress::parse(s.get_string("nfprobe_source_ip"), from) || from.family != address->family) {
            return fail(fmt::format("nfprobe_source_ip: '{}' is not an address of the receiver's family",
                                    s.get_string("nfprobe_source_ip")));
        }
        sockaddr_storage sa{};
        const socklen_t len = net::to_sockaddr(from, 0, sa);
        if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), len) != 0) {
            return fail(fmt::format("nfprobe_source_ip: cannot bind {}: {}", from.to_string(), std::strerror(errno)));
        }
    }
    if (const auto prec = s.get_uint("nfprobe_ipprec"); prec != 0) {
        const int tos = static_cast<int>(prec << 5);
        const int rc = family == AF_INET ? ::setsockopt(fd.get(), IPPROTO_IP, IP_TOS, &tos, sizeof tos)
                                         : ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
        if (rc != 0) log::warn("nfprobe_ipprec: {}", std::strerror(errno));
    }
    if (s.is_set("nfprobe_hoplimit")) {
        const int hops = static_cast<int>(s.get_uint("nfprobe_hoplimit"));
        const int rc = family == AF_INET ? ::setsockopt(fd.get(), IPPROTO_IP, IP_TTL, &hops, sizeof hops)
                                         : ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops);
        if (rc != 0) log::warn("nfprobe_hoplimit: {}", std::strerror(errno));
    }
    sockaddr_storage dest{};
    const socklen_t dest_len = net::to_sockaddr(*address, port, dest);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&dest), dest_len) != 0) {
        return fail(fmt::format("nfprobe_receiver {}: connect: {}", receiver_, std::strerror(errno)));
    }
    fd_ = std::move(fd);
    return ok();
}

Result<void> NfprobePlugin::do_init(plugin::Environment& env) {
    const config::Settings& s = env.instance->settings;
    if (s.get_bool("nfprobe_dtls")) {
        return fail("nfprobe_dtls: exporting over DTLS is not implemented in pmacct-ng");
    }
    auto timeouts = config::parse_probe_timeouts(s.get_string("nfprobe_timeouts"));
    if (!timeouts) return fail(fmt::format("nfprobe_timeouts: {}", timeouts.error()));
    timeouts_ = *timeouts;
    if (timeouts_.expint <= 0) timeouts_.expint = 1;
    if (auto r = open_socket(s); !r) return r;

    EncoderOptions o;
    o.version = static_cast<int>(std::stoi(s.get_string("nfprobe_version")));
    if (s.is_set("nfprobe_engine")) {
        const std::string e = s.get_string("nfprobe_engine");
        const auto colon = e.find(':');
        if (colon == std::string::npos) {
            o.source_id = static_cast<std::uint32_t>(std::stoul(e));
        } else {
            o.engine_type = static_cast<std::uint8_t>(std::stoul(e.substr(0, colon)));
            o.engine_id = static_cast<std::uint8_t>(std::stoul(e.substr(colon + 1)));
            o.source_id = (std::uint32_t{o.engine_type} << 8) | o.engine_id;
        }
    }
    if (s.is_set("nfprobe_direction")) o.direction = from_setting(s.get_string("nfprobe_direction"));
    if (s.is_set("nfprobe_ifindex")) {
        const std::string v = s.get_string("nfprobe_ifindex");
        o.ifindex = from_setting(v);
        if (o.ifindex == EncoderOptions::From::kValue) o.ifindex_value = static_cast<std::uint32_t>(std::stoul(v));
    }
    o.ifindex_override = s.get_bool("nfprobe_ifindex_override");
    o.tstamp_usec = s.get_bool("nfprobe_tstamp_usec");
    o.uptime_times = s.get_bool("timestamps_secs");
    if (s.is_set("pmacctd_ext_sampling_rate")) {
        o.sampling_rate = static_cast<std::uint32_t>(s.get_uint("pmacctd_ext_sampling_rate"));
    } else if (s.is_set("sampling_rate")) {
        o.sampling_rate = static_cast<std::uint32_t>(s.get_uint("sampling_rate"));
    }
    dont_cache_ = s.get_bool("nfprobe_dont_cache");
    const std::size_t max_flows = static_cast<std::size_t>(s.get_uint("nfprobe_maxflows"));
    table_ = std::make_unique<FlowTable>(env.layout->key_size(), max_flows, timeouts_, env.layout->field("proto"));
    now_ms_ = wall_ms();
    encoder_ = std::make_unique<NetflowEncoder>(
        *env.layout, o, [this](std::span<const std::uint8_t> d) { send(d); }, now_ms_);
    next_expiry_ = static_cast<std::int64_t>(std::time(nullptr)) + timeouts_.expint;
    log::info("Exporting flows to [{}] version {}", receiver_, o.version);
    return ok();
}

void NfprobePlugin::send(std::span<const std::uint8_t> datagram) {
    if (::send(fd_.get(), datagram.data(), datagram.size(), 0) < 0) {
        ++send_failures_;
        PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1, "nfprobe: sending to {} failed: {}", receiver_,
                           std::strerror(errno));
        return;
    }
    ++datagrams_sent_;
}

void NfprobePlugin::export_flow(const std::uint8_t* key, const Flow& flow) {
    if (encoder_->add(key, flow, now_ms_)) {
        ++flows_exported_;
    } else {
        ++flows_skipped_;
        PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1, "nfprobe: NetFlow v5 cannot carry IPv6 flows; {} skipped so far",
                           flows_skipped_);
    }
}

void NfprobePlugin::do_record(const std::uint8_t* key, const aggregate::Counters& counters) {
    const auto expired = [this](const std::uint8_t* k, const Flow& f, ExpiryReason) { export_flow(k, f); };
    table_->add(key, counters, expired);
    // nfprobe_dont_cache: every packet is a flow of its own, out at once.
    if (dont_cache_) table_->expire_all(expired);
}

void NfprobePlugin::do_tick(std::int64_t now) {
    // The clock the encoder stamps datagrams with: read once a drain, not once a flow (a flow
    // pushed out by a full cache between two ticks goes out with the last tick's time).
    now_ms_ = wall_ms();
    if (now >= next_expiry_) {
        table_->expire(now, [this](const std::uint8_t* k, const Flow& f, ExpiryReason) { export_flow(k, f); });
        next_expiry_ = now + timeouts_.expint;
    }
    encoder_->flush(now_ms_);
}

int NfprobePlugin::do_timeout_ms(std::int64_t now) const {
    return now >= next_expiry_ ? 0 : 1000;  // ticks come at least every second
}

int NfprobePlugin::do_finish(plugin::FinishReason /*reason*/) {
    now_ms_ = wall_ms();
    table_->expire_all([this](const std::uint8_t* k, const Flow& f, ExpiryReason) { export_flow(k, f); });
    encoder_->flush(now_ms_);
    log::info("nfprobe: {} flows exported in {} datagrams to {}{}", flows_exported_, datagrams_sent_, receiver_,
              send_failures_ != 0 ? fmt::format(", {} sends failed", send_failures_) : std::string{});
    return 0;
}

std::unique_ptr<plugin::Plugin> make() {
    return std::make_unique<NfprobePlugin>();
}

}  // namespace pmacct::plugins::nfprobe
