// A daemon's configuration: the settings of the core and of each plugin, read from a config
// file and command-line switches with pmacct's rules.
//
// Syntax: one `key[name]: value` per line; `!` or `#` starts a comment line; keys are case
// insensitive, plugin names are not. `plugins: type[name], ...` declares the plugins (read
// first, wherever it stands). Lines then apply in file order: an unscoped line sets the core and
// every plugin, `key[name]` only that plugin, so a later unscoped line overrides an earlier
// scoped one. Switches from the command line are applied after the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/daemon.hpp"
#include "pmacct/base/files.hpp"
#include "pmacct/config/key_spec.hpp"
#include "pmacct/primitives/custom.hpp"

namespace pmacct::config {

// Where a value was written. `line` is 0 for values that come from no line.
struct Origin {
    std::string file;
    int line = 0;
};

struct Diagnostic {
    enum class Severity : std::uint8_t { kWarning, kError };
    Severity severity;
    Origin where;
    std::string key;  // empty for problems not tied to a key
    std::string message;

    // "file:line: key: message"
    std::string text() const;
};

// The values of every setting as one process (the core, or one plugin) sees them.
class Settings {
public:
    Settings();

    // Set by a line (not merely defaulted).
    bool is_set(std::string_view key) const;
    // The value written, else the registry default; nullopt when neither exists.
    std::optional<std::string_view> value(std::string_view key) const;
    // Where the value came from; nullptr when it is the default.
    const Origin* origin(std::string_view key) const;

    // Typed views of value(); the value was validated when read, so they cannot fail. An unset
    // key without a default reads as false / 0 / empty.
    bool get_bool(std::string_view key) const;
    std::uint64_t get_uint(std::string_view key) const;
    std::int64_t get_int(std::string_view key) const;
    std::int64_t get_seconds(std::string_view key) const;
    std::string get_string(std::string_view key) const;

    void set(std::size_t index, std::string value, Origin origin);

private:
    struct Slot {
        std::string value;
        Origin origin;
        bool set = false;
    };
    std::size_t checked_index(std::string_view key) const;
    std::vector<Slot> slots_;
};

// How the files a daemon or plugin creates are made: files_umask, files_uid, files_gid of `s`
// (an owner that does not resolve is left out; the configuration check reports it).
FilePolicy file_policy(const Settings& s);

struct PluginInstance {
    std::string type;
    std::string name;
    Origin declared;
    Settings settings;
    // The primitives of `aggregate`, checked for this daemon.
    std::vector<std::string> aggregate;
};

struct Config {
    Daemon daemon = Daemon::kNfacctd;
    std::string file;  // the config file, empty when none was given
    Settings core;
    std::vector<PluginInstance> plugins;
    std::vector<Diagnostic> diagnostics;
    // From aggregate_primitives; install them (primitives::install_custom) before building keys.
    std::vector<primitives::CustomPrimitive> custom_primitives;

    bool has_errors() const;
};

// A line of configuration that does not come from the file (command-line switches).
struct ConfigLine {
    std::string text;
    Origin origin;
};

struct LoadOptions {
    Daemon daemon = Daemon::kNfacctd;
    std::string file;                     // may be empty: no config file
    std::vector<ConfigLine> extra_lines;  // applied after the file, in order
};

// Reads and checks everything. Never throws; problems are in Config::diagnostics.
Config load(const LoadOptions& options);
// The same on text already in memory (tests); `file` names it in diagnostics.
Config load_text(Daemon daemon, std::string_view text, std::string file = "<config>",
                 std::vector<ConfigLine> extra_lines = {});

}  // namespace pmacct::config
