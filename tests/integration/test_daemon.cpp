// A daemon built on daemon_main() whose job only waits for signals: lets the tests exercise the
// start-up sequence, daemonizing, PID file, log file and signal handling end to end before any
// real daemon has a job.
#include <poll.h>

#include <memory>

#include "pmacct/app/daemon_main.hpp"
#include "pmacct/log/log.hpp"
#include "pmacct/process/signals.hpp"

namespace {

using pmacct::process::Signal;
using pmacct::process::Signals;

class WaitForSignals : public pmacct::app::MainJob {
public:
    pmacct::Result<void> prepare(const pmacct::config::Config&) override { return pmacct::ok(); }

    int run() override {
        Signals::on(Signal::kUsr1, [] { pmacct::log::notice("stats requested"); });
        Signals::on(Signal::kUsr2, [] { pmacct::log::info("maps reload requested"); });
        pmacct::log::info("running");
        while (!Signals::stop_requested()) {
            struct pollfd pfd {Signals::wake_fd(), POLLIN, 0};
            ::poll(&pfd, 1, 1000);
            Signals::dispatch();
        }
        pmacct::log::info("stopping");
        return 0;
    }
};

std::unique_ptr<pmacct::app::MainJob> make_job() { return std::make_unique<WaitForSignals>(); }

}  // namespace

int main(int argc, char** argv) {
    return pmacct::app::daemon_main(pmacct::Daemon::kNfacctd, argc, argv, make_job);
}
