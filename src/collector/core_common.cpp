#include "pmacct/collector/core_common.hpp"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <chrono>

#include "pmacct/base/build_info.hpp"
#include "pmacct/process/signals.hpp"

namespace pmacct::collector {

using process::Signals;

Result<void> check_plugins(const config::Config& cfg, plugin::FactoryLookup lookup) {
    for (const auto& p : cfg.plugins) {
        if (lookup(p.type) == nullptr) {
            return fail(fmt::format("plugin {}[{}]: the {} plugin is not implemented yet in pmacct-ng {}", p.type,
                                    p.name, p.type, version()));
        }
    }
    return ok();
}

maps::MapLimits map_limits_of(const config::Settings& s) {
    maps::MapLimits l;
    l.entries = static_cast<std::size_t>(s.get_uint("maps_entries"));
    l.row_len = static_cast<std::size_t>(s.get_uint("maps_row_len"));
    l.index = s.get_bool("maps_index");
    l.dont_recirculate = s.get_bool("pre_tag_map_dont_recirculate");
    return l;
}

Result<void> TagMaps::load(const config::Config& cfg, Daemon daemon, const maps::MapLimits& limits,
                           maps::MapUse use) {
    cfg_ = &cfg;
    daemon_ = daemon;
    limits_ = limits;
    use_ = use;
    if (cfg.core.is_set("pre_tag_map")) {
        path_ = cfg.core.get_string("pre_tag_map");
        if (auto r = load_global(); !r) return r;
    }
    return load_plugin_maps(true);
}

void TagMaps::reload() {
    if (cfg_ == nullptr) return;
    if (!path_.empty()) {
        if (auto r = load_global(); !r) log::error("{}; keeping the previous map", r.error());
    }
    (void)load_plugin_maps(false);
}

std::vector<const maps::PreTagMap*> TagMaps::own_maps() const {
    std::vector<const maps::PreTagMap*> own;
    for (const auto& m : plugin_maps_) own.push_back(m ? &m->map : nullptr);
    return own;
}

Result<void> TagMaps::load_global() {
    return load_map("pre_tag_map", path_, map_,
                    [&] { return maps::PreTagMap::load(path_, daemon_, limits_, use_); });
}

Result<void> TagMaps::load_plugin_maps(bool first) {
    if (first) plugin_maps_.resize(cfg_->plugins.size());
    for (std::size_t i = 0; i < cfg_->plugins.size(); ++i) {
        const config::Settings& ps = cfg_->plugins[i].settings;
        if (!ps.is_set("pre_tag_map") || ps.get_string("pre_tag_map") == path_) continue;
        if (first) plugin_maps_[i] = std::make_unique<PluginMap>(PluginMap{ps.get_string("pre_tag_map"), {}});
        PluginMap& m = *plugin_maps_[i];
        auto r = load_map("pre_tag_map", m.path, m.map,
                          [&] { return maps::PreTagMap::load(m.path, daemon_, limits_, use_); });
        if (!r) {
            if (first) return r;
            log::error("{}; keeping the previous map", r.error());
        }
    }
    return ok();
}

Result<void> start_plugins(plugin::PluginHost& host, const config::Config& cfg, plugin::FactoryLookup lookup,
                           std::string_view program, std::span<const int> close_in_child,
                           const std::vector<std::unique_ptr<maps::FlowLookups>>& lookups, bool& stop,
                           std::function<void()> stats, std::function<void()> reload) {
    std::vector<const maps::FlowLookups*> views;
    for (const auto& l : lookups) views.push_back(l.get());
    host.set_lookups(std::move(views));
    if (auto r = host.start(cfg, lookup, program, close_in_child); !r) return r;
    using process::Signal;
    Signals::on(Signal::kChld, [&host, &stop] {
        if (host.reap()) stop = true;
    });
    Signals::on(Signal::kUsr1, std::move(stats));
    Signals::on(Signal::kUsr2, [&host, reload = std::move(reload)] {
        reload();
        host.signal_plugins(SIGUSR2);
    });
    Signals::on(Signal::kInt, [&stop] { stop = true; });
    Signals::on(Signal::kTerm, [&stop] { stop = true; });
    return ok();
}

bool pause_for(std::int64_t seconds, const bool& stop) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!stop && !Signals::stop_requested()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return true;
        struct pollfd p {Signals::wake_fd(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000))) > 0) Signals::dispatch();
    }
    return false;
}

}  // namespace pmacct::collector
