// Plugin types and their implementations, registered explicitly (no static initialisers).
#pragma once

#include <string_view>

#include "pmacct/plugin/plugin.hpp"

namespace pmacct::plugins {

// The factory of a plugin type, or nullptr when pmacct-ng has no such plugin yet.
plugin::Factory find_factory(std::string_view type);

}  // namespace pmacct::plugins
