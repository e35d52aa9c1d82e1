// pmacctd's main job: capture packets (a live interface, or a pcap savefile replayed), account
// each IP packet as a record (see packet::PacketAccountant), and hand the records to the plugins.
#pragma once

#include <memory>

#include "pmacct/app/daemon_main.hpp"
#include "pmacct/plugin/host.hpp"

namespace pmacct::collector {

std::unique_ptr<app::MainJob> make_pmacctd_job(plugin::FactoryLookup lookup);

}  // namespace pmacct::collector
