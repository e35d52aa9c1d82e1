// The life of every daemon process, shared by the seven daemons: command line, -h / -V / -a,
// configuration (with -T dry runs), logging, daemonizing, PID file, signals, then the daemon's
// own job.
#pragma once

#include <memory>

#include "pmacct/base/daemon.hpp"
#include "pmacct/base/result.hpp"
#include "pmacct/config/config.hpp"

namespace pmacct::app {

// What a daemon does once configured.
class MainJob {
public:
    virtual ~MainJob() = default;
    // Before daemonizing: open sockets and files, check what can fail, so that errors reach
    // the terminal.
    virtual Result<void> prepare(const config::Config& cfg) = 0;
    // The main loop, until a stop signal; returns the exit code.
    virtual int run() = 0;
};

// Makes the daemon's job; nullptr when the daemon's main job is not implemented yet.
using JobFactory = std::unique_ptr<MainJob> (*)();

int daemon_main(Daemon d, int argc, const char* const* argv, JobFactory factory);

// The pmacct client (memory table queries).
int client_main(int argc, const char* const* argv);

}  // namespace pmacct::app
