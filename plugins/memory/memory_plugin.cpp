// The memory plugin: keeps a cumulative table and answers the pmacct client over a UNIX socket.
// Queries are served by a forked child from a copy-on-write snapshot, so they never stall
// aggregation; erase and reset are done in place.
#include "memory_plugin.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pmacct/aggregate/key_values.hpp"
#include "pmacct/base/strings.hpp"
#include "pmacct/config/values.hpp"
#include "pmacct/imt/protocol.hpp"
#include "pmacct/primitives/custom.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/output/row_writer.hpp"

namespace pmacct::plugins::memory {
namespace {

constexpr std::size_t kMaxRequest = 1 << 20;
constexpr int kRequestTimeoutMs = 2000;
constexpr std::size_t kCountersBytes = (sizeof(aggregate::Counters) + 7) / 8 * 8;

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Reads a request up to its terminating empty line.
Result<std::string> read_request(int fd) {
    std::string buf;
    char chunk[4096];
    while (buf.find("\n\n") == std::string::npos) {
        struct pollfd p {fd, POLLIN, 0};
        if (::poll(&p, 1, kRequestTimeoutMs) <= 0) return fail("client sent no complete request");
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n <= 0) return fail("client closed before a complete request");
        buf.append(chunk, static_cast<std::size_t>(n));
        if (buf.size() > kMaxRequest) return fail("request too large");
    }
    return buf;
}

std::uint32_t bucket_of(const std::uint8_t* key, std::size_t size, std::uint32_t buckets) {
    std::uint32_t h = 2166136261U;
    for (std::size_t i = 0; i < size; ++i) h = (h ^ key[i]) * 16777619U;
    return buckets == 0 ? 0 : h % buckets;
}

}  // namespace

Result<void> MemoryPlugin::do_init(plugin::Environment& env) {
    const config::Settings& s = env.instance->settings;
    layout_ = env.layout;
    buckets_ = static_cast<std::uint32_t>(s.get_uint("imt_buckets"));
    record_size_ = kCountersBytes + layout_->key_size();
    // imt_mem_pools_number x imt_mem_pools_size bounds the table only when set explicitly (0:
    // no bound, as in pmacct); by default the table grows as needed so nothing is dropped.
    if (s.is_set("imt_mem_pools_number") && s.get_uint("imt_mem_pools_number") > 0) {
        const std::uint64_t bytes = s.get_uint("imt_mem_pools_number") * s.get_uint("imt_mem_pools_size");
        limit_ = std::max<std::size_t>(1, static_cast<std::size_t>(bytes / (record_size_ + 24)));
    }
    std::size_t initial = std::max<std::size_t>(buckets_, 1024);
    if (limit_ != 0) initial = std::min(initial, limit_);
    table_ = std::make_unique<aggregate::Cache>(layout_->key_size(), initial);

    path_ = s.get_string("imt_path");
    if (path_.empty()) path_ = "/tmp/collect.pipe";
    mode_t umask_value = 077;
    if (auto m = config::parse_octal(s.get_string("files_umask"))) umask_value = *m;
    struct sockaddr_un addr {};
    if (path_.size() >= sizeof addr.sun_path) return fail(fmt::format("imt_path '{}' is too long", path_));
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return fail(fmt::format("cannot create the query socket: {}", std::strerror(errno)));
    listen_.reset(fd);
    ::unlink(path_.c_str());
    const mode_t old = ::umask(umask_value);
    const int rc = ::bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr);
    ::umask(old);
    if (rc != 0) return fail(fmt::format("cannot bind the query socket {}: {}", path_, std::strerror(errno)));
    if (::listen(fd, 16) != 0) return fail(fmt::format("cannot listen on {}: {}", path_, std::strerror(errno)));
    log::info("memory table ready: queries on {} (imt_buckets={}{})", path_, buckets_,
              limit_ == 0 ? std::string(", grows as needed") : fmt::format(", at most {} entries", limit_));
    return ok();
}

void MemoryPlugin::do_record(const std::uint8_t* key, const aggregate::Counters& counters) {
    add(key, counters, table_->hash(key, 0));
}

void MemoryPlugin::do_batch(const std::uint8_t* data, std::uint32_t records, std::size_t record_size) {
    plugin::add_batch_prefetched(
        data, records, record_size, [this]() -> const aggregate::Cache& { return *table_; },
        [](std::int64_t) { return std::int64_t{0}; },
        [this](const std::uint8_t* key, std::int64_t, const aggregate::Counters& c, std::uint64_t hash,
               std::uint32_t hint) { add(key, c, hash, hint); });
}

void MemoryPlugin::add(const std::uint8_t* key, const aggregate::Counters& counters, std::uint64_t hash,
                       std::uint32_t hint) {
    if (table_->add(key, 0, counters, hash, hint)) return;
    const std::size_t want = table_->capacity() * 2;
    const std::size_t target = limit_ == 0 ? want : std::min(want, limit_);
    if (target > table_->capacity() && table_->grow(target) && table_->add(key, 0, counters, hash)) return;
    ++lost_;
    PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1,
                       "memory table full ({} entries, imt_mem_pools_number x imt_mem_pools_size): "
                       "{} records not accounted so far",
                       table_->size(), lost_);
}

void MemoryPlugin::do_tick(std::int64_t /*now*/) {
    // Reap the children that served queries.
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

void MemoryPlugin::do_extra_fd_ready() {
    while (true) {
        int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        UniqueFd conn(fd);
        auto text = read_request(fd);
        if (!text) {
            log::warn("query: {}", text.error());
            continue;
        }
        auto req = imt::decode_request(*text);
        if (!req) {
            imt::ReplyHeader h;
            h.ok = false;
            h.error = req.error();
            write_all(fd, imt::encode(h));
            continue;
        }
        handle(fd, *req);
    }
}

void MemoryPlugin::handle(int fd, const imt::Request& req) {
    imt::ReplyHeader h;
    h.layout = layout_->names();
    for (const auto& f : layout_->fields()) {
        if (f.custom != nullptr) h.custom.push_back(primitives::map_line(*f.custom));
    }
    h.record_size = record_size_;
    switch (req.op) {
        case imt::Op::kErase: {
            const std::size_t n = table_->size();
            table_->clear();
            last_erase_ = static_cast<std::int64_t>(std::time(nullptr));
            h.extra.emplace_back("erased", std::to_string(n));
            write_all(fd, imt::encode(h));
            return;
        }
        case imt::Op::kEraseTime:
            h.extra.emplace_back("since_erase",
                                 last_erase_ < 0 ? "never" : std::to_string(std::time(nullptr) - last_erase_));
            write_all(fd, imt::encode(h));
            return;
        case imt::Op::kClassTable:
        case imt::Op::kCustomTable:
            write_all(fd, imt::encode(h));
            return;
        default: break;
    }
    // Matchers for -M / -N, checked before anything is sent.
    std::vector<Matcher> matchers;
    if (req.op == imt::Op::kMatch || req.op == imt::Op::kCounter) {
        auto m = build_matchers(req);
        if (!m) {
            h.ok = false;
            h.error = m.error();
            write_all(fd, imt::encode(h));
            return;
        }
        matchers = std::move(*m);
    }
    pid_t pid = ::fork();
    if (pid == 0) {
        // The child sees the table as it was at fork time.
        listen_.reset();
        serve_snapshot(fd, req, matchers, h);
        ::close(fd);
        std::_Exit(0);
    }
    if (pid < 0) {
        h.ok = false;
        h.error = fmt::format("cannot fork to serve the query: {}", std::strerror(errno));
        write_all(fd, imt::encode(h));
        return;
    }
    if (req.reset) {
        table_->for_each_mutable([&](const std::uint8_t* key, aggregate::Aggregate& a) {
            for (const auto& m : matchers) {
                if (m.matches(key)) {
                    a.counters.bytes = a.counters.packets = a.counters.flows = 0;
                    break;
                }
            }
        });
    }
}

Result<std::vector<MemoryPlugin::Matcher>> MemoryPlugin::build_matchers(const imt::Request& req) const {
    std::vector<const aggregate::KeyField*> fields;
    for (const auto& name : req.primitives) {
        const aggregate::KeyField* f = layout_->field(name);
        if (f == nullptr) {
            return fail(fmt::format("'{}' is not a primitive of this table ({})", name,
                                    fmt::join(layout_->names(), ",")));
        }
        fields.push_back(f);
    }
    std::vector<Matcher> out;
    for (const auto& q : req.queries) {
        auto values = split(q, ',');
        if (values.size() != fields.size()) {
            return fail(fmt::format("'{}' gives {} values for {} primitives", q, values.size(), fields.size()));
        }
        Matcher m;
        m.key.assign(layout_->key_size(), 0);
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (values[i] == "*") continue;
            std::string value(values[i]);
            const std::string_view name = fields[i]->spec->name;
            if ((name == "proto" || name == "tunnel_proto") && !parse_decimal(value)) {
                if (auto n = output::protocol_number(value)) value = std::to_string(*n);
            }
            if (auto r = aggregate::parse_key_value(*fields[i], value, m.key.data() + fields[i]->offset); !r) {
                return fail(r.error());
            }
            m.fields.push_back(fields[i]);
        }
        out.push_back(std::move(m));
    }
    return out;
}

bool MemoryPlugin::Matcher::matches(const std::uint8_t* k) const {
    for (const auto* f : fields) {
        if (std::memcmp(k + f->offset, key.data() + f->offset, f->size) != 0) return false;
    }
    return true;
}

void MemoryPlugin::serve_snapshot(int fd, const imt::Request& req, const std::vector<Matcher>& matchers,
                                  imt::ReplyHeader h) const {
    std::string out;
    auto append_record = [&](const std::uint8_t* key, const aggregate::Aggregate& a) {
        char counters[kCountersBytes] = {};
        std::memcpy(counters, &a.counters, sizeof a.counters);
        out.append(counters, kCountersBytes);
        out.append(reinterpret_cast<const char*>(key), layout_->key_size());
        if (out.size() > (1 << 16)) {
            write_all(fd, out);
            out.clear();
        }
    };
    if (req.op == imt::Op::kStatus) {
        std::vector<std::uint32_t> counts(buckets_, 0);
        table_->for_each([&](const std::uint8_t* key, const aggregate::Aggregate&) {
            if (buckets_ > 0) ++counts[bucket_of(key, layout_->key_size(), buckets_)];
        });
        h.extra.emplace_back("buckets", std::to_string(buckets_));
        write_all(fd, imt::encode(h));
        for (std::uint32_t b = 0; b < buckets_; ++b) {
            if (counts[b] > 0) out += fmt::format("{} {}\n", b, counts[b]);
        }
        write_all(fd, out);
        return;
    }
    if (req.op == imt::Op::kStats) {
        h.sections = 1;
        write_all(fd, imt::encode(h));
        out += fmt::format("{}\n", table_->size());
        table_->for_each(append_record);
        write_all(fd, out);
        return;
    }
    h.sections = matchers.size();
    write_all(fd, imt::encode(h));
    for (const auto& m : matchers) {
        std::size_t n = 0;
        table_->for_each([&](const std::uint8_t* key, const aggregate::Aggregate&) { n += m.matches(key) ? 1U : 0U; });
        out += fmt::format("{}\n", n);
        table_->for_each([&](const std::uint8_t* key, const aggregate::Aggregate& a) {
            if (m.matches(key)) append_record(key, a);
        });
    }
    write_all(fd, out);
}

int MemoryPlugin::do_finish(plugin::FinishReason /*reason*/) {
    listen_.reset();
    ::unlink(path_.c_str());
    while (::waitpid(-1, nullptr, 0) > 0) {
    }
    return 0;
}

std::unique_ptr<plugin::Plugin> make() { return std::make_unique<MemoryPlugin>(); }

}  // namespace pmacct::plugins::memory
