// Logging as pmacct users know it: "LEVEL ( name/type ): text" lines to stderr, a log file
// (each line prefixed with an RFC 9557 timestamp) and/or syslog. Process-wide; every process
// (core, plugins) sets its own name/type after fork. Thread-safe.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "pmacct/base/result.hpp"

namespace pmacct::log {

enum class Level : std::uint8_t { kDebug, kInfo, kNotice, kWarn, kError };

std::string_view level_name(Level l);  // "DEBUG", "INFO", "NOTICE", "WARN", "ERROR"

struct Settings {
    bool debug = false;
    std::string logfile;                 // empty: no log file
    std::optional<int> syslog_facility;  // LOG_DAEMON, LOG_LOCAL2, ...
    std::string syslog_ident;            // empty: the program name
    bool stderr_tstamp = false;
    bool utc = false;                    // timestamps in UTC rather than local time
    // Applied to a log file the daemon creates.
    mode_t umask = 077;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
};

// Parses a syslog facility name (auth mail daemon kern user local0..local7).
std::optional<int> facility_from_name(std::string_view name);

// Who is logging: "( name/type )", e.g. ( default/core ) or ( foo/print ).
void set_identity(std::string_view name, std::string_view type);
// Switches destinations. Stderr stays on unless a log file or syslog is configured, or
// stderr_off() was called (daemonized).
Result<void> configure(const Settings& s);
// Reopens the log file and syslog connection (after SIGHUP, for log rotation).
Result<void> reopen();
// Stop writing to stderr (after daemonizing, when stderr is /dev/null).
void stderr_off();
bool debug_enabled();

// The text of one log line without timestamp or newline: "INFO ( default/core ): text".
std::string format_line(Level l, std::string_view name, std::string_view type,
                        std::string_view text);
// "2026-11-22T10:00:00+01:00" (RFC 9557 / RFC 3339 offset form).
std::string format_timestamp(std::time_t t, bool utc);

void write(Level l, std::string_view text);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
    if (debug_enabled()) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void notice(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::kNotice, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

// Lets through at most `burst` messages per `interval`; counts the rest. For the data path:
// a suppressed message costs one clock read and an atomic increment, no formatting.
class RateLimiter {
public:
    RateLimiter(std::chrono::milliseconds interval, std::uint32_t burst)
        : interval_ms_(interval.count()), burst_(burst) {}

    // True when the message may be written; `suppressed` then holds how many were dropped
    // since the last one that went through.
    bool allow(std::chrono::steady_clock::time_point now, std::uint64_t& suppressed);

private:
    std::int64_t interval_ms_;
    std::uint32_t burst_;
    std::atomic<std::int64_t> window_start_ms_{-1};
    std::atomic<std::uint32_t> in_window_{0};
    std::atomic<std::uint64_t> suppressed_{0};
};

// Writes through `limiter`, appending "(N similar messages suppressed)" when some were.
template <typename... Args>
void write_limited(RateLimiter& limiter, Level l, fmt::format_string<Args...> f, Args&&... args) {
    if (l == Level::kDebug && !debug_enabled()) return;
    std::uint64_t suppressed = 0;
    if (!limiter.allow(std::chrono::steady_clock::now(), suppressed)) return;
    std::string text = fmt::format(f, std::forward<Args>(args)...);
    if (suppressed > 0) text += fmt::format(" ({} similar messages suppressed)", suppressed);
    write(l, text);
}

}  // namespace pmacct::log

// Rate-limited logging with a limiter per call site: at most `burst` lines per `seconds`.
#define PMACCT_LOG_LIMITED(level, interval_s, burst, ...)                                     \
    do {                                                                                       \
        static ::pmacct::log::RateLimiter pmacct_log_limiter_{                                 \
            std::chrono::seconds(interval_s), (burst)};                                        \
        ::pmacct::log::write_limited(pmacct_log_limiter_, (level), __VA_ARGS__);               \
    } while (false)
