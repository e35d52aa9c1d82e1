// The plugin types a `plugins:` line may name, with what each needs.
#pragma once

#include <span>
#include <string_view>

#include "pmacct/base/daemon.hpp"
#include "pmacct/base/features.hpp"

namespace pmacct::config {

struct PluginType {
    std::string_view type;     // as written in `plugins:` (memory, print, ...)
    std::string_view label;    // as shown by -V and in process titles ("Print Plugin")
    Feature feature;           // optional library it needs, or kNone
    DaemonMask daemons;        // daemons that can run it
    bool implemented;          // pmacct-ng has this plugin in this version
};

// Every plugin type pmacct knows, in pmacct's order.
std::span<const PluginType> plugin_types();
const PluginType* find_plugin_type(std::string_view type);
// Built with its library and implemented: the plugin can actually run.
bool plugin_available(const PluginType& t);

}  // namespace pmacct::config
