// Detaching from the terminal.
#pragma once

#include "pmacct/base/result.hpp"

namespace pmacct::process {

// Forks; the parent exits 0 once the child is running. The child starts a new session, moves
// to "/" and points stdin, stdout and stderr at /dev/null. Returns in the child only.
Result<void> daemonize();

}  // namespace pmacct::process
