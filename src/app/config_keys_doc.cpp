#include "pmacct/app/config_keys_doc.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pmacct/app/cmdline.hpp"
#include "pmacct/base/build_info.hpp"
#include "pmacct/base/features.hpp"
#include "pmacct/config/registry.hpp"

namespace pmacct::app {
namespace {

std::string daemons_text(DaemonMask m) {
    if (m == kAllDaemons) return "all daemons";
    std::string out;
    for (int i = 0; i < kDaemonCount; ++i) {
        auto d = static_cast<Daemon>(i);
        if (in_mask(m, d)) out += (out.empty() ? "" : ", ") + std::string(daemon_name(d));
    }
    return out;
}

std::string values_text(const config::KeySpec& k) {
    using config::ValueType;
    const bool bounded_max = k.max != std::numeric_limits<std::int64_t>::max();
    switch (k.type) {
        case ValueType::kBool: return "true | false";
        case ValueType::kUInt:
        case ValueType::kInt:
            if (bounded_max) return fmt::format("integer, {} to {}", k.min, k.max);
            if (k.min != 0) return fmt::format("integer, at least {}", k.min);
            return "integer";
        case ValueType::kSeconds:
            if (bounded_max) return fmt::format("duration (N[s|m|h|d|w]), {} to {} seconds", k.min, k.max);
            if (k.min != 0) return fmt::format("duration (N[s|m|h|d|w]), at least {} seconds", k.min);
            return "duration (N[s|m|h|d|w]; a bare number is seconds)";
        case ValueType::kHistory: return "time-bin length N[s|m|h|d|w|M]";
        case ValueType::kRoundoff: return "letters among m h d w M";
        case ValueType::kString: return "string";
        case ValueType::kPath: return "path";
        case ValueType::kEnum: {
            std::string out = "[ ";
            for (char c : k.choices) out += c == ' ' ? std::string(" | ") : std::string(1, c);
            return out + " ]";
        }
        case ValueType::kEnumList: {
            std::string spaced;
            for (char c : k.choices) spaced += c == ' ' ? std::string(", ") : std::string(1, c);
            return "comma-separated list of: " + spaced;
        }
        case ValueType::kPrimitives: return "comma-separated primitives (see `-a` and docs)";
        case ValueType::kPlugins: return "type[name], ... with type among memory, print, mysql, pgsql, "
                                         "sqlite3, nfprobe, sfprobe, tee, amqp, kafka";
        case ValueType::kIpAddress: return "IPv4 or IPv6 address";
        case ValueType::kHostPort: return "host[:port] or [IPv6]:port";
        case ValueType::kOctal: return "octal number";
        case ValueType::kUser: return "user name or uid";
        case ValueType::kGroup: return "group name or gid";
        case ValueType::kFacility: return "[ auth | mail | daemon | kern | user | local0 .. local7 ]";
        case ValueType::kFilter: return "filter in tcpdump syntax";
    }
    return "";
}

std::string scope_text(const config::KeySpec& k) {
    if ((k.flags & config::kGlobal) != 0) return "global (one value for the whole daemon)";
    if ((k.flags & config::kNoGlobal) != 0) return "per plugin only: key[name]";
    return "global or per plugin: key[name]";
}

// "-r (pmacctd, uacctd, nfacctd, sfacctd)": each switch that sets the key, with its daemons.
std::string switches_text(const config::KeySpec& k) {
    auto names = config::key_names(k);
    std::vector<std::pair<std::string, DaemonMask>> found;  // switch text, daemons
    for (int i = 0; i < kDaemonCount; ++i) {
        auto d = static_cast<Daemon>(i);
        for (const auto& s : daemon_info(d).switches) {
            if (s.key.empty() || std::find(names.begin(), names.end(), s.key) == names.end()) continue;
            std::string item = s.takes_arg ? fmt::format("-{}", s.letter)
                                           : fmt::format("-{} (sets {})", s.letter, s.fixed);
            auto it = std::find_if(found.begin(), found.end(), [&](const auto& f) { return f.first == item; });
            if (it == found.end()) {
                found.emplace_back(item, mask_of(d));
            } else {
                it->second = static_cast<DaemonMask>(it->second | mask_of(d));
            }
        }
    }
    std::string out;
    for (const auto& [item, mask] : found) {
        out += fmt::format("{}{} in {}", out.empty() ? "" : "; ", item, daemons_text(mask));
    }
    return out;
}

}  // namespace

std::string render_config_keys() {
    std::string out;
    out += "CONFIG-KEYS: every configuration key of pmacct-ng\n";
    out += "==================================================\n\n";
    out += "Generated from the key registry (src/config/keys_*.cpp): edit the registry, then run\n"
           "`cmake --build build --target config-keys`. A test fails when this file and the\n"
           "registry disagree.\n\n"
           "Syntax of a config file: one `key: value` per line; `!` or `#` starts a comment.\n"
           "`key[name]: value` sets the key for the plugin called `name` only; `key: value` sets it\n"
           "for the core and every plugin. Lines apply in file order, so a later unscoped line\n"
           "overrides an earlier scoped one. Keys are not case sensitive; plugin names are.\n"
           "Command-line switches are applied after the file. Aliases set the same value: in a\n"
           "config using both, the line that comes last wins, as in pmacct.\n\n"
           "Each entry: KEY (canonical name), ALIASES, VALUES, DEFAULT, SCOPE, DAEMONS (that use\n"
           "it; elsewhere it is ignored with a warning), SWITCH (command-line equivalent), NEEDS\n"
           "(optional library), STATUS (whether pmacct-ng acts on it yet), DESC.\n";
    for (const config::KeySpec* k : config::KeyRegistry::instance().settings()) {
        auto names = config::key_names(*k);
        out += fmt::format("\nKEY:      {}\n", names.front());
        if (names.size() > 1) {
            std::string aliases;
            for (std::size_t i = 1; i < names.size(); ++i) aliases += (i > 1 ? ", " : "") + std::string(names[i]);
            out += fmt::format("ALIASES:  {}\n", aliases);
        }
        out += fmt::format("VALUES:   {}\n", values_text(*k));
        std::string def = !k->def.empty() ? std::string(k->def)
                                          : (!k->default_doc.empty() ? std::string(k->default_doc) : "none");
        if (!k->def.empty() && !k->default_doc.empty()) def += fmt::format(" ({})", k->default_doc);
        out += fmt::format("DEFAULT:  {}\n", def);
        out += fmt::format("SCOPE:    {}{}\n", scope_text(*k), (k->flags & config::kMap) != 0 ? "; a map file" : "");
        out += fmt::format("DAEMONS:  {}\n", daemons_text(k->daemons));
        if (auto sw = switches_text(*k); !sw.empty()) out += fmt::format("SWITCH:   {}\n", sw);
        if (k->feature != Feature::kNone) out += fmt::format("NEEDS:    {}\n", feature_label(k->feature));
        out += fmt::format("STATUS:   {}\n", (k->flags & config::kImplemented) != 0
                                                 ? "implemented"
                                                 : "accepted and checked; not implemented yet");
        out += fmt::format("DESC:     {}\n", k->doc);
    }
    return out;
}

}  // namespace pmacct::app
