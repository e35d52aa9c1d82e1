// Process titles as pmacct shows them in ps: "nfacctd: Core Process [default]",
// "nfacctd: Print Plugin [foo]".
#pragma once

#include <string_view>

namespace pmacct::process {

// Remembers where argv lives; call once at the start of main().
void init_title(int argc, char** argv);
// Sets the title shown by ps (argv area) and the thread name (comm, 15 characters).
void set_title(std::string_view title);

}  // namespace pmacct::process
