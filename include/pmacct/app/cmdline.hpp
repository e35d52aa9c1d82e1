// Command lines of the daemons: pmacct's switches, each turned into a config line that is
// applied after the config file.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/daemon.hpp"
#include "pmacct/base/result.hpp"
#include "pmacct/config/config.hpp"

namespace pmacct::app {

struct Switch {
    char letter;
    bool takes_arg;
    std::string_view key;    // config key it sets; empty for -f -h -V -a
    std::string_view fixed;  // for switches without argument: the value they set
    std::string_view help;   // one line for -h
};

struct DaemonInfo {
    Daemon daemon;
    std::string_view title;     // "NetFlow Accounting Daemon"
    std::string_view synopsis;  // first usage line after the program name
    std::vector<Switch> switches;
};

const DaemonInfo& daemon_info(Daemon d);

struct CommandLine {
    bool help = false;
    bool version = false;
    bool list_primitives = false;
    std::string config_file;
    std::vector<config::ConfigLine> lines;  // from switches, in the order given
    std::vector<std::string> arguments;     // non-option arguments
};

// Parses argv[1..]. Options may be grouped (-dD) and values attached (-r30) or separate.
Result<CommandLine> parse_command_line(Daemon d, std::span<const char* const> args);
std::string usage(Daemon d);

}  // namespace pmacct::app
