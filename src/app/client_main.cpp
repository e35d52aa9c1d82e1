// The pmacct client: queries the memory tables of the memory plugin.
#include <cstdio>
#include <string_view>

#include <fmt/format.h>

#include "pmacct/app/daemon_main.hpp"
#include "pmacct/base/build_info.hpp"

namespace pmacct::app {
namespace {

struct ClientSwitch {
    char letter;
    bool takes_arg;
    std::string_view help;
};

constexpr ClientSwitch kSwitches[] = {
    {'h', false, "Show this help and exit"},
    {'V', false, "Show version and build information, then exit"},
    {'s', false, "Show the whole table"},
    {'N', true, "<values>[;<values>] | file:<file>  Show only the counters of matching entries"},
    {'n', true, "[ bytes | packets | flows | all ]  Counter shown by -N"},
    {'S', false, "With -N, sum the counters of all matches"},
    {'M', true, "<values>[;<values>] | file:<file>  Show matching entries"},
    {'c', true, "<primitive>[,...]  Primitives the values of -N / -M refer to ('*' matches all)"},
    {'a', false, "Show every field, not only the aggregated ones"},
    {'T', true, "[ bytes | packets | flows ][,N]  Show the top N entries"},
    {'e', false, "Erase the table"},
    {'i', false, "Show when the table was last erased"},
    {'r', false, "Reset the counters of the matching entries after showing them"},
    {'l', false, "Take an exclusive lock on the table for this query"},
    {'t', false, "Show the table status (buckets and chains)"},
    {'C', false, "Show the classification table"},
    {'U', false, "Show the custom primitives table"},
    {'p', true, "<file>  Socket of the memory plugin (default /tmp/collect.pipe)"},
    {'O', true, "[ formatted | csv | json | event_formatted | event_csv ]  Output format"},
    {'E', true, "<sep>  CSV separator"},
    {'I', false, "Timestamps as seconds since the epoch"},
    {'u', false, "IP protocols as numbers"},
    {'0', false, "Timestamps in UTC"},
};

const ClientSwitch* find(char c) {
    for (const auto& s : kSwitches) {
        if (s.letter == c) return &s;
    }
    return nullptr;
}

std::string usage() {
    std::string out = "pmacct IMT plugin client, pmacct (pmacct-ng)\n";
    out += "Usage: pmacct [ -s | -N | -M | -e | -t | -C | -U ] [ options ]\n\nOptions:\n";
    for (const auto& s : kSwitches) {
        out += fmt::format("  -{}  {}\n", s.letter, s.help);
    }
    return out;
}

}  // namespace

int client_main(int argc, const char* const* argv) {
    bool query = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg.size() < 2 || arg.front() != '-') {
            fmt::print(stderr, "pmacct: unexpected argument '{}'\nTry 'pmacct -h'.\n", arg);
            return 1;
        }
        for (std::size_t j = 1; j < arg.size(); ++j) {
            const ClientSwitch* s = find(arg[j]);
            if (s == nullptr) {
                fmt::print(stderr, "pmacct: invalid option -- '{}'\nTry 'pmacct -h'.\n", arg[j]);
                return 1;
            }
            if (s->letter == 'h') {
                fmt::print("{}", usage());
                return 0;
            }
            if (s->letter == 'V') {
                fmt::print("{}", version_report("pmacct IMT plugin client, pmacct"));
                return 0;
            }
            query = true;
            if (s->takes_arg) {
                if (j + 1 == arg.size() && i + 1 >= argc) {
                    fmt::print(stderr, "pmacct: option requires an argument -- '{}'\n", s->letter);
                    return 1;
                }
                if (j + 1 == arg.size()) ++i;
                break;
            }
        }
    }
    if (!query) {
        fmt::print(stderr, "{}", usage());
        return 1;
    }
    fmt::print(stderr, "pmacct: querying memory tables is not implemented yet in pmacct-ng {}\n",
               version());
    return 1;
}

}  // namespace pmacct::app
