// The signal framework every daemon process uses. Handlers only record the signal and wake the
// owner's poll loop through a pipe; the loop then calls dispatch(), which runs the callbacks
// registered for what arrived — in normal context, where anything is allowed.
//
//   SIGINT, SIGTERM  graceful stop         SIGHUP   reopen logs (and streamed files)
//   SIGUSR1          statistics            SIGUSR2  reload maps
//   SIGCHLD          a child (plugin, writer) changed state
//   SIGPIPE          ignored
#pragma once

#include <csignal>
#include <functional>

#include "pmacct/base/result.hpp"

namespace pmacct::process {

enum class Signal : unsigned { kInt, kTerm, kHup, kUsr1, kUsr2, kChld };
inline constexpr unsigned kSignalCount = 6;

int signal_number(Signal s);

class Signals {
public:
    // Installs the handlers (once per process; a forked child calls it again to get a fresh
    // wake-up pipe and no callbacks). SIGPIPE is ignored.
    static Result<void> install();
    // Registers what to do when `s` arrives; replaces an earlier callback.
    static void on(Signal s, std::function<void()> callback);
    // Read end of the wake-up pipe: readable while signals wait to be dispatched.
    static int wake_fd();
    // Runs the callbacks of every signal received since the last call; returns how many
    // distinct signals were handled.
    static unsigned dispatch();
    // True while signals wait to be dispatched (a cheap check for loops that do not poll).
    static bool pending();
    // True once SIGINT or SIGTERM has arrived (even before dispatch()).
    static bool stop_requested();
    // Forgets callbacks and pending signals (tests, forked children).
    static void reset();
};

}  // namespace pmacct::process
