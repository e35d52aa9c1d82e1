// Prints CONFIG-KEYS as the key registry describes it (see the `config-keys` target).
#include <cstdio>

#include "pmacct/app/config_keys_doc.hpp"

int main() {
    std::string text = pmacct::app::render_config_keys();
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}
