// uacctd: accounts the packets an NFLOG group (Linux netfilter) hands over. See CONFIG-KEYS and docs/.
#include <memory>

#include "pmacct/app/daemon_main.hpp"
#include "pmacct/collector/capture_job.hpp"
#include "pmacct/process/title.hpp"
#include "registry.hpp"

namespace {

std::unique_ptr<pmacct::app::MainJob> make_job() {
    return pmacct::collector::make_uacctd_job(pmacct::plugins::find_factory);
}

}  // namespace

int main(int argc, char** argv) {
    pmacct::process::init_title(argc, argv);
    return pmacct::app::daemon_main(pmacct::Daemon::kUacctd, argc, argv, make_job);
}
