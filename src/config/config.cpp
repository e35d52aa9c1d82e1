#include "pmacct/config/config.hpp"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "pmacct/base/build_info.hpp"
#include "pmacct/base/features.hpp"
#include "pmacct/base/strings.hpp"
#include "pmacct/config/plugin_types.hpp"
#include "pmacct/config/registry.hpp"
#include "pmacct/config/values.hpp"
#include "pmacct/primitives/custom.hpp"
#include "pmacct/primitives/registry.hpp"

namespace pmacct::config {

// --- Diagnostic / Settings ---------------------------------------------------------------

std::string Diagnostic::text() const {
    std::string out;
    if (!where.file.empty()) {
        out += where.line > 0 ? fmt::format("{}:{}: ", where.file, where.line) : where.file + ": ";
    }
    if (!key.empty()) out += key + ": ";
    out += message;
    return out;
}

Settings::Settings() : slots_(KeyRegistry::instance().size()) {}

std::size_t Settings::checked_index(std::string_view key) const {
    std::size_t i = KeyRegistry::instance().index_of(key);
    if (i >= slots_.size()) {
        // A key name in the code that the registry does not know is a programming error.
        fmt::print(stderr, "internal error: configuration key '{}' is not in the registry\n", key);
        std::abort();
    }
    return i;
}

bool Settings::is_set(std::string_view key) const { return slots_[checked_index(key)].set; }

std::optional<std::string_view> Settings::value(std::string_view key) const {
    std::size_t i = checked_index(key);
    if (slots_[i].set) return std::string_view(slots_[i].value);
    const KeySpec& k = *KeyRegistry::instance().settings()[i];
    if (!k.def.empty()) return k.def;
    return std::nullopt;
}

const Origin* Settings::origin(std::string_view key) const {
    const Slot& s = slots_[checked_index(key)];
    return s.set ? &s.origin : nullptr;
}

bool Settings::get_bool(std::string_view key) const {
    auto v = value(key);
    return v && parse_bool(*v).value_or(false);
}

std::uint64_t Settings::get_uint(std::string_view key) const {
    auto v = value(key);
    if (!v) return 0;
    return parse_uint(*v, 0, std::numeric_limits<std::int64_t>::max()).value_or(0);
}

std::int64_t Settings::get_int(std::string_view key) const {
    auto v = value(key);
    if (!v) return 0;
    return parse_int(*v, std::numeric_limits<std::int64_t>::min(),
                     std::numeric_limits<std::int64_t>::max())
        .value_or(0);
}

std::int64_t Settings::get_seconds(std::string_view key) const {
    auto v = value(key);
    if (!v) return 0;
    return parse_seconds(*v).value_or(0);
}

std::string Settings::get_string(std::string_view key) const {
    auto v = value(key);
    return v ? std::string(*v) : std::string();
}

void Settings::set(std::size_t index, std::string value, Origin origin) {
    assert(index < slots_.size());
    slots_[index] = Slot{std::move(value), std::move(origin), true};
}

bool Config::has_errors() const {
    return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
        return d.severity == Diagnostic::Severity::kError;
    });
}

// --- loading -----------------------------------------------------------------------------

namespace {

struct Directive {
    std::string key;   // lower case, no spaces
    std::string name;  // plugin name from [name]; empty when unscoped
    bool scoped = false;
    std::string value;
    Origin origin;
};

class Loader {
public:
    Loader(Daemon daemon, std::string file) {
        cfg_.daemon = daemon;
        cfg_.file = std::move(file);
    }

    Config run(const std::vector<ConfigLine>& lines) {
        std::vector<Directive> directives;
        for (const auto& l : lines) {
            if (auto d = tokenize(l)) directives.push_back(std::move(*d));
        }
        declare_plugins(directives);
        for (const auto& d : directives) {
            if (d.key != "plugins") apply(d);
        }
        check_aggregates();
        return std::move(cfg_);
    }

private:
    void error(const Origin& where, std::string key, std::string message) {
        cfg_.diagnostics.push_back(
            {Diagnostic::Severity::kError, where, std::move(key), std::move(message)});
    }
    void warning(const Origin& where, std::string key, std::string message) {
        cfg_.diagnostics.push_back(
            {Diagnostic::Severity::kWarning, where, std::move(key), std::move(message)});
    }

    // Splits one line into key, optional [name] and value; nullopt for blank, comment and
    // malformed lines (the latter reported).
    std::optional<Directive> tokenize(const ConfigLine& line) {
        std::string_view t = trim(line.text);
        if (t.empty() || t.front() == '!' || t.front() == '#') return std::nullopt;
        auto colon = t.find(':');
        if (colon == std::string_view::npos) {
            error(line.origin, "", fmt::format("syntax error: expected 'key: value', got '{}'", t));
            return std::nullopt;
        }
        Directive d;
        d.origin = line.origin;
        d.value = std::string(trim(t.substr(colon + 1)));
        std::string_view keypart = t.substr(0, colon);
        auto open = keypart.find('[');
        std::string_view bare = keypart.substr(0, open);
        for (char c : bare) {
            if (c != ' ' && c != '\t') d.key += c;
        }
        d.key = to_lower(d.key);
        if (d.key.empty()) {
            error(line.origin, "", "syntax error: missing key before ':'");
            return std::nullopt;
        }
        if (open == std::string_view::npos) {
            if (keypart.find(']') != std::string_view::npos) {
                error(line.origin, d.key, "syntax error: ']' without '['");
                return std::nullopt;
            }
            return d;
        }
        auto close = keypart.find(']', open);
        if (close == std::string_view::npos) {
            error(line.origin, d.key, "syntax error: '[' without ']'");
            return std::nullopt;
        }
        std::string_view inner = keypart.substr(open + 1, close - open - 1);
        if (inner.find('[') != std::string_view::npos || keypart.find('[', close) != std::string_view::npos ||
            !trim(keypart.substr(close + 1)).empty()) {
            error(line.origin, d.key, "syntax error: a key takes one [plugin name] at its end");
            return std::nullopt;
        }
        d.name = std::string(trim(inner));
        if (d.name.empty()) {
            error(line.origin, d.key, "syntax error: empty plugin name in []");
            return std::nullopt;
        }
        d.scoped = true;
        return d;
    }

    void declare_plugins(const std::vector<Directive>& directives) {
        const bool traffic = in_mask(kTraffic, cfg_.daemon);
        Origin first_tee;
        bool has_tee = false;
        bool has_other = false;
        for (const auto& d : directives) {
            if (d.key != "plugins") continue;
            if (!traffic) {
                warning(d.origin, d.key,
                        fmt::format("not used by {}; ignored", daemon_name(cfg_.daemon)));
                continue;
            }
            if (d.scoped) warning(d.origin, d.key, "applies to the whole daemon; [name] ignored");
            if (d.value.empty()) {
                error(d.origin, d.key, "missing value");
                continue;
            }
            // As in pmacct, plugin names count only when there is a config file.
            const bool keep_names = !cfg_.file.empty();
            for (auto item : split(d.value, ',')) {
                auto decl = parse_plugin_item(item, d.origin, keep_names);
                if (!decl) continue;
                if (decl->type == "tee") {
                    has_tee = true;
                    first_tee = d.origin;
                } else {
                    has_other = true;
                }
                auto same = std::find_if(cfg_.plugins.begin(), cfg_.plugins.end(),
                                         [&](const PluginInstance& p) { return p.name == decl->name; });
                if (same != cfg_.plugins.end()) {
                    warning(d.origin, d.key,
                            fmt::format("plugin name '{}' is used twice; keeping the first ({})",
                                        decl->name, same->type));
                    continue;
                }
                cfg_.plugins.push_back(std::move(*decl));
            }
        }
        if (has_tee && has_other) {
            error(first_tee, "plugins", "the tee plugin cannot run together with other plugin types");
        }
        if (traffic && cfg_.plugins.empty() && !cfg_.has_errors()) {
            PluginInstance p;
            p.type = "memory";
            p.name = "default_memory";
            cfg_.plugins.push_back(std::move(p));
        }
    }

    std::optional<PluginInstance> parse_plugin_item(std::string_view item, const Origin& where,
                                                    bool keep_names) {
        if (item.empty()) {
            error(where, "plugins", "empty item in the plugin list");
            return std::nullopt;
        }
        std::string type;
        std::string name;
        auto open = item.find('[');
        if (open == std::string_view::npos) {
            type = to_lower(item);
        } else {
            auto close = item.find(']', open);
            if (close == std::string_view::npos || close != item.size() - 1) {
                error(where, "plugins", fmt::format("'{}': expected type or type[name]", item));
                return std::nullopt;
            }
            type = to_lower(trim(item.substr(0, open)));
            name = std::string(trim(item.substr(open + 1, close - open - 1)));
        }
        const PluginType* t = find_plugin_type(type);
        if (t == nullptr || type == "core") {
            std::string known;
            for (const auto& pt : plugin_types()) known += (known.empty() ? "" : ", ") + std::string(pt.type);
            error(where, "plugins", fmt::format("unknown plugin type '{}' (known: {})", type, known));
            return std::nullopt;
        }
        if (!has_feature(t->feature)) {
            error(where, "plugins",
                  fmt::format("plugin type '{}' needs {}, which this build does not include", type,
                              feature_label(t->feature)));
            return std::nullopt;
        }
        if (!in_mask(t->daemons, cfg_.daemon)) {
            error(where, "plugins",
                  fmt::format("plugin type '{}' cannot run in {}", type, daemon_name(cfg_.daemon)));
            return std::nullopt;
        }
        if (!t->implemented && warned_plugin_types_.insert(type).second) {
            warning(where, "plugins",
                    fmt::format("plugin type '{}' is not implemented yet in pmacct-ng {}", type,
                                version()));
        }
        PluginInstance p;
        p.type = type;
        p.name = (keep_names && !name.empty()) ? name : "default_" + type;
        p.declared = where;
        return p;
    }

    void apply(const Directive& d) {
        const KeyRegistry& reg = KeyRegistry::instance();
        std::size_t index = reg.index_of(d.key);
        if (index >= reg.size()) {
            warning(d.origin, "", fmt::format("Unknown key: {}. Ignored.", d.key));
            return;
        }
        const KeySpec& k = *reg.settings()[index];
        if (auto r = validate_value(k, d.value); !r) {
            error(d.origin, d.key, r.error());
            return;
        }
        if (!has_feature(k.feature)) {
            warning(d.origin, d.key,
                    fmt::format("needs {}, which this build does not include; ignored",
                                feature_label(k.feature)));
            return;
        }
        if (!in_mask(k.daemons, cfg_.daemon)) {
            warning(d.origin, d.key, fmt::format("not used by {}; ignored", daemon_name(cfg_.daemon)));
            return;
        }
        if ((k.flags & kImplemented) == 0 && warned_unimplemented_.insert(index).second) {
            warning(d.origin, d.key,
                    fmt::format("not implemented yet in pmacct-ng {}; it has no effect", version()));
        }
        if (d.scoped && (k.flags & kGlobal) != 0) {
            warning(d.origin, d.key, "applies to the whole daemon; [name] ignored");
        } else if (d.scoped) {
            auto it = std::find_if(cfg_.plugins.begin(), cfg_.plugins.end(),
                                   [&](const PluginInstance& p) { return p.name == d.name; });
            if (it == cfg_.plugins.end()) {
                warning(d.origin, d.key,
                        fmt::format("no plugin named '{}' is declared in 'plugins'; ignored", d.name));
                return;
            }
            it->settings.set(index, d.value, d.origin);
            return;
        } else if ((k.flags & kNoGlobal) != 0) {
            warning(d.origin, d.key,
                    fmt::format("cannot apply to all plugins; write {}[<plugin name>]; ignored", d.key));
            return;
        }
        cfg_.core.set(index, d.value, d.origin);
        for (auto& p : cfg_.plugins) p.settings.set(index, d.value, d.origin);
    }

    // The aggregate_primitives file, if one is configured: bad entries are reported and left
    // out, as pmacct does.
    std::vector<std::string> load_custom_primitives() {
        std::vector<std::string> names;
        if (!cfg_.core.is_set("aggregate_primitives")) return names;
        const std::string path = cfg_.core.get_string("aggregate_primitives");
        primitives::CustomLoad loaded = primitives::load_custom(path);
        if (!loaded.error.empty()) {
            error(*cfg_.core.origin("aggregate_primitives"), "aggregate_primitives", loaded.error);
            return names;
        }
        for (const auto& s : loaded.skipped) {
            warning(Origin{path, s.line}, "aggregate_primitives", s.why + "; entry skipped");
        }
        for (const auto& p : loaded.primitives) names.push_back(p.name);
        cfg_.custom_primitives = std::move(loaded.primitives);
        return names;
    }

    void check_aggregates() {
        if (cfg_.plugins.empty()) return;
        auto custom = load_custom_primitives();
        for (auto& p : cfg_.plugins) {
            auto value = p.settings.value("aggregate");
            // Without an aggregate, 1.7.7's nfprobe exports the 5-tuple and the ToS.
            const std::string_view fallback =
                p.type == "nfprobe" ? "src_host, dst_host, src_port, dst_port, proto, tos" : "src_host";
            auto r = primitives::parse_aggregate(value.value_or(fallback), cfg_.daemon, custom);
            if (!r) {
                const Origin* o = p.settings.origin("aggregate");
                error(o != nullptr ? *o : p.declared, o != nullptr ? "aggregate" : "",
                      fmt::format("{} (plugin {}[{}])", r.error(), p.type, p.name));
                continue;
            }
            p.aggregate = std::move(*r);
            // A probe taking its direction or ifIndex from tag/tag2 needs them on its records.
            if (p.type == "nfprobe" || p.type == "sfprobe") {
                for (const char* key : {"nfprobe_direction", "nfprobe_ifindex"}) {
                    const auto v = p.settings.value(key);
                    if (!v || (*v != "tag" && *v != "tag2")) continue;
                    if (std::find(p.aggregate.begin(), p.aggregate.end(), *v) == p.aggregate.end()) {
                        p.aggregate.push_back(std::string(*v));
                    }
                }
            }
        }
    }

    Config cfg_;
    std::set<std::size_t> warned_unimplemented_;
    std::set<std::string> warned_plugin_types_;
};

std::vector<ConfigLine> split_lines(std::string_view text, const std::string& file) {
    std::vector<ConfigLine> out;
    int n = 0;
    while (!text.empty()) {
        auto nl = text.find('\n');
        ++n;
        out.push_back({std::string(text.substr(0, nl)), Origin{file, n}});
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

}  // namespace

Config load_text(Daemon daemon, std::string_view text, std::string file,
                 std::vector<ConfigLine> extra_lines) {
    auto lines = split_lines(text, file);
    for (auto& l : extra_lines) lines.push_back(std::move(l));
    return Loader(daemon, std::move(file)).run(lines);
}

Config load(const LoadOptions& options) {
    std::vector<ConfigLine> lines;
    if (!options.file.empty()) {
        std::ifstream in(options.file);
        if (!in) {
            Config cfg;
            cfg.daemon = options.daemon;
            cfg.file = options.file;
            cfg.diagnostics.push_back({Diagnostic::Severity::kError, Origin{options.file, 0}, "",
                                       "cannot read the configuration file"});
            return cfg;
        }
        std::stringstream buf;
        buf << in.rdbuf();
        lines = split_lines(buf.str(), options.file);
    }
    for (const auto& l : options.extra_lines) lines.push_back(l);
    return Loader(options.daemon, options.file).run(lines);
}

FilePolicy file_policy(const Settings& s) {
    FilePolicy p;
    if (auto m = parse_octal(s.get_string("files_umask"))) p.umask = *m;
    if (s.is_set("files_uid")) {
        if (auto u = resolve_user(s.get_string("files_uid"))) p.uid = *u;
    }
    if (s.is_set("files_gid")) {
        if (auto g = resolve_group(s.get_string("files_gid"))) p.gid = *g;
    }
    return p;
}

}  // namespace pmacct::config
