#include "pmacct/plugin/caching_plugin.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "pmacct/log/log.hpp"

namespace pmacct::plugin {

std::int64_t first_refresh_deadline(std::int64_t now, std::int64_t refresh, std::int64_t startup_delay,
                                    const std::string& roundoff, bool utc) {
    std::int64_t t = aggregate::roundoff_time(now, roundoff, utc);
    while (t + refresh <= now) t += refresh;
    return t + refresh + startup_delay;
}

CachingPlugin::~CachingPlugin() {
    {
        std::lock_guard lock(mu_);
        writer_stop_ = true;
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
}

Result<void> CachingPlugin::do_init(Environment& env) {
    const config::Settings& s = env.instance->settings;
    key_size_ = env.layout->key_size();
    refresh_ = s.get_seconds("sql_refresh_time");
    max_writers_ = static_cast<std::size_t>(s.get_uint("sql_max_writers"));
    if (max_writers_ == 0) max_writers_ = 1;
    cache_key_name_ = cache_entries_key();
    // pmacct sizes its cache as buckets of ~10-long chains: keep the same aggregate capacity.
    cache_entries_ = static_cast<std::size_t>(s.get_uint(cache_key_name_)) * 10;
    const bool utc = s.get_bool("timestamps_utc");
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    const std::string roundoff = s.get_string("sql_history_roundoff");
    if (s.is_set("sql_history")) {
        auto history = config::parse_history(s.get_string("sql_history"));
        auto b = aggregate::TimeBins::create(*history, roundoff, s.get_seconds("sql_history_offset"), now, utc);
        if (!b) return fail(fmt::format("{}: {}", s.get_string("sql_history"), b.error()));
        bins_ = *b;
    }
    if (s.is_set("sql_preprocess")) {
        auto pp = aggregate::Preprocess::parse(s.get_string("sql_preprocess"),
                                               s.get_string("sql_preprocess_type") == "all");
        if (!pp) return fail(fmt::format("preprocess: {}", pp.error()));
        preprocess_ = std::move(*pp);
        for (const auto& n : preprocess_.sql_only()) {
            log::warn("preprocess: '{}' applies to the SQL plugins only; ignored", n);
        }
    }
    if (s.get_bool("nfacctd_pro_rating") && s.get_bool("nfacctd_stitching")) {
        return fail(
            "Pro-rating (ie. nfacctd_pro_rating) and stitching (ie. nfacctd_stitching) are mutual "
            "exclusive");
    }
    pro_rating_ = s.get_bool("nfacctd_pro_rating") && bins_.enabled();
    trigger_ = s.get_string("sql_trigger_exec");
    trigger_async_ = s.get_bool("sql_trigger_exec_async");
    startup_delay_ = s.get_seconds("sql_startup_delay");
    deadline_ = first_refresh_deadline(now, refresh_, startup_delay_, roundoff, utc);
    // Rows print bytes and packets; the flows counter only when `flows` is aggregated (or a
    // preprocess check reads it), the TCP flags when `tcpflags` or `tunnel_tcpflags` is, the
    // start/end times only for stitching. Without them an aggregate takes about half the memory,
    // and the cache misses the CPU's caches less.
    const bool all_counters = preprocess_.uses_flows() || std::any_of(env.layout->fields().begin(), env.layout->fields().end(),
                                                               [](const auto& f) {
                                                                   return f.spec->name == "flows" || f.spec->name == "tcpflags" ||
                                                                          f.spec->name == "tunnel_tcpflags";
                                                               });
    fields_ = all_counters || s.get_bool("nfacctd_stitching") ? aggregate::Fields::kAll : aggregate::Fields::kVolume;
    active_ = std::make_unique<aggregate::Cache>(key_size_, cache_entries_, fields_);
    if (auto r = do_open(env); !r) return r;
    writer_ = std::thread([this] { writer_loop(); });
    log::info("cache entries={} base cache memory={} bytes", cache_entries_,
              cache_entries_ * aggregate::Cache::bytes_per_entry(key_size_, fields_));
    return ok();
}

void CachingPlugin::do_record(const std::uint8_t* key, const aggregate::Counters& counters) {
    if (pro_rating_) {
        pro_rate(bins_, counters, [&](std::int64_t basetime, const aggregate::Counters& share) {
            add(key, basetime, share, active_->hash(key, basetime));
        });
        return;
    }
    const std::int64_t basetime = bins_.record_bin(counters.time_start.sec);
    add(key, basetime, counters, active_->hash(key, basetime));
}

void CachingPlugin::do_batch(const std::uint8_t* data, std::uint32_t records, std::size_t record_size) {
    if (pro_rating_) {
        Plugin::do_batch(data, records, record_size);  // record by record
        return;
    }
    const auto cache = [this]() -> const aggregate::Cache& { return *active_; };
    const auto fold = [this](const std::uint8_t* key, std::int64_t basetime, const aggregate::Counters& c,
                             std::uint64_t hash, std::uint32_t hint) { add(key, basetime, c, hash, hint); };
    if (!bins_.enabled()) {  // no history: one time-bin, 0, for every record
        add_batch_prefetched(data, records, record_size, cache, [](std::int64_t) { return std::int64_t{0}; }, fold);
        return;
    }
    add_batch_prefetched(data, records, record_size, cache,
                         [this](std::int64_t start_sec) { return bins_.record_bin(start_sec); }, fold);
}

void CachingPlugin::add_when_full(const std::uint8_t* key, std::int64_t basetime, const aggregate::Counters& counters,
                                  std::uint64_t hash) {
    PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1, "Finished cache entries (ie. {}). Purging.",
                       cache_key_name_);
    purge(static_cast<std::int64_t>(std::time(nullptr)), true, false);
    active_->add(key, basetime, counters, hash);  // the new cache is empty: this cannot fail
}

void CachingPlugin::do_tick(std::int64_t now) {
    if (now < deadline_) return;
    purge(now, false, false);
    while (deadline_ <= now) deadline_ += refresh_;
}

int CachingPlugin::do_timeout_ms(std::int64_t now) const {
    const std::int64_t left = deadline_ - now;
    if (left <= 0) return 0;
    return left > 1 ? 1000 : static_cast<int>(left * 1000);
}

int CachingPlugin::do_finish(FinishReason /*reason*/) {
    purge(static_cast<std::int64_t>(std::time(nullptr)), false, true);
    {
        std::lock_guard lock(mu_);
        writer_stop_ = true;
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    return 0;
}

std::unique_ptr<aggregate::Cache> CachingPlugin::take_empty_cache() {
    std::unique_lock lock(mu_);
    if (spare_.empty() && caches_out_ >= max_writers_) {
        PMACCT_LOG_LIMITED(log::Level::kWarn, 60, 1,
                           "Maximum number of writer processes reached ({}); waiting for a writer",
                           max_writers_);
        cv_.wait(lock, [this] { return !spare_.empty(); });
    }
    if (!spare_.empty()) {
        auto c = std::move(spare_.back());
        spare_.pop_back();
        return c;
    }
    lock.unlock();
    return std::make_unique<aggregate::Cache>(key_size_, cache_entries_, fields_);
}

void CachingPlugin::purge(std::int64_t now, bool urgent, bool last) {
    PurgeInfo info;
    info.now = now;
    info.urgent = urgent;
    info.last = last;
    info.history = bins_.enabled();
    info.sequence = ++purges_;
    auto fresh = last ? nullptr : take_empty_cache();
    if (!urgent && !last && startup_delay_ > 0 && bins_.enabled()) {
        // As pmacct: time-bins that start later than now - startup_delay stay in the cache
        // for a later purge (late records may still come for them); the rest is written.
        auto written = take_empty_cache();
        active_->for_each([&](const std::uint8_t* key, const aggregate::Aggregate& a) {
            aggregate::Cache& to = a.basetime + startup_delay_ > now ? *fresh : *written;
            to.add(key, a.basetime, a.counters);  // both are as large as active_: cannot fail
        });
        active_->clear();
        {
            std::lock_guard lock(mu_);
            spare_.push_back(std::move(active_));
        }
        active_ = std::move(written);
    }
    {
        std::lock_guard lock(mu_);
        jobs_.push_back(Job{std::move(active_), info});
        ++caches_out_;
    }
    cv_.notify_all();
    active_ = std::move(fresh);
}

void CachingPlugin::run_trigger() {
    // Reap asynchronous triggers of earlier purges.
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    pid_t pid = ::fork();
    if (pid == 0) {
        ::execl(trigger_.c_str(), trigger_.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    if (pid < 0) {
        log::warn("trigger_exec {}: cannot fork: {}", trigger_, std::strerror(errno));
        return;
    }
    if (trigger_async_) return;
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        log::warn("trigger_exec {} failed (status {})", trigger_, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}

void CachingPlugin::writer_loop() {
    while (true) {
        Job job;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [this] { return writer_stop_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stop requested and nothing left to write
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        do_purge(*job.cache, job.info);
        if (!trigger_.empty()) run_trigger();
        job.cache->clear();
        {
            std::lock_guard lock(mu_);
            --caches_out_;
            spare_.push_back(std::move(job.cache));
        }
        cv_.notify_all();
    }
}

}  // namespace pmacct::plugin
