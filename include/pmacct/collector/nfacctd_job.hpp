// nfacctd's main job: receive NetFlow over UDP (or replay a pcap savefile), decode, and hand
// every flow to the plugins.
#pragma once

#include <memory>

#include "pmacct/app/daemon_main.hpp"
#include "pmacct/plugin/host.hpp"

namespace pmacct::collector {

std::unique_ptr<app::MainJob> make_nfacctd_job(plugin::FactoryLookup lookup);

}  // namespace pmacct::collector
