#include "pmacct/app/daemon_main.hpp"

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pmacct/app/cmdline.hpp"
#include "pmacct/base/build_info.hpp"
#include "pmacct/base/files.hpp"
#include "pmacct/config/values.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/primitives/custom.hpp"
#include "pmacct/primitives/registry.hpp"
#include "pmacct/process/daemonize.hpp"
#include "pmacct/process/pidfile.hpp"
#include "pmacct/process/signals.hpp"

namespace pmacct::app {
namespace {

std::string_view main_job_description(Daemon d) {
    switch (d) {
        case Daemon::kPmacctd: return "capturing packets with libpcap";
        case Daemon::kUacctd: return "capturing packets from NFLOG";
        case Daemon::kNfacctd: return "collecting NetFlow and IPFIX";
        case Daemon::kSfacctd: return "collecting sFlow";
        case Daemon::kPmbgpd: return "collecting BGP";
        case Daemon::kPmbmpd: return "collecting BMP";
        case Daemon::kPmtelemetryd: return "collecting Streaming Telemetry";
    }
    return "its main job";
}

std::string header(Daemon d) { return fmt::format("{}, {}", daemon_info(d).title, daemon_name(d)); }

void print_primitives(Daemon d) {
    std::string head = fmt::format("{} {} ({})", header(d), version(), build_id());
    if (!in_mask(kTraffic, d)) {
        fmt::print("{}\n\n{} collects control-plane data and aggregates no traffic: it has no "
                   "aggregation primitives.\n",
                   head, daemon_name(d));
        return;
    }
    fmt::print("{}", primitives::list_for_daemon(d, head));
}

// Log settings from the core's configuration.
Result<log::Settings> log_settings(const config::Settings& core) {
    log::Settings s;
    s.debug = core.get_bool("debug");
    s.logfile = core.get_string("logfile");
    if (core.is_set("syslog")) s.syslog_facility = log::facility_from_name(core.get_string("syslog"));
    s.syslog_ident = core.get_string("syslog_ident");
    s.stderr_tstamp = core.get_bool("log_stderr_tstamp");
    s.utc = core.get_bool("timestamps_utc");
    if (auto m = config::parse_octal(core.get_string("files_umask"))) s.umask = *m;
    if (core.is_set("files_uid")) {
        auto uid = resolve_user(core.get_string("files_uid"));
        if (!uid) return fail(uid.error());
        s.uid = *uid;
    }
    if (core.is_set("files_gid")) {
        auto gid = resolve_group(core.get_string("files_gid"));
        if (!gid) return fail(gid.error());
        s.gid = *gid;
    }
    return s;
}

int run(Daemon d, int argc, const char* const* argv, JobFactory factory) {
    const std::string_view prog = daemon_name(d);
    log::set_identity("default", "core");

    std::span<const char* const> args(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0));
    auto cl = parse_command_line(d, args);
    if (!cl) {
        fmt::print(stderr, "{}: {}\nTry '{} -h' for the list of options.\n", prog, cl.error(), prog);
        return 1;
    }
    if (cl->help) {
        fmt::print("{}", usage(d));
        return 0;
    }
    if (cl->version) {
        fmt::print("{}", version_report(header(d)));
        return 0;
    }
    if (cl->list_primitives) {
        print_primitives(d);
        return 0;
    }

    // pmacctd takes a capture filter from the words after the options, as tcpdump does.
    std::vector<config::ConfigLine> lines = cl->lines;
    if (!cl->arguments.empty()) {
        if (d != Daemon::kPmacctd) {
            fmt::print(stderr, "{}: unexpected argument '{}'\nTry '{} -h' for the list of options.\n",
                       prog, cl->arguments.front(), prog);
            return 1;
        }
        std::string filter;
        for (const auto& a : cl->arguments) filter += (filter.empty() ? "" : " ") + a;
        lines.push_back({"pcap_filter: " + filter, config::Origin{"command line filter", 0}});
    }

    config::LoadOptions opts;
    opts.daemon = d;
    opts.file = cl->config_file;
    opts.extra_lines = std::move(lines);
    config::Config cfg = config::load(opts);
    log::set_identity(cfg.core.get_string("core_proc_name"), "core");

    std::size_t errors = 0;
    for (const auto& diag : cfg.diagnostics) {
        if (diag.severity == config::Diagnostic::Severity::kError) {
            ++errors;
            log::error("{}", diag.text());
        } else {
            log::warn("{}", diag.text());
        }
    }
    if (errors > 0) {
        log::error("{}: {} configuration error{}; not starting", prog, errors, errors == 1 ? "" : "s");
        return 1;
    }
    primitives::install_custom(cfg.custom_primitives);

    const std::string dry_run = cfg.core.get_string("dry_run");
    if (dry_run == "config") {
        std::string where = cfg.file.empty() ? "command line" : cfg.file;
        if (in_mask(kTraffic, d)) {
            log::info("{}: configuration is valid ({} plugin{})", where, cfg.plugins.size(),
                      cfg.plugins.size() == 1 ? "" : "s");
        } else {
            log::info("{}: configuration is valid", where);
        }
        return 0;
    }

    auto ls = log_settings(cfg.core);
    if (!ls) {
        log::error("{}", ls.error());
        return 1;
    }

    std::unique_ptr<MainJob> job = factory != nullptr ? factory() : nullptr;
    if (!job) {
        log::error("{}: {} is not implemented yet in pmacct-ng {}; nothing to run", prog,
                   main_job_description(d), version());
        return 1;
    }
    if (auto r = job->prepare(cfg); !r) {
        log::error("{}", r.error());
        return 1;
    }
    if (dry_run == "setup") {
        log::info("{}: configuration and set-up are valid", prog);
        return 0;
    }

    const bool daemonize = cfg.core.get_bool("daemonize");
    if (daemonize && ls->logfile.empty() && !ls->syslog_facility) {
        ls->syslog_facility = LOG_DAEMON;  // a daemon with nowhere to log logs to syslog
    }
    if (auto r = log::configure(*ls); !r) {
        log::error("{}", r.error());
        return 1;
    }
    if (daemonize) {
        if (auto r = process::daemonize(); !r) {
            log::error("{}", r.error());
            return 1;
        }
        log::stderr_off();
    }

    // Handlers first: whoever reads the PID file may signal the process straight away.
    if (auto r = process::Signals::install(); !r) {
        log::error("{}", r.error());
        return 1;
    }
    process::Signals::on(process::Signal::kHup, [] {
        if (auto r = log::reopen(); !r) log::error("{}", r.error());
    });
    process::PidFile pidfile;
    if (cfg.core.is_set("pidfile")) {
        FilePolicy policy{ls->umask, ls->uid, ls->gid};
        auto p = process::PidFile::create(cfg.core.get_string("pidfile"), policy);
        if (!p) {
            log::error("{}", p.error());
            return 1;
        }
        pidfile = std::move(*p);
    }
    log::info("{} {} [{}] starting", prog, version(), build_id());
    return job->run();
}

}  // namespace

int daemon_main(Daemon d, int argc, const char* const* argv, JobFactory factory) {
    try {
        return run(d, argc, argv, factory);
    } catch (const std::exception& e) {
        log::error("{}: fatal: {}", daemon_name(d), e.what());
        return 1;
    }
}

}  // namespace pmacct::app
