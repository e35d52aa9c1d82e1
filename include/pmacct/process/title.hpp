// Process titles as pmacct shows them in ps: "nfacctd: Core Process [default]",
// "nfacctd: Print Plugin [foo]".
#pragma once

#include <string_view>

namespace pmacct::process {

// Remembers where argv lives; call once at the start of main().
void init_title(int argc, char** argv);
// Sets the command line ps shows (the argv area); the process name (comm) is left alone.
void set_title(std::string_view title);

}  // namespace pmacct::process
