// A plugin that aggregates into a cache and writes it out at every *_refresh_time (print, and
// later SQL, Kafka, AMQP). Aggregation never waits for the backend: at each purge the full cache
// is handed to a writer thread and an empty one takes its place (at most *_max_writers caches
// wait to be written). Time-bins, urgent purges of a full cache and the final purge on exit
// are handled here; subclasses only write a cache.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pmacct/aggregate/cache.hpp"
#include "pmacct/aggregate/preprocess.hpp"
#include "pmacct/aggregate/time_bins.hpp"
#include "pmacct/plugin/plugin.hpp"

namespace pmacct::plugin {

struct PurgeInfo {
    std::int64_t now = 0;     // when the purge started (stamp_updated)
    bool urgent = false;      // the cache was full
    bool last = false;        // the final purge before exit
    bool history = false;     // time-bins are on (rows carry stamp_inserted)
    std::uint64_t sequence = 0;
};

// nfacctd_pro_rating: calls add(basetime, share) for each time-bin a record's start..end
// overlaps, with the counters split in proportion to the seconds in each. Shares are cumulative
// roundings, so they add up to the record's bytes and packets exactly; every share counts the
// flow (`flows` is not split), as in pmacct. A record without a later end is added whole to
// its usual bin (TimeBins::record_bin).
template <typename AddFn>
void pro_rate(const aggregate::TimeBins& bins, const aggregate::Counters& c, AddFn&& add) {
    const std::int64_t start = c.time_start.sec;
    const std::int64_t end = c.time_end.sec;
    if (end <= start) {
        add(bins.record_bin(start), c);
        return;
    }
    std::int64_t bin = bins.bin_start(start);
    if (bin + bins.bin_length(bin) >= end) {
        add(bin, c);
        return;
    }
    const auto duration = static_cast<unsigned __int128>(end - start);
    const auto portion = [&](std::uint64_t total, std::int64_t elapsed) {
        return static_cast<std::uint64_t>(total * static_cast<unsigned __int128>(elapsed) / duration);
    };
    aggregate::Counters share = c;
    std::int64_t done = 0;  // seconds of the flow in the bins already added
    while (bin < end) {
        const std::int64_t next = bin + bins.bin_length(bin);
        const std::int64_t upto = std::min(next, end) - start;
        share.bytes = portion(c.bytes, upto) - portion(c.bytes, done);
        share.packets = portion(c.packets, upto) - portion(c.packets, done);
        add(bin, share);
        done = upto;
        bin = next;
    }
}

// P_init_refresh_deadline: the first purge time after `now` on the grid of `refresh` seconds
// anchored at `now` rounded off by `roundoff`, pushed back by `startup_delay`.
std::int64_t first_refresh_deadline(std::int64_t now, std::int64_t refresh, std::int64_t startup_delay,
                                    const std::string& roundoff, bool utc);

class CachingPlugin : public Plugin {
public:
    ~CachingPlugin() override;

protected:
    // Plugin-specific set-up (after the common settings are read).
    virtual Result<void> do_open(Environment& env) = 0;
    // Writes one cache out; runs on the writer thread, one purge at a time, in order.
    virtual void do_purge(const aggregate::Cache& cache, const PurgeInfo& info) = 0;
    // Key of the cache size setting for this plugin type.
    virtual const char* cache_entries_key() const { return "print_cache_entries"; }

    const aggregate::TimeBins& bins() const { return bins_; }
    // *_preprocess thresholds a row must meet to be written.
    const aggregate::Preprocess& preprocess() const { return preprocess_; }

private:
    Result<void> do_init(Environment& env) final;
    void do_record(const std::uint8_t* key, const aggregate::Counters& counters) final;
    void do_batch(const std::uint8_t* data, std::uint32_t records, std::size_t record_size) final;
    // Inline: in the batch loop the counters a cache does not keep are then not even read.
    void add(const std::uint8_t* key, std::int64_t basetime, const aggregate::Counters& counters,
             std::uint64_t hash, std::uint32_t hint = 0) {
        if (!active_->add(key, basetime, counters, hash, hint)) add_when_full(key, basetime, counters, hash);
    }
    // add() once the cache had no room: purges it, then adds to the new one.
    void add_when_full(const std::uint8_t* key, std::int64_t basetime, const aggregate::Counters& counters,
                       std::uint64_t hash);
    void do_tick(std::int64_t now) final;
    int do_timeout_ms(std::int64_t now) const final;
    int do_finish(FinishReason reason) final;

    void purge(std::int64_t now, bool urgent, bool last);
    std::unique_ptr<aggregate::Cache> take_empty_cache();
    void writer_loop();
    // *_trigger_exec after a purge: waits for it unless *_trigger_exec_async.
    void run_trigger();

    struct Job {
        std::unique_ptr<aggregate::Cache> cache;
        PurgeInfo info;
    };

    aggregate::TimeBins bins_;
    aggregate::Preprocess preprocess_;
    std::string trigger_;
    bool trigger_async_ = false;
    bool pro_rating_ = false;  // nfacctd_pro_rating with time-bins
    std::unique_ptr<aggregate::Cache> active_;
    aggregate::Fields fields_ = aggregate::Fields::kAll;  // what the caches keep
    std::size_t key_size_ = 0;
    std::size_t cache_entries_ = 0;
    std::size_t max_writers_ = 10;
    std::int64_t refresh_ = 60;
    std::int64_t startup_delay_ = 0;  // *_startup_delay: also holds back bins not yet due
    std::int64_t deadline_ = 0;
    std::uint64_t purges_ = 0;
    std::string cache_key_name_;

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    std::vector<std::unique_ptr<aggregate::Cache>> spare_;
    std::size_t caches_out_ = 0;  // handed to the writer, not yet returned
    bool writer_stop_ = false;
    std::thread writer_;
};

}  // namespace pmacct::plugin
