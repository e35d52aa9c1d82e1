// The print plugin: writes each purge of its cache to stdout or to a file, in formatted, csv,
// event_formatted, event_csv or json form.
#include "print_plugin.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "pmacct/base/files.hpp"
#include "pmacct/base/time.hpp"
#include "pmacct/config/values.hpp"
#include "pmacct/log/log.hpp"

namespace pmacct::plugins::print {
namespace {

constexpr std::size_t kFlushBytes = 1 << 16;

// \t and \s stand for a tab and a space in print_output_separator.
std::string unescape_separator(std::string_view s) {
    if (s == "\\t") return "\t";
    if (s == "\\s") return " ";
    return std::string(s);
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            PMACCT_LOG_LIMITED(log::Level::kError, 60, 1, "write failed: {}", std::strerror(errno));
            return;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string strftime_path(const std::string& pattern, std::int64_t t, bool utc) {
    const std::tm tm = to_tm(t, utc);
    std::string out(pattern.size() + 256, '\0');
    // The pattern is the user's print_output_file: a format string by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    std::size_t n = std::strftime(out.data(), out.size(), pattern.c_str(), &tm);
#pragma GCC diagnostic pop
    if (n == 0 && !pattern.empty()) return pattern;
    out.resize(n);
    return out;
}

// The time a purge's file is named after: the time-bin of its first row with history (as
// pmacct), else the purge time.
std::int64_t file_time(const aggregate::Cache& cache, const plugin::PurgeInfo& info) {
    const auto first = cache.front();
    return info.history && first ? first->basetime : info.now;
}

}  // namespace

Result<void> PrintPlugin::do_open(plugin::Environment& env) {
    const config::Settings& s = env.instance->settings;
    const std::string format_name = s.get_string("print_output");
    auto format = output::format_from_name(format_name);
    if (!format) return fail(fmt::format("print_output '{}' is not supported yet", format_name));
    if (*format == output::Format::kFormatted || *format == output::Format::kEventFormatted) {
        for (const auto& f : env.layout->fields()) {
            if ((f.spec->flags & primitives::kVariableLength) != 0) {
                return fail(fmt::format("'{}' has no fixed width: use print_output csv or json instead of {}",
                                        f.spec->name, format_name));
            }
        }
    }
    output::Options o;
    o.num_protos = s.get_bool("print_num_protos");
    o.separator = unescape_separator(s.get_string("print_output_separator"));
    o.timestamps_secs = s.get_bool("timestamps_secs");
    o.timestamps_since_epoch = s.get_bool("timestamps_since_epoch");
    o.timestamps_utc = s.get_bool("timestamps_utc");
    o.timestamps_rfc3339 = s.get_bool("timestamps_rfc3339");
    o.tcpflags_encode_as_array = s.get_bool("tcpflags_encode_as_array");
    o.tos_encode_as_dscp = s.get_bool("tos_encode_as_dscp");
    o.fwd_status_encode_as_string = s.get_bool("fwd_status_encode_as_string");
    o.stitching = s.get_bool("nfacctd_stitching");
    o.label_encode_as_map = s.get_bool("pre_tag_label_encode_as_map");
    utc_ = o.timestamps_utc;
    layout_ = env.layout;
    post_tag_ = s.get_uint("post_tag");
    post_tag2_ = s.get_uint("post_tag2");
    writer_ = std::make_unique<output::RowWriter>(*env.layout, *format, o);
    json_ = *format == output::Format::kJson;
    path_ = s.get_string("print_output_file");
    append_ = s.get_bool("print_output_file_append");
    latest_ = s.get_string("print_latest_file");
    markers_ = s.get_bool("print_markers");
    write_empty_ = s.get_bool("print_write_empty_file");
    lock_path_ = s.get_string("print_output_lock_file");
    policy_ = config::file_policy(s);
    return ok();
}

void PrintPlugin::do_purge(const aggregate::Cache& cache, const plugin::PurgeInfo& info) {
    const auto started = std::chrono::steady_clock::now();
    const pid_t pid = ::getpid();
    log::info("*** Purging cache - START (PID: {}) ***", pid);
    const bool to_file = !path_.empty();
    if (cache.empty() && to_file && !write_empty_) {
        log::info("*** Purging cache - END (PID: {}, QN: 0/0, ET: 0) ***", pid);
        return;
    }
    if (to_file && path_.find('$') != std::string::npos) {
        purge_by_file(cache, info, started);
        return;
    }

    int fd = STDOUT_FILENO;
    UniqueFd file;
    bool fresh = true;  // the header goes at the top of a new (or rewritten) file
    std::string path;
    if (to_file) {
        path = strftime_path(path_, file_time(cache, info), utc_);
        int flags = O_WRONLY | (append_ ? O_APPEND : O_TRUNC);
        auto f = open_file(path, flags, policy_);
        if (!f) {
            log::error("{}", f.error());
            return;
        }
        file = std::move(*f);
        fd = file.get();
        if (append_) fresh = ::lseek(fd, 0, SEEK_END) == 0;
    } else {
        fresh = !header_on_stdout_;
    }

    // print_output_lock_file: one writer at a time among the plugins sharing the lock.
    UniqueFd lock;
    if (!lock_path_.empty()) {
        if (auto l = open_file(lock_path_, O_RDWR, policy_)) {
            lock = std::move(*l);
            ::flock(lock.get(), LOCK_EX);
        } else {
            log::warn("{}", l.error());
        }
    }
    std::string buf;
    buf.reserve(kFlushBytes + 4096);
    if (markers_) {
        buf += json_ ? fmt::format("{{\"event_type\": \"purge_init\", \"writer_id\": \"{}\"}}\n", pid)
                     : fmt::format("--START ({})--\n", pid);
    }
    if (fresh) {
        writer_->header(buf);
        if (!to_file) header_on_stdout_ = true;
    }
    output::RowContext ctx;
    ctx.history = info.history;
    ctx.stamp_updated = info.now;
    std::size_t rows = 0;
    const aggregate::Preprocess& pp = preprocess();
    cache.for_each([&](const std::uint8_t* key, const aggregate::Aggregate& a) {
        if (!pp.accept(a.counters)) return;
        ctx.stamp_inserted = a.basetime;
        writer_->row(key, a.counters, ctx, buf);
        ++rows;
        if (buf.size() >= kFlushBytes) {
            write_all(fd, buf);
            buf.clear();
        }
    });
    if (markers_) {
        const auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
        buf += json_ ? fmt::format("{{\"event_type\": \"purge_close\", \"writer_id\": \"{}\", "
                                   "\"purged_entries\": {}, \"total_entries\": {}, \"duration\": {}}}\n",
                                   pid, rows, cache.size(), secs)
                     : fmt::format("--END ({})--\n", pid);
    }
    write_all(fd, buf);
    if (lock.valid()) ::flock(lock.get(), LOCK_UN);
    if (to_file) {
        file.reset();
        if (!latest_.empty()) {
            const std::string tmp = latest_ + ".tmp";
            ::unlink(tmp.c_str());
            if (::symlink(path.c_str(), tmp.c_str()) != 0 || ::rename(tmp.c_str(), latest_.c_str()) != 0) {
                log::warn("cannot point print_latest_file {} at {}: {}", latest_, path, std::strerror(errno));
            }
        }
    }
    const auto et = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
    log::info("*** Purging cache - END (PID: {}, QN: {}/{}, ET: {}) ***", pid, rows, cache.size(), et);
}

// $peer_src_ip, $tag, $tag2 (from the row), $post_tag, $post_tag2 (the plugin's settings).
std::string PrintPlugin::expand_variables(const std::string& path, const std::uint8_t* key) const {
    std::string out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] != '$') {
            out += path[i++];
            continue;
        }
        std::size_t j = i + 1;
        while (j < path.size() && (std::isalnum(static_cast<unsigned char>(path[j])) || path[j] == '_')) ++j;
        const std::string_view var(path.data() + i + 1, j - i - 1);
        const aggregate::KeyField* f = layout_->field(var);
        if (var == "peer_src_ip") {
            out += f != nullptr ? aggregate::read_ip(*f, key).to_string() : std::string("0.0.0.0");
        } else if (var == "tag" || var == "tag2") {
            out += std::to_string(f != nullptr ? aggregate::read_uint(*f, key) : 0);
        } else if (var == "post_tag") {
            out += std::to_string(post_tag_);
        } else if (var == "post_tag2") {
            out += std::to_string(post_tag2_);
        } else {
            out.append(path, i, j - i);  // not a variable: kept as written
        }
        i = j;
    }
    return out;
}

void PrintPlugin::purge_by_file(const aggregate::Cache& cache, const plugin::PurgeInfo& info,
                                std::chrono::steady_clock::time_point started) {
    const pid_t pid = ::getpid();
    const std::string pattern = strftime_path(path_, file_time(cache, info), utc_);
    // Rows grouped by the file their variables name, each file in first-row order.
    std::vector<std::pair<std::string, std::string>> files;
    std::map<std::string, std::size_t> index;
    output::RowContext ctx;
    ctx.history = info.history;
    ctx.stamp_updated = info.now;
    std::size_t rows = 0;
    const aggregate::Preprocess& pp = preprocess();
    cache.for_each([&](const std::uint8_t* key, const aggregate::Aggregate& a) {
        if (!pp.accept(a.counters)) return;
        std::string path = expand_variables(pattern, key);
        auto [it, fresh] = index.emplace(path, files.size());
        if (fresh) files.emplace_back(std::move(path), std::string());
        ctx.stamp_inserted = a.basetime;
        writer_->row(key, a.counters, ctx, files[it->second].second);
        ++rows;
    });
    for (auto& [path, body] : files) {
        auto f = open_file(path, O_WRONLY | (append_ ? O_APPEND : O_TRUNC), policy_);
        if (!f) {
            log::error("{}", f.error());
            continue;
        }
        std::string head;
        if (!append_ || ::lseek(f->get(), 0, SEEK_END) == 0) writer_->header(head);
        if (markers_) head += fmt::format("--START ({})--\n", pid);
        write_all(f->get(), head);
        write_all(f->get(), body);
        if (markers_) write_all(f->get(), fmt::format("--END ({})--\n", pid));
    }
    const auto et = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
    log::info("*** Purging cache - END (PID: {}, QN: {}/{}, ET: {}) ***", pid, rows, cache.size(), et);
}

std::unique_ptr<plugin::Plugin> make() { return std::make_unique<PrintPlugin>(); }

}  // namespace pmacct::plugins::print
