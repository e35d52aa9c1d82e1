#include "pmacct/log/log.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <array>
#include <mutex>

#include "pmacct/base/files.hpp"
#include "pmacct/base/strings.hpp"

namespace pmacct::log {
namespace {

struct State {
    std::mutex mu;
    std::string name = "default";
    std::string type = "core";
    Settings settings;
    UniqueFd logfile;
    bool syslog_open = false;
    bool stderr_on = true;
    std::atomic<bool> debug{false};
};

State& state() {
    static State s;
    return s;
}

int syslog_priority(Level l) {
    switch (l) {
        case Level::kDebug: return LOG_DEBUG;
        case Level::kInfo: return LOG_INFO;
        case Level::kNotice: return LOG_NOTICE;
        case Level::kWarn: return LOG_WARNING;
        case Level::kError: return LOG_ERR;
    }
    return LOG_INFO;
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // nowhere left to report a failing log destination
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Opens the destinations in `st.settings`; call with the mutex held.
Result<void> open_destinations(State& st) {
    st.logfile.reset();
    if (st.syslog_open) {
        ::closelog();
        st.syslog_open = false;
    }
    const Settings& s = st.settings;
    if (!s.logfile.empty()) {
        FilePolicy policy{s.umask, s.uid, s.gid};
        auto fd = open_file(s.logfile, O_WRONLY | O_APPEND, policy);
        if (!fd) return fail(fd.error());
        st.logfile = std::move(*fd);
    }
    if (s.syslog_facility) {
        // openlog keeps the pointer: the ident lives in the settings, which stay put.
        ::openlog(s.syslog_ident.empty() ? nullptr : s.syslog_ident.c_str(), LOG_PID,
                  *s.syslog_facility);
        st.syslog_open = true;
    }
    return ok();
}

}  // namespace

std::string_view level_name(Level l) {
    static constexpr std::array<std::string_view, 5> kNames = {"DEBUG", "INFO", "NOTICE", "WARN",
                                                               "ERROR"};
    return kNames[static_cast<std::size_t>(l)];
}

std::optional<int> facility_from_name(std::string_view name) {
    static constexpr std::pair<std::string_view, int> kFacilities[] = {
        {"auth", LOG_AUTH},     {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON},
        {"kern", LOG_KERN},     {"user", LOG_USER},     {"local0", LOG_LOCAL0},
        {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
        {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
        {"local7", LOG_LOCAL7},
    };
    std::string lower = to_lower(name);
    for (const auto& [n, f] : kFacilities) {
        if (n == lower) return f;
    }
    return std::nullopt;
}

void set_identity(std::string_view name, std::string_view type) {
    State& st = state();
    std::lock_guard lock(st.mu);
    st.name = name;
    st.type = type;
}

Result<void> configure(const Settings& s) {
    State& st = state();
    std::lock_guard lock(st.mu);
    st.settings = s;
    st.debug = s.debug;
    if (!s.logfile.empty() || s.syslog_facility) st.stderr_on = false;
    return open_destinations(st);
}

Result<void> reopen() {
    State& st = state();
    std::lock_guard lock(st.mu);
    return open_destinations(st);
}

void stderr_off() {
    State& st = state();
    std::lock_guard lock(st.mu);
    st.stderr_on = false;
}

bool debug_enabled() { return state().debug.load(std::memory_order_relaxed); }

std::string format_line(Level l, std::string_view name, std::string_view type,
                        std::string_view text) {
    return fmt::format("{} ( {}/{} ): {}", level_name(l), name, type, text);
}

std::string format_timestamp(std::time_t t, bool utc) {
    std::tm tm{};
    if (utc) {
        ::gmtime_r(&t, &tm);
    } else {
        ::localtime_r(&t, &tm);
    }
    std::array<char, 32> buf{};
    std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
    long off = utc ? 0 : tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    return fmt::format("{}{}{:02}:{:02}", std::string_view(buf.data(), n), sign, off / 3600,
                       (off % 3600) / 60);
}

void write(Level l, std::string_view text) {
    State& st = state();
    if (l == Level::kDebug && !st.debug.load(std::memory_order_relaxed)) return;
    std::lock_guard lock(st.mu);
    std::string line = format_line(l, st.name, st.type, text);
    const bool need_stamp = st.logfile.valid() || (st.stderr_on && st.settings.stderr_tstamp);
    std::string stamp = need_stamp ? format_timestamp(std::time(nullptr), st.settings.utc) : "";
    if (st.stderr_on) {
        write_all(STDERR_FILENO,
                  st.settings.stderr_tstamp ? fmt::format("{} {}\n", stamp, line) : line + '\n');
    }
    if (st.logfile.valid()) write_all(st.logfile.get(), fmt::format("{} {}\n", stamp, line));
    if (st.syslog_open) ::syslog(syslog_priority(l), "%s", line.c_str());
}

bool RateLimiter::allow(std::chrono::steady_clock::time_point now, std::uint64_t& suppressed) {
    const std::int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::int64_t start = window_start_ms_.load(std::memory_order_relaxed);
    if (start < 0 || now_ms - start >= interval_ms_) {
        if (window_start_ms_.compare_exchange_strong(start, now_ms)) {
            in_window_.store(0, std::memory_order_relaxed);
        }
    }
    if (in_window_.fetch_add(1, std::memory_order_relaxed) >= burst_) {
        suppressed_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    suppressed = suppressed_.exchange(0, std::memory_order_relaxed);
    return true;
}

}  // namespace pmacct::log
