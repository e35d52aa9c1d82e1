#include "pmacct/plugin/host.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "pmacct/base/files.hpp"
#include "pmacct/config/plugin_types.hpp"
#include "pmacct/config/values.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/process/pidfile.hpp"
#include "pmacct/process/signals.hpp"
#include "pmacct/process/title.hpp"

namespace pmacct::plugin {
namespace {

constexpr std::size_t kDefaultBatchBytes = 10240;
// A plugin that released no batch for this long is not waited for (plugin_catching_up()).
constexpr auto kStuckAfter = std::chrono::milliseconds(100);

std::string_view type_label(std::string_view type) {
    const config::PluginType* t = config::find_plugin_type(type);
    return t != nullptr ? t->label : type;
}

std::string describe_status(int status) {
    if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
    return "stopped";
}

}  // namespace

PluginHost::~PluginHost() {
    if (!shut_down_ && alive_count() > 0) (void)shutdown(std::chrono::seconds(30));
}

Result<void> PluginHost::start(const config::Config& cfg, FactoryLookup lookup, std::string_view program,
                              std::span<const int> close_in_child) {
    exit_any_ = cfg.core.get_bool("plugin_exit_any");
    std::vector<Factory> factories;
    channels_.reserve(cfg.plugins.size());
    // Every ring exists before the first fork, so each plugin can drop the others' rings.
    for (const auto& inst : cfg.plugins) {
        Factory f = lookup(inst.type);
        if (f == nullptr) {
            return fail(fmt::format("plugin {}[{}]: the {} plugin is not implemented yet", inst.type,
                                    inst.name, inst.type));
        }
        factories.push_back(f);
        auto layout = aggregate::KeyLayout::build(inst.aggregate);
        if (!layout) return fail(fmt::format("plugin {}[{}]: {}", inst.type, inst.name, layout.error()));
        if (inst.type == "nfprobe") layout->set_icmp_in_dst_port();
        const config::Settings& s = inst.settings;
        const std::size_t pipe = static_cast<std::size_t>(s.get_uint("plugin_pipe_size"));
        const std::size_t batch = s.is_set("plugin_buffer_size")
                                      ? static_cast<std::size_t>(s.get_uint("plugin_buffer_size"))
                                      : kDefaultBatchBytes;
        const bool tee = inst.type == "tee";
        auto ring = ipc::Ring::create(pipe, batch, tee ? kTeeMaxMessage : ring_record_size(*layout));
        if (!ring) return fail(fmt::format("plugin {}[{}]: {}", inst.type, inst.name, ring.error()));
        Channel ch;
        ch.instance = &inst;
        ch.layout = std::move(*layout);
        if (channels_.size() < lookups_.size()) ch.lookups = lookups_[channels_.size()];
        if (channels_.size() < tag_maps_.size()) ch.tag_map = tag_maps_[channels_.size()];
        ch.tee = tee;
        ch.ring = std::move(*ring);
        for (const auto& [key, filter] : {std::pair{"pre_tag_filter", &ch.tag_filter}, std::pair{"pre_tag2_filter", &ch.tag2_filter}}) {
            if (!s.is_set(key)) continue;
            auto parsed = maps::TagFilter::parse(s.get_string(key));
            if (!parsed) return fail(fmt::format("plugin {}[{}]: {}: {}", inst.type, inst.name, key, parsed.error()));
            *filter = std::move(*parsed);
        }
        if (s.is_set("pre_tag_label_filter")) ch.label_filter = maps::LabelFilter::parse(s.get_string("pre_tag_label_filter"));
        if (s.is_set("aggregate_filter")) {
            auto compiled = pcap::FlowFilter::compile(s.get_string("aggregate_filter"));
            if (!compiled) return fail(fmt::format("plugin {}[{}]: aggregate_filter: {}", inst.type, inst.name, compiled.error()));
            ch.filter.emplace(std::move(*compiled));
        }
        for (const char* key : {"post_tag", "post_tag2"}) {
            const aggregate::KeyField* tag_field = ch.layout.field(std::string_view(key).substr(5));
            if (s.is_set(key) && tag_field != nullptr) ch.post_tags.emplace_back(tag_field->offset, s.get_uint(key));
        }
        ch.filtered = ch.tag_filter.active() || ch.tag2_filter.active() || ch.label_filter.active() || ch.filter;
        if (s.is_set("sampling_rate")) {
            ch.sample_rate = static_cast<std::uint32_t>(s.get_uint("sampling_rate"));
            ch.renormalize = s.get_bool("nfacctd_renormalize");
        }
        log::debug("plugin {}[{}]: record={} bytes, batch={} bytes, ring={} batches", inst.type,
                   inst.name, ch.ring.record_size(), ch.ring.batch_bytes(), ch.ring.slot_count());
        channels_.push_back(std::move(ch));
    }
    const pid_t core = ::getpid();
    random_state_ ^= static_cast<std::uint64_t>(core) << 32 ^
                     static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    if (random_state_ == 0) random_state_ = 0x9E3779B97F4A7C15ULL;
    std::fflush(nullptr);  // nothing buffered may be written twice
    for (std::size_t i = 0; i < channels_.size(); ++i) {
        pid_t pid = ::fork();
        if (pid < 0) return fail(fmt::format("cannot fork a plugin process: {}", std::strerror(errno)));
        if (pid == 0) {
            for (int fd : close_in_child) ::close(fd);
            Channel& mine = channels_[i];
            for (std::size_t j = 0; j < channels_.size(); ++j) {
                if (j != i) channels_[j].ring = ipc::Ring();
            }
            run_plugin_process(cfg, *mine.instance, mine.layout, mine.ring, factories[i], core, program);
        }
        channels_[i].pid = pid;
        channels_[i].alive = true;
    }
    return ok();
}

bool PluginHost::takes_plain_records(std::size_t plugin) const {
    const Channel& ch = channels_[plugin];
    return !ch.tee && ch.tag_map == nullptr && !ch.filtered && ch.post_tags.empty() && ch.sample_rate <= 1 &&
           ch.lookups == nullptr && !ch.layout.is_sum();
}

const FlowRecord& PluginHost::sampled(const Channel& ch, const FlowRecord& r) {
    sampled_ = r;
    if (ch.renormalize) {
        sampled_.packets *= ch.sample_rate;
        sampled_.bytes *= ch.sample_rate;
        sampled_.sampling_rate = 1;
    } else {
        sampled_.sampling_rate = ch.sample_rate;
    }
    return sampled_;
}

void PluginHost::send_own_tags(Channel& ch, const FlowRecord& r) {
    retagged_ = r;
    ch.tag_map->apply(retagged_, label_buffer_);
    if (ch.accepts(retagged_)) send_to(ch, retagged_);
}

void PluginHost::send_message(std::size_t plugin, TeeMessage m,
                              std::initializer_list<std::span<const std::uint8_t>> pieces) {
    Channel& ch = channels_[plugin];
    if (!ch.alive) return;
    if (m.broadcast == 0 && !(ch.tag_filter.passes(m.tag) && ch.tag2_filter.passes(m.tag2))) return;
    std::size_t length = 0;
    for (const auto& p : pieces) length += p.size();
    if (length > kTeeMaxDatagram) return;  // cannot be: a datagram is never longer
    ++records_sent_;
    m.length = static_cast<std::uint32_t>(length);
    // The message may start a batch: with every slot full, that batch would be dropped.
    if (wait_when_full_ && ch.ring.full()) wait_for_room(ch);
    std::uint8_t* at = ch.ring.reserve_message(sizeof m + length);
    std::memcpy(at, &m, sizeof m);
    at += sizeof m;
    for (const auto& p : pieces) {
        if (p.empty()) continue;
        std::memcpy(at, p.data(), p.size());
        at += p.size();
    }
    ch.ring.commit_message(sizeof m + length);
}

void PluginHost::signal_plugins(int sig) {
    for (const auto& ch : channels_) {
        if (ch.alive && ch.pid > 0) ::kill(ch.pid, sig);
    }
}

void PluginHost::flush() {
    for (auto& ch : channels_) {
        if (ch.alive) ch.ring.flush();
    }
}

std::size_t PluginHost::smallest_ring_records() const {
    std::size_t smallest = 0;
    for (const auto& ch : channels_) {
        const std::size_t n = ch.ring.slot_count() * ch.ring.records_per_batch();
        if (smallest == 0 || n < smallest) smallest = n;
    }
    return smallest;
}

bool PluginHost::plugin_catching_up() {
    bool behind = false;
    for (auto& ch : channels_) {
        if (!ch.alive || ch.ring.slots_in_use() * 2 <= ch.ring.slot_count()) continue;
        // More than half full: wait only for a plugin seen releasing batches lately.
        const auto now = std::chrono::steady_clock::now();
        const std::uint64_t released = ch.ring.released();
        if (released != ch.released_seen) {
            ch.released_seen = released;
            ch.last_progress = now;
        }
        if (now - ch.last_progress < kStuckAfter) behind = true;
    }
    return behind;
}

void PluginHost::wait_for_room(Channel& ch) {
    for (int i = 0; ch.ring.full(); ++i) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        if (i % 100 == 99) {
            int status = 0;
            if (::waitpid(ch.pid, &status, WNOHANG) == ch.pid) {
                note_exit(ch, status);
                return;
            }
        }
    }
}

void PluginHost::note_exit(Channel& ch, int status) {
    ch.alive = false;
    ch.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    const auto& inst = *ch.instance;
    if (shut_down_ && ch.exit_code == 0) {
        log::debug("plugin {}[{}] (pid {}) finished", inst.type, inst.name, ch.pid);
    } else {
        log::warn("plugin {}/{} (pid {}) {}", inst.name, inst.type, ch.pid, describe_status(status));
    }
}

bool PluginHost::reap() {
    while (true) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) break;
        for (auto& ch : channels_) {
            if (ch.pid == pid && ch.alive) note_exit(ch, status);
        }
    }
    if (shut_down_ || channels_.empty()) return false;
    const std::size_t alive = alive_count();
    if (alive == 0) {
        log::error("no plugin is left running; exiting");
        return true;
    }
    if (exit_any_ && alive < channels_.size()) {
        log::error("a plugin exited and plugin_exit_any is set; exiting");
        return true;
    }
    return false;
}

std::size_t PluginHost::alive_count() const {
    std::size_t n = 0;
    for (const auto& ch : channels_) n += ch.alive ? 1 : 0;
    return n;
}

int PluginHost::shutdown(std::chrono::seconds timeout) {
    shut_down_ = true;
    for (auto& ch : channels_) {
        if (!ch.alive) continue;
        ch.ring.flush();
        ch.ring.close();
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (alive_count() > 0 && std::chrono::steady_clock::now() < deadline) {
        reap();
        if (alive_count() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (const auto& line : stats_lines()) log::info("{}", line);
    int rc = 0;
    for (auto& ch : channels_) {
        if (ch.alive) {
            log::error("plugin {}/{} (pid {}) did not finish within {} s; killing it", ch.instance->name,
                       ch.instance->type, ch.pid, timeout.count());
            ::kill(ch.pid, SIGKILL);
            int status = 0;
            ::waitpid(ch.pid, &status, 0);
            note_exit(ch, status);
        }
        if (ch.exit_code != 0) rc = 1;
    }
    return rc;
}

std::vector<std::string> PluginHost::stats_lines() const {
    std::vector<std::string> out;
    for (const auto& ch : channels_) {
        const auto s = ch.ring.stats();
        out.push_back(fmt::format("plugin {}/{} pid={} alive={} records={} batches={} dropped_records={} "
                                  "dropped_batches={} wakeups={}",
                                  ch.instance->name, ch.instance->type, ch.pid, ch.alive ? "yes" : "no",
                                  s.records_written, s.batches_written, s.records_dropped,
                                  s.batches_dropped, s.wakeups));
    }
    return out;
}

void run_plugin_process(const config::Config& cfg, const config::PluginInstance& inst,
                        const aggregate::KeyLayout& layout, ipc::Ring& ring, Factory factory,
                        pid_t core_pid, std::string_view program) {
    process::Signals::reset();
    (void)process::Signals::install();
    log::set_identity(inst.name, inst.type);
    process::set_title(fmt::format("{}: {} [{}]", program, type_label(inst.type), inst.name));
    int rc = 1;
    {
        process::PidFile pidfile;
        if (cfg.core.is_set("pidfile")) {
            auto p = process::PidFile::create(
                process::plugin_pidfile_path(cfg.core.get_string("pidfile"), inst.type, inst.name),
                config::file_policy(cfg.core));
            if (p) {
                pidfile = std::move(*p);
            } else {
                log::warn("{}", p.error());
            }
        }
        auto plugin = factory();
        Environment env{&cfg, &inst, &layout, &ring, core_pid};
        rc = plugin->run(env);
    }
    std::fflush(nullptr);
    std::_Exit(rc);
}

}  // namespace pmacct::plugin
