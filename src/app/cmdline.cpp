#include "pmacct/app/cmdline.hpp"

#include <initializer_list>
#include <span>
#include <vector>

#include <fmt/format.h>

namespace pmacct::app {
namespace {

// Switches of the four traffic daemons.
constexpr Switch kTrafficCommon[] = {
    {'f', true, "", "", "Read the configuration from this file"},
    {'h', false, "", "", "Show this help and exit"},
    {'V', false, "", "", "Show version, build options and libraries, then exit"},
    {'a', false, "", "", "List the aggregation primitives this daemon supports, then exit"},
    {'T', true, "dry_run", "", "[ config | setup ] Check the configuration, then exit"},
    {'D', false, "daemonize", "true", "Run in the background"},
    {'d', false, "debug", "true", "Log debug messages"},
    {'P', true, "plugins", "",
     "[ memory | print | mysql | pgsql | sqlite3 | nfprobe | "
     "sfprobe | tee | amqp | kafka ] Plugins to run"},
    {'c', true, "aggregate", "", "Primitives to aggregate on, comma separated (see -a)"},
    {'n', true, "networks_file", "", "Networks file for net and AS lookups"},
    {'t', true, "ports_file", "", "Ports file: only listed ports are accounted apart"},
    {'S', true, "syslog", "",
     "[ auth | mail | daemon | kern | user | local[0-7] ] "
     "Log to syslog with this facility"},
    {'F', true, "pidfile", "", "Write the core process PID to this file"},
    {'R', false, "nfacctd_renormalize", "true", "Scale counters by the sampling rate"},
    {'u', false, "print_num_protos", "true", "Print IP protocols as numbers"},
    {'r', true, "sql_refresh_time", "", "Seconds between writes to the backend"},
    {'O', true, "print_output", "",
     "[ formatted | csv | json | avro | event_formatted | event_csv ] print plugin output"},
    {'o', true, "print_output_file", "", "print plugin: write to this file"},
    {'M', false, "print_markers", "true", "print plugin: mark start and end of each purge"},
    {'A', false, "print_output_file_append", "true", "print plugin: append to the file"},
    {'E', true, "print_output_separator", "", "print plugin: CSV separator"},
    {'p', true, "imt_path", "", "memory plugin: socket path for the pmacct client"},
    {'b', true, "imt_buckets", "", "memory plugin: number of table buckets"},
    {'m', true, "imt_mem_pools_number", "", "memory plugin: number of memory pools"},
    {'s', true, "imt_mem_pools_size", "", "memory plugin: size of each memory pool"},
};

constexpr Switch kSavefile[] = {
    {'I', true, "pcap_savefile", "", "Read packets from this pcap file"},
    {'W', false, "pcap_savefile_wait", "true", "Keep running once the pcap file is read"},
    {'Z', true, "pcap_savefile_delay", "", "Seconds to wait before reading the pcap file"},
    {'Y', true, "pcap_savefile_replay", "", "How many times to read the pcap file"},
};

constexpr Switch kNfacctd[] = {
    Switch{'L', true, "nfacctd_ip", "", "Listen on this IP address"},
    Switch{'l', true, "nfacctd_port", "", "Listen on this UDP port"},
};

constexpr Switch kSfacctd[] = {
    Switch{'L', true, "sfacctd_ip", "", "Listen on this IP address"},
    Switch{'l', true, "sfacctd_port", "", "Listen on this UDP port"},
};

constexpr Switch kPmacctd[] = {
    Switch{'i', true, "pcap_interface", "", "Capture from this interface"},
    Switch{'w', false, "pcap_interface_wait", "true", "Wait for the interface to appear"},
    Switch{'N', false, "promisc", "false", "Do not put the interface in promiscuous mode"},
    Switch{'z', false, "pmacctd_nonroot", "true", "Allow running as a user other than root"},
    Switch{'L', true, "snaplen", "", "Bytes captured of each packet"},
};

constexpr Switch kUacctd[] = {
    Switch{'g', true, "uacctd_group", "", "NFLOG group to read packets from"},
    Switch{'L', true, "snaplen", "", "Bytes copied of each packet"},
};

constexpr Switch kCollectorCommon[] = {
    {'f', true, "", "", "Read the configuration from this file"},
    {'h', false, "", "", "Show this help and exit"},
    {'V', false, "", "", "Show version, build options and libraries, then exit"},
    {'a', false, "", "", "Explain that this daemon has no aggregation primitives"},
    {'T', true, "dry_run", "", "[ config | setup ] Check the configuration, then exit"},
    {'D', false, "daemonize", "true", "Run in the background"},
    {'d', false, "debug", "true", "Log debug messages"},
    {'S', true, "syslog", "",
     "[ auth | mail | daemon | kern | user | local[0-7] ] "
     "Log to syslog with this facility"},
    {'F', true, "pidfile", "", "Write the core process PID to this file"},
};

constexpr Switch kPmbgpd[] = {
    Switch{'L', true, "bgp_daemon_ip", "", "Listen on this IP address"},
    Switch{'l', true, "bgp_daemon_port", "", "Listen on this TCP port"},
    Switch{'o', true, "bgp_daemon_msglog_file", "", "Log BGP messages live to this file"},
    Switch{'O', true, "bgp_table_dump_file", "", "Dump the RIBs periodically to this file"},
    Switch{'i', true, "bgp_table_dump_refresh_time", "", "Seconds between RIB dumps (with -O)"},
    Switch{'g', false, "bgp_daemon_lg", "true", "Run the Looking Glass server"},
    Switch{'m', true, "bgp_daemon_xconnect_map", "", "BGP xconnects map"},
};

constexpr Switch kPmbmpd[] = {
    Switch{'L', true, "bmp_daemon_ip", "", "Listen on this IP address"},
    Switch{'l', true, "bmp_daemon_port", "", "Listen on this TCP port"},
    Switch{'o', true, "bmp_daemon_msglog_file", "", "Log BMP messages live to this file"},
    Switch{'O', true, "bmp_dump_file", "", "Dump BMP data and RIBs periodically to this file"},
    Switch{'i', true, "bmp_dump_refresh_time", "", "Seconds between dumps (with -O)"},
    Switch{'I', true, "pcap_savefile", "", "Read BMP packets from this pcap file"},
    Switch{'Z', true, "pcap_savefile_delay", "", "Seconds to wait before reading the pcap file"},
    Switch{'Y', true, "pcap_savefile_replay", "", "How many times to read the pcap file"},
    Switch{'R', true, "pcap_filter", "", "Filter (tcpdump syntax) applied to the pcap file"},
};

constexpr Switch kPmtelemetryd[] = {
    Switch{'L', true, "telemetry_daemon_ip", "", "Listen on this IP address"},
    Switch{'u', true, "telemetry_daemon_port_udp", "", "Listen on this UDP port"},
    Switch{'t', true, "telemetry_daemon_port_tcp", "", "Listen on this TCP port"},
    Switch{'o', true, "telemetry_daemon_msglog_file", "", "Log telemetry data live to this file"},
    Switch{'O', true, "telemetry_dump_file", "", "Dump telemetry data periodically to this file"},
    Switch{'i', true, "telemetry_dump_refresh_time", "", "Seconds between dumps (with -O)"},
};

std::vector<Switch> join(std::initializer_list<std::span<const Switch>> parts) {
    std::vector<Switch> out;
    for (auto part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

const std::vector<DaemonInfo>& daemons() {
    static const std::vector<DaemonInfo> kDaemons = {
        {Daemon::kPmacctd, "Promiscuous Mode Accounting Daemon",
         "[ -D | -d ] [ -i interface ] [ -c primitive [ , ... ] ] [ -P plugin [ , ... ] ] [ filter "
         "]",
         join({kTrafficCommon, kPmacctd, kSavefile})},
        {Daemon::kUacctd, "Linux NetFilter NFLOG Accounting Daemon",
         "[ -D | -d ] [ -g NFLOG group ] [ -c primitive [ , ... ] ] [ -P plugin [ , ... ] ]",
         join({kTrafficCommon, kUacctd})},
        {Daemon::kNfacctd, "NetFlow Accounting Daemon",
         "[ -D | -d ] [ -L IP address ] [ -l port ] [ -c primitive [ , ... ] ] [ -P plugin [ , ... "
         "] ]",
         join({kTrafficCommon, kNfacctd, kSavefile})},
        {Daemon::kSfacctd, "sFlow Accounting Daemon",
         "[ -D | -d ] [ -L IP address ] [ -l port ] [ -c primitive [ , ... ] ] [ -P plugin [ , ... "
         "] ]",
         join({kTrafficCommon, kSfacctd, kSavefile})},
        {Daemon::kPmbgpd, "pmacct BGP Collector Daemon",
         "[ -D | -d ] [ -L IP address ] [ -l port ]", join({kCollectorCommon, kPmbgpd})},
        {Daemon::kPmbmpd, "pmacct BMP Collector Daemon",
         "[ -D | -d ] [ -L IP address ] [ -l port ]", join({kCollectorCommon, kPmbmpd})},
        {Daemon::kPmtelemetryd, "Streaming Network Telemetry Daemon",
         "[ -D | -d ] [ -L IP address ] [ -u port | -t port ]",
         join({kCollectorCommon, kPmtelemetryd})},
    };
    return kDaemons;
}

const Switch* find_switch(const DaemonInfo& info, char c) {
    for (const auto& s : info.switches) {
        if (s.letter == c) return &s;
    }
    return nullptr;
}

}  // namespace

const DaemonInfo& daemon_info(Daemon d) {
    return daemons()[static_cast<std::size_t>(d)];
}

Result<CommandLine> parse_command_line(Daemon d, std::span<const char* const> args) {
    const DaemonInfo& info = daemon_info(d);
    CommandLine cl;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (options_done || arg.size() < 2 || arg.front() != '-') {
            cl.arguments.emplace_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        for (std::size_t j = 1; j < arg.size(); ++j) {
            const char c = arg[j];
            const Switch* s = find_switch(info, c);
            if (s == nullptr) return fail(fmt::format("invalid option -- '{}'", c));
            std::string value;
            if (s->takes_arg) {
                if (j + 1 < arg.size()) {
                    value = std::string(arg.substr(j + 1));
                } else if (i + 1 < args.size()) {
                    value = args[++i];
                } else {
                    return fail(fmt::format("option requires an argument -- '{}'", c));
                }
                j = arg.size();  // the rest of this word was the value
            }
            switch (c) {
                case 'f': cl.config_file = value; break;
                case 'h': cl.help = true; break;
                case 'V': cl.version = true; break;
                case 'a': cl.list_primitives = true; break;
                default: {
                    std::string text =
                        fmt::format("{}: {}", s->key, s->takes_arg ? value : s->fixed);
                    cl.lines.push_back(
                        {std::move(text), config::Origin{fmt::format("command line -{}", c), 0}});
                    break;
                }
            }
        }
    }
    return cl;
}

std::string usage(Daemon d) {
    const DaemonInfo& info = daemon_info(d);
    const std::string_view prog = daemon_name(d);
    std::string out = fmt::format("{}, {} (pmacct-ng)\n", info.title, prog);
    out += fmt::format("Usage: {} {}\n", prog, info.synopsis);
    out += fmt::format("       {} [ -f config_file ]\n", prog);
    out += fmt::format("       {} [ -h ]\n\nOptions:\n", prog);
    for (const auto& s : info.switches) {
        out += fmt::format("  -{}  {}{}\n", s.letter, s.takes_arg ? "<arg>  " : "       ", s.help);
    }
    out +=
        "\nEvery option has a configuration key; see CONFIG-KEYS. Options given on the command\n"
        "line override the configuration file.\n";
    return out;
}

}  // namespace pmacct::app
