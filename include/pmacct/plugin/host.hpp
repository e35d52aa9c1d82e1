// The core's side of its plugins: one forked process and one ring per `plugins:` entry. The
// core sends every record to every live plugin (projected to that plugin's key), notices dying
// plugins (SIGCHLD), and on a clean stop flushes the rings, closes them and waits for every
// plugin to write out what it holds.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <initializer_list>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/base/result.hpp"
#include "pmacct/config/config.hpp"
#include "pmacct/ipc/ring.hpp"
#include "pmacct/maps/pre_tag_map.hpp"
#include "pmacct/pcap/flow_filter.hpp"
#include "pmacct/plugin/plugin.hpp"
#include "pmacct/plugin/tee_message.hpp"

namespace pmacct::plugin {

// Finds the implementation of a plugin type; nullptr when there is none.
using FactoryLookup = Factory (*)(std::string_view type);

class PluginHost {
public:
    PluginHost() = default;
    PluginHost(const PluginHost&) = delete;
    PluginHost& operator=(const PluginHost&) = delete;
    ~PluginHost();

    // Forks the plugins of `cfg`. `program` names the daemon in process titles; `close_in_child`
    // are the core's descriptors (input sockets) the plugins must not keep open.
    Result<void> start(const config::Config& cfg, FactoryLookup lookup, std::string_view program,
                       std::span<const int> close_in_child = {});

    // One record to every live plugin (tee plugins take datagrams instead: send_message()).
    // Never blocks.
    void send(const FlowRecord& r) {
        ++records_sent_;
        for (auto& ch : channels_) {
            if (!ch.alive || ch.tee) continue;
            const FlowRecord* rec = &r;
            if (ch.sample_rate > 1) {
                if (next_random() % ch.sample_rate != 0) continue;
                rec = &sampled(ch, r);
            }
            if (ch.tag_map != nullptr) {
                send_own_tags(ch, *rec);
                continue;
            }
            if (!ch.accepts(*rec)) continue;
            send_to(ch, *rec);
        }
    }
    // Whether plugin `plugin` takes each record as its key layout extracts it, with nothing in
    // between: not a tee plugin, and no pre_tag_map of its own, filters, sampling, post_tag,
    // lookups or sum_ primitives. Such plugins can be given records written straight into
    // their rings (send_written()).
    bool takes_plain_records(std::size_t plugin) const;
    const aggregate::KeyLayout& layout(std::size_t plugin) const { return channels_[plugin].layout; }
    // `count` records written straight into the ring of every live plugin (tee plugins aside) by
    // write(std::size_t plugin, std::uint32_t k, std::uint8_t* ring_record) for k = 0..count-1,
    // what send() would have written for the same records; for plugins that take plain records
    // only. Never blocks, unless set_wait_when_full().
    template <typename Write>
    void send_written(std::uint32_t count, Write&& write) {
        records_sent_ += count;
        for (std::size_t i = 0; i < channels_.size(); ++i) {
            Channel& ch = channels_[i];
            if (!ch.alive || ch.tee) continue;
            for (std::uint32_t k = 0; k < count; ++k) {
                if (wait_when_full_ && ch.ring.pending() == 0 && ch.ring.full()) wait_for_room(ch);
                write(i, k, ch.ring.reserve());
                ch.ring.commit();
            }
        }
    }
    // The plugins' own pre_tag_map (`pre_tag_map[name]`), in `plugins` order, null for a plugin
    // that takes the record's tags as they come; set before start(), owned by the caller.
    void set_tag_maps(std::vector<const maps::PreTagMap*> maps) { tag_maps_ = std::move(maps); }

    // Plugins in `plugins` order, and which of them are tee plugins.
    std::size_t plugin_count() const { return channels_.size(); }
    bool is_tee(std::size_t plugin) const { return channels_[plugin].tee; }
    // One datagram to tee plugin `plugin`: `m` (its length is set here) then `pieces`, one
    // after the other. Dropped when its pre_tag_filter / pre_tag2_filter refuse its tags
    // (broadcasts are not filtered). Never blocks, unless set_wait_when_full().
    void send_message(std::size_t plugin, TeeMessage m, std::initializer_list<std::span<const std::uint8_t>> pieces);
    // The lookups (networks_file, ports_file, ...) of each plugin, in `plugins` order, null for
    // a plugin without any; set before start(), owned by the caller (which reloads them).
    void set_lookups(std::vector<const maps::FlowLookups*> lookups) { lookups_ = std::move(lookups); }
    // Replaying a savefile: wait for a plugin to make room instead of dropping (nothing is
    // lost by waiting when the input is a file).
    void set_wait_when_full(bool on) { wait_when_full_ = on; }
    // Publishes partially filled batches (idle input, timers).
    void flush();
    // Reaps exited plugins (call on SIGCHLD). True when the daemon should stop: every plugin is
    // gone, or one is and plugin_exit_any is set.
    bool reap();
    // Clean stop: flush, close the rings, wait up to `timeout` for the plugins to exit, then
    // kill what is left. Returns 0 when every plugin exited 0.
    int shutdown(std::chrono::seconds timeout);
    // Passes a signal on to every live plugin (SIGUSR2 sent to the core only, as with
    // `kill -USR2 $(cat pidfile)`, reloads the plugins' own maps too).
    void signal_plugins(int sig);
    // "plugin foo/print: records=.. dropped=.." lines for SIGUSR1.
    std::vector<std::string> stats_lines() const;
    std::size_t alive_count() const;
    // Records given to send() so far.
    std::uint64_t records_sent() const { return records_sent_; }
    // Records the smallest ring holds (how big a burst every plugin can absorb).
    std::size_t smallest_ring_records() const;
    // A plugin's ring is more than half full while the plugin is working through it: the input
    // may pause a moment (its socket buffer holds the data) so that the plugin gets the CPU
    // before its ring overflows. A plugin that released nothing for 100 ms is not waited for:
    // only working plugins are helped, a stuck one does not slow the others down.
    bool plugin_catching_up();

private:
    struct Channel {
        const config::PluginInstance* instance = nullptr;
        aggregate::KeyLayout layout;
        const maps::FlowLookups* lookups = nullptr;
        const maps::PreTagMap* tag_map = nullptr;  // its own pre_tag_map, if any
        bool tee = false;                          // a tee plugin: a message ring of datagrams
        // pre_tag_filter, pre_tag2_filter, pre_tag_label_filter
        maps::TagFilter tag_filter;
        maps::TagFilter tag2_filter;
        maps::LabelFilter label_filter;
        std::optional<pcap::FlowFilter> filter;  // aggregate_filter
        std::vector<std::pair<std::uint16_t, std::uint64_t>> post_tags;  // key offset, value
        bool filtered = false;  // any of them is set
        // sampling_rate (pmacctd, uacctd): each record reaches the plugin with a chance of 1 in
        // sample_rate; renormalize (*_renormalize) scales its counters back up.
        std::uint32_t sample_rate = 0;
        bool renormalize = false;
        bool accepts(const FlowRecord& r) const {
            return !filtered || (tag_filter.passes(r.tag) && tag2_filter.passes(r.tag2) && label_filter.passes(r.label) &&
                                 (!filter || filter->matches(r)));
        }
        ipc::Ring ring;
        pid_t pid = -1;
        bool alive = false;
        // ring.released() as plugin_catching_up() last saw it with the ring over half full, and
        // when that value was first seen (the plugin's last visible progress).
        std::uint64_t released_seen = 0;
        std::chrono::steady_clock::time_point last_progress{};
        int exit_code = -1;
    };
    void send_to(Channel& ch, const FlowRecord& r) {
        if (wait_when_full_ && ch.ring.pending() == 0 && ch.ring.full()) wait_for_room(ch);
        for (int side = 0; side < (ch.layout.is_sum() ? 2 : 1); ++side) {
            std::uint8_t* rec = ch.ring.reserve();
            write_ring_record(rec, ch.layout, r, side, ch.lookups);
            // post_tag / post_tag2: the plugin's own tag values replace the record's.
            for (const auto& [at, value] : ch.post_tags) std::memcpy(ring_record_key(rec) + at, &value, sizeof value);
            ch.ring.commit();
        }
    }
    void send_own_tags(Channel& ch, const FlowRecord& r);
    // A record a sampling plugin takes: its sampling_rate set, its counters renormalised.
    const FlowRecord& sampled(const Channel& ch, const FlowRecord& r);
    std::uint64_t next_random() {  // xorshift64*
        random_state_ ^= random_state_ >> 12;
        random_state_ ^= random_state_ << 25;
        random_state_ ^= random_state_ >> 27;
        return (random_state_ * 0x2545F4914F6CDD1DULL) >> 32;
    }
    void note_exit(Channel& ch, int status);
    void wait_for_room(Channel& ch);

    std::vector<Channel> channels_;
    std::vector<const maps::FlowLookups*> lookups_;
    std::vector<const maps::PreTagMap*> tag_maps_;
    FlowRecord retagged_;  // a record with a plugin's own tags (send_own_tags)
    FlowRecord sampled_;   // a record a sampling plugin takes (sampled())
    std::uint64_t random_state_ = 0x9E3779B97F4A7C15ULL;
    std::string label_buffer_;
    bool exit_any_ = false;
    bool wait_when_full_ = false;
    bool shut_down_ = false;
    std::uint64_t records_sent_ = 0;
};

// Runs in the child: becomes the plugin process and never returns.
[[noreturn]] void run_plugin_process(const config::Config& cfg, const config::PluginInstance& inst,
                                     const aggregate::KeyLayout& layout, ipc::Ring& ring, Factory factory,
                                     pid_t core_pid, std::string_view program);

}  // namespace pmacct::plugin
