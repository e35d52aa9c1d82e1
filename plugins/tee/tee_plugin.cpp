// The tee plugin. What it does with each datagram, as Debian's nfacctd 1.7.7 does (each point
// was checked by running 1.7.7's tee plugin on loopback and looking at what every receiver got):
//
// * Pools are taken in map order. A pool with a tag list gets the datagrams whose tag passes it;
//   a broadcast datagram (templates and options, when the core dissects flows) skips that check
//   and goes to every pool.
// * A pool without balance-alg sends the datagram to each of its receivers. A balanced pool sends
//   it to one receiver, broadcast datagrams included (a round-robin pool moves on for them too):
//   - rr: the next receiver of the pool, starting from the first; the position is per pool,
//     moves only for datagrams the pool takes, and starts again when the map is reloaded.
//   - hash-tag: receiver tag % n.
//   - hash-crc32: IPv4 exporters, receiver djb2(address bytes) % n, where djb2 is h = h * 33 + byte
//     from 5381 in 32 bits (1.7.7's "crc32" function is that hash); IPv6 exporters, Bob Jenkins'
//     1996 hash of three words (the Linux kernel's jhash_3words before 2.6.37, initval 0) over
//     address bytes 4-7, 8-11 and 12-15 read as little-endian words, % n.
//   - hash-agent: IPv4 exporters, receiver (address bytes read as a little-endian word) & n --
//     a bitwise AND with n, not a modulo, so with fewer than 256 receivers only the first
//     octet counts, and every 127.x.y.z exporter gets the same receiver. When that gives n
//     itself (there is no such receiver), 1.7.7 sends through file descriptor 0, which in its
//     plugin is the first socket it opened: the first receiver of the first pool, whatever that
//     pool's tags. pmacct-ng sends to the first receiver of the pool itself, which is the same
//     with one pool. IPv6 exporters make 1.7.7's plugin crash; pmacct-ng hashes them as
//     hash-crc32 does.
//   The words are read little-endian, as 1.7.7 reads them on little-endian machines (checked on
//   amd64).
// * Without tee_transparent, every receiver has a UDP socket of its own, connected to it:
//   tee_source_ip and src_port choose where datagrams leave from. 1.7.7 fails to bind the second
//   receiver of a pool to src_port ("Address already in use") and sends from any port; pmacct-ng
//   binds all of them (SO_REUSEADDR).
// * With tee_transparent, datagrams leave raw sockets with the exporter's address and port as
//   source, and tee_source_ip and src_port are ignored. A datagram is not sent when exporter and
//   receiver are of different families. The kernel does not fragment raw packets: a datagram
//   longer than the outgoing interface's MTU is refused (EMSGSIZE), counted and logged.
// * tee_ipprec marks datagrams with IP precedence (TOS or traffic class = value << 5). 1.7.7 does
//   that only for transparent IPv4; pmacct-ng marks every datagram.
// * When SIGUSR2 comes and maps_refresh is on, the map is read again, the sockets remade. 1.7.7
//   then drops every pool when the file is gone; pmacct-ng keeps the pools it had when the file
//   cannot be read.
#include "tee_plugin.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "pmacct/ipc/ring.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/net/raw_udp.hpp"

namespace pmacct::plugins::tee {
namespace {

constexpr std::size_t kBurst = 32;  // datagrams queued per receiver before one sendmmsg
constexpr std::size_t kHeaderRoom = net::kRawUdpHeaderRoom;
using net::ones_sum;
using net::to_sockaddr;

std::uint32_t load_le32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
           std::uint32_t{p[3]} << 24;
}

std::uint32_t djb2(const std::uint8_t* p, std::size_t n) {
    std::uint32_t h = 5381;
    for (std::size_t i = 0; i < n; ++i) h = h * 33 + p[i];
    return h;
}

// Bob Jenkins' lookup2 mix, as jhash_3words(a, b, c, 0) applies it.
std::uint32_t jhash_3words(std::uint32_t a, std::uint32_t b, std::uint32_t c) {
    constexpr std::uint32_t kGoldenRatio = 0x9e3779b9;
    a += kGoldenRatio;
    b += kGoldenRatio;
    a = (a - b - c) ^ (c >> 13);
    b = (b - c - a) ^ (a << 8);
    c = (c - a - b) ^ (b >> 13);
    a = (a - b - c) ^ (c >> 12);
    b = (b - c - a) ^ (a << 16);
    c = (c - a - b) ^ (b >> 5);
    a = (a - b - c) ^ (c >> 3);
    b = (b - c - a) ^ (a << 10);
    c = (c - a - b) ^ (b >> 15);
    return c;
}

std::uint32_t ipv6_hash(const plugin::TeeMessage& m) {
    return jhash_3words(load_le32(m.address + 4), load_le32(m.address + 8),
                        load_le32(m.address + 12));
}

const char* errno_text(int err) {
    return std::strerror(err);
}

}  // namespace

std::size_t balance_index(maps::TeeBalance alg, const plugin::TeeMessage& m, std::size_t n,
                          std::size_t& rr_next) {
    if (n == 0) return 0;
    switch (alg) {
        case maps::TeeBalance::kNone: return 0;
        case maps::TeeBalance::kRoundRobin: {
            const std::size_t i = rr_next % n;
            rr_next = (i + 1) % n;
            return i;
        }
        case maps::TeeBalance::kHashTag: return static_cast<std::size_t>(m.tag % n);
        case maps::TeeBalance::kHashAgent:
            if (m.family == 4) {
                const std::size_t i = load_le32(m.address) & n;
                return i < n ? i : 0;
            }
            return ipv6_hash(m) % n;
        case maps::TeeBalance::kHashCrc32:
            return (m.family == 4 ? djb2(m.address, 4) : ipv6_hash(m)) % n;
    }
    return 0;
}

// One receiver: where its datagrams go, and the ones queued for it.
struct TeePlugin::Receiver {
    std::string text;  // as written in the map, for messages
    IpAddress address;
    std::uint16_t port = 0;
    std::uint16_t src_port = 0;
    UniqueFd fd;                  // not transparent: its own connected UDP socket
    int send_fd = -1;             // the socket its datagrams leave from; -1: none could be made
    sockaddr_storage raw_dest{};  // transparent: the destination for the raw socket
    socklen_t raw_dest_len = 0;
    std::uint32_t queued = 0;
    bool listed = false;  // in dirty_
    std::array<mmsghdr, kBurst> msgs{};
    std::array<std::array<iovec, 2>, kBurst> iov{};
    std::array<std::array<std::uint8_t, kHeaderRoom>, kBurst> headers{};
};

struct TeePlugin::Pool {
    maps::TagFilter tags;
    maps::TeeBalance balance = maps::TeeBalance::kNone;
    std::size_t rr_next = 0;
    std::vector<std::unique_ptr<Receiver>> receivers;
    // A message queue instead of receivers: what it is, and its emitter.
    maps::TeeTarget target = maps::TeeTarget::kUdp;
    std::string queue_key;  // broker + topic, or address
    std::unique_ptr<QueueEmitter> queue;
};

namespace {

// Waiting for a queue's messages to leave, at a reload and at exit.
constexpr int kQueueFinishMs = 10000;

std::string queue_key(const maps::TeePool& p) {
    return p.target == maps::TeeTarget::kKafka ? p.kafka_broker + "\n" + p.kafka_topic : p.zmq_address;
}

}  // namespace

TeePlugin::TeePlugin() = default;
TeePlugin::~TeePlugin() = default;

Result<void> TeePlugin::do_init(plugin::Environment& env) {
    const config::Settings& s = env.instance->settings;
    if (!s.is_set("tee_receivers")) {
        return fail(
            "tee_receivers is required: it lists the receivers datagrams are replicated to");
    }
    path_ = s.get_string("tee_receivers");
    limits_.row_len = static_cast<std::size_t>(s.get_uint("maps_row_len"));
    limits_.max_pools = static_cast<std::size_t>(s.get_uint("tee_max_receiver_pools"));
    limits_.max_receivers = static_cast<std::size_t>(s.get_uint("tee_max_receivers"));
    transparent_ = s.get_bool("tee_transparent");
    refresh_ = s.get_bool("maps_refresh");
    pipe_size_ =
        s.is_set("tee_pipe_size") ? static_cast<std::size_t>(s.get_uint("tee_pipe_size")) : 0;
    tos_ = static_cast<std::uint8_t>(s.get_uint("tee_ipprec") << 5);
    if (s.is_set("tee_kafka_config_file")) kafka_config_ = s.get_string("tee_kafka_config_file");
    queue_message_.resize(kHeaderRoom + plugin::kTeeMaxDatagram);
    if (s.is_set("tee_source_ip") && !IpAddress::parse(s.get_string("tee_source_ip"), source_ip_)) {
        return fail(
            fmt::format("tee_source_ip: '{}' is not an IP address", s.get_string("tee_source_ip")));
    }
    if (transparent_) {
        raw4_.reset(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
        if (!raw4_.valid()) {
            const int err = errno;
            if (err == EPERM || err == EACCES) {
                return fail(fmt::format(
                    "tee_transparent: sending with the exporters' addresses needs super-user "
                    "permissions (raw sockets, CAP_NET_RAW): {}",
                    errno_text(err)));
            }
            return fail(
                fmt::format("tee_transparent: cannot open a raw IPv4 socket: {}", errno_text(err)));
        }
        const int one = 1;
        if (::setsockopt(raw4_.get(), IPPROTO_IP, IP_HDRINCL, &one, sizeof one) != 0) {
            return fail(fmt::format("tee_transparent: IP_HDRINCL: {}", errno_text(errno)));
        }
        // An IPv6 raw socket of protocol IPPROTO_RAW takes the IPv6 header from the datagram.
        raw6_.reset(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
        if (!raw6_.valid()) {
            log::warn(
                "tee_transparent: cannot open a raw IPv6 socket ({}): IPv6 receivers get nothing",
                errno_text(errno));
        }
        for (const UniqueFd* fd : {&raw4_, &raw6_}) {
            if (fd->valid() && pipe_size_ > 0) {
                const int v = static_cast<int>(std::min<std::size_t>(pipe_size_, 0x7FFFFFFF));
                if (::setsockopt(fd->get(), SOL_SOCKET, SO_SNDBUF, &v, sizeof v) != 0) {
                    log::warn("tee_pipe_size: {}", errno_text(errno));
                }
            }
        }
        if (!source_ip_.empty()) log::info("tee_source_ip is not used with tee_transparent");
    }
    return load_map();
}

Result<void> TeePlugin::load_map() {
    log::info("[{}] (re)loading map.", path_);
    auto loaded = maps::TeeReceivers::load(path_, limits_);
    if (!loaded) return fail(fmt::format("tee_receivers: {}", loaded.error()));
    for (const auto& p : loaded->problems) {
        if (p.line == 0) {
            log::warn("{}: tee_receivers: {}", path_, p.why);
        } else {
            log::warn("{}:{}: tee_receivers: {}; rule ignored", path_, p.line, p.why);
        }
    }
    for (const auto& n : loaded->notes) log::warn("{}:{}: tee_receivers: {}", path_, n.line, n.why);
    std::vector<Pool> pools = make_pools(loaded->map);  // takes over the queues that stay
    flush_all();  // nothing is queued between batches; never send through closed sockets
    finish_queues(pools_, kQueueFinishMs);  // the queues that went away deliver what they hold
    pools_ = std::move(pools);
    std::size_t receivers = 0;
    for (const Pool& p : pools_) receivers += p.receivers.size();
    dirty_.clear();
    dirty_.reserve(receivers);
    if (pools_.empty()) log::warn("[{}] no receivers: datagrams are not replicated", path_);
    log::info("[{}] map successfully (re)loaded.", path_);
    return ok();
}

std::vector<TeePlugin::Pool> TeePlugin::make_pools(const maps::TeeReceivers& map) {
    std::vector<Pool> pools;
    pools.reserve(map.pools().size());
    for (const maps::TeePool& mp : map.pools()) {
        std::unique_ptr<QueueEmitter> queue;
        if (mp.target != maps::TeeTarget::kUdp) {
            queue = queue_for(mp, pools_);
            if (!queue) continue;
        }
        Pool& pool = pools.emplace_back();
        pool.tags = mp.tags;
        pool.balance = mp.balance;
        pool.target = mp.target;
        if (queue) {
            pool.queue_key = queue_key(mp);
            pool.queue = std::move(queue);
            continue;
        }
        for (const maps::TeeReceiver& mr : mp.receivers) {
            auto r = std::make_unique<Receiver>();
            r->text = mr.text;
            r->address = mr.address;
            r->port = mr.port;
            r->src_port = mp.src_port;
            if (transparent_) {
                r->raw_dest_len = to_sockaddr(r->address, 0, r->raw_dest);
                r->send_fd = r->address.family == 4 ? raw4_.get() : raw6_.get();
            } else if (auto opened = open_udp(*r); !opened) {
                log::error("[{}] receiver {} (pool {}): {}; it gets nothing", path_, r->text, mp.id,
                           opened.error());
            }
            pool.receivers.push_back(std::move(r));
        }
    }
    return pools;
}

std::unique_ptr<QueueEmitter> TeePlugin::queue_for(const maps::TeePool& mp, std::vector<Pool>& previous) {
    const char* what = mp.target == maps::TeeTarget::kKafka ? "Kafka" : "ZeroMQ";
    if (!transparent_) {
        // As 1.7.7: the messages are the exporters' packets, which only transparent mode makes.
        log::warn("{}:{}: tee_receivers: tee_transparent must be true to emit to {}; rule ignored", path_, mp.line,
                  what);
        return nullptr;
    }
    const std::string key = queue_key(mp);
    for (Pool& p : previous) {
        if (p.queue && p.target == mp.target && p.queue_key == key) return std::move(p.queue);
    }
    auto opened = mp.target == maps::TeeTarget::kKafka ? open_kafka(mp.kafka_broker, mp.kafka_topic, kafka_config_)
                                                       : open_zmq(mp.zmq_address);
    if (!opened) {
        log::error("{}:{}: tee_receivers: pool {}: {}; rule ignored", path_, mp.line, mp.id, opened.error());
        return nullptr;
    }
    log::info("[{}] pool {}: {}", path_, mp.id, (*opened)->name());
    return std::move(*opened);
}

void TeePlugin::emit(QueueEmitter& q, const plugin::TeeMessage& m, std::span<const std::uint8_t> payload) {
    if (queue_message_size_ == 0) {
        // The exporter's packet, to the unspecified address and port 0 (1.7.7's layout).
        if (!payload_sum_valid_) {
            payload_sum_ = ones_sum(payload.data(), payload.size());
            payload_sum_valid_ = true;
        }
        IpAddress nowhere;
        nowhere.family = m.family == 6 ? 6 : 4;
        std::uint8_t* h = queue_message_.data();
        const std::size_t header =
            net::build_udp_headers(h, m.address, m.port, nowhere, 0, payload.size(), payload_sum_, tos_);
        if (header == 0) {
            ++counters_.failed;
            return;
        }
        // Byte for byte as 1.7.7 writes it: hop limit 255; IPv4 without checksums (the IPv6 UDP
        // checksum is kept, as there; neither covers the hop limit).
        if (nowhere.family == 4) {
            h[8] = 255;
            h[10] = h[11] = 0;
            h[20 + 6] = h[20 + 7] = 0;
        } else {
            h[7] = 255;
        }
        std::memcpy(queue_message_.data() + header, payload.data(), payload.size());
        queue_message_size_ = header + payload.size();
    }
    if (q.emit({queue_message_.data(), queue_message_size_})) {
        ++counters_.queued;
    } else {
        ++counters_.failed;
    }
}

void TeePlugin::finish_queues(std::vector<Pool>& pools, int timeout_ms) {
    for (Pool& p : pools) {
        if (!p.queue) continue;
        if (const std::uint64_t left = p.queue->finish(timeout_ms); left > 0) {
            counters_.failed += left;
            log::error("{}: {} datagrams not delivered in {} ms; lost", p.queue->name(), left, timeout_ms);
        }
        counters_.failed += p.queue->undelivered();  // refused by the broker after queueing
        p.queue.reset();
    }
}

Result<void> TeePlugin::open_udp(Receiver& r) {
    const int family = r.address.family == 4 ? AF_INET : AF_INET6;
    UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return fail(fmt::format("socket: {}", errno_text(errno)));
    if (pipe_size_ > 0) {
        const int v = static_cast<int>(std::min<std::size_t>(pipe_size_, 0x7FFFFFFF));
        if (::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &v, sizeof v) != 0) {
            log::warn("tee_pipe_size: {}", errno_text(errno));
        } else if (!pipe_size_logged_) {
            int got = 0;
            socklen_t len = sizeof got;
            ::getsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &got, &len);
            log::info("tee_pipe_size: obtained={} target={}.", got, pipe_size_);
            pipe_size_logged_ = true;
        }
    }
    if (tos_ != 0) {
        const int v = tos_;
        const int rc = family == AF_INET
                           ? ::setsockopt(fd.get(), IPPROTO_IP, IP_TOS, &v, sizeof v)
                           : ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof v);
        if (rc != 0) log::warn("tee_ipprec: receiver {}: {}", r.text, errno_text(errno));
    }
    const bool source_fits = !source_ip_.empty() && source_ip_.family == r.address.family;
    if (!source_ip_.empty() && !source_fits) {
        log::warn(
            "tee_source_ip {} is not of the family of receiver {}: the system picks the source "
            "address",
            source_ip_.to_string(), r.text);
    }
    if (source_fits || r.src_port != 0) {
        IpAddress from = source_fits ? source_ip_ : IpAddress{};
        if (!source_fits) from.family = r.address.family;  // the wildcard address
        if (r.src_port != 0) {
            // Every receiver of a pool leaves from src_port: their sockets share it.
            const int one = 1;
            ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        }
        sockaddr_storage sa{};
        const socklen_t len = to_sockaddr(from, r.src_port, sa);
        if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), len) != 0) {
            log::warn("receiver {}: cannot send from [{}]:{} ({}): the system picks the source",
                      r.text, from.to_string(), r.src_port, errno_text(errno));
        }
    }
    sockaddr_storage dest{};
    const socklen_t dest_len = to_sockaddr(r.address, r.port, dest);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&dest), dest_len) != 0) {
        return fail(fmt::format("connect: {}", errno_text(errno)));
    }
    r.send_fd = fd.get();
    r.fd = std::move(fd);
    return ok();
}

void TeePlugin::do_batch(const std::uint8_t* data, std::uint32_t records,
                         std::size_t /*record_size*/) {
    const std::uint8_t* p = data;
    for (std::uint32_t i = 0; i < records; ++i) {
        plugin::TeeMessage m;
        std::memcpy(&m, p, sizeof m);
        if (m.length > plugin::kTeeMaxDatagram) {
            // Not a message the core writes: the rest of the batch cannot be walked.
            counters_.malformed += records - i;
            PMACCT_LOG_LIMITED(log::Level::kError, 60, 1,
                               "tee: a message of {} bytes on the ring; {} messages dropped",
                               m.length, records - i);
            break;
        }
        replicate(m, {p + sizeof m, m.length});
        p += ipc::Ring::message_stride(sizeof m + m.length);
    }
    flush_all();
    for (Pool& pool : pools_) {
        if (pool.queue) pool.queue->poll();
    }
}

void TeePlugin::replicate(const plugin::TeeMessage& m, std::span<const std::uint8_t> payload) {
    payload_sum_valid_ = false;
    queue_message_size_ = 0;
    for (Pool& pool : pools_) {
        if (m.broadcast == 0 && pool.tags.active() && !pool.tags.passes(m.tag)) continue;
        if (pool.queue) {
            emit(*pool.queue, m, payload);
            continue;
        }
        if (pool.balance == maps::TeeBalance::kNone) {
            for (auto& r : pool.receivers) enqueue(*r, m, payload);
        } else {
            enqueue(*pool.receivers[balance_index(pool.balance, m, pool.receivers.size(),
                                                  pool.rr_next)],
                    m, payload);
        }
    }
}

void TeePlugin::enqueue(Receiver& r, const plugin::TeeMessage& m,
                        std::span<const std::uint8_t> payload) {
    if (r.send_fd < 0) {
        ++counters_.failed;
        return;
    }
    const std::uint32_t q = r.queued;
    mmsghdr& h = r.msgs[q];
    h = {};
    auto& iov = r.iov[q];
    if (!transparent_) {
        iov[0] = {const_cast<std::uint8_t*>(payload.data()), payload.size()};
        h.msg_hdr.msg_iov = iov.data();
        h.msg_hdr.msg_iovlen = 1;
    } else {
        const std::uint8_t family = m.family == 6 ? 6 : 4;
        if (family != r.address.family) {
            ++counters_.unbridged;
            PMACCT_LOG_LIMITED(
                log::Level::kError, 60, 1,
                "tee_transparent: an IPv{} exporter's datagram cannot go to IPv{} receiver {}: "
                "not sent ({} so far)",
                family, r.address.family, r.text, counters_.unbridged);
            return;
        }
        if (!payload_sum_valid_) {
            payload_sum_ = ones_sum(payload.data(), payload.size());
            payload_sum_valid_ = true;
        }
        const std::size_t header = net::build_udp_headers(r.headers[q].data(), m.address, m.port, r.address, r.port,
                                                 payload.size(), payload_sum_, tos_);
        if (header == 0) {
            ++counters_.failed;
            PMACCT_LOG_LIMITED(log::Level::kError, 60, 1,
                               "tee_transparent: a datagram of {} bytes does not fit in one IP "
                               "packet to {}; not sent",
                               payload.size(), r.text);
            return;
        }
        iov[0] = {r.headers[q].data(), header};
        iov[1] = {const_cast<std::uint8_t*>(payload.data()), payload.size()};
        h.msg_hdr.msg_iov = iov.data();
        h.msg_hdr.msg_iovlen = 2;
        h.msg_hdr.msg_name = &r.raw_dest;
        h.msg_hdr.msg_namelen = r.raw_dest_len;
    }
    ++r.queued;
    if (!r.listed) {
        r.listed = true;
        dirty_.push_back(&r);
    }
    if (r.queued == kBurst) flush(r);
}

void TeePlugin::flush(Receiver& r) {
    std::uint32_t done = 0;
    bool retried = false;
    while (done < r.queued) {
        const int n = ::sendmmsg(r.send_fd, r.msgs.data() + done, r.queued - done, 0);
        if (n > 0) {
            done += static_cast<std::uint32_t>(n);
            counters_.sent += static_cast<std::uint64_t>(n);
            retried = false;
            continue;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (err == ECONNREFUSED && !retried) {
            // An earlier datagram found nothing listening at the receiver (ICMP port unreachable,
            // reported on the connected socket). This one has not been sent: try it again.
            retried = true;
            ++counters_.refused;
            PMACCT_LOG_LIMITED(log::Level::kError, 60, 1,
                               "send() to [{}] failed ({}); {} refusals so far", r.text,
                               errno_text(err), counters_.refused);
            continue;
        }
        ++counters_.failed;
        PMACCT_LOG_LIMITED(log::Level::kError, 60, 1,
                           "send() to [{}] failed ({}); {} datagrams lost so far", r.text,
                           errno_text(err), counters_.failed);
        ++done;
        retried = false;
    }
    r.queued = 0;
}

void TeePlugin::flush_all() {
    for (Receiver* r : dirty_) {
        if (r->queued > 0) flush(*r);
        r->listed = false;
    }
    dirty_.clear();
}

void TeePlugin::do_reload() {
    if (!refresh_) return;
    if (auto r = load_map(); !r) log::error("{}; keeping the previous map", r.error());
}

int TeePlugin::do_finish(plugin::FinishReason /*reason*/) {
    flush_all();
    finish_queues(pools_, kQueueFinishMs);
    log::debug(
        "tee: {} datagrams sent, {} to message queues, {} lost, {} refusals, {} not bridged, {} malformed messages",
        counters_.sent, counters_.queued, counters_.failed, counters_.refused, counters_.unbridged,
        counters_.malformed);
    pools_.clear();
    return 0;
}

std::unique_ptr<plugin::Plugin> make() {
    return std::make_unique<TeePlugin>();
}

}  // namespace pmacct::plugins::tee
