#include "pmacct/plugin/plugin.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <ctime>

#include "pmacct/log/log.hpp"
#include "pmacct/maps/flow_lookups.hpp"
#include "pmacct/process/signals.hpp"

namespace pmacct::plugin {
namespace {

using namespace ring_layout;

// Batches drained before timers and signals get a look.
constexpr int kDrainBudget = 64;
// Longest nap of a busy plugin (see the run loop): how late a batch can be handled at worst.
constexpr int kNapMs = 500;
// After a stop signal, how long to wait for the core to close the ring (it usually got the
// same signal and is flushing its last batches).
constexpr int kStopGraceMs = 3000;

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

std::size_t ring_record_size(const aggregate::KeyLayout& layout) {
    return (kCountersBytes + layout.key_size() + 7) / 8 * 8;
}

void write_ring_record(std::uint8_t* dst, const aggregate::KeyLayout& layout, const FlowRecord& r,
                       int side, const maps::FlowLookups* lookups) {
    // Field by field into the ring (building a Counters and copying it whole would read back
    // narrow stores with wide loads). The start time decides the time-bin.
    const Timestamp& start = r.time_bin.empty() ? r.time_start : r.time_bin;
    // The end (stitching's timestamp_max): the one that goes with the bin time, else the
    // flow's end, else when it arrived.
    const Timestamp& end = !r.time_bin_end.empty() ? r.time_bin_end
                           : !r.time_end.empty()   ? r.time_end
                                                   : r.time_arrival;
    write_ring_counters(dst, r.bytes, r.packets, r.flows, start, end, r.tcp_flags, r.type, r.tunnel_tcp_flags);
    layout.extract(r, dst + kCountersBytes, side);
    if (lookups != nullptr) lookups->apply(r, dst + kCountersBytes, side);
}

void Plugin::do_batch(const std::uint8_t* data, std::uint32_t records, std::size_t record_size) {
    for (std::uint32_t i = 0; i < records; ++i) {
        const std::uint8_t* rec = data + std::size_t{i} * record_size;
        do_record(ring_record_key(rec), ring_record_counters(rec));
    }
}

int Plugin::run(Environment& env) {
    if (auto r = do_init(env); !r) {
        log::error("{}", r.error());
        return 1;
    }
    ipc::Ring& ring = *env.ring;
    const std::size_t record_size = ring.record_size();
    std::uint64_t reported_lost = 0;
    bool stopping = false;
    auto stop_deadline = std::chrono::steady_clock::time_point::max();
    FinishReason reason = FinishReason::kCoreClosed;

    process::Signals::on(process::Signal::kUsr2, [this] { do_reload(); });

    while (true) {
        int drained = 0;
        ipc::Batch batch;
        while (drained < kDrainBudget && ring.peek(batch)) {
            do_batch(batch.data, batch.records, record_size);
            ring.release();
            ++drained;
        }
        const auto stats = ring.stats();
        if (stats.records_dropped > reported_lost) {
            PMACCT_LOG_LIMITED(log::Level::kWarn, 10, 1,
                               "Missing data detected (plugin_buffer_size={} plugin_pipe_size={}): "
                               "{} records lost in all so far",
                               ring.batch_bytes(), ring.batch_bytes() * ring.slot_count(),
                               stats.records_dropped);
            reported_lost = stats.records_dropped;
        }
        const std::int64_t now = now_seconds();
        do_tick(now);

        if (ring.finished()) break;
        if (drained == kDrainBudget) continue;  // more may be waiting: no sleep

        if (::getppid() != env.core_pid) {
            log::warn("Core process *seems* gone. Exiting.");
            // Whatever was published before the core died is still in the ring.
            while (ring.peek(batch)) {
                do_batch(batch.data, batch.records, record_size);
                ring.release();
            }
            reason = FinishReason::kCoreGone;
            break;
        }
        if (process::Signals::stop_requested() && !stopping) {
            stopping = true;
            stop_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStopGraceMs);
        }
        if (stopping && std::chrono::steady_clock::now() >= stop_deadline) {
            reason = FinishReason::kStopSignal;
            break;
        }

        // Under load, nap: batches gather meanwhile, and the core wakes us only if a quarter of
        // the ring fills up before the nap ends. One wake-up then takes many batches. An idle
        // plugin sleeps until the first batch.
        const bool nap = drained > 0 && !stopping;
        const auto wake_at = nap ? static_cast<std::uint32_t>(std::max<std::size_t>(ring.slot_count() / 4, 1)) : 1U;
        if (!ring.prepare_sleep(wake_at)) continue;
        int timeout = do_timeout_ms(now);
        if (timeout < 0 || timeout > 1000) timeout = 1000;
        if (stopping) timeout = std::min(timeout, 100);
        if (nap) timeout = std::min(timeout, kNapMs);
        struct pollfd fds[3] = {{ring.event_fd(), POLLIN, 0},
                                {process::Signals::wake_fd(), POLLIN, 0},
                                {do_extra_fd(), POLLIN, 0}};
        const nfds_t nfds = fds[2].fd >= 0 ? 3 : 2;
        int n = ::poll(fds, nfds, timeout);
        ring.after_wakeup();
        if (n > 0 && (fds[1].revents & POLLIN) != 0) process::Signals::dispatch();
        if (n > 0 && nfds == 3 && (fds[2].revents & POLLIN) != 0) do_extra_fd_ready();
    }
    return do_finish(reason);
}

}  // namespace pmacct::plugin
