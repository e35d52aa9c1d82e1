// CONFIG-KEYS, the reference of every configuration key, rendered from the key registry (and
// the switch tables). The file at the top of the source tree is this text; a test keeps them
// equal, and `cmake --build build --target config-keys` rewrites the file.
#pragma once

#include <string>

namespace pmacct::app {

std::string render_config_keys();

}  // namespace pmacct::app
