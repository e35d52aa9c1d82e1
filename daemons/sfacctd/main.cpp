// sfacctd: collects sFlow v5 from switches and routers. See CONFIG-KEYS and docs/.
#include <memory>

#include "pmacct/app/daemon_main.hpp"
#include "pmacct/collector/sfacctd_job.hpp"
#include "pmacct/process/title.hpp"
#include "registry.hpp"

namespace {

std::unique_ptr<pmacct::app::MainJob> make_job() {
    return pmacct::collector::make_sfacctd_job(pmacct::plugins::find_factory);
}

}  // namespace

int main(int argc, char** argv) {
    pmacct::process::init_title(argc, argv);
    return pmacct::app::daemon_main(pmacct::Daemon::kSfacctd, argc, argv, make_job);
}
