// uacctd: see CONFIG-KEYS and docs/ for what it does and how to configure it.
#include "pmacct/app/daemon_main.hpp"

int main(int argc, char** argv) {
    return pmacct::app::daemon_main(pmacct::Daemon::kUacctd, argc, argv, nullptr);
}
