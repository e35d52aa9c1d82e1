// sfacctd's main job: receive sFlow v5 over UDP (or replay a pcap savefile), decode each flow
// sample into a record, and hand the records to the plugins.
#pragma once

#include <memory>

#include "pmacct/app/daemon_main.hpp"
#include "pmacct/plugin/host.hpp"

namespace pmacct::collector {

std::unique_ptr<app::MainJob> make_sfacctd_job(plugin::FactoryLookup lookup);

}  // namespace pmacct::collector
