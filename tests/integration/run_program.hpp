// Runs a program and collects its exit code, stdout and stderr.
#pragma once

#include <string>
#include <vector>

namespace pmacct::testing {

struct RunResult {
    int exit_code = -1;  // 128 + signal when killed
    std::string out;
    std::string err;
};

// argv[0] is a program name in PMACCT_PROGRAM_DIR, or an absolute path. Killed after
// `timeout_ms`.
RunResult run_program(const std::vector<std::string>& argv, int timeout_ms = 10000);
std::string program_path(const std::string& name);

}  // namespace pmacct::testing
